echo owned > owned.txt; chown 1234:5678 owned.txt; chmod 0640 owned.txt
echo f > f.txt
mkdir -p tree/sub; echo t > tree/sub/t; chown -R 42:42 tree

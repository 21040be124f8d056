chmod 0644 f.txt
touch -d @1500000000 f.txt

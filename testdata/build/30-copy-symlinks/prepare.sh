echo f > f.txt; touch -d @1500000000 f.txt
ln -s f.txt link
mkdir -p dir; echo a > dir/a; ln -s a dir/rel; ln -s /etc/passwd dir/abs
ln -s dir dirlink

echo f > f.txt; touch -d @1600000000 f.txt
echo old > old.txt; touch -d @1000000000 old.txt

touch -d @1600000000 passwd same.txt

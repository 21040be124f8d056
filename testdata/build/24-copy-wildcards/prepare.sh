echo 1 > one.txt; echo 2 > two.txt; echo 3 > three.md; echo x > x1.log; echo y > y2.log
mkdir -p sub; echo s > sub/s.txt; echo br > '[br].txt'

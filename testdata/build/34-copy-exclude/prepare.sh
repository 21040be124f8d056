mkdir -p dir/tmp dir/sub; echo a > dir/a.txt; echo b > dir/b.log; echo t > dir/tmp/t.txt
echo s > dir/sub/s.txt; echo m > dir/sub/s.md; echo c > dir/sub/c.log

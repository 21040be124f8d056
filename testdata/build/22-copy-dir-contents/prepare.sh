# What git cannot keep: modes, a hardlink, owners, fixed mtimes.
echo f > f.txt; echo g > g.txt
mkdir -p dir/sub dir/empty; chmod 750 dir; chmod 700 dir/sub
echo a > dir/a; echo b > dir/sub/b; chown 1234:1234 dir/a
echo hard > dir/hard1; ln dir/hard1 dir/hard2
mkdir mode700dir; chmod 700 mode700dir; echo x > mode700dir/x
find . -exec touch -h -d @1500000000 {} +

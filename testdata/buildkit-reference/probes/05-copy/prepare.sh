# context files whose metadata git cannot keep
set -e
echo hello > f.txt; chmod 644 f.txt
printf '#!/bin/sh\necho hi\n' > exec.sh; chmod 755 exec.sh
echo secret > secret; chmod 600 secret
echo suid > suid; chmod 4755 suid
echo sgid > sgid; chmod 2755 sgid
echo owned > owned; chown 1234:1234 owned
mkdir -p dir/sub dir/empty; chmod 750 dir; chmod 700 dir/sub
echo a > dir/a; echo b > dir/sub/b
ln -s a dir/link; ln -s /etc/passwd dir/abslink
echo hard > dir/hard1; ln dir/hard1 dir/hard2
mkdir mode700dir; chmod 700 mode700dir; echo x > mode700dir/x
mkdir sgiddir; chmod 2775 sgiddir; echo y > sgiddir/y
ln -s f.txt link
ln -s dir dirlink
find . -exec touch -h -d @1600000000 {} +
touch -h -d @1600000001 dir dir/a

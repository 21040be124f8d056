set -e
mkdir -p src/sub; echo a > src/a; echo b > src/sub/b; chown 1234:5678 src/a; chmod 600 src/a
touch -d @1500000000 src/a src/sub/b src/sub src
tar -C src -cf plain.tar .
tar -C src -czf gz.tgz .
tar -C src -cf - . | xz > xz.tar.xz
cp plain.tar notatar.txt.tar; echo "not a tar" > fake.tar
rm -rf src

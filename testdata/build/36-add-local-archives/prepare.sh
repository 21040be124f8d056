# Archives made here, with fixed owners and times; tar's own ./ entry included.
mkdir -p src/sub; echo p > src/sub/p.txt; chmod 0600 src/sub/p.txt; ln -s p.txt src/sub/lnk
echo h > src/hard1; ln src/hard1 src/hard2
find src -exec touch -h -d @1500000000 {} +
tar --owner=1234 --group=5678 --numeric-owner -C src -cf plain.tar .
rm -rf src
gzip -n -c plain.tar > gz.tar.gz
bzip2 -c plain.tar > bz.tar.bz2
xz -c plain.tar > xz.tar.xz
zstd -q -c plain.tar > zst.tar.zst
cp gz.tar.gz by-content.bin
echo 'not a tar' > fake.tar

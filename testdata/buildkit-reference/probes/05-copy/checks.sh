find . \( -path ./bin -o -path ./dev -o -path ./proc -o -path ./sys \) -prune -o -printf '%M %m %U:%G %T@ %s i=%i n=%n %p%l\n' | sed 's/ i=[0-9]*//' | sort -k7
ls -li dst/hard1 dst/hard2 dst2/hard1 dst2/hard2 existing/hard1 existing/hard2 addeddir/hard1 addeddir/hard2 | awk '{print $1, $3, $NF}'
ls -la lnk opt; ls -la existing

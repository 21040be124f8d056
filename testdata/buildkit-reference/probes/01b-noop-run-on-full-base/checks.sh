find . -path ./bin -prune -o -printf '%M %m %U:%G %T@ %s %p\n' | sort -k6
cat etc/hosts etc/resolv.conf etc/hostname

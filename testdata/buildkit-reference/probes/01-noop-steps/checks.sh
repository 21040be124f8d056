find . -path ./bin -prune -o -printf '%M %m %U:%G %T@ %p\n' | sort -k5

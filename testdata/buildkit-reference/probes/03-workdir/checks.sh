find . -path ./bin -prune -o -printf '%M %m %U:%G %T@ %s %p\n' | sort -k7

find data data2 -printf '%M %m %U:%G %s %p\n' | sort -k6

find . -maxdepth 1 -name 'w-*' -printf '%M %m %U:%G %p\n' | sort -k4

find w tmp etc -printf '%M %m %U:%G %s %p\n' | sort -k6

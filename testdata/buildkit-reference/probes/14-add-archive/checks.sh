find plain gz xz fake copied -printf '%M %m %U:%G %T@ %s %p\n' | sort -k7

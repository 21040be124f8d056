find copied single-a chowned from-image-group -printf '%M %m %U:%G %T@ %s %p %l\n' | sort -k7

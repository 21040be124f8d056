find target -printf '%M %m %U:%G %s %p\n'

touch -d @1600000000 f

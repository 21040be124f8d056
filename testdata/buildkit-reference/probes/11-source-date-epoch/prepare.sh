touch -d @1800000000 f

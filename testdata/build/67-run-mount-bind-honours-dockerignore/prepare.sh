echo kept > kept.txt; echo hidden > ignored.txt; printf 'ignored.txt\n' > .dockerignore

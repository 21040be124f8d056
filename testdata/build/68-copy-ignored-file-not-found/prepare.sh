echo s > secret.key; echo k > kept.txt; printf '*.key\n' > .dockerignore

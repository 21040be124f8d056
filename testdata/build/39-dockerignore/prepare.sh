echo k > keep.txt; echo s > secret.key; mkdir -p logs build sub; echo l > logs/a.log
echo o > build/out.bin; echo bk > build/keep.txt; echo t > sub/x.tmp; echo y > sub/y.txt
printf '*.key\nlogs\nbuild/*\n!build/keep.txt\n**/*.tmp\nDockerfile\n' > .dockerignore

mkdir -p a/b x/y src/pkg docs/a/b; echo f > a/b/f.txt; echo g > x/y/g.txt; echo m > src/pkg/m.txt
echo r > docs/a/r.md; echo n > docs/a/b/n.md; echo t > docs/a/b/t.txt

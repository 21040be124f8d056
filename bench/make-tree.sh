#!/usr/bin/env bash
# Builds the shared 630 MB benchmark tree once, under bench/out/tree: 20,000 small files (200
# directories of 100, 1-10 KiB each, text-like so they compress) plus two 256 MiB files, one
# incompressible (like a jar or a binary) and one compressible (like a log or a database dump).
# Content is seeded, so every run and every machine gets the same bytes. Idempotent: an existing
# complete tree (marked by bench/out/tree.complete) is reused; a half-built one is thrown away.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
if [[ -f $out/tree.complete && -d $out/tree ]]; then
  exit 0
fi
mkdir -p "$out"
rm -rf "$out/tree.tmp"
python3 - "$out/tree.tmp" <<'PY'
import os, random, sys
root = sys.argv[1]
rng = random.Random(20240611)
words = [''.join(rng.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(rng.randint(2, 10)))
         for _ in range(5000)]
def text(n):
    parts, size = [], 0
    while size < n:
        w = rng.choice(words)
        parts.append(w)
        size += len(w) + 1
    return (' '.join(parts)[:n] + '\n').encode()
for d in range(200):
    dpath = os.path.join(root, 'src', f'd{d:03}')
    os.makedirs(dpath)
    for f in range(100):
        with open(os.path.join(dpath, f'f{f:03}.txt'), 'wb') as fh:
            fh.write(text(rng.randint(1024, 10 * 1024)))
big = os.path.join(root, 'big')
os.makedirs(big)
chunk = 1 << 20
with open(os.path.join(big, 'random.bin'), 'wb') as fh:
    for _ in range(256):
        fh.write(rng.randbytes(chunk))
block = text(4 << 20)
with open(os.path.join(big, 'text.log'), 'wb') as fh:
    for i in range(64):
        # Rotate the block so the file is not one repeated 4 MiB period.
        k = rng.randrange(len(block))
        fh.write((block[k:] + block[:k])[:4 << 20])
PY
mv "$out/tree.tmp" "$out/tree"
touch "$out/tree.complete"
du -sh "$out/tree"

#!/usr/bin/env python3
"""flatten.py ROOT LAYER.tar...  - apply layer tars in order onto ROOT with OCI semantics:
whiteouts (.wh.NAME, .wh..wh..opq) apply to lower layers only; a non-dir entry replaces whatever
is at its path; a dir entry over an existing dir only updates attributes. Owners are numeric."""
import os, shutil, sys, tarfile

def rm(p):
    if os.path.islink(p) or not os.path.isdir(p):
        os.unlink(p)
    else:
        shutil.rmtree(p)

root = sys.argv[1]
os.makedirs(root, exist_ok=True)
for layer in sys.argv[2:]:
    with tarfile.open(layer) as t:
        ms = t.getmembers()
        keep = []
        for m in ms:
            d, b = os.path.split(m.name.rstrip('/'))
            if b == '.wh..wh..opq':
                p = os.path.join(root, d)
                if os.path.isdir(p) and not os.path.islink(p):
                    for c in os.listdir(p):
                        rm(os.path.join(p, c))
            elif b.startswith('.wh.'):
                p = os.path.join(root, d, b[4:])
                if os.path.lexists(p):
                    rm(p)
            else:
                keep.append(m)
        for m in keep:
            p = os.path.join(root, m.name.rstrip('/'))
            if os.path.lexists(p) and not (m.isdir() and os.path.isdir(p) and not os.path.islink(p)):
                rm(p)
        kw = {'filter': 'fully_trusted'} if hasattr(tarfile, 'fully_trusted_filter') else {}
        t.extractall(root, members=keep, numeric_owner=True, **kw)

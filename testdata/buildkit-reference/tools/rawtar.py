#!/usr/bin/env python3
"""List every raw header of a tar stream (no interpretation beyond decoding fields).
Prints: typeflag, mode (octal), uid/gid, uname/gname, size, mtime, magic, devmajor/minor, name[, -> linkname].
PAX ('x'/'g') and GNU long-name ('L'/'K') header payloads are printed verbatim."""
import sys

def num(b):
    b = b.rstrip(b'\0 ').strip()
    if not b:
        return 0
    if b[0] & 0x80:  # base-256
        v = int.from_bytes(bytes([b[0] & 0x7f]) + b[1:], 'big')
        return v
    return int(b, 8)

def s(b):
    return b.split(b'\0', 1)[0].decode('utf-8', 'replace')

f = open(sys.argv[1], 'rb')
while True:
    h = f.read(512)
    if len(h) < 512 or h == b'\0' * 512:
        break
    name = s(h[0:100]); mode = num(h[100:108]); uid = num(h[108:116]); gid = num(h[116:124])
    size = num(h[124:136]); mtime = num(h[136:148]); tf = chr(h[156]) if h[156] else '0'
    link = s(h[157:257]); magic = h[257:265]; uname = s(h[265:297]); gname = s(h[297:329])
    dmaj = num(h[329:337]); dmin = num(h[337:345]); prefix = s(h[345:500]) if magic == b'ustar\x0000' else ''
    if prefix:
        name = prefix + '/' + name
    mg = {b'ustar\x0000': 'ustar', b'ustar  \x00': 'gnu'}.get(magic, repr(magic))
    data = f.read((size + 511) // 512 * 512)[:size] if tf not in '123456' else b''
    if tf in 'xgLK':
        print(f"  [{tf}] payload={data!r}")
        continue
    extra = f" -> {link}" if link else ""
    dev = f" dev={dmaj},{dmin}" if tf in '34' else ""
    print(f"{tf} {mode:04o} {uid}/{gid} u={uname!r} g={gname!r} size={size} mtime={mtime} {mg}{dev} {name}{extra}")

#!/usr/bin/env bash
# Makes a small root file system from the host's static busybox, offline: the base of the images
# the tests and the README's example build on. Usage: make-busybox-rootfs.sh DIR
#   DIR/bin/busybox and a link for every applet, /etc/passwd (root, app 1000, nobody),
#   /etc/group (root, app, extra with app as a member, nogroup), /tmp (1777), /root, /home/app.
# Then: jbuild import --rootfs DIR busybox:local   (see make-busybox-image.sh)
set -euo pipefail
dir=${1:?usage: make-busybox-rootfs.sh DIR}
busybox=$(command -v busybox || true)
for candidate in /bin/busybox /usr/bin/busybox "$busybox"; do
  if [[ -n $candidate && -x $candidate ]] && file -L "$candidate" 2>/dev/null | grep -q 'statically linked'; then
    busybox=$candidate; break
  fi
done
if [[ -z $busybox || ! -x $busybox ]]; then
  echo "make-busybox-rootfs.sh needs a static busybox (Debian: apt-get install -y busybox-static)" >&2
  exit 1
fi
rm -rf "$dir"
mkdir -p "$dir"/{bin,etc,tmp,root,home/app,usr/bin,usr/sbin,sbin,var}
cp "$busybox" "$dir/bin/busybox"
# One symlink per applet, where busybox would install it (--install -s needs to run inside).
for applet in $("$dir/bin/busybox" --list-full); do
  [[ $applet == bin/busybox ]] && continue
  mkdir -p "$dir/$(dirname "$applet")"
  ln -sf /bin/busybox "$dir/$applet"
done
cat >"$dir/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PW
cat >"$dir/etc/group" <<'GR'
root:x:0:
app:x:1000:
extra:x:2000:app
nogroup:x:65534:
GR
chmod 1777 "$dir/tmp"
chmod 700 "$dir/root"
chown 1000:1000 "$dir/home/app"
# Fixed times, so that the image's digest is the same on every machine with the same busybox.
find "$dir" -exec touch -h -d @1700000000 {} +

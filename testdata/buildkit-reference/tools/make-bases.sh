#!/bin/sh
# Recreates the three offline base images used by the probes (needs DOCKER_HOST set, run as root).
set -e
D=${DOCKER:-/usr/bin/docker}
W=${1:-/tmp/dref/base}; rm -rf "$W"; mkdir -p "$W/rootfs/bin" "$W/rootfs/etc" "$W/rootfs/tmp"; cd "$W"
cp /bin/busybox rootfs/bin/ && chroot rootfs /bin/busybox --install -s /bin
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n' > rootfs/etc/passwd
printf 'root:x:0:\napp:x:1000:\nextra:x:2000:app\n' > rootfs/etc/group
chmod 1777 rootfs/tmp
# busybox-local:1 - no Env/Cmd, no /etc/hosts|resolv.conf|hostname, no /dev /proc /sys
tar -C rootfs -c . | $D import - busybox-local:1
# busybox-cmd:1 - same filesystem (same diff_id) plus CMD/ENV/LABEL in the config
tar -C rootfs -c . | $D import --change 'CMD ["sh","-c","echo base"]' --change 'ENV BASEENV=1' \
  --change 'LABEL base.label=inherited' --change 'LABEL over=base' - busybox-cmd:1
# busybox-full:1 - additionally has /dev /proc /sys and /etc/hosts, /etc/resolv.conf, /etc/hostname
cp -a rootfs rootfs-full && mkdir rootfs-full/dev rootfs-full/proc rootfs-full/sys
echo base-hosts > rootfs-full/etc/hosts; echo base-resolv > rootfs-full/etc/resolv.conf; echo base-hostname > rootfs-full/etc/hostname
tar -C rootfs-full -c . | $D import - busybox-full:1
$D image inspect busybox-full:1 --format '{{index .RootFS.Layers 0}}'

#!/usr/bin/env bash
# Makes the image busybox:local (or NAME) in a jbuild store from the host's static busybox, with no
# network and no registry. Usage: make-busybox-image.sh [NAME] [jbuild options such as --root DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=${1:-busybox:local}
shift || true
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$here/make-busybox-rootfs.sh" "$tmp/rootfs"
SOURCE_DATE_EPOCH=1700000000 "$here/../../jbuild" import --rootfs "$@" "$tmp/rootfs" "$name" >/dev/null
echo "$name"

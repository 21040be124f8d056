#!/usr/bin/env bash
# The main job on a fresh machine, with no network and no registry: makes the base image from the
# host's busybox, builds examples/hello into a store under examples/out, lists the store's images,
# and runs the built image's command with runc (unpacked by umoci from an OCI layout jbuild exports).
# Needs root, busybox-static, runc and umoci (Debian: apt-get install -y busybox-static runc umoci).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$PWD/examples/out
root=$out/store
for tool in runc umoci; do
  command -v $tool >/dev/null || { echo "run.sh needs $tool (apt-get install -y $tool)" >&2; exit 1; }
done
testdata/base/make-busybox-image.sh busybox:local --root "$root" >/dev/null
./jbuild build --root "$root" -t hello:1 examples/hello
./jbuild images --root "$root"
rm -rf "$out/layout" "$out/bundle"
./jbuild export --root "$root" hello:1 "$out/layout" >/dev/null
umoci unpack --image "$out/layout:1" "$out/bundle" >/dev/null
# umoci writes a bundle for an interactive terminal; this runs without one.
sed -i 's/"terminal": true/"terminal": false/' "$out/bundle/config.json"
echo "--- runc run (the image's command) ---"
runc run --bundle "$out/bundle" "jbuild-hello-$$" </dev/null

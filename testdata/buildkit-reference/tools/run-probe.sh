#!/bin/sh
# Usage: run-probe.sh <probe-dir>   (needs DOCKER_HOST pointing at the reference dockerd)
# Optional files in the probe dir (not sent as context):
#   prepare.sh  - run inside a scratch copy of the context (creates symlinks, hardlinks, modes, mtimes git can't keep)
#   build-args  - one NAME=VALUE per line, passed as --build-arg
#   checks.sh   - one command per line, run against the flattened image filesystem (see below)
#   base-diffids- diff_ids whose layer listing is skipped (default: the busybox-local:1 layer)
#   build-network - replaces the default '--network=host' build flag
# Writes <probe-dir>/expected.txt
set -u
P=$(cd "$1" && pwd); N=$(basename "$P"); D=${DOCKER:-/usr/bin/docker}
T=/tmp/dref/ctx/$N; rm -rf "$T"; mkdir -p "$T/ctx" "$T/save"
(cd "$P" && tar -c --exclude=./expected.txt --exclude=./prepare.sh --exclude=./checks.sh --exclude=./build-args --exclude=./build-network --exclude=./base-diffids . ) | tar -C "$T/ctx" -x
[ -f "$P/prepare.sh" ] && (cd "$T/ctx" && sh "$P/prepare.sh")
IMG=probe-$N:latest
BA=""; [ -f "$P/build-args" ] && BA=$(sed 's/^/--build-arg /' "$P/build-args" | tr '\n' ' ')
NET=--network=host; [ -f "$P/build-network" ] && NET=$(cat "$P/build-network")
BASE=$($D image inspect busybox-local:1 --format '{{index .RootFS.Layers 0}}')
OUT=$P/expected.txt; $D rmi -f $IMG >/dev/null 2>&1
{
echo "### probe $N"
echo "### docker build: DOCKER_BUILDKIT=1 docker build --no-cache --progress=plain $NET $BA -t $IMG ."
echo "### Dockerfile"; cat "$T/ctx/Dockerfile"
if [ -f "$P/prepare.sh" ]; then echo "### prepare.sh (run in the context before building)"; cat "$P/prepare.sh"; fi
echo "### context listing (stat: mode uid gid mtime inode name [-> target])"
(cd "$T/ctx" && find . -mindepth 1 | sort | while read -r f; do stat -c '%A %a %u %g %Y ino=%i %N' "$f"; done)
echo "### build log"
(cd "$T/ctx" && DOCKER_BUILDKIT=1 $D build --no-cache --progress=plain $NET $BA -t $IMG . > "$T/build.log" 2>&1; echo $? > "$T/rc")
sed -E 's/^#([0-9]+) [0-9]+\.[0-9]+ /#\1 /; s/ [0-9]+\.[0-9]+s$//' "$T/build.log"
echo "### build exit: $(cat "$T/rc")"
if $D image inspect $IMG >/dev/null 2>&1; then
echo "### docker image inspect (trimmed)"
$D image inspect $IMG | jq '.[0] | {Config, RootFS, Architecture, Os, Variant, Author, Comment, DockerVersion, Parent, ContainerConfig: (.ContainerConfig|{Cmd,Image})}'
echo "### docker history --no-trunc --format '{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}'"
$D history --no-trunc --format '{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}' $IMG
echo "### raw image config from docker save (created/history timestamps replaced by <T>)"
$D save $IMG | tar -C "$T/save" -x
CFG=$(jq -r '.[0].Config' "$T/save/manifest.json")
jq -S 'if .created then .created="<T>" else . end | if .history then .history|=map(if .created then .created="<T>" else . end) else . end' "$T/save/$CFG"
echo "### raw config bytes exactly as stored (sha256 of this = image ID)"; cat "$T/save/$CFG"; echo
echo "### raw timestamps (config.created, history[].created)"; jq -c '{created, history_created: [.history[].created]}' "$T/save/$CFG"
echo "### manifest.json layers"; jq -c '.[0].Layers' "$T/save/manifest.json"
i=0
for L in $(jq -r '.[0].Layers[]' "$T/save/manifest.json"); do
  DID=$(jq -r ".rootfs.diff_ids[$i]" "$T/save/$CFG"); i=$((i+1))
  if [ "$DID" = "$BASE" ] || ( [ -f "$P/base-diffids" ] && grep -q "$DID" "$P/base-diffids" ); then echo "### layer $i $DID: base layer, listing skipped"; continue; fi
  echo "### layer $i $DID ($(stat -L -c %s "$T/save/$L") bytes$( [ -L "$T/save/$L" ] && echo ", docker save wrote it as a symlink to $(readlink "$T/save/$L")")): raw tar headers"
  python3 "$(dirname "$0")/rawtar.py" "$T/save/$L"
done
if [ -f "$P/checks.sh" ]; then
  R=$T/rootfs; rm -rf "$R"
  python3 "$(dirname "$0")/flatten.py" "$R" $(jq -r '.[0].Layers[]' "$T/save/manifest.json" | sed "s|^|$T/save/|")
  echo "### checks on the image filesystem (all layers of docker save applied in order, whiteouts honoured, extracted to ROOT)"
  echo "### plain lines: host 'sh -c LINE' with cwd=ROOT (GNU stat/find); lines starting 'chroot: ': 'chroot ROOT /bin/sh -c LINE' (busybox)"
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    printf "\$ %s\n" "$line"
    case "$line" in
      chroot:*) chroot "$R" /bin/sh -c "${line#chroot: }" 2>&1 </dev/null ;;
      *) (cd "$R" && sh -c "$line" 2>&1 </dev/null) ;;
    esac
    echo "[exit $?]"
  done < "$P/checks.sh"
fi
fi
} > "$OUT" 2>&1
echo "wrote $OUT"

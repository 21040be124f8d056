#!/usr/bin/env bash
# Issue 6, build cache: rebuilds, jbuild side by side with `buildah bud --layers` in one run, both
# on storage that already holds the first build (the first build is not timed):
#   noop-copy  FROM busybox:local + COPY . /app of the 630 MB bench tree, built again unchanged
#   one-file   the same after one small file of the tree changed (a line appended, a new one
#              every round, so every round is a real change; the file is restored at the end)
#   noop-run   the RUN-heavy Dockerfile of bench/build.sh, built again unchanged
#   version    jbuild --version (start-up alone)
# Targets (issue 6): noop-copy < 0.5 s, one-file < 2 s, noop-run < 0.3 s, version < 0.2 s; each is
# also reported as a ratio to buildah's time for the same rebuild.
# Rebuilds are what a developer does all day on a warm machine, so unlike bench/build.sh the page
# cache is left as it is (only a sync before each timed command); both tools run with the host's
# network, runc, pull never, and jbuild with --progress plain. Times are wall seconds of the whole
# command, median and best of $RUNS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
bench/make-tree.sh
tree=$PWD/bench/out/tree
runs=${RUNS:-3}
out=$PWD/bench/out/rebuild
source bench/lib.sh
changed=$tree/src/d000/f000.txt

for tool in buildah runc jq; do
  command -v $tool >/dev/null || { echo "rebuild.sh needs $tool (apt-get install $tool)" >&2; exit 1; }
done
[[ $(id -u) == 0 ]] || { echo "rebuild.sh needs root (jbuild build and buildah's overlay storage)" >&2; exit 1; }
./jbuild --version >/dev/null
./jbuild --version >/dev/null

bopts() { echo "--root $1/root --runroot $1/run --storage-driver overlay"; }
cleanup() {
  if [[ -f $out/original.txt ]]; then cp -p "$out/original.txt" "$changed"; fi
  local d
  for d in "$out"/bu-*; do
    [[ -d $d/root ]] || continue
    buildah $(bopts "$d") rm --all >/dev/null 2>&1 || true
    buildah $(bopts "$d") umount --all >/dev/null 2>&1 || true
  done
  awk -v p="$out/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r | xargs -r umount -l 2>/dev/null || true
  rm -rf "$out"
}
trap cleanup EXIT
cleanup
mkdir -p "$out/empty-context"
cp -p "$changed" "$out/original.txt"

jbuild_java=$(JBUILD_JAVA_OPTS=-XshowSettings:properties ./jbuild --version 2>&1 | sed -n 's/^ *java.runtime.version = /Java /p')
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); jbuild runs on ${jbuild_java:-?}; $(buildah --version)"

testdata/base/make-busybox-image.sh busybox:local --root "$out/jb" >/dev/null
./jbuild export --root "$out/jb" busybox:local "$out/base-layout" >/dev/null
base_tag=$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$out/base-layout/index.json")
mkdir -p "$out/bu"
id=$(buildah $(bopts "$out/bu") pull -q "oci:$out/base-layout:$base_tag")
buildah $(bopts "$out/bu") tag "$id" docker.io/library/busybox:local
printf 'FROM busybox:local\nCOPY . /app\n' >"$out/copy.Dockerfile"
cat >"$out/run.Dockerfile" <<'EOF'
FROM busybox:local
RUN mkdir -p /data/small && cd /data/small && i=0 && while [ $i -lt 5000 ]; do echo "small file $i, made by a RUN step of the build bench" > f$i.txt; i=$((i + 1)); done
RUN head -c 268435456 /dev/urandom > /data/big.bin
RUN rm -rf /usr/sbin /usr/bin/[a-m]* /etc/group /home/app
EOF

jb() { ./jbuild build --root "$out/jb" --progress plain --pull=never "$@"; }
bu() { buildah $(bopts "$out/bu") bud --layers --isolation=oci --network=host --pull=never -q "$@"; }
declare -A T
timed() { # timed NAME CMD...: appends CMD's wall seconds to T[NAME]; its stderr is kept in $out/err.NAME
  local name=$1; shift
  sync
  local t0=$EPOCHREALTIME
  "$@" >"$out/out.$name" 2>"$out/err.$name" || { echo "FAILED: $*" >&2; tail -20 "$out/err.$name" >&2; exit 1; }
  T[$name]+="$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.3f", b - a}') "
}

# The first builds, not timed.
jb -f "$out/copy.Dockerfile" -t bench/copy:1 "$tree" >/dev/null 2>&1
jb -f "$out/run.Dockerfile" -t bench/run:1 "$out/empty-context" >/dev/null 2>&1
bu -f "$out/copy.Dockerfile" -t bench/copy:1 "$tree" >/dev/null
bu -f "$out/run.Dockerfile" -t bench/run:1 "$out/empty-context" >/dev/null

cached_steps() { grep -c 'CACHED' "$out/err.$1" || true; }
for ((i = 1; i <= runs; i++)); do
  timed noop-copy.jbuild jb -f "$out/copy.Dockerfile" -t bench/copy:1 "$tree"
  [[ $(cached_steps noop-copy.jbuild) == 1 ]] || { echo "jbuild's no-op COPY rebuild did not hit the cache" >&2; exit 1; }
  timed noop-copy.buildah bu -f "$out/copy.Dockerfile" -t bench/copy:1 "$tree"
  echo "round $i: line $i" >>"$changed" # one change, which both tools then build
  timed one-file.jbuild jb -f "$out/copy.Dockerfile" -t bench/copy:1 "$tree"
  [[ $(cached_steps one-file.jbuild) == 0 ]] || { echo "jbuild's rebuild after a change hit the cache" >&2; exit 1; }
  timed one-file.buildah bu -f "$out/copy.Dockerfile" -t bench/copy:1 "$tree"
  timed noop-run.jbuild jb -f "$out/run.Dockerfile" -t bench/run:1 "$out/empty-context"
  [[ $(cached_steps noop-run.jbuild) == 3 ]] || { echo "jbuild's no-op RUN rebuild did not hit the cache" >&2; exit 1; }
  timed noop-run.buildah bu -f "$out/run.Dockerfile" -t bench/run:1 "$out/empty-context"
  timed version.jbuild ./jbuild --version
  echo "round $i: noop-copy $(echo ${T[noop-copy.jbuild]} | awk '{print $NF}') s vs $(echo ${T[noop-copy.buildah]} | awk '{print $NF}') s;" \
    "one-file $(echo ${T[one-file.jbuild]} | awk '{print $NF}') vs $(echo ${T[one-file.buildah]} | awk '{print $NF}');" \
    "noop-run $(echo ${T[noop-run.jbuild]} | awk '{print $NF}') vs $(echo ${T[noop-run.buildah]} | awk '{print $NF}');" \
    "version $(echo ${T[version.jbuild]} | awk '{print $NF}')"
done

echo
printf '%-10s %18s %18s %12s %8s  %s\n' "($runs runs)" "jbuild med (best)" "buildah med (best)" ratio target verdict
for op in noop-copy:0.5 one-file:2 noop-run:0.3 version:0.2; do
  name=${op%:*} target=${op#*:}
  jm=$(median <<<"${T[$name.jbuild]}"); jbest=$(best <<<"${T[$name.jbuild]}")
  if [[ -n ${T[$name.buildah]:-} ]]; then
    bm=$(median <<<"${T[$name.buildah]}"); bbest=$(best <<<"${T[$name.buildah]}")
    ratio=$(awk -v j="$jm" -v b="$bm" 'BEGIN {printf "%.3fx", j / b}')
    bcol=$(printf '%.2f (%.2f)' "$bm" "$bbest")
  else
    ratio=-; bcol=-
  fi
  verdict=$(awk -v j="$jm" -v t="$target" 'BEGIN {print (j < t) ? "met" : "NOT MET"}')
  printf '%-10s %18s %18s %12s %7ss  %s\n' "$name" "$(printf '%.2f (%.2f)' "$jm" "$jbest")" "$bcol" "$ratio" "< $target" "$verdict"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# Issue 5, build engine: three Dockerfile builds, jbuild side by side with `buildah bud --layers` in
# one run, each tool building cold (empty store, no cache) on the same local base image (no network).
#   copy   FROM busybox:local + COPY . /app of the 630 MB bench tree (bench/make-tree.sh: 20,000
#          small files and two 256 MiB files)
#   run    FROM busybox:local + three RUN steps: 5,000 small files; a 256 MiB file from /dev/urandom;
#          deleting files of the base (whiteouts)
#   push   the copy build pushed to a fresh local docker-registry on loopback:
#          jbuild build --push  vs  buildah bud --layers, then buildah push
# The base is busybox:local from testdata/base/make-busybox-image.sh, made once in a pristine jbuild
# store and copied into each jbuild run's store (bench/out/build/jb-*); buildah gets the same image
# (exported by jbuild as an OCI layout, `buildah pull oci:…`, tagged docker.io/library/busybox:local)
# into a storage root of its own per run (bench/out/build/bu-*: --root/--runroot, overlay driver,
# native overlay diff as root). Both run RUN steps with runc (jbuild's default; buildah
# --isolation=oci) and the host's network (jbuild's default; buildah --network=host), pull never.
# Each of $RUNS rounds times, for each build, both tools right after each other (the order swaps
# every round so neither always goes first), each run from an empty store. Before each timed
# command the page cache is put in the same state for every run: `sync` (one run's writeback stays
# out of the next one's time), caches dropped, then the tree read once, so every build reads its
# context from memory and no build pays for reclaiming what earlier runs left cached (which made
# the same jbuild build take 9 s on a clean cache and 11 to 17 s after a few rounds).
# Nothing is deleted while the timings run: every run gets storage of its own (bench/out/build/
# jb-OP-ROUND, bu-OP-ROUND, about 5 GB a round in all), removed only at the end. Deleting a store of
# 20,000 files right before a timed build made that build's file creation several times slower
# (3 s became 10 s) for both tools: ext4 without a journal, as on this VM, skips every inode freed
# in the last minute (five while its inode table is unwritten) when it allocates new ones
# (find_inode_bit and recently_deleted in fs/ext4/ialloc.c), and the scan grows with each freed
# inode. No developer deletes 20,000 files a second before building, so the bench does not either;
# it also removes what an earlier bench left, syncs and waits out that minute before it starts.
# Times are wall seconds of the whole command (JVM start included), median and best of $RUNS; for
# buildah's push, bud plus push. Peak RSS (largest of the rounds; of the process or its largest
# child) and CPU seconds (user + system of the process and its children, median) come from
# /usr/bin/time -v; on a busy 2-core machine CPU time decides wall time as much as anything.
# Compression: jbuild gzips each new layer as it builds it (its default; the store keeps compressed
# blobs); buildah --layers keeps layers uncompressed in its storage and gzips them only at push
# (its default too). So copy and run compare jbuild's build+gzip with buildah's build alone; push
# compares the same total work (both push gzip layers; checked below).
# Targets: copy <= 0.5x buildah; run <= 1.0x buildah; push <= 0.5x buildah (bud + push); jbuild's
# peak RSS under 400 MB in every run. The first round also checks the images: the copy image's /app
# (jbuild's unpacked from an OCI export with umoci, buildah's mounted) holds the tree (file count,
# bytes, checksums of a few files), the run image holds the 5,000 files and the big file and lacks
# the deleted ones, and the pushed manifests are what jbuild printed, with two gzip layers each (the
# layers' bytes differ between the tools: tar headers and entry order are each tool's own).
# jbuild runs with --progress plain; the median duration of each of its steps is printed, and what is
# left of the wall time (JVM start, config and manifest, naming, push) beside them.
# Absolute figures need an otherwise idle machine (the load average is printed before and after).
set -euo pipefail
cd "$(dirname "$0")/.."
bench/make-tree.sh
tree=$PWD/bench/out/tree
runs=${RUNS:-3}
out=$PWD/bench/out/build
source bench/lib.sh

if [[ ! -x /usr/bin/time ]]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi
if ! command -v buildah >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah >/dev/null; }
fi
for tool in buildah runc umoci docker-registry curl jq; do
  command -v $tool >/dev/null || { echo "build.sh needs $tool (apt-get install $tool)" >&2; exit 1; }
done
[[ $(id -u) == 0 ]] || { echo "build.sh needs root (jbuild build and buildah's overlay storage)" >&2; exit 1; }

# The CLI (builds the jar on first use; the second run makes sure the CDS archive exists).
./jbuild --version >/dev/null
./jbuild --version >/dev/null

reg_pid=
# bu DIR ARGS...: buildah on the storage in DIR (root and runroot of its own, overlay driver); the
# timed runs spell it out as `buildah $(bopts DIR) ARGS` (/usr/bin/time runs no shell functions).
bopts() { echo "--root $1/root --runroot $1/run --storage-driver overlay"; }
bu() { local d=$1; shift; buildah $(bopts "$d") "$@"; }
# Undoes whatever is still mounted under bench/out/build (there should be nothing; says so if not).
unmount_all() {
  local m
  for m in $(awk -v p="$out/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
    echo "note: $m was still mounted; unmounting" >&2
    umount "$m" 2>/dev/null || umount -l "$m" || true
  done
}
drop_buildah() { # drop_buildah DIR: no containers, nothing mounted, then the storage deleted
  [[ -d $1/root ]] || { rm -rf "$1"; return 0; }
  bu "$1" rm --all >/dev/null 2>&1 || true
  bu "$1" umount --all >/dev/null 2>&1 || true
  unmount_all
  rm -rf "$1"
}
cleanup() {
  if [[ -n $reg_pid ]]; then kill "$reg_pid" 2>/dev/null || true; wait "$reg_pid" 2>/dev/null || true; fi
  local d
  for d in "$out"/bu-*; do if [[ -e $d ]]; then drop_buildah "$d"; fi; done
  unmount_all
  rm -rf "$out"/jb-* "$out"/reg-* "$out"/check "$out"/base-store "$out"/base-layout
}
trap cleanup EXIT

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
echo "tools: $(buildah --version); $(runc --version | head -1); $(dpkg-query -W -f='buildah ${Version} (Debian package)' buildah 2>/dev/null)"

# --- the base image, the Dockerfiles ---
unmount_all
rm -rf "$out"
mkdir -p "$out/empty-context"
need_gb=$((runs * 6))
free_gb=$(df -BG --output=avail "$out" | tail -1 | tr -dc 0-9)
((free_gb >= need_gb)) || { echo "build.sh needs about $need_gb GB free under $out (has $free_gb GB)" >&2; exit 1; }
testdata/base/make-busybox-image.sh busybox:local --root "$out/base-store" >/dev/null
./jbuild export --root "$out/base-store" busybox:local "$out/base-layout" >/dev/null
base_tag=$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$out/base-layout/index.json")
cat >"$out/copy.Dockerfile" <<'EOF'
FROM busybox:local
COPY . /app
EOF
cat >"$out/run.Dockerfile" <<'EOF'
FROM busybox:local
RUN mkdir -p /data/small && cd /data/small && i=0 && while [ $i -lt 5000 ]; do echo "small file $i, made by a RUN step of the build bench" > f$i.txt; i=$((i + 1)); done
RUN head -c 268435456 /dev/urandom > /data/big.bin
RUN rm -rf /usr/sbin /usr/bin/[a-m]* /etc/group /home/app
EOF

sync
echo "waiting ${SETTLE:-65} s for ext4 to stop skipping the inodes deleted before the bench (see above)"
sleep "${SETTLE:-65}"

# Fresh stores: jbuild's is a copy of the pristine one (the base's blobs only, no snapshot yet);
# buildah's gets the base pulled from the OCI layout (extracted into its storage) and named.
jb_store() { rm -rf "$1"; cp -a "$out/base-store" "$1"; }
bu_store() {
  drop_buildah "$1"
  mkdir -p "$1"
  local id
  id=$(bu "$1" pull -q "oci:$out/base-layout:$base_tag")
  bu "$1" tag "$id" docker.io/library/busybox:local
}

# timed NAME CMD...: runs CMD under /usr/bin/time -v; appends the wall seconds to T[NAME], the
# peak RSS in MB to R[NAME] and the CPU seconds to C[NAME]; CMD's stdout is left in $out/out.NAME,
# its stderr in $out/err.NAME (jbuild's step log).
declare -A T R C
timed() {
  local name=$1; shift
  local t0 t1
  sync
  echo 1 >/proc/sys/vm/drop_caches
  find "$tree" -type f -print0 | xargs -0 cat >/dev/null
  t0=$EPOCHREALTIME
  if ! /usr/bin/time -v -o "$out/last.time" "$@" >"$out/out.$name" 2>"$out/err.$name"; then
    echo "FAILED: $*" >&2; tail -30 "$out/err.$name" >&2; exit 1
  fi
  t1=$EPOCHREALTIME
  T[$name]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}') "
  R[$name]+="$(awk '/Maximum resident set size/ {print int($6 / 1024)}' "$out/last.time") "
  C[$name]+="$(awk '/(User|System) time \(seconds\)/ {c += $4} END {printf "%.2f", c}' "$out/last.time") "
}
last() { local a=(${!1}); echo "${a[-1]}"; }
# steps OP ROUND: jbuild's step log of the run just timed → "STEP<TAB>SECONDS" lines in steps.OP.ROUND
steps() {
  awk '/^# \[[0-9]+\/[0-9]+\] / {sub(/^# /, ""); step = $0; next}
       /^  done [0-9.]+s$/ && step != "" {sub(/^  done /, ""); sub(/s$/, ""); print step "\t" $0; step = ""}' \
    "$out/err.$1.jbuild" >"$out/steps.$1.$2"
}

jb_build() { # jb_build OP ROUND [jbuild options]: a build of OP's Dockerfile into a fresh store
  local op=$1 i=$2; shift 2
  local ctx=$tree
  if [[ $op == run ]]; then ctx=$out/empty-context; fi
  jb_store "$out/jb-$op-$i"
  timed "$op.jbuild" ./jbuild build --root "$out/jb-$op-$i" --progress plain --pull=never \
    -f "$out/$([[ $op == push ]] && echo copy || echo "$op").Dockerfile" "$@" "$ctx"
  steps "$op" "$i"
}
bu_build() { # bu_build NAME OP-DOCKERFILE CONTEXT TAG ROUND: a build into bu-OP-ROUND's storage
  timed "$1" buildah $(bopts "$out/bu-$2-$5") bud --layers --isolation=oci --network=host --pull=never -q \
    -f "$out/$2.Dockerfile" -t "$4" "$3"
}
jb_copy() { jb_build copy "$1" -t bench/copy:1; }
bu_copy() { bu_store "$out/bu-copy-$1"; bu_build copy.buildah copy "$tree" bench/copy:1 "$1"; }
jb_run() { jb_build run "$1" -t bench/run:1; }
bu_run() { bu_store "$out/bu-run-$1"; bu_build run.buildah run "$out/empty-context" bench/run:1 "$1"; }
jb_push() { jb_build push "$1" -t "127.0.0.1:$port/bench/jbuild-$1:1" --push; }
bu_push() {
  local ref=127.0.0.1:$port/bench/buildah-$1:1
  bu_store "$out/bu-push-$1"
  timed pushbud.buildah buildah $(bopts "$out/bu-push-$1") bud --layers --isolation=oci --network=host --pull=never -q \
    -f "$out/copy.Dockerfile" -t "$ref" "$tree"
  timed pushpush.buildah buildah $(bopts "$out/bu-push-$1") push -q --tls-verify=false "$ref" "docker://$ref"
  T[push.buildah]+="$(awk -v a="$(last 'T[pushbud.buildah]')" -v b="$(last 'T[pushpush.buildah]')" 'BEGIN {printf "%.3f", a + b}') "
  C[push.buildah]+="$(awk -v a="$(last 'C[pushbud.buildah]')" -v b="$(last 'C[pushpush.buildah]')" 'BEGIN {printf "%.2f", a + b}') "
  R[push.buildah]+="$(printf '%s\n' "$(last 'R[pushbud.buildah]')" "$(last 'R[pushpush.buildah]')" | sort -g | tail -1) "
}
both() { # both OPERATION ROUND: jbuild's and buildah's, order swapped on even rounds
  if (($2 % 2)); then "jb_$1" "$2"; "bu_$1" "$2"
  else "bu_$1" "$2"; "jb_$1" "$2"; fi
}

failures=()
check() { # check WHAT EXPECTED ACTUAL
  if [[ $2 == "$3" ]]; then echo "  ok    $1"; else echo "  FAIL  $1: $3, expected $2"; failures+=("$1"); fi
}
samples=(src/d000/f000.txt src/d077/f042.txt src/d199/f099.txt big/random.bin big/text.log)
tree_facts() { # tree_facts DIR: file count, bytes, and sha256 of the sample files
  (cd "$1" && echo "$(find . -type f | wc -l) files, $(find . -type f -printf '%s\n' | awk '{s += $1} END {print s}') bytes," \
    "$(sha256sum "${samples[@]}" | sha256sum | cut -c1-16)")
}
run_facts() { # run_facts ROOTFS: what the run image must hold and lack
  local r=$1
  echo "small=$(find "$r/data/small" -type f | wc -l)" \
    "big=$(stat -c %s "$r/data/big.bin")" \
    "usr/sbin=$([[ -e $r/usr/sbin ]] && echo present || echo gone)" \
    "head=$([[ -L $r/usr/bin/head ]] && echo present || echo gone)" \
    "tail=$([[ -L $r/usr/bin/tail ]] && echo present || echo gone)" \
    "etc/group=$([[ -e $r/etc/group ]] && echo present || echo gone)" \
    "etc/passwd=$([[ -e $r/etc/passwd ]] && echo present || echo gone)"
}
jb_rootfs() { # jb_rootfs STORE IMAGE DIR: the image's root file system, by export and umoci unpack
  ./jbuild export --root "$1" "$2" "$3.layout" >/dev/null
  umoci unpack --image "$3.layout:${2##*:}" "$3" >/dev/null
}
manifest() { # manifest REPO: the registry's manifest of REPO:1
  curl -fs -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
    "http://127.0.0.1:$port/v2/$1/manifests/1"
}
check_round1() {
  echo "checks (round 1):"
  mkdir -p "$out/check"
  local want got ctr mnt
  want=$(tree_facts "$tree")
  jb_rootfs "$out/jb-copy-1" bench/copy:1 "$out/check/jb-copy"
  check "copy: jbuild's image holds the tree in /app ($want)" "$want" "$(tree_facts "$out/check/jb-copy/rootfs/app")"
  ctr=$(bu "$out/bu-copy-1" from --pull=never -q bench/copy:1); mnt=$(bu "$out/bu-copy-1" mount "$ctr")
  check "copy: buildah's image holds the tree in /app" "$want" "$(tree_facts "$mnt/app")"
  bu "$out/bu-copy-1" umount "$ctr" >/dev/null; bu "$out/bu-copy-1" rm "$ctr" >/dev/null
  want="small=5000 big=268435456 usr/sbin=gone head=gone tail=present etc/group=gone etc/passwd=present"
  jb_rootfs "$out/jb-run-1" bench/run:1 "$out/check/jb-run"
  check "run: jbuild's image" "$want" "$(run_facts "$out/check/jb-run/rootfs")"
  ctr=$(bu "$out/bu-run-1" from --pull=never -q bench/run:1); mnt=$(bu "$out/bu-run-1" mount "$ctr")
  check "run: buildah's image" "$want" "$(run_facts "$mnt")"
  bu "$out/bu-run-1" umount "$ctr" >/dev/null; bu "$out/bu-run-1" rm "$ctr" >/dev/null
  check "run: layers (base + 3 RUN), jbuild | buildah" "4|4" \
    "$(./jbuild inspect --root "$out/jb-run-1" bench/run:1 | jq '.[0].Manifest.layers | length')|$(bu "$out/bu-run-1" inspect --type image bench/run:1 | jq '.OCIv1.rootfs.diff_ids | length')"
  local jm bm in_registry
  jm=$(manifest bench/jbuild-1); bm=$(manifest bench/buildah-1)
  in_registry=$(curl -fsI -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://127.0.0.1:$port/v2/bench/jbuild-1/manifests/1" | tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}')
  check "push: the registry's manifest = the digest jbuild build --push printed" "$(cat "$out/out.push.jbuild")" "$in_registry"
  check "push: layer media types, jbuild | buildah (both gzip)" \
    "tar+gzip tar+gzip|tar+gzip tar+gzip" \
    "$(jq -r '[.layers[].mediaType | sub(".*\\.";"")] | join(" ")' <<<"$jm")|$(jq -r '[.layers[].mediaType | sub(".*\\.";"")] | join(" ")' <<<"$bm")"
  check "push: layers in the registry (base + COPY), jbuild | buildah" "2|2" \
    "$(jq '.layers | length' <<<"$jm")|$(jq '.layers | length' <<<"$bm")"
  pushed_mb="jbuild $(jq '[.layers[].size] | add / 1e6 | floor' <<<"$jm") MB, buildah $(jq '[.layers[].size] | add / 1e6 | floor' <<<"$bm") MB"
  echo "  pushed (compressed layers): $pushed_mb"

}

for ((i = 1; i <= runs; i++)); do
  start_registry
  load0=$(cut -d' ' -f1 /proc/loadavg)
  both copy "$i"
  both run "$i"
  both push "$i"
  echo "round $i (load $load0 → $(cut -d' ' -f1 /proc/loadavg)):" \
    "copy jbuild $(last 'T[copy.jbuild]') s, buildah $(last 'T[copy.buildah]') s;" \
    "run jbuild $(last 'T[run.jbuild]') s, buildah $(last 'T[run.buildah]') s;" \
    "push jbuild $(last 'T[push.jbuild]') s, buildah $(last 'T[pushbud.buildah]') + $(last 'T[pushpush.buildah]') s"
  if ((i == 1)); then check_round1; fi
  stop_registry
done

# --- the table ---
echo
printf '%-22s %9s %9s %9s %10s  %s\n' "($runs runs)" median best "CPU" "peak RSS" "jbuild vs buildah (median)"
row() { # row NAME TARGET-RATIO [OTHER]: jbuild's and buildah's rows of NAME (OTHER: buildah's to compare)
  local op=$1 target=$2 jm sm
  jm=$(median <<<"${T[$op.jbuild]}"); sm=$(median <<<"${T[$op.buildah]}")
  for tool in jbuild buildah; do
    local m b r c ratio="" label="$op $tool"
    m=$(median <<<"${T[$op.$tool]}"); b=$(best <<<"${T[$op.$tool]}"); r=$(maxof <<<"${R[$op.$tool]}")
    c=$(median <<<"${C[$op.$tool]}")
    if [[ $tool == jbuild ]]; then
      ratio=$(awk -v j="$jm" -v s="$sm" 'BEGIN {printf "%.2fx buildah", j / s}')
      [[ -z $target ]] || ratio+=" (target <= ${target}x)"
    fi
    [[ $op$tool == pushbuildah ]] && label="push buildah (sum)"
    printf '%-22s %7.2f s %7.2f s %7.2f s %7s MB  %s\n' "$label" "$m" "$b" "$c" "$r" "$ratio"
  done
}
row copy 0.5
row run 1.0
row push 0.5
for part in pushbud pushpush; do
  printf '%-22s %7.2f s %7.2f s %7.2f s %7s MB\n' "  buildah ${part#push}" "$(median <<<"${T[$part.buildah]}")" \
    "$(best <<<"${T[$part.buildah]}")" "$(median <<<"${C[$part.buildah]}")" "$(maxof <<<"${R[$part.buildah]}")"
done
echo "pushed image (compressed layers): $pushed_mb"
echo "note: jbuild's copy and run include gzip of the new layers (it stores compressed blobs); buildah --layers"
echo "      stores layers uncompressed and gzips only in buildah push, so only push compares the same work."

echo
echo "jbuild's steps (median of $runs rounds, from --progress plain); 'rest' = wall time - steps"
for op in copy run push; do
  cat "$out"/steps.$op.* | awk -F'\t' -v op="$op" -v total="$(median <<<"${T[$op.jbuild]}")" '
    !($1 in n) {order[++k] = $1}
    {v[$1, ++n[$1]] = $2}
    END {
      line = ""; sum = 0
      for (i = 1; i <= k; i++) {
        s = order[i]; m = n[s]
        # median of the m values
        for (a = 1; a <= m; a++) x[a] = v[s, a]
        for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (x[b] < x[a]) {t = x[a]; x[a] = x[b]; x[b] = t}
        med = (m % 2) ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2
        sum += med
        printf "  %-6s %7.2f s  %s\n", op, med, substr(s, 1, 90)
      }
      printf "  %-6s %7.2f s  rest (JVM start, commit of config and manifest, naming%s)\n", op, total - sum, op == "push" ? ", push" : ""
    }'
done

verdict() { # verdict TEXT CONDITION...
  local text=$1; shift
  if "$@"; then echo "  met      $text"; else echo "  NOT MET  $text"; fi
}
le() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a <= b)}'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a < b)}'; }
half() { awk -v s="$1" 'BEGIN {print s / 2}'; }
cj=$(median <<<"${T[copy.jbuild]}"); cb=$(median <<<"${T[copy.buildah]}")
rj=$(median <<<"${T[run.jbuild]}"); rb=$(median <<<"${T[run.buildah]}")
pj=$(median <<<"${T[push.jbuild]}"); pb=$(median <<<"${T[push.buildah]}")
rss=$(maxof <<<"${R[copy.jbuild]} ${R[run.jbuild]} ${R[push.jbuild]}")
echo
echo "targets:"
verdict "COPY . /app of the 630 MB tree at most half of buildah's time: $cj s vs $cb s" le "$cj" "$(half "$cb")"
verdict "RUN-heavy build no slower than buildah: $rj s vs $rb s" le "$rj" "$rb"
verdict "build --push at most half of buildah bud + push: $pj s vs $pb s" le "$pj" "$(half "$pb")"
verdict "jbuild's peak RSS under 400 MB: copy $(maxof <<<"${R[copy.jbuild]}") MB, run $(maxof <<<"${R[run.jbuild]}") MB, push $(maxof <<<"${R[push.jbuild]}") MB" lt "$rss" 400
((${#failures[@]} == 0)) || echo "CORRECTNESS FAILURES: ${failures[*]}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

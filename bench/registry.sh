#!/usr/bin/env bash
# Issue 4, registry client: push and pull of a ~335 MB image against a local docker-registry on
# loopback, jbuild side by side with skopeo in one run.
# The image is the 630 MB bench tree (bench/make-tree.sh) as three gzip layers made by jbuild's
# layer writer (src/: 20,000 small files; big/random.bin; big/text.log), in a scratch store under
# bench/out/registry; skopeo reads the same image exported once as an OCI layout.
# Each of $RUNS rounds starts a fresh, empty registry (new port, new storage) so that no blob is
# already there or mountable, then times, each tool run right after the other (the order swaps
# every round so neither always goes first):
#   push     jbuild push STORE-IMAGE REG/bench/jbuild-N:1  vs  skopeo copy oci:LAYOUT:1 docker://REG/bench/skopeo-N:1
#   re-push  the same again, nothing changed (jbuild skips it; skopeo checks every blob)
#   pull     jbuild pull REG/bench/jbuild-N:1 into an empty store  vs  skopeo copy docker://… oci:EMPTY-DIR:1
# Times are wall seconds of the whole command (JVM start included), median and best of $RUNS;
# MB/s is the image's compressed size over the median; "x skopeo" is jbuild's median over
# skopeo's. Peak RSS (largest of the rounds) and CPU seconds (user + system, median) come from
# /usr/bin/time -v; on a busy 2-core machine CPU time decides wall time as much as anything.
# The image is ~448 MB of gzip (random.bin does not compress), not the issue's estimated 335 MB.
# Targets: pull <= 0.5x skopeo; push <= 1.0x skopeo; re-push < 0.5 s; peak RSS < 300 MB for push
# and pull. The first round also checks that jbuild's pushed, the registry's, jbuild's pulled and
# skopeo's copied manifest digests are all the same, and that both pulls hold the same blobs.
# Absolute figures need an otherwise idle machine (the load average is printed before and after).
set -euo pipefail
cd "$(dirname "$0")/.."
bench/make-tree.sh
tree=bench/out/tree
runs=${RUNS:-3}
out=$PWD/bench/out/registry
source bench/lib.sh
image=bench/app:1

if [[ ! -x /usr/bin/time ]]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi
for tool in docker-registry skopeo curl jq; do
  command -v $tool >/dev/null || { echo "registry.sh needs $tool (apt-get install ${tool/docker-registry/docker-registry})" >&2; exit 1; }
done

# The CLI (builds the jar on first use; the second run makes sure the CDS archive exists).
./jbuild --version >/dev/null
./jbuild --version >/dev/null
# The image maker, a bench class in layer-differ's tests.
cp_file=$PWD/bench/out/layer-differ.classpath
mvn -q -o -pl layer-differ -am test-compile dependency:build-classpath -Dmdep.outputFile="$cp_file" 2>/dev/null \
  || mvn -q -pl layer-differ -am test-compile dependency:build-classpath -Dmdep.outputFile="$cp_file"
cp="layer-differ/target/classes:layer-differ/target/test-classes:oci-layout/target/classes:$(cat "$cp_file")"

reg_pid=
cleanup() {
  if [[ -n $reg_pid ]]; then kill "$reg_pid" 2>/dev/null || true; wait "$reg_pid" 2>/dev/null || true; fi
  rm -rf "$out"/reg-* "$out"/pull-* "$out"/layers
}
trap cleanup EXIT

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1); $(skopeo --version)"

# --- the image: three layers from hardlinked copies of parts of the tree ---
rm -rf "$out"
mkdir -p "$out"/layers/src "$out"/layers/random/big "$out"/layers/text/big
cp -al "$tree/src" "$out/layers/src/src"
ln "$tree/big/random.bin" "$out/layers/random/big/random.bin"
ln "$tree/big/text.log" "$out/layers/text/big/text.log"
store=$out/store
made=$(java -XX:+UseSerialGC -cp "$cp" dev.jbuild.layer.bench.RegistryBenchImage "$store" "$image" \
  "$out/layers/src" "$out/layers/random" "$out/layers/text")
echo "$made" | grep '^  layer'
image_digest=$(awk '/^image/ {print $2}' <<<"$made")
image_bytes=$(awk '/^image/ {print $3}' <<<"$made")
mb=$(awk -v b="$image_bytes" 'BEGIN {printf "%.1f", b / 1e6}')
echo "image $image: $mb MB compressed, 3 layers, manifest $image_digest"
layout=$out/layout
./jbuild export --root "$store" "$image" "$layout" >/dev/null

# timed NAME CMD...: runs CMD under /usr/bin/time -v; appends the wall seconds to T[NAME], the
# peak RSS in MB to R[NAME] and the CPU seconds to C[NAME]; CMD's stdout is left in $out/out.NAME.
declare -A T R C
timed() {
  local name=$1; shift
  local t0 t1
  t0=$EPOCHREALTIME
  if ! /usr/bin/time -v -o "$out/last.time" "$@" >"$out/out.$name" 2>"$out/last.err"; then
    echo "FAILED: $*" >&2; cat "$out/last.err" >&2; exit 1
  fi
  t1=$EPOCHREALTIME
  T[$name]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}') "
  R[$name]+="$(awk '/Maximum resident set size/ {print int($6 / 1024)}' "$out/last.time") "
  C[$name]+="$(awk '/(User|System) time \(seconds\)/ {c += $4} END {printf "%.2f", c}' "$out/last.time") "
}
jb_push() { timed "$1" ./jbuild push --root "$store" --progress quiet "$image" "127.0.0.1:$port/bench/jbuild-$2:1"; }
sk_push() { timed "$1" skopeo copy -q --dest-tls-verify=false "oci:$layout:1" "docker://127.0.0.1:$port/bench/skopeo-$2:1"; }
jb_pull() {
  rm -rf "$out/pull-store"
  timed "$1" ./jbuild pull --root "$out/pull-store" --progress quiet "127.0.0.1:$port/bench/jbuild-$2:1"
}
sk_pull() {
  rm -rf "$out/pull-oci"
  timed "$1" skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$port/bench/jbuild-$2:1" "oci:$out/pull-oci:1"
}
# The floor: the work of a pull done by native tools with no start-up and no bookkeeping: each layer
# fetched by curl (all at once), hashed by openssl's SHA-256 (SHA-NI where the CPU has it) and written
# to a file, then one sync. No real pull can beat this; it says whether a target is reachable here.
floor_pull() {
  rm -rf "$out/pull-floor"; mkdir -p "$out/pull-floor"
  local layers
  layers=$(curl -fs -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://127.0.0.1:$port/v2/bench/jbuild-$2/manifests/1" | jq -r '.layers[].digest')
  timed "$1" bash -c 'for d in $2; do
      (curl -fs "$1/blobs/$d" | tee "$3/${d#sha256:}" | openssl dgst -sha256 >/dev/null) &
    done; wait; sync -f "$3"' floor "http://127.0.0.1:$port/v2/bench/jbuild-$2" "$layers" "$out/pull-floor"
}
both() { # both OPERATION ROUND: jbuild's and skopeo's, order swapped on even rounds
  if (($2 % 2)); then "jb_$1" "$1.jbuild" "$2"; "sk_$1" "$1.skopeo" "$2"
  else "sk_$1" "$1.skopeo" "$2"; "jb_$1" "$1.jbuild" "$2"; fi
}
last() { local a=(${T[$1]}); echo "${a[-1]}"; }

failures=()
check() { # check WHAT EXPECTED ACTUAL
  if [[ $2 == "$3" ]]; then echo "  ok    $1"; else echo "  FAIL  $1: $3, expected $2"; failures+=("$1"); fi
}

for ((i = 1; i <= runs; i++)); do
  start_registry
  both push "$i"
  jb_push repush.jbuild "$i"
  sk_push repush.skopeo "$i"
  both pull "$i"
  floor_pull pull.floor "$i"
  echo "round $i: push jbuild $(last push.jbuild) s, skopeo $(last push.skopeo) s;" \
    "re-push jbuild $(last repush.jbuild) s, skopeo $(last repush.skopeo) s;" \
    "pull jbuild $(last pull.jbuild) s, skopeo $(last pull.skopeo) s (floor $(last pull.floor) s)"
  if ((i == 1)); then
    accept='application/vnd.oci.image.manifest.v1+json'
    in_registry=$(curl -fsI -H "Accept: $accept" "http://127.0.0.1:$port/v2/bench/jbuild-1/manifests/1" \
      | tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}')
    skopeo_pushed=$(curl -fsI -H "Accept: $accept" "http://127.0.0.1:$port/v2/bench/skopeo-1/manifests/1" \
      | tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}')
    check "digest jbuild push printed = the store's image" "$image_digest" "$(cat "$out/out.push.jbuild")"
    check "manifest in the registry (jbuild's push) = the store's image" "$image_digest" "$in_registry"
    check "manifest skopeo pushed = the store's image" "$image_digest" "$skopeo_pushed"
    check "manifest jbuild pulled = the pushed one" "$image_digest" "$(cat "$out/out.pull.jbuild")"
    check "manifest skopeo copied to oci: = the pushed one" "$image_digest" \
      "$(jq -r '.manifests[0].digest' "$out/pull-oci/index.json")"
    blobs() { ls "$1/blobs/sha256" | sort | tr '\n' ' '; }
    check "blobs of jbuild's pull | of skopeo's copy = the source store's" \
      "$(blobs "$store")|$(blobs "$store")" "$(blobs "$out/pull-store")|$(blobs "$out/pull-oci")"
  fi
  stop_registry
done

# --- the table ---
echo
printf '%-16s %9s %9s %6s %9s %10s  %s\n' "($runs runs)" median best MB/s "CPU" "peak RSS" "jbuild vs skopeo (median)"
verdicts=()
row() { # row OPERATION TARGET-RATIO
  local op=$1 target=$2 jm sm
  jm=$(median <<<"${T[$op.jbuild]}"); sm=$(median <<<"${T[$op.skopeo]}")
  for tool in jbuild skopeo; do
    local m b r c ratio=""
    m=$(median <<<"${T[$op.$tool]}"); b=$(best <<<"${T[$op.$tool]}"); r=$(maxof <<<"${R[$op.$tool]}")
    c=$(median <<<"${C[$op.$tool]}")
    if [[ $tool == jbuild ]]; then
      ratio=$(awk -v j="$jm" -v s="$sm" 'BEGIN {printf "%.2fx skopeo", j / s}')
      [[ -z $target ]] || ratio+=" (target <= ${target}x)"
    fi
    printf '%-16s %7.2f s %7.2f s %6s %7.2f s %7s MB  %s\n' "$op $tool" "$m" "$b" \
      "$(awk -v b="$image_bytes" -v s="$m" -v op="$op" 'BEGIN {if (op == "repush") print "-"; else printf "%.0f", b / 1e6 / s}')" \
      "$c" "$r" "$ratio"
  done
}
row push 1.0
row repush ""
row pull 0.5
echo "image: $mb MB compressed in 3 gzip layers; MB/s = image size / median"
fm=$(median <<<"${T[pull.floor]}")
echo "pull floor (curl | tee FILE | openssl sha256 per layer, in parallel, then sync): median $fm s" \
  "= $(awk -v f="$fm" -v s="$(median <<<"${T[pull.skopeo]}")" 'BEGIN {printf "%.2fx", f / s}') skopeo"

verdict() { # verdict TEXT CONDITION...
  local text=$1; shift
  if "$@"; then echo "  met      $text"; else echo "  NOT MET  $text"; fi
}
le() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a <= b)}'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a < b)}'; }
pj=$(median <<<"${T[pull.jbuild]}"); ps=$(median <<<"${T[pull.skopeo]}")
uj=$(median <<<"${T[push.jbuild]}"); us=$(median <<<"${T[push.skopeo]}")
rj=$(median <<<"${T[repush.jbuild]}")
rss_push=$(maxof <<<"${R[push.jbuild]} ${R[repush.jbuild]}"); rss_pull=$(maxof <<<"${R[pull.jbuild]}")
echo "targets:"
verdict "pull at most half of skopeo's time: $pj s vs $ps s" le "$pj" "$(awk -v s="$ps" 'BEGIN {print s / 2}')"
verdict "push no slower than skopeo: $uj s vs $us s" le "$uj" "$us"
verdict "re-push of an unchanged image under 0.5 s: $rj s" lt "$rj" 0.5
verdict "peak RSS under 300 MB: push $rss_push MB, pull $rss_pull MB" lt "$(maxof <<<"$rss_push $rss_pull")" 300
((${#failures[@]} == 0)) || echo "CORRECTNESS FAILURES: ${failures[*]}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# Issue 3, layer writer: writing the 630 MB bench tree (bench/make-tree.sh) as a layer, jbuild side
# by side with the tools people would otherwise pipe together:
#   tar -cf - | gzip      tar -cf - | pigz      tar -cf - | zstd -T0      tar -cf - (no compression)
# Each tool pipeline runs right after each jbuild run (from inside the bench JVM), so both see the
# same machine load; the first round is a warm-up; each figure is the best of $RUNS rounds.
# Throughput is over the uncompressed tar bytes; ratio is compressed/uncompressed; "jbuild is Nx"
# is the tool's time over jbuild's. Peak RSS of the jbuild JVM comes from /usr/bin/time -v, for the
# tree and for a 2 GB layer generated on the fly.
# Targets: gzip at least as fast as tar|pigz on 2 cores; zstd >= 500 MB/s; none >= 1 GB/s warm;
# peak RSS < 300 MB for a 2 GB layer. Absolute figures need an otherwise idle machine (the load
# average is printed before and after); the ratios hold up better on a busy one.
set -euo pipefail
cd "$(dirname "$0")/.."
bench/make-tree.sh
tree=bench/out/tree
runs=${RUNS:-3}

if ! command -v pigz >/dev/null; then
  echo "installing pigz" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pigz >/dev/null
fi
if [[ ! -x /usr/bin/time ]]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi

cp_file=$PWD/bench/out/layer-differ.classpath
mvn -q -o -pl layer-differ -am test-compile dependency:build-classpath -Dmdep.outputFile="$cp_file" 2>/dev/null \
  || mvn -q -pl layer-differ -am test-compile dependency:build-classpath -Dmdep.outputFile="$cp_file"
cp="layer-differ/target/classes:layer-differ/target/test-classes:oci-layout/target/classes:$(cat "$cp_file")"
main=dev.jbuild.layer.bench.LayerWriteBench

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# The JVM flags the jbuild launcher uses (serial GC); heap sizing is the JVM's default. Each tool
# pipeline runs right after each jbuild run, inside the bench, so both see the same machine load.
java=(java -XX:+UseSerialGC -cp "$cp")
t="tar -cf - -C $tree ."
rss() { awk '/Maximum resident set size/ {print int($6 / 1024)}'; }
bench() { # bench <compression> <tool pipeline>...
  local out
  out=$( { /usr/bin/time -v "${java[@]}" $main tree "$tree" "$@"; } 2>&1)
  grep -v $'^\t' <<<"$out"
  echo "  peak RSS $(rss <<<"$out") MB (the largest process: the jbuild JVM)"
}
bench gzip "$runs" "$t | pigz | wc -c" "$t | gzip | wc -c"
bench zstd "$runs" "$t | zstd -q -T0 -3 | wc -c"
# `| cat`: GNU tar skips reading file contents when it sees its output is /dev/null.
bench none "$runs" "$t | cat | wc -c"

# Memory on a 2 GB layer generated on the fly (the generator, not the writer, limits its speed).
for c in gzip zstd none; do
  out=$( { /usr/bin/time -v "${java[@]}" $main synthetic 2048 $c 0; } 2>&1)
  echo "$(grep '^jbuild' <<<"$out" | sed -E 's/ +[0-9.]+ s .*blob/: blob/'), peak RSS $(rss <<<"$out") MB"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

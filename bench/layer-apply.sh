#!/usr/bin/env bash
# Target (issue 3): applying a layer is at least as fast as `tar -xzf`. Extracts the 630 MB tree
# (bench/make-tree.sh) as tar.gz with GNU tar and with jbuild's LayerApplier (FLAT mode, a fresh JVM
# per run, diffID computed on the way) into fresh directories, alternating, and reports medians and
# the ratio. The zstd pair (`tar --zstd -xf`) is printed for information. RUNS=n sets the number of
# runs (default 3); DEST=dir extracts somewhere else, e.g. DEST=/dev/shm/jbuild-bench to take the
# disk out of the comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
out=bench/out
bench/make-tree.sh
if [[ ! -f $out/tree.tar.gz || $out/tree.tar.gz -ot $out/tree.complete ]]; then
  tar -C "$out/tree" -cf - . | gzip -6 > "$out/tree.tar.gz.tmp"
  mv "$out/tree.tar.gz.tmp" "$out/tree.tar.gz"
fi
if [[ ! -f $out/tree.tar.zst || $out/tree.tar.zst -ot $out/tree.complete ]]; then
  tar -C "$out/tree" -cf - . | zstd -q -3 -T0 > "$out/tree.tar.zst.tmp"
  mv "$out/tree.tar.zst.tmp" "$out/tree.tar.zst"
fi
mvn -q -o -pl layer-differ -am test-compile 2>/dev/null || mvn -q -pl layer-differ -am test-compile
cp=layer-differ/target/classes:layer-differ/target/test-classes:oci-layout/target/classes
cp=$cp:$(mvn -B -q -o -pl layer-differ dependency:build-classpath -Dmdep.outputFile=/dev/stdout \
  -Dmdep.includeScope=runtime | sed 's/\x1b\[[0-9;]*m//g')
echo "tree: $(du -sh --apparent-size "$out/tree" | cut -f1), $(find "$out/tree" -type f | wc -l) files;" \
  "tar.gz $(du -h --apparent-size "$out/tree.tar.gz" | cut -f1), tar.zst $(du -h --apparent-size "$out/tree.tar.zst" | cut -f1)"

now() { date +%s.%N; }
# Nothing is deleted while timing: on this ext4 (mounted with discard) freeing 630 MB makes the next
# minute of writes slow for whoever runs then. Every run gets its own directory; all go at the end.
runs_dir=${DEST:-$out/apply-runs}
rm -rf "$runs_dir"; mkdir -p "$runs_dir"; sync
declare -a tgz jgz tzs jzs
for ((i = 0; i < runs; i++)); do
  mkdir "$runs_dir/tar-gz-$i"; t0=$(now); tar -C "$runs_dir/tar-gz-$i" -xzf "$out/tree.tar.gz"; t1=$(now)
  tgz+=("$(echo "$t1 - $t0" | bc)")
  t0=$(now); java -cp "$cp" dev.jbuild.layer.apply.bench.LayerApplyBench "$out/tree.tar.gz" "$runs_dir/jbuild-gz-$i" >/dev/null; t1=$(now)
  jgz+=("$(echo "$t1 - $t0" | bc)")
  mkdir "$runs_dir/tar-zst-$i"; t0=$(now); tar -C "$runs_dir/tar-zst-$i" --zstd -xf "$out/tree.tar.zst"; t1=$(now)
  tzs+=("$(echo "$t1 - $t0" | bc)")
  t0=$(now); java -cp "$cp" dev.jbuild.layer.apply.bench.LayerApplyBench "$out/tree.tar.zst" "$runs_dir/jbuild-zst-$i" >/dev/null; t1=$(now)
  jzs+=("$(echo "$t1 - $t0" | bc)")
done
# A fast wrong answer must not pass: the last jbuild extraction is compared with the source tree.
if ! diff -r "$out/tree" "$runs_dir/jbuild-gz-$((runs - 1))" >/dev/null; then
  echo "jbuild's extraction differs from the source tree" >&2
  exit 1
fi
echo "jbuild's extraction is identical to the source tree"
rm -rf "$runs_dir"
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
report() {
  local label=$1 t j; t=$(median "${@:2:$runs}"); j=$(median "${@:$((runs + 2))}")
  printf '%-5s tar %6.2f s   jbuild %6.2f s   jbuild/tar = %.2f   (median of %d, wall time incl. JVM start)\n' \
    "$label" "$t" "$j" "$(echo "$j / $t" | bc -l)" "$runs"
}
report gzip "${tgz[@]}" "${jgz[@]}"
report zstd "${tzs[@]}" "${jzs[@]}"

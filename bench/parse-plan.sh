#!/usr/bin/env bash
# Target (issue 2): parsing and planning a 5,000-line Dockerfile takes under 50 ms once warm.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
python3 bench/gen-dockerfile.py 5000 > bench/out/Dockerfile.5000
echo "lines: $(wc -l < bench/out/Dockerfile.5000)"
mvn -q -o -pl dockerfile-parser test-compile 2>/dev/null || mvn -q -pl dockerfile-parser test-compile
java -cp dockerfile-parser/target/classes:dockerfile-parser/target/test-classes \
  dev.jbuild.dockerfile.bench.ParsePlanBench bench/out/Dockerfile.5000

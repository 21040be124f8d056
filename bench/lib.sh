#!/usr/bin/env bash
# Helpers the bench scripts share; source it after setting $out (each script's scratch directory).

# A fresh docker-registry on loopback, storing under $out/reg-PORT; sets $port and $reg_pid.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start_registry() {
  port=$(free_port)
  local dir=$out/reg-$port
  mkdir -p "$dir/data"
  cat >"$dir/config.yml" <<EOF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: $dir/data}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$port
EOF
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  reg_pid=$!
  for _ in $(seq 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/v2/" && return 0
    sleep 0.1
  done
  echo "docker-registry did not start:" >&2; cat "$dir/log" >&2; exit 1
}
stop_registry() {
  kill "$reg_pid"; wait "$reg_pid" 2>/dev/null || true; reg_pid=
  rm -rf "$out/reg-$port"
}

# Statistics of a space-separated list of numbers on standard input.
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
best() { tr ' ' '\n' | grep . | sort -g | head -1; }
maxof() { tr ' ' '\n' | grep . | sort -g | tail -1; }

#!/usr/bin/env bash
# Load benchmark: a fresh devnet on a free loopback port, `supervm bench load` against it, then
# a clean stop. Usage: bench_load.sh PATH/TO/supervm [bench load options...]
set -euo pipefail
bin=$1; shift
dir=$(mktemp -d /tmp/svm-bench.XXXXXX)
# Port 0: the kernel picks a free port; the devnet prints the URL it bound.
"$bin" devnet --data "$dir" --rpc 127.0.0.1:0 --log warn --json >"$dir.out" 2>"$dir.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir" "$dir.out" "$dir.log"' EXIT
url=
for _ in $(seq 100); do
  url=$(sed -n 's/.*"rpc":"\([^"]*\)".*/\1/p' "$dir.out")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "devnet did not start:"; cat "$dir.log"; exit 1; }
"$bin" bench load --data "$dir" --rpc "$url" "$@"

#!/usr/bin/env bash
# Load benchmark: a fresh devnet on a free loopback port, `supervm bench load` against it, then
# a clean stop. Usage: bench_load.sh PATH/TO/supervm [bench load options...]
set -euo pipefail
bin=$1; shift
dir=$(mktemp -d /tmp/svm-bench.XXXXXX)
# Port 0: the kernel picks a free port; the devnet prints the URL it bound.
: >"$dir.out"
"$bin" devnet --data "$dir" --rpc 127.0.0.1:0 --log warn --json >"$dir.out" 2>"$dir.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir" "$dir.out" "$dir.log"' EXIT
url=
for _ in $(seq 100); do
  url=$(sed -n 's/.*"rpc":"\([^"]*\)".*/\1/p' "$dir.out" || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "devnet did not start:"; cat "$dir.log"; exit 1; }
# The node's CPU time (user + system) around the run: with the committed count it gives the
# node's CPU cost per transaction, which does not depend on what else the machine is running.
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
# Time the node's threads spent runnable but waiting for a CPU (other processes' load).
runq() { cat /proc/$pid/task/*/schedstat 2>/dev/null | awk '{w += $2} END {printf "%.0f", w}'; }
tck=$(getconf CLK_TCK)
c0=$(cpu); q0=$(runq); t0=$(date +%s%N)
out=$("$bin" bench load --data "$dir" --rpc "$url" --json "$@")
c1=$(cpu); q1=$(runq); t1=$(date +%s%N)
echo "$out"
awk -v q="$((q1 - q0))" -v c="$((c1 - c0))" -v hz="$tck" -v ns="$((t1 - t0))" -v out="$out" -v cores="$(nproc)" 'BEGIN {
  match(out, /"committed":[0-9]+/); n = substr(out, RSTART + 12, RLENGTH - 12) + 0;
  cpu = c / hz;
  printf "node CPU: %.2f s over %.2f s wall (%.2f cores busy); %.1f us per committed tx => %.0f tx/s if the node had %d cores to itself\n",
         cpu, ns / 1e9, cpu / (ns / 1e9), n ? cpu * 1e6 / n : 0, cpu ? n / cpu * cores : 0, cores;
  printf "node threads waited %.2f s for a CPU (runnable, not running)\n", q / 1e9 }'

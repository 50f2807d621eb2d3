#!/bin/bash
# Wall-clock rounds of bench_evm_aoem (docs/evm.md, "Seventh session"): each round runs every
# binary given in turn, all at the same nice, BENCH_REPS=9 (best of 9 at 1 thread, then best of
# 9 at 2 threads, in the same process), and prints the distinct and hot lines with the load.
# On a shared machine compare binaries within a round, not across rounds.
# Usage: bench/evm/aoem_rounds.sh ROUNDS BINARY... (from the repository root)
set -u
rounds=${1:?usage: aoem_rounds.sh ROUNDS BINARY...}
shift
[ $# -ge 1 ] || { echo "usage: aoem_rounds.sh ROUNDS BINARY..." >&2; exit 2; }
for r in $(seq 1 "$rounds"); do
	for b in "$@"; do
		echo "== round $r $b load $(cut -d' ' -f1 /proc/loadavg)"
		BENCH_REPS=9 nice -n 10 "$b" 2000 2>&1 | grep -E '^distinct|^hot' | sed 's/  (receipts.*//' || exit 1
	done
done

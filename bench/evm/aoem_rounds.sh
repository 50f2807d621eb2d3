#!/bin/bash
# Wall-clock rounds of bench_evm_aoem (docs/evm.md, "Seventh session", "Eighth session"): each
# round runs every binary given in turn, all at the same priority, BENCH_REPS (default 9: 9
# alternating 1- and 2-thread pairs in the same process), and prints the distinct and hot lines
# (bests) and their pairs lines (median and spread of the pairs' ratios) with the load. On a
# shared machine compare binaries within a round, not across rounds.
# AOEM_TXS sets the block size (default 2000). AOEM_RT=1 runs each binary at SCHED_FIFO 10
# (chrt -f 10: both workers real-time, so the machine's other processes wait for the seconds a
# run takes; the host's own load still shows); otherwise at nice 10.
# Usage: bench/evm/aoem_rounds.sh ROUNDS BINARY... (from the repository root)
set -u
rounds=${1:?usage: aoem_rounds.sh ROUNDS BINARY...}
shift
[ $# -ge 1 ] || { echo "usage: aoem_rounds.sh ROUNDS BINARY..." >&2; exit 2; }
txs=${AOEM_TXS:-2000}
reps=${BENCH_REPS:-9}
case "$txs" in '' | *[!0-9]*) echo "AOEM_TXS must be a number" >&2; exit 2 ;; esac
if [ "${AOEM_RT:-0}" = 1 ]; then prio=(chrt -f 10); else prio=(nice -n 10); fi
for r in $(seq 1 "$rounds"); do
	for b in "$@"; do
		echo "== round $r $b load $(cut -d' ' -f1 /proc/loadavg)"
		BENCH_REPS=$reps "${prio[@]}" "$b" "$txs" 2>&1 | grep -E '^distinct|^hot|^  (.* )?pairs ' | sed 's/  (receipts.*//' || exit 1
	done
done

#!/usr/bin/env bash
# make bench-net: four validators on loopback (separate processes), transfers through JSON-RPC
# spread over every validator. Prints finality latency at a light load, committed tx/s at
# saturation as a ratio to this box's bound (the 2-core Ed25519 verify rate measured in this
# run, divided by the validators, since each checks every signature), the same with one
# validator stopped, and the catch-up speed of a restarted validator (block sync); then the same
# light and saturation loads on a one-validator devnet (same consensus code, no peers) in the
# same run, for the ratio.
# Usage: bench_net.sh PATH/TO/supervm. BLOCK_MS, LIGHT_RATE, SAT_TXS override the defaults;
# SAT_ONLY=1 runs only the verify rate and the 4-validator saturation (for before/after pairs);
# LIGHT_ONLY=1 only the light loads: healthy, then with v3 stopped (the p99 ratio's pairs).
set -u
S=$(realpath "$1")
BLOCK_MS=${BLOCK_MS:-50}
LIGHT_RATE=${LIGHT_RATE:-200}
SAT_TXS=${SAT_TXS:-30000}
dir=$(mktemp -d /tmp/svmbench.XXXXXX)
rpc=$((20000 + RANDOM % 20000)); p2p=$((rpc + 100))
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; [ -n "${dev:-}" ] && kill "$dev" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
start() { "$S" node --config "$dir/net/v$1/config.json" --log warn >> "$dir/net/v$1/node.log" 2>&1 & pids[$1]=$!; }
height() { "$S" status --json --rpc "http://127.0.0.1:$(($rpc + $1))" 2>/dev/null | sed -n 's/^ *"height": \([0-9]*\).*/\1/p' | head -n 1; }
wait_height() { # node, height, bound in s
  local t=0; while [ "$(height "$1")" = "" ] || [ "$(height "$1")" -lt "$2" ]; do
    sleep 0.2; t=$((t + 1)); [ $t -gt $(($3 * 5)) ] && { echo "v$1 did not reach height $2"; exit 1; }; done; }
"$S" testnet --init --validators 4 --dir "$dir/net" --rpc-port $rpc --p2p-port $p2p --block-ms "$BLOCK_MS" >/dev/null || exit 1
mkdir -p "$dir/fa/keys" && cp "$dir/net/faucet.json" "$dir/fa/keys/faucet.json"
for i in 0 1 2 3; do start $i; done
for i in 0 1 2 3; do wait_height $i 3 60; done # every validator up (a port taken meanwhile: stop here)
urls() { local u=""; for i in "$@"; do u="$u${u:+,}http://127.0.0.1:$(($rpc + i))"; done; echo "$u"; }

echo "== Ed25519 verify rate, 2 threads (the bound's numerator)"
vr=$("$S" bench exec --sigs --threads 2 --txs 4000 --blocks 2 --json 2>/dev/null | tail -n 1 | sed -n 's/.*"verify_rate":\([0-9.]*\).*/\1/p')
echo "verify rate: ${vr:-?} /s; bound for 4 validators: $(awk -v v="${vr:-0}" 'BEGIN{printf "%.0f", v/4}') tx/s"

run() { # label, validators..., then bench args after --
  local label=$1; shift; local nodes=(); while [ "$1" != "--" ]; do nodes+=("$1"); shift; done; shift
  echo "== $label"
  "$S" bench load --rpc "http://127.0.0.1:$(($rpc + ${nodes[0]}))" --spread "$(urls "${nodes[@]}")" --data "$dir/fa" "$@" 2>/dev/null | tee "$dir/out"
  local tps; tps=$(sed -n 's/^committed: \([0-9]*\) tx\/s.*/\1/p' "$dir/out")
  [ -n "$tps" ] && [ -n "$vr" ] && awk -v t="$tps" -v v="$vr" -v n="${#nodes[@]}" 'BEGIN{printf "ratio to the bound (verify rate / 4): %.2f\n", t/(v/4)}'
}
[ "${SAT_ONLY:-0}" = 1 ] ||
  run "4 validators, light load ($LIGHT_RATE tx/s)" 0 1 2 3 -- --rate "$LIGHT_RATE" --txs $((LIGHT_RATE * 10)) --senders 100 --clients 4 --batch 10
[ "${LIGHT_ONLY:-0}" = 1 ] ||
  run "4 validators, saturation" 0 1 2 3 -- --txs "$SAT_TXS" --senders 300 --clients 4 --batch 200
[ "${SAT_ONLY:-0}" = 1 ] && exit 0
kill "${pids[3]}"; wait "${pids[3]}" 2>/dev/null; stopped_at=$(height 0)
run "3 of 4 validators (v3 stopped), light load ($LIGHT_RATE tx/s), just after the stop" 0 1 2 -- --rate "$LIGHT_RATE" --txs $((LIGHT_RATE * 10)) --senders 100 --clients 3 --batch 10
run "3 of 4 validators (v3 stopped), light load ($LIGHT_RATE tx/s), settled (the next 10 s)" 0 1 2 -- --rate "$LIGHT_RATE" --txs $((LIGHT_RATE * 10)) --senders 100 --clients 3 --batch 10
[ "${LIGHT_ONLY:-0}" = 1 ] && exit 0
run "3 of 4 validators (v3 stopped), saturation" 0 1 2 -- --txs "$SAT_TXS" --senders 300 --clients 3 --batch 200
echo "== catch-up of v3 (stopped at height $stopped_at)"
target=$(height 0); t0=$(date +%s.%N); start 3; wait_height 3 "$target" 600; t1=$(date +%s.%N)
awk -v a="$stopped_at" -v b="$target" -v t0="$t0" -v t1="$t1" 'BEGIN{printf "caught up %d blocks in %.2f s (start-up included): %.0f blocks/s\n", b-a, t1-t0, (b-a)/(t1-t0)}'
for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; pids=()

echo "== one-validator devnet (same binary, same run, block-ms $BLOCK_MS)"
drpc=$((rpc + 50))
"$S" devnet --data "$dir/dev" --listen "127.0.0.1:$drpc" --block-ms "$BLOCK_MS" --log warn > "$dir/dev.log" 2>&1 & dev=$!
t=0; until "$S" status --json --rpc "http://127.0.0.1:$drpc" >/dev/null 2>&1; do sleep 0.2; t=$((t + 1)); [ $t -gt 300 ] && { echo "devnet did not start"; exit 1; }; done
drun() { echo "== devnet: $1"; shift
  "$S" bench load --rpc "http://127.0.0.1:$drpc" --data "$dir/dev" "$@" 2>/dev/null | tee "$dir/out"
  local tps; tps=$(sed -n 's/^committed: \([0-9]*\) tx\/s.*/\1/p' "$dir/out")
  [ -n "$tps" ] && [ -n "$vr" ] && awk -v t="$tps" -v v="$vr" 'BEGIN{printf "ratio to the one-validator bound (verify rate): %.2f\n", t/v}'
}
drun "light load ($LIGHT_RATE tx/s)" --rate "$LIGHT_RATE" --txs $((LIGHT_RATE * 10)) --senders 100 --clients 4 --batch 10
drun "saturation" --txs "$SAT_TXS" --senders 300 --clients 4 --batch 200

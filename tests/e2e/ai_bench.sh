#!/usr/bin/env bash
# make bench-ai, second part: jobs through three `supervm worker` processes on a devnet with the
# chain's commit–reveal round. Posts N jobs (k = 3) back to back and prints jobs per second and
# the p50/p99 latency from post to the verified answer (settled), and to closed (after the
# challenge window). Printed, never asserted. Usage: ai_bench.sh BUILD_DIR [JOBS] [BLOCK_MS]
B=${1:-build}; N=${2:-20}; BMS=${3:-100}
S=$B/supervm
T=$(mktemp -d /tmp/svm-ai-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export SUPERVM_RPC=http://127.0.0.1:$PORT
$S devnet --data "$T/chain" --listen 127.0.0.1:$PORT --block-ms "$BMS" > "$T/devnet.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 200); do $S status > /dev/null 2>&1 && break; sleep 0.1; done
idof() { $S keys show "$1" --json | sed -n 's/.*"id": *"\([0-9a-f]*\)".*/\1/p'; }
for k in poster w1 w2 w3; do
  $S keys new --out "$T/$k.json" > /dev/null
  $S transfer --from "$T/chain/keys/faucet.json" --to "$(idof "$T/$k.json")" --amount 100000000000 --wait > /dev/null
  $S transfer --from "$T/chain/keys/faucet.json" --to "$(idof "$T/$k.json")" --amount 100000000 --token AIC --wait > /dev/null
done
MODEL=$($S model register --from "$T/poster.json" --name fmnist-mlp --weights models/fmnist/fmnist-mlp.svq8 --code $B/ai/infer.wasm)
for w in w1 w2 w3; do
  $S provider register --from "$T/$w.json" --bond 10000000000 > /dev/null
  $S worker --key "$T/$w.json" --poll-ms 20 > "$T/$w.log" 2>&1 &
  PIDS+=($!)
done
now_ms() { date +%s%3N; }
declare -A POSTED SETTLED CLOSED
t0=$(now_ms)
for i in $(seq 0 $((N - 1))); do
  dd if=$B/ai/t10k-images-idx3-ubyte of="$T/img" bs=1 skip=$((16 + i * 784)) count=784 2> /dev/null
  j=$($S job post --from "$T/poster.json" --model "$MODEL" --input "$T/img" --price 1000 --replicas 3 --deadline-blocks 100)
  POSTED[$j]=$(now_ms)
done
left=$N; deadline=$(( $(now_ms) + 600000 ))
while [ $left -gt 0 ] && [ $(now_ms) -lt $deadline ]; do
  for j in "${!POSTED[@]}"; do
    [ -n "${CLOSED[$j]:-}" ] && continue
    $S job status "$j" > "$T/st" 2> /dev/null
    if [ -z "${SETTLED[$j]:-}" ] && grep -q -E '"state": "(settled|closed)"' "$T/st"; then SETTLED[$j]=$(now_ms); fi
    if grep -q '"state": "closed"' "$T/st"; then CLOSED[$j]=$(now_ms); left=$((left - 1)); fi
  done
  sleep 0.05
done
t1=$(now_ms)
pct() { sort -n | awk -v p=$1 '{a[NR]=$1} END {i=int((NR*p+99)/100); if(i<1)i=1; print a[i]}'; }
ls=$(for j in "${!SETTLED[@]}"; do echo $(( SETTLED[$j] - POSTED[$j] )); done)
lc=$(for j in "${!CLOSED[@]}"; do echo $(( CLOSED[$j] - POSTED[$j] )); done)
echo "bench-ai (devnet, block ${BMS} ms, 3 workers, k = 3): $N jobs, ${#CLOSED[@]} closed in $(( t1 - t0 )) ms"
awk -v n=${#CLOSED[@]} -v ms=$(( t1 - t0 )) 'BEGIN {printf "jobs per second (post of the first to close of the last): %.2f\n", n * 1000 / ms}'
echo "post -> verified answer (settled): p50 $(echo "$ls" | pct 50) ms, p99 $(echo "$ls" | pct 99) ms"
echo "post -> closed (paid, after the ${BMS}x20 ms challenge window): p50 $(echo "$lc" | pct 50) ms, p99 $(echo "$lc" | pct 99) ms"

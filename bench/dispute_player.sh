#!/usr/bin/env bash
# The dispute player's checkpoint cache measured (docs/bisection.md, "Checkpoints kept across
# moves"): a devnet at 200 ms blocks, a claim of mix(ARGS) at K corrupted at step LIE, GAMES
# honest challengers; every player first with --no-cache, then with the cache; prints each
# mode's claimant (runs, steps_run, CPU and wall seconds) and first challenger.
# Usage: bench/dispute_player.sh BUILD ARGS K GAMES LIE
set -u
B=$1; ARGS=$2; KK=$3; G=$4; CS=$5
S=$B/supervm
T=$(mktemp -d /tmp/svm-p4.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf $T' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export SUPERVM_RPC=http://127.0.0.1:$PORT
mkdir -p "$T/chain/keys"
for k in validator faucet; do $S keys new --out "$T/chain/keys/$k.json" > /dev/null; done
jf() { python3 -c 'import json,sys; d=json.load(sys.stdin); [d := d[int(k) if k.isdigit() else k] for k in sys.argv[1].split(".")]; print(d)' "$1" 2>/dev/null; }
idof() { $S keys show "$1" --json | jf id; }
FID=$(idof "$T/chain/keys/faucet.json")
cat > "$T/chain/genesis.json" <<JSON
{"chain_id": 1339, "timestamp_ms": 1700000000000, "devnet": true, "fees": {"a": 1000, "b": 0, "c": 0, "d": 0},
 "balances": [{"owner": "$FID", "token": "SWR", "amount": "1000000000000000000"}],
 "validators": [{"public_key": "$($S keys show "$T/chain/keys/validator.json" --json | jf public_key)", "stake": 10000000000}]}
JSON
$S devnet --data "$T/chain" --listen 127.0.0.1:$PORT --block-ms 200 > "$T/devnet.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 200); do $S status > /dev/null 2>&1 && break; sleep 0.1; done
python3 -c 'import sys; open(sys.argv[2],"wb").write(bytes.fromhex(open(sys.argv[1]).read().strip()))' tests/vectors/trace/mix.hex "$T/mix.wasm"
for k in claimant $(seq 1 $G | sed 's/^/ch/'); do
  $S keys new --out "$T/$k.json" > /dev/null
  $S transfer --from "$T/chain/keys/faucet.json" --to "$(idof "$T/$k.json")" --amount 100000000000 --wait > /dev/null
done
for mode in "--no-cache" ""; do
  STEPS=$($S dispute claim --from "$T/claimant.json" --module "$T/mix.wasm" --export mix --args $ARGS --k $KK --bond 5000000000 --corrupt-step $CS --json 2>/dev/null > "$T/claim.json"; jf steps < "$T/claim.json")
  CL=$(jf claim < "$T/claim.json")
  LIE=$(( STEPS * 3 / 4 ))
  for i in $(seq 1 $G); do $S dispute challenge "$CL" --from "$T/ch$i.json" > /dev/null; done
  /usr/bin/time -f "%U %e" -o "$T/time" $S dispute play "$CL" --from "$T/claimant.json" --module "$T/mix.wasm" --corrupt-step $CS --no-guard $mode --json > "$T/pa.json" 2> "$T/pa.err" &
  PA=$!
  CP=()
  for i in $(seq 1 $G); do $S dispute play "$CL" --from "$T/ch$i.json" --module "$T/mix.wasm" $mode --json > "$T/pc$i.json" 2>&1 & CP+=($!); done
  wait $PA
  for p in "${CP[@]}"; do wait $p; done
  echo "mode=${mode:-cache} steps=$STEPS K=$KK games=$G claimant: $(cat "$T/pa.json") cpu_s/wall_s: $(tail -1 "$T/time") challenger1: $(cat "$T/pc1.json" | head -c 300)"
done

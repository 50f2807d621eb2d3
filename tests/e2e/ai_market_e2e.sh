#!/usr/bin/env bash
# End to end with real processes (make e2e-ai, a `make test` step): a devnet, the model
# registered from the CLI, three `supervm worker` processes (one started with --lie), a k = 3 job
# whose liar is slashed while the others are paid, AIC burned and the poster refunded exactly;
# a worker killed mid-job and restarted that does not commit twice; a job whose workers have all
# stopped refunding the poster after its deadline; bad input rejected by the CLI with the node
# still serving. Prints "e2e-ai: N passed, N failed". Usage: ai_market_e2e.sh BUILD_DIR
set -u
B=${1:-build}
S=$B/supervm
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "  ok: $*"; }
bad() { fail=$((fail + 1)); echo "  FAILED: $*"; }
check() { if eval "$1"; then ok "$2"; else bad "$2 ($1)"; fi; }

T=$(mktemp -d /tmp/svm-ai-e2e.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export SUPERVM_RPC=http://127.0.0.1:$PORT
$S devnet --data "$T/chain" --listen 127.0.0.1:$PORT --block-ms 50 > "$T/devnet.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 200); do $S status > /dev/null 2>&1 && break; sleep 0.1; done
check '$S status > /dev/null 2>&1' "devnet serves JSON-RPC"

idof() { $S keys show "$1" --json | sed -n 's/.*"id": *"\([0-9a-f]*\)".*/\1/p'; }
FAUCET=$T/chain/keys/faucet.json
for k in poster w1 w2 w3; do
  $S keys new --out "$T/$k.json" > /dev/null
  $S transfer --from "$FAUCET" --to "$(idof "$T/$k.json")" --amount 100000000000 --wait > /dev/null
  $S transfer --from "$FAUCET" --to "$(idof "$T/$k.json")" --amount 1000000 --token AIC --wait > /dev/null
done
P=$(idof "$T/poster.json"); W1=$(idof "$T/w1.json"); W2=$(idof "$T/w2.json"); W3=$(idof "$T/w3.json")
aic() { $S balance "$1" --token AIC --json | sed -n 's/.*"amount": *"*\([0-9]*\)"*.*/\1/p'; }
check '[ "$(aic $P)" = 1000000 ]' "poster funded with AIC"

MODEL=$($S model register --from "$T/poster.json" --name fmnist-mlp --weights models/fmnist/fmnist-mlp.svq8 \
  --code $B/ai/infer.wasm 2> "$T/register.err")
check '[ ${#MODEL} -eq 64 ]' "model registered from the CLI ($MODEL)"
check '$S model show $MODEL | grep -q "\"name\": \"fmnist-mlp\""' "model show"
for w in w1 w2 w3; do $S provider register --from "$T/$w.json" --bond 10000000000 > /dev/null; done
check '$S provider show $W1 | grep -q "\"bond\": 10000000000"' "provider bonded"

start_worker() { # name [--lie]
  $S worker --key "$T/$1.json" --poll-ms 50 ${2:-} >> "$T/$1.log" 2>&1 &
  eval "PID_$1=$!"; PIDS+=($!)
}
start_worker w1; start_worker w2; start_worker w3 --lie

img() { dd if=$B/ai/t10k-images-idx3-ubyte of="$T/img$1" bs=1 skip=$((16 + $1 * 784)) count=784 2> /dev/null; }
wait_state() { # job state timeout_s
  for i in $(seq 1 $(($3 * 10))); do
    $S job status "$1" 2> /dev/null | grep -q "\"state\": \"$2\"" && return 0; sleep 0.1
  done; return 1
}
img 0; img 1; img 2
AIC_P0=$(aic $P)
JOB1=$($S job post --from "$T/poster.json" --model "$MODEL" --input "$T/img0" --price 1000 --replicas 3 \
  --deadline-blocks 100)
check '[ ${#JOB1} -eq 64 ]' "job posted from the CLI"
check 'wait_state $JOB1 closed 120' "k=3 job settled and closed by the workers"
$S job status "$JOB1" > "$T/job1.json"
check 'grep -q "\"answer\": \"0x" "$T/job1.json"' "the verified answer is readable"
check '[ "$(aic $W1)" = 1000800 ] && [ "$(aic $W2)" = 1000800 ]' "honest workers paid 1000 - 20% burned"
check '[ "$(aic $W3)" = 1000000 ]' "the liar is not paid"
check '[ "$(aic $P)" = $((AIC_P0 - 2000)) ]' "poster refunded the liar's share"
check '$S provider show $W3 | grep -q "\"bond\": 9000000000"' "the liar is slashed 10% of its bond"
check '$S provider show $W3 | grep -q "\"disputes_lost\": 1"' "the liar's reputation records the dispute"
check '$S provider show $W1 | grep -q "\"jobs_done\": 1"' "reputation: jobs done"

# a worker killed right after committing and restarted does not commit twice
JOB2=$($S job post --from "$T/poster.json" --model "$MODEL" --input "$T/img1" --price 1000 --replicas 3 \
  --deadline-blocks 200)
for i in $(seq 1 600); do grep -q "committed ${JOB2:0:16}" "$T/w1.log" && break; sleep 0.05; done
kill -9 $PID_w1; wait $PID_w1 2> /dev/null
: > "$T/w1.after"
$S worker --key "$T/w1.json" --poll-ms 50 > "$T/w1.after" 2>&1 &
PID_w1=$!; PIDS+=($!)
check 'wait_state $JOB2 closed 120' "job 2 completes after a worker restart"
check 'grep -q "committed ${JOB2:0:16}" "$T/w1.log"' "worker 1 had committed job 2 when it was killed"
# (its reveal may already have been on its way when it was killed: either way it is revealed once)
check '[ "$(aic $W1)" = 1001600 ]' "worker 1's commitment was revealed and paid for job 2"
check '! grep -q "committed ${JOB2:0:16}" "$T/w1.after"' "the restarted worker did not commit again"

# all workers gone: the poster gets everything back after the deadline
kill $PID_w1 $PID_w2 $PID_w3; wait $PID_w1 $PID_w2 $PID_w3 2> /dev/null
AIC_P1=$(aic $P)
JOB3=$($S job post --from "$T/poster.json" --model "$MODEL" --input "$T/img2" --price 1000 --replicas 2 \
  --deadline-blocks 5)
check '[ "$(aic $P)" = $((AIC_P1 - 2000)) ]' "job 3 escrowed"
for i in $(seq 1 300); do $S job settle "$JOB3" --from "$T/poster.json" > /dev/null 2>&1 && break; sleep 0.1; done
check 'wait_state $JOB3 settled 5' "job 3 settled without reveals after its deadline"
for i in $(seq 1 300); do $S job claim "$JOB3" --from "$T/poster.json" > /dev/null 2>&1 && break; sleep 0.1; done
check '[ "$(aic $P)" = $AIC_P1 ]' "poster refunded in full"

# bad input: a clear error, the node keeps serving
check '! $S job post --from "$T/poster.json" --model 00$(printf "%062d" 0) --input "$T/img0" --price 1 2> "$T/bad.err"' "unknown model refused"
check 'grep -q "not found" "$T/bad.err"' "with a clear message"
check '! $S job status zz 2> /dev/null' "malformed job id refused"
check '$S status > /dev/null' "node still serving"

echo "e2e-ai: $pass passed, $fail failed"
[ $fail -eq 0 ]

#!/usr/bin/env bash
# End to end with real processes (make e2e-ai, a `make test` step): a devnet, the model
# registered from the CLI, three `supervm worker` processes (one started with --lie), a k = 3 job
# whose liar is slashed while the others are paid, AIC burned and the poster refunded exactly;
# a worker killed mid-job and restarted that does not commit twice; a job whose workers have all
# stopped refunding the poster after its deadline; AIC bought with SWR on the genesis SWR/AIC
# pool; a governance proposal lengthening the challenge window; a lying worker's result
# challenged from the CLI (re-executed locally, then by the chain) and the liar slashed, and a
# challenge of a right result refused locally, then forced and lost; a provider unbonding and
# withdrawing after the delay; bad input rejected by the CLI with the node still serving.
# The chain is a devnet from this script's genesis: flat fees (1000 per transaction, so every
# balance is checked exactly), a 10-block voting period. Prints "e2e-ai: N passed, N failed".
# Usage: ai_market_e2e.sh BUILD_DIR
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
mkdir -p "$T/chain/keys"
for k in validator faucet; do $S keys new --out "$T/chain/keys/$k.json" > /dev/null || exit 1; done
jget() { sed -n "s/.*\"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" | head -n 1; }
cat > "$T/chain/genesis.json" <<JSON
{"chain_id": 1337, "timestamp_ms": 1700000000000, "devnet": true,
 "fees": {"a": 1000, "b": 0, "c": 0, "d": 0},
 "params": {"gov_voting_blocks": 200, "gov_deposit_min": 1000, "ai_unbond_blocks": 20},
 "balances": [{"owner": "$($S keys show "$T/chain/keys/faucet.json" --json | jget id)", "token": "SWR", "amount": "1000000000000000000"},
              {"owner": "$($S keys show "$T/chain/keys/faucet.json" --json | jget id)", "token": "AIC", "amount": "1000000000000000000"},
              {"owner": "$($S keys show "$T/chain/keys/validator.json" --json | jget id)", "token": "SWR", "amount": "1000000000000"}],
 "validators": [{"public_key": "$($S keys show "$T/chain/keys/validator.json" --json | jget public_key)", "stake": 10000000000}],
 "pools": [{"owner": "$($S keys show "$T/chain/keys/faucet.json" --json | jget id)", "x": "SWR", "y": "AIC", "fee_bps": 30,
            "amount_x": "1000000000000000", "amount_y": "100000000000000000"}]}
JSON
$S devnet --data "$T/chain" --listen 127.0.0.1:$PORT --block-ms 50 > "$T/devnet.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 200); do $S status > /dev/null 2>&1 && break; sleep 0.1; done
check '$S status > /dev/null 2>&1' "devnet serves JSON-RPC"

idof() { $S keys show "$1" --json | sed -n 's/.*"id": *"\([0-9a-f]*\)".*/\1/p'; }
FAUCET=$T/chain/keys/faucet.json
for k in poster w1 w2 w3 poster2 judge; do
  $S keys new --out "$T/$k.json" > /dev/null
  $S transfer --from "$FAUCET" --to "$(idof "$T/$k.json")" --amount 100000000000 --wait > /dev/null
  case $k in poster2|judge) continue;; esac  # these two get no AIC from the faucet
  $S transfer --from "$FAUCET" --to "$(idof "$T/$k.json")" --amount 1000000 --token AIC --wait > /dev/null
done
P=$(idof "$T/poster.json"); W1=$(idof "$T/w1.json"); W2=$(idof "$T/w2.json"); W3=$(idof "$T/w3.json")
P2=$(idof "$T/poster2.json"); J=$(idof "$T/judge.json")
aic() { $S balance "$1" --token AIC --json | sed -n 's/.*"amount": *"*\([0-9]*\)"*.*/\1/p'; }
swr() { $S balance "$1" --json | sed -n 's/.*"amount": *"*\([0-9]*\)"*.*/\1/p'; }
height() { $S status --json | jget height; }
supply() { $S token show "$1" --json | sed -n 's/.*"supply": *"*\([0-9]*\)"*.*/\1/p'; }
wait_height() { for i in $(seq 1 600); do [ "$(height)" -ge "$1" ] 2> /dev/null && return 0; sleep 0.1; done; return 1; }
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
AIC_S0=$(supply AIC)
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
# conservation: AIC leaves the supply only by the claims' burns (docs/ai-market.md,
# "Formulas"): 20 % of 1000 for each of the 2 + 2 honest replicas paid for jobs 1 and 2
# (worker 3 lies in both)
check '[ "$(supply AIC)" = $((AIC_S0 - 4 * 200)) ]' "AIC supply lower by exactly the burns of jobs 1 and 2 ($AIC_S0 before)"

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
check '[ "$(supply AIC)" = $((AIC_S0 - 800)) ]' "a job refunded in full burns no AIC"

# AIC for SWR on the genesis SWR/AIC pool: poster2 holds no AIC and buys its job's escrow
check '$S pool show SWR AIC --fee 30 --json | grep -q 100000000000000000' "the genesis SWR/AIC pool exists"
check '[ "$(aic $P2)" = 0 ]' "poster2 holds no AIC"
SWR_P2=$(swr $P2)
Q=$($S pool quote SWR AIC --fee 30 --amount 1000 --exact-out --json | jget amount_in)

# governance: the challenge window 20 → 2000 blocks (the workers read it from svm_getParams).
# At 50 ms blocks that is 100 s: jobs 4 and 5 are challenged after they settle, each by a CLI
# that re-executes the model first, and a challenge landing after the window is refused (and a
# worker claims the job); 200 blocks (10 s) was within reach of a loaded machine.
$S gov submit --kind params --set ai_challenge_window_blocks=2000 --deposit 1000 --from "$T/poster.json" \
  --wait --json > "$T/gov.json" 2>&1
PROP=$(sed -n 's/.*"return_data": "0x\([0-9a-f]*\)".*/\1/p' "$T/gov.json" | head -n 1)
check '[ ${#PROP} -eq 64 ]' "parameter proposal submitted"
$S gov vote "$PROP" --validator "$(idof "$T/chain/keys/validator.json")" --option yes \
  --from "$T/chain/keys/validator.json" --wait > "$T/vote.out" 2>&1
END=$($S gov show "$PROP" --json | jget end_height)
wait_height $((END + 1))
$S gov execute "$PROP" --from "$T/poster.json" --wait > "$T/exec.out" 2>&1
check '[ "$($S params --json | jget ai_challenge_window_blocks)" = 2000 ]' "governance set ai_challenge_window_blocks = 2000"
[ "$($S params --json | jget ai_challenge_window_blocks)" = 2000 ] || { cat "$T/gov.json" "$T/vote.out" "$T/exec.out"; $S gov show "$PROP"; $S params --json | grep ai_; }

# a lying worker alone takes a k = 1 job; the judge re-executes it and challenges from the CLI
start_worker w3 --lie
img 3
JOB4=$($S job post --from "$T/poster2.json" --model "$MODEL" --input "$T/img3" --price 1000 --replicas 1 \
  --deadline-blocks 100 --buy-aic 1000000000)
check '[ ${#JOB4} -eq 64 ]' "job 4 posted with AIC bought on the pool"
check '[ "$(aic $P2)" = 0 ] && [ "$(swr $P2)" = $((SWR_P2 - Q - 2000)) ]' "poster2 paid exactly the quote ($Q SWR base units) for the 1000 AIC escrowed"
check 'wait_state $JOB4 settled 120' "the liar's result settled"
SWR_J=$(swr $J)
B3=$($S provider show $W3 | jget bond)
$S job challenge "$JOB4" --from "$T/judge.json" > "$T/ch4.out" 2>&1
check 'grep -q "output differs" "$T/ch4.out" && grep -q "challenge won" "$T/ch4.out"' "challenge from the CLI: re-executed here, then by the chain, won"
check 'wait_state $JOB4 closed 60' "job 4 closed after the won challenge"
check '[ "$($S provider show $W3 | jget bond)" = $((B3 - B3 / 2)) ]' "the liar loses 50% of its bond ($B3)"
check '[ "$(swr $J)" = $((SWR_J - 1000 + B3 / 2)) ]' "the judge gets its bond back and the liar's slash, less one fee"
check '[ "$(aic $P2)" = 1000 ]' "poster2 refunded in full"
check '[ "$(supply AIC)" = $((AIC_S0 - 800)) ]' "a job overturned by a challenge pays and burns no AIC"
kill $PID_w3; wait $PID_w3 2> /dev/null

# a right result: refused locally, then forced, and lost
start_worker w2
img 4
JOB5=$($S job post --from "$T/poster.json" --model "$MODEL" --input "$T/img4" --price 1000 --replicas 1 \
  --deadline-blocks 100)
check 'wait_state $JOB5 settled 120' "job 5 settled by an honest worker"
SWR_J=$(swr $J)
check '! $S job challenge "$JOB5" --from "$T/judge.json" > "$T/ch5.out" 2>&1' "a challenge of a right result is refused locally"
check 'grep -q "result is right" "$T/ch5.out" && [ "$(swr $J)" = $SWR_J ]' "with a clear message, nothing sent"
$S job challenge "$JOB5" --from "$T/judge.json" --force > "$T/ch5.out" 2>&1
check 'grep -q "challenge lost" "$T/ch5.out"' "the forced challenge is lost"
check '[ "$(swr $J)" = $((SWR_J - 1000 - 1000000000)) ]' "and costs the judge its 1 SWR bond and the fee"
check '$S job status $JOB5 | grep -q "\"challenge\": \"lost\""' "job 5 records the lost challenge"
kill $PID_w2; wait $PID_w2 2> /dev/null

# provider 1 (no job open) unbonds all of its bond and withdraws it after ai_unbond_blocks
SWR_W1=$(swr $W1)
check '$S provider unbond --from "$T/w1.json" --amount 10000000000 > /dev/null' "provider unbond"
check '$S provider show $W1 | grep -q "\"unbonding\": 10000000000"' "the bond is unbonding"
check '! $S provider withdraw --from "$T/w1.json" 2> "$T/wd.err"' "withdraw before the delay refused"
REL=$($S provider show $W1 | jget release_height)
wait_height "$REL"
check '$S provider withdraw --from "$T/w1.json" > /dev/null' "withdraw after the delay"
check '[ "$(swr $W1)" = $((SWR_W1 - 3000 + 10000000000)) ]' "the unbonded 10 SWR are back"

# bad input: a clear error, the node keeps serving
check '! $S job post --from "$T/poster.json" --model 00$(printf "%062d" 0) --input "$T/img0" --price 1 2> "$T/bad.err"' "unknown model refused"
check 'grep -q "not found" "$T/bad.err"' "with a clear message"
check '! $S job status zz 2> /dev/null' "malformed job id refused"
check '$S status > /dev/null' "node still serving"

echo "e2e-ai: $pass passed, $fail failed"
[ $fail -eq 0 ]

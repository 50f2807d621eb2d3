#!/usr/bin/env bash
# Disputes by bisection and attestation collateral through the real binary (make e2e-verify, a
# `make test` step): a devnet; a claimant whose machine corrupts one step deep in mix(300)
# (`dispute claim --corrupt-step`) challenged from the CLI, both sides played by `dispute play`
# processes until the chain executes the one corrupted step and slashes the liar; an honest
# claimant beating a lying challenger (whose bond burns; the claimant's comes back after the
# window); a challenger that never moves losing at its deadline to a guarding claimant's player,
# which then takes the claim's bond back after the window; two challengers of one lying
# claim in games of their own (the liar's silent sybil first, then an honest one), the
# claimant's player defending both, slashed once;
# moves refused with clear errors (own claim, wrong module, not a party); an auditable AI job
# served by a `supervm worker` process that commits its trace, whose lie (one corrupted step, a
# wrong answer) is disputed from the CLI (`job dispute`, `dispute play`) while the worker defends
# its trace itself, until the chain executes the corrupted step and the liar is slashed — and an
# honest worker beating a lying challenger, whose bond burns; the collateral updater
# installed by a governance proposal from the CLI, a stale TDX collateral set refused as expired
# at the block time, and a non-updater refused; the pinned roots replaced by an executed
# attest_pins proposal from the CLI (Milan's chain then refused); then, on a second devnet whose
# genesis pins a test AMD root, a high-value job served by a worker that signs its SNP evidence
# with the test chain's key (`--tee-test-key`, test-only): accepted at level 2 and paid 250 %
# after the high-value window, and a lying TEE worker's trace disputed down to one step and
# slashed. Every balance is checked exactly (flat fee 1000).
# Blocks every 400 ms: the program's 20-block move deadline (8 s) and 140-block challenge window
# (56 s) stay far above what one CLI move takes on a loaded machine.
# Prints "e2e-verify: N passed, N failed".
# Usage: verify_e2e.sh BUILD_DIR [ATTEST_VECTORS]
set -u
B=${1:-build}
V=${2:-../shared/attestation-vectors}
S=$B/supervm
TEEKEY=$B/e2e/tee_testkey
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "  ok: $*"; }
bad() { fail=$((fail + 1)); echo "  FAILED: $*"; }
check() { if eval "$1"; then ok "$2"; else bad "$2 ($1)"; fi; }

T=$(mktemp -d /tmp/svm-verify-e2e.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${KEEP_E2E:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export SUPERVM_RPC=http://127.0.0.1:$PORT
mkdir -p "$T/chain/keys"
for k in validator faucet; do $S keys new --out "$T/chain/keys/$k.json" > /dev/null || exit 1; done
jf() { python3 -c 'import json,sys; d=json.load(sys.stdin); [d := d[int(k) if k.isdigit() else k] for k in sys.argv[1].split(".")]; print(str(d).lower() if isinstance(d, bool) else d)' "$1" 2>/dev/null; }
idof() { $S keys show "$1" --json | jf id; }
FID=$(idof "$T/chain/keys/faucet.json"); VID=$(idof "$T/chain/keys/validator.json")
cat > "$T/chain/genesis.json" <<JSON
{"chain_id": 1337, "timestamp_ms": 1700000000000, "devnet": true,
 "fees": {"a": 1000, "b": 0, "c": 0, "d": 0},
 "params": {"gov_voting_blocks": 40, "gov_deposit_min": 1000},
 "balances": [{"owner": "$FID", "token": "SWR", "amount": "1000000000000000000"},
              {"owner": "$FID", "token": "AIC", "amount": "1000000000000000000"},
              {"owner": "$VID", "token": "SWR", "amount": "1000000000000"}],
 "validators": [{"public_key": "$($S keys show "$T/chain/keys/validator.json" --json | jf public_key)", "stake": 10000000000}]}
JSON
$S devnet --data "$T/chain" --listen 127.0.0.1:$PORT --block-ms 400 > "$T/devnet.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 200); do $S status > /dev/null 2>&1 && break; sleep 0.1; done
check '$S status > /dev/null 2>&1' "devnet serves JSON-RPC"

FAUCET=$T/chain/keys/faucet.json
for k in alice bob carol dave erin; do
  $S keys new --out "$T/$k.json" > /dev/null
  $S transfer --from "$FAUCET" --to "$(idof "$T/$k.json")" --amount 100000000000 --wait > /dev/null
done
A=$(idof "$T/alice.json"); Bo=$(idof "$T/bob.json"); C=$(idof "$T/carol.json"); D=$(idof "$T/dave.json")
E=$(idof "$T/erin.json")
swr() { $S balance "$1" --json | jf amount; }
nonce() { $S account "$1" --json | jf nonce; }
python3 -c 'import sys; open(sys.argv[2],"wb").write(bytes.fromhex(open(sys.argv[1]).read().strip()))' \
  tests/vectors/trace/mix.hex "$T/mix.wasm"
BOND=5000000000
FEE=1000

# 1. a claimant corrupting one step deep in the run, challenged and caught at that step
a0=$(swr $A); b0=$(swr $Bo); an0=$(nonce $A); bn0=$(nonce $Bo)
LIE=9917   # ~3/4 through mix(300), inside a checkpoint interval of K = 64
$S dispute claim --from "$T/alice.json" --module "$T/mix.wasm" --export mix --args 300 --k 64 \
  --bond $BOND --corrupt-step $LIE --json > "$T/claim1.json" 2> "$T/claim1.err"
CL1=$(jf claim < "$T/claim1.json")
check '[ ${#CL1} -eq 64 ]' "dispute claim --json prints the claim id, steps and root ($(jf steps < "$T/claim1.json") steps)"
check '[ "$($S dispute show $CL1 --json | jf state)" = open ]' "dispute show: open, challengeable by anyone"
$S dispute challenge "$CL1" --from "$T/alice.json" > /dev/null 2> "$T/own.err"; rc=$?
check '[ $rc -eq 1 ] && grep -q "permission" "$T/own.err"' "challenging one's own claim is refused ($(head -c 80 "$T/own.err"))"
G1=$($S dispute challenge "$CL1" --from "$T/bob.json")
check '[ ${#G1} -eq 64 ] && [ "$($S dispute show $CL1 --json | jf games.0.game)" = "$G1" ]' "bob challenges: a game of his own ($G1)"
check '[ "$($S dispute show $G1 --json | jf to_move)" = claimant ] && [ "$($S dispute show $G1 --json | jf kind)" = game ]' "the claimant moves first"
$S dispute play "$CL1" --from "$T/carol.json" --module "$T/mix.wasm" > /dev/null 2> "$T/np.err"; rc=$?
check '[ $rc -eq 1 ] && grep -q "neither the claimant nor the challenger" "$T/np.err"' "a key that is not a party cannot play"
$S dispute play "$CL1" --from "$T/bob.json" --module "$T/chain/genesis.json" > /dev/null 2> "$T/wm.err"; rc=$?
check '[ $rc -eq 1 ]' "a file that is not the claim's module is refused ($(head -c 70 "$T/wm.err"))"
$S dispute play "$CL1" --from "$T/alice.json" --module "$T/mix.wasm" --corrupt-step $LIE --json \
  > "$T/p1a.json" 2> "$T/p1a.err" &
PA=$!; PIDS+=($PA)
$S dispute play "$CL1" --from "$T/bob.json" --module "$T/mix.wasm" --json > "$T/p1b.json" 2> "$T/p1b.err"
wait $PA
check '[ "$(jf result < "$T/p1b.json")" = challenger_won ] && [ "$(jf won < "$T/p1b.json")" = true ]' \
  "the honest challenger wins ($(cat "$T/p1b.json"))"
check '[ "$(jf won < "$T/p1a.json")" = false ]' "the corrupting claimant's player reports the loss ($(cat "$T/p1a.json" "$T/p1a.err" | head -c 300))"
check '[ "$($S dispute show $G1 --json | jf game.hi)" = $LIE ]' "the chain executed exactly the corrupted step ($LIE)"
check '[ "$($S dispute show $G1 --json | jf state)" = closed ] && [ "$($S dispute show $CL1 --json | jf state)" = closed ] && [ "$($S dispute show $CL1 --json | jf refuted)" = true ]' "the game and the claim are closed, the claim refuted"
an1=$(nonce $A); bn1=$(nonce $Bo)
check '[ "$(swr $A)" = $((a0 - BOND - FEE * (an1 - an0))) ]' "the liar's bond is slashed ($((an1 - an0)) transactions)"
check '[ "$(swr $Bo)" = $((b0 + BOND / 2 - FEE * (bn1 - bn0))) ]' "half of it to the challenger ($((bn1 - bn0)) transactions)"

# 2. an honest claimant against a lying challenger, whose bond burns; the claimant's stays bonded
#    for the claim's window (released at the end of this script)
a0=$(swr $A); b0=$(swr $Bo); an0=$(nonce $A); bn0=$(nonce $Bo)
CL2=$($S dispute claim --from "$T/alice.json" --module "$T/mix.wasm" --export mix --args 300 --k 64 --bond $BOND)
$S dispute challenge "$CL2" --from "$T/bob.json" > /dev/null
$S dispute play "$CL2" --from "$T/alice.json" --module "$T/mix.wasm" --no-guard --json > "$T/p2a.json" 2> "$T/p2a.err" &
PA=$!; PIDS+=($PA)
$S dispute play "$CL2" --from "$T/bob.json" --module "$T/mix.wasm" --corrupt-step 4000 --json \
  > "$T/p2b.json" 2> "$T/p2b.err"
wait $PA
check '[ "$(jf result < "$T/p2a.json")" = claimant_won ] && [ "$(jf won < "$T/p2a.json")" = true ]' \
  "an honest claimant beats a lying challenger ($(cat "$T/p2a.json"))"
an1=$(nonce $A); bn1=$(nonce $Bo)
check '[ "$(swr $A)" = $((a0 - BOND - FEE * (an1 - an0))) ] && [ "$(swr $Bo)" = $((b0 - BOND - FEE * (bn1 - bn0))) ]' \
  "the lying challenger's bond burns; the claimant's is held while its window runs"
$S dispute timeout "$CL2" --from "$T/carol.json" > /dev/null 2> "$T/rel.err"; rc=$?
check '[ $rc -eq 1 ] && grep -q "state" "$T/rel.err"' "no release before the window ends ($(head -c 60 "$T/rel.err"))"

# 3. a challenger that never moves loses at its deadline: erin's player (guarding, the default)
#    sends the timeout, stays through the claim's window and takes the bond back after it — in
#    the background while the next sections run (checked at the end)
e0=$(swr $E); c0=$(swr $C); en0=$(nonce $E); cn0=$(nonce $C)
CL3=$($S dispute claim --from "$T/erin.json" --module "$T/mix.wasm" --export mix --args 50 --k 16 --bond $BOND)
G3=$($S dispute challenge "$CL3" --from "$T/carol.json")
$S dispute play "$CL3" --from "$T/erin.json" --module "$T/mix.wasm" --json > "$T/p3e.json" 2> "$T/p3e.err" &
PE=$!; PIDS+=($PE)
for i in $(seq 1 600); do [ "$($S dispute show $G3 --json | jf state)" = closed ] && break; sleep 0.1; done
check '[ "$($S dispute show $G3 --json | jf game.phase)" = claimant_won ]' "a silent challenger loses at its deadline (the guarding claimant's timeout)"
cn1=$(nonce $C)
check '[ "$(swr $C)" = $((c0 - BOND - FEE * (cn1 - cn0))) ] && [ "$($S dispute show $CL3 --json | jf state)" = open ]' \
  "the silent challenger's bond burns; the claim stays open for its window"
$S dispute timeout "$G3" --from "$T/carol.json" > /dev/null 2> "$T/to.err"; rc=$?
check '[ $rc -eq 1 ] && grep -q "state" "$T/to.err"' "a closed dispute cannot be timed out again ($(head -c 60 "$T/to.err"))"
$S dispute show 00000000000000000000000000000000000000000000000000000000000000aa --json > "$T/nf.json" 2>&1; rc=$?
check '[ $rc -eq 1 ] && grep -q "not found" "$T/nf.json"' "an unknown claim: not found"

# 3b. several challengers of one lying claim, each in a game of its own: dave, the liar's sybil,
#     challenges first (hoping to be the only game) and never moves; bob gets a game too; the
#     claimant's player defends both games, bob's player plays his
a0=$(swr $A); b0=$(swr $Bo); d0=$(swr $D); an0=$(nonce $A); bn0=$(nonce $Bo); dn0=$(nonce $D)
CL4=$($S dispute claim --from "$T/alice.json" --module "$T/mix.wasm" --export mix --args 300 --k 64 \
  --bond $BOND --corrupt-step $LIE)
h4=$($S status --json | jf height); t4=$(date +%s%N)
G4D=$($S dispute challenge "$CL4" --from "$T/dave.json"); G4B=$($S dispute challenge "$CL4" --from "$T/bob.json")
CJ=$($S dispute show $CL4 --json)
check '[ "$(echo "$CJ" | jf games.0.challenger)" = $D ] && [ "$(echo "$CJ" | jf games.1.game)" = "$G4B" ] && [ "$(echo "$CJ" | jf games_opened)" = 2 ] && [ "$G4D" != "$G4B" ]' \
  "two challengers, two games of one claim ($(echo "$CJ" | jf games_max) at most)"
$S dispute challenge "$CL4" --from "$T/bob.json" > /dev/null 2> "$T/g2.err"; rc=$?
check '[ $rc -eq 1 ] && grep -q "exists" "$T/g2.err"' "one game per challenger ($(head -c 60 "$T/g2.err"))"
$S dispute play "$CL4" --from "$T/alice.json" --module "$T/mix.wasm" --corrupt-step $LIE --json \
  > "$T/p4a.json" 2> "$T/p4a.err" &
PA=$!; PIDS+=($PA)
$S dispute play "$CL4" --from "$T/bob.json" --module "$T/mix.wasm" --json > "$T/p4b.json" 2> "$T/p4b.err"
wait $PA
echo "  (two games of one claim, from the first challenge to the claimant's player returning: $(( ($(date +%s%N) - t4) / 1000000 )) ms, $(( $($S status --json | jf height) - h4 )) blocks; load average $(cut -d' ' -f1 /proc/loadavg))"
check '[ "$(jf result < "$T/p4b.json")" = challenger_won ] && [ "$(jf won < "$T/p4b.json")" = true ] && [ "$($S dispute show $G4B --json | jf game.hi)" = $LIE ]' \
  "bob wins his game at exactly the corrupted step ($(cat "$T/p4b.json"))"
check '[ "$($S dispute show $G4D --json | jf game.phase)" = claimant_won ]' "the silent sybil's game is lost at its deadline"
check '[ "$(jf won < "$T/p4a.json")" = false ] && [ "$(jf games < "$T/p4a.json")" = 2 ] && [ "$(jf timeouts < "$T/p4a.json")" = 1 ]' \
  "the claimant's player defended both games, timed the sybil out and reports the loss ($(cat "$T/p4a.json" "$T/p4a.err" | head -c 300))"
S4=$($S dispute show $CL4 --json | jf game.steps)
check '[ -n "$S4" ] && [ "$(jf steps_run < "$T/p4a.json")" -lt $((2 * S4)) ]' \
  "the claimant's player ran the $S4-step run once, then segments from its kept checkpoints ($(jf steps_run < "$T/p4a.json") steps for $(jf moves < "$T/p4a.json") moves)"
CJ=$($S dispute show $CL4 --json)
check '[ "$(echo "$CJ" | jf state)" = closed ] && [ "$(echo "$CJ" | jf refuted)" = true ] && [ "$(echo "$CJ" | jf prover)" = $Bo ]' \
  "the claim is refuted by bob and closed with its last game"
an1=$(nonce $A); bn1=$(nonce $Bo); dn1=$(nonce $D)
check '[ "$(swr $A)" = $((a0 - BOND - FEE * (an1 - an0))) ]' "the liar's bond is slashed once ($((an1 - an0)) transactions)"
check '[ "$(swr $Bo)" = $((b0 + BOND / 2 - FEE * (bn1 - bn0))) ]' "bob gets his bond back and half the liar's"
check '[ "$(swr $D)" = $((d0 - BOND - FEE * (dn1 - dn0))) ]' "the sybil's bond burns"

# 4. an auditable AI job disputed end to end: a worker process commits its trace, a challenger
#    bisects it from the CLI, the worker defends itself, the chain executes the one step
AIB=$B/ai
# alice posts, bob challenges, carol serves (its worker lying first, then restarted honest)
$S transfer --from "$FAUCET" --to "$A" --amount 1000000 --token AIC --wait > /dev/null
PO=$A; W=$C; J=$Bo
# a field of flat or pretty-printed JSON without a python start-up (seconds on a loaded machine)
jv() { sed -n "s/.*\"$1\": *\"\{0,1\}\([^\",}]*\).*/\1/p" | head -n 1; }
swr() { $S balance "$1" --json | jv amount; }
nonce() { $S account "$1" --json | jv nonce; }
aic() { $S balance "$1" --token AIC --json | jv amount; }
MODEL=$($S model register --from "$T/alice.json" --name fmnist-mlp --weights models/fmnist/fmnist-mlp.svq8 \
  --code $AIB/infer.wasm 2> "$T/register.err")
check '[ ${#MODEL} -eq 64 ]' "the model is registered ($(head -c 80 "$T/register.err"))"
$S provider register --from "$T/carol.json" --bond 10000000000 > /dev/null
img() { dd if=$AIB/t10k-images-idx3-ubyte of="$T/img$1" bs=1 skip=$((16 + $1 * 784)) count=784 2> /dev/null; }
wait_job() { # job field value timeout_s
  for i in $(seq 1 $(($4 * 10))); do
    [ "$($S job status "$1" 2> /dev/null | jv "$2")" = "$3" ] && return 0; sleep 0.1
  done; return 1
}
img 0; img 1
$S worker --key "$T/carol.json" --poll-ms 50 --lie > "$T/w1.log" 2>&1 &
PW1=$!; PIDS+=($PW1)
aic0=$(aic $PO)
JOB1=$($S job post --from "$T/alice.json" --model "$MODEL" --input "$T/img0" --price 1000 --replicas 1 \
  --deadline-blocks 20 --level auditable)
check 'wait_job $JOB1 state settled 60' "a lying worker serves an auditable job: settled with its trace"
LIE=$(sed -n 's/.*traced (\([0-9]*\) steps, K 4096, lie at step \([0-9]*\)).*/\2/p' "$T/w1.log" | head -n 1)
check '[ -n "$LIE" ] && [ "$LIE" -gt 0 ]' "the worker committed to a trace corrupted at step $LIE ($(grep traced "$T/w1.log" | head -n 1 | cut -c1-120))"
j0=$(swr $J); jn0=$(nonce $J); b1=$($S provider show $W | jv bond); h0=$($S status --json | jv height); t0=$(date +%s%N)
$S job dispute "$JOB1" --from "$T/bob.json" --json > "$T/jd1.json" 2> "$T/jd1.err"
JC1=$(jv claim < "$T/jd1.json")
check '[ ${#JC1} -eq 64 ] && [ "$(jv local < "$T/jd1.json")" = differs ]' "job dispute: the stepper's output differs here, the dispute is opened ($(cat "$T/jd1.err" | head -c 120))"
check '[ "$($S job status $JOB1 | jv challenge)" = disputed ]' "the job is disputed"
# a second dispute of the same trace: dave, the liar's sybil, opens one and never moves (hoping
# to keep bob out, or to lose on the liar's behalf); each is its own game
d0=$(swr $D); dn0=$(nonce $D)
JC1D=$($S job dispute "$JOB1" --from "$T/dave.json" --provider "$W" 2> "$T/jd1d.err" | tail -n 1)
JS=$($S job status $JOB1 --json)
check '[ ${#JC1D} -eq 64 ] && [ "$JC1D" != "$JC1" ] && [ "$(echo "$JS" | jf disputes.1.claim)" = "$JC1D" ] && [ "$(echo "$JS" | jf disputes.0.claim)" = "$JC1" ] && [ "$(echo "$JS" | jf disputes_opened)" = 2 ]' \
  "a second challenger disputes the same trace: two claims open on the job ($(head -c 120 "$T/jd1d.err"))"
$S job dispute "$JOB1" --from "$T/bob.json" --provider "$W" > /dev/null 2> "$T/jd1b.err"; rc=$?
check '[ $rc -eq 1 ] && grep -q "exists" "$T/jd1b.err"' "one dispute per challenger and trace ($(head -c 90 "$T/jd1b.err"))"
$S dispute play "$JC1" --from "$T/bob.json" --json > "$T/jp1.json" 2> "$T/jp1.err"
echo "  (the dispute, from job dispute to the chain's decision: $(( ($(date +%s%N) - t0) / 1000000 )) ms, $(( $($S status --json | jv height) - h0 )) blocks; load average $(cut -d' ' -f1 /proc/loadavg))"
check '[ "$(jv result < "$T/jp1.json")" = challenger_won ] && [ "$(jv won < "$T/jp1.json")" = true ]' \
  "the challenger's player wins against the worker's defence ($(cat "$T/jp1.json" "$T/jp1.err" | head -c 300))"
check '[ "$($S dispute show $JC1 --json | jf game.hi)" = "$LIE" ]' "the chain executed exactly the worker's corrupted step ($LIE)"
check 'grep -q "dispute move" "$T/w1.log"' "the worker process played its side ($(grep -c "dispute move" "$T/w1.log") moves)"
check 'wait_job $JOB1 state closed 60' "the job is closed once the worker timed out dave's dispute (claimed at once: its one trace proven wrong)"
# the worker logs "claimed" once its receipt is back, which can be after the job reads closed here
for i in $(seq 1 100); do grep -q "claimed ${JOB1:0:16}$" "$T/w1.log" && break; sleep 0.1; done
TO=$(grep -n "dispute timeout sent" "$T/w1.log" | head -n 1 | cut -d: -f1); CLM=$(grep -n "claimed ${JOB1:0:16}$" "$T/w1.log" | head -n 1 | cut -d: -f1)
check '[ -n "$TO" ] && [ -n "$CLM" ] && [ "$TO" -lt "$CLM" ]' "the claim waited for both disputes (worker log: timeout at line $TO, claim at line $CLM)"
check '[ "$($S dispute show $JC1D --json | jf game.phase)" = claimant_won ]' \
  "the silent sybil's dispute is lost ($($S dispute show $JC1D --json | jf state))"
check 'grep -q "dispute timeout sent" "$T/w1.log"' "the worker sent the sybil's timeout"
jn1=$(nonce $J); dn1=$(nonce $D); CB=$(( $($S params --json | jv ai_challenge_bond) * 2 ))
check '[ "$($S provider show $W | jv bond)" = $((b1 - b1 / 2)) ]' "the liar loses 50% of its bond ($b1), once for two disputes"
check '[ "$(swr $J)" = $((j0 + b1 / 2 - FEE * (jn1 - jn0))) ]' "the challenger gets its $CB bond back and the slash, less $((jn1 - jn0)) fees"
check '[ "$(swr $D)" = $((d0 - CB - FEE * (dn1 - dn0))) ]' "the sybil's $CB bond burns (a lost game does not undo bob's won one)"
check '[ "$($S job status $JOB1 --json | jf challenge)" = won ]' "the job's challenge: won"
check '[ "$(aic $PO)" = "$aic0" ]' "the poster is refunded in full"
kill $PW1; wait $PW1 2> /dev/null

$S worker --key "$T/carol.json" --poll-ms 50 > "$T/w2.log" 2>&1 &
PW2=$!; PIDS+=($PW2)
JOB2=$($S job post --from "$T/alice.json" --model "$MODEL" --input "$T/img1" --price 1000 --replicas 1 \
  --deadline-blocks 20 --level auditable)
check 'wait_job $JOB2 state settled 60' "an honest worker serves an auditable job"
j0=$(swr $J); jn0=$(nonce $J)
$S job dispute "$JOB2" --from "$T/bob.json" > /dev/null 2> "$T/jd2.err"; rc=$?
check '[ $rc -eq 1 ] && grep -q "output is right" "$T/jd2.err" && [ "$(swr $J)" = $j0 ]' \
  "a dispute of a right result is refused locally, nothing sent ($(head -c 90 "$T/jd2.err"))"
JC2=$($S job dispute "$JOB2" --from "$T/bob.json" --force 2> "$T/jd2.err" | tail -n 1)
$S dispute play "$JC2" --from "$T/bob.json" --corrupt-step 5000 --json > "$T/jp2.json" 2> "$T/jp2.err"
check '[ "$(jv result < "$T/jp2.json")" = claimant_won ] && [ "$(jv won < "$T/jp2.json")" = false ]' \
  "the honest worker beats a lying challenger ($(cat "$T/jp2.json" "$T/jp2.err" | head -c 300))"
jn1=$(nonce $J)
check '[ "$($S job status $JOB2 | jv challenge)" = lost ] && [ "$(swr $J)" = $((j0 - CB - FEE * (jn1 - jn0))) ]' \
  "the lying challenger's $CB bond burns"
JOB3=$($S job post --from "$T/alice.json" --model "$MODEL" --input "$T/img1" --price 1000 --replicas 1 \
  --deadline-blocks 20 --level high-value)
for i in $(seq 1 300); do grep -q "not served.*${JOB3:0:16}" "$T/w2.log" && break; sleep 0.1; done
check 'grep -q "not served: a high-value job needs TEE evidence.*${JOB3:0:16} -> " "$T/w2.log" && ! grep -q "accepted ${JOB3:0:16}" "$T/w2.log" && [ "$($S job status $JOB3 | jv state)" = open ]' \
  "the worker refuses a high-value job with a clear reason and does not accept it ($(grep "not served" "$T/w2.log" | head -n 1 | cut -c1-170))"
kill $PW2; wait $PW2 2> /dev/null

swr() { $S balance "$1" --json | jf amount; }
nonce() { $S account "$1" --json | jf nonce; }

# 5. attestation collateral: the updater by governance, content checked at the block time
check '[ "$($S attest collateral --json | jf updater)" = None ]' "no collateral updater at genesis"
$S attest updater "$C" --from "$T/carol.json" > /dev/null 2> "$T/up.err"; rc=$?
check '[ $rc -eq 1 ] && grep -q "permission" "$T/up.err"' "nobody installs itself as the updater"
PROP=$($S attest propose-updater "$C" --deposit 1000 --from "$T/alice.json" 2> "$T/prop.err")
check '[ ${#PROP} -eq 64 ]' "the updater proposal is submitted ($PROP)"
$S gov vote "$PROP" --validator "$VID" --option yes --from "$T/chain/keys/validator.json" --wait > "$T/vote.out" 2>&1
END=$($S gov show "$PROP" --json | jf end_height)
for i in $(seq 1 600); do [ "$($S status --json | jf height)" -gt "${END:-0}" ] 2> /dev/null && break; sleep 0.1; done
$S gov execute "$PROP" --from "$T/alice.json" --wait > "$T/exec.out" 2>&1
check '$S attest updater "$C" --from "$T/bob.json" --proposal "$PROP" > /dev/null' "the passed proposal installs carol as the updater"
check '[ "$($S attest collateral --json | jf updater.id)" = $C ] && [ "$($S attest collateral --json | jf updater.epoch)" = 1 ]' \
  "svm_getAttestCollateral shows the updater at epoch 1"
$S attest updater "$C" --from "$T/bob.json" --proposal "$PROP" > /dev/null 2> "$T/replay.err"; rc=$?
check '[ $rc -eq 1 ]' "the proposal cannot be replayed once the epoch moved"
if [ -f "$V/tdx/dcap-qvl/tdx_quote_collateral.json" ]; then
  $S attest put-tdx "$V/tdx/dcap-qvl/tdx_quote_collateral.json" --from "$T/carol.json" > /dev/null 2> "$T/tdx.err"; rc=$?
  check '[ $rc -eq 1 ] && grep -q "expired" "$T/tdx.err"' "TDX collateral past its next-update (2025-07-19) is refused at the block time ($(head -c 70 "$T/tdx.err"))"
  $S attest put-tdx "$V/tdx/dcap-qvl/tdx_quote_collateral.json" --from "$T/bob.json" > /dev/null 2> "$T/tdx2.err"; rc=$?
  check '[ $rc -eq 1 ] && grep -q "permission" "$T/tdx2.err"' "only the updater posts collateral"
  $S attest put-snp "$V/sev-snp/go-sev-guest/ask_ark_milan.pem" --from "$T/carol.json" > /dev/null 2> "$T/snp.err"; rc=$?
  if [ $rc -eq 0 ]; then
    check '[ "$($S attest collateral --json | jf snp_chains.0.intermediate)" = SEV-Milan ]' "the Milan ASK/ARK chain is stored and listed"
  else
    check 'grep -q "expired" "$T/snp.err"' "the Milan ASK/ARK chain is refused only for its window ($(head -c 70 "$T/snp.err"))"
  fi
else
  echo "  (skipped: $V missing)"
fi

# 6. the pinned roots replaced by a governance proposal (kind attest_pins) from its execution on
GENOA=$($S attest collateral --json | jf pins.amd_ark.1)
check '[ "$($S attest collateral --json | jf pins.source)" = built-in ] && [ ${#GENOA} -eq 64 ]' \
  "the built-in pins before any proposal"
PP=$($S attest propose-pins --amd-ark "$GENOA" --deposit 1000 --from "$T/alice.json" 2> "$T/pp.err")
check '[ ${#PP} -eq 64 ]' "the pins proposal is submitted ($PP)"
$S gov vote "$PP" --validator "$VID" --option yes --from "$T/chain/keys/validator.json" --wait > "$T/pvote.out" 2>&1
END=$($S gov show "$PP" --json | jf end_height)
for i in $(seq 1 600); do [ "$($S status --json | jf height)" -gt "${END:-0}" ] 2> /dev/null && break; sleep 0.1; done
$S gov execute "$PP" --from "$T/alice.json" --wait > "$T/pexec.out" 2>&1
P=$($S attest collateral --json)
check '[ "$(echo "$P" | jf pins.source)" = state ] && [ "$(echo "$P" | jf pins.amd_ark.0)" = "$GENOA" ] && [ -z "$(echo "$P" | jf pins.amd_ark.1)" ] && [ -z "$(echo "$P" | jf pins.intel_root.0)" ]' \
  "the executed proposal replaced the pins: Genoa's ARK only"
if [ -f "$V/sev-snp/go-sev-guest/ask_ark_milan.pem" ] && [ ! -s "$T/snp.err" ]; then # current now
  $S attest put-snp "$V/sev-snp/go-sev-guest/ask_ark_milan.pem" --from "$T/carol.json" > /dev/null 2> "$T/snp2.err"; rc=$?
  check '[ $rc -eq 1 ] && grep -q "permission" "$T/snp2.err"' "Milan's chain is refused under the new pins ($(head -c 70 "$T/snp2.err"))"
fi
$S attest propose-pins --deposit 1000 --from "$T/alice.json" > /dev/null 2> "$T/pp2.err"; rc=$?
check '[ $rc -eq 2 ] && grep -q "at least one pin" "$T/pp2.err"' "a proposal pinning nothing is refused"
# section 3's guarding player: it released erin's bond itself once the window had passed
wait $PE
en1=$(nonce $E)
check '[ "$(jf result < "$T/p3e.json")" = claimant_won ] && [ "$(jf released < "$T/p3e.json")" = true ] && [ "$(jf timeouts < "$T/p3e.json")" = 1 ] && [ "$($S dispute show $CL3 --json | jf state)" = closed ]' \
  "the guarding claimant's player took its bond back after the window ($(cat "$T/p3e.json" "$T/p3e.err" | head -c 300))"
check '[ "$(swr $E)" = $((e0 - FEE * (en1 - en0))) ]' "erin ends with its bond, less $((en1 - en0)) fees"
# the honest claim of section 2: its bond back once its window has passed with no game open
U=$($S dispute show $CL2 --json | jf challenge_until)
for i in $(seq 1 900); do [ "$($S status --json | jf height)" -gt "${U:-0}" ] 2> /dev/null && break; sleep 0.1; done
a0=$(swr $A)
check '$S dispute timeout "$CL2" --from "$T/carol.json" > /dev/null && [ "$(swr $A)" = $((a0 + BOND)) ]' \
  "the honest claimant's bond comes back after the window (height $U)"
check '$S status > /dev/null' "the node still serves"

# 7. a high-value job end to end on a second devnet whose genesis pins a TEST AMD root: the
#    worker signs its SNP evidence with the test chain's VCEK key (`--tee-test-key`, test-only;
#    an SNP guest's secure processor signs it in production), the chain verifies it against the
#    stored test ASK/ARK as of the block time, accepts it at level 2 with the trace, and pays
#    250 % after the high-value window; a lying TEE worker's trace is disputed down to one step
#    the chain executes, and the liar is slashed. Blocks every 300 ms, a 10-block standard
#    challenge window (140 at high value).
kill "${PIDS[0]}" 2> /dev/null; wait "${PIDS[0]}" 2> /dev/null # the first devnet is done
H=$T/hv; mkdir -p "$H/chain/keys" "$H/tee"
MEAS=$(printf '5a%.0s' $(seq 1 48))
ARK=$($TEEKEY "$H/tee" "$MEAS")
check '[ ${#ARK} -eq 64 ] && [ -s "$H/tee/report.bin" ] && [ -s "$H/tee/vcek.key" ]' "a test AMD chain (ARK → ASK → VCEK) and the worker's test key directory"
for k in validator faucet; do $S keys new --out "$H/chain/keys/$k.json" > /dev/null || exit 1; done
HF=$(idof "$H/chain/keys/faucet.json"); HV=$(idof "$H/chain/keys/validator.json")
cat > "$H/chain/genesis.json" <<JSON
{"chain_id": 1338, "timestamp_ms": 1700000000000, "devnet": true,
 "fees": {"a": 1000, "b": 0, "c": 0, "d": 0},
 "params": {"gov_voting_blocks": 2, "gov_deposit_min": 1000, "ai_challenge_window_blocks": 10},
 "attest_pins": {"amd_ark": ["$ARK"], "intel_root": []},
 "balances": [{"owner": "$HF", "token": "SWR", "amount": "1000000000000000000"},
              {"owner": "$HF", "token": "AIC", "amount": "1000000000000000000"},
              {"owner": "$HV", "token": "SWR", "amount": "1000000000000"}],
 "validators": [{"public_key": "$($S keys show "$H/chain/keys/validator.json" --json | jf public_key)", "stake": 10000000000}]}
JSON
PORT2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export SUPERVM_RPC=http://127.0.0.1:$PORT2
$S devnet --data "$H/chain" --listen 127.0.0.1:$PORT2 --block-ms 300 > "$H/devnet.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 200); do $S status > /dev/null 2>&1 && break; sleep 0.1; done
check '[ "$($S attest collateral --json | jf pins.source)" = state ] && [ "$($S attest collateral --json | jf pins.amd_ark.0)" = "$ARK" ]' \
  "the second devnet pins only the test ARK (genesis attest_pins)"
for k in poster frank gina bob; do
  $S keys new --out "$H/$k.json" > /dev/null
  $S transfer --from "$H/chain/keys/faucet.json" --to "$(idof "$H/$k.json")" --amount 100000000000 --wait > /dev/null
done
$S transfer --from "$H/chain/keys/faucet.json" --to "$(idof "$H/poster.json")" --amount 1000000 --token AIC --wait > /dev/null
HP=$(idof "$H/poster.json"); FR=$(idof "$H/frank.json"); GI=$(idof "$H/gina.json"); HB=$(idof "$H/bob.json")
# the updater (frank) installed by governance, then the test ASK/ARK chain stored through it
HPROP=$($S attest propose-updater "$FR" --deposit 1000 --from "$H/poster.json" 2> /dev/null)
$S gov vote "$HPROP" --validator "$HV" --option yes --from "$H/chain/keys/validator.json" --wait > /dev/null 2>&1
END=$($S gov show "$HPROP" --json | jf end_height)
for i in $(seq 1 300); do [ "$($S status --json | jv height)" -gt "${END:-0}" ] 2> /dev/null && break; sleep 0.1; done
$S gov execute "$HPROP" --from "$H/poster.json" --wait > /dev/null 2>&1
$S attest updater "$FR" --from "$H/bob.json" --proposal "$HPROP" > /dev/null 2> "$H/up.err"
$S attest put-snp "$H/tee/chain.pem" --from "$H/frank.json" > /dev/null 2> "$H/snp.err"
check '[ "$($S attest collateral --json | jf snp_chains.0.intermediate)" = SEV-Milan ]' \
  "the updater stores the test ASK/ARK chain, verified to the pinned test ARK at the block time ($(head -c 80 "$H/up.err" "$H/snp.err"))"
HMODEL=$($S model register --from "$H/poster.json" --name fmnist-mlp --weights models/fmnist/fmnist-mlp.svq8 \
  --code $AIB/infer.wasm --tee-measurement "$MEAS" 2> "$H/register.err")
check '[ ${#HMODEL} -eq 64 ] && $S model show "$HMODEL" | grep -q "$MEAS"' "the model allows the test measurement ($(head -c 80 "$H/register.err"))"
$S model register --from "$H/poster.json" --name x --weights models/fmnist/fmnist-mlp.svq8 --code $AIB/infer.wasm \
  --tee-measurement 5a5a > /dev/null 2> "$H/badm.err"; rc=$?
check '[ $rc -eq 2 ] && grep -q "96 hex" "$H/badm.err"' "a short measurement is refused ($(head -c 80 "$H/badm.err"))"
for k in frank gina; do $S provider register --from "$H/$k.json" --bond 10000000000 > /dev/null; done
$S worker --key "$H/frank.json" --tee-test-key "$H" > "$H/wbad.log" 2>&1; rc=$?
check '[ $rc -eq 2 ] && grep -q "report.bin" "$H/wbad.log"' "a --tee-test-key directory without the test key is refused at start ($(head -c 90 "$H/wbad.log"))"
# the honest TEE worker serves a high-value job
$S worker --key "$H/frank.json" --poll-ms 50 --tee-test-key "$H/tee" > "$H/wf.log" 2>&1 &
PWF=$!; PIDS+=($PWF)
fa0=$(aic $FR)
HJ1=$($S job post --from "$H/poster.json" --model "$HMODEL" --input "$T/img0" --price 1000 --replicas 1 \
  --deadline-blocks 20 --level high-value)
check 'wait_job $HJ1 state settled 60' "the TEE worker serves a high-value job: settled"
VCR=$(curl -s "$SUPERVM_RPC" -H 'content-type: application/json' \
  -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"svm_aiGetVcr\",\"params\":[\"$HJ1\",\"$FR\"]}")
check '[ "$(echo "$VCR" | jf result.level)" = high-value ] && [ "$(echo "$VCR" | jf result.tee_evidence | cut -c1-6)" = 0x0102 ] && [ -n "$(echo "$VCR" | jf result.trace.root)" ]' \
  "its receipt meets high-value: SNP evidence (kind 1, report v2) and a trace commitment ($(echo "$VCR" | head -c 160))"
check 'grep -q "TEST key" "$H/wf.log" && grep -q "revealed ${HJ1:0:16}$" "$H/wf.log"' "the worker says its key is a test key, and revealed ($(grep -m1 "TEST key" "$H/wf.log" | cut -c1-100))"
kill $PWF; wait $PWF 2> /dev/null
# a lying TEE worker: its evidence is genuine under the test root (an enclave can run the wrong
# code correctly), but its trace bisects to the corrupted step
$S worker --key "$H/gina.json" --poll-ms 50 --lie --tee-test-key "$H/tee" > "$H/wg.log" 2>&1 &
PWG=$!; PIDS+=($PWG)
HJ2=$($S job post --from "$H/poster.json" --model "$HMODEL" --input "$T/img1" --price 1000 --replicas 1 \
  --deadline-blocks 20 --level high-value)
check 'wait_job $HJ2 state settled 60' "a lying TEE worker's high-value job is settled with its evidence"
HLIE=$(sed -n 's/.*traced (\([0-9]*\) steps, K 4096, lie at step \([0-9]*\)).*/\2/p' "$H/wg.log" | head -n 1)
gb0=$($S provider show $GI | jv bond); hb0=$(swr $HB); hbn0=$(nonce $HB)
HC=$($S job dispute "$HJ2" --from "$H/bob.json" 2> "$H/jd.err" | tail -n 1)
$S dispute play "$HC" --from "$H/bob.json" --json > "$H/jp.json" 2> "$H/jp.err"
check '[ "$(jv result < "$H/jp.json")" = challenger_won ] && [ "$($S dispute show $HC --json | jf game.hi)" = "$HLIE" ]' \
  "disputed by bisection: the chain executes the corrupted step $HLIE, the challenger wins ($(cat "$H/jp.json" "$H/jd.err" | head -c 200))"
check 'wait_job $HJ2 state closed 60' "the job is closed"
hbn1=$(nonce $HB)
check '[ "$($S provider show $GI | jv bond)" = $((gb0 - gb0 / 2)) ] && [ "$(swr $HB)" = $((hb0 + gb0 / 2 - FEE * (hbn1 - hbn0))) ]' \
  "the liar loses half its bond ($gb0) to the challenger, whose 4 SWR high-value bond comes back"
kill $PWG; wait $PWG 2> /dev/null
# the honest job is paid after 14 × the window: 250 % of units·price, less the burn
U=$(( $($S job status $HJ1 --json | jf settle_height) + 140 ))
$S job claim "$HJ1" --from "$H/bob.json" > /dev/null 2> "$H/early.err"; rc=$?
check '[ $rc -eq 1 ]' "no claim before the high-value window ends ($(head -c 60 "$H/early.err"))"
for i in $(seq 1 900); do [ "$($S status --json | jv height)" -gt "$U" ] 2> /dev/null && break; sleep 0.1; done
$S job claim "$HJ1" --from "$H/bob.json" > /dev/null 2> "$H/claim.err"
BURN=$($S params --json | jv ai_burn_bps)
check '[ "$(aic $FR)" = $((fa0 + 2500 - 2500 * BURN / 10000)) ] && [ "$($S job status $HJ1 | jv state)" = closed ]' \
  "paid after the 140-block window: 2500 AIC (250 % of 1000) less the burn ($(head -c 60 "$H/claim.err"))"

echo "e2e-verify: $pass passed, $fail failed"
[ $fail -eq 0 ]

#!/usr/bin/env bash
# End-to-end test of the economy against the real binary (docs/economics.md): a devnet from a
# genesis with short governance and epoch periods; a pool created, a swap matching its quote
# exactly, a swap past its slippage bound refused; a validator registered and delegated to
# entering the active set at the next epoch; a governance proposal changing the fee
# coefficients, after which the next block's fees follow; an upgrade plan stopping the node at
# its height with a clear message. Prints "e2e-econ: N passed, N failed" last.
# Usage: e2e_econ.sh path/to/supervm
set -u
S=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
COUNTER_WASM=${COUNTER_WASM:-$(dirname "$S")/contracts/counter.wasm}
XVM_WASM=${XVM_WASM:-$(dirname "$S")/contracts/xvm.wasm}
D=$(mktemp -d /tmp/svm-e2e-econ.XXXXXX)
pass=0; fail=0; NODE=
ok() { pass=$((pass + 1)); echo "  ok   $1"; }
bad() { fail=$((fail + 1)); echo "  FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
cleanup() { [ -n "$NODE" ] && kill "$NODE" 2>/dev/null && wait "$NODE" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
jget() { sed -n "s/.*\"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" | head -n 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
       echo $((20000 + RANDOM % 20000)))
export SUPERVM_RPC=http://127.0.0.1:$port
rpc() { curl -s -H 'Content-Type: application/json' -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$SUPERVM_RPC"; }

mkdir -p "$D/keys"
for k in validator faucet alice bob; do "$S" keys new --out "$D/keys/$k.json" > /dev/null || exit 1; done
id() { "$S" keys show "$D/keys/$1.json" --json | jget id; }
pk() { "$S" keys show "$D/keys/$1.json" --json | jget public_key; }
VAL=$(id validator); FAUCET=$(id faucet); ALICE=$(id alice); BOB=$(id bob)
cat > "$D/genesis.json" <<JSON
{"chain_id": 1337, "timestamp_ms": 1700000000000, "devnet": true,
 "fees": {"a": 1000, "b": 10, "c": 1, "d": 0},
 "params": {"gov_voting_blocks": 50, "gov_deposit_min": 1000, "epoch_blocks": 8, "stake_min": 1000,
            "issuance_ppb_epoch": 0, "rent_grace_epochs": 3, "slot_ms": 100},
 "balances": [{"owner": "$FAUCET", "token": "SWR", "amount": "1000000000000000000"},
              {"owner": "$FAUCET", "token": "AIC", "amount": "1000000000000000000"}],
 "validators": [{"public_key": "$(pk validator)", "stake": 10000000000}]}
JSON
# no --block-ms: by default the node paces blocks by the governed slot_ms (100 ms at genesis)
"$S" devnet --data "$D" --listen 127.0.0.1:$port > "$D/node.log" 2>&1 &
NODE=$!
for _ in $(seq 1 100); do "$S" status > /dev/null 2>&1 && break; sleep 0.1; done
height() { "$S" status --json | jget height; }
wait_height() { for _ in $(seq 1 300); do [ "$(height)" -ge "$1" ] 2>/dev/null && return 0; sleep 0.1; done; return 1; }

send() { "$S" "$@" --wait --json > "$D/out.json" 2>&1; }
status_of() { jget status_name < "$D/out.json"; }
ret_of() { sed -n 's/.*"return_data": "0x\([0-9a-f]*\)".*/\1/p' "$D/out.json" | head -n 1; }

for who in $ALICE $BOB $VAL; do
  send transfer --from "$D/keys/faucet.json" --to "$who" --amount 10000000000000
  send transfer --from "$D/keys/faucet.json" --to "$who" --amount 10000000000000 --token AIC
done
check "funded" '[ "$("$S" balance $ALICE --token AIC --json | jget amount)" = 10000000000000 ]'

# --- AMM
send pool create SWR AIC --fee 30 --amount-x 1000000000000 --amount-y 2000000000000 --from "$D/keys/alice.json"
check "pool create" '[ "$(status_of)" = ok ] || grep -q "\"status\": 0" "$D/out.json"'
"$S" pool show SWR AIC --fee 30 --json > "$D/pool.json"
check "pool show: reserves" 'grep -q "1000000000000" "$D/pool.json" && grep -q "2000000000000" "$D/pool.json"'
# swaps against a reference model: the constant-product formulas of docs/economics.md computed
# here in Python from the reserves `pool show` gives before each swap (B = 10^4, f = 30 bps)
"$S" pool show SWR AIC --fee 30 --json > "$D/p0.json"
SWR_IS_A=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(1 if j.get("result", j)["reserve_a"] == 10**12 else 0)' "$D/p0.json")
amm_model() { # MODE(in|out) IN_TOKEN(SWR|AIC) AMOUNT → the output (in) or the input (out)
  "$S" pool show SWR AIC --fee 30 --json | python3 -c '
import json, sys
mode, tok, amt, swr_a = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
j = json.load(sys.stdin); r = j.get("result", j); B, f = 10**4, 30
ra, rb = r["reserve_a"], r["reserve_b"]
r_in, r_out = (ra, rb) if (tok == "SWR") == swr_a else (rb, ra)
if mode == "in":
    print(r_out * amt * (B - f) // (r_in * B + amt * (B - f)))
else:
    base = -(-r_in * amt // (r_out - amt))
    print(-(-base * B // (B - f)))' "$1" "$2" "$3" "$SWR_IS_A"; }
bal() { "$S" balance "$ALICE" --token "$1" --json | jget amount; }
model_ok=1; model_log=
for step in "in SWR AIC 1000000000" "in SWR AIC 123456789" "in AIC SWR 55555555" "out SWR AIC 987654"; do
  set -- $step
  want=$(amm_model "$1" "$2" "$4"); s0=$(bal SWR); a0=$(bal AIC)
  if [ "$1" = in ]; then
    send swap "$2" "$3" --fee 30 --amount "$4" --min-out 1 --from "$D/keys/alice.json"
  else
    send swap "$2" "$3" --fee 30 --amount "$4" --exact-out --max-in 100000000000 --from "$D/keys/alice.json"
  fi
  fee=$(jget fee_charged < "$D/out.json"); s1=$(bal SWR); a1=$(bal AIC)
  case "$1 $2" in
    "in SWR") got=$((a1 - a0)) ;;
    "in AIC") got=$((s1 - s0 + fee)) ;;
    "out SWR") got=$((s0 - s1 - fee)) ;;
  esac
  model_log="$model_log $1:$4→$got/$want"
  { grep -q "\"status\": 0," "$D/out.json" && [ -n "$want" ] && [ "$got" = "$want" ]; } || model_ok=0
done
check "four swaps (exact-in both ways, exact-out) match the reference model exactly:$model_log" '[ $model_ok = 1 ]'
Q=$("$S" pool quote SWR AIC --fee 30 --amount 1000000000 --json | jget amount_out)
B0=$("$S" balance $BOB --token AIC --json | jget amount)
send swap SWR AIC --fee 30 --amount 1000000000 --min-out "$Q" --from "$D/keys/bob.json"
B1=$("$S" balance $BOB --token AIC --json | jget amount)
check "swap pays exactly the quote ($Q)" '[ -n "$Q" ] && [ $((B1 - B0)) -eq "$Q" ]'
Q2=$("$S" pool quote SWR AIC --fee 30 --amount 1000000000 --json | jget amount_out)
check "the next quote is lower (price moved)" '[ "$Q2" -lt "$Q" ]'
"$S" swap SWR AIC --fee 30 --amount 1000000000 --min-out "$Q" --from "$D/keys/bob.json" --wait --json > "$D/out.json" 2>&1
rc=$?
B2=$("$S" balance $BOB --token AIC --json | jget amount)
check "swap past min-out fails (exit $rc) and pays nothing out" '[ $rc -ne 0 ] && [ "$B2" = "$B1" ] && grep -qi "limit" "$D/out.json"'
send swap SWR AIC --fee 30 --amount 1000 --exact-out --max-in 100000 --from "$D/keys/bob.json"
B3=$("$S" balance $BOB --token AIC --json | jget amount)
check "exact-out swap delivers exactly 1000" '[ $((B3 - B2)) -eq 1000 ]'

# --- staking: alice registers with more stake than the genesis validator, bob delegates
H_REG=$(height)
send validator register --consensus-key "$(pk alice)" --vrf-key "$(pk alice)" --bond 20000000000 --commission 500 --from "$D/keys/alice.json"
check "validator register" 'grep -q "\"status\": 0" "$D/out.json"'
send stake delegate "$ALICE" --amount 5000000000 --from "$D/keys/bob.json"
check "delegate" 'grep -q "\"status\": 0" "$D/out.json"'
# (the last block of an epoch processes the next: checked only while still in the same epoch)
SET=$("$S" validators --json | sed -n "/active_set/,\$p"); h1=$(height)
if [ $(( (H_REG + 1) / 8 )) -eq $(( (h1 + 1) / 8 )) ]; then # no epoch's last block since registering
  check "not active before the epoch" '! echo "$SET" | grep -q "$(pk alice)"'
fi
h=$(height); wait_height $(( (h / 8 + 1) * 8 ))
# the last block of each epoch processes the next one (no transaction needed): the set is there
check "active at the next epoch" '"$S" validators --json | sed -n "/active_set/,\$p" | grep -q "$(pk alice)"'
# the epoch's last block has a settlement receipt saying what its settlement did
EH=$(( (h / 8 + 1) * 8 - 1 ))
rpc svm_getSettlement "[$EH]" > "$D/settle.json"
settle_ok() { python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["result"]
ep = [e for e in r["events"] if e["topic"] == "stake/epoch"][0]
rw = [e for e in r["events"] if e["topic"] == "stake/reward"][0]
ok = (r["height"] == int(sys.argv[2]) and ep["epoch"] == int(sys.argv[2]) // 8 + 1 and ep["active"] == 2
      and ep["issued"] == 0 and sys.argv[3] in [x["operator"] for x in rw["entries"]])
sys.exit(0 if ok else 1)' "$D/settle.json" "$EH" "$VAL"; }
check "svm_getSettlement [$EH]: epoch $(( EH / 8 + 1 )) processed (2 active, nothing issued), the genesis validator's reward listed" 'settle_ok'
check "svm_getSettlement of a block whose settlement emitted nothing: null" \
  'rpc svm_getSettlement "[$((EH - 1))]" | grep -q "\"result\": *null"'
check "svm_getSettlements [$((EH - 7)), $EH] lists it" \
  'rpc svm_getSettlements "[$((EH - 7)), $EH]" | python3 -c "import json,sys; sys.exit(0 if [r[\"height\"] for r in json.load(sys.stdin)[\"result\"]] == [$EH] else 1)"'
send stake epoch --from "$D/keys/bob.json"
check "epoch already processed by the chain" 'grep -q "\"status_name\": \"ESTATE\"\|status.*22" "$D/out.json"'
"$S" stake show "$ALICE" "$BOB" --json > "$D/del.json"
check "delegation shows its shares" 'grep -q "\"shares\": 5000000000" "$D/del.json"'
# bob unbonds a fifth: svm_getDelegation lists it, released unbonding_epochs (7) + 1 epochs on,
# nothing claimable yet (the claim is checked before governance, once it is due)
send stake undelegate "$ALICE" --shares 1000000000 --from "$D/keys/bob.json"
UH=$(jget block_height < "$D/out.json")
rpc svm_getDelegation "[\"$ALICE\", \"$BOB\"]" > "$D/dg.json"
UAMT=$(python3 -c 'import json,sys; u=json.load(open(sys.argv[1]))["result"]["unbonding"]; print(u[0]["amount"] if len(u)==1 else "")' "$D/dg.json")
UREL=$(python3 -c 'import json,sys; u=json.load(open(sys.argv[1]))["result"]["unbonding"]; print(u[0]["release_epoch"] if len(u)==1 else "")' "$D/dg.json")
claimable() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["claimable"])' "$D/dg.json"; }
# what claimable must be at the epoch the query answered for: nothing before the release
due_at() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["result"]; print(sys.argv[3] if r["epoch"] >= int(sys.argv[2]) else 0)' "$D/dg.json" "$UREL" "$UAMT"; }
check "undelegated: one unbonding of $UAMT released at epoch $((UH / 8 + 8)), nothing claimable before" \
  '[ -n "$UAMT" ] && [ "$UAMT" -gt 0 ] && [ "$UREL" = $((UH / 8 + 8)) ] && [ "$(claimable)" = "$(due_at)" ]'
CB0=$("$S" balance "$BOB" --json | jget amount)
"$S" stake claim "$ALICE" --from "$D/keys/bob.json" --wait --json > "$D/out.json" 2>&1
CH=$(jget block_height < "$D/out.json"); CLAIMED=
# (judged by the block it landed in: on a loaded machine it may land after the release)
if [ -n "$CH" ] && [ $((CH / 8)) -ge "$UREL" ]; then
  CFEE=$(jget fee_charged < "$D/out.json"); CB1=$("$S" balance "$BOB" --json | jget amount); CLAIMED=1
  check "claim landed at epoch $((CH / 8)) ≥ $UREL: pays exactly $UAMT" \
    'grep -q "\"status\": 0," "$D/out.json" && [ $((CB1 - CB0 + CFEE)) -eq "$UAMT" ]'
else
  check "claim before the release refused (ESTATE, block $CH)" 'grep -q "\"status\": 22," "$D/out.json"'
fi

# --- double-sign slashing: bob runs a validator and votes twice at one (epoch, height, round);
# the evidence (what consensus signs, crafted by forge_evidence) is submitted by the faucet
send validator register --consensus-key "$(pk bob)" --vrf-key "$(pk bob)" --bond 2000000000 --commission 0 --from "$D/keys/bob.json"
check "bob registers a validator" 'grep -q "\"status\": 0" "$D/out.json"'
OFF=$(( $(height) - 1 ))
EV=$("$FORGE_EVIDENCE" "$D/keys/bob.json" 1337 0 $OFF 3)
BAD=$("$FORGE_EVIDENCE" "$D/keys/bob.json" 1337 0 $OFF 3 bad)
OTHER=$("$FORGE_EVIDENCE" "$D/keys/bob.json" 1338 0 $OFF 3)
send validator evidence "$BOB" --evidence "$BAD" --from "$D/keys/faucet.json"
check "forged evidence refused (ESIG)" 'grep -q "\"status\": 8," "$D/out.json"'
send validator evidence "$BOB" --evidence "$OTHER" --from "$D/keys/faucet.json"
check "another chain's signatures refused (ESIG)" 'grep -q "\"status\": 8," "$D/out.json"'
send validator evidence "$ALICE" --evidence "$EV" --from "$D/keys/faucet.json"
check "evidence against another validator refused (EINVAL)" 'grep -q "\"status\": 2," "$D/out.json"'
"$S" validator show "$BOB" --json > "$D/v0.json"
send validator evidence "$BOB" --evidence "$EV" --from "$D/keys/faucet.json"
check "the double vote slashes" 'grep -q "\"status\": 0" "$D/out.json"'
SH=$(jget block_height < "$D/out.json")
"$S" validator show "$BOB" --json > "$D/v1.json"
check "bob jailed" '[ "$(jget jailed < "$D/v1.json")" = true ] || [ "$(jget jailed < "$D/v1.json")" = 1 ]'
check "5% of bob's stake burned ($(jget tokens < "$D/v0.json") → $(jget tokens < "$D/v1.json"))" \
  '[ "$(jget tokens < "$D/v1.json")" = 1900000000 ] && [ "$(jget slashed < "$D/v1.json")" = 100000000 ]'
send validator evidence "$BOB" --evidence "$EV" --from "$D/keys/faucet.json"
check "the same evidence twice refused (EEXIST)" 'grep -q "\"status\": 6," "$D/out.json"'
check "jailed until epoch now + jail_epochs + 1" '[ "$(jget unjail_epoch < "$D/v1.json")" = $(( SH / 8 + 2 )) ]'
"$S" validator report --from "$D/keys/faucet.json" --wait --json > "$D/out.json" 2> "$D/report.err"; rrc=$?
check "validator report: nothing held by a one-validator devnet, nothing sent" \
  '[ $rrc -eq 0 ] && grep -q "0 submitted, 0 failed" "$D/report.err"'

# --- the unbonding is due: svm_getDelegation says what a claim pays, the claim pays exactly that.
# Checked here, before governance (the release is a few blocks ahead: wait for it, claim at once),
# not after the rent section: its waits for eviction epochs ran the chain ~140 blocks past the
# release, which is why the claim used to land that late (it was sent late, not held by the node).
if [ -z "$CLAIMED" ]; then
  wait_height $((UREL * 8))
  rpc svm_getDelegation "[\"$ALICE\", \"$BOB\"]" > "$D/dg.json"
  check "svm_getDelegation: claimable $UAMT at epoch $UREL" '[ "$(claimable)" = "$UAMT" ]'
  B0=$("$S" balance "$BOB" --json | jget amount)
  CS=$(height)
  send stake claim "$ALICE" --from "$D/keys/bob.json"
  FEE=$(jget fee_charged < "$D/out.json"); CH=$(jget block_height < "$D/out.json")
  B1=$("$S" balance "$BOB" --json | jget amount)
  check "the claim pays exactly the unbonded $UAMT (balance $B0 → $B1, fee $FEE)" \
    'grep -q "\"status\": 0," "$D/out.json" && [ $((B1 - B0 + FEE)) -eq "$UAMT" ]'
  check "the claim sent at height $CS (release $((UREL * 8))) lands promptly, in block $CH" \
    '[ -n "$CH" ] && [ "$CH" -gt "$CS" ] && [ $((CH - CS)) -le 40 ]'
fi

rpc svm_status "[]" > "$D/st.json"
slot_timeout() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["result"]; print(r["slot_ms"], r["consensus"]["round_timeout_ms"])' "$1"; }
check "paced by the governed slot (100 ms), round timeout 3 x slot + 1 s: $(slot_timeout "$D/st.json")" \
  '[ "$(slot_timeout "$D/st.json")" = "100 1300" ]'

# --- governance: fee_a := 5000, fee_b := 20, slot_ms := 150; the genesis validator and alice
# (now holding most stake) vote
send gov submit --kind params --set fee_a=5000,fee_b=20,slot_ms=150 --deposit 1000 --from "$D/keys/bob.json"
PROP=$(ret_of)
check "proposal submitted" '[ ${#PROP} -eq 64 ]'
send gov vote "$PROP" --validator "$ALICE" --option yes --from "$D/keys/alice.json"
check "vote" 'grep -q "\"status\": 0" "$D/out.json"'
send gov vote "$PROP" --validator "$VAL" --option yes --from "$D/keys/validator.json"
check "the genesis validator votes" 'grep -q "\"status\": 0" "$D/out.json"'
"$S" gov vote "$PROP" --validator "$ALICE" --option no --from "$D/keys/alice.json" --wait --json > "$D/out.json" 2>&1
check "vote twice refused" '[ $? -ne 0 ] || ! grep -q "\"status\": 0" "$D/out.json"'
END=$("$S" gov show "$PROP" --json | jget end_height)
"$S" gov execute "$PROP" --from "$D/keys/bob.json" --wait --json > "$D/out.json" 2>&1
XH=$(jget block_height < "$D/out.json")
# (on a loaded machine the period may be over when this lands: then it executes, and must
# have landed after the period; the refusal itself is checked in the unit tests either way)
if grep -q "\"status\": 0," "$D/out.json"; then
  check "execute landed after the period ($XH > $END), so it executed" '[ -n "$XH" ] && [ "$XH" -gt "$END" ]'
else
  check "execute during the vote refused (block $XH ≤ $END)" '[ -z "$XH" ] || [ "$XH" -le "$END" ]'
  wait_height $((END + 1))
  send gov execute "$PROP" --from "$D/keys/bob.json"
  check "passed proposal executed" 'grep -q "\"status\": 0," "$D/out.json"'
  XH=$(jget block_height < "$D/out.json")
fi
check "params show fee_a 5000" '[ "$("$S" params --json | jget fee_a)" = 5000 ]'
check "params show slot_ms 150" '[ "$("$S" params --json | jget slot_ms)" = 150 ]'
# the round timeout follows the governed slot from the next head on, without a restart
for _ in $(seq 1 50); do rpc svm_status "[]" > "$D/st.json"; [ "$(slot_timeout "$D/st.json")" = "150 1450" ] && break; sleep 0.1; done
check "the round timeout follows: slot and timeout now $(slot_timeout "$D/st.json") (150 1450)" \
  '[ "$(slot_timeout "$D/st.json")" = "150 1450" ]'
# the governed slot paces the node from the next proposal on, without a restart: an empty block
# whose three ancestors are empty too (nothing in flight, so it waited for the slot) comes at
# least 150 ms after its parent
wait_height $((XH + 14))
slot_gaps() { python3 - "$SUPERVM_RPC" "$XH" <<'PY'
import json, sys, urllib.request
url, xh = sys.argv[1], int(sys.argv[2])
def blk(h):
    q = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "svm_getBlockByNumber", "params": [h]}).encode()
    r = json.load(urllib.request.urlopen(urllib.request.Request(url, q, {"Content-Type": "application/json"})))["result"]
    return r.get("header", r)
b = {h: blk(h) for h in range(xh + 1, xh + 15)}
gaps = [b[h]["timestamp_ms"] - b[h - 1]["timestamp_ms"] for h in range(xh + 4, xh + 15)
        if all(b[k]["tx_count"] == 0 for k in range(h - 3, h + 1))]
print("gaps", gaps, file=sys.stderr)
sys.exit(0 if len(gaps) >= 5 and min(gaps) >= 150 else 1)
PY
}
check "empty blocks after the change come ≥ 150 ms after their parent" 'slot_gaps 2> "$D/gaps.txt"'
cat "$D/gaps.txt"
send transfer --from "$D/keys/bob.json" --to "$ALICE" --amount 1
FEE=$(jget fee_charged < "$D/out.json")
check "the next block charges the new fees ($FEE ≥ 5000 + 20·bytes)" '[ -n "$FEE" ] && [ "$FEE" -gt 7000 ]'
# admission follows the governed schedule too: 6000 covers the genesis a + b·bytes, not the new one
"$S" transfer --from "$D/keys/bob.json" --to "$ALICE" --amount 1 --fee-limit 6000 --json > "$D/out.json" 2>&1
check "admission refuses a fee limit under the governed intrinsic fee" 'grep -q "intrinsic fee" "$D/out.json"'

# --- local fee markets: the congestion table over JSON-RPC (a quiet devnet has no hot object)
check "svm_getCongestion: no hot object" 'rpc svm_getCongestion "[]" | grep -q "\"objects\": *\[\]"'
check "svm_getCongestion [id]: 1x" 'rpc svm_getCongestion "[\"$ALICE\"]" | grep -q "\"multiplier_bps\": *10000"'

# --- rent: a counter contract's slot "count" falls due, is evicted by bob (rewarded from the
# treasury), refused back with other bytes, restored with the bytes svm_getProof gave before
if [ -f "$COUNTER_WASM" ]; then
  send contract deploy "$COUNTER_WASM" --from "$D/keys/alice.json"
  C=$(ret_of)
  send contract call "$C" increment --from "$D/keys/alice.json"
  send contract call "$C" increment --from "$D/keys/alice.json"
  check "counter deployed and incremented twice" '[ ${#C} -eq 64 ] && [ "$(ret_of)" = 0200000000000000 ]'
  "$S" rent show "$C" count --json > "$D/rent.json"
  SIZE=$(jget size < "$D/rent.json"); PAID=$(jget paid_until < "$D/rent.json"); EV=$(jget evictable_from < "$D/rent.json")
  SLOT=$(jget slot < "$D/rent.json")
  check "rent show: the slot, rho·size per epoch, paid until its write's epoch, evictable after grace" \
    '[ "$(jget exists < "$D/rent.json")" = true ] && [ "$(jget rent_per_epoch < "$D/rent.json")" = "$SIZE" ] &&
     [ "$EV" = $((PAID + 4)) ]'
  OBJ=$(rpc svm_getProof "[\"$SLOT\"]" | sed -n 's/.*"object": *"0x\([0-9a-f]*\)".*/\1/p')
  # (only with two epochs to spare: a refused eviction must not land once it is allowed)
  if [ $(( $(height) / 8 + 2 )) -lt "$EV" ]; then
    "$S" rent evict "$C" count --from "$D/keys/bob.json" --wait --json > "$D/out.json" 2>&1
    bh=$(jget block_height < "$D/out.json")
    [ -n "$bh" ] && [ $((bh / 8)) -lt "$EV" ] && check "evict before the grace period ends refused" '! grep -q "\"status\": 0," "$D/out.json"'
  fi
  wait_height $((EV * 8))
  B0=$("$S" balance "$BOB" --json | jget amount)
  send rent evict "$C" count --from "$D/keys/bob.json"
  FEE=$(jget fee_charged < "$D/out.json")
  B1=$("$S" balance "$BOB" --json | jget amount)
  check "evicted by bob, rewarded ⌊rho·size·grace·10%⌋ = $((SIZE * 3 / 10)) from the treasury (balance $B0 → $B1, fee $FEE)" \
    'grep -q "\"status\": 0," "$D/out.json" && [ $((B1 - B0 + FEE)) -eq $((SIZE * 3 / 10)) ]'
  "$S" rent show "$C" count --json > "$D/rent.json"
  check "the slot is gone, its tombstone holds its size" \
    '[ "$(jget exists < "$D/rent.json")" = false ] && grep -q "\"size\": $SIZE" "$D/rent.json"'
  send contract call "$C" get --from "$D/keys/alice.json"
  check "the contract reads nothing there now" '[ "$(ret_of)" = 0000000000000000 ]'
  BAD=$(printf '%s' "$OBJ" | sed 's/.$/0/;t'); [ "$BAD" = "$OBJ" ] && BAD=${OBJ%?}1
  "$S" rent restore "$C" count --object "0x$BAD" --amount $((SIZE * 3)) --from "$D/keys/bob.json" --wait --json > "$D/out.json" 2>&1
  check "restore with other bytes refused" '[ -n "$OBJ" ] && ! grep -q "\"status\": 0," "$D/out.json"'
  send rent restore "$C" count --object "0x$OBJ" --amount $((SIZE * 3)) --from "$D/keys/bob.json"
  RH=$(jget block_height < "$D/out.json")
  check "restored from the bytes svm_getProof returned before" 'grep -q "\"status\": 0," "$D/out.json"'
  "$S" rent show "$C" count --json > "$D/rent.json"
  check "rent prepaid 3 epochs from the restore" '[ "$(jget paid_until < "$D/rent.json")" = $((RH / 8 + 3)) ]'
  send contract call "$C" get --from "$D/keys/alice.json"
  check "the contract reads its counter (2) again" '[ "$(ret_of)" = 0200000000000000 ]'
else
  bad "no counter contract at $COUNTER_WASM"
fi

# --- rent on the growth of an exempt slot: the xvm example contract's `put` stores its input
# under "v"; exempted at 8 bytes (a horizon's payment), grown to 40, its 32 new bytes pay rho
# an epoch from the growing write and, unpaid, make it evictable past the grace period
if [ -f "$XVM_WASM" ]; then
  send contract deploy "$XVM_WASM" --from "$D/keys/alice.json"
  X=$(ret_of)
  send contract call "$X" put 0x0102030405060708 --from "$D/keys/alice.json"
  "$S" rent show "$X" v --json > "$D/rent.json"
  XS=$(jget size < "$D/rent.json")
  send rent pay "$X" v --amount $((XS * 1000)) --from "$D/keys/alice.json"
  "$S" rent show "$X" v --json > "$D/rent.json"
  check "a horizon's payment (1000 epochs of rho·$XS) exempts the slot at its 8 value bytes" \
    '[ "$(jget exempt < "$D/rent.json")" = true ] && [ "$(jget exempt_len < "$D/rent.json")" = 8 ] &&
     [ "$(jget billed_bytes < "$D/rent.json")" = 0 ] && [ "$(jget evictable_from < "$D/rent.json")" = null ]'
  send contract call "$X" put 0x$(printf '%080d' 7) --from "$D/keys/alice.json"
  GH=$(jget block_height < "$D/out.json")
  "$S" rent show "$X" v --json > "$D/rent.json"
  GP=$(jget paid_until < "$D/rent.json"); GEV=$(jget evictable_from < "$D/rent.json")
  check "grown to 40 bytes: 32 billed at rho each, paid until the growing write's epoch, evictable after grace" \
    '[ "$(jget exempt < "$D/rent.json")" = true ] && [ "$(jget billed_bytes < "$D/rent.json")" = 32 ] &&
     [ "$(jget rent_per_epoch < "$D/rent.json")" = 32 ] && [ "$GP" = $((GH / 8)) ] && [ "$GEV" = $((GP + 4)) ]'
  "$S" rent pay "$X" v --amount 31 --from "$D/keys/alice.json" --wait --json > "$D/out.json" 2>&1
  check "less than one epoch of the growth's rent refused (EINVAL)" 'grep -q "\"status\": 2," "$D/out.json"'
  wait_height $((GEV * 8))
  B0=$("$S" balance "$BOB" --json | jget amount)
  send rent evict "$X" v --from "$D/keys/bob.json"
  FEE=$(jget fee_charged < "$D/out.json")
  B1=$("$S" balance "$BOB" --json | jget amount)
  check "the exempt slot with unpaid growth evicted, the reward ⌊rho·32·grace·10%⌋ = 9 (balance $B0 → $B1, fee $FEE)" \
    'grep -q "\"status\": 0," "$D/out.json" && [ $((B1 - B0 + FEE)) -eq 9 ]'
else
  bad "no xvm contract at $XVM_WASM"
fi

# --- upgrade plan: nodes not running supervm-9 stop at its height
H=$(( $(height) + 90 )) # 50 voting blocks (5 s: room for the votes on a loaded machine), the execute transaction commits (below H − 1: 2-chain) and its receipt is read before the stop
send gov submit --kind upgrade --height $H --version supervm-9 --deposit 1000 --from "$D/keys/bob.json"
UP=$(ret_of)
send gov vote "$UP" --validator "$ALICE" --option yes --from "$D/keys/alice.json"
send gov vote "$UP" --validator "$VAL" --option yes --from "$D/keys/validator.json"
END=$("$S" gov show "$UP" --json | jget end_height)
wait_height $((END + 1))
send gov execute "$UP" --from "$D/keys/bob.json"
check "upgrade plan executed" 'grep -q "\"status\": 0" "$D/out.json"'
for _ in $(seq 1 200); do kill -0 "$NODE" 2>/dev/null || break; sleep 0.1; done
check "the node stopped at the plan's height" '! kill -0 "$NODE" 2>/dev/null'
check "with a clear message" 'grep -q "requires version supervm-9" "$D/node.log"'
kill -0 "$NODE" 2>/dev/null || NODE= # stopped by itself: nothing left to stop
echo "e2e-econ: $pass passed, $fail failed"
[ $fail -eq 0 ]

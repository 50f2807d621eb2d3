#!/usr/bin/env bash
# End-to-end test of the privacy path against the real binary (docs/privacy.md): a devnet;
# the CLI wallet (`supervm conf …`) deposits public SWR into confidential outputs for two
# users and some decoys, lists them by scanning the chain and opening their notes, sends
# confidentially with each input hidden in a ring of 11, withdraws back to the public balance
# (supply conserved: every deposited unit is either in a wallet or withdrawn), and a double
# spend of an output already spent is refused by the chain's key-image registry with a clear
# error, changing nothing but the fee; a relay submits ring spends for wallets and serves several
# clients at once within its bounds. Bad input gets clear errors. Prints
# "e2e-privacy: N passed, N failed" last.
# Usage: e2e_privacy.sh path/to/supervm
set -u
S=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
D=$(mktemp -d /tmp/svm-e2e-privacy.XXXXXX)
pass=0; fail=0; NODE=
ok() { pass=$((pass + 1)); echo "  ok   $1"; }
bad() { fail=$((fail + 1)); echo "  FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
RELAY=; RELAY2=; RELAY3=; FAKE=; PROXY=
E2E_DIR=$(cd "$(dirname "$0")" && pwd)
cleanup() {
  [ -n "$RELAY" ] && kill "$RELAY" 2>/dev/null && wait "$RELAY" 2>/dev/null
  [ -n "$RELAY2" ] && kill "$RELAY2" 2>/dev/null && wait "$RELAY2" 2>/dev/null
  [ -n "$RELAY3" ] && kill "$RELAY3" 2>/dev/null && wait "$RELAY3" 2>/dev/null
  [ -n "$FAKE" ] && kill "$FAKE" 2>/dev/null && wait "$FAKE" 2>/dev/null
  [ -n "$PROXY" ] && kill "$PROXY" 2>/dev/null && wait "$PROXY" 2>/dev/null
  [ -n "$NODE" ] && kill "$NODE" 2>/dev/null && wait "$NODE" 2>/dev/null; rm -rf "$D"
}
trap cleanup EXIT
jget() { sed -n "s/.*\"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" | head -n 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
       echo $((20000 + RANDOM % 20000)))
export SUPERVM_RPC=http://127.0.0.1:$port

mkdir -p "$D/keys"
for k in validator faucet alice bob carol; do "$S" keys new --out "$D/keys/$k.json" > /dev/null || exit 1; done
id() { "$S" keys show "$D/keys/$1.json" --json | jget id; }
pk() { "$S" keys show "$D/keys/$1.json" --json | jget public_key; }
FAUCET=$(id faucet); ALICE=$(id alice); BOB=$(id bob); CAROL=$(id carol)
cat > "$D/genesis.json" <<JSON
{"chain_id": 1339, "timestamp_ms": 1700000000000, "devnet": true,
 "fees": {"a": 1000, "b": 10, "c": 1, "d": 0},
 "balances": [{"owner": "$FAUCET", "token": "SWR", "amount": "1000000000000000000"},
              {"owner": "$ALICE", "token": "SWR", "amount": "100000000000"},
              {"owner": "$BOB", "token": "SWR", "amount": "100000000000"},
              {"owner": "$CAROL", "token": "SWR", "amount": "100000000000"}],
 "validators": [{"public_key": "$(pk validator)", "stake": 10000000000}]}
JSON
"$S" devnet --data "$D" --listen 127.0.0.1:$port --block-ms 100 > "$D/node.log" 2>&1 &
NODE=$!
for _ in $(seq 1 100); do "$S" status > /dev/null 2>&1 && break; sleep 0.1; done

bal() { "$S" balance "$1" --json | jget amount; }
send() { "$S" "$@" --wait --json > "$D/out.json" 2> "$D/err.txt"; }
ok_status() { grep -q '"status": 0' "$D/out.json"; }
fee_of() { jget fee_charged < "$D/out.json"; }
unspent() { "$S" conf list --key "$D/keys/$1.json" --json 2> /dev/null | python3 -c \
  'import json,sys; j=json.load(sys.stdin); print(j["balance"].get("SWR", 0))'; }
n_outputs() { "$S" conf list --key "$D/keys/$1.json" --json 2> /dev/null | python3 -c \
  'import json,sys; j=json.load(sys.stdin); print(len(j["outputs"]))'; }

A_ADDR=$("$S" conf address --key "$D/keys/alice.json")
B_ADDR=$("$S" conf address --key "$D/keys/bob.json")
check "addresses are two 32-byte points (view key, spend key), one per key" '[ ${#A_ADDR} -eq 128 ] && [ ${#B_ADDR} -eq 128 ] && [ "$A_ADDR" != "$B_ADDR" ]'
check "the address is stable (derived from the key file)" '[ "$("$S" conf address --key "$D/keys/alice.json" --json | jget address)" = "$A_ADDR" ]'

# --- deposits: alice 5000, 3000, 2000; bob 1000; carol 8 decoys of 1..8 to herself
A0=$(bal $ALICE)
fees=0
for v in 5000 3000 2000; do
  send conf deposit --from "$D/keys/alice.json" --amount $v
  ok_status && fees=$((fees + $(fee_of)))
done
check "alice's three deposits committed" '[ $fees -gt 0 ] && [ "$(bal $ALICE)" -eq $((A0 - 10000 - fees)) ]'
send conf deposit --from "$D/keys/bob.json" --amount 1000
check "bob's deposit committed" 'ok_status'
for v in 1 2 3 4 5 6 7 8; do send conf deposit --from "$D/keys/carol.json" --amount $v; done
check "carol's decoy deposits committed" 'ok_status'
check "alice lists her 3 outputs, 10000 unspent (notes opened)" '[ "$(n_outputs alice)" -eq 3 ] && [ "$(unspent alice)" -eq 10000 ]'
check "bob lists his own only" '[ "$(n_outputs bob)" -eq 1 ] && [ "$(unspent bob)" -eq 1000 ]'
"$S" conf list --key "$D/keys/alice.json" > "$D/list.txt" 2>&1
check "text listing shows the amounts" 'grep -q "0.000005 SWR" "$D/list.txt" && grep -q "unspent: 0.00001 SWR" "$D/list.txt"'

# --- a confidential send: 6000 from alice to bob, each input in a ring of 11
SPENT=$("$S" conf list --key "$D/keys/alice.json" --json | python3 -c \
  'import json,sys; j=json.load(sys.stdin); print([o["id"] for o in j["outputs"] if o["value"]==5000][0])')
send conf send --from "$D/keys/alice.json" --to "$B_ADDR" --amount 6000 --ring 11
check "send committed" 'ok_status'
TX=$(jget tx_hash < "$D/out.json")
"$S" tx "$TX" --json > "$D/tx.json" 2>&1
check "the ring spend declares 11+ ring members as reads (the spent output hidden among them)" \
  'python3 -c "import json,sys; j=json.load(open(\"$D/tx.json\")); t=j.get(\"transaction\", j); sys.exit(0 if len(t[\"reads\"]) >= 11 else 1)"'
check "bob now holds 1000 + 6000 confidentially" '[ "$(unspent bob)" -eq 7000 ] && [ "$(n_outputs bob)" -eq 2 ]'
check "alice holds her change (10000 − 6000)" '[ "$(unspent alice)" -eq 4000 ]'
check "the spent output is listed as spent" '"$S" conf list --key "$D/keys/alice.json" --json | grep -q "\"spent\": true"'
rpc() { python3 -c "import json,sys,urllib.request as u; r=u.urlopen(u.Request('$SUPERVM_RPC', json.dumps({'jsonrpc':'2.0','id':1,'method':sys.argv[1],'params':sys.argv[2:]}).encode(), {'Content-Type':'application/json'})); print(json.dumps(json.load(r)))" "$@"; }
check "the spent output still exists on chain (ring outputs are never deleted)" 'rpc svm_aiGetObject "$SPENT" | grep -q "\"payload\""'

# --- withdraw: bob takes 6500 back to his public balance
B0=$(bal $BOB)
send conf withdraw --from "$D/keys/bob.json" --amount 6500 --ring 11
check "withdraw committed" 'ok_status'
check "bob's public balance grew by 6500 − fee" '[ "$(bal $BOB)" -eq $((B0 + 6500 - $(fee_of))) ]'
check "bob keeps 500 of change" '[ "$(unspent bob)" -eq 500 ]'
# --- view key: bob's view-only wallet sees every amount he received and cannot spend
VK=$("$S" conf view-key --key "$D/keys/bob.json")
check "the view key is 64 bytes (view secret, spend key)" '[ ${#VK} -eq 128 ]'
"$S" conf view-import --view-key "$VK" --out "$D/bob.view" > /dev/null 2> "$D/err.txt"
check "importing it makes a view-only wallet file (mode 0600)" '[ "$(stat -c %a "$D/bob.view")" = 600 ]'
check "the view-only wallet has bob's address" '[ "$("$S" conf address --view "$D/bob.view")" = "$B_ADDR" ]'
vals() { python3 -c 'import json,sys; j=json.load(sys.stdin); print(",".join(str(v) for v in sorted(o["value"] for o in j["outputs"])))'; }
"$S" conf list --view "$D/bob.view" --json > "$D/view.json" 2> "$D/err.txt"
check "the view-only wallet lists bob's outputs with their amounts (1000, 6000, change 500)" \
  '[ "$(vals < "$D/view.json")" = "500,1000,6000" ] && [ "$("$S" conf list --key "$D/keys/bob.json" --json | vals)" = "500,1000,6000" ]'
check "it says it is view-only, received 7500, spends unknown" \
  'python3 -c "import json,sys; j=json.load(open(\"$D/view.json\")); sys.exit(0 if j[\"view_only\"] and j[\"received\"][\"SWR\"]==7500 and all(o[\"spent\"] is None for o in j[\"outputs\"]) else 1)"'
check "the view-only cache holds no spend secret" '! grep -q "\"p\"" "$D/bob.view.conf.json"'
# --- key images: bob's full wallet exports them; the view-only wallet checks and imports them
# and then sees which outputs are spent (the 1000 and 6000 went into the withdraw)
vjson() { "$S" conf list --view "$D/bob.view" --json 2> /dev/null | python3 -c "import json,sys; j=json.load(sys.stdin); $1"; }
"$S" conf export-key-images --key "$D/keys/bob.json" --out "$D/bob.ki" --json > "$D/out.json" 2> "$D/err.txt"
check "bob exports 3 key images (mode 0600)" 'grep -q "\"key_images\": 3" "$D/out.json" && [ "$(stat -c %a "$D/bob.ki")" = 600 ]'
"$S" conf export-key-images --key "$D/keys/bob.json" --out "$D/bob.ki" > /dev/null 2> "$D/err.txt"; rc=$?
check "an existing key-image file is never overwritten" '[ $rc -eq 1 ] && grep -q "cannot create" "$D/err.txt"'
"$S" conf export-key-images --key "$D/keys/alice.json" --out "$D/alice.ki" > /dev/null 2>&1
"$S" conf import-key-images --view "$D/bob.view" --in "$D/alice.ki" > /dev/null 2> "$D/err.txt"; rc=$?
check "alice's key images are refused by bob's view-only wallet" '[ $rc -eq 1 ] && grep -q "another address" "$D/err.txt"'
python3 - "$D/bob.ki" "$D/bob-bad.ki" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
e = j["key_images"][1]; e["key_image"], j["key_images"][0]["key_image"] = j["key_images"][0]["key_image"], e["key_image"]
json.dump(j, open(sys.argv[2], "w"))
PY
"$S" conf import-key-images --view "$D/bob.view" --in "$D/bob-bad.ki" > /dev/null 2> "$D/err.txt"; rc=$?
check "swapped key images fail their proofs, and nothing is imported" \
  '[ $rc -eq 1 ] && grep -q "does not verify" "$D/err.txt" && [ "$(vjson "print(j[\"spend_unknown\"])")" = 3 ]'
echo '{"version": 1}' > "$D/junk.ki"
"$S" conf import-key-images --view "$D/bob.view" --in "$D/junk.ki" > /dev/null 2> "$D/err.txt"; rc=$?
check "a file that is not a key-image file is refused" '[ $rc -eq 1 ] && grep -q "not a key-image file" "$D/err.txt"'
"$S" conf import-key-images --key "$D/keys/bob.json" --in "$D/bob.ki" > /dev/null 2> "$D/err.txt"; rc=$?
check "importing needs --view (usage error)" '[ $rc -eq 2 ]'
"$S" conf import-key-images --view "$D/bob.view" --in "$D/bob.ki" --json > "$D/out.json" 2> "$D/err.txt"
check "the view-only wallet imports bob's key images: 2 outputs spent, none unknown" \
  'grep -q "\"spent\": 2" "$D/out.json" && grep -q "\"spend_unknown\": 0" "$D/out.json"'
check "it now lists which are spent (1000, 6000) and which not (500), as the full wallet does" \
  '[ "$(vjson "print(sorted((o[\"value\"], o[\"spent\"]) for o in j[\"outputs\"]))")" = "[(500, False), (1000, True), (6000, True)]" ]'
check "its unspent balance is the full wallet's (500)" '[ "$(vjson "print(j[\"unspent\"][\"SWR\"])")" = "$(unspent bob)" ] && [ "$(unspent bob)" -eq 500 ]'
check "the view-only cache still holds no spend secret" '! grep -q "\"p\"" "$D/bob.view.conf.json" && grep -q "key_image" "$D/bob.view.conf.json"'
B1=$(bal $BOB)
"$S" conf withdraw --from "$D/bob.view" --amount 100 --wait > /dev/null 2> "$D/err.txt"; rc=$?
check "the view-only wallet cannot spend (exit $rc, clear error)" '[ $rc -eq 1 ] && grep -q "view-only wallet" "$D/err.txt" && grep -q "cannot spend" "$D/err.txt"'
"$S" conf send --from "$D/bob.view" --to "$A_ADDR" --amount 100 > /dev/null 2> "$D/err.txt"; rc=$?
check "nor send" '[ $rc -eq 1 ] && grep -q "cannot spend" "$D/err.txt" && [ "$(bal $BOB)" -eq "$B1" ] && [ "$(unspent bob)" -eq 500 ]'
"$S" conf view-import --view-key "${VK%??}ff" --out "$D/bad.view" > /dev/null 2> "$D/err.txt"; rc=$?
check "a malformed view key is a usage error" '[ $rc -eq 2 ] && grep -q "not a view key" "$D/err.txt" && [ ! -e "$D/bad.view" ]'
"$S" conf view-import --view-key "$VK" --out "$D/bob.view" > /dev/null 2> "$D/err.txt"; rc=$?
check "an existing file is never overwritten" '[ $rc -eq 1 ]'
"$S" conf list --view "$D/keys/bob.json" > /dev/null 2> "$D/err.txt"; rc=$?
check "--view on a key file is a usage error" '[ $rc -eq 2 ] && grep -q "not a view-only wallet" "$D/err.txt"'

# conservation: 10000 + 1000 + 36 deposited = 6500 withdrawn + what the wallets hold
C=$("$S" conf list --key "$D/keys/carol.json" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["balance"].get("SWR",0))')
check "supply conserved: deposits = withdrawals + confidential holdings" \
  '[ $((10000 + 1000 + 36)) -eq $((6500 + $(unspent alice) + $(unspent bob) + C)) ]'

# --- double spend: alice spends her (already spent) 5000 output again
A1=$(bal $ALICE)
"$S" conf withdraw --from "$D/keys/alice.json" --amount 100 --input "$SPENT" --ring 11 --wait --json > "$D/out.json" 2> "$D/err.txt"
rc=$?
check "a second spend of one output fails (exit $rc)" '[ $rc -ne 0 ]'
check "the chain refused it as a registered key image (status: already exists)" 'grep -q "already exists" "$D/out.json"'
check "with a clear error naming the double spend" 'grep -q "double spend" "$D/out.json" "$D/err.txt"'
F=$(sed -n 's/.*"fee_charged": \([0-9]*\).*/\1/p' "$D/out.json" | head -n 1)
check "it changed nothing but the fee" '[ -n "$F" ] && [ "$(bal $ALICE)" -eq $((A1 - F)) ] && [ "$(unspent alice)" -eq 4000 ]'

# --- bad input
"$S" conf send --from "$D/keys/alice.json" --to 00ff --amount 1 > /dev/null 2> "$D/err.txt"; rc=$?
check "a malformed address is a usage error (exit $rc)" '[ $rc -eq 2 ] && grep -q "confidential address" "$D/err.txt"'
"$S" conf send --from "$D/keys/alice.json" --to "$B_ADDR" --amount 999999 > /dev/null 2> "$D/err.txt"; rc=$?
check "more than the wallet holds is refused before sending (exit $rc)" '[ $rc -eq 1 ] && grep -q "not enough unspent" "$D/err.txt"'
"$S" conf send --from "$D/keys/alice.json" --to "$B_ADDR" --amount 1 --ring 17 > /dev/null 2> "$D/err.txt"; rc=$?
check "a ring past the limit is a usage error" '[ $rc -eq 2 ] && grep -q "ring must be" "$D/err.txt"'
"$S" conf deposit --from "$D/keys/alice.json" --amount 0 > /dev/null 2> "$D/err.txt"; rc=$?
check "a zero deposit is a usage error" '[ $rc -eq 2 ]'
echo "garbage" > "$D/keys/alice.json.conf.json"
"$S" conf list --key "$D/keys/alice.json" > /dev/null 2> "$D/err.txt"; rc=$?
check "a corrupt wallet cache is reported, not trusted" '[ $rc -eq 1 ] && grep -q "conf.json" "$D/err.txt"'
rm -f "$D/keys/alice.json.conf.json"
check "a deleted cache is rebuilt by rescanning (4000 unspent)" '[ "$(unspent alice)" -eq 4000 ]'
# --- an output received after the export: unknown until bob exports again
send conf send --from "$D/keys/alice.json" --to "$B_ADDR" --amount 300 --ring 11
check "alice sends bob 300 more" 'ok_status'
check "bob's view-only wallet sees it, its spend unknown" \
  '[ "$(vjson "print(len(j[\"outputs\"]), j[\"spend_unknown\"], j[\"received\"][\"SWR\"])")" = "4 1 7800" ]'
"$S" conf export-key-images --key "$D/keys/bob.json" --out "$D/bob2.ki" > /dev/null 2> "$D/err.txt"
"$S" conf import-key-images --view "$D/bob.view" --in "$D/bob2.ki" > "$D/out.txt" 2> "$D/err.txt"
check "after a new export and import: nothing unknown, 800 unspent" \
  'grep -q "2 outputs spent, 0 with spends unknown" "$D/out.txt" && [ "$(vjson "print(j[\"unspent\"][\"SWR\"])")" = 800 ]'
"$S" conf list --view "$D/bob.view" > "$D/list.txt" 2>&1
check "the text listing marks spent outputs and gives received and unspent" \
  'grep -q "(spent)" "$D/list.txt" && grep -q "received: 0.0000078 SWR" "$D/list.txt" && grep -q "unspent: 0.0000008 SWR" "$D/list.txt"'
# --- a relayer: carol sends to bob through it; the relay is the transaction's sender and is paid
# its fee from carol's confidential inputs, so carol's public account appears nowhere
"$S" keys new --out "$D/keys/relayer.json" > /dev/null || exit 1
RELAYER=$(id relayer)
send transfer --from "$D/keys/faucet.json" --to "$RELAYER" --amount 1000000000
check "the relayer's account is funded (it pays the transactions' fees)" 'ok_status'
RFEE=50000000
rport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RELAY_URL=http://127.0.0.1:$rport
"$S" conf relay --key "$D/keys/relayer.json" --listen 127.0.0.1:$rport --fee $RFEE > "$D/relay.log" 2>&1 &
RELAY=$!
rrpc() { python3 -c "import json,sys,urllib.request as u; r=u.urlopen(u.Request('$RELAY_URL', json.dumps({'jsonrpc':'2.0','id':1,'method':sys.argv[1],'params':json.loads(sys.argv[2])}).encode(), {'Content-Type':'application/json'})); print(json.dumps(json.load(r)))" "$@"; }
for _ in $(seq 1 100); do rrpc relay_info '[]' > /dev/null 2>&1 && break; sleep 0.1; done
check "the relay quotes its identity, nonce and fee" 'rrpc relay_info "[]" | grep -q "\"relayer\": \"$RELAYER\".*\"fee\": $RFEE\|\"fee\": $RFEE.*\"relayer\": \"$RELAYER\""'
send conf deposit --from "$D/keys/carol.json" --amount 200000000
check "carol deposits 200000000 confidentially" 'ok_status'
C0=$(bal $CAROL); R0=$(bal $RELAYER); BU0=$(unspent bob); CU0=$(unspent carol)
"$S" conf send --from "$D/keys/carol.json" --to "$B_ADDR" --amount 5000 --relay "$RELAY_URL" --json > "$D/out.json" 2> "$D/err.txt"; rc=$?
check "a relayed send commits (exit $rc)" '[ $rc -eq 0 ] && ok_status'
TX=$(jget tx_hash < "$D/out.json"); RF=$(jget fee_charged < "$D/out.json")
"$S" tx "$TX" --json > "$D/tx.json" 2>&1
check "its sender is the relayer, not carol" 'grep -q "\"sender\": \"$RELAYER\"" "$D/tx.json" && ! grep -q "$CAROL" "$D/tx.json"'
check "carol's public balance did not move (not even a fee)" '[ "$(bal $CAROL)" -eq "$C0" ]'
check "the relayer got its fee less the transaction's fee" '[ -n "$RF" ] && [ "$(bal $RELAYER)" -eq $((R0 + RFEE - RF)) ] && [ "$(bal $RELAYER)" -gt "$R0" ]'
check "bob received 5000; carol paid 5000 + the relay's fee confidentially" \
  '[ "$(unspent bob)" -eq $((BU0 + 5000)) ] && [ "$(unspent carol)" -eq $((CU0 - 5000 - RFEE)) ]'
R1=$(bal $RELAYER)
rrpc relay_submit '["00", 0]' > "$D/out.json" 2>&1
check "the relay refuses what is not a confidential payload" 'grep -q "not a confidential payload" "$D/out.json"'
CSPENT=$("$S" conf list --key "$D/keys/carol.json" --json | python3 -c \
  'import json,sys; j=json.load(sys.stdin); print([o["id"] for o in j["outputs"] if o["spent"]][0])')
"$S" conf send --from "$D/keys/carol.json" --to "$B_ADDR" --amount 100 --input "$CSPENT" --relay "$RELAY_URL" > /dev/null 2> "$D/err.txt"; rc=$?
check "a relayed double spend is refused by the relay's simulation, never submitted (exit $rc)" \
  '[ $rc -eq 1 ] && grep -q "relay refused it" "$D/err.txt" && grep -q "already exists" "$D/err.txt" && grep -q "double spend" "$D/err.txt"'
check "and costs the relayer nothing" '[ "$(bal $RELAYER)" -eq "$R1" ]'
"$S" conf send --from "$D/keys/carol.json" --to "$B_ADDR" --amount 100 --token AIC --relay "$RELAY_URL" > /dev/null 2> "$D/err.txt"; rc=$?
check "a relayed send in another token than the relay's fee is a usage error" '[ $rc -eq 2 ] && grep -q "takes its fee in SWR" "$D/err.txt"'
"$S" conf relay --key "$D/keys/relayer.json" --listen nonsense --fee 1 > /dev/null 2> "$D/err.txt"; rc=$?
check "conf relay with a bad --listen is a usage error" '[ $rc -eq 2 ] && grep -q "HOST:PORT" "$D/err.txt"'
# --- a wallet refused for a stale quote sends again from a fresh one, a bounded number of times.
# A proxy (tests/e2e/relay_proxy.py) holds carol's first submission until alice's spend through
# the relay has taken the nonce carol was quoted; released, the relay refuses carol's ("built for
# nonce N"), and carol's wallet re-quotes, rebuilds and sends again — no step waits on time.
pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$D/px"
python3 "$E2E_DIR/relay_proxy.py" "$pport" "$rport" "$D/px" hold > /dev/null 2>&1 &
PROXY=$!
for _ in $(seq 1 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $pport))" 2> /dev/null && break; sleep 0.1; done
send conf deposit --from "$D/keys/alice.json" --amount 200000000
check "alice deposits 200000000 confidentially" 'ok_status'
R2=$(bal $RELAYER); BU2=$(unspent bob); CU2=$(unspent carol); AU2=$(unspent alice)
"$S" conf send --from "$D/keys/carol.json" --to "$B_ADDR" --amount 700 --relay http://127.0.0.1:$pport --json \
  > "$D/rx.json" 2> "$D/rx.err" &
XS=$!
for _ in $(seq 1 600); do [ -e "$D/px/HELD" ] && break; sleep 0.1; done
check "carol's first submission, built for the quoted nonce, is held at the proxy" '[ -e "$D/px/HELD" ]'
"$S" conf send --from "$D/keys/alice.json" --to "$B_ADDR" --amount 600 --relay "$RELAY_URL" --json > "$D/out.json" 2> "$D/err.txt"; rc=$?
check "meanwhile alice's relayed send takes that nonce (exit $rc)" '[ $rc -eq 0 ] && ok_status'
touch "$D/px/RELEASE"
wait "$XS"; rc=$?
check "released, carol's send is refused for its stale nonce, re-quoted and sent again: it commits (exit $rc)" \
  '[ $rc -eq 0 ] && grep -q "\"status\": 0" "$D/rx.json" && grep -q "refused attempt 1 of 4 (.*built for nonce" "$D/rx.err" && ! grep -q "attempt 2 of" "$D/rx.err"'
check "the relay saw two submissions from carol: the stale one and the rebuilt one" '[ "$(grep -c relay_submit "$D/px/log")" -eq 2 ]'
check "bob received 700 + 600; carol and alice each paid their amount + the relay's fee once" \
  '[ "$(unspent bob)" -eq $((BU2 + 1300)) ] && [ "$(unspent carol)" -eq $((CU2 - 700 - RFEE)) ] && [ "$(unspent alice)" -eq $((AU2 - 600 - RFEE)) ]'
check "the relayer was paid for two transactions" '[ "$(bal $RELAYER)" -gt $((R2 + 2 * RFEE - 2 * 10000000)) ] && [ "$(bal $RELAYER)" -lt $((R2 + 2 * RFEE)) ]'
kill "$PROXY" 2> /dev/null; wait "$PROXY" 2> /dev/null
# a relay that keeps quoting a nonce it then refuses: the wallet gives up after 4 attempts
mkdir -p "$D/px2"
python3 "$E2E_DIR/relay_proxy.py" "$pport" "$rport" "$D/px2" stale > /dev/null 2>&1 &
PROXY=$!
for _ in $(seq 1 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $pport))" 2> /dev/null && break; sleep 0.1; done
R3=$(bal $RELAYER); CU3=$(unspent carol)
"$S" conf send --from "$D/keys/carol.json" --to "$B_ADDR" --amount 100 --relay http://127.0.0.1:$pport > /dev/null 2> "$D/rx.err"; rc=$?
check "always refused for its nonce, the wallet stops after 4 attempts with the relay's reason (exit $rc)" \
  '[ $rc -eq 1 ] && grep -q "refused attempt 3 of 4" "$D/rx.err" && ! grep -q "attempt 4 of" "$D/rx.err" && grep -q "the relay refused it: refused: built for nonce" "$D/rx.err"'
check "4 submissions reached the relay, nothing was submitted: carol and the relayer unchanged" \
  '[ "$(grep -c relay_submit "$D/px2/log")" -eq 4 ] && [ "$(bal $RELAYER)" -eq "$R3" ] && [ "$(unspent carol)" -eq "$CU3" ]'
kill "$PROXY" 2> /dev/null; wait "$PROXY" 2> /dev/null; PROXY=
# --- the relay serves several clients at once within named bounds (--max-in-flight,
# --per-client). A second relay runs against a stand-in node (tests/e2e/relay_fake_node.py) that
# holds a submission at the node until the test releases it, so every step waits on an event.
PAYLOAD=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["payload"])' "$D/tx.json")
# both ports held at once: asked one after the other, the second may repeat the first
read -r fport r2port < <(python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
mkdir -p "$D/fake"
python3 "$E2E_DIR/relay_fake_node.py" "$fport" "$D/fake" 1339 > /dev/null 2>&1 &
FAKE=$!
for _ in $(seq 1 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $fport))" 2> /dev/null && break; sleep 0.1; done
SUPERVM_RPC=http://127.0.0.1:$fport "$S" conf relay --key "$D/keys/relayer.json" --listen 127.0.0.1:$r2port \
  --fee $RFEE --max-in-flight 2 --per-client 1 > "$D/relay2.log" 2>&1 &
RELAY2=$!
# rsub SOURCE_ADDRESS METHOD PARAMS: one request to the second relay from that loopback address
rsub() { python3 -c "
import http.client, json, sys
c = http.client.HTTPConnection('127.0.0.1', $r2port, timeout=600, source_address=(sys.argv[1], 0))
c.request('POST', '/', json.dumps({'jsonrpc': '2.0', 'id': 1, 'method': sys.argv[2], 'params': json.loads(sys.argv[3])}), {'Content-Type': 'application/json'})
print(json.dumps(json.loads(c.getresponse().read())))" "$@"; }
rinfo() { rsub 127.0.0.1 relay_info '[]' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"][sys.argv[1]])' "$1"; }
for _ in $(seq 1 100); do rsub 127.0.0.1 relay_info '[]' > /dev/null 2>&1 && break; sleep 0.1; done
check "the relay states its bounds" '[ "$(rinfo max_in_flight)" = 2 ] && [ "$(rinfo per_client)" = 1 ]'
rsub 127.0.0.1 relay_submit "[\"$PAYLOAD\", 0]" > "$D/s1.json" 2>&1 &
S1=$!
for _ in $(seq 1 600); do [ -e "$D/fake/HELD" ] && break; sleep 0.1; done
check "a submission passed its checks and is held at the node" '[ -e "$D/fake/HELD" ]'
check "relay_info answers while it is in flight" '[ "$(rinfo in_flight)" = 1 ]'
check "a second submission from the same address is refused at once (per-client bound)" \
  'rsub 127.0.0.1 relay_submit "[\"$PAYLOAD\", 0]" | grep -q "from your address are being served"'
rsub 127.0.0.2 relay_submit "[\"$PAYLOAD\", 0]" > "$D/s3.json" 2>&1 &
S3=$!
for _ in $(seq 1 600); do [ "$(rinfo in_flight)" = 2 ] && break; sleep 0.1; done
check "another client's submission is admitted and waits for the signing lane" '[ "$(rinfo in_flight)" = 2 ]'
check "a third client is refused at once: the relay is full (max in flight)" \
  'rsub 127.0.0.3 relay_submit "[\"$PAYLOAD\", 0]" | grep -q "the relay is serving 2 spends"'
python3 -c "
import http.client, json, socket, sys
slow = []
for i in range(20):  # slow clients: half a request each, never finished while we ask
    s = socket.create_connection(('127.0.0.1', $r2port))
    s.sendall(b'POST / HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"jsonrpc\"')
    slow.append(s)
junk = 0
for i in range(30):  # a flood of junk: each refused without holding anything
    c = http.client.HTTPConnection('127.0.0.1', $r2port, timeout=600, source_address=('127.0.0.4', 0))
    c.request('POST', '/', json.dumps({'jsonrpc': '2.0', 'id': i, 'method': 'relay_submit', 'params': ['00', 0]}))
    junk += 'error' in json.loads(c.getresponse().read())
c = http.client.HTTPConnection('127.0.0.1', $r2port, timeout=600)
c.request('POST', '/', json.dumps({'jsonrpc': '2.0', 'id': 1, 'method': 'relay_info', 'params': []}))
r = json.loads(c.getresponse().read())
print('junk refused', junk, 'info', r['result']['in_flight'])
" > "$D/slow.txt" 2>&1
check "20 half-sent requests and 30 junk submissions: each refused, relay_info still answers" 'grep -q "junk refused 30 info 2" "$D/slow.txt"'
touch "$D/fake/RELEASE"
wait "$S1"; wait "$S3"
check "released, the held submission gets the node's answer" 'grep -q "released by the test" "$D/s1.json"'
check "and the waiting one then takes the lane and reaches the node" 'grep -q "released by the test" "$D/s3.json"'
check "nothing is in flight afterwards" '[ "$(rinfo in_flight)" = 0 ]'
"$S" conf relay --key "$D/keys/relayer.json" --listen 127.0.0.1:1 --fee 1 --max-in-flight 2 --per-client 3 > /dev/null 2> "$D/err.txt"; rc=$?
check "conf relay with --per-client above --max-in-flight is a usage error" '[ $rc -eq 2 ] && grep -q "per-client must be" "$D/err.txt"'
# --- open connections are bounded (--max-connections): a third relay allowing 4. One kept-alive
# connection asks relay_info how many are open while idle ones are opened one at a time; a fifth
# is answered 503 with a JSON-RPC error naming the bound and closed; once one idle closes, a new
# one is served again.
r3port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SUPERVM_RPC=http://127.0.0.1:$fport "$S" conf relay --key "$D/keys/relayer.json" --listen 127.0.0.1:$r3port \
  --fee $RFEE --max-connections 4 > "$D/relay3.log" 2>&1 &
RELAY3=$!
for _ in $(seq 1 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $r3port))" 2> /dev/null && break; sleep 0.1; done
python3 -c "
import http.client, json, socket, time
def info(c):
    c.request('POST', '/', json.dumps({'jsonrpc': '2.0', 'id': 1, 'method': 'relay_info', 'params': []}), {'Content-Type': 'application/json'})
    return json.loads(c.getresponse().read())['result']
def until(c, n):
    for _ in range(10000):  # each look is a request; at most a minute
        r = info(c)
        if r['connections'] == n:
            return r
        time.sleep(0.005)
    raise SystemExit('connections never reached %d: %s' % (n, r))
k = http.client.HTTPConnection('127.0.0.1', $r3port, timeout=60)
until(k, 1)
idle = []
for n in range(2, 5):
    idle.append(socket.create_connection(('127.0.0.1', $r3port)))
    r = until(k, n)
print('max', r['max_connections'], 'open', r['connections'])
s = socket.create_connection(('127.0.0.1', $r3port))
s.sendall(b'POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: 2\\r\\n\\r\\n{}')
s.settimeout(60)
got = b''
while True:
    b = s.recv(4096)
    if not b:
        break
    got += b
print('fifth:', got.split(b'\\r\\n')[0].decode(), json.loads(got.split(b'\\r\\n\\r\\n', 1)[1])['error']['message'])
r = info(k)
print('refused', r['connections_refused'], 'open', r['connections'])
idle[0].close()
until(k, 3)
c = http.client.HTTPConnection('127.0.0.1', $r3port, timeout=60)
print('after a close:', 'fee' in info(c))
" > "$D/conns.txt" 2>&1
check "the relay counts its open connections up to its bound of 4" 'grep -q "^max 4 open 4$" "$D/conns.txt"'
check "a fifth is answered 503 with the bound named, and closed" \
  'grep -q "^fifth: HTTP/1.1 503 Service Unavailable refused: 4 connections are open, the server.s most at once" "$D/conns.txt"'
check "refused connections are counted and never open" 'grep -q "^refused 1 open 4$" "$D/conns.txt"'
check "once an idle one closes, a new connection is served" 'grep -q "^after a close: True$" "$D/conns.txt"'
kill "$RELAY3" 2> /dev/null; wait "$RELAY3" 2> /dev/null; RELAY3=
for v in 0 513; do
  "$S" conf relay --key "$D/keys/relayer.json" --listen 127.0.0.1:1 --fee 1 --max-connections $v > /dev/null 2> "$D/err.txt"; rc=$?
  check "conf relay --max-connections $v is a usage error" '[ $rc -eq 2 ] && grep -q "max-connections must be 1..512" "$D/err.txt"'
done
kill "$RELAY2" "$FAKE" 2> /dev/null; wait "$RELAY2" "$FAKE" 2> /dev/null; RELAY2=; FAKE=
kill "$RELAY" 2> /dev/null; wait "$RELAY" 2> /dev/null; RELAY=
grep -q "ERROR\|assert" "$D/node.log" && bad "node log has errors" || ok "node log clean"
echo "e2e-privacy: $pass passed, $fail failed"
[ $fail -eq 0 ]

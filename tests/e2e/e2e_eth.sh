#!/usr/bin/env bash
# End-to-end test with Ethereum's tools against the real binary (docs/evm.md): a devnet whose
# genesis funds three well-known Ethereum development keys (their identities, SHA-256("svm/id" ‖
# 0x02 ‖ address)), then tests/eth/e2e.mjs — ethers.js v6 and solc-js from npm, unchanged —
# deploys a Solidity ERC-20 and an AMM, transfers, swaps, reads events with eth_getLogs, sees
# revert reasons and the bad-input errors, and makes a WebAssembly contract (deployed here with the
# CLI) and a Solidity one call each other. Prints "e2e-eth: N passed, N failed" last (or "1 skipped" when npm or
# the registry is unavailable, with the reason).
# Usage: e2e_eth.sh path/to/supervm build/e2e-eth
set -u
S=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
J=$2
D=$(mktemp -d /tmp/svm-e2e-eth.XXXXXX)
NODE=
cleanup() { [ -n "$NODE" ] && kill "$NODE" 2>/dev/null && wait "$NODE" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
jget() { sed -n "s/.*\"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" | head -n 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
       echo $((20000 + RANDOM % 20000)))
export SUPERVM_RPC=http://127.0.0.1:$port
bash "$(dirname "$0")/../eth/install.sh" "$J"
rc=$?
if [ $rc -eq 2 ]; then
  # Without npm (or its registry) the ethers.js suite cannot run: say so loudly, count it as
  # skipped, and still check the Ethereum JSON-RPC of a default devnet with curl.
  echo "e2e-eth: ethers.js/solc-js could not be installed: the ethers.js suite is SKIPPED"
  "$S" devnet --data "$D" --listen 127.0.0.1:$port --block-ms 100 > "$D/node.log" 2>&1 &
  NODE=$!
  for _ in $(seq 1 100); do "$S" status > /dev/null 2>&1 && break; sleep 0.1; done
  call() { curl -s -X POST "$SUPERVM_RPC" -H 'Content-Type: application/json' -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}"; }
  p=0; f=0
  t() { if echo "$2" | grep -q "$3"; then p=$((p + 1)); echo "  ok   $1"; else f=$((f + 1)); echo "  FAIL $1: $2"; fi; }
  t "eth_chainId" "$(call eth_chainId '[]')" '"result":"0x539"'
  t "net_version" "$(call net_version '[]')" '"result":"1337"'
  t "a dev account's balance (10^24 wei)" "$(call eth_getBalance '["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","latest"]')" '"result":"0xd3c21bcecceda1000000"'
  t "malformed RLP refused" "$(call eth_sendRawTransaction '["0x02c0"]')" '"error"'
  echo "e2e-eth: $p passed, $f failed, 1 skipped"
  [ $f -eq 0 ]; exit $?
fi
[ $rc -eq 0 ] || { echo "e2e-eth: 0 passed, 1 failed"; exit 1; }
mkdir -p "$D/keys"
for k in validator faucet; do "$S" keys new --out "$D/keys/$k.json" > /dev/null || exit 1; done
FAUCET=$("$S" keys show "$D/keys/faucet.json" --json | jget id)
PK=$("$S" keys show "$D/keys/validator.json" --json | jget public_key)
bal=""
while read -r addr id; do
  bal="$bal{\"owner\": \"$id\", \"token\": \"SWR\", \"amount\": \"1000000000000\"}, "
  [ -z "${first:-}" ] && first=1 && bal="$bal{\"owner\": \"$id\", \"token\": \"AIC\", \"amount\": \"5000000\"}, "
done < <(cd "$J" && node e2e.mjs ids)
cat > "$D/genesis.json" <<JSON
{"chain_id": 1337, "timestamp_ms": 1700000000000, "devnet": true,
 "fees": {"a": 1000, "b": 10, "c": 1, "d": 0},
 "balances": [$bal{"owner": "$FAUCET", "token": "SWR", "amount": "1000000000000000000"}],
 "validators": [{"public_key": "$PK", "stake": 10000000000}]}
JSON
"$S" devnet --data "$D" --listen 127.0.0.1:$port --block-ms 100 > "$D/node.log" 2>&1 &
NODE=$!
for _ in $(seq 1 100); do "$S" status > /dev/null 2>&1 && break; sleep 0.1; done
# the WebAssembly side of the cross-VM checks (contracts/examples/xvm.c), deployed by the faucet
XVM_WASM=$("$S" contract deploy "$(dirname "$S")/contracts/xvm.wasm" --from "$D/keys/faucet.json" --wait \
  2>> "$D/node.log" | sed -n 's/^return: 0x//p')
export XVM_WASM
# the address index from the CLI (supervm address): the contract's derived address and back, the
# genesis faucet's (indexed at genesis), then a link of the faucet's derived address
CLI_WASM_ADDR=$("$S" address "$XVM_WASM" 2>> "$D/node.log")
CLI_WASM_BACK=$("$S" address "$CLI_WASM_ADDR" 2>> "$D/node.log")
FAUCET_ADDR=$("$S" address "$FAUCET" 2>> "$D/node.log")
CLI_FAUCET_BACK=$("$S" address "$FAUCET_ADDR" 2>> "$D/node.log")
"$S" address link "$FAUCET" --from "$D/keys/faucet.json" --wait > "$D/link.out" 2>> "$D/node.log"
CLI_FAUCET_LINKED=$("$S" address "$FAUCET_ADDR" 2>> "$D/node.log")
export CLI_WASM_ADDR CLI_WASM_BACK FAUCET FAUCET_ADDR CLI_FAUCET_BACK CLI_FAUCET_LINKED
(cd "$J" && timeout 240 node e2e.mjs run "$SUPERVM_RPC")
rc=$?
[ $rc -eq 0 ] || tail -n 20 "$D/node.log"
exit $rc

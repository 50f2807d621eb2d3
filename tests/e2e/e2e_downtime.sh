#!/usr/bin/env bash
# End-to-end test of downtime jailing on real node processes (docs/economics.md, "Downtime"): four
# validators, each its own `supervm node` on loopback, whose consensus set is the staking
# program's active set (no fixed_validators), from a genesis with short windows: 40 blocks that
# last at least 12 s of block time (downtime_window_ms), blocks every 50 ms, jailed past half of
# a window (20 of 40, the defaults' share). v2 is a far-away validator (every link to it delayed
# 20 ms each way by tests/e2e/delay_proxy.py), so its votes arrive last. First all four run for
# two windows' time: counted from the late QCs (each block's grandparent QC with the votes that
# came after its quorum), no validator is counted absent from more than a tenth of the blocks and
# nobody is jailed; counted from the parent QCs, as before late QCs, v2 is absent from about 9/16
# of them — past the half that jails (printed with the verdict; asserted at a third). One
# validator is stopped for 25 blocks (about a second and a half: the count alone would jail it)
# and restarted: it is not jailed, a window's time later either. It is stopped again; the other
# three keep finalizing; it is jailed for downtime no sooner than half the time floor after the
# stop — exactly slash_downtime_bps of its bonded stake burned, the unbonding untouched — and is
# out of the next epoch's set (consensus runs three). It is restarted, catches up as a full node,
# its unjail is refused before the delay and accepted after it; the next epoch's set has four
# again, it is a voting validator, and a whole downtime window later it has not been counted
# absent enough to be jailed again (its votes are in the QCs). Then v2 votes twice in one round
# (its key, gossiped as consensus evidence): the nodes submit the slashing transaction
# themselves, v2 is slashed once and jailed. Asserted through JSON-RPC and the CLI.
# FORGE_EVIDENCE: tests/e2e/forge_evidence. Prints "e2e-downtime: N passed, N failed" last.
# Usage: e2e_downtime.sh path/to/supervm. Every wait is for an event (a height, a record) with a
# generous bound.
set -u
FORGE_EVIDENCE=${FORGE_EVIDENCE:-$(dirname "$1")/e2e/forge_evidence}
S=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
D=$(mktemp -d /tmp/svm-e2e-down.XXXXXX)
pass=0; fail=0
PIDS=(0 0 0 0)
T_START=$(date +%s)
ok() { pass=$((pass + 1)); echo "  ok   $1 [$(( $(date +%s) - T_START )) s]"; }
bad() { fail=$((fail + 1)); echo "  FAIL $1 [$(( $(date +%s) - T_START )) s]"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
stop() { [ "${PIDS[$1]}" -gt 0 ] && kill "${PIDS[$1]}" 2>/dev/null && wait "${PIDS[$1]}" 2>/dev/null; PIDS[$1]=0; }
cleanup() {
  for i in 0 1 2 3; do stop $i; done
  for p in "${PROXIES[@]}"; do kill "$p" 2>/dev/null; done
  if [ $fail -eq 0 ] && [ -z "${E2E_KEEP:-}" ]; then rm -rf "$D"; else echo "logs kept in $D/vN/node.log"; fi
}
trap cleanup EXIT
# jq-like field access without jq: python3 (Debian's, installed with python3-numpy). Debian's
# own binary when there is one: a version manager's shim first in PATH (pyenv) costs ~1 s a
# call on a loaded machine, and the polls below call it hundreds of times.
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
jf() { "$PY" -c 'import json,sys
try: o=json.load(sys.stdin)
except Exception: sys.exit(0)
for k in sys.argv[1].split("."):
    o = o.get(k) if isinstance(o, dict) else None
if o is not None: print(str(o).lower() if isinstance(o, bool) else o)' "$1"; }
ports=$("$PY" -c 'import socket
ss=[socket.socket() for _ in range(12)]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))') || exit 1
read -r -a P <<< "$ports"
rpc_of() { echo "http://127.0.0.1:${P[$1]}"; }

# windows: staking epochs of 10 blocks; a validator absent from more than 20 of a 40-block
# window's late QCs is jailed — half, the defaults' share (500 of 1,000). With four equal stakes
# a parent QC holds the leader's own vote and the first two others to arrive, so a live validator
# whose votes are always the last to arrive (the node this script queries most, on a loaded
# machine) is left out of about 3/4 of them: counted from parent QCs, as before late QCs, this
# threshold jailed such an honest validator (and 38 of 40 was needed). The late QC adds every
# vote that arrived within about a round, so that validator is counted present.
# The window also lasts at least WINDOW_MS of block time (docs/economics.md, "Downtime"): at 50 ms
# blocks 40 blocks are 2 s, so the time floor decides, and a stopped validator is jailed once it
# missed more than 20/40 of a window of 12 s or more.
EPOCH=10; WINDOW=40; MISSED=20; WINDOW_MS=12000; STAKE=1000000; LEAK_BPS=10
mkdir -p "$D/keys"
"$S" keys new --out "$D/faucet.json" > /dev/null || exit 1
for i in 0 1 2 3; do
  mkdir -p "$D/v$i/keys"
  "$S" keys new --out "$D/v$i/keys/validator.json" > /dev/null || exit 1
  ID[$i]=$("$S" keys show "$D/v$i/keys/validator.json" --json | jf id)
  PK[$i]=$("$S" keys show "$D/v$i/keys/validator.json" --json | jf public_key)
done
FAUCET=$("$S" keys show "$D/faucet.json" --json | jf id)
{
  echo '{"chain_id": 1340, "timestamp_ms": 1700000000000, "devnet": true,'
  echo ' "fees": {"a": 1000, "b": 10, "c": 1, "d": 0},'
  echo " \"params\": {\"epoch_blocks\": $EPOCH, \"downtime_window_blocks\": $WINDOW, \"downtime_missed_max\": $MISSED,"
  echo "            \"downtime_window_ms\": $WINDOW_MS,"
  echo "            \"slash_downtime_bps\": $LEAK_BPS, \"jail_epochs\": 1, \"stake_min\": 1000, \"issuance_ppb_epoch\": 0},"
  echo " \"balances\": [{\"owner\": \"$FAUCET\", \"token\": \"SWR\", \"amount\": \"1000000000000000000\"}"
  for i in 0 1 2 3; do echo "   , {\"owner\": \"${ID[$i]}\", \"token\": \"SWR\", \"amount\": \"1000000000000000\"}"; done
  echo ' ],'
  echo ' "validators": ['
  for i in 0 1 2 3; do echo "   $([ $i -gt 0 ] && echo ,){\"public_key\": \"${PK[$i]}\", \"stake\": $STAKE}"; done
  echo ' ]}'
} > "$D/genesis.json"
# v2 is a far-away validator: every link to and from it goes through a proxy that delays each
# byte FAR_MS each way (tests/e2e/delay_proxy.py): P[8 + j] forwards to v_j's p2p port — v2 dials
# the others through P[8], P[9], P[11], the others dial v2 through P[10]. So its votes arrive
# about 2 × FAR_MS after the others' (the proposal reaches it late, its vote comes back late):
# the last, consistently, and well within a round (a block every 50 ms or more, the grandchild's
# proposal two of them later).
FAR_MS=20
PROXIES=()
for j in 0 1 2 3; do
  "$PY" "$(dirname "$0")/delay_proxy.py" "${P[$((8 + j))]}" "${P[$((4 + j))]}" "$FAR_MS" > /dev/null 2>&1 &
  PROXIES+=($!)
done
addr_of() { # addr_of FROM TO: where node FROM dials node TO
  if [ "$1" -eq 2 ] || [ "$2" -eq 2 ]; then echo "127.0.0.1:${P[$((8 + $2))]}"; else echo "127.0.0.1:${P[$((4 + $2))]}"; fi
}
for i in 0 1 2 3; do
  peers=""
  for j in 0 1 2 3; do
    [ $j -eq $i ] && continue
    peers="$peers${peers:+, }\"${ID[$j]}@$(addr_of $i $j)\""
  done
  cat > "$D/v$i/config.json" <<JSON
{"data_dir": "data", "genesis": "../genesis.json", "validator_key": "keys/validator.json",
 "rpc": "127.0.0.1:${P[$i]}", "rpc_threads": 1, "p2p": "127.0.0.1:${P[$((4 + i))]}",
 "block_ms": 50, "round_timeout_ms": 600, "exec_threads": 1, "devnet": true, "peers": [$peers]}
JSON
done
# JSON-RPC to node $1 (curl: polling through the CLI costs a process per call)
rpc() {
  curl -s -m 10 -H 'Content-Type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":${3:-[]}}" "$(rpc_of "$1")"
}
start() { "$S" node --config "$D/v$1/config.json" --log "${E2E_LOG:-warn}" >> "$D/v$1/node.log" 2>&1 & PIDS[$1]=$!; }
height() { rpc "$1" svm_getStateRoot | jf result.height; }
# wait_height NODE H [tenths of a second]: node NODE reaches height H
wait_height() {
  for _ in $(seq 1 "${3:-900}"); do [ "$(height "$1")" -ge "$2" ] 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
vshow() { SUPERVM_RPC=$(rpc_of "$1") "$S" validator show "$2" --json 2>/dev/null; }
# btime NODE H: block H's header time (ms); wait_btime NODE MS: node NODE's head is at least that late
btime() { rpc "$1" svm_getBlockByNumber "[$2]" | jf result.timestamp_ms; }
wait_btime() {
  for _ in $(seq 1 1200); do [ "$(btime "$1" "$(height "$1")")" -ge "$2" ] 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
cons() { rpc "$1" svm_status | jf "result.consensus.$2"; }
jailed_now() { rpc "$1" svm_getValidator "[\"$2\"]" | jf result.jailed; }
# wait_cons NODE FIELD VALUE: node NODE's consensus status field reaches VALUE (90 s)
wait_cons() { for _ in $(seq 1 900); do [ "$(cons "$1" "$2")" = "$3" ] && return 0; sleep 0.1; done; return 1; }

for i in 0 1 2 3; do start $i; done
check "four validators from staking commit blocks" 'wait_height 0 3 && wait_height 3 3'
check "consensus runs the staking set of four (not a fixed set)" '[ "$(cons 0 validators)" = 4 ] && [ "$(cons 3 validator)" = true ]'

# --- all four live for a window's time floor: who is counted absent, from the late QCs (what
# the staking program counts) and from the parent QCs (what it counted before late QCs). Read
# from each block's header (svm_getBlockQC's "header": parent_qc certifies height - 1, late_qc
# height - 2); set index = rank of the identity (consensus's set is sorted by it).
# absent_counts LO HI: "late_blocks parent_blocks late0..late3 parent0..parent3"
absent_counts() { "$PY" -c '
import json, sys, urllib.request
url, lo, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ids = [x[2:] if x.startswith("0x") else x for x in sys.argv[4].split()]
rank = sorted(range(4), key=lambda v: bytes.fromhex(ids[v]))  # rank[i] = validator at index i
def var(b, i):
    x = s = 0
    while True:
        c = b[i]; i += 1; x |= (c & 0x7f) << s; s += 7
        if c < 0x80: return x, i
def bits(q):  # QC: tag, block, round, height, parent, parent round, exec root, epoch, bitmap
    if not q: return None
    i = 33; _, i = var(q, i); _, i = var(q, i); i += 32; _, i = var(q, i); i += 32; _, i = var(q, i)
    bl, i = var(q, i)
    if bl == 0: return None
    return [(q[i + k // 8] >> (k % 8)) & 1 if k // 8 < bl else 0 for k in range(4)]
late, parent, nl, np_ = [0] * 4, [0] * 4, 0, 0
for h in range(lo, hi + 1):
    req = urllib.request.Request(url, json.dumps({"jsonrpc": "2.0", "id": 1, "method": "svm_getBlockQC",
        "params": [h]}).encode(), {"Content-Type": "application/json"})
    b = bytes.fromhex(json.load(urllib.request.urlopen(req, timeout=10))["result"]["header"][2:])
    i = 1
    for _ in range(3): _, i = var(b, i)
    i += 32; _, i = var(b, i); i += 32; _, i = var(b, i); i += 96
    n, i = var(b, i); pq = b[i:i + n]; i += n
    n, i = var(b, i); i += n
    lq = b""
    if b[0] == 7: n, i = var(b, i); lq = b[i:i + n]
    for q, cnt, which in ((pq, parent, 0), (lq, late, 1)):
        bm = bits(q)
        if bm is None: continue
        if which: nl += 1
        else: np_ += 1
        for k in range(4): cnt[rank[k]] += 1 - bm[k]
print(nl, np_, *late, *parent)
' "$(rpc_of 0)" "$1" "$2" "${ID[*]}"; }
HL0=$(height 0)
check "all four go on for two windows' time floor (v2 far: ${FAR_MS} ms each way)" \
  'wait_btime 0 $(( $(btime 0 "$HL0") + 2 * WINDOW_MS ))'
HL1=$(height 0)
read -r LB PB L0 L1 L2 L3 P0 P1 P2 P3 <<< "$(absent_counts "$HL0" "$HL1")"
LATE=("$L0" "$L1" "$L2" "$L3"); PAR=("$P0" "$P1" "$P2" "$P3")
LMAX=0
for i in 0 1 2 3; do [ "${LATE[$i]:-0}" -gt "$LMAX" ] && LMAX=${LATE[$i]}; done
echo "  heights $HL0..$HL1: absent from late QCs ${LATE[*]} of $LB; from parent QCs ${PAR[*]} of $PB (v0..v3)"
check "every block's late QC counted (${LB:-0} of $((HL1 - HL0 + 1)) heights; an epoch's first two have none)" \
  '[ -n "$LB" ] && [ $((LB * 10)) -ge $(( (HL1 - HL0 + 1) * 7 )) ]'
# Counted from parent QCs v2 is absent unless it forms the QC (it leads the next round) or its
# vote travels with its own proposal: about 9/16 of the heights, past the threshold's half —
# printed, with the old rule's verdict; asserted at a third (robust to the leaders' draw).
WOULD=no; [ $(( ${PAR[2]:-0} * WINDOW )) -gt $((MISSED * ${PB:-0})) ] && WOULD=yes
echo "  counted from parent QCs (the rule before late QCs), v2 absent from ${PAR[2]} of $PB: past $MISSED/$WINDOW: $WOULD"
check "counted from parent QCs, far v2 absent from more than a third (${PAR[2]} of $PB), from late QCs from at most a tenth (${LATE[2]})" \
  '[ -n "$PB" ] && [ $(( ${PAR[2]:-0} * 3 )) -gt "$PB" ] && [ $(( ${LATE[2]:-0} * 10 )) -le "$LB" ]'
check "counted from late QCs, no validator absent from more than a tenth of the blocks (most: $LMAX of $LB)" \
  '[ -n "$LB" ] && [ $((LMAX * 10)) -le "$LB" ]'
for i in 0 1 2 3; do
  check "v$i (live, v2 far, for two windows) not jailed, nothing leaked" \
    '[ "$(jailed_now 0 "${ID[$i]}")" = false ] && [ "$(vshow 0 "${ID[$i]}" | jf slashed)" = 0 ]'
done

# --- v3 stops for MISSED + 5 blocks and comes back: the count alone (more than 20 of a 40-block
# window) would jail it, the time floor does not (it missed far less than 20/40 of 12 s)
stop 3
HS=$(height 0)
check "three of four go on for $((MISSED + 5)) blocks with v3 stopped" 'wait_height 0 $((HS + MISSED + 5))'
HB=$(height 0)
start 3
ABS_MS=$(( $(btime 0 "$HB") - $(btime 0 "$HS") ))
check "v3 restarted after $((HB - HS)) blocks, ${ABS_MS} ms of block time, and caught up" \
  '[ "$ABS_MS" -lt $((WINDOW_MS * MISSED / WINDOW)) ] && wait_height 3 $(height 0)'
check "a window's time floor after its return, v3 not jailed, nothing leaked" \
  'wait_btime 0 $(( $(btime 0 "$HB") + WINDOW_MS * 3 / 2 )) && [ "$(jailed_now 0 "${ID[3]}")" = false ] && [ "$(vshow 0 "${ID[3]}" | jf slashed)" = 0 ]'

# --- v3 stops; the others go on, and v3 is jailed for downtime
T0=$(vshow 0 "${ID[3]}" | jf tokens)
stop 3
H0=$(height 0)
check "three of four keep finalizing with v3 stopped" 'wait_height 0 $((H0 + 5)) && wait_height 2 $((H0 + 5))'
jailed=
for _ in $(seq 1 1200); do
  [ "$(jailed_now 0 "${ID[3]}")" = true ] && { jailed=1; break; }
  sleep 0.1
done
vshow 0 "${ID[3]}" > "$D/v3-jailed.json"
HJ=$(height 0)
check "v3 jailed for downtime (by height $HJ, stopped at $H0)" '[ -n "$jailed" ]'
LEAK=$((T0 * LEAK_BPS / 10000))
check "exactly ${LEAK_BPS} bps of v3's bonded stake leaked ($T0 → $(jf tokens < "$D/v3-jailed.json"))" \
  '[ "$(jf tokens < "$D/v3-jailed.json")" = $((T0 - LEAK)) ] && [ "$(jf slashed < "$D/v3-jailed.json")" = $LEAK ]'
# the jail is in the settlement receipt of the block that jailed it (svm_getSettlements)
# (at most 1,024 heights a call: the jail is the last few blocks before HJ, found by polling)
HF=$H0; [ $((HJ - HF)) -gt 1000 ] && HF=$((HJ - 1000))
rpc 0 svm_getSettlements "[$HF, $HJ]" > "$D/settlements.json"
down_event() { "$PY" -c '
import json, sys
hits = [(r["height"], x) for r in json.load(open(sys.argv[1]))["result"] for e in r["events"]
        if e["topic"] == "stake/downtime" for x in e["entries"] if x["operator"] == sys.argv[2]]
ok = len(hits) == 1 and hits[0][1]["burned"] == int(sys.argv[3]) and hits[0][1]["missed"] > int(sys.argv[4])
print(hits[0][0] if ok else "")
' "$D/settlements.json" "${ID[3]}" "$LEAK" "$MISSED"; }
HJE=$(down_event)
check "svm_getSettlements: one stake/downtime event names v3, its leak ($LEAK) and more than $MISSED missed votes (block $HJE)" '[ -n "$HJE" ]'
JAIL_MS=0; [ -n "$HJE" ] && JAIL_MS=$(( $(btime 0 "$HJE") - $(btime 0 "$H0") ))
check "jailed ${JAIL_MS} ms of block time after the stop: no sooner than half the time floor ($((WINDOW_MS / 2)) ms)" \
  '[ -n "$HJE" ] && [ "$JAIL_MS" -ge $((WINDOW_MS / 2)) ]'
UNJAIL=$(jf unjail_epoch < "$D/v3-jailed.json")
check "jailed until epoch now + jail_epochs + 1 ($UNJAIL)" '[ "$UNJAIL" -ge $((H0 / EPOCH + 2)) ] && [ "$UNJAIL" -le $((HJ / EPOCH + 2)) ]'
for i in 0 1 2; do
  vshow 0 "${ID[$i]}" > "$D/v$i.json"
  check "v$i (live) not jailed, nothing leaked" '[ "$(jf jailed < "$D/v$i.json")" = false ] && [ "$(jf slashed < "$D/v$i.json")" = 0 ]'
done
check "the next epoch's consensus set is the three others" 'wait_cons 0 validators 3 && wait_cons 1 validators 3'
check "svm_getValidators: v3 out of the active set" \
  '! SUPERVM_RPC=$(rpc_of 0) "$S" validators --json | sed -n "/active_set/,\$p" | grep -q "${PK[3]}"'
H1=$(height 0)
check "the three finalize in the new epoch" 'wait_height 0 $((H1 + 5)) && wait_height 1 $((H1 + 5)) && wait_height 2 $((H1 + 5))'

# --- v3 comes back as a full node, unjails after the delay, rejoins the set
start 3
check "v3 restarted and caught up" 'wait_height 3 $(height 0)'
check "v3 is not in the set it runs with" '[ "$(cons 3 validator)" = false ]'
if [ $(( $(height 0) / EPOCH )) -lt "$UNJAIL" ]; then
  SUPERVM_RPC=$(rpc_of 0) "$S" validator unjail --from "$D/v3/keys/validator.json" --wait --json > "$D/out.json" 2>&1
  st=$(jf status < "$D/out.json"); bh=$(jf block_height < "$D/out.json")
  # the epoch of the block that ran it is what counts (height/EPOCH < UNJAIL there: ESTATE)
  if [ -n "$bh" ] && [ $((bh / EPOCH)) -lt "$UNJAIL" ]; then
    check "unjail before epoch $UNJAIL refused (block $bh, status $st)" '[ -n "$st" ] && [ "$st" != 0 ]'
  fi
fi
wait_height 0 $((UNJAIL * EPOCH)) 1200
SUPERVM_RPC=$(rpc_of 3) "$S" validator unjail --from "$D/v3/keys/validator.json" --wait --json > "$D/out.json" 2>&1
check "unjail at epoch $UNJAIL accepted (sent through v3)" '[ "$(jf status < "$D/out.json")" = 0 ]'
# (v3 returned the receipt; v0, read here, may not have committed that block yet: waited for)
UH=$(jf block_height < "$D/out.json")
check "v3 free again, its leak kept (read from v0 once it holds block $UH)" \
  '[ -n "$UH" ] && wait_height 0 "$UH" && [ "$(vshow 0 "${ID[3]}" | jf jailed)" = false ] && [ "$(vshow 0 "${ID[3]}" | jf tokens)" = $((T0 - LEAK)) ]'
check "the next epoch's set has four again, on every node" \
  'wait_cons 0 validators 4 && wait_cons 1 validators 4 && wait_cons 2 validators 4 && wait_cons 3 validators 4'
check "v3 votes as a validator again" '[ "$(cons 3 validator)" = true ]'
check "svm_getValidators: v3 in the active set" \
  'SUPERVM_RPC=$(rpc_of 0) "$S" validators --json | sed -n "/active_set/,\$p" | grep -q "${PK[3]}"'
H2=$(height 0)
# a window and a half later (in blocks and in block time): had v3 not been signing, it would
# have been jailed again
check "all four go on for a window and a half" \
  'wait_height 0 $((H2 + WINDOW * 3 / 2)) && wait_btime 0 $(( $(btime 0 "$H2") + WINDOW_MS * 3 / 2 )) && wait_height 3 $(height 0)'
vshow 0 "${ID[3]}" > "$D/v3-end.json"
check "v3 counted present: not jailed again, nothing more leaked" \
  '[ "$(jf jailed < "$D/v3-end.json")" = false ] && [ "$(jf slashed < "$D/v3-end.json")" = $LEAK ]'
bhash() { rpc "$1" svm_getBlockByNumber "[$2]" | jf result.hash; }
same_block() { # (each node waited for: the queries above followed v0 and v3 only)
  local h; wait_height 0 "$1" && h=$(bhash 0 "$1"); [ -n "$h" ] || return 1
  for i in 1 2 3; do wait_height $i "$1" && [ "$(bhash $i "$1")" = "$h" ] || return 1; done
}
check "every node holds the same blocks at heights $H0, $HJ and $H2" 'same_block $H0 && same_block $HJ && same_block $H2'

# --- v2 votes twice in one round (its key signs two votes, gossiped to v0 as a peer would): every
# node keeps the evidence and the nodes submit the staking program's evidence transaction
# themselves (no CLI): v2 is slashed slash_double_bps once and jailed, out of the next set
# v2 was far all along: counted from the late QCs it was never jailed (from the parent QCs, the
# rule before late QCs, it was: a run of this script on that binary leaked it, 6 Dec 2026)
check "v2, far all along, never jailed for downtime: nothing leaked" '[ "$(vshow 0 "${ID[2]}" | jf slashed)" = 0 ]'
T2=$(vshow 0 "${ID[2]}" | jf tokens)
VOTER=$(printf '%s\n' "${ID[@]}" | LC_ALL=C sort | grep -n "${ID[2]}" | cut -d: -f1); VOTER=$((VOTER - 1))
E=$(cons 0 epoch); HE=$(( $(height 0) - 2 ))
gossip() { "$FORGE_EVIDENCE" gossip "${P[4]}" "$D/v2/keys/validator.json" 1340 "$E" "$HE" 1000000 "$VOTER"; }
check "a double vote of v2 gossiped to v0" 'gossip'
ev_seen() { for _ in $(seq 1 300); do [ "$(cons "$1" evidence)" -ge 1 ] 2>/dev/null && return 0; sleep 0.1; done; return 1; }
check "every node holds the evidence (v0 checked it and passed it on)" 'ev_seen 0 && ev_seen 1 && ev_seen 3'
jailed=
for _ in $(seq 1 600); do
  [ "$(jailed_now 0 "${ID[2]}")" = true ] && { jailed=1; break; }
  sleep 0.1
done
vshow 0 "${ID[2]}" > "$D/v2-slashed.json"
SLASH=$((T2 * 500 / 10000))
check "v2 slashed by the nodes' own evidence transaction: jailed, exactly 5% burned ($T2 → $(jf tokens < "$D/v2-slashed.json"))" \
  '[ -n "$jailed" ] && [ "$(jf tokens < "$D/v2-slashed.json")" = $((T2 - SLASH)) ] && [ "$(jf slashed < "$D/v2-slashed.json")" = $SLASH ]'
reports() { local t=0 x; for i in 0 1 2 3; do x=$(cons $i "evidence_reports.$1"); t=$((t + ${x:-0})); done; echo $t; }
punished_everywhere() {
  for _ in $(seq 1 300); do [ "$(reports punished)" -ge 3 ] && return 0; sleep 0.1; done; return 1
}
check "the offence left every reporting node's queue as punished" 'punished_everywhere'
SUB=$(reports submitted)
check "submitted by the designated node alone ($SUB submission(s) in all)" '[ "$SUB" -ge 1 ] && [ "$SUB" -le 4 ]'
Q=$(reports queued)
gossip > /dev/null 2>&1
HQ=$(height 0); wait_height 0 $((HQ + 10))
check "the same evidence again: not queued again, not slashed again" \
  '[ "$(reports queued)" = "$Q" ] && [ "$(vshow 0 "${ID[2]}" | jf slashed)" = $SLASH ]'
check "the next epoch's set is the three others" 'wait_cons 0 validators 3 && wait_cons 3 validators 3'
echo "e2e-downtime: $pass passed, $fail failed"
[ $fail -eq 0 ]

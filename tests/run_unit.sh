#!/usr/bin/env bash
# Runs each Criterion test binary in DIR, prints its failures and a per-binary count and wall
# time in seconds, then one closing line "unit: N passed, N failed". A binary that dies before
# Criterion's synthesis line counts as one failure. Usage: run_unit.sh DIR NAME...
set -u
dir=$1; shift
[ $# -gt 0 ] || { echo "run_unit: no test binaries named"; echo "${LABEL:-unit}: 0 passed, 1 failed"; exit 1; }
pass=0; fail=0
for t in "$@"; do
  # A hung test must fail, not stall CI: each binary gets UNIT_TIMEOUT seconds (default 600).
  t0=$(date +%s)
  out=$(timeout -k 5 "${UNIT_TIMEOUT:-600}" "$dir/$t" -j2 2>&1); rc=$?
  secs=$(($(date +%s) - t0))
  [ $rc -eq 124 ] && out="$out
$t: timed out after ${UNIT_TIMEOUT:-600}s"
  syn=$(printf '%s\n' "$out" | grep -a 'Synthesis:' | tail -n 1)
  if [ -z "$syn" ]; then
    printf '%s\n' "$out" | tail -n 30
    echo "$t: no synthesis line (exit $rc)"; fail=$((fail + 1)); continue
  fi
  p=$(printf '%s' "$syn" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
  f=$(printf '%s' "$syn" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
  c=$(printf '%s' "$syn" | sed -n 's/.*Crashing: \([0-9]*\).*/\1/p')
  pass=$((pass + p)); fail=$((fail + f + c))
  # a binary that ran no test proves nothing (a filter or a registration gone wrong)
  if [ "$(printf '%s' "$syn" | sed -n 's/.*Tested: \([0-9]*\).*/\1/p')" = 0 ]; then
    echo "$t: ran no test"; fail=$((fail + 1))
  fi
  if [ $((f + c)) -ne 0 ] || [ $rc -ne 0 ]; then
    printf '%s\n' "$out" | grep -a -E '\[(FAIL|----)\]|Assertion|failed|ERROR|Sanitizer|seed' | head -n 60
    [ $((f + c)) -eq 0 ] && fail=$((fail + 1))
  fi
  printf '  %-28s %4d passed, %d failed %5ds\n' "$t" "$p" $((f + c)) "$secs"
done
echo "${LABEL:-unit}: $pass passed, $fail failed"
[ $fail -eq 0 ]

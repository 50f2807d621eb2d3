#!/usr/bin/env bash
# Model-checks tests/spin/jolteon.pml with spin: the voting and locking rules must be safe
# (exhaustive search, no assertion violated), and each weakened rule (a quorum of 2 of 4; no
# lock check after a timeout certificate) must be refuted (spin finds a violation). Prints one
# line per check and "spin: N passed, N failed". Usage: run.sh BUILD_DIR
set -u
out=${1:-build}/spin
mkdir -p "$out"
model=$(cd "$(dirname "$0")" && pwd)/jolteon.pml
pass=0; fail=0
check() { # name, expect (safe|refuted), spin flags...
  local name=$1 expect=$2; shift 2
  local dir="$out/$name"
  rm -rf "$dir"; mkdir -p "$dir"
  if ! (cd "$dir" && spin "$@" -a "$model" > spin.log 2>&1 && \
        gcc -O2 -DSAFETY -w -o pan pan.c >> spin.log 2>&1); then
    echo "spin $name: could not build the verifier"; tail -n 5 "$dir/spin.log"; fail=$((fail + 1)); return
  fi
  (cd "$dir" && timeout 600 ./pan -m100000 > pan.log 2>&1)
  local errors states
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$dir/pan.log" | tail -n 1)
  states=$(sed -n 's/^ *\([0-9e+.]*\) states, stored.*/\1/p' "$dir/pan.log" | tail -n 1)
  if [ -z "$errors" ]; then
    echo "spin $name: no result"; tail -n 5 "$dir/pan.log"; fail=$((fail + 1)); return
  fi
  if [ "$expect" = safe ] && [ "$errors" = 0 ] && ! grep -q "Search not completed" "$dir/pan.log"; then
    echo "spin $name: safe, exhaustive search of $states states"; pass=$((pass + 1))
  elif [ "$expect" = refuted ] && [ "$errors" != 0 ]; then
    echo "spin $name: refuted as expected ($(grep -m1 'assertion violated' "$dir/pan.log"))"; pass=$((pass + 1))
  else
    echo "spin $name: FAILED (expected $expect, errors $errors)"; fail=$((fail + 1))
  fi
}
if ! command -v spin > /dev/null; then
  echo "spin: not installed (scripts/install-deps.sh installs it)"; echo "spin: 0 passed, 1 failed"; exit 1
fi
check jolteon safe
check quorum-of-2 refuted -DQUORUM=2
check no-lock-check refuted -DLOCK_CHECK=0
echo "spin: $pass passed, $fail failed"
[ $fail -eq 0 ]

#!/usr/bin/env bash
# Runs `node --test` (TAP reporter) with the given arguments and ends its output with the
# project's "NAME: N passed, N failed" line from the runner's own counts. Usage:
#   node-test-log.sh NAME LOG -- node-test-args...
# Writes the output to LOG (through a temporary file, renamed into place); exits non-zero if a
# test failed, none ran, or the runner died.
set -uo pipefail
name=$1 log=$2
shift 3
tmp=$(mktemp "$log.XXXXXX")
if ! command -v node >/dev/null; then
  # A dev box that skipped scripts/install-deps.sh: skipped there, a failure under CI.
  if [ "${CI:-}" = "true" ]; then line="$name: 0 passed, 1 failed"; else line="$name: 0 passed, 0 failed, 1 skipped"; fi
  echo "SKIP: node is not installed (scripts/install-deps.sh installs it)" | tee "$tmp"
  echo "$line" | tee -a "$tmp"
  chmod 644 "$tmp"; mv -f "$tmp" "$log"
  [ "${CI:-}" != "true" ]; exit
fi
node --test --test-reporter=tap "$@" > "$tmp" 2>&1
rc=$?
pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tmp" | tail -n 1)
fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tmp" | tail -n 1)
skipped=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$tmp" | tail -n 1)
grep -E '^(not ok|# (pass|fail|skipped|duration))' "$tmp" || true
if [ -z "$pass" ] || [ -z "$fail" ]; then
  tail -n 40 "$tmp"
  pass=${pass:-0}; fail=$((${fail:-0} + 1))
fi
[ "$rc" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
if [ "${skipped:-0}" -gt 0 ]; then
  printf '%s: %s passed, %s failed, %s skipped\n' "$name" "$pass" "$fail" "$skipped" | tee -a "$tmp"
else
  printf '%s: %s passed, %s failed\n' "$name" "$pass" "$fail" | tee -a "$tmp"
fi
chmod 644 "$tmp"; mv -f "$tmp" "$log"
[ "$fail" -eq 0 ]

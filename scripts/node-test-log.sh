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
node --test --test-reporter=tap "$@" > "$tmp" 2>&1
rc=$?
pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tmp" | tail -n 1)
fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tmp" | tail -n 1)
grep -E '^(not ok|# (pass|fail|skipped|duration))' "$tmp" || true
if [ -z "$pass" ] || [ -z "$fail" ]; then
  tail -n 40 "$tmp"
  pass=${pass:-0}; fail=$((${fail:-0} + 1))
fi
[ "$rc" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
printf '%s: %s passed, %s failed\n' "$name" "$pass" "$fail" | tee -a "$tmp"
chmod 644 "$tmp"; mv -f "$tmp" "$log"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# Adds up the last "WORD: N passed, N failed[, N skipped]" line of each log into one closing line.
# A missing log, or one without such a line, counts as one failure.
set -u
pass=0; fail=0; skip=0
for log in "$@"; do
  line=$(grep -a -E '^[A-Za-z0-9-]+: [0-9]+ passed, [0-9]+ failed' "$log" 2>/dev/null | tail -n 1)
  if [ -z "$line" ]; then echo "summary: $log has no result line"; fail=$((fail + 1)); continue; fi
  p=$(echo "$line" | sed -E 's/^[^:]*: ([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
  s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
  pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + ${s:-0}))
  echo "  $line"
done
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]

#!/usr/bin/env bash
# Adds up the last "WORD: N passed, N failed[, N skipped]" line of each log into one closing line.
# A step cannot pass by running nothing. Each of these counts as one failure:
#   a missing log, or one without such a line;
#   a line that counts no case at all (0 passed, 0 failed, 0 skipped);
#   under CI (CI=true), a step that passed no case (everything skipped: its data is missing).
#   no log named at all, or every step together passing no case.
# On a developer's machine a step that only skipped is listed loudly at the end.
set -u
if [ $# -eq 0 ]; then echo "summary: no step logs given (no test steps?)"; echo "0 passed, 1 failed, 0 skipped"; exit 1; fi
pass=0; fail=0; skip=0; skipped_steps=""
for log in "$@"; do
  line=$(grep -a -E '^[A-Za-z0-9-]+: [0-9]+ passed, [0-9]+ failed' "$log" 2>/dev/null | tail -n 1)
  if [ -z "$line" ]; then echo "summary: $log has no result line"; fail=$((fail + 1)); continue; fi
  p=$(echo "$line" | sed -E 's/^[^:]*: ([0-9]+) passed.*/\1/')
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
  s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
  s=${s:-0}
  pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
  echo "  $line"
  if [ $((p + f + s)) -eq 0 ]; then
    echo "summary: $log ran no case (counted as a failure)"; fail=$((fail + 1))
  elif [ $((p + f)) -eq 0 ]; then
    if [ "${CI:-}" = "true" ]; then
      echo "summary: $log skipped every case under CI (counted as a failure)"; fail=$((fail + 1))
    else
      skipped_steps="$skipped_steps ${log##*/}"
    fi
  fi
done
if [ $pass -eq 0 ] && [ "${CI:-}" = "true" ]; then
  echo "summary: no case passed in any step (counted as a failure)"; fail=$((fail + 1))
fi
[ -n "$skipped_steps" ] && echo "summary: SKIPPED ENTIRELY (no data?):$skipped_steps — see those logs"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]

#!/usr/bin/env bash
# Assertion density: SVM_ASSERT / SVM_VERIFY / _Static_assert per 1,000 lines (all lines of
# the .c and .h files) per folder of src/. Usage: tests/assert_density.sh [FOLDER...]
set -u
cd "$(dirname "$0")/.."
dirs=("$@")
[ ${#dirs[@]} -eq 0 ] && dirs=(src/base src/state src/exec src/mempool src/vm/wasm src/chain src/core src/store src/node)
tl=0; ta=0
for d in "${dirs[@]}"; do
  [ -d "$d" ] || continue
  l=$(cat $(find "$d" -name '*.[ch]') | wc -l)
  a=$(cat $(find "$d" -name '*.[ch]') | grep -o -E '\b(SVM_ASSERT|SVM_VERIFY|_Static_assert)\(' | wc -l)
  tl=$((tl + l)); ta=$((ta + a))
  awk -v d="$d" -v l="$l" -v a="$a" 'BEGIN { printf "  %-16s %6d lines %5d assertions %6.1f per 1,000\n", d, l, a, l ? 1000 * a / l : 0 }'
done
awk -v l="$tl" -v a="$ta" 'BEGIN { printf "  %-16s %6d lines %5d assertions %6.1f per 1,000\n", "total", l, a, l ? 1000 * a / l : 0 }'

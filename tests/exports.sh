#!/usr/bin/env bash
# The `exports` step: libsupervm.a exports the svm_ API and nothing else (the Makefile links
# its objects into one and localizes every other global: docs/testing.md). Fails, naming them,
# on any defined global symbol without the svm_ prefix; also when the archive exports no
# svm_ symbol at all (a broken build rule must not pass as "nothing unprefixed").
# Usage: tests/exports.sh [ARCHIVE]   (default build/libsupervm.a); writes "exports: …" lines.
set -u
lib=${1:-build/libsupervm.a}
[ -f "$lib" ] || { echo "exports: $lib missing"; echo "exports: 0 passed, 1 failed"; exit 1; }
# defined globals (text, data, bss, read-only, weak, common) of every member
syms=$(nm -g --defined-only "$lib" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[TDBRVWCG]$/ { print $3 }' | sort -u)
api=$(printf '%s\n' "$syms" | grep -c '^svm_')
bad=$(printf '%s\n' "$syms" | grep -v -e '^svm_' -e '^$')
pass=0; fail=0
if [ "$api" -gt 0 ]; then pass=$((pass + 1)); else echo "exports: $lib exports no svm_ symbol"; fail=$((fail + 1)); fi
if [ -z "$bad" ]; then
  pass=$((pass + 1))
else
  echo "exports: $lib exports $(printf '%s\n' "$bad" | wc -l) symbols without the svm_ prefix:"
  printf '%s\n' "$bad" | head -n 40 | sed 's/^/  /'
  echo "exports: give them the svm_ prefix (public API) or make them static / leave them to the"
  echo "exports: Makefile's localizing rule"
  fail=$((fail + 1))
fi
echo "exports: $api svm_ symbols exported"
echo "exports: $pass passed, $fail failed"
[ $fail -eq 0 ]

#!/usr/bin/env bash
# `make lint`: cppcheck over src/ with the checked-in configuration below and
# scripts/cppcheck-suppressions.txt. Exits non-zero on any finding. A false positive is fixed
# in the code when that is as clear (e.g. initialise a variable read only on success), else
# suppressed in the suppressions file or inline (// cppcheck-suppress ID) with the reason.
set -u
cd "$(dirname "$0")/.."
command -v cppcheck >/dev/null || { echo "lint: cppcheck is not installed (make deps)"; exit 1; }
out=$(nice cppcheck --quiet --error-exitcode=3 -j2 \
  --enable=warning,portability --std=c11 --inline-suppr \
  --suppressions-list=scripts/cppcheck-suppressions.txt \
  -D__GNUC__ -D__x86_64__ -Iinclude -Isrc \
  --template='{file}:{line}: {severity}: {message} [{id}]' src 2>&1)
rc=$?
printf '%s\n' "$out" | grep -v -E '^\s' | sort -u
n=$(printf '%s\n' "$out" | grep -c -E '^[^ ].*: (error|warning|portability|style|performance): ')
echo "lint: cppcheck $(cppcheck --version | sed 's/Cppcheck //'), $n findings"
# every allocation through base's hook (scripts/alloc_check.sh)
bash scripts/alloc_check.sh; arc=$?
[ $rc -eq 0 ] && [ "$n" -eq 0 ] && [ $arc -eq 0 ]

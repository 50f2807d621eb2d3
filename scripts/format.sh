#!/usr/bin/env bash
# The format check and fixer over the project's .clang-format.
#   format.sh check   fails when a file listed in scripts/format-files.txt is not formatted (what
#                     .ci/run enforces), then reports, without failing, how many other C files
#                     would change.
#   format.sh fix [FILE...]  formats the listed files, or the given ones (`make format`,
#                     `make format FILES="src/x/y.c"`).
# Why a list: the code predates .clang-format, which matches its style closely but not exactly
# (docs/testing.md); files join the list once formatted, and every new file should (add it to
# the list when you land it), so the enforced set only grows.
set -u
cd "$(dirname "$0")/.."
list=scripts/format-files.txt
listed() { grep -v -E '^\s*(#|$)' "$list" | while read -r f; do [ -f "$f" ] && echo "$f"; done; }
cmd=${1:-check}; shift || true
case $cmd in
fix)
  if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(listed); fi
  clang-format -i "${files[@]}"
  ;;
check)
  mapfile -t files < <(listed)
  bad=0
  for f in "${files[@]}"; do
    if ! clang-format "$f" | cmp -s "$f" -; then
      echo "format: $f is not formatted (fix: make format FILES=$f)"
      clang-format "$f" | diff -u "$f" - | head -n 20
      bad=$((bad + 1))
    fi
  done
  others=0
  while read -r f; do
    grep -qxF "$f" "$list" && continue
    clang-format "$f" | cmp -s "$f" - || others=$((others + 1))
  done < <(find src include tests bench -name '*.[ch]' | sort)
  echo "format: ${#files[@]} listed files checked, $bad not formatted;" \
    "$others unlisted C files differ from .clang-format (not enforced)"
  [ $bad -eq 0 ]
  ;;
*) echo "usage: format.sh check | fix [FILE...]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Part of `make lint` (docs/testing.md): every heap allocation of the project's own goes through
# base's hook (svm_malloc, svm_calloc, svm_realloc, svm_strdup, svm_free, svm_big_alloc), so
# fault injection reaches it. Fails, naming file and line, on a plain call of malloc, calloc,
# realloc, reallocarray, aligned_alloc, posix_memalign, strdup, strndup or free in a .c or .h
# file under the given folders (default: src), outside the hook itself (src/base/fault.c,
# src/base/arena.c). A free() of memory a library allocated (jansson's json_dumps, …) is allowed
# only with the marker "alloc-check: foreign" and the reason on the same line.
# Lines that are comments (starting with *, // or /*) are not read.
# Usage: scripts/alloc_check.sh [FOLDER...]
set -u
cd "$(dirname "$0")/.."
roots=("$@")
[ ${#roots[@]} -eq 0 ] && roots=(src)
hook='^(\./)?src/base/(fault|arena)\.c$'
calls='malloc|calloc|realloc|reallocarray|aligned_alloc|posix_memalign|strdup|strndup|free'
found=$(find "${roots[@]}" -name '*.[ch]' -print0 | sort -z | while IFS= read -r -d '' f; do
  [[ $f =~ $hook ]] && continue
  grep -n -E "(^|[^A-Za-z0-9_.>])($calls)[[:space:]]*\(" "$f" |
    grep -v -E '^[0-9]+:[[:space:]]*(\*|//|/\*)' | grep -v 'alloc-check: foreign' | sed "s|^|$f:|"
done)
if [ -n "$found" ]; then
  printf '%s\n' "$found"
  echo "alloc-check: $(printf '%s\n' "$found" | wc -l) plain allocation call(s): use svm_malloc & co" \
    "(base.h) so fault injection reaches them, or mark a free of a library's memory" \
    "'alloc-check: foreign (why)'"
  exit 1
fi
echo "alloc-check: every allocation under ${roots[*]} goes through svm_malloc & co"

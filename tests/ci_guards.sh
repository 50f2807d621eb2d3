#!/usr/bin/env bash
# The `ci-guards` step: shows that the summary and the unit runner cannot pass by running
# nothing (docs/testing.md). Each case feeds tests/summary.sh or tests/run_unit.sh a made-up
# situation and checks its verdict; writes "ci-guards: N passed, N failed".
set -u
cd "$(dirname "$0")/.."
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
pass=0; fail=0
expect() { # expect WANT(0|1) NAME CMD...: WANT 0 = must succeed, 1 = must fail
  local want=$1 name=$2; shift 2
  "$@" > "$d/out" 2>&1; local rc=$?
  if { [ "$want" = 0 ] && [ $rc -eq 0 ]; } || { [ "$want" = 1 ] && [ $rc -ne 0 ]; }; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1)); echo "FAIL $name (exit $rc):"; sed 's/^/    /' "$d/out"
  fi
}
printf 'x: 3 passed, 0 failed\n' > "$d/ok.log"
printf 'x: 0 passed, 0 failed\n' > "$d/none.log"
printf 'x: 0 passed, 0 failed, 2 skipped\n' > "$d/skip.log"
printf 'x: 2 passed, 1 failed\n' > "$d/red.log"
printf 'built, then stopped\n' > "$d/noline.log"
expect 0 "a step that passed" env CI=true bash tests/summary.sh "$d/ok.log"
expect 1 "a failed case" env CI=true bash tests/summary.sh "$d/ok.log" "$d/red.log"
expect 1 "a missing log" env CI=true bash tests/summary.sh "$d/ok.log" "$d/missing.log"
expect 1 "a log without a result line" env CI=true bash tests/summary.sh "$d/ok.log" "$d/noline.log"
expect 1 "a step that counted no case" env CI=true bash tests/summary.sh "$d/ok.log" "$d/none.log"
expect 1 "everything skipped under CI" env CI=true bash tests/summary.sh "$d/ok.log" "$d/skip.log"
expect 0 "everything skipped off CI (loud, not red)" env CI= bash tests/summary.sh "$d/ok.log" "$d/skip.log"
expect 1 "no step at all" env CI=true bash tests/summary.sh
# the unit runner: a binary that registers no test, one that dies, and none named
mkdir -p "$d/bin"
printf '#!/bin/sh\necho "[====] Synthesis: Tested: 0 | Passing: 0 | Failing: 0 | Crashing: 0"\n' > "$d/bin/empty"
printf '#!/bin/sh\nexit 3\n' > "$d/bin/dies"
printf '#!/bin/sh\necho "[====] Synthesis: Tested: 2 | Passing: 2 | Failing: 0 | Crashing: 0"\n' > "$d/bin/good"
chmod +x "$d/bin/"*
expect 0 "a binary that passed" bash tests/run_unit.sh "$d/bin" good
expect 1 "a binary that ran no test" bash tests/run_unit.sh "$d/bin" good empty
expect 1 "a binary that died before its synthesis" bash tests/run_unit.sh "$d/bin" good dies
expect 1 "no binary named" bash tests/run_unit.sh "$d/bin"
# the unit steps' recipes: a failing binary fails `make test-unit` / `make test-asan` (their
# output goes through tee, which must not mask the runner's status) and the log keeps the count
printf '#!/bin/sh\necho "[====] Synthesis: Tested: 2 | Passing: 1 | Failing: 1 | Crashing: 0"\n' > "$d/bin/red"
chmod +x "$d/bin/red"
mkdir -p "$d/b/tests" "$d/b/asan/tests"
cp "$d/bin/red" "$d/bin/good" "$d/b/tests/"; cp "$d/bin/red" "$d/bin/good" "$d/b/asan/tests/"
for step in test-unit test-asan; do
  expect 0 "make $step with a passing binary" make -s --no-print-directory "$step" B="$d/b" TESTS=good
  expect 1 "make $step with a failing binary" make -s --no-print-directory "$step" B="$d/b" TESTS="good red"
  expect 1 "make $step's log counts the failure" env CI=true bash tests/summary.sh "$d/b/$step.log"
done
# the allocation check (part of make lint): a planted plain calloc or free fails it
mkdir -p "$d/src/ok" "$d/src/bad" "$d/src/badfree"
printf 'void *f(void) { return svm_calloc(1, 8); }\nvoid g(void *p) { svm_free(p); }\n/* malloc(n) in a comment */\n' > "$d/src/ok/a.c"
printf 'char *t = json_dumps(j, 0);\nfree(t); /* alloc-check: foreign (jansson) */\nvoid h(s_t *s) { s->free(s); }\n' >> "$d/src/ok/a.c"
printf '#include <stdlib.h>\nvoid *f(void) { return calloc(1, 8); }\n' > "$d/src/bad/b.c"
printf 'void g(void *p) { if (p) free(p); }\n' > "$d/src/badfree/c.h"
expect 0 "alloc-check: calls through the hook, a marked foreign free" bash scripts/alloc_check.sh "$d/src/ok"
expect 1 "alloc-check: a planted plain calloc" bash scripts/alloc_check.sh "$d/src/ok" "$d/src/bad"
expect 1 "alloc-check: a planted plain free in a header" bash scripts/alloc_check.sh "$d/src/badfree"
expect 0 "alloc-check: the tree's src/" bash scripts/alloc_check.sh
echo "ci-guards: $pass passed, $fail failed"
[ $fail -eq 0 ]

#!/usr/bin/env bash
# `make mutate`: one-line mutation testing (docs/testing.md). For each source file given (default:
# the mempool, the reference executor, the ledger, the state tree and the transaction encoder),
# every line gets at most one mutant per operator — a comparison flipped (< <= > >= == !=), a
# logical operator swapped (&& ||), an off-by-one (+ 1 / - 1), a `return 0`-guard dropped — in a
# scratch copy of the tree (build/mutate/tree). Each mutant is built and the file's test suites
# run (plain build, no sanitizer); a failing build is "invalid", a failing suite "killed", a
# passing one "survived" (printed). MUTATE_MAX caps the mutants per file (spread evenly). A
# mutant that runs far longer than the unmutated suite is a hang, counted killed. Every mutant
# is logged in build/mutate/mutate.log, the per-file table in build/mutate/score.md.
# Usage: tests/mutate.sh [FILE:TEST[,TEST...] ...]     e.g. src/mempool/mempool.c:test_mempool
set -u
cd "$(dirname "$0")/.."
root=$PWD
max=${MUTATE_MAX:-40}
specs=("$@")
[ ${#specs[@]} -eq 0 ] && specs=(
  src/mempool/mempool.c:test_mempool,test_selfcheck
  src/exec/seq.c:test_exec,test_chain
  src/vm/host/ledger.c:test_chain,test_exec
  src/state/tree.c:test_state
  src/core/tx.c:test_core
)
tree=build/mutate/tree
rm -rf "$tree" && mkdir -p "$tree"
if git rev-parse --git-dir >/dev/null 2>&1; then
  git ls-files -z | xargs -0 tar -cf - 2>/dev/null | tar -xf - -C "$tree"
else
  tar -cf - --exclude=./build . | tar -xf - -C "$tree"
fi
ln -sfn "$root/../shared" "$tree/../shared" 2>/dev/null || true
log=build/mutate/mutate.log
: > "$log"
echo "| file | candidates | mutants | killed | survived | invalid | score |" > build/mutate/score.md
echo "|---|---|---|---|---|---|---|" >> build/mutate/score.md
ops=('s/ < / <= /' 's/ <= / < /' 's/ > / >= /' 's/ >= / > /' 's/ == / != /' 's/ != / == /'
     's/ && / || /' 's/ || / \&\& /' 's/ + 1\b/ + 0/' 's/ - 1\b/ - 0/')
tk=0; ts=0; ti=0
for spec in "${specs[@]}"; do
  file=${spec%%:*}; tests=${spec#*:}; tests=${tests//,/ }
  (cd "$tree" && make -s -j2 $(for t in $tests; do echo build/tests/$t; done) >/dev/null 2>&1) ||
    { echo "mutate: $file: the unmutated tree does not build"; exit 1; }
  # each suite's unmutated time sets its bound: a mutant that runs 5x longer (+20 s) is a
  # hang, counted killed (the suites would time out on it too)
  declare -A limit=()
  for t in $tests; do
    t0=$(date +%s)
    (cd "$tree" && timeout 900 build/tests/$t -j2 >/dev/null 2>&1) ||
      { echo "mutate: $file: $t fails unmutated"; exit 1; }
    limit[$t]=$(( 5 * ($(date +%s) - t0) + 20 ))
  done
  # candidate (line, op) pairs: code lines only (no comments, no preprocessor, no asserts)
  cands=()
  n=0
  while IFS= read -r line; do
    n=$((n + 1))
    case "$line" in *'/*'*|*'*/'*|\#*|' *'*|*SVM_ASSERT*|*SVM_VERIFY*) continue ;; esac
    [[ "$line" =~ ^[[:space:]]*\* ]] && continue
    for i in "${!ops[@]}"; do
      out=$(printf '%s\n' "$line" | sed -E "${ops[$i]}")
      [ "$out" != "$line" ] && cands+=("$n:$i")
    done
  done < "$file"
  total=${#cands[@]}
  step=1; [ "$total" -gt "$max" ] && step=$(( (total + max - 1) / max ))
  k=0; s=0; inv=0
  for ((c = 0; c < total; c += step)); do
    ln=${cands[$c]%%:*}; op=${cands[$c]#*:}
    cp "$file" "$tree/$file"
    sed -i -E "${ln}${ops[$op]}" "$tree/$file"
    orig=$(sed -n "${ln}p" "$file" | sed 's/^[[:space:]]*//')
    mut=$(sed -n "${ln}p" "$tree/$file" | sed 's/^[[:space:]]*//')
    if ! (cd "$tree" && make -s -j2 $(for t in $tests; do echo build/tests/$t; done) >/dev/null 2>&1); then
      inv=$((inv + 1)); continue
    fi
    killed=0
    for t in $tests; do
      (cd "$tree" && timeout "${limit[$t]}" build/tests/$t -j2 >/dev/null 2>&1) || { killed=1; by=$t; break; }
    done
    if [ $killed -eq 1 ]; then k=$((k + 1)); echo "killed   $file:$ln ($by): $orig  ->  $mut" >> "$log"
    else s=$((s + 1)); echo "SURVIVED $file:$ln: $orig  ->  $mut" | tee -a "$log"; fi
  done
  cp "$file" "$tree/$file"
  echo "mutate: $file: $((k + s + inv)) mutants ($total candidates), $k killed, $s survived, $inv invalid" | tee -a "$log"
  awk -v f="$file" -v t="$total" -v k=$k -v s=$s -v i=$inv 'BEGIN { printf "| %s | %d | %d | %d | %d | %d | %.0f%% |\n", f, t, k + s + i, k, s, i, (k + s) ? 100 * k / (k + s) : 0 }' >> build/mutate/score.md
  tk=$((tk + k)); ts=$((ts + s)); ti=$((ti + inv))
done
awk -v k=$tk -v s=$ts -v i=$ti 'BEGIN { printf "mutate: %d killed, %d survived, %d invalid: score %.1f%%\n", k, s, i, (k + s) ? 100 * k / (k + s) : 0 }' | tee -a "$log"

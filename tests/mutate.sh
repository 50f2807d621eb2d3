#!/usr/bin/env bash
# `make mutate`: one-line mutation testing (docs/testing.md). For each source file given (default:
# the mempool, the reference executor, the ledger, the state tree, the transaction and block
# encoders, the varint codec), every code line gets at most one mutant per operator — a
# comparison flipped (< <= > >= == !=), a logical operator swapped (&& ||), an off-by-one
# (+ 1 / - 1 to + 0 / - 0), a condition dropped (`if (c)` to `if (0 && c)`: the guarded branch
# never runs) — in a scratch copy of the tree (build/mutate/tree, its build seeded from ./build
# when that exists so only the mutated file recompiles). Each mutant is built and the file's
# test suites run (plain build, no sanitizer, --fail-fast, first failing suite stops); a failing
# build is "invalid", a failing suite "killed", a passing one "survived" (printed). MUTATE_MAX
# caps the mutants per file (spread evenly over the candidates). A mutant that runs far longer
# than the unmutated suite is a hang, counted killed. Every mutant is logged in
# build/mutate/mutate.log, the per-file table in build/mutate/score.md.
# Usage: tests/mutate.sh [FILE:TEST[=FILTER][,TEST[=FILTER]...] ...]
#   e.g. src/mempool/mempool.c:test_mempool
#        src/exec/seq.c:test_chain,test_exec='exec/@(routing*|strict*)'   (a Criterion filter)
# The files mutated are read from the snapshot taken at the start, so the work tree may change
# while a pass runs.
set -u
cd "$(dirname "$0")/.."
root=$PWD
max=${MUTATE_MAX:-40}
specs=("$@")
# test_exec's slow differentials (signed blocks, four random shapes) are left out for the
# executor and the ledger: the 100k-account and mixed-garbage differentials, the chains and
# the routing tests cover the same paths in a fifth of the time.
exec_fast='test_exec=exec/!(signed_blocks*|differential_uniform*|differential_zipf*|differential_all*|differential_shared*)'
[ ${#specs[@]} -eq 0 ] && specs=(
  "src/mempool/mempool.c:test_mempool,test_selfcheck"
  "src/exec/seq.c:test_chain,$exec_fast,test_selfcheck=exec_regression/*"
  "src/vm/host/ledger.c:test_chain,$exec_fast,test_selfcheck=ledger_regression/*"
  "src/state/tree.c:test_state"
  "src/core/tx.c:test_core"
  "src/core/block.c:test_core,test_selfcheck=codec_bounds/*"
  "src/base/varint.c:test_base,test_core,test_selfcheck=codec_bounds/*"
)
tree=build/mutate/tree
orig=build/mutate/orig
rm -rf "$tree" "$orig" && mkdir -p "$tree" "$orig"
if git rev-parse --git-dir >/dev/null 2>&1; then
  git ls-files -z | xargs -0 tar -cf - 2>/dev/null | tar -xf - -C "$tree"
else
  tar -cf - --exclude=./build . | tar -xf - -C "$tree"
fi
# seed the scratch build with this tree's objects (timestamps kept: make rebuilds only what is
# older than its sources, i.e. what the work tree has not built yet)
if [ -d build/obj ]; then
  mkdir -p "$tree/build"
  cp -a build/obj "$tree/build/"
  cp -a build/libsupervm*.a "$tree/build/" 2>/dev/null || true
fi
ln -sfn "$root/../shared" "$tree/../shared" 2>/dev/null || true
log=build/mutate/mutate.log
: > "$log"
echo "| file | candidates | mutants | killed | survived | invalid | score |" > build/mutate/score.md
echo "|---|---|---|---|---|---|---|" >> build/mutate/score.md
ops=('s/ < / <= /' 's/ <= / < /' 's/ > / >= /' 's/ >= / > /' 's/ == / != /' 's/ != / == /'
     's/ && / || /' 's/ \|\| / \&\& /' 's/ \+ 1\b/ + 0/' 's/ - 1\b/ - 0/' 's/\bif \(/if (0 \&\& /')
tk=0; ts=0; ti=0
for spec in "${specs[@]}"; do
  file=${spec%%:*}
  IFS=',' read -r -a suites <<< "${spec#*:}"
  bins=(); for s in "${suites[@]}"; do bins+=("build/tests/${s%%=*}"); done
  mkdir -p "$(dirname "$orig/$file")" && cp -p "$tree/$file" "$orig/$file"
  (cd "$tree" && nice make -s -j2 "${bins[@]}" >/dev/null 2>&1) ||
    { echo "mutate: $file: the unmutated tree does not build"; exit 1; }
  run_suite() { # suite, timeout
    local t=${1%%=*} f=
    [[ $1 == *=* ]] && f=${1#*=}
    (cd "$tree" && timeout -k 5 "$2" nice build/tests/$t -j2 --fail-fast ${f:+--filter "$f"} >/dev/null 2>&1)
  }
  # each suite's unmutated time sets its bound: a mutant that runs 5x longer (+30 s) is a
  # hang, counted killed (the suites would time out on it too)
  declare -A limit=()
  for s in "${suites[@]}"; do
    t0=$(date +%s)
    run_suite "$s" 1800 || { echo "mutate: $file: ${s%%=*} fails unmutated"; exit 1; }
    limit[$s]=$(( 5 * ($(date +%s) - t0) + 30 ))
  done
  # candidate (line, op) pairs: code lines only (no comments, no preprocessor, no asserts)
  cands=()
  n=0
  while IFS= read -r line; do
    n=$((n + 1))
    case "$line" in *'/*'*|*'*/'*|\#*|' *'*|*SVM_ASSERT*|*SVM_VERIFY*|*_Static_assert*) continue ;; esac
    [[ "$line" =~ ^[[:space:]]*\* ]] && continue
    for i in "${!ops[@]}"; do
      out=$(printf '%s\n' "$line" | sed -E "${ops[$i]}")
      [ "$out" != "$line" ] && cands+=("$n:$i")
    done
  done < "$orig/$file"
  total=${#cands[@]}
  step=1; [ "$total" -gt "$max" ] && step=$(( (total + max - 1) / max ))
  k=0; s=0; inv=0
  for ((c = 0; c < total; c += step)); do
    ln=${cands[$c]%%:*}; op=${cands[$c]#*:}
    cp "$orig/$file" "$tree/$file"
    sed -i -E "${ln}${ops[$op]}" "$tree/$file"
    o=$(sed -n "${ln}p" "$orig/$file" | sed 's/^[[:space:]]*//')
    m=$(sed -n "${ln}p" "$tree/$file" | sed 's/^[[:space:]]*//')
    if ! (cd "$tree" && nice make -s -j2 "${bins[@]}" >/dev/null 2>&1); then
      inv=$((inv + 1)); echo "invalid  $file:$ln: $o  ->  $m" >> "$log"; continue
    fi
    killed=0
    for st in "${suites[@]}"; do
      run_suite "$st" "${limit[$st]}" || { killed=1; by=${st%%=*}; break; }
    done
    if [ $killed -eq 1 ]; then k=$((k + 1)); echo "killed   $file:$ln ($by): $o  ->  $m" >> "$log"
    else s=$((s + 1)); echo "SURVIVED $file:$ln: $o  ->  $m" | tee -a "$log"; fi
  done
  cp -p "$orig/$file" "$tree/$file"; touch "$tree/$file"
  echo "mutate: $file: $((k + s + inv)) mutants ($total candidates), $k killed, $s survived, $inv invalid" | tee -a "$log"
  awk -v f="$file" -v t="$total" -v k=$k -v s=$s -v i=$inv 'BEGIN { printf "| %s | %d | %d | %d | %d | %d | %.0f%% |\n", f, t, k + s + i, k, s, i, (k + s) ? 100 * k / (k + s) : 0 }' >> build/mutate/score.md
  tk=$((tk + k)); ts=$((ts + s)); ti=$((ti + inv))
  unset limit
done
awk -v k=$tk -v s=$ts -v i=$ti 'BEGIN { printf "mutate: %d killed, %d survived, %d invalid: score %.1f%%\n", k, s, i, (k + s) ? 100 * k / (k + s) : 0 }' | tee -a "$log"
# a pass that mutated nothing proves nothing
[ $((tk + ts)) -gt 0 ]

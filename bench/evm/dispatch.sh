#!/usr/bin/env bash
# make evm-dispatch: the EVM interpreter's dispatch measured (docs/evm.md, "Interpreter design").
# Builds bench_evm three times — the source's switch, the rewritten switch and computed goto
# (bench/evm/dispatch_variant.py) — and counts instructions with callgrind (valgrind) inside
# evm_execute on each workload of bench/evm/contracts.json, with the indirect and conditional
# branch mispredictions of callgrind's branch model. Counts do not depend on the machine's load.
# Usage: dispatch.sh BUILD_DIR "CFLAGS" "LIBS"
set -euo pipefail
out=$1/evm-dispatch cflags=$2 libs=$3
command -v valgrind >/dev/null || { echo "evm-dispatch: valgrind is not installed"; exit 1; }
mkdir -p "$out/inc/vm/evm"
cp src/vm/evm/*.h "$out/inc/vm/evm/"
python3 bench/evm/dispatch_variant.py src/vm/evm/interp.c "$out/interp_variant.c" "$out/inc/vm/evm/dispatch.inc"
# shellcheck disable=SC2086
clang $cflags -Iinclude -Isrc -c src/vm/evm/interp.c -o "$out/interp_source.o"
for v in 0 1; do
  # shellcheck disable=SC2086
  clang $cflags -I"$out/inc" -Iinclude -Isrc -DEVM_DISPATCH_GOTO=$v -c "$out/interp_variant.c" -o "$out/interp_$v.o"
done
for v in source 0 1; do
  # shellcheck disable=SC2086
  clang $cflags -Iinclude -Isrc -o "$out/bench_evm_$v" bench/bench_evm.c "$out/interp_$v.o" "$1/libsupervm.a" $libs
  strip --strip-debug "$out/bench_evm_$v" # valgrind 3.19 cannot read clang's DWARF 5; symbols stay
done
printf '%-8s %-22s %14s %12s %12s\n' workload design instructions cond-miss indir-miss
for w in "erc20 300 1 1" "loop 1 20000 1" "hash 1 1 3000"; do
  set -- $w
  name=$1
  shift
  for v in source 0 1; do
    valgrind --tool=callgrind --branch-sim=yes --toggle-collect=evm_execute \
      --callgrind-out-file="$out/cg.$v.$name" "$out/bench_evm_$v" "$@" >/dev/null 2>&1
    read -r ir bcm bim < <(callgrind_annotate "$out/cg.$v.$name" 2>/dev/null | awk '/PROGRAM TOTALS/ {
      gsub(",", ""); print $1, $5, $9 }')
    case $v in source) d="switch (source)" ;; 0) d="switch (rewritten)" ;; 1) d="computed goto" ;; esac
    printf '%-8s %-22s %14s %12s %12s\n' "$name" "$d" "$ir" "$bcm" "$bim"
  done
done

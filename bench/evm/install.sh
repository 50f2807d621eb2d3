#!/usr/bin/env bash
# Installs the pinned @ethereumjs/evm (bench/evm/package-lock.json) into DIR (build/bench-evm)
# with `npm ci`, beside a copy of the benchmark script, so nothing lands in the source tree.
set -euo pipefail
dir=$1
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
cp "$src/package.json" "$src/package-lock.json" "$src/ejs_bench.mjs" "$dir/"
if [ ! -f "$dir/node_modules/.svm-installed" ] || [ "$src/package-lock.json" -nt "$dir/node_modules/.svm-installed" ]; then
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  touch "$dir/node_modules/.svm-installed"
fi

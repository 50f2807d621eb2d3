#!/usr/bin/env bash
# Installs the pinned ethers.js and solc-js (tests/eth/package-lock.json) into DIR
# (build/e2e-eth) with `npm ci`, beside copies of the test's files, so nothing lands in the
# source tree. Exits 2 when npm is missing or the registry cannot be reached (the caller then
# reports the step as skipped, with the reason).
set -uo pipefail
dir=$1
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
cp "$src/package.json" "$src/package-lock.json" "$src/e2e.mjs" "$src/Token.sol" "$src/Amm.sol" "$dir/"
command -v npm > /dev/null || { echo "e2e-eth: npm is not installed (make deps)"; exit 2; }
if [ ! -f "$dir/node_modules/.svm-installed" ] || [ "$src/package-lock.json" -nt "$dir/node_modules/.svm-installed" ]; then
  (cd "$dir" && timeout 600 npm ci --no-audit --no-fund --loglevel=error) || { echo "e2e-eth: npm ci failed"; exit 2; }
  touch "$dir/node_modules/.svm-installed"
fi

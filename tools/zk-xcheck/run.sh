#!/usr/bin/env bash
# make zk-xcheck: installs @noble/curves (pinned by package-lock.json) under WORKDIR, prints our
# values with EMIT and checks them with xcheck.mjs (docs/privacy.md, "Independent check").
# Usage: run.sh path/to/zk_xcheck_emit WORKDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
emit=$1 work=$2
mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$here/xcheck.mjs" "$work/"
if ! cmp -s "$here/package-lock.json" "$work/node_modules/.svm-lock" 2>/dev/null; then
  (cd "$work" && npm ci --no-audit --no-fund --silent)
  cp "$here/package-lock.json" "$work/node_modules/.svm-lock"
fi
"$emit" > "$work/vectors.json"
cd "$work" && node xcheck.mjs < vectors.json

#!/usr/bin/env bash
# Compiles AssemblyScript contracts into SuperVM WebAssembly modules:
#   build.sh OUT_DIR FILE.ts...   → OUT_DIR/NAME.wasm for each
# The stub runtime (no GC: each call is a fresh instance), AssemblyScript's aborts routed to the
# host's abort(msg, len), no SIMD (the interpreter does not run it), optimized for size.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
shift
mkdir -p "$out"
for f in "$@"; do
  name=$(basename "$f" .ts)
  "$here/node_modules/.bin/asc" "$f" -o "$out/$name.wasm" --runtime stub --optimizeLevel 3 --shrinkLevel 1 \
    --disable simd --use abort=assembly/index/asAbort --baseDir "$here" --noColors
done

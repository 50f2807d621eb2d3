#!/usr/bin/env bash
# Installs the npm packages of the JavaScript parts (sdk/ts, sdk/as, explorer/test) exactly as
# their checked-in package-lock.json pins them (`npm ci`). Idempotent: a folder whose
# node_modules was installed from the same lock file is skipped without touching the network.
# Called by scripts/install-deps.sh and by the make targets that need the packages.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null; then
  echo "npm-deps: npm is not installed (scripts/install-deps.sh installs Node.js and npm)" >&2
  # The JavaScript steps then report themselves skipped (a failure under CI).
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
for d in sdk/ts sdk/as explorer/test; do
  [ -f "$d/package-lock.json" ] || continue
  stamp="$d/node_modules/.svm-lock.sha256"
  want=$(sha256sum "$d/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then continue; fi
  echo "npm-deps: npm ci in $d"
  (cd "$d" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
done

#!/usr/bin/env bash
# Installs the Debian 12 packages SuperVM needs to build, test, fuzz and benchmark.
# Idempotent: packages already present are skipped without touching the network.
set -euo pipefail

PKGS=(
  build-essential make pkg-config
  clang lld llvm libclang-rt-dev
  libsodium-dev libssl-dev liblmdb-dev libevent-dev libjansson-dev libcriterion-dev
  wabt valgrind curl spin
  dataset-fashion-mnist python3-numpy
  libsecp256k1-dev
  prometheus libwebsockets-dev postgresql libpq-dev
  cppcheck clang-format
  chromium
)
# Node.js and npm for the ethers.js end-to-end test (make e2e-eth) and make bench-evm / evm-diff;
# a Node.js installed from elsewhere that brings its own npm is kept as it is.
command -v node > /dev/null || PKGS+=(nodejs)
command -v npm > /dev/null || PKGS+=(npm)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -ne 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The npm packages of sdk/ts, sdk/as and explorer/test, pinned by their package-lock.json.
bash "$(dirname "$0")/npm-deps.sh"

#!/usr/bin/env bash
# Regenerates tests/vectors/groth16/{mul,cube}: compiles each circuit of tools/groth16/circuits
# with circom2, runs a small powers-of-tau ceremony and a Groth16 setup with snarkjs (fixed
# entropy strings: these keys are for tests only), proves one witness and checks it with
# snarkjs, then copies vk.json, proof.json and public.json. Needs node and npm (`make
# groth16-vectors`); the tests only read the checked-in files.
set -euo pipefail
cd "$(dirname "$0")/../tools/groth16"
npm ci --no-audit --no-fund >/dev/null
S=node_modules/.bin/snarkjs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$S powersoftau new bn128 5 "$work/pot0.ptau" >/dev/null
$S powersoftau contribute "$work/pot0.ptau" "$work/pot1.ptau" --name=svm -e="svm-test" >/dev/null
$S powersoftau prepare phase2 "$work/pot1.ptau" "$work/pot.ptau" >/dev/null
gen() { # name input-json
  local n=$1 out=../../tests/vectors/groth16/$1
  npx circom2 "circuits/$n.circom" --r1cs --wasm -o "$work" >/dev/null
  $S groth16 setup "$work/$n.r1cs" "$work/pot.ptau" "$work/${n}0.zkey" >/dev/null
  $S zkey contribute "$work/${n}0.zkey" "$work/$n.zkey" --name=svm -e="svm-test-$n" >/dev/null
  echo "$2" > "$work/$n.input.json"
  $S wtns calculate "$work/${n}_js/$n.wasm" "$work/$n.input.json" "$work/$n.wtns"
  mkdir -p "$out"
  $S zkey export verificationkey "$work/$n.zkey" "$out/vk.json" >/dev/null
  $S groth16 prove "$work/$n.zkey" "$work/$n.wtns" "$out/proof.json" "$out/public.json"
  $S groth16 verify "$out/vk.json" "$out/public.json" "$out/proof.json"
}
gen mul '{"a":"3","b":"11","d":"5"}'
gen cube '{"x":"3"}'

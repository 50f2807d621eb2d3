// Property tests of the SDK's decoders on seeded random mutations of valid encodings: each
// input is either refused with a DecodeError or decoded into a value that encodes back to the
// same bytes (the canonical-encoding property the C decoders have). The seed is printed on failure.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  concat, decodeReceipt, decodeStateProof, decodeTx, DecodeError, encodeUnsigned, Keypair, parseJson,
  payload, signTx, stringifyJson, toHex, utf8,
} from "../src/index.js";

const SEED = Number(process.env.SVM_PROP_SEED ?? 20261205);
const CASES = 3000;

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function mutate(b: Uint8Array, r: () => number): Uint8Array {
  const out = Array.from(b);
  const k = 1 + (r() % 3);
  for (let i = 0; i < k; i++) {
    const what = r() % 4;
    const at = out.length ? r() % out.length : 0;
    if (what === 0 && out.length) out[at] ^= 1 << (r() % 8);
    else if (what === 1) out.splice(at, 0, r() & 255);
    else if (what === 2 && out.length) out.splice(at, 1);
    else out.length = Math.max(0, out.length - 1 - (r() % 8));
  }
  return Uint8Array.from(out);
}

function sample(): Uint8Array[] {
  const k = Keypair.fromSeed(new Uint8Array(32).fill(7));
  const to = new Uint8Array(32).fill(9);
  const base = { chainId: 1337, sender: k.id, nonce: 3, expiryHeight: 1000, feeLimit: 100000, tip: 0, inputs: [], scheme: 1, publicKey: k.publicKey };
  return [
    signTx({ ...base, ...payload.transfer(k.id, to, 5) }, k).raw,
    signTx({ ...base, ...payload.call(to, "increment", utf8("abc"), 7, "SWR") }, k).raw,
    signTx({ ...base, ...payload.deploy(new Uint8Array(40).fill(1)) }, k).raw,
  ];
}

test(`property: a mutated transaction is refused or re-encodes to itself (seed ${SEED})`, () => {
  const r = rng(SEED);
  const seeds = sample();
  let accepted = 0;
  for (let i = 0; i < CASES; i++) {
    const input = mutate(seeds[i % seeds.length], r);
    let d;
    try {
      d = decodeTx(input);
    } catch (e) {
      assert.ok(e instanceof DecodeError, `seed ${SEED} case ${i}: ${String(e)} is not a DecodeError`);
      continue;
    }
    accepted++;
    assert.equal(toHex(concat(encodeUnsigned(d.tx), d.signature)), toHex(input), `seed ${SEED} case ${i}: not canonical`);
  }
  assert.ok(accepted > 0 && accepted < CASES, `seed ${SEED}: ${accepted} of ${CASES} accepted`);
});

test(`property: mutated receipts and state proofs never throw anything but DecodeError (seed ${SEED})`, () => {
  const r = rng(SEED + 1);
  const receipt = concat(Uint8Array.of(2), new Uint8Array(32).fill(3), Uint8Array.of(0, 200, 1, 10, 0, 100, 0, 1),
    new Uint8Array(32).fill(4), Uint8Array.of(2, 0x61, 0x62, 1, 0x63, 0));
  const proof = concat(Uint8Array.of(1, 1, 0x00, 0x03), new Uint8Array(64).fill(5), Uint8Array.of(1), new Uint8Array(64).fill(6));
  decodeReceipt(receipt);
  decodeStateProof(proof);
  for (let i = 0; i < CASES; i++)
    for (const [name, f, b] of [["receipt", decodeReceipt, receipt], ["proof", decodeStateProof, proof]] as const) {
      try {
        (f as (x: Uint8Array) => unknown)(mutate(b, r));
      } catch (e) {
        assert.ok(e instanceof DecodeError, `seed ${SEED} case ${i} (${name}): ${String(e)}`);
      }
    }
});

test(`property: JSON with random u64s survives parse and stringify exactly (seed ${SEED})`, () => {
  const r = rng(SEED + 2);
  for (let i = 0; i < CASES; i++) {
    const v = (BigInt(r()) << 32n) | BigInt(r());
    const back = parseJson(stringifyJson({ v, a: [v, 1] })) as { v: bigint | number };
    assert.equal(BigInt(back.v), v, `seed ${SEED} case ${i}`);
  }
});

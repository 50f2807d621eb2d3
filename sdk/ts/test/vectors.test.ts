// The SDK's encoder against vectors the node's C encoder printed (sdk/vectors/txvectors.c):
// same key → same id, same payload and access lists, same unsigned bytes, id, signature and
// signed bytes; the decoder round-trips them and rejects what the C decoder rejects.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  concat, decodeTx, DecodeError, encodeUnsigned, fromHex, Keypair, parseJson, payload, signTx,
  stringifyJson, toHex, Tx, varint, verifyTx,
} from "../src/index.js";

interface Vector {
  kind: "transfer" | "deploy" | "call"; seed: string; chain_id: string; nonce: string; expiry_height: string;
  fee_limit: string; tip: string; writes: string[]; payload: string; unsigned: string; tx_id: string;
  signature: string; raw: string; sender: string; public_key: string; to?: string; amount?: string;
  token?: string | null; module?: string; contract?: string; method?: string; input?: string;
}

const file = process.env.SVM_TX_VECTORS;
const vectors: Vector[] = file ? JSON.parse(readFileSync(file, "utf8")) : [];

function actionOf(v: Vector, key: Keypair): payload.Action {
  if (v.kind === "transfer") return payload.transfer(key.id, fromHex(v.to!), BigInt(v.amount!), v.token!);
  if (v.kind === "deploy") return payload.deploy(fromHex(v.module!));
  const amount = BigInt(v.amount!);
  return payload.call(fromHex(v.contract!), v.method!, fromHex(v.input!), amount, amount ? v.token! : new Uint8Array(32));
}

function txOf(v: Vector, key: Keypair): Tx {
  const a = actionOf(v, key);
  return {
    chainId: BigInt(v.chain_id), sender: key.id, nonce: BigInt(v.nonce), expiryHeight: BigInt(v.expiry_height),
    feeLimit: BigInt(v.fee_limit), tip: BigInt(v.tip), accessMode: a.accessMode, inputs: [], reads: a.reads,
    writes: a.writes, vm: a.vm, payload: a.payload, scheme: 1, publicKey: key.publicKey,
  };
}

test("the C vectors file was given and is not empty", () => {
  assert.ok(file, "SVM_TX_VECTORS names the file txvectors printed");
  assert.ok(vectors.length >= 40, `only ${vectors.length} vectors`);
});

test("every C vector is reproduced byte for byte: key, payload, access, unsigned, id, signature, raw", () => {
  for (const [i, v] of vectors.entries()) {
    const key = Keypair.fromSeed(fromHex(v.seed));
    assert.equal("0x" + key.idHex, v.sender, `vector ${i}: identity`);
    assert.equal("0x" + toHex(key.publicKey), v.public_key, `vector ${i}: public key`);
    const tx = txOf(v, key);
    assert.equal("0x" + toHex(tx.payload), v.payload, `vector ${i} (${v.kind}): payload`);
    assert.deepEqual(tx.writes.map((w) => "0x" + toHex(w)), v.writes, `vector ${i}: writes`);
    assert.equal("0x" + toHex(encodeUnsigned(tx)), v.unsigned, `vector ${i}: unsigned encoding`);
    const s = signTx(tx, key);
    assert.equal("0x" + s.idHex, v.tx_id, `vector ${i}: id`);
    assert.equal("0x" + toHex(s.signature), v.signature, `vector ${i}: signature`);
    assert.equal(s.rawHex, v.raw, `vector ${i}: signed encoding`);
    assert.ok(verifyTx(s), `vector ${i}: verifies`);
  }
});

test("decoding a C vector gives back its fields and bytes", () => {
  for (const [i, v] of vectors.entries()) {
    const d = decodeTx(fromHex(v.raw));
    assert.equal(d.rawHex, v.raw, `vector ${i}`);
    assert.equal("0x" + d.idHex, v.tx_id);
    assert.equal(d.tx.nonce, BigInt(v.nonce));
    assert.equal(d.tx.chainId, BigInt(v.chain_id));
    assert.equal("0x" + toHex(d.tx.payload), v.payload);
    assert.ok(verifyTx(d));
  }
});

test("the decoder rejects trailing bytes, truncation, non-minimal varints and unknown tags", () => {
  const raw = fromHex(vectors[0]?.raw ?? "0x");
  assert.throws(() => decodeTx(concat(raw, Uint8Array.of(0))), DecodeError);
  assert.throws(() => decodeTx(raw.slice(0, raw.length - 1)), DecodeError);
  const bad = Uint8Array.from(raw);
  bad[0] = 0x02;
  assert.throws(() => decodeTx(bad), DecodeError);
  // chain id 0 written as 0x80 0x00 (non-minimal): the vector 0 has chain id 0.
  assert.equal(vectors[0].chain_id, "0");
  assert.throws(() => decodeTx(concat(raw.slice(0, 1), Uint8Array.of(0x80, 0x00), raw.slice(2))), /non-minimal/);
});

test("a changed byte breaks the signature; unsorted access lists are refused", () => {
  const v = vectors[0];
  const key = Keypair.fromSeed(fromHex(v.seed));
  const s = decodeTx(fromHex(v.raw));
  const sig = Uint8Array.from(s.signature);
  sig[5] ^= 1;
  assert.equal(verifyTx({ ...s, signature: sig }), false);
  const tx = txOf(v, key);
  assert.throws(() => encodeUnsigned({ ...tx, writes: [...tx.writes].reverse() }), /ascending/);
  assert.throws(() => encodeUnsigned({ ...tx, reads: [tx.writes[0]] }), /two access lists/);
  assert.throws(() => signTx(tx, Keypair.fromSeed(new Uint8Array(32))), /not this key's/);
});

test("varints: canonical LEB128 over the whole u64 range", () => {
  assert.equal(toHex(varint(0)), "00");
  assert.equal(toHex(varint(127)), "7f");
  assert.equal(toHex(varint(128)), "8001");
  assert.equal(toHex(varint((1n << 64n) - 1n)), "ffffffffffffffffff01");
  assert.throws(() => varint(1n << 64n), RangeError);
  assert.throws(() => varint(-1), RangeError);
  assert.throws(() => varint(2 ** 60), RangeError, "unsafe numbers must be bigints");
});

test("JSON: integers past 2^53 stay exact", () => {
  const j = parseJson('{"a":18446744073709551615,"b":[1,2.5,"x"],"c":null}') as { a: bigint; b: unknown[] };
  assert.equal(j.a, 18446744073709551615n);
  assert.deepEqual(j.b, [1, 2.5, "x"]);
  assert.equal(stringifyJson({ a: 18446744073709551615n }), '{"a":18446744073709551615}');
  assert.throws(() => parseJson('{"a":1} x'), SyntaxError);
});

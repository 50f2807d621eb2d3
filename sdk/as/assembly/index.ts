// SuperVM contracts in AssemblyScript: typed helpers over the host module (env.ts). A method
// is an exported `function name(): void`; it reads its input with `input()`, returns bytes with
// `setReturn`, and fails the transaction with `require`/`fail` (the message is kept in the
// receipt). Build with `asc FILE.ts --runtime stub --use abort=sdk/as/assembly/index/asAbort`
// (sdk/as/build.sh): each call runs in a fresh instance, so the stub runtime never frees.
import * as env from "./env";

export { env };

/** 32 bytes: an identity, a token id or a hash. */
export type Id = Uint8Array;

function ptr(b: Uint8Array): usize {
  return b.dataStart;
}

function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s, false));
}

/** Fails the transaction with msg (UTF-8). */
export function fail(msg: string): void {
  const b = utf8(msg);
  env.abort(ptr(b), <u32>b.length);
  unreachable();
}

/** Fails the transaction with msg unless cond holds. */
export function require(cond: bool, msg: string): void {
  if (!cond) fail(msg);
}

/** AssemblyScript's own aborts (failed assertions, bounds checks) become ours, with the place. */
export function asAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let m = message !== null ? message : "abort";
  if (fileName !== null) m += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  fail(m);
}

/** The call's input bytes. */
export function input(): Uint8Array {
  const b = new Uint8Array(env.input_size());
  if (b.length > 0) env.input(ptr(b));
  return b;
}

export function setReturn(b: Uint8Array): void {
  env.set_return(ptr(b), <u32>b.length);
}

export function returnU64(v: u64): void {
  setReturn(u64le(v));
}

// ------------------------------------------------------------------ bytes

export function bytesOf(s: string): Uint8Array {
  return utf8(s);
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function equal(a: Uint8Array, b: Uint8Array): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

/** Little-endian u64, as the C SDK's svm_put_u64. */
export function u64le(v: u64): Uint8Array {
  const b = new Uint8Array(8);
  store<u64>(b.dataStart, v);
  return b;
}

export function readU64(b: Uint8Array, offset: i32 = 0): u64 {
  require(offset >= 0 && offset + 8 <= b.length, "input: u64 out of range");
  return load<u64>(b.dataStart + <usize>offset);
}

export function slice32(b: Uint8Array, offset: i32 = 0): Id {
  require(offset >= 0 && offset + 32 <= b.length, "input: 32-byte id out of range");
  return b.slice(offset, offset + 32);
}

// ---------------------------------------------------------------- storage

/** The value under key, or null. */
export function storageGet(key: Uint8Array): Uint8Array | null {
  let cap: u32 = 256;
  for (let round = 0; round < 2; round++) {
    const val = new Uint8Array(cap);
    const n = env.storage_read(ptr(key), <u32>key.length, ptr(val), cap);
    if (n < 0) return null;
    if (<u32>n <= cap) return val.slice(0, n);
    cap = <u32>n;
  }
  return null;
}

export function storageSet(key: Uint8Array, val: Uint8Array): void {
  env.storage_write(ptr(key), <u32>key.length, ptr(val), <u32>val.length);
}

export function storageRemove(key: Uint8Array): void {
  env.storage_remove(ptr(key), <u32>key.length);
}

/** A u64 slot (little-endian, 0 when absent), as svm_load_u64. */
export function loadU64(key: Uint8Array): u64 {
  const v = storageGet(key);
  return v === null || v.length != 8 ? 0 : load<u64>(v.dataStart);
}

/** Stores v, or removes the slot when v is 0 (absent and 0 are the same value). */
export function storeU64(key: Uint8Array, v: u64): void {
  if (v == 0) storageRemove(key);
  else storageSet(key, u64le(v));
}

// ------------------------------------------------------- context, ledger

export function caller(): Id {
  const b = new Uint8Array(32);
  env.caller(ptr(b));
  return b;
}

export function self(): Id {
  const b = new Uint8Array(32);
  env.self(ptr(b));
  return b;
}

export function blockHeight(): u64 {
  return env.block_height();
}

export function blockTimeMs(): u64 {
  return env.block_time();
}

export function sha256(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  env.sha256(ptr(b), <u32>b.length, ptr(out));
  return out;
}

/** A ledger token's id from its symbol: SHA-256("svm/token" ‖ symbol). */
export function tokenId(symbol: string): Id {
  return sha256(concat(utf8("svm/token"), utf8(symbol)));
}

export function balanceOf(token: Id, owner: Id): u64 {
  return env.balance(ptr(token), ptr(owner));
}

/** Pays amount of token from this contract's ledger balance to `to` (aborts if short). */
export function transferOut(token: Id, to: Id, amount: u64): void {
  env.transfer(ptr(token), ptr(to), amount);
}

export function emit(topic: string, data: Uint8Array): void {
  const t = utf8(topic);
  env.emit(ptr(t), <u32>t.length, ptr(data), <u32>data.length);
}

// Groth16 on BN254: 1 the proof verifies, 0 it does not, -1 the key, an input or the proof is
// malformed. inputs: n × 32 bytes big-endian; proof: 256 bytes (docs/privacy.md).
export function groth16Verify(vk: Uint8Array, inputs: Uint8Array, proof: Uint8Array): i32 {
  require(inputs.length % 32 == 0 && proof.length == 256, "groth16: 32-byte inputs, 256-byte proof");
  return env.groth16_verify(ptr(vk), <u32>vk.length, ptr(inputs), <u32>(inputs.length / 32), ptr(proof));
}

export function ed25519Verify(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): bool {
  require(sig.length == 64 && pk.length == 32, "ed25519: 64-byte signature, 32-byte key");
  return env.ed25519_verify(ptr(sig), ptr(msg), <u32>msg.length, ptr(pk)) == 1;
}

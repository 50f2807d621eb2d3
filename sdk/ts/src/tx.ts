// The canonical transaction encoding (docs/encoding.md, tag 0x01), its id and its signature,
// byte for byte as src/core/tx.c writes them:
//   unsigned = 0x01 ‖ chain_id ‖ sender ‖ nonce ‖ expiry ‖ fee_limit ‖ tip ‖ access_mode ‖
//              inputs ‖ reads ‖ writes ‖ vm ‖ payload ‖ scheme ‖ public key
//   tx_id = SHA-256(unsigned), signature = Ed25519(seed, "svm/tx" ‖ tx_id), signed = unsigned ‖ sig
import { sha256 } from "@noble/hashes/sha2.js";
import { compareBytes, concat, DecodeError, Reader, toHex, U64, u64, utf8, varint } from "./bytes.js";
import { SCHEME_ED25519 } from "./ids.js";
import { Keypair, verifyEd25519 } from "./keys.js";
import { identity } from "./ids.js";

export const TAG_TX = 0x01;
/** An Ethereum transaction in a SuperVM block: 0x06 ‖ its network encoding (docs/evm.md). */
export const TAG_ETH_TX = 0x06;
export const TX_BYTES_MAX = 65536;
export const TX_OBJECTS_MAX = 64;
export const TX_PAYLOAD_MAX = 60000;
export const VM_NATIVE = 0;
export const VM_WASM = 1;
/** The EVM's tag. Its transactions are Ethereum's (secp256k1, RLP), never this SDK's encoding. */
export const VM_EVM = 2;
const EVM_REFUSAL =
  "EVM transactions are Ethereum transactions (secp256k1-signed, RLP-encoded, tag 0x06 in blocks), " +
  "which this SDK neither builds, signs nor decodes: use an Ethereum library (ethers.js) with the " +
  "node's eth_sendRawTransaction / eth_getTransactionByHash (docs/evm.md)";

/** True when raw is an Ethereum transaction envelope (tag 0x06), which decodeTx refuses. */
export function isEthTx(raw: Uint8Array): boolean {
  return raw.length > 0 && raw[0] === TAG_ETH_TX;
}
export type AccessMode = "strict" | "dynamic";

export interface TxInput {
  id: Uint8Array;
  version: U64;
}

export interface Tx {
  chainId: U64;
  sender: Uint8Array;
  nonce: U64;
  expiryHeight: U64;
  feeLimit: U64;
  tip: U64;
  accessMode: AccessMode;
  inputs: TxInput[];
  reads: Uint8Array[];
  writes: Uint8Array[];
  vm: number;
  payload: Uint8Array;
  scheme: number;
  publicKey: Uint8Array;
}

export interface SignedTx {
  tx: Tx;
  id: Uint8Array;
  signature: Uint8Array;
  /** The signed encoding: what svm_sendRawTransaction takes. */
  raw: Uint8Array;
  idHex: string;
  rawHex: string;
}

function ascending(ids: Uint8Array[]): boolean {
  for (let i = 1; i < ids.length; i++) if (compareBytes(ids[i - 1], ids[i]) >= 0) return false;
  return true;
}

/** Throws TypeError/RangeError for a transaction the node's encoder would refuse. */
export function checkTx(tx: Tx): void {
  if (tx.accessMode !== "strict" && tx.accessMode !== "dynamic") throw new TypeError("accessMode: strict or dynamic");
  if (tx.vm === VM_EVM) throw new TypeError(`vm ${VM_EVM} (EVM): ${EVM_REFUSAL}`);
  if (tx.vm !== VM_NATIVE && tx.vm !== VM_WASM) throw new TypeError(`vm: unknown ${tx.vm}`);
  if (tx.scheme !== SCHEME_ED25519) throw new TypeError(`scheme: unknown ${tx.scheme}`);
  if (tx.publicKey.length !== 32) throw new TypeError("publicKey: 32 bytes for Ed25519");
  if (tx.sender.length !== 32) throw new TypeError("sender: 32 bytes");
  for (const f of ["chainId", "nonce", "expiryHeight", "feeLimit", "tip"] as const) u64(tx[f], f);
  const lists = { inputs: tx.inputs.map((x) => x.id), reads: tx.reads, writes: tx.writes };
  const seen = new Set<string>();
  for (const [name, ids] of Object.entries(lists)) {
    if (ids.length > TX_OBJECTS_MAX) throw new RangeError(`${name}: more than ${TX_OBJECTS_MAX} ids`);
    if (ids.some((id) => id.length !== 32)) throw new TypeError(`${name}: ids are 32 bytes`);
    if (!ascending(ids)) throw new TypeError(`${name}: ids must be strictly ascending`);
    for (const id of ids) {
      const h = toHex(id);
      if (seen.has(h)) throw new TypeError(`${name}: ${h} is in two access lists`);
      seen.add(h);
    }
  }
  if (tx.payload.length > TX_PAYLOAD_MAX) throw new RangeError(`payload: over ${TX_PAYLOAD_MAX} bytes`);
}

function bytesField(b: Uint8Array): Uint8Array {
  return concat(varint(b.length), b);
}

export function encodeUnsigned(tx: Tx): Uint8Array {
  checkTx(tx);
  const list = (ids: Uint8Array[]) => concat(varint(ids.length), ...ids);
  const out = concat(
    Uint8Array.of(TAG_TX),
    varint(tx.chainId),
    tx.sender,
    varint(tx.nonce),
    varint(tx.expiryHeight),
    varint(tx.feeLimit),
    varint(tx.tip),
    Uint8Array.of(tx.accessMode === "strict" ? 0 : 1),
    varint(tx.inputs.length),
    ...tx.inputs.map((x) => concat(x.id, varint(x.version))),
    list(tx.reads),
    list(tx.writes),
    Uint8Array.of(tx.vm),
    bytesField(tx.payload),
    Uint8Array.of(tx.scheme),
    tx.publicKey,
  );
  if (out.length + 64 > TX_BYTES_MAX) throw new RangeError(`transaction: over ${TX_BYTES_MAX} bytes`);
  return out;
}

export function txId(tx: Tx): Uint8Array {
  return sha256(encodeUnsigned(tx));
}

/** The message an Ed25519 transaction signature covers: "svm/tx" ‖ tx_id. */
export function signingMessage(id: Uint8Array): Uint8Array {
  return concat(utf8("svm/tx"), id);
}

function signed(tx: Tx, unsigned: Uint8Array, signature: Uint8Array): SignedTx {
  const id = sha256(unsigned);
  const raw = concat(unsigned, signature);
  return { tx, id, signature, raw, idHex: toHex(id), rawHex: "0x" + toHex(raw) };
}

/** Signs tx with key; tx.sender, scheme and publicKey must be the key's. */
export function signTx(tx: Tx, key: Keypair): SignedTx {
  if (compareBytes(tx.sender, key.id) !== 0 || compareBytes(tx.publicKey, key.publicKey) !== 0)
    throw new TypeError("the transaction's sender and public key are not this key's");
  const unsigned = encodeUnsigned(tx);
  return signed(tx, unsigned, key.sign(signingMessage(sha256(unsigned))));
}

/** Decodes a signed transaction, rejecting what the node's decoder rejects. */
export function decodeTx(raw: Uint8Array): SignedTx {
  if (raw.length > TX_BYTES_MAX) throw new DecodeError(`transaction: over ${TX_BYTES_MAX} bytes`);
  if (isEthTx(raw)) throw new DecodeError(`tx.tag: 0x06, an Ethereum transaction: ${EVM_REFUSAL}`);
  const r = new Reader(raw);
  if (r.u8("tx.tag") !== TAG_TX) throw new DecodeError("tx.tag: not a transaction");
  const chainId = r.varint("tx.chain_id");
  const sender = r.bytes(32, "tx.sender");
  const nonce = r.varint("tx.nonce");
  const expiryHeight = r.varint("tx.expiry_height");
  const feeLimit = r.varint("tx.fee_limit");
  const tip = r.varint("tx.tip");
  const mode = r.u8("tx.access_mode");
  if (mode > 1) throw new DecodeError(`tx.access_mode: unknown ${mode}`);
  const inputs: TxInput[] = [];
  for (let n = r.len(TX_OBJECTS_MAX, "tx.inputs"), i = 0; i < n; i++)
    inputs.push({ id: r.bytes(32, "tx.inputs"), version: r.varint("tx.inputs.version") });
  const ids = (what: string) => {
    const out: Uint8Array[] = [];
    for (let n = r.len(TX_OBJECTS_MAX, what), i = 0; i < n; i++) out.push(r.bytes(32, what));
    return out;
  };
  const reads = ids("tx.reads");
  const writes = ids("tx.writes");
  const vm = r.u8("tx.vm");
  const payload = r.bytes(r.len(TX_PAYLOAD_MAX, "tx.payload"), "tx.payload");
  const scheme = r.u8("tx.scheme");
  if (scheme !== SCHEME_ED25519) throw new DecodeError(`tx.scheme: unknown ${scheme}`);
  const publicKey = r.bytes(32, "tx.public_key");
  const unsignedLen = r.offset;
  const signature = r.bytes(64, "tx.signature");
  r.end("tx");
  const tx: Tx = {
    chainId, sender, nonce, expiryHeight, feeLimit, tip,
    accessMode: mode === 0 ? "strict" : "dynamic",
    inputs, reads, writes, vm, payload, scheme, publicKey,
  };
  try {
    checkTx(tx);
  } catch (e) {
    throw new DecodeError(`tx: ${(e as Error).message}`);
  }
  return signed(tx, raw.slice(0, unsignedLen), signature);
}

/** The node's rule: the sender is the key's identity and the signature verifies. */
export function verifyTx(s: SignedTx): boolean {
  if (compareBytes(s.tx.sender, identity(s.tx.publicKey, s.tx.scheme)) !== 0) return false;
  return verifyEd25519(s.signature, signingMessage(s.id), s.tx.publicKey);
}

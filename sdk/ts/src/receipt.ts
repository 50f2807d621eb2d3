// Receipts (tag 0x02) and their RFC 6962 inclusion proofs against a block's receipts root, checked
// in the client as `supervm receipt` checks them (src/crypto/merkle.c svm_merkle_verify).
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, DecodeError, equalBytes, fromHex, Reader, toHex } from "./bytes.js";

export const TAG_RECEIPT = 0x02;
export const STATUS_MAX = 25; // −SVM_E_LAST
export const MERKLE_PROOF_MAX = 32;

export interface DecodedEvent {
  emitter: Uint8Array;
  topic: Uint8Array;
  data: Uint8Array;
}

export interface DecodedReceipt {
  txId: Uint8Array;
  status: number;
  txBytes: bigint;
  steps: bigint;
  memBytes: bigint;
  feeCharged: bigint;
  tipPaid: bigint;
  events: DecodedEvent[];
  returnData: Uint8Array;
}

export function decodeReceipt(raw: Uint8Array): DecodedReceipt {
  const r = new Reader(raw);
  if (r.u8("receipt.tag") !== TAG_RECEIPT) throw new DecodeError("receipt.tag: not a receipt");
  const txId = r.bytes(32, "receipt.tx_id");
  const status = r.u8("receipt.status");
  if (status > STATUS_MAX) throw new DecodeError(`receipt.status: unknown ${status}`);
  const txBytes = r.varint("receipt.tx_bytes");
  const steps = r.varint("receipt.steps");
  const memBytes = r.varint("receipt.mem_bytes");
  const feeCharged = r.varint("receipt.fee_charged");
  const tipPaid = r.varint("receipt.tip_paid");
  const events: DecodedEvent[] = [];
  for (let n = r.len(64, "receipt.events"), i = 0; i < n; i++) {
    const emitter = r.bytes(32, "event.emitter");
    const topic = r.bytes(r.len(64, "event.topic"), "event.topic");
    const data = r.bytes(r.len(4096, "event.data"), "event.data");
    events.push({ emitter, topic, data });
  }
  const returnData = r.bytes(r.len(4096, "receipt.return_data"), "receipt.return_data");
  r.end("receipt");
  return { txId, status, txBytes, steps, memBytes, feeCharged, tipPaid, events, returnData };
}

export function merkleLeafHash(leaf: Uint8Array): Uint8Array {
  return sha256(concat(Uint8Array.of(0), leaf));
}

export function merkleNodeHash(l: Uint8Array, r: Uint8Array): Uint8Array {
  return sha256(concat(Uint8Array.of(1), l, r));
}

/** RFC 6962 / 9162 inclusion proof check: is leafHash the index-th of size leaves under root? */
export function merkleVerify(root: Uint8Array, leafHash: Uint8Array, index: number, size: number, path: Uint8Array[]): boolean {
  if (size <= 0 || size > 2 ** 32 || index < 0 || index >= size || path.length > MERKLE_PROOF_MAX) return false;
  let fn = BigInt(index), sn = BigInt(size - 1);
  let r = leafHash;
  for (const p of path) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = merkleNodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = merkleNodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalBytes(r, root);
}

export interface ReceiptProofJson {
  leaf_index: number;
  leaf_count: number;
  path: string[];
  receipts_root: string;
}

/** Checks a receipt's proof against receiptsRoot (hex), or the root the proof names, and that
 * the raw receipt says what its JSON fields say. Returns the reason it fails, or null. */
export function receiptProofError(
  rc: { raw: string; tx_hash: string; status: number; proof?: ReceiptProofJson },
  receiptsRoot?: string,
): string | null {
  if (!rc.proof) return "no proof";
  let d: DecodedReceipt;
  try {
    d = decodeReceipt(fromHex(rc.raw));
  } catch (e) {
    return `raw receipt: ${(e as Error).message}`;
  }
  if (toHex(d.txId) !== rc.tx_hash) return "raw receipt names another transaction";
  if (d.status !== rc.status) return "raw receipt has another status";
  const root = receiptsRoot ?? rc.proof.receipts_root;
  if (root !== rc.proof.receipts_root) return "the proof is for another receipts root";
  const ok = merkleVerify(fromHex(root, 32), merkleLeafHash(fromHex(rc.raw)), rc.proof.leaf_index,
    rc.proof.leaf_count, rc.proof.path.map((h) => fromHex(h, 32)));
  return ok ? null : "the inclusion proof does not verify";
}

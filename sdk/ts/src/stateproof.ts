// State-tree proofs (docs/state.md): the 16-ary sparse Merkle tree's inclusion and exclusion
// proofs, checked in the client exactly as src/state/proof.c svm_state_proof_verify does.
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, DecodeError, equalBytes, fromHex, Reader } from "./bytes.js";

export const STATE_PROOF_FORMAT = 1;
export const STATE_PROOF_LEVELS_MAX = 64;

export interface StateProof {
  levels: { bitmap: number; siblings: Uint8Array[] }[];
  /** The terminal leaf (key, value hash), or null when the path ends at an empty slot. */
  leaf: { key: Uint8Array; valueHash: Uint8Array } | null;
}

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

export function decodeStateProof(bytes: Uint8Array): StateProof {
  const r = new Reader(bytes);
  if (r.u8("proof.format") !== STATE_PROOF_FORMAT) throw new DecodeError("proof.format: unknown");
  const n = r.u8("proof.levels");
  if (n > STATE_PROOF_LEVELS_MAX) throw new DecodeError("proof.levels: over 64");
  const levels: StateProof["levels"] = [];
  for (let i = 0; i < n; i++) {
    const bm = r.bytes(2, "proof.bitmap");
    const bitmap = (bm[0] << 8) | bm[1];
    const k = popcount(bitmap);
    if (k === 16) throw new DecodeError("proof.bitmap: names every slot");
    const siblings: Uint8Array[] = [];
    for (let j = 0; j < k; j++) siblings.push(r.bytes(32, "proof.sibling"));
    levels.push({ bitmap, siblings });
  }
  const term = r.u8("proof.terminal");
  if (term > 1) throw new DecodeError("proof.terminal: unknown");
  const leaf = term === 1 ? { key: r.bytes(32, "proof.leaf_key"), valueHash: r.bytes(32, "proof.value_hash") } : null;
  r.end("proof");
  if (n > 0 && levels[n - 1].bitmap === 0) throw new DecodeError("proof: the lowest level has no sibling");
  return { levels, leaf };
}

const nibble = (key: Uint8Array, i: number) => (i % 2 === 0 ? key[i >> 1] >> 4 : key[i >> 1] & 15);

/** Is value (SHA-256 of the object's bytes; null for "absent") the state of key under root? */
export function stateProofVerify(root: Uint8Array, key: Uint8Array, valueHash: Uint8Array | null, proof: Uint8Array): boolean {
  let p: StateProof;
  try {
    p = decodeStateProof(proof);
  } catch {
    return false;
  }
  const sameKey = p.leaf !== null && equalBytes(p.leaf.key, key);
  if (valueHash) {
    if (!sameKey || !equalBytes(p.leaf!.valueHash, valueHash)) return false;
  } else if (sameKey) {
    return false;
  }
  const L = p.levels.length;
  if (p.leaf) for (let i = 0; i < L; i++) if (nibble(p.leaf.key, i) !== nibble(key, i)) return false;
  let cur: Uint8Array = p.leaf ? sha256(concat(Uint8Array.of(0), p.leaf.key, p.leaf.valueHash)) : new Uint8Array(32);
  let present = p.leaf !== null;
  for (let i = L - 1; i >= 0; i--) {
    const nib = nibble(key, i);
    const lv = p.levels[i];
    if (lv.bitmap & (1 << nib)) return false;
    if (!present && lv.bitmap === 0) return false;
    if (lv.bitmap === 0 && i + 1 === L && p.leaf) return false;
    const full = lv.bitmap | (present ? 1 << nib : 0);
    const hashes: Uint8Array[] = [];
    for (let c = 0, s = 0; c < 16; c++) {
      if (!(full & (1 << c))) continue;
      hashes.push(c === nib && present ? cur : lv.siblings[s++]);
    }
    cur = sha256(concat(Uint8Array.of(1, full >> 8, full & 255), ...hashes));
    present = true;
  }
  return equalBytes(cur, root);
}

/** Checks an svm_getProof answer: the object (if any) is the one asked for and the proof
 * puts it (or its absence) under stateRoot (hex; default the root the answer names).
 * Returns the reason it fails, or null. */
export function stateProofError(
  p: { object_id: string; state_root: string; exists: boolean; object?: string | null; proof: string },
  stateRoot?: string,
): string | null {
  const root = stateRoot ?? p.state_root;
  if (root !== p.state_root) return "the proof is for another state root";
  const key = fromHex(p.object_id, 32);
  let vh: Uint8Array | null = null;
  if (p.exists) {
    if (!p.object) return "an inclusion proof without the object";
    const obj = fromHex(p.object);
    if (obj.length < 33 || obj[0] !== 0x04 || !equalBytes(obj.slice(1, 33), key)) return "the object is not the one asked for";
    vh = sha256(obj);
  }
  return stateProofVerify(fromHex(root, 32), key, vh, fromHex(p.proof)) ? null : "the state proof does not verify";
}

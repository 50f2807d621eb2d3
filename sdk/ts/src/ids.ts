// Identities and object ids, derived exactly as the node derives them (docs/encoding.md,
// docs/execution.md): each is SHA-256 of an ASCII tag and the parts, no separators.
import { sha256 } from "@noble/hashes/sha2.js";
import { concat, fromHex, u64, utf8 } from "./bytes.js";

export const SCHEME_ED25519 = 1;

export function tagged(tag: string, ...parts: Uint8Array[]): Uint8Array {
  return sha256(concat(utf8(tag), ...parts));
}

/** id = SHA-256("svm/id" ‖ scheme ‖ public key). */
export function identity(publicKey: Uint8Array, scheme = SCHEME_ED25519): Uint8Array {
  return tagged("svm/id", Uint8Array.of(scheme), publicKey);
}

/** A token's id from its symbol ("SWR", "AIC"): SHA-256("svm/token" ‖ symbol). */
export function tokenId(symbol: string): Uint8Array {
  return tagged("svm/token", utf8(symbol));
}

export const SWR = tokenId("SWR");
export const AIC = tokenId("AIC");

/** "SWR", "AIC", 64 hex digits (optional 0x) or 32 bytes → the token id. */
export function token(t: string | Uint8Array = "SWR"): Uint8Array {
  if (t instanceof Uint8Array) {
    if (t.length !== 32) throw new TypeError("a token id is 32 bytes");
    return t;
  }
  if (t === "SWR") return SWR;
  if (t === "AIC") return AIC;
  return fromHex(t, 32);
}

export function balanceId(tok: Uint8Array, owner: Uint8Array): Uint8Array {
  return tagged("svm/bal", tok, owner);
}

export function accountId(owner: Uint8Array): Uint8Array {
  return tagged("svm/acct", owner);
}

export function tokenObjectId(tok: Uint8Array): Uint8Array {
  return tagged("svm/tok", tok);
}

/** A user token's id: SHA-256("svm/token/new" ‖ creator ‖ u64be nonce of the creating transaction). */
export function newTokenId(creator: Uint8Array, nonce: number | bigint): Uint8Array {
  const be = new Uint8Array(8);
  new DataView(be.buffer).setBigUint64(0, u64(nonce, "nonce"), false);
  return tagged("svm/token/new", creator, be);
}

/** A WebAssembly contract's id: SHA-256("svm/contract" ‖ deployer ‖ u64be nonce of the deploy). */
export function contractId(deployer: Uint8Array, nonce: number | bigint): Uint8Array {
  const be = new Uint8Array(8);
  new DataView(be.buffer).setBigUint64(0, u64(nonce, "nonce"), false);
  return tagged("svm/contract", deployer, be);
}

/** The id of a deployed module's code object: SHA-256(module). */
export function codeId(module: Uint8Array): Uint8Array {
  return sha256(module);
}

// Payloads of the native ledger program and of WebAssembly contracts, with the access lists the
// CLI declares for them (src/vm/native/ledger_program.c svm_native_access, src/cli/cmd_contract.c).
import { compareBytes, concat, toHex, U64, utf8, varint } from "./bytes.js";
import { balanceId, newTokenId, token as tokenOf, tokenObjectId } from "./ids.js";
import { AccessMode, VM_NATIVE, VM_WASM } from "./tx.js";

export const PROGRAM_LEDGER = 1;
export const LEDGER_TRANSFER = 1;
export const LEDGER_CREATE_TOKEN = 2;
export const CONTRACT_OP_DEPLOY = 1;
export const CONTRACT_OP_CALL = 2;
export const CONTRACT_METHOD_MAX = 64;

/** What a transaction runs: its VM, payload and declared access. */
export interface Action {
  vm: number;
  payload: Uint8Array;
  accessMode: AccessMode;
  reads: Uint8Array[];
  writes: Uint8Array[];
}

function sortedUnique(ids: Uint8Array[]): Uint8Array[] {
  const s = [...ids].sort(compareBytes);
  return s.filter((id, i) => i === 0 || toHex(id) !== toHex(s[i - 1]));
}

/** A native transfer: strict, writing the two balances (token, sender) and (token, to). */
export function transfer(sender: Uint8Array, to: Uint8Array, amount: U64, token: string | Uint8Array = "SWR"): Action {
  const tok = tokenOf(token);
  if (to.length !== 32) throw new TypeError("to: 32 bytes");
  const payload = concat(varint(PROGRAM_LEDGER), varint(LEDGER_TRANSFER), tok, to, varint(amount));
  return {
    vm: VM_NATIVE, payload, accessMode: "strict", reads: [],
    writes: sortedUnique([balanceId(tok, sender), balanceId(tok, to)]),
  };
}

/** Creates a user token (symbol 1–16 bytes, decimals, supply minted to the sender): strict,
 * writing the token object and the sender's balance of it. Its id is newTokenId(sender, nonce). */
export function createToken(sender: Uint8Array, nonce: U64, symbol: string, decimals: number, supply: U64): Action {
  const sym = utf8(symbol);
  if (sym.length === 0 || sym.length > 16) throw new RangeError("symbol: 1 to 16 bytes");
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 255) throw new RangeError("decimals: 0 to 255");
  const tok = newTokenId(sender, nonce);
  const payload = concat(varint(PROGRAM_LEDGER), varint(LEDGER_CREATE_TOKEN), varint(sym.length), sym, varint(decimals), varint(supply));
  return { vm: VM_NATIVE, payload, accessMode: "strict", reads: [], writes: sortedUnique([tokenObjectId(tok), balanceId(tok, sender)]) };
}

/** Deploys a WebAssembly module (dynamic access). The receipt's return data is the contract id. */
export function deploy(module: Uint8Array): Action {
  return { vm: VM_WASM, payload: concat(Uint8Array.of(CONTRACT_OP_DEPLOY), module), accessMode: "dynamic", reads: [], writes: [] };
}

/** Calls method on contract with input, attaching amount of token (moved to the contract first). */
export function call(
  contract: Uint8Array, method: string, input: Uint8Array = new Uint8Array(0),
  amount: U64 = 0, token: string | Uint8Array = new Uint8Array(32),
): Action {
  const m = utf8(method);
  if (m.length === 0 || m.length > CONTRACT_METHOD_MAX) throw new RangeError(`method: 1 to ${CONTRACT_METHOD_MAX} bytes`);
  if (contract.length !== 32) throw new TypeError("contract: 32 bytes");
  const tok = token instanceof Uint8Array && token.length === 32 ? token : tokenOf(token);
  const payload = concat(
    Uint8Array.of(CONTRACT_OP_CALL), contract, varint(m.length), m, varint(input.length), input, tok, varint(amount),
  );
  return { vm: VM_WASM, payload, accessMode: "dynamic", reads: [], writes: [] };
}

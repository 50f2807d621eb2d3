// The token of contracts/examples/token.c in AssemblyScript: a fungible token kept in the
// contract's storage, backed 1:1 by SWR that the contract holds in the unified ledger.
//   deposit             (attach SWR to the call) credits the caller
//   withdraw  u64       debits the caller and pays SWR back from the contract's balance
//   transfer  to32 u64  moves between holders
//   balance_of id32     returns u64
//   total_supply        returns u64
import {
  balanceOf, bytesOf, caller, concat, emit, Id, input, loadU64, readU64, require, returnU64, self,
  slice32, storeU64, tokenId, transferOut, u64le,
} from "../assembly/index";

const SUPPLY = "supply";
const ZERO: Id = new Uint8Array(32);

function keyOf(who: Id): Uint8Array {
  return concat(bytesOf("b"), who);
}

function bal(who: Id): u64 {
  return loadU64(keyOf(who));
}

function setBal(who: Id, v: u64): void {
  storeU64(keyOf(who), v);
}

function emitMove(from: Id, to: Id, amount: u64): void {
  emit("transfer", concat(concat(from, to), u64le(amount)));
}

export function deposit(): void {
  // The attached SWR already moved to this contract; count what is not yet backed.
  const who = caller();
  const backing = balanceOf(tokenId("SWR"), self());
  const supply = loadU64(bytesOf(SUPPLY));
  require(backing > supply, "attach SWR to deposit");
  const amount = backing - supply;
  setBal(who, bal(who) + amount);
  storeU64(bytesOf(SUPPLY), backing);
  emitMove(ZERO, who, amount);
}

export function withdraw(): void {
  const inp = input();
  require(inp.length == 8, "input: u64 amount");
  const amount = readU64(inp);
  const who = caller();
  const b = bal(who);
  require(b >= amount, "insufficient token balance");
  setBal(who, b - amount);
  storeU64(bytesOf(SUPPLY), loadU64(bytesOf(SUPPLY)) - amount);
  transferOut(tokenId("SWR"), who, amount);
  emitMove(who, ZERO, amount);
}

export function transfer(): void {
  const inp = input();
  require(inp.length == 40, "input: to (32) and u64 amount");
  const to = slice32(inp, 0);
  const amount = readU64(inp, 32);
  const who = caller();
  const b = bal(who);
  require(b >= amount, "insufficient token balance");
  setBal(who, b - amount);
  setBal(to, bal(to) + amount);
  emitMove(who, to, amount);
}

export function balance_of(): void {
  const inp = input();
  require(inp.length == 32, "input: id (32)");
  returnU64(bal(slice32(inp, 0)));
}

export function total_supply(): void {
  returnU64(loadU64(bytesOf(SUPPLY)));
}

// The counter of contracts/examples/counter.c in AssemblyScript: `increment` adds 1 or the
// input's u64, emits "count" and returns the new value; `get` returns it; `fail` increments
// and then aborts (nothing is kept).
import { emit, fail as abortWith, input, loadU64, readU64, require, returnU64, storeU64, bytesOf, u64le } from "../assembly/index";

const KEY = "count";

function bump(): u64 {
  const inp = input();
  require(inp.length == 0 || inp.length == 8, "input must be empty or 8 bytes");
  const by: u64 = inp.length == 8 ? readU64(inp) : 1;
  const v = loadU64(bytesOf(KEY));
  require(v + by >= v, "counter overflow");
  storeU64(bytesOf(KEY), v + by);
  return v + by;
}

export function increment(): void {
  const v = bump();
  emit("count", u64le(v));
  returnU64(v);
}

export function get(): void {
  returnU64(loadU64(bytesOf(KEY)));
}

export function fail(): void {
  bump();
  abortWith("fail on purpose");
}

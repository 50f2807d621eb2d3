// AssemblyScript contracts on a real node: the test compiles sdk/as/examples/*.ts with asc
// (build.sh), starts `supervm devnet`, and deploys and drives them with the TypeScript SDK. The
// token is run side by side with the C token (build/contracts/token.wasm): same calls, same
// statuses, return data, events and abort messages.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { Keypair, toHex, u64le, concat, utf8 } from "../../ts/dist/src/index.js";
import { REPO, startDevnet } from "../../ts/dist/test/devnet.js";

const here = resolve(import.meta.dirname, "..");
let net, rpc, out;
const alice = Keypair.generate();
const bob = Keypair.generate();

before(async () => {
  out = mkdtempSync(join(tmpdir(), "svm-as-"));
  execFileSync("bash", [join(here, "build.sh"), out, join(here, "examples/counter.ts"), join(here, "examples/token.ts")], { stdio: "inherit" });
  net = await startDevnet();
  rpc = net.client;
  for (const k of [alice, bob]) await rpc.waitForReceipt((await rpc.requestFaucet(k.id, 100n * 10n ** 9n)).tx_hash);
});

after(async () => {
  await net?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
});

const hex = (b) => "0x" + toHex(b);
const wasm = (name) => readFileSync(join(out, name + ".wasm"));

test("asc builds modules that import only the host's env functions", () => {
  for (const name of ["counter", "token"]) {
    const mod = new WebAssembly.Module(wasm(name));
    for (const i of WebAssembly.Module.imports(mod)) assert.equal(i.module, "env", `${name} imports ${i.module}.${i.name}`);
    const exports = WebAssembly.Module.exports(mod).map((e) => e.name);
    assert.ok(exports.includes(name === "counter" ? "increment" : "deposit"));
  }
});

test("counter in AssemblyScript: increment, get, an event, and a failure that keeps its message and nothing else", async () => {
  const { contract } = await rpc.deploy(alice, wasm("counter"));
  let r = await rpc.callContract(alice, contract, "increment");
  assert.equal(r.status, 0, r.abort_message ?? r.status_name);
  assert.equal(r.return_data, hex(u64le(1)));
  r = await rpc.callContract(alice, contract, "increment", u64le(5));
  assert.equal(r.return_data, hex(u64le(6)));
  assert.equal(r.events.length, 1);
  assert.equal(r.events[0].topic, hex(utf8("count")));
  assert.equal(r.events[0].emitter, contract);
  r = await rpc.callContract(alice, contract, "fail");
  assert.equal(r.status_name, "aborted");
  assert.equal(r.abort_message, "fail on purpose");
  assert.equal(r.events.length, 0);
  r = await rpc.callContract(alice, contract, "increment", Uint8Array.of(1, 2, 3));
  assert.equal(r.abort_message, "input must be empty or 8 bytes");
  r = await rpc.callContract(alice, contract, "get");
  assert.equal(r.return_data, hex(u64le(6)), "the failed calls changed nothing");
  r = await rpc.callContract(alice, contract, "no_such_method");
  assert.equal(r.status_name, "not found");
});

// One scenario, run against a token contract; returns what each step's receipt said.
async function tokenScenario(contract) {
  const steps = [];
  const call = async (key, method, input, amount) => {
    const r = await rpc.callContract(key, contract, method, input, amount ? { amount } : {});
    const ev = r.events.map((e) => [e.topic, e.data.replaceAll(contract, "")]);
    steps.push({ method, status: r.status_name, ret: r.return_data, abort: r.abort_message ?? null, ev, steps: Number(r.steps) });
    return r;
  };
  await call(alice, "deposit", undefined, 1000n);
  await call(alice, "balance_of", alice.id);
  await call(alice, "transfer", concat(bob.id, u64le(300)));
  await call(bob, "withdraw", u64le(301));
  await call(bob, "withdraw", u64le(300));
  await call(alice, "balance_of", bob.id);
  await call(alice, "total_supply");
  await call(alice, "deposit");
  await call(alice, "transfer", Uint8Array.of(1));
  return steps;
}

test("token in AssemblyScript behaves as the C token: deposits backed by SWR, transfers, withdrawals, aborts", async () => {
  const asToken = (await rpc.deploy(alice, wasm("token"))).contract;
  const bobBefore = BigInt((await rpc.getBalance(bob.id)).amount);
  const asSteps = await tokenScenario(asToken);
  const expect = [
    ["deposit", "success", null], ["balance_of", "success", null], ["transfer", "success", null],
    ["withdraw", "aborted", "insufficient token balance"], ["withdraw", "success", null],
    ["balance_of", "success", null], ["total_supply", "success", null],
    ["deposit", "aborted", "attach SWR to deposit"], ["transfer", "aborted", "input: to (32) and u64 amount"],
  ];
  assert.deepEqual(asSteps.map((s) => [s.method, s.status, s.abort]), expect);
  assert.equal(asSteps[1].ret, hex(u64le(1000)));
  assert.equal(asSteps[5].ret, hex(u64le(0)));
  assert.equal(asSteps[6].ret, hex(u64le(700)));
  assert.equal(BigInt((await rpc.getBalance(asToken)).amount), 700n, "the contract holds the backing SWR");
  const bobAfter = BigInt((await rpc.getBalance(bob.id)).amount);
  assert.ok(bobAfter > bobBefore - 10n ** 7n * 2n + 300n - 1n && bobAfter < bobBefore + 300n, "bob got 300 SWR back, less two fees");

  const cToken = (await rpc.deploy(alice, readFileSync(join(REPO, "build/contracts/token.wasm")))).contract;
  const cSteps = await tokenScenario(cToken);
  assert.deepEqual(asSteps.map((s) => [s.method, s.status, s.ret, s.ev]), cSteps.map((s) => [s.method, s.status, s.ret, s.ev]),
    "same statuses, return data and events as the C token");
  assert.deepEqual(asSteps.map((s) => s.abort), cSteps.map((s) => s.abort), "same abort messages as the C token");
  const size = (f) => readFileSync(f).length;
  console.log(`measured: token module ${size(join(out, "token.wasm"))} bytes (AssemblyScript) vs ` +
    `${size(join(REPO, "build/contracts/token.wasm"))} bytes (C)`);
  for (let i = 0; i < asSteps.length; i++)
    console.log(`measured: ${asSteps[i].method} ${asSteps[i].status}: ${asSteps[i].steps} steps (AssemblyScript) vs ${cSteps[i].steps} (C)`);
});

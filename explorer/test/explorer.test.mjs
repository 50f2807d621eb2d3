// The block explorer in a real browser: the test starts `supervm devnet`, sends transactions
// with the TypeScript SDK (transfers, a contract deploy, a call, a call that aborts), opens
// http://NODE/explorer in Debian's headless Chromium (puppeteer-core), navigates and searches,
// asserts what is on screen against the node's JSON-RPC, and saves screenshots (SHOTS dir).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test as nodeTest } from "node:test";
import puppeteer from "puppeteer-core";
import { Keypair, u64le } from "../../sdk/ts/dist/src/index.js";
import { REPO, startDevnet } from "../../sdk/ts/dist/test/devnet.js";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SHOTS = process.env.SHOTS ?? join(REPO, "build/explorer");
const WAIT_MS = 20000;
// Without Chromium (a dev box that skipped scripts/install-deps.sh) every test is skipped;
// under CI it is a failure, as the project's other optional tools are.
const SKIP = !existsSync(CHROMIUM) && process.env.CI !== "true" ? `${CHROMIUM} is not installed (scripts/install-deps.sh)` : false;
const test = (name, fn) => nodeTest(name, { skip: SKIP }, fn);
let net, rpc, browser, page;
const requests = [];
const consoleErrors = [];
const alice = Keypair.generate();
const bob = Keypair.generate();
let transferTx, contract, callTx, failTx;

before(async () => {
  if (SKIP) return;
  mkdirSync(SHOTS, { recursive: true });
  net = await startDevnet();
  rpc = net.client;
  await rpc.waitForReceipt((await rpc.requestFaucet(alice.id, 20n * 10n ** 9n)).tx_hash);
  transferTx = (await rpc.transfer(alice, bob.id, 1500000000n)).idHex;
  await rpc.waitForReceipt(transferTx);
  contract = (await rpc.deploy(alice, readFileSync(join(REPO, "build/contracts/counter.wasm")))).contract;
  callTx = (await rpc.callContract(alice, contract, "increment", u64le(7))).tx_hash;
  failTx = (await rpc.callContract(alice, contract, "fail")).tx_hash;
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check"],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
});

after(async () => {
  await browser?.close();
  await net?.stop();
});

const textOf = (sel) => page.$eval(sel, (e) => e.textContent.trim());
const waitText = (sel, re) =>
  page.waitForFunction((s, src) => { const e = document.querySelector(s); return e && new RegExp(src).test(e.textContent); },
    { timeout: WAIT_MS }, sel, re.source);
const shot = (name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function search(q) {
  await page.$eval("#q", (e) => { e.value = ""; });
  await page.type("#q", q);
  await page.click("#search button");
}

test("the home page lists the latest blocks and follows the chain live", async () => {
  const s = await rpc.status();
  await page.goto(`${net.url}/explorer`, { waitUntil: "load" });
  await page.waitForSelector("#blocks tbody tr", { timeout: WAIT_MS });
  const first = Number(await page.$eval("#blocks tbody tr", (r) => r.dataset.height));
  assert.ok(first >= Number(s.height), `the top row is the head (${first}, the head was ${s.height} before loading)`);
  const heights = await page.$$eval("#blocks tbody tr", (rs) => rs.map((r) => Number(r.dataset.height)));
  assert.deepEqual(heights, heights.map((_, i) => first - i), "consecutive heights, newest first");
  assert.equal(await page.$$eval("#blocks tbody tr", (rs) => rs.length), 15);
  await waitText("#chain-id", new RegExp(`^${s.chain_id}$`));
  // Live: a later block appears at the top without reloading.
  await page.waitForFunction((h) => Number(document.querySelector("#blocks tbody tr").dataset.height) >= h + 3,
    { timeout: WAIT_MS }, first);
  await shot("home");
});

test("a block page shows the header the node has, and its transactions link to their pages", async () => {
  const r = await rpc.getTransactionReceipt(transferTx);
  await search(String(r.block_height));
  await waitText("#block-height", new RegExp(`^${r.block_height}$`));
  const b = await rpc.getBlockByNumber(r.block_height);
  assert.equal(await textOf("#block-hash"), b.hash);
  assert.equal(await textOf("#block-txs"), String(b.tx_count));
  await shot("block");
  await page.click(`#block-tx-list a[href="#/tx/${transferTx}"]`);
  await waitText("#tx-hash", new RegExp(transferTx));
});

test("a transfer's page: what it does, its receipt, the proof and the signature verified in the browser", async () => {
  await search(transferTx);
  await waitText("#tx-hash", new RegExp(transferTx));
  await waitText("#proof-status", /verified/);
  assert.match(await textOf("#action"), new RegExp(`transfer 1\\.5 SWR to ${bob.idHex.slice(0, 10)}`));
  assert.equal(await textOf("#tx-status"), "committed");
  assert.equal(await textOf("#receipt-status"), "success");
  assert.match(await textOf("#proof-status"), /^verified/);
  assert.match(await textOf("#sig-status"), /^verified/);
  assert.ok(await page.$("#events tbody tr"), "the transfer event is listed");
  await shot("transaction");
});

test("a contract call and a failed call: the method, its input, and the abort message", async () => {
  await search(callTx);
  await waitText("#tx-hash", new RegExp(callTx));
  await waitText("#receipt-status", /success/);
  assert.match(await textOf("#action"), /call increment on contract .*input 0x0700000000000000/);
  await search(failTx);
  await waitText("#tx-hash", new RegExp(failTx));
  await waitText("#receipt-status", /aborted/);
  assert.equal(await textOf("#abort-message"), "fail on purpose");
  assert.match(await textOf("#proof-status"), /^verified/, "a failed transaction's receipt is proven too");
  await shot("failed-call");
});

test("an account page shows its balances as the node has them; the contract is an account too", async () => {
  await search(bob.idHex);
  await waitText("#account-id", new RegExp(bob.idHex));
  const a = await rpc.getAccount(bob.id);
  assert.equal(a.balances.SWR, 1500000000);
  assert.equal(await textOf("#balance-SWR"), "1.5 SWR");
  assert.equal(await textOf("#balance-AIC"), "0 AIC");
  assert.match(await textOf("#state-proof"), /^verified inclusion proof/);
  await shot("account");
  await search("0x" + alice.idHex.toUpperCase());
  await waitText("#account-id", new RegExp(alice.idHex));
  assert.equal(await textOf("#account-nonce"), String((await rpc.getAccount(alice.id)).nonce));
  const nobody = Keypair.generate().idHex;
  await search(nobody);
  await waitText("#account-id", new RegExp(nobody));
  await waitText("#state-proof", /^verified exclusion proof/);
  assert.ok(await page.$("#account-empty"), "an id with no activity says so");
});

test("bad searches and unknown pages say what is wrong, and the page keeps working", async () => {
  await search("not a thing");
  await waitText("#error", /is not a height, a transaction hash or an account id/);
  await search("99999999");
  await waitText("#error", /no block at height 99999999/);
  await page.goto(`${net.url}/explorer#/nowhere`, { waitUntil: "load" });
  await waitText("#error", /no page 'nowhere'/);
  await shot("error");
  await page.click("nav a[href='#/validators']");
  await page.waitForSelector("#validators, #validators-none", { timeout: WAIT_MS });
  await page.click("a.brand");
  await page.waitForSelector("#blocks tbody tr", { timeout: WAIT_MS });
});

test("a tampered receipt or state proof from the node is shown as NOT verified", async () => {
  // A second tab whose JSON-RPC answers pass through the test, which flips one hex digit of
  // the receipt's raw bytes and of the state proof: the page must notice both.
  const tab = await browser.newPage();
  await tab.setRequestInterception(true);
  const flip = (h) => h.slice(0, -1) + (h.endsWith("0") ? "1" : "0");
  tab.on("request", async (req) => {
    const body = req.postData() ?? "";
    if (req.method() !== "POST" || !/svm_getTransactionReceipt|svm_getProof/.test(body)) return req.continue();
    const res = await fetch(net.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const j = await res.json();
    if (j.result?.raw) j.result.raw = flip(j.result.raw);
    if (j.result?.proof && typeof j.result.proof === "string") j.result.proof = flip(j.result.proof);
    await req.respond({ status: 200, contentType: "application/json", body: JSON.stringify(j) });
  });
  try {
    await tab.goto(`${net.url}/explorer#/tx/${transferTx}`, { waitUntil: "load" });
    await tab.waitForSelector("#proof-status", { timeout: WAIT_MS });
    assert.match(await tab.$eval("#proof-status", (e) => e.textContent), /^NOT verified/);
    await tab.goto(`${net.url}/explorer#/account/${bob.idHex}`, { waitUntil: "load" });
    await tab.waitForSelector("#state-proof", { timeout: WAIT_MS });
    assert.match(await tab.$eval("#state-proof", (e) => e.textContent), /^NOT verified/);
    await tab.screenshot({ path: join(SHOTS, "tampered.png"), fullPage: true });
  } finally {
    await tab.close();
  }
});

test("the page loaded nothing but the node's own URL and logged no error", () => {
  assert.ok(requests.length > 10);
  const foreign = requests.filter((u) => !u.startsWith(net.url + "/"));
  assert.deepEqual(foreign, [], "no external network");
  assert.deepEqual(consoleErrors, [], "no error in the browser console");
});

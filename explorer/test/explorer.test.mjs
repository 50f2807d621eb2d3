// The block explorer in a real browser: the test starts `supervm devnet`, sends transactions
// with the TypeScript SDK (transfers, a contract deploy, a call, a call that aborts), opens
// http://NODE/explorer in Debian's headless Chromium (puppeteer-core), navigates and searches,
// asserts what is on screen against the node's JSON-RPC, and saves screenshots (SHOTS dir).
// With the CLI it also creates a user token, an AMM pool, a governance proposal with a vote
// and an AI job, for the account, proposal, pool and job pages.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test as nodeTest } from "node:test";
import puppeteer from "puppeteer-core";
import { Keypair, u64le } from "../../sdk/ts/dist/src/index.js";
import { REPO, SUPERVM, startDevnet } from "../../sdk/ts/dist/test/devnet.js";

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
let carol, gold, goldTx, proposal, validatorId, job;
const cli = (...args) => execFileSync(SUPERVM, ["--rpc", net.url, ...args], { encoding: "utf8" }).trim();
const idOf = (file) => JSON.parse(cli("keys", "show", file, "--json")).id;

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
  // With the CLI: a user token (some of it to bob), a pool of it, a proposal voted on, an AI job.
  const key = join(net.dir, "carol.json");
  cli("keys", "new", "--out", key);
  carol = idOf(key);
  await rpc.waitForReceipt((await rpc.requestFaucet(carol, 100n * 10n ** 9n)).tx_hash);
  await rpc.waitForReceipt((await rpc.requestFaucet(carol, 100n * 10n ** 9n, "AIC")).tx_hash);
  gold = cli("token", "create", "--from", key, "--symbol", "GOLD", "--decimals", "4", "--supply", "1000.5", "--wait").match(/token: ([0-9a-f]{64})/)[1];
  goldTx = cli("transfer", "--from", key, "--to", bob.idHex, "--amount", "2.5", "--token", gold, "--wait").split("\n")[0];
  cli("pool", "create", gold, "SWR", "--fee", "100", "--amount-x", "1000000", "--amount-y", "5000000000", "--from", key, "--wait");
  const sub = JSON.parse(cli("gov", "submit", "--kind", "text", "--text", "explorer test", "--deposit", "10000000000", "--from", key, "--wait", "--json"));
  proposal = sub.return_data.slice(2);
  const vkey = join(net.dir, "keys/validator.json");
  validatorId = idOf(vkey);
  cli("gov", "vote", proposal, "--validator", validatorId, "--option", "yes", "--from", vkey, "--wait");
  const model = cli("model", "register", "--from", key, "--name", "fmnist-mlp", "--weights", join(REPO, "models/fmnist/fmnist-mlp.svq8"),
    "--code", join(REPO, "build/ai/infer.wasm"));
  writeFileSync(join(net.dir, "input"), randomBytes(784));
  job = cli("job", "post", "--from", key, "--model", model, "--input", join(net.dir, "input"), "--price", "1000", "--replicas", "1",
    "--deadline-blocks", "100000");
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

// The home page, so that a search made next opens its page itself (searching for the page
// already shown changes nothing, and its checks would pass on what was there before).
async function home() {
  await page.click("a.brand");
  await page.waitForSelector("#blocks tbody tr", { timeout: WAIT_MS });
}

async function search(q) {
  await page.$eval("#q", (e) => { e.value = ""; });
  await page.type("#q", q);
  await page.click("#search button");
}

test("the home page lists the latest blocks and follows the chain live", async () => {
  const s = await rpc.status();
  await page.goto(`${net.url}/explorer`, { waitUntil: "load" });
  await page.waitForSelector("#blocks tbody tr", { timeout: WAIT_MS });
  // one read of the table (it is redrawn every second)
  const heights = await page.$$eval("#blocks tbody tr", (rs) => rs.map((r) => Number(r.dataset.height)));
  const first = heights[0];
  assert.ok(first >= Number(s.height), `the top row is the head (${first}, the head was ${s.height} before loading)`);
  assert.deepEqual(heights, heights.map((_, i) => first - i), "consecutive heights, newest first");
  assert.equal(heights.length, 15);
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
  await waitText("#block-cert", /verified/);
  assert.match(await textOf("#block-cert"), /^verified certified by 1 of 1 validators/, "the devnet's validator signed it");
  await shot("block");
  await page.click(`#block-tx-list a[href="#/tx/${transferTx}"]`);
  await waitText("#tx-hash", new RegExp(transferTx));
});

test("a transfer's page: what it does, its receipt, the proof and the signature verified in the browser", async () => {
  await home();
  await search(transferTx);
  await waitText("#tx-hash", new RegExp(transferTx));
  await waitText("#proof-status", /verified/);
  assert.match(await textOf("#action"), new RegExp(`transfer 1\\.5 SWR to ${bob.idHex.slice(0, 10)}`));
  assert.equal(await textOf("#tx-status"), "committed");
  assert.equal(await textOf("#receipt-status"), "success");
  assert.match(await textOf("#proof-status"), /^verified/);
  assert.match(await textOf("#sig-status"), /^verified/);
  assert.match(await textOf("#cert-status"), /^verified certified by 1 of 1 validators \(stake \d+ of \d+\) in epoch \d+, checked in this browser/);
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
  assert.match(await textOf("#state-cert"), /^verified certified by 1 of 1 validators/);
  await shot("account");
  await search("0x" + alice.idHex.toUpperCase());
  await waitText("#account-id", new RegExp(alice.idHex));
  assert.equal(await textOf("#account-nonce"), String((await rpc.getAccount(alice.id)).nonce));
  // from alice's page, bob's derived EVM address (last 20 bytes of SHA-256("svm/evm" ‖ id)) leads to his
  const bobEvm = createHash("sha256").update(Buffer.concat([Buffer.from("svm/evm"), Buffer.from(bob.id)])).digest("hex").slice(24);
  await search("0x" + bobEvm);
  await waitText("#account-id", new RegExp(bob.idHex));
  assert.equal(await page.evaluate(() => location.hash), `#/account/${bob.idHex}`, "the EVM address search opened bob's account");
  const nobody = Keypair.generate().idHex;
  await search(nobody);
  await waitText("#account-id", new RegExp(nobody));
  await waitText("#state-proof", /^verified exclusion proof/);
  assert.ok(await page.$("#account-empty"), "an id with no activity says so");
});

test("an account page lists every token balance and the account's transactions", async () => {
  // (a goto that only changes the fragment returns before the router has replaced the page it
  // left: wait for this account's id before reading anything, then for the lists it fills)
  await page.goto(`${net.url}/explorer#/account/${bob.idHex}`, { waitUntil: "load" });
  await waitText("#account-id", new RegExp(bob.idHex));
  await page.waitForSelector("#account-tokens tbody tr", { timeout: WAIT_MS });
  const bals = await rpc.call("svm_getBalances", [bob.idHex]);
  const rows = await page.$$eval("#account-tokens tbody tr", (rs) => rs.map((r) => [r.dataset.token, r.querySelector(".amount").textContent]));
  assert.deepEqual(rows.map((r) => r[0]), bals.balances.map((b) => b.token), "every balance the node has, SWR first");
  assert.deepEqual(rows.map((r) => r[1]), ["1.5 SWR", "2.5 GOLD"]);
  await page.waitForSelector("#account-txs tbody tr", { timeout: WAIT_MS });
  const txs = await page.$$eval("#account-txs tbody tr", (rs) => rs.map((r) => r.textContent));
  assert.equal(txs.length, 2, "bob received two transfers and sent nothing");
  assert.match(txs[0], /recipient.*transfer 2\.5 GOLD to/, "newest first, in the token's decimals");
  assert.match(txs[1], /recipient.*transfer 1\.5 SWR to.*success/);
  assert.ok(await page.$(`#account-txs a[href="#/tx/${goldTx}"]`), "linked to the transaction page");
  await shot("account-tokens");
  await page.goto(`${net.url}/explorer#/account/${alice.idHex}`, { waitUntil: "load" });
  await waitText("#account-id", new RegExp(alice.idHex));
  await page.waitForSelector("#account-txs tbody tr", { timeout: WAIT_MS });
  const mine = await page.$$eval("#account-txs tbody tr", (rs) => rs.map((r) => r.textContent));
  assert.equal(mine.length, 5, `faucet grant, transfer, deploy, call, failed call: ${mine.join(" | ")}`);
  assert.match(mine[0], /sender.*call fail on contract.*aborted/);
  assert.match(mine[4], /recipient.*transfer 20 SWR/);
  assert.match(await textOf("#account-txs .scanned"), /back to genesis/);
});

test("governance proposals are listed with their tallies, and a proposal has its page", async () => {
  await page.click("nav a[href='#/proposals']");
  await page.waitForSelector("#proposals tbody tr", { timeout: WAIT_MS });
  // Whether it passes now is the node's verdict against the active stake, which grows at each
  // epoch's issuance after the vote (the tally keeps the stake at the vote): the page must say
  // what svm_getProposal says, read again if an epoch ended between the two reads.
  let p, row;
  for (let i = 0; i < 5; i++) {
    p = await rpc.call("svm_getProposal", [proposal]);
    row = await page.$eval(`#proposals a[href="#/proposal/${proposal}"]`, (a) => a.closest("tr").textContent);
    if (/passes/.test(row) === p.passes) break;
    await page.reload({ waitUntil: "load" });
    await page.waitForSelector(`#proposals a[href="#/proposal/${proposal}"]`, { timeout: WAIT_MS });
  }
  assert.equal(BigInt(p.tally.yes) > 0n, true, "the validator's vote counted");
  const yes = (Number(p.tally.yes) / 1e9).toString();
  assert.match(row, new RegExp(`text.*voting${p.passes ? " passes" : ""}${yes.replace(".", "\\.")} SWR / 0 SWR / 0 SWR`));
  await shot("proposals");
  await page.click(`#proposals a[href="#/proposal/${proposal}"]`);
  await waitText("#proposal-id", new RegExp(proposal));
  assert.equal(await textOf("#proposal-kind"), "text");
  assert.equal(await textOf("#proposal-status"), p.status);
  assert.equal(await textOf("#tally-yes"), `${yes} SWR (100.00 %)`);
  assert.equal(await textOf("#tally-no"), "0 SWR (0.00 %)");
  const now = await rpc.call("svm_getProposal", [proposal]);
  if (now.passes === p.passes) assert.equal(await textOf("#proposal-passes"), p.passes ? "yes" : "no");
  await shot("proposal");
  await home();
  await search(proposal);
  await waitText("#proposal-id", new RegExp(proposal));
});

test("AMM pools are listed with their reserves and price, the genesis pool too", async () => {
  await page.click("nav a[href='#/pools']");
  await page.waitForSelector("#pools tbody tr", { timeout: WAIT_MS });
  const rows = await page.$$eval("#pools tbody tr", (rs) => rs.map((r) => r.textContent));
  assert.equal(rows.length, 2, rows.join(" | "));
  const p = await rpc.call("svm_getPool", [gold, "SWR", 100]);
  assert.equal(BigInt(p.reserve_a) + BigInt(p.reserve_b), 5001000000n);
  assert.match(rows[0], /SWR\/GOLD|GOLD\/SWR/);
  assert.match(rows[0], /1\.00 %/);
  assert.match(rows[0], /5 SWR \+ 100 GOLD|100 GOLD \+ 5 SWR/, "reserves in each token's decimals");
  assert.match(rows[0], /1 SWR = 20 GOLD|1 GOLD = 0\.05 SWR/);
  assert.match(rows[1], /AIC\/SWR|SWR\/AIC/);
  assert.match(rows[1], /0\.30 %.*genesis/);
  await shot("pools");
  // the lists' RPC refuses what it cannot answer within its bounds
  await assert.rejects(rpc.call("svm_listActivity", [{ kind: "nope" }]), /kind must be/);
  await assert.rejects(rpc.call("svm_listActivity", [{ kind: "pools", blocks: 5001 }]), /blocks 1\.\.5000/);
  await assert.rejects(rpc.call("svm_listActivity", [{ kind: "account" }]), /needs "account"/);
  await assert.rejects(rpc.call("svm_getBalances", ["xyz"]), /64 hex digits/);
  const page1 = await rpc.call("svm_listActivity", [{ kind: "account", account: alice.idHex, limit: 2 }]);
  assert.equal(page1.items.length, 2, "stops after the block where the limit is reached (one tx per block here)");
  const page2 = await rpc.call("svm_listActivity", [{ kind: "account", account: alice.idHex, before: page1.next_before }]);
  assert.equal(page1.items.length + page2.items.length, 5, "the cursor continues below, no gap and no duplicate");
  assert.ok(Number(page2.items[0].height) < Number(page1.items[1].height));
});

test("AI jobs are listed with their state, and a job has its page", async () => {
  await page.click("nav a[href='#/jobs']");
  await page.waitForSelector("#jobs tbody tr", { timeout: WAIT_MS });
  const j = await rpc.call("svm_aiGetJob", [job]);
  const row = await page.$eval(`#jobs a[href="#/job/${job}"]`, (a) => a.closest("tr").textContent);
  assert.match(row, new RegExp(`${j.state}.*0\\.000001 AIC`));
  await page.click(`#jobs a[href="#/job/${job}"]`);
  await waitText("#job-id", new RegExp(job));
  assert.equal(await textOf("#job-state"), j.state);
  await shot("job");
  await home();
  await search(job);
  await waitText("#job-id", new RegExp(job));
});

test("bad searches and unknown pages say what is wrong, and the page keeps working", async () => {
  await search("not a thing");
  await waitText("#error", /is not a height, a transaction hash, an account id or an EVM address/);
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

test("a tampered receipt, state proof or quorum certificate from the node is shown as NOT verified", async () => {
  // A second tab whose JSON-RPC answers pass through the test, which flips one hex digit of
  // the receipt's raw bytes, of the state proof and of the block's QC: the page must notice each.
  const tab = await browser.newPage();
  await tab.setRequestInterception(true);
  const flip = (h) => h.slice(0, -1) + (h.endsWith("0") ? "1" : "0");
  tab.on("request", async (req) => {
    const body = req.postData() ?? "";
    if (req.method() !== "POST" || !/svm_getTransactionReceipt|svm_getProof|svm_getBlockQC/.test(body)) return req.continue();
    const res = await fetch(net.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const j = await res.json();
    if (j.result?.raw) j.result.raw = flip(j.result.raw);
    if (j.result?.proof && typeof j.result.proof === "string") j.result.proof = flip(j.result.proof);
    if (j.result?.qc) j.result.qc = flip(j.result.qc); // a bit of the last signature
    await req.respond({ status: 200, contentType: "application/json", body: JSON.stringify(j) });
  });
  try {
    await tab.goto(`${net.url}/explorer#/tx/${transferTx}`, { waitUntil: "load" });
    await tab.waitForSelector("#proof-status", { timeout: WAIT_MS });
    assert.match(await tab.$eval("#proof-status", (e) => e.textContent), /^NOT verified/);
    assert.match(await tab.$eval("#cert-status", (e) => e.textContent), /^NOT verified .*signature does not verify/);
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

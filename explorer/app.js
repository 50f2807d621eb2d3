// The SuperVM block explorer: a single page served by the node at /explorer that reads
// everything from the same node's JSON-RPC (POST /). Routes live in the URL fragment:
//   #/  latest blocks (live)   #/block/N   #/tx/HASH   #/account/ID   #/validators   #/search/Q
// Receipt inclusion proofs and transaction signatures are checked here, in the browser
// (WebCrypto SHA-256 and Ed25519), and shown as verified or not.
"use strict";

const BLOCKS_SHOWN = 15;
const BLOCK_TXS_SHOWN = 200;
const POLL_MS = 1000;
const $ = (sel) => document.querySelector(sel);
let pollTimer = null;
let routeSeq = 0;

// ------------------------------------------------------------------ JSON-RPC

class RpcError extends Error {
  constructor(message, code) { super(message); this.code = code; }
}

// Integers past 2^53 (balances can be) are kept exact as BigInt via the parser's source text.
function parseJson(text) {
  return JSON.parse(text, (k, v, ctx) =>
    typeof v === "number" && !Number.isSafeInteger(v) && ctx && /^\d+$/.test(ctx.source || "") ? BigInt(ctx.source) : v);
}

let rpcId = 0;
async function rpc(method, params = []) {
  const res = await fetch("/", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method, params }),
  });
  if (!res.ok) throw new RpcError(`${method}: HTTP ${res.status}`, res.status);
  const body = parseJson(await res.text());
  if (body.error) throw new RpcError(body.error.message, body.error.code);
  return body.result;
}

// ------------------------------------------------------------------ bytes

const hexToBytes = (h) => {
  const s = h.startsWith("0x") ? h.slice(2) : h;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
  return out;
};
const bytesToHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
const utf8 = (s) => new TextEncoder().encode(s);
const sha256 = async (b) => new Uint8Array(await crypto.subtle.digest("SHA-256", b));
const eqBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

class Reader {
  constructor(b) { this.b = b; this.o = 0; }
  u8() { if (this.o >= this.b.length) throw new Error("truncated"); return this.b[this.o++]; }
  bytes(n) { if (this.o + n > this.b.length) throw new Error("truncated"); const r = this.b.slice(this.o, this.o + n); this.o += n; return r; }
  varint() {
    let v = 0n;
    for (let i = 0; i < 10; i++) { const x = this.u8(); v |= BigInt(x & 0x7f) << BigInt(7 * i); if (!(x & 0x80)) return v; }
    throw new Error("bad varint");
  }
  end() { return this.o === this.b.length; }
}

// ------------------------------------------------------------------ formatting

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const short = (h) => (h && h.length > 20 ? `${h.slice(0, 10)}…${h.slice(-6)}` : h || "");
const link = (kind, id, text) => `<a href="#/${kind}/${esc(id)}" class="mono">${esc(text ?? short(id))}</a>`;
const when = (ms) => new Date(Number(ms)).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");

/** Base units → "1.000000001 SWR" (9 decimals, trailing zeros trimmed). */
function amount(v, symbol = "SWR") {
  const x = BigInt(v);
  const whole = x / 1000000000n, frac = (x % 1000000000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${whole}${frac ? "." + frac : ""} ${symbol}`;
}

function kv(rows) {
  return `<table class="kv">${rows.map(([k, v, id]) => `<tr><th>${esc(k)}</th><td${id ? ` id="${id}"` : ""}>${v}</td></tr>`).join("")}</table>`;
}

function text(bytes) {
  const ok = bytes.length > 0 && bytes.every((c) => c >= 0x20 && c < 0x7f);
  return ok ? `"${esc(new TextDecoder().decode(bytes))}"` : `<span class="mono">0x${bytesToHex(bytes)}</span>`;
}

// ------------------------------------------------------------------ decoding

let tokenNames = null;
async function tokenName(idHex) {
  if (!tokenNames) {
    tokenNames = {};
    for (const s of ["SWR", "AIC"]) tokenNames[bytesToHex(await sha256(utf8("svm/token" + s)))] = s;
  }
  return tokenNames[idHex] || short(idHex);
}

/** What a transaction does, from its vm and payload (docs/execution.md, docs/contracts.md). */
async function describe(tx) {
  try {
    const r = new Reader(hexToBytes(tx.payload));
    if (tx.vm === "native") {
      const program = r.varint(), method = r.varint();
      if (program === 1n && method === 1n) {
        const token = bytesToHex(r.bytes(32)), to = bytesToHex(r.bytes(32)), amt = r.varint();
        return `transfer ${esc(amount(amt, await tokenName(token)))} to ${link("account", to)}`;
      }
      if (program === 1n && method === 2n) return "create token";
      if (program === 1n && method === 3n) return "burn";
      const names = { 2n: "AMM", 3n: "staking", 4n: "governance", 5n: "model registry", 6n: "job escrow" };
      return `${names[program] || "program " + program} call, method ${method}`;
    }
    const op = r.u8();
    if (op === 1) return `deploy a ${r.b.length - 1}-byte WebAssembly module`;
    if (op === 2) {
      const contract = bytesToHex(r.bytes(32));
      const method = new TextDecoder().decode(r.bytes(Number(r.varint())));
      const input = r.bytes(Number(r.varint()));
      const token = bytesToHex(r.bytes(32)), amt = r.varint();
      let s = `call <b>${esc(method)}</b> on contract ${link("account", contract)}`;
      if (input.length) s += `, input <span class="mono">0x${bytesToHex(input)}</span>`;
      if (amt > 0n) s += `, attaching ${esc(amount(amt, await tokenName(token)))}`;
      return s;
    }
  } catch (e) { /* fall through */ }
  return `${esc(tx.vm)} payload <span class="mono">${esc(short(tx.payload))}</span>`;
}

// RFC 6962 inclusion proof, as src/crypto/merkle.c svm_merkle_verify.
async function merkleVerify(root, leaf, index, size, path) {
  if (size <= 0 || index < 0 || index >= size || path.length > 32) return false;
  let fn = BigInt(index), sn = BigInt(size - 1), r = await sha256(concat(Uint8Array.of(0), leaf));
  for (const p of path) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = await sha256(concat(Uint8Array.of(1), p, r));
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = await sha256(concat(Uint8Array.of(1), r, p));
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && eqBytes(r, root);
}

// A state-tree proof (docs/state.md), as src/state/proof.c svm_state_proof_verify: is valueHash
// (or absence, when null) the state of key under root?
async function stateProofVerify(root, key, valueHash, proof) {
  const nib = (k, i) => (i % 2 === 0 ? k[i >> 1] >> 4 : k[i >> 1] & 15);
  let levels = [], leaf = null;
  try {
    const r = new Reader(proof);
    if (r.u8() !== 1) return false;
    const n = r.u8();
    if (n > 64) return false;
    for (let i = 0; i < n; i++) {
      const bm = r.bytes(2), bitmap = (bm[0] << 8) | bm[1];
      let k = 0;
      for (let x = bitmap; x; x &= x - 1) k++;
      if (k === 16) return false;
      const sib = [];
      for (let j = 0; j < k; j++) sib.push(r.bytes(32));
      levels.push({ bitmap, sib });
    }
    const term = r.u8();
    if (term > 1) return false;
    if (term === 1) leaf = { key: r.bytes(32), vh: r.bytes(32) };
    if (!r.end() || (n > 0 && levels[n - 1].bitmap === 0)) return false;
  } catch (e) {
    return false;
  }
  const same = leaf !== null && eqBytes(leaf.key, key);
  if (valueHash ? !same || !eqBytes(leaf.vh, valueHash) : same) return false;
  const L = levels.length;
  if (leaf) for (let i = 0; i < L; i++) if (nib(leaf.key, i) !== nib(key, i)) return false;
  let cur = leaf ? await sha256(concat(Uint8Array.of(0), leaf.key, leaf.vh)) : new Uint8Array(32);
  let present = leaf !== null;
  for (let i = L - 1; i >= 0; i--) {
    const n = nib(key, i), lv = levels[i];
    if (lv.bitmap & (1 << n)) return false;
    if (!present && lv.bitmap === 0) return false;
    if (lv.bitmap === 0 && i + 1 === L && leaf) return false;
    const full = lv.bitmap | (present ? 1 << n : 0), hs = [];
    for (let c = 0, s = 0; c < 16; c++) if (full & (1 << c)) hs.push(c === n && present ? cur : lv.sib[s++]);
    cur = await sha256(concat(Uint8Array.of(1, full >> 8, full & 255), ...hs));
    present = true;
  }
  return eqBytes(cur, root);
}

// The node's signature rule: sender = SHA-256("svm/id" ‖ 1 ‖ pk), Ed25519 over "svm/tx" ‖ tx_id.
async function signatureVerdict(tx) {
  const raw = hexToBytes(tx.raw), pk = hexToBytes(tx.public_key);
  const id = await sha256(raw.slice(0, raw.length - 64));
  if (bytesToHex(id) !== tx.hash) return [false, "the id is not the hash of the transaction"];
  const who = await sha256(concat(utf8("svm/id"), Uint8Array.of(1), pk));
  if (bytesToHex(who) !== tx.sender) return [false, "the sender is not the key's identity"];
  try {
    const key = await crypto.subtle.importKey("raw", pk, { name: "Ed25519" }, false, ["verify"]);
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, raw.slice(raw.length - 64), concat(utf8("svm/tx"), id));
    return [ok, ok ? "Ed25519 signature verified in this browser" : "the signature does not verify"];
  } catch (e) {
    return [null, "not checked: this browser has no Ed25519 in WebCrypto"];
  }
}

const verdict = ([ok, why]) =>
  ok === null ? `<span class="muted">${esc(why)}</span>` : `<span class="${ok ? "ok" : "bad"}">${ok ? "verified" : "NOT verified"}</span> <span class="muted">${esc(why)}</span>`;

// ------------------------------------------------------------------ pages

const blockCache = new Map();
async function block(h) {
  const key = String(h);
  if (blockCache.has(key)) return blockCache.get(key);
  const b = await rpc("svm_getBlockByNumber", [Number(h), false]);
  if (b) {
    if (blockCache.size > 500) blockCache.clear();
    blockCache.set(key, b);
  }
  return b;
}

async function pageHome(seq) {
  const draw = async () => {
    const head = await rpc("svm_getBlockByNumber", ["latest", false]);
    const hs = [];
    for (let h = Number(head.height); h >= 0 && hs.length < BLOCKS_SHOWN; h--) hs.push(h);
    const blocks = (await Promise.all(hs.map((h) => (h === Number(head.height) ? head : block(h))))).filter(Boolean);
    if (seq !== routeSeq) return;
    $("#view").innerHTML = `<h1>Latest blocks</h1>
      <table id="blocks"><thead><tr><th>height</th><th>hash</th><th>transactions</th><th>time</th><th>proposer</th></tr></thead><tbody>
      ${blocks.map((b) => `<tr data-height="${b.height}"><td>${link("block", b.height, String(b.height))}</td><td class="hash">${esc(short(b.hash))}</td>
        <td>${b.tx_count}</td><td>${esc(when(b.timestamp_ms))}</td><td>${link("account", b.proposer)}</td></tr>`).join("")}
      </tbody></table><p class="muted">Live: refreshed every ${POLL_MS / 1000} s.</p>`;
  };
  await draw();
  pollTimer = setInterval(() => draw().catch(showError), POLL_MS);
}

async function pageBlock(h) {
  if (!/^\d+$/.test(h)) throw new Error(`'${h}' is not a block height`);
  const b = await rpc("svm_getBlockByNumber", [Number(h), true]);
  if (!b) throw new Error(`no block at height ${h} (the head is lower)`);
  const txs = b.transactions.slice(0, BLOCK_TXS_SHOWN);
  const rows = await Promise.all(txs.map(async (t) => {
    const rc = await rpc("svm_getTransactionReceipt", [t.hash]);
    const st = rc ? `<span class="${rc.status === 0 ? "ok" : "bad"}">${esc(rc.status_name)}</span>` : "";
    return `<tr><td>${t.index}</td><td>${link("tx", t.hash)}</td><td>${link("account", t.sender)}</td><td>${await describe(t)}</td><td>${st}</td></tr>`;
  }));
  $("#view").innerHTML = `<h1>Block <span id="block-height">${b.height}</span></h1>` + kv([
    ["hash", `<span class="mono">${esc(b.hash)}</span>`, "block-hash"],
    ["parent", Number(b.height) > 0 ? link("block", Number(b.height) - 1, b.parent) : esc(b.parent)],
    ["time", esc(when(b.timestamp_ms))], ["proposer", link("account", b.proposer, b.proposer)],
    ["transactions", String(b.tx_count), "block-txs"], ["size", `${b.size} bytes`],
    ["transaction root", `<span class="mono">${esc(b.tx_root)}</span>`],
    ["receipts root", `<span class="mono">${esc(b.receipts_root)}</span>`],
    ["state root", `<span class="mono">${esc(b.state_root)}</span>`],
  ]) + `<h2>Transactions</h2>` + (rows.length ? `<table id="block-tx-list"><thead><tr><th>#</th><th>hash</th><th>sender</th><th>what</th><th>status</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
    : `<p class="muted">No transactions.</p>`) + (b.transactions.length > rows.length ? `<p class="muted">First ${rows.length} shown.</p>` : "");
}

async function pageTx(hash) {
  const t = await rpc("svm_getTransactionByHash", [hash]);
  if (!t) throw new Error(`no transaction ${hash} on this node`);
  const rc = t.status === "committed" ? await rpc("svm_getTransactionReceipt", [hash]) : null;
  let html = `<h1>Transaction</h1>` + kv([
    ["hash", `<span class="mono">${esc(t.hash)}</span>`, "tx-hash"],
    ["status", esc(t.status), "tx-status"],
    ["block", t.block_height !== undefined ? `${link("block", t.block_height, String(t.block_height))} (index ${t.index})` : "—"],
    ["what it does", await describe(t), "action"],
    ["sender", link("account", t.sender, t.sender)], ["nonce", String(t.nonce)],
    ["fee limit / tip", `${esc(amount(t.fee_limit))} / ${esc(amount(t.tip))}`],
    ["vm / access", `${esc(t.vm)} / ${esc(t.access_mode)}`],
    ["signature", verdict(await signatureVerdict(t)), "sig-status"],
  ]);
  if (rc) {
    const b = await block(rc.block_height);
    const p = rc.proof;
    const ok = b && b.receipts_root === p.receipts_root &&
      await merkleVerify(hexToBytes(b.receipts_root), hexToBytes(rc.raw), p.leaf_index, p.leaf_count, p.path.map(hexToBytes));
    html += `<h2>Receipt</h2>` + kv([
      ["status", `<span class="${rc.status === 0 ? "ok" : "bad"}">${esc(rc.status_name)}</span>`, "receipt-status"],
      ...(rc.abort_message !== undefined ? [["abort message", esc(rc.abort_message), "abort-message"]] : []),
      ["fee charged", esc(amount(rc.fee_charged))], ["tip paid", esc(amount(rc.tip_paid))],
      ["steps / bytes / memory", `${rc.steps} / ${rc.tx_bytes} / ${rc.mem_bytes}`],
      ["return data", rc.abort_message !== undefined || rc.return_data === "0x" ? `<span class="mono">${esc(rc.return_data)}</span>` : text(hexToBytes(rc.return_data))],
      ["inclusion proof", verdict([ok, `leaf ${p.leaf_index} of ${p.leaf_count}, ${p.path.length} hashes, against block ${rc.block_height}'s receipts root`]), "proof-status"],
    ]);
    html += `<h2>Events</h2>` + (rc.events.length ? `<table id="events"><thead><tr><th>emitter</th><th>topic</th><th>data</th></tr></thead><tbody>${
      rc.events.map((e) => `<tr><td>${link("account", e.emitter)}</td><td>${text(hexToBytes(e.topic))}</td><td class="hash">${esc(e.data)}</td></tr>`).join("")}</tbody></table>`
      : `<p class="muted">No events.</p>`);
  }
  $("#view").innerHTML = html;
}

async function pageAccount(id) {
  id = id.replace(/^0x/, "").toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`'${id}' is not an account id (64 hex digits)`);
  const a = await rpc("svm_getAccount", [id]);
  await tokenName(""); // fills tokenNames
  const swrId = Object.keys(tokenNames).find((k) => tokenNames[k] === "SWR");
  const balId = bytesToHex(await sha256(concat(utf8("svm/bal"), hexToBytes(swrId), hexToBytes(id))));
  const proof = await rpc("svm_getProof", [balId]);
  const hdr = await block(proof.height);
  let vh = null, objOk = true;
  if (proof.exists) {
    const obj = hexToBytes(proof.object);
    objOk = obj[0] === 4 && eqBytes(obj.slice(1, 33), hexToBytes(balId));
    vh = await sha256(obj);
  }
  const proofOk = objOk && hdr && hdr.state_root === proof.state_root &&
    await stateProofVerify(hexToBytes(hdr.state_root), hexToBytes(balId), vh, hexToBytes(proof.proof));
  $("#view").innerHTML = `<h1>Account</h1>` + kv([
    ["id", `<span class="mono">${esc(a.id)}</span>`, "account-id"],
    ["SWR", esc(amount(a.balances.SWR, "SWR")), "balance-SWR"],
    ["AIC", esc(amount(a.balances.AIC, "AIC")), "balance-AIC"],
    ["nonce (next)", String(a.nonce), "account-nonce"], ["pending nonce", String(a.pending_nonce)],
    ["as of height", link("block", a.height, String(a.height))],
    ["SWR balance proof", verdict([proofOk, `${proof.exists ? "inclusion" : "exclusion"} proof of the SWR balance against block ${proof.height}'s state root, checked in this browser`]), "state-proof"],
  ]) + (BigInt(a.nonce) === 0n && BigInt(a.balances.SWR) === 0n && BigInt(a.balances.AIC) === 0n
    ? `<p class="muted" id="account-empty">No activity: this id has sent nothing and holds no SWR or AIC.</p>` : "") +
    `<p class="muted">Balances of user tokens are not listed: the node has no method that enumerates an account's tokens.</p>`;
}

async function pageValidators() {
  const v = await rpc("svm_getValidators");
  const rows = v.validators.map((x) => `<tr><td>${link("account", x.operator)}</td><td class="hash">${esc(short(x.consensus_key))}</td>
    <td>${esc(amount(x.tokens))}</td><td>${(Number(x.commission_bps) / 100).toFixed(2)} %</td><td>${x.jailed ? '<span class="bad">jailed</span>' : "active"}</td></tr>`);
  $("#view").innerHTML = `<h1>Validators</h1><p>At height ${v.height}; active set: ${v.active_set.length}.</p>` +
    (rows.length ? `<table id="validators"><thead><tr><th>operator</th><th>consensus key</th><th>stake</th><th>commission</th><th>state</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
      : `<p class="muted" id="validators-none">No registered validators (a devnet's single proposer is not staked).</p>`) +
    (v.active_set.length ? `<h2>Active set</h2><table><tr><th>consensus key</th><th>stake</th></tr>${v.active_set.map((a) => `<tr><td class="hash">${esc(a.consensus_key)}</td><td>${esc(amount(a.stake))}</td></tr>`).join("")}</table>` : "");
}

async function search(q) {
  q = q.trim();
  if (/^\d+$/.test(q)) return (location.hash = `#/block/${q}`);
  const h = q.replace(/^0x/, "").toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(h)) throw new Error(`'${q}' is not a height, a transaction hash or an account id`);
  const t = await rpc("svm_getTransactionByHash", [h]);
  location.hash = t ? `#/tx/${h}` : `#/account/${h}`;
}

// ------------------------------------------------------------------ router

function showError(e) {
  $("#view").innerHTML = `<p class="error" id="error">${esc(e.message || e)}</p>`;
}

async function route() {
  const seq = ++routeSeq;
  clearInterval(pollTimer);
  $("#view").innerHTML = `<p class="muted" id="loading">Loading…</p>`;
  const [, kind, arg] = (location.hash || "#/").match(/^#\/([a-z]*)\/?(.*)$/) || [];
  try {
    if (!kind) await pageHome(seq);
    else if (kind === "block") await pageBlock(decodeURIComponent(arg));
    else if (kind === "tx") await pageTx(decodeURIComponent(arg).replace(/^0x/, "").toLowerCase());
    else if (kind === "account") await pageAccount(decodeURIComponent(arg));
    else if (kind === "validators") await pageValidators();
    else if (kind === "search") await search(decodeURIComponent(arg));
    else throw new Error(`no page '${kind}'`);
  } catch (e) {
    if (seq === routeSeq) showError(e);
  }
}

async function chainBar() {
  try {
    const s = await rpc("svm_status");
    $("#chain").innerHTML = `<span>chain <b id="chain-id">${s.chain_id}</b>${s.devnet ? " (devnet)" : ""}</span>
      <span>height <b id="chain-height">${s.height}</b></span><span>${Number(s.tx_per_s).toFixed(1)} tx/s</span>
      <span>mempool ${s.mempool.count}</span><span>committed ${s.txs_committed}</span>`;
  } catch (e) {
    $("#chain").innerHTML = `<span class="bad">node unreachable: ${esc(e.message)}</span>`;
  }
}

$("#search").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const q = $("#q").value;
  const seq = ++routeSeq;
  search(q).catch((e) => { if (seq === routeSeq) showError(e); });
});
window.addEventListener("hashchange", route);
chainBar();
setInterval(chainBar, 2000);
route();

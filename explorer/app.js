// The SuperVM block explorer: a single page served by the node at /explorer that reads
// everything from the same node's JSON-RPC (POST /). Routes live in the URL fragment:
//   #/  latest blocks (live)   #/block/N   #/tx/HASH   #/account/ID   #/validators   #/search/Q
//   #/proposals  #/proposal/ID   #/pools   #/jobs  #/job/ID
// Receipt inclusion proofs, state proofs, transaction signatures and the quorum certificates
// of the blocks they rest on are checked here, in the browser (WebCrypto SHA-256 and Ed25519),
// and shown as verified or not.
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

/** A token's symbol and decimals: SWR and AIC here, a user token from svm_getToken (cached);
 *  decimals null when the node does not know it (amounts then in base units). */
const tokenInfos = new Map();
async function tokenInfo(idHex) {
  const known = await tokenName(idHex);
  if (known === "SWR" || known === "AIC") return { symbol: known, decimals: 9 };
  if (!tokenInfos.has(idHex)) {
    let info = { symbol: short(idHex), decimals: null };
    try {
      const t = await rpc("svm_getToken", [idHex]);
      info = { symbol: t.symbol, decimals: Number(t.decimals) };
    } catch (e) { /* unknown token: base units */ }
    if (tokenInfos.size > 500) tokenInfos.clear();
    tokenInfos.set(idHex, info);
  }
  return tokenInfos.get(idHex);
}

/** Base units of a token with `decimals` → "2.5 GOLD"; base units when decimals is null. */
function amountDec(v, decimals, symbol) {
  const x = BigInt(v);
  if (decimals === null || decimals === undefined) return `${x} base units of ${symbol}`;
  const scale = 10n ** BigInt(decimals);
  const frac = decimals ? (x % scale).toString().padStart(decimals, "0").replace(/0+$/, "") : "";
  return `${x / scale}${frac ? "." + frac : ""} ${symbol}`;
}
const amountOf = async (v, idHex) => { const t = await tokenInfo(idHex); return amountDec(v, t.decimals, t.symbol); };

/** What a transaction does, from its vm and payload (docs/execution.md, docs/contracts.md). */
async function describe(tx) {
  try {
    const r = new Reader(hexToBytes(tx.payload));
    if (tx.vm === "native") {
      const program = r.varint(), method = r.varint();
      if (program === 1n && method === 1n) {
        const token = bytesToHex(r.bytes(32)), to = bytesToHex(r.bytes(32)), amt = r.varint();
        return `transfer ${esc(await amountOf(amt, token))} to ${link("account", to)}`;
      }
      if (program === 1n && method === 2n) {
        const sym = new TextDecoder().decode(r.bytes(Number(r.varint()))), dec = Number(r.varint()), supply = r.varint();
        return `create token ${esc(sym)} (${dec} decimals, supply ${esc(amountDec(supply, dec, sym))})`;
      }
      if (program === 1n && method === 3n) {
        const token = bytesToHex(r.bytes(32)), amt = r.varint();
        return `burn ${esc(await amountOf(amt, token))}`;
      }
      const names = { 2n: "AMM", 3n: "staking", 4n: "governance", 16n: "model registry", 17n: "job escrow",
        18n: "attestation collateral", 19n: "disputes", 24n: "confidential", 25n: "Groth16" };
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
      if (amt > 0n) s += `, attaching ${esc(await amountOf(amt, token))}`;
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

// Is block `height` certified by a quorum of its epoch's validators? As the CLI checks it
// (src/cli/qc.c, svm_cons_qc_verify): the QC the node stored with the block decoded here, the
// epoch's validator set rebuilt (ids from the keys, ordered by id), signers' stake above two
// thirds, each Ed25519 signature over the vote message ("svm/vote" ‖ u64be chain ‖ u64be epoch ‖
// u64be height ‖ u64be round ‖ 0 ‖ SHA-256("svm/cons/vote" ‖ chain ‖ epoch ‖ block ‖ round ‖ height ‖ parent ‖ parent
// round ‖ exec root)), and the header's hash as the QC's block. Returns [ok, why, roots] where
// roots are the certified header's {receipts, state} roots (hex) for the proofs to match.
const u64be = (v) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(v)); return b; };
const certCache = new Map();
async function certifiedVerdict(height) {
  const key = String(height);
  if (!certCache.has(key)) certCache.set(key, certify(height).catch((e) => [false, `the certificate does not decode: ${e.message}`, null]));
  return certCache.get(key);
}
async function certify(height) {
  const q = await rpc("svm_getBlockQC", [Number(height)]);
  if (!q) return [null, `not checked: this node keeps no quorum certificate for block ${height}`, null];
  if (!q.qc) return [null, `not checked: this node holds only the commit proof of block ${height} so far (its QC follows)`, null];
  const r = new Reader(hexToBytes(q.qc));
  if (r.u8() !== 0x13) throw new Error("not a QC");
  const blockId = r.bytes(32), round = r.varint(), h = r.varint(), parent = r.bytes(32), parentRound = r.varint();
  const execRoot = r.bytes(32), epoch = r.varint(), bitmap = r.bytes(Number(r.varint()));
  let signers = 0;
  for (const x of bitmap) for (let b = x; b; b &= b - 1) signers++;
  const sigs = [];
  for (let i = 0; i < signers; i++) sigs.push(r.bytes(64));
  if (!r.end()) throw new Error("trailing bytes");
  const hdr = hexToBytes(q.header);
  if (!eqBytes(await sha256(hdr), blockId)) return [false, "the certified block id is not the hash of the block's header", null];
  const hr = new Reader(hdr);
  const htag = hr.u8(); // 0x07: the same fields, then a late QC (docs/encoding.md)
  if (htag !== 0x03 && htag !== 0x07) throw new Error("not a header");
  hr.varint(); const hh = hr.varint(); hr.varint(); hr.bytes(32); hr.varint(); hr.bytes(32); hr.varint(); hr.bytes(32);
  const roots = { receipts: bytesToHex(hr.bytes(32)), state: bytesToHex(hr.bytes(32)) };
  if (hh !== BigInt(height) || h !== BigInt(height)) return [false, `the certificate is not for block ${height}`, null];
  const set = await rpc("svm_getValidatorSet", [Number(epoch)]);
  const vals = await Promise.all(set.map(async (v) => ({ pk: hexToBytes(v.pubkey), stake: BigInt(v.stake),
    id: await sha256(concat(utf8("svm/id"), Uint8Array.of(1), hexToBytes(v.pubkey))) })));
  vals.sort((a, b) => { for (let i = 0; i < 32; i++) if (a.id[i] !== b.id[i]) return a.id[i] - b.id[i]; return 0; });
  const chain = BigInt(await rpc("svm_chainId"));
  const digest = await sha256(concat(utf8("svm/cons/vote"), u64be(chain), u64be(epoch), blockId, u64be(round), u64be(h), parent, u64be(parentRound), execRoot));
  const msg = concat(utf8("svm/vote"), u64be(chain), u64be(epoch), u64be(h), u64be(round), Uint8Array.of(0), digest);
  let total = 0n, signed = 0n, k = 0;
  for (const v of vals) total += v.stake;
  for (let i = 0; i < bitmap.length * 8; i++) {
    if (!(bitmap[i >> 3] & (1 << (i & 7)))) continue;
    if (i >= vals.length) return [false, "a signer is not in the validator set", null];
    let ok;
    try {
      const pub = await crypto.subtle.importKey("raw", vals[i].pk, { name: "Ed25519" }, false, ["verify"]);
      ok = await crypto.subtle.verify({ name: "Ed25519" }, pub, sigs[k++], msg);
    } catch (e) {
      return [null, "not checked: this browser has no Ed25519 in WebCrypto", null];
    }
    if (!ok) return [false, `validator ${i}'s signature does not verify`, null];
    signed += vals[i].stake;
  }
  if (3n * signed <= 2n * total) return [false, `the signers hold ${signed} of ${total} stake, not above two thirds`, null];
  return [true, `certified by ${k} of ${vals.length} validators (stake ${signed} of ${total}) in epoch ${epoch}, checked in this browser`, roots];
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
    ["certified", verdict(await certifiedVerdict(b.height).then(([ok, why, roots]) =>
      ok && (roots.receipts !== b.receipts_root || roots.state !== b.state_root) ? [false, "the certified header's roots are not this block's"] : [ok, why])), "block-cert"],
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
      ["block certified", verdict(await certifiedVerdict(rc.block_height).then(([c, why, roots]) =>
        c && roots.receipts !== p.receipts_root ? [false, "the certified header holds another receipts root"] : [c, why])), "cert-status"],
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
  const bals = await rpc("svm_getBalances", [id]);
  const tokRows = await Promise.all(bals.balances.map(async (b) => {
    const dec = b.decimals === undefined ? null : Number(b.decimals), sym = b.symbol ?? short(b.token);
    return `<tr data-token="${esc(b.token)}"><td>${esc(sym)}</td><td class="amount">${esc(amountDec(b.amount, dec, sym))}</td><td class="hash">${esc(b.token)}</td></tr>`;
  }));
  $("#view").innerHTML = `<h1>Account</h1>` + kv([
    ["id", `<span class="mono">${esc(a.id)}</span>`, "account-id"],
    ["SWR", esc(amount(a.balances.SWR, "SWR")), "balance-SWR"],
    ["AIC", esc(amount(a.balances.AIC, "AIC")), "balance-AIC"],
    ["nonce (next)", String(a.nonce), "account-nonce"], ["pending nonce", String(a.pending_nonce)],
    ["as of height", link("block", a.height, String(a.height))],
    ["SWR balance proof", verdict([proofOk, `${proof.exists ? "inclusion" : "exclusion"} proof of the SWR balance against block ${proof.height}'s state root, checked in this browser`]), "state-proof"],
    ["that block certified", verdict(await certifiedVerdict(proof.height).then(([c, why, roots]) =>
      c && roots.state !== proof.state_root ? [false, "the certified header holds another state root"] : [c, why])), "state-cert"],
  ]) + (BigInt(a.nonce) === 0n && BigInt(a.balances.SWR) === 0n && BigInt(a.balances.AIC) === 0n
    ? `<p class="muted" id="account-empty">No activity: this id has sent nothing and holds no SWR or AIC.</p>` : "") +
    `<h2>Tokens</h2>` + (tokRows.length ? `<table id="account-tokens"><thead><tr><th>token</th><th>balance</th><th>id</th></tr></thead><tbody>${tokRows.join("")}</tbody></table>`
      : `<p class="muted" id="account-tokens-none">No balance in any token.</p>`) +
    (bals.complete ? "" : `<p class="bad">Not every balance shown: the scan stopped after ${bals.scanned} objects.</p>`) +
    `<h2>Transactions</h2><div id="account-txs"></div>`;
  await activityList("#account-txs", { kind: "account", account: id }, ["block", "hash", "role", "what", "status"], async (it) => {
    const what = it.payload !== undefined ? await describe(it) : `${esc(it.vm)} payload of ${it.payload_bytes} bytes`;
    return [link("block", it.height, String(it.height)), link("tx", it.tx_hash), esc(it.role), what, statusCell(it.status)];
  });
}

const statusCell = (s) => `<span class="${s === "success" || s === "genesis" ? "ok" : "bad"}">${esc(s)}</span>`;

/** A list from svm_listActivity drawn into sel: a table of rows(item) → cells, newest first, with
 *  a button that scans the blocks below the last ones scanned. */
async function activityList(sel, query, heads, rows) {
  const box = $(sel), seq = routeSeq;
  let top = null;
  box.innerHTML = `<table class="activity"><thead><tr>${heads.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody></tbody></table>
    <p class="muted scanned"></p><button class="more" type="button" hidden>Older blocks</button>`;
  const more = async (before) => {
    const r = await rpc("svm_listActivity", [before === undefined ? query : { ...query, before: Number(before) }]);
    if (seq !== routeSeq) return;
    const cells = await Promise.all(r.items.map(rows));
    box.querySelector("tbody").insertAdjacentHTML("beforeend", cells.map((c) => `<tr>${c.map((x) => `<td>${x}</td>`).join("")}</tr>`).join(""));
    const n = box.querySelectorAll("tbody tr").length;
    top = top ?? r.to;
    box.querySelector(".scanned").textContent = `${n} found; blocks ${r.from}–${top} scanned` +
      (r.next_before === null ? " (back to genesis)." : `; older blocks not scanned yet.`);
    const btn = box.querySelector(".more");
    btn.hidden = r.next_before === null;
    btn.onclick = () => { btn.hidden = true; more(r.next_before).catch(showError); };
  };
  await more();
}

async function pageProposals() {
  $("#view").innerHTML = `<h1>Governance proposals</h1><div id="proposals"></div>`;
  await activityList("#proposals", { kind: "proposals" }, ["proposal", "kind", "status", "yes / no / abstain", "submitted"], async (it) => {
    const p = await rpc("svm_getProposal", [it.id]).catch(() => null);
    if (!p) return [link("proposal", it.id), "—", "gone", "—", link("block", it.height, String(it.height))];
    return [link("proposal", it.id), esc(p.kind), esc(p.status) + (p.passes ? ' <span class="ok">passes</span>' : ""),
      `${esc(amount(p.tally.yes))} / ${esc(amount(p.tally.no))} / ${esc(amount(p.tally.abstain))}`, link("block", it.height, String(it.height))];
  });
}

async function pageProposal(id) {
  id = id.replace(/^0x/, "").toLowerCase();
  const p = await rpc("svm_getProposal", [id]);
  const t = p.tally, total = BigInt(t.yes) + BigInt(t.no) + BigInt(t.abstain);
  const pct = (x) => (total === 0n ? "0" : (Number((BigInt(x) * 10000n) / total) / 100).toFixed(2));
  $("#view").innerHTML = `<h1>Proposal</h1>` + kv([
    ["id", `<span class="mono">${esc(p.proposal)}</span>`, "proposal-id"],
    ["kind", esc(p.kind), "proposal-kind"], ["status", esc(p.status), "proposal-status"],
    ["proposer", link("account", p.proposer, p.proposer)], ["deposit", esc(amount(p.deposit))],
    ["voting", `blocks ${p.start_height} to ${p.end_height}`],
    ["yes", `${esc(amount(t.yes))} (${pct(t.yes)} %)`, "tally-yes"], ["no", `${esc(amount(t.no))} (${pct(t.no)} %)`, "tally-no"],
    ["abstain", `${esc(amount(t.abstain))} (${pct(t.abstain)} %)`, "tally-abstain"],
    ["active stake", esc(amount(p.active_stake))],
    ["passes now", p.passes ? '<span class="ok">yes</span>' : '<span class="bad">no</span>', "proposal-passes"],
    ["body", `<span class="mono">${esc(p.body)}</span>`],
  ]);
}

async function pagePools() {
  $("#view").innerHTML = `<h1>AMM pools</h1><div id="pools"></div>`;
  await activityList("#pools", { kind: "pools" }, ["pool", "pair", "fee", "reserves", "price", "created"], async (it) => {
    const [ta, tb] = await Promise.all([tokenInfo(it.token_a), tokenInfo(it.token_b)]);
    const p = await rpc("svm_getPool", [it.token_a, it.token_b, Number(it.fee_bps)]).catch(() => null);
    const created = Number(it.height) === 0 ? "genesis" : link("block", it.height, String(it.height));
    if (!p) return [esc(short(it.id)), `${esc(ta.symbol)}/${esc(tb.symbol)}`, `${(Number(it.fee_bps) / 100).toFixed(2)} %`, "—", "—", created];
    const ra = BigInt(p.reserve_a), rb = BigInt(p.reserve_b);
    const scaleA = 10n ** BigInt(ta.decimals ?? 0), scaleB = 10n ** BigInt(tb.decimals ?? 0);
    const price = ra === 0n ? "—" : `1 ${esc(ta.symbol)} = ${(Number((rb * scaleA * 1000000n) / (ra * scaleB)) / 1e6).toString()} ${esc(tb.symbol)}`;
    return [`<span class="mono pool-id">${esc(short(it.id))}</span>`, `${esc(ta.symbol)}/${esc(tb.symbol)}`, `${(Number(it.fee_bps) / 100).toFixed(2)} %`,
      `${esc(amountDec(p.reserve_a, ta.decimals, ta.symbol))} + ${esc(amountDec(p.reserve_b, tb.decimals, tb.symbol))}`, price, created];
  });
}

async function pageJobs() {
  $("#view").innerHTML = `<h1>AI jobs</h1><div id="jobs"></div>`;
  await activityList("#jobs", { kind: "jobs" }, ["job", "state", "poster", "price", "replicas", "posted"], async (it) => {
    const j = await rpc("svm_aiGetJob", [it.id]).catch(() => null);
    if (!j) return [link("job", it.id), "closed", link("account", it.sender), "—", "—", link("block", it.height, String(it.height))];
    return [link("job", it.id), esc(j.state), link("account", j.poster), esc(amount(j.price, "AIC")), String(j.replicas), link("block", it.height, String(it.height))];
  });
}

async function pageJob(id) {
  id = id.replace(/^0x/, "").toLowerCase();
  const j = await rpc("svm_aiGetJob", [id]);
  $("#view").innerHTML = `<h1>AI job</h1>` + kv([
    ["id", `<span class="mono">${esc(j.id)}</span>`, "job-id"], ["state", esc(j.state), "job-state"],
    ["poster", link("account", j.poster, j.poster)], ["model", `<span class="mono">${esc(j.model)}</span>`],
    ["verification", esc(j.level)], ["price", esc(amount(j.price, "AIC"))], ["units", String(j.units)],
    ["replicas", String(j.replicas)], ["posted at", link("block", j.posted_height, String(j.posted_height))],
    ["challenge", esc(j.challenge)], ["answer", j.answer === null ? "—" : `<span class="mono">${esc(j.answer)}</span>`, "job-answer"],
  ]) + `<h2>Replicas</h2>` + (j.slots.length ? `<table id="job-slots"><thead><tr><th>provider</th><th>state</th><th>output hash</th></tr></thead><tbody>${
    j.slots.map((x) => `<tr><td>${link("account", x.provider)}</td><td>${esc(x.state)}</td><td class="hash">${esc(short(x.output_hash))}</td></tr>`).join("")}</tbody></table>`
    : `<p class="muted">No provider has taken it yet.</p>`);
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
  if (/^[0-9a-f]{40}$/.test(h)) {
    // an EVM address: the account of the identity it stands for (linked, the node's index, or its own)
    const r = await rpc("svm_getEvmAddressIdentity", [`0x${h}`]);
    return (location.hash = `#/account/${r.identity}`);
  }
  if (!/^[0-9a-f]{64}$/.test(h)) throw new Error(`'${q}' is not a height, a transaction hash, an account id or an EVM address`);
  const t = await rpc("svm_getTransactionByHash", [h]);
  if (t) return (location.hash = `#/tx/${h}`);
  if (await rpc("svm_getProposal", [h]).catch(() => null)) return (location.hash = `#/proposal/${h}`);
  if (await rpc("svm_aiGetJob", [h]).catch(() => null)) return (location.hash = `#/job/${h}`);
  location.hash = `#/account/${h}`;
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
    else if (kind === "proposals") await pageProposals();
    else if (kind === "proposal") await pageProposal(decodeURIComponent(arg));
    else if (kind === "pools") await pagePools();
    else if (kind === "jobs") await pageJobs();
    else if (kind === "job") await pageJob(decodeURIComponent(arg));
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

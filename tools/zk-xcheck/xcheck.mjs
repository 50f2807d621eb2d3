// Independent cross-check of src/zk (docs/privacy.md, "Independent check"): reads the JSON that
// zk_xcheck_emit prints (values computed by our C code) and recomputes or verifies each with
// other code — @noble/curves' ristretto255 (field, group, RFC 9496 encoding and element
// derivation), node's SHA-512 (OpenSSL) and BigInt scalars mod l:
//   the generators (derived here from their labels), Pedersen quantity and flavor
//   commitments, multiscalar products, aggregated Bulletproofs range proofs (verified here the
//   textbook way — the inner-product argument folded round by round, the polynomial identity
//   checked on its own — not as the C verifier's single batched product), the balance proof,
//   and CLSAG signatures in both base forms.
// What is NOT independent: the protocol equations and the transcript framing are written by the
// same author from the same papers and docs; a design error shared by both would pass here.
// Every valid item is also mutated and must then fail, so the checker can fail.
// Usage: node xcheck.mjs < vectors.json     Prints "zk-xcheck: N passed, N failed" last.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';

const Point = ristretto255.Point;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const B = Point.BASE;

let pass = 0, fail = 0;
const check = (name, ok) => {
  if (ok) pass++; else fail++;
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}`);
};

const mod = (a) => ((a % L) + L) % L;
const powL = (b, e) => {
  let r = 1n; b = mod(b);
  for (; e > 0n; e >>= 1n, b = (b * b) % L) if (e & 1n) r = (r * b) % L;
  return r;
};
const inv = (a) => powL(a, L - 2n);
const hexb = (h) => Buffer.from(h, 'hex');
const le2n = (b) => { let n = 0n; for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]); return n; };
const n2le = (n) => { const b = Buffer.alloc(32); for (let i = 0; i < 32; i++, n >>= 8n) b[i] = Number(n & 255n); return b; };
const u64le = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };
const sha512 = (...parts) => createHash('sha512').update(Buffer.concat(parts)).digest();
const scalar = (b) => { const n = le2n(b); if (n >= L) throw new Error('non-canonical scalar'); return n; };
const point = (b) => Point.fromBytes(Uint8Array.from(b));
const mul = (P, k) => (mod(k) === 0n ? Point.ZERO : P.multiplyUnsafe(mod(k)));
const enc = (P) => Buffer.from(P.toBytes());
const msm = (ks, ps) => ks.reduce((acc, k, i) => acc.add(mul(ps[i], k)), Point.ZERO);
const derive = (label, suffix = Buffer.alloc(0)) =>
  ristretto255_hasher.deriveToCurve(Uint8Array.from(sha512(Buffer.from(label), suffix)));

const Bb = derive('svm/zk/pedersen/B_blinding');
const gensG = [], gensH = [];
const gen = (arr, label, i) => {
  while (arr.length <= i) { const le = Buffer.alloc(4); le.writeUInt32LE(arr.length); arr.push(derive(label, le)); }
  return arr[i];
};

class Transcript {
  constructor(label) { if (label !== undefined) this.s = sha512(Buffer.from('svm/zk/transcript/v1'), u64le(label.length), Buffer.from(label)); }
  clone() { const t = new Transcript(); t.s = this.s; return t; }
  append(label, msg) { this.s = sha512(this.s, Buffer.from([1]), u64le(label.length), Buffer.from(label), u64le(msg.length), msg); }
  appendU64(label, v) { this.append(label, u64le(v)); }
  challenge(label) {
    const h = sha512(this.s, Buffer.from([2]), u64le(label.length), Buffer.from(label));
    this.s = sha512(this.s, Buffer.from([3]), h);
    return mod(le2n(h));
  }
}

// ------------------------------------------------------------ range proofs (textbook verifier)
function verifyRange(proof, Vb, m, ctx) {
  const n = 64, N = n * m, k = Math.log2(N);
  if (proof.length !== (2 * k + 9) * 32) return false;
  const at = (i) => proof.subarray(32 * i, 32 * i + 32);
  const [A, S, T1, T2] = [0, 1, 2, 3].map((i) => point(at(i)));
  const [taux, mu, that] = [4, 5, 6].map((i) => scalar(at(i)));
  const Ls = [], Rs = [];
  for (let j = 0; j < k; j++) { Ls.push(at(7 + 2 * j)); Rs.push(at(8 + 2 * j)); }
  const a = scalar(at(7 + 2 * k)), b = scalar(at(8 + 2 * k));
  const t = new Transcript('svm/zk/rangeproof');
  t.appendU64('n', n); t.appendU64('m', m); t.append('ctx', ctx);
  Vb.forEach((v) => t.append('V', v));
  t.append('A', at(0)); t.append('S', at(1));
  const y = t.challenge('y'), z = t.challenge('z');
  t.append('T1', at(2)); t.append('T2', at(3));
  const x = t.challenge('x');
  t.append('tau_x', at(4)); t.append('mu', at(5)); t.append('t_hat', at(6));
  const w = t.challenge('w');
  const u = [];
  for (let j = 0; j < k; j++) { t.append('L', Ls[j]); t.append('R', Rs[j]); u.push(t.challenge('u')); }
  if ([y, z, x, w, ...u].some((c) => c === 0n)) return false;
  // 1. t_hat·B + tau_x·B_blinding = sum z^(2+j) V_j + delta·B + x·T1 + x²·T2
  let ysum = 0n;
  for (let i = 0, yi = 1n; i < N; i++, yi = (yi * y) % L) ysum = (ysum + yi) % L;
  let delta = mod((z - z * z) * ysum);
  for (let j = 0; j < m; j++) delta = mod(delta - powL(z, BigInt(3 + j)) * (2n ** 64n - 1n));
  const V = Vb.map(point);
  const lhs = mul(B, that).add(mul(Bb, taux));
  let rhs = mul(B, delta).add(mul(T1, x)).add(mul(T2, x * x));
  V.forEach((Vj, j) => { rhs = rhs.add(mul(Vj, powL(z, BigInt(2 + j)))); });
  if (!lhs.equals(rhs)) return false;
  // 2. the inner-product argument on P = A + x·S − mu·B_blinding − z·<1, G> + <z·y^i + z^(2+j)·2^(i mod n), H'>
  //    with H'_i = y^-i·H_i and Q = w·B, folded round by round
  const yinv = inv(y);
  let G = [], H = [];
  let P = A.add(mul(S, x)).subtract(mul(Bb, mu)).add(mul(B, that * w));
  for (let i = 0, yi = 1n, yii = 1n; i < N; i++, yi = (yi * y) % L, yii = (yii * yinv) % L) {
    const j = Math.floor(i / n);
    G.push(gen(gensG, 'svm/zk/bp/G', i));
    H.push(mul(gen(gensH, 'svm/zk/bp/H', i), yii));
    P = P.add(mul(G[i], -z)).add(mul(H[i], z * yi + powL(z, BigInt(2 + j)) * 2n ** BigInt(i % n)));
  }
  for (let j = 0; j < k; j++) {
    const h = G.length / 2, ui = inv(u[j]);
    const G2 = [], H2 = [];
    for (let i = 0; i < h; i++) {
      G2.push(mul(G[i], ui).add(mul(G[h + i], u[j])));
      H2.push(mul(H[i], u[j]).add(mul(H[h + i], ui)));
    }
    G = G2; H = H2;
    P = P.add(mul(point(Ls[j]), u[j] * u[j])).add(mul(point(Rs[j]), ui * ui));
  }
  return P.equals(mul(G[0], a).add(mul(H[0], b)).add(mul(B, a * b * w)));
}

// ------------------------------------------------------------------------------ balance proof
function verifyBalance(proof, Pb, ctx) {
  const t = new Transcript('svm/zk/balance');
  t.appendU64('n', Pb.length); t.append('ctx', ctx);
  Pb.forEach((p) => t.append('P', p));
  const w = [1n];
  for (let k = 1; k < Pb.length; k++) w.push(t.challenge('w'));
  t.append('R', proof.subarray(0, 32));
  const e = t.challenge('e');
  const s = scalar(proof.subarray(32));
  const sum = msm(w, Pb.map(point));
  return mul(Bb, s).equals(point(proof.subarray(0, 32)).add(mul(sum, e)));
}

// ------------------------------------------------------------------------------------- CLSAG
const hashPoint = (X) => ristretto255_hasher.deriveToCurve(Uint8Array.from(sha512(Buffer.from('svm/zk/clsag/Hp'), X)));
function verifyClsag(sig, Ib, Pb, Cb, msg, base) {
  const n = Pb.length;
  if (sig.length !== (n + 2) * 32) return false;
  const G = base === 'B_blinding' ? Bb : B;
  const Db = sig.subarray(32 * (n + 1));
  const I = point(Ib), D = point(Db);
  if (I.equals(Point.ZERO)) return false;
  const t = new Transcript('svm/zk/clsag');
  if (base === 'B_blinding') t.append('G', enc(Bb));
  t.appendU64('n', n);
  for (let i = 0; i < n; i++) { t.append('P', Pb[i]); t.append('C', Cb[i]); }
  t.append('I', Ib); t.append('D', Db); t.append('m', msg);
  const agg = t.clone();
  const muP = agg.challenge('agg0'), muC = agg.challenge('agg1');
  const c0 = scalar(sig.subarray(0, 32));
  let c = c0;
  for (let i = 0; i < n; i++) {
    const s = scalar(sig.subarray(32 * (i + 1), 32 * (i + 2)));
    const P = point(Pb[i]), C = point(Cb[i]);
    const Lp = mul(G, s).add(mul(P, c * muP)).add(mul(C, c * muC));
    const Rp = mul(hashPoint(Pb[i]), s).add(mul(I, c * muP)).add(mul(D, c * muC));
    const r = t.clone();
    r.append('L', enc(Lp)); r.append('R', enc(Rp));
    c = r.challenge('c');
  }
  return c === c0;
}

// ---------------------------------------------------------------------------------- the run
const safe = (f) => { try { return f(); } catch { return false; } };
const flip = (buf, i) => { const b = Buffer.from(buf); b[i % b.length] ^= 0x10; return b; };
const v = JSON.parse(readFileSync(0, 'utf8'));

check('B_blinding = map(SHA-512("svm/zk/pedersen/B_blinding")) as noble derives it', enc(Bb).equals(hexb(v.B_blinding)));
v.commitments.forEach((c, i) => {
  const Q = mul(B, BigInt(c.v)).add(mul(Bb, scalar(hexb(c.r))));
  check(`commitment ${i}: v·B + r·B_blinding (v = ${c.v})`, enc(Q).equals(hexb(c.Q)));
  const f = mod(le2n(sha512(Buffer.from('svm/zk/flavor'), hexb(c.token))));
  const F = mul(B, f).add(mul(Bb, scalar(hexb(c.rf))));
  check(`flavor commitment ${i}`, enc(F).equals(hexb(c.F)));
});
v.msm.forEach((c) => {
  const out = msm(c.k.map((h) => scalar(hexb(h))), c.p.map((h) => point(hexb(h))));
  check(`multiscalar product of ${c.k.length} points`, enc(out).equals(hexb(c.out)));
});
v.range.forEach((c) => {
  const proof = hexb(c.proof), V = c.V.map(hexb), ctx = hexb(c.ctx);
  check(`range proof m = ${c.m} (${proof.length} bytes) verifies (textbook verifier)`, safe(() => verifyRange(proof, V, c.m, ctx)));
  let rejected = 0, tried = 0;
  for (let i = 5; i < proof.length; i += 251, tried++) if (!safe(() => verifyRange(flip(proof, i), V, c.m, ctx))) rejected++;
  check(`range proof m = ${c.m}: ${rejected}/${tried} mutated proofs rejected`, rejected === tried);
  check(`range proof m = ${c.m}: another context rejected`, !safe(() => verifyRange(proof, V, c.m, flip(ctx, 0))));
});
{
  const c = v.balance, proof = hexb(c.proof), P = c.P.map(hexb), ctx = hexb(c.ctx);
  check(`balance proof over ${P.length} statements verifies`, safe(() => verifyBalance(proof, P, ctx)));
  check('balance proof: a mutated s or R is rejected', !safe(() => verifyBalance(flip(proof, 40), P, ctx)) && !safe(() => verifyBalance(flip(proof, 3), P, ctx)));
}
v.clsag.forEach((c) => {
  const sig = hexb(c.sig), I = hexb(c.I), P = c.P.map(hexb), C = c.C.map(hexb), msg = hexb(c.msg);
  check(`CLSAG over ${c.base}, ring of ${P.length}, verifies`, safe(() => verifyClsag(sig, I, P, C, msg, c.base)));
  let rejected = 0, tried = 0;
  for (let i = 1; i < sig.length; i += 131, tried++) if (!safe(() => verifyClsag(flip(sig, i), I, P, C, msg, c.base))) rejected++;
  check(`CLSAG over ${c.base}: ${rejected}/${tried} mutated signatures rejected`, rejected === tried);
  check(`CLSAG over ${c.base}: the other base form rejects it`, !safe(() => verifyClsag(sig, I, P, C, msg, c.base === 'B' ? 'B_blinding' : 'B')));
});
console.log(`zk-xcheck: ${pass} passed, ${fail} failed`);
process.exit(fail === 0 ? 0 : 1);

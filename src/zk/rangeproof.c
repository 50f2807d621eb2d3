/* Aggregated Bulletproofs range proofs (Bünz et al. 2018, section 4.3 with the inner-product
 * argument of section 3, verified as one multiscalar multiplication as in section 6.2).
 * n = 64 bits per value, m values (a power of two up to SVM_ZK_AGG_MAX), N = n·m, k = log2 N.
 *
 * Proof (32-byte elements, (2k + 9)·32 bytes):
 *   A ‖ S ‖ T1 ‖ T2 ‖ tau_x ‖ mu ‖ t_hat ‖ (L_j ‖ R_j) for j < k ‖ a ‖ b
 * Transcript (labels in quotes): init "svm/zk/rangeproof"; "n", "m" (u64); "ctx"; each "V";
 * "A", "S"; challenges "y", "z"; "T1", "T2"; "x"; "tau_x", "mu", "t_hat"; "w" (Q = w·B);
 * per round "L", "R", "u"; verifier only: "a", "b", then "c" (the weight joining the two
 * checks into one multiscalar multiplication — derived, so verification is deterministic). */
#include <sodium.h>
#include <string.h>

#include "supervm/base.h"
#include "zk/internal.h"

typedef uint8_t sc_t[32];

/* k = log2(64 m) ≤ 16: the verifier's u[16] and inv[17] hold every round's challenge */
_Static_assert(SVM_ZK_GENS_MAX <= 65536, "at most 16 rounds (N = 64 m ≤ SVM_ZK_GENS_MAX)");
_Static_assert(SVM_ZK_RANGE_BITS == 64, "k = log2(m) + 6");

static int log2_exact(size_t v, size_t *lg)
{
	size_t l = 0;
	while (((size_t)1 << l) < v) l++;
	if (((size_t)1 << l) != v) return SVM_EINVAL;
	*lg = l;
	return 0;
}

static int check_m(size_t m, size_t *k)
{
	size_t lgm;
	if (m == 0 || m > SVM_ZK_AGG_MAX || log2_exact(m, &lgm)) return SVM_EINVAL;
	*k = lgm + 6;
	SVM_ASSERT(*k >= 6 && *k <= 16 && ((size_t)1 << lgm) == m);
	return 0;
}

static void start_transcript(svm_zk_transcript_t *t, size_t m, const uint8_t (*V)[32],
			     const uint8_t *ctx, size_t ctx_len)
{
	svm_zk_transcript_init(t, "svm/zk/rangeproof");
	svm_zk_transcript_append_u64(t, "n", SVM_ZK_RANGE_BITS);
	svm_zk_transcript_append_u64(t, "m", m);
	svm_zk_transcript_append(t, "ctx", ctx, ctx_len);
	for (size_t j = 0; j < m; j++) svm_zk_transcript_append(t, "V", V[j], 32);
}

static const uint8_t SC_ONE[32] = {1};
static const uint8_t SC_ZERO[32] = {0};

/* ---------------------------------------------------------------- prover */

typedef struct {
	size_t N, k;
	sc_t *aL, *aR, *sL, *sR, *l, *r, *scal;
	ge_t *Gp, *Hp, *pts;
	sc_t *hfac; /* y^-i, applied to H in the first round of the inner-product argument */
} prover_t;

static void prover_free(prover_t *p)
{
	svm_free(p->aL), svm_free(p->aR), svm_free(p->sL), svm_free(p->sR);
	svm_free(p->l), svm_free(p->r), svm_free(p->scal), svm_free(p->hfac);
	svm_free(p->Gp), svm_free(p->Hp), svm_free(p->pts);
}

static int prover_alloc(prover_t *p, size_t N)
{
	memset(p, 0, sizeof *p);
	SVM_ASSERT(N >= SVM_ZK_RANGE_BITS && N <= SVM_ZK_GENS_MAX && (N & (N - 1)) == 0);
	p->N = N;
	size_t sb = N * sizeof(sc_t);
	p->aL = svm_malloc(sb), p->aR = svm_malloc(sb), p->sL = svm_malloc(sb);
	p->sR = svm_malloc(sb), p->l = svm_malloc(sb), p->r = svm_malloc(sb);
	p->hfac = svm_malloc(sb);
	p->scal = svm_malloc((2 * N + 1) * sizeof(sc_t));
	p->Gp = svm_malloc(N * sizeof(ge_t)), p->Hp = svm_malloc(N * sizeof(ge_t));
	p->pts = svm_malloc((2 * N + 1) * sizeof(ge_t));
	if (!p->aL || !p->aR || !p->sL || !p->sR || !p->l || !p->r || !p->hfac || !p->scal ||
	    !p->Gp || !p->Hp || !p->pts) {
		prover_free(p);
		return SVM_ENOMEM;
	}
	return 0;
}

static void inner(uint8_t out[32], const sc_t *a, const sc_t *b, size_t n)
{
	uint8_t t[32];
	memset(out, 0, 32);
	for (size_t i = 0; i < n; i++) {
		sc_mul(t, a[i], b[i]);
		sc_add(out, out, t);
	}
}

/* One inner-product round's L or R: <a, G[gofs..]> + <b·hfac, H[hofs..]> + c·Q. */
static int ipp_point(prover_t *p, uint8_t out[32], const sc_t *a, size_t gofs, const sc_t *b,
		     size_t hofs, size_t half, const uint8_t c[32], const ge_t *Q, int first)
{
	/* scal and pts hold 2N + 1; the generator halves lie inside Gp and Hp */
	SVM_ASSERT(2 * half + 1 <= 2 * p->N + 1 && gofs + half <= p->N && hofs + half <= p->N);
	for (size_t i = 0; i < half; i++) {
		memcpy(p->scal[i], a[i], 32);
		p->pts[i] = p->Gp[gofs + i];
		if (first) sc_mul(p->scal[half + i], b[i], p->hfac[hofs + i]);
		else memcpy(p->scal[half + i], b[i], 32);
		p->pts[half + i] = p->Hp[hofs + i];
	}
	memcpy(p->scal[2 * half], c, 32);
	p->pts[2 * half] = *Q;
	ge_t r;
	int rc = zk_msm(&r, (const uint8_t(*)[32])p->scal, p->pts, 2 * half + 1);
	if (rc == 0) ge_encode(out, &r);
	return rc;
}

static int fold2(ge_t *out, const uint8_t k0[32], const ge_t *p0, const uint8_t k1[32],
		 const ge_t *p1)
{
	uint8_t k[2][32];
	ge_t pts[2] = {*p0, *p1};
	memcpy(k[0], k0, 32);
	memcpy(k[1], k1, 32);
	return zk_msm(out, (const uint8_t(*)[32])k, pts, 2);
}

/* The inner-product argument on a = l, b = r with generators G, H·y^-i and Q; writes the
 * L_j ‖ R_j pairs and a ‖ b. */
static int ipp_prove(prover_t *p, svm_zk_transcript_t *t, const ge_t *Q, uint8_t *out)
{
	sc_t *a = p->l, *b = p->r;
	size_t n = p->N;
	int first = 1, rc = 0;
	const uint8_t *out0 = out;
	while (n > 1) {
		size_t half = n / 2;
		SVM_ASSERT((n & (n - 1)) == 0); /* halves stay whole */
		uint8_t cL[32], cR[32], u[32], ui[32];
		inner(cL, a, b + half, half);
		inner(cR, a + half, b, half);
		if ((rc = ipp_point(p, out, a, half, b + half, 0, half, cL, Q, first))) return rc;
		if ((rc = ipp_point(p, out + 32, a + half, 0, b, half, half, cR, Q, first))) return rc;
		svm_zk_transcript_append(t, "L", out, 32);
		svm_zk_transcript_append(t, "R", out + 32, 32);
		svm_zk_transcript_challenge(t, "u", u);
		if (sc_invert(ui, u)) return SVM_EINVAL; /* a zero challenge: probability 2^-252 */
		out += 64;
		for (size_t i = 0; i < half; i++) {
			uint8_t x0[32], x1[32];
			sc_mul(x0, a[i], u);
			sc_mul(x1, a[half + i], ui);
			sc_add(a[i], x0, x1);
			sc_mul(x0, b[i], ui);
			sc_mul(x1, b[half + i], u);
			sc_add(b[i], x0, x1);
		}
		if (half > 1) {
			for (size_t i = 0; i < half; i++) {
				uint8_t h0[32], h1[32];
				if (first) {
					sc_mul(h0, u, p->hfac[i]);
					sc_mul(h1, ui, p->hfac[half + i]);
				} else {
					memcpy(h0, u, 32);
					memcpy(h1, ui, 32);
				}
				if ((rc = fold2(&p->Gp[i], ui, &p->Gp[i], u, &p->Gp[half + i]))) return rc;
				if ((rc = fold2(&p->Hp[i], h0, &p->Hp[i], h1, &p->Hp[half + i]))) return rc;
			}
		}
		first = 0;
		n = half;
	}
	SVM_ASSERT(out == out0 + 64 * p->k); /* one L ‖ R per round: the proof's layout */
	memcpy(out, a[0], 32);
	memcpy(out + 32, b[0], 32);
	return 0;
}

static int commit_points(uint8_t out[32], const ge_t *P0, const uint8_t k0[32], const ge_t *P1,
			 const uint8_t k1[32])
{
	ge_t r;
	int rc = fold2(&r, k0, P0, k1, P1);
	if (rc == 0) ge_encode(out, &r);
	return rc;
}

static int range_prove(prover_t *p, uint8_t *proof, const uint64_t *v, const uint8_t (*gam)[32],
		       size_t m, svm_zk_transcript_t *t, const uint8_t pseed[32])
{
	const size_t N = p->N, n = SVM_ZK_RANGE_BITS;
	const ge_t *G = zk_gens_G(), *H = zk_gens_H(), *Bl = zk_gen_blinding();
	ge_t B;
	ge_base(&B);
	uint8_t alpha[32], rho[32], tau1[32], tau2[32], minus_one[32];
	sc_from_seed(alpha, pseed, "alpha", 0);
	sc_from_seed(rho, pseed, "rho", 0);
	sc_from_seed(tau1, pseed, "tau1", 0);
	sc_from_seed(tau2, pseed, "tau2", 0);
	sc_neg(minus_one, SC_ONE);
	/* A = alpha·B_blinding + <aL, G> + <aR, H>, aL the bits, aR = aL - 1. */
	ge_t A;
	ge_scalarmult(&A, alpha, Bl);
	for (size_t i = 0; i < N; i++) {
		int bit = (int)((v[i / n] >> (i % n)) & 1);
		memcpy(p->aL[i], bit ? SC_ONE : SC_ZERO, 32);
		memcpy(p->aR[i], bit ? SC_ZERO : minus_one, 32);
		if (bit) ge_add(&A, &A, &G[i]);
		else {
			ge_t nh;
			ge_neg(&nh, &H[i]);
			ge_add(&A, &A, &nh);
		}
		sc_from_seed(p->sL[i], pseed, "sL", i);
		sc_from_seed(p->sR[i], pseed, "sR", i);
	}
	uint8_t *out = proof;
	ge_encode(out, &A);
	/* S = rho·B_blinding + <sL, G> + <sR, H> */
	for (size_t i = 0; i < N; i++) {
		memcpy(p->scal[i], p->sL[i], 32), p->pts[i] = G[i];
		memcpy(p->scal[N + i], p->sR[i], 32), p->pts[N + i] = H[i];
	}
	memcpy(p->scal[2 * N], rho, 32), p->pts[2 * N] = *Bl;
	ge_t S;
	int rc = zk_msm(&S, (const uint8_t(*)[32])p->scal, p->pts, 2 * N + 1);
	if (rc) return rc;
	ge_encode(out + 32, &S);
	svm_zk_transcript_append(t, "A", out, 32);
	svm_zk_transcript_append(t, "S", out + 32, 32);
	uint8_t y[32], z[32], yi[32], zj[32], tw[32], t1[32] = {0}, t2[32] = {0}, tmp[32];
	svm_zk_transcript_challenge(t, "y", y);
	svm_zk_transcript_challenge(t, "z", z);
	/* l0 = aL - z (in l), l1 = sL; r0 = y^i (aR + z) + z^(2+j) 2^(i mod n) (in r),
	 * r1 = y^i sR (in sR); hfac = y^-i. */
	uint8_t yinv[32];
	if (sc_invert(yinv, y)) return SVM_EINVAL;
	memcpy(yi, SC_ONE, 32);
	sc_mul(zj, z, z);
	for (size_t i = 0; i < N; i++) {
		if (i % n == 0) {
			if (i) sc_mul(zj, zj, z);
			memcpy(tw, zj, 32); /* z^(2+j) · 2^0 */
		}
		sc_sub(p->l[i], p->aL[i], z);
		sc_add(tmp, p->aR[i], z);
		sc_mul(p->r[i], yi, tmp);
		sc_add(p->r[i], p->r[i], tw);
		sc_mul(p->sR[i], yi, p->sR[i]);
		memcpy(p->hfac[i], i ? p->hfac[i - 1] : SC_ONE, 32);
		if (i) sc_mul(p->hfac[i], p->hfac[i], yinv);
		sc_add(tw, tw, tw);
		sc_mul(yi, yi, y);
	}
	/* t1 = <l0, r1> + <l1, r0>, t2 = <l1, r1> */
	for (size_t i = 0; i < N; i++) {
		sc_mul(tmp, p->l[i], p->sR[i]);
		sc_add(t1, t1, tmp);
		sc_mul(tmp, p->sL[i], p->r[i]);
		sc_add(t1, t1, tmp);
		sc_mul(tmp, p->sL[i], p->sR[i]);
		sc_add(t2, t2, tmp);
	}
	if ((rc = commit_points(out + 64, &B, t1, Bl, tau1))) return rc;
	if ((rc = commit_points(out + 96, &B, t2, Bl, tau2))) return rc;
	svm_zk_transcript_append(t, "T1", out + 64, 32);
	svm_zk_transcript_append(t, "T2", out + 96, 32);
	uint8_t x[32], taux[32], mu[32], that[32] = {0};
	svm_zk_transcript_challenge(t, "x", x);
	/* tau_x = tau2 x^2 + tau1 x + sum z^(2+j) gamma_j; mu = alpha + rho x */
	sc_mul(taux, tau2, x);
	sc_add(taux, taux, tau1);
	sc_mul(taux, taux, x);
	sc_mul(zj, z, z);
	for (size_t j = 0; j < m; j++) {
		sc_mul(tmp, zj, gam[j]);
		sc_add(taux, taux, tmp);
		sc_mul(zj, zj, z);
	}
	sc_mul(mu, rho, x);
	sc_add(mu, mu, alpha);
	for (size_t i = 0; i < N; i++) {
		sc_mul(tmp, p->sL[i], x);
		sc_add(p->l[i], p->l[i], tmp);
		sc_mul(tmp, p->sR[i], x);
		sc_add(p->r[i], p->r[i], tmp);
		sc_mul(tmp, p->l[i], p->r[i]);
		sc_add(that, that, tmp);
	}
	memcpy(out + 128, taux, 32);
	memcpy(out + 160, mu, 32);
	memcpy(out + 192, that, 32);
	svm_zk_transcript_append(t, "tau_x", taux, 32);
	svm_zk_transcript_append(t, "mu", mu, 32);
	svm_zk_transcript_append(t, "t_hat", that, 32);
	uint8_t w[32];
	svm_zk_transcript_challenge(t, "w", w);
	ge_t Q;
	ge_scalarmult(&Q, w, &B);
	memcpy(p->Gp, G, N * sizeof(ge_t));
	memcpy(p->Hp, H, N * sizeof(ge_t));
	return ipp_prove(p, t, &Q, out + 224);
}

int svm_zk_range_prove(uint8_t *proof, uint8_t (*commitments)[32], const uint64_t *v,
		       const uint8_t (*r)[32], size_t m, const uint8_t *ctx, size_t ctx_len,
		       const uint8_t seed[32])
{
	size_t k;
	if (check_m(m, &k)) return SVM_EINVAL;
	for (size_t j = 0; j < m; j++) {
		if (svm_zk_scalar_check(r[j])) return SVM_EINVAL;
		int rc = svm_zk_commit(commitments[j], v[j], r[j]);
		if (rc) return rc;
	}
	svm_zk_transcript_t t;
	start_transcript(&t, m, (const uint8_t(*)[32])commitments, ctx, ctx_len);
	/* The prover's randomness is bound to its seed, the statement and the witness (as
	 * Merlin's transcript RNG is), so one seed never serves two different proofs. */
	uint8_t pseed[64];
	crypto_hash_sha512_state st;
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, (const uint8_t *)"svm/zk/rangeproof/rng", 21);
	crypto_hash_sha512_update(&st, seed, 32);
	crypto_hash_sha512_update(&st, t.state, 64);
	for (size_t j = 0; j < m; j++) {
		uint8_t vb[8];
		for (int i = 0; i < 8; i++) vb[i] = (uint8_t)(v[j] >> (8 * i));
		crypto_hash_sha512_update(&st, vb, 8);
		crypto_hash_sha512_update(&st, r[j], 32);
	}
	crypto_hash_sha512_final(&st, pseed);
	prover_t p;
	int rc = prover_alloc(&p, SVM_ZK_RANGE_BITS * m);
	if (rc) return rc;
	p.k = k;
	rc = range_prove(&p, proof, v, r, m, &t, pseed);
	prover_free(&p);
	/* the proof written is one the verifier accepts (completeness; a debug-only verify) */
	SVM_ASSERT(rc != 0 || svm_zk_range_verify(proof, svm_zk_range_proof_bytes(m),
						  (const uint8_t(*)[32])commitments, m, ctx, ctx_len) == 0);
	sodium_memzero(pseed, sizeof pseed);
	return rc;
}

/* -------------------------------------------------------------- verifier */

int svm_zk_range_verify(const uint8_t *proof, size_t proof_len, const uint8_t (*V)[32], size_t m,
			const uint8_t *ctx, size_t ctx_len)
{
	size_t k;
	if (check_m(m, &k)) return SVM_EINVAL;
	const size_t n = SVM_ZK_RANGE_BITS, N = n * m;
	if (proof_len != (2 * k + 9) * 32) return SVM_EDECODE;
	const uint8_t *Ab = proof, *Sb = proof + 32, *T1b = proof + 64, *T2b = proof + 96;
	const uint8_t *taux = proof + 128, *mu = proof + 160, *that = proof + 192;
	const uint8_t *LR = proof + 224, *a = LR + 64 * k, *b = a + 32;
	if (svm_zk_scalar_check(taux) || svm_zk_scalar_check(mu) || svm_zk_scalar_check(that) ||
	    svm_zk_scalar_check(a) || svm_zk_scalar_check(b))
		return SVM_EDECODE;
	/* Points of the one multiscalar multiplication, in this order:
	 * G_0..G_{N-1}, H_0..H_{N-1}, B, B_blinding, A, S, T1, T2, V_0..V_{m-1}, L_j, R_j. */
	const size_t np = 2 * N + 6 + m + 2 * k;
	SVM_ASSERT(k <= 16 && N <= SVM_ZK_GENS_MAX); /* u[16], inv[17]; the generator tables */
	ge_t *pts = svm_malloc(np * sizeof *pts);
	sc_t *sc = svm_malloc(np * sizeof *sc);
	sc_t *s = svm_malloc(N * sizeof *s);
	int rc = SVM_ENOMEM;
	if (!pts || !sc || !s) goto out;
	rc = SVM_EDECODE;
	ge_t *P = pts + 2 * N;
	if (ge_decode(&P[2], Ab) || ge_decode(&P[3], Sb) || ge_decode(&P[4], T1b) ||
	    ge_decode(&P[5], T2b))
		goto out;
	for (size_t j = 0; j < m; j++)
		if (ge_decode(&P[6 + j], V[j])) goto out;
	for (size_t j = 0; j < 2 * k; j++)
		if (ge_decode(&P[6 + m + j], LR + 32 * j)) goto out;
	memcpy(pts, zk_gens_G(), N * sizeof(ge_t));
	memcpy(pts + N, zk_gens_H(), N * sizeof(ge_t));
	ge_base(&P[0]);
	P[1] = *zk_gen_blinding();

	svm_zk_transcript_t t;
	start_transcript(&t, m, V, ctx, ctx_len);
	uint8_t y[32], z[32], x[32], w[32], c[32], u[16][32], inv[17][32];
	svm_zk_transcript_append(&t, "A", Ab, 32);
	svm_zk_transcript_append(&t, "S", Sb, 32);
	svm_zk_transcript_challenge(&t, "y", y);
	svm_zk_transcript_challenge(&t, "z", z);
	svm_zk_transcript_append(&t, "T1", T1b, 32);
	svm_zk_transcript_append(&t, "T2", T2b, 32);
	svm_zk_transcript_challenge(&t, "x", x);
	svm_zk_transcript_append(&t, "tau_x", taux, 32);
	svm_zk_transcript_append(&t, "mu", mu, 32);
	svm_zk_transcript_append(&t, "t_hat", that, 32);
	svm_zk_transcript_challenge(&t, "w", w);
	for (size_t j = 0; j < k; j++) {
		svm_zk_transcript_append(&t, "L", LR + 64 * j, 32);
		svm_zk_transcript_append(&t, "R", LR + 64 * j + 32, 32);
		svm_zk_transcript_challenge(&t, "u", u[j]);
	}
	svm_zk_transcript_append(&t, "a", a, 32);
	svm_zk_transcript_append(&t, "b", b, 32);
	svm_zk_transcript_challenge(&t, "c", c);
	rc = SVM_EPROOF;
	/* Batch inversion of y and the u_j (Montgomery's trick): one inversion. */
	{
		uint8_t acc[32], pref[17][32], all_inv[32];
		const uint8_t *in[17];
		in[0] = y;
		for (size_t j = 0; j < k; j++) in[1 + j] = u[j];
		memcpy(acc, SC_ONE, 32);
		for (size_t j = 0; j <= k; j++) {
			memcpy(pref[j], acc, 32);
			sc_mul(acc, acc, in[j]);
		}
		if (sc_invert(all_inv, acc)) goto out; /* some challenge is zero */
		for (size_t j = k + 1; j-- > 0;) {
			sc_mul(inv[j], all_inv, pref[j]);
			sc_mul(all_inv, all_inv, in[j]);
		}
	}
	const uint8_t *yinv = inv[0];
	/* s_0 = prod u_j^-1; s_i = s_{i - 2^p} · u_{k-1-p}^2 for p the top bit of i. */
	memcpy(s[0], SC_ONE, 32);
	for (size_t j = 0; j < k; j++) sc_mul(s[0], s[0], inv[1 + j]);
	for (size_t i = 1; i < N; i++) {
		size_t pbit = 0;
		while ((i >> (pbit + 1)) != 0) pbit++;
		SVM_ASSERT(pbit < k); /* i < N = 2^k */
		uint8_t u2[32];
		sc_mul(u2, u[k - 1 - pbit], u[k - 1 - pbit]);
		sc_mul(s[i], s[i - ((size_t)1 << pbit)], u2);
	}
	/* G_i: a s_i + z.  H_i: y^-i (b s_i^-1 - z^(2+j) 2^(i mod n)) - z, with s_i^-1 = s_{N-1-i}.
	 * Along the way: sum y^i for delta. */
	uint8_t yinv_i[32], yi[32], ysum[32] = {0}, zj[32], tw[32], tmp[32];
	memcpy(yinv_i, SC_ONE, 32);
	memcpy(yi, SC_ONE, 32);
	sc_mul(zj, z, z);
	for (size_t i = 0; i < N; i++) {
		if (i % n == 0) {
			if (i) sc_mul(zj, zj, z);
			memcpy(tw, zj, 32);
		}
		sc_mul(sc[i], a, s[i]);
		sc_add(sc[i], sc[i], z);
		sc_mul(tmp, b, s[N - 1 - i]);
		sc_sub(tmp, tmp, tw);
		sc_mul(tmp, tmp, yinv_i);
		sc_sub(sc[N + i], tmp, z);
		sc_add(ysum, ysum, yi);
		sc_mul(yi, yi, y);
		sc_mul(yinv_i, yinv_i, yinv);
		sc_add(tw, tw, tw);
	}
	/* delta = (z - z^2) sum y^i - sum_j z^(3+j) (2^n - 1) */
	uint8_t delta[32], z2[32], two_n_m1[32];
	memset(two_n_m1, 0, 32);
	memset(two_n_m1, 0xff, 8);
	sc_mul(z2, z, z);
	sc_sub(delta, z, z2);
	sc_mul(delta, delta, ysum);
	sc_mul(zj, z2, z);
	for (size_t j = 0; j < m; j++) {
		sc_mul(tmp, zj, two_n_m1);
		sc_sub(delta, delta, tmp);
		sc_mul(zj, zj, z);
	}
	sc_t *S = sc + 2 * N;
	/* B: w (a b - t_hat) + c (t_hat - delta) */
	sc_mul(tmp, a, b);
	sc_sub(tmp, tmp, that);
	sc_mul(S[0], w, tmp);
	sc_sub(tmp, that, delta);
	sc_mul(tmp, tmp, c);
	sc_add(S[0], S[0], tmp);
	/* B_blinding: mu + c tau_x */
	sc_mul(tmp, c, taux);
	sc_add(S[1], mu, tmp);
	/* A: -1, S: -x, T1: -c x, T2: -c x^2 */
	sc_neg(S[2], SC_ONE);
	sc_neg(S[3], x);
	sc_mul(tmp, c, x);
	sc_neg(S[4], tmp);
	sc_mul(tmp, tmp, x);
	sc_neg(S[5], tmp);
	/* V_j: -c z^(2+j) */
	sc_mul(zj, z2, c);
	for (size_t j = 0; j < m; j++) {
		sc_neg(S[6 + j], zj);
		sc_mul(zj, zj, z);
	}
	/* L_j: -u_j^2, R_j: -u_j^-2 */
	for (size_t j = 0; j < k; j++) {
		sc_mul(tmp, u[j], u[j]);
		sc_neg(S[6 + m + 2 * j], tmp);
		sc_mul(tmp, inv[1 + j], inv[1 + j]);
		sc_neg(S[6 + m + 2 * j + 1], tmp);
	}
	ge_t res;
	if ((rc = zk_msm(&res, (const uint8_t(*)[32])sc, pts, np))) goto out;
	rc = ge_is_identity(&res) ? 0 : SVM_EPROOF;
out:
	svm_free(pts);
	svm_free(sc);
	svm_free(s);
	return rc;
}

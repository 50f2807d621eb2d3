/* CLSAG ring signatures over ristretto255 (Goodell, Noether, RandomRun 2019), the two-key form
 * RingCT uses: each ring member is a pair (P_i, C_i) — an output key and a commitment offset —
 * and the signer at a hidden index knows p with P = p·G and z with C = z·G. The key image
 * I = p·Hp(P) is the same for every signature by that key, whatever the ring, so a chain that
 * records used key images refuses a second spend without learning which member signed.
 *
 *   Hp(X) = map(SHA-512("svm/zk/clsag/Hp" ‖ X))          (RFC 9496 one-way map)
 *   D = z·Hp(P_pi); mu_P, mu_C = transcript challenges over (ring, I, D) labelled "agg0", "agg1"
 *   c_{i+1} = challenge over (ring, I, D, m, L_i, R_i) with
 *   L_i = s_i·G + c_i·(mu_P·P_i + mu_C·C_i),  R_i = s_i·Hp(P_i) + c_i·(mu_P·I + mu_C·D)
 * Signature: c_0 ‖ s_0 … s_{n-1} ‖ D ((n + 2)·32 bytes); the key image travels beside it. */
#include <sodium.h>
#include <string.h>

#include "supervm/base.h"
#include "zk/internal.h"

static int hash_point(ge_t *out, const uint8_t P[32])
{
	crypto_hash_sha512_state st;
	uint8_t h[64], enc[32];
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, (const uint8_t *)"svm/zk/clsag/Hp", 15);
	crypto_hash_sha512_update(&st, P, 32);
	crypto_hash_sha512_final(&st, h);
	crypto_core_ristretto255_from_hash(enc, h);
	return ge_decode(out, enc);
}

/* The transcript every challenge of one signature starts from. */
static void base_transcript(svm_zk_transcript_t *t, int base, const uint8_t (*P)[32],
			    const uint8_t (*C)[32], size_t n, const uint8_t I[32], const uint8_t D[32],
			    const uint8_t *msg, size_t msg_len)
{
	svm_zk_transcript_init(t, "svm/zk/clsag");
	if (base == SVM_ZK_BASE_BLINDING) { /* B keeps the original transcript */
		uint8_t g[32];
		svm_zk_generator_blinding(g);
		svm_zk_transcript_append(t, "G", g, 32);
	}
	svm_zk_transcript_append_u64(t, "n", n);
	for (size_t i = 0; i < n; i++) {
		svm_zk_transcript_append(t, "P", P[i], 32);
		svm_zk_transcript_append(t, "C", C[i], 32);
	}
	svm_zk_transcript_append(t, "I", I, 32);
	svm_zk_transcript_append(t, "D", D, 32);
	svm_zk_transcript_append(t, "m", msg, msg_len);
}

static void round_challenge(const svm_zk_transcript_t *base, const ge_t *L, const ge_t *R,
			    uint8_t c[32])
{
	svm_zk_transcript_t t = *base;
	uint8_t l[32], r[32];
	ge_encode(l, L);
	ge_encode(r, R);
	svm_zk_transcript_append(&t, "L", l, 32);
	svm_zk_transcript_append(&t, "R", r, 32);
	svm_zk_transcript_challenge(&t, "c", c);
}

/* L = s·G + cP·P + cC·C and R = s·Hp + cP·I + cC·D, each one small multiscalar product. */
static int ring_step(ge_t *L, ge_t *R, const ge_t *G, const uint8_t s[32], const uint8_t c[32],
		     const uint8_t muP[32], const uint8_t muC[32], const ge_t *P, const ge_t *C,
		     const ge_t *Hp, const ge_t *I, const ge_t *D)
{
	uint8_t k[3][32];
	ge_t pts[3];
	memcpy(k[0], s, 32);
	sc_mul(k[1], c, muP);
	sc_mul(k[2], c, muC);
	pts[0] = *G, pts[1] = *P, pts[2] = *C;
	int rc = zk_msm(L, (const uint8_t(*)[32])k, pts, 3);
	if (rc) return rc;
	pts[0] = *Hp, pts[1] = *I, pts[2] = *D;
	return zk_msm(R, (const uint8_t(*)[32])k, pts, 3);
}

typedef struct {
	ge_t P, C, Hp;
} member_t;

static int load_ring(member_t *m, const uint8_t (*P)[32], const uint8_t (*C)[32], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ge_decode(&m[i].P, P[i]) || ge_decode(&m[i].C, C[i]) || hash_point(&m[i].Hp, P[i]))
			return SVM_EDECODE;
	return 0;
}

size_t svm_zk_clsag_bytes(size_t n) { return (n + 2) * 32; }

/* G, the generator the ring's keys are multiples of. */
static int base_point(ge_t *G, int base)
{
	if (base == SVM_ZK_BASE_B) ge_base(G);
	else if (base == SVM_ZK_BASE_BLINDING) *G = *zk_gen_blinding();
	else return SVM_EINVAL;
	return 0;
}

int svm_zk_clsag_key_image(uint8_t I[32], const uint8_t p[32])
{
	return svm_zk_clsag_key_image_base(I, SVM_ZK_BASE_B, p);
}

int svm_zk_clsag_key_image_base(uint8_t I[32], int gen, const uint8_t p[32])
{
	ge_t G, P, H, r;
	if (svm_zk_scalar_check(p) || base_point(&G, gen)) return SVM_EINVAL;
	ge_scalarmult(&P, p, &G);
	uint8_t Pb[32];
	ge_encode(Pb, &P);
	if (hash_point(&H, Pb)) return SVM_EINVAL;
	ge_scalarmult(&r, p, &H);
	ge_encode(I, &r);
	return 0;
}

int svm_zk_clsag_sign(uint8_t *sig, uint8_t I[32], const uint8_t (*P)[32], const uint8_t (*C)[32],
		      size_t n, size_t pi, const uint8_t p[32], const uint8_t z[32],
		      const uint8_t *msg, size_t msg_len, const uint8_t seed[32])
{
	return svm_zk_clsag_sign_base(sig, I, SVM_ZK_BASE_B, P, C, n, pi, p, z, msg, msg_len, seed);
}

int svm_zk_clsag_sign_base(uint8_t *sig, uint8_t I[32], int gen, const uint8_t (*P)[32],
			   const uint8_t (*C)[32], size_t n, size_t pi, const uint8_t p[32],
			   const uint8_t z[32], const uint8_t *msg, size_t msg_len,
			   const uint8_t seed[32])
{
	ge_t G;
	if (n == 0 || n > SVM_ZK_RING_MAX || pi >= n || base_point(&G, gen)) return SVM_EINVAL;
	if (svm_zk_scalar_check(p) || svm_zk_scalar_check(z)) return SVM_EINVAL;
	member_t *m = svm_malloc(n * sizeof *m);
	if (!m) return SVM_ENOMEM;
	int rc = SVM_EINVAL;
	if (load_ring(m, P, C, n)) goto out;
	ge_t chk, Ig, Dg;
	ge_scalarmult(&chk, p, &G);
	if (!ge_equal(&chk, &m[pi].P)) goto out; /* p is not the key at pi */
	ge_scalarmult(&chk, z, &G);
	if (!ge_equal(&chk, &m[pi].C)) goto out;
	ge_scalarmult(&Ig, p, &m[pi].Hp);
	ge_scalarmult(&Dg, z, &m[pi].Hp);
	uint8_t D[32], muP[32], muC[32], alpha[32], c[32], c0[32];
	ge_encode(I, &Ig);
	ge_encode(D, &Dg);
	svm_zk_transcript_t base, agg;
	base_transcript(&base, gen, P, C, n, I, D, msg, msg_len);
	agg = base;
	svm_zk_transcript_challenge(&agg, "agg0", muP);
	svm_zk_transcript_challenge(&agg, "agg1", muC);
	/* randomness bound to the seed, the statement and the secrets */
	uint8_t rseed[64];
	crypto_hash_sha512_state st;
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, (const uint8_t *)"svm/zk/clsag/rng", 16);
	crypto_hash_sha512_update(&st, seed, 32);
	crypto_hash_sha512_update(&st, base.state, 64);
	crypto_hash_sha512_update(&st, p, 32);
	crypto_hash_sha512_update(&st, z, 32);
	crypto_hash_sha512_final(&st, rseed);
	sc_from_seed(alpha, rseed, "alpha", 0);
	ge_t L, R;
	ge_scalarmult(&L, alpha, &G);
	ge_scalarmult(&R, alpha, &m[pi].Hp);
	round_challenge(&base, &L, &R, c); /* c_{pi+1} */
	uint8_t *s = sig + 32;
	for (size_t k = 1; k < n; k++) {
		size_t i = (pi + k) % n;
		SVM_ASSERT(i != pi && i < n); /* every other member once */
		if (i == 0) memcpy(c0, c, 32);
		sc_from_seed(s + 32 * i, rseed, "s", i);
		if ((rc = ring_step(&L, &R, &G, s + 32 * i, c, muP, muC, &m[i].P, &m[i].C, &m[i].Hp,
				    &Ig, &Dg)))
			goto out;
		round_challenge(&base, &L, &R, c);
	}
	if (pi == 0) memcpy(c0, c, 32);
	/* s_pi = alpha - c_pi (mu_P p + mu_C z) */
	uint8_t t[32], u[32];
	sc_mul(t, muP, p);
	sc_mul(u, muC, z);
	sc_add(t, t, u);
	sc_mul(t, t, c);
	sc_sub(s + 32 * pi, alpha, t);
	memcpy(sig, c0, 32);
	memcpy(sig + 32 * (n + 1), D, 32);
	sodium_memzero(alpha, 32);
	sodium_memzero(rseed, sizeof rseed);
	/* the signature closes the ring: one the verifier accepts (a debug-only verify) */
	SVM_ASSERT(svm_zk_clsag_verify_base(sig, svm_zk_clsag_bytes(n), I, gen, P, C, n, msg, msg_len) == 0);
	rc = 0;
out:
	svm_free(m);
	return rc;
}

int svm_zk_clsag_verify(const uint8_t *sig, size_t sig_len, const uint8_t I[32],
			const uint8_t (*P)[32], const uint8_t (*C)[32], size_t n, const uint8_t *msg,
			size_t msg_len)
{
	return svm_zk_clsag_verify_base(sig, sig_len, I, SVM_ZK_BASE_B, P, C, n, msg, msg_len);
}

int svm_zk_clsag_verify_base(const uint8_t *sig, size_t sig_len, const uint8_t I[32], int gen,
			     const uint8_t (*P)[32], const uint8_t (*C)[32], size_t n,
			     const uint8_t *msg, size_t msg_len)
{
	ge_t G;
	if (n == 0 || n > SVM_ZK_RING_MAX || base_point(&G, gen)) return SVM_EINVAL;
	if (sig_len != svm_zk_clsag_bytes(n)) return SVM_EDECODE;
	for (size_t i = 0; i <= n; i++)
		if (svm_zk_scalar_check(sig + 32 * i)) return SVM_EDECODE;
	const uint8_t *D = sig + 32 * (n + 1);
	ge_t Ig, Dg;
	if (ge_decode(&Ig, I) || ge_decode(&Dg, D)) return SVM_EDECODE;
	if (ge_is_identity(&Ig)) return SVM_EPROOF; /* the identity is no one's key image */
	member_t *m = svm_malloc(n * sizeof *m);
	if (!m) return SVM_ENOMEM;
	int rc = load_ring(m, P, C, n);
	if (rc) goto out;
	svm_zk_transcript_t base, agg;
	uint8_t muP[32], muC[32], c[32];
	base_transcript(&base, gen, P, C, n, I, D, msg, msg_len);
	agg = base;
	svm_zk_transcript_challenge(&agg, "agg0", muP);
	svm_zk_transcript_challenge(&agg, "agg1", muC);
	memcpy(c, sig, 32);
	SVM_ASSERT(n >= 1 && n <= SVM_ZK_RING_MAX);
	for (size_t i = 0; i < n; i++) {
		ge_t L, R;
		if ((rc = ring_step(&L, &R, &G, sig + 32 * (i + 1), c, muP, muC, &m[i].P, &m[i].C,
				    &m[i].Hp, &Ig, &Dg)))
			goto out;
		round_challenge(&base, &L, &R, c);
	}
	rc = memcmp(c, sig, 32) == 0 ? 0 : SVM_EPROOF;
out:
	svm_free(m);
	return rc;
}

/* ------------------------------------------------------------ key-image proofs */

/* A key image with a Chaum–Pedersen proof that it is the key image of P (docs/privacy.md,
 * "View-only wallets and spends"): log_G(P) = log_Hp(P)(I), shown without revealing p.
 *   k from the seed, p and the statement; R1 = k·G, R2 = k·Hp(P)
 *   c = challenge over ("G" for B_blinding), P, I, msg, R1, R2;  s = k − c·p
 * Proof c ‖ s; the verifier recomputes R1 = s·G + c·P, R2 = s·Hp(P) + c·I and c. */
static void kip_transcript(svm_zk_transcript_t *t, int gen, const uint8_t P[32], const uint8_t I[32],
			   const uint8_t *msg, size_t msg_len)
{
	svm_zk_transcript_init(t, "svm/zk/keyimage");
	uint8_t g[32];
	if (gen == SVM_ZK_BASE_BLINDING) svm_zk_generator_blinding(g);
	else svm_zk_generator_B(g);
	svm_zk_transcript_append(t, "G", g, 32);
	svm_zk_transcript_append(t, "P", P, 32);
	svm_zk_transcript_append(t, "I", I, 32);
	svm_zk_transcript_append(t, "m", msg, msg_len);
}

static void kip_challenge(const svm_zk_transcript_t *base, const ge_t *R1, const ge_t *R2, uint8_t c[32])
{
	svm_zk_transcript_t t = *base;
	uint8_t r[32];
	ge_encode(r, R1);
	svm_zk_transcript_append(&t, "R1", r, 32);
	ge_encode(r, R2);
	svm_zk_transcript_append(&t, "R2", r, 32);
	svm_zk_transcript_challenge(&t, "c", c);
}

int svm_zk_key_image_prove(uint8_t proof[SVM_ZK_KEY_IMAGE_PROOF_BYTES], uint8_t I[32], int gen,
			   const uint8_t p[32], const uint8_t *msg, size_t msg_len, const uint8_t seed[32])
{
	ge_t G, Pg, H, Ig, R1, R2;
	if (svm_zk_scalar_check(p) || sc_is_zero(p) || base_point(&G, gen)) return SVM_EINVAL;
	uint8_t P[32], k[32], rseed[64], t[32];
	ge_scalarmult(&Pg, p, &G);
	ge_encode(P, &Pg);
	if (hash_point(&H, P)) return SVM_EINVAL;
	ge_scalarmult(&Ig, p, &H);
	ge_encode(I, &Ig);
	svm_zk_transcript_t base;
	kip_transcript(&base, gen, P, I, msg, msg_len);
	crypto_hash_sha512_state st;
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, (const uint8_t *)"svm/zk/keyimage/rng", 19);
	crypto_hash_sha512_update(&st, seed, 32);
	crypto_hash_sha512_update(&st, base.state, 64);
	crypto_hash_sha512_update(&st, p, 32);
	crypto_hash_sha512_final(&st, rseed);
	sc_from_seed(k, rseed, "k", 0);
	ge_scalarmult(&R1, k, &G);
	ge_scalarmult(&R2, k, &H);
	kip_challenge(&base, &R1, &R2, proof);
	sc_mul(t, proof, p);
	sc_sub(proof + 32, k, t);
	sodium_memzero(k, sizeof k);
	sodium_memzero(t, sizeof t);
	sodium_memzero(rseed, sizeof rseed);
	SVM_ASSERT(svm_zk_key_image_verify(proof, SVM_ZK_KEY_IMAGE_PROOF_BYTES, I, gen, P, msg, msg_len) == 0);
	return 0;
}

int svm_zk_key_image_verify(const uint8_t *proof, size_t proof_len, const uint8_t I[32], int gen,
			    const uint8_t P[32], const uint8_t *msg, size_t msg_len)
{
	ge_t G, Pg, H, Ig;
	if (base_point(&G, gen)) return SVM_EINVAL;
	if (proof_len != SVM_ZK_KEY_IMAGE_PROOF_BYTES) return SVM_EDECODE;
	if (svm_zk_scalar_check(proof) || svm_zk_scalar_check(proof + 32)) return SVM_EDECODE;
	if (ge_decode(&Pg, P) || ge_decode(&Ig, I) || hash_point(&H, P)) return SVM_EDECODE;
	if (ge_is_identity(&Ig) || ge_is_identity(&Pg)) return SVM_EPROOF;
	uint8_t k[2][32], c[32];
	ge_t pts[2], R1, R2;
	memcpy(k[0], proof + 32, 32);
	memcpy(k[1], proof, 32);
	pts[0] = G, pts[1] = Pg;
	int rc = zk_msm(&R1, (const uint8_t(*)[32])k, pts, 2);
	pts[0] = H, pts[1] = Ig;
	if (!rc) rc = zk_msm(&R2, (const uint8_t(*)[32])k, pts, 2);
	if (rc) return rc;
	svm_zk_transcript_t base;
	kip_transcript(&base, gen, P, I, msg, msg_len);
	kip_challenge(&base, &R1, &R2, c);
	return sodium_memcmp(c, proof, 32) == 0 ? 0 : SVM_EPROOF;
}

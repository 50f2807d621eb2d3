/* Unit and property tests of the privacy layer's proofs (src/zk): aggregated Bulletproofs
 * range proofs — honest statements verify for m = 1..32, the proof has (2·log2(64m)+9)·32
 * bytes, a value of 2^64 or more cannot be proven (the commitment is to a wrapped value and
 * the proof fails), every single-bit change of a proof, a swapped commitment, another
 * context, a non-canonical scalar and an invalid point are rejected — and the balance proof
 * (balanced and unbalanced transfers, flavors that agree and that differ). Seeds print on
 * failure; SVM_TEST_SEED replays one. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/base.h"
#include "supervm/privacy.h"

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void rand_scalar(uint8_t out[32], uint64_t *s)
{
	uint8_t wide[64];
	for (int i = 0; i < 64; i++) wide[i] = (uint8_t)rng_next(s);
	crypto_core_ristretto255_scalar_reduce(out, wide);
}

static uint64_t test_seed(void)
{
	const char *e = getenv("SVM_TEST_SEED");
	return e ? strtoull(e, NULL, 0) : 0xb0b2026ULL;
}

typedef struct {
	size_t m;
	uint64_t v[SVM_ZK_AGG_MAX];
	uint8_t r[SVM_ZK_AGG_MAX][32], V[SVM_ZK_AGG_MAX][32];
	uint8_t proof[1024];
	size_t len;
} rp_t;

static void make_proof(rp_t *p, size_t m, uint64_t *s, uint64_t seed)
{
	p->m = m;
	for (size_t j = 0; j < m; j++) {
		uint64_t kind = rng_next(s) % 4;
		p->v[j] = kind == 0 ? 0 : kind == 1 ? UINT64_MAX
						    : rng_next(s) >> (rng_next(s) % 64);
		rand_scalar(p->r[j], s);
	}
	uint8_t pseed[32];
	for (int i = 0; i < 32; i++) pseed[i] = (uint8_t)rng_next(s);
	p->len = svm_zk_range_proof_bytes(m);
	cr_assert_eq(svm_zk_range_prove(p->proof, p->V, p->v, (const uint8_t(*)[32])p->r, m,
					(const uint8_t *)"ctx", 3, pseed),
		     0, "prove m=%zu seed %#llx", m, (unsigned long long)seed);
}

Test(zk_proofs, proof_size_is_2_log2_64m_plus_9_times_32)
{
	cr_assert_eq(svm_zk_range_proof_bytes(1), (2 * 6 + 9) * 32);
	cr_assert_eq(svm_zk_range_proof_bytes(2), (2 * 7 + 9) * 32);
	cr_assert_eq(svm_zk_range_proof_bytes(8), (2 * 9 + 9) * 32);
	cr_assert_eq(svm_zk_range_proof_bytes(32), (2 * 11 + 9) * 32);
}

Test(zk_proofs, honest_range_proofs_verify_for_m_1_to_32)
{
	uint64_t seed = test_seed(), s = seed;
	static rp_t p;
	for (size_t m = 1; m <= SVM_ZK_AGG_MAX; m *= 2) {
		make_proof(&p, m, &s, seed);
		cr_assert_eq(svm_zk_range_verify(p.proof, p.len, (const uint8_t(*)[32])p.V, m,
						 (const uint8_t *)"ctx", 3),
			     0, "verify m=%zu seed %#llx", m, (unsigned long long)seed);
		/* commitments are the Pedersen commitments of the values */
		for (size_t j = 0; j < m; j++) {
			uint8_t c[32];
			cr_assert_eq(svm_zk_commit(c, p.v[j], p.r[j]), 0);
			cr_assert_eq(memcmp(c, p.V[j], 32), 0);
		}
	}
}

Test(zk_proofs, every_single_bit_change_of_a_proof_is_rejected)
{
	uint64_t seed = test_seed() ^ 1, s = seed;
	static rp_t p;
	make_proof(&p, 1, &s, seed);
	for (size_t bit = 0; bit < p.len * 8; bit++) {
		p.proof[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		int rc = svm_zk_range_verify(p.proof, p.len, (const uint8_t(*)[32])p.V, 1,
					     (const uint8_t *)"ctx", 3);
		cr_assert(rc == SVM_EPROOF || rc == SVM_EDECODE, "bit %zu accepted (rc %d), seed %#llx",
			  bit, rc, (unsigned long long)seed);
		p.proof[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	cr_assert_eq(svm_zk_range_verify(p.proof, p.len, (const uint8_t(*)[32])p.V, 1,
					 (const uint8_t *)"ctx", 3),
		     0);
}

Test(zk_proofs, wrong_statement_context_length_or_encoding_is_rejected)
{
	uint64_t seed = test_seed() ^ 2, s = seed;
	static rp_t p;
	make_proof(&p, 2, &s, seed);
	const uint8_t(*V)[32] = (const uint8_t(*)[32])p.V;
	cr_assert_eq(svm_zk_range_verify(p.proof, p.len, V, 2, (const uint8_t *)"ctx", 3), 0);
	cr_assert_eq(svm_zk_range_verify(p.proof, p.len, V, 2, (const uint8_t *)"cty", 3), SVM_EPROOF);
	cr_assert_eq(svm_zk_range_verify(p.proof, p.len - 1, V, 2, (const uint8_t *)"ctx", 3), SVM_EDECODE);
	cr_assert_eq(svm_zk_range_verify(p.proof, p.len, V, 1, (const uint8_t *)"ctx", 3), SVM_EDECODE);
	cr_assert_eq(svm_zk_range_verify(p.proof, p.len, V, 3, (const uint8_t *)"ctx", 3), SVM_EINVAL);
	/* swapped commitments */
	uint8_t W[2][32];
	memcpy(W[0], p.V[1], 32);
	memcpy(W[1], p.V[0], 32);
	if (memcmp(W[0], W[1], 32) != 0)
		cr_assert_eq(svm_zk_range_verify(p.proof, p.len, (const uint8_t(*)[32])W, 2,
						 (const uint8_t *)"ctx", 3),
			     SVM_EPROOF);
	/* a commitment to value + 1 */
	uint8_t b[32];
	svm_zk_generator_B(b);
	crypto_core_ristretto255_add(W[0], p.V[0], b);
	memcpy(W[1], p.V[1], 32);
	cr_assert_eq(svm_zk_range_verify(p.proof, p.len, (const uint8_t(*)[32])W, 2,
					 (const uint8_t *)"ctx", 3),
		     SVM_EPROOF);
	/* a scalar field (t_hat) replaced by l + t_hat mod 2^256: non-canonical */
	static const uint8_t l[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
				      0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				      0, 0, 0, 0x10};
	uint8_t save[32], *t_hat = p.proof + 192;
	memcpy(save, t_hat, 32);
	unsigned carry = 0;
	for (int i = 0; i < 32; i++) {
		unsigned x = t_hat[i] + l[i] + carry;
		t_hat[i] = (uint8_t)x;
		carry = x >> 8;
	}
	if (!carry)
		cr_assert_eq(svm_zk_range_verify(p.proof, p.len, V, 2, (const uint8_t *)"ctx", 3),
			     SVM_EDECODE);
	memcpy(t_hat, save, 32);
	/* A replaced by a non-canonical encoding */
	memset(p.proof, 0xff, 32);
	cr_assert_eq(svm_zk_range_verify(p.proof, p.len, V, 2, (const uint8_t *)"ctx", 3), SVM_EDECODE);
}

/* A value >= 2^64: the prover can only commit to v mod 2^64 (its argument is 64 bits), so we
 * build the statement by hand: V' = V + 2^64·B is a commitment to v + 2^64, and the proof
 * made for V must fail for V'. */
Test(zk_proofs, value_out_of_range_is_rejected)
{
	uint64_t seed = test_seed() ^ 3, s = seed;
	static rp_t p;
	make_proof(&p, 1, &s, seed);
	uint8_t two64[32] = {0}, B[32], shift[32], W[1][32];
	two64[8] = 1;
	svm_zk_generator_B(B);
	cr_assert_eq(crypto_scalarmult_ristretto255(shift, two64, B), 0);
	crypto_core_ristretto255_add(W[0], p.V[0], shift);
	cr_assert_eq(svm_zk_range_verify(p.proof, p.len, (const uint8_t(*)[32])W, 1,
					 (const uint8_t *)"ctx", 3),
		     SVM_EPROOF);
	/* and -1 (= l - 1, "2^253-ish"): V - B for v = 0 */
	uint64_t v0 = 0;
	uint8_t r[1][32], V0[1][32], proof[1024], pseed[32] = {7};
	rand_scalar(r[0], &s);
	cr_assert_eq(svm_zk_range_prove(proof, V0, &v0, (const uint8_t(*)[32])r, 1, NULL, 0, pseed), 0);
	crypto_core_ristretto255_sub(W[0], V0[0], B);
	cr_assert_eq(svm_zk_range_verify(proof, svm_zk_range_proof_bytes(1), (const uint8_t(*)[32])W, 1,
					 NULL, 0),
		     SVM_EPROOF);
	cr_assert_eq(svm_zk_range_verify(proof, svm_zk_range_proof_bytes(1), (const uint8_t(*)[32])V0, 1,
					 NULL, 0),
		     0);
}

/* A transfer of one flavor: inputs (v_i, r_i, flavor blinding f_i), outputs likewise.
 * Statements: Q = sum Qin - sum Qout (must open to zero), F_k - F_0 for every other value. */
Test(zk_proofs, balance_proof_accepts_balanced_and_rejects_unbalanced_or_mixed_flavors)
{
	uint64_t seed = test_seed() ^ 4, s = seed;
	uint8_t token[32] = {1}, other[32] = {2};
	for (int it = 0; it < 20; it++) {
		uint64_t a = rng_next(&s) >> 2, b = rng_next(&s) >> 2;
		uint64_t out1 = a / 3, out2 = a + b - out1; /* in: a, b; out: out1, out2 */
		uint8_t r[4][32], f[4][32], Q[4][32], F[4][32];
		uint64_t v[4] = {a, b, out1, out2};
		for (int i = 0; i < 4; i++) {
			rand_scalar(r[i], &s);
			rand_scalar(f[i], &s);
			cr_assert_eq(svm_zk_commit(Q[i], v[i], r[i]), 0);
			cr_assert_eq(svm_zk_commit_flavor(F[i], token, f[i]), 0);
		}
		/* statements and witnesses */
		uint8_t P[4][32], x[4][32], t[32];
		crypto_core_ristretto255_add(t, Q[0], Q[1]);
		crypto_core_ristretto255_sub(t, t, Q[2]);
		crypto_core_ristretto255_sub(P[0], t, Q[3]);
		crypto_core_ristretto255_scalar_add(x[0], r[0], r[1]);
		crypto_core_ristretto255_scalar_sub(x[0], x[0], r[2]);
		crypto_core_ristretto255_scalar_sub(x[0], x[0], r[3]);
		for (int i = 1; i < 4; i++) {
			crypto_core_ristretto255_sub(P[i], F[i], F[0]);
			crypto_core_ristretto255_scalar_sub(x[i], f[i], f[0]);
		}
		uint8_t proof[64], pseed[32] = {(uint8_t)it};
		cr_assert_eq(svm_zk_balance_prove(proof, (const uint8_t(*)[32])P, (const uint8_t(*)[32])x, 4,
						  (const uint8_t *)"tx", 2, pseed),
			     0);
		cr_assert_eq(svm_zk_balance_verify(proof, (const uint8_t(*)[32])P, 4, (const uint8_t *)"tx", 2),
			     0, "seed %#llx", (unsigned long long)seed);
		cr_assert_eq(svm_zk_balance_verify(proof, (const uint8_t(*)[32])P, 4, (const uint8_t *)"ty", 2),
			     SVM_EPROOF);
		for (int bit = 0; bit < 512; bit += 7) {
			proof[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			int rc = svm_zk_balance_verify(proof, (const uint8_t(*)[32])P, 4, (const uint8_t *)"tx", 2);
			cr_assert(rc == SVM_EPROOF || rc == SVM_EDECODE, "bit %d, seed %#llx", bit,
				  (unsigned long long)seed);
			proof[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		/* unbalanced: output 2 one unit larger; the honest witness no longer opens P[0] */
		uint8_t Qbad[32], Pb[4][32];
		cr_assert_eq(svm_zk_commit(Qbad, out2 + 1, r[3]), 0);
		crypto_core_ristretto255_add(t, Q[0], Q[1]);
		crypto_core_ristretto255_sub(t, t, Q[2]);
		crypto_core_ristretto255_sub(Pb[0], t, Qbad);
		memcpy(Pb[1], P[1], 96);
		cr_assert_eq(svm_zk_balance_prove(proof, (const uint8_t(*)[32])Pb, (const uint8_t(*)[32])x, 4,
						  (const uint8_t *)"tx", 2, pseed),
			     0);
		cr_assert_eq(svm_zk_balance_verify(proof, (const uint8_t(*)[32])Pb, 4, (const uint8_t *)"tx", 2),
			     SVM_EPROOF, "unbalanced accepted, seed %#llx", (unsigned long long)seed);
		/* a wrong flavor on output 2 */
		uint8_t Fbad[32];
		cr_assert_eq(svm_zk_commit_flavor(Fbad, other, f[3]), 0);
		memcpy(Pb[0], P[0], 32);
		crypto_core_ristretto255_sub(Pb[3], Fbad, F[0]);
		cr_assert_eq(svm_zk_balance_prove(proof, (const uint8_t(*)[32])Pb, (const uint8_t(*)[32])x, 4,
						  (const uint8_t *)"tx", 2, pseed),
			     0);
		cr_assert_eq(svm_zk_balance_verify(proof, (const uint8_t(*)[32])Pb, 4, (const uint8_t *)"tx", 2),
			     SVM_EPROOF, "wrong flavor accepted, seed %#llx", (unsigned long long)seed);
	}
}

/* Tests of the BN254 pairing (src/vm/evm/bn254.c): the fast optimal-ate pairing (projective
 * Miller loop with sparse lines, final exponentiation with cyclotomic squarings) gives the same
 * value in GT as the affine reference loop and plain exponentiation it replaced, on seeded random
 * points and products of 1 to 17 pairs (across the 8-pair chunks the loop works in); it is
 * bilinear, linear in each argument and non-degenerate; products that should be one are one and a
 * perturbed one is not. The seed prints on failure; SVM_TEST_SEED replays. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/base.h"
#include "vm/evm/bn254.h"

/* The group order n, big-endian */
static const uint8_t N[32] = {0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45,
			      0xb6, 0x81, 0x81, 0x58, 0x5d, 0x28, 0x33, 0xe8, 0x48, 0x79, 0xb9,
			      0x70, 0x91, 0x43, 0xe1, 0xf5, 0x93, 0xf0, 0x00, 0x00, 0x01};
/* G1 = (1, 2); G2 the EIP-197 generator (x_im ‖ x_re ‖ y_im ‖ y_re) */
static const uint8_t G2[128] = {
	0x19, 0x8e, 0x93, 0x93, 0x92, 0x0d, 0x48, 0x3a, 0x72, 0x60, 0xbf, 0xb7, 0x31, 0xfb, 0x5d, 0x25,
	0xf1, 0xaa, 0x49, 0x33, 0x35, 0xa9, 0xe7, 0x12, 0x97, 0xe4, 0x85, 0xb7, 0xae, 0xf3, 0x12, 0xc2,
	0x18, 0x00, 0xde, 0xef, 0x12, 0x1f, 0x1e, 0x76, 0x42, 0x6a, 0x00, 0x66, 0x5e, 0x5c, 0x44, 0x79,
	0x67, 0x43, 0x22, 0xd4, 0xf7, 0x5e, 0xda, 0xdd, 0x46, 0xde, 0xbd, 0x5c, 0xd9, 0x92, 0xf6, 0xed,
	0x09, 0x06, 0x89, 0xd0, 0x58, 0x5f, 0xf0, 0x75, 0xec, 0x9e, 0x99, 0xad, 0x69, 0x0c, 0x33, 0x95,
	0xbc, 0x4b, 0x31, 0x33, 0x70, 0xb3, 0x8e, 0xf3, 0x55, 0xac, 0xda, 0xdc, 0xd1, 0x22, 0x97, 0x5b,
	0x12, 0xc8, 0x5e, 0xa5, 0xdb, 0x8c, 0x6d, 0xeb, 0x4a, 0xab, 0x71, 0x80, 0x8d, 0xcb, 0x40, 0x8f,
	0xe3, 0xd1, 0xe7, 0x69, 0x0c, 0x43, 0xd3, 0x7b, 0x4c, 0xe6, 0xcc, 0x01, 0x66, 0xfa, 0x7d, 0xaa};

/* A point on the twist outside the order-n subgroup: x = 2 + u (the smallest x_re with x_im = 1
 * whose x³ + 3/ξ is a square in Fp2), y a square root (computed offline) */
static const uint8_t OFF_SUBGROUP[128] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x2b, 0x76, 0xc1, 0x79, 0x59, 0x9b, 0xb9, 0x2a, 0x96, 0x3d, 0xac, 0x85, 0x54, 0x6a, 0x00, 0x5a, 0x77, 0x7f, 0x7c, 0x13, 0xf6, 0xa7, 0xb7, 0x5d, 0x59, 0x18, 0xb6, 0xb5, 0x80, 0x8f, 0x5f, 0xde, 0x10, 0x1f, 0x72, 0x78, 0x41, 0x93, 0x08, 0xb9, 0x50, 0x99, 0xec, 0xa0, 0x2d, 0xce, 0xe0, 0xc5, 0x38, 0x1f, 0x4d, 0x26, 0xd1, 0xd6, 0x23, 0x13, 0xf0, 0x57, 0x16, 0x7f, 0x06, 0x41, 0x01, 0xce};

static uint64_t seed, rng;

static void init_seed(void)
{
	const char *e = getenv("SVM_TEST_SEED");
	seed = e ? strtoull(e, NULL, 0) : 0xb254b254ULL;
	rng = seed ? seed : 1;
}

static uint64_t next(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

/* a random scalar below 2^253 (so below n) */
static void scalar(uint8_t k[32])
{
	for (int i = 0; i < 32; i++) k[i] = (uint8_t)next();
	k[0] &= 0x1f;
}

static void g1_mul(uint8_t out[64], const uint8_t p[64], const uint8_t k[32])
{
	uint8_t in[96], *o = NULL;
	size_t ol = 0;
	memcpy(in, p, 64);
	memcpy(in + 64, k, 32);
	cr_assert_eq(svm_bn254_mul(in, 96, &o, &ol), 1);
	cr_assert_eq(ol, 64);
	memcpy(out, o, 64);
	svm_free(o);
}

static void g1_gen(uint8_t out[64])
{
	memset(out, 0, 64);
	out[31] = 1;
	out[63] = 2;
}

static void g2_mul(uint8_t out[128], const uint8_t q[128], const uint8_t k[32])
{
	uint8_t in[160];
	memcpy(in, q, 128);
	memcpy(in + 128, k, 32);
	cr_assert_eq(svm_bn254_g2_mul(in, out), 1);
}

/* n - k mod n (k below n) */
static void neg_scalar(uint8_t out[32], const uint8_t k[32])
{
	int borrow = 0;
	for (int i = 31; i >= 0; i--) {
		int d = (int)N[i] - (int)k[i] - borrow;
		borrow = d < 0;
		out[i] = (uint8_t)(d + (borrow ? 256 : 0));
	}
}

static void gt(uint8_t out[384], const uint8_t *in, size_t len, bool reference)
{
	cr_assert_eq(svm_bn254_pairing_gt(in, len, out, reference), 1, "seed %#llx",
		     (unsigned long long)seed);
}

static int check(const uint8_t *in, size_t len)
{
	uint8_t *o = NULL;
	size_t ol = 0;
	int rc = svm_bn254_pairing(in, len, &o, &ol);
	cr_assert_eq(rc, 1, "seed %#llx", (unsigned long long)seed);
	cr_assert_eq(ol, 32);
	int r = o[31];
	for (int i = 0; i < 31; i++) cr_assert_eq(o[i], 0);
	svm_free(o);
	return r;
}

/* a pair (a·G1, b·G2) with fresh random a and b */
static void random_pair(uint8_t out[192])
{
	uint8_t a[32], b[32], g[64];
	scalar(a);
	scalar(b);
	g1_gen(g);
	g1_mul(out, g, a);
	g2_mul(out + 64, G2, b);
}

Test(bn254, the_generators_are_valid)
{
	cr_assert_eq(svm_bn254_g2_check(G2, false), 1);
	uint8_t pair[192];
	g1_gen(pair);
	memcpy(pair + 64, G2, 128);
	cr_assert_eq(check(pair, 192), 0, "e(G1, G2) is not one");
}

/* The subgroup check (ψ(Q) = [6x²]Q) agrees with [n]Q = O: on the generator and random multiples
 * (in), on a twist point outside the subgroup and its random multiples and sums with subgroup
 * points (out); pairing inputs with such a point are refused. */
Test(bn254, the_g2_subgroup_check_agrees_with_the_group_order)
{
	init_seed();
	cr_assert_eq(svm_bn254_g2_check(OFF_SUBGROUP, true), 0, "on the twist, not in the subgroup");
	cr_assert_eq(svm_bn254_g2_check(OFF_SUBGROUP, false), 0);
	for (int i = 0; i < 8; i++) {
		uint8_t k[32], q[128];
		scalar(k);
		g2_mul(q, G2, k);
		cr_assert_eq(svm_bn254_g2_check(q, false), 1, "seed %#llx", (unsigned long long)seed);
		cr_assert_eq(svm_bn254_g2_check(q, true), 1, "seed %#llx", (unsigned long long)seed);
	}
	uint8_t pair[192];
	g1_gen(pair);
	memcpy(pair + 64, OFF_SUBGROUP, 128);
	uint8_t *o = NULL, gtv[384], in[160];
	size_t ol = 0;
	cr_assert_eq(svm_bn254_pairing(pair, 192, &o, &ol), 0, "refused");
	cr_assert_eq(svm_bn254_pairing_gt(pair, 192, gtv, true), 0);
	memcpy(in, OFF_SUBGROUP, 128); /* g2_mul refuses it too */
	memset(in + 128, 0, 32);
	in[159] = 2;
	cr_assert_eq(svm_bn254_g2_mul(in, pair), 0);
}

Test(bn254, fast_pairing_equals_the_reference)
{
	init_seed();
	static const size_t sizes[] = {1, 2, 3, 8, 9, 17};
	static uint8_t in[17 * 192];
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t k = sizes[s];
		for (size_t i = 0; i < k; i++) random_pair(in + 192 * i);
		if (k == 9) memset(in + 192 * 4, 0, 64);        /* P at infinity */
		if (k == 17) memset(in + 192 * 8 + 64, 0, 128); /* Q at infinity */
		uint8_t f[384], r[384];
		gt(f, in, 192 * k, false);
		gt(r, in, 192 * k, true);
		cr_assert_eq(memcmp(f, r, 384), 0, "%zu pairs, seed %#llx", k, (unsigned long long)seed);
	}
	uint8_t f[384], r[384]; /* the empty product is one on both */
	gt(f, in, 0, false);
	gt(r, in, 0, true);
	cr_assert_eq(memcmp(f, r, 384), 0);
	cr_assert_eq(check(in, 0), 1);
}

/* e(aP, bQ) = e(abP, Q) = e(P, abQ); e(P + P', Q) = e(P, Q)·e(P', Q); e(aP, bQ)·e(-abP, Q) = 1
 * and e(aP, bQ)·e(-(ab + 1)P, Q) is not; P, P', Q random multiples of the generators, a and b
 * 64-bit random (ab fits in 128 bits). */
Test(bn254, the_pairing_is_bilinear)
{
	init_seed();
	for (int round = 0; round < 4; round++) {
		uint8_t pq[192], a[32] = {0}, b[32] = {0}, ab[32] = {0}, nab[32];
		random_pair(pq);
		const uint8_t *p = pq, *q = pq + 64;
		uint64_t av = next(), bv = next();
		unsigned __int128 abv = (unsigned __int128)av * bv;
		svm_put_u64be(a + 24, av);
		svm_put_u64be(b + 24, bv);
		svm_put_u64be(ab + 16, (uint64_t)(abv >> 64));
		svm_put_u64be(ab + 24, (uint64_t)abv);
		uint8_t x[192], y[192], z[192], e1[384], e2[384], e3[384];
		g1_mul(x, p, a); /* (aP, bQ) */
		g2_mul(x + 64, q, b);
		g1_mul(y, p, ab); /* (abP, Q) */
		memcpy(y + 64, q, 128);
		memcpy(z, p, 64); /* (P, abQ) */
		g2_mul(z + 64, q, ab);
		gt(e1, x, 192, false);
		gt(e2, y, 192, false);
		gt(e3, z, 192, false);
		cr_assert_eq(memcmp(e1, e2, 384), 0, "e(aP, bQ) = e(abP, Q), seed %#llx",
			     (unsigned long long)seed);
		cr_assert_eq(memcmp(e1, e3, 384), 0, "e(aP, bQ) = e(P, abQ), seed %#llx",
			     (unsigned long long)seed);
		uint8_t prod[384];
		memcpy(prod, x, 192); /* e(aP, bQ)·e(-abP, Q) = 1 */
		neg_scalar(nab, ab);
		g1_mul(prod + 192, p, nab);
		memcpy(prod + 256, q, 128);
		cr_assert_eq(check(prod, 384), 1, "seed %#llx", (unsigned long long)seed);
		ab[31]++; /* ab + 1 (ab is even or odd: its low byte is not 0xff with overwhelming odds) */
		cr_assert_neq(ab[31], 0);
		neg_scalar(nab, ab);
		g1_mul(prod + 192, p, nab);
		cr_assert_eq(check(prod, 384), 0, "seed %#llx", (unsigned long long)seed);
		/* linearity in the first argument: [P, Q], [P', Q] against [P + P', Q] */
		uint8_t two[384], sum[192], add_in[128], *o = NULL;
		size_t ol = 0;
		random_pair(two + 192);
		memcpy(two, p, 64);
		memcpy(two + 64, q, 128);
		memcpy(two + 256, q, 128);
		memcpy(add_in, p, 64);
		memcpy(add_in + 64, two + 192, 64);
		cr_assert_eq(svm_bn254_add(add_in, 128, &o, &ol), 1);
		memcpy(sum, o, 64);
		svm_free(o);
		memcpy(sum + 64, q, 128);
		gt(e1, two, 384, false);
		gt(e2, sum, 192, false);
		cr_assert_eq(memcmp(e1, e2, 384), 0, "e(P + P', Q) = e(P, Q)e(P', Q), seed %#llx",
			     (unsigned long long)seed);
	}
}

/* Products of one across the 8-pair chunks: (P_i, Q_i), (-P_i, Q_i) for five random pairs (10
 * pairs) is one; changing one Q to another point makes it not one. */
Test(bn254, a_product_of_inverse_pairs_is_one_across_chunks)
{
	init_seed();
	static uint8_t in[10 * 192];
	for (int i = 0; i < 5; i++) {
		uint8_t a[32], na[32], g[64];
		scalar(a);
		neg_scalar(na, a);
		g1_gen(g);
		g1_mul(in + 384 * i, g, a);
		g1_mul(in + 384 * i + 192, g, na);
		uint8_t b[32];
		scalar(b);
		g2_mul(in + 384 * i + 64, G2, b);
		memcpy(in + 384 * i + 256, in + 384 * i + 64, 128);
	}
	cr_assert_eq(check(in, sizeof in), 1, "seed %#llx", (unsigned long long)seed);
	memcpy(in + 9 * 192 + 64, G2, 128);
	cr_assert_eq(check(in, sizeof in), 0, "seed %#llx", (unsigned long long)seed);
}

/* Short and empty inputs of the EIP-196 operations are zero-padded; an empty one (NULL, 0) is
 * the point at infinity (UBSan once flagged the memcpy from NULL here). */
Test(bn254, empty_inputs_are_zero_padded)
{
	uint8_t *o = NULL;
	size_t ol = 0;
	static const uint8_t zero[64];
	cr_assert_eq(svm_bn254_add(NULL, 0, &o, &ol), 1);
	cr_assert_eq(ol, 64);
	cr_assert_eq(memcmp(o, zero, 64), 0);
	svm_free(o);
	o = NULL;
	cr_assert_eq(svm_bn254_mul(NULL, 0, &o, &ol), 1);
	cr_assert_eq(memcmp(o, zero, 64), 0);
	svm_free(o);
	o = NULL;
	cr_assert_eq(svm_bn254_pairing(NULL, 0, &o, &ol), 1);
	cr_assert_eq(o[31], 1);
	svm_free(o);
	cr_assert_eq(svm_bn254_pairing(zero, 1, &o, &ol), 0, "not a multiple of 192 bytes");
}

/* Tests of the BN254 pairing (src/vm/evm/bn254.c): the fast optimal-ate pairing (projective
 * Miller loop with sparse lines, final exponentiation with cyclotomic squarings) gives the same
 * value in GT as the affine reference loop and plain exponentiation it replaced, on seeded random
 * points and products of 1 to 17 pairs (across the 8-pair chunks the loop works in); it is
 * bilinear, linear in each argument and non-degenerate; products that should be one are one and a
 * perturbed one is not. The seed prints on failure; SVM_TEST_SEED replays. */
#include <criterion/criterion.h>
#include <openssl/bn.h>
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

/* The twist's cofactor h = 2p - n (its order is n·h) */
static const uint8_t H[32] = {0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45,
			      0xb6, 0x81, 0x81, 0x58, 0x5e, 0x06, 0xce, 0xec, 0xda, 0x57, 0x2a,
			      0x24, 0x89, 0x34, 0x5f, 0x22, 0x99, 0xc0, 0xf9, 0xfa, 0x8d};

static void twist_mul(uint8_t out[128], const uint8_t q[128], const uint8_t k[32])
{
	uint8_t in[160];
	memcpy(in, q, 128);
	memcpy(in + 128, k, 32);
	cr_assert_eq(svm_bn254_g2_twist_mul(in, out), 1);
}

static bool is_zero128(const uint8_t *b)
{
	for (int i = 0; i < 128; i++)
		if (b[i]) return false;
	return true;
}

/* The subgroup check ([x+1]Q + ψ([x]Q) + ψ²([x]Q) = ψ³([2x]Q)) agrees with [n]Q = O: on the
 * generator and random multiples (in); on a twist point outside the subgroup, its random
 * multiples and its multiple by n (a point of order dividing h: out unless O) (out); on its
 * multiple by h and that plus random subgroup points (in); pairing inputs with such a point are
 * refused. */
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
	uint8_t q[128], hq[128], nq[128];
	int n_in = 0, n_out = 0;
	twist_mul(nq, OFF_SUBGROUP, N); /* order divides h */
	cr_assert(!is_zero128(nq));
	twist_mul(hq, OFF_SUBGROUP, H); /* in the subgroup */
	cr_assert(!is_zero128(hq));
	for (int i = 0; i < 12; i++) {
		uint8_t k[32];
		scalar(k);
		const uint8_t *base = i % 3 == 0 ? OFF_SUBGROUP : i % 3 == 1 ? nq
									     : hq;
		twist_mul(q, base, k);
		if (is_zero128(q)) continue;
		int want = svm_bn254_g2_check(q, true);
		cr_assert_eq(svm_bn254_g2_check(q, false), want, "case %d, seed %#llx", i, (unsigned long long)seed);
		cr_assert_eq(want, i % 3 == 2, "case %d, seed %#llx", i, (unsigned long long)seed);
		want ? n_in++ : n_out++;
	}
	cr_assert_eq(svm_bn254_g2_check(nq, true), 0);
	cr_assert_eq(svm_bn254_g2_check(nq, false), 0);
	cr_assert_eq(svm_bn254_g2_check(hq, true), 1);
	cr_assert_eq(svm_bn254_g2_check(hq, false), 1);
	cr_assert_gt(n_in, 2);
	cr_assert_gt(n_out, 6);
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

/* ------------------------------------------------------------ field arithmetic */

/* The field operations (Montgomery multiplication and squaring in the no-carry CIOS form, the lazy
 * Fp2 product and square, addition, subtraction) against OpenSSL's BN on the same raw Montgomery
 * representations: mul(a, b) = a·b·2^-256 mod p, on seeded random values below p and on edges
 * (0, 1, 2, p - 1, p - 2, (p ± 1)/2, 2^256 - k mod p for k = 1, 2, 3, 2^256 mod p (the Montgomery
 * one), limb patterns of all ones below p: every carry chain full): every edge with every edge
 * and 40 random values, then 3,200 random pairs. */
static const char P_HEX[] = "30644E72E131A029B85045B68181585D97816A916871CA8D3C208C16D87CFD47";

typedef struct {
	BIGNUM *p, *rinv, *r2, *a, *b, *c, *d, *t, *u;
	BN_CTX *ctx;
} fref_t;

static void fref_init(fref_t *f)
{
	f->ctx = BN_CTX_new();
	f->p = NULL;
	cr_assert(BN_hex2bn(&f->p, P_HEX));
	BIGNUM *r = BN_new();
	cr_assert(r && BN_one(r) && BN_lshift(r, r, 256));
	f->rinv = BN_mod_inverse(NULL, r, f->p, f->ctx);
	cr_assert(f->rinv);
	f->r2 = BN_new();
	cr_assert(f->r2 && BN_mod_mul(f->r2, r, r, f->p, f->ctx));
	BN_free(r);
	f->a = BN_new(), f->b = BN_new(), f->c = BN_new(), f->d = BN_new();
	f->t = BN_new(), f->u = BN_new();
}

static void fref_free(fref_t *f)
{
	BIGNUM *all[] = {f->p, f->rinv, f->r2, f->a, f->b, f->c, f->d, f->t, f->u};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++) BN_free(all[i]);
	BN_CTX_free(f->ctx);
}

/* x·y·R^-1 mod p into r (r may be x or y) */
static void fref_mont(fref_t *f, BIGNUM *r, const BIGNUM *x, const BIGNUM *y)
{
	cr_assert(BN_mod_mul(r, x, y, f->p, f->ctx));
	cr_assert(BN_mod_mul(r, r, f->rinv, f->p, f->ctx));
}

static void be32(uint8_t out[32], const BIGNUM *x) { cr_assert_eq(BN_bn2binpad(x, out, 32), 32); }

/* a value below p: the edge list first, then seeded random ones */
enum { EDGES = 16 };
static void fp_value(fref_t *f, BIGNUM *x, int i)
{
	static const char *const edge_hex[EDGES] = {
		"0", "1", "2", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
		"30644E72E131A028FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
		"30644E72E131A029B85045B68181585D97816A916871CA8CFFFFFFFFFFFFFFFF",
		"30644E72E131A029B85045B68181585CFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
		"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", "FFFFFFFFFFFFFFFF0000000000000000FFFFFFFFFFFFFFFF"};
	if (i < EDGES && edge_hex[i]) {
		cr_assert(BN_hex2bn(&x, edge_hex[i]));
		return;
	}
	switch (i) {
	case 3: BN_sub(x, f->p, BN_value_one()); return; /* p - 1 */
	case 4: BN_sub(x, f->p, BN_value_one()), BN_sub(x, x, BN_value_one()); return;
	case 5: BN_rshift1(x, f->p); return; /* (p - 1)/2 */
	case 6: BN_rshift1(x, f->p), BN_add(x, x, BN_value_one()); return;
	case 7:
	case 8:
	case 9: /* 2^256 - k mod p, k = 1, 2, 3 */
		BN_one(x), BN_lshift(x, x, 256), BN_sub_word(x, (BN_ULONG)(i - 6));
		BN_nnmod(x, x, f->p, f->ctx);
		return;
	case 10: BN_one(x), BN_lshift(x, x, 256), BN_nnmod(x, x, f->p, f->ctx); return; /* one */
	default: break;
	}
	uint8_t b[32];
	do {
		for (int k = 0; k < 32; k++) b[k] = (uint8_t)next();
		b[0] &= 0x3f;
	} while (!BN_bin2bn(b, 32, x) || BN_cmp(x, f->p) >= 0);
}

Test(bn254, field_mul_sqr_add_sub_inv_match_openssl_bn)
{
	init_seed();
	fref_t f;
	fref_init(&f);
	uint8_t a[32], b[32], got[32], want[32];
	int n = 0;
	for (int i = 0; i < EDGES + 400; i++) {
		for (int j = 0; j < (i < EDGES ? EDGES + 40 : 8); j++) {
			fp_value(&f, f.a, i);
			fp_value(&f, f.b, i < EDGES ? j : EDGES); /* then random pairs */
			be32(a, f.a), be32(b, f.b);
			cr_assert_eq(svm_bn254_fp_raw(SVM_BN254_FP_MUL, a, b, got), 0);
			fref_mont(&f, f.t, f.a, f.b);
			be32(want, f.t);
			cr_assert_arr_eq(got, want, 32, "mul, case %d/%d, seed %#llx", i, j, (unsigned long long)seed);
			cr_assert_eq(svm_bn254_fp_raw(SVM_BN254_FP_SQR, a, b, got), 0);
			fref_mont(&f, f.t, f.a, f.a);
			be32(want, f.t);
			cr_assert_arr_eq(got, want, 32, "sqr, case %d, seed %#llx", i, (unsigned long long)seed);
			cr_assert_eq(svm_bn254_fp_raw(SVM_BN254_FP_ADD, a, b, got), 0);
			BN_mod_add(f.t, f.a, f.b, f.p, f.ctx);
			be32(want, f.t);
			cr_assert_arr_eq(got, want, 32, "add, case %d/%d, seed %#llx", i, j, (unsigned long long)seed);
			cr_assert_eq(svm_bn254_fp_raw(SVM_BN254_FP_SUB, a, b, got), 0);
			BN_mod_sub(f.t, f.a, f.b, f.p, f.ctx);
			be32(want, f.t);
			cr_assert_arr_eq(got, want, 32, "sub, case %d/%d, seed %#llx", i, j, (unsigned long long)seed);
			if (j == 0) { /* inverse: (aR)^-1·R² = a^-1·R, 0 for 0 */
				cr_assert_eq(svm_bn254_fp_raw(SVM_BN254_FP_INV, a, b, got), 0);
				if (BN_is_zero(f.a)) BN_zero(f.t);
				else {
					cr_assert(BN_mod_inverse(f.t, f.a, f.p, f.ctx));
					cr_assert(BN_mod_mul(f.t, f.t, f.r2, f.p, f.ctx));
				}
				be32(want, f.t);
				cr_assert_arr_eq(got, want, 32, "inv, case %d, seed %#llx", i, (unsigned long long)seed);
			}
			n++;
		}
	}
	cr_assert_gt(n, 4000);
	/* inputs not below p are refused */
	be32(b, f.p);
	cr_assert_eq(svm_bn254_fp_raw(SVM_BN254_FP_MUL, a, b, got), -1);
	cr_assert_eq(svm_bn254_fp_raw(SVM_BN254_FP_MUL, b, a, got), -1);
	cr_assert_eq(svm_bn254_fp_raw(99, a, a, got), -1);
	fref_free(&f);
}

Test(bn254, fp2_mul_and_sqr_match_openssl_bn)
{
	init_seed();
	fref_t f;
	fref_init(&f);
	uint8_t a[64], b[64], got[64], want[64];
	for (int i = 0; i < 3000; i++) {
		/* the first EDGES² cases pair edges coefficient-wise, the rest are random */
		int e = i < EDGES * EDGES;
		fp_value(&f, f.a, e ? i % EDGES : EDGES);
		fp_value(&f, f.b, e ? i / EDGES : EDGES);
		fp_value(&f, f.c, e ? (i * 7 + 3) % EDGES : EDGES);
		fp_value(&f, f.d, e ? (i * 5 + 1) % EDGES : EDGES);
		be32(a, f.a), be32(a + 32, f.b), be32(b, f.c), be32(b + 32, f.d);
		/* (a + bu)(c + du) = (ac - bd) + (ad + bc)u, each product times R^-1 */
		cr_assert_eq(svm_bn254_fp2_raw(SVM_BN254_FP_MUL, a, b, got), 0);
		fref_mont(&f, f.t, f.a, f.c);
		fref_mont(&f, f.u, f.b, f.d);
		BN_mod_sub(f.t, f.t, f.u, f.p, f.ctx);
		be32(want, f.t);
		fref_mont(&f, f.t, f.a, f.d);
		fref_mont(&f, f.u, f.b, f.c);
		BN_mod_add(f.t, f.t, f.u, f.p, f.ctx);
		be32(want + 32, f.t);
		cr_assert_arr_eq(got, want, 64, "fp2 mul, case %d, seed %#llx", i, (unsigned long long)seed);
		/* (a + bu)² = (a² - b²) + 2ab·u */
		cr_assert_eq(svm_bn254_fp2_raw(SVM_BN254_FP_SQR, a, b, got), 0);
		fref_mont(&f, f.t, f.a, f.a);
		fref_mont(&f, f.u, f.b, f.b);
		BN_mod_sub(f.t, f.t, f.u, f.p, f.ctx);
		be32(want, f.t);
		fref_mont(&f, f.t, f.a, f.b);
		BN_mod_add(f.t, f.t, f.t, f.p, f.ctx);
		be32(want + 32, f.t);
		cr_assert_arr_eq(got, want, 64, "fp2 sqr, case %d, seed %#llx", i, (unsigned long long)seed);
	}
	fref_free(&f);
}

/* ------------------------------------------------------------ G1 multiplication (GLV) */

/* 32-byte big-endian r = a + b mod 2^256 */
static void be_add(uint8_t r[32], const uint8_t a[32], const uint8_t b[32])
{
	int c = 0;
	for (int i = 31; i >= 0; i--) {
		int s = a[i] + b[i] + c;
		r[i] = (uint8_t)s;
		c = s >> 8;
	}
}

static void be_small(uint8_t r[32], int64_t v)
{
	memset(r, v < 0 ? 0xff : 0, 32);
	for (int i = 0; i < 8; i++) r[31 - i] = (uint8_t)((uint64_t)v >> (8 * i));
}

/* The GLV multiplication (k = k1 + k2·λ mod n, interleaved width-4 NAFs) equals the affine
 * double-and-add reference byte for byte: on the scalars where the split is at its edges — λ, the
 * lattice vectors' entries a2 and -b1, n - λ, 2^127, 2^128, 2^255, multiples of n up to 5n (the
 * scalar is reduced mod n first), 2^256 - 1, each ±1 — and on seeded random scalars, on the
 * generator and a random point; and k·P + k'·P = (k + k')·P through the EIP-196 add. */
Test(bn254, g1_glv_multiplication_matches_the_affine_reference)
{
	init_seed();
	static const uint8_t LAMBDA[32] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb3, 0xc4, 0xd7,
					   0x9d, 0x41, 0xa9, 0x17, 0x58, 0x5b, 0xfc, 0x41, 0x08, 0x8d, 0x8d,
					   0xaa, 0xa7, 0x8b, 0x17, 0xea, 0x66, 0xb9, 0x9c, 0x90, 0xdd};
	static const uint8_t A2[32] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				       0x00, 0x00, 0x00, 0x00, 0x00, 0x6f, 0x4d, 0x82, 0x48, 0xee, 0xb8,
				       0x59, 0xfd, 0x0b, 0xe4, 0xe1, 0x54, 0x12, 0x21, 0x25, 0x0b};
	static const uint8_t NB1[32] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
					0x00, 0x00, 0x00, 0x00, 0x00, 0x6f, 0x4d, 0x82, 0x48, 0xee, 0xb8,
					0x59, 0xfc, 0x82, 0x11, 0xbb, 0xeb, 0x7d, 0x4f, 0x11, 0x28};
	enum { BASES = 14 };
	uint8_t base[BASES][32];
	memcpy(base[0], LAMBDA, 32);
	memcpy(base[1], A2, 32);
	memcpy(base[2], NB1, 32);
	neg_scalar(base[3], LAMBDA);
	for (int i = 0; i < 3; i++) { /* 2^127, 2^128, 2^255 */
		memset(base[4 + i], 0, 32);
		int bit = i == 0 ? 127 : i == 1 ? 128
						: 255;
		base[4 + i][31 - bit / 8] = (uint8_t)(1u << (bit % 8));
	}
	memcpy(base[7], N, 32);
	for (int i = 8; i < 12; i++) be_add(base[i], base[i - 1], N); /* 2n … 5n */
	memset(base[12], 0xff, 32);
	be_small(base[13], 0);
	uint8_t pts[2][64], k[32];
	g1_gen(pts[0]);
	scalar(k);
	g1_mul(pts[1], pts[0], k);
	int n = 0;
	for (int pi = 0; pi < 2; pi++) {
		for (int c = 0; c < BASES * 3 + 60; c++) {
			uint8_t in[96], off[32], *o1 = NULL, *o2 = NULL;
			size_t l1 = 0, l2 = 0;
			memcpy(in, pts[pi], 64);
			if (c < BASES * 3) {
				be_small(off, c % 3 - 1);
				be_add(in + 64, base[c / 3], off);
			} else {
				for (int i = 0; i < 32; i++) in[64 + i] = (uint8_t)next();
			}
			cr_assert_eq(svm_bn254_mul(in, 96, &o1, &l1), 1);
			cr_assert_eq(svm_bn254_mul_affine_ref(in, 96, &o2, &l2), 1);
			cr_assert_arr_eq(o1, o2, 64, "point %d, scalar case %d, seed %#llx", pi, c,
					 (unsigned long long)seed);
			svm_free(o1);
			svm_free(o2);
			n++;
		}
	}
	cr_assert_eq(n, 2 * (BASES * 3 + 60));
	for (int i = 0; i < 20; i++) { /* k·P + k'·P = (k + k')·P */
		uint8_t a[32], b[32], s[32], pa[64], pb[64], ps[64], sum_in[128], *o = NULL;
		size_t ol = 0;
		scalar(a);
		scalar(b);
		be_add(s, a, b);
		g1_mul(pa, pts[1], a);
		g1_mul(pb, pts[1], b);
		g1_mul(ps, pts[1], s);
		memcpy(sum_in, pa, 64);
		memcpy(sum_in + 64, pb, 64);
		cr_assert_eq(svm_bn254_add(sum_in, 128, &o, &ol), 1);
		cr_assert_arr_eq(o, ps, 64, "case %d, seed %#llx", i, (unsigned long long)seed);
		svm_free(o);
	}
}

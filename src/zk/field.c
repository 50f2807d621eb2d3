/* Arithmetic mod p = 2^255 - 19 (five 51-bit limbs, 128-bit products) and the Edwards curve
 * -x^2 + y^2 = 1 + d x^2 y^2 in extended coordinates, with the ristretto255 encoding and
 * decoding of RFC 9496 section 4.3. Variable time: verifiers run it on public data. */
#include <string.h>

#include "supervm/base.h"
#include "zk/internal.h"

typedef unsigned __int128 u128;
#define MASK51 ((UINT64_C(1) << 51) - 1)

/* Every limb below 2^bits (assertions only: the bounds the arithmetic relies on). */
static inline bool fe_bounded(const fe_t f, unsigned bits)
{
	for (int i = 0; i < 5; i++)
		if (f[i] >> bits) return false;
	return true;
}

static const fe_t FE_ONE = {1, 0, 0, 0, 0};
static const fe_t FE_D = {0x34dca135978a3ULL, 0x1a8283b156ebdULL, 0x5e7a26001c029ULL,
			  0x739c663a03cbbULL, 0x52036cee2b6ffULL};
static const fe_t FE_D2 = {0x69b9426b2f159ULL, 0x35050762add7aULL, 0x3cf44c0038052ULL,
			   0x6738cc7407977ULL, 0x2406d9dc56dffULL};
static const fe_t FE_SQRTM1 = {0x61b274a0ea0b0ULL, 0xd5a5fc8f189dULL, 0x7ef5e9cbd0c60ULL,
			       0x78595a6804c9eULL, 0x2b8324804fc1dULL};
static const fe_t FE_INVSQRT_A_MINUS_D = {0xfdaa805d40eaULL, 0x2eb482e57d339ULL, 0x7610274bc58ULL,
					  0x6510b613dc8ffULL, 0x786c8905cfaffULL};

static uint64_t load64(const uint8_t *b)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--) v = (v << 8) | b[i];
	return v;
}

static void store64(uint8_t *b, uint64_t v)
{
	for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
}

void fe_frombytes(fe_t h, const uint8_t s[32])
{
	uint64_t w0 = load64(s), w1 = load64(s + 8), w2 = load64(s + 16), w3 = load64(s + 24);
	h[0] = w0 & MASK51;
	h[1] = ((w0 >> 51) | (w1 << 13)) & MASK51;
	h[2] = ((w1 >> 38) | (w2 << 26)) & MASK51;
	h[3] = ((w2 >> 25) | (w3 << 39)) & MASK51;
	h[4] = (w3 >> 12) & MASK51;
}

/* Carries so every limb is below 2^51 except limb 0, below 2^51 + 2^18. */
static void fe_carry(fe_t h)
{
	uint64_t c;
	c = h[0] >> 51, h[0] &= MASK51, h[1] += c;
	c = h[1] >> 51, h[1] &= MASK51, h[2] += c;
	c = h[2] >> 51, h[2] &= MASK51, h[3] += c;
	c = h[3] >> 51, h[3] &= MASK51, h[4] += c;
	c = h[4] >> 51, h[4] &= MASK51, h[0] += 19 * c;
	SVM_ASSERT(h[0] < (UINT64_C(1) << 51) + (UINT64_C(1) << 18) && fe_bounded(h, 52));
	SVM_ASSERT(h[1] <= MASK51 && h[2] <= MASK51 && h[3] <= MASK51 && h[4] <= MASK51);
}

void fe_tobytes(uint8_t s[32], const fe_t f)
{
	fe_t h;
	memcpy(h, f, sizeof h);
	fe_carry(h);
	fe_carry(h);
	/* h < 2p now; q = 1 exactly when h >= p. */
	uint64_t q = (h[0] + 19) >> 51;
	q = (h[1] + q) >> 51;
	q = (h[2] + q) >> 51;
	q = (h[3] + q) >> 51;
	q = (h[4] + q) >> 51;
	SVM_ASSERT(q <= 1); /* h < 2p: at most one p to subtract */
	h[0] += 19 * q;
	uint64_t c;
	c = h[0] >> 51, h[0] &= MASK51, h[1] += c;
	c = h[1] >> 51, h[1] &= MASK51, h[2] += c;
	c = h[2] >> 51, h[2] &= MASK51, h[3] += c;
	c = h[3] >> 51, h[3] &= MASK51, h[4] += c;
	h[4] &= MASK51;
	SVM_ASSERT(fe_bounded(h, 51)); /* fully reduced: five 51-bit limbs, below p */
	store64(s, h[0] | (h[1] << 51));
	store64(s + 8, (h[1] >> 13) | (h[2] << 38));
	store64(s + 16, (h[2] >> 26) | (h[3] << 25));
	store64(s + 24, (h[3] >> 39) | (h[4] << 12));
}

void fe_add(fe_t h, const fe_t f, const fe_t g)
{
	SVM_ASSERT(fe_bounded(f, 54) && fe_bounded(g, 54)); /* the sum's limbs fit 64 bits */
	for (int i = 0; i < 5; i++) h[i] = f[i] + g[i];
	fe_carry(h);
}

/* f + 4p - g: limbs of g stay below 2^53 - 76, so nothing underflows. */
void fe_sub(fe_t h, const fe_t f, const fe_t g)
{
	SVM_ASSERT(g[0] <= 0x1fffffffffffb4ULL && fe_bounded(g, 53) && fe_bounded(f, 54)); /* no underflow */
	h[0] = f[0] + 0x1fffffffffffb4ULL - g[0];
	for (int i = 1; i < 5; i++) h[i] = f[i] + 0x1ffffffffffffcULL - g[i];
	fe_carry(h);
}

void fe_neg(fe_t h, const fe_t f)
{
	static const fe_t zero = {0, 0, 0, 0, 0};
	fe_sub(h, zero, f);
}

/* The carry chain shared by fe_mul and fe_sq: the five 128-bit column sums reduced to limbs
 * below 2^51, except limb 1, which may exceed it by the small final carry (2^255 = 19 mod p
 * folds the top carry into limb 0). */
static inline void fe_reduce_wide(fe_t h, u128 r0, u128 r1, u128 r2, u128 r3, u128 r4)
{
	r1 += r0 >> 51;
	r2 += r1 >> 51;
	r3 += r2 >> 51;
	r4 += r3 >> 51;
	u128 c = r4 >> 51;
	u128 h0 = (r0 & MASK51) + c * 19;
	h[0] = (uint64_t)h0 & MASK51;
	h[1] = ((uint64_t)r1 & MASK51) + (uint64_t)(h0 >> 51);
	h[2] = (uint64_t)r2 & MASK51;
	h[3] = (uint64_t)r3 & MASK51;
	h[4] = (uint64_t)r4 & MASK51;
	SVM_ASSERT(fe_bounded(h, 52) && h[0] <= MASK51 && h[2] <= MASK51); /* limb 1 may exceed 2^51 */
}

void fe_mul(fe_t h, const fe_t f, const fe_t g)
{
	/* limbs below 2^54: 19·g fits 64 bits and the five column products fit 128 */
	SVM_ASSERT(fe_bounded(f, 54) && fe_bounded(g, 54));
	uint64_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
	uint64_t g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3], g4 = g[4];
	uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;
	u128 r0 = (u128)f0 * g0 + (u128)f1 * g4_19 + (u128)f2 * g3_19 + (u128)f3 * g2_19 +
		  (u128)f4 * g1_19;
	u128 r1 = (u128)f0 * g1 + (u128)f1 * g0 + (u128)f2 * g4_19 + (u128)f3 * g3_19 +
		  (u128)f4 * g2_19;
	u128 r2 = (u128)f0 * g2 + (u128)f1 * g1 + (u128)f2 * g0 + (u128)f3 * g4_19 +
		  (u128)f4 * g3_19;
	u128 r3 = (u128)f0 * g3 + (u128)f1 * g2 + (u128)f2 * g1 + (u128)f3 * g0 + (u128)f4 * g4_19;
	u128 r4 = (u128)f0 * g4 + (u128)f1 * g3 + (u128)f2 * g2 + (u128)f3 * g1 + (u128)f4 * g0;
	fe_reduce_wide(h, r0, r1, r2, r3, r4);
}

void fe_sq(fe_t h, const fe_t f)
{
	uint64_t f0 = f[0], f1 = f[1], f2 = f[2], f3 = f[3], f4 = f[4];
	SVM_ASSERT(fe_bounded(f, 54));
	uint64_t f0_2 = 2 * f0, f1_2 = 2 * f1, f1_38 = 38 * f1, f2_38 = 38 * f2, f3_38 = 38 * f3,
		 f3_19 = 19 * f3, f4_19 = 19 * f4;
	u128 r0 = (u128)f0 * f0 + (u128)f1_38 * f4 + (u128)f2_38 * f3;
	u128 r1 = (u128)f0_2 * f1 + (u128)f2_38 * f4 + (u128)f3_19 * f3;
	u128 r2 = (u128)f0_2 * f2 + (u128)f1 * f1 + (u128)f3_38 * f4;
	u128 r3 = (u128)f0_2 * f3 + (u128)f1_2 * f2 + (u128)f4_19 * f4;
	u128 r4 = (u128)f0_2 * f4 + (u128)f1_2 * f3 + (u128)f2 * f2;
	fe_reduce_wide(h, r0, r1, r2, r3, r4);
}

static void fe_sqn(fe_t h, const fe_t f, int n)
{
	SVM_ASSERT(n >= 1);
	fe_sq(h, f);
	for (int i = 1; i < n; i++) fe_sq(h, h);
}

/* z^(2^250 - 1) and z^11, the common part of inversion and the square-root exponent. */
static void fe_pow_250(fe_t z250, fe_t z11, const fe_t z)
{
	fe_t z2, z9, t, z5, z10, z20, z40, z50, z100, z200;
	fe_sq(z2, z);
	fe_sqn(t, z2, 2);
	fe_mul(z9, t, z);
	fe_mul(z11, z9, z2);
	fe_sq(t, z11);
	fe_mul(z5, t, z9); /* 2^5 - 1 */
	fe_sqn(t, z5, 5);
	fe_mul(z10, t, z5);
	fe_sqn(t, z10, 10);
	fe_mul(z20, t, z10);
	fe_sqn(t, z20, 20);
	fe_mul(z40, t, z20);
	fe_sqn(t, z40, 10);
	fe_mul(z50, t, z10);
	fe_sqn(t, z50, 50);
	fe_mul(z100, t, z50);
	fe_sqn(t, z100, 100);
	fe_mul(z200, t, z100);
	fe_sqn(t, z200, 50);
	fe_mul(z250, t, z50);
}

void fe_invert(fe_t out, const fe_t z)
{
	fe_t z250, z11, t;
	fe_pow_250(z250, z11, z);
	fe_sqn(t, z250, 5);
	fe_mul(out, t, z11); /* z^(2^255 - 21) = z^(p - 2) */
}

static void fe_pow22523(fe_t out, const fe_t z)
{
	fe_t z250, z11, t;
	fe_pow_250(z250, z11, z);
	fe_sqn(t, z250, 2);
	fe_mul(out, t, z); /* z^(2^252 - 3) = z^((p - 5) / 8) */
}

int fe_is_negative(const fe_t f)
{
	uint8_t s[32];
	fe_tobytes(s, f);
	return s[0] & 1;
}

int fe_is_zero(const fe_t f)
{
	uint8_t s[32], z[32] = {0};
	fe_tobytes(s, f);
	return memcmp(s, z, 32) == 0;
}

static int fe_equal(const fe_t f, const fe_t g)
{
	uint8_t a[32], b[32];
	fe_tobytes(a, f);
	fe_tobytes(b, g);
	return memcmp(a, b, 32) == 0;
}

static void fe_abs(fe_t h, const fe_t f)
{
	if (fe_is_negative(f)) fe_neg(h, f);
	else if (h != f) memcpy(h, f, sizeof(fe_t));
}

/* RFC 9496 4.2 SQRT_RATIO_M1: r = sqrt(u/v) made non-negative; returns whether u/v was square
 * (r is then sqrt(i·u/v) when it was not). */
static int fe_sqrt_ratio_m1(fe_t r, const fe_t u, const fe_t v)
{
	fe_t v3, v7, t, check, neg_u, neg_u_i;
	fe_sq(v3, v);
	fe_mul(v3, v3, v); /* v^3 */
	fe_sq(v7, v3);
	fe_mul(v7, v7, v); /* v^7 */
	fe_mul(t, u, v7);
	fe_pow22523(t, t);
	fe_mul(t, t, v3);
	fe_mul(r, t, u); /* (u v^3) (u v^7)^((p-5)/8) */
	fe_sq(check, r);
	fe_mul(check, check, v);
	fe_neg(neg_u, u);
	fe_mul(neg_u_i, neg_u, FE_SQRTM1);
	int correct = fe_equal(check, u);
	int flipped = fe_equal(check, neg_u);
	int flipped_i = fe_equal(check, neg_u_i);
	if (flipped || flipped_i) fe_mul(r, r, FE_SQRTM1);
	fe_abs(r, r);
	SVM_ASSERT(!fe_is_negative(r)); /* RFC 9496: the non-negative root */
	return correct || flipped;
}

void ge_identity(ge_t *p)
{
	memset(p, 0, sizeof *p);
	p->Y[0] = 1;
	p->Z[0] = 1;
}

void ge_to_cached(ge_cached_t *c, const ge_t *p)
{
	fe_add(c->YpX, p->Y, p->X);
	fe_sub(c->YmX, p->Y, p->X);
	fe_add(c->Z2, p->Z, p->Z);
	fe_mul(c->T2d, p->T, FE_D2);
}

/* add-2008-hwcd-3 with the addend precomputed. */
void ge_add_cached(ge_t *r, const ge_t *p, const ge_cached_t *q)
{
	fe_t a, b, c, d, e, f, g, h;
	fe_sub(a, p->Y, p->X);
	fe_mul(a, a, q->YmX);
	fe_add(b, p->Y, p->X);
	fe_mul(b, b, q->YpX);
	fe_mul(c, p->T, q->T2d);
	fe_mul(d, p->Z, q->Z2);
	fe_sub(e, b, a);
	fe_sub(f, d, c);
	fe_add(g, d, c);
	fe_add(h, b, a);
	fe_mul(r->X, e, f);
	fe_mul(r->Y, g, h);
	fe_mul(r->T, e, h);
	fe_mul(r->Z, f, g);
}

void ge_sub_cached(ge_t *r, const ge_t *p, const ge_cached_t *q)
{
	ge_cached_t n;
	memcpy(n.YpX, q->YmX, sizeof(fe_t));
	memcpy(n.YmX, q->YpX, sizeof(fe_t));
	memcpy(n.Z2, q->Z2, sizeof(fe_t));
	fe_neg(n.T2d, q->T2d);
	ge_add_cached(r, p, &n);
}

void ge_add(ge_t *r, const ge_t *p, const ge_t *q)
{
	ge_cached_t c;
	ge_to_cached(&c, q);
	ge_add_cached(r, p, &c);
}

/* dbl-2008-hwcd with a = -1. */
void ge_dbl(ge_t *r, const ge_t *p)
{
	fe_t a, b, c, e, g, f, h, t;
	fe_sq(a, p->X);
	fe_sq(b, p->Y);
	fe_sq(c, p->Z);
	fe_add(c, c, c);
	fe_add(t, p->X, p->Y);
	fe_sq(e, t);
	fe_sub(e, e, a);
	fe_sub(e, e, b); /* 2XY */
	fe_sub(g, b, a); /* aA + B */
	fe_sub(f, g, c);
	fe_add(h, a, b);
	fe_neg(h, h); /* aA - B */
	fe_mul(r->X, e, f);
	fe_mul(r->Y, g, h);
	fe_mul(r->T, e, h);
	fe_mul(r->Z, f, g);
}

void ge_neg(ge_t *r, const ge_t *p)
{
	fe_neg(r->X, p->X);
	memcpy(r->Y, p->Y, sizeof(fe_t));
	memcpy(r->Z, p->Z, sizeof(fe_t));
	fe_neg(r->T, p->T);
}

/* RFC 9496 4.3.3: (X1 Y2 == Y1 X2) or (Y1 Y2 == X1 X2). */
int ge_equal(const ge_t *p, const ge_t *q)
{
	fe_t a, b;
	fe_mul(a, p->X, q->Y);
	fe_mul(b, p->Y, q->X);
	if (fe_equal(a, b)) return 1;
	fe_mul(a, p->Y, q->Y);
	fe_mul(b, p->X, q->X);
	return fe_equal(a, b);
}

int ge_is_identity(const ge_t *p) { return fe_is_zero(p->X) || fe_is_zero(p->Y); }

int ge_decode(ge_t *p, const uint8_t s_bytes[32])
{
	fe_t s, ss, u1, u2, u2_sqr, v, t, invsqrt, den_x, den_y;
	uint8_t back[32];
	fe_frombytes(s, s_bytes);
	fe_tobytes(back, s);
	if (memcmp(back, s_bytes, 32) != 0) return SVM_EDECODE; /* s >= p or bit 255 set */
	if (fe_is_negative(s)) return SVM_EDECODE;
	fe_sq(ss, s);
	fe_sub(u1, FE_ONE, ss);
	fe_add(u2, FE_ONE, ss);
	fe_sq(u2_sqr, u2);
	fe_sq(t, u1);
	fe_mul(v, FE_D, t);
	fe_neg(v, v);
	fe_sub(v, v, u2_sqr); /* -(D u1^2) - u2^2 */
	fe_mul(t, v, u2_sqr);
	int was_square = fe_sqrt_ratio_m1(invsqrt, FE_ONE, t);
	fe_mul(den_x, invsqrt, u2);
	fe_mul(den_y, invsqrt, den_x);
	fe_mul(den_y, den_y, v);
	fe_add(t, s, s);
	fe_mul(t, t, den_x);
	fe_abs(p->X, t);
	fe_mul(p->Y, u1, den_y);
	memcpy(p->Z, FE_ONE, sizeof(fe_t));
	fe_mul(p->T, p->X, p->Y);
	if (!was_square || fe_is_negative(p->T) || fe_is_zero(p->Y)) return SVM_EDECODE;
	if (SVM_ASSERT_ON) { /* the encoding is canonical: the point encodes back to it */
		uint8_t again[32];
		ge_encode(again, p);
		SVM_ASSERT(memcmp(again, s_bytes, 32) == 0);
	}
	return 0;
}

void ge_encode(uint8_t out[32], const ge_t *p)
{
	fe_t u1, u2, t, invsqrt, den1, den2, z_inv, ix0, iy0, ench, x, y, den_inv, s;
	fe_add(u1, p->Z, p->Y);
	fe_sub(t, p->Z, p->Y);
	fe_mul(u1, u1, t);
	fe_mul(u2, p->X, p->Y);
	fe_sq(t, u2);
	fe_mul(t, t, u1);
	(void)fe_sqrt_ratio_m1(invsqrt, FE_ONE, t);
	fe_mul(den1, invsqrt, u1);
	fe_mul(den2, invsqrt, u2);
	fe_mul(z_inv, den1, den2);
	fe_mul(z_inv, z_inv, p->T);
	fe_mul(ix0, p->X, FE_SQRTM1);
	fe_mul(iy0, p->Y, FE_SQRTM1);
	fe_mul(ench, den1, FE_INVSQRT_A_MINUS_D);
	fe_mul(t, p->T, z_inv);
	int rotate = fe_is_negative(t);
	if (rotate) {
		memcpy(x, iy0, sizeof x);
		memcpy(y, ix0, sizeof y);
		memcpy(den_inv, ench, sizeof den_inv);
	} else {
		memcpy(x, p->X, sizeof x);
		memcpy(y, p->Y, sizeof y);
		memcpy(den_inv, den2, sizeof den_inv);
	}
	fe_mul(t, x, z_inv);
	if (fe_is_negative(t)) fe_neg(y, y);
	fe_sub(t, p->Z, y);
	fe_mul(s, den_inv, t);
	fe_abs(s, s);
	fe_tobytes(out, s);
	SVM_ASSERT((out[0] & 1) == 0 && (out[31] & 0x80) == 0); /* non-negative, below p */
}

void ge_base(ge_t *p)
{
	static const uint8_t enc[32] = {0xe2, 0xf2, 0xae, 0x0a, 0x6a, 0xbc, 0x4e, 0x71,
					0xa8, 0x84, 0xa9, 0x61, 0xc5, 0x00, 0x51, 0x5f,
					0x58, 0xe3, 0x0b, 0x6a, 0xa5, 0x82, 0xdd, 0x8d,
					0xb6, 0xa6, 0x59, 0x45, 0xe0, 0x8d, 0x2d, 0x76};
	int rc = ge_decode(p, enc);
	SVM_VERIFY(rc == 0);
}

void ge_scalarmult(ge_t *r, const uint8_t k[32], const ge_t *p)
{
	ge_cached_t tbl[8]; /* 1P .. 8P */
	ge_t acc, t;
	ge_to_cached(&tbl[0], p);
	ge_dbl(&t, p);
	for (int i = 1; i < 8; i++) {
		ge_t s;
		if (i == 1) s = t;
		else ge_add_cached(&s, &acc, &tbl[0]);
		ge_to_cached(&tbl[i], &s);
		acc = s;
	}
	/* Signed radix-16 digits in [-8, 8). */
	int8_t d[65];
	int carry = 0;
	for (int i = 0; i < 64; i++) {
		int v = ((k[i / 2] >> (4 * (i & 1))) & 15) + carry;
		carry = (v + 8) >> 4;
		d[i] = (int8_t)(v - (carry << 4));
		SVM_ASSERT(d[i] >= -8 && d[i] < 8 && carry <= 1); /* indexes tbl[0..7] */
	}
	d[64] = (int8_t)carry;
	ge_identity(&acc);
	for (int i = 64; i >= 0; i--) {
		for (int j = 0; j < 4; j++) ge_dbl(&acc, &acc);
		if (d[i] > 0) ge_add_cached(&acc, &acc, &tbl[d[i] - 1]);
		else if (d[i] < 0) ge_sub_cached(&acc, &acc, &tbl[-d[i] - 1]);
	}
	*r = acc;
}

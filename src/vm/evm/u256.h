/* 256-bit unsigned arithmetic for the EVM: four little-endian 64-bit limbs, wrapping like the
 * EVM's words. Division is Knuth's algorithm D on 64-bit limbs (u256.c), shared by DIV, MOD,
 * ADDMOD and MULMOD (a 512-bit dividend). */
#ifndef SUPERVM_EVM_U256_H
#define SUPERVM_EVM_U256_H

#include "supervm/evm.h"

typedef svm_u256_t u256;
typedef unsigned __int128 u128;

static inline u256 u256_zero(void) { return (u256){{0, 0, 0, 0}}; }
static inline u256 u256_u64(uint64_t v) { return (u256){{v, 0, 0, 0}}; }
static inline bool u256_is_zero(const u256 *a) { return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0; }
static inline bool u256_fits64(const u256 *a) { return (a->w[1] | a->w[2] | a->w[3]) == 0; }
static inline bool u256_eq(const u256 *a, const u256 *b)
{
	return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) | (a->w[3] ^ b->w[3])) == 0;
}
static inline int u256_cmp(const u256 *a, const u256 *b)
{
	for (int i = 3; i >= 0; i--)
		if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
	return 0;
}
static inline bool u256_neg(const u256 *a) { return a->w[3] >> 63; }
static inline int u256_scmp(const u256 *a, const u256 *b)
{
	bool na = u256_neg(a), nb = u256_neg(b);
	if (na != nb) return na ? -1 : 1;
	return u256_cmp(a, b);
}
/* returns the carry */
static inline bool u256_add(u256 *r, const u256 *a, const u256 *b)
{
	u128 c = 0;
	for (int i = 0; i < 4; i++) {
		c += (u128)a->w[i] + b->w[i];
		r->w[i] = (uint64_t)c;
		c >>= 64;
	}
	return c != 0;
}
/* returns the borrow */
static inline bool u256_sub(u256 *r, const u256 *a, const u256 *b)
{
	uint64_t borrow = 0;
	for (int i = 0; i < 4; i++) {
		uint64_t x = a->w[i], y = b->w[i];
		uint64_t d = x - y - borrow;
		borrow = (x < y) || (x - y < borrow);
		r->w[i] = d;
	}
	return borrow != 0;
}
static inline void u256_negate(u256 *r, const u256 *a)
{
	u256 z = u256_zero();
	u256_sub(r, &z, a);
}
static inline void u256_mul(u256 *r, const u256 *a, const u256 *b)
{
	uint64_t t[4] = {0, 0, 0, 0};
	for (int i = 0; i < 4; i++) {
		u128 c = 0;
		for (int j = 0; j + i < 4; j++) {
			c += (u128)a->w[i] * b->w[j] + t[i + j];
			t[i + j] = (uint64_t)c;
			c >>= 64;
		}
	}
	for (int i = 0; i < 4; i++) r->w[i] = t[i];
}
static inline void u256_shl(u256 *r, const u256 *a, unsigned s)
{
	u256 o = u256_zero();
	if (s < 256) {
		unsigned q = s / 64, m = s % 64;
		for (int i = 3; i >= (int)q; i--) {
			uint64_t v = a->w[i - q] << m;
			if (m && i - (int)q - 1 >= 0) v |= a->w[i - q - 1] >> (64 - m);
			o.w[i] = v;
		}
	}
	*r = o;
}
static inline void u256_shr(u256 *r, const u256 *a, unsigned s)
{
	u256 o = u256_zero();
	if (s < 256) {
		unsigned q = s / 64, m = s % 64;
		for (unsigned i = 0; i + q < 4; i++) {
			uint64_t v = a->w[i + q] >> m;
			if (m && i + q + 1 < 4) v |= a->w[i + q + 1] << (64 - m);
			o.w[i] = v;
		}
	}
	*r = o;
}
static inline unsigned u256_bits(const u256 *a)
{
	for (int i = 3; i >= 0; i--)
		if (a->w[i]) return (unsigned)(64 * i + 64 - __builtin_clzll(a->w[i]));
	return 0;
}
static inline unsigned u256_bytes(const u256 *a) { return (u256_bits(a) + 7) / 8; }

/* q = u / v, r = u % v over limb arrays: u has m limbs, v has n limbs (v[n-1] != 0, n ≤ m,
 * m ≤ 8). q receives m - n + 1 limbs, r n limbs. */
void svm_u256_divrem_limbs(uint64_t *q, uint64_t *r, const uint64_t *u, int m, const uint64_t *v, int n);
void u256_divmod(u256 *q, u256 *r, const u256 *a, const u256 *b); /* b != 0; q or r may be NULL */
void u256_addmod(u256 *r, const u256 *a, const u256 *b, const u256 *m); /* m != 0 */
void u256_mulmod(u256 *r, const u256 *a, const u256 *b, const u256 *m); /* m != 0 */
void u256_exp(u256 *r, const u256 *base, const u256 *e);
bool u256_mul_overflows(u256 *r, const u256 *a, const u256 *b); /* r = a·b; true past 2^256 */

#endif

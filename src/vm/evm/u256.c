/* 256-bit division (Knuth's algorithm D on 64-bit limbs), modular add/mul with a 512-bit
 * intermediate, exponentiation, and big-endian conversion. */
#include <string.h>

#include "vm/evm/u256.h"

void svm_u256_from_be(svm_u256_t *out, const uint8_t *p, size_t n)
{
	SVM_ASSERT(n <= 32); /* buf + 32 - n stays inside buf */
	uint8_t buf[32] = {0};
	memcpy(buf + 32 - n, p, n);
	for (int i = 0; i < 4; i++) out->w[3 - i] = svm_get_u64be(buf + 8 * i);
}

void svm_u256_to_be(const svm_u256_t *v, uint8_t out[32])
{
	for (int i = 0; i < 4; i++) svm_put_u64be(out + 8 * i, v->w[3 - i]);
}

static int limbs(const uint64_t *x, int n)
{
	SVM_ASSERT(n >= 0 && n <= 8);
	while (n > 0 && x[n - 1] == 0) n--;
	return n;
}

/* u == q·v + r and r < v, over the limb arrays of svm_u256_divrem_limbs (assertions only: the
 * division's post-condition, checked by multiplying back). */
static bool divrem_ok(const uint64_t *q, const uint64_t *r, const uint64_t *u, int m,
		      const uint64_t *v, int n)
{
	uint64_t p[10] = {0};
	for (int i = 0; i <= m - n; i++) {
		u128 c = 0;
		for (int j = 0; j < n; j++) {
			c += (u128)q[i] * v[j] + p[i + j];
			p[i + j] = (uint64_t)c;
			c >>= 64;
		}
		for (int k = i + n; c && k < 10; k++) {
			c += p[k];
			p[k] = (uint64_t)c;
			c >>= 64;
		}
	}
	u128 c = 0;
	for (int i = 0; i < 10; i++) {
		c += (u128)p[i] + (i < n ? r[i] : 0);
		if ((uint64_t)c != (i < m ? u[i] : 0)) return false;
		c >>= 64;
	}
	for (int i = n - 1; i >= 0; i--)
		if (r[i] != v[i]) return r[i] < v[i];
	return false; /* r == v */
}

void svm_u256_divrem_limbs(uint64_t *q, uint64_t *r, const uint64_t *u, int m, const uint64_t *v, int n)
{
	/* the contract: a normalized divisor no longer than the dividend, at most 8 limbs */
	SVM_ASSERT(n >= 1 && n <= m && m <= 8 && v[n - 1] != 0);
	for (int i = 0; i <= m - n; i++) q[i] = 0;
	if (n == 1) {
		u128 rem = 0;
		for (int i = m - 1; i >= 0; i--) {
			u128 cur = (rem << 64) | u[i];
			/* rem < v[0] keeps each quotient limb within 64 bits */
			SVM_ASSERT(rem < v[0] && cur / v[0] <= UINT64_MAX);
			q[i] = (uint64_t)(cur / v[0]);
			rem = cur % v[0];
		}
		r[0] = (uint64_t)rem;
		SVM_ASSERT(divrem_ok(q, r, u, m, v, n));
		return;
	}
	/* normalize so the divisor's top bit is set */
	unsigned s = (unsigned)__builtin_clzll(v[n - 1]);
	uint64_t vn[8], un[9];
	for (int i = n - 1; i > 0; i--) vn[i] = (v[i] << s) | (s ? v[i - 1] >> (64 - s) : 0);
	vn[0] = v[0] << s;
	/* Knuth's estimate is within 2 of the digit only with the divisor's top bit set */
	SVM_ASSERT(vn[n - 1] >> 63 == 1);
	un[m] = s ? u[m - 1] >> (64 - s) : 0;
	for (int i = m - 1; i > 0; i--) un[i] = (u[i] << s) | (s ? u[i - 1] >> (64 - s) : 0);
	un[0] = u[0] << s;
	for (int j = m - n; j >= 0; j--) {
		u128 num = ((u128)un[j + n] << 64) | un[j + n - 1];
		u128 qhat = num / vn[n - 1];
		u128 rhat = num % vn[n - 1];
		while (qhat >> 64 || qhat * vn[n - 2] > ((rhat << 64) | un[j + n - 2])) {
			qhat--;
			rhat += vn[n - 1];
			if (rhat >> 64) break;
		}
		/* multiply and subtract */
		__int128 t;
		uint64_t borrow = 0;
		for (int i = 0; i < n; i++) {
			u128 p = qhat * vn[i];
			t = (__int128)un[i + j] - borrow - (uint64_t)p;
			un[i + j] = (uint64_t)t;
			borrow = (uint64_t)(p >> 64) - (uint64_t)(t >> 64);
		}
		t = (__int128)un[j + n] - borrow;
		un[j + n] = (uint64_t)t;
		q[j] = (uint64_t)qhat;
		if (t < 0) { /* add back */
			q[j]--;
			u128 c = 0;
			for (int i = 0; i < n; i++) {
				c += (u128)un[i + j] + vn[i];
				un[i + j] = (uint64_t)c;
				c >>= 64;
			}
			un[j + n] += (uint64_t)c;
		}
		/* the partial remainder's top limb is consumed: it is below the divisor */
		SVM_ASSERT(un[j + n] == 0);
	}
	for (int i = 0; i < n - 1; i++) r[i] = (un[i] >> s) | (s ? un[i + 1] << (64 - s) : 0);
	r[n - 1] = un[n - 1] >> s;
	SVM_ASSERT(divrem_ok(q, r, u, m, v, n));
}

void u256_divmod(u256 *q, u256 *r, const u256 *a, const u256 *b)
{
	int n = limbs(b->w, 4), m = limbs(a->w, 4);
	SVM_ASSERT(n > 0); /* the callers (DIV, MOD, SDIV, SMOD) handle a zero divisor */
	u256 qq = u256_zero(), rr = u256_zero();
	if (m < n) {
		rr = *a;
	} else {
		svm_u256_divrem_limbs(qq.w, rr.w, a->w, m, b->w, n);
	}
	SVM_ASSERT(u256_cmp(&rr, b) < 0);
	if (q) *q = qq;
	if (r) *r = rr;
}

static void mod512(u256 *r, const uint64_t *u, const u256 *mod)
{
	int n = limbs(mod->w, 4), m = limbs(u, 8);
	SVM_ASSERT(n > 0 && m <= 8);
	u256 rr = u256_zero();
	if (m < n) {
		for (int i = 0; i < m; i++) rr.w[i] = u[i];
	} else {
		uint64_t q[9];
		SVM_ASSERT(m - n + 1 <= 9); /* q's limbs */
		svm_u256_divrem_limbs(q, rr.w, u, m, mod->w, n);
	}
	SVM_ASSERT(u256_cmp(&rr, mod) < 0);
	*r = rr;
}

void u256_addmod(u256 *r, const u256 *a, const u256 *b, const u256 *m)
{
	uint64_t u[8] = {0};
	u256 s;
	bool c = u256_add(&s, a, b);
	/* a carry means the sum wrapped below both operands */
	SVM_ASSERT(!c || (u256_cmp(&s, a) < 0 && u256_cmp(&s, b) < 0));
	for (int i = 0; i < 4; i++) u[i] = s.w[i];
	u[4] = c;
	mod512(r, u, m);
}

void u256_mulmod(u256 *r, const u256 *a, const u256 *b, const u256 *m)
{
	uint64_t u[8] = {0};
	for (int i = 0; i < 4; i++) {
		u128 c = 0;
		for (int j = 0; j < 4; j++) {
			c += (u128)a->w[i] * b->w[j] + u[i + j];
			u[i + j] = (uint64_t)c;
			c >>= 64;
		}
		u[i + 4] = (uint64_t)c;
	}
	mod512(r, u, m);
}

void u256_exp(u256 *r, const u256 *base, const u256 *e)
{
	u256 acc = u256_u64(1), b = *base;
	unsigned bits = u256_bits(e);
	SVM_ASSERT(bits <= 256 && (bits == 0 || (e->w[(bits - 1) / 64] >> ((bits - 1) % 64)) & 1));
	for (unsigned i = 0; i < bits; i++) {
		if ((e->w[i / 64] >> (i % 64)) & 1) u256_mul(&acc, &acc, &b);
		u256_mul(&b, &b, &b);
	}
	*r = acc;
}

bool u256_mul_overflows(u256 *r, const u256 *a, const u256 *b)
{
	uint64_t u[8] = {0};
	for (int i = 0; i < 4; i++) {
		u128 c = 0;
		for (int j = 0; j < 4; j++) {
			c += (u128)a->w[i] * b->w[j] + u[i + j];
			u[i + j] = (uint64_t)c;
			c >>= 64;
		}
		u[i + 4] = (uint64_t)c;
	}
	for (int i = 0; i < 4; i++) r->w[i] = u[i];
	bool over = (u[4] | u[5] | u[6] | u[7]) != 0;
	/* no overflow when either factor is 0 or 1 */
	const u256 one = u256_u64(1);
	SVM_ASSERT(!over || (u256_cmp(a, &one) > 0 && u256_cmp(b, &one) > 0));
	return over;
}

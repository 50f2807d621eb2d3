/* Multiscalar multiplication: sum k_i·P_i by Pippenger's bucket method over this layer's own
 * field arithmetic. Scalars are recoded into signed base-2^c digits in [-2^(c-1), 2^(c-1)];
 * for each window (most significant first) the accumulator is doubled c times and each point
 * is added to (or subtracted from) the bucket of its digit's magnitude; the buckets are then
 * summed with the running-sum trick (2^c additions per window). c is chosen from n to minimise
 * windows × (n + 2^c). This is where a verifier's time goes (docs/privacy.md has the table). */
#include <sodium.h>
#include <string.h>

#include "supervm/base.h"
#include "zk/internal.h"

#define SCALAR_BITS 253 /* canonical scalars are below l < 2^253 */

static unsigned pick_window(size_t n)
{
	unsigned best = 2;
	uint64_t best_cost = UINT64_MAX;
	for (unsigned c = 2; c <= 12; c++) {
		uint64_t windows = (SCALAR_BITS + c - 1) / c + 1;
		uint64_t cost = windows * ((uint64_t)n + (UINT64_C(1) << c)) + SCALAR_BITS;
		if (cost < best_cost) best_cost = cost, best = c;
	}
	SVM_ASSERT(best >= 2 && best <= 12); /* digits fit int16_t, buckets stay few */
	return best;
}

/* Digits of one scalar: d[w] for w < windows, sum d[w]·2^(c w) = k. */
static void recode(int16_t *d, const uint8_t k[32], unsigned c, unsigned windows)
{
	uint64_t limb[5] = {0};
	SVM_ASSERT(k[31] < 0x20 && c >= 2 && (size_t)windows * c > SCALAR_BITS); /* k < 2^253 */
	for (int i = 0; i < 32; i++) limb[i / 8] |= (uint64_t)k[i] << (8 * (i % 8));
	int carry = 0;
	const int half = 1 << (c - 1), full = 1 << c;
	for (unsigned w = 0; w < windows; w++) {
		unsigned bit = w * c, li = bit / 64, sh = bit % 64;
		uint64_t v = li < 4 ? limb[li] >> sh : 0;
		if (sh + c > 64 && li + 1 < 4) v |= limb[li + 1] << (64 - sh);
		int digit = (int)(v & (uint64_t)(full - 1)) + carry;
		carry = digit >= half;
		d[w] = (int16_t)(digit - (carry ? full : 0));
		SVM_ASSERT(d[w] >= -half && d[w] < half); /* signed digit: bucket |d| - 1 < 2^(c-1) */
	}
	SVM_ASSERT(carry == 0);
}

/* Straus's method for a few points (the ring signatures' 3-point products, the ring offsets'
 * 4-point ones): shared doublings, a table of 1..8 times each point, signed radix-16 digits.
 * About 260 doublings and 61 additions per point, where Pippenger at n = 4 spends about 250
 * doublings and 1,100 additions on its buckets. */
#define STRAUS_MAX 8
#define STRAUS_WINDOWS 65 /* ceil(253 / 4) + 1 for the final carry */
static void straus(ge_t *out, const uint8_t (*scalars)[32], const ge_t *points, size_t n)
{
	ge_cached_t table[STRAUS_MAX][8];
	int16_t digits[STRAUS_MAX][STRAUS_WINDOWS];
	SVM_ASSERT(n <= STRAUS_MAX);
	for (size_t i = 0; i < n; i++) {
		ge_t m = points[i];
		ge_to_cached(&table[i][0], &m);
		for (int k = 1; k < 8; k++) {
			ge_add_cached(&m, &m, &table[i][0]);
			ge_to_cached(&table[i][k], &m);
		}
		recode(digits[i], scalars[i], 4, STRAUS_WINDOWS);
	}
	ge_t acc;
	ge_identity(&acc);
	for (unsigned w = STRAUS_WINDOWS; w-- > 0;) {
		for (int j = 0; j < 4; j++) ge_dbl(&acc, &acc);
		for (size_t i = 0; i < n; i++) {
			int d = digits[i][w];
			SVM_ASSERT(d >= -8 && d <= 8); /* the table holds 1..8 times the point */
			if (d > 0) ge_add_cached(&acc, &acc, &table[i][d - 1]);
			else if (d < 0) ge_sub_cached(&acc, &acc, &table[i][-d - 1]);
		}
	}
	*out = acc;
}

int zk_msm(ge_t *out, const uint8_t (*scalars)[32], const ge_t *points, size_t n)
{
	ge_identity(out);
	if (n == 0) return 0;
	if (n <= STRAUS_MAX) {
		straus(out, scalars, points, n);
		return 0;
	}
	unsigned c = pick_window(n);
	unsigned windows = (SCALAR_BITS + c - 1) / c + 1;
	size_t nb = (size_t)1 << (c - 1);
	SVM_ASSERT(n > STRAUS_MAX && nb >= 2 && windows >= 2);
	int rc = SVM_ENOMEM;
	ge_cached_t *cached = svm_malloc(n * sizeof *cached);
	int16_t *digits = svm_malloc(n * windows * sizeof *digits);
	ge_t *buckets = svm_malloc(nb * sizeof *buckets);
	uint8_t *used = svm_malloc(nb);
	if (!cached || !digits || !buckets || !used) goto out;
	for (size_t i = 0; i < n; i++) {
		ge_to_cached(&cached[i], &points[i]);
		recode(digits + i * windows, scalars[i], c, windows);
	}
	ge_t acc;
	ge_identity(&acc);
	for (unsigned w = windows; w-- > 0;) {
		for (unsigned j = 0; j < c; j++) ge_dbl(&acc, &acc);
		memset(used, 0, nb);
		for (size_t i = 0; i < n; i++) {
			int d = digits[i * windows + w];
			if (d == 0) continue;
			size_t b = (size_t)(d > 0 ? d : -d) - 1;
			SVM_ASSERT(b < nb);
			if (!used[b]) ge_identity(&buckets[b]), used[b] = 1;
			if (d > 0) ge_add_cached(&buckets[b], &buckets[b], &cached[i]);
			else ge_sub_cached(&buckets[b], &buckets[b], &cached[i]);
		}
		/* sum_b (b+1)·bucket[b] = sum over b of the running sum from the top. */
		ge_t running, total;
		int have_running = 0, have_total = 0;
		for (size_t b = nb; b-- > 0;) {
			if (used[b]) {
				if (have_running) ge_add(&running, &running, &buckets[b]);
				else running = buckets[b], have_running = 1;
			}
			if (have_running) {
				if (have_total) ge_add(&total, &total, &running);
				else total = running, have_total = 1;
			}
		}
		if (have_total) ge_add(&acc, &acc, &total);
	}
	*out = acc;
	rc = 0;
out:
	svm_free(cached);
	svm_free(digits);
	svm_free(buckets);
	svm_free(used);
	return rc;
}

int svm_zk_msm(uint8_t out[32], const uint8_t (*scalars)[32], const uint8_t (*points)[32],
	       size_t n)
{
	if (n > SVM_ZK_MSM_MAX) return SVM_ELIMIT;
	ge_t *pts = svm_malloc((n ? n : 1) * sizeof *pts);
	if (!pts) return SVM_ENOMEM;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (svm_zk_scalar_check(scalars[i]) || ge_decode(&pts[i], points[i])) rc = SVM_EDECODE;
	}
	ge_t r;
	if (rc == 0) rc = zk_msm(&r, scalars, pts, n);
	if (rc == 0) ge_encode(out, &r);
	svm_free(pts);
	return rc;
}

int svm_zk_msm_naive(uint8_t out[32], const uint8_t (*scalars)[32], const uint8_t (*points)[32],
		     size_t n)
{
	uint8_t acc[32] = {0}, t[32];
	for (size_t i = 0; i < n; i++) {
		if (svm_zk_scalar_check(scalars[i]) || svm_zk_point_check(points[i])) return SVM_EDECODE;
		/* libsodium refuses a product that is the identity (it fills zeros, the identity's
		 * encoding, and returns -1): that is a valid term here. */
		if (crypto_scalarmult_ristretto255(t, scalars[i], points[i]) != 0) memset(t, 0, 32);
		crypto_core_ristretto255_add(acc, acc, t);
	}
	memcpy(out, acc, 32);
	return 0;
}

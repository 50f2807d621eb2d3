/* Decoy selection for ring spends (svm_conf_decoys, docs/privacy.md "Decoys"): deterministic
 * from its seed; weighted toward recent outputs as the log-uniform age distribution says (not
 * uniform over the pool); and, with members in id order as the chain requires, the spent
 * output's position in a ring is uniform. Seeded; SVM_TEST_SEED replays. */
#include <criterion/criterion.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/confidential.h"

static uint64_t test_seed(uint64_t dflt)
{
	const char *e = getenv("SVM_TEST_SEED");
	return e ? strtoull(e, NULL, 0) : dflt;
}

static void seed_of(uint8_t out[32], uint64_t s, uint64_t t)
{
	memset(out, 0, 32);
	for (int i = 0; i < 8; i++) out[i] = (uint8_t)(s >> (8 * i)), out[8 + i] = (uint8_t)(t >> (8 * i));
}

#define POOL 1000

Test(conf_decoys, one_seed_one_selection_distinct_and_never_the_real_output)
{
	static uint64_t h[POOL];
	for (size_t i = 0; i < POOL; i++) h[i] = i / 3; /* three outputs a block */
	uint8_t sd[32];
	size_t a[16], b[16];
	uint64_t seed = test_seed(0xdec0);
	for (uint64_t t = 0; t < 200; t++) {
		seed_of(sd, seed, t);
		size_t real = (size_t)(t * 37 % POOL);
		cr_assert_eq(svm_conf_decoys(a, 15, h, POOL, real, 400, sd), 0);
		cr_assert_eq(svm_conf_decoys(b, 15, h, POOL, real, 400, sd), 0);
		cr_assert_eq(memcmp(a, b, sizeof a[0] * 15), 0, "seed %#llx trial %llu replays",
			     (unsigned long long)seed, (unsigned long long)t);
		for (int i = 0; i < 15; i++) {
			cr_assert_lt(a[i], POOL);
			cr_assert_neq(a[i], real, "the real output is never its own decoy");
			for (int j = 0; j < i; j++) cr_assert_neq(a[i], a[j], "distinct");
		}
	}
	seed_of(sd, seed, 1000);
	cr_assert_eq(svm_conf_decoys(a, 15, h, POOL, 0, 400, sd), 0);
	seed_of(sd, seed, 1001);
	cr_assert_eq(svm_conf_decoys(b, 15, h, POOL, 0, 400, sd), 0);
	cr_assert_neq(memcmp(a, b, sizeof a[0] * 15), 0, "another seed, another selection");
	/* a pool just large enough: every other output is picked */
	uint64_t small[4] = {1, 2, 2, 9};
	cr_assert_eq(svm_conf_decoys(a, 3, small, 4, 2, 9, sd), 0);
	bool seen[4] = {false};
	for (int i = 0; i < 3; i++) seen[a[i]] = true;
	cr_assert(seen[0] && seen[1] && !seen[2] && seen[3]);
	/* refusals: too few candidates, too many, heights out of order or past the head */
	cr_assert_eq(svm_conf_decoys(a, 4, small, 4, 2, 9, sd), SVM_EINVAL);
	cr_assert_eq(svm_conf_decoys(a, SVM_CONF_RING_MAX + 1, h, POOL, 0, 400, sd), SVM_EINVAL);
	uint64_t unordered[3] = {5, 4, 6};
	cr_assert_eq(svm_conf_decoys(a, 1, unordered, 3, SIZE_MAX, 9, sd), SVM_EINVAL);
	cr_assert_eq(svm_conf_decoys(a, 1, small, 4, SIZE_MAX, 8, sd), SVM_EINVAL);
}

/* Over 1000 outputs, one a block, at head 999: the ages of picked decoys follow
 * P(age ≤ a) = log(a + 1) / log(1000), far from uniform — two thirds from the newest tenth. */
Test(conf_decoys, picks_follow_the_log_uniform_age_distribution_not_the_uniform_one)
{
	static uint64_t h[POOL];
	for (size_t i = 0; i < POOL; i++) h[i] = i;
	uint64_t head = POOL - 1, seed = test_seed(0xa9e);
	enum { TRIALS = 2000,
	       K = 10 };
	/* age bins [0, 9], [10, 99], [100, 499], [500, 999] */
	static const uint64_t edge[5] = {0, 10, 100, 500, 1000};
	size_t count[4] = {0};
	uint8_t sd[32];
	size_t pick[K];
	for (uint64_t t = 0; t < TRIALS; t++) {
		seed_of(sd, seed, t);
		cr_assert_eq(svm_conf_decoys(pick, K, h, POOL, SIZE_MAX, head, sd), 0);
		for (int i = 0; i < K; i++) {
			uint64_t age = head - h[pick[i]];
			for (int b = 0; b < 4; b++)
				if (age >= edge[b] && age < edge[b + 1]) count[b]++;
		}
	}
	double n = (double)TRIALS * K, span = log(1000.0);
	for (int b = 0; b < 4; b++) {
		/* expected under the distribution; draws without replacement within a ring of ten
		 * flatten the newest bin a little, so the bound is loose there */
		double lo = edge[b] ? (double)edge[b] : 1.0;
		double p = (log((double)edge[b + 1]) - log(lo)) / span;
		double got = (double)count[b] / n, uniform = (double)(edge[b + 1] - edge[b]) / POOL;
		cr_log_info("conf_decoys: ages %llu..%llu: %.3f of picks (log-uniform %.3f, uniform %.3f)",
			    (unsigned long long)edge[b], (unsigned long long)edge[b + 1] - 1, got, p,
			    uniform);
		cr_assert(fabs(got - p) < 0.08, "seed %#llx bin %d: %.3f, want %.3f",
			  (unsigned long long)seed, b, got, p);
	}
	cr_assert_gt((double)(count[0] + count[1]) / n, 0.55, "most picks among the newest tenth");
	cr_assert_lt((double)count[3] / n, 0.15, "the older half rarely (uniform: one half)");
}

static int cmp_id(const void *x, const void *y) { return memcmp(x, y, 32); }

/* Rings of 11 (one real output, ten decoys), members in id order as the chain requires: the
 * real output's position is uniform over 0..10 (chi-square, 10 degrees of freedom, below the
 * 0.1 % critical value 29.59), whether the real output is new or old. Every trial is a fresh
 * chain: ids are hashes, independent of age, so each trial hashes its members' ids anew
 * (reusing one pool's ids would correlate the trials of one real output). */
Test(conf_decoys, the_real_outputs_position_in_the_ring_is_uniform)
{
	static uint64_t h[POOL];
	uint64_t seed = test_seed(0x9051);
	uint8_t sd[32], real_id[32];
	for (size_t i = 0; i < POOL; i++) h[i] = i / 2;
	enum { RING = 11,
	       TRIALS = 5500 };
	for (int old = 0; old < 2; old++) {
		size_t pos[RING] = {0};
		for (uint64_t t = 0; t < TRIALS; t++) {
			seed_of(sd, seed ^ 0x5555, t * 2 + (uint64_t)old);
			size_t real = old ? (size_t)(t % 100) : POOL - 1 - (size_t)(t % 100);
			size_t pick[RING - 1];
			cr_assert_eq(svm_conf_decoys(pick, RING - 1, h, POOL, real, POOL / 2, sd), 0);
			uint8_t ring[RING][32], in[32 + 16];
			memcpy(in, sd, 32);
			for (int i = 0; i < RING; i++) {
				uint64_t k = i ? pick[i - 1] : real;
				for (int b = 0; b < 8; b++) in[32 + b] = (uint8_t)(k >> (8 * b)), in[40 + b] = 0;
				crypto_hash_sha256(ring[i], in, sizeof in);
			}
			memcpy(real_id, ring[0], 32);
			qsort(ring, RING, 32, cmp_id);
			size_t p = 0;
			while (memcmp(ring[p], real_id, 32) != 0) p++;
			pos[p]++;
		}
		double chi = 0, e = (double)TRIALS / RING;
		for (int i = 0; i < RING; i++) chi += ((double)pos[i] - e) * ((double)pos[i] - e) / e;
		cr_log_info("conf_decoys: %s real output, position chi-square %.2f (df 10)",
			    old ? "an old" : "a new", chi);
		cr_assert_lt(chi, 29.59, "seed %#llx: position chi-square %.2f", (unsigned long long)seed,
			     chi);
	}
}

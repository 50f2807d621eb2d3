/* The economy's programs: the governed parameter object (encoding, bounds, genesis) and the
 * constant-product AMM — its curve against exact rational checks, bad inputs that must fail
 * with a clear status and change nothing but the fee, and seeded random operation sequences run
 * through the reference executor and AOEM (compared byte for byte: the differential suite for
 * this program) and against a reference model of pools and balances, with conservation of
 * every token and the invariants x·y and x·y/S² never decreasing. A failure prints its seed:
 * SVM_TEST_SEED=<seed> replays it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chaintest.h"
#include "lib/econtest.h"
#include "supervm/chain.h"

typedef unsigned __int128 u128;

static void setup(void) { cr_assert_eq(svm_crypto_init(), 0); }

/* -------------------------------------------------------------- params */

Test(params, defaults_are_within_bounds_and_round_trip, .init = setup)
{
	svm_params_t p, q;
	svm_params_default(&p);
	cr_assert_eq(svm_params_check(&p, NULL), 0);
	svm_buf_t b = {0};
	cr_assert_eq(svm_params_encode(&p, &b), 0);
	memset(&q, 0xaa, sizeof q);
	cr_assert_eq(svm_params_decode(b.data, b.len, &q), 0);
	cr_assert_eq(memcmp(&p, &q, sizeof p), 0);
	/* trailing byte, truncation, another version: rejected */
	cr_assert_eq(svm_buf_append(&b, "\0", 1), 0);
	cr_assert_eq(svm_params_decode(b.data, b.len, &q), SVM_EDECODE);
	cr_assert_eq(svm_params_decode(b.data, b.len - 2, &q), SVM_EDECODE);
	b.data[0] = 2;
	cr_assert_eq(svm_params_decode(b.data, b.len - 1, &q), SVM_EDECODE);
	svm_buf_free(&b);
}

Test(params, out_of_bounds_values_are_rejected, .init = setup)
{
	svm_params_t p;
	svm_params_default(&p);
	p.slash_double_bps = 10001;
	svm_error_t err = {0};
	cr_assert_eq(svm_params_check(&p, &err), SVM_EINVAL);
	cr_assert(strstr(err.msg, "slash_double_bps"), "%s", err.msg);
	svm_buf_t b = {0};
	cr_assert_eq(svm_params_encode(&p, &b), 0);
	cr_assert_eq(svm_params_decode(b.data, b.len, &p), SVM_EDECODE);
	svm_buf_free(&b);
	svm_params_default(&p);
	p.amm_fee_bps_max = SVM_AMM_BPS;
	cr_assert_eq(svm_params_check(&p, NULL), SVM_EINVAL);
}

Test(params, genesis_section_sets_them_and_rejects_unknown_names, .init = setup)
{
	const char *ok = "{\"chain_id\":9,\"fees\":{\"a\":5,\"b\":6,\"c\":7,\"d\":8},"
			 "\"params\":{\"epoch_blocks\":20,\"amm_fee_bps_max\":\"300\"}}";
	svm_genesis_t g;
	svm_error_t err = {0};
	cr_assert_eq(svm_genesis_parse(&g, ok, strlen(ok), &err), 0, "%s", err.msg);
	cr_assert(g.params_set);
	cr_assert_eq(g.params.epoch_blocks, 20);
	cr_assert_eq(g.params.amm_fee_bps_max, 300);
	cr_assert_eq(g.params.fee_c, 7);
	cr_assert_eq(g.params.unbonding_epochs, 7); /* a default */
	svm_genesis_free(&g);
	const char *bad[] = {
		"{\"chain_id\":9,\"fees\":{\"a\":5,\"b\":6,\"c\":7,\"d\":8},\"params\":{\"nope\":1}}",
		"{\"chain_id\":9,\"fees\":{\"a\":5,\"b\":6,\"c\":7,\"d\":8},\"params\":{\"fee_a\":1}}",
		"{\"chain_id\":9,\"fees\":{\"a\":5,\"b\":6,\"c\":7,\"d\":8},\"params\":{\"epoch_blocks\":0}}",
		/* 2-block epochs: no block would carry a late QC, downtime never counts (docs/economics.md) */
		"{\"chain_id\":9,\"fees\":{\"a\":5,\"b\":6,\"c\":7,\"d\":8},\"params\":{\"epoch_blocks\":2}}",
		"{\"chain_id\":9,\"fees\":{\"a\":5,\"b\":6,\"c\":7,\"d\":8},\"params\":[1]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err.msg[0] = 0;
		cr_assert_eq(svm_genesis_parse(&g, bad[i], strlen(bad[i]), &err), SVM_EDECODE, "%zu", i);
		cr_assert(strstr(err.msg, "params"), "%s", err.msg);
	}
}

/* The chain seeds the object from genesis and reads it for every block: fees follow it. */
Test(params, chain_seeds_the_object_and_charges_its_fees, .init = setup)
{
	char dir[64];
	ct_tmpdir(dir);
	svm_fee_params_t fees = {1000, 10, 1, 0};
	svm_genesis_t g;
	cr_assert_eq(ct_genesis(&g, 2, 1000000000000ull, 0, &fees), 0);
	svm_chain_t *c;
	svm_error_t err = {0};
	cr_assert_eq(svm_chain_open(&c, dir, &g, NULL, &err), 0, "%s", err.msg);
	svm_params_t p;
	cr_assert_eq(svm_chain_params(c, &p), 0);
	cr_assert_eq(p.fee_a, 1000);
	cr_assert_eq(p.fee_b, 10);
	cr_assert_eq(p.epoch_blocks, 100);
	svm_id_t id;
	svm_params_id(&id);
	svm_buf_t obj = {0};
	cr_assert_eq(svm_chain_object(c, &id, &obj), 0);
	svm_params_t q;
	cr_assert_eq(svm_params_from_object(obj.data, obj.len, &q), 0);
	cr_assert_eq(memcmp(&p, &q, sizeof p), 0);
	svm_buf_free(&obj);
	svm_chain_close(c);
	svm_genesis_free(&g);
	ct_rmdir(dir);
}

/* --------------------------------------------------------------- curve */

static uint64_t rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A value spread over magnitudes: 1 .. 2^bits. */
static uint64_t mag(uint64_t *s, unsigned bits) { return 1 + (rng(s) >> (64 - 1 - rng(s) % bits)); }

Test(amm_curve, rounding_never_favours_the_trader, .init = setup)
{
	unsigned seed = ct_seed();
	uint64_t s = seed;
	for (int i = 0; i < 200000; i++) {
		/* ≤ 2^40 each: every product below fits 128 bits exactly */
		uint64_t rin = mag(&s, 40), rout = mag(&s, 40), fee = rng(&s) % 1000, in = mag(&s, 40);
		uint64_t out;
		int rc = svm_amm_quote_in(rin, rout, fee, in, &out);
		if (rc == 0) {
			/* exact: (rin·B + in·(B−f))·(rout − out) ≥ rin·B·rout, and out + 1 would break it */
			u128 lhs = ((u128)rin * SVM_AMM_BPS + (u128)in * (SVM_AMM_BPS - fee));
			cr_assert(lhs * (rout - out) >= (u128)rin * SVM_AMM_BPS * rout, "seed %u i %d", seed, i);
			cr_assert(lhs * (rout - out - 1) < (u128)rin * SVM_AMM_BPS * rout || out + 1 >= rout,
				  "seed %u i %d: out is not the floor", seed, i);
			cr_assert_lt(out, rout);
		} else {
			cr_assert_eq(rc, SVM_EINVAL, "seed %u i %d", seed, i);
		}
		uint64_t want = 1 + rng(&s) % rout, pay;
		rc = svm_amm_quote_out(rin, rout, fee, want, &pay);
		if (want >= rout) {
			cr_assert_eq(rc, SVM_EINVAL);
			continue;
		}
		if (rc) {
			cr_assert_eq(rc, SVM_EOVERFLOW, "seed %u i %d", seed, i);
			continue;
		}
		/* paying `pay` keeps the curve: (rin·B + pay·(B−f))·(rout − want) ≥ rin·B·rout, and
		 * an exact-in swap of `pay` yields at least `want` */
		u128 lhs = (u128)rin * SVM_AMM_BPS + (u128)pay * (SVM_AMM_BPS - fee);
		cr_assert(lhs * (rout - want) >= (u128)rin * SVM_AMM_BPS * rout, "seed %u i %d", seed, i);
		uint64_t got;
		cr_assert_eq(svm_amm_quote_in(rin, rout, fee, pay, &got), 0, "seed %u i %d", seed, i);
		cr_assert_geq(got, want, "seed %u i %d", seed, i);
	}
}

Test(amm_curve, edge_cases_and_overflow, .init = setup)
{
	uint64_t v, a, b, s;
	cr_assert_eq(svm_amm_quote_in(100, 100, 30, 0, &v), SVM_EINVAL);
	cr_assert_eq(svm_amm_quote_in(0, 100, 30, 1, &v), SVM_EINVAL);
	cr_assert_eq(svm_amm_quote_in(1000, 1000, 30, 1, &v), SVM_EINVAL); /* rounds to nothing */
	cr_assert_eq(svm_amm_quote_in(UINT64_MAX - 5, 1000, 30, 10, &v), SVM_EOVERFLOW);
	cr_assert_eq(svm_amm_quote_in(UINT64_MAX / 2, UINT64_MAX, 9999, UINT64_MAX / 2, &v), 0);
	cr_assert_eq(svm_amm_quote_out(100, 100, 30, 100, &v), SVM_EINVAL);
	cr_assert_eq(svm_amm_quote_out(UINT64_MAX, UINT64_MAX, 0, UINT64_MAX - 1, &v), SVM_EOVERFLOW);
	cr_assert_eq(svm_amm_quote_out(1000, 1000, 0, 500, &v), 0);
	cr_assert_eq(v, 1000); /* ceil(1000·500/500) */
	cr_assert_eq(svm_amm_quote_create(1000, 1000, &s), SVM_EINVAL); /* sqrt = locked shares */
	cr_assert_eq(svm_amm_quote_create(UINT64_MAX, UINT64_MAX, &s), 0);
	cr_assert_eq(s, UINT64_MAX);
	cr_assert_eq(svm_amm_quote_create(1002, 1001, &s), 0);
	cr_assert_eq(s, 1001);
	cr_assert_eq(svm_amm_quote_add(10, 20, 14, 3, 100, &s, &a, &b), 0);
	cr_assert_eq(s, 4); /* floor(3·14/10) */
	cr_assert_eq(a, 3); /* ceil(4·10/14) */
	cr_assert_eq(b, 6); /* ceil(4·20/14) */
	cr_assert_eq(svm_amm_quote_add(10, 20, UINT64_MAX - 1, 10, 20, &s, &a, &b), SVM_EOVERFLOW);
	cr_assert_eq(svm_amm_quote_remove(10, 20, 14, 15, &a, &b), SVM_EINVAL);
	cr_assert_eq(svm_amm_quote_remove(10, 20, 14, 13, &a, &b), 0);
	cr_assert_eq(a, 9);
	cr_assert_eq(b, 18);
}

/* ------------------------------------------------ through the executor */

#define USERS 6
#define POOLS 6
#define START 1000000000000ull /* each user's amount of each token */

/* The candidate pools: token indexes into et_world_t.tok and fees. */
static const struct {
	int a, b;
	uint64_t fee;
} CAND[POOLS] = {{0, 1, 30}, {1, 2, 0}, {2, 3, 100}, {0, 3, 5}, {0, 1, 300}, {1, 3, 9999}};

typedef struct {
	bool exists;
	svm_id_t id, lp, a, b;
	int ia, ib;
	uint64_t fee, ra, rb, supply, locked;
} mpool_t;

typedef struct {
	et_world_t e;
	mpool_t pool[POOLS];
	uint64_t bal[USERS][ET_TOKENS];
	uint64_t lp[USERS][POOLS];
	uint64_t pool_bal[POOLS][ET_TOKENS]; /* the ledger balances the pools own */
	uint64_t fee_cap;
} model_t;

static void model_init(model_t *m, unsigned seed)
{
	memset(m, 0, sizeof *m);
	cr_assert_eq(et_init(&m->e, seed, USERS, START), 0);
	svm_params_t p;
	svm_params_default(&p);
	m->fee_cap = p.amm_fee_bps_max;
	for (int i = 0; i < POOLS; i++) {
		mpool_t *q = &m->pool[i];
		const svm_id_t *x = &m->e.tok[CAND[i].a], *y = &m->e.tok[CAND[i].b];
		bool lt = memcmp(x->b, y->b, SVM_HASH_SIZE) < 0;
		q->ia = lt ? CAND[i].a : CAND[i].b;
		q->ib = lt ? CAND[i].b : CAND[i].a;
		q->a = m->e.tok[q->ia];
		q->b = m->e.tok[q->ib];
		q->fee = CAND[i].fee;
		svm_amm_pool_id(&q->a, &q->b, q->fee, &q->id);
		svm_amm_lp_token(&q->id, &q->lp);
	}
	for (int u = 0; u < USERS; u++)
		for (int t = 0; t < ET_TOKENS; t++) m->bal[u][t] = START;
}

/* ---- the reference model: plain arithmetic on the model's numbers ---- */

static bool m_create(model_t *m, int u, int i, uint64_t x, uint64_t y, uint64_t min)
{
	mpool_t *q = &m->pool[i];
	if (q->exists || q->fee > m->fee_cap || x == 0 || y == 0) return false;
	u128 k = (u128)x * y;
	uint64_t s = 0;
	while ((u128)(s + 1) * (s + 1) <= k) s = s ? s * 2 : 1; /* bracket, then bisect */
	uint64_t lo = s / 2, hi = s;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo + 1) / 2;
		if ((u128)mid * mid <= k) lo = mid;
		else hi = mid - 1;
	}
	s = lo;
	if (s <= SVM_AMM_LOCKED_SHARES || s - SVM_AMM_LOCKED_SHARES < min) return false;
	if (m->bal[u][q->ia] < x || m->bal[u][q->ib] < y) return false;
	m->bal[u][q->ia] -= x, m->bal[u][q->ib] -= y;
	m->pool_bal[i][q->ia] += x, m->pool_bal[i][q->ib] += y;
	*q = (mpool_t){.exists = true, .id = q->id, .lp = q->lp, .a = q->a, .b = q->b, .ia = q->ia,
		       .ib = q->ib, .fee = q->fee, .ra = x, .rb = y, .supply = s,
		       .locked = SVM_AMM_LOCKED_SHARES};
	m->lp[u][i] = s - SVM_AMM_LOCKED_SHARES;
	return true;
}

static bool m_add(model_t *m, int u, int i, uint64_t xa, uint64_t xb, uint64_t min)
{
	mpool_t *q = &m->pool[i];
	if (!q->exists || xa == 0 || xb == 0) return false;
	u128 sa = (u128)xa * q->supply / q->ra, sb = (u128)xb * q->supply / q->rb;
	u128 s = sa < sb ? sa : sb;
	if (s == 0 || s + q->supply > UINT64_MAX || s < min) return false;
	u128 ta = (s * q->ra + q->supply - 1) / q->supply, tb = (s * q->rb + q->supply - 1) / q->supply;
	if (m->bal[u][q->ia] < ta || m->bal[u][q->ib] < tb) return false;
	m->bal[u][q->ia] -= (uint64_t)ta, m->bal[u][q->ib] -= (uint64_t)tb;
	m->pool_bal[i][q->ia] += (uint64_t)ta, m->pool_bal[i][q->ib] += (uint64_t)tb;
	q->ra += (uint64_t)ta, q->rb += (uint64_t)tb, q->supply += (uint64_t)s;
	m->lp[u][i] += (uint64_t)s;
	return true;
}

static bool m_remove(model_t *m, int u, int i, uint64_t s, uint64_t mina, uint64_t minb)
{
	mpool_t *q = &m->pool[i];
	if (!q->exists || s == 0 || s > q->supply) return false;
	uint64_t oa = (uint64_t)((u128)s * q->ra / q->supply), ob = (uint64_t)((u128)s * q->rb / q->supply);
	if (oa < mina || ob < minb || m->lp[u][i] < s) return false;
	m->lp[u][i] -= s, q->supply -= s;
	q->ra -= oa, q->rb -= ob;
	m->pool_bal[i][q->ia] -= oa, m->pool_bal[i][q->ib] -= ob;
	m->bal[u][q->ia] += oa, m->bal[u][q->ib] += ob;
	return true;
}

static bool m_swap(model_t *m, int u, int i, bool a_in, bool exact_in, uint64_t amt, uint64_t lim)
{
	mpool_t *q = &m->pool[i];
	if (!q->exists || amt == 0) return false;
	uint64_t *rin = a_in ? &q->ra : &q->rb, *rout = a_in ? &q->rb : &q->ra;
	int tin = a_in ? q->ia : q->ib, tout = a_in ? q->ib : q->ia;
	u128 B = SVM_AMM_BPS, net = B - q->fee, in, out;
	if (exact_in) {
		in = amt;
		if ((u128)*rin + in > UINT64_MAX) return false;
		out = in * net * *rout / ((u128)*rin * B + in * net);
		if (out == 0 || out < lim) return false;
	} else {
		out = amt;
		if (out >= *rout) return false;
		u128 base = ((u128)*rin * out + (*rout - out) - 1) / (*rout - out);
		if (base > UINT64_MAX) return false;
		in = (base * B + net - 1) / net;
		if (in > UINT64_MAX || (u128)*rin + in > UINT64_MAX || in > lim) return false;
	}
	if (m->bal[u][tin] < in) return false;
	m->bal[u][tin] -= (uint64_t)in, m->bal[u][tout] += (uint64_t)out;
	m->pool_bal[i][tin] += (uint64_t)in, m->pool_bal[i][tout] -= (uint64_t)out;
	*rin += (uint64_t)in, *rout -= (uint64_t)out;
	return true;
}

/* ---- random operations: the payload and the model's prediction ---- */

static uint64_t amount(uint64_t *s, const model_t *m, int u, int t)
{
	switch (rng(s) % 10) {
	case 0: return 0;
	case 1: return UINT64_MAX - rng(s) % 3; /* overflow paths */
	case 2: return m->bal[u][t] + 1 + rng(s) % 10; /* more than held */
	default: return 1 + rng(s) % 2000000000ull;
	}
}

static bool random_op(model_t *m, uint64_t *s, int u, int i, svm_buf_t *p)
{
	mpool_t *q = &m->pool[i];
	uint64_t v1, v2, v3;
	switch (rng(s) % 10) {
	case 0: { /* create (often of an existing pool: EEXIST) */
		v1 = amount(s, m, u, q->ia), v2 = amount(s, m, u, q->ib), v3 = rng(s) % 3 ? 0 : rng(s) % 100000000;
		cr_assert_eq(svm_amm_payload(p, SVM_AMM_CREATE, &q->a, &q->b, q->fee, v1, v2, v3), 0);
		return m_create(m, u, i, v1, v2, v3);
	}
	case 1: {
		v1 = amount(s, m, u, q->ia), v2 = amount(s, m, u, q->ib), v3 = rng(s) % 3 ? 0 : rng(s) % 1000000;
		cr_assert_eq(svm_amm_payload(p, SVM_AMM_ADD, &q->a, &q->b, q->fee, v1, v2, v3), 0);
		return m_add(m, u, i, v1, v2, v3);
	}
	case 2: {
		uint64_t held = m->lp[u][i];
		v1 = rng(s) % 4 ? (held ? 1 + rng(s) % held : 1) : held + 1 + rng(s) % 5;
		v2 = rng(s) % 3 ? 0 : rng(s) % 1000000, v3 = rng(s) % 3 ? 0 : rng(s) % 1000000;
		cr_assert_eq(svm_amm_payload(p, SVM_AMM_REMOVE, &q->a, &q->b, q->fee, v1, v2, v3), 0);
		return m_remove(m, u, i, v1, v2, v3);
	}
	default: {
		bool a_in = rng(s) % 2, exact_in = rng(s) % 3;
		const svm_id_t *x = a_in ? &q->a : &q->b, *y = a_in ? &q->b : &q->a;
		uint64_t amt = amount(s, m, u, a_in ? q->ia : q->ib), lim;
		if (!exact_in && q->exists && rng(s) % 2) amt = 1 + rng(s) % (a_in ? q->rb : q->ra);
		if (exact_in) lim = rng(s) % 3 ? 0 : rng(s) % 3000000000ull; /* min out */
		else lim = rng(s) % 3 ? UINT64_MAX : rng(s) % 3000000000ull; /* max in */
		cr_assert_eq(svm_amm_payload(p, exact_in ? SVM_AMM_SWAP_IN : SVM_AMM_SWAP_OUT, x, y,
					     q->fee, amt, lim, 0), 0);
		return m_swap(m, u, i, a_in, exact_in, amt, lim);
	}
	}
}

/* a·b·t² ≥ c·d·s² (the per-share invariant ra·rb/S² never decreasing), in 256 bits. */
static void mul128(u128 x, u128 y, u128 *hi, u128 *lo)
{
	u128 m = ((u128)1 << 64) - 1;
	u128 a = x >> 64, b = x & m, c = y >> 64, d = y & m;
	u128 bd = b * d, ad = a * d, bc = b * c, ac = a * c;
	u128 mid = (bd >> 64) + (ad & m) + (bc & m);
	*lo = (bd & m) | (mid << 64);
	*hi = ac + (ad >> 64) + (bc >> 64) + (mid >> 64);
}

static bool per_share_not_lower(const mpool_t *before, const mpool_t *after)
{
	u128 h1, l1, h2, l2;
	mul128((u128)after->ra * after->rb, (u128)before->supply * before->supply, &h1, &l1);
	mul128((u128)before->ra * before->rb, (u128)after->supply * after->supply, &h2, &l2);
	return h1 > h2 || (h1 == h2 && l1 >= l2);
}

/* The chain's state equals the model's; every token is conserved. */
static void check_state(model_t *m, unsigned seed, size_t blk)
{
	et_world_t *e = &m->e;
	for (int t = 0; t < ET_TOKENS; t++) {
		u128 sum = 0;
		for (int u = 0; u < USERS; u++) {
			uint64_t b = et_balance(e, &e->tok[t], &e->w.owners[u]);
			cr_assert_eq(b, m->bal[u][t], "seed %u block %zu: user %d token %d: %llu vs model %llu",
				     seed, blk, u, t, (unsigned long long)b, (unsigned long long)m->bal[u][t]);
			sum += b;
		}
		for (int i = 0; i < POOLS; i++) {
			uint64_t b = et_balance(e, &e->tok[t], &m->pool[i].id);
			cr_assert_eq(b, m->pool_bal[i][t], "seed %u block %zu: pool %d token %d", seed, blk, i, t);
			sum += b;
		}
		cr_assert(sum == et_supply(e, &e->tok[t]), "seed %u block %zu: token %d not conserved", seed, blk, t);
		cr_assert(sum == (u128)USERS * START, "seed %u block %zu: token %d supply moved", seed, blk, t);
	}
	for (int i = 0; i < POOLS; i++) {
		const mpool_t *q = &m->pool[i];
		svm_amm_pool_t p;
		bool exists = et_pool(e, &q->id, &p);
		cr_assert_eq(exists, q->exists, "seed %u block %zu: pool %d existence", seed, blk, i);
		if (!exists) continue;
		cr_assert(p.ra == q->ra && p.rb == q->rb, "seed %u block %zu: pool %d reserves %llu,%llu vs %llu,%llu",
			  seed, blk, i, (unsigned long long)p.ra, (unsigned long long)p.rb,
			  (unsigned long long)q->ra, (unsigned long long)q->rb);
		/* the pool owns at least its reserves; the LP supply is the model's share total */
		cr_assert_geq(m->pool_bal[i][q->ia], q->ra);
		cr_assert_eq(et_supply(e, &q->lp), q->supply, "seed %u block %zu: pool %d shares", seed, blk, i);
		u128 lpsum = et_balance(e, &q->lp, &q->id);
		cr_assert_eq(lpsum, SVM_AMM_LOCKED_SHARES);
		for (int u = 0; u < USERS; u++) {
			uint64_t b = et_balance(e, &q->lp, &e->w.owners[u]);
			cr_assert_eq(b, m->lp[u][i], "seed %u block %zu: user %d shares of pool %d", seed, blk, u, i);
			lpsum += b;
		}
		cr_assert(lpsum == q->supply, "seed %u block %zu: pool %d shares not conserved", seed, blk, i);
	}
}

/* Blocks of random operations; `hot`: all on pool 0 (one conflict chain). */
static void run_sequences(bool hot, size_t blocks, size_t per_block)
{
	unsigned seed = ct_seed();
	uint64_t s = seed;
	setenv("SVM_EXEC_SHORTCUT", "0", 1); /* hot blocks stay on the parallel engines */
	model_t *m = calloc(1, sizeof *m);
	cr_assert(m);
	model_init(m, seed);
	svm_exec_tx_t *txs = calloc(per_block, sizeof *txs);
	bool *expect = calloc(per_block, sizeof *expect);
	mpool_t *before = calloc(POOLS, sizeof *before);
	cr_assert(txs && expect && before);
	/* block 1: every pool created by user 0 with deep reserves (some random ops then fail) */
	for (int i = 0; i < POOLS; i++) {
		svm_buf_t p = {0};
		mpool_t *q = &m->pool[i];
		uint64_t x = 1000000000ull + rng(&s) % 100000000000ull, y = 1000000000ull + rng(&s) % 100000000000ull;
		cr_assert_eq(svm_amm_payload(&p, SVM_AMM_CREATE, &q->a, &q->b, q->fee, x, y, 0), 0);
		expect[i] = m_create(m, 0, i, x, y, 0);
		cr_assert_eq(et_tx(&m->e, &txs[i], 0, &p, true), 0);
		svm_buf_free(&p);
	}
	char why[256];
	cr_assert_eq(et_block(&m->e, txs, POOLS, why, sizeof why), 0, "seed %u: %s", seed, why);
	for (int i = 0; i < POOLS; i++)
		cr_assert_eq(m->e.res.receipts[i].status == 0, expect[i], "seed %u: create %d status %u",
			     seed, i, m->e.res.receipts[i].status);
	check_state(m, seed, 1);
	size_t ok = 0;
	for (size_t blk = 2; blk < blocks + 2; blk++) {
		memcpy(before, m->pool, sizeof m->pool);
		for (size_t k = 0; k < per_block; k++) {
			svm_buf_t p = {0};
			int u = (int)(rng(&s) % USERS), i = hot ? 0 : (int)(rng(&s) % POOLS);
			expect[k] = random_op(m, &s, u, i, &p);
			cr_assert_eq(et_tx(&m->e, &txs[k], (size_t)u, &p, rng(&s) % 4 != 0), 0);
			svm_buf_free(&p);
		}
		cr_assert_eq(et_block(&m->e, txs, per_block, why, sizeof why), 0,
			     "seed %u block %zu: AOEM differs from the reference: %s", seed, blk, why);
		cr_assert_eq(m->e.res.included, per_block, "seed %u block %zu", seed, blk);
		for (size_t k = 0; k < per_block; k++) {
			uint8_t st = m->e.res.receipts[k].status;
			cr_assert_eq(st == 0, expect[k], "seed %u block %zu tx %zu: status %u, model says %s",
				     seed, blk, k, st, expect[k] ? "success" : "failure");
			ok += st == 0;
		}
		check_state(m, seed, blk);
		for (int i = 0; i < POOLS; i++) {
			if (!before[i].exists) continue;
			cr_assert(per_share_not_lower(&before[i], &m->pool[i]),
				  "seed %u block %zu: pool %d reserves per share fell", seed, blk, i);
		}
	}
	cr_assert_gt(ok, blocks * per_block / 5, "seed %u: too few operations succeed (%zu)", seed, ok);
	/* Distinct pools run on the engines. On one hot pool how far the optimistic prefix gets
	 * before the engine's abort bound hands the rest to the reference depends on how the two
	 * threads are scheduled (40–50 % on an idle machine, more when they take turns on one
	 * CPU), so that case asks only that every block's prefix ran there on average. */
	const size_t min_par = hot ? blocks : blocks * per_block / 2;
	cr_assert_geq(m->e.par_txs, min_par, "seed %u: AOEM ran only %llu on its engines (at least %zu wanted)",
		      seed, (unsigned long long)m->e.par_txs, min_par);
	free(txs);
	free(expect);
	free(before);
	et_free(&m->e);
	free(m);
}

Test(amm, random_sequences_match_the_model_conserve_tokens_and_aoem_matches_reference, .init = setup)
{
	run_sequences(false, 40, 64);
}

Test(amm, hot_pool_sequences_match_the_model_and_aoem_matches_reference, .init = setup)
{
	run_sequences(true, 40, 64);
}

/* Swaps only: x·y never decreases, transaction by transaction (one per block). */
Test(amm, swaps_never_decrease_x_times_y, .init = setup)
{
	unsigned seed = ct_seed();
	uint64_t s = seed ^ 0x5eed;
	model_t *m = calloc(1, sizeof *m);
	cr_assert(m);
	model_init(m, seed);
	svm_exec_tx_t tx;
	svm_buf_t p = {0};
	mpool_t *q = &m->pool[0];
	cr_assert_eq(svm_amm_payload(&p, SVM_AMM_CREATE, &q->a, &q->b, q->fee, 5000000, 7000000000ull, 0), 0);
	cr_assert_eq(et_tx(&m->e, &tx, 0, &p, true), 0);
	char why[256];
	cr_assert_eq(et_block(&m->e, &tx, 1, why, sizeof why), 0, "%s", why);
	cr_assert_eq(m->e.res.receipts[0].status, 0);
	for (int k = 0; k < 300; k++) {
		svm_amm_pool_t b0, b1;
		cr_assert(et_pool(&m->e, &q->id, &b0));
		p.len = 0;
		bool a_in = rng(&s) % 2;
		const svm_id_t *x = a_in ? &q->a : &q->b, *y = a_in ? &q->b : &q->a;
		uint64_t amt = 1 + rng(&s) % (rng(&s) % 2 ? 1000 : 5000000000ull);
		if (rng(&s) % 2)
			cr_assert_eq(svm_amm_payload(&p, SVM_AMM_SWAP_IN, x, y, q->fee, amt, 0, 0), 0);
		else
			cr_assert_eq(svm_amm_payload(&p, SVM_AMM_SWAP_OUT, x, y, q->fee,
						     1 + amt % ((a_in ? b0.rb : b0.ra) - 1), UINT64_MAX, 0), 0);
		cr_assert_eq(et_tx(&m->e, &tx, (size_t)(1 + rng(&s) % (USERS - 1)), &p, rng(&s) % 2), 0);
		cr_assert_eq(et_block(&m->e, &tx, 1, why, sizeof why), 0, "%s", why);
		cr_assert(et_pool(&m->e, &q->id, &b1));
		cr_assert((u128)b1.ra * b1.rb >= (u128)b0.ra * b0.rb, "seed %u swap %d: x·y fell", seed, k);
	}
	svm_buf_free(&p);
	et_free(&m->e);
	free(m);
}

/* ----------------------------------------------------------- bad input */

/* Each failing call gets its status, and nothing changes but the fee (the user's SWR). */
Test(amm, bad_inputs_fail_clearly_and_change_nothing_but_the_fee, .init = setup)
{
	model_t *m = calloc(1, sizeof *m);
	cr_assert(m);
	model_init(m, 1);
	mpool_t *q = &m->pool[0], *other = &m->pool[1];
	svm_exec_tx_t tx;
	svm_buf_t p = {0};
	char why[256];
	cr_assert_eq(svm_amm_payload(&p, SVM_AMM_CREATE, &q->a, &q->b, q->fee, 1000000, 4000000, 0), 0);
	cr_assert_eq(et_tx(&m->e, &tx, 0, &p, true), 0);
	cr_assert_eq(et_block(&m->e, &tx, 1, why, sizeof why), 0, "%s", why);
	cr_assert_eq(m->e.res.receipts[0].status, 0);
	cr_assert_eq(m->e.res.receipts[0].return_data_len, SVM_HASH_SIZE);
	cr_assert_eq(memcmp(m->e.res.receipts[0].return_data, q->id.b, SVM_HASH_SIZE), 0);
	svm_id_t swr = m->e.w.tokens[0];
	const struct {
		uint64_t method;
		const svm_id_t *x, *y;
		uint64_t fee, v1, v2, v3;
		int want;
		const char *what;
	} cases[] = {
		{SVM_AMM_SWAP_IN, &q->a, &q->b, q->fee, 1000, 999999, 0, SVM_ELIMIT, "swap past min-out"},
		{SVM_AMM_SWAP_OUT, &q->a, &q->b, q->fee, 1000, 10, 0, SVM_ELIMIT, "swap past max-in"},
		{SVM_AMM_SWAP_IN, &other->a, &other->b, other->fee, 1000, 0, 0, SVM_ENOTFOUND, "empty pool"},
		{SVM_AMM_SWAP_IN, &q->a, &q->b, q->fee, UINT64_MAX, 0, 0, SVM_EOVERFLOW, "overflowing amount"},
		{SVM_AMM_SWAP_IN, &q->a, &q->b, q->fee, START + 1, 0, 0, SVM_EFUNDS, "more than held"},
		{SVM_AMM_SWAP_OUT, &q->a, &q->b, q->fee, 4000000, UINT64_MAX, 0, SVM_EINVAL, "the whole reserve"},
		{SVM_AMM_SWAP_IN, &q->a, &q->a, q->fee, 1000, 0, 0, SVM_EINVAL, "one token"},
		{SVM_AMM_SWAP_IN, &q->a, &q->b, q->fee, 0, 0, 0, SVM_EINVAL, "zero amount"},
		{SVM_AMM_SWAP_IN, &q->a, &q->b, q->fee, 1000, 0, 1, SVM_EINVAL, "reserved field"},
		{SVM_AMM_CREATE, &q->a, &q->b, q->fee, 1000000, 1000000, 0, SVM_EEXIST, "pool exists"},
		{SVM_AMM_CREATE, &q->b, &q->a, q->fee, 1000000, 1000000, 0, SVM_EINVAL, "tokens out of order"},
		{SVM_AMM_CREATE, &q->a, &q->b, 1001, 1000000, 1000000, 0, SVM_EINVAL, "fee above the cap"},
		{SVM_AMM_CREATE, &q->a, &q->b, 7, 1000, 1000, 0, SVM_EINVAL, "too little liquidity"},
		{SVM_AMM_CREATE, &q->a, &q->b, 7, 1000000, 1000000, 999001, SVM_ELIMIT, "min shares"},
		{SVM_AMM_REMOVE, &q->a, &q->b, q->fee, 1999001, 0, 0, SVM_EFUNDS, "more shares than held"},
		{SVM_AMM_REMOVE, &q->a, &q->b, q->fee, 2000001, 0, 0, SVM_EINVAL, "more shares than exist"},
		{SVM_AMM_REMOVE, &q->a, &q->b, q->fee, 1000, 1000, 0, SVM_ELIMIT, "remove past min-out"},
		{SVM_AMM_ADD, &q->a, &q->b, q->fee, 1, 1, 0, SVM_EINVAL, "add rounding to no shares"},
		{SVM_AMM_ADD, &q->a, &q->b, q->fee, 1000, 4000, 3000, SVM_ELIMIT, "add past min shares"},
		{SVM_AMM_ADD, &q->a, &q->b, q->fee, START + 5, UINT64_MAX, 0, SVM_EFUNDS, "add more than held"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		svm_amm_pool_t before, after;
		cr_assert(et_pool(&m->e, &q->id, &before));
		uint64_t swr0 = et_balance(&m->e, &swr, &m->e.w.owners[0]);
		uint64_t a0 = et_balance(&m->e, &q->a, &m->e.w.owners[0]);
		uint64_t lp0 = et_balance(&m->e, &q->lp, &m->e.w.owners[0]);
		p.len = 0;
		cr_assert_eq(svm_amm_payload(&p, cases[i].method, cases[i].x, cases[i].y, cases[i].fee,
					     cases[i].v1, cases[i].v2, cases[i].v3), 0);
		cr_assert_eq(et_tx(&m->e, &tx, 0, &p, i % 2), 0);
		cr_assert_eq(et_block(&m->e, &tx, 1, why, sizeof why), 0, "%s: %s", cases[i].what, why);
		const svm_receipt_t *r = &m->e.res.receipts[0];
		cr_assert_eq(r->status, svm_receipt_status(cases[i].want), "%s: status %u (%s), want %s",
			     cases[i].what, r->status, svm_strerror(-(int)r->status), svm_strerror(cases[i].want));
		cr_assert(et_pool(&m->e, &q->id, &after));
		cr_assert_eq(memcmp(&before, &after, sizeof before), 0, "%s", cases[i].what);
		cr_assert_eq(et_balance(&m->e, &swr, &m->e.w.owners[0]), swr0 - r->fee_charged, "%s", cases[i].what);
		cr_assert_eq(et_balance(&m->e, &q->a, &m->e.w.owners[0]), a0, "%s", cases[i].what);
		cr_assert_eq(et_balance(&m->e, &q->lp, &m->e.w.owners[0]), lp0, "%s", cases[i].what);
		cr_assert_eq(r->events_len, 0);
	}
	/* a malformed payload */
	p.len = 0;
	cr_assert_eq(svm_amm_payload(&p, SVM_AMM_SWAP_IN, &q->a, &q->b, q->fee, 1, 0, 0), 0);
	cr_assert_eq(svm_buf_append(&p, "x", 1), 0);
	cr_assert_eq(et_tx(&m->e, &tx, 0, &p, false), 0);
	cr_assert_eq(et_block(&m->e, &tx, 1, why, sizeof why), 0, "%s", why);
	cr_assert_eq(m->e.res.receipts[0].status, svm_receipt_status(SVM_EDECODE));
	svm_buf_free(&p);
	et_free(&m->e);
	free(m);
}

/* Local fee markets on a real chain (svm_chain, AOEM at 2 threads): an object written by more
 * than congestion_target_txs transactions per block costs more to write in the next blocks —
 * its multiplier rises by congestion_step_bps per hot block up to congestion_max_bps — while
 * transactions writing other objects pay exactly the uncongested fee; dynamic transactions pay
 * the hottest multiplier; once the object cools, its price falls back to 1× and the table
 * empties. A second chain applying the same blocks on one thread (the reference executor)
 * reaches the same state roots. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chaintest.h"

static const svm_fee_params_t FEES = {.a = 1000, .b = 2, .c = 1, .d = 0};
#define KEYS 16
#define HOT_SENDERS 10 /* keys 0..9 write the hot balance each busy block */
#define TARGET 4

static svm_id_t aic;

typedef struct {
	char dir[64];
	svm_chain_t *c;
	svm_genesis_t g;
} fx_t;

static void open_chain(fx_t *f, unsigned threads)
{
	ct_tmpdir(f->dir);
	cr_assert_eq(ct_genesis(&f->g, KEYS, 1000000000, 1000000, &FEES), 0);
	svm_params_default(&f->g.params);
	f->g.params_set = true;
	f->g.params.fee_a = FEES.a, f->g.params.fee_b = FEES.b, f->g.params.fee_c = FEES.c, f->g.params.fee_d = FEES.d;
	f->g.params.congestion_target_txs = TARGET;
	f->g.params.congestion_step_bps = 2500; /* ×1.25 per hot block */
	f->g.params.congestion_max_bps = 20000; /* at most 2× */
	svm_error_t err = {0};
	svm_chain_config_t cfg = {.map_bytes = 1ull << 30, .exec_threads = threads};
	cr_assert_eq(svm_chain_open(&f->c, f->dir, &f->g, &cfg, &err), 0, "open: %s", err.msg);
}

static void close_chain(fx_t *f)
{
	svm_chain_close(f->c);
	svm_genesis_free(&f->g);
	ct_rmdir(f->dir);
}

typedef struct {
	svm_buf_t b[KEYS];
	const uint8_t *p[KEYS];
	size_t len[KEYS];
	svm_hash_t id[KEYS];
	size_t n;
} batch_t;

static void add(batch_t *bt, const svm_keypair_t *k, const svm_id_t *to, uint64_t nonce, bool strict,
		uint64_t fee_limit)
{
	ct_txopt_t o = {.chain_id = 7, .nonce = nonce, .fee_limit = fee_limit, .strict = strict};
	memset(&bt->b[bt->n], 0, sizeof bt->b[0]);
	cr_assert_eq(ct_transfer(&bt->b[bt->n], k, &aic, to, 1, &o, &bt->id[bt->n]), 0);
	bt->p[bt->n] = bt->b[bt->n].data;
	bt->len[bt->n] = bt->b[bt->n].len;
	bt->n++;
}

/* The receipt's fee against the uncongested fee of the same use: the multiplier it paid
 * (exact: fee = ⌊base·m/10^4⌋, checked). */
static uint64_t paid(fx_t *f, const svm_hash_t *id, uint64_t m)
{
	svm_buf_t rb = {0};
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_receipt_t r;
	cr_assert_eq(svm_chain_receipt(f->c, id, &rb, NULL, NULL, NULL, NULL), 0);
	cr_assert_eq(svm_receipt_decode(rb.data, rb.len, &a, &r, NULL), 0);
	cr_assert_eq(r.status, 0);
	uint64_t base;
	cr_assert_eq(svm_exec_fee(&FEES, r.tx_bytes, r.steps, r.mem_bytes, &base), 0);
	uint64_t fee = r.fee_charged;
	svm_buf_free(&rb);
	svm_arena_reset(&a);
	cr_assert_eq(fee, (uint64_t)((unsigned __int128)base * m / 10000), "fee %llu, base %llu, expected ×%llu/10^4",
		     (unsigned long long)fee, (unsigned long long)base, (unsigned long long)m);
	return fee;
}

static size_t table(fx_t *f, const svm_id_t *hot, uint64_t *m)
{
	svm_id_t id;
	svm_congestion_id(&id);
	svm_buf_t b = {0};
	int rc = svm_chain_object(f->c, &id, &b);
	*m = 10000;
	if (rc == SVM_ENOTFOUND) return 0;
	cr_assert_eq(rc, 0);
	svm_object_t o;
	cr_assert_eq(svm_object_decode(b.data, b.len, &o, NULL), 0);
	svm_congestion_entry_t t[SVM_CONGESTION_OBJECTS_MAX];
	size_t n;
	cr_assert_eq(svm_congestion_decode(o.payload, o.payload_len, t, SVM_CONGESTION_OBJECTS_MAX, &n), 0);
	*m = svm_congestion_of(t, n, hot);
	svm_buf_free(&b);
	return n;
}

Test(feemarket, a_hot_objects_price_rises_while_others_stay_flat_and_falls_back_when_it_cools)
{
	cr_assert_eq(svm_crypto_init(), 0);
	svm_token_id("AIC", &aic);
	fx_t f, g;
	open_chain(&f, 2);
	open_chain(&g, 1);
	svm_keypair_t k[KEYS];
	for (int i = 0; i < KEYS; i++) ct_key((uint64_t)i, &k[i]);
	svm_id_t hot = k[15].id, hot_bal; /* everybody pays key 15 in AIC: its AIC balance is hot */
	svm_balance_id(&aic, &hot, &hot_bal);
	uint64_t nonce[KEYS] = {0};
	/* busy blocks price the hot balance at 1×, 1.25×, 1.5625×, 1.953125× (floored), then the 2× cap */
	const uint64_t hot_m[] = {10000, 12500, 15625, 19531, 20000, 20000};
	/* quiet blocks (one write of it each, under the target) bring it back down: ÷1.25 per block */
	const uint64_t cool_m[] = {20000, 16000, 12800, 10240, 10000, 10000};
	const size_t busy = sizeof hot_m / sizeof hot_m[0], quiet = sizeof cool_m / sizeof cool_m[0];
	for (size_t blk = 0; blk < busy + quiet; blk++) {
		bool is_busy = blk < busy;
		uint64_t m = is_busy ? hot_m[blk] : cool_m[blk - busy];
		batch_t *bt = calloc(1, sizeof *bt);
		for (int s = 0; s < (is_busy ? HOT_SENDERS : 1); s++) add(bt, &k[s], &hot, nonce[s]++, true, 100000);
		for (int s = 10; s < 13; s++) { /* each to its own recipient: never hot */
			svm_id_t cold;
			svm_sha256_tagged("cold", &(svm_slice_t){(const uint8_t *)&blk, sizeof blk}, 1, &cold);
			cold.b[0] = (uint8_t)s;
			add(bt, &k[s], &cold, nonce[s]++, true, 100000);
		}
		add(bt, &k[13], &k[14].id, nonce[13]++, false, 100000); /* dynamic: pays the hottest */
		/* a fee limit that covers a + b·bytes at 1× but not at the hot multiplier */
		bool tight = blk == 2;
		if (tight) {
			uint64_t limit = 1000;
			for (int pass = 0; pass < 3; pass++) { /* the fee limit's own varint changes the length */
				add(bt, &k[14], &hot, nonce[14], true, limit);
				limit = 1000 + 2 * bt->len[--bt->n];
				svm_buf_free(&bt->b[bt->n]);
			}
			add(bt, &k[14], &hot, nonce[14], true, limit);
			cr_assert_eq(1000 + 2 * bt->len[bt->n - 1], limit, "exactly the 1× intrinsic fee");
		}
		svm_build_result_t res[KEYS];
		svm_error_t err = {0};
		cr_assert_eq(svm_chain_build(f.c, bt->p, bt->len, bt->n, 1, &k[0].id, res, &err), 0, "%s", err.msg);
		if (tight) cr_assert_eq(res[bt->n - 1].status, SVM_EFEE, "congested intrinsic fee");
		size_t n_hot = is_busy ? HOT_SENDERS : 1;
		for (size_t i = 0; i < n_hot; i++) paid(&f, &bt->id[i], m);
		for (size_t i = n_hot; i < n_hot + 3; i++) paid(&f, &bt->id[i], 10000); /* flat */
		paid(&f, &bt->id[n_hot + 3], m);                                        /* the table's hottest is this object */
		/* the reference executor, one thread, applies the same block to the same state */
		svm_buf_t block = {0};
		cr_assert_eq(svm_chain_block(f.c, svm_chain_height(f.c), &block), 0);
		cr_assert_eq(svm_chain_apply(g.c, block.data, block.len, &err), 0, "%s", err.msg);
		svm_hash_t r1, r2;
		svm_chain_head(f.c, NULL, &r1);
		svm_chain_head(g.c, NULL, &r2);
		cr_assert(svm_hash_eq(&r1, &r2), "block %zu: state roots differ", blk);
		svm_buf_free(&block);
		for (size_t i = 0; i < bt->n; i++) svm_buf_free(&bt->b[i]);
		free(bt);
	}
	uint64_t m;
	cr_assert_eq(table(&f, &hot, &m), 0, "cooled down: the table is empty");
	cr_assert_eq(m, 10000);
	close_chain(&f);
	close_chain(&g);
}

/* The table's rule on its own: rises above the target, capped, falls back, bounded in size
 * keeping the hottest, canonical encoding. */
Test(feemarket, table_rule_caps_decays_bounds_and_encodes_canonically)
{
	svm_params_t p;
	svm_params_default(&p);
	p.congestion_target_txs = 2, p.congestion_step_bps = 5000, p.congestion_max_bps = 30000;
	size_t nw = 0, n;
	svm_id_t *w = calloc(4 * SVM_CONGESTION_OBJECTS_MAX, sizeof *w);
	svm_congestion_entry_t *t = calloc(SVM_CONGESTION_OBJECTS_MAX, sizeof *t);
	svm_congestion_entry_t *t2 = calloc(SVM_CONGESTION_OBJECTS_MAX, sizeof *t2);
	/* object i written (i % 4) times, for 1,500 objects: those written 3 times are hot */
	for (int i = 0; i < 1500; i++)
		for (int j = 0; j < i % 4; j++) {
			memset(&w[nw], 0, sizeof w[nw]);
			w[nw].b[0] = (uint8_t)(i >> 8), w[nw].b[1] = (uint8_t)i;
			nw++;
		}
	cr_assert_eq(svm_congestion_next(NULL, 0, w, nw, &p, t, &n), 0);
	cr_assert_eq(n, 375); /* i % 4 == 3 */
	for (size_t i = 0; i < n; i++) cr_assert_eq(t[i].bps, 15000);
	svm_buf_t b = {0};
	cr_assert_eq(svm_congestion_encode(t, n, &b), 0);
	size_t n2;
	cr_assert_eq(svm_congestion_decode(b.data, b.len, t2, SVM_CONGESTION_OBJECTS_MAX, &n2), 0);
	cr_assert_eq(n2, n);
	cr_assert_eq(memcmp(t, t2, n * sizeof *t), 0);
	b.data[b.len - 1] = 0x10; /* a multiplier of 16 (≤ 1×) is not canonical */
	cr_assert_eq(svm_congestion_decode(b.data, b.len, t2, SVM_CONGESTION_OBJECTS_MAX, &n2), SVM_EDECODE);
	svm_buf_free(&b);
	/* hot again: 22500, then the cap 30000; not written: 20000, 13333, 10000 (dropped) */
	svm_congestion_entry_t one[1] = {{.bps = 15000}};
	svm_id_t x[3];
	memset(x, 0, sizeof x);
	cr_assert_eq(svm_congestion_next(one, 1, x, 3, &p, t, &n), 0);
	cr_assert(n == 1 && t[0].bps == 22500);
	cr_assert_eq(svm_congestion_next(t, 1, x, 3, &p, t2, &n), 0);
	cr_assert(n == 1 && t2[0].bps == 30000);
	cr_assert_eq(svm_congestion_next(t2, 1, NULL, 0, &p, t, &n), 0);
	cr_assert(n == 1 && t[0].bps == 20000);
	cr_assert_eq(svm_congestion_next(t, 1, NULL, 0, &p, t2, &n), 0);
	cr_assert(n == 1 && t2[0].bps == 13333);
	cr_assert_eq(svm_congestion_next(t2, 1, NULL, 0, &p, t, &n), 0);
	cr_assert_eq(n, 0);
	/* more hot objects than the table holds: the hottest stay, in id order */
	nw = 0;
	for (int i = 0; i < SVM_CONGESTION_OBJECTS_MAX + 100; i++)
		for (int j = 0; j < 3; j++) {
			memset(&w[nw], 0, sizeof w[nw]);
			w[nw].b[0] = (uint8_t)(i >> 8), w[nw].b[1] = (uint8_t)i;
			nw++;
		}
	svm_congestion_entry_t old[1] = {{.bps = 25000}}; /* id 0xff..: hotter than any new one */
	memset(old[0].id.b, 0xff, 32);
	cr_assert_eq(svm_congestion_next(old, 1, w, nw, &p, t, &n), 0);
	cr_assert_eq(n, SVM_CONGESTION_OBJECTS_MAX);
	cr_assert(svm_hash_eq(&t[n - 1].id, &old[0].id) && t[n - 1].bps == 16666, "the hottest kept");
	for (size_t i = 1; i < n; i++) cr_assert_lt(svm_hash_cmp(&t[i - 1].id, &t[i].id), 0);
	free(w);
	free(t);
	free(t2);
}

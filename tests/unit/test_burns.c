/* Burns as commutative supply deltas (docs/aoem.md, "Commutative deltas"): on the optimistic
 * engine a burn lowers its token's supply without reading it, so burns of one token by
 * different transactions (the AI market's claims, every one of which burns AIC) no longer
 * conflict on the token object. Checked here:
 *  - seeded random blocks full of burns (every kind: of AIC and SWR, of tokens created in the
 *    same block, of unknown tokens, of zero and of more than the balance, beside transfers and
 *    failing transactions) are byte for byte the reference's on 2 to 4 threads, with the
 *    engines forced on (a failure prints its seed; SVM_TEST_SEED=<seed> replays it);
 *  - a block where every transaction burns AIC runs on the optimistic engine to the end, with
 *    (nearly) no conflicts: before, the token object was one hot key and the block stopped;
 *  - the uses that do not commute are caught and the block goes to the reference (whose result
 *    is exact by definition): a credit and a burn delta on one key, burns the supply cannot
 *    cover (a corrupt state, where the reference aborts the block), a burn of an object that
 *    is not a token. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/aoem.h" /* FALL_DELTA, the multi-version memory */
#include "lib/chaintest.h"
#include "lib/execgen.h"
#include "lib/mvtest.h"

static void setup(void) { cr_assert_eq(svm_crypto_init(), 0); }

static size_t seeds_wanted(void)
{
	const char *e = getenv("SVM_BURN_SEEDS");
	return e && *e ? strtoul(e, NULL, 0) : 120;
}

static const size_t ACCOUNTS[] = {3, 10, 100, 1000, 5000};

/* One seed: a world, one or two blocks of mostly dynamic transactions (the optimistic engine
 * is where burns are deltas) checked against the reference. */
static void burn_seed(unsigned seed, size_t *txs)
{
	eg_rng_t r = {.s = seed};
	eg_config_t cfg = {.workload = eg_below(&r, 2) ? EG_SHARED : EG_MIXED,
			   .strict_pct = eg_below(&r, 2) ? 0 : (unsigned)eg_below(&r, 40),
			   .bad_pct = (unsigned)eg_below(&r, 25)};
	cfg.accounts = ACCOUNTS[eg_below(&r, sizeof ACCOUNTS / sizeof ACCOUNTS[0])];
	eg_world_t w;
	cr_assert_eq(eg_world_init(&w, &r, &cfg), 0, "seed %u: genesis", seed);
	size_t nblocks = 1 + eg_below(&r, 2);
	for (size_t b = 0; b < nblocks; b++) {
		size_t n = 20 + eg_below(&r, eg_below(&r, 4) ? 300 : 1500);
		unsigned threads = 2 + (unsigned)eg_below(&r, 3);
		cr_assert_eq(eg_block(&w, &r, n), 0);
		svm_arena_t a;
		svm_arena_init(&a, 0);
		svm_exec_result_t ref;
		char why[256] = "";
		int d = eg_check(&w, SVM_EXEC_BUILD, threads, &a, &ref, why, sizeof why, NULL);
		cr_assert_eq(d, 0, "seed %u (workload %d, %zu accounts, strict %u%%, block %zu, %zu txs, "
				   "%u threads): %s",
			     seed, cfg.workload, cfg.accounts, cfg.strict_pct, b, n,
			     threads, why);
		cr_assert_eq(eg_apply(&w, &ref), 0);
		svm_arena_reset(&a);
		*txs += n;
	}
	eg_world_free(&w);
}

Test(burns, blocks_of_burns_are_byte_for_byte_the_reference_on_many_seeds, .init = setup)
{
	setenv("SVM_EXEC_SHORTCUT", "0", 1); /* keep every block on the engines */
	unsigned base = ct_seed();
	const char *replay = getenv("SVM_TEST_SEED");
	size_t seeds = replay && *replay ? 1 : seeds_wanted(), txs = 0;
	for (size_t i = 0; i < seeds; i++) burn_seed(base + (unsigned)i * 7919u, &txs);
	cr_log_info("burns: %zu seeds from %u, %zu txs identical", seeds, base, txs);
	setenv("SVM_EXEC_SHORTCUT", "1", 1);
}

static int fund_aic(svm_txctx_t *c, void *ud)
{
	eg_world_t *w = ud;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < w->cfg.accounts; i++)
		rc = svm_ledger_mint(c, &w->tokens[1], &w->owners[i], 1000);
	return rc;
}

/* Every transaction burns AIC, senders spread over many accounts that all hold some (as a
 * claim's job account always does): the burns commute, so the optimistic engine runs the whole
 * block with no conflict but an occasional repeated sender. (A burn that fails its debit reads
 * the supply, so that its error is the reference's — an unknown token is SVM_ENOTFOUND before
 * SVM_EFUNDS — and is ordered after the burns below it.) */
Test(burns, burns_of_one_token_by_different_senders_do_not_conflict, .init = setup)
{
	setenv("SVM_EXEC_SHORTCUT", "0", 1);
	for (unsigned threads = 2; threads <= 4; threads += 2) {
		eg_rng_t r = {.s = 91 + threads};
		eg_config_t cfg = {.accounts = 20000, .workload = EG_SHARED, .strict_pct = 0};
		eg_world_t w;
		cr_assert_eq(eg_world_init(&w, &r, &cfg), 0);
		svm_exec_base_t base = eg_base(&w);
		svm_arena_t ga;
		svm_arena_init(&ga, 0);
		svm_exec_result_t gres;
		cr_assert_eq(svm_exec_system(&w.env, &base, fund_aic, &w, &ga, &gres), 0);
		cr_assert_eq(eg_apply(&w, &gres), 0);
		svm_arena_reset(&ga);
		cr_assert_eq(eg_block(&w, &r, 2000), 0);
		svm_arena_t a;
		svm_arena_init(&a, 0);
		svm_exec_result_t ref;
		svm_exec_metrics_t m;
		char why[256] = "";
		cr_assert_eq(eg_check(&w, SVM_EXEC_BUILD, threads, &a, &ref, why, sizeof why, &m), 0,
			     "%u threads: %s", threads, why);
		/* every burn that runs succeeds (the generator gives some an input at a wrong
		 * version: those fail before the program) */
		size_t burned = 0;
		for (size_t i = 0; i < ref.included; i++) {
			uint8_t st = ref.receipts[i].status;
			cr_assert(st == 0 || st == svm_receipt_status(SVM_EVERSION), "status %u", st);
			burned += st == 0;
		}
		cr_assert_gt(burned, w.n * 9 / 10, "%zu of %zu burned", burned, w.n);
		cr_assert_eq(m.fallback_reason, 0, "%u threads: the block fell back (%d)", threads,
			     m.fallback_reason);
		cr_assert_eq(m.stm_txs, w.n, "%u threads: every burn on the optimistic engine", threads);
		/* a sender repeats about n²/(2·accounts) = 100 times; the token itself adds none */
		cr_assert_leq(m.aborts + m.waits, w.n / 10, "%u threads: %llu aborts, %llu waits", threads,
			      (unsigned long long)m.aborts, (unsigned long long)m.waits);
		svm_arena_reset(&a);
		eg_world_free(&w);
	}
	setenv("SVM_EXEC_SHORTCUT", "1", 1);
}

/* The chain rule (shape.c) counts a dynamic burn's token like a credit: burns of one token
 * commute on the optimistic engine, so a block of them is not one dependency chain and runs
 * there (before, it counted the token as written by every burn, and the rule gave the block to
 * the reference). */
Test(burns, a_block_of_burns_of_one_token_is_not_taken_for_a_chain, .init = setup)
{
	setenv("SVM_EXEC_SHORTCUT", "1", 1);
	eg_config_t cfg = {.accounts = 20000, .workload = EG_SHARED, .strict_pct = 0};
	eg_run_t run;
	cr_assert_eq(eg_run(&run, &cfg, 77, 2000, 2), 0, "%s", run.why);
	cr_assert(!run.m.chain, "not a chain");
	cr_assert(!run.m.small, "2,000 burns are worth the engines (%llu us)", (unsigned long long)run.m.work_us);
	cr_assert_eq(run.m.stm_txs, run.w.n, "every burn on the optimistic engine (%llu)",
		     (unsigned long long)run.m.stm_txs);
	eg_run_free(&run);
}

/* Burns that fail their debit (a fifth of the senders hold no AIC: SVM_EFUNDS) beside burns
 * that succeed: the failed burn learns that the token exists (the reference reads it first, so
 * an unknown token is SVM_ENOTFOUND, not SVM_EFUNDS) from the object beneath the block's supply
 * deltas, which they never change, so it is not ordered after every burn below it. */
Test(burns, failed_burns_do_not_conflict_with_the_burns_below_them, .init = setup)
{
	setenv("SVM_EXEC_SHORTCUT", "0", 1);
	for (unsigned threads = 2; threads <= 4; threads += 2) {
		eg_config_t cfg = {.accounts = 20000, .workload = EG_SHARED, .strict_pct = 0};
		eg_run_t run;
		cr_assert_eq(eg_run(&run, &cfg, 191 + threads, 2000, threads), 0,
			     "%u threads: %s", threads, run.why);
		size_t failed = 0;
		for (size_t i = 0; i < run.ref.included; i++)
			failed += run.ref.receipts[i].status == svm_receipt_status(SVM_EFUNDS);
		cr_assert_gt(failed, run.w.n / 10, "%zu of %zu burns failed their debit", failed, run.w.n);
		cr_assert_eq(run.m.fallback_reason, 0, "%u threads: the block fell back (%d)", threads,
			     run.m.fallback_reason);
		cr_assert_eq(run.m.stm_txs, run.w.n, "%u threads: every burn on the optimistic engine", threads);
		/* before: 74-296 aborts (a failed burn read the supply, resolving every burn below
		 * it); now only a repeated sender can conflict (0 in the runs measured) */
		cr_assert_leq(run.m.aborts + run.m.waits, run.w.n / 20, "%u threads: %llu aborts, %llu waits", threads,
			      (unsigned long long)run.m.aborts, (unsigned long long)run.m.waits);
		eg_run_free(&run);
	}
	setenv("SVM_EXEC_SHORTCUT", "1", 1);
}

/* ------------------------------------------------ the uses that do not commute */

/* The canonical bytes of a token object (the ledger's own encoding), at version 0. */
static size_t token_bytes(const svm_id_t *token, const char *sym, uint64_t supply, uint8_t *out,
			  size_t cap)
{
	uint8_t payload[64];
	size_t n = 0, sl = strlen(sym);
	n += svm_varint_put(payload + n, sl);
	memcpy(payload + n, sym, sl);
	n += sl;
	n += svm_varint_put(payload + n, 6);
	n += svm_varint_put(payload + n, supply);
	svm_object_t o = {.owner_kind = SVM_OWNER_SHARED, .type = SVM_OBJ_TOKEN, .payload = payload, .payload_len = n};
	svm_token_object_id(token, &o.id);
	return mvt_object_bytes(&o, out, cap);
}

/* Replaces object id in the world's base state with bytes. */
static void doctor(eg_world_t *w, const svm_id_t *id, const uint8_t *bytes, size_t len)
{
	svm_state_write_t wr = {.id = *id, .bytes = bytes, .len = len};
	svm_exec_result_t res = {.writes = &wr, .writes_len = 1};
	cr_assert_eq(eg_apply(w, &res), 0);
}

/* A block of AIC burns over a state whose AIC supply (500) is below what the block burns: the
 * reference aborts the block (SVM_EIO: supply under a burn is corrupt state) at the burn that
 * overdraws; the deltas only show it when resolved, and send the block to the reference. */
static void overdraw_case(unsigned seed, bool not_a_token, unsigned threads)
{
	eg_rng_t r = {.s = seed};
	eg_config_t cfg = {.accounts = 3000, .workload = EG_SHARED, .strict_pct = 0};
	eg_world_t w;
	cr_assert_eq(eg_world_init(&w, &r, &cfg), 0);
	svm_id_t tid;
	svm_token_object_id(&w.tokens[1], &tid);
	uint8_t bytes[160];
	size_t len = token_bytes(&w.tokens[1], "AIC", 500, bytes, sizeof bytes);
	if (not_a_token) { /* a balance object where the AIC token object should be */
		svm_buf_t b = {0};
		cr_assert_eq(svm_ledger_balance_encode(&tid, &w.tokens[1], &w.owners[0], 500, 0, &b), 0);
		cr_assert_leq(b.len, sizeof bytes);
		memcpy(bytes, b.data, b.len);
		len = b.len;
		svm_buf_free(&b);
	}
	doctor(&w, &tid, bytes, len);
	cr_assert_eq(eg_block(&w, &r, 1500), 0);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_exec_result_t ref;
	svm_exec_metrics_t m;
	char why[256] = "";
	cr_assert_eq(eg_check(&w, SVM_EXEC_BUILD, threads, &a, &ref, why, sizeof why, &m), 0,
		     "%s, %u threads: %s", not_a_token ? "not a token" : "overdrawn", threads, why);
	cr_assert_eq(m.fallback_reason, FALL_DELTA, "%s, %u threads: caught (reason %d)",
		     not_a_token ? "not a token" : "overdrawn", threads, m.fallback_reason);
	cr_assert_eq(m.seq_txs, w.n, "the reference ran the whole block");
	svm_arena_reset(&a);
	eg_world_free(&w);
}

Test(burns, burns_the_supply_cannot_cover_are_caught_and_match_the_reference, .init = setup)
{
	setenv("SVM_EXEC_SHORTCUT", "0", 1);
	for (unsigned threads = 2; threads <= 4; threads++) overdraw_case(30 + threads, false, threads);
	setenv("SVM_EXEC_SHORTCUT", "1", 1);
}

Test(burns, a_burn_of_an_object_that_is_not_a_token_is_caught, .init = setup)
{
	setenv("SVM_EXEC_SHORTCUT", "0", 1);
	for (unsigned threads = 2; threads <= 4; threads += 2) overdraw_case(40 + threads, true, threads);
	setenv("SVM_EXEC_SHORTCUT", "1", 1);
}

/* The multi-version memory itself: a run of supply deltas resolves to exactly the ledger's
 * read-subtract-write; a credit among them (a second kind of delta on one key) is refused and
 * sends the block to the reference. */
Test(burns, a_credit_and_a_burn_delta_on_one_key_are_refused, .init = setup)
{
	mvb_t m;
	mvb_init(&m, 9);
	svm_id_t aic, tid;
	svm_token_id("AIC", &aic);
	svm_token_object_id(&aic, &tid);
	uint8_t bytes[160];
	akey_t k;
	mvt_key(&k, &tid, bytes, token_bytes(&aic, "AIC", 1000, bytes, sizeof bytes));
	bool created;
	mv_entry_t e1 = {.tx = 1, .kind = MV_DELTA, .op = DELTA_RETIRE, .delta = 30};
	mv_entry_t e2 = {.tx = 2, .kind = MV_DELTA, .op = DELTA_RETIRE, .delta = 12};
	cr_assert_eq(exec_mv_write(&k, &e1, &created), 0);
	cr_assert_eq(exec_mv_write(&k, &e2, &created), 0);
	mv_read_t rd;
	cr_assert_eq(exec_mv_read(&m.b, 0, &k, 3, &rd), 0);
	cr_assert_eq(rd.kind, MVR_RESOLVED);
	cr_assert_eq(rd.amount, 958);
	svm_buf_t want = {0};
	cr_assert_eq(svm_ledger_supply_sub(&k.id, bytes, k.cur.len, 42, 9, &want), 0);
	cr_assert_eq(rd.v.len, want.len);
	cr_assert_arr_eq(rd.v.bytes, want.data, want.len, "the ledger's own bytes");
	uint64_t supply;
	cr_assert_eq(svm_ledger_supply_decode(rd.v.bytes, rd.v.len, &supply), 0);
	cr_assert_eq(supply, 958);
	svm_buf_free(&want);
	cr_assert_eq(atomic_load(&m.b.fallback_all), 0, "one kind of delta: no fallback");
	/* a credit on the same key: the run no longer commutes */
	bal_ref_t ref = {aic, aic};
	mv_entry_t e3 = {.tx = 5, .kind = MV_DELTA, .op = DELTA_CREDIT, .delta = 7, .ref = &ref};
	cr_assert_eq(exec_mv_write(&k, &e3, &created), 0);
	cr_assert_eq(exec_mv_read(&m.b, 0, &k, 6, &rd), SVM_EIO);
	cr_assert_eq(atomic_load(&m.b.fallback_all), FALL_DELTA, "caught");
	/* below the credit the burns alone still resolve */
	cr_assert_eq(exec_mv_read(&m.b, 0, &k, 5, &rd), 0);
	cr_assert_eq(rd.amount, 958);
	cr_assert_eq(exec_mv_flush(&m.b, 0, &k, 10), 0);
	mvb_free(&m);
}

/* Supply deltas the supply cannot cover, or over no token at all, never resolve. */
Test(burns, supply_deltas_over_too_little_or_nothing_are_refused, .init = setup)
{
	mvb_t m;
	mvb_init(&m, 4);
	svm_id_t aic, tid;
	svm_token_id("AIC", &aic);
	svm_token_object_id(&aic, &tid);
	for (int absent = 0; absent <= 1; absent++) {
		uint8_t bytes[160];
		akey_t k;
		if (absent) mvt_key(&k, &tid, NULL, 0);
		else mvt_key(&k, &tid, bytes, token_bytes(&aic, "AIC", 40, bytes, sizeof bytes));
		atomic_store(&m.b.fallback_all, 0);
		bool created;
		mv_entry_t e = {.tx = 1, .kind = MV_DELTA, .op = DELTA_RETIRE, .delta = absent ? 1 : 41};
		cr_assert_eq(exec_mv_write(&k, &e, &created), 0);
		mv_read_t rd;
		cr_assert_eq(exec_mv_read(&m.b, 0, &k, 2, &rd), SVM_EIO, "absent %d", absent);
		cr_assert_eq(atomic_load(&m.b.fallback_all), FALL_DELTA, "absent %d", absent);
		atomic_store(&m.b.fallback_all, 0);
		exec_mv_flush(&m.b, 0, &k, 2);
		cr_assert_eq(atomic_load(&m.b.fallback_all), FALL_DELTA, "flush, absent %d", absent);
	}
	mvb_free(&m);
}

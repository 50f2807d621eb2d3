/* AOEM differential suite: seeded random blocks (mixed strict/dynamic declarations, failing
 * transactions, undeclared accesses, nonce/fee/expiry problems in BUILD mode, invalid APPLY
 * blocks, hot keys, credits onto accounts that then spend them, token creation and burns) on
 * 2 to 100k accounts and 1 to 4 threads, each compared byte for byte with the sequential
 * reference; and through the chain, state and receipts roots of chains run with different
 * thread counts. A failure prints its seed: SVM_TEST_SEED=<seed> replays it.
 * SVM_EXEC_DIFF_BLOCKS sets the number of blocks per workload (fewer under ASan). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chaintest.h"
#include "lib/execgen.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DIFF_BLOCKS_DEFAULT 60
#endif
#endif
#ifndef DIFF_BLOCKS_DEFAULT
#define DIFF_BLOCKS_DEFAULT 400
#endif

static void setup(void) { cr_assert_eq(svm_crypto_init(), 0); }

static size_t diff_blocks(void)
{
	const char *e = getenv("SVM_EXEC_DIFF_BLOCKS");
	return e && *e ? strtoul(e, NULL, 0) : DIFF_BLOCKS_DEFAULT;
}

static const size_t ACCOUNTS[] = {2, 3, 10, 30, 100, 1000};

/* The block's included transactions as an APPLY block, sometimes with an invalid one added. */
static void as_apply_block(eg_world_t *w, eg_rng_t *r, const svm_exec_result_t *built)
{
	svm_exec_tx_t *txs = svm_arena_alloc(&w->arena, (built->included + 1) * sizeof(*txs));
	cr_assert(txs);
	size_t k = 0;
	for (size_t i = 0; i < built->included; i++) txs[k++] = w->txs[built->index[i]];
	if (eg_below(r, 4) == 0) {
		size_t at = eg_below(r, k + 1);
		memmove(&txs[at + 1], &txs[at], (k - at) * sizeof(*txs));
		txs[at] = w->txs[eg_below(r, w->n)];
		txs[at].tx.nonce += 1000; /* never includable */
		k++;
	}
	w->txs = txs;
	w->n = k;
}

/* One seed: a world, 1-3 blocks, each checked in BUILD mode and again as an APPLY block. */
static void run_seed(unsigned seed, int workload, size_t accounts_max, size_t *blocks, size_t *txs)
{
	eg_rng_t r = {.s = seed};
	eg_config_t cfg = {.workload = workload, .strict_pct = (unsigned)eg_below(&r, 101),
			   .bad_pct = (unsigned)eg_below(&r, 30)};
	/* half the seeds keep chain-like blocks on the parallel engines, half let the reference
	 * take them (what the node does) */
	setenv("SVM_EXEC_SHORTCUT", seed % 2 ? "0" : "1", 1);
	cfg.accounts = ACCOUNTS[eg_below(&r, sizeof ACCOUNTS / sizeof ACCOUNTS[0])];
	if (cfg.accounts > accounts_max) cfg.accounts = accounts_max;
	eg_world_t w;
	cr_assert_eq(eg_world_init(&w, &r, &cfg), 0, "seed %u: genesis", seed);
	size_t nblocks = 1 + eg_below(&r, 3);
	for (size_t b = 0; b < nblocks; b++) {
		size_t n = eg_below(&r, 8) ? 1 + eg_below(&r, 200) : 200 + eg_below(&r, 1500);
		unsigned threads = 1 + (unsigned)eg_below(&r, 4);
		cr_assert_eq(eg_block(&w, &r, n), 0);
		svm_arena_t a;
		svm_arena_init(&a, 0);
		svm_exec_result_t ref;
		char why[256] = "";
		int d = eg_check(&w, SVM_EXEC_BUILD, threads, &a, &ref, why, sizeof why, NULL);
		cr_assert_eq(d, 0, "seed %u (workload %d, %zu accounts, block %zu, %zu txs, %u threads, BUILD): %s",
			     seed, workload, cfg.accounts, b, n, threads, why);
		eg_world_t snapshot_env = w; /* the APPLY run re-executes the same height */
		as_apply_block(&w, &r, &ref);
		svm_exec_result_t ref2;
		svm_arena_t a2;
		svm_arena_init(&a2, 0);
		threads = 2 + (unsigned)eg_below(&r, 3);
		d = eg_check(&w, SVM_EXEC_APPLY, threads, &a2, &ref2, why, sizeof why, NULL);
		cr_assert_eq(d, 0, "seed %u (workload %d, %zu accounts, block %zu, %u threads, APPLY): %s",
			     seed, workload, cfg.accounts, b, threads, why);
		(void)snapshot_env;
		cr_assert_eq(eg_apply(&w, &ref), 0);
		svm_arena_reset(&a);
		svm_arena_reset(&a2);
		(*blocks)++;
		*txs += n;
	}
	eg_world_free(&w);
}

/* One seed of signed blocks: svm_exec_block_signed (signature checks beside execution) against
 * svm_exec_prepare followed by the reference, in BUILD and APPLY mode. */
static void run_signed_seed(unsigned seed, size_t *blocks, size_t *txs)
{
	eg_rng_t r = {.s = seed};
	eg_config_t cfg = {.workload = (int)eg_below(&r, EG_WORKLOADS),
			   .strict_pct = eg_below(&r, 2) ? 100 : (unsigned)eg_below(&r, 101),
			   .bad_pct = (unsigned)eg_below(&r, 30), .signed_txs = true};
	setenv("SVM_EXEC_SHORTCUT", seed % 2 ? "0" : "1", 1);
	cfg.accounts = ACCOUNTS[eg_below(&r, sizeof ACCOUNTS / sizeof ACCOUNTS[0])];
	eg_world_t w;
	cr_assert_eq(eg_world_init(&w, &r, &cfg), 0, "seed %u: genesis", seed);
	size_t nblocks = 1 + eg_below(&r, 2);
	for (size_t b = 0; b < nblocks; b++) {
		size_t n = eg_below(&r, 4) ? 1 + eg_below(&r, 300) : 300 + eg_below(&r, 900);
		unsigned threads = 1 + (unsigned)eg_below(&r, 4);
		cr_assert_eq(eg_block(&w, &r, n), 0);
		svm_arena_t a, a2;
		svm_arena_init(&a, 0);
		svm_arena_init(&a2, 0);
		svm_exec_result_t ref, ref2;
		char why[256] = "";
		int d = eg_check_signed(&w, SVM_EXEC_BUILD, threads, &a, &ref, why, sizeof why, NULL);
		cr_assert_eq(d, 0, "seed %u (signed, workload %d, %zu accounts, block %zu, %zu txs, %u threads, BUILD): %s",
			     seed, cfg.workload, cfg.accounts, b, n, threads, why);
		threads = 2 + (unsigned)eg_below(&r, 3);
		d = eg_check_signed(&w, SVM_EXEC_APPLY, threads, &a2, &ref2, why, sizeof why, NULL);
		cr_assert_eq(d, 0, "seed %u (signed, workload %d, %zu accounts, block %zu, %u threads, APPLY): %s",
			     seed, cfg.workload, cfg.accounts, b, threads, why);
		cr_assert_eq(eg_apply(&w, &ref), 0);
		svm_arena_reset(&a);
		svm_arena_reset(&a2);
		(*blocks)++;
		*txs += n;
	}
	eg_world_free(&w);
}

Test(exec, signed_blocks_checked_beside_execution_are_identical_to_prepare_and_reference,
     .init = setup)
{
	unsigned base = ct_seed();
	const char *replay = getenv("SVM_TEST_SEED");
	size_t seeds = replay && *replay ? 1 : (diff_blocks() + 3) / 4, blocks = 0, txs = 0;
	for (size_t i = 0; i < seeds; i++) run_signed_seed(base + (unsigned)i * 7919u, &blocks, &txs);
	cr_log_info("signed: %zu seeds from %u, %zu blocks, %zu txs identical", seeds, base, blocks,
		    txs);
}

static void diff_suite(int workload, size_t accounts_max)
{
	unsigned base = ct_seed();
	const char *replay = getenv("SVM_TEST_SEED");
	size_t seeds = replay && *replay ? 1 : diff_blocks(), blocks = 0, txs = 0;
	for (size_t i = 0; i < seeds; i++) run_seed(base + (unsigned)i * 7919u, workload, accounts_max, &blocks, &txs);
	cr_log_info("workload %d: %zu seeds from %u, %zu blocks, %zu txs identical", workload, seeds,
		    base, blocks, txs);
}

Test(exec, differential_uniform_blocks_are_identical_to_the_reference, .init = setup)
{
	diff_suite(EG_UNIFORM, 1000);
}

Test(exec, differential_zipf_hot_spot_blocks_are_identical, .init = setup)
{
	diff_suite(EG_ZIPF, 1000);
}

Test(exec, differential_all_to_one_credit_blocks_are_identical, .init = setup)
{
	diff_suite(EG_ALL_TO_ONE, 1000);
}

Test(exec, differential_shared_object_blocks_are_identical, .init = setup)
{
	diff_suite(EG_SHARED, 100);
}

Test(exec, differential_mixed_garbage_blocks_are_identical, .init = setup)
{
	diff_suite(EG_MIXED, 1000);
}

/* Large account sets: few blocks, big ones. */
Test(exec, differential_100k_accounts_blocks_are_identical, .init = setup)
{
	unsigned seed = ct_seed();
	eg_rng_t r = {.s = seed};
	eg_config_t cfg = {.accounts = 100000, .workload = EG_UNIFORM, .strict_pct = 50, .bad_pct = 5};
	eg_world_t w;
	cr_assert_eq(eg_world_init(&w, &r, &cfg), 0);
	for (unsigned threads = 2; threads <= 4; threads += 2) {
		cr_assert_eq(eg_block(&w, &r, 3000), 0);
		svm_arena_t a;
		svm_arena_init(&a, 0);
		svm_exec_result_t ref;
		char why[256] = "";
		svm_exec_metrics_t m;
		int d = eg_check(&w, SVM_EXEC_BUILD, threads, &a, &ref, why, sizeof why, &m);
		cr_assert_eq(d, 0, "seed %u (100k accounts, %u threads): %s", seed, threads, why);
		cr_assert_eq(m.dag_txs + m.stm_txs + m.seq_txs >= w.n, true);
		cr_assert_eq(eg_apply(&w, &ref), 0);
		svm_arena_reset(&a);
	}
	eg_world_free(&w);
}

/* The engines are really used (not everything falls back to the reference). */
Test(exec, routing_sends_strict_runs_to_the_dag_and_dynamic_to_block_stm, .init = setup)
{
	setenv("SVM_EXEC_SHORTCUT", "1", 1);
	setenv("SVM_EXEC_WORK_MIN_US", "0", 1); /* the small-block rule is test_aoem's */
	eg_rng_t r = {.s = 42};
	for (unsigned strict = 0; strict <= 100; strict += 100) {
		eg_config_t cfg = {.accounts = 1000, .workload = EG_UNIFORM, .strict_pct = strict};
		eg_world_t w;
		cr_assert_eq(eg_world_init(&w, &r, &cfg), 0);
		cr_assert_eq(eg_block(&w, &r, 2000), 0);
		svm_arena_t a;
		svm_arena_init(&a, 0);
		svm_exec_result_t ref;
		svm_exec_metrics_t m;
		char why[256] = "";
		cr_assert_eq(eg_check(&w, SVM_EXEC_BUILD, 2, &a, &ref, why, sizeof why, &m), 0, "%s", why);
		cr_assert_eq(m.fallback_reason, 0);
		if (strict) cr_assert_eq(m.dag_txs, 2000);
		else cr_assert_eq(m.stm_txs + m.seq_txs, 2000);
		svm_arena_reset(&a);
		eg_world_free(&w);
	}
}

/* One block of n transactions on a fresh world, checked on `threads` against the reference. */
static void check_block(eg_config_t cfg, unsigned seed, size_t n, unsigned threads,
			svm_exec_metrics_t *m)
{
	eg_run_t run;
	cr_assert_eq(eg_run(&run, &cfg, seed, n, threads), 0, "seed %u (workload %d, %zu accounts): %s", seed,
		     cfg.workload, cfg.accounts, run.why);
	*m = run.m;
	eg_run_free(&run);
}

/* Two accounts paying each other, or one object written by every transaction: one dependency
 * chain, which the reference runs (same results); a uniform block of transfers over many
 * accounts is not one and stays on the engines. Strict and dynamic declarations alike. */
Test(exec, chain_like_blocks_run_on_the_reference_and_others_do_not, .init = setup)
{
	setenv("SVM_EXEC_SHORTCUT", "1", 1);
	setenv("SVM_EXEC_WORK_MIN_US", "0", 1); /* these blocks are small too: test_aoem */
	for (unsigned strict = 0; strict <= 100; strict += 100) {
		svm_exec_metrics_t m;
		check_block((eg_config_t){.accounts = 2, .workload = EG_UNIFORM, .strict_pct = strict},
			    11 + strict, 600, 2, &m);
		cr_assert(m.chain, "2 accounts, strict %u%%: not seen as a chain", strict);
		cr_assert_eq(m.seq_txs, 600);
		check_block((eg_config_t){.accounts = 300, .workload = EG_SHARED, .strict_pct = strict},
			    12 + strict, 600, 3, &m);
		cr_assert(m.chain, "shared object, strict %u%%: not seen as a chain", strict);
		check_block((eg_config_t){.accounts = 1000, .workload = EG_UNIFORM, .strict_pct = strict,
					  .transfers_only = true},
			    13 + strict, 600, 2, &m);
		cr_assert(!m.chain, "1000 accounts, strict %u%%: taken for a chain", strict);
		cr_assert_eq(m.dag_txs + m.stm_txs, 600);
		/* about 14 transactions in flight per dependency step over 100 accounts: enough
		 * for the DAG (4 per thread), not for the optimistic engine (16 per thread) */
		check_block((eg_config_t){.accounts = 100, .workload = EG_UNIFORM, .strict_pct = strict,
					  .transfers_only = true},
			    14 + strict, 600, 2, &m);
		cr_assert_eq(m.chain, strict == 0, "100 accounts, strict %u%%: chain %d", strict, m.chain);
	}
	setenv("SVM_EXEC_SHORTCUT", "0", 1);
	svm_exec_metrics_t m;
	check_block((eg_config_t){.accounts = 2, .workload = EG_UNIFORM, .strict_pct = 100}, 14, 600, 2, &m);
	cr_assert(!m.chain, "SVM_EXEC_SHORTCUT=0 still took the shortcut");
	cr_assert_eq(m.dag_txs, 600);
}

/* The DAG takes a fee-token transfer's one non-implicit declared write for the recipient's
 * balance without hashing; when the declaration names something else instead, the transfer
 * must still fail on its undeclared credit exactly as in the reference. */
Test(exec, strict_transfers_declaring_a_wrong_recipient_balance_fail_like_the_reference, .init = setup)
{
	setenv("SVM_EXEC_SHORTCUT", "0", 1);
	eg_rng_t r = {.s = 77};
	eg_config_t cfg = {.accounts = 500, .workload = EG_UNIFORM, .strict_pct = 100};
	eg_world_t w;
	cr_assert_eq(eg_world_init(&w, &r, &cfg), 0);
	cr_assert_eq(eg_block(&w, &r, 800), 0);
	size_t changed = 0;
	for (size_t i = 0; i < w.n; i++) {
		svm_tx_t *tx = &w.txs[i].tx;
		svm_id_t token, to, *ids = svm_arena_alloc(&w.arena, 2 * sizeof(*ids));
		cr_assert(ids);
		if (tx->vm != SVM_VM_NATIVE || !eg_transfer_of(tx, &token, &to) ||
		    !svm_hash_eq(&token, &w.env.fee_token))
			continue;
		svm_balance_id(&w.env.fee_token, &tx->sender, &ids[0]);
		svm_balance_id(&w.env.fee_token, &w.owners[eg_below(&r, cfg.accounts)], &ids[1]);
		if (svm_hash_cmp(&ids[0], &ids[1]) > 0) {
			svm_id_t t = ids[0];
			ids[0] = ids[1];
			ids[1] = t;
		}
		tx->writes = ids;
		tx->writes_len = svm_hash_eq(&ids[0], &ids[1]) ? 1 : 2;
		changed++;
	}
	cr_assert_gt(changed, 40, "only %zu fee-token transfers", changed);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_exec_result_t ref;
	svm_exec_metrics_t m;
	char why[256] = "";
	cr_assert_eq(eg_check(&w, SVM_EXEC_BUILD, 2, &a, &ref, why, sizeof why, &m), 0, "%s", why);
	cr_assert_eq(m.dag_txs, w.n);
	size_t eaccess = 0;
	for (size_t i = 0; i < ref.included; i++)
		eaccess += ref.receipts[i].status == svm_receipt_status(SVM_EACCESS);
	cr_assert_gt(eaccess, 10, "only %zu EACCESS of %zu changed", eaccess, changed);
	svm_arena_reset(&a);
	eg_world_free(&w);
}

/* ----------------------------------------------------------- via the chain */

static const svm_fee_params_t FEES = {.a = 1000, .b = 2, .c = 1, .d = 0};

static void open_chain(char dir[64], svm_chain_t **c, svm_genesis_t *g, unsigned threads)
{
	ct_tmpdir(dir);
	svm_error_t err = {0};
	svm_chain_config_t cfg = {.map_bytes = 1ull << 30, .exec_threads = threads};
	cr_assert_eq(svm_chain_open(c, dir, g, &cfg, &err), 0, "open: %s", err.msg);
}

Test(exec, chains_with_1_2_and_4_threads_commit_identical_roots, .init = setup)
{
	unsigned seed = ct_seed();
	srand(seed);
	enum { ACC = 40, BLOCKS = 4, TXS = 300 };
	svm_genesis_t g;
	cr_assert_eq(ct_genesis(&g, ACC, 1000000000, 5000, &FEES), 0);
	char dirs[4][64];
	svm_chain_t *c[4];
	unsigned threads[4] = {1, 2, 4, 3}; /* c[3] applies what c[0] built */
	for (int i = 0; i < 4; i++) open_chain(dirs[i], &c[i], &g, threads[i]);
	svm_keypair_t kp[ACC];
	uint64_t nonce[ACC] = {0};
	for (int i = 0; i < ACC; i++) ct_key(i, &kp[i]);
	svm_id_t swr, aic;
	svm_token_id("SWR", &swr);
	svm_token_id("AIC", &aic);
	for (int b = 0; b < BLOCKS; b++) {
		svm_buf_t bufs[TXS];
		const uint8_t *ptr[TXS];
		size_t len[TXS];
		for (int i = 0; i < TXS; i++) {
			int s = rand() % ACC, t = rand() % 3 ? rand() % ACC : 0;
			ct_txopt_t o = {.chain_id = 7, .nonce = nonce[s] + (rand() % 20 == 0),
					.fee_limit = rand() % 15 ? 100000 : 1200, .tip = rand() % 10,
					.strict = rand() % 2, .undeclared = rand() % 10 == 0};
			memset(&bufs[i], 0, sizeof bufs[i]);
			cr_assert_eq(ct_transfer(&bufs[i], &kp[s], rand() % 2 ? &swr : &aic, &kp[t].id,
						 rand() % 3000, &o, NULL), 0);
			nonce[s]++;
			ptr[i] = bufs[i].data;
			len[i] = bufs[i].len;
		}
		svm_hash_t root[3], head[3];
		svm_error_t err = {0};
		for (int i = 0; i < 3; i++) {
			cr_assert_eq(svm_chain_build(c[i], ptr, len, TXS, 0, &kp[0].id, NULL, &err), 0, "%s", err.msg);
			svm_chain_head(c[i], &head[i], &root[i]);
		}
		svm_buf_t blk = {0};
		cr_assert_eq(svm_chain_block(c[0], (uint64_t)b + 1, &blk), 0);
		cr_assert_eq(svm_chain_apply(c[3], blk.data, blk.len, &err), 0, "seed %u: apply: %s", seed, err.msg);
		svm_hash_t h3, r3;
		svm_chain_head(c[3], &h3, &r3);
		for (int i = 1; i < 3; i++) {
			cr_assert(svm_hash_eq(&root[0], &root[i]), "seed %u block %d: state root differs at %u threads", seed, b, threads[i]);
			cr_assert(svm_hash_eq(&head[0], &head[i]), "seed %u block %d: block hash (receipts root) differs", seed, b);
		}
		cr_assert(svm_hash_eq(&head[0], &h3), "seed %u block %d: applied block differs", seed, b);
		svm_buf_free(&blk);
		for (int i = 0; i < TXS; i++) svm_buf_free(&bufs[i]);
	}
	for (int i = 0; i < 4; i++) {
		svm_chain_close(c[i]);
		ct_rmdir(dirs[i]);
	}
	svm_genesis_free(&g);
}

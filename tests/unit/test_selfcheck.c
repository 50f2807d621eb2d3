/* Unit tests of the self-checking primitives (base.h, store.h): SVM_ASSERT and SVM_VERIFY, the
 * allocation hook failing its N-th call, and the store's writes and commits failing with an
 * injected ENOSPC or EIO while the store stays at its last commit. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/store.h"
#include "supervm/wasm.h"

Test(assert, verify_aborts_on_a_false_condition, .signal = SIGABRT)
{
	volatile int zero = 0;
	SVM_VERIFY(zero == 1);
}

Test(assert, verify_passes_a_true_condition)
{
	volatile int one = 1;
	SVM_VERIFY(one == 1);
	cr_assert(true);
}

Test(assert, assert_evaluates_only_in_debug_builds)
{
	int n = 0;
	SVM_ASSERT(++n == 1);
	cr_assert_eq(n, SVM_ASSERT_ON, "SVM_ASSERT ran %d times, SVM_ASSERT_ON is %d", n, SVM_ASSERT_ON);
#if defined(__SANITIZE_ADDRESS__) || defined(__has_feature)
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
	cr_assert_eq(SVM_ASSERT_ON, 1, "a sanitizer build must check its assertions");
#endif
#endif
}

Test(fault, alloc_fails_exactly_the_nth_call)
{
	svm_fault_arm(SVM_FAULT_ALLOC, 3, 0, false);
	void *a = svm_malloc(8), *b = svm_calloc(2, 8), *c = svm_malloc(8), *d = svm_realloc(NULL, 8);
	uint64_t calls = svm_fault_disarm(SVM_FAULT_ALLOC);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert_null(c, "the third allocation must fail");
	cr_assert_not_null(d, "a one-shot fault fails one call only");
	cr_assert_eq(calls, 4);
	cr_assert_eq(svm_fault_fired(SVM_FAULT_ALLOC), 1);
	svm_free(a), svm_free(b), svm_free(d);
}

Test(fault, persistent_alloc_fault_fails_every_later_call_and_reaches_buffers_and_arenas)
{
	svm_fault_arm(SVM_FAULT_ALLOC, 1, 0, true);
	svm_buf_t b = {0};
	cr_assert_eq(svm_buf_append(&b, "x", 1), SVM_ENOMEM);
	svm_arena_t ar;
	svm_arena_init(&ar, 0);
	cr_assert_null(svm_arena_alloc(&ar, 16));
	svm_map_t m;
	svm_map_init(&m);
	cr_assert_null(svm_map_put(&m, "k", 1, NULL));
	cr_assert_null(svm_strdup("s"));
	cr_assert_null(svm_big_alloc(1 << 20));
	cr_assert_eq(svm_fault_disarm(SVM_FAULT_ALLOC), svm_fault_fired(SVM_FAULT_ALLOC));
	cr_assert_eq(svm_buf_append(&b, "x", 1), 0, "disarmed: allocations succeed again");
	svm_buf_free(&b);
	svm_map_free(&m);
	svm_arena_reset(&ar);
}

/* The reference executor's undo journal restores old values with svm_map_put on keys it holds:
 * that must not allocate (it used to grow the table first, and a failed growth silently lost
 * the rollback). Fill a map to just below its growth point, then replace every key with every
 * allocation failing. */
Test(fault, replacing_a_map_key_never_allocates_so_it_cannot_fail)
{
	svm_map_t m;
	svm_map_init(&m);
	uint64_t k;
	for (k = 0; k < 12; k++) { /* 12 of 16 slots: the next insert would grow */
		void **v = svm_map_put(&m, &k, sizeof k, NULL);
		cr_assert_not_null(v);
		*v = (void *)(uintptr_t)(k + 1);
	}
	size_t cap = m.cap;
	svm_fault_arm(SVM_FAULT_ALLOC, 1, 0, true);
	for (k = 0; k < 12; k++) {
		bool created = true;
		void **v = svm_map_put(&m, &k, sizeof k, &created);
		cr_assert_not_null(v, "replacing key %llu failed under an allocation fault",
				   (unsigned long long)k);
		cr_assert(!created);
		*v = (void *)(uintptr_t)(k + 100);
	}
	uint64_t fresh = 99;
	cr_assert_null(svm_map_put(&m, &fresh, sizeof fresh, NULL), "a new key does allocate");
	svm_fault_disarm(SVM_FAULT_ALLOC);
	cr_assert_eq(m.cap, cap);
	cr_assert_eq(m.count, 12);
	for (k = 0; k < 12; k++)
		cr_assert_eq((uintptr_t)svm_map_get(&m, &k, sizeof k), k + 100);
	svm_map_free(&m);
}

Test(fault, count_only_when_nth_is_zero)
{
	svm_fault_arm(SVM_FAULT_ALLOC, 0, 0, false);
	for (int i = 0; i < 5; i++) svm_free(svm_malloc(4));
	cr_assert_eq(svm_fault_disarm(SVM_FAULT_ALLOC), 5);
	cr_assert_eq(svm_fault_fired(SVM_FAULT_ALLOC), 0);
}

static char dir[64];

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof dir, "/tmp/svm_selfcheck_XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
	svm_fault_disarm(SVM_FAULT_IO);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(store_fault, .init = mkdir_tmp, .fini = rm_tmp);

static int put_commit(svm_store_t *s, const char *k, uint64_t v, svm_error_t *err)
{
	svm_store_txn_t *w;
	cr_assert_eq(svm_store_write_begin(s, &w, NULL), 0);
	int rc = svm_store_put(w, SVM_TABLE_META, k, strlen(k), "v", 1, 0);
	if (rc == 0) rc = svm_store_meta_put_u64(w, "height", v);
	if (rc) {
		/* a caller that goes on to commit anyway must still get the failure */
		int rc2 = svm_store_commit(w, err);
		cr_assert_eq(rc2, SVM_EIO);
		return rc;
	}
	return svm_store_commit(w, err);
}

static uint64_t height_of(svm_store_t *s)
{
	svm_store_txn_t *r;
	uint64_t h = 0;
	cr_assert_eq(svm_store_read_begin(s, &r, NULL), 0);
	cr_assert_eq(svm_store_meta_get_u64(r, "height", &h), 0);
	svm_store_abort(r);
	return h;
}

Test(store_fault, every_write_and_commit_fault_leaves_the_last_commit, .init = mkdir_tmp,
     .fini = rm_tmp)
{
	svm_store_t *s;
	svm_error_t err = {0};
	cr_assert_eq(svm_store_open(&s, dir, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(put_commit(s, "a", 1, NULL), 0);
	/* a put, the meta put, the commit: three fault points per transaction */
	for (uint64_t nth = 1; nth <= 3; nth++) {
		int e = nth == 2 ? ENOSPC : EIO;
		svm_fault_arm(SVM_FAULT_IO, nth, e, false);
		svm_error_t ferr = {0};
		int rc = put_commit(s, "b", 2, &ferr);
		cr_assert_eq(svm_fault_fired(SVM_FAULT_IO), 1, "fault %llu did not fire",
			     (unsigned long long)nth);
		svm_fault_disarm(SVM_FAULT_IO);
		cr_assert_eq(rc, SVM_EIO, "fault at call %llu: rc %d", (unsigned long long)nth, rc);
		cr_assert_eq(height_of(s), 1);
		if (nth == 3) cr_assert(strstr(ferr.msg, strerror(EIO)), "message: %s", ferr.msg);
	}
	svm_store_close(s);
	cr_assert_eq(svm_store_open(&s, dir, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(height_of(s), 1, "reopened at the last commit");
	cr_assert_eq(put_commit(s, "b", 2, NULL), 0);
	cr_assert_eq(height_of(s), 2);
	svm_store_close(s);
}

/* Regression (found by make faults): a burn of more than the token's supply returned SVM_EIO
 * ("corrupt state") before the balance check, so the reference executor aborted whole random
 * blocks and the differential suite compared nothing for them. Valid state never makes a BUILD
 * block fail. */
#include "lib/execgen.h"

Test(exec_regression, build_blocks_of_random_transactions_never_fail_on_valid_state)
{
	unsigned ok = 0;
	for (int wl = 0; wl < EG_WORKLOADS; wl++)
		for (uint64_t seed = 1; seed <= 4; seed++) {
			eg_rng_t r = {.s = seed};
			eg_world_t w;
			eg_config_t cfg = {.accounts = 24, .workload = wl, .strict_pct = 50, .bad_pct = 10};
			cr_assert_eq(eg_world_init(&w, &r, &cfg), 0);
			cr_assert_eq(eg_block(&w, &r, 48), 0);
			svm_exec_base_t base = eg_base(&w);
			svm_arena_t a;
			svm_arena_init(&a, 0);
			svm_exec_result_t res;
			size_t bad = (size_t)-1;
			int rc = svm_exec_sequential(&w.env, w.txs, w.n, SVM_EXEC_BUILD, &base, &a, &res, &bad);
			cr_assert_eq(rc, 0, "workload %d seed %llu: the block failed: %s", wl,
				     (unsigned long long)seed, svm_strerror(rc));
			ok += res.included > 0;
			svm_arena_reset(&a);
			eg_world_free(&w);
		}
	cr_assert_gt(ok, 0, "some block included a transaction");
}

/* ------------------------------------------------------------- mempool */
/* Regressions and mutation killers for the mempool (docs/testing.md): the arrival-order
 * tie-breaks of selection and eviction, and the fee limit + tip overflow message. */
#include "lib/chaintest.h"
#include "supervm/mempool.h"

static int rich_account(void *ctx, const svm_id_t *sender, uint64_t *nonce, uint64_t *balance)
{
	(void)ctx, (void)sender;
	*nonce = 0;
	*balance = UINT64_MAX;
	return 0;
}

static svm_mempool_t *pool(size_t count_max)
{
	svm_mempool_config_t cfg = {.chain_id = 7, .fees = {100, 1, 1, 0}, .count_max = count_max, .account = rich_account};
	svm_mempool_t *mp;
	cr_assert_eq(svm_mempool_new(&mp, &cfg), 0);
	return mp;
}

static int add(svm_mempool_t *mp, uint64_t key, uint64_t tip, uint64_t fee_limit, svm_hash_t *id,
	       svm_error_t *err)
{
	svm_keypair_t kp;
	ct_key(key, &kp);
	svm_id_t swr;
	svm_token_id("SWR", &swr);
	svm_buf_t b = {0};
	ct_txopt_t opt = {.chain_id = 7, .nonce = 0, .fee_limit = fee_limit, .tip = tip};
	cr_assert_eq(ct_transfer(&b, &kp, &swr, &kp.id, 1, &opt, id), 0);
	int rc = svm_mempool_add(mp, b.data, b.len, 0, NULL, err);
	svm_buf_free(&b);
	return rc;
}

Test(mempool_order, equal_tips_are_selected_in_arrival_order)
{
	cr_assert_eq(svm_crypto_init(), 0);
	svm_mempool_t *mp = pool(0);
	svm_hash_t ids[6];
	/* keys in an order unrelated to their ids' order in the map: arrival must decide */
	uint64_t keys[6] = {5, 1, 4, 0, 3, 2};
	for (int i = 0; i < 6; i++) cr_assert_eq(add(mp, keys[i], 9, 100000, &ids[i], NULL), 0);
	svm_mempool_batch_t b = {0};
	cr_assert_eq(svm_mempool_select(mp, 10, 1 << 20, &b), 0);
	cr_assert_eq(b.n, 6);
	for (int i = 0; i < 6; i++)
		cr_assert(svm_hash_eq(&b.ids[i], &ids[i]), "position %d is not the %d-th arrival", i, i);
	svm_mempool_batch_free(&b);
	svm_mempool_free(mp);
}

Test(mempool_order, a_higher_tip_goes_first_whatever_its_arrival)
{
	cr_assert_eq(svm_crypto_init(), 0);
	svm_mempool_t *mp = pool(0);
	svm_hash_t lo, hi;
	cr_assert_eq(add(mp, 1, 5, 100000, &lo, NULL), 0);
	cr_assert_eq(add(mp, 2, 6, 100000, &hi, NULL), 0);
	svm_mempool_batch_t b = {0};
	cr_assert_eq(svm_mempool_select(mp, 10, 1 << 20, &b), 0);
	cr_assert_eq(b.n, 2);
	cr_assert(svm_hash_eq(&b.ids[0], &hi) && svm_hash_eq(&b.ids[1], &lo));
	svm_mempool_batch_free(&b);
	svm_mempool_free(mp);
}

Test(mempool_order, a_full_pool_evicts_the_latest_arrival_among_equal_lowest_tips)
{
	cr_assert_eq(svm_crypto_init(), 0);
	svm_mempool_t *mp = pool(3);
	svm_hash_t ids[4];
	cr_assert_eq(add(mp, 1, 5, 100000, &ids[0], NULL), 0);
	cr_assert_eq(add(mp, 2, 5, 100000, &ids[1], NULL), 0);
	cr_assert_eq(add(mp, 3, 7, 100000, &ids[2], NULL), 0);
	cr_assert_eq(add(mp, 4, 6, 100000, &ids[3], NULL), 0); /* evicts one tip-5 transaction */
	cr_assert(svm_mempool_contains(mp, &ids[0]), "the earlier of the tip-5 pair stays");
	cr_assert(!svm_mempool_contains(mp, &ids[1]), "the later of the tip-5 pair is evicted");
	cr_assert(svm_mempool_contains(mp, &ids[2]) && svm_mempool_contains(mp, &ids[3]));
	svm_mempool_free(mp);
}

Test(mempool_order, fee_limit_plus_tip_overflow_is_named_not_wrapped)
{
	cr_assert_eq(svm_crypto_init(), 0);
	svm_mempool_config_t cfg = {.chain_id = 7, .fees = {100, 1, 1, 0}, .account = rich_account};
	svm_mempool_t *mp;
	cr_assert_eq(svm_mempool_new(&mp, &cfg), 0);
	svm_error_t err = {0};
	int rc = add(mp, 1, UINT64_MAX - 5, 100000, NULL, &err);
	cr_assert_eq(rc, SVM_EFUNDS, "rc %d: %s", rc, err.msg);
	cr_assert(strstr(err.msg, "overflow"), "message: %s", err.msg);
	cr_assert(!strstr(err.msg, "99994"), "a wrapped sum is printed: %s", err.msg);
	svm_mempool_free(mp);
}

/* ------------------------------------------------------ damaged stores */
/* Regressions: a truncated data.mdb is refused with a clear message (it was a SIGBUS on the
 * first read past the end), and a damaged page is reported as corruption (SVM_ECORRUPT), not
 * as an I/O error. */
#include <fcntl.h>
#include <sys/stat.h>

static void fill_store(const char *d)
{
	svm_store_t *s;
	svm_error_t err = {0};
	cr_assert_eq(svm_store_open(&s, d, NULL, &err), 0, "%s", err.msg);
	svm_store_txn_t *w;
	cr_assert_eq(svm_store_write_begin(s, &w, NULL), 0);
	uint8_t val[1000];
	memset(val, 0xab, sizeof val);
	for (uint32_t i = 0; i < 400; i++) {
		uint8_t k[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
		cr_assert_eq(svm_store_put(w, SVM_TABLE_OBJECTS, k, 4, val, sizeof val, 0), 0);
	}
	cr_assert_eq(svm_store_commit(w, NULL), 0);
	svm_store_close(s);
}

static off_t file_size(const char *path)
{
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	return st.st_size;
}

Test(store_damage, a_truncated_data_file_is_refused_not_a_sigbus, .init = mkdir_tmp, .fini = rm_tmp)
{
	fill_store(dir);
	char path[128];
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	off_t full = file_size(path);
	cr_assert_gt(full, 64 * 4096, "the store spans many pages");
	cr_assert_eq(truncate(path, full / 2), 0);
	svm_store_t *s = NULL;
	svm_error_t err = {0};
	int rc = svm_store_open(&s, dir, NULL, &err);
	cr_assert_eq(rc, SVM_ECORRUPT, "rc %d: %s", rc, err.msg);
	cr_assert(strstr(err.msg, "truncated"), "message: %s", err.msg);
	cr_assert_null(s);
	cr_assert_eq(truncate(path, 100), 0); /* shorter than the meta pages */
	rc = svm_store_open(&s, dir, NULL, &err);
	cr_assert_eq(rc, SVM_ECORRUPT, "rc %d: %s", rc, err.msg);
}

Test(store_damage, a_damaged_page_is_reported_as_corruption, .init = mkdir_tmp, .fini = rm_tmp)
{
	fill_store(dir);
	char path[128];
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	off_t full = file_size(path);
	/* damage the header of every page after the two meta pages: its flags (LMDB's mp_flags, at
	 * offset 10) no longer say branch, leaf or overflow */
	int fd = open(path, O_WRONLY);
	cr_assert_geq(fd, 0);
	uint8_t zero[2] = {0, 0};
	for (off_t at = 2 * 4096; at < full; at += 4096)
		cr_assert_eq(pwrite(fd, zero, sizeof zero, at + 10), (ssize_t)sizeof zero);
	close(fd);
	svm_store_t *s = NULL;
	svm_error_t err = {0};
	int rc = svm_store_open(&s, dir, NULL, &err);
	if (rc == 0) {
		svm_store_txn_t *r;
		rc = svm_store_read_begin(s, &r, &err);
		if (rc == 0) {
			const uint8_t *v;
			size_t n;
			uint8_t k[4] = {0, 0, 0, 7};
			rc = svm_store_get(r, SVM_TABLE_OBJECTS, k, 4, &v, &n);
			svm_store_abort(r);
		}
		svm_store_close(s);
	}
	cr_assert_eq(rc, SVM_ECORRUPT, "rc %d (%s): %s", rc, svm_strerror(rc), err.msg);
}

/* The reference executor under an allocation failure at every point in turn: each run returns
 * SVM_ENOMEM with nothing to apply, or exactly the unfaulted result; never another answer, a
 * crash or a success that lost a write. Kills the mutants that dropped the overlay's
 * out-of-memory check and the refund's error check in seq.c (docs/testing.md). */
Test(exec_regression, reference_under_every_allocation_fault_fails_cleanly_or_matches)
{
	eg_rng_t r = {.s = 77};
	eg_world_t w;
	eg_config_t cfg = {.accounts = 12, .workload = EG_MIXED, .strict_pct = 50, .bad_pct = 10};
	cr_assert_eq(eg_world_init(&w, &r, &cfg), 0);
	cr_assert_eq(eg_block(&w, &r, 16), 0);
	svm_exec_base_t base = eg_base(&w);
	svm_arena_t ra;
	svm_arena_init(&ra, 0);
	svm_exec_result_t ref;
	size_t bad = (size_t)-1;
	svm_fault_arm(SVM_FAULT_ALLOC, 0, 0, false); /* count the run's allocations */
	cr_assert_eq(svm_exec_sequential(&w.env, w.txs, w.n, SVM_EXEC_BUILD, &base, &ra, &ref, &bad), 0);
	uint64_t calls = svm_fault_disarm(SVM_FAULT_ALLOC);
	cr_assert(calls >= 4 && calls < 100000, "%llu allocations", (unsigned long long)calls);
	unsigned failed = 0;
	for (uint64_t nth = 1; nth <= calls; nth++) {
		svm_arena_t a;
		svm_arena_init(&a, 0);
		svm_exec_result_t res;
		svm_fault_arm(SVM_FAULT_ALLOC, nth, 0, false);
		int rc = svm_exec_sequential(&w.env, w.txs, w.n, SVM_EXEC_BUILD, &base, &a, &res, &bad);
		bool fired = svm_fault_fired(SVM_FAULT_ALLOC) > 0;
		svm_fault_disarm(SVM_FAULT_ALLOC);
		char why[256] = "";
		if (rc == 0) {
			cr_assert_eq(eg_compare(&ref, &res, why, sizeof why), 0, "nth %llu: %s",
				     (unsigned long long)nth, why);
		} else {
			cr_assert_eq(rc, SVM_ENOMEM, "nth %llu: %s", (unsigned long long)nth, svm_strerror(rc));
			cr_assert(fired, "nth %llu: ENOMEM without a failed allocation", (unsigned long long)nth);
			failed++;
		}
		svm_arena_reset(&a);
	}
	cr_assert(failed > 0, "no allocation point failed the run");
	svm_arena_reset(&ra);
	eg_world_free(&w);
}

static int no_base(void *ud, unsigned worker, const svm_id_t *id, const uint8_t **b, size_t *n)
{
	return SVM_ENOTFOUND;
}

static int create_sym(svm_txctx_t *c, void *ud)
{
	svm_id_t tok;
	svm_token_id((const char *)ud, &tok);
	return svm_ledger_token_create(c, &tok, (const char *)ud, 6);
}

/* A token symbol may be exactly SVM_TOKEN_SYMBOL_MAX bytes, not one more, and not empty. Kills
 * the off-by-one mutant of the ledger's length check (docs/testing.md). */
Test(ledger_regression, token_symbols_up_to_the_maximum_length_and_no_longer)
{
	svm_block_env_t env = {.chain_id = 7, .height = 1};
	svm_exec_base_t base = {no_base, NULL};
	char sym[SVM_TOKEN_SYMBOL_MAX + 2];
	memset(sym, 'A', sizeof sym);
	sym[SVM_TOKEN_SYMBOL_MAX] = 0;
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_exec_result_t res;
	cr_assert_eq(svm_exec_system(&env, &base, create_sym, sym, &a, &res), 0, "%d bytes refused",
		     SVM_TOKEN_SYMBOL_MAX);
	cr_assert_eq(res.writes_len, 1, "the token object");
	svm_arena_reset(&a);
	sym[SVM_TOKEN_SYMBOL_MAX] = 'A';
	sym[SVM_TOKEN_SYMBOL_MAX + 1] = 0;
	svm_arena_init(&a, 0);
	cr_assert_eq(svm_exec_system(&env, &base, create_sym, sym, &a, &res), SVM_EINVAL);
	svm_arena_reset(&a);
	svm_arena_init(&a, 0);
	cr_assert_eq(svm_exec_system(&env, &base, create_sym, "", &a, &res), SVM_EINVAL);
	svm_arena_reset(&a);
}

/* A base holding one object x whose fail_at-th read fails with SVM_EIO (0: never). */
typedef struct {
	svm_id_t x;
	uint64_t calls, fail_at;
} flaky_t;

static int flaky_get(void *ud, unsigned worker, const svm_id_t *id, const uint8_t **b, size_t *n)
{
	static const uint8_t one[1] = {1};
	flaky_t *f = ud;
	if (memcmp(id->b, f->x.b, sizeof f->x.b) != 0) return SVM_ENOTFOUND;
	if (++f->calls == f->fail_at) return SVM_EIO;
	*b = one;
	*n = sizeof one;
	return 0;
}

static int del_x(svm_txctx_t *c, void *ud) { return svm_host_del(c, (const svm_id_t *)ud); }

/* Deleting an object the base holds: every read of it may fail, the last one too (the reference
 * executor's check, when it builds the write set, that the base had the object): each failure
 * fails the run with the base's error, never a write set built without it. Kills the mutant that
 * dropped that read's error check in seq.c (docs/testing.md). */
Test(exec_regression, a_base_read_failing_while_the_write_set_resolves_a_deletion_fails_the_run)
{
	svm_block_env_t env = {.chain_id = 7, .height = 1};
	flaky_t f = {.fail_at = 0};
	memset(f.x.b, 0x5a, sizeof f.x.b);
	svm_exec_base_t base = {flaky_get, &f};
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_exec_result_t res;
	cr_assert_eq(svm_exec_system(&env, &base, del_x, &f.x, &a, &res), 0);
	cr_assert_eq(res.writes_len, 1, "the deletion of an object the base holds");
	cr_assert(res.writes[0].bytes == NULL && memcmp(res.writes[0].id.b, f.x.b, 32) == 0);
	svm_arena_reset(&a);
	uint64_t reads = f.calls;
	cr_assert(reads >= 1 && reads < 100, "%llu reads of the object", (unsigned long long)reads);
	for (uint64_t nth = 1; nth <= reads; nth++) {
		f.calls = 0;
		f.fail_at = nth;
		svm_arena_init(&a, 0);
		cr_assert_eq(svm_exec_system(&env, &base, del_x, &f.x, &a, &res), SVM_EIO,
			     "read %llu of %llu failed, the run did not", (unsigned long long)nth,
			     (unsigned long long)reads);
		svm_arena_reset(&a);
	}
}

/* ---------------------------------------------------------- codec bounds */
/* Mutation killers for the block encoder and the varint codec (docs/testing.md). */

Test(codec_bounds, a_header_of_the_maximum_transaction_count_encodes_and_one_more_does_not)
{
	svm_header_t h;
	memset(&h, 0, sizeof h);
	h.chain_id = 1;
	h.tx_count = SVM_BLOCK_TXS_MAX;
	svm_buf_t b = {0};
	cr_assert_eq(svm_header_encode(&h, &b), 0);
	svm_header_t d;
	cr_assert_eq(svm_header_decode(b.data, b.len, &d, NULL), 0);
	cr_assert_eq(d.tx_count, SVM_BLOCK_TXS_MAX);
	b.len = 0;
	h.tx_count = SVM_BLOCK_TXS_MAX + 1;
	cr_assert_eq(svm_header_encode(&h, &b), SVM_ELIMIT);
	cr_assert_eq(b.len, 0, "nothing written");
	svm_buf_free(&b);
}

Test(codec_bounds, a_block_counting_transactions_without_their_array_is_refused)
{
	svm_block_t blk;
	memset(&blk, 0, sizeof blk);
	blk.header.tx_count = 1;
	blk.txs_len = 1;
	blk.txs = NULL;
	svm_buf_t b = {0};
	cr_assert_eq(svm_block_encode(&blk, &b), SVM_EINVAL);
	cr_assert_eq(b.len, 0);
	svm_buf_free(&b);
}

/* A block encoding of exactly SVM_BLOCK_BYTES_MAX bytes is one the encoder writes and the decoder
 * reads; one byte more is refused by both. */
Test(codec_bounds, a_block_of_exactly_the_maximum_size_round_trips_and_one_byte_more_does_not)
{
	enum { N = 128 };
	static uint8_t tx[SVM_TX_BYTES_MAX];
	memset(tx, 0xab, sizeof tx);
	svm_slice_t txs[N];
	for (size_t i = 0; i < N; i++) txs[i] = (svm_slice_t){tx, SVM_TX_BYTES_MAX};
	svm_block_t blk;
	memset(&blk, 0, sizeof blk);
	blk.header.chain_id = 1;
	blk.header.tx_count = N;
	blk.txs = txs;
	blk.txs_len = N;
	/* with a 1-byte last transaction, then that one grown to fill the block (its length's
	 * varint takes 3 bytes from 16,384 on) */
	txs[N - 1].len = 1;
	svm_buf_t b = {0};
	cr_assert_eq(svm_block_encode(&blk, &b), 0);
	size_t grow = SVM_BLOCK_BYTES_MAX - b.len;
	txs[N - 1].len = 1 + grow - 2;
	cr_assert(txs[N - 1].len >= 16384 && txs[N - 1].len <= SVM_TX_BYTES_MAX, "%zu", txs[N - 1].len);
	b.len = 0;
	cr_assert_eq(svm_block_encode(&blk, &b), 0);
	cr_assert_eq(b.len, SVM_BLOCK_BYTES_MAX);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_block_t d;
	cr_assert_eq(svm_block_decode(b.data, b.len, &a, &d, NULL, NULL), 0);
	cr_assert_eq(d.txs_len, N);
	cr_assert_eq(d.txs[N - 1].len, txs[N - 1].len);
	svm_arena_reset(&a);
	cr_assert_eq(svm_buf_push(&b, 0), 0);
	cr_assert_eq(svm_block_decode(b.data, b.len, &a, &d, NULL, NULL), SVM_ELIMIT);
	svm_arena_reset(&a);
	txs[N - 1].len++;
	b.len = 0;
	cr_assert_eq(svm_block_encode(&blk, &b), SVM_ELIMIT);
	cr_assert_eq(b.len, 0, "nothing left written");
	svm_buf_free(&b);
}

/* A call in dead code after `unreachable`, with more arguments than the function ever held on
 * its operand stack: the pops are polymorphic (WebAssembly 2.0 validation) and the module is
 * valid. The translator's assertion that the popped arguments are still held fired on such code
 * in the sanitizer build of the spec suite (calls whose first arguments come after `unreachable`,
 * as in unreachable.wast's as-call-first); it holds only in live code. */
Test(wasm_regression, a_call_in_dead_code_with_more_arguments_than_the_stack_ever_held)
{
	static const uint8_t mod[] = {
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
		0x01, 0x0a, 0x02, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, 0x60, 0x00, 0x00, /* types */
		0x03, 0x03, 0x02, 0x00, 0x01,                                           /* f0: (i32 i32 i32), f1: () */
		0x07, 0x05, 0x01, 0x01, 'f', 0x00, 0x01,                                /* export "f" = f1 */
		0x0a, 0x0a, 0x02, 0x02, 0x00, 0x0b,                                     /* f0: end */
		0x05, 0x00, 0x00, 0x10, 0x00, 0x0b,                                     /* f1: unreachable; call 0; end */
	};
	svm_wasm_module_t *m = NULL;
	svm_error_t err = {0};
	cr_assert_eq(svm_wasm_module_new(&m, mod, sizeof mod, NULL, &err), 0, "%s", err.msg);
	svm_wasm_store_t *s = NULL;
	cr_assert_eq(svm_wasm_store_new(&s, NULL), 0);
	svm_wasm_instance_t *in = NULL;
	cr_assert_eq(svm_wasm_instantiate(s, m, &in, &err), 0, "%s", err.msg);
	cr_assert_eq(svm_wasm_call_export(in, "f", NULL, 0, NULL, 0, &err), SVM_ETRAP);
	cr_assert_str_eq(err.msg, "unreachable");
	svm_wasm_store_free(s);
	svm_wasm_module_free(m);
}

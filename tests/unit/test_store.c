/* Unit tests for the store layer: persistence across reopen, snapshot isolation, aborted
 * write transactions, end hooks, cursors, put flags, a full map, reads from other threads, and
 * lazy commits (interleaved with synchronous ones; a killed process loses none). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/store.h"

static char dir[64];

static void mkdir_tmp(void)
{
	snprintf(dir, sizeof dir, "/tmp/svm_store_XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(store, .init = mkdir_tmp, .fini = rm_tmp);

static svm_store_t *open_store(uint64_t map_bytes)
{
	svm_store_t *s;
	svm_error_t err = {0};
	svm_store_config_t cfg = {.map_size_bytes = map_bytes};
	cr_assert_eq(svm_store_open(&s, dir, &cfg, &err), 0, "%s", err.msg);
	return s;
}

static void put_commit(svm_store_t *s, svm_table_t t, const char *k, const char *v)
{
	svm_store_txn_t *w;
	cr_assert_eq(svm_store_write_begin(s, &w, NULL), 0);
	cr_assert_eq(svm_store_put(w, t, k, strlen(k), v, strlen(v), 0), 0);
	cr_assert_eq(svm_store_commit(w, NULL), 0);
}

static bool has(svm_store_t *s, svm_table_t t, const char *k, const char *want)
{
	svm_store_txn_t *r;
	cr_assert_eq(svm_store_read_begin(s, &r, NULL), 0);
	const uint8_t *v;
	size_t n;
	int rc = svm_store_get(r, t, k, strlen(k), &v, &n);
	bool ok = rc == 0 && n == strlen(want) && memcmp(v, want, n) == 0;
	svm_store_abort(r);
	return ok;
}

Test(store, committed_data_persists_across_reopen)
{
	svm_store_t *s = open_store(0);
	put_commit(s, SVM_TABLE_BLOCKS, "h1", "block-one");
	svm_store_txn_t *w;
	cr_assert_eq(svm_store_write_begin(s, &w, NULL), 0);
	cr_assert_eq(svm_store_meta_put_u64(w, "latest", 42), 0);
	cr_assert_eq(svm_store_commit(w, NULL), 0);
	svm_store_close(s);
	s = open_store(0);
	cr_assert(has(s, SVM_TABLE_BLOCKS, "h1", "block-one"));
	cr_assert_not(has(s, SVM_TABLE_RECEIPTS, "h1", "block-one"), "tables are separate");
	svm_store_txn_t *r;
	cr_assert_eq(svm_store_read_begin(s, &r, NULL), 0);
	uint64_t v = 0;
	cr_assert_eq(svm_store_meta_get_u64(r, "latest", &v), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(svm_store_meta_get_u64(r, "missing", &v), SVM_ENOTFOUND);
	svm_store_abort(r);
	svm_store_close(s);
}

static void put_commit_lazy(svm_store_t *s, const char *k, const char *v)
{
	svm_store_txn_t *w;
	cr_assert_eq(svm_store_write_begin_lazy(s, &w, NULL), 0);
	cr_assert(svm_store_txn_writable(w));
	cr_assert_eq(svm_store_put(w, SVM_TABLE_META, k, strlen(k), v, strlen(v), 0), 0);
	cr_assert_eq(svm_store_commit(w, NULL), 0);
}

Test(store, lazy_and_synchronous_commits_interleave_and_persist_across_reopen)
{
	svm_store_t *s = open_store(0);
	put_commit_lazy(s, "a", "lazy-1");
	put_commit(s, SVM_TABLE_META, "b", "sync-1");
	put_commit_lazy(s, "c", "lazy-2");
	put_commit_lazy(s, "a", "lazy-3"); /* overwrites the first */
	svm_store_txn_t *w;
	cr_assert_eq(svm_store_write_begin_lazy(s, &w, NULL), 0);
	cr_assert_eq(svm_store_put(w, SVM_TABLE_META, "d", 1, "x", 1, 0), 0);
	svm_store_abort(w); /* an aborted lazy transaction leaves nothing */
	put_commit(s, SVM_TABLE_META, "e", "sync-2");
	cr_assert(has(s, SVM_TABLE_META, "a", "lazy-3"), "a lazy commit is visible at once");
	svm_store_close(s);
	s = open_store(0);
	cr_assert(has(s, SVM_TABLE_META, "a", "lazy-3"));
	cr_assert(has(s, SVM_TABLE_META, "b", "sync-1"));
	cr_assert(has(s, SVM_TABLE_META, "c", "lazy-2"));
	cr_assert_not(has(s, SVM_TABLE_META, "d", "x"));
	cr_assert(has(s, SVM_TABLE_META, "e", "sync-2"));
	svm_store_close(s);
}

/* A lazy commit defers only the device flush of its meta page: a process killed right after
 * (SIGKILL-like: _exit, no close, no sync) loses none of its commits — the page cache survives
 * it. Only a system crash may undo the last lazy commits. */
Test(store, a_killed_process_loses_no_lazy_commit)
{
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		svm_store_t *s;
		if (svm_store_open(&s, dir, NULL, NULL) != 0) _exit(2);
		for (int i = 0; i < 50; i++) {
			char k[16], v[16];
			snprintf(k, sizeof k, "k%02d", i);
			snprintf(v, sizeof v, "v%02d", i);
			svm_store_txn_t *w;
			if (svm_store_write_begin_lazy(s, &w, NULL) != 0) _exit(3);
			if (svm_store_put(w, SVM_TABLE_META, k, strlen(k), v, strlen(v), 0) != 0) _exit(4);
			if (svm_store_commit(w, NULL) != 0) _exit(5);
		}
		_exit(0); /* no svm_store_close */
	}
	int st = 0;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
	svm_store_t *s = open_store(0);
	for (int i = 0; i < 50; i++) {
		char k[16], v[16];
		snprintf(k, sizeof k, "k%02d", i);
		snprintf(v, sizeof v, "v%02d", i);
		cr_assert(has(s, SVM_TABLE_META, k, v), "commit %d lost", i);
	}
	svm_store_close(s);
}

static int hook_calls, hook_committed;
static void hook(void *ctx, bool committed)
{
	hook_calls += *(int *)ctx;
	hook_committed = committed;
}

Test(store, aborted_write_txn_leaves_nothing_and_runs_hooks_with_false)
{
	svm_store_t *s = open_store(0);
	put_commit(s, SVM_TABLE_OBJECTS, "a", "1");
	svm_store_txn_t *w;
	cr_assert_eq(svm_store_write_begin(s, &w, NULL), 0);
	cr_assert_eq(svm_store_put(w, SVM_TABLE_OBJECTS, "b", 1, "2", 1, 0), 0);
	cr_assert_eq(svm_store_put(w, SVM_TABLE_OBJECTS, "a", 1, "9", 1, 0), 0);
	cr_assert_eq(svm_store_del(w, SVM_TABLE_OBJECTS, "a", 1), 0);
	const uint8_t *v;
	size_t n;
	cr_assert_eq(svm_store_get(w, SVM_TABLE_OBJECTS, "b", 1, &v, &n), 0, "own writes visible");
	int one = 1;
	hook_calls = 0;
	hook_committed = 1;
	cr_assert_eq(svm_store_on_end(w, hook, &one), 0);
	svm_store_abort(w);
	cr_assert_eq(hook_calls, 1);
	cr_assert_eq(hook_committed, 0);
	cr_assert(has(s, SVM_TABLE_OBJECTS, "a", "1"));
	cr_assert_not(has(s, SVM_TABLE_OBJECTS, "b", "2"));
	svm_store_txn_t *r;
	cr_assert_eq(svm_store_read_begin(s, &r, NULL), 0);
	uint64_t count;
	cr_assert_eq(svm_store_count(r, SVM_TABLE_OBJECTS, &count), 0);
	cr_assert_eq(count, 1);
	cr_assert_eq(svm_store_on_end(r, hook, &one), SVM_EINVAL, "no hooks on read txns");
	svm_store_abort(r);
	svm_store_close(s);
}

Test(store, hooks_run_in_order_with_true_after_commit)
{
	svm_store_t *s = open_store(0);
	svm_store_txn_t *w;
	cr_assert_eq(svm_store_write_begin(s, &w, NULL), 0);
	int one = 1;
	hook_calls = 0;
	for (int i = 0; i < SVM_STORE_TXN_HOOKS_MAX; i++) cr_assert_eq(svm_store_on_end(w, hook, &one), 0);
	cr_assert_eq(svm_store_on_end(w, hook, &one), SVM_ELIMIT);
	cr_assert_eq(svm_store_commit(w, NULL), 0);
	cr_assert_eq(hook_calls, SVM_STORE_TXN_HOOKS_MAX);
	cr_assert_eq(hook_committed, 1);
	svm_store_close(s);
}

Test(store, read_snapshot_does_not_see_later_commits)
{
	svm_store_t *s = open_store(0);
	put_commit(s, SVM_TABLE_META, "k", "old");
	svm_store_txn_t *r;
	cr_assert_eq(svm_store_read_begin(s, &r, NULL), 0);
	put_commit(s, SVM_TABLE_META, "k", "new");
	const uint8_t *v;
	size_t n;
	cr_assert_eq(svm_store_get(r, SVM_TABLE_META, "k", 1, &v, &n), 0);
	cr_assert(n == 3 && memcmp(v, "old", 3) == 0);
	svm_store_abort(r);
	cr_assert(has(s, SVM_TABLE_META, "k", "new"));
	svm_store_close(s);
}

Test(store, put_flags_nooverwrite_and_append)
{
	svm_store_t *s = open_store(0);
	svm_store_txn_t *w;
	cr_assert_eq(svm_store_write_begin(s, &w, NULL), 0);
	cr_assert_eq(svm_store_put(w, SVM_TABLE_TXS, "b", 1, "1", 1, SVM_STORE_APPEND), 0);
	cr_assert_eq(svm_store_put(w, SVM_TABLE_TXS, "a", 1, "1", 1, SVM_STORE_APPEND), SVM_EEXIST);
	cr_assert_eq(svm_store_put(w, SVM_TABLE_TXS, "c", 1, "1", 1, SVM_STORE_APPEND), 0);
	cr_assert_eq(svm_store_put(w, SVM_TABLE_TXS, "b", 1, "2", 1, SVM_STORE_NOOVERWRITE),
		     SVM_EEXIST);
	cr_assert_eq(svm_store_del(w, SVM_TABLE_TXS, "z", 1), SVM_ENOTFOUND);
	char big[SVM_STORE_KEY_MAX + 1] = {0};
	cr_assert_eq(svm_store_put(w, SVM_TABLE_TXS, big, sizeof big, "", 0, 0), SVM_EINVAL);
	uint8_t *dst;
	cr_assert_eq(svm_store_put_reserve(w, SVM_TABLE_TXS, "d", 1, 3, &dst), 0);
	memcpy(dst, "xyz", 3);
	cr_assert_eq(svm_store_commit(w, NULL), 0);
	cr_assert(has(s, SVM_TABLE_TXS, "b", "1"));
	cr_assert(has(s, SVM_TABLE_TXS, "d", "xyz"));
	svm_store_txn_t *r;
	cr_assert_eq(svm_store_read_begin(s, &r, NULL), 0);
	cr_assert_eq(svm_store_put(r, SVM_TABLE_TXS, "e", 1, "1", 1, 0), SVM_EINVAL);
	svm_store_abort(r);
	svm_store_close(s);
}

Test(store, cursor_seek_seek_le_next_prev_del)
{
	svm_store_t *s = open_store(0);
	svm_store_txn_t *w;
	cr_assert_eq(svm_store_write_begin(s, &w, NULL), 0);
	const char *keys[] = {"b", "d", "f", "h"};
	for (int i = 0; i < 4; i++)
		cr_assert_eq(svm_store_put(w, SVM_TABLE_HEIGHTS, keys[i], 1, keys[i], 1, 0), 0);
	svm_store_cursor_t *c;
	cr_assert_eq(svm_store_cursor_open(w, SVM_TABLE_HEIGHTS, &c), 0);
	svm_store_val_t k, v;
	cr_assert_eq(svm_store_cursor_seek(c, "c", 1, &k, &v), 0);
	cr_assert_eq(k.p[0], 'd');
	cr_assert_eq(v.p[0], 'd');
	cr_assert_eq(svm_store_cursor_seek_le(c, "c", 1, &k, NULL), 0);
	cr_assert_eq(k.p[0], 'b');
	cr_assert_eq(svm_store_cursor_seek_le(c, "d", 1, &k, NULL), 0);
	cr_assert_eq(k.p[0], 'd');
	cr_assert_eq(svm_store_cursor_seek_le(c, "z", 1, &k, NULL), 0);
	cr_assert_eq(k.p[0], 'h');
	cr_assert_eq(svm_store_cursor_seek_le(c, "a", 1, &k, NULL), SVM_ENOTFOUND);
	cr_assert_eq(svm_store_cursor_seek(c, "i", 1, &k, NULL), SVM_ENOTFOUND);
	cr_assert_eq(svm_store_cursor_seek(c, NULL, 0, &k, NULL), 0);
	cr_assert_eq(k.p[0], 'b');
	cr_assert_eq(svm_store_cursor_next(c, &k, NULL), 0);
	cr_assert_eq(k.p[0], 'd');
	cr_assert_eq(svm_store_cursor_del(c), 0);
	cr_assert_eq(svm_store_cursor_next(c, &k, NULL), 0);
	cr_assert_eq(k.p[0], 'f', "next after del returns the following entry");
	cr_assert_eq(svm_store_cursor_prev(c, &k, NULL), 0);
	cr_assert_eq(k.p[0], 'b');
	cr_assert_eq(svm_store_cursor_seek_le(c, NULL, 0, &k, NULL), 0);
	cr_assert_eq(k.p[0], 'h');
	cr_assert_eq(svm_store_cursor_next(c, &k, NULL), SVM_ENOTFOUND);
	svm_store_cursor_close(c);
	cr_assert_eq(svm_store_commit(w, NULL), 0);
	svm_store_close(s);
}

Test(store, map_full_gives_elimit_not_a_crash)
{
	svm_store_t *s = open_store(1 << 20); /* 1 MiB */
	svm_store_txn_t *w;
	cr_assert_eq(svm_store_write_begin(s, &w, NULL), 0);
	uint8_t val[4000];
	memset(val, 7, sizeof val);
	int rc = 0;
	for (uint32_t i = 0; i < 10000 && rc == 0; i++) {
		uint8_t key[8];
		svm_put_u64be(key, i);
		rc = svm_store_put(w, SVM_TABLE_BLOCKS, key, 8, val, sizeof val, 0);
	}
	cr_assert_eq(rc, SVM_ELIMIT);
	svm_store_abort(w);
	/* The environment stays usable after the abort. */
	put_commit(s, SVM_TABLE_META, "still", "works");
	cr_assert(has(s, SVM_TABLE_META, "still", "works"));
	svm_store_close(s);
}

typedef struct {
	svm_store_txn_t *r;
	int rc;
} thread_arg_t;

static void *read_in_thread(void *p)
{
	thread_arg_t *a = p;
	const uint8_t *v;
	size_t n;
	a->rc = svm_store_get(a->r, SVM_TABLE_META, "k", 1, &v, &n);
	return NULL;
}

Test(store, read_txn_may_move_between_threads)
{
	svm_store_t *s = open_store(0);
	put_commit(s, SVM_TABLE_META, "k", "v");
	svm_store_txn_t *r;
	cr_assert_eq(svm_store_read_begin(s, &r, NULL), 0);
	thread_arg_t a = {r, -1};
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, read_in_thread, &a), 0);
	pthread_join(t, NULL);
	cr_assert_eq(a.rc, 0);
	svm_store_abort(r);
	svm_store_close(s);
}

Test(store, open_fails_cleanly_on_a_bad_path)
{
	svm_store_t *s = NULL;
	svm_error_t err = {0};
	cr_assert_eq(svm_store_open(&s, "/proc/nonexistent/dir", NULL, &err), SVM_EIO);
	cr_assert_null(s);
	cr_assert(strlen(err.msg) > 0);
}

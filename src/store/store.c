/* LMDB environment, named tables, transactions with end hooks, and cursors. Every LMDB error
 * becomes SVM_EIO with LMDB's message, except a full map (SVM_ELIMIT) and the reader table
 * (SVM_ELIMIT), so callers can tell "disk/config" from "bad data". */
#include "supervm/store.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const table_names[SVM_TABLE_COUNT] = {
	"blocks", "heights", "txs", "receipts", "objects", "object_history", "nodes", "stale", "meta",
};

struct svm_store {
	MDB_env *env;
	MDB_dbi dbi[SVM_TABLE_COUNT];
};

typedef struct {
	svm_store_hook_fn fn;
	void *ctx;
} hook_t;

struct svm_store_txn {
	svm_store_t *store;
	MDB_txn *txn;
	bool writable;
	bool lazy;   /* svm_store_write_begin_lazy: committed with MDB_NOMETASYNC */
	bool failed; /* an injected write fault: like LMDB after a failed put, commit refuses */
	unsigned hook_count;
	hook_t hooks[SVM_STORE_TXN_HOOKS_MAX];
};

struct svm_store_cursor {
	MDB_cursor *cur;
	svm_store_txn_t *txn;
};

static int map_err(int rc, svm_error_t *err, const char *what)
{
	SVM_ASSERT(rc != MDB_SUCCESS); /* only failures are mapped */
	if (rc == MDB_MAP_FULL)
		return svm_error_set(err, SVM_ELIMIT,
				     "%s: LMDB map is full (raise map_size_bytes): %s", what,
				     mdb_strerror(rc));
	if (rc == MDB_READERS_FULL)
		return svm_error_set(err, SVM_ELIMIT, "%s: too many open read transactions (%s)",
				     what, mdb_strerror(rc));
	if (rc == MDB_NOTFOUND) return svm_error_set(err, SVM_ENOTFOUND, "%s: not found", what);
	if (rc == MDB_KEYEXIST) return svm_error_set(err, SVM_EEXIST, "%s: key exists", what);
	if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID ||
	    rc == MDB_VERSION_MISMATCH)
		return svm_error_set(err, SVM_ECORRUPT,
				     "%s: the database is damaged (%s); restore the data directory from a "
				     "backup or resync it", what, mdb_strerror(rc));
	if (rc == MDB_BAD_VALSIZE || rc == EINVAL)
		return svm_error_set(err, SVM_EINVAL, "%s: %s", what, mdb_strerror(rc));
	return svm_error_set(err, SVM_EIO, "%s: %s", what, mdb_strerror(rc));
}

static bool table_ok(svm_table_t t) { return (unsigned)t < SVM_TABLE_COUNT; }

/* The fault hook every write and sync passes (base.h, SVM_FAULT_IO): 0, or the error of an
 * injected ENOSPC/EIO, after which the transaction can only be aborted. */
static int io_fault(svm_store_txn_t *t, svm_error_t *err, const char *what)
{
	int e = svm_fault_check(SVM_FAULT_IO);
	if (e == 0) return 0;
	SVM_ASSERT(t->writable); /* only writes and commits pass the hook */
	SVM_ASSERT(e == EIO || e == ENOSPC);
	t->failed = true;
	return svm_error_set(err, SVM_EIO, "%s: %s (injected)", what, strerror(e));
}

/* LMDB maps data.mdb and reads its pages through the map: a page past the end of a truncated
 * file is a SIGBUS, not an error. So before trusting the map, the file must hold every page the
 * newest meta page says is in use. 0 when it does (or is new), SVM_ECORRUPT otherwise. */
static int check_size(MDB_env *env, const char *dir, svm_error_t *err)
{
	char path[4096];
	struct stat st;
	MDB_envinfo info;
	MDB_stat ms;
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	if (stat(path, &st) != 0) return 0;
	if (mdb_env_info(env, &info) || mdb_env_stat(env, &ms)) return 0;
	uint64_t need = ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize;
	if ((uint64_t)st.st_size >= need) return 0;
	return svm_error_set(err, SVM_ECORRUPT,
			     "store_open: %s is truncated: %llu bytes, but its pages reach %llu; "
			     "restore the data directory from a backup or resync it",
			     path, (unsigned long long)st.st_size, (unsigned long long)need);
}

/* A data.mdb that exists but is shorter than LMDB's two meta pages was cut short (LMDB would
 * take it for a new, empty database). */
static int check_meta_pages(const char *dir, svm_error_t *err)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	if (stat(path, &st) != 0 || st.st_size == 0) return 0;
	long page = sysconf(_SC_PAGESIZE);
	if (st.st_size >= 2 * (page > 0 ? page : 4096)) return 0;
	return svm_error_set(err, SVM_ECORRUPT,
			     "store_open: %s is truncated (%lld bytes, shorter than its two meta "
			     "pages); restore the data directory from a backup or resync it",
			     path, (long long)st.st_size);
}

int svm_store_open(svm_store_t **out, const char *dir, const svm_store_config_t *cfg,
		   svm_error_t *err)
{
	svm_store_config_t def = {0};
	if (!cfg) cfg = &def;
	if (!out || !dir) return svm_error_set(err, SVM_EINVAL, "store_open: NULL argument");
	*out = NULL;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return svm_error_set(err, SVM_EIO, "store_open: mkdir %s: %s", dir, strerror(errno));
	if (check_meta_pages(dir, err)) return SVM_ECORRUPT;
	svm_store_t *s = svm_calloc(1, sizeof *s);
	if (!s) return svm_error_set(err, SVM_ENOMEM, "store_open: out of memory");
	MDB_txn *txn = NULL;
	int rc = mdb_env_create(&s->env);
	if (rc) goto fail;
	uint64_t map = cfg->map_size_bytes ? cfg->map_size_bytes : SVM_STORE_MAP_SIZE_DEFAULT;
	if ((rc = mdb_env_set_mapsize(s->env, (size_t)map))) goto fail;
	unsigned readers = cfg->readers_max ? cfg->readers_max : SVM_STORE_READERS_DEFAULT;
	if ((rc = mdb_env_set_maxreaders(s->env, readers))) goto fail;
	if ((rc = mdb_env_set_maxdbs(s->env, SVM_TABLE_COUNT))) goto fail;
	unsigned flags = MDB_NOTLS | (cfg->no_sync ? MDB_NOSYNC : 0);
	if ((rc = mdb_env_open(s->env, dir, flags, 0600))) goto fail;
	if (check_size(s->env, dir, err)) {
		mdb_env_close(s->env);
		svm_free(s);
		return SVM_ECORRUPT;
	}
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn))) goto fail;
	for (unsigned i = 0; i < SVM_TABLE_COUNT; i++) {
		SVM_ASSERT(table_names[i] != NULL); /* every table is named */
		SVM_ASSERT(i == 0 || strcmp(table_names[i - 1], table_names[i]) != 0);
		if ((rc = mdb_dbi_open(txn, table_names[i], MDB_CREATE, &s->dbi[i]))) goto fail;
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc) goto fail;
	*out = s;
	return 0;
fail:
	if (txn) mdb_txn_abort(txn);
	if (s->env) mdb_env_close(s->env);
	svm_free(s);
	return map_err(rc, err, "store_open");
}

void svm_store_close(svm_store_t *s)
{
	if (!s) return;
	mdb_env_close(s->env);
	svm_free(s);
}

static int txn_begin(svm_store_t *s, svm_store_txn_t **out, bool write, bool lazy, svm_error_t *err)
{
	*out = NULL;
	SVM_ASSERT(write || !lazy); /* only a write transaction has a commit to defer */
	svm_store_txn_t *t = svm_calloc(1, sizeof *t);
	if (!t) return svm_error_set(err, SVM_ENOMEM, "store: out of memory");
	int rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	if (rc) {
		svm_free(t);
		return map_err(rc, err, write ? "store_write_begin" : "store_read_begin");
	}
	t->store = s;
	t->writable = write;
	t->lazy = lazy;
	SVM_ASSERT(t->hook_count == 0 && !t->failed);
	*out = t;
	return 0;
}

int svm_store_read_begin(svm_store_t *s, svm_store_txn_t **out, svm_error_t *err)
{
	return txn_begin(s, out, false, false, err);
}

int svm_store_write_begin(svm_store_t *s, svm_store_txn_t **out, svm_error_t *err)
{
	return txn_begin(s, out, true, false, err);
}

int svm_store_write_begin_lazy(svm_store_t *s, svm_store_txn_t **out, svm_error_t *err)
{
	return txn_begin(s, out, true, true, err);
}

static void run_hooks(svm_store_txn_t *t, bool committed)
{
	SVM_ASSERT(t->hook_count <= SVM_STORE_TXN_HOOKS_MAX);
	SVM_ASSERT(t->hook_count == 0 || t->writable); /* hooks are for write transactions */
	for (unsigned i = 0; i < t->hook_count; i++) t->hooks[i].fn(t->hooks[i].ctx, committed);
}

int svm_store_commit(svm_store_txn_t *t, svm_error_t *err)
{
	if (!t) return svm_error_set(err, SVM_EINVAL, "store_commit: NULL txn");
	if (t->writable && t->failed)
		svm_error_set(err, SVM_EIO, "store_commit: an earlier write of this transaction failed");
	if (t->writable && (t->failed || io_fault(t, err, "store_commit"))) {
		SVM_ASSERT(t->failed); /* an injected commit failure marks it too */
		mdb_txn_abort(t->txn);
		run_hooks(t, false);
		svm_free(t);
		return SVM_EIO;
	}
	SVM_ASSERT(!t->failed && t->txn != NULL);
	/* A lazy commit flushes its pages but not its meta page (MDB_NOMETASYNC: the next commit's
	 * flush carries it). Debian's LMDB 0.9.24 takes that flag per environment only (its
	 * mdb_txn_begin ignores it), so every write commit sets it to its own choice here, while
	 * it holds LMDB's writer lock: no other commit can run between the setting and the commit,
	 * and only lock holders ever change the environment's flags. */
	if (t->writable) {
		int frc = mdb_env_set_flags(t->store->env, MDB_NOMETASYNC, t->lazy ? 1 : 0);
		SVM_ASSERT(frc == 0); /* a changeable flag on an open environment */
		(void)frc;
	}
	int rc = mdb_txn_commit(t->txn); /* frees the MDB_txn even on failure */
	run_hooks(t, rc == 0);
	svm_free(t);
	return rc ? map_err(rc, err, "store_commit") : 0;
}

void svm_store_abort(svm_store_txn_t *t)
{
	if (!t) return;
	mdb_txn_abort(t->txn);
	run_hooks(t, false);
	svm_free(t);
}

bool svm_store_txn_writable(const svm_store_txn_t *t) { return t->writable; }

int svm_store_on_end(svm_store_txn_t *t, svm_store_hook_fn fn, void *ctx)
{
	if (!t || !fn || !t->writable) return SVM_EINVAL;
	if (t->hook_count >= SVM_STORE_TXN_HOOKS_MAX) return SVM_ELIMIT;
	t->hooks[t->hook_count++] = (hook_t){fn, ctx};
	SVM_ASSERT(t->hook_count <= SVM_STORE_TXN_HOOKS_MAX);
	return 0;
}

int svm_store_get(svm_store_txn_t *t, svm_table_t table, const void *key, size_t key_len,
		  const uint8_t **val, size_t *val_len)
{
	if (!table_ok(table) || key_len == 0 || key_len > SVM_STORE_KEY_MAX) return SVM_EINVAL;
	MDB_val k = {key_len, (void *)key}, v;
	int rc = mdb_get(t->txn, t->store->dbi[table], &k, &v);
	if (rc) return map_err(rc, NULL, "store_get");
	SVM_ASSERT(v.mv_data != NULL || v.mv_size == 0);
	if (val) *val = v.mv_data;
	if (val_len) *val_len = v.mv_size;
	return 0;
}

static unsigned put_flags(unsigned flags)
{
	SVM_ASSERT((flags & ~(unsigned)(SVM_STORE_NOOVERWRITE | SVM_STORE_APPEND)) == 0); /* known */
	return ((flags & SVM_STORE_NOOVERWRITE) ? MDB_NOOVERWRITE : 0) |
	       ((flags & SVM_STORE_APPEND) ? MDB_APPEND : 0);
}

int svm_store_put(svm_store_txn_t *t, svm_table_t table, const void *key, size_t key_len,
		  const void *val, size_t val_len, unsigned flags)
{
	if (!t->writable || !table_ok(table) || key_len == 0 || key_len > SVM_STORE_KEY_MAX)
		return SVM_EINVAL;
	if (io_fault(t, NULL, "store_put")) return SVM_EIO;
	MDB_val k = {key_len, (void *)key}, v = {val_len, (void *)val};
	int rc = mdb_put(t->txn, t->store->dbi[table], &k, &v, put_flags(flags));
	return rc ? map_err(rc, NULL, "store_put") : 0;
}

int svm_store_put_reserve(svm_store_txn_t *t, svm_table_t table, const void *key,
			  size_t key_len, size_t val_len, uint8_t **val)
{
	if (!t->writable || !table_ok(table) || key_len == 0 || key_len > SVM_STORE_KEY_MAX)
		return SVM_EINVAL;
	if (io_fault(t, NULL, "store_put_reserve")) return SVM_EIO;
	MDB_val k = {key_len, (void *)key}, v = {val_len, NULL};
	int rc = mdb_put(t->txn, t->store->dbi[table], &k, &v, MDB_RESERVE);
	if (rc) return map_err(rc, NULL, "store_put_reserve");
	SVM_ASSERT(v.mv_data != NULL && v.mv_size == val_len); /* room for exactly val_len bytes */
	*val = v.mv_data;
	return 0;
}

int svm_store_del(svm_store_txn_t *t, svm_table_t table, const void *key, size_t key_len)
{
	if (!t->writable || !table_ok(table) || key_len == 0 || key_len > SVM_STORE_KEY_MAX)
		return SVM_EINVAL;
	if (io_fault(t, NULL, "store_del")) return SVM_EIO;
	MDB_val k = {key_len, (void *)key};
	int rc = mdb_del(t->txn, t->store->dbi[table], &k, NULL);
	return rc ? map_err(rc, NULL, "store_del") : 0;
}

int svm_store_count(svm_store_txn_t *t, svm_table_t table, uint64_t *entries)
{
	if (!table_ok(table)) return SVM_EINVAL;
	MDB_stat st;
	int rc = mdb_stat(t->txn, t->store->dbi[table], &st);
	if (rc) return map_err(rc, NULL, "store_count");
	*entries = st.ms_entries;
	return 0;
}

int svm_store_cursor_open(svm_store_txn_t *t, svm_table_t table, svm_store_cursor_t **out)
{
	if (!table_ok(table)) return SVM_EINVAL;
	svm_store_cursor_t *c = svm_calloc(1, sizeof *c);
	if (!c) return SVM_ENOMEM;
	c->txn = t;
	SVM_ASSERT(t->txn != NULL);
	int rc = mdb_cursor_open(t->txn, t->store->dbi[table], &c->cur);
	if (rc) {
		svm_free(c);
		return map_err(rc, NULL, "store_cursor_open");
	}
	*out = c;
	return 0;
}

void svm_store_cursor_close(svm_store_cursor_t *c)
{
	if (!c) return;
	mdb_cursor_close(c->cur);
	svm_free(c);
}

static int cursor_get(svm_store_cursor_t *c, MDB_val *k, MDB_val *v, MDB_cursor_op op,
		      svm_store_val_t *ko, svm_store_val_t *vo)
{
	SVM_ASSERT(c->cur != NULL && c->txn != NULL);
	int rc = mdb_cursor_get(c->cur, k, v, op);
	if (rc) return map_err(rc, NULL, "store_cursor");
	SVM_ASSERT(k->mv_data != NULL && k->mv_size > 0); /* LMDB keys are never empty */
	if (ko) *ko = (svm_store_val_t){k->mv_data, k->mv_size};
	if (vo) *vo = (svm_store_val_t){v->mv_data, v->mv_size};
	return 0;
}

int svm_store_cursor_seek(svm_store_cursor_t *c, const void *key, size_t key_len,
			  svm_store_val_t *k, svm_store_val_t *v)
{
	MDB_val mk = {key_len, (void *)key}, mv = {0, NULL};
	if (!key) return cursor_get(c, &mk, &mv, MDB_FIRST, k, v);
	if (key_len == 0 || key_len > SVM_STORE_KEY_MAX) return SVM_EINVAL;
	int rc = cursor_get(c, &mk, &mv, MDB_SET_RANGE, k, v);
	/* the key found is at or above the target (LMDB's order: bytes, then length) */
	SVM_ASSERT(rc != 0 || memcmp(mk.mv_data, key, mk.mv_size < key_len ? mk.mv_size : key_len) > 0 ||
		   (memcmp(mk.mv_data, key, mk.mv_size < key_len ? mk.mv_size : key_len) == 0 &&
		    mk.mv_size >= key_len));
	return rc;
}

int svm_store_cursor_seek_le(svm_store_cursor_t *c, const void *key, size_t key_len,
			     svm_store_val_t *k, svm_store_val_t *v)
{
	MDB_val mk = {key_len, (void *)key}, mv = {0, NULL};
	if (!key) return cursor_get(c, &mk, &mv, MDB_LAST, k, v);
	if (key_len == 0 || key_len > SVM_STORE_KEY_MAX) return SVM_EINVAL;
	int rc = cursor_get(c, &mk, &mv, MDB_SET_RANGE, k, v);
	if (rc == SVM_ENOTFOUND) return cursor_get(c, &mk, &mv, MDB_LAST, k, v);
	if (rc) return rc;
	if (mk.mv_size == key_len && memcmp(mk.mv_data, key, key_len) == 0) return 0;
	rc = cursor_get(c, &mk, &mv, MDB_PREV, k, v); /* first key > target: step back */
	/* the key found is below the target (LMDB's order: bytes, then length) */
	SVM_ASSERT(rc != 0 || memcmp(mk.mv_data, key, mk.mv_size < key_len ? mk.mv_size : key_len) < 0 ||
		   (memcmp(mk.mv_data, key, mk.mv_size < key_len ? mk.mv_size : key_len) == 0 &&
		    mk.mv_size < key_len));
	return rc;
}

int svm_store_cursor_next(svm_store_cursor_t *c, svm_store_val_t *k, svm_store_val_t *v)
{
	MDB_val mk, mv;
	return cursor_get(c, &mk, &mv, MDB_NEXT, k, v);
}

int svm_store_cursor_prev(svm_store_cursor_t *c, svm_store_val_t *k, svm_store_val_t *v)
{
	MDB_val mk, mv;
	return cursor_get(c, &mk, &mv, MDB_PREV, k, v);
}

int svm_store_cursor_del(svm_store_cursor_t *c)
{
	if (!c->txn->writable) return SVM_EINVAL;
	SVM_ASSERT(c->cur != NULL && c->txn->txn != NULL); /* an open cursor of a live transaction */
	if (io_fault(c->txn, NULL, "store_cursor_del")) return SVM_EIO;
	int rc = mdb_cursor_del(c->cur, 0);
	return rc ? map_err(rc, NULL, "store_cursor_del") : 0;
}

int svm_store_meta_get_u64(svm_store_txn_t *t, const char *key, uint64_t *out)
{
	const uint8_t *v;
	size_t n;
	int rc = svm_store_get(t, SVM_TABLE_META, key, strlen(key), &v, &n);
	if (rc) return rc;
	if (n != 8) return SVM_EDECODE;
	SVM_ASSERT(v != NULL);
	*out = svm_get_u64be(v);
	return 0;
}

int svm_store_meta_put_u64(svm_store_txn_t *t, const char *key, uint64_t v)
{
	uint8_t b[8];
	SVM_ASSERT(key[0] != 0); /* meta keys are named: strlen(key) > 0 */
	svm_put_u64be(b, v);
	return svm_store_put(t, SVM_TABLE_META, key, strlen(key), b, 8, 0);
}

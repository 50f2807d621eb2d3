/* SuperVM store layer: one LMDB environment with a fixed set of named tables, read snapshots,
 * and exactly one write transaction per committed block. A thin layer on purpose: get, put,
 * del and cursors over a table id, with LMDB's own semantics (and thread rules) underneath.
 *
 * Thread rules (LMDB's, opened with MDB_NOTLS):
 *  - svm_store_t is shared by every thread.
 *  - A read transaction is a snapshot of the last commit at the time it began. It may be handed
 *    from thread to thread but used by one thread at a time. Keep them short: a long-lived
 *    reader stops LMDB from reusing pages freed after it began (the file grows).
 *  - At most one write transaction exists at a time (svm_store_write_begin blocks until the
 *    previous one ends); it must be used, committed and aborted on the thread that began it.
 *  - Bytes returned by get/cursor functions point into the map: they are valid until the
 *    transaction ends or (in a write transaction) until the next put/del on it. Never write
 *    through them.
 *
 * Fault injection (tests): every write (put, put_reserve, del, cursor_del) and every commit of
 * a write transaction (LMDB's page writes and sync) first passes svm_fault_check(SVM_FAULT_IO)
 * (base.h). An injected fault returns SVM_EIO with the errno's text (ENOSPC, EIO) and marks the
 * transaction failed: its commit then aborts it and returns SVM_EIO — nothing of it is applied,
 * as after a real failed write, so the store stays at its last committed transaction.
 *
 * Durability: commits are synchronous (no MDB_NOSYNC) unless the config asks otherwise or the
 * transaction was begun lazy (svm_store_write_begin_lazy: a system crash may undo it, a process
 * crash never), so a process killed at any point reopens at its last committed transaction. */
#ifndef SUPERVM_STORE_H
#define SUPERVM_STORE_H

#include "supervm/base.h"

/* The named tables. Keys are raw bytes (at most SVM_STORE_KEY_MAX); the layer above decides
 * their layout. Multi-byte integers inside keys are big-endian so byte order is numeric order. */
typedef enum {
	SVM_TABLE_BLOCKS = 0,     /* block hash (32) -> block bytes */
	SVM_TABLE_HEIGHTS,        /* u64be height -> block hash (32) */
	SVM_TABLE_TXS,            /* tx id (32) -> u64be height ‖ u32be index */
	SVM_TABLE_RECEIPTS,       /* tx id (32) -> receipt bytes */
	SVM_TABLE_OBJECTS,        /* object id (32) -> current object bytes (state layer) */
	SVM_TABLE_OBJECT_HISTORY, /* object id (32) ‖ u64be height -> tag ‖ bytes (state layer) */
	SVM_TABLE_NODES,          /* state tree nodes and per-height roots (state layer) */
	SVM_TABLE_STALE,          /* u64be height ‖ u64be height -> what became prunable (state layer) */
	SVM_TABLE_META,           /* string key -> bytes ("state.height", "chain.genesis", …) */
	SVM_TABLE_COUNT
} svm_table_t;

#define SVM_STORE_KEY_MAX 511                        /* LMDB's default key size limit */
#define SVM_STORE_MAP_SIZE_DEFAULT (16ull << 30)     /* 16 GiB, sparse on disk */
#define SVM_STORE_READERS_DEFAULT 126u               /* concurrent read transactions */
#define SVM_STORE_TXN_HOOKS_MAX 16                   /* end hooks per write transaction */

typedef struct {
	uint64_t map_size_bytes; /* 0 = SVM_STORE_MAP_SIZE_DEFAULT; the database can never outgrow it */
	unsigned readers_max;    /* 0 = SVM_STORE_READERS_DEFAULT */
	bool no_sync;            /* tests and benchmarks only: skip fsync on commit (not crash safe) */
} svm_store_config_t;

typedef struct svm_store svm_store_t;
typedef struct svm_store_txn svm_store_txn_t;
typedef struct svm_store_cursor svm_store_cursor_t;

/* Opens (creating if needed) the environment in directory dir (created with mode 0700 if
 * missing) and every table. cfg may be NULL for defaults. On success *out is owned by the
 * caller and released with svm_store_close. SVM_EIO (with a message in err) on failure;
 * SVM_ECORRUPT when data.mdb is shorter than the pages it says it uses (a truncated copy: LMDB
 * would die of SIGBUS on the first read past its end). Any call that meets a damaged page
 * returns SVM_ECORRUPT (LMDB's MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_INVALID). */
int svm_store_open(svm_store_t **out, const char *dir, const svm_store_config_t *cfg,
		   svm_error_t *err);

/* Closes the environment. Every transaction must have ended. NULL is a no-op. */
void svm_store_close(svm_store_t *s);

/* Begins a read-only snapshot. SVM_ELIMIT when readers_max snapshots are already open. */
int svm_store_read_begin(svm_store_t *s, svm_store_txn_t **out, svm_error_t *err);

/* Begins the write transaction (blocking while another is open). */
int svm_store_write_begin(svm_store_t *s, svm_store_txn_t **out, svm_error_t *err);

/* The same, but its commit is durable lazily (LMDB's MDB_NOMETASYNC): the pages it wrote are
 * flushed at commit, its meta page only by the next commit's flush — one device flush instead
 * of two. A process crash loses nothing (the page cache survives it). A system crash may undo
 * the last lazy commits, never one that a later synchronous commit followed (durability is a
 * prefix of the commit order), and never corrupts the database. For what can be redone after
 * such a loss (a block the consensus will commit again); never for what must be on disk before
 * a message leaves (the consensus safety record). */
int svm_store_write_begin_lazy(svm_store_t *s, svm_store_txn_t **out, svm_error_t *err);

/* Commits a write transaction (or ends a read one) and frees t in every case. On failure
 * nothing of t is applied. End hooks run after the outcome is known, before this returns.
 * SVM_ELIMIT if the map is full, SVM_EIO otherwise. */
int svm_store_commit(svm_store_txn_t *t, svm_error_t *err);

/* Discards every change of t (a read transaction simply ends) and frees t; NULL is a no-op.
 * End hooks run with committed = false. */
void svm_store_abort(svm_store_txn_t *t);

bool svm_store_txn_writable(const svm_store_txn_t *t);

/* Registers fn(ctx, committed) to run once when write transaction t commits or aborts — how
 * layers with in-memory caches (state) publish or drop what they staged in t. Hooks run in
 * registration order. SVM_ELIMIT past SVM_STORE_TXN_HOOKS_MAX, SVM_EINVAL on a read txn. */
typedef void (*svm_store_hook_fn)(void *ctx, bool committed);
int svm_store_on_end(svm_store_txn_t *t, svm_store_hook_fn fn, void *ctx);

/* Looks key up in table. On success *val and *val_len borrow the stored bytes (see the thread
 * rules for their lifetime). SVM_ENOTFOUND if absent, SVM_EIO on failure. */
int svm_store_get(svm_store_txn_t *t, svm_table_t table, const void *key, size_t key_len,
		  const uint8_t **val, size_t *val_len);

/* Put flags. */
#define SVM_STORE_NOOVERWRITE 1u /* SVM_EEXIST if the key is present */
#define SVM_STORE_APPEND 2u      /* key sorts after every key in the table (fast bulk load);
				    SVM_EEXIST if it does not */

/* Writes key -> val into table in write transaction t. SVM_ELIMIT when the map is full (the
 * transaction must then be aborted), SVM_EINVAL for a read txn or an over-long key. */
int svm_store_put(svm_store_txn_t *t, svm_table_t table, const void *key, size_t key_len,
		  const void *val, size_t val_len, unsigned flags);

/* Reserves val_len bytes for key and returns where to write them (*val, valid until the next
 * put/del on t). Saves one copy for large values. Same errors as svm_store_put. */
int svm_store_put_reserve(svm_store_txn_t *t, svm_table_t table, const void *key,
			  size_t key_len, size_t val_len, uint8_t **val);

/* Deletes key. SVM_ENOTFOUND if it was absent. */
int svm_store_del(svm_store_txn_t *t, svm_table_t table, const void *key, size_t key_len);

/* Number of entries in table as seen by t. */
int svm_store_count(svm_store_txn_t *t, svm_table_t table, uint64_t *entries);

/* Cursors iterate a table in key order (memcmp, shorter first). A cursor belongs to its
 * transaction and must be closed before the transaction ends. Every positioning call returns
 * 0 with the entry in key/val (either may be NULL when not wanted), or SVM_ENOTFOUND when no
 * entry is there (e.g. past the end). */
int svm_store_cursor_open(svm_store_txn_t *t, svm_table_t table, svm_store_cursor_t **out);
void svm_store_cursor_close(svm_store_cursor_t *c); /* NULL is a no-op */

typedef struct {
	const uint8_t *p;
	size_t len;
} svm_store_val_t;

/* First entry with key >= the given key (key NULL: the first entry of the table). */
int svm_store_cursor_seek(svm_store_cursor_t *c, const void *key, size_t key_len,
			  svm_store_val_t *k, svm_store_val_t *v);
/* Last entry with key <= the given key (key NULL: the last entry of the table). */
int svm_store_cursor_seek_le(svm_store_cursor_t *c, const void *key, size_t key_len,
			     svm_store_val_t *k, svm_store_val_t *v);
int svm_store_cursor_next(svm_store_cursor_t *c, svm_store_val_t *k, svm_store_val_t *v);
int svm_store_cursor_prev(svm_store_cursor_t *c, svm_store_val_t *k, svm_store_val_t *v);
/* Deletes the entry under the cursor (write transactions only); the next
 * svm_store_cursor_next then returns the entry that followed the deleted one. */
int svm_store_cursor_del(svm_store_cursor_t *c);

/* Meta helpers: u64 values stored as 8 big-endian bytes under a string key. */
int svm_store_meta_get_u64(svm_store_txn_t *t, const char *key, uint64_t *out);
int svm_store_meta_put_u64(svm_store_txn_t *t, const char *key, uint64_t v);

#endif

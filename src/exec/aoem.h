/* AOEM internals: the block's key table (one record per object id touched, shared by every
 * worker), the committed values of the block so far, the multi-version memory of the optimistic
 * engine, the per-transaction view that buffers a transaction's reads and writes, and the two
 * parallel engines (declared-access DAG, Block-STM). docs/aoem.md explains the design. */
#ifndef SUPERVM_EXEC_AOEM_H
#define SUPERVM_EXEC_AOEM_H

#include <pthread.h>
#include <stdatomic.h>

#include "exec/internal.h"

/* An object value: its bytes, or bytes == NULL when the object does not exist (deleted). */
typedef struct {
	const uint8_t *bytes;
	size_t len;
} val_t;

/* The token and owner of a balance object, for encoding a balance built from deltas. */
typedef struct {
	svm_id_t token, owner;
} bal_ref_t;

/* One multi-version entry: what transaction tx (incarnation inc) wrote to a key. A delta is
 * a balance credit (DELTA_CREDIT: adds, ref names the balance), a token supply decrease
 * (DELTA_RETIRE: a burn, no ref) or signed additions to a record's counters (DELTA_RECORD:
 * fd[0..delta) added to its fields, svm_record_add); one key only ever takes one kind (two
 * kinds do not commute: meeting both sends the block to the reference). */
enum { MV_VALUE = 1, MV_DELTA = 2, MV_ESTIMATE = 3 };
enum { DELTA_CREDIT = 0, DELTA_RETIRE = 1, DELTA_RECORD = 2 };
typedef struct {
	uint32_t tx, inc;
	uint8_t kind;
	uint8_t op;           /* MV_DELTA: DELTA_CREDIT, DELTA_RETIRE or DELTA_RECORD */
	val_t v;              /* MV_VALUE */
	uint64_t delta;       /* MV_DELTA: amount credited or retired; DELTA_RECORD: fields */
	const bal_ref_t *ref; /* MV_DELTA, DELTA_CREDIT */
	const int64_t *fd;    /* MV_DELTA, DELTA_RECORD: the fields' additions (never changed) */
} mv_entry_t;

/* Credits pending on a hot key in the DAG engine, one slot per worker, each on its own cache
 * line: only worker w writes slot w (no read-modify-write shared between cores, however many
 * transactions credit the key); a reader, ordered after every earlier crediter by the graph,
 * sums the slots. Keys with few crediters use the record's own counter instead. */
typedef struct {
	_Alignas(64) _Atomic uint64_t sum;
} pend_t;

/* Everything the block knows about one object id, the fields the DAG engine touches per
 * transaction first. Who may touch what: base (loaded once under lock), MV entries (under
 * lock), committed value (cur/pend: by the engine rules in dag.c and block.c), pre-pass
 * scratch (the DAG builder's thread only). lock is a byte spinlock (exec_key_lock): held for a
 * base read or a few MV operations, it costs no 40-byte mutex per record. */
typedef struct akey {
	svm_id_t id;
	val_t cur; /* committed: the value after every transaction committed so far */
	val_t base;
	_Atomic uint64_t pend;          /* DAG: credits not yet folded into cur */
	_Atomic(pend_t *) pendw;        /* DAG: more of them, per worker, once the key is hot */
	_Atomic(const bal_ref_t *) ref; /* DAG: set by the first credit */
	_Atomic uint32_t seg_mark;      /* segment number + 1 once in a worker's touched list */
	_Atomic uint32_t conflicts;
	_Atomic uint8_t base_state;     /* 0 not loaded, 2 loaded */
	_Atomic uint8_t lock;
	atomic_bool written;            /* some transaction wrote it: it is in the write set */
	bool cur_set;
	bool cur_out;                   /* cur's bytes are in the result's memory already */
	/* DAG pre-pass scratch */
	uint8_t pp_cls;
	uint32_t pp_tx, pp_seg; /* pp_tx: UINT32_MAX for none */
	int32_t last_w;
	uint32_t readers_len, deltas_len;
	struct dnode *readers, *deltas;
	/* multi-version memory of the running optimistic segment: mv is mv1 while one entry is
	 * enough (most keys have one writer a segment: no allocation), then svm_malloc'd */
	mv_entry_t *mv;
	uint32_t mv_len, mv_cap;
	_Atomic uint32_t mv_values; /* value entries created this segment (under the lock; never
				       decremented): a hot key (stm.c) */
	/* the lowest transaction with an entry (UINT32_MAX: none), stored under the lock once the
	 * entries are in place: a read by a transaction at or below it sees the committed value
	 * without taking the lock, i.e. without writing the key's cache line (exec_mv_read) */
	_Atomic uint32_t mv_min;
	mv_entry_t mv1;
} akey_t;

void exec_key_lock(akey_t *k);
void exec_key_unlock(akey_t *k);

/* ---------------------------------------------------------------- block */

typedef struct exec_block exec_block_t;
typedef struct split_part split_part_t; /* a chunk of the partitioned first pass (split.c) */

/* A key some transaction wrote, with its id's first 8 bytes as a big-endian number (the write
 * set's sort key: most comparisons do not touch the record; order = memcmp order of the ids). */
typedef struct {
	uint64_t be;
	akey_t *k;
} exec_wkey_t;

/* Per-worker state: a scratch arena (values, key records, events of incarnations), a slab of
 * the caller's arena for results, and the keys this worker first touched or wrote. Written by
 * its worker for nearly every allocation, so each worker's record is on cache lines of its own
 * (allocated 64-byte aligned): two workers' records on one line cost a transfer between the
 * cores (~250 ns on this VM) at each of their writes. */
typedef struct {
	_Alignas(64) svm_arena_t scratch;
	uint8_t *slab;
	size_t slab_left;
	akey_t **touched;
	size_t touched_len, touched_cap;
	akey_t **dkeys; /* DAG: keys that received credits this segment (may repeat) */
	size_t dkeys_len, dkeys_cap;
	exec_wkey_t *wkeys; /* the written keys this worker marked first (exec_key_written) */
	size_t wkeys_len, wkeys_cap;
	size_t key_inserts; /* key records this worker created (see keys.c) */
	int error;
	/* written by this worker only (a load and a store, not a shared read-modify-write); read
	 * by the others and by the metrics */
	_Atomic uint64_t incarnations, validations;
	/* the optimistic engine's tasks this worker holds (claimed, not finished): written by its
	 * worker only, summed by the engine's done check (stm.c) */
	_Atomic long stm_active;
} exec_worker_t;

/* Adds one to a counter that only its own worker writes. */
static inline void exec_count(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

/* Per transaction: the outcome of its final execution and bookkeeping; on cache lines of its
 * own (neighbouring transactions run on different workers). */
typedef struct {
	_Alignas(64) exec_outcome_t o;
	int rc;              /* block-level error of its final execution */
	bool final;          /* executed once: the receipt's bytes are already in the result */
	uint64_t latency_ns; /* time spent executing it, all incarnations */
} exec_slot_t;

struct exec_block {
	const svm_block_env_t *env;
	const svm_exec_tx_t *txs;
	size_t n;
	svm_exec_mode_t mode;
	const svm_exec_base_t *base;
	svm_arena_t *out_arena;
	pthread_mutex_t out_mu; /* guards out_arena */
	unsigned threads;
	exec_worker_t *w;
	exec_slot_t *slot;
	/* key table: open addressing over ids, lock-free inserts; a key's home slot is the top
	 * bits of its id, so the table is in id order but for short probe runs (keys.c) */
	_Atomic(akey_t *) *ktab;
	size_t ktab_cap;
	unsigned ktab_shift; /* home slot = first 8 bytes of the id, big-endian, >> ktab_shift */
	_Atomic size_t ktab_len;
	uint32_t seg; /* current segment number */
	/* whole-block failure that sends the block to the reference executor */
	atomic_int fallback_all;
	/* deferred signature checks (svm_exec_block_signed; vtx is NULL otherwise), in batches
	 * claimed in block order: a transaction's precheck is final once its batch is done */
	svm_exec_tx_t *vtx;      /* the caller's transactions (txs): prechecks are set here */
	const uint8_t *vpending; /* [n]: 1 = its signature is still to be checked */
	atomic_bool *vdone;      /* [vbatches] */
	size_t vbatches;
	_Atomic size_t vnext;    /* the next batch to claim */
	/* metrics */
	svm_exec_metrics_t hot; /* hot[]: the hottest written keys, once hot_done */
	bool hot_done;
	_Atomic uint64_t aborts, reexecutions, waits; /* validations: per worker */
	uint64_t fallbacks, dag_txs, stm_txs, seq_txs, segments;
	bool stm_hot; /* an optimistic segment stopped on a hot key or its conflict rate */
	uint64_t phase_ns[SVM_EXEC_PHASES]; /* the caller's thread only */
	uint64_t *lat; /* [n]: per-transaction latencies, gathered with the receipts (block.c) */
	/* the partitioned first pass (split.c): chunks split_order[1, split_acc) were kept, and
	 * exec_key searches their private key tables */
	struct split_part *split;        /* [split_max]: the pass's chunks */
	struct split_part **split_order; /* the ones that ran, in block order; [0, split_acc) kept */
	unsigned split_max, split_acc;
	uint64_t split_chunks, split_conflicts, split_txs; /* kept chunks: split_acc */
};

/* Reasons to run the whole block on the reference instead (each is rare or impossible on a
 * consistent state; the result is then exact by definition). 5 was FALL_HOT (a hot block went
 * to the reference; it now stops the optimistic engine and runs on the sequential runner). */
enum { FALL_KEYS = 1, FALL_DELTA = 2, FALL_PREDICT = 3, FALL_INTERNAL = 4 };
void exec_fall_all(exec_block_t *b, int why);

/* -------------------------------------------- deferred signatures (prepare.c) */

int exec_verify_init(exec_block_t *b, svm_exec_tx_t *txs, const uint8_t *pending);
void exec_verify_free(exec_block_t *b);
/* Whether some batch of deferred signature checks is still unclaimed. */
bool exec_verify_left(const exec_block_t *b);
/* Checks the signatures of the next unclaimed batch; false when none is left (or none is
 * deferred). */
bool exec_verify_step(exec_block_t *b);
/* Whether every transaction in [from, to) has its final precheck (true when none deferred). */
bool exec_verified(const exec_block_t *b, size_t from, size_t to);
/* Checks every signature still unclaimed, on the block's threads. */
int exec_verify_all(exec_block_t *b);
/* svm_exec_block, with the signature checks marked in pending (NULL: none) left to it: they
 * run alongside execution where the engine allows it, else before. */
int exec_block_run(const svm_block_env_t *env, svm_exec_tx_t *txs, const uint8_t *pending,
		   size_t n, svm_exec_mode_t mode, const svm_exec_base_t *base, unsigned threads,
		   svm_arena_t *arena, svm_exec_result_t *out, size_t *bad_index,
		   svm_exec_metrics_t *metrics);

/* --------------------------------------------------------- buffers (cache.c) */

/* A buffer of at least `bytes` (64-byte aligned, contents unspecified) kept for the calling
 * thread's next block: one per kind, valid until the next exec_buf of the same kind on this
 * thread. NULL when out of memory. */
enum { EXEC_BUF_KTAB, EXEC_BUF_SLOT, EXEC_BUF_DTX, EXEC_BUF_SEEN, EXEC_BUF_QUEUE, EXEC_BUF_CHUNKS,
       EXEC_BUF_STM, EXEC_BUF_WSET, EXEC_BUF_SPLIT, EXEC_BUF_COUNT };
void *exec_buf(int which, size_t bytes);
/* The workers' scratch arenas w[0..threads).scratch, empty, with the chunks the calling
 * thread's previous block kept (bounded by bytes_max); exec_scratch_keep empties them again and
 * keeps their chunks for the next block (up to a bound each). Every scratch pointer is invalid
 * after exec_scratch_keep. */
void exec_scratch_take(exec_worker_t *w, unsigned threads, size_t bytes_max);
void exec_scratch_keep(exec_worker_t *w, unsigned threads);

/* ----------------------------------------------------------- keys (keys.c) */

int exec_keys_init(exec_block_t *b);
void exec_keys_free(exec_block_t *b);
/* The home slot of id: its first 8 bytes as a big-endian number, top bits, so that slot order
 * is id order (memcmp) up to linear probing's displacement. */
static inline size_t exec_key_home(const exec_block_t *b, const svm_id_t *id)
{
	return (size_t)(svm_get_u64be(id->b) >> b->ktab_shift);
}
/* The record of id, created if new (after a partitioned pass: taken from an accepted chunk's
 * table if that has it). NULL when the table is full (fallback set). */
akey_t *exec_key(exec_block_t *b, unsigned worker, const svm_id_t *id);
/* The record of id in the block's table, or NULL; nothing is created. */
akey_t *exec_key_find(const exec_block_t *b, const svm_id_t *id);
/* A new record of id in worker's scratch, not in any table. NULL when out of memory. */
akey_t *exec_key_new(exec_block_t *b, unsigned worker, const svm_id_t *id);
/* The base value of k (loads it once). */
int exec_key_base(exec_block_t *b, unsigned worker, akey_t *k, val_t *out);
/* The committed value of k without DAG credits: cur if set, else the base. */
int exec_key_committed(exec_block_t *b, unsigned worker, akey_t *k, val_t *out);
/* v plus a credit of delta as the bytes of balance k (ref names its token and owner), in the result's
 * memory or worker scratch (exec_value_alloc).
 * SVM_EOVERFLOW past u64, SVM_EIO if v is not a balance. */
int exec_balance_add(exec_block_t *b, unsigned worker, const akey_t *k, const val_t *v,
		     uint64_t delta, const bal_ref_t *ref, bool result, val_t *out);
/* v with a delta of kind op applied (exec_balance_add for DELTA_CREDIT; for DELTA_RETIRE v's
 * token supply lowered by delta: SVM_EOVERFLOW under zero, SVM_EIO if v is not a token; for
 * DELTA_RECORD fd[0..delta) added to v's fields, svm_record_add's errors). */
int exec_delta_apply(exec_block_t *b, unsigned worker, const akey_t *k, const val_t *v,
		     uint8_t op, uint64_t delta, const bal_ref_t *ref, const int64_t *fd,
		     bool result, val_t *out);
/* A record delta's additions: a copy of d[0..n) (plus add[0..n) when add is not NULL) in
 * worker scratch; SVM_EOVERFLOW past an int64 or with opposite signs in one field (the block
 * then goes to the reference), SVM_ENOMEM. */
int exec_record_sum(exec_block_t *b, unsigned worker, const int64_t *d, const int64_t *add,
		    size_t n, const int64_t **out);
/* *sum = a + b for one field of two record deltas; false when they have opposite signs or the
 * sum leaves an int64. Summed deltas are applied at once, so a run of them must be one whose
 * every prefix stays in range when the whole does: additions of one sign per field are (the
 * market's counters: open_jobs only goes down, the others only up); mixed ones go to the
 * reference, which applies them one at a time. */
bool exec_record_field_add(int64_t a, int64_t b, int64_t *sum);
/* The amount a resolved value holds: a balance's amount (0 when absent) or a token's supply. */
int exec_delta_amount(uint8_t op, const val_t *v, uint64_t *amount);
/* Memory for a value: the result's (final: no copy into the write set later) or scratch. */
void *exec_value_alloc(exec_block_t *b, unsigned worker, size_t n, bool result);
/* Remember k in worker's touched list (once per segment). */
int exec_key_touch(exec_block_t *b, unsigned worker, akey_t *k);
/* Marks k written (in the write set): the worker that marks it first puts it in its wkeys
 * list, so every written key is in exactly one list. shared: other workers may mark k at the
 * same time (credits); else k is this worker's alone (a value write, a commit). 0 or
 * SVM_ENOMEM. */
int exec_key_written(exec_block_t *b, unsigned worker, akey_t *k, bool shared);
int exec_key_list_push(akey_t ***list, size_t *len, size_t *cap, akey_t *k);
/* DAG credits on k: add worker's delta (*first: its counter was zero; SVM_EOVERFLOW past a
 * u64), their total (false on a u64 overflow), clearing them once folded or overwritten, and
 * giving a hot key per-worker counters (the graph builder, before the crediters it releases). */
int exec_pend_add(exec_block_t *b, unsigned worker, akey_t *k, uint64_t delta, bool *first);
int exec_pend_spread(exec_block_t *b, unsigned worker, akey_t *k);
bool exec_pend_sum(const exec_block_t *b, akey_t *k, uint64_t *sum);
void exec_pend_clear(const exec_block_t *b, akey_t *k);
void *exec_scratch(exec_block_t *b, unsigned worker, size_t n);
void *exec_out_alloc(exec_block_t *b, unsigned worker, size_t n);

/* ------------------------------------------------ transaction view (txview.c) */

/* Where a transaction's view reads what it has not written itself. */
enum { SRC_COMMITTED = 0, SRC_DAG = 1, SRC_MV = 2 };

/* A read the transaction made (for validation). */
enum { RD_STORAGE = 1, RD_VERSION = 2, RD_RESOLVED = 3 };
typedef struct {
	akey_t *k;
	uint8_t kind;
	uint32_t tx, inc;  /* RD_VERSION */
	uint64_t amount;   /* RD_RESOLVED */
	bool absent;       /* RD_RESOLVED: no object under the deltas */
	val_t rv;          /* RD_RESOLVED: the bytes resolved (validation compares them) */
	bool probe;        /* read beneath the supply deltas (exec_mv_probe) */
} read_t;

/* A write the transaction made. */
typedef struct {
	akey_t *k;
	uint8_t kind; /* MV_VALUE or MV_DELTA */
	uint8_t op;   /* MV_DELTA: DELTA_CREDIT, DELTA_RETIRE or DELTA_RECORD */
	val_t v;
	uint64_t delta;
	const bal_ref_t *ref;
	const int64_t *fd; /* DELTA_RECORD: additions to fields [0, delta) */
} write_t;

typedef struct {
	akey_t *k;
	uint64_t h; /* the id's first 8 bytes (find without touching the key record) */
	bool has_read, read_absent_delta;
	val_t read;
	read_t rd;
	bool has_probe; /* SRC_MV: probed (prd, probed): the value beneath the supply deltas */
	read_t prd;
	val_t probed;
	write_t w; /* w.kind == 0: not written */
} local_t;

typedef struct {
	uint32_t local; /* index into local[] */
	write_t prev;
} undo_t;

#define TXVIEW_LOCAL_MAX 4096 /* distinct objects one transaction may touch in this engine */

typedef struct {
	exec_view_t ev;
	exec_block_t *b;
	unsigned worker;
	uint8_t src;
	uint32_t tx, inc;
	akey_t *dkey; /* DAG: the one key this transaction only credits, or NULL */
	local_t *local;
	size_t local_len, local_cap;
	undo_t *undo;
	size_t undo_len, undo_cap;
	int error;
	int64_t wait_on; /* SRC_MV: the transaction whose estimate was read, or -1 */
	struct split_part *part; /* a partitioned pass's chunk: its private key table, or NULL */
} txview_t;

void exec_txview_init(txview_t *v, exec_block_t *b, unsigned worker, uint8_t src);
void exec_txview_free(txview_t *v);
/* Starts a transaction (clears the buffers). */
void exec_txview_begin(txview_t *v, uint32_t tx, uint32_t inc, akey_t *dkey);
/* Adds k to the transaction's objects before it runs (keys resolved in advance: no key-table
 * lookup when the transaction touches them). SVM_ENOMEM / SVM_ELIMIT like a touch would. */
int exec_txview_seed(txview_t *v, akey_t *k);
/* Reads k from the view's source into *out, recording what was read. */
int exec_txview_source(txview_t *v, akey_t *k, val_t *out, read_t *rd);
/* Applies the transaction's writes to the committed values (SRC_COMMITTED, SRC_DAG). */
int exec_txview_apply(txview_t *v);

/* --------------------------------------------------- multi-version (mvmemory.c) */

enum { MVR_STORAGE = 1, MVR_VERSION = 2, MVR_RESOLVED = 3, MVR_DEPENDENCY = 4 };
typedef struct {
	int kind;
	uint32_t tx, inc;  /* VERSION: the entry; DEPENDENCY: the blocking transaction */
	val_t v;           /* VERSION, RESOLVED: the value */
	uint64_t amount;   /* RESOLVED */
	bool absent;       /* RESOLVED */
	int err;           /* resolution failure (a delta on a non-balance, overflow) */
} mv_read_t;

/* The value transaction tx sees for k (highest entry below tx), deltas resolved over it. */
int exec_mv_read(exec_block_t *b, unsigned worker, akey_t *k, uint32_t tx, mv_read_t *out);
/* As exec_mv_read, but beneath the supply deltas (DELTA_RETIRE) right below tx: the entry or
 * committed value they apply to, unresolved (svm_view_ops_t.probe). */
int exec_mv_probe(exec_block_t *b, unsigned worker, akey_t *k, uint32_t tx, mv_read_t *out);
/* Writes/replaces tx's entry; *created tells whether k had no entry of tx (k->mv_values then
 * counts it if it is a value). */
int exec_mv_write(akey_t *k, const mv_entry_t *e, bool *created);
/* Drops k's versions (their memory, if any was allocated); no engine may be running on k. */
void exec_mv_free(akey_t *k);
void exec_mv_remove(akey_t *k, uint32_t tx);
void exec_mv_estimate(akey_t *k, uint32_t tx);
/* The committed value of k after every entry below limit (deltas folded), into k->cur. */
int exec_mv_flush(exec_block_t *b, unsigned worker, akey_t *k, uint32_t limit);

/* ------------------------------------------------------------ shape (shape.c) */

/* A native ledger transfer's token and recipient (false if the payload is not one, or pays
 * the sender), and the balance it credits (the recipient's). */
bool exec_transfer_parse(const svm_tx_t *tx, svm_id_t *token, svm_id_t *to);
bool exec_transfer_credit(const svm_tx_t *tx, svm_id_t *out);
/* Whether the block's first transactions form (nearly) one dependency chain — parallelism
 * under 4 per thread by their declared or implied accesses — so the reference is faster. */
bool exec_block_is_chain(const svm_block_env_t *env, const svm_exec_tx_t *txs, size_t n,
			 unsigned threads);
/* The reference's estimated time for the whole block (µs), from an evenly spaced sample of its
 * transactions: what each runs (native program and method, contract call) and, with pending
 * (NULL: none), the signatures left to the executor. */
uint64_t exec_block_work_us(const svm_exec_tx_t *txs, const uint8_t *pending, size_t n);

/* --------------------------------------------------------- engines */

/* Runs the run of strict transactions starting at from on the declared-access DAG; *end
 * receives where it ends (the first transaction that is not strict, or the block's end). */
int exec_dag_run(exec_block_t *b, size_t from, size_t *end);
/* Strict: a strict declaration, or failed stateless checks (reads nothing). */
static inline bool exec_is_strict(const svm_exec_tx_t *t)
{
	return t->precheck || t->tx.access_mode == SVM_ACCESS_STRICT;
}
/* Runs transactions [from, to) with Block-STM; *stop_at receives the first transaction not
 * committed (to, unless the re-execution bound sent the rest to the sequential fallback). */
int exec_stm_run(exec_block_t *b, size_t from, size_t to, size_t *stop_at);
/* The partitioned first pass (split.c, docs/aoem.md): whether optimistic segment [from, to)
 * takes it, and the pass itself — *end receives the first transaction it did not keep (the
 * rest of the segment is the engines' to run). */
bool exec_split_wanted(const exec_block_t *b, size_t from, size_t to);
int exec_split_run(exec_block_t *b, size_t from, size_t to, size_t *end);
/* The record of id in a partitioned pass's private table (created if new; NULL when the table
 * is full or out of memory: the chunk stops there), and in the accepted chunks' tables. */
akey_t *exec_split_key(exec_block_t *b, struct split_part *p, unsigned worker, const svm_id_t *id);
akey_t *exec_split_layered(const exec_block_t *b, const svm_id_t *id);
void exec_split_free(exec_block_t *b);
/* Tests only: accept every chunk without the conflict check (a deliberately broken rule that
 * the property test must catch). */
extern bool exec_split_unchecked;
/* Runs transactions [from, to) one after another on the committed values (worker 0). */
int exec_seq_run(exec_block_t *b, size_t from, size_t to);
/* Executes one transaction and fills its slot (shared by the engines). implicit: the sender's
 * account and fee balance ids if already computed, else NULL. */
int exec_run_one(exec_block_t *b, txview_t *v, size_t i, const svm_id_t implicit[2]);

#endif

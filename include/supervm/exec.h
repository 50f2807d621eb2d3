/* SuperVM exec layer (AOEM): executes a block's transactions against a base state and returns
 * per-transaction receipts and one sorted write set. The sequential reference executor here
 * defines the semantics (docs/execution.md); every other engine must match it byte for byte.
 *
 * Memory: everything a result points to (receipts, events, write-set bytes) is allocated from
 * the caller's arena and lives until the caller resets it. Base-state bytes are borrowed from
 * the base reader and must stay valid until the result is no longer used. */
#ifndef SUPERVM_EXEC_H
#define SUPERVM_EXEC_H

#include "supervm/base.h"
#include "supervm/core.h"
#include "supervm/state.h"
#include "supervm/vm.h"
#include "supervm/econ.h"

/* The fee schedule: fee = a + b·tx_bytes + c·steps + d·mem_bytes, in SWR base units. */
typedef struct {
	uint64_t a, b, c, d;
} svm_fee_params_t;

/* Steps a transaction may use when the per-step price c is 0 (otherwise its fee limit bounds
 * them: (fee_limit − a − b·tx_bytes) / c, capped by this too). */
#define SVM_TX_STEPS_MAX 100000000ull

/* Block hashes a block's transactions may read (the EVM's BLOCKHASH window). */
#define SVM_RECENT_HASHES_MAX 256

/* What the block gives every transaction. */
typedef struct {
	uint64_t chain_id;
	uint64_t height;
	uint64_t timestamp_ms;
	svm_id_t proposer;
	svm_fee_params_t fees;
	svm_id_t fee_token; /* SWR */
	/* the hashes of the blocks before this one, parent first: recent_hashes[i] is block
	 * height − 1 − i's, recent_len ≤ SVM_RECENT_HASHES_MAX (borrowed; NULL/0 when the caller
	 * has none: the EVM's BLOCKHASH then gives 0). The chain fills it. */
	const svm_hash_t *recent_hashes;
	uint32_t recent_len;
	/* share of the block's metered fees credited to the treasury (svm_treasury_id), in basis
	 * points (the governed treasury_bps); the rest is burned. 0: all burned. */
	uint64_t treasury_bps;
	/* local fee markets (econ.h): the parent's congestion table (sorted; may be empty), which
	 * prices this block's transactions, and the governed rule the settlement applies to write
	 * the next one. congestion_target_txs 0: no table is written (the pricing still applies). */
	const svm_congestion_entry_t *congestion;
	size_t congestion_len;
	uint64_t congestion_target_txs, congestion_step_bps, congestion_max_bps;
	/* the settlement of each epoch's last block processes the next epoch's staking
	 * (svm_staking_block_end), and every block's tips go to the tips pool
	 * (svm_staking_tips_id, paid to the validators by stake at the epoch) instead of to the
	 * proposer: set by the chain, off in bare execution tests */
	bool staking_epochs;
	/* downtime (with staking_epochs): the block header's late_qc (consensus's QC of the
	 * grandparent with the votes that arrived after its first quorum; may be empty), whose
	 * signers the settlement counts against the staking set (svm_staking_block_end) when
	 * count_downtime — the chain's setting, off where consensus runs a fixed set rather than
	 * the staking program's (a devnet) */
	const uint8_t *late_qc;
	size_t late_qc_len;
	bool count_downtime;
} svm_block_env_t;

/* One transaction prepared for execution: decoded and checked statelessly (signature, chain
 * id, encoding) by svm_exec_prepare. precheck is 0 or the SVM_E… reason it is invalid. */
typedef struct {
	svm_tx_t tx;
	svm_hash_t id;
	const uint8_t *bytes; /* the signed encoding (borrowed) */
	size_t len;
	int precheck;
} svm_exec_tx_t;

/* Decodes and statelessly checks n signed transactions into out[] (arrays from arena),
 * verifying signatures on up to `threads` threads. sig_verified (may be NULL) marks candidates
 * whose svm_tx_verify the caller already did (a block producer's mempool checks at admission);
 * their signatures are not checked again. Never fails for a bad transaction (its precheck says
 * why); returns SVM_ENOMEM only. */
int svm_exec_prepare(uint64_t chain_id, const uint8_t *const *txs, const size_t *lens, size_t n,
		     const bool *sig_verified, unsigned threads, svm_arena_t *arena,
		     svm_exec_tx_t *out);

/* The committed state the block executes on. get must be safe to call concurrently from
 * `threads` workers (worker index given), returning SVM_ENOTFOUND for an absent object. */
typedef struct {
	int (*get)(void *ud, unsigned worker, const svm_id_t *id, const uint8_t **bytes,
		   size_t *len);
	void *ud;
} svm_exec_base_t;

typedef enum {
	SVM_EXEC_APPLY, /* any transaction that cannot be included fails the whole block */
	SVM_EXEC_BUILD, /* such transactions are left out (status says why) */
} svm_exec_mode_t;

typedef struct {
	size_t n;              /* transactions given */
	int *status;           /* [n]: 0 included, else the SVM_E… reason it was left out */
	size_t included;       /* receipts[] length */
	svm_receipt_t *receipts; /* of included transactions, in block order */
	size_t *index;         /* [included]: position of each receipt's transaction in the input */
	svm_state_write_t *writes; /* sorted by id, strictly ascending; bytes NULL = delete */
	size_t writes_len;
	uint64_t burned;       /* metered fees burned this block */
	uint64_t tips;         /* tips paid (to the proposer, or the tips pool: staking_epochs) */
	/* the events of the block's settlement (fees, congestion, staking's block end: rewards,
	 * downtime, redelegation slashes), ≤ SVM_RECEIPT_EVENTS_MAX, in the result's arena; the
	 * chain keeps them as the block's settlement receipt (svm_chain_settlement) */
	const svm_event_t *settle_events;
	uint32_t settle_events_len;
} svm_exec_result_t;

/* The sequential reference executor. Returns 0, or (APPLY mode) the reason of the first
 * transaction that cannot be included (its index in *bad_index if not NULL), or SVM_ENOMEM /
 * SVM_EIO from the base. */
int svm_exec_sequential(const svm_block_env_t *env, const svm_exec_tx_t *txs, size_t n,
			svm_exec_mode_t mode, const svm_exec_base_t *base, svm_arena_t *arena,
			svm_exec_result_t *out, size_t *bad_index);

/* ------------------------------------------------------------------ AOEM */

/* The parallel executor (docs/aoem.md). Transactions with a `strict` declaration run on the
 * declared-access engine (conflict graph from their read/write sets, each executed once);
 * `dynamic` ones on the optimistic engine (Block-STM: multi-version memory, validation,
 * re-execution); balance credits and the block's fee and tip totals are commutative deltas. */
#define SVM_EXEC_STRICT_RUN_MIN 32     /* shorter runs of strict txs join the optimistic engine */
#define SVM_EXEC_PAR_TXS_MIN 8          /* smaller blocks run on the reference */
#define SVM_EXEC_PAR_WORK_MIN_US 5000   /* so do blocks of less estimated work (µs on the
					   reference): the engines' fixed cost is of that order */
#define SVM_EXEC_INCARNATIONS_MAX 16    /* re-executions of one tx before the sequential fallback */
#define SVM_EXEC_ABORTS_MIN 256         /* a segment's abort budget: MIN + txs / DIV, past it the */
#define SVM_EXEC_ABORTS_DIV 2           /* rest of the block runs sequentially */
#define SVM_EXEC_CONFLICT_WINDOW 64     /* incarnations an optimistic segment runs before its */
#define SVM_EXEC_CONFLICT_PCT 25        /* conflict rate is judged: past this share of aborted or
					   waiting incarnations the rest runs sequentially */
#define SVM_EXEC_HOT_WRITERS_MIN 8     /* a key written by this many transactions of an */
#define SVM_EXEC_HOT_WRITERS_SHARE 2   /* optimistic segment, over 1/SHARE of its incarnations so
					   far, stops the engine: the segment is one chain */
#define SVM_EXEC_HOT_KEYS 8

/* phase_ns[]: engine setup (key table, slots), the engines' runs, the optimistic engine's
 * commit (versions folded into committed values), receipts, block-end settlement, the write
 * set, teardown (metrics, freeing). */
enum { SVM_EXEC_PH_INIT, SVM_EXEC_PH_RUN, SVM_EXEC_PH_COMMIT, SVM_EXEC_PH_RECEIPTS,
       SVM_EXEC_PH_SETTLE, SVM_EXEC_PH_WRITES, SVM_EXEC_PH_FREE, SVM_EXEC_PHASES };

/* What one block's execution did (not consensus: it depends on thread timing). */
typedef struct {
	uint64_t txs;
	uint64_t dag_txs, stm_txs, seq_txs; /* executed by each engine (seq: fallback/reference) */
	uint64_t segments;
	uint64_t aborts;       /* failed validations (optimistic engine) */
	uint64_t reexecutions; /* incarnations beyond the first (aborts and dependency waits) */
	uint64_t waits;        /* reads that met an ESTIMATE and waited */
	uint64_t validations;
	uint64_t fallbacks;    /* 1 if (part of) the block ran sequentially after the bound */
	bool hot_stop;         /* the optimistic engine stopped on a hot key (SVM_EXEC_HOT_WRITERS_MIN)
				  or its conflict rate, and the sequential runner took the rest */
	bool chain;            /* the block looked like one dependency chain (parallelism under 4
				  per thread): the reference ran it */
	bool small;            /* its estimated work was under the threshold: the reference ran it */
	uint64_t work_us;      /* that estimate (µs on the reference; 0 when not estimated) */
	int fallback_reason;   /* 0, or why the whole block went to the reference (internal) */
	/* the partitioned first pass of an optimistic segment (docs/aoem.md): chunks run, chunks
	 * kept (chunk 0 included), chunks rejected for touching what an earlier chunk wrote, and
	 * the transactions kept from it (of stm_txs: an optimistic segment's transactions kept by
	 * the pass or by the engine) */
	uint64_t split_chunks, split_accepted, split_conflicts, split_txs;
	struct {
		svm_id_t id;
		uint64_t conflicts; /* dependency edges, failed validations and waits on the key */
	} hot[SVM_EXEC_HOT_KEYS];
	unsigned hot_len;
	uint64_t tx_p50_ns, tx_p99_ns; /* per-transaction execution time, all incarnations */
	uint64_t exec_ns;
	uint64_t decode_ns; /* svm_exec_block_signed: decoding before execution (the signature
			       checks are inside exec_ns) */
	/* Where the parallel path's wall-clock time went (ns; zero for a phase that did not run,
	 * all zero when the reference ran the block): SVM_EXEC_PH_*. */
	uint64_t phase_ns[SVM_EXEC_PHASES];
} svm_exec_metrics_t;

/* Executes the block on up to `threads` threads (0 = cores); threads = 1 is the reference, and
 * so is a block whose estimated work is under SVM_EXEC_PAR_WORK_MIN_US (metrics->small; the
 * environment variable SVM_EXEC_WORK_MIN_US=N sets another threshold, 0 turns it off) or whose
 * first transactions form one dependency chain (metrics->chain; SVM_EXEC_SHORTCUT=0 turns
 * off both choices, for tests of the engines).
 * Same contract and results, byte for byte, as svm_exec_sequential for every thread count.
 * base->get is called with worker indexes below threads, concurrently. metrics may be NULL.
 * Thread-safe: any number of threads may call it at once; the arena is used from the calling
 * thread's calls only under an internal lock. Process-wide state it uses: per-thread buffers
 * kept between blocks (freed at thread exit), svm_par_run's shared helper threads (base.h),
 * and the SVM_EXEC_SHORTCUT and SVM_EXEC_WORK_MIN_US variables. */
int svm_exec_block(const svm_block_env_t *env, const svm_exec_tx_t *txs, size_t n,
		   svm_exec_mode_t mode, const svm_exec_base_t *base, unsigned threads,
		   svm_arena_t *arena, svm_exec_result_t *out, size_t *bad_index,
		   svm_exec_metrics_t *metrics);

/* svm_exec_prepare and svm_exec_block in one call, with the signature checks running beside
 * execution instead of before it: transactions are decoded and checked for the chain id into
 * prepared[n] (from arena), and the executor's workers check signatures in block order as
 * the lowest-priority work, a run of strict transactions starting to execute as soon as its
 * first signatures are checked. Blocks the declared-access engine does not run alone (the
 * reference's, dynamic transactions) have their signatures checked first, on `threads`
 * threads. Results, statuses and prepared[] are exactly those of svm_exec_prepare followed by
 * svm_exec_block; sig_verified is svm_exec_prepare's. prepared (n entries, the caller's) and
 * out point into arena. Returns what svm_exec_block returns (and SVM_ENOMEM from decoding);
 * metrics->decode_ns says how long decoding took. */
int svm_exec_block_signed(const svm_block_env_t *env, const uint8_t *const *txs,
			  const size_t *lens, size_t n, const bool *sig_verified,
			  svm_exec_mode_t mode, const svm_exec_base_t *base, unsigned threads,
			  svm_arena_t *arena, svm_exec_tx_t *prepared, svm_exec_result_t *out,
			  size_t *bad_index, svm_exec_metrics_t *metrics);

/* Runs fn with a system context (no access checks, no step limit, sender zero) over base, and
 * returns its writes like a block would (out->writes; no receipts). Used for genesis. A failure
 * of fn is returned as is and out is then unspecified. */
typedef int (*svm_exec_system_fn)(svm_txctx_t *c, void *ud);
int svm_exec_system(const svm_block_env_t *env, const svm_exec_base_t *base, svm_exec_system_fn fn,
		    void *ud, svm_arena_t *arena, svm_exec_result_t *out);

/* fee = a + b·tx_bytes + c·steps + d·mem_bytes. SVM_EOVERFLOW if it exceeds a u64. */
int svm_exec_fee(const svm_fee_params_t *p, uint64_t tx_bytes, uint64_t steps, uint64_t mem_bytes,
		 uint64_t *fee);

#endif

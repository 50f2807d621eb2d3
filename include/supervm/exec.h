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

/* The fee schedule: fee = a + b·tx_bytes + c·steps + d·mem_bytes, in SWR base units. */
typedef struct {
	uint64_t a, b, c, d;
} svm_fee_params_t;

/* Steps a transaction may use when the per-step price c is 0 (otherwise its fee limit bounds
 * them: (fee_limit − a − b·tx_bytes) / c, capped by this too). */
#define SVM_TX_STEPS_MAX 100000000ull

/* What the block gives every transaction. */
typedef struct {
	uint64_t chain_id;
	uint64_t height;
	uint64_t timestamp_ms;
	svm_id_t proposer;
	svm_fee_params_t fees;
	svm_id_t fee_token; /* SWR */
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
 * verifying signatures on up to `threads` threads. Never fails for a bad transaction (its
 * precheck says why); returns SVM_ENOMEM only. */
int svm_exec_prepare(uint64_t chain_id, const uint8_t *const *txs, const size_t *lens, size_t n,
		     unsigned threads, svm_arena_t *arena, svm_exec_tx_t *out);

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
	uint64_t tips;         /* tips paid to the proposer */
} svm_exec_result_t;

/* The sequential reference executor. Returns 0, or (APPLY mode) the reason of the first
 * transaction that cannot be included (its index in *bad_index if not NULL), or SVM_ENOMEM /
 * SVM_EIO from the base. */
int svm_exec_sequential(const svm_block_env_t *env, const svm_exec_tx_t *txs, size_t n,
			svm_exec_mode_t mode, const svm_exec_base_t *base, svm_arena_t *arena,
			svm_exec_result_t *out, size_t *bad_index);

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

/* What the exec layer's engines share: one function that runs one transaction (inclusion checks,
 * fee stage, program, fee, rollback, settlement) against any view, and the block-end settlement.
 * The sequential reference and the parallel engines all call these, so a difference between
 * them can only come from what their views return — never from a second copy of the rules. */
#ifndef SUPERVM_EXEC_INTERNAL_H
#define SUPERVM_EXEC_INTERNAL_H

#include "supervm/exec.h"

/* A transaction's view of state: the host view (get/put, optional credit) plus a journal
 * position and a rollback to it (a failed program's writes are undone, the fee stage's stay),
 * and a sticky allocation failure the view could not return through get/put. */
typedef struct exec_view exec_view_t;
struct exec_view {
	svm_view_t view; /* first: host calls see &view */
	size_t (*mark)(exec_view_t *v);
	void (*rollback)(exec_view_t *v, size_t mark);
	int (*error)(exec_view_t *v);
};

/* The outcome of one transaction. why != 0: it cannot be included (nothing was written);
 * otherwise receipt, fee and tip are filled (events and return data from the given arena). */
typedef struct {
	int why;
	svm_receipt_t receipt;
	uint64_t fee, tip;
} exec_outcome_t;

/* Runs t on v at the block env. implicit, if not NULL, holds the sender's account id and
 * fee-token balance id already computed by the caller (else they are hashed here). Returns 0
 * (the outcome says what happened) or a block-level error (SVM_ENOMEM / SVM_EIO) that aborts
 * the whole block. */
int svm_exec_tx_run_(const svm_block_env_t *env, exec_view_t *v, svm_arena_t *arena,
		     const svm_exec_tx_t *t, const svm_id_t implicit[2], exec_outcome_t *out);

/* Block end on v: the burned fees leave the fee token's supply (but the treasury's share), the
 * tips go to the proposer (to the tips pool with env->staking_epochs), and the congestion table for the next block is written from the
 * included transactions (txs[index[k]], k < included). The events it emits are copied into
 * out->settle_events (from out_arena). */
int svm_exec_settle_(const svm_block_env_t *env, exec_view_t *v, svm_arena_t *arena,
		     const svm_exec_tx_t *txs, const size_t *index, size_t included,
		     uint64_t burned, uint64_t tips, svm_arena_t *out_arena, svm_exec_result_t *out);

/* Once per process: the heap keeps the memory a block freed for the next (cache.c). */
void exec_heap_keep(void);

#endif

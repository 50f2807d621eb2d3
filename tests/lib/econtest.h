/* Test helpers for the economy's programs: an in-memory world (execgen's) with user tokens,
 * native transactions built decoded, blocks run on the reference and on AOEM and compared byte
 * for byte, and readers of balances, supplies and pools from the world's state. */
#ifndef SUPERVM_TESTS_ECONTEST_H
#define SUPERVM_TESTS_ECONTEST_H

#include "lib/execgen.h"
#include "supervm/econ.h"

#define ET_TOKENS 4 /* AIC, T1, T2, T3 */

typedef struct {
	eg_world_t w;
	svm_id_t tok[ET_TOKENS];
	svm_arena_t a;        /* the last block's results */
	svm_exec_result_t res;
	unsigned threads;
	uint64_t amount; /* each user's starting amount of each token */
	uint64_t par_txs; /* transactions AOEM's parallel engines executed (not its reference) */
	svm_exec_metrics_t last; /* AOEM's metrics of the last et_block */
} et_world_t;

/* A world of `users` accounts, each holding 10^12 SWR and `amount` of each token in tok[]. */
int et_init(et_world_t *e, uint64_t seed, size_t users, uint64_t amount);
void et_free(et_world_t *e);

/* Appends transaction t of the next block: a native payload from user u, strict (declared from
 * svm_native_access) or dynamic. */
int et_tx(et_world_t *e, svm_exec_tx_t *t, size_t u, const svm_buf_t *payload, bool strict);
/* Runs txs[n] as the next block in BUILD mode on the reference and on AOEM (e->threads), 0 when
 * identical (else 1, why filled), and applies the reference's writes; e->res holds it. */
int et_block(et_world_t *e, svm_exec_tx_t *txs, size_t n, char *why, size_t why_len);

uint64_t et_balance(et_world_t *e, const svm_id_t *token, const svm_id_t *owner);
uint64_t et_supply(et_world_t *e, const svm_id_t *token); /* 0 if no such token */
/* Any object of the world's state (false when absent). */
bool et_object(et_world_t *e, const svm_id_t *id, svm_object_t *o);
/* Runs fn in a system context over the world's state and applies its writes. */
int et_system(et_world_t *e, svm_exec_system_fn fn, void *ud);
/* Writes the parameter object into the world's state. */
int et_set_params(et_world_t *e, const svm_params_t *p);
/* The pool's object, false when it does not exist. */
bool et_pool(et_world_t *e, const svm_id_t *pool, svm_amm_pool_t *p);

#endif

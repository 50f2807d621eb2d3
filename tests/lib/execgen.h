/* Random blocks for the executor's differential tests, fuzz target and stress test: an
 * in-memory base state (genesis balances of SWR, AIC and created tokens), and blocks of native
 * transactions drawn from a seeded generator or from fuzz bytes — strict and dynamic
 * declarations, undeclared accesses, failing transfers, nonce and fee problems, hot keys,
 * token creation and burns. Transactions are built decoded (no signatures): the executors'
 * input is the prepared form, so the suite spends its time executing. */
#ifndef SUPERVM_TESTS_EXECGEN_H
#define SUPERVM_TESTS_EXECGEN_H

#include "supervm/exec.h"

/* Randomness: fuzz bytes while they last (then zeros), else splitmix64 from a seed. */
typedef struct {
	const uint8_t *data;
	size_t len, pos;
	uint64_t s;
} eg_rng_t;

uint64_t eg_next(eg_rng_t *r);
uint64_t eg_below(eg_rng_t *r, uint64_t n); /* uniform-ish in [0, n), n > 0 */

/* Workloads: who sends to whom. */
enum {
	EG_UNIFORM = 0,
	EG_ZIPF,       /* a few accounts take most of the traffic */
	EG_ALL_TO_ONE, /* every transfer goes to account 0 */
	EG_SHARED,     /* every transaction burns AIC: one token object written by all */
	EG_MIXED,      /* everything, including garbage */
	EG_WORKLOADS
};

typedef struct {
	size_t accounts;  /* 2 .. */
	int workload;
	unsigned strict_pct; /* share of strict declarations */
	unsigned bad_pct;    /* share of transactions with a problem (nonce, fee, undeclared, …) */
	bool signed_txs;     /* also sign and encode every transaction (bytes[], lens[]) */
	bool transfers_only; /* no token creation or burns (no hot token objects) */
} eg_config_t;

typedef struct {
	svm_map_t map; /* base: id -> eg_blob_t* */
	svm_arena_t arena;
	svm_block_env_t env;
	eg_config_t cfg;
	svm_id_t *owners;
	uint64_t *nonce; /* the next nonce the generator assumes per account */
	svm_id_t tokens[8];
	size_t n_tokens;
	svm_exec_tx_t *txs;
	size_t n;
	/* signed_txs: the owners' keys, and the block's signed encodings — some with a bad
	 * signature, the wrong chain id or cut short (precheck then says so) */
	svm_keypair_t *keys;
	const uint8_t **bytes;
	size_t *lens;
} eg_world_t;

/* Genesis at height 0 (balances of SWR and AIC for every account, some accounts poor). */
int eg_world_init(eg_world_t *w, eg_rng_t *r, const eg_config_t *cfg);
void eg_world_free(eg_world_t *w);
/* The base reader over the world's map (safe from any number of threads: read-only). */
svm_exec_base_t eg_base(eg_world_t *w);
/* A block of n transactions at height w->env.height + 1 (the env is advanced). */
int eg_block(eg_world_t *w, eg_rng_t *r, size_t n);
/* A native ledger transfer's token and recipient (false if the payload is not one). */
bool eg_transfer_of(const svm_tx_t *tx, svm_id_t *token, svm_id_t *to);
/* Applies a write set to the base (after a block). */
int eg_apply(eg_world_t *w, const svm_exec_result_t *res);

/* Runs the block on the reference and on svm_exec_block with `threads`, and compares receipts,
 * statuses, indexes, write sets, totals and errors byte for byte. Returns 0 when identical,
 * else 1 with a description in why. The reference result is left in *ref (arena a). */
int eg_check(eg_world_t *w, svm_exec_mode_t mode, unsigned threads, svm_arena_t *a,
	     svm_exec_result_t *ref, char *why, size_t why_len, svm_exec_metrics_t *m);

/* The shape of most differential tests: a fresh world from cfg, one block of n transactions
 * drawn from seed, and eg_check (SVM_EXEC_BUILD) on `threads`. */
typedef struct {
	eg_world_t w;
	svm_arena_t a;         /* holds ref */
	svm_exec_result_t ref; /* the reference's result */
	svm_exec_metrics_t m;  /* svm_exec_block's metrics */
	char why[256];         /* what failed, when eg_run returns 1 */
} eg_run_t;

/* 0 when the world and the block were made and the engines matched the reference; else 1 with
 * why naming the step (world, block) or eg_check's difference. run stays valid (w, ref, m) until
 * eg_run_free, which is also safe after a failure. */
int eg_run(eg_run_t *run, const eg_config_t *cfg, uint64_t seed, size_t n, unsigned threads);
void eg_run_free(eg_run_t *run);

/* Compares two results (receipts, statuses, write sets, totals) byte for byte: 0 when identical,
 * else 1 with a description in why. */
int eg_compare(const svm_exec_result_t *a, const svm_exec_result_t *b, char *why, size_t len);

/* signed_txs: runs svm_exec_prepare + the reference on the block's encodings and
 * svm_exec_block_signed with `threads`, and compares them as eg_check does, prechecks and ids
 * of the prepared transactions included. The reference result is left in *ref (arena a). */
int eg_check_signed(eg_world_t *w, svm_exec_mode_t mode, unsigned threads, svm_arena_t *a,
		    svm_exec_result_t *ref, char *why, size_t why_len, svm_exec_metrics_t *m);

/* The contract tests' blocks (test_xvm, test_groth16_wasm): the n signed transactions
 * txs[i] (lens[i]) as block w->env.height + 1 (the env is advanced), prepared and run on the
 * reference into *ref (arena a), then run by svm_exec_block_signed at 1 and at 2 threads, each
 * compared with eg_compare. 0 when every run succeeded and matched the reference; else 1 with
 * why naming the step. The writes are not applied (eg_apply does). */
int eg_signed_block_1_2(eg_world_t *w, uint64_t chain_id, const uint8_t *const *txs,
			const size_t *lens, size_t n, svm_arena_t *a, svm_exec_result_t *ref,
			char *why, size_t why_len);

#endif

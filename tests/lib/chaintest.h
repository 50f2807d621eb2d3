/* Test helpers for chain-level tests: deterministic keys, signed native transfers, genesis. */
#ifndef SUPERVM_TESTS_CHAINTEST_H
#define SUPERVM_TESTS_CHAINTEST_H

#include "supervm/chain.h"
#include "supervm/rpc.h"

/* Deterministic key i (seed = SHA-256("test-key" ‖ u64be(i))). */
void ct_key(uint64_t i, svm_keypair_t *kp);

typedef struct {
	uint64_t chain_id;
	uint64_t nonce;
	uint64_t expiry;     /* 0 = far future */
	uint64_t fee_limit;
	uint64_t tip;
	bool strict;         /* declare the transfer's objects (strict) or leave dynamic */
	bool undeclared;     /* strict but omit the recipient's balance from writes */
} ct_txopt_t;

/* Appends a signed native transfer of amount of token from kp to `to`; *id gets its id. */
int ct_transfer(svm_buf_t *out, const svm_keypair_t *kp, const svm_id_t *token,
		const svm_id_t *to, uint64_t amount, const ct_txopt_t *opt, svm_hash_t *id);

/* Appends a signed transaction of vm tag `vm` with payload (dynamic access unless opt->strict,
 * in which case writes[nw] is the declaration). */
int ct_tx(svm_buf_t *out, const svm_keypair_t *kp, uint8_t vm, const uint8_t *payload,
	  size_t payload_len, const svm_id_t *writes, size_t nw, const ct_txopt_t *opt,
	  svm_hash_t *id);

/* A genesis with chain id 7, fees {a,b,c,d}, and `accounts` keys funded with swr SWR and aic AIC
 * each. Caller frees with svm_genesis_free. */
int ct_genesis(svm_genesis_t *g, size_t accounts, uint64_t swr, uint64_t aic,
	       const svm_fee_params_t *fees);

/* The seed of a property test: $SVM_TEST_SEED if set (to replay a failure), else time ^ pid.
 * Tests print it in every assertion message. */
unsigned ct_seed(void);

/* A fresh temporary directory path (mkdtemp under /tmp) in out[64]. */
void ct_tmpdir(char out[64]);
void ct_rmdir(const char *dir);

/* For the end-to-end drivers: polls svm_getTransactionReceipt of the transaction hash_hex (64
 * hex digits) on c every 20 ms until the node holds its receipt, and returns it (a new
 * reference), or NULL after timeout_ms (a failed call counts as no receipt yet). */
json_t *ct_wait_receipt(svm_rpc_client_t *c, const char *hash_hex, unsigned timeout_ms);

#endif

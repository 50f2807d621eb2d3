/* Test helpers for chain-level tests: deterministic keys, signed native transfers, genesis. */
#ifndef SUPERVM_TESTS_CHAINTEST_H
#define SUPERVM_TESTS_CHAINTEST_H

#include <sys/types.h>

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

/* The end-to-end drivers' process plumbing (e2e_node, e2e_cli): */
void ct_sleep_ms(unsigned ms);
/* A loopback TCP port that was free a moment ago (bound to port 0, then closed); 0 if none. */
uint16_t ct_free_port(void);
/* n (at most 8) distinct loopback TCP ports that were free a moment ago: all n are bound to port
 * 0 at once, then closed. Ports asked for one at a time can repeat: the kernel may hand a port
 * just closed out again (8 in 100,000 consecutive pairs here), and a node given the same port
 * twice fails to start. 0 on success, else -1 (out unset). */
int ct_free_ports(uint16_t *out, size_t n);
/* A JSON-RPC call on c: its result (a new reference) or NULL; *code (unless NULL) gets 0, the
 * server's error code, or -1 when the call failed without one. */
json_t *ct_rpc(svm_rpc_client_t *c, const char *method, json_t *params, int *code);
/* Polls svm_status on c every 50 ms: 0 once the node answers; 1 when the process pid exited
 * first or timeout_ms passed. */
int ct_wait_up(svm_rpc_client_t *c, pid_t pid, unsigned timeout_ms);
/* Sends SIGTERM to pid and reaps it within timeout_ms: its exit code, 128 + the signal that
 * ended it, or 99 when it did not exit in time (it is then killed with SIGKILL and reaped). */
int ct_stop(pid_t pid, unsigned timeout_ms);

#endif

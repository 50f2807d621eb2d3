/* The node's state shared by its files: node.c (lifecycle, producer), api.c (RPC methods),
 * config.c (configuration and devnet set-up). Not a public header. */
#ifndef SUPERVM_NODE_INTERNAL_H
#define SUPERVM_NODE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "supervm/consensus.h"
#include "supervm/mempool.h"
#include "supervm/net.h"
#include "supervm/node.h"
#include "supervm/rpc.h"
#include "supervm/vm.h"

#define NODE_RATE_BLOCKS 64   /* recent blocks kept for the tx/s figure */
#define NODE_RATE_WINDOW_NS (10ull * 1000000000ull)

/* The devnet faucet over RPC (faucet.c; docs/ecosystem.md). */
#define NODE_FAUCET_AMOUNT_MAX 1000000000000ull /* per request: 1,000 SWR or AIC */
#define NODE_FAUCET_AMOUNT_DEFAULT 1000000000ull /* 1 SWR or AIC */
#define NODE_FAUCET_WINDOW_NS (60ull * 1000000000ull)
#define NODE_FAUCET_PER_RECIPIENT_MAX 5 /* requests per recipient per window */
#define NODE_FAUCET_PER_CLIENT_MAX 20   /* requests per client address per window */
#define NODE_FAUCET_TABLE_MAX 1024      /* recipients (and clients) tracked at once */
#define NODE_FAUCET_FEE_LIMIT 100000
#define NODE_FAUCET_EXPIRY_BLOCKS 1000
typedef struct node_faucet node_faucet_t;
typedef struct node_subs node_subs_t;

typedef struct {
	uint64_t t_ns; /* monotonic time of the commit */
	uint32_t txs;
} node_rate_t;

struct svm_node {
	svm_node_config_t cfg;
	svm_chain_t *chain;
	svm_mempool_t *mempool;
	svm_rpc_server_t *rpc;
	int lock_fd; /* flock on data_dir/node.lock: one node per data directory */
	svm_id_t proposer;
	svm_id_t faucet; /* zero unless devnet with a faucet key */
	node_faucet_t *faucet_svc; /* svm_requestFaucet; NULL unless devnet with the faucet key */
	node_subs_t *subs;         /* WebSocket subscriptions (subs.c); NULL when off */
	uint64_t chain_id;
	svm_fee_params_t fees;
	svm_id_t swr, aic;
	_Atomic uint64_t head_height; /* last committed height (what admission checks against) */
	uint64_t last_ts_ms;          /* producer only: the head block's timestamp */

	struct node_vc *vc; /* the consensus side (validator.c) */
	pthread_mutex_t mu; /* guards stop, rate, and the consensus side's shared fields */
	pthread_cond_t cv;
	bool stop;
	node_rate_t rate[NODE_RATE_BLOCKS];
	size_t rate_next;
	uint64_t blocks_produced;
	uint64_t txs_committed;
	uint64_t build_ns_last;
	node_metrics_t metrics; /* guarded by mu; GET /metrics (metrics.c) */
};

/* The RPC method table over n (api.c). Returns the count written into methods[max]. */
size_t svm_node_api_methods(svm_node_t *n, svm_rpc_method_t *methods, size_t max);
/* The AI market's methods (ai_api.c), appended by svm_node_api_methods. */
size_t svm_node_ai_methods(svm_node_t *n, svm_rpc_method_t *methods, size_t max);

/* The economy's query methods (econ_api.c), appended to the table. */
size_t svm_node_econ_methods(svm_node_t *n, svm_rpc_method_t *methods, size_t max);
/* The congestion multiplier (bps) the next block would price signed transaction tx with. */
uint64_t node_tx_congestion(svm_node_t *n, const uint8_t *tx, size_t len);
/* The slot the node paces blocks by: its configured block_ms, or — block_ms 0 — the governed
 * slot_ms at the head (a passed proposal changes it from the next proposal on). */
uint64_t node_slot_ms(svm_node_t *n);
/* The consensus base round timeout: the configured round_timeout_ms, or — 0, the default —
 * 3 × node_slot_ms + 1 s, so it follows a governed slot_ms (the consensus thread passes it to
 * the core after each new head, svm_cons_set_round_timeout). */
uint64_t node_round_timeout_ms(svm_node_t *n);
/* Disputes and attestation collateral (verify_api.c). */
size_t svm_node_verify_methods(svm_node_t *n, svm_rpc_method_t *methods, size_t max);

/* The Ethereum JSON-RPC methods (eth_api.c), appended to the table. */
size_t svm_node_eth_methods(svm_node_t *n, svm_rpc_method_t *methods, size_t max);

/* The explorer's lists (explore_api.c): svm_getBalances, svm_listActivity. */
size_t svm_node_explore_methods(svm_node_t *n, svm_rpc_method_t *methods, size_t max);

/* Token metadata and the SWR/AIC supply (tokens.c): svm_getToken, appended to the table;
 * node_token_info reads a token object at the head (SVM_ENOTFOUND for an unknown token);
 * node_token_supply fills [SWR, AIC] (0 for one that cannot be read). */
size_t svm_node_token_methods(svm_node_t *n, svm_rpc_method_t *methods, size_t max);
int node_token_info(svm_node_t *n, const svm_id_t *token, svm_token_info_t *out);
void node_token_supply(svm_node_t *n, uint64_t supply[NODE_SUPPLY_TOKENS]);

/* Recent committed transactions per second (over the last ~10 s of blocks). */
double svm_node_tx_rate(svm_node_t *n);

/* The sender's next nonce at the head (*next, 0 for an unknown account) and counting its
 * mempool transactions (*pending), read consistently with a block committing meanwhile: the
 * producer commits the block before it drops the block's transactions from the pool, so the
 * head is read again after the pool and the pool asked again when the head moved. */
int node_pending_nonce(svm_node_t *n, const svm_id_t *sender, uint64_t *next, uint64_t *pending);

/* The RPC faucet (faucet.c): open after the chain and mempool (a no-op unless devnet with a
 * faucet key), free before them; the method; grants and refusals so far. */
int node_faucet_open(svm_node_t *n, svm_error_t *err);
void node_faucet_free(svm_node_t *n);
json_t *node_faucet_rpc(void *ctx, json_t *params, svm_rpc_error_t *e);
void node_faucet_counts(svm_node_t *n, uint64_t *granted, uint64_t *refused);

/* WebSocket subscriptions (subs.c): start after the RPC server (a no-op unless cfg.ws_enabled),
 * stop before it. The producer announces each committed height; admission each new pending
 * transaction. Both are cheap and never wait for a client. */
int node_subs_start(svm_node_t *n, svm_error_t *err);
void node_subs_stop(svm_node_t *n);
void node_subs_block(svm_node_t *n, uint64_t height);
void node_subs_pending(svm_node_t *n, const svm_hash_t *id);
uint16_t node_subs_port(const svm_node_t *n);
void node_subs_counts(const svm_node_t *n, uint64_t *connections, uint64_t *dropped);

/* Double-sign evidence reported to the staking program by the node itself (report.c): a bounded
 * queue, one entry per offence, walked after each committed block by the consensus thread.
 * node_report_add queues the staking form of a new piece of evidence (designated: this node is
 * the offence's designated reporter, node_report_designated, and submits at once; otherwise it
 * waits NODE_REPORT_FALLBACK_BLOCKS); SVM_ENOTFOUND when the key is no registered validator's,
 * SVM_ELIMIT when the queue is full. node_report_step drops what the chain punished and submits
 * what is due with key. Both are thread-safe. */
#define NODE_REPORT_MAX 64
#define NODE_REPORT_TRIES 3
#define NODE_REPORT_RETRY_BLOCKS 16
#define NODE_REPORT_FALLBACK_BLOCKS 8
#define NODE_REPORT_FEE_LIMIT 10000000ull /* 0.01 SWR: two signature checks and the slash */
#define NODE_REPORT_EXPIRY_BLOCKS 64
typedef struct node_report node_report_t;
int node_report_open(node_report_t **out);
void node_report_free(node_report_t *r);
uint64_t node_report_designated(const svm_id_t *record, uint32_t n_validators);
int node_report_add(svm_node_t *n, node_report_t *r, const svm_evidence_t *ev, bool designated);
void node_report_step(svm_node_t *n, node_report_t *r, const svm_keypair_t *key);
json_t *node_report_json(node_report_t *r);

/* JSON helpers shared by the RPC method files (api.c, ai_api.c, econ_api.c). */

/* v as a JSON integer, or as a decimal string above INT64_MAX (JSON readers lose precision). */
static inline json_t *ju64(uint64_t v)
{
	if (v <= (uint64_t)INT64_MAX) return json_integer((json_int_t)v);
	char s[24];
	snprintf(s, sizeof s, "%llu", (unsigned long long)v);
	return json_string(s);
}

/* h as 64 lowercase hex digits. */
static inline json_t *jhash(const svm_hash_t *h)
{
	char s[65];
	return json_string(svm_hash_hex(h, s));
}

/* p[0..n) as "0x"-prefixed hex; NULL when out of memory. */
static inline json_t *jhex(const uint8_t *p, size_t n)
{
	char *s = svm_malloc(2 * n + 3);
	if (s == NULL) return NULL;
	s[0] = '0';
	s[1] = 'x';
	svm_hex_encode(s + 2, p, n);
	json_t *j = json_string(s);
	svm_free(s);
	return j;
}

/* Parameter i (or name) as a 32-byte hash/id in hex; false with e filled when missing or
 * malformed. */
static inline bool phash(json_t *params, size_t i, const char *name, svm_hash_t *out,
			 svm_rpc_error_t *e)
{
	json_t *v = svm_rpc_param(params, i, name);
	if (!json_is_string(v) || svm_hash_from_hex(out, json_string_value(v)) != 0) {
		svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param %zu (%s) must be 64 hex digits", i, name);
		return false;
	}
	return true;
}

/* Copies a method file's table t[count] into m[max]; returns the count copied (at most max). */
static inline size_t node_methods_put(svm_rpc_method_t *m, size_t max, const svm_rpc_method_t *t, size_t count)
{
	size_t k = count < max ? count : max;
	memcpy(m, t, k * sizeof *m);
	SVM_ASSERT(k <= max && k <= count);
	return k;
}

/* validator.c: the consensus thread, the transport, block sync. start after the chain, the
 * mempool and the RPC server; stop after setting stop and waking cv. */
int node_vc_start(svm_node_t *n, svm_error_t *err);
void node_vc_stop(svm_node_t *n);
uint16_t node_vc_p2p_port(svm_node_t *n);
/* Queues an admitted transaction for gossip to every peer (batched; any thread). */
void node_vc_gossip(svm_node_t *n, const uint8_t *tx, size_t len);
void node_vc_flush_gossip(svm_node_t *n);
/* JSON for RPC: consensus status (round, highest QC, committed height, leader, peers),
 * evidence held (hex encodings), the validator set. */
json_t *node_vc_status_json(svm_node_t *n);
/* For GET /metrics: the consensus status as of the core's last step, the consensus thread's
 * wake-ups over SLOW_STEP_MS since start, and the transport (NULL on a node without peers; safe
 * to query from any thread while the node runs). false when consensus is not running. */
bool node_vc_metrics_view(svm_node_t *n, svm_cons_status_t *st, uint64_t *slow_steps, svm_net_t **net);
json_t *node_vc_evidence_json(svm_node_t *n);
json_t *node_vc_validators_json(svm_node_t *n, uint64_t epoch);
/* The header (and hash, if id is not NULL) of an encoded block; byte fields point into block. */
int node_block_header(const uint8_t *block, size_t len, svm_header_t *h, svm_hash_t *id);
/* The QC certifying committed block height: the one stored with it, else the parent QC in
 * the next block's header. SVM_ENOTFOUND when neither exists yet. */
int node_vc_block_qc(svm_node_t *n, uint64_t height, svm_buf_t *out);
/* Cuts the node off from every peer for ms (partition tests; devnet/testnet only). */
int node_vc_isolate(svm_node_t *n, uint64_t ms);

#endif

/* The node's lifecycle. One consensus thread (validator.c) owns the chain's writer side: it
 * runs the consensus core, builds and executes blocks and commits what the core commits — one
 * block per block_ms slot, empty when there is nothing to include. Queries and admission run
 * on the RPC threads concurrently. docs/node.md says why. */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "supervm/vm.h"

static int account_state(void *ctx, const svm_id_t *sender, uint64_t *nonce, uint64_t *balance)
{
	svm_node_t *n = ctx;
	int rc = svm_chain_nonce(n->chain, sender, nonce);
	if (rc == SVM_ENOTFOUND) {
		*nonce = 0;
		rc = 0;
	}
	if (rc == 0) rc = svm_chain_balance(n->chain, &n->swr, sender, balance);
	if (rc == SVM_ENOTFOUND) {
		*balance = 0;
		rc = 0;
	}
	return rc;
}

/* The governed fee schedule at the head, read at each admission (never a copy taken at start:
 * a passed fee proposal governs the next block, and admission must follow it). */
static int head_fees(void *ctx, svm_fee_params_t *fees)
{
	svm_node_t *n = ctx;
	svm_params_t p;
	int rc = svm_chain_params(n->chain, &p);
	if (rc == 0) *fees = (svm_fee_params_t){p.fee_a, p.fee_b, p.fee_c, p.fee_d};
	return rc;
}

double svm_node_tx_rate(svm_node_t *n)
{
	uint64_t now = svm_clock_ns(), txs = 0, oldest = now;
	pthread_mutex_lock(&n->mu);
	for (size_t i = 0; i < NODE_RATE_BLOCKS; i++) {
		const node_rate_t *r = &n->rate[i];
		if (r->t_ns == 0 || now - r->t_ns > NODE_RATE_WINDOW_NS) continue;
		txs += r->txs;
		if (r->t_ns < oldest) oldest = r->t_ns;
	}
	pthread_mutex_unlock(&n->mu);
	SVM_ASSERT(oldest <= now); /* every counted block is inside the window, in the past */
	/* Over the window (or since the first block in it, plus one slot). */
	double span_s = (double)(now - oldest) / 1e9 + (double)node_slot_ms(n) / 1000.0;
	return txs == 0 ? 0.0 : (double)txs / span_s;
}

enum { NODE_NONCE_TRIES = 8 }; /* commits racing one read; past it the last read stands */

int node_pending_nonce(svm_node_t *n, const svm_id_t *sender, uint64_t *next, uint64_t *pending)
{
	uint64_t head = 0;
	int rc = svm_chain_nonce(n->chain, sender, &head);
	if (rc == SVM_ENOTFOUND) head = 0, rc = 0;
	for (int i = 0; rc == 0 && i < NODE_NONCE_TRIES; i++) {
		*pending = svm_mempool_pending_nonce(n->mempool, sender, head);
		uint64_t again = 0;
		rc = svm_chain_nonce(n->chain, sender, &again);
		if (rc == SVM_ENOTFOUND) again = 0, rc = 0;
		if (rc != 0 || again == head) break;
		SVM_ASSERT(again > head); /* nonces only grow */
		head = again;
	}
	if (rc == 0 && *pending < head) *pending = head;
	SVM_ASSERT(rc != 0 || *pending >= head); /* a pending nonce is never below the chain's */
	*next = head;
	return rc;
}

static int load_keys(svm_node_t *n, svm_error_t *err)
{
	svm_keypair_t kp;
	int rc = svm_keyfile_read(n->cfg.validator_key, &kp, err);
	if (rc != 0) return rc;
	n->proposer = kp.id;
	svm_keypair_wipe(&kp);
	if (n->cfg.faucet_key[0] != 0 && access(n->cfg.faucet_key, R_OK) == 0) {
		if ((rc = svm_keyfile_read(n->cfg.faucet_key, &kp, err)) != 0) return rc;
		n->faucet = kp.id;
		svm_keypair_wipe(&kp);
	}
	return 0;
}

/* Two nodes on one data directory would both write blocks at the same height: refuse. */
static int lock_data_dir(svm_node_t *n, svm_error_t *err)
{
	char path[SVM_NODE_PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/node.lock", n->cfg.data_dir);
	n->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (n->lock_fd < 0) return svm_error_set(err, SVM_EIO, "open %s: %s", path, strerror(errno));
	if (flock(n->lock_fd, LOCK_EX | LOCK_NB) != 0)
		return svm_error_set(err, SVM_EBUSY, "%s is in use by another running node", n->cfg.data_dir);
	return 0;
}

static int open_chain(svm_node_t *n, svm_error_t *err)
{
	char dir[SVM_NODE_PATH_MAX + 8];
	snprintf(dir, sizeof dir, "%s/chain", n->cfg.data_dir);
	if (mkdir(n->cfg.data_dir, 0755) != 0 && errno != EEXIST)
		return svm_error_set(err, SVM_EIO, "mkdir %s: %s", n->cfg.data_dir, strerror(errno));
	int rc = lock_data_dir(n, err);
	if (rc != 0) return rc;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return svm_error_set(err, SVM_EIO, "mkdir %s: %s", dir, strerror(errno));
	svm_genesis_t g = {0};
	bool have_g = n->cfg.genesis_path[0] != 0 && access(n->cfg.genesis_path, R_OK) == 0;
	rc = have_g ? svm_genesis_load(&g, n->cfg.genesis_path, err) : 0;
	/* lazy commits: the consensus thread's safety record, stored synchronously before every vote,
	 * makes each committed block durable (docs/consensus.md, "Stalls") */
	svm_chain_config_t ccfg = {.exec_threads = n->cfg.exec_threads, .fixed_set = n->cfg.fixed_validators,
				   .lazy_commits = true};
	if (rc == 0) rc = svm_chain_open(&n->chain, dir, have_g ? &g : NULL, &ccfg, err);
	svm_genesis_free(&g);
	if (rc != 0) return rc;
	n->chain_id = svm_chain_id(n->chain);
	n->fees = *svm_chain_fees(n->chain);
	atomic_store(&n->head_height, svm_chain_height(n->chain));
	return 0;
}

int svm_node_start(svm_node_t **out, const svm_node_config_t *cfg, svm_error_t *err)
{
	*out = NULL;
	svm_node_t *n = svm_calloc(1, sizeof *n);
	if (n == NULL) return svm_error_set(err, SVM_ENOMEM, "out of memory");
	n->cfg = *cfg;
	n->lock_fd = -1;
	pthread_mutex_init(&n->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->cv, &ca);
	pthread_condattr_destroy(&ca);
	svm_token_id("SWR", &n->swr);
	svm_token_id("AIC", &n->aic);
	int rc = svm_crypto_init();
	if (rc != 0) svm_error_set(err, rc, "libsodium failed to initialise");
	if (rc == 0) rc = load_keys(n, err);
	if (rc == 0) rc = open_chain(n, err);
	if (rc == 0) {
		svm_mempool_config_t mcfg = {.chain_id = n->chain_id, .fees = n->fees,
					     .bytes_max = cfg->mempool_bytes_max,
					     .count_max = cfg->mempool_count_max,
					     .per_sender_max = cfg->mempool_per_sender_max,
					     .account = account_state, .account_ctx = n,
					     .fees_fn = head_fees, .fees_ctx = n};
		rc = svm_mempool_new(&n->mempool, &mcfg);
		if (rc != 0) svm_error_set(err, rc, "mempool: %s", svm_strerror(rc));
	}
	if (rc == 0) rc = node_faucet_open(n, err);
	if (rc == 0) {
		/* one slot more than the server takes: a table that outgrew the bound is then refused
		 * by svm_rpc_server_start (SVM_ELIMIT, named) instead of losing its last methods */
		svm_rpc_method_t methods[SVM_RPC_METHODS_MAX + 1];
		size_t nm = svm_node_api_methods(n, methods, SVM_RPC_METHODS_MAX + 1);
		SVM_ASSERT(nm <= SVM_RPC_METHODS_MAX + 1); /* within the table it was given */
		svm_rpc_config_t rcfg = {.host = cfg->rpc_host, .port = cfg->rpc_port,
					 .threads = cfg->rpc_threads,
					 .body_bytes_max = cfg->rpc_body_bytes_max,
					 .batch_max = cfg->rpc_batch_max,
					 .get = node_metrics_get, .get_ctx = n};
		rc = svm_rpc_server_start(&n->rpc, &rcfg, methods, nm, err);
	}
	if (rc == 0) rc = node_subs_start(n, err);
	if (rc == 0) {
		SVM_ASSERT(node_round_timeout_ms(n) > 0 && n->chain != NULL && n->mempool != NULL);
		rc = node_vc_start(n, err);
	}
	if (rc != 0) {
		svm_node_stop(n);
		return rc;
	}
	svm_log_info("node: chain %llu at height %llu, rpc on http://%s:%u, %llu ms blocks",
		     (unsigned long long)n->chain_id, (unsigned long long)atomic_load(&n->head_height),
		     cfg->rpc_host, svm_rpc_server_port(n->rpc), (unsigned long long)cfg->block_ms);
	*out = n;
	return 0;
}

uint16_t svm_node_rpc_port(const svm_node_t *n) { return svm_rpc_server_port(n->rpc); }

uint64_t node_slot_ms(svm_node_t *n)
{
	if (n->cfg.block_ms) return n->cfg.block_ms;
	svm_params_t p;
	if (svm_chain_params(n->chain, &p) != 0) return SVM_NODE_SLOT_MS_FALLBACK; /* (unreadable) */
	SVM_ASSERT(p.slot_ms >= 1);
	return p.slot_ms;
}

uint64_t node_round_timeout_ms(svm_node_t *n)
{
	if (n->cfg.round_timeout_ms) return n->cfg.round_timeout_ms;
	uint64_t ms = 3 * node_slot_ms(n) + 1000; /* slot ≤ 3600000 (its bounds): no overflow */
	return ms < SVM_CONS_ROUND_TIMEOUT_MS_MAX ? ms : SVM_CONS_ROUND_TIMEOUT_MS_MAX;
}

uint16_t svm_node_ws_port(const svm_node_t *n) { return node_subs_port(n); }

uint16_t svm_node_p2p_port(svm_node_t *n) { return node_vc_p2p_port(n); }

void svm_node_stop(svm_node_t *n)
{
	if (n == NULL) return;
	/* Consensus first: the block in progress commits; then no writer is left. */
	pthread_mutex_lock(&n->mu);
	n->stop = true;
	pthread_cond_broadcast(&n->cv);
	pthread_mutex_unlock(&n->mu);
	node_vc_stop(n);
	node_subs_stop(n);
	svm_rpc_server_free(n->rpc);
	node_faucet_free(n);
	svm_mempool_free(n->mempool);
	if (n->chain != NULL) {
		svm_log_info("node: stopped at height %llu", (unsigned long long)svm_chain_height(n->chain));
		svm_chain_close(n->chain);
	}
	if (n->lock_fd >= 0) close(n->lock_fd); /* releases the flock */
	pthread_cond_destroy(&n->cv);
	pthread_mutex_destroy(&n->mu);
	svm_free(n);
}

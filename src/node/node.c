/* The node's lifecycle and its block producer. One producer thread owns the chain's writer
 * side: every block_ms it takes ready transactions from the mempool, builds, executes and
 * commits the next block (empty when there is nothing to include), then prunes the mempool.
 * Queries and admission run on the RPC threads concurrently. docs/node.md says why. */
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
	/* Over the window (or since the first block in it, plus one slot). */
	double span_s = (double)(now - oldest) / 1e9 + (double)n->cfg.block_ms / 1000.0;
	return txs == 0 ? 0.0 : (double)txs / span_s;
}

/* Builds one block from the mempool. Returns the build's error (storage failures only). */
static int produce_one(svm_node_t *n)
{
	svm_mempool_batch_t b = {0};
	int rc = svm_mempool_select(n->mempool, n->cfg.block_txs_max, n->cfg.block_bytes_max, &b);
	if (rc != 0) {
		svm_log_error("producer: mempool selection failed: %s", svm_strerror(rc));
		return rc;
	}
	svm_build_result_t *res = svm_calloc(b.n ? b.n : 1, sizeof *res);
	/* Every pooled transaction passed svm_tx_verify at admission: the builder need not check
	 * its signature again (the largest per-transaction cost). */
	bool *verified = svm_malloc(b.n ? b.n : 1);
	if (verified) memset(verified, 1, b.n);
	svm_error_t err = {0};
	uint64_t t0 = svm_clock_ns();
	rc = res == NULL || verified == NULL
		     ? SVM_ENOMEM
		     : svm_chain_build_verified(n->chain, b.txs, b.lens, b.n, verified, svm_clock_wall_ms(),
						&n->proposer, res, &err);
	svm_free(verified);
	uint64_t t1 = svm_clock_ns();
	if (rc == SVM_EUNSUPPORTED) {
		/* a governed upgrade plan names another version from this height: stop cleanly (the
		 * command's signal wait then shuts the node down) */
		svm_log_error("producer: %s", err.msg);
		pthread_mutex_lock(&n->mu);
		n->stop = true;
		pthread_mutex_unlock(&n->mu);
		kill(getpid(), SIGTERM);
	} else if (rc != 0) {
		svm_log_error("producer: block build failed: %s", err.msg[0] ? err.msg : svm_strerror(rc));
	} else {
		uint64_t h = svm_chain_height(n->chain);
		atomic_store(&n->head_height, h);
		node_subs_block(n, h);
		svm_mempool_update(n->mempool, &b, res, h);
		uint64_t supply[NODE_SUPPLY_TOKENS];
		node_token_supply(n, supply);
		uint32_t included = 0, limit = 0;
		for (size_t i = 0; i < b.n; i++) {
			if (res[i].status == 0) included++;
			else if (res[i].status == SVM_ELIMIT) limit++;
		}
		pthread_mutex_lock(&n->mu);
		n->rate[n->rate_next++ % NODE_RATE_BLOCKS] = (node_rate_t){t1, included};
		n->blocks_produced++;
		n->txs_committed += included;
		n->build_ns_last = t1 - t0;
		node_metrics_block(&n->metrics, t1, t1 - t0, b.n - included - limit, limit);
		node_metrics_supply(&n->metrics, supply);
		pthread_mutex_unlock(&n->mu);
		if (included > 0 || b.n > 0)
			svm_log_info("block %llu: %u txs (%zu left out, %u for limits) in %.1f ms",
				     (unsigned long long)h, included, b.n - included, limit,
				     (double)(t1 - t0) / 1e6);
		else
			svm_log_debug("block %llu: empty", (unsigned long long)h);
	}
	svm_free(res);
	svm_mempool_batch_free(&b);
	return rc;
}

static void *producer_main(void *arg)
{
	svm_node_t *n = arg;
	uint64_t period_ns = n->cfg.block_ms * 1000000ull;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_mutex_lock(&n->mu);
	while (!n->stop) {
		uint64_t ns = (uint64_t)next.tv_nsec + period_ns % 1000000000ull;
		next.tv_sec += (time_t)(period_ns / 1000000000ull + ns / 1000000000ull);
		next.tv_nsec = (long)(ns % 1000000000ull);
		while (!n->stop && pthread_cond_timedwait(&n->cv, &n->mu, &next) != ETIMEDOUT) {
		}
		if (n->stop) break;
		pthread_mutex_unlock(&n->mu);
		produce_one(n);
		/* A slot overrun starts the next slot now rather than bursting to catch up. */
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > next.tv_sec || (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
			next = now;
		pthread_mutex_lock(&n->mu);
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
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
	svm_chain_config_t ccfg = {.exec_threads = n->cfg.exec_threads};
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
					     .account = account_state, .account_ctx = n};
		rc = svm_mempool_new(&n->mempool, &mcfg);
		if (rc != 0) svm_error_set(err, rc, "mempool: %s", svm_strerror(rc));
	}
	if (rc == 0) rc = node_faucet_open(n, err);
	if (rc == 0) {
		svm_rpc_method_t methods[SVM_RPC_METHODS_MAX];
		size_t nm = svm_node_api_methods(n, methods, SVM_RPC_METHODS_MAX);
		svm_rpc_config_t rcfg = {.host = cfg->rpc_host, .port = cfg->rpc_port,
					 .threads = cfg->rpc_threads,
					 .body_bytes_max = cfg->rpc_body_bytes_max,
					 .batch_max = cfg->rpc_batch_max,
					 .get = node_metrics_get, .get_ctx = n};
		rc = svm_rpc_server_start(&n->rpc, &rcfg, methods, nm, err);
	}
	if (rc == 0) rc = node_subs_start(n, err);
	if (rc == 0) {
		if (pthread_create(&n->producer, NULL, producer_main, n) != 0)
			rc = svm_error_set(err, SVM_EIO, "cannot start the producer thread");
		else n->producer_started = true;
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

uint16_t svm_node_ws_port(const svm_node_t *n) { return node_subs_port(n); }

void svm_node_stop(svm_node_t *n)
{
	if (n == NULL) return;
	/* Producer first: the block in progress commits; then no writer is left. */
	pthread_mutex_lock(&n->mu);
	n->stop = true;
	pthread_cond_broadcast(&n->cv);
	pthread_mutex_unlock(&n->mu);
	if (n->producer_started) pthread_join(n->producer, NULL);
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

/* `supervm bench load`: a load generator against a running devnet. It creates and funds
 * sender keys from the faucet, pre-signs every transfer (signing is not what is measured),
 * then submits them as JSON-RPC batches over several keep-alive connections while a poller
 * follows new blocks. It reports committed transactions per second (first submit to last
 * commit) and the submit-to-commit latency (p50/p99, as seen by a client polling blocks), and
 * counts every acknowledged transaction that never committed ("lost": must be 0). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define BENCH_TXS_MAX 1000000
#define BENCH_SENDERS_MAX 1000 /* below the mempool's per-sender nonce window for the faucet */
#define BENCH_CLIENTS_MAX 64
#define BENCH_BATCH_MAX 1000
#define BENCH_FEE_LIMIT 10000
#define BENCH_POLL_MS 10

typedef struct {
	svm_hash_t id;
	char *hex;          /* signed encoding, hex */
	uint64_t submit_ns; /* when its batch was posted */
	_Atomic uint64_t commit_ns; /* when the poller saw its block (0 = not yet) */
	int err;            /* JSON-RPC error code of the submission, 0 if acknowledged */
	uint32_t client;
} btx_t;

typedef struct {
	cli_args_t *a;
	const char *url;
	btx_t *txs;
	size_t n_txs;
	size_t *order; /* tx indices in submission order, grouped per client */
	size_t *client_start, *client_len;
	size_t batch;
	uint64_t rate; /* offered tx/s over all clients; 0 = as fast as possible */
	svm_map_t by_id; /* id -> btx_t * (read-only once sending starts) */
	_Atomic size_t acked, rejected, committed;
	_Atomic int senders_done;
	_Atomic uint64_t sent_ns; /* when the last client got its last reply */
	unsigned clients;
	uint64_t start_height;
	uint64_t timeout_ns;
	uint64_t t0_ns;
	char first_error[256];
	pthread_mutex_t mu;
} bench_t;

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

/* Posts a batch body and records per-request results (ids are tx indices). */
static int post_batch(bench_t *b, svm_rpc_client_t *c, svm_buf_t *body, svm_buf_t *resp)
{
	int status = 0;
	svm_error_t err = {0};
	if (svm_rpc_client_post(c, body->data, body->len, resp, &status, &err) != 0 || status != 200) {
		pthread_mutex_lock(&b->mu);
		if (!b->first_error[0]) snprintf(b->first_error, sizeof b->first_error, "HTTP %d %s", status, err.msg);
		pthread_mutex_unlock(&b->mu);
		return SVM_EIO;
	}
	json_t *arr = json_loadb((const char *)resp->data, resp->len, 0, NULL);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *r = json_array_get(arr, i);
		size_t k = (size_t)json_integer_value(json_object_get(r, "id"));
		if (k >= b->n_txs) continue;
		json_t *e = json_object_get(r, "error");
		if (e == NULL) {
			atomic_fetch_add(&b->acked, 1);
			continue;
		}
		b->txs[k].err = (int)json_integer_value(json_object_get(e, "code"));
		atomic_fetch_add(&b->rejected, 1);
		pthread_mutex_lock(&b->mu);
		if (!b->first_error[0])
			snprintf(b->first_error, sizeof b->first_error, "%s",
				 json_string_value(json_object_get(e, "message")));
		pthread_mutex_unlock(&b->mu);
	}
	json_decref(arr);
	return 0;
}

typedef struct {
	bench_t *b;
	unsigned idx;
} worker_arg_t;

/* Client idx's node: with --spread URL,URL,… the idx-th (round-robin), else --rpc. */
static void client_url(const bench_t *b, unsigned idx, char *out, size_t cap)
{
	const char *s = cli_opt(b->a, "spread");
	snprintf(out, cap, "%s", b->url);
	if (s == NULL || !*s) return;
	size_t n = 1;
	for (const char *p = s; *p; p++) n += *p == ',';
	size_t want = idx % n;
	for (size_t k = 0; k < want; k++) s = strchr(s, ',') + 1;
	size_t len = strcspn(s, ",");
	if (len < cap) {
		memcpy(out, s, len);
		out[len] = 0;
	}
}

static void *sender_main(void *arg)
{
	worker_arg_t *w = arg;
	bench_t *b = w->b;
	svm_rpc_client_t *c = NULL;
	svm_buf_t body = {0}, resp = {0};
	char url[256];
	client_url(b, w->idx, url, sizeof url);
	if (svm_rpc_client_new(&c, url, 60000, NULL) == 0) {
		size_t start = b->client_start[w->idx], len = b->client_len[w->idx];
		for (size_t off = 0; off < len; off += b->batch) {
			size_t n = len - off < b->batch ? len - off : b->batch;
			svm_buf_reset(&body);
			svm_buf_push(&body, '[');
			for (size_t j = 0; j < n; j++) {
				size_t k = b->order[start + off + j];
				svm_buf_printf(&body, "%s{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"svm_sendRawTransaction\",\"params\":[\"%s\"]}",
					       j ? "," : "", k, b->txs[k].hex);
			}
			svm_buf_push(&body, ']');
			if (b->rate > 0) { /* pace: this client's share of the rate, batch by batch */
				uint64_t due = b->t0_ns + (uint64_t)((double)(off + n) * 1e9 * b->clients / (double)b->rate);
				uint64_t t = svm_clock_ns();
				if (due > t) sleep_ms((unsigned)((due - t) / 1000000));
			}
			uint64_t now = svm_clock_ns();
			for (size_t j = 0; j < n; j++) b->txs[b->order[start + off + j]].submit_ns = now;
			if (post_batch(b, c, &body, &resp) != 0) break;
		}
	}
	svm_buf_free(&body);
	svm_buf_free(&resp);
	svm_rpc_client_free(c);
	uint64_t now = svm_clock_ns(), prev = atomic_load(&b->sent_ns);
	while (now > prev && !atomic_compare_exchange_weak(&b->sent_ns, &prev, now)) {
	}
	atomic_fetch_add(&b->senders_done, 1);
	return NULL;
}

/* Follows blocks from start_height + 1 and stamps the commit time of each known tx. */
static void *poller_main(void *arg)
{
	bench_t *b = arg;
	svm_rpc_client_t *c = NULL;
	if (svm_rpc_client_new(&c, b->url, 60000, NULL) != 0) return NULL;
	uint64_t next = b->start_height + 1;
	for (;;) {
		bool all_sent = atomic_load(&b->senders_done) == (int)b->clients;
		if (all_sent && atomic_load(&b->committed) >= atomic_load(&b->acked)) break;
		if (svm_clock_ns() - b->t0_ns > b->timeout_ns) break;
		json_t *blk = NULL;
		if (svm_rpc_call(c, "svm_getBlockByNumber", json_pack("[I,b]", (json_int_t)next, 0), &blk, NULL, NULL) != 0 ||
		    json_is_null(blk)) {
			json_decref(blk);
			sleep_ms(BENCH_POLL_MS);
			continue;
		}
		uint64_t now = svm_clock_ns();
		json_t *txs = json_object_get(blk, "transactions");
		for (size_t i = 0; i < json_array_size(txs); i++) {
			svm_hash_t id;
			if (svm_hash_from_hex(&id, json_string_value(json_array_get(txs, i))) != 0) continue;
			btx_t *t = svm_map_get(&b->by_id, id.b, sizeof id.b);
			uint64_t zero = 0;
			if (t != NULL && atomic_compare_exchange_strong(&t->commit_ns, &zero, now))
				atomic_fetch_add(&b->committed, 1);
		}
		json_decref(blk);
		next++;
	}
	svm_rpc_client_free(c);
	return NULL;
}

/* Funds every sender from the faucet and waits until the funding committed. */
static int fund(bench_t *b, svm_rpc_client_t *c, const svm_keypair_t *faucet, svm_keypair_t *keys,
		size_t senders, uint64_t each, uint64_t chain_id, uint64_t height)
{
	char fid[65];
	svm_hash_hex(&faucet->id, fid);
	json_t *acct = NULL;
	if (cli_call(b->a, c, "svm_getAccount", json_pack("[s]", fid), &acct)) return CLI_EXIT_FAIL;
	uint64_t n0 = cli_ju64(json_object_get(acct, "nonce"));
	json_decref(acct);
	svm_id_t swr;
	svm_token_parse(&swr, "SWR");
	svm_buf_t tx = {0}, body = {0}, resp = {0};
	int rc = 0;
	for (size_t i = 0; i < senders && rc == 0; i += b->batch) {
		svm_buf_reset(&body);
		svm_buf_push(&body, '[');
		for (size_t j = i; j < senders && j < i + b->batch; j++) {
			svm_buf_reset(&tx);
			svm_hash_t id;
			rc = cli_sign_transfer(faucet, chain_id, n0 + j, height + 100000, &swr, &keys[j].id, each,
					       BENCH_FEE_LIMIT, 0, &tx, &id);
			char *hex = svm_malloc(2 * tx.len + 1);
			svm_hex_encode(hex, tx.data, tx.len);
			svm_buf_printf(&body, "%s{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"svm_sendRawTransaction\",\"params\":[\"%s\"]}",
				       j > i ? "," : "", j, hex);
			svm_free(hex);
		}
		svm_buf_push(&body, ']');
		int status = 0;
		svm_error_t err = {0};
		if (rc == 0 && (svm_rpc_client_post(c, body.data, body.len, &resp, &status, &err) != 0 || status != 200))
			rc = cli_fail(b->a, CLI_EXIT_FAIL, "funding: %s (HTTP %d)", err.msg, status);
		if (rc == 0 && strstr((const char *)resp.data, "\"error\"") != NULL)
			rc = cli_fail(b->a, CLI_EXIT_FAIL, "funding rejected: %.300s", (const char *)resp.data);
	}
	svm_buf_free(&tx);
	svm_buf_free(&body);
	svm_buf_free(&resp);
	for (uint64_t t_end = svm_clock_ns() + b->timeout_ns; rc == 0;) {
		if (cli_call(b->a, c, "svm_getAccount", json_pack("[s]", fid), &acct)) return CLI_EXIT_FAIL;
		uint64_t n = cli_ju64(json_object_get(acct, "nonce"));
		json_decref(acct);
		if (n >= n0 + senders) break;
		if (svm_clock_ns() > t_end) return cli_fail(b->a, CLI_EXIT_FAIL, "funding did not commit in time");
		sleep_ms(50);
	}
	return rc;
}

static int opt_u64(cli_args_t *a, const char *name, uint64_t dflt, uint64_t lo, uint64_t hi, uint64_t *out)
{
	const char *v = cli_opt(a, name);
	*out = dflt;
	if (v == NULL) return 0;
	if (cli_u64(a, name, v, out)) return CLI_EXIT_USAGE;
	if (*out < lo || *out > hi)
		return cli_fail(a, CLI_EXIT_USAGE, "--%s must be in %llu..%llu", name, (unsigned long long)lo,
				(unsigned long long)hi);
	return 0;
}

/* Pre-signs per-sender nonce runs; sender s goes to client s % clients, so each connection
 * submits each of its senders' nonces in order. */
static int presign(bench_t *b, svm_keypair_t *keys, size_t senders, uint64_t chain_id, uint64_t height)
{
	svm_id_t swr;
	svm_token_parse(&swr, "SWR");
	svm_buf_t tx = {0};
	size_t k = 0;
	for (unsigned cl = 0; cl < b->clients; cl++) {
		b->client_start[cl] = k;
		/* Round-robin over this client's senders, nonce by nonce. */
		for (uint64_t nonce = 0; k < b->n_txs; nonce++) {
			bool any = false;
			for (size_t s = cl; s < senders; s += b->clients) {
				size_t per = b->n_txs / senders + (s < b->n_txs % senders);
				if (nonce >= per) continue;
				any = true;
				svm_buf_reset(&tx);
				svm_hash_t id;
				if (cli_sign_transfer(&keys[s], chain_id, nonce, height + 100000, &swr,
						      &keys[(s + 1) % senders].id, 1, BENCH_FEE_LIMIT, 0, &tx, &id) != 0)
					return SVM_EINVAL;
				/* index = position in the global tx array */
				size_t idx = k;
				b->txs[idx].id = id;
				b->txs[idx].client = cl;
				b->txs[idx].hex = svm_malloc(2 * tx.len + 1);
				svm_hex_encode(b->txs[idx].hex, tx.data, tx.len);
				b->order[k++] = idx;
				void **slot = svm_map_put(&b->by_id, id.b, sizeof id.b, NULL);
				if (slot == NULL) return SVM_ENOMEM;
				*slot = &b->txs[idx];
			}
			if (!any) break;
		}
		b->client_len[cl] = k - b->client_start[cl];
	}
	svm_buf_free(&tx);
	return k == b->n_txs ? 0 : SVM_EINVAL;
}

static void report(bench_t *b, uint64_t t_first, uint64_t senders)
{
	uint64_t *lat = svm_calloc(b->n_txs ? b->n_txs : 1, sizeof *lat);
	size_t nl = 0, lost = 0;
	uint64_t t_last = t_first;
	for (size_t i = 0; i < b->n_txs; i++) {
		uint64_t c = atomic_load(&b->txs[i].commit_ns);
		if (b->txs[i].err == 0 && c == 0) lost++;
		if (c == 0) continue;
		if (c > t_last) t_last = c;
		lat[nl++] = c > b->txs[i].submit_ns ? c - b->txs[i].submit_ns : 0;
	}
	qsort(lat, nl, sizeof *lat, cmp_u64);
	double secs = (double)(t_last - t_first) / 1e9;
	double tps = secs > 0 ? (double)nl / secs : 0;
	size_t i99 = nl * 99 / 100 < nl ? nl * 99 / 100 : nl - 1;
	double p50 = nl ? (double)lat[nl / 2] / 1e6 : 0, p99 = nl ? (double)lat[i99] / 1e6 : 0;
	size_t acked = atomic_load(&b->acked), rejected = atomic_load(&b->rejected);
	double send_s = (double)(atomic_load(&b->sent_ns) - t_first) / 1e9;
	double ack_tps = send_s > 0 ? (double)acked / send_s : 0;
	if (b->a->json) {
		printf("{\"sent\":%zu,\"acked\":%zu,\"rejected\":%zu,\"committed\":%zu,\"lost\":%zu,\"senders\":%llu,"
		       "\"clients\":%u,\"batch\":%zu,\"seconds\":%.3f,\"acked_tx_per_s\":%.1f,\"committed_tx_per_s\":%.1f,"
		       "\"latency_ms_p50\":%.1f,\"latency_ms_p99\":%.1f}\n",
		       b->n_txs, acked, rejected, nl, lost, (unsigned long long)senders, b->clients, b->batch, secs,
		       ack_tps, tps, p50, p99);
	} else {
		printf("sent %zu, acknowledged %zu, rejected %zu, committed %zu, lost %zu\n", b->n_txs, acked,
		       rejected, nl, lost);
		printf("committed: %.0f tx/s over %.2f s (%llu senders, %u clients, batches of %zu)\n", tps, secs,
		       (unsigned long long)senders, b->clients, b->batch);
		printf("submit-to-commit latency: p50 %.1f ms, p99 %.1f ms\n", p50, p99);
		printf("admission: %.0f tx/s acknowledged over %.2f s\n", ack_tps, send_s);
		if (b->first_error[0]) printf("first error: %s\n", b->first_error);
	}
	svm_free(lat);
}

/* --latencies FILE: every committed transfer's submit and commit time in ms of svm_clock_ns
 * (CLOCK_MONOTONIC, the clock of the nodes' log lines), so slow ones can be matched to events. */
static int write_latencies(bench_t *b, const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL) return cli_fail(b->a, CLI_EXIT_FAIL, "cannot write %s", path);
	for (size_t i = 0; i < b->n_txs; i++) {
		uint64_t c = atomic_load(&b->txs[i].commit_ns);
		if (c == 0) continue;
		fprintf(f, "%.3f %.3f %u\n", (double)b->txs[i].submit_ns / 1e6, (double)c / 1e6, b->txs[i].client);
	}
	return fclose(f) == 0 ? 0 : cli_fail(b->a, CLI_EXIT_FAIL, "cannot write %s", path);
}

int cli_cmd_bench_load(cli_args_t *a)
{
	uint64_t n_txs, senders, clients, batch, timeout_ms, rate;
	if (opt_u64(a, "txs", 20000, 1, BENCH_TXS_MAX, &n_txs) ||
	    opt_u64(a, "senders", 200, 1, BENCH_SENDERS_MAX, &senders) ||
	    opt_u64(a, "clients", 4, 1, BENCH_CLIENTS_MAX, &clients) ||
	    opt_u64(a, "batch", 100, 1, BENCH_BATCH_MAX, &batch) ||
	    opt_u64(a, "timeout-ms", 120000, 1000, 3600000, &timeout_ms) ||
	    opt_u64(a, "rate", 0, 0, 10000000, &rate))
		return CLI_EXIT_USAGE;
	if (senders > n_txs) senders = n_txs;
	if (clients > senders) clients = senders;
	if (n_txs / senders >= 1024)
		return cli_fail(a, CLI_EXIT_USAGE, "at most 1023 transactions per sender: raise --senders");
	if (svm_crypto_init() != 0) return cli_fail(a, CLI_EXIT_FAIL, "libsodium failed to initialise");
	const char *dir = cli_opt(a, "data") ? cli_opt(a, "data") : cli_default_data_dir();
	char path[1100];
	snprintf(path, sizeof path, "%s/keys/faucet.json", dir);
	svm_keypair_t faucet;
	svm_error_t err = {0};
	if (svm_keyfile_read(path, &faucet, &err) != 0) return cli_fail(a, CLI_EXIT_FAIL, "%s", err.msg);

	bench_t b = {.a = a, .n_txs = n_txs, .batch = batch, .clients = (unsigned)clients, .rate = rate,
		     .timeout_ns = timeout_ms * 1000000ull};
	pthread_mutex_init(&b.mu, NULL);
	svm_map_init(&b.by_id);
	b.url = a->rpc_url ? a->rpc_url : getenv("SUPERVM_RPC");
	if (b.url == NULL || !b.url[0]) b.url = "http://127.0.0.1:8545";
	b.txs = svm_calloc(n_txs, sizeof *b.txs);
	b.order = svm_calloc(n_txs, sizeof *b.order);
	b.client_start = svm_calloc(clients, sizeof(size_t));
	b.client_len = svm_calloc(clients, sizeof(size_t));
	svm_keypair_t *keys = svm_calloc(senders, sizeof *keys);
	svm_rpc_client_t *c = NULL;
	json_t *cid = NULL, *root = NULL;
	int rc = b.txs && b.order && b.client_start && b.client_len && keys ? 0 : cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	if (rc == 0) rc = cli_client(a, &c);
	if (rc == 0) rc = cli_call(a, c, "svm_chainId", NULL, &cid);
	if (rc == 0) rc = cli_call(a, c, "svm_getStateRoot", NULL, &root);
	uint64_t chain_id = cli_ju64(cid), height = cli_ju64(json_object_get(root, "height"));
	for (size_t i = 0; rc == 0 && i < senders; i++) svm_keypair_random(&keys[i]);
	uint64_t per = n_txs / senders + 1;
	if (rc == 0 && !a->json) fprintf(stderr, "funding %llu senders...\n", (unsigned long long)senders);
	b.t0_ns = svm_clock_ns();
	if (rc == 0) rc = fund(&b, c, &faucet, keys, senders, per * (BENCH_FEE_LIMIT + 1) + 1000000, chain_id, height);
	if (rc == 0 && !a->json) fprintf(stderr, "signing %zu transfers...\n", b.n_txs);
	if (rc == 0 && presign(&b, keys, senders, chain_id, height) != 0)
		rc = cli_fail(a, CLI_EXIT_FAIL, "cannot sign the transfers");
	json_decref(root);
	root = NULL;
	if (rc == 0) rc = cli_call(a, c, "svm_getStateRoot", NULL, &root);
	if (rc == 0) {
		b.start_height = cli_ju64(json_object_get(root, "height"));
		if (!a->json) fprintf(stderr, "sending...\n");
		pthread_t poller, th[BENCH_CLIENTS_MAX];
		worker_arg_t wa[BENCH_CLIENTS_MAX];
		b.t0_ns = svm_clock_ns();
		pthread_create(&poller, NULL, poller_main, &b);
		for (unsigned i = 0; i < b.clients; i++) {
			wa[i] = (worker_arg_t){&b, i};
			pthread_create(&th[i], NULL, sender_main, &wa[i]);
		}
		for (unsigned i = 0; i < b.clients; i++) pthread_join(th[i], NULL);
		pthread_join(poller, NULL);
		report(&b, b.t0_ns, senders);
		if (cli_opt(a, "latencies") != NULL) rc = write_latencies(&b, cli_opt(a, "latencies"));
		size_t lost = 0;
		for (size_t i = 0; i < b.n_txs; i++)
			if (b.txs[i].err == 0 && atomic_load(&b.txs[i].commit_ns) == 0) lost++;
		if (rc == 0 && (lost > 0 || atomic_load(&b.acked) == 0)) rc = CLI_EXIT_FAIL;
	}
	json_decref(cid);
	json_decref(root);
	svm_rpc_client_free(c);
	for (size_t i = 0; b.txs && i < n_txs; i++) svm_free(b.txs[i].hex);
	for (size_t i = 0; keys && i < senders; i++) svm_keypair_wipe(&keys[i]);
	svm_free(keys);
	svm_free(b.txs);
	svm_free(b.order);
	svm_free(b.client_start);
	svm_free(b.client_len);
	svm_map_free(&b.by_id);
	svm_keypair_wipe(&faucet);
	pthread_mutex_destroy(&b.mu);
	return rc;
}

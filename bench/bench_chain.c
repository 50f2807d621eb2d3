/* Block application benchmark (issue 2): blocks of 10k signed native transfers over
 * 10k accounts, built, executed and committed by the chain, beside the single-core Ed25519
 * verify rate measured in the same run. Prints a table; not a test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/chain.h"

#define ACCOUNTS 10000
#define TXS 10000
#define BLOCKS 5
#define VERIFIES 20000

static void key_of(uint64_t i, svm_keypair_t *kp)
{
	uint8_t seed[32] = {0};
	svm_put_u64be(seed, i + 1);
	svm_keypair_from_seed(kp, seed);
}

static double verify_rate(void)
{
	svm_keypair_t kp;
	key_of(0, &kp);
	uint8_t msg[38] = "svm/tx", sig[64];
	svm_ed25519_sign(sig, msg, sizeof msg, kp.secret_key);
	uint64_t t0 = svm_clock_ns();
	int bad = 0;
	for (int i = 0; i < VERIFIES; i++) bad |= svm_ed25519_verify(sig, msg, sizeof msg, kp.public_key);
	uint64_t dt = svm_clock_ns() - t0;
	if (bad) fprintf(stderr, "verify failed\n");
	return VERIFIES / (dt / 1e9);
}

static int sign_transfer(svm_buf_t *out, const svm_keypair_t *kp, const svm_id_t *token,
			 const svm_id_t *to, uint64_t nonce)
{
	uint8_t pbuf[128];
	svm_buf_t payload = {.data = pbuf, .cap = sizeof pbuf, .cap_max = sizeof pbuf};
	svm_native_transfer_payload(&payload, token, to, 1);
	svm_tx_t tx = {.chain_id = 1, .sender = kp->id, .nonce = nonce, .expiry_height = 1000000,
		       .fee_limit = 100000, .access_mode = SVM_ACCESS_DYNAMIC, .vm = SVM_VM_NATIVE,
		       .payload = payload.data, .payload_len = payload.len, .scheme = SVM_SCHEME_ED25519,
		       .public_key = kp->public_key, .public_key_len = 32};
	uint8_t sig[64];
	int rc = svm_tx_sign(&tx, kp->secret_key, sig, NULL);
	return rc ? rc : svm_tx_encode(&tx, out);
}

int main(void)
{
	if (svm_crypto_init()) return 1;
	double vrate = verify_rate();
	svm_keypair_t *keys = malloc(ACCOUNTS * sizeof(*keys));
	svm_genesis_t g = {.chain_id = 1, .fees = {1000, 2, 1, 0}, .n_balances = ACCOUNTS};
	g.balances = calloc(ACCOUNTS, sizeof(*g.balances));
	svm_id_t swr;
	svm_token_id("SWR", &swr);
	for (uint64_t i = 0; i < ACCOUNTS; i++) {
		key_of(i, &keys[i]);
		g.balances[i] = (svm_genesis_balance_t){.owner = keys[i].id, .token = swr, .amount = 1ull << 40};
	}
	/* Pre-sign every block (signing is not what is measured). */
	uint64_t *nonce = calloc(ACCOUNTS, sizeof(uint64_t));
	svm_buf_t *bufs = calloc((size_t)BLOCKS * TXS, sizeof(svm_buf_t));
	srand(42);
	for (size_t i = 0; i < (size_t)BLOCKS * TXS; i++) {
		size_t from = (size_t)rand() % ACCOUNTS, to = (size_t)rand() % ACCOUNTS;
		if (sign_transfer(&bufs[i], &keys[from], &swr, &keys[to].id, nonce[from]++)) return 1;
	}
	const uint8_t **ptr = malloc(TXS * sizeof(*ptr));
	size_t *len = malloc(TXS * sizeof(*len));
	svm_build_result_t *res = malloc(TXS * sizeof(*res));
	printf("Block application: %d signed native transfers per block over %d accounts, durable\n"
	       "LMDB commit. threads = signature checks and execution (1: everything on one core).\n",
	       TXS, ACCOUNTS);
	for (unsigned threads = 1; threads <= 2; threads++) {
		char dir[] = "/tmp/svmbench.XXXXXX";
		if (!mkdtemp(dir)) return 1;
		svm_chain_t *c;
		svm_error_t err = {0};
		svm_chain_config_t cfg = {.map_bytes = 8ull << 30, .exec_threads = threads};
		if (svm_chain_open(&c, dir, &g, &cfg, &err)) {
			fprintf(stderr, "open: %s\n", err.msg);
			return 1;
		}
		printf("\nthreads = %u\n%-6s %7s %9s %9s %8s %8s %8s %8s %8s %9s\n", threads, "block", "txs",
		       "total ms", "tx/s", "dec ms", "exec ms", "state ms", "write ms", "fsync ms", "updates");
		double sum_total = 0, sum_commit = 0, sum_state = 0, sum_upd = 0, sum_txs = 0;
		for (int b = 0; b < BLOCKS; b++) {
			for (size_t i = 0; i < TXS; i++) {
				ptr[i] = bufs[(size_t)b * TXS + i].data;
				len[i] = bufs[(size_t)b * TXS + i].len;
			}
			svm_id_t proposer = keys[0].id;
			uint64_t t0 = svm_clock_ns();
			if (svm_chain_build(c, ptr, len, TXS, 0, &proposer, res, &err)) {
				fprintf(stderr, "build: %s\n", err.msg);
				return 1;
			}
			double total = (svm_clock_ns() - t0) / 1e6;
			svm_block_stats_t s;
			svm_chain_last_stats(c, &s);
			printf("%-6llu %7u %9.1f %9.0f %8.1f %8.1f %8.1f %8.1f %8.1f %9u\n",
			       (unsigned long long)s.height, s.txs, total, s.txs / (total / 1e3), s.prepare_ns / 1e6,
			       s.execute_ns / 1e6, s.state_ns / 1e6, s.write_ns / 1e6, s.commit_ns / 1e6, s.writes);
			if (s.txs != TXS) fprintf(stderr, "warning: only %u of %d included\n", s.txs, TXS);
			sum_total += total;
			sum_commit += s.commit_ns / 1e6 + s.write_ns / 1e6;
			sum_state += s.state_ns / 1e6;
			sum_upd += s.writes;
			sum_txs += s.txs;
		}
		double tps = sum_txs / (sum_total / 1e3), tps_nc = sum_txs / ((sum_total - sum_commit) / 1e3);
		printf("%-46s %10.0f /s\n", "Ed25519 single verify, one core", vrate);
		printf("%-46s %10.0f tx/s  (%.2fx the verify rate)\n",
		       "execution + roots, without LMDB writes/commit", tps_nc, tps_nc / vrate);
		printf("%-46s %10.0f tx/s  (%.2fx the verify rate; target >= 0.70)\n", "execution + commit",
		       tps, tps / vrate);
		printf("%-46s %10.0f /s\n", "state-tree updates (incl. object writes)", sum_upd / (sum_state / 1e3));
		printf("%-46s %10.1f %%  (target <= 25%%)\n", "state root share of block time",
		       100 * sum_state / sum_total);
		svm_chain_close(c);
		char cmd[64];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd)) return 1;
	}
	return 0;
}

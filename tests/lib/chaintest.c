/* Test helpers for chain-level tests (see chaintest.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/chaintest.h"

void ct_key(uint64_t i, svm_keypair_t *kp)
{
	uint8_t be[8];
	svm_put_u64be(be, i);
	svm_slice_t part = {be, 8};
	svm_hash_t seed;
	svm_sha256_tagged("test-key", &part, 1, &seed);
	svm_keypair_from_seed(kp, seed.b);
}

static int cmp_id(const void *a, const void *b) { return memcmp(a, b, SVM_HASH_SIZE); }

int ct_transfer(svm_buf_t *out, const svm_keypair_t *kp, const svm_id_t *token,
		const svm_id_t *to, uint64_t amount, const ct_txopt_t *opt, svm_hash_t *id)
{
	svm_buf_t payload = {0};
	int rc = svm_native_transfer_payload(&payload, token, to, amount);
	if (rc) {
		svm_buf_free(&payload);
		return rc;
	}
	svm_id_t writes[4];
	size_t nw = 0;
	if (opt->strict) {
		rc = svm_native_access(&kp->id, opt->nonce, payload.data, payload.len, writes, 4, &nw);
		if (rc) {
			svm_buf_free(&payload);
			return rc;
		}
		if (opt->undeclared) {
			svm_id_t rb;
			svm_balance_id(token, to, &rb);
			size_t k = 0;
			for (size_t i = 0; i < nw; i++)
				if (!svm_hash_eq(&writes[i], &rb)) writes[k++] = writes[i];
			nw = k;
		}
		qsort(writes, nw, sizeof writes[0], cmp_id);
	}
	rc = ct_tx(out, kp, SVM_VM_NATIVE, payload.data, payload.len, writes, nw, opt, id);
	svm_buf_free(&payload);
	return rc;
}

int ct_tx(svm_buf_t *out, const svm_keypair_t *kp, uint8_t vm, const uint8_t *payload,
	  size_t payload_len, const svm_id_t *writes, size_t nw, const ct_txopt_t *opt,
	  svm_hash_t *id)
{
	svm_tx_t tx = {
		.chain_id = opt->chain_id,
		.sender = kp->id,
		.nonce = opt->nonce,
		.expiry_height = opt->expiry ? opt->expiry : UINT64_MAX / 2,
		.fee_limit = opt->fee_limit,
		.tip = opt->tip,
		.access_mode = opt->strict ? SVM_ACCESS_STRICT : SVM_ACCESS_DYNAMIC,
		.writes = writes,
		.writes_len = (uint32_t)nw,
		.vm = vm,
		.payload = payload,
		.payload_len = payload_len,
		.scheme = SVM_SCHEME_ED25519,
		.public_key = kp->public_key,
		.public_key_len = SVM_ED25519_PUBKEY_SIZE,
	};
	uint8_t sig[SVM_ED25519_SIG_SIZE];
	int rc = svm_tx_sign(&tx, kp->secret_key, sig, id);
	return rc ? rc : svm_tx_encode(&tx, out);
}

int ct_genesis(svm_genesis_t *g, size_t accounts, uint64_t swr, uint64_t aic,
	       const svm_fee_params_t *fees)
{
	memset(g, 0, sizeof(*g));
	g->chain_id = 7;
	g->timestamp_ms = 1700000000000ull;
	g->fees = *fees;
	g->n_balances = 2 * accounts;
	g->balances = calloc(g->n_balances ? g->n_balances : 1, sizeof(*g->balances));
	if (g->balances == NULL) return SVM_ENOMEM;
	for (size_t i = 0; i < accounts; i++) {
		svm_keypair_t kp;
		ct_key(i, &kp);
		g->balances[2 * i] = (svm_genesis_balance_t){.owner = kp.id, .amount = swr};
		svm_token_id("SWR", &g->balances[2 * i].token);
		g->balances[2 * i + 1] = (svm_genesis_balance_t){.owner = kp.id, .amount = aic};
		svm_token_id("AIC", &g->balances[2 * i + 1].token);
	}
	return 0;
}

void ct_tmpdir(char out[64])
{
	snprintf(out, 64, "/tmp/svmtest.XXXXXX");
	if (mkdtemp(out) == NULL) abort();
}

void ct_rmdir(const char *dir)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

unsigned ct_seed(void)
{
	const char *env = getenv("SVM_TEST_SEED");
	if (env && *env) return (unsigned)strtoul(env, NULL, 0);
	return (unsigned)time(NULL) ^ (unsigned)getpid();
}

json_t *ct_wait_receipt(svm_rpc_client_t *c, const char *hash_hex, unsigned timeout_ms)
{
	uint64_t t_end = svm_clock_ns() + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		json_t *r = NULL;
		if (svm_rpc_call(c, "svm_getTransactionReceipt", json_pack("[s]", hash_hex), &r, NULL, NULL) == 0 &&
		    json_is_object(r))
			return r;
		json_decref(r);
		if (svm_clock_ns() >= t_end) return NULL;
		ct_sleep_ms(20);
	}
}

void ct_sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int ct_free_ports(uint16_t *out, size_t n)
{
	int fd[8];
	size_t open_n = 0;
	int rc = n >= 1 && n <= 8 ? 0 : -1;
	for (; rc == 0 && open_n < n; open_n++) {
		fd[open_n] = socket(AF_INET, SOCK_STREAM, 0);
		if (fd[open_n] < 0) {
			rc = -1;
			break;
		}
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		socklen_t l = sizeof a;
		if (bind(fd[open_n], (struct sockaddr *)&a, sizeof a) != 0 ||
		    getsockname(fd[open_n], (struct sockaddr *)&a, &l) != 0)
			rc = -1;
		else
			out[open_n] = ntohs(a.sin_port);
	}
	for (size_t i = 0; i < open_n; i++) close(fd[i]);
	return rc;
}

uint16_t ct_free_port(void)
{
	uint16_t port = 0;
	return ct_free_ports(&port, 1) == 0 ? port : 0;
}

json_t *ct_rpc(svm_rpc_client_t *c, const char *method, json_t *params, int *code)
{
	json_t *r = NULL;
	int c_err = 0;
	int rc = svm_rpc_call(c, method, params, &r, &c_err, NULL);
	if (code) *code = rc == 0 ? 0 : (c_err ? c_err : -1);
	return r;
}

int ct_wait_up(svm_rpc_client_t *c, pid_t pid, unsigned timeout_ms)
{
	for (unsigned waited = 0; waited <= timeout_ms; waited += 50) {
		json_t *r = NULL;
		if (svm_rpc_call(c, "svm_status", NULL, &r, NULL, NULL) == 0) {
			json_decref(r);
			return 0;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) return 1;
		ct_sleep_ms(50);
	}
	return 1;
}

int ct_stop(pid_t pid, unsigned timeout_ms)
{
	kill(pid, SIGTERM);
	int st = 0;
	for (unsigned waited = 0; waited <= timeout_ms; waited += 50) {
		if (waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		ct_sleep_ms(50);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return 99;
}

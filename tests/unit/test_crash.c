/* Crash safety: a child process commits blocks in a loop and is killed with SIGKILL at a
 * varying moment; the reopened chain must be at its last committed block, with that block's
 * state root, no trace of a later block, and a consistent ledger. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/chaintest.h"

static const svm_fee_params_t FEES = {.a = 1000, .b = 2, .c = 1, .d = 0};
#define ACCOUNTS 16

/* Child: build blocks of transfers forever (until killed). */
static void writer(const char *dir)
{
	svm_chain_t *c;
	if (svm_chain_open(&c, dir, NULL, NULL, NULL)) _exit(3);
	svm_keypair_t keys[ACCOUNTS];
	uint64_t nonce[ACCOUNTS];
	for (int i = 0; i < ACCOUNTS; i++) {
		ct_key((uint64_t)i, &keys[i]);
		if (svm_chain_nonce(c, &keys[i].id, &nonce[i])) _exit(4);
	}
	svm_id_t aic;
	svm_token_id("AIC", &aic);
	for (uint64_t round = 0;; round++) {
		svm_buf_t bufs[ACCOUNTS];
		const uint8_t *ptr[ACCOUNTS];
		size_t len[ACCOUNTS];
		for (int i = 0; i < ACCOUNTS; i++) {
			memset(&bufs[i], 0, sizeof bufs[i]);
			ct_txopt_t opt = {.chain_id = 7, .nonce = nonce[i]++, .fee_limit = 100000};
			if (ct_transfer(&bufs[i], &keys[i], &aic, &keys[(i + 1 + round) % ACCOUNTS].id,
					1 + (uint64_t)i, &opt, NULL))
				_exit(5);
			ptr[i] = bufs[i].data;
			len[i] = bufs[i].len;
		}
		if (svm_chain_build(c, ptr, len, ACCOUNTS, 1, &keys[0].id, NULL, NULL)) _exit(6);
		for (int i = 0; i < ACCOUNTS; i++) svm_buf_free(&bufs[i]);
	}
}

static void check_consistent(const char *dir, unsigned kill_no)
{
	svm_chain_t *c;
	svm_error_t err = {0};
	cr_assert_eq(svm_chain_open(&c, dir, NULL, NULL, &err), 0, "kill %u: reopen: %s", kill_no, err.msg);
	uint64_t h = svm_chain_height(c);
	svm_buf_t blk = {0}, next = {0};
	cr_assert_eq(svm_chain_block(c, h, &blk), 0, "kill %u: head block %llu missing", kill_no,
		     (unsigned long long)h);
	cr_assert_eq(svm_chain_block(c, h + 1, &next), SVM_ENOTFOUND, "kill %u: half-written block",
		     kill_no);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_block_t b;
	cr_assert_eq(svm_block_decode(blk.data, blk.len, &a, &b, NULL, NULL), 0);
	svm_hash_t root;
	svm_chain_head(c, NULL, &root);
	cr_assert(svm_hash_eq(&root, &b.header.state_root), "kill %u: root differs from header", kill_no);
	/* AIC moves only between the funded keys: its total must be intact. */
	svm_id_t aic;
	svm_token_id("AIC", &aic);
	uint64_t sum = 0;
	for (int i = 0; i < ACCOUNTS; i++) {
		svm_keypair_t k;
		ct_key((uint64_t)i, &k);
		uint64_t v;
		cr_assert_eq(svm_chain_balance(c, &aic, &k.id, &v), 0);
		sum += v;
	}
	cr_assert_eq(sum, ACCOUNTS * 5000ull, "kill %u: AIC total changed", kill_no);
	/* Every transaction of the head block has its receipt. */
	for (uint32_t i = 0; i < b.txs_len; i++) {
		svm_tx_t tx;
		svm_hash_t id;
		cr_assert_eq(svm_tx_decode(b.txs[i].p, b.txs[i].len, &a, &tx, &id, NULL), 0);
		svm_buf_t r = {0};
		cr_assert_eq(svm_chain_receipt(c, &id, &r, NULL, NULL, NULL, NULL), 0, "kill %u", kill_no);
		svm_buf_free(&r);
	}
	svm_arena_reset(&a);
	svm_buf_free(&blk);
	svm_buf_free(&next);
	svm_chain_close(c);
}

Test(crash, sigkill_while_committing_reopens_at_the_last_committed_block)
{
	cr_assert_eq(svm_crypto_init(), 0);
	char dir[64];
	ct_tmpdir(dir);
	svm_genesis_t g;
	cr_assert_eq(ct_genesis(&g, ACCOUNTS, 1000000000, 5000, &FEES), 0);
	svm_chain_t *c;
	svm_chain_config_t cfg = {.map_bytes = 1ull << 30};
	cr_assert_eq(svm_chain_open(&c, dir, &g, &cfg, NULL), 0);
	svm_chain_close(c);
	svm_genesis_free(&g);
	unsigned seed = ct_seed();
	srand(seed);
	uint64_t last = 0;
	for (unsigned k = 0; k < 6; k++) {
		pid_t pid = fork();
		cr_assert_neq(pid, -1);
		if (pid == 0) writer(dir);
		struct timespec ts = {0, (long)(50 + rand() % 250) * 1000000L};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		cr_assert(WIFSIGNALED(status), "seed %u kill %u: writer exited early (%d)", seed, k,
			  WEXITSTATUS(status));
		check_consistent(dir, k);
		svm_chain_t *r;
		cr_assert_eq(svm_chain_open(&r, dir, NULL, NULL, NULL), 0);
		uint64_t h = svm_chain_height(r);
		svm_chain_close(r);
		cr_assert_geq(h, last, "seed %u kill %u: height went back", seed, k);
		last = h;
	}
	cr_assert_gt(last, 0, "the writer committed some blocks");
	ct_rmdir(dir);
}

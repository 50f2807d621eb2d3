/* ThreadSanitizer stress test of AOEM's schedulers and multi-version memory: hot-key blocks
 * (all-to-one credits, a 2-account ping-pong, one shared object, mixed declarations) executed
 * with more threads than cores, so the scheduler's hand-offs, ESTIMATE waits, re-executions,
 * the DAG's release of successors and the key table's concurrent inserts all interleave — each
 * block also checked against the reference. Every fourth block is signed and runs through
 * svm_exec_block_signed, whose signature checks interleave with the DAG's work. Built with -fsanitize=thread by `make test-tsan`;
 * prints "stress: N passed, N failed". Usage: exec_stress [blocks] [seed]. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/execgen.h"
#include "supervm/evm.h"

/* The EVM's first transaction in the process on two threads at once: the interpreter's opcode
 * table is filled on first use, which was guarded by a plain static flag (a data race this
 * test makes ThreadSanitizer report; now pthread_once). Each thread runs PUSH1 7 PUSH1 0 SSTORE
 * on a state of its own; returns 0 when both stored 7. */
static pthread_barrier_t evm_start;

static void *evm_first(void *arg)
{
	int *ok = arg;
	static const uint8_t code[] = {0x60, 0x07, 0x60, 0x00, 0x55, 0x00};
	svm_evm_state_t *s = svm_evm_state_new();
	svm_evm_addr_t from = {{0xaa, [19] = 1}}, to = {{0xaa, [19] = 2}};
	svm_u256_t zero = {{0}}, key = {{0}}, v = {{0}};
	svm_evm_block_t blk = {.number = 1, .gas_limit = 30000000, .chain_id = 1};
	svm_evm_tx_t tx = {.from = from, .to = to, .gas_limit = 100000};
	svm_evm_result_t r;
	memset(&r, 0, sizeof r);
	*ok = s && svm_evm_state_set_account(s, &from, &zero, 0, NULL, 0) == 0 &&
	      svm_evm_state_set_account(s, &to, &zero, 0, code, sizeof code) == 0;
	pthread_barrier_wait(&evm_start);
	*ok = *ok && svm_evm_apply_tx(s, &blk, &tx, &r, NULL) == 0 && r.status == 1;
	if (*ok) svm_evm_state_storage(s, &to, &key, &v);
	*ok = *ok && v.w[0] == 7;
	svm_evm_result_free(&r);
	svm_evm_state_free(s);
	return NULL;
}

static int evm_first_on_two_threads(void)
{
	pthread_t t[2];
	int ok[2] = {0, 0};
	if (pthread_barrier_init(&evm_start, NULL, 2)) return 1;
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, evm_first, &ok[i])) return 1;
	for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
	pthread_barrier_destroy(&evm_start);
	if (!ok[0] || !ok[1]) printf("evm: the first transactions on two threads failed\n");
	return !(ok[0] && ok[1]);
}

static int one(unsigned seed, size_t *txs)
{
	eg_rng_t r = {.s = seed};
	static const size_t accounts[] = {2, 3, 16, 200};
	eg_config_t cfg = {.accounts = accounts[eg_below(&r, 4)],
			   .workload = (int)eg_below(&r, EG_WORKLOADS),
			   .strict_pct = (unsigned)eg_below(&r, 3) * 50, .bad_pct = 10,
			   .signed_txs = seed % 4 == 0};
	eg_world_t w;
	if (eg_world_init(&w, &r, &cfg)) return 1;
	size_t n = 64 + eg_below(&r, 400);
	unsigned threads = 2 + (unsigned)eg_below(&r, 7);
	int bad = eg_block(&w, &r, n);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_exec_result_t ref;
	svm_exec_metrics_t m;
	char why[256] = "";
	if (bad == 0 && cfg.signed_txs)
		bad = eg_check_signed(&w, SVM_EXEC_BUILD, threads, &a, &ref, why, sizeof why, &m);
	else if (bad == 0)
		bad = eg_check(&w, SVM_EXEC_BUILD, threads, &a, &ref, why, sizeof why, &m);
	if (bad)
		printf("seed %u (workload %d, %zu accounts, %zu txs, %u threads): %s\n", seed,
		       cfg.workload, cfg.accounts, n, threads, why);
	*txs += n;
	svm_arena_reset(&a);
	eg_world_free(&w);
	return bad != 0;
}

int main(int argc, char **argv)
{
	if (svm_crypto_init()) return 1;
	setenv("SVM_EXEC_SHORTCUT", "0", 1); /* hot blocks stay on the engines under stress */
	size_t blocks = argc > 1 ? strtoul(argv[1], NULL, 0) : 150, txs = 0;
	unsigned seed = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 1;
	unsigned pass = 0, fail = 0;
	if (evm_first_on_two_threads()) fail++; /* first: the EVM has not run in this process yet */
	else pass++;
	for (size_t i = 0; i < blocks; i++) {
		if (one(seed + (unsigned)i, &txs)) fail++;
		else pass++;
	}
	printf("%zu blocks, %zu transactions from seed %u\n", blocks, txs, seed);
	printf("stress: %u passed, %u failed\n", pass, fail);
	return fail != 0;
}

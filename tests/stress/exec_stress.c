/* ThreadSanitizer stress test of AOEM's schedulers and multi-version memory: hot-key blocks
 * (all-to-one credits, a 2-account ping-pong, one shared object, mixed declarations) executed
 * with more threads than cores, so the scheduler's hand-offs, ESTIMATE waits, re-executions,
 * the DAG's release of successors and the key table's concurrent inserts all interleave — each
 * block also checked against the reference. Every fourth block is signed and runs through
 * svm_exec_block_signed, whose signature checks interleave with the DAG's work. Built with -fsanitize=thread by `make test-tsan`;
 * prints "stress: N passed, N failed". Usage: exec_stress [blocks] [seed]. */
#include <stdio.h>
#include <stdlib.h>

#include "lib/execgen.h"

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
	for (size_t i = 0; i < blocks; i++) {
		if (one(seed + (unsigned)i, &txs)) fail++;
		else pass++;
	}
	printf("%zu blocks, %zu transactions from seed %u\n", blocks, txs, seed);
	printf("stress: %u passed, %u failed\n", pass, fail);
	return fail != 0;
}

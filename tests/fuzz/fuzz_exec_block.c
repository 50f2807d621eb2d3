/* Fuzz target: a block generator driven by the fuzz input (accounts, workload, declarations,
 * transaction kinds, amounts, nonces, fees, thread count) executed by svm_exec_block and by the
 * sequential reference; any difference in receipts, statuses, write set or errors aborts. One
 * input in eight signs its transactions and runs svm_exec_block_signed against svm_exec_prepare
 * and the reference. */
#include <stdio.h>
#include <stdlib.h>

#include "lib/execgen.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		if (svm_crypto_init()) abort();
		init = true;
	}
	eg_rng_t r = {.data = data, .len = size};
	eg_config_t cfg = {.accounts = 2 + eg_below(&r, 40), .workload = (int)eg_below(&r, EG_WORKLOADS),
			   .strict_pct = (unsigned)eg_below(&r, 101), .bad_pct = (unsigned)eg_below(&r, 40)};
	cfg.signed_txs = eg_below(&r, 8) == 0;
	unsigned threads = 2 + (unsigned)eg_below(&r, 3);
	size_t n = 1 + eg_below(&r, 120);
	svm_exec_mode_t mode = eg_below(&r, 4) ? SVM_EXEC_BUILD : SVM_EXEC_APPLY;
	eg_world_t w;
	if (eg_world_init(&w, &r, &cfg) || eg_block(&w, &r, n)) abort();
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_exec_result_t ref;
	char why[256] = "";
	int d = cfg.signed_txs ? eg_check_signed(&w, mode, threads, &a, &ref, why, sizeof why, NULL)
			       : eg_check(&w, mode, threads, &a, &ref, why, sizeof why, NULL);
	if (d) {
		fprintf(stderr, "fuzz_exec_block: %s (%zu txs, %u threads, workload %d)\n", why, n,
			threads, cfg.workload);
		abort();
	}
	svm_arena_reset(&a);
	eg_world_free(&w);
	return 0;
}

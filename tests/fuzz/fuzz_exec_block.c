/* Fuzz target: a structure-aware block generator driven by the fuzz input — accounts, workload,
 * declarations, transaction kinds, amounts, nonces, fees, thread count — executed by
 * svm_exec_block and by the sequential reference; any difference in receipts, statuses, write
 * set or errors aborts. Each input runs a short chain of 1 to 3 blocks, the reference's write
 * set applied between them (nonces advance, tokens created in one block are spent in the next).
 * The input's bytes steer the generator while they last; past them it continues from a
 * generator seeded by the input (tests/lib/execgen.c), so even a 1-byte input is a full block
 * of valid-ish transactions and mutating any byte changes the block around it. One input in
 * eight signs its transactions and runs svm_exec_block_signed against svm_exec_prepare and the
 * reference. */
#include <stdio.h>
#include <stdlib.h>

#include "lib/execgen.c"

#define BLOCKS_MAX 3

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
	unsigned blocks = 1 + (unsigned)eg_below(&r, BLOCKS_MAX);
	eg_world_t w;
	if (eg_world_init(&w, &r, &cfg)) abort();
	for (unsigned b = 0; b < blocks; b++) {
		size_t n = 1 + eg_below(&r, 120);
		svm_exec_mode_t mode = eg_below(&r, 4) ? SVM_EXEC_BUILD : SVM_EXEC_APPLY;
		if (eg_block(&w, &r, n)) abort();
		svm_arena_t a;
		svm_arena_init(&a, 0);
		svm_exec_result_t ref;
		char why[256] = "";
		int d = cfg.signed_txs ? eg_check_signed(&w, mode, threads, &a, &ref, why, sizeof why, NULL)
				       : eg_check(&w, mode, threads, &a, &ref, why, sizeof why, NULL);
		if (d) {
			fprintf(stderr, "fuzz_exec_block: block %u: %s (%zu txs, %u threads, workload %d)\n",
				b, why, n, threads, cfg.workload);
			abort();
		}
		/* the next block starts from this one's state (a failed APPLY block changes nothing) */
		if (ref.writes && eg_apply(&w, &ref)) abort();
		svm_arena_reset(&a);
	}
	eg_world_free(&w);
	return 0;
}

/* The native runner: every kernel compiled with clang -O2 and linked into the harness under
 * the name bench_<kernel>, timed in process. */
#include "harness.h"

void bench_native(const bench_kernel_t *k, int reps, run_result_t *out)
{
	*out = (run_result_t){.status = RUN_OK, .ms = -1};
	for (int r = 0; r < reps; r++) {
		double t0 = bench_cpu_ms();
		uint64_t sum = k->native();
		double ms = bench_cpu_ms() - t0;
		if (r > 0 && sum != out->checksum) {
			out->status = RUN_FAILED;
			return;
		}
		out->checksum = sum;
		if (out->ms < 0 || ms < out->ms)
			out->ms = ms;
	}
}

/* The SuperVM runner when the harness is built without the VM (include/supervm/wasm.h or
 * build/libsupervm.a not usable yet): every SuperVM column reads n/a. */
#include <stdio.h>

#include "harness.h"

#ifndef BENCH_SVM_MISSING
#define BENCH_SVM_MISSING "SuperVM not linked"
#endif

const char bench_svm_build[] = "not linked: " BENCH_SVM_MISSING;

void bench_svm(const char *wasm_path, const svm_run_t *how, run_result_t *out)
{
	(void)wasm_path, (void)how;
	*out = (run_result_t){.status = RUN_NA};
	snprintf(out->note, sizeof out->note, "%s", BENCH_SVM_MISSING);
}

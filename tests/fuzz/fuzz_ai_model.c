/* libFuzzer target for svm_ai_model_parse: any input must parse or be rejected without crashing;
 * a model that parses must run through the native int8 inference on an all-255 input without
 * touching memory outside the model (ASan) and produce output_len bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/ai.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svm_ai_model_t m;
	if (svm_ai_model_parse(data, size, &m) != 0) return 0;
	if (m.input_len == 0 || m.input_len > SVM_AI_DIM_MAX || m.output_len > SVM_AI_OUTPUT_MAX) {
		fprintf(stderr, "parsed model out of its limits\n");
		abort();
	}
	uint8_t in[SVM_AI_DIM_MAX], out[SVM_AI_OUTPUT_MAX];
	memset(in, 255, sizeof in);
	if (svm_ai_infer_native(&m, in, m.input_len, out) != 0) {
		fprintf(stderr, "a parsed model fails to run\n");
		abort();
	}
	return 0;
}

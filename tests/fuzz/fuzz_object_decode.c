/* libFuzzer target for svm_object_decode: any input must decode without crashing, and an input
 * that decodes must re-encode to exactly itself (the encoding is canonical). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svm_object_t v;
	int rc = svm_object_decode(data, size, &v, NULL);
	svm_buf_t out = {0};
	if (rc == 0) {
		if (svm_object_encode(&v, &out) != 0) {
			fprintf(stderr, "decoded object does not re-encode\n");
			abort();
		}
		if (out.len != size || memcmp(out.data, data, size) != 0) {
			fprintf(stderr, "object re-encodes to different bytes (%zu vs %zu)\n", out.len, size);
			abort();
		}

	}
	svm_buf_free(&out);

	return 0;
}

/* libFuzzer target for svm_receipt_decode: any input must decode without crashing, and an input
 * that decodes must re-encode to exactly itself (the encoding is canonical). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svm_arena_t arena;
	svm_arena_init(&arena, 1u << 20);
	svm_receipt_t v;
	int rc = svm_receipt_decode(data, size, &arena, &v, NULL);
	svm_buf_t out = {0};
	if (rc == 0) {
		if (svm_receipt_encode(&v, &out) != 0) {
			fprintf(stderr, "decoded receipt does not re-encode\n");
			abort();
		}
		if (out.len != size || memcmp(out.data, data, size) != 0) {
			fprintf(stderr, "receipt re-encodes to different bytes (%zu vs %zu)\n", out.len, size);
			abort();
		}

	}
	svm_buf_free(&out);
	svm_arena_reset(&arena);
	return 0;
}

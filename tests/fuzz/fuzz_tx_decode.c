/* libFuzzer target for svm_tx_decode: any input must decode without crashing, and an input
 * that decodes must re-encode to exactly itself (the encoding is canonical). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svm_arena_t arena;
	svm_arena_init(&arena, 1u << 20);
	svm_tx_t v;
	svm_hash_t id;
	int rc = svm_tx_decode(data, size, &arena, &v, &id, NULL);
	svm_buf_t out = {0};
	if (rc == 0) {
		if (svm_tx_encode(&v, &out) != 0) {
			fprintf(stderr, "decoded tx does not re-encode\n");
			abort();
		}
		if (out.len != size || memcmp(out.data, data, size) != 0) {
			fprintf(stderr, "tx re-encodes to different bytes (%zu vs %zu)\n", out.len, size);
			abort();
		}
		svm_hash_t id2;
		if (svm_tx_id(&v, &id2) != 0 || !svm_hash_eq(&id, &id2)) abort();
	}
	svm_buf_free(&out);
	svm_arena_reset(&arena);
	return 0;
}

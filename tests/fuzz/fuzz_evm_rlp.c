/* libFuzzer target for the EVM's RLP decoder: any input must decode or fail without crashing,
 * and an input that decodes must re-encode to exactly itself (the decoder accepts only the
 * canonical encoding). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/evm.h"

/* depth is bounded by SVM_RLP_DEPTH_MAX: svm_rlp_decode checked the nesting */
static int reencode(const svm_rlp_item_t *it, svm_buf_t *b)
{
	if (!it->is_list) return svm_rlp_put_bytes(b, it->p, it->len);
	size_t start = b->len, pos = 0;
	svm_rlp_item_t c;
	int rc;
	while ((rc = svm_rlp_next(it, &pos, &c)) == 1)
		if ((rc = reencode(&c, b))) return rc;
	return rc ? rc : svm_rlp_wrap_list(b, start);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svm_rlp_item_t it;
	if (svm_rlp_decode(data, size, &it) != 0) return 0;
	svm_buf_t out = {0};
	if (reencode(&it, &out) != 0) {
		fprintf(stderr, "decoded RLP does not re-encode\n");
		abort();
	}
	if (out.len != size || memcmp(out.data, data, size) != 0) {
		fprintf(stderr, "RLP re-encodes to different bytes (%zu vs %zu)\n", out.len, size);
		abort();
	}
	svm_buf_free(&out);
	return 0;
}

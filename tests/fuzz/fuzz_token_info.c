/* libFuzzer target for svm_token_info_decode (a token object's payload: symbol, decimals,
 * supply): any input must decode without crashing; an accepted one has a symbol of at most
 * SVM_TOKEN_SYMBOL_MAX bytes and re-encodes to exactly itself when its symbol has no NUL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svm_token_info_t info;
	if (svm_token_info_decode(data, size, &info) != 0) return 0;
	size_t sym_len = strlen(info.symbol);
	if (sym_len > SVM_TOKEN_SYMBOL_MAX) abort();
	svm_buf_t out = {0};
	int rc = svm_varint_append(&out, sym_len);
	if (rc == 0) rc = svm_buf_append(&out, info.symbol, sym_len);
	if (rc == 0) rc = svm_varint_append(&out, info.decimals);
	if (rc == 0) rc = svm_varint_append(&out, info.supply);
	/* a symbol with a NUL byte decodes to a shorter string (its length is one varint byte) */
	bool has_nul = size > 0 && data[0] != sym_len;
	if (rc == 0 && !has_nul && (out.len != size || memcmp(out.data, data, size) != 0)) {
		fprintf(stderr, "token payload re-encodes to different bytes (%zu vs %zu)\n", out.len, size);
		abort();
	}
	svm_buf_free(&out);
	return 0;
}

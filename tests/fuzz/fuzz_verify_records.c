/* libFuzzer target for the verification programs' decoders: the first byte picks a dispute
 * record (program 19: a claim with its games, version 6, a job's claim, version 5, or a claim's
 * game, version 7), a stored TDX collateral set, the pins object (program 18), or a state's
 * core as a job dispute's opening carries it (svm_step_core_output). Anything must decode or be rejected without crashing, and what
 * decodes must re-encode to exactly the input (the encodings are canonical); a core hashed
 * with its own bytes must open or be malformed, never "another state". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/ai.h"
#include "supervm/verify.h"

static svm_dispute_t dispute;

static void same(const svm_buf_t *b, const uint8_t *p, size_t n, const char *what)
{
	if (b->len != n || memcmp(b->data, p, n) != 0) {
		fprintf(stderr, "%s re-encodes to different bytes\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0) return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	svm_buf_t b = {0};
	if (data[0] % 4 == 3) {
		/* the state hash of these very bytes, so the parser is what decides */
		svm_hash_t mh = {{0}}, state, oh;
		svm_sha256_ctx_t c;
		svm_sha256_init(&c);
		svm_sha256_update(&c, "svm/step/v3", 11); /* step.c's state tag */
		svm_sha256_update(&c, mh.b, 32);
		svm_sha256_update(&c, p, n);
		svm_sha256_final(&c, &state);
		uint8_t status;
		uint32_t out_len;
		int rc = svm_step_core_output(&mh, p, n, &state, &status, &out_len, &oh);
		if (rc != 0 && rc != SVM_EDECODE && rc != SVM_ELIMIT) abort();
		if (rc == 0 && (status > SVM_STEP_OUT_OF_GAS || out_len > SVM_AI_OUTPUT_MAX)) abort();
	} else if (data[0] % 4 == 0) {
		if (svm_dispute_decode(p, n, &dispute) == 0 && svm_dispute_encode(&dispute, &b) == 0)
			same(&b, p, n, "dispute");
	} else if (data[0] % 4 == 2) {
		svm_attest_pins_t pins;
		if (svm_attest_pins_decode(p, n, &pins) == 0 && svm_attest_pins_encode(&pins, &b) == 0)
			same(&b, p, n, "attest pins");
	} else {
		svm_tdx_collateral_t col;
		if (svm_attest_tdx_decode(p, n, &col) == 0 && svm_attest_tdx_encode(&col, &b) == 0)
			same(&b, p, n, "tdx collateral");
	}
	svm_buf_free(&b);
	return 0;
}

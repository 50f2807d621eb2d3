/* libFuzzer target for the state-proof decoder and verifier: any input must decode or be
 * rejected without a crash, a decoded proof must re-encode to exactly the input (canonical:
 * one byte string per proof), and verification of arbitrary bytes must not crash. */
#include <stdlib.h>
#include <string.h>

#include "supervm/state.h"

static size_t encode(const svm_state_proof_t *p, uint8_t *out)
{
	size_t pos = 0;
	out[pos++] = SVM_STATE_PROOF_FORMAT;
	out[pos++] = p->level_count;
	for (unsigned i = 0; i < p->level_count; i++) {
		uint16_t bm = p->levels[i].bitmap;
		out[pos++] = (uint8_t)(bm >> 8);
		out[pos++] = (uint8_t)bm;
		size_t n = 32u * (size_t)__builtin_popcount(bm);
		memcpy(out + pos, p->levels[i].siblings, n);
		pos += n;
	}
	out[pos++] = p->terminal;
	if (p->terminal == SVM_STATE_PROOF_TERM_LEAF) {
		memcpy(out + pos, p->leaf_key.b, 32);
		memcpy(out + pos + 32, p->leaf_value_hash.b, 32);
		pos += 64;
	}
	return pos;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svm_state_proof_t p;
	if (svm_state_proof_decode(data, size, &p) == 0) {
		if (size > SVM_STATE_PROOF_BYTES_MAX) abort();
		static uint8_t buf[SVM_STATE_PROOF_BYTES_MAX];
		size_t n = encode(&p, buf);
		if (n != size || memcmp(buf, data, size) != 0) abort();
	}
	/* Verify against a root and key taken from the input's tail (any bytes). */
	svm_hash_t root = {{0}}, key = {{0}}, vh = {{0}};
	if (size >= 96) {
		memcpy(root.b, data + size - 32, 32);
		memcpy(key.b, data + size - 64, 32);
		memcpy(vh.b, data + size - 96, 32);
	}
	(void)svm_state_proof_verify(&root, &key, NULL, data, size);
	(void)svm_state_proof_verify(&root, &key, &vh, data, size);
	if (p.terminal == SVM_STATE_PROOF_TERM_LEAF && svm_state_proof_decode(data, size, &p) == 0)
		(void)svm_state_proof_verify(&root, &p.leaf_key, &p.leaf_value_hash, data, size);
	return 0;
}

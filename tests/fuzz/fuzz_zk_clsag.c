/* libFuzzer target for the CLSAG decoder: any input, read as a key image ‖ signature for a
 * fixed ring of 4, must be rejected (nobody knows those keys) without crashing, and anything
 * not exactly (4 + 2)·32 bytes long must be a decode error. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/base.h"
#include "supervm/privacy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (sodium_init() < 0) abort();
	enum { N = 4 };
	uint8_t P[N][32], C[N][32];
	for (int i = 0; i < N; i++) {
		uint8_t w[64] = {(uint8_t)i, 1};
		crypto_core_ristretto255_from_hash(P[i], w);
		w[1] = 2;
		crypto_core_ristretto255_from_hash(C[i], w);
	}
	if (size < 32) return 0;
	int rc = svm_zk_clsag_verify(data + 32, size - 32, data, (const uint8_t(*)[32])P,
				     (const uint8_t(*)[32])C, N, (const uint8_t *)"m", 1);
	if (rc == 0) abort();
	if (size - 32 != svm_zk_clsag_bytes(N) && rc != SVM_EDECODE) abort();
	return 0;
}

/* libFuzzer target for the key-image proof decoder (view-only wallets' key-image import): any
 * input, read as a key image ‖ proof for a fixed one-time key P, must be rejected (nobody knows
 * P's secret) without crashing, and anything not exactly 32 + 64 bytes must be a decode error. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/base.h"
#include "supervm/privacy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (sodium_init() < 0) abort();
	uint8_t P[32], w[64] = {0x4b, 1};
	crypto_core_ristretto255_from_hash(P, w);
	if (size < 32) return 0;
	for (int gen = SVM_ZK_BASE_B; gen <= SVM_ZK_BASE_BLINDING; gen++) {
		int rc = svm_zk_key_image_verify(data + 32, size - 32, data, gen, P, (const uint8_t *)"m", 1);
		if (rc == 0) abort();
		if (size - 32 != SVM_ZK_KEY_IMAGE_PROOF_BYTES && rc != SVM_EDECODE) abort();
	}
	return 0;
}

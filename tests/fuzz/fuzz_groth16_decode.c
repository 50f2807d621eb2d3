/* libFuzzer target for the Groth16 decoders: any bytes as a verifying key (then, when it is
 * well formed, the rest as inputs and a proof) must be checked or rejected without crashing,
 * and nothing random may verify; any bytes as the program's payload must yield an access set or
 * a decode error. */
#include <stdlib.h>
#include <string.h>

#include "supervm/groth16.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svm_id_t ids[4];
	size_t n;
	int rc = svm_groth16_access(data, size, ids, 4, &n);
	if (rc != 0 && rc != SVM_EDECODE) abort();
	rc = svm_groth16_reads(data, size, ids, 4, &n);
	if (rc != 0 && rc != SVM_EDECODE) abort();
	if (size < 2) return 0;
	size_t vk_len = data[0] * 8u + 1;
	if (vk_len > size - 1) vk_len = size - 1;
	const uint8_t *vk = data + 1, *rest = data + 1 + vk_len;
	size_t rest_len = size - 1 - vk_len;
	if (svm_groth16_vk_check(vk, vk_len) != 0) return 0;
	size_t np = vk[1] & 0x7f;
	if (rest_len < 32 * np + SVM_GROTH16_PROOF_BYTES) return 0;
	rc = svm_groth16_verify(vk, vk_len, (const uint8_t(*)[32])rest, np, rest + 32 * np,
				rest_len - 32 * np);
	if (rc == 0) abort(); /* a random proof for a random key */
	return 0;
}

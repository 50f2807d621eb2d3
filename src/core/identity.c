/* Address derivations from an identity for other VMs (the identity itself is
 * svm_identity_derive in crypto). Derivations never change once released. */
#include <string.h>

#include "supervm/core.h"

/* the address is the hash's last 20 bytes */
_Static_assert(SVM_EVM_ADDRESS_SIZE <= SVM_HASH_SIZE, "an address is a hash suffix");

void svm_identity_evm_address(const svm_id_t *id, uint8_t out[SVM_EVM_ADDRESS_SIZE])
{
	svm_slice_t part = {id->b, SVM_HASH_SIZE};
	svm_hash_t h;
	svm_sha256_tagged("svm/evm", &part, 1, &h);
	memcpy(out, h.b + SVM_HASH_SIZE - SVM_EVM_ADDRESS_SIZE, SVM_EVM_ADDRESS_SIZE);
}

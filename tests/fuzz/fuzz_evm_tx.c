/* libFuzzer target for svm_evm_tx_decode (Ethereum transactions): any input must be accepted
 * or rejected without crashing; an accepted one has intrinsic gas within its gas limit and a
 * hash equal to the Keccak-256 of its bytes; a rejected one leaves the output empty. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/evm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svm_evm_signed_tx_t t;
	svm_error_t err = {0};
	int rc = svm_evm_tx_decode(data, size, 1, &t, &err);
	if (rc == 0) {
		uint8_t h[32];
		svm_keccak256(data, size, h);
		if (memcmp(h, t.hash, 32) || t.intrinsic_gas > t.tx.gas_limit) {
			fprintf(stderr, "accepted transaction with a wrong hash or gas\n");
			abort();
		}
		svm_evm_signed_tx_free(&t);
	} else if (t.access_owned || t.keys_owned || t.blobs_owned || err.msg[0] == 0) {
		fprintf(stderr, "rejected transaction left state or no message\n");
		abort();
	}
	return 0;
}

/* libFuzzer target for the stored governance proposal (svm_proposal_decode, econ.h) and so for
 * every proposal body's check, the attestation pins list of kind attest_pins among them: any
 * input decodes or is rejected without crashing; a decoded proposal re-encodes to a record that
 * decodes to the same proposal, and an attest_pins body decodes as a non-empty pin list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/econ.h"
#include "supervm/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static svm_proposal_t p, q;
	memset(&p, 0, sizeof p);
	if (svm_proposal_decode(data, size, &p) != 0) return 0;
	if (p.body_len > sizeof p.body) abort();
	svm_buf_t b = {0};
	if (svm_proposal_encode(&p, &b) != 0) abort();
	memset(&q, 0, sizeof q);
	if (svm_proposal_decode(b.data, b.len, &q) != 0 || memcmp(&p, &q, sizeof p) != 0) {
		fprintf(stderr, "a decoded proposal does not survive its re-encoding\n");
		abort();
	}
	svm_buf_free(&b);
	if (p.kind == SVM_PROPOSAL_ATTEST_PINS) {
		svm_attest_pins_t pins;
		if (svm_attest_pins_decode(p.body, p.body_len, &pins) != 0 || pins.n_amd_ark + pins.n_intel_root == 0)
			abort();
	}
	return 0;
}

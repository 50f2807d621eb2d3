/* libFuzzer target: SEV-SNP evidence. The input is a report (the first 0x4A0 bytes, or fewer),
 * then a u16 length and that many bytes of key certificate, then the ASK/ARK chain. Parsing and
 * verification must never crash, leak or accept without a full, genuine chain; a parsed report
 * must be 0x4A0 bytes with signature algorithm 1. */
#include <stdint.h>
#include <string.h>

#include "supervm/attest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svm_snp_report_t r;
	size_t rl = size < SVM_SNP_REPORT_SIZE ? size : SVM_SNP_REPORT_SIZE;
	int rc = svm_snp_report_parse(data, rl, &r, NULL);
	if (rc > 0) __builtin_trap();
	if (rc == 0 && (rl != SVM_SNP_REPORT_SIZE || r.sig_algo != 1)) __builtin_trap();
	if (size < rl + 2) return 0;
	size_t kl = (size_t)data[rl] | (size_t)data[rl + 1] << 8;
	const uint8_t *k = data + rl + 2;
	size_t left = size - rl - 2;
	if (kl > left) kl = left;
	svm_error_t err = {0};
	rc = svm_snp_verify(data, rl, k, kl, k + kl, left - kl, 1735689600, NULL, NULL, &err);
	if (rc > 0 || (rc != 0 && err.code != rc && err.code != 0)) __builtin_trap();
	rc = svm_snp_verify_chain(k, kl, k + kl, left - kl, 1735689600, NULL, NULL, NULL);
	if (rc > 0) __builtin_trap();
	return 0;
}

/* libFuzzer target: TDX DCAP quotes. svm_tdx_quote_parse must agree with svm_tdx_quote_size
 * (a parsed quote occupies exactly its input), and the collateral-free verification (PCK chain,
 * SGX extension, QE report, signatures) must never crash or leak on any input. */
#include <stdint.h>
#include <string.h>

#include "supervm/attest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svm_tdx_quote_t q;
	size_t n = 0;
	int rc = svm_tdx_quote_parse(data, size, &q, NULL);
	int rs = svm_tdx_quote_size(data, size, &n);
	if (rc > 0 || rs > 0) __builtin_trap();
	if (rc == 0 && (rs != 0 || n != size || q.quote_len != size)) __builtin_trap();
	if (rs == 0 && n > size) __builtin_trap();
	if (rs == 0) {
		svm_tdx_result_t res;
		rc = svm_tdx_verify_quote(data, n, 1751328000, NULL, &res, NULL);
		if (rc > 0) __builtin_trap();
	}
	return 0;
}

/* libFuzzer target: TDX collateral. The input is tried as dcap-qvl's collateral JSON, as an
 * Intel PCS response ({"tcbInfo":…,"signature":…}), and as the TCB info and QE identity bodies
 * that the verifier parses once their signature holds (att_tdx_eval_collateral skips the
 * signature, so the fuzzer reaches the TCB level walk). None may crash, leak or loop. */
#include <stdint.h>
#include <string.h>

#include "attest/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svm_buf_t store = {0};
	svm_tdx_collateral_t col;
	int rc = svm_tdx_collateral_from_json(data, size, &store, &col, NULL);
	if (rc > 0) __builtin_trap();
	if (rc == 0 && col.tcb_info.len + col.qe_identity.len > store.len) __builtin_trap();
	svm_buf_free(&store);
	svm_slice_t body;
	uint8_t sig[64];
	rc = svm_tdx_pcs_split(data, size, "tcbInfo", &body, sig, NULL);
	if (rc > 0 || (rc == 0 && (body.p < data || body.p + body.len > data + size))) __builtin_trap();
	svm_tdx_result_t res;
	uint8_t qe[SVM_TDX_QE_REPORT_SIZE] = {0};
	memset(&res, 0, sizeof res);
	rc = att_tdx_eval_collateral((svm_slice_t){data, size}, (svm_slice_t){data, size}, qe,
				     1751328000, &res, NULL);
	if (rc > 0) __builtin_trap();
	return 0;
}

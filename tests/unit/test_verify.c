/* Unit tests for verification levels and the acceptance of TEE evidence for a VCR: the level
 * table, the level a result meets, fee/bond scaling with overflow, and the binding rule over
 * real evidence from ../shared/attestation-vectors (a genuine report whose report data does
 * not bind the job is refused; so are an unknown measurement and a debuggable guest). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/verify.h"

Test(verify_levels, table_names_and_met_levels)
{
	svm_verify_rules_t r[3];
	for (int i = 0; i < 3; i++) cr_assert_eq(svm_verify_rules((svm_verify_level_t)i, &r[i]), 0);
	cr_assert_eq(svm_verify_rules(SVM_VERIFY_LEVELS, &r[0]), SVM_EINVAL);
	cr_assert(!r[0].trace_required && !r[0].tee_required && r[0].replicas_min >= 2);
	cr_assert(r[1].trace_required && !r[1].tee_required);
	cr_assert(r[2].trace_required && r[2].tee_required);
	/* each level asks more, lasts longer and costs more */
	for (int i = 1; i < 3; i++) {
		cr_assert_gt(r[i].challenge_blocks, r[i - 1].challenge_blocks);
		cr_assert_gt(r[i].fee_pct, r[i - 1].fee_pct);
		cr_assert_gt(r[i].bond_pct, r[i - 1].bond_pct);
	}
	svm_verify_level_t l;
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(svm_verify_level_parse(svm_verify_level_name((svm_verify_level_t)i), &l), 0);
		cr_assert_eq(l, (svm_verify_level_t)i);
	}
	cr_assert_eq(svm_verify_level_parse("high_value", &l), SVM_EDECODE);
	cr_assert_eq(svm_verify_level_met(3, false, false), SVM_VERIFY_STANDARD);
	cr_assert_eq(svm_verify_level_met(1, true, false), SVM_VERIFY_AUDITABLE);
	cr_assert_eq(svm_verify_level_met(1, false, true), SVM_VERIFY_STANDARD); /* TEE alone: no trace */
	cr_assert_eq(svm_verify_level_met(1, true, true), SVM_VERIFY_HIGH_VALUE);
	uint64_t f, b;
	cr_assert_eq(svm_verify_scale(SVM_VERIFY_HIGH_VALUE, 1000, 10, &f, &b), 0);
	cr_assert_eq(f, 2500);
	cr_assert_eq(b, 40);
	cr_assert_eq(svm_verify_scale(SVM_VERIFY_AUDITABLE, UINT64_MAX / 100, 1, &f, &b), SVM_EOVERFLOW);
}

static svm_vcr_binding_t job(void)
{
	svm_vcr_binding_t b;
	memset(&b, 0, sizeof b);
	for (int i = 0; i < 32; i++) {
		b.job_id.b[i] = (uint8_t)i;
		b.input_hash.b[i] = (uint8_t)(i + 1);
		b.model_hash.b[i] = (uint8_t)(i + 2);
		b.code_hash.b[i] = (uint8_t)(i + 3);
		b.output_hash.b[i] = (uint8_t)(i + 4);
	}
	b.seed = 42;
	return b;
}

Test(verify_tee, binding_measurement_and_debug_rules)
{
	svm_vcr_binding_t b = job();
	svm_hash_t h;
	svm_vcr_binding_hash(&b, &h);
	uint8_t rd[64] = {0}, meas[48], other[48];
	memcpy(rd, h.b, 32);
	memset(meas, 0xab, 48);
	memset(other, 0xcd, 48);
	const uint8_t allowed[2][48] = {{0}, {0}};
	uint8_t list[2][48];
	memcpy(list, allowed, sizeof list);
	memcpy(list[1], meas, 48);
	svm_error_t err = {0};
	cr_assert_eq(svm_vcr_accept_tee(rd, meas, false, &b, (const uint8_t(*)[48])list, 2, &err), 0, "%s", err.msg);
	cr_assert_eq(svm_vcr_accept_tee(rd, other, false, &b, (const uint8_t(*)[48])list, 2, &err), SVM_EPERM);
	cr_assert_eq(svm_vcr_accept_tee(rd, meas, true, &b, (const uint8_t(*)[48])list, 2, &err), SVM_EPERM);
	/* every field of the job is bound */
	svm_vcr_binding_t c = b;
	c.seed++;
	cr_assert_eq(svm_vcr_accept_tee(rd, meas, false, &c, (const uint8_t(*)[48])list, 2, &err), SVM_EPROOF);
	c = b;
	c.output_hash.b[31] ^= 1;
	cr_assert_eq(svm_vcr_accept_tee(rd, meas, false, &c, (const uint8_t(*)[48])list, 2, &err), SVM_EPROOF);
	rd[63] = 1; /* the second half must be zero */
	cr_assert_eq(svm_vcr_accept_tee(rd, meas, false, &b, (const uint8_t(*)[48])list, 2, &err), SVM_EPROOF);
}

static uint8_t *load(const char *rel, size_t *n)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s",
		 getenv("SVM_ATTEST_VECTORS") ? getenv("SVM_ATTEST_VECTORS") : "../shared/attestation-vectors",
		 rel);
	FILE *f = fopen(path, "rb");
	if (!f) {
		const char *ci = getenv("CI");
		if (ci && strcmp(ci, "true") == 0) cr_assert_fail("attestation vector %s missing (CI=true)", path);
		fprintf(stderr, "\n*** SKIP: attestation vector %s missing ***\n\n", path);
		cr_skip_test("attestation vector %s missing", path);
	}
	uint8_t *p = malloc(1 << 17);
	*n = fread(p, 1, 1 << 17, f);
	fclose(f);
	return p;
}

Test(verify_tee, real_evidence_that_does_not_bind_the_job_is_refused)
{
	size_t rn, kn, cn, qn, jn;
	uint8_t *r = load("sev-snp/go-sev-guest/attestation.bin", &rn);
	uint8_t *k = load("sev-snp/go-sev-guest/vcek.testcer", &kn);
	uint8_t *c = load("sev-snp/go-sev-guest/ask_ark_milan.pem", &cn);
	svm_snp_result_t sr;
	svm_error_t err = {0};
	cr_assert_eq(svm_snp_verify(r, rn, k, kn, c, cn, 1735689600, NULL, &sr, &err), 0, "%s", err.msg);
	svm_vcr_binding_t b = job();
	const uint8_t(*allowed)[48] = (const uint8_t(*)[48])sr.report.measurement;
	cr_assert_eq(svm_vcr_accept_tee(sr.report.report_data, sr.report.measurement,
					svm_snp_debuggable(&sr.report), &b, allowed, 1, &err),
		     SVM_EPROOF);
	uint8_t *q = load("tdx/dcap-qvl/tdx_quote", &qn), *j = load("tdx/dcap-qvl/tdx_quote_collateral.json", &jn);
	size_t ql;
	svm_buf_t store = {0};
	svm_tdx_collateral_t col;
	svm_tdx_result_t tr;
	cr_assert_eq(svm_tdx_quote_size(q, qn, &ql), 0);
	cr_assert_eq(svm_tdx_collateral_from_json(j, jn, &store, &col, &err), 0);
	cr_assert_eq(svm_tdx_verify(q, ql, &col, 1751328000, NULL, SVM_TCB_UP_TO_DATE, &tr, &err), 0, "%s",
		     err.msg);
	allowed = (const uint8_t(*)[48])tr.quote.mrtd;
	cr_assert_eq(svm_vcr_accept_tee(tr.quote.report_data, tr.quote.mrtd, svm_tdx_debuggable(&tr.quote),
					&b, allowed, 1, &err),
		     SVM_EPROOF);
	svm_buf_free(&store);
	free(r), free(k), free(c), free(q), free(j);
}

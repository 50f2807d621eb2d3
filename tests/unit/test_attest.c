/* Unit tests for the attestation module over the real evidence pinned in
 * ../shared/attestation-vectors (read in place, never copied): both Milan SNP reports and the
 * TDX quotes verify as of a time inside their windows and fail outside them; single-bit changes
 * to reports, quotes, certificates and collateral fail; forged roots, revoked or expired
 * collateral, and foreign chains fail with the error that names the check.
 *
 * Missing vectors: under CI=true a failure, elsewhere a loud skip. SVM_ATTEST_FLIPS=all flips
 * every bit of every byte (make test-attest-flips); by default a seeded sample of ~128 flips
 * per buffer. SVM_ATTEST_VECTORS overrides the vector directory. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervm/attest.h"

/* ------------------------------------------------------------ vectors */

typedef struct {
	uint8_t *p;
	size_t len;
} blob_t;

static const char *vec_dir(void)
{
	const char *d = getenv("SVM_ATTEST_VECTORS");
	return d && *d ? d : "../shared/attestation-vectors";
}

/* Loads DIR/rel, or skips (fails under CI=true) when the vectors are not there. */
static blob_t load(const char *rel)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", vec_dir(), rel);
	blob_t b = {0};
	FILE *f = fopen(path, "rb");
	if (!f) {
		const char *ci = getenv("CI");
		if (ci && strcmp(ci, "true") == 0) cr_assert_fail("attestation vector %s missing (CI=true)", path);
		fprintf(stderr, "\n*** SKIP: attestation vector %s missing; tests that need it are skipped ***\n\n",
			path);
		cr_skip_test("attestation vector %s missing", path);
	}
	b.p = malloc(SVM_ATTEST_EVIDENCE_MAX * 2);
	cr_assert(b.p);
	b.len = fread(b.p, 1, SVM_ATTEST_EVIDENCE_MAX * 2, f);
	fclose(f);
	return b;
}

static blob_t load_hex(const char *rel)
{
	blob_t h = load(rel), b = {malloc(h.len / 2 + 1), 0};
	for (size_t i = 0; i + 1 < h.len; i += 2) {
		unsigned v;
		if (sscanf((const char *)h.p + i, "%2x", &v) != 1) break;
		b.p[b.len++] = (uint8_t)v;
	}
	free(h.p);
	return b;
}

static int64_t at(const char *iso) /* "2025-07-01T00:00:00Z" */
{
	int64_t t;
	cr_assert_eq(svm_attest_parse_time(iso, strlen(iso), &t), 0, "bad time %s", iso);
	return t;
}

static bool all_flips(void)
{
	const char *f = getenv("SVM_ATTEST_FLIPS");
	return f && strcmp(f, "all") == 0;
}

/* Flips bits of buf[0..len) one at a time, calls check (which must fail), restores. With
 * SVM_ATTEST_FLIPS=all: every bit of every byte. Otherwise a seeded sample: about 128 bytes per
 * buffer (a stride from a random start), one seeded bit each; the seed is printed on failure
 * and SVM_TEST_SEED replays it. Returns the number of flips tried. */
static unsigned flip_seed(void)
{
	static unsigned seed;
	if (!seed) {
		const char *s = getenv("SVM_TEST_SEED");
		seed = s && *s ? (unsigned)strtoul(s, NULL, 10) : (unsigned)time(NULL) | 1;
	}
	return seed;
}

#define FLIPS(buf, len, check_expr, what)                                                       \
	({                                                                                      \
		size_t n_ = 0, len_ = (len);                                                    \
		bool all_ = all_flips();                                                        \
		size_t stride_ = all_ || len_ < 128 ? 1 : len_ / 128;                           \
		unsigned s_ = flip_seed();                                                      \
		for (size_t i_ = all_ ? 0 : s_ % stride_; i_ < len_; i_ += stride_) {           \
			for (int b_ = 0; b_ < 8; b_++) {                                         \
				if (!all_ && b_ != (int)((s_ + i_ * 7) % 8)) continue;           \
				(buf)[i_] ^= (uint8_t)(1u << b_);                                \
				int rc_ = (check_expr);                                          \
				(buf)[i_] ^= (uint8_t)(1u << b_);                                \
				cr_assert_neq(rc_, 0,                                            \
					      "%s: flipping bit %d of byte %zu was accepted (seed %u)", \
					      what, b_, i_, s_);                                 \
				n_++;                                                            \
			}                                                                        \
		}                                                                               \
		n_;                                                                             \
	})

/* ------------------------------------------------------------ SNP */

typedef struct {
	blob_t report, vcek, chain;
} snp_vec_t;

static snp_vec_t snp_go(void)
{
	return (snp_vec_t){load("sev-snp/go-sev-guest/attestation.bin"),
			   load("sev-snp/go-sev-guest/vcek.testcer"),
			   load("sev-snp/go-sev-guest/ask_ark_milan.pem")};
}

static snp_vec_t snp_virtee(void)
{
	return (snp_vec_t){load_hex("sev-snp/virtee-sev/report_milan.hex"),
			   load("sev-snp/virtee-sev/vcek_milan.der"),
			   load("sev-snp/virtee-sev/cert_chain_milan")};
}

static void snp_free(snp_vec_t *v)
{
	free(v->report.p);
	free(v->vcek.p);
	free(v->chain.p);
}

static int snp_check(const snp_vec_t *v, int64_t now, svm_snp_result_t *res, svm_error_t *err)
{
	return svm_snp_verify(v->report.p, v->report.len, v->vcek.p, v->vcek.len, v->chain.p,
			      v->chain.len, now, NULL, res, err);
}

Test(attest_snp, both_milan_reports_verify_inside_their_window)
{
	snp_vec_t vs[2] = {snp_go(), snp_virtee()};
	for (int i = 0; i < 2; i++) {
		svm_snp_result_t res;
		svm_error_t err = {0};
		cr_assert_eq(vs[i].report.len, SVM_SNP_REPORT_SIZE);
		int rc = snp_check(&vs[i], at("2025-01-01T00:00:00Z"), &res, &err);
		cr_assert_eq(rc, 0, "vector %d: %s", i, err.msg);
		cr_assert_str_eq(res.product, "Milan");
		cr_assert_eq(res.signing_key, SVM_SNP_KEY_VCEK);
		cr_assert_eq(res.report.sig_algo, 1);
		cr_assert_eq(svm_snp_debuggable(&res.report), (res.report.policy >> 19) & 1);
		snp_free(&vs[i]);
	}
}

Test(attest_snp, reports_fail_before_and_after_the_vcek_window)
{
	snp_vec_t v = snp_go();
	svm_error_t err = {0};
	/* vcek.testcer: 2022-09-24T00:55:28Z .. 2029-09-24T00:55:28Z */
	cr_assert_eq(snp_check(&v, at("2022-09-24T00:55:28Z"), NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(snp_check(&v, at("2029-09-24T00:55:28Z"), NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(snp_check(&v, at("2022-09-24T00:55:27Z"), NULL, &err), SVM_EEXPIRED);
	cr_assert(strstr(err.msg, "VCEK: not valid before"), "%s", err.msg);
	cr_assert_eq(snp_check(&v, at("2029-09-24T00:55:29Z"), NULL, &err), SVM_EEXPIRED);
	snp_free(&v);
}

Test(attest_snp, every_flipped_report_bit_is_rejected)
{
	snp_vec_t v = snp_go();
	int64_t now = at("2025-01-01T00:00:00Z");
	size_t n = FLIPS(v.report.p, v.report.len, snp_check(&v, now, NULL, NULL), "snp report");
	cr_assert_geq(n, 128);
	snp_free(&v);
}

Test(attest_snp, every_flipped_vcek_and_chain_bit_is_rejected)
{
	snp_vec_t v = snp_virtee();
	int64_t now = at("2025-01-01T00:00:00Z");
	FLIPS(v.vcek.p, v.vcek.len, snp_check(&v, now, NULL, NULL), "VCEK");
	FLIPS(v.chain.p, v.chain.len, snp_check(&v, now, NULL, NULL), "ASK/ARK chain");
	snp_free(&v);
}

Test(attest_snp, report_and_vcek_of_different_chips_do_not_match)
{
	snp_vec_t a = snp_go(), b = snp_virtee();
	svm_error_t err = {0};
	int rc = svm_snp_verify(a.report.p, a.report.len, b.vcek.p, b.vcek.len, a.chain.p, a.chain.len,
				at("2025-01-01T00:00:00Z"), NULL, NULL, &err);
	cr_assert_neq(rc, 0);
	cr_assert(rc == SVM_EPROOF || rc == SVM_ESIG, "%d %s", rc, err.msg);
	snp_free(&a);
	snp_free(&b);
}

Test(attest_snp, an_unpinned_or_foreign_root_is_rejected)
{
	snp_vec_t v = snp_go();
	svm_error_t err = {0};
	svm_attest_pins_t none = {0};
	int rc = svm_snp_verify(v.report.p, v.report.len, v.vcek.p, v.vcek.len, v.chain.p, v.chain.len,
				at("2025-01-01T00:00:00Z"), &none, NULL, &err);
	cr_assert_eq(rc, SVM_EPERM, "%s", err.msg);
	cr_assert(strstr(err.msg, "pinned"), "%s", err.msg);
	/* Genoa's ASK/ARK cannot anchor a Milan VCEK. */
	blob_t genoa = load("sev-snp/go-sev-guest/ask_ark_genoa.pem");
	rc = svm_snp_verify(v.report.p, v.report.len, v.vcek.p, v.vcek.len, genoa.p, genoa.len,
			    at("2025-01-01T00:00:00Z"), NULL, NULL, &err);
	cr_assert_eq(rc, SVM_EPROOF, "%s", err.msg);
	/* ASK and ARK swapped. */
	blob_t turin = load("sev-snp/go-sev-guest/ask_ark_turin_vcek.pem");
	rc = svm_snp_verify(v.report.p, v.report.len, v.vcek.p, v.vcek.len, turin.p, turin.len,
			    at("2025-01-01T00:00:00Z"), NULL, NULL, &err);
	cr_assert_neq(rc, 0);
	free(genoa.p);
	free(turin.p);
	snp_free(&v);
}

Test(attest_snp, turin_vcek_chain_verifies_and_genoa_chain_is_pinned)
{
	blob_t vcek = load("sev-snp/virtee-sev/vcek_turin.der"), chain = load("sev-snp/virtee-sev/cert_chain_turin");
	svm_snp_result_t res;
	svm_error_t err = {0};
	int rc = svm_snp_verify_chain(vcek.p, vcek.len, chain.p, chain.len, at("2025-01-01T00:00:00Z"),
				      NULL, &res, &err);
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_str_eq(res.product, "Turin");
	free(vcek.p);
	free(chain.p);
}

Test(attest_snp, parser_rejects_wrong_sizes_versions_and_padding)
{
	snp_vec_t v = snp_go();
	svm_snp_report_t r;
	svm_error_t err = {0};
	cr_assert_eq(svm_snp_report_parse(v.report.p, v.report.len - 1, &r, &err), SVM_EDECODE);
	cr_assert_eq(svm_snp_report_parse(v.report.p, v.report.len, &r, &err), 0, "%s", err.msg);
	uint8_t copy[SVM_SNP_REPORT_SIZE];
	memcpy(copy, v.report.p, sizeof copy);
	copy[0] = 9;
	cr_assert_eq(svm_snp_report_parse(copy, sizeof copy, &r, &err), SVM_EUNSUPPORTED);
	memcpy(copy, v.report.p, sizeof copy);
	copy[0x2A0 + 60] = 1; /* r's zero padding */
	cr_assert_eq(svm_snp_report_parse(copy, sizeof copy, &r, &err), SVM_EDECODE);
	memcpy(copy, v.report.p, sizeof copy);
	copy[0x49F] = 1; /* the unsigned tail */
	cr_assert_eq(svm_snp_report_parse(copy, sizeof copy, &r, &err), SVM_EDECODE);
	snp_free(&v);
}

/* ------------------------------------------------------------ TDX */

typedef struct {
	blob_t quote, json;
	size_t quote_len;
	svm_buf_t store;
	svm_tdx_collateral_t col;
} tdx_vec_t;

static tdx_vec_t tdx_load(const char *quote, const char *collateral)
{
	tdx_vec_t v = {load(quote), load(collateral), 0, {0}, {0}};
	svm_error_t err = {0};
	cr_assert_eq(svm_tdx_quote_size(v.quote.p, v.quote.len, &v.quote_len), 0);
	cr_assert_eq(svm_tdx_collateral_from_json(v.json.p, v.json.len, &v.store, &v.col, &err), 0,
		     "%s", err.msg);
	return v;
}

static void tdx_free(tdx_vec_t *v)
{
	free(v->quote.p);
	free(v->json.p);
	svm_buf_free(&v->store);
}

static int tdx_check(tdx_vec_t *v, int64_t now, svm_tdx_result_t *res, svm_error_t *err)
{
	return svm_tdx_verify(v->quote.p, v->quote_len, &v->col, now, NULL, SVM_TCB_UP_TO_DATE, res,
			      err);
}

#define DCAP "tdx/dcap-qvl/"

Test(attest_tdx, dcap_qvl_quote_verifies_up_to_date_inside_the_window)
{
	tdx_vec_t v = tdx_load(DCAP "tdx_quote", DCAP "tdx_quote_collateral.json");
	svm_tdx_result_t res;
	svm_error_t err = {0};
	cr_assert_eq(v.quote_len, 4936); /* the file carries 70 bytes of zero padding after it */
	int rc = tdx_check(&v, at("2025-07-01T00:00:00Z"), &res, &err);
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(res.status, SVM_TCB_UP_TO_DATE);
	cr_assert_eq(res.quote.version, 4);
	static const uint8_t fmspc[6] = {0xB0, 0xC0, 0x6F, 0, 0, 0};
	cr_assert_arr_eq(res.fmspc, fmspc, 6);
	/* the earliest of what was used: the PCK CRL's nextUpdate, before the TCB info's */
	cr_assert_eq(res.collateral_expiry, at("2025-07-19T10:00:35Z"));
	/* the padded file as a whole is not a quote */
	cr_assert_eq(svm_tdx_verify(v.quote.p, v.quote.len, &v.col, at("2025-07-01T00:00:00Z"), NULL,
				    SVM_TCB_UP_TO_DATE, NULL, &err),
		     SVM_EDECODE);
	cr_assert(strstr(err.msg, "trailing"), "%s", err.msg);
	tdx_free(&v);
}

Test(attest_tdx, dcap_qvl_quote_fails_outside_the_collateral_window)
{
	tdx_vec_t v = tdx_load(DCAP "tdx_quote", DCAP "tdx_quote_collateral.json");
	svm_error_t err = {0};
	cr_assert_eq(tdx_check(&v, at("2025-07-19T10:00:35Z"), NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(tdx_check(&v, at("2025-07-19T10:00:36Z"), NULL, &err), SVM_EEXPIRED);
	cr_assert(strstr(err.msg, "PCK CRL"), "%s", err.msg);
	cr_assert_eq(tdx_check(&v, at("2025-06-19T10:00:00Z"), NULL, &err), SVM_EEXPIRED);
	cr_assert_eq(tdx_check(&v, at("2031-01-01T00:00:00Z"), NULL, &err), SVM_EEXPIRED);
	tdx_free(&v);
}

Test(attest_tdx, outdated_v5_quote_verifies_but_no_tcb_level_accepts_it)
{
	tdx_vec_t v = tdx_load(DCAP "tdx_quote_outdated", DCAP "tdx_quote_outdated_collateral.json");
	svm_tdx_result_t res;
	svm_error_t err = {0};
	int rc = svm_tdx_verify(v.quote.p, v.quote_len, &v.col, at("2026-03-01T00:00:00Z"), NULL,
				SVM_TCB_REVOKED, &res, &err);
	/* Every signature, chain, CRL and window holds; the PCK's SGX component 8 (SVN 3) is below
	 * what every TCB level of its TCB info demands (5), so the platform matches no level. */
	cr_assert_eq(rc, SVM_EPERM, "%s", err.msg);
	cr_assert(strstr(err.msg, "no TCB level"), "%s", err.msg);
	cr_assert_eq(res.quote.version, 5);
	cr_assert_eq(res.quote.body_type, 3);
	cr_assert_eq(res.qe_status, SVM_TCB_UP_TO_DATE);
	cr_assert_eq(res.module_status, SVM_TCB_UP_TO_DATE);
	cr_assert_eq(res.platform_status, SVM_TCB_UNRECOGNIZED);
	cr_assert_eq(tdx_check(&v, at("2026-03-21T00:00:00Z"), NULL, &err), SVM_EEXPIRED);
	tdx_free(&v);
}

Test(attest_tdx, every_flipped_quote_bit_is_rejected)
{
	tdx_vec_t v = tdx_load(DCAP "tdx_quote", DCAP "tdx_quote_collateral.json");
	int64_t now = at("2025-07-01T00:00:00Z");
	size_t n = FLIPS(v.quote.p, v.quote_len, tdx_check(&v, now, NULL, NULL), "tdx quote");
	cr_assert_geq(n, 128);
	tdx_free(&v);
}

Test(attest_tdx, every_flipped_collateral_bit_is_rejected)
{
	tdx_vec_t v = tdx_load(DCAP "tdx_quote", DCAP "tdx_quote_collateral.json");
	int64_t now = at("2025-07-01T00:00:00Z");
	svm_slice_t *fields[] = {&v.col.tcb_info,     &v.col.qe_identity, &v.col.signing_chain_pem,
				 &v.col.root_crl_der, &v.col.pck_crl_der, &v.col.pck_crl_chain_pem};
	const char *names[] = {"tcb info", "qe identity", "tcb signing chain", "root CA CRL", "PCK CRL",
			       "PCK CRL chain"};
	for (size_t f = 0; f < 6; f++) {
		uint8_t *p = (uint8_t *)fields[f]->p;
		cr_assert_gt(fields[f]->len, 0);
		FLIPS(p, fields[f]->len, tdx_check(&v, now, NULL, NULL), names[f]);
	}
	FLIPS(v.col.tcb_info_sig, 64, tdx_check(&v, now, NULL, NULL), "tcb info signature");
	FLIPS(v.col.qe_identity_sig, 64, tdx_check(&v, now, NULL, NULL), "qe identity signature");
	tdx_free(&v);
}

Test(attest_tdx, collateral_of_another_platform_or_root_is_rejected)
{
	tdx_vec_t v = tdx_load(DCAP "tdx_quote", DCAP "tdx_quote_collateral.json");
	tdx_vec_t o = tdx_load(DCAP "tdx_quote_outdated", DCAP "tdx_quote_outdated_collateral.json");
	svm_error_t err = {0};
	/* another FMSPC's TCB info, at a time where everything else of it is current */
	svm_tdx_collateral_t mix = o.col;
	int rc = svm_tdx_verify(v.quote.p, v.quote_len, &mix, at("2026-03-01T00:00:00Z"), NULL,
				SVM_TCB_REVOKED, NULL, &err);
	cr_assert_neq(rc, 0);
	/* the Intel root not pinned */
	svm_attest_pins_t none = {0};
	rc = svm_tdx_verify(v.quote.p, v.quote_len, &v.col, at("2025-07-01T00:00:00Z"), &none,
			    SVM_TCB_UP_TO_DATE, NULL, &err);
	cr_assert_eq(rc, SVM_EPERM, "%s", err.msg);
	cr_assert(strstr(err.msg, "pinned"), "%s", err.msg);
	/* the QE identity where the TCB info belongs */
	mix = v.col;
	mix.tcb_info = v.col.qe_identity;
	memcpy(mix.tcb_info_sig, v.col.qe_identity_sig, 64);
	rc = svm_tdx_verify(v.quote.p, v.quote_len, &mix, at("2025-07-01T00:00:00Z"), NULL,
			    SVM_TCB_UP_TO_DATE, NULL, &err);
	cr_assert_eq(rc, SVM_EUNSUPPORTED, "%s", err.msg);
	tdx_free(&v);
	tdx_free(&o);
}

Test(attest_tdx, debug_attribute_is_reported_and_signed)
{
	tdx_vec_t v = tdx_load(DCAP "tdx_quote", DCAP "tdx_quote_collateral.json");
	svm_tdx_result_t res;
	svm_error_t err = {0};
	cr_assert_eq(tdx_check(&v, at("2025-07-01T00:00:00Z"), &res, &err), 0, "%s", err.msg);
	cr_assert_not(svm_tdx_debuggable(&res.quote));
	v.quote.p[SVM_TDX_HEADER_SIZE + 120] |= 1; /* claiming DEBUG breaks the signature */
	cr_assert_eq(tdx_check(&v, at("2025-07-01T00:00:00Z"), NULL, &err), SVM_ESIG);
	tdx_free(&v);
}

#define GOTDX "tdx/go-tdx-guest/"

Test(attest_tdx, go_tdx_guest_quote_and_crls_verify_as_of_its_pinned_day)
{
	/* go-tdx-guest ships its PCS responses without the TCB signing chain (an HTTP header in
	 * PCS), so its TCB info and QE identity are checked against the signing key of dcap-qvl's
	 * chain (Intel kept the key across the 2025 renewal), and the quote with its PCK CRL. */
	blob_t q = load(GOTDX "tdx_prod_quote_SPR_E4.dat");
	size_t qlen;
	cr_assert_eq(svm_tdx_quote_size(q.p, q.len, &qlen), 0);
	cr_assert_eq(q.len - qlen, 39); /* the file's "extra bytes(only for testing purpose)" */
	svm_tdx_result_t res;
	svm_error_t err = {0};
	int64_t now = at("2023-07-01T00:00:00Z");
	cr_assert_eq(svm_tdx_verify_quote(q.p, qlen, now, NULL, &res, &err), 0, "%s", err.msg);
	cr_assert_eq(svm_tdx_verify_quote(q.p, qlen, at("2018-01-01T00:00:00Z"), NULL, &res, &err),
		     SVM_EEXPIRED);
	blob_t ti = load(GOTDX "sample_tcbInfo_response"), qi = load(GOTDX "sample_qeIdentity_response");
	svm_slice_t tb, qb;
	uint8_t ts[64], qs[64];
	cr_assert_eq(svm_tdx_pcs_split(ti.p, ti.len, "tcbInfo", &tb, ts, &err), 0, "%s", err.msg);
	cr_assert_eq(svm_tdx_pcs_split(qi.p, qi.len, "enclaveIdentity", &qb, qs, &err), 0, "%s", err.msg);
	/* The go-tdx-guest collateral with dcap-qvl's signing chain and CRLs: everything is signed
	 * correctly, but at 2023-07-01 that chain's signing certificate (2025-05-06) is not yet
	 * valid — so the whole set cannot be accepted, and says why. */
	tdx_vec_t d = tdx_load(DCAP "tdx_quote", DCAP "tdx_quote_collateral.json");
	svm_tdx_collateral_t col = d.col;
	col.tcb_info = tb;
	col.qe_identity = qb;
	memcpy(col.tcb_info_sig, ts, 64);
	memcpy(col.qe_identity_sig, qs, 64);
	int rc = svm_tdx_verify(q.p, qlen, &col, now, NULL, SVM_TCB_REVOKED, NULL, &err);
	cr_assert_eq(rc, SVM_EEXPIRED, "%d %s", rc, err.msg);
	cr_assert(strstr(err.msg, "tcb signing chain"), "%s", err.msg);
	free(q.p);
	free(ti.p);
	free(qi.p);
	tdx_free(&d);
}

Test(attest_tdx, pcs_split_and_quote_parser_reject_malformed_input)
{
	svm_slice_t b;
	uint8_t s[64];
	const char *bad[] = {"", "{}", "{\"tcbInfo\":{},\"signature\":\"00\"}", "[\"tcbInfo\"]"};
	for (size_t i = 0; i < 4; i++)
		cr_assert_eq(svm_tdx_pcs_split((const uint8_t *)bad[i], strlen(bad[i]), "tcbInfo", &b, s,
					       NULL),
			     SVM_EDECODE);
	tdx_vec_t v = tdx_load(DCAP "tdx_quote", DCAP "tdx_quote_collateral.json");
	svm_tdx_quote_t q;
	for (size_t n = 0; n < v.quote_len; n += 97)
		cr_assert_neq(svm_tdx_quote_parse(v.quote.p, n, &q, NULL), 0, "prefix %zu parsed", n);
	cr_assert_eq(svm_tdx_quote_parse(v.quote.p, v.quote_len, &q, NULL), 0);
	tdx_free(&v);
}

Test(attest_time, strict_utc_times)
{
	int64_t t;
	cr_assert_eq(svm_attest_parse_time("2025-06-19T10:16:03Z", 20, &t), 0);
	cr_assert_eq(t, 1750328163);
	const char *bad[] = {"2025-06-19 10:16:03Z", "2025-13-19T10:16:03Z", "2025-02-29T00:00:00Z",
			     "2025-06-19T24:00:00Z", "2025-06-19T10:16:03", "2025-04-31T00:00:00Z"};
	for (size_t i = 0; i < 6; i++)
		cr_assert_neq(svm_attest_parse_time(bad[i], strlen(bad[i]), &t), 0, "%s", bad[i]);
	cr_assert_eq(svm_attest_parse_time("2024-02-29T23:59:59Z", 20, &t), 0);
}

/* `supervm attest verify FILE`: verifies an SEV-SNP report or a TDX quote offline, prints what
 * was checked, and exits with a code per result (docs/attestation.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "supervm/attest.h"

/* Exit codes beyond CLI_EXIT_OK/FAIL/USAGE. */
#define ATTEST_EXIT_EXPIRED 3    /* genuine, but "now" is outside a validity window */
#define ATTEST_EXIT_NOT_ACCEPTED 4 /* genuine and current, but not accepted (TCB, revoked, root) */
#define ATTEST_EXIT_PARTIAL 5    /* the quote verified; no collateral, so no TCB status */

static int read_file(cli_args_t *a, const char *path, svm_buf_t *out)
{
	FILE *f = fopen(path, "rb");
	if (!f) return cli_fail(a, CLI_EXIT_FAIL, "cannot open %s", path);
	out->cap_max = 2 * SVM_ATTEST_EVIDENCE_MAX;
	uint8_t chunk[4096];
	size_t n;
	int rc = 0;
	while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0) rc = svm_buf_append(out, chunk, n);
	fclose(f);
	if (rc != 0) return cli_fail(a, CLI_EXIT_FAIL, "%s is larger than %u bytes", path,
				     2 * SVM_ATTEST_EVIDENCE_MAX);
	return 0;
}

/* A report given as hex text (virtee's report_milan.hex) becomes its bytes. */
static void maybe_unhex(svm_buf_t *b)
{
	size_t n = b->len;
	while (n && (b->data[n - 1] == '\n' || b->data[n - 1] == '\r')) n--;
	if (n != 2 * SVM_SNP_REPORT_SIZE) return;
	uint8_t out[SVM_SNP_REPORT_SIZE];
	for (size_t i = 0; i < SVM_SNP_REPORT_SIZE; i++) {
		unsigned v;
		char two[3] = {(char)b->data[2 * i], (char)b->data[2 * i + 1], 0};
		char *end;
		v = (unsigned)strtoul(two, &end, 16);
		if (*end) return;
		out[i] = (uint8_t)v;
	}
	memcpy(b->data, out, sizeof out);
	b->len = sizeof out;
}

static int parse_at(cli_args_t *a, int64_t *now, bool *given)
{
	const char *s = cli_opt(a, "at");
	*given = s != NULL;
	if (!s) {
		*now = (int64_t)time(NULL);
		return 0;
	}
	if (svm_attest_parse_time(s, strlen(s), now) == 0) return 0;
	uint64_t u;
	if (cli_u64(a, "--at", s, &u) != 0 || u > INT64_MAX) return CLI_EXIT_USAGE;
	*now = (int64_t)u;
	return 0;
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", p[i]);
}

static int exit_for(int rc)
{
	switch (rc) {
	case 0: return CLI_EXIT_OK;
	case SVM_EEXPIRED: return ATTEST_EXIT_EXPIRED;
	case SVM_EPERM: return ATTEST_EXIT_NOT_ACCEPTED;
	default: return CLI_EXIT_FAIL;
	}
}

static void put_time(char out[32], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int snp(cli_args_t *a, svm_buf_t *ev, int64_t now, json_t *j)
{
	const char *vp = cli_opt(a, "vcek"), *cp = cli_opt(a, "chain");
	if (!vp || !cp) return cli_fail(a, CLI_EXIT_USAGE, "an SNP report needs --vcek and --chain");
	svm_buf_t vcek = {0}, chain = {0};
	int rc = read_file(a, vp, &vcek);
	if (rc == 0) rc = read_file(a, cp, &chain);
	if (rc != 0) goto out;
	svm_snp_result_t res;
	svm_error_t err = {0};
	int v = svm_snp_verify(ev->data, ev->len, vcek.data, vcek.len, chain.data, chain.len, now,
			       NULL, &res, &err);
	char m[97], rd[129], ark[65];
	hex(m, res.report.measurement, 48);
	hex(rd, res.report.report_data, 64);
	hex(ark, res.ark_sha256.b, 32);
	json_object_set_new(j, "kind", json_string("sev-snp"));
	json_object_set_new(j, "verified", json_boolean(v == 0));
	if (v == 0) {
		json_object_set_new(j, "product", json_string(res.product));
		json_object_set_new(j, "signing_key", json_string(res.signing_key ? "VLEK" : "VCEK"));
		json_object_set_new(j, "report_version", json_integer(res.report.version));
		json_object_set_new(j, "measurement", json_string(m));
		json_object_set_new(j, "report_data", json_string(rd));
		json_object_set_new(j, "ark_sha256", json_string(ark));
		json_object_set_new(j, "debuggable", json_boolean(svm_snp_debuggable(&res.report)));
	} else {
		json_object_set_new(j, "error", json_string(err.msg));
	}
	if (!a->json) {
		printf("evidence:    AMD SEV-SNP attestation report (%zu bytes)\n", ev->len);
		if (v == 0) {
			printf("checked:     report signature, ECDSA P-384/SHA-384, by the %s\n",
			       res.signing_key ? "VLEK" : "VCEK");
			printf("checked:     %s TCB extensions = reported TCB %016llx%s\n",
			       res.signing_key ? "VLEK" : "VCEK",
			       (unsigned long long)res.report.reported_tcb,
			       res.signing_key ? "" : "; hwID = chip id");
			printf("checked:     %s <- SEV-%s <- ARK-%s (RSA-PSS), each valid at the time\n",
			       res.signing_key ? "VLEK" : "VCEK", res.product, res.product);
			printf("checked:     ARK pinned (sha256 %s)\n", ark);
			printf("product:     %s, report version %u, VMPL %u, policy %016llx\n", res.product,
			       res.report.version, res.report.vmpl, (unsigned long long)res.report.policy);
			printf("measurement: %s\nreport_data: %s\n", m, rd);
			printf("debuggable:  %s\n", svm_snp_debuggable(&res.report) ? "yes (not acceptable for a VCR)" : "no");
			printf("result:      verified\n");
		} else {
			printf("result:      REJECTED: %s (%s)\n", err.msg, svm_strerror(v));
		}
	}
	rc = exit_for(v);
out:
	svm_buf_free(&vcek);
	svm_buf_free(&chain);
	return rc;
}

static int tdx(cli_args_t *a, svm_buf_t *ev, int64_t now, json_t *j)
{
	size_t qlen = 0;
	svm_error_t err = {0};
	svm_tdx_result_t res;
	svm_buf_t cj = {0}, store = {0};
	svm_tdx_collateral_t col;
	const char *cp = cli_opt(a, "collateral"), *ms = cli_opt(a, "max-status");
	svm_tcb_status_t max = SVM_TCB_SW_HARDENING_NEEDED;
	int rc = 0, v;
	if (ms && svm_tcb_status_parse(ms, &max) != 0)
		return cli_fail(a, CLI_EXIT_USAGE, "--max-status: not a TCB status (UpToDate, …)");
	if (svm_tdx_quote_size(ev->data, ev->len, &qlen) != 0) qlen = ev->len; /* let parse explain */
	if (cp) {
		if ((rc = read_file(a, cp, &cj)) != 0) goto out;
		if (svm_tdx_collateral_from_json(cj.data, cj.len, &store, &col, &err) != 0) {
			rc = cli_fail(a, CLI_EXIT_FAIL, "%s: %s", cp, err.msg);
			goto out;
		}
		v = svm_tdx_verify(ev->data, qlen, &col, now, NULL, max, &res, &err);
	} else {
		v = svm_tdx_verify_quote(ev->data, qlen, now, NULL, &res, &err);
	}
	char mrtd[97], rd[129];
	hex(mrtd, res.quote.mrtd, 48);
	hex(rd, res.quote.report_data, 64);
	json_object_set_new(j, "kind", json_string("tdx"));
	json_object_set_new(j, "verified", json_boolean(v == 0));
	json_object_set_new(j, "trailing_bytes", json_integer((json_int_t)(ev->len - qlen)));
	if (v == 0 || v == SVM_EPERM) {
		json_object_set_new(j, "quote_version", json_integer(res.quote.version));
		json_object_set_new(j, "mrtd", json_string(mrtd));
		json_object_set_new(j, "report_data", json_string(rd));
		json_object_set_new(j, "debuggable", json_boolean(svm_tdx_debuggable(&res.quote)));
		json_object_set_new(j, "tcb_status", json_string(svm_tcb_status_name(res.status)));
	}
	if (v != 0) json_object_set_new(j, "error", json_string(err.msg));
	if (!a->json) {
		printf("evidence:    Intel TDX DCAP quote v%u (%zu bytes", res.quote.version, qlen);
		if (ev->len > qlen) printf("; %zu trailing bytes in the file ignored", ev->len - qlen);
		printf(")\n");
		if (v == 0 || v == SVM_EPERM) {
			printf("checked:     PCK chain to the pinned Intel SGX Root CA, each valid at the time\n");
			printf("checked:     QE report signed by the PCK key, binding the attestation key\n");
			printf("checked:     quote signature, ECDSA P-256/SHA-256, by the attestation key\n");
			if (cp) {
				char exp[32];
				put_time(exp, res.collateral_expiry);
				printf("checked:     root CA CRL, PCK CRL (PCK and its CA not revoked)\n");
				printf("checked:     TCB info and QE identity signed by Intel's TCB signing key\n");
				printf("tcb status:  %s (platform %s, TDX module %s, QE %s)\n",
				       svm_tcb_status_name(res.status),
				       svm_tcb_status_name(res.platform_status),
				       svm_tcb_status_name(res.module_status),
				       svm_tcb_status_name(res.qe_status));
				printf("collateral:  current until %s\n", exp);
			} else {
				printf("not checked: TCB status, revocation (no --collateral)\n");
			}
			printf("mrtd:        %s\nreport_data: %s\n", mrtd, rd);
			printf("debuggable:  %s\n", svm_tdx_debuggable(&res.quote) ? "yes (not acceptable for a VCR)" : "no");
		}
		if (v == 0)
			printf("result:      %s\n", cp ? "verified" : "quote verified; TCB status unknown");
		else
			printf("result:      REJECTED: %s (%s)\n", err.msg, svm_strerror(v));
	}
	rc = v == 0 && !cp ? ATTEST_EXIT_PARTIAL : exit_for(v);
out:
	svm_buf_free(&cj);
	svm_buf_free(&store);
	return rc;
}

int cli_cmd_attest_verify(cli_args_t *a)
{
	svm_buf_t ev = {0};
	int64_t now;
	bool given;
	int rc = parse_at(a, &now, &given);
	if (rc != 0) return rc;
	if ((rc = read_file(a, a->pos[0], &ev)) != 0) return rc;
	maybe_unhex(&ev);
	json_t *j = json_object();
	char when[32];
	put_time(when, now);
	json_object_set_new(j, "as_of", json_string(when));
	if (!a->json)
		printf("as of:       %s (%s)\n", when,
		       given ? "--at" : "the wall clock; a chain uses its block time");
	bool is_snp = ev.len == SVM_SNP_REPORT_SIZE;
	rc = is_snp ? snp(a, &ev, now, j) : tdx(a, &ev, now, j);
	if (a->json) cli_print_json(j);
	json_decref(j);
	svm_buf_free(&ev);
	return rc;
}

/* Attestation verification benchmark (make bench-verify): the time to verify each pinned
 * evidence kind from ../shared/attestation-vectors, median and min of N runs, one thread, CPU time.
 * Prints a table; never fails on timing. Missing vectors: a loud skip (exit 0) unless CI=true. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervm/attest.h"

#define RUNS 200

typedef struct {
	uint8_t *p;
	size_t len;
} blob_t;

/* This thread's CPU time: the VM is shared with other builds, so wall time measures the load. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int load(const char *rel, blob_t *b)
{
	const char *d = getenv("SVM_ATTEST_VECTORS");
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", d && *d ? d : "../shared/attestation-vectors", rel);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "*** bench_attest: %s missing ***\n", path);
		return -1;
	}
	b->p = malloc(2 * SVM_ATTEST_EVIDENCE_MAX);
	b->len = b->p ? fread(b->p, 1, 2 * SVM_ATTEST_EVIDENCE_MAX, f) : 0;
	fclose(f);
	return b->p ? 0 : -1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

typedef int (*verify_fn)(void *ctx);

static void row(const char *name, verify_fn fn, void *ctx)
{
	static uint64_t t[RUNS];
	if (fn(ctx) != 0) {
		printf("| %-44s | verify failed |\n", name);
		return;
	}
	for (int i = 0; i < RUNS; i++) {
		uint64_t t0 = cpu_ns();
		fn(ctx);
		t[i] = cpu_ns() - t0;
	}
	qsort(t, RUNS, sizeof t[0], cmp_u64);
	printf("| %-44s | %8.3f | %8.3f |\n", name, t[RUNS / 2] / 1e6, t[0] / 1e6);
}

typedef struct {
	blob_t report, vcek, chain;
} snp_t;

static int snp_full(void *c)
{
	snp_t *s = c;
	return svm_snp_verify(s->report.p, s->report.len, s->vcek.p, s->vcek.len, s->chain.p,
			      s->chain.len, 1735689600, NULL, NULL, NULL);
}

static int snp_report_only(void *c)
{
	snp_t *s = c;
	svm_snp_report_t r;
	return svm_snp_report_parse(s->report.p, s->report.len, &r, NULL);
}

typedef struct {
	blob_t quote, json;
	size_t qlen;
	svm_buf_t store;
	svm_tdx_collateral_t col;
	int64_t now;
} tdx_t;

static int tdx_full(void *c)
{
	tdx_t *t = c;
	return svm_tdx_verify(t->quote.p, t->qlen, &t->col, t->now, NULL, SVM_TCB_UP_TO_DATE, NULL,
			      NULL);
}

static int tdx_quote_only(void *c)
{
	tdx_t *t = c;
	return svm_tdx_verify_quote(t->quote.p, t->qlen, t->now, NULL, NULL, NULL);
}

int main(void)
{
	snp_t s = {0};
	tdx_t t = {0};
	if (load("sev-snp/go-sev-guest/attestation.bin", &s.report) ||
	    load("sev-snp/go-sev-guest/vcek.testcer", &s.vcek) ||
	    load("sev-snp/go-sev-guest/ask_ark_milan.pem", &s.chain) ||
	    load("tdx/dcap-qvl/tdx_quote", &t.quote) ||
	    load("tdx/dcap-qvl/tdx_quote_collateral.json", &t.json)) {
		const char *ci = getenv("CI");
		return ci && strcmp(ci, "true") == 0 ? 1 : 0;
	}
	if (svm_tdx_quote_size(t.quote.p, t.quote.len, &t.qlen) != 0 ||
	    svm_tdx_collateral_from_json(t.json.p, t.json.len, &t.store, &t.col, NULL) != 0 ||
	    svm_attest_parse_time("2025-07-01T00:00:00Z", 20, &t.now) != 0) {
		fprintf(stderr, "bench_attest: vectors do not parse\n");
		return 1;
	}
	printf("attestation verify, one thread, %d runs each (ms)\n\n", RUNS);
	printf("| %-44s | %8s | %8s |\n", "evidence", "median", "min");
	printf("|%s|----------|----------|\n", "----------------------------------------------");
	row("SEV-SNP report parse only", snp_report_only, &s);
	row("SEV-SNP report + VCEK + ASK + ARK (full)", snp_full, &s);
	row("TDX quote v4: PCK chain, QE report, quote sig", tdx_quote_only, &t);
	row("TDX quote v4 + collateral (full)", tdx_full, &t);
	svm_buf_free(&t.store);
	free(s.report.p), free(s.vcek.p), free(s.chain.p), free(t.quote.p), free(t.json.p);
	return 0;
}

/* libFuzzer target for the AI market's decoders: the first byte picks the VCR, the job record,
 * the provider record, the manifest or a program 16/17 payload's access sets (svm_ai_access).
 * Anything must decode or be rejected without crashing, and what decodes must re-encode to
 * exactly the input (the encodings are canonical); access sets are bounded and sorted reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/ai.h"

static svm_ai_job_t job;
static svm_ai_manifest_t man;

static void same(const svm_buf_t *b, const uint8_t *p, size_t n, const char *what)
{
	if (b->len != n || memcmp(b->data, p, n) != 0) {
		fprintf(stderr, "%s re-encodes to different bytes\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0) return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	svm_buf_t b = {0};
	switch (data[0] % 5) {
	case 0: {
		svm_ai_vcr_t v;
		if (svm_ai_vcr_decode(p, n, &v) == 0 && svm_ai_vcr_encode(&v, false, &b) == 0)
			same(&b, p, n, "VCR");
		break;
	}
	case 1:
		if (svm_ai_job_decode(p, n, &job) == 0 && svm_ai_job_encode(&job, &b) == 0)
			same(&b, p, n, "job");
		break;
	case 2: {
		svm_ai_provider_t r;
		if (svm_ai_provider_decode(p, n, &r) == 0 && n > 90) abort(); /* 9 varints ≤ 90 bytes */
		break;
	}
	case 4: {
		svm_id_t sender = {{1}}, w[16], r[8];
		size_t nw = 0, nr = 0;
		bool complete = false;
		if (svm_ai_access(&sender, 7, p, n, w, 16, &nw, r, 8, &nr, &complete) == 0) {
			if (nw > 16 || nr > 8) abort();
			for (size_t i = 1; i < nr; i++)
				if (memcmp(r[i - 1].b, r[i].b, 32) >= 0) abort(); /* strictly ascending */
		}
		break;
	}
	default:
		if (svm_ai_manifest_decode(p, n, true, &man) == 0 &&
		    svm_ai_manifest_encode(&man, true, &b) == 0)
			same(&b, p, n, "manifest");
	}
	svm_buf_free(&b);
	return 0;
}

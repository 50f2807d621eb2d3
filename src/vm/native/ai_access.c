/* The access sets of the AI market's two native programs (16 model registry, 17 job escrow),
 * computed from a payload alone so that market transactions can carry strict declarations and
 * AOEM's declared-access engine schedules them in parallel: jobs share no object but the
 * program's account balances, which only post, provider_register, challenge and withdraw touch.
 * docs/ai-market.md lists every method's set. */
#include <stdlib.h>
#include <string.h>

#include "supervm/econ.h"
#include "supervm/verify.h"
#include "vm/native/ai_internal.h"

typedef struct {
	svm_id_t *w, *r;
	size_t wmax, rmax, nw, nr;
} acc_t;

static int add(svm_id_t *arr, size_t max, size_t *n, const svm_id_t *id)
{
	if (*n >= max) return SVM_ELIMIT;
	if (arr) arr[*n] = *id;
	(*n)++;
	return 0;
}

static int wr(acc_t *a, const svm_id_t *id) { return add(a->w, a->wmax, &a->nw, id); }
static int rd(acc_t *a, const svm_id_t *id) { return add(a->r, a->rmax, &a->nr, id); }

/* The balance objects of `token` for the sender and the account holding the funds (the job's
 * escrow account or the provider's bond account). */
static int balances(acc_t *a, const char *symbol, const svm_id_t *sender, const svm_id_t *acct)
{
	svm_id_t t, b;
	svm_token_id(symbol, &t);
	svm_balance_id(&t, sender, &b);
	int rc = wr(a, &b);
	svm_balance_id(&t, acct, &b);
	return rc ? rc : wr(a, &b);
}

static int models_access(const svm_id_t *sender, svm_reader_t *r, uint64_t method, acc_t *a)
{
	uint64_t n;
	const uint8_t *bytes;
	svm_id_t id;
	if (method == SVM_MODELS_PUT_CHUNK || method == SVM_MODELS_PUT_CODE) {
		if (svm_varint_read(r, &n) || n == 0 || n > SVM_AI_CHUNK_MAX ||
		    svm_reader_bytes(r, n, &bytes) || svm_reader_left(r))
			return SVM_EDECODE;
		if (method == SVM_MODELS_PUT_CHUNK) {
			svm_ai_chunk_id(bytes, n, &id);
		} else {
			svm_hash_t h;
			svm_sha256(bytes, n, &h);
			svm_ai_code_id(&h, &id);
		}
		return wr(a, &id);
	}
	if (method != SVM_MODELS_REGISTER) return SVM_EDECODE;
	svm_ai_manifest_t *m = svm_malloc(sizeof *m);
	if (m == NULL) return SVM_ENOMEM;
	int rc = svm_ai_manifest_decode(r->p + r->pos, svm_reader_left(r), false, m) ? SVM_EDECODE : 0;
	if (rc == 0) {
		svm_ai_model_id(sender, m->name, m->version, &id);
		rc = wr(a, &id);
	}
	for (uint32_t i = 0; rc == 0 && i < m->chunks_len; i++) rc = rd(a, &m->chunks[i]);
	if (rc == 0) {
		svm_ai_code_id(&m->code_hash, &id);
		rc = rd(a, &id);
	}
	svm_free(m);
	return rc;
}

/* Program 17: everything but the job's own record comes from the sender or the payload. */
static int jobs_access(const svm_id_t *sender, uint64_t nonce, svm_reader_t *r, uint64_t method,
		       acc_t *a, bool *complete)
{
	svm_id_t id, job, bond, escrow;
	uint64_t n;
	int rc = 0;
	svm_ai_bond_account(sender, &bond);
	if (method != SVM_JOBS_PROVIDER_REGISTER) {
		svm_params_id(&id);
		rc = rd(a, &id);
	}
	svm_ai_provider_id(sender, &id);
	switch (method) {
	case SVM_JOBS_PROVIDER_REGISTER:
		if (svm_varint_read(r, &n) || svm_reader_left(r)) return SVM_EDECODE;
		if (!rc) rc = wr(a, &id);
		return rc ? rc : balances(a, "SWR", sender, &bond);
	case SVM_JOBS_UNBOND:
		if (svm_varint_read(r, &n) || svm_reader_left(r)) return SVM_EDECODE;
		return rc ? rc : wr(a, &id);
	case SVM_JOBS_WITHDRAW:
		if (svm_reader_left(r)) return SVM_EDECODE;
		if (!rc) rc = wr(a, &id);
		return rc ? rc : balances(a, "SWR", sender, &bond);
	case SVM_JOBS_POST: {
		svm_id_t model, chunk;
		const uint8_t *input_hash;
		uint8_t mode;
		if (svm_reader_copy(r, model.b, 32) || svm_reader_bytes(r, 32, &input_hash) ||
		    svm_reader_u8(r, &mode))
			return SVM_EDECODE;
		svm_ai_job_id(sender, nonce, &job);
		if (!rc) rc = wr(a, &job);
		if (!rc) rc = rd(a, &model);
		if (!rc && mode == 1) {
			if (svm_reader_copy(r, chunk.b, 32)) return SVM_EDECODE;
			rc = rd(a, &chunk);
		}
		svm_ai_job_account(&job, &escrow);
		return rc ? rc : balances(a, "AIC", sender, &escrow);
	}
	}
	/* unbond and withdraw returned above */
	if (method < SVM_JOBS_ACCEPT || method > SVM_JOBS_DISPUTE || svm_reader_copy(r, job.b, 32))
		return SVM_EDECODE;
	if (!rc) rc = wr(a, &job);
	if (!rc && method == SVM_JOBS_ACCEPT) rc = wr(a, &id); /* open_jobs */
	bool tee = false;
	if (!rc && method == SVM_JOBS_REVEAL) {
		svm_ai_vcr_id(&job, sender, &id);
		rc = wr(a, &id);
		/* evidence is verified against chain state named inside it (the pins, the AMD chain
		 * of the VCEK's product, the TDX collateral of the PCK's FMSPC) and the model's
		 * allowed measurements: discovered at run time (an unreadable payload fails there) */
		uint64_t olen, tlen;
		const uint8_t *skip;
		uint8_t level;
		tee = svm_varint_read(r, &olen) || svm_reader_bytes(r, olen, &skip) ||
		      svm_reader_bytes(r, 32, &skip) || svm_reader_u8(r, &level) ||
		      svm_varint_read(r, &tlen) || tlen > 0;
	}
	if (!rc && method == SVM_JOBS_CHALLENGE) {
		svm_id_t swr;
		svm_token_id("SWR", &swr);
		svm_token_object_id(&swr, &id); /* a lost challenge burns its bond */
		rc = wr(a, &id);
		svm_ai_job_account(&job, &escrow);
		if (!rc) rc = balances(a, "SWR", sender, &escrow);
	}
	if (!rc && method == SVM_JOBS_DISPUTE) {
		svm_id_t who;
		if (svm_reader_copy(r, who.b, 32)) return SVM_EDECODE;
		svm_dispute_job_claim_id(&job, &who, sender, &id); /* the claim it opens */
		rc = wr(a, &id);
		svm_ai_job_account(&job, &escrow);
		if (!rc) rc = balances(a, "SWR", sender, &escrow);
	}
	/* challenge, claim and dispute also read the model's chunks and code (and claim writes
	 * every slot's provider), a reveal with TEE evidence the collateral: dynamic */
	*complete = method != SVM_JOBS_CHALLENGE && method != SVM_JOBS_CLAIM &&
		    method != SVM_JOBS_DISPUTE && !tee;
	return rc;
}

static int cmp_id(const void *a, const void *b) { return memcmp(a, b, 32); }

int svm_ai_access(const svm_id_t *sender, uint64_t nonce, const uint8_t *payload, size_t len,
		  svm_id_t *writes, size_t max, size_t *n, svm_id_t *reads, size_t rmax, size_t *nr,
		  bool *complete)
{
	acc_t a = {.w = writes, .r = reads, .wmax = max, .rmax = rmax};
	const svm_id_t nobody = {{0}};
	if (sender == NULL) sender = &nobody; /* reads only: they do not depend on the sender */
	svm_reader_t r = svm_reader(payload, len);
	uint64_t program, method;
	bool all = true;
	int rc = SVM_EDECODE;
	if (svm_varint_read(&r, &program) || svm_varint_read(&r, &method)) return SVM_EDECODE;
	if (program == SVM_PROGRAM_MODELS) rc = models_access(sender, &r, method, &a);
	if (program == SVM_PROGRAM_JOBS) rc = jobs_access(sender, nonce, &r, method, &a, &all);
	if (rc) return rc;
	if (reads && a.nr > 1) { /* a declaration's lists are strictly ascending */
		qsort(reads, a.nr, sizeof reads[0], cmp_id);
		size_t u = 1;
		for (size_t i = 1; i < a.nr; i++)
			if (!svm_hash_eq(&reads[u - 1], &reads[i])) reads[u++] = reads[i];
		a.nr = u;
	}
	if (n) *n = a.nw;
	if (nr) *nr = a.nr;
	if (complete) *complete = all;
	return 0;
}

/* The job escrow (native program 17): providers bond SWR; posters escrow AIC for a job on a
 * registered model; k providers accept, commit SHA-256(output, salt), reveal; settle takes the
 * strict majority of k; within the challenge window anyone may have the chain re-execute the job
 * in its own VM; claim then pays the agreeing providers (a share burned), slashes the others,
 * refunds the poster and updates reputation. Every reveal writes a verifiable compute receipt.
 * Formulas and encodings: docs/ai-market.md. */
#include <string.h>

#include "supervm/econ.h"
#include "supervm/verify.h"
#include "vm/native/ai_internal.h"

/* ----------------------------------------------------------------- ids */

static void tagged(const char *tag, const void *a, size_t alen, const void *b, size_t blen,
		   svm_id_t *out)
{
	svm_slice_t parts[2] = {{a, alen}, {b, blen}};
	svm_sha256_tagged(tag, parts, b ? 2 : 1, out);
}

void svm_ai_job_id(const svm_id_t *poster, uint64_t nonce, svm_id_t *out)
{
	uint8_t be[8];
	svm_put_u64be(be, nonce);
	tagged("svm/ai/job", poster->b, 32, be, 8, out);
}

void svm_ai_provider_id(const svm_id_t *provider, svm_id_t *out)
{
	tagged("svm/ai/provider", provider->b, 32, NULL, 0, out);
}

void svm_ai_vcr_id(const svm_id_t *job, const svm_id_t *provider, svm_id_t *out)
{
	tagged("svm/ai/vcr", job->b, 32, provider->b, 32, out);
}

void svm_ai_jobs_account(svm_id_t *out) { svm_sha256_tagged("svm/program/jobs", NULL, 0, out); }

void svm_ai_job_account(const svm_id_t *job, svm_id_t *out)
{
	svm_slice_t part = {job->b, 32};
	svm_sha256_tagged("svm/ai/escrow", &part, 1, out);
}

void svm_ai_bond_account(const svm_id_t *provider, svm_id_t *out)
{
	svm_slice_t part = {provider->b, 32};
	svm_sha256_tagged("svm/ai/bond", &part, 1, out);
}

void svm_ai_commitment(const svm_id_t *job, const svm_id_t *provider, const uint8_t *output,
		       size_t output_len, const uint8_t salt[32], svm_hash_t *out)
{
	svm_slice_t parts[4] = {{job->b, 32}, {provider->b, 32}, {output, output_len}, {salt, 32}};
	svm_sha256_tagged("svm/ai/commit", parts, 4, out);
}

/* ----------------------------------------------------------- encodings */

int svm_ai_job_encode(const svm_ai_job_t *j, svm_buf_t *out)
{
	int rc = svm_buf_push(out, 5);
	if (!rc) rc = svm_buf_append(out, j->poster.b, 32);
	if (!rc) rc = svm_buf_append(out, j->model.b, 32);
	if (!rc) rc = svm_buf_append(out, j->input_hash.b, 32);
	if (!rc) rc = svm_buf_append(out, j->weights_hash.b, 32);
	if (!rc) rc = svm_buf_append(out, j->code_hash.b, 32);
	if (!rc) rc = svm_buf_push(out, j->input_mode);
	if (!rc && j->input_mode == 0) rc = svm_varint_append(out, j->input_len);
	if (!rc && j->input_mode == 0) rc = svm_buf_append(out, j->input, j->input_len);
	if (!rc && j->input_mode == 1) rc = svm_buf_append(out, j->input_chunk.b, 32);
	uint64_t v[6] = {j->units, j->price, j->sla_blocks, j->commit_deadline, j->min_jobs_done,
			 j->posted_height};
	for (int i = 0; !rc && i < 6; i++) rc = svm_varint_append(out, v[i]);
	if (!rc) rc = svm_buf_push(out, j->replicas);
	if (!rc) rc = svm_buf_push(out, j->level);
	if (!rc) rc = svm_buf_push(out, j->state);
	if (!rc) rc = svm_buf_push(out, j->challenge);
	if (!rc) rc = svm_varint_append(out, j->settle_height);
	if (!rc) rc = svm_buf_append(out, j->result_hash.b, 32);
	if (!rc) rc = svm_buf_append(out, j->wrong_hash.b, 32);
	if (!rc) rc = svm_buf_append(out, j->challenger.b, 32);
	if (!rc) rc = svm_varint_append(out, j->challenge_bond);
	if (!rc) rc = svm_varint_append(out, j->disputes_opened);
	if (!rc && j->disputes_len > SVM_AI_JOB_DISPUTES_MAX) rc = SVM_EINVAL;
	if (!rc) rc = svm_buf_push(out, j->disputes_len);
	for (uint32_t i = 0; !rc && i < j->disputes_len; i++) {
		const svm_ai_dispute_ref_t *d = &j->disputes[i];
		rc = svm_buf_push(out, d->slot);
		if (!rc) rc = svm_buf_append(out, d->challenger.b, 32);
		if (!rc) rc = svm_varint_append(out, d->bond);
	}
	if (!rc) rc = svm_varint_append(out, j->paused_blocks);
	if (!rc) rc = svm_varint_append(out, j->full_since);
	if (!rc) rc = svm_buf_push(out, j->slots_len);
	for (uint32_t i = 0; !rc && i < j->slots_len; i++) {
		const svm_ai_slot_t *s = &j->slots[i];
		rc = svm_buf_append(out, s->provider.b, 32);
		if (!rc) rc = svm_buf_push(out, s->state);
		if (!rc) rc = svm_buf_append(out, s->commitment.b, 32);
		if (!rc) rc = svm_buf_append(out, s->output_hash.b, 32);
		if (!rc) rc = svm_varint_append(out, s->accept_height);
		if (!rc) rc = svm_varint_append(out, s->reveal_height);
		if (!rc) rc = svm_varint_append(out, s->output_len);
		if (!rc) rc = svm_buf_append(out, s->output, s->output_len);
		if (!rc) rc = svm_buf_push(out, s->proven_wrong ? 1 : 0);
		if (!rc && s->proven_wrong) rc = svm_buf_append(out, s->prover.b, 32);
	}
	return rc;
}

int svm_ai_job_decode(const uint8_t *p, size_t len, svm_ai_job_t *j)
{
	svm_reader_t r = svm_reader(p, len);
	uint8_t ver;
	uint64_t n;
	memset(j, 0, sizeof *j);
	if (svm_reader_u8(&r, &ver) || ver != 5 || svm_reader_copy(&r, j->poster.b, 32) ||
	    svm_reader_copy(&r, j->model.b, 32) || svm_reader_copy(&r, j->input_hash.b, 32) ||
	    svm_reader_copy(&r, j->weights_hash.b, 32) || svm_reader_copy(&r, j->code_hash.b, 32) ||
	    svm_reader_u8(&r, &j->input_mode) || j->input_mode > 1)
		return SVM_EDECODE;
	if (j->input_mode == 0) {
		if (svm_varint_read(&r, &n) || n > SVM_AI_INPUT_INLINE_MAX ||
		    svm_reader_copy(&r, j->input, n))
			return SVM_EDECODE;
		j->input_len = (uint32_t)n;
	} else if (svm_reader_copy(&r, j->input_chunk.b, 32)) {
		return SVM_EDECODE;
	}
	uint64_t *v[6] = {&j->units, &j->price, &j->sla_blocks, &j->commit_deadline,
			  &j->min_jobs_done, &j->posted_height};
	for (int i = 0; i < 6; i++)
		if (svm_varint_read(&r, v[i])) return SVM_EDECODE;
	if (svm_reader_u8(&r, &j->replicas) || svm_reader_u8(&r, &j->level) ||
	    j->level >= SVM_VERIFY_LEVELS || svm_reader_u8(&r, &j->state) ||
	    svm_reader_u8(&r, &j->challenge) || svm_varint_read(&r, &j->settle_height) ||
	    svm_reader_copy(&r, j->result_hash.b, 32) || svm_reader_copy(&r, j->wrong_hash.b, 32) ||
	    svm_reader_copy(&r, j->challenger.b, 32) || svm_varint_read(&r, &j->challenge_bond) ||
	    svm_varint_read(&r, &j->disputes_opened) || svm_reader_u8(&r, &j->disputes_len) ||
	    j->disputes_len > SVM_AI_JOB_DISPUTES_MAX || j->disputes_len > j->disputes_opened ||
	    j->replicas == 0 || j->replicas > SVM_AI_REPLICAS_MAX ||
	    j->state < SVM_AI_JOB_OPEN || j->state > SVM_AI_JOB_CLOSED ||
	    j->challenge > SVM_AI_CHALLENGE_LOST ||
	    (j->challenge != SVM_AI_CHALLENGE_NONE && j->disputes_opened))
		return SVM_EDECODE; /* a re-execution challenge and disputes exclude each other */
	for (uint32_t i = 0; i < j->disputes_len; i++) {
		svm_ai_dispute_ref_t *d = &j->disputes[i];
		if (svm_reader_u8(&r, &d->slot) || svm_reader_copy(&r, d->challenger.b, 32) ||
		    svm_varint_read(&r, &d->bond))
			return SVM_EDECODE;
	}
	/* full_since is a height only while every dispute entry is open */
	if (svm_varint_read(&r, &j->paused_blocks) || svm_varint_read(&r, &j->full_since) ||
	    (j->disputes_len < SVM_AI_JOB_DISPUTES_MAX && j->full_since != 0))
		return SVM_EDECODE;
	if (svm_reader_u8(&r, &j->slots_len) || j->slots_len > j->replicas) return SVM_EDECODE;
	for (uint32_t i = 0; i < j->disputes_len; i++)
		if (j->disputes[i].slot >= j->slots_len) return SVM_EDECODE;
	for (uint32_t i = 0; i < j->slots_len; i++) {
		svm_ai_slot_t *s = &j->slots[i];
		if (svm_reader_copy(&r, s->provider.b, 32) || svm_reader_u8(&r, &s->state) ||
		    s->state < SVM_AI_SLOT_ACCEPTED || s->state > SVM_AI_SLOT_REVEALED ||
		    svm_reader_copy(&r, s->commitment.b, 32) ||
		    svm_reader_copy(&r, s->output_hash.b, 32) ||
		    svm_varint_read(&r, &s->accept_height) || svm_varint_read(&r, &s->reveal_height) ||
		    svm_varint_read(&r, &n) || n > SVM_AI_JOB_OUTPUT_MAX ||
		    svm_reader_copy(&r, s->output, n))
			return SVM_EDECODE;
		s->output_len = (uint32_t)n;
		uint8_t pw;
		if (svm_reader_u8(&r, &pw) || pw > 1 || (pw && (s->state != SVM_AI_SLOT_REVEALED ||
							      svm_reader_copy(&r, s->prover.b, 32))))
			return SVM_EDECODE;
		s->proven_wrong = pw == 1;
	}
	return svm_reader_left(&r) ? SVM_EDECODE : 0;
}

uint8_t svm_ai_job_challenge(const svm_ai_job_t *j)
{
	if (j->disputes_len) return SVM_AI_CHALLENGE_DISPUTED;
	if (j->challenge != SVM_AI_CHALLENGE_NONE) return j->challenge;
	for (uint32_t i = 0; i < j->slots_len; i++)
		if (j->slots[i].proven_wrong) return SVM_AI_CHALLENGE_WON;
	return j->disputes_opened ? SVM_AI_CHALLENGE_LOST : SVM_AI_CHALLENGE_NONE;
}

bool svm_ai_job_claim_early(const svm_ai_job_t *j)
{
	if (j->disputes_len) return false;
	if (j->challenge == SVM_AI_CHALLENGE_WON) return true;
	uint32_t revealed = 0;
	for (uint32_t i = 0; i < j->slots_len; i++) {
		if (j->slots[i].state != SVM_AI_SLOT_REVEALED) continue;
		if (!j->slots[i].proven_wrong) return false; /* still disputable */
		revealed++;
	}
	return revealed > 0;
}

uint64_t svm_ai_job_window_paused(const svm_ai_job_t *j, uint64_t now)
{
	uint64_t p = j->paused_blocks;
	if (j->disputes_len == SVM_AI_JOB_DISPUTES_MAX && now > j->full_since) {
		uint64_t d = now - j->full_since;
		p = p > UINT64_MAX - d ? UINT64_MAX : p + d;
	}
	return p;
}

int svm_ai_job_dispute_find(const svm_ai_job_t *j, uint32_t slot, const svm_id_t *challenger)
{
	for (uint32_t i = 0; i < j->disputes_len; i++)
		if (j->disputes[i].slot == slot && svm_hash_eq(&j->disputes[i].challenger, challenger))
			return (int)i;
	return -1;
}

#define PROVIDER_FIELDS 9

static int provider_encode(const svm_ai_provider_t *p, svm_buf_t *out)
{
	uint64_t v[PROVIDER_FIELDS] = {p->bond, p->jobs_done, p->disputes_lost, p->missed_deadlines,
				       p->late, p->latency_blocks_sum, p->open_jobs, p->unbonding,
				       p->release_height};
	int rc = 0;
	for (int i = 0; !rc && i < PROVIDER_FIELDS; i++) rc = svm_varint_append(out, v[i]);
	return rc;
}

int svm_ai_provider_decode(const uint8_t *p, size_t len, svm_ai_provider_t *rec)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t *v[PROVIDER_FIELDS] = {&rec->bond, &rec->jobs_done, &rec->disputes_lost,
					&rec->missed_deadlines, &rec->late, &rec->latency_blocks_sum,
					&rec->open_jobs, &rec->unbonding, &rec->release_height};
	for (int i = 0; i < PROVIDER_FIELDS; i++)
		if (svm_varint_read(&r, v[i])) return SVM_EDECODE;
	return svm_reader_left(&r) ? SVM_EDECODE : 0;
}

static int trace_encode(const svm_ai_trace_t *t, svm_buf_t *out)
{
	uint8_t be[16];
	int rc = svm_buf_push(out, t->present ? 1 : 0);
	if (rc || !t->present) return rc;
	svm_put_u64be(be, t->k);
	svm_put_u64be(be + 8, t->steps);
	rc = svm_buf_append(out, t->root.b, 32);
	if (!rc) rc = svm_buf_append(out, be, 16);
	if (!rc) rc = svm_buf_append(out, t->final_state.b, 32);
	return rc;
}

static int trace_decode(svm_reader_t *r, svm_ai_trace_t *t)
{
	uint8_t present, be[16];
	memset(t, 0, sizeof *t);
	if (svm_reader_u8(r, &present) || present > 1) return SVM_EDECODE;
	if (present == 0) return 0;
	t->present = true;
	if (svm_reader_copy(r, t->root.b, 32) || svm_reader_copy(r, be, 16) ||
	    svm_reader_copy(r, t->final_state.b, 32))
		return SVM_EDECODE;
	t->k = svm_get_u64be(be);
	t->steps = svm_get_u64be(be + 8);
	return t->k == 0 || t->steps == 0 ? SVM_EDECODE : 0;
}

/* The rules a VCR's level and evidence obey by themselves (the chain checks the rest). */
static bool vcr_shape_ok(uint8_t level, const uint8_t *tee, size_t tee_len,
			 const svm_ai_trace_t *t)
{
	if (level >= SVM_VERIFY_LEVELS || tee_len > SVM_AI_TEE_EVIDENCE_MAX) return false;
	if (tee_len && tee[0] != SVM_AI_TEE_SNP && tee[0] != SVM_AI_TEE_TDX) return false;
	if (level >= SVM_VERIFY_AUDITABLE && !t->present) return false;
	return level < SVM_VERIFY_HIGH_VALUE || tee_len > 0;
}

int svm_ai_vcr_encode(const svm_ai_vcr_t *v, bool signed_part_only, svm_buf_t *out)
{
	uint8_t seed[8];
	svm_put_u64be(seed, v->seed);
	if (!vcr_shape_ok(v->level, v->tee, v->tee_len, &v->trace)) return SVM_EINVAL;
	int rc = svm_buf_push(out, 2);
	const svm_hash_t *h[6] = {&v->job, &v->provider, &v->model, &v->input_hash,
				  &v->weights_hash, &v->code_hash};
	for (int i = 0; !rc && i < 6; i++) rc = svm_buf_append(out, h[i]->b, 32);
	if (!rc) rc = svm_buf_append(out, seed, 8);
	if (!rc) rc = svm_buf_append(out, v->output_hash.b, 32);
	if (!rc) rc = svm_buf_push(out, v->level);
	if (!rc) rc = svm_varint_append(out, v->tee_len);
	if (!rc) rc = svm_buf_append(out, v->tee, v->tee_len);
	if (!rc) rc = trace_encode(&v->trace, out);
	if (rc || signed_part_only) return rc;
	rc = svm_buf_push(out, v->scheme);
	if (!rc) rc = svm_buf_append(out, v->public_key, 32);
	if (!rc) rc = svm_buf_append(out, v->signature, 64);
	return rc;
}

int svm_ai_vcr_decode(const uint8_t *p, size_t len, svm_ai_vcr_t *v)
{
	svm_reader_t r = svm_reader(p, len);
	uint8_t ver, seed[8];
	uint64_t n;
	memset(v, 0, sizeof *v);
	svm_hash_t *h[6] = {&v->job, &v->provider, &v->model, &v->input_hash, &v->weights_hash,
			    &v->code_hash};
	if (svm_reader_u8(&r, &ver) || ver != 2) return SVM_EDECODE;
	for (int i = 0; i < 6; i++)
		if (svm_reader_copy(&r, h[i]->b, 32)) return SVM_EDECODE;
	if (svm_reader_copy(&r, seed, 8) || svm_reader_copy(&r, v->output_hash.b, 32) ||
	    svm_reader_u8(&r, &v->level) || svm_varint_read(&r, &n) ||
	    n > SVM_AI_TEE_EVIDENCE_MAX || svm_reader_bytes(&r, n, &v->tee) ||
	    trace_decode(&r, &v->trace) || svm_reader_u8(&r, &v->scheme) ||
	    v->scheme != SVM_SCHEME_ED25519 || svm_reader_copy(&r, v->public_key, 32) ||
	    svm_reader_copy(&r, v->signature, 64))
		return SVM_EDECODE;
	v->tee_len = n;
	v->seed = svm_get_u64be(seed);
	if (!vcr_shape_ok(v->level, v->tee, v->tee_len, &v->trace)) return SVM_EDECODE;
	return svm_reader_left(&r) ? SVM_EDECODE : 0;
}

/* ------------------------------------------------------------ payloads */

static int header(svm_buf_t *out, uint64_t method)
{
	int rc = svm_varint_append(out, SVM_PROGRAM_JOBS);
	return rc ? rc : svm_varint_append(out, method);
}

int svm_ai_provider_register_payload(svm_buf_t *out, uint64_t bond)
{
	int rc = header(out, SVM_JOBS_PROVIDER_REGISTER);
	return rc ? rc : svm_varint_append(out, bond);
}

int svm_ai_unbond_payload(svm_buf_t *out, uint64_t amount)
{
	int rc = header(out, SVM_JOBS_UNBOND);
	return rc ? rc : svm_varint_append(out, amount);
}

int svm_ai_withdraw_payload(svm_buf_t *out) { return header(out, SVM_JOBS_WITHDRAW); }

int svm_ai_dispute_payload(svm_buf_t *out, const svm_id_t *job, const svm_id_t *provider,
			   const svm_id_t *model, const svm_hash_t *input_hash)
{
	int rc = svm_ai_job_payload(out, SVM_JOBS_DISPUTE, job);
	if (!rc) rc = svm_buf_append(out, provider->b, 32);
	if (!rc) rc = svm_buf_append(out, model->b, 32);
	return rc ? rc : svm_buf_append(out, input_hash->b, 32);
}

int svm_ai_job_payload(svm_buf_t *out, uint64_t method, const svm_id_t *job)
{
	int rc = header(out, method);
	return rc ? rc : svm_buf_append(out, job->b, 32);
}

int svm_ai_commit_payload(svm_buf_t *out, const svm_id_t *job, const svm_hash_t *commitment)
{
	int rc = svm_ai_job_payload(out, SVM_JOBS_COMMIT, job);
	return rc ? rc : svm_buf_append(out, commitment->b, 32);
}

int svm_ai_post_payload(svm_buf_t *out, const svm_ai_post_t *p)
{
	int rc = header(out, SVM_JOBS_POST);
	if (!rc) rc = svm_buf_append(out, p->model.b, 32);
	if (!rc) rc = svm_buf_append(out, p->input_hash.b, 32);
	if (!rc) rc = svm_buf_push(out, p->input_mode);
	if (!rc && p->input_mode == 0) rc = svm_varint_append(out, p->input_len);
	if (!rc && p->input_mode == 0) rc = svm_buf_append(out, p->input, p->input_len);
	if (!rc && p->input_mode != 0) rc = svm_buf_append(out, p->input_chunk.b, 32);
	if (!rc) rc = svm_varint_append(out, p->units);
	if (!rc) rc = svm_varint_append(out, p->max_price);
	if (!rc) rc = svm_buf_push(out, p->replicas);
	if (!rc) rc = svm_varint_append(out, p->sla_blocks);
	if (!rc) rc = svm_varint_append(out, p->commit_deadline);
	if (!rc) rc = svm_varint_append(out, p->min_jobs_done);
	if (!rc) rc = svm_buf_push(out, p->level);
	return rc;
}

int svm_ai_reveal_payload(svm_buf_t *out, const svm_id_t *job, const uint8_t *output,
			  size_t output_len, const uint8_t salt[32], uint8_t level, const uint8_t *tee,
			  size_t tee_len, const svm_ai_trace_t *trace, const uint8_t sig[64])
{
	svm_ai_trace_t none = {0};
	int rc = svm_ai_job_payload(out, SVM_JOBS_REVEAL, job);
	if (!rc) rc = svm_varint_append(out, output_len);
	if (!rc) rc = svm_buf_append(out, output, output_len);
	if (!rc) rc = svm_buf_append(out, salt, 32);
	if (!rc) rc = svm_buf_push(out, level);
	if (!rc) rc = svm_varint_append(out, tee_len);
	if (!rc) rc = svm_buf_append(out, tee, tee_len);
	if (!rc) rc = trace_encode(trace ? trace : &none, out);
	if (!rc) rc = svm_buf_append(out, sig, 64);
	return rc;
}

/* ------------------------------------------------------------ records */

static void aic(svm_id_t *out) { svm_token_id("AIC", out); }
static void swr(svm_id_t *out) { svm_token_id("SWR", out); }

static int job_load(svm_txctx_t *c, const svm_id_t *id, svm_ai_job_t *j)
{
	svm_object_t o;
	int rc = svm_host_get(c, id, &o);
	if (rc) return rc; /* SVM_ENOTFOUND: unknown job */
	return svm_ai_job_decode(o.payload, o.payload_len, j) ? SVM_EIO : 0;
}

static int job_store(svm_txctx_t *c, const svm_id_t *id, const svm_ai_job_t *j)
{
	svm_buf_t b = {0};
	int rc = svm_ai_job_encode(j, &b);
	svm_object_t o = {.id = *id, .owner_kind = SVM_OWNER_SHARED, .type = SVM_OBJ_STORAGE,
			  .payload = b.data, .payload_len = b.len};
	if (rc == 0) rc = svm_host_put(c, &o);
	svm_buf_free(&b);
	return rc;
}

static int provider_load(svm_txctx_t *c, const svm_id_t *who, svm_ai_provider_t *p)
{
	svm_id_t id;
	svm_object_t o;
	svm_ai_provider_id(who, &id);
	memset(p, 0, sizeof *p);
	int rc = svm_host_get(c, &id, &o);
	if (rc) return rc;
	return svm_ai_provider_decode(o.payload, o.payload_len, p) ? SVM_EIO : 0;
}

static int provider_store(svm_txctx_t *c, const svm_id_t *who, const svm_ai_provider_t *p)
{
	uint8_t buf[16 + 10 * PROVIDER_FIELDS];
	svm_buf_t b = {0};
	b.data = buf;
	b.cap = b.cap_max = sizeof buf;
	svm_object_t o = {.owner_kind = SVM_OWNER_SHARED, .type = SVM_OBJ_STORAGE};
	svm_ai_provider_id(who, &o.id);
	int rc = provider_encode(p, &b);
	o.payload = b.data;
	o.payload_len = b.len;
	return rc ? rc : svm_host_put(c, &o);
}

static int emit(svm_txctx_t *c, const char *topic, const svm_id_t *job)
{
	svm_id_t emitter;
	svm_sha256_tagged("svm/program/jobs", NULL, 0, &emitter);
	return svm_host_emit(c, &emitter, topic, strlen(topic), job->b, 32);
}

static int return_id(svm_txctx_t *c, const svm_id_t *id)
{
	c->return_data = svm_arena_dup(c->arena, id->b, 32);
	c->return_data_len = c->return_data ? 32 : 0;
	return c->return_data ? 0 : SVM_ENOMEM;
}

static int slot_of(const svm_ai_job_t *j, const svm_id_t *who)
{
	for (int i = 0; i < j->slots_len; i++)
		if (svm_hash_eq(&j->slots[i].provider, who)) return i;
	return -1;
}

static uint64_t bps(uint64_t amount, uint64_t b)
{
	/* amount·b/10000 without overflow: amount < 2^64, b ≤ 10000 (the parameters' bounds) */
	SVM_ASSERT(b <= 10000);
	return (uint64_t)(((unsigned __int128)amount * b) / 10000u);
}

/* What the level scales (docs/verification.md): the payment per replica (units·price·fee_pct),
 * the bond a provider needs to accept and a challenger puts up (bond_pct), and the challenge
 * window (the governed window times the level's window over the standard one). */
static int level_gross(const svm_ai_job_t *j, uint64_t *gross)
{
	uint64_t per, bond;
	if (!svm_mul_u64(j->units, j->price, &per)) return SVM_EOVERFLOW;
	return svm_verify_scale((svm_verify_level_t)j->level, per, 0, gross, &bond);
}

/* The governed bond (ai_bond_min, ai_challenge_bond) scaled by the job's level; a scaled bond
 * past 2^64 − 1 is that (no one can put it up). */
static uint64_t level_bond(const svm_ai_job_t *j, uint64_t standard)
{
	uint64_t fee, bond;
	int rc = svm_verify_scale((svm_verify_level_t)j->level, 0, standard, &fee, &bond);
	return rc ? UINT64_MAX : bond;
}

static uint64_t level_window(const svm_ai_job_t *j, uint64_t standard)
{
	svm_verify_rules_t lr = {0}, sr = {0};
	int rc = svm_verify_rules((svm_verify_level_t)j->level, &lr);
	if (!rc) rc = svm_verify_rules(SVM_VERIFY_STANDARD, &sr);
	SVM_ASSERT(rc == 0 && sr.challenge_blocks > 0);
	/* standard ≤ 10^5 (its bounds) and the ratio is small: no overflow */
	return standard * (lr.challenge_blocks / sr.challenge_blocks);
}

/* Deadlines: a + b, capped at 2^64 − 1 (a commit deadline is any u64 the poster chose). */
static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* The last height of the job's challenge window as of `now`: the level's window after
 * settlement, plus the blocks it stood still while every dispute entry was open. */
static uint64_t window_end(const svm_ai_job_t *j, const svm_params_t *prm, uint64_t now)
{
	uint64_t end = sat_add(j->settle_height, level_window(j, prm->ai_challenge_window_blocks));
	return sat_add(end, svm_ai_job_window_paused(j, now));
}

/* Takes ⌊(bond + unbonding)·rate/10^4⌋ from the provider, from its bond first: SWR on its way
 * out stays slashable until withdrawn. Returns the amount taken. */
static uint64_t slash(svm_ai_provider_t *p, uint64_t rate)
{
	/* no overflow: both are SWR held by the program's account */
	uint64_t pen = bps(p->bond + p->unbonding, rate);
	uint64_t from_bond = pen < p->bond ? pen : p->bond;
	p->bond -= from_bond;
	SVM_ASSERT(pen - from_bond <= p->unbonding);
	p->unbonding -= pen - from_bond;
	return pen;
}

/* ------------------------------------------------------------- methods */

static int provider_register(svm_txctx_t *c, svm_reader_t *r)
{
	uint64_t amount;
	if (svm_varint_read(r, &amount) || svm_reader_left(r) || amount == 0) return SVM_EDECODE;
	svm_ai_provider_t p;
	int rc = provider_load(c, &c->tx->sender, &p);
	if (rc && rc != SVM_ENOTFOUND) return rc;
	if (!svm_add_u64(p.bond, amount, &p.bond)) return SVM_EOVERFLOW;
	svm_id_t acct, t;
	svm_ai_bond_account(&c->tx->sender, &acct);
	swr(&t);
	rc = svm_ledger_transfer(c, &t, &c->tx->sender, &acct, amount);
	return rc ? rc : provider_store(c, &c->tx->sender, &p);
}

static int post(svm_txctx_t *c, svm_reader_t *r, const svm_params_t *prm)
{
	svm_ai_job_t *j = svm_arena_alloc(c->arena, sizeof *j);
	svm_ai_manifest_t *m = svm_arena_alloc(c->arena, sizeof *m);
	if (j == NULL || m == NULL) return SVM_ENOMEM;
	uint64_t n;
	if (svm_reader_copy(r, j->model.b, 32) || svm_reader_copy(r, j->input_hash.b, 32) ||
	    svm_reader_u8(r, &j->input_mode) || j->input_mode > 1)
		return SVM_EDECODE;
	if (j->input_mode == 0) {
		if (svm_varint_read(r, &n) || n == 0 || n > SVM_AI_INPUT_INLINE_MAX ||
		    svm_reader_copy(r, j->input, n))
			return SVM_EDECODE;
		j->input_len = (uint32_t)n;
	} else if (svm_reader_copy(r, j->input_chunk.b, 32)) {
		return SVM_EDECODE;
	}
	if (svm_varint_read(r, &j->units) || svm_varint_read(r, &j->price) ||
	    svm_reader_u8(r, &j->replicas) || svm_varint_read(r, &j->sla_blocks) ||
	    svm_varint_read(r, &j->commit_deadline) || svm_varint_read(r, &j->min_jobs_done) ||
	    svm_reader_u8(r, &j->level) || svm_reader_left(r))
		return SVM_EDECODE;
	if (j->units == 0 || j->price == 0 || j->replicas == 0 || j->replicas > prm->ai_replicas_max ||
	    j->level >= SVM_VERIFY_LEVELS)
		return SVM_EINVAL;
	if (j->commit_deadline <= c->height) return SVM_EEXPIRED;
	uint64_t per, escrow;
	if (level_gross(j, &per) || !svm_mul_u64(per, j->replicas, &escrow))
		return SVM_EOVERFLOW; /* price overflow */
	int rc = svm_ai_manifest_load_(c, &j->model, m);
	if (rc) return rc; /* SVM_ENOTFOUND: unknown model */
	const uint8_t *in = j->input;
	size_t in_len = j->input_len;
	if (j->input_mode == 1) {
		rc = svm_ai_read_chunk_(c, &j->input_chunk, &in, &in_len);
		if (rc) return rc;
	}
	if (in_len != m->input_len) return SVM_EINVAL;
	rc = svm_host_charge(c, 50 + (in_len + 7) / 8);
	if (rc) return rc;
	svm_hash_t h;
	svm_sha256(in, in_len, &h);
	if (!svm_hash_eq(&h, &j->input_hash)) return SVM_EPROOF; /* input hash mismatch */
	j->poster = c->tx->sender;
	j->weights_hash = m->weights_hash;
	j->code_hash = m->code_hash;
	j->posted_height = c->height;
	j->state = SVM_AI_JOB_OPEN;
	svm_id_t id, acct, t;
	svm_ai_job_id(&j->poster, c->tx->nonce, &id);
	svm_ai_job_account(&id, &acct);
	aic(&t);
	rc = svm_ledger_transfer(c, &t, &j->poster, &acct, escrow);
	if (!rc) rc = job_store(c, &id, j);
	if (!rc) rc = emit(c, "job_posted", &id);
	return rc ? rc : return_id(c, &id);
}

static int read_job(svm_txctx_t *c, svm_reader_t *r, svm_id_t *id, svm_ai_job_t **j)
{
	*j = svm_arena_alloc(c->arena, sizeof **j);
	if (*j == NULL) return SVM_ENOMEM;
	if (svm_reader_copy(r, id->b, 32)) return SVM_EDECODE;
	return 0;
}

static int accept(svm_txctx_t *c, const svm_id_t *id, svm_ai_job_t *j, const svm_params_t *prm)
{
	svm_ai_provider_t p;
	int rc = provider_load(c, &c->tx->sender, &p);
	if (rc == SVM_ENOTFOUND || (rc == 0 && p.bond < level_bond(j, prm->ai_bond_min)))
		return SVM_EFUNDS;
	if (rc) return rc;
	if (j->state != SVM_AI_JOB_OPEN) return SVM_ESTATE;
	if (c->height > j->commit_deadline) return SVM_EEXPIRED;
	if (slot_of(j, &c->tx->sender) >= 0) return SVM_EEXIST;
	if (j->slots_len >= j->replicas) return SVM_EBUSY;
	if (p.jobs_done < j->min_jobs_done) return SVM_EPERM;
	svm_ai_slot_t *s = &j->slots[j->slots_len++];
	memset(s, 0, sizeof *s);
	s->provider = c->tx->sender;
	s->state = SVM_AI_SLOT_ACCEPTED;
	s->accept_height = c->height;
	p.open_jobs++; /* until claim closes the job: no unbonding meanwhile */
	rc = job_store(c, id, j);
	if (!rc) rc = provider_store(c, &c->tx->sender, &p);
	return rc ? rc : emit(c, "job_accepted", id);
}

static int commit(svm_txctx_t *c, svm_reader_t *r, const svm_id_t *id, svm_ai_job_t *j)
{
	svm_hash_t cm;
	if (svm_reader_copy(r, cm.b, 32) || svm_reader_left(r)) return SVM_EDECODE;
	int k = slot_of(j, &c->tx->sender);
	if (k < 0) return SVM_EPERM; /* not accepted */
	if (j->state != SVM_AI_JOB_OPEN) return SVM_ESTATE;
	if (j->slots[k].state != SVM_AI_SLOT_ACCEPTED) return SVM_EEXIST; /* committed already */
	if (c->height > j->commit_deadline) return SVM_EEXPIRED;
	j->slots[k].commitment = cm;
	j->slots[k].state = SVM_AI_SLOT_COMMITTED;
	int rc = job_store(c, id, j);
	return rc ? rc : emit(c, "job_committed", id);
}

static bool all_committed(const svm_ai_job_t *j)
{
	if (j->slots_len < j->replicas) return false;
	for (int i = 0; i < j->slots_len; i++)
		if (j->slots[i].state < SVM_AI_SLOT_COMMITTED) return false;
	return true;
}

/* The VCR the chain writes for slot k's reveal (the signature and key filled by the caller). The
 * model's hashes come from the job record (copied at post), so a reveal reads only the job. */
static int vcr_of(svm_txctx_t *c, const svm_id_t *id, const svm_ai_job_t *j, const svm_id_t *who,
		  const svm_hash_t *out_hash, svm_ai_vcr_t *v)
{
	(void)c;
	memset(v, 0, sizeof *v);
	v->job = *id;
	v->provider = *who;
	v->model = j->model;
	v->input_hash = j->input_hash;
	v->weights_hash = j->weights_hash;
	v->code_hash = j->code_hash;
	v->seed = svm_get_u64be(id->b);
	v->output_hash = *out_hash;
	return 0;
}

/* TEE evidence in a receipt: it verifies against the chain-state collateral as of the block
 * time, its report data binds (job, input, weights, code, seed, output) and its measurement is
 * one the model's manifest allows, on a guest that is not debuggable (docs/verification.md). */
static int tee_accept(svm_txctx_t *c, const svm_ai_vcr_t *v, const uint8_t *tee, size_t tlen)
{
	svm_tee_claim_t claim;
	svm_ai_manifest_t *m = svm_arena_alloc(c->arena, sizeof *m);
	if (m == NULL) return SVM_ENOMEM;
	int rc = svm_ai_manifest_load_(c, &v->model, m); /* its allowed measurements */
	if (!rc) rc = svm_attest_evidence_verify(c, tee, tlen, &claim, NULL);
	if (rc) return rc;
	svm_vcr_binding_t b = {.job_id = v->job, .input_hash = v->input_hash,
			       .model_hash = v->weights_hash, .code_hash = v->code_hash,
			       .seed = v->seed, .output_hash = v->output_hash};
	return svm_vcr_accept_tee(claim.report_data, claim.measurement, claim.debuggable, &b,
				  (const uint8_t(*)[48])m->tee_measurements, m->tee_measurements_len,
				  NULL);
}

static int reveal(svm_txctx_t *c, svm_reader_t *r, const svm_id_t *id, svm_ai_job_t *j,
		  const svm_params_t *prm)
{
	uint64_t olen, tlen;
	uint8_t level;
	const uint8_t *out, *salt, *tee, *sig;
	svm_ai_trace_t trace;
	if (svm_varint_read(r, &olen) || olen > SVM_AI_JOB_OUTPUT_MAX ||
	    svm_reader_bytes(r, olen, &out) || svm_reader_bytes(r, 32, &salt) ||
	    svm_reader_u8(r, &level) || svm_varint_read(r, &tlen) || tlen > SVM_AI_TEE_EVIDENCE_MAX ||
	    svm_reader_bytes(r, tlen, &tee) || trace_decode(r, &trace) ||
	    svm_reader_bytes(r, 64, &sig) || svm_reader_left(r) ||
	    !vcr_shape_ok(level, tee, tlen, &trace))
		return SVM_EDECODE;
	const svm_id_t *who = &c->tx->sender;
	int k = slot_of(j, who);
	if (k < 0) return SVM_EPERM;
	if (j->state != SVM_AI_JOB_OPEN) return SVM_ESTATE;
	svm_ai_slot_t *s = &j->slots[k];
	if (s->state == SVM_AI_SLOT_ACCEPTED) return SVM_ESTATE; /* reveal without commit */
	if (s->state == SVM_AI_SLOT_REVEALED) return SVM_EEXIST;
	if (!all_committed(j) && c->height <= j->commit_deadline) return SVM_ESTATE; /* too early */
	if (c->height > sat_add(j->commit_deadline, prm->ai_reveal_window_blocks)) return SVM_EEXPIRED;
	if (level < j->level) return SVM_EPERM; /* the receipt does not meet the job's level */
	if (trace.present && trace.steps > SVM_DISPUTE_STEPS_MAX) return SVM_EINVAL; /* undisputable */
	svm_hash_t cm, oh;
	svm_ai_commitment(id, who, out, olen, salt, &cm);
	if (!svm_hash_eq(&cm, &s->commitment)) return SVM_EPROOF; /* does not match */
	svm_sha256(out, olen, &oh);
	/* the receipt, signed by the provider's transaction key */
	svm_ai_vcr_t v;
	int rc = vcr_of(c, id, j, who, &oh, &v);
	if (rc) return rc;
	if (tlen && (rc = tee_accept(c, &v, tee, tlen)) != 0) return rc;
	if (c->tx->scheme != SVM_SCHEME_ED25519 || c->tx->public_key_len != 32) return SVM_EUNSUPPORTED;
	v.level = level;
	v.tee = tee;
	v.tee_len = tlen;
	v.trace = trace;
	v.scheme = c->tx->scheme;
	memcpy(v.public_key, c->tx->public_key, 32);
	memcpy(v.signature, sig, 64);
	svm_buf_t msg = {0}, enc = {0};
	rc = svm_buf_append(&msg, "svm/ai/vcr", 10);
	if (!rc) rc = svm_ai_vcr_encode(&v, true, &msg);
	if (!rc) rc = svm_host_charge(c, 30000 + msg.len / 8);
	if (!rc && svm_ed25519_verify(sig, msg.data, msg.len, v.public_key)) rc = SVM_ESIG;
	if (!rc) rc = svm_ai_vcr_encode(&v, false, &enc);
	svm_object_t o = {.owner_kind = SVM_OWNER_IMMUTABLE, .type = SVM_OBJ_STORAGE,
			  .payload = enc.data, .payload_len = enc.len};
	svm_ai_vcr_id(id, who, &o.id);
	if (!rc) rc = svm_host_put(c, &o);
	svm_buf_free(&msg);
	svm_buf_free(&enc);
	if (rc) return rc;
	s->state = SVM_AI_SLOT_REVEALED;
	s->output_hash = oh;
	s->reveal_height = c->height;
	s->output_len = (uint32_t)olen;
	memcpy(s->output, out, olen);
	rc = job_store(c, id, j);
	return rc ? rc : emit(c, "job_revealed", id);
}

static bool all_revealed(const svm_ai_job_t *j)
{
	if (j->slots_len < j->replicas) return false;
	for (int i = 0; i < j->slots_len; i++)
		if (j->slots[i].state != SVM_AI_SLOT_REVEALED) return false;
	return true;
}

/* Whether slot i's output counts: revealed, and its trace not proven wrong by a dispute. */
static bool counts(const svm_ai_job_t *j, int i)
{
	return j->slots[i].state == SVM_AI_SLOT_REVEALED && !j->slots[i].proven_wrong;
}

/* The output hash revealed by more than k/2 of the k replicas, or zero; a slot whose trace a
 * dispute proved wrong does not count. */
static void majority(const svm_ai_job_t *j, svm_hash_t *out)
{
	memset(out, 0, sizeof *out);
	for (int a = 0; a < j->slots_len; a++) {
		if (!counts(j, a)) continue;
		uint32_t votes = 0;
		for (int b = 0; b < j->slots_len; b++)
			votes += counts(j, b) &&
				 svm_hash_eq(&j->slots[a].output_hash, &j->slots[b].output_hash);
		if (2 * votes > j->replicas) {
			*out = j->slots[a].output_hash;
			return;
		}
	}
}

static int settle(svm_txctx_t *c, const svm_id_t *id, svm_ai_job_t *j, const svm_params_t *prm)
{
	if (j->state != SVM_AI_JOB_OPEN) return SVM_ESTATE; /* settled already */
	if (!all_revealed(j) && c->height <= sat_add(j->commit_deadline, prm->ai_reveal_window_blocks))
		return SVM_ESTATE; /* reveals still due */
	majority(j, &j->result_hash);
	j->state = SVM_AI_JOB_PENDING;
	j->settle_height = c->height;
	int rc = job_store(c, id, j);
	return rc ? rc : emit(c, "job_settled", id);
}

/* Re-executes the job in the chain's own VM; *truth = SHA-256(output). */
static int reexecute(svm_txctx_t *c, const svm_ai_job_t *j, uint64_t gas_max, svm_hash_t *truth)
{
	svm_ai_manifest_t *m = svm_arena_alloc(c->arena, sizeof *m);
	uint8_t *out = svm_arena_alloc_raw(c->arena, SVM_AI_OUTPUT_MAX);
	if (m == NULL || out == NULL) return SVM_ENOMEM;
	int rc = svm_ai_manifest_load_(c, &j->model, m);
	const uint8_t *w, *code, *in = j->input;
	size_t wlen, code_len, in_len = j->input_len, out_len;
	if (!rc) rc = svm_ai_load_weights_(c, m, &w, &wlen);
	if (!rc) rc = svm_ai_load_code_(c, &m->code_hash, &code, &code_len);
	if (!rc && j->input_mode == 1) rc = svm_ai_read_chunk_(c, &j->input_chunk, &in, &in_len);
	if (!rc) rc = svm_host_charge(c, SVM_STEPS_DEPLOY_BASE + code_len * SVM_STEPS_DEPLOY_PER_BYTE);
	if (rc) return rc;
	uint64_t left = c->steps_limit - c->steps;
	uint64_t limit = left < gas_max ? left : gas_max;
	uint64_t gas = 0;
	rc = svm_ai_run(code, code_len, "infer", w, wlen, in, in_len, limit, out, &out_len, &gas, NULL);
	int charged = svm_host_charge(c, gas);
	if (rc == SVM_EGAS) return limit == left ? SVM_EGAS : SVM_EUNSUPPORTED; /* too large */
	if (rc) return rc;
	if (charged) return charged;
	svm_sha256(out, out_len, truth);
	return 0;
}

static int challenge(svm_txctx_t *c, const svm_id_t *id, svm_ai_job_t *j, const svm_params_t *prm)
{
	svm_hash_t zero = {{0}}, truth;
	if (j->state != SVM_AI_JOB_PENDING || j->challenge != SVM_AI_CHALLENGE_NONE ||
	    j->disputes_opened || svm_hash_eq(&j->result_hash, &zero))
		return SVM_ESTATE; /* one re-execution per job, and none once a dispute was opened */
	if (c->height > window_end(j, prm, c->height))
		return SVM_EEXPIRED;
	svm_id_t acct, t;
	svm_ai_job_account(id, &acct);
	swr(&t);
	uint64_t bond = level_bond(j, prm->ai_challenge_bond);
	int rc = bond ? svm_ledger_transfer(c, &t, &c->tx->sender, &acct, bond) : 0;
	if (!rc) rc = reexecute(c, j, prm->ai_challenge_gas_max, &truth);
	if (rc) return rc;
	j->challenger = c->tx->sender;
	j->challenge_bond = bond; /* what claim returns, whatever governance does meanwhile */
	if (svm_hash_eq(&truth, &j->result_hash)) {
		/* the result stands: the challenger's bond is burned */
		j->challenge = SVM_AI_CHALLENGE_LOST;
		if (j->challenge_bond) rc = svm_ledger_burn(c, &t, &acct, j->challenge_bond);
	} else {
		j->challenge = SVM_AI_CHALLENGE_WON;
		j->wrong_hash = j->result_hash;
		j->result_hash = truth;
	}
	if (!rc) rc = job_store(c, id, j);
	return rc ? rc : emit(c, j->challenge == SVM_AI_CHALLENGE_WON ? "challenge_won"
								       : "challenge_lost", id);
}

/* A bisection dispute of one provider's trace (an auditable or high-value job): the challenger
 * names the environment (the job's model and input hash, checked against the job), puts up the
 * level's challenge bond and program 19 opens the claim over the trace the provider's receipt
 * committed; the game's outcome comes back through svm_ai_dispute_decided_. Several disputes
 * may be open at once — other challengers, other slots — each its own game (one per challenger
 * and slot, SVM_EEXIST for a second); a slot already proven wrong is not disputed again. */
static int dispute(svm_txctx_t *c, svm_reader_t *r, const svm_id_t *id, svm_ai_job_t *j,
		   const svm_params_t *prm)
{
	svm_id_t who, model;
	svm_hash_t input_hash;
	if (svm_reader_copy(r, who.b, 32) || svm_reader_copy(r, model.b, 32) ||
	    svm_reader_copy(r, input_hash.b, 32) || svm_reader_left(r))
		return SVM_EDECODE;
	if (j->level < SVM_VERIFY_AUDITABLE) return SVM_EUNSUPPORTED; /* no trace: re-execution */
	if (!svm_hash_eq(&model, &j->model)) return SVM_EINVAL;            /* not the job's model */
	if (!svm_hash_eq(&input_hash, &j->input_hash)) return SVM_EPROOF;  /* not the job's input */
	if (j->state != SVM_AI_JOB_PENDING || j->challenge != SVM_AI_CHALLENGE_NONE)
		return SVM_ESTATE; /* not settled, closed, or re-executed (the truth is known) */
	if (c->height > window_end(j, prm, c->height))
		return SVM_EEXPIRED;
	int k = slot_of(j, &who);
	if (k < 0) return SVM_ENOTFOUND; /* not a provider of this job */
	if (j->slots[k].state != SVM_AI_SLOT_REVEALED) return SVM_EINVAL; /* no trace revealed */
	if (svm_hash_eq(&who, &c->tx->sender)) return SVM_EPERM;
	if (j->slots[k].proven_wrong) return SVM_ESTATE; /* decided already: nothing to gain */
	if (j->disputes_len >= SVM_AI_JOB_DISPUTES_MAX) return SVM_ELIMIT;
	svm_id_t vid, acct, t, claim;
	svm_object_t o;
	svm_ai_vcr_t v;
	svm_ai_vcr_id(id, &who, &vid);
	int rc = svm_host_get(c, &vid, &o);
	if (rc) return rc == SVM_ENOTFOUND ? SVM_EIO : rc; /* every reveal wrote one */
	if (svm_ai_vcr_decode(o.payload, o.payload_len, &v) || !v.trace.present) return SVM_EIO;
	svm_ai_job_account(id, &acct);
	swr(&t);
	uint64_t bond = level_bond(j, prm->ai_challenge_bond);
	rc = bond ? svm_ledger_transfer(c, &t, &c->tx->sender, &acct, bond) : 0;
	/* SVM_EEXIST: this challenger disputed this trace before (its claim exists) */
	if (!rc) rc = svm_dispute_open_job_(c, id, j, &who, &v.trace, &claim);
	if (rc) return rc;
	j->disputes[j->disputes_len++] = (svm_ai_dispute_ref_t){
		.slot = (uint8_t)k, .challenger = c->tx->sender, .bond = bond};
	j->disputes_opened++;
	/* every entry open: the window stands still until one is decided */
	SVM_ASSERT(j->disputes_len <= SVM_AI_JOB_DISPUTES_MAX);
	if (j->disputes_len == SVM_AI_JOB_DISPUTES_MAX) j->full_since = c->height;
	rc = job_store(c, id, j);
	if (!rc) rc = emit(c, "job_disputed", id);
	return rc ? rc : return_id(c, &claim);
}

/* A decided dispute: the provider won — the challenger's bond burns (a lost challenge's
 * formula); the challenger won — its bond comes back at once, and the slot's trace is proven
 * wrong (the first such dispute's challenger is paid the slash at claim) and its output no
 * longer counts: the result is recomputed. A slot proven wrong stays so whatever the other
 * disputes of it decide: a won game is a proof, a lost one is not. */
int svm_ai_dispute_decided_(svm_txctx_t *c, const svm_id_t *job, const svm_id_t *provider,
			    const svm_id_t *challenger, bool provider_won)
{
	svm_ai_job_t *j = svm_arena_alloc(c->arena, sizeof *j);
	if (j == NULL) return SVM_ENOMEM;
	int rc = job_load(c, job, j);
	if (rc) return rc == SVM_ENOTFOUND ? SVM_EIO : rc;
	int k = slot_of(j, provider);
	int i = k < 0 ? -1 : svm_ai_job_dispute_find(j, (uint32_t)k, challenger);
	if (i < 0) return SVM_EIO; /* the claim and the job's entry were opened together */
	uint64_t bond = j->disputes[i].bond;
	/* a full stretch started at a past block; below the bound there is none */
	SVM_ASSERT(j->disputes_len < SVM_AI_JOB_DISPUTES_MAX ? j->full_since == 0 : j->full_since <= c->height);
	if (j->disputes_len == SVM_AI_JOB_DISPUTES_MAX) { /* the window runs again */
		j->paused_blocks = svm_ai_job_window_paused(j, c->height);
		j->full_since = 0;
	}
	memmove(&j->disputes[i], &j->disputes[i + 1],
		(j->disputes_len - (uint32_t)i - 1) * sizeof j->disputes[0]);
	j->disputes_len--;
	svm_id_t acct, t;
	svm_ai_job_account(job, &acct);
	swr(&t);
	svm_ai_slot_t *s = &j->slots[k];
	if (provider_won) {
		if (bond) rc = svm_ledger_burn(c, &t, &acct, bond);
	} else {
		if (bond) rc = svm_ledger_transfer(c, &t, &acct, challenger, bond);
		if (!s->proven_wrong) {
			s->proven_wrong = true;
			s->prover = *challenger;
			j->wrong_hash = s->output_hash;
			majority(j, &j->result_hash);
		}
	}
	if (!rc) rc = job_store(c, job, j);
	return rc ? rc : emit(c, provider_won ? "dispute_lost" : "dispute_won", job);
}

/* Provider record fields (provider_encode's order), for svm_host_record_add. */
enum { PF_BOND, PF_JOBS_DONE, PF_DISPUTES_LOST, PF_MISSED, PF_LATE, PF_LATENCY_SUM, PF_OPEN_JOBS };

/* A slot that revealed the result (paid) or revealed when there is none (nothing to pay):
 * its reputation changes by counters only — the open job closed, a paid job done with its
 * latency — so the record takes them as one svm_host_record_add, which parallel executors
 * apply as a commutative delta: claims of jobs sharing a provider need not be ordered on its
 * record. (A slash reads the bond, so slashed slots keep the read-modify-write.) */
static int close_paid(svm_txctx_t *c, const svm_ai_job_t *j, const svm_ai_slot_t *s,
		      bool has_result, const svm_id_t *acct, const svm_id_t *ta,
		      const svm_params_t *prm, uint64_t *paid)
{
	int64_t d[PROVIDER_FIELDS] = {0};
	d[PF_OPEN_JOBS] = -1; /* accept counted this slot; none left is a corrupt record */
	int rc = 0;
	if (has_result) {
		uint64_t gross;
		rc = level_gross(j, &gross); /* no overflow: checked at post */
		if (rc) return rc;
		uint64_t burn = bps(gross, prm->ai_burn_bps);
		rc = svm_ledger_transfer(c, ta, acct, &s->provider, gross - burn);
		if (!rc && burn) rc = svm_ledger_burn(c, ta, acct, burn);
		*paid += gross;
		/* reveal_height ≥ posted_height, and a block height is far under 2^63 */
		uint64_t latency = s->reveal_height - j->posted_height;
		SVM_ASSERT(latency <= (uint64_t)INT64_MAX);
		d[PF_JOBS_DONE] = 1;
		d[PF_LATENCY_SUM] = (int64_t)latency;
		d[PF_LATE] = latency > j->sla_blocks;
	}
	svm_id_t rec;
	svm_ai_provider_id(&s->provider, &rec);
	return rc ? rc : svm_host_record_add(c, &rec, d, PROVIDER_FIELDS);
}

/* Pays, slashes, refunds and updates reputation for one slot. */
static int close_slot(svm_txctx_t *c, const svm_id_t *id, const svm_ai_job_t *j, int idx,
		      const svm_params_t *prm, uint64_t *paid, uint64_t *to_challenger)
{
	const svm_ai_slot_t *s = &j->slots[idx];
	/* a won dispute proved its slot's trace wrong; a won re-execution, every slot that revealed
	 * the overturned result (the two exclude each other) */
	bool reexec_wrong = j->challenge == SVM_AI_CHALLENGE_WON &&
			    svm_hash_eq(&s->output_hash, &j->wrong_hash);
	bool proven_wrong = s->proven_wrong || reexec_wrong;
	svm_hash_t zero = {{0}};
	svm_id_t acct, bacct, ta, ts;
	svm_ai_job_account(id, &acct);
	svm_ai_bond_account(&s->provider, &bacct);
	aic(&ta);
	swr(&ts);
	bool has_result = !svm_hash_eq(&j->result_hash, &zero);
	bool revealed = s->state == SVM_AI_SLOT_REVEALED;
	int rc = 0;
	if (revealed && !proven_wrong && (!has_result || svm_hash_eq(&s->output_hash, &j->result_hash)))
		return close_paid(c, j, s, has_result, &acct, &ta, prm, paid);
	svm_ai_provider_t p;
	rc = provider_load(c, &s->provider, &p);
	if (rc) return rc == SVM_ENOTFOUND ? SVM_EIO : rc;
	if (p.open_jobs == 0) return SVM_EIO; /* accept counted this slot */
	p.open_jobs--;
	if (revealed && proven_wrong) {
		/* the slash goes from the provider's bond account to the challenger who proved the
		 * trace wrong, or, for a re-execution, to the job's, which pays its challenger */
		uint64_t pen = slash(&p, prm->ai_challenge_slash_bps);
		if (pen && s->proven_wrong) rc = svm_ledger_transfer(c, &ts, &bacct, &s->prover, pen);
		else if (pen) rc = svm_ledger_transfer(c, &ts, &bacct, &acct, pen);
		if (!s->proven_wrong) *to_challenger += pen;
		p.disputes_lost++;
	} else {
		SVM_ASSERT(!revealed || has_result); /* the others were closed by close_paid */
		uint64_t pen = slash(&p, prm->ai_slash_bps);
		if (pen) rc = svm_ledger_burn(c, &ts, &bacct, pen);
		if (revealed) p.disputes_lost++;
		else p.missed_deadlines++;
	}
	return rc ? rc : provider_store(c, &s->provider, &p);
}

static int claim(svm_txctx_t *c, const svm_id_t *id, svm_ai_job_t *j, const svm_params_t *prm)
{
	if (j->state != SVM_AI_JOB_PENDING) return SVM_ESTATE;
	if (j->disputes_len) return SVM_ESTATE; /* a dispute is being played */
	if (!svm_ai_job_claim_early(j) &&
	    c->height <= window_end(j, prm, c->height))
		return SVM_ESTATE; /* the challenge window is open, and something left to dispute */
	uint64_t paid = 0, to_challenger = 0;
	int rc = 0;
	for (int i = 0; !rc && i < j->slots_len; i++)
		rc = close_slot(c, id, j, i, prm, &paid, &to_challenger);
	if (rc) return rc;
	svm_id_t acct, ta, ts;
	svm_ai_job_account(id, &acct);
	aic(&ta);
	swr(&ts);
	uint64_t gross, escrow;
	rc = level_gross(j, &gross);
	if (rc) return rc;
	escrow = gross * j->replicas; /* checked at post */
	if (escrow > paid) rc = svm_ledger_transfer(c, &ta, &acct, &j->poster, escrow - paid);
	if (!rc && j->challenge == SVM_AI_CHALLENGE_WON && j->challenge_bond + to_challenger)
		rc = svm_ledger_transfer(c, &ts, &acct, &j->challenger,
					 j->challenge_bond + to_challenger);
	j->state = SVM_AI_JOB_CLOSED;
	if (!rc) rc = job_store(c, id, j);
	return rc ? rc : emit(c, "job_closed", id);
}

/* Bond → unbonding, withdrawable from height + ai_unbond_blocks; only with no job open. */
static int unbond(svm_txctx_t *c, svm_reader_t *r, const svm_params_t *prm)
{
	uint64_t amount;
	if (svm_varint_read(r, &amount) || svm_reader_left(r) || amount == 0) return SVM_EDECODE;
	svm_ai_provider_t p;
	int rc = provider_load(c, &c->tx->sender, &p);
	if (rc) return rc; /* SVM_ENOTFOUND: not a provider */
	if (p.open_jobs) return SVM_EBUSY; /* jobs open */
	if (amount > p.bond) return SVM_EFUNDS;
	p.bond -= amount;
	p.unbonding += amount; /* ≤ the SWR the account holds for it: no overflow */
	p.release_height = sat_add(c->height, prm->ai_unbond_blocks); /* restarts the delay */
	rc = provider_store(c, &c->tx->sender, &p);
	return rc ? rc : emit(c, "provider_unbond", &c->tx->sender);
}

/* The unbonded SWR (what slashes left of it) back to the provider. */
static int withdraw(svm_txctx_t *c, svm_reader_t *r)
{
	if (svm_reader_left(r)) return SVM_EDECODE;
	svm_ai_provider_t p;
	int rc = provider_load(c, &c->tx->sender, &p);
	if (rc) return rc;
	if (p.unbonding == 0 || c->height < p.release_height) return SVM_ESTATE; /* none, or not yet */
	if (p.open_jobs) return SVM_EBUSY;
	svm_id_t acct, t;
	svm_ai_bond_account(&c->tx->sender, &acct);
	swr(&t);
	rc = svm_ledger_transfer(c, &t, &acct, &c->tx->sender, p.unbonding);
	p.unbonding = 0;
	p.release_height = 0;
	if (!rc) rc = provider_store(c, &c->tx->sender, &p);
	return rc ? rc : emit(c, "provider_withdraw", &c->tx->sender);
}

int svm_ai_jobs_execute(svm_txctx_t *c, const uint8_t *payload, size_t len)
{
	int rc = svm_host_charge(c, SVM_STEPS_NATIVE_CALL);
	if (rc) return rc;
	svm_reader_t r = svm_reader(payload, len);
	uint64_t program, method;
	if (svm_varint_read(&r, &program) || program != SVM_PROGRAM_JOBS ||
	    svm_varint_read(&r, &method) || method < SVM_JOBS_PROVIDER_REGISTER ||
	    method > SVM_JOBS_DISPUTE)
		return SVM_EDECODE;
	if (method == SVM_JOBS_PROVIDER_REGISTER) return provider_register(c, &r);
	/* the market's governed constants, as they stand at this transaction */
	svm_params_t prm;
	rc = svm_params_get(c, &prm);
	if (rc) return rc;
	if (method == SVM_JOBS_POST) return post(c, &r, &prm);
	if (method == SVM_JOBS_UNBOND) return unbond(c, &r, &prm);
	if (method == SVM_JOBS_WITHDRAW) return withdraw(c, &r);
	svm_id_t id;
	svm_ai_job_t *j;
	rc = read_job(c, &r, &id, &j);
	if (rc) return rc;
	if (method != SVM_JOBS_COMMIT && method != SVM_JOBS_REVEAL && method != SVM_JOBS_DISPUTE &&
	    svm_reader_left(&r))
		return SVM_EDECODE;
	rc = job_load(c, &id, j);
	if (rc) return rc; /* SVM_ENOTFOUND: unknown job */
	switch (method) {
	case SVM_JOBS_ACCEPT:
		return accept(c, &id, j, &prm);
	case SVM_JOBS_COMMIT:
		return commit(c, &r, &id, j);
	case SVM_JOBS_REVEAL:
		return reveal(c, &r, &id, j, &prm);
	case SVM_JOBS_SETTLE:
		return settle(c, &id, j, &prm);
	case SVM_JOBS_CHALLENGE:
		return challenge(c, &id, j, &prm);
	case SVM_JOBS_DISPUTE:
		return dispute(c, &r, &id, j, &prm);
	}
	return claim(c, &id, j, &prm);
}

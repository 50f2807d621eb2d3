/* The AI market's JSON-RPC methods (docs/ai-market.md, "JSON-RPC"): models, jobs, providers'
 * reputation, VCRs, raw objects (chunks, code) and the jobs posted since a height, for the CLI
 * and `supervm worker`. Read-only views of committed state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/internal.h"
#include "supervm/ai.h"
#include "supervm/verify.h"


/* The payload of object id into b (reset); SVM_ENOTFOUND when absent. */
static int payload_of(svm_node_t *n, const svm_id_t *id, svm_buf_t *b, svm_object_t *o)
{
	svm_buf_reset(b);
	int rc = svm_chain_object(n->chain, id, b);
	if (rc) return rc;
	return svm_object_decode(b->data, b->len, o, NULL) ? SVM_EIO : 0;
}

static json_t *fail(svm_rpc_error_t *e, int rc, const char *what)
{
	if (rc == SVM_ENOTFOUND) return svm_rpc_fail(e, svm_rpc_app_code(rc), "%s not found", what);
	return svm_rpc_fail(e, SVM_RPC_INTERNAL_ERROR, "%s: %s", what, svm_strerror(rc));
}

static json_t *m_object(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_id_t id;
	if (!phash(params, 0, "id", &id, e)) return NULL;
	svm_buf_t b = {0};
	svm_object_t o;
	int rc = payload_of(ctx, &id, &b, &o);
	json_t *res = rc ? fail(e, rc, "object")
			 : json_pack("{s:o, s:o, s:i, s:o}", "id", jhash(&id), "version", ju64(o.version),
				     "type", (json_int_t)o.type, "payload", jhex(o.payload, o.payload_len));
	svm_buf_free(&b);
	return res;
}

static json_t *m_model(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_id_t id;
	if (!phash(params, 0, "model", &id, e)) return NULL;
	svm_buf_t b = {0};
	svm_object_t o;
	svm_ai_manifest_t *m = svm_malloc(sizeof *m);
	int rc = m ? payload_of(ctx, &id, &b, &o) : SVM_ENOMEM;
	if (rc == 0 && svm_ai_manifest_decode(o.payload, o.payload_len, true, m)) rc = SVM_ENOTFOUND;
	json_t *res = NULL;
	if (rc) {
		res = fail(e, rc, "model");
	} else {
		json_t *chunks = json_array();
		for (uint32_t i = 0; i < m->chunks_len; i++) json_array_append_new(chunks, jhash(&m->chunks[i]));
		svm_id_t code;
		svm_ai_code_id(&m->code_hash, &code);
		res = json_pack("{s:o, s:s, s:o, s:s, s:{s:o, s:s}, s:{s:o, s:s}, s:o, s:o, s:o, s:o, s:o}",
				"id", jhash(&id), "name", m->name, "version", ju64(m->version), "format",
				"SVQ8", "input", "len", ju64(m->input_len), "type", "u8", "output", "len",
				ju64(m->output_len), "type", "i32 logits ‖ u8 argmax", "weights_hash",
				jhash(&m->weights_hash), "chunks", chunks, "code_hash", jhash(&m->code_hash),
				"code_object", jhash(&code), "owner", jhash(&m->owner));
		/* the SNP MEASUREMENTs / TDX MRTDs a high-value job's evidence may carry */
		json_t *tm = json_array();
		for (uint32_t i = 0; i < m->tee_measurements_len && i < SVM_AI_TEE_MEASUREMENTS_MAX; i++)
			json_array_append_new(tm, jhex(m->tee_measurements[i], 48));
		json_object_set_new(res, "tee_measurements", tm);
	}
	svm_free(m);
	svm_buf_free(&b);
	return res;
}

static const char *job_state(uint8_t s)
{
	return s == SVM_AI_JOB_OPEN ? "open" : s == SVM_AI_JOB_PENDING ? "settled" : "closed";
}

static const char *slot_state(uint8_t s)
{
	return s == SVM_AI_SLOT_ACCEPTED ? "accepted" : s == SVM_AI_SLOT_COMMITTED ? "committed"
										   : "revealed";
}

static json_t *m_job(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_id_t id;
	if (!phash(params, 0, "job", &id, e)) return NULL;
	svm_buf_t b = {0};
	svm_object_t o;
	svm_ai_job_t *j = svm_malloc(sizeof *j);
	int rc = j ? payload_of(ctx, &id, &b, &o) : SVM_ENOMEM;
	if (rc == 0 && svm_ai_job_decode(o.payload, o.payload_len, j)) rc = SVM_ENOTFOUND;
	json_t *res = NULL;
	if (rc) {
		res = fail(e, rc, "job");
	} else {
		json_t *slots = json_array();
		for (int i = 0; i < j->slots_len; i++) {
			const svm_ai_slot_t *s = &j->slots[i];
			json_array_append_new(slots, json_pack("{s:o, s:s, s:o, s:o, s:o, s:b, s:o}", "provider",
							       jhash(&s->provider), "state", slot_state(s->state),
							       "output_hash", jhash(&s->output_hash), "output",
							       jhex(s->output, s->output_len), "reveal_height",
							       ju64(s->reveal_height), "proven_wrong",
							       s->proven_wrong, "prover",
							       s->proven_wrong ? jhash(&s->prover) : json_null()));
		}
		/* the open bisection disputes, each with its program 19 claim */
		json_t *disputes = json_array();
		for (uint32_t i = 0; i < j->disputes_len; i++) {
			const svm_ai_dispute_ref_t *d = &j->disputes[i];
			svm_id_t claim;
			svm_dispute_job_claim_id(&id, &j->slots[d->slot].provider, &d->challenger, &claim);
			json_array_append_new(disputes, json_pack("{s:i, s:o, s:o, s:o, s:o}", "slot",
								  (json_int_t)d->slot, "provider",
								  jhash(&j->slots[d->slot].provider),
								  "challenger", jhash(&d->challenger),
								  "bond", ju64(d->bond), "claim",
								  jhash(&claim)));
		}
		const char *ch[] = {"none", "won", "lost", "disputed"};
		/* the answer: the output of a replica that revealed the result */
		json_t *answer = json_null();
		svm_hash_t zero = {{0}};
		for (int i = 0; i < j->slots_len; i++)
			if (!svm_hash_eq(&j->result_hash, &zero) &&
			    svm_hash_eq(&j->slots[i].output_hash, &j->result_hash)) {
				json_decref(answer);
				answer = jhex(j->slots[i].output, j->slots[i].output_len);
				break;
			}
		res = json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:o, s:o, s:o, s:s, s:o, "
				"s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o}",
				"id", jhash(&id), "state", job_state(j->state), "poster", jhash(&j->poster),
				"model", jhash(&j->model), "input_hash", jhash(&j->input_hash), "units",
				ju64(j->units), "price", ju64(j->price), "replicas", (json_int_t)j->replicas,
				"sla_blocks", ju64(j->sla_blocks), "commit_deadline",
				ju64(j->commit_deadline), "posted_height", ju64(j->posted_height),
				"settle_height", ju64(j->settle_height), "challenge",
				ch[svm_ai_job_challenge(j)],
				"result_hash", jhash(&j->result_hash), "answer", answer, "slots", slots,
				"challenge_bond", ju64(j->challenge_bond), "disputed_slot",
				j->disputes_len ? json_integer(j->disputes[0].slot) : json_null(),
				"input", jhex(j->input, j->input_len), "raw",
				jhex(o.payload, o.payload_len), "level",
				svm_verify_level_name((svm_verify_level_t)j->level), "disputes", disputes,
				"disputes_opened", ju64(j->disputes_opened));
		/* the window stands still while every dispute entry is open (docs/bisection.md) */
		json_object_set_new(res, "window_paused_blocks", ju64(j->paused_blocks));
	}
	svm_free(j);
	svm_buf_free(&b);
	return res;
}

static json_t *m_provider(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_id_t who, id;
	if (!phash(params, 0, "provider", &who, e)) return NULL;
	svm_ai_provider_id(&who, &id);
	svm_buf_t b = {0};
	svm_object_t o;
	svm_ai_provider_t p;
	int rc = payload_of(ctx, &id, &b, &o);
	if (rc == 0 && svm_ai_provider_decode(o.payload, o.payload_len, &p)) rc = SVM_EIO;
	json_t *res = rc ? fail(e, rc, "provider")
			 : json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "provider",
				     jhash(&who), "bond", ju64(p.bond), "jobs_done", ju64(p.jobs_done),
				     "disputes_lost", ju64(p.disputes_lost), "missed_deadlines",
				     ju64(p.missed_deadlines), "late", ju64(p.late), "latency_blocks_sum",
				     ju64(p.latency_blocks_sum), "open_jobs", ju64(p.open_jobs),
				     "unbonding", ju64(p.unbonding), "release_height",
				     ju64(p.release_height));
	svm_buf_free(&b);
	return res;
}

static json_t *m_vcr(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_id_t job, who, id;
	if (!phash(params, 0, "job", &job, e) || !phash(params, 1, "provider", &who, e)) return NULL;
	svm_ai_vcr_id(&job, &who, &id);
	svm_buf_t b = {0};
	svm_object_t o;
	svm_ai_vcr_t v;
	int rc = payload_of(ctx, &id, &b, &o);
	if (rc == 0 && svm_ai_vcr_decode(o.payload, o.payload_len, &v)) rc = SVM_EIO;
	json_t *trace = json_null();
	if (rc == 0 && v.trace.present)
		trace = json_pack("{s:o, s:o, s:o, s:o}", "root", jhash(&v.trace.root), "k",
				  ju64(v.trace.k), "steps", ju64(v.trace.steps), "final_state",
				  jhash(&v.trace.final_state));
	json_t *res = rc ? fail(e, rc, "VCR")
			 : json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:o, "
				     "s:o}",
				     "job", jhash(&v.job), "provider", jhash(&v.provider), "model",
				     jhash(&v.model), "input_hash", jhash(&v.input_hash), "weights_hash",
				     jhash(&v.weights_hash), "code_hash", jhash(&v.code_hash), "seed",
				     ju64(v.seed), "output_hash", jhash(&v.output_hash), "level",
				     svm_verify_level_name((svm_verify_level_t)v.level), "tee_evidence",
				     jhex(v.tee, v.tee_len), "trace", trace, "public_key",
				     jhex(v.public_key, 32), "signature", jhex(v.signature, 64), "raw",
				     jhex(o.payload, o.payload_len));
	if (rc) json_decref(trace);
	svm_buf_free(&b);
	return res;
}

#define AI_SCAN_BLOCKS_MAX 256 /* blocks one svm_aiJobsSince call looks at */

/* Jobs posted in blocks [from, from + 256) up to the head: {"jobs": [ids], "next": height}. */
static json_t *m_jobs_since(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	json_t *v = svm_rpc_param(params, 0, "from");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 0 (from) must be a height");
	uint64_t from = (uint64_t)json_integer_value(v), head = svm_chain_height(n->chain);
	if (from == 0) from = 1;
	json_t *jobs = json_array();
	svm_buf_t blk = {0};
	uint64_t h = from;
	for (; h <= head && h < from + AI_SCAN_BLOCKS_MAX; h++) {
		svm_buf_reset(&blk);
		if (svm_chain_block(n->chain, h, &blk)) break;
		svm_arena_t a;
		svm_arena_init(&a, 1 << 16);
		svm_block_t b;
		if (svm_block_decode(blk.data, blk.len, &a, &b, NULL, NULL) == 0) {
			for (uint32_t i = 0; i < b.txs_len; i++) {
				svm_tx_t t;
				svm_reader_t r;
				uint64_t prog, method;
				if (svm_tx_decode(b.txs[i].p, b.txs[i].len, &a, &t, NULL, NULL) ||
				    t.vm != SVM_VM_NATIVE)
					continue;
				r = svm_reader(t.payload, t.payload_len);
				if (svm_varint_read(&r, &prog) || prog != SVM_PROGRAM_JOBS ||
				    svm_varint_read(&r, &method) || method != SVM_JOBS_POST)
					continue;
				svm_id_t id;
				svm_buf_t ob = {0};
				svm_ai_job_id(&t.sender, t.nonce, &id);
				if (svm_chain_object(n->chain, &id, &ob) == 0)
					json_array_append_new(jobs, jhash(&id));
				svm_buf_free(&ob);
			}
		}
		svm_arena_reset(&a);
	}
	svm_buf_free(&blk);
	return json_pack("{s:o, s:o, s:o}", "jobs", jobs, "next", ju64(h), "head", ju64(head));
}

size_t svm_node_ai_methods(svm_node_t *n, svm_rpc_method_t *m, size_t max)
{
	const svm_rpc_method_t table[] = {
		{"svm_aiGetObject", m_object, n},     {"svm_aiGetModel", m_model, n},
		{"svm_aiGetJob", m_job, n},           {"svm_aiGetProvider", m_provider, n},
		{"svm_aiGetVcr", m_vcr, n},           {"svm_aiJobsSince", m_jobs_since, n},
	};
	return node_methods_put(m, max, table, sizeof table / sizeof table[0]);
}

/* Disputes of auditable AI jobs by bisection (job_escrow's dispute, program 19's job claims): the
 * real Fashion-MNIST inference module with its host calls, run in the stepper by the provider
 * (its trace committed in its receipt) and by the challenger, bisected by transactions down to
 * one step that the chain executes with the job's model and input read from state. A provider
 * whose worker corrupts one step so that it reveals a wrong output is caught at exactly that
 * step and slashed as docs/ai-market.md's formulas say (the challenger paid, the poster
 * refunded); an honest provider beats a lying challenger, whose bond burns; a provider whose
 * revealed output is not its trace's cannot open the trace and loses at its deadline; every bad
 * input is a clear error that changes nothing but the fee; and a workload of such disputes runs
 * on AOEM byte for byte as on the sequential reference. Uses build/ai/infer.wasm and the
 * checked-in model. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chaintest.h"
#include "lib/econtest.h"
#include "lib/jobfx.h"
#include "supervm/ai.h"
#include "supervm/econ.h"
#include "supervm/trace.h"
#include "supervm/verify.h"

static const svm_fee_params_t FEES = {.a = 1000, .b = 0, .c = 0, .d = 0}; /* the AOEM worlds' */

#define FEE 1000ull
#define SYBIL0 6 /* keys SYBIL0.. fill every dispute entry of a job */
#define KEYS (SYBIL0 + (int)SVM_AI_JOB_DISPUTES_MAX)
#define SWR0 100000000000ull /* 100 SWR each */
#define AIC0 1000000ull
#define BOND 10000000000ull /* 10 SWR */
#define PRICE 1000ull
#define K 256 /* steps per checkpoint: ~82 checkpoints over an inference */
#define ST(e) svm_receipt_status(e)

/* ------------------------------------------------------------ parties */

/* What a worker (or a challenger) runs: the job's module with the job's model and input,
 * corrupting the top of the stack after step corrupt_at (0: honest). */
typedef struct {
	const svm_wasm_module_t *m;
	svm_step_env_t env;
	uint64_t corrupt_at;
} party_t;

static svm_step_t *machine(const party_t *p)
{
	svm_step_t *s = NULL;
	cr_assert_eq(svm_step_new_env(&s, p->m, SVM_DISPUTE_JOB_ENTRY, NULL, 0, SVM_DISPUTE_JOB_GAS,
				      &p->env, NULL),
		     0);
	return s;
}

static void advance(const party_t *p, svm_step_t *s, uint64_t to)
{
	while (svm_step_count(s) < to && svm_step_status(s) == SVM_STEP_RUNNING) {
		cr_assert_eq(svm_step_one(s), 0);
		if (p->corrupt_at && svm_step_count(s) == p->corrupt_at) svm_step_corrupt(s, 1);
	}
}

static svm_step_t *state_at(const party_t *p, uint64_t x)
{
	svm_step_t *s = machine(p);
	advance(p, s, x);
	return s;
}

/* The hashes at ascending steps xs[n], one run. */
static void hashes_at(const party_t *p, const uint64_t *xs, uint32_t n, svm_hash_t *out)
{
	svm_step_t *s = machine(p);
	for (uint32_t i = 0; i < n; i++) {
		advance(p, s, xs[i]);
		svm_step_hash(s, &out[i]);
	}
	svm_step_free(s);
}

static void trace_of(const party_t *p, svm_trace_t *t)
{
	svm_step_t *s = machine(p);
	memset(t, 0, sizeof *t);
	t->k = K;
	size_t cap = 128;
	t->hashes = malloc(cap * sizeof *t->hashes);
	cr_assert_not_null(t->hashes);
	svm_step_hash(s, &t->hashes[t->n++]);
	while (svm_step_status(s) == SVM_STEP_RUNNING) {
		advance(p, s, svm_step_count(s) + K);
		if (t->n == cap) t->hashes = realloc(t->hashes, (cap *= 2) * sizeof *t->hashes);
		cr_assert_not_null(t->hashes);
		svm_step_hash(s, &t->hashes[t->n++]);
	}
	cr_assert_eq(svm_step_status(s), SVM_STEP_DONE);
	t->steps = svm_step_count(s);
	cr_assert_eq(svm_merkle_root(t->hashes, t->n, &t->root), 0);
	svm_step_free(s);
}

/* The run's output and its final state's core. */
static void final_of(const party_t *p, uint8_t *out, size_t *out_len, svm_buf_t *core)
{
	svm_step_t *s = state_at(p, UINT64_MAX);
	const uint8_t *o;
	cr_assert_eq(svm_step_status(s), SVM_STEP_DONE);
	cr_assert_eq(svm_step_output(s, &o, out_len), 0);
	memcpy(out, o, *out_len);
	if (core) cr_assert_eq(svm_step_core(s, core), 0);
	svm_step_free(s);
}

/* The first step from `from` whose corruption changes the output and still finishes: a worker
 * built to lie about the answer. */
static uint64_t lying_step(party_t p, uint64_t from, const uint8_t *honest, size_t honest_len)
{
	for (uint64_t d = from; d < from + 4000; d++) {
		p.corrupt_at = d;
		svm_step_t *s = state_at(&p, UINT64_MAX);
		const uint8_t *o;
		size_t n;
		bool found = svm_step_status(s) == SVM_STEP_DONE && svm_step_output(s, &o, &n) == 0 &&
			     (n != honest_len || memcmp(o, honest, n) != 0);
		svm_step_free(s);
		if (found) return d;
	}
	cr_assert_fail("no step whose corruption changes the output");
	return 0;
}

/* One dispute as its two players see it. */
typedef struct {
	svm_id_t claim;
	int provider, challenger; /* key indices (or users of the AOEM world) */
	const party_t *pp, *pc;   /* their machines */
	const svm_trace_t *t;     /* the provider's committed trace */
	svm_buf_t core;           /* the provider's final state's core */
	int moves;
} game_t;

/* The next move of g given the claim record d: its payload and sender. 1 when closed. */
static int next_move(game_t *g, const svm_dispute_t *d, svm_buf_t *p, int *who)
{
	const svm_bisect_t *b = &d->game;
	if (d->state == SVM_DISPUTE_CLOSED) return 1;
	g->moves++;
	cr_assert_leq(g->moves, 2 * SVM_BISECT_ROUNDS_MAX + 4);
	if (d->state == SVM_DISPUTE_AWAIT_OPEN) {
		svm_merkle_proof_t ip, fp;
		cr_assert_eq(svm_merkle_prove(g->t->hashes, g->t->n, 0, &ip), 0);
		cr_assert_eq(svm_merkle_prove(g->t->hashes, g->t->n, g->t->n - 1, &fp), 0);
		cr_assert_eq(svm_dispute_open_payload(p, &g->claim, &ip, &fp, g->core.data, g->core.len), 0);
		*who = g->provider;
		return 0;
	}
	cr_assert_eq(d->state, SVM_DISPUTE_DISPUTED);
	if (b->phase == SVM_BISECT_CLAIMANT_MOVES) {
		svm_hash_t mids[SVM_BISECT_ARITY_MAX];
		svm_merkle_proof_t proofs[SVM_BISECT_ARITY_MAX];
		bool need = svm_bisect_needs_proofs(b);
		hashes_at(g->pp, b->mid_step, b->nmid, mids);
		for (uint32_t i = 0; need && i < b->nmid; i++) {
			uint64_t ci = b->mid_step[i] == g->t->steps ? g->t->n - 1 : b->mid_step[i] / K;
			cr_assert_eq(svm_merkle_prove(g->t->hashes, g->t->n, ci, &proofs[i]), 0);
		}
		cr_assert_eq(svm_dispute_reveal_payload(p, &g->claim, mids, need ? proofs : NULL, b->nmid), 0);
		*who = g->provider;
	} else if (b->phase == SVM_BISECT_CHALLENGER_MOVES) {
		svm_hash_t mine[SVM_BISECT_ARITY_MAX];
		hashes_at(g->pc, b->mid_step, b->nmid, mine);
		uint32_t j = b->nmid;
		for (uint32_t i = 0; i < b->nmid && j == b->nmid; i++)
			if (!svm_hash_eq(&mine[i], &b->mid_hash[i])) j = i;
		cr_assert_eq(svm_dispute_pick_payload(p, &g->claim, j), 0);
		*who = g->challenger;
	} else {
		cr_assert_eq(b->phase, SVM_BISECT_ONE_STEP);
		svm_step_t *s = state_at(g->pp, b->lo);
		svm_buf_t proof = {0};
		cr_assert_eq(svm_step_prove(s, &proof), 0);
		svm_step_free(s);
		cr_assert_leq(proof.len, 60000u, "a step's proof fits a transaction");
		cr_assert_eq(svm_dispute_prove_payload(p, &g->claim, proof.data, proof.len), 0);
		svm_buf_free(&proof);
		*who = g->provider;
	}
	return 0;
}

/* ------------------------------------------------------------ the chain */

_Static_assert(KEYS <= (int)JF_KEYS_MAX, "the fixture holds every key");

typedef struct {
	JF_EMBED; /* dir, c, k, nonce, fees (the fee limits each key spent), now_ms, block_ms */
	svm_id_t swr, aic, model;
	svm_hash_t code_hash;
	uint8_t *weights, *code, *images;
	size_t weights_len, code_len;
	svm_wasm_module_t *m;
	svm_params_t prm;
} fx_t;

static const uint8_t *image(const uint8_t *images, int i) { return images + 16 + (size_t)i * 784; }

static int send_ret(fx_t *f, int who, const svm_buf_t *payload, uint8_t *ret32)
{
	return jf_send_ret(&f->t, who, payload, ret32);
}

static int send(fx_t *f, int who, svm_buf_t *payload) { return jf_send(&f->t, who, payload); }

/* One block of n transactions (in order), each included (jf_send_block). */
static void send_block(fx_t *f, size_t n, const int *who, svm_buf_t *payload, int *st)
{
	jf_send_block(&f->t, n, who, payload, st, NULL);
}

static void blocks(fx_t *f, uint64_t n) { jf_blocks(&f->t, n); }

static uint64_t bal(fx_t *f, const svm_id_t *token, const svm_id_t *who)
{
	return jf_balance(&f->t, token, who);
}

static void raw(fx_t *f, const svm_id_t *id, svm_buf_t *b)
{
	svm_buf_reset(b);
	cr_assert_eq(svm_chain_object(f->c, id, b), 0);
}

static void job_get(fx_t *f, const svm_id_t *job, svm_ai_job_t *j) { jf_job(&f->t, job, j); }

static void claim_get(fx_t *f, const svm_id_t *id, svm_dispute_t *d) { jf_dispute(&f->t, id, d); }

/* A test's standard challenge window (0: the default). */
static uint64_t fx_window_blocks;

static void fx_open(fx_t *f)
{
	memset(f, 0, sizeof *f);
	svm_genesis_t g;
	jf_genesis(&f->t, KEYS, SWR0, AIC0, FEE, &g);
	f->slot_ms = 1000; /* blocks one default slot apart: an idle chain */
	svm_params_default(&g.params);
	g.params_set = true;
	if (fx_window_blocks) g.params.ai_challenge_window_blocks = fx_window_blocks;
	g.params.issuance_ppb_epoch = 0; /* the balances below are checked to the unit */
	jf_open(&f->t, &g);
	svm_genesis_free(&g);
	svm_token_id("SWR", &f->swr);
	svm_token_id("AIC", &f->aic);
	cr_assert_eq(svm_chain_params(f->c, &f->prm), 0);
	size_t n;
	f->weights = jf_slurp("models/fmnist/fmnist-mlp.svq8", &f->weights_len);
	f->code = jf_slurp("build/ai/infer.wasm", &f->code_len);
	f->images = jf_slurp("build/ai/t10k-images-idx3-ubyte", &n);
	svm_error_t err = {0};
	svm_sha256(f->code, f->code_len, &f->code_hash);
	svm_wasm_config_t wc;
	svm_ai_vm_config(&wc);
	cr_assert_eq(svm_wasm_module_new(&f->m, f->code, f->code_len, &wc, &err), 0, "%s", err.msg);
	/* the registry: chunks, code, manifest */
	svm_ai_manifest_t m = {.version = 1, .format = SVM_AI_FORMAT_SVQ8, .input_type = SVM_AI_TYPE_U8, .output_type = SVM_AI_TYPE_LOGITS_I32, .input_len = 784, .output_len = 41};
	strcpy(m.name, "fmnist-mlp");
	jf_register_model(&f->t, 0, f->weights, f->weights_len, f->code, f->code_len, &m);
	svm_ai_model_id(&f->k[0].id, "fmnist-mlp", 1, &f->model);
	svm_buf_t p = {0};
	for (int i = 1; i <= 2; i++) {
		cr_assert_eq(svm_ai_provider_register_payload(&p, BOND), 0);
		cr_assert_eq(send(f, i, &p), 0);
	}
}

static void fx_close(fx_t *f)
{
	svm_wasm_module_free(f->m);
	jf_close(&f->t);
	free(f->weights);
	free(f->code);
	free(f->images);
}

static party_t party(const fx_t *f, int img, uint64_t corrupt_at)
{
	party_t p = {.m = f->m, .corrupt_at = corrupt_at};
	p.env = (svm_step_env_t){f->weights, f->weights_len, image(f->images, img), 784};
	return p;
}

/* Poster 0 posts an auditable job of n replicas on image img; provider who[i] accepts, runs it
 * as party pp[i], commits and reveals outs[i] (its claimed answer) with pp[i]'s trace t[i].
 * Settled. */
static void auditable_job_k(fx_t *f, int img, int n, const int *who, const party_t *const *pp,
			    uint8_t (*outs)[SVM_AI_OUTPUT_MAX], const size_t *lens, svm_trace_t *t,
			    svm_id_t *job)
{
	svm_ai_post_t q = {.model = f->model, .input = image(f->images, img), .input_len = 784, .units = 1, .max_price = PRICE, .replicas = (uint8_t)n, .sla_blocks = 5, .level = SVM_VERIFY_AUDITABLE, .commit_deadline = svm_chain_height(f->c) + 4 + 2 * (uint64_t)n};
	svm_sha256(q.input, 784, &q.input_hash);
	svm_buf_t b = {0};
	cr_assert_eq(svm_ai_post_payload(&b, &q), 0);
	cr_assert_eq(send_ret(f, 0, &b, job->b), 0, "post");
	svm_buf_free(&b);
	for (int i = 0; i < n; i++) {
		cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_ACCEPT, job), 0);
		cr_assert_eq(send(f, who[i], &b), 0, "accept");
	}
	uint8_t salt[32];
	for (int i = 0; i < n; i++) {
		trace_of(pp[i], &t[i]);
		memset(salt, who[i], 32);
		svm_hash_t cm;
		svm_ai_commitment(job, &f->k[who[i]].id, outs[i], lens[i], salt, &cm);
		cr_assert_eq(svm_ai_commit_payload(&b, job, &cm), 0);
		cr_assert_eq(send(f, who[i], &b), 0, "commit");
	}
	for (int i = 0; i < n; i++) {
		memset(salt, who[i], 32);
		svm_ai_trace_t tr = {.present = true, .root = t[i].root, .k = K, .steps = t[i].steps, .final_state = t[i].hashes[t[i].n - 1]};
		svm_ai_vcr_t v = {.job = *job, .provider = f->k[who[i]].id, .model = f->model, .input_hash = q.input_hash, .code_hash = f->code_hash, .seed = svm_get_u64be(job->b), .level = SVM_VERIFY_AUDITABLE, .trace = tr};
		svm_sha256(f->weights, f->weights_len, &v.weights_hash);
		svm_sha256(outs[i], lens[i], &v.output_hash);
		svm_buf_t msg = {0};
		cr_assert_eq(svm_buf_append(&msg, "svm/ai/vcr", 10), 0);
		cr_assert_eq(svm_ai_vcr_encode(&v, true, &msg), 0);
		uint8_t sig[64];
		svm_ed25519_sign(sig, msg.data, msg.len, f->k[who[i]].secret_key);
		svm_buf_free(&msg);
		cr_assert_eq(svm_ai_reveal_payload(&b, job, outs[i], lens[i], salt, SVM_VERIFY_AUDITABLE,
						   NULL, 0, &tr, sig),
			     0);
		cr_assert_eq(send(f, who[i], &b), 0, "reveal");
	}
	cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_SETTLE, job), 0);
	cr_assert_eq(send(f, who[0], &b), 0, "settle");
}

/* The same with one replica. */
static void auditable_job(fx_t *f, int img, int who, const party_t *pp, const uint8_t *out,
			  size_t out_len, svm_trace_t *t, svm_id_t *job)
{
	static uint8_t outs[1][SVM_AI_OUTPUT_MAX];
	memcpy(outs[0], out, out_len);
	auditable_job_k(f, img, 1, &who, &pp, outs, &out_len, t, job);
}

static int dispute_tx(fx_t *f, int who, const svm_id_t *job, int provider, const svm_id_t *model,
		      const svm_hash_t *input_hash, svm_id_t *claim)
{
	svm_buf_t b = {0};
	cr_assert_eq(svm_ai_dispute_payload(&b, job, &f->k[provider].id, model, input_hash), 0);
	int st = send_ret(f, who, &b, claim ? claim->b : NULL);
	svm_buf_free(&b);
	return st;
}

/* Plays g through the chain, one move per block; at the one step, a forged proof first. */
static svm_bisect_phase_t play(fx_t *f, game_t *g, svm_dispute_t *d)
{
	for (;;) {
		claim_get(f, &g->claim, d);
		svm_buf_t p = {0};
		int who;
		if (next_move(g, d, &p, &who)) return d->game.phase;
		if (d->state == SVM_DISPUTE_DISPUTED && d->game.phase == SVM_BISECT_ONE_STEP) {
			/* a forged step proof: a byte of the revealed state changed; refused, nothing moves */
			svm_buf_t forged = {0}, before = {0}, after = {0};
			svm_reader_t r = svm_reader(p.data, p.len);
			uint64_t prog, method, n;
			cr_assert(!svm_varint_read(&r, &prog) && !svm_varint_read(&r, &method));
			r.pos += 32;
			cr_assert_eq(svm_varint_read(&r, &n), 0);
			cr_assert_eq(svm_buf_append(&forged, p.data, p.len), 0);
			forged.data[r.pos + 26] ^= 1; /* the state's step counter */
			raw(f, &g->claim, &before);
			int st = send(f, who, &forged);
			cr_assert_eq(st, ST(SVM_EPROOF), "a forged step proof: status %d", st);
			raw(f, &g->claim, &after);
			cr_assert(before.len == after.len && !memcmp(before.data, after.data, before.len));
			svm_buf_free(&before);
			svm_buf_free(&after);
		}
		cr_assert_eq(send(f, who, &p), 0, "move %d (state %u phase %u)", g->moves, d->state,
			     d->game.phase);
	}
}

static svm_ai_job_t jb;

/* A fee-only failure: status want; the object `what_id` (the job or the claim) unchanged and the
 * sender's SWR lower by the fee alone, its AIC unchanged. */
static void refused(fx_t *f, int who, svm_buf_t *payload, int want, const svm_id_t *what_id,
		    const char *what)
{
	svm_buf_t before = {0}, after = {0};
	raw(f, what_id, &before);
	uint64_t s = bal(f, &f->swr, &f->k[who].id), a = bal(f, &f->aic, &f->k[who].id);
	int st = send(f, who, payload);
	cr_assert_eq(st, ST(want), "%s: status %d, want %d", what, st, ST(want));
	raw(f, what_id, &after);
	cr_assert(before.len == after.len && !memcmp(before.data, after.data, before.len),
		  "%s: the object changed", what);
	cr_assert_eq(bal(f, &f->swr, &f->k[who].id), s - FEE, "%s: more than the fee", what);
	cr_assert_eq(bal(f, &f->aic, &f->k[who].id), a, "%s: AIC moved", what);
	svm_buf_free(&before);
	svm_buf_free(&after);
}

static void dispute_payload(fx_t *f, svm_buf_t *b, const svm_id_t *job, int provider,
			    const svm_id_t *model, const svm_hash_t *input_hash)
{
	cr_assert_eq(svm_ai_dispute_payload(b, job, &f->k[provider].id, model, input_hash), 0);
}

Test(job_dispute, a_provider_revealing_a_wrong_output_is_bisected_to_its_corrupted_step_and_slashed)
{
	fx_t f;
	fx_open(&f);
	party_t honest = party(&f, 0, 0);
	uint8_t hout[SVM_AI_OUTPUT_MAX], lout[SVM_AI_OUTPUT_MAX];
	size_t hlen, llen;
	final_of(&honest, hout, &hlen, NULL);
	svm_trace_t ht;
	trace_of(&honest, &ht);
	party_t liar = honest;
	liar.corrupt_at = lying_step(honest, ht.steps * 3 / 4, hout, hlen);
	svm_buf_t core = {0};
	final_of(&liar, lout, &llen, &core);
	svm_id_t job, claim, acct;
	svm_trace_t lt;
	auditable_job(&f, 0, 1, &liar, lout, llen, &lt, &job);
	cr_assert(!svm_hash_eq(&lt.root, &ht.root));
	svm_ai_job_account(&job, &acct);
	uint64_t s2 = bal(&f, &f.swr, &f.k[2].id), s1 = bal(&f, &f.swr, &f.k[1].id);
	uint64_t a0 = bal(&f, &f.aic, &f.k[0].id), esc = bal(&f, &f.aic, &acct);
	uint64_t f2 = f.fees[2], f1 = f.fees[1];
	svm_buf_t b = {0};

	/* bad disputes: each a clear error; the job and the challenger's SWR unchanged but the fee */
	svm_hash_t ih, bad_ih;
	svm_sha256(image(f.images, 0), 784, &ih);
	bad_ih = ih;
	bad_ih.b[5] ^= 1;
	svm_id_t bad_model = f.model;
	bad_model.b[0] ^= 1;
	dispute_payload(&f, &b, &job, 1, &bad_model, &ih);
	refused(&f, 2, &b, SVM_EINVAL, &job, "wrong model id");
	dispute_payload(&f, &b, &job, 1, &f.model, &bad_ih);
	refused(&f, 2, &b, SVM_EPROOF, &job, "input mismatch");
	dispute_payload(&f, &b, &job, 3, &f.model, &ih);
	refused(&f, 2, &b, SVM_ENOTFOUND, &job, "not a provider of the job");
	dispute_payload(&f, &b, &job, 1, &f.model, &ih);
	refused(&f, 1, &b, SVM_EPERM, &job, "one's own trace");
	dispute_payload(&f, &b, &job, 1, &f.model, &ih);
	cr_assert_eq(svm_buf_push(&b, 0), 0); /* a trailing byte */
	refused(&f, 2, &b, SVM_EDECODE, &job, "a trailing byte");
	cr_assert_eq(bal(&f, &f.swr, &f.k[2].id), s2 - (f.fees[2] - f2), "only the fees");

	/* the dispute: the challenge bond (2 SWR at the auditable level) moves to the job */
	uint64_t cbond = f.prm.ai_challenge_bond * 2;
	cr_assert_eq(dispute_tx(&f, 2, &job, 1, &f.model, &ih, &claim), 0);
	cr_assert_eq(bal(&f, &f.swr, &acct), cbond, "the challenge bond is held by the job");
	svm_id_t want;
	svm_dispute_job_claim_id(&job, &f.k[1].id, &f.k[2].id, &want);
	cr_assert(svm_hash_eq(&claim, &want), "the claim id is the job's, the provider's and the challenger's");
	job_get(&f, &job, &jb);
	cr_assert_eq(svm_ai_job_challenge(&jb), SVM_AI_CHALLENGE_DISPUTED);
	cr_assert_eq(jb.challenge, SVM_AI_CHALLENGE_NONE, "no re-execution");
	cr_assert_eq(jb.disputes_len, 1);
	cr_assert_eq(jb.disputes_opened, 1);
	cr_assert_eq(jb.disputes[0].slot, 0);
	cr_assert(svm_hash_eq(&jb.disputes[0].challenger, &f.k[2].id));
	cr_assert_eq(jb.disputes[0].bond, cbond);
	dispute_payload(&f, &b, &job, 1, &f.model, &ih);
	refused(&f, 2, &b, SVM_EEXIST, &job, "one dispute per challenger and trace");
	cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_CHALLENGE, &job), 0);
	refused(&f, 3, &b, SVM_ESTATE, &job, "no re-execution while disputed");
	cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_CLAIM, &job), 0);
	refused(&f, 3, &b, SVM_ESTATE, &job, "no claim while disputed");
	svm_dispute_t d;
	claim_get(&f, &claim, &d);
	cr_assert_eq(d.kind, SVM_DISPUTE_KIND_JOB);
	cr_assert_eq(d.state, SVM_DISPUTE_AWAIT_OPEN);
	cr_assert(svm_hash_eq(&d.game.lo_hash, &ht.hashes[0]), "the chain's initial state is the worker's");

	/* bad openings: by the challenger, with the honest final state, with a forged checkpoint 0 */
	svm_merkle_proof_t ip, fp;
	cr_assert_eq(svm_merkle_prove(lt.hashes, lt.n, 0, &ip), 0);
	cr_assert_eq(svm_merkle_prove(lt.hashes, lt.n, lt.n - 1, &fp), 0);
	cr_assert_eq(svm_dispute_open_payload(&b, &claim, &ip, &fp, core.data, core.len), 0);
	refused(&f, 2, &b, SVM_EPERM, &claim, "only the provider opens");
	svm_buf_t hcore = {0};
	final_of(&honest, hout, &hlen, &hcore);
	cr_assert_eq(svm_dispute_open_payload(&b, &claim, &ip, &fp, hcore.data, hcore.len), 0);
	refused(&f, 1, &b, SVM_EPROOF, &claim, "another final state");
	ip.path[0].b[0] ^= 1;
	cr_assert_eq(svm_dispute_open_payload(&b, &claim, &ip, &fp, core.data, core.len), 0);
	refused(&f, 1, &b, SVM_EPROOF, &claim, "a forged checkpoint 0");
	core.data[core.len - 1] ^= 1;
	ip.path[0].b[0] ^= 1;
	cr_assert_eq(svm_dispute_open_payload(&b, &claim, &ip, &fp, core.data, core.len), 0);
	refused(&f, 1, &b, SVM_EPROOF, &claim, "a core that is not the committed state");
	core.data[core.len - 1] ^= 1;
	claim_get(&f, &claim, &d);
	cr_assert_eq(d.state, SVM_DISPUTE_AWAIT_OPEN, "nothing moved");
	svm_buf_free(&hcore);

	/* the game: the chain executes exactly the corrupted step */
	party_t challenger = honest;
	game_t g = {.claim = claim, .provider = 1, .challenger = 2, .pp = &liar, .pc = &challenger, .t = &lt, .core = core};
	cr_assert_eq(play(&f, &g, &d), SVM_BISECT_CHALLENGER_WON);
	cr_assert_eq(d.game.hi, liar.corrupt_at, "decided at step %llu, the lie is at %llu",
		     (unsigned long long)d.game.hi, (unsigned long long)liar.corrupt_at);
	cr_assert_eq(d.game.lo + 1, d.game.hi);
	printf("job dispute: S = %llu steps, K = %d, %llu checkpoints, lie at step %llu; decided there "
	       "in %u rounds, %d transactions, %llu bytes of moves\n",
	       (unsigned long long)lt.steps, K, (unsigned long long)lt.n,
	       (unsigned long long)liar.corrupt_at, d.game.rounds, g.moves,
	       (unsigned long long)d.game.proof_bytes);
	fflush(stdout);
	job_get(&f, &job, &jb);
	cr_assert_eq(svm_ai_job_challenge(&jb), SVM_AI_CHALLENGE_WON);
	cr_assert_eq(jb.disputes_len, 0);
	cr_assert(jb.slots[0].proven_wrong && svm_hash_eq(&jb.slots[0].prover, &f.k[2].id));
	cr_assert_eq(bal(&f, &f.swr, &f.k[2].id), s2 - (f.fees[2] - f2), "the won bond is back at once");
	cr_assert_eq(bal(&f, &f.swr, &acct), 0);
	dispute_payload(&f, &b, &job, 1, &f.model, &ih);
	refused(&f, 3, &b, SVM_ESTATE, &job, "a trace proven wrong is not disputed again");
	svm_hash_t zero = {{0}}, lh;
	svm_sha256(lout, llen, &lh);
	cr_assert(svm_hash_eq(&jb.result_hash, &zero), "no result stands");
	cr_assert(svm_hash_eq(&jb.wrong_hash, &lh));

	/* claim at once: the poster refunded, the liar slashed to the challenger (formulas) */
	cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_CLAIM, &job), 0);
	cr_assert_eq(send(&f, 3, &b), 0, "claim");
	uint64_t pen = BOND * f.prm.ai_challenge_slash_bps / 10000;
	cr_assert_eq(bal(&f, &f.aic, &f.k[0].id), a0 + esc, "the whole escrow back to the poster");
	cr_assert_eq(bal(&f, &f.aic, &f.k[1].id), AIC0, "the liar is not paid");
	cr_assert_eq(bal(&f, &f.swr, &f.k[2].id), s2 - (f.fees[2] - f2) + pen,
		     "the challenger: its bond back and the slash");
	cr_assert_eq(bal(&f, &f.swr, &f.k[1].id), s1 - (f.fees[1] - f1), "the liar's free SWR: its fees only");
	cr_assert_eq(bal(&f, &f.swr, &acct), 0, "the job's account is empty");
	cr_assert_eq(bal(&f, &f.aic, &acct), 0);
	svm_id_t bacct;
	svm_ai_bond_account(&f.k[1].id, &bacct);
	cr_assert_eq(bal(&f, &f.swr, &bacct), BOND - pen, "the liar's bond less the slash");
	svm_buf_free(&b);
	svm_buf_free(&core);
	free(ht.hashes);
	free(lt.hashes);
	fx_close(&f);
}

Test(job_dispute, an_honest_provider_beats_a_lying_challenger_whose_bond_burns)
{
	fx_t f;
	fx_open(&f);
	party_t honest = party(&f, 1, 0);
	uint8_t out[SVM_AI_OUTPUT_MAX];
	size_t len;
	svm_buf_t core = {0};
	final_of(&honest, out, &len, &core);
	svm_id_t job, claim, acct;
	svm_trace_t t;
	auditable_job(&f, 1, 1, &honest, out, len, &t, &job);
	svm_ai_job_account(&job, &acct);
	svm_hash_t ih;
	svm_sha256(image(f.images, 1), 784, &ih);
	uint64_t s2 = bal(&f, &f.swr, &f.k[2].id), a1 = bal(&f, &f.aic, &f.k[1].id);
	uint64_t swr_supply_acct = bal(&f, &f.swr, &acct);
	uint64_t f2 = f.fees[2];
	cr_assert_eq(dispute_tx(&f, 2, &job, 1, &f.model, &ih, &claim), 0);
	/* the challenger's machine is corrupted a third of the way in: it disputes a true trace */
	party_t liar = honest;
	liar.corrupt_at = t.steps / 3;
	game_t g = {.claim = claim, .provider = 1, .challenger = 2, .pp = &honest, .pc = &liar, .t = &t, .core = core};
	svm_dispute_t d;
	cr_assert_eq(play(&f, &g, &d), SVM_BISECT_CLAIMANT_WON);
	cr_assert_leq(d.game.rounds, 6u);
	job_get(&f, &job, &jb);
	cr_assert_eq(svm_ai_job_challenge(&jb), SVM_AI_CHALLENGE_LOST);
	cr_assert(!jb.slots[0].proven_wrong);
	svm_hash_t oh;
	svm_sha256(out, len, &oh);
	cr_assert(svm_hash_eq(&jb.result_hash, &oh), "the result stands");
	uint64_t cbond = f.prm.ai_challenge_bond * 2;
	cr_assert_eq(bal(&f, &f.swr, &acct), swr_supply_acct, "the lost bond is burned");
	cr_assert_eq(bal(&f, &f.swr, &f.k[2].id), s2 - (f.fees[2] - f2) - cbond);
	/* the provider is paid after the window (a lost dispute does not end it early) */
	svm_buf_t b = {0};
	cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_CLAIM, &job), 0);
	cr_assert_eq(send(&f, 3, &b), ST(SVM_ESTATE), "the window is open");
	job_get(&f, &job, &jb);
	uint64_t until = jb.settle_height + 7 * f.prm.ai_challenge_window_blocks;
	if (svm_chain_height(f.c) < until) blocks(&f, until - svm_chain_height(f.c));
	cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_CLAIM, &job), 0);
	cr_assert_eq(send(&f, 3, &b), 0);
	uint64_t gross = PRICE * 150 / 100;
	cr_assert_eq(bal(&f, &f.aic, &f.k[1].id), a1 + gross - gross * f.prm.ai_burn_bps / 10000,
		     "paid as the formula says");
	svm_id_t bacct;
	svm_ai_bond_account(&f.k[1].id, &bacct);
	cr_assert_eq(bal(&f, &f.swr, &bacct), BOND, "its bond untouched");
	svm_buf_free(&core);
	free(t.hashes);
	fx_close(&f);
}

Test(job_dispute, a_revealed_output_that_is_not_the_traces_cannot_be_defended_and_loses_at_the_deadline)
{
	fx_t f;
	fx_open(&f);
	party_t honest = party(&f, 2, 0);
	uint8_t out[SVM_AI_OUTPUT_MAX];
	size_t len;
	svm_buf_t core = {0};
	final_of(&honest, out, &len, &core);
	out[len - 1] ^= 1; /* the flipped answer, with the true trace */
	svm_id_t job, claim;
	svm_trace_t t;
	auditable_job(&f, 2, 1, &honest, out, len, &t, &job);
	svm_hash_t ih;
	svm_sha256(image(f.images, 2), 784, &ih);
	cr_assert_eq(dispute_tx(&f, 2, &job, 1, &f.model, &ih, &claim), 0);
	svm_merkle_proof_t ip, fp;
	cr_assert_eq(svm_merkle_prove(t.hashes, t.n, 0, &ip), 0);
	cr_assert_eq(svm_merkle_prove(t.hashes, t.n, t.n - 1, &fp), 0);
	svm_buf_t b = {0};
	cr_assert_eq(svm_dispute_open_payload(&b, &claim, &ip, &fp, core.data, core.len), 0);
	refused(&f, 1, &b, SVM_EPROOF, &claim, "the trace ends with another output");
	cr_assert_eq(svm_dispute_payload(&b, SVM_DISPUTE_TIMEOUT, &claim), 0);
	refused(&f, 3, &b, SVM_ESTATE, &claim, "not late yet");
	svm_dispute_t d;
	claim_get(&f, &claim, &d);
	blocks(&f, d.game.deadline - svm_chain_height(f.c));
	cr_assert_eq(svm_dispute_payload(&b, SVM_DISPUTE_TIMEOUT, &claim), 0);
	cr_assert_eq(send(&f, 3, &b), 0, "timeout");
	claim_get(&f, &claim, &d);
	cr_assert_eq(d.state, SVM_DISPUTE_CLOSED);
	cr_assert_eq(d.game.phase, SVM_BISECT_CHALLENGER_WON);
	job_get(&f, &job, &jb);
	cr_assert_eq(svm_ai_job_challenge(&jb), SVM_AI_CHALLENGE_WON);
	cr_assert_eq(svm_dispute_open_payload(&b, &claim, &ip, &fp, core.data, core.len), 0);
	refused(&f, 1, &b, SVM_ESTATE, &claim, "closed");
	svm_buf_free(&b);
	svm_buf_free(&core);
	free(t.hashes);
	fx_close(&f);
}

Test(job_dispute, standard_jobs_and_late_disputes_are_refused)
{
	fx_t f;
	fx_open(&f);
	party_t honest = party(&f, 3, 0);
	uint8_t out[SVM_AI_OUTPUT_MAX];
	size_t len;
	final_of(&honest, out, &len, NULL);
	svm_id_t job;
	svm_trace_t t;
	auditable_job(&f, 3, 1, &honest, out, len, &t, &job);
	svm_hash_t ih;
	svm_sha256(image(f.images, 3), 784, &ih);
	job_get(&f, &job, &jb);
	uint64_t until = jb.settle_height + 7 * f.prm.ai_challenge_window_blocks;
	blocks(&f, until - svm_chain_height(f.c));
	svm_buf_t b = {0};
	dispute_payload(&f, &b, &job, 1, &f.model, &ih);
	refused(&f, 2, &b, SVM_EEXPIRED, &job, "past the auditable window");
	/* a standard job has no trace: it is challenged by re-execution */
	svm_ai_post_t q = {.model = f.model, .input = image(f.images, 3), .input_len = 784, .units = 1, .max_price = PRICE, .replicas = 1, .sla_blocks = 5, .commit_deadline = svm_chain_height(f.c) + 4, .input_hash = ih};
	cr_assert_eq(svm_ai_post_payload(&b, &q), 0);
	cr_assert_eq(send_ret(&f, 0, &b, job.b), 0);
	svm_buf_free(&b);
	dispute_payload(&f, &b, &job, 1, &f.model, &ih);
	refused(&f, 2, &b, SVM_EUNSUPPORTED, &job, "a standard job");
	svm_id_t claim;
	svm_dispute_job_claim_id(&job, &f.k[1].id, &f.k[2].id, &claim);
	svm_buf_t o = {0};
	cr_assert_eq(svm_chain_object(f.c, &claim, &o), SVM_ENOTFOUND, "no claim was opened");
	svm_buf_free(&o);
	svm_buf_free(&b);
	free(t.hashes);
	fx_close(&f);
}

/* ------------------------------------------------- several disputes of one job */

/* One turn of g through the chain: its due move (none while `silent` is the challenger to move
 * and not yet late; then the provider sends the timeout). 1 when the claim is closed, 0 after a
 * transaction, -1 when nothing was sent. */
static int turn(fx_t *f, game_t *g, int silent)
{
	static svm_dispute_t d;
	claim_get(f, &g->claim, &d);
	if (d.state == SVM_DISPUTE_CLOSED) return 1;
	svm_buf_t p = {0};
	int who;
	if (g->challenger == silent && d.state == SVM_DISPUTE_DISPUTED &&
	    d.game.phase == SVM_BISECT_CHALLENGER_MOVES) {
		if (svm_chain_height(f->c) + 1 <= d.game.deadline) return -1; /* not late yet */
		cr_assert_eq(svm_dispute_payload(&p, SVM_DISPUTE_TIMEOUT, &g->claim), 0);
		who = g->provider;
	} else {
		cr_assert_eq(next_move(g, &d, &p, &who), 0);
	}
	cr_assert_eq(send(f, who, &p), 0, "move %d of %d's dispute", g->moves, g->challenger);
	return 0;
}

static bool turn_closed(fx_t *f, game_t *g)
{
	static svm_dispute_t d;
	claim_get(f, &g->claim, &d);
	return d.state == SVM_DISPUTE_CLOSED;
}

/* Plays games g[n] side by side, one move of each per turn (a block per transaction), until all
 * are closed; order[i] is the game closed i-th. */
static void play_all(fx_t *f, game_t *g, int n, int silent, int *order)
{
	bool closed[8] = {0};
	int done = 0;
	cr_assert_leq(n, 8);
	for (int round = 0; done < n; round++) {
		cr_assert_lt(round, 400, "the games end");
		bool sent = false;
		for (int i = 0; i < n; i++) {
			if (closed[i]) continue;
			int r = turn(f, &g[i], silent);
			sent |= r == 0;
			if (r == 1 || (r == 0 && turn_closed(f, &g[i]))) {
				closed[i] = true;
				order[done++] = i;
			}
		}
		if (!sent) blocks(f, 1);
	}
}

Test(job_dispute, several_challengers_of_one_lying_trace_play_their_own_games_and_the_slash_is_paid_once)
{
	fx_t f;
	fx_open(&f);
	party_t honest = party(&f, 4, 0);
	uint8_t hout[SVM_AI_OUTPUT_MAX], lout[SVM_AI_OUTPUT_MAX];
	size_t hlen, llen;
	final_of(&honest, hout, &hlen, NULL);
	svm_trace_t ht, lt;
	trace_of(&honest, &ht);
	party_t liar = honest;
	liar.corrupt_at = lying_step(honest, ht.steps * 3 / 4, hout, hlen);
	svm_buf_t core = {0};
	final_of(&liar, lout, &llen, &core);
	svm_id_t job, acct, bacct;
	auditable_job(&f, 4, 1, &liar, lout, llen, &lt, &job);
	svm_ai_job_account(&job, &acct);
	svm_ai_bond_account(&f.k[1].id, &bacct);
	svm_hash_t ih;
	svm_sha256(image(f.images, 4), 784, &ih);
	uint64_t cbond = f.prm.ai_challenge_bond * 2;
	uint64_t s0[KEYS], f0[KEYS];
	for (int i = 0; i < KEYS; i++) {
		s0[i] = bal(&f, &f.swr, &f.k[i].id);
		f0[i] = f.fees[i];
	}
#define SPENT(i) (f.fees[i] - f0[i])

	/* three challengers at once: 3 is the liar's own sybil, which disputes to lose (it never
	 * picks) and hoped to keep the others out; 2 and 4 are honest */
	const int ch[3] = {2, 3, 4};
	game_t g[3];
	for (int i = 0; i < 3; i++) {
		g[i] = (game_t){.provider = 1, .challenger = ch[i], .pp = &liar, .pc = &honest, .t = &lt, .core = core};
		cr_assert_eq(dispute_tx(&f, ch[i], &job, 1, &f.model, &ih, &g[i].claim), 0, "dispute by %d", ch[i]);
		svm_id_t want;
		svm_dispute_job_claim_id(&job, &f.k[1].id, &f.k[ch[i]].id, &want);
		cr_assert(svm_hash_eq(&g[i].claim, &want), "a claim of its own");
	}
	cr_assert_eq(bal(&f, &f.swr, &acct), 3 * cbond, "three bonds held by the job");
	job_get(&f, &job, &jb);
	cr_assert_eq(jb.disputes_len, 3);
	cr_assert_eq(jb.disputes_opened, 3);
	cr_assert_eq(svm_ai_job_challenge(&jb), SVM_AI_CHALLENGE_DISPUTED);
	svm_buf_t b = {0};
	cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_CHALLENGE, &job), 0);
	refused(&f, 5, &b, SVM_ESTATE, &job, "no re-execution once disputed");
	cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_CLAIM, &job), 0);
	refused(&f, 5, &b, SVM_ESTATE, &job, "no claim while disputes are open");

	int order[3];
	play_all(&f, g, 3, 3, order);
	svm_dispute_t d;
	for (int i = 0; i < 3; i++) {
		claim_get(&f, &g[i].claim, &d);
		if (ch[i] == 3) {
			cr_assert_eq(d.game.phase, SVM_BISECT_CLAIMANT_WON, "the silent sybil loses");
		} else {
			cr_assert_eq(d.game.phase, SVM_BISECT_CHALLENGER_WON, "%d wins", ch[i]);
			cr_assert_eq(d.game.hi, liar.corrupt_at, "each game is decided at the corrupted step");
			cr_assert_eq(d.game.lo + 1, d.game.hi);
		}
	}
	/* the first honest game decided proved the slot; the other honest one only gets its bond */
	int first = order[0] == 1 ? order[1] : order[0];
	int prover = ch[first], other = ch[first == 0 ? 2 : 0];
	job_get(&f, &job, &jb);
	cr_assert_eq(jb.disputes_len, 0);
	cr_assert_eq(svm_ai_job_challenge(&jb), SVM_AI_CHALLENGE_WON, "a lost game does not undo a won one");
	cr_assert(jb.slots[0].proven_wrong);
	cr_assert(svm_hash_eq(&jb.slots[0].prover, &f.k[prover].id), "paid to the first to prove it");
	svm_hash_t zero = {{0}};
	cr_assert(svm_hash_eq(&jb.result_hash, &zero), "no result stands");
	cr_assert_eq(bal(&f, &f.swr, &acct), 0, "bonds back or burned as each game was decided");
	cr_assert_eq(bal(&f, &f.swr, &f.k[3].id), s0[3] - SPENT(3) - cbond, "the sybil's bond burned");
	cr_assert_eq(bal(&f, &f.swr, &f.k[2].id), s0[2] - SPENT(2), "2's bond back");
	cr_assert_eq(bal(&f, &f.swr, &f.k[4].id), s0[4] - SPENT(4), "4's bond back");
	dispute_payload(&f, &b, &job, 1, &f.model, &ih);
	refused(&f, 5, &b, SVM_ESTATE, &job, "a trace proven wrong is not disputed again");

	/* claim at once (its one slot proven wrong): slashed once, to the prover */
	cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_CLAIM, &job), 0);
	cr_assert_eq(send(&f, 5, &b), 0, "claim");
	uint64_t pen = BOND * f.prm.ai_challenge_slash_bps / 10000;
	cr_assert_eq(bal(&f, &f.swr, &bacct), BOND - pen, "the liar is slashed once");
	cr_assert_eq(bal(&f, &f.swr, &f.k[prover].id), s0[prover] - SPENT(prover) + pen);
	cr_assert_eq(bal(&f, &f.swr, &f.k[other].id), s0[other] - SPENT(other));
	cr_assert_eq(bal(&f, &f.aic, &f.k[1].id), AIC0, "the liar is not paid");
	cr_assert_eq(bal(&f, &f.aic, &acct), 0, "the poster refunded");
	printf("several disputes of one trace: 3 games (a silent sybil, two honest challengers) decided "
	       "in closing order %d, %d, %d; the first honest one paid the slash\n",
	       ch[order[0]], ch[order[1]], ch[order[2]]);
	fflush(stdout);
#undef SPENT
	svm_buf_free(&b);
	svm_buf_free(&core);
	free(ht.hashes);
	free(lt.hashes);
	fx_close(&f);
}

Test(job_dispute, colluding_replicas_are_each_disputed_and_each_lose_their_own_slot)
{
	fx_t f;
	fx_open(&f);
	svm_buf_t b = {0};
	cr_assert_eq(svm_ai_provider_register_payload(&b, BOND), 0);
	cr_assert_eq(send(&f, 3, &b), 0, "a third provider");
	party_t honest = party(&f, 5, 0);
	static uint8_t outs[3][SVM_AI_OUTPUT_MAX];
	size_t lens[3];
	final_of(&honest, outs[2], &lens[2], NULL);
	svm_trace_t ht;
	trace_of(&honest, &ht);
	party_t liar = honest;
	liar.corrupt_at = lying_step(honest, ht.steps * 3 / 4, outs[2], lens[2]);
	svm_buf_t core = {0};
	final_of(&liar, outs[0], &lens[0], &core);
	memcpy(outs[1], outs[0], lens[0]);
	lens[1] = lens[0];
	/* providers 1 and 2 collude on the same wrong answer (a majority of 3); 3 is honest */
	const int who[3] = {1, 2, 3};
	const party_t *pp[3] = {&liar, &liar, &honest};
	svm_trace_t t[3];
	svm_id_t job, acct;
	auditable_job_k(&f, 5, 3, who, pp, outs, lens, t, &job);
	svm_ai_job_account(&job, &acct);
	job_get(&f, &job, &jb);
	svm_hash_t wrong, zero = {{0}};
	svm_sha256(outs[0], lens[0], &wrong);
	cr_assert(svm_hash_eq(&jb.result_hash, &wrong), "the colluders' answer is the majority");
	svm_hash_t ih;
	svm_sha256(image(f.images, 5), 784, &ih);
	uint64_t s4 = bal(&f, &f.swr, &f.k[4].id), f4 = f.fees[4], a0 = bal(&f, &f.aic, &f.k[0].id);
	uint64_t esc = bal(&f, &f.aic, &acct), a3 = bal(&f, &f.aic, &f.k[3].id);

	/* one challenger disputes both colluders' traces: two claims, two games */
	game_t g[2];
	for (int i = 0; i < 2; i++) {
		g[i] = (game_t){.provider = who[i], .challenger = 4, .pp = &liar, .pc = &honest, .t = &t[i], .core = core};
		cr_assert_eq(dispute_tx(&f, 4, &job, who[i], &f.model, &ih, &g[i].claim), 0);
	}
	cr_assert(!svm_hash_eq(&g[0].claim, &g[1].claim));
	int order[2];
	play_all(&f, g, 2, -1, order);
	svm_dispute_t d;
	for (int i = 0; i < 2; i++) {
		claim_get(&f, &g[i].claim, &d);
		cr_assert_eq(d.game.phase, SVM_BISECT_CHALLENGER_WON);
		cr_assert_eq(d.game.hi, liar.corrupt_at);
	}
	job_get(&f, &job, &jb);
	cr_assert(jb.slots[0].proven_wrong && jb.slots[1].proven_wrong && !jb.slots[2].proven_wrong);
	cr_assert(svm_hash_eq(&jb.result_hash, &zero), "1 honest vote of 3 is no majority");
	/* the honest slot can still be disputed: no claim before the window */
	cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_CLAIM, &job), 0);
	cr_assert_eq(send(&f, 5, &b), ST(SVM_ESTATE), "the window is open and a slot is left");
	uint64_t until = jb.settle_height + 7 * f.prm.ai_challenge_window_blocks;
	if (svm_chain_height(f.c) < until) blocks(&f, until - svm_chain_height(f.c));
	cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_CLAIM, &job), 0);
	cr_assert_eq(send(&f, 5, &b), 0, "claim");
	uint64_t pen = BOND * f.prm.ai_challenge_slash_bps / 10000;
	for (int i = 1; i <= 2; i++) {
		svm_id_t bacct;
		svm_ai_bond_account(&f.k[i].id, &bacct);
		cr_assert_eq(bal(&f, &f.swr, &bacct), BOND - pen, "colluder %d slashed", i);
	}
	svm_id_t bacct3;
	svm_ai_bond_account(&f.k[3].id, &bacct3);
	cr_assert_eq(bal(&f, &f.swr, &bacct3), BOND, "the honest replica keeps its bond");
	cr_assert_eq(bal(&f, &f.aic, &f.k[3].id), a3, "no result: nobody is paid");
	cr_assert_eq(bal(&f, &f.swr, &f.k[4].id), s4 - (f.fees[4] - f4) + 2 * pen,
		     "the challenger: both bonds back and both slashes");
	cr_assert_eq(bal(&f, &f.aic, &f.k[0].id), a0 + esc, "the poster refunded");
	svm_buf_free(&b);
	svm_buf_free(&core);
	free(ht.hashes);
	for (int i = 0; i < 3; i++) free(t[i].hashes);
	fx_close(&f);
}

/* ------------------------------------------------- AOEM and the reference */

/* MJ auditable jobs (k = 1) in the executor's in-memory world, each disputed: the providers of
 * the even jobs lie (a corrupted step, a wrong answer), the challengers of the odd ones. The
 * games are played side by side, one move of each per block, and every block runs on the
 * sequential reference and on AOEM with 2 threads and must agree byte for byte (receipts,
 * write sets). */
#define MJ 8
#define U_PROV(j) (1 + (j))
#define U_POST(j) (1 + MJ + (j))
#define U_CHAL(j) (1 + 2 * MJ + (j))

typedef struct {
	et_world_t e;
	svm_exec_tx_t txs[4 * MJ];
	size_t n;
} aw_t;

static int aw_fund(svm_txctx_t *c, void *ud)
{
	aw_t *p = ud;
	int rc = 0;
	for (size_t u = 0; rc == 0 && u < p->e.w.cfg.accounts; u++) {
		rc = svm_ledger_mint(c, &p->e.w.tokens[0], &p->e.w.owners[u], SWR0);
		if (rc == 0) rc = svm_ledger_mint(c, &p->e.w.tokens[1], &p->e.w.owners[u], AIC0);
	}
	return rc;
}

static void atx(aw_t *p, size_t u, svm_buf_t *payload, bool strict)
{
	cr_assert_lt(p->n, sizeof p->txs / sizeof p->txs[0]);
	svm_exec_tx_t *t = &p->txs[p->n++];
	cr_assert_eq(et_tx(&p->e, t, u, payload, strict), 0);
	t->tx.fee_limit = FEE;
	t->tx.scheme = SVM_SCHEME_ED25519;
	t->tx.public_key = p->e.w.keys[u].public_key;
	t->tx.public_key_len = 32;
	svm_buf_free(payload);
}

static void ablock(aw_t *p, const char *what)
{
	char why[256] = {0};
	cr_assert_eq(et_block(&p->e, p->txs, p->n, why, sizeof why), 0, "%s: %s", what, why);
	cr_assert_eq(p->e.res.included, p->n, "%s: every transaction included", what);
	for (size_t i = 0; i < p->e.res.included; i++)
		cr_assert_eq(p->e.res.receipts[i].status, 0, "%s: tx %zu status %u", what,
			     p->e.res.index[i], p->e.res.receipts[i].status);
	p->n = 0;
}

Test(job_dispute, disputes_played_side_by_side_run_on_aoem_byte_for_byte_as_on_the_reference)
{
	cr_assert_eq(svm_crypto_init(), 0);
	aw_t *p = calloc(1, sizeof *p);
	cr_assert_not_null(p);
	size_t users = 1 + 3 * MJ;
	eg_rng_t r = {.s = 15};
	eg_config_t cfg = {.accounts = users, .signed_txs = true};
	cr_assert_eq(eg_world_init(&p->e.w, &r, &cfg), 0);
	p->e.w.env.fees = FEES;
	p->e.threads = 2;
	svm_arena_init(&p->e.a, 0);
	cr_assert_eq(et_system(&p->e, aw_fund, p), 0);
	size_t n, wlen, clen;
	uint8_t *weights = jf_slurp("models/fmnist/fmnist-mlp.svq8", &wlen);
	uint8_t *code = jf_slurp("build/ai/infer.wasm", &clen);
	uint8_t *images = jf_slurp("build/ai/t10k-images-idx3-ubyte", &n);
	const svm_id_t *own = p->e.w.owners;
	svm_buf_t b = {0};
	svm_ai_manifest_t m = {.version = 1, .format = SVM_AI_FORMAT_SVQ8, .input_type = SVM_AI_TYPE_U8, .output_type = SVM_AI_TYPE_LOGITS_I32, .input_len = 784, .output_len = 41};
	strcpy(m.name, "fmnist-mlp");
	svm_sha256(weights, wlen, &m.weights_hash);
	svm_sha256(code, clen, &m.code_hash);
	for (size_t off = 0; off < wlen; off += SVM_AI_CHUNK_MAX) {
		size_t len = wlen - off < SVM_AI_CHUNK_MAX ? wlen - off : SVM_AI_CHUNK_MAX;
		svm_ai_chunk_id(weights + off, len, &m.chunks[m.chunks_len++]);
		cr_assert_eq(svm_ai_put_chunk_payload(&b, weights + off, len), 0);
		atx(p, 0, &b, true);
	}
	cr_assert_eq(svm_ai_put_code_payload(&b, code, clen), 0);
	atx(p, 0, &b, true);
	cr_assert_eq(svm_ai_register_payload(&b, &m), 0);
	atx(p, 0, &b, true);
	ablock(p, "registry");
	svm_id_t model;
	svm_ai_model_id(&own[0], "fmnist-mlp", 1, &model);
	for (size_t j = 0; j < MJ; j++) {
		cr_assert_eq(svm_ai_provider_register_payload(&b, BOND), 0);
		atx(p, U_PROV(j), &b, true);
	}
	ablock(p, "bonds");
	uint64_t aic_prov[MJ]; /* the world's genesis gives some AIC besides aw_fund's */
	for (size_t j = 0; j < MJ; j++) aic_prov[j] = et_balance(&p->e, &p->e.w.tokens[1], &own[U_PROV(j)]);

	svm_wasm_config_t wc;
	svm_ai_vm_config(&wc);
	svm_wasm_module_t *mod = NULL;
	cr_assert_eq(svm_wasm_module_new(&mod, code, clen, &wc, NULL), 0);
	static party_t pp[MJ], pc[MJ];
	static svm_trace_t tr[MJ];
	static game_t g[MJ];
	static uint8_t outs[MJ][SVM_AI_OUTPUT_MAX];
	size_t olen[MJ];
	svm_id_t jobs[MJ];
	uint64_t deadline = p->e.w.env.height + 10;
	for (size_t j = 0; j < MJ; j++) {
		const uint8_t *in = image(images, 20 + (int)j);
		party_t honest = {.m = mod, .env = {weights, wlen, in, 784}};
		uint8_t hout[SVM_AI_OUTPUT_MAX];
		size_t hlen;
		final_of(&honest, hout, &hlen, NULL);
		pp[j] = pc[j] = honest;
		svm_trace_t ht;
		trace_of(&honest, &ht);
		if (j % 2 == 0) pp[j].corrupt_at = lying_step(honest, ht.steps / 2 + 97 * j, hout, hlen);
		else pc[j].corrupt_at = ht.steps / 4 + 31 * j;
		free(ht.hashes);
		trace_of(&pp[j], &tr[j]);
		final_of(&pp[j], outs[j], &olen[j], &g[j].core);
		svm_ai_post_t q = {.model = model, .input = in, .input_len = 784, .units = 1, .max_price = PRICE, .replicas = 1, .sla_blocks = 5, .level = SVM_VERIFY_AUDITABLE, .commit_deadline = deadline};
		svm_sha256(in, 784, &q.input_hash);
		svm_ai_job_id(&own[U_POST(j)], p->e.w.nonce[U_POST(j)], &jobs[j]);
		cr_assert_eq(svm_ai_post_payload(&b, &q), 0);
		atx(p, U_POST(j), &b, true);
	}
	ablock(p, "posts");
	for (size_t j = 0; j < MJ; j++) {
		cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_ACCEPT, &jobs[j]), 0);
		atx(p, U_PROV(j), &b, true);
	}
	ablock(p, "accepts");
	uint8_t salt[32] = {7};
	for (size_t j = 0; j < MJ; j++) {
		svm_hash_t cm;
		svm_ai_commitment(&jobs[j], &own[U_PROV(j)], outs[j], olen[j], salt, &cm);
		cr_assert_eq(svm_ai_commit_payload(&b, &jobs[j], &cm), 0);
		atx(p, U_PROV(j), &b, true);
	}
	ablock(p, "commits");
	for (size_t j = 0; j < MJ; j++) {
		svm_ai_trace_t t = {.present = true, .root = tr[j].root, .k = K, .steps = tr[j].steps, .final_state = tr[j].hashes[tr[j].n - 1]};
		svm_ai_vcr_t v = {.job = jobs[j], .provider = own[U_PROV(j)], .model = model, .weights_hash = m.weights_hash, .code_hash = m.code_hash, .seed = svm_get_u64be(jobs[j].b), .level = SVM_VERIFY_AUDITABLE, .trace = t};
		svm_sha256(pp[j].env.input, 784, &v.input_hash);
		svm_sha256(outs[j], olen[j], &v.output_hash);
		svm_buf_t msg = {0};
		cr_assert_eq(svm_buf_append(&msg, "svm/ai/vcr", 10), 0);
		cr_assert_eq(svm_ai_vcr_encode(&v, true, &msg), 0);
		uint8_t sig[64];
		svm_ed25519_sign(sig, msg.data, msg.len, p->e.w.keys[U_PROV(j)].secret_key);
		svm_buf_free(&msg);
		cr_assert_eq(svm_ai_reveal_payload(&b, &jobs[j], outs[j], olen[j], salt,
						   SVM_VERIFY_AUDITABLE, NULL, 0, &t, sig),
			     0);
		atx(p, U_PROV(j), &b, true);
	}
	ablock(p, "reveals");
	for (size_t j = 0; j < MJ; j++) {
		cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_SETTLE, &jobs[j]), 0);
		atx(p, U_POST(j), &b, true);
	}
	ablock(p, "settles");
	for (size_t j = 0; j < MJ; j++) {
		svm_hash_t ih;
		svm_sha256(pp[j].env.input, 784, &ih);
		cr_assert_eq(svm_ai_dispute_payload(&b, &jobs[j], &own[U_PROV(j)], &model, &ih), 0);
		atx(p, U_CHAL(j), &b, false);
		svm_dispute_job_claim_id(&jobs[j], &own[U_PROV(j)], &own[U_CHAL(j)], &g[j].claim);
		g[j].provider = U_PROV(j);
		g[j].challenger = U_CHAL(j);
		g[j].pp = &pp[j];
		g[j].pc = &pc[j];
		g[j].t = &tr[j];
	}
	ablock(p, "disputes");
	/* the games, one move of each per block */
	static svm_dispute_t d;
	for (int round = 0;; round++) {
		cr_assert_lt(round, 4 * SVM_BISECT_ROUNDS_MAX);
		for (size_t j = 0; j < MJ; j++) {
			svm_object_t o;
			cr_assert(et_object(&p->e, &g[j].claim, &o));
			cr_assert_eq(svm_dispute_decode(o.payload, o.payload_len, &d), 0);
			int who;
			if (next_move(&g[j], &d, &b, &who) == 0) atx(p, (size_t)who, &b, false);
			else cr_assert_eq(d.game.phase, j % 2 == 0 ? SVM_BISECT_CHALLENGER_WON : SVM_BISECT_CLAIMANT_WON);
		}
		if (p->n == 0) break;
		ablock(p, "moves");
	}
	/* the liars' jobs close at once, the others after the auditable window */
	for (size_t j = 0; j < MJ; j += 2) {
		cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_CLAIM, &jobs[j]), 0);
		atx(p, U_POST(j), &b, false);
	}
	ablock(p, "claims of the lies");
	svm_params_t prm;
	svm_params_default(&prm);
	for (uint64_t i = 0; i < 7 * prm.ai_challenge_window_blocks; i++) ablock(p, "wait");
	for (size_t j = 1; j < MJ; j += 2) {
		cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_CLAIM, &jobs[j]), 0);
		atx(p, U_POST(j), &b, false);
	}
	ablock(p, "claims");
	uint64_t pen = BOND * prm.ai_challenge_slash_bps / 10000, gross = PRICE * 150 / 100;
	for (size_t j = 0; j < MJ; j++) {
		svm_id_t acct;
		svm_ai_bond_account(&own[U_PROV(j)], &acct);
		cr_assert_eq(et_balance(&p->e, &p->e.w.tokens[0], &acct), j % 2 == 0 ? BOND - pen : BOND);
		cr_assert_eq(et_balance(&p->e, &p->e.w.tokens[1], &own[U_PROV(j)]),
			     aic_prov[j] + (j % 2 == 0 ? 0 : gross - gross * prm.ai_burn_bps / 10000));
		svm_ai_job_account(&jobs[j], &acct);
		cr_assert_eq(et_balance(&p->e, &p->e.w.tokens[0], &acct), 0);
		cr_assert_eq(et_balance(&p->e, &p->e.w.tokens[1], &acct), 0);
		free(tr[j].hashes);
		svm_buf_free(&g[j].core);
	}
	cr_assert_gt(p->e.par_txs, 0, "the parallel engines ran");
	svm_wasm_module_free(mod);
	free(weights);
	free(code);
	free(images);
	et_free(&p->e);
	free(p);
}

/* The liar's sybils take every dispute entry of its lying job at once and hold them past the
 * job's challenge window (a short one: 2 × 7 blocks at the auditable level): the honest
 * challenger is refused while they are all open (ELIMIT, not EEXPIRED: the window stood still),
 * disputes the moment one is decided, and wins; each sybil's bond burns and the liar is
 * slashed once, to the honest challenger. */
Test(job_dispute, sybils_filling_every_dispute_entry_cannot_run_out_the_window)
{
	fx_t f;
	fx_window_blocks = 2;
	fx_open(&f);
	party_t honest = party(&f, 6, 0);
	uint8_t hout[SVM_AI_OUTPUT_MAX], lout[SVM_AI_OUTPUT_MAX];
	size_t hlen, llen;
	final_of(&honest, hout, &hlen, NULL);
	svm_trace_t ht, lt;
	trace_of(&honest, &ht);
	party_t liar = honest;
	liar.corrupt_at = lying_step(honest, ht.steps * 3 / 4, hout, hlen);
	svm_buf_t core = {0};
	final_of(&liar, lout, &llen, &core);
	svm_id_t job, acct, bacct;
	auditable_job(&f, 6, 1, &liar, lout, llen, &lt, &job);
	svm_ai_job_account(&job, &acct);
	svm_ai_bond_account(&f.k[1].id, &bacct);
	svm_hash_t ih;
	svm_sha256(image(f.images, 6), 784, &ih);
	uint64_t cbond = f.prm.ai_challenge_bond * 2, window = 2 * 7;
	job_get(&f, &job, &jb);
	uint64_t settled = jb.settle_height;
	cr_assert_eq(settled, svm_chain_height(f.c));
	uint64_t s0[KEYS], f0[KEYS];
	for (int i = 0; i < KEYS; i++) {
		s0[i] = bal(&f, &f.swr, &f.k[i].id);
		f0[i] = f.fees[i];
	}
#define SPENT(i) (f.fees[i] - f0[i])
	const int n = SVM_AI_JOB_DISPUTES_MAX;
	static game_t g[SVM_AI_JOB_DISPUTES_MAX];
	int who[SVM_AI_JOB_DISPUTES_MAX], st[SVM_AI_JOB_DISPUTES_MAX];
	static svm_buf_t p[SVM_AI_JOB_DISPUTES_MAX];
	for (int i = 0; i < n; i++) {
		g[i] = (game_t){.provider = 1, .challenger = SYBIL0 + i, .pp = &liar, .pc = &liar, .t = &lt, .core = core};
		svm_dispute_job_claim_id(&job, &f.k[1].id, &f.k[SYBIL0 + i].id, &g[i].claim);
		who[i] = SYBIL0 + i;
		dispute_payload(&f, &p[i], &job, 1, &f.model, &ih);
	}
	send_block(&f, (size_t)n, who, p, st); /* every entry, one block after settlement */
	for (int i = 0; i < n; i++) cr_assert_eq(st[i], 0, "sybil %d disputes", i);
	job_get(&f, &job, &jb);
	cr_assert_eq(jb.disputes_len, n);
	cr_assert_eq(jb.full_since, settled + 1);
	/* the liar keeps the games alive: opens every trace, reveals once; the sybils then wait */
	static svm_dispute_t d;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < n; i++) {
			claim_get(&f, &g[i].claim, &d);
			cr_assert_eq(next_move(&g[i], &d, &p[i], &who[i]), 0);
			cr_assert_eq(who[i], 1, "the liar's move");
		}
		send_block(&f, (size_t)n, who, p, st);
		for (int i = 0; i < n; i++) cr_assert_eq(st[i], 0, "the liar's move %d in game %d", round, i);
	}
	blocks(&f, settled + window + 1 - svm_chain_height(f.c));
	cr_assert_gt(svm_chain_height(f.c) + 1, settled + window, "past the window the job started with");
	svm_buf_t b = {0};
	dispute_payload(&f, &b, &job, 1, &f.model, &ih);
	refused(&f, 2, &b, SVM_ELIMIT, &job, "every entry open: refused, not expired");
	/* the first sybil is late: the liar times it out and the honest challenger takes its place
	 * in the same block */
	claim_get(&f, &g[0].claim, &d);
	cr_assert_eq(d.game.phase, SVM_BISECT_CHALLENGER_MOVES);
	blocks(&f, d.game.deadline - svm_chain_height(f.c));
	int who2[2] = {1, 2}, st2[2];
	svm_buf_t p2[2] = {{0}};
	cr_assert_eq(svm_dispute_payload(&p2[0], SVM_DISPUTE_TIMEOUT, &g[0].claim), 0);
	dispute_payload(&f, &p2[1], &job, 1, &f.model, &ih);
	send_block(&f, 2, who2, p2, st2);
	uint64_t in = svm_chain_height(f.c);
	cr_assert_eq(st2[0], 0, "the silent sybil's game is decided");
	cr_assert_eq(st2[1], 0, "the honest challenger gets in (status %d)", st2[1]);
	job_get(&f, &job, &jb);
	uint64_t held = in - (settled + 1);
	cr_assert_eq(jb.paused_blocks, held, "stood still from the fill to the first decision");
	cr_assert_eq(jb.disputes_len, n, "full again, with the honest dispute");
	cr_assert_eq(jb.full_since, in);
	/* the other sybils lose at their deadlines */
	for (int i = 1; i < n; i++) {
		who[i - 1] = 1;
		cr_assert_eq(svm_dispute_payload(&p[i - 1], SVM_DISPUTE_TIMEOUT, &g[i].claim), 0);
	}
	send_block(&f, (size_t)n - 1, who, p, st);
	for (int i = 0; i < n - 1; i++) cr_assert_eq(st[i], 0, "sybil %d's game timed out", i + 1);
	game_t hg = {.provider = 1, .challenger = 2, .pp = &liar, .pc = &honest, .t = &lt, .core = core};
	svm_dispute_job_claim_id(&job, &f.k[1].id, &f.k[2].id, &hg.claim);
	cr_assert_eq(play(&f, &hg, &d), SVM_BISECT_CHALLENGER_WON);
	cr_assert_eq(d.game.hi, liar.corrupt_at, "decided at the corrupted step");
	job_get(&f, &job, &jb);
	cr_assert(jb.disputes_len == 0 && jb.full_since == 0 && jb.slots[0].proven_wrong);
	cr_assert(svm_hash_eq(&jb.slots[0].prover, &f.k[2].id), "proven by the honest challenger");
	cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_CLAIM, &job), 0);
	cr_assert_eq(send(&f, 3, &b), 0, "claim");
	uint64_t pen = BOND * f.prm.ai_challenge_slash_bps / 10000;
	cr_assert_eq(bal(&f, &f.swr, &bacct), BOND - pen, "the liar is slashed once");
	cr_assert_eq(bal(&f, &f.swr, &f.k[2].id), s0[2] - SPENT(2) + pen, "the slash to the honest challenger");
	for (int i = 0; i < n; i++)
		cr_assert_eq(bal(&f, &f.swr, &f.k[SYBIL0 + i].id), s0[SYBIL0 + i] - SPENT(SYBIL0 + i) - cbond,
			     "sybil %d's bond burned", i);
	cr_assert_eq(bal(&f, &f.aic, &f.k[1].id), AIC0, "the liar is not paid");
	cr_assert_eq(bal(&f, &f.aic, &acct), 0, "the poster refunded");
	printf("sybils filling a job's disputes: %d entries held for %llu blocks (the window is %llu), "
	       "%d bonds of %llu burned; the honest challenger disputed %llu blocks after settlement "
	       "and won\n",
	       n, (unsigned long long)held, (unsigned long long)window, n,
	       (unsigned long long)cbond, (unsigned long long)(in - settled));
	fflush(stdout);
#undef SPENT
	svm_buf_free(&b);
	svm_buf_free(&core);
	free(ht.hashes);
	free(lt.hashes);
	fx_close(&f);
}

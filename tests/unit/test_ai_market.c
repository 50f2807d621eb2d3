/* The AI market through the chain: the model registry (chunks, code, immutable manifests) and
 * job_escrow — a k = 3 job with one lying provider (paid, slashed, burned and refunded exactly as
 * docs/ai-market.md says), challenges by re-execution won and lost, a job whose providers vanish,
 * the bad-input cases (each a clear error, nothing changed but the fee), VCRs and reputation, and
 * AIC/SWR conservation after every block. Uses build/ai/infer.wasm and the checked-in model. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/chaintest.h"
#include "lib/econtest.h"
#include "lib/jobfx.h"
#include "supervm/ai.h"
#include "supervm/econ.h"

static const svm_fee_params_t FEES = {.a = 1000, .b = 0, .c = 0, .d = 0}; /* the AOEM worlds' */

#define FEE 1000ull
#define FEE_LIMIT 1000ull
#define KEYS 6
#define SWR0 100000000000ull /* 100 SWR each */
#define AIC0 1000000ull
#define BOND 10000000000ull /* 10 SWR */
#define PRICE 1000ull

typedef struct {
	JF_EMBED; /* dir, c, k, nonce, fees_paid (SWR burned as fees so far) */
	svm_id_t swr, aic, model;
	uint8_t *weights, *code, *images;
	size_t weights_len, code_len;
	svm_params_t prm;     /* the governed parameters at open (the defaults) */
	uint64_t swr_minted;  /* SWR minted at genesis beyond the keys' (a validator's stake) */
	svm_id_t holders[2];  /* other SWR holders counted by conserved() */
	size_t holders_len;
	svm_id_t escrows[64]; /* the job escrow accounts of the jobs posted (conserved()) */
	size_t escrows_len;
} fx_t;

static uint64_t balance(fx_t *f, const svm_id_t *token, int who)
{
	uint64_t v = 0;
	cr_assert_eq(svm_chain_balance(f->c, token, &f->k[who].id, &v), 0);
	return v;
}

static uint64_t supply(fx_t *f, const svm_id_t *token)
{
	svm_id_t id;
	svm_token_object_id(token, &id);
	svm_buf_t b = {0};
	cr_assert_eq(svm_chain_object(f->c, &id, &b), 0);
	svm_object_t o;
	cr_assert_eq(svm_object_decode(b.data, b.len, &o, NULL), 0);
	svm_reader_t r = svm_reader(o.payload, o.payload_len);
	uint64_t n, dec, s;
	cr_assert_eq(svm_varint_read(&r, &n), 0);
	r.pos += n;
	cr_assert_eq(svm_varint_read(&r, &dec), 0);
	cr_assert_eq(svm_varint_read(&r, &s), 0);
	svm_buf_free(&b);
	return s;
}

/* A posted job's escrow account holds its AIC (and a challenge's bond): conserved() counts it. */
static void note_escrow(void *fx, int who, const svm_buf_t *payload, const svm_receipt_t *r)
{
	fx_t *f = fx;
	svm_reader_t pr = svm_reader(payload->data, payload->len);
	uint64_t prog, method;
	if (r->status == 0 && svm_varint_read(&pr, &prog) == 0 && prog == SVM_PROGRAM_JOBS &&
	    svm_varint_read(&pr, &method) == 0 && method == SVM_JOBS_POST) {
		svm_id_t job;
		svm_ai_job_id(&f->k[who].id, f->nonce[who] - 1, &job);
		cr_assert_lt(f->escrows_len, sizeof f->escrows / sizeof f->escrows[0]);
		svm_ai_job_account(&job, &f->escrows[f->escrows_len++]);
	}
}

/* One transaction from `who` in its own block; returns the receipt status (or -1 if left out). */
static int send_ret(fx_t *f, int who, const svm_buf_t *payload, uint8_t *ret32)
{
	return jf_send_ret(&f->t, who, payload, ret32);
}

static int send(fx_t *f, int who, svm_buf_t *payload) { return jf_send(&f->t, who, payload); }

static void blocks(fx_t *f, int n) { jf_blocks(&f->t, (uint64_t)n); }

/* SWR: genesis minus fees and documented burns; AIC: genesis minus documented burns. */
static void conserved(fx_t *f, uint64_t swr_burned, uint64_t aic_burned)
{
	/* each block's fee (one transaction of FEE) burns but for the treasury's 10% share */
	cr_assert_eq(supply(f, &f->swr),
		     KEYS * SWR0 + f->swr_minted - f->fees_paid + f->fees_paid / 10 - swr_burned,
		     "SWR supply");
	cr_assert_eq(supply(f, &f->aic), KEYS * AIC0 - aic_burned, "AIC supply");
	/* supply = Σ balances: the keys, their bond accounts and the jobs' escrow accounts; the
	 * program's own account holds nothing */
	svm_id_t acct;
	svm_ai_jobs_account(&acct);
	uint64_t s = 0, a = 0, v;
	for (int i = 0; i < KEYS; i++) {
		s += balance(f, &f->swr, i), a += balance(f, &f->aic, i);
		svm_ai_bond_account(&f->k[i].id, &acct);
		cr_assert_eq(svm_chain_balance(f->c, &f->swr, &acct, &v), 0);
		s += v;
		cr_assert_eq(svm_chain_balance(f->c, &f->aic, &acct, &v), 0);
		cr_assert_eq(v, 0, "a bond account holds only SWR");
	}
	for (size_t i = 0; i < f->escrows_len; i++) {
		cr_assert_eq(svm_chain_balance(f->c, &f->swr, &f->escrows[i], &v), 0);
		s += v;
		cr_assert_eq(svm_chain_balance(f->c, &f->aic, &f->escrows[i], &v), 0);
		a += v;
	}
	svm_ai_jobs_account(&acct);
	cr_assert_eq(svm_chain_balance(f->c, &f->swr, &acct, &v), 0);
	cr_assert_eq(v, 0, "the program's account holds nothing");
	for (size_t i = 0; i < f->holders_len; i++) {
		cr_assert_eq(svm_chain_balance(f->c, &f->swr, &f->holders[i], &v), 0);
		s += v;
	}
	cr_assert_eq(svm_chain_balance(f->c, &f->aic, &acct, &v), 0);
	cr_assert_eq(v, 0, "the program's account holds nothing");
	for (size_t i = 0; i < f->holders_len; i++) {
		cr_assert_eq(svm_chain_balance(f->c, &f->aic, &f->holders[i], &v), 0);
		a += v;
	}
	svm_id_t treasury;
	svm_treasury_id(&treasury);
	int rc = svm_chain_balance(f->c, &f->swr, &treasury, &v);
	if (rc == SVM_ENOTFOUND) v = 0, rc = 0; /* no fee settled yet */
	cr_assert_eq(rc, 0);
	cr_assert_eq(v, f->fees_paid / 10, "the treasury's share of the fees");
	s += v;
	cr_assert_eq(s, supply(f, &f->swr), "SWR: supply = Σ balances");
	cr_assert_eq(a, supply(f, &f->aic), "AIC: supply = Σ balances");
}

static void register_model(fx_t *f)
{
	svm_ai_manifest_t m = {.version = 1, .format = SVM_AI_FORMAT_SVQ8,
			       .input_type = SVM_AI_TYPE_U8, .output_type = SVM_AI_TYPE_LOGITS_I32,
			       .input_len = 784, .output_len = 41};
	strcpy(m.name, "fmnist-mlp");
	svm_sha256(f->weights, f->weights_len, &m.weights_hash);
	svm_sha256(f->code, f->code_len, &m.code_hash);
	for (size_t off = 0; off < f->weights_len; off += SVM_AI_CHUNK_MAX) {
		size_t n = f->weights_len - off < SVM_AI_CHUNK_MAX ? f->weights_len - off : SVM_AI_CHUNK_MAX;
		svm_buf_t p = {0};
		uint8_t id[32];
		cr_assert_eq(svm_ai_put_chunk_payload(&p, f->weights + off, n), 0);
		cr_assert_eq(send_ret(f, 0, &p, id), 0);
		svm_buf_free(&p);
		svm_ai_chunk_id(f->weights + off, n, &m.chunks[m.chunks_len]);
		cr_assert_eq(memcmp(id, m.chunks[m.chunks_len].b, 32), 0);
		m.chunks_len++;
	}
	svm_buf_t p = {0};
	cr_assert_eq(svm_ai_put_code_payload(&p, f->code, f->code_len), 0);
	cr_assert_eq(send(f, 0, &p), 0);
	/* a manifest whose shapes lie is refused */
	svm_ai_manifest_t bad = m;
	bad.output_len = 40;
	cr_assert_eq(svm_ai_register_payload(&p, &bad), 0);
	cr_assert_eq(send(f, 0, &p), svm_receipt_status(SVM_EINVAL));
	bad = m;
	bad.weights_hash.b[0] ^= 1;
	cr_assert_eq(svm_ai_register_payload(&p, &bad), 0);
	cr_assert_eq(send(f, 0, &p), svm_receipt_status(SVM_EPROOF));
	cr_assert_eq(svm_ai_register_payload(&p, &m), 0);
	uint8_t id[32];
	cr_assert_eq(send_ret(f, 0, &p, id), 0);
	svm_ai_model_id(&f->k[0].id, "fmnist-mlp", 1, &f->model);
	cr_assert_eq(memcmp(id, f->model.b, 32), 0);
	/* immutable */
	cr_assert_eq(send(f, 0, &p), svm_receipt_status(SVM_EEXIST));
	svm_buf_free(&p);
}

#define STAKE 10000000000ull /* the governance fixture's one validator (key 0) */

#define POOL_SWR 10000000000ull /* the pool fixture's genesis SWR/AIC pool, from key 0 */
#define POOL_AIC 500000ull

/* gov: key 0 is also the chain's one validator (all the stake), with a 2-block voting period
 * and a 1000 deposit, so a test can pass a parameter change in a few blocks. pool: key 0's
 * genesis balances seed a SWR/AIC pool (fee SVM_AI_POOL_FEE_BPS), as a devnet's genesis does. */
static void fx_open_with(fx_t *f, bool gov, bool pool)
{
	memset(f, 0, sizeof *f);
	svm_genesis_t g;
	jf_genesis(&f->t, KEYS, SWR0, AIC0, FEE_LIMIT, &g);
	f->left_out_ok = true;
	f->on_receipt = note_escrow;
	/* The chain processes a staking epoch at the end of each epoch's last block by itself
	 * (docs/economics.md), and each mints issuance_ppb_epoch of the supply (all of it to the
	 * treasury while no validator is bonded): conserved() checks the market's SWR to the unit,
	 * so these chains mint nothing — the tests that cross an epoch (the unbonding delay) would
	 * otherwise see the supply grow by an epoch's issuance. */
	svm_params_default(&g.params);
	g.params_set = true;
	g.params.issuance_ppb_epoch = 0;
	if (gov) {
		g.validators = calloc(1, sizeof *g.validators);
		cr_assert_not_null(g.validators);
		g.n_validators = 1;
		memcpy(g.validators[0].pubkey, f->k[0].public_key, 32);
		g.validators[0].id = f->k[0].id;
		g.validators[0].stake = STAKE;
		g.params.gov_voting_blocks = 2;
		g.params.gov_deposit_min = 1000;
		f->swr_minted = STAKE;
		svm_staking_validator_id(&f->k[0].id, &f->holders[f->holders_len++]);
	}
	svm_genesis_pool_t gp = {.owner = f->k[0].id, .fee_bps = SVM_AI_POOL_FEE_BPS,
				 .amount_x = POOL_AIC, .amount_y = POOL_SWR};
	if (pool) {
		svm_token_id("AIC", &gp.x); /* either order: genesis sorts them */
		svm_token_id("SWR", &gp.y);
		g.pools = &gp;
		g.n_pools = 1;
		bool xy = memcmp(gp.x.b, gp.y.b, 32) < 0;
		svm_amm_pool_id(xy ? &gp.x : &gp.y, xy ? &gp.y : &gp.x, SVM_AI_POOL_FEE_BPS,
				&f->holders[f->holders_len++]);
	}
	jf_open(&f->t, &g);
	f->now_ms = 1; /* every block at time 1: nothing here depends on time */
	g.pools = NULL; /* on the stack */
	g.n_pools = 0;
	svm_genesis_free(&g);
	svm_token_id("SWR", &f->swr);
	svm_token_id("AIC", &f->aic);
	size_t n;
	f->weights = jf_slurp("models/fmnist/fmnist-mlp.svq8", &f->weights_len);
	f->code = jf_slurp("build/ai/infer.wasm", &f->code_len);
	f->images = jf_slurp("build/ai/t10k-images-idx3-ubyte", &n);
	cr_assert_eq(svm_chain_params(f->c, &f->prm), 0);
	register_model(f);
	for (int i = 1; i <= 4; i++) {
		svm_buf_t p = {0};
		cr_assert_eq(svm_ai_provider_register_payload(&p, BOND), 0);
		cr_assert_eq(send(f, i, &p), 0);
	}
	conserved(f, 0, 0);
}

static void fx_open(fx_t *f) { fx_open_with(f, false, false); }

static void fx_close(fx_t *f)
{
	jf_close(&f->t);
	free(f->weights);
	free(f->code);
	free(f->images);
}

static const uint8_t *image(fx_t *f, int i) { return f->images + 16 + (size_t)i * 784; }

static int post_level(fx_t *f, int img, uint8_t k, uint64_t deadline_in, uint8_t level,
		      svm_id_t *job)
{
	svm_ai_post_t p = {.model = f->model, .input = image(f, img), .input_len = 784, .units = 1,
			   .max_price = PRICE, .replicas = k, .sla_blocks = 5, .level = level,
			   .commit_deadline = svm_chain_height(f->c) + 1 + deadline_in};
	svm_sha256(p.input, 784, &p.input_hash);
	svm_buf_t b = {0};
	cr_assert_eq(svm_ai_post_payload(&b, &p), 0);
	int st = send_ret(f, 0, &b, job->b);
	svm_buf_free(&b);
	return st;
}

static int post(fx_t *f, int img, uint8_t k, uint64_t deadline_in, svm_id_t *job)
{
	return post_level(f, img, k, deadline_in, 0, job);
}

static int job_call(fx_t *f, int who, uint64_t method, const svm_id_t *job)
{
	svm_buf_t b = {0};
	cr_assert_eq(svm_ai_job_payload(&b, method, job), 0);
	return send(f, who, &b);
}

/* What a worker does: run the job in the VM, commit, later reveal with a signed VCR. */
typedef struct {
	uint8_t out[SVM_AI_OUTPUT_MAX];
	size_t out_len;
	uint8_t salt[32];
} work_t;

static void work(fx_t *f, int who, const svm_id_t *job, int img, bool lie, work_t *w)
{
	uint64_t gas;
	cr_assert_eq(svm_ai_run(f->code, f->code_len, "infer", f->weights, f->weights_len,
				image(f, img), 784, 1ull << 30, w->out, &w->out_len, &gas, NULL), 0);
	if (lie) w->out[w->out_len - 1] ^= 1; /* the flipped answer */
	for (int i = 0; i < 32; i++) w->salt[i] = (uint8_t)(who * 31 + i);
	svm_hash_t cm;
	svm_ai_commitment(job, &f->k[who].id, w->out, w->out_len, w->salt, &cm);
	svm_buf_t b = {0};
	cr_assert_eq(svm_ai_commit_payload(&b, job, &cm), 0);
	cr_assert_eq(send(f, who, &b), 0, "commit");
}

/* A reveal with a level, TEE evidence and a trace commitment (NULL/0: none). */
static int reveal_ex(fx_t *f, int who, const svm_id_t *job, int img, work_t *w, uint8_t level,
		     const uint8_t *tee, size_t tee_len, const svm_ai_trace_t *trace)
{
	svm_ai_vcr_t v = {.job = *job, .provider = f->k[who].id, .model = f->model,
			  .seed = svm_get_u64be(job->b), .level = level, .tee = tee,
			  .tee_len = tee_len};
	if (trace) v.trace = *trace;
	svm_sha256(image(f, img), 784, &v.input_hash);
	svm_sha256(f->weights, f->weights_len, &v.weights_hash);
	svm_sha256(f->code, f->code_len, &v.code_hash);
	svm_sha256(w->out, w->out_len, &v.output_hash);
	svm_buf_t msg = {0}, b = {0};
	cr_assert_eq(svm_buf_append(&msg, "svm/ai/vcr", 10), 0);
	cr_assert_eq(svm_ai_vcr_encode(&v, true, &msg), 0);
	uint8_t sig[64];
	svm_ed25519_sign(sig, msg.data, msg.len, f->k[who].secret_key);
	svm_buf_free(&msg);
	cr_assert_eq(svm_ai_reveal_payload(&b, job, w->out, w->out_len, w->salt, level, tee, tee_len,
					   trace, sig), 0);
	return send(f, who, &b);
}

static int reveal(fx_t *f, int who, const svm_id_t *job, int img, work_t *w)
{
	return reveal_ex(f, who, job, img, w, 0, NULL, 0, NULL);
}

static void job_get(fx_t *f, const svm_id_t *job, svm_ai_job_t *j) { jf_job(&f->t, job, j); }

static svm_ai_provider_t provider(fx_t *f, int who)
{
	svm_id_t id;
	svm_ai_provider_id(&f->k[who].id, &id);
	svm_buf_t b = {0};
	cr_assert_eq(svm_chain_object(f->c, &id, &b), 0);
	svm_object_t o;
	svm_ai_provider_t p;
	cr_assert_eq(svm_object_decode(b.data, b.len, &o, NULL), 0);
	cr_assert_eq(svm_ai_provider_decode(o.payload, o.payload_len, &p), 0);
	svm_buf_free(&b);
	return p;
}

static svm_ai_job_t jbuf;

Test(ai_market, k3_job_with_one_liar_pays_slashes_burns_and_refunds_by_the_formulas)
{
	fx_t f;
	fx_open(&f);
	svm_id_t job;
	uint64_t aic_poster = balance(&f, &f.aic, 0);
	cr_assert_eq(post(&f, 3, 3, 10, &job), 0);
	cr_assert_eq(balance(&f, &f.aic, 0), aic_poster - 3 * PRICE, "escrowed");
	for (int i = 1; i <= 3; i++) cr_assert_eq(job_call(&f, i, SVM_JOBS_ACCEPT, &job), 0);
	cr_assert_eq(job_call(&f, 4, SVM_JOBS_ACCEPT, &job), svm_receipt_status(SVM_EBUSY), "k full");
	work_t w[4];
	for (int i = 1; i <= 3; i++) work(&f, i, &job, 3, i == 3, &w[i]);
	for (int i = 1; i <= 3; i++) cr_assert_eq(reveal(&f, i, &job, 3, &w[i]), 0, "reveal %d", i);
	cr_assert_eq(job_call(&f, 5, SVM_JOBS_SETTLE, &job), 0);
	cr_assert_eq(job_call(&f, 5, SVM_JOBS_SETTLE, &job), svm_receipt_status(SVM_ESTATE), "twice");
	cr_assert_eq(job_call(&f, 1, SVM_JOBS_CLAIM, &job), svm_receipt_status(SVM_ESTATE),
		     "the challenge window is open");
	job_get(&f, &job, &jbuf);
	svm_hash_t honest;
	svm_sha256(w[1].out, w[1].out_len, &honest);
	cr_assert(svm_hash_eq(&jbuf.result_hash, &honest));
	blocks(&f, f.prm.ai_challenge_window_blocks);
	uint64_t aic1 = balance(&f, &f.aic, 1), swr3 = balance(&f, &f.swr, 3);
	cr_assert_eq(job_call(&f, 1, SVM_JOBS_CLAIM, &job), 0);
	uint64_t burn = PRICE * f.prm.ai_burn_bps / 10000, pay = PRICE - burn;
	cr_assert_eq(balance(&f, &f.aic, 1), aic1 + pay);
	cr_assert_eq(balance(&f, &f.aic, 2), AIC0 + pay);
	cr_assert_eq(balance(&f, &f.aic, 3), AIC0, "the liar is not paid");
	cr_assert_eq(balance(&f, &f.aic, 0), aic_poster - 2 * PRICE, "the liar's share refunded");
	cr_assert_eq(balance(&f, &f.swr, 3), swr3, "bond is held by the program");
	uint64_t pen = BOND * f.prm.ai_slash_bps / 10000;
	cr_assert_eq(provider(&f, 3).bond, BOND - pen);
	cr_assert_eq(provider(&f, 3).disputes_lost, 1);
	cr_assert_eq(provider(&f, 1).jobs_done, 1);
	cr_assert_eq(provider(&f, 1).bond, BOND);
	conserved(&f, pen, 2 * burn);
	/* the VCR of provider 1 decodes and its signature verifies against its key */
	svm_id_t vid;
	svm_ai_vcr_id(&job, &f.k[1].id, &vid);
	svm_buf_t b = {0}, msg = {0};
	cr_assert_eq(svm_chain_object(f.c, &vid, &b), 0);
	svm_object_t o;
	svm_ai_vcr_t v;
	cr_assert_eq(svm_object_decode(b.data, b.len, &o, NULL), 0);
	cr_assert_eq(svm_ai_vcr_decode(o.payload, o.payload_len, &v), 0);
	cr_assert(svm_hash_eq(&v.output_hash, &honest));
	cr_assert_eq(svm_buf_append(&msg, "svm/ai/vcr", 10), 0);
	cr_assert_eq(svm_ai_vcr_encode(&v, true, &msg), 0);
	cr_assert_eq(svm_ed25519_verify(v.signature, msg.data, msg.len, v.public_key), 0);
	svm_buf_free(&b);
	svm_buf_free(&msg);
	cr_assert_eq(job_call(&f, 1, SVM_JOBS_CLAIM, &job), svm_receipt_status(SVM_ESTATE), "once");
	fx_close(&f);
}

Test(ai_market, challenge_of_a_wrong_result_wins_and_of_a_right_one_costs_the_challenger)
{
	fx_t f;
	fx_open(&f);
	svm_id_t job;
	work_t w;
	/* k = 1 with a liar: the lie is the majority until re-execution */
	cr_assert_eq(post(&f, 7, 1, 10, &job), 0);
	cr_assert_eq(job_call(&f, 1, SVM_JOBS_ACCEPT, &job), 0);
	work(&f, 1, &job, 7, true, &w);
	cr_assert_eq(reveal(&f, 1, &job, 7, &w), 0);
	cr_assert_eq(job_call(&f, 5, SVM_JOBS_SETTLE, &job), 0);
	uint64_t swr4 = balance(&f, &f.swr, 4), aic0 = balance(&f, &f.aic, 0);
	cr_assert_eq(job_call(&f, 4, SVM_JOBS_CHALLENGE, &job), 0);
	job_get(&f, &job, &jbuf);
	cr_assert_eq(jbuf.challenge, SVM_AI_CHALLENGE_WON);
	cr_assert_eq(job_call(&f, 4, SVM_JOBS_CHALLENGE, &job), svm_receipt_status(SVM_ESTATE));
	cr_assert_eq(job_call(&f, 4, SVM_JOBS_CLAIM, &job), 0, "a won challenge closes at once");
	uint64_t pen = BOND * f.prm.ai_challenge_slash_bps / 10000;
	cr_assert_eq(balance(&f, &f.swr, 4), swr4 - 3 * FEE + pen, "bond back plus the liar's slash");
	cr_assert_eq(balance(&f, &f.aic, 0), aic0 + PRICE, "poster refunded in full");
	cr_assert_eq(provider(&f, 1).bond, BOND - pen);
	cr_assert_eq(provider(&f, 1).disputes_lost, 1);
	conserved(&f, 0, 0);
	/* k = 1 honest: the challenge fails and the challenger's bond is burned */
	cr_assert_eq(post(&f, 8, 1, 10, &job), 0);
	cr_assert_eq(job_call(&f, 2, SVM_JOBS_ACCEPT, &job), 0);
	work(&f, 2, &job, 8, false, &w);
	cr_assert_eq(reveal(&f, 2, &job, 8, &w), 0);
	cr_assert_eq(job_call(&f, 5, SVM_JOBS_SETTLE, &job), 0);
	swr4 = balance(&f, &f.swr, 4);
	cr_assert_eq(job_call(&f, 4, SVM_JOBS_CHALLENGE, &job), 0);
	job_get(&f, &job, &jbuf);
	cr_assert_eq(jbuf.challenge, SVM_AI_CHALLENGE_LOST);
	cr_assert_eq(balance(&f, &f.swr, 4), swr4 - FEE - f.prm.ai_challenge_bond);
	blocks(&f, f.prm.ai_challenge_window_blocks);
	cr_assert_eq(job_call(&f, 2, SVM_JOBS_CLAIM, &job), 0);
	uint64_t burn = PRICE * f.prm.ai_burn_bps / 10000;
	cr_assert_eq(balance(&f, &f.aic, 2), AIC0 + PRICE - burn);
	conserved(&f, f.prm.ai_challenge_bond, burn);
	fx_close(&f);
}

Test(ai_market, vanished_providers_refund_the_poster_after_the_deadline)
{
	fx_t f;
	fx_open(&f);
	svm_id_t job;
	uint64_t aic0 = balance(&f, &f.aic, 0);
	cr_assert_eq(post(&f, 1, 2, 3, &job), 0);
	cr_assert_eq(job_call(&f, 1, SVM_JOBS_ACCEPT, &job), 0);
	cr_assert_eq(job_call(&f, 2, SVM_JOBS_ACCEPT, &job), 0);
	cr_assert_eq(job_call(&f, 5, SVM_JOBS_SETTLE, &job), svm_receipt_status(SVM_ESTATE), "early");
	blocks(&f, 3 + f.prm.ai_reveal_window_blocks);
	cr_assert_eq(job_call(&f, 5, SVM_JOBS_SETTLE, &job), 0);
	blocks(&f, f.prm.ai_challenge_window_blocks);
	cr_assert_eq(job_call(&f, 5, SVM_JOBS_CLAIM, &job), 0);
	cr_assert_eq(balance(&f, &f.aic, 0), aic0, "refunded in full");
	uint64_t pen = BOND * f.prm.ai_slash_bps / 10000;
	cr_assert_eq(provider(&f, 1).missed_deadlines, 1);
	cr_assert_eq(provider(&f, 2).bond, BOND - pen);
	conserved(&f, 2 * pen, 0);
	fx_close(&f);
}

/* Each bad input fails with its error and changes nothing but the fee. */
static void only_fee(fx_t *f, int who, int st, int want, uint64_t swr_before, uint64_t aic_before)
{
	cr_assert_eq(st, svm_receipt_status(want), "status %d, want %s", st, svm_strerror(want));
	cr_assert_eq(balance(f, &f->swr, who), swr_before - FEE);
	cr_assert_eq(balance(f, &f->aic, who), aic_before);
}

Test(ai_market, bad_inputs_fail_with_clear_errors_and_change_nothing_but_the_fee)
{
	fx_t f;
	fx_open(&f);
	svm_ai_post_t p = {.model = f.model, .input = image(&f, 0), .input_len = 784, .units = 1,
			   .max_price = PRICE, .replicas = 3, .sla_blocks = 5,
			   .commit_deadline = svm_chain_height(f.c) + 100};
	svm_sha256(p.input, 784, &p.input_hash);
	svm_buf_t b = {0};
	uint64_t s0, a0;
#define SNAP(who) (s0 = balance(&f, &f.swr, who), a0 = balance(&f, &f.aic, who))
	SNAP(0);
	svm_ai_post_t q = p;
	q.model.b[0] ^= 1;
	cr_assert_eq(svm_ai_post_payload(&b, &q), 0);
	only_fee(&f, 0, send(&f, 0, &b), SVM_ENOTFOUND, s0, a0); /* unknown model */
	SNAP(0);
	q = p;
	q.input_hash.b[5] ^= 1;
	cr_assert_eq(svm_ai_post_payload(&b, &q), 0);
	only_fee(&f, 0, send(&f, 0, &b), SVM_EPROOF, s0, a0); /* input hash mismatch */
	SNAP(0);
	q = p;
	q.max_price = UINT64_MAX / 2;
	cr_assert_eq(svm_ai_post_payload(&b, &q), 0);
	only_fee(&f, 0, send(&f, 0, &b), SVM_EOVERFLOW, s0, a0); /* price overflow */
	SNAP(0);
	q = p;
	q.max_price = AIC0; /* more than the poster holds */
	cr_assert_eq(svm_ai_post_payload(&b, &q), 0);
	only_fee(&f, 0, send(&f, 0, &b), SVM_EFUNDS, s0, a0);
	svm_id_t job;
	cr_assert_eq(post(&f, 0, 3, 6, &job), 0);
	SNAP(5);
	only_fee(&f, 5, job_call(&f, 5, SVM_JOBS_ACCEPT, &job), SVM_EFUNDS, s0, a0); /* no bond */
	cr_assert_eq(job_call(&f, 1, SVM_JOBS_ACCEPT, &job), 0);
	cr_assert_eq(job_call(&f, 2, SVM_JOBS_ACCEPT, &job), 0);
	SNAP(1);
	only_fee(&f, 1, job_call(&f, 1, SVM_JOBS_ACCEPT, &job), SVM_EEXIST, s0, a0);
	work_t w1, w2;
	work(&f, 1, &job, 0, false, &w1);
	SNAP(2);
	only_fee(&f, 2, reveal(&f, 2, &job, 0, &w1), SVM_ESTATE, s0, a0); /* reveal without commit */
	/* commit after the deadline */
	blocks(&f, 1);
	SNAP(2);
	svm_hash_t cm = {{1}};
	cr_assert_eq(svm_ai_commit_payload(&b, &job, &cm), 0);
	only_fee(&f, 2, send(&f, 2, &b), SVM_EEXPIRED, s0, a0);
	/* a reveal that does not match the commitment */
	w2 = w1;
	w2.salt[0] ^= 1;
	SNAP(1);
	only_fee(&f, 1, reveal(&f, 1, &job, 0, &w2), SVM_EPROOF, s0, a0);
	cr_assert_eq(reveal(&f, 1, &job, 0, &w1), 0);
	SNAP(1);
	only_fee(&f, 1, reveal(&f, 1, &job, 0, &w1), SVM_EEXIST, s0, a0);
	/* unknown job, malformed payloads */
	svm_id_t nojob = job;
	nojob.b[0] ^= 1;
	SNAP(3);
	only_fee(&f, 3, job_call(&f, 3, SVM_JOBS_ACCEPT, &nojob), SVM_ENOTFOUND, s0, a0);
	SNAP(3);
	cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_SETTLE, &job), 0);
	cr_assert_eq(svm_buf_push(&b, 0), 0);
	only_fee(&f, 3, send(&f, 3, &b), SVM_EDECODE, s0, a0);
	conserved(&f, 0, 0);
	fx_close(&f);
}

Test(ai_market, auditable_job_scales_escrow_and_window_and_needs_a_trace_in_its_receipt)
{
	fx_t f;
	fx_open(&f);
	svm_id_t job;
	work_t w;
	uint64_t aic0 = balance(&f, &f.aic, 0);
	cr_assert_eq(post_level(&f, 3, 1, 10, 1, &job), 0);
	cr_assert_eq(balance(&f, &f.aic, 0), aic0 - PRICE * 150 / 100, "escrow at 150 %%");
	svm_ai_job_t *j = malloc(sizeof *j);
	job_get(&f, &job, j);
	cr_assert_eq(j->level, 1);
	cr_assert_eq(job_call(&f, 1, SVM_JOBS_ACCEPT, &job), 0);
	work(&f, 1, &job, 3, false, &w);
	/* a receipt below the job's level is refused, as is TEE evidence not yet verifiable */
	cr_assert_eq(reveal(&f, 1, &job, 3, &w), svm_receipt_status(SVM_EPERM));
	svm_ai_trace_t t = {.present = true, .k = 4096, .steps = 123456};
	memset(t.root.b, 0xab, 32);
	memset(t.final_state.b, 0xcd, 32);
	uint8_t tee[5006] = {SVM_AI_TEE_TDX};
	cr_assert_eq(reveal_ex(&f, 1, &job, 3, &w, 1, tee, sizeof tee, &t),
		     svm_receipt_status(SVM_EUNSUPPORTED));
	cr_assert_eq(reveal_ex(&f, 1, &job, 3, &w, 1, NULL, 0, &t), 0);
	svm_id_t vid;
	svm_ai_vcr_id(&job, &f.k[1].id, &vid);
	svm_buf_t b = {0};
	cr_assert_eq(svm_chain_object(f.c, &vid, &b), 0);
	svm_object_t o;
	svm_ai_vcr_t v;
	cr_assert_eq(svm_object_decode(b.data, b.len, &o, NULL), 0);
	cr_assert_eq(svm_ai_vcr_decode(o.payload, o.payload_len, &v), 0);
	cr_assert_eq(v.level, 1);
	cr_assert(v.trace.present && v.trace.k == 4096 && v.trace.steps == 123456);
	cr_assert(svm_hash_eq(&v.trace.root, &t.root) && svm_hash_eq(&v.trace.final_state, &t.final_state));
	svm_buf_free(&b);
	cr_assert_eq(job_call(&f, 1, SVM_JOBS_SETTLE, &job), 0);
	/* the auditable window is 7 × the standard one */
	blocks(&f, (int)f.prm.ai_challenge_window_blocks + 1);
	cr_assert_eq(job_call(&f, 1, SVM_JOBS_CLAIM, &job), svm_receipt_status(SVM_ESTATE));
	blocks(&f, 6 * (int)f.prm.ai_challenge_window_blocks);
	uint64_t aic1 = balance(&f, &f.aic, 1);
	cr_assert_eq(job_call(&f, 1, SVM_JOBS_CLAIM, &job), 0);
	uint64_t gross = PRICE * 150 / 100;
	cr_assert_eq(balance(&f, &f.aic, 1), aic1 + gross - gross * f.prm.ai_burn_bps / 10000);
	free(j);
	fx_close(&f);
}

Test(ai_market, vcr_v2_holds_a_tdx_quote_sized_evidence_and_rejects_bad_shapes)
{
	static uint8_t tee[SVM_AI_TEE_EVIDENCE_MAX + 1];
	tee[0] = SVM_AI_TEE_TDX;
	svm_ai_vcr_t v = {.level = 2, .tee = tee, .tee_len = 5006, .scheme = SVM_SCHEME_ED25519,
			  .trace = {.present = true, .k = 1, .steps = 1}};
	svm_buf_t b = {0};
	cr_assert_eq(svm_ai_vcr_encode(&v, false, &b), 0);
	svm_ai_vcr_t d;
	cr_assert_eq(svm_ai_vcr_decode(b.data, b.len, &d), 0);
	cr_assert_eq(d.tee_len, 5006);
	cr_assert_eq(d.level, 2);
	/* every shape rule: version, level, kind, trace byte, K = 0, trailing byte */
	uint8_t *p = b.data;
	p[0] = 1;
	cr_assert_eq(svm_ai_vcr_decode(p, b.len, &d), SVM_EDECODE, "v1");
	p[0] = 2;
	size_t lv = 1 + 6 * 32 + 8 + 32;
	p[lv] = 3;
	cr_assert_eq(svm_ai_vcr_decode(p, b.len, &d), SVM_EDECODE, "level 3");
	p[lv] = 2;
	size_t kind = lv + 1 + 2;
	p[kind] = 3;
	cr_assert_eq(svm_ai_vcr_decode(p, b.len, &d), SVM_EDECODE, "unknown evidence kind");
	p[kind] = SVM_AI_TEE_TDX;
	size_t tr = kind + 5006;
	p[tr] = 2;
	cr_assert_eq(svm_ai_vcr_decode(p, b.len, &d), SVM_EDECODE, "trace byte 2");
	p[tr] = 1;
	p[tr + 1 + 32 + 7] = 0;
	cr_assert_eq(svm_ai_vcr_decode(p, b.len, &d), SVM_EDECODE, "K = 0");
	p[tr + 1 + 32 + 7] = 1;
	cr_assert_eq(svm_buf_push(&b, 0), 0);
	cr_assert_eq(svm_ai_vcr_decode(b.data, b.len, &d), SVM_EDECODE, "trailing byte");
	svm_buf_free(&b);
	/* shapes the encoder refuses: over 8 KiB, high-value without evidence, auditable without trace */
	v.tee_len = SVM_AI_TEE_EVIDENCE_MAX + 1;
	cr_assert_eq(svm_ai_vcr_encode(&v, false, &b), SVM_EINVAL);
	v.tee_len = 0;
	cr_assert_eq(svm_ai_vcr_encode(&v, false, &b), SVM_EINVAL);
	v.level = 1;
	v.trace.present = false;
	cr_assert_eq(svm_ai_vcr_encode(&v, false, &b), SVM_EINVAL);
	svm_buf_free(&b);
}

/* ------------------------------------------------- governed constants, unbonding */

/* Passes a parameter change through governance (proposed by key 5, voted by the validator,
 * key 0) and checks the chain's parameters afterwards. */
static void gov_change(fx_t *f, size_t n, const char *const *names, const uint64_t *values)
{
	svm_buf_t body = {0}, p = {0};
	cr_assert_eq(svm_varint_append(&body, n), 0);
	for (size_t i = 0; i < n; i++) {
		const svm_params_field_t *fl = svm_params_field(names[i]);
		cr_assert_not_null(fl, "%s", names[i]);
		cr_assert_eq(svm_varint_append(&body, (uint64_t)(fl - svm_params_fields)), 0);
		cr_assert_eq(svm_varint_append(&body, values[i]), 0);
	}
	svm_id_t prop;
	svm_gov_proposal_id(&f->k[5].id, f->nonce[5], &prop);
	cr_assert_eq(svm_gov_submit_payload(&p, SVM_PROPOSAL_PARAMS, 1000, body.data, body.len), 0);
	cr_assert_eq(send(f, 5, &p), 0, "submit");
	cr_assert_eq(svm_gov_payload(&p, SVM_GOV_VOTE, &prop, &f->k[0].id, SVM_VOTE_YES), 0);
	cr_assert_eq(send(f, 0, &p), 0, "vote");
	blocks(f, 2);
	cr_assert_eq(svm_gov_payload(&p, SVM_GOV_EXECUTE, &prop, NULL, 0), 0);
	cr_assert_eq(send(f, 5, &p), 0, "execute");
	svm_buf_free(&body);
	cr_assert_eq(svm_chain_params(f->c, &f->prm), 0);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(*svm_params_at(&f->prm, svm_params_field(names[i])), values[i], "%s", names[i]);
}

static int provider_call(fx_t *f, int who, uint64_t method, uint64_t amount)
{
	svm_buf_t b = {0};
	if (method == SVM_JOBS_UNBOND) cr_assert_eq(svm_ai_unbond_payload(&b, amount), 0);
	if (method == SVM_JOBS_WITHDRAW) cr_assert_eq(svm_ai_withdraw_payload(&b), 0);
	if (method == SVM_JOBS_PROVIDER_REGISTER)
		cr_assert_eq(svm_ai_provider_register_payload(&b, amount), 0);
	return send(f, who, &b);
}

Test(ai_market, a_governance_proposal_changes_the_market_constants_from_the_next_block)
{
	fx_t f;
	fx_open_with(&f, true, false);
	cr_assert_eq(f.prm.ai_burn_bps, 2000, "the defaults before the change");
	const char *names[] = {"ai_burn_bps", "ai_slash_bps", "ai_challenge_window_blocks",
			       "ai_bond_min", "ai_replicas_max"};
	const uint64_t values[] = {5000, 2500, 3, 2 * BOND, 2};
	gov_change(&f, 5, names, values);
	svm_id_t job;
	cr_assert_eq(post(&f, 3, 3, 10, &job), svm_receipt_status(SVM_EINVAL), "k = 3 > ai_replicas_max");
	cr_assert_eq(post(&f, 3, 2, 10, &job), 0);
	cr_assert_eq(job_call(&f, 1, SVM_JOBS_ACCEPT, &job), svm_receipt_status(SVM_EFUNDS),
		     "a 10 SWR bond is under the new ai_bond_min");
	for (int i = 1; i <= 2; i++) {
		cr_assert_eq(provider_call(&f, i, SVM_JOBS_PROVIDER_REGISTER, BOND), 0, "bond more");
		cr_assert_eq(job_call(&f, i, SVM_JOBS_ACCEPT, &job), 0);
	}
	work_t w[3];
	for (int i = 1; i <= 2; i++) work(&f, i, &job, 3, false, &w[i]);
	for (int i = 1; i <= 2; i++) cr_assert_eq(reveal(&f, i, &job, 3, &w[i]), 0);
	cr_assert_eq(job_call(&f, 5, SVM_JOBS_SETTLE, &job), 0);
	blocks(&f, 2);
	cr_assert_eq(job_call(&f, 5, SVM_JOBS_CLAIM, &job), svm_receipt_status(SVM_ESTATE),
		     "3 blocks of challenge window: still open");
	cr_assert_eq(job_call(&f, 5, SVM_JOBS_CLAIM, &job), 0, "the window of 3 blocks is over");
	uint64_t burn = PRICE * 5000 / 10000;
	cr_assert_eq(balance(&f, &f.aic, 1), AIC0 + PRICE - burn, "paid at the new burn share");
	/* the new slash rate: a silent provider loses 25 % of its bond */
	cr_assert_eq(post(&f, 4, 1, 2, &job), 0);
	cr_assert_eq(job_call(&f, 1, SVM_JOBS_ACCEPT, &job), 0);
	blocks(&f, 2 + (int)f.prm.ai_reveal_window_blocks);
	cr_assert_eq(job_call(&f, 5, SVM_JOBS_SETTLE, &job), 0);
	blocks(&f, 3);
	cr_assert_eq(job_call(&f, 5, SVM_JOBS_CLAIM, &job), 0);
	cr_assert_eq(provider(&f, 1).bond, 2 * BOND - 2 * BOND * 2500 / 10000);
	cr_assert_eq(provider(&f, 1).missed_deadlines, 1);
	conserved(&f, 2 * BOND * 2500 / 10000, 2 * burn);
	fx_close(&f);
}

Test(ai_market, bonds_unbond_after_a_delay_never_with_jobs_open_and_slashes_reach_the_unbonding)
{
	fx_t f;
	fx_open(&f);
	uint64_t delay = f.prm.ai_unbond_blocks;
	cr_assert_eq(provider_call(&f, 5, SVM_JOBS_UNBOND, 1), svm_receipt_status(SVM_ENOTFOUND),
		     "not a provider");
	cr_assert_eq(provider_call(&f, 1, SVM_JOBS_UNBOND, BOND + 1), svm_receipt_status(SVM_EFUNDS));
	cr_assert_eq(provider_call(&f, 1, SVM_JOBS_WITHDRAW, 0), svm_receipt_status(SVM_ESTATE),
		     "nothing unbonding");
	/* provider 1 holds a slot of an open job: no unbonding until it is closed */
	svm_id_t job;
	work_t w;
	cr_assert_eq(post(&f, 5, 1, 10, &job), 0);
	cr_assert_eq(job_call(&f, 1, SVM_JOBS_ACCEPT, &job), 0);
	cr_assert_eq(provider(&f, 1).open_jobs, 1);
	cr_assert_eq(provider_call(&f, 1, SVM_JOBS_UNBOND, 1), svm_receipt_status(SVM_EBUSY));
	work(&f, 1, &job, 5, false, &w);
	cr_assert_eq(reveal(&f, 1, &job, 5, &w), 0);
	cr_assert_eq(job_call(&f, 1, SVM_JOBS_SETTLE, &job), 0);
	cr_assert_eq(provider_call(&f, 1, SVM_JOBS_UNBOND, 1), svm_receipt_status(SVM_EBUSY),
		     "settled is not closed: a challenge may still come");
	blocks(&f, (int)f.prm.ai_challenge_window_blocks);
	cr_assert_eq(job_call(&f, 1, SVM_JOBS_CLAIM, &job), 0);
	cr_assert_eq(provider(&f, 1).open_jobs, 0);
	/* closed: unbond 7 of its 10 SWR; withdrawable only after the delay */
	uint64_t swr1 = balance(&f, &f.swr, 1);
	cr_assert_eq(provider_call(&f, 1, SVM_JOBS_UNBOND, 7 * BOND / 10), 0);
	uint64_t release = svm_chain_height(f.c) + delay;
	svm_ai_provider_t p = provider(&f, 1);
	cr_assert_eq(p.bond, 3 * BOND / 10);
	cr_assert_eq(p.unbonding, 7 * BOND / 10);
	cr_assert_eq(p.release_height, release);
	cr_assert_eq(provider_call(&f, 1, SVM_JOBS_WITHDRAW, 0), svm_receipt_status(SVM_ESTATE), "too early");
	/* still bonded (3 SWR ≥ ai_bond_min) it takes a job and lies; a challenge proves it */
	cr_assert_eq(post(&f, 6, 1, 10, &job), 0);
	cr_assert_eq(job_call(&f, 1, SVM_JOBS_ACCEPT, &job), 0);
	work(&f, 1, &job, 6, true, &w);
	cr_assert_eq(reveal(&f, 1, &job, 6, &w), 0);
	cr_assert_eq(job_call(&f, 5, SVM_JOBS_SETTLE, &job), 0);
	cr_assert_eq(job_call(&f, 4, SVM_JOBS_CHALLENGE, &job), 0);
	while (svm_chain_height(f.c) + 1 < release) blocks(&f, 1);
	cr_assert_eq(provider_call(&f, 1, SVM_JOBS_WITHDRAW, 0), svm_receipt_status(SVM_EBUSY),
		     "the delay is over but a job is open");
	cr_assert_eq(job_call(&f, 4, SVM_JOBS_CLAIM, &job), 0);
	/* the challenge slash is 50 % of bond + unbonding = 5 SWR: 3 from the bond, 2 from the
	 * unbonding, which is therefore not withdrawable */
	p = provider(&f, 1);
	uint64_t pen = BOND * f.prm.ai_challenge_slash_bps / 10000;
	cr_assert_eq(p.bond, 0);
	cr_assert_eq(p.unbonding, 7 * BOND / 10 - (pen - 3 * BOND / 10));
	cr_assert_eq(provider_call(&f, 1, SVM_JOBS_WITHDRAW, 0), 0);
	cr_assert_eq(balance(&f, &f.swr, 1), swr1 - 7 * FEE + p.unbonding,
		     "the unbonding less the slash, back to the provider");
	p = provider(&f, 1);
	cr_assert_eq(p.unbonding, 0);
	cr_assert_eq(provider_call(&f, 1, SVM_JOBS_WITHDRAW, 0), svm_receipt_status(SVM_ESTATE), "once");
	cr_assert_eq(job_call(&f, 1, SVM_JOBS_ACCEPT, &job), svm_receipt_status(SVM_EFUNDS),
		     "no bond left");
	conserved(&f, 0, PRICE * f.prm.ai_burn_bps / 10000);
	fx_close(&f);
}

/* ------------------------------------------------- parallel execution (AOEM) */

/* A market workload in the executor's in-memory world: the model registered, MP providers
 * bonded, MJ jobs of k = 3 posted, accepted, committed, revealed (one liar), settled, one
 * challenge lost, claimed, then every provider unbonds and withdraws. Every block runs on the
 * sequential reference and on AOEM with 2 threads and must agree byte for byte (receipts,
 * write sets); every transaction but challenge and claim carries the strict declaration that
 * svm_native_access/svm_native_reads compute, so it succeeding proves the declaration complete
 * (an undeclared access fails the transaction). AI_EXEC_JOBS=N sets MJ (make bench-ai-exec),
 * AI_EXEC_PROVIDERS=N the providers MP (3..64; job j's replicas are providers 3j..3j+2 mod MP, so
 * with few providers every claim meets every other on their reputation records). */
static size_t MP = 12;

typedef struct {
	et_world_t e;
	svm_exec_tx_t *txs;
	size_t n, cap;
	uint8_t *weights, *code, *images;
	size_t weights_len, code_len;
	svm_id_t model;
} pw_t;

static int pw_fund(svm_txctx_t *c, void *ud)
{
	pw_t *p = ud;
	int rc = 0;
	for (size_t u = 0; rc == 0 && u < p->e.w.cfg.accounts; u++) {
		rc = svm_ledger_mint(c, &p->e.w.tokens[0], &p->e.w.owners[u], SWR0);
		if (rc == 0) rc = svm_ledger_mint(c, &p->e.w.tokens[1], &p->e.w.owners[u], AIC0);
	}
	return rc;
}

static void ptx(pw_t *p, size_t u, svm_buf_t *payload, bool strict)
{
	cr_assert_lt(p->n, p->cap);
	svm_exec_tx_t *t = &p->txs[p->n++];
	cr_assert_eq(et_tx(&p->e, t, u, payload, strict), 0);
	t->tx.fee_limit = FEE_LIMIT; /* steps are not priced here: the fee is a */
	t->tx.scheme = SVM_SCHEME_ED25519;
	t->tx.public_key = p->e.w.keys[u].public_key;
	t->tx.public_key_len = 32;
	if (strict) cr_assert_gt(t->tx.writes_len, 0, "a market payload declares its writes");
	svm_buf_free(payload);
}

/* Runs the block on both engines; every status must be `want` (or ignored if want < 0). */
static void pblock(pw_t *p, const char *what, int want)
{
	char why[256] = {0};
	cr_assert_eq(et_block(&p->e, p->txs, p->n, why, sizeof why), 0, "%s: %s", what, why);
	for (size_t i = 0; want >= 0 && i < p->e.res.included; i++)
		cr_assert_eq(p->e.res.receipts[i].status, want, "%s: tx %zu status %u", what,
			     p->e.res.index[i], p->e.res.receipts[i].status);
	cr_assert_eq(p->e.res.included, p->n, "%s: every transaction included", what);
	p->n = 0;
}

/* Times one block on the reference and on AOEM with 2 threads, both as svm_exec_block routes
 * it (a block of less estimated work than SVM_EXEC_PAR_WORK_MIN_US goes to the reference) and
 * forced onto the engines (SVM_EXEC_SHORTCUT=0: what every such block did before that rule),
 * best of 5 each, interleaved (printed, not asserted). */
static void ptime(pw_t *p, const char *what)
{
	svm_exec_base_t base = eg_base(&p->e.w);
	svm_block_env_t env = p->e.w.env;
	env.height++;
	double ms[3] = {1e18, 1e18, 1e18}, cpu[3] = {1e18, 1e18, 1e18}; /* wall, process CPU */
	uint64_t par = 0, work_us = 0;
	bool small = false;
	svm_exec_metrics_t m2 = {0}; /* the best forced 2-thread run's */
	for (int rep = 0; rep < 15; rep++) {
		int k = rep % 3; /* 0 reference, 1 AOEM forced onto the engines, 2 AOEM routed */
		svm_arena_t a;
		svm_arena_init(&a, 0);
		svm_exec_result_t r;
		svm_exec_metrics_t m = {0};
		setenv("SVM_EXEC_SHORTCUT", k == 1 ? "0" : "1", 1);
		unsetenv("SVM_EXEC_WORK_MIN_US");
		struct timespec c0, c1;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
		uint64_t t0 = svm_clock_ns();
		if (k == 0) cr_assert_eq(svm_exec_sequential(&env, p->txs, p->n, SVM_EXEC_BUILD, &base, &a, &r, NULL), 0);
		else cr_assert_eq(svm_exec_block(&env, p->txs, p->n, SVM_EXEC_BUILD, &base, 2, &a, &r, NULL, &m), 0);
		double t = (double)(svm_clock_ns() - t0) / 1e6;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
		double c = (double)(c1.tv_sec - c0.tv_sec) * 1e3 + (double)(c1.tv_nsec - c0.tv_nsec) / 1e6;
		if (c < cpu[k]) cpu[k] = c;
		if (t < ms[k]) {
			ms[k] = t;
			if (k == 1) m2 = m;
		}
		if (k == 1) par = m.dag_txs + m.stm_txs;
		if (k == 2) {
			small = m.small;
			work_us = m.work_us;
		}
		svm_arena_reset(&a);
	}
	setenv("SVM_EXEC_SHORTCUT", "1", 1);
	printf("ai parallel: %-8s %4zu txs  reference %8.2f ms  AOEM 2 threads: on the engines %8.2f ms "
	       "(%.2fx, %llu txs on them)  routed %8.2f ms (%.2fx; estimated %llu us: %s)\n",
	       what, p->n, ms[0], ms[1], ms[0] / ms[1], (unsigned long long)par, ms[2], ms[0] / ms[2],
	       (unsigned long long)work_us, small ? "small, the reference" : "the engines");
	static const char *ph[SVM_EXEC_PHASES] = {"init", "run", "commit", "receipts", "settle", "writes", "free"};
	printf("ai parallel: %-8s CPU (ms, best of 5): reference %.2f, on the engines %.2f (%.2fx the "
	       "reference's), routed %.2f\n",
	       what, cpu[0], cpu[1], cpu[1] / cpu[0], cpu[2]);
	printf("ai parallel: %-8s AOEM 2 threads on the engines, phases (ms):", what);
	for (int i = 0; i < SVM_EXEC_PHASES; i++) printf(" %s %.2f", ph[i], (double)m2.phase_ns[i] / 1e6);
	printf("; dag %llu stm %llu seq %llu, aborts %llu waits %llu\n", (unsigned long long)m2.dag_txs,
	       (unsigned long long)m2.stm_txs, (unsigned long long)m2.seq_txs,
	       (unsigned long long)m2.aborts, (unsigned long long)m2.waits);
	fflush(stdout);
}

/* The whole workload over mj jobs and mp providers; timed: print ptime's figures; *claims
 * receives AOEM's metrics of the claims block. */
static void market_workload(size_t mj, size_t mp, unsigned threads, bool timed,
			    svm_exec_metrics_t *claims)
{
	cr_assert_eq(svm_crypto_init(), 0);
	MP = mp;
	pw_t *p = calloc(1, sizeof *p);
	cr_assert_not_null(p);
	size_t users = 1 + MP + mj + 1; /* owner, providers, posters, challenger */
	eg_rng_t r = {.s = 11};
	eg_config_t cfg = {.accounts = users, .signed_txs = true};
	cr_assert_eq(eg_world_init(&p->e.w, &r, &cfg), 0);
	p->e.w.env.fees = FEES;
	p->e.threads = threads;
	svm_arena_init(&p->e.a, 0);
	cr_assert_eq(et_system(&p->e, pw_fund, p), 0);
	p->cap = 4 * mj + 64;
	p->txs = calloc(p->cap, sizeof *p->txs);
	cr_assert_not_null(p->txs);
	size_t n;
	p->weights = jf_slurp("models/fmnist/fmnist-mlp.svq8", &p->weights_len);
	p->code = jf_slurp("build/ai/infer.wasm", &p->code_len);
	p->images = jf_slurp("build/ai/t10k-images-idx3-ubyte", &n);
	const svm_id_t *own = p->e.w.owners;
	svm_buf_t b = {0};

	/* the registry: chunks, code, manifest (strict: program 16's access sets) */
	svm_ai_manifest_t m = {.version = 1, .format = SVM_AI_FORMAT_SVQ8, .input_type = SVM_AI_TYPE_U8,
			       .output_type = SVM_AI_TYPE_LOGITS_I32, .input_len = 784, .output_len = 41};
	strcpy(m.name, "fmnist-mlp");
	svm_sha256(p->weights, p->weights_len, &m.weights_hash);
	svm_sha256(p->code, p->code_len, &m.code_hash);
	for (size_t off = 0; off < p->weights_len; off += SVM_AI_CHUNK_MAX) {
		size_t len = p->weights_len - off < SVM_AI_CHUNK_MAX ? p->weights_len - off : SVM_AI_CHUNK_MAX;
		svm_ai_chunk_id(p->weights + off, len, &m.chunks[m.chunks_len++]);
		cr_assert_eq(svm_ai_put_chunk_payload(&b, p->weights + off, len), 0);
		ptx(p, 0, &b, true);
	}
	cr_assert_eq(svm_ai_put_code_payload(&b, p->code, p->code_len), 0);
	ptx(p, 0, &b, true);
	cr_assert_eq(svm_ai_register_payload(&b, &m), 0);
	ptx(p, 0, &b, true);
	pblock(p, "registry", 0);
	svm_ai_model_id(&own[0], "fmnist-mlp", 1, &p->model);

	for (size_t i = 0; i < MP; i++) {
		cr_assert_eq(svm_ai_provider_register_payload(&b, BOND), 0);
		ptx(p, 1 + i, &b, true);
	}
	pblock(p, "bonds", 0);

	/* MJ jobs of k = 3, job j on image j, posted by poster j */
	svm_id_t *jobs = calloc(mj, sizeof *jobs);
	work_t *out = calloc(mj, sizeof *out);
	cr_assert(jobs && out);
	uint64_t deadline = p->e.w.env.height + 10;
	for (size_t j = 0; j < mj; j++) {
		size_t u = 1 + MP + j;
		svm_ai_post_t q = {.model = p->model, .input = p->images + 16 + j * 784, .input_len = 784,
				   .units = 1, .max_price = PRICE, .replicas = 3, .sla_blocks = 5,
				   .commit_deadline = deadline};
		svm_sha256(q.input, 784, &q.input_hash);
		svm_ai_job_id(&own[u], p->e.w.nonce[u], &jobs[j]);
		cr_assert_eq(svm_ai_post_payload(&b, &q), 0);
		ptx(p, u, &b, true);
		uint64_t gas;
		cr_assert_eq(svm_ai_run(p->code, p->code_len, "infer", p->weights, p->weights_len, q.input,
					784, 1ull << 30, out[j].out, &out[j].out_len, &gas, NULL), 0);
	}
	if (timed) ptime(p, "posts");
	pblock(p, "posts", 0);
#define PROV(j, s) (1 + ((3 * (j) + (s)) % MP)) /* the s-th provider of job j */
	for (size_t j = 0; j < mj; j++)
		for (size_t s = 0; s < 3; s++) {
			cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_ACCEPT, &jobs[j]), 0);
			ptx(p, PROV(j, s), &b, true);
		}
	pblock(p, "accepts", 0);
	/* provider slot 2 of job 0 lies */
	for (size_t j = 0; j < mj; j++)
		for (size_t s = 0; s < 3; s++) {
			size_t u = PROV(j, s);
			work_t w = out[j];
			if (j == 0 && s == 2) w.out[w.out_len - 1] ^= 1;
			for (int i = 0; i < 32; i++) w.salt[i] = (uint8_t)(u * 7 + i);
			svm_hash_t cm;
			svm_ai_commitment(&jobs[j], &own[u], w.out, w.out_len, w.salt, &cm);
			cr_assert_eq(svm_ai_commit_payload(&b, &jobs[j], &cm), 0);
			ptx(p, u, &b, true);
		}
	if (timed) ptime(p, "commits");
	pblock(p, "commits", 0);
	for (size_t j = 0; j < mj; j++)
		for (size_t s = 0; s < 3; s++) {
			size_t u = PROV(j, s);
			work_t w = out[j];
			if (j == 0 && s == 2) w.out[w.out_len - 1] ^= 1;
			for (int i = 0; i < 32; i++) w.salt[i] = (uint8_t)(u * 7 + i);
			svm_ai_vcr_t v = {.job = jobs[j], .provider = own[u], .model = p->model,
					  .weights_hash = m.weights_hash, .code_hash = m.code_hash,
					  .seed = svm_get_u64be(jobs[j].b)};
			svm_sha256(p->images + 16 + j * 784, 784, &v.input_hash);
			svm_sha256(w.out, w.out_len, &v.output_hash);
			svm_buf_t msg = {0};
			cr_assert_eq(svm_buf_append(&msg, "svm/ai/vcr", 10), 0);
			cr_assert_eq(svm_ai_vcr_encode(&v, true, &msg), 0);
			uint8_t sig[64];
			svm_ed25519_sign(sig, msg.data, msg.len, p->e.w.keys[u].secret_key);
			svm_buf_free(&msg);
			cr_assert_eq(svm_ai_reveal_payload(&b, &jobs[j], w.out, w.out_len, w.salt, 0, NULL, 0,
							   NULL, sig), 0);
			ptx(p, u, &b, true);
		}
	if (timed) ptime(p, "reveals");
	pblock(p, "reveals", 0);
	for (size_t j = 0; j < mj; j++) {
		cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_SETTLE, &jobs[j]), 0);
		ptx(p, 1 + MP + j, &b, true);
	}
	pblock(p, "settles", 0);
	/* a challenge of a right result (dynamic: it reads the model's chunks and code) */
	cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_CHALLENGE, &jobs[1]), 0);
	ptx(p, users - 1, &b, false);
	pblock(p, "challenge", 0);
	svm_params_t prm;
	svm_params_default(&prm);
	for (uint64_t i = 0; i < prm.ai_challenge_window_blocks; i++) pblock(p, "wait", 0);
	for (size_t j = 0; j < mj; j++) {
		cr_assert_eq(svm_ai_job_payload(&b, SVM_JOBS_CLAIM, &jobs[j]), 0);
		ptx(p, 1 + MP + j, &b, false);
	}
	if (timed) ptime(p, "claims");
	uint64_t *aic_before = calloc(MP, sizeof *aic_before);
	cr_assert_not_null(aic_before);
	for (size_t i = 0; i < MP; i++) aic_before[i] = et_balance(&p->e, &p->e.w.tokens[1], &own[1 + i]);
	pblock(p, "claims", 0);
	*claims = p->e.last;
	/* every provider unbonds everything, then withdraws after the delay */
	uint64_t pen = BOND * prm.ai_slash_bps / 10000;
	for (size_t i = 0; i < MP; i++) {
		cr_assert_eq(svm_ai_unbond_payload(&b, i + 1 == PROV(0, 2) ? BOND - pen : BOND), 0);
		ptx(p, 1 + i, &b, true);
	}
	pblock(p, "unbonds", 0);
	for (uint64_t i = 0; i < prm.ai_unbond_blocks; i++) pblock(p, "wait", 0);
	for (size_t i = 0; i < MP; i++) {
		cr_assert_eq(svm_ai_withdraw_payload(&b), 0);
		ptx(p, 1 + i, &b, true);
	}
	pblock(p, "withdrawals", 0);
	/* the books: every job's escrow account and every provider's bond account is empty, AIC
	 * supply lower by the burns, SWR by fees, the liar's slash and the lost challenge bond */
	svm_id_t acct;
	for (size_t j = 0; j < mj; j++) {
		svm_ai_job_account(&jobs[j], &acct);
		cr_assert_eq(et_balance(&p->e, &p->e.w.tokens[0], &acct), 0);
		cr_assert_eq(et_balance(&p->e, &p->e.w.tokens[1], &acct), 0);
	}
	for (size_t i = 0; i < MP; i++) {
		svm_ai_bond_account(&own[1 + i], &acct);
		cr_assert_eq(et_balance(&p->e, &p->e.w.tokens[0], &acct), 0);
	}
	uint64_t burn = PRICE * prm.ai_burn_bps / 10000;
	uint64_t aic_sum = 0;
	for (size_t u = 0; u < users; u++) aic_sum += et_balance(&p->e, &p->e.w.tokens[1], &own[u]);
	cr_assert_eq(et_supply(&p->e, &p->e.w.tokens[1]), aic_sum, "AIC: supply = Σ balances");
	/* every provider is paid at the claims for each slot it held but the liar's */
	for (size_t i = 0; i < MP; i++) {
		uint64_t slots = 0;
		for (size_t j = 0; j < mj; j++)
			for (size_t s = 0; s < 3; s++) slots += PROV(j, s) == 1 + i && !(j == 0 && s == 2);
		cr_assert_eq(et_balance(&p->e, &p->e.w.tokens[1], &own[1 + i]),
			     aic_before[i] + slots * (PRICE - burn), "provider %zu paid for %llu slots", i,
			     (unsigned long long)slots);
	}
	free(aic_before);
	cr_assert_gt(p->e.par_txs, 0, "the parallel engines ran");
	free(jobs);
	free(out);
	free(p->txs);
	free(p->weights);
	free(p->code);
	free(p->images);
	et_free(&p->e);
	free(p);
}

Test(ai_market, a_market_workload_runs_in_parallel_byte_for_byte_as_sequentially)
{
	size_t mj = 16, mp = 12;
	const char *env_jobs = getenv("AI_EXEC_JOBS"), *env_prov = getenv("AI_EXEC_PROVIDERS");
	if (env_jobs && atoi(env_jobs) >= 4 && atoi(env_jobs) <= 1024) mj = (size_t)atoi(env_jobs);
	if (env_prov && atoi(env_prov) >= 3 && atoi(env_prov) <= 64) mp = (size_t)atoi(env_prov);
	svm_exec_metrics_t m;
	market_workload(mj, mp, 2, true, &m);
}

/* Claims of 256 jobs over 3 providers on 4 threads: every claim pays all three (one liar
 * aside), so each provider's reputation record is updated by every claim. The updates are
 * counter deltas (svm_host_record_add), so the optimistic engine runs the whole block without
 * ordering the claims on those records: before, claims conflicted on them (70-86 aborts, a
 * third of the block left to the sequential fallback, in three runs of the code before). */
Test(ai_market, claims_of_jobs_sharing_providers_commute_on_their_records)
{
	svm_exec_metrics_t m;
	market_workload(256, 3, 4, false, &m);
	cr_assert_eq(m.fallback_reason, 0, "no fallback (reason %d)", m.fallback_reason);
	cr_assert_eq(m.stm_txs, 256, "every claim on the optimistic engine (%llu)",
		     (unsigned long long)m.stm_txs);
	cr_assert_leq(m.aborts + m.waits, 4, "%llu aborts, %llu waits", (unsigned long long)m.aborts,
		      (unsigned long long)m.waits);
}

/* ------------------------------------------------- the SWR/AIC pool */

Test(ai_market, aic_is_bought_with_swr_on_the_genesis_pool_and_pays_for_a_job)
{
	fx_t f;
	fx_open_with(&f, false, true);
	svm_id_t pool, lp;
	svm_amm_pool_id(memcmp(f.swr.b, f.aic.b, 32) < 0 ? &f.swr : &f.aic,
			memcmp(f.swr.b, f.aic.b, 32) < 0 ? &f.aic : &f.swr, SVM_AI_POOL_FEE_BPS, &pool);
	svm_buf_t b = {0};
	cr_assert_eq(svm_chain_object(f.c, &pool, &b), 0, "the genesis pool exists");
	svm_object_t o;
	svm_amm_pool_t p;
	cr_assert_eq(svm_object_decode(b.data, b.len, &o, NULL), 0);
	cr_assert_eq(svm_amm_pool_decode(o.payload, o.payload_len, &p), 0);
	bool swr_a = svm_hash_eq(&p.a, &f.swr);
	uint64_t r_swr = swr_a ? p.ra : p.rb, r_aic = swr_a ? p.rb : p.ra;
	cr_assert_eq(r_swr, POOL_SWR);
	cr_assert_eq(r_aic, POOL_AIC);
	uint64_t shares;
	cr_assert_eq(svm_amm_quote_create(POOL_SWR, POOL_AIC, &shares), 0);
	svm_amm_lp_token(&pool, &lp);
	cr_assert_eq(balance(&f, &lp, 0), shares - SVM_AMM_LOCKED_SHARES, "the owner holds the shares");
	/* key 5 spends its AIC, then buys exactly a k = 3 job's escrow with SWR */
	svm_buf_free(&b);
	cr_assert_eq(svm_native_burn_payload(&b, &f.aic, AIC0), 0);
	cr_assert_eq(send(&f, 5, &b), 0);
	uint64_t need = 3 * PRICE, cost;
	cr_assert_eq(svm_amm_quote_out(r_swr, r_aic, SVM_AI_POOL_FEE_BPS, need, &cost), 0);
	uint64_t swr5 = balance(&f, &f.swr, 5);
	cr_assert_eq(svm_amm_payload(&b, SVM_AMM_SWAP_OUT, &f.swr, &f.aic, SVM_AI_POOL_FEE_BPS, need,
				     cost - 1, 0), 0);
	cr_assert_eq(send(&f, 5, &b), svm_receipt_status(SVM_ELIMIT), "a bound under the quote");
	cr_assert_eq(svm_amm_payload(&b, SVM_AMM_SWAP_OUT, &f.swr, &f.aic, SVM_AI_POOL_FEE_BPS, need,
				     cost, 0), 0);
	cr_assert_eq(send(&f, 5, &b), 0);
	cr_assert_eq(balance(&f, &f.aic, 5), need);
	cr_assert_eq(balance(&f, &f.swr, 5), swr5 - 2 * FEE - cost, "paid exactly the quote");
	svm_ai_post_t q = {.model = f.model, .input = image(&f, 9), .input_len = 784, .units = 1,
			   .max_price = PRICE, .replicas = 3, .sla_blocks = 5,
			   .commit_deadline = svm_chain_height(f.c) + 10};
	svm_sha256(q.input, 784, &q.input_hash);
	cr_assert_eq(svm_ai_post_payload(&b, &q), 0);
	cr_assert_eq(send(&f, 5, &b), 0, "the bought AIC pays the escrow");
	cr_assert_eq(balance(&f, &f.aic, 5), 0);
	conserved(&f, 0, AIC0);
	fx_close(&f);
}

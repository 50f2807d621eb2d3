/* The AI market through the chain: the model registry (chunks, code, immutable manifests) and
 * job_escrow — a k = 3 job with one lying provider (paid, slashed, burned and refunded exactly as
 * docs/ai-market.md says), challenges by re-execution won and lost, a job whose providers vanish,
 * the bad-input cases (each a clear error, nothing changed but the fee), VCRs and reputation, and
 * AIC/SWR conservation after every block. Uses build/ai/infer.wasm and the checked-in model. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chaintest.h"
#include "supervm/ai.h"

static const svm_fee_params_t FEES = {.a = 1000, .b = 0, .c = 0, .d = 0};
#define FEE 1000ull
#define FEE_LIMIT 1000ull
#define KEYS 6
#define SWR0 100000000000ull /* 100 SWR each */
#define AIC0 1000000ull
#define BOND 10000000000ull /* 10 SWR */
#define PRICE 1000ull

typedef struct {
	char dir[64];
	svm_chain_t *c;
	svm_keypair_t k[KEYS];
	uint64_t nonce[KEYS];
	svm_id_t swr, aic, model;
	uint8_t *weights, *code, *images;
	size_t weights_len, code_len;
	uint64_t fees_paid;   /* SWR burned as fees so far */
	svm_params_t prm;     /* the governed parameters at open (the defaults) */
} fx_t;

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s (built by mk/ai.mk)", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc((size_t)n);
	cr_assert(p && fread(p, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

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

/* One transaction from `who` in its own block; returns the receipt status (or -1 if left out). */
static int send_ret(fx_t *f, int who, const svm_buf_t *payload, uint8_t *ret32)
{
	svm_buf_t tx = {0}, rb = {0};
	svm_hash_t id;
	ct_txopt_t opt = {.chain_id = 7, .nonce = f->nonce[who], .fee_limit = FEE_LIMIT};
	cr_assert_eq(ct_tx(&tx, &f->k[who], SVM_VM_NATIVE, payload->data, payload->len, NULL, 0, &opt,
			   &id), 0);
	const uint8_t *p = tx.data;
	size_t len = tx.len;
	svm_build_result_t res;
	svm_error_t err = {0};
	cr_assert_eq(svm_chain_build(f->c, &p, &len, 1, 1, &f->k[0].id, &res, &err), 0, "%s", err.msg);
	svm_buf_free(&tx);
	if (res.status) return -1;
	f->nonce[who]++;
	f->fees_paid += FEE;
	cr_assert_eq(svm_chain_receipt(f->c, &id, &rb, NULL, NULL, NULL, NULL), 0);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_receipt_t r;
	cr_assert_eq(svm_receipt_decode(rb.data, rb.len, &a, &r, NULL), 0);
	if (ret32 && r.status == 0 && r.return_data_len == 32) memcpy(ret32, r.return_data, 32);
	int st = r.status;
	svm_arena_reset(&a);
	svm_buf_free(&rb);
	return st;
}

static int send(fx_t *f, int who, svm_buf_t *payload)
{
	int st = send_ret(f, who, payload, NULL);
	svm_buf_free(payload);
	return st;
}

static void blocks(fx_t *f, int n)
{
	for (int i = 0; i < n; i++)
		cr_assert_eq(svm_chain_build(f->c, NULL, NULL, 0, 1, &f->k[0].id, NULL, NULL), 0);
}

/* SWR: genesis minus fees and documented burns; AIC: genesis minus documented burns. */
static void conserved(fx_t *f, uint64_t swr_burned, uint64_t aic_burned)
{
	cr_assert_eq(supply(f, &f->swr), KEYS * SWR0 - f->fees_paid - swr_burned, "SWR supply");
	cr_assert_eq(supply(f, &f->aic), KEYS * AIC0 - aic_burned, "AIC supply");
	/* supply = Σ balances: the keys plus the escrow account */
	svm_id_t acct;
	svm_ai_jobs_account(&acct);
	uint64_t s = 0, a = 0, v;
	for (int i = 0; i < KEYS; i++) s += balance(f, &f->swr, i), a += balance(f, &f->aic, i);
	cr_assert_eq(svm_chain_balance(f->c, &f->swr, &acct, &v), 0);
	s += v;
	cr_assert_eq(svm_chain_balance(f->c, &f->aic, &acct, &v), 0);
	a += v;
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

static void fx_open(fx_t *f)
{
	cr_assert_eq(svm_crypto_init(), 0);
	memset(f, 0, sizeof *f);
	ct_tmpdir(f->dir);
	svm_genesis_t g;
	cr_assert_eq(ct_genesis(&g, KEYS, SWR0, AIC0, &FEES), 0);
	svm_chain_config_t cfg = {.map_bytes = 1ull << 30, .exec_threads = 1};
	svm_error_t err = {0};
	cr_assert_eq(svm_chain_open(&f->c, f->dir, &g, &cfg, &err), 0, "%s", err.msg);
	svm_genesis_free(&g);
	for (int i = 0; i < KEYS; i++) ct_key((uint64_t)i, &f->k[i]);
	svm_token_id("SWR", &f->swr);
	svm_token_id("AIC", &f->aic);
	size_t n;
	f->weights = slurp("models/fmnist/fmnist-mlp.svq8", &f->weights_len);
	f->code = slurp("build/ai/infer.wasm", &f->code_len);
	f->images = slurp("build/ai/t10k-images-idx3-ubyte", &n);
	cr_assert_eq(svm_chain_params(f->c, &f->prm), 0);
	register_model(f);
	for (int i = 1; i <= 4; i++) {
		svm_buf_t p = {0};
		cr_assert_eq(svm_ai_provider_register_payload(&p, BOND), 0);
		cr_assert_eq(send(f, i, &p), 0);
	}
	conserved(f, 0, 0);
}

static void fx_close(fx_t *f)
{
	svm_chain_close(f->c);
	ct_rmdir(f->dir);
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

static void job_get(fx_t *f, const svm_id_t *job, svm_ai_job_t *j)
{
	svm_buf_t b = {0};
	cr_assert_eq(svm_chain_object(f->c, job, &b), 0);
	svm_object_t o;
	cr_assert_eq(svm_object_decode(b.data, b.len, &o, NULL), 0);
	cr_assert_eq(svm_ai_job_decode(o.payload, o.payload_len, j), 0);
	svm_buf_free(&b);
}

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

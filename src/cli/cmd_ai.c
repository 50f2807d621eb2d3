/* The AI market from the command line (docs/ai-market.md): `supervm model register|show`,
 * `supervm provider register|show`, `supervm job post|status|settle|challenge|claim`, and
 * `supervm worker`, a separate process that serves jobs over JSON-RPC: it watches for jobs on
 * models it can run, accepts, runs the inference in the same VM the chain uses, commits,
 * reveals with a signed VCR, settles and claims. Its salt is derived from its key and the job,
 * and every step is decided from the job's on-chain state, so a restarted worker continues where
 * it stopped and never commits twice. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "party.h"
#include "supervm/ai.h"
#include "supervm/econ.h"
#include "supervm/verify.h"

#define AI_FEE_LIMIT 100000000ull /* steps are not priced on the devnet; the fee is a + b·bytes */
#define AI_EXPIRY_BLOCKS 1000
#define AI_WAIT_MS 60000

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Declares the access of an AI payload when it names all it touches (not challenge or claim),
 * so AOEM schedules it from the declaration. */
static void ai_prepare(cli_txspec_t *spec, const svm_keypair_t *kp, uint64_t nonce)
{
	size_t nw = 0, nr = 0;
	bool complete = false;
	spec->strict_native = svm_ai_access(&kp->id, nonce, spec->payload, spec->payload_len, NULL, 16, &nw,
					    NULL, 4, &nr, &complete) == 0 &&
			      complete;
}

/* Signs payload with kp, submits it and waits for its receipt (cli_send_and_wait). */
static int ai_send(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp,
		   const svm_buf_t *payload, int *status, uint8_t *ret32)
{
	cli_txspec_t spec = {.vm = SVM_VM_NATIVE, .payload = payload->data, .payload_len = payload->len,
			     .fee_limit = AI_FEE_LIMIT, .expiry_blocks = AI_EXPIRY_BLOCKS, .timeout_ms = AI_WAIT_MS};
	return cli_send_and_wait(a, c, kp, &spec, ai_prepare, status, ret32);
}

static int load_key(cli_args_t *a, const char *opt, svm_keypair_t *kp)
{
	const char *path = cli_opt(a, opt);
	svm_error_t err = {0};
	if (path == NULL) return cli_fail(a, CLI_EXIT_USAGE, "--%s KEYFILE is required", opt);
	if (svm_crypto_init() != 0) return cli_fail(a, CLI_EXIT_FAIL, "libsodium failed to initialise");
	if (svm_keyfile_read(path, kp, &err)) return cli_fail(a, CLI_EXIT_FAIL, "%s", err.msg);
	return 0;
}

static int read_all(cli_args_t *a, const char *path, size_t max, svm_buf_t *out)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) return cli_fail(a, CLI_EXIT_FAIL, "cannot open %s", path);
	char chunk[8192];
	size_t n;
	int rc = 0;
	while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		rc = out->len + n > max ? SVM_ELIMIT : svm_buf_append(out, chunk, n);
	fclose(f);
	return rc ? cli_fail(a, CLI_EXIT_FAIL, "%s is larger than %zu bytes", path, max) : 0;
}

/* Runs one transaction and reports its outcome; 0 only when it succeeded. */
static int step(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp, svm_buf_t *p,
		const char *what, uint8_t *ret32)
{
	int st = -1;
	int rc = ai_send(a, c, kp, p, &st, ret32);
	svm_buf_free(p);
	if (rc) return rc;
	if (st) return cli_fail(a, CLI_EXIT_FAIL, "%s failed: %s", what, svm_strerror(-st));
	return 0;
}

static void print_id(cli_args_t *a, const char *key, const uint8_t *id)
{
	char hex[65];
	svm_hex_encode(hex, id, 32);
	if (a->json) printf("{\"%s\":\"%s\"}\n", key, hex);
	else printf("%s\n", hex);
}

/* ----------------------------------------------------------------- model */

/* --tee-measurement HEX[,HEX…]: the SNP MEASUREMENTs / TDX MRTDs (48 bytes each) a high-value
 * job's evidence may carry (the manifest's tee_measurements). */
static int parse_measurements(cli_args_t *a, const char *s, svm_ai_manifest_t *m)
{
	while (*s) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		char hex[97];
		if (m->tee_measurements_len >= SVM_AI_TEE_MEASUREMENTS_MAX || n != 96)
			return cli_fail(a, CLI_EXIT_USAGE, "--tee-measurement: up to %u measurements of 96 hex "
							   "digits, comma-separated",
					SVM_AI_TEE_MEASUREMENTS_MAX);
		memcpy(hex, s, 96);
		hex[96] = 0;
		if (svm_hex_decode(m->tee_measurements[m->tee_measurements_len], 48, hex))
			return cli_fail(a, CLI_EXIT_USAGE, "--tee-measurement: %s is not hex", hex);
		m->tee_measurements_len++;
		s += n + (end ? 1 : 0);
	}
	return 0;
}

int cli_cmd_model_register(cli_args_t *a)
{
	svm_keypair_t kp;
	if (load_key(a, "from", &kp)) return CLI_EXIT_USAGE;
	const char *name = cli_opt(a, "name"), *wpath = cli_opt(a, "weights"), *cpath = cli_opt(a, "code");
	const char *v = cli_opt(a, "version");
	svm_ai_manifest_t *m = svm_calloc(1, sizeof *m);
	if (m == NULL) return CLI_EXIT_FAIL;
	m->version = 1;
	int rc = 0;
	if (!name || !wpath || !cpath || strlen(name) == 0 || strlen(name) > SVM_AI_NAME_MAX)
		rc = cli_fail(a, CLI_EXIT_USAGE, "--name (1..32 bytes), --weights FILE and --code FILE are required");
	if (rc == 0 && v && cli_u64(a, "--version", v, &m->version)) rc = CLI_EXIT_USAGE;
	if (rc == 0 && (v = cli_opt(a, "tee-measurement"))) rc = parse_measurements(a, v, m);
	svm_buf_t w = {0}, code = {0}, p = {0};
	if (rc == 0) rc = read_all(a, wpath, SVM_AI_MODEL_BYTES_MAX, &w);
	if (rc == 0) rc = read_all(a, cpath, SVM_AI_CHUNK_MAX, &code);
	svm_ai_model_t model;
	if (rc == 0 && svm_ai_model_parse(w.data, w.len, &model))
		rc = cli_fail(a, CLI_EXIT_FAIL, "%s is not an SVQ8 model", wpath);
	svm_rpc_client_t *c = NULL;
	if (rc == 0) rc = cli_client(a, &c);
	if (rc == 0) {
		strcpy(m->name, name);
		m->format = SVM_AI_FORMAT_SVQ8;
		m->input_type = SVM_AI_TYPE_U8;
		m->output_type = SVM_AI_TYPE_LOGITS_I32;
		m->input_len = model.input_len;
		m->output_len = model.output_len;
		svm_sha256(w.data, w.len, &m->weights_hash);
		svm_sha256(code.data, code.len, &m->code_hash);
	}
	for (size_t off = 0; rc == 0 && off < w.len; off += SVM_AI_CHUNK_MAX) {
		size_t n = w.len - off < SVM_AI_CHUNK_MAX ? w.len - off : SVM_AI_CHUNK_MAX;
		svm_ai_chunk_id(w.data + off, n, &m->chunks[m->chunks_len++]);
		if (svm_ai_put_chunk_payload(&p, w.data + off, n)) rc = CLI_EXIT_FAIL;
		if (rc == 0) rc = step(a, c, &kp, &p, "put_chunk", NULL);
	}
	if (rc == 0 && svm_ai_put_code_payload(&p, code.data, code.len)) rc = CLI_EXIT_FAIL;
	if (rc == 0) rc = step(a, c, &kp, &p, "put_code", NULL);
	uint8_t id[32];
	if (rc == 0 && svm_ai_register_payload(&p, m)) rc = CLI_EXIT_FAIL;
	if (rc == 0) rc = step(a, c, &kp, &p, "register", id);
	if (rc == 0) print_id(a, "model", id);
	svm_buf_free(&w);
	svm_buf_free(&code);
	svm_rpc_client_free(c);
	svm_keypair_wipe(&kp);
	svm_free(m);
	return rc;
}

static int show(cli_args_t *a, const char *method, json_t *params)
{
	svm_rpc_client_t *c = NULL;
	json_t *r = NULL;
	int rc = cli_client(a, &c);
	if (rc == 0) rc = cli_call(a, c, method, params, &r);
	else json_decref(params);
	if (rc == 0) cli_print_json(r);
	json_decref(r);
	svm_rpc_client_free(c);
	return rc;
}

int cli_cmd_model_show(cli_args_t *a) { return show(a, "svm_aiGetModel", json_pack("[s]", a->pos[0])); }
int cli_cmd_provider_show(cli_args_t *a)
{
	return show(a, "svm_aiGetProvider", json_pack("[s]", a->pos[0]));
}
int cli_cmd_job_status(cli_args_t *a) { return show(a, "svm_aiGetJob", json_pack("[s]", a->pos[0])); }

int cli_cmd_provider_register(cli_args_t *a)
{
	svm_keypair_t kp;
	uint64_t bond;
	const char *v = cli_opt(a, "bond");
	if (load_key(a, "from", &kp)) return CLI_EXIT_USAGE;
	if (v == NULL || cli_u64(a, "--bond", v, &bond) || bond == 0)
		return cli_fail(a, CLI_EXIT_USAGE, "--bond N (SWR base units, > 0) is required");
	svm_rpc_client_t *c = NULL;
	svm_buf_t p = {0};
	int rc = cli_client(a, &c);
	if (rc == 0 && svm_ai_provider_register_payload(&p, bond)) rc = CLI_EXIT_FAIL;
	if (rc == 0) rc = step(a, c, &kp, &p, "provider register", NULL);
	if (rc == 0) print_id(a, "provider", kp.id.b);
	svm_rpc_client_free(c);
	svm_keypair_wipe(&kp);
	return rc;
}

/* `provider unbond --amount N` and `provider withdraw`. */
static int provider_tx(cli_args_t *a, uint64_t method)
{
	svm_keypair_t kp;
	uint64_t amount = 0;
	const char *v = cli_opt(a, "amount");
	if (load_key(a, "from", &kp)) return CLI_EXIT_USAGE;
	if (method == SVM_JOBS_UNBOND && (v == NULL || cli_u64(a, "--amount", v, &amount) || amount == 0))
		return cli_fail(a, CLI_EXIT_USAGE, "--amount N (SWR base units, > 0) is required");
	svm_rpc_client_t *c = NULL;
	svm_buf_t p = {0};
	int rc = cli_client(a, &c);
	if (rc == 0 && (method == SVM_JOBS_UNBOND ? svm_ai_unbond_payload(&p, amount)
						  : svm_ai_withdraw_payload(&p)))
		rc = CLI_EXIT_FAIL;
	const char *what = method == SVM_JOBS_UNBOND ? "provider unbond" : "provider withdraw";
	if (rc == 0) rc = step(a, c, &kp, &p, what, NULL);
	if (rc == 0 && !a->json) printf("%s: ok\n", what);
	svm_rpc_client_free(c);
	svm_keypair_wipe(&kp);
	return rc;
}

int cli_cmd_provider_unbond(cli_args_t *a) { return provider_tx(a, SVM_JOBS_UNBOND); }
int cli_cmd_provider_withdraw(cli_args_t *a) { return provider_tx(a, SVM_JOBS_WITHDRAW); }

/* ------------------------------------------------------------------- job */

/* --buy-aic MAX: buys exactly `escrow` AIC with at most MAX SWR from the SWR/AIC pool. */
static int buy_aic(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp, uint64_t escrow,
		   uint64_t max_swr)
{
	svm_id_t swr, aic;
	svm_token_id("SWR", &swr);
	svm_token_id("AIC", &aic);
	svm_buf_t p = {0};
	if (svm_amm_payload(&p, SVM_AMM_SWAP_OUT, &swr, &aic, SVM_AI_POOL_FEE_BPS, escrow, max_swr, 0))
		return CLI_EXIT_FAIL;
	return step(a, c, kp, &p, "buy AIC on the SWR/AIC pool", NULL);
}

int cli_cmd_job_post(cli_args_t *a)
{
	svm_keypair_t kp;
	if (load_key(a, "from", &kp)) return CLI_EXIT_USAGE;
	svm_ai_post_t p = {.units = 1, .replicas = 3, .sla_blocks = 10};
	uint64_t k = 3, deadline = 20;
	const char *v, *in = cli_opt(a, "input");
	int rc = 0;
	if (!cli_opt(a, "model") || cli_hash(a, "--model", cli_opt(a, "model"), &p.model) || !in ||
	    !(v = cli_opt(a, "price")) || cli_u64(a, "--price", v, &p.max_price))
		rc = cli_fail(a, CLI_EXIT_USAGE, "--model ID, --input FILE and --price N are required");
	if (rc == 0 && (v = cli_opt(a, "units")) && cli_u64(a, "--units", v, &p.units)) rc = CLI_EXIT_USAGE;
	if (rc == 0 && (v = cli_opt(a, "replicas")) && (cli_u64(a, "--replicas", v, &k) || k > 255))
		rc = CLI_EXIT_USAGE;
	if (rc == 0 && (v = cli_opt(a, "sla-blocks")) && cli_u64(a, "--sla-blocks", v, &p.sla_blocks))
		rc = CLI_EXIT_USAGE;
	if (rc == 0 && (v = cli_opt(a, "deadline-blocks")) && cli_u64(a, "--deadline-blocks", v, &deadline))
		rc = CLI_EXIT_USAGE;
	if (rc == 0 && (v = cli_opt(a, "min-jobs")) && cli_u64(a, "--min-jobs", v, &p.min_jobs_done))
		rc = CLI_EXIT_USAGE;
	svm_verify_level_t level = SVM_VERIFY_STANDARD;
	if (rc == 0 && (v = cli_opt(a, "level")) && svm_verify_level_parse(v, &level))
		rc = cli_fail(a, CLI_EXIT_USAGE, "--level is standard, auditable or high-value");
	p.level = (uint8_t)level;
	/* --buy-aic: the escrow the post will take, units·price scaled by the level, times k */
	uint64_t max_swr = 0, escrow = 0, bond;
	if (rc == 0 && (v = cli_opt(a, "buy-aic")) && cli_u64(a, "--buy-aic", v, &max_swr))
		rc = CLI_EXIT_USAGE;
	if (rc == 0 && max_swr &&
	    (!svm_mul_u64(p.units, p.max_price, &escrow) ||
	     svm_verify_scale(level, escrow, 0, &escrow, &bond) || !svm_mul_u64(escrow, k, &escrow)))
		rc = cli_fail(a, CLI_EXIT_USAGE, "the escrow units·price·replicas overflows a u64");
	svm_buf_t input = {0}, pay = {0};
	if (rc == 0) rc = read_all(a, in, SVM_AI_INPUT_INLINE_MAX, &input);
	svm_rpc_client_t *c = NULL;
	json_t *root = NULL;
	if (rc == 0) rc = cli_client(a, &c);
	if (rc == 0) rc = cli_call(a, c, "svm_getStateRoot", NULL, &root);
	uint8_t id[32];
	if (rc == 0) {
		p.replicas = (uint8_t)k;
		p.input = input.data;
		p.input_len = input.len;
		svm_sha256(input.data, input.len, &p.input_hash);
		p.commit_deadline = cli_ju64(json_object_get(root, "height")) + deadline;
		if (svm_ai_post_payload(&pay, &p)) rc = CLI_EXIT_FAIL;
	}
	if (rc == 0 && max_swr) rc = buy_aic(a, c, &kp, escrow, max_swr);
	if (rc == 0) rc = step(a, c, &kp, &pay, "post", id);
	if (rc == 0) print_id(a, "job", id);
	json_decref(root);
	svm_buf_free(&input);
	svm_rpc_client_free(c);
	svm_keypair_wipe(&kp);
	return rc;
}

static int job_method(cli_args_t *a, uint64_t method, const char *what)
{
	svm_keypair_t kp;
	svm_id_t job;
	if (load_key(a, "from", &kp)) return CLI_EXIT_USAGE;
	if (cli_hash(a, "JOB", a->pos[0], &job)) return CLI_EXIT_USAGE;
	svm_rpc_client_t *c = NULL;
	svm_buf_t p = {0};
	int rc = cli_client(a, &c);
	if (rc == 0 && svm_ai_job_payload(&p, method, &job)) rc = CLI_EXIT_FAIL;
	if (rc == 0) rc = step(a, c, &kp, &p, what, NULL);
	if (rc == 0 && !a->json) printf("%s: ok\n", what);
	svm_rpc_client_free(c);
	svm_keypair_wipe(&kp);
	return rc;
}

int cli_cmd_job_settle(cli_args_t *a) { return job_method(a, SVM_JOBS_SETTLE, "settle"); }
int cli_cmd_job_claim(cli_args_t *a) { return job_method(a, SVM_JOBS_CLAIM, "claim"); }

/* ---------------------------------------------------------------- worker */

#define WORKER_JOBS_MAX 4096
#define WORKER_MODELS_MAX 8

typedef struct {
	svm_id_t id;
	uint8_t *weights, *code;
	size_t weights_len, code_len;
	svm_hash_t weights_hash, code_hash;
} wmodel_t;

typedef struct {
	cli_args_t *a;
	svm_rpc_client_t *c;
	svm_keypair_t kp;
	bool lie;
	uint64_t trace_k; /* steps between the checkpoints of an auditable job's trace */
	const char *models_dir;
	wmodel_t models[WORKER_MODELS_MAX];
	size_t models_len;
	svm_id_t jobs[WORKER_JOBS_MAX];
	bool done[WORKER_JOBS_MAX];
	size_t jobs_len;
	uint64_t cursor;
	uint64_t reveal_window, challenge_window; /* governed: read from svm_getParams each poll */
	cli_tee_test_t *tee; /* --tee-test-key: SNP evidence under a test key (tests only) */
} worker_t;

static volatile sig_atomic_t worker_stop;
static void on_signal(int sig) { (void)sig; worker_stop = 1; }

static void wlog(worker_t *w, const char *what, const svm_id_t *job, int st)
{
	char me[65], hex[65];
	printf("worker %.12s: %s %.16s%s%s\n", svm_hash_hex(&w->kp.id, me), what,
	       job ? svm_hash_hex(job, hex) : "", st ? " -> " : "", st ? svm_strerror(-st) : "");
	fflush(stdout);
}

/* An object's payload from the node, hex-decoded into out. */
static int fetch_object(worker_t *w, const svm_id_t *id, svm_buf_t *out)
{
	char hex[65];
	json_t *r = NULL;
	svm_error_t err = {0};
	int rc = svm_rpc_call(w->c, "svm_aiGetObject", json_pack("[s]", svm_hash_hex(id, hex)), &r, NULL, &err);
	const char *p = rc ? NULL : json_string_value(json_object_get(r, "payload"));
	if (rc == 0 && (p == NULL || strncmp(p, "0x", 2) ||
			svm_hex_decode_buf(out, p + 2, SVM_OBJECT_PAYLOAD_MAX)))
		rc = SVM_EDECODE;
	json_decref(r);
	return rc;
}

static wmodel_t *model_get(worker_t *w, const svm_id_t *id)
{
	for (size_t i = 0; i < w->models_len; i++)
		if (svm_hash_eq(&w->models[i].id, id)) return &w->models[i];
	if (w->models_len == WORKER_MODELS_MAX) return NULL;
	svm_buf_t man = {0}, weights = {0}, code = {0};
	svm_ai_manifest_t *m = svm_calloc(1, sizeof *m);
	wmodel_t *wm = &w->models[w->models_len];
	int rc = m ? fetch_object(w, id, &man) : SVM_ENOMEM;
	if (rc == 0) rc = svm_ai_manifest_decode(man.data, man.len, true, m);
	char path[1024], hex[65];
	FILE *f = NULL;
	if (rc == 0 && w->models_dir) {
		snprintf(path, sizeof path, "%s/%s.svq8", w->models_dir, svm_hash_hex(&m->weights_hash, hex));
		f = fopen(path, "rb");
	}
	if (rc == 0 && f) { /* a local copy, checked against the manifest below */
		char chunk[8192];
		size_t n;
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && rc == 0) rc = svm_buf_append(&weights, chunk, n);
		fclose(f);
	} else {
		for (uint32_t i = 0; rc == 0 && i < m->chunks_len; i++) {
			svm_buf_t ch = {0};
			rc = fetch_object(w, &m->chunks[i], &ch);
			if (rc == 0) rc = svm_buf_append(&weights, ch.data, ch.len);
			svm_buf_free(&ch);
		}
	}
	svm_id_t code_id;
	if (rc == 0) {
		svm_ai_code_id(&m->code_hash, &code_id);
		rc = fetch_object(w, &code_id, &code);
	}
	svm_hash_t h1, h2;
	if (rc == 0) {
		svm_sha256(weights.data, weights.len, &h1);
		svm_sha256(code.data, code.len, &h2);
		if (!svm_hash_eq(&h1, &m->weights_hash) || !svm_hash_eq(&h2, &m->code_hash)) rc = SVM_EPROOF;
	}
	if (rc == 0 && w->models_dir && (f = fopen(path, "wb"))) {
		fwrite(weights.data, 1, weights.len, f);
		fclose(f);
	}
	svm_free(m);
	svm_buf_free(&man);
	if (rc) {
		svm_buf_free(&weights);
		svm_buf_free(&code);
		wlog(w, "cannot load model of job", NULL, rc);
		return NULL;
	}
	wm->id = *id;
	wm->weights = weights.data;
	wm->weights_len = weights.len;
	wm->code = code.data;
	wm->code_len = code.len;
	wm->weights_hash = h1;
	wm->code_hash = h2;
	w->models_len++;
	return wm;
}

/* The job's input (inline, or its chunk) into out. */
static int job_input(worker_t *w, const svm_ai_job_t *j, svm_buf_t *out)
{
	if (j->input_mode == 0) return svm_buf_append(out, j->input, j->input_len);
	return fetch_object(w, &j->input_chunk, out);
}

/* An auditable job's run in the canonical stepper with the job's model and input. The liar
 * corrupts the first step past three quarters of the run whose corruption still finishes with
 * another answer: its trace is then consistent with its wrong output, and only a bisection down
 * to that step shows the lie. */
static int job_party(worker_t *w, const svm_ai_job_t *j, wmodel_t *m, cli_party_t *p)
{
	svm_buf_t honest = {0};
	int rc = job_input(w, j, &p->input);
	if (rc == 0) rc = svm_buf_append(&p->code, m->code, m->code_len);
	if (rc == 0) rc = svm_buf_append(&p->weights, m->weights, m->weights_len);
	if (rc == 0) rc = cli_party_decode(w->a, p, "the inference module");
	if (rc) return rc;
	cli_party_as_job(p);
	if (!w->lie) return 0;
	svm_step_t *s = NULL;
	rc = cli_party_machine(w->a, p, &s);
	if (rc == 0 && cli_party_run_to(p, s, UINT64_MAX)) rc = SVM_EUNSUPPORTED;
	const uint8_t *o;
	size_t n;
	if (rc == 0 && svm_step_output(s, &o, &n)) rc = SVM_ESTATE;
	if (rc == 0) rc = svm_buf_append(&honest, o, n);
	uint64_t steps = s ? svm_step_count(s) : 0;
	svm_step_free(s);
	if (rc == 0) p->corrupt_at = cli_party_lying_step(w->a, p, steps / 4 * 3, &honest);
	if (rc == 0 && p->corrupt_at == 0) rc = SVM_ENOTFOUND;
	svm_buf_free(&honest);
	return rc;
}

/* Runs the job: a standard one in the VM (the liar flips the last output byte), an auditable
 * or high-value one in the stepper (the liar corrupts one step, job_party). */
static int infer(worker_t *w, const svm_ai_job_t *j, wmodel_t *m, uint8_t *out, size_t *out_len)
{
	svm_buf_t in = {0};
	uint64_t gas;
	int rc = 0;
	if (j->level >= SVM_VERIFY_AUDITABLE) {
		cli_party_t p = {0};
		svm_buf_t o = {0};
		rc = job_party(w, j, m, &p);
		if (rc == 0) rc = cli_party_final(w->a, &p, &o, NULL);
		if (rc == 0 && o.len > SVM_AI_OUTPUT_MAX) rc = SVM_ELIMIT;
		if (rc == 0) {
			memcpy(out, o.data, o.len);
			*out_len = o.len;
		}
		svm_buf_free(&o);
		cli_party_free(&p);
		return rc;
	}
	rc = job_input(w, j, &in);
	if (rc == 0)
		rc = svm_ai_run(m->code, m->code_len, "infer", m->weights, m->weights_len, in.data,
				in.len, SVM_AI_WORKER_GAS_MAX, out, out_len, &gas, NULL);
	svm_buf_free(&in);
	if (rc == 0 && w->lie && *out_len) out[*out_len - 1] ^= 1;
	return rc;
}

/* The salt of (this key, job): the same after a restart, so the commitment is too. */
static void salt_of(worker_t *w, const svm_id_t *job, uint8_t salt[32])
{
	svm_slice_t parts[2] = {{w->kp.secret_key, 32}, {job->b, 32}};
	svm_sha256_tagged("svm/ai/salt", parts, 2, (svm_hash_t *)salt);
}

static int wsend(worker_t *w, svm_buf_t *p, const char *what, const svm_id_t *job)
{
	int st = -1;
	int rc = ai_send(w->a, w->c, &w->kp, p, &st, NULL);
	svm_buf_free(p);
	wlog(w, what, job, rc ? rc : st);
	return rc;
}

/* A high-value receipt's evidence: an SNP report whose REPORT_DATA is the job's binding hash
 * (over its output among the rest), signed by the --tee-test-key's VCEK key. */
static int tee_evidence(worker_t *w, const svm_ai_vcr_t *v, svm_buf_t *out)
{
	svm_vcr_binding_t b = {.job_id = v->job, .input_hash = v->input_hash,
			       .model_hash = v->weights_hash, .code_hash = v->code_hash,
			       .seed = v->seed, .output_hash = v->output_hash};
	uint8_t rd[64] = {0};
	svm_vcr_binding_hash(&b, (svm_hash_t *)rd);
	int rc = cli_tee_test_evidence(w->tee, rd, out);
	wlog(w, "TEE evidence signed by the test key", &v->job, rc);
	return rc;
}

static int reveal_job(worker_t *w, const svm_id_t *id, const svm_ai_job_t *j, wmodel_t *m)
{
	uint8_t out[SVM_AI_OUTPUT_MAX], salt[32], sig[64];
	size_t out_len;
	int rc = infer(w, j, m, out, &out_len);
	if (rc) return rc;
	salt_of(w, id, salt);
	svm_ai_vcr_t v = {.job = *id, .provider = w->kp.id, .model = j->model,
			  .input_hash = j->input_hash, .weights_hash = m->weights_hash,
			  .code_hash = m->code_hash, .seed = svm_get_u64be(id->b)};
	if (j->level >= SVM_VERIFY_AUDITABLE) { /* the trace commitment the receipt carries */
		cli_party_t p = {0};
		svm_trace_t t = {0};
		rc = job_party(w, j, m, &p);
		if (rc == 0) rc = cli_party_trace(w->a, &p, w->trace_k, &t);
		if (rc == 0) {
			v.level = j->level;
			v.trace = (svm_ai_trace_t){.present = true, .root = t.root, .k = t.k, .steps = t.steps,
						   .final_state = t.hashes[t.n - 1]};
			char line[96];
			snprintf(line, sizeof line, "traced (%llu steps, K %llu, lie at step %llu)",
				 (unsigned long long)t.steps, (unsigned long long)t.k, (unsigned long long)p.corrupt_at);
			wlog(w, line, id, 0);
		}
		svm_free(t.hashes);
		cli_party_free(&p);
		if (rc) return rc;
	}
	svm_sha256(out, out_len, &v.output_hash);
	svm_buf_t msg = {0}, p = {0}, tee = {0};
	if (j->level == SVM_VERIFY_HIGH_VALUE) rc = tee_evidence(w, &v, &tee);
	v.tee = tee.data;
	v.tee_len = tee.len;
	if (rc == 0) rc = svm_buf_append(&msg, "svm/ai/vcr", 10);
	if (rc == 0) rc = svm_ai_vcr_encode(&v, true, &msg);
	if (rc == 0) svm_ed25519_sign(sig, msg.data, msg.len, w->kp.secret_key);
	svm_buf_free(&msg);
	if (rc == 0)
		rc = svm_ai_reveal_payload(&p, id, out, out_len, salt, v.level, tee.data, tee.len,
					   v.trace.present ? &v.trace : NULL, sig);
	svm_buf_free(&tee);
	return rc ? rc : wsend(w, &p, "revealed", id);
}

/* This worker's side of challenger's bisection dispute over its trace of job id: at most one
 * move (open the trace, reveal, prove the step) or the timeout of a late challenger; *moved
 * says whether it sent one. */
static int defend(worker_t *w, const svm_id_t *id, const svm_ai_job_t *j, wmodel_t *m,
		  const svm_id_t *challenger, bool *moved)
{
	cli_party_t p = {0};
	svm_dispute_t *d = svm_malloc(sizeof *d);
	svm_id_t claim;
	svm_dispute_job_claim_id(id, &w->kp.id, challenger, &claim);
	uint64_t head = 0;
	int did = CLI_MOVE_NONE;
	int rc = d ? cli_dispute_fetch(w->a, w->c, &claim, d, &head) : SVM_ENOMEM;
	if (rc == 0 && (d->state == SVM_DISPUTE_AWAIT_OPEN || d->state == SVM_DISPUTE_DISPUTED))
		rc = job_party(w, j, m, &p);
	if (rc == 0) rc = cli_dispute_move(w->a, w->c, &w->kp, &p, &claim, d, head, &did);
	*moved = did != CLI_MOVE_NONE;
	if (did != CLI_MOVE_NONE) {
		char line[96];
		snprintf(line, sizeof line, "%s (dispute round %u)",
			 did == CLI_MOVE_TIMEOUT ? "dispute timeout sent" : "dispute move", d->game.rounds);
		wlog(w, line, id, rc > 0 ? SVM_EIO : rc);
	}
	cli_party_free(&p);
	svm_free(d);
	return rc;
}

/* One look at one job: at most one transaction, chosen from its on-chain state. */
static int serve(worker_t *w, size_t idx, svm_ai_job_t *j, uint64_t height)
{
	const svm_id_t *id = &w->jobs[idx];
	svm_buf_t raw = {0}, p = {0};
	int rc = fetch_object(w, id, &raw);
	if (rc == 0) rc = svm_ai_job_decode(raw.data, raw.len, j);
	svm_buf_free(&raw);
	if (rc) return rc;
	int k = -1;
	for (int i = 0; i < j->slots_len; i++)
		if (svm_hash_eq(&j->slots[i].provider, &w->kp.id)) k = i;
	if (j->state == SVM_AI_JOB_CLOSED || (k < 0 && (j->state != SVM_AI_JOB_OPEN ||
							height > j->commit_deadline))) {
		w->done[idx] = true;
		return 0;
	}
	/* a standard job runs in the VM, an auditable one in the stepper with its trace committed; a
	 * high-value one needs TEE evidence bound to the job's output too, which only a worker
	 * running inside an SEV-SNP or TDX guest could produce — or one given a test key: refused
	 * otherwise, said once, never accepted */
	if (j->level > SVM_VERIFY_AUDITABLE && w->tee == NULL) {
		if (k < 0)
			wlog(w, "not served: a high-value job needs TEE evidence binding its output (an SEV-SNP"
				" report or TDX quote) and this worker runs outside an enclave:", id, SVM_EUNSUPPORTED);
		w->done[idx] = true;
		return 0;
	}
	wmodel_t *m = model_get(w, &j->model);
	if (m == NULL) {
		w->done[idx] = true; /* a model this worker cannot serve */
		return 0;
	}
	bool all_committed = j->slots_len == j->replicas, all_revealed = all_committed;
	for (int i = 0; i < j->slots_len; i++) {
		all_committed &= j->slots[i].state >= SVM_AI_SLOT_COMMITTED;
		all_revealed &= j->slots[i].state == SVM_AI_SLOT_REVEALED;
	}
	uint64_t reveal_end = j->commit_deadline + w->reveal_window;
	if (j->state == SVM_AI_JOB_OPEN) {
		if (k < 0) {
			if (j->slots_len >= j->replicas) return 0;
			if (svm_ai_job_payload(&p, SVM_JOBS_ACCEPT, id)) return SVM_ENOMEM;
			return wsend(w, &p, "accepted", id);
		}
		const svm_ai_slot_t *s = &j->slots[k];
		if (s->state == SVM_AI_SLOT_ACCEPTED && height <= j->commit_deadline) {
			uint8_t out[SVM_AI_OUTPUT_MAX], salt[32];
			size_t out_len;
			rc = infer(w, j, m, out, &out_len);
			if (rc) return rc;
			salt_of(w, id, salt);
			svm_hash_t cm;
			svm_ai_commitment(id, &w->kp.id, out, out_len, salt, &cm);
			if (svm_ai_commit_payload(&p, id, &cm)) return SVM_ENOMEM;
			return wsend(w, &p, "committed", id);
		}
		if (s->state == SVM_AI_SLOT_COMMITTED && (all_committed || height > j->commit_deadline) &&
		    height <= reveal_end)
			return reveal_job(w, id, j, m);
		if (all_revealed || height > reveal_end) {
			if (svm_ai_job_payload(&p, SVM_JOBS_SETTLE, id)) return SVM_ENOMEM;
			return wsend(w, &p, "settled", id);
		}
		return 0;
	}
	/* settled: defend this worker's trace in every open dispute of it, the first that needs a
	 * move (one transaction per look) */
	bool mine = false, moved = false;
	for (uint32_t i = 0; k >= 0 && i < j->disputes_len && !moved; i++) {
		if (j->disputes[i].slot != (uint32_t)k) continue;
		mine = true;
		rc = defend(w, id, j, m, &j->disputes[i].challenger, &moved);
		if (rc) return rc;
	}
	if (mine || j->disputes_len) return 0; /* claim waits for every dispute */
	/* claim once the level's challenge window has passed (anyone may; the first slot first) */
	svm_verify_rules_t lr, sr;
	uint64_t mult = svm_verify_rules((svm_verify_level_t)j->level, &lr) == 0 &&
				svm_verify_rules(SVM_VERIFY_STANDARD, &sr) == 0
			? lr.challenge_blocks / sr.challenge_blocks
			: 1;
	uint64_t open_until = j->settle_height + w->challenge_window * mult + j->paused_blocks + (uint64_t)k;
	if (svm_ai_job_claim_early(j) || height > open_until) {
		if (svm_ai_job_payload(&p, SVM_JOBS_CLAIM, id)) return SVM_ENOMEM;
		return wsend(w, &p, "claimed", id);
	}
	return 0;
}

static int poll_new_jobs(worker_t *w, uint64_t *head)
{
	json_t *r = NULL;
	svm_error_t err = {0};
	int rc = svm_rpc_call(w->c, "svm_getParams", json_pack("[]"), &r, NULL, &err);
	if (rc) return rc;
	json_t *prm = json_object_get(r, "params");
	w->reveal_window = cli_ju64(json_object_get(prm, "ai_reveal_window_blocks"));
	w->challenge_window = cli_ju64(json_object_get(prm, "ai_challenge_window_blocks"));
	json_decref(r);
	r = NULL;
	rc = svm_rpc_call(w->c, "svm_aiJobsSince", json_pack("[I]", (json_int_t)w->cursor), &r, NULL, &err);
	if (rc) return rc;
	json_t *jobs = json_object_get(r, "jobs"), *v;
	size_t i;
	json_array_foreach(jobs, i, v)
	{
		svm_id_t id;
		if (w->jobs_len < WORKER_JOBS_MAX && svm_hash_from_hex(&id, json_string_value(v)) == 0) {
			w->jobs[w->jobs_len] = id;
			w->done[w->jobs_len++] = false;
			wlog(w, "saw job", &id, 0);
		}
	}
	w->cursor = cli_ju64(json_object_get(r, "next"));
	*head = cli_ju64(json_object_get(r, "head"));
	json_decref(r);
	return 0;
}

int cli_cmd_worker(cli_args_t *a)
{
	worker_t *w = svm_calloc(1, sizeof *w);
	svm_ai_job_t *j = svm_malloc(sizeof *j);
	if (w == NULL || j == NULL) return CLI_EXIT_FAIL;
	w->a = a;
	w->lie = cli_flag(a, "lie");
	w->models_dir = cli_opt(a, "models");
	w->cursor = 1;
	w->trace_k = 4096;
	uint64_t poll_ms = 100;
	const char *v;
	int rc = load_key(a, "key", &w->kp);
	if (rc == 0 && (v = cli_opt(a, "poll-ms")) && cli_u64(a, "--poll-ms", v, &poll_ms)) rc = CLI_EXIT_USAGE;
	if (rc == 0 && (v = cli_opt(a, "from-height")) && cli_u64(a, "--from-height", v, &w->cursor))
		rc = CLI_EXIT_USAGE;
	if (rc == 0 && (v = cli_opt(a, "trace-k")) && (cli_u64(a, "--trace-k", v, &w->trace_k) || w->trace_k == 0))
		rc = cli_fail(a, CLI_EXIT_USAGE, "--trace-k must be ≥ 1");
	if (rc == 0 && (v = cli_opt(a, "tee-test-key"))) rc = cli_tee_test_load(a, v, &w->tee);
	if (rc == 0) rc = cli_client(a, &w->c);
	if (rc == 0) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		wlog(w, w->lie ? "started (lying)" : "started", NULL, 0);
		if (w->tee)
			wlog(w, "serving high-value jobs with SNP evidence under a TEST key (--tee-test-key): "
				"accepted only by a chain that pins the test root", NULL, 0);
	}
	while (rc == 0 && !worker_stop) {
		uint64_t head = 0;
		if (poll_new_jobs(w, &head) == 0)
			for (size_t i = 0; i < w->jobs_len && !worker_stop; i++)
				if (!w->done[i]) serve(w, i, j, head);
		sleep_ms((unsigned)poll_ms);
	}
	if (rc == 0) wlog(w, "stopped", NULL, 0);
	for (size_t i = 0; i < w->models_len; i++) {
		svm_free(w->models[i].weights); /* svm_buf memory */
		svm_free(w->models[i].code);
	}
	svm_rpc_client_free(w->c);
	svm_keypair_wipe(&w->kp);
	cli_tee_test_free(w->tee);
	svm_free(j);
	svm_free(w);
	return rc;
}

/* `job challenge ID`: re-executes the job here with the runner the chain uses and sends the
 * challenge only when the output differs from the settled result (or with --force); then
 * reports the chain's own verdict. */
int cli_cmd_job_challenge(cli_args_t *a)
{
	worker_t *w = svm_calloc(1, sizeof *w);
	svm_ai_job_t *j = svm_malloc(sizeof *j);
	svm_id_t job;
	int rc = w && j ? 0 : CLI_EXIT_FAIL;
	if (rc == 0) {
		w->a = a;
		rc = load_key(a, "from", &w->kp) ? CLI_EXIT_USAGE : 0;
	}
	if (rc == 0 && cli_hash(a, "JOB", a->pos[0], &job)) rc = CLI_EXIT_USAGE;
	if (rc == 0) rc = cli_client(a, &w->c);
	svm_buf_t raw = {0}, p = {0};
	if (rc == 0 && (fetch_object(w, &job, &raw) || svm_ai_job_decode(raw.data, raw.len, j)))
		rc = cli_fail(a, CLI_EXIT_FAIL, "no job %s", a->pos[0]);
	svm_hash_t zero = {{0}}, mine;
	if (rc == 0 && (j->state != SVM_AI_JOB_PENDING || j->challenge != SVM_AI_CHALLENGE_NONE ||
			svm_hash_eq(&j->result_hash, &zero)))
		rc = cli_fail(a, CLI_EXIT_FAIL, "job %s is not settled with an unchallenged result", a->pos[0]);
	wmodel_t *m = NULL;
	if (rc == 0 && (m = model_get(w, &j->model)) == NULL)
		rc = cli_fail(a, CLI_EXIT_FAIL, "cannot load the job's model and inference module");
	uint8_t out[SVM_AI_OUTPUT_MAX];
	size_t out_len = 0;
	int irc = rc == 0 ? infer(w, j, m, out, &out_len) : 0;
	if (irc) rc = cli_fail(a, CLI_EXIT_FAIL, "local re-execution failed: %s", svm_strerror(irc));
	bool agrees = false;
	if (rc == 0) {
		svm_sha256(out, out_len, &mine);
		agrees = svm_hash_eq(&mine, &j->result_hash);
		if (!a->json)
			printf("re-executed here: the output %s the settled result\n",
			       agrees ? "matches" : "differs from");
	}
	if (rc == 0 && agrees && !cli_flag(a, "force"))
		rc = cli_fail(a, CLI_EXIT_FAIL, "the result is right: a challenge would lose its bond; not "
						"sent (--force sends it anyway)");
	if (rc == 0 && svm_ai_job_payload(&p, SVM_JOBS_CHALLENGE, &job)) rc = CLI_EXIT_FAIL;
	if (rc == 0) rc = step(a, w->c, &w->kp, &p, "challenge", NULL);
	raw.len = 0;
	if (rc == 0 && (fetch_object(w, &job, &raw) || svm_ai_job_decode(raw.data, raw.len, j)))
		rc = cli_fail(a, CLI_EXIT_FAIL, "cannot read job %s back", a->pos[0]);
	if (rc == 0) {
		bool won = j->challenge == SVM_AI_CHALLENGE_WON;
		if (a->json)
			printf("{\"challenge\":\"%s\",\"local\":\"%s\"}\n", won ? "won" : "lost",
			       agrees ? "matches" : "differs");
		else
			printf("challenge %s\n", won ? "won: the chain's re-execution overturned the result"
						     : "lost: the result stands, the bond is burned");
	}
	svm_buf_free(&raw);
	for (size_t i = 0; w && i < w->models_len; i++) {
		svm_free(w->models[i].weights);
		svm_free(w->models[i].code);
	}
	if (w) {
		svm_rpc_client_free(w->c);
		svm_keypair_wipe(&w->kp);
	}
	svm_free(j);
	svm_free(w);
	return rc;
}

/* `job dispute ID`: runs the job here in the canonical stepper with its model and input from the
 * chain and, when a provider revealed another output (or with --force), opens a bisection
 * dispute over that provider's trace (job_escrow's dispute: the level's challenge bond); prints
 * the claim id, which `dispute play CLAIM` then plays. */
int cli_cmd_job_dispute(cli_args_t *a)
{
	worker_t *w = svm_calloc(1, sizeof *w);
	svm_ai_job_t *j = svm_malloc(sizeof *j);
	cli_party_t p = {0};
	svm_id_t job, prov;
	const char *ps = cli_opt(a, "provider");
	int rc = w && j ? 0 : CLI_EXIT_FAIL;
	if (rc == 0) {
		w->a = a;
		rc = load_key(a, "from", &w->kp) ? CLI_EXIT_USAGE : 0;
	}
	if (rc == 0 && (cli_hash(a, "JOB", a->pos[0], &job) || (ps && cli_hash(a, "--provider", ps, &prov))))
		rc = CLI_EXIT_USAGE;
	if (rc == 0) rc = cli_client(a, &w->c);
	svm_buf_t raw = {0}, out = {0}, pl = {0};
	if (rc == 0 && (fetch_object(w, &job, &raw) || svm_ai_job_decode(raw.data, raw.len, j)))
		rc = cli_fail(a, CLI_EXIT_FAIL, "no job %s", a->pos[0]);
	if (rc == 0 && j->level < SVM_VERIFY_AUDITABLE)
		rc = cli_fail(a, CLI_EXIT_FAIL, "job %s is standard: it has no trace to bisect (job challenge "
						"re-executes it)", a->pos[0]);
	if (rc == 0 && (j->state != SVM_AI_JOB_PENDING || j->challenge != SVM_AI_CHALLENGE_NONE))
		rc = cli_fail(a, CLI_EXIT_FAIL, "job %s is not settled, or closed, or was re-executed", a->pos[0]);
	if (rc == 0) rc = cli_party_from_job(a, w->c, j, &p);
	if (rc == 0) rc = cli_party_final(a, &p, &out, NULL);
	svm_hash_t mine;
	svm_sha256(out.data, out.len, &mine);
	int k = -1;
	for (int i = 0; rc == 0 && i < j->slots_len && k < 0; i++) {
		const svm_ai_slot_t *s = &j->slots[i];
		bool pick = ps ? svm_hash_eq(&s->provider, &prov)
			       : !svm_hash_eq(&s->output_hash, &mine) && !s->proven_wrong &&
					 svm_ai_job_dispute_find(j, (uint32_t)i, &w->kp.id) < 0;
		if (s->state == SVM_AI_SLOT_REVEALED && pick) k = i;
	}
	if (rc == 0 && k < 0 && ps) rc = cli_fail(a, CLI_EXIT_FAIL, "%s revealed no result for this job", ps);
	if (rc == 0 && k < 0) {
		for (int i = 0; i < j->slots_len && k < 0; i++)
			if (j->slots[i].state == SVM_AI_SLOT_REVEALED) k = i;
		if (k < 0) rc = cli_fail(a, CLI_EXIT_FAIL, "no provider revealed a result");
	}
	bool agrees = rc == 0 && svm_hash_eq(&j->slots[k].output_hash, &mine);
	if (rc == 0 && !a->json)
		printf("run here in the stepper: the output %s the provider's\n", agrees ? "matches" : "differs from");
	if (rc == 0 && agrees && !cli_flag(a, "force"))
		rc = cli_fail(a, CLI_EXIT_FAIL, "the provider's output is right: a dispute would lose its bond; "
						"not sent (--force sends it anyway)");
	uint8_t claim[32];
	if (rc == 0 && svm_ai_dispute_payload(&pl, &job, &j->slots[k].provider, &j->model, &j->input_hash))
		rc = CLI_EXIT_FAIL;
	if (rc == 0) rc = cli_party_tx(a, w->c, &w->kp, &pl, "dispute", claim);
	if (rc == 0) {
		char hex[65], ph[65];
		svm_hex_encode(hex, claim, 32);
		svm_hash_hex(&j->slots[k].provider, ph);
		if (a->json)
			printf("{\"claim\":\"%s\",\"provider\":\"%s\",\"local\":\"%s\"}\n", hex, ph,
			       agrees ? "matches" : "differs");
		else
			printf("%s\n", hex);
	}
	svm_buf_free(&pl);
	svm_buf_free(&raw);
	svm_buf_free(&out);
	cli_party_free(&p);
	if (w) {
		svm_rpc_client_free(w->c);
		svm_keypair_wipe(&w->kp);
	}
	svm_free(j);
	svm_free(w);
	return rc;
}

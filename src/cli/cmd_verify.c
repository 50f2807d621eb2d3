/* Disputes by bisection and attestation collateral from the command line (docs/bisection.md,
 * docs/verification.md): `supervm dispute claim|challenge|play|timeout|show` and
 * `supervm attest collateral show|updater|put-snp|put-tdx`.
 *
 * A party plays from its own copy of the module: `dispute claim` runs it in the canonical
 * stepper, commits to its checkpoints every K steps and bonds SWR; `dispute play` reads the game
 * from the chain (svm_getDispute) and makes this key's moves — the claimant reveals the state
 * hashes at the planned steps (with inclusion proofs under its root while they are
 * checkpoints) and proves the last step, the challenger picks the first point it disagrees
 * with — recomputing every state from the module, so it holds nothing between moves and a
 * restarted player continues where the chain is. A player whose opponent misses a deadline
 * sends the timeout. --corrupt-step N makes this party's machine add 1 to the top of the value
 * stack after step N (for tests: a provider built to cheat). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "supervm/ai.h"
#include "supervm/econ.h"
#include "supervm/verify.h"

#define V_FEE_LIMIT 100000000ull
#define V_EXPIRY_BLOCKS 1000
#define V_WAIT_MS 60000
#define V_MODULE_MAX (4u << 20)      /* bytes of a disputed module read by the CLI */
#define V_CHECKPOINTS_MAX (1u << 22) /* checkpoints one claim's trace may hold here */
#define V_PLAY_MOVES_MAX 512         /* transactions one `dispute play` sends at most */

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int load_key(cli_args_t *a, svm_keypair_t *kp)
{
	const char *path = cli_opt(a, "from");
	svm_error_t err = {0};
	if (path == NULL) return cli_fail(a, CLI_EXIT_USAGE, "--from KEYFILE is required");
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

/* Signs payload (native, dynamic access), submits it and waits for its receipt
 * (cli_send_and_wait). */
static int send_tx(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp,
		   const svm_buf_t *payload, int *status, uint8_t *ret32)
{
	cli_txspec_t spec = {.vm = SVM_VM_NATIVE, .payload = payload->data, .payload_len = payload->len, .fee_limit = V_FEE_LIMIT, .expiry_blocks = V_EXPIRY_BLOCKS, .timeout_ms = V_WAIT_MS};
	return cli_send_and_wait(a, c, kp, &spec, NULL, status, ret32);
}

/* Runs one transaction; 0 only when it succeeded (the payload is consumed). */
static int run_tx(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp, svm_buf_t *p,
		  const char *what, uint8_t *ret32)
{
	int st = -1;
	int rc = send_tx(a, c, kp, p, &st, ret32);
	svm_buf_free(p);
	if (rc) return rc;
	if (st) return cli_fail(a, CLI_EXIT_FAIL, "%s failed: %s", what, svm_strerror(-st));
	return 0;
}

/* ------------------------------------------------------------ the party's machine */

typedef struct {
	svm_buf_t code;
	svm_hash_t code_hash;
	svm_wasm_module_t *m;
	char entry[SVM_DISPUTE_ENTRY_MAX + 1];
	uint64_t args[SVM_DISPUTE_ARGS_MAX];
	uint32_t nargs;
	uint64_t gas;
	uint64_t corrupt_at; /* 0: honest */
} party_t;

static void party_free(party_t *p)
{
	svm_wasm_module_free(p->m);
	svm_buf_free(&p->code);
}

/* Reads --module and decodes it with the AI VM's configuration (what the chain uses). */
static int party_module(cli_args_t *a, party_t *p)
{
	const char *path = cli_opt(a, "module"), *cs = cli_opt(a, "corrupt-step");
	if (path == NULL) return cli_fail(a, CLI_EXIT_USAGE, "--module FILE (the .wasm) is required");
	if (cs && (cli_u64(a, "--corrupt-step", cs, &p->corrupt_at) || p->corrupt_at == 0))
		return cli_fail(a, CLI_EXIT_USAGE, "--corrupt-step must be a step number ≥ 1");
	int rc = read_all(a, path, V_MODULE_MAX, &p->code);
	if (rc) return rc;
	svm_sha256(p->code.data, p->code.len, &p->code_hash);
	svm_wasm_config_t cfg;
	svm_error_t err = {0};
	svm_ai_vm_config(&cfg);
	if (svm_wasm_module_new(&p->m, p->code.data, p->code.len, &cfg, &err))
		return cli_fail(a, CLI_EXIT_FAIL, "%s: %s", path, err.msg);
	return 0;
}

static int machine(cli_args_t *a, const party_t *p, svm_step_t **s)
{
	svm_error_t err = {0};
	if (svm_step_new(s, p->m, p->entry, p->args, p->nargs, p->gas, &err))
		return cli_fail(a, CLI_EXIT_FAIL, "the stepper refuses this run: %s", err.msg);
	return 0;
}

static int step1(const party_t *p, svm_step_t *s)
{
	int rc = svm_step_one(s);
	if (rc == 0 && p->corrupt_at && svm_step_count(s) == p->corrupt_at) svm_step_corrupt(s, 1);
	return rc;
}

/* Runs to step x (or the end); a terminal state stays as it is. */
static int run_to(const party_t *p, svm_step_t *s, uint64_t x)
{
	int rc = 0;
	while (rc == 0 && svm_step_count(s) < x && svm_step_status(s) == SVM_STEP_RUNNING)
		rc = step1(p, s);
	return rc;
}

/* The state hashes at the ascending steps xs[0..n) in one run. */
static int hashes_at(cli_args_t *a, const party_t *p, const uint64_t *xs, uint32_t n, svm_hash_t *out)
{
	svm_step_t *s = NULL;
	int rc = machine(a, p, &s);
	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		if (run_to(p, s, xs[i])) rc = cli_fail(a, CLI_EXIT_FAIL, "stepper failed");
		if (rc == 0) svm_step_hash(s, &out[i]);
	}
	svm_step_free(s);
	return rc;
}

/* The whole trace: checkpoints every k to the end. */
static int trace_of(cli_args_t *a, const party_t *p, uint64_t k, svm_trace_t *t)
{
	svm_step_t *s = NULL;
	int rc = machine(a, p, &s);
	memset(t, 0, sizeof *t);
	t->k = k;
	size_t cap = 0;
	while (rc == 0) {
		if (t->n == cap) {
			cap = cap ? 2 * cap : 64;
			svm_hash_t *nh = cap > V_CHECKPOINTS_MAX ? NULL : svm_realloc(t->hashes, cap * sizeof *nh);
			if (nh == NULL) {
				rc = cli_fail(a, CLI_EXIT_FAIL, "more than %u checkpoints: raise --k",
					      V_CHECKPOINTS_MAX);
				break;
			}
			t->hashes = nh;
		}
		svm_step_hash(s, &t->hashes[t->n++]);
		if (svm_step_status(s) != SVM_STEP_RUNNING) break;
		if (run_to(p, s, svm_step_count(s) + k)) rc = cli_fail(a, CLI_EXIT_FAIL, "stepper failed");
	}
	t->steps = svm_step_count(s);
	if (rc == 0 && t->steps == 0) rc = cli_fail(a, CLI_EXIT_FAIL, "the run has no steps");
	if (rc == 0 && t->steps > SVM_DISPUTE_STEPS_MAX)
		rc = cli_fail(a, CLI_EXIT_FAIL, "the run exceeds %llu steps",
			      (unsigned long long)SVM_DISPUTE_STEPS_MAX);
	if (rc == 0 && svm_merkle_root(t->hashes, t->n, &t->root))
		rc = cli_fail(a, CLI_EXIT_FAIL, "cannot build the trace root");
	svm_step_free(s);
	return rc;
}

/* --args a,b,c (decimal u64s). */
static int parse_args(cli_args_t *a, party_t *p)
{
	const char *s = cli_opt(a, "args");
	p->nargs = 0;
	if (s == NULL || *s == 0) return 0;
	char buf[512];
	if (strlen(s) >= sizeof buf) return cli_fail(a, CLI_EXIT_USAGE, "--args is too long");
	strcpy(buf, s);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (p->nargs == SVM_DISPUTE_ARGS_MAX)
			return cli_fail(a, CLI_EXIT_USAGE, "at most %d --args", SVM_DISPUTE_ARGS_MAX);
		if (cli_u64(a, "--args", t, &p->args[p->nargs++])) return CLI_EXIT_USAGE;
	}
	return 0;
}

/* ------------------------------------------------------------ the dispute from the chain */

static int fetch_dispute(cli_args_t *a, svm_rpc_client_t *c, const svm_id_t *id, svm_dispute_t *d,
			 uint64_t *head)
{
	char hex[65];
	json_t *r = NULL, *st = NULL;
	int rc = cli_call(a, c, "svm_getDispute", json_pack("[s]", svm_hash_hex(id, hex)), &r);
	if (rc == 0 && head) rc = cli_call(a, c, "svm_getStateRoot", NULL, &st);
	if (rc == 0 && head) *head = cli_ju64(json_object_get(st, "height"));
	const char *raw = rc ? NULL : json_string_value(json_object_get(r, "raw"));
	if (rc == 0) {
		size_t n = raw ? strlen(raw) : 0;
		uint8_t *b = n > 2 ? svm_malloc(n / 2) : NULL;
		if (b == NULL || svm_hex_decode(b, (n - 2) / 2, raw + 2) ||
		    svm_dispute_decode(b, (n - 2) / 2, d))
			rc = cli_fail(a, CLI_EXIT_FAIL, "the node returned a malformed dispute");
		svm_free(b);
	}
	json_decref(r);
	json_decref(st);
	return rc;
}

/* ------------------------------------------------------------ commands */

int cli_cmd_dispute_show(cli_args_t *a)
{
	svm_id_t id;
	if (cli_hash(a, "CLAIM", a->pos[0], &id)) return CLI_EXIT_USAGE;
	svm_rpc_client_t *c = NULL;
	int rc = cli_client(a, &c);
	json_t *r = NULL;
	if (rc == 0) rc = cli_call(a, c, "svm_getDispute", json_pack("[s]", a->pos[0]), &r);
	if (rc == 0) {
		json_object_del(r, "raw");
		cli_print_json(r);
	}
	json_decref(r);
	svm_rpc_client_free(c);
	return rc;
}

int cli_cmd_dispute_claim(cli_args_t *a)
{
	svm_keypair_t kp;
	if (load_key(a, &kp)) return CLI_EXIT_USAGE;
	party_t p = {0};
	svm_trace_t t = {0};
	const char *ex = cli_opt(a, "export"), *gs = cli_opt(a, "gas"), *ks = cli_opt(a, "k");
	const char *bs = cli_opt(a, "bond");
	uint64_t k = 4096, bond = SVM_DISPUTE_BOND_MIN;
	p.gas = 1ull << 30;
	int rc = 0;
	if (ex == NULL || strlen(ex) == 0 || strlen(ex) > SVM_DISPUTE_ENTRY_MAX)
		rc = cli_fail(a, CLI_EXIT_USAGE, "--export NAME (1..%d bytes) is required",
			      SVM_DISPUTE_ENTRY_MAX);
	if (rc == 0 && gs && cli_u64(a, "--gas", gs, &p.gas)) rc = CLI_EXIT_USAGE;
	if (rc == 0 && ks && (cli_u64(a, "--k", ks, &k) || k == 0))
		rc = cli_fail(a, CLI_EXIT_USAGE, "--k must be ≥ 1");
	const char *tok = "SWR";
	if (rc == 0 && bs && cli_amount_parse(a, "--bond", bs, &tok, &bond)) rc = CLI_EXIT_USAGE;
	if (rc == 0 && strcmp(tok, "SWR") != 0) rc = cli_fail(a, CLI_EXIT_USAGE, "--bond is in SWR");
	if (rc == 0 && bond < SVM_DISPUTE_BOND_MIN)
		rc = cli_fail(a, CLI_EXIT_USAGE, "--bond must be at least 1 SWR");
	if (rc == 0) rc = parse_args(a, &p);
	if (rc == 0) rc = party_module(a, &p);
	if (rc == 0) {
		strcpy(p.entry, ex);
		rc = trace_of(a, &p, k, &t);
	}
	svm_rpc_client_t *c = NULL;
	if (rc == 0) rc = cli_client(a, &c);
	/* the module must be in the model registry's code store: put it there when it is not */
	svm_id_t code_obj;
	svm_ai_code_id(&p.code_hash, &code_obj);
	char hex[65];
	json_t *obj = NULL;
	svm_buf_t pl = {0};
	if (rc == 0 && svm_rpc_call(c, "svm_aiGetObject", json_pack("[s]", svm_hash_hex(&code_obj, hex)),
				    &obj, NULL, NULL) != 0) {
		if (svm_ai_put_code_payload(&pl, p.code.data, p.code.len))
			rc = cli_fail(a, CLI_EXIT_FAIL, "the module is too large for the code store");
		if (rc == 0) rc = run_tx(a, c, &kp, &pl, "put_code", NULL);
	}
	json_decref(obj);
	svm_dispute_claim_t cl = {.code_hash = p.code_hash, .entry = p.entry, .nargs = p.nargs, .gas = p.gas, .k = k, .bond = bond};
	memcpy(cl.args, p.args, sizeof cl.args);
	uint8_t id[32];
	if (rc == 0) {
		cl.root = t.root;
		cl.steps = t.steps;
		cl.final_state = t.hashes[t.n - 1];
		if (svm_merkle_prove(t.hashes, t.n, 0, &cl.init_proof) ||
		    svm_merkle_prove(t.hashes, t.n, t.n - 1, &cl.final_proof) ||
		    svm_dispute_claim_payload(&pl, &cl))
			rc = cli_fail(a, CLI_EXIT_FAIL, "cannot build the claim");
	}
	if (rc == 0) rc = run_tx(a, c, &kp, &pl, "claim", id);
	if (rc == 0) {
		svm_hex_encode(hex, id, 32);
		if (a->json)
			printf("{\"claim\":\"%s\",\"steps\":%llu,\"k\":%llu,\"checkpoints\":%llu,"
			       "\"root\":\"%s\"}\n",
			       hex, (unsigned long long)t.steps, (unsigned long long)k,
			       (unsigned long long)t.n, svm_hash_hex(&t.root, (char[65]){0}));
		else
			printf("%s\n", hex);
	}
	svm_buf_free(&pl);
	svm_free(t.hashes);
	party_free(&p);
	svm_rpc_client_free(c);
	return rc;
}

/* challenge and timeout: one transaction naming the claim. */
static int simple(cli_args_t *a, uint64_t method, const char *what)
{
	svm_keypair_t kp;
	svm_id_t id;
	if (cli_hash(a, "CLAIM", a->pos[0], &id) || load_key(a, &kp)) return CLI_EXIT_USAGE;
	svm_rpc_client_t *c = NULL;
	svm_buf_t p = {0};
	int rc = cli_client(a, &c);
	if (rc == 0 && svm_dispute_payload(&p, method, &id)) rc = CLI_EXIT_FAIL;
	if (rc == 0) rc = run_tx(a, c, &kp, &p, what, NULL);
	if (rc == 0) {
		if (a->json) printf("{\"claim\":\"%s\",\"%s\":true}\n", a->pos[0], what);
		else printf("%s: done\n", what);
	}
	svm_buf_free(&p);
	svm_rpc_client_free(c);
	return rc;
}

int cli_cmd_dispute_challenge(cli_args_t *a) { return simple(a, SVM_DISPUTE_CHALLENGE, "challenge"); }
int cli_cmd_dispute_timeout(cli_args_t *a) { return simple(a, SVM_DISPUTE_TIMEOUT, "timeout"); }

/* The claimant's reveal: the hashes at the planned steps, with their inclusion proofs while
 * they are checkpoints. */
static int reveal(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp, const party_t *p,
		  const svm_id_t *id, const svm_dispute_t *d)
{
	const svm_bisect_t *g = &d->game;
	svm_hash_t *h = svm_calloc(SVM_BISECT_ARITY_MAX, sizeof *h);
	svm_merkle_proof_t *pr = svm_calloc(SVM_BISECT_ARITY_MAX, sizeof *pr);
	svm_trace_t t = {0};
	bool need = svm_bisect_needs_proofs(g);
	int rc = h && pr ? 0 : cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	if (rc == 0) rc = hashes_at(a, p, g->mid_step, g->nmid, h);
	if (rc == 0 && need) rc = trace_of(a, p, g->k, &t);
	if (rc == 0 && need && (t.steps != g->steps || !svm_hash_eq(&t.root, &g->root)))
		rc = cli_fail(a, CLI_EXIT_FAIL, "this module and --corrupt-step do not give the claimed trace");
	for (uint32_t i = 0; rc == 0 && need && i < g->nmid; i++) {
		uint64_t ci = g->mid_step[i] == t.steps ? t.n - 1 : g->mid_step[i] / g->k;
		if (svm_merkle_prove(t.hashes, t.n, ci, &pr[i]))
			rc = cli_fail(a, CLI_EXIT_FAIL, "cannot prove checkpoint %llu", (unsigned long long)ci);
	}
	svm_buf_t pl = {0};
	if (rc == 0 && svm_dispute_reveal_payload(&pl, id, h, need ? pr : NULL, g->nmid))
		rc = cli_fail(a, CLI_EXIT_FAIL, "cannot build the reveal");
	if (rc == 0) rc = run_tx(a, c, kp, &pl, "reveal", NULL);
	svm_buf_free(&pl);
	svm_free(t.hashes);
	svm_free(h);
	svm_free(pr);
	return rc;
}

/* The challenger's pick: the first revealed point it disagrees with (nmid: only the end). */
static int pick(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp, const party_t *p,
		const svm_id_t *id, const svm_dispute_t *d, uint32_t *j)
{
	const svm_bisect_t *g = &d->game;
	svm_hash_t *mine = svm_calloc(SVM_BISECT_ARITY_MAX, sizeof *mine);
	int rc = mine ? hashes_at(a, p, g->mid_step, g->nmid, mine) : cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	*j = g->nmid;
	for (uint32_t i = 0; rc == 0 && i < g->nmid; i++)
		if (!svm_hash_eq(&mine[i], &g->mid_hash[i])) {
			*j = i;
			break;
		}
	svm_free(mine);
	svm_buf_t pl = {0};
	if (rc == 0 && svm_dispute_pick_payload(&pl, id, *j)) rc = CLI_EXIT_FAIL;
	if (rc == 0) rc = run_tx(a, c, kp, &pl, "pick", NULL);
	svm_buf_free(&pl);
	return rc;
}

/* The claimant proves the one disputed step from its state at lo. */
static int prove(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp, const party_t *p,
		 const svm_id_t *id, const svm_dispute_t *d)
{
	svm_step_t *s = NULL;
	svm_buf_t proof = {0}, pl = {0};
	int rc = machine(a, p, &s);
	if (rc == 0 && run_to(p, s, d->game.lo)) rc = cli_fail(a, CLI_EXIT_FAIL, "stepper failed");
	if (rc == 0 && svm_step_prove(s, &proof)) rc = cli_fail(a, CLI_EXIT_FAIL, "cannot prove the step");
	if (rc == 0 && svm_dispute_prove_payload(&pl, id, proof.data, proof.len))
		rc = cli_fail(a, CLI_EXIT_FAIL, "the one-step proof is too large");
	if (rc == 0) rc = run_tx(a, c, kp, &pl, "prove", NULL);
	svm_buf_free(&pl);
	svm_buf_free(&proof);
	svm_step_free(s);
	return rc;
}

int cli_cmd_dispute_play(cli_args_t *a)
{
	svm_keypair_t kp;
	svm_id_t id;
	if (cli_hash(a, "CLAIM", a->pos[0], &id) || load_key(a, &kp)) return CLI_EXIT_USAGE;
	const char *ps = cli_opt(a, "poll-ms"), *ts = cli_opt(a, "timeout-ms");
	uint64_t poll = 100, tmo = 600000;
	if ((ps && cli_u64(a, "--poll-ms", ps, &poll)) || (ts && cli_u64(a, "--timeout-ms", ts, &tmo)))
		return CLI_EXIT_USAGE;
	bool once = cli_flag(a, "once");
	party_t p = {0};
	svm_dispute_t *d = svm_malloc(sizeof *d);
	svm_rpc_client_t *c = NULL;
	int rc = d ? party_module(a, &p) : cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	if (rc == 0) rc = cli_client(a, &c);
	uint64_t head = 0, t_end = svm_clock_ns() + tmo * 1000000ull;
	if (rc == 0) rc = fetch_dispute(a, c, &id, d, &head);
	bool claimant = rc == 0 && svm_hash_eq(&kp.id, &d->claimant);
	if (rc == 0) {
		if (!svm_hash_eq(&p.code_hash, &d->code_hash))
			rc = cli_fail(a, CLI_EXIT_FAIL, "--module is not the claim's module (its SHA-256 differs)");
		strcpy(p.entry, d->entry);
		p.nargs = d->nargs;
		memcpy(p.args, d->args, sizeof p.args);
		p.gas = d->gas;
	}
	if (rc == 0 && d->state == SVM_DISPUTE_OPEN)
		rc = cli_fail(a, CLI_EXIT_FAIL, "the claim is not challenged (dispute challenge first)");
	if (rc == 0 && d->kind == SVM_DISPUTE_KIND_JOB)
		rc = cli_fail(a, CLI_EXIT_FAIL,
			      "a job's dispute (job_escrow's dispute): its player needs the job's model and "
			      "input, which `dispute play` does not take yet");
	if (rc == 0 && !claimant && !svm_hash_eq(&kp.id, &d->challenger))
		rc = cli_fail(a, CLI_EXIT_FAIL, "this key is neither the claimant nor the challenger");
	unsigned moves = 0, timeouts = 0;
	while (rc == 0 && d->state != SVM_DISPUTE_CLOSED) {
		const svm_bisect_t *g = &d->game;
		bool mine = claimant ? g->phase != SVM_BISECT_CHALLENGER_MOVES
				     : g->phase == SVM_BISECT_CHALLENGER_MOVES;
		if (moves >= V_PLAY_MOVES_MAX) {
			rc = cli_fail(a, CLI_EXIT_FAIL, "more than %d moves", V_PLAY_MOVES_MAX);
			break;
		}
		if (mine) {
			cli_progress(a, "round %u: %s over [%llu, %llu]", g->rounds,
				     claimant ? (g->phase == SVM_BISECT_ONE_STEP ? "prove" : "reveal") : "pick",
				     (unsigned long long)g->lo, (unsigned long long)g->hi);
			uint32_t j = 0;
			if (!claimant) rc = pick(a, c, &kp, &p, &id, d, &j);
			else if (g->phase == SVM_BISECT_ONE_STEP) rc = prove(a, c, &kp, &p, &id, d);
			else rc = reveal(a, c, &kp, &p, &id, d);
			moves++;
			if (once) break;
		} else if (head > g->deadline) {
			svm_buf_t pl = {0};
			if (svm_dispute_payload(&pl, SVM_DISPUTE_TIMEOUT, &id)) rc = CLI_EXIT_FAIL;
			if (rc == 0) rc = run_tx(a, c, &kp, &pl, "timeout", NULL);
			timeouts++;
			if (once) break;
		} else {
			if (once) break; /* not this key's move */
			if (svm_clock_ns() > t_end) {
				rc = cli_fail(a, CLI_EXIT_FAIL, "the game did not end in %llu ms",
					      (unsigned long long)tmo);
				break;
			}
			sleep_ms((unsigned)poll);
		}
		if (rc == 0) rc = fetch_dispute(a, c, &id, d, &head);
	}
	cli_progress_end(a);
	if (rc == 0) {
		const char *st = d->state != SVM_DISPUTE_CLOSED             ? "playing"
				 : d->game.phase == SVM_BISECT_CLAIMANT_WON ? "claimant_won"
									    : "challenger_won";
		bool won = d->state == SVM_DISPUTE_CLOSED &&
			   (d->game.phase == SVM_BISECT_CLAIMANT_WON) == claimant;
		if (a->json)
			printf("{\"claim\":\"%s\",\"role\":\"%s\",\"result\":\"%s\",\"won\":%s,\"moves\":%u,"
			       "\"timeouts\":%u,\"rounds\":%u,\"lo\":%llu,\"hi\":%llu}\n",
			       a->pos[0], claimant ? "claimant" : "challenger", st, won ? "true" : "false",
			       moves, timeouts, d->game.rounds, (unsigned long long)d->game.lo,
			       (unsigned long long)d->game.hi);
		else
			printf("%s (%s, %u moves, %u rounds; decided at step %llu)\n", st,
			       claimant ? "claimant" : "challenger", moves, d->game.rounds,
			       (unsigned long long)d->game.hi);
	}
	svm_free(d);
	party_free(&p);
	svm_rpc_client_free(c);
	return rc;
}

/* ------------------------------------------------------------ attestation collateral */

int cli_cmd_attest_collateral_show(cli_args_t *a)
{
	const char *f = cli_opt(a, "fmspc");
	svm_rpc_client_t *c = NULL;
	json_t *r = NULL;
	int rc = cli_client(a, &c);
	if (rc == 0) rc = cli_call(a, c, "svm_getAttestCollateral", f ? json_pack("[s]", f) : json_array(), &r);
	if (rc == 0) cli_print_json(r);
	json_decref(r);
	svm_rpc_client_free(c);
	return rc;
}

/* The updater epoch the chain holds (0 before any updater). */
static int updater_epoch(cli_args_t *a, svm_rpc_client_t *c, uint64_t *epoch)
{
	json_t *r = NULL;
	int rc = cli_call(a, c, "svm_getAttestCollateral", json_array(), &r);
	json_t *u = rc ? NULL : json_object_get(r, "updater");
	*epoch = u && json_is_object(u) ? cli_ju64(json_object_get(u, "epoch")) : 0;
	json_decref(r);
	return rc;
}

/* A comma-separated list of 64-hex-digit hashes into out (at most SVM_ATTEST_PINS_MAX). */
static int pin_list(cli_args_t *a, const char *opt, svm_hash_t *out, size_t *n)
{
	const char *v = cli_opt(a, opt + 2);
	*n = 0;
	if (v == NULL) return 0;
	char tok[80];
	for (const char *p = v; *p;) {
		size_t len = strcspn(p, ",");
		if (len >= sizeof tok || *n == SVM_ATTEST_PINS_MAX)
			return cli_fail(a, CLI_EXIT_USAGE, "%s: at most %d hashes of 64 hex digits", opt,
					SVM_ATTEST_PINS_MAX);
		memcpy(tok, p, len);
		tok[len] = 0;
		if (cli_hash(a, opt, tok, &out[(*n)++])) return CLI_EXIT_USAGE;
		p += len;
		if (*p == ',') p++;
	}
	return 0;
}

/* A governance proposal (kind attest_pins) whose execution replaces the chain's pinned roots. */
int cli_cmd_attest_propose_pins(cli_args_t *a)
{
	svm_keypair_t kp;
	svm_attest_pins_t pins;
	const char *ds = cli_opt(a, "deposit");
	uint64_t deposit = 0;
	memset(&pins, 0, sizeof pins);
	if (pin_list(a, "--amd-ark", pins.amd_ark, &pins.n_amd_ark) ||
	    pin_list(a, "--intel-root", pins.intel_root, &pins.n_intel_root))
		return CLI_EXIT_USAGE;
	if (pins.n_amd_ark + pins.n_intel_root == 0)
		return cli_fail(a, CLI_EXIT_USAGE, "--amd-ark or --intel-root: at least one pin");
	if (ds == NULL || cli_u64(a, "--deposit", ds, &deposit))
		return cli_fail(a, CLI_EXIT_USAGE, "--deposit N (SWR base units) is required");
	if (load_key(a, &kp)) return CLI_EXIT_USAGE;
	svm_rpc_client_t *c = NULL;
	svm_buf_t body = {0}, p = {0};
	uint8_t prop[32];
	int rc = cli_client(a, &c);
	if (rc == 0 && (svm_attest_pins_encode(&pins, &body) ||
			svm_gov_submit_payload(&p, SVM_PROPOSAL_ATTEST_PINS, deposit, body.data, body.len)))
		rc = CLI_EXIT_FAIL;
	if (rc == 0) rc = run_tx(a, c, &kp, &p, "gov submit", prop);
	if (rc == 0) {
		char hex[65];
		svm_hex_encode(hex, prop, 32);
		if (a->json) printf("{\"proposal\":\"%s\"}\n", hex);
		else printf("%s\n", hex);
	}
	svm_buf_free(&body);
	svm_buf_free(&p);
	svm_rpc_client_free(c);
	return rc;
}

/* A governance text proposal whose body installs ID as the updater at the current epoch. */
int cli_cmd_attest_propose_updater(cli_args_t *a)
{
	svm_keypair_t kp;
	svm_id_t who;
	const char *ds = cli_opt(a, "deposit");
	uint64_t deposit = 0, epoch = 0;
	if (cli_hash(a, "UPDATER", a->pos[0], &who)) return CLI_EXIT_USAGE;
	if (ds == NULL || cli_u64(a, "--deposit", ds, &deposit))
		return cli_fail(a, CLI_EXIT_USAGE, "--deposit N (SWR base units) is required");
	if (load_key(a, &kp)) return CLI_EXIT_USAGE;
	svm_rpc_client_t *c = NULL;
	svm_buf_t p = {0};
	svm_hash_t body;
	uint8_t prop[32];
	int rc = cli_client(a, &c);
	if (rc == 0) rc = updater_epoch(a, c, &epoch);
	if (rc == 0) {
		svm_attest_updater_hash(&who, epoch, &body);
		if (svm_gov_submit_payload(&p, SVM_PROPOSAL_TEXT, deposit, body.b, 32)) rc = CLI_EXIT_FAIL;
	}
	if (rc == 0) rc = run_tx(a, c, &kp, &p, "gov submit", prop);
	if (rc == 0) {
		char hex[65];
		svm_hex_encode(hex, prop, 32);
		if (a->json) printf("{\"proposal\":\"%s\",\"epoch\":%llu}\n", hex, (unsigned long long)epoch);
		else printf("%s\n", hex);
	}
	svm_buf_free(&p);
	svm_rpc_client_free(c);
	return rc;
}

int cli_cmd_attest_updater(cli_args_t *a)
{
	svm_keypair_t kp;
	svm_id_t who, prop;
	const char *ps = cli_opt(a, "proposal");
	if (cli_hash(a, "UPDATER", a->pos[0], &who) || (ps && cli_hash(a, "--proposal", ps, &prop)) ||
	    load_key(a, &kp))
		return CLI_EXIT_USAGE;
	svm_rpc_client_t *c = NULL;
	svm_buf_t p = {0};
	int rc = cli_client(a, &c);
	if (rc == 0 && svm_attest_set_updater_payload(&p, &who, ps ? &prop : NULL)) rc = CLI_EXIT_FAIL;
	if (rc == 0) rc = run_tx(a, c, &kp, &p, "set_updater", NULL);
	if (rc == 0) {
		if (a->json) printf("{\"updater\":\"%s\"}\n", a->pos[0]);
		else printf("updater: %s\n", a->pos[0]);
	}
	svm_buf_free(&p);
	svm_rpc_client_free(c);
	return rc;
}

/* put-snp PEM | put-tdx JSON: what the chain verifies as of its block time before storing. */
static int put(cli_args_t *a, bool tdx)
{
	svm_keypair_t kp;
	if (load_key(a, &kp)) return CLI_EXIT_USAGE;
	svm_buf_t f = {0}, store = {0}, p = {0};
	int rc = read_all(a, a->pos[0], 2 * SVM_ATTEST_EVIDENCE_MAX, &f);
	svm_tdx_collateral_t col;
	svm_error_t err = {0};
	if (rc == 0 && tdx && svm_tdx_collateral_from_json(f.data, f.len, &store, &col, &err))
		rc = cli_fail(a, CLI_EXIT_FAIL, "%s: %s", a->pos[0], err.msg);
	if (rc == 0 && (tdx ? svm_attest_put_tdx_payload(&p, &col)
			    : svm_attest_put_snp_payload(&p, f.data, f.len)))
		rc = cli_fail(a, CLI_EXIT_FAIL, "%s is too large", a->pos[0]);
	svm_rpc_client_t *c = NULL;
	if (rc == 0) rc = cli_client(a, &c);
	if (rc == 0) rc = run_tx(a, c, &kp, &p, tdx ? "put_tdx" : "put_snp_chain", NULL);
	if (rc == 0) {
		if (a->json) printf("{\"stored\":\"%s\"}\n", tdx ? "tdx" : "snp_chain");
		else printf("stored\n");
	}
	svm_buf_free(&p);
	svm_buf_free(&store);
	svm_buf_free(&f);
	svm_rpc_client_free(c);
	return rc;
}

int cli_cmd_attest_put_snp(cli_args_t *a) { return put(a, false); }
int cli_cmd_attest_put_tdx(cli_args_t *a) { return put(a, true); }

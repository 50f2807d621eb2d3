/* A dispute party's machine and moves (party.h, docs/bisection.md). */
#include "party.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARTY_FEE_LIMIT 100000000ull
#define PARTY_EXPIRY_BLOCKS 1000
#define PARTY_WAIT_MS 60000

struct cli_party_cache {
	svm_trace_t trace; /* the whole run's checkpoints (hashes NULL until computed) */
	svm_step_t *snap[CLI_PARTY_SNAPSHOTS_MAX];
	uint32_t n;               /* snapshots held, at ascending steps */
	uint64_t every;           /* one snapshot per this many checkpoints */
	uint64_t bytes;           /* what they hold */
	bool off;                 /* --no-cache: only count */
	uint64_t runs, steps_run; /* machines started and steps executed */
};

static void cache_drop(cli_party_cache_t *c)
{
	for (uint32_t i = 0; i < c->n; i++) svm_step_free(c->snap[i]);
	c->n = 0;
	c->bytes = 0;
	svm_free(c->trace.hashes);
	c->trace = (svm_trace_t){0};
}

void cli_party_free(cli_party_t *p)
{
	if (p->cache) {
		cache_drop(p->cache);
		svm_free(p->cache);
		p->cache = NULL;
	}
	svm_wasm_module_free(p->m);
	p->m = NULL;
	svm_buf_free(&p->code);
	svm_buf_free(&p->weights);
	svm_buf_free(&p->input);
}

int cli_party_cache(cli_party_t *p, bool count_only)
{
	if (p->cache == NULL && (p->cache = svm_calloc(1, sizeof *p->cache)) == NULL) return SVM_ENOMEM;
	p->cache->every = 1;
	p->cache->off = count_only;
	return 0;
}

void cli_party_work(const cli_party_t *p, uint64_t *runs, uint64_t *steps)
{
	*runs = p->cache ? p->cache->runs : 0;
	*steps = p->cache ? p->cache->steps_run : 0;
}

/* Keeps a copy of s (at checkpoint index ci) when the spacing says so; past the bounds, halves
 * the snapshots and doubles the spacing. Out of memory only means fewer snapshots. */
static void cache_keep(cli_party_cache_t *c, svm_step_t *s, uint64_t ci)
{
	if (ci % c->every) return;
	size_t b = svm_step_bytes(s);
	while (c->n > 0 && (c->n == CLI_PARTY_SNAPSHOTS_MAX || c->bytes + b > CLI_PARTY_SNAPSHOT_BYTES_MAX)) {
		uint32_t kept = 0;
		c->bytes = 0;
		for (uint32_t i = 0; i < c->n; i++) {
			if (i % 2) {
				svm_step_free(c->snap[i]);
				continue;
			}
			c->snap[kept++] = c->snap[i];
			c->bytes += svm_step_bytes(c->snap[i]);
		}
		c->n = kept;
		c->every *= 2;
		if (ci % c->every) return;
	}
	SVM_ASSERT(c->n < CLI_PARTY_SNAPSHOTS_MAX);
	svm_step_t *copy = NULL;
	if (b > CLI_PARTY_SNAPSHOT_BYTES_MAX || svm_step_clone(s, &copy)) return;
	c->snap[c->n++] = copy;
	c->bytes += b;
}

int cli_party_decode(cli_args_t *a, cli_party_t *p, const char *what)
{
	svm_sha256(p->code.data, p->code.len, &p->code_hash);
	svm_wasm_config_t cfg;
	svm_error_t err = {0};
	svm_ai_vm_config(&cfg);
	if (svm_wasm_module_new(&p->m, p->code.data, p->code.len, &cfg, &err))
		return cli_fail(a, CLI_EXIT_FAIL, "%s: %s", what, err.msg);
	return 0;
}

void cli_party_as_job(cli_party_t *p)
{
	SVM_ASSERT(strlen(SVM_DISPUTE_JOB_ENTRY) < sizeof p->entry);
	strcpy(p->entry, SVM_DISPUTE_JOB_ENTRY);
	p->nargs = 0;
	p->gas = SVM_DISPUTE_JOB_GAS;
	p->has_env = true;
	p->env = (svm_step_env_t){p->weights.data, p->weights.len, p->input.data, p->input.len};
}

/* An object's payload from the node, hex-decoded and appended to out. */
static int fetch_object(svm_rpc_client_t *c, const svm_id_t *id, svm_buf_t *out)
{
	char hex[65];
	json_t *r = NULL;
	svm_error_t err = {0};
	int rc = svm_rpc_call(c, "svm_aiGetObject", json_pack("[s]", svm_hash_hex(id, hex)), &r, NULL, &err);
	const char *s = rc ? NULL : json_string_value(json_object_get(r, "payload"));
	if (rc == 0 && (s == NULL || strncmp(s, "0x", 2) || svm_hex_decode_buf(out, s + 2, SVM_OBJECT_PAYLOAD_MAX)))
		rc = SVM_EDECODE;
	json_decref(r);
	return rc;
}

int cli_party_from_job(cli_args_t *a, svm_rpc_client_t *c, const svm_ai_job_t *j, cli_party_t *p)
{
	svm_buf_t man = {0};
	svm_ai_manifest_t *m = svm_calloc(1, sizeof *m);
	int rc = m ? fetch_object(c, &j->model, &man) : SVM_ENOMEM;
	if (rc == 0) rc = svm_ai_manifest_decode(man.data, man.len, true, m);
	svm_buf_free(&man);
	if (rc) {
		svm_free(m);
		return cli_fail(a, CLI_EXIT_FAIL, "cannot read the job's model: %s", svm_strerror(rc));
	}
	for (uint32_t i = 0; rc == 0 && i < m->chunks_len; i++) rc = fetch_object(c, &m->chunks[i], &p->weights);
	svm_id_t code_id;
	svm_ai_code_id(&m->code_hash, &code_id);
	if (rc == 0) rc = fetch_object(c, &code_id, &p->code);
	if (rc == 0)
		rc = j->input_mode == 0 ? svm_buf_append(&p->input, j->input, j->input_len)
					: fetch_object(c, &j->input_chunk, &p->input);
	svm_hash_t h;
	if (rc) rc = cli_fail(a, CLI_EXIT_FAIL, "cannot read the job's weights, code or input: %s", svm_strerror(rc));
	if (rc == 0 && (svm_sha256(p->weights.data, p->weights.len, &h), !svm_hash_eq(&h, &j->weights_hash)))
		rc = cli_fail(a, CLI_EXIT_FAIL, "the model's weights are not the job's (SHA-256 differs)");
	if (rc == 0 && (svm_sha256(p->input.data, p->input.len, &h), !svm_hash_eq(&h, &j->input_hash)))
		rc = cli_fail(a, CLI_EXIT_FAIL, "the input is not the job's (SHA-256 differs)");
	if (rc == 0) rc = cli_party_decode(a, p, "the job's inference module");
	if (rc == 0 && !svm_hash_eq(&p->code_hash, &j->code_hash))
		rc = cli_fail(a, CLI_EXIT_FAIL, "the inference module is not the job's (SHA-256 differs)");
	if (rc == 0) cli_party_as_job(p);
	svm_free(m);
	return rc;
}

int cli_party_machine(cli_args_t *a, const cli_party_t *p, svm_step_t **s)
{
	svm_error_t err = {0};
	if (svm_step_new_env(s, p->m, p->entry, p->args, p->nargs, p->gas, p->has_env ? &p->env : NULL, &err))
		return cli_fail(a, CLI_EXIT_FAIL, "the stepper refuses this run: %s", err.msg);
	return 0;
}

static int step1(const cli_party_t *p, svm_step_t *s)
{
	int rc = svm_step_one(s);
	if (rc == 0 && p->corrupt_at && svm_step_count(s) == p->corrupt_at) svm_step_corrupt(s, 1);
	return rc;
}

int cli_party_run_to(const cli_party_t *p, svm_step_t *s, uint64_t x)
{
	int rc = 0;
	uint64_t from = svm_step_count(s);
	while (rc == 0 && svm_step_count(s) < x && svm_step_status(s) == SVM_STEP_RUNNING) rc = step1(p, s);
	if (p->cache) p->cache->steps_run += svm_step_count(s) - from;
	return rc;
}

/* The cached snapshot latest at or before step x, or NULL. */
static const svm_step_t *snapshot_before(const cli_party_t *p, uint64_t x)
{
	const cli_party_cache_t *c = p->cache && !p->cache->off ? p->cache : NULL;
	const svm_step_t *best = NULL;
	for (uint32_t i = 0; c && i < c->n && svm_step_count(c->snap[i]) <= x; i++) best = c->snap[i];
	return best;
}

int cli_party_machine_at(cli_args_t *a, const cli_party_t *p, uint64_t x, svm_step_t **s)
{
	const svm_step_t *from = snapshot_before(p, x);
	int rc = from ? (svm_step_clone(from, s) ? cli_fail(a, CLI_EXIT_FAIL, "out of memory") : 0)
		      : cli_party_machine(a, p, s);
	if (rc == 0 && p->cache) p->cache->runs++;
	if (rc == 0 && cli_party_run_to(p, *s, x)) rc = cli_fail(a, CLI_EXIT_FAIL, "stepper failed");
	return rc;
}

/* The state hashes at the ascending steps xs[0..n): one machine, restarted from a snapshot
 * whenever one lies between it and the next step. */
static int hashes_at(cli_args_t *a, const cli_party_t *p, const uint64_t *xs, uint32_t n, svm_hash_t *out)
{
	svm_step_t *s = NULL;
	int rc = 0;
	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		const svm_step_t *near = snapshot_before(p, xs[i]);
		if (s == NULL || (near && svm_step_count(near) > svm_step_count(s))) {
			svm_step_free(s);
			s = NULL;
			rc = cli_party_machine_at(a, p, xs[i], &s);
		} else if (cli_party_run_to(p, s, xs[i])) {
			rc = cli_fail(a, CLI_EXIT_FAIL, "stepper failed");
		}
		if (rc == 0) svm_step_hash(s, &out[i]);
	}
	svm_step_free(s);
	return rc;
}

/* A copy of the cached trace at k into t (false when there is none). */
static bool cached_trace(const cli_party_t *p, uint64_t k, svm_trace_t *t)
{
	const cli_party_cache_t *c = p->cache;
	if (c == NULL || c->off || c->trace.hashes == NULL || c->trace.k != k) return false;
	svm_hash_t *h = svm_malloc(c->trace.n * sizeof *h);
	if (h == NULL) return false;
	memcpy(h, c->trace.hashes, c->trace.n * sizeof *h);
	*t = c->trace;
	t->hashes = h;
	return true;
}

/* Keeps a copy of t as p's cached trace (out of memory: none kept). */
static void cache_trace(const cli_party_t *p, const svm_trace_t *t)
{
	cli_party_cache_t *c = p->cache;
	svm_hash_t *h = svm_malloc(t->n * sizeof *h);
	if (h == NULL) return;
	memcpy(h, t->hashes, t->n * sizeof *h);
	svm_free(c->trace.hashes);
	c->trace = *t;
	c->trace.hashes = h;
}

int cli_party_trace(cli_args_t *a, const cli_party_t *p, uint64_t k, svm_trace_t *t)
{
	if (cached_trace(p, k, t)) return 0;
	svm_step_t *s = NULL;
	int rc = cli_party_machine(a, p, &s);
	memset(t, 0, sizeof *t);
	t->k = k;
	if (p->cache) { /* this run's snapshots replace any of another K */
		cache_drop(p->cache);
		p->cache->every = 1;
		p->cache->runs++;
	}
	size_t cap = 0;
	while (rc == 0) {
		if (t->n == cap) {
			cap = cap ? 2 * cap : 64;
			svm_hash_t *nh = cap > CLI_PARTY_CHECKPOINTS_MAX ? NULL : svm_realloc(t->hashes, cap * sizeof *nh);
			if (nh == NULL) {
				rc = cli_fail(a, CLI_EXIT_FAIL, "more than %u checkpoints: raise K",
					      CLI_PARTY_CHECKPOINTS_MAX);
				break;
			}
			t->hashes = nh;
		}
		svm_step_hash(s, &t->hashes[t->n++]);
		if (p->cache && !p->cache->off) cache_keep(p->cache, s, t->n - 1);
		if (svm_step_status(s) != SVM_STEP_RUNNING) break;
		if (cli_party_run_to(p, s, svm_step_count(s) + k)) rc = cli_fail(a, CLI_EXIT_FAIL, "stepper failed");
	}
	t->steps = rc ? 0 : svm_step_count(s);
	if (rc == 0 && t->steps == 0) rc = cli_fail(a, CLI_EXIT_FAIL, "the run has no steps");
	if (rc == 0 && t->steps > SVM_DISPUTE_STEPS_MAX)
		rc = cli_fail(a, CLI_EXIT_FAIL, "the run exceeds %llu steps", (unsigned long long)SVM_DISPUTE_STEPS_MAX);
	if (rc == 0 && svm_merkle_root(t->hashes, t->n, &t->root))
		rc = cli_fail(a, CLI_EXIT_FAIL, "cannot build the trace root");
	if (rc == 0 && p->cache && !p->cache->off) cache_trace(p, t);
	svm_step_free(s);
	return rc;
}

/* s's output (none without an environment) and core. */
static int final_of(cli_args_t *a, svm_step_t *s, svm_buf_t *out, svm_buf_t *core)
{
	if (svm_step_status(s) != SVM_STEP_DONE)
		return cli_fail(a, CLI_EXIT_FAIL, "the run did not finish (status %d)", svm_step_status(s));
	const uint8_t *o;
	size_t n = 0;
	int rc = 0;
	if (out && svm_step_output(s, &o, &n) == 0) rc = svm_buf_append(out, o, n);
	if (rc == 0 && core) rc = svm_step_core(s, core);
	return rc ? cli_fail(a, CLI_EXIT_FAIL, "cannot read the run's end: %s", svm_strerror(rc)) : 0;
}

int cli_party_final(cli_args_t *a, const cli_party_t *p, svm_buf_t *out, svm_buf_t *core)
{
	svm_step_t *s = NULL;
	int rc = cli_party_machine_at(a, p, UINT64_MAX, &s);
	if (rc == 0) rc = final_of(a, s, out, core);
	svm_step_free(s);
	return rc;
}

uint64_t cli_party_lying_step(cli_args_t *a, const cli_party_t *p, uint64_t from, const svm_buf_t *honest)
{
	cli_party_t h = *p;
	h.corrupt_at = 0;
	svm_step_t *base = NULL;
	uint64_t found = 0;
	if (from == 0) from = 1;
	if (cli_party_machine(a, &h, &base) || cli_party_run_to(&h, base, from - 1)) {
		svm_step_free(base);
		return 0;
	}
	for (uint64_t d = from; d < from + CLI_PARTY_LIE_SEARCH && !found; d++) {
		/* base is the honest state after d - 1 steps: one more, corrupted, then to the end */
		svm_step_t *s = NULL;
		if (svm_step_one(base) || svm_step_status(base) != SVM_STEP_RUNNING || svm_step_clone(base, &s))
			break;
		svm_step_corrupt(s, 1);
		const uint8_t *o;
		size_t n;
		if (cli_party_run_to(&h, s, UINT64_MAX) == 0 && svm_step_status(s) == SVM_STEP_DONE &&
		    svm_step_output(s, &o, &n) == 0 && (n != honest->len || memcmp(o, honest->data, n) != 0))
			found = d;
		svm_step_free(s);
	}
	svm_step_free(base);
	return found;
}

int cli_party_tx(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp, svm_buf_t *p,
		 const char *what, uint8_t *ret32)
{
	cli_txspec_t spec = {.vm = SVM_VM_NATIVE, .payload = p->data, .payload_len = p->len, .fee_limit = PARTY_FEE_LIMIT, .expiry_blocks = PARTY_EXPIRY_BLOCKS, .timeout_ms = PARTY_WAIT_MS};
	int st = -1;
	int rc = cli_send_and_wait(a, c, kp, &spec, NULL, &st, ret32);
	svm_buf_free(p);
	if (rc) return rc;
	if (st) return cli_fail(a, CLI_EXIT_FAIL, "%s failed: %s", what, svm_strerror(-st));
	return 0;
}

int cli_dispute_fetch(cli_args_t *a, svm_rpc_client_t *c, const svm_id_t *id, svm_dispute_t *d,
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
		if (b == NULL || svm_hex_decode(b, (n - 2) / 2, raw + 2) || svm_dispute_decode(b, (n - 2) / 2, d))
			rc = cli_fail(a, CLI_EXIT_FAIL, "the node returned a malformed dispute");
		svm_free(b);
	}
	json_decref(r);
	json_decref(st);
	return rc;
}

/* A job claim's first move: checkpoints 0 and S under the root and the final state opened. */
static int open_trace(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp, const cli_party_t *p,
		      const svm_id_t *id, const svm_dispute_t *d)
{
	svm_trace_t t = {0};
	svm_buf_t core = {0}, pl = {0};
	svm_merkle_proof_t *pr = svm_calloc(2, sizeof *pr);
	int rc = pr ? cli_party_trace(a, p, d->game.k, &t) : cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	if (rc == 0 && (t.steps != d->game.steps || !svm_hash_eq(&t.root, &d->game.root)))
		rc = cli_fail(a, CLI_EXIT_FAIL, "this party's run does not give the committed trace");
	if (rc == 0) rc = cli_party_final(a, p, NULL, &core);
	if (rc == 0 && (svm_merkle_prove(t.hashes, t.n, 0, &pr[0]) || svm_merkle_prove(t.hashes, t.n, t.n - 1, &pr[1]) ||
			svm_dispute_open_payload(&pl, id, &pr[0], &pr[1], core.data, core.len)))
		rc = cli_fail(a, CLI_EXIT_FAIL, "cannot build the opening");
	if (rc == 0) rc = cli_party_tx(a, c, kp, &pl, "open_trace", NULL);
	svm_buf_free(&pl);
	svm_buf_free(&core);
	svm_free(t.hashes);
	svm_free(pr);
	return rc;
}

/* With a cache, the whole trace at the game's K once (keeping its snapshots) before a move's
 * first hash, so that the move and every later one run from the nearest snapshot. */
static int warm(cli_args_t *a, const cli_party_t *p, uint64_t k)
{
	if (p->cache == NULL || p->cache->off) return 0;
	svm_trace_t t = {0};
	int rc = cli_party_trace(a, p, k, &t);
	svm_free(t.hashes);
	return rc;
}

/* The claimant's reveal: the hashes at the planned steps, with their inclusion proofs while
 * they are checkpoints. */
static int reveal(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp, const cli_party_t *p,
		  const svm_id_t *id, const svm_dispute_t *d)
{
	const svm_bisect_t *g = &d->game;
	svm_hash_t *h = svm_calloc(SVM_BISECT_ARITY_MAX, sizeof *h);
	svm_merkle_proof_t *pr = svm_calloc(SVM_BISECT_ARITY_MAX, sizeof *pr);
	svm_trace_t t = {0};
	bool need = svm_bisect_needs_proofs(g);
	int rc = h && pr ? warm(a, p, g->k) : cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	if (rc == 0) rc = hashes_at(a, p, g->mid_step, g->nmid, h);
	if (rc == 0 && need) rc = cli_party_trace(a, p, g->k, &t);
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
	if (rc == 0) rc = cli_party_tx(a, c, kp, &pl, "reveal", NULL);
	svm_buf_free(&pl);
	svm_free(t.hashes);
	svm_free(h);
	svm_free(pr);
	return rc;
}

/* The challenger's pick: the first revealed point it disagrees with (nmid: only the end). */
static int pick(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp, const cli_party_t *p,
		const svm_id_t *id, const svm_dispute_t *d)
{
	const svm_bisect_t *g = &d->game;
	svm_hash_t *mine = svm_calloc(SVM_BISECT_ARITY_MAX, sizeof *mine);
	int rc = mine ? warm(a, p, g->k) : cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	if (rc == 0) rc = hashes_at(a, p, g->mid_step, g->nmid, mine);
	uint32_t j = g->nmid;
	for (uint32_t i = 0; rc == 0 && i < g->nmid; i++)
		if (!svm_hash_eq(&mine[i], &g->mid_hash[i])) {
			j = i;
			break;
		}
	svm_free(mine);
	svm_buf_t pl = {0};
	if (rc == 0 && svm_dispute_pick_payload(&pl, id, j)) rc = CLI_EXIT_FAIL;
	if (rc == 0) rc = cli_party_tx(a, c, kp, &pl, "pick", NULL);
	svm_buf_free(&pl);
	return rc;
}

/* The claimant proves the one disputed step from its state at lo. */
static int prove(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp, const cli_party_t *p,
		 const svm_id_t *id, const svm_dispute_t *d)
{
	svm_step_t *s = NULL;
	svm_buf_t proof = {0}, pl = {0};
	int rc = warm(a, p, d->game.k);
	if (rc == 0) rc = cli_party_machine_at(a, p, d->game.lo, &s);
	if (rc == 0 && svm_step_prove(s, &proof)) rc = cli_fail(a, CLI_EXIT_FAIL, "cannot prove the step");
	if (rc == 0 && svm_dispute_prove_payload(&pl, id, proof.data, proof.len))
		rc = cli_fail(a, CLI_EXIT_FAIL, "the one-step proof is too large");
	if (rc == 0) rc = cli_party_tx(a, c, kp, &pl, "prove", NULL);
	svm_buf_free(&pl);
	svm_buf_free(&proof);
	svm_step_free(s);
	return rc;
}

int cli_dispute_move(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp,
		     const cli_party_t *p, const svm_id_t *id, const svm_dispute_t *d, uint64_t head,
		     int *did)
{
	*did = CLI_MOVE_NONE;
	if (d->state != SVM_DISPUTE_DISPUTED && d->state != SVM_DISPUTE_AWAIT_OPEN) return 0;
	const svm_bisect_t *g = &d->game;
	bool claimant = svm_hash_eq(&kp->id, &d->claimant);
	bool claimant_moves = d->state == SVM_DISPUTE_AWAIT_OPEN || g->phase != SVM_BISECT_CHALLENGER_MOVES;
	if (claimant == claimant_moves) {
		*did = CLI_MOVE_MADE;
		if (d->state == SVM_DISPUTE_AWAIT_OPEN) return open_trace(a, c, kp, p, id, d);
		if (!claimant) return pick(a, c, kp, p, id, d);
		if (g->phase == SVM_BISECT_ONE_STEP) return prove(a, c, kp, p, id, d);
		return reveal(a, c, kp, p, id, d);
	}
	/* late by height and past the time floor (docs/bisection.md): the block that includes the
	 * timeout is stamped after this wall clock, so the chain sees at least as much time */
	if (head <= g->deadline || svm_clock_wall_ms() <= g->deadline_ms) return 0;
	svm_buf_t pl = {0};
	if (svm_dispute_payload(&pl, SVM_DISPUTE_TIMEOUT, id)) return CLI_EXIT_FAIL;
	cli_txspec_t spec = {.vm = SVM_VM_NATIVE, .payload = pl.data, .payload_len = pl.len, .fee_limit = PARTY_FEE_LIMIT, .expiry_blocks = PARTY_EXPIRY_BLOCKS, .timeout_ms = PARTY_WAIT_MS};
	int st = -1;
	int rc = cli_send_and_wait(a, c, kp, &spec, NULL, &st, NULL);
	svm_buf_free(&pl);
	if (rc) return rc;
	/* refused as not late yet (a proposer's clock behind ours): wait and poll again */
	if (st == -SVM_ESTATE) return 0;
	if (st) return cli_fail(a, CLI_EXIT_FAIL, "timeout failed: %s", svm_strerror(-st));
	*did = CLI_MOVE_TIMEOUT;
	return 0;
}

/* Disputes by bisection (native program 19): a claimant commits to the trace of a WebAssembly
 * computation (a module stored with the model registry's put_code, an export, its arguments and
 * gas) and bonds SWR; within the challenge window anyone may dispute it with an equal bond; the
 * two then bisect by transactions with deadlines (svm_bisect_*: the claimant reveals interior
 * state hashes, proven under its commitment while they are checkpoints; the challenger picks the
 * sub-interval it disputes) down to one step, which the chain executes itself from the agreed
 * pre-state with the claimant's one-step proof (svm_step_verify); a party that misses its
 * deadline loses. Several challengers may dispute one claim at once, each in its own game (up to
 * SVM_DISPUTE_GAMES_MAX open; the window stands still while they all are): the first game a
 * challenger wins slashes the claimant's bond once (half to that challenger, half burned), every
 * lost game burns its challenger's bond, and the claimant's bond comes back only after its window
 * with no game open and none won. docs/bisection.md. */
#include <string.h>

#include "supervm/econ.h"
#include "supervm/trace.h"
#include "supervm/verify.h"
#include "vm/native/ai_internal.h"

/* ----------------------------------------------------------------- ids */

void svm_dispute_claim_id(const svm_id_t *claimant, uint64_t nonce, svm_id_t *out)
{
	uint8_t be[8];
	svm_put_u64be(be, nonce);
	svm_slice_t parts[2] = {{claimant->b, 32}, {be, 8}};
	svm_sha256_tagged("svm/dispute/claim", parts, 2, out);
}

void svm_dispute_account(svm_id_t *out) { svm_sha256_tagged("svm/program/disputes", NULL, 0, out); }

void svm_dispute_game_id(const svm_id_t *claim, const svm_id_t *challenger, svm_id_t *out)
{
	svm_slice_t parts[2] = {{claim->b, 32}, {challenger->b, 32}};
	svm_sha256_tagged("svm/dispute/game", parts, 2, out);
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* A move's deadline has a time floor (docs/bisection.md): under traffic the node builds a block
 * as soon as its parent is certified, so move_blocks can pass in about a second. The party to
 * move is late only once the deadline height has passed AND the block time has passed
 * move_blocks × the governed slot_ms after the block where the move became due. Block data and
 * chain state only: deterministic. */
static int set_due(svm_txctx_t *c, svm_bisect_t *g)
{
	svm_params_t prm;
	int rc = svm_params_get(c, &prm);
	if (rc) return rc;
	SVM_ASSERT(prm.slot_ms >= 1); /* svm_params_check's bound */
	uint64_t span_ms = g->p.move_blocks > UINT64_MAX / prm.slot_ms ? UINT64_MAX
								       : g->p.move_blocks * prm.slot_ms;
	g->deadline = sat_add(c->height, g->p.move_blocks);
	g->deadline_ms = sat_add(c->timestamp_ms, span_ms);
	return 0;
}

static bool late(const svm_txctx_t *c, const svm_bisect_t *g)
{
	return c->height > g->deadline && c->timestamp_ms > g->deadline_ms;
}

/* The height the game (svm_bisect_*, by height only) sees: a move past the deadline height but
 * inside the time floor counts as made at the deadline; set_due then re-bases the next one. */
static uint64_t game_now(const svm_txctx_t *c, const svm_bisect_t *g)
{
	return late(c, g) || c->height <= g->deadline ? c->height : g->deadline;
}

uint64_t svm_dispute_window_end(const svm_dispute_t *d, uint64_t now)
{
	uint64_t end = sat_add(sat_add(d->claim_height, SVM_DISPUTE_CHALLENGE_BLOCKS), d->paused_blocks);
	if (d->games_len == SVM_DISPUTE_GAMES_MAX && now > d->full_since)
		end = sat_add(end, now - d->full_since); /* the current stretch with every game open */
	return end;
}

void svm_dispute_job_claim_id(const svm_id_t *job, const svm_id_t *provider,
			      const svm_id_t *challenger, svm_id_t *out)
{
	svm_slice_t parts[3] = {{job->b, 32}, {provider->b, 32}, {challenger->b, 32}};
	svm_sha256_tagged("svm/dispute/job", parts, 3, out);
}

/* ----------------------------------------------------------- encodings */

static int u64s_append(svm_buf_t *b, const uint64_t *v, size_t n)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++) rc = svm_varint_append(b, v[i]);
	return rc;
}

static int u64s_read(svm_reader_t *r, uint64_t *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (svm_varint_read(r, v[i])) return SVM_EDECODE;
	return 0;
}

int svm_dispute_encode(const svm_dispute_t *d, svm_buf_t *out)
{
	const svm_bisect_t *g = &d->game;
	/* by kind: claim, job, game (v6, v5, v7: deadline_ms; older records no longer decode) */
	static const uint8_t version[] = {6, 5, 7};
	if (d->kind > SVM_DISPUTE_KIND_GAME) return SVM_EINVAL;
	if (d->kind == SVM_DISPUTE_KIND_CLAIM && d->games_len > SVM_DISPUTE_GAMES_MAX) return SVM_EINVAL;
	int rc = svm_buf_push(out, version[d->kind]);
	if (!rc && d->kind == SVM_DISPUTE_KIND_JOB) rc = svm_buf_append(out, d->job.b, 32);
	if (!rc && d->kind == SVM_DISPUTE_KIND_GAME) rc = svm_buf_append(out, d->claim.b, 32);
	if (!rc) rc = svm_buf_append(out, d->claimant.b, 32);
	if (!rc) rc = svm_buf_append(out, d->challenger.b, 32);
	if (!rc) rc = svm_buf_append(out, d->code_hash.b, 32);
	if (!rc) rc = svm_varint_append(out, d->entry_len);
	if (!rc) rc = svm_buf_append(out, d->entry, d->entry_len);
	if (!rc) rc = svm_buf_push(out, d->nargs);
	if (!rc) rc = u64s_append(out, d->args, d->nargs);
	uint64_t v[] = {d->gas, d->claim_height, d->state, g->p.arity, g->p.move_blocks,
			g->p.claimant_bond, g->p.challenger_bond, g->k, g->steps, g->lo, g->hi,
			g->nmid, g->phase, g->deadline, g->rounds, g->proof_bytes, g->deadline_ms};
	if (!rc) rc = u64s_append(out, v, sizeof v / sizeof v[0]);
	const svm_hash_t *h[] = {&d->final_state, &g->root, &g->lo_hash, &g->hi_hash};
	for (size_t i = 0; !rc && i < 4; i++) rc = svm_buf_append(out, h[i]->b, 32);
	if (!rc) rc = u64s_append(out, g->mid_step, g->nmid);
	for (uint32_t i = 0; !rc && i < g->nmid; i++) rc = svm_buf_append(out, g->mid_hash[i].b, 32);
	if (rc || d->kind != SVM_DISPUTE_KIND_CLAIM) return rc;
	/* a claim's games: varint opened ‖ u8 n ‖ n × challenger ‖ u8 refuted ‖ (1) prover ‖
	 * varint paused_blocks ‖ varint full_since */
	rc = svm_varint_append(out, d->games_opened);
	if (!rc) rc = svm_buf_push(out, d->games_len);
	for (uint32_t i = 0; !rc && i < d->games_len; i++) rc = svm_buf_append(out, d->games[i].b, 32);
	if (!rc) rc = svm_buf_push(out, d->refuted ? 1 : 0);
	if (!rc && d->refuted) rc = svm_buf_append(out, d->prover.b, 32);
	if (!rc) rc = svm_varint_append(out, d->paused_blocks);
	if (!rc) rc = svm_varint_append(out, d->full_since);
	return rc;
}

/* A claim's games (encode's tail). */
static int games_read(svm_reader_t *r, svm_dispute_t *d)
{
	uint8_t refuted;
	if (svm_varint_read(r, &d->games_opened) || svm_reader_u8(r, &d->games_len) ||
	    d->games_len > SVM_DISPUTE_GAMES_MAX || d->games_len > d->games_opened)
		return SVM_EDECODE;
	for (uint32_t i = 0; i < d->games_len; i++)
		if (svm_reader_copy(r, d->games[i].b, 32)) return SVM_EDECODE;
	if (svm_reader_u8(r, &refuted) || refuted > 1 || (refuted && svm_reader_copy(r, d->prover.b, 32)) ||
	    svm_varint_read(r, &d->paused_blocks) || svm_varint_read(r, &d->full_since))
		return SVM_EDECODE;
	d->refuted = refuted == 1;
	/* full_since is a height only while every game is open; a closed claim has none open */
	if ((d->games_len < SVM_DISPUTE_GAMES_MAX && d->full_since != 0) ||
	    (d->state == SVM_DISPUTE_CLOSED && d->games_len != 0))
		return SVM_EDECODE;
	return 0;
}

int svm_dispute_decode(const uint8_t *p, size_t len, svm_dispute_t *d)
{
	svm_reader_t r = svm_reader(p, len);
	svm_bisect_t *g = &d->game;
	uint8_t ver;
	uint64_t n, arity, nmid, phase;
	memset(d, 0, sizeof *d);
	if (svm_reader_u8(&r, &ver) || ver < 5 || ver > 7) return SVM_EDECODE;
	d->kind = ver == 6 ? SVM_DISPUTE_KIND_CLAIM : ver == 5 ? SVM_DISPUTE_KIND_JOB
							       : SVM_DISPUTE_KIND_GAME;
	if (d->kind == SVM_DISPUTE_KIND_JOB && svm_reader_copy(&r, d->job.b, 32)) return SVM_EDECODE;
	if (d->kind == SVM_DISPUTE_KIND_GAME && svm_reader_copy(&r, d->claim.b, 32)) return SVM_EDECODE;
	if (svm_reader_copy(&r, d->claimant.b, 32) ||
	    svm_reader_copy(&r, d->challenger.b, 32) || svm_reader_copy(&r, d->code_hash.b, 32) ||
	    svm_varint_read(&r, &n) || n == 0 || n > SVM_DISPUTE_ENTRY_MAX ||
	    svm_reader_copy(&r, d->entry, n) || memchr(d->entry, 0, n) ||
	    svm_reader_u8(&r, &d->nargs) || d->nargs > SVM_DISPUTE_ARGS_MAX)
		return SVM_EDECODE;
	d->entry_len = (uint32_t)n;
	for (uint32_t i = 0; i < d->nargs; i++)
		if (svm_varint_read(&r, &d->args[i])) return SVM_EDECODE;
	uint64_t *v[] = {&d->gas, &d->claim_height, &n, &arity, &g->p.move_blocks,
			 &g->p.claimant_bond, &g->p.challenger_bond, &g->k, &g->steps, &g->lo, &g->hi,
			 &nmid, &phase, &g->deadline, &n, &g->proof_bytes, &g->deadline_ms};
	/* state and rounds go through n (checked below, one at a time) */
	if (u64s_read(&r, v, 3)) return SVM_EDECODE;
	/* a claim is open or closed, a game disputed or closed; only a job's claim waits for its
	 * trace to be opened */
	static const uint8_t states[] = {
		[SVM_DISPUTE_KIND_CLAIM] = 1 << SVM_DISPUTE_OPEN | 1 << SVM_DISPUTE_CLOSED,
		[SVM_DISPUTE_KIND_JOB] = 1 << SVM_DISPUTE_AWAIT_OPEN | 1 << SVM_DISPUTE_DISPUTED | 1 << SVM_DISPUTE_CLOSED,
		[SVM_DISPUTE_KIND_GAME] = 1 << SVM_DISPUTE_DISPUTED | 1 << SVM_DISPUTE_CLOSED};
	if (n > SVM_DISPUTE_AWAIT_OPEN || !(states[d->kind] >> n & 1)) return SVM_EDECODE;
	d->state = (uint8_t)n;
	if (u64s_read(&r, v + 3, 11)) return SVM_EDECODE;
	if (arity < 2 || arity > SVM_BISECT_ARITY_MAX || nmid >= arity || phase > SVM_BISECT_CHALLENGER_WON)
		return SVM_EDECODE;
	if (u64s_read(&r, v + 14, 1) || n > SVM_BISECT_ROUNDS_MAX) return SVM_EDECODE;
	g->rounds = (uint32_t)n;
	if (u64s_read(&r, v + 15, 2)) return SVM_EDECODE;
	g->p.arity = (uint32_t)arity;
	g->nmid = (uint32_t)nmid;
	g->phase = (svm_bisect_phase_t)phase;
	svm_hash_t *h[] = {&d->final_state, &g->root, &g->lo_hash, &g->hi_hash};
	for (size_t i = 0; i < 4; i++)
		if (svm_reader_copy(&r, h[i]->b, 32)) return SVM_EDECODE;
	for (uint32_t i = 0; i < g->nmid; i++)
		if (svm_varint_read(&r, &g->mid_step[i])) return SVM_EDECODE;
	for (uint32_t i = 0; i < g->nmid; i++)
		if (svm_reader_copy(&r, g->mid_hash[i].b, 32)) return SVM_EDECODE;
	if (g->k == 0 || g->steps == 0) return SVM_EDECODE;
	g->n = (g->steps + g->k - 1) / g->k + 1;
	if (d->kind == SVM_DISPUTE_KIND_CLAIM && games_read(&r, d)) return SVM_EDECODE;
	return svm_reader_left(&r) ? SVM_EDECODE : 0;
}

/* ------------------------------------------------------------ payloads */

static int header(svm_buf_t *out, uint64_t method)
{
	int rc = svm_varint_append(out, SVM_PROGRAM_DISPUTES);
	return rc ? rc : svm_varint_append(out, method);
}

static int proof_append(svm_buf_t *out, const svm_merkle_proof_t *p)
{
	int rc = svm_buf_push(out, (uint8_t)p->len);
	for (uint32_t i = 0; !rc && i < p->len; i++) rc = svm_buf_append(out, p->path[i].b, 32);
	return rc;
}

int svm_dispute_claim_payload(svm_buf_t *out, const svm_dispute_claim_t *c)
{
	size_t elen = strlen(c->entry);
	if (elen == 0 || elen > SVM_DISPUTE_ENTRY_MAX || c->nargs > SVM_DISPUTE_ARGS_MAX ||
	    c->init_proof.len > SVM_MERKLE_PROOF_MAX || c->final_proof.len > SVM_MERKLE_PROOF_MAX)
		return SVM_EINVAL;
	int rc = header(out, SVM_DISPUTE_CLAIM);
	if (!rc) rc = svm_buf_append(out, c->code_hash.b, 32);
	if (!rc) rc = svm_varint_append(out, elen);
	if (!rc) rc = svm_buf_append(out, c->entry, elen);
	if (!rc) rc = svm_buf_push(out, (uint8_t)c->nargs);
	if (!rc) rc = u64s_append(out, c->args, c->nargs);
	if (!rc) rc = svm_varint_append(out, c->gas);
	if (!rc) rc = svm_buf_append(out, c->root.b, 32);
	if (!rc) rc = svm_varint_append(out, c->k);
	if (!rc) rc = svm_varint_append(out, c->steps);
	if (!rc) rc = svm_buf_append(out, c->final_state.b, 32);
	if (!rc) rc = proof_append(out, &c->init_proof);
	if (!rc) rc = proof_append(out, &c->final_proof);
	if (!rc) rc = svm_varint_append(out, c->bond);
	return rc;
}

int svm_dispute_payload(svm_buf_t *out, uint64_t method, const svm_id_t *claim)
{
	int rc = header(out, method);
	return rc ? rc : svm_buf_append(out, claim->b, 32);
}

int svm_dispute_reveal_payload(svm_buf_t *out, const svm_id_t *claim, const svm_hash_t *hashes,
			       const svm_merkle_proof_t *proofs, uint32_t n)
{
	if (n >= SVM_BISECT_ARITY_MAX) return SVM_EINVAL;
	int rc = svm_dispute_payload(out, SVM_DISPUTE_REVEAL, claim);
	if (!rc) rc = svm_buf_push(out, (uint8_t)n);
	if (!rc) rc = svm_buf_push(out, proofs ? 1 : 0);
	for (uint32_t i = 0; !rc && i < n; i++) rc = svm_buf_append(out, hashes[i].b, 32);
	for (uint32_t i = 0; !rc && proofs && i < n; i++) rc = proof_append(out, &proofs[i]);
	return rc;
}

int svm_dispute_pick_payload(svm_buf_t *out, const svm_id_t *claim, uint32_t j)
{
	int rc = svm_dispute_payload(out, SVM_DISPUTE_PICK, claim);
	return rc ? rc : svm_buf_push(out, (uint8_t)j);
}

int svm_dispute_prove_payload(svm_buf_t *out, const svm_id_t *claim, const uint8_t *proof,
			      size_t len)
{
	if (len > SVM_STEP_PROOF_MAX) return SVM_EINVAL;
	int rc = svm_dispute_payload(out, SVM_DISPUTE_PROVE, claim);
	if (!rc) rc = svm_varint_append(out, len);
	return rc ? rc : svm_buf_append(out, proof, len);
}

int svm_dispute_open_payload(svm_buf_t *out, const svm_id_t *claim,
			     const svm_merkle_proof_t *init_proof,
			     const svm_merkle_proof_t *final_proof, const uint8_t *core,
			     size_t core_len)
{
	if (init_proof->len > SVM_MERKLE_PROOF_MAX || final_proof->len > SVM_MERKLE_PROOF_MAX ||
	    core_len > SVM_STEP_PROOF_MAX)
		return SVM_EINVAL;
	int rc = svm_dispute_payload(out, SVM_DISPUTE_OPEN_TRACE, claim);
	if (!rc) rc = proof_append(out, init_proof);
	if (!rc) rc = proof_append(out, final_proof);
	if (!rc) rc = svm_varint_append(out, core_len);
	return rc ? rc : svm_buf_append(out, core, core_len);
}

/* ------------------------------------------------------------ records */

static void swr(svm_id_t *out) { svm_token_id("SWR", out); }

static int load(svm_txctx_t *c, const svm_id_t *id, svm_dispute_t *d)
{
	svm_object_t o;
	int rc = svm_host_get(c, id, &o);
	if (rc) return rc; /* SVM_ENOTFOUND: no such claim */
	return svm_dispute_decode(o.payload, o.payload_len, d) ? SVM_EIO : 0;
}

static int store(svm_txctx_t *c, const svm_id_t *id, const svm_dispute_t *d)
{
	svm_buf_t b = {0};
	int rc = svm_dispute_encode(d, &b);
	svm_object_t o = {.id = *id, .owner_kind = SVM_OWNER_SHARED, .type = SVM_OBJ_STORAGE, .payload = b.data, .payload_len = b.len};
	if (rc == 0) rc = svm_host_put(c, &o);
	svm_buf_free(&b);
	return rc;
}

static int emit(svm_txctx_t *c, const char *topic, const svm_id_t *claim)
{
	svm_id_t emitter;
	svm_dispute_account(&emitter);
	return svm_host_emit(c, &emitter, topic, strlen(topic), claim->b, 32);
}

/* The claim's module from the model registry's code store, decoded (freed by the caller). */
static int module_of(svm_txctx_t *c, const svm_hash_t *code_hash, svm_wasm_module_t **m)
{
	const uint8_t *code;
	size_t len;
	int rc = svm_ai_load_code_(c, code_hash, &code, &len);
	if (rc) return rc; /* SVM_ENOTFOUND: put_code it first */
	rc = svm_host_charge(c, SVM_STEPS_DEPLOY_BASE + len * SVM_STEPS_DEPLOY_PER_BYTE);
	if (rc) return rc;
	svm_wasm_config_t cfg;
	svm_ai_vm_config(&cfg);
	return svm_wasm_module_new(m, code, len, &cfg, NULL) ? SVM_EIO : 0;
}

/* A job's record (program 17's object) into the arena. */
static int job_of(svm_txctx_t *c, const svm_id_t *job, svm_ai_job_t **out)
{
	svm_ai_job_t *j = svm_arena_alloc(c->arena, sizeof *j);
	if (j == NULL) return SVM_ENOMEM;
	svm_object_t o;
	int rc = svm_host_get(c, job, &o);
	if (rc) return rc == SVM_ENOTFOUND ? SVM_EIO : rc; /* a job claim's job always exists */
	if (svm_ai_job_decode(o.payload, o.payload_len, j)) return SVM_EIO;
	*out = j;
	return 0;
}

/* The host environment of a job's run, read from the chain, never from a party: the weights of
 * the job's model (its manifest's chunks, checked against weights_hash) and the job's input
 * (inline, or its chunk). Borrowed from the arena and the transaction's views. */
static int job_env(svm_txctx_t *c, const svm_ai_job_t *j, svm_step_env_t *env)
{
	svm_ai_manifest_t *m = svm_arena_alloc(c->arena, sizeof *m);
	if (m == NULL) return SVM_ENOMEM;
	int rc = svm_ai_manifest_load_(c, &j->model, m);
	if (!rc) rc = svm_ai_load_weights_(c, m, &env->model, &env->model_len);
	if (rc) return rc;
	env->input = j->input;
	env->input_len = j->input_len;
	if (j->input_mode == 1) rc = svm_ai_read_chunk_(c, &j->input_chunk, &env->input, &env->input_len);
	/* reading the weights and input: as a contract's bytes are priced */
	return rc ? rc : svm_host_charge(c, (env->model_len + env->input_len) / 8);
}

int svm_dispute_open_job_(svm_txctx_t *c, const svm_id_t *job, const svm_ai_job_t *j,
			  const svm_id_t *provider, const svm_ai_trace_t *t, svm_id_t *claim)
{
	if (t->steps > SVM_DISPUTE_STEPS_MAX) return SVM_EINVAL; /* refused at reveal already */
	svm_dispute_t *d = svm_arena_alloc(c->arena, sizeof *d);
	svm_step_env_t env;
	if (d == NULL) return SVM_ENOMEM;
	memset(d, 0, sizeof *d);
	svm_dispute_job_claim_id(job, provider, &c->tx->sender, claim);
	svm_object_t o;
	int rc = svm_host_get(c, claim, &o);
	if (rc == 0) return SVM_EEXIST;
	if (rc != SVM_ENOTFOUND) return rc;
	rc = svm_host_charge(c, SVM_DISPUTE_STEPS_STATE);
	if (!rc) rc = job_env(c, j, &env);
	if (rc) return rc;
	/* the agreed initial state: the chain's own machine over the job's module and environment */
	svm_wasm_module_t *m = NULL;
	svm_step_t *s = NULL;
	rc = module_of(c, &j->code_hash, &m);
	if (!rc) rc = svm_step_new_env(&s, m, SVM_DISPUTE_JOB_ENTRY, NULL, 0, SVM_DISPUTE_JOB_GAS, &env, NULL);
	if (!rc) svm_step_hash(s, &d->game.lo_hash);
	svm_step_free(s);
	svm_wasm_module_free(m);
	if (rc) return rc;
	d->kind = SVM_DISPUTE_KIND_JOB;
	d->job = *job;
	d->claimant = *provider;
	d->challenger = c->tx->sender;
	d->code_hash = j->code_hash;
	d->entry_len = (uint32_t)strlen(SVM_DISPUTE_JOB_ENTRY);
	memcpy(d->entry, SVM_DISPUTE_JOB_ENTRY, d->entry_len);
	d->gas = SVM_DISPUTE_JOB_GAS;
	d->claim_height = c->height;
	d->state = SVM_DISPUTE_AWAIT_OPEN;
	d->final_state = t->final_state;
	/* the game waits for the provider's opening: no bonds here (job_escrow holds the
	 * challenger's, the provider's is its market bond) */
	svm_bisect_t *g = &d->game;
	g->p = (svm_bisect_params_t){.arity = SVM_DISPUTE_ARITY, .move_blocks = SVM_DISPUTE_MOVE_BLOCKS};
	g->root = t->root;
	g->k = t->k;
	g->steps = t->steps;
	g->n = (t->steps + t->k - 1) / t->k + 1;
	g->lo = 0;
	g->hi = t->steps;
	g->hi_hash = t->final_state;
	g->phase = SVM_BISECT_CLAIMANT_MOVES;
	rc = set_due(c, g);
	if (!rc) rc = store(c, claim, d);
	return rc ? rc : emit(c, "job_dispute", claim);
}

/* ------------------------------------------------------------- methods */

static int read_proof(svm_reader_t *r, uint64_t index, uint64_t size, svm_merkle_proof_t *p)
{
	uint8_t n;
	if (svm_reader_u8(r, &n) || n > SVM_MERKLE_PROOF_MAX) return SVM_EDECODE;
	p->index = index;
	p->size = size;
	p->len = n;
	for (uint32_t i = 0; i < n; i++)
		if (svm_reader_copy(r, p->path[i].b, 32)) return SVM_EDECODE;
	return 0;
}

/* A claim: the chain derives the initial state hash from (module, export, args, gas) and the
 * game checks that checkpoint 0 is that state and the final state is under the root; the bond
 * moves to the program. The game waits, unstarted, for a challenger. */
static int claim(svm_txctx_t *c, svm_reader_t *r)
{
	svm_dispute_t *d = svm_arena_alloc(c->arena, sizeof *d);
	svm_merkle_proof_t *ip = svm_arena_alloc(c->arena, sizeof *ip);
	svm_merkle_proof_t *fp = svm_arena_alloc(c->arena, sizeof *fp);
	if (!d || !ip || !fp) return SVM_ENOMEM;
	memset(d, 0, sizeof *d);
	uint64_t n, k, steps, bond;
	svm_hash_t root;
	if (svm_reader_copy(r, d->code_hash.b, 32) || svm_varint_read(r, &n) || n == 0 ||
	    n > SVM_DISPUTE_ENTRY_MAX || svm_reader_copy(r, d->entry, n) || memchr(d->entry, 0, n) ||
	    svm_reader_u8(r, &d->nargs) || d->nargs > SVM_DISPUTE_ARGS_MAX)
		return SVM_EDECODE;
	d->entry_len = (uint32_t)n;
	for (uint32_t i = 0; i < d->nargs; i++)
		if (svm_varint_read(r, &d->args[i])) return SVM_EDECODE;
	if (svm_varint_read(r, &d->gas) || svm_reader_copy(r, root.b, 32) || svm_varint_read(r, &k) ||
	    svm_varint_read(r, &steps) || svm_reader_copy(r, d->final_state.b, 32) || k == 0 ||
	    steps == 0 || steps > SVM_DISPUTE_STEPS_MAX)
		return SVM_EDECODE;
	uint64_t cks = (steps + k - 1) / k + 1;
	if (read_proof(r, 0, cks, ip) || read_proof(r, cks - 1, cks, fp) ||
	    svm_varint_read(r, &bond) || svm_reader_left(r))
		return SVM_EDECODE;
	if (bond < SVM_DISPUTE_BOND_MIN) return SVM_EFUNDS;
	int rc = svm_host_charge(c, SVM_DISPUTE_STEPS_STATE);
	if (rc) return rc;
	svm_wasm_module_t *m = NULL;
	svm_step_t *s = NULL;
	svm_hash_t init;
	rc = module_of(c, &d->code_hash, &m);
	if (!rc) rc = svm_step_new(&s, m, d->entry, d->args, d->nargs, d->gas, NULL);
	if (!rc) svm_step_hash(s, &init);
	svm_step_free(s);
	svm_wasm_module_free(m);
	if (rc) return rc; /* SVM_EUNSUPPORTED: outside the stepper's subset; SVM_ENOTFOUND */
	svm_bisect_params_t p = {.arity = SVM_DISPUTE_ARITY, .move_blocks = SVM_DISPUTE_MOVE_BLOCKS, .claimant_bond = bond, .challenger_bond = bond};
	rc = svm_bisect_open(&d->game, &p, &root, k, steps, &init, ip, &d->final_state, fp, c->height,
			     NULL);
	if (rc) return rc; /* SVM_EPROOF: checkpoint 0 or the final state not under the root */
	d->claimant = c->tx->sender;
	d->claim_height = c->height;
	d->state = SVM_DISPUTE_OPEN;
	svm_id_t id, acct, t;
	svm_dispute_claim_id(&d->claimant, c->tx->nonce, &id);
	svm_dispute_account(&acct);
	swr(&t);
	rc = svm_ledger_transfer(c, &t, &d->claimant, &acct, bond);
	if (!rc) rc = store(c, &id, d);
	if (!rc) rc = emit(c, "claim", &id);
	if (rc) return rc;
	c->return_data = svm_arena_dup(c->arena, id.b, 32);
	c->return_data_len = c->return_data ? 32 : 0;
	return c->return_data ? 0 : SVM_ENOMEM;
}

/* A challenger's game against claim d: a copy of the claim's opened game with this challenger,
 * the claimant's first move due in move_blocks. Every challenger may have one game while the
 * window runs and fewer than SVM_DISPUTE_GAMES_MAX are open; the window stands still while
 * they all are, so filling them with sybils delays the window and never closes it. */
static int challenge(svm_txctx_t *c, const svm_id_t *id, svm_dispute_t *d)
{
	if (d->kind != SVM_DISPUTE_KIND_CLAIM) return SVM_EINVAL; /* a game or a job's claim */
	if (d->state != SVM_DISPUTE_OPEN || d->refuted) return SVM_ESTATE;
	if (c->height > svm_dispute_window_end(d, c->height)) return SVM_EEXPIRED;
	if (svm_hash_eq(&c->tx->sender, &d->claimant)) return SVM_EPERM;
	if (d->games_len >= SVM_DISPUTE_GAMES_MAX) return SVM_ELIMIT;
	svm_dispute_t *g = svm_arena_alloc(c->arena, sizeof *g);
	if (g == NULL) return SVM_ENOMEM;
	svm_id_t gid, acct, t;
	svm_object_t o;
	svm_dispute_game_id(id, &c->tx->sender, &gid);
	int rc = svm_host_get(c, &gid, &o);
	if (rc == 0) return SVM_EEXIST; /* one game per challenger */
	if (rc != SVM_ENOTFOUND) return rc;
	svm_dispute_account(&acct);
	swr(&t);
	rc = svm_ledger_transfer(c, &t, &c->tx->sender, &acct, d->game.p.challenger_bond);
	if (rc) return rc;
	memset(g, 0, sizeof *g);
	g->kind = SVM_DISPUTE_KIND_GAME;
	g->claim = *id;
	g->claimant = d->claimant;
	g->challenger = c->tx->sender;
	g->code_hash = d->code_hash;
	memcpy(g->entry, d->entry, sizeof g->entry);
	g->entry_len = d->entry_len;
	g->nargs = d->nargs;
	memcpy(g->args, d->args, sizeof g->args);
	g->gas = d->gas;
	g->claim_height = d->claim_height;
	g->state = SVM_DISPUTE_DISPUTED;
	g->final_state = d->final_state;
	g->game = d->game;
	rc = set_due(c, &g->game); /* the claimant's first move */
	if (rc) return rc;
	/* below the bound (checked above), so no full stretch is running (decode holds it at 0) */
	SVM_ASSERT(d->games_len < SVM_DISPUTE_GAMES_MAX && d->full_since == 0);
	d->games[d->games_len++] = c->tx->sender;
	d->games_opened++;
	if (d->games_len == SVM_DISPUTE_GAMES_MAX) d->full_since = c->height;
	rc = store(c, &gid, g);
	if (!rc) rc = store(c, id, d);
	if (!rc) rc = emit(c, "challenged", &gid);
	if (rc) return rc;
	c->return_data = svm_arena_dup(c->arena, gid.b, 32);
	c->return_data_len = c->return_data ? 32 : 0;
	return c->return_data ? 0 : SVM_ENOMEM;
}

/* A claim's game decided: it leaves the claim's open games (the window runs again if they were
 * all open). The claimant won: the challenger's bond burns. The challenger won: its bond comes
 * back, and the first such game slashes the claimant's bond — half to this challenger, half
 * burned; later winners get their bonds back only. A won game is a proof, a lost one is not:
 * the claim stays refuted whatever its other games decide. */
static int game_decided(svm_txctx_t *c, const svm_dispute_t *g, bool claimant_won)
{
	svm_dispute_t *d = svm_arena_alloc(c->arena, sizeof *d);
	if (d == NULL) return SVM_ENOMEM;
	int rc = load(c, &g->claim, d);
	if (rc) return rc == SVM_ENOTFOUND ? SVM_EIO : rc; /* a game's claim always exists */
	uint32_t i = 0;
	while (i < d->games_len && !svm_hash_eq(&d->games[i], &g->challenger)) i++;
	if (d->kind != SVM_DISPUTE_KIND_CLAIM || i == d->games_len) return SVM_EIO; /* opened together */
	/* a claim with a game open is open; a full stretch started at a past block */
	SVM_ASSERT(d->state == SVM_DISPUTE_OPEN && d->games_len > 0);
	SVM_ASSERT(d->games_len < SVM_DISPUTE_GAMES_MAX ? d->full_since == 0 : d->full_since <= c->height);
	if (d->games_len == SVM_DISPUTE_GAMES_MAX) {
		d->paused_blocks = sat_add(d->paused_blocks, c->height - d->full_since);
		d->full_since = 0;
	}
	memmove(&d->games[i], &d->games[i + 1], (d->games_len - i - 1) * sizeof d->games[0]);
	d->games_len--;
	svm_id_t acct, t;
	svm_dispute_account(&acct);
	swr(&t);
	uint64_t cb = d->game.p.challenger_bond, kb = d->game.p.claimant_bond;
	if (claimant_won) {
		if (cb) rc = svm_ledger_burn(c, &t, &acct, cb);
	} else {
		if (cb) rc = svm_ledger_transfer(c, &t, &acct, &g->challenger, cb);
		if (!rc && !d->refuted) {
			d->refuted = true;
			d->prover = g->challenger;
			if (kb / 2) rc = svm_ledger_transfer(c, &t, &acct, &g->challenger, kb / 2);
			if (!rc && kb - kb / 2) rc = svm_ledger_burn(c, &t, &acct, kb - kb / 2);
		}
	}
	if (d->refuted && d->games_len == 0) d->state = SVM_DISPUTE_CLOSED; /* nothing left to decide */
	return rc ? rc : store(c, &g->claim, d);
}

/* Settles a decided game: a claim's game in program 19 (game_decided), a job's in the market
 * (the job records the outcome, its claim pays; program 19 holds no bonds for it). */
static int payout(svm_txctx_t *c, const svm_id_t *id, svm_dispute_t *d)
{
	bool claimant_won = d->game.phase == SVM_BISECT_CLAIMANT_WON;
	int rc = d->kind == SVM_DISPUTE_KIND_JOB
			 ? svm_ai_dispute_decided_(c, &d->job, &d->claimant, &d->challenger, claimant_won)
			 : game_decided(c, d, claimant_won);
	d->state = SVM_DISPUTE_CLOSED;
	if (!rc) rc = store(c, id, d);
	return rc ? rc : emit(c, claimant_won ? "claimant_won" : "challenger_won", id);
}

static int reveal(svm_txctx_t *c, svm_reader_t *r, const svm_id_t *id, svm_dispute_t *d)
{
	uint8_t n, with;
	svm_hash_t *h = svm_arena_alloc(c->arena, SVM_BISECT_ARITY_MAX * sizeof *h);
	svm_merkle_proof_t *pr = svm_arena_alloc(c->arena, SVM_BISECT_ARITY_MAX * sizeof *pr);
	if (!h || !pr) return SVM_ENOMEM;
	if (svm_reader_u8(r, &n) || n >= SVM_BISECT_ARITY_MAX || svm_reader_u8(r, &with) || with > 1)
		return SVM_EDECODE;
	for (uint32_t i = 0; i < n; i++)
		if (svm_reader_copy(r, h[i].b, 32)) return SVM_EDECODE;
	for (uint32_t i = 0; with && i < n; i++)
		if (read_proof(r, 0, d->game.n, &pr[i])) return SVM_EDECODE;
	if (svm_reader_left(r)) return SVM_EDECODE;
	if (d->state != SVM_DISPUTE_DISPUTED) return SVM_ESTATE;
	if (!svm_hash_eq(&c->tx->sender, &d->claimant)) return SVM_EPERM;
	if (n != d->game.nmid) return SVM_EINVAL; /* exactly the planned points */
	if (with != (svm_bisect_needs_proofs(&d->game) ? 1 : 0)) return SVM_EPROOF;
	/* each proof's index is the checkpoint the planned point is */
	for (uint32_t i = 0; with && i < n; i++) pr[i].index = d->game.mid_step[i] == d->game.steps
								       ? d->game.n - 1
								       : d->game.mid_step[i] / d->game.k;
	int rc = svm_bisect_reveal(&d->game, h, with ? pr : NULL, game_now(c, &d->game), NULL);
	if (!rc) rc = set_due(c, &d->game); /* the challenger's pick */
	if (!rc) rc = store(c, id, d);
	return rc ? rc : emit(c, "revealed", id);
}

static int pick(svm_txctx_t *c, svm_reader_t *r, const svm_id_t *id, svm_dispute_t *d)
{
	uint8_t j;
	if (svm_reader_u8(r, &j) || svm_reader_left(r)) return SVM_EDECODE;
	if (d->state != SVM_DISPUTE_DISPUTED) return SVM_ESTATE;
	if (!svm_hash_eq(&c->tx->sender, &d->challenger)) return SVM_EPERM;
	int rc = svm_bisect_pick(&d->game, j, game_now(c, &d->game), NULL);
	if (!rc) rc = set_due(c, &d->game); /* the claimant's next reveal or its one-step proof */
	if (!rc) rc = store(c, id, d);
	return rc ? rc : emit(c, "picked", id);
}

/* The one disputed step, executed by the chain from the agreed pre-state. */
static int prove(svm_txctx_t *c, svm_reader_t *r, const svm_id_t *id, svm_dispute_t *d)
{
	uint64_t n;
	const uint8_t *proof;
	if (svm_varint_read(r, &n) || n > SVM_STEP_PROOF_MAX || svm_reader_bytes(r, n, &proof) ||
	    svm_reader_left(r))
		return SVM_EDECODE;
	if (d->state != SVM_DISPUTE_DISPUTED) return SVM_ESTATE;
	if (!svm_hash_eq(&c->tx->sender, &d->claimant)) return SVM_EPERM;
	int rc = svm_host_charge(c, SVM_DISPUTE_STEPS_PROVE + n / 8);
	if (rc) return rc;
	svm_wasm_module_t *m = NULL;
	svm_ai_job_t *j = NULL;
	svm_step_env_t env, *envp = NULL;
	if (d->kind == SVM_DISPUTE_KIND_JOB) {
		rc = job_of(c, &d->job, &j);
		if (!rc) rc = job_env(c, j, &env);
		if (rc) return rc;
		envp = &env;
	}
	rc = module_of(c, &d->code_hash, &m);
	if (!rc) rc = svm_bisect_prove_env(&d->game, m, envp, proof, n, game_now(c, &d->game), NULL);
	svm_wasm_module_free(m);
	if (rc) return rc; /* a malformed or non-matching proof changes nothing */
	return payout(c, id, d);
}

/* A job claim's first move, by the provider: checkpoints 0 and S under its committed root (0
 * must be the chain's initial state, computed at the dispute), and the final state opened — it
 * hashes to the committed final state, finished (DONE) with exactly the output the provider
 * revealed, so a trace that does not produce the revealed output cannot be defended. Then the
 * game starts as a claim's does. */
static int open_trace(svm_txctx_t *c, svm_reader_t *r, const svm_id_t *id, svm_dispute_t *d)
{
	svm_merkle_proof_t *ip = svm_arena_alloc(c->arena, sizeof *ip);
	svm_merkle_proof_t *fp = svm_arena_alloc(c->arena, sizeof *fp);
	if (!ip || !fp) return SVM_ENOMEM;
	uint64_t n;
	const uint8_t *core;
	svm_bisect_t *g = &d->game;
	if (read_proof(r, 0, g->n, ip) || read_proof(r, g->n - 1, g->n, fp) ||
	    svm_varint_read(r, &n) || n > SVM_STEP_PROOF_MAX || svm_reader_bytes(r, n, &core) ||
	    svm_reader_left(r))
		return SVM_EDECODE;
	if (d->state != SVM_DISPUTE_AWAIT_OPEN) return SVM_ESTATE;
	if (!svm_hash_eq(&c->tx->sender, &d->claimant)) return SVM_EPERM;
	if (late(c, g)) return SVM_EEXPIRED;
	int rc = svm_host_charge(c, SVM_DISPUTE_STEPS_OPEN + n / 8);
	svm_ai_job_t *j = NULL;
	if (!rc) rc = job_of(c, &d->job, &j);
	if (rc) return rc;
	const svm_ai_slot_t *s = NULL;
	for (uint32_t i = 0; i < j->slots_len && s == NULL; i++)
		if (svm_hash_eq(&j->slots[i].provider, &d->claimant)) s = &j->slots[i];
	if (s == NULL || s->state != SVM_AI_SLOT_REVEALED) return SVM_EIO; /* opened on a reveal */
	uint8_t status;
	uint32_t out_len;
	svm_hash_t out_hash;
	rc = svm_step_core_output(&d->code_hash, core, n, &d->final_state, &status, &out_len, &out_hash);
	if (rc) return rc == SVM_ELIMIT ? SVM_EDECODE : rc; /* SVM_EPROOF: not the final state */
	if (status != SVM_STEP_DONE || out_len != s->output_len || !svm_hash_eq(&out_hash, &s->output_hash))
		return SVM_EPROOF; /* the trace does not end with the revealed output */
	svm_bisect_params_t p = g->p;
	svm_hash_t root = g->root, init = g->lo_hash;
	rc = svm_bisect_open(g, &p, &root, g->k, g->steps, &init, ip, &d->final_state, fp, c->height, NULL);
	if (rc) return rc;  /* SVM_EPROOF: checkpoint 0 or S not under the root; g is unchanged */
	rc = set_due(c, g); /* the claimant's first reveal */
	if (rc) return rc;
	g->proof_bytes += n;
	d->state = SVM_DISPUTE_DISPUTED;
	rc = store(c, id, d);
	return rc ? rc : emit(c, "opened", id);
}

/* Anyone: a party that missed its deadline loses; a claim past its window with no game open and
 * none won gets its bond back. */
static int timeout(svm_txctx_t *c, const svm_id_t *id, svm_dispute_t *d)
{
	if (d->kind == SVM_DISPUTE_KIND_CLAIM) {
		/* open with games, or refuted: the games decide (a refuted claim closes with its last) */
		if (d->state != SVM_DISPUTE_OPEN || d->games_len || d->refuted) return SVM_ESTATE;
		if (c->height <= svm_dispute_window_end(d, c->height)) return SVM_ESTATE;
		svm_id_t acct, t;
		svm_dispute_account(&acct);
		swr(&t);
		int rc = svm_ledger_transfer(c, &t, &acct, &d->claimant, d->game.p.claimant_bond);
		d->state = SVM_DISPUTE_CLOSED;
		if (!rc) rc = store(c, id, d);
		return rc ? rc : emit(c, "released", id);
	}
	/* a provider that does not open its trace loses like one that stops revealing */
	if (d->state != SVM_DISPUTE_DISPUTED && d->state != SVM_DISPUTE_AWAIT_OPEN) return SVM_ESTATE;
	/* not late: before the deadline height, or inside its time floor */
	if (!late(c, &d->game) || !svm_bisect_timeout(&d->game, c->height)) return SVM_ESTATE;
	return payout(c, id, d);
}

int svm_dispute_execute(svm_txctx_t *c, const uint8_t *payload, size_t len)
{
	int rc = svm_host_charge(c, SVM_STEPS_NATIVE_CALL);
	if (rc) return rc;
	svm_reader_t r = svm_reader(payload, len);
	uint64_t program, method;
	if (svm_varint_read(&r, &program) || program != SVM_PROGRAM_DISPUTES ||
	    svm_varint_read(&r, &method))
		return SVM_EDECODE;
	if (method == SVM_DISPUTE_CLAIM) return claim(c, &r);
	if (method < SVM_DISPUTE_CHALLENGE || method > SVM_DISPUTE_OPEN_TRACE) return SVM_EDECODE;
	svm_id_t id;
	svm_dispute_t *d = svm_arena_alloc(c->arena, sizeof *d);
	if (d == NULL) return SVM_ENOMEM;
	if (svm_reader_copy(&r, id.b, 32)) return SVM_EDECODE;
	if ((method == SVM_DISPUTE_CHALLENGE || method == SVM_DISPUTE_TIMEOUT) && svm_reader_left(&r))
		return SVM_EDECODE;
	rc = load(c, &id, d);
	if (rc) return rc;
	switch (method) {
	case SVM_DISPUTE_CHALLENGE:
		return challenge(c, &id, d);
	case SVM_DISPUTE_REVEAL:
		return reveal(c, &r, &id, d);
	case SVM_DISPUTE_PICK:
		return pick(c, &r, &id, d);
	case SVM_DISPUTE_PROVE:
		return prove(c, &r, &id, d);
	case SVM_DISPUTE_OPEN_TRACE:
		return open_trace(c, &r, &id, d);
	}
	return timeout(c, &id, d);
}

/* Trace commitments (checkpoints every K steps under one Merkle root) and the k-ary bisection
 * game between a claimant and a challenger, down to one step that the chain executes with
 * svm_step_verify. A pure state machine: the chain supplies "now" (the height) and the moves;
 * every bound (arity, rounds, deadlines, proof bytes) is checked here. */
#include <string.h>

#include "supervm/trace.h"

/* ------------------------------------------------------------ trace */

int svm_trace_build(svm_step_t *s, uint64_t k, uint64_t steps_max, svm_trace_t *out)
{
	memset(out, 0, sizeof *out);
	if (k == 0) return SVM_EINVAL;
	size_t cap = 64;
	out->hashes = svm_malloc(cap * sizeof *out->hashes);
	if (!out->hashes) return SVM_ENOMEM;
	out->k = k;
	svm_step_hash(s, &out->hashes[0]);
	out->n = 1;
	int rc = 0;
	while (svm_step_status(s) == SVM_STEP_RUNNING) {
		uint64_t left = steps_max - svm_step_count(s);
		if (left == 0) {
			rc = SVM_ELIMIT;
			break;
		}
		if ((rc = svm_step_run(s, k < left ? k : left)) != 0) break;
		if (out->n == cap) {
			svm_hash_t *h = svm_realloc(out->hashes, 2 * cap * sizeof *h);
			if (!h) {
				rc = SVM_ENOMEM;
				break;
			}
			out->hashes = h;
			cap *= 2;
		}
		SVM_ASSERT(out->n < cap);
		svm_step_hash(s, &out->hashes[out->n++]);
	}
	if (rc == 0) {
		out->steps = svm_step_count(s);
		/* the last checkpoint is the final state, wherever it falls */
		uint64_t want = (out->steps + k - 1) / k + 1;
		if (out->steps == 0) want = 1;
		SVM_ASSERT(want == out->n);
		rc = svm_merkle_root(out->hashes, out->n, &out->root);
	}
	if (rc != 0) svm_trace_free(out);
	return rc;
}

void svm_trace_free(svm_trace_t *t)
{
	svm_free(t->hashes);
	memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------ game */

static uint64_t ckpt_step(const svm_bisect_t *g, uint64_t i)
{
	SVM_ASSERT(i < g->n); /* a checkpoint of the commitment */
	uint64_t x = i * g->k;
	return x < g->steps ? x : g->steps;
}

/* Checkpoint index of a step that is a checkpoint (or UINT64_MAX). */
static uint64_t ckpt_index(const svm_bisect_t *g, uint64_t step)
{
	SVM_ASSERT(step <= g->steps && g->n >= 2);
	if (step == g->steps) return g->n - 1;
	return step % g->k == 0 ? step / g->k : UINT64_MAX;
}

/* Inside one checkpoint interval, positions are steps; across, checkpoints. */
static bool in_segment(const svm_bisect_t *g)
{
	uint64_t a = ckpt_index(g, g->lo), b = ckpt_index(g, g->hi);
	return a == UINT64_MAX || b == UINT64_MAX || b - a <= 1;
}

/* The points the claimant reveals: up to arity-1 positions strictly inside (lo, hi), evenly
 * spaced, in checkpoint units across checkpoints and in steps inside a segment. */
static void plan(svm_bisect_t *g, uint64_t now)
{
	g->nmid = 0;
	SVM_ASSERT(g->lo < g->hi && g->hi <= g->steps); /* a non-empty interval of the trace */
	if (g->hi - g->lo <= 1) {
		g->phase = SVM_BISECT_ONE_STEP;
		g->deadline = now + g->p.move_blocks;
		return;
	}
	bool seg = in_segment(g);
	uint64_t a = seg ? g->lo : ckpt_index(g, g->lo), b = seg ? g->hi : ckpt_index(g, g->hi);
	uint64_t span = b - a, parts = span < g->p.arity ? span : g->p.arity;
	for (uint64_t j = 1; j < parts; j++) {
		uint64_t x = a + span * j / parts;
		SVM_ASSERT(g->nmid + 1 < SVM_BISECT_ARITY_MAX && a < x && x < b);
		g->mid_step[g->nmid++] = seg ? x : ckpt_step(g, x);
		/* strictly inside (lo, hi) and ascending: every sub-interval the challenger picks is
		 * non-empty and smaller */
		SVM_ASSERT(g->mid_step[g->nmid - 1] > (g->nmid > 1 ? g->mid_step[g->nmid - 2] : g->lo) &&
			   g->mid_step[g->nmid - 1] < g->hi);
	}
	SVM_ASSERT(g->nmid >= 1); /* span ≥ 2: at least one point to reveal */
	g->phase = SVM_BISECT_CLAIMANT_MOVES;
	g->deadline = now + g->p.move_blocks;
}

static bool leaf_in(const svm_hash_t *root, uint64_t n, uint64_t i, const svm_hash_t *h,
		    const svm_merkle_proof_t *proof)
{
	return proof && proof->index == i && proof->size == n && svm_merkle_verify(root, h, proof) == 0;
}

bool svm_bisect_needs_proofs(const svm_bisect_t *g) { return !in_segment(g); }

int svm_bisect_open(svm_bisect_t *g, const svm_bisect_params_t *p, const svm_hash_t *root,
		    uint64_t k, uint64_t steps, const svm_hash_t *init_hash,
		    const svm_merkle_proof_t *init_proof, const svm_hash_t *final_hash,
		    const svm_merkle_proof_t *final_proof, uint64_t now, svm_error_t *err)
{
	memset(g, 0, sizeof *g);
	if (p->arity < 2 || p->arity > SVM_BISECT_ARITY_MAX || p->move_blocks == 0 || k == 0 ||
	    steps == 0)
		return svm_error_set(err, SVM_EINVAL, "bisect: arity 2..%d, K and S > 0, a deadline",
				     SVM_BISECT_ARITY_MAX);
	g->p = *p;
	g->root = *root;
	g->k = k;
	g->steps = steps;
	g->n = (steps + k - 1) / k + 1;
	SVM_ASSERT(g->n >= 2); /* the initial and the final checkpoint */
	if (!leaf_in(root, g->n, 0, init_hash, init_proof))
		return svm_error_set(err, SVM_EPROOF, "bisect: checkpoint 0 is not the agreed initial state");
	if (!leaf_in(root, g->n, g->n - 1, final_hash, final_proof))
		return svm_error_set(err, SVM_EPROOF, "bisect: the final state is not under the commitment");
	g->lo = 0;
	g->hi = steps;
	g->lo_hash = *init_hash;
	g->hi_hash = *final_hash;
	g->proof_bytes = 64 + 32 * ((uint64_t)init_proof->len + final_proof->len);
	plan(g, now);
	return 0;
}

int svm_bisect_reveal(svm_bisect_t *g, const svm_hash_t *hashes, const svm_merkle_proof_t *proofs,
		      uint64_t now, svm_error_t *err)
{
	if (g->phase != SVM_BISECT_CLAIMANT_MOVES)
		return svm_error_set(err, SVM_ESTATE, "bisect: not the claimant's move");
	if (now > g->deadline) return svm_error_set(err, SVM_EEXPIRED, "bisect: past the deadline");
	bool seg = in_segment(g);
	if (!seg && !proofs) return svm_error_set(err, SVM_EPROOF, "bisect: checkpoints need proofs");
	uint64_t path_hashes = 0;
	for (uint32_t i = 0; i < g->nmid; i++) {
		if (!seg) path_hashes += proofs[i].len;
		if (!seg && !leaf_in(&g->root, g->n, ckpt_index(g, g->mid_step[i]), &hashes[i], &proofs[i]))
			return svm_error_set(err, SVM_EPROOF, "bisect: checkpoint %llu not under the commitment",
					     (unsigned long long)ckpt_index(g, g->mid_step[i]));
	}
	SVM_ASSERT(g->nmid < SVM_BISECT_ARITY_MAX);
	memcpy(g->mid_hash, hashes, g->nmid * sizeof *hashes);
	g->proof_bytes += 32 * (g->nmid + path_hashes);
	g->phase = SVM_BISECT_CHALLENGER_MOVES;
	g->deadline = now + g->p.move_blocks;
	return 0;
}

int svm_bisect_pick(svm_bisect_t *g, uint32_t j, uint64_t now, svm_error_t *err)
{
	if (g->phase != SVM_BISECT_CHALLENGER_MOVES)
		return svm_error_set(err, SVM_ESTATE, "bisect: not the challenger's move");
	if (now > g->deadline) return svm_error_set(err, SVM_EEXPIRED, "bisect: past the deadline");
	if (j > g->nmid) return svm_error_set(err, SVM_EINVAL, "bisect: sub-interval %u of %u", j, g->nmid + 1);
	if (g->rounds == SVM_BISECT_ROUNDS_MAX)
		return svm_error_set(err, SVM_ELIMIT, "bisect: more than %d rounds", SVM_BISECT_ROUNDS_MAX);
	uint64_t lo = j == 0 ? g->lo : g->mid_step[j - 1], hi = j == g->nmid ? g->hi : g->mid_step[j];
	svm_hash_t lh = j == 0 ? g->lo_hash : g->mid_hash[j - 1];
	svm_hash_t hh = j == g->nmid ? g->hi_hash : g->mid_hash[j];
	SVM_ASSERT(g->lo <= lo && lo < hi && hi <= g->hi && hi - lo < g->hi - g->lo); /* it shrinks */
	g->lo = lo, g->hi = hi, g->lo_hash = lh, g->hi_hash = hh;
	g->rounds++;
	g->proof_bytes += 4;
	plan(g, now);
	return 0;
}

int svm_bisect_prove(svm_bisect_t *g, const svm_wasm_module_t *m, const uint8_t *proof,
		     size_t proof_len, uint64_t now, svm_error_t *err)
{
	return svm_bisect_prove_env(g, m, NULL, proof, proof_len, now, err);
}

int svm_bisect_prove_env(svm_bisect_t *g, const svm_wasm_module_t *m, const svm_step_env_t *env,
			 const uint8_t *proof, size_t proof_len, uint64_t now, svm_error_t *err)
{
	if (g->phase != SVM_BISECT_ONE_STEP)
		return svm_error_set(err, SVM_ESTATE, "bisect: not at one step");
	if (now > g->deadline) return svm_error_set(err, SVM_EEXPIRED, "bisect: past the deadline");
	svm_hash_t post;
	int rc = svm_step_verify_env(m, env, &g->lo_hash, proof, proof_len, &post, err);
	if (rc != 0) return rc; /* a bad proof changes nothing: the claimant may retry until the deadline */
	SVM_ASSERT(g->hi - g->lo == 1); /* one step, from lo_hash to hi_hash */
	g->proof_bytes += proof_len;
	g->phase = svm_hash_eq(&post, &g->hi_hash) ? SVM_BISECT_CLAIMANT_WON : SVM_BISECT_CHALLENGER_WON;
	return 0;
}

int svm_bisect_timeout(svm_bisect_t *g, uint64_t now)
{
	if (g->phase >= SVM_BISECT_CLAIMANT_WON || now <= g->deadline) return 0;
	g->phase = g->phase == SVM_BISECT_CHALLENGER_MOVES ? SVM_BISECT_CLAIMANT_WON
							   : SVM_BISECT_CHALLENGER_WON;
	SVM_ASSERT(g->phase >= SVM_BISECT_CLAIMANT_WON); /* a timeout ends the game */
	return 1;
}

int svm_bisect_settle(const svm_bisect_t *g, svm_bisect_payout_t *out)
{
	memset(out, 0, sizeof *out);
	if (g->phase == SVM_BISECT_CLAIMANT_WON) {
		out->to_claimant = g->p.claimant_bond + g->p.challenger_bond / 2;
		out->burned = g->p.challenger_bond - g->p.challenger_bond / 2;
	} else if (g->phase == SVM_BISECT_CHALLENGER_WON) {
		out->to_challenger = g->p.challenger_bond + g->p.claimant_bond / 2;
		out->burned = g->p.claimant_bond - g->p.claimant_bond / 2;
	} else {
		return SVM_ESTATE;
	}
	SVM_ASSERT(out->to_claimant + out->to_challenger + out->burned ==
		   g->p.claimant_bond + g->p.challenger_bond);
	return 0;
}

/* JSON-RPC views of the verification programs (docs/verification.md, docs/bisection.md):
 * svm_getDispute — a bisection claim (program 19) with its game, whose move it is and by when;
 * svm_getAttestCollateral — the attestation collateral the chain holds (program 18): the
 * pinned roots, the updater, the AMD CA chains of every known product, and the TDX collateral
 * of an FMSPC.
 * Read-only views of committed state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/internal.h"
#include "supervm/verify.h"

/* The payload of object id into b (reset); SVM_ENOTFOUND when absent. */
static int payload_of(svm_node_t *n, const svm_id_t *id, svm_buf_t *b, svm_object_t *o)
{
	svm_buf_reset(b);
	int rc = svm_chain_object(n->chain, id, b);
	if (rc) return rc;
	return svm_object_decode(b->data, b->len, o, NULL) ? SVM_EIO : 0;
}

static const char *dispute_state(uint8_t s)
{
	return s == SVM_DISPUTE_OPEN         ? "open"
	       : s == SVM_DISPUTE_DISPUTED   ? "disputed"
	       : s == SVM_DISPUTE_AWAIT_OPEN ? "await_open"
					     : "closed";
}

static const char *phase_name(svm_bisect_phase_t p)
{
	static const char *const names[] = {"claimant_reveals", "challenger_picks", "claimant_proves",
					    "claimant_won", "challenger_won"};
	return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "unknown";
}

/* Who moves next: "anyone" may challenge an open claim until its window ends (its games are
 * played in their own records); in a game the "claimant" or the "challenger"; "none" once
 * closed. */
static const char *to_move(const svm_dispute_t *d)
{
	if (d->state == SVM_DISPUTE_OPEN) return "anyone";
	if (d->state == SVM_DISPUTE_AWAIT_OPEN) return "claimant"; /* a job's provider opens its trace */
	if (d->state != SVM_DISPUTE_DISPUTED) return "none";
	return d->game.phase == SVM_BISECT_CHALLENGER_MOVES ? "challenger" : "claimant";
}

static const char *kind_name(uint8_t k)
{
	return k == SVM_DISPUTE_KIND_JOB ? "job" : k == SVM_DISPUTE_KIND_GAME ? "game"
									      : "claim";
}

/* A claim's games: each open one's challenger and game id, how many were ever opened, whether
 * one was won (and by whom), and how long the window has stood still with all of them open. */
static void claim_games_json(json_t *res, const svm_id_t *id, const svm_dispute_t *d)
{
	json_t *games = json_array();
	for (uint32_t i = 0; i < d->games_len; i++) {
		svm_id_t gid;
		svm_dispute_game_id(id, &d->games[i], &gid);
		json_array_append_new(games, json_pack("{s:o, s:o}", "challenger", jhash(&d->games[i]),
						       "game", jhash(&gid)));
	}
	json_object_set_new(res, "games", games);
	json_object_set_new(res, "games_opened", ju64(d->games_opened));
	json_object_set_new(res, "games_max", ju64(SVM_DISPUTE_GAMES_MAX));
	json_object_set_new(res, "refuted", json_boolean(d->refuted));
	json_object_set_new(res, "prover", d->refuted ? jhash(&d->prover) : json_null());
	json_object_set_new(res, "paused_blocks", ju64(d->paused_blocks));
}

static json_t *dispute_json(const svm_id_t *id, const svm_dispute_t *d, const svm_object_t *o,
			    uint64_t head)
{
	const svm_bisect_t *g = &d->game;
	json_t *args = json_array(), *mids = json_array();
	for (uint8_t i = 0; i < d->nargs; i++) json_array_append_new(args, ju64(d->args[i]));
	for (uint32_t i = 0; i < g->nmid; i++)
		json_array_append_new(mids, json_pack("{s:o, s:o}", "step", ju64(g->mid_step[i]), "hash",
						      jhash(&g->mid_hash[i])));
	bool open = d->state == SVM_DISPUTE_OPEN;
	uint64_t until = d->kind == SVM_DISPUTE_KIND_CLAIM ? svm_dispute_window_end(d, head)
							   : d->claim_height + SVM_DISPUTE_CHALLENGE_BLOCKS;
	svm_hash_t zero = {{0}};
	json_t *challenger = svm_hash_eq(&d->challenger, &zero) ? json_null() : jhash(&d->challenger);
	json_t *game = json_pack(
		"{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "phase",
		phase_name(g->phase), "arity", ju64(g->p.arity), "move_blocks", ju64(g->p.move_blocks),
		"root", jhash(&g->root), "k", ju64(g->k), "steps", ju64(g->steps), "checkpoints",
		ju64(g->n), "lo", ju64(g->lo), "hi", ju64(g->hi), "lo_hash", jhash(&g->lo_hash),
		"hi_hash", jhash(&g->hi_hash), "points", mids, "needs_proofs",
		json_boolean(svm_bisect_needs_proofs(g)), "rounds", ju64(g->rounds), "proof_bytes",
		ju64(g->proof_bytes), "deadline", ju64(g->deadline), "deadline_ms", ju64(g->deadline_ms));
	json_t *res = json_pack("{s:s, s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, "
				"s:o, s:o, s:o, s:o, s:o, s:o}",
				"kind", kind_name(d->kind), "job",
				d->kind == SVM_DISPUTE_KIND_JOB ? jhash(&d->job) : json_null(), "claim",
				d->kind == SVM_DISPUTE_KIND_GAME ? jhash(&d->claim) : json_null(),
				"id", jhash(id), "state", dispute_state(d->state), "to_move", to_move(d),
				"claimant", jhash(&d->claimant), "challenger", challenger, "code_hash",
				jhash(&d->code_hash), "export", d->entry, "args", args, "gas", ju64(d->gas),
				"claim_height", ju64(d->claim_height), "challenge_until", ju64(until),
				"final_state", jhash(&d->final_state), "claimant_bond", ju64(g->p.claimant_bond),
				"challenger_bond", ju64(g->p.challenger_bond), "deadline",
				open ? ju64(until) : ju64(g->deadline), "deadline_ms",
				open ? ju64(0) : ju64(g->deadline_ms), "game", game, "raw", jhex(o->payload, o->payload_len));
	if (res && d->kind == SVM_DISPUTE_KIND_CLAIM) claim_games_json(res, id, d);
	return res;
}

static json_t *m_dispute(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_id_t id;
	if (!phash(params, 0, "claim", &id, e)) return NULL;
	svm_buf_t b = {0};
	svm_object_t o;
	svm_dispute_t *d = svm_malloc(sizeof *d);
	int rc = d ? payload_of(ctx, &id, &b, &o) : SVM_ENOMEM;
	if (rc == 0 && svm_dispute_decode(o.payload, o.payload_len, d)) rc = SVM_ENOTFOUND;
	json_t *res = NULL;
	if (rc == SVM_ENOTFOUND)
		res = svm_rpc_fail(e, svm_rpc_app_code(rc), "dispute claim not found");
	else if (rc)
		res = svm_rpc_fail(e, SVM_RPC_INTERNAL_ERROR, "dispute: %s", svm_strerror(rc));
	else
		res = dispute_json(&id, d, &o, svm_chain_height(((svm_node_t *)ctx)->chain));
	svm_free(d);
	svm_buf_free(&b);
	return res;
}

/* The AMD intermediates a chain may hold (svm_attest_snp_chain_id): VCEK and VLEK of each
 * product the pins cover. */
static const char *const SNP_CNS[] = {"SEV-Milan", "SEV-Genoa", "SEV-Turin",
				      "SEV-VLEK-Milan", "SEV-VLEK-Genoa", "SEV-VLEK-Turin"};

static json_t *m_collateral(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	json_t *fv = svm_rpc_param(params, 0, "fmspc");
	uint8_t fmspc[6];
	bool want_tdx = fv != NULL && !json_is_null(fv);
	if (want_tdx && (!json_is_string(fv) || strlen(json_string_value(fv)) != 12 ||
			 svm_hex_decode(fmspc, 6, json_string_value(fv)) != 0))
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 0 (fmspc) must be 12 hex digits");
	svm_buf_t b = {0};
	svm_object_t o;
	svm_id_t id;
	json_t *res = json_object();
	svm_attest_updater_id(&id);
	int rc = payload_of(n, &id, &b, &o);
	json_t *upd = json_null();
	if (rc == 0) {
		svm_reader_t r = svm_reader(o.payload, o.payload_len);
		svm_id_t who;
		uint64_t epoch;
		if (svm_reader_copy(&r, who.b, 32) == 0 && svm_varint_read(&r, &epoch) == 0)
			upd = json_pack("{s:o, s:o}", "id", jhash(&who), "epoch", ju64(epoch));
	}
	json_object_set_new(res, "updater", upd);
	/* the pinned roots: the genesis's pins object, or the built-in defaults */
	svm_attest_pins_t pins = *svm_attest_pins_default();
	const char *source = "built-in";
	svm_attest_pins_id(&id);
	if (payload_of(n, &id, &b, &o) == 0 && svm_attest_pins_decode(o.payload, o.payload_len, &pins) == 0)
		source = "state"; /* written by the genesis or an executed attest_pins proposal */
	json_t *amd = json_array(), *intel = json_array();
	for (size_t i = 0; i < pins.n_amd_ark; i++) json_array_append_new(amd, jhash(&pins.amd_ark[i]));
	for (size_t i = 0; i < pins.n_intel_root; i++)
		json_array_append_new(intel, jhash(&pins.intel_root[i]));
	json_object_set_new(res, "pins", json_pack("{s:s, s:o, s:o}", "source", source, "amd_ark", amd, "intel_root", intel));
	json_t *snp = json_array();
	for (size_t i = 0; i < sizeof SNP_CNS / sizeof SNP_CNS[0]; i++) {
		svm_attest_snp_chain_id(SNP_CNS[i], &id);
		if (payload_of(n, &id, &b, &o)) continue;
		svm_reader_t r = svm_reader(o.payload, o.payload_len);
		uint64_t not_after;
		if (svm_varint_read(&r, &not_after)) continue;
		json_array_append_new(snp, json_pack("{s:s, s:o, s:o, s:o, s:o}", "intermediate",
						     SNP_CNS[i], "object", jhash(&id), "not_after",
						     ju64(not_after), "pem_bytes",
						     ju64(svm_reader_left(&r)), "version",
						     ju64(o.version)));
	}
	json_object_set_new(res, "snp_chains", snp);
	if (want_tdx) {
		svm_attest_tdx_id(fmspc, &id);
		json_t *t = json_null();
		if (payload_of(n, &id, &b, &o) == 0) {
			svm_reader_t r = svm_reader(o.payload, o.payload_len);
			uint64_t eval, expiry;
			if (svm_varint_read(&r, &eval) == 0 && svm_varint_read(&r, &expiry) == 0)
				t = json_pack("{s:o, s:o, s:o, s:o, s:o}", "object", jhash(&id),
					      "tcb_evaluation_data_number", ju64(eval), "expiry",
					      ju64(expiry), "bytes", ju64(svm_reader_left(&r)), "version",
					      ju64(o.version));
		}
		json_object_set_new(res, "tdx", t);
	}
	svm_buf_free(&b);
	return res;
}

size_t svm_node_verify_methods(svm_node_t *n, svm_rpc_method_t *m, size_t max)
{
	const svm_rpc_method_t table[] = {
		{"svm_getDispute", m_dispute, n},
		{"svm_getAttestCollateral", m_collateral, n},
	};
	size_t k = sizeof table / sizeof table[0];
	if (k > max) k = max;
	memcpy(m, table, k * sizeof *m);
	return k;
}

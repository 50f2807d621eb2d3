/* Disputes by bisection through a real chain (program 19): a claimant commits to the trace of
 * mix(n) (tests/vectors/trace/mix.wat, stored with put_code), challengers dispute it, each in a
 * game of its own, and each game is played by transactions in blocks until the chain executes
 * the one disputed step. A provider whose worker corrupts one step deep in the run is caught at
 * exactly that step and slashed once however many challengers win; an honest claimant beats a
 * lying challenger, whose bond burns; a party that stops answering loses at its deadline; moves
 * by the wrong party, out of turn or with a forged checkpoint change nothing; sybils filling
 * every game of a claim cannot run out its window; the bonds move as the rules say and SWR is
 * conserved. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chaintest.h"
#include "lib/jobfx.h"
#include "supervm/ai.h"
#include "supervm/trace.h"
#include "supervm/verify.h"

#define KEYS (5 + (int)SVM_DISPUTE_GAMES_MAX) /* 0 proposer, 1 claimant, 2–4 challengers, sybils */
#define SYBIL0 5
#define SWR0 100000000000ull /* 100 SWR */
#define BOND 5000000000ull   /* 5 SWR */
#define FEE 1000ull
#define ST(e) svm_receipt_status(e)
#define MIX_HEX "tests/vectors/trace/mix.hex"
#define ARG 300 /* mix(300): ~13 000 steps */
#define K 64

_Static_assert(KEYS <= (int)JF_KEYS_MAX, "the fixture holds every key");

typedef struct {
	JF_EMBED; /* dir, c, k, nonce, fees (the fee limits each key spent), now_ms, block_ms */
	uint8_t code[8192];
	size_t code_len;
	svm_hash_t code_hash;
	svm_wasm_module_t *m;
	svm_id_t swr;
} fx_t;

/* A party: the step after which its machine adds 1 to the top value (0: honest). */
typedef struct {
	const fx_t *f;
	uint64_t corrupt_at;
} party_t;

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;
	while (n < cap && sscanf(s + 2 * n, "%2x", &v) == 1) out[n++] = (uint8_t)v;
	return n;
}

static int send_ret(fx_t *f, int who, const svm_buf_t *payload, uint8_t *ret32)
{
	return jf_send_ret(&f->t, who, payload, ret32);
}

static int send(fx_t *f, int who, svm_buf_t *payload) { return jf_send(&f->t, who, payload); }

/* One block of n transactions (in order), each included (jf_send_block). */
static void send_block(fx_t *f, size_t n, const int *who, svm_buf_t *payload, int *st, svm_id_t *ret)
{
	jf_send_block(&f->t, n, who, payload, st, ret);
}

static void blocks(fx_t *f, uint64_t n) { jf_blocks(&f->t, n); }

static uint64_t swr_of(fx_t *f, const svm_id_t *who) { return jf_balance(&f->t, &f->swr, who); }

static void fx_open(fx_t *f)
{
	memset(f, 0, sizeof *f);
	svm_genesis_t g;
	jf_genesis(&f->t, KEYS, SWR0, 0, FEE, &g);
	f->slot_ms = 1000; /* blocks one default slot apart: an idle chain */
	jf_open(&f->t, &g);
	svm_genesis_free(&g);
	svm_token_id("SWR", &f->swr);
	FILE *h = fopen(MIX_HEX, "r");
	cr_assert(h, MIX_HEX " missing");
	static char line[16384];
	cr_assert(fgets(line, sizeof line, h));
	fclose(h);
	f->code_len = unhex(line, f->code, sizeof f->code);
	svm_sha256(f->code, f->code_len, &f->code_hash);
	svm_wasm_config_t wc;
	svm_ai_vm_config(&wc);
	svm_error_t err = {0};
	cr_assert_eq(svm_wasm_module_new(&f->m, f->code, f->code_len, &wc, &err), 0, "%s", err.msg);
	svm_buf_t p = {0};
	cr_assert_eq(svm_ai_put_code_payload(&p, f->code, f->code_len), 0);
	cr_assert_eq(send(f, 0, &p), 0, "put_code");
}

static void fx_close(fx_t *f)
{
	svm_wasm_module_free(f->m);
	jf_close(&f->t);
}

static svm_step_t *machine(const party_t *p)
{
	svm_step_t *s = NULL;
	uint64_t arg = ARG;
	cr_assert_eq(svm_step_new(&s, p->f->m, "mix", &arg, 1, 1u << 24, NULL), 0);
	return s;
}

static void step(const party_t *p, svm_step_t *s)
{
	svm_step_one(s);
	if (p->corrupt_at && svm_step_count(s) == p->corrupt_at) svm_step_corrupt(s, 1);
}

static svm_step_t *state_at(const party_t *p, uint64_t x)
{
	svm_step_t *s = machine(p);
	for (uint64_t i = 0; i < x && svm_step_status(s) == SVM_STEP_RUNNING; i++) step(p, s);
	return s;
}

static void hash_at(const party_t *p, uint64_t x, svm_hash_t *out)
{
	svm_step_t *s = state_at(p, x);
	svm_step_hash(s, out);
	svm_step_free(s);
}

static void trace_of(const party_t *p, svm_trace_t *t)
{
	svm_step_t *s = machine(p);
	memset(t, 0, sizeof *t);
	t->k = K;
	size_t cap = 64;
	t->hashes = malloc(cap * sizeof *t->hashes);
	svm_step_hash(s, &t->hashes[t->n++]);
	while (svm_step_status(s) == SVM_STEP_RUNNING) {
		for (uint64_t i = 0; i < K && svm_step_status(s) == SVM_STEP_RUNNING; i++) step(p, s);
		if (t->n == cap) t->hashes = realloc(t->hashes, (cap *= 2) * sizeof *t->hashes);
		svm_step_hash(s, &t->hashes[t->n++]);
	}
	t->steps = svm_step_count(s);
	cr_assert_eq(svm_merkle_root(t->hashes, t->n, &t->root), 0);
	svm_step_free(s);
}

/* Key `who` claims its trace; returns the claim id. */
static svm_id_t make_claim(fx_t *f, int who, const svm_trace_t *t)
{
	svm_dispute_claim_t c = {.code_hash = f->code_hash, .entry = "mix", .nargs = 1, .args = {ARG}, .gas = 1u << 24, .root = t->root, .k = K, .steps = t->steps, .final_state = t->hashes[t->n - 1], .bond = BOND};
	cr_assert_eq(svm_merkle_prove(t->hashes, t->n, 0, &c.init_proof), 0);
	cr_assert_eq(svm_merkle_prove(t->hashes, t->n, t->n - 1, &c.final_proof), 0);
	svm_buf_t p = {0};
	svm_id_t id;
	cr_assert_eq(svm_dispute_claim_payload(&p, &c), 0);
	cr_assert_eq(send_ret(f, who, &p, id.b), 0, "claim");
	svm_buf_free(&p);
	return id;
}

static void get(fx_t *f, const svm_id_t *id, svm_dispute_t *d) { jf_dispute(&f->t, id, d); }

static int call(fx_t *f, int who, uint64_t method, const svm_id_t *id)
{
	svm_buf_t p = {0};
	cr_assert_eq(svm_dispute_payload(&p, method, id), 0);
	return send(f, who, &p);
}

/* Key `who` challenges claim: its game's id into *game (the derived one, checked). */
static int challenge(fx_t *f, int who, const svm_id_t *claim, svm_id_t *game)
{
	svm_buf_t p = {0};
	svm_id_t ret = {{0}};
	cr_assert_eq(svm_dispute_payload(&p, SVM_DISPUTE_CHALLENGE, claim), 0);
	int st = send_ret(f, who, &p, ret.b);
	svm_buf_free(&p);
	if (st == 0) {
		svm_dispute_game_id(claim, &f->k[who].id, game);
		cr_assert(svm_hash_eq(&ret, game), "the challenge returns the game's id");
	}
	return st;
}

/* Plays the game by transactions: claimant key cl with trace t (party pc), challenger key ch
 * (party pd). silent: 1 the claimant stops at round `at`, 2 the challenger. Returns the phase. */
static svm_bisect_phase_t play(fx_t *f, const svm_id_t *id, int cl, const party_t *pc,
			       const svm_trace_t *t, int ch, const party_t *pd, int silent,
			       uint32_t at, svm_dispute_t *d)
{
	svm_hash_t mids[SVM_BISECT_ARITY_MAX];
	svm_merkle_proof_t proofs[SVM_BISECT_ARITY_MAX];
	for (uint32_t round = 0;; round++) {
		get(f, id, d);
		if (d->state == SVM_DISPUTE_CLOSED) return d->game.phase;
		cr_assert_leq(round, 2 * SVM_BISECT_ROUNDS_MAX + 2);
		svm_bisect_t *g = &d->game;
		svm_buf_t p = {0};
		if ((silent == 1 && g->phase != SVM_BISECT_CHALLENGER_MOVES && round >= at) ||
		    (silent == 2 && g->phase == SVM_BISECT_CHALLENGER_MOVES && round >= at)) {
			int mover = silent == 1 ? cl : ch;
			cr_assert_eq(call(f, ch == mover ? cl : ch, SVM_DISPUTE_TIMEOUT, id), ST(SVM_ESTATE),
				     "not late yet");
			blocks(f, g->deadline - svm_chain_height(f->c));
			cr_assert_eq(call(f, 3, SVM_DISPUTE_TIMEOUT, id), 0, "timeout");
			continue;
		}
		if (g->phase == SVM_BISECT_CLAIMANT_MOVES) {
			bool need = svm_bisect_needs_proofs(g);
			for (uint32_t i = 0; i < g->nmid; i++) {
				hash_at(pc, g->mid_step[i], &mids[i]);
				uint64_t ci = g->mid_step[i] == t->steps ? t->n - 1 : g->mid_step[i] / K;
				if (need) cr_assert_eq(svm_merkle_prove(t->hashes, t->n, ci, &proofs[i]), 0);
			}
			if (need && g->nmid > 0) { /* a forged checkpoint is refused and changes nothing */
				mids[0].b[0] ^= 1;
				cr_assert_eq(svm_dispute_reveal_payload(&p, id, mids, proofs, g->nmid), 0);
				cr_assert_eq(send(f, cl, &p), ST(SVM_EPROOF));
				mids[0].b[0] ^= 1;
			}
			cr_assert_eq(svm_dispute_reveal_payload(&p, id, mids, need ? proofs : NULL, g->nmid), 0);
			cr_assert_eq(send(f, ch, &p), ST(SVM_EPERM), "only the claimant reveals");
			cr_assert_eq(svm_dispute_reveal_payload(&p, id, mids, need ? proofs : NULL, g->nmid), 0);
			cr_assert_eq(send(f, cl, &p), 0, "reveal");
		} else if (g->phase == SVM_BISECT_CHALLENGER_MOVES) {
			uint32_t j = g->nmid;
			for (uint32_t i = 0; i < g->nmid; i++) {
				svm_hash_t mine;
				hash_at(pd, g->mid_step[i], &mine);
				if (!svm_hash_eq(&mine, &g->mid_hash[i])) {
					j = i;
					break;
				}
			}
			cr_assert_eq(svm_dispute_pick_payload(&p, id, j), 0);
			cr_assert_eq(send(f, cl, &p), ST(SVM_EPERM), "only the challenger picks");
			cr_assert_eq(svm_dispute_pick_payload(&p, id, j), 0);
			cr_assert_eq(send(f, ch, &p), 0, "pick");
		} else {
			cr_assert_eq(g->phase, SVM_BISECT_ONE_STEP);
			cr_assert_eq(g->hi, g->lo + 1);
			svm_step_t *s = state_at(pc, g->lo);
			svm_buf_t proof = {0};
			cr_assert_eq(svm_step_prove(s, &proof), 0);
			svm_step_free(s);
			proof.data[proof.len - 1] ^= 1; /* a damaged proof changes nothing */
			cr_assert_eq(svm_dispute_prove_payload(&p, id, proof.data, proof.len), 0);
			cr_assert_neq(send(f, cl, &p), 0);
			proof.data[proof.len - 1] ^= 1;
			cr_assert_eq(svm_dispute_prove_payload(&p, id, proof.data, proof.len), 0);
			cr_assert_eq(send(f, cl, &p), 0, "prove");
			svm_buf_free(&proof);
		}
	}
}

Test(dispute, a_provider_corrupting_one_step_deep_in_the_run_is_caught_at_that_step_and_slashed)
{
	fx_t f;
	fx_open(&f);
	party_t honest = {&f, 0}, liar = {&f, 0};
	svm_trace_t ht;
	trace_of(&honest, &ht);
	liar.corrupt_at = ht.steps * 3 / 4 + 17; /* deep in the run, inside a checkpoint interval */
	svm_trace_t lt;
	trace_of(&liar, &lt);
	cr_assert(!svm_hash_eq(&lt.hashes[lt.n - 1], &ht.hashes[ht.n - 1]), "the lie reaches the end");
	svm_id_t acct;
	svm_dispute_account(&acct);
	uint64_t s1 = swr_of(&f, &f.k[1].id), s2 = swr_of(&f, &f.k[2].id), sa = swr_of(&f, &acct);
	svm_id_t id = make_claim(&f, 1, &lt), gid;
	cr_assert_eq(call(&f, 1, SVM_DISPUTE_CHALLENGE, &id), ST(SVM_EPERM), "not one's own claim");
	cr_assert_eq(challenge(&f, 2, &id, &gid), 0);
	cr_assert_eq(call(&f, 2, SVM_DISPUTE_CHALLENGE, &id), ST(SVM_EEXIST), "one game per challenger");
	cr_assert_eq(call(&f, 3, SVM_DISPUTE_CHALLENGE, &gid), ST(SVM_EINVAL), "a game is not a claim");
	svm_dispute_t d;
	cr_assert_eq(play(&f, &gid, 1, &liar, &lt, 2, &honest, 0, 0, &d), SVM_BISECT_CHALLENGER_WON);
	/* the chain executed the one step the liar corrupted */
	cr_assert_eq(d.game.hi, liar.corrupt_at, "decided at step %llu, the lie is at %llu",
		     (unsigned long long)d.game.hi, (unsigned long long)liar.corrupt_at);
	cr_assert_leq(d.game.rounds, 6u);
	cr_assert_eq(swr_of(&f, &f.k[1].id), s1 - f.fees[1] - BOND, "the liar's bond is slashed");
	cr_assert_eq(swr_of(&f, &f.k[2].id), s2 - f.fees[2] + BOND / 2, "half of it to the challenger");
	cr_assert_eq(swr_of(&f, &acct), sa, "nothing left in escrow; the other half burned");
	get(&f, &id, &d);
	cr_assert(d.state == SVM_DISPUTE_CLOSED && d.refuted && d.games_len == 0, "the claim is closed, refuted");
	cr_assert(svm_hash_eq(&d.prover, &f.k[2].id));
	cr_assert_eq(call(&f, 3, SVM_DISPUTE_TIMEOUT, &id), ST(SVM_ESTATE), "closed");
	cr_assert_eq(call(&f, 3, SVM_DISPUTE_TIMEOUT, &gid), ST(SVM_ESTATE), "closed");
	cr_assert_eq(call(&f, 3, SVM_DISPUTE_CHALLENGE, &id), ST(SVM_ESTATE), "a refuted claim");
	free(ht.hashes);
	free(lt.hashes);
	fx_close(&f);
}

Test(dispute, an_honest_claimant_beats_a_lying_challenger_whose_bond_burns)
{
	fx_t f;
	fx_open(&f);
	party_t honest = {&f, 0}, liar = {&f, 0};
	svm_trace_t ht;
	trace_of(&honest, &ht);
	liar.corrupt_at = ht.steps / 3;
	svm_id_t acct;
	svm_dispute_account(&acct);
	uint64_t s1 = swr_of(&f, &f.k[1].id), s2 = swr_of(&f, &f.k[2].id), sa = swr_of(&f, &acct);
	svm_id_t id = make_claim(&f, 1, &ht), gid;
	cr_assert_eq(challenge(&f, 2, &id, &gid), 0);
	svm_dispute_t d;
	cr_assert_eq(play(&f, &gid, 1, &honest, &ht, 2, &liar, 0, 0, &d), SVM_BISECT_CLAIMANT_WON);
	/* the claim stays challengeable for its window, its bond held */
	cr_assert_eq(swr_of(&f, &f.k[1].id), s1 - f.fees[1] - BOND, "the claimant's bond still held");
	cr_assert_eq(swr_of(&f, &f.k[2].id), s2 - f.fees[2] - BOND, "the lying challenger's bond");
	cr_assert_eq(swr_of(&f, &acct), sa + BOND, "burned, not paid to the claimant");
	get(&f, &id, &d);
	cr_assert(d.state == SVM_DISPUTE_OPEN && !d.refuted && d.games_len == 0 && d.games_opened == 1);
	cr_assert_eq(call(&f, 3, SVM_DISPUTE_TIMEOUT, &id), ST(SVM_ESTATE), "not before its window ends");
	blocks(&f, svm_dispute_window_end(&d, svm_chain_height(f.c)) - svm_chain_height(f.c));
	cr_assert_eq(call(&f, 3, SVM_DISPUTE_TIMEOUT, &id), 0, "released");
	cr_assert_eq(swr_of(&f, &f.k[1].id), s1 - f.fees[1], "the bond back");
	cr_assert_eq(swr_of(&f, &acct), sa);
	free(ht.hashes);
	fx_close(&f);
}

Test(dispute, a_party_that_stops_answering_loses_at_its_deadline)
{
	fx_t f;
	fx_open(&f);
	party_t honest = {&f, 0}, liar = {&f, 0};
	svm_trace_t ht;
	trace_of(&honest, &ht);
	liar.corrupt_at = ht.steps / 2;
	svm_dispute_t d;
	/* an honest claimant whose challenger (right or not) goes silent after a round */
	svm_id_t id = make_claim(&f, 1, &ht), gid;
	cr_assert_eq(challenge(&f, 2, &id, &gid), 0);
	cr_assert_eq(play(&f, &gid, 1, &honest, &ht, 2, &liar, 2, 1, &d), SVM_BISECT_CLAIMANT_WON);
	/* a claimant that stops answering loses even with the true trace */
	id = make_claim(&f, 1, &ht);
	cr_assert_eq(challenge(&f, 3, &id, &gid), 0);
	cr_assert_eq(play(&f, &gid, 1, &honest, &ht, 3, &liar, 1, 2, &d), SVM_BISECT_CHALLENGER_WON);
	/* an unchallenged claim gets its bond back after the window, not before */
	uint64_t s1 = swr_of(&f, &f.k[1].id);
	id = make_claim(&f, 1, &ht);
	cr_assert_eq(call(&f, 3, SVM_DISPUTE_TIMEOUT, &id), ST(SVM_ESTATE));
	blocks(&f, SVM_DISPUTE_CHALLENGE_BLOCKS);
	cr_assert_eq(call(&f, 2, SVM_DISPUTE_CHALLENGE, &id), ST(SVM_EEXPIRED));
	cr_assert_eq(call(&f, 3, SVM_DISPUTE_TIMEOUT, &id), 0);
	cr_assert_eq(swr_of(&f, &f.k[1].id), s1 - FEE, "bond back");
	free(ht.hashes);
	fx_close(&f);
}

/* The time floor (docs/bisection.md): under traffic the node builds blocks faster than its slot,
 * so move_blocks can pass in a fraction of move_blocks slots; a party is late only once the
 * block time has passed them too. Fails with a deadline by height alone. */
Test(dispute, a_deadline_height_passed_in_a_short_block_time_is_not_late_until_the_time_passes)
{
	fx_t f;
	fx_open(&f);
	party_t honest = {&f, 0}, liar = {&f, 0};
	svm_trace_t ht;
	trace_of(&honest, &ht);
	liar.corrupt_at = ht.steps / 3;
	svm_id_t id = make_claim(&f, 1, &ht), gid, gid2;
	cr_assert_eq(challenge(&f, 2, &id, &gid), 0);
	uint64_t due_ms = f.now_ms; /* the challenge's block: the claimant's first move became due */
	cr_assert_eq(challenge(&f, 3, &id, &gid2), 0);
	svm_dispute_t d;
	get(&f, &gid, &d);
	cr_assert_eq(d.game.deadline_ms, due_ms + SVM_DISPUTE_MOVE_BLOCKS * 1000,
		     "move_blocks slots of the default slot_ms");
	f.block_ms = 10; /* traffic: a block every 10 ms */
	blocks(&f, d.game.deadline + 5 - svm_chain_height(f.c));
	cr_assert_gt(svm_chain_height(f.c), d.game.deadline);
	cr_assert_eq(call(&f, 3, SVM_DISPUTE_TIMEOUT, &gid), ST(SVM_ESTATE), "past the height, not the time");
	/* moves past the deadline height but inside the floor are on time: a whole game so */
	svm_dispute_t d2;
	cr_assert_eq(play(&f, &gid2, 1, &honest, &ht, 3, &liar, 0, 0, &d2), SVM_BISECT_CLAIMANT_WON);
	cr_assert_lt(f.now_ms, d.game.deadline_ms, "the whole game inside the first game's floor");
	/* the first game: still not late with the block time at the floor, late just past it */
	f.block_ms = d.game.deadline_ms - f.now_ms;
	cr_assert_eq(call(&f, 3, SVM_DISPUTE_TIMEOUT, &gid), ST(SVM_ESTATE), "at the floor");
	f.block_ms = 1;
	cr_assert_eq(call(&f, 3, SVM_DISPUTE_TIMEOUT, &gid), 0, "past the floor");
	get(&f, &gid, &d);
	cr_assert_eq(d.game.phase, SVM_BISECT_CHALLENGER_WON, "the silent claimant loses");
	free(ht.hashes);
	fx_close(&f);
}

Test(dispute, a_claim_whose_checkpoint_zero_is_not_the_chains_initial_state_is_refused)
{
	fx_t f;
	fx_open(&f);
	party_t honest = {&f, 0};
	svm_trace_t t;
	trace_of(&honest, &t);
	t.hashes[0].b[3] ^= 1; /* a trace that starts elsewhere */
	cr_assert_eq(svm_merkle_root(t.hashes, t.n, &t.root), 0);
	svm_dispute_claim_t c = {.code_hash = f.code_hash, .entry = "mix", .nargs = 1, .args = {ARG}, .gas = 1u << 24, .root = t.root, .k = K, .steps = t.steps, .final_state = t.hashes[t.n - 1], .bond = BOND};
	cr_assert_eq(svm_merkle_prove(t.hashes, t.n, 0, &c.init_proof), 0);
	cr_assert_eq(svm_merkle_prove(t.hashes, t.n, t.n - 1, &c.final_proof), 0);
	svm_buf_t p = {0};
	cr_assert_eq(svm_dispute_claim_payload(&p, &c), 0);
	cr_assert_eq(send(&f, 1, &p), ST(SVM_EPROOF));
	c.code_hash.b[0] ^= 1;
	cr_assert_eq(svm_dispute_claim_payload(&p, &c), 0);
	cr_assert_eq(send(&f, 1, &p), ST(SVM_ENOTFOUND), "no such module");
	free(t.hashes);
	fx_close(&f);
}

/* ------------------------------------------------------------ several challengers */

/* The due move of game d (id) — the claimant as party pc with trace t, the challenger as pd
 * (pick0: it always picks the first sub-interval, as a sybil steering the game away from the
 * claimant's lie) — into p, its sender into *who. */
static void next_move(const svm_id_t *id, const svm_dispute_t *d, int cl, const party_t *pc,
		      const svm_trace_t *t, int ch, const party_t *pd, bool pick0, svm_buf_t *p, int *who)
{
	const svm_bisect_t *g = &d->game;
	if (g->phase == SVM_BISECT_CLAIMANT_MOVES) {
		svm_hash_t mids[SVM_BISECT_ARITY_MAX];
		svm_merkle_proof_t proofs[SVM_BISECT_ARITY_MAX];
		bool need = svm_bisect_needs_proofs(g);
		for (uint32_t i = 0; i < g->nmid; i++) {
			hash_at(pc, g->mid_step[i], &mids[i]);
			uint64_t ci = g->mid_step[i] == t->steps ? t->n - 1 : g->mid_step[i] / K;
			if (need) cr_assert_eq(svm_merkle_prove(t->hashes, t->n, ci, &proofs[i]), 0);
		}
		cr_assert_eq(svm_dispute_reveal_payload(p, id, mids, need ? proofs : NULL, g->nmid), 0);
		*who = cl;
	} else if (g->phase == SVM_BISECT_CHALLENGER_MOVES) {
		uint32_t j = pick0 ? 0 : g->nmid;
		for (uint32_t i = 0; i < g->nmid && j == g->nmid; i++) {
			svm_hash_t mine;
			hash_at(pd, g->mid_step[i], &mine);
			if (!svm_hash_eq(&mine, &g->mid_hash[i])) j = i;
		}
		cr_assert_eq(svm_dispute_pick_payload(p, id, j), 0);
		*who = ch;
	} else {
		cr_assert_eq(g->phase, SVM_BISECT_ONE_STEP);
		svm_step_t *s = state_at(pc, g->lo);
		svm_buf_t proof = {0};
		cr_assert_eq(svm_step_prove(s, &proof), 0);
		svm_step_free(s);
		cr_assert_eq(svm_dispute_prove_payload(p, id, proof.data, proof.len), 0);
		svm_buf_free(&proof);
		*who = cl;
	}
}

/* Plays games gid[n] (challengers ch[n]; silent[i]: that challenger never moves and loses at its
 * deadline) side by side, one move of each per turn, a block per transaction; order[] is the
 * order in which they closed. */
static void play_all(fx_t *f, const svm_id_t *gid, int n, const int *ch, const bool *silent,
		     const party_t *pc, const svm_trace_t *t, const party_t *pd, int *order)
{
	bool closed[8] = {0};
	int done = 0;
	static svm_dispute_t d;
	cr_assert_leq(n, 8);
	for (int round = 0; done < n; round++) {
		cr_assert_lt(round, 400, "the games end");
		bool sent = false;
		for (int i = 0; i < n; i++) {
			if (closed[i]) continue;
			get(f, &gid[i], &d);
			svm_buf_t p = {0};
			int who;
			if (d.state == SVM_DISPUTE_DISPUTED && silent[i] && d.game.phase == SVM_BISECT_CHALLENGER_MOVES) {
				if (svm_chain_height(f->c) + 1 <= d.game.deadline) continue; /* not late yet */
				cr_assert_eq(svm_dispute_payload(&p, SVM_DISPUTE_TIMEOUT, &gid[i]), 0);
				who = 1;
			} else if (d.state == SVM_DISPUTE_DISPUTED) {
				next_move(&gid[i], &d, 1, pc, t, ch[i], pd, false, &p, &who);
			}
			if (d.state == SVM_DISPUTE_DISPUTED) {
				cr_assert_eq(send(f, who, &p), 0, "a move in %d's game", ch[i]);
				sent = true;
				get(f, &gid[i], &d);
			}
			if (d.state == SVM_DISPUTE_CLOSED) {
				closed[i] = true;
				order[done++] = i;
			}
		}
		if (!sent) blocks(f, 1);
	}
}

Test(dispute, several_challengers_of_one_claim_play_their_own_games_and_the_claimant_is_slashed_once)
{
	fx_t f;
	fx_open(&f);
	party_t honest = {&f, 0}, liar = {&f, 0};
	svm_trace_t ht, lt;
	trace_of(&honest, &ht);
	liar.corrupt_at = ht.steps * 3 / 4 + 17;
	trace_of(&liar, &lt);
	svm_id_t acct;
	svm_dispute_account(&acct);
	uint64_t s0[5], f0[5], sa = swr_of(&f, &acct);
	for (int i = 0; i < 5; i++) {
		s0[i] = swr_of(&f, &f.k[i].id);
		f0[i] = f.fees[i];
	}
#define SPENT(i) (f.fees[i] - f0[i])
	svm_id_t id = make_claim(&f, 1, &lt);
	/* 3 is the liar's sybil: it disputes first, hoping to be the only game, and never moves;
	 * 2 and 4 are honest and get games of their own */
	const int ch[3] = {3, 2, 4};
	const bool silent[3] = {true, false, false};
	svm_id_t gid[3];
	for (int i = 0; i < 3; i++) cr_assert_eq(challenge(&f, ch[i], &id, &gid[i]), 0, "%d challenges", ch[i]);
	cr_assert_eq(swr_of(&f, &acct), sa + 4 * BOND, "the claimant's and three challengers' bonds");
	svm_dispute_t d;
	get(&f, &id, &d);
	cr_assert(d.games_len == 3 && d.games_opened == 3 && d.state == SVM_DISPUTE_OPEN);
	for (int i = 0; i < 3; i++) cr_assert(svm_hash_eq(&d.games[i], &f.k[ch[i]].id), "oldest first");
	cr_assert_eq(call(&f, 2, SVM_DISPUTE_CHALLENGE, &id), ST(SVM_EEXIST), "one game per challenger");
	cr_assert_eq(call(&f, 3, SVM_DISPUTE_TIMEOUT, &id), ST(SVM_ESTATE), "games open: no release");

	int order[3];
	play_all(&f, gid, 3, ch, silent, &liar, &lt, &honest, order);
	for (int i = 0; i < 3; i++) {
		get(&f, &gid[i], &d);
		cr_assert_eq(d.state, SVM_DISPUTE_CLOSED);
		if (silent[i]) {
			cr_assert_eq(d.game.phase, SVM_BISECT_CLAIMANT_WON, "the silent sybil loses");
		} else {
			cr_assert_eq(d.game.phase, SVM_BISECT_CHALLENGER_WON, "%d wins", ch[i]);
			cr_assert_eq(d.game.hi, liar.corrupt_at, "each honest game is decided at the lie");
		}
	}
	/* the first honest game to end refuted the claim: its challenger alone gets the slash */
	int first = ch[order[0]] == 3 ? order[1] : order[0];
	int prover = ch[first], other = prover == 2 ? 4 : 2;
	get(&f, &id, &d);
	cr_assert(d.state == SVM_DISPUTE_CLOSED && d.refuted && d.games_len == 0, "closed with its last game");
	cr_assert(svm_hash_eq(&d.prover, &f.k[prover].id), "the prover is the first winner");
	cr_assert_eq(swr_of(&f, &f.k[1].id), s0[1] - SPENT(1) - BOND, "the liar is slashed once");
	cr_assert_eq(swr_of(&f, &f.k[prover].id), s0[prover] - SPENT(prover) + BOND / 2, "bond back and half the claimant's");
	cr_assert_eq(swr_of(&f, &f.k[other].id), s0[other] - SPENT(other), "bond back only");
	cr_assert_eq(swr_of(&f, &f.k[3].id), s0[3] - SPENT(3) - BOND, "the sybil's bond burns");
	cr_assert_eq(swr_of(&f, &acct), sa, "nothing left held");
	cr_assert_eq(challenge(&f, 0, &id, &gid[0]), ST(SVM_ESTATE), "a refuted claim is not challenged");
	printf("several challengers of one claim: 3 games (a silent sybil, two honest) closed in order "
	       "%d, %d, %d; the claimant slashed once, to %d\n",
	       ch[order[0]], ch[order[1]], ch[order[2]], prover);
	fflush(stdout);
#undef SPENT
	free(ht.hashes);
	free(lt.hashes);
	fx_close(&f);
}

/* The claimant's sybils take every game of its lying claim at once and keep them all alive as
 * long as the game allows (each move at its deadline), past the 140-block window: the honest
 * challenger is refused while they are open (ELIMIT, not EEXPIRED: the window stood still), gets
 * in the moment one is decided, and wins; each sybil's bond burns and the claimant is slashed. */
Test(dispute, sybils_filling_every_game_of_a_claim_cannot_run_out_its_window)
{
	fx_t f;
	fx_open(&f);
	party_t honest = {&f, 0}, liar = {&f, 0};
	svm_trace_t ht, lt;
	trace_of(&honest, &ht);
	liar.corrupt_at = ht.steps * 3 / 4 + 17;
	trace_of(&liar, &lt);
	svm_id_t acct;
	svm_dispute_account(&acct);
	uint64_t s0[KEYS], f0[KEYS], sa = swr_of(&f, &acct);
	for (int i = 0; i < KEYS; i++) {
		s0[i] = swr_of(&f, &f.k[i].id);
		f0[i] = f.fees[i];
	}
#define SPENT(i) (f.fees[i] - f0[i])
	const int n = SVM_DISPUTE_GAMES_MAX;
	svm_id_t id = make_claim(&f, 1, &lt), gid[SVM_DISPUTE_GAMES_MAX], hg;
	uint64_t h = svm_chain_height(f.c);
	int who[SVM_DISPUTE_GAMES_MAX], st[SVM_DISPUTE_GAMES_MAX];
	svm_buf_t p[SVM_DISPUTE_GAMES_MAX] = {{0}};
	for (int i = 0; i < n; i++) {
		who[i] = SYBIL0 + i;
		cr_assert_eq(svm_dispute_payload(&p[i], SVM_DISPUTE_CHALLENGE, &id), 0);
	}
	send_block(&f, (size_t)n, who, p, st, gid);
	for (int i = 0; i < n; i++) cr_assert_eq(st[i], 0, "sybil %d challenges", i);
	svm_dispute_t d;
	get(&f, &id, &d);
	cr_assert_eq(d.games_len, n);
	cr_assert_eq(d.full_since, h + 1);
	cr_assert_eq(challenge(&f, 2, &id, &hg), ST(SVM_ELIMIT), "every game taken");
	/* the sybils and the claimant hold every game, each move at its deadline */
	static svm_dispute_t g;
	for (;;) {
		uint64_t next = svm_chain_height(f.c) + 1;
		get(&f, &gid[0], &g);
		if (next > h + SVM_DISPUTE_CHALLENGE_BLOCKS + 1 && g.game.phase == SVM_BISECT_CHALLENGER_MOVES) break;
		cr_assert_lt(next, h + 400);
		if (g.game.deadline != next) {
			blocks(&f, 1);
			continue;
		}
		for (int i = 0; i < n; i++) {
			get(&f, &gid[i], &g);
			cr_assert_eq(g.state, SVM_DISPUTE_DISPUTED);
			cr_assert_eq(g.game.deadline, next, "the games go in step");
			next_move(&gid[i], &g, 1, &liar, &lt, SYBIL0 + i, &liar, true, &p[i], &who[i]);
		}
		send_block(&f, (size_t)n, who, p, st, NULL);
		for (int i = 0; i < n; i++) cr_assert_eq(st[i], 0, "a held move in game %d", i);
	}
	uint64_t now = svm_chain_height(f.c);
	cr_assert_gt(now, h + SVM_DISPUTE_CHALLENGE_BLOCKS, "past the window the claim started with");
	cr_assert_eq(challenge(&f, 2, &id, &hg), ST(SVM_ELIMIT), "still full: refused, not expired");
	get(&f, &id, &d);
	cr_assert_eq(svm_dispute_window_end(&d, now + 1), h + SVM_DISPUTE_CHALLENGE_BLOCKS + now - h,
		     "the window stood still from the block the games filled");
	/* the sybils stop; the claimant times the first one out, and the honest challenger takes
	 * its place in the same block */
	get(&f, &gid[0], &g);
	blocks(&f, g.game.deadline - svm_chain_height(f.c));
	int who2[2] = {1, 2};
	svm_buf_t p2[2] = {{0}};
	int st2[2];
	svm_id_t ret2[2];
	cr_assert_eq(svm_dispute_payload(&p2[0], SVM_DISPUTE_TIMEOUT, &gid[0]), 0);
	cr_assert_eq(svm_dispute_payload(&p2[1], SVM_DISPUTE_CHALLENGE, &id), 0);
	send_block(&f, 2, who2, p2, st2, ret2);
	uint64_t in = svm_chain_height(f.c) - h;
	cr_assert_eq(st2[0], 0, "the silent sybil's game is decided");
	cr_assert_eq(st2[1], 0, "the honest challenger gets in (%d)", st2[1]);
	svm_dispute_game_id(&id, &f.k[2].id, &hg);
	cr_assert(svm_hash_eq(&ret2[1], &hg));
	get(&f, &id, &d);
	uint64_t paused = svm_chain_height(f.c) - (h + 1);
	cr_assert_eq(d.paused_blocks, paused, "paused from the fill to the first decision");
	cr_assert_eq(d.games_len, n, "full again: the honest game in the freed place");
	/* the other sybils lose at their deadlines */
	for (int i = 1; i < n; i++) {
		who[i - 1] = 1;
		cr_assert_eq(svm_dispute_payload(&p[i - 1], SVM_DISPUTE_TIMEOUT, &gid[i]), 0);
	}
	send_block(&f, (size_t)n - 1, who, p, st, NULL);
	for (int i = 0; i < n - 1; i++) cr_assert_eq(st[i], 0, "sybil %d's game timed out", i + 1);
	cr_assert_eq(play(&f, &hg, 1, &liar, &lt, 2, &honest, 0, 0, &d), SVM_BISECT_CHALLENGER_WON);
	cr_assert_eq(d.game.hi, liar.corrupt_at, "decided at the lie");
	get(&f, &id, &d);
	cr_assert(d.state == SVM_DISPUTE_CLOSED && d.refuted && svm_hash_eq(&d.prover, &f.k[2].id));
	cr_assert_eq(d.games_opened, (uint64_t)n + 1);
	cr_assert_eq(swr_of(&f, &f.k[1].id), s0[1] - SPENT(1) - BOND, "the liar is slashed");
	cr_assert_eq(swr_of(&f, &f.k[2].id), s0[2] - SPENT(2) + BOND / 2, "the honest challenger paid");
	for (int i = 0; i < n; i++)
		cr_assert_eq(swr_of(&f, &f.k[SYBIL0 + i].id), s0[SYBIL0 + i] - SPENT(SYBIL0 + i) - BOND,
			     "sybil %d's bond burned", i);
	cr_assert_eq(swr_of(&f, &acct), sa);
	printf("sybils filling a claim: %d games held for %llu blocks (the window is %u), %d bonds "
	       "burned; the honest challenger got in at block %llu after the claim and won\n",
	       n, (unsigned long long)paused, SVM_DISPUTE_CHALLENGE_BLOCKS, n,
	       (unsigned long long)in);
	fflush(stdout);
#undef SPENT
	free(ht.hashes);
	free(lt.hashes);
	fx_close(&f);
}

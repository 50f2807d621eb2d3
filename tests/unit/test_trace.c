/* Unit tests for the canonical stepper, the state hash, one-step proofs and the bisection game:
 * the stepper against the fast interpreter (results, gas, out-of-gas outcome at every limit,
 * traps), every step of a kernel proven and verified, every flipped byte of a one-step proof
 * rejected, and a seeded property test where an honest and a cheating party (claimant or
 * challenger) dispute at every divergence point — the honest side always wins within the round
 * bound and the bonds move as svm_bisect_settle says. SVM_TEST_SEED replays. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervm/ai.h"
#include "supervm/trace.h"
#include "supervm/wasm.h"

#define MIX_HEX "tests/vectors/trace/mix.hex"
#define EXT_HEX "tests/vectors/trace/ext.hex"
#define FLOAT_HEX "tests/vectors/trace/float.hex"
#define DATA_HEX "tests/vectors/trace/data.hex"
#define MV_HEX "tests/vectors/trace/mv.hex"
#define TAB_HEX "tests/vectors/trace/tab.hex"
/* (func (export "f") (param i32) (drop (v128.const i64x2 0 0))) */
#define SIMD_HEX "0061736d0100000001050160017f0003020100070501016600000a17011500fd0c000000000000000000000000000000001a0b"
#define GAS_VECTORS "tests/vectors/wasm-gas/vectors.txt"

static unsigned seed;
static uint64_t rng;
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
static void seed_init(void)
{
	const char *s = getenv("SVM_TEST_SEED");
	seed = s && *s ? (unsigned)strtoul(s, NULL, 10) : (unsigned)time(NULL);
	rng = seed;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (; s[0] && s[1] && n < cap; s += 2) {
		unsigned v;
		if (sscanf(s, "%2x", &v) != 1) break;
		out[n++] = (uint8_t)v;
	}
	return n;
}

static svm_wasm_module_t *load_module(const char *hex_file, const char *line_prefix)
{
	FILE *f = fopen(hex_file, "r");
	cr_assert(f, "%s missing", hex_file);
	static char line[16384];
	static uint8_t bytes[8192];
	size_t n = 0;
	while (fgets(line, sizeof line, f)) {
		if (line_prefix && strncmp(line, line_prefix, strlen(line_prefix)) != 0) continue;
		char *h = line_prefix ? strrchr(line, ' ') + 1 : line;
		n = unhex(h, bytes, sizeof bytes);
		break;
	}
	fclose(f);
	cr_assert_gt(n, 8);
	svm_wasm_config_t cfg;
	svm_wasm_config_default(&cfg);
	svm_wasm_module_t *m = NULL;
	svm_error_t err = {0};
	cr_assert_eq(svm_wasm_module_new(&m, bytes, n, &cfg, &err), 0, "%s", err.msg);
	return m;
}

/* The fast interpreter's run: status, result, gas used. */
static int fast_run(const svm_wasm_module_t *m, const char *fn, uint64_t arg, uint64_t gas,
		    uint64_t *result, uint64_t *used)
{
	svm_wasm_store_t *st = NULL;
	svm_wasm_instance_t *inst = NULL;
	svm_wasm_limits_t lim; /* the store limit the stepper models (the AI runtime's, contracts') */
	svm_wasm_limits_default(&lim);
	lim.memory_pages_max = SVM_STEP_PAGES_MAX;
	cr_assert_eq(svm_wasm_store_new(&st, &lim), 0);
	cr_assert_eq(svm_wasm_instantiate(st, m, &inst, NULL), 0);
	svm_wasm_gas_set(st, gas);
	int rc = svm_wasm_call_export(inst, fn, &arg, 1, result, 1, NULL);
	*used = svm_wasm_gas_used(st);
	svm_wasm_store_free(st);
	return rc;
}

static svm_step_t *machine(const svm_wasm_module_t *m, const char *fn, uint64_t arg, uint64_t gas)
{
	svm_step_t *s = NULL;
	svm_error_t err = {0};
	cr_assert_eq(svm_step_new(&s, m, fn, &arg, 1, gas, &err), 0, "%s", err.msg);
	return s;
}

Test(trace_step, loop_vectors_give_the_known_results_and_gas)
{
	svm_wasm_module_t *m = load_module(GAS_VECTORS, "loop1000 ");
	const uint64_t args[] = {0, 1, 1000}, results[] = {0, 0, 332833500}, gas[] = {28, 49, 21028};
	for (int i = 0; i < 3; i++) {
		svm_step_t *s = machine(m, "sum", args[i], 1u << 30);
		cr_assert_eq(svm_step_run(s, UINT64_MAX), 0);
		cr_assert_eq(svm_step_status(s), SVM_STEP_DONE);
		uint64_t r;
		cr_assert_eq(svm_step_results(s, &r, 1), 0);
		cr_assert_eq(r, results[i]);
		cr_assert_eq(svm_step_gas_used(s), gas[i], "sum(%llu): gas %llu, the schedule says %llu",
			     (unsigned long long)args[i], (unsigned long long)svm_step_gas_used(s),
			     (unsigned long long)gas[i]);
		svm_step_free(s);
	}
	svm_wasm_module_free(m);
}

Test(trace_step, stepper_matches_the_fast_interpreter_on_results_and_gas)
{
	svm_wasm_module_t *m = load_module(MIX_HEX, NULL);
	const uint64_t ns[] = {0, 1, 7, 8, 100, 1000};
	for (int i = 0; i < 6; i++) {
		uint64_t fr, fu;
		cr_assert_eq(fast_run(m, "mix", ns[i], 1u << 30, &fr, &fu), 0);
		svm_step_t *s = machine(m, "mix", ns[i], 1u << 30);
		cr_assert_eq(svm_step_run(s, UINT64_MAX), 0);
		cr_assert_eq(svm_step_status(s), SVM_STEP_DONE);
		uint64_t r;
		svm_step_results(s, &r, 1);
		cr_assert_eq(r, fr, "mix(%llu)", (unsigned long long)ns[i]);
		cr_assert_eq(svm_step_gas_used(s), fu, "mix(%llu): stepper gas %llu, interpreter %llu",
			     (unsigned long long)ns[i], (unsigned long long)svm_step_gas_used(s),
			     (unsigned long long)fu);
		svm_step_free(s);
	}
	svm_wasm_module_free(m);
}

Test(trace_step, out_of_gas_outcome_matches_at_every_limit)
{
	svm_wasm_module_t *m = load_module(MIX_HEX, NULL);
	uint64_t fr, total;
	cr_assert_eq(fast_run(m, "mix", 12, 1u << 30, &fr, &total), 0);
	for (uint64_t g = 0; g <= total + 2; g++) {
		uint64_t r, u;
		int frc = fast_run(m, "mix", 12, g, &r, &u);
		svm_step_t *s = machine(m, "mix", 12, g);
		svm_step_run(s, UINT64_MAX);
		int st = svm_step_status(s);
		cr_assert_eq(frc == 0, st == SVM_STEP_DONE, "gas %llu: interpreter %d, stepper status %d",
			     (unsigned long long)g, frc, st);
		if (frc != 0) cr_assert_eq(st, SVM_STEP_OUT_OF_GAS);
		svm_step_free(s);
	}
	svm_wasm_module_free(m);
}

Test(trace_step, traps_match_the_fast_interpreter)
{
	svm_wasm_module_t *m = load_module(MIX_HEX, NULL);
	uint64_t r, used;
	int frc = fast_run(m, "countdown", 5, 1u << 30, &r, &used);
	cr_assert_eq(frc, SVM_ETRAP);
	svm_step_t *s = machine(m, "countdown", 5, 1u << 30);
	svm_step_run(s, UINT64_MAX);
	cr_assert_eq(svm_step_status(s), SVM_STEP_TRAPPED);
	/* both charge a gas block on entry, so both have paid the same at the trap */
	cr_assert_eq(svm_step_gas_used(s), used, "stepper %llu, interpreter %llu",
		     (unsigned long long)svm_step_gas_used(s), (unsigned long long)used);
	svm_step_free(s);
	svm_wasm_module_free(m);
}

Test(trace_step, incremental_state_hash_equals_a_fresh_one)
{
	svm_wasm_module_t *m = load_module(MIX_HEX, NULL);
	svm_step_t *a = machine(m, "mix", 50, 1u << 30), *b = machine(m, "mix", 50, 1u << 30);
	svm_hash_t ha, hb, prev = {{0}};
	uint64_t changes = 0;
	for (int i = 0; i < 400; i++) {
		svm_step_one(a);
		svm_step_hash(a, &ha); /* rehashes the few dirty leaves each step */
		changes += !svm_hash_eq(&ha, &prev);
		prev = ha;
	}
	svm_step_run(b, 400);
	svm_step_hash(b, &hb); /* one rehash of all leaves dirtied over 400 steps */
	cr_assert(svm_hash_eq(&ha, &hb));
	cr_assert_eq(changes, 400); /* steps and gas are in the hash: every step changes it */
	svm_step_free(a);
	svm_step_free(b);
	svm_wasm_module_free(m);
}

Test(trace_step, every_step_of_a_kernel_proves_and_verifies)
{
	svm_wasm_module_t *m = load_module(MIX_HEX, NULL);
	svm_step_t *s = machine(m, "mix", 30, 1u << 30);
	svm_buf_t proof = {0};
	uint64_t n = 0, mem_steps = 0, two_leaf = 0;
	while (svm_step_status(s) == SVM_STEP_RUNNING) {
		svm_hash_t pre, post, want;
		svm_step_hash(s, &pre);
		svm_buf_reset(&proof);
		cr_assert_eq(svm_step_prove(s, &proof), 0);
		uint32_t leaves = svm_step_leaves(s);
		svm_error_t err = {0};
		int rc = svm_step_verify(m, &pre, proof.data, proof.len, &post, &err);
		cr_assert_eq(rc, 0, "step %llu: %s", (unsigned long long)n, err.msg);
		svm_step_one(s);
		svm_step_hash(s, &want);
		cr_assert(svm_hash_eq(&post, &want), "step %llu: verifier and worker disagree",
			  (unsigned long long)n);
		mem_steps += leaves > 0;
		two_leaf += leaves == 2;
		n++;
	}
	cr_assert_gt(mem_steps, 0);
	cr_assert_gt(two_leaf, 0);
	svm_buf_free(&proof);
	svm_step_free(s);
	svm_wasm_module_free(m);
}

Test(trace_step, every_flipped_byte_of_a_one_step_proof_is_rejected)
{
	svm_wasm_module_t *m = load_module(MIX_HEX, NULL);
	svm_step_t *s = machine(m, "mix", 30, 1u << 30);
	svm_buf_t proof = {0};
	/* the first step whose proof carries two memory leaves (an i64 across a leaf boundary) */
	while (svm_step_leaves(s) < 2 && svm_step_status(s) == SVM_STEP_RUNNING) svm_step_one(s);
	cr_assert_eq(svm_step_leaves(s), 2);
	svm_step_prove(s, &proof);
	svm_hash_t pre, post, want;
	svm_step_hash(s, &pre);
	cr_assert_eq(svm_step_verify(m, &pre, proof.data, proof.len, &post, NULL), 0);
	for (size_t i = 0; i < proof.len; i++) {
		for (int b = 0; b < 8; b++) {
			proof.data[i] ^= (uint8_t)(1u << b);
			int rc = svm_step_verify(m, &pre, proof.data, proof.len, &want, NULL);
			proof.data[i] ^= (uint8_t)(1u << b);
			cr_assert_neq(rc, 0, "flipping bit %d of byte %zu of %zu was accepted", b, i, proof.len);
		}
	}
	cr_assert_neq(svm_step_verify(m, &pre, proof.data, proof.len - 1, &want, NULL), 0);
	svm_buf_push(&proof, 0);
	cr_assert_neq(svm_step_verify(m, &pre, proof.data, proof.len, &want, NULL), 0);
	svm_buf_free(&proof);
	svm_step_free(s);
	svm_wasm_module_free(m);
}

/* ------------------------------------------------------------ bisection */

/* A party: the machine it runs, and the step after which it corrupts its state (0: honest). */
typedef struct {
	const svm_wasm_module_t *m;
	uint64_t arg, gas, corrupt_at;
	const char *fn;             /* NULL: mix(arg) */
	const svm_step_env_t *env;  /* the AI host environment of an inference run */
} party_t;

static svm_step_t *party_machine(const party_t *p)
{
	if (p->fn == NULL) return machine(p->m, "mix", p->arg, p->gas);
	if (p->env == NULL) return machine(p->m, p->fn, p->arg, p->gas);
	svm_step_t *s = NULL;
	svm_error_t err = {0};
	cr_assert_eq(svm_step_new_env(&s, p->m, p->fn, NULL, 0, p->gas, p->env, &err), 0, "%s", err.msg);
	return s;
}

static void party_step(const party_t *p, svm_step_t *s)
{
	svm_step_one(s);
	if (p->corrupt_at && svm_step_count(s) == p->corrupt_at) svm_step_corrupt(s, 1);
}

/* The party's state hash after x steps (re-run from the start: the test's parties keep no
 * snapshots). */
static void hash_at(const party_t *p, uint64_t x, svm_hash_t *out)
{
	svm_step_t *s = party_machine(p);
	for (uint64_t i = 0; i < x && svm_step_status(s) == SVM_STEP_RUNNING; i++) party_step(p, s);
	svm_step_hash(s, out);
	svm_step_free(s);
}

/* The state the party stands at step x, for its one-step proof. */
static svm_step_t *state_at(const party_t *p, uint64_t x)
{
	svm_step_t *s = party_machine(p);
	for (uint64_t i = 0; i < x && svm_step_status(s) == SVM_STEP_RUNNING; i++) party_step(p, s);
	return s;
}

/* The party's checkpoints every k steps (the trace it would commit to). */
static void party_trace(const party_t *p, uint64_t k, svm_trace_t *t)
{
	svm_step_t *s = party_machine(p);
	memset(t, 0, sizeof *t);
	t->k = k;
	size_t cap = 16;
	t->hashes = malloc(cap * sizeof *t->hashes);
	svm_step_hash(s, &t->hashes[t->n++]);
	while (svm_step_status(s) == SVM_STEP_RUNNING) {
		for (uint64_t i = 0; i < k && svm_step_status(s) == SVM_STEP_RUNNING; i++) party_step(p, s);
		if (t->n == cap) t->hashes = realloc(t->hashes, (cap *= 2) * sizeof *t->hashes);
		svm_step_hash(s, &t->hashes[t->n++]);
	}
	t->steps = svm_step_count(s);
	cr_assert_eq(svm_merkle_root(t->hashes, t->n, &t->root), 0);
	svm_step_free(s);
}

typedef struct {
	svm_bisect_phase_t outcome;
	uint64_t lo, hi; /* the interval the game ended on */
	uint32_t rounds;
	uint64_t bytes;
	bool disputed;
} game_result_t;

/* Plays a full dispute: claimant's trace against challenger's view, both playing to their own
 * traces. silent: 1 the claimant stops answering at round `silent_round`, 2 the challenger. */
static game_result_t play(const party_t *claimant, const party_t *challenger, uint64_t k,
			  uint32_t arity, int silent, uint32_t silent_round)
{
	game_result_t res = {0};
	svm_trace_t t;
	party_trace(claimant, k, &t);
	svm_hash_t their_final;
	hash_at(challenger, t.steps, &their_final);
	if (svm_hash_eq(&their_final, &t.hashes[t.n - 1])) {
		free(t.hashes);
		return res; /* the challenger agrees with the claimed final state: no dispute */
	}
	res.disputed = true;
	svm_bisect_params_t p = {arity, 10, 1000, 600};
	svm_merkle_proof_t p0, pn;
	cr_assert_eq(svm_merkle_prove(t.hashes, t.n, 0, &p0), 0);
	cr_assert_eq(svm_merkle_prove(t.hashes, t.n, t.n - 1, &pn), 0);
	svm_bisect_t g;
	svm_error_t err = {0};
	uint64_t now = 100;
	cr_assert_eq(svm_bisect_open(&g, &p, &t.root, k, t.steps, &t.hashes[0], &p0,
				     &t.hashes[t.n - 1], &pn, now, &err),
		     0, "%s", err.msg);
	svm_hash_t mids[SVM_BISECT_ARITY_MAX];
	svm_merkle_proof_t proofs[SVM_BISECT_ARITY_MAX];
	for (uint32_t round = 0; g.phase < SVM_BISECT_CLAIMANT_WON; round++) {
		cr_assert_leq(round, 2 * SVM_BISECT_ROUNDS_MAX);
		now += 1;
		if (g.phase == SVM_BISECT_CLAIMANT_MOVES) {
			if (silent == 1 && round >= silent_round) {
				now = g.deadline + 1;
				cr_assert_eq(svm_bisect_timeout(&g, now), 1);
				break;
			}
			bool need = svm_bisect_needs_proofs(&g);
			for (uint32_t i = 0; i < g.nmid; i++) {
				hash_at(claimant, g.mid_step[i], &mids[i]);
				if (need) {
					uint64_t ci = g.mid_step[i] == t.steps ? t.n - 1 : g.mid_step[i] / k;
					cr_assert(svm_hash_eq(&mids[i], &t.hashes[ci]));
					cr_assert_eq(svm_merkle_prove(t.hashes, t.n, ci, &proofs[i]), 0);
				}
			}
			cr_assert_eq(svm_bisect_reveal(&g, mids, need ? proofs : NULL, now, &err), 0, "%s",
				     err.msg);
		} else if (g.phase == SVM_BISECT_CHALLENGER_MOVES) {
			if (silent == 2 && round >= silent_round) {
				now = g.deadline + 1;
				cr_assert_eq(svm_bisect_timeout(&g, now), 1);
				break;
			}
			uint32_t j = g.nmid;
			for (uint32_t i = 0; i < g.nmid; i++) {
				svm_hash_t mine;
				hash_at(challenger, g.mid_step[i], &mine);
				if (!svm_hash_eq(&mine, &g.mid_hash[i])) {
					j = i;
					break;
				}
			}
			cr_assert_eq(svm_bisect_pick(&g, j, now, &err), 0, "%s", err.msg);
		} else {
			cr_assert_eq(g.phase, SVM_BISECT_ONE_STEP);
			cr_assert_eq(g.hi, g.lo + 1);
			if (silent == 1) {
				now = g.deadline + 1;
				cr_assert_eq(svm_bisect_timeout(&g, now), 1);
				break;
			}
			/* The claimant proves the step from the agreed state (its own, which the
			 * challenger accepted); the chain computes the true successor. */
			svm_step_t *s = state_at(claimant, g.lo);
			svm_hash_t h;
			svm_step_hash(s, &h);
			cr_assert(svm_hash_eq(&h, &g.lo_hash));
			svm_buf_t proof = {0};
			cr_assert_eq(svm_step_prove(s, &proof), 0);
			cr_assert_eq(svm_bisect_prove_env(&g, claimant->m, claimant->env, proof.data, proof.len,
							  now, &err),
				     0, "%s", err.msg);
			svm_buf_free(&proof);
			svm_step_free(s);
		}
	}
	res.outcome = g.phase;
	res.rounds = g.rounds;
	res.lo = g.lo;
	res.hi = g.hi;
	res.bytes = g.proof_bytes;
	svm_bisect_payout_t pay;
	cr_assert_eq(svm_bisect_settle(&g, &pay), 0);
	if (g.phase == SVM_BISECT_CLAIMANT_WON) {
		cr_assert_eq(pay.to_claimant, 1000 + 300);
		cr_assert_eq(pay.burned, 300);
		cr_assert_eq(pay.to_challenger, 0);
	} else {
		cr_assert_eq(pay.to_challenger, 600 + 500);
		cr_assert_eq(pay.burned, 500);
		cr_assert_eq(pay.to_claimant, 0);
	}
	free(t.hashes);
	return res;
}

static uint32_t ceil_log(uint64_t x, uint32_t base)
{
	uint32_t r = 0;
	for (uint64_t v = 1; v < x; v *= base) r++;
	return r;
}

/* fn(arg) of m for each of the n args: the stepper finishes with the VM's result and gas. */
static void runs_like_the_vm(const svm_wasm_module_t *m, const char *fn, const uint64_t *args, int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t fr, fu, r;
		cr_assert_eq(fast_run(m, fn, args[i], 1u << 30, &fr, &fu), 0);
		svm_step_t *s = machine(m, fn, args[i], 1u << 30);
		cr_assert_eq(svm_step_run(s, UINT64_MAX), 0);
		cr_assert_eq(svm_step_status(s), SVM_STEP_DONE, "%s(%llu)", fn, (unsigned long long)args[i]);
		svm_step_results(s, &r, 1);
		cr_assert_eq(r, fr, "%s(%llu): stepper %llx, VM %llx", fn, (unsigned long long)args[i],
			     (unsigned long long)r, (unsigned long long)fr);
		cr_assert_eq(svm_step_gas_used(s), fu, "%s(%llu): stepper gas %llu, VM %llu", fn,
			     (unsigned long long)args[i], (unsigned long long)svm_step_gas_used(s),
			     (unsigned long long)fu);
		svm_step_free(s);
	}
}

/* fn(arg) of the module in hex_file run by the stepper with every gas limit from 0 to edge - 1,
 * with the edge limits just below total + 2 (the run's whole gas), and with `random` limits
 * drawn below total: it runs out of gas exactly where the VM does (and, with gas_used, uses
 * the VM's gas). */
static void out_of_gas_near_every_charge(const char *hex_file, const char *fn, uint64_t arg, uint64_t edge,
					 uint64_t random, bool gas_used)
{
	seed_init();
	svm_wasm_module_t *m = load_module(hex_file, NULL);
	uint64_t fr, total;
	cr_assert_eq(fast_run(m, fn, arg, 1u << 30, &fr, &total), 0);
	for (uint64_t j = 0; j < 2 * edge + random; j++) {
		uint64_t g = j < edge ? j : j < 2 * edge ? total + 2 - (j - edge) : rnd() % total;
		uint64_t r, u;
		int frc = fast_run(m, fn, arg, g, &r, &u);
		svm_step_t *s = machine(m, fn, arg, g);
		cr_assert_eq(svm_step_run(s, UINT64_MAX), 0);
		int want = frc == 0 ? SVM_STEP_DONE : SVM_STEP_OUT_OF_GAS;
		cr_assert_eq(svm_step_status(s), want, "seed %u: gas %llu of %llu: VM rc %d, stepper %d", seed,
			     (unsigned long long)g, (unsigned long long)total, frc, svm_step_status(s));
		if (gas_used)
			cr_assert_eq(svm_step_gas_used(s), u, "seed %u: gas %llu: stepper used %llu, VM %llu", seed,
				     (unsigned long long)g, (unsigned long long)svm_step_gas_used(s),
				     (unsigned long long)u);
		svm_step_free(s);
	}
	svm_wasm_module_free(m);
}

/* The step a liar corrupts to stand out: the first step of opcode `kind` from step `from` on
 * whose corruption (+1 on the top of the stack after it) reaches the final state hf, over a run
 * of total steps. */
static uint64_t corruptible_step(const party_t *honest, uint64_t total, uint64_t from, uint32_t kind,
				 const svm_hash_t *hf)
{
	party_t liar = *honest;
	svm_step_t *s = party_machine(honest);
	while (svm_step_count(s) < from) svm_step_one(s);
	for (;;) {
		cr_assert_eq(svm_step_status(s), SVM_STEP_RUNNING, "kind %x: no corruptible step", kind);
		uint32_t op = svm_step_opcode(s);
		svm_step_one(s);
		if (op != kind) continue;
		liar.corrupt_at = svm_step_count(s);
		svm_hash_t lf;
		hash_at(&liar, total, &lf);
		if (!svm_hash_eq(hf, &lf)) break;
	}
	svm_step_free(s);
	return liar.corrupt_at;
}

/* For each of the n opcodes in kinds: a worker running fn(arg) of the module in hex_file that
 * corrupts its state after one such step (past a third of the run, or from the start where
 * early[k]) is bisected down to exactly that step, which the chain executes from the agreed
 * state; an honest worker beats that liar as challenger. */
static void bisect_to_each_kind(const char *hex_file, const char *fn, uint64_t arg, const uint32_t *kinds,
				int n, const bool *early)
{
	svm_wasm_module_t *m = load_module(hex_file, NULL);
	party_t honest = {m, arg, 1u << 30, 0, fn, NULL};
	svm_step_t *s = party_machine(&honest);
	svm_step_run(s, UINT64_MAX);
	uint64_t total = svm_step_count(s);
	svm_step_free(s);
	svm_hash_t hf;
	hash_at(&honest, total, &hf);
	for (int k = 0; k < n; k++) {
		party_t liar = honest;
		liar.corrupt_at = corruptible_step(&honest, total, early && early[k] ? 1 : total / 3, kinds[k], &hf);
		game_result_t r = play(&liar, &honest, 16, 4, 0, 0);
		cr_assert(r.disputed);
		cr_assert_eq(r.outcome, SVM_BISECT_CHALLENGER_WON, "kind %x", kinds[k]);
		cr_assert_eq(r.hi, liar.corrupt_at, "kind %x: decided at step %llu, corrupted %llu", kinds[k],
			     (unsigned long long)r.hi, (unsigned long long)liar.corrupt_at);
		s = state_at(&honest, r.lo);
		cr_assert_eq(svm_step_opcode(s), kinds[k], "the step the chain executed is the instruction's");
		svm_step_free(s);
		r = play(&honest, &liar, 16, 4, 0, 0);
		cr_assert_eq(r.outcome, SVM_BISECT_CLAIMANT_WON, "kind %x: an honest worker wins", kinds[k]);
	}
	svm_wasm_module_free(m);
}

Test(trace_bisect, the_honest_party_wins_at_every_divergence_point)
{
	seed_init();
	svm_wasm_module_t *m = load_module(MIX_HEX, NULL);
	party_t honest = {m, 40, 1u << 20, 0, NULL, NULL};
	svm_step_t *s = party_machine(&honest);
	svm_step_run(s, UINT64_MAX);
	uint64_t total = svm_step_count(s);
	svm_step_free(s);
	const uint32_t arities[] = {2, 4, 16};
	const uint64_t ks[] = {1, 7, 64};
	uint32_t games = 0;
	for (int iter = 0; iter < 24; iter++) {
		uint64_t d = 1 + rnd() % total;
		uint32_t arity = arities[rnd() % 3];
		uint64_t k = ks[rnd() % 3];
		bool cheat_claims = rnd() & 1;
		party_t cheat = {m, 40, 1u << 20, d, NULL, NULL};
		game_result_t r = cheat_claims ? play(&cheat, &honest, k, arity, 0, 0)
					       : play(&honest, &cheat, k, arity, 0, 0);
		if (!r.disputed) continue; /* the corruption washed out before the end */
		games++;
		svm_bisect_phase_t want = cheat_claims ? SVM_BISECT_CHALLENGER_WON : SVM_BISECT_CLAIMANT_WON;
		cr_assert_eq(r.outcome, want,
			     "seed %u: divergence at step %llu of %llu, arity %u, K %llu, %s cheating: wrong winner",
			     seed, (unsigned long long)d, (unsigned long long)total, arity,
			     (unsigned long long)k, cheat_claims ? "claimant" : "challenger");
		uint32_t bound = ceil_log((total + k - 1) / k + 1, arity) + ceil_log(k, arity) + 2;
		cr_assert_leq(r.rounds, bound, "seed %u: %u rounds > bound %u", seed, r.rounds, bound);
	}
	cr_assert_gt(games, 8, "seed %u: too few disputes", seed);
	svm_wasm_module_free(m);
}

Test(trace_bisect, a_party_that_stops_answering_loses)
{
	svm_wasm_module_t *m = load_module(MIX_HEX, NULL);
	party_t honest = {m, 20, 1u << 20, 0, NULL, NULL}, cheat = {m, 20, 1u << 20, 100, NULL, NULL};
	/* an honest claimant that stops answering loses to a dishonest challenger */
	game_result_t r = play(&honest, &cheat, 8, 4, 1, 1);
	cr_assert_eq(r.outcome, SVM_BISECT_CHALLENGER_WON);
	/* a challenger that stops answering loses, even when it is right */
	r = play(&cheat, &honest, 8, 4, 2, 1);
	cr_assert_eq(r.outcome, SVM_BISECT_CLAIMANT_WON);
	/* a claimant that does not prove the last step loses */
	r = play(&honest, &cheat, 8, 4, 1, 1000);
	cr_assert_eq(r.outcome, SVM_BISECT_CHALLENGER_WON);
	svm_wasm_module_free(m);
}

Test(trace_bisect, moves_out_of_turn_late_or_unproven_change_nothing)
{
	svm_wasm_module_t *m = load_module(MIX_HEX, NULL);
	party_t honest = {m, 20, 1u << 20, 0, NULL, NULL};
	svm_trace_t t;
	party_trace(&honest, 4, &t);
	svm_merkle_proof_t p0, pn;
	svm_merkle_prove(t.hashes, t.n, 0, &p0);
	svm_merkle_prove(t.hashes, t.n, t.n - 1, &pn);
	svm_bisect_params_t p = {4, 10, 1000, 600};
	svm_bisect_t g;
	svm_hash_t wrong = t.hashes[1];
	cr_assert_eq(svm_bisect_open(&g, &p, &t.root, 4, t.steps, &wrong, &p0, &t.hashes[t.n - 1], &pn,
				     0, NULL),
		     SVM_EPROOF);
	cr_assert_eq(svm_bisect_open(&g, &p, &t.root, 4, t.steps, &t.hashes[0], &p0, &t.hashes[t.n - 1],
				     &pn, 0, NULL),
		     0);
	svm_bisect_t before = g;
	cr_assert_eq(svm_bisect_pick(&g, 0, 1, NULL), SVM_ESTATE);
	svm_hash_t mids[SVM_BISECT_ARITY_MAX];
	svm_merkle_proof_t proofs[SVM_BISECT_ARITY_MAX];
	for (uint32_t i = 0; i < g.nmid; i++) {
		uint64_t ci = g.mid_step[i] / 4;
		mids[i] = t.hashes[ci];
		svm_merkle_prove(t.hashes, t.n, ci, &proofs[i]);
	}
	mids[0].b[0] ^= 1;
	cr_assert_eq(svm_bisect_reveal(&g, mids, proofs, 1, NULL), SVM_EPROOF);
	mids[0].b[0] ^= 1;
	cr_assert_eq(svm_bisect_reveal(&g, mids, NULL, 1, NULL), SVM_EPROOF);
	cr_assert_eq(svm_bisect_reveal(&g, mids, proofs, g.deadline + 1, NULL), SVM_EEXPIRED);
	cr_assert_eq(memcmp(&g, &before, sizeof g), 0);
	cr_assert_eq(svm_bisect_timeout(&g, g.deadline), 0);
	cr_assert_eq(svm_bisect_reveal(&g, mids, proofs, 1, NULL), 0);
	cr_assert_eq(svm_bisect_pick(&g, g.nmid + 1, 2, NULL), SVM_EINVAL);
	free(t.hashes);
	svm_wasm_module_free(m);
}

/* ------------------------------------------------------------ a real inference */

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

/* The Fashion-MNIST inference module (contracts/ai/infer.c: calls, call_indirect through the
 * table to the i8_matvec import, the model/input/set_return host functions) run by the stepper
 * with the AI host environment gives the fast interpreter's output bytes and gas on both paths;
 * its host steps prove and verify (their memory ranges under the root); and a worker that
 * corrupts one step deep in the run is bisected down to exactly that step, which the verifier
 * executes from the agreed state: the honest challenger wins. */
Test(trace_ai, a_real_inference_runs_as_in_the_vm_and_a_corrupted_step_is_bisected_to)
{
	size_t clen, wlen, ilen;
	uint8_t *code = slurp("build/ai/infer.wasm", &clen);
	uint8_t *w = slurp("models/fmnist/fmnist-mlp.svq8", &wlen);
	uint8_t *images = slurp("build/ai/t10k-images-idx3-ubyte", &ilen);
	cr_assert_geq(ilen, 16 + 2 * 784);
	svm_wasm_config_t cfg;
	svm_ai_vm_config(&cfg);
	svm_wasm_module_t *m = NULL;
	svm_error_t err = {0};
	cr_assert_eq(svm_wasm_module_new(&m, code, clen, &cfg, &err), 0, "%s", err.msg);
	svm_step_env_t env = {w, wlen, images + 16 + 784, 784};
	const char *fns[2] = {"infer", "infer_ref"};
	uint64_t steps_host = 0;
	for (int k = 0; k < 2; k++) {
		uint8_t out[SVM_AI_OUTPUT_MAX], *sout;
		size_t out_len, slen;
		uint64_t gas = 0;
		cr_assert_eq(svm_ai_run(code, clen, fns[k], w, wlen, env.input, 784, 1ull << 32, out,
					&out_len, &gas, &err),
			     0, "%s", err.msg);
		svm_step_t *s = NULL;
		cr_assert_eq(svm_step_new_env(&s, m, fns[k], NULL, 0, 1ull << 32, &env, &err), 0, "%s",
			     err.msg);
		cr_assert_eq(svm_step_run(s, UINT64_MAX), 0);
		cr_assert_eq(svm_step_status(s), SVM_STEP_DONE, "%s", fns[k]);
		cr_assert_eq(svm_step_gas_used(s), gas, "%s: stepper gas %llu, VM gas %llu", fns[k],
			     (unsigned long long)svm_step_gas_used(s), (unsigned long long)gas);
		cr_assert_eq(svm_step_output(s, (const uint8_t **)&sout, &slen), 0);
		cr_assert_eq(slen, out_len);
		cr_assert_eq(memcmp(sout, out, slen), 0, "%s: the same output bytes", fns[k]);
		if (k == 0) steps_host = svm_step_count(s);
		svm_step_free(s);
		/* out of gas one unit short, in both */
		uint64_t short_gas;
		cr_assert_neq(svm_ai_run(code, clen, fns[k], w, wlen, env.input, 784, gas - 1, out,
					 &out_len, &short_gas, NULL),
			      0);
		cr_assert_eq(svm_step_new_env(&s, m, fns[k], NULL, 0, gas - 1, &env, NULL), 0);
		cr_assert_eq(svm_step_run(s, UINT64_MAX), 0);
		cr_assert_eq(svm_step_status(s), SVM_STEP_OUT_OF_GAS);
		svm_step_free(s);
	}
	/* every host call step (and every 97th step) proves and verifies; a flipped byte in the
	 * revealed weights of the first i8_matvec fails */
	svm_step_t *s = NULL;
	cr_assert_eq(svm_step_new_env(&s, m, "infer", NULL, 0, 1ull << 32, &env, NULL), 0);
	unsigned proved = 0, big = 0, flipped = 0, rows_seen = 0, row_flips = 0;
	size_t proof_max = 0;
	while (svm_step_status(s) == SVM_STEP_RUNNING) {
		uint32_t leaves = svm_step_leaves(s);
		if (leaves > 2 || svm_step_count(s) % 97 == 0) {
			svm_hash_t pre, post, want;
			svm_buf_t proof = {0};
			svm_step_hash(s, &pre);
			cr_assert_eq(svm_step_prove(s, &proof), 0);
			svm_step_t *c = NULL;
			cr_assert_eq(svm_step_clone(s, &c), 0);
			svm_step_one(c);
			svm_step_hash(c, &want);
			svm_step_free(c);
			cr_assert_eq(svm_step_verify_env(m, &env, &pre, proof.data, proof.len, &post, &err), 0,
				     "step %llu: %s", (unsigned long long)svm_step_count(s), err.msg);
			cr_assert(svm_hash_eq(&post, &want), "step %llu", (unsigned long long)svm_step_count(s));
			if (proof.len > proof_max) proof_max = proof.len;
			/* the second row of the first i8_matvec: a host call in progress (its arguments and
			 * next row in the state); one bit of every byte of its proof flipped is rejected */
			if (leaves > 3 && leaves < 60 && ++rows_seen == 3) {
				for (size_t i = 0; i < proof.len; i++) {
					proof.data[i] ^= (uint8_t)(1u << (i % 8));
					row_flips += svm_step_verify_env(m, &env, &pre, proof.data, proof.len, &post, NULL) != 0;
					proof.data[i] ^= (uint8_t)(1u << (i % 8));
				}
				cr_assert_eq(row_flips, proof.len, "%u of %zu flips of a row step's proof rejected", row_flips,
					     proof.len);
			}
			if (leaves > 400 && !flipped) { /* a 32 KiB chunk of the model copy */
				proof.data[proof.len / 2] ^= 1;
				cr_assert_neq(svm_step_verify_env(m, &env, &pre, proof.data, proof.len, &post, NULL), 0);
				flipped = 1;
			}
			big += leaves > 2;
			proved++;
			svm_buf_free(&proof);
		}
		svm_step_one(s);
	}
	cr_assert_geq(big, 4 + 1 + 128, "the model's chunks, the input, every i8_matvec row were proven");
	cr_assert(flipped);
	cr_assert_gt(row_flips, 1000, "a row step's proof was flipped");
	cr_assert_leq(proof_max, 60000, "every step's proof fits a transaction's payload (%zu bytes)", proof_max);
	svm_step_free(s);
	/* bisection: the worker corrupts a step three quarters into the run */
	party_t honest = {.m = m, .gas = 1ull << 32, .fn = "infer", .env = &env};
	party_t liar = honest;
	svm_hash_t hf, lf;
	hash_at(&honest, steps_host, &hf);
	/* the first step from three quarters in whose corruption survives to the end (adding 1 to
	 * a value that is then compared or masked away can leave every later state unchanged) */
	for (liar.corrupt_at = steps_host * 3 / 4;; liar.corrupt_at++) {
		cr_assert_lt(liar.corrupt_at, steps_host);
		hash_at(&liar, steps_host, &lf);
		if (!svm_hash_eq(&hf, &lf)) break;
	}
	game_result_t r = play(&liar, &honest, 256, 16, 0, 0);
	cr_assert(r.disputed, "the corruption reaches the final state");
	cr_assert_eq(r.outcome, SVM_BISECT_CHALLENGER_WON);
	cr_assert_eq(r.hi, liar.corrupt_at, "decided at step %llu, the corrupted one is %llu",
		     (unsigned long long)r.hi, (unsigned long long)liar.corrupt_at);
	r = play(&honest, &liar, 256, 16, 0, 0);
	cr_assert(r.disputed);
	cr_assert_eq(r.outcome, SVM_BISECT_CLAIMANT_WON, "an honest worker beats a lying challenger");
	printf("trace_ai: infer = %llu steps, %u proofs checked (%u host micro-steps), largest %zu bytes\n",
	       (unsigned long long)steps_host, proved, big, proof_max);
	svm_wasm_module_free(m);
	free(code);
	free(w);
	free(images);
}

/* ------------------------------------------------------------ br_table, memory.grow, bulk memory */

/* ext(n) and oob(n) (tests/vectors/trace/ext.wat) against the fast interpreter: the same result,
 * the same gas, the same trap and gas at the trap. */
Test(trace_ext, br_table_grow_and_bulk_memory_match_the_vm)
{
	svm_wasm_module_t *m = load_module(EXT_HEX, NULL);
	const uint64_t ns[] = {0, 1, 5, 17, 40, 80};
	runs_like_the_vm(m, "ext", ns, 6);
	const uint64_t offs[] = {0, 8, 15, 16, 20, 23, 24, 100};
	for (int i = 0; i < 8; i++) {
		uint64_t fr = 0, fu, r = 0;
		int frc = fast_run(m, "oob", offs[i], 1u << 30, &fr, &fu);
		svm_step_t *s = machine(m, "oob", offs[i], 1u << 30);
		cr_assert_eq(svm_step_run(s, UINT64_MAX), 0);
		cr_assert_eq(frc == SVM_ETRAP, svm_step_status(s) == SVM_STEP_TRAPPED, "oob(%llu)",
			     (unsigned long long)offs[i]);
		cr_assert_eq(frc == SVM_ETRAP, offs[i] < 24, "oob(%llu) traps below 24", (unsigned long long)offs[i]);
		if (frc == 0) {
			svm_step_results(s, &r, 1);
			cr_assert_eq(r, fr);
		}
		cr_assert_eq(svm_step_gas_used(s), fu, "oob(%llu): stepper gas %llu, VM %llu",
			     (unsigned long long)offs[i], (unsigned long long)svm_step_gas_used(s),
			     (unsigned long long)fu);
		svm_step_free(s);
	}
	svm_wasm_module_free(m);
}

Test(trace_ext, out_of_gas_outcome_matches_near_every_charge)
{
	/* every limit at the start, every one below the end (the 300-page grow's price, then the
	 * last blocks), and random ones between */
	out_of_gas_near_every_charge(EXT_HEX, "ext", 20, 600, 300, false);
}

Test(trace_ext, every_step_proves_and_verifies_and_a_copy_proof_binds_every_bit)
{
	svm_wasm_module_t *m = load_module(EXT_HEX, NULL);
	svm_step_t *s = machine(m, "ext", 70, 1u << 30);
	svm_buf_t proof = {0};
	uint64_t seen[4] = {0}, n = 0;
	svm_buf_t copy = {0};
	svm_hash_t copy_pre;
	while (svm_step_status(s) == SVM_STEP_RUNNING) {
		svm_hash_t pre, post, want;
		uint32_t op = svm_step_opcode(s);
		svm_step_hash(s, &pre);
		svm_buf_reset(&proof);
		cr_assert_eq(svm_step_prove(s, &proof), 0);
		svm_error_t err = {0};
		int rc = svm_step_verify(m, &pre, proof.data, proof.len, &post, &err);
		cr_assert_eq(rc, 0, "step %llu (opcode %x): %s", (unsigned long long)n, op, err.msg);
		if (op == 0xfc0a && svm_step_leaves(s) >= 4 && copy.len == 0) {
			svm_buf_append(&copy, proof.data, proof.len);
			copy_pre = pre;
		}
		svm_step_one(s);
		svm_step_hash(s, &want);
		cr_assert(svm_hash_eq(&post, &want), "step %llu (opcode %x): verifier and worker disagree",
			  (unsigned long long)n, op);
		seen[0] += op == 0x0e;
		seen[1] += op == 0x40;
		seen[2] += op == 0xfc0a;
		seen[3] += op == 0xfc0b;
		n++;
	}
	cr_assert_eq(svm_step_status(s), SVM_STEP_DONE);
	for (int i = 0; i < 4; i++) cr_assert_gt(seen[i], 0, "kind %d executed", i);
	cr_assert_gt(copy.len, 0);
	svm_hash_t h;
	cr_assert_eq(svm_step_verify(m, &copy_pre, copy.data, copy.len, &h, NULL), 0);
	for (size_t i = 0; i < copy.len; i++)
		for (int b = 0; b < 8; b++) {
			copy.data[i] ^= (uint8_t)(1u << b);
			int rc = svm_step_verify(m, &copy_pre, copy.data, copy.len, &h, NULL);
			copy.data[i] ^= (uint8_t)(1u << b);
			cr_assert_neq(rc, 0, "flipping bit %d of byte %zu of a memory.copy proof was accepted", b, i);
		}
	svm_buf_free(&copy);
	svm_buf_free(&proof);
	svm_step_free(s);
	svm_wasm_module_free(m);
}

/* A worker that corrupts the result of one br_table, memory.grow, memory.copy or memory.fill
 * step is bisected down to exactly that step, which the chain executes from the agreed state. */
Test(trace_ext, a_corrupted_step_inside_each_new_instruction_is_bisected_to)
{
	const uint32_t kinds[] = {0x0e, 0x40, 0xfc0a, 0xfc0b};
	bisect_to_each_kind(EXT_HEX, "ext", 70, kinds, 4, NULL);
}

/* The stepper now covers every instruction the VM runs; SIMD, the one family it lacks, never
 * reaches it: the chain's WebAssembly has no SIMD, so the VM refuses such a module at decode. */
Test(trace_ext, a_simd_module_is_refused_before_the_stepper)
{
	static const char hex[] = SIMD_HEX; /* v128.const */
	uint8_t bytes[64];
	size_t n = unhex(hex, bytes, sizeof bytes);
	svm_wasm_config_t cfg;
	svm_wasm_config_default(&cfg);
	svm_wasm_module_t *m = NULL;
	svm_error_t err = {0};
	cr_assert_eq(svm_wasm_module_new(&m, bytes, n, &cfg, &err), SVM_EUNSUPPORTED);
	cr_assert(strstr(err.msg, "SIMD") != NULL, "%s", err.msg);
	cr_assert_null(m);
}

/* ------------------------------------------------------------ floats */

/* fl(n) (tests/vectors/trace/float.wat: every f32/f64 operator on raw bit patterns — NaN
 * payloads, infinities, subnormals — and ordinary values) gives the VM's hash and gas: the
 * stepper computes every operator bit for bit as the interpreter, NaNs canonicalised alike;
 * the trapping truncations trap where the VM's do; float-typed blocks and select. */
Test(trace_float, every_float_operator_matches_the_vm_bit_for_bit)
{
	svm_wasm_module_t *m = load_module(FLOAT_HEX, NULL);
	const uint64_t ns[] = {0, 1, 4, 50, 400};
	runs_like_the_vm(m, "fl", ns, 5);
	/* trapping truncations: 3.7, -1.5, 2^63 (overflow), NaN, 1e10 (overflows u32), -0.9, +inf */
	const uint64_t xs[] = {0x400d99999999999aull, 0xbff8000000000000ull, 0x43e0000000000000ull,
			       0x7ff8000000000001ull, 0x4202a05f20000000ull, 0xbfecccccccccccccull,
			       0x7ff0000000000000ull};
	for (int i = 0; i < 7; i++) {
		uint64_t fr = 0, fu, r = 0;
		int frc = fast_run(m, "tr", xs[i], 1u << 30, &fr, &fu);
		svm_step_t *s = machine(m, "tr", xs[i], 1u << 30);
		cr_assert_eq(svm_step_run(s, UINT64_MAX), 0);
		cr_assert_eq(frc == SVM_ETRAP, svm_step_status(s) == SVM_STEP_TRAPPED, "tr(%016llx): VM rc %d",
			     (unsigned long long)xs[i], frc);
		if (frc == 0) {
			svm_step_results(s, &r, 1);
			cr_assert_eq(r, fr, "tr(%016llx)", (unsigned long long)xs[i]);
		}
		cr_assert_eq(svm_step_gas_used(s), fu);
		svm_step_free(s);
	}
	for (uint64_t x = 0; x < 2; x++) {
		uint64_t fr, fu, r;
		cr_assert_eq(fast_run(m, "blk", x, 1u << 30, &fr, &fu), 0);
		svm_step_t *s = machine(m, "blk", x, 1u << 30);
		svm_step_run(s, UINT64_MAX);
		cr_assert_eq(svm_step_results(s, &r, 1), 0);
		cr_assert_eq(r, fr);
		svm_step_free(s);
	}
	svm_wasm_module_free(m);
}

/* Every step of fl(24) proves and verifies; a worker corrupting one float result is bisected
 * to exactly that step. */
Test(trace_float, float_steps_prove_and_a_corrupted_one_is_bisected_to)
{
	svm_wasm_module_t *m = load_module(FLOAT_HEX, NULL);
	svm_step_t *s = machine(m, "fl", 24, 1u << 30);
	svm_buf_t proof = {0};
	uint64_t floats = 0;
	while (svm_step_status(s) == SVM_STEP_RUNNING) {
		svm_hash_t pre, post, want;
		uint32_t op = svm_step_opcode(s);
		svm_step_hash(s, &pre);
		svm_buf_reset(&proof);
		cr_assert_eq(svm_step_prove(s, &proof), 0);
		svm_error_t err = {0};
		cr_assert_eq(svm_step_verify(m, &pre, proof.data, proof.len, &post, &err), 0, "opcode %x: %s", op, err.msg);
		svm_step_one(s);
		svm_step_hash(s, &want);
		cr_assert(svm_hash_eq(&post, &want), "opcode %x", op);
		floats += (op >= 0x8b && op <= 0xc4) || (op >= 0x5b && op <= 0x66) || (op & 0xff00) == 0xfc00;
	}
	cr_assert_gt(floats, 1000);
	uint64_t total = svm_step_count(s);
	svm_step_free(s);
	svm_buf_free(&proof);
	party_t honest = {m, 24, 1u << 30, 0, "fl", NULL};
	svm_hash_t hf;
	hash_at(&honest, total, &hf);
	party_t liar = honest;
	/* the first f64.mul past half way whose corruption reaches the end */
	liar.corrupt_at = corruptible_step(&honest, total, total / 2, 0xa2, &hf);
	game_result_t r = play(&liar, &honest, 32, 8, 0, 0);
	cr_assert_eq(r.outcome, SVM_BISECT_CHALLENGER_WON);
	cr_assert_eq(r.hi, liar.corrupt_at);
	svm_wasm_module_free(m);
}

/* ------------------------------------------------------------ memory.init, data.drop */

/* init(n) and dropped(k) (tests/vectors/trace/data.wat) against the fast interpreter: passive
 * segments copied into memory window by window, dropped, a zero-length init of a dropped one;
 * the same result and gas, the same traps (a dropped segment, an active one, a source past a
 * dropped segment's end with n = 0, a destination or a source out of bounds) with their gas. */
Test(trace_data, memory_init_and_data_drop_match_the_vm)
{
	svm_wasm_module_t *m = load_module(DATA_HEX, NULL);
	const uint64_t ns[] = {0, 1, 7, 40, 300, 1000};
	runs_like_the_vm(m, "init", ns, 6);
	for (uint64_t k = 0; k <= 5; k++) {
		uint64_t fr = 0, fu, r = 0;
		int frc = fast_run(m, "dropped", k, 1u << 30, &fr, &fu);
		svm_step_t *s = machine(m, "dropped", k, 1u << 30);
		cr_assert_eq(svm_step_run(s, UINT64_MAX), 0);
		cr_assert_eq(frc == SVM_ETRAP, k < 5, "dropped(%llu): the VM traps below 5", (unsigned long long)k);
		cr_assert_eq(svm_step_status(s), frc == SVM_ETRAP ? SVM_STEP_TRAPPED : SVM_STEP_DONE,
			     "dropped(%llu)", (unsigned long long)k);
		if (frc == 0) {
			svm_step_results(s, &r, 1);
			cr_assert_eq(r, fr);
		}
		cr_assert_eq(svm_step_gas_used(s), fu, "dropped(%llu): stepper gas %llu, VM %llu",
			     (unsigned long long)k, (unsigned long long)svm_step_gas_used(s),
			     (unsigned long long)fu);
		svm_step_free(s);
	}
	svm_wasm_module_free(m);
}

Test(trace_data, out_of_gas_outcome_matches_near_every_charge)
{
	out_of_gas_near_every_charge(DATA_HEX, "init", 25, 400, 400, false);
}

/* Every step of init(60) proves and verifies (memory.init writes only the revealed range; its
 * source is the module's), data.drop's proof carries no memory, every bit of a memory.init proof
 * over several leaves is bound, and a state claiming an active segment is still live (or a
 * stray bit past the last segment) is refused. */
Test(trace_data, every_step_proves_and_verifies_and_an_init_proof_binds_every_bit)
{
	svm_wasm_module_t *m = load_module(DATA_HEX, NULL);
	svm_step_t *s = machine(m, "init", 60, 1u << 30);
	svm_buf_t proof = {0}, init = {0};
	svm_hash_t init_pre;
	uint64_t seen[2] = {0}, n = 0;
	size_t max[2] = {0};
	while (svm_step_status(s) == SVM_STEP_RUNNING) {
		svm_hash_t pre, post, want;
		uint32_t op = svm_step_opcode(s);
		svm_step_hash(s, &pre);
		svm_buf_reset(&proof);
		cr_assert_eq(svm_step_prove(s, &proof), 0);
		svm_error_t err = {0};
		int rc = svm_step_verify(m, &pre, proof.data, proof.len, &post, &err);
		cr_assert_eq(rc, 0, "step %llu (opcode %x): %s", (unsigned long long)n, op, err.msg);
		if (op == 0xfc08 && svm_step_leaves(s) >= 2 && init.len == 0) {
			svm_buf_append(&init, proof.data, proof.len);
			init_pre = pre;
		}
		svm_step_one(s);
		svm_step_hash(s, &want);
		cr_assert(svm_hash_eq(&post, &want), "step %llu (opcode %x): verifier and worker disagree",
			  (unsigned long long)n, op);
		for (int k = 0; k < 2; k++)
			if (op == (k ? 0xfc09u : 0xfc08u)) {
				seen[k]++;
				if (proof.len > max[k]) max[k] = proof.len;
			}
		n++;
	}
	cr_assert_eq(svm_step_status(s), SVM_STEP_DONE);
	cr_assert_eq(seen[0], 121, "memory.init steps");
	cr_assert_eq(seen[1], 2, "data.drop steps");
	printf("trace_data: init(60) = %llu steps, memory.init %llu (proof max %zu bytes), data.drop %llu "
	       "(proof %zu bytes)\n",
	       (unsigned long long)n, (unsigned long long)seen[0], max[0], (unsigned long long)seen[1],
	       max[1]);
	fflush(stdout);
	cr_assert_gt(init.len, 0);
	svm_hash_t h;
	cr_assert_eq(svm_step_verify(m, &init_pre, init.data, init.len, &h, NULL), 0);
	for (size_t i = 0; i < init.len; i++)
		for (int b = 0; b < 8; b++) {
			init.data[i] ^= (uint8_t)(1u << b);
			int rc = svm_step_verify(m, &init_pre, init.data, init.len, &h, NULL);
			init.data[i] ^= (uint8_t)(1u << b);
			cr_assert_neq(rc, 0, "flipping bit %d of byte %zu of a memory.init proof was accepted", b, i);
		}
	svm_buf_free(&init);
	svm_buf_free(&proof);
	svm_step_free(s);
	svm_wasm_module_free(m);
}

/* A worker that corrupts the state after one memory.init or data.drop step is bisected to
 * exactly that step; an honest worker beats a lying challenger. */
Test(trace_data, a_corrupted_init_or_drop_step_is_bisected_to)
{
	const uint32_t kinds[] = {0xfc08, 0xfc09};
	bisect_to_each_kind(DATA_HEX, "init", 40, kinds, 2, NULL);
}

/* The chain's memory limit: a module whose initial memory is above SVM_STEP_PAGES_MAX (256
 * pages, the AI runtime's and contracts' store limit) is refused with SVM_ELIMIT naming it. */
Test(trace_data, a_memory_above_the_chains_page_limit_is_refused_with_an_error)
{
	/* (module (memory 257) (func (export "f") (param i32) (result i64) (i64.const 0))) */
	static const char hex[] = "0061736d0100000001060160017f017e030201000504010081020705010166"
				  "00000a0601040042000b";
	uint8_t bytes[64];
	size_t n = unhex(hex, bytes, sizeof bytes);
	svm_wasm_config_t cfg;
	svm_wasm_config_default(&cfg);
	svm_wasm_module_t *m = NULL;
	svm_error_t err = {0};
	cr_assert_eq(svm_wasm_module_new(&m, bytes, n, &cfg, &err), 0, "%s", err.msg);
	svm_step_t *s = NULL;
	uint64_t arg = 0;
	cr_assert_eq(svm_step_new(&s, m, "f", &arg, 1, 1000, &err), SVM_ELIMIT);
	cr_assert(strstr(err.msg, "257 pages (at most 256)") != NULL, "%s", err.msg);
	cr_assert_null(s);
	svm_wasm_module_free(m);
}

/* ------------------------------------------------------------ multi-value and references */

/* mv(n) (tests/vectors/trace/mv.wat: a two-result function called directly and through table 1,
 * blocks/ifs/loops with parameters and several results, branches out of them with values below,
 * typed select, ref.func/ref.null/ref.is_null, table.get/table.size on a funcref and an
 * externref table, a funcref global) gives the VM's result and gas; oob(i) traps in table.get
 * where the VM does. */
Test(trace_mv, multi_value_blocks_calls_and_references_match_the_vm)
{
	svm_wasm_module_t *m = load_module(MV_HEX, NULL);
	const uint64_t ns[] = {0, 1, 2, 5, 40, 300};
	runs_like_the_vm(m, "mv", ns, 6);
	for (uint64_t i = 0; i < 6; i++) {
		uint64_t fr = 0, fu, r = 0;
		int frc = fast_run(m, "oob", i, 1u << 30, &fr, &fu);
		svm_step_t *s = machine(m, "oob", i, 1u << 30);
		cr_assert_eq(svm_step_run(s, UINT64_MAX), 0);
		cr_assert_eq(frc == SVM_ETRAP, svm_step_status(s) == SVM_STEP_TRAPPED, "oob(%llu)", (unsigned long long)i);
		cr_assert_eq(frc == SVM_ETRAP, i >= 4, "oob(%llu) traps past table 1's 4 elements", (unsigned long long)i);
		if (frc == 0) {
			svm_step_results(s, &r, 1);
			cr_assert_eq(r, fr);
		}
		cr_assert_eq(svm_step_gas_used(s), fu);
		svm_step_free(s);
	}
	svm_wasm_module_free(m);
}

Test(trace_mv, every_step_proves_and_verifies)
{
	svm_wasm_module_t *m = load_module(MV_HEX, NULL);
	svm_step_t *s = machine(m, "mv", 12, 1u << 30);
	svm_buf_t proof = {0};
	uint64_t n = 0;
	bool seen_select = false, seen_get = false;
	while (svm_step_status(s) == SVM_STEP_RUNNING) {
		svm_hash_t pre, post, want;
		uint32_t op = svm_step_opcode(s);
		seen_select |= op == 0x1c;
		seen_get |= op == 0x25;
		svm_step_hash(s, &pre);
		svm_buf_reset(&proof);
		cr_assert_eq(svm_step_prove(s, &proof), 0);
		svm_error_t err = {0};
		cr_assert_eq(svm_step_verify(m, &pre, proof.data, proof.len, &post, &err), 0, "step %llu (opcode %x): %s",
			     (unsigned long long)n, op, err.msg);
		svm_step_one(s);
		svm_step_hash(s, &want);
		cr_assert(svm_hash_eq(&post, &want), "step %llu (opcode %x): verifier and worker disagree",
			  (unsigned long long)n, op);
		n++;
	}
	cr_assert(seen_select && seen_get);
	cr_assert_gt(n, 500);
	svm_buf_free(&proof);
	svm_step_free(s);
	svm_wasm_module_free(m);
}

/* A worker corrupting the state after one br_if (out of a multi-value block or back to a loop
 * with a parameter), typed select, table.get or multi-value if is bisected to exactly that step,
 * which the verifier executes; an honest worker beats that liar as challenger. */
Test(trace_mv, a_corrupted_multi_value_or_reference_step_is_bisected_to)
{
	const uint32_t kinds[] = {0x0d, 0x1c, 0x25, 0x04};
	bisect_to_each_kind(MV_HEX, "mv", 40, kinds, 4, NULL);
}

/* ------------------------------------------------------------ tables */

/* tab(n) (tests/vectors/trace/tab.wat: table.grow with a function and with null across the
 * table tree's depths and then past its maximum, table.set, table.fill, overlapping table.copy
 * in one table and across two, table.init from a passive segment, elem.drop twice, and
 * call_indirect through every element as they change) gives the VM's result and gas; oob(k)
 * traps where the VM does, with its gas; a grow past the stepper's table limit is refused, one
 * past the VM's cap pushes -1 in both. */
Test(trace_tab, table_instructions_match_the_vm)
{
	svm_wasm_module_t *m = load_module(TAB_HEX, NULL);
	const uint64_t ns[] = {0, 1, 2, 5, 7, 12, 40};
	runs_like_the_vm(m, "tab", ns, 7);
	cr_assert_eq(fast_run(m, "tab", 40, 1u << 30, &(uint64_t){0}, &(uint64_t){0}), 0);
	for (uint64_t k = 0; k < 11; k++) {
		uint64_t fr = 0, fu, r;
		int frc = fast_run(m, "oob", k, 1u << 30, &fr, &fu);
		svm_step_t *s = machine(m, "oob", k, 1u << 30);
		cr_assert_eq(svm_step_run(s, UINT64_MAX), 0);
		cr_assert_eq(frc == SVM_ETRAP, svm_step_status(s) == SVM_STEP_TRAPPED, "oob(%llu)", (unsigned long long)k);
		cr_assert_eq(frc == SVM_ETRAP, k < 9, "oob(%llu) traps below 9 (VM rc %d)", (unsigned long long)k, frc);
		if (frc == 0) {
			svm_step_results(s, &r, 1);
			cr_assert_eq(r, fr);
		}
		cr_assert_eq(svm_step_gas_used(s), fu, "oob(%llu): stepper gas %llu, VM %llu", (unsigned long long)k,
			     (unsigned long long)svm_step_gas_used(s), (unsigned long long)fu);
		svm_step_free(s);
	}
	uint64_t fr, fu, r;
	cr_assert_eq(fast_run(m, "big", 0, 1u << 30, &fr, &fu), 0);
	cr_assert_eq(fr, 2, "the VM grows the table past 65 536 elements");
	svm_step_t *s = machine(m, "big", 0, 1u << 30);
	cr_assert_eq(svm_step_run(s, UINT64_MAX), SVM_EUNSUPPORTED, "refused, never run differently");
	svm_step_free(s);
	cr_assert_eq(fast_run(m, "huge", 0, 1ull << 40, &fr, &fu), 0);
	s = machine(m, "huge", 0, 1ull << 40);
	cr_assert_eq(svm_step_run(s, UINT64_MAX), 0);
	svm_step_results(s, &r, 1);
	cr_assert_eq(r, fr);
	cr_assert_eq(r, 0xffffffffu);
	cr_assert_eq(svm_step_gas_used(s), fu);
	svm_step_free(s);
	svm_wasm_module_free(m);
}

Test(trace_tab, out_of_gas_outcome_matches_near_every_charge)
{
	out_of_gas_near_every_charge(TAB_HEX, "tab", 12, 400, 300, true);
}

/* Every step of tab(40) proves and verifies (the table leaves a step touches revealed under the
 * table's root, a grow's in the grown tree); every bit of a two-range table.copy proof is bound;
 * a clone taken mid-run ends in the same state. */
Test(trace_tab, every_step_proves_and_verifies_and_a_table_proof_binds_every_bit)
{
	svm_wasm_module_t *m = load_module(TAB_HEX, NULL);
	svm_step_t *s = machine(m, "tab", 40, 1u << 30), *c = NULL;
	svm_buf_t proof = {0}, copy = {0};
	svm_hash_t copy_pre;
	const uint32_t kinds[] = {0x11, 0x25, 0x26, 0xfc0c, 0xfc0d, 0xfc0e, 0xfc0f, 0xfc11};
	uint64_t seen[8] = {0}, n = 0, bytes[8] = {0};
	while (svm_step_status(s) == SVM_STEP_RUNNING) {
		svm_hash_t pre, post, want;
		uint32_t op = svm_step_opcode(s);
		svm_step_hash(s, &pre);
		svm_buf_reset(&proof);
		cr_assert_eq(svm_step_prove(s, &proof), 0);
		svm_error_t err = {0};
		int rc = svm_step_verify(m, &pre, proof.data, proof.len, &post, &err);
		cr_assert_eq(rc, 0, "step %llu (opcode %x): %s", (unsigned long long)n, op, err.msg);
		if (op == 0xfc0e && copy.len == 0 && n > 200) {
			svm_buf_append(&copy, proof.data, proof.len);
			copy_pre = pre;
		}
		if (n == 1000) cr_assert_eq(svm_step_clone(s, &c), 0);
		svm_step_one(s);
		svm_step_hash(s, &want);
		cr_assert(svm_hash_eq(&post, &want), "step %llu (opcode %x): verifier and worker disagree",
			  (unsigned long long)n, op);
		for (int k = 0; k < 8; k++)
			if (op == kinds[k]) seen[k]++, bytes[k] = proof.len > bytes[k] ? proof.len : bytes[k];
		n++;
	}
	cr_assert_eq(svm_step_status(s), SVM_STEP_DONE);
	for (int k = 0; k < 8; k++) cr_assert_gt(seen[k], 0, "opcode %x executed", kinds[k]);
	printf("trace_tab: tab(40) = %llu steps; call_indirect %llu (proof max %llu bytes), table.get %llu (%llu), "
	       "table.set %llu (%llu), table.init %llu (%llu), elem.drop %llu (%llu), table.copy %llu (%llu), "
	       "table.grow %llu (%llu), table.fill %llu (%llu)\n",
	       (unsigned long long)n, (unsigned long long)seen[0], (unsigned long long)bytes[0],
	       (unsigned long long)seen[1], (unsigned long long)bytes[1], (unsigned long long)seen[2],
	       (unsigned long long)bytes[2], (unsigned long long)seen[3], (unsigned long long)bytes[3],
	       (unsigned long long)seen[4], (unsigned long long)bytes[4], (unsigned long long)seen[5],
	       (unsigned long long)bytes[5], (unsigned long long)seen[6], (unsigned long long)bytes[6],
	       (unsigned long long)seen[7], (unsigned long long)bytes[7]);
	cr_assert_not_null(c);
	cr_assert_eq(svm_step_run(c, UINT64_MAX), 0);
	svm_hash_t h1, h2;
	svm_step_hash(s, &h1);
	svm_step_hash(c, &h2);
	cr_assert(svm_hash_eq(&h1, &h2), "a clone ends in the same state");
	cr_assert_gt(copy.len, 0);
	svm_hash_t h;
	cr_assert_eq(svm_step_verify(m, &copy_pre, copy.data, copy.len, &h, NULL), 0);
	for (size_t i = 0; i < copy.len; i++)
		for (int b = 0; b < 8; b++) {
			copy.data[i] ^= (uint8_t)(1u << b);
			int rc = svm_step_verify(m, &copy_pre, copy.data, copy.len, &h, NULL);
			copy.data[i] ^= (uint8_t)(1u << b);
			cr_assert_neq(rc, 0, "flipping bit %d of byte %zu of a table.copy proof was accepted", b, i);
		}
	uint8_t extra = 0;
	svm_buf_append(&copy, &extra, 1);
	cr_assert_neq(svm_step_verify(m, &copy_pre, copy.data, copy.len, &h, NULL), 0, "a trailing byte");
	svm_buf_free(&copy);
	svm_buf_free(&proof);
	svm_step_free(c);
	svm_step_free(s);
	svm_wasm_module_free(m);
}

/* A worker that corrupts its state after one table.set, table.init, elem.drop, table.copy,
 * table.grow or table.fill step is bisected down to exactly that step, which the chain executes
 * from the agreed state; an honest worker beats that liar as challenger. */
Test(trace_tab, a_corrupted_step_inside_each_table_instruction_is_bisected_to)
{
	const uint32_t kinds[] = {0x26, 0xfc0c, 0xfc0d, 0xfc0e, 0xfc0f, 0xfc11};
	/* table.init and elem.drop run early (the segments are used up front): from the start */
	const bool early[] = {false, true, true, false, false, false};
	bisect_to_each_kind(TAB_HEX, "tab", 40, kinds, 6, early);
}

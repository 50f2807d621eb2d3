/* Tests of the confidential UTXO program (confidential.h) on the executor: deposit of a public
 * amount into confidential outputs, a confidential transfer, a withdraw back to the ledger,
 * with supply conserved and the vault holding exactly the hidden total after every block, on
 * the reference executor and AOEM alike (et_block compares them byte for byte); an output
 * spent twice, an unbalanced transfer, a wrong flavor, a mutated proof byte, someone else's
 * input and malformed payloads are rejected with nothing changed but the fee. Seeds print on
 * failure. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "lib/econtest.h"
#include "supervm/confidential.h"

static uint64_t rng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void rand_scalar(uint8_t out[32], uint64_t *s)
{
	uint8_t w[64];
	for (int i = 0; i < 64; i++) w[i] = (uint8_t)rng(s);
	crypto_core_ristretto255_scalar_reduce(out, w);
}

static void opening(svm_conf_opening_t *o, uint64_t v, const svm_id_t *token, uint64_t *s)
{
	o->value = v;
	o->token = *token;
	rand_scalar(o->blind, s);
	rand_scalar(o->flavor_blind, s);
}

typedef struct {
	et_world_t e;
	uint64_t s, seed;
	svm_id_t vault;
} world_t;

static void setup(world_t *w, uint64_t seed)
{
	memset(w, 0, sizeof *w);
	w->seed = w->s = seed;
	cr_assert_eq(et_init(&w->e, seed, 4, 1000000), 0);
	svm_conf_vault_id(&w->vault);
}

/* Builds and runs one transact from user u (inputs declared at their versions); returns the
 * receipt status. in_ids sorted by the caller. */
static uint8_t run(world_t *w, size_t u, const svm_id_t *token, uint64_t dep, uint64_t wd,
		   const svm_id_t *in_ids, const svm_conf_opening_t *in, size_t n_in,
		   const svm_id_t *owners, const svm_conf_opening_t *out, size_t n_out,
		   int (*mutate)(svm_buf_t *p))
{
	svm_buf_t p = {0};
	uint8_t seed[32];
	for (int i = 0; i < 32; i++) seed[i] = (uint8_t)rng(&w->s);
	const eg_world_t *g = &w->e.w;
	int rc = svm_conf_build(&p, 7, &g->owners[u], g->nonce[u], token, dep, wd, in_ids, in, n_in,
				owners, out, NULL, NULL, n_out, seed);
	cr_assert_eq(rc, 0, "build: %s, seed %#llx", svm_strerror(rc), (unsigned long long)w->seed);
	if (mutate) mutate(&p);
	svm_exec_tx_t tx;
	cr_assert_eq(et_tx(&w->e, &tx, u, &p, true), 0);
	tx.tx.fee_limit = 5000000;
	svm_tx_input_t *inputs = svm_arena_alloc(&w->e.w.arena, (n_in + 1) * sizeof *inputs);
	for (size_t i = 0; i < n_in; i++) {
		svm_object_t o;
		inputs[i].id = in_ids[i];
		inputs[i].version = et_object(&w->e, &in_ids[i], &o) ? o.version : 0;
	}
	tx.tx.inputs = inputs;
	tx.tx.inputs_len = (uint32_t)n_in;
	char why[256];
	cr_assert_eq(et_block(&w->e, &tx, 1, why, sizeof why), 0, "%s", why);
	svm_buf_free(&p);
	return w->e.res.receipts[0].status;
}

/* supply unchanged and the vault holds exactly `hidden` of token */
static void check_conservation(world_t *w, const svm_id_t *token, uint64_t supply, uint64_t hidden)
{
	cr_assert_eq(et_supply(&w->e, token), supply, "supply, seed %#llx", (unsigned long long)w->seed);
	cr_assert_eq(et_balance(&w->e, token, &w->vault), hidden, "vault, seed %#llx",
		     (unsigned long long)w->seed);
}

static void sort2(svm_id_t *ids, svm_conf_opening_t *op)
{
	if (memcmp(ids[0].b, ids[1].b, 32) > 0) {
		svm_id_t t = ids[0];
		ids[0] = ids[1], ids[1] = t;
		svm_conf_opening_t o = op[0];
		op[0] = op[1], op[1] = o;
	}
}

Test(confidential, deposit_transfer_withdraw_conserve_supply)
{
	world_t w;
	setup(&w, 0xc0ffee);
	svm_id_t T = w.e.tok[1], zero = {{0}};
	const svm_id_t *alice = &w.e.w.owners[0], *bob = &w.e.w.owners[1];
	uint64_t supply = et_supply(&w.e, &T), a0 = et_balance(&w.e, &T, alice);
	/* deposit 1000 of T into two outputs for alice: 600 and 400 */
	svm_conf_opening_t d[2];
	opening(&d[0], 600, &T, &w.s);
	opening(&d[1], 400, &T, &w.s);
	svm_id_t owners[2] = {*alice, *alice};
	uint64_t n0 = w.e.w.nonce[0];
	cr_assert_eq(run(&w, 0, &T, 1000, 0, NULL, NULL, 0, owners, d, 2, NULL), 0);
	cr_assert_eq(et_balance(&w.e, &T, alice), a0 - 1000);
	check_conservation(&w, &T, supply, 1000);
	svm_id_t ids[2];
	svm_conf_output_id(alice, n0, 0, &ids[0]);
	svm_conf_output_id(alice, n0, 1, &ids[1]);
	svm_object_t o;
	cr_assert(et_object(&w.e, &ids[0], &o));
	cr_assert_eq(memcmp(o.owner.b, alice->b, 32), 0);
	sort2(ids, d);
	/* alice transfers both (1000) to bob 250 and herself 750: token hidden (zero) */
	svm_conf_opening_t t[2];
	opening(&t[0], 250, &T, &w.s);
	opening(&t[1], 750, &T, &w.s);
	svm_id_t towners[2] = {*bob, *alice};
	uint64_t n1 = w.e.w.nonce[0];
	cr_assert_eq(run(&w, 0, &zero, 0, 0, ids, d, 2, towners, t, 2, NULL), 0);
	cr_assert(!et_object(&w.e, &ids[0], &o), "input consumed");
	cr_assert(!et_object(&w.e, &ids[1], &o), "input consumed");
	check_conservation(&w, &T, supply, 1000);
	/* spending a consumed output again fails (it no longer exists) */
	cr_assert_neq(run(&w, 0, &zero, 0, 0, ids, d, 2, towners, t, 2, NULL), 0);
	check_conservation(&w, &T, supply, 1000);
	/* bob withdraws his 250: 200 to his ledger balance, 50 stays confidential */
	svm_id_t bob_in[1];
	svm_conf_output_id(alice, n1, 0, &bob_in[0]);
	cr_assert(et_object(&w.e, &bob_in[0], &o));
	cr_assert_eq(memcmp(o.owner.b, bob->b, 32), 0);
	uint64_t b0 = et_balance(&w.e, &T, bob);
	svm_conf_opening_t change[1];
	opening(&change[0], 50, &T, &w.s);
	svm_id_t cowner[1] = {*bob};
	cr_assert_eq(run(&w, 1, &T, 0, 200, bob_in, &t[0], 1, cowner, change, 1, NULL), 0);
	cr_assert_eq(et_balance(&w.e, &T, bob), b0 + 200);
	check_conservation(&w, &T, supply, 800);
	/* alice withdraws all of her 750 with no outputs */
	svm_id_t al_in[1];
	svm_conf_output_id(alice, n1, 1, &al_in[0]);
	uint64_t a1 = et_balance(&w.e, &T, alice);
	cr_assert_eq(run(&w, 0, &T, 0, 750, al_in, &t[1], 1, NULL, NULL, 0, NULL), 0);
	cr_assert_eq(et_balance(&w.e, &T, alice), a1 + 750);
	check_conservation(&w, &T, supply, 50);
	et_free(&w.e);
}

static int flip_last(svm_buf_t *p)
{
	p->data[p->len - 1] ^= 1; /* the balance proof's s: non-canonical or wrong */
	return 0;
}

static size_t flip_at;
static int flip_byte(svm_buf_t *p)
{
	p->data[flip_at % p->len] ^= 0x10;
	return 0;
}

Test(confidential, bad_transactions_change_nothing_but_the_fee)
{
	world_t w;
	setup(&w, 0xbad);
	svm_id_t T = w.e.tok[1], U = w.e.tok[2], zero = {{0}};
	const svm_id_t *alice = &w.e.w.owners[0], *bob = &w.e.w.owners[1];
	uint64_t supply = et_supply(&w.e, &T);
	svm_conf_opening_t d[1];
	opening(&d[0], 500, &T, &w.s);
	svm_id_t own[1] = {*alice};
	uint64_t n0 = w.e.w.nonce[0];
	cr_assert_eq(run(&w, 0, &T, 500, 0, NULL, NULL, 0, own, d, 1, NULL), 0);
	svm_id_t in[1];
	svm_conf_output_id(alice, n0, 0, &in[0]);
	/* a mutated balance proof */
	svm_conf_opening_t t[1];
	opening(&t[0], 500, &T, &w.s);
	uint8_t st = run(&w, 0, &zero, 0, 0, in, d, 1, own, t, 1, flip_last);
	cr_assert(st == svm_receipt_status(SVM_EPROOF) || st == svm_receipt_status(SVM_EDECODE), "status %u", st);
	/* bytes flipped across the payload (header, ids, commitments, proofs) */
	for (flip_at = 3; flip_at < 903; flip_at += 41) {
		uint8_t s2 = run(&w, 0, &zero, 0, 0, in, d, 1, own, t, 1, flip_byte);
		cr_assert_neq(s2, 0, "flip at %zu accepted, seed %#llx", flip_at, (unsigned long long)w.seed);
	}
	svm_object_t o;
	cr_assert(et_object(&w.e, &in[0], &o), "failed transactions left the input");
	check_conservation(&w, &T, supply, 500);
	/* bob cannot spend alice's output */
	svm_id_t bown[1] = {*bob};
	cr_assert_eq(run(&w, 1, &zero, 0, 0, in, d, 1, bown, t, 1, NULL), svm_receipt_status(SVM_EPERM));
	cr_assert(et_object(&w.e, &in[0], &o));
	check_conservation(&w, &T, supply, 500);
	/* a deposit of U whose outputs claim flavor T: the builder refuses (flavor mismatch) */
	svm_buf_t p = {0};
	uint8_t seed[32] = {1};
	svm_conf_opening_t wrong[1];
	opening(&wrong[0], 10, &T, &w.s);
	cr_assert_eq(svm_conf_build(&p, 7, alice, w.e.w.nonce[0], &U, 10, 0, NULL, NULL, 0, own, wrong,
				    NULL, NULL, 1, seed),
		     SVM_EINVAL);
	/* unbalanced: the builder refuses too */
	cr_assert_eq(svm_conf_build(&p, 7, alice, w.e.w.nonce[0], &T, 11, 0, NULL, NULL, 0, own, wrong,
				    NULL, NULL, 1, seed),
		     SVM_EINVAL);
	svm_buf_free(&p);
	et_free(&w.e);
}

/* A proof built for one statement does not verify for another: a deposit proven for 10 whose
 * payload says 11 (the varint edited in place) fails with EPROOF, and a deposit whose output
 * flavor is U's while the public token is T fails too (built with the flavor check bypassed by
 * swapping the token field after building). */
static int deposit_plus_one(svm_buf_t *p)
{
	/* payload: varint 24, varint 1, token (32), varint deposit (one byte for 10) */
	p->data[2 + 32] += 1;
	return 0;
}

static svm_id_t swap_token;
static int set_token(svm_buf_t *p)
{
	memcpy(p->data + 2, swap_token.b, 32);
	return 0;
}

Test(confidential, unbalanced_or_wrong_flavor_deposit_is_rejected)
{
	world_t w;
	setup(&w, 0xf1a);
	svm_id_t T = w.e.tok[1], U = w.e.tok[2];
	const svm_id_t *alice = &w.e.w.owners[0];
	uint64_t supply_t = et_supply(&w.e, &T), supply_u = et_supply(&w.e, &U);
	uint64_t bal = et_balance(&w.e, &T, alice);
	svm_conf_opening_t d[1];
	opening(&d[0], 10, &T, &w.s);
	svm_id_t own[1] = {*alice};
	cr_assert_eq(run(&w, 0, &T, 10, 0, NULL, NULL, 0, own, d, 1, deposit_plus_one),
		     svm_receipt_status(SVM_EPROOF));
	swap_token = U;
	cr_assert_eq(run(&w, 0, &T, 10, 0, NULL, NULL, 0, own, d, 1, set_token),
		     svm_receipt_status(SVM_EPROOF));
	cr_assert_eq(et_balance(&w.e, &T, alice), bal);
	check_conservation(&w, &T, supply_t, 0);
	cr_assert_eq(et_supply(&w.e, &U), supply_u);
	et_free(&w.e);
}

Test(confidential, malformed_payloads_are_rejected_as_decode_errors)
{
	world_t w;
	setup(&w, 0xdec);
	static const uint8_t cases[][8] = {
		{24, 3},    /* unknown method */
		{24, 1, 0}, /* truncated token */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		svm_buf_t p = {0};
		svm_buf_append(&p, cases[i], i == 0 ? 2 : 3);
		svm_exec_tx_t tx;
		cr_assert_eq(et_tx(&w.e, &tx, 0, &p, false), 0);
		tx.tx.fee_limit = 5000000;
		char why[256];
		cr_assert_eq(et_block(&w.e, &tx, 1, why, sizeof why), 0, "%s", why);
		cr_assert_eq(w.e.res.receipts[0].status, svm_receipt_status(SVM_EDECODE));
		svm_buf_free(&p);
	}
	et_free(&w.e);
}

/* A payload written by hand from docs/privacy.md (an independent encoder of the context and
 * the layout): a deposit of 11 whose output commits to 12 with a valid range proof. Only the
 * balance proof stands in the way, and it must; the same payload with a value of 11 passes, so
 * the hand encoding is right. */
static void hand_deposit(svm_buf_t *p, const svm_id_t *sender, uint64_t nonce, const svm_id_t *T,
			 uint64_t dep, uint64_t value, uint64_t *s)
{
	uint8_t r[1][32], rf[32], Q[1][32], F[32], range[1024], ctx[89], zero[32] = {0};
	rand_scalar(r[0], s);
	rand_scalar(rf, s);
	cr_assert_eq(svm_zk_commit_flavor(F, T->b, rf), 0);
	memcpy(ctx, "svm/zk/tx", 9);
	svm_put_u64be(ctx + 9, 7);
	memcpy(ctx + 17, sender->b, 32);
	svm_put_u64be(ctx + 49, nonce);
	uint8_t nums[32], len8[8] = {0};
	svm_put_u64be(nums, dep);
	svm_put_u64be(nums + 8, 0);
	svm_put_u64be(nums + 16, 0);
	svm_put_u64be(nums + 24, 1);
	svm_slice_t parts[5] = {{T->b, 32}, {nums, 32}, {sender->b, 32}, {len8, 8}, {NULL, 0}};
	svm_hash_t h;
	svm_sha256_tagged("svm/zk/tx/fields", parts, 5, &h);
	memcpy(ctx + 57, h.b, 32);
	uint8_t seed[32] = {9};
	cr_assert_eq(svm_zk_range_prove(range, Q, &value, (const uint8_t(*)[32])r, 1, ctx, 89, seed), 0);
	/* statements: P0 = dep·B - Q, P1 = F - flavor(T)·B; witnesses -r and rf */
	uint8_t P[2][32], x[2][32], d[32] = {0}, f[32], fB[32];
	for (int i = 0; i < 8; i++) d[i] = (uint8_t)(dep >> (8 * i));
	cr_assert_eq(svm_zk_point_combine(P[0], NULL, 0, (const uint8_t(*)[32])Q, 1, d), 0);
	svm_zk_flavor(f, T->b);
	cr_assert_eq(svm_zk_commit_scalar(fB, f, zero), 0);
	cr_assert_eq(svm_zk_point_combine(P[1], (const uint8_t(*)[32])F, 1, (const uint8_t(*)[32])fB, 1,
					  NULL),
		     0);
	svm_zk_scalar_negate(x[0], r[0]);
	memcpy(x[1], rf, 32);
	uint8_t bal[64];
	cr_assert_eq(svm_zk_balance_prove(bal, (const uint8_t(*)[32])P, (const uint8_t(*)[32])x, 2, ctx,
					  89, seed),
		     0);
	svm_varint_append(p, 24);
	svm_varint_append(p, 1);
	svm_buf_append(p, T->b, 32);
	svm_varint_append(p, dep);
	svm_varint_append(p, 0);
	svm_varint_append(p, 0);
	svm_varint_append(p, 1);
	svm_buf_append(p, sender->b, 32);
	svm_buf_append(p, Q[0], 32);
	svm_buf_append(p, F, 32);
	svm_varint_append(p, 0);
	svm_buf_append(p, range, svm_zk_range_proof_bytes(1));
	svm_buf_append(p, bal, 64);
}

Test(confidential, output_worth_more_than_the_deposit_fails_the_balance_proof)
{
	world_t w;
	setup(&w, 0xba1);
	svm_id_t T = w.e.tok[1];
	uint64_t supply = et_supply(&w.e, &T);
	for (int honest = 0; honest < 2; honest++) {
		svm_buf_t p = {0};
		hand_deposit(&p, &w.e.w.owners[0], w.e.w.nonce[0], &T, 11, honest ? 11 : 12, &w.s);
		svm_exec_tx_t tx;
		cr_assert_eq(et_tx(&w.e, &tx, 0, &p, true), 0);
		tx.tx.fee_limit = 5000000;
		char why[256];
		cr_assert_eq(et_block(&w.e, &tx, 1, why, sizeof why), 0, "%s", why);
		cr_assert_eq(w.e.res.receipts[0].status, honest ? 0 : svm_receipt_status(SVM_EPROOF),
			     "honest %d: status %u", honest, w.e.res.receipts[0].status);
		check_conservation(&w, &T, supply, honest ? 11 : 0);
		svm_buf_free(&p);
	}
	et_free(&w.e);
}

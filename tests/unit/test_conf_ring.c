/* Tests of ring spends in the confidential program (method 2, confidential.h): deposits into
 * ring outputs, transfers and withdrawals whose inputs are CLSAG rings of outputs (the spent
 * one hidden among decoys, never deleted), the key-image registry refusing a second spend
 * (SVM_EEXIST) in a later block and within one block, supply conserved, on the reference
 * executor and AOEM alike (et_block compares them byte for byte). Forged and mutated spends
 * are rejected with nothing changed but the fee. Seeds print on failure; SVM_TEST_SEED
 * replays one. */
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

#define OUTS_MAX 64

/* Every ring output the test made: its id, key and commitments, and (the test knows all) its
 * secret and opening. */
typedef struct {
	svm_id_t id;
	uint8_t P[32], Q[32], F[32], p[32];
	svm_conf_opening_t open;
	int owner; /* the user whose key it is */
} rout_t;

typedef struct {
	et_world_t e;
	uint64_t s, seed;
	svm_id_t vault;
	rout_t outs[OUTS_MAX];
	size_t n_outs;
} world_t;

static uint64_t test_seed(uint64_t dflt)
{
	const char *e = getenv("SVM_TEST_SEED");
	return e ? strtoull(e, NULL, 0) : dflt;
}

static void setup(world_t *w, uint64_t seed)
{
	memset(w, 0, sizeof *w);
	w->seed = w->s = test_seed(seed);
	cr_assert_eq(et_init(&w->e, w->seed, 4, 1000000), 0);
	svm_conf_vault_id(&w->vault);
}

/* A fresh output opening and one-time key for user u. */
static void new_out(world_t *w, rout_t *o, uint64_t v, const svm_id_t *token, int u)
{
	memset(o, 0, sizeof *o);
	o->open.value = v;
	o->open.token = *token;
	rand_scalar(o->open.blind, &w->s);
	rand_scalar(o->open.flavor_blind, &w->s);
	rand_scalar(o->p, &w->s);
	uint8_t zero[32] = {0};
	cr_assert_eq(svm_zk_commit_scalar(o->P, zero, o->p), 0); /* P = p·B_blinding */
	o->owner = u;
}

static uint8_t block_of(world_t *w, svm_exec_tx_t *txs, size_t n)
{
	char why[256];
	cr_assert_eq(et_block(&w->e, txs, n, why, sizeof why), 0, "%s, seed %#llx", why,
		     (unsigned long long)w->seed);
	return w->e.res.receipts[0].status;
}

/* One ring-spend transaction from user u: strict, reads from svm_conf_reads. */
static void make_tx(world_t *w, svm_exec_tx_t *tx, size_t u, const svm_buf_t *p)
{
	cr_assert_eq(et_tx(&w->e, tx, u, p, true), 0);
	tx->tx.fee_limit = 50000000;
	svm_id_t *rd = svm_arena_alloc(&w->e.w.arena, SVM_TX_OBJECTS_MAX * sizeof *rd);
	size_t nr = 0;
	if (svm_conf_reads(p->data, p->len, rd, SVM_TX_OBJECTS_MAX, &nr)) nr = 0;
	tx->tx.reads = rd;
	tx->tx.reads_len = (uint32_t)nr;
}

static int cmp_rout(const void *a, const void *b)
{
	return memcmp(((const rout_t *)a)->id.b, ((const rout_t *)b)->id.b, 32);
}

/* A ring of ring_n members around outs[real] (decoys: the other outputs, in id order). */
typedef struct {
	svm_id_t ids[SVM_CONF_RING_MAX];
	uint8_t P[SVM_CONF_RING_MAX][32], Q[SVM_CONF_RING_MAX][32], F[SVM_CONF_RING_MAX][32];
} ring_t;

static void make_ring(world_t *w, ring_t *r, svm_conf_ring_input_t *in, size_t real, size_t ring_n)
{
	cr_assert(ring_n <= w->n_outs);
	rout_t pick[SVM_CONF_RING_MAX];
	pick[0] = w->outs[real];
	size_t k = 1, start = (size_t)rng(&w->s) % w->n_outs;
	for (size_t i = 0; k < ring_n; i++) {
		size_t j = (start + i) % w->n_outs;
		if (j != real) pick[k++] = w->outs[j];
	}
	qsort(pick, ring_n, sizeof pick[0], cmp_rout);
	memset(in, 0, sizeof *in);
	for (size_t i = 0; i < ring_n; i++) {
		r->ids[i] = pick[i].id;
		memcpy(r->P[i], pick[i].P, 32);
		memcpy(r->Q[i], pick[i].Q, 32);
		memcpy(r->F[i], pick[i].F, 32);
		if (memcmp(pick[i].id.b, w->outs[real].id.b, 32) == 0) in->pi = i;
	}
	in->ring_n = ring_n;
	in->ids = r->ids;
	in->P = (const uint8_t(*)[32])r->P;
	in->Q = (const uint8_t(*)[32])r->Q;
	in->F = (const uint8_t(*)[32])r->F;
	memcpy(in->p, w->outs[real].p, 32);
	in->open = w->outs[real].open;
}

/* Builds a ring spend from user u; records its outputs in w->outs once the block accepts it
 * (the caller runs the block). */
static void build(world_t *w, svm_buf_t *p, size_t u, const svm_id_t *token, uint64_t dep,
		  uint64_t wd, const svm_conf_ring_input_t *in, size_t n_in, rout_t *outs,
		  size_t n_out)
{
	uint8_t seed[32], keys[SVM_CONF_OUTPUTS_MAX][32];
	svm_conf_opening_t op[SVM_CONF_OUTPUTS_MAX];
	for (int i = 0; i < 32; i++) seed[i] = (uint8_t)rng(&w->s);
	for (size_t j = 0; j < n_out; j++) {
		memcpy(keys[j], outs[j].P, 32);
		op[j] = outs[j].open;
	}
	const eg_world_t *g = &w->e.w;
	int rc = svm_conf_ring_build(p, 7, &g->owners[u], g->nonce[u], token, dep, wd, in, n_in,
				     (const uint8_t(*)[32])keys, op, NULL, NULL, n_out, seed);
	cr_assert_eq(rc, 0, "build: %s, seed %#llx", svm_strerror(rc), (unsigned long long)w->seed);
}

/* Records the outputs of an accepted transaction from u at nonce, reading Q and F back. */
static void record(world_t *w, size_t u, uint64_t nonce, rout_t *outs, size_t n_out)
{
	for (size_t j = 0; j < n_out; j++) {
		rout_t *o = &w->outs[w->n_outs++];
		cr_assert(w->n_outs <= OUTS_MAX);
		*o = outs[j];
		svm_conf_output_id(&w->e.w.owners[u], nonce, (uint16_t)j, &o->id);
		svm_object_t obj;
		cr_assert(et_object(&w->e, &o->id, &obj), "output %zu missing", j);
		cr_assert_eq(obj.owner_kind, SVM_OWNER_IMMUTABLE);
		svm_id_t creator;
		uint64_t n;
		uint16_t idx;
		uint8_t P[32];
		const uint8_t *enc;
		size_t el;
		cr_assert_eq(svm_conf_ring_output_decode(obj.payload, obj.payload_len, &creator, &n,
							 &idx, P, o->Q, o->F, &enc, &el),
			     0);
		cr_assert_eq(memcmp(P, o->P, 32), 0);
	}
}

/* A deposit of sum(values) of token by user u into ring outputs for user `to`. */
static void deposit(world_t *w, size_t u, int to, const svm_id_t *token, const uint64_t *values,
		    size_t n)
{
	rout_t outs[SVM_CONF_OUTPUTS_MAX];
	uint64_t sum = 0;
	for (size_t j = 0; j < n; j++) {
		new_out(w, &outs[j], values[j], token, to);
		sum += values[j];
	}
	svm_buf_t p = {0};
	build(w, &p, u, token, sum, 0, NULL, 0, outs, n);
	svm_exec_tx_t tx;
	uint64_t nonce = w->e.w.nonce[u];
	make_tx(w, &tx, u, &p);
	cr_assert_eq(block_of(w, &tx, 1), 0, "deposit failed, seed %#llx", (unsigned long long)w->seed);
	record(w, u, nonce, outs, n);
	svm_buf_free(&p);
}

static void conserve(world_t *w, const svm_id_t *token, uint64_t supply, uint64_t hidden)
{
	cr_assert_eq(et_supply(&w->e, token), supply, "supply, seed %#llx", (unsigned long long)w->seed);
	cr_assert_eq(et_balance(&w->e, token, &w->vault), hidden, "vault, seed %#llx",
		     (unsigned long long)w->seed);
}

/* Decoys for everything: 12 outputs of T from four users (12 deposits of 1..12 would take 12
 * blocks; 3 deposits of 4 outputs do). */
static void seed_outputs(world_t *w, const svm_id_t *T)
{
	static const uint64_t v[3][4] = {{100, 200, 300, 400}, {7, 8, 9, 10}, {1000, 1, 2, 3}};
	for (size_t u = 0; u < 3; u++) deposit(w, u, (int)u, T, v[u], 4);
}

Test(conf_ring, ring_spends_hide_the_input_and_conserve_supply)
{
	world_t w;
	setup(&w, 0x5eed1);
	svm_id_t T = w.e.tok[1], zero = {{0}};
	uint64_t supply = et_supply(&w.e, &T), a0 = et_balance(&w.e, &T, &w.e.w.owners[0]);
	seed_outputs(&w, &T);
	cr_assert_eq(et_balance(&w.e, &T, &w.e.w.owners[0]), a0 - 1000);
	conserve(&w, &T, supply, 2040);
	/* user 0 spends its 300 (outs[2]) in a ring of 11: 120 to user 1, 180 back */
	ring_t r;
	svm_conf_ring_input_t in;
	make_ring(&w, &r, &in, 2, 11);
	rout_t outs[2];
	new_out(&w, &outs[0], 120, &T, 1);
	new_out(&w, &outs[1], 180, &T, 0);
	svm_buf_t p = {0};
	build(&w, &p, 0, &zero, 0, 0, &in, 1, outs, 2);
	svm_exec_tx_t tx;
	uint64_t nonce = w.e.w.nonce[0];
	make_tx(&w, &tx, 0, &p);
	cr_assert_eq(tx.tx.reads_len, 11, "every member declared as a read");
	cr_assert_eq(block_of(&w, &tx, 1), 0, "seed %#llx", (unsigned long long)w.seed);
	svm_buf_free(&p);
	/* nothing is deleted: all 11 members still exist; the key image is registered */
	for (size_t i = 0; i < 11; i++) {
		svm_object_t o;
		cr_assert(et_object(&w.e, &r.ids[i], &o), "member %zu deleted", i);
	}
	uint8_t I[32];
	svm_id_t kid;
	cr_assert_eq(svm_zk_clsag_key_image_base(I, SVM_ZK_BASE_BLINDING, w.outs[2].p), 0);
	svm_conf_key_image_id(I, &kid);
	svm_object_t ko;
	cr_assert(et_object(&w.e, &kid, &ko), "key image registered");
	record(&w, 0, nonce, outs, 2);
	conserve(&w, &T, supply, 2040);
	/* user 1 withdraws 100 of its new 120 (two inputs: that 120 and its own 7), change 27 */
	size_t got120 = w.n_outs - 2;
	ring_t r2[2];
	svm_conf_ring_input_t in2[2];
	make_ring(&w, &r2[0], &in2[0], got120, 5);
	make_ring(&w, &r2[1], &in2[1], 4, 5); /* outs[4] = user 1's 7 */
	rout_t change[1];
	new_out(&w, &change[0], 27, &T, 1);
	uint64_t b0 = et_balance(&w.e, &T, &w.e.w.owners[1]);
	build(&w, &p, 1, &T, 0, 100, in2, 2, change, 1);
	make_tx(&w, &tx, 1, &p);
	cr_assert_eq(block_of(&w, &tx, 1), 0, "seed %#llx", (unsigned long long)w.seed);
	svm_buf_free(&p);
	cr_assert_eq(et_balance(&w.e, &T, &w.e.w.owners[1]), b0 + 100);
	conserve(&w, &T, supply, 1940);
	et_free(&w.e);
}

Test(conf_ring, a_key_image_spends_once_in_later_blocks_and_within_one_block)
{
	world_t w;
	setup(&w, 0xd0b1e);
	svm_id_t T = w.e.tok[1], zero = {{0}};
	uint64_t supply = et_supply(&w.e, &T);
	seed_outputs(&w, &T);
	/* spend user 0's 100 (outs[0]) */
	ring_t r;
	svm_conf_ring_input_t in;
	make_ring(&w, &r, &in, 0, 6);
	rout_t outs[1];
	new_out(&w, &outs[0], 100, &T, 2);
	svm_buf_t p = {0};
	build(&w, &p, 0, &zero, 0, 0, &in, 1, outs, 1);
	svm_exec_tx_t tx;
	make_tx(&w, &tx, 0, &p);
	cr_assert_eq(block_of(&w, &tx, 1), 0);
	svm_buf_free(&p);
	/* again, in another ring, from another sender: the key image is the same */
	make_ring(&w, &r, &in, 0, 9);
	new_out(&w, &outs[0], 100, &T, 3);
	build(&w, &p, 3, &zero, 0, 0, &in, 1, outs, 1);
	make_tx(&w, &tx, 3, &p);
	cr_assert_eq(block_of(&w, &tx, 1), svm_receipt_status(SVM_EEXIST));
	svm_buf_free(&p);
	conserve(&w, &T, supply, 2040);
	/* within one block of 10 (AOEM runs blocks of SVM_EXEC_PAR_TXS_MIN and more on its
	 * parallel engines unless they form one chain of conflicts): a withdrawal of outs[1] by
	 * its owner and a second one by user 3 right after it, and eight transfers of other
	 * outputs by their owners (they touch no common object); the first withdrawal wins, the
	 * second is a double spend, the transfers go through; AOEM agrees byte for byte */
	static const size_t spend[10] = {1, 1, 2, 3, 5, 6, 7, 8, 9, 10};
	svm_exec_tx_t txs[10];
	svm_buf_t ps[10];
	ring_t rr[10];
	svm_conf_ring_input_t ins[10];
	uint64_t before[4], want_out = 0;
	for (size_t u = 0; u < 4; u++) before[u] = et_balance(&w.e, &T, &w.e.w.owners[u]);
	for (size_t k = 0; k < 10; k++) {
		const rout_t *o = &w.outs[spend[k]];
		size_t u = k == 1 ? 3 : (size_t)o->owner;
		memset(&ps[k], 0, sizeof ps[k]);
		make_ring(&w, &rr[k], &ins[k], spend[k], 4 + k % 8);
		rout_t to[1];
		new_out(&w, &to[0], o->open.value, &T, (int)u);
		if (k < 2) build(&w, &ps[k], u, &T, 0, o->open.value, &ins[k], 1, NULL, 0);
		else build(&w, &ps[k], u, &zero, 0, 0, &ins[k], 1, to, 1);
		make_tx(&w, &txs[k], u, &ps[k]);
		if (k == 0) want_out += o->open.value;
	}
	setenv("SVM_EXEC_SHORTCUT", "0", 1); /* parallel engines even for this shallow block */
	block_of(&w, txs, 10);
	for (size_t k = 0; k < 10; k++)
		cr_assert_eq(w.e.res.receipts[k].status, k == 1 ? svm_receipt_status(SVM_EEXIST) : 0,
			     "tx %zu, seed %#llx", k, (unsigned long long)w.seed);
	cr_assert_gt(w.e.par_txs, 0, "AOEM ran the block on its parallel engines");
	cr_assert_eq(et_balance(&w.e, &T, &w.e.w.owners[3]), before[3], "the double spend paid nothing");
	cr_assert_eq(et_balance(&w.e, &T, &w.e.w.owners[0]), before[0] + 200);
	conserve(&w, &T, supply, 2040 - want_out);
	for (int k = 0; k < 10; k++) svm_buf_free(&ps[k]);
	et_free(&w.e);
}

static size_t flip_at;

Test(conf_ring, forged_and_mutated_ring_spends_change_nothing_but_the_fee)
{
	world_t w;
	setup(&w, 0xf0f0);
	svm_id_t T = w.e.tok[1], zero = {{0}};
	uint64_t supply = et_supply(&w.e, &T);
	seed_outputs(&w, &T);
	ring_t r;
	svm_conf_ring_input_t in;
	make_ring(&w, &r, &in, 3, 5); /* user 0's 400 */
	rout_t outs[1];
	new_out(&w, &outs[0], 400, &T, 1);
	/* every 37th byte of the payload flipped (each built for the nonce it is sent at, so only
	 * the flip can fail it): refused (EDECODE, EINVAL or EPROOF) */
	svm_exec_tx_t tx;
	size_t fails = 0, len = 0;
	for (flip_at = 2; len == 0 || flip_at < len; flip_at += 37) {
		svm_buf_t p = {0};
		build(&w, &p, 0, &zero, 0, 0, &in, 1, outs, 1);
		len = p.len;
		p.data[flip_at] ^= 0x04;
		make_tx(&w, &tx, 0, &p);
		uint8_t st = block_of(&w, &tx, 1);
		cr_assert_neq(st, 0, "flip at %zu accepted, seed %#llx", flip_at, (unsigned long long)w.seed);
		fails++;
		svm_buf_free(&p);
	}
	cr_assert_gt(fails, 25);
	conserve(&w, &T, supply, 2040);
	/* the wrong secret: the builder refuses (it does not open the member) */
	svm_buf_t p = {0};
	uint8_t seed[32] = {3};
	in.p[0] ^= 1;
	uint8_t key[1][32];
	memcpy(key[0], outs[0].P, 32);
	cr_assert_neq(svm_conf_ring_build(&p, 7, &w.e.w.owners[0], w.e.w.nonce[0], &zero, 0, 0, &in, 1,
					  (const uint8_t(*)[32])key, &outs[0].open, NULL, NULL, 1, seed),
		      0);
	in.p[0] ^= 1;
	/* claiming more than the member holds: refused by the builder; a pseudo commitment to
	 * 401 forced in by opening the member as 401 fails the ring signature on chain */
	outs[0].open.value = 401;
	cr_assert_eq(svm_conf_ring_build(&p, 7, &w.e.w.owners[0], w.e.w.nonce[0], &zero, 0, 0, &in, 1,
					 (const uint8_t(*)[32])key, &outs[0].open, NULL, NULL, 1, seed),
		     SVM_EINVAL);
	svm_buf_free(&p);
	svm_conf_ring_input_t lie = in;
	lie.open.value = 401;
	cr_assert_neq(svm_conf_ring_build(&p, 7, &w.e.w.owners[0], w.e.w.nonce[0], &zero, 0, 0, &lie,
					  1, (const uint8_t(*)[32])key, &outs[0].open, NULL, NULL, 1,
					  seed),
		      0, "the CLSAG signer refuses a z that does not open C_pi");
	svm_buf_free(&p);
	outs[0].open.value = 400;
	/* a ring naming a member that does not exist, or a method-1 output: EINVAL */
	svm_id_t m1_owner[1] = {w.e.w.owners[0]};
	svm_conf_opening_t m1[1] = {outs[0].open};
	m1[0].value = 5;
	uint64_t n1 = w.e.w.nonce[0];
	cr_assert_eq(svm_conf_build(&p, 7, &w.e.w.owners[0], n1, &T, 5, 0, NULL, NULL, 0, m1_owner, m1,
				    NULL, NULL, 1, seed),
		     0);
	make_tx(&w, &tx, 0, &p);
	cr_assert_eq(block_of(&w, &tx, 1), 0);
	svm_buf_free(&p);
	svm_id_t m1_id;
	svm_conf_output_id(&w.e.w.owners[0], n1, 0, &m1_id);
	ring_t r3 = r;
	r3.ids[in.pi == 0 ? 1 : 0] = m1_id; /* a decoy replaced (order may break: EDECODE) */
	svm_conf_ring_input_t bad = in;
	bad.ids = r3.ids;
	for (size_t k = 1; k < bad.ring_n; k++)
		if (memcmp(r3.ids[k - 1].b, r3.ids[k].b, 32) >= 0) goto skip_order;
	build(&w, &p, 0, &zero, 0, 0, &bad, 1, outs, 1);
	make_tx(&w, &tx, 0, &p);
	cr_assert_eq(block_of(&w, &tx, 1), svm_receipt_status(SVM_EINVAL));
	svm_buf_free(&p);
skip_order:;
	/* the honest spend still goes through afterwards */
	build(&w, &p, 0, &zero, 0, 0, &in, 1, outs, 1);
	make_tx(&w, &tx, 0, &p);
	cr_assert_eq(block_of(&w, &tx, 1), 0);
	svm_buf_free(&p);
	conserve(&w, &T, supply, 2045);
	et_free(&w.e);
}

/* Wallet notes: the recipient opens its note (value, blinds, token, and the one-time secret p
 * with P = p·B_blinding), another wallet cannot, and any flipped byte of the note, or a note
 * moved onto another output, fails to open. */
Test(conf_ring, notes_open_for_their_recipient_only)
{
	uint64_t seed = test_seed(0x407e), s = seed;
	uint8_t seed_a[32], seed_b[32], sa[32], va[64], A[64], sb[32], vb[64], Bk[64];
	for (int i = 0; i < 32; i++) seed_a[i] = (uint8_t)rng(&s), seed_b[i] = (uint8_t)rng(&s);
	svm_conf_wallet_keys(sa, va, A, seed_a);
	svm_conf_wallet_keys(sb, vb, Bk, seed_b);
	svm_conf_opening_t o = {.value = 123456789}, got;
	rand_scalar(o.blind, &s);
	rand_scalar(o.flavor_blind, &s);
	memset(o.token.b, 0x5a, 32);
	uint8_t P[32], Q[32], F[32], note[SVM_CONF_NOTE_BYTES], rs[32] = {7}, p[32], chk[32];
	uint8_t zero[32] = {0};
	cr_assert_eq(svm_conf_note_seal(P, note, A, &o, rs), 0);
	cr_assert_eq(svm_zk_commit(Q, o.value, o.blind), 0);
	cr_assert_eq(svm_zk_commit_flavor(F, o.token.b, o.flavor_blind), 0);
	cr_assert_eq(svm_conf_note_open(&got, p, va, sa, P, Q, F, note, sizeof note), 0,
		     "seed %#llx", (unsigned long long)seed);
	cr_assert_eq(got.value, o.value);
	cr_assert_eq(memcmp(&got.token, &o.token, 32), 0);
	cr_assert_eq(svm_zk_commit_scalar(chk, zero, p), 0);
	cr_assert_eq(memcmp(chk, P, 32), 0, "p is P's secret");
	cr_assert_eq(svm_conf_note_open(&got, p, vb, sb, P, Q, F, note, sizeof note), SVM_EPROOF);
	for (size_t i = 0; i < sizeof note; i += 7) {
		note[i] ^= 0x20;
		cr_assert_eq(svm_conf_note_open(&got, p, va, sa, P, Q, F, note, sizeof note), SVM_EPROOF,
			     "flip at %zu", i);
		note[i] ^= 0x20;
	}
	uint8_t Q2[32];
	cr_assert_eq(svm_zk_commit(Q2, o.value + 1, o.blind), 0);
	cr_assert_eq(svm_conf_note_open(&got, p, va, sa, P, Q2, F, note, sizeof note), SVM_EPROOF);
	cr_assert_eq(svm_conf_note_open(&got, p, va, sa, P, Q, F, note, sizeof note - 1), SVM_EPROOF);
	/* two notes to one address have unlinkable one-time keys */
	uint8_t P2[32], note2[SVM_CONF_NOTE_BYTES], rs2[32] = {8};
	cr_assert_eq(svm_conf_note_seal(P2, note2, A, &o, rs2), 0);
	cr_assert_neq(memcmp(P, P2, 32), 0);
	cr_assert_neq(memcmp(P, A + 32, 32), 0);
}

/* View keys: the view key alone opens the note (value, token, blinds) and checks P against the
 * spend key, yet what it yields is not P's secret — and no secret it holds is: x, v and x + v
 * all fail to be P's discrete log, and a ring spend built with them is refused by the wallet
 * builder. The view key's address is the wallet's; another wallet's view key opens nothing;
 * a view key with a non-canonical or zero scalar or an invalid point is refused. */
Test(conf_ring, a_view_key_sees_amounts_and_cannot_spend)
{
	uint64_t seed = test_seed(0x7133), s = seed;
	uint8_t sd[32], sd2[32], sa[32], va[64], A[64], sb[32], vb[64], Bk[64], addr[64];
	for (int i = 0; i < 32; i++) sd[i] = (uint8_t)rng(&s), sd2[i] = (uint8_t)rng(&s);
	svm_conf_wallet_keys(sa, va, A, sd);
	svm_conf_wallet_keys(sb, vb, Bk, sd2);
	cr_assert_eq(svm_conf_view_address(addr, va), 0);
	cr_assert_eq(memcmp(addr, A, 64), 0, "the view key gives the wallet's address");
	cr_assert_neq(memcmp(va, sa, 32), 0, "view and spend secrets differ");
	cr_assert_eq(memcmp(va + 32, A + 32, 32), 0, "the view key carries the spend key A");
	svm_conf_opening_t o = {.value = 987654321}, got, got2;
	rand_scalar(o.blind, &s);
	rand_scalar(o.flavor_blind, &s);
	memset(o.token.b, 0x33, 32);
	uint8_t P[32], Q[32], F[32], note[SVM_CONF_NOTE_BYTES], rs[32] = {9}, x[32], p[32], chk[32];
	uint8_t zero[32] = {0}, cand[3][32];
	cr_assert_eq(svm_conf_note_seal(P, note, A, &o, rs), 0);
	cr_assert_eq(svm_zk_commit(Q, o.value, o.blind), 0);
	cr_assert_eq(svm_zk_commit_flavor(F, o.token.b, o.flavor_blind), 0);
	cr_assert_eq(svm_conf_note_view(&got, x, va, P, Q, F, note, sizeof note), 0, "seed %#llx",
		     (unsigned long long)seed);
	cr_assert_eq(got.value, o.value, "the view key sees the amount");
	cr_assert_eq(memcmp(got.token.b, o.token.b, 32), 0, "and the token");
	cr_assert_eq(memcmp(got.blind, o.blind, 32), 0);
	cr_assert_eq(svm_conf_note_open(&got2, p, va, sa, P, Q, F, note, sizeof note), 0);
	cr_assert_eq(got2.value, got.value, "the full wallet opens the same");
	/* nothing the viewer holds is P's secret */
	memcpy(cand[0], x, 32);
	memcpy(cand[1], va, 32);
	svm_zk_scalar_add(cand[2], x, va);
	for (int k = 0; k < 3; k++) {
		cr_assert_eq(svm_zk_commit_scalar(chk, zero, cand[k]), 0);
		cr_assert_neq(memcmp(chk, P, 32), 0, "candidate %d is not P's secret", k);
	}
	/* a spend key that is not the view key's is refused by the full open */
	uint8_t p2[32];
	cr_assert_eq(svm_conf_note_open(&got2, p2, va, sb, P, Q, F, note, sizeof note), SVM_EPROOF);
	cr_assert_eq(svm_conf_note_open(&got2, p2, va, va, P, Q, F, note, sizeof note), SVM_EPROOF,
		     "the view secret is not a spend secret");
	/* a ring spend of the output signed with the viewer's best guess is refused */
	svm_id_t id, sender, tok;
	memset(id.b, 1, 32), memset(sender.b, 2, 32), tok = o.token;
	svm_conf_ring_input_t in = {.ring_n = 1, .pi = 0, .ids = &id};
	const uint8_t(*PP)[32] = (const uint8_t(*)[32])P, (*QQ)[32] = (const uint8_t(*)[32])Q,
	      (*FF)[32] = (const uint8_t(*)[32])F;
	in.P = PP, in.Q = QQ, in.F = FF, in.open = got;
	uint8_t bseed[32] = {5};
	svm_buf_t b = {0};
	for (int k = 0; k < 3; k++) {
		memcpy(in.p, cand[k], 32);
		cr_assert_eq(svm_conf_ring_build(&b, 7, &sender, 0, &tok, 0, o.value, &in, 1, NULL, NULL,
						 NULL, NULL, 0, bseed),
			     SVM_EINVAL, "candidate %d", k);
	}
	memcpy(in.p, p, 32); /* the spend key's p builds */
	cr_assert_eq(svm_conf_ring_build(&b, 7, &sender, 0, &tok, 0, o.value, &in, 1, NULL, NULL, NULL,
					 NULL, 0, bseed),
		     0);
	svm_buf_free(&b);
	/* another wallet's view key opens nothing; malformed view keys are refused */
	cr_assert_eq(svm_conf_note_view(&got, x, vb, P, Q, F, note, sizeof note), SVM_EPROOF);
	uint8_t bad[64];
	memcpy(bad, va, 64);
	memset(bad, 0xff, 32);
	cr_assert_eq(svm_conf_view_address(addr, bad), SVM_EINVAL, "scalar not below l");
	memset(bad, 0, 32);
	cr_assert_eq(svm_conf_view_address(addr, bad), SVM_EINVAL, "zero view secret");
	memcpy(bad, va, 64);
	bad[63] ^= 0x80;
	cr_assert_eq(svm_conf_view_address(addr, bad), SVM_EINVAL, "A not a point");
}

/* Key-image export (view-only wallets see spends): the spend-key holder exports each output's
 * key image with a proof; the view-only wallet checks it against the output's one-time key with
 * nothing but its address, and the image is the one a ring spend of that output registers (its
 * registry id is among the spend's writes). A proof for another address, another output id,
 * another output's key, or an image of another output is refused. */
Test(conf_ring, exported_key_images_are_the_ones_a_spend_registers)
{
	uint64_t seed = test_seed(0x4b1e), s = seed;
	uint8_t sd[32], sd2[32], sa[32], va[64], A[64], sb[32], vb[64], Bk[64];
	for (int i = 0; i < 32; i++) sd[i] = (uint8_t)rng(&s), sd2[i] = (uint8_t)rng(&s);
	svm_conf_wallet_keys(sa, va, A, sd);
	svm_conf_wallet_keys(sb, vb, Bk, sd2);
	svm_conf_opening_t o = {.value = 4242}, got;
	rand_scalar(o.blind, &s);
	rand_scalar(o.flavor_blind, &s);
	memset(o.token.b, 0x21, 32);
	uint8_t P[2][32], Q[32], F[32], note[2][SVM_CONF_NOTE_BYTES], rs[32] = {1}, p[2][32];
	cr_assert_eq(svm_zk_commit(Q, o.value, o.blind), 0);
	cr_assert_eq(svm_zk_commit_flavor(F, o.token.b, o.flavor_blind), 0);
	for (int k = 0; k < 2; k++) {
		rs[1] = (uint8_t)k;
		cr_assert_eq(svm_conf_note_seal(P[k], note[k], A, &o, rs), 0);
		cr_assert_eq(svm_conf_note_open(&got, p[k], va, sa, P[k], Q, F, note[k], SVM_CONF_NOTE_BYTES), 0);
	}
	svm_id_t id, id2, sender;
	memset(id.b, 0x11, 32), memset(id2.b, 0x12, 32), memset(sender.b, 2, 32);
	uint8_t pf[SVM_ZK_KEY_IMAGE_PROOF_BYTES], pf2[SVM_ZK_KEY_IMAGE_PROOF_BYTES], I[32], I2[32],
		kseed[32] = {3};
	cr_assert_eq(svm_conf_key_image_export(pf, I, p[0], A, &id, kseed), 0);
	cr_assert_eq(svm_conf_key_image_export(pf2, I2, p[1], A, &id2, kseed), 0);
	cr_assert_eq(svm_conf_key_image_check(pf, sizeof pf, I, P[0], A, &id), 0, "seed %#llx",
		     (unsigned long long)seed);
	cr_assert_eq(svm_conf_key_image_check(pf, sizeof pf, I, P[0], Bk, &id), SVM_EPROOF, "another address");
	cr_assert_eq(svm_conf_key_image_check(pf, sizeof pf, I, P[0], A, &id2), SVM_EPROOF, "another id");
	cr_assert_eq(svm_conf_key_image_check(pf, sizeof pf, I, P[1], A, &id), SVM_EPROOF, "another key");
	cr_assert_eq(svm_conf_key_image_check(pf2, sizeof pf2, I2, P[0], A, &id2), SVM_EPROOF,
		     "another output's true image, claimed for this one");
	cr_assert_eq(svm_conf_key_image_check(pf, sizeof pf - 1, I, P[0], A, &id), SVM_EDECODE);
	uint8_t bad[32];
	memcpy(bad, I, 32);
	bad[31] |= 0x80;
	cr_assert_eq(svm_conf_key_image_check(pf, sizeof pf, bad, P[0], A, &id), SVM_EDECODE,
		     "a non-canonical image");
	/* a ring spend of output 0 registers exactly I */
	svm_conf_ring_input_t in = {.ring_n = 1, .pi = 0, .ids = &id};
	in.P = (const uint8_t(*)[32])P[0], in.Q = (const uint8_t(*)[32])Q, in.F = (const uint8_t(*)[32])F;
	in.open = o;
	memcpy(in.p, p[0], 32);
	svm_buf_t b = {0};
	uint8_t bseed[32] = {5};
	cr_assert_eq(svm_conf_ring_build(&b, 7, &sender, 0, &o.token, 0, o.value, &in, 1, NULL, NULL, NULL,
					 NULL, 0, bseed),
		     0);
	svm_id_t writes[8], kid;
	size_t n = 0;
	cr_assert_eq(svm_conf_access(&sender, 0, b.data, b.len, writes, 8, &n), 0);
	svm_conf_key_image_id(I, &kid);
	bool found = false;
	for (size_t i = 0; i < n; i++) found |= memcmp(writes[i].b, kid.b, 32) == 0;
	cr_assert(found, "the spend registers the exported key image");
	svm_conf_key_image_id(I2, &kid);
	for (size_t i = 0; i < n; i++) cr_assert_neq(memcmp(writes[i].b, kid.b, 32), 0);
	svm_buf_free(&b);
	(void)sb;
}

/* A relayed spend: user 0's output spent by a transaction whose sender is user 3 (the relayer),
 * paying it a public withdraw of 25 from the confidential input — the relayer's check accepts
 * exactly that (its token, at least its fee), the chain runs it and credits the relayer, user
 * 0's public balance does not move, supply is conserved. The check refuses a fee below the
 * relay's, another token, a transfer without a withdraw, a deposit, and truncated bytes. */
Test(conf_ring, a_relayed_spend_pays_the_relayer_from_the_inputs)
{
	world_t w;
	setup(&w, 0x4e1a);
	svm_id_t T = w.e.tok[1], zero = {{0}};
	uint64_t supply = et_supply(&w.e, &T);
	seed_outputs(&w, &T);
	uint64_t a0 = et_balance(&w.e, &T, &w.e.w.owners[0]), r0 = et_balance(&w.e, &T, &w.e.w.owners[3]);
	ring_t r;
	svm_conf_ring_input_t in;
	make_ring(&w, &r, &in, 3, 11); /* user 0's 400 */
	rout_t outs[2];
	new_out(&w, &outs[0], 300, &T, 1); /* to user 1 */
	new_out(&w, &outs[1], 75, &T, 0);  /* change */
	svm_buf_t p = {0};
	uint64_t fee = 0;
	build(&w, &p, 3, &T, 0, 25, &in, 1, outs, 2); /* sender: the relayer, user 3 */
	cr_assert_eq(svm_conf_relay_check(p.data, p.len, &T, 25, &fee), 0);
	cr_assert_eq(fee, 25);
	cr_assert_eq(svm_conf_relay_check(p.data, p.len, &T, 26, &fee), SVM_EFUNDS, "below the fee");
	cr_assert_eq(fee, 25);
	cr_assert_eq(svm_conf_relay_check(p.data, p.len, &w.e.tok[0], 1, &fee), SVM_EINVAL, "other token");
	cr_assert_eq(svm_conf_relay_check(p.data, p.len - 1, &T, 1, &fee), SVM_EDECODE);
	svm_exec_tx_t tx;
	uint64_t nonce = w.e.w.nonce[3];
	make_tx(&w, &tx, 3, &p);
	cr_assert_eq(block_of(&w, &tx, 1), 0, "seed %#llx", (unsigned long long)w.seed);
	svm_buf_free(&p);
	record(&w, 3, nonce, outs, 2);
	cr_assert_eq(et_balance(&w.e, &T, &w.e.w.owners[3]), r0 + 25,
		     "the relayer is paid from the confidential side");
	cr_assert_eq(et_balance(&w.e, &T, &w.e.w.owners[0]), a0, "the spender's public balance is untouched");
	conserve(&w, &T, supply, 2040 - 25);
	/* what a relayer refuses: a transfer paying nothing, a deposit */
	make_ring(&w, &r, &in, 0, 5); /* user 0's 100 */
	new_out(&w, &outs[0], 100, &T, 2);
	build(&w, &p, 3, &zero, 0, 0, &in, 1, outs, 1);
	cr_assert_eq(svm_conf_relay_check(p.data, p.len, &T, 1, &fee), SVM_EINVAL, "no withdraw");
	cr_assert_eq(fee, 0);
	svm_buf_free(&p);
	new_out(&w, &outs[0], 50, &T, 0);
	build(&w, &p, 0, &T, 50, 0, NULL, 0, outs, 1);
	cr_assert_eq(svm_conf_relay_check(p.data, p.len, &T, 1, &fee), SVM_EINVAL, "a deposit");
	svm_buf_free(&p);
	et_free(&w.e);
}

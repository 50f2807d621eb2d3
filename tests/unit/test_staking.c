/* Staking and slashing: a scripted life of validators (register, delegate, epochs with rewards
 * and the active set, undelegate with its delay, double-sign evidence slashing bonded and
 * unbonding stake and jailing, unjail), bad inputs that fail clearly and change nothing but the
 * fee, and seeded random sequences run on the reference and AOEM (compared byte for byte) with
 * SWR conserved exactly and nobody withdrawing more than they put in. A failure prints its
 * seed: SVM_TEST_SEED=<seed> replays it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chaintest.h"
#include "lib/econtest.h"
#include "supervm/consensus.h"

typedef unsigned __int128 u128;

#define USERS 8
#define VALS 4 /* users 0..3 run validators */

static void setup(void) { cr_assert_eq(svm_crypto_init(), 0); }

typedef struct {
	et_world_t e;
	svm_keypair_t key[VALS]; /* consensus keys */
	svm_params_t p;
	svm_id_t swr;
} st_t;

static int genesis_finish(svm_txctx_t *c, void *ud) { return svm_staking_genesis_finish(c); }

static uint64_t epoch_now(st_t *s) { return s->e.w.env.height / s->p.epoch_blocks; }

static void st_init(st_t *s, unsigned seed, uint64_t issuance_ppb)
{
	memset(s, 0, sizeof *s);
	cr_assert_eq(et_init(&s->e, seed, USERS, 1000000), 0);
	svm_params_default(&s->p);
	s->p.epoch_blocks = 4;
	s->p.unbonding_epochs = 1;
	s->p.jail_epochs = 1;
	s->p.stake_min = 1000;
	s->p.active_set_max = 3;
	s->p.commission_bps_max = 5000;
	s->p.issuance_ppb_epoch = issuance_ppb;
	s->p.fee_a = 1000, s->p.fee_b = 2, s->p.fee_c = 1, s->p.fee_d = 0;
	cr_assert_eq(et_set_params(&s->e, &s->p), 0);
	cr_assert_eq(et_system(&s->e, genesis_finish, NULL), 0); /* the epoch object: epoch 0 */
	for (int i = 0; i < VALS; i++) ct_key(100 + (uint64_t)i, &s->key[i]);
	s->swr = s->e.w.tokens[0];
}

static const svm_id_t *user(st_t *s, int u) { return &s->e.w.owners[u]; }

/* One transaction as a block of its own; returns its receipt status. */
static uint8_t run1(st_t *s, int u, const svm_buf_t *p, bool strict)
{
	svm_exec_tx_t tx;
	char why[256];
	cr_assert_eq(et_tx(&s->e, &tx, (size_t)u, p, strict), 0);
	cr_assert_eq(et_block(&s->e, &tx, 1, why, sizeof why), 0, "%s", why);
	cr_assert_eq(s->e.res.included, 1);
	return s->e.res.receipts[0].status;
}

static uint8_t stake_op(st_t *s, int u, uint64_t method, int v, int v2, uint64_t amount)
{
	svm_buf_t p = {0};
	cr_assert_eq(svm_stake_payload(&p, method, v >= 0 ? user(s, v) : NULL, v2 >= 0 ? user(s, v2) : NULL,
				       amount), 0);
	uint8_t st = run1(s, u, &p, method != SVM_STAKE_EPOCH);
	svm_buf_free(&p);
	return st;
}

static uint8_t reg(st_t *s, int u, uint64_t commission, uint64_t bond)
{
	svm_buf_t p = {0};
	uint8_t vrf[32];
	memset(vrf, u, 32);
	cr_assert_eq(svm_stake_register_payload(&p, s->key[u].public_key, vrf, commission, bond), 0);
	uint8_t st = run1(s, u, &p, true);
	svm_buf_free(&p);
	return st;
}

static void empty_blocks_to_epoch_start(st_t *s)
{
	char why[64];
	while ((s->e.w.env.height + 1) % s->p.epoch_blocks != 0)
		cr_assert_eq(et_block(&s->e, NULL, 0, why, sizeof why), 0);
}

static bool val(st_t *s, int v, svm_validator_t *out)
{
	svm_id_t id;
	svm_object_t o;
	svm_staking_validator_id(user(s, v), &id);
	return et_object(&s->e, &id, &o) && svm_validator_decode(o.payload, o.payload_len, out) == 0;
}

static uint64_t shares_of(st_t *s, int v, int u)
{
	svm_id_t id;
	svm_object_t o;
	svm_staking_delegation_id(user(s, v), user(s, u), &id);
	if (!et_object(&s->e, &id, &o)) return 0;
	svm_reader_t r = svm_reader(o.payload, o.payload_len);
	uint64_t x = 0;
	svm_varint_read(&r, &x);
	return x;
}

/* Σ of the queue's amounts, and of those started after height h. */
static uint64_t queued(st_t *s, int v, uint64_t after, uint64_t *n)
{
	svm_id_t id;
	svm_object_t o;
	svm_staking_queue_id(user(s, v), &id);
	*n = 0;
	if (!et_object(&s->e, &id, &o)) return 0;
	svm_reader_t r = svm_reader(o.payload, o.payload_len);
	uint64_t cnt, sum = 0;
	svm_varint_read(&r, &cnt);
	for (uint64_t i = 0; i < cnt; i++) {
		uint8_t d[32];
		uint64_t amount, start, rel;
		svm_reader_copy(&r, d, 32);
		svm_varint_read(&r, &amount);
		svm_varint_read(&r, &start);
		svm_varint_read(&r, &rel);
		if (start > after) sum += amount;
	}
	*n = cnt;
	return sum;
}

/* Σ of every SWR balance the chain can hold here equals the supply; each validator holds its
 * tokens plus its queue; its shares are the sum of its delegations. */
static void check_conservation(st_t *s, unsigned seed, const char *when)
{
	u128 sum = 0;
	svm_id_t zero = {{0}}, tid;
	svm_treasury_id(&tid);
	for (int u = 0; u < USERS; u++) sum += et_balance(&s->e, &s->swr, user(s, u));
	sum += et_balance(&s->e, &s->swr, &zero); /* the block proposer (tips) */
	sum += et_balance(&s->e, &s->swr, &tid);
	svm_staking_tips_id(&tid);
	sum += et_balance(&s->e, &s->swr, &tid); /* the tips pool (staking_epochs) */
	for (int v = 0; v < VALS; v++) {
		svm_validator_t x;
		svm_id_t vid;
		svm_staking_validator_id(user(s, v), &vid);
		uint64_t b = et_balance(&s->e, &s->swr, &vid), n;
		sum += b;
		if (!val(s, v, &x)) {
			cr_assert_eq(b, 0, "seed %u %s", seed, when);
			continue;
		}
		cr_assert_eq(b, x.tokens + queued(s, v, 0, &n), "seed %u %s: validator %d holds %llu, owes %llu + queue",
			     seed, when, v, (unsigned long long)b, (unsigned long long)x.tokens);
		u128 sh = 0;
		for (int u = 0; u < USERS; u++) sh += shares_of(s, v, u);
		cr_assert(sh == x.shares, "seed %u %s: validator %d shares", seed, when, v);
	}
	cr_assert(sum == et_supply(&s->e, &s->swr), "seed %u %s: SWR balances %llu != supply %llu", seed, when,
		  (unsigned long long)sum, (unsigned long long)et_supply(&s->e, &s->swr));
}

#define CHAIN 7    /* the test world's chain id */
#define EV_EPOCH 3 /* the consensus epoch of the test offences */

/* Consensus's set of the test's validator keys (stake 1 each) in epoch. */
static void key_set(st_t *s, uint64_t epoch, svm_cons_valset_t *vs)
{
	svm_cons_validator_t v[VALS];
	for (int i = 0; i < VALS; i++) {
		memcpy(v[i].pubkey, s->key[i].public_key, 32);
		v[i].stake = 1;
		cr_assert_eq(svm_identity_derive(SVM_SCHEME_ED25519, v[i].pubkey, 32, &v[i].id), 0);
	}
	svm_error_t err = {0};
	cr_assert_eq(svm_cons_valset_build(vs, epoch, v, VALS, &err), 0, "%s", err.msg);
}

static uint32_t key_index(st_t *s, const svm_cons_valset_t *vs, int v)
{
	svm_id_t id;
	cr_assert_eq(svm_identity_derive(SVM_SCHEME_ED25519, s->key[v].public_key, 32, &id), 0);
	int i = svm_cons_valset_index(vs, &id);
	cr_assert(i >= 0);
	return (uint32_t)i;
}

/* Validator v's vote at height h, round h + 1 for block `b` in epoch, encoded and signed as
 * consensus does (svm_cons_vote_message). */
static void cons_vote(st_t *s, int v, uint64_t epoch, uint64_t h, uint8_t b, svm_buf_t *out)
{
	svm_cons_valset_t *vs = calloc(1, sizeof *vs);
	key_set(s, epoch, vs);
	svm_cons_vote_t vote = {.data = {.round = h + 1, .height = h}, .epoch = epoch, .voter = key_index(s, vs, v)};
	memset(vote.data.block_id.b, b, 32);
	memset(vote.data.exec_root.b, 0x5a, 32);
	uint8_t m[SVM_CONS_SIGNED_BYTES];
	svm_cons_vote_message(CHAIN, epoch, &vote.data, m);
	svm_ed25519_sign(vote.sig, m, sizeof m, s->key[v].secret_key);
	svm_buf_reset(out);
	cr_assert_eq(svm_cons_vote_encode(&vote, out), 0);
	free(vs);
}

/* Validator v's proposal of an empty block at (h, round) with timestamp t, as consensus's
 * proposal message: TAG ‖ block_len ‖ block ‖ has_tc 0 ‖ sig over svm_cons_proposal_message. */
static void cons_proposal(st_t *s, int v, uint64_t epoch, uint64_t h, uint64_t round, uint64_t t,
			  svm_buf_t *out)
{
	svm_block_t b = {.header = {.chain_id = CHAIN, .height = h, .round = round, .timestamp_ms = t}};
	cr_assert_eq(svm_identity_derive(SVM_SCHEME_ED25519, s->key[v].public_key, 32, &b.header.proposer), 0);
	svm_buf_t blk = {0};
	cr_assert_eq(svm_block_encode(&b, &blk), 0);
	svm_hash_t id;
	cr_assert_eq(svm_header_hash(&b.header, &id), 0);
	uint8_t m[SVM_CONS_SIGNED_BYTES], sig[64];
	svm_cons_proposal_message(CHAIN, epoch, h, round, &id, m);
	svm_ed25519_sign(sig, m, sizeof m, s->key[v].secret_key);
	svm_buf_reset(out);
	cr_assert_eq(svm_buf_push(out, SVM_CONS_TAG_PROPOSAL), 0);
	cr_assert_eq(svm_varint_append(out, blk.len), 0);
	cr_assert_eq(svm_buf_append(out, blk.data, blk.len), 0);
	cr_assert_eq(svm_buf_push(out, 0), 0);
	cr_assert_eq(svm_buf_append(out, sig, 64), 0);
	svm_buf_free(&blk);
}

/* Two conflicting consensus messages of epoch as consensus's evidence: it verifies them
 * (svm_cons_evidence_verify, as the node does before keeping them) and converts them to the
 * staking form (svm_cons_evidence_stake, what svm_getEvidence lists). Returns that rc. */
static int to_stake(st_t *s, uint8_t kind, uint64_t epoch, svm_buf_t m[2], svm_evidence_t *out)
{
	svm_cons_valset_t *vs = calloc(1, sizeof *vs);
	key_set(s, epoch, vs);
	size_t k = m[0].len < m[1].len ? m[0].len : m[1].len;
	int cmp = memcmp(m[0].data, m[1].data, k);
	bool swap = cmp > 0 || (cmp == 0 && m[0].len > m[1].len);
	svm_cons_evidence_t ev = {.kind = kind, .a = m[swap ? 1 : 0], .b = m[swap ? 0 : 1]};
	svm_buf_t enc = {0};
	cr_assert_eq(svm_cons_evidence_encode(&ev, &enc), 0);
	svm_cons_evidence_t ver = {0};
	int vrc = svm_cons_evidence_verify(enc.data, enc.len, vs, CHAIN, NULL, &ver);
	int rc = svm_cons_evidence_stake(&ev, vs, CHAIN, out);
	if (rc == 0) cr_assert_eq(vrc, 0, "what converts is consensus evidence");
	if (vrc == 0) svm_cons_evidence_free(&ver);
	svm_buf_free(&enc);
	svm_buf_free(&m[0]);
	svm_buf_free(&m[1]);
	free(vs);
	return rc;
}

/* A double vote of validator v at height h (round h + 1) in EV_EPOCH, in the staking form. */
static void evidence(st_t *s, int v, uint64_t h, svm_evidence_t *out)
{
	svm_buf_t m[2] = {{0}, {0}};
	cons_vote(s, v, EV_EPOCH, h, 0x11, &m[0]);
	cons_vote(s, v, EV_EPOCH, h, 0x22, &m[1]);
	cr_assert_eq(to_stake(s, SVM_CONS_EVIDENCE_DOUBLE_VOTE, EV_EPOCH, m, out), 0);
}

static uint8_t submit_evidence(st_t *s, int u, int v, const svm_evidence_t *e)
{
	svm_buf_t p = {0};
	cr_assert_eq(svm_stake_evidence_payload(&p, user(s, v), e), 0);
	uint8_t st = run1(s, u, &p, true);
	svm_buf_free(&p);
	return st;
}

static bool in_set(st_t *s, int v)
{
	svm_id_t id;
	svm_object_t o;
	svm_validator_set_id(&id);
	if (!et_object(&s->e, &id, &o)) return false;
	svm_validator_entry_t set[SVM_STAKE_VALIDATORS_MAX];
	size_t n;
	cr_assert_eq(svm_staking_validator_set(o.payload, o.payload_len, set, SVM_STAKE_VALIDATORS_MAX, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (!memcmp(set[i].key, s->key[v].public_key, 32)) return true;
	return false;
}

/* The n-th event with topic of the last block's settlement (its receipt's events), or NULL. */
static const svm_event_t *settle_event(st_t *s, const char *topic, int nth)
{
	for (uint32_t i = 0; i < s->e.res.settle_events_len; i++) {
		const svm_event_t *e = &s->e.res.settle_events[i];
		if (e->topic_len == strlen(topic) && !memcmp(e->topic, topic, e->topic_len) && nth-- == 0) return e;
	}
	return NULL;
}

/* Entry k (operator ‖ u64be a ‖ u64be b) of a settlement event's list. */
static void ev_entry(const svm_event_t *e, size_t k, svm_id_t *op, uint64_t *a, uint64_t *b)
{
	cr_assert(e && e->data_len % 48 == 0 && k < e->data_len / 48);
	memcpy(op->b, e->data + 48 * k, 32);
	*a = svm_get_u64be(e->data + 48 * k + 32);
	*b = svm_get_u64be(e->data + 48 * k + 40);
}

#define OK 0
#define ST(e) svm_receipt_status(e)

Test(staking, a_validators_life_register_delegate_activate_unbond_slash_jail_unjail, .init = setup)
{
	st_t *s = calloc(1, sizeof *s);
	cr_assert(s);
	st_init(s, 1, 1000000); /* 0.1% of the supply per epoch */
	uint64_t bond[VALS] = {5000000000ull, 3000000000ull, 2000000000ull, 1000000000ull};
	uint64_t comm[VALS] = {0, 500, 1000, 5000};
	for (int v = 0; v < VALS; v++) cr_assert_eq(reg(s, v, comm[v], bond[v]), OK);
	check_conservation(s, 1, "after registration");
	/* user 5 delegates 4 SWR to validator 3, which becomes the second largest */
	cr_assert_eq(stake_op(s, 5, SVM_STAKE_DELEGATE, 3, -1, 4000000000ull), OK);
	cr_assert_eq(shares_of(s, 3, 5), 4000000000ull);
	cr_assert(!in_set(s, 0), "active before an epoch boundary");
	empty_blocks_to_epoch_start(s);
	uint64_t supply0 = et_supply(&s->e, &s->swr);
	cr_assert_eq(stake_op(s, 6, SVM_STAKE_EPOCH, -1, -1, 0), OK);
	uint64_t last = epoch_now(s);
	/* top 3 by stake: 0 (5), 3 (1 + 4), 1 (3); validator 2 (2) left out */
	cr_assert(in_set(s, 0) && in_set(s, 3) && in_set(s, 1) && !in_set(s, 2));
	/* no active set before: the epoch's issuance all went to the treasury */
	svm_id_t tid;
	svm_treasury_id(&tid);
	uint64_t issued = (uint64_t)((u128)supply0 * 1000000 * last / 1000000000); /* epochs 1..last */
	cr_assert_eq(et_supply(&s->e, &s->swr), supply0 - s->e.res.burned + issued);
	cr_assert_eq(et_balance(&s->e, &s->swr, &tid), issued);
	cr_assert_eq(stake_op(s, 6, SVM_STAKE_EPOCH, -1, -1, 0), ST(SVM_ESTATE), "an epoch processed twice");
	check_conservation(s, 1, "after epoch 1");

	/* next epoch: rewards to the three by stake, commission to operators */
	empty_blocks_to_epoch_start(s);
	svm_validator_t b3, a3;
	cr_assert(val(s, 3, &b3));
	uint64_t op3 = et_balance(&s->e, &s->swr, user(s, 3)), t0 = et_balance(&s->e, &s->swr, &tid);
	supply0 = et_supply(&s->e, &s->swr);
	cr_assert_eq(stake_op(s, 6, SVM_STAKE_EPOCH, -1, -1, 0), OK);
	cr_assert(val(s, 3, &a3));
	cr_assert_eq(epoch_now(s), last + 1);
	issued = (uint64_t)((u128)supply0 * 1000000 / 1000000000);
	uint64_t treasury = issued / 10, pool = issued - treasury, stake = 5000000000ull + 5000000000ull + 3000000000ull;
	uint64_t r3 = (uint64_t)((u128)pool * 5000000000ull / stake), c3 = r3 / 2;
	cr_assert_eq(a3.tokens - b3.tokens, r3 - c3, "compounded reward");
	cr_assert_eq(et_balance(&s->e, &s->swr, user(s, 3)) - op3, c3, "commission");
	cr_assert_eq(et_supply(&s->e, &s->swr), supply0 - s->e.res.burned + issued);
	cr_assert_geq(et_balance(&s->e, &s->swr, &tid) - t0, treasury);
	check_conservation(s, 1, "after epoch 2");

	/* user 5 unbonds half its shares: locked until epoch now + 1 + 1 */
	uint64_t h5 = shares_of(s, 3, 5);
	cr_assert_eq(stake_op(s, 5, SVM_STAKE_UNDELEGATE, 3, -1, h5 / 2), OK);
	cr_assert_eq(stake_op(s, 5, SVM_STAKE_CLAIM, 3, -1, 0), ST(SVM_ESTATE), "claimed before the delay");
	cr_assert_eq(stake_op(s, 4, SVM_STAKE_CLAIM, 3, -1, 0), ST(SVM_ENOTFOUND), "claim with nothing queued");
	cr_assert_eq(stake_op(s, 5, SVM_STAKE_UNDELEGATE, 3, -1, h5), ST(SVM_EFUNDS), "unbond more than bonded");

	/* validator 3 double-signs at the previous height: slashed 5% of its bonded stake and of the
	 * unbonding that started after the offence; jailed */
	uint64_t offence = s->e.w.env.height - 4, nq; /* before the unbonding started */
	svm_validator_t before, after;
	cr_assert(val(s, 3, &before));
	uint64_t q_before = queued(s, 3, 0, &nq);
	supply0 = et_supply(&s->e, &s->swr);
	svm_evidence_t ev, forged;
	evidence(s, 3, offence, &ev);
	forged = ev;
	forged.sig[1][5] ^= 1;
	cr_assert_eq(submit_evidence(s, 7, 3, &forged), ST(SVM_ESIG), "forged evidence");
	cr_assert_eq(submit_evidence(s, 7, 2, &ev), ST(SVM_EINVAL), "evidence against another validator");
	supply0 = et_supply(&s->e, &s->swr);
	cr_assert_eq(submit_evidence(s, 7, 3, &ev), OK);
	cr_assert(val(s, 3, &after));
	uint64_t cut_t = before.tokens * 500 / 10000, cut_q = q_before * 500 / 10000;
	cr_assert_eq(after.tokens, before.tokens - cut_t);
	cr_assert_eq(queued(s, 3, 0, &nq), q_before - cut_q, "unbonding stake bonded at the offence");
	cr_assert_eq(after.jailed, 1);
	cr_assert_eq(et_supply(&s->e, &s->swr), supply0 - s->e.res.burned - cut_t - cut_q, "slash burned exactly");
	cr_assert_eq(submit_evidence(s, 7, 3, &ev), ST(SVM_EEXIST), "evidence used twice");
	check_conservation(s, 1, "after the slash");
	/* an offence older than the unbonding window cannot be punished any more */
	svm_evidence_t old;
	evidence(s, 0, 0, &old);
	while (s->e.w.env.height < (s->p.unbonding_epochs + 1) * s->p.epoch_blocks + 1) empty_blocks_to_epoch_start(s), run1(s, 7, &(svm_buf_t){0}, false);
	cr_assert_eq(submit_evidence(s, 7, 0, &old), ST(SVM_ESTATE), "expired evidence");

	/* next epoch: the jailed validator leaves the set, 2 enters; unjail only after the delay */
	cr_assert_eq(stake_op(s, 3, SVM_STAKE_UNJAIL, -1, -1, 0), ST(SVM_ESTATE), "unjail before the delay");
	empty_blocks_to_epoch_start(s);
	cr_assert_eq(stake_op(s, 6, SVM_STAKE_EPOCH, -1, -1, 0), OK);
	cr_assert(!in_set(s, 3) && in_set(s, 2));
	empty_blocks_to_epoch_start(s);
	cr_assert_eq(stake_op(s, 6, SVM_STAKE_EPOCH, -1, -1, 0), OK);
	cr_assert_eq(stake_op(s, 3, SVM_STAKE_UNJAIL, -1, -1, 0), OK);
	cr_assert_eq(stake_op(s, 3, SVM_STAKE_UNJAIL, -1, -1, 0), ST(SVM_ESTATE), "unjail twice");
	/* the unbonding is claimable now, slashed */
	uint64_t bal5 = et_balance(&s->e, &s->swr, user(s, 5));
	uint64_t due = queued(s, 3, 0, &nq);
	cr_assert_eq(stake_op(s, 5, SVM_STAKE_CLAIM, 3, -1, 0), OK);
	cr_assert_eq(et_balance(&s->e, &s->swr, user(s, 5)), bal5 + due - s->e.res.receipts[0].fee_charged);
	check_conservation(s, 1, "at the end");
	et_free(&s->e);
	free(s);
}

Test(staking, bad_inputs_fail_clearly_and_change_nothing_but_the_fee, .init = setup)
{
	st_t *s = calloc(1, sizeof *s);
	cr_assert(s);
	st_init(s, 2, 0);
	cr_assert_eq(reg(s, 0, 100, 2000000000ull), OK);
	svm_id_t vid;
	svm_staking_validator_id(user(s, 0), &vid);
	struct {
		int u;
		uint64_t method;
		int v, v2;
		uint64_t amount;
		int want;
		const char *what;
	} cases[] = {
		{4, SVM_STAKE_UNDELEGATE, 0, -1, 1, SVM_EFUNDS, "unbond with no stake"},
		{0, SVM_STAKE_UNDELEGATE, 0, -1, 2000000001ull, SVM_EFUNDS, "unbond more than bonded"},
		{0, SVM_STAKE_UNDELEGATE, 0, -1, 0, SVM_EINVAL, "unbond nothing"},
		{4, SVM_STAKE_DELEGATE, 1, -1, 5, SVM_ENOTFOUND, "delegate to no validator"},
		{4, SVM_STAKE_DELEGATE, 0, -1, 0, SVM_EINVAL, "delegate nothing"},
		{4, SVM_STAKE_DELEGATE, 0, -1, UINT64_MAX, SVM_EOVERFLOW, "delegate an overflowing amount"},
		{4, SVM_STAKE_DELEGATE, 0, -1, 2000000000000ull, SVM_EFUNDS, "delegate more than held"},
		{0, SVM_STAKE_REDELEGATE, 0, 0, 5, SVM_EINVAL, "redelegate to itself"},
		{0, SVM_STAKE_REDELEGATE, 0, 1, 5, SVM_ENOTFOUND, "redelegate to no validator"},
		{0, SVM_STAKE_UNJAIL, -1, -1, 0, SVM_ESTATE, "unjail when not jailed"},
		{4, SVM_STAKE_UNJAIL, -1, -1, 0, SVM_ENOTFOUND, "unjail a non-validator"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		svm_validator_t a, b;
		cr_assert(val(s, 0, &a));
		uint64_t sw = et_balance(&s->e, &s->swr, user(s, cases[i].u)), vb = et_balance(&s->e, &s->swr, &vid);
		uint64_t sh = shares_of(s, 0, cases[i].u);
		uint8_t st = stake_op(s, cases[i].u, cases[i].method, cases[i].v, cases[i].v2, cases[i].amount);
		cr_assert_eq(st, ST(cases[i].want), "%s: status %u", cases[i].what, st);
		cr_assert(val(s, 0, &b));
		cr_assert_eq(memcmp(&a, &b, sizeof a), 0, "%s", cases[i].what);
		cr_assert_eq(et_balance(&s->e, &s->swr, user(s, cases[i].u)), sw - s->e.res.receipts[0].fee_charged,
			     "%s", cases[i].what);
		cr_assert_eq(et_balance(&s->e, &s->swr, &vid), vb, "%s", cases[i].what);
		cr_assert_eq(shares_of(s, 0, cases[i].u), sh, "%s", cases[i].what);
	}
	empty_blocks_to_epoch_start(s);
	cr_assert_eq(stake_op(s, 4, SVM_STAKE_EPOCH, -1, -1, 0), OK);
	cr_assert_eq(stake_op(s, 4, SVM_STAKE_EPOCH, -1, -1, 0), ST(SVM_ESTATE), "an epoch twice");
	/* registration: twice, a taken consensus key, a commission above the cap, no bond */
	cr_assert_eq(reg(s, 0, 100, 5), ST(SVM_EEXIST));
	svm_buf_t p = {0};
	uint8_t vrf[32] = {0};
	cr_assert_eq(svm_stake_register_payload(&p, s->key[0].public_key, vrf, 100, 5), 0);
	cr_assert_eq(run1(s, 1, &p, true), ST(SVM_EEXIST), "another validator's consensus key");
	cr_assert_eq(reg(s, 1, 5001, 5), ST(SVM_EINVAL));
	cr_assert_eq(reg(s, 1, 100, 0), ST(SVM_EINVAL));
	p.len = 0;
	cr_assert_eq(svm_stake_payload(&p, SVM_STAKE_CLAIM, user(s, 0), NULL, 0), 0);
	cr_assert_eq(svm_buf_append(&p, "z", 1), 0);
	cr_assert_eq(run1(s, 1, &p, false), ST(SVM_EDECODE));
	svm_buf_free(&p);
	check_conservation(s, 2, "after bad inputs");
	et_free(&s->e);
	free(s);
}

/* Random operations, blocks compared reference vs AOEM; with no issuance, nobody's SWR plus
 * the fees it paid ever exceeds what it started with, and the supply only falls by fees and
 * slashes, exactly. */
static void random_run(uint64_t issuance)
{
	unsigned seed = ct_seed();
	uint64_t r = seed;
	setenv("SVM_EXEC_SHORTCUT", "0", 1);
	st_t *s = calloc(1, sizeof *s);
	cr_assert(s);
	st_init(s, seed, issuance);
	/* the chain's settlement: epochs at their last block, redelegations slashed after evidence */
	s->e.w.env.staking_epochs = true;
	uint64_t start[USERS], fees[USERS] = {0};
	for (int v = 0; v < VALS; v++) cr_assert_eq(reg(s, v, (uint64_t)v * 1000, 1000000000ull + (uint64_t)v), OK);
	for (int u = 0; u < USERS; u++) start[u] = et_balance(&s->e, &s->swr, user(s, u));
	for (int u = 0; u < VALS; u++) start[u] += 1000000000ull + (uint64_t)u; /* their bonds */
	svm_exec_tx_t txs[24];
	int sender[24];
	char why[256];
	size_t ok = 0;
	for (int blk = 0; blk < 60; blk++) {
		size_t n = 0;
		uint64_t slashed0 = 0, slashed1 = 0;
		for (int v = 0; v < VALS; v++) {
			svm_validator_t x;
			if (val(s, v, &x)) slashed0 += x.slashed;
		}
		uint64_t supply0 = et_supply(&s->e, &s->swr);
		bool epoch_tx = false;
		for (int k = 0; k < 24; k++) {
			svm_buf_t p = {0};
			int u = (int)(eg_next(&(eg_rng_t){.s = r++}) % USERS), v = (int)(r * 7 % VALS);
			uint64_t x = eg_next(&(eg_rng_t){.s = r++});
			bool strict = x % 5 != 0;
			switch (x % 9) {
			case 0:
			case 1:
				svm_stake_payload(&p, SVM_STAKE_DELEGATE, user(s, v), NULL, 1 + (x >> 20) % 5000000000ull);
				break;
			case 2: {
				uint64_t h = shares_of(s, v, u);
				svm_stake_payload(&p, SVM_STAKE_UNDELEGATE, user(s, v), NULL, h ? 1 + (x >> 8) % h : 1);
				break;
			}
			case 3:
				svm_stake_payload(&p, SVM_STAKE_CLAIM, user(s, v), NULL, 0);
				break;
			case 4: {
				uint64_t h = shares_of(s, v, u);
				svm_stake_payload(&p, SVM_STAKE_REDELEGATE, user(s, v), user(s, (v + 1) % VALS), h ? 1 + (x >> 8) % h : 1);
				break;
			}
			case 5:
				if (epoch_tx) continue;
				epoch_tx = true;
				svm_stake_payload(&p, SVM_STAKE_EPOCH, NULL, NULL, 0);
				strict = false;
				break;
			case 6:
				if (x % 4) continue;
				{
					svm_evidence_t e;
					evidence(s, v, s->e.w.env.height - x % 3, &e);
					svm_stake_evidence_payload(&p, user(s, v), &e);
				}
				break;
			case 7:
				svm_stake_payload(&p, SVM_STAKE_UNJAIL, NULL, NULL, 0);
				u = v;
				break;
			default:
				svm_native_transfer_payload(&p, &s->swr, user(s, u), x % 100000); /* to itself */
			}
			cr_assert_eq(et_tx(&s->e, &txs[n], (size_t)u, &p, strict), 0);
			sender[n++] = u;
			svm_buf_free(&p);
		}
		cr_assert_eq(et_block(&s->e, txs, n, why, sizeof why), 0, "seed %u block %d: %s", seed, blk, why);
		bool epoch_ok = (s->e.w.env.height + 1) % s->p.epoch_blocks == 0; /* the settlement's */
		for (size_t i = 0; i < s->e.res.included; i++) {
			size_t t = s->e.res.index[i];
			fees[sender[t]] += s->e.res.receipts[i].fee_charged;
			ok += s->e.res.receipts[i].status == 0;
			if (s->e.res.receipts[i].status == 0 && txs[t].tx.payload[1] == SVM_STAKE_EPOCH &&
			    txs[t].tx.payload[0] == SVM_PROGRAM_STAKING)
				epoch_ok = true;
		}
		char when[64];
		snprintf(when, sizeof when, "block %d", blk);
		check_conservation(s, seed, when);
		for (int v = 0; v < VALS; v++) {
			svm_validator_t x;
			if (val(s, v, &x)) slashed1 += x.slashed;
		}
		uint64_t supply1 = et_supply(&s->e, &s->swr);
		if (!epoch_ok || issuance == 0)
			cr_assert_eq(supply1, supply0 - s->e.res.burned - (slashed1 - slashed0),
				     "seed %u block %d: supply moved by more than fees and slashes", seed, blk);
		if (issuance == 0)
			for (int u = 0; u < USERS; u++) {
				/* what a user holds liquid + paid in fees ≤ what it started with (its bonded
				 * stake can only have lost value: no rewards) */
				uint64_t now = et_balance(&s->e, &s->swr, user(s, u));
				cr_assert_leq(now + fees[u], start[u], "seed %u block %d: user %d withdrew more than it put in",
					      seed, blk, u);
			}
	}
	cr_assert_gt(ok, 300, "seed %u: too few operations succeed (%zu)", seed, ok);
	cr_assert_gt(s->e.par_txs, 0, "seed %u: AOEM never ran its parallel engines", seed);
	et_free(&s->e);
	free(s);
}

Test(staking, random_sequences_conserve_swr_and_aoem_matches_reference, .init = setup)
{
	random_run(1000000);
}

Test(staking, without_issuance_nobody_withdraws_more_than_they_put_in, .init = setup)
{
	random_run(0);
}

/* Consensus's own evidence, as its encoders and digest functions make it, is what the slashing
 * transaction takes: the digests the program computes are consensus's; a double proposal slashes
 * like a double vote; malformed or non-conflicting pairs fail with their code; and the validator
 * set consensus reads (svm_cons_valset_from_staking) is the active set staking chose. */
Test(staking, consensus_evidence_slashes_and_the_active_set_is_consensus_set, .init = setup)
{
	st_t *s = calloc(1, sizeof *s);
	st_init(s, 7, 0);
	for (int v = 0; v < VALS; v++) cr_assert_eq(reg(s, v, 0, 100000 + 1000 * (uint64_t)v), OK);
	empty_blocks_to_epoch_start(s);
	cr_assert_eq(stake_op(s, 6, SVM_STAKE_EPOCH, -1, -1, 0), OK);

	/* the active set in consensus's format: top 3 by stake, ids from keys, sorted by id */
	svm_id_t sid;
	svm_object_t o;
	svm_validator_set_id(&sid);
	cr_assert(et_object(&s->e, &sid, &o));
	svm_cons_valset_t *vs = calloc(1, sizeof *vs);
	svm_error_t err = {0};
	cr_assert_eq(svm_cons_valset_from_staking(o.payload, o.payload_len, 5, vs, &err), 0, "%s", err.msg);
	cr_assert_eq(vs->n, 3);
	cr_assert_eq(vs->epoch, 5);
	cr_assert_eq(vs->total_stake, 101000 + 102000 + 103000);
	for (int v = 1; v < VALS; v++) {
		svm_id_t id;
		svm_identity_derive(SVM_SCHEME_ED25519, s->key[v].public_key, 32, &id);
		int i = svm_cons_valset_index(vs, &id);
		cr_assert(i >= 0, "validator %d in the consensus set", v);
		cr_assert_eq(vs->v[i].stake, 100000 + 1000 * (uint64_t)v);
	}
	for (uint32_t i = 1; i < vs->n; i++) cr_assert_lt(svm_hash_cmp(&vs->v[i - 1].id, &vs->v[i].id), 0);
	/* stakes too large for consensus's 3·total are halved together until they fit */
	svm_buf_t big = {0};
	svm_varint_append(&big, 2);
	for (int v = 0; v < 2; v++) {
		svm_buf_append(&big, s->key[v].public_key, 32);
		svm_varint_append(&big, UINT64_MAX - (uint64_t)v);
	}
	cr_assert_eq(svm_cons_valset_from_staking(big.data, big.len, 0, vs, &err), 0, "%s", err.msg);
	cr_assert_leq(vs->total_stake, UINT64_MAX / 3);
	cr_assert_eq(vs->v[0].stake, UINT64_MAX >> 3); /* the fewest halvings: 3 */
	cr_assert_eq(vs->v[1].stake, UINT64_MAX >> 3);
	big.data[big.len - 1] ^= 0x80; /* a varint cut short */
	cr_assert_eq(svm_cons_valset_from_staking(big.data, big.len, 0, vs, &err), SVM_EDECODE);
	svm_buf_free(&big);

	/* consensus's double vote, converted, is what the program checks */
	svm_buf_t m[2] = {{0}, {0}};
	uint64_t h = s->e.w.env.height - 1;
	svm_evidence_t e, x;
	evidence(s, 1, h, &e);
	cr_assert_eq(e.kind, 0);
	cr_assert_eq(e.epoch, EV_EPOCH);
	cr_assert_eq(e.round, h + 1);
	cr_assert_eq(e.height, h);
	cr_assert_eq(memcmp(e.key, s->key[1].public_key, 32), 0);
	cr_assert_lt(memcmp(e.hash[0].b, e.hash[1].b, 32), 0);
	svm_cons_vote_data_t vd = {.round = h + 1, .height = h};
	memset(vd.block_id.b, 0x11, 32);
	memset(vd.exec_root.b, 0x5a, 32);
	svm_hash_t d;
	svm_cons_vote_digest(CHAIN, EV_EPOCH, &vd, &d);
	cr_assert(svm_hash_eq(&d, &e.hash[0]) || svm_hash_eq(&d, &e.hash[1]), "the vote digest");
	cr_assert_eq(svm_evidence_verify(&e, CHAIN), 0);
	cr_assert_eq(svm_evidence_verify(&e, CHAIN + 1), SVM_ESIG, "another chain's signatures");
	x = e;
	x.epoch++;
	cr_assert_eq(svm_evidence_verify(&x, CHAIN), SVM_ESIG, "another epoch");
	/* one (height, round) signed in two epochs is no offence: the two messages of two epochs
	 * never verify as one piece of evidence (rounds restart at 1 in each epoch) */
	svm_evidence_t e4;
	cons_vote(s, 1, EV_EPOCH + 1, h, 0x22, &m[0]);
	cons_vote(s, 1, EV_EPOCH + 1, h, 0x33, &m[1]);
	cr_assert_eq(to_stake(s, SVM_CONS_EVIDENCE_DOUBLE_VOTE, EV_EPOCH + 1, m, &e4), 0);
	x = e; /* epoch-3's hash[0] with epoch-4's hash[1] */
	x.hash[1] = e4.hash[1];
	memcpy(x.sig[1], e4.sig[1], 64);
	if (memcmp(x.hash[0].b, x.hash[1].b, 32) > 0) {
		svm_hash_t t = x.hash[0];
		uint8_t ts[64];
		memcpy(ts, x.sig[0], 64);
		x.hash[0] = x.hash[1], x.hash[1] = t;
		memcpy(x.sig[0], x.sig[1], 64), memcpy(x.sig[1], ts, 64);
	}
	for (x.epoch = EV_EPOCH; x.epoch <= EV_EPOCH + 1; x.epoch++) {
		cr_assert_eq(svm_evidence_verify(&x, CHAIN), SVM_ESIG, "a pair across two epochs");
		cr_assert_eq(submit_evidence(s, 7, 1, &x), ST(SVM_ESIG));
	}
	/* two heights: consensus evidence, but not the staking form's offence */
	cons_vote(s, 1, EV_EPOCH, h, 0x11, &m[0]);
	cons_vote(s, 1, EV_EPOCH, h + 1, 0x22, &m[1]);
	cr_assert_eq(to_stake(s, SVM_CONS_EVIDENCE_DOUBLE_VOTE, EV_EPOCH, m, &x), SVM_EINVAL, "two heights");
	/* the encoding: canonical, one per offence */
	svm_buf_t enc = {0};
	cr_assert_eq(svm_evidence_encode(&e, &enc), 0);
	svm_reader_t r = svm_reader(enc.data, enc.len);
	cr_assert_eq(svm_evidence_decode(&r, &x), 0);
	cr_assert_eq(svm_reader_left(&r), 0);
	cr_assert_eq(memcmp(&x, &e, sizeof x), 0, "decodes to itself");
	for (size_t cut = 0; cut < enc.len; cut += 7) {
		r = svm_reader(enc.data, cut);
		cr_assert_neq(svm_evidence_decode(&r, &x), 0, "cut at %zu", cut);
	}
	x = e;
	x.hash[0] = e.hash[1], x.hash[1] = e.hash[0];
	enc.len = 0;
	cr_assert_eq(svm_evidence_encode(&x, &enc), 0);
	r = svm_reader(enc.data, enc.len);
	cr_assert_eq(svm_evidence_decode(&r, &x), SVM_EDECODE, "hashes descending");
	x = e;
	x.kind = 2;
	enc.len = 0;
	cr_assert_eq(svm_evidence_encode(&x, &enc), 0);
	r = svm_reader(enc.data, enc.len);
	cr_assert_eq(svm_evidence_decode(&r, &x), SVM_EDECODE, "unknown kind");
	svm_buf_free(&enc);

	/* a double proposal: two blocks of validator 2 for one round */
	svm_validator_t before, after;
	cr_assert(val(s, 2, &before));
	cons_proposal(s, 2, EV_EPOCH, h, h + 1, 1, &m[0]);
	cons_proposal(s, 2, EV_EPOCH, h, h + 1, 2, &m[1]);
	svm_evidence_t dp;
	cr_assert_eq(to_stake(s, SVM_CONS_EVIDENCE_DOUBLE_PROPOSAL, EV_EPOCH, m, &dp), 0);
	cr_assert_eq(dp.kind, 1);
	cr_assert_eq(submit_evidence(s, 7, 1, &dp), ST(SVM_EINVAL), "not validator 1's key");
	x = dp;
	x.epoch++;
	cr_assert_eq(submit_evidence(s, 7, 2, &x), ST(SVM_ESIG), "signed in another epoch");
	uint64_t supply0 = et_supply(&s->e, &s->swr);
	cr_assert_eq(submit_evidence(s, 7, 2, &dp), OK);
	cr_assert(val(s, 2, &after));
	cr_assert_eq(after.tokens, before.tokens - before.tokens * 500 / 10000);
	cr_assert_eq(after.jailed, 1);
	cr_assert_eq(et_supply(&s->e, &s->swr), supply0 - s->e.res.burned - before.tokens * 500 / 10000);
	cr_assert_eq(submit_evidence(s, 7, 2, &dp), ST(SVM_EEXIST), "the same offence twice");
	/* and the double vote of validator 1 */
	cr_assert_eq(submit_evidence(s, 7, 1, &e), OK);
	cr_assert(val(s, 1, &after) && after.jailed == 1);
	check_conservation(s, 1, "after the slashes");
	free(vs);
	et_free(&s->e);
	free(s);
}

/* With the chain's setting (staking_epochs), the settlement of an epoch's last block processes
 * the next epoch: no transaction is needed, the set consensus reads for epoch e is in the state
 * committed at height e·epoch_blocks − 1 (and not a block earlier), and a late epoch
 * transaction finds the epoch processed. Reference and AOEM agree on every block (et_block). */
Test(staking, the_last_block_of_an_epoch_processes_the_next_one, .init = setup)
{
	st_t *s = calloc(1, sizeof *s);
	st_init(s, 11, 0);
	s->e.w.env.staking_epochs = true;
	for (int v = 0; v < VALS; v++) cr_assert_eq(reg(s, v, 0, 100000 + 1000 * (uint64_t)v), OK);
	cr_assert(!in_set(s, 3), "registered, not active yet");
	char why[256];
	bool seen = false;
	for (uint64_t i = 0; i < 3 * s->p.epoch_blocks && !seen; i++) {
		cr_assert_eq(et_block(&s->e, NULL, 0, why, sizeof why), 0, "%s", why);
		seen = in_set(s, 3);
		if (seen)
			cr_assert_eq((s->e.w.env.height + 1) % s->p.epoch_blocks, 0,
				     "processed by block %llu, not an epoch's last", (unsigned long long)s->e.w.env.height);
	}
	cr_assert(seen, "the set changed without a transaction");
	cr_assert(in_set(s, 1) && in_set(s, 2) && !in_set(s, 0), "the top 3 by stake");
	cr_assert_eq(stake_op(s, 6, SVM_STAKE_EPOCH, -1, -1, 0), ST(SVM_ESTATE), "processed already");
	check_conservation(s, 11, "after automatic epochs");
	et_free(&s->e);
	free(s);
}

/* On a chain (staking_epochs) every block's tips go to the tips pool, not the proposer, and the
 * epoch's processing pays the pool out with the issuance: by stake over the previous active
 * set's unjailed validators, the commission to the operator and the rest to the stake, the
 * rounding dust to the treasury — computed here independently, to the unit, with issuance both
 * off (tips alone) and on. The supply moves by exactly the issuance; AOEM and the reference
 * agree on every block. */
static void tips_run(uint64_t issuance)
{
	st_t *s = calloc(1, sizeof *s);
	st_init(s, 13, issuance);
	s->p.active_set_max = 4; /* all of them: issuance would keep the first ones ahead */
	cr_assert_eq(et_set_params(&s->e, &s->p), 0);
	s->e.w.env.staking_epochs = true;
	const uint64_t comm[VALS] = {0, 1000, 2500, 5000};
	for (int v = 0; v < VALS; v++) cr_assert_eq(reg(s, v, comm[v], 100000 + 7919 * (uint64_t)v), OK);
	char why[256];
	for (int i = 0; i < 3 * 4 && !in_set(s, 3); i++)
		cr_assert_eq(et_block(&s->e, NULL, 0, why, sizeof why), 0, "%s", why);
	cr_assert(in_set(s, 3), "active within three epochs");
	svm_id_t pool, tid;
	svm_staking_tips_id(&pool);
	svm_treasury_id(&tid);
	for (int round = 0; round < 2; round++) {
		/* a few tipped transactions, none in an epoch's last block */
		uint64_t tipped = 0;
		uint64_t pool0 = et_balance(&s->e, &s->swr, &pool);
		for (int k = 0; k < 3; k++) {
			if ((s->e.w.env.height + 2) % s->p.epoch_blocks == 0) break;
			svm_exec_tx_t tx[2];
			svm_buf_t p = {0};
			cr_assert_eq(svm_native_transfer_payload(&p, &s->swr, user(s, 6), 1), 0);
			for (int i = 0; i < 2; i++) {
				cr_assert_eq(et_tx(&s->e, &tx[i], (size_t)(4 + i), &p, false), 0);
				tx[i].tx.tip = 1000 + 337 * (uint64_t)(k + i + round);
				tipped += tx[i].tx.tip;
			}
			svm_buf_free(&p);
			uint64_t prop = et_balance(&s->e, &s->swr, &s->e.w.env.proposer);
			cr_assert_eq(et_block(&s->e, tx, 2, why, sizeof why), 0, "%s", why);
			cr_assert_eq(s->e.res.included, 2);
			cr_assert_eq(et_balance(&s->e, &s->swr, &s->e.w.env.proposer), prop, "not the proposer's");
		}
		cr_assert_eq(et_balance(&s->e, &s->swr, &pool), pool0 + tipped, "every tip in the pool");
		/* up to the epoch's last block, empty */
		while ((s->e.w.env.height + 2) % s->p.epoch_blocks != 0)
			cr_assert_eq(et_block(&s->e, NULL, 0, why, sizeof why), 0, "%s", why);
		uint64_t T = et_balance(&s->e, &s->swr, &pool), supply = et_supply(&s->e, &s->swr);
		uint64_t tre = et_balance(&s->e, &s->swr, &tid), tok[VALS], opb[VALS];
		svm_validator_t x;
		bool active[VALS];
		u128 stake = 0;
		for (int v = 0; v < VALS; v++) {
			cr_assert(val(s, v, &x));
			tok[v] = x.tokens;
			opb[v] = et_balance(&s->e, &s->swr, user(s, v));
			active[v] = in_set(s, v) && !x.jailed;
			if (active[v]) stake += x.tokens;
		}
		cr_assert_gt(T, 0);
		cr_assert_eq(et_block(&s->e, NULL, 0, why, sizeof why), 0, "%s", why); /* the epoch */
		uint64_t I = (uint64_t)((u128)supply * issuance / 1000000000u);
		uint64_t to_tre = I * s->p.treasury_bps / 10000, R = I - to_tre + T, paid = 0;
		/* the settlement's events say it: the epoch's totals, each validator's reward */
		const svm_event_t *ee = settle_event(s, "stake/epoch", 0), *er = settle_event(s, "stake/reward", 0);
		cr_assert(ee && ee->data_len == 40 && er, "the epoch's settlement events");
		cr_assert_eq(svm_get_u64be(ee->data), (s->e.w.env.height + 1) / s->p.epoch_blocks);
		cr_assert_eq(svm_get_u64be(ee->data + 16), I, "issued");
		cr_assert_eq(svm_get_u64be(ee->data + 24), T, "tips");
		size_t nr = 0;
		for (int v = 0; v < VALS; v++) {
			cr_assert(val(s, v, &x));
			uint64_t r = active[v] ? (uint64_t)((u128)R * tok[v] / stake) : 0;
			uint64_t c = (uint64_t)((u128)r * comm[v] / 10000);
			if (active[v]) {
				svm_id_t op;
				uint64_t ra, ca;
				for (nr = 0; nr < er->data_len / 48; nr++) {
					ev_entry(er, nr, &op, &ra, &ca);
					if (svm_hash_eq(&op, user(s, v))) break;
				}
				cr_assert_lt(nr, er->data_len / 48, "validator %d has its reward entry", v);
				cr_assert_eq(ra, r - c, "validator %d's reward in the event", v);
				cr_assert_eq(ca, c, "validator %d's commission in the event", v);
			}
			paid += r;
			cr_assert_eq(x.tokens, tok[v] + r - c, "round %d validator %d's stake", round, v);
			cr_assert_eq(et_balance(&s->e, &s->swr, user(s, v)), opb[v] + c, "validator %d's commission", v);
		}
		cr_assert_eq(et_balance(&s->e, &s->swr, &pool), 0, "the pool is paid out");
		cr_assert_eq(et_balance(&s->e, &s->swr, &tid), tre + to_tre + (R - paid), "the treasury: its share and the dust");
		cr_assert_eq(svm_get_u64be(ee->data + 32), to_tre + (R - paid), "the treasury in the event");
		cr_assert_eq(et_supply(&s->e, &s->swr), supply + I, "the supply moves by the issuance only");
		check_conservation(s, 13, "after a tipped epoch");
	}
	et_free(&s->e);
	free(s);
}

Test(staking, tips_are_paid_at_the_epoch_by_stake_and_commission, .init = setup)
{
	tips_run(0);
	tips_run(20000);
}

/* ------------------------------------------------------------- downtime */

/* The next block, carrying a late QC (as consensus encodes it: the grandparent's) signed by every member of the
 * current staking set (through svm_cons_valset_from_staking, as the node builds consensus's
 * set) but the validators in `absent` (a bit per validator index; ABSENT_OTHERS: every member
 * whose key is not one of s->key); `only` >= 0 signs alone. */
#define ABSENT_OTHERS (1u << 31)
static void qc_block_back(st_t *s, unsigned absent, int only, uint64_t back);
static void qc_block(st_t *s, unsigned absent, int only) { qc_block_back(s, absent, only, 2); }

/* As qc_block, the QC certifying the block `back` heights below the one about to run. */
static void qc_block_back(st_t *s, unsigned absent, int only, uint64_t back)
{
	svm_id_t sid;
	svm_object_t o;
	svm_validator_set_id(&sid);
	cr_assert(et_object(&s->e, &sid, &o));
	svm_cons_valset_t *vs = calloc(1, sizeof *vs);
	svm_error_t err = {0};
	cr_assert_eq(svm_cons_valset_from_staking(o.payload, o.payload_len, 9, vs, &err), 0, "%s", err.msg);
	svm_cons_qc_t *qc = calloc(1, sizeof *qc);
	qc->data.height = s->e.w.env.height + 1 - back; /* env.height: the parent of the block about to run */
	qc->data.round = qc->data.height + 1;
	qc->epoch = 9;
	for (uint32_t i = 0; i < vs->n; i++) {
		int who = -1;
		for (int v = 0; v < VALS; v++)
			if (!memcmp(vs->v[i].pubkey, s->key[v].public_key, 32)) who = v;
		bool signs = only >= 0 ? who == only : who >= 0 ? !((absent >> who) & 1) : !(absent & ABSENT_OTHERS);
		if (!signs) continue;
		qc->bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
		memset(qc->sigs[qc->n_sigs++], 0x40 + (int)i, 64); /* consensus checked them already */
	}
	svm_buf_t enc = {0};
	cr_assert_eq(svm_cons_qc_encode(qc, &enc), 0);
	s->e.w.env.late_qc = enc.data;
	s->e.w.env.late_qc_len = enc.len;
	char why[256];
	cr_assert_eq(et_block(&s->e, NULL, 0, why, sizeof why), 0, "%s", why);
	s->e.w.env.late_qc = NULL;
	s->e.w.env.late_qc_len = 0;
	svm_buf_free(&enc);
	free(qc);
	free(vs);
}

/* The missed votes counted for validator v in the current record (0 when absent); *start the
 * window's first height (UINT64_MAX when no window has begun). */
static uint64_t missed(st_t *s, int v, uint64_t *start)
{
	svm_id_t id;
	svm_object_t o;
	svm_staking_downtime_id(&id);
	*start = UINT64_MAX;
	if (!et_object(&s->e, &id, &o)) return 0;
	svm_stake_downlist_t *d = calloc(1, sizeof *d);
	cr_assert_eq(svm_staking_down_decode(o.payload, o.payload_len, d), 0, "the record decodes");
	*start = d->start_height;
	uint64_t m = 0;
	for (size_t i = 0; i < d->n; i++)
		if (svm_hash_eq(&d->e[i].op, user(s, v))) m = d->e[i].missed;
	free(d);
	return m;
}

/* The current record's uncounted heights (its version checked: 3, what the program writes). */
static uint64_t uncounted(st_t *s)
{
	svm_id_t id;
	svm_object_t o;
	svm_staking_downtime_id(&id);
	cr_assert(et_object(&s->e, &id, &o), "a window has begun");
	svm_stake_downlist_t *d = calloc(1, sizeof *d);
	cr_assert_eq(svm_staking_down_decode(o.payload, o.payload_len, d), 0, "the record decodes");
	cr_assert_eq(d->version, SVM_STAKE_DOWN_VERSION);
	uint64_t u = d->uncounted;
	free(d);
	return u;
}

/* svm_qc_signers reads consensus's QC encoding: the same height, bitmap and count as
 * svm_cons_qc_encode wrote; malformed forms refused. */
Test(staking, qc_signers_read_consensus_qcs, .init = setup)
{
	svm_cons_qc_t *qc = calloc(1, sizeof *qc);
	qc->data.height = 300;
	qc->data.round = 301;
	qc->data.parent_round = 299;
	qc->epoch = 1u << 20;
	uint32_t bits[] = {0, 7, 8, 64, 127};
	for (size_t k = 0; k < 5; k++) {
		qc->bitmap[bits[k] / 8] |= (uint8_t)(1u << (bits[k] % 8));
		memset(qc->sigs[qc->n_sigs++], (int)k + 1, 64);
	}
	svm_buf_t enc = {0};
	cr_assert_eq(svm_cons_qc_encode(qc, &enc), 0);
	uint64_t h;
	uint8_t bm[SVM_QC_BITMAP_BYTES];
	uint32_t n;
	cr_assert_eq(svm_qc_signers(enc.data, enc.len, &h, bm, &n), 0);
	cr_assert_eq(h, 300);
	cr_assert_eq(n, 5);
	cr_assert_eq(memcmp(bm, qc->bitmap, sizeof bm), 0);
	for (size_t cut = 0; cut < enc.len; cut++)
		cr_assert_eq(svm_qc_signers(enc.data, cut, &h, bm, &n), SVM_EDECODE, "cut at %zu", cut);
	cr_assert_eq(svm_buf_push(&enc, 0), 0);
	cr_assert_eq(svm_qc_signers(enc.data, enc.len, &h, bm, &n), SVM_EDECODE, "trailing byte");
	enc.data[0] = SVM_CONS_TAG_VOTE;
	cr_assert_eq(svm_qc_signers(enc.data, enc.len - 1, &h, bm, &n), SVM_EDECODE, "another tag");
	/* the genesis QC: no signers */
	memset(qc, 0, sizeof *qc);
	enc.len = 0;
	cr_assert_eq(svm_cons_qc_encode(qc, &enc), 0);
	cr_assert_eq(svm_qc_signers(enc.data, enc.len, &h, bm, &n), 0);
	cr_assert_eq(n, 0);
	svm_buf_free(&enc);
	free(qc);
}

/* A validator absent from the late QCs (each block's: its grandparent's QC with the late votes)
 * counts a missed vote per block in the window; past
 * downtime_missed_max it leaks slash_downtime_bps of its bonded stake (burned, to the unit) and
 * is jailed, and the next epoch's set leaves it out. A window's counts end with it. Blocks whose
 * QC is empty (a devnet), is the genesis QC, is no quorum of the set, certifies another height
 * than the grandparent's (the parent's, as the rule before late QCs read), or runs with
 * count_downtime off count nothing. AOEM and the reference agree on every block. */
Test(staking, downtime_leaks_and_jails_a_validator_missing_from_late_qcs, .init = setup)
{
	st_t *s = calloc(1, sizeof *s);
	st_init(s, 17, 0);
	s->p.downtime_window_blocks = 40;
	s->p.downtime_missed_max = 5;
	s->p.downtime_window_ms = 0; /* blocks only (the time floor has its own test below) */
	s->p.slash_downtime_bps = 100;
	s->p.epoch_blocks = 8;
	s->p.active_set_max = 4; /* one absent of four still leaves a quorum (3 of 3 is needed) */
	cr_assert_eq(et_set_params(&s->e, &s->p), 0);
	s->e.w.env.staking_epochs = true;
	s->e.w.env.count_downtime = true;
	for (int v = 0; v < VALS; v++) cr_assert_eq(reg(s, v, 0, 100000 + 1000 * (uint64_t)v), OK);
	char why[256];
	for (int i = 0; i < 3 * 8 && !in_set(s, 3); i++)
		cr_assert_eq(et_block(&s->e, NULL, 0, why, sizeof why), 0, "%s", why);
	cr_assert(in_set(s, 3), "active within three epochs");
	uint64_t w;
	/* nothing counted: an empty QC, no quorum (one signer of three), counting off */
	for (int i = 0; i < 3; i++) cr_assert_eq(et_block(&s->e, NULL, 0, why, sizeof why), 0, "%s", why);
	qc_block(s, 0, 1);
	qc_block_back(s, 1u << 3, -1, 1); /* the parent's QC (the rule before late QCs): not counted */
	qc_block_back(s, 1u << 3, -1, 3); /* nor one of an older block */
	s->e.w.env.count_downtime = false;
	qc_block(s, 1u << 3, -1);
	s->e.w.env.count_downtime = true;
	cr_assert_eq(missed(s, 3, &w), 0);
	cr_assert_eq(w, UINT64_MAX, "no window begun: nothing was counted");
	/* 3 absent 5 times: counted, not yet jailed; the first counted block began the window */
	svm_validator_t before, after;
	uint64_t first = s->e.w.env.height + 1;
	for (int i = 0; i < 5; i++) qc_block(s, 1u << 3, -1);
	cr_assert_eq(missed(s, 3, &w), 5);
	cr_assert_eq(w, first);
	cr_assert_eq(missed(s, 2, &w), 0);
	cr_assert(val(s, 3, &before) && !before.jailed);
	/* two of four absent is no quorum: nothing counted */
	qc_block(s, (1u << 3) | (1u << 2), -1);
	cr_assert_eq(missed(s, 3, &w), 5);
	cr_assert_eq(missed(s, 2, &w), 0);
	/* 3 absent a sixth time passes the limit; 2 absent twice */
	uint64_t supply = et_supply(&s->e, &s->swr);
	qc_block(s, 1u << 3, -1);
	{ /* the settlement's receipt says who was jailed, what was burned, after how many misses */
		const svm_event_t *ev = settle_event(s, "stake/downtime", 0);
		svm_id_t op;
		uint64_t burned, misses;
		cr_assert(ev && ev->data_len == 48, "one downtime jail in the settlement's events");
		ev_entry(ev, 0, &op, &burned, &misses);
		cr_assert(svm_hash_eq(&op, user(s, 3)));
		cr_assert_eq(burned, before.tokens / 100);
		cr_assert_eq(misses, s->p.downtime_missed_max + 1);
	}
	qc_block(s, 1u << 2, -1);
	qc_block(s, 1u << 2, -1);
	cr_assert(val(s, 3, &after));
	cr_assert_eq(after.jailed, 1);
	uint64_t leak = before.tokens / 100;
	cr_assert_eq(after.tokens, before.tokens - leak);
	cr_assert_eq(after.slashed, before.slashed + leak);
	cr_assert_eq(et_supply(&s->e, &s->swr), supply - leak, "the leak is burned, nothing else");
	cr_assert_eq(missed(s, 3, &w), 0, "its count ends with the jail");
	cr_assert_eq(missed(s, 2, &w), 2);
	check_conservation(s, 17, "after the downtime jail");
	/* jailed, it is not counted again (still in this epoch's set) and leaves the next one */
	qc_block(s, 1u << 3, -1);
	cr_assert_eq(missed(s, 3, &w), 0);
	while ((s->e.w.env.height + 1) % s->p.epoch_blocks != 0) qc_block(s, 0, -1);
	qc_block(s, 0, -1);
	cr_assert(!in_set(s, 3) && in_set(s, 0) && in_set(s, 2), "jailed: out of the next set");
	cr_assert(val(s, 3, &after) && after.tokens == before.tokens - leak, "leaked once");
	/* the window ends: 2's count is dropped */
	cr_assert_eq(missed(s, 2, &w), 2);
	/* the no-quorum block counted nothing: one uncounted height, so the window's 40 counted
	 * blocks take 41 heights (record version 3) */
	cr_assert_eq(uncounted(s), 1);
	while (s->e.w.env.height + 1 - first < 40) qc_block(s, 0, -1);
	cr_assert_eq(missed(s, 2, &w), 2, "the window's 40th height, its 39th counted block: still its counts");
	cr_assert_eq(w, first);
	qc_block(s, 0, -1); /* its 40th counted block and last */
	cr_assert_eq(missed(s, 2, &w), 0, "the window ended: the next begins at the next height");
	cr_assert_eq(w, first + 41);
	cr_assert_eq(uncounted(s), 0);
	qc_block(s, 1u << 0, -1); /* of the three left, the smallest stake: still a quorum */
	cr_assert_eq(missed(s, 0, &w), 1);
	cr_assert_eq(w, first + 41);
	check_conservation(s, 17, "after the window");
	et_free(&s->e);
	free(s);
}

/* A world of four active validators bonding bond[v] for the time-floor tests: windows of 20
 * blocks, jailed past 10 missed (half), a window lasting at least window_ms of block time;
 * header time starts at 10^6 ms. */
static st_t *down_world_bonds(unsigned seed, uint64_t window_ms, uint64_t stake_min, const uint64_t bond[VALS])
{
	st_t *s = calloc(1, sizeof *s);
	st_init(s, seed, 0);
	s->p.downtime_window_blocks = 20;
	s->p.downtime_missed_max = 10;
	s->p.downtime_window_ms = window_ms;
	s->p.slash_downtime_bps = 100;
	s->p.epoch_blocks = 8;
	s->p.active_set_max = 4;
	s->p.stake_min = stake_min;
	cr_assert_eq(et_set_params(&s->e, &s->p), 0);
	s->e.w.env.staking_epochs = true;
	s->e.w.env.count_downtime = true;
	s->e.w.env.timestamp_ms = 1000000;
	for (int v = 0; v < VALS; v++) cr_assert_eq(reg(s, v, 0, bond[v]), OK);
	char why[256];
	for (int i = 0; i < 3 * 8 && !in_set(s, 3); i++)
		cr_assert_eq(et_block(&s->e, NULL, 0, why, sizeof why), 0, "%s", why);
	for (int v = 0; v < VALS; v++) cr_assert(in_set(s, v), "%d active within three epochs", v);
	return s;
}

/* down_world_bonds with 3 the smallest stake (one absent still leaves a quorum). */
static st_t *down_world(unsigned seed, uint64_t window_ms, uint64_t stake_min, uint64_t bond3)
{
	uint64_t bond[VALS] = {200000, 201000, 202000, bond3};
	return down_world_bonds(seed, window_ms, stake_min, bond);
}

/* n blocks dt_ms apart in header time, each with a parent QC without the validators in
 * `absent`. */
static void timed_blocks(st_t *s, unsigned absent, int n, uint64_t dt_ms)
{
	for (int i = 0; i < n; i++) {
		s->e.w.env.timestamp_ms += dt_ms;
		qc_block(s, absent, -1);
	}
}

static bool jailed(st_t *s, int v)
{
	svm_validator_t x;
	cr_assert(val(s, v, &x));
	return x.jailed != 0;
}

/* The last block's settlement jailed exactly v for downtime: one stake/downtime event with one
 * entry naming v, its `misses`, and a leak of 1 % of `tokens` (its stake before); returns it. */
static uint64_t one_downtime_jail(st_t *s, int v, uint64_t misses, uint64_t tokens)
{
	const svm_event_t *ev = settle_event(s, "stake/downtime", 0);
	svm_id_t op;
	uint64_t burned, m;
	cr_assert(ev && ev->data_len == 48, "one downtime jail in the settlement's events");
	ev_entry(ev, 0, &op, &burned, &m);
	cr_assert(svm_hash_eq(&op, user(s, v)));
	cr_assert_eq(m, misses);
	cr_assert_eq(burned, tokens / 100);
	return burned;
}

/* The downtime rule counts block time as well as blocks (docs/economics.md, "Downtime"): on a
 * chain making a block every 10 ms (traffic: each block as soon as its parent is certified), a
 * validator absent 60 blocks — 0.6 s, more than the 10 of a 20-block window the count alone
 * jails at — is not jailed, because its window lasts at least 2 s of header time (200 blocks)
 * and it missed less than half of them; the same blocks with no time floor (downtime_window_ms
 * 0: the old rule) jail it. A long absence from a window's first block on is jailed exactly at
 * the block whose header time is 2 s past the window's start (its 200th miss), not one block
 * earlier. */
Test(staking, downtime_on_a_fast_chain_a_short_absence_is_not_jailed_and_a_long_one_is_at_the_time_floor,
     .init = setup)
{
	uint64_t w;
	/* the old rule on the same blocks: jailed at the 11th miss */
	st_t *old = down_world(31, 0, 1000, 150000);
	timed_blocks(old, 0, 1, 10);
	timed_blocks(old, 1u << 3, 10, 10);
	cr_assert(!jailed(old, 3));
	timed_blocks(old, 1u << 3, 1, 10);
	cr_assert(jailed(old, 3), "without the time floor 0.11 s of absence jails");
	et_free(&old->e);
	free(old);

	st_t *s = down_world(31, 2000, 1000, 150000);
	timed_blocks(s, 0, 1, 10); /* the first counted block begins the window */
	uint64_t start = s->e.w.env.height;
	cr_assert_eq(missed(s, 3, &w), 0);
	cr_assert_eq(w, start);
	timed_blocks(s, 1u << 3, 60, 10);
	cr_assert_eq(missed(s, 3, &w), 60);
	cr_assert(!jailed(s, 3), "0.6 s absent at 100 blocks/s: not jailed");
	/* back: the window runs to its time floor (its 201st block, 2 s after its first), then
	 * the next one begins */
	while (missed(s, 3, &w) == 60) {
		cr_assert(s->e.w.env.height - start < 400, "the window ended");
		timed_blocks(s, 0, 1, 10);
	}
	cr_assert(!jailed(s, 3), "a whole window: 60 missed of 201 blocks");
	cr_assert_eq(s->e.w.env.height, start + 200, "the window lasted 2 s of header time (the count alone: 20)");
	cr_assert_eq(w, start + 201);
	uint64_t start2 = w;
	/* absent from the new window's first block on: the share and the count are passed at
	 * once, the time floor 2 s after the last window's end */
	timed_blocks(s, 1u << 3, 199, 10);
	cr_assert_eq(missed(s, 3, &w), 199);
	cr_assert(!jailed(s, 3), "1.99 s into the window: not yet");
	svm_validator_t before, after;
	cr_assert(val(s, 3, &before));
	timed_blocks(s, 1u << 3, 1, 10);
	cr_assert_eq(s->e.w.env.height, start2 + 199);
	cr_assert(val(s, 3, &after) && after.jailed, "jailed at the time floor");
	const svm_event_t *ev = settle_event(s, "stake/downtime", 0);
	svm_id_t op;
	uint64_t burned, misses;
	cr_assert(ev && ev->data_len == 48, "one downtime jail in the settlement's events");
	ev_entry(ev, 0, &op, &burned, &misses);
	cr_assert(svm_hash_eq(&op, user(s, 3)));
	cr_assert_eq(misses, 200);
	cr_assert_eq(burned, before.tokens / 100);
	cr_assert_eq(after.tokens, before.tokens - burned);
	check_conservation(s, 31, "after the timed jail");
	et_free(&s->e);
	free(s);
}

/* Where a window of downtime_window_blocks takes longer than downtime_window_ms (blocks a
 * second apart here, 20 s per window against a 2 s floor) the count decides as it did: jailed
 * at the 11th miss. A validator absent from the middle of a window on is jailed when its
 * misses pass half of the window's blocks so far, past the floor; and an absence that starts
 * too late in a window is jailed in the next one. */
Test(staking, downtime_on_a_slow_chain_the_count_decides_and_a_late_absence_waits_for_the_next_window,
     .init = setup)
{
	uint64_t w;
	st_t *s = down_world(32, 2000, 1000, 150000);
	timed_blocks(s, 0, 1, 1000);
	uint64_t start = s->e.w.env.height;
	timed_blocks(s, 1u << 3, 10, 1000);
	cr_assert(!jailed(s, 3));
	timed_blocks(s, 1u << 3, 1, 1000);
	cr_assert(jailed(s, 3), "the 11th miss of a 20-block window, 11 s of block time");
	cr_assert_eq(s->e.w.env.height, start + 11);
	et_free(&s->e);
	free(s);

	/* fast blocks (10 ms), a 2 s window: 3 present for the window's first 81 blocks, then
	 * absent. At the floor (its last block) it missed 120 of 201: more than half and more
	 * than 10, jailed there. */
	s = down_world(33, 2000, 1000, 150000);
	timed_blocks(s, 0, 1, 10);
	start = s->e.w.env.height;
	timed_blocks(s, 0, 80, 10);
	timed_blocks(s, 1u << 3, 119, 10);
	cr_assert(!jailed(s, 3), "before the floor");
	timed_blocks(s, 1u << 3, 1, 10);
	cr_assert_eq(s->e.w.env.height, start + 200);
	cr_assert(jailed(s, 3), "past the floor with 120 of 201 missed");
	et_free(&s->e);
	free(s);

	/* absent from the window's 121st block on: 81 of 201 at the floor, where the window ends;
	 * in the next one it is jailed at its floor */
	s = down_world(34, 2000, 1000, 150000);
	timed_blocks(s, 0, 1, 10);
	start = s->e.w.env.height;
	timed_blocks(s, 0, 119, 10);
	timed_blocks(s, 1u << 3, 80, 10);
	cr_assert_eq(missed(s, 3, &w), 80);
	cr_assert_eq(w, start);
	timed_blocks(s, 1u << 3, 1, 10); /* the window's last block: 81 of 201, not half */
	cr_assert(!jailed(s, 3));
	cr_assert_eq(missed(s, 3, &w), 0, "the next window");
	cr_assert_eq(w, start + 201);
	timed_blocks(s, 1u << 3, 199, 10);
	cr_assert(!jailed(s, 3));
	timed_blocks(s, 1u << 3, 1, 10);
	cr_assert(jailed(s, 3), "jailed at the next window's floor");
	cr_assert_eq(s->e.w.env.height, start + 400);
	et_free(&s->e);
	free(s);
}

/* The rule jails a validator at the first counted block at which its count passes the line,
 * present or absent there (docs/economics.md, "Downtime"). On a fast chain the time floor is
 * first met at the window's last block, which also ends the window: before, only the members
 * absent from the block being settled were tested, so one absent from nearly all of a window
 * but present in its last block escaped, its count dropped with the window. Here (blocks 10 ms
 * apart, a 2 s floor: 201 blocks) 1 misses 101 and 3 misses 199 of the window's blocks, 2
 * misses 100, and all three sign its last block: 1 and 3 are jailed there (more than half),
 * in one stake/downtime event in operator order with exactly their leaks and counts; 2 (exactly
 * half) is not, and its count ends with the window. 0 holds most of the stake, so any of 1–3
 * absent still leaves a quorum. */
Test(staking, downtime_members_past_the_line_are_jailed_at_the_windows_last_block_though_present,
     .init = setup)
{
	uint64_t bond[VALS] = {500000, 10000, 10000, 10000};
	st_t *s = down_world_bonds(41, 2000, 1000, bond);
	uint64_t w;
	timed_blocks(s, 0, 1, 10); /* begins the window */
	uint64_t start = s->e.w.env.height;
	timed_blocks(s, (1u << 1) | (1u << 2) | (1u << 3), 100, 10);
	timed_blocks(s, (1u << 1) | (1u << 3), 1, 10);
	timed_blocks(s, 1u << 3, 98, 10);
	cr_assert_eq(s->e.w.env.height, start + 199);
	cr_assert_eq(missed(s, 1, &w), 101);
	cr_assert_eq(missed(s, 2, &w), 100);
	cr_assert_eq(missed(s, 3, &w), 199);
	cr_assert_eq(w, start);
	for (int v = 0; v < VALS; v++) cr_assert(!jailed(s, v), "1.99 s: before the floor");
	svm_validator_t before[VALS], after;
	for (int v = 0; v < VALS; v++) cr_assert(val(s, v, &before[v]));
	uint64_t supply = et_supply(&s->e, &s->swr);
	timed_blocks(s, 0, 1, 10); /* the window's last block (2 s): every member signs it */
	cr_assert(jailed(s, 1) && jailed(s, 3), "past half of the window: jailed though present");
	cr_assert(!jailed(s, 0) && !jailed(s, 2), "exactly half is not past it");
	const svm_event_t *ev = settle_event(s, "stake/downtime", 0);
	cr_assert(ev && ev->data_len == 2 * 48, "one event, both jails");
	cr_assert_null(settle_event(s, "stake/downtime", 1));
	svm_id_t op[2];
	uint64_t burned[2], misses[2];
	for (size_t k = 0; k < 2; k++) ev_entry(ev, k, &op[k], &burned[k], &misses[k]);
	cr_assert_lt(memcmp(op[0].b, op[1].b, 32), 0, "entries in operator order");
	uint64_t leaks = 0;
	for (size_t k = 0; k < 2; k++) {
		int v = svm_hash_eq(&op[k], user(s, 1)) ? 1 : 3;
		cr_assert(svm_hash_eq(&op[k], user(s, v)));
		cr_assert_eq(misses[k], v == 1 ? 101 : 199);
		cr_assert_eq(burned[k], before[v].tokens / 100);
		cr_assert(val(s, v, &after));
		cr_assert_eq(after.tokens, before[v].tokens - burned[k]);
		cr_assert_eq(after.slashed, before[v].slashed + burned[k]);
		leaks += burned[k];
	}
	cr_assert(!svm_hash_eq(&op[0], &op[1]));
	cr_assert_eq(et_supply(&s->e, &s->swr), supply - leaks, "the leaks are burned, nothing else");
	cr_assert(val(s, 2, &after) && after.tokens == before[2].tokens);
	cr_assert_eq(missed(s, 2, &w), 0, "the window ended");
	cr_assert_eq(w, start + 201);
	check_conservation(s, 41, "after the window's jails");
	et_free(&s->e);
	free(s);
}

/* Where downtime_window_blocks take longer than downtime_window_ms (blocks a second apart,
 * 20-block windows, a 15 s floor) the floor is first met inside the window, at its 16th block.
 * 3 misses the window's blocks 2–13 (12, past 10 but before the floor) and signs from the
 * 14th on: it is jailed at the 16th — the first block at which its count passes the line —
 * though present, with its 12 misses; not one block earlier. Before, it was never tested
 * again (it was absent from no later block) and its count ended with the window. */
Test(staking, downtime_on_a_slow_chain_a_member_past_the_line_is_jailed_at_the_floor_though_present,
     .init = setup)
{
	st_t *s = down_world(42, 15000, 1000, 150000);
	uint64_t w;
	timed_blocks(s, 0, 1, 1000);
	uint64_t start = s->e.w.env.height;
	timed_blocks(s, 1u << 3, 12, 1000);
	cr_assert_eq(missed(s, 3, &w), 12);
	cr_assert(!jailed(s, 3), "12 missed in 12 s: before the floor");
	timed_blocks(s, 0, 2, 1000);
	cr_assert(!jailed(s, 3), "14 s: before the floor");
	svm_validator_t before, after;
	cr_assert(val(s, 3, &before));
	timed_blocks(s, 0, 1, 1000);
	cr_assert_eq(s->e.w.env.height, start + 15);
	cr_assert(val(s, 3, &after) && after.jailed, "jailed at the floor, though present");
	uint64_t burned = one_downtime_jail(s, 3, 12, before.tokens);
	cr_assert_eq(after.tokens, before.tokens - burned);
	cr_assert_eq(missed(s, 3, &w), 0, "its count ends with the jail");
	cr_assert_eq(w, start, "the window goes on: 16 of its 20 blocks");
	timed_blocks(s, 0, 4, 1000);
	cr_assert_eq(missed(s, 3, &w), 0);
	cr_assert_eq(w, start + 20, "the window ended at its 20th block");
	cr_assert(val(s, 3, &after) && after.tokens == before.tokens - burned, "leaked once");
	check_conservation(s, 42, "after the jail at the floor");
	et_free(&s->e);
	free(s);
}

/* A count stays with the validator, not with its seat: 3 misses 13 blocks of a window (slow
 * chain, 15 s floor), then undelegates below stake_min and leaves the set at the epoch's end,
 * before the floor. At the floor it is jailed though out of the set, with its 13 misses — before,
 * only members of the set absent from the block were tested, so leaving the set escaped. */
Test(staking, downtime_a_member_that_leaves_the_set_is_still_jailed_for_the_window_it_missed,
     .init = setup)
{
	st_t *s = down_world(44, 15000, 1000, 150000);
	uint64_t w;
	empty_blocks_to_epoch_start(s);
	timed_blocks(s, 0, 1, 1000); /* an epoch's first block begins the window */
	uint64_t start = s->e.w.env.height;
	cr_assert_eq(start % s->p.epoch_blocks, 0);
	timed_blocks(s, 1u << 3, 13, 1000);
	cr_assert_eq(missed(s, 3, &w), 13);
	cr_assert_eq(stake_op(s, 3, SVM_STAKE_UNDELEGATE, 3, -1, 149500), OK); /* counts nothing */
	timed_blocks(s, 0, 1, 1000); /* the epoch's last block (14 s): 3 leaves the set */
	cr_assert_eq(s->e.w.env.height, start + 15);
	cr_assert(!in_set(s, 3), "below stake_min: out of the next set");
	cr_assert(!jailed(s, 3), "14 s: before the floor");
	svm_validator_t before, after;
	cr_assert(val(s, 3, &before));
	timed_blocks(s, 0, 1, 1000); /* the floor */
	cr_assert(val(s, 3, &after) && after.jailed, "jailed for the window it missed");
	cr_assert_eq(after.tokens, before.tokens - one_downtime_jail(s, 3, 13, before.tokens));
	check_conservation(s, 44, "after the jail out of the set");
	et_free(&s->e);
	free(s);
}

/* Testing every counted member skips the jailed, as counting does: a validator jailed for a
 * double sign while its count passes the line is not leaked for downtime as well when the
 * window's floor comes (a guard for the rule above: it passed before it too). */
Test(staking, downtime_a_member_jailed_for_a_double_sign_is_not_leaked_again_at_the_floor, .init = setup)
{
	st_t *s = down_world(43, 2000, 1000, 150000);
	uint64_t w;
	timed_blocks(s, 0, 1, 10);
	uint64_t start = s->e.w.env.height;
	timed_blocks(s, 1u << 3, 150, 10);
	cr_assert_eq(missed(s, 3, &w), 150);
	svm_evidence_t e;
	evidence(s, 3, s->e.w.env.height - 1, &e);
	cr_assert_eq(submit_evidence(s, 7, 3, &e), OK); /* a block without a QC: counts nothing */
	svm_validator_t slashed, after;
	cr_assert(val(s, 3, &slashed) && slashed.jailed, "jailed for the double sign");
	timed_blocks(s, 1u << 3, 49, 10);
	cr_assert_eq(missed(s, 3, &w), 150, "jailed: not counted");
	timed_blocks(s, 0, 1, 10); /* the floor: 150 missed of 202 blocks */
	cr_assert_eq(s->e.w.env.height, start + 201);
	cr_assert_null(settle_event(s, "stake/downtime", 0), "no downtime jail of a jailed member");
	cr_assert(val(s, 3, &after));
	cr_assert_eq(after.tokens, slashed.tokens, "no downtime leak");
	cr_assert_eq(after.slashed, slashed.slashed);
	cr_assert_eq(missed(s, 3, &w), 0, "the window ended");
	cr_assert_eq(w, start + 202);
	check_conservation(s, 43, "after the window");
	et_free(&s->e);
	free(s);
}

/* A downtime leak can take a validator below stake_min; it may still top up (delegate to
 * itself while jailed), then unjail and return. An unjail below stake_min is refused (EFUNDS:
 * it could not be chosen) and changes nothing. */
Test(staking, a_validator_leaked_below_stake_min_tops_up_then_unjails_and_returns, .init = setup)
{
	st_t *s = down_world(35, 0, 100000, 100000); /* 3's bond is exactly stake_min */
	timed_blocks(s, 0, 1, 1000);
	timed_blocks(s, 1u << 3, 11, 1000);
	svm_validator_t v;
	cr_assert(val(s, 3, &v) && v.jailed && v.tokens == 99000, "leaked 1%%: below stake_min");
	empty_blocks_to_epoch_start(s);
	char why[64];
	while (epoch_now(s) < v.unjail_epoch) cr_assert_eq(et_block(&s->e, NULL, 0, why, sizeof why), 0);
	cr_assert(!in_set(s, 3));
	cr_assert_eq(stake_op(s, 3, SVM_STAKE_UNJAIL, -1, -1, 0), ST(SVM_EFUNDS), "below stake_min");
	cr_assert(val(s, 3, &v) && v.jailed, "still jailed");
	cr_assert_eq(stake_op(s, 3, SVM_STAKE_DELEGATE, 3, -1, 1000), OK, "a jailed validator tops up");
	cr_assert_eq(stake_op(s, 3, SVM_STAKE_UNJAIL, -1, -1, 0), OK);
	cr_assert(val(s, 3, &v) && !v.jailed && v.tokens == 100000);
	empty_blocks_to_epoch_start(s);
	cr_assert_eq(et_block(&s->e, NULL, 0, why, sizeof why), 0);
	cr_assert(in_set(s, 3), "back in the next set");
	check_conservation(s, 35, "after the top-up");
	et_free(&s->e);
	free(s);
}

/* Whether the consensus key pk is in the current validator-set object; *n its size. */
static bool key_in_set(st_t *s, const uint8_t pk[32], size_t *n)
{
	svm_id_t id;
	svm_object_t o;
	svm_validator_set_id(&id);
	cr_assert(et_object(&s->e, &id, &o));
	svm_validator_entry_t set[SVM_STAKE_ACTIVE_MAX];
	cr_assert_eq(svm_staking_validator_set(o.payload, o.payload_len, set, SVM_STAKE_ACTIVE_MAX, n), 0);
	for (size_t i = 0; i < *n; i++)
		if (!memcmp(set[i].key, pk, 32)) return true;
	return false;
}

/* e2e-net's "epoch:set size 1:4 77:3" (docs/economics.md, "Why the fifth …"): a validator
 * registered with exactly stake_min enters at the next epoch even while another is jailed for
 * downtime in the same epoch — the set keeps its size (4), one member swapped — and, never
 * voting, it is jailed for downtime itself once its window allows: the set is then 3. The rule,
 * not a bug: nothing in the choice keeps a qualifying validator out. */
Test(staking, a_new_validator_enters_as_a_jailed_one_leaves_and_the_set_keeps_its_size, .init = setup)
{
	st_t *s = down_world(36, 0, 100000, 150000);
	s->p.active_set_max = 5;
	s->p.downtime_missed_max = 3;
	cr_assert_eq(et_set_params(&s->e, &s->p), 0);
	empty_blocks_to_epoch_start(s); /* the next 8 blocks are one epoch */
	uint64_t last = s->e.w.env.height + s->p.epoch_blocks;
	size_t n;
	svm_keypair_t k5;
	ct_key(555, &k5);
	cr_assert(!key_in_set(s, k5.public_key, &n) && n == 4);
	/* in one epoch: user 4 registers a fifth validator with exactly stake_min, and 3 is
	 * jailed for downtime (4 misses of a 20-block window, blocks a second apart) */
	timed_blocks(s, 0, 1, 1000);
	timed_blocks(s, 1u << 3, 2, 1000);
	svm_buf_t p = {0};
	cr_assert_eq(svm_stake_register_payload(&p, k5.public_key, k5.public_key, 0, s->p.stake_min), 0);
	cr_assert_eq(run1(s, 4, &p, true), OK); /* a block without a QC: counts nothing */
	svm_buf_free(&p);
	timed_blocks(s, 1u << 3, 1, 1000);
	cr_assert(!jailed(s, 3));
	timed_blocks(s, 1u << 3, 1, 1000);
	cr_assert(jailed(s, 3), "the 4th miss");
	while (s->e.w.env.height < last) timed_blocks(s, 0, 1, 1000);
	cr_assert(key_in_set(s, k5.public_key, &n), "the fifth entered");
	cr_assert_eq(n, 4, "as 3 left: the size alone shows no change");
	/* the fifth never votes: jailed at its 4th miss, out of the next set */
	last = s->e.w.env.height + s->p.epoch_blocks;
	timed_blocks(s, ABSENT_OTHERS, 4, 1000);
	while (s->e.w.env.height < last) timed_blocks(s, 0, 1, 1000);
	cr_assert(!key_in_set(s, k5.public_key, &n), "the fifth jailed for downtime");
	cr_assert_eq(n, 3);
	cr_assert(!in_set(s, 3));
	et_free(&s->e);
	free(s);
}

/* The redelegations out of validator v, in creation order. */
static size_t redelegations(st_t *s, int v, svm_stake_redel_t *out)
{
	svm_id_t id;
	svm_object_t o;
	size_t n = 0;
	svm_staking_redel_id(user(s, v), &id);
	if (!et_object(&s->e, &id, &o)) return 0;
	cr_assert_eq(svm_staking_redel_decode(o.payload, o.payload_len, out, SVM_STAKE_REDEL_MAX, &n), 0);
	return n;
}

static bool exists(st_t *s, const svm_id_t *id)
{
	svm_object_t o;
	return et_object(&s->e, id, &o);
}

/* Stake redelegated away from a validator after its offence is slashed like stake still bonded
 * to it (and unlike stake redelegated before): the evidence queues the offence, the block's
 * settlement takes slash_double_bps of each such redelegation's amount from the delegator's
 * shares in the destination (rounded against the delegator) or, when it unbonded them, from its
 * unbonding there; the stake cannot be redelegated on while that is possible. Exact amounts,
 * the supply lower by exactly the burns, AOEM and the reference agree on every block. */
Test(staking, redelegated_stake_is_slashed_for_an_offence_before_it, .init = setup)
{
	st_t *s = calloc(1, sizeof *s);
	cr_assert(s);
	st_init(s, 12, 1000);
	s->e.w.env.staking_epochs = true;
	const uint64_t bond[VALS] = {1000000000ull, 3000000007ull, 2000000003ull, 1000000001ull};
	for (int v = 0; v < VALS; v++) cr_assert_eq(reg(s, v, 0, bond[v]), OK);
	for (int u = 4; u <= 6; u++) cr_assert_eq(stake_op(s, u, SVM_STAKE_DELEGATE, 0, -1, 2000000000ull + (uint64_t)u), OK);
	/* two epochs of rewards for the set (0, 1, 2): a share is worth more than one SWR there */
	char why[128];
	for (int i = 0; i < 2; i++) {
		empty_blocks_to_epoch_start(s);
		cr_assert_eq(et_block(&s->e, NULL, 0, why, sizeof why), 0, "%s", why);
	}
	svm_validator_t v0, v1, v2, v3, a0, a1, a2, a3;
	cr_assert(val(s, 1, &v1) && v1.tokens > v1.shares, "rewards compounded");
	/* user 6 redelegates half to validator 3 at the offence's height: bonded elsewhere then */
	cr_assert_eq(stake_op(s, 6, SVM_STAKE_REDELEGATE, 0, 3, shares_of(s, 0, 6) / 2), OK);
	uint64_t offence = s->e.w.env.height;
	/* after it: user 5 moves 3/4 to validator 1; user 4 moves everything to 2 and unbonds it */
	cr_assert_eq(stake_op(s, 5, SVM_STAKE_REDELEGATE, 0, 1, shares_of(s, 0, 5) * 3 / 4), OK);
	cr_assert_eq(stake_op(s, 4, SVM_STAKE_REDELEGATE, 0, 2, shares_of(s, 0, 4)), OK);
	cr_assert_eq(shares_of(s, 0, 4), 0);
	cr_assert_eq(stake_op(s, 4, SVM_STAKE_UNDELEGATE, 2, -1, shares_of(s, 2, 4)), OK);
	/* the stake cannot move on while an offence of validator 0 could still reach it */
	cr_assert_eq(stake_op(s, 5, SVM_STAKE_REDELEGATE, 1, 2, 1000), ST(SVM_ESTATE), "a second hop");
	svm_stake_redel_t red[SVM_STAKE_REDEL_MAX];
	cr_assert_eq(redelegations(s, 0, red), 3);
	cr_assert(svm_hash_eq(&red[0].delegator, user(s, 6)) && svm_hash_eq(&red[0].to, user(s, 3)));
	cr_assert(svm_hash_eq(&red[1].delegator, user(s, 5)) && svm_hash_eq(&red[1].to, user(s, 1)));
	cr_assert(svm_hash_eq(&red[2].delegator, user(s, 4)) && svm_hash_eq(&red[2].to, user(s, 2)));
	cr_assert_eq(red[0].start_height, offence);
	cr_assert_gt(red[1].start_height, offence);
	cr_assert_eq(red[1].release_epoch, red[1].start_height / s->p.epoch_blocks + s->p.unbonding_epochs + 1);

	if ((s->e.w.env.height + 2) % s->p.epoch_blocks == 0) /* not the epoch's last block */
		cr_assert_eq(et_block(&s->e, NULL, 0, why, sizeof why), 0, "%s", why);
	cr_assert(val(s, 0, &v0) && val(s, 1, &v1) && val(s, 2, &v2) && val(s, 3, &v3));
	uint64_t sh5 = shares_of(s, 1, 5), sh6 = shares_of(s, 3, 6), n, q4 = queued(s, 2, 0, &n);
	cr_assert_gt(q4, red[2].amount * 500 / 10000, "user 4 unbonds what it moved (with the rewards since)");
	uint64_t supply0 = et_supply(&s->e, &s->swr);
	svm_evidence_t ev;
	evidence(s, 0, offence, &ev);
	cr_assert_eq(submit_evidence(s, 7, 0, &ev), OK);
	const svm_event_t *rs = settle_event(s, "stake/redslash", 0);
	svm_id_t rs_op;
	uint64_t rs_h, rs_burned;
	ev_entry(rs, 0, &rs_op, &rs_h, &rs_burned);
	cr_assert(rs->data_len == 48 && svm_hash_eq(&rs_op, user(s, 0)) && rs_h == offence, "the settlement's event");
	svm_id_t pid;
	svm_staking_redslash_id(&pid);
	cr_assert(!exists(s, &pid), "the settlement emptied the queue of offences");

	uint64_t own = v0.tokens * 500 / 10000;
	uint64_t x5 = red[1].amount * 500 / 10000, x4 = red[2].amount * 500 / 10000;
	uint64_t need5 = (uint64_t)(((u128)x5 * v1.shares + v1.tokens - 1) / v1.tokens);
	uint64_t got5 = (uint64_t)((u128)need5 * v1.tokens / v1.shares);
	cr_assert_geq(got5, x5);
	cr_assert(val(s, 0, &a0) && val(s, 1, &a1) && val(s, 2, &a2) && val(s, 3, &a3));
	cr_assert_eq(a0.tokens, v0.tokens - own, "the offender's bonded stake");
	cr_assert_eq(a1.tokens, v1.tokens - got5, "user 5's redelegated stake, slashed at validator 1");
	cr_assert_eq(a1.shares, v1.shares - need5);
	cr_assert_eq(shares_of(s, 1, 5), sh5 - need5);
	cr_assert_eq(queued(s, 2, 0, &n), q4 - x4, "user 4's unbonding at validator 2");
	cr_assert_eq(a2.tokens, v2.tokens);
	cr_assert_eq(a3.tokens, v3.tokens, "redelegated at the offence: not slashed");
	cr_assert_eq(shares_of(s, 3, 6), sh6);
	cr_assert_eq(a0.slashed, own + got5 + x4, "every burn counts against the offender");
	cr_assert_eq(rs_burned, got5 + x4, "the event's burn");
	cr_assert_eq(a1.slashed + a2.slashed + a3.slashed, 0);
	cr_assert_eq(et_supply(&s->e, &s->swr), supply0 - s->e.res.burned - own - got5 - x4, "burned exactly");
	check_conservation(s, 12, "after the redelegation slash");
	cr_assert_eq(submit_evidence(s, 7, 0, &ev), ST(SVM_EEXIST), "used once");
	cr_assert_eq(shares_of(s, 1, 5), sh5 - need5, "and slashed once");

	/* released: the stake moves on, the marker of the first hop is gone */
	svm_id_t in1;
	svm_staking_redin_id(user(s, 1), user(s, 5), &in1);
	cr_assert(exists(s, &in1));
	while (epoch_now(s) < red[1].release_epoch) cr_assert_eq(et_block(&s->e, NULL, 0, why, sizeof why), 0, "%s", why);
	cr_assert_eq(stake_op(s, 5, SVM_STAKE_REDELEGATE, 1, 2, 1000), OK);
	cr_assert(!exists(s, &in1), "a released marker is deleted");
	cr_assert_eq(redelegations(s, 1, red), 1);
	check_conservation(s, 12, "at the end");
	et_free(&s->e);
	free(s);
}

/* ------------------------------------------- downtime at short epochs (record version 3) */

/* Whether the block at height h is one of a consensus epoch's first two when the set changes
 * at every staking epoch (consensus starts its epoch on the staking epoch's last block E; the
 * blocks E + 1 and E + 2 carry no late QC: docs/economics.md, "A consensus epoch's last two
 * heights"). */
static bool no_late_qc_at(const st_t *s, uint64_t h)
{
	uint64_t e = s->p.epoch_blocks;
	return h % e == 0 || (h >= 1 && (h - 1) % e == 0);
}

/* The next block as the node would make it at such epochs: no late QC in an epoch's first two
 * blocks, else one without the validators in `absent`. Returns whether it carried one. */
static bool epoch_block(st_t *s, unsigned absent)
{
	s->e.w.env.timestamp_ms += 1000;
	if (!no_late_qc_at(s, s->e.w.env.height + 1)) {
		qc_block(s, absent, -1);
		return true;
	}
	char why[256];
	cr_assert_eq(et_block(&s->e, NULL, 0, why, sizeof why), 0, "%s", why);
	return false;
}

/* Four validators, windows of 20 counted blocks jailing past 10 missed (half), no time floor,
 * epochs of `epoch_blocks`, 3 the smallest stake (one absent still leaves a quorum). */
static st_t *short_epoch_world(unsigned seed, uint64_t epoch_blocks)
{
	st_t *s = calloc(1, sizeof *s);
	st_init(s, seed, 0);
	s->p.downtime_window_blocks = 20;
	s->p.downtime_missed_max = 10;
	s->p.downtime_window_ms = 0;
	s->p.slash_downtime_bps = 100;
	s->p.epoch_blocks = epoch_blocks;
	s->p.active_set_max = 4;
	cr_assert_eq(et_set_params(&s->e, &s->p), 0);
	s->e.w.env.staking_epochs = true;
	s->e.w.env.count_downtime = true;
	s->e.w.env.timestamp_ms = 1000000;
	uint64_t bond[VALS] = {200000, 201000, 202000, 150000};
	for (int v = 0; v < VALS; v++) cr_assert_eq(reg(s, v, 0, bond[v]), OK);
	char why[256];
	for (uint64_t i = 0; i < 10 * epoch_blocks && !in_set(s, 3); i++)
		cr_assert_eq(et_block(&s->e, NULL, 0, why, sizeof why), 0, "%s", why);
	for (int v = 0; v < VALS; v++) cr_assert(in_set(s, v), "%d active", v);
	return s;
}

/* At epochs of 3 and 4 blocks whose set changes every epoch, 2 of every epoch's heights reach
 * no late QC. The rule counted a window's blocks in heights, so those heights counted as
 * present: a validator absent from every late QC missed 1/3 of the heights at 3-block epochs
 * and never passed half; at 4 it reached exactly half in some windows and never passed it (a
 * window starting on an epoch's first block). Counting the window in counted blocks (version 3:
 * the uncounted heights recorded) jails it at its 11th miss either way. Each case runs a first
 * window with everyone present, so the second starts on a height without a late QC — the
 * window the height rule could never jail in at 4 —, then 3 is absent from every late QC: not
 * jailed at its 10th miss, jailed (1 % leaked, 11 misses) at its 11th, the record counting the
 * heights between as uncounted; the others never miss. Both cases fail with the height rule
 * (no jail at the 11th miss: tried). Epochs of 2 or fewer blocks leave no block with a late QC
 * at all and are refused by the parameters (below). */
Test(staking, downtime_at_epochs_of_3_and_4_blocks_jails_an_absent_validator_by_counted_blocks, .init = setup)
{
	for (uint64_t e = 3; e <= 4; e++) {
		st_t *s = short_epoch_world(40 + (unsigned)e, e);
		uint64_t w, first = UINT64_MAX, counted = 0;
		/* the first window, everyone present, to its end */
		while (counted < 40) {
			uint64_t h = s->e.w.env.height + 1;
			if (epoch_block(s, 0)) {
				if (first == UINT64_MAX) first = h;
				counted++;
			}
			missed(s, 3, &w);
			if (first != UINT64_MAX && w != first) break;
		}
		cr_assert_neq(first, UINT64_MAX, "e %llu: counted blocks", (unsigned long long)e);
		cr_assert_eq(counted, 20, "e %llu: the first window ends with its 20th counted block (%llu)",
			     (unsigned long long)e, (unsigned long long)counted);
		uint64_t second = w;
		cr_assert(no_late_qc_at(s, second) || e == 3, "e %llu: the second window starts on a height without a late QC",
			  (unsigned long long)e);
		/* 3 absent from every late QC */
		svm_validator_t before;
		cr_assert(val(s, 3, &before) && !before.jailed);
		uint64_t misses = 0;
		while (misses < 10)
			if (epoch_block(s, 1u << 3)) misses++;
		uint64_t heights = s->e.w.env.height + 1 - second;
		cr_assert_eq(missed(s, 3, &w), 10);
		cr_assert_eq(w, second, "e %llu: the same window", (unsigned long long)e);
		cr_assert_eq(uncounted(s), heights - 10, "e %llu: %llu heights, 10 counted", (unsigned long long)e,
			     (unsigned long long)heights);
		cr_assert_gt(heights, 2 * 10 - 1, "e %llu: the height rule's share is at most half here", (unsigned long long)e);
		cr_assert(!jailed(s, 3), "e %llu: not at its 10th miss", (unsigned long long)e);
		for (int v = 0; v < 3; v++) cr_assert_eq(missed(s, v, &w), 0);
		while (!epoch_block(s, 1u << 3)) cr_assert(!jailed(s, 3));
		cr_assert(jailed(s, 3), "e %llu: jailed at its 11th miss", (unsigned long long)e);
		one_downtime_jail(s, 3, 11, before.tokens);
		et_free(&s->e);
		free(s);
	}
}

static int put_record(svm_txctx_t *c, void *ud)
{
	const svm_buf_t *b = ud;
	svm_object_t o = {.owner_kind = SVM_OWNER_SHARED, .type = SVM_OBJ_STORAGE, .payload = b->data, .payload_len = b->len};
	svm_staking_downtime_id(&o.id);
	return svm_host_put(c, &o);
}

/* A version 2 record (written before version 3: no uncounted heights) still decodes, as
 * version 2 with uncounted 0, and re-encodes to the same bytes; a version 2 record cannot hold
 * uncounted heights, versions 1 and 4 and a truncated version 3 are refused. In a chain, a
 * version 2 window in progress goes on: the next counted block adds its misses to the same
 * counts, and the next uncounted height is its first uncounted one, the record then version 3. */
Test(staking, downtime_record_version_2_is_read_and_carried_on_as_version_3, .init = setup)
{
	st_t *s = short_epoch_world(47, 4);
	while (no_late_qc_at(s, s->e.w.env.height + 1)) epoch_block(s, 0); /* no window yet: nothing */
	svm_stake_downlist_t *d = calloc(1, sizeof *d), *x = calloc(1, sizeof *x);
	d->version = 2;
	d->start_height = s->e.w.env.height + 1 - 5; /* a window 5 heights old */
	d->start_ms = s->e.w.env.timestamp_ms - 5000;
	d->n = 1;
	d->e[0] = (svm_stake_down_t){.op = *user(s, 3), .missed = 4};
	svm_buf_t v2 = {0}, re = {0};
	cr_assert_eq(svm_staking_down_encode(d, &v2), 0);
	cr_assert_eq(v2.data[0], 2, "written as version 2");
	cr_assert_eq(svm_staking_down_decode(v2.data, v2.len, x), 0);
	cr_assert(x->version == 2 && x->uncounted == 0 && x->start_height == d->start_height && x->n == 1 &&
		  x->e[0].missed == 4);
	cr_assert_eq(svm_staking_down_encode(x, &re), 0);
	cr_assert(re.len == v2.len && memcmp(re.data, v2.data, v2.len) == 0, "re-encodes to the same bytes");
	d->uncounted = 1;
	re.len = 0;
	cr_assert_eq(svm_staking_down_encode(d, &re), SVM_EINVAL, "version 2 has no uncounted heights");
	cr_assert_eq(re.len, 0);
	d->version = 4;
	cr_assert_eq(svm_staking_down_encode(d, &re), SVM_EINVAL);
	d->version = 3;
	cr_assert_eq(svm_staking_down_encode(d, &re), 0);
	cr_assert_eq(re.data[0], 3);
	for (size_t cut = 0; cut < re.len; cut++)
		cr_assert_eq(svm_staking_down_decode(re.data, cut, x), SVM_EDECODE, "v3 cut at %zu", cut);
	re.data[0] = 4;
	cr_assert_eq(svm_staking_down_decode(re.data, re.len, x), SVM_EDECODE, "version 4");
	re.data[0] = 1;
	cr_assert_eq(svm_staking_down_decode(re.data, re.len, x), SVM_EDECODE, "version 1");
	/* the chain: the v2 window in the state, then blocks */
	cr_assert_eq(et_system(&s->e, put_record, &v2), 0);
	uint64_t w;
	cr_assert_eq(missed(s, 3, &w), 4);
	cr_assert(epoch_block(s, 1u << 3), "the next block is a counted one");
	cr_assert_eq(missed(s, 3, &w), 5, "the old count goes on");
	cr_assert_eq(w, d->start_height);
	cr_assert_eq(uncounted(s), 0, "version 3 now, no uncounted height yet");
	while (epoch_block(s, 0)) {}
	cr_assert_eq(uncounted(s), 1);
	cr_assert_eq(missed(s, 3, &w), 5);
	svm_buf_free(&v2), svm_buf_free(&re);
	free(d), free(x);
	et_free(&s->e);
	free(s);
}

/* Epochs of 2 blocks or 1 are refused by the parameters (at genesis and by governance, which
 * both check them): with a set that changes every epoch, every block is one of a consensus
 * epoch's first two, none carries a late QC, and downtime could never be counted. 3 is the
 * least accepted. */
Test(staking, epochs_shorter_than_3_blocks_are_refused, .init = setup)
{
	svm_params_t p;
	svm_params_default(&p);
	for (uint64_t e = 0; e <= 3; e++) {
		p.epoch_blocks = e;
		svm_error_t err = {0};
		int rc = svm_params_check(&p, &err);
		if (e == 3) {
			cr_assert_eq(rc, 0);
			continue;
		}
		cr_assert_eq(rc, SVM_EINVAL, "epoch_blocks %llu", (unsigned long long)e);
		cr_assert(strstr(err.msg, "params.epoch_blocks") != NULL, "%s", err.msg);
	}
	/* the state's parameter object with 2 does not decode either */
	st_t *s = calloc(1, sizeof *s);
	st_init(s, 48, 0);
	s->p.epoch_blocks = 2;
	cr_assert_neq(et_set_params(&s->e, &s->p), 0, "a world cannot be given 2-block epochs");
	et_free(&s->e);
	free(s);
}

/* Governance: stake-weighted votes with delegator override, quorum and threshold, the voting
 * period, execution of parameter changes, treasury spends and text, closing failed proposals,
 * bad inputs (vote twice, vote after the period, execute a failed proposal, no deposit…); and
 * through a real chain: a passed proposal changes the fee coefficients and the next block's fees
 * follow, and an upgrade plan stops block building at its height with a clear message. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chaintest.h"
#include "lib/econtest.h"

#define USERS 8
#define ST(e) svm_receipt_status(e)

static void setup(void) { cr_assert_eq(svm_crypto_init(), 0); }

typedef struct {
	et_world_t e;
	svm_params_t p;
	svm_id_t swr;
} gt_t;

static int genesis_finish(svm_txctx_t *c, void *ud) { return svm_staking_genesis_finish(c); }

static const svm_id_t *user(gt_t *g, int u) { return &g->e.w.owners[u]; }

static uint8_t run1(gt_t *g, int u, const svm_buf_t *p, bool strict)
{
	svm_exec_tx_t tx;
	char why[256];
	cr_assert_eq(et_tx(&g->e, &tx, (size_t)u, p, strict), 0);
	cr_assert_eq(et_block(&g->e, &tx, 1, why, sizeof why), 0, "%s", why);
	return g->e.res.receipts[0].status;
}

static uint8_t stake(gt_t *g, int u, uint64_t method, int v, uint64_t amount)
{
	svm_buf_t p = {0};
	cr_assert_eq(svm_stake_payload(&p, method, v >= 0 ? user(g, v) : NULL, NULL, amount), 0);
	uint8_t st = run1(g, u, &p, method != SVM_STAKE_EPOCH);
	svm_buf_free(&p);
	return st;
}

static uint8_t reg(gt_t *g, int u, uint64_t bond)
{
	svm_buf_t p = {0};
	svm_keypair_t k;
	ct_key(200 + (uint64_t)u, &k);
	cr_assert_eq(svm_stake_register_payload(&p, k.public_key, k.public_key, 0, bond), 0);
	uint8_t st = run1(g, u, &p, true);
	svm_buf_free(&p);
	return st;
}

/* Submits a proposal from user u; its id into *id. */
static uint8_t submit(gt_t *g, int u, uint64_t kind, uint64_t deposit, const svm_buf_t *body, svm_id_t *id)
{
	svm_buf_t p = {0};
	cr_assert_eq(svm_gov_submit_payload(&p, kind, deposit, body->data, body->len), 0);
	svm_gov_proposal_id(user(g, u), g->e.w.nonce[u], id);
	uint8_t st = run1(g, u, &p, true);
	svm_buf_free(&p);
	return st;
}

static uint8_t gov(gt_t *g, int u, uint64_t method, const svm_id_t *prop, int v, uint64_t option)
{
	svm_buf_t p = {0};
	cr_assert_eq(svm_gov_payload(&p, method, prop, v >= 0 ? user(g, v) : NULL, option), 0);
	uint8_t st = run1(g, u, &p, method == SVM_GOV_VOTE);
	svm_buf_free(&p);
	return st;
}

static bool proposal(gt_t *g, const svm_id_t *id, svm_proposal_t *p)
{
	svm_object_t o;
	return et_object(&g->e, id, &o) && svm_proposal_decode(o.payload, o.payload_len, p) == 0;
}

static void until_height(gt_t *g, uint64_t h)
{
	char why[64];
	while (g->e.w.env.height < h) cr_assert_eq(et_block(&g->e, NULL, 0, why, sizeof why), 0);
}

static int mint_treasury(svm_txctx_t *c, void *ud)
{
	svm_id_t tid, swr;
	svm_treasury_id(&tid);
	svm_token_id("SWR", &swr);
	return svm_ledger_mint(c, &swr, &tid, 1000000);
}

/* Validators 0, 1, 2 with 4, 3, 3 SWR; user 5 delegates 1 SWR to validator 0; epoch: all three
 * active (10 SWR + 1 = 11 SWR of stake). */
static void gt_init(gt_t *g)
{
	memset(g, 0, sizeof *g);
	cr_assert_eq(et_init(&g->e, 3, USERS, 1000000), 0);
	svm_params_default(&g->p);
	g->p.epoch_blocks = 4;
	g->p.stake_min = 1000;
	g->p.gov_deposit_min = 1000;
	g->p.gov_voting_blocks = 10;
	g->p.issuance_ppb_epoch = 0;
	g->p.fee_a = 1000, g->p.fee_b = 2, g->p.fee_c = 1, g->p.fee_d = 0;
	cr_assert_eq(et_set_params(&g->e, &g->p), 0);
	cr_assert_eq(et_system(&g->e, genesis_finish, NULL), 0);
	cr_assert_eq(et_system(&g->e, mint_treasury, NULL), 0);
	g->swr = g->e.w.tokens[0];
	cr_assert_eq(reg(g, 0, 4000000000ull), 0);
	cr_assert_eq(reg(g, 1, 3000000000ull), 0);
	cr_assert_eq(reg(g, 2, 3000000000ull), 0);
	cr_assert_eq(stake(g, 5, SVM_STAKE_DELEGATE, 0, 1000000000ull), 0);
	until_height(g, 7);
	cr_assert_eq(stake(g, 7, SVM_STAKE_EPOCH, -1, 0), 0);
}

Test(gov, votes_weigh_stake_delegators_override_and_a_passed_change_executes, .init = setup)
{
	gt_t *g = calloc(1, sizeof *g);
	cr_assert(g);
	gt_init(g);
	svm_buf_t body = {0};
	/* fee_a := 5000, amm_fee_bps_max := 50 */
	const svm_params_field_t *fa = svm_params_field("fee_a"), *fm = svm_params_field("amm_fee_bps_max");
	svm_varint_append(&body, 2);
	svm_varint_append(&body, (uint64_t)(fa - svm_params_fields));
	svm_varint_append(&body, 5000);
	svm_varint_append(&body, (uint64_t)(fm - svm_params_fields));
	svm_varint_append(&body, 50);
	svm_id_t prop;
	cr_assert_eq(submit(g, 6, SVM_PROPOSAL_PARAMS, 999, &body, &prop), ST(SVM_EINVAL), "deposit under the minimum");
	cr_assert_eq(submit(g, 6, SVM_PROPOSAL_PARAMS, 1000, &body, &prop), 0);
	uint64_t bal6 = et_balance(&g->e, &g->swr, user(g, 6));
	cr_assert_eq(et_balance(&g->e, &g->swr, &prop), 1000, "the deposit is held by the proposal");
	svm_proposal_t p;
	cr_assert_eq(gov(g, 0, SVM_GOV_VOTE, &prop, 0, SVM_VOTE_YES), 0);
	cr_assert(proposal(g, &prop, &p));
	cr_assert_eq(p.tally[0], 5000000000ull, "validator 0 votes its whole stake");
	cr_assert_eq(gov(g, 5, SVM_GOV_VOTE, &prop, 0, SVM_VOTE_NO), 0);
	cr_assert(proposal(g, &prop, &p));
	cr_assert_eq(p.tally[0], 4000000000ull, "the delegator's weight left its validator's vote");
	cr_assert_eq(p.tally[1], 1000000000ull);
	cr_assert_eq(gov(g, 0, SVM_GOV_VOTE, &prop, 0, SVM_VOTE_NO), ST(SVM_EEXIST), "vote twice");
	cr_assert_eq(gov(g, 7, SVM_GOV_VOTE, &prop, 0, SVM_VOTE_NO), ST(SVM_EPERM), "vote with no stake");
	cr_assert_eq(gov(g, 1, SVM_GOV_VOTE, &prop, 1, SVM_VOTE_NO), 0);
	cr_assert_eq(gov(g, 2, SVM_GOV_VOTE, &prop, 2, SVM_VOTE_YES), 0);
	cr_assert(proposal(g, &prop, &p));
	cr_assert_eq(p.tally[0], 7000000000ull);
	cr_assert_eq(p.tally[1], 4000000000ull);
	cr_assert_eq(gov(g, 7, SVM_GOV_EXECUTE, &prop, -1, 0), ST(SVM_ESTATE), "execute during the vote");
	until_height(g, p.end_height);
	cr_assert_eq(gov(g, 3, SVM_GOV_VOTE, &prop, 0, SVM_VOTE_NO), ST(SVM_ESTATE), "vote after the period");
	cr_assert_eq(gov(g, 7, SVM_GOV_CLOSE, &prop, -1, 0), ST(SVM_ESTATE), "close a passed proposal");
	cr_assert_eq(gov(g, 7, SVM_GOV_EXECUTE, &prop, -1, 0), 0);
	svm_id_t pid;
	svm_object_t o;
	svm_params_t now;
	svm_params_id(&pid);
	cr_assert(et_object(&g->e, &pid, &o));
	cr_assert_eq(svm_params_decode(o.payload, o.payload_len, &now), 0);
	cr_assert_eq(now.fee_a, 5000);
	cr_assert_eq(now.amm_fee_bps_max, 50);
	cr_assert_eq(et_balance(&g->e, &g->swr, &prop), 0);
	cr_assert_eq(et_balance(&g->e, &g->swr, user(g, 6)), bal6 + 1000, "deposit refunded");
	cr_assert_eq(gov(g, 7, SVM_GOV_EXECUTE, &prop, -1, 0), ST(SVM_ESTATE), "execute twice");
	/* the new cap governs AMM creation from the next block */
	svm_buf_t amm = {0};
	svm_id_t a = g->e.tok[0], b = g->e.tok[1];
	if (memcmp(a.b, b.b, 32) > 0) a = g->e.tok[1], b = g->e.tok[0];
	cr_assert_eq(svm_amm_payload(&amm, SVM_AMM_CREATE, &a, &b, 51, 100000, 100000, 0), 0);
	cr_assert_eq(run1(g, 4, &amm, true), ST(SVM_EINVAL), "pool fee above the governed cap");
	svm_buf_free(&amm);
	svm_buf_free(&body);
	et_free(&g->e);
	free(g);
}

Test(gov, failed_proposals_cannot_execute_and_close_treasury_spends_only_by_proposal, .init = setup)
{
	gt_t *g = calloc(1, sizeof *g);
	cr_assert(g);
	gt_init(g);
	svm_id_t tid, spend, big, nobody, text;
	svm_treasury_id(&tid);
	svm_buf_t body = {0};
	svm_buf_append(&body, user(g, 7)->b, 32);
	svm_varint_append(&body, 600000);
	cr_assert_eq(submit(g, 6, SVM_PROPOSAL_TREASURY, 1000, &body, &spend), 0);
	body.len = 0;
	svm_buf_append(&body, user(g, 7)->b, 32);
	svm_varint_append(&body, 2000000); /* more than the treasury holds */
	cr_assert_eq(submit(g, 6, SVM_PROPOSAL_TREASURY, 1000, &body, &big), 0);
	cr_assert_eq(submit(g, 6, SVM_PROPOSAL_TREASURY, 1000, &body, &nobody), 0);
	body.len = 0;
	uint8_t h[32] = {9};
	svm_buf_append(&body, h, 32);
	cr_assert_eq(submit(g, 6, SVM_PROPOSAL_TEXT, 5000, &body, &text), 0);
	for (int v = 0; v < 3; v++) {
		cr_assert_eq(gov(g, v, SVM_GOV_VOTE, &spend, v, SVM_VOTE_YES), 0);
		cr_assert_eq(gov(g, v, SVM_GOV_VOTE, &big, v, SVM_VOTE_YES), 0);
		cr_assert_eq(gov(g, v, SVM_GOV_VOTE, &text, v, v == 0 ? SVM_VOTE_YES : SVM_VOTE_NO), 0);
	}
	svm_proposal_t p;
	cr_assert(proposal(g, &text, &p));
	until_height(g, p.end_height);
	uint64_t t0 = et_balance(&g->e, &g->swr, &tid), u7 = et_balance(&g->e, &g->swr, user(g, 7));
	/* the treasury pays only through a passed proposal, and only what it holds */
	cr_assert_eq(gov(g, 4, SVM_GOV_EXECUTE, &big, -1, 0), ST(SVM_EFUNDS));
	cr_assert_eq(et_balance(&g->e, &g->swr, &tid), t0);
	cr_assert_eq(gov(g, 4, SVM_GOV_EXECUTE, &spend, -1, 0), 0);
	cr_assert_eq(et_balance(&g->e, &g->swr, &tid), t0 - 600000);
	cr_assert_eq(et_balance(&g->e, &g->swr, user(g, 7)), u7 + 600000);
	/* no votes: no quorum — cannot execute; closing sends the deposit to the treasury */
	cr_assert_eq(gov(g, 4, SVM_GOV_EXECUTE, &nobody, -1, 0), ST(SVM_ESTATE), "execute a failed proposal");
	cr_assert_eq(gov(g, 4, SVM_GOV_CLOSE, &nobody, -1, 0), 0);
	cr_assert_eq(et_balance(&g->e, &g->swr, &tid), t0 - 600000 + 1000);
	cr_assert_eq(gov(g, 4, SVM_GOV_CLOSE, &nobody, -1, 0), ST(SVM_ESTATE), "close twice");
	/* rejected with quorum (5 yes, 6 no): the deposit goes back to its proposer */
	uint64_t b6 = et_balance(&g->e, &g->swr, user(g, 6));
	cr_assert_eq(gov(g, 4, SVM_GOV_EXECUTE, &text, -1, 0), ST(SVM_ESTATE));
	cr_assert_eq(gov(g, 4, SVM_GOV_CLOSE, &text, -1, 0), 0);
	cr_assert_eq(et_balance(&g->e, &g->swr, user(g, 6)), b6 + 5000);
	svm_id_t missing = {{1}};
	cr_assert_eq(gov(g, 4, SVM_GOV_EXECUTE, &missing, -1, 0), ST(SVM_ENOTFOUND));
	/* malformed bodies never become proposals */
	svm_buf_t bad = {0};
	cr_assert_eq(svm_gov_submit_payload(&bad, SVM_PROPOSAL_PARAMS, 1000, (const uint8_t *)"\x01\x63\x05", 3), 0);
	cr_assert_eq(run1(g, 6, &bad, false), ST(SVM_EDECODE), "unknown parameter index");
	svm_buf_free(&bad);
	svm_buf_free(&body);
	et_free(&g->e);
	free(g);
}

/* ------------------------------------------------------------ the chain */

typedef struct {
	svm_chain_t *c;
	svm_keypair_t k[4];
	uint64_t nonce[4];
	char dir[64];
} ch_t;

static int cmp_id(const void *a, const void *b) { return memcmp(a, b, 32); }

static int build(ch_t *h, int who, const svm_buf_t *payload, bool strict, svm_buf_t *receipt,
		 svm_error_t *err)
{
	svm_buf_t tx = {0};
	svm_id_t w[16], r[4];
	size_t nw = 0, nr = 0;
	if (strict) { /* the reads declared as writes too (ct_tx declares writes only): sorted */
		cr_assert_eq(svm_native_access(&h->k[who].id, h->nonce[who], payload->data, payload->len, w, 12, &nw), 0);
		cr_assert_eq(svm_native_reads(payload->data, payload->len, r, 4, &nr), 0);
		for (size_t i = 0; i < nr; i++) w[nw++] = r[i];
		qsort(w, nw, sizeof w[0], cmp_id);
	}
	ct_txopt_t opt = {.chain_id = 7, .nonce = h->nonce[who]++, .fee_limit = 1000000, .strict = strict};
	svm_hash_t id;
	(void)r;
	cr_assert_eq(ct_tx(&tx, &h->k[who], SVM_VM_NATIVE, payload->data, payload->len, w, nw, &opt, &id), 0);
	const uint8_t *p = tx.data;
	size_t len = tx.len;
	svm_build_result_t res = {0};
	svm_id_t proposer = {{0}};
	int rc = svm_chain_build(h->c, &p, &len, 1, 1700000000000ull, &proposer, &res, err);
	if (rc == 0 && res.status == 0 && receipt) {
		receipt->len = 0;
		rc = svm_chain_receipt(h->c, &id, receipt, NULL, NULL, NULL, NULL);
	}
	svm_buf_free(&tx);
	return rc ? rc : res.status;
}

static int empty(ch_t *h, svm_error_t *err)
{
	svm_id_t proposer = {{0}};
	return svm_chain_build(h->c, NULL, NULL, 0, 1700000000000ull, &proposer, NULL, err);
}

Test(gov, on_a_chain_a_fee_change_governs_the_next_block_and_an_upgrade_plan_stops_it, .init = setup)
{
	ch_t *h = calloc(1, sizeof *h);
	cr_assert(h);
	ct_tmpdir(h->dir);
	svm_fee_params_t fees = {1000, 10, 1, 0};
	svm_genesis_t g;
	cr_assert_eq(ct_genesis(&g, 4, 1000000000000ull, 0, &fees), 0);
	for (int i = 0; i < 4; i++) ct_key((uint64_t)i, &h->k[i]);
	/* one genesis validator (key 0) with all the stake */
	g.validators = calloc(1, sizeof *g.validators);
	g.n_validators = 1;
	memcpy(g.validators[0].pubkey, h->k[0].public_key, 32);
	g.validators[0].id = h->k[0].id;
	g.validators[0].stake = 10000000000ull;
	svm_params_default(&g.params);
	g.params_set = true;
	g.params.gov_voting_blocks = 2;
	g.params.gov_deposit_min = 1000;
	svm_error_t err = {0};
	cr_assert_eq(svm_chain_open(&h->c, h->dir, &g, NULL, &err), 0, "%s", err.msg);
	svm_buf_t body = {0}, pl = {0}, rc_buf = {0};
	svm_varint_append(&body, 2);
	svm_varint_append(&body, (uint64_t)(svm_params_field("fee_a") - svm_params_fields));
	svm_varint_append(&body, 7000);
	svm_varint_append(&body, (uint64_t)(svm_params_field("fee_b") - svm_params_fields));
	svm_varint_append(&body, 3);
	svm_id_t prop;
	svm_gov_proposal_id(&h->k[1].id, 0, &prop);
	cr_assert_eq(svm_gov_submit_payload(&pl, SVM_PROPOSAL_PARAMS, 1000, body.data, body.len), 0);
	cr_assert_eq(build(h, 1, &pl, true, NULL, &err), 0, "%s", err.msg);
	pl.len = 0;
	cr_assert_eq(svm_gov_payload(&pl, SVM_GOV_VOTE, &prop, &h->k[0].id, SVM_VOTE_YES), 0);
	cr_assert_eq(build(h, 0, &pl, true, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(empty(h, &err), 0);
	cr_assert_eq(empty(h, &err), 0);
	pl.len = 0;
	cr_assert_eq(svm_gov_payload(&pl, SVM_GOV_EXECUTE, &prop, NULL, 0), 0);
	cr_assert_eq(build(h, 2, &pl, false, &rc_buf, &err), 0, "%s", err.msg);
	svm_receipt_t r;
	svm_arena_t a;
	svm_arena_init(&a, 0);
	cr_assert_eq(svm_receipt_decode(rc_buf.data, rc_buf.len, &a, &r, NULL), 0);
	cr_assert_eq(r.status, 0, "execute: %u", r.status);
	uint64_t old_fee = 1000 + 10 * r.tx_bytes + r.steps;
	cr_assert_eq(r.fee_charged, old_fee, "the executing block still charged the old fees");
	svm_params_t now;
	cr_assert_eq(svm_chain_params(h->c, &now), 0);
	cr_assert_eq(now.fee_a, 7000);
	/* the next block charges a = 7000, b = 3 */
	pl.len = 0;
	svm_id_t swr;
	svm_token_id("SWR", &swr);
	cr_assert_eq(svm_native_transfer_payload(&pl, &swr, &h->k[1].id, 5), 0);
	cr_assert_eq(build(h, 3, &pl, true, &rc_buf, &err), 0, "%s", err.msg);
	cr_assert_eq(svm_receipt_decode(rc_buf.data, rc_buf.len, &a, &r, NULL), 0);
	cr_assert_eq(r.status, 0);
	cr_assert_eq(r.fee_charged, 7000 + 3 * r.tx_bytes + r.steps, "fee %llu", (unsigned long long)r.fee_charged);

	/* an upgrade plan to another version: the node stops building at its height */
	uint64_t at = svm_chain_height(h->c) + 6;
	body.len = 0;
	svm_varint_append(&body, at);
	svm_varint_append(&body, 9);
	svm_buf_append(&body, "supervm-9", 9);
	svm_gov_proposal_id(&h->k[1].id, h->nonce[1], &prop);
	pl.len = 0;
	cr_assert_eq(svm_gov_submit_payload(&pl, SVM_PROPOSAL_UPGRADE, 1000, body.data, body.len), 0);
	cr_assert_eq(build(h, 1, &pl, true, NULL, &err), 0, "%s", err.msg);
	pl.len = 0;
	cr_assert_eq(svm_gov_payload(&pl, SVM_GOV_VOTE, &prop, &h->k[0].id, SVM_VOTE_YES), 0);
	cr_assert_eq(build(h, 0, &pl, true, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(empty(h, &err), 0);
	cr_assert_eq(empty(h, &err), 0);
	pl.len = 0;
	cr_assert_eq(svm_gov_payload(&pl, SVM_GOV_EXECUTE, &prop, NULL, 0), 0);
	cr_assert_eq(build(h, 2, &pl, false, NULL, &err), 0, "%s", err.msg);
	while (svm_chain_height(h->c) + 1 < at) cr_assert_eq(empty(h, &err), 0, "%s", err.msg);
	err.msg[0] = 0;
	cr_assert_eq(empty(h, &err), SVM_EUNSUPPORTED);
	cr_assert(strstr(err.msg, "requires version supervm-9"), "%s", err.msg);
	cr_assert_eq(svm_chain_height(h->c), at - 1, "nothing committed at the plan's height");
	svm_arena_reset(&a);
	svm_buf_free(&body);
	svm_buf_free(&pl);
	svm_buf_free(&rc_buf);
	svm_chain_close(h->c);
	svm_genesis_free(&g);
	ct_rmdir(h->dir);
	free(h);
}

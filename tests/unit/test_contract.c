/* Contracts end to end through the chain: deploy, call, storage, events, return data, failure
 * and revert, attached value and ledger transfers, and out of gas at every point. The example
 * contracts are built by mk/contracts.mk into build/contracts/. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chaintest.h"

static const svm_fee_params_t FEES = {.a = 1000, .b = 2, .c = 1, .d = 0};
#define FEE_LIMIT 5000000

typedef struct {
	char dir[64];
	svm_chain_t *c;
	svm_keypair_t k[3];
	uint64_t nonce[3];
	svm_id_t swr;
} fx_t;

static void fx_open(fx_t *f)
{
	cr_assert_eq(svm_crypto_init(), 0);
	memset(f, 0, sizeof *f);
	ct_tmpdir(f->dir);
	svm_genesis_t g;
	cr_assert_eq(ct_genesis(&g, 3, 1000000000, 5000, &FEES), 0);
	svm_chain_config_t cfg = {.map_bytes = 1ull << 30, .exec_threads = 1};
	svm_error_t err = {0};
	cr_assert_eq(svm_chain_open(&f->c, f->dir, &g, &cfg, &err), 0, "%s", err.msg);
	svm_genesis_free(&g);
	for (int i = 0; i < 3; i++) ct_key((uint64_t)i, &f->k[i]);
	svm_token_id("SWR", &f->swr);
}

static void fx_close(fx_t *f)
{
	svm_chain_close(f->c);
	ct_rmdir(f->dir);
}

static void read_file(const char *path, svm_buf_t *out)
{
	FILE *fp = fopen(path, "rb");
	cr_assert_not_null(fp, "%s missing: build it with `make contracts`", path);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) cr_assert_eq(svm_buf_append(out, chunk, n), 0);
	fclose(fp);
}

/* Sends one wasm transaction from key `who` in its own block; returns the decoded receipt
 * (events/return data valid until rb is freed). */
static int send(fx_t *f, int who, const svm_buf_t *payload, uint64_t fee_limit, svm_receipt_t *r,
		svm_buf_t *rb, svm_arena_t *a)
{
	svm_buf_t tx = {0};
	svm_hash_t id;
	ct_txopt_t opt = {.chain_id = 7, .nonce = f->nonce[who], .fee_limit = fee_limit};
	cr_assert_eq(ct_tx(&tx, &f->k[who], SVM_VM_WASM, payload->data, payload->len, NULL, 0, &opt, &id), 0);
	const uint8_t *p = tx.data;
	size_t len = tx.len;
	svm_build_result_t res;
	svm_error_t err = {0};
	cr_assert_eq(svm_chain_build(f->c, &p, &len, 1, 1, &f->k[0].id, &res, &err), 0, "%s", err.msg);
	svm_buf_free(&tx);
	if (res.status) return res.status;
	f->nonce[who]++;
	cr_assert_eq(svm_chain_receipt(f->c, &id, rb, NULL, NULL, NULL, NULL), 0);
	cr_assert_eq(svm_receipt_decode(rb->data, rb->len, a, r, NULL), 0);
	return 0;
}

static void deploy(fx_t *f, const char *name, svm_id_t *contract)
{
	char path[128];
	snprintf(path, sizeof path, "build/contracts/%s.wasm", name);
	svm_buf_t code = {0}, payload = {0}, rb = {0};
	read_file(path, &code);
	cr_assert_eq(svm_contract_deploy_payload(&payload, code.data, code.len), 0);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_receipt_t r;
	cr_assert_eq(send(f, 0, &payload, FEE_LIMIT, &r, &rb, &a), 0);
	cr_assert_eq(r.status, 0, "deploy %s: status %u", name, r.status);
	cr_assert_eq(r.return_data_len, 32);
	memcpy(contract->b, r.return_data, 32);
	svm_id_t code_id;
	svm_contract_code_id(code.data, code.len, &code_id);
	svm_buf_t obj = {0};
	cr_assert_eq(svm_chain_object(f->c, &code_id, &obj), 0, "code stored under its hash");
	svm_buf_free(&obj);
	svm_buf_free(&code);
	svm_buf_free(&payload);
	svm_buf_free(&rb);
	svm_arena_reset(&a);
}

static int call(fx_t *f, int who, const svm_id_t *contract, const char *method, const void *in,
		size_t in_len, uint64_t attach, uint64_t fee_limit, svm_receipt_t *r, svm_buf_t *rb,
		svm_arena_t *a)
{
	svm_buf_t payload = {0};
	cr_assert_eq(svm_contract_call_payload(&payload, contract, method, in, in_len,
					       attach ? &f->swr : NULL, attach), 0);
	int rc = send(f, who, &payload, fee_limit, r, rb, a);
	svm_buf_free(&payload);
	return rc;
}

static uint64_t counter_value(fx_t *f, const svm_id_t *contract)
{
	svm_id_t slot;
	svm_contract_slot_id(contract, (const uint8_t *)"count", 5, &slot);
	svm_buf_t b = {0};
	int rc = svm_chain_object(f->c, &slot, &b);
	if (rc == SVM_ENOTFOUND) return 0;
	cr_assert_eq(rc, 0);
	svm_object_t o;
	cr_assert_eq(svm_object_decode(b.data, b.len, &o, NULL), 0);
	cr_assert_eq(o.payload_len, 8);
	uint64_t v = svm_get_u64le(o.payload);
	svm_buf_free(&b);
	return v;
}

static uint64_t swr_of(fx_t *f, const svm_id_t *id)
{
	uint64_t v;
	cr_assert_eq(svm_chain_balance(f->c, &f->swr, id, &v), 0);
	return v;
}

Test(contract, counter_deploy_call_events_and_return_data)
{
	fx_t f;
	fx_open(&f);
	svm_id_t ctr;
	deploy(&f, "counter", &ctr);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	for (uint64_t i = 1; i <= 3; i++) {
		svm_buf_t rb = {0};
		svm_receipt_t r;
		uint8_t by[8];
		svm_put_u64le(by, 10);
		cr_assert_eq(call(&f, 1, &ctr, "increment", by, 8, 0, FEE_LIMIT, &r, &rb, &a), 0);
		cr_assert_eq(r.status, 0, "status %u", r.status);
		cr_assert_eq(r.events_len, 1);
		cr_assert(svm_hash_eq(&r.events[0].emitter, &ctr));
		cr_assert_eq(r.events[0].topic_len, 5);
		cr_assert_eq(svm_get_u64le(r.events[0].data), 10 * i);
		cr_assert_eq(r.return_data_len, 8);
		cr_assert_eq(svm_get_u64le(r.return_data), 10 * i);
		cr_assert_gt(r.steps, 0);
		cr_assert_gt(r.mem_bytes, 0);
		svm_buf_free(&rb);
	}
	cr_assert_eq(counter_value(&f, &ctr), 30);
	svm_arena_reset(&a);
	fx_close(&f);
}

Test(contract, abort_reverts_storage_and_still_pays_the_fee)
{
	fx_t f;
	fx_open(&f);
	svm_id_t ctr;
	deploy(&f, "counter", &ctr);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_buf_t rb = {0};
	svm_receipt_t r;
	cr_assert_eq(call(&f, 1, &ctr, "increment", NULL, 0, 0, FEE_LIMIT, &r, &rb, &a), 0);
	svm_buf_free(&rb);
	uint64_t before = swr_of(&f, &f.k[1].id);
	cr_assert_eq(call(&f, 1, &ctr, "fail", NULL, 0, 0, FEE_LIMIT, &r, &rb, &a), 0);
	cr_assert_eq(r.status, svm_receipt_status(SVM_EABORT));
	cr_assert_eq(r.events_len, 0);
	cr_assert_eq(r.return_data_len, 15, "the abort message is the receipt's return data");
	cr_assert_eq(memcmp(r.return_data, "fail on purpose", 15), 0);
	cr_assert_eq(counter_value(&f, &ctr), 1, "the increment before the abort was undone");
	cr_assert_eq(swr_of(&f, &f.k[1].id), before - r.fee_charged);
	cr_assert_gt(r.fee_charged, 0);
	svm_buf_free(&rb);
	/* Unknown method, unknown contract, a malformed module: each a failed receipt. */
	cr_assert_eq(call(&f, 1, &ctr, "nope", NULL, 0, 0, FEE_LIMIT, &r, &rb, &a), 0);
	cr_assert_eq(r.status, svm_receipt_status(SVM_ENOTFOUND));
	svm_buf_free(&rb);
	svm_id_t ghost = {{1}};
	cr_assert_eq(r.return_data_len, 0, "a failure that is not an abort returns nothing");
	cr_assert_eq(call(&f, 1, &ghost, "get", NULL, 0, 0, FEE_LIMIT, &r, &rb, &a), 0);
	cr_assert_eq(r.status, svm_receipt_status(SVM_ENOTFOUND));
	svm_buf_free(&rb);
	svm_buf_t bad = {0};
	const uint8_t junk[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0xff};
	cr_assert_eq(svm_contract_deploy_payload(&bad, junk, sizeof junk), 0);
	cr_assert_eq(send(&f, 1, &bad, FEE_LIMIT, &r, &rb, &a), 0);
	cr_assert_eq(r.status, svm_receipt_status(SVM_EVALIDATE));
	svm_buf_free(&rb);
	svm_buf_free(&bad);
	svm_arena_reset(&a);
	fx_close(&f);
}

Test(contract, out_of_gas_at_every_point_changes_nothing_but_the_fee)
{
	fx_t f;
	fx_open(&f);
	svm_id_t ctr;
	deploy(&f, "counter", &ctr);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_buf_t rb = {0};
	svm_receipt_t r;
	/* Measure one successful increment, then retry with every smaller fee limit (in steps of
	 * the fee) down to the intrinsic fee: each either succeeds completely or fails EGAS with
	 * the counter unchanged and exactly the fee limit charged. */
	cr_assert_eq(call(&f, 1, &ctr, "increment", NULL, 0, 0, FEE_LIMIT, &r, &rb, &a), 0);
	cr_assert_eq(r.status, 0);
	uint64_t full = r.fee_charged, intrinsic = FEES.a + FEES.b * r.tx_bytes;
	svm_buf_free(&rb);
	uint64_t expect = 1, step = (full - intrinsic) / 60 + 1, failures = 0;
	for (uint64_t limit = intrinsic; limit <= full + step; limit += step) {
		uint64_t before = swr_of(&f, &f.k[1].id);
		cr_assert_eq(call(&f, 1, &ctr, "increment", NULL, 0, 0, limit, &r, &rb, &a), 0);
		if (r.status == 0) {
			expect++;
			cr_assert_leq(r.fee_charged, limit);
		} else {
			failures++;
			cr_assert_eq(r.status, svm_receipt_status(SVM_EGAS), "limit %llu: status %u",
				     (unsigned long long)limit, r.status);
			cr_assert_eq(r.fee_charged, limit);
			cr_assert_eq(r.events_len, 0);
		}
		cr_assert_eq(counter_value(&f, &ctr), expect, "limit %llu", (unsigned long long)limit);
		cr_assert_eq(swr_of(&f, &f.k[1].id), before - r.fee_charged);
		svm_buf_free(&rb);
	}
	cr_assert_gt(failures, 50);
	/* An endless loop stops at the limit. */
	cr_assert_eq(call(&f, 1, &ctr, "spin", NULL, 0, 0, 200000, &r, &rb, &a), 0);
	cr_assert_eq(r.status, svm_receipt_status(SVM_EGAS));
	cr_assert_eq(r.fee_charged, 200000);
	svm_buf_free(&rb);
	svm_arena_reset(&a);
	fx_close(&f);
}

Test(contract, token_wraps_ledger_swr_and_conserves_it)
{
	fx_t f;
	fx_open(&f);
	svm_id_t tok;
	deploy(&f, "token", &tok);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_buf_t rb = {0};
	svm_receipt_t r;
	cr_assert_eq(call(&f, 1, &tok, "deposit", NULL, 0, 1000, FEE_LIMIT, &r, &rb, &a), 0);
	cr_assert_eq(r.status, 0, "status %u", r.status);
	svm_buf_free(&rb);
	cr_assert_eq(swr_of(&f, &tok), 1000);
	uint8_t in[40];
	memcpy(in, f.k[2].id.b, 32);
	svm_put_u64le(in + 32, 300);
	cr_assert_eq(call(&f, 1, &tok, "transfer", in, 40, 0, FEE_LIMIT, &r, &rb, &a), 0);
	cr_assert_eq(r.status, 0);
	svm_buf_free(&rb);
	uint64_t before = swr_of(&f, &f.k[2].id);
	uint8_t amt[8];
	svm_put_u64le(amt, 300);
	cr_assert_eq(call(&f, 2, &tok, "withdraw", amt, 8, 0, FEE_LIMIT, &r, &rb, &a), 0);
	cr_assert_eq(r.status, 0);
	cr_assert_eq(swr_of(&f, &f.k[2].id), before - r.fee_charged + 300);
	svm_buf_free(&rb);
	cr_assert_eq(swr_of(&f, &tok), 700);
	/* Withdrawing more than held aborts and moves nothing. */
	svm_put_u64le(amt, 301);
	cr_assert_eq(call(&f, 2, &tok, "withdraw", amt, 8, 0, FEE_LIMIT, &r, &rb, &a), 0);
	cr_assert_eq(r.status, svm_receipt_status(SVM_EABORT));
	cr_assert_eq(swr_of(&f, &tok), 700);
	svm_buf_free(&rb);
	cr_assert_eq(call(&f, 1, &tok, "total_supply", NULL, 0, 0, FEE_LIMIT, &r, &rb, &a), 0);
	cr_assert_eq(svm_get_u64le(r.return_data), 700);
	svm_buf_free(&rb);
	svm_arena_reset(&a);
	fx_close(&f);
}

Test(contract, escrow_holds_and_releases_only_to_allowed_parties)
{
	fx_t f;
	fx_open(&f);
	svm_id_t esc;
	deploy(&f, "escrow", &esc);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_buf_t rb = {0};
	svm_receipt_t r;
	uint8_t in[96];
	memcpy(in, f.k[2].id.b, 32);      /* seller */
	memcpy(in + 32, f.k[0].id.b, 32); /* arbiter */
	memcpy(in + 64, f.swr.b, 32);
	cr_assert_eq(call(&f, 1, &esc, "open", in, 96, 5000, FEE_LIMIT, &r, &rb, &a), 0);
	cr_assert_eq(r.status, 0, "status %u", r.status);
	svm_buf_free(&rb);
	cr_assert_eq(swr_of(&f, &esc), 5000);
	/* The seller may not release to itself. */
	cr_assert_eq(call(&f, 2, &esc, "release", NULL, 0, 0, FEE_LIMIT, &r, &rb, &a), 0);
	cr_assert_eq(r.status, svm_receipt_status(SVM_EABORT));
	svm_buf_free(&rb);
	uint64_t seller = swr_of(&f, &f.k[2].id);
	cr_assert_eq(call(&f, 1, &esc, "release", NULL, 0, 0, FEE_LIMIT, &r, &rb, &a), 0);
	cr_assert_eq(r.status, 0);
	svm_buf_free(&rb);
	cr_assert_eq(swr_of(&f, &f.k[2].id), seller + 5000);
	cr_assert_eq(swr_of(&f, &esc), 0);
	cr_assert_eq(call(&f, 1, &esc, "status", NULL, 0, 0, FEE_LIMIT, &r, &rb, &a), 0);
	cr_assert_eq(r.return_data[0], 2);
	svm_buf_free(&rb);
	svm_arena_reset(&a);
	fx_close(&f);
}

/* ------------------------------------------------------------------------------------------
 * Out of gas at every possible point, at the executor level (no LMDB): a base state in memory,
 * the counter deployed, then one increment per fee limit from the intrinsic fee to the full
 * cost — every step limit in between. A failed call may write only the fee objects. */

typedef struct {
	svm_map_t map; /* id -> svm_buf_t* (NULL data = absent) */
} membase_t;

static int mb_get(void *ud, unsigned worker, const svm_id_t *id, const uint8_t **b, size_t *n)
{
	svm_buf_t *v = svm_map_get(&((membase_t *)ud)->map, id->b, SVM_HASH_SIZE);
	if (v == NULL || v->data == NULL) return SVM_ENOTFOUND;
	*b = v->data;
	*n = v->len;
	return 0;
}

static void mb_apply(membase_t *m, const svm_exec_result_t *r)
{
	for (size_t i = 0; i < r->writes_len; i++) {
		void **slot = svm_map_put(&m->map, r->writes[i].id.b, SVM_HASH_SIZE, NULL);
		cr_assert_not_null(slot);
		if (*slot == NULL) *slot = calloc(1, sizeof(svm_buf_t));
		svm_buf_t *v = *slot;
		svm_buf_free(v);
		if (r->writes[i].bytes) cr_assert_eq(svm_buf_append(v, r->writes[i].bytes, r->writes[i].len), 0);
	}
}

static void mb_free(membase_t *m)
{
	size_t i = 0;
	svm_map_slot_t *s;
	while ((s = svm_map_next(&m->map, &i))) {
		svm_buf_free(s->value);
		free(s->value);
	}
	svm_map_free(&m->map);
}

static int mint_fn(svm_txctx_t *c, void *ud)
{
	const svm_keypair_t *k = ud;
	svm_id_t swr;
	svm_token_id("SWR", &swr);
	int rc = svm_ledger_token_create(c, &swr, "SWR", 9);
	return rc ? rc : svm_ledger_mint(c, &swr, &k->id, 1000000000000ull);
}

/* Executes one signed tx over the base; returns its status (0 included) and the result. */
static int exec_one(membase_t *m, const svm_block_env_t *env, const svm_buf_t *tx, svm_arena_t *a,
		    svm_exec_result_t *res)
{
	svm_exec_base_t base = {mb_get, m};
	svm_exec_tx_t etx;
	const uint8_t *p = tx->data;
	size_t len = tx->len;
	cr_assert_eq(svm_exec_prepare(env->chain_id, &p, &len, 1, NULL, 1, a, &etx), 0);
	cr_assert_eq(svm_exec_sequential(env, &etx, 1, SVM_EXEC_BUILD, &base, a, res, NULL), 0);
	return res->status[0];
}

Test(contract, out_of_gas_at_every_step_limit_writes_only_the_fee)
{
	cr_assert_eq(svm_crypto_init(), 0);
	svm_keypair_t k;
	ct_key(0, &k);
	membase_t m;
	svm_map_init(&m.map);
	svm_block_env_t env = {.chain_id = 7, .height = 1, .fees = FEES};
	svm_token_id("SWR", &env.fee_token);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_exec_base_t base = {mb_get, &m};
	svm_exec_result_t res;
	cr_assert_eq(svm_exec_system(&env, &base, mint_fn, &k, &a, &res), 0);
	mb_apply(&m, &res);
	/* Deploy the counter. */
	svm_buf_t code = {0}, payload = {0}, tx = {0};
	read_file("build/contracts/counter.wasm", &code);
	cr_assert_eq(svm_contract_deploy_payload(&payload, code.data, code.len), 0);
	ct_txopt_t opt = {.chain_id = 7, .fee_limit = FEE_LIMIT};
	cr_assert_eq(ct_tx(&tx, &k, SVM_VM_WASM, payload.data, payload.len, NULL, 0, &opt, NULL), 0);
	cr_assert_eq(exec_one(&m, &env, &tx, &a, &res), 0);
	cr_assert_eq(res.receipts[0].status, 0);
	svm_id_t ctr, slot, acct, bal, tok;
	memcpy(ctr.b, res.receipts[0].return_data, 32);
	mb_apply(&m, &res);
	svm_contract_slot_id(&ctr, (const uint8_t *)"count", 5, &slot);
	svm_account_id(&k.id, &acct);
	svm_balance_id(&env.fee_token, &k.id, &bal);
	svm_token_object_id(&env.fee_token, &tok);
	/* The full cost of one increment at nonce 1. */
	svm_buf_free(&payload);
	cr_assert_eq(svm_contract_call_payload(&payload, &ctr, "increment", NULL, 0, NULL, 0), 0);
	opt.nonce = 1;
	svm_buf_reset(&tx);
	cr_assert_eq(ct_tx(&tx, &k, SVM_VM_WASM, payload.data, payload.len, NULL, 0, &opt, NULL), 0);
	cr_assert_eq(exec_one(&m, &env, &tx, &a, &res), 0);
	cr_assert_eq(res.receipts[0].status, 0);
	uint64_t full = res.receipts[0].fee_charged, intrinsic = FEES.a + FEES.b * tx.len;
	cr_assert_gt(full - intrinsic, 500, "the call meters a real number of steps");
	size_t failures = 0;
	for (uint64_t limit = intrinsic; limit <= full; limit++) {
		svm_arena_reset(&a);
		opt.fee_limit = limit;
		svm_buf_reset(&tx);
		cr_assert_eq(ct_tx(&tx, &k, SVM_VM_WASM, payload.data, payload.len, NULL, 0, &opt, NULL), 0);
		/* The encoding length may vary with the limit's varint: keep the fee formula exact. */
		cr_assert_eq(exec_one(&m, &env, &tx, &a, &res), 0, "limit %llu excluded", (unsigned long long)limit);
		const svm_receipt_t *r = &res.receipts[0];
		bool wrote_slot = false;
		for (size_t i = 0; i < res.writes_len; i++) {
			const svm_id_t *id = &res.writes[i].id;
			wrote_slot |= svm_hash_eq(id, &slot);
			if (r->status)
				cr_assert(svm_hash_eq(id, &acct) || svm_hash_eq(id, &bal) || svm_hash_eq(id, &tok),
					  "limit %llu: a failed call wrote another object", (unsigned long long)limit);
		}
		if (r->status) {
			failures++;
			cr_assert_eq(r->status, svm_receipt_status(SVM_EGAS), "limit %llu: status %u",
				     (unsigned long long)limit, r->status);
			cr_assert_eq(r->fee_charged, limit);
			cr_assert_eq(r->events_len, 0);
			cr_assert(!wrote_slot);
		} else {
			cr_assert(wrote_slot);
			cr_assert_leq(r->fee_charged, limit);
		}
	}
	cr_assert_gt(failures, 500);
	svm_arena_reset(&a);
	svm_buf_free(&code);
	svm_buf_free(&payload);
	svm_buf_free(&tx);
	mb_free(&m);
}

/* Code that could never run is refused at deploy (issue 16), not accepted and then failed on
 * every call: a memory whose minimum is above the contract limit (SVM_ELIMIT) and an import the
 * host does not provide (SVM_EVALIDATE). Each is a failed receipt that writes no code object,
 * and svm_contract_check_code says why. */
Test(contract, deploy_refuses_code_that_could_never_run)
{
	fx_t f;
	fx_open(&f);
	svm_receipt_t r;
	svm_buf_t rb = {0};
	svm_arena_t a;
	svm_arena_init(&a, 0);
	/* (memory 257): one page above SVM_CONTRACT_MEMORY_PAGES_MAX */
	const uint8_t big[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 5, 4, 1, 0, 0x81, 0x02};
	_Static_assert(SVM_CONTRACT_MEMORY_PAGES_MAX == 256, "the module asks for 257 pages");
	/* imports env.nope, a function the host does not define */
	const uint8_t imp[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0,
			       2, 12, 1, 3, 'e', 'n', 'v', 4, 'n', 'o', 'p', 'e', 0, 0};
	svm_error_t err = {0};
	cr_assert_eq(svm_contract_check_code(big, sizeof big, &err), SVM_ELIMIT);
	cr_assert(strstr(err.msg, "257 pages exceeds the limit of 256"), "message: %s", err.msg);
	cr_assert_eq(svm_contract_check_code(imp, sizeof imp, &err), SVM_EVALIDATE);
	cr_assert(strstr(err.msg, "env.nope"), "message: %s", err.msg);
	const struct {
		const uint8_t *code;
		size_t len;
		int want;
	} cases[] = {{big, sizeof big, SVM_ELIMIT}, {imp, sizeof imp, SVM_EVALIDATE}};
	for (size_t i = 0; i < 2; i++) {
		svm_buf_t p = {0};
		cr_assert_eq(svm_contract_deploy_payload(&p, cases[i].code, cases[i].len), 0);
		cr_assert_eq(send(&f, 1, &p, FEE_LIMIT, &r, &rb, &a), 0);
		cr_assert_eq(r.status, svm_receipt_status(cases[i].want), "case %zu: status %u", i, r.status);
		svm_id_t code_id;
		svm_contract_code_id(cases[i].code, cases[i].len, &code_id);
		svm_buf_t ob = {0};
		cr_assert_eq(svm_chain_object(f.c, &code_id, &ob), SVM_ENOTFOUND, "case %zu: code stored", i);
		svm_buf_free(&ob);
		svm_buf_free(&rb);
		svm_buf_free(&p);
	}
	svm_arena_reset(&a);
	fx_close(&f);
}

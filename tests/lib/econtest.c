/* Helpers for the economy's tests (econtest.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/econtest.h"

static int setup_fn(svm_txctx_t *c, void *ud)
{
	et_world_t *e = ud;
	uint64_t amount = e->amount;
	int rc = 0;
	const char *sym[3] = {"T1", "T2", "T3"};
	for (int i = 1; rc == 0 && i < ET_TOKENS; i++)
		rc = svm_ledger_token_create(c, &e->tok[i], sym[i - 1], 6);
	for (size_t u = 0; rc == 0 && u < e->w.cfg.accounts; u++) {
		rc = svm_ledger_mint(c, &e->w.tokens[0], &e->w.owners[u], 1000000000000ull);
		for (int i = 0; rc == 0 && i < ET_TOKENS; i++) {
			uint64_t have = 0;
			rc = svm_ledger_balance(c, &e->tok[i], &e->w.owners[u], &have);
			/* the world's genesis gave some AIC: top up to exactly amount */
			if (rc == 0 && have < amount) rc = svm_ledger_mint(c, &e->tok[i], &e->w.owners[u], amount - have);
			if (rc == 0 && have > amount) rc = svm_ledger_burn(c, &e->tok[i], &e->w.owners[u], have - amount);
		}
	}
	return rc;
}

int et_init(et_world_t *e, uint64_t seed, size_t users, uint64_t amount)
{
	memset(e, 0, sizeof *e);
	eg_rng_t r = {.s = seed};
	eg_config_t cfg = {.accounts = users, .strict_pct = 50};
	int rc = eg_world_init(&e->w, &r, &cfg);
	if (rc) return rc;
	e->w.env.fees = (svm_fee_params_t){1000, 2, 1, 0};
	e->tok[0] = e->w.tokens[1]; /* AIC */
	for (int i = 1; i < ET_TOKENS; i++) {
		uint8_t be[8];
		svm_put_u64be(be, (uint64_t)i);
		svm_slice_t part = {be, 8};
		svm_sha256_tagged("et/token", &part, 1, &e->tok[i]);
	}
	svm_arena_init(&e->a, 0);
	e->threads = 2;
	e->amount = amount;
	svm_exec_base_t base = eg_base(&e->w);
	rc = svm_exec_system(&e->w.env, &base, setup_fn, e, &e->a, &e->res);
	if (rc == 0) rc = eg_apply(&e->w, &e->res);
	svm_arena_reset(&e->a);
	memset(&e->res, 0, sizeof e->res);
	return rc;
}

void et_free(et_world_t *e)
{
	svm_arena_reset(&e->a);
	eg_world_free(&e->w);
}

static int cmp_id(const void *a, const void *b) { return memcmp(a, b, SVM_HASH_SIZE); }

int et_tx(et_world_t *e, svm_exec_tx_t *t, size_t u, const svm_buf_t *payload, bool strict)
{
	eg_world_t *w = &e->w;
	svm_tx_t *tx = &t->tx;
	memset(t, 0, sizeof *t);
	tx->chain_id = 7;
	tx->sender = w->owners[u];
	tx->nonce = w->nonce[u]++;
	tx->expiry_height = w->env.height + 10;
	tx->fee_limit = 100000;
	tx->vm = SVM_VM_NATIVE;
	tx->payload = svm_arena_dup(&w->arena, payload->data, payload->len ? payload->len : 1);
	tx->payload_len = payload->len;
	tx->access_mode = strict ? SVM_ACCESS_STRICT : SVM_ACCESS_DYNAMIC;
	if (tx->payload == NULL) return SVM_ENOMEM;
	if (strict) {
		svm_id_t ids[16];
		size_t n = 0;
		/* a malformed payload declares nothing (it fails before touching state) */
		if (svm_native_access(&tx->sender, tx->nonce, tx->payload, tx->payload_len, ids, 16, &n))
			n = 0;
		qsort(ids, n, sizeof ids[0], cmp_id);
		svm_id_t *wr = svm_arena_dup(&w->arena, ids, (n ? n : 1) * sizeof ids[0]);
		if (wr == NULL) return SVM_ENOMEM;
		tx->writes = wr;
		tx->writes_len = (uint32_t)n;
		if (svm_native_reads(tx->payload, tx->payload_len, ids, 16, &n)) n = 0;
		svm_id_t *rd = svm_arena_dup(&w->arena, ids, (n ? n : 1) * sizeof ids[0]);
		if (rd == NULL) return SVM_ENOMEM;
		tx->reads = rd;
		tx->reads_len = (uint32_t)n;
	}
	t->len = 200;
	svm_put_u64be(t->id.b, w->env.height + 1);
	svm_put_u64be(t->id.b + 8, u);
	svm_put_u64be(t->id.b + 16, tx->nonce);
	return 0;
}

int et_block(et_world_t *e, svm_exec_tx_t *txs, size_t n, char *why, size_t why_len)
{
	svm_arena_reset(&e->a);
	e->w.env.height++;
	e->w.txs = txs;
	e->w.n = n;
	svm_exec_metrics_t m = {0};
	/* these blocks check the engines against the reference: most are small enough for the
	 * small-block rule to give them to the reference (docs/aoem.md) */
	setenv("SVM_EXEC_WORK_MIN_US", "0", 1);
	int rc = eg_check(&e->w, SVM_EXEC_BUILD, e->threads, &e->a, &e->res, why, why_len, &m);
	if (rc) return rc;
	e->par_txs += m.dag_txs + m.stm_txs;
	e->last = m;
	return eg_apply(&e->w, &e->res) ? (snprintf(why, why_len, "apply failed"), 1) : 0;
}

bool et_object(et_world_t *e, const svm_id_t *id, svm_object_t *o)
{
	svm_exec_base_t base = eg_base(&e->w);
	const uint8_t *b;
	size_t n;
	if (base.get(base.ud, 0, id, &b, &n)) return false;
	return svm_object_decode(b, n, o, NULL) == 0;
}

uint64_t et_balance(et_world_t *e, const svm_id_t *token, const svm_id_t *owner)
{
	svm_id_t id;
	svm_balance_id(token, owner, &id);
	svm_object_t o;
	if (!et_object(e, &id, &o)) return 0;
	svm_reader_t r = svm_reader(o.payload + SVM_HASH_SIZE, o.payload_len - SVM_HASH_SIZE);
	uint64_t v = 0;
	svm_varint_read(&r, &v);
	return v;
}

uint64_t et_supply(et_world_t *e, const svm_id_t *token)
{
	svm_id_t id;
	svm_token_object_id(token, &id);
	svm_object_t o;
	if (!et_object(e, &id, &o)) return 0;
	svm_reader_t r = svm_reader(o.payload, o.payload_len);
	uint64_t sl = 0, dec, supply = 0;
	const uint8_t *sym;
	if (svm_varint_read(&r, &sl) || svm_reader_bytes(&r, sl, &sym) || svm_varint_read(&r, &dec) ||
	    svm_varint_read(&r, &supply))
		return 0;
	return supply;
}

bool et_pool(et_world_t *e, const svm_id_t *pool, svm_amm_pool_t *p)
{
	svm_object_t o;
	return et_object(e, pool, &o) && svm_amm_pool_decode(o.payload, o.payload_len, p) == 0;
}

static int params_fn(svm_txctx_t *c, void *ud) { return svm_params_put(c, ud); }

int et_system(et_world_t *e, svm_exec_system_fn fn, void *ud)
{
	svm_arena_reset(&e->a);
	svm_exec_base_t base = eg_base(&e->w);
	int rc = svm_exec_system(&e->w.env, &base, fn, ud, &e->a, &e->res);
	if (rc == 0) rc = eg_apply(&e->w, &e->res);
	memset(&e->res, 0, sizeof e->res);
	return rc;
}

int et_set_params(et_world_t *e, const svm_params_t *p) { return et_system(e, params_fn, (void *)p); }

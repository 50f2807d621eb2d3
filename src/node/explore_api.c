/* What the block explorer lists (docs/explorer.md): every token balance of an account
 * (svm_getBalances, a bounded scan of the current objects) and what happened in a range of
 * blocks — an account's transactions, governance proposals, AMM pools, AI jobs
 * (svm_listActivity, a bounded scan of blocks backwards from a height, with a cursor). The node
 * keeps no index for these: each call reads at most a fixed number of objects or blocks. */
#include <stdlib.h>
#include <string.h>

#include "node/internal.h"
#include "supervm/ai.h"
#include "supervm/econ.h"
#include "supervm/evm.h"
#include "supervm/vm.h"

#define BALANCES_SCAN_MAX 2000000u /* objects one svm_getBalances call reads */
#define BALANCES_MAX 256u          /* balances it returns */
#define ACTIVITY_BLOCKS_DEFAULT 1000u
#define ACTIVITY_BLOCKS_MAX 5000u /* blocks one svm_listActivity call reads */
#define ACTIVITY_LIMIT_DEFAULT 50u
#define ACTIVITY_LIMIT_MAX 200u    /* items it returns (a block is never split) */
#define ACTIVITY_PAYLOAD_MAX 4096u /* an account item carries its payload up to this size */

/* ------------------------------------------------------------ balances */

typedef struct {
	svm_id_t token;
	uint64_t amount;
} balance_t;

static int cmp_balance(const void *a, const void *b)
{
	return memcmp(((const balance_t *)a)->token.b, ((const balance_t *)b)->token.b, 32);
}

/* Reads the balance objects owned by owner into out[BALANCES_MAX]; *scanned objects read. */
static int scan_balances(svm_node_t *n, const svm_id_t *owner, balance_t *out, size_t *count, uint64_t *scanned,
			 uint64_t *height, bool *complete)
{
	svm_store_txn_t *t = NULL;
	svm_store_cursor_t *cur = NULL;
	svm_error_t err = {0};
	int rc = svm_store_read_begin(svm_chain_store(n->chain), &t, &err);
	if (rc == 0) rc = svm_store_meta_get_u64(t, "state.height", height);
	if (rc == 0) rc = svm_store_cursor_open(t, SVM_TABLE_OBJECTS, &cur);
	*count = 0;
	*scanned = 0;
	*complete = true;
	svm_store_val_t k, v;
	int step = rc == 0 ? svm_store_cursor_seek(cur, NULL, 0, &k, &v) : rc;
	while (step == 0) {
		if (*scanned == BALANCES_SCAN_MAX || *count == BALANCES_MAX) {
			*complete = false;
			break;
		}
		++*scanned;
		svm_object_t o;
		const uint8_t *tok;
		uint64_t amount;
		if (svm_object_decode(v.p, v.len, &o, NULL) == 0 && o.type == SVM_OBJ_BALANCE &&
		    o.owner_kind == SVM_OWNER_ADDRESS && svm_hash_eq(&o.owner, owner)) {
			svm_reader_t r = svm_reader(o.payload, o.payload_len);
			if (svm_reader_bytes(&r, 32, &tok) == 0 && svm_varint_read(&r, &amount) == 0) {
				memcpy(out[*count].token.b, tok, 32);
				out[(*count)++].amount = amount;
			}
		}
		step = svm_store_cursor_next(cur, &k, &v);
	}
	if (rc == 0 && step != 0 && step != SVM_ENOTFOUND) rc = step;
	svm_store_cursor_close(cur);
	if (t != NULL) svm_store_abort(t);
	return rc;
}

/* svm_getBalances [id] → {id, height, balances: [{token, symbol, decimals, amount}], scanned,
 * complete}: every non-zero balance, SWR and AIC first, then by token id. */
static json_t *m_balances(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	json_t *v = svm_rpc_param(params, 0, "id");
	svm_id_t owner;
	if (!json_is_string(v) || svm_hash_from_hex(&owner, json_string_value(v)) != 0)
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 0 (id) must be 64 hex digits");
	balance_t *b = svm_malloc(BALANCES_MAX * sizeof *b);
	if (b == NULL) return svm_rpc_fail(e, SVM_RPC_INTERNAL_ERROR, "out of memory");
	size_t count = 0;
	uint64_t scanned = 0, height = 0;
	bool complete = true;
	int rc = scan_balances(n, &owner, b, &count, &scanned, &height, &complete);
	if (rc != 0) {
		svm_free(b);
		return svm_rpc_fail(e, SVM_RPC_INTERNAL_ERROR, "balances: %s", svm_strerror(rc));
	}
	qsort(b, count, sizeof *b, cmp_balance);
	json_t *arr = json_array();
	for (int pass = 0; pass < 2; pass++) /* SWR and AIC first */
		for (size_t i = 0; i < count; i++) {
			bool native = svm_hash_eq(&b[i].token, &n->swr) || svm_hash_eq(&b[i].token, &n->aic);
			if (native != (pass == 0)) continue;
			svm_token_info_t info;
			json_t *item = json_pack("{s:o, s:o}", "token", jhash(&b[i].token), "amount", ju64(b[i].amount));
			if (node_token_info(n, &b[i].token, &info) == 0) {
				json_object_set_new(item, "symbol", json_string(info.symbol));
				json_object_set_new(item, "decimals", json_integer(info.decimals));
			}
			json_array_append_new(arr, item);
		}
	svm_free(b);
	return json_pack("{s:o, s:o, s:o, s:o, s:b}", "id", jhash(&owner), "height", ju64(height), "balances", arr,
			 "scanned", ju64(scanned), "complete", complete);
}

/* ------------------------------------------------------------ activity */

enum { KIND_ACCOUNT,
       KIND_PROPOSALS,
       KIND_POOLS,
       KIND_JOBS };
static const char *const KIND_NAMES[] = {"account", "proposals", "pools", "jobs"};

typedef struct {
	svm_node_t *n;
	int kind;
	svm_id_t account;
	json_t *items;
} scan_t;

/* The receipt's status name ("success", an error name, or "unknown" without a receipt); *ok
 * when it succeeded. */
static const char *tx_status(svm_node_t *n, const svm_hash_t *id, bool *ok)
{
	svm_buf_t rb = {0};
	svm_arena_t a;
	svm_arena_init(&a, 1u << 20);
	svm_receipt_t r;
	const char *name = "unknown";
	*ok = false;
	if (svm_chain_receipt(n->chain, id, &rb, NULL, NULL, NULL, NULL) == 0 &&
	    svm_receipt_decode(rb.data, rb.len, &a, &r, NULL) == 0) {
		*ok = r.status == 0;
		name = *ok ? "success" : svm_strerror(-(int)r.status);
	}
	svm_arena_reset(&a);
	svm_buf_free(&rb);
	return name;
}

/* The account's part in t: "sender", "recipient" (of a ledger transfer), "contract" (called). */
static const char *account_role(const svm_tx_t *t, const svm_id_t *acct)
{
	if (svm_hash_eq(&t->sender, acct)) return "sender";
	svm_reader_t r = svm_reader(t->payload, t->payload_len);
	uint64_t prog, method;
	const uint8_t *p;
	if (t->vm == SVM_VM_NATIVE && svm_varint_read(&r, &prog) == 0 && prog == SVM_PROGRAM_LEDGER &&
	    svm_varint_read(&r, &method) == 0 && method == SVM_LEDGER_TRANSFER && svm_reader_bytes(&r, 32, &p) == 0 &&
	    svm_reader_bytes(&r, 32, &p) == 0 && memcmp(p, acct->b, 32) == 0)
		return "recipient";
	uint8_t op;
	if (t->vm == SVM_VM_WASM && svm_reader_u8(&r, &op) == 0 && op == SVM_CONTRACT_OP_CALL &&
	    svm_reader_bytes(&r, 32, &p) == 0 && memcmp(p, acct->b, 32) == 0)
		return "contract";
	return NULL;
}

static json_t *item_base(svm_node_t *n, uint64_t h, uint32_t i, const svm_hash_t *id, const svm_tx_t *t, bool *ok)
{
	const char *st = tx_status(n, id, ok);
	return json_pack("{s:o, s:i, s:o, s:o, s:s}", "height", ju64(h), "index", (json_int_t)i, "tx_hash", jhash(id),
			 "sender", jhash(&t->sender), "status", st);
}

/* Adds what transaction t (index i of block h) contributes to s->items. */
static void scan_tx(scan_t *s, uint64_t h, uint32_t i, const svm_hash_t *id, const svm_tx_t *t)
{
	bool ok;
	if (s->kind == KIND_ACCOUNT) {
		const char *role = account_role(t, &s->account);
		if (role == NULL) return;
		json_t *it = item_base(s->n, h, i, id, t, &ok);
		json_object_set_new(it, "role", json_string(role));
		json_object_set_new(it, "vm", json_string(t->vm == SVM_VM_NATIVE ? "native" : t->vm == SVM_VM_WASM ? "wasm"
														   : "evm"));
		json_object_set_new(it, "payload_bytes", ju64(t->payload_len));
		if (t->payload_len <= ACTIVITY_PAYLOAD_MAX) {
			char *hex = svm_malloc(2 * t->payload_len + 3);
			if (hex != NULL) {
				hex[0] = '0', hex[1] = 'x';
				svm_hex_encode(hex + 2, t->payload, t->payload_len);
				json_object_set_new(it, "payload", json_string(hex));
				svm_free(hex);
			}
		}
		json_array_append_new(s->items, it);
		return;
	}
	svm_reader_t r = svm_reader(t->payload, t->payload_len);
	uint64_t prog, method, fee;
	if (t->vm != SVM_VM_NATIVE || svm_varint_read(&r, &prog) || svm_varint_read(&r, &method)) return;
	svm_id_t oid, x, y;
	if (s->kind == KIND_PROPOSALS && prog == SVM_PROGRAM_GOV && method == SVM_GOV_SUBMIT) {
		svm_gov_proposal_id(&t->sender, t->nonce, &oid);
	} else if (s->kind == KIND_JOBS && prog == SVM_PROGRAM_JOBS && method == SVM_JOBS_POST) {
		svm_ai_job_id(&t->sender, t->nonce, &oid);
	} else if (s->kind == KIND_POOLS && prog == SVM_PROGRAM_AMM && method == SVM_AMM_CREATE &&
		   svm_reader_copy(&r, x.b, 32) == 0 && svm_reader_copy(&r, y.b, 32) == 0 &&
		   svm_varint_read(&r, &fee) == 0) {
		svm_amm_pool_id(&x, &y, fee, &oid);
	} else {
		return;
	}
	json_t *it = item_base(s->n, h, i, id, t, &ok);
	if (!ok) { /* a refused submission created nothing */
		json_decref(it);
		return;
	}
	json_object_set_new(it, "id", jhash(&oid));
	if (s->kind == KIND_POOLS) {
		json_object_set_new(it, "token_a", jhash(&x));
		json_object_set_new(it, "token_b", jhash(&y));
		json_object_set_new(it, "fee_bps", ju64(fee));
	}
	json_array_append_new(s->items, it);
}

/* The genesis pools (created before block 1, so in no block), from the node's genesis file. */
static void genesis_pools(scan_t *s)
{
	svm_genesis_t g = {0};
	svm_error_t err = {0};
	if (s->n->cfg.genesis_path[0] == 0 || svm_genesis_load(&g, s->n->cfg.genesis_path, &err) != 0) return;
	for (size_t i = 0; i < g.n_pools; i++) {
		const svm_genesis_pool_t *p = &g.pools[i];
		bool lo = memcmp(p->x.b, p->y.b, 32) < 0;
		const svm_id_t *a = lo ? &p->x : &p->y, *b = lo ? &p->y : &p->x;
		svm_id_t oid;
		svm_amm_pool_id(a, b, p->fee_bps, &oid);
		json_array_append_new(s->items,
				      json_pack("{s:i, s:n, s:o, s:s, s:o, s:o, s:o, s:o}", "height", 0, "tx_hash", "sender",
						jhash(&p->owner), "status", "genesis", "id", jhash(&oid), "token_a", jhash(a),
						"token_b", jhash(b), "fee_bps", ju64(p->fee_bps)));
	}
	svm_genesis_free(&g);
}

/* Scans block h into s; false when the block cannot be read or decoded. */
static bool scan_block(scan_t *s, uint64_t h, svm_buf_t *blk, svm_arena_t *a)
{
	svm_block_t b;
	svm_buf_reset(blk);
	svm_arena_reset(a);
	if (svm_chain_block(s->n->chain, h, blk) != 0 || svm_block_decode(blk->data, blk->len, a, &b, NULL, NULL) != 0)
		return false;
	for (uint32_t i = b.txs_len; i-- > 0;) { /* newest first */
		svm_tx_t t;
		svm_hash_t id;
		if (svm_tx_decode_any(b.txs[i].p, b.txs[i].len, a, &t, &id, NULL) == 0) scan_tx(s, h, i, &id, &t);
	}
	return true;
}

static bool opt_u64(json_t *o, const char *k, uint64_t def, uint64_t lo, uint64_t hi, uint64_t *out)
{
	json_t *v = json_object_get(o, k);
	if (v == NULL || json_is_null(v)) {
		*out = def;
		return true;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0) return false;
	*out = (uint64_t)json_integer_value(v);
	return *out >= lo && *out <= hi;
}

/* svm_listActivity [{kind, account?, before?, blocks?, limit?}] → {kind, items (newest first),
 * from, to, next_before, head}: what happened in blocks [from, to], scanned from `before` − 1
 * (default: the head) down, at most `blocks` of them, stopping after the block where `limit`
 * items are reached. next_before continues below (null once height 1 was scanned). */
static json_t *m_activity(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	json_t *o = svm_rpc_param(params, 0, "query");
	if (!json_is_object(o)) return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 0 must be {\"kind\": …}");
	const char *kind = json_string_value(json_object_get(o, "kind"));
	scan_t s = {.n = n, .kind = -1};
	for (int k = 0; kind && k < (int)(sizeof KIND_NAMES / sizeof KIND_NAMES[0]); k++)
		if (strcmp(kind, KIND_NAMES[k]) == 0) s.kind = k;
	if (s.kind < 0)
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "kind must be account, proposals, pools or jobs");
	const char *acct = json_string_value(json_object_get(o, "account"));
	if (s.kind == KIND_ACCOUNT && (acct == NULL || svm_hash_from_hex(&s.account, acct) != 0))
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "kind account needs \"account\": 64 hex digits");
	uint64_t head = svm_chain_height(n->chain), before, blocks, limit;
	if (!opt_u64(o, "before", head + 1, 1, UINT64_MAX, &before) ||
	    !opt_u64(o, "blocks", ACTIVITY_BLOCKS_DEFAULT, 1, ACTIVITY_BLOCKS_MAX, &blocks) ||
	    !opt_u64(o, "limit", ACTIVITY_LIMIT_DEFAULT, 1, ACTIVITY_LIMIT_MAX, &limit))
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS,
				    "before ≥ 1, blocks 1..%u and limit 1..%u must be integers in range",
				    ACTIVITY_BLOCKS_MAX, ACTIVITY_LIMIT_MAX);
	if (before > head + 1) before = head + 1;
	s.items = json_array();
	svm_buf_t blk = {0};
	svm_arena_t a;
	svm_arena_init(&a, 1u << 26); /* a bound: a whole block's transactions */
	uint64_t to = before - 1, h = to, scanned = 0;
	for (; h >= 1 && scanned < blocks && json_array_size(s.items) < limit; h--, scanned++)
		if (!scan_block(&s, h, &blk, &a)) break;
	svm_arena_reset(&a);
	svm_buf_free(&blk);
	if (h == 0 && s.kind == KIND_POOLS) genesis_pools(&s);
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "kind", KIND_NAMES[s.kind], "items", s.items, "from",
			 ju64(h + 1), "to", ju64(to), "next_before", h == 0 ? json_null() : ju64(h + 1), "head",
			 ju64(head));
}

size_t svm_node_explore_methods(svm_node_t *n, svm_rpc_method_t *m, size_t max)
{
	const svm_rpc_method_t table[] = {{"svm_getBalances", m_balances, n}, {"svm_listActivity", m_activity, n}};
	size_t k = 0;
	for (; k < sizeof table / sizeof table[0] && k < max; k++) m[k] = table[k];
	return k;
}

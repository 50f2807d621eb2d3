/* Ethereum JSON-RPC (eth_*, net_*, web3_*) on the node's port, so Ethereum tools (ethers.js)
 * work unchanged: an address's balance is its identity's SWR balance × 10^9 wei, its nonce the
 * identity's nonce, Ethereum transactions go into the mempool as SVM_TAG_ETH_TX envelopes, and
 * blocks, receipts and logs are the chain's, showing its Ethereum transactions only.
 * docs/rpc.md ("Ethereum JSON-RPC") lists the methods and what differs from Ethereum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "supervm/evm.h"
#include "supervm/vm.h"

#define ETH_LOGS_BLOCKS_MAX 1000    /* blocks one eth_getLogs may scan */
#define ETH_LOGS_MAX 10000          /* logs one eth_getLogs may return */
#define ETH_BLOCK_BY_HASH_SCAN 4096 /* recent blocks eth_getBlockByHash searches */
#define ETH_FEE_HISTORY_MAX 1024
#define ETH_CALL_DATA_MAX (128u << 10)
#define ETH_CLIENT_VERSION "SuperVM/0.1"

/* ------------------------------------------------------------- helpers */

static json_t *qty(uint64_t v)
{
	char s[24];
	snprintf(s, sizeof s, "0x%llx", (unsigned long long)v);
	return json_string(s);
}

static json_t *qty256(const svm_u256_t *v)
{
	char s[67] = "0x";
	size_t k = 2;
	bool lead = true;
	for (int i = 3; i >= 0; i--)
		for (int sh = 60; sh >= 0; sh -= 4) {
			unsigned d = (unsigned)(v->w[i] >> sh) & 15;
			if (lead && d == 0) continue;
			lead = false;
			s[k++] = "0123456789abcdef"[d];
		}
	if (k == 2) s[k++] = '0';
	SVM_ASSERT(k <= 2 + 64 && k < sizeof s); /* at most 64 digits after 0x, no leading zero */
	s[k] = 0;
	return json_string(s);
}

static json_t *jaddr(const svm_evm_addr_t *a) { return jhex(a->b, SVM_EVM_ADDR_SIZE); }

static svm_u256_t units_wei(uint64_t units)
{
	unsigned __int128 w = (unsigned __int128)units * SVM_EVM_WEI_PER_UNIT;
	SVM_ASSERT(w / SVM_EVM_WEI_PER_UNIT == units); /* a u64 of units times 10^9 fits 128 bits */
	return (svm_u256_t){{(uint64_t)w, (uint64_t)(w >> 64), 0, 0}};
}

static int u256_cmp3(const svm_u256_t *a, const svm_u256_t *b)
{
	for (int i = 3; i >= 0; i--)
		if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
	return 0;
}

/* balance ≥ gas × cap + value, in 256 bits (false past 2^256) */
static bool covers(svm_u256_t balance, uint64_t gas, const svm_u256_t *cap, const svm_u256_t *value)
{
	svm_u256_t need = {{0}};
	unsigned __int128 carry = 0;
	for (int i = 0; i < 4; i++) {
		carry += (unsigned __int128)cap->w[i] * gas + value->w[i];
		need.w[i] = (uint64_t)carry;
		carry >>= 64;
	}
	return carry == 0 && u256_cmp3(&balance, &need) >= 0;
}

static const char *strip0x(const char *s) { return (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? s + 2 : s; }

static bool paddr_v(json_t *v, svm_evm_addr_t *out)
{
	if (!json_is_string(v)) return false;
	const char *s = strip0x(json_string_value(v));
	return strlen(s) == 40 && svm_hex_decode(out->b, SVM_EVM_ADDR_SIZE, s) == 0;
}

static bool paddr(json_t *params, size_t i, const char *name, svm_evm_addr_t *out, svm_rpc_error_t *e)
{
	if (paddr_v(svm_rpc_param(params, i, name), out)) return true;
	svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param %zu (%s) must be a 20-byte hex address", i, name);
	return false;
}

/* A hex quantity of at most 64 bits ("0x…"; a JSON integer is accepted too). */
static bool qty_v(json_t *v, uint64_t *out)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return true;
	}
	if (!json_is_string(v)) return false;
	const char *s = json_string_value(v);
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || s[2] == 0 || strlen(s) > 18) return false;
	uint64_t x = 0;
	for (const char *p = s + 2; *p; p++) {
		int d = (*p >= '0' && *p <= '9') ? *p - '0' : (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10
						      : (*p >= 'A' && *p <= 'F')       ? *p - 'A' + 10
										       : -1;
		if (d < 0) return false;
		x = x << 4 | (uint64_t)d;
	}
	*out = x;
	return true;
}

/* A hex quantity of up to 256 bits. */
static bool qty256_v(json_t *v, svm_u256_t *out)
{
	memset(out, 0, sizeof *out);
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		out->w[0] = (uint64_t)json_integer_value(v);
		return true;
	}
	if (!json_is_string(v)) return false;
	const char *s = json_string_value(v);
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || s[2] == 0 || strlen(s) > 66) return false;
	for (const char *p = s + 2; *p; p++) {
		int d = (*p >= '0' && *p <= '9') ? *p - '0' : (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10
						      : (*p >= 'A' && *p <= 'F')       ? *p - 'A' + 10
										       : -1;
		if (d < 0) return false;
		for (int i = 3; i > 0; i--) out->w[i] = out->w[i] << 4 | out->w[i - 1] >> 60;
		out->w[0] = out->w[0] << 4 | (uint64_t)d;
	}
	return true;
}

/* A block tag or number: "latest", "pending", "safe", "finalized" (the head: blocks are final
 * when committed), "earliest" (0), or a number. false when malformed. */
static bool block_v(svm_node_t *n, json_t *v, uint64_t *h)
{
	uint64_t head = svm_chain_height(n->chain);
	if (v == NULL || json_is_null(v)) {
		*h = head;
		return true;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (!strcmp(s, "latest") || !strcmp(s, "pending") || !strcmp(s, "safe") || !strcmp(s, "finalized")) {
			*h = head;
			return true;
		}
		if (!strcmp(s, "earliest")) {
			*h = 0;
			return true;
		}
	}
	return qty_v(v, h);
}

/* Parameter i (or name) as a block tag or number (block_v); false with e filled when malformed. */
static bool pblock(svm_node_t *n, json_t *params, size_t i, const char *name, uint64_t *h, svm_rpc_error_t *e)
{
	if (block_v(n, svm_rpc_param(params, i, name), h)) return true;
	svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param %zu (%s) must be a block tag or number", i, name);
	return false;
}

static json_t *fail_msg(svm_rpc_error_t *e, int rc, const char *fmt, const char *detail)
{
	if (rc == SVM_EIO || rc == SVM_ENOMEM) return svm_rpc_fail(e, SVM_RPC_INTERNAL_ERROR, fmt, detail);
	return svm_rpc_fail(e, svm_rpc_app_code(rc), fmt, detail);
}

/* The base fee per gas shown to Ethereum tools: c gwei (1 gwei when c is 0). */
static uint64_t fee_c(svm_node_t *n)
{
	svm_params_t gp;
	uint64_t c = n->fees.c;
	if (svm_chain_params(n->chain, &gp) == 0) c = gp.fee_c;
	return c ? c : 1;
}

static svm_u256_t base_fee(svm_node_t *n) { return units_wei(fee_c(n)); }

/* ------------------------------------------------- transactions, blocks */

/* An Ethereum transaction from its envelope: decoded with its sender, and its signature. */
typedef struct {
	svm_evm_signed_tx_t st;
	const uint8_t *raw; /* without the envelope tag */
	size_t raw_len;
	svm_rlp_item_t v, r, s;
} ethtx_t;

static int ethtx_open(const uint8_t *p, size_t len, ethtx_t *t)
{
	memset(t, 0, sizeof *t);
	if (len < 2 || p[0] != SVM_TAG_ETH_TX) return SVM_EDECODE;
	t->raw = p + 1;
	t->raw_len = len - 1;
	int rc = svm_evm_tx_decode_any_chain(t->raw, t->raw_len, &t->st, NULL);
	if (rc) return rc;
	svm_rlp_item_t list, it;
	const uint8_t *body = t->raw[0] >= 0xc0 ? t->raw : t->raw + 1;
	size_t blen = t->raw[0] >= 0xc0 ? t->raw_len : t->raw_len - 1;
	if (svm_rlp_decode(body, blen, &list)) return SVM_EDECODE;
	size_t pos = 0;
	while (svm_rlp_next(&list, &pos, &it) == 1) {
		t->v = t->r;
		t->r = t->s;
		t->s = it;
	}
	return 0;
}

static void ethtx_close(ethtx_t *t) { svm_evm_signed_tx_free(&t->st); }

static json_t *rlp_qty(const svm_rlp_item_t *it)
{
	svm_u256_t v;
	svm_u256_from_be(&v, it->p, it->len <= 32 ? it->len : 32);
	return qty256(&v);
}

static void create_address(const svm_evm_addr_t *from, uint64_t nonce, svm_evm_addr_t *out)
{
	uint8_t stack[64];
	svm_buf_t b = {.data = stack, .cap = sizeof stack, .cap_max = sizeof stack};
	svm_rlp_put_bytes(&b, from->b, 20);
	svm_rlp_put_uint(&b, nonce);
	svm_rlp_wrap_list(&b, 0);
	uint8_t h[32];
	svm_keccak256(b.data, b.len, h);
	memcpy(out->b, h + 12, 20);
}

/* Where a committed transaction is (block == NULL for a pending one). */
typedef struct {
	const svm_hash_t *block;
	uint64_t height;
	uint32_t index;
} where_t;

static json_t *tx_obj(const ethtx_t *t, const where_t *w, uint64_t chain_id)
{
	const svm_evm_tx_t *x = &t->st.tx;
	svm_hash_t h;
	memcpy(h.b, t->st.hash, 32);
	json_t *o = json_object();
	json_object_set_new(o, "hash", jhex(h.b, 32));
	json_object_set_new(o, "type", qty(x->type));
	json_object_set_new(o, "chainId", qty(t->st.has_chain_id ? t->st.chain_id : chain_id));
	json_object_set_new(o, "nonce", qty(x->nonce));
	json_object_set_new(o, "from", jaddr(&x->from));
	json_object_set_new(o, "to", x->create ? json_null() : jaddr(&x->to));
	json_object_set_new(o, "value", qty256(&x->value));
	json_object_set_new(o, "gas", qty(x->gas_limit));
	json_object_set_new(o, "input", jhex(x->data, x->data_len));
	if (x->type >= 2) {
		json_object_set_new(o, "maxFeePerGas", qty256(&x->max_fee));
		json_object_set_new(o, "maxPriorityFeePerGas", qty256(&x->max_priority_fee));
		json_object_set_new(o, "gasPrice", qty256(&x->max_fee));
	} else {
		json_object_set_new(o, "gasPrice", qty256(&x->gas_price));
	}
	if (x->type >= 1) {
		json_t *al = json_array();
		for (size_t i = 0; i < x->n_access; i++) {
			json_t *keys = json_array();
			for (size_t k = 0; k < x->access[i].n_keys; k++) {
				uint8_t be[32];
				svm_u256_to_be(&x->access[i].keys[k], be);
				json_array_append_new(keys, jhex(be, 32));
			}
			json_array_append_new(al, json_pack("{s:o, s:o}", "address", jaddr(&x->access[i].address),
							    "storageKeys", keys));
		}
		json_object_set_new(o, "accessList", al);
		json_object_set_new(o, "yParity", rlp_qty(&t->v));
	}
	json_object_set_new(o, "v", rlp_qty(&t->v));
	json_object_set_new(o, "r", rlp_qty(&t->r));
	json_object_set_new(o, "s", rlp_qty(&t->s));
	json_object_set_new(o, "blockHash", w && w->block ? jhex(w->block->b, 32) : json_null());
	json_object_set_new(o, "blockNumber", w && w->block ? qty(w->height) : json_null());
	json_object_set_new(o, "transactionIndex", w && w->block ? qty(w->index) : json_null());
	return o;
}

/* A stored block, decoded. */
typedef struct {
	svm_buf_t buf;
	svm_arena_t a;
	svm_block_t b;
	svm_hash_t hash;
} blk_t;

static int blk_load(svm_node_t *n, uint64_t h, blk_t *out)
{
	memset(out, 0, sizeof *out);
	svm_arena_init(&out->a, 0);
	int rc = svm_chain_block(n->chain, h, &out->buf);
	if (rc == 0) rc = svm_block_decode(out->buf.data, out->buf.len, &out->a, &out->b, &out->hash, NULL);
	return rc;
}

static void blk_free(blk_t *b)
{
	svm_buf_free(&b->buf);
	svm_arena_reset(&b->a);
}

/* The state a query reads, from param i: a block tag or number (block_v: "latest", "pending",
 * "safe", "finalized" or none are the head, "earliest" is 0) or an EIP-1898 object
 * {"blockNumber": n} / {"blockHash": h} (a hash among the last ETH_BLOCK_BY_HASH_SCAN blocks).
 * *h the height whose end state is read; *head whether it is the head (the fast path). A height
 * above the head is refused ("header not found", as Ethereum nodes answer). */
static bool pstate(svm_node_t *n, json_t *params, size_t i, uint64_t *h, bool *head, svm_rpc_error_t *e)
{
	json_t *v = svm_rpc_param(params, i, "block");
	uint64_t top = svm_chain_height(n->chain);
	if (json_is_object(v) && json_object_get(v, "blockHash")) {
		svm_hash_t want;
		json_t *hv = json_object_get(v, "blockHash");
		if (!json_is_string(hv) || svm_hex_decode(want.b, 32, json_string_value(hv) + (strncmp(json_string_value(hv), "0x", 2) ? 0 : 2)))
			return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "blockHash must be 32 hex bytes"), false;
		*h = UINT64_MAX;
		for (uint64_t k = 0; k <= top && k < ETH_BLOCK_BY_HASH_SCAN && *h == UINT64_MAX; k++) {
			blk_t b;
			if (blk_load(n, top - k, &b) == 0 && svm_hash_eq(&b.hash, &want)) *h = top - k;
			blk_free(&b);
		}
		if (*h == UINT64_MAX)
			return svm_rpc_fail(e, svm_rpc_app_code(SVM_ENOTFOUND),
					    "header not found: unknown block hash (searched the last %d blocks)",
					    ETH_BLOCK_BY_HASH_SCAN),
			       false;
	} else {
		if (json_is_object(v)) v = json_object_get(v, "blockNumber");
		if (!block_v(n, v, h))
			return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param %zu (block) must be a block tag or number", i), false;
	}
	if (*h > top)
		return svm_rpc_fail(e, svm_rpc_app_code(SVM_ENOTFOUND), "header not found: block %llu is above the head %llu",
				    (unsigned long long)*h, (unsigned long long)top),
		       false;
	*head = *h == top;
	return true;
}

/* The identity whose balance and nonce address a shows at the head: the identity a link names
 * for a linked derived address (svm_evm_alias_id), else the address's own. */
static int head_identity(svm_node_t *n, const svm_evm_addr_t *a, svm_id_t *id)
{
	svm_id_t aid;
	svm_evm_alias_id(a->b, &aid);
	svm_buf_t b = {0};
	svm_object_t o;
	int rc = svm_chain_object(n->chain, &aid, &b);
	if (rc == 0) rc = svm_object_decode(b.data, b.len, &o, NULL);
	if (rc == 0 && o.payload_len == SVM_HASH_SIZE) memcpy(id->b, o.payload, SVM_HASH_SIZE);
	else if (rc == 0) rc = SVM_EIO;
	if (rc == SVM_ENOTFOUND) {
		svm_evm_identity(a, id);
		rc = 0;
	}
	svm_buf_free(&b);
	return rc;
}

/* A read of the state as it was after an older block (svm_chain_query_exec_at); a balance or a
 * nonce is the identity address `addr` stands for then. */
enum { SQ_BALANCE,
       SQ_NONCE,
       SQ_OBJECT };
typedef struct {
	int kind;
	svm_evm_addr_t addr;
	svm_id_t id, token;
	uint64_t value;
	bool found;
	svm_buf_t payload;
} sq_t;

static int sq_fn(svm_txctx_t *c, void *ud)
{
	sq_t *q = ud;
	int rc = q->kind == SQ_OBJECT ? 0 : svm_evm_account_identity(c, &q->addr, &q->id);
	if (rc) return rc;
	if (q->kind == SQ_BALANCE) return svm_ledger_balance(c, &q->token, &q->id, &q->value);
	if (q->kind == SQ_NONCE) return svm_account_nonce(c, &q->id, &q->value);
	svm_object_t o;
	rc = svm_host_get(c, &q->id, &o);
	if (rc == SVM_ENOTFOUND) return 0;
	q->found = rc == 0;
	return rc ? rc : svm_buf_append(&q->payload, o.payload, o.payload_len);
}

/* Runs q at height h; false with e filled (the retention window named when h was pruned). */
static bool sq_run(svm_node_t *n, uint64_t h, sq_t *q, svm_rpc_error_t *e)
{
	svm_error_t err = {0};
	int rc = svm_chain_query_exec_at(n->chain, h, sq_fn, q, &err);
	if (rc == 0) return true;
	if (err.code == 0) svm_error_set(&err, rc, "state query: %s", svm_strerror(rc));
	svm_rpc_fail_svm(e, &err);
	return false;
}

/* One Ethereum log, from an event of an EVM transaction's receipt. */
typedef struct {
	svm_evm_addr_t address;
	uint8_t n_topics;
	const uint8_t *topics; /* n_topics × 32 */
	const uint8_t *data;
	size_t data_len;
} elog_t;

static bool elog_of(const svm_event_t *ev, elog_t *l)
{
	size_t tl = strlen(SVM_EVM_LOG_TOPIC);
	if (ev->topic_len != tl || memcmp(ev->topic, SVM_EVM_LOG_TOPIC, tl) || ev->data_len < 21) return false;
	memcpy(l->address.b, ev->data, 20);
	l->n_topics = ev->data[20];
	if (l->n_topics > 4 || ev->data_len < 21 + 32u * l->n_topics) return false;
	l->topics = ev->data + 21;
	l->data = l->topics + 32u * l->n_topics;
	l->data_len = ev->data_len - 21 - 32u * l->n_topics;
	SVM_ASSERT(l->data + l->data_len == ev->data + ev->data_len); /* the log tiles its event */
	return true;
}

static void bloom_add(uint8_t bloom[256], const uint8_t *p, size_t n)
{
	uint8_t h[32];
	svm_keccak256(p, n, h);
	for (int i = 0; i < 6; i += 2) {
		unsigned bit = ((unsigned)h[i] << 8 | h[i + 1]) & 2047;
		SVM_ASSERT(bit / 8 < 256);
		bloom[255 - bit / 8] |= (uint8_t)(1u << (bit % 8));
	}
}

/* One Ethereum transaction of a block with its receipt, as the walk gives it. */
typedef struct {
	const blk_t *blk;
	uint32_t index;
	ethtx_t tx;
	svm_receipt_t r;
	uint64_t cum_gas;  /* gas of the block's Ethereum transactions up to this one */
	uint32_t log_base; /* logs of the block before this transaction's */
} erc_t;

typedef int (*walk_fn)(void *ud, const erc_t *x);

/* Calls fn for each Ethereum transaction of the block, in order (stop: fn returns non-zero). */
static int walk_block(svm_node_t *n, const blk_t *b, walk_fn fn, void *ud)
{
	uint64_t cum = 0;
	uint32_t logs = 0;
	int rc = 0;
	for (uint32_t i = 0; i < b->b.txs_len && rc == 0; i++) {
		const svm_slice_t *s = &b->b.txs[i];
		if (s->len < 2 || s->p[0] != SVM_TAG_ETH_TX) continue;
		erc_t x = {.blk = b, .index = i};
		if (ethtx_open(s->p, s->len, &x.tx)) {
			ethtx_close(&x.tx);
			continue;
		}
		svm_hash_t id;
		memcpy(id.b, x.tx.st.hash, 32);
		svm_buf_t rb = {0};
		svm_arena_t a;
		svm_arena_init(&a, 0);
		rc = svm_chain_receipt(n->chain, &id, &rb, NULL, NULL, NULL, NULL);
		if (rc == 0) rc = svm_receipt_decode(rb.data, rb.len, &a, &x.r, NULL);
		if (rc == 0) {
			SVM_ASSERT(cum + x.r.steps >= cum); /* the block's gas cannot wrap u64 */
			cum += x.r.steps;
			x.cum_gas = cum;
			x.log_base = logs;
			for (uint32_t k = 0; k < x.r.events_len; k++) {
				elog_t l;
				logs += elog_of(&x.r.events[k], &l);
			}
			rc = fn(ud, &x);
		}
		svm_buf_free(&rb);
		svm_arena_reset(&a);
		ethtx_close(&x.tx);
	}
	return rc;
}

static json_t *log_obj(const erc_t *x, const elog_t *l, uint32_t log_index)
{
	json_t *topics = json_array();
	for (int t = 0; t < l->n_topics; t++) json_array_append_new(topics, jhex(l->topics + 32 * t, 32));
	json_t *o = json_object();
	json_object_set_new(o, "address", jaddr(&l->address));
	json_object_set_new(o, "topics", topics);
	json_object_set_new(o, "data", jhex(l->data, l->data_len));
	json_object_set_new(o, "blockNumber", qty(x->blk->b.header.height));
	json_object_set_new(o, "blockHash", jhex(x->blk->hash.b, 32));
	json_object_set_new(o, "transactionHash", jhex(x->tx.st.hash, 32));
	json_object_set_new(o, "transactionIndex", qty(x->index));
	json_object_set_new(o, "logIndex", qty(log_index));
	json_object_set_new(o, "removed", json_false());
	return o;
}

static json_t *receipt_obj(svm_node_t *n, const erc_t *x)
{
	const svm_evm_tx_t *t = &x->tx.st.tx;
	uint8_t bloom[256] = {0};
	json_t *logs = json_array();
	uint32_t li = x->log_base;
	for (uint32_t k = 0; k < x->r.events_len; k++) {
		elog_t l;
		if (!elog_of(&x->r.events[k], &l)) continue;
		bloom_add(bloom, l.address.b, 20);
		for (int i = 0; i < l.n_topics; i++) bloom_add(bloom, l.topics + 32 * i, 32);
		json_array_append_new(logs, log_obj(x, &l, li++));
	}
	json_t *o = json_object();
	json_object_set_new(o, "transactionHash", jhex(x->tx.st.hash, 32));
	json_object_set_new(o, "transactionIndex", qty(x->index));
	json_object_set_new(o, "blockHash", jhex(x->blk->hash.b, 32));
	json_object_set_new(o, "blockNumber", qty(x->blk->b.header.height));
	json_object_set_new(o, "from", jaddr(&t->from));
	json_object_set_new(o, "to", t->create ? json_null() : jaddr(&t->to));
	json_object_set_new(o, "cumulativeGasUsed", qty(x->cum_gas));
	json_object_set_new(o, "gasUsed", qty(x->r.steps));
	/* the fee actually charged per gas, rounded up (fee = a + b·bytes + c·gas) */
	uint64_t gas = x->r.steps ? x->r.steps : 1;
	unsigned __int128 per = ((unsigned __int128)x->r.fee_charged * SVM_EVM_WEI_PER_UNIT + gas - 1) / gas;
	svm_u256_t egp = {{(uint64_t)per, (uint64_t)(per >> 64), 0, 0}};
	json_object_set_new(o, "effectiveGasPrice", qty256(&egp));
	if (t->create && x->r.status == 0) {
		svm_evm_addr_t ca;
		create_address(&t->from, t->nonce, &ca);
		json_object_set_new(o, "contractAddress", jaddr(&ca));
	} else {
		json_object_set_new(o, "contractAddress", json_null());
	}
	json_object_set_new(o, "logs", logs);
	json_object_set_new(o, "logsBloom", jhex(bloom, 256));
	json_object_set_new(o, "status", qty(x->r.status == 0));
	json_object_set_new(o, "type", qty(t->type));
	if (x->r.status) /* SuperVM's reason, beside Ethereum's 0/1 */
		json_object_set_new(o, "svmStatus", json_string(svm_strerror(-(int)x->r.status)));
	(void)n;
	return o;
}

/* ---------------------------------------------------------- the methods */

static json_t *m_chain_id(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	return qty(n->chain_id);
}

static json_t *m_net_version(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	char s[24];
	snprintf(s, sizeof s, "%llu", (unsigned long long)n->chain_id);
	return json_string(s);
}

static json_t *m_client_version(void *ctx, json_t *params, svm_rpc_error_t *e) { return json_string(ETH_CLIENT_VERSION); }
static json_t *m_false(void *ctx, json_t *params, svm_rpc_error_t *e) { return json_false(); }
static json_t *m_accounts(void *ctx, json_t *params, svm_rpc_error_t *e) { return json_array(); }

static json_t *m_block_number(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	return qty(svm_chain_height(n->chain));
}

static json_t *m_gas_price(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_u256_t b = base_fee(ctx);
	return qty256(&b);
}

static json_t *m_max_priority(void *ctx, json_t *params, svm_rpc_error_t *e) { return qty(0); }

static json_t *m_get_balance(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_evm_addr_t a;
	if (!paddr(params, 0, "address", &a, e)) return NULL;
	uint64_t h;
	bool head;
	if (!pstate(n, params, 1, &h, &head, e)) return NULL;
	svm_id_t id;
	uint64_t units = 0;
	if (head) {
		int rc = head_identity(n, &a, &id);
		if (rc == 0) rc = svm_chain_balance(n->chain, &n->swr, &id, &units);
		if (rc) return fail_msg(e, rc, "balance: %s", svm_strerror(rc));
	} else {
		sq_t q = {.kind = SQ_BALANCE, .addr = a, .token = n->swr};
		if (!sq_run(n, h, &q, e)) return NULL;
		units = q.value;
	}
	svm_u256_t w = units_wei(units);
	return qty256(&w);
}

/* svm_getEvmAddressIdentity [address]: the identity an EVM address stands for — the linked
 * identity ("linked": true, consensus state: SVM_LEDGER_LINK_EVM), else the derived-address
 * index's ("indexed": true), else the Ethereum address's own, SHA-256("svm/id" ‖ 0x02 ‖ address). */
static json_t *m_evm_identity(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_evm_addr_t a;
	if (!paddr(params, 0, "address", &a, e)) return NULL;
	svm_id_t id, own, linked;
	bool indexed = true;
	int rc = svm_chain_evm_identity(n->chain, a.b, &id);
	if (rc == SVM_ENOTFOUND) {
		svm_evm_identity(&a, &id);
		indexed = false;
		rc = 0;
	}
	if (rc == 0) rc = head_identity(n, &a, &linked);
	if (rc) return fail_msg(e, rc, "index: %s", svm_strerror(rc));
	svm_evm_identity(&a, &own);
	bool is_linked = !svm_hash_eq(&linked, &own);
	if (is_linked) id = linked; /* consensus state says so: it wins over the node's index */
	return json_pack("{s:o, s:o, s:b, s:b}", "address", jaddr(&a), "identity", jhash(&id), "indexed", indexed || is_linked,
			 "linked", is_linked);
}

static json_t *m_get_tx_count(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_evm_addr_t a;
	if (!paddr(params, 0, "address", &a, e)) return NULL;
	svm_id_t id;
	uint64_t h;
	bool head;
	if (!pstate(n, params, 1, &h, &head, e)) return NULL;
	if (!head) {
		sq_t q = {.kind = SQ_NONCE, .addr = a};
		return sq_run(n, h, &q, e) ? qty(q.value) : NULL;
	}
	uint64_t nonce = 0, pending = 0;
	int rc = head_identity(n, &a, &id);
	if (rc == 0) rc = node_pending_nonce(n, &id, &nonce, &pending);
	if (rc) return fail_msg(e, rc, "nonce: %s", svm_strerror(rc));
	json_t *tag = svm_rpc_param(params, 1, "block");
	if (json_is_string(tag) && strcmp(json_string_value(tag), "pending") == 0) nonce = pending;
	return qty(nonce);
}

/* The payload of object id at the head (into buf); SVM_ENOTFOUND when absent. */
static int object_payload(svm_node_t *n, const svm_id_t *id, svm_buf_t *buf, svm_object_t *o)
{
	int rc = svm_chain_object(n->chain, id, buf);
	if (rc == 0) rc = svm_object_decode(buf->data, buf->len, o, NULL);
	return rc;
}

/* object_payload as of height h (head: the head); 1 with e filled when the query failed. */
static int object_payload_at(svm_node_t *n, uint64_t h, bool head, const svm_id_t *id, svm_buf_t *buf,
			     svm_object_t *o, svm_rpc_error_t *e)
{
	if (head) return object_payload(n, id, buf, o);
	sq_t q = {.kind = SQ_OBJECT, .id = *id};
	if (!sq_run(n, h, &q, e)) {
		svm_buf_free(&q.payload);
		return 1;
	}
	*buf = q.payload; /* the caller frees it */
	memset(o, 0, sizeof *o);
	o->id = *id;
	o->payload = buf->data;
	o->payload_len = buf->len;
	return q.found ? 0 : SVM_ENOTFOUND;
}

static json_t *m_get_code(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_evm_addr_t a;
	if (!paddr(params, 0, "address", &a, e)) return NULL;
	uint64_t h;
	bool head;
	if (!pstate(n, params, 1, &h, &head, e)) return NULL;
	svm_id_t id;
	svm_evm_code_id(&a, &id);
	svm_buf_t b = {0};
	svm_object_t o;
	int rc = object_payload_at(n, h, head, &id, &b, &o, e);
	json_t *res = rc == 1               ? NULL
		      : rc == 0             ? jhex(o.payload, o.payload_len)
		      : rc == SVM_ENOTFOUND ? json_string("0x")
					    : fail_msg(e, rc, "code: %s", svm_strerror(rc));
	svm_buf_free(&b);
	return res;
}

static json_t *m_get_storage(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_evm_addr_t a;
	svm_u256_t key;
	if (!paddr(params, 0, "address", &a, e)) return NULL;
	if (!qty256_v(svm_rpc_param(params, 1, "slot"), &key))
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 1 (slot) must be a hex quantity of up to 32 bytes");
	uint64_t h;
	bool head;
	if (!pstate(n, params, 2, &h, &head, e)) return NULL;
	uint8_t k[32], zero[32] = {0};
	svm_u256_to_be(&key, k);
	svm_id_t id;
	svm_evm_slot_id(&a, k, &id);
	svm_buf_t b = {0};
	svm_object_t o;
	int rc = object_payload_at(n, h, head, &id, &b, &o, e);
	json_t *res = rc == 1                          ? NULL
		      : rc == 0 && o.payload_len == 32 ? jhex(o.payload, 32)
		      : rc == SVM_ENOTFOUND            ? jhex(zero, 32)
						       : fail_msg(e, rc ? rc : SVM_EIO, "storage: %s", svm_strerror(rc ? rc : SVM_EIO));
	svm_buf_free(&b);
	return res;
}

/* eth_call / eth_estimateGas: the call object and its execution at the head. */
typedef struct {
	uint64_t chain_id, c;
	svm_evm_addr_t from, to;
	bool has_to, estimate;
	svm_u256_t value;
	svm_buf_t data;
	uint64_t gas;
	uint64_t height;      /* the state after this block (block tag), */
	bool head;            /* which is the head */
	svm_evm_result_t res; /* the (last successful, for estimates) run */
	uint64_t estimate_gas;
	svm_error_t err;
} callq_t;

static int call_once(svm_txctx_t *c, callq_t *q, uint64_t gas, svm_evm_result_t *res)
{
	svm_evm_block_t blk;
	svm_evm_block_env(q->chain_id, c->height, c->timestamp_ms, &c->proposer, q->c, &blk);
	svm_evm_block_recent(c, &blk);
	return svm_evm_call(c, &blk, &q->from, q->has_to ? &q->to : NULL, &q->value, q->data.data, q->data.len, gas,
			    res, &q->err);
}

static int call_fn(svm_txctx_t *c, void *ud)
{
	callq_t *q = ud;
	int rc = call_once(c, q, q->gas, &q->res);
	if (rc || !q->estimate || !q->res.status) return rc;
	/* the least gas that still succeeds: binary search above what the run used */
	uint64_t lo = q->res.gas_used + q->res.gas_refund, hi = q->gas;
	if (lo > 0) lo--;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		svm_evm_result_t r;
		rc = call_once(c, q, mid, &r);
		bool ok = rc == 0 && r.status;
		svm_evm_result_free(&r);
		if (rc && rc != SVM_EGAS) return rc;
		rc = 0;
		if (ok) hi = mid;
		else lo = mid;
	}
	q->estimate_gas = hi;
	return 0;
}

/* Error(string)'s message from revert data, if it is one. */
static bool revert_reason(const uint8_t *p, size_t n, char *out, size_t max)
{
	static const uint8_t sel[4] = {0x08, 0xc3, 0x79, 0xa0};
	if (n < 4 + 64 || memcmp(p, sel, 4)) return false;
	svm_u256_t off, len;
	svm_u256_from_be(&off, p + 4, 32);
	if (off.w[1] | off.w[2] | off.w[3] || off.w[0] != 32) return false;
	svm_u256_from_be(&len, p + 36, 32);
	if (len.w[1] | len.w[2] | len.w[3] || len.w[0] > n - 68) return false;
	size_t k = 0;
	for (size_t i = 0; i < len.w[0] && k + 1 < max; i++) out[k++] = (p[68 + i] >= 32 && p[68 + i] < 127) ? (char)p[68 + i] : '?';
	SVM_ASSERT(k < max && 68 + len.w[0] <= n); /* the message lies inside the data, NUL fits */
	out[k] = 0;
	return true;
}

static bool callq_parse(svm_node_t *n, json_t *params, callq_t *q, svm_rpc_error_t *e)
{
	memset(q, 0, sizeof *q);
	q->chain_id = n->chain_id;
	q->c = fee_c(n);
	q->gas = SVM_EVM_BLOCK_GAS_MAX;
	json_t *o = svm_rpc_param(params, 0, "transaction");
	if (!json_is_object(o)) {
		svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 0 (transaction) must be a call object");
		return false;
	}
	if (!pstate(n, params, 1, &q->height, &q->head, e)) return false;
	json_t *v;
	if ((v = json_object_get(o, "from")) && !json_is_null(v) && !paddr_v(v, &q->from))
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "from must be a 20-byte hex address"), false;
	if ((v = json_object_get(o, "to")) && !json_is_null(v)) {
		if (!paddr_v(v, &q->to)) return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "to must be a 20-byte hex address"), false;
		q->has_to = true;
	}
	if ((v = json_object_get(o, "value")) && !json_is_null(v) && !qty256_v(v, &q->value))
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "value must be a hex quantity"), false;
	if ((v = json_object_get(o, "gas")) && !json_is_null(v)) {
		if (!qty_v(v, &q->gas)) return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "gas must be a hex quantity"), false;
		if (q->gas > SVM_EVM_BLOCK_GAS_MAX) q->gas = SVM_EVM_BLOCK_GAS_MAX;
	}
	v = json_object_get(o, "input");
	if (v == NULL || json_is_null(v)) v = json_object_get(o, "data");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || svm_hex_decode_buf(&q->data, json_string_value(v), ETH_CALL_DATA_MAX))
			return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "input must be hex bytes (at most %u)", ETH_CALL_DATA_MAX), false;
	}
	return true;
}

/* Runs q; on a failed run fills e the way Ethereum nodes answer (code 3 with the revert data). */
static bool callq_run(svm_node_t *n, callq_t *q, svm_rpc_error_t *e)
{
	int rc = q->head ? svm_chain_query_exec(n->chain, call_fn, q, &q->err)
			 : svm_chain_query_exec_at(n->chain, q->height, call_fn, q, &q->err);
	if (rc) {
		if (q->err.code == 0) svm_error_set(&q->err, rc, "%s", svm_strerror(rc));
		svm_rpc_fail_svm(e, &q->err);
		return false;
	}
	if (q->res.status) return true;
	char reason[200];
	if (strcmp(q->res.error, "reverted") == 0) {
		if (revert_reason(q->res.output, q->res.output_len, reason, sizeof reason))
			svm_rpc_fail(e, 3, "execution reverted: %s", reason);
		else
			svm_rpc_fail(e, 3, "execution reverted");
		e->data = jhex(q->res.output, q->res.output_len);
	} else if (q->res.error[0] == 0) {
		svm_rpc_fail(e, svm_rpc_app_code(SVM_EFUNDS), "insufficient funds for value (or value not whole 10^9 wei)");
	} else {
		svm_rpc_fail(e, svm_rpc_app_code(SVM_ETRAP), "execution failed: %s", q->res.error);
	}
	return false;
}

static json_t *m_call(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	callq_t q;
	json_t *res = NULL;
	if (callq_parse(ctx, params, &q, e) && callq_run(ctx, &q, e)) res = jhex(q.res.output, q.res.output_len);
	svm_evm_result_free(&q.res);
	svm_buf_free(&q.data);
	return res;
}

static json_t *m_estimate_gas(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	callq_t q;
	json_t *res = NULL;
	if (callq_parse(ctx, params, &q, e)) {
		q.estimate = true;
		if (callq_run(ctx, &q, e)) res = qty(q.estimate_gas);
	}
	svm_evm_result_free(&q.res);
	svm_buf_free(&q.data);
	return res;
}

static json_t *m_send_raw(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	json_t *v = svm_rpc_param(params, 0, "data");
	svm_buf_t b = {0};
	json_t *res = NULL;
	if (!json_is_string(v)) return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 0 (data) must be hex bytes");
	if (svm_buf_append(&b, "\x06", 1) ||
	    svm_hex_decode_buf(&b, json_string_value(v), SVM_TX_BYTES_MAX - 1)) {
		svm_buf_free(&b);
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 0 (data) must be hex bytes (at most %d)",
				    SVM_TX_BYTES_MAX - 1);
	}
	ethtx_t t;
	svm_error_t err = {0};
	int rc = svm_evm_tx_decode(b.data + 1, b.len - 1, n->chain_id, &t.st, &err);
	if (rc) {
		res = svm_rpc_fail_svm(e, &err);
		goto out;
	}
	/* Ethereum's admission checks the mempool cannot know: the fee cap against the base fee,
	 * the balance against gas × fee cap + value, the nonce in Ethereum's words */
	const svm_evm_tx_t *x = &t.st.tx;
	svm_u256_t cap = x->type >= 2 ? x->max_fee : x->gas_price, bf = base_fee(n);
	svm_id_t id;
	svm_evm_identity(&x->from, &id);
	uint64_t nonce = 0, units = 0;
	if (u256_cmp3(&cap, &bf) < 0) {
		res = svm_rpc_fail(e, svm_rpc_app_code(SVM_EFEE), "max fee per gas less than block base fee (%llu gwei)",
				   (unsigned long long)fee_c(n));
	} else if ((rc = svm_chain_nonce(n->chain, &id, &nonce)) || (rc = svm_chain_balance(n->chain, &n->swr, &id, &units))) {
		res = fail_msg(e, rc, "account: %s", svm_strerror(rc));
	} else if (x->nonce < nonce) {
		res = svm_rpc_fail(e, svm_rpc_app_code(SVM_ENONCE), "nonce too low: next nonce %llu, tx nonce %llu",
				   (unsigned long long)nonce, (unsigned long long)x->nonce);
	} else if (!covers(units_wei(units), x->gas_limit, &cap, &x->value)) {
		res = svm_rpc_fail(e, svm_rpc_app_code(SVM_EFUNDS), "insufficient funds for gas * price + value");
	} else {
		svm_hash_t h;
		err = (svm_error_t){0};
		rc = svm_mempool_add(n->mempool, b.data, b.len, atomic_load(&n->head_height), &h, &err);
		if (rc == SVM_EEXIST) res = svm_rpc_fail(e, svm_rpc_app_code(rc), "already known: %s", err.msg);
		else if (rc) res = svm_rpc_fail_svm(e, &err);
		else {
			node_subs_pending(n, &h);
			res = jhex(h.b, 32);
		}
	}
	ethtx_close(&t);
out:
	svm_buf_free(&b);
	return res;
}

/* A transaction hash param. */
static bool phash32(json_t *params, svm_hash_t *h, svm_rpc_error_t *e) { return phash(params, 0, "hash", h, e); }

static json_t *m_get_tx(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_hash_t h;
	if (!phash32(params, &h, e)) return NULL;
	svm_buf_t b = {0};
	uint64_t height = 0;
	uint32_t index = 0;
	json_t *res = json_null();
	where_t w = {0};
	blk_t blk = {0};
	int rc = svm_chain_tx(n->chain, &h, &b, &height, &index);
	if (rc == 0 && blk_load(n, height, &blk) == 0) w = (where_t){&blk.hash, height, index};
	else if (rc == SVM_ENOTFOUND) rc = svm_mempool_get(n->mempool, &h, &b);
	ethtx_t t;
	if (rc == 0 && ethtx_open(b.data, b.len, &t) == 0) {
		json_decref(res);
		res = tx_obj(&t, w.block ? &w : NULL, n->chain_id);
	}
	if (rc == 0) ethtx_close(&t);
	blk_free(&blk);
	svm_buf_free(&b);
	return res;
}

typedef struct {
	svm_node_t *n;
	const svm_hash_t *want;
	json_t *out;
} find_t;

static int find_receipt(void *ud, const erc_t *x)
{
	find_t *f = ud;
	if (memcmp(x->tx.st.hash, f->want->b, 32)) return 0;
	f->out = receipt_obj(f->n, x);
	return 1;
}

static json_t *m_get_receipt(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_hash_t h;
	if (!phash32(params, &h, e)) return NULL;
	svm_buf_t b = {0};
	uint64_t height = 0;
	uint32_t index = 0;
	int rc = svm_chain_tx(n->chain, &h, &b, &height, &index);
	svm_buf_free(&b);
	if (rc == SVM_ENOTFOUND) return json_null();
	if (rc) return fail_msg(e, rc, "transaction: %s", svm_strerror(rc));
	blk_t blk;
	find_t f = {n, &h, NULL};
	rc = blk_load(n, height, &blk);
	if (rc == 0) walk_block(n, &blk, find_receipt, &f);
	blk_free(&blk);
	return f.out ? f.out : json_null();
}

typedef struct {
	svm_node_t *n;
	bool full;
	json_t *txs;
	uint64_t gas;
	uint8_t bloom[256];
} blkacc_t;

static int block_tx(void *ud, const erc_t *x)
{
	blkacc_t *a = ud;
	where_t w = {&x->blk->hash, x->blk->b.header.height, x->index};
	json_array_append_new(a->txs, a->full ? tx_obj(&x->tx, &w, a->n->chain_id) : jhex(x->tx.st.hash, 32));
	a->gas += x->r.steps;
	for (uint32_t k = 0; k < x->r.events_len; k++) {
		elog_t l;
		if (!elog_of(&x->r.events[k], &l)) continue;
		bloom_add(a->bloom, l.address.b, 20);
		for (int i = 0; i < l.n_topics; i++) bloom_add(a->bloom, l.topics + 32 * i, 32);
	}
	return 0;
}

static json_t *block_obj(svm_node_t *n, const blk_t *b, bool full)
{
	static const uint8_t empty_uncles[32] = {0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5,
						 0x67, 0xb6, 0xcc, 0xd4, 0x1a, 0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a,
						 0x74, 0x13, 0xf0, 0xa1, 0x42, 0xfd, 0x40, 0xd4, 0x93, 0x47};
	const svm_header_t *h = &b->b.header;
	blkacc_t a = {.n = n, .full = full, .txs = json_array()};
	walk_block(n, b, block_tx, &a);
	uint8_t miner[SVM_EVM_ADDRESS_SIZE], zero8[8] = {0};
	svm_identity_evm_address(&h->proposer, miner);
	svm_u256_t bf = base_fee(n);
	json_t *o = json_object();
	json_object_set_new(o, "number", qty(h->height));
	json_object_set_new(o, "hash", jhex(b->hash.b, 32));
	json_object_set_new(o, "parentHash", jhex(h->parent.b, 32));
	json_object_set_new(o, "nonce", jhex(zero8, 8));
	uint8_t mix[32] = {0};
	if (h->height > 0) svm_evm_prevrandao(&h->parent, mix);
	json_object_set_new(o, "mixHash", jhex(mix, 32));
	json_object_set_new(o, "sha3Uncles", jhex(empty_uncles, 32));
	json_object_set_new(o, "logsBloom", jhex(a.bloom, 256));
	json_object_set_new(o, "transactionsRoot", jhex(h->tx_root.b, 32));
	json_object_set_new(o, "stateRoot", jhex(h->state_root.b, 32));
	json_object_set_new(o, "receiptsRoot", jhex(h->receipts_root.b, 32));
	json_object_set_new(o, "miner", jhex(miner, sizeof miner));
	json_object_set_new(o, "difficulty", qty(0));
	json_object_set_new(o, "totalDifficulty", qty(0));
	json_object_set_new(o, "extraData", json_string("0x"));
	json_object_set_new(o, "size", qty(b->buf.len));
	json_object_set_new(o, "gasLimit", qty(SVM_EVM_BLOCK_GAS_MAX));
	json_object_set_new(o, "gasUsed", qty(a.gas));
	json_object_set_new(o, "timestamp", qty(h->timestamp_ms / 1000));
	json_object_set_new(o, "baseFeePerGas", qty256(&bf));
	json_object_set_new(o, "transactions", a.txs);
	json_object_set_new(o, "uncles", json_array());
	return o;
}

static json_t *m_block_by_number(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	uint64_t h;
	if (!pblock(n, params, 0, "block", &h, e)) return NULL;
	if (h > svm_chain_height(n->chain)) return json_null();
	blk_t b;
	int rc = blk_load(n, h, &b);
	json_t *res = rc == 0               ? block_obj(n, &b, json_is_true(svm_rpc_param(params, 1, "full")))
		      : rc == SVM_ENOTFOUND ? json_null()
					    : fail_msg(e, rc, "block: %s", svm_strerror(rc));
	blk_free(&b);
	return res;
}

static json_t *m_block_by_hash(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_hash_t want;
	if (!phash(params, 0, "hash", &want, e)) return NULL;
	uint64_t head = svm_chain_height(n->chain);
	for (uint64_t i = 0; i <= head && i < ETH_BLOCK_BY_HASH_SCAN; i++) {
		blk_t b;
		if (blk_load(n, head - i, &b) == 0 && svm_hash_eq(&b.hash, &want)) {
			json_t *res = block_obj(n, &b, json_is_true(svm_rpc_param(params, 1, "full")));
			blk_free(&b);
			return res;
		}
		blk_free(&b);
	}
	return json_null();
}

static json_t *m_fee_history(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	uint64_t count, newest;
	if (!qty_v(svm_rpc_param(params, 0, "blockCount"), &count) || count == 0)
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 0 (blockCount) must be a positive quantity");
	if (!pblock(n, params, 1, "newestBlock", &newest, e)) return NULL;
	if (count > ETH_FEE_HISTORY_MAX) count = ETH_FEE_HISTORY_MAX;
	if (count > newest + 1) count = newest + 1;
	SVM_ASSERT(count >= 1 && count <= ETH_FEE_HISTORY_MAX && count <= newest + 1); /* oldest ≥ 0 */
	json_t *pct = svm_rpc_param(params, 2, "rewardPercentiles");
	svm_u256_t bf = base_fee(n);
	json_t *fees = json_array(), *ratio = json_array(), *reward = json_array();
	for (uint64_t i = 0; i <= count; i++) json_array_append_new(fees, qty256(&bf));
	for (uint64_t i = 0; i < count; i++) {
		json_array_append_new(ratio, json_real(0.0));
		if (json_is_array(pct)) {
			json_t *r = json_array();
			for (size_t k = 0; k < json_array_size(pct); k++) json_array_append_new(r, qty(0));
			json_array_append_new(reward, r);
		}
	}
	json_t *o = json_pack("{s:o, s:o, s:o}", "oldestBlock", qty(newest + 1 - count), "baseFeePerGas", fees,
			      "gasUsedRatio", ratio);
	if (json_is_array(pct)) json_object_set_new(o, "reward", reward);
	else json_decref(reward);
	return o;
}

/* eth_getLogs filter */
typedef struct {
	svm_evm_addr_t addrs[16];
	size_t n_addrs;
	uint8_t topics[4][8][32]; /* per position: alternatives */
	size_t n_alt[4];          /* 0: any */
	json_t *out;
	size_t count;
	bool over;
} filter_t;

static bool topic_ok(const filter_t *f, const elog_t *l)
{
	for (int p = 0; p < 4; p++) {
		if (f->n_alt[p] == 0) continue;
		if (p >= l->n_topics) return false;
		bool any = false;
		for (size_t k = 0; k < f->n_alt[p] && !any; k++) any = memcmp(f->topics[p][k], l->topics + 32 * p, 32) == 0;
		if (!any) return false;
	}
	return true;
}

static int filter_tx(void *ud, const erc_t *x)
{
	filter_t *f = ud;
	uint32_t li = x->log_base;
	for (uint32_t k = 0; k < x->r.events_len; k++) {
		elog_t l;
		if (!elog_of(&x->r.events[k], &l)) continue;
		uint32_t idx = li++;
		bool addr_ok = f->n_addrs == 0;
		for (size_t i = 0; i < f->n_addrs && !addr_ok; i++) addr_ok = !memcmp(f->addrs[i].b, l.address.b, 20);
		if (!addr_ok || !topic_ok(f, &l)) continue;
		if (++f->count > ETH_LOGS_MAX) {
			f->over = true;
			return 1;
		}
		SVM_ASSERT(json_array_size(f->out) < ETH_LOGS_MAX);
		json_array_append_new(f->out, log_obj(x, &l, idx));
	}
	return 0;
}

static bool topic_v(json_t *v, uint8_t out[32])
{
	if (!json_is_string(v)) return false;
	const char *s = strip0x(json_string_value(v));
	return strlen(s) == 64 && svm_hex_decode(out, 32, s) == 0;
}

static bool filter_parse(json_t *o, filter_t *f, svm_rpc_error_t *e)
{
	json_t *a = json_object_get(o, "address");
	if (json_is_string(a)) {
		if (!paddr_v(a, &f->addrs[0])) return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "address must be a 20-byte hex address"), false;
		f->n_addrs = 1;
	} else if (json_is_array(a)) {
		if (json_array_size(a) > 16) return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "at most 16 addresses"), false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!paddr_v(json_array_get(a, i), &f->addrs[f->n_addrs++]))
				return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "address %zu must be a 20-byte hex address", i), false;
	}
	json_t *t = json_object_get(o, "topics");
	if (t != NULL && !json_is_null(t)) {
		if (!json_is_array(t) || json_array_size(t) > 4)
			return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "topics must be an array of at most 4 entries"), false;
		for (size_t p = 0; p < json_array_size(t); p++) {
			json_t *v = json_array_get(t, p);
			if (json_is_null(v)) continue;
			if (json_is_string(v)) {
				if (!topic_v(v, f->topics[p][0])) return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "topic %zu must be 32 hex bytes", p), false;
				f->n_alt[p] = 1;
				continue;
			}
			SVM_ASSERT(p < 4 && f->n_alt[p] == 0);
			if (!json_is_array(v) || json_array_size(v) > 8)
				return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "topic %zu: null, a topic or at most 8 alternatives", p), false;
			for (size_t k = 0; k < json_array_size(v); k++)
				if (!topic_v(json_array_get(v, k), f->topics[p][f->n_alt[p]++]))
					return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "topic %zu must be 32 hex bytes", p), false;
		}
	}
	return true;
}

static json_t *m_get_logs(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	json_t *o = svm_rpc_param(params, 0, "filter");
	if (!json_is_object(o)) return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 0 (filter) must be an object");
	filter_t *f = svm_calloc(1, sizeof *f);
	if (!f) return svm_rpc_fail(e, SVM_RPC_INTERNAL_ERROR, "out of memory");
	json_t *res = NULL;
	uint64_t from, to, head = svm_chain_height(n->chain);
	json_t *bh = json_object_get(o, "blockHash");
	if (!filter_parse(o, f, e)) goto out;
	if (bh != NULL && !json_is_null(bh)) {
		svm_hash_t want;
		if (!json_is_string(bh) || svm_hash_from_hex(&want, json_string_value(bh))) {
			svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "blockHash must be 32 hex bytes");
			goto out;
		}
		from = to = UINT64_MAX;
		for (uint64_t i = 0; i <= head && i < ETH_BLOCK_BY_HASH_SCAN && from == UINT64_MAX; i++) {
			blk_t b;
			if (blk_load(n, head - i, &b) == 0 && svm_hash_eq(&b.hash, &want)) from = to = head - i;
			blk_free(&b);
		}
		if (from == UINT64_MAX) {
			svm_rpc_fail(e, svm_rpc_app_code(SVM_ENOTFOUND), "unknown block hash (searched the last %d blocks)", ETH_BLOCK_BY_HASH_SCAN);
			goto out;
		}
	} else if (!block_v(n, json_object_get(o, "fromBlock"), &from) || !block_v(n, json_object_get(o, "toBlock"), &to)) {
		svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "fromBlock and toBlock must be block tags or numbers");
		goto out;
	}
	if (to > head) to = head;
	if (from > to) {
		res = json_array();
		goto out;
	}
	if (to - from + 1 > ETH_LOGS_BLOCKS_MAX) {
		svm_rpc_fail(e, svm_rpc_app_code(SVM_ELIMIT),
			     "block range %llu..%llu is over %d blocks: ask for it in pages of at most %d blocks",
			     (unsigned long long)from, (unsigned long long)to, ETH_LOGS_BLOCKS_MAX, ETH_LOGS_BLOCKS_MAX);
		goto out;
	}
	f->out = json_array();
	for (uint64_t h = from; h <= to && !f->over; h++) {
		blk_t b;
		if (blk_load(n, h, &b) == 0) walk_block(n, &b, filter_tx, f);
		blk_free(&b);
	}
	if (f->over) {
		json_decref(f->out);
		svm_rpc_fail(e, svm_rpc_app_code(SVM_ELIMIT), "more than %d logs: narrow the block range or the filter",
			     ETH_LOGS_MAX);
		goto out;
	}
	res = f->out;
out:
	svm_free(f);
	return res;
}

size_t svm_node_eth_methods(svm_node_t *n, svm_rpc_method_t *m, size_t max)
{
	const svm_rpc_method_t table[] = {
		{"eth_chainId", m_chain_id, n},
		{"net_version", m_net_version, n},
		{"web3_clientVersion", m_client_version, n},
		{"eth_syncing", m_false, n},
		{"eth_accounts", m_accounts, n},
		{"eth_blockNumber", m_block_number, n},
		{"eth_gasPrice", m_gas_price, n},
		{"eth_maxPriorityFeePerGas", m_max_priority, n},
		{"eth_feeHistory", m_fee_history, n},
		{"eth_getBalance", m_get_balance, n},
		{"eth_getTransactionCount", m_get_tx_count, n},
		{"eth_getCode", m_get_code, n},
		{"eth_getStorageAt", m_get_storage, n},
		{"eth_call", m_call, n},
		{"eth_estimateGas", m_estimate_gas, n},
		{"eth_sendRawTransaction", m_send_raw, n},
		{"eth_getTransactionByHash", m_get_tx, n},
		{"eth_getTransactionReceipt", m_get_receipt, n},
		{"eth_getBlockByNumber", m_block_by_number, n},
		{"eth_getBlockByHash", m_block_by_hash, n},
		{"eth_getLogs", m_get_logs, n},
		{"svm_getEvmAddressIdentity", m_evm_identity, n},
	};
	return node_methods_put(m, max, table, sizeof table / sizeof table[0]);
}

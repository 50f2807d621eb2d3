/* The node's JSON-RPC methods (svm_*), documented with examples in docs/rpc.md. Every method
 * is thread-safe: it reads the chain through its query functions (each its own snapshot) and
 * the mempool under its lock. Bad parameters are -32602; SuperVM errors are application codes
 * (SVM_RPC_APP_BASE + SVM_E…); "not found" for a hash is a null result, as in Ethereum. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "supervm/evm.h"
#include "supervm/state.h"
#include "supervm/vm.h"

/* ------------------------------------------------------------- helpers */

/* A u64 as a JSON integer, or as a decimal string past 2^63 − 1 (JSON numbers are i64 here). */

/* Parameter index as hex bytes (≤ max) into buf. */
static bool pbytes(json_t *params, size_t i, const char *name, size_t max, svm_buf_t *buf,
		   svm_rpc_error_t *e)
{
	json_t *v = svm_rpc_param(params, i, name);
	if (!json_is_string(v)) {
		svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param %zu (%s) must be a hex string", i, name);
		return false;
	}
	int rc = svm_hex_decode_buf(buf, json_string_value(v), max);
	if (rc == SVM_ELIMIT) {
		svm_rpc_fail(e, svm_rpc_app_code(SVM_ELIMIT), "param %zu (%s) is over %zu bytes", i, name, max);
		return false;
	}
	if (rc != 0) {
		svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param %zu (%s) is not valid hex", i, name);
		return false;
	}
	return true;
}

/* An optional token parameter: "SWR" (default), "AIC" or 64 hex. */
static bool ptoken(json_t *params, size_t i, svm_id_t *out, svm_rpc_error_t *e)
{
	json_t *v = svm_rpc_param(params, i, "token");
	if (v == NULL || json_is_null(v)) {
		svm_token_id("SWR", out);
		return true;
	}
	if (!json_is_string(v) || svm_token_parse(out, json_string_value(v)) != 0) {
		svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "token must be \"SWR\", \"AIC\" or 64 hex digits");
		return false;
	}
	return true;
}

static json_t *fail_rc(svm_rpc_error_t *e, int rc, const char *what)
{
	if (rc == SVM_EIO || rc == SVM_ENOMEM)
		return svm_rpc_fail(e, SVM_RPC_INTERNAL_ERROR, "%s: %s", what, svm_strerror(rc));
	return svm_rpc_fail(e, svm_rpc_app_code(rc), "%s: %s", what, svm_strerror(rc));
}

static const char *access_name(uint8_t m) { return m == SVM_ACCESS_STRICT ? "strict" : "dynamic"; }

static json_t *tx_json(const uint8_t *p, size_t len)
{
	svm_arena_t a;
	svm_arena_init(&a, 64 * 1024);
	svm_tx_t t;
	svm_hash_t id;
	json_t *j = NULL;
	if (svm_tx_decode_any(p, len, &a, &t, &id, NULL) == 0) {
		json_t *writes = json_array(), *reads = json_array(), *inputs = json_array();
		for (uint32_t i = 0; i < t.writes_len; i++) json_array_append_new(writes, jhash(&t.writes[i]));
		for (uint32_t i = 0; i < t.reads_len; i++) json_array_append_new(reads, jhash(&t.reads[i]));
		for (uint32_t i = 0; i < t.inputs_len; i++)
			json_array_append_new(inputs, json_pack("{s:o, s:o}", "id", jhash(&t.inputs[i].id),
								"version", ju64(t.inputs[i].version)));
		j = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:s, s:o, s:o, s:o}",
			      "hash", jhash(&id), "chain_id", ju64(t.chain_id), "sender", jhash(&t.sender),
			      "nonce", ju64(t.nonce), "expiry_height", ju64(t.expiry_height), "fee_limit",
			      ju64(t.fee_limit), "tip", ju64(t.tip), "access_mode", access_name(t.access_mode),
			      "inputs", inputs, "reads", reads, "writes", writes, "vm",
			      t.vm == SVM_VM_NATIVE ? "native" : t.vm == SVM_VM_WASM ? "wasm" : "evm", "payload", jhex(t.payload, t.payload_len),
			      "public_key", jhex(t.public_key, t.public_key_len), "raw", jhex(p, len));
	}
	svm_arena_reset(&a);
	return j;
}

/* An aborted contract's message as a JSON string: the bytes when they are UTF-8 without
 * control characters, else with every byte outside printable ASCII shown as '?'. */
static json_t *abort_text(const uint8_t *p, size_t n)
{
	char s[SVM_ABORT_MESSAGE_MAX + 1];
	bool plain = n <= SVM_ABORT_MESSAGE_MAX;
	for (size_t i = 0; plain && i < n; i++) plain = p[i] >= 0x20 && p[i] != 0x7f;
	json_t *j = plain ? json_stringn((const char *)p, n) : NULL;
	if (j) return j;
	if (n > SVM_ABORT_MESSAGE_MAX) n = SVM_ABORT_MESSAGE_MAX;
	SVM_ASSERT(n < sizeof s);
	for (size_t i = 0; i < n; i++) s[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	return json_stringn(s, n);
}

static json_t *receipt_json(const uint8_t *p, size_t len)
{
	svm_arena_t a;
	svm_arena_init(&a, 1 << 20);
	svm_receipt_t r;
	json_t *j = NULL;
	if (svm_receipt_decode(p, len, &a, &r, NULL) == 0) {
		json_t *events = json_array();
		for (uint32_t i = 0; i < r.events_len; i++)
			json_array_append_new(events, json_pack("{s:o, s:o, s:o}", "emitter",
								jhash(&r.events[i].emitter), "topic",
								jhex(r.events[i].topic, r.events[i].topic_len),
								"data", jhex(r.events[i].data, r.events[i].data_len)));
		j = json_pack("{s:o, s:i, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "tx_hash",
			      jhash(&r.tx_id), "status", r.status, "status_name",
			      r.status == 0 ? "success" : svm_strerror(-(int)r.status), "tx_bytes",
			      ju64(r.tx_bytes), "steps", ju64(r.steps), "mem_bytes", ju64(r.mem_bytes),
			      "fee_charged", ju64(r.fee_charged), "tip_paid", ju64(r.tip_paid), "events", events,
			      "return_data", jhex(r.return_data, r.return_data_len), "raw", jhex(p, len));
		if (j && r.status == svm_receipt_status(SVM_EABORT) && r.return_data_len)
			json_object_set_new(j, "abort_message", abort_text(r.return_data, r.return_data_len));
	}
	svm_arena_reset(&a);
	return j;
}

static json_t *header_json(const svm_header_t *h, const svm_hash_t *hash)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:o, s:o}", "height",
			 ju64(h->height), "hash", jhash(hash), "parent", jhash(&h->parent), "chain_id",
			 ju64(h->chain_id), "round", ju64(h->round), "timestamp_ms", ju64(h->timestamp_ms),
			 "proposer", jhash(&h->proposer), "tx_count", (json_int_t)h->tx_count, "tx_root",
			 jhash(&h->tx_root), "receipts_root", jhash(&h->receipts_root), "state_root",
			 jhash(&h->state_root));
}

/* -------------------------------------------------------------- methods */

static json_t *m_chain_id(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	return ju64(n->chain_id);
}

static json_t *m_send_raw(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_buf_t tx = {0};
	json_t *res = NULL;
	if (pbytes(params, 0, "tx", SVM_TX_BYTES_MAX, &tx, e)) {
		svm_hash_t id;
		svm_error_t err = {0};
		int rc = svm_mempool_add(n->mempool, tx.data, tx.len, atomic_load(&n->head_height), &id, &err);
		if (rc == 0) node_vc_gossip(n, tx.data, tx.len);
		res = rc == 0 ? jhash(&id) : svm_rpc_fail_svm(e, &err);
		if (rc == 0) node_subs_pending(n, &id);
	}
	svm_buf_free(&tx);
	return res;
}

static json_t *m_get_tx(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_hash_t id;
	if (!phash(params, 0, "hash", &id, e)) return NULL;
	svm_buf_t b = {0};
	uint64_t height = 0;
	uint32_t index = 0;
	json_t *res;
	int rc = svm_chain_tx(n->chain, &id, &b, &height, &index);
	if (rc == 0) {
		res = tx_json(b.data, b.len);
		if (res) {
			json_object_set_new(res, "status", json_string("committed"));
			json_object_set_new(res, "block_height", ju64(height));
			json_object_set_new(res, "index", json_integer(index));
		}
	} else if (rc == SVM_ENOTFOUND && svm_mempool_get(n->mempool, &id, &b) == 0) {
		res = tx_json(b.data, b.len);
		if (res) json_object_set_new(res, "status", json_string("pending"));
	} else if (rc == SVM_ENOTFOUND) {
		res = json_null();
	} else {
		res = fail_rc(e, rc, "transaction lookup");
	}
	svm_buf_free(&b);
	return res;
}

static json_t *m_get_receipt(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_hash_t id;
	if (!phash(params, 0, "hash", &id, e)) return NULL;
	svm_buf_t r = {0}, proof = {0}, blk = {0};
	uint64_t height = 0;
	uint32_t index = 0, count = 0;
	json_t *res = NULL;
	int rc = svm_chain_receipt(n->chain, &id, &r, &proof, &height, &index, &count);
	if (rc == SVM_ENOTFOUND) {
		res = json_null();
		goto done;
	}
	if (rc == 0) rc = svm_chain_block(n->chain, height, &blk);
	if (rc != 0) {
		res = fail_rc(e, rc, "receipt lookup");
		goto done;
	}
	svm_arena_t a;
	svm_arena_init(&a, 1 << 20);
	svm_block_t b;
	svm_hash_t bhash;
	if (svm_block_decode(blk.data, blk.len, &a, &b, &bhash, NULL) != 0) {
		svm_arena_reset(&a);
		res = svm_rpc_fail(e, SVM_RPC_INTERNAL_ERROR, "stored block %llu does not decode",
				   (unsigned long long)height);
		goto done;
	}
	res = receipt_json(r.data, r.len);
	/* the receipt is one of its block's, the proof one hash per level */
	SVM_ASSERT(count == b.header.tx_count && proof.len % 32 == 0);
	if (res != NULL) {
		json_t *path = json_array();
		for (size_t off = 0; off + 32 <= proof.len; off += 32) json_array_append_new(path, jhex(proof.data + off, 32));
		json_object_set_new(res, "block_height", ju64(height));
		json_object_set_new(res, "block_hash", jhash(&bhash));
		json_object_set_new(res, "index", json_integer(index));
		json_object_set_new(res, "proof", json_pack("{s:i, s:i, s:o, s:o}", "leaf_index", (json_int_t)index,
							   "leaf_count", (json_int_t)count, "path", path,
							   "receipts_root", jhash(&b.header.receipts_root)));
	}
	svm_arena_reset(&a);
done:
	svm_buf_free(&r);
	svm_buf_free(&proof);
	svm_buf_free(&blk);
	return res;
}

static json_t *m_get_block(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	json_t *which = svm_rpc_param(params, 0, "number");
	json_t *full = svm_rpc_param(params, 1, "full");
	uint64_t height;
	if (json_is_string(which) && strcmp(json_string_value(which), "latest") == 0)
		height = svm_chain_height(n->chain);
	else if (json_is_integer(which) && json_integer_value(which) >= 0)
		height = (uint64_t)json_integer_value(which);
	else
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 0 (number) must be an integer ≥ 0 or \"latest\"");
	if (full != NULL && !json_is_boolean(full))
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 1 (full) must be a boolean");
	svm_buf_t blk = {0};
	int rc = svm_chain_block(n->chain, height, &blk);
	if (rc == SVM_ENOTFOUND) {
		svm_buf_free(&blk);
		return json_null();
	}
	if (rc != 0) {
		svm_buf_free(&blk);
		return fail_rc(e, rc, "block lookup");
	}
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_block_t b;
	svm_hash_t bhash;
	json_t *res = NULL;
	if (svm_block_decode(blk.data, blk.len, &a, &b, &bhash, NULL) != 0) {
		res = svm_rpc_fail(e, SVM_RPC_INTERNAL_ERROR, "stored block does not decode");
	} else {
		SVM_ASSERT(b.header.height == height); /* the height index names this block */
		res = header_json(&b.header, &bhash);
		json_t *txs = json_array();
		for (uint32_t i = 0; i < b.txs_len; i++) {
			if (json_is_true(full)) {
				json_array_append_new(txs, tx_json(b.txs[i].p, b.txs[i].len));
				continue;
			}
			svm_tx_t t;
			svm_hash_t id;
			if (svm_tx_decode_any(b.txs[i].p, b.txs[i].len, &a, &t, &id, NULL) == 0)
				json_array_append_new(txs, jhash(&id));
		}
		json_object_set_new(res, "transactions", txs);
		json_object_set_new(res, "size", ju64(blk.len));
	}
	svm_arena_reset(&a);
	svm_buf_free(&blk);
	return res;
}

static json_t *m_state_root(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_hash_t bh, root;
	uint64_t h;
	for (int i = 0; i < 8; i++) { /* height and head are two reads: retry across a commit */
		h = svm_chain_height(n->chain);
		svm_chain_head(n->chain, &bh, &root);
		if (svm_chain_height(n->chain) == h) break;
	}
	return json_pack("{s:o, s:o, s:o}", "height", ju64(h), "state_root", jhash(&root), "block_hash",
			 jhash(&bh));
}

static json_t *m_balance(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_id_t owner, token;
	if (!phash(params, 0, "owner", &owner, e) || !ptoken(params, 1, &token, e)) return NULL;
	uint64_t amount = 0;
	int rc = svm_chain_balance(n->chain, &token, &owner, &amount);
	if (rc != 0 && rc != SVM_ENOTFOUND) return fail_rc(e, rc, "balance lookup");
	return json_pack("{s:o, s:o, s:o, s:o}", "owner", jhash(&owner), "token", jhash(&token), "amount",
			 ju64(rc == 0 ? amount : 0), "height", ju64(svm_chain_height(n->chain)));
}

static json_t *m_account(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_id_t owner;
	if (!phash(params, 0, "owner", &owner, e)) return NULL;
	uint64_t nonce = 0, pending = 0, swr = 0, aic = 0;
	int rc = node_pending_nonce(n, &owner, &nonce, &pending);
	if (rc == 0) rc = svm_chain_balance(n->chain, &n->swr, &owner, &swr);
	if (rc == SVM_ENOTFOUND) swr = 0, rc = 0;
	if (rc == 0) rc = svm_chain_balance(n->chain, &n->aic, &owner, &aic);
	if (rc == SVM_ENOTFOUND) aic = 0, rc = 0;
	if (rc != 0) return fail_rc(e, rc, "account lookup");
	/* pending_nonce: the nonce for the sender's next transaction counting the mempool's. */
	return json_pack("{s:o, s:o, s:o, s:{s:o, s:o}, s:o}", "id", jhash(&owner), "nonce", ju64(nonce),
			 "pending_nonce", ju64(pending),
			 "balances", "SWR", ju64(swr), "AIC", ju64(aic), "height",
			 ju64(svm_chain_height(n->chain)));
}

static json_t *m_proof(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_id_t id;
	if (!phash(params, 0, "object", &id, e)) return NULL;
	svm_buf_t proof = {0}, obj = {0};
	svm_hash_t root;
	uint64_t height = 0;
	json_t *res = NULL;
	/* Object and proof come from two snapshots; retry until both saw the same head.
	 * (A chain query returning both from one snapshot would remove the loop.) */
	int rc = 0;
	bool present = false;
	for (int attempt = 0; attempt < 8; attempt++) {
		svm_buf_reset(&proof);
		svm_buf_reset(&obj);
		uint64_t h0 = svm_chain_height(n->chain);
		rc = svm_chain_object(n->chain, &id, &obj);
		present = rc == 0;
		if (rc == SVM_ENOTFOUND) rc = 0;
		if (rc == 0) rc = svm_chain_prove(n->chain, &id, &proof, &root, &height);
		if (rc != 0 || height == h0) break;
	}
	if (rc != 0) {
		res = fail_rc(e, rc, "proof");
		goto done;
	}
	svm_hash_t vh;
	if (present) svm_state_value_hash(obj.data, obj.len, &vh);
	bool ok = svm_state_proof_verify(&root, &id, present ? &vh : NULL, proof.data, proof.len) == 0;
	res = json_pack("{s:o, s:o, s:o, s:b, s:o, s:o, s:b}", "object_id", jhash(&id), "height",
			ju64(height), "state_root", jhash(&root), "exists", present, "object",
			present ? jhex(obj.data, obj.len) : json_null(), "proof", jhex(proof.data, proof.len),
			"verified_by_node", ok);
done:
	svm_buf_free(&proof);
	svm_buf_free(&obj);
	return res;
}

static json_t *m_status(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_hash_t bh, root;
	uint64_t h = svm_chain_height(n->chain);
	svm_chain_head(n->chain, &bh, &root);
	svm_mempool_stats_t ms;
	svm_mempool_stats(n->mempool, &ms);
	pthread_mutex_lock(&n->mu);
	uint64_t blocks = n->blocks_produced, txs = n->txs_committed, build_ns = n->build_ns_last;
	pthread_mutex_unlock(&n->mu);
	json_t *res = json_pack(
		"{s:o, s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}, s:f, s:o, s:o, s:f, s:o, s:b, s:o}",
		"chain_id", ju64(n->chain_id), "height", ju64(h), "block_hash", jhash(&bh), "state_root",
		jhash(&root), "mempool", "count", ju64(ms.count), "bytes", ju64(ms.bytes), "senders",
		ju64(ms.senders), "admitted", ju64(ms.admitted), "rejected", ju64(ms.rejected),
		"evicted", ju64(ms.evicted), "pruned", ju64(ms.pruned), "included", ju64(ms.included),
		"tx_per_s", (double)(int64_t)(svm_node_tx_rate(n) * 10 + 0.5) / 10, "blocks_produced", ju64(blocks), "txs_committed", ju64(txs),
		"last_build_ms", (double)(build_ns / 100000) / 10, "block_ms", ju64(n->cfg.block_ms), "devnet",
		n->cfg.devnet, "proposer", jhash(&n->proposer));
	if (res != NULL && !svm_hash_is_zero(&n->faucet)) json_object_set_new(res, "faucet", jhash(&n->faucet));
	if (res != NULL) json_object_set_new(res, "slot_ms", ju64(node_slot_ms(n))); /* what paces it */
	if (res != NULL) json_object_set_new(res, "consensus", node_vc_status_json(n));
	return res;
}

static json_t *m_evidence(void *ctx, json_t *params, svm_rpc_error_t *e) { return node_vc_evidence_json(ctx); }
/* svm_getValidatorSet [epoch?]: the consensus set of an epoch (default: the current one). */
static json_t *m_validators(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	json_t *p = svm_rpc_param(params, 0, "epoch");
	uint64_t epoch = UINT64_MAX;
	if (p != NULL && !json_is_null(p)) {
		if (!json_is_integer(p) || json_integer_value(p) < 0)
			return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 0 (epoch) must be a non-negative integer");
		epoch = (uint64_t)json_integer_value(p);
	}
	json_t *r = node_vc_validators_json(ctx, epoch);
	if (r == NULL) return svm_rpc_fail(e, SVM_RPC_APP_BASE + SVM_ENOTFOUND, "no validator set of epoch %llu here", (unsigned long long)epoch);
	return r;
}

/* Test hook, devnet/testnet chains only: [ms] cuts this node off from every peer for ms. */
static json_t *m_test_isolate(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	json_t *ms = svm_rpc_param(params, 0, "ms");
	if (!n->cfg.devnet) return svm_rpc_fail(e, SVM_RPC_METHOD_NOT_FOUND, "svm_testIsolate exists on devnets only");
	if (!json_is_integer(ms) || json_integer_value(ms) < 1 || json_integer_value(ms) > 600000)
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "want milliseconds in 1..600000");
	if (node_vc_isolate(n, (uint64_t)json_integer_value(ms)) != 0)
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "this node has no peers");
	return json_true();
}

/* The certificate of a committed block: [height] -> {height, qc, header} with the QC that
 * certifies it, or {height, commit_proof, header} while this node holds only the proof that
 * it committed (docs/consensus.md, Host interface), or null. */
static json_t *m_block_qc(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	json_t *h = svm_rpc_param(params, 0, "height");
	if (!json_is_integer(h) || json_integer_value(h) < 0)
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "want a block height");
	svm_buf_t qc = {0};
	int rc = node_vc_block_qc(n, (uint64_t)json_integer_value(h), &qc);
	json_t *res = json_null();
	svm_buf_t blk = {0}, hdr = {0};
	svm_header_t hd;
	if (rc == 0) rc = svm_chain_block(n->chain, (uint64_t)json_integer_value(h), &blk);
	if (rc == 0 && (node_block_header(blk.data, blk.len, &hd, NULL) != 0 ||
			svm_header_encode(&hd, &hdr) != 0))
		rc = SVM_EIO;
	if (rc == 0) {
		char *hex = svm_malloc(2 * qc.len + 3), *hhex = svm_malloc(2 * hdr.len + 3);
		SVM_ASSERT(hdr.len > 0); /* an encoded header is never empty */
		if (hex != NULL && hhex != NULL) {
			hex[0] = '0', hex[1] = 'x';
			svm_hex_encode(hex + 2, qc.data, qc.len);
			hhex[0] = '0', hhex[1] = 'x';
			svm_hex_encode(hhex + 2, hdr.data, hdr.len);
			bool proof = qc.len > 0 && qc.data[0] == SVM_CONS_TAG_COMMIT_PROOF;
			res = json_pack("{s:I, s:s, s:s}", "height", json_integer_value(h), proof ? "commit_proof" : "qc",
					hex, "header", hhex);
		}
		svm_free(hex);
		svm_free(hhex);
	} else if (rc != SVM_ENOTFOUND) {
		res = svm_rpc_fail(e, SVM_RPC_INTERNAL_ERROR, "storage: %s", svm_strerror(rc));
	}
	svm_buf_free(&qc);
	svm_buf_free(&blk);
	svm_buf_free(&hdr);
	return res;
}

/* Dry run shared by simulate and estimate: the receipt bytes, or NULL with e filled. */
static bool simulate(svm_node_t *n, json_t *params, svm_buf_t *receipt, svm_rpc_error_t *e)
{
	svm_buf_t tx = {0};
	bool ok = pbytes(params, 0, "tx", SVM_TX_BYTES_MAX, &tx, e);
	if (ok) {
		svm_error_t err = {0};
		int rc = svm_chain_simulate(n->chain, tx.data, tx.len, receipt, &err);
		if (rc != 0) {
			if (err.code == 0) svm_error_set(&err, rc, "%s", svm_strerror(rc));
			svm_rpc_fail_svm(e, &err);
			ok = false;
		}
	}
	svm_buf_free(&tx);
	return ok;
}

static json_t *m_simulate(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_buf_t r = {0};
	json_t *res = simulate(ctx, params, &r, e) ? receipt_json(r.data, r.len) : NULL;
	svm_buf_free(&r);
	return res;
}

static json_t *m_estimate(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_buf_t r = {0};
	json_t *res = NULL;
	if (simulate(n, params, &r, e)) {
		svm_arena_t a;
		svm_arena_init(&a, 1 << 20);
		svm_receipt_t rc;
		if (svm_receipt_decode(r.data, r.len, &a, &rc, NULL) == 0) {
			uint64_t fee = rc.fee_charged;
			SVM_ASSERT(rc.status == 0); /* svm_chain_simulate fails a transaction it would not include */
			svm_params_t gp;
			svm_fee_params_t fp = n->fees;
			if (svm_chain_params(n->chain, &gp) == 0) fp = (svm_fee_params_t){gp.fee_a, gp.fee_b, gp.fee_c, gp.fee_d};
			/* Headroom for state-dependent steps: the fee plus half again. The fee already
			 * carries the congestion multiplier of the objects the transaction writes. */
			svm_buf_t tx = {0};
			svm_rpc_error_t e2 = {0};
			uint64_t cong = SVM_CONGESTION_ONE;
			if (pbytes(params, 0, "tx", SVM_TX_BYTES_MAX, &tx, &e2)) cong = node_tx_congestion(n, tx.data, tx.len);
			svm_buf_free(&tx);
			res = json_pack("{s:o, s:o, s:o, s:o, s:o, s:i, s:{s:o, s:o, s:o, s:o}, s:o}", "fee",
					ju64(fee), "fee_limit_suggested", ju64(fee + fee / 2), "steps",
					ju64(rc.steps), "tx_bytes", ju64(rc.tx_bytes), "mem_bytes",
					ju64(rc.mem_bytes), "status", rc.status, "params", "a", ju64(fp.a),
					"b", ju64(fp.b), "c", ju64(fp.c), "d", ju64(fp.d), "congestion_bps", ju64(cong));
		} else {
			res = svm_rpc_fail(e, SVM_RPC_INTERNAL_ERROR, "simulation produced a bad receipt");
		}
		svm_arena_reset(&a);
	}
	svm_buf_free(&r);
	return res;
}

size_t svm_node_api_methods(svm_node_t *n, svm_rpc_method_t *m, size_t max)
{
	const svm_rpc_method_t table[] = {
		{"svm_chainId", m_chain_id, n},
		{"svm_sendRawTransaction", m_send_raw, n},
		{"svm_getTransactionByHash", m_get_tx, n},
		{"svm_getTransactionReceipt", m_get_receipt, n},
		{"svm_getBlockByNumber", m_get_block, n},
		{"svm_getStateRoot", m_state_root, n},
		{"svm_getBalance", m_balance, n},
		{"svm_getAccount", m_account, n},
		{"svm_getProof", m_proof, n},
		{"svm_status", m_status, n},
		{"svm_simulateTransaction", m_simulate, n},
		{"svm_estimateFee", m_estimate, n},
		{"svm_requestFaucet", node_faucet_rpc, n},
		{"svm_getEvidence", m_evidence, n},
		{"svm_getValidatorSet", m_validators, n},
		{"svm_getBlockQC", m_block_qc, n},
		{"svm_testIsolate", m_test_isolate, n},
	};
	size_t k = node_methods_put(m, max, table, sizeof table / sizeof table[0]);
	k += svm_node_explore_methods(n, m + k, max - k); /* explore_api.c */
	k += svm_node_ai_methods(n, m + k, max - k); /* ai_api.c */
	k += svm_node_eth_methods(n, m + k, max - k); /* eth_api.c */
	k += svm_node_econ_methods(n, m + k, max - k);
	k += svm_node_verify_methods(n, m + k, max - k); /* verify_api.c */
	SVM_ASSERT(k <= max); /* each table is cut to what is left, so max - k never wraps */
	return k + svm_node_token_methods(n, m + k, max - k); /* tokens.c */
}

/* JSON-RPC queries of the economy (docs/rpc.md, docs/economics.md): governed parameters,
 * pools and swap quotes, validators, delegations and unbonding queues, proposals and tallies.
 * Each reads the head state through svm_chain_object. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "supervm/econ.h"
#include "supervm/evm.h"

static json_t *hexj(const uint8_t *p, size_t n)
{
	char s[2 * 64 + 1];
	svm_hex_encode(s, p, n < 64 ? n : 64);
	return json_string(s);
}

static bool pid(json_t *params, size_t i, const char *name, svm_id_t *out, svm_rpc_error_t *e)
{
	json_t *v = svm_rpc_param(params, i, name);
	if (json_is_string(v) && svm_token_parse(out, json_string_value(v)) == 0) return true;
	svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param %zu (%s) must be 64 hex digits%s", i, name,
		     strstr(name, "token") ? ", \"SWR\" or \"AIC\"" : "");
	return false;
}

static bool pu64(json_t *params, size_t i, const char *name, uint64_t *out, svm_rpc_error_t *e)
{
	json_t *v = svm_rpc_param(params, i, name);
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return true;
	}
	if (json_is_string(v)) {
		char *end;
		const char *s = json_string_value(v);
		unsigned long long x = strtoull(s, &end, 10);
		if (*s >= '0' && *s <= '9' && *end == 0) {
			*out = x;
			return true;
		}
	}
	svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param %zu (%s) must be a u64", i, name);
	return false;
}

/* The payload of object id at the head; false when absent (e says so unless quiet). */
static int object(svm_node_t *n, const svm_id_t *id, svm_buf_t *buf, svm_object_t *o)
{
	buf->len = 0;
	int rc = svm_chain_object(n->chain, id, buf);
	if (rc == 0 && svm_object_decode(buf->data, buf->len, o, NULL)) rc = SVM_EIO;
	return rc;
}

static json_t *fail(svm_rpc_error_t *e, int rc, const char *what)
{
	if (rc == SVM_EIO || rc == SVM_ENOMEM)
		return svm_rpc_fail(e, SVM_RPC_INTERNAL_ERROR, "%s: %s", what, svm_strerror(rc));
	return svm_rpc_fail(e, svm_rpc_app_code(rc), "%s: %s", what, svm_strerror(rc));
}

/* svm_getParams [] → every governed parameter by name, with the height. */
static json_t *m_params(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_params_t p;
	int rc = svm_chain_params(n->chain, &p);
	if (rc) return fail(e, rc, "parameters");
	json_t *o = json_object();
	for (size_t i = 0; i < svm_params_fields_len; i++)
		json_object_set_new(o, svm_params_fields[i].name, ju64(*svm_params_at(&p, &svm_params_fields[i])));
	return json_pack("{s:o, s:o}", "height", ju64(svm_chain_height(n->chain)), "params", o);
}

static bool pool_key(json_t *params, svm_id_t *x, svm_id_t *y, uint64_t *fee, svm_id_t *pool,
		     svm_rpc_error_t *e)
{
	if (!pid(params, 0, "token_x", x, e) || !pid(params, 1, "token_y", y, e) ||
	    !pu64(params, 2, "fee_bps", fee, e))
		return false;
	bool lt = memcmp(x->b, y->b, 32) < 0;
	svm_amm_pool_id(lt ? x : y, lt ? y : x, *fee, pool);
	return true;
}

static json_t *pool_json(svm_node_t *n, const svm_id_t *id, svm_amm_pool_t *p, svm_rpc_error_t *e)
{
	svm_buf_t b = {0};
	svm_object_t o;
	int rc = object(n, id, &b, &o);
	if (rc == 0 && svm_amm_pool_decode(o.payload, o.payload_len, p)) rc = SVM_EIO;
	svm_buf_free(&b);
	if (rc) return fail(e, rc, "pool");
	svm_id_t lp;
	svm_amm_lp_token(id, &lp);
	svm_id_t tok;
	svm_token_object_id(&lp, &tok);
	uint64_t supply = 0;
	svm_buf_t tb = {0};
	if (object(n, &tok, &tb, &o) == 0) {
		svm_reader_t r = svm_reader(o.payload, o.payload_len);
		uint64_t sl, dec;
		const uint8_t *s;
		if (svm_varint_read(&r, &sl) || svm_reader_bytes(&r, sl, &s) || svm_varint_read(&r, &dec) ||
		    svm_varint_read(&r, &supply))
			supply = 0;
	}
	svm_buf_free(&tb);
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "pool", jhash(id), "token_a", jhash(&p->a),
			 "token_b", jhash(&p->b), "fee_bps", ju64(p->fee_bps), "reserve_a", ju64(p->ra),
			 "reserve_b", ju64(p->rb), "lp_token", jhash(&lp), "shares", ju64(supply));
}

/* svm_getPool [token_x, token_y, fee_bps] */
static json_t *m_pool(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_id_t x, y, pool;
	uint64_t fee;
	svm_amm_pool_t p;
	if (!pool_key(params, &x, &y, &fee, &pool, e)) return NULL;
	return pool_json(ctx, &pool, &p, e);
}

/* svm_quoteSwap [token_in, token_out, fee_bps, amount, "in"|"out"]: exact-in gives the output,
 * exact-out the input, at the head's reserves. */
static json_t *m_quote(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_id_t x, y, pool;
	uint64_t fee, amount, q;
	svm_amm_pool_t p;
	if (!pool_key(params, &x, &y, &fee, &pool, e) || !pu64(params, 3, "amount", &amount, e)) return NULL;
	json_t *kind = svm_rpc_param(params, 4, "kind");
	bool exact_out = json_is_string(kind) && !strcmp(json_string_value(kind), "out");
	if (kind && !json_is_null(kind) && !exact_out && !(json_is_string(kind) && !strcmp(json_string_value(kind), "in")))
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 4 (kind) must be \"in\" or \"out\"");
	json_t *pj = pool_json(ctx, &pool, &p, e);
	if (pj == NULL) return NULL;
	bool a_in = svm_hash_eq(&x, &p.a);
	uint64_t rin = a_in ? p.ra : p.rb, rout = a_in ? p.rb : p.ra;
	int rc = exact_out ? svm_amm_quote_out(rin, rout, p.fee_bps, amount, &q)
			   : svm_amm_quote_in(rin, rout, p.fee_bps, amount, &q);
	if (rc) {
		json_decref(pj);
		return fail(e, rc, "quote");
	}
	json_object_set_new(pj, "amount_in", ju64(exact_out ? q : amount));
	json_object_set_new(pj, "amount_out", ju64(exact_out ? amount : q));
	return pj;
}

static json_t *validator_json(svm_node_t *n, const svm_id_t *op, svm_rpc_error_t *e)
{
	svm_id_t vid;
	svm_buf_t b = {0};
	svm_object_t o;
	svm_validator_t v;
	svm_staking_validator_id(op, &vid);
	int rc = object(n, &vid, &b, &o);
	if (rc == 0 && svm_validator_decode(o.payload, o.payload_len, &v)) rc = SVM_EIO;
	svm_buf_free(&b);
	if (rc) return fail(e, rc, "validator");
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o}", "operator", jhash(op), "consensus_key",
			 hexj(v.consensus_key, 32), "vrf_key", hexj(v.vrf_key, 32), "commission_bps",
			 ju64(v.commission_bps), "tokens", ju64(v.tokens), "shares", ju64(v.shares), "jailed",
			 v.jailed != 0, "unjail_epoch", ju64(v.unjail_epoch), "slashed", ju64(v.slashed));
}

/* svm_getValidators [] → the registered validators and the active set consensus uses. */
static json_t *m_validators(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_id_t rid, sid;
	svm_buf_t b = {0};
	svm_object_t o;
	json_t *all = json_array(), *active = json_array();
	svm_staking_registry_id(&rid);
	int rc = object(n, &rid, &b, &o);
	if (rc == 0) {
		svm_reader_t r = svm_reader(o.payload, o.payload_len);
		uint64_t cnt;
		svm_id_t op;
		if (svm_varint_read(&r, &cnt)) cnt = 0;
		for (uint64_t i = 0; i < cnt && svm_reader_copy(&r, op.b, 32) == 0; i++) {
			json_t *v = validator_json(n, &op, e);
			if (v == NULL) break;
			json_array_append_new(all, v);
		}
	}
	svm_validator_set_id(&sid);
	size_t cnt = 0;
	if (object(n, &sid, &b, &o) == 0) {
		svm_validator_entry_t *vs = svm_malloc(SVM_STAKE_VALIDATORS_MAX * sizeof *vs);
		if (vs && svm_staking_validator_set(o.payload, o.payload_len, vs, SVM_STAKE_VALIDATORS_MAX, &cnt) == 0)
			for (size_t i = 0; i < cnt; i++)
				json_array_append_new(active, json_pack("{s:o, s:o}", "consensus_key", hexj(vs[i].key, 32),
									"stake", ju64(vs[i].stake)));
		svm_free(vs);
	}
	svm_buf_free(&b);
	return json_pack("{s:o, s:o, s:o}", "height", ju64(svm_chain_height(n->chain)), "validators", all,
			 "active_set", active);
}

/* svm_getValidator [operator] */
static json_t *m_validator(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_id_t op;
	if (!pid(params, 0, "operator", &op, e)) return NULL;
	return validator_json(ctx, &op, e);
}

/* svm_getDelegation [operator, delegator] → shares, their SWR value (rewards compound into it),
 * the delegator's pending unbondings from that validator, and `claimable`: what a claim in the
 * next block pays (the unbondings whose release epoch has come). */
static json_t *m_delegation(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_id_t op, d, id;
	if (!pid(params, 0, "operator", &op, e) || !pid(params, 1, "delegator", &d, e)) return NULL;
	svm_buf_t b = {0};
	svm_object_t o;
	svm_validator_t v = {0};
	uint64_t shares = 0;
	svm_staking_validator_id(&op, &id);
	int rc = object(n, &id, &b, &o);
	if (rc == 0 && svm_validator_decode(o.payload, o.payload_len, &v)) rc = SVM_EIO;
	if (rc) {
		svm_buf_free(&b);
		return fail(e, rc, "validator");
	}
	svm_staking_delegation_id(&op, &d, &id);
	if (object(n, &id, &b, &o) == 0) {
		svm_reader_t r = svm_reader(o.payload, o.payload_len);
		if (svm_varint_read(&r, &shares)) shares = 0;
	}
	uint64_t value = v.shares ? (uint64_t)((unsigned __int128)shares * v.tokens / v.shares) : 0;
	svm_params_t p;
	rc = svm_chain_params(n->chain, &p);
	if (rc) {
		svm_buf_free(&b);
		return fail(e, rc, "params");
	}
	uint64_t now = (svm_chain_height(n->chain) + 1) / p.epoch_blocks, claimable = 0;
	json_t *unb = json_array();
	svm_staking_queue_id(&op, &id);
	if (object(n, &id, &b, &o) == 0) {
		svm_reader_t r = svm_reader(o.payload, o.payload_len);
		uint64_t cnt = 0, amount, start, rel;
		svm_id_t who;
		svm_varint_read(&r, &cnt);
		for (uint64_t i = 0; i < cnt; i++) {
			if (svm_reader_copy(&r, who.b, 32) || svm_varint_read(&r, &amount) ||
			    svm_varint_read(&r, &start) || svm_varint_read(&r, &rel))
				break;
			if (!svm_hash_eq(&who, &d)) continue;
			json_array_append_new(unb, json_pack("{s:o, s:o, s:o}", "amount", ju64(amount), "start_height",
							     ju64(start), "release_epoch", ju64(rel)));
			if (rel <= now && claimable <= UINT64_MAX - amount) claimable += amount;
		}
	}
	svm_buf_free(&b);
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "operator", jhash(&op), "delegator", jhash(&d),
			 "shares", ju64(shares), "value", ju64(value), "unbonding", unb, "claimable", ju64(claimable),
			 "epoch", ju64(now));
}

static const char *const KINDS[] = {"?", "params", "upgrade", "treasury", "text", "attest_pins"};
static const char *const STATUS[] = {"voting", "executed", "closed"};

/* svm_getProposal [id] → the proposal, its tally and whether it passes against the active set. */
static json_t *m_proposal(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_id_t id, sid;
	if (!pid(params, 0, "proposal", &id, e)) return NULL;
	svm_buf_t b = {0};
	svm_object_t o;
	svm_proposal_t p;
	svm_params_t prm;
	int rc = object(n, &id, &b, &o);
	if (rc == 0 && svm_proposal_decode(o.payload, o.payload_len, &p)) rc = SVM_EIO;
	if (rc == 0) rc = svm_chain_params(n->chain, &prm);
	uint64_t total = 0;
	svm_validator_set_id(&sid);
	if (rc == 0 && object(n, &sid, &b, &o) == 0) {
		svm_reader_t r = svm_reader(o.payload, o.payload_len);
		uint64_t cnt = 0, s;
		svm_varint_read(&r, &cnt);
		for (uint64_t i = 0; i < cnt; i++)
			if (svm_reader_bytes(&r, 32, &(const uint8_t *){0}) == 0 && svm_varint_read(&r, &s) == 0) total += s;
	}
	svm_buf_free(&b);
	if (rc) return fail(e, rc, "proposal");
	return json_pack("{s:o, s:o, s:s, s:o, s:o, s:o, s:s, s:{s:o, s:o, s:o}, s:o, s:b, s:o}", "proposal",
			 jhash(&id), "proposer", jhash(&p.proposer), "kind", KINDS[p.kind], "deposit", ju64(p.deposit),
			 "start_height", ju64(p.start_height), "end_height", ju64(p.end_height), "status",
			 STATUS[p.status], "tally", "yes", ju64(p.tally[0]), "no", ju64(p.tally[1]), "abstain",
			 ju64(p.tally[2]), "active_stake", ju64(total), "passes",
			 svm_proposal_passes(&p, &prm, total), "body", hexj(p.body, p.body_len));
}

/* The congestion table at the head into t (SVM_CONGESTION_OBJECTS_MAX entries). */
static int congestion(svm_node_t *n, svm_congestion_entry_t *t, size_t *len)
{
	svm_id_t id;
	svm_buf_t b = {0};
	svm_object_t o;
	svm_congestion_id(&id);
	*len = 0;
	int rc = object(n, &id, &b, &o);
	if (rc == 0 && svm_congestion_decode(o.payload, o.payload_len, t, SVM_CONGESTION_OBJECTS_MAX, len))
		rc = SVM_EIO;
	svm_buf_free(&b);
	return rc == SVM_ENOTFOUND ? 0 : rc;
}

/* svm_getCongestion [] → the hot objects and their fee multipliers (bps, 10000 = 1×) at the
 * head; [id] → that object's multiplier. */
static json_t *m_congestion(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_congestion_entry_t *t = svm_malloc(SVM_CONGESTION_OBJECTS_MAX * sizeof *t);
	size_t len = 0;
	svm_id_t id;
	bool one = json_array_size(params) > 0;
	if (t == NULL) return fail(e, SVM_ENOMEM, "congestion");
	if (one && !pid(params, 0, "object", &id, e)) {
		svm_free(t);
		return NULL;
	}
	int rc = congestion(n, t, &len);
	json_t *res = NULL;
	if (rc) res = fail(e, rc, "congestion");
	else if (one)
		res = json_pack("{s:o, s:o, s:o}", "height", ju64(svm_chain_height(n->chain)), "object", jhash(&id),
				"multiplier_bps", ju64(svm_congestion_of(t, len, &id)));
	else {
		json_t *a = json_array();
		for (size_t i = 0; i < len; i++)
			json_array_append_new(a, json_pack("{s:o, s:o}", "object", jhash(&t[i].id), "multiplier_bps",
							   ju64(t[i].bps)));
		res = json_pack("{s:o, s:o}", "height", ju64(svm_chain_height(n->chain)), "objects", a);
	}
	svm_free(t);
	return res;
}

/* svm_getRent [contract, key hex] → the slot's rent (docs/economics.md, "Rent"): its object
 * size, value length, the bytes it pays for (billed_bytes: all of it, or an exempt slot's growth
 * past exempt_len) and their rent per epoch, paid_until (its record, else the epoch of its last
 * write), exempt, the first epoch it can be evicted, or — evicted — its tombstone. */
static json_t *m_rent(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	svm_id_t contract, slot, id;
	const char *kh = json_string_value(json_array_get(params, 1));
	svm_buf_t key = {0}, b = {0}, enc = {0};
	const char *ch = json_string_value(json_array_get(params, 0));
	bool evm = ch != NULL && strlen(ch) == 42 && strncmp(ch, "0x", 2) == 0; /* an EVM account's address */
	svm_evm_addr_t addr;
	if (evm && svm_hex_decode(addr.b, sizeof addr.b, ch) != 0)
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 0 (contract): bad EVM address");
	if (!evm && !pid(params, 0, "contract", &contract, e)) return NULL;
	if (kh == NULL || svm_hex_decode_buf(&key, kh, SVM_CONTRACT_KEY_MAX) || key.len == 0 || (evm && key.len != 32)) {
		svm_buf_free(&key);
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS,
				    "param 1 (key) must be the storage key as hex (1..%d bytes; an EVM slot: 32)",
				    SVM_CONTRACT_KEY_MAX);
	}
	if (evm) svm_evm_slot_id(&addr, key.data, &slot);
	else svm_contract_slot_id(&contract, key.data, key.len, &slot);
	svm_buf_free(&key);
	svm_params_t p;
	int rc = svm_chain_params(n->chain, &p);
	if (rc) return fail(e, rc, "params");
	uint64_t now = (svm_chain_height(n->chain) + 1) / p.epoch_blocks;
	json_t *res = json_pack("{s:o, s:o}", "slot", jhash(&slot), "epoch", ju64(now));
	svm_object_t o, ro;
	if (object(n, &slot, &b, &o) == 0 && svm_object_encode(&o, &enc) == 0) {
		svm_rent_record_t r = {.paid_until = o.version / p.epoch_blocks};
		svm_buf_t rb = {0};
		svm_rent_record_id(&slot, &id);
		if (object(n, &id, &rb, &ro) == 0 && svm_rent_record_decode(ro.payload, ro.payload_len, &r) == 0 &&
		    r.paid_until < o.version / p.epoch_blocks)
			r.paid_until = o.version / p.epoch_blocks;
		svm_buf_free(&rb);
		uint64_t billed = svm_rent_billed(&r, enc.len, o.payload_len);
		unsigned __int128 pe = (unsigned __int128)p.rent_rho * billed;
		json_object_set_new(res, "exists", json_true());
		json_object_set_new(res, "size", ju64(enc.len));
		json_object_set_new(res, "value_len", ju64(o.payload_len));
		json_object_set_new(res, "billed_bytes", ju64(billed));
		json_object_set_new(res, "rent_per_epoch", ju64(pe > UINT64_MAX ? UINT64_MAX : (uint64_t)pe));
		json_object_set_new(res, "paid_until", ju64(r.paid_until));
		json_object_set_new(res, "exempt", json_boolean(r.exempt));
		json_object_set_new(res, "exempt_len", r.exempt ? ju64(r.exempt_len) : json_null());
		json_object_set_new(res, "evictable_from",
				    pe == 0 ? json_null() : ju64(r.paid_until + p.rent_grace_epochs + 1));
	} else {
		json_object_set_new(res, "exists", json_false());
	}
	svm_buf_free(&enc);
	svm_rent_tomb_id(&slot, &id);
	svm_rent_tomb_t t;
	if (object(n, &id, &b, &o) == 0 && svm_rent_tomb_decode(o.payload, o.payload_len, &t) == 0)
		json_object_set_new(res, "tombstone", json_pack("{s:o, s:o, s:o}", "hash", jhash(&t.hash), "size",
								ju64(t.size), "evicted_epoch", ju64(t.evicted_epoch)));
	else
		json_object_set_new(res, "tombstone", json_null());
	svm_buf_free(&b);
	return res;
}

uint64_t node_tx_congestion(svm_node_t *n, const uint8_t *tx, size_t len)
{
	svm_congestion_entry_t *t = svm_malloc(SVM_CONGESTION_OBJECTS_MAX * sizeof *t);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_tx_t d;
	size_t k = 0;
	uint64_t m = SVM_CONGESTION_ONE;
	if (t != NULL && congestion(n, t, &k) == 0 && svm_tx_decode(tx, len, &a, &d, NULL, NULL) == 0)
		m = svm_congestion_tx(t, k, &d);
	svm_arena_reset(&a);
	svm_free(t);
	return m;
}

/* One settlement event as JSON: emitter, topic (text), data (hex), and for the staking topics
 * their fields ("entries" for the per-validator lists). */
static json_t *settle_event_json(const svm_event_t *ev)
{
	char topic[SVM_EVENT_TOPIC_MAX + 1];
	for (size_t i = 0; i < ev->topic_len; i++) /* the settlement's topics are ASCII */
		topic[i] = ev->topic[i] >= 0x20 && ev->topic[i] < 0x7f ? (char)ev->topic[i] : '?';
	topic[ev->topic_len] = 0;
	json_t *j = json_pack("{s:o, s:s, s:o}", "emitter", jhash(&ev->emitter), "topic", topic, "data",
			      jhex(ev->data, ev->data_len));
	if (j == NULL) return json_null();
	const uint8_t *d = ev->data;
	size_t n = ev->data_len;
	bool is = false;
#define TOPIC(t) (ev->topic_len == strlen(t) && memcmp(ev->topic, t, ev->topic_len) == 0)
	if (TOPIC("stake/epoch") && n == 40) {
		json_object_set_new(j, "epoch", ju64(svm_get_u64be(d)));
		json_object_set_new(j, "active", ju64(svm_get_u64be(d + 8)));
		json_object_set_new(j, "issued", ju64(svm_get_u64be(d + 16)));
		json_object_set_new(j, "tips", ju64(svm_get_u64be(d + 24)));
		json_object_set_new(j, "treasury", ju64(svm_get_u64be(d + 32)));
		return j;
	}
	const char *a = NULL, *b = NULL;
	if (TOPIC("stake/reward")) is = true, a = "reward", b = "commission";
	if (TOPIC("stake/downtime")) is = true, a = "burned", b = "missed";
	if (TOPIC("stake/redslash")) is = true, a = "offence_height", b = "burned";
#undef TOPIC
	if (!is || n % 48 != 0) return j;
	json_t *list = json_array();
	for (size_t off = 0; off < n; off += 48) {
		svm_hash_t op;
		memcpy(op.b, d + off, 32);
		json_array_append_new(list, json_pack("{s:o, s:o, s:o}", "operator", jhash(&op), a,
						      ju64(svm_get_u64be(d + off + 32)), b, ju64(svm_get_u64be(d + off + 40))));
	}
	json_object_set_new(j, "entries", list);
	return j;
}

/* The settlement of block h as JSON, or NULL when it has none (rc in *rc). */
static json_t *settlement_json(svm_node_t *n, uint64_t h, int *rc)
{
	svm_buf_t b = {0};
	*rc = svm_chain_settlement(n->chain, h, &b);
	json_t *j = NULL;
	svm_arena_t a;
	svm_arena_init(&a, 1 << 20);
	svm_receipt_t r;
	if (*rc == 0 && svm_receipt_decode(b.data, b.len, &a, &r, NULL) != 0) *rc = SVM_EIO;
	if (*rc == 0) {
		json_t *events = json_array();
		for (uint32_t i = 0; i < r.events_len; i++) json_array_append_new(events, settle_event_json(&r.events[i]));
		j = json_pack("{s:o, s:o, s:o, s:o, s:o}", "height", ju64(h), "id", jhash(&r.tx_id), "fees_burned",
			      ju64(r.fee_charged), "tips", ju64(r.tip_paid), "events", events);
	}
	svm_arena_reset(&a);
	svm_buf_free(&b);
	return j;
}

/* svm_getSettlement [height] → what the block's settlement did (staking rewards, downtime jails,
 * redelegation slashes, as events), or null when it emitted nothing or there is no such block. */
static json_t *m_settlement(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	uint64_t h;
	int rc;
	if (!pu64(params, 0, "height", &h, e)) return NULL;
	json_t *j = settlement_json(n, h, &rc);
	if (rc == SVM_ENOTFOUND) return json_null();
	return rc ? fail(e, rc, "settlement") : j;
}

#define SETTLEMENTS_SPAN_MAX 1024 /* heights one svm_getSettlements call scans */

/* svm_getSettlements [from, to] → the settlements with events of heights from..to (inclusive,
 * at most SETTLEMENTS_SPAN_MAX heights), ascending. */
static json_t *m_settlements(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	uint64_t from, to;
	if (!pu64(params, 0, "from", &from, e) || !pu64(params, 1, "to", &to, e)) return NULL;
	if (to < from || to - from >= SETTLEMENTS_SPAN_MAX)
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "from ≤ to, at most %d heights", SETTLEMENTS_SPAN_MAX);
	json_t *list = json_array();
	for (uint64_t h = from; h <= to; h++) {
		int rc;
		json_t *j = settlement_json(n, h, &rc);
		if (rc == SVM_ENOTFOUND) continue;
		if (rc) {
			json_decref(list);
			return fail(e, rc, "settlement");
		}
		json_array_append_new(list, j);
	}
	return list;
}

size_t svm_node_econ_methods(svm_node_t *n, svm_rpc_method_t *m, size_t max)
{
	const svm_rpc_method_t table[] = {
		{"svm_getParams", m_params, n},       {"svm_getPool", m_pool, n},
		{"svm_quoteSwap", m_quote, n},        {"svm_getValidators", m_validators, n},
		{"svm_getValidator", m_validator, n}, {"svm_getDelegation", m_delegation, n},
		{"svm_getProposal", m_proposal, n},   {"svm_getCongestion", m_congestion, n},
		{"svm_getRent", m_rent, n},           {"svm_getSettlement", m_settlement, n},
		{"svm_getSettlements", m_settlements, n},
	};
	return node_methods_put(m, max, table, sizeof table / sizeof table[0]);
}

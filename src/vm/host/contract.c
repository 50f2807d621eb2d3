/* WebAssembly contracts on chain: deploy (code stored once by hash, a contract object per
 * deploy) and call (instantiate with the "env" host module, run an exported method), metered
 * in the transaction's steps. The host functions are the only way a contract reaches state. */
#include <string.h>

#include "supervm/ai.h"
#include "supervm/evm.h"
#include "supervm/groth16.h"
#include "supervm/wasm.h"
#include "vm/host/internal.h"

/* ----------------------------------------------------------------- ids */

void svm_contract_id(const svm_id_t *sender, uint64_t nonce, svm_id_t *out)
{
	uint8_t be[8];
	svm_put_u64be(be, nonce);
	svm_slice_t parts[2] = {{sender->b, SVM_HASH_SIZE}, {be, 8}};
	svm_sha256_tagged("svm/contract", parts, 2, out);
}

void svm_contract_code_id(const uint8_t *code, size_t len, svm_id_t *out)
{
	svm_sha256(code, len, out);
}

void svm_contract_slot_id(const svm_id_t *contract, const uint8_t *key, size_t key_len,
			  svm_id_t *out)
{
	svm_slice_t parts[2] = {{contract->b, SVM_HASH_SIZE}, {key, key_len}};
	svm_sha256_tagged("svm/slot", parts, 2, out);
}

/* ------------------------------------------------------------ payloads */

int svm_contract_deploy_payload(svm_buf_t *out, const uint8_t *code, size_t len)
{
	int rc = svm_buf_push(out, SVM_CONTRACT_OP_DEPLOY);
	return rc ? rc : svm_buf_append(out, code, len);
}

int svm_contract_call_payload(svm_buf_t *out, const svm_id_t *contract, const char *method,
			      const uint8_t *input, size_t input_len, const svm_id_t *token,
			      uint64_t amount)
{
	size_t mlen = strlen(method);
	if (mlen == 0 || mlen > SVM_CONTRACT_METHOD_MAX) return SVM_EINVAL;
	svm_id_t zero = {{0}};
	int rc = svm_buf_push(out, SVM_CONTRACT_OP_CALL);
	if (!rc) rc = svm_buf_append(out, contract->b, SVM_HASH_SIZE);
	if (!rc) rc = svm_varint_append(out, mlen);
	if (!rc) rc = svm_buf_append(out, method, mlen);
	if (!rc) rc = svm_varint_append(out, input_len);
	if (!rc) rc = svm_buf_append(out, input, input_len);
	if (!rc) rc = svm_buf_append(out, (token ? token : &zero)->b, SVM_HASH_SIZE);
	if (!rc) rc = svm_varint_append(out, amount);
	return rc;
}

typedef struct {
	svm_id_t contract;
	char method[SVM_CONTRACT_METHOD_MAX + 1];
	const uint8_t *input;
	size_t input_len;
	svm_id_t token;
	uint64_t amount;
} call_t;

static int parse_call(const uint8_t *p, size_t len, call_t *c)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t mlen, ilen;
	memset(c, 0, sizeof *c);
	if (svm_reader_copy(&r, c->contract.b, SVM_HASH_SIZE) || svm_varint_read(&r, &mlen) ||
	    mlen == 0 || mlen > SVM_CONTRACT_METHOD_MAX || svm_reader_copy(&r, c->method, mlen) ||
	    memchr(c->method, 0, mlen) || svm_varint_read(&r, &ilen) ||
	    svm_reader_bytes(&r, ilen, &c->input) || svm_reader_copy(&r, c->token.b, SVM_HASH_SIZE) ||
	    svm_varint_read(&r, &c->amount) || svm_reader_left(&r))
		return SVM_EDECODE;
	c->input_len = ilen;
	SVM_ASSERT(strlen(c->method) == mlen); /* NUL-free, NUL-terminated by the memset */
	SVM_ASSERT(c->input >= p && c->input + ilen <= p + len); /* borrowed from the payload */
	return 0;
}

/* ------------------------------------------------------------ host env */

typedef struct {
	svm_txctx_t *c;
	svm_wasm_store_t *store;
	uint64_t steps0; /* the transaction's steps when the call began */
	svm_id_t self;
	svm_id_t caller; /* the transaction's sender, or the calling contract of a cross-VM call */
	const uint8_t *input;
	size_t input_len;
} env_t;

/* Host functions keep the transaction's step counter and the store's gas in step: on entry the
 * steps become steps0 + gas used; whatever the host operation charges is then charged as gas. */
static uint64_t enter(env_t *e)
{
	e->c->steps = e->steps0 + svm_wasm_gas_used(e->store);
	/* the store's gas was set to what the steps had left, so the sum stays within the limit */
	SVM_ASSERT(e->c->steps >= e->steps0 && e->c->steps <= e->c->steps_limit);
	return e->c->steps;
}

static int leave(env_t *e, svm_wasm_instance_t *inst, uint64_t before, int rc)
{
	SVM_ASSERT(e->c->steps >= before); /* host operations only charge */
	uint64_t delta = e->c->steps - before;
	int g = delta ? svm_wasm_gas_charge(inst, delta) : 0;
	if (rc == 0 && g) rc = g;
	if (rc && rc != SVM_EGAS) return svm_wasm_trap(inst, rc, "host: %s", svm_strerror(rc));
	return rc;
}

static int mem_in(svm_wasm_instance_t *inst, uint64_t off, void *dst, size_t n)
{
	svm_wasm_memory_t *m = svm_wasm_caller_memory(inst);
	return m ? svm_wasm_memory_read(m, off, dst, n) : SVM_ETRAP;
}

static int mem_out(svm_wasm_instance_t *inst, uint64_t off, const void *src, size_t n)
{
	svm_wasm_memory_t *m = svm_wasm_caller_memory(inst);
	return m ? svm_wasm_memory_write(m, off, src, n) : SVM_ETRAP;
}

/* Borrow n bytes of guest memory at off (valid until the memory grows: within one host call). */
static int mem_view(svm_wasm_instance_t *inst, uint64_t off, size_t n, const uint8_t **out)
{
	svm_wasm_memory_t *m = svm_wasm_caller_memory(inst);
	if (m == NULL || off > svm_wasm_memory_size(m) || n > svm_wasm_memory_size(m) - off)
		return SVM_ETRAP;
	*out = svm_wasm_memory_data(m) + off;
	SVM_ASSERT(off + n <= svm_wasm_memory_size(m)); /* the view lies inside guest memory */
	return 0;
}

#define A32(i) ((uint32_t)args[i])

static int h_input_size(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	res[0] = ((env_t *)u)->input_len;
	return 0;
}

static int h_input(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	env_t *e = u;
	uint64_t t = enter(e);
	int rc = svm_host_charge(e->c, e->input_len / 8);
	if (rc == 0) rc = mem_out(inst, A32(0), e->input, e->input_len);
	return leave(e, inst, t, rc);
}

static int h_return(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	env_t *e = u;
	uint64_t t = enter(e);
	const uint8_t *p;
	int rc = A32(1) > SVM_RETURN_DATA_MAX ? SVM_ELIMIT : mem_view(inst, A32(0), A32(1), &p);
	if (rc == 0) rc = svm_host_charge(e->c, A32(1) / 8);
	if (rc == 0) {
		SVM_ASSERT(A32(1) <= SVM_RETURN_DATA_MAX);
		e->c->return_data = svm_arena_dup(e->c->arena, p, A32(1));
		e->c->return_data_len = A32(1);
		if (e->c->return_data == NULL) rc = SVM_ENOMEM;
	}
	return leave(e, inst, t, rc);
}

static int slot_of(env_t *e, svm_wasm_instance_t *inst, uint32_t key, uint32_t key_len, svm_id_t *id)
{
	const uint8_t *k;
	if (key_len == 0 || key_len > SVM_CONTRACT_KEY_MAX) return SVM_ELIMIT;
	int rc = mem_view(inst, key, key_len, &k);
	if (rc == 0) svm_contract_slot_id(&e->self, k, key_len, id);
	SVM_ASSERT(rc != 0 || (key_len > 0 && key_len <= SVM_CONTRACT_KEY_MAX));
	return rc;
}

/* storage_read(key, key_len, val, val_cap) -> i32: value length, or -1 when absent. Copies
 * min(length, cap) bytes. */
static int h_storage_read(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	env_t *e = u;
	uint64_t t = enter(e);
	svm_id_t id;
	svm_object_t o;
	int rc = slot_of(e, inst, A32(0), A32(1), &id);
	if (rc == 0) rc = svm_host_get(e->c, &id, &o);
	if (rc == SVM_ENOTFOUND) {
		res[0] = (uint32_t)-1;
		rc = 0;
	} else if (rc == 0) {
		size_t n = o.payload_len < A32(3) ? o.payload_len : A32(3);
		SVM_ASSERT(n <= A32(3) && n <= o.payload_len); /* never past the guest's buffer */
		rc = mem_out(inst, A32(2), o.payload, n);
		res[0] = (uint32_t)o.payload_len;
	}
	return leave(e, inst, t, rc);
}

static int h_storage_write(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	env_t *e = u;
	uint64_t t = enter(e);
	svm_id_t id;
	const uint8_t *v;
	int rc = slot_of(e, inst, A32(0), A32(1), &id);
	if (rc == 0 && A32(3) > SVM_CONTRACT_VALUE_MAX) rc = SVM_ELIMIT;
	if (rc == 0) rc = mem_view(inst, A32(2), A32(3), &v);
	if (rc == 0) {
		SVM_ASSERT(A32(3) <= SVM_CONTRACT_VALUE_MAX);
		svm_object_t o = {.id = id, .owner_kind = SVM_OWNER_ADDRESS, .owner = e->self,
				  .type = SVM_OBJ_STORAGE, .payload = v, .payload_len = A32(3)};
		rc = svm_host_put(e->c, &o);
	}
	return leave(e, inst, t, rc);
}

static int h_storage_remove(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	env_t *e = u;
	uint64_t t = enter(e);
	svm_id_t id;
	int rc = slot_of(e, inst, A32(0), A32(1), &id);
	if (rc == 0) rc = svm_host_del(e->c, &id);
	return leave(e, inst, t, rc);
}

static int h_caller(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	env_t *e = u;
	return leave(e, inst, enter(e), mem_out(inst, A32(0), e->caller.b, SVM_HASH_SIZE));
}

static int h_self(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	env_t *e = u;
	return leave(e, inst, enter(e), mem_out(inst, A32(0), e->self.b, SVM_HASH_SIZE));
}

static int h_height(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	res[0] = ((env_t *)u)->c->height;
	return 0;
}

static int h_time(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	res[0] = ((env_t *)u)->c->timestamp_ms;
	return 0;
}

/* balance(token32, owner32) -> i64 */
static int h_balance(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	env_t *e = u;
	uint64_t t = enter(e);
	svm_id_t token, owner;
	int rc = mem_in(inst, A32(0), token.b, SVM_HASH_SIZE);
	if (rc == 0) rc = mem_in(inst, A32(1), owner.b, SVM_HASH_SIZE);
	if (rc == 0) rc = svm_ledger_balance(e->c, &token, &owner, &res[0]);
	return leave(e, inst, t, rc);
}

/* transfer(token32, to32, amount i64): from the contract's own balance; traps on failure. */
static int h_transfer(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	env_t *e = u;
	uint64_t t = enter(e);
	svm_id_t token, to;
	int rc = mem_in(inst, A32(0), token.b, SVM_HASH_SIZE);
	if (rc == 0) rc = mem_in(inst, A32(1), to.b, SVM_HASH_SIZE);
	if (rc == 0) rc = svm_ledger_transfer(e->c, &token, &e->self, &to, args[2]);
	return leave(e, inst, t, rc);
}

static int h_emit(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	env_t *e = u;
	uint64_t t = enter(e);
	const uint8_t *topic, *data;
	int rc = mem_view(inst, A32(0), A32(1), &topic);
	if (rc == 0) rc = mem_view(inst, A32(2), A32(3), &data);
	if (rc == 0) rc = svm_host_emit(e->c, &e->self, topic, A32(1), data, A32(3));
	return leave(e, inst, t, rc);
}

static int h_sha256(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	env_t *e = u;
	uint64_t t = enter(e);
	const uint8_t *p;
	svm_hash_t h;
	int rc = mem_view(inst, A32(0), A32(1), &p);
	if (rc == 0) rc = svm_host_charge(e->c, 50 + A32(1) / 8);
	if (rc == 0) {
		svm_sha256(p, A32(1), &h);
		rc = mem_out(inst, A32(2), h.b, SVM_HASH_SIZE);
	}
	return leave(e, inst, t, rc);
}

/* ed25519_verify(sig64, msg, msg_len, pk32) -> i32 1 valid, 0 not. */
static int h_ed25519_verify(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	env_t *e = u;
	uint64_t t = enter(e);
	uint8_t sig[64], pk[32];
	const uint8_t *msg;
	int rc = mem_in(inst, A32(0), sig, sizeof sig);
	if (rc == 0) rc = mem_view(inst, A32(1), A32(2), &msg);
	if (rc == 0) rc = mem_in(inst, A32(3), pk, sizeof pk);
	if (rc == 0) rc = svm_host_charge(e->c, 30000 + A32(2) / 8);
	if (rc == 0) res[0] = svm_ed25519_verify(sig, msg, A32(2), pk) == 0;
	return leave(e, inst, t, rc);
}

/* abort(msg, len): fails the transaction; the first SVM_ABORT_MESSAGE_MAX bytes of the message
 * become the receipt's return data (seq.c), so clients can show why. */
static int h_abort(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	env_t *e = u;
	char msg[SVM_ABORT_MESSAGE_MAX + 1];
	size_t n = A32(1) < SVM_ABORT_MESSAGE_MAX ? A32(1) : SVM_ABORT_MESSAGE_MAX;
	if (mem_in(inst, A32(0), msg, n)) n = 0;
	SVM_ASSERT(n < sizeof msg);
	msg[n] = 0;
	if (n) {
		e->c->abort_message = svm_arena_dup(e->c->arena, msg, n);
		e->c->abort_message_len = e->c->abort_message ? n : 0;
	}
	return svm_wasm_trap(inst, SVM_EABORT, "contract aborted: %.*s", (int)n, msg);
}

/* evm_call(to20, data, data_len, out, out_cap, gas i64) -> i32: calls EVM address `to` with
 * the calldata (gas 0: all the meter allows but 1/64). Success: the output's length (min(length,
 * out_cap) bytes copied to out); the callee failed (its writes undone): -1 - the revert data's
 * length (copied likewise). The gas the EVM used is charged as steps; a caller that cannot pay
 * the base traps out of gas. */
static int evm_call(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res, bool value)
{
	env_t *e = u;
	uint64_t t = enter(e);
	svm_evm_addr_t to;
	const uint8_t *data, *out = NULL;
	size_t out_len = 0;
	int status = 0;
	uint64_t used = 0;
	int rc = mem_in(inst, A32(0), to.b, SVM_EVM_ADDR_SIZE);
	if (rc == 0 && A32(2) > SVM_TX_BYTES_MAX) rc = SVM_ELIMIT;
	if (rc == 0) rc = mem_view(inst, A32(1), A32(2), &data);
	if (rc == 0)
		rc = svm_evm_xcall(e->c, &e->self, &to, data, A32(2), args[5], value ? args[6] : 0, &status, &out, &out_len,
				   &used);
	if (rc == 0) {
		size_t n = out_len < A32(4) ? out_len : A32(4);
		SVM_ASSERT(out_len <= SVM_RETURN_DATA_MAX && (out != NULL || out_len == 0));
		rc = mem_out(inst, A32(3), out, n);
		/* out_len ≤ SVM_RETURN_DATA_MAX: it fits an i32 */
		res[0] = (uint32_t)(status ? (int32_t)out_len : -1 - (int32_t)out_len);
	}
	return leave(e, inst, t, rc);
}

/* groth16_verify(vk, vk_len, inputs, n, proof256) -> i32: 1 verifies, 0 does not, -1 malformed
 * (groth16.h); lengths beyond the bounds or ranges outside memory trap with a message. */
static int h_groth16_verify(svm_wasm_instance_t *inst, void *u, const uint64_t *args,
			    uint64_t *res)
{
	env_t *e = u;
	uint32_t vk_len = A32(1), n = A32(3);
	if (vk_len > SVM_GROTH16_VK_BYTES_MAX || n > SVM_GROTH16_PUBLIC_MAX)
		return svm_wasm_trap(inst, SVM_ELIMIT,
				     "groth16_verify: vk_len %u (at most %u) or n %u (at most %u)",
				     vk_len, (unsigned)SVM_GROTH16_VK_BYTES_MAX, n,
				     (unsigned)SVM_GROTH16_PUBLIC_MAX);
	uint64_t t = enter(e);
	const uint8_t *vk, *pub, *proof;
	int rc = svm_host_charge(e->c, svm_groth16_host_steps(vk_len, n));
	if (rc) return leave(e, inst, t, rc);
	if (mem_view(inst, A32(0), vk_len, &vk) || mem_view(inst, A32(2), 32ull * n, &pub) ||
	    mem_view(inst, A32(4), SVM_GROTH16_PROOF_BYTES, &proof)) {
		if ((rc = leave(e, inst, t, 0))) return rc;
		return svm_wasm_trap(inst, SVM_ETRAP,
				     "groth16_verify: key, inputs or proof outside memory");
	}
	rc = svm_groth16_verify(vk, vk_len, (const uint8_t(*)[32])pub, n, proof,
				SVM_GROTH16_PROOF_BYTES);
	if (rc == 0 || rc == SVM_EPROOF || rc == SVM_EDECODE) {
		res[0] = (uint32_t)(rc == 0 ? 1 : rc == SVM_EPROOF ? 0 : -1);
		rc = 0;
	}
	SVM_ASSERT(e->c->steps <= e->c->steps_limit);
	return leave(e, inst, t, rc);
}

static int h_evm_call(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	return evm_call(inst, u, args, res, false);
}

/* evm_call_value(to20, data, data_len, out, out_cap, gas i64, amount i64) -> i32: evm_call with
 * `amount` SWR base units of this contract's moved to `to` as the message's value (amount × 10^9
 * wei); a contract short of them gets a failed call (-1), as an EVM CALL would. */
static int h_evm_call_value(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	return evm_call(inst, u, args, res, true);
}

typedef struct {
	const char *name;
	const char *params, *results; /* 'i' = i32, 'I' = i64 */
	svm_wasm_host_fn_t fn;
} host_def_t;

static const host_def_t HOST[] = {
	{"input_size", "", "i", h_input_size},
	{"input", "i", "", h_input},
	{"set_return", "ii", "", h_return},
	{"storage_read", "iiii", "i", h_storage_read},
	{"storage_write", "iiii", "", h_storage_write},
	{"storage_remove", "ii", "", h_storage_remove},
	{"caller", "i", "", h_caller},
	{"self", "i", "", h_self},
	{"block_height", "", "I", h_height},
	{"block_time", "", "I", h_time},
	{"balance", "ii", "I", h_balance},
	{"transfer", "iiI", "", h_transfer},
	{"emit", "iiii", "", h_emit},
	{"sha256", "iii", "", h_sha256},
	{"ed25519_verify", "iiii", "i", h_ed25519_verify},
	{"abort", "ii", "", h_abort},
	{"i8_matvec", "iiiii", "", svm_ai_host_matvec}, /* docs/ai-market.md */
	{"evm_call", "iiiiiI", "i", h_evm_call},       /* docs/evm.md, "Cross-VM calls" */
	{"groth16_verify", "iiiii", "i", h_groth16_verify}, /* docs/privacy.md */
	{"evm_call_value", "iiiiiII", "i", h_evm_call_value},
};

static void types_of(const char *s, uint8_t *out)
{
	SVM_ASSERT(strlen(s) <= 8); /* the callers' arrays */
	for (size_t i = 0; s[i]; i++) out[i] = s[i] == 'I' ? SVM_WASM_I64 : SVM_WASM_I32;
}

static int define_env(svm_wasm_store_t *s, env_t *e)
{
	for (size_t i = 0; i < sizeof HOST / sizeof HOST[0]; i++) {
		uint8_t p[8], r[8];
		types_of(HOST[i].params, p);
		types_of(HOST[i].results, r);
		svm_wasm_functype_t ft = {(uint32_t)strlen(HOST[i].params), (uint32_t)strlen(HOST[i].results), p, r};
		svm_wasm_func_t *f;
		int rc = svm_wasm_host_func_new(s, &ft, HOST[i].fn, e, &f);
		svm_wasm_extern_t ext = {.kind = SVM_WASM_EXTERN_FUNC, .u.func = f};
		if (rc == 0) rc = svm_wasm_define(s, "env", 3, HOST[i].name, strlen(HOST[i].name), &ext);
		if (rc) return rc;
		SVM_ASSERT(f != NULL && svm_wasm_func_type(f).param_count == ft.param_count);
	}
	return 0;
}

/* --------------------------------------------------------- deploy/call */

static void contract_config(svm_wasm_config_t *cfg)
{
	svm_wasm_config_default(cfg);
	cfg->limits.module_bytes_max = SVM_OBJECT_PAYLOAD_MAX;
	cfg->limits.memory_pages_max = SVM_CONTRACT_MEMORY_PAGES_MAX;
	cfg->limits.call_depth_max = SVM_CONTRACT_CALL_DEPTH_MAX;
	cfg->gas_version = SVM_WASM_GAS_V1;
}

/* Whether import p is one of the host functions define_env provides, with its type. */
static bool host_import_ok(const svm_wasm_port_t *p)
{
	if (p->kind != SVM_WASM_EXTERN_FUNC || p->module_len != 3 || memcmp(p->module, "env", 3) != 0)
		return false;
	for (size_t i = 0; i < sizeof HOST / sizeof HOST[0]; i++) {
		if (strlen(HOST[i].name) != p->name_len || memcmp(HOST[i].name, p->name, p->name_len))
			continue;
		uint8_t pt[8], rt[8];
		types_of(HOST[i].params, pt);
		types_of(HOST[i].results, rt);
		svm_wasm_functype_t ft = {(uint32_t)strlen(HOST[i].params),
					  (uint32_t)strlen(HOST[i].results), pt, rt};
		const svm_wasm_functype_t *t = &p->func_type;
		return t->param_count == ft.param_count && t->result_count == ft.result_count &&
		       memcmp(t->params, ft.params, ft.param_count) == 0 &&
		       memcmp(t->results, ft.results, ft.result_count) == 0;
	}
	return false;
}

int svm_contract_check_code(const uint8_t *code, size_t len, svm_error_t *err)
{
	if (len > SVM_OBJECT_PAYLOAD_MAX)
		return svm_error_set(err, SVM_ELIMIT, "contract code of %zu bytes exceeds the limit of %u",
				     len, SVM_OBJECT_PAYLOAD_MAX);
	svm_wasm_config_t cfg;
	contract_config(&cfg);
	svm_wasm_module_t *m;
	int rc = svm_wasm_module_new(&m, code, len, &cfg, err);
	if (rc) return rc;
	for (uint32_t i = 0; rc == 0 && i < svm_wasm_module_import_count(m); i++) {
		svm_wasm_port_t p;
		rc = svm_wasm_module_import(m, i, &p);
		if (rc == 0 && !host_import_ok(&p))
			rc = svm_error_set(err, SVM_EVALIDATE,
					   "import %u (%.*s.%.*s) is not a host function of \"env\" with "
					   "that type (docs/contracts.md): the contract could never be "
					   "instantiated",
					   i, (int)p.module_len, p.module, (int)p.name_len, p.name);
	}
	svm_wasm_module_free(m);
	return rc;
}

/* Everything that could never run is refused here, with a failed receipt (SVM_ELIMIT for a
 * limit, SVM_EVALIDATE otherwise), instead of failing every later call. */
static int deploy(svm_txctx_t *c, const uint8_t *code, size_t len)
{
	if (len > SVM_OBJECT_PAYLOAD_MAX) return SVM_ELIMIT;
	int rc = svm_host_charge(c, SVM_STEPS_DEPLOY_BASE + (uint64_t)len * SVM_STEPS_DEPLOY_PER_BYTE);
	if (rc) return rc;
	rc = svm_contract_check_code(code, len, NULL);
	if (rc) return rc == SVM_ENOMEM || rc == SVM_ELIMIT ? rc : SVM_EVALIDATE;
	SVM_ASSERT(len <= SVM_OBJECT_PAYLOAD_MAX && c->steps <= c->steps_limit);
	svm_object_t code_obj = {.owner_kind = SVM_OWNER_IMMUTABLE, .type = SVM_OBJ_CODE,
				 .payload = code, .payload_len = len};
	svm_contract_code_id(code, len, &code_obj.id);
	svm_object_t existing;
	rc = svm_host_get(c, &code_obj.id, &existing);
	if (rc == SVM_ENOTFOUND) rc = svm_host_put(c, &code_obj);
	if (rc) return rc;
	/* The contract record: shared, type storage, payload = code id. */
	svm_object_t rec = {.owner_kind = SVM_OWNER_SHARED, .type = SVM_OBJ_STORAGE,
			    .payload = code_obj.id.b, .payload_len = SVM_HASH_SIZE};
	svm_contract_id(&c->tx->sender, c->tx->nonce, &rec.id);
	rc = svm_host_put(c, &rec);
	if (rc) return rc;
	c->return_data = svm_arena_dup(c->arena, rec.id.b, SVM_HASH_SIZE);
	c->return_data_len = SVM_HASH_SIZE;
	return c->return_data ? 0 : SVM_ENOMEM;
}

/* Loads the contract's code: *code borrows the view. */
static int load_code(svm_txctx_t *c, const svm_id_t *contract, svm_object_t *code)
{
	svm_object_t rec;
	int rc = svm_host_get(c, contract, &rec);
	if (rc == SVM_ENOTFOUND) return SVM_ENOTFOUND;
	if (rc) return rc;
	svm_id_t code_id;
	if (rec.type != SVM_OBJ_STORAGE || rec.owner_kind != SVM_OWNER_SHARED ||
	    rec.payload_len != SVM_HASH_SIZE)
		return SVM_EINVAL; /* not a contract */
	memcpy(code_id.b, rec.payload, SVM_HASH_SIZE);
	rc = svm_host_get(c, &code_id, code);
	if (rc) return rc == SVM_ENOTFOUND ? SVM_EIO : rc;
	return code->type == SVM_OBJ_CODE ? 0 : SVM_EIO;
}

static int run_method(svm_txctx_t *c, const call_t *call, const svm_id_t *caller,
		      const svm_object_t *code)
{
	svm_wasm_config_t cfg;
	contract_config(&cfg);
	svm_wasm_module_t *m = NULL;
	svm_wasm_store_t *s = NULL;
	svm_wasm_instance_t *inst = NULL;
	env_t e = {.c = c, .self = call->contract, .caller = *caller, .input = call->input,
		   .input_len = call->input_len};
	int rc = svm_wasm_module_new(&m, code->payload, code->payload_len, &cfg, NULL);
	if (rc == 0) rc = svm_wasm_store_new(&s, &cfg.limits);
	if (rc == 0) {
		e.store = s;
		e.steps0 = c->steps;
		SVM_ASSERT(c->steps <= c->steps_limit); /* charged before: the gas cannot wrap */
		svm_wasm_gas_set(s, c->steps_limit - c->steps);
		rc = define_env(s, &e);
	}
	if (rc == 0) rc = svm_wasm_instantiate(s, m, &inst, NULL);
	svm_wasm_func_t *f = rc ? NULL : svm_wasm_export_func(inst, call->method);
	if (rc == 0 && f == NULL) rc = SVM_ENOTFOUND;
	if (rc == 0) {
		svm_wasm_functype_t ft = svm_wasm_func_type(f);
		if (ft.param_count || ft.result_count) rc = SVM_EINVAL;
	}
	if (rc == 0) rc = svm_wasm_call(s, f, NULL, 0, NULL, 0, NULL);
	if (s) {
		c->steps = e.steps0 + svm_wasm_gas_used(s);
		SVM_ASSERT(c->steps >= e.steps0 && c->steps <= c->steps_limit);
		svm_wasm_memory_t *mem = inst ? svm_wasm_caller_memory(inst) : NULL;
		if (mem && svm_wasm_memory_size(mem) > c->mem_bytes)
			c->mem_bytes = svm_wasm_memory_size(mem); /* the largest instance's */
	}
	svm_wasm_store_free(s);
	svm_wasm_module_free(m);
	return rc;
}

static int call(svm_txctx_t *c, const uint8_t *p, size_t len)
{
	call_t call;
	if (parse_call(p, len, &call)) return SVM_EDECODE;
	svm_object_t code;
	int rc = load_code(c, &call.contract, &code);
	if (rc == 0) rc = svm_host_charge(c, code.payload_len * SVM_STEPS_CALL_PER_CODE_BYTE);
	if (rc == 0 && call.amount)
		rc = svm_ledger_transfer(c, &call.token, &c->tx->sender, &call.contract, call.amount);
	return rc ? rc : run_method(c, &call, &c->tx->sender, &code);
}

int svm_contract_xcall(svm_txctx_t *c, const svm_id_t *caller, const svm_id_t *contract,
		       const char *method, const uint8_t *input, size_t input_len,
		       const uint8_t **out, size_t *out_len)
{
	call_t call = {.contract = *contract, .input = input, .input_len = input_len};
	size_t mlen = strlen(method);
	*out = NULL;
	*out_len = 0;
	if (mlen == 0 || mlen > SVM_CONTRACT_METHOD_MAX) return SVM_EINVAL;
	SVM_ASSERT(mlen < sizeof call.method);
	memcpy(call.method, method, mlen + 1);
	const uint8_t *ret0 = c->return_data, *abort0 = c->abort_message;
	size_t ret0_len = c->return_data_len, abort0_len = c->abort_message_len;
	c->return_data = NULL;
	c->return_data_len = 0;
	c->abort_message = NULL;
	c->abort_message_len = 0;
	svm_object_t code;
	int rc = load_code(c, contract, &code);
	if (rc == 0) rc = svm_host_charge(c, code.payload_len * SVM_STEPS_CALL_PER_CODE_BYTE);
	if (rc == 0) rc = run_method(c, &call, caller, &code);
	*out = rc == 0 ? c->return_data : rc == SVM_EABORT ? c->abort_message : NULL;
	*out_len = rc == 0 ? c->return_data_len : rc == SVM_EABORT ? c->abort_message_len : 0;
	if (*out == NULL) *out_len = 0;
	SVM_ASSERT(*out_len <= SVM_RETURN_DATA_MAX || rc == SVM_EABORT);
	c->return_data = ret0;
	c->return_data_len = ret0_len;
	c->abort_message = abort0;
	c->abort_message_len = abort0_len;
	return rc;
}

int svm_contract_execute(svm_txctx_t *c, const uint8_t *payload, size_t len)
{
	if (len == 0) return SVM_EDECODE;
	switch (payload[0]) {
	case SVM_CONTRACT_OP_DEPLOY:
		return deploy(c, payload + 1, len - 1);
	case SVM_CONTRACT_OP_CALL:
		return call(c, payload + 1, len - 1);
	}
	return SVM_EDECODE;
}

/* The native ledger program: transfer, token creation and burn, with payload builders and
 * the access sets a strict declaration needs. Payload: varint program ‖ varint method ‖ args. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/ai.h"
#include "supervm/confidential.h"
#include "supervm/groth16.h"
#include "supervm/econ.h"
#include "supervm/evm.h"
#include "supervm/verify.h"
#include "supervm/vm.h"

static svm_id_t ledger_id;
static pthread_once_t ledger_once = PTHREAD_ONCE_INIT;

static void ledger_id_init(void) { svm_sha256_tagged("svm/program/ledger", NULL, 0, &ledger_id); }

void svm_program_ledger_id(svm_id_t *out) /* a constant, emitted with every transfer event */
{
	pthread_once(&ledger_once, ledger_id_init);
	*out = ledger_id;
}

void svm_token_new_id(const svm_id_t *sender, uint64_t nonce, svm_id_t *out)
{
	uint8_t be[8];
	svm_put_u64be(be, nonce);
	svm_slice_t parts[2] = {{sender->b, SVM_HASH_SIZE}, {be, 8}};
	svm_sha256_tagged("svm/token/new", parts, 2, out);
}

static int header(svm_buf_t *out, uint64_t method)
{
	int rc = svm_varint_append(out, SVM_PROGRAM_LEDGER);
	return rc ? rc : svm_varint_append(out, method);
}

int svm_native_transfer_payload(svm_buf_t *out, const svm_id_t *token, const svm_id_t *to,
				uint64_t amount)
{
	int rc = header(out, SVM_LEDGER_TRANSFER);
	if (!rc) rc = svm_buf_append(out, token->b, SVM_HASH_SIZE);
	if (!rc) rc = svm_buf_append(out, to->b, SVM_HASH_SIZE);
	if (!rc) rc = svm_varint_append(out, amount);
	return rc;
}

int svm_native_create_token_payload(svm_buf_t *out, const char *symbol, uint8_t decimals,
				    uint64_t supply)
{
	size_t len = strlen(symbol);
	if (len == 0 || len > SVM_TOKEN_SYMBOL_MAX) return SVM_EINVAL;
	int rc = header(out, SVM_LEDGER_CREATE_TOKEN);
	if (!rc) rc = svm_varint_append(out, len);
	if (!rc) rc = svm_buf_append(out, symbol, len);
	if (!rc) rc = svm_varint_append(out, decimals);
	if (!rc) rc = svm_varint_append(out, supply);
	return rc;
}

int svm_native_burn_payload(svm_buf_t *out, const svm_id_t *token, uint64_t amount)
{
	int rc = header(out, SVM_LEDGER_BURN);
	if (!rc) rc = svm_buf_append(out, token->b, SVM_HASH_SIZE);
	if (!rc) rc = svm_varint_append(out, amount);
	return rc;
}

int svm_native_link_evm_payload(svm_buf_t *out, const svm_id_t *identity)
{
	int rc = header(out, SVM_LEDGER_LINK_EVM);
	return rc ? rc : svm_buf_append(out, identity->b, SVM_HASH_SIZE);
}

void svm_evm_alias_id(const uint8_t addr[SVM_EVM_ADDRESS_SIZE], svm_id_t *out)
{
	svm_slice_t part = {addr, SVM_EVM_ADDRESS_SIZE};
	svm_sha256_tagged("svm/evm/alias", &part, 1, out);
}

static int emit_transfer(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *from,
			 const svm_id_t *to, uint64_t amount);

/* The ids a link touches: the alias object and, for SWR and AIC, the balance of the address's
 * own identity and of the identity (ids[5]). */
static void link_ids(const svm_id_t *identity, svm_id_t ids[6], svm_id_t *shadow)
{
	svm_evm_addr_t a;
	svm_identity_evm_address(identity, a.b);
	svm_evm_alias_id(a.b, &ids[0]);
	svm_evm_identity(&a, shadow);
	for (int t = 0; t < 2; t++) {
		svm_id_t token;
		svm_token_id(t ? "AIC" : "SWR", &token);
		svm_balance_id(&token, shadow, &ids[1 + 2 * t]);
		svm_balance_id(&token, identity, &ids[2 + 2 * t]);
	}
}

/* SVM_LEDGER_LINK_EVM: writes the alias (once; a second link of the same identity changes
 * nothing, an alias of another identity at the same address is SVM_EEXIST) and moves what the
 * address's own identity holds of SWR and AIC to the identity. */
static int link_evm(svm_txctx_t *c, const svm_id_t *identity)
{
	svm_id_t ids[6], shadow;
	link_ids(identity, ids, &shadow);
	svm_object_t o;
	int rc = svm_host_get(c, &ids[0], &o);
	if (rc == 0) return o.payload_len == SVM_HASH_SIZE && memcmp(o.payload, identity->b, SVM_HASH_SIZE) == 0 ? 0 : SVM_EEXIST;
	if (rc != SVM_ENOTFOUND) return rc;
	svm_object_t alias = {.id = ids[0], .owner_kind = SVM_OWNER_IMMUTABLE, .type = SVM_OBJ_STORAGE, .payload = identity->b, .payload_len = SVM_HASH_SIZE};
	if ((rc = svm_host_put(c, &alias))) return rc;
	for (int t = 0; t < 2 && rc == 0; t++) {
		svm_id_t token;
		uint64_t held = 0;
		svm_token_id(t ? "AIC" : "SWR", &token);
		rc = svm_ledger_balance(c, &token, &shadow, &held);
		if (rc == 0 && held) rc = svm_ledger_transfer(c, &token, &shadow, identity, held);
		if (rc == 0 && held) rc = emit_transfer(c, &token, &shadow, identity, held);
	}
	return rc;
}

/* A parsed ledger call. */
typedef struct {
	uint64_t method;
	svm_id_t token, to;
	uint64_t amount, decimals;
	char symbol[SVM_TOKEN_SYMBOL_MAX + 1];
} call_t;

static int read_id(svm_reader_t *r, svm_id_t *id) { return svm_reader_copy(r, id->b, SVM_HASH_SIZE); }

static int parse(const uint8_t *p, size_t len, call_t *c)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t program, sym_len;
	memset(c, 0, sizeof *c);
	if (svm_varint_read(&r, &program) || program != SVM_PROGRAM_LEDGER ||
	    svm_varint_read(&r, &c->method))
		return SVM_EDECODE;
	switch (c->method) {
	case SVM_LEDGER_TRANSFER:
		if (read_id(&r, &c->token) || read_id(&r, &c->to) || svm_varint_read(&r, &c->amount))
			return SVM_EDECODE;
		break;
	case SVM_LEDGER_CREATE_TOKEN:
		if (svm_varint_read(&r, &sym_len) || sym_len == 0 || sym_len > SVM_TOKEN_SYMBOL_MAX ||
		    svm_reader_copy(&r, c->symbol, sym_len) || svm_varint_read(&r, &c->decimals) ||
		    c->decimals > 255 || svm_varint_read(&r, &c->amount))
			return SVM_EDECODE;
		if (memchr(c->symbol, 0, sym_len)) return SVM_EDECODE;
		break;
	case SVM_LEDGER_BURN:
		if (read_id(&r, &c->token) || svm_varint_read(&r, &c->amount)) return SVM_EDECODE;
		break;
	case SVM_LEDGER_LINK_EVM:
		if (read_id(&r, &c->to)) return SVM_EDECODE;
		break;
	default:
		return SVM_EDECODE;
	}
	return svm_reader_left(&r) ? SVM_EDECODE : 0;
}

static int emit_transfer(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *from,
			 const svm_id_t *to, uint64_t amount)
{
	uint8_t data[3 * SVM_HASH_SIZE + 8];
	memcpy(data, token->b, SVM_HASH_SIZE);
	memcpy(data + 32, from->b, SVM_HASH_SIZE);
	memcpy(data + 64, to->b, SVM_HASH_SIZE);
	svm_put_u64be(data + 96, amount);
	svm_id_t emitter;
	svm_program_ledger_id(&emitter);
	return svm_host_emit(c, &emitter, "transfer", 8, data, sizeof data);
}

/* The program a native payload names (its first varint), or 0 when it has none. */
static uint64_t program_of(const uint8_t *payload, size_t len)
{
	svm_reader_t r = svm_reader(payload, len);
	uint64_t program;
	return svm_varint_read(&r, &program) ? 0 : program;
}

int svm_native_execute(svm_txctx_t *c, const uint8_t *payload, size_t len)
{
	/* other native programs, by their program number (each charges its own call) */
	svm_reader_t pr = svm_reader(payload, len);
	uint64_t program;
	if (svm_varint_read(&pr, &program) == 0) {
		if (program == SVM_PROGRAM_MODELS) return svm_ai_models_execute(c, payload, len);
		if (program == SVM_PROGRAM_JOBS) return svm_ai_jobs_execute(c, payload, len);
		if (program == SVM_PROGRAM_ATTEST) return svm_attest_execute(c, payload, len);
		if (program == SVM_PROGRAM_DISPUTES) return svm_dispute_execute(c, payload, len);
	}
	call_t call;
	int rc = svm_host_charge(c, SVM_STEPS_NATIVE_CALL);
	if (rc) return rc;
	if (program_of(payload, len) == SVM_PROGRAM_AMM) return svm_amm_execute(c, payload, len);
	if (program_of(payload, len) == SVM_PROGRAM_STAKING) return svm_staking_execute(c, payload, len);
	if (program_of(payload, len) == SVM_PROGRAM_GOV) return svm_gov_execute(c, payload, len);
	if (program_of(payload, len) == SVM_PROGRAM_RENT) return svm_rent_execute(c, payload, len);
	if (program_of(payload, len) == SVM_PROGRAM_CONFIDENTIAL) return svm_conf_execute(c, payload, len);
	if (program_of(payload, len) == SVM_PROGRAM_GROTH16) return svm_groth16_execute(c, payload, len);
	if (parse(payload, len, &call)) return SVM_EDECODE;
	const svm_id_t *sender = &c->tx->sender;
	svm_id_t token;
	switch (call.method) {
	case SVM_LEDGER_TRANSFER:
		rc = svm_ledger_transfer(c, &call.token, sender, &call.to, call.amount);
		return rc ? rc : emit_transfer(c, &call.token, sender, &call.to, call.amount);
	case SVM_LEDGER_CREATE_TOKEN:
		svm_token_new_id(sender, c->tx->nonce, &token);
		rc = svm_ledger_token_create(c, &token, call.symbol, (uint8_t)call.decimals);
		if (!rc) rc = svm_ledger_mint(c, &token, sender, call.amount);
		c->return_data = svm_arena_dup(c->arena, token.b, SVM_HASH_SIZE);
		c->return_data_len = c->return_data ? SVM_HASH_SIZE : 0;
		return rc;
	case SVM_LEDGER_BURN:
		return svm_ledger_burn(c, &call.token, sender, call.amount);
	case SVM_LEDGER_LINK_EVM:
		return link_evm(c, &call.to);
	}
	return SVM_EDECODE;
}

static int cmp_id(const void *a, const void *b) { return memcmp(a, b, SVM_HASH_SIZE); }

int svm_native_access(const svm_id_t *sender, uint64_t nonce, const uint8_t *payload, size_t len,
		      svm_id_t *writes, size_t max, size_t *n)
{
	call_t call;
	svm_id_t ids[16], token;
	size_t k = 0;
	int rc;
	switch (program_of(payload, len)) {
	case SVM_PROGRAM_AMM:
		rc = svm_amm_access(sender, payload, len, ids, 16, &k);
		if (rc) return rc;
		call.method = 0;
		break;
	case SVM_PROGRAM_STAKING:
		rc = svm_staking_access(sender, payload, len, ids, 16, &k);
		if (rc) return rc;
		call.method = 0;
		break;
	case SVM_PROGRAM_GOV:
		rc = svm_gov_access(sender, nonce, payload, len, ids, 16, &k);
		if (rc) return rc;
		call.method = 0;
		break;
	case SVM_PROGRAM_RENT:
		rc = svm_rent_access(sender, payload, len, ids, 16, &k);
		if (rc) return rc;
		call.method = 0;
		break;
	case SVM_PROGRAM_MODELS:
	case SVM_PROGRAM_JOBS:
		rc = svm_ai_access(sender, nonce, payload, len, ids, 16, &k, NULL, SIZE_MAX, NULL, NULL);
		if (rc) return rc;
		call.method = 0;
		break;
	case SVM_PROGRAM_CONFIDENTIAL:
		rc = svm_conf_access(sender, nonce, payload, len, ids, 16, &k);
		if (rc) return rc;
		call.method = 0;
		break;
	case SVM_PROGRAM_GROTH16:
		rc = svm_groth16_access(payload, len, ids, 16, &k);
		if (rc) return rc;
		call.method = 0;
		break;
	default:
		if (parse(payload, len, &call)) return SVM_EDECODE;
	}
	switch (call.method) {
	case SVM_LEDGER_TRANSFER:
		svm_balance_id(&call.token, sender, &ids[k++]);
		svm_balance_id(&call.token, &call.to, &ids[k++]);
		break;
	case SVM_LEDGER_CREATE_TOKEN:
		svm_token_new_id(sender, nonce, &token);
		svm_token_object_id(&token, &ids[k++]);
		svm_balance_id(&token, sender, &ids[k++]);
		break;
	case SVM_LEDGER_BURN:
		svm_token_object_id(&call.token, &ids[k++]);
		svm_balance_id(&call.token, sender, &ids[k++]);
		break;
	case SVM_LEDGER_LINK_EVM: {
		svm_id_t shadow;
		link_ids(&call.to, ids, &shadow);
		k = 6;
		break;
	}
	}
	qsort(ids, k, sizeof ids[0], cmp_id);
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (u == 0 || !svm_hash_eq(&ids[u - 1], &ids[i])) ids[u++] = ids[i];
	if (u > max) return SVM_ELIMIT;
	memcpy(writes, ids, u * sizeof ids[0]);
	*n = u;
	return 0;
}

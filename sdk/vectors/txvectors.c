/* Prints transaction vectors from the node's own encoder as JSON, for the SDKs to match byte
 * for byte: each a key seed, the fields, the payload the C builders make, the access lists the
 * CLI declares (svm_native_access), the unsigned encoding, id, signature and signed encoding.
 * Usage: txvectors [COUNT] — the fixed edge cases, then COUNT pseudo-random ones (seeded). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/chain.h"
#include "supervm/core.h"
#include "supervm/vm.h"

#define VECTORS_RANDOM_MAX 1000
#define MODULE_BYTES_MAX 512

static uint64_t rng_state = 0x5eedc0ffee123457ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static json_t *hex(const void *p, size_t n)
{
	char *s = malloc(2 * n + 3);
	SVM_VERIFY(s != NULL);
	s[0] = '0';
	s[1] = 'x';
	svm_hex_encode(s + 2, p, n);
	json_t *j = json_string(s);
	free(s);
	return j;
}

static json_t *u64s(uint64_t v)
{
	char s[24];
	snprintf(s, sizeof s, "%llu", (unsigned long long)v);
	return json_string(s);
}

typedef struct {
	const char *kind; /* transfer, deploy, call */
	uint64_t seed_n, chain_id, nonce, expiry, fee_limit, tip, amount;
	const char *token; /* SWR, AIC, or hex */
	uint8_t to[32], contract[32];
	const char *method;
	uint8_t input[64];
	size_t input_len;
	uint8_t module[MODULE_BYTES_MAX];
	size_t module_len;
} spec_t;

static int payload_of(const spec_t *s, const svm_keypair_t *kp, svm_buf_t *pl, svm_id_t *writes,
		      size_t *nw)
{
	svm_id_t token = {{0}}, to, contract;
	memcpy(to.b, s->to, 32);
	memcpy(contract.b, s->contract, 32);
	*nw = 0;
	if (s->token && svm_token_parse(&token, s->token)) return -1;
	if (strcmp(s->kind, "transfer") == 0) {
		if (svm_native_transfer_payload(pl, &token, &to, s->amount)) return -1;
		return svm_native_access(&kp->id, s->nonce, pl->data, pl->len, writes, 16, nw);
	}
	if (strcmp(s->kind, "deploy") == 0) return svm_contract_deploy_payload(pl, s->module, s->module_len);
	return svm_contract_call_payload(pl, &contract, s->method, s->input, s->input_len,
					 s->amount ? &token : NULL, s->amount);
}

static json_t *vector(const spec_t *s)
{
	uint8_t seed[32];
	svm_slice_t part = {(const uint8_t *)&s->seed_n, sizeof s->seed_n};
	svm_sha256_tagged("txvector", &part, 1, (svm_hash_t *)seed);
	svm_keypair_t kp;
	svm_keypair_from_seed(&kp, seed);
	svm_buf_t pl = {0}, uns = {0}, raw = {0};
	svm_id_t writes[16];
	size_t nw = 0;
	SVM_VERIFY(payload_of(s, &kp, &pl, writes, &nw) == 0);
	bool strict = strcmp(s->kind, "transfer") == 0;
	svm_tx_t tx = {.chain_id = s->chain_id, .sender = kp.id, .nonce = s->nonce, .expiry_height = s->expiry, .fee_limit = s->fee_limit, .tip = s->tip, .access_mode = strict ? SVM_ACCESS_STRICT : SVM_ACCESS_DYNAMIC, .writes = writes, .writes_len = (uint32_t)nw, .vm = strict ? SVM_VM_NATIVE : SVM_VM_WASM, .payload = pl.data, .payload_len = pl.len, .scheme = SVM_SCHEME_ED25519, .public_key = kp.public_key, .public_key_len = SVM_ED25519_PUBKEY_SIZE};
	uint8_t sig[SVM_ED25519_SIG_SIZE];
	svm_hash_t id;
	SVM_VERIFY(svm_tx_sign(&tx, kp.secret_key, sig, &id) == 0);
	SVM_VERIFY(svm_tx_encode_unsigned(&tx, &uns) == 0);
	SVM_VERIFY(svm_tx_encode(&tx, &raw) == 0);
	json_t *w = json_array();
	for (size_t i = 0; i < nw; i++) json_array_append_new(w, hex(writes[i].b, 32));
	json_t *v = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			      "kind", s->kind, "seed", hex(seed, 32), "chain_id", u64s(s->chain_id), "nonce",
			      u64s(s->nonce), "expiry_height", u64s(s->expiry), "fee_limit", u64s(s->fee_limit),
			      "tip", u64s(s->tip), "writes", w, "payload", hex(pl.data, pl.len), "unsigned",
			      hex(uns.data, uns.len), "tx_id", hex(id.b, 32), "signature", hex(sig, 64), "raw",
			      hex(raw.data, raw.len), "sender", hex(kp.id.b, 32), "public_key",
			      hex(kp.public_key, 32));
	if (strcmp(s->kind, "transfer") == 0) {
		json_object_set_new(v, "to", hex(s->to, 32));
		json_object_set_new(v, "amount", u64s(s->amount));
		json_object_set_new(v, "token", json_string(s->token));
	} else if (strcmp(s->kind, "deploy") == 0) {
		json_object_set_new(v, "module", hex(s->module, s->module_len));
	} else {
		json_object_set_new(v, "contract", hex(s->contract, 32));
		json_object_set_new(v, "method", json_string(s->method));
		json_object_set_new(v, "input", hex(s->input, s->input_len));
		json_object_set_new(v, "amount", u64s(s->amount));
		json_object_set_new(v, "token", s->amount ? json_string(s->token) : json_null());
	}
	svm_buf_free(&pl);
	svm_buf_free(&uns);
	svm_buf_free(&raw);
	svm_keypair_wipe(&kp);
	return v;
}

static const char *const TOKENS[] = {"SWR", "AIC",
				     "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"};
static const char *const METHODS[] = {"increment", "get", "transfer", "x",
				      "a_method_name_of_exactly_sixty_four_bytes_for_the_limit_test_ok"};
static const uint64_t EDGES[] = {0, 1, 127, 128, 16383, 16384, 4294967296ull, 9223372036854775807ull,
				 18446744073709551615ull};

static void random_spec(spec_t *s, uint64_t n)
{
	static const char *const kinds[] = {"transfer", "deploy", "call"};
	memset(s, 0, sizeof *s);
	s->kind = kinds[rnd() % 3];
	s->seed_n = n;
	s->chain_id = rnd() % 3 ? 1337 : EDGES[rnd() % 9];
	s->nonce = rnd() % 2 ? rnd() % 1000 : EDGES[rnd() % 9];
	s->expiry = rnd() % 2 ? rnd() % 100000 : EDGES[rnd() % 9];
	s->fee_limit = rnd() % 2 ? 100000 : EDGES[rnd() % 9];
	s->tip = rnd() % 2 ? 0 : EDGES[rnd() % 9];
	s->amount = rnd() % 2 ? rnd() : EDGES[rnd() % 9];
	s->token = TOKENS[rnd() % 3];
	for (int i = 0; i < 32; i++) s->to[i] = (uint8_t)rnd(), s->contract[i] = (uint8_t)rnd();
	s->method = METHODS[rnd() % 5];
	s->input_len = rnd() % (sizeof s->input + 1);
	for (size_t i = 0; i < s->input_len; i++) s->input[i] = (uint8_t)rnd();
	s->module_len = rnd() % MODULE_BYTES_MAX;
	for (size_t i = 0; i < s->module_len; i++) s->module[i] = (uint8_t)rnd();
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? strtol(argv[1], NULL, 10) : 40;
	if (count < 0 || count > VECTORS_RANDOM_MAX) {
		fprintf(stderr, "txvectors: COUNT must be 0..%d\n", VECTORS_RANDOM_MAX);
		return 2;
	}
	json_t *all = json_array();
	spec_t s;
	for (uint64_t i = 0; i < 9; i++) { /* every varint edge in every u64 field */
		random_spec(&s, 100000 + i);
		s.kind = i % 2 ? "call" : "transfer";
		s.chain_id = s.nonce = s.expiry = s.fee_limit = s.tip = s.amount = EDGES[i];
		json_array_append_new(all, vector(&s));
	}
	for (long i = 0; i < count; i++) {
		random_spec(&s, (uint64_t)i);
		json_array_append_new(all, vector(&s));
	}
	char *text = json_dumps(all, JSON_INDENT(1));
	SVM_VERIFY(text != NULL);
	puts(text);
	free(text);
	json_decref(all);
	return 0;
}

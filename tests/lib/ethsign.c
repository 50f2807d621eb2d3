/* Test signer for Ethereum transactions (see ethsign.h). */
#include <secp256k1.h>
#include <stdlib.h>
#include <secp256k1_recovery.h>
#include <string.h>

#include "lib/ethsign.h"

static secp256k1_context *ctx(void)
{
	static secp256k1_context *c;
	if (!c) c = secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
	return c;
}

void eth_key(eth_key_t *k, uint64_t seed)
{
	uint8_t be[8];
	svm_put_u64be(be, seed);
	svm_slice_t part = {be, 8};
	svm_hash_t h;
	svm_sha256_tagged("eth/test", &part, 1, &h);
	memcpy(k->sk, h.b, 32);
	secp256k1_pubkey pk;
	if (!secp256k1_ec_pubkey_create(ctx(), &pk, k->sk)) abort();
	uint8_t ser[65];
	size_t n = sizeof ser;
	secp256k1_ec_pubkey_serialize(ctx(), ser, &n, &pk, SECP256K1_EC_UNCOMPRESSED);
	svm_evm_address_of_pubkey(ser + 1, &k->addr);
	svm_evm_identity(&k->addr, &k->id);
}

svm_u256_t eth_gwei(uint64_t gwei)
{
	unsigned __int128 w = (unsigned __int128)gwei * 1000000000u;
	return (svm_u256_t){{(uint64_t)w, (uint64_t)(w >> 64), 0, 0}};
}

static int put_u256(svm_buf_t *b, const svm_u256_t *v)
{
	uint8_t be[32];
	svm_u256_to_be(v, be);
	size_t i = 0;
	while (i < 32 && be[i] == 0) i++;
	return svm_rlp_put_bytes(b, be + i, 32 - i);
}

/* The fields before the signature. */
static int fields(svm_buf_t *b, const eth_tx_t *t)
{
	int rc = 0;
	if (!t->legacy) rc = svm_rlp_put_uint(b, t->chain_id);
	rc = rc || svm_rlp_put_uint(b, t->nonce);
	if (!t->legacy) rc = rc || put_u256(b, &t->max_prio);
	rc = rc || put_u256(b, &t->max_fee) || svm_rlp_put_uint(b, t->gas) ||
	     svm_rlp_put_bytes(b, t->to ? t->to->b : NULL, t->to ? 20 : 0) || put_u256(b, &t->value) ||
	     svm_rlp_put_bytes(b, t->data, t->data_len);
	if (!t->legacy) {
		size_t s = b->len; /* empty access list */
		rc = rc || svm_rlp_wrap_list(b, s);
	}
	return rc ? SVM_ENOMEM : 0;
}

int eth_sign(const eth_key_t *k, const eth_tx_t *t, bool bare, svm_buf_t *out)
{
	svm_buf_t b = {0};
	int rc = 0;
	if (!t->legacy) rc = svm_buf_append(&b, "\x02", 1);
	size_t start = b.len;
	rc = rc || fields(&b, t);
	if (t->legacy) rc = rc || svm_rlp_put_uint(&b, t->chain_id) || svm_rlp_put_uint(&b, 0) || svm_rlp_put_uint(&b, 0);
	rc = rc || svm_rlp_wrap_list(&b, start);
	if (rc) goto out;
	uint8_t h[32];
	svm_keccak256(b.data, b.len, h);
	secp256k1_ecdsa_recoverable_signature sig;
	uint8_t rs[64];
	int recid;
	if (!secp256k1_ecdsa_sign_recoverable(ctx(), &sig, h, k->sk, NULL, NULL)) {
		rc = SVM_ESIG;
		goto out;
	}
	secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx(), rs, &recid, &sig);
	b.len = 0;
	if (!t->legacy) rc = svm_buf_append(&b, "\x02", 1);
	start = b.len;
	rc = rc || fields(&b, t);
	if (t->legacy) rc = rc || svm_rlp_put_uint(&b, t->chain_id * 2 + 35 + (uint64_t)recid);
	else rc = rc || svm_rlp_put_uint(&b, (uint64_t)recid);
	size_t i = 0, j = 32;
	while (i < 32 && rs[i] == 0) i++;
	while (j < 64 && rs[j] == 0) j++;
	rc = rc || svm_rlp_put_bytes(&b, rs + i, 32 - i) || svm_rlp_put_bytes(&b, rs + j, 64 - j) ||
	     svm_rlp_wrap_list(&b, start);
	if (!rc && !bare) rc = svm_buf_append(out, "\x06", 1);
	if (!rc) rc = svm_buf_append(out, b.data, b.len);
out:
	svm_buf_free(&b);
	return rc ? (rc < 0 ? rc : SVM_ENOMEM) : 0;
}

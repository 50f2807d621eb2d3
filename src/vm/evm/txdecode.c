/* Decoding signed Ethereum transactions (legacy with and without EIP-155, EIP-2930, EIP-1559,
 * EIP-4844) from their network encoding, strictly: exact field counts, canonical integers,
 * addresses of exactly 20 bytes, storage keys and blob hashes of exactly 32. The sender is
 * recovered with libsecp256k1 from the signing hash. Checked against TransactionTests. */
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <string.h>

#include "vm/evm/internal.h"

#define FIELDS_MAX 14

/* secp256k1's n and n/2, big-endian */
static const uint8_t SECP_N[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				   0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
				   0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
static const uint8_t SECP_HALF_N[32] = {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					0xff, 0xff, 0xff, 0xff, 0xff, 0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4,
					0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

void svm_evm_address_of_pubkey(const uint8_t pub64[64], svm_evm_addr_t *out)
{
	uint8_t h[32];
	svm_keccak256(pub64, 64, h);
	memcpy(out->b, h + 12, 20);
}

/* A canonical unsigned integer of at most 32 bytes. */
static int get_u256(const svm_rlp_item_t *it, u256 *v)
{
	if (it->is_list || it->len > 32 || (it->len > 0 && it->p[0] == 0)) return SVM_EDECODE;
	svm_u256_from_be(v, it->p, it->len);
	return 0;
}

static int get_u64(const svm_rlp_item_t *it, uint64_t *v) { return svm_rlp_uint(it, v); }

static int split(const svm_rlp_item_t *list, svm_rlp_item_t *f, size_t want)
{
	size_t pos = 0, n = 0;
	svm_rlp_item_t it;
	int rc;
	SVM_ASSERT(want <= FIELDS_MAX); /* f[] holds every field of the widest form */
	while ((rc = svm_rlp_next(list, &pos, &it)) == 1) {
		if (n == want) return SVM_EDECODE;
		f[n++] = it;
	}
	return rc == 0 && n == want ? 0 : SVM_EDECODE;
}

static int get_to(const svm_rlp_item_t *it, svm_evm_tx_t *tx)
{
	if (it->is_list) return SVM_EDECODE;
	if (it->len == 0) {
		tx->create = true;
		return 0;
	}
	if (it->len != 20) return SVM_EDECODE;
	memcpy(tx->to.b, it->p, 20);
	return 0;
}

static int get_access(const svm_rlp_item_t *al, svm_evm_signed_tx_t *o)
{
	if (!al->is_list) return SVM_EDECODE;
	size_t pos = 0, n = 0, nk = 0;
	svm_rlp_item_t e, f[2], k;
	int rc;
	/* first pass: count and check the shape */
	while ((rc = svm_rlp_next(al, &pos, &e)) == 1) {
		if (!e.is_list || split(&e, f, 2) || f[0].is_list || f[0].len != 20 || !f[1].is_list) return SVM_EDECODE;
		size_t kp = 0;
		while ((rc = svm_rlp_next(&f[1], &kp, &k)) == 1) {
			if (k.is_list || k.len != 32) return SVM_EDECODE;
			nk++;
		}
		if (rc) return rc;
		if (++n > SVM_EVM_ACCESS_LIST_MAX || nk > SVM_EVM_ACCESS_LIST_MAX) return SVM_ELIMIT;
	}
	if (rc) return rc;
	o->access_owned = svm_calloc(n ? n : 1, sizeof *o->access_owned);
	o->keys_owned = svm_calloc(nk ? nk : 1, sizeof *o->keys_owned);
	if (!o->access_owned || !o->keys_owned) return SVM_ENOMEM;
	pos = 0;
	size_t i = 0, ki = 0;
	while (svm_rlp_next(al, &pos, &e) == 1) {
		int src = split(&e, f, 2);
		SVM_ASSERT(src == 0 && i < n && f[0].len == 20); /* the first pass checked the shape */
		(void)src;
		memcpy(o->access_owned[i].address.b, f[0].p, 20);
		o->access_owned[i].keys = &o->keys_owned[ki];
		size_t kp = 0;
		while (svm_rlp_next(&f[1], &kp, &k) == 1) {
			svm_u256_from_be(&o->keys_owned[ki++], k.p, 32);
			o->access_owned[i].n_keys++;
		}
		i++;
	}
	SVM_ASSERT(i == n && ki == nk); /* the second pass found what the first counted */
	o->tx.access = o->access_owned;
	o->tx.n_access = n;
	return 0;
}

static int get_blobs(const svm_rlp_item_t *bl, svm_evm_signed_tx_t *o)
{
	if (!bl->is_list) return SVM_EDECODE;
	size_t pos = 0, n = 0;
	svm_rlp_item_t e;
	int rc;
	while ((rc = svm_rlp_next(bl, &pos, &e)) == 1)
		if (e.is_list || e.len != 32 || ++n > SVM_EVM_BLOBS_MAX) return n > SVM_EVM_BLOBS_MAX ? SVM_ELIMIT : SVM_EDECODE;
	if (rc) return rc;
	o->blobs_owned = svm_calloc(n ? n : 1, sizeof *o->blobs_owned);
	if (!o->blobs_owned) return SVM_ENOMEM;
	pos = 0;
	for (size_t i = 0; svm_rlp_next(bl, &pos, &e) == 1; i++) {
		SVM_ASSERT(i < n && e.len == 32);
		svm_u256_from_be(&o->blobs_owned[i], e.p, 32);
	}
	o->tx.blob_hashes = o->blobs_owned;
	o->tx.n_blob_hashes = n;
	return 0;
}

/* Recovers the sender from the signing hash and (recid, r, s). */
static int recover(const uint8_t h[32], int recid, const svm_rlp_item_t *r, const svm_rlp_item_t *s,
		   svm_evm_addr_t *from)
{
	uint8_t rs[64] = {0};
	if (r->is_list || s->is_list || r->len > 32 || s->len > 32 || r->len == 0 || s->len == 0 || r->p[0] == 0 ||
	    s->p[0] == 0)
		return SVM_ESIG;
	memcpy(rs + 32 - r->len, r->p, r->len);
	memcpy(rs + 64 - s->len, s->p, s->len);
	if (memcmp(rs, SECP_N, 32) >= 0 || memcmp(rs + 32, SECP_HALF_N, 32) > 0) return SVM_ESIG;
	const secp256k1_context *ctx = secp256k1_context_static;
	secp256k1_ecdsa_recoverable_signature sig;
	secp256k1_pubkey pk;
	uint8_t ser[65];
	size_t sl = sizeof ser;
	if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, rs, recid) ||
	    !secp256k1_ecdsa_recover(ctx, &pk, &sig, h))
		return SVM_ESIG;
	secp256k1_ec_pubkey_serialize(ctx, ser, &sl, &pk, SECP256K1_EC_UNCOMPRESSED);
	svm_evm_address_of_pubkey(ser + 1, from);
	return 0;
}

/* keccak(prefix ‖ rlp(fields[0..n) ‖ extra)) where extra are already-encoded items */
static int sighash(uint8_t type, const svm_rlp_item_t *f, size_t n, const uint8_t *extra, size_t extra_len,
		   uint8_t out[32])
{
	svm_buf_t b = {0};
	int rc = 0;
	if (type && (rc = svm_buf_push(&b, type))) goto out;
	size_t start = b.len;
	for (size_t i = 0; i < n && !rc; i++) {
		/* re-encode each field from its payload; lists are re-wrapped */
		if (f[i].is_list) {
			size_t s = b.len;
			if ((rc = svm_buf_append(&b, f[i].p, f[i].len))) break;
			rc = svm_rlp_wrap_list(&b, s);
		} else {
			rc = svm_rlp_put_bytes(&b, f[i].p, f[i].len);
		}
	}
	if (!rc && extra_len) rc = svm_buf_append(&b, extra, extra_len);
	if (!rc) rc = svm_rlp_wrap_list(&b, start);
	if (!rc) svm_keccak256(b.data, b.len, out);
out:
	svm_buf_free(&b);
	return rc;
}

static int decode_legacy(const svm_rlp_item_t *list, bool rec, svm_evm_signed_tx_t *o, svm_error_t *err)
{
	svm_rlp_item_t f[9];
	svm_evm_tx_t *tx = &o->tx;
	if (split(list, f, 9)) return svm_error_set(err, SVM_EDECODE, "legacy transaction: not 9 fields");
	if (get_u64(&f[0], &tx->nonce) || get_u256(&f[1], &tx->gas_price) || get_u64(&f[2], &tx->gas_limit) ||
	    get_to(&f[3], tx) || get_u256(&f[4], &tx->value) || f[5].is_list)
		return svm_error_set(err, SVM_EDECODE, "legacy transaction: bad field");
	tx->data = f[5].p;
	tx->data_len = f[5].len;
	u256 v;
	if (get_u256(&f[6], &v) || !u256_fits64(&v)) return svm_error_set(err, SVM_ESIG, "bad v");
	int recid;
	uint8_t extra[32];
	size_t extra_len = 0;
	if (v.w[0] == 27 || v.w[0] == 28) {
		recid = (int)(v.w[0] - 27);
	} else if (v.w[0] >= 37) {
		o->has_chain_id = true;
		o->chain_id = (v.w[0] - 35) / 2;
		recid = (int)((v.w[0] - 35) % 2);
		svm_buf_t b = {.data = extra, .cap = sizeof extra, .cap_max = sizeof extra};
		svm_rlp_put_uint(&b, o->chain_id);
		svm_rlp_put_uint(&b, 0);
		svm_rlp_put_uint(&b, 0);
		extra_len = b.len;
	} else {
		return svm_error_set(err, SVM_ESIG, "bad v %llu", (unsigned long long)v.w[0]);
	}
	tx->type = 0;
	if (!rec) return 0;
	uint8_t h[32];
	int rc = sighash(0, f, 6, extra, extra_len, h);
	if (rc) return svm_error_set(err, rc, "signing hash");
	if (recover(h, recid, &f[7], &f[8], &tx->from)) return svm_error_set(err, SVM_ESIG, "bad signature");
	return 0;
}

static int decode_typed(uint8_t type, const svm_rlp_item_t *list, bool rec, svm_evm_signed_tx_t *o,
			svm_error_t *err)
{
	static const size_t counts[4] = {0, 11, 12, 14};
	svm_rlp_item_t f[FIELDS_MAX];
	svm_evm_tx_t *tx = &o->tx;
	size_t n = counts[type];
	if (split(list, f, n)) return svm_error_set(err, SVM_EDECODE, "type %u transaction: not %zu fields", type, n);
	size_t i = 0;
	int rc = get_u64(&f[i++], &o->chain_id) || get_u64(&f[i++], &tx->nonce);
	o->has_chain_id = true;
	if (type == 1) {
		rc = rc || get_u256(&f[i++], &tx->gas_price);
	} else {
		rc = rc || get_u256(&f[i++], &tx->max_priority_fee) || get_u256(&f[i++], &tx->max_fee);
	}
	rc = rc || get_u64(&f[i++], &tx->gas_limit) || get_to(&f[i++], tx) || get_u256(&f[i++], &tx->value) ||
	     f[i].is_list;
	if (rc) return svm_error_set(err, SVM_EDECODE, "type %u transaction: bad field", type);
	tx->data = f[i].p;
	tx->data_len = f[i].len;
	i++;
	if ((rc = get_access(&f[i++], o))) return svm_error_set(err, rc, "bad access list");
	if (type == 3) {
		if (get_u256(&f[i++], &tx->max_fee_per_blob_gas)) return svm_error_set(err, SVM_EDECODE, "bad blob fee");
		if ((rc = get_blobs(&f[i++], o))) return svm_error_set(err, rc, "bad blob hashes");
		if (tx->create) return svm_error_set(err, SVM_EDECODE, "blob transaction without a recipient");
	}
	uint64_t parity;
	if (get_u64(&f[i], &parity) || parity > 1) return svm_error_set(err, SVM_ESIG, "bad y parity");
	tx->type = type;
	if (!rec) return 0;
	uint8_t h[32];
	if ((rc = sighash(type, f, i, NULL, 0, h))) return svm_error_set(err, rc, "signing hash");
	if (recover(h, (int)parity, &f[i + 1], &f[i + 2], &tx->from)) return svm_error_set(err, SVM_ESIG, "bad signature");
	return 0;
}

void svm_evm_signed_tx_free(svm_evm_signed_tx_t *t)
{
	svm_free(t->access_owned);
	svm_free(t->keys_owned);
	svm_free(t->blobs_owned);
	memset(t, 0, sizeof *t);
}

static int decode(const uint8_t *raw, size_t len, bool rec, bool any_chain, uint64_t wanted_chain_id,
		  svm_evm_signed_tx_t *out, svm_error_t *err)
{
	memset(out, 0, sizeof *out);
	svm_rlp_item_t list;
	int rc;
	if (len == 0) return svm_error_set(err, SVM_EDECODE, "empty transaction");
	if (raw[0] >= 0xc0) {
		if (svm_rlp_decode(raw, len, &list) || !list.is_list) return svm_error_set(err, SVM_EDECODE, "bad RLP");
		rc = decode_legacy(&list, rec, out, err);
	} else if (raw[0] >= 1 && raw[0] <= 3) {
		if (svm_rlp_decode(raw + 1, len - 1, &list) || !list.is_list)
			return svm_error_set(err, SVM_EDECODE, "bad RLP");
		rc = decode_typed(raw[0], &list, rec, out, err);
	} else {
		return svm_error_set(err, SVM_EDECODE, "unknown transaction type 0x%02x", raw[0]);
	}
	if (!rc && !any_chain && out->has_chain_id && out->chain_id != wanted_chain_id)
		rc = svm_error_set(err, SVM_ECHAIN, "chain id %llu, expected %llu", (unsigned long long)out->chain_id,
				   (unsigned long long)wanted_chain_id);
	if (!rc && out->tx.nonce == UINT64_MAX) rc = svm_error_set(err, SVM_ENONCE, "nonce 2^64-1 (EIP-2681)");
	u256 cost;
	if (!rc && u256_mul_overflows(&cost, &(u256){{out->tx.gas_limit, 0, 0, 0}},
				      out->tx.type >= 2 ? &out->tx.max_fee : &out->tx.gas_price))
		rc = svm_error_set(err, SVM_EOVERFLOW, "gas limit × gas price overflows 256 bits");
	if (!rc && out->tx.type >= 2 && u256_cmp(&out->tx.max_priority_fee, &out->tx.max_fee) > 0)
		rc = svm_error_set(err, SVM_EFEE, "priority fee above max fee");
	if (!rc && out->tx.create && out->tx.data_len > SVM_EVM_INITCODE_BYTES_MAX)
		rc = svm_error_set(err, SVM_ELIMIT, "initcode over %u bytes", SVM_EVM_INITCODE_BYTES_MAX);
	if (!rc) {
		out->intrinsic_gas = svm_evm_intrinsic_gas(&out->tx);
		if (out->intrinsic_gas > out->tx.gas_limit)
			rc = svm_error_set(err, SVM_EGAS, "intrinsic gas %llu above the gas limit",
					   (unsigned long long)out->intrinsic_gas);
	}
	if (rc) {
		svm_evm_signed_tx_free(out);
		return rc;
	}
	if (rec) svm_keccak256(raw, len, out->hash); /* a parse's caller has the id already */
	return 0;
}

int svm_evm_tx_decode(const uint8_t *raw, size_t len, uint64_t wanted_chain_id, svm_evm_signed_tx_t *out,
		      svm_error_t *err)
{
	return decode(raw, len, true, false, wanted_chain_id, out, err);
}

int svm_evm_tx_decode_any_chain(const uint8_t *raw, size_t len, svm_evm_signed_tx_t *out, svm_error_t *err)
{
	return decode(raw, len, true, true, 0, out, err);
}

int svm_evm_tx_parse(const uint8_t *raw, size_t len, svm_evm_signed_tx_t *out, svm_error_t *err)
{
	return decode(raw, len, false, true, 0, out, err);
}

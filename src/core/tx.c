/* Transactions: canonical encoding (layout in docs/encoding.md), id, signing and verification.
 * The unsigned encoding runs through the scheme and public key, so the id — and the signature
 * over "svm/tx" ‖ id — commit to the key; the signature alone follows. */
#include "codec.h"

/* Access lists are strictly ascending by id bytes, and no id is in two of them. Lists are
 * walked through a stride because an input is {id, version} and a read/write is just an id. */
static const svm_id_t *id_at(const void *base, size_t stride, size_t i)
{
	return (const svm_id_t *)(const void *)((const uint8_t *)base + i * stride);
}

static bool ascending(const void *base, size_t stride, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (svm_hash_cmp(id_at(base, stride, i - 1), id_at(base, stride, i)) >= 0) return false;
	return true;
}

static bool disjoint(const void *a, size_t sa, size_t na, const void *b, size_t sb, size_t nb)
{
	/* the merge walk below finds a common id only in ascending lists (checked first) */
	SVM_ASSERT(ascending(a, sa, na) && ascending(b, sb, nb));
	size_t i = 0, j = 0;
	while (i < na && j < nb) {
		int c = svm_hash_cmp(id_at(a, sa, i), id_at(b, sb, j));
		if (c == 0) return false;
		if (c < 0)
			i++;
		else
			j++;
	}
	return true;
}

static bool lists_disjoint(const svm_tx_t *tx)
{
	const size_t si = sizeof(svm_tx_input_t), sd = sizeof(svm_id_t);
	return disjoint(tx->inputs, si, tx->inputs_len, tx->reads, sd, tx->reads_len) &&
	       disjoint(tx->inputs, si, tx->inputs_len, tx->writes, sd, tx->writes_len) &&
	       disjoint(tx->reads, sd, tx->reads_len, tx->writes, sd, tx->writes_len);
}

static int tx_check(const svm_tx_t *tx, bool with_sig)
{
	if (tx->access_mode > SVM_ACCESS_DYNAMIC || tx->vm > SVM_VM_WASM) return SVM_EINVAL;
	if (tx->inputs_len > SVM_TX_OBJECTS_MAX || tx->reads_len > SVM_TX_OBJECTS_MAX ||
	    tx->writes_len > SVM_TX_OBJECTS_MAX)
		return SVM_ELIMIT;
	if ((tx->inputs_len && !tx->inputs) || (tx->reads_len && !tx->reads) ||
	    (tx->writes_len && !tx->writes))
		return SVM_EINVAL;
	if (!ascending(tx->inputs, sizeof(svm_tx_input_t), tx->inputs_len) ||
	    !ascending(tx->reads, sizeof(svm_id_t), tx->reads_len) ||
	    !ascending(tx->writes, sizeof(svm_id_t), tx->writes_len) || !lists_disjoint(tx))
		return SVM_EINVAL;
	TRY(chk_bytes(tx->payload, tx->payload_len, SVM_TX_PAYLOAD_MAX));
	size_t pk = svm_scheme_pubkey_size(tx->scheme);
	if (pk == 0) return SVM_EUNSUPPORTED;
	if (tx->public_key_len != pk || tx->public_key == NULL) return SVM_EINVAL;
	SVM_ASSERT(svm_scheme_sig_size(tx->scheme) > 0); /* a scheme with a key signs */
	if (with_sig && (tx->signature_len != svm_scheme_sig_size(tx->scheme) || !tx->signature))
		return SVM_EINVAL;
	return 0;
}

static int tx_write_unsigned(const svm_tx_t *tx, svm_buf_t *out)
{
	TRY(svm_buf_push(out, SVM_TAG_TX));
	TRY(svm_varint_append(out, tx->chain_id));
	TRY(svm_buf_append(out, tx->sender.b, SVM_HASH_SIZE));
	TRY(svm_varint_append(out, tx->nonce));
	TRY(svm_varint_append(out, tx->expiry_height));
	TRY(svm_varint_append(out, tx->fee_limit));
	TRY(svm_varint_append(out, tx->tip));
	TRY(svm_buf_push(out, tx->access_mode));
	TRY(svm_varint_append(out, tx->inputs_len));
	for (uint32_t i = 0; i < tx->inputs_len; i++) {
		TRY(svm_buf_append(out, tx->inputs[i].id.b, SVM_HASH_SIZE));
		TRY(svm_varint_append(out, tx->inputs[i].version));
	}
	TRY(svm_varint_append(out, tx->reads_len));
	if (tx->reads_len) TRY(svm_buf_append(out, tx->reads, (size_t)tx->reads_len * SVM_HASH_SIZE));
	TRY(svm_varint_append(out, tx->writes_len));
	if (tx->writes_len)
		TRY(svm_buf_append(out, tx->writes, (size_t)tx->writes_len * SVM_HASH_SIZE));
	TRY(svm_buf_push(out, tx->vm));
	TRY(wr_bytes(out, tx->payload, tx->payload_len));
	TRY(svm_buf_push(out, tx->scheme));
	return svm_buf_append(out, tx->public_key, tx->public_key_len);
}

static int tx_encode(const svm_tx_t *tx, svm_buf_t *out, bool with_sig)
{
	TRY(tx_check(tx, with_sig));
	size_t start = out->len;
	int rc = tx_write_unsigned(tx, out);
	if (rc == 0 && with_sig) rc = svm_buf_append(out, tx->signature, tx->signature_len);
	if (rc == 0 && out->len - start > SVM_TX_BYTES_MAX) rc = SVM_ELIMIT;
	if (rc != 0) out->len = start;
	/* success: one tagged transaction within its bound; failure: the buffer as it was */
	SVM_ASSERT(rc != 0 ? out->len == start
			   : out->len > start && out->data[start] == SVM_TAG_TX &&
				     out->len - start <= SVM_TX_BYTES_MAX);
	return rc;
}

int svm_tx_encode_unsigned(const svm_tx_t *tx, svm_buf_t *out)
{
	return tx_encode(tx, out, false);
}

int svm_tx_encode(const svm_tx_t *tx, svm_buf_t *out)
{
	return tx_encode(tx, out, true);
}

/* Reads a list of ids (stride apart, the id first in each element) into an arena array,
 * checking the strictly ascending order. Inputs also carry a version after each id. */
static int rd_list(svm_reader_t *r, svm_arena_t *arena, bool inputs, void **out, uint32_t *n_out,
		   const char *what, svm_error_t *err)
{
	uint64_t n;
	TRY(rd_len(r, SVM_TX_OBJECTS_MAX, &n, what, err));
	_Static_assert(SVM_TX_OBJECTS_MAX <= UINT32_MAX, "a list's count fits its u32");
	size_t stride = inputs ? sizeof(svm_tx_input_t) : sizeof(svm_id_t);
	/* the id is each element's first field: id_at and the cast below rely on it */
	_Static_assert(offsetof(svm_tx_input_t, id) == 0, "input starts with its id");
	TRY(arena_array(arena, (size_t)n, stride, out, what, err));
	for (size_t i = 0; i < n; i++) {
		svm_id_t *id = (svm_id_t *)(void *)((uint8_t *)*out + i * stride);
		TRY(rd_hash(r, id, what, err));
		if (i > 0 && svm_hash_cmp(id_at(*out, stride, i - 1), id) >= 0)
			return svm_error_set(err, SVM_EDECODE,
					     "%s: entry %zu not strictly ascending (offset %zu)", what,
					     i, r->pos - SVM_HASH_SIZE);
		if (inputs) TRY(rd_u64(r, &((svm_tx_input_t *)id)->version, what, err));
	}
	SVM_ASSERT(n == 0 || ascending(*out, stride, (size_t)n));
	*n_out = (uint32_t)n;
	return 0;
}

static int rd_access(svm_reader_t *r, svm_arena_t *arena, svm_tx_t *tx, svm_error_t *err)
{
	void *p;
	TRY(rd_u8(r, &tx->access_mode, "tx.access_mode", err));
	if (tx->access_mode > SVM_ACCESS_DYNAMIC)
		return svm_error_set(err, SVM_EDECODE, "tx.access_mode: unknown %u", tx->access_mode);
	TRY(rd_list(r, arena, true, &p, &tx->inputs_len, "tx.inputs", err));
	tx->inputs = p;
	TRY(rd_list(r, arena, false, &p, &tx->reads_len, "tx.reads", err));
	tx->reads = p;
	TRY(rd_list(r, arena, false, &p, &tx->writes_len, "tx.writes", err));
	tx->writes = p;
	if (!lists_disjoint(tx))
		return svm_error_set(err, SVM_EDECODE, "tx: an id is in two of inputs/reads/writes");
	return 0;
}

static int rd_key(svm_reader_t *r, svm_tx_t *tx, size_t *unsigned_len, svm_error_t *err)
{
	TRY(rd_u8(r, &tx->scheme, "tx.scheme", err));
	size_t pk = svm_scheme_pubkey_size(tx->scheme), sig = svm_scheme_sig_size(tx->scheme);
	if (pk == 0) return svm_error_set(err, SVM_EDECODE, "tx.scheme: unknown %u", tx->scheme);
	SVM_ASSERT(sig > 0); /* a known scheme signs: a zero-length signature would verify nothing */
	if (svm_reader_bytes(r, pk, &tx->public_key) != 0)
		return svm_error_set(err, SVM_EDECODE, "tx.public_key: truncated");
	tx->public_key_len = pk;
	*unsigned_len = r->pos;
	if (svm_reader_bytes(r, sig, &tx->signature) != 0)
		return svm_error_set(err, SVM_EDECODE, "tx.signature: truncated");
	tx->signature_len = sig;
	return 0;
}

int svm_tx_decode(const uint8_t *p, size_t len, svm_arena_t *arena, svm_tx_t *tx, svm_hash_t *id,
		  svm_error_t *err)
{
	memset(tx, 0, sizeof *tx);
	if (len > SVM_TX_BYTES_MAX)
		return svm_error_set(err, SVM_ELIMIT, "tx: %zu bytes exceeds %d", len, SVM_TX_BYTES_MAX);
	svm_reader_t r = svm_reader(p, len);
	TRY(rd_tag(&r, SVM_TAG_TX, "tx", err));
	TRY(rd_u64(&r, &tx->chain_id, "tx.chain_id", err));
	TRY(rd_hash(&r, &tx->sender, "tx.sender", err));
	TRY(rd_u64(&r, &tx->nonce, "tx.nonce", err));
	TRY(rd_u64(&r, &tx->expiry_height, "tx.expiry_height", err));
	TRY(rd_u64(&r, &tx->fee_limit, "tx.fee_limit", err));
	TRY(rd_u64(&r, &tx->tip, "tx.tip", err));
	TRY(rd_access(&r, arena, tx, err));
	TRY(rd_u8(&r, &tx->vm, "tx.vm", err));
	if (tx->vm > SVM_VM_WASM) return svm_error_set(err, SVM_EDECODE, "tx.vm: unknown %u", tx->vm);
	TRY(rd_bytes(&r, SVM_TX_PAYLOAD_MAX, &tx->payload, &tx->payload_len, "tx.payload", err));
	size_t unsigned_len;
	TRY(rd_key(&r, tx, &unsigned_len, err));
	TRY(rd_end(&r, "tx", err));
	/* the id covers everything but the signature, which ends the input */
	SVM_ASSERT(unsigned_len + tx->signature_len == len && tx->signature == p + unsigned_len);
	/* a decoded transaction is one the encoder accepts (the two agree on validity) */
	SVM_ASSERT(tx_check(tx, true) == 0);
	if (id) svm_sha256(p, unsigned_len, id);
	return 0;
}

int svm_tx_id(const svm_tx_t *tx, svm_hash_t *id)
{
	/* Typical transactions encode into the stack buffer (cap_max stops svm_buf from growing
	 * it); only a larger one is re-encoded on the heap. */
	uint8_t stack[4096];
	svm_buf_t b = {.data = stack, .cap = sizeof stack, .cap_max = sizeof stack};
	int rc = svm_tx_encode_unsigned(tx, &b);
	/* cap_max kept the buffer on the stack: it is never reallocated (nor freed) */
	SVM_ASSERT(b.data == stack && b.len <= sizeof stack);
	if (rc == 0) {
		svm_sha256(b.data, b.len, id);
		return 0;
	}
	if (rc != SVM_ELIMIT) return rc;
	svm_buf_t h = {0};
	rc = svm_tx_encode_unsigned(tx, &h);
	if (rc == 0) svm_sha256(h.data, h.len, id);
	svm_buf_free(&h);
	return rc;
}

static void sign_message(const svm_hash_t *id, uint8_t msg[sizeof SVM_TX_SIGN_TAG - 1 + 32])
{
	memcpy(msg, SVM_TX_SIGN_TAG, sizeof SVM_TX_SIGN_TAG - 1);
	memcpy(msg + sizeof SVM_TX_SIGN_TAG - 1, id->b, SVM_HASH_SIZE);
}

int svm_tx_sign(svm_tx_t *tx, const uint8_t sk[SVM_ED25519_SECRET_SIZE],
		uint8_t sig[SVM_ED25519_SIG_SIZE], svm_hash_t *id)
{
	if (tx->scheme != SVM_SCHEME_ED25519 || tx->public_key_len != SVM_ED25519_PUBKEY_SIZE ||
	    tx->public_key == NULL ||
	    memcmp(tx->public_key, sk + SVM_ED25519_SEED_SIZE, SVM_ED25519_PUBKEY_SIZE) != 0)
		return SVM_EINVAL;
	svm_hash_t h;
	TRY(svm_tx_id(tx, &h));
	uint8_t msg[sizeof SVM_TX_SIGN_TAG - 1 + SVM_HASH_SIZE];
	sign_message(&h, msg);
	svm_ed25519_sign(sig, msg, sizeof msg, sk);
	/* the key matched the transaction's: the signature verifies under it (debug-only verify) */
	SVM_ASSERT(svm_ed25519_verify(sig, msg, sizeof msg, tx->public_key) == 0);
	tx->signature = sig;
	tx->signature_len = SVM_ED25519_SIG_SIZE;
	if (id) *id = h;
	return 0;
}

int svm_tx_verify(const svm_tx_t *tx, const svm_hash_t *id)
{
	size_t sig_len = svm_scheme_sig_size(tx->scheme);
	if (sig_len == 0) return SVM_EUNSUPPORTED;
	if (tx->signature_len != sig_len || tx->signature == NULL) return SVM_ESIG;
	svm_id_t sender;
	if (svm_identity_derive(tx->scheme, tx->public_key, tx->public_key_len, &sender) != 0)
		return SVM_ESIG;
	if (!svm_hash_eq(&sender, &tx->sender)) return SVM_ESIG;
	svm_hash_t h;
	if (id == NULL) {
		if (svm_tx_id(tx, &h) != 0) return SVM_ESIG;
		id = &h;
	}
	uint8_t msg[sizeof SVM_TX_SIGN_TAG - 1 + SVM_HASH_SIZE];
	sign_message(id, msg);
	return svm_ed25519_verify(tx->signature, msg, sizeof msg, tx->public_key);
}

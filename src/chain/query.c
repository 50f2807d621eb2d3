/* Read queries over the chain, each on its own LMDB read snapshot (safe from any thread). */
#include <string.h>

#include "chain/internal.h"
#include "supervm/evm.h"

static int block_at(svm_store_txn_t *r, uint64_t height, const uint8_t **p, size_t *n)
{
	uint8_t key[8];
	const uint8_t *hash;
	size_t hlen;
	svm_put_u64be(key, height);
	int rc = svm_store_get(r, SVM_TABLE_HEIGHTS, key, 8, &hash, &hlen);
	if (rc) return rc;
	return svm_store_get(r, SVM_TABLE_BLOCKS, hash, hlen, p, n);
}

int svm_chain_block(svm_chain_t *c, uint64_t height, svm_buf_t *out)
{
	svm_store_txn_t *r;
	int rc = svm_store_read_begin(svm_chain_store_(c), &r, NULL);
	if (rc) return rc;
	const uint8_t *p;
	size_t n;
	rc = block_at(r, height, &p, &n);
	if (rc == 0) rc = svm_buf_append(out, p, n);
	svm_store_abort(r);
	return rc;
}

/* Where tx id sits: height and index. */
static int locate(svm_store_txn_t *r, const svm_hash_t *id, uint64_t *height, uint32_t *index)
{
	const uint8_t *p;
	size_t n;
	int rc = svm_store_get(r, SVM_TABLE_TXS, id->b, SVM_HASH_SIZE, &p, &n);
	if (rc) return rc;
	if (n != 12) return SVM_EIO;
	*height = svm_get_u64be(p);
	*index = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	return 0;
}

int svm_chain_tx(svm_chain_t *c, const svm_hash_t *tx_id, svm_buf_t *tx_out, uint64_t *height,
		 uint32_t *index)
{
	svm_store_txn_t *r;
	int rc = svm_store_read_begin(svm_chain_store_(c), &r, NULL);
	if (rc) return rc;
	uint64_t h;
	uint32_t i;
	const uint8_t *p;
	size_t n;
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_block_t blk = {0}; /* read only when decode succeeded; zeroed for the linter */
	rc = locate(r, tx_id, &h, &i);
	if (rc == 0) rc = block_at(r, h, &p, &n);
	if (rc == 0) rc = svm_block_decode(p, n, &a, &blk, NULL, NULL);
	if (rc == 0 && i >= blk.txs_len) rc = SVM_EIO;
	if (rc == 0) rc = svm_buf_append(tx_out, blk.txs[i].p, blk.txs[i].len);
	if (rc == 0 && height) *height = h;
	if (rc == 0 && index) *index = i;
	svm_arena_reset(&a);
	svm_store_abort(r);
	return rc;
}

/* The receipt leaf hashes of every transaction of a block, in order. */
static int receipt_leaves(svm_store_txn_t *r, const svm_block_t *blk, svm_arena_t *a,
			  svm_hash_t **out)
{
	svm_hash_t *leaves = svm_arena_alloc(a, (blk->txs_len ? blk->txs_len : 1) * sizeof(*leaves));
	if (leaves == NULL) return SVM_ENOMEM;
	SVM_ASSERT(blk->txs_len == 0 || blk->txs != NULL);
	for (uint32_t i = 0; i < blk->txs_len; i++) {
		svm_hash_t id;
		svm_tx_t tx;
		int rc = svm_tx_decode_any(blk->txs[i].p, blk->txs[i].len, a, &tx, &id, NULL);
		const uint8_t *p;
		size_t n;
		if (rc == 0) rc = svm_store_get(r, SVM_TABLE_RECEIPTS, id.b, SVM_HASH_SIZE, &p, &n);
		if (rc) return SVM_EIO;
		svm_merkle_leaf_hash(p, n, &leaves[i]);
	}
	*out = leaves;
	return 0;
}

/* The proof verifies leaf i against the root of the leaves (assertions only). */
static bool proof_ok(const svm_hash_t *leaves, size_t n, uint64_t i, const svm_merkle_proof_t *proof)
{
	svm_hash_t root;
	return svm_merkle_root(leaves, n, &root) == 0 && svm_merkle_verify(&root, &leaves[i], proof) == 0;
}

int svm_chain_receipt(svm_chain_t *c, const svm_hash_t *tx_id, svm_buf_t *receipt_out,
		      svm_buf_t *proof_out, uint64_t *height, uint32_t *index, uint32_t *count)
{
	svm_store_txn_t *r;
	int rc = svm_store_read_begin(svm_chain_store_(c), &r, NULL);
	if (rc) return rc;
	uint64_t h = 0;
	uint32_t i = 0;
	const uint8_t *p;
	size_t n;
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_block_t blk = {0}; /* read only when decode succeeded; zeroed for the linter */
	rc = locate(r, tx_id, &h, &i);
	if (rc == 0) rc = svm_store_get(r, SVM_TABLE_RECEIPTS, tx_id->b, SVM_HASH_SIZE, &p, &n);
	if (rc == 0) rc = svm_buf_append(receipt_out, p, n);
	if (rc == 0 && (proof_out || count)) {
		rc = block_at(r, h, &p, &n);
		if (rc == 0) rc = svm_block_decode(p, n, &a, &blk, NULL, NULL);
		if (rc == 0 && count) *count = blk.txs_len;
	}
	if (rc == 0 && proof_out) {
		svm_hash_t *leaves;
		svm_merkle_proof_t proof;
		rc = receipt_leaves(r, &blk, &a, &leaves);
		if (rc == 0) rc = svm_merkle_prove(leaves, blk.txs_len, i, &proof);
		/* the proof handed out verifies against the root of the leaves it was cut from */
		SVM_ASSERT(rc != 0 || proof_ok(leaves, blk.txs_len, i, &proof));
		if (rc == 0) rc = svm_buf_append(proof_out, proof.path, proof.len * sizeof(svm_hash_t));
	}
	if (rc == 0 && height) *height = h;
	if (rc == 0 && index) *index = i;
	svm_arena_reset(&a);
	svm_store_abort(r);
	return rc;
}

int svm_chain_settlement(svm_chain_t *c, uint64_t height, svm_buf_t *receipt_out)
{
	svm_store_txn_t *r;
	int rc = svm_store_read_begin(svm_chain_store_(c), &r, NULL);
	if (rc) return rc;
	svm_hash_t sid;
	const uint8_t *p;
	size_t n;
	svm_chain_settlement_id(height, &sid);
	rc = svm_store_get(r, SVM_TABLE_RECEIPTS, sid.b, SVM_HASH_SIZE, &p, &n);
	if (rc == 0) rc = svm_buf_append(receipt_out, p, n);
	svm_store_abort(r);
	return rc;
}

int svm_chain_object(svm_chain_t *c, const svm_id_t *id, svm_buf_t *out)
{
	svm_store_txn_t *r;
	int rc = svm_store_read_begin(svm_chain_store_(c), &r, NULL);
	if (rc) return rc;
	const uint8_t *p;
	size_t n;
	rc = svm_state_get(svm_chain_state_(c), r, id, &p, &n);
	if (rc == 0) rc = svm_buf_append(out, p, n);
	svm_store_abort(r);
	return rc;
}

/* Decodes the object id's payload into *payload (copied to buf). */
static int object_payload(svm_chain_t *c, const svm_id_t *id, uint16_t type, svm_buf_t *buf,
			  svm_reader_t *payload)
{
	int rc = svm_chain_object(c, id, buf);
	if (rc) return rc;
	svm_object_t o;
	rc = svm_object_decode(buf->data, buf->len, &o, NULL);
	if (rc || o.type != type) return SVM_EIO;
	*payload = svm_reader(o.payload, o.payload_len);
	return 0;
}

int svm_chain_evm_identity(svm_chain_t *c, const uint8_t addr[SVM_EVM_ADDRESS_SIZE], svm_id_t *id)
{
	uint8_t key[sizeof SVM_CHAIN_EVM_INDEX_TAG - 1 + SVM_EVM_ADDRESS_SIZE];
	memcpy(key, SVM_CHAIN_EVM_INDEX_TAG, sizeof SVM_CHAIN_EVM_INDEX_TAG - 1);
	memcpy(key + sizeof SVM_CHAIN_EVM_INDEX_TAG - 1, addr, SVM_EVM_ADDRESS_SIZE);
	svm_store_txn_t *r;
	int rc = svm_store_read_begin(svm_chain_store_(c), &r, NULL);
	if (rc) return rc;
	const uint8_t *p;
	size_t n;
	rc = svm_store_get(r, SVM_TABLE_META, key, sizeof key, &p, &n);
	if (rc == 0 && n != SVM_HASH_SIZE) rc = SVM_EIO;
	if (rc == 0) memcpy(id->b, p, SVM_HASH_SIZE);
	svm_store_abort(r);
	return rc;
}

int svm_chain_balance(svm_chain_t *c, const svm_id_t *token, const svm_id_t *owner, uint64_t *amount)
{
	svm_id_t id;
	svm_balance_id(token, owner, &id);
	svm_buf_t b = {0};
	svm_reader_t rd;
	const uint8_t *tok;
	int rc = object_payload(c, &id, SVM_OBJ_BALANCE, &b, &rd);
	if (rc == SVM_ENOTFOUND) {
		*amount = 0;
		rc = 0;
	} else if (rc == 0 && (svm_reader_bytes(&rd, SVM_HASH_SIZE, &tok) || svm_varint_read(&rd, amount))) {
		rc = SVM_EIO;
	}
	svm_buf_free(&b);
	return rc;
}

int svm_chain_nonce(svm_chain_t *c, const svm_id_t *owner, uint64_t *nonce)
{
	svm_id_t id;
	svm_account_id(owner, &id);
	svm_buf_t b = {0};
	svm_reader_t rd;
	int rc = object_payload(c, &id, SVM_OBJ_ACCOUNT, &b, &rd);
	if (rc == SVM_ENOTFOUND) {
		*nonce = 0;
		rc = 0;
	} else if (rc == 0 && svm_varint_read(&rd, nonce)) {
		rc = SVM_EIO;
	}
	svm_buf_free(&b);
	return rc;
}

int svm_chain_prove(svm_chain_t *c, const svm_id_t *id, svm_buf_t *proof_out, svm_hash_t *root,
		    uint64_t *height)
{
	svm_store_txn_t *r;
	int rc = svm_store_read_begin(svm_chain_store_(c), &r, NULL);
	if (rc) return rc;
	uint64_t h;
	rc = svm_state_height(svm_chain_state_(c), r, &h);
	if (rc == 0) rc = svm_state_root(svm_chain_state_(c), r, h, root);
	if (rc == 0) rc = svm_state_prove(svm_chain_state_(c), r, h, id, proof_out, NULL, NULL);
	if (rc == 0 && height) *height = h;
	svm_store_abort(r);
	return rc;
}

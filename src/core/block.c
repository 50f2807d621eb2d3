/* Block headers and blocks. The block hash is SHA-256 of the header encoding, which a block
 * encoding embeds verbatim, so a block's hash is computed from its bytes without re-encoding. */
#include "codec.h"

static int header_check(const svm_header_t *h)
{
	if (h->tx_count > SVM_BLOCK_TXS_MAX) return SVM_ELIMIT;
	TRY(chk_bytes(h->parent_qc, h->parent_qc_len, SVM_HEADER_QC_MAX));
	TRY(chk_bytes(h->late_qc, h->late_qc_len, SVM_HEADER_LATE_QC_MAX));
	return chk_bytes(h->vrf_proof, h->vrf_proof_len, SVM_HEADER_VRF_MAX);
}

static int header_write(const svm_header_t *h, svm_buf_t *out)
{
	SVM_ASSERT(header_check(h) == 0); /* only a checked header is written */
	TRY(svm_buf_push(out, h->late_qc_len > 0 ? SVM_TAG_HEADER_LATE : SVM_TAG_HEADER));
	TRY(svm_varint_append(out, h->chain_id));
	TRY(svm_varint_append(out, h->height));
	TRY(svm_varint_append(out, h->round));
	TRY(svm_buf_append(out, h->parent.b, SVM_HASH_SIZE));
	TRY(svm_varint_append(out, h->timestamp_ms));
	TRY(svm_buf_append(out, h->proposer.b, SVM_HASH_SIZE));
	TRY(svm_varint_append(out, h->tx_count));
	TRY(svm_buf_append(out, h->tx_root.b, SVM_HASH_SIZE));
	TRY(svm_buf_append(out, h->receipts_root.b, SVM_HASH_SIZE));
	TRY(svm_buf_append(out, h->state_root.b, SVM_HASH_SIZE));
	TRY(wr_bytes(out, h->parent_qc, h->parent_qc_len));
	TRY(wr_bytes(out, h->vrf_proof, h->vrf_proof_len));
	return h->late_qc_len > 0 ? wr_bytes(out, h->late_qc, h->late_qc_len) : 0;
}

int svm_header_encode(const svm_header_t *h, svm_buf_t *out)
{
	TRY(header_check(h));
	size_t start = out->len;
	int rc = header_write(h, out);
	if (rc != 0) out->len = start;
	/* at least the tag, five hashes and seven varints; nothing left behind on failure */
	SVM_ASSERT(rc != 0 ? out->len == start : out->len - start >= 1 + 5 * SVM_HASH_SIZE + 7);
	return rc;
}

/* Reads one header from r (it is self-delimiting). */
static int header_read(svm_reader_t *r, svm_header_t *h, svm_error_t *err)
{
	memset(h, 0, sizeof *h);
	uint64_t n;
	uint8_t tag = 0;
	if (svm_reader_left(r) > 0) tag = r->p[r->pos];
	bool late = tag == SVM_TAG_HEADER_LATE;
	TRY(rd_tag(r, late ? SVM_TAG_HEADER_LATE : SVM_TAG_HEADER, "header", err));
	TRY(rd_u64(r, &h->chain_id, "header.chain_id", err));
	TRY(rd_u64(r, &h->height, "header.height", err));
	TRY(rd_u64(r, &h->round, "header.round", err));
	TRY(rd_hash(r, &h->parent, "header.parent", err));
	TRY(rd_u64(r, &h->timestamp_ms, "header.timestamp_ms", err));
	TRY(rd_hash(r, &h->proposer, "header.proposer", err));
	TRY(rd_len(r, SVM_BLOCK_TXS_MAX, &n, "header.tx_count", err));
	_Static_assert(SVM_BLOCK_TXS_MAX <= UINT32_MAX, "tx_count is a u32");
	h->tx_count = (uint32_t)n;
	TRY(rd_hash(r, &h->tx_root, "header.tx_root", err));
	TRY(rd_hash(r, &h->receipts_root, "header.receipts_root", err));
	TRY(rd_hash(r, &h->state_root, "header.state_root", err));
	TRY(rd_bytes(r, SVM_HEADER_QC_MAX, &h->parent_qc, &h->parent_qc_len, "header.parent_qc",
		     err));
	TRY(rd_bytes(r, SVM_HEADER_VRF_MAX, &h->vrf_proof, &h->vrf_proof_len, "header.vrf_proof",
		     err));
	if (!late) return 0;
	TRY(rd_bytes(r, SVM_HEADER_LATE_QC_MAX, &h->late_qc, &h->late_qc_len, "header.late_qc", err));
	/* the late tag always carries a late QC: a header has one encoding */
	if (h->late_qc_len == 0) return svm_error_set(err, SVM_EDECODE, "header: late tag with an empty late_qc");
	return 0;
}

int svm_header_decode(const uint8_t *p, size_t len, svm_header_t *h, svm_error_t *err)
{
	svm_reader_t r = svm_reader(p, len);
	TRY(header_read(&r, h, err));
	int rc = rd_end(&r, "header", err);
	/* a decoded header is one the encoder accepts */
	SVM_ASSERT(rc != 0 || header_check(h) == 0);
	return rc;
}

int svm_header_hash(const svm_header_t *h, svm_hash_t *out)
{
	uint8_t stack[512];
	svm_buf_t b = {.data = stack, .cap = sizeof stack, .cap_max = sizeof stack};
	int rc = svm_header_encode(h, &b);
	SVM_ASSERT(b.data == stack && b.len <= sizeof stack); /* never reallocated */
	if (rc == 0) {
		svm_sha256(b.data, b.len, out);
		return 0;
	}
	if (rc != SVM_ELIMIT) return rc;
	svm_buf_t heap = {0}; /* a header with a large parent QC */
	rc = svm_header_encode(h, &heap);
	if (rc == 0) svm_sha256(heap.data, heap.len, out);
	svm_buf_free(&heap);
	return rc;
}

static int block_write(const svm_block_t *b, svm_buf_t *out)
{
	TRY(svm_buf_push(out, SVM_TAG_BLOCK));
	TRY(header_write(&b->header, out));
	TRY(svm_varint_append(out, b->txs_len));
	SVM_ASSERT(b->txs_len == b->header.tx_count); /* svm_block_encode checked it */
	for (uint32_t i = 0; i < b->txs_len; i++) TRY(wr_bytes(out, b->txs[i].p, b->txs[i].len));
	return 0;
}

int svm_block_encode(const svm_block_t *b, svm_buf_t *out)
{
	TRY(header_check(&b->header));
	if (b->txs_len != b->header.tx_count) return SVM_EINVAL;
	if (b->txs_len && !b->txs) return SVM_EINVAL;
	for (uint32_t i = 0; i < b->txs_len; i++) {
		if (b->txs[i].len == 0 || b->txs[i].p == NULL) return SVM_EINVAL;
		if (b->txs[i].len > SVM_TX_BYTES_MAX) return SVM_ELIMIT;
	}
	size_t start = out->len;
	int rc = block_write(b, out);
	if (rc == 0 && out->len - start > SVM_BLOCK_BYTES_MAX) rc = SVM_ELIMIT;
	if (rc != 0) out->len = start;
	/* the header follows the block's tag verbatim: a block's hash is read from its bytes */
	SVM_ASSERT(rc != 0 ? out->len == start
			   : out->data[start] == SVM_TAG_BLOCK &&
				     out->data[start + 1] == (b->header.late_qc_len > 0 ? SVM_TAG_HEADER_LATE : SVM_TAG_HEADER));
	return rc;
}

static int rd_txs(svm_reader_t *r, svm_arena_t *arena, svm_block_t *b, svm_error_t *err)
{
	uint64_t n;
	void *p;
	TRY(rd_len(r, SVM_BLOCK_TXS_MAX, &n, "block.txs", err));
	if (n != b->header.tx_count)
		return svm_error_set(err, SVM_EDECODE, "block: %llu transactions, header says %u",
				     (unsigned long long)n, b->header.tx_count);
	TRY(arena_array(arena, (size_t)n, sizeof(svm_slice_t), &p, "block.txs", err));
	svm_slice_t *txs = p;
	for (size_t i = 0; i < n; i++) {
		TRY(rd_bytes(r, SVM_TX_BYTES_MAX, &txs[i].p, &txs[i].len, "block.tx", err));
		if (txs[i].len == 0)
			return svm_error_set(err, SVM_EDECODE, "block.tx %zu: empty", i);
		/* transactions are borrowed in order, each after the previous one */
		SVM_ASSERT(i == 0 || txs[i].p >= txs[i - 1].p + txs[i - 1].len);
	}
	b->txs = txs;
	b->txs_len = (uint32_t)n;
	return 0;
}

int svm_block_decode(const uint8_t *p, size_t len, svm_arena_t *arena, svm_block_t *b,
		     svm_hash_t *hash, svm_error_t *err)
{
	memset(b, 0, sizeof *b);
	if (len > SVM_BLOCK_BYTES_MAX)
		return svm_error_set(err, SVM_ELIMIT, "block: %zu bytes exceeds %u", len,
				     SVM_BLOCK_BYTES_MAX);
	svm_reader_t r = svm_reader(p, len);
	TRY(rd_tag(&r, SVM_TAG_BLOCK, "block", err));
	size_t header_at = r.pos;
	TRY(header_read(&r, &b->header, err));
	size_t header_len = r.pos - header_at;
	/* the embedded header starts with its own tag: its hash is the header's */
	SVM_ASSERT(header_at == 1 && (p[header_at] == SVM_TAG_HEADER) == (b->header.late_qc_len == 0));
	SVM_ASSERT(header_len >= 1 + 5 * SVM_HASH_SIZE + 7); /* tag, five hashes, seven varints */
	TRY(rd_txs(&r, arena, b, err));
	TRY(rd_end(&r, "block", err));
	SVM_ASSERT(b->txs_len == b->header.tx_count && (b->txs_len == 0 || b->txs != NULL));
	if (hash) svm_sha256(p + header_at, header_len, hash);
	return 0;
}

int svm_block_tx_root(const svm_slice_t *txs, size_t n, svm_hash_t *root)
{
	return svm_merkle_root_data(txs, n, root);
}

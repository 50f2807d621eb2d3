/* Consensus encodings: validator sets, vote data, QCs, TCs, votes, timeouts, proposals, the
 * safety record and evidence; the digests validators sign; QC/TC verification. Byte layouts are
 * in include/supervm/consensus.h and docs/consensus.md. */
#include <stdlib.h>
#include <string.h>

#include "consensus/internal.h"
#include "core/codec.h"

/* ------------------------------------------------------------ validators */

static int cmp_validator(const void *a, const void *b)
{
	return svm_hash_cmp(&((const svm_cons_validator_t *)a)->id,
			    &((const svm_cons_validator_t *)b)->id);
}

int svm_cons_valset_build(svm_cons_valset_t *out, uint64_t epoch, const svm_cons_validator_t *v,
			  size_t n, svm_error_t *err)
{
	if (n == 0) return svm_error_set(err, SVM_EINVAL, "validator set is empty");
	if (n > SVM_CONS_VALIDATORS_MAX)
		return svm_error_set(err, SVM_ELIMIT, "%zu validators exceed %d", n,
				     SVM_CONS_VALIDATORS_MAX);
	memset(out, 0, sizeof *out);
	memcpy(out->v, v, n * sizeof *v);
	qsort(out->v, n, sizeof *v, cmp_validator);
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		svm_id_t id;
		if (svm_identity_derive(SVM_SCHEME_ED25519, out->v[i].pubkey, 32, &id) != 0 ||
		    !svm_hash_eq(&id, &out->v[i].id))
			return svm_error_set(err, SVM_EINVAL, "validator %zu: id does not match key", i);
		if (out->v[i].stake == 0)
			return svm_error_set(err, SVM_EINVAL, "validator %zu: zero stake", i);
		if (i > 0 && svm_hash_eq(&out->v[i - 1].id, &out->v[i].id))
			return svm_error_set(err, SVM_EINVAL, "duplicate validator");
		if (!svm_add_u64(total, out->v[i].stake, &total) || total > UINT64_MAX / 3)
			return svm_error_set(err, SVM_EOVERFLOW, "total stake overflows");
	}
	out->epoch = epoch;
	out->n = (uint32_t)n;
	out->total_stake = total;
	/* ascending by id (svm_cons_valset_index's binary search), quorum arithmetic fits */
	for (size_t i = 1; SVM_ASSERT_ON && i < n; i++) SVM_ASSERT(svm_hash_cmp(&out->v[i - 1].id, &out->v[i].id) < 0);
	SVM_ASSERT(total > 0 && total <= UINT64_MAX / 3);
	return 0;
}

int svm_cons_valset_index(const svm_cons_valset_t *vs, const svm_id_t *id)
{
	size_t lo = 0, hi = vs->n;
	while (lo < hi) { /* bounded: log2(SVM_CONS_VALIDATORS_MAX) steps */
		size_t mid = lo + (hi - lo) / 2;
		int c = svm_hash_cmp(&vs->v[mid].id, id);
		if (c == 0) return (int)mid;
		if (c < 0) lo = mid + 1;
		else hi = mid;
	}
	SVM_ASSERT(lo == 0 || svm_hash_cmp(&vs->v[lo - 1].id, id) < 0); /* absent: bracketed */
	SVM_ASSERT(lo == vs->n || svm_hash_cmp(&vs->v[lo].id, id) > 0);
	return -1;
}

bool svm_cons_quorum(const svm_cons_valset_t *vs, uint64_t signed_stake)
{
	/* total ≤ UINT64_MAX / 3 (valset_build) and signed ≤ total, so neither side overflows. */
	if (signed_stake > vs->total_stake) return false;
	return 3 * signed_stake > 2 * vs->total_stake;
}

/* -------------------------------------------------------------- digests */

static void put_u64_part(uint8_t b[8], uint64_t v) { svm_put_u64be(b, v); }

void svm_cons_vote_digest(uint64_t chain_id, uint64_t epoch, const svm_cons_vote_data_t *d,
			  svm_hash_t *out)
{
	uint8_t c[8], e[8], r[8], h[8], pr[8];
	put_u64_part(c, chain_id);
	put_u64_part(e, epoch);
	put_u64_part(r, d->round);
	put_u64_part(h, d->height);
	put_u64_part(pr, d->parent_round);
	svm_slice_t parts[] = {{c, 8}, {e, 8}, {d->block_id.b, 32}, {r, 8}, {h, 8}, {d->parent_id.b, 32}, {pr, 8}, {d->exec_root.b, 32}};
	svm_sha256_tagged("svm/cons/vote", parts, 8, out);
}

void svm_cons_timeout_digest(uint64_t chain_id, uint64_t epoch, uint64_t round,
			     uint64_t hqc_round, svm_hash_t *out)
{
	uint8_t c[8], e[8], r[8], q[8];
	put_u64_part(c, chain_id);
	put_u64_part(e, epoch);
	put_u64_part(r, round);
	put_u64_part(q, hqc_round);
	svm_slice_t parts[] = {{c, 8}, {e, 8}, {r, 8}, {q, 8}};
	svm_sha256_tagged("svm/cons/timeout", parts, 4, out);
}

void svm_cons_proposal_digest(uint64_t chain_id, uint64_t epoch, const svm_hash_t *block_id,
			      svm_hash_t *out)
{
	uint8_t c[8], e[8];
	put_u64_part(c, chain_id);
	put_u64_part(e, epoch);
	svm_slice_t parts[] = {{c, 8}, {e, 8}, {block_id->b, 32}};
	svm_sha256_tagged("svm/cons/proposal", parts, 3, out);
}

void svm_cons_vote_message(uint64_t chain_id, uint64_t epoch, const svm_cons_vote_data_t *d,
			   uint8_t out[SVM_CONS_SIGNED_BYTES])
{
	svm_hash_t h;
	svm_cons_vote_digest(chain_id, epoch, d, &h);
	svm_vote_message(chain_id, epoch, d->height, d->round, 0, &h, out);
}

void svm_cons_proposal_message(uint64_t chain_id, uint64_t epoch, uint64_t height, uint64_t round,
			       const svm_hash_t *block_id, uint8_t out[SVM_CONS_SIGNED_BYTES])
{
	svm_hash_t h;
	svm_cons_proposal_digest(chain_id, epoch, block_id, &h);
	svm_vote_message(chain_id, epoch, height, round, 1, &h, out);
}

/* ------------------------------------------------------------- signers */

/* A signed message of SVM_CONS_SIGNED_BYTES (votes, proposals): Ed25519 over the bytes; a test
 * signer signs their SHA-256. */
void cons_sign_msg(const svm_cons_signer_t *s, const svm_keypair_t *kp, const uint8_t *msg,
		   uint8_t sig[64])
{
	if (s != NULL) {
		svm_hash_t h;
		svm_sha256(msg, SVM_CONS_SIGNED_BYTES, &h);
		s->sign(s->ctx, &h, sig);
		return;
	}
	svm_ed25519_sign(sig, msg, SVM_CONS_SIGNED_BYTES, kp->secret_key);
}

int cons_verify_msg(const svm_cons_signer_t *s, const uint8_t pk[32], const uint8_t *msg,
		    const uint8_t sig[64])
{
	if (s != NULL) {
		svm_hash_t h;
		svm_sha256(msg, SVM_CONS_SIGNED_BYTES, &h);
		return s->verify(s->ctx, pk, &h, sig) == 0 ? 0 : SVM_ESIG;
	}
	return svm_ed25519_verify(sig, msg, SVM_CONS_SIGNED_BYTES, pk);
}

void cons_sign(const svm_cons_signer_t *s, const svm_keypair_t *kp, const svm_hash_t *digest,
	       uint8_t sig[64])
{
	if (s != NULL) {
		s->sign(s->ctx, digest, sig);
		return;
	}
	svm_ed25519_sign(sig, digest->b, SVM_HASH_SIZE, kp->secret_key);
}

int cons_verify(const svm_cons_signer_t *s, const uint8_t pk[32], const svm_hash_t *digest,
		const uint8_t sig[64])
{
	if (s != NULL) return s->verify(s->ctx, pk, digest, sig) == 0 ? 0 : SVM_ESIG;
	return svm_ed25519_verify(sig, digest->b, SVM_HASH_SIZE, pk);
}

/* ------------------------------------------------------------- bitmaps */

unsigned cons_popcount(const uint8_t *bm, size_t len)
{
	unsigned n = 0;
	for (size_t i = 0; i < len; i++) n += (unsigned)__builtin_popcount(bm[i]);
	return n;
}

/* ----------------------------------------------------------- vote data */

static int vote_data_write(const svm_cons_vote_data_t *d, svm_buf_t *b)
{
	TRY(svm_buf_append(b, d->block_id.b, 32));
	TRY(svm_varint_append(b, d->round));
	TRY(svm_varint_append(b, d->height));
	TRY(svm_buf_append(b, d->parent_id.b, 32));
	TRY(svm_varint_append(b, d->parent_round));
	return svm_buf_append(b, d->exec_root.b, 32);
}

static int vote_data_read(svm_reader_t *r, svm_cons_vote_data_t *d, svm_error_t *err)
{
	TRY(rd_hash(r, &d->block_id, "vote.block_id", err));
	TRY(rd_u64(r, &d->round, "vote.round", err));
	TRY(rd_u64(r, &d->height, "vote.height", err));
	TRY(rd_hash(r, &d->parent_id, "vote.parent_id", err));
	TRY(rd_u64(r, &d->parent_round, "vote.parent_round", err));
	TRY(rd_hash(r, &d->exec_root, "vote.exec_root", err));
	if (d->round > 0 && d->parent_round >= d->round)
		return svm_error_set(err, SVM_EDECODE, "vote: parent round %llu not below round %llu",
				     (unsigned long long)d->parent_round,
				     (unsigned long long)d->round);
	return 0;
}

/* ---------------------------------------------------------------- QC */

/* Bitmap length on the wire: 0 (genesis, no signers) or 1..SVM_CONS_BITMAP_BYTES with the last
 * byte non-zero (canonical: no trailing zero bytes). */
static size_t bitmap_len_min(const uint8_t *bm)
{
	size_t len = SVM_CONS_BITMAP_BYTES;
	while (len > 0 && bm[len - 1] == 0) len--; /* bounded by SVM_CONS_BITMAP_BYTES */
	SVM_ASSERT(len == 0 || bm[len - 1] != 0);  /* canonical: no trailing zero byte */
	return len;
}

static int qc_write(const svm_cons_qc_t *qc, svm_buf_t *b)
{
	size_t bl = bitmap_len_min(qc->bitmap);
	if (qc->n_sigs != cons_popcount(qc->bitmap, bl)) return SVM_EINVAL;
	TRY(svm_buf_push(b, SVM_CONS_TAG_QC));
	TRY(vote_data_write(&qc->data, b));
	TRY(svm_varint_append(b, qc->epoch));
	TRY(wr_bytes(b, qc->bitmap, bl));
	for (uint32_t i = 0; i < qc->n_sigs; i++) TRY(svm_buf_append(b, qc->sigs[i], 64));
	return 0;
}

int svm_cons_qc_encode(const svm_cons_qc_t *qc, svm_buf_t *out)
{
	size_t start = out->len;
	int rc = qc_write(qc, out);
	if (rc != 0) out->len = start;
	SVM_ASSERT(rc != 0 || out->len > start + 1 + 32); /* a tag and the vote data at least */
	return rc;
}

static int bitmap_read(svm_reader_t *r, uint8_t bm[SVM_CONS_BITMAP_BYTES], uint32_t *n_set,
		       const char *what, svm_error_t *err)
{
	const uint8_t *p;
	size_t len;
	memset(bm, 0, SVM_CONS_BITMAP_BYTES);
	TRY(rd_bytes(r, SVM_CONS_BITMAP_BYTES, &p, &len, what, err));
	if (len > 0 && p[len - 1] == 0)
		return svm_error_set(err, SVM_EDECODE, "%s: trailing zero byte", what);
	if (len > 0) memcpy(bm, p, len);
	*n_set = cons_popcount(bm, SVM_CONS_BITMAP_BYTES);
	SVM_ASSERT(*n_set <= SVM_CONS_VALIDATORS_MAX && len <= SVM_CONS_BITMAP_BYTES); /* sigs[] holds them */
	return 0;
}

static int qc_read(svm_reader_t *r, svm_cons_qc_t *qc, svm_error_t *err)
{
	TRY(rd_tag(r, SVM_CONS_TAG_QC, "qc", err));
	TRY(vote_data_read(r, &qc->data, err));
	TRY(rd_u64(r, &qc->epoch, "qc.epoch", err));
	TRY(bitmap_read(r, qc->bitmap, &qc->n_sigs, "qc.bitmap", err));
	for (uint32_t i = 0; i < qc->n_sigs; i++)
		if (svm_reader_copy(r, qc->sigs[i], 64) != 0)
			return svm_error_set(err, SVM_EDECODE, "qc.sig %u truncated", i);
	return 0;
}

int svm_cons_qc_decode(const uint8_t *p, size_t len, svm_cons_qc_t *qc, svm_error_t *err)
{
	svm_reader_t r = svm_reader(p, len);
	TRY(qc_read(&r, qc, err));
	return rd_end(&r, "qc", err);
}

bool cons_qc_is_genesis(const svm_cons_qc_t *qc)
{
	return qc->data.round == 0 && qc->n_sigs == 0;
}

void cons_genesis_qc(svm_cons_qc_t *qc, uint64_t epoch, const svm_hash_t *genesis_id, uint64_t height)
{
	memset(qc, 0, sizeof *qc);
	qc->data.block_id = *genesis_id;
	qc->data.height = height;
	qc->epoch = epoch;
}

/* Adds up the stake of a bitmap's signers; SVM_EINVAL when a bit is at or past vs->n. */
static int bitmap_stake(const uint8_t *bm, const svm_cons_valset_t *vs, uint64_t *stake)
{
	uint64_t s = 0;
	for (uint32_t i = 0; i < SVM_CONS_VALIDATORS_MAX; i++) {
		if (!(bm[i / 8] & (1u << (i % 8)))) continue;
		if (i >= vs->n) return SVM_EINVAL;
		s += vs->v[i].stake; /* ≤ total ≤ UINT64_MAX / 3 */
	}
	SVM_ASSERT(s <= vs->total_stake); /* distinct signers of the set */
	*stake = s;
	return 0;
}

int svm_cons_qc_verify(const svm_cons_qc_t *qc, const svm_cons_valset_t *vs, uint64_t chain_id,
		       const svm_hash_t *genesis_id, const svm_cons_signer_t *signer)
{
	return cons_qc_verify_known(qc, vs, chain_id, genesis_id, signer, NULL, NULL);
}

int cons_qc_verify_known(const svm_cons_qc_t *qc, const svm_cons_valset_t *vs, uint64_t chain_id,
			 const svm_hash_t *genesis_id, const svm_cons_signer_t *signer,
			 const uint8_t *known_bitmap, const uint8_t (*known_sigs)[SVM_ED25519_SIG_SIZE])
{
	if (cons_qc_is_genesis(qc)) {
		/* the epoch's start block (its id binds its height) */
		if (qc->epoch != vs->epoch || !svm_hash_eq(&qc->data.block_id, genesis_id) ||
		    !svm_hash_is_zero(&qc->data.parent_id) || qc->data.parent_round != 0 ||
		    !svm_hash_is_zero(&qc->data.exec_root))
			return SVM_EINVAL;
		return 0;
	}
	if (qc->epoch != vs->epoch || qc->data.round == 0) return SVM_EINVAL;
	uint64_t stake;
	TRY(bitmap_stake(qc->bitmap, vs, &stake));
	if (qc->n_sigs != cons_popcount(qc->bitmap, SVM_CONS_BITMAP_BYTES)) return SVM_EINVAL;
	if (!svm_cons_quorum(vs, stake)) return SVM_EINVAL;
	uint8_t msg[SVM_CONS_SIGNED_BYTES];
	svm_cons_vote_message(chain_id, qc->epoch, &qc->data, msg);
	uint32_t k = 0;
	for (uint32_t i = 0; i < vs->n; i++) {
		if (!(qc->bitmap[i / 8] & (1u << (i % 8)))) continue;
		bool known = known_bitmap != NULL && cons_bit(known_bitmap, i) &&
			     memcmp(known_sigs[i], qc->sigs[k], SVM_ED25519_SIG_SIZE) == 0;
		if (!known) TRY(cons_verify_msg(signer, vs->v[i].pubkey, msg, qc->sigs[k]));
		k++;
	}
	SVM_ASSERT(k == qc->n_sigs);
	return 0;
}

/* ---------------------------------------------------------------- TC */

static int tc_write(const svm_cons_tc_t *tc, svm_buf_t *b)
{
	size_t bl = bitmap_len_min(tc->bitmap);
	if (tc->n_sigs != cons_popcount(tc->bitmap, bl)) return SVM_EINVAL;
	TRY(svm_buf_push(b, SVM_CONS_TAG_TC));
	TRY(svm_varint_append(b, tc->epoch));
	TRY(svm_varint_append(b, tc->round));
	TRY(wr_bytes(b, tc->bitmap, bl));
	for (uint32_t i = 0; i < tc->n_sigs; i++) {
		TRY(svm_varint_append(b, tc->hqc_rounds[i]));
		TRY(svm_buf_append(b, tc->sigs[i], 64));
	}
	return qc_write(&tc->hqc, b);
}

int svm_cons_tc_encode(const svm_cons_tc_t *tc, svm_buf_t *out)
{
	size_t start = out->len;
	int rc = tc_write(tc, out);
	if (rc != 0) out->len = start;
	return rc;
}

static int tc_read(svm_reader_t *r, svm_cons_tc_t *tc, svm_error_t *err)
{
	TRY(rd_tag(r, SVM_CONS_TAG_TC, "tc", err));
	TRY(rd_u64(r, &tc->epoch, "tc.epoch", err));
	TRY(rd_u64(r, &tc->round, "tc.round", err));
	TRY(bitmap_read(r, tc->bitmap, &tc->n_sigs, "tc.bitmap", err));
	if (tc->n_sigs == 0) return svm_error_set(err, SVM_EDECODE, "tc: no signers");
	for (uint32_t i = 0; i < tc->n_sigs; i++) {
		TRY(rd_u64(r, &tc->hqc_rounds[i], "tc.hqc_round", err));
		if (tc->hqc_rounds[i] >= tc->round)
			return svm_error_set(err, SVM_EDECODE, "tc: high QC round not below round");
		if (svm_reader_copy(r, tc->sigs[i], 64) != 0)
			return svm_error_set(err, SVM_EDECODE, "tc.sig %u truncated", i);
	}
	return qc_read(r, &tc->hqc, err);
}

int svm_cons_tc_decode(const uint8_t *p, size_t len, svm_cons_tc_t *tc, svm_error_t *err)
{
	svm_reader_t r = svm_reader(p, len);
	TRY(tc_read(&r, tc, err));
	return rd_end(&r, "tc", err);
}

int svm_cons_tc_verify(const svm_cons_tc_t *tc, const svm_cons_valset_t *vs, uint64_t chain_id,
		       const svm_hash_t *genesis_id, const svm_cons_signer_t *signer)
{
	if (tc->epoch != vs->epoch || tc->round == 0) return SVM_EINVAL;
	uint64_t stake, max_round = 0;
	TRY(bitmap_stake(tc->bitmap, vs, &stake));
	if (tc->n_sigs != cons_popcount(tc->bitmap, SVM_CONS_BITMAP_BYTES)) return SVM_EINVAL;
	if (!svm_cons_quorum(vs, stake)) return SVM_EINVAL;
	uint32_t k = 0;
	for (uint32_t i = 0; i < vs->n; i++) {
		if (!(tc->bitmap[i / 8] & (1u << (i % 8)))) continue;
		svm_hash_t d;
		if (tc->hqc_rounds[k] >= tc->round) return SVM_EINVAL;
		svm_cons_timeout_digest(chain_id, tc->epoch, tc->round, tc->hqc_rounds[k], &d);
		TRY(cons_verify(signer, vs->v[i].pubkey, &d, tc->sigs[k]));
		if (tc->hqc_rounds[k] > max_round) max_round = tc->hqc_rounds[k];
		k++;
	}
	if (tc->hqc.data.round != max_round) return SVM_EINVAL;
	return svm_cons_qc_verify(&tc->hqc, vs, chain_id, genesis_id, signer);
}

/* ------------------------------------------------------ vote, timeout */

int svm_cons_vote_encode(const svm_cons_vote_t *v, svm_buf_t *out)
{
	size_t start = out->len;
	int rc = svm_buf_push(out, SVM_CONS_TAG_VOTE);
	if (rc == 0) rc = vote_data_write(&v->data, out);
	if (rc == 0) rc = svm_varint_append(out, v->epoch);
	if (rc == 0) rc = svm_varint_append(out, v->voter);
	if (rc == 0) rc = svm_buf_append(out, v->sig, 64);
	if (rc != 0) out->len = start;
	return rc;
}

int svm_cons_vote_decode(const uint8_t *p, size_t len, svm_cons_vote_t *v, svm_error_t *err)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t voter;
	TRY(rd_tag(&r, SVM_CONS_TAG_VOTE, "vote", err));
	TRY(vote_data_read(&r, &v->data, err));
	if (v->data.round == 0) return svm_error_set(err, SVM_EDECODE, "vote: round 0");
	TRY(rd_u64(&r, &v->epoch, "vote.epoch", err));
	TRY(rd_len(&r, SVM_CONS_VALIDATORS_MAX - 1, &voter, "vote.voter", err));
	v->voter = (uint32_t)voter;
	if (svm_reader_copy(&r, v->sig, 64) != 0)
		return svm_error_set(err, SVM_EDECODE, "vote.sig truncated");
	return rd_end(&r, "vote", err);
}

int svm_cons_timeout_encode(const svm_cons_timeout_t *t, svm_buf_t *out)
{
	size_t start = out->len;
	int rc = svm_buf_push(out, SVM_CONS_TAG_TIMEOUT);
	if (rc == 0) rc = svm_varint_append(out, t->epoch);
	if (rc == 0) rc = svm_varint_append(out, t->round);
	if (rc == 0) rc = svm_varint_append(out, t->voter);
	if (rc == 0) rc = qc_write(&t->hqc, out);
	if (rc == 0) rc = svm_buf_append(out, t->sig, 64);
	if (rc != 0) out->len = start;
	return rc;
}

int svm_cons_timeout_decode(const uint8_t *p, size_t len, svm_cons_timeout_t *t,
			    svm_error_t *err)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t voter;
	TRY(rd_tag(&r, SVM_CONS_TAG_TIMEOUT, "timeout", err));
	TRY(rd_u64(&r, &t->epoch, "timeout.epoch", err));
	TRY(rd_u64(&r, &t->round, "timeout.round", err));
	if (t->round == 0) return svm_error_set(err, SVM_EDECODE, "timeout: round 0");
	TRY(rd_len(&r, SVM_CONS_VALIDATORS_MAX - 1, &voter, "timeout.voter", err));
	t->voter = (uint32_t)voter;
	TRY(qc_read(&r, &t->hqc, err));
	if (t->hqc.data.round >= t->round)
		return svm_error_set(err, SVM_EDECODE, "timeout: high QC round not below round");
	if (svm_reader_copy(&r, t->sig, 64) != 0)
		return svm_error_set(err, SVM_EDECODE, "timeout.sig truncated");
	return rd_end(&r, "timeout", err);
}

/* ------------------------------------------------------------ proposal */

int cons_proposal_write(svm_buf_t *out, const uint8_t *block, size_t block_len,
			const svm_cons_tc_t *tc, const uint8_t sig[64])
{
	size_t start = out->len;
	int rc = svm_buf_push(out, SVM_CONS_TAG_PROPOSAL);
	if (rc == 0) rc = wr_bytes(out, block, block_len);
	if (rc == 0) rc = svm_buf_push(out, tc != NULL ? 1 : 0);
	if (rc == 0 && tc != NULL) rc = tc_write(tc, out);
	if (rc == 0) rc = svm_buf_append(out, sig, 64);
	if (rc != 0) out->len = start;
	return rc;
}

int svm_cons_proposal_decode(const uint8_t *p, size_t len, svm_arena_t *arena,
			     svm_cons_proposal_t *m, svm_error_t *err)
{
	svm_reader_t r = svm_reader(p, len);
	const uint8_t *bp;
	size_t bl;
	uint8_t has_tc;
	TRY(rd_tag(&r, SVM_CONS_TAG_PROPOSAL, "proposal", err));
	TRY(rd_bytes(&r, SVM_BLOCK_BYTES_MAX, &bp, &bl, "proposal.block", err));
	TRY(svm_block_decode(bp, bl, arena, &m->block, &m->block_id, err));
	m->block_bytes.p = bp;
	m->block_bytes.len = bl;
	TRY(rd_u8(&r, &has_tc, "proposal.has_tc", err));
	if (has_tc > 1) return svm_error_set(err, SVM_EDECODE, "proposal: has_tc %u", has_tc);
	m->has_tc = has_tc == 1;
	if (m->has_tc) TRY(tc_read(&r, &m->tc, err));
	if (svm_reader_copy(&r, m->sig, 64) != 0)
		return svm_error_set(err, SVM_EDECODE, "proposal.sig truncated");
	return rd_end(&r, "proposal", err);
}

/* -------------------------------------------------------------- safety */

/* Versions: the tag byte (consensus.h). A version-1 record is re-encoded as version 1, so a
 * decoded record of either version round-trips byte for byte. */
int svm_cons_safety_encode(const svm_cons_safety_t *s, svm_buf_t *out)
{
	size_t start = out->len;
	int rc = 0;
	if (s->version == 1) rc = s->has_tc ? SVM_EINVAL : svm_buf_push(out, SVM_CONS_TAG_SAFETY);
	else if (s->version == 2) rc = svm_buf_push(out, SVM_CONS_TAG_SAFETY_V2);
	else rc = SVM_EINVAL;
	if (rc == 0) rc = svm_varint_append(out, s->epoch);
	if (rc == 0) rc = svm_varint_append(out, s->last_voted_round);
	if (rc == 0) rc = svm_varint_append(out, s->locked_round);
	if (rc == 0) rc = svm_varint_append(out, s->last_timeout_round);
	if (rc == 0) rc = qc_write(&s->hqc, out);
	if (rc == 0) rc = chk_bytes(s->timeout, s->timeout_len, SVM_HEADER_QC_MAX + 256);
	if (rc == 0) rc = wr_bytes(out, s->timeout, s->timeout_len);
	if (rc == 0 && s->version == 2) {
		rc = svm_buf_push(out, s->has_tc ? 1 : 0);
		if (rc == 0 && s->has_tc) rc = tc_write(&s->tc, out);
	}
	if (rc == 0 && out->len - start > SVM_CONS_SAFETY_BYTES_MAX) rc = SVM_ELIMIT;
	if (rc != 0) out->len = start;
	return rc;
}

int svm_cons_safety_decode(const uint8_t *p, size_t len, svm_cons_safety_t *s, svm_error_t *err)
{
	if (len > SVM_CONS_SAFETY_BYTES_MAX)
		return svm_error_set(err, SVM_ELIMIT, "safety: %zu bytes exceed %d", len,
				     SVM_CONS_SAFETY_BYTES_MAX);
	svm_reader_t r = svm_reader(p, len);
	uint8_t tag;
	TRY(rd_u8(&r, &tag, "safety", err));
	if (tag == SVM_CONS_TAG_SAFETY) s->version = 1;
	else if (tag == SVM_CONS_TAG_SAFETY_V2) s->version = 2;
	else
		return svm_error_set(err, SVM_EDECODE,
				     "safety: unknown record version (tag 0x%02x; known 0x%02x, 0x%02x)",
				     tag, SVM_CONS_TAG_SAFETY, SVM_CONS_TAG_SAFETY_V2);
	TRY(rd_u64(&r, &s->epoch, "safety.epoch", err));
	TRY(rd_u64(&r, &s->last_voted_round, "safety.last_voted_round", err));
	TRY(rd_u64(&r, &s->locked_round, "safety.locked_round", err));
	TRY(rd_u64(&r, &s->last_timeout_round, "safety.last_timeout_round", err));
	TRY(qc_read(&r, &s->hqc, err));
	TRY(rd_bytes(&r, SVM_HEADER_QC_MAX + 256, &s->timeout, &s->timeout_len, "safety.timeout",
		     err));
	if (s->hqc.data.round != s->locked_round || s->last_timeout_round > s->last_voted_round)
		return svm_error_set(err, SVM_EDECODE, "safety: inconsistent rounds");
	s->has_tc = false;
	if (s->version == 2) {
		uint8_t has_tc;
		TRY(rd_u8(&r, &has_tc, "safety.has_tc", err));
		if (has_tc > 1)
			return svm_error_set(err, SVM_EDECODE, "safety.has_tc: %u is not 0 or 1",
					     has_tc);
		s->has_tc = has_tc == 1;
		if (s->has_tc) {
			TRY(tc_read(&r, &s->tc, err));
			if (s->tc.epoch != s->epoch)
				return svm_error_set(err, SVM_EDECODE, "safety: TC of epoch %llu in a record of epoch %llu",
						     (unsigned long long)s->tc.epoch,
						     (unsigned long long)s->epoch);
			if (s->tc.hqc.data.round > s->locked_round)
				return svm_error_set(err, SVM_EDECODE,
						     "safety: the TC's high QC is above the record's");
		}
	}
	return rd_end(&r, "safety", err);
}

/* ------------------------------------------------------------ evidence */

int svm_cons_evidence_encode(const svm_cons_evidence_t *e, svm_buf_t *out)
{
	size_t start = out->len;
	int rc = svm_buf_push(out, SVM_CONS_TAG_EVIDENCE);
	if (rc == 0) rc = svm_buf_push(out, e->kind);
	if (rc == 0) rc = wr_bytes(out, e->a.data, e->a.len);
	if (rc == 0) rc = wr_bytes(out, e->b.data, e->b.len);
	if (rc != 0) out->len = start;
	return rc;
}

void svm_cons_evidence_free(svm_cons_evidence_t *e)
{
	svm_buf_free(&e->a);
	svm_buf_free(&e->b);
}

/* Reads TAG_EVIDENCE ‖ kind ‖ a_len ‖ a ‖ b_len ‖ b into kind and the two slices. */
static int evidence_split(const uint8_t *p, size_t len, uint8_t *kind, svm_slice_t *a, svm_slice_t *b)
{
	svm_reader_t r = svm_reader(p, len);
	uint8_t tag = 0;
	uint64_t la = 0, lb = 0;
	int rc = svm_reader_u8(&r, &tag);
	if (rc == 0) rc = tag == SVM_CONS_TAG_EVIDENCE ? svm_reader_u8(&r, kind) : SVM_EDECODE;
	if (rc == 0) rc = svm_varint_read(&r, &la);
	if (rc == 0) rc = la <= svm_reader_left(&r) ? svm_reader_bytes(&r, (size_t)la, &a->p) : SVM_EDECODE;
	if (rc == 0) rc = svm_varint_read(&r, &lb);
	if (rc == 0) rc = lb <= svm_reader_left(&r) ? svm_reader_bytes(&r, (size_t)lb, &b->p) : SVM_EDECODE;
	if (rc == 0 && svm_reader_left(&r) != 0) rc = SVM_EDECODE;
	if (rc != 0) return SVM_EDECODE;
	a->len = (size_t)la;
	b->len = (size_t)lb;
	/* canonical: a < b bytewise (the order svm_cons_evidence_encode's producers use) */
	size_t m = a->len < b->len ? a->len : b->len;
	int cmp = memcmp(a->p, b->p, m);
	if (cmp > 0 || (cmp == 0 && a->len >= b->len)) return SVM_EDECODE;
	return 0;
}

static int evidence_votes(const svm_slice_t *a, const svm_slice_t *b, const svm_cons_valset_t *vs,
			  uint64_t chain_id, const svm_cons_signer_t *signer, svm_cons_evidence_t *e)
{
	svm_cons_vote_t x, y;
	int rc = svm_cons_vote_decode(a->p, a->len, &x, NULL);
	if (rc == 0) rc = svm_cons_vote_decode(b->p, b->len, &y, NULL);
	if (rc != 0) return SVM_EDECODE;
	if (x.voter != y.voter || x.voter >= vs->n || x.epoch != vs->epoch || y.epoch != vs->epoch ||
	    x.data.round != y.data.round || memcmp(&x.data, &y.data, sizeof x.data) == 0)
		return SVM_EINVAL;
	for (int k = 0; k < 2; k++) {
		const svm_cons_vote_t *m = k == 0 ? &x : &y;
		uint8_t msg[SVM_CONS_SIGNED_BYTES];
		svm_cons_vote_message(chain_id, m->epoch, &m->data, msg);
		rc = cons_verify_msg(signer, vs->v[m->voter].pubkey, msg, m->sig);
		if (rc != 0) return rc;
	}
	e->epoch = x.epoch;
	e->round = x.data.round;
	e->validator = vs->v[x.voter].id;
	return 0;
}

static int evidence_proposals(const svm_slice_t *a, const svm_slice_t *b, const svm_cons_valset_t *vs,
			      uint64_t chain_id, const svm_cons_signer_t *signer, svm_cons_evidence_t *e)
{
	svm_arena_t ar;
	svm_arena_init(&ar, 0);
	svm_cons_proposal_t *x = svm_malloc(sizeof *x), *y = svm_malloc(sizeof *y);
	int rc = x == NULL || y == NULL ? SVM_ENOMEM : svm_cons_proposal_decode(a->p, a->len, &ar, x, NULL);
	if (rc == 0) rc = svm_cons_proposal_decode(b->p, b->len, &ar, y, NULL);
	if (rc != 0 && rc != SVM_ENOMEM) rc = SVM_EDECODE;
	int who = rc == 0 ? svm_cons_valset_index(vs, &x->block.header.proposer) : -1;
	if (rc == 0 && (who < 0 || !svm_hash_eq(&x->block.header.proposer, &y->block.header.proposer) ||
			x->block.header.round != y->block.header.round || svm_hash_eq(&x->block_id, &y->block_id)))
		rc = SVM_EINVAL;
	/* Each proposal's epoch (its parent QC's) before its signature, which covers the epoch: two
	 * honest-looking proposals of a neighbouring epoch — evidence found there and passed on
	 * across a boundary — would otherwise fail it as a forgery (SVM_ESIG, a ban) instead of
	 * being another epoch's (SVM_EINVAL, ignored), as votes already are. A proposal without a
	 * parent QC (no honest one) is judged in the set's epoch, as before. */
	for (int k = 0; rc == 0 && k < 2; k++) {
		const svm_header_t *h = &(k == 0 ? x : y)->block.header;
		if (h->parent_qc_len == 0) continue;
		svm_cons_qc_t *pq = svm_malloc(sizeof *pq);
		rc = pq == NULL ? SVM_ENOMEM : svm_cons_qc_decode(h->parent_qc, h->parent_qc_len, pq, NULL);
		if (rc != 0 && rc != SVM_ENOMEM) rc = SVM_EDECODE;
		if (rc == 0 && pq->epoch != vs->epoch) rc = SVM_EINVAL;
		svm_free(pq);
	}
	for (int k = 0; rc == 0 && k < 2; k++) {
		const svm_cons_proposal_t *m = k == 0 ? x : y;
		uint8_t msg[SVM_CONS_SIGNED_BYTES];
		svm_cons_proposal_message(chain_id, vs->epoch, m->block.header.height, m->block.header.round,
					  &m->block_id, msg);
		rc = cons_verify_msg(signer, vs->v[who].pubkey, msg, m->sig);
	}
	if (rc == 0) {
		e->epoch = vs->epoch;
		e->round = x->block.header.round;
		e->validator = x->block.header.proposer;
	}
	svm_free(x);
	svm_free(y);
	svm_arena_reset(&ar);
	return rc;
}

int svm_cons_evidence_verify(const uint8_t *p, size_t len, const svm_cons_valset_t *vs, uint64_t chain_id,
			     const svm_cons_signer_t *signer, svm_cons_evidence_t *out)
{
	memset(out, 0, sizeof *out);
	uint8_t kind = 0;
	svm_slice_t a, b;
	int rc = evidence_split(p, len, &kind, &a, &b);
	if (rc != 0) return rc;
	if (kind == SVM_CONS_EVIDENCE_DOUBLE_VOTE) rc = evidence_votes(&a, &b, vs, chain_id, signer, out);
	else if (kind == SVM_CONS_EVIDENCE_DOUBLE_PROPOSAL) rc = evidence_proposals(&a, &b, vs, chain_id, signer, out);
	else rc = SVM_EDECODE;
	if (rc == 0) {
		out->kind = kind;
		rc = svm_buf_append(&out->a, a.p, a.len);
		if (rc == 0) rc = svm_buf_append(&out->b, b.p, b.len);
	}
	if (rc != 0) svm_cons_evidence_free(out);
	return rc;
}

int svm_cons_evidence_stake(const svm_cons_evidence_t *e, const svm_cons_valset_t *vs,
			    uint64_t chain_id, svm_evidence_t *out)
{
	memset(out, 0, sizeof *out);
	const svm_buf_t *msgs[2] = {&e->a, &e->b};
	svm_hash_t h[2];
	uint8_t sig[2][SVM_ED25519_SIG_SIZE];
	uint64_t height[2] = {0, 0}, round = 0;
	int who = -1, rc = 0;
	if (e->kind == SVM_CONS_EVIDENCE_DOUBLE_VOTE) {
		for (int k = 0; k < 2 && rc == 0; k++) {
			svm_cons_vote_t v;
			rc = svm_cons_vote_decode(msgs[k]->data, msgs[k]->len, &v, NULL);
			if (rc != 0 || v.voter >= vs->n || v.epoch != vs->epoch) return SVM_EDECODE;
			svm_cons_vote_digest(chain_id, v.epoch, &v.data, &h[k]);
			memcpy(sig[k], v.sig, sizeof sig[k]);
			height[k] = v.data.height;
			round = v.data.round;
			who = (int)v.voter;
		}
	} else if (e->kind == SVM_CONS_EVIDENCE_DOUBLE_PROPOSAL) {
		svm_arena_t ar;
		svm_arena_init(&ar, 0);
		svm_cons_proposal_t *m = svm_malloc(sizeof *m);
		for (int k = 0; k < 2 && rc == 0; k++) {
			rc = m == NULL ? SVM_ENOMEM : svm_cons_proposal_decode(msgs[k]->data, msgs[k]->len, &ar, m, NULL);
			if (rc != 0) break;
			svm_cons_proposal_digest(chain_id, vs->epoch, &m->block_id, &h[k]);
			memcpy(sig[k], m->sig, sizeof sig[k]);
			height[k] = m->block.header.height;
			round = m->block.header.round;
			who = svm_cons_valset_index(vs, &m->block.header.proposer);
		}
		svm_free(m);
		svm_arena_reset(&ar);
		if (rc != 0) return rc == SVM_ENOMEM ? rc : SVM_EDECODE;
	} else {
		return SVM_EDECODE;
	}
	if (who < 0) return SVM_EDECODE;
	if (height[0] != height[1] || svm_hash_eq(&h[0], &h[1])) return SVM_EINVAL;
	int lo = memcmp(h[0].b, h[1].b, SVM_HASH_SIZE) < 0 ? 0 : 1;
	memcpy(out->key, vs->v[who].pubkey, 32);
	out->epoch = vs->epoch; /* svm_cons_evidence_verify: both votes of the set's epoch */
	out->height = height[0];
	out->round = round;
	out->kind = e->kind == SVM_CONS_EVIDENCE_DOUBLE_VOTE ? 0 : 1;
	for (int k = 0; k < 2; k++) {
		out->hash[k] = h[k ^ lo];
		memcpy(out->sig[k], sig[k ^ lo], SVM_ED25519_SIG_SIZE);
	}
	return 0;
}

/* -------------------------------------------------------- commit proof */

int svm_cons_commit_proof_encode(const svm_slice_t *headers, uint32_t n, const svm_cons_qc_t *qc,
				 svm_buf_t *out)
{
	if (n > SVM_CONS_PROOF_HEADERS_MAX) return SVM_ELIMIT;
	size_t start = out->len;
	int rc = svm_buf_push(out, SVM_CONS_TAG_COMMIT_PROOF);
	if (rc == 0) rc = svm_varint_append(out, n);
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		rc = chk_bytes(headers[i].p, headers[i].len, SVM_CONS_COMMIT_PROOF_BYTES_MAX);
		if (rc == 0) rc = wr_bytes(out, headers[i].p, headers[i].len);
	}
	if (rc == 0) rc = qc_write(qc, out);
	if (rc == 0 && out->len - start > SVM_CONS_COMMIT_PROOF_BYTES_MAX) rc = SVM_ELIMIT;
	if (rc != 0) out->len = start;
	return rc;
}

int svm_cons_commit_proof_decode(const uint8_t *p, size_t len, svm_cons_commit_proof_t *out,
				 svm_error_t *err)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t n;
	if (len > SVM_CONS_COMMIT_PROOF_BYTES_MAX)
		return svm_error_set(err, SVM_ELIMIT, "commit proof: %zu bytes exceed %u", len,
				     (unsigned)SVM_CONS_COMMIT_PROOF_BYTES_MAX);
	TRY(rd_tag(&r, SVM_CONS_TAG_COMMIT_PROOF, "commit proof", err));
	TRY(rd_len(&r, SVM_CONS_PROOF_HEADERS_MAX, &n, "commit proof.count", err));
	out->n = (uint32_t)n;
	for (uint32_t i = 0; i < out->n; i++) {
		svm_header_t h;
		TRY(rd_bytes(&r, SVM_CONS_COMMIT_PROOF_BYTES_MAX, &out->headers[i].p, &out->headers[i].len,
			     "commit proof.header", err));
		TRY(svm_header_decode(out->headers[i].p, out->headers[i].len, &h, err));
	}
	TRY(qc_read(&r, &out->qc, err));
	return rd_end(&r, "commit proof", err);
}

int svm_cons_commit_proof_verify(const uint8_t *p, size_t len, const svm_hash_t *block_id,
				 uint64_t height, const svm_cons_valset_t *vs, uint64_t chain_id,
				 const svm_hash_t *genesis_id, const svm_cons_signer_t *signer)
{
	svm_cons_commit_proof_t *pf = svm_malloc(sizeof *pf);
	if (pf == NULL) return SVM_ENOMEM;
	int rc = svm_cons_commit_proof_decode(p, len, pf, NULL);
	/* the hash chain from the block up to the last header: each one's parent is the one before */
	svm_hash_t cur = *block_id;
	uint64_t h = height;
	for (uint32_t i = 0; i < pf->n && rc == 0; i++) {
		svm_header_t hd;
		rc = svm_header_decode(pf->headers[i].p, pf->headers[i].len, &hd, NULL);
		if (rc == 0 && (!svm_hash_eq(&hd.parent, &cur) || hd.height != h + 1)) rc = SVM_EINVAL;
		if (rc == 0) rc = svm_header_hash(&hd, &cur);
		h++;
	}
	/* the 2-chain: the QC certifies a child, in the very next round, of the chain's top */
	const svm_cons_vote_data_t *d = &pf->qc.data;
	if (rc == 0 && (!svm_hash_eq(&d->parent_id, &cur) || d->height != h + 1 ||
			d->parent_round + 1 != d->round || pf->qc.epoch != vs->epoch))
		rc = SVM_EINVAL;
	if (rc == 0) rc = svm_cons_qc_verify(&pf->qc, vs, chain_id, genesis_id, signer);
	svm_free(pf);
	return rc;
}

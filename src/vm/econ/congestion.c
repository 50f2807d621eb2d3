/* Local fee markets: the per-object congestion table (docs/economics.md). An object written by
 * more than congestion_target_txs transactions of a block costs more to write in the next
 * blocks: its multiplier rises by congestion_step_bps (relative) per such block up to
 * congestion_max_bps, and falls back by the same ratio per block it stays at or under the
 * target, leaving the table at 1×. Integers only; the table is sorted by id and bounded. */
#include <stdlib.h>
#include <string.h>

#include "supervm/econ.h"

typedef unsigned __int128 u128;

void svm_congestion_id(svm_id_t *out) { svm_sha256_tagged("svm/congestion", NULL, 0, out); }

int svm_congestion_encode(const svm_congestion_entry_t *e, size_t n, svm_buf_t *out)
{
	if (n > SVM_CONGESTION_OBJECTS_MAX) return SVM_ELIMIT;
	int rc = svm_varint_append(out, n);
	for (size_t i = 0; !rc && i < n; i++) {
		SVM_ASSERT(e[i].bps > SVM_CONGESTION_ONE);
		SVM_ASSERT(i == 0 || svm_hash_cmp(&e[i - 1].id, &e[i].id) < 0);
		rc = svm_buf_append(out, e[i].id.b, 32);
		if (!rc) rc = svm_varint_append(out, e[i].bps);
	}
	return rc;
}

int svm_congestion_decode(const uint8_t *p, size_t len, svm_congestion_entry_t *out, size_t max,
			  size_t *n)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t count;
	if (svm_varint_read(&r, &count) || count > SVM_CONGESTION_OBJECTS_MAX || count > max)
		return SVM_EDECODE;
	for (uint64_t i = 0; i < count; i++) {
		if (svm_reader_copy(&r, out[i].id.b, 32) || svm_varint_read(&r, &out[i].bps) ||
		    out[i].bps <= SVM_CONGESTION_ONE ||
		    (i > 0 && svm_hash_cmp(&out[i - 1].id, &out[i].id) >= 0))
			return SVM_EDECODE;
	}
	if (svm_reader_left(&r)) return SVM_EDECODE;
	SVM_ASSERT(count <= max); /* out held every entry */
	*n = (size_t)count;
	return 0;
}

uint64_t svm_congestion_of(const svm_congestion_entry_t *t, size_t n, const svm_id_t *id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = svm_hash_cmp(&t[mid].id, id);
		if (c == 0) return t[mid].bps;
		if (c < 0) lo = mid + 1;
		else hi = mid;
	}
	/* absent: its neighbours bracket it (an unsorted table would break the search) */
	SVM_ASSERT(lo == 0 || svm_hash_cmp(&t[lo - 1].id, id) < 0);
	SVM_ASSERT(lo == n || svm_hash_cmp(&t[lo].id, id) > 0);
	return SVM_CONGESTION_ONE;
}

static int cmp_id(const void *a, const void *b) { return svm_hash_cmp(a, b); }

static int cmp_hot(const void *a, const void *b)
{
	const svm_congestion_entry_t *x = a, *y = b;
	if (x->bps != y->bps) return x->bps > y->bps ? -1 : 1;
	return svm_hash_cmp(&x->id, &y->id);
}

static int cmp_entry(const void *a, const void *b)
{
	return svm_hash_cmp(&((const svm_congestion_entry_t *)a)->id, &((const svm_congestion_entry_t *)b)->id);
}

/* One object's next multiplier from its current one and this block's writes of it. */
static uint64_t step(uint64_t m, uint64_t writes, const svm_params_t *p)
{
	const uint64_t one = SVM_CONGESTION_ONE;
	SVM_ASSERT(m >= one && p->congestion_max_bps >= one); /* a multiplier never discounts */
	u128 x;
	if (writes > p->congestion_target_txs) {
		x = (u128)m * (one + p->congestion_step_bps) / one;
		return x > p->congestion_max_bps ? p->congestion_max_bps : (uint64_t)x;
	}
	x = (u128)m * one / (one + p->congestion_step_bps);
	return x < one ? one : (uint64_t)x;
}

int svm_congestion_next(const svm_congestion_entry_t *old, size_t n_old, svm_id_t *written,
			size_t n_written, const svm_params_t *p, svm_congestion_entry_t *out,
			size_t *n_out)
{
	if (n_written > 1) qsort(written, n_written, sizeof *written, cmp_id); /* written may be NULL at 0 */
	/* candidates: every old entry and every object written more than the target */
	size_t cap = n_old + n_written / (p->congestion_target_txs + 1) + 1;
	svm_congestion_entry_t *c = svm_malloc(cap * sizeof *c);
	if (c == NULL) return SVM_ENOMEM;
	size_t i = 0, j = 0, n = 0;
	while (i < n_old || j < n_written) {
		int cmp = i == n_old ? 1 : j == n_written ? -1
							  : svm_hash_cmp(&old[i].id, &written[j]);
		const svm_id_t *id = cmp <= 0 ? &old[i].id : &written[j];
		uint64_t m = cmp <= 0 ? old[i].bps : SVM_CONGESTION_ONE, w = 0;
		if (cmp >= 0)
			for (; j < n_written && svm_hash_eq(&written[j], id); j++) w++;
		if (cmp <= 0) i++;
		uint64_t next = step(m, w, p);
		if (next > SVM_CONGESTION_ONE) {
			SVM_ASSERT(n < cap);
			c[n].id = *id;
			c[n++].bps = next;
		}
	}
	if (n > SVM_CONGESTION_OBJECTS_MAX) { /* keep the hottest, ties by id; back to id order */
		qsort(c, n, sizeof *c, cmp_hot);
		n = SVM_CONGESTION_OBJECTS_MAX;
		qsort(c, n, sizeof *c, cmp_entry);
	}
	SVM_ASSERT(n <= SVM_CONGESTION_OBJECTS_MAX);
	for (size_t k = 0; SVM_ASSERT_ON && k < n; k++) /* what the encoder and the search rely on */
		SVM_ASSERT(c[k].bps > SVM_CONGESTION_ONE && c[k].bps <= p->congestion_max_bps &&
			   (k == 0 || svm_hash_cmp(&c[k - 1].id, &c[k].id) < 0));
	memcpy(out, c, n * sizeof *c);
	*n_out = n;
	svm_free(c);
	return 0;
}

uint64_t svm_congestion_tx(const svm_congestion_entry_t *t, size_t n, const svm_tx_t *tx)
{
	uint64_t m = SVM_CONGESTION_ONE;
	if (tx->access_mode != SVM_ACCESS_STRICT) { /* undeclared writes: priced as the hottest */
		for (size_t i = 0; i < n; i++)
			if (t[i].bps > m) m = t[i].bps;
		return m;
	}
	for (uint32_t i = 0; n && i < tx->writes_len; i++) {
		uint64_t x = svm_congestion_of(t, n, &tx->writes[i]);
		if (x > m) m = x;
	}
	for (uint32_t i = 0; n && i < tx->inputs_len; i++) {
		uint64_t x = svm_congestion_of(t, n, &tx->inputs[i].id);
		if (x > m) m = x;
	}
	return m;
}

/* Multi-version memory for Block-STM: per object id, the writes of the running segment's
 * transactions sorted by transaction index — values, credit deltas, or ESTIMATE markers left
 * by an aborted incarnation. A read by transaction j sees the highest entry below j, with the
 * deltas above the last value (or the committed value) resolved into balance bytes. */
#include <stdlib.h>
#include <string.h>

#include "exec/aoem.h"

/* The list's invariant: within its capacity, strictly ascending by transaction (one entry per
 * transaction), each entry of a known kind, a delta naming its balance. Walks the list: for
 * assertions only, where the list changes (a memmove walks it anyway). */
static bool mv_sorted(const akey_t *k)
{
	if (k->mv_len > k->mv_cap || (k->mv_len > 0 && k->mv == NULL)) return false;
	for (uint32_t i = 0; i < k->mv_len; i++) {
		const mv_entry_t *e = &k->mv[i];
		if (e->kind != MV_VALUE && e->kind != MV_DELTA && e->kind != MV_ESTIMATE) return false;
		if (e->kind == MV_DELTA && e->op != DELTA_CREDIT && e->op != DELTA_RETIRE &&
		    e->op != DELTA_RECORD)
			return false;
		if (e->kind == MV_DELTA && e->op == DELTA_CREDIT && e->ref == NULL) return false;
		if (e->kind == MV_DELTA && e->op == DELTA_RECORD &&
		    (e->fd == NULL || e->delta == 0 || e->delta > SVM_RECORD_FIELDS_MAX))
			return false;
		if (i > 0 && k->mv[i - 1].tx >= e->tx) return false;
	}
	return true;
}

void exec_mv_free(akey_t *k)
{
	SVM_ASSERT(k->mv_cap != 1 || k->mv == &k->mv1); /* one entry is always the key's own */
	if (k->mv != &k->mv1) svm_free(k->mv);
	k->mv = NULL;
	k->mv_len = k->mv_cap = 0;
	atomic_store_explicit(&k->mv_values, 0, memory_order_relaxed);
	atomic_store_explicit(&k->mv_min, UINT32_MAX, memory_order_relaxed);
}

/* First entry with tx >= target (k locked). */
static uint32_t lower_bound(const akey_t *k, uint32_t tx)
{
	SVM_ASSERT(k->mv_len <= k->mv_cap); /* the whole order is checked where it changes */
	uint32_t lo = 0, hi = k->mv_len;
	while (lo < hi) {
		SVM_ASSERT(hi <= k->mv_len);
		uint32_t mid = lo + (hi - lo) / 2;
		if (k->mv[mid].tx < tx) lo = mid + 1;
		else hi = mid;
	}
	SVM_ASSERT(lo <= k->mv_len);
	SVM_ASSERT(lo == k->mv_len || k->mv[lo].tx >= tx);
	SVM_ASSERT(lo == 0 || k->mv[lo - 1].tx < tx);
	return lo;
}

/* Resolves the deltas at entries [.., top] over the value beneath them (k locked). The run
 * must be of one kind: credits and supply decreases on one key would not commute (an
 * executor bug, or a program using both on one object), so meeting both is an error and the
 * block goes to the reference. */
/* resolve for a run of record deltas: their additions summed (fields of one count, one sign
 * per field: exec_record_field_add), then svm_record_add over the value beneath. out->amount
 * is 0: validation compares the bytes. */
static int resolve_record(exec_block_t *b, unsigned worker, akey_t *k, uint32_t top,
			  const val_t *storage, mv_read_t *out)
{
	int64_t sum[SVM_RECORD_FIELDS_MAX] = {0};
	size_t n = (size_t)k->mv[top].delta;
	SVM_ASSERT(n >= 1 && n <= SVM_RECORD_FIELDS_MAX);
	int64_t j = top;
	for (; j >= 0 && k->mv[j].kind == MV_DELTA; j--) {
		const mv_entry_t *e = &k->mv[j];
		if (e->op != DELTA_RECORD || e->delta != n) return out->err = SVM_EIO; /* not commutative */
		for (size_t i = 0; i < n; i++)
			if (!exec_record_field_add(sum[i], e->fd[i], &sum[i])) return out->err = SVM_EOVERFLOW;
	}
	SVM_ASSERT(j < (int64_t)top);
	if (j >= 0 && k->mv[j].kind == MV_ESTIMATE) {
		out->kind = MVR_DEPENDENCY;
		out->tx = k->mv[j].tx;
		return 0;
	}
	val_t under = j >= 0 ? k->mv[j].v : *storage;
	out->kind = MVR_RESOLVED;
	int rc = exec_delta_apply(b, worker, k, &under, DELTA_RECORD, n, NULL, sum, false, &out->v);
	return rc ? (out->err = rc) : 0;
}

static int resolve(exec_block_t *b, unsigned worker, akey_t *k, uint32_t top, const val_t *storage,
		   mv_read_t *out)
{
	SVM_ASSERT(top < k->mv_len);
	SVM_ASSERT(k->mv[top].kind == MV_DELTA);
	if (k->mv[top].op == DELTA_RECORD) return resolve_record(b, worker, k, top, storage, out);
	uint64_t sum = 0;
	uint8_t op = k->mv[top].op;
	const bal_ref_t *ref = NULL;
	int64_t j = top;
	for (; j >= 0 && k->mv[j].kind == MV_DELTA; j--) {
		if (k->mv[j].op != op) return out->err = SVM_EIO; /* not commutative */
		if (!svm_add_u64(sum, k->mv[j].delta, &sum)) return out->err = SVM_EOVERFLOW;
		ref = k->mv[j].ref;
	}
	SVM_ASSERT(ref != NULL || op == DELTA_RETIRE); /* a credit names its balance */
	SVM_ASSERT(j < (int64_t)top);
	SVM_ASSERT(j < 0 || k->mv[j].kind == MV_VALUE || k->mv[j].kind == MV_ESTIMATE);
	if (j >= 0 && k->mv[j].kind == MV_ESTIMATE) {
		out->kind = MVR_DEPENDENCY;
		out->tx = k->mv[j].tx;
		return 0;
	}
	val_t under = j >= 0 ? k->mv[j].v : *storage;
	uint64_t have = 0;
	if (exec_delta_amount(op, &under, &have)) return out->err = SVM_EIO;
	out->kind = MVR_RESOLVED;
	if (op == DELTA_CREDIT ? !svm_add_u64(have, sum, &out->amount) : have < sum)
		return out->err = SVM_EOVERFLOW;
	if (op == DELTA_RETIRE) out->amount = have - sum;
	int rc = exec_delta_apply(b, worker, k, &under, op, sum, ref, NULL, false, &out->v);
	return rc ? (out->err = rc) : 0;
}

static int mv_read(exec_block_t *b, unsigned worker, akey_t *k, uint32_t tx, bool probe,
		   mv_read_t *out)
{
	memset(out, 0, sizeof(*out));
	/* No entry below tx: the committed value, read without the lock. Every key a transaction
	 * reads but no lower one writes (the contract's code in every ERC-20 transfer, each
	 * transfer's own balances) is read by two workers, at execution and at validation; the
	 * lock's write would move its line between the cores at each read. Linearizable: mv_min is
	 * stored (release) under the lock after the entry it announces, so a read that sees no entry
	 * below tx is one taken before that write; a write that lands after it sends tx back to
	 * validation (finish_execution) as for a read under the lock. */
	if (atomic_load_explicit(&k->mv_min, memory_order_acquire) >= tx) {
		out->kind = MVR_STORAGE;
		return 0;
	}
	val_t storage;
	int rc = exec_key_committed(b, worker, k, &storage); /* outside the lock: may load */
	if (rc) return rc;
	exec_key_lock(k);
	uint32_t i = lower_bound(k, tx);
	while (probe && i > 0 && k->mv[i - 1].kind == MV_DELTA && k->mv[i - 1].op == DELTA_RETIRE)
		i--; /* beneath the supply deltas */
	if (i == 0) {
		out->kind = MVR_STORAGE;
	} else {
		const mv_entry_t *e = &k->mv[i - 1];
		SVM_ASSERT(e->tx < tx); /* a transaction never reads its own or a later write */
		if (e->kind == MV_ESTIMATE) {
			out->kind = MVR_DEPENDENCY;
			out->tx = e->tx;
		} else if (e->kind == MV_VALUE) {
			out->kind = MVR_VERSION;
			out->tx = e->tx;
			out->inc = e->inc;
			out->v = e->v;
		} else {
			resolve(b, worker, k, i - 1, &storage, out);
		}
	}
	exec_key_unlock(k);
	SVM_ASSERT(out->err != 0 || (out->kind >= MVR_STORAGE && out->kind <= MVR_DEPENDENCY));
	SVM_ASSERT(out->kind != MVR_DEPENDENCY || out->tx < tx);
	if (out->err) {
		exec_fall_all(b, out->err == SVM_ENOMEM ? FALL_INTERNAL : FALL_DELTA);
		return SVM_EIO;
	}
	return 0;
}

int exec_mv_read(exec_block_t *b, unsigned worker, akey_t *k, uint32_t tx, mv_read_t *out)
{
	return mv_read(b, worker, k, tx, false, out);
}

int exec_mv_probe(exec_block_t *b, unsigned worker, akey_t *k, uint32_t tx, mv_read_t *out)
{
	int rc = mv_read(b, worker, k, tx, true, out);
	SVM_ASSERT(rc != 0 || out->kind != MVR_RESOLVED || k->mv_len > 0); /* another kind of delta */
	return rc;
}

int exec_mv_write(akey_t *k, const mv_entry_t *e, bool *created)
{
	SVM_ASSERT(e->kind == MV_VALUE || e->kind == MV_DELTA); /* estimates come from exec_mv_estimate */
	SVM_ASSERT(e->kind != MV_DELTA || e->ref != NULL || e->op != DELTA_CREDIT);
	SVM_ASSERT(e->kind != MV_DELTA || e->fd != NULL || e->op != DELTA_RECORD);
	exec_key_lock(k);
	uint32_t i = lower_bound(k, e->tx);
	*created = !(i < k->mv_len && k->mv[i].tx == e->tx);
	if (*created) {
		if (k->mv_cap == 0) { /* the first writer: the entry in the key itself */
			k->mv = &k->mv1;
			k->mv_cap = 1;
		} else if (k->mv_len == k->mv_cap) {
			uint32_t cap = k->mv_cap < 4 ? 4 : 2 * k->mv_cap;
			bool inline1 = k->mv == &k->mv1;
			mv_entry_t *mv = svm_realloc(inline1 ? NULL : k->mv, cap * sizeof(*mv));
			if (mv == NULL) {
				exec_key_unlock(k);
				return SVM_ENOMEM;
			}
			if (inline1) mv[0] = k->mv1;
			k->mv = mv;
			k->mv_cap = cap;
		}
		SVM_ASSERT(k->mv_len < k->mv_cap && i <= k->mv_len);
		memmove(&k->mv[i + 1], &k->mv[i], (k->mv_len - i) * sizeof(*k->mv));
		k->mv_len++;
		if (e->kind == MV_VALUE)
			atomic_store_explicit(&k->mv_values, atomic_load_explicit(&k->mv_values, memory_order_relaxed) + 1,
					      memory_order_relaxed);
	}
	k->mv[i] = *e;
	SVM_ASSERT(mv_sorted(k));
	if (e->tx < atomic_load_explicit(&k->mv_min, memory_order_relaxed)) /* after the entry */
		atomic_store_explicit(&k->mv_min, e->tx, memory_order_release);
	SVM_ASSERT(atomic_load_explicit(&k->mv_min, memory_order_relaxed) == k->mv[0].tx);
	exec_key_unlock(k);
	return 0;
}

void exec_mv_remove(akey_t *k, uint32_t tx)
{
	exec_key_lock(k);
	uint32_t i = lower_bound(k, tx);
	if (i < k->mv_len && k->mv[i].tx == tx) {
		memmove(&k->mv[i], &k->mv[i + 1], (k->mv_len - i - 1) * sizeof(*k->mv));
		k->mv_len--;
		/* raised after the entry is gone: a reader that still sees the old minimum locks */
		atomic_store_explicit(&k->mv_min, k->mv_len ? k->mv[0].tx : UINT32_MAX,
				      memory_order_release);
	}
	SVM_ASSERT(mv_sorted(k));
	SVM_ASSERT(i >= k->mv_len || k->mv[i].tx != tx);
	exec_key_unlock(k);
}

void exec_mv_estimate(akey_t *k, uint32_t tx)
{
	exec_key_lock(k);
	uint32_t i = lower_bound(k, tx);
	if (i < k->mv_len && k->mv[i].tx == tx) k->mv[i].kind = MV_ESTIMATE;
	SVM_ASSERT(i == k->mv_len || k->mv[i].tx >= tx);
	exec_key_unlock(k);
}

/* Called with no engine running: folds the entries below limit into the committed value and
 * empties the key's versions for the next segment. */
int exec_mv_flush(exec_block_t *b, unsigned worker, akey_t *k, uint32_t limit)
{
	SVM_ASSERT(mv_sorted(k));
	uint32_t top = lower_bound(k, limit);
	SVM_ASSERT(top <= k->mv_len);
	int rc = 0;
	if (top > 0) {
		val_t storage;
		rc = exec_key_committed(b, worker, k, &storage);
		mv_read_t r = {0};
		const mv_entry_t *e = &k->mv[top - 1];
		if (rc == 0 && e->kind == MV_VALUE) {
			r.v = e->v;
		} else if (rc == 0 && e->kind == MV_DELTA) {
			resolve(b, worker, k, top - 1, &storage, &r);
			if (r.kind == MVR_DEPENDENCY) exec_fall_all(b, FALL_INTERNAL);
			else if (r.err) exec_fall_all(b, FALL_DELTA);
		} else if (rc == 0) {
			exec_fall_all(b, FALL_INTERNAL); /* a committed transaction left an estimate */
		}
		k->cur = r.v;
		k->cur_set = true;
		/* a transaction's values are in the result's memory (txview.c); resolved deltas not */
		k->cur_out = e->kind == MV_VALUE;
		if (rc == 0) rc = exec_key_written(b, worker, k, false);
	}
	exec_mv_free(k);
	return rc;
}

/* The view one transaction executes on in the parallel engines: its own writes (and credits
 * kept as deltas) buffered locally with an undo journal, its first read of each object cached
 * and recorded for validation, and everything else read from the engine's source — the
 * committed values (sequential fallback, block end), the DAG's committed values plus pending
 * credits, or the multi-version memory (Block-STM). */
#include <stdlib.h>
#include <string.h>

#include "exec/aoem.h"

static txview_t *tv(svm_view_t *v) { return (txview_t *)v; }

static int fail(txview_t *v, int rc)
{
	SVM_ASSERT(rc < 0); /* only errors are sticky */
	if (v->error == 0) v->error = rc;
	return v->error;
}

static local_t *find_local(txview_t *v, const svm_id_t *id)
{
	uint64_t h;
	memcpy(&h, id->b, 8);
	SVM_ASSERT(v->local_len <= v->local_cap && v->local_cap <= TXVIEW_LOCAL_MAX);
	for (size_t i = 0; i < v->local_len; i++)
		if (v->local[i].h == h && svm_hash_eq(&v->local[i].k->id, id)) return &v->local[i];
	return NULL;
}

static local_t *push_local(txview_t *v, akey_t *k)
{
	SVM_ASSERT(k != NULL && v->local_len < v->local_cap);
	local_t *l = &v->local[v->local_len++];
	memset(l, 0, sizeof(*l));
	l->k = k;
	memcpy(&l->h, k->id.b, 8);
	return l;
}

static bool grow_local(txview_t *v)
{
	if (v->local_len == v->local_cap) {
		size_t cap = v->local_cap ? 2 * v->local_cap : 16;
		if (cap > TXVIEW_LOCAL_MAX) {
			exec_fall_all(v->b, FALL_KEYS);
			fail(v, SVM_ELIMIT);
			return false;
		}
		local_t *l = svm_realloc(v->local, cap * sizeof(*l));
		if (l == NULL) {
			fail(v, SVM_ENOMEM);
			return false;
		}
		v->local = l;
		v->local_cap = cap;
	}
	SVM_ASSERT(v->local_len < v->local_cap && v->local_cap <= TXVIEW_LOCAL_MAX);
	return true;
}

static local_t *add_local(txview_t *v, const svm_id_t *id)
{
	if (!grow_local(v)) return NULL;
	akey_t *k = v->part ? exec_split_key(v->b, v->part, v->worker, id) : exec_key(v->b, v->worker, id);
	if (k == NULL) {
		fail(v, SVM_ELIMIT);
		return NULL;
	}
	return push_local(v, k);
}

int exec_txview_seed(txview_t *v, akey_t *k)
{
	SVM_ASSERT(k != NULL);
	for (size_t i = 0; i < v->local_len; i++)
		if (v->local[i].k == k) return 0;
	if (!grow_local(v)) return v->error;
	push_local(v, k);
	return 0;
}

static local_t *get_local(txview_t *v, const svm_id_t *id)
{
	local_t *l = find_local(v, id);
	return l ? l : add_local(v, id);
}

/* The local's first read from the source (cached). */
static int read_through(txview_t *v, local_t *l)
{
	if (l->has_read) return 0;
	if (v->src == SRC_DAG && l->k == v->dkey) { /* a credit-only key was read: misprediction */
		exec_fall_all(v->b, FALL_PREDICT);
		return fail(v, SVM_EIO);
	}
	int rc = exec_txview_source(v, l->k, &l->read, &l->rd);
	if (rc) return fail(v, rc);
	SVM_ASSERT(l->rd.kind >= RD_STORAGE && l->rd.kind <= RD_RESOLVED);
	SVM_ASSERT(l->read.bytes != NULL || l->read.len == 0);
	l->rd.k = l->k;
	l->has_read = true;
	return 0;
}

static int journal(txview_t *v, local_t *l)
{
	if (v->undo_len == v->undo_cap) {
		size_t cap = v->undo_cap ? 2 * v->undo_cap : 32;
		undo_t *u = svm_realloc(v->undo, cap * sizeof(*u));
		if (u == NULL) return fail(v, SVM_ENOMEM);
		v->undo = u;
		v->undo_cap = cap;
	}
	SVM_ASSERT(v->undo_len < v->undo_cap);
	SVM_ASSERT(l >= v->local && (size_t)(l - v->local) < v->local_len); /* one of this view's */
	v->undo[v->undo_len++] = (undo_t){(uint32_t)(l - v->local), l->w};
	return 0;
}

static int tv_get(svm_view_t *view, const svm_id_t *id, const uint8_t **bytes, size_t *len)
{
	txview_t *v = tv(view);
	if (v->error) return v->error;
	local_t *l = get_local(v, id);
	if (l == NULL) return v->error;
	SVM_ASSERT(l->w.kind == 0 || l->w.kind == MV_VALUE || l->w.kind == MV_DELTA);
	const val_t *val;
	if (l->w.kind == MV_VALUE) {
		val = &l->w.v;
	} else if (l->w.kind == MV_DELTA) { /* own deltas over what the source holds */
		int rc = read_through(v, l);
		val_t sum;
		if (rc == 0)
			rc = exec_delta_apply(v->b, v->worker, l->k, &l->read, l->w.op, l->w.delta,
					      l->w.ref, l->w.fd, true, &sum);
		if (rc) {
			exec_fall_all(v->b, FALL_DELTA);
			return fail(v, SVM_EIO);
		}
		l->w = (write_t){.k = l->k, .kind = MV_VALUE, .v = sum};
		val = &l->w.v;
	} else {
		int rc = read_through(v, l);
		if (rc) return rc;
		val = &l->read;
	}
	if (val->bytes == NULL) return SVM_ENOTFOUND;
	*bytes = val->bytes;
	*len = val->len;
	return 0;
}

static int tv_put(svm_view_t *view, const svm_id_t *id, const uint8_t *bytes, size_t len)
{
	txview_t *v = tv(view);
	if (v->error) return v->error;
	local_t *l = get_local(v, id);
	if (l == NULL || journal(v, l)) return v->error;
	val_t val = {NULL, 0};
	if (bytes) {
		uint8_t *p = exec_value_alloc(v->b, v->worker, len ? len : 1, true);
		if (p == NULL) return fail(v, SVM_ENOMEM);
		memcpy(p, bytes, len);
		val = (val_t){p, len};
	}
	l->w = (write_t){.k = l->k, .kind = MV_VALUE, .v = val};
	return 0;
}

/* Read-add-write on what the transaction already sees: exact, overflow included. */
static int credit_rmw(txview_t *v, local_t *l, const val_t *seen, const bal_ref_t *ref,
		      uint64_t amount)
{
	val_t sum;
	int rc = exec_balance_add(v->b, v->worker, l->k, seen, amount, ref, true, &sum);
	if (rc) return rc == SVM_ENOMEM ? fail(v, rc) : rc;
	if (journal(v, l)) return v->error;
	l->w = (write_t){.k = l->k, .kind = MV_VALUE, .v = sum};
	return 0;
}

static int tv_credit(svm_view_t *view, const svm_id_t *id, const svm_id_t *token,
		     const svm_id_t *owner, uint64_t amount)
{
	txview_t *v = tv(view);
	if (v->error) return v->error;
	local_t *l = get_local(v, id);
	if (l == NULL) return v->error;
	bal_ref_t ref = {*token, *owner};
	if (l->w.kind == MV_VALUE) return credit_rmw(v, l, &l->w.v, &ref, amount);
	if (l->w.kind == MV_DELTA) {
		SVM_ASSERT(v->src == SRC_MV || l->k == v->dkey); /* deltas only where they commute */
		if (l->w.op != DELTA_CREDIT) { /* a credit over a supply delta: not commutative */
			exec_fall_all(v->b, FALL_DELTA);
			return fail(v, SVM_EIO);
		}
		if (journal(v, l)) return v->error;
		if (!svm_add_u64(l->w.delta, amount, &l->w.delta)) {
			exec_fall_all(v->b, FALL_DELTA);
			return fail(v, SVM_EIO);
		}
		return 0;
	}
	bool delta_ok = v->src == SRC_MV || (v->src == SRC_DAG && l->k == v->dkey);
	if (l->has_read || !delta_ok) {
		int rc = read_through(v, l);
		return rc ? rc : credit_rmw(v, l, &l->read, &ref, amount);
	}
	bal_ref_t *r = exec_scratch(v->b, v->worker, sizeof(*r));
	if (r == NULL) return fail(v, SVM_ENOMEM);
	*r = ref;
	if (journal(v, l)) return v->error;
	l->w = (write_t){.k = l->k, .kind = MV_DELTA, .delta = amount, .ref = r};
	return 0;
}

/* A burn's supply decrease, as a delta on the optimistic engine only: there every reader of
 * the token resolves the deltas below it, while the DAG orders the key's writers anyway (a
 * declared write is exclusive) and the committed source is the reference's order. A token
 * this transaction has already seen gets the ledger's own read-subtract-write (exact,
 * errors included). */
static int tv_retire(svm_view_t *view, const svm_id_t *id, uint64_t amount)
{
	txview_t *v = tv(view);
	if (v->error) return v->error;
	if (v->src != SRC_MV) return SVM_EUNSUPPORTED;
	local_t *l = get_local(v, id);
	if (l == NULL) return v->error;
	if (l->w.kind == MV_DELTA) {
		if (journal(v, l)) return v->error;
		/* a retire over a credit does not commute; a u64 of burns no supply covers */
		if (l->w.op != DELTA_RETIRE || !svm_add_u64(l->w.delta, amount, &l->w.delta)) {
			exec_fall_all(v->b, FALL_DELTA);
			return fail(v, SVM_EIO);
		}
		return 0;
	}
	if (l->w.kind == MV_VALUE || l->has_read) return SVM_EUNSUPPORTED;
	SVM_ASSERT(l->w.kind == 0 && amount > 0);
	if (journal(v, l)) return v->error;
	l->w = (write_t){.k = l->k, .kind = MV_DELTA, .op = DELTA_RETIRE, .delta = amount};
	return 0;
}

/* Counter updates of a record, as a delta on the optimistic engine only (as burns: the DAG
 * orders a declared write anyway). The additions are copied, and a second update of the key
 * by this transaction sums into a new copy, so the undo journal's earlier entry stays as it
 * was. A record this transaction has already seen gets the read-add-write. */
static int tv_record(svm_view_t *view, const svm_id_t *id, const int64_t *d, size_t n)
{
	txview_t *v = tv(view);
	if (v->error) return v->error;
	if (v->src != SRC_MV) return SVM_EUNSUPPORTED;
	SVM_ASSERT(n >= 1 && n <= SVM_RECORD_FIELDS_MAX);
	local_t *l = get_local(v, id);
	if (l == NULL) return v->error;
	if (l->w.kind == MV_VALUE || (l->w.kind == 0 && l->has_read)) return SVM_EUNSUPPORTED;
	const int64_t *fd;
	bool merge = l->w.kind == MV_DELTA;
	if (merge && (l->w.op != DELTA_RECORD || l->w.delta != n)) { /* does not commute */
		exec_fall_all(v->b, FALL_DELTA);
		return fail(v, SVM_EIO);
	}
	int rc = exec_record_sum(v->b, v->worker, d, merge ? l->w.fd : NULL, n, &fd);
	if (rc == SVM_EOVERFLOW) exec_fall_all(v->b, FALL_DELTA);
	if (rc) return fail(v, rc == SVM_ENOMEM ? rc : SVM_EIO);
	if (journal(v, l)) return v->error;
	l->w = (write_t){.k = l->k, .kind = MV_DELTA, .op = DELTA_RECORD, .delta = n, .fd = fd};
	return 0;
}

/* The value beneath the block's supply deltas, on the optimistic engine only (elsewhere, and
 * for an object this transaction has already seen, get: exact). Recorded as a read of that
 * entry (prd, validated by exec_mv_probe), so a failed burn's check that its token exists
 * does not depend on the burns below it. */
static int tv_probe(svm_view_t *view, const svm_id_t *id, const uint8_t **bytes, size_t *len)
{
	txview_t *v = tv(view);
	if (v->error) return v->error;
	if (v->src != SRC_MV) return tv_get(view, id, bytes, len);
	local_t *l = get_local(v, id);
	if (l == NULL) return v->error;
	if (l->w.kind != 0 || l->has_read) return tv_get(view, id, bytes, len);
	if (!l->has_probe) {
		mv_read_t r;
		int rc = exec_mv_probe(v->b, v->worker, l->k, v->tx, &r);
		if (rc) return fail(v, rc);
		read_t rd = {.k = l->k, .probe = true};
		val_t val = r.v;
		switch (r.kind) {
		case MVR_DEPENDENCY:
			SVM_ASSERT(r.tx < v->tx);
			v->wait_on = r.tx;
			return fail(v, SVM_EBUSY);
		case MVR_STORAGE:
			rd.kind = RD_STORAGE;
			rc = exec_key_committed(v->b, v->worker, l->k, &val);
			if (rc) return fail(v, rc);
			break;
		case MVR_VERSION:
			rd.kind = RD_VERSION;
			rd.tx = r.tx;
			rd.inc = r.inc;
			break;
		default: /* another kind of delta beneath: resolved exactly */
			rd.kind = RD_RESOLVED;
			rd.amount = r.amount;
			rd.rv = r.v;
		}
		l->prd = rd;
		l->probed = val;
		l->has_probe = true;
	}
	SVM_ASSERT(l->prd.probe && l->prd.k == l->k);
	if (l->probed.bytes == NULL) return SVM_ENOTFOUND;
	*bytes = l->probed.bytes;
	*len = l->probed.len;
	return 0;
}

static size_t tv_mark(exec_view_t *ev) { return ((txview_t *)ev)->undo_len; }

static void tv_rollback(exec_view_t *ev, size_t mark)
{
	txview_t *v = (txview_t *)ev;
	SVM_ASSERT(mark <= v->undo_len); /* a mark from this transaction, not yet rolled back */
	while (v->undo_len > mark) {
		undo_t *u = &v->undo[--v->undo_len];
		SVM_ASSERT(u->local < v->local_len);
		v->local[u->local].w = u->prev;
	}
}

static int tv_error(exec_view_t *ev) { return ((txview_t *)ev)->error; }

static size_t tv_vmark(svm_view_t *v) { return tv_mark((exec_view_t *)v); }
static void tv_vrollback(svm_view_t *v, size_t m) { tv_rollback((exec_view_t *)v, m); }
static const svm_view_ops_t ops_delta = {tv_get, tv_put, tv_credit, tv_vmark, tv_vrollback,
					 tv_retire, tv_record, tv_probe};
static const svm_view_ops_t ops_plain = {tv_get, tv_put, NULL, tv_vmark, tv_vrollback, NULL,
					 NULL, NULL};

void exec_txview_init(txview_t *v, exec_block_t *b, unsigned worker, uint8_t src)
{
	SVM_ASSERT(src == SRC_COMMITTED || src == SRC_DAG || src == SRC_MV);
	SVM_ASSERT(b->threads == 0 || worker < b->threads);
	memset(v, 0, sizeof(*v));
	/* The committed source runs the ledger's own read-add-write: exactly the reference. */
	v->ev.view.ops = src == SRC_COMMITTED ? &ops_plain : &ops_delta;
	v->ev.mark = tv_mark;
	v->ev.rollback = tv_rollback;
	v->ev.error = tv_error;
	v->b = b;
	v->worker = worker;
	v->src = src;
	v->wait_on = -1;
}

void exec_txview_free(txview_t *v)
{
	svm_free(v->local);
	svm_free(v->undo);
	v->local = NULL;
	v->undo = NULL;
}

void exec_txview_begin(txview_t *v, uint32_t tx, uint32_t inc, akey_t *dkey)
{
	SVM_ASSERT(dkey == NULL || v->src == SRC_DAG); /* credit-only keys are the DAG's */
	SVM_ASSERT(inc == 0 || v->src == SRC_MV);      /* only Block-STM re-executes */
	SVM_ASSERT(tx <= v->b->n);                      /* n: the block-end settlement */
	v->tx = tx;
	v->inc = inc;
	v->dkey = dkey;
	v->local_len = 0;
	v->undo_len = 0;
	v->error = 0;
	v->wait_on = -1;
}

/* DAG source: the committed value plus credits pending on it (never mutated by a reader). */
static int source_dag(txview_t *v, akey_t *k, val_t *out)
{
	int rc = exec_key_committed(v->b, v->worker, k, out);
	uint64_t pend;
	if (rc) return rc;
	if (!exec_pend_sum(v->b, k, &pend)) {
		exec_fall_all(v->b, FALL_DELTA);
		return SVM_EIO;
	}
	if (pend == 0) return 0;
	rc = exec_balance_add(v->b, v->worker, k, out, pend, atomic_load(&k->ref), false, out);
	if (rc && rc != SVM_ENOMEM) exec_fall_all(v->b, FALL_DELTA);
	return rc ? SVM_EIO : 0;
}

static int source_mv(txview_t *v, akey_t *k, val_t *out, read_t *rd)
{
	mv_read_t r;
	int rc = exec_mv_read(v->b, v->worker, k, v->tx, &r);
	if (rc) return rc;
	switch (r.kind) {
	case MVR_DEPENDENCY:
		SVM_ASSERT(r.tx < v->tx);
		v->wait_on = r.tx;
		return SVM_EBUSY;
	case MVR_STORAGE:
		rd->kind = RD_STORAGE;
		return exec_key_committed(v->b, v->worker, k, out);
	case MVR_VERSION:
		*rd = (read_t){.kind = RD_VERSION, .tx = r.tx, .inc = r.inc};
		*out = r.v;
		return 0;
	default:
		*rd = (read_t){.kind = RD_RESOLVED, .amount = r.amount, .rv = r.v};
		*out = r.v;
		return 0;
	}
}

int exec_txview_source(txview_t *v, akey_t *k, val_t *out, read_t *rd)
{
	memset(rd, 0, sizeof(*rd));
	switch (v->src) {
	case SRC_MV:
		return source_mv(v, k, out, rd);
	default: /* DAG; committed: the credits of a last DAG segment are still pending */
		rd->kind = RD_STORAGE;
		return source_dag(v, k, out);
	}
}

/* DAG and sequential: a written key is exclusive to this transaction (the conflict graph
 * ordered every other access to it), except credit-only keys, which take atomic deltas. */
int exec_txview_apply(txview_t *v)
{
	SVM_ASSERT(v->src != SRC_MV && v->error == 0); /* Block-STM publishes to its versions */
	for (size_t i = 0; i < v->local_len; i++) {
		local_t *l = &v->local[i];
		akey_t *k = l->k;
		if (l->w.kind == 0) continue;
		SVM_ASSERT(l->w.kind == MV_VALUE || (l->w.kind == MV_DELTA && k == v->dkey));
		SVM_ASSERT(l->w.kind != MV_DELTA || l->w.op == DELTA_CREDIT); /* retires: SRC_MV only */
		int rc = exec_key_written(v->b, v->worker, k, l->w.kind == MV_DELTA);
		if (rc) return rc;
		if (l->w.kind == MV_VALUE) {
			k->cur = l->w.v;
			k->cur_set = true;
			k->cur_out = true; /* allocated by exec_value_alloc in the result's memory */
			exec_pend_clear(v->b, k); /* the value read them: they are in it */
			continue;
		}
		SVM_ASSERT(l->w.ref != NULL);
		if (atomic_load_explicit(&k->ref, memory_order_relaxed) == NULL) {
			const bal_ref_t *none = NULL; /* any crediter's ref names the same balance */
			atomic_compare_exchange_strong(&k->ref, &none, l->w.ref);
		}
		bool first;
		rc = exec_pend_add(v->b, v->worker, k, l->w.delta, &first);
		if (rc == SVM_EOVERFLOW) {
			exec_fall_all(v->b, FALL_DELTA);
			rc = 0;
		}
		exec_worker_t *w = &v->b->w[v->worker];
		if (rc == 0 && first) rc = exec_key_list_push(&w->dkeys, &w->dkeys_len, &w->dkeys_cap, k);
		if (rc) return rc;
	}
	return 0;
}

/* svm_exec_block: splits the block into segments (runs of strict transactions for the
 * declared-access engine, the rest for the optimistic one), runs them in order over the
 * block's committed values, then settles the block and builds the receipts and the sorted
 * write set exactly as the reference does. Anything the engines cannot resolve exactly (a
 * credit overflowing, a full key table) sends the whole block to the reference. */
#include <stdlib.h>
#include <string.h>

#include "exec/aoem.h"

#define WORKER_SCRATCH_MAX (1024u << 20)
#define OUT_CHUNK 512

/* ------------------------------------------------------------ helpers */

/* A receipt with its events and return data copied to the result (r may be dst). */
static int copy_receipt(exec_block_t *b, unsigned w, const svm_receipt_t *r, svm_receipt_t *dst)
{
	if (dst != r) *dst = *r;
	if (r->events_len) {
		svm_event_t *ev = exec_out_alloc(b, w, r->events_len * sizeof(*ev));
		if (ev == NULL) return SVM_ENOMEM;
		for (uint32_t e = 0; e < r->events_len; e++) {
			ev[e] = r->events[e];
			uint8_t *p = exec_out_alloc(b, w, ev[e].topic_len + ev[e].data_len + 1);
			if (p == NULL) return SVM_ENOMEM;
			memcpy(p, ev[e].topic, ev[e].topic_len);
			memcpy(p + ev[e].topic_len, ev[e].data, ev[e].data_len);
			ev[e].topic = p;
			ev[e].data = p + ev[e].topic_len;
		}
		dst->events = ev;
	}
	if (r->return_data_len) {
		uint8_t *p = exec_out_alloc(b, w, r->return_data_len);
		if (p == NULL) return SVM_ENOMEM;
		memcpy(p, r->return_data, r->return_data_len);
		dst->return_data = p;
	}
	return 0;
}

int exec_run_one(exec_block_t *b, txview_t *v, size_t i, const svm_id_t implicit[2])
{
	exec_slot_t *s = &b->slot[i];
	uint64_t t0 = svm_clock_ns();
	s->rc = svm_exec_tx_run_(b->env, &v->ev, &b->w[v->worker].scratch, &b->txs[i], implicit,
				 &s->o);
	uint64_t dt = svm_clock_ns() - t0;
	s->latency_ns = v->src == SRC_MV ? s->latency_ns + dt : dt; /* every incarnation counts */
	s->final = false;
	/* Executed once (not optimistically): its events go to the result now, while in cache. */
	if (v->src != SRC_MV && s->rc == 0 && s->o.why == 0 && v->error == 0) {
		int rc = copy_receipt(b, v->worker, &s->o.receipt, &s->o.receipt);
		if (rc) return rc;
		s->final = true;
	}
	return 0;
}

int exec_seq_run(exec_block_t *b, size_t from, size_t to)
{
	txview_t v;
	exec_txview_init(&v, b, 0, SRC_COMMITTED);
	int rc = 0;
	for (size_t i = from; i < to && rc == 0 && !atomic_load(&b->fallback_all); i++) {
		exec_txview_begin(&v, (uint32_t)i, 0, NULL);
		exec_run_one(b, &v, i, NULL);
		if (v.error == 0) rc = exec_txview_apply(&v);
	}
	exec_txview_free(&v);
	b->seq_txs += to - from;
	return rc;
}

/* Length of the run of strict transactions starting at i, looking at max at most. */
static size_t strict_run(const exec_block_t *b, size_t i, size_t max)
{
	size_t r = i;
	while (r < b->n && r - i < max && exec_is_strict(&b->txs[r])) r++;
	return r - i;
}

/* Runs every segment; returns 0 or an engine error (allocation). */
static int run_segments(exec_block_t *b)
{
	size_t i = 0;
	int rc = 0;
	while (rc == 0 && i < b->n && !atomic_load(&b->fallback_all)) {
		const size_t min = SVM_EXEC_STRICT_RUN_MIN;
		size_t run = strict_run(b, i, min), end = i + run;
		if (run >= min) { /* the DAG finds where the run ends as it goes (no pass of its own) */
			rc = exec_dag_run(b, i, &end);
			b->dag_txs += end - i;
		} else {
			for (size_t r; end < b->n && (r = strict_run(b, end, min)) < min;) end += r ? r : 1;
			size_t stop = end;
			rc = exec_stm_run(b, i, end, &stop);
			b->stm_txs += stop - i;
			if (rc == 0 && stop < end) { /* the bound was hit: the rest runs sequentially */
				b->fallbacks++;
				b->seg++;
				rc = exec_seq_run(b, stop, b->n);
				end = b->n;
			}
		}
		b->segments++;
		b->seg++;
		i = end;
	}
	return rc;
}

/* ------------------------------------------------------------ results */

typedef struct {
	exec_block_t *b;
	svm_exec_result_t *out;
	size_t *pos; /* [n]: receipt position of each included transaction */
	_Atomic size_t next;
	atomic_int rc;
} copy_t;

static void copy_worker(void *arg, unsigned w)
{
	copy_t *c = arg;
	for (;;) {
		size_t start = atomic_fetch_add(&c->next, OUT_CHUNK);
		if (start >= c->b->n) return;
		size_t end = start + OUT_CHUNK < c->b->n ? start + OUT_CHUNK : c->b->n;
		for (size_t i = start; i < end; i++) {
			const exec_slot_t *s = &c->b->slot[i];
			if (s->o.why) continue;
			svm_receipt_t *dst = &c->out->receipts[c->pos[i]];
			if (s->final) {
				*dst = s->o.receipt; /* its bytes are already in the result */
				continue;
			}
			int rc = copy_receipt(c->b, w, &s->o.receipt, dst);
			if (rc) atomic_store(&c->rc, rc);
		}
	}
}

/* Receipts in block order; returns the first block-level error like the reference would. */
static int build_receipts(exec_block_t *b, svm_exec_result_t *out, size_t *bad_index,
			  uint64_t *burned, uint64_t *tips)
{
	size_t n = b->n;
	out->n = n;
	out->status = svm_arena_alloc(b->out_arena, (n ? n : 1) * sizeof(int));
	out->receipts = svm_arena_alloc(b->out_arena, (n ? n : 1) * sizeof(svm_receipt_t));
	out->index = svm_arena_alloc(b->out_arena, (n ? n : 1) * sizeof(size_t));
	size_t *pos = malloc((n ? n : 1) * sizeof(size_t));
	int rc = out->status && out->receipts && out->index && pos ? 0 : SVM_ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const exec_slot_t *s = &b->slot[i];
		if (s->rc) {
			rc = s->rc;
		} else if (s->o.why && b->mode == SVM_EXEC_APPLY) {
			if (bad_index) *bad_index = i;
			rc = s->o.why;
		} else if (s->o.why) {
			out->status[i] = s->o.why;
		} else {
			pos[i] = out->included;
			out->index[out->included++] = i;
			*burned += s->o.fee;
			*tips += s->o.tip;
		}
	}
	copy_t c = {.b = b, .out = out, .pos = pos};
	atomic_init(&c.next, 0);
	atomic_init(&c.rc, 0);
	if (rc == 0) rc = svm_par_run(b->threads, copy_worker, &c);
	if (rc == 0) rc = atomic_load(&c.rc);
	free(pos);
	return rc;
}

static int settle(exec_block_t *b, uint64_t burned, uint64_t tips)
{
	txview_t v;
	exec_txview_init(&v, b, 0, SRC_COMMITTED);
	exec_txview_begin(&v, (uint32_t)b->n, 0, NULL);
	int rc = svm_exec_settle_(b->env, &v.ev, &b->w[0].scratch, burned, tips);
	if (rc == 0) rc = exec_txview_apply(&v);
	exec_txview_free(&v);
	return rc;
}

/* A written key with its id's first 8 bytes as a big-endian number, so that most comparisons
 * of the sort do not touch the key record (order = memcmp order of the ids). */
typedef struct {
	uint64_t be;
	akey_t *k;
} skey_t;

static int cmp_skey(const void *a, const void *b)
{
	const skey_t *x = a, *y = b;
	if (x->be != y->be) return x->be < y->be ? -1 : 1;
	return memcmp(x->k->id.b, y->k->id.b, SVM_HASH_SIZE);
}

static int sort_written(exec_worker_t *wk)
{
	if (wk->written_len < 2) return 0;
	skey_t *v = malloc(wk->written_len * sizeof(*v));
	if (v == NULL) return SVM_ENOMEM;
	for (size_t i = 0; i < wk->written_len; i++) {
		const uint8_t *id = wk->written[i]->id.b;
		uint64_t be = 0;
		for (int j = 0; j < 8; j++) be = be << 8 | id[j];
		v[i] = (skey_t){be, wk->written[i]};
	}
	qsort(v, wk->written_len, sizeof(*v), cmp_skey);
	for (size_t i = 0; i < wk->written_len; i++) wk->written[i] = v[i].k;
	free(v);
	return 0;
}

typedef struct {
	exec_block_t *b;
	atomic_bool taken[SVM_POOL_THREADS_MAX]; /* list i is being or has been listed */
	atomic_int rc;
	svm_state_write_t **lists; /* [threads]: each worker list's writes, sorted */
	size_t *lens;
} wset_t;

/* A written key's value at block end: its committed value plus the credits a last DAG segment
 * left pending (folded here, in parallel, instead of in a pass of their own). */
static int final_value(exec_block_t *b, unsigned w, akey_t *key, val_t *out, bool *in_result)
{
	uint64_t pend;
	if (!exec_pend_sum(b, key, &pend)) {
		exec_fall_all(b, FALL_DELTA);
		return SVM_EIO;
	}
	if (pend == 0) {
		*out = key->cur;
		*in_result = key->cur_out;
		return 0;
	}
	val_t v;
	int rc = exec_key_committed(b, w, key, &v);
	if (rc == 0) rc = exec_balance_add(b, w, &v, pend, atomic_load(&key->ref), true, out);
	*in_result = true;
	if (rc && rc != SVM_ENOMEM) {
		exec_fall_all(b, FALL_DELTA);
		rc = SVM_EIO;
	}
	return rc;
}

/* One written list: final values (deletions of objects the base never had dropped), copied
 * to the caller's arena, sorted by id. */
static int list_writes(exec_block_t *b, unsigned w, unsigned list, wset_t *ws)
{
	exec_worker_t *wk = &b->w[list];
	int rc = sort_written(wk);
	if (rc) return rc;
	svm_state_write_t *out = exec_out_alloc(b, w, (wk->written_len + 1) * sizeof(*out));
	if (out == NULL) return SVM_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < wk->written_len; i++) {
		akey_t *key = wk->written[i];
		val_t base, cur;
		bool in_result;
		if ((rc = final_value(b, w, key, &cur, &in_result))) return rc;
		if (cur.bytes == NULL) {
			rc = exec_key_base(b, w, key, &base);
			if (rc) return rc;
			if (base.bytes == NULL) continue;
		}
		out[k] = (svm_state_write_t){.id = key->id, .bytes = cur.bytes, .len = cur.len};
		if (cur.bytes && !in_result) {
			uint8_t *p = exec_out_alloc(b, w, cur.len ? cur.len : 1);
			if (p == NULL) return SVM_ENOMEM;
			memcpy(p, cur.bytes, cur.len);
			out[k].bytes = p;
		}
		k++;
	}
	ws->lists[list] = out;
	ws->lens[list] = k;
	return 0;
}

/* Each worker takes its own list first (the keys it wrote are in its cache), then any left. */
static void writes_worker(void *arg, unsigned w)
{
	wset_t *ws = arg;
	for (unsigned i = 0; i < ws->b->threads; i++) {
		unsigned list = (w + i) % ws->b->threads;
		if (atomic_exchange(&ws->taken[list], true)) continue;
		int rc = list_writes(ws->b, w, list, ws);
		if (rc) atomic_store(&ws->rc, rc);
	}
}

/* Merges the workers' sorted lists (disjoint: a key is in one list) into out->writes. */
static int build_writes(exec_block_t *b, svm_exec_result_t *out)
{
	unsigned t = b->threads;
	svm_state_write_t *lists[SVM_POOL_THREADS_MAX];
	size_t lens[SVM_POOL_THREADS_MAX], at[SVM_POOL_THREADS_MAX] = {0}, total = 0;
	wset_t ws = {.b = b, .lists = lists, .lens = lens};
	for (unsigned i = 0; i < t; i++) atomic_init(&ws.taken[i], false);
	atomic_init(&ws.rc, 0);
	int rc = svm_par_run(t, writes_worker, &ws);
	if (rc == 0) rc = atomic_load(&ws.rc);
	for (unsigned i = 0; rc == 0 && i < t; i++) total += lens[i];
	if (rc == 0) out->writes = svm_arena_alloc(b->out_arena, (total ? total : 1) * sizeof(*out->writes));
	if (rc == 0 && out->writes == NULL) rc = SVM_ENOMEM;
	for (size_t k = 0; rc == 0 && k < total; k++) {
		unsigned best = t;
		for (unsigned i = 0; i < t; i++) {
			if (at[i] == lens[i]) continue;
			if (best == t || svm_hash_cmp(&lists[i][at[i]].id, &lists[best][at[best]].id) < 0)
				best = i;
		}
		out->writes[k] = lists[best][at[best]++];
	}
	out->writes_len = rc == 0 ? total : 0;
	return rc;
}

/* ------------------------------------------------------------ metrics */

/* The k-th smallest of v[0..n) (v is reordered): quickselect, iterative, median of three. */
static uint64_t select_kth(uint64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t a = v[lo], b = v[mid], c = v[hi];
		uint64_t pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		size_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot) i++;
			while (v[j] > pivot) j--;
			if (i <= j) {
				uint64_t t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0) break;
				j--;
			}
		}
		if (k <= j) hi = j;
		else if (k >= i) lo = i;
		else return v[k];
	}
	return v[k];
}

static void hot_insert(svm_exec_metrics_t *m, const akey_t *k, uint64_t c)
{
	unsigned i = m->hot_len < SVM_EXEC_HOT_KEYS ? m->hot_len++ : SVM_EXEC_HOT_KEYS - 1;
	if (i == SVM_EXEC_HOT_KEYS - 1 && m->hot_len == SVM_EXEC_HOT_KEYS && m->hot[i].conflicts >= c)
		return;
	for (; i > 0 && m->hot[i - 1].conflicts < c; i--) m->hot[i] = m->hot[i - 1];
	m->hot[i].id = k->id;
	m->hot[i].conflicts = c;
}

static void fill_metrics(exec_block_t *b, svm_exec_metrics_t *m)
{
	m->txs = b->n;
	m->dag_txs = b->dag_txs;
	m->stm_txs = b->stm_txs;
	m->seq_txs = b->seq_txs;
	m->segments = b->segments;
	m->aborts = atomic_load(&b->aborts);
	m->reexecutions = atomic_load(&b->reexecutions);
	m->waits = atomic_load(&b->waits);
	m->validations = atomic_load(&b->validations);
	m->fallbacks = b->fallbacks;
	for (unsigned w = 0; w < b->threads; w++)
		for (size_t i = 0; i < b->w[w].written_len; i++) {
			uint64_t c = atomic_load(&b->w[w].written[i]->conflicts);
			if (c) hot_insert(m, b->w[w].written[i], c);
		}
	uint64_t *lat = malloc((b->n ? b->n : 1) * sizeof(*lat));
	if (lat == NULL || b->n == 0) {
		free(lat);
		return;
	}
	for (size_t i = 0; i < b->n; i++) lat[i] = b->slot[i].latency_ns;
	m->tx_p50_ns = select_kth(lat, b->n, b->n / 2);
	m->tx_p99_ns = select_kth(lat, b->n, (b->n * 99) / 100 < b->n ? (b->n * 99) / 100 : b->n - 1);
	free(lat);
}

/* -------------------------------------------------------------- entry */

static int block_init(exec_block_t *b, unsigned threads)
{
	b->threads = threads;
	b->w = calloc(threads, sizeof(*b->w));
	b->slot = exec_buf(EXEC_BUF_SLOT, (b->n ? b->n : 1) * sizeof(*b->slot));
	if (b->w == NULL || b->slot == NULL) return SVM_ENOMEM; /* slots: set by exec_run_one */
	for (unsigned i = 0; i < threads; i++) svm_arena_init(&b->w[i].scratch, WORKER_SCRATCH_MAX);
	pthread_mutex_init(&b->out_mu, NULL);
	atomic_init(&b->fallback_all, 0);
	atomic_init(&b->aborts, 0);
	atomic_init(&b->reexecutions, 0);
	atomic_init(&b->validations, 0);
	atomic_init(&b->waits, 0);
	int rc = exec_keys_init(b);
	return rc;
}

/* Frees the engine's memory. Key records live in the worker arenas (their default mutexes
 * hold no resources); version arrays are freed when a segment is flushed, so only a block that
 * stopped early (fallback) still has some. */
static void block_free(exec_block_t *b)
{
	for (size_t i = 0; b->ktab && atomic_load(&b->fallback_all) && i < b->ktab_cap; i++) {
		akey_t *k = atomic_load(&b->ktab[i]);
		if (k) free(k->mv);
	}
	exec_keys_free(b);
	for (unsigned i = 0; b->w && i < b->threads; i++) {
		svm_arena_reset(&b->w[i].scratch);
		free(b->w[i].touched);
		free(b->w[i].written);
		free(b->w[i].dkeys);
	}
	free(b->w);
	pthread_mutex_destroy(&b->out_mu);
}

static int run_parallel(exec_block_t *b, svm_exec_result_t *out, size_t *bad_index)
{
	uint64_t burned = 0, tips = 0;
	int rc = run_segments(b);
	if (rc == 0 && !atomic_load(&b->fallback_all))
		rc = build_receipts(b, out, bad_index, &burned, &tips);
	if (rc == 0 && !atomic_load(&b->fallback_all)) rc = settle(b, burned, tips);
	if (rc == 0 && !atomic_load(&b->fallback_all)) rc = build_writes(b, out);
	out->burned = burned;
	out->tips = tips;
	return rc;
}

/* SVM_EXEC_SHORTCUT=0 keeps chain-like blocks on the parallel engines (tests). */
static bool shortcut_enabled(void)
{
	const char *e = getenv("SVM_EXEC_SHORTCUT");
	return e == NULL || strcmp(e, "0") != 0;
}

int svm_exec_block(const svm_block_env_t *env, const svm_exec_tx_t *txs, size_t n,
		   svm_exec_mode_t mode, const svm_exec_base_t *base, unsigned threads,
		   svm_arena_t *arena, svm_exec_result_t *out, size_t *bad_index,
		   svm_exec_metrics_t *metrics)
{
	uint64_t t0 = svm_clock_ns();
	if (metrics) memset(metrics, 0, sizeof(*metrics));
	if (threads == 0) threads = svm_cpu_count();
	if (threads > SVM_POOL_THREADS_MAX) threads = SVM_POOL_THREADS_MAX;
	int rc, fell = 0;
	bool chain = false;
	if (threads > 1 && n >= SVM_EXEC_PAR_TXS_MIN && shortcut_enabled())
		chain = exec_block_is_chain(env, txs, n, threads);
	if (threads <= 1 || n < SVM_EXEC_PAR_TXS_MIN || chain) {
		rc = svm_exec_sequential(env, txs, n, mode, base, arena, out, bad_index);
		if (metrics) {
			metrics->seq_txs = metrics->txs = n;
			metrics->chain = chain;
		}
	} else {
		exec_block_t b = {.env = env, .txs = txs, .n = n, .mode = mode, .base = base,
				  .out_arena = arena};
		memset(out, 0, sizeof(*out));
		rc = block_init(&b, threads);
		if (rc == 0) rc = run_parallel(&b, out, bad_index);
		fell = atomic_load(&b.fallback_all);
		if (metrics && b.w) fill_metrics(&b, metrics);
		block_free(&b);
		if (fell) { /* exact by definition: the reference executes the whole block */
			rc = svm_exec_sequential(env, txs, n, mode, base, arena, out, bad_index);
			if (metrics) {
				metrics->fallbacks = 1;
				metrics->fallback_reason = fell;
				metrics->seq_txs = n;
			}
		}
	}
	if (metrics) metrics->exec_ns = svm_clock_ns() - t0;
	return rc;
}

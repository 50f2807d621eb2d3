/* svm_exec_block: splits the block into segments (runs of strict transactions for the
 * declared-access engine, the rest for the optimistic one), runs them in order over the
 * block's committed values, then settles the block and builds the receipts and the sorted
 * write set exactly as the reference does. Anything the engines cannot resolve exactly (a
 * credit overflowing, a full key table) sends the whole block to the reference. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "exec/aoem.h"

#define WORKER_SCRATCH_MAX (1024u << 20)
#define OUT_CHUNK 512
#define SPLIT_TAIL_SEQ 64 /* what a partitioned pass left of its segment, under this, runs
			     sequentially (the engine's wake-up and bookkeeping cost more) */

/* ------------------------------------------------------------ helpers */

/* A receipt with its events and return data copied to the result (r may be dst). */
static int copy_receipt(exec_block_t *b, unsigned w, const svm_receipt_t *r, svm_receipt_t *dst)
{
	SVM_ASSERT(w < b->threads);
	SVM_ASSERT(r->events_len == 0 || r->events != NULL);
	SVM_ASSERT(r->return_data_len == 0 || r->return_data != NULL);
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
	SVM_ASSERT(i < b->n && v->worker < b->threads);
	SVM_ASSERT(v->tx == i); /* the view was begun for this transaction */
	exec_slot_t *s = &b->slot[i];
	uint64_t t0 = svm_clock_ns();
	s->rc = svm_exec_tx_run_(b->env, &v->ev, &b->w[v->worker].scratch, &b->txs[i], implicit,
				 &s->o);
	uint64_t dt = svm_clock_ns() - t0;
	s->latency_ns = v->src == SRC_MV ? s->latency_ns + dt : dt; /* every incarnation counts */
	s->final = false;
	SVM_ASSERT(s->rc <= 0 && s->o.why <= 0); /* error codes are negative */
	/* Its events go to the result now, on the worker that made them, while in cache. An
	 * optimistic incarnation's too: one that is executed again leaves its copy unused in the
	 * result's memory (bounded by the engine's re-execution budget). */
	if (s->rc == 0 && s->o.why == 0 && v->error == 0) {
		int rc = copy_receipt(b, v->worker, &s->o.receipt, &s->o.receipt);
		if (rc) return rc;
		s->final = true;
	}
	return 0;
}

int exec_seq_run(exec_block_t *b, size_t from, size_t to)
{
	SVM_ASSERT(from <= to && to <= b->n);
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
	SVM_ASSERT(r - i <= max && r <= b->n);
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
			/* deferred signatures: the optimistic engine needs final prechecks up front */
			rc = exec_verify_all(b);
			for (size_t r; end < b->n && (r = strict_run(b, end, min)) < min;) end += r ? r : 1;
			size_t stop = end, at = i;
			/* the block's first long segment: partitioned first (split.c); the engine runs
			 * what the pass did not keep, a short rest sequentially */
			if (rc == 0 && exec_split_wanted(b, i, end)) rc = exec_split_run(b, i, end, &at);
			b->stm_txs += at - i; /* kept by the pass (metrics: split_txs of stm_txs) */
			if (rc == 0 && at > i && end - at < SPLIT_TAIL_SEQ) {
				rc = exec_seq_run(b, at, end);
			} else if (rc == 0 && at < end) {
				rc = exec_stm_run(b, at, end, &stop);
				b->stm_txs += stop - at;
			}
			/* the bound was hit, or the segment is hot: the rest runs sequentially (on a hot
			 * block that is ~2 % fewer instructions than the reference running it all:
			 * docs/aoem.md, "Hot blocks") */
			if (rc == 0 && stop < end) {
				b->fallbacks++;
				b->seg++;
				rc = exec_seq_run(b, stop, b->n);
				end = b->n;
			}
		}
		SVM_ASSERT(rc != 0 || atomic_load(&b->fallback_all) || (end > i && end <= b->n));
		b->segments++;
		b->seg++;
		i = end;
	}
	SVM_ASSERT(b->seg >= b->segments); /* a segment number is never reused (seg_mark) */
	return rc;
}

/* ------------------------------------------------------------ results */

/* Receipts are built in one parallel pass over chunks of OUT_CHUNK transactions: each chunk
 * counts its included transactions, fees and tips, finds its first block-level error and
 * writes statuses, indexes and receipts as if every earlier chunk had included all its
 * transactions; a block that excluded some then moves the chunks down to their places. */
typedef struct {
	size_t included;  /* included transactions */
	size_t first_bad; /* lowest index with an engine error or (APPLY) an exclusion, or n */
	uint64_t burned, tips;
} rchunk_t;

typedef struct {
	exec_block_t *b;
	svm_exec_result_t *out;
	rchunk_t *ch;
	size_t chunks;
	_Atomic size_t next;
	atomic_int rc;
} copy_t;

static void receipts_worker(void *arg, unsigned w)
{
	copy_t *c = arg;
	exec_block_t *b = c->b;
	svm_exec_result_t *out = c->out;
	for (size_t k; (k = atomic_fetch_add(&c->next, 1)) < c->chunks;) {
		rchunk_t *ch = &c->ch[k];
		size_t end = (k + 1) * OUT_CHUNK < b->n ? (k + 1) * OUT_CHUNK : b->n;
		size_t pos = k * OUT_CHUNK; /* every earlier transaction included: moved down if not */
		*ch = (rchunk_t){.first_bad = b->n};
		for (size_t i = k * OUT_CHUNK; i < end; i++) {
			exec_slot_t *s = &b->slot[i];
			if (b->lat) b->lat[i] = s->latency_ns; /* for the metrics: the slot is in hand */
			if (s->rc || (s->o.why && b->mode == SVM_EXEC_APPLY)) {
				ch->first_bad = i; /* the block fails here: the rest is not needed */
				break;
			}
			if (s->o.why) {
				out->status[i] = s->o.why;
				continue;
			}
			ch->included++;
			ch->burned += s->o.fee;
			ch->tips += s->o.tip;
			out->index[pos] = i;
			svm_receipt_t *dst = &out->receipts[pos++];
			if (s->final) {
				*dst = s->o.receipt; /* its bytes are already in the result */
				continue;
			}
			int rc = copy_receipt(b, w, &s->o.receipt, dst);
			if (rc) atomic_store(&c->rc, rc);
		}
		SVM_ASSERT(ch->included <= end - k * OUT_CHUNK && pos == k * OUT_CHUNK + ch->included);
		SVM_ASSERT(ch->first_bad == b->n || (ch->first_bad >= k * OUT_CHUNK && ch->first_bad < end));
	}
}

/* Receipts in block order; returns the first block-level error like the reference would. */
static int build_receipts(exec_block_t *b, svm_exec_result_t *out, size_t *bad_index,
			  uint64_t *burned, uint64_t *tips)
{
	size_t n = b->n;
	out->n = n;
	out->status = svm_arena_alloc(b->out_arena, (n ? n : 1) * sizeof(int));
	out->receipts = svm_arena_alloc_raw(b->out_arena, (n ? n : 1) * sizeof(svm_receipt_t));
	out->index = svm_arena_alloc_raw(b->out_arena, (n ? n : 1) * sizeof(size_t));
	copy_t c = {.b = b, .out = out, .chunks = (n + OUT_CHUNK - 1) / OUT_CHUNK};
	c.ch = svm_malloc((c.chunks ? c.chunks : 1) * sizeof(*c.ch));
	b->lat = svm_malloc((n ? n : 1) * sizeof(*b->lat)); /* NULL: the metrics read the slots */
	atomic_init(&c.next, 0);
	atomic_init(&c.rc, 0);
	int rc = out->status && out->receipts && out->index && c.ch ? 0 : SVM_ENOMEM;
	/* one chunk is not worth waking the helpers for */
	if (rc == 0 && c.chunks > 1) rc = svm_par_run_any(b->threads, receipts_worker, &c);
	else if (rc == 0) receipts_worker(&c, 0);
	if (rc == 0) rc = atomic_load(&c.rc);
	for (size_t k = 0; rc == 0 && k < c.chunks; k++) {
		size_t i = c.ch[k].first_bad;
		if (i < n && b->slot[i].rc) {
			rc = b->slot[i].rc;
		} else if (i < n) {
			if (bad_index) *bad_index = i;
			rc = b->slot[i].o.why;
		}
		if (rc == 0 && out->included < k * OUT_CHUNK) { /* down to its place */
			memmove(&out->receipts[out->included], &out->receipts[k * OUT_CHUNK],
				c.ch[k].included * sizeof(*out->receipts));
			memmove(&out->index[out->included], &out->index[k * OUT_CHUNK],
				c.ch[k].included * sizeof(*out->index));
		}
		SVM_ASSERT(out->included <= k * OUT_CHUNK);
		out->included += c.ch[k].included;
		*burned += c.ch[k].burned;
		*tips += c.ch[k].tips;
	}
	SVM_ASSERT(rc != 0 || out->included <= n);
	svm_free(c.ch);
	if (rc) { /* a chunk stopped at its first error: its latencies are not all there */
		svm_free(b->lat);
		b->lat = NULL;
	}
	return rc;
}

static int settle(exec_block_t *b, svm_exec_result_t *out, uint64_t burned, uint64_t tips)
{
	txview_t v;
	exec_txview_init(&v, b, 0, SRC_COMMITTED);
	exec_txview_begin(&v, (uint32_t)b->n, 0, NULL);
	int rc = svm_exec_settle_(b->env, &v.ev, &b->w[0].scratch, b->txs, out->index, out->included,
				  burned, tips, b->out_arena, out);
	if (rc == 0) rc = exec_txview_apply(&v);
	exec_txview_free(&v);
	return rc;
}

/* ---------------------------------------------------------- write set
 *
 * Every written key is in exactly one worker's list (exec_key_written: the worker that marked
 * it first; in the optimistic engine the one that committed it, with the key's record and value
 * in its cache). Two parallel passes. First, each worker takes its own list (then any list
 * left), puts it in id order — a counting sort on the ids' top bits (ids are hashes) finished
 * by an insertion sort, qsort past a budget — gives each key its final value and writes the
 * list's writes, in order, to its scratch. Then the sorted lists are merged into the result in
 * parts of the id space claimed by whichever worker is free, each part's place in the result
 * found by binary searches of the lists. Any number of workers gives the same bytes.
 */

#define WS_MOVES_PER_KEY 8 /* insertion sort's budget per key before the list goes to qsort */
#define WS_PREFETCH_KEYS 4
#define WS_PARTS_PER_THREAD 4
#define WS_MERGE_PAR_MIN 2048 /* writes from which the merge runs on every worker */

static int cmp_wkey(const void *a, const void *b)
{
	const exec_wkey_t *x = a, *y = b;
	if (x->be != y->be) return x->be < y->be ? -1 : 1;
	return memcmp(x->k->id.b, y->k->id.b, SVM_HASH_SIZE);
}

/* Strictly ascending: sorted, and no id twice (a key is in one list, once). */
static bool keys_ascending(const exec_wkey_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (cmp_wkey(&v[i - 1], &v[i]) >= 0) return false;
	return true;
}

/* v in id order: insertion sort (linear on nearly sorted keys), qsort past a budget. */
static void sort_near(exec_wkey_t *v, size_t n)
{
	size_t moves = 0, budget = WS_MOVES_PER_KEY * n;
	for (size_t i = 1; i < n; i++) {
		exec_wkey_t x = v[i];
		size_t j = i;
		for (; j > 0 && cmp_wkey(&v[j - 1], &x) > 0; j--) v[j] = v[j - 1];
		v[j] = x;
		if ((moves += i - j) > budget) {
			qsort(v, n, sizeof(*v), cmp_wkey);
			break;
		}
	}
	SVM_ASSERT(keys_ascending(v, n));
}

/* Buckets for a counting sort of n hashes: a power of two, at least n (at least 2). */
static unsigned ws_bits(size_t n)
{
	unsigned bits = 1;
	while (bits < 32 && ((size_t)1 << bits) < n) bits++;
	return bits;
}

/* v in id order: a counting sort on the top bits into 2^bits buckets (stable, linear; tmp and
 * at[2^bits + 1] are its memory), which leaves hashes nearly sorted, then sort_near. */
static void sort_wkeys(exec_wkey_t *v, size_t n, exec_wkey_t *tmp, uint32_t *at, unsigned bits)
{
	SVM_ASSERT(bits >= 1 && bits <= 32 && n <= UINT32_MAX);
	if (n < 2) return;
	if (bits < 1 || bits > 32) { /* not from ws_bits (1..32): no buckets */
		sort_near(v, n);
		return;
	}
	size_t nb = (size_t)1 << bits, shift = 64 - bits;
	memset(at, 0, (nb + 1) * sizeof(*at));
	for (size_t i = 0; i < n; i++) at[(v[i].be >> shift) + 1]++;
	for (size_t j = 1; j <= nb; j++) at[j] += at[j - 1];
	SVM_ASSERT(at[nb] == n);
	for (size_t i = 0; i < n; i++) tmp[at[v[i].be >> shift]++] = v[i];
	memcpy(v, tmp, n * sizeof(*v));
	sort_near(v, n);
}

typedef struct {
	svm_state_write_t *w; /* the list's writes in id order */
	size_t len;
	exec_wkey_t *tmp; /* the sort's memory */
	uint32_t *at;
	unsigned bits;
	svm_exec_metrics_t hot; /* hot[] of the list's keys */
} ws_list_t;

typedef struct {
	exec_block_t *b;
	ws_list_t *l;                               /* [threads]: one per worker's list */
	atomic_bool claimed[SVM_POOL_THREADS_MAX]; /* [list] */
	size_t parts;
	_Atomic size_t next;
	atomic_int rc;
	svm_state_write_t *out; /* second pass: the block's write set */
	size_t total;           /* its length */
} wset_t;

/* Hottest first; equal counts in id order, so the list does not depend on insertion order. */
static bool hot_before(uint64_t c, const svm_id_t *id, uint64_t c2, const svm_id_t *id2)
{
	return c > c2 || (c == c2 && memcmp(id->b, id2->b, SVM_HASH_SIZE) < 0);
}

static void hot_insert(svm_exec_metrics_t *m, const svm_id_t *id, uint64_t c)
{
	SVM_ASSERT(m->hot_len <= SVM_EXEC_HOT_KEYS && c > 0);
	unsigned i = m->hot_len;
	if (i == SVM_EXEC_HOT_KEYS) {
		if (!hot_before(c, id, m->hot[i - 1].conflicts, &m->hot[i - 1].id)) return;
		i--; /* the last one drops out */
	} else {
		m->hot_len++;
	}
	for (; i > 0 && hot_before(c, id, m->hot[i - 1].conflicts, &m->hot[i - 1].id); i--)
		m->hot[i] = m->hot[i - 1];
	m->hot[i].id = *id;
	m->hot[i].conflicts = c;
	SVM_ASSERT(i == 0 || m->hot[i - 1].conflicts >= c); /* hottest first */
}

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
	if (rc == 0) rc = exec_balance_add(b, w, key, &v, pend, atomic_load(&key->ref), true, out);
	*in_result = true;
	if (rc && rc != SVM_ENOMEM) {
		exec_fall_all(b, FALL_DELTA);
		rc = SVM_EIO;
	}
	return rc;
}

/* List l's writes in id order with their final values (deletions of objects the base never had
 * dropped; bytes in the result's memory), and its hottest keys. */
static int list_writes(wset_t *ws, unsigned w, unsigned l)
{
	exec_block_t *b = ws->b;
	exec_wkey_t *v = b->w[l].wkeys;
	size_t n = b->w[l].wkeys_len;
	ws_list_t *list = &ws->l[l];
	sort_wkeys(v, n, list->tmp, list->at, list->bits);
	svm_state_write_t *out = list->w;
	size_t k = 0;
	int rc;
	for (size_t i = 0; i < n; i++) {
		akey_t *key = v[i].k;
		if (i + WS_PREFETCH_KEYS < n) { /* the record and value a few keys ahead */
			const akey_t *ahead = v[i + WS_PREFETCH_KEYS].k;
			__builtin_prefetch(ahead->cur_set ? ahead->cur.bytes : ahead->base.bytes);
			__builtin_prefetch(v[i + 2 * WS_PREFETCH_KEYS < n ? i + 2 * WS_PREFETCH_KEYS : i].k);
		}
		uint64_t c = atomic_load_explicit(&key->conflicts, memory_order_relaxed);
		if (c) hot_insert(&list->hot, &key->id, c);
		val_t base, cur;
		bool in_result;
		if ((rc = final_value(b, w, key, &cur, &in_result))) return rc;
		if (cur.bytes == NULL) {
			rc = exec_key_base(b, w, key, &base);
			if (rc) return rc;
			if (base.bytes == NULL) continue;
		}
		SVM_ASSERT(k <= i);
		SVM_ASSERT(k == 0 || memcmp(out[k - 1].id.b, key->id.b, SVM_HASH_SIZE) < 0);
		out[k] = (svm_state_write_t){.id = key->id, .bytes = cur.bytes, .len = cur.len};
		if (cur.bytes && !in_result) {
			uint8_t *p = exec_out_alloc(b, w, cur.len ? cur.len : 1);
			if (p == NULL) return SVM_ENOMEM;
			memcpy(p, cur.bytes, cur.len);
			out[k].bytes = p;
		}
		k++;
	}
	list->len = k;
	return 0;
}

/* Each worker sorts and values its own list first (its keys, in its cache), then any left. */
static void list_worker(void *arg, unsigned w)
{
	wset_t *ws = arg;
	const exec_block_t *b = ws->b;
	SVM_ASSERT(w < b->threads && b->threads <= SVM_POOL_THREADS_MAX);
	for (unsigned i = 0; i < b->threads && !atomic_load(&ws->rc); i++) {
		unsigned l = (w + i) % b->threads;
		if (atomic_load_explicit(&ws->claimed[l], memory_order_relaxed) ||
		    atomic_exchange(&ws->claimed[l], true))
			continue;
		int rc = list_writes(ws, w, l);
		if (rc) atomic_store(&ws->rc, rc);
	}
}

/* The first write of l at or after ids whose first 8 bytes are lo (l's length when none). */
static size_t lower_be(const ws_list_t *l, uint64_t lo)
{
	size_t a = 0, z = l->len;
	while (a < z) {
		size_t m = a + (z - a) / 2;
		if (svm_get_u64be(l->w[m].id.b) < lo) a = m + 1;
		else z = m;
	}
	return a;
}

/* The id space's part p of ws->parts: ids whose first 8 bytes are in [part_lo(p), part_lo(p+1)). */
static uint64_t part_lo(const wset_t *ws, size_t p)
{
	SVM_ASSERT(p < ws->parts);
	return (uint64_t)(((unsigned __int128)p << 64) / ws->parts);
}

/* Merges part p of every list into the result; its place there is the number of writes of
 * every list below the part. Heads are compared by their ids' first 8 bytes, whole ids on a tie. */
static void merge_part(wset_t *ws, size_t p)
{
	unsigned t = ws->b->threads;
	size_t at[SVM_POOL_THREADS_MAX], end[SVM_POOL_THREADS_MAX], pos = 0;
	uint64_t head[SVM_POOL_THREADS_MAX]; /* the first 8 bytes of list l's next write's id */
	for (unsigned l = 0; l < t; l++) {
		const ws_list_t *list = &ws->l[l];
		at[l] = lower_be(list, part_lo(ws, p));
		end[l] = p + 1 < ws->parts ? lower_be(list, part_lo(ws, p + 1)) : list->len;
		SVM_ASSERT(at[l] <= end[l] && end[l] <= list->len);
		head[l] = at[l] < end[l] ? svm_get_u64be(list->w[at[l]].id.b) : 0;
		pos += at[l];
	}
	size_t first = pos;
	for (;;) {
		unsigned best = t;
		for (unsigned l = 0; l < t; l++) {
			if (at[l] == end[l]) continue;
			if (best == t || head[l] < head[best] ||
			    (head[l] == head[best] && memcmp(ws->l[l].w[at[l]].id.b,
							     ws->l[best].w[at[best]].id.b, SVM_HASH_SIZE) < 0))
				best = l;
		}
		if (best == t) break;
		const ws_list_t *list = &ws->l[best];
		ws->out[pos++] = list->w[at[best]++];
		if (at[best] < end[best]) head[best] = svm_get_u64be(list->w[at[best]].id.b);
	}
	/* the part filled exactly its place: the next part starts where its lists' writes do */
	SVM_ASSERT(first <= pos && pos <= ws->total);
}

static void merge_worker(void *arg, unsigned w)
{
	wset_t *ws = arg;
	for (size_t p; (p = atomic_fetch_add(&ws->next, 1)) < ws->parts;) merge_part(ws, p);
}

/* The write set's order: strictly ascending ids. */
static bool writes_ascending(const svm_state_write_t *w, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (memcmp(w[i - 1].id.b, w[i].id.b, SVM_HASH_SIZE) >= 0) return false;
	return true;
}

/* The block's write set, sorted by id, and its hottest keys into b->hot. */
static int build_writes(exec_block_t *b, svm_exec_result_t *out)
{
	wset_t ws = {.b = b, .parts = (size_t)b->threads * WS_PARTS_PER_THREAD};
	SVM_ASSERT(b->threads >= 1 && b->threads <= SVM_POOL_THREADS_MAX); /* ws.claimed[] */
	ws.l = svm_calloc(b->threads, sizeof(*ws.l));
	for (unsigned l = 0; l < b->threads; l++) atomic_init(&ws.claimed[l], false);
	atomic_init(&ws.next, 0);
	atomic_init(&ws.rc, 0);
	/* the lists' memory in one buffer the thread keeps (scratch would grow a fresh chunk of
	 * pages to fault in every block) */
	size_t bytes = 0;
	for (unsigned l = 0; ws.l && l < b->threads; l++) {
		size_t n = b->w[l].wkeys_len;
		ws.l[l].bits = ws_bits(n);
		bytes += n * (sizeof(svm_state_write_t) + sizeof(exec_wkey_t));
		bytes += (((size_t)1 << ws.l[l].bits) + 1) * sizeof(uint32_t) + 16;
	}
	uint8_t *mem = ws.l ? exec_buf(EXEC_BUF_WSET, bytes ? bytes : 1) : NULL;
	for (unsigned l = 0; mem && l < b->threads; l++) {
		size_t n = b->w[l].wkeys_len;
		ws.l[l].w = (svm_state_write_t *)mem;
		mem += n * sizeof(svm_state_write_t);
		ws.l[l].tmp = (exec_wkey_t *)mem;
		mem += n * sizeof(exec_wkey_t);
		ws.l[l].at = (uint32_t *)mem;
		mem += ((((size_t)1 << ws.l[l].bits) + 1) * sizeof(uint32_t) + 15) & ~(size_t)15;
		SVM_ASSERT(((uintptr_t)mem & 15) == 0); /* each list's slices 16-byte aligned */
	}
	int rc = mem ? svm_par_run_any(b->threads, list_worker, &ws) : SVM_ENOMEM;
	if (rc == 0) rc = atomic_load(&ws.rc);
	size_t total = 0;
	for (unsigned l = 0; rc == 0 && l < b->threads; l++) {
		SVM_ASSERT(ws.l[l].len <= b->w[l].wkeys_len); /* deletions of nothing dropped */
		total += ws.l[l].len;
		for (unsigned h = 0; h < ws.l[l].hot.hot_len; h++)
			hot_insert(&b->hot, &ws.l[l].hot.hot[h].id, ws.l[l].hot.hot[h].conflicts);
	}
	b->hot_done = rc == 0;
	if (rc == 0) ws.out = svm_arena_alloc(b->out_arena, (total ? total : 1) * sizeof(*ws.out));
	if (rc == 0 && ws.out == NULL) rc = SVM_ENOMEM;
	ws.total = total;
	if (rc == 0 && total >= WS_MERGE_PAR_MIN) rc = svm_par_run_any(b->threads, merge_worker, &ws);
	else if (rc == 0) merge_worker(&ws, 0);
	out->writes = rc == 0 ? ws.out : NULL;
	out->writes_len = rc == 0 ? total : 0;
	SVM_ASSERT(rc != 0 || writes_ascending(out->writes, out->writes_len));
	svm_free(ws.l);
	return rc;
}

/* ------------------------------------------------------------ metrics */

/* The k-th smallest of v[0..n) (v is reordered): quickselect, iterative, median of three. */
static uint64_t select_kth(uint64_t *v, size_t n, size_t k)
{
	SVM_ASSERT(n > 0 && k < n);
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		SVM_ASSERT(lo <= k && k <= hi && hi < n);
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
	for (unsigned w = 0; w < b->threads; w++)
		m->validations += atomic_load_explicit(&b->w[w].validations, memory_order_relaxed);
	m->fallbacks = b->fallbacks;
	m->hot_stop = b->stm_hot;
	m->split_chunks = b->split_chunks;
	m->split_accepted = b->split_acc; /* one pass a block: its kept chunks */
	m->split_conflicts = b->split_conflicts;
	m->split_txs = b->split_txs;
	if (b->hot_done) { /* gathered with the write set */
		memcpy(m->hot, b->hot.hot, sizeof(m->hot));
		m->hot_len = b->hot.hot_len;
	} else { /* the block stopped early: the table is scanned here */
		for (size_t i = 0; b->ktab && i < b->ktab_cap; i++) {
			akey_t *k = atomic_load(&b->ktab[i]);
			uint64_t c = k && atomic_load(&k->written) ? atomic_load(&k->conflicts) : 0;
			if (c) hot_insert(m, &k->id, c);
		}
	}
	uint64_t *lat = b->lat; /* gathered with the receipts, else read from the slots here */
	if (lat == NULL && (lat = svm_malloc((b->n ? b->n : 1) * sizeof(*lat))) != NULL)
		for (size_t i = 0; i < b->n; i++) lat[i] = b->slot[i].latency_ns;
	b->lat = lat; /* freed with the block */
	if (lat == NULL || b->n == 0) return;
	m->tx_p50_ns = select_kth(lat, b->n, b->n / 2);
	m->tx_p99_ns = select_kth(lat, b->n, (b->n * 99) / 100 < b->n ? (b->n * 99) / 100 : b->n - 1);
}

/* -------------------------------------------------------------- entry */

static int block_init(exec_block_t *b, unsigned threads)
{
	SVM_ASSERT(threads >= 2 && threads <= SVM_POOL_THREADS_MAX);
	b->threads = threads;
	b->w = svm_big_alloc(threads * sizeof(*b->w)); /* 64-byte aligned: a line per worker */
	if (b->w) memset(b->w, 0, threads * sizeof(*b->w));
	b->slot = exec_buf(EXEC_BUF_SLOT, (b->n ? b->n : 1) * sizeof(*b->slot));
	if (b->w == NULL || b->slot == NULL) return SVM_ENOMEM; /* slots: set by exec_run_one */
	exec_scratch_take(b->w, threads, WORKER_SCRATCH_MAX);
	pthread_mutex_init(&b->out_mu, NULL);
	atomic_init(&b->fallback_all, 0);
	atomic_init(&b->aborts, 0);
	atomic_init(&b->reexecutions, 0);
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
		if (k) exec_mv_free(k);
	}
	exec_keys_free(b);
	exec_split_free(b);
	if (b->w) exec_scratch_keep(b->w, b->threads);
	for (unsigned i = 0; b->w && i < b->threads; i++) {
		svm_free(b->w[i].touched);
		svm_free(b->w[i].dkeys);
		svm_free(b->w[i].wkeys);
	}
	svm_free(b->lat);
	svm_big_free(b->w, b->threads * sizeof(*b->w));
	pthread_mutex_destroy(&b->out_mu);
}

static int run_parallel(exec_block_t *b, svm_exec_result_t *out, size_t *bad_index)
{
	uint64_t burned = 0, tips = 0, t0 = svm_clock_ns(), t1;
	int rc = run_segments(b);
	t1 = svm_clock_ns();
	b->phase_ns[SVM_EXEC_PH_RUN] = t1 - t0 - b->phase_ns[SVM_EXEC_PH_COMMIT];
	if (rc == 0 && !atomic_load(&b->fallback_all))
		rc = build_receipts(b, out, bad_index, &burned, &tips);
	t0 = svm_clock_ns();
	b->phase_ns[SVM_EXEC_PH_RECEIPTS] = t0 - t1;
	if (rc == 0 && !atomic_load(&b->fallback_all)) rc = settle(b, out, burned, tips);
	t1 = svm_clock_ns();
	b->phase_ns[SVM_EXEC_PH_SETTLE] = t1 - t0;
	if (rc == 0 && !atomic_load(&b->fallback_all)) rc = build_writes(b, out);
	b->phase_ns[SVM_EXEC_PH_WRITES] = svm_clock_ns() - t1;
	out->burned = burned;
	out->tips = tips;
	return rc;
}

/* SVM_EXEC_SHORTCUT=0 keeps chain-like and small blocks on the parallel engines (tests). */
static bool shortcut_enabled(void)
{
	const char *e = getenv("SVM_EXEC_SHORTCUT");
	return e == NULL || strcmp(e, "0") != 0;
}

/* The small-block threshold: SVM_EXEC_WORK_MIN_US if set (a decimal ≤ 10^9; 0 turns the rule
 * off), else SVM_EXEC_PAR_WORK_MIN_US. */
static uint64_t work_min_us(void)
{
	const char *e = getenv("SVM_EXEC_WORK_MIN_US");
	if (e == NULL || *e == 0) return SVM_EXEC_PAR_WORK_MIN_US;
	char *end;
	unsigned long long v = strtoull(e, &end, 10);
	return *end == 0 && v <= 1000000000ull ? (uint64_t)v : SVM_EXEC_PAR_WORK_MIN_US;
}

int exec_block_run(const svm_block_env_t *env, svm_exec_tx_t *txs, const uint8_t *pending,
		   size_t n, svm_exec_mode_t mode, const svm_exec_base_t *base, unsigned threads,
		   svm_arena_t *arena, svm_exec_result_t *out, size_t *bad_index,
		   svm_exec_metrics_t *metrics)
{
	uint64_t t0 = svm_clock_ns();
	exec_heap_keep();
	if (metrics) memset(metrics, 0, sizeof(*metrics));
	if (threads == 0) threads = svm_cpu_count();
	if (threads > SVM_POOL_THREADS_MAX) threads = SVM_POOL_THREADS_MAX;
	exec_block_t b = {.env = env, .txs = txs, .n = n, .mode = mode, .base = base,
			  .out_arena = arena, .threads = threads};
	int rc = pending ? exec_verify_init(&b, txs, pending) : 0, fell = 0;
	bool chain = false, small = false;
	uint64_t work_us = 0;
	if (threads > 1 && n >= SVM_EXEC_PAR_TXS_MIN && shortcut_enabled()) {
		/* the cheaper look first: a small block needs no chain check */
		work_us = exec_block_work_us(txs, pending, n);
		small = work_us < work_min_us();
		chain = !small && exec_block_is_chain(env, txs, n, threads);
	}
	if (rc == 0 && (threads <= 1 || n < SVM_EXEC_PAR_TXS_MIN || chain || small)) {
		rc = exec_verify_all(&b);
		if (rc == 0) rc = svm_exec_sequential(env, txs, n, mode, base, arena, out, bad_index);
		if (metrics) {
			metrics->seq_txs = metrics->txs = n;
			metrics->chain = chain;
			metrics->small = small;
			metrics->work_us = work_us;
		}
	} else if (rc == 0) {
		memset(out, 0, sizeof(*out));
		uint64_t t1 = svm_clock_ns();
		rc = block_init(&b, threads);
		b.phase_ns[SVM_EXEC_PH_INIT] = svm_clock_ns() - t1;
		if (rc == 0) rc = run_parallel(&b, out, bad_index);
		fell = atomic_load(&b.fallback_all);
		t1 = svm_clock_ns();
		if (metrics && b.w) fill_metrics(&b, metrics);
		if (metrics) metrics->work_us = work_us;
		block_free(&b);
		if (metrics) {
			b.phase_ns[SVM_EXEC_PH_FREE] = svm_clock_ns() - t1;
			memcpy(metrics->phase_ns, b.phase_ns, sizeof(metrics->phase_ns));
		}
		if (fell) { /* exact by definition: the reference executes the whole block */
			rc = exec_verify_all(&b);
			if (rc == 0) rc = svm_exec_sequential(env, txs, n, mode, base, arena, out, bad_index);
			if (metrics) {
				metrics->fallbacks = 1;
				metrics->fallback_reason = fell;
				metrics->seq_txs = n;
			}
		}
	}
	exec_verify_free(&b);
	if (metrics) metrics->exec_ns = svm_clock_ns() - t0;
	return rc;
}

int svm_exec_block(const svm_block_env_t *env, const svm_exec_tx_t *txs, size_t n,
		   svm_exec_mode_t mode, const svm_exec_base_t *base, unsigned threads,
		   svm_arena_t *arena, svm_exec_result_t *out, size_t *bad_index,
		   svm_exec_metrics_t *metrics)
{
	/* nothing is deferred, so nothing is written through the array */
	return exec_block_run(env, (svm_exec_tx_t *)txs, NULL, n, mode, base, threads, arena, out,
			      bad_index, metrics);
}

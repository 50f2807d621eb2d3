/* The partitioned first pass of the block's first optimistic segment (docs/aoem.md,
 * "Partitioned first pass").
 *
 * On two cores a transaction of the optimistic engine costs ~0.9 µs more than on one, mostly in
 * the shared key table: each transaction inserts a few new keys at random slots whose lines the
 * other core wrote last. So a long enough segment first runs cut into contiguous chunks: worker
 * 0 runs chunk 0 on the committed values exactly as the sequential runner does (final: nothing
 * speculative); every other chunk runs one transaction after another over the block's base
 * values and its own earlier writes, with a key table, records and memory of its own, so no
 * line is shared while it runs. A worker that has finished takes the upper half of the largest
 * remainder as a new chunk (or a chunk nobody started, whole). Each chunk notes the ids it
 * touched in a Bloom filter. Then, in block order, a chunk is kept iff every chunk before it
 * was kept whole and no key is touched by it and by an earlier chunk while written by either (a
 * read of a key an earlier chunk wrote would have seen another value; a write to a key an
 * earlier chunk touched would leave two records of one id): a kept chunk computed exactly what
 * the reference computes after the chunks before it. The first chunk not kept and everything
 * after it go to the engines, over the kept chunks' values; the kept chunks' tables stay
 * reachable through exec_key (exec_split_layered), so nothing is copied on success. A chunk
 * that meets chunk 0's writes while both run stops the pass (probe), so a conflicting block
 * goes to the engine early. */
#include <stdlib.h>
#include <string.h>

#include "exec/aoem.h"

#define SPLIT_TXS_MIN 256           /* transactions from which a segment is partitioned */
#define SPLIT_BLOOM_BITS_PER_SLOT 4 /* a chunk's filter: 4 bits per slot of its table, in 64-bit
				       words, 3 bits of one word per id (a table is sized for 8 or
				       32 keys a transaction: ~4,500 keys of 1,000 ERC-20 transfers
				       in 2,048 words, ~0.1 % false positives) */
#define SPLIT_LOAD_NUM 7            /* a private table is full at 7/10: its chunk stops there */
#define SPLIT_LOAD_DEN 10
#define SPLIT_KEYS_MIN 4096      /* slots of a private table, at least */
#define SPLIT_STEAL_MIN 32       /* a worker that has run out takes the upper half of the largest
				    remainder of at least twice this */
#define SPLIT_PARTS_PER_THREAD 3 /* chunks a pass may have: the threads' plus the stolen ones */
#define SPLIT_PROBE_FIRST 16     /* a speculative chunk looks at chunk 0 after 16, 32, 64, ...
				    of its transactions, */
#define SPLIT_PROBE_KEYS 256     /* at the keys it touched since the last look, the latest
				    256 at most */

bool exec_split_unchecked;

/* A chunk. Its range is [from, limit): the worker that runs it (owner) takes transactions at
 * the cursor, a thief lowers the limit; both in ctl, (limit - from) << 32 | (cursor - from),
 * changed by compare-and-swap, on a line of its own (only the owner writes it per
 * transaction). The rest is the owner's, read by others after the pass. */
struct split_part {
	_Alignas(64) _Atomic uint64_t ctl;
	size_t from;
	atomic_int owner; /* the worker running it, -1 while unclaimed */
	atomic_bool live; /* set up (a stolen chunk: published after its fields) */
	bool main;        /* chunk 0: the block's table, executed for good */
	akey_t **tab;     /* a speculative chunk's private table (home slot: top bits) */
	size_t cap, len;
	unsigned shift;
	exec_wkey_t *keys; /* its records in the order first touched (be: id_h) */
	size_t keys_len, keys_cap;
	_Atomic uint64_t *bloom; /* the ids it touched (chunk 0: the block's table's) */
	unsigned bloom_lg;       /* 2^bloom_lg words */
	size_t end;              /* [from, end) executed and applied, once done */
	size_t limit;            /* its final limit, once done */
	size_t wk_from, wk_to;   /* its written keys in its owner's wkeys list */
	unsigned pos;            /* its place in block order, after the run */
	bool done, conflict;     /* conflict: not kept (a sure conflict, or i's writes half applied) */
	atomic_bool checking;    /* its check is some worker's */
};

typedef struct {
	exec_block_t *b;
	split_part_t *p;       /* [max] */
	unsigned max;          /* chunks at most */
	_Atomic unsigned used; /* chunks handed out (the threads' first) */
	atomic_bool abort;     /* a speculative chunk met chunk 0's writes (probe): all stop */
	uint8_t *mem;          /* the private tables' and filters' memory */
	size_t mem_len;
	_Atomic size_t mem_at;
	atomic_int rc;
	/* the check: chunks in block order, the ones that may be kept checked in parallel */
	split_part_t **order;
	unsigned keepable;
} pass_t;

/* The filters are blocked: an id's three bits are in one 64-bit word, all taken from h, its
 * first 8 bytes as stored (ids are hashes), so a test is one load and the keys' lists hold h
 * beside each record (the check reads no record but on a hit). */
static inline uint64_t id_h(const svm_id_t *id)
{
	uint64_t h;
	memcpy(&h, id->b, 8);
	return h;
}

static inline uint64_t bloom_bits(uint64_t h)
{
	return (uint64_t)1 << (h & 63) | (uint64_t)1 << (h >> 6 & 63) | (uint64_t)1 << (h >> 12 & 63);
}

static void bloom_add(split_part_t *p, uint64_t h)
{
	SVM_ASSERT(p->bloom_lg >= 1 && p->bloom_lg < 64 && p->bloom != NULL);
	_Atomic uint64_t *w = &p->bloom[h >> (64 - p->bloom_lg)];
	uint64_t old = atomic_load_explicit(w, memory_order_relaxed), bits = bloom_bits(h);
	/* only the chunk's worker writes its filter: no read-modify-write needed */
	if ((old & bits) != bits) atomic_store_explicit(w, old | bits, memory_order_relaxed);
}

static bool bloom_has(const split_part_t *p, uint64_t h)
{
	SVM_ASSERT(p->bloom_lg >= 1 && p->bloom_lg < 64 && p->bloom != NULL);
	uint64_t bits = bloom_bits(h);
	return (atomic_load_explicit(&p->bloom[h >> (64 - p->bloom_lg)], memory_order_relaxed) & bits) == bits;
}

/* ------------------------------------------------------------ private tables */

static akey_t *split_find(const split_part_t *p, const svm_id_t *id)
{
	SVM_ASSERT(!p->main && p->cap >= SPLIT_KEYS_MIN && (p->cap & (p->cap - 1)) == 0);
	size_t mask = p->cap - 1, i = (size_t)(svm_get_u64be(id->b) >> p->shift);
	for (size_t probes = 0; probes < p->cap; probes++, i = (i + 1) & mask) {
		akey_t *k = p->tab[i];
		if (k == NULL || svm_hash_eq(&k->id, id)) return k;
	}
	return NULL;
}

akey_t *exec_split_key(exec_block_t *b, split_part_t *p, unsigned worker, const svm_id_t *id)
{
	SVM_ASSERT(!p->main && p->tab != NULL && worker < b->threads);
	size_t mask = p->cap - 1, i = (size_t)(svm_get_u64be(id->b) >> p->shift);
	for (size_t probes = 0; probes < p->cap; probes++, i = (i + 1) & mask) {
		akey_t *k = p->tab[i];
		if (k != NULL) {
			if (svm_hash_eq(&k->id, id)) return k;
			continue;
		}
		SVM_ASSERT(p->len * SPLIT_LOAD_DEN <= p->cap * SPLIT_LOAD_NUM); /* the bound below held */
		if ((p->len + 1) * SPLIT_LOAD_DEN > p->cap * SPLIT_LOAD_NUM) return NULL;
		if ((k = exec_key_new(b, worker, id)) == NULL) return NULL;
		if (p->keys_len == p->keys_cap) {
			size_t c = p->keys_cap ? 2 * p->keys_cap : 1024;
			exec_wkey_t *l = svm_realloc(p->keys, c * sizeof(*l));
			if (l == NULL) return NULL;
			p->keys = l;
			p->keys_cap = c;
		}
		uint64_t h = id_h(id);
		p->keys[p->keys_len++] = (exec_wkey_t){h, k};
		p->tab[i] = k;
		p->len++;
		bloom_add(p, h);
		SVM_ASSERT(p->keys_len == p->len); /* every record listed once */
		return k;
	}
	return NULL; /* not reached: the load bound leaves empty slots */
}

/* Kept chunks' tables in block order: the first that has id holds its value as of the pass's
 * end (the acceptance rule leaves a written key in no other kept chunk, nor in the block's
 * table; a key only read may be in several, with the same base value). */
akey_t *exec_split_layered(const exec_block_t *b, const svm_id_t *id)
{
	SVM_ASSERT(b->split_order != NULL && b->split_acc <= b->split_max);
	for (unsigned k = 1; k < b->split_acc; k++) {
		akey_t *r = split_find(b->split_order[k], id);
		SVM_ASSERT(r == NULL || svm_hash_eq(&r->id, id));
		if (r) return r;
	}
	return NULL;
}

void exec_split_free(exec_block_t *b)
{
	for (unsigned k = 0; b->split && k < b->split_max; k++) svm_free(b->split[k].keys);
	svm_free(b->split_order);
	b->split = NULL; /* the buffer stays with the thread */
	b->split_order = NULL;
	b->split_acc = 0;
}

/* --------------------------------------------------------------- the run */

/* Memory for a chunk of len transactions: its table (a speculative chunk) and filter, sized as
 * its share of the block's table; false when the pass's buffer is used up (no more stealing). */
static bool part_setup(pass_t *ps, split_part_t *p, size_t len, bool main)
{
	const exec_block_t *b = ps->b;
	SVM_ASSERT(len > 0 && b->n > 0 && b->ktab_cap > 0);
	size_t want = (size_t)(((unsigned __int128)b->ktab_cap * len + b->n - 1) / b->n), cap = SPLIT_KEYS_MIN;
	while (cap < want) cap *= 2;
	size_t words = cap * SPLIT_BLOOM_BITS_PER_SLOT / 64, bytes = words * 8 + (main ? 0 : cap * sizeof(akey_t *));
	size_t at = atomic_fetch_add(&ps->mem_at, bytes);
	if (at + bytes > ps->mem_len) return false;
	p->main = main;
	p->bloom = (_Atomic uint64_t *)(ps->mem + at);
	p->bloom_lg = 0;
	while (((size_t)1 << p->bloom_lg) < words) p->bloom_lg++;
	p->tab = main ? NULL : (akey_t **)(ps->mem + at + words * 8);
	p->cap = cap;
	p->shift = 64;
	for (size_t c = cap; c > 1; c >>= 1) p->shift--;
	SVM_ASSERT(((size_t)1 << p->bloom_lg) == words && ((size_t)1 << (64 - p->shift)) == cap);
	return true;
}

/* The next transaction of chunk p for its owner; false past its limit. */
static bool part_take(split_part_t *p, size_t *i)
{
	uint64_t c = atomic_load_explicit(&p->ctl, memory_order_relaxed);
	while ((uint32_t)c < (uint32_t)(c >> 32)) {
		if (atomic_compare_exchange_weak(&p->ctl, &c, c + 1)) {
			*i = p->from + (uint32_t)c;
			return true;
		}
	}
	return false;
}

/* A speculative chunk's look at chunk 0 while both run: whether one of the keys it touched
 * since its last look (keys[from..], the latest SPLIT_PROBE_KEYS at most: all of them at the
 * first look, 16 ERC-20 transfers touching ~80) is one that chunk 0
 * has written, or one it has touched that this chunk wrote. Then the chunk will not be kept
 * whatever else happens (chunk 0's writes so far are in any prefix of it the pass keeps), and
 * the pass stops, so that the engines run the rest on both workers instead of the workers
 * running chunks that cannot be kept. Chunk 0's table and filter are read while worker 0
 * writes them: the table is lock-free, the filter's words and the records' written flags are
 * atomic; a key missed here is caught by the check after the pass. */
static bool probe(pass_t *ps, const split_part_t *p, size_t from)
{
	const split_part_t *q = &ps->p[0];
	SVM_ASSERT(!p->main && q->main && from <= p->keys_len);
	if (exec_split_unchecked) return false;
	if (p->keys_len - from > SPLIT_PROBE_KEYS) from = p->keys_len - SPLIT_PROBE_KEYS;
	for (size_t i = from; i < p->keys_len; i++) {
		if (!bloom_has(q, p->keys[i].be)) continue;
		const akey_t *k = p->keys[i].k, *r = exec_key_find(ps->b, &k->id);
		if (r && (atomic_load_explicit(&r->written, memory_order_relaxed) ||
			  atomic_load_explicit(&k->written, memory_order_relaxed)))
			return true;
	}
	return false;
}

/* Runs chunk p (claimed by worker w) to its limit: the main chunk on the committed values, as
 * exec_seq_run does; a speculative one over the base values and its own writes, in its own
 * table, stopping before a transaction that failed in any way the engines must see for
 * themselves (a block-level error, a full table): nothing of that one is applied, and the
 * chunk's limit comes down to it. */
static int part_run(pass_t *ps, split_part_t *p, unsigned w)
{
	exec_block_t *b = ps->b;
	SVM_ASSERT(atomic_load(&p->owner) == (int)w && (p->main == (w == 0 && p == &ps->p[0])));
	if (!p->main) { /* this core's lines (chunk 0's filter: zeroed before the pass) */
		memset((void *)p->bloom, 0, ((size_t)8 << p->bloom_lg));
		memset(p->tab, 0, p->cap * sizeof(*p->tab));
	}
	p->wk_from = b->w[w].wkeys_len;
	txview_t v;
	exec_txview_init(&v, b, w, SRC_COMMITTED);
	v.part = p->main ? NULL : p;
	int rc = 0;
	size_t i, end = p->from, probe_at = SPLIT_PROBE_FIRST, probed = 0;
	while (rc == 0 && !atomic_load_explicit(&b->fallback_all, memory_order_relaxed) &&
	       !atomic_load_explicit(&ps->abort, memory_order_relaxed) && part_take(p, &i)) {
		SVM_ASSERT(i == end); /* one owner: its transactions in order */
		exec_txview_begin(&v, (uint32_t)i, 0, NULL);
		int r = exec_run_one(b, &v, i, NULL);
		if (p->main) {
			if (v.error == 0) rc = exec_txview_apply(&v);
			for (size_t l = 0; l < v.local_len; l++) bloom_add(p, v.local[l].h);
		} else if (r || v.error || b->slot[i].rc) {
			break;
		} else if (exec_txview_apply(&v)) { /* out of memory part way: some records hold i's */
			p->conflict = true;
			break;
		}
		end = i + 1;
		if (!p->main && end - p->from == probe_at) { /* a look at chunk 0 so far */
			probe_at *= 2;
			if (probe(ps, p, probed)) {
				p->conflict = true;
				atomic_store(&ps->abort, true);
			}
			probed = p->keys_len;
		}
	}
	/* nothing left to take: the cursor to the limit, which is then final (a stop before it
	 * leaves the chunk incomplete, end < limit, and nothing after it is kept) */
	uint64_t c = atomic_load(&p->ctl);
	while (!atomic_compare_exchange_weak(&p->ctl, &c, (c & ~(uint64_t)UINT32_MAX) | (c >> 32))) {
	}
	p->limit = p->from + (size_t)(c >> 32);
	SVM_ASSERT(end >= p->from && end <= p->limit);
	exec_txview_free(&v);
	p->end = end;
	p->wk_to = b->w[w].wkeys_len;
	p->done = true;
	/* chunk 0 runs to its limit unless the pass stops or the block fails */
	SVM_ASSERT(p->end == p->limit || !p->main || rc || atomic_load(&b->fallback_all) ||
		   atomic_load(&ps->abort));
	return rc;
}

/* A chunk for worker w: an unclaimed one of the threads' whole, else the upper half of the
 * largest remainder (at least 2 × SPLIT_STEAL_MIN) as a new chunk; NULL when there is none. */
static split_part_t *part_next(pass_t *ps, unsigned w)
{
	if (atomic_load(&ps->abort)) return NULL;
	unsigned used = atomic_load(&ps->used);
	for (unsigned k = 1; k < ps->b->threads; k++) {
		int none = -1;
		if (atomic_load_explicit(&ps->p[k].owner, memory_order_relaxed) == -1 &&
		    atomic_compare_exchange_strong(&ps->p[k].owner, &none, (int)w))
			return &ps->p[k];
	}
	split_part_t *n = NULL;
	size_t n_len = 0; /* what n's table is sized for */
	for (;;) {
		split_part_t *victim = NULL;
		uint32_t most = 0;
		used = atomic_load(&ps->used);
		for (unsigned k = 0; k < used && k < ps->max; k++) {
			if (!atomic_load_explicit(&ps->p[k].live, memory_order_acquire)) continue;
			uint64_t c = atomic_load_explicit(&ps->p[k].ctl, memory_order_relaxed);
			uint32_t left = (uint32_t)(c >> 32) - (uint32_t)c;
			if ((uint32_t)c < (uint32_t)(c >> 32) && left > most) most = left, victim = &ps->p[k];
		}
		if (victim == NULL || most < 2 * SPLIT_STEAL_MIN) return NULL;
		if (n == NULL) { /* a chunk of its own, kept across attempts */
			unsigned k = atomic_fetch_add(&ps->used, 1);
			if (k >= ps->max) return NULL;
			n = &ps->p[k];
			n_len = most / 2 + 1;
			if (!part_setup(ps, n, n_len, false)) return NULL;
		}
		uint64_t c = atomic_load(&victim->ctl);
		uint32_t cur = (uint32_t)c, lim = (uint32_t)(c >> 32);
		if (cur >= lim || lim - cur < 2 * SPLIT_STEAL_MIN) continue;
		uint32_t q = cur + (lim - cur) / 2;
		if (lim - q > n_len) q = lim - (uint32_t)n_len; /* no more than n is sized for */
		SVM_ASSERT(q > cur && q < lim);                 /* both keep some */
		if (!atomic_compare_exchange_strong(&victim->ctl, &c, (uint64_t)q << 32 | cur)) continue;
		n->from = victim->from + q;
		atomic_store(&n->ctl, (uint64_t)(lim - q) << 32);
		atomic_store(&n->owner, (int)w);
		atomic_store_explicit(&n->live, true, memory_order_release);
		return n;
	}
}

static void run_worker(void *arg, unsigned w)
{
	pass_t *ps = arg;
	int rc = 0;
	split_part_t *p = NULL;
	if (w == 0) {
		p = &ps->p[0];
	} else {
		int none = -1;
		if (atomic_compare_exchange_strong(&ps->p[w].owner, &none, (int)w)) p = &ps->p[w];
	}
	for (; p && rc == 0; p = part_next(ps, w)) rc = part_run(ps, p, w);
	if (rc) atomic_store(&ps->rc, rc);
}

/* --------------------------------------------------------------- the check */

/* Whether chunk p (speculative) shares a key with earlier chunk q that either wrote: a filter
 * hit is looked up in q's table (chunk 0: the block's). */
static bool conflicts_with(const exec_block_t *b, const split_part_t *p, const split_part_t *q)
{
	SVM_ASSERT(!p->main && q->from < p->from && q->done && p->done); /* q is earlier, both ran */
	size_t words = (size_t)1 << q->bloom_lg;
	for (size_t i = 0; i < words; i += 8) /* the filter's lines first, in a stream */
		__builtin_prefetch((const void *)&q->bloom[i]);
	for (size_t i = 0; i < p->keys_len; i++) {
		if (!bloom_has(q, p->keys[i].be)) continue;
		const akey_t *k = p->keys[i].k;
		const akey_t *r = q->main ? exec_key_find(b, &k->id) : split_find(q, &k->id);
		if (r && (atomic_load_explicit(&r->written, memory_order_relaxed) ||
			  atomic_load_explicit(&k->written, memory_order_relaxed)))
			return true;
	}
	return false;
}

/* Each worker checks the chunks it ran first (their keys in its cache), then any left. */
static void check_worker(void *arg, unsigned w)
{
	pass_t *ps = arg;
	for (int own = 1; own >= 0; own--)
		for (unsigned j = 1; j < ps->keepable; j++) {
			split_part_t *p = ps->order[j];
			SVM_ASSERT(p->from > ps->order[j - 1]->from); /* block order */
			if (own != (atomic_load_explicit(&p->owner, memory_order_relaxed) == (int)w)) continue;
			if (atomic_load_explicit(&p->checking, memory_order_relaxed) ||
			    atomic_exchange(&p->checking, true))
				continue; /* another worker's */
			for (unsigned i = 0; i < j && !p->conflict && !exec_split_unchecked; i++)
				p->conflict = conflicts_with(ps->b, p, ps->order[i]);
		}
}

/* --------------------------------------------------------------- the pass */

/* SVM_EXEC_SPLIT=0 turns the pass off (an A/B switch for the benchmark, and the tests). */
static bool split_enabled(void)
{
	const char *e = getenv("SVM_EXEC_SPLIT");
	return e == NULL || strcmp(e, "0") != 0;
}

bool exec_split_wanted(const exec_block_t *b, size_t from, size_t to)
{
	/* the block's first segment only: its table is empty, so a kept chunk's records are the
	 * only ones of their ids outside the other chunks' */
	return b->threads >= 2 && from == 0 && to - from >= SPLIT_TXS_MIN && b->split == NULL &&
	       to - from <= UINT32_MAX && split_enabled();
}

static int cmp_from(const void *a, const void *b)
{
	const split_part_t *x = *(split_part_t *const *)a, *y = *(split_part_t *const *)b;
	return x->from < y->from ? -1 : x->from > y->from;
}

/* Takes the written keys of the chunks not kept out of their workers' lists (a worker's
 * chunks' keys are consecutive runs of its list, in the order it ran them). */
static void drop_written(exec_block_t *b, split_part_t **order, unsigned from, unsigned n)
{
	for (unsigned w = 0; w < b->threads; w++) {
		exec_worker_t *wk = &b->w[w];
		/* latest run first, so the earlier runs' positions stay valid */
		for (;;) {
			split_part_t *last = NULL;
			for (unsigned j = from; j < n; j++) {
				split_part_t *p = order[j];
				if (atomic_load(&p->owner) == (int)w && p->wk_to > p->wk_from &&
				    (last == NULL || p->wk_from > last->wk_from))
					last = p;
			}
			if (last == NULL) break;
			SVM_ASSERT(last->wk_to <= wk->wkeys_len && !last->main);
			memmove(&wk->wkeys[last->wk_from], &wk->wkeys[last->wk_to],
				(wk->wkeys_len - last->wk_to) * sizeof(*wk->wkeys));
			wk->wkeys_len -= last->wk_to - last->wk_from;
			last->wk_to = last->wk_from;
		}
	}
}

int exec_split_run(exec_block_t *b, size_t from, size_t to, size_t *end)
{
	unsigned t = b->threads;
	SVM_ASSERT(exec_split_wanted(b, from, to) && t <= SVM_POOL_THREADS_MAX);
	SVM_ASSERT(atomic_load(&b->ktab_len) == 0); /* nothing in the block's table yet */
	for (unsigned w = 0; w < t; w++) SVM_ASSERT(b->w[w].wkeys_len == 0 && b->w[w].key_inserts == 0);
	size_t m = to - from;
	pass_t ps = {.b = b, .max = SPLIT_PARTS_PER_THREAD * t};
	/* one buffer the calling thread keeps: the chunks, then their tables' and filters' memory
	 * (each chunk at most a thread's share; a stolen one's is less) */
	size_t share = (size_t)(((unsigned __int128)b->ktab_cap * (m / t + 1) + b->n - 1) / b->n), cap = SPLIT_KEYS_MIN;
	while (cap < share) cap *= 2;
	size_t parts_bytes = ps.max * sizeof(split_part_t);
	ps.mem_len = ps.max * (cap * SPLIT_BLOOM_BITS_PER_SLOT / 8 + cap * sizeof(akey_t *));
	uint8_t *mem = exec_buf(EXEC_BUF_SPLIT, parts_bytes + ps.mem_len);
	b->split_order = svm_malloc(ps.max * sizeof(*b->split_order));
	if (mem == NULL || b->split_order == NULL) return SVM_ENOMEM;
	ps.p = (split_part_t *)mem;
	ps.mem = mem + parts_bytes;
	b->split = ps.p;
	b->split_max = ps.max;
	for (unsigned k = 0; k < ps.max; k++) {
		memset(&ps.p[k], 0, sizeof(ps.p[k]));
		atomic_init(&ps.p[k].owner, -1);
		atomic_init(&ps.p[k].live, false);
		atomic_init(&ps.p[k].checking, false);
		atomic_init(&ps.p[k].ctl, 0);
	}
	atomic_init(&ps.mem_at, 0);
	atomic_init(&ps.rc, 0);
	atomic_init(&ps.used, t);
	for (unsigned k = 0; k < t; k++) {
		split_part_t *p = &ps.p[k];
		p->from = from + m * k / t;
		size_t len = from + m * (k + 1) / t - p->from;
		SVM_ASSERT(len > 0 && len <= m / t + 1);
		bool ok = part_setup(&ps, p, len, k == 0);
		SVM_ASSERT(ok); /* the buffer holds the threads' chunks */
		atomic_init(&p->ctl, (uint64_t)len << 32);
		if (k == 0) atomic_init(&p->owner, 0);
		atomic_init(&p->live, true);
	}
	atomic_init(&ps.abort, false);
	memset((void *)ps.p[0].bloom, 0, (size_t)8 << ps.p[0].bloom_lg); /* probed while it runs */
	int rc = svm_par_run_any(t, run_worker, &ps);
	if (rc == 0) rc = atomic_load(&ps.rc);
	/* the chunks in block order; those after the first incomplete one (or a gap) are not kept */
	split_part_t **order = b->split_order;
	unsigned n = 0;
	for (unsigned k = 0; k < ps.max && k < atomic_load(&ps.used); k++)
		if (atomic_load(&ps.p[k].live) && ps.p[k].done) order[n++] = &ps.p[k];
	qsort(order, n, sizeof(*order), cmp_from);
	SVM_ASSERT(rc != 0 || (n >= 1 && order[0] == &ps.p[0] && order[0]->from == from));
	ps.order = order;
	ps.keepable = rc == 0 && n ? 1 : 0;
	SVM_ASSERT(n <= ps.max);
	while (ps.keepable < n && order[ps.keepable - 1]->end == order[ps.keepable - 1]->limit &&
	       order[ps.keepable]->from == order[ps.keepable - 1]->limit)
		ps.keepable++;
	/* the checks in parallel: each worker its own chunks' keys against the earlier chunks */
	if (rc == 0 && ps.keepable > 1) rc = svm_par_run_any(t, check_worker, &ps);
	unsigned acc = n ? 1 : 0;
	size_t at = n ? order[0]->end : from;
	bool conflict = atomic_load(&ps.abort); /* a probe's: the pass stopped */
	for (unsigned j = 1; rc == 0 && j < ps.keepable; j++) {
		SVM_ASSERT(order[j]->from == at && order[j]->end <= order[j]->limit);
		if (order[j]->conflict) {
			conflict = true;
			break;
		}
		acc = j + 1;
		at = order[j]->end;
	}
	b->split_conflicts += conflict;
	drop_written(b, order, acc, n);
	SVM_ASSERT(acc <= n && (acc == 0 || at == order[acc - 1]->end)); /* kept: a prefix */
	b->split_acc = acc;
	b->split_chunks += n;
	b->split_txs += at - from;
	SVM_ASSERT(at >= from && at <= to);
	*end = at;
	return rc;
}

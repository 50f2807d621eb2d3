/* The partitioned first pass of an optimistic segment (docs/aoem.md, "Partitioned first pass").
 *
 * On two cores a transaction of the optimistic engine costs ~0.9 µs more than on one, mostly in
 * the shared key table: each transaction inserts a few new keys at random slots whose lines the
 * other core wrote last. So a long enough segment at the block's start first runs split into
 * `threads` contiguous chunks: worker 0 runs chunk 0 on the committed values exactly as the
 * sequential runner does (final: nothing speculative); worker k >= 1 runs chunk k one
 * transaction after another over the block's base values and its own earlier writes, with a key
 * table, records and memory of its own, so no line is shared while it runs. Each chunk notes
 * the ids it touched in a Bloom filter. Then, in chunk order, chunk k is kept iff every earlier
 * chunk was kept whole and no key is touched by chunk k and by an earlier chunk while written
 * by either (a read of a key an earlier chunk wrote would have seen another value; a write to
 * a key an earlier chunk touched would leave two records of one id). A kept chunk computed
 * exactly what the reference computes after the chunks before it. The first chunk not kept and
 * everything after it go to the engines, over the kept chunks' values; the kept chunks' tables
 * stay reachable through exec_key (exec_split_layered), so nothing is copied on success. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "exec/aoem.h"

#define SPLIT_TXS_MIN 256        /* transactions from which a segment is partitioned */
#define SPLIT_BLOOM_BITS_PER_SLOT 4 /* a chunk's filter: 4 bits per slot of its table (a table is
				       sized for 8 or 32 keys a transaction, so >= 32 bits a key
				       on ERC-20 transfers: ~0.1 % false positives with 3 probes) */
#define SPLIT_BLOOM_HASHES 3     /* probes per id: its bytes 0-7, 8-15, 16-23 (ids are hashes) */
#define SPLIT_LOAD_NUM 7         /* a private table is full at 7/10: its chunk stops there */
#define SPLIT_LOAD_DEN 10
#define SPLIT_KEYS_MIN 4096      /* slots of a private table, at least */

bool exec_split_unchecked;

struct split_part {
	_Alignas(64) akey_t **tab; /* chunk k >= 1: its private table (home slot: top bits) */
	size_t cap, len;
	unsigned shift;
	akey_t **keys; /* chunk k >= 1: its records, in the order first touched */
	size_t keys_len, keys_cap;
	_Atomic uint64_t *bloom; /* the ids the chunk touched (chunk 0: in the block's table) */
	unsigned bloom_lg;       /* 2^bloom_lg bits */
	size_t from, to;         /* the chunk */
	size_t end;              /* [from, end) executed (and applied) */
	atomic_bool done;        /* end, bloom and (chunk 0) the block's table are final */
	bool ran;                /* the worker started it: its table and filter are set up */
	bool conflict;           /* it touched what an earlier chunk wrote (or wrote what it touched) */
};

typedef struct {
	exec_block_t *b;
	split_part_t *p;   /* [threads] */
	atomic_bool stop;  /* worker 0 has finished chunk 0: the others stop after a transaction */
	atomic_int rc;
} pass_t;

static unsigned lg2(size_t pow2)
{
	unsigned l = 0;
	while (((size_t)1 << l) < pow2) l++;
	SVM_ASSERT(((size_t)1 << l) == pow2);
	return l;
}

static void bloom_add(split_part_t *p, const svm_id_t *id)
{
	for (unsigned h = 0; h < SPLIT_BLOOM_HASHES; h++) {
		uint64_t bit = svm_get_u64be(id->b + 8 * h) >> (64 - p->bloom_lg);
		_Atomic uint64_t *w = &p->bloom[bit >> 6];
		uint64_t old = atomic_load_explicit(w, memory_order_relaxed);
		/* only the chunk's worker writes its filter: no read-modify-write needed */
		if (!(old >> (bit & 63) & 1))
			atomic_store_explicit(w, old | (uint64_t)1 << (bit & 63), memory_order_relaxed);
	}
}

static bool bloom_has(const split_part_t *p, const svm_id_t *id)
{
	for (unsigned h = 0; h < SPLIT_BLOOM_HASHES; h++) {
		uint64_t bit = svm_get_u64be(id->b + 8 * h) >> (64 - p->bloom_lg);
		if (!(atomic_load_explicit(&p->bloom[bit >> 6], memory_order_relaxed) >> (bit & 63) & 1))
			return false;
	}
	return true;
}

/* ------------------------------------------------------------ private tables */

static akey_t *split_find(const split_part_t *p, const svm_id_t *id)
{
	size_t mask = p->cap - 1, i = (size_t)(svm_get_u64be(id->b) >> p->shift);
	for (size_t probes = 0; probes < p->cap; probes++, i = (i + 1) & mask) {
		akey_t *k = p->tab[i];
		if (k == NULL || svm_hash_eq(&k->id, id)) return k;
	}
	return NULL;
}

akey_t *exec_split_key(exec_block_t *b, split_part_t *p, unsigned worker, const svm_id_t *id)
{
	SVM_ASSERT(p->ran && p->tab != NULL && worker < b->threads);
	size_t mask = p->cap - 1, i = (size_t)(svm_get_u64be(id->b) >> p->shift);
	for (size_t probes = 0; probes < p->cap; probes++, i = (i + 1) & mask) {
		akey_t *k = p->tab[i];
		if (k != NULL) {
			if (svm_hash_eq(&k->id, id)) return k;
			continue;
		}
		if ((p->len + 1) * SPLIT_LOAD_DEN > p->cap * SPLIT_LOAD_NUM) return NULL;
		if ((k = exec_key_new(b, worker, id)) == NULL) return NULL;
		if (exec_key_list_push(&p->keys, &p->keys_len, &p->keys_cap, k)) return NULL;
		p->tab[i] = k;
		p->len++;
		bloom_add(p, id);
		SVM_ASSERT(p->keys_len == p->len); /* every record listed once */
		return k;
	}
	return NULL; /* not reached: the load bound leaves empty slots */
}

/* Accepted chunks' tables in chunk order: the first that has id holds its value as of the
 * pass's end (a later one may hold a stale read of it only if an earlier one touched it, which
 * the acceptance rule excludes for written keys). */
akey_t *exec_split_layered(const exec_block_t *b, const svm_id_t *id)
{
	SVM_ASSERT(b->split != NULL && b->split_acc <= b->threads);
	for (unsigned k = 1; k < b->split_acc; k++) {
		akey_t *r = split_find(&b->split[k], id);
		if (r) return r;
	}
	return NULL;
}

void exec_split_free(exec_block_t *b)
{
	for (unsigned k = 0; b->split && k < b->threads; k++) svm_free(b->split[k].keys);
	b->split = NULL; /* the buffer stays with the thread */
	b->split_acc = 0;
}

/* --------------------------------------------------------------- the pass */

/* Whether chunk p (its records: chunk k >= 1) shares a key with earlier chunk q that either
 * wrote. q == chunk 0 is looked up in the block's table. Only filter hits are looked up. */
static bool conflicts_with(const exec_block_t *b, const split_part_t *p, const split_part_t *q,
			   bool q_main)
{
	/* the filter's lines first, in a stream (the other core wrote them) */
	size_t words = ((size_t)1 << q->bloom_lg) / 64;
	for (size_t i = 0; i < words; i += 8) __builtin_prefetch((const void *)&q->bloom[i]);
	for (size_t i = 0; i < p->keys_len; i++) {
		const akey_t *k = p->keys[i];
		if (!bloom_has(q, &k->id)) continue;
		const akey_t *r = q_main ? exec_key_find(b, &k->id) : split_find(q, &k->id);
		if (r && (atomic_load_explicit(&r->written, memory_order_relaxed) ||
			  atomic_load_explicit(&k->written, memory_order_relaxed)))
			return true;
	}
	return false;
}

/* Chunk 0 on the committed values, as exec_seq_run does, noting every key it touches. */
static int run_first(pass_t *ps)
{
	exec_block_t *b = ps->b;
	split_part_t *p = &ps->p[0];
	txview_t v;
	exec_txview_init(&v, b, 0, SRC_COMMITTED);
	int rc = 0;
	size_t i = p->from;
	for (; i < p->to && rc == 0 && !atomic_load(&b->fallback_all); i++) {
		exec_txview_begin(&v, (uint32_t)i, 0, NULL);
		exec_run_one(b, &v, i, NULL);
		if (v.error == 0) rc = exec_txview_apply(&v);
		for (size_t l = 0; l < v.local_len; l++) bloom_add(p, &v.local[l].k->id);
	}
	exec_txview_free(&v);
	p->end = i;
	return rc;
}

/* Chunk k >= 1, speculatively: one transaction after another over the base values and its own
 * writes, in its own table. It stops when worker 0 has finished (the rest of the chunk is left
 * to the engines), and before a transaction that failed in any way the engine must see for
 * itself (a block-level error, a full private table): nothing of that one is applied. */
static void run_chunk(pass_t *ps, unsigned w)
{
	exec_block_t *b = ps->b;
	split_part_t *p = &ps->p[w];
	memset(p->tab, 0, p->cap * sizeof(*p->tab)); /* this core's lines */
	memset((void *)p->bloom, 0, ((size_t)1 << p->bloom_lg) / 8);
	p->ran = true;
	txview_t v;
	exec_txview_init(&v, b, w, SRC_COMMITTED);
	v.part = p;
	size_t i = p->from;
	for (; i < p->to && !atomic_load_explicit(&ps->stop, memory_order_relaxed) &&
	       !atomic_load_explicit(&b->fallback_all, memory_order_relaxed);
	     i++) {
		exec_txview_begin(&v, (uint32_t)i, 0, NULL);
		int rc = exec_run_one(b, &v, i, NULL);
		if (rc || v.error || b->slot[i].rc || exec_txview_apply(&v)) break;
	}
	exec_txview_free(&v);
	p->end = i;
	SVM_ASSERT(p->end >= p->from && p->end <= p->to);
}

static void pass_worker(void *arg, unsigned w)
{
	pass_t *ps = arg;
	split_part_t *p = &ps->p[w];
	if (w == 0) {
		int rc = run_first(ps);
		if (rc) atomic_store(&ps->rc, rc);
		atomic_store(&ps->stop, true);
		atomic_store_explicit(&p->done, true, memory_order_release);
		return;
	}
	run_chunk(ps, w);
	/* against chunk 0 here, in parallel (this worker's records are in its cache); against the
	 * other chunks on the caller after the pass (more than two threads) */
	for (unsigned spins = 0; !atomic_load_explicit(&ps->p[0].done, memory_order_acquire); spins++)
		if (spins > 64) sched_yield();
	p->conflict = !exec_split_unchecked && conflicts_with(ps->b, p, &ps->p[0], true);
	atomic_store_explicit(&p->done, true, memory_order_release);
}

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
	       split_enabled();
}

/* Slots for a chunk of len of the block's n transactions: its share of the block's table. */
static size_t chunk_cap(const exec_block_t *b, size_t len)
{
	size_t want = (size_t)(((unsigned __int128)b->ktab_cap * len + b->n - 1) / b->n), cap = SPLIT_KEYS_MIN;
	while (cap < want) cap *= 2;
	return cap;
}

int exec_split_run(exec_block_t *b, size_t from, size_t to, size_t *end)
{
	unsigned t = b->threads;
	SVM_ASSERT(exec_split_wanted(b, from, to) && t <= SVM_POOL_THREADS_MAX);
	SVM_ASSERT(atomic_load(&b->ktab_len) == 0); /* nothing in the block's table yet */
	for (unsigned w = 0; w < t; w++) SVM_ASSERT(b->w[w].wkeys_len == 0 && b->w[w].key_inserts == 0);
	/* one buffer the calling thread keeps: the parts, then the filters, then the tables */
	size_t m = to - from, bytes = t * sizeof(split_part_t), cap[SVM_POOL_THREADS_MAX];
	for (unsigned k = 0; k < t; k++) {
		size_t lo = from + m * k / t, hi = from + m * (k + 1) / t;
		cap[k] = chunk_cap(b, hi - lo);
		bytes += cap[k] * SPLIT_BLOOM_BITS_PER_SLOT / 8 + (k ? cap[k] * sizeof(akey_t *) : 0);
	}
	uint8_t *mem = exec_buf(EXEC_BUF_SPLIT, bytes);
	if (mem == NULL) return SVM_ENOMEM;
	split_part_t *p = (split_part_t *)mem;
	mem += t * sizeof(split_part_t);
	for (unsigned k = 0; k < t; k++) {
		memset(&p[k], 0, sizeof(p[k]));
		p[k].from = from + m * k / t;
		p[k].to = p[k].end = from + m * (k + 1) / t;
		p[k].end = p[k].from;
		p[k].cap = cap[k];
		p[k].shift = 64 - lg2(cap[k]);
		p[k].bloom_lg = lg2(cap[k] * SPLIT_BLOOM_BITS_PER_SLOT);
		p[k].bloom = (_Atomic uint64_t *)mem;
		mem += cap[k] * SPLIT_BLOOM_BITS_PER_SLOT / 8;
		if (k) {
			p[k].tab = (akey_t **)mem;
			mem += cap[k] * sizeof(akey_t *);
		}
		atomic_init(&p[k].done, false);
		SVM_ASSERT(p[k].from < p[k].to && ((uintptr_t)mem & 7) == 0);
	}
	SVM_ASSERT(p[t - 1].to == to);
	memset((void *)p[0].bloom, 0, ((size_t)1 << p[0].bloom_lg) / 8);
	p[0].ran = true;
	b->split = p;
	pass_t ps = {.b = b, .p = p};
	atomic_init(&ps.stop, false);
	atomic_init(&ps.rc, 0);
	int rc = svm_par_run_any(t, pass_worker, &ps);
	if (rc == 0) rc = atomic_load(&ps.rc);
	/* In chunk order: chunk k is kept if chunk k - 1 was kept whole and k ran without a
	 * conflict with any chunk before it (chunk 0's check ran on k's worker). */
	unsigned acc = 1;
	size_t at = p[0].end;
	b->split_chunks += t;
	for (unsigned k = 1; rc == 0 && at == p[k - 1].to && k < t; k++) {
		if (!p[k].ran || p[k].end == p[k].from) break;
		SVM_ASSERT(atomic_load(&p[k].done) && p[k].end <= p[k].to);
		for (unsigned j = 1; j < k && !p[k].conflict && !exec_split_unchecked; j++)
			p[k].conflict = conflicts_with(b, &p[k], &p[j], false);
		if (p[k].conflict) {
			b->split_conflicts++;
			break;
		}
		acc = k + 1;
		at = p[k].end;
	}
	/* the chunks not kept leave nothing: their records are in no table exec_key searches, and
	 * their written keys leave their workers' lists (nothing else was in them) */
	for (unsigned k = acc; k < t; k++) b->w[k].wkeys_len = 0;
	b->split_acc = acc;
	b->split_accepted += acc;
	b->split_txs += at - from;
	SVM_ASSERT(at >= from && at <= to);
	*end = at;
	return rc;
}

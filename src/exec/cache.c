/* Buffers the engines keep from one block to the next, per calling thread: the key table, the
 * per-transaction slots and the DAG's arrays are megabytes for a full block, and fresh memory
 * every block costs a page fault per 4 KiB on first touch (and the zeroing the kernel does).
 * Reused memory is already mapped and often still in cache; the big buffers sit on huge pages,
 * which this VM does not make slow after an idle pause (base.h). Each thread that calls
 * svm_exec_block has its own set (no sharing, no locks); they are freed when it exits. */
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>

#include "exec/aoem.h"

typedef struct {
	void *p;
	size_t cap;
} cbuf_t;

typedef struct {
	cbuf_t buf[EXEC_BUF_COUNT];
	svm_arena_t *arenas; /* the workers' scratch arenas, emptied (exec_scratch_take/_keep) */
	unsigned arenas_len;
} cache_t;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static _Thread_local cache_t *cache;

static void cache_free(void *arg)
{
	cache_t *c = arg;
	for (int i = 0; i < EXEC_BUF_COUNT; i++) svm_big_free(c->buf[i].p, c->buf[i].cap);
	for (unsigned i = 0; i < c->arenas_len; i++) svm_arena_reset(&c->arenas[i]);
	svm_free(c->arenas);
	svm_free(c);
}

static void cache_key_init(void)
{
	if (pthread_key_create(&cache_key, cache_free)) cache_key = 0;
}

static cache_t *cache_get(void)
{
	if (cache == NULL) {
		pthread_once(&cache_once, cache_key_init);
		cache = svm_calloc(1, sizeof(*cache));
		if (cache == NULL) return NULL;
		pthread_setspecific(cache_key, cache); /* frees it at thread exit */
	}
	return cache;
}

void *exec_buf(int which, size_t bytes)
{
	if (cache_get() == NULL) return NULL;
	SVM_ASSERT(which >= 0 && which < EXEC_BUF_COUNT);
	cbuf_t *b = &cache->buf[which];
	if (bytes == 0) bytes = 1;
	if (bytes > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < bytes) cap *= 2;
		void *p = svm_big_alloc(cap); /* the big ones on huge pages (base.h) */
		if (p == NULL) return NULL;
		svm_big_free(b->p, b->cap);
		b->p = p;
		b->cap = cap;
	}
	/* capacities are doubled from 4 KiB: a power of two that holds the request */
	SVM_ASSERT(b->cap >= bytes && (b->cap & (b->cap - 1)) == 0);
	return b->p;
}

/* The heap keeps what a block freed for the next one. glibc's default hands the top of each
 * malloc arena back to the OS once 128 KiB of it is free, so every block's transactions (the
 * EVM's frames and stacks, arena chunks of 64 KiB, receipts) fault their memory in again — on
 * this VM several microseconds per 4 KiB page, and the page faults of two threads of one
 * process serialize in the kernel. Measured on 2,000 ERC-20 transfers (bench_evm_aoem): 563
 * page faults per block on one thread and 1,682 on two, 32 and 57 ms of CPU; with 8 MiB kept
 * per arena 3 and 22, 23 and 29 ms. The threshold for mmap is fixed at 4 MiB (setting the pad
 * turns glibc's self-tuning threshold off, which would otherwise have risen past what the
 * blocks allocate): what the executor allocates per transaction stays on the heap. Set once
 * per process, on the first block (process-wide: the node is the process that executes).
 * 8 MiB was too little for a block of 10,000 ERC-20 transfers, whose receipts, write set and
 * the reference's overlay are ~10 MB: the reference faulted 905 pages a block in steady state
 * (blocks 11-21 of a run), ~15 ms at this VM's ~17 us a fault; with 64 MiB, none. The pad is
 * memory the heap keeps mapped once touched, per malloc arena, not memory it takes up front. */
#define HEAP_KEEP_PAD (64u << 20)
#define HEAP_MMAP_MIN (4u << 20)

static pthread_once_t heap_once = PTHREAD_ONCE_INIT;

static void heap_keep_init(void)
{
	mallopt(M_TOP_PAD, HEAP_KEEP_PAD); /* advice: a failure changes speed only */
	mallopt(M_MMAP_THRESHOLD, HEAP_MMAP_MIN);
}

void exec_heap_keep(void) { pthread_once(&heap_once, heap_keep_init); }

/* The workers' scratch arenas: what a block's transactions allocate (key records, their reads
 * and writes, the EVM's values and events: ~3 KB an ERC-20 transfer, 30 MB for 10,000) was
 * freed at the block's end, and the heap gave what is past HEAP_KEEP_PAD back to the kernel, so
 * the next block faulted it in again: 5,300 page faults per block of 10,000 transfers on two
 * threads (550 with the arenas kept), at several microseconds each on this VM and serialized
 * between the threads. Kept per calling thread and rewound instead, up to EXEC_SCRATCH_KEEP
 * each (a bigger block's excess is freed as before). */
#define EXEC_SCRATCH_KEEP (64u << 20)

void exec_scratch_take(exec_worker_t *w, unsigned threads, size_t bytes_max)
{
	cache_t *c = cache_get();
	if (c && c->arenas_len < threads) {
		svm_arena_t *a = svm_realloc(c->arenas, threads * sizeof(*a));
		if (a) {
			for (unsigned i = c->arenas_len; i < threads; i++) svm_arena_init(&a[i], bytes_max);
			c->arenas = a;
			c->arenas_len = threads;
		}
	}
	for (unsigned i = 0; i < threads; i++) {
		if (c && i < c->arenas_len) { /* lent to the block: the cache holds an empty one */
			w[i].scratch = c->arenas[i];
			svm_arena_init(&c->arenas[i], bytes_max);
		} else {
			svm_arena_init(&w[i].scratch, bytes_max);
		}
		w[i].scratch.bytes_max = bytes_max;
		SVM_ASSERT(w[i].scratch.head == NULL && w[i].scratch.bytes_used == 0);
	}
}

void exec_scratch_keep(exec_worker_t *w, unsigned threads)
{
	cache_t *c = cache;
	for (unsigned i = 0; i < threads; i++) {
		if (c == NULL || i >= c->arenas_len || c->arenas[i].spare != NULL) {
			svm_arena_reset(&w[i].scratch); /* nowhere to keep it */
			continue;
		}
		svm_arena_rewind(&w[i].scratch, EXEC_SCRATCH_KEEP);
		c->arenas[i] = w[i].scratch;
		svm_arena_init(&w[i].scratch, w[i].scratch.bytes_max);
	}
}

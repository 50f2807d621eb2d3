/* Buffers the engines keep from one block to the next, per calling thread: the key table, the
 * per-transaction slots and the DAG's arrays are megabytes for a full block, and fresh memory
 * every block costs a page fault per 4 KiB on first touch (and the zeroing the kernel does).
 * Reused memory is already mapped and often still in cache; the big buffers sit on huge pages,
 * which this VM does not make slow after an idle pause (base.h). Each thread that calls
 * svm_exec_block has its own set (no sharing, no locks); they are freed when it exits. */
#include <pthread.h>
#include <stdlib.h>

#include "exec/aoem.h"

typedef struct {
	void *p;
	size_t cap;
} cbuf_t;

typedef struct {
	cbuf_t buf[EXEC_BUF_COUNT];
} cache_t;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static _Thread_local cache_t *cache;

static void cache_free(void *arg)
{
	cache_t *c = arg;
	for (int i = 0; i < EXEC_BUF_COUNT; i++) svm_big_free(c->buf[i].p, c->buf[i].cap);
	svm_free(c);
}

static void cache_key_init(void)
{
	if (pthread_key_create(&cache_key, cache_free)) cache_key = 0;
}

void *exec_buf(int which, size_t bytes)
{
	if (cache == NULL) {
		pthread_once(&cache_once, cache_key_init);
		cache = svm_calloc(1, sizeof(*cache));
		if (cache == NULL) return NULL;
		pthread_setspecific(cache_key, cache); /* frees it at thread exit */
	}
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

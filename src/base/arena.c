/* A bump allocator: chunks are malloc'd as needed and freed together by svm_arena_reset (small
 * chunks, which the heap hands back block after block without new page faults). Also
 * svm_big_alloc. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "supervm/base.h"

#define CHUNK_MIN (64 * 1024)
#define SPARE_CHUNKS_MAX (1u << 24) /* kept chunks (assertions): keep_bytes / CHUNK_MIN in practice */

/* Rounded size of a big allocation; 0 when it is served by aligned_alloc. */
static size_t big_size(size_t bytes)
{
	if (bytes < SVM_HUGE_PAGE / 2) return 0;
	size_t n = (bytes + SVM_HUGE_PAGE - 1) & ~(size_t)(SVM_HUGE_PAGE - 1);
	return n < bytes ? SIZE_MAX : n;
}

void *svm_big_alloc(size_t bytes)
{
	size_t n = big_size(bytes);
	if (svm_fault_check(SVM_FAULT_ALLOC)) return NULL;
	if (n == 0) return aligned_alloc(64, (bytes + 63) & ~(size_t)63);
	if (n == SIZE_MAX || n > SIZE_MAX - SVM_HUGE_PAGE) return NULL;
	/* a fresh mapping (heap memory may already sit on 4 KiB pages), trimmed to 2 MiB bounds */
	uint8_t *m = mmap(NULL, n + SVM_HUGE_PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) return NULL;
	uintptr_t at = ((uintptr_t)m + SVM_HUGE_PAGE - 1) & ~(uintptr_t)(SVM_HUGE_PAGE - 1);
	size_t head = at - (uintptr_t)m;
	SVM_ASSERT(head < SVM_HUGE_PAGE && (at & (SVM_HUGE_PAGE - 1)) == 0);
	if (head) munmap(m, head);
	if (SVM_HUGE_PAGE - head) munmap((uint8_t *)at + n, SVM_HUGE_PAGE - head);
	madvise((void *)at, n, MADV_HUGEPAGE); /* advice only */
	return (void *)at;
}

void svm_big_free(void *p, size_t bytes)
{
	size_t n = big_size(bytes);
	if (p == NULL) return;
	if (n == 0) svm_free(p);
	else munmap(p, n);
}

struct svm_arena_chunk {
	svm_arena_chunk_t *next;
	size_t used;
	size_t cap;
	_Alignas(16) uint8_t data[];
};

/* An arena's bounds: within its byte budget; each chunk's bump pointer within the chunk. Walks
 * the chunks: for assertions only. */
static bool arena_ok(const svm_arena_t *a)
{
	if (a->bytes_max && a->bytes_used > a->bytes_max) return false;
	size_t used = 0, chunks = 0;
	for (const svm_arena_chunk_t *c = a->head; c; c = c->next) {
		if (c->used > c->cap || (c->used & 15) || ++chunks > a->bytes_used / 16 + 1) return false;
		used += c->used;
	}
	size_t spares = 0;
	for (const svm_arena_chunk_t *c = a->spare; c; c = c->next)
		if (c->used != 0 || ++spares > SPARE_CHUNKS_MAX) return false;
	return used <= a->bytes_used; /* adopted chunks count their bytes once, in bytes_used */
}

void svm_arena_init(svm_arena_t *a, size_t bytes_max)
{
	a->head = NULL;
	a->bytes_used = 0;
	a->bytes_max = bytes_max;
	a->spare = NULL;
}

void *svm_arena_alloc(svm_arena_t *a, size_t n)
{
	void *p = svm_arena_alloc_raw(a, n);
	if (p) memset(p, 0, n);
	return p;
}

void *svm_arena_alloc_raw(svm_arena_t *a, size_t n)
{
	size_t need = (n + 15) & ~(size_t)15;
	if (need < n) return NULL;
	if (a->bytes_max && (need > a->bytes_max || a->bytes_used > a->bytes_max - need)) return NULL;
	SVM_ASSERT(!a->bytes_max || a->bytes_used + need <= a->bytes_max);
	svm_arena_chunk_t *c = a->head;
	SVM_ASSERT(c == NULL || c->used <= c->cap);
	if (c == NULL || c->cap - c->used < need) {
		size_t cap = need > CHUNK_MIN ? need : CHUNK_MIN;
		if (a->spare && a->spare->cap >= need) { /* a kept chunk: already mapped */
			c = a->spare;
			a->spare = c->next;
			SVM_ASSERT(c->used == 0);
		} else {
			c = svm_malloc(sizeof(*c) + cap);
			if (c == NULL) return NULL;
			c->cap = cap;
		}
		c->next = a->head;
		c->used = 0;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += need;
	a->bytes_used += need;
	SVM_ASSERT(c->used <= c->cap && ((uintptr_t)p & 15) == 0); /* in the chunk, 16-aligned */
	SVM_ASSERT(!a->bytes_max || a->bytes_used <= a->bytes_max);
	return p;
}

void *svm_arena_dup(svm_arena_t *a, const void *p, size_t n)
{
	void *q = svm_arena_alloc_raw(a, n ? n : 1);
	if (q && n) memcpy(q, p, n);
	return q;
}

void svm_arena_adopt(svm_arena_t *dst, svm_arena_t *src)
{
	SVM_ASSERT(dst != src);
	SVM_ASSERT(arena_ok(dst) && arena_ok(src));
	if (src->head == NULL) return;
	svm_arena_chunk_t *tail = src->head;
	while (tail->next) tail = tail->next;
	if (dst->head) { /* behind dst's current chunk, which keeps serving dst's allocations */
		tail->next = dst->head->next;
		dst->head->next = src->head;
	} else {
		dst->head = src->head;
	}
	dst->bytes_used += src->bytes_used;
	src->head = NULL;
	src->bytes_used = 0;
	SVM_ASSERT(arena_ok(dst));
}

void svm_arena_reset(svm_arena_t *a)
{
	SVM_ASSERT(arena_ok(a));
	svm_arena_chunk_t *c = a->head;
	while (c) {
		svm_arena_chunk_t *next = c->next;
		svm_free(c);
		c = next;
	}
	for (c = a->spare; c;) {
		svm_arena_chunk_t *next = c->next;
		svm_free(c);
		c = next;
	}
	a->head = NULL;
	a->spare = NULL;
	a->bytes_used = 0;
}

void svm_arena_rewind(svm_arena_t *a, size_t keep_bytes)
{
	SVM_ASSERT(arena_ok(a));
	size_t kept = 0;
	svm_arena_chunk_t *spare = NULL, *lists[2] = {a->head, a->spare};
	for (int l = 0; l < 2; l++) {
		for (svm_arena_chunk_t *c = lists[l]; c;) {
			svm_arena_chunk_t *next = c->next;
			if (c->cap <= keep_bytes - kept) {
				kept += c->cap;
				c->used = 0;
				c->next = spare;
				spare = c;
			} else {
				svm_free(c);
			}
			c = next;
		}
	}
	SVM_ASSERT(kept <= keep_bytes);
	a->head = NULL;
	a->spare = spare;
	a->bytes_used = 0;
	SVM_ASSERT(arena_ok(a));
}

/* The allocation hook (svm_malloc and friends), the fault injection that tests arm through it
 * and the store's I/O, and the assertion failure path. The fault counters are the one piece of
 * process-wide state in base: tests arm them; nothing else writes them. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/base.h"

typedef struct {
	atomic_bool armed;
	atomic_uint_fast64_t calls;
	atomic_uint_fast64_t fired;
	atomic_uint_fast64_t nth;
	atomic_int err;
	atomic_bool persist;
} fault_t;

static fault_t faults[SVM_FAULT_KINDS];

void svm_fault_arm(svm_fault_kind_t kind, uint64_t nth, int err, bool persist)
{
	SVM_VERIFY((unsigned)kind < SVM_FAULT_KINDS);
	fault_t *f = &faults[kind];
	atomic_store(&f->armed, false);
	atomic_store(&f->calls, 0);
	atomic_store(&f->fired, 0);
	atomic_store(&f->nth, nth);
	atomic_store(&f->err, err ? err : (kind == SVM_FAULT_ALLOC ? ENOMEM : EIO));
	atomic_store(&f->persist, persist);
	atomic_store(&f->armed, true);
}

uint64_t svm_fault_disarm(svm_fault_kind_t kind)
{
	SVM_VERIFY((unsigned)kind < SVM_FAULT_KINDS);
	atomic_store(&faults[kind].armed, false);
	return atomic_load(&faults[kind].calls);
}

uint64_t svm_fault_fired(svm_fault_kind_t kind)
{
	SVM_VERIFY((unsigned)kind < SVM_FAULT_KINDS);
	return atomic_load(&faults[kind].fired);
}

int svm_fault_check(svm_fault_kind_t kind)
{
	SVM_ASSERT((unsigned)kind < SVM_FAULT_KINDS);
	fault_t *f = &faults[kind];
	if (__builtin_expect(!atomic_load_explicit(&f->armed, memory_order_relaxed), 1)) return 0;
	uint64_t n = atomic_fetch_add(&f->calls, 1) + 1;
	uint64_t nth = atomic_load(&f->nth);
	if (nth == 0 || n < nth || (n > nth && !atomic_load(&f->persist))) return 0;
	atomic_fetch_add(&f->fired, 1);
	return atomic_load(&f->err);
}

void *svm_malloc(size_t size)
{
	if (svm_fault_check(SVM_FAULT_ALLOC)) return NULL;
	return malloc(size);
}

void *svm_calloc(size_t n, size_t size)
{
	if (svm_fault_check(SVM_FAULT_ALLOC)) return NULL;
	return calloc(n, size);
}

void *svm_realloc(void *p, size_t size)
{
	if (svm_fault_check(SVM_FAULT_ALLOC)) return NULL;
	return realloc(p, size);
}

void svm_free(void *p) { free(p); }

char *svm_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = svm_malloc(n);
	if (d) memcpy(d, s, n);
	return d;
}

_Noreturn void svm_assert_fail(const char *expr, const char *file, int line, const char *func)
{
	fprintf(stderr, "supervm: assertion failed: %s (%s:%d, in %s)\n", expr, file, line, func);
	fflush(stderr);
	abort();
}

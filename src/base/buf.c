/* Growable byte buffers and the bounded reader every decoder uses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/base.h"

/* A buffer's bounds: its length within its capacity, its capacity within its cap (if any). */
static bool buf_ok(const svm_buf_t *b)
{
	return b->len <= b->cap && (b->cap_max == 0 || b->cap <= b->cap_max) &&
	       (b->cap == 0 || b->data != NULL);
}

int svm_buf_reserve(svm_buf_t *b, size_t extra)
{
	SVM_ASSERT(buf_ok(b));
	size_t need;
	if (__builtin_add_overflow(b->len, extra, &need)) return SVM_ELIMIT;
	if (need <= b->cap) return 0;
	if (b->cap_max && need > b->cap_max) return SVM_ELIMIT;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) { cap = need; break; }
		cap *= 2;
	}
	if (b->cap_max && cap > b->cap_max) cap = b->cap_max;
	uint8_t *p = svm_realloc(b->data, cap);
	if (p == NULL) return SVM_ENOMEM;
	b->data = p;
	b->cap = cap;
	SVM_ASSERT(buf_ok(b) && b->len + extra <= b->cap);
	return 0;
}

int svm_buf_append(svm_buf_t *b, const void *p, size_t n)
{
	if (n == 0) return 0;
	int rc = svm_buf_reserve(b, n);
	if (rc) return rc;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	SVM_ASSERT(buf_ok(b));
	return 0;
}

int svm_buf_push(svm_buf_t *b, uint8_t byte)
{
	return svm_buf_append(b, &byte, 1);
}

int svm_buf_printf(svm_buf_t *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) return SVM_EINVAL;
	int rc = svm_buf_reserve(b, (size_t)n + 1);
	if (rc) return rc;
	va_start(ap, fmt);
	int m = vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	/* the same text both times: an argument pointing into b->data moved with the reserve */
	SVM_ASSERT(m == n);
	(void)m;
	b->len += (size_t)n;
	SVM_ASSERT(b->len < b->cap && b->data[b->len] == 0); /* terminated, within the buffer */
	return 0;
}

void svm_buf_reset(svm_buf_t *b)
{
	SVM_ASSERT(buf_ok(b));
	b->len = 0;
}

void svm_buf_free(svm_buf_t *b)
{
	svm_free(b->data);
	size_t cap_max = b->cap_max;
	memset(b, 0, sizeof(*b));
	b->cap_max = cap_max;
}

int svm_reader_bytes(svm_reader_t *r, size_t n, const uint8_t **out)
{
	SVM_ASSERT(r->pos <= r->len); /* a reader never moves past its end */
	if (n > svm_reader_left(r)) return SVM_EDECODE;
	*out = r->p + r->pos;
	r->pos += n;
	return 0;
}

int svm_reader_copy(svm_reader_t *r, void *dst, size_t n)
{
	SVM_ASSERT(r->pos <= r->len);
	if (n > svm_reader_left(r)) return SVM_EDECODE;
	if (n) memcpy(dst, r->p + r->pos, n);
	r->pos += n;
	return 0;
}

int svm_reader_u8(svm_reader_t *r, uint8_t *out)
{
	if (r->pos >= r->len) return SVM_EDECODE;
	*out = r->p[r->pos++];
	SVM_ASSERT(r->pos <= r->len);
	return 0;
}

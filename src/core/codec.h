/* Internal helpers shared by the core encoders and decoders: bounded reads that name the field
 * and offset on failure, and appends that the public encoders roll back on error. */
#ifndef SUPERVM_CORE_CODEC_H
#define SUPERVM_CORE_CODEC_H

#include <string.h>

#include "supervm/core.h"

#define TRY(x)                                                                                     \
	do {                                                                                       \
		int rc_ = (x);                                                                     \
		if (rc_ != 0) return rc_;                                                          \
	} while (0)

static inline int rd_tag(svm_reader_t *r, uint8_t want, const char *what, svm_error_t *err)
{
	SVM_ASSERT(r->pos <= r->len); /* svm_reader_left's subtraction cannot wrap */
	uint8_t t;
	if (svm_reader_u8(r, &t) != 0) return svm_error_set(err, SVM_EDECODE, "%s: empty", what);
	if (t != want)
		return svm_error_set(err, SVM_EDECODE, "%s: format tag 0x%02x, want 0x%02x", what, t,
				     want);
	return 0;
}

static inline int rd_u8(svm_reader_t *r, uint8_t *v, const char *what, svm_error_t *err)
{
	if (svm_reader_u8(r, v) != 0)
		return svm_error_set(err, SVM_EDECODE, "%s: truncated at offset %zu", what, r->pos);
	return 0;
}

static inline int rd_u64(svm_reader_t *r, uint64_t *v, const char *what, svm_error_t *err)
{
	size_t at = r->pos;
	if (svm_varint_read(r, v) != 0)
		return svm_error_set(err, SVM_EDECODE, "%s: bad or truncated varint at offset %zu",
				     what, at);
	return 0;
}

static inline int rd_hash(svm_reader_t *r, svm_hash_t *h, const char *what, svm_error_t *err)
{
	if (svm_reader_copy(r, h->b, SVM_HASH_SIZE) != 0)
		return svm_error_set(err, SVM_EDECODE, "%s: truncated at offset %zu", what, r->pos);
	return 0;
}

/* A count or length varint bounded by max (SVM_ELIMIT past it). */
static inline int rd_len(svm_reader_t *r, uint64_t max, uint64_t *n, const char *what,
			 svm_error_t *err)
{
	size_t at = r->pos;
	TRY(rd_u64(r, n, what, err));
	if (*n > max)
		return svm_error_set(err, SVM_ELIMIT, "%s: %llu at offset %zu exceeds %llu", what,
				     (unsigned long long)*n, at, (unsigned long long)max);
	/* a varint of 1..10 bytes was consumed */
	SVM_ASSERT(r->pos > at && r->pos - at <= SVM_VARINT_MAX && r->pos <= r->len);
	return 0;
}

/* A length-prefixed byte string of at most max bytes, borrowed from the input. */
static inline int rd_bytes(svm_reader_t *r, uint64_t max, const uint8_t **p, size_t *len,
			   const char *what, svm_error_t *err)
{
	uint64_t n;
	TRY(rd_len(r, max, &n, what, err));
	if (svm_reader_bytes(r, (size_t)n, p) != 0)
		return svm_error_set(err, SVM_EDECODE, "%s: %llu bytes truncated at offset %zu", what,
				     (unsigned long long)n, r->pos);
	*len = (size_t)n;
	if (n == 0) *p = NULL;
	/* a borrowed string inside the input, ending where the reader now stands */
	SVM_ASSERT(n == 0 || (*p >= r->p && *p + n == r->p + r->pos && r->pos <= r->len));
	return 0;
}

static inline int rd_end(const svm_reader_t *r, const char *what, svm_error_t *err)
{
	SVM_ASSERT(r->pos <= r->len);
	if (svm_reader_left(r) != 0)
		return svm_error_set(err, SVM_EDECODE, "%s: %zu trailing bytes at offset %zu", what,
				     svm_reader_left(r), r->pos);
	return 0;
}

/* Arena array of n elements (NULL for n == 0). */
static inline int arena_array(svm_arena_t *a, size_t n, size_t size, void **out, const char *what,
			      svm_error_t *err)
{
	*out = NULL;
	if (n == 0) return 0;
	/* counts are bounded by their maxima before this: n · size cannot wrap */
	SVM_ASSERT(size > 0 && n <= SIZE_MAX / size);
	if (a == NULL) return svm_error_set(err, SVM_EINVAL, "%s: no arena to decode into", what);
	*out = svm_arena_alloc(a, n * size);
	if (*out == NULL) return svm_error_set(err, SVM_ENOMEM, "%s: arena exhausted", what);
	return 0;
}

static inline int wr_bytes(svm_buf_t *b, const uint8_t *p, size_t n)
{
	TRY(svm_varint_append(b, n));
	return svm_buf_append(b, p, n);
}

/* Checks a borrowed byte string before encoding: within max, and non-NULL when non-empty. */
static inline int chk_bytes(const uint8_t *p, size_t n, size_t max)
{
	if (n > max) return SVM_ELIMIT;
	if (n > 0 && p == NULL) return SVM_EINVAL;
	return 0;
}

#endif

/* A bounded reader for the WebAssembly binary format: bytes, the spec's LEB128 encodings
 * (u32, s32, s33, s64 with their length and unused-bit rules) and UTF-8 names. Every read
 * fails with SVM_EDECODE and a spec-worded message rather than run past the end. */
#ifndef SVM_WASM_READER_H
#define SVM_WASM_READER_H

#include <stdint.h>
#include <string.h>

#include "supervm/base.h"

typedef struct {
	const uint8_t *p, *end;
	svm_error_t *err;
} wr_t;

static inline int wr_fail(wr_t *r, const char *msg)
{
	return svm_error_set(r->err, SVM_EDECODE, "%s", msg);
}

static inline int wr_u8(wr_t *r, uint8_t *out)
{
	if (r->p >= r->end) return wr_fail(r, "unexpected end");
	*out = *r->p++;
	return 0;
}

/* Unsigned LEB128 of at most `bits` bits (32 or 64). */
static inline int wr_uleb(wr_t *r, unsigned bits, uint64_t *out)
{
	uint64_t v = 0;
	unsigned maxlen = (bits + 6) / 7;
	SVM_ASSERT(bits == 32 || bits == 64);
	for (unsigned i = 0;; i++) {
		SVM_ASSERT(i < maxlen); /* the last byte either ends the number or fails */
		if (r->p >= r->end) return wr_fail(r, "unexpected end");
		uint8_t b = *r->p++;
		unsigned shift = 7 * i;
		if (i == maxlen - 1) {
			if (b & 0x80) return wr_fail(r, "integer representation too long");
			unsigned used = bits - shift; /* payload bits allowed in the last byte */
			if (used < 7 && (b >> used) != 0) return wr_fail(r, "integer too large");
		}
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) break;
	}
	*out = v;
	return 0;
}

/* Signed LEB128 of at most `bits` bits (32, 33 or 64), sign-extended to 64. */
static inline int wr_sleb(wr_t *r, unsigned bits, int64_t *out)
{
	uint64_t v = 0;
	unsigned maxlen = (bits + 6) / 7, shift = 0;
	uint8_t b;
	SVM_ASSERT(bits == 32 || bits == 33 || bits == 64);
	for (unsigned i = 0;; i++) {
		SVM_ASSERT(i < maxlen);
		if (r->p >= r->end) return wr_fail(r, "unexpected end");
		b = *r->p++;
		shift = 7 * i;
		if (i == maxlen - 1) {
			if (b & 0x80) return wr_fail(r, "integer representation too long");
			unsigned used = bits - shift; /* value bits in the last byte, incl. sign */
			if (used < 7) {
				/* the unused high bits must all equal the sign bit */
				uint8_t mask = (uint8_t)((0x7fu >> used) << used);
				uint8_t want = ((b >> (used - 1)) & 1) ? mask : 0;
				if ((b & mask) != want) return wr_fail(r, "integer too large");
			}
		}
		if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) break;
	}
	shift += 7;
	if (shift < 64 && (b & 0x40)) v |= ~0ull << shift;
	*out = (int64_t)v;
	return 0;
}

static inline int wr_u32(wr_t *r, uint32_t *out)
{
	uint64_t v;
	int rc = wr_uleb(r, 32, &v);
	if (rc == 0) *out = (uint32_t)v;
	return rc;
}

static inline int wr_bytes(wr_t *r, uint32_t n, const uint8_t **out)
{
	if ((size_t)(r->end - r->p) < n) return wr_fail(r, "unexpected end");
	*out = r->p;
	r->p += n;
	SVM_ASSERT(r->p <= r->end);
	return 0;
}

static inline int wr_f32(wr_t *r, uint32_t *out)
{
	const uint8_t *b;
	if (wr_bytes(r, 4, &b)) return SVM_EDECODE;
	*out = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return 0;
}

static inline int wr_f64(wr_t *r, uint64_t *out)
{
	const uint8_t *b;
	if (wr_bytes(r, 8, &b)) return SVM_EDECODE;
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
	*out = v;
	return 0;
}

#endif

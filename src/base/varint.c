/* Canonical unsigned LEB128: the one integer encoding of SuperVM's consensus formats. */
#include "supervm/base.h"

size_t svm_varint_size(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) { v >>= 7; n++; }
	SVM_ASSERT(n >= 1 && n <= SVM_VARINT_MAX);
	return n;
}

size_t svm_varint_put(uint8_t *out, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	SVM_ASSERT(n <= SVM_VARINT_MAX && (n == 1 || out[n - 1] != 0)); /* minimal: no zero tail */
	return n;
}

int svm_varint_append(svm_buf_t *b, uint64_t v)
{
	uint8_t tmp[SVM_VARINT_MAX];
	return svm_buf_append(b, tmp, svm_varint_put(tmp, v));
}

int svm_varint_read_slow(svm_reader_t *r, uint64_t *out)
{
	uint64_t v = 0;
	size_t pos = r->pos;
	SVM_ASSERT(pos <= r->len); /* a reader never moves past its end */
	for (unsigned i = 0; i < SVM_VARINT_MAX; i++) {
		if (pos >= r->len) return SVM_EDECODE;
		uint8_t byte = r->p[pos++];
		uint64_t part = byte & 0x7f;
		if (i == 9 && byte > 0x01) return SVM_EDECODE; /* beyond 64 bits */
		v |= part << (7 * i);
		if (!(byte & 0x80)) {
			if (byte == 0 && i > 0) return SVM_EDECODE; /* non-minimal */
			SVM_ASSERT(pos - r->pos == i + 1 && svm_varint_size(v) == i + 1); /* canonical */
			r->pos = pos;
			*out = v;
			return 0;
		}
	}
	return SVM_EDECODE;
}

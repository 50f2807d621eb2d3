/* Lower-case hex encoding and strict decoding. */
#include <string.h>

#include "supervm/base.h"

void svm_hex_encode(char *out, const void *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *p = in;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = 0;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static const char *skip_prefix(const char *in)
{
	return (in[0] == '0' && (in[1] == 'x' || in[1] == 'X')) ? in + 2 : in;
}

int svm_hex_decode(void *out, size_t n, const char *in)
{
	in = skip_prefix(in);
	if (strlen(in) != 2 * n) return SVM_EDECODE;
	uint8_t *o = out;
	for (size_t i = 0; i < n; i++) {
		int hi = nibble(in[2 * i]), lo = nibble(in[2 * i + 1]);
		if (hi < 0 || lo < 0) return SVM_EDECODE;
		SVM_ASSERT(hi < 16 && lo < 16);
		o[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int svm_hex_decode_buf(svm_buf_t *buf, const char *in, size_t max_bytes)
{
	in = skip_prefix(in);
	size_t len = strlen(in);
	if (len % 2) return SVM_EDECODE;
	if (len / 2 > max_bytes) return SVM_ELIMIT;
	int rc = svm_buf_reserve(buf, len / 2);
	if (rc) return rc;
	size_t start = buf->len;
	SVM_ASSERT(buf->cap - buf->len >= len / 2); /* reserved: the loop below cannot overrun */
	for (size_t i = 0; i < len; i += 2) {
		int hi = nibble(in[i]), lo = nibble(in[i + 1]);
		if (hi < 0 || lo < 0) {
			buf->len = start; /* leave the buffer as it was */
			return SVM_EDECODE;
		}
		buf->data[buf->len++] = (uint8_t)(hi << 4 | lo);
	}
	SVM_ASSERT(buf->len == start + len / 2 && buf->len <= buf->cap); /* every pair, one byte */
	return 0;
}

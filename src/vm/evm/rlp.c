/* RLP (Ethereum's Recursive Length Prefix): a strict decoder that accepts only the canonical
 * encoding, and the encoder helpers the trie, the state root and transactions use. */
#include <string.h>

#include "supervm/evm.h"

/* Big-endian length of lenlen bytes, minimal (no leading zero) and at least 56. */
static int long_len(const uint8_t *p, size_t avail, size_t lenlen, size_t *out)
{
	if (lenlen > avail || lenlen > 8 || p[0] == 0) return SVM_EDECODE;
	uint64_t v = 0;
	for (size_t i = 0; i < lenlen; i++) v = (v << 8) | p[i];
	if (v < 56) return SVM_EDECODE;
	SVM_ASSERT(lenlen >= 1); /* a long form names at least one length byte */
	*out = (size_t)v;
	return 0;
}

int svm_rlp_item(const uint8_t *p, size_t len, svm_rlp_item_t *out, size_t *used)
{
	if (len == 0) return SVM_EDECODE;
	uint8_t b = p[0];
	size_t hdr, plen;
	if (b < 0x80) {
		*out = (svm_rlp_item_t){p, 1, false};
		*used = 1;
		return 0;
	}
	if (b <= 0xb7) {
		hdr = 1;
		plen = b - 0x80;
		if (plen == 1 && (len < 2 || p[1] < 0x80)) return SVM_EDECODE;
		out->is_list = false;
	} else if (b <= 0xbf) {
		hdr = 1 + (size_t)(b - 0xb7);
		if (long_len(p + 1, len - 1, hdr - 1, &plen)) return SVM_EDECODE;
		out->is_list = false;
	} else if (b <= 0xf7) {
		hdr = 1;
		plen = b - 0xc0;
		out->is_list = true;
	} else {
		hdr = 1 + (size_t)(b - 0xf7);
		if (long_len(p + 1, len - 1, hdr - 1, &plen)) return SVM_EDECODE;
		out->is_list = true;
	}
	if (plen > len - hdr) return SVM_EDECODE;
	/* canonical: a short header for under 56 bytes, a long one from 56 */
	SVM_ASSERT(hdr >= 1 && hdr <= 9 && (hdr == 1) == (plen < 56 || b < 0x80));
	out->p = p + hdr;
	out->len = plen;
	*used = hdr + plen;
	SVM_ASSERT(*used <= len);
	return 0;
}

int svm_rlp_next(const svm_rlp_item_t *list, size_t *pos, svm_rlp_item_t *out)
{
	if (*pos >= list->len) return 0;
	size_t used;
	if (svm_rlp_item(list->p + *pos, list->len - *pos, out, &used)) return SVM_EDECODE;
	*pos += used;
	SVM_ASSERT(used >= 1 && *pos <= list->len); /* each item consumes, inside its list */
	return 1;
}

/* Checks every nested list with an explicit stack (no recursion). */
static int check_nested(const svm_rlp_item_t *top)
{
	svm_rlp_item_t stack[SVM_RLP_DEPTH_MAX];
	size_t pos[SVM_RLP_DEPTH_MAX];
	int depth = 0;
	stack[0] = *top;
	pos[0] = 0;
	while (depth >= 0) {
		svm_rlp_item_t it;
		int rc = svm_rlp_next(&stack[depth], &pos[depth], &it);
		if (rc < 0) return rc;
		if (rc == 0) {
			depth--;
			continue;
		}
		if (!it.is_list) continue;
		if (depth + 1 >= SVM_RLP_DEPTH_MAX) return SVM_ELIMIT;
		SVM_ASSERT(it.p >= stack[depth].p && it.p + it.len <= stack[depth].p + stack[depth].len);
		depth++;
		stack[depth] = it;
		pos[depth] = 0;
	}
	return 0;
}

int svm_rlp_decode(const uint8_t *p, size_t len, svm_rlp_item_t *out)
{
	size_t used;
	int rc = svm_rlp_item(p, len, out, &used);
	if (rc) return rc;
	if (used != len) return SVM_EDECODE;
	return out->is_list ? check_nested(out) : 0;
}

int svm_rlp_uint(const svm_rlp_item_t *it, uint64_t *out)
{
	if (it->is_list || it->len > 8 || (it->len > 0 && it->p[0] == 0)) return SVM_EDECODE;
	uint64_t v = 0;
	for (size_t i = 0; i < it->len; i++) v = (v << 8) | it->p[i];
	SVM_ASSERT(it->len == 0 || v != 0); /* minimal: zero is the empty string */
	*out = v;
	return 0;
}

/* Header for a payload of n bytes with short base sb (0x80 strings, 0xc0 lists). */
static size_t header(uint8_t *h, size_t n, uint8_t sb)
{
	if (n < 56) {
		h[0] = (uint8_t)(sb + n);
		return 1;
	}
	uint8_t tmp[8];
	size_t k = 0;
	for (size_t v = n; v; v >>= 8) tmp[k++] = (uint8_t)v;
	SVM_ASSERT(k >= 1 && k <= 8); /* n ≥ 56 takes 1 to 8 length bytes */
	h[0] = (uint8_t)(sb + 55 + k);
	for (size_t i = 0; i < k; i++) h[1 + i] = tmp[k - 1 - i];
	return 1 + k;
}

int svm_rlp_put_bytes(svm_buf_t *b, const void *p, size_t n)
{
	const uint8_t *s = p;
	if (n == 1 && s[0] < 0x80) return svm_buf_push(b, s[0]);
	uint8_t h[9];
	size_t hl = header(h, n, 0x80);
	int rc = svm_buf_append(b, h, hl);
	return rc ? rc : svm_buf_append(b, p, n);
}

int svm_rlp_put_uint(svm_buf_t *b, uint64_t v)
{
	uint8_t be[8];
	svm_put_u64be(be, v);
	size_t i = 0;
	while (i < 8 && be[i] == 0) i++;
	SVM_ASSERT(i == 8 || be[i] != 0); /* minimal: no leading zero byte */
	return svm_rlp_put_bytes(b, be + i, 8 - i);
}

int svm_rlp_wrap_list(svm_buf_t *b, size_t start)
{
	uint8_t h[9];
	SVM_ASSERT(start <= b->len); /* the list's items were appended from start */
	size_t n = b->len - start;
	size_t hl = header(h, n, 0xc0);
	int rc = svm_buf_reserve(b, hl);
	if (rc) return rc;
	memmove(b->data + start + hl, b->data + start, n);
	memcpy(b->data + start, h, hl);
	b->len += hl;
	SVM_ASSERT(b->len == start + hl + n);
	return 0;
}

/* The root of Ethereum's hexary Merkle-Patricia trie, built bottom-up from a sorted key list:
 * a run of keys sharing a nibble prefix becomes an extension, a fork a branch, a single key a
 * leaf. Nodes whose RLP is under 32 bytes are embedded in their parent, others referenced by
 * their Keccak-256. The recursion is bounded by 2 · SVM_MPT_KEY_BYTES_MAX + 1 levels. */
#include <stdlib.h>
#include <string.h>

#include "supervm/evm.h"

static inline unsigned nib(const svm_mpt_kv_t *kv, size_t i)
{
	SVM_ASSERT(i / 2 < kv->key_len);
	uint8_t b = kv->key[i / 2];
	return (i & 1) ? (b & 15u) : (b >> 4);
}

static int kv_cmp(const void *a, const void *b)
{
	const svm_mpt_kv_t *x = a, *y = b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);
	if (c) return c;
	return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* Hex-prefix encoding of nibbles [from, to) of kv's key, with the leaf flag. */
static int put_hp(svm_buf_t *out, const svm_mpt_kv_t *kv, size_t from, size_t to, bool leaf)
{
	uint8_t tmp[SVM_MPT_KEY_BYTES_MAX + 1];
	/* a nibble range of one key: the flag byte and the packed nibbles fit tmp */
	SVM_ASSERT(from <= to && to <= 2 * kv->key_len && kv->key_len <= SVM_MPT_KEY_BYTES_MAX);
	size_t n = to - from, k = 0;
	uint8_t flag = (uint8_t)(leaf ? 2 : 0);
	if (n & 1) {
		tmp[k++] = (uint8_t)(((flag | 1) << 4) | nib(kv, from));
		from++;
	} else {
		tmp[k++] = (uint8_t)(flag << 4);
	}
	SVM_ASSERT((to - from) % 2 == 0); /* the odd nibble went into the flag byte */
	for (size_t i = from; i < to; i += 2) tmp[k++] = (uint8_t)((nib(kv, i) << 4) | nib(kv, i + 1));
	SVM_ASSERT(k == n / 2 + 1 && k <= sizeof tmp);
	return svm_rlp_put_bytes(out, tmp, k);
}

static int build(const svm_mpt_kv_t *kv, size_t n, size_t d, svm_buf_t *out);

/* Appends the reference to the node over kv[0..n) at depth d: embedded if short, else hashed. */
static int put_ref(const svm_mpt_kv_t *kv, size_t n, size_t d, svm_buf_t *out)
{
	if (n == 0) return svm_buf_push(out, 0x80);
	svm_buf_t node = {0};
	int rc = build(kv, n, d, &node);
	if (rc == 0) {
		SVM_ASSERT(node.len > 0); /* a node is at least its list header */
		if (node.len < 32) {
			rc = svm_buf_append(out, node.data, node.len);
		} else {
			uint8_t h[32];
			svm_keccak256(node.data, node.len, h);
			rc = svm_rlp_put_bytes(out, h, 32);
		}
	}
	svm_buf_free(&node);
	return rc;
}

static int build(const svm_mpt_kv_t *kv, size_t n, size_t d, svm_buf_t *out)
{
	size_t start = out->len;
	int rc;
	/* the recursion's bound: one level per nibble, plus the root */
	SVM_ASSERT(n >= 1 && d <= 2 * SVM_MPT_KEY_BYTES_MAX);
	/* keys strictly ascending (the root sorted and deduplicated them), all longer than the
	 * d nibbles this node consumes (its parent's prefix) except possibly the first */
	for (size_t i = 1; i < n; i++)
		SVM_ASSERT(kv_cmp(&kv[i - 1], &kv[i]) < 0 && kv[i].key_len * 2 > d);
	size_t nibs0 = kv[0].key_len * 2;
	SVM_ASSERT(nibs0 >= d);
	if (n == 1) {
		if ((rc = put_hp(out, &kv[0], d, nibs0, true))) return rc;
		if ((rc = svm_rlp_put_bytes(out, kv[0].val, kv[0].val_len))) return rc;
		return svm_rlp_wrap_list(out, start);
	}
	/* common prefix of the first and last key (sorted: it is everyone's) */
	size_t nibsl = kv[n - 1].key_len * 2, p = d;
	while (p < nibs0 && p < nibsl && nib(&kv[0], p) == nib(&kv[n - 1], p)) p++;
	/* two distinct keys: an extension never swallows a whole key (it would recurse forever) */
	SVM_ASSERT(p <= nibs0 && p <= nibsl && (p < nibs0 || p < nibsl));
	if (p > d) {
		if ((rc = put_hp(out, &kv[0], d, p, false))) return rc;
		if ((rc = put_ref(kv, n, p, out))) return rc;
		return svm_rlp_wrap_list(out, start);
	}
	size_t i = 0;
	const svm_mpt_kv_t *value = NULL;
	if (nibs0 == d) { /* sorted first: the key ending here is the branch's value */
		value = &kv[0];
		i = 1;
	}
	for (unsigned c = 0; c < 16; c++) {
		size_t j = i;
		while (j < n && nib(&kv[j], d) == c) j++;
		if ((rc = put_ref(kv + i, j - i, d + 1, out))) return rc;
		i = j;
	}
	/* every key went under exactly one child: the run per nibble requires the keys sorted */
	SVM_ASSERT(i == n);
	if (value) rc = svm_rlp_put_bytes(out, value->val, value->val_len);
	else rc = svm_buf_push(out, 0x80);
	if (rc) return rc;
	return svm_rlp_wrap_list(out, start);
}

int svm_mpt_root(svm_mpt_kv_t *kvs, size_t n, uint8_t root[SVM_KECCAK_SIZE])
{
	if (n == 0) {
		uint8_t e = 0x80;
		svm_keccak256(&e, 1, root);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (kvs[i].key_len > SVM_MPT_KEY_BYTES_MAX) return SVM_ELIMIT;
		if (kvs[i].val_len == 0) return SVM_EINVAL;
	}
	qsort(kvs, n, sizeof *kvs, kv_cmp);
	for (size_t i = 1; i < n; i++)
		if (kv_cmp(&kvs[i - 1], &kvs[i]) == 0) return SVM_EINVAL;
	svm_buf_t node = {0};
	int rc = build(kvs, n, 0, &node);
	if (rc == 0) svm_keccak256(node.data, node.len, root);
	svm_buf_free(&node);
	return rc;
}

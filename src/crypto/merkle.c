/* RFC 6962 §2.1 binary Merkle trees: roots, inclusion proofs and their verification
 * (RFC 9162 §2.1.3.2). No recursion and no allocation: a root is a left-to-right fold that
 * keeps one pending subtree root per bit of the leaf count (at most 33 for n ≤ 2^32), which
 * yields exactly the RFC's "split at the largest power of two smaller than n" tree. */
#include <string.h>

#include "supervm/crypto.h"

#define STACK_MAX 64
/* one pending root per bit of a leaf count up to SVM_MERKLE_LEAVES_MAX, plus the one pushed
 * before merging; a proof has one hash per level of that tree */
_Static_assert(SVM_MERKLE_LEAVES_MAX <= (1ull << (STACK_MAX - 2)), "fold stack");
_Static_assert(SVM_MERKLE_LEAVES_MAX <= (1ull << SVM_MERKLE_PROOF_MAX), "proof path");

void svm_merkle_leaf_hash(const void *data, size_t len, svm_hash_t *out)
{
	svm_sha256_ctx_t c;
	const uint8_t prefix = 0x00;
	svm_sha256_init(&c);
	svm_sha256_update(&c, &prefix, 1);
	svm_sha256_update(&c, data, len);
	svm_sha256_final(&c, out);
}

void svm_merkle_node_hash(const svm_hash_t *left, const svm_hash_t *right, svm_hash_t *out)
{
	uint8_t m[1 + 2 * SVM_HASH_SIZE];
	m[0] = 0x01;
	memcpy(m + 1, left->b, SVM_HASH_SIZE);
	memcpy(m + 1 + SVM_HASH_SIZE, right->b, SVM_HASH_SIZE);
	svm_sha256(m, sizeof m, out);
}

/* Leaves come from one of two sources: precomputed hashes or data to hash. */
typedef struct {
	const svm_hash_t *hashes;
	const svm_slice_t *data;
} leaves_t;

static void leaf_at(const leaves_t *l, uint64_t i, svm_hash_t *out)
{
	SVM_ASSERT((l->hashes != NULL) != (l->data != NULL)); /* exactly one source */
	if (l->hashes)
		*out = l->hashes[i];
	else
		svm_merkle_leaf_hash(l->data[i].p, l->data[i].len, out);
}

/* MTH(D[lo:hi]) for hi - lo ≥ 1. */
static void subtree_root(const leaves_t *l, uint64_t lo, uint64_t hi, svm_hash_t *out)
{
	svm_hash_t stack[STACK_MAX];
	unsigned top = 0; /* entries in stack */
	if (hi <= lo) { /* callers never ask; the empty tree keeps it total */
		svm_sha256(NULL, 0, out);
		return;
	}
	for (uint64_t i = lo; i < hi; i++) {
		SVM_ASSERT(top < STACK_MAX);
		leaf_at(l, i, &stack[top++]);
		/* After c leaves, one pending root per set bit of c: merge for each trailing zero. */
		for (uint64_t c = i - lo + 1; (c & 1) == 0; c >>= 1) {
			SVM_ASSERT(top >= 2);
			svm_merkle_node_hash(&stack[top - 2], &stack[top - 1], &stack[top - 2]);
			top--;
		}
		SVM_ASSERT(top == (unsigned)__builtin_popcountll(i - lo + 1));
	}
	SVM_ASSERT(top >= 1 && top == (unsigned)__builtin_popcountll(hi - lo));
	/* Fold the pending roots right to left: the smaller right subtrees hang off the larger. */
	svm_hash_t r = stack[top - 1];
	for (unsigned j = top - 1; j-- > 0;) svm_merkle_node_hash(&stack[j], &r, &r);
	*out = r;
}

static int root_of(const leaves_t *l, size_t n, svm_hash_t *root)
{
	if ((uint64_t)n > SVM_MERKLE_LEAVES_MAX) return SVM_ELIMIT;
	if (n == 0) {
		svm_sha256(NULL, 0, root);
		return 0;
	}
	subtree_root(l, 0, n, root);
	return 0;
}

int svm_merkle_root(const svm_hash_t *leaf_hashes, size_t n, svm_hash_t *root)
{
	leaves_t l = {leaf_hashes, NULL};
	return root_of(&l, n, root);
}

int svm_merkle_root_data(const svm_slice_t *leaves, size_t n, svm_hash_t *root)
{
	leaves_t l = {NULL, leaves};
	return root_of(&l, n, root);
}

/* Largest power of two strictly smaller than n (n ≥ 2). */
static uint64_t split_point(uint64_t n)
{
	SVM_ASSERT(n >= 2 && n <= SVM_MERKLE_LEAVES_MAX);
	uint64_t k = 1;
	while (k << 1 < n) k <<= 1;
	SVM_ASSERT(k < n && 2 * k >= n && (k & (k - 1)) == 0);
	return k;
}

int svm_merkle_prove(const svm_hash_t *leaf_hashes, size_t n, uint64_t index,
		     svm_merkle_proof_t *proof)
{
	if ((uint64_t)n > SVM_MERKLE_LEAVES_MAX) return SVM_ELIMIT;
	if (index >= n) return SVM_EINVAL;
	leaves_t l = {leaf_hashes, NULL};
	svm_hash_t top_down[SVM_MERKLE_PROOF_MAX];
	uint32_t len = 0;
	uint64_t lo = 0, hi = n;
	/* Descend from the root; each level contributes the sibling subtree's root. */
	while (hi - lo > 1) {
		/* the leaf stays inside the subtree descended into; one hash per level */
		SVM_ASSERT(lo <= index && index < hi && len < SVM_MERKLE_PROOF_MAX);
		uint64_t k = split_point(hi - lo);
		if (index - lo < k) {
			subtree_root(&l, lo + k, hi, &top_down[len++]);
			hi = lo + k;
		} else {
			subtree_root(&l, lo, lo + k, &top_down[len++]);
			lo += k;
		}
	}
	SVM_ASSERT(lo == index && hi == index + 1);
	proof->index = index;
	proof->size = n;
	proof->len = len;
	for (uint32_t i = 0; i < len; i++) proof->path[i] = top_down[len - 1 - i];
	return 0;
}

int svm_merkle_verify(const svm_hash_t *root, const svm_hash_t *leaf_hash,
		      const svm_merkle_proof_t *proof)
{
	if (proof->size == 0 || proof->size > SVM_MERKLE_LEAVES_MAX) return SVM_EPROOF;
	if (proof->index >= proof->size || proof->len > SVM_MERKLE_PROOF_MAX) return SVM_EPROOF;
	uint64_t fn = proof->index, sn = proof->size - 1;
	svm_hash_t r = *leaf_hash;
	for (uint32_t i = 0; i < proof->len; i++) {
		const svm_hash_t *p = &proof->path[i];
		SVM_ASSERT(fn <= sn); /* the leaf's position never passes the last one's */
		if (sn == 0) return SVM_EPROOF;
		if ((fn & 1) || fn == sn) {
			svm_merkle_node_hash(p, &r, &r);
			/* A right-edge node with no right sibling: skip levels until fn is a right child. */
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			svm_merkle_node_hash(&r, p, &r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0) return SVM_EPROOF;
	return svm_hash_eq(&r, root) ? 0 : SVM_EPROOF;
}

/* SHA-256 through OpenSSL's low-level SHA256_* functions: deprecated in OpenSSL 3 but, for the
 * short messages the state tree and Merkle trees hash, the fastest path to SHA-NI (measured:
 * ~98 ns per 64-byte message vs ~113 ns reusing an EVP_MD_CTX, ~155 ns for EVP_Digest with a
 * fetched MD and ~340 ns for EVP_Digest(EVP_sha256())/SHA256(), which re-fetch every call).
 * Also the hash helpers every layer uses (compare, hex). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <string.h>

#include "supervm/crypto.h"

_Static_assert(sizeof(SHA256_CTX) <= sizeof(((svm_sha256_ctx_t *)0)->opaque),
	       "svm_sha256_ctx_t too small for SHA256_CTX");
_Static_assert(_Alignof(SHA256_CTX) <= 8, "svm_sha256_ctx_t alignment");
_Static_assert(sizeof(svm_hash_t) == SVM_HASH_SIZE, "svm_hash_t has no padding");

void svm_sha256(const void *data, size_t len, svm_hash_t *out)
{
	SHA256_CTX c;
	SHA256_Init(&c);
	SHA256_Update(&c, data, len);
	SHA256_Final(out->b, &c);
}

void svm_sha256_init(svm_sha256_ctx_t *c)
{
	SHA256_Init((SHA256_CTX *)(void *)c->opaque);
}

void svm_sha256_update(svm_sha256_ctx_t *c, const void *data, size_t len)
{
	if (len) SHA256_Update((SHA256_CTX *)(void *)c->opaque, data, len);
}

void svm_sha256_final(svm_sha256_ctx_t *c, svm_hash_t *out)
{
	SHA256_Final(out->b, (SHA256_CTX *)(void *)c->opaque);
}

void svm_sha256_tagged(const char *tag, const svm_slice_t *parts, size_t n_parts,
		       svm_hash_t *out)
{
	SVM_ASSERT(n_parts == 0 || parts != NULL);
	SHA256_CTX c;
	SHA256_Init(&c);
	if (tag) SHA256_Update(&c, tag, strlen(tag));
	for (size_t i = 0; i < n_parts; i++)
		if (parts[i].len) SHA256_Update(&c, parts[i].p, parts[i].len);
	SHA256_Final(out->b, &c);
}

bool svm_hash_in_sorted(const svm_hash_t *sorted, size_t n, const svm_hash_t *h)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		SVM_ASSERT(lo <= mid && mid < hi && hi <= n);
		int c = svm_hash_cmp(&sorted[mid], h);
		if (c == 0) return true;
		if (c < 0) lo = mid + 1;
		else hi = mid;
	}
	/* not found: h sorts between its neighbours at lo (an unsorted array would break this
	 * locally, where the search went) */
	SVM_ASSERT(lo == hi && (lo == n || svm_hash_cmp(&sorted[lo], h) > 0) &&
		   (lo == 0 || svm_hash_cmp(&sorted[lo - 1], h) < 0));
	return false;
}

bool svm_hash_is_zero(const svm_hash_t *h)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < SVM_HASH_SIZE; i++) acc |= h->b[i];
	return acc == 0;
}

char *svm_hash_hex(const svm_hash_t *h, char out[2 * SVM_HASH_SIZE + 1])
{
	svm_hex_encode(out, h->b, SVM_HASH_SIZE);
	return out;
}

int svm_hash_from_hex(svm_hash_t *out, const char *hex)
{
	return svm_hex_decode(out->b, SVM_HASH_SIZE, hex);
}

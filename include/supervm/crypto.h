/* SuperVM crypto layer: SHA-256 (OpenSSL libcrypto, SHA-NI where the CPU has it), Ed25519
 * through libsodium (single verify only — the one signature acceptance rule), the identity
 * derivation, RFC 6962 binary Merkle trees with inclusion proofs, and JSON key files.
 *
 * Thread safety: every function here is safe to call from any thread once svm_crypto_init has
 * returned 0 (contexts and proofs belong to their caller and must not be shared unlocked). */
#ifndef SUPERVM_CRYPTO_H
#define SUPERVM_CRYPTO_H

#include <string.h>

#include "supervm/base.h"

/* ------------------------------------------------------------ hashes */

#define SVM_HASH_SIZE 32

/* A SHA-256 digest; also every 32-byte id (objects, identities, tokens, blocks). Alignment 1,
 * so it may be copied in and out of encodings freely; compare with svm_hash_eq. */
typedef struct {
	uint8_t b[SVM_HASH_SIZE];
} svm_hash_t;

/* An identity or object id. */
typedef svm_hash_t svm_id_t;

/* A borrowed byte string (never owns its bytes). */
typedef struct {
	const uint8_t *p;
	size_t len;
} svm_slice_t;

/* Equality and memcmp order (<0, 0, >0); inline, as the executor compares ids constantly.
 * Not constant-time: ids are public. */
static inline bool svm_hash_eq(const svm_hash_t *a, const svm_hash_t *b)
{
	uint64_t x[4], y[4];
	memcpy(x, a->b, sizeof x);
	memcpy(y, b->b, sizeof y);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}
static inline int svm_hash_cmp(const svm_hash_t *a, const svm_hash_t *b)
{
	uint64_t x = svm_get_u64be(a->b), y = svm_get_u64be(b->b);
	if (x != y) return x < y ? -1 : 1;
	return memcmp(a->b + 8, b->b + 8, SVM_HASH_SIZE - 8);
}
bool svm_hash_is_zero(const svm_hash_t *h);
/* Binary search: is h in sorted[0..n) (strictly ascending by svm_hash_cmp, as every declared
 * access list is)? */
bool svm_hash_in_sorted(const svm_hash_t *sorted, size_t n, const svm_hash_t *h);
/* Lower-case hex of h into out[65] (NUL-terminated); returns out. */
char *svm_hash_hex(const svm_hash_t *h, char out[2 * SVM_HASH_SIZE + 1]);
/* Parses exactly 64 hex digits (optional "0x"). SVM_EDECODE otherwise. */
int svm_hash_from_hex(svm_hash_t *out, const char *hex);

/* Initialises libsodium (once; thread-safe, idempotent). Returns 0, or SVM_EUNSUPPORTED if
 * libsodium cannot initialise. Call before any Ed25519 function or key file. */
int svm_crypto_init(void);

/* ------------------------------------------------------------- SHA-256 */

/* One-shot SHA-256 of len bytes (len may be 0, data may then be NULL). */
void svm_sha256(const void *data, size_t len, svm_hash_t *out);

/* An incremental SHA-256 context, owned by the caller (usually on the stack). No heap state:
 * it may be copied to fork a hash, and needs no cleanup if abandoned. */
typedef struct {
	_Alignas(8) uint8_t opaque[128];
} svm_sha256_ctx_t;

void svm_sha256_init(svm_sha256_ctx_t *c);
void svm_sha256_update(svm_sha256_ctx_t *c, const void *data, size_t len);
void svm_sha256_final(svm_sha256_ctx_t *c, svm_hash_t *out); /* c must be re-inited to reuse */

/* Domain-tagged hash of several parts: SHA-256(tag ‖ parts[0] ‖ … ‖ parts[n-1]), with the
 * tag's bytes (no NUL, no length prefix) first; tag may be NULL for no tag. Plain
 * concatenation: every caller's parts must have fixed lengths (or carry their own length) so
 * two different inputs cannot concatenate to the same bytes. */
void svm_sha256_tagged(const char *tag, const svm_slice_t *parts, size_t n_parts,
		       svm_hash_t *out);

/* ------------------------------------------------------------- Ed25519 */

/* Signature schemes, named by one byte in every format that carries a key or signature. */
#define SVM_SCHEME_ED25519 1

#define SVM_ED25519_SEED_SIZE 32
#define SVM_ED25519_PUBKEY_SIZE 32
#define SVM_ED25519_SECRET_SIZE 64 /* libsodium layout: seed ‖ public key */
#define SVM_ED25519_SIG_SIZE 64

/* The largest public key and signature of any supported scheme (sizes buffers for them). */
#define SVM_PUBKEY_SIZE_MAX 32
#define SVM_SIG_SIZE_MAX 64

/* Public-key and signature sizes of a scheme; 0 for an unknown scheme. */
size_t svm_scheme_pubkey_size(uint8_t scheme);
size_t svm_scheme_sig_size(uint8_t scheme);

/* Derives the Ed25519 key pair from a 32-byte seed (RFC 8032 private key). pk[32], sk[64]. */
void svm_ed25519_keypair_seed(uint8_t pk[SVM_ED25519_PUBKEY_SIZE],
			      uint8_t sk[SVM_ED25519_SECRET_SIZE],
			      const uint8_t seed[SVM_ED25519_SEED_SIZE]);
/* A fresh random key pair (libsodium's CSPRNG). */
void svm_ed25519_keypair_random(uint8_t pk[SVM_ED25519_PUBKEY_SIZE],
				uint8_t sk[SVM_ED25519_SECRET_SIZE]);
/* Detached signature of msg[len] with the 64-byte secret key (deterministic, RFC 8032). */
void svm_ed25519_sign(uint8_t sig[SVM_ED25519_SIG_SIZE], const void *msg, size_t len,
		      const uint8_t sk[SVM_ED25519_SECRET_SIZE]);
/* libsodium's crypto_sign_verify_detached — the single consensus acceptance rule (never a
 * batch verifier). Returns 0 if valid, SVM_ESIG otherwise. */
int svm_ed25519_verify(const uint8_t sig[SVM_ED25519_SIG_SIZE], const void *msg, size_t len,
		       const uint8_t pk[SVM_ED25519_PUBKEY_SIZE]);

/* ------------------------------------------------------------ identity */

/* id = SHA-256("svm/id" ‖ scheme ‖ pubkey). The one identity derivation. Returns
 * SVM_EUNSUPPORTED for an unknown scheme, SVM_EINVAL if len is not the scheme's key size. */
int svm_identity_derive(uint8_t scheme, const uint8_t *pubkey, size_t len, svm_id_t *out);

/* ----------------------------------------------------------- key pairs */

/* A signing identity. Holds secret material: wipe with svm_keypair_wipe when done. */
typedef struct {
	uint8_t scheme; /* SVM_SCHEME_ED25519 */
	uint8_t public_key[SVM_ED25519_PUBKEY_SIZE];
	uint8_t secret_key[SVM_ED25519_SECRET_SIZE]; /* seed ‖ public key */
	svm_id_t id;                                 /* svm_identity_derive(scheme, public_key) */
} svm_keypair_t;

void svm_keypair_from_seed(svm_keypair_t *kp, const uint8_t seed[SVM_ED25519_SEED_SIZE]);
void svm_keypair_random(svm_keypair_t *kp);
void svm_keypair_wipe(svm_keypair_t *kp); /* zeroes it (not optimised away) */

/* Key files are JSON:
 *   {"scheme":"ed25519","id":"<64 hex>","public_key":"<64 hex>","secret_seed":"<64 hex>"}
 * svm_keyfile_write creates path with mode 0600 (O_CREAT|O_EXCL: SVM_EEXIST if it exists; SVM_EIO
 * on other OS errors). svm_keyfile_read validates everything — the scheme is known, every hex
 * field has the right length, the public key and id match the seed — and returns SVM_EDECODE
 * (malformed), SVM_EUNSUPPORTED (unknown scheme), SVM_EINVAL (key/id mismatch), SVM_ELIMIT
 * (file over SVM_KEYFILE_BYTES_MAX) or SVM_EIO, with
 * a message naming the field in err. */
#define SVM_KEYFILE_BYTES_MAX 4096
int svm_keyfile_write(const char *path, const svm_keypair_t *kp, svm_error_t *err);
int svm_keyfile_read(const char *path, svm_keypair_t *kp, svm_error_t *err);

/* ----------------------------------------------------- Merkle (RFC 6962) */

/* The binary Merkle tree of RFC 6962 §2.1 (= RFC 9162 §2.1.1): leaf = SHA-256(0x00 ‖ data),
 * node = SHA-256(0x01 ‖ left ‖ right), a tree of n leaves splits at the largest power of two
 * smaller than n, and the empty tree's root is SHA-256(""). Used for the transaction and
 * receipts roots of blocks. Iterative everywhere; no allocation. */
#define SVM_MERKLE_LEAVES_MAX (1ull << 32)
#define SVM_MERKLE_PROOF_MAX 32 /* path length bound for n ≤ 2^32 */

void svm_merkle_leaf_hash(const void *data, size_t len, svm_hash_t *out);
void svm_merkle_node_hash(const svm_hash_t *left, const svm_hash_t *right, svm_hash_t *out);

/* Root of n precomputed leaf hashes. SVM_ELIMIT if n > SVM_MERKLE_LEAVES_MAX. */
int svm_merkle_root(const svm_hash_t *leaf_hashes, size_t n, svm_hash_t *root);
/* Root of n leaves given as data (hashes each with svm_merkle_leaf_hash). */
int svm_merkle_root_data(const svm_slice_t *leaves, size_t n, svm_hash_t *root);

/* An inclusion (audit) path: the sibling hashes from the leaf upward (RFC 6962 PATH order). */
typedef struct {
	uint64_t index; /* leaf index, < size */
	uint64_t size;  /* leaves in the tree */
	uint32_t len;   /* hashes in path, ≤ SVM_MERKLE_PROOF_MAX */
	svm_hash_t path[SVM_MERKLE_PROOF_MAX];
} svm_merkle_proof_t;

/* Builds the inclusion proof of leaf index in a tree of n leaf hashes (O(n) hashing).
 * SVM_EINVAL if index >= n, SVM_ELIMIT if n > SVM_MERKLE_LEAVES_MAX. */
int svm_merkle_prove(const svm_hash_t *leaf_hashes, size_t n, uint64_t index,
		     svm_merkle_proof_t *proof);
/* Verifies that leaf_hash is leaf proof->index of the proof->size-leaf tree with this root
 * (RFC 9162 §2.1.3.2). Returns 0 or SVM_EPROOF (including malformed index/size/len).
 * A path does not bind the tree size on its own (leaf 0 of 5 and of 6 have the same path
 * shape), so the size must be authenticated together with the root (a header's tx_count). */
int svm_merkle_verify(const svm_hash_t *root, const svm_hash_t *leaf_hash,
		      const svm_merkle_proof_t *proof);

#endif

/* SuperVM state layer: the object store over `store` (current bytes of every object, and reads
 * at any retained height) and the authenticated state tree over object ids — a Jellyfish-style
 * 16-ary path-compressed sparse Merkle tree with one 32-byte root per height, inclusion and
 * exclusion proofs, and a stand-alone proof verifier. docs/state.md fixes the formats.
 *
 * Tree, in one paragraph: keys are 32-byte object ids read as 64 nibbles; a leaf holds
 * (key, value hash = SHA-256(object bytes)) and sits at the shallowest depth where its nibble
 * prefix is unique; internal nodes have 16 child slots. Hashes:
 *   empty subtree = 32 zero bytes (so the root of the empty tree is 32 zero bytes)
 *   leaf          = SHA-256(0x00 ‖ key ‖ value_hash)
 *   internal      = SHA-256(0x01 ‖ u16be bitmap of non-empty children ‖ their hashes in order)
 *
 * Heights: svm_state_apply is called once per height, heights strictly consecutive (the first
 * one may be any value, e.g. 0 for genesis). Writes go into the caller's LMDB write transaction
 * so a block, its receipts and its state commit together; nothing in memory changes until that
 * transaction commits (an aborted one leaves no trace — state uses svm_store_on_end).
 *
 * Threads: svm_state_t is shared. Reads (get, get_at, root, prove) are safe from any thread,
 * each with its own read transaction. svm_state_apply runs on the write transaction's thread,
 * one at a time (LMDB already allows just one write transaction). The verifier and the proof
 * decoder are pure functions. */
#ifndef SUPERVM_STATE_H
#define SUPERVM_STATE_H

#include "supervm/base.h"
#include "supervm/crypto.h"
#include "supervm/store.h"

#define SVM_STATE_CACHE_DEPTH_DEFAULT 4u   /* internal nodes at depth < 4 cached (<= 4369) */
#define SVM_STATE_CACHE_DEPTH_MAX 6u
#define SVM_STATE_OBJECT_BYTES_MAX (1u << 20) /* one object's canonical bytes */
#define SVM_STATE_WRITES_MAX (1u << 22)       /* writes in one svm_state_apply */
#define SVM_STATE_PROOF_LEVELS_MAX 64         /* internal nodes on a path (64 nibbles) */
/* format byte, level count, 64 × (bitmap + 15 hashes), terminal tag, leaf key and value hash */
#define SVM_STATE_PROOF_BYTES_MAX (2u + 64u * (2u + 15u * 32u) + 1u + 64u)

typedef struct {
	uint64_t retain_heights; /* keep reads/proofs for the last N heights; 0 = keep all */
	unsigned cache_depth;    /* 0 = SVM_STATE_CACHE_DEPTH_DEFAULT; at most ..._MAX */
} svm_state_config_t;

typedef struct svm_state svm_state_t;

/* One object write of a block: the object's canonical bytes, or bytes == NULL to delete it. */
typedef struct {
	svm_hash_t id;
	const uint8_t *bytes; /* borrowed for the duration of svm_state_apply */
	size_t len;           /* <= SVM_STATE_OBJECT_BYTES_MAX */
} svm_state_write_t;

/* Opens the state over an open store (which must outlive it). cfg may be NULL. Reads the
 * committed height from the store's meta table. */
int svm_state_open(svm_state_t **out, svm_store_t *store, const svm_state_config_t *cfg,
		   svm_error_t *err);
void svm_state_close(svm_state_t *st); /* NULL is a no-op */

/* The last height applied as seen by txn. SVM_ENOTFOUND if none has been. */
int svm_state_height(svm_state_t *st, svm_store_txn_t *txn, uint64_t *height);

/* The lowest height still readable (heights below it were pruned), as seen by txn. */
int svm_state_height_min(svm_state_t *st, svm_store_txn_t *txn, uint64_t *height);

/* Current bytes of object id as seen by txn (read or write). *bytes borrows from the store
 * (lifetime per store.h). SVM_ENOTFOUND if the object does not exist. */
int svm_state_get(svm_state_t *st, svm_store_txn_t *txn, const svm_hash_t *id,
		  const uint8_t **bytes, size_t *len);

/* Bytes of object id as of the end of `height`. SVM_ENOTFOUND if it did not exist then or
 * height is above the latest; SVM_ESTATE if height was pruned. */
int svm_state_get_at(svm_state_t *st, svm_store_txn_t *txn, uint64_t height,
		     const svm_hash_t *id, const uint8_t **bytes, size_t *len);

/* Applies one height's write set inside write transaction txn: updates current objects,
 * history, tree nodes and the root, prunes what fell out of the retention window, and writes
 * the new root to *root (may be NULL). writes[] must be sorted by id, strictly ascending (no
 * duplicates): SVM_EINVAL otherwise. height must be the last height + 1 (any value for the
 * first). n may be 0 (the root is carried over). On any error the caller must abort txn.
 * Memory: writes are only borrowed; the state keeps nothing of them. */
int svm_state_apply(svm_state_t *st, svm_store_txn_t *txn, uint64_t height,
		    const svm_state_write_t *writes, size_t n, svm_hash_t *root, svm_error_t *err);

/* The root at height. SVM_ENOTFOUND if never applied, SVM_ESTATE if pruned. */
int svm_state_root(svm_state_t *st, svm_store_txn_t *txn, uint64_t height, svm_hash_t *root);

/* Writes into proof (appended) the canonical proof of key at height: an inclusion proof if the
 * key is present, else an exclusion proof. *present and *value_hash (either may be NULL) tell
 * which and the leaf's value hash. Errors as svm_state_root. */
int svm_state_prove(svm_state_t *st, svm_store_txn_t *txn, uint64_t height, const svm_hash_t *key,
		    svm_buf_t *proof, bool *present, svm_hash_t *value_hash);

/* value_hash = SHA-256(bytes): the leaf value of an object. */
void svm_state_value_hash(const uint8_t *bytes, size_t len, svm_hash_t *value_hash);

/* Verifies proof against root for key: value_hash != NULL proves key maps to value_hash,
 * value_hash == NULL proves key is absent. Needs nothing but SHA-256. Returns 0, SVM_EDECODE
 * for a non-canonical proof, or SVM_EPROOF when it does not prove the claim. */
int svm_state_proof_verify(const svm_hash_t *root, const svm_hash_t *key,
			   const svm_hash_t *value_hash, const uint8_t *proof, size_t len);

/* A decoded proof (borrowing the sibling hashes from the proof bytes).
 * Encoding: u8 format (1) ‖ u8 level count L ‖ L × (u16be sibling bitmap ‖ 32 × popcount
 * hashes) ‖ u8 terminal (0 empty slot, 1 leaf) ‖ [leaf: key 32 ‖ value hash 32].
 * Level i is the internal node at depth i on the key's path; its bitmap names the non-empty
 * children other than the one on the path. */
#define SVM_STATE_PROOF_FORMAT 1
#define SVM_STATE_PROOF_TERM_EMPTY 0
#define SVM_STATE_PROOF_TERM_LEAF 1
typedef struct {
	uint16_t bitmap;           /* sibling slots present */
	const uint8_t *siblings;   /* popcount(bitmap) × 32 bytes, in nibble order */
} svm_state_proof_level_t;

typedef struct {
	uint8_t level_count;
	svm_state_proof_level_t levels[SVM_STATE_PROOF_LEVELS_MAX];
	uint8_t terminal;           /* SVM_STATE_PROOF_TERM_* */
	svm_hash_t leaf_key;        /* terminal == LEAF */
	svm_hash_t leaf_value_hash; /* terminal == LEAF */
} svm_state_proof_t;

/* Decodes a proof; SVM_EDECODE on truncation, trailing bytes, unknown format or tag, more than
 * 64 levels, or a shape no canonical tree produces (e.g. a leaf with no siblings below the
 * root). Pure; out borrows from proof. */
int svm_state_proof_decode(const uint8_t *proof, size_t len, svm_state_proof_t *out);

#endif

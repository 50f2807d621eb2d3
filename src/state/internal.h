/* Private to src/state: tree node layout, storage keys and the hashing shared by the tree,
 * the prover and the verifier. docs/state.md describes the same formats in prose. */
#ifndef SUPERVM_STATE_INTERNAL_H
#define SUPERVM_STATE_INTERNAL_H

#include "supervm/state.h"

/* Child / node kinds. */
enum { REF_EMPTY = 0, REF_LEAF = 1, REF_NODE = 2 };

/* A reference to a subtree: empty, a leaf (held inline by its parent), or an internal node
 * stored under (version, depth, path). */
typedef struct {
	uint8_t kind;
	svm_hash_t hash;
	uint64_t version;   /* NODE: height it was written; LEAF: height the value was written */
	svm_hash_t key;     /* LEAF */
	svm_hash_t value;   /* LEAF: value hash */
} ref_t;

/* A decoded internal node. */
typedef struct {
	uint16_t bitmap; /* non-empty children */
	ref_t child[16];
} node_t;

/* Storage key of an internal node: u64be version ‖ u8 depth ‖ packed nibble path (the
 * first `depth` nibbles of any key under it, high nibble first, last nibble's low half 0).
 * The per-height root record uses depth byte 0xFF and no path: it sorts after every node of
 * that version, so one height's nodes followed by its root are appended in key order. */
#define NODE_KEY_MAX (8 + 1 + 32)
#define ROOT_DEPTH_TAG 0xFF

static inline unsigned nibble_at(const svm_hash_t *k, unsigned i)
{
	return (k->b[i / 2] >> ((i & 1) ? 0 : 4)) & 0xF;
}

size_t state_node_key(uint8_t *out, uint64_t version, unsigned depth, const svm_hash_t *path);
size_t state_root_key(uint8_t *out, uint64_t version);

/* Node encoding: u16be bitmap ‖ u16be leaf bitmap ‖ per child in nibble order:
 *   NODE: hash 32 ‖ u64be version;  LEAF: hash 32 ‖ key 32 ‖ value 32 ‖ u64be version. */
#define NODE_BYTES_MAX (4 + 16 * (32 + 32 + 32 + 8))
size_t state_node_encode(const node_t *n, uint8_t *out);
/* The node invariant: the bitmap names exactly the non-empty children, kinds are known, and a
 * node has two children or more, or one that is an internal node (a lone leaf is lifted). */
bool state_node_ok(const node_t *n);
int state_node_decode(const uint8_t *p, size_t len, node_t *n);

/* Root record: u8 kind ‖ hash 32 ‖ [NODE: u64be version | LEAF: key ‖ value ‖ u64be version]. */
#define ROOT_BYTES_MAX (1 + 32 + 32 + 32 + 8)
size_t state_root_encode(const ref_t *r, uint8_t *out);
int state_root_decode(const uint8_t *p, size_t len, ref_t *r);

/* Hashing (domain-separated). */
void state_sha256(const void *data, size_t len, svm_hash_t *out);
void state_leaf_hash(const svm_hash_t *key, const svm_hash_t *value, svm_hash_t *out);
/* hashes[] holds popcount(bitmap) child hashes in nibble order. */
void state_node_hash(uint16_t bitmap, const svm_hash_t *const *hashes, svm_hash_t *out);

/* Reads the root ref at a height (SVM_ENOTFOUND if none). */
int state_root_load(svm_store_txn_t *txn, uint64_t height, ref_t *root);
/* Reads and decodes the node at (version, depth, path) straight from the store. */
int state_node_load(svm_store_txn_t *txn, uint64_t version, unsigned depth,
		    const svm_hash_t *path, node_t *n);

/* A cached node: the newest committed version of the internal node at one path. */
typedef struct {
	uint64_t version;
	node_t node;
} cached_t;

struct svm_state {
	svm_store_t *store;
	uint64_t retain_heights;
	unsigned cache_depth;
	/* Written only on the write transaction's thread (apply and its end hook). Key =
	 * u8 depth ‖ packed path; value = malloc'd cached_t. */
	svm_map_t cache;
	uint64_t committed_height; /* last height whose transaction committed; valid if any */
	bool committed_any;
};

/* Cache key of a path (u8 depth ‖ packed nibbles); returns its length. */
size_t state_cache_key(uint8_t *out, unsigned depth, const svm_hash_t *path);

/* 0 if height is readable; SVM_ESTATE below the retained window, SVM_ENOTFOUND above the
 * latest height or before the first apply. */
int state_check_height(svm_store_txn_t *txn, uint64_t height);

/* Meta keys owned by the state layer. */
#define META_HEIGHT "state.height"
#define META_HEIGHT_MIN "state.height_min"

/* Stale lists: key u64be prunable-from height ‖ u64be height that wrote the list; value a
 * sequence of records u8 kind ‖ u8 key length ‖ key. Each named entry is needed by no height
 * >= the prunable-from height, so it is deleted once that height is the window's first.
 * One list per height (not one entry per stale key) keeps this to a single put per block. */
enum { STALE_NODE = 0, STALE_HISTORY = 1 };

#endif

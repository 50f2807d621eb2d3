/* Private to src/state: the batched tree update's context and outputs. */
#ifndef SUPERVM_STATE_TREE_H
#define SUPERVM_STATE_TREE_H

#include "state/internal.h"

/* One write of the batch: key, value hash, or a deletion. */
typedef struct {
	svm_hash_t key;
	svm_hash_t value;
	bool del;
} item_t;

/* A node written at this height (bytes in the arena). node is a copy for the cache when the
 * depth is cached, else NULL. */
typedef struct {
	uint8_t key[NODE_KEY_MAX];
	uint8_t key_len;
	uint8_t depth;
	uint32_t len;
	uint8_t *bytes;
	node_t *node;
} new_node_t;

/* A node replaced (or removed) at this height. */
typedef struct {
	uint64_t version;
	uint8_t depth;
	svm_hash_t path;
} stale_node_t;

/* A leaf overwritten or deleted at this height: its history entry (key, version) is stale. */
typedef struct {
	svm_hash_t key;
	uint64_t version;
} stale_leaf_t;

typedef struct {
	svm_state_t *st;
	svm_store_txn_t *txn;
	uint64_t height;
	svm_arena_t *arena;
	svm_buf_t new_nodes;    /* new_node_t records */
	svm_buf_t stale_nodes;  /* stale_node_t records */
	svm_buf_t stale_leaves; /* stale_leaf_t records */
	svm_buf_t prunable;      /* stale-list records prunable from this height (retention on) */
	svm_buf_t prunable_next; /* … and from the next one (tombstones written here) */
	uint64_t hashes, cache_hits, cache_misses;
} tree_ctx_t;

/* Merges items (sorted by key, distinct) into the tree whose root is old_root. Loads nodes
 * through the cache and cx->txn; writes nothing to the store. */
int state_tree_update(tree_ctx_t *cx, const ref_t *old_root, const item_t *items, size_t n,
		      ref_t *new_root);

#endif

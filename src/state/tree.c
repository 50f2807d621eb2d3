/* The batched tree update: one height's sorted write set is merged into the tree in a single
 * depth-first pass, so every internal node on the paths of the batch is loaded, rehashed and
 * written exactly once however many of its keys change. New nodes are collected (not written)
 * so the caller can append them in key order; replaced nodes are reported as stale. */
#include <stdlib.h>
#include <string.h>

#include "state/tree.h"

/* Whether a and b agree on their first `depth` nibbles (the path of a node at that depth). */
static bool prefix_eq(const svm_hash_t *a, const svm_hash_t *b, unsigned depth)
{
	for (unsigned i = 0; i < depth; i++)
		if (nibble_at(a, i) != nibble_at(b, i)) return false;
	return true;
}

/* The node at (depth, path) holds, under child i, only leaves whose key has the node's path
 * and nibble i next: where a proof looks for them. */
static bool leaves_placed(const node_t *n, unsigned depth, const svm_hash_t *path)
{
	for (unsigned i = 0; i < 16; i++) {
		const ref_t *c = &n->child[i];
		if (c->kind == REF_LEAF &&
		    (!prefix_eq(&c->key, path, depth) || nibble_at(&c->key, depth) != i))
			return false;
	}
	return true;
}

size_t state_cache_key(uint8_t *out, unsigned depth, const svm_hash_t *path)
{
	SVM_ASSERT(depth < 64);
	size_t bytes = (depth + 1) / 2;
	out[0] = (uint8_t)depth;
	memcpy(out + 1, path->b, bytes);
	if (depth & 1) out[bytes] &= 0xF0;
	return 1 + bytes;
}

static int load_node(tree_ctx_t *cx, uint64_t version, unsigned depth, const svm_hash_t *path,
		     node_t *out)
{
	svm_state_t *st = cx->st;
	uint8_t ck[1 + 32];
	size_t ckl = 0;
	if (depth < st->cache_depth) {
		ckl = state_cache_key(ck, depth, path);
		cached_t *c = svm_map_get(&st->cache, ck, ckl);
		if (c && c->version == version) {
			SVM_ASSERT(state_node_ok(&c->node)); /* only good nodes enter the cache */
			*out = c->node;
			cx->cache_hits++;
			return 0;
		}
	}
	int rc = state_node_load(cx->txn, version, depth, path, out);
	if (rc) return rc;
	SVM_ASSERT(state_node_ok(out)); /* the loader refuses a broken node: the cache takes it */
	cx->cache_misses++;
	/* Only committed nodes enter the cache: an uncommitted one could vanish in an abort. */
	if (ckl && st->committed_any && version <= st->committed_height) {
		bool created;
		void **slot = svm_map_put(&st->cache, ck, ckl, &created);
		if (!slot) return 0; /* the cache is an optimisation; a full one is not an error */
		cached_t *c = *slot;
		if (!c && !(c = svm_malloc(sizeof *c))) {
			svm_map_del(&st->cache, ck, ckl);
			return 0;
		}
		c->version = version;
		c->node = *out;
		*slot = c;
	}
	return 0;
}

static int push(svm_buf_t *b, const void *rec, size_t n) { return svm_buf_append(b, rec, n); }

static int emit_node(tree_ctx_t *cx, unsigned depth, const svm_hash_t *path, const node_t *n)
{
	SVM_ASSERT(state_node_ok(n) && leaves_placed(n, depth, path));
	new_node_t rec;
	rec.key_len = (uint8_t)state_node_key(rec.key, cx->height, depth, path);
	uint8_t tmp[NODE_BYTES_MAX];
	size_t len = state_node_encode(n, tmp);
	SVM_ASSERT(len <= sizeof tmp && rec.key_len <= NODE_KEY_MAX);
	rec.bytes = svm_arena_dup(cx->arena, tmp, len);
	if (!rec.bytes) return SVM_ENOMEM;
	rec.len = (uint32_t)len;
	rec.depth = (uint8_t)depth;
	rec.node = NULL;
	if (depth < cx->st->cache_depth) {
		rec.node = svm_arena_alloc(cx->arena, sizeof(node_t));
		if (!rec.node) return SVM_ENOMEM;
		*rec.node = *n;
	}
	return push(&cx->new_nodes, &rec, sizeof rec);
}

static int note_stale_node(tree_ctx_t *cx, uint64_t version, unsigned depth,
			   const svm_hash_t *path)
{
	SVM_ASSERT(version < cx->height && depth < 64); /* replaced: written at an earlier height */
	stale_node_t rec;
	rec.version = version;
	rec.depth = (uint8_t)depth;
	rec.path = *path;
	return push(&cx->stale_nodes, &rec, sizeof rec);
}

static int note_old_leaf(tree_ctx_t *cx, const ref_t *leaf)
{
	SVM_ASSERT(leaf->kind == REF_LEAF && leaf->version <= cx->height);
	stale_leaf_t rec = {leaf->key, leaf->version};
	return push(&cx->stale_leaves, &rec, sizeof rec);
}

static void make_leaf(ref_t *out, const item_t *it, uint64_t height)
{
	SVM_ASSERT(!it->del); /* a deletion never makes a leaf */
	out->kind = REF_LEAF;
	out->key = it->key;
	out->value = it->value;
	out->version = height;
	state_leaf_hash(&it->key, &it->value, &out->hash);
}

static bool ref_same(const ref_t *a, const ref_t *b)
{
	return a->kind == b->kind && a->version == b->version &&
	       memcmp(a->hash.b, b->hash.b, 32) == 0;
}

/* Finishes a node after its children changed: empty, a lifted single leaf, or a new node. */
static int finish(tree_ctx_t *cx, unsigned depth, const svm_hash_t *path, node_t *node,
		  ref_t *out)
{
	const svm_hash_t *hashes[16];
	unsigned count = 0, last = 0;
	node->bitmap = 0;
	for (unsigned i = 0; i < 16; i++) {
		if (node->child[i].kind == REF_EMPTY) continue;
		node->bitmap |= (uint16_t)(1u << i);
		hashes[count++] = &node->child[i].hash;
		last = i;
	}
	if (count == 0) {
		memset(out, 0, sizeof *out);
		return 0;
	}
	if (count == 1 && node->child[last].kind == REF_LEAF) {
		*out = node->child[last]; /* path compression: a lone leaf moves up */
		return 0;
	}
	SVM_ASSERT(count >= 2 || node->child[last].kind == REF_NODE);
	memset(out, 0, sizeof *out);
	out->kind = REF_NODE;
	out->version = cx->height;
	state_node_hash(node->bitmap, hashes, &out->hash);
	cx->hashes++;
	return emit_node(cx, depth, path, node);
}

/* Merges items (sorted, distinct, all under the path of depth `depth`) into the subtree old.
 * Recursion depth is bounded by 64: distinct keys part before their 64th nibble. */
static int update(tree_ctx_t *cx, unsigned depth, const ref_t *old, const item_t *items,
		  size_t n, ref_t *out)
{
	SVM_ASSERT(n >= 1 && old->kind <= REF_NODE);
	/* sorted items all under this subtree's path: the first and the last share it */
	SVM_ASSERT(prefix_eq(&items[0].key, &items[n - 1].key, depth));
	SVM_ASSERT(old->kind != REF_LEAF || prefix_eq(&old->key, &items[0].key, depth));
	SVM_ASSERT(old->kind == REF_EMPTY || old->version <= cx->height); /* written before */
	if (old->kind != REF_NODE && n == 1) {
		const item_t *it = &items[0];
		bool same = old->kind == REF_LEAF && memcmp(old->key.b, it->key.b, 32) == 0;
		if (old->kind == REF_EMPTY || same) {
			if (same) {
				int rc = note_old_leaf(cx, old);
				if (rc) return rc;
			}
			if (it->del) memset(out, 0, sizeof *out);
			else make_leaf(out, it, cx->height);
			return 0;
		}
		if (it->del) { /* deleting an absent key beside a leaf: nothing changes */
			*out = *old;
			return 0;
		}
	}
	if (depth >= 64) return SVM_EINVAL; /* unreachable with distinct keys */
	node_t node;
	const svm_hash_t *path = &items[0].key;
	if (old->kind == REF_NODE) {
		int rc = load_node(cx, old->version, depth, path, &node);
		if (rc) return rc;
	} else {
		memset(&node, 0, sizeof node);
		if (old->kind == REF_LEAF) node.child[nibble_at(&old->key, depth)] = *old;
	}
	bool changed = old->kind != REF_NODE;
	for (size_t i = 0; i < n;) {
		unsigned nib = nibble_at(&items[i].key, depth);
		size_t j = i + 1;
		while (j < n && nibble_at(&items[j].key, depth) == nib) j++;
		SVM_ASSERT(nib < 16 && j > i && j <= n);
		SVM_ASSERT(j == n || nibble_at(&items[j].key, depth) > nib); /* sorted: runs ascend */
		ref_t nc;
		int rc = update(cx, depth + 1, &node.child[nib], items + i, j - i, &nc);
		if (rc) return rc;
		if (!ref_same(&nc, &node.child[nib])) changed = true;
		node.child[nib] = nc;
		i = j;
	}
	if (!changed) {
		*out = *old;
		return 0;
	}
	if (old->kind == REF_NODE) {
		int rc = note_stale_node(cx, old->version, depth, path);
		if (rc) return rc;
	}
	return finish(cx, depth, path, &node, out);
}

int state_tree_update(tree_ctx_t *cx, const ref_t *old_root, const item_t *items, size_t n,
		      ref_t *new_root)
{
	for (size_t i = 1; SVM_ASSERT_ON && i < n; i++) /* the batch: sorted by key, distinct */
		SVM_ASSERT(memcmp(items[i - 1].key.b, items[i].key.b, 32) < 0);
	if (n == 0) {
		*new_root = *old_root;
		return 0;
	}
	int rc = update(cx, 0, old_root, items, n, new_root);
	/* the new root: a known kind, written at or before this height */
	SVM_ASSERT(rc != 0 || (new_root->kind <= REF_NODE &&
			       (new_root->kind == REF_EMPTY || new_root->version <= cx->height)));
	return rc;
}

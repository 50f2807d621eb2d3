/* The object store and the per-height apply: current objects, history for reads at retained
 * heights, tree nodes and roots, stale bookkeeping and pruning, and the node cache that is
 * published only when the caller's write transaction commits. */
#include <stdlib.h>
#include <string.h>

#include "state/tree.h"

#define HIST_KEY_LEN 40 /* id ‖ u64be height */
#define HIST_TAG_TOMBSTONE 0
#define HIST_TAG_VALUE 1

int svm_state_open(svm_state_t **out, svm_store_t *store, const svm_state_config_t *cfg,
		   svm_error_t *err)
{
	svm_state_config_t def = {0};
	if (!cfg) cfg = &def;
	if (!out || !store) return svm_error_set(err, SVM_EINVAL, "state_open: NULL argument");
	if (cfg->cache_depth > SVM_STATE_CACHE_DEPTH_MAX)
		return svm_error_set(err, SVM_EINVAL, "state_open: cache_depth %u > %u",
				     cfg->cache_depth, SVM_STATE_CACHE_DEPTH_MAX);
	svm_state_t *st = svm_calloc(1, sizeof *st);
	if (!st) return svm_error_set(err, SVM_ENOMEM, "state_open: out of memory");
	st->store = store;
	st->retain_heights = cfg->retain_heights;
	st->cache_depth = cfg->cache_depth ? cfg->cache_depth : SVM_STATE_CACHE_DEPTH_DEFAULT;
	/* cache keys (depth, path nibbles) fit state_cache_key's 33 bytes */
	SVM_ASSERT(st->cache_depth >= 1 && st->cache_depth <= SVM_STATE_CACHE_DEPTH_MAX);
	svm_map_init(&st->cache);
	svm_store_txn_t *t;
	int rc = svm_store_read_begin(store, &t, err);
	if (rc) {
		svm_state_close(st);
		return rc;
	}
	rc = svm_store_meta_get_u64(t, META_HEIGHT, &st->committed_height);
	svm_store_abort(t);
	if (rc == 0) st->committed_any = true;
	else if (rc != SVM_ENOTFOUND) {
		svm_state_close(st);
		return svm_error_set(err, rc, "state_open: reading %s", META_HEIGHT);
	}
	*out = st;
	return 0;
}

static void cache_clear(svm_state_t *st)
{
	size_t i = 0;
	svm_map_slot_t *s;
	while ((s = svm_map_next(&st->cache, &i))) svm_free(s->value);
	svm_map_free(&st->cache);
	svm_map_init(&st->cache);
}

void svm_state_close(svm_state_t *st)
{
	if (!st) return;
	cache_clear(st);
	svm_map_free(&st->cache);
	svm_free(st);
}

int svm_state_height(svm_state_t *st, svm_store_txn_t *txn, uint64_t *height)
{
	return svm_store_meta_get_u64(txn, META_HEIGHT, height);
}

int svm_state_height_min(svm_state_t *st, svm_store_txn_t *txn, uint64_t *height)
{
	return svm_store_meta_get_u64(txn, META_HEIGHT_MIN, height);
}

void svm_state_value_hash(const uint8_t *bytes, size_t len, svm_hash_t *value_hash)
{
	state_sha256(bytes, len, value_hash);
}

int svm_state_get(svm_state_t *st, svm_store_txn_t *txn, const svm_hash_t *id,
		  const uint8_t **bytes, size_t *len)
{
	return svm_store_get(txn, SVM_TABLE_OBJECTS, id->b, 32, bytes, len);
}

int state_check_height(svm_store_txn_t *txn, uint64_t height)
{
	uint64_t hi, lo;
	int rc = svm_store_meta_get_u64(txn, META_HEIGHT, &hi);
	if (rc) return rc;
	if (height > hi) return SVM_ENOTFOUND;
	rc = svm_store_meta_get_u64(txn, META_HEIGHT_MIN, &lo);
	if (rc) return rc;
	return height < lo ? SVM_ESTATE : 0;
}

int svm_state_get_at(svm_state_t *st, svm_store_txn_t *txn, uint64_t height,
		     const svm_hash_t *id, const uint8_t **bytes, size_t *len)
{
	int rc = state_check_height(txn, height);
	if (rc) return rc;
	uint8_t k[HIST_KEY_LEN];
	memcpy(k, id->b, 32);
	svm_put_u64be(k + 32, height);
	svm_store_cursor_t *c;
	if ((rc = svm_store_cursor_open(txn, SVM_TABLE_OBJECT_HISTORY, &c))) return rc;
	svm_store_val_t kv, vv;
	rc = svm_store_cursor_seek_le(c, k, sizeof k, &kv, &vv);
	svm_store_cursor_close(c); /* kv/vv stay valid: they point into the map, not the cursor */
	if (rc) return rc;
	if (kv.len != HIST_KEY_LEN || memcmp(kv.p, id->b, 32) != 0 || vv.len < 1)
		return SVM_ENOTFOUND;
	/* seek_le's post-condition: the newest version at or below the height asked for */
	SVM_ASSERT(svm_get_u64be(kv.p + 32) <= height);
	if (vv.p[0] != HIST_TAG_VALUE) return SVM_ENOTFOUND;
	*bytes = vv.p + 1;
	*len = vv.len - 1;
	return 0;
}

int svm_state_root(svm_state_t *st, svm_store_txn_t *txn, uint64_t height, svm_hash_t *root)
{
	int rc = state_check_height(txn, height);
	if (rc) return rc;
	ref_t r;
	if ((rc = state_root_load(txn, height, &r))) return rc;
	*root = r.hash;
	return 0;
}

/* ------------------------------------------------------------ commit hook */

/* What one apply publishes into the cache when its transaction commits. */
typedef struct {
	svm_state_t *st;
	uint64_t height;
	svm_buf_t add;    /* cached_add_t */
	svm_buf_t remove; /* stale_node_t at cached depths */
} pending_t;

typedef struct {
	uint8_t depth;
	svm_hash_t path;
	cached_t entry;
} cached_add_t;

static void pending_free(pending_t *p)
{
	svm_buf_free(&p->add);
	svm_buf_free(&p->remove);
	svm_free(p);
}

static void on_end(void *ctx, bool committed)
{
	pending_t *p = ctx;
	svm_state_t *st = p->st;
	SVM_ASSERT(p->add.len % sizeof(cached_add_t) == 0 && p->remove.len % sizeof(stale_node_t) == 0);
	if (committed) {
		/* heights commit in order: the cache never goes back to an older tree */
		SVM_ASSERT(!st->committed_any || p->height > st->committed_height);
		uint8_t ck[33];
		const stale_node_t *rm = (const stale_node_t *)p->remove.data;
		for (size_t i = 0; i < p->remove.len / sizeof *rm; i++) {
			SVM_ASSERT(rm[i].depth < st->cache_depth && rm[i].version < p->height);
			size_t kl = state_cache_key(ck, rm[i].depth, &rm[i].path);
			cached_t *c = svm_map_get(&st->cache, ck, kl);
			if (c && c->version == rm[i].version) {
				svm_map_del(&st->cache, ck, kl);
				svm_free(c);
			}
		}
		const cached_add_t *add = (const cached_add_t *)p->add.data;
		for (size_t i = 0; i < p->add.len / sizeof *add; i++) {
			SVM_ASSERT(add[i].depth < st->cache_depth && add[i].entry.version == p->height);
			SVM_ASSERT(state_node_ok(&add[i].entry.node));
			size_t kl = state_cache_key(ck, add[i].depth, &add[i].path);
			void **slot = svm_map_put(&st->cache, ck, kl, NULL);
			if (!slot) continue;
			cached_t *c = *slot ? *slot : svm_malloc(sizeof *c);
			if (!c) {
				svm_map_del(&st->cache, ck, kl);
				continue;
			}
			*c = add[i].entry;
			*slot = c;
		}
		st->committed_height = p->height;
		st->committed_any = true;
	}
	pending_free(p);
}

/* ------------------------------------------------------------------ apply */

static int cmp_new_node(const void *a, const void *b)
{
	const new_node_t *x = a, *y = b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);
	return c ? c : (int)x->key_len - (int)y->key_len;
}

static int stale_add(svm_buf_t *list, uint8_t kind, const uint8_t *key, size_t len)
{
	SVM_ASSERT(len > 0 && len <= UINT8_MAX); /* the record's length byte (prune refuses 0) */
	SVM_ASSERT(kind == STALE_NODE || kind == STALE_HISTORY);
	uint8_t head[2] = {kind, (uint8_t)len};
	int rc = svm_buf_append(list, head, 2);
	return rc ? rc : svm_buf_append(list, key, len);
}

static int stale_put(svm_store_txn_t *txn, uint64_t from, uint64_t height, const svm_buf_t *list)
{
	/* a list becomes prunable when its height leaves the window, or (tombstones) one later */
	SVM_ASSERT(from == height || (height < UINT64_MAX && from == height + 1));
	if (list->len == 0) return 0;
	uint8_t k[16];
	svm_put_u64be(k, from);
	svm_put_u64be(k + 8, height);
	return svm_store_put(txn, SVM_TABLE_STALE, k, 16, list->data, list->len, 0);
}

static int write_nodes(tree_ctx_t *cx, const ref_t *root, bool first, pending_t *pend)
{
	svm_store_txn_t *txn = cx->txn;
	new_node_t *nn = (new_node_t *)cx->new_nodes.data;
	size_t count = cx->new_nodes.len / sizeof *nn;
	SVM_ASSERT(cx->new_nodes.len % sizeof *nn == 0);
	if (count > 1) qsort(nn, count, sizeof *nn, cmp_new_node);
	int rc;
	for (size_t i = 0; i < count; i++) {
		/* one node per path and height: strictly ascending keys (SVM_STORE_APPEND needs it) */
		SVM_ASSERT(i == 0 || cmp_new_node(&nn[i - 1], &nn[i]) < 0);
		SVM_ASSERT(nn[i].key_len >= 9 && nn[i].key_len <= NODE_KEY_MAX);
		SVM_ASSERT(svm_get_u64be(nn[i].key) == cx->height && nn[i].key[8] == nn[i].depth);
		rc = svm_store_put(txn, SVM_TABLE_NODES, nn[i].key, nn[i].key_len, nn[i].bytes,
				   nn[i].len, SVM_STORE_APPEND);
		if (rc) return rc;
		if (nn[i].node) {
			cached_add_t a = {.depth = nn[i].depth, .entry = {cx->height, *nn[i].node}};
			memset(a.path.b, 0, 32);
			memcpy(a.path.b, nn[i].key + 9, (size_t)nn[i].key_len - 9);
			if ((rc = svm_buf_append(&pend->add, &a, sizeof a))) return rc;
		}
	}
	uint8_t k[NODE_KEY_MAX], v[ROOT_BYTES_MAX];
	/* a new root node is one of this height's nodes (the last one written at depth 0) */
	SVM_ASSERT(root->kind != REF_NODE || root->version <= cx->height);
	size_t kl = state_root_key(k, cx->height), vl = state_root_encode(root, v);
	if ((rc = svm_store_put(txn, SVM_TABLE_NODES, k, kl, v, vl, SVM_STORE_APPEND))) return rc;
	const stale_node_t *sn = (const stale_node_t *)cx->stale_nodes.data;
	for (size_t i = 0; i < cx->stale_nodes.len / sizeof *sn; i++) {
		SVM_ASSERT(sn[i].version < cx->height); /* a node replaced now was written before */
		if (sn[i].depth < cx->st->cache_depth &&
		    (rc = svm_buf_append(&pend->remove, &sn[i], sizeof sn[i])))
			return rc;
		if (!cx->st->retain_heights) continue;
		kl = state_node_key(k, sn[i].version, sn[i].depth, &sn[i].path);
		if ((rc = stale_add(&cx->prunable, STALE_NODE, k, kl))) return rc;
	}
	if (cx->st->retain_heights && !first) { /* the previous root record */
		SVM_ASSERT(cx->height > 0); /* prev_root: height = last + 1 */
		kl = state_root_key(k, cx->height - 1);
		if ((rc = stale_add(&cx->prunable, STALE_NODE, k, kl))) return rc;
	}
	return 0;
}

static int write_objects(tree_ctx_t *cx, const svm_state_write_t *w, size_t n)
{
	svm_store_txn_t *txn = cx->txn;
	bool track = cx->st->retain_heights != 0;
	uint8_t hk[HIST_KEY_LEN];
	int rc;
	for (size_t i = 0; i < n; i++) {
		/* checked at entry (check_writes): history keys of one height go in ascending */
		SVM_ASSERT(i == 0 || memcmp(w[i - 1].id.b, w[i].id.b, 32) < 0);
		/* and bounded there too: the reserve below takes len + 1 */
		SVM_ASSERT(!w[i].bytes || w[i].len <= SVM_STATE_OBJECT_BYTES_MAX);
		memcpy(hk, w[i].id.b, 32);
		svm_put_u64be(hk + 32, cx->height);
		uint8_t *dst;
		if (w[i].bytes) {
			rc = svm_store_put(txn, SVM_TABLE_OBJECTS, w[i].id.b, 32, w[i].bytes,
					   w[i].len, 0);
			if (rc) return rc;
			rc = svm_store_put_reserve(txn, SVM_TABLE_OBJECT_HISTORY, hk, sizeof hk,
						   w[i].len + 1, &dst);
			if (rc) return rc;
			dst[0] = HIST_TAG_VALUE;
			memcpy(dst + 1, w[i].bytes, w[i].len);
		} else {
			rc = svm_store_del(txn, SVM_TABLE_OBJECTS, w[i].id.b, 32);
			if (rc == SVM_ENOTFOUND) continue; /* deleting an absent object: no-op */
			if (rc) return rc;
			uint8_t tomb = HIST_TAG_TOMBSTONE;
			rc = svm_store_put(txn, SVM_TABLE_OBJECT_HISTORY, hk, sizeof hk, &tomb, 1, 0);
			if (rc) return rc;
			/* Once height leaves the window nothing needs the tombstone either. */
			if (track && (rc = stale_add(&cx->prunable_next, STALE_HISTORY, hk, sizeof hk)))
				return rc;
		}
	}
	if (!track) return 0;
	const stale_leaf_t *sl = (const stale_leaf_t *)cx->stale_leaves.data;
	for (size_t i = 0; i < cx->stale_leaves.len / sizeof *sl; i++) {
		SVM_ASSERT(sl[i].version < cx->height); /* a leaf replaced now was written before */
		memcpy(hk, sl[i].key.b, 32);
		svm_put_u64be(hk + 32, sl[i].version);
		if ((rc = stale_add(&cx->prunable, STALE_HISTORY, hk, sizeof hk))) return rc;
	}
	if ((rc = stale_put(txn, cx->height, cx->height, &cx->prunable))) return rc;
	return cx->height == UINT64_MAX ? 0 : stale_put(txn, cx->height + 1, cx->height, &cx->prunable_next);
}

/* Deletes everything listed as prunable from a height <= upto (no retained height needs it). */
static int prune(svm_store_txn_t *txn, uint64_t upto)
{
	svm_store_cursor_t *c;
	svm_buf_t list = {0};
	int rc = svm_store_cursor_open(txn, SVM_TABLE_STALE, &c);
	if (rc) return rc;
	for (;;) {
		svm_store_val_t k, v;
		/* Re-seek each round: deletes elsewhere in the txn move cursors. */
		if ((rc = svm_store_cursor_seek(c, NULL, 0, &k, &v))) break;
		if (k.len != 16) {
			rc = SVM_EIO;
			break;
		}
		if (svm_get_u64be(k.p) > upto) break;
		uint8_t key[16];
		memcpy(key, k.p, 16);
		list.len = 0; /* copy: the bytes may move once we delete */
		if ((rc = svm_buf_append(&list, v.p, v.len))) break;
		if ((rc = svm_store_del(txn, SVM_TABLE_STALE, key, 16))) break;
		for (size_t pos = 0; pos + 2 <= list.len && rc == 0;) {
			uint8_t kind = list.data[pos], kl = list.data[pos + 1];
			if (pos + 2 + kl > list.len || kl == 0) {
				rc = SVM_EIO;
				break;
			}
			svm_table_t table = kind == STALE_NODE ? SVM_TABLE_NODES : SVM_TABLE_OBJECT_HISTORY;
			rc = svm_store_del(txn, table, list.data + pos + 2, kl);
			if (rc == SVM_ENOTFOUND) rc = 0;
			pos += 2 + (size_t)kl;
		}
		if (rc) break;
	}
	svm_store_cursor_close(c);
	svm_buf_free(&list);
	return rc == SVM_ENOTFOUND ? 0 : rc;
}

static int check_writes(const svm_state_write_t *w, size_t n, svm_error_t *err)
{
	if (n > SVM_STATE_WRITES_MAX)
		return svm_error_set(err, SVM_ELIMIT, "state_apply: %zu writes > %u", n,
				     SVM_STATE_WRITES_MAX);
	for (size_t i = 0; i < n; i++) {
		if (i && memcmp(w[i - 1].id.b, w[i].id.b, 32) >= 0)
			return svm_error_set(err, SVM_EINVAL,
					     "state_apply: writes not strictly sorted at %zu", i);
		if (w[i].bytes && w[i].len > SVM_STATE_OBJECT_BYTES_MAX)
			return svm_error_set(err, SVM_ELIMIT, "state_apply: object %zu is %zu bytes",
					     i, w[i].len);
	}
	return 0;
}

/* Reads the previous height's root (or the empty tree) and checks height follows it. */
static int prev_root(svm_store_txn_t *txn, uint64_t height, ref_t *root, bool *first,
		     svm_error_t *err)
{
	uint64_t last;
	int rc = svm_store_meta_get_u64(txn, META_HEIGHT, &last);
	memset(root, 0, sizeof *root);
	*first = rc == SVM_ENOTFOUND;
	if (*first) return 0;
	if (rc) return svm_error_set(err, rc, "state_apply: reading %s", META_HEIGHT);
	if (last == UINT64_MAX || height != last + 1)
		return svm_error_set(err, SVM_EINVAL, "state_apply: height %llu after %llu",
				     (unsigned long long)height, (unsigned long long)last);
	rc = state_root_load(txn, last, root);
	return rc ? svm_error_set(err, rc, "state_apply: root of height %llu",
				  (unsigned long long)last) : 0;
}

static int write_meta(svm_state_t *st, svm_store_txn_t *txn, uint64_t height, bool first)
{
	int rc = svm_store_meta_put_u64(txn, META_HEIGHT, height);
	if (rc) return rc;
	if (first) return svm_store_meta_put_u64(txn, META_HEIGHT_MIN, height);
	if (!st->retain_heights || height + 1 <= st->retain_heights) return 0;
	uint64_t keep_from = height + 1 - st->retain_heights, lo;
	SVM_ASSERT(keep_from > 0 && keep_from <= height); /* the window keeps height itself */
	if ((rc = svm_store_meta_get_u64(txn, META_HEIGHT_MIN, &lo))) return rc;
	if (keep_from <= lo) return 0;
	if ((rc = prune(txn, keep_from))) return rc;
	return svm_store_meta_put_u64(txn, META_HEIGHT_MIN, keep_from);
}

int svm_state_apply(svm_state_t *st, svm_store_txn_t *txn, uint64_t height,
		    const svm_state_write_t *writes, size_t n, svm_hash_t *root, svm_error_t *err)
{
	if (!st || !txn || (n && !writes) || !svm_store_txn_writable(txn))
		return svm_error_set(err, SVM_EINVAL, "state_apply: bad arguments");
	int rc = check_writes(writes, n, err);
	if (rc) return rc;
	ref_t old_root, new_root;
	bool first;
	if ((rc = prev_root(txn, height, &old_root, &first, err))) return rc;
	svm_arena_t arena;
	svm_arena_init(&arena, 0);
	tree_ctx_t cx = {.st = st, .txn = txn, .height = height, .arena = &arena};
	pending_t *pend = svm_calloc(1, sizeof *pend);
	item_t *items = svm_malloc((n ? n : 1) * sizeof *items);
	if (!pend || !items) {
		rc = svm_error_set(err, SVM_ENOMEM, "state_apply: out of memory");
		goto done;
	}
	pend->st = st;
	pend->height = height;
	for (size_t i = 0; i < n; i++) {
		items[i].key = writes[i].id;
		items[i].del = writes[i].bytes == NULL;
		if (!items[i].del) state_sha256(writes[i].bytes, writes[i].len, &items[i].value);
	}
	if ((rc = state_tree_update(&cx, &old_root, items, n, &new_root))) {
		svm_error_set(err, rc, "state_apply: tree update at height %llu",
			      (unsigned long long)height);
		goto done;
	}
	SVM_ASSERT(new_root.kind <= REF_NODE);
	SVM_ASSERT(n > 0 || memcmp(&new_root.hash, &old_root.hash, sizeof new_root.hash) == 0);
	SVM_ASSERT(cx.stale_nodes.len == 0 || !first); /* a first tree replaces no node */
	/* nodes were written at this height exactly when the new root is one of them (a new node
	 * below makes every node above it new; the old root is from an earlier height) */
	SVM_ASSERT((cx.new_nodes.len != 0) == (new_root.kind == REF_NODE && new_root.version == height));
	if ((rc = write_nodes(&cx, &new_root, first, pend)) || (rc = write_objects(&cx, writes, n)) ||
	    (rc = write_meta(st, txn, height, first))) {
		svm_error_set(err, rc, "state_apply: writing height %llu: %s",
			      (unsigned long long)height, svm_strerror(rc));
		goto done;
	}
	if ((rc = svm_store_on_end(txn, on_end, pend))) {
		svm_error_set(err, rc, "state_apply: registering the commit hook");
		goto done;
	}
	pend = NULL; /* owned by the hook now */
	if (root) *root = new_root.hash;
done:
	if (pend) pending_free(pend);
	svm_free(items);
	svm_buf_free(&cx.new_nodes);
	svm_buf_free(&cx.stale_nodes);
	svm_buf_free(&cx.stale_leaves);
	svm_buf_free(&cx.prunable);
	svm_buf_free(&cx.prunable_next);
	svm_arena_reset(&arena);
	return rc;
}

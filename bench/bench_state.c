/* State-tree benchmark: per block of N distinct object writes over a tree of K keys, the time
 * to compute the new root (tree merge + hashing, nothing written), the whole svm_state_apply
 * (root + objects + history + nodes into the LMDB write txn), and the commit. Printed as a
 * table; SVM_BENCH_QUICK=1 runs only the small rows. Not a test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/tree.h"
#include "supervm/state.h"

typedef struct {
	const char *name;
	size_t keys;       /* objects in the tree before the measured blocks */
	size_t writes;     /* distinct object writes per block */
	unsigned threads;  /* unused: the tree merge is single-threaded */
} row_t;

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void key_of(uint64_t i, svm_hash_t *k)
{
	uint8_t b[8];
	svm_put_u64le(b, i);
	svm_state_value_hash(b, 8, k); /* SHA-256 of the index: a uniformly spread id */
}

static int cmp_write(const void *a, const void *b) { return memcmp(a, b, 32); }

#define OBJ_BYTES 96 /* about a balance object's canonical encoding */

/* Fills w with n distinct keys from [0, space) (or all of them when n == space), sorted. */
static void make_block(svm_state_write_t *w, uint8_t *vals, size_t n, size_t space,
		       uint8_t *seen)
{
	memset(seen, 0, space);
	for (size_t i = 0; i < n; i++) {
		uint64_t x;
		if (n == space) x = i;
		else
			do x = rng() % space;
			while (seen[x]);
		seen[x] = 1;
		key_of(x, &w[i].id);
		uint8_t *v = vals + i * OBJ_BYTES;
		for (size_t b = 0; b < OBJ_BYTES; b += 8) svm_put_u64le(v + b, rng());
		w[i].bytes = v;
		w[i].len = OBJ_BYTES;
	}
	qsort(w, n, sizeof *w, cmp_write);
}

static double ms(uint64_t ns) { return (double)ns / 1e6; }

static int run_row(const row_t *row)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/tmp/svm_bench_state_XXXXXX");
	if (!mkdtemp(dir)) return SVM_EIO;
	svm_store_t *store;
	svm_state_t *st;
	svm_error_t err = {0};
	svm_store_config_t sc = {.map_size_bytes = 64ull << 30, .no_sync = false};
	int rc = svm_store_open(&store, dir, &sc, &err);
	if (rc) goto out_dir;
	svm_state_config_t cfg = {.retain_heights = 100};
	if ((rc = svm_state_open(&st, store, &cfg, &err))) goto out_store;
	size_t batch = row->keys < 100000 ? row->keys : 100000;
	size_t wmax = batch > row->writes ? batch : row->writes;
	svm_state_write_t *w = malloc(wmax * sizeof *w);
	uint8_t *vals = malloc(wmax * OBJ_BYTES), *seen = malloc(row->keys);
	if (!w || !vals || !seen) {
		rc = SVM_ENOMEM;
		goto out_state;
	}
	uint64_t h = 0;
	svm_store_txn_t *t;
	for (size_t done = 0; done < row->keys; done += batch) { /* load the tree */
		for (size_t i = 0; i < batch; i++) {
			key_of(done + i, &w[i].id);
			w[i].bytes = vals;
			w[i].len = OBJ_BYTES;
		}
		qsort(w, batch, sizeof *w, cmp_write);
		if ((rc = svm_store_write_begin(store, &t, &err))) goto out_state;
		if ((rc = svm_state_apply(st, t, h++, w, batch, NULL, &err))) {
			svm_store_abort(t);
			goto out_state;
		}
		if ((rc = svm_store_commit(t, &err))) goto out_state;
	}
	enum { BLOCKS = 5 };
	uint64_t root_ns = 0, apply_ns = 0, commit_ns = 0, hits = 0, misses = 0, nodes = 0;
	for (int b = 0; b < BLOCKS + 1; b++) { /* block 0 warms the cache, not counted */
		make_block(w, vals, row->writes, row->keys, seen);
		if ((rc = svm_store_write_begin(store, &t, &err))) goto out_state;
		/* the root alone: the same merge apply runs, with nothing written */
		item_t *items = malloc(row->writes * sizeof *items);
		svm_arena_t arena;
		svm_arena_init(&arena, 0);
		tree_ctx_t cx = {.st = st, .txn = t, .height = h, .arena = &arena};
		ref_t old, nr;
		uint64_t t0 = svm_clock_ns();
		for (size_t i = 0; i < row->writes; i++) {
			items[i].key = w[i].id;
			items[i].del = false;
			svm_state_value_hash(w[i].bytes, w[i].len, &items[i].value);
		}
		rc = state_root_load(t, h - 1, &old);
		if (!rc) rc = state_tree_update(&cx, &old, items, row->writes, &nr);
		uint64_t t1 = svm_clock_ns();
		nodes += cx.new_nodes.len / sizeof(new_node_t);
		hits += cx.cache_hits;
		misses += cx.cache_misses;
		svm_buf_free(&cx.new_nodes);
		svm_buf_free(&cx.stale_nodes);
		svm_buf_free(&cx.stale_leaves);
		svm_arena_reset(&arena);
		free(items);
		svm_hash_t root;
		uint64_t t2 = svm_clock_ns();
		if (!rc) rc = svm_state_apply(st, t, h++, w, row->writes, &root, &err);
		uint64_t t3 = svm_clock_ns();
		if (rc) {
			svm_store_abort(t);
			goto out_state;
		}
		if ((rc = svm_store_commit(t, &err))) goto out_state;
		uint64_t t4 = svm_clock_ns();
		if (memcmp(root.b, nr.hash.b, 32) != 0) {
			fprintf(stderr, "bench_state: root mismatch\n");
			rc = SVM_EINVAL;
			goto out_state;
		}
		if (b == 0) continue;
		root_ns += t1 - t0;
		apply_ns += t3 - t2;
		commit_ns += t4 - t3;
	}
	printf("| %-22s | %9zu | %7zu | %8.1f | %9.1f | %9.1f | %10.0f | %8.0f | %6.1f%% |\n",
	       row->name, row->keys, row->writes, ms(root_ns / BLOCKS), ms(apply_ns / BLOCKS),
	       ms(commit_ns / BLOCKS), (double)row->writes * BLOCKS / ((double)root_ns / 1e9),
	       (double)row->writes * BLOCKS / ((double)(apply_ns + commit_ns) / 1e9),
	       100.0 * (double)hits / (double)(hits + misses ? hits + misses : 1));
	(void)nodes;
out_state:
	free(w);
	free(vals);
	free(seen);
	svm_state_close(st);
out_store:
	svm_store_close(store);
out_dir:;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	(void)!system(cmd);
	if (rc) fprintf(stderr, "bench_state: %s: %s %s\n", row->name, svm_strerror(rc), err.msg);
	return rc;
}

int main(void)
{
	const row_t rows[] = {
		{"10k accounts, all", 10000, 10000, 1},
		{"30k objects, all", 30000, 30000, 1},
		{"1M objects, 30k", 1000000, 30000, 1},
		{"1M objects, 35k", 1000000, 35000, 1},
	};
	bool quick = getenv("SVM_BENCH_QUICK") != NULL;
	printf("state tree: one block of distinct %d-byte object writes (mean of 5 blocks, fsync on)\n",
	       OBJ_BYTES);
	printf("| %-22s | %9s | %7s | %8s | %9s | %9s | %10s | %8s | %7s |\n", "tree", "keys",
	       "writes", "root ms", "apply ms", "commit ms", "root upd/s", "all up/s", "cache");
	printf("|%s|\n", "------------------------|-----------|---------|----------|-----------|"
			 "-----------|------------|----------|---------");
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		if (quick && rows[i].keys > 100000) continue;
		if (run_row(&rows[i])) return 1;
	}
	printf("root ms: new root from the sorted write set (value hashes, merge, node hashes, node\n"
	       "loads through the cache); apply ms: svm_state_apply (root + objects + history +\n"
	       "nodes + pruning into the write txn); all up/s: writes / (apply + commit).\n");
	return 0;
}

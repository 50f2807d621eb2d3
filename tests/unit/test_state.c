/* Unit tests for the state layer: roots against checked-in vectors and a naive from-scratch
 * reference, order/batch independence, inclusion/exclusion proofs (and their failure after any
 * one-bit change), reads at old heights, pruning, aborted transactions and reopen.
 * Property tests draw from a seeded generator; set SVM_SEED to replay, the seed is printed in
 * every failure message. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <criterion/criterion.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervm/state.h"

/* ------------------------------------------------------------ fixtures */

static char dir[64];
static svm_store_t *store;
static svm_state_t *state;
static uint64_t seed;

static void open_all(uint64_t retain)
{
	svm_error_t err = {0};
	svm_store_config_t sc = {.map_size_bytes = 1ull << 30, .no_sync = true};
	cr_assert_eq(svm_store_open(&store, dir, &sc, &err), 0, "%s", err.msg);
	svm_state_config_t cfg = {.retain_heights = retain};
	cr_assert_eq(svm_state_open(&state, store, &cfg, &err), 0, "%s", err.msg);
}

static void close_all(void)
{
	svm_state_close(state);
	svm_store_close(store);
	state = NULL;
	store = NULL;
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/svm_state_XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	const char *s = getenv("SVM_SEED");
	seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) * 2654435761u;
	open_all(0);
}

static void teardown(void)
{
	close_all();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	(void)!system(cmd);
}

TestSuite(state, .init = setup, .fini = teardown);

static uint64_t rng(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

/* ------------------------------------------------- an independent model */

/* The reference: a sorted key -> value-bytes map, and the root computed from scratch by the
 * definition (no nodes, no cache, no store), with its own SHA-256 calls. */
typedef struct {
	svm_hash_t key;
	uint8_t val[16];
	size_t len;
} kv_t;

static void sha(const void *p, size_t n, uint8_t out[32]) { SHA256(p, n, out); }

static unsigned nib(const uint8_t *k, unsigned i) { return (k[i / 2] >> (i % 2 ? 0 : 4)) & 15; }

static void ref_root(const kv_t *kv, size_t n, unsigned depth, uint8_t out[32])
{
	if (n == 0) {
		memset(out, 0, 32);
		return;
	}
	if (n == 1) {
		uint8_t b[65];
		b[0] = 0;
		memcpy(b + 1, kv->key.b, 32);
		sha(kv->val, kv->len, b + 33);
		sha(b, 65, out);
		return;
	}
	uint8_t b[3 + 16 * 32];
	unsigned bitmap = 0, c = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		unsigned x = nib(kv[i].key.b, depth);
		while (j < n && nib(kv[j].key.b, depth) == x) j++;
		bitmap |= 1u << x;
		ref_root(kv + i, j - i, depth + 1, b + 3 + 32 * c++);
		i = j;
	}
	b[0] = 1;
	b[1] = (uint8_t)(bitmap >> 8);
	b[2] = (uint8_t)bitmap;
	sha(b, 3 + 32 * c, out);
}

static int kv_cmp(const void *a, const void *b) { return memcmp(a, b, 32); }

typedef struct {
	kv_t *kv;
	size_t n, cap;
} model_t;

static kv_t *model_find(model_t *m, const svm_hash_t *k)
{
	return m->n ? bsearch(k, m->kv, m->n, sizeof(kv_t), kv_cmp) : NULL;
}

static void model_apply(model_t *m, const svm_state_write_t *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		kv_t *e = model_find(m, &w[i].id);
		if (!w[i].bytes) {
			if (e) {
				memmove(e, e + 1, (size_t)(m->kv + m->n - e - 1) * sizeof *e);
				m->n--;
			}
			continue;
		}
		if (!e) {
			if (m->n == m->cap) {
				m->cap = m->cap ? 2 * m->cap : 64;
				m->kv = realloc(m->kv, m->cap * sizeof *m->kv);
			}
			e = &m->kv[m->n++];
			e->key = w[i].id;
		}
		memcpy(e->val, w[i].bytes, w[i].len);
		e->len = w[i].len;
		qsort(m->kv, m->n, sizeof *m->kv, kv_cmp);
	}
}

static void model_root(model_t *m, svm_hash_t *out) { ref_root(m->kv, m->n, 0, out->b); }

/* ------------------------------------------------------------ helpers */

static void key_of(const char *s, svm_hash_t *k) { sha(s, strlen(s), k->b); }

static int write_cmp(const void *a, const void *b) { return memcmp(a, b, 32); }

/* Applies writes (sorted here) at height in its own committed write txn. */
static void apply(uint64_t height, svm_state_write_t *w, size_t n, svm_hash_t *root)
{
	if (n > 1) qsort(w, n, sizeof *w, write_cmp);
	svm_store_txn_t *t;
	svm_error_t err = {0};
	cr_assert_eq(svm_store_write_begin(store, &t, NULL), 0);
	cr_assert_eq(svm_state_apply(state, t, height, w, n, root, &err), 0, "%s (seed %llu)",
		     err.msg, (unsigned long long)seed);
	cr_assert_eq(svm_store_commit(t, &err), 0, "%s", err.msg);
}

static void root_at(uint64_t height, svm_hash_t *root)
{
	svm_store_txn_t *r;
	cr_assert_eq(svm_store_read_begin(store, &r, NULL), 0);
	cr_assert_eq(svm_state_root(state, r, height, root), 0);
	svm_store_abort(r);
}

static bool hash_eq(const svm_hash_t *a, const svm_hash_t *b) { return !memcmp(a, b, 32); }

/* Random writes over a key space of `space` keys "r<i>": values of 1..16 random bytes, with
 * deletions at rate del_pct. Values live in vals[n][16]. */
static size_t random_writes(svm_state_write_t *w, uint8_t (*vals)[16], size_t n, size_t space,
			    unsigned del_pct)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "r%llu", (unsigned long long)(rng() % space));
		svm_hash_t k;
		key_of(name, &k);
		bool dup = false;
		for (size_t j = 0; j < m && !dup; j++) dup = hash_eq(&w[j].id, &k);
		if (dup) continue;
		w[m].id = k;
		if (rng() % 100 < del_pct) {
			w[m].bytes = NULL;
			w[m].len = 0;
		} else {
			w[m].len = 1 + rng() % 16;
			for (size_t b = 0; b < w[m].len; b++) vals[m][b] = (uint8_t)rng();
			w[m].bytes = vals[m];
		}
		m++;
	}
	return m;
}

/* ------------------------------------------------------------ vectors */

/* tests/vectors/state/roots.txt: "<name> <hex root>" lines. The inputs are fixed here:
 * keys SHA-256("k<i>"), values "v<i>" (value hash = SHA-256 of those bytes). */
static void vector(const char *name, char out[65])
{
	FILE *f = fopen("tests/vectors/state/roots.txt", "r");
	cr_assert_not_null(f, "run from the repository root");
	char line[256], n[64], hex[65];
	out[0] = 0;
	while (fgets(line, sizeof line, f))
		if (line[0] != '#' && sscanf(line, "%63s %64s", n, hex) == 2 && !strcmp(n, name))
			memcpy(out, hex, 65);
	fclose(f);
	cr_assert(out[0], "vector %s missing", name);
}

static void check_vector(const char *name, const svm_hash_t *root, model_t *m)
{
	char want[65], got[65];
	vector(name, want);
	svm_hex_encode(got, root->b, 32);
	cr_assert_str_eq(got, want, "vector %s", name);
	svm_hash_t naive;
	model_root(m, &naive);
	cr_assert(hash_eq(&naive, root), "vector %s disagrees with the reference", name);
}

Test(state, vectors_roots_match_checked_in_data_and_the_reference)
{
	model_t m = {0};
	svm_state_write_t w[100];
	char vals[100][8];
	svm_hash_t root;
	apply(0, w, 0, &root);
	check_vector("empty", &root, &m);
	for (int i = 0; i < 100; i++) {
		char k[8];
		snprintf(k, sizeof k, "k%d", i);
		key_of(k, &w[i].id);
		snprintf(vals[i], sizeof vals[i], "v%d", i);
		w[i].bytes = (const uint8_t *)vals[i];
		w[i].len = strlen(vals[i]);
	}
	apply(1, w, 1, &root);
	model_apply(&m, w, 1);
	check_vector("k0", &root, &m);
	apply(2, w, 100, &root); /* k0 rewritten with the same bytes: same root as a fresh insert */
	model_apply(&m, w, 100);
	check_vector("k0_k99", &root, &m);
	size_t n = 0;
	for (int i = 0; i < 100; i += 2) {
		char k[8];
		snprintf(k, sizeof k, "k%d", i);
		key_of(k, &w[n].id);
		w[n].bytes = NULL;
		w[n++].len = 0;
	}
	apply(3, w, n, &root);
	model_apply(&m, w, n);
	check_vector("k0_k99_minus_even", &root, &m);
	for (int i = 1; i < 99; i += 2) {
		char k[8];
		snprintf(k, sizeof k, "k%d", i);
		key_of(k, &w[0].id);
		w[0].bytes = NULL;
		apply((uint64_t)i / 2 + 4, w, 1, &root);
		model_apply(&m, w, 1);
	}
	check_vector("k99_only", &root, &m);
	free(m.kv);
}

/* ------------------------------------------------------------ properties */

Test(state, property_root_is_independent_of_insertion_order_and_batching)
{
	enum { N = 3000 };
	static svm_state_write_t w[N];
	static uint8_t vals[N][16];
	uint64_t s0 = seed;
	size_t n = random_writes(w, vals, N, 1000000, 0);
	svm_hash_t one;
	apply(7, w, n, &one);
	model_t m = {0};
	model_apply(&m, w, n);
	svm_hash_t naive;
	model_root(&m, &naive);
	cr_assert(hash_eq(&one, &naive), "one batch vs reference (seed %llu)", (unsigned long long)s0);
	/* A second store: the same final set reached through random batches, with keys first
	 * inserted with other values and some inserted then deleted. */
	close_all();
	char old[64];
	memcpy(old, dir, sizeof dir);
	snprintf(dir, sizeof dir, "/tmp/svm_state_XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	open_all(0);
	static svm_state_write_t b[N + 10];
	static uint8_t junk[N][16];
	for (size_t i = 0; i < n; i++) { /* shuffle */
		size_t j = i + rng() % (n - i);
		svm_state_write_t t = w[i];
		w[i] = w[j];
		w[j] = t;
	}
	uint64_t h = 0;
	svm_hash_t root;
	for (size_t i = 0; i < n;) {
		size_t len = 1 + rng() % 700, k = 0;
		if (len > n - i) len = n - i;
		for (size_t j = 0; j < len; j++) {
			if (rng() % 4 == 0) { /* this key first holds junk, fixed in a later batch */
				memset(junk[i + j], (int)rng(), 16);
				b[k] = w[i + j];
				b[k++].bytes = junk[i + j];
				continue;
			}
			b[k++] = w[i + j];
		}
		apply(h++, b, k, &root);
		for (size_t j = 0; j < k; j++) {
			for (size_t x = i; x < i + len; x++)
				if (hash_eq(&w[x].id, &b[j].id)) b[j] = w[x];
		}
		apply(h++, b, k, &root);
		i += len;
	}
	/* and a batch deleting keys that never existed */
	svm_state_write_t d[3];
	for (int i = 0; i < 3; i++) {
		char name[16];
		snprintf(name, sizeof name, "absent%d", i);
		key_of(name, &d[i].id);
		d[i].bytes = NULL;
	}
	apply(h++, d, 3, &root);
	cr_assert(hash_eq(&root, &one), "batched vs one batch (seed %llu)", (unsigned long long)s0);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", old);
	(void)!system(cmd);
	free(m.kv);
}

Test(state, property_random_updates_and_deletes_match_the_reference_every_height)
{
	enum { N = 400 };
	static svm_state_write_t w[N];
	static uint8_t vals[N][16];
	uint64_t s0 = seed;
	model_t m = {0};
	for (uint64_t h = 0; h < 40; h++) {
		size_t n = random_writes(w, vals, 1 + rng() % N, 600, 30);
		svm_hash_t root, naive;
		apply(h, w, n, &root);
		model_apply(&m, w, n);
		model_root(&m, &naive);
		cr_assert(hash_eq(&root, &naive), "height %llu (seed %llu)", (unsigned long long)h,
			  (unsigned long long)s0);
	}
	free(m.kv);
}

static void flip(uint8_t *p, size_t bit) { p[bit / 8] ^= (uint8_t)(1u << (bit % 8)); }

/* Proves every key of the model and `absent` other keys at height, verifies, and checks that
 * one flipped bit of key, value, root or any proof byte breaks it. */
static void check_proofs(model_t *m, uint64_t height, size_t absent, uint64_t s0, bool all_bits)
{
	svm_store_txn_t *r;
	cr_assert_eq(svm_store_read_begin(store, &r, NULL), 0);
	svm_hash_t root;
	cr_assert_eq(svm_state_root(state, r, height, &root), 0);
	svm_buf_t proof = {0};
	for (size_t i = 0; i < m->n + absent; i++) {
		svm_hash_t key, vh;
		bool present = i < m->n;
		if (present) {
			key = m->kv[i].key;
			sha(m->kv[i].val, m->kv[i].len, vh.b);
		} else {
			for (int b = 0; b < 32; b++) key.b[b] = (uint8_t)rng();
			if (m->n && rng() % 2) { /* near a present key: shares a long prefix */
				key = m->kv[rng() % m->n].key;
				key.b[31] ^= 1;
				if (model_find(m, &key)) continue;
			}
		}
		proof.len = 0;
		bool got_present;
		svm_hash_t got_vh;
		cr_assert_eq(svm_state_prove(state, r, height, &key, &proof, &got_present, &got_vh), 0);
		cr_assert_eq(got_present, present, "seed %llu", (unsigned long long)s0);
		const svm_hash_t *claim = present ? &vh : NULL;
		if (present) cr_assert(hash_eq(&got_vh, &vh));
		cr_assert_eq(svm_state_proof_verify(&root, &key, claim, proof.data, proof.len), 0,
			     "%s proof (seed %llu)", present ? "inclusion" : "exclusion",
			     (unsigned long long)s0);
		/* the opposite claim fails */
		svm_hash_t other = vh;
		cr_assert_neq(svm_state_proof_verify(&root, &key, present ? NULL : &other, proof.data,
						     proof.len), 0);
		if (!all_bits && i % 8) continue;
		for (size_t bit = 0; bit < 256; bit++) {
			svm_hash_t k2 = key, r2 = root, v2 = vh;
			flip(k2.b, bit);
			flip(r2.b, bit);
			flip(v2.b, bit);
			cr_assert_neq(svm_state_proof_verify(&r2, &key, claim, proof.data, proof.len), 0,
				      "root bit %zu (seed %llu)", bit, (unsigned long long)s0);
			if (present) {
				cr_assert_neq(svm_state_proof_verify(&root, &k2, claim, proof.data,
								     proof.len), 0, "key bit %zu", bit);
				cr_assert_neq(svm_state_proof_verify(&root, &key, &v2, proof.data,
								     proof.len), 0, "value bit %zu", bit);
			}
		}
		for (size_t bit = 0; bit < proof.len * 8; bit++) {
			flip(proof.data, bit);
			int rc = svm_state_proof_verify(&root, &key, claim, proof.data, proof.len);
			flip(proof.data, bit);
			cr_assert_neq(rc, 0, "proof bit %zu of %zu (seed %llu)", bit, proof.len * 8,
				      (unsigned long long)s0);
		}
	}
	svm_buf_free(&proof);
	svm_store_abort(r);
}

Test(state, property_proofs_verify_and_fail_after_any_one_bit_change)
{
	enum { N = 300 };
	static svm_state_write_t w[N];
	static uint8_t vals[N][16];
	uint64_t s0 = seed;
	model_t m = {0};
	svm_hash_t root;
	apply(0, w, 0, &root);
	check_proofs(&m, 0, 4, s0, true); /* the empty tree */
	uint64_t h = 1;
	for (size_t size = 1; size <= 3; size++, h++) { /* one, two and three keys */
		size_t n = random_writes(w, vals, 1, 1u << 30, 0);
		apply(h, w, n, &root);
		model_apply(&m, w, n);
		check_proofs(&m, h, 6, s0, true);
	}
	size_t n = random_writes(w, vals, N, 1u << 30, 0);
	apply(h, w, n, &root);
	model_apply(&m, w, n);
	check_proofs(&m, h, 100, s0, false);
	free(m.kv);
}

Test(state, property_old_roots_and_reads_are_unchanged_by_later_updates)
{
	enum { N = 200, H = 30 };
	static svm_state_write_t w[N];
	static uint8_t vals[N][16];
	uint64_t s0 = seed;
	static model_t snaps[H];
	model_t m = {0};
	svm_hash_t roots[H];
	for (uint64_t h = 0; h < H; h++) {
		size_t n = random_writes(w, vals, 1 + rng() % N, 300, 25);
		apply(h, w, n, &roots[h]);
		model_apply(&m, w, n);
		snaps[h].n = snaps[h].cap = m.n;
		snaps[h].kv = malloc((m.n + 1) * sizeof(kv_t));
		memcpy(snaps[h].kv, m.kv, m.n * sizeof(kv_t));
	}
	svm_store_txn_t *r;
	cr_assert_eq(svm_store_read_begin(store, &r, NULL), 0);
	for (uint64_t h = 0; h < H; h++) {
		svm_hash_t root;
		cr_assert_eq(svm_state_root(state, r, h, &root), 0);
		cr_assert(hash_eq(&root, &roots[h]), "root at %llu (seed %llu)", (unsigned long long)h,
			  (unsigned long long)s0);
		for (size_t k = 0; k < 300; k++) {
			char name[32];
			snprintf(name, sizeof name, "r%zu", k);
			svm_hash_t id;
			key_of(name, &id);
			kv_t *e = model_find(&snaps[h], &id);
			const uint8_t *b;
			size_t len;
			int rc = svm_state_get_at(state, r, h, &id, &b, &len);
			if (!e) {
				cr_assert_eq(rc, SVM_ENOTFOUND, "h %llu key %zu (seed %llu)",
					     (unsigned long long)h, k, (unsigned long long)s0);
				continue;
			}
			cr_assert_eq(rc, 0, "h %llu key %zu (seed %llu)", (unsigned long long)h, k,
				     (unsigned long long)s0);
			cr_assert(len == e->len && !memcmp(b, e->val, len));
			if (h == H - 1) {
				cr_assert_eq(svm_state_get(state, r, &id, &b, &len), 0);
				cr_assert(len == e->len && !memcmp(b, e->val, len));
			}
		}
		free(snaps[h].kv);
	}
	const uint8_t *b;
	size_t len;
	svm_hash_t id = {{0}};
	cr_assert_eq(svm_state_get_at(state, r, H, &id, &b, &len), SVM_ENOTFOUND);
	svm_store_abort(r);
	free(m.kv);
}

Test(state, property_pruning_keeps_the_retained_window_exact_and_bounds_the_store)
{
	close_all();
	open_all(3);
	enum { N = 100, H = 60 };
	static svm_state_write_t w[N];
	static uint8_t vals[N][16];
	uint64_t s0 = seed;
	static model_t snaps[H];
	model_t m = {0};
	svm_hash_t roots[H];
	for (uint64_t h = 0; h < H; h++) {
		size_t n = random_writes(w, vals, 1 + rng() % N, 150, 25);
		apply(h, w, n, &roots[h]);
		model_apply(&m, w, n);
		snaps[h].n = m.n;
		snaps[h].kv = malloc((m.n + 1) * sizeof(kv_t));
		memcpy(snaps[h].kv, m.kv, m.n * sizeof(kv_t));
	}
	svm_store_txn_t *r;
	cr_assert_eq(svm_store_read_begin(store, &r, NULL), 0);
	uint64_t lo;
	cr_assert_eq(svm_state_height_min(state, r, &lo), 0);
	cr_assert_eq(lo, H - 3);
	svm_hash_t root;
	cr_assert_eq(svm_state_root(state, r, H - 4, &root), SVM_ESTATE);
	svm_buf_t proof = {0};
	for (uint64_t h = H - 3; h < H; h++) {
		cr_assert_eq(svm_state_root(state, r, h, &root), 0);
		cr_assert(hash_eq(&root, &roots[h]));
		for (size_t k = 0; k < 150; k++) {
			char name[32];
			snprintf(name, sizeof name, "r%zu", k);
			svm_hash_t id, vh;
			key_of(name, &id);
			kv_t *e = model_find(&snaps[h], &id);
			const uint8_t *b;
			size_t len;
			int rc = svm_state_get_at(state, r, h, &id, &b, &len);
			cr_assert_eq(rc, e ? 0 : SVM_ENOTFOUND, "h %llu k %zu (seed %llu)",
				     (unsigned long long)h, k, (unsigned long long)s0);
			if (e) cr_assert(len == e->len && !memcmp(b, e->val, len));
			proof.len = 0;
			cr_assert_eq(svm_state_prove(state, r, h, &id, &proof, NULL, NULL), 0,
				     "a node of a retained height was pruned (seed %llu)",
				     (unsigned long long)s0);
			if (e) sha(e->val, e->len, vh.b);
			cr_assert_eq(svm_state_proof_verify(&root, &id, e ? &vh : NULL, proof.data,
							    proof.len), 0);
		}
	}
	/* History holds at most the live objects of 4 heights; nodes likewise. */
	uint64_t hist, nodes, objs;
	cr_assert_eq(svm_store_count(r, SVM_TABLE_OBJECT_HISTORY, &hist), 0);
	cr_assert_eq(svm_store_count(r, SVM_TABLE_NODES, &nodes), 0);
	cr_assert_eq(svm_store_count(r, SVM_TABLE_OBJECTS, &objs), 0);
	cr_assert_eq(objs, m.n);
	cr_assert_leq(hist, objs + 4 * N, "history %llu", (unsigned long long)hist);
	cr_assert_leq(nodes, 4 * 40, "nodes %llu", (unsigned long long)nodes);
	svm_buf_free(&proof);
	svm_store_abort(r);
	for (uint64_t h = 0; h < H; h++) free(snaps[h].kv);
	free(m.kv);
}

Test(state, property_aborted_write_txn_changes_nothing_root_reads_or_cache)
{
	enum { N = 500 };
	static svm_state_write_t w[N], w2[N];
	static uint8_t vals[N][16], vals2[N][16];
	uint64_t s0 = seed;
	model_t m = {0};
	svm_hash_t root0, root;
	size_t n = random_writes(w, vals, N, 2000, 0);
	apply(0, w, n, &root0);
	model_apply(&m, w, n);
	for (int round = 0; round < 3; round++) {
		/* a height-1 write set that is applied and then aborted */
		size_t n2 = random_writes(w2, vals2, N, 2000, 30);
		qsort(w2, n2, sizeof *w2, write_cmp);
		svm_store_txn_t *t;
		cr_assert_eq(svm_store_write_begin(store, &t, NULL), 0);
		cr_assert_eq(svm_state_apply(state, t, 1, w2, n2, &root, NULL), 0);
		svm_store_abort(t);
		svm_store_txn_t *r;
		cr_assert_eq(svm_store_read_begin(store, &r, NULL), 0);
		uint64_t h;
		cr_assert_eq(svm_state_height(state, r, &h), 0);
		cr_assert_eq(h, 0);
		cr_assert_eq(svm_state_root(state, r, 1, &root), SVM_ENOTFOUND);
		cr_assert_eq(svm_state_root(state, r, 0, &root), 0);
		cr_assert(hash_eq(&root, &root0));
		for (size_t i = 0; i < n2; i++) {
			const uint8_t *b;
			size_t len;
			kv_t *e = model_find(&m, &w2[i].id);
			int rc = svm_state_get(state, r, &w2[i].id, &b, &len);
			cr_assert_eq(rc, e ? 0 : SVM_ENOTFOUND, "seed %llu", (unsigned long long)s0);
			if (e) cr_assert(len == e->len && !memcmp(b, e->val, len));
		}
		svm_store_abort(r);
	}
	/* Now a different height-1 set commits: if the cache kept aborted nodes (same keys,
	 * height 1) the root would be wrong. */
	n = random_writes(w, vals, N, 2000, 30);
	apply(1, w, n, &root);
	model_apply(&m, w, n);
	svm_hash_t naive;
	model_root(&m, &naive);
	cr_assert(hash_eq(&root, &naive), "seed %llu", (unsigned long long)s0);
	n = random_writes(w, vals, N, 2000, 30);
	apply(2, w, n, &root);
	model_apply(&m, w, n);
	model_root(&m, &naive);
	cr_assert(hash_eq(&root, &naive), "seed %llu", (unsigned long long)s0);
	free(m.kv);
}

Test(state, two_heights_in_one_txn_and_state_survives_reopen)
{
	enum { N = 300 };
	static svm_state_write_t w[N];
	static uint8_t vals[N][16];
	model_t m = {0};
	svm_store_txn_t *t;
	svm_hash_t r1, r2, naive;
	cr_assert_eq(svm_store_write_begin(store, &t, NULL), 0);
	size_t n = random_writes(w, vals, N, 1000, 0);
	qsort(w, n, sizeof *w, write_cmp);
	cr_assert_eq(svm_state_apply(state, t, 10, w, n, &r1, NULL), 0);
	model_apply(&m, w, n);
	n = random_writes(w, vals, N, 1000, 30);
	qsort(w, n, sizeof *w, write_cmp);
	cr_assert_eq(svm_state_apply(state, t, 11, w, n, &r2, NULL), 0);
	model_apply(&m, w, n);
	cr_assert_eq(svm_state_apply(state, t, 13, w, n, NULL, NULL), SVM_EINVAL, "height gap");
	cr_assert_eq(svm_store_commit(t, NULL), 0);
	model_root(&m, &naive);
	cr_assert(hash_eq(&r2, &naive));
	close_all();
	open_all(0);
	svm_hash_t got;
	root_at(10, &got);
	cr_assert(hash_eq(&got, &r1));
	root_at(11, &got);
	cr_assert(hash_eq(&got, &r2));
	n = random_writes(w, vals, N, 1000, 30);
	apply(12, w, n, &got);
	model_apply(&m, w, n);
	model_root(&m, &naive);
	cr_assert(hash_eq(&got, &naive));
	free(m.kv);
}

Test(state, apply_rejects_unsorted_or_duplicate_writes)
{
	svm_state_write_t w[2];
	key_of("a", &w[0].id);
	w[1].id = w[0].id;
	w[0].bytes = w[1].bytes = (const uint8_t *)"x";
	w[0].len = w[1].len = 1;
	svm_store_txn_t *t;
	svm_error_t err = {0};
	cr_assert_eq(svm_store_write_begin(store, &t, NULL), 0);
	cr_assert_eq(svm_state_apply(state, t, 0, w, 2, NULL, &err), SVM_EINVAL);
	key_of("b", &w[1].id);
	if (memcmp(w[0].id.b, w[1].id.b, 32) < 0) {
		svm_hash_t x = w[0].id;
		w[0].id = w[1].id;
		w[1].id = x;
	}
	cr_assert_eq(svm_state_apply(state, t, 0, w, 2, NULL, &err), SVM_EINVAL);
	svm_store_abort(t);
}

/* ------------------------------------------------------------ decoder */

Test(state, proof_decoder_rejects_every_truncation_and_trailing_bytes)
{
	enum { N = 200 };
	static svm_state_write_t w[N];
	static uint8_t vals[N][16];
	size_t n = random_writes(w, vals, N, 1u << 30, 0);
	svm_hash_t root;
	apply(0, w, n, &root);
	svm_store_txn_t *r;
	cr_assert_eq(svm_store_read_begin(store, &r, NULL), 0);
	for (int present = 0; present < 2; present++) {
		svm_hash_t key = w[0].id;
		if (!present) key.b[0] ^= 0x80;
		svm_buf_t p = {0};
		cr_assert_eq(svm_state_prove(state, r, 0, &key, &p, NULL, NULL), 0);
		svm_state_proof_t d;
		cr_assert_eq(svm_state_proof_decode(p.data, p.len, &d), 0);
		cr_assert_geq(d.level_count, 1);
		cr_assert_leq(p.len, SVM_STATE_PROOF_BYTES_MAX);
		for (size_t cut = 0; cut < p.len; cut++)
			cr_assert_eq(svm_state_proof_decode(p.data, cut, &d), SVM_EDECODE, "cut %zu", cut);
		cr_assert_eq(svm_buf_push(&p, 0), 0);
		cr_assert_eq(svm_state_proof_decode(p.data, p.len, &d), SVM_EDECODE);
		p.len--;
		p.data[0] = 2;
		cr_assert_eq(svm_state_proof_decode(p.data, p.len, &d), SVM_EDECODE, "format");
		svm_buf_free(&p);
	}
	svm_store_abort(r);
	const uint8_t too_deep[] = {1, 65};
	svm_state_proof_t d;
	cr_assert_eq(svm_state_proof_decode(too_deep, sizeof too_deep, &d), SVM_EDECODE);
	const uint8_t lone_leaf[2 + 2 + 1 + 64] = {1, 1, 0, 0, 1};
	cr_assert_eq(svm_state_proof_decode(lone_leaf, sizeof lone_leaf, &d), SVM_EDECODE);
	const uint8_t empty_tree[] = {1, 0, 0};
	cr_assert_eq(svm_state_proof_decode(empty_tree, sizeof empty_tree, &d), 0);
	const uint8_t bad_term[] = {1, 0, 2};
	cr_assert_eq(svm_state_proof_decode(bad_term, sizeof bad_term, &d), SVM_EDECODE);
}

static uint64_t node_records(void)
{
	svm_store_txn_t *r;
	uint64_t n = 0;
	cr_assert_eq(svm_store_read_begin(store, &r, NULL), 0);
	cr_assert_eq(svm_store_count(r, SVM_TABLE_NODES, &n), 0);
	svm_store_abort(r);
	return n;
}

/* A height whose writes change nothing in the tree (deleting keys that are not there, whose
 * paths run through internal nodes) rewrites no node: the root is the same and the height adds
 * only its root record. Kills the mutants that rehash and rewrite an unchanged subtree
 * (tree.c's `changed` flag; docs/testing.md). */
Test(state, a_height_that_changes_nothing_writes_only_its_root_record)
{
	svm_state_write_t w[64];
	uint8_t vals[64][16];
	for (size_t i = 0; i < 64; i++) {
		char name[16];
		snprintf(name, sizeof name, "k%zu", i);
		key_of(name, &w[i].id);
		vals[i][0] = (uint8_t)i;
		w[i].bytes = vals[i];
		w[i].len = 1;
	}
	svm_hash_t r1, r2;
	apply(1, w, 64, &r1);
	uint64_t before = node_records();
	cr_assert_gt(before, 2, "a tree of internal nodes");
	svm_state_write_t del[8];
	for (size_t i = 0; i < 8; i++) {
		char name[16];
		snprintf(name, sizeof name, "absent%zu", i);
		key_of(name, &del[i].id);
		del[i].bytes = NULL;
		del[i].len = 0;
	}
	apply(2, del, 8, &r2);
	cr_assert(hash_eq(&r1, &r2), "deleting absent keys changed the root");
	cr_assert_eq(node_records(), before + 1, "%llu node records after the height, %llu before",
		     (unsigned long long)node_records(), (unsigned long long)before);
}

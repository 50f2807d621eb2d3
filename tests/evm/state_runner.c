/* Runs ethereum/tests GeneralStateTests (filled JSON) against SuperVM's EVM: for every Cancun
 * post entry, the pre-state is loaded, the indexed transaction applied, and the post-state
 * root (Merkle-Patricia trie over RLP) and logs hash compared with the expected ones.
 * Prints per-directory counts and a closing "evm-spec: N passed, N failed, N skipped" line.
 * Usage: state_runner [-v] [--every N] [--fork NAME] PATH... (files or directories) */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "supervm/evm.h"

#define FILES_MAX 100000
#define PATH_BYTES_MAX 1024

static int verbose;
static const char *fork_name = "Cancun";

typedef struct {
	char dir[256];
	int pass, fail, skip;
} dirstat_t;

static dirstat_t dirs[4096];
static int n_dirs;
static int skip_reasons[1];
static const char *skip_names[1] = {"reach the KZG point evaluation pairing (needs BLS12-381, not in Debian)"};

static dirstat_t *dir_of(const char *path, const char *root)
{
	char d[256];
	const char *rel = strncmp(path, root, strlen(root)) == 0 ? path + strlen(root) : path;
	while (*rel == '/') rel++;
	snprintf(d, sizeof d, "%s", rel);
	char *slash = strrchr(d, '/');
	if (slash) *slash = 0;
	else snprintf(d, sizeof d, ".");
	for (int i = 0; i < n_dirs; i++)
		if (!strcmp(dirs[i].dir, d)) return &dirs[i];
	if (n_dirs == 4096) return &dirs[4095];
	snprintf(dirs[n_dirs].dir, sizeof dirs[n_dirs].dir, "%s", d);
	return &dirs[n_dirs++];
}

/* ------------------------------------------------------------- parsing */

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* "0x…" into bytes (malloc'd), odd lengths padded on the left. */
static uint8_t *hex_bytes(const char *s, size_t *n)
{
	if (!s) s = "";
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
	size_t l = strlen(s), nb = (l + 1) / 2;
	uint8_t *b = malloc(nb ? nb : 1);
	if (!b) return NULL;
	size_t i = 0, k = 0;
	if (l & 1) b[k++] = (uint8_t)hexval(s[i++]);
	for (; i < l; i += 2) b[k++] = (uint8_t)(hexval(s[i]) << 4 | hexval(s[i + 1]));
	*n = nb;
	return b;
}

static void hex_u256(const char *s, svm_u256_t *out)
{
	size_t n;
	uint8_t *b = hex_bytes(s, &n);
	size_t off = 0;
	while (n - off > 32 && b[off] == 0) off++;
	svm_u256_from_be(out, b + off, n - off > 32 ? 32 : n - off);
	free(b);
}

static uint64_t hex_u64(const char *s, bool *ovf)
{
	svm_u256_t v;
	hex_u256(s, &v);
	if (v.w[1] | v.w[2] | v.w[3]) {
		if (ovf) *ovf = true;
		return UINT64_MAX;
	}
	return v.w[0];
}

static void hex_addr(const char *s, svm_evm_addr_t *a)
{
	size_t n;
	uint8_t *b = hex_bytes(s, &n);
	memset(a, 0, sizeof *a);
	if (n <= 20) memcpy(a->b + 20 - n, b, n);
	free(b);
}

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void test_block_hash(void *ctx, uint64_t number, uint8_t out[32])
{
	char s[32];
	int n = snprintf(s, sizeof s, "%llu", (unsigned long long)number);
	svm_keccak256(s, (size_t)n, out);
}

static int load_pre(svm_evm_state_t *st, json_t *pre)
{
	const char *key;
	json_t *acc;
	json_object_foreach(pre, key, acc) {
		svm_evm_addr_t a;
		svm_u256_t bal;
		hex_addr(key, &a);
		hex_u256(jstr(acc, "balance"), &bal);
		size_t cl;
		uint8_t *code = hex_bytes(jstr(acc, "code"), &cl);
		int rc = svm_evm_state_set_account(st, &a, &bal, hex_u64(jstr(acc, "nonce"), NULL), code, cl);
		free(code);
		if (rc) return rc;
		const char *sk;
		json_t *sv;
		json_object_foreach(json_object_get(acc, "storage"), sk, sv) {
			svm_u256_t k, v;
			hex_u256(sk, &k);
			hex_u256(json_string_value(sv), &v);
			if ((rc = svm_evm_state_set_storage(st, &a, &k, &v))) return rc;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- one case */

typedef struct {
	svm_evm_access_t acc[1024];
	svm_u256_t keys[8192];
	svm_u256_t blobs[16];
} txbufs_t;

static int build_tx(json_t *t, json_t *idx, svm_evm_tx_t *tx, uint8_t **data, txbufs_t *b, bool *bad)
{
	memset(tx, 0, sizeof *tx);
	size_t di = (size_t)json_integer_value(json_object_get(idx, "data"));
	size_t gi = (size_t)json_integer_value(json_object_get(idx, "gas"));
	size_t vi = (size_t)json_integer_value(json_object_get(idx, "value"));
	size_t dl;
	*data = hex_bytes(json_string_value(json_array_get(json_object_get(t, "data"), di)), &dl);
	tx->data = *data;
	tx->data_len = dl;
	bool ovf = false;
	tx->gas_limit = hex_u64(json_string_value(json_array_get(json_object_get(t, "gasLimit"), gi)), &ovf);
	hex_u256(json_string_value(json_array_get(json_object_get(t, "value"), vi)), &tx->value);
	tx->nonce = hex_u64(jstr(t, "nonce"), &ovf);
	if (ovf) *bad = true;
	hex_addr(jstr(t, "sender"), &tx->from);
	const char *to = jstr(t, "to");
	tx->create = !to || !to[0];
	if (!tx->create) hex_addr(to, &tx->to);
	if (jstr(t, "gasPrice")) hex_u256(jstr(t, "gasPrice"), &tx->gas_price);
	json_t *al = json_object_get(t, "accessLists");
	json_t *l = al ? json_array_get(al, di) : NULL;
	if (jstr(t, "maxFeePerGas")) {
		tx->type = 2;
		hex_u256(jstr(t, "maxFeePerGas"), &tx->max_fee);
		hex_u256(jstr(t, "maxPriorityFeePerGas"), &tx->max_priority_fee);
	} else if (l && json_is_array(l)) {
		tx->type = 1;
	}
	if (json_object_get(t, "blobVersionedHashes")) {
		tx->type = 3;
		json_t *bh = json_object_get(t, "blobVersionedHashes");
		size_t n = json_array_size(bh);
		if (n > 16) n = 16, *bad = true;
		for (size_t i = 0; i < n; i++) hex_u256(json_string_value(json_array_get(bh, i)), &b->blobs[i]);
		tx->blob_hashes = b->blobs;
		tx->n_blob_hashes = json_array_size(bh);
		if (tx->n_blob_hashes > 16) tx->n_blob_hashes = 16;
		hex_u256(jstr(t, "maxFeePerBlobGas"), &tx->max_fee_per_blob_gas);
	}
	if (l && json_is_array(l)) {
		size_t nk = 0;
		for (size_t i = 0; i < json_array_size(l) && i < 1024; i++) {
			json_t *e = json_array_get(l, i);
			hex_addr(jstr(e, "address"), &b->acc[i].address);
			json_t *ks = json_object_get(e, "storageKeys");
			b->acc[i].keys = &b->keys[nk];
			b->acc[i].n_keys = 0;
			for (size_t k = 0; k < json_array_size(ks) && nk < 8192; k++, nk++) {
				hex_u256(json_string_value(json_array_get(ks, k)), &b->keys[nk]);
				b->acc[i].n_keys++;
			}
			tx->n_access++;
		}
		tx->access = b->acc;
	}
	return 0;
}

static void parse_env(json_t *env, svm_evm_block_t *blk)
{
	memset(blk, 0, sizeof *blk);
	hex_addr(jstr(env, "currentCoinbase"), &blk->coinbase);
	blk->number = hex_u64(jstr(env, "currentNumber"), NULL);
	blk->timestamp = hex_u64(jstr(env, "currentTimestamp"), NULL);
	blk->gas_limit = hex_u64(jstr(env, "currentGasLimit"), NULL);
	blk->chain_id = 1;
	if (jstr(env, "currentBaseFee")) hex_u256(jstr(env, "currentBaseFee"), &blk->base_fee);
	if (jstr(env, "currentRandom")) hex_u256(jstr(env, "currentRandom"), &blk->prev_randao);
	uint64_t excess = jstr(env, "currentExcessBlobGas") ? hex_u64(jstr(env, "currentExcessBlobGas"), NULL) : 0;
	svm_evm_blob_base_fee(excess, &blk->blob_base_fee);
	blk->block_hash = test_block_hash;
}

static txbufs_t bufs;

/* 1 pass, 0 fail, 2 skip */
static int run_case(const char *name, json_t *test, json_t *post, size_t pi)
{
	svm_evm_block_t blk;
	parse_env(json_object_get(test, "env"), &blk);
	svm_evm_state_t *st = svm_evm_state_new();
	svm_evm_tx_t tx;
	uint8_t *data = NULL;
	bool bad = false;
	int verdict = 0;
	svm_evm_result_t res;
	memset(&res, 0, sizeof res);
	svm_error_t err = {0};
	if (!st || load_pre(st, json_object_get(test, "pre"))) {
		printf("  %s[%zu]: cannot load the pre-state\n", name, pi);
		goto out;
	}
	build_tx(json_object_get(test, "transaction"), json_object_get(post, "indexes"), &tx, &data, &bufs, &bad);
	int rc = bad ? SVM_EINVAL : svm_evm_apply_tx(st, &blk, &tx, &res, &err);
	if (rc == SVM_ENOMEM) {
		printf("  %s[%zu]: out of memory\n", name, pi);
		goto out;
	}
	if (res.unsupported) {
		skip_reasons[0]++; /* the only unimplemented precompile is KZG point evaluation (0x0a) */
		verdict = 2;
		goto out;
	}
	uint8_t root[32], logs[32], want[32], want_logs[32];
	svm_evm_state_root(st, root);
	if (rc == 0) svm_evm_logs_hash(&res, logs);
	else {
		svm_evm_result_t empty = {0};
		svm_evm_logs_hash(&empty, logs);
	}
	size_t n;
	uint8_t *w = hex_bytes(jstr(post, "hash"), &n);
	memcpy(want, w, n == 32 ? 32 : 0);
	free(w);
	w = hex_bytes(jstr(post, "logs"), &n);
	memcpy(want_logs, w, n == 32 ? 32 : 0);
	free(w);
	bool expect_exc = jstr(post, "expectException") != NULL;
	bool ok = !memcmp(root, want, 32) && !memcmp(logs, want_logs, 32) && (expect_exc == (rc != 0));
	verdict = ok;
	if (!ok && verbose) {
		printf("  FAIL %s[%zu] d=%lld g=%lld v=%lld: %s%s%s rc=%d (%s) status=%d gas=%llu %s\n", name, pi,
		       json_integer_value(json_object_get(json_object_get(post, "indexes"), "data")),
		       json_integer_value(json_object_get(json_object_get(post, "indexes"), "gas")),
		       json_integer_value(json_object_get(json_object_get(post, "indexes"), "value")),
		       memcmp(root, want, 32) ? "root " : "", memcmp(logs, want_logs, 32) ? "logs " : "",
		       expect_exc != (rc != 0) ? "exception " : "", rc, err.msg, res.status,
		       (unsigned long long)res.gas_used, res.error);
		if (expect_exc) printf("    expected exception %s\n", jstr(post, "expectException"));
	}
out:
	free(data);
	svm_evm_result_free(&res);
	svm_evm_state_free(st);
	return verdict;
}

static void run_file(const char *path, const char *root)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	dirstat_t *ds = dir_of(path, root);
	if (!j) {
		printf("  %s: JSON error %s\n", path, je.text);
		ds->fail++;
		return;
	}
	const char *name;
	json_t *test;
	json_object_foreach(j, name, test) {
		json_t *posts = json_object_get(json_object_get(test, "post"), fork_name);
		for (size_t i = 0; i < json_array_size(posts); i++) {
			int v = run_case(name, test, json_array_get(posts, i), i);
			if (v == 1) ds->pass++;
			else if (v == 2) ds->skip++;
			else ds->fail++;
		}
	}
	json_decref(j);
}

/* ---------------------------------------------------------------- files */

static char *files[FILES_MAX];
static int n_files;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void collect(const char *path)
{
	struct stat sb;
	if (stat(path, &sb)) return;
	if (!S_ISDIR(sb.st_mode)) {
		size_t l = strlen(path);
		if (l > 5 && !strcmp(path + l - 5, ".json") && n_files < FILES_MAX) files[n_files++] = strdup(path);
		return;
	}
	DIR *d = opendir(path);
	if (!d) return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.') continue;
		char p[PATH_BYTES_MAX];
		snprintf(p, sizeof p, "%s/%s", path, e->d_name);
		collect(p);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	int every = 1, first = 1;
	const char *root = NULL;
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (!strcmp(argv[first], "-v")) verbose = 1;
		else if (!strcmp(argv[first], "--every") && first + 1 < argc) every = atoi(argv[++first]);
		else if (!strcmp(argv[first], "--fork") && first + 1 < argc) fork_name = argv[++first];
		else if (!strcmp(argv[first], "--root") && first + 1 < argc) root = argv[++first];
	}
	if (every < 1) every = 1;
	for (int i = first; i < argc; i++) collect(argv[i]);
	if (!root) root = first < argc ? argv[first] : "";
	qsort(files, (size_t)n_files, sizeof *files, cmp_str);
	for (int i = 0; i < n_files; i += every) run_file(files[i], root);
	int p = 0, f = 0, s = 0;
	for (int i = 0; i < n_dirs; i++) {
		printf("  %-48s %6d passed, %4d failed, %4d skipped\n", dirs[i].dir, dirs[i].pass, dirs[i].fail,
		       dirs[i].skip);
		p += dirs[i].pass;
		f += dirs[i].fail;
		s += dirs[i].skip;
	}
	for (int i = 0; i < 1; i++)
		if (skip_reasons[i]) printf("  skipped: %d — %s\n", skip_reasons[i], skip_names[i]);
	printf("evm-spec: %d passed, %d failed, %d skipped\n", p, f, s);
	for (int i = 0; i < n_files; i++) free(files[i]);
	return f ? 1 : 0;
}

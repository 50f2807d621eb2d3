/* Unit tests for the crypto layer: SHA-256 and Ed25519 known answers (tests/vectors), the
 * identity derivation, RFC 6962 Merkle roots and inclusion proofs, and key files. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "supervm/crypto.h"

/* ---------------------------------------------------------------- helpers */

#define LINE_MAX_BYTES 8192

static FILE *open_vectors(const char *rel)
{
	char path[256];
	snprintf(path, sizeof path, "tests/vectors/%s", rel);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s (run from the repository root)", path);
	return f;
}

/* Next non-comment, non-blank line (newline stripped), or NULL at EOF. */
static char *next_line(FILE *f, char *buf)
{
	while (fgets(buf, LINE_MAX_BYTES, f)) {
		buf[strcspn(buf, "\r\n")] = 0;
		if (buf[0] != '#' && buf[0] != 0) return buf;
	}
	return NULL;
}

/* Decodes a hex string of any even length into a malloc'd buffer. "-" or "" is empty. */
static uint8_t *hex_alloc(const char *hex, size_t *len)
{
	if (strcmp(hex, "-") == 0) hex = "";
	size_t n = strlen(hex) / 2;
	uint8_t *out = malloc(n ? n : 1);
	cr_assert_not_null(out);
	cr_assert_eq(strlen(hex) % 2, 0, "odd hex length: %s", hex);
	if (n) cr_assert_eq(svm_hex_decode(out, n, hex), 0, "bad hex %s", hex);
	*len = n;
	return out;
}

static uint64_t rng_state;
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned test_seed(void)
{
	const char *s = getenv("SVM_TEST_SEED");
	unsigned seed = s ? (unsigned)strtoul(s, NULL, 0) : (unsigned)time(NULL);
	rng_state = seed;
	return seed;
}

static void hash_be32(uint32_t i, svm_hash_t *out)
{
	uint8_t b[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
	svm_merkle_leaf_hash(b, 4, out);
}

/* ----------------------------------------------------------------- SHA-256 */

Test(sha256, nist_vectors_one_shot_incremental_and_tagged)
{
	FILE *f = open_vectors("sha256/nist.txt");
	static char line[LINE_MAX_BYTES];
	int count = 0;
	while (next_line(f, line)) {
		char msg_hex[LINE_MAX_BYTES], want_hex[80];
		unsigned long reps;
		cr_assert_eq(sscanf(line, "%s %lu %79s", msg_hex, &reps, want_hex), 3, "line: %s", line);
		size_t unit_len;
		uint8_t *unit = hex_alloc(msg_hex, &unit_len);
		size_t len = unit_len * reps;
		uint8_t *msg = malloc(len ? len : 1);
		for (size_t i = 0; i < reps; i++) memcpy(msg + i * unit_len, unit, unit_len);
		svm_hash_t want, got;
		cr_assert_eq(svm_hash_from_hex(&want, want_hex), 0);

		svm_sha256(msg, len, &got);
		cr_assert(svm_hash_eq(&got, &want), "one-shot %s x%lu", msg_hex, reps);

		svm_sha256_ctx_t c; /* incremental, in uneven chunks */
		svm_sha256_init(&c);
		for (size_t off = 0, step = 1; off < len; off += step, step = step * 3 % 1009 + 1)
			svm_sha256_update(&c, msg + off, off + step > len ? len - off : step);
		svm_sha256_final(&c, &got);
		cr_assert(svm_hash_eq(&got, &want), "incremental %s", msg_hex);

		svm_slice_t parts[2] = {{msg, len / 2}, {msg + len / 2, len - len / 2}};
		svm_sha256_tagged(NULL, parts, 2, &got);
		cr_assert(svm_hash_eq(&got, &want), "parts %s", msg_hex);
		free(unit);
		free(msg);
		count++;
	}
	fclose(f);
	cr_assert_eq(count, 4);
}

Test(sha256, tagged_equals_plain_concatenation)
{
	const uint8_t a[] = {1, 2, 3}, b[] = {4, 5};
	svm_slice_t parts[2] = {{a, 3}, {b, 2}};
	svm_hash_t got, want;
	svm_sha256_tagged("svm/x", parts, 2, &got);
	const uint8_t all[] = {'s', 'v', 'm', '/', 'x', 1, 2, 3, 4, 5};
	svm_sha256(all, sizeof all, &want);
	cr_assert(svm_hash_eq(&got, &want));
}

Test(sha256, context_copy_forks_the_hash)
{
	svm_sha256_ctx_t c, d;
	svm_hash_t h1, h2, w1, w2;
	svm_sha256_init(&c);
	svm_sha256_update(&c, "prefix-", 7);
	d = c;
	svm_sha256_update(&c, "one", 3);
	svm_sha256_update(&d, "two", 3);
	svm_sha256_final(&c, &h1);
	svm_sha256_final(&d, &h2);
	svm_sha256("prefix-one", 10, &w1);
	svm_sha256("prefix-two", 10, &w2);
	cr_assert(svm_hash_eq(&h1, &w1));
	cr_assert(svm_hash_eq(&h2, &w2));
}

Test(hash, hex_compare_and_zero)
{
	svm_hash_t h, z = {{0}};
	char hex[65];
	svm_sha256("abc", 3, &h);
	cr_assert_str_eq(svm_hash_hex(&h, hex),
			 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	svm_hash_t back;
	cr_assert_eq(svm_hash_from_hex(&back, hex), 0);
	cr_assert(svm_hash_eq(&h, &back));
	cr_assert_eq(svm_hash_from_hex(&back, "abcd"), SVM_EDECODE);
	cr_assert(svm_hash_is_zero(&z));
	cr_assert_not(svm_hash_is_zero(&h));
	cr_assert_gt(svm_hash_cmp(&h, &z), 0);
	cr_assert_lt(svm_hash_cmp(&z, &h), 0);
}

/* ----------------------------------------------------------------- Ed25519 */

typedef struct {
	char name[64];
	uint8_t seed[32], pk[32], sig[64];
	uint8_t *msg;
	size_t msg_len;
} ed_vector_t;

/* Reads the next "key = value" record (name, seed, public_key, message, signature). */
static bool next_ed_vector(FILE *f, ed_vector_t *v)
{
	static char line[LINE_MAX_BYTES];
	int fields = 0;
	memset(v, 0, sizeof *v);
	while (fields < 5 && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (line[0] == '#' || line[0] == 0) continue;
		char *eq = strchr(line, '=');
		cr_assert_not_null(eq, "bad line %s", line);
		char *val = eq + 1;
		while (*val == ' ') val++;
		size_t n;
		if (strncmp(line, "name", 4) == 0) {
			snprintf(v->name, sizeof v->name, "%s", val);
		} else if (strncmp(line, "seed", 4) == 0) {
			cr_assert_eq(svm_hex_decode(v->seed, 32, val), 0);
		} else if (strncmp(line, "public_key", 10) == 0) {
			cr_assert_eq(svm_hex_decode(v->pk, 32, val), 0);
		} else if (strncmp(line, "message", 7) == 0) {
			v->msg = hex_alloc(val, &n);
			v->msg_len = n;
		} else if (strncmp(line, "signature", 9) == 0) {
			cr_assert_eq(svm_hex_decode(v->sig, 64, val), 0);
		} else {
			cr_assert_fail("unknown field in %s", line);
		}
		fields++;
	}
	if (fields == 0) return false;
	cr_assert_eq(fields, 5, "incomplete record %s", v->name);
	return true;
}

Test(ed25519, rfc8032_vectors_derive_sign_verify_and_one_bit_changes_fail)
{
	cr_assert_eq(svm_crypto_init(), 0);
	FILE *f = open_vectors("ed25519/rfc8032.txt");
	ed_vector_t v;
	int count = 0;
	while (next_ed_vector(f, &v)) {
		uint8_t pk[32], sk[64], sig[64];
		svm_ed25519_keypair_seed(pk, sk, v.seed);
		cr_assert_arr_eq(pk, v.pk, 32, "%s: public key", v.name);
		svm_ed25519_sign(sig, v.msg, v.msg_len, sk);
		cr_assert_arr_eq(sig, v.sig, 64, "%s: signature", v.name);
		cr_assert_eq(svm_ed25519_verify(v.sig, v.msg, v.msg_len, v.pk), 0, "%s", v.name);
		for (int bit = 0; bit < 512; bit++) {
			sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			cr_assert_eq(svm_ed25519_verify(sig, v.msg, v.msg_len, v.pk), SVM_ESIG,
				     "%s: sig bit %d", v.name, bit);
			sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		for (int bit = 0; bit < 256; bit++) {
			pk[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			cr_assert_eq(svm_ed25519_verify(v.sig, v.msg, v.msg_len, pk), SVM_ESIG,
				     "%s: pk bit %d", v.name, bit);
			pk[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		size_t bits = v.msg_len * 8, stride = bits > 1024 ? 61 : 1;
		for (size_t bit = 0; bit < bits; bit += stride) {
			v.msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			cr_assert_eq(svm_ed25519_verify(v.sig, v.msg, v.msg_len, v.pk), SVM_ESIG,
				     "%s: msg bit %zu", v.name, bit);
			v.msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		if (v.msg_len == 0) { /* a message bit that does not exist: append a byte */
			uint8_t extra = 0;
			cr_assert_eq(svm_ed25519_verify(v.sig, &extra, 1, v.pk), SVM_ESIG);
		}
		free(v.msg);
		count++;
	}
	fclose(f);
	cr_assert_eq(count, 5);
}

Test(ed25519, random_keypairs_sign_and_verify)
{
	cr_assert_eq(svm_crypto_init(), 0);
	cr_assert_eq(svm_crypto_init(), 0); /* idempotent */
	uint8_t pk[32], sk[64], pk2[32], sk2[64], sig[64];
	svm_ed25519_keypair_random(pk, sk);
	svm_ed25519_keypair_random(pk2, sk2);
	cr_assert(memcmp(pk, pk2, 32) != 0);
	svm_ed25519_sign(sig, "hello", 5, sk);
	cr_assert_eq(svm_ed25519_verify(sig, "hello", 5, pk), 0);
	cr_assert_eq(svm_ed25519_verify(sig, "hello", 5, pk2), SVM_ESIG);
	cr_assert_eq(svm_ed25519_verify(sig, "hellO", 5, pk), SVM_ESIG);
}

Test(ed25519, scheme_table)
{
	cr_assert_eq(svm_scheme_pubkey_size(SVM_SCHEME_ED25519), 32);
	cr_assert_eq(svm_scheme_sig_size(SVM_SCHEME_ED25519), 64);
	for (int s = 0; s < 256; s++) {
		if (s == SVM_SCHEME_ED25519) continue;
		cr_assert_eq(svm_scheme_pubkey_size((uint8_t)s), 0);
		cr_assert_eq(svm_scheme_sig_size((uint8_t)s), 0);
	}
}

/* ---------------------------------------------------------------- identity */

Test(identity, derivation_is_tagged_hash_of_scheme_and_key)
{
	uint8_t pk[32];
	for (int i = 0; i < 32; i++) pk[i] = (uint8_t)i;
	svm_id_t id, want;
	cr_assert_eq(svm_identity_derive(SVM_SCHEME_ED25519, pk, 32, &id), 0);
	uint8_t m[6 + 1 + 32] = {'s', 'v', 'm', '/', 'i', 'd', SVM_SCHEME_ED25519};
	memcpy(m + 7, pk, 32);
	svm_sha256(m, sizeof m, &want);
	cr_assert(svm_hash_eq(&id, &want));
	cr_assert_eq(svm_identity_derive(2, pk, 32, &id), SVM_EUNSUPPORTED);
	cr_assert_eq(svm_identity_derive(0, pk, 32, &id), SVM_EUNSUPPORTED);
	cr_assert_eq(svm_identity_derive(SVM_SCHEME_ED25519, pk, 31, &id), SVM_EINVAL);
	cr_assert_eq(svm_identity_derive(SVM_SCHEME_ED25519, NULL, 32, &id), SVM_EINVAL);
}

Test(identity, keypair_from_seed_matches_derivation)
{
	cr_assert_eq(svm_crypto_init(), 0);
	uint8_t seed[32] = {7};
	svm_keypair_t kp;
	svm_keypair_from_seed(&kp, seed);
	cr_assert_eq(kp.scheme, SVM_SCHEME_ED25519);
	cr_assert_arr_eq(kp.secret_key, seed, 32);
	cr_assert_arr_eq(kp.secret_key + 32, kp.public_key, 32);
	svm_id_t id;
	cr_assert_eq(svm_identity_derive(kp.scheme, kp.public_key, 32, &id), 0);
	cr_assert(svm_hash_eq(&id, &kp.id));
	svm_keypair_wipe(&kp);
	cr_assert(svm_hash_is_zero(&kp.id));
	cr_assert_eq(kp.scheme, 0);
}

/* ------------------------------------------------------------------ Merkle */

/* Reference MTH straight from the RFC's recursion (tests only; the library is iterative). */
static void ref_mth(const svm_hash_t *leaves, size_t n, svm_hash_t *out)
{
	if (n == 0) {
		svm_sha256(NULL, 0, out);
		return;
	}
	if (n == 1) {
		*out = leaves[0];
		return;
	}
	size_t k = 1;
	while (k * 2 < n) k *= 2;
	svm_hash_t l, r;
	ref_mth(leaves, k, &l);
	ref_mth(leaves + k, n - k, &r);
	svm_merkle_node_hash(&l, &r, out);
}

Test(merkle, root_vectors)
{
	FILE *f = open_vectors("merkle/roots.txt");
	static char line[LINE_MAX_BYTES];
	int count = 0;
	while (next_line(f, line)) {
		char leaves[LINE_MAX_BYTES], want_hex[80];
		cr_assert_eq(sscanf(line, "%s %79s", leaves, want_hex), 2, "line %s", line);
		svm_hash_t want, got, got2;
		cr_assert_eq(svm_hash_from_hex(&want, want_hex), 0);
		svm_hash_t *hashes = calloc(1000, sizeof *hashes);
		svm_slice_t *data = calloc(1000, sizeof *data);
		uint8_t *bufs[1000] = {0};
		size_t n = 0;
		if (strncmp(leaves, "be32:", 5) == 0) {
			n = strtoul(leaves + 5, NULL, 10);
			cr_assert_leq(n, 1000);
			for (size_t i = 0; i < n; i++) {
				bufs[i] = malloc(4);
				for (int j = 0; j < 4; j++) bufs[i][j] = (uint8_t)(i >> (24 - 8 * j));
				data[i] = (svm_slice_t){bufs[i], 4};
			}
		} else if (strcmp(leaves, "none") != 0) {
			for (char *tok = strtok(leaves, ","); tok; tok = strtok(NULL, ",")) {
				size_t len;
				bufs[n] = hex_alloc(tok, &len);
				data[n] = (svm_slice_t){bufs[n], len};
				n++;
			}
		}
		for (size_t i = 0; i < n; i++) svm_merkle_leaf_hash(data[i].p, data[i].len, &hashes[i]);
		cr_assert_eq(svm_merkle_root_data(data, n, &got), 0);
		cr_assert_eq(svm_merkle_root(hashes, n, &got2), 0);
		cr_assert(svm_hash_eq(&got, &want), "root of %s", line);
		cr_assert(svm_hash_eq(&got2, &want), "root (hashes) of %s", line);
		for (size_t i = 0; i < n; i++) free(bufs[i]);
		free(hashes);
		free(data);
		count++;
	}
	fclose(f);
	cr_assert_eq(count, 24);
}

Test(merkle, proof_vectors_match_rfc_path)
{
	FILE *f = open_vectors("merkle/proofs.txt");
	static char line[LINE_MAX_BYTES];
	svm_hash_t leaves[64];
	int count = 0;
	while (next_line(f, line)) {
		unsigned n, index;
		char path[LINE_MAX_BYTES];
		cr_assert_eq(sscanf(line, "%u %u %s", &n, &index, path), 3);
		cr_assert_leq(n, 64);
		for (unsigned i = 0; i < n; i++) hash_be32(i, &leaves[i]);
		svm_merkle_proof_t p;
		cr_assert_eq(svm_merkle_prove(leaves, n, index, &p), 0);
		uint32_t len = 0;
		if (strcmp(path, "-") != 0)
			for (char *tok = strtok(path, ","); tok; tok = strtok(NULL, ",")) {
				svm_hash_t h;
				cr_assert_eq(svm_hash_from_hex(&h, tok), 0);
				cr_assert_lt(len, p.len, "%u/%u: proof too short", index, n);
				cr_assert(svm_hash_eq(&h, &p.path[len]), "%u/%u: element %u", index, n, len);
				len++;
			}
		cr_assert_eq(len, p.len, "%u/%u: proof length", index, n);
		count++;
	}
	fclose(f);
	cr_assert_eq(count, 95);
}

Test(merkle, root_matches_rfc_recursion_for_sizes_0_to_300)
{
	svm_hash_t leaves[300], got, want;
	for (uint32_t i = 0; i < 300; i++) hash_be32(i * 7919, &leaves[i]);
	for (size_t n = 0; n <= 300; n++) {
		cr_assert_eq(svm_merkle_root(leaves, n, &got), 0);
		ref_mth(leaves, n, &want);
		cr_assert(svm_hash_eq(&got, &want), "n = %zu", n);
	}
}

static void flip(svm_hash_t *h, unsigned bit)
{
	h->b[(bit / 8) % SVM_HASH_SIZE] ^= (uint8_t)(1u << (bit % 8));
}

Test(merkle, proofs_verify_for_every_index_of_sizes_1_to_70_and_fail_after_one_bit_change)
{
	unsigned seed = test_seed();
	svm_hash_t leaves[70], root;
	for (uint32_t i = 0; i < 70; i++) hash_be32(i, &leaves[i]);
	for (size_t n = 1; n <= 70; n++) {
		cr_assert_eq(svm_merkle_root(leaves, n, &root), 0);
		for (uint64_t i = 0; i < n; i++) {
			svm_merkle_proof_t p;
			cr_assert_eq(svm_merkle_prove(leaves, n, i, &p), 0);
			cr_assert_eq(svm_merkle_verify(&root, &leaves[i], &p), 0, "%lu/%zu", i, n);
			/* All bits for small trees, one random bit per hash for the rest. */
			unsigned bits = n <= 9 ? 256 : 1;
			for (unsigned k = 0; k < bits; k++) {
				unsigned bit = bits == 1 ? (unsigned)(rng_next() % 256) : k;
				svm_hash_t leaf = leaves[i], r = root;
				flip(&leaf, bit);
				cr_assert_eq(svm_merkle_verify(&root, &leaf, &p), SVM_EPROOF,
					     "leaf bit %u %lu/%zu seed %u", bit, i, n, seed);
				flip(&r, bit);
				cr_assert_eq(svm_merkle_verify(&r, &leaves[i], &p), SVM_EPROOF,
					     "root bit %u %lu/%zu seed %u", bit, i, n, seed);
				for (uint32_t e = 0; e < p.len; e++) {
					svm_merkle_proof_t q = p;
					flip(&q.path[e], bit);
					cr_assert_eq(svm_merkle_verify(&root, &leaves[i], &q), SVM_EPROOF,
						     "path[%u] bit %u %lu/%zu seed %u", e, bit, i, n,
						     seed);
				}
			}
			/* Wrong index, dropped or extra elements. (A path does not bind the tree size:
			 * the proof for leaf 0 of 5 also verifies as leaf 0 of 6 against the same
			 * root, so the size must be authenticated with the root, as tx_count is.) */
			svm_merkle_proof_t q = p;
			q.index = (i + 1) % n;
			if (n > 1)
				cr_assert_eq(svm_merkle_verify(&root, &leaves[i], &q), SVM_EPROOF,
					     "index %lu/%zu", i, n);
			if (p.len > 0) {
				q = p;
				q.len--;
				cr_assert_eq(svm_merkle_verify(&root, &leaves[i], &q), SVM_EPROOF);
			}
			q = p;
			q.path[q.len++] = leaves[0];
			cr_assert_eq(svm_merkle_verify(&root, &leaves[i], &q), SVM_EPROOF);
		}
	}
}

Test(merkle, bounds_and_malformed_proofs)
{
	svm_hash_t leaves[3], root;
	for (uint32_t i = 0; i < 3; i++) hash_be32(i, &leaves[i]);
	svm_merkle_proof_t p;
	cr_assert_eq(svm_merkle_prove(leaves, 3, 3, &p), SVM_EINVAL);
	cr_assert_eq(svm_merkle_prove(leaves, 0, 0, &p), SVM_EINVAL);
	cr_assert_eq(svm_merkle_root(leaves, (size_t)SVM_MERKLE_LEAVES_MAX + 1, &root), SVM_ELIMIT);
	cr_assert_eq(svm_merkle_root(leaves, 3, &root), 0);
	cr_assert_eq(svm_merkle_prove(leaves, 3, 2, &p), 0);
	svm_merkle_proof_t q = p;
	q.size = 0;
	cr_assert_eq(svm_merkle_verify(&root, &leaves[2], &q), SVM_EPROOF);
	q = p;
	q.index = 3;
	cr_assert_eq(svm_merkle_verify(&root, &leaves[2], &q), SVM_EPROOF);
	q = p;
	q.len = SVM_MERKLE_PROOF_MAX + 1;
	cr_assert_eq(svm_merkle_verify(&root, &leaves[2], &q), SVM_EPROOF);
	q = p;
	q.size = SVM_MERKLE_LEAVES_MAX + 1;
	cr_assert_eq(svm_merkle_verify(&root, &leaves[2], &q), SVM_EPROOF);
	/* A single-leaf tree: empty path, root = leaf hash. */
	cr_assert_eq(svm_merkle_prove(leaves, 1, 0, &p), 0);
	cr_assert_eq(p.len, 0);
	cr_assert_eq(svm_merkle_verify(&leaves[0], &leaves[0], &p), 0);
	/* Leaf and node hashes are domain separated: a node is not a leaf of its children. */
	svm_hash_t node, leaf;
	uint8_t both[64];
	memcpy(both, leaves[0].b, 32);
	memcpy(both + 32, leaves[1].b, 32);
	svm_merkle_node_hash(&leaves[0], &leaves[1], &node);
	svm_merkle_leaf_hash(both, 64, &leaf);
	cr_assert_not(svm_hash_eq(&node, &leaf));
}

/* ---------------------------------------------------------------- key files */

static char tmpdir[256];

static void keyfile_setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/svm-test-keyfile-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	cr_assert_eq(svm_crypto_init(), 0);
}

static void keyfile_teardown(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(keyfile, write_read_round_trip_mode_0600_and_no_overwrite, .init = keyfile_setup,
     .fini = keyfile_teardown)
{
	char path[300];
	snprintf(path, sizeof path, "%s/k.json", tmpdir);
	svm_keypair_t kp, back;
	svm_keypair_random(&kp);
	svm_error_t err = {0};
	cr_assert_eq(svm_keyfile_write(path, &kp, &err), 0, "%s", err.msg);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(svm_keyfile_read(path, &back, &err), 0, "%s", err.msg);
	cr_assert_eq(memcmp(&kp, &back, sizeof kp), 0);
	svm_keypair_t other;
	svm_keypair_random(&other);
	cr_assert_eq(svm_keyfile_write(path, &other, &err), SVM_EEXIST);
	cr_assert_eq(svm_keyfile_read(path, &back, NULL), 0);
	cr_assert(svm_hash_eq(&back.id, &kp.id), "existing key file was overwritten");
}

static int read_text(const char *text, svm_error_t *err)
{
	char path[300];
	static int k;
	snprintf(path, sizeof path, "%s/bad%d.json", tmpdir, k++);
	write_text(path, text);
	svm_keypair_t kp;
	return svm_keyfile_read(path, &kp, err);
}

Test(keyfile, read_rejects_bad_files_with_precise_errors, .init = keyfile_setup,
     .fini = keyfile_teardown)
{
	uint8_t seed[32] = {1, 2, 3};
	svm_keypair_t kp;
	svm_keypair_from_seed(&kp, seed);
	char id[65], pk[65], sd[65], text[600];
	svm_hex_encode(id, kp.id.b, 32);
	svm_hex_encode(pk, kp.public_key, 32);
	svm_hex_encode(sd, seed, 32);
	svm_error_t err = {0};

#define KF(scheme, i, p, s) \
	snprintf(text, sizeof text, \
		 "{\"scheme\":\"%s\",\"id\":\"%s\",\"public_key\":\"%s\",\"secret_seed\":\"%s\"}", \
		 scheme, i, p, s)
	KF("ed25519", id, pk, sd);
	cr_assert_eq(read_text(text, &err), 0, "%s", err.msg);
	KF("dilithium", id, pk, sd);
	cr_assert_eq(read_text(text, &err), SVM_EUNSUPPORTED);
	cr_assert(strstr(err.msg, "scheme"), "%s", err.msg);
	KF("ed25519", id, pk, "abcd");
	cr_assert_eq(read_text(text, &err), SVM_EDECODE);
	cr_assert(strstr(err.msg, "secret_seed"), "%s", err.msg);
	char badhex[65];
	memcpy(badhex, pk, 65);
	badhex[10] = 'g';
	KF("ed25519", id, badhex, sd);
	cr_assert_eq(read_text(text, &err), SVM_EDECODE);
	cr_assert(strstr(err.msg, "public_key"), "%s", err.msg);
	char other[65];
	memcpy(other, pk, 65);
	other[0] = other[0] == '0' ? '1' : '0';
	KF("ed25519", id, other, sd);
	cr_assert_eq(read_text(text, &err), SVM_EINVAL);
	cr_assert(strstr(err.msg, "public_key"), "%s", err.msg);
	memcpy(other, id, 65);
	other[63] = other[63] == '0' ? '1' : '0';
	KF("ed25519", other, pk, sd);
	cr_assert_eq(read_text(text, &err), SVM_EINVAL);
	cr_assert(strstr(err.msg, "id"), "%s", err.msg);
#undef KF
	cr_assert_eq(read_text("not json", &err), SVM_EDECODE);
	cr_assert_eq(read_text("[1,2]", &err), SVM_EDECODE);
	cr_assert_eq(read_text("{\"scheme\":\"ed25519\"}", &err), SVM_EDECODE);
	snprintf(text, sizeof text,
		 "{\"scheme\":\"ed25519\",\"id\":\"%s\",\"public_key\":\"%s\",\"secret_seed\":\"%s\","
		 "\"extra\":1}",
		 id, pk, sd);
	cr_assert_eq(read_text(text, &err), SVM_EDECODE);
	cr_assert(strstr(err.msg, "extra"), "%s", err.msg);
	char *big = malloc(SVM_KEYFILE_BYTES_MAX + 10);
	memset(big, ' ', SVM_KEYFILE_BYTES_MAX + 9);
	big[SVM_KEYFILE_BYTES_MAX + 9] = 0;
	cr_assert_eq(read_text(big, &err), SVM_ELIMIT);
	free(big);
	svm_keypair_t out;
	cr_assert_eq(svm_keyfile_read("/nonexistent/key.json", &out, &err), SVM_EIO);
}

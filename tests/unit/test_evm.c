/* Unit tests for the EVM's building blocks: Keccak-256 known answers (tests/vectors/keccak),
 * RLP against ethereum/tests RLPTests (encode, strict decode, invalid inputs rejected), the
 * Merkle-Patricia trie root against TrieTests, 256-bit division as a seeded property, and a
 * few interpreter cases (gas, revert data, the 1024 call-depth limit). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/evm.h"
#include "vm/evm/u256.h"

#define ETH_TESTS "../shared/ethereum-tests"
#define LINE_BYTES_MAX 8192

void svm_keccak256_ds(const void *data, size_t len, uint8_t ds, uint8_t out[SVM_KECCAK_SIZE]);

static int hv(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* hex (with or without 0x, "-" empty) into a malloc'd buffer */
static uint8_t *unhex(const char *s, size_t *n)
{
	if (!strcmp(s, "-")) s = "";
	if (s[0] == '0' && s[1] == 'x') s += 2;
	size_t l = strlen(s);
	uint8_t *b = malloc(l / 2 + 1);
	cr_assert(l % 2 == 0, "odd hex %s", s);
	for (size_t i = 0; i < l / 2; i++) b[i] = (uint8_t)(hv(s[2 * i]) << 4 | hv(s[2 * i + 1]));
	*n = l / 2;
	return b;
}

/* ---------------------------------------------------------------- keccak */

Test(evm_keccak, known_answers_match_vectors)
{
	FILE *f = fopen("tests/vectors/keccak/keccak256.txt", "r");
	cr_assert_not_null(f, "run from the repository root");
	char line[LINE_BYTES_MAX], kind[32], msg[LINE_BYTES_MAX], dig[80];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || sscanf(line, "%31s %8191s %79s", kind, msg, dig) != 3) continue;
		size_t ml, dl;
		uint8_t *m = unhex(msg, &ml), *d = unhex(dig, &dl), out[32];
		if (!strcmp(kind, "keccak256")) svm_keccak256(m, ml, out);
		else svm_keccak256_ds(m, ml, 0x06, out);
		cr_assert(dl == 32 && !memcmp(out, d, 32), "%s of %zu bytes", kind, ml);
		free(m);
		free(d);
		n++;
	}
	fclose(f);
	cr_assert_geq(n, 20);
}

/* ------------------------------------------------------------------- RLP */

/* Decimal string (after '#') to minimal big-endian bytes. */
static size_t dec_to_be(const char *s, uint8_t *out, size_t cap)
{
	uint8_t le[64] = {0};
	for (; *s; s++) {
		unsigned c = (unsigned)(*s - '0');
		for (int i = 0; i < 64; i++) {
			c += le[i] * 10u;
			le[i] = (uint8_t)c;
			c >>= 8;
		}
	}
	size_t n = 64;
	while (n && le[n - 1] == 0) n--;
	cr_assert(n <= cap);
	for (size_t i = 0; i < n; i++) out[i] = le[n - 1 - i];
	return n;
}

static void rlp_encode_json(json_t *v, svm_buf_t *b)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (s[0] == '#') {
			uint8_t be[64];
			size_t n = dec_to_be(s + 1, be, sizeof be);
			cr_assert_eq(svm_rlp_put_bytes(b, be, n), 0);
		} else {
			cr_assert_eq(svm_rlp_put_bytes(b, s, json_string_length(v)), 0);
		}
	} else if (json_is_integer(v)) {
		cr_assert_eq(svm_rlp_put_uint(b, (uint64_t)json_integer_value(v)), 0);
	} else {
		cr_assert(json_is_array(v));
		size_t start = b->len, i;
		json_t *e;
		json_array_foreach(v, i, e) rlp_encode_json(e, b);
		cr_assert_eq(svm_rlp_wrap_list(b, start), 0);
	}
}

/* Re-encodes a decoded item (the canonical round trip). */
static void rlp_reencode(const svm_rlp_item_t *it, svm_buf_t *b)
{
	if (!it->is_list) {
		cr_assert_eq(svm_rlp_put_bytes(b, it->p, it->len), 0);
		return;
	}
	size_t start = b->len, pos = 0;
	svm_rlp_item_t c;
	int rc;
	while ((rc = svm_rlp_next(it, &pos, &c)) == 1) rlp_reencode(&c, b);
	cr_assert_eq(rc, 0);
	cr_assert_eq(svm_rlp_wrap_list(b, start), 0);
}

static json_t *load_json(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, JSON_ALLOW_NUL, &e);
	cr_assert_not_null(j, "%s: %s (the pinned tests are in ../shared)", path, e.text);
	return j;
}

Test(evm_rlp, encodes_rlptests_and_round_trips)
{
	json_t *j = load_json(ETH_TESTS "/RLPTests/rlptest.json");
	const char *name;
	json_t *t;
	int n = 0;
	json_object_foreach(j, name, t) {
		svm_buf_t b = {0}, r = {0};
		rlp_encode_json(json_object_get(t, "in"), &b);
		size_t wl;
		uint8_t *want = unhex(json_string_value(json_object_get(t, "out")), &wl);
		cr_assert(b.len == wl && !memcmp(b.data, want, wl), "%s: encoding differs", name);
		svm_rlp_item_t it;
		cr_assert_eq(svm_rlp_decode(want, wl, &it), 0, "%s: canonical input rejected", name);
		rlp_reencode(&it, &r);
		cr_assert(r.len == wl && !memcmp(r.data, want, wl), "%s: round trip differs", name);
		free(want);
		svm_buf_free(&b);
		svm_buf_free(&r);
		n++;
	}
	json_decref(j);
	cr_assert_eq(n, 28); /* every case of the pinned file */
}

Test(evm_rlp, rejects_every_invalid_rlptest)
{
	json_t *j = load_json(ETH_TESTS "/RLPTests/invalidRLPTest.json");
	const char *name;
	json_t *t;
	int n = 0;
	json_object_foreach(j, name, t) {
		size_t l;
		uint8_t *in = unhex(json_string_value(json_object_get(t, "out")), &l);
		svm_rlp_item_t it;
		cr_assert_neq(svm_rlp_decode(in, l, &it), 0, "%s: invalid input accepted", name);
		free(in);
		n++;
	}
	json_decref(j);
	cr_assert_eq(n, 26);
}

Test(evm_rlp, accepts_random_valid_rlptests)
{
	json_t *j = load_json(ETH_TESTS "/RLPTests/RandomRLPTests/example.json");
	const char *name;
	json_t *t;
	json_object_foreach(j, name, t) {
		size_t l;
		uint8_t *in = unhex(json_string_value(json_object_get(t, "out")), &l);
		svm_rlp_item_t it;
		svm_buf_t r = {0};
		cr_assert_eq(svm_rlp_decode(in, l, &it), 0, "%s", name);
		rlp_reencode(&it, &r);
		cr_assert(r.len == l && !memcmp(r.data, in, l), "%s: round trip differs", name);
		svm_buf_free(&r);
		free(in);
	}
	json_decref(j);
}

Test(evm_rlp, uint_rejects_leading_zero_and_lists)
{
	svm_rlp_item_t it = {(const uint8_t *)"\x00\x01", 2, false};
	uint64_t v;
	cr_assert_eq(svm_rlp_uint(&it, &v), SVM_EDECODE);
	it.is_list = true;
	it.len = 0;
	cr_assert_eq(svm_rlp_uint(&it, &v), SVM_EDECODE);
	uint8_t deep[SVM_RLP_DEPTH_MAX + 1];
	memset(deep, 0xc0, sizeof deep); /* not a valid nesting: every list claims zero length */
	cr_assert_neq(svm_rlp_decode(deep, sizeof deep, &it), 0);
}

/* ------------------------------------------------------------------ trie */

static uint8_t *trie_bytes(json_t *v, size_t *n)
{
	if (json_is_null(v)) {
		*n = 0;
		return NULL;
	}
	const char *s = json_string_value(v);
	if (s[0] == '0' && s[1] == 'x') return unhex(s, n);
	*n = strlen(s);
	uint8_t *b = malloc(*n + 1);
	memcpy(b, s, *n);
	return b;
}

typedef struct {
	uint8_t *k, *v;
	size_t kl, vl;
} kvbuf_t;

/* Applies the test's inserts/deletes in order (last write wins), then computes the root. */
static void check_trie_file(const char *path, bool secure)
{
	json_t *j = load_json(path);
	const char *name;
	json_t *t;
	json_object_foreach(j, name, t) {
		json_t *in = json_object_get(t, "in");
		kvbuf_t kv[512];
		size_t n = 0;
		json_t *pairs = json_array(), *e;
		if (json_is_object(in)) {
			const char *k;
			json_object_foreach(in, k, e) json_array_append_new(pairs, json_pack("[sO]", k, e));
		} else {
			json_array_extend(pairs, in);
		}
		size_t i;
		json_array_foreach(pairs, i, e) {
			size_t kl, vl;
			uint8_t *k = trie_bytes(json_array_get(e, 0), &kl), *v = trie_bytes(json_array_get(e, 1), &vl);
			if (secure) {
				uint8_t *h = malloc(32);
				svm_keccak256(k, kl, h);
				free(k);
				k = h;
				kl = 32;
			}
			size_t x = 0;
			while (x < n && !(kv[x].kl == kl && !memcmp(kv[x].k, k, kl))) x++;
			if (x == n) {
				cr_assert(n < 512);
				kv[n++] = (kvbuf_t){k, NULL, kl, 0};
			} else {
				free(k);
			}
			free(kv[x].v);
			kv[x].v = v;
			kv[x].vl = vl;
		}
		svm_mpt_kv_t m[512];
		size_t mn = 0;
		for (size_t x = 0; x < n; x++)
			if (kv[x].vl) m[mn++] = (svm_mpt_kv_t){kv[x].k, kv[x].kl, kv[x].v, kv[x].vl};
		uint8_t root[32];
		cr_assert_eq(svm_mpt_root(m, mn, root), 0);
		size_t wl;
		uint8_t *want = unhex(json_string_value(json_object_get(t, "root")), &wl);
		cr_assert(wl == 32 && !memcmp(root, want, 32), "%s %s: root differs", path, name);
		free(want);
		for (size_t x = 0; x < n; x++) {
			free(kv[x].k);
			free(kv[x].v);
		}
		json_decref(pairs);
	}
	json_decref(j);
}

Test(evm_trie, roots_match_trietests)
{
	check_trie_file(ETH_TESTS "/TrieTests/trietest.json", false);
	check_trie_file(ETH_TESTS "/TrieTests/trieanyorder.json", false);
	check_trie_file(ETH_TESTS "/TrieTests/trietest_secureTrie.json", true);
	check_trie_file(ETH_TESTS "/TrieTests/trieanyorder_secureTrie.json", true);
	check_trie_file(ETH_TESTS "/TrieTests/hex_encoded_securetrie_test.json", true);
}

Test(evm_trie, rejects_duplicates_and_empty_values)
{
	uint8_t root[32];
	svm_mpt_kv_t kv[2] = {{(const uint8_t *)"a", 1, (const uint8_t *)"x", 1}, {(const uint8_t *)"a", 1, (const uint8_t *)"y", 1}};
	cr_assert_eq(svm_mpt_root(kv, 2, root), SVM_EINVAL);
	kv[1] = (svm_mpt_kv_t){(const uint8_t *)"b", 1, (const uint8_t *)"", 0};
	cr_assert_eq(svm_mpt_root(kv, 2, root), SVM_EINVAL);
}

/* --------------------------------------------------------------- u256 */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

Test(evm_u256, division_property_q_times_b_plus_r_is_a_and_r_below_b)
{
	uint64_t seed = 0x5eed0001u, s = seed;
	for (int it = 0; it < 20000; it++) {
		u256 a, b, q, r, back;
		for (int i = 0; i < 4; i++) {
			a.w[i] = rnd(&s);
			b.w[i] = rnd(&s);
		}
		int bl = (int)(rnd(&s) % 4); /* divisors of 1..4 limbs, sometimes tiny top limbs */
		for (int i = bl + 1; i < 4; i++) b.w[i] = 0;
		if (rnd(&s) % 3 == 0) b.w[bl] &= 0xff;
		if (u256_is_zero(&b)) b.w[0] = 1;
		u256_divmod(&q, &r, &a, &b);
		u256_mul(&back, &q, &b);
		u256_add(&back, &back, &r);
		cr_assert(u256_eq(&back, &a) && u256_cmp(&r, &b) < 0, "seed %#llx iteration %d",
			  (unsigned long long)seed, it);
	}
}

Test(evm_u256, mulmod_matches_int128_for_small_values)
{
	uint64_t s = 0x5eed0002u;
	for (int it = 0; it < 20000; it++) {
		uint64_t x = rnd(&s), y = rnd(&s), m = rnd(&s) | 1;
		u256 a = u256_u64(x), b = u256_u64(y), n = u256_u64(m), r;
		u256_mulmod(&r, &a, &b, &n);
		cr_assert_eq(r.w[0], (uint64_t)(((unsigned __int128)x * y) % m), "seed 0x5eed0002 iteration %d", it);
		u256_addmod(&r, &a, &b, &n);
		cr_assert_eq(r.w[0], (uint64_t)(((unsigned __int128)x + y) % m));
	}
}

/* ----------------------------------------------------------- interpreter */

static svm_evm_addr_t addr(uint8_t last)
{
	svm_evm_addr_t a = {{0}};
	a.b[0] = 0xaa;
	a.b[19] = last;
	return a;
}

static int run(const uint8_t *code, size_t len, uint64_t gas, svm_evm_result_t *res, svm_evm_state_t **out)
{
	svm_evm_state_t *s = svm_evm_state_new();
	svm_u256_t rich = u256_u64(1000000000000000000ull), zero = u256_zero();
	svm_evm_addr_t from = addr(1), to = addr(2);
	cr_assert_eq(svm_evm_state_set_account(s, &from, &rich, 0, NULL, 0), 0);
	cr_assert_eq(svm_evm_state_set_account(s, &to, &zero, 0, code, len), 0);
	svm_evm_block_t blk = {0};
	blk.number = 1;
	blk.gas_limit = 30000000;
	blk.chain_id = 1;
	blk.base_fee = u256_u64(7);
	svm_evm_tx_t tx = {0};
	tx.from = from;
	tx.to = to;
	tx.gas_limit = gas;
	tx.gas_price = u256_u64(10);
	svm_error_t err = {0};
	int rc = svm_evm_apply_tx(s, &blk, &tx, res, &err);
	*out = s;
	return rc;
}

Test(evm_interp, sstore_costs_cold_set_and_returns_revert_data)
{
	/* PUSH1 1 PUSH1 0 SSTORE STOP: 21000 + 3 + 3 + 22100 */
	const uint8_t c1[] = {0x60, 0x01, 0x60, 0x00, 0x55, 0x00};
	svm_evm_result_t r;
	svm_evm_state_t *s;
	cr_assert_eq(run(c1, sizeof c1, 100000, &r, &s), 0);
	cr_assert_eq(r.status, 1);
	cr_assert_eq(r.gas_used, 21000 + 6 + 22100);
	svm_u256_t k = u256_zero(), v;
	svm_evm_addr_t to = addr(2);
	svm_evm_state_storage(s, &to, &k, &v);
	cr_assert_eq(v.w[0], 1);
	svm_evm_result_free(&r);
	svm_evm_state_free(s);
	/* MSTORE8 0x2a at 0, REVERT(0, 1): status 0, data 0x2a, gas not all consumed */
	const uint8_t c2[] = {0x60, 0x2a, 0x60, 0x00, 0x53, 0x60, 0x01, 0x60, 0x00, 0xfd};
	cr_assert_eq(run(c2, sizeof c2, 100000, &r, &s), 0);
	cr_assert_eq(r.status, 0);
	cr_assert(r.output_len == 1 && r.output[0] == 0x2a);
	cr_assert_lt(r.gas_used, 22000);
	svm_evm_result_free(&r);
	svm_evm_state_free(s);
}

Test(evm_interp, invalid_transaction_changes_nothing)
{
	const uint8_t c[] = {0x00};
	svm_evm_result_t r;
	svm_evm_state_t *s;
	uint8_t before[32], after[32];
	/* gas limit below the intrinsic 21000 */
	cr_assert_eq(run(c, sizeof c, 20999, &r, &s), SVM_EGAS);
	svm_evm_state_root(s, after);
	svm_evm_state_free(s);
	svm_evm_state_t *s0 = svm_evm_state_new();
	svm_u256_t rich = u256_u64(1000000000000000000ull), zero = u256_zero();
	svm_evm_addr_t from = addr(1), to = addr(2);
	svm_evm_state_set_account(s0, &from, &rich, 0, NULL, 0);
	svm_evm_state_set_account(s0, &to, &zero, 0, c, sizeof c);
	svm_evm_state_root(s0, before);
	svm_evm_state_free(s0);
	cr_assert(!memcmp(before, after, 32));
}

Test(evm_interp, recursion_stops_at_depth_1024_without_crashing)
{
	/* calls itself with all gas forever: ADDRESS, then CALL(gas, self, 0, 0, 0, 0, 0) */
	const uint8_t c[] = {0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x30, 0x5a, 0xf1, 0x00};
	svm_evm_result_t r;
	svm_evm_state_t *s;
	cr_assert_eq(run(c, sizeof c, 30000000, &r, &s), 0);
	cr_assert_eq(r.status, 1);
	svm_evm_result_free(&r);
	svm_evm_state_free(s);
}

Test(evm_interp, modexp_with_a_length_past_int_max_fails_cleanly)
{
	/* modexp's lengths went to OpenSSL through (int) casts: base length 2^31 was cut to a
	 * negative int (the call ended the transaction with SVM_ENOMEM after a 2 GiB calloc).
	 * Now such a call fails like one out of gas; the transaction itself runs. The gas limit is
	 * absurd on purpose: modexp_gas prices this call at 2^56 / 3. Code: mem[0..32) = 2^31
	 * (base length), mem[64..96) = 1 (modulus length), r = CALL(gas, 0x05, 0, 0, 96, 0, 0),
	 * slot 0 = r + 1 (1: the call returned failure). */
	const uint8_t c[] = {0x63, 0x80, 0x00, 0x00, 0x00, 0x60, 0x00, 0x52, 0x60, 0x01, 0x60, 0x40, 0x52,
			     0x60, 0x00, 0x60, 0x00, 0x60, 0x60, 0x60, 0x00, 0x60, 0x00, 0x60, 0x05, 0x5a, 0xf1,
			     0x60, 0x01, 0x01, 0x60, 0x00, 0x55, 0x00};
	svm_evm_state_t *s = svm_evm_state_new();
	svm_u256_t zero = u256_zero();
	svm_evm_addr_t from = addr(1), to = addr(2);
	cr_assert_eq(svm_evm_state_set_account(s, &from, &zero, 0, NULL, 0), 0);
	cr_assert_eq(svm_evm_state_set_account(s, &to, &zero, 0, c, sizeof c), 0);
	svm_evm_block_t blk = {.number = 1, .gas_limit = 1ull << 62, .chain_id = 1};
	svm_evm_tx_t tx = {.from = from, .to = to, .gas_limit = 1ull << 60};
	svm_evm_result_t r;
	svm_error_t err = {0};
	cr_assert_eq(svm_evm_apply_tx(s, &blk, &tx, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.status, 1);
	svm_u256_t k = u256_zero(), v;
	svm_evm_state_storage(s, &to, &k, &v);
	cr_assert_eq(v.w[0], 1, "the modexp call did not fail: slot 0 = %llu", (unsigned long long)v.w[0]);
	svm_evm_result_free(&r);
	svm_evm_state_free(s);
}

/* ---------------------------------------------------------- transactions */

static int tt_files(const char *dir, char names[][256], int max)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "find %s -name '*.json' | sort", dir);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	int n = 0;
	while (n < max && fgets(names[n], 256, p)) {
		names[n][strcspn(names[n], "\n")] = 0;
		n++;
	}
	pclose(p);
	return n;
}

Test(evm_tx, transaction_tests_cancun_accept_valid_and_reject_invalid)
{
	static char files[400][256];
	int nf = tt_files(ETH_TESTS "/TransactionTests", files, 400), valid = 0, invalid = 0;
	cr_assert_geq(nf, 200);
	for (int i = 0; i < nf; i++) {
		json_t *j = load_json(files[i]);
		const char *name;
		json_t *t;
		json_object_foreach(j, name, t) {
			json_t *c = json_object_get(json_object_get(t, "result"), "Cancun");
			if (!c) continue;
			size_t l;
			uint8_t *raw = unhex(json_string_value(json_object_get(t, "txbytes")), &l);
			svm_evm_signed_tx_t tx;
			svm_error_t err = {0};
			int rc = svm_evm_tx_decode(raw, l, 1, &tx, &err);
			if (json_object_get(c, "hash")) {
				cr_assert_eq(rc, 0, "%s %s: rejected (%s)", files[i], name, err.msg);
				size_t hl, sl;
				uint8_t *h = unhex(json_string_value(json_object_get(c, "hash")), &hl);
				uint8_t *s = unhex(json_string_value(json_object_get(c, "sender")), &sl);
				cr_assert(!memcmp(h, tx.hash, 32), "%s: hash", name);
				cr_assert(!memcmp(s, tx.tx.from.b, 20), "%s: sender", name);
				unsigned long long ig = strtoull(json_string_value(json_object_get(c, "intrinsicGas")), NULL, 16);
				cr_assert_eq(tx.intrinsic_gas, ig, "%s: intrinsic gas", name);
				free(h);
				free(s);
				svm_evm_signed_tx_free(&tx);
				valid++;
			} else {
				cr_assert_neq(rc, 0, "%s %s: accepted, expected %s", files[i], name,
					      json_string_value(json_object_get(c, "exception")));
				invalid++;
			}
			free(raw);
		}
		json_decref(j);
	}
	cr_assert_eq(valid + invalid, 149, "%d valid, %d invalid", valid, invalid);
}

/* Fuzz target for burns as supply deltas and counter records (docs/aoem.md, "Commutative
 * deltas"). The input's first byte picks one of three paths:
 *  - codec: the rest is a token object's bytes and two amounts; svm_ledger_supply_sub must
 *    reject what is not a token (SVM_EIO) and a supply under the amount (SVM_EOVERFLOW), and
 *    otherwise give the ledger's own token object (the same symbol and decimals, the supply
 *    lowered, the version the height, a payload that re-decodes), and two deltas applied one
 *    after the other must give the bytes of their sum applied once — the property that lets
 *    the executors fold burns in any order;
 *  - record: the same for svm_record_add (a record of 1 to 16 varints, signed additions of one
 *    sign per field): refusals within its contract, a storage object at the height, and two
 *    deltas giving the bytes of their sum, error for error;
 *  - engines: the rest steers a chain of 1 to 3 blocks full of burns (of AIC, SWR, tokens
 *    created in the block, unknown tokens, zero and unaffordable amounts) beside transfers and
 *    failing transactions, mostly dynamic, run by svm_exec_block on 2 to 4 threads with the
 *    engines forced on (SVM_EXEC_SHORTCUT=0) and by the sequential reference; any difference
 *    in receipts, statuses, write set or errors aborts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/execgen.c"

#define BLOCKS_MAX 3
#define BLOCK_TXS_MAX 200

static uint64_t take_u64(const uint8_t **p, size_t *n)
{
	uint64_t v = 0;
	size_t k = *n < 8 ? *n : 8;
	for (size_t i = 0; i < k; i++) v = v << 8 | (*p)[i];
	*p += k;
	*n -= k;
	return v;
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_supply_delta: %s\n", what);
	abort();
}

/* The token object's fields; false if bytes are not one (what svm_ledger_supply_sub rejects). */
static bool token_of(const uint8_t *bytes, size_t len, svm_object_t *o, svm_token_info_t *info)
{
	return svm_object_decode(bytes, len, o, NULL) == 0 && o->type == SVM_OBJ_TOKEN &&
	       svm_token_info_decode(o->payload, o->payload_len, info) == 0;
}

static void codec(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t n = size;
	uint64_t d1 = take_u64(&p, &n), d2 = take_u64(&p, &n), height = take_u64(&p, &n) >> 1;
	svm_id_t id;
	svm_sha256(data, size, &id);
	svm_object_t o;
	svm_token_info_t info;
	bool is_token = token_of(p, n, &o, &info);
	svm_buf_t once = {0}, twice = {0}, sum = {0};
	int rc = svm_ledger_supply_sub(&id, p, n, d1, height, &once);
	if (!is_token) {
		if (rc != SVM_EIO) die("a non-token accepted");
		goto done;
	}
	if (info.supply < d1) {
		if (rc != SVM_EOVERFLOW) die("a supply under the delta accepted");
		goto done;
	}
	if (rc != 0) die("a valid delta refused");
	svm_object_t o1;
	svm_token_info_t i1;
	if (!token_of(once.data, once.len, &o1, &i1)) die("the result is not a token object");
	if (!svm_hash_eq(&o1.id, &id) || o1.version != height || o1.owner_kind != SVM_OWNER_SHARED ||
	    strcmp(i1.symbol, info.symbol) != 0 || i1.decimals != info.decimals ||
	    i1.supply != info.supply - d1)
		die("the result is not the ledger's token object");
	uint64_t s;
	if (svm_ledger_supply_decode(once.data, once.len, &s) || s != info.supply - d1)
		die("svm_ledger_supply_decode disagrees");
	/* folding: (x - d1) - d2 == x - (d1 + d2), error for error */
	int rc2 = svm_ledger_supply_sub(&id, once.data, once.len, d2, height, &twice);
	uint64_t d12;
	bool fits = svm_add_u64(d1, d2, &d12);
	int rc12 = fits ? svm_ledger_supply_sub(&id, p, n, d12, height, &sum) : SVM_EOVERFLOW;
	if (rc2 != rc12) die("one delta and two disagree on the error");
	if (rc2 == 0 && (twice.len != sum.len || memcmp(twice.data, sum.data, sum.len) != 0))
		die("two deltas and their sum give different bytes");
done:
	svm_buf_free(&once);
	svm_buf_free(&twice);
	svm_buf_free(&sum);
}

/* Record counters (svm_record_add): the same refusals and folding for the AI market's
 * provider records and any record of n varints, n from the input. Deltas fold only when each
 * field's additions have one sign (exec_record_field_add), so d2 takes d1's signs. */
static void record(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t n = size;
	size_t fields = 1 + (size_t)(take_u64(&p, &n) % SVM_RECORD_FIELDS_MAX);
	int64_t d1[SVM_RECORD_FIELDS_MAX], d2[SVM_RECORD_FIELDS_MAX], d12[SVM_RECORD_FIELDS_MAX];
	bool fold = true;
	for (size_t i = 0; i < fields; i++) {
		d1[i] = (int64_t)take_u64(&p, &n) >> (take_u64(&p, &n) & 63);
		uint64_t m = take_u64(&p, &n) >> 2;
		d2[i] = d1[i] < 0 ? -(int64_t)m : (int64_t)m;
		fold &= !__builtin_add_overflow(d1[i], d2[i], &d12[i]);
	}
	svm_id_t id;
	svm_sha256(data, size, &id);
	svm_buf_t once = {0}, twice = {0}, sum = {0};
	int rc = svm_record_add(&id, p, n, d1, fields, 5, &once);
	if (rc != 0 && rc != SVM_EIO && rc != SVM_EOVERFLOW) die("a record error outside the contract");
	if (rc == 0) {
		svm_object_t o;
		if (svm_object_decode(once.data, once.len, &o, NULL) || o.version != 5 ||
		    o.type != SVM_OBJ_STORAGE || !svm_hash_eq(&o.id, &id))
			die("the result is not a record object");
		int rc2 = svm_record_add(&id, once.data, once.len, d2, fields, 5, &twice);
		int rc12 = fold ? svm_record_add(&id, p, n, d12, fields, 5, &sum) : rc2;
		if (rc2 == SVM_EIO) die("a record's result is not a record");
		if (rc2 != rc12) die("one record delta and two disagree on the error");
		if (fold && rc2 == 0 && (twice.len != sum.len || memcmp(twice.data, sum.data, sum.len)))
			die("two record deltas and their sum give different bytes");
	}
	svm_buf_free(&once);
	svm_buf_free(&twice);
	svm_buf_free(&sum);
}

static const size_t ACCOUNTS[] = {3, 10, 100, 1000};

static void engines(const uint8_t *data, size_t size)
{
	eg_rng_t r = {.data = data, .len = size};
	eg_config_t cfg = {.workload = eg_below(&r, 2) ? EG_SHARED : EG_MIXED,
			   .strict_pct = eg_below(&r, 2) ? 0 : (unsigned)eg_below(&r, 60),
			   .bad_pct = (unsigned)eg_below(&r, 30)};
	cfg.accounts = ACCOUNTS[eg_below(&r, sizeof ACCOUNTS / sizeof ACCOUNTS[0])];
	unsigned threads = 2 + (unsigned)eg_below(&r, 3);
	unsigned blocks = 1 + (unsigned)eg_below(&r, BLOCKS_MAX);
	eg_world_t w;
	if (eg_world_init(&w, &r, &cfg)) die("genesis");
	for (unsigned b = 0; b < blocks; b++) {
		size_t n = 8 + eg_below(&r, BLOCK_TXS_MAX);
		if (eg_block(&w, &r, n)) die("block");
		svm_arena_t a;
		svm_arena_init(&a, 0);
		svm_exec_result_t ref;
		char why[256] = "";
		if (eg_check(&w, SVM_EXEC_BUILD, threads, &a, &ref, why, sizeof why, NULL)) {
			fprintf(stderr, "fuzz_supply_delta: block %u: %s (%zu txs, %u threads, workload %d, "
					"%zu accounts, strict %u%%)\n",
				b, why, n, threads, cfg.workload, cfg.accounts, cfg.strict_pct);
			abort();
		}
		if (ref.writes && eg_apply(&w, &ref)) die("apply");
		svm_arena_reset(&a);
	}
	eg_world_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		if (svm_crypto_init()) abort();
		setenv("SVM_EXEC_SHORTCUT", "0", 1); /* blocks of burns stay on the engines */
		init = true;
	}
	if (size == 0) return 0;
	switch (data[0] % 3) {
	case 1:
		codec(data + 1, size - 1);
		break;
	case 2:
		record(data + 1, size - 1);
		break;
	default:
		engines(data + 1, size - 1);
	}
	return 0;
}

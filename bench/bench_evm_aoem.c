/* ERC-20 transfers executed by AOEM (make bench-evm-aoem): the ERC-20 of
 * bench/evm/contracts.json installed over the object store, a block of signed EIP-1559
 * `transfer` transactions from distinct senders, executed by svm_exec_block at 1 and at 2 threads
 * in the same run, for two workloads: "distinct" (sender i pays fresh recipient i: no two
 * transactions touch the same slot) and "hot" (every sender pays one recipient: its balance slot
 * is written by all). Transactions are decoded and their senders recovered once, before timing
 * (svm_exec_prepare), so the figures are execution. Each run's receipts and write set must equal
 * the reference executor's byte for byte, else the benchmark fails. The 1- and 2-thread runs
 * alternate (REPS pairs, BENCH_REPS sets it): the line prints the best of each and, beside it, the
 * median and spread of the pairs' ratios — on a noisy host a pair sees one host period, two bests
 * may not. AB_VAR=NAME AB_A=a AB_B=b runs each pair under both values of the environment variable
 * NAME (empty: unset), alternating, and prints the pairs of each: two variants of an engine switch
 * compared in the same minutes. Usage: bench_evm_aoem [TXS [distinct|hot [THREADS]]]: with
 * THREADS, runs of that workload at that thread count only (for callgrind or perf). Printed,
 * never a test. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/lib/ethsign.c"
#include "../tests/lib/execgen.c"

#define CHAIN 7
#define REPS 3
#define PAIRS_MAX 100 /* BENCH_REPS' bound */
#define CONTRACTS "bench/evm/contracts.json"
#define FUND_UNITS 1000000000000ull
#define TOKEN_BALANCE 1000000u

typedef struct {
	eth_key_t *keys;
	size_t n;
	svm_evm_addr_t contract;
	const uint8_t *code;
	size_t code_len;
} setup_t;

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_evm_aoem: %s: %s\n", what, svm_strerror(rc));
	exit(1);
}

static uint8_t *code_of(const char *name, size_t *n)
{
	json_error_t je;
	json_t *j = json_load_file(CONTRACTS, 0, &je);
	if (!j) {
		fprintf(stderr, "%s: %s (run from the repository root)\n", CONTRACTS, je.text);
		exit(1);
	}
	const char *hex = json_string_value(json_object_get(json_object_get(j, name), "code"));
	size_t l = strlen(hex) / 2;
	uint8_t *b = malloc(l);
	for (size_t i = 0; i < l; i++) sscanf(hex + 2 * i, "%2hhx", &b[i]);
	json_decref(j);
	*n = l;
	return b;
}

/* The token's balance slot of holder a: keccak(a ‖ 0), Solidity's layout for mapping slot 0. */
static void balance_slot(const svm_evm_addr_t *a, uint8_t slot[32])
{
	uint8_t pre[64] = {0};
	memcpy(pre + 12, a->b, 20);
	svm_keccak256(pre, 64, slot);
}

/* Genesis: SWR for every key's fees, the contract's code object and every key's token balance. */
static int setup_fn(svm_txctx_t *c, void *ud)
{
	setup_t *s = ud;
	svm_id_t owner, cid;
	svm_evm_identity(&s->contract, &owner);
	svm_evm_code_id(&s->contract, &cid);
	svm_object_t code = {.id = cid, .owner_kind = SVM_OWNER_IMMUTABLE, .type = SVM_OBJ_CODE, .payload = s->code, .payload_len = s->code_len};
	int rc = svm_host_put(c, &code);
	uint8_t value[32] = {0};
	svm_put_u64be(value + 24, TOKEN_BALANCE);
	for (size_t i = 0; rc == 0 && i < s->n; i++) {
		rc = svm_ledger_mint(c, c->implicit_token, &s->keys[i].id, FUND_UNITS);
		uint8_t key[32];
		balance_slot(&s->keys[i].addr, key);
		svm_object_t o = {.owner_kind = SVM_OWNER_ADDRESS, .owner = owner, .type = SVM_OBJ_STORAGE, .payload = value, .payload_len = 32};
		svm_evm_slot_id(&s->contract, key, &o.id);
		if (rc == 0) rc = svm_host_put(c, &o);
	}
	return rc;
}

/* n signed transfers of 1 token unit: sender i to fresh recipient i, or all to one (hot). */
static svm_buf_t *make_txs(const setup_t *s, bool hot)
{
	svm_buf_t *txs = calloc(s->n, sizeof *txs);
	uint8_t data[68] = {0xa9, 0x05, 0x9c, 0xbb};
	for (size_t i = 0; i < s->n; i++) {
		svm_evm_addr_t to = {{0xb0}};
		uint32_t r = hot ? 0 : (uint32_t)i;
		to.b[16] = (uint8_t)(r >> 24), to.b[17] = (uint8_t)(r >> 16), to.b[18] = (uint8_t)(r >> 8);
		to.b[19] = (uint8_t)r;
		memset(data + 4, 0, 64);
		memcpy(data + 16, to.b, 20);
		data[67] = 1;
		eth_tx_t t = {.chain_id = CHAIN, .nonce = 0, .gas = 100000, .max_fee = eth_gwei(2), .to = &s->contract, .data = data, .data_len = sizeof data};
		int rc = eth_sign(&s->keys[i], &t, false, &txs[i]);
		if (rc) die("sign", rc);
	}
	return txs;
}

typedef struct {
	double ms;
	svm_exec_metrics_t m;
	size_t writes;
} run_t;

static int reps = REPS;
static unsigned only_threads; /* 0: 1 and 2 */

/* One block at `threads`, compared with ref (the benchmark fails on any difference). */
static run_t run_once(eg_world_t *w, const svm_exec_tx_t *prep, size_t n, unsigned threads, const svm_exec_result_t *ref,
		      const char *what)
{
	svm_exec_base_t base = eg_base(w);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_exec_result_t res;
	svm_exec_metrics_t m = {0};
	uint64_t t0 = svm_clock_ns();
	int rc = svm_exec_block(&w->env, prep, n, SVM_EXEC_BUILD, &base, threads, &a, &res, NULL, &m);
	double ms = (double)(svm_clock_ns() - t0) / 1e6;
	if (rc) die("svm_exec_block", rc);
	char why[256] = "";
	if (eg_compare(ref, &res, why, sizeof why)) {
		fprintf(stderr, "bench_evm_aoem: %s at %u threads differs from the reference: %s\n", what, threads, why);
		exit(1);
	}
	if (res.included != n || res.receipts[0].status != 0) {
		fprintf(stderr, "bench_evm_aoem: %s: %zu of %zu included, first status %u\n", what, res.included, n,
			res.receipts[0].status);
		exit(1);
	}
	run_t r = {ms, m, res.writes_len};
	svm_arena_reset(&a);
	return r;
}

static void sort_ms(double *x, int n)
{
	for (int i = 1; i < n; i++)
		for (int k = i; k > 0 && x[k - 1] > x[k]; k--) {
			double t = x[k];
			x[k] = x[k - 1];
			x[k - 1] = t;
		}
}

/* The alternating pairs of one variant: each pair's 1- and 2-thread runs, and the bests. */
typedef struct {
	run_t one, two; /* best of each */
	double ratio[PAIRS_MAX], ms2[PAIRS_MAX];
	int len;
} pairs_t;

static void pairs_add(pairs_t *p, const run_t *one, const run_t *two)
{
	if (p->len == 0 || one->ms < p->one.ms) p->one = *one;
	if (p->len == 0 || two->ms < p->two.ms) p->two = *two;
	p->ratio[p->len] = one->ms / two->ms;
	p->ms2[p->len++] = two->ms;
}

/* "pairs N: 2/1 median R (min .. max), aoem-2 median M ms" */
static void pairs_print(pairs_t *p, const char *label)
{
	sort_ms(p->ratio, p->len);
	sort_ms(p->ms2, p->len);
	printf("  %s%spairs %d: 2/1 median %.2fx (min %.2f, max %.2f), aoem-2 median %.2f ms\n", label, *label ? " " : "",
	       p->len, p->ratio[p->len / 2], p->ratio[0], p->ratio[p->len - 1], p->ms2[p->len / 2]);
}

/* AB mode: sets NAME to the variant's value (empty or missing: unset). */
static void ab_set(const char *name, const char *val)
{
	if (val && *val) setenv(name, val, 1);
	else unsetenv(name);
}

static void workload(eg_world_t *w, const setup_t *s, bool hot)
{
	const char *what = hot ? "hot" : "distinct";
	svm_buf_t *txs = make_txs(s, hot);
	const uint8_t **p = calloc(s->n, sizeof *p);
	size_t *lens = calloc(s->n, sizeof *lens);
	for (size_t i = 0; i < s->n; i++) p[i] = txs[i].data, lens[i] = txs[i].len;
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_exec_tx_t *prep = svm_arena_alloc(&a, s->n * sizeof *prep);
	int rc = prep ? svm_exec_prepare(CHAIN, p, lens, s->n, NULL, 2, &a, prep) : SVM_ENOMEM;
	if (rc) die("prepare", rc);
	svm_exec_result_t ref;
	svm_exec_base_t base = eg_base(w);
	uint64_t t0 = svm_clock_ns();
	rc = svm_exec_sequential(&w->env, prep, s->n, SVM_EXEC_BUILD, &base, &a, &ref, NULL);
	double ref_ms = (double)(svm_clock_ns() - t0) / 1e6;
	if (rc) die("reference", rc);
	if (only_threads) {
		run_t r1 = {.ms = 1e30};
		for (int i = 0; i < reps; i++) {
			run_t r = run_once(w, prep, s->n, only_threads, &ref, what);
			if (r.ms < r1.ms) r1 = r;
		}
		printf("%-9s %6zu txs  reference %8.1f ms  aoem-%u %8.1f ms  tx p50 %.2f us  run %.2f ms\n", what, s->n, ref_ms,
		       only_threads, r1.ms, r1.m.tx_p50_ns / 1e3, r1.m.phase_ns[SVM_EXEC_PH_RUN] / 1e6);
		svm_arena_reset(&a);
		for (size_t i = 0; i < s->n; i++) svm_buf_free(&txs[i]);
		free(txs);
		free(p);
		free(lens);
		return;
	}
	const char *ab = getenv("AB_VAR"), *abv[2] = {getenv("AB_A"), getenv("AB_B")};
	static pairs_t pv[2];
	memset(pv, 0, sizeof pv);
	for (int i = 0; i < reps; i++) /* alternating: a pair's two runs see the same host period */
		for (int v = 0; v < (ab ? 2 : 1); v++) {
			if (ab) ab_set(ab, abv[v]);
			run_t r1 = run_once(w, prep, s->n, 1, &ref, what), r2 = run_once(w, prep, s->n, 2, &ref, what);
			pairs_add(&pv[v], &r1, &r2);
		}
	const run_t one = pv[0].one, two = pv[0].two;
	printf("%-9s %6zu txs  reference %8.1f ms  aoem-1 %8.1f ms %8.0f tx/s  aoem-2 %8.1f ms %8.0f tx/s  "
	       "2/1 %.2fx  re-executions %llu  (receipts and writes = reference)\n",
	       what, s->n, ref_ms, one.ms, (double)s->n / one.ms * 1e3, two.ms, (double)s->n / two.ms * 1e3,
	       one.ms / two.ms, (unsigned long long)two.m.reexecutions);
	for (int v = 0; v < (ab ? 2 : 1); v++) {
		char label[96] = "";
		if (ab) snprintf(label, sizeof label, "%s=%s", ab, abv[v] ? abv[v] : "");
		pairs_print(&pv[v], label);
	}
	if (ab) unsetenv(ab);
	static const char *ph[SVM_EXEC_PHASES] = {"init", "run", "commit", "receipts", "settle", "writes", "free"};
	for (int v = 0; v < (ab ? 2 : 1); v++) { /* the best 2-thread run of each variant */
		const run_t *t = &pv[v].two;
		printf("  %s%saoem-2 phases (ms):", ab ? abv[v] && *abv[v] ? abv[v] : "(unset)" : "", ab ? " " : "");
		for (int i = 0; i < SVM_EXEC_PHASES; i++) printf(" %s %.2f", ph[i], (double)t->m.phase_ns[i] / 1e6);
		printf("  (split %llu: chunks %llu kept %llu conflicts %llu; stm %llu, seq %llu, fallbacks %llu (reason "
		       "%d)%s, aborts %llu, waits %llu, %zu writes)\n",
		       (unsigned long long)t->m.split_txs, (unsigned long long)t->m.split_chunks,
		       (unsigned long long)t->m.split_accepted, (unsigned long long)t->m.split_conflicts,
		       (unsigned long long)t->m.stm_txs, (unsigned long long)t->m.seq_txs, (unsigned long long)t->m.fallbacks,
		       t->m.fallback_reason, t->m.hot_stop ? ", hot stop" : "", (unsigned long long)t->m.aborts,
		       (unsigned long long)t->m.waits, t->writes);
	}
	for (unsigned h = 0; h < two.m.hot_len && h < 4; h++)
		printf("  hot key %02x%02x%02x%02x: %llu conflicts\n", two.m.hot[h].id.b[0], two.m.hot[h].id.b[1],
		       two.m.hot[h].id.b[2], two.m.hot[h].id.b[3], (unsigned long long)two.m.hot[h].conflicts);
	svm_arena_reset(&a);
	for (size_t i = 0; i < s->n; i++) svm_buf_free(&txs[i]);
	free(txs);
	free(p);
	free(lens);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 2000;
	if (n == 0 || n > 20000) {
		fprintf(stderr, "usage: bench_evm_aoem [TXS 1..20000]\n");
		return 2;
	}
	const char *only = argc > 2 ? argv[2] : NULL;
	if (argc > 3) {
		only_threads = (unsigned)strtoul(argv[3], NULL, 0);
		reps = 1;
	}
	const char *er = getenv("BENCH_REPS"); /* more runs for a steadier best on a shared machine */
	if (er && atoi(er) > 0 && atoi(er) <= 100) reps = atoi(er);
	setenv("SVM_EXEC_SHORTCUT", "0", 1);
	if (svm_crypto_init()) die("crypto", SVM_EIO);
	setup_t s = {.n = n};
	s.code = code_of("erc20", &s.code_len);
	s.contract.b[0] = 0xcc, s.contract.b[19] = 1;
	s.keys = calloc(n, sizeof *s.keys);
	for (size_t i = 0; i < n; i++) eth_key(&s.keys[i], (uint64_t)i + 1);
	eg_world_t w;
	eg_rng_t r = {.s = 1};
	eg_config_t cfg = {.accounts = 2, .transfers_only = true};
	int rc = eg_world_init(&w, &r, &cfg);
	if (rc) die("world", rc);
	w.env.chain_id = CHAIN;
	w.env.fees = (svm_fee_params_t){1000, 2, 1, 0};
	svm_exec_base_t base = eg_base(&w);
	svm_exec_result_t res;
	svm_arena_t a;
	svm_arena_init(&a, 0);
	if ((rc = svm_exec_system(&w.env, &base, setup_fn, &s, &a, &res)) || (rc = eg_apply(&w, &res))) die("setup", rc);
	svm_arena_reset(&a);
	w.env.height++;
	char load[64] = "?";
	FILE *lf = fopen("/proc/loadavg", "r");
	if (lf) {
		if (!fgets(load, sizeof load, lf)) strcpy(load, "?");
		fclose(lf);
		load[strcspn(load, " ")] = 0;
	}
	printf("AOEM, ERC-20 transfer blocks (bench/evm/contracts.json's erc20), best of %d alternating 1/2-thread pairs, %u cores online, "
	       "load average %s\n",
	       reps, svm_cpu_count(), load);
	if (!only || strcmp(only, "distinct") == 0) workload(&w, &s, false);
	if (!only || strcmp(only, "hot") == 0) workload(&w, &s, true);
	eg_world_free(&w);
	free(s.keys);
	free((void *)s.code);
	return 0;
}

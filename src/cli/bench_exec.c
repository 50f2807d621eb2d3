/* The AOEM execution benchmark (see bench_exec.h). Not part of the library: the `supervm`
 * command links it, and bench/bench_exec.c includes this file to run it standalone. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/bench_exec.h"
#include "supervm/chain.h"
#include "supervm/econ.h"

#define BX_TXS_MAX 20000 /* SVM_BLOCK_TXS_MAX */
#define BX_ACCOUNTS_MAX 2000000
#define BX_BLOCKS_MAX 1000
#define BX_FEE_LIMIT 100000
#define BX_VERIFIES 4000

enum { W_UNIFORM, W_ZIPF, W_ALL_TO_ONE, W_SHARED, W_MIXED, W_AMM_POOLS, W_AMM_HOT, W_STAKE,
       W_GOV_VOTE, W_COUNT };
static const char *const WORKLOADS[] = {"uniform", "zipf", "all-to-one", "shared", "mixed",
					"amm-pools", "amm-hot", "stake", "gov-vote"};
/* stake: delegations of 1000 SWR spread over BX_VALIDATORS validators; gov-vote: delegators'
 * votes spread over BX_PROPOSALS open proposals (each voter delegated at genesis) */
#define BX_VALIDATORS 100
#define BX_PROPOSALS 100
#define BX_AMM_POOLS 100 /* amm-pools: swaps spread over this many pools; amm-hot: all on one */
#define BX_AMM_FEE_BPS 30

typedef struct {
	int workload;
	size_t accounts, txs, blocks;
	unsigned threads;
	bool strict, sigs, json, cold, econ;
	uint64_t seed;
} bx_opts_t;

/* How svm_exec_block ran a row's K-thread blocks (exec.h metrics): the reference (chain-like or
 * small blocks, or one thread) or the parallel engines. */
enum { ROUTE_REF, ROUTE_CHAIN, ROUTE_SMALL, ROUTE_ENGINES };
static const char *const ROUTES[] = {"ref", "ref(chain)", "ref(small)", "engines"};

/* What one row measured, for the --econ summary: the medians and the block's mean resources
 * per transaction (from its receipts: the same on every run and thread count). */
typedef struct {
	double p50_1, p50, mach;
	double min_1, min; /* the fastest block at 1 and at K threads */
	double serial_pct; /* K threads: the phases around the engines' run, per cent of the block */
	int route;
	double bytes, steps, mem, fee, fee_default; /* per transaction */
	size_t failed;
} bx_row_t;

typedef struct {
	bx_opts_t o;
	char dir[64];
	svm_store_t *store;
	svm_state_t *state;
	svm_block_env_t env;
	uint32_t *from, *to;     /* per tx: account indexes */
	uint32_t *used;          /* account index -> slot in keys + 1 (0 = not used) */
	svm_keypair_t *keys;     /* of used accounts */
	size_t n_keys;
	svm_buf_t *signed_txs;
	const uint8_t **ptr;
	size_t *len;
	svm_arena_t prep_arena;
	svm_exec_tx_t *prep; /* the block prepared once (runs without --sigs) */
	struct bx_sig *vsigs; /* --sigs: the verify-rate calibration's [BX_VERIFIES] */
	bool failed_said;     /* the row's failed transactions were reported (once a row) */
} bx_t;

typedef struct bx_sig {
	uint8_t msg[sizeof SVM_TX_SIGN_TAG - 1 + SVM_HASH_SIZE], sig[SVM_ED25519_SIG_SIZE];
	uint8_t pk[SVM_ED25519_PUBKEY_SIZE];
} bx_sig_t;

/* ---------------------------------------------------------------- rng */

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Zipf(s = 1) over n by inversion of the harmonic CDF (approximate, deterministic). */
static size_t zipf(uint64_t *s, size_t n)
{
	double u = (double)(rnd(s) >> 11) / (double)(1ull << 53);
	double h = log((double)n) + 0.5772156649;
	size_t k = (size_t)exp(u * h);
	return k >= 1 && k <= n ? k - 1 : n - 1;
}

/* ------------------------------------------------------------ workload */

static void pick(bx_t *x, uint64_t *s, size_t i)
{
	size_t n = x->o.accounts;
	size_t a = rnd(s) % n, b = rnd(s) % n;
	switch (x->o.workload) {
	case W_ZIPF:
		a = zipf(s, n);
		b = zipf(s, n);
		break;
	case W_ALL_TO_ONE:
		a = 1 + rnd(s) % (n - 1);
		b = 0;
		break;
	default:
		break;
	}
	if (a == b) b = (b + 1) % n;
	x->from[i] = (uint32_t)a;
	x->to[i] = (uint32_t)b;
}

static int make_keys(bx_t *x)
{
	x->used = svm_calloc(x->o.accounts, sizeof(*x->used));
	x->keys = svm_calloc(2 * x->o.txs + 1, sizeof(*x->keys));
	if (x->used == NULL || x->keys == NULL) return SVM_ENOMEM;
	for (size_t i = 0; i < 2 * x->o.txs; i++) {
		uint32_t acct = i % 2 ? x->to[i / 2] : x->from[i / 2];
		if (x->used[acct]) continue;
		uint8_t seed[32] = {0};
		svm_put_u64be(seed, acct + 1);
		svm_keypair_from_seed(&x->keys[x->n_keys], seed);
		x->used[acct] = (uint32_t)++x->n_keys;
	}
	return 0;
}

static svm_id_t account_id(const bx_t *x, size_t i)
{
	if (x->used[i]) return x->keys[x->used[i] - 1].id;
	svm_id_t id; /* an account the block never touches: any id fills the state */
	uint8_t be[8];
	svm_put_u64be(be, i);
	svm_slice_t part = {be, 8};
	svm_sha256_tagged("bench/filler", &part, 1, &id);
	return id;
}

/* -------------------------------------------------------------- genesis */

/* The AMM workloads' pools: SWR against token i, created by the zero identity (the system
 * context's sender) from reserves minted to it. */
static void amm_token(size_t i, svm_id_t *out)
{
	uint8_t be[8];
	svm_put_u64be(be, i);
	svm_slice_t part = {be, 8};
	svm_sha256_tagged("bench/token", &part, 1, out);
}

static int amm_genesis(svm_txctx_t *c, const svm_id_t *swr)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < BX_AMM_POOLS; i++) {
		svm_id_t t, zero = {{0}};
		amm_token(i, &t);
		rc = svm_ledger_token_create(c, &t, "BT", 9);
		if (rc == 0) rc = svm_ledger_mint(c, &t, &zero, 1ull << 40);
		if (rc == 0) rc = svm_ledger_mint(c, swr, &zero, 1ull << 40);
		uint8_t pbuf[160];
		svm_buf_t p = {.data = pbuf, .cap = sizeof pbuf, .cap_max = sizeof pbuf};
		bool lt = memcmp(swr->b, t.b, SVM_HASH_SIZE) < 0;
		if (rc == 0)
			rc = svm_amm_payload(&p, SVM_AMM_CREATE, lt ? swr : &t, lt ? &t : swr, BX_AMM_FEE_BPS,
					     1ull << 40, 1ull << 40, 0);
		if (rc == 0) rc = svm_amm_execute(c, p.data, p.len);
		c->events_len = 0; /* a system context keeps no receipt: drop the events */
	}
	return rc;
}

static bool amm_workload(int w) { return w == W_AMM_POOLS || w == W_AMM_HOT; }
static bool econ_workload(int w) { return w == W_STAKE || w == W_GOV_VOTE; }

static void bench_id(const char *tag, size_t i, svm_id_t *out)
{
	uint8_t be[8];
	svm_put_u64be(be, i);
	svm_slice_t part = {be, 8};
	svm_sha256_tagged(tag, &part, 1, out);
}

/* Runs a native payload in the system context as if `sender` (nonce 0) had sent it. */
static int run_as(svm_txctx_t *c, const svm_id_t *sender, const svm_buf_t *p)
{
	const svm_tx_t *saved = c->tx;
	svm_tx_t tx = *saved;
	tx.sender = *sender;
	tx.nonce = 0;
	c->tx = &tx;
	int rc = svm_native_execute(c, p->data, p->len);
	c->tx = saved;
	c->events_len = 0;
	return rc;
}

/* The staking workloads' state: BX_VALIDATORS validators; for gov-vote also BX_PROPOSALS text
 * proposals open from height 0 and, for every account a transaction sends from, a delegation
 * to validator (account % BX_VALIDATORS), which gives its votes weight. */
static int econ_genesis(bx_t *x, svm_txctx_t *c, const svm_id_t *swr)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < BX_VALIDATORS; i++) {
		svm_id_t op, key;
		bench_id("bench/op", i, &op);
		bench_id("bench/key", i, &key);
		rc = svm_staking_genesis_validator(c, &op, key.b, 1ull << 36);
	}
	if (rc || x->o.workload != W_GOV_VOTE) return rc;
	svm_params_t p;
	svm_params_default(&p);
	for (size_t i = 0; rc == 0 && i < BX_PROPOSALS; i++) {
		svm_id_t who, text;
		bench_id("bench/proposer", i, &who);
		bench_id("bench/text", i, &text);
		svm_buf_t b = {0};
		rc = svm_ledger_mint(c, swr, &who, p.gov_deposit_min);
		if (rc == 0) rc = svm_gov_submit_payload(&b, SVM_PROPOSAL_TEXT, p.gov_deposit_min, text.b, 32);
		if (rc == 0) rc = run_as(c, &who, &b);
		svm_buf_free(&b);
	}
	for (size_t i = 0; rc == 0 && i < x->o.txs; i++) {
		if (i > 0 && x->from[i] == x->from[i - 1]) continue;
		svm_id_t who = account_id(x, x->from[i]), op;
		bench_id("bench/op", x->from[i] % BX_VALIDATORS, &op);
		svm_buf_t b = {0};
		rc = svm_stake_payload(&b, SVM_STAKE_DELEGATE, &op, NULL, 1000000);
		if (rc == 0) {
			rc = run_as(c, &who, &b);
			if (rc == SVM_EINVAL) rc = 0; /* delegated already */
		}
		svm_buf_free(&b);
	}
	return rc;
}

static int genesis_fn(svm_txctx_t *c, void *ud)
{
	bx_t *x = ud;
	svm_id_t swr, aic;
	svm_token_id("SWR", &swr);
	svm_token_id("AIC", &aic);
	int rc = svm_ledger_token_create(c, &swr, "SWR", 9);
	if (rc == 0) rc = svm_ledger_token_create(c, &aic, "AIC", 6);
	for (size_t i = 0; rc == 0 && i < x->o.accounts; i++) {
		svm_id_t id = account_id(x, i);
		rc = svm_ledger_mint(c, &swr, &id, 1ull << 40);
		if (rc == 0 && x->o.workload == W_SHARED) rc = svm_ledger_mint(c, &aic, &id, 1ull << 30);
	}
	if (rc == 0 && amm_workload(x->o.workload)) rc = amm_genesis(c, &swr);
	if (rc == 0 && econ_workload(x->o.workload)) rc = econ_genesis(x, c, &swr);
	return rc;
}

static int no_base(void *ud, unsigned worker, const svm_id_t *id, const uint8_t **b, size_t *l)
{
	return SVM_ENOTFOUND;
}

static int make_state(bx_t *x)
{
	snprintf(x->dir, sizeof x->dir, "/tmp/svmbenchexec.XXXXXX");
	if (mkdtemp(x->dir) == NULL) return SVM_EIO;
	svm_store_config_t scfg = {.map_size_bytes = 16ull << 30, .no_sync = true};
	svm_error_t err = {0};
	int rc = svm_store_open(&x->store, x->dir, &scfg, &err);
	if (rc == 0) rc = svm_state_open(&x->state, x->store, NULL, &err);
	if (rc) return rc;
	x->env = (svm_block_env_t){.chain_id = 1, .height = 0, .fees = {1000, 2, 1, 0}};
	svm_token_id("SWR", &x->env.fee_token);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_exec_base_t base = {no_base, NULL};
	svm_exec_result_t res;
	rc = svm_exec_system(&x->env, &base, genesis_fn, x, &a, &res);
	svm_store_txn_t *w = NULL;
	if (rc == 0) rc = svm_store_write_begin(x->store, &w, &err);
	if (rc == 0) rc = svm_state_apply(x->state, w, 0, res.writes, res.writes_len, NULL, &err);
	if (w) rc = rc ? (svm_store_abort(w), rc) : svm_store_commit(w, &err);
	svm_arena_reset(&a);
	x->env.height = 1;
	x->env.proposer = account_id(x, 0);
	return rc;
}

/* ---------------------------------------------------------------- txs */

static int sign_tx(bx_t *x, size_t i, uint64_t nonce, bool strict, svm_buf_t *out)
{
	const svm_keypair_t *kp = &x->keys[x->used[x->from[i]] - 1];
	svm_id_t to = account_id(x, x->to[i]), tok, writes[16], reads[2];
	uint8_t pbuf[160];
	svm_buf_t p = {.data = pbuf, .cap = sizeof pbuf, .cap_max = sizeof pbuf};
	svm_token_id(x->o.workload == W_SHARED ? "AIC" : "SWR", &tok);
	int rc;
	if (amm_workload(x->o.workload)) { /* swap 1000 SWR into the pool's token, any output */
		svm_id_t t;
		amm_token(x->o.workload == W_AMM_HOT ? 0 : x->to[i] % BX_AMM_POOLS, &t);
		rc = svm_amm_payload(&p, SVM_AMM_SWAP_IN, &tok, &t, BX_AMM_FEE_BPS, 1000, 1, 0);
	} else if (x->o.workload == W_STAKE) { /* delegate 1000 SWR to validator `to` mod 100 */
		svm_id_t op;
		bench_id("bench/op", x->to[i] % BX_VALIDATORS, &op);
		rc = svm_stake_payload(&p, SVM_STAKE_DELEGATE, &op, NULL, 1000);
	} else if (x->o.workload == W_GOV_VOTE) {
		/* yes via its validator on proposal (account + nonce) mod 100: a voter's votes go to
		 * distinct proposals (its first 100 votes), since a second vote of one voter on one
		 * proposal fails with SVM_EEXIST (picking proposal i mod 100 made 38 of 10,000 votes
		 * such second votes) */
		svm_id_t who, prop, op;
		bench_id("bench/proposer", (x->from[i] + nonce) % BX_PROPOSALS, &who);
		svm_gov_proposal_id(&who, 0, &prop);
		bench_id("bench/op", x->from[i] % BX_VALIDATORS, &op);
		rc = svm_gov_payload(&p, SVM_GOV_VOTE, &prop, &op, SVM_VOTE_YES);
	} else {
		rc = x->o.workload == W_SHARED ? svm_native_burn_payload(&p, &tok, 1)
					       : svm_native_transfer_payload(&p, &tok, &to, 1);
	}
	size_t nw = 0, nr = 0;
	if (rc == 0 && strict) rc = svm_native_access(&kp->id, nonce, p.data, p.len, writes, 16, &nw);
	if (rc == 0 && strict) rc = svm_native_reads(p.data, p.len, reads, 2, &nr);
	svm_tx_t tx = {.chain_id = 1, .sender = kp->id, .nonce = nonce, .expiry_height = 1000000,
		       .fee_limit = BX_FEE_LIMIT,
		       .access_mode = strict ? SVM_ACCESS_STRICT : SVM_ACCESS_DYNAMIC,
		       .writes = writes, .writes_len = (uint32_t)nw, .reads = reads,
		       .reads_len = (uint32_t)nr, .vm = SVM_VM_NATIVE,
		       .payload = p.data, .payload_len = p.len, .scheme = SVM_SCHEME_ED25519,
		       .public_key = kp->public_key, .public_key_len = SVM_ED25519_PUBKEY_SIZE};
	uint8_t sig[SVM_ED25519_SIG_SIZE];
	if (rc == 0) rc = svm_tx_sign(&tx, kp->secret_key, sig, NULL);
	return rc ? rc : svm_tx_encode(&tx, out);
}

static int make_txs(bx_t *x)
{
	size_t n = x->o.txs;
	uint64_t s = x->o.seed;
	x->from = svm_calloc(n, sizeof(*x->from));
	x->to = svm_calloc(n, sizeof(*x->to));
	x->signed_txs = svm_calloc(n, sizeof(*x->signed_txs));
	x->ptr = svm_calloc(n, sizeof(*x->ptr));
	x->len = svm_calloc(n, sizeof(*x->len));
	uint64_t *nonce = svm_calloc(x->o.accounts, sizeof(*nonce));
	int rc = x->from && x->to && x->signed_txs && x->ptr && x->len && nonce ? 0 : SVM_ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++) pick(x, &s, i);
	if (rc == 0) rc = make_keys(x);
	if (rc == 0) rc = make_state(x);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		bool strict = x->o.workload == W_MIXED ? rnd(&s) % 2 : x->o.strict;
		rc = sign_tx(x, i, nonce[x->from[i]]++, strict, &x->signed_txs[i]);
		x->ptr[i] = x->signed_txs[i].data;
		x->len[i] = x->signed_txs[i].len;
	}
	svm_free(nonce);
	svm_arena_init(&x->prep_arena, 0);
	x->prep = rc ? NULL : svm_arena_alloc(&x->prep_arena, n * sizeof(*x->prep));
	if (rc == 0 && x->prep == NULL) rc = SVM_ENOMEM;
	if (rc == 0) rc = svm_exec_prepare(1, x->ptr, x->len, n, NULL, x->o.threads, &x->prep_arena, x->prep);
	return rc;
}

/* ------------------------------------------------------------- running */

typedef struct {
	svm_state_t *state;
	svm_store_txn_t *txn[SVM_POOL_THREADS_MAX];
} bx_base_t;

static int bx_get(void *ud, unsigned worker, const svm_id_t *id, const uint8_t **b, size_t *l)
{
	bx_base_t *p = ud;
	return svm_state_get(p->state, p->txn[worker], id, b, l);
}

typedef struct {
	double *ms;       /* per block */
	double *serial_ms; /* per block: setup, receipts, settlement, write set, teardown (engines;
			    * the calling thread's wall clock: receipts and write set run on all) */
	int route;
	double *cpu_ms;   /* per block: CPU time of the whole process (every worker, spinning too) */
	svm_exec_metrics_t m; /* summed */
	svm_hash_t digest;
	bool digest_set, differs;
	uint64_t hot_conflicts;
	svm_id_t hot;
} bx_series_t;

/* A digest of what a block produced: receipts and write set. */
static void digest(const svm_exec_result_t *r, svm_hash_t *out)
{
	svm_buf_t b = {0};
	for (size_t i = 0; i < r->included; i++) svm_receipt_encode(&r->receipts[i], &b);
	for (size_t i = 0; i < r->writes_len; i++) {
		svm_buf_append(&b, r->writes[i].id.b, SVM_HASH_SIZE);
		if (r->writes[i].bytes) svm_buf_append(&b, r->writes[i].bytes, r->writes[i].len);
	}
	svm_slice_t part = {b.data, b.len};
	svm_sha256_tagged("bench/result", &part, 1, out);
	svm_buf_free(&b);
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int run_block(bx_t *x, bx_base_t *bb, unsigned threads, bx_series_t *s, size_t rep,
		     svm_arena_t *a, svm_exec_result_t *res)
{
	svm_exec_base_t base = {bx_get, bb};
	svm_exec_tx_t *txs = x->prep; /* decoded and checked once when signatures are not timed */
	uint64_t t0 = svm_clock_ns(), c0 = cpu_ns();
	int rc = 0;
	svm_exec_metrics_t m;
	if (x->o.sigs) { /* decoding and signature checks are part of the block's time */
		txs = svm_arena_alloc(a, x->o.txs * sizeof(*txs));
		rc = txs ? svm_exec_block_signed(&x->env, x->ptr, x->len, x->o.txs, NULL, SVM_EXEC_BUILD,
						 &base, threads, a, txs, res, NULL, &m)
			 : SVM_ENOMEM;
	} else {
		rc = svm_exec_block(&x->env, txs, x->o.txs, SVM_EXEC_BUILD, &base, threads, a, res, NULL, &m);
	}
	s->ms[rep] = (svm_clock_ns() - t0) / 1e6;
	if (s->serial_ms) /* the phases around the engines' run: one thread's wall clock each */
		s->serial_ms[rep] = (m.phase_ns[SVM_EXEC_PH_INIT] + m.phase_ns[SVM_EXEC_PH_RECEIPTS] +
				     m.phase_ns[SVM_EXEC_PH_SETTLE] + m.phase_ns[SVM_EXEC_PH_WRITES] +
				     m.phase_ns[SVM_EXEC_PH_FREE]) / 1e6;
	s->route = m.chain ? ROUTE_CHAIN : m.small ? ROUTE_SMALL : m.seq_txs == m.txs ? ROUTE_REF : ROUTE_ENGINES;
	s->cpu_ms[rep] = (cpu_ns() - c0) / 1e6;
	if (getenv("BX_DEBUG")) fprintf(stderr, "threads %u: %.2f ms, decode %.2f ms, exec_ns %.2f ms, dag %llu stm %llu seq %llu\n", threads, s->ms[rep], m.decode_ns / 1e6, m.exec_ns / 1e6, (unsigned long long)m.dag_txs, (unsigned long long)m.stm_txs, (unsigned long long)m.seq_txs);
	if (rc) return rc;
	if (res->included != x->o.txs) fprintf(stderr, "bench exec: only %zu of %zu included\n", res->included, x->o.txs);
	size_t failed = 0;
	for (size_t i = 0; i < res->included; i++) failed += res->receipts[i].status != 0;
	if (failed && !x->failed_said) { /* built to succeed: say when some did not, once a row */
		x->failed_said = true;
		fprintf(stderr, "bench exec: %zu of %zu transactions failed (a receipt status is not 0)\n",
			failed, res->included);
	}
	s->m.aborts += m.aborts;
	s->m.reexecutions += m.reexecutions;
	s->m.fallbacks += m.fallbacks;
	s->m.tx_p50_ns += m.tx_p50_ns;
	s->m.tx_p99_ns += m.tx_p99_ns;
	if (m.hot_len && m.hot[0].conflicts > s->hot_conflicts) {
		s->hot_conflicts = m.hot[0].conflicts;
		s->hot = m.hot[0].id;
	}
	svm_hash_t d;
	digest(res, &d);
	if (s->digest_set && !svm_hash_eq(&d, &s->digest)) s->differs = true;
	s->digest = d;
	s->digest_set = true;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, unsigned p)
{
	double *c = svm_malloc(n * sizeof(*c));
	if (c == NULL) return 0;
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	size_t i = (n * p + 99) / 100;
	double r = c[i ? i - 1 : 0];
	svm_free(c);
	return r;
}

/* The post-state root of the block's write set (applied, then rolled back). */
static int state_root(bx_t *x, const svm_exec_result_t *res, svm_hash_t *root)
{
	svm_store_txn_t *w;
	svm_error_t err = {0};
	int rc = svm_store_write_begin(x->store, &w, &err);
	if (rc) return rc;
	rc = svm_state_apply(x->state, w, 1, res->writes, res->writes_len, root, &err);
	svm_store_abort(w);
	return rc;
}

/* The machine's parallel capacity right now: how much more work `threads` spinning threads
 * get done than one in the same time (2.0 on two idle cores; about 1.0 when other busy
 * sessions take the rest — with autogroup scheduling a process's share does not grow with its
 * threads). Measured between blocks, so the table says what speedup was possible at all. */
#define BX_SPIN_ITERS 8000000

static void spin_worker(void *arg, unsigned w)
{
	_Atomic uint64_t *sink = arg;
	uint64_t x = 0;
	for (uint64_t i = 0; i < BX_SPIN_ITERS; i++) {
		x += i ^ (x >> 3);
		__asm__ volatile("" : "+r"(x)); /* keep the loop: one step per iteration */
	}
	atomic_fetch_add(sink, x);
}

static double machine_parallelism(unsigned threads)
{
	_Atomic uint64_t sink = 0;
	uint64_t t0 = svm_clock_ns();
	svm_par_run(1, spin_worker, &sink);
	uint64_t t1 = svm_clock_ns();
	svm_par_run(threads, spin_worker, &sink);
	uint64_t t2 = svm_clock_ns();
	return (double)threads * (double)(t1 - t0) / (double)(t2 - t1);
}

/* What the verify rate is measured on (all single verifications, libsodium's): */
enum {
	VR_BLOCK,    /* the block's own signatures, read where the block holds them */
	VR_DISTINCT, /* BX_VERIFIES distinct keys, messages and signatures */
	VR_ONE,      /* one signature over and over */
	VR_KINDS
};

typedef struct {
	_Atomic uint64_t done;
	_Atomic size_t next;
	const bx_t *x;
	int kind;
} vr_t;

#define VR_CHUNK 64

static void verify_worker(void *arg, unsigned w)
{
	vr_t *v = arg;
	size_t n = v->kind == VR_BLOCK ? v->x->o.txs : BX_VERIFIES;
	for (;;) {
		size_t start = atomic_fetch_add(&v->next, VR_CHUNK);
		if (start >= n) return;
		for (size_t i = start; i < start + VR_CHUNK && i < n; i++) {
			const uint8_t *sig, *pk, *msg;
			uint8_t m[sizeof SVM_TX_SIGN_TAG - 1 + SVM_HASH_SIZE];
			if (v->kind == VR_BLOCK) {
				const svm_exec_tx_t *t = &v->x->prep[i];
				memcpy(m, SVM_TX_SIGN_TAG, sizeof SVM_TX_SIGN_TAG - 1);
				memcpy(m + sizeof SVM_TX_SIGN_TAG - 1, t->id.b, SVM_HASH_SIZE);
				sig = t->tx.signature;
				pk = t->tx.public_key;
				msg = m;
			} else {
				const bx_sig_t *e = &v->x->vsigs[v->kind == VR_ONE ? 0 : i];
				sig = e->sig;
				pk = e->pk;
				msg = e->msg;
			}
			if (svm_ed25519_verify(sig, msg, sizeof m, pk) == 0) atomic_fetch_add(&v->done, 1);
		}
	}
}

/* Ed25519 single verifications per second on `threads` threads, measured after each pair of
 * blocks (the row reports the medians, so the blocks and the rates saw the same machine). The
 * target's yardstick is the block's own signatures: exactly the checks the block must make,
 * on the same memory. The other two are printed for comparison: distinct signatures that fit
 * in the cache, and one signature verified over and over, which this machine runs several
 * per cent faster still (the variable-time scalar multiplication then takes the same branches
 * every time). */
static double verify_rate(const bx_t *x, unsigned threads, int kind)
{
	vr_t v = {.x = x, .kind = kind};
	atomic_init(&v.done, 0);
	atomic_init(&v.next, 0);
	uint64_t t0 = svm_clock_ns();
	svm_par_run(threads, verify_worker, &v);
	return atomic_load(&v.done) / ((svm_clock_ns() - t0) / 1e9);
}

/* The calibration's signatures: BX_VERIFIES messages, each signed by one of the block's keys. */
static int make_vsigs(bx_t *x)
{
	x->vsigs = svm_calloc(BX_VERIFIES, sizeof(*x->vsigs));
	if (x->vsigs == NULL) return SVM_ENOMEM;
	for (size_t i = 0; i < BX_VERIFIES; i++) {
		bx_sig_t *e = &x->vsigs[i];
		const svm_keypair_t *kp = &x->keys[i % x->n_keys];
		memcpy(e->msg, SVM_TX_SIGN_TAG, sizeof SVM_TX_SIGN_TAG - 1);
		svm_put_u64be(e->msg + sizeof SVM_TX_SIGN_TAG - 1, i);
		memcpy(e->pk, kp->public_key, sizeof e->pk);
		svm_ed25519_sign(e->sig, e->msg, sizeof e->msg, kp->secret_key);
	}
	return 0;
}

/* The block's mean resources per transaction, from its receipts, and the mean fee it would
 * pay under the default parameter object's schedule (a + b·bytes + c·steps + d·mem, 1×). */
static void per_tx(const svm_exec_result_t *res, bx_row_t *row)
{
	svm_params_t p;
	svm_params_default(&p);
	unsigned __int128 bytes = 0, steps = 0, mem = 0, fee = 0, fee_default = 0;
	size_t n = res->included;
	for (size_t i = 0; i < n; i++) {
		const svm_receipt_t *r = &res->receipts[i];
		bytes += r->tx_bytes;
		steps += r->steps;
		mem += r->mem_bytes;
		fee += r->fee_charged;
		fee_default += (unsigned __int128)p.fee_a + (unsigned __int128)p.fee_b * r->tx_bytes +
			       (unsigned __int128)p.fee_c * r->steps + (unsigned __int128)p.fee_d * r->mem_bytes;
		row->failed += r->status != 0;
	}
	double d = n ? (double)n : 1;
	row->bytes = (double)bytes / d;
	row->steps = (double)steps / d;
	row->mem = (double)mem / d;
	row->fee = (double)fee / d;
	row->fee_default = (double)fee_default / d;
}

static void report(const bx_t *x, bx_series_t *one, bx_series_t *k, const svm_hash_t *root,
		   const double vrate[VR_KINDS], const double *mpar, const bx_row_t *g)
{
	size_t n = x->o.blocks;
	double p50_1 = pct(one->ms, n, 50), p50 = pct(k->ms, n, 50), p99 = pct(k->ms, n, 99);
	double cpu = pct(k->cpu_ms, n, 50) / pct(one->cpu_ms, n, 50), par = pct(mpar, n, 50);
	double tps = x->o.txs / (p50 / 1e3), speedup = p50_1 / p50;
	char rhex[65], hot[17] = "-";
	svm_hex_encode(rhex, root->b, SVM_HASH_SIZE);
	if (k->hot_conflicts) svm_hex_encode(hot, k->hot.b, 8);
	const char *mode = x->o.workload == W_MIXED ? "mixed" : x->o.strict ? "strict" : "dynamic";
	printf("%-10s %-7s %8zu %6zu %3u %10.0f %8.2f %8.2f %8.2f %7.2fx %7.2f %6.2f %5.2f %8llu %4llu %8.1f %8.1f  %s:%llu\n",
	       WORKLOADS[x->o.workload], mode, x->o.accounts, x->o.txs, x->o.threads, tps, p50_1, p50,
	       p99, speedup, p99 / p50, cpu, par, (unsigned long long)(k->m.aborts / n),
	       (unsigned long long)k->m.fallbacks, k->m.tx_p50_ns / 1e3 / n, k->m.tx_p99_ns / 1e3 / n,
	       hot, (unsigned long long)k->hot_conflicts);
	if (x->o.sigs)
		printf("  with signatures: %.0f tx/s = %.1f%% of the %u-core Ed25519 verify rate of the "
		       "block's signatures (%.0f/s); %.1f%% of %.0f/s over %d distinct cached "
		       "signatures; %.1f%% of %.0f/s verifying one signature repeatedly\n",
		       tps, 100 * tps / vrate[VR_BLOCK], x->o.threads, vrate[VR_BLOCK],
		       100 * tps / vrate[VR_DISTINCT], vrate[VR_DISTINCT], BX_VERIFIES,
		       100 * tps / vrate[VR_ONE], vrate[VR_ONE]);
	if (one->differs || k->differs || !svm_hash_eq(&one->digest, &k->digest))
		printf("  RESULTS DIFFER between runs or thread counts\n");
	printf("  state root %s\n", rhex);
	printf("  per tx: %.1f bytes, %.1f steps, %.1f mem bytes; fee %.1f at this run's schedule "
	       "(a %llu, b %llu, c %llu, d %llu), %.1f at the default parameters'\n",
	       g->bytes, g->steps, g->mem, g->fee, (unsigned long long)x->env.fees.a, (unsigned long long)x->env.fees.b,
	       (unsigned long long)x->env.fees.c, (unsigned long long)x->env.fees.d, g->fee_default);
	if (x->o.json)
		printf("{\"workload\":\"%s\",\"mode\":\"%s\",\"accounts\":%zu,\"txs\":%zu,\"threads\":%u,"
		       "\"blocks\":%zu,\"sigs\":%s,\"warm\":%s,\"tps\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
		       "\"p50_ms_1\":%.3f,\"speedup\":%.3f,\"aborts\":%llu,\"fallbacks\":%llu,"
		       "\"tx_p50_us\":%.2f,\"tx_p99_us\":%.2f,\"verify_rate\":%.0f,"
		       "\"verify_rate_distinct\":%.0f,\"verify_rate_one_sig\":%.0f,\"identical\":%s,"
		       "\"cpu_ratio\":%.3f,\"machine_parallelism\":%.3f,\"state_root\":\"%s\","
		       "\"tx_bytes\":%.1f,\"tx_steps\":%.1f,\"tx_mem\":%.1f,\"tx_fee\":%.1f,\"tx_fee_default\":%.1f}\n",
		       WORKLOADS[x->o.workload], mode, x->o.accounts, x->o.txs, x->o.threads, n,
		       x->o.sigs ? "true" : "false", x->o.cold ? "false" : "true", tps, p50, p99, p50_1, speedup,
		       (unsigned long long)k->m.aborts, (unsigned long long)k->m.fallbacks,
		       k->m.tx_p50_ns / 1e3 / n, k->m.tx_p99_ns / 1e3 / n, vrate[VR_BLOCK], vrate[VR_DISTINCT], vrate[VR_ONE],
		       one->differs || k->differs || !svm_hash_eq(&one->digest, &k->digest) ? "false" : "true",
		       cpu, par, rhex, g->bytes, g->steps, g->mem, g->fee, g->fee_default);
	fflush(stdout);
}

static void header(void)
{
	printf("%-10s %-7s %8s %6s %3s %10s %8s %8s %8s %8s %7s %6s %5s %8s %4s %8s %8s  %s\n",
	       "workload", "mode", "accounts", "txs", "K", "tx/s(K)", "p50 1t", "p50 Kt", "p99 Kt",
	       "speedup", "p99/p50", "cpu", "mach", "aborts", "fb", "tx p50us", "tx p99us",
	       "hottest key:conflicts");
}

static void bx_free(bx_t *x)
{
	for (size_t i = 0; x->signed_txs && i < x->o.txs; i++) svm_buf_free(&x->signed_txs[i]);
	svm_free(x->signed_txs);
	svm_free(x->ptr);
	svm_free(x->len);
	svm_free(x->from);
	svm_free(x->to);
	svm_free(x->used);
	svm_free(x->keys);
	svm_free(x->vsigs);
	svm_arena_reset(&x->prep_arena);
	svm_state_close(x->state);
	svm_store_close(x->store);
	if (x->dir[0]) {
		char cmd[96];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", x->dir);
		if (system(cmd) != 0) fprintf(stderr, "bench exec: could not remove %s\n", x->dir);
	}
}

/* One row: 1 thread and K threads, interleaved block by block (which goes first alternates),
 * with the machine's parallel capacity measured after each pair. `row`, if not NULL, receives
 * what it measured. */
static int bench_row(const bx_opts_t *o, bx_row_t *row)
{
	bx_t x = {.o = *o};
	bx_series_t one = {0}, k = {.serial_ms = svm_calloc(o->blocks, sizeof(double))};
	bx_base_t bb = {0};
	one.ms = svm_calloc(o->blocks, sizeof(double));
	k.ms = svm_calloc(o->blocks, sizeof(double));
	one.cpu_ms = svm_calloc(o->blocks, sizeof(double));
	k.cpu_ms = svm_calloc(o->blocks, sizeof(double));
	double *mpar = svm_calloc(o->blocks, sizeof(double)), *vrates = svm_calloc(VR_KINDS * o->blocks, sizeof(double));
	bx_series_t warm = {.ms = svm_calloc(o->blocks, sizeof(double)),
			    .cpu_ms = svm_calloc(o->blocks, sizeof(double))};
	int rc = one.ms && k.ms && one.cpu_ms && k.cpu_ms && k.serial_ms && mpar && vrates && warm.ms && warm.cpu_ms
			 ? make_txs(&x)
			 : SVM_ENOMEM;
	if (rc == 0 && o->sigs) rc = make_vsigs(&x);
	svm_error_t err = {0};
	bb.state = x.state;
	for (unsigned w = 0; rc == 0 && w < o->threads; w++) rc = svm_store_read_begin(x.store, &bb.txn[w], &err);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_exec_result_t res;
	svm_hash_t root = {0};
	for (size_t b = 0; rc == 0 && b < o->blocks; b++) {
		/* alternate which runs first, so neither always gets the warmer caches and heap; each
		 * measured block follows an unmeasured one on the same thread count (unless --cold),
		 * so it runs warm, as in a node where every block takes the same path */
		bool k_first = b % 2;
		for (int half = 0; rc == 0 && half < 2; half++) {
			bool k_now = half == 0 ? k_first : !k_first;
			unsigned t = k_now ? o->threads : 1;
			if (!o->cold) rc = run_block(&x, &bb, t, &warm, b, &a, &res);
			svm_arena_reset(&a);
			if (rc == 0) rc = run_block(&x, &bb, t, k_now ? &k : &one, b, &a, &res);
			if (rc == 0 && half == 0) svm_arena_reset(&a);
		}
		if (rc == 0) mpar[b] = machine_parallelism(o->threads);
		/* the verify rate too, between blocks: the same machine the blocks saw */
		for (int kind = 0; rc == 0 && o->sigs && kind < VR_KINDS; kind++)
			vrates[kind * o->blocks + b] = verify_rate(&x, o->threads, kind);
		if (rc == 0 && b + 1 < o->blocks) svm_arena_reset(&a);
	}
	for (unsigned w = 0; w < o->threads; w++) svm_store_abort(bb.txn[w]);
	if (rc == 0) rc = state_root(&x, &res, &root);
	double vrate[VR_KINDS] = {0};
	for (int kind = 0; rc == 0 && o->sigs && kind < VR_KINDS; kind++)
		vrate[kind] = pct(vrates + kind * o->blocks, o->blocks, 50);
	bx_row_t r = {0};
	if (rc == 0) {
		per_tx(&res, &r);
		report(&x, &one, &k, &root, vrate, mpar, &r);
		r.p50_1 = pct(one.ms, o->blocks, 50);
		r.p50 = pct(k.ms, o->blocks, 50);
		r.mach = pct(mpar, o->blocks, 50);
		r.min_1 = pct(one.ms, o->blocks, 0);
		r.min = pct(k.ms, o->blocks, 0);
		double *pc = svm_calloc(o->blocks, sizeof(double)); /* per block: serial share of it */
		for (size_t b = 0; pc && b < o->blocks; b++) pc[b] = k.ms[b] > 0 ? 100 * k.serial_ms[b] / k.ms[b] : 0;
		r.serial_pct = pc ? pct(pc, o->blocks, 50) : 0;
		svm_free(pc);
		r.route = k.route;
		if (row) *row = r;
	} else {
		fprintf(stderr, "bench exec: %s\n", svm_strerror(rc));
	}
	bool differs = one.differs || k.differs || !svm_hash_eq(&one.digest, &k.digest) ||
		       warm.differs || (warm.digest_set && !svm_hash_eq(&warm.digest, &k.digest));
	if (rc == 0 && differs && !(one.differs || k.differs || !svm_hash_eq(&one.digest, &k.digest)))
		printf("  RESULTS DIFFER between runs (warm-up blocks)\n");
	svm_arena_reset(&a);
	svm_free(one.ms);
	svm_free(k.ms);
	svm_free(one.cpu_ms);
	svm_free(k.cpu_ms);
	svm_free(k.serial_ms);
	svm_free(warm.ms);
	svm_free(warm.cpu_ms);
	svm_free(mpar);
	svm_free(vrates);
	bx_free(&x);
	return rc ? 1 : differs ? 1 : 0;
}

static int parse(int argc, char **argv, bx_opts_t *o)
{
	*o = (bx_opts_t){.workload = W_UNIFORM, .accounts = 10000, .txs = 10000, .blocks = 10,
			 .threads = svm_cpu_count(), .strict = true, .seed = 42};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = strcmp(a, "--sigs") && strcmp(a, "--json") && strcmp(a, "--cold") && strcmp(a, "--econ");
		if (takes && v == NULL) return -1;
		if (!strcmp(a, "--sigs")) o->sigs = true;
		else if (!strcmp(a, "--econ")) o->econ = true;
		else if (!strcmp(a, "--json")) o->json = true;
		else if (!strcmp(a, "--cold")) o->cold = true;
		else if (!strcmp(a, "--accounts")) o->accounts = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--txs")) o->txs = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--threads")) o->threads = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(a, "--blocks")) o->blocks = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--seed")) o->seed = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--mode")) {
			if (strcmp(v, "strict") && strcmp(v, "dynamic")) return -1;
			o->strict = !strcmp(v, "strict");
		} else if (!strcmp(a, "--workload")) {
			o->workload = -1;
			for (int w = 0; w < W_COUNT; w++)
				if (!strcmp(v, WORKLOADS[w])) o->workload = w;
			if (o->workload < 0) return -1;
		} else return -1;
		if (takes) i++;
	}
	if (o->accounts < 2 || o->accounts > BX_ACCOUNTS_MAX || o->txs < 1 || o->txs > BX_TXS_MAX ||
	    o->threads < 1 || o->threads > SVM_POOL_THREADS_MAX || o->blocks < 1 ||
	    o->blocks > BX_BLOCKS_MAX)
		return -1;
	return 0;
}

/* The standard table: every workload and account count of docs/aoem.md, at K = cores. */
static int standard_table(void)
{
	static const struct {
		int w;
		size_t accounts;
		bool strict;
	} rows[] = {
		{W_UNIFORM, 10000, true}, {W_UNIFORM, 10000, false}, {W_UNIFORM, 2, true},
		{W_UNIFORM, 10, true},    {W_UNIFORM, 100, true},    {W_UNIFORM, 2, false},
		{W_ZIPF, 10000, true},    {W_ZIPF, 10000, false},    {W_ALL_TO_ONE, 10000, true},
		{W_ALL_TO_ONE, 10000, false}, {W_SHARED, 10000, true}, {W_SHARED, 10000, false},
		{W_MIXED, 10000, true},    {W_AMM_POOLS, 10000, true}, {W_AMM_HOT, 10000, true},
		{W_STAKE, 10000, true},    {W_GOV_VOTE, 10000, true},
	};
	int rc = 0;
	header();
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		bx_opts_t o;
		parse(0, NULL, &o);
		o.workload = rows[i].w;
		o.accounts = rows[i].accounts;
		o.strict = rows[i].strict;
		o.blocks = 5;
		rc |= bench_row(&o, NULL);
	}
	return rc;
}

/* --econ: the economy's workloads (docs/economics.md, "Benchmark") one row after another in
 * this process, each 1 thread against K interleaved, then a summary: the targets at K
 * against 1 (≥ 1.8× over 100 pools, ≥ 1.0× on the hot pool), the machine's parallel capacity
 * during each row (a target above it cannot be shown), and the gas of a transaction of each. */
static int econ_table(const bx_opts_t *base)
{
	/* The last row is the control: the hot pool at 1 thread against 1, the same code on both
	 * sides, so its "speed-up" is the machine's noise at the time (the band a ratio near 1.0,
	 * like the hot pool's own, falls in). */
	static const struct {
		int w;
		double target; /* 0: none */
		bool control;
	} rows[] = {{W_AMM_POOLS, 1.8, false}, {W_AMM_HOT, 1.0, false}, {W_STAKE, 0, false},
		    {W_GOV_VOTE, 0, false},     {W_UNIFORM, 0, false},  {W_AMM_HOT, 0, true}};
	enum { N = sizeof rows / sizeof rows[0] };
	bx_row_t r[N];
	int rc = 0;
	double load0[3] = {0}, load1[3] = {0};
	if (getloadavg(load0, 3) < 0) load0[0] = -1; /* -1: unknown */
	header();
	for (size_t i = 0; i < N; i++) {
		bx_opts_t o = *base;
		o.workload = rows[i].w;
		if (rows[i].control) o.threads = 1;
		memset(&r[i], 0, sizeof r[i]);
		rc |= bench_row(&o, &r[i]);
	}
	if (getloadavg(load1, 3) < 0) load1[0] = -1;
	printf("\neconomy workloads, %u threads against 1 (each row interleaved in this process); load average "
	       "(1 min) %.2f at the start, %.2f at the end on %u cores:\n",
	       base->threads, load0[0], load1[0], svm_cpu_count());
	printf("%-10s %8s %8s %8s %6s %8s %11s %7s %9s %9s %9s %10s %6s\n", "workload", "speedup", "target", "met",
	       "mach", "best", "route(Kt)", "phases", "steps/tx", "bytes/tx", "fee/tx", "us/tx(1t)", "failed");
	for (size_t i = 0; i < N; i++) {
		double sp = r[i].p50 > 0 ? r[i].p50_1 / r[i].p50 : 0;
		char target[16] = "-";
		const char *met = "-";
		if (rows[i].target > 0) {
			snprintf(target, sizeof target, ">=%.1fx", rows[i].target);
			met = sp >= rows[i].target ? "yes" : r[i].mach < rows[i].target ? "no(mach)" : "no";
		}
		double best = r[i].min > 0 ? r[i].min_1 / r[i].min : 0;
		printf("%-10s %7.2fx %8s %8s %6.2f %7.2fx %11s %6.1f%% %9.1f %9.1f %9.1f %10.1f %6zu\n",
		       rows[i].control ? "hot 1v1" : WORKLOADS[rows[i].w], sp,
		       target, met, r[i].mach, best, ROUTES[r[i].route], r[i].serial_pct, r[i].steps, r[i].bytes,
		       r[i].fee_default, 1e3 * r[i].p50_1 / (double)base->txs, r[i].failed);
	}
	if (r[0].p50 > 0 && r[1].p50 > 0)
		printf("swaps/s over %d pools against one hot pool: %.2fx at %u threads, %.2fx at 1 (consecutive rows)\n",
		       BX_AMM_POOLS, r[1].p50 / r[0].p50, base->threads, r[1].p50_1 / r[0].p50_1);
	printf("fee/tx: a + b*bytes + c*steps + d*mem at the default parameters; no(mach): the machine offered "
	       "less parallel capacity than the target during the row; best: the fastest 1-thread block over the fastest "
	       "%u-thread one (the speed-up when the machine gave the row its cores; speedup and met use the medians); route(Kt): how the %u-thread blocks ran "
	       "(ref(chain): one dependency chain, the reference executor); phases: the engines' phases around "
	       "their run (setup, receipts, settlement, write set, teardown; receipts and write set on every "
	       "thread), per cent of the %u-thread block (p50); hot 1v1: the control, amm-hot at 1 thread against 1 (identical code: its ratio is the noise)\n",
	       base->threads, base->threads, base->threads);
	return rc;
}

int svm_cli_bench_exec(int argc, char **argv)
{
	if (svm_crypto_init()) return 1;
	if (argc <= 1) return standard_table();
	bx_opts_t o;
	if (parse(argc, argv, &o)) {
		fprintf(stderr, "usage: bench exec [--workload uniform|zipf|all-to-one|shared|mixed|amm-pools|amm-hot|stake|gov-vote] "
				"[--accounts N] [--txs T] [--threads K] [--blocks B] [--mode strict|dynamic] "
				"[--sigs] [--cold] [--json] [--seed S] [--econ]\n");
		return 2;
	}
	if (o.econ) return econ_table(&o);
	header();
	return bench_row(&o, NULL);
}

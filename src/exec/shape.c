/* The shape of a block: how much parallelism its first transactions allow (their count over
 * the longest dependency chain among them), estimated from their declared accesses (strict)
 * or the accesses a native ledger payload implies (dynamic; a dynamic burn's token is lowered
 * by a commutative delta there, so it counts like a credit). A block that is essentially one
 * dependency chain (two accounts paying each other, one object every transaction writes), or
 * allows under four transactions in flight per thread, gains nothing from the parallel engines
 * and only pays their bookkeeping, so svm_exec_block runs the reference on it instead. The
 * optimistic engine's bookkeeping (versions, validation, re-execution) costs more than the
 * DAG's, so a block whose sample would mostly run on it needs sixteen per thread. This is
 * a scheduling choice only: the reference's result is the result, so a wrong guess costs time,
 * never correctness. */
#include <stdlib.h>
#include <string.h>

#include "exec/aoem.h"
#include "supervm/ai.h"
#include "supervm/confidential.h"
#include "supervm/groth16.h"
#include "supervm/verify.h"

#define SHAPE_SAMPLE 128   /* transactions looked at (the block's first) */
#define SHAPE_KEYS_TX 16   /* a transaction with more accesses than this is not estimated */
#define SHAPE_SLOTS 4096   /* table of keys: > SHAPE_SAMPLE * (SHAPE_KEYS_TX + 2) / 0.6 */
#define SHAPE_PAR_DAG 4    /* transactions in flight per thread the DAG needs to gain */
#define SHAPE_PAR_STM 16   /* the same for the optimistic engine (a mostly dynamic sample) */

_Static_assert((SHAPE_SLOTS & (SHAPE_SLOTS - 1)) == 0, "the key table's mask needs a power of two");
_Static_assert(10 * SHAPE_SAMPLE * (SHAPE_KEYS_TX + 2) < 6 * SHAPE_SLOTS,
	       "the key table stays under 0.6 full, so a probe always ends");

enum { S_R = 1, S_C = 2, S_W = 3 };

/* Per key: the depth of its last writer, and the deepest reader and crediter since. Keys are
 * the ids' first 8 bytes (a collision only merges two keys: the estimate gets conservative). */
typedef struct {
	uint64_t h;
	uint32_t last_w, max_r, max_c;
	bool used;
} skey_t;

typedef struct {
	uint64_t h;
	uint8_t cls;
} sacc_t;

bool exec_transfer_parse(const svm_tx_t *tx, svm_id_t *token, svm_id_t *to)
{
	if (tx->vm != SVM_VM_NATIVE) return false;
	svm_reader_t r = svm_reader(tx->payload, tx->payload_len);
	uint64_t program, method, amount;
	return !(svm_varint_read(&r, &program) || program != SVM_PROGRAM_LEDGER ||
		 svm_varint_read(&r, &method) || method != SVM_LEDGER_TRANSFER ||
		 svm_reader_copy(&r, token->b, SVM_HASH_SIZE) ||
		 svm_reader_copy(&r, to->b, SVM_HASH_SIZE) || svm_varint_read(&r, &amount) ||
		 svm_reader_left(&r) || svm_hash_eq(to, &tx->sender));
}

bool exec_transfer_credit(const svm_tx_t *tx, svm_id_t *out)
{
	svm_id_t token, to;
	if (!exec_transfer_parse(tx, &token, &to)) return false;
	svm_balance_id(&token, &to, out);
	return true;
}

/* The token object a native ledger burn of a non-zero amount lowers (a burn of zero reads and
 * writes it: the ledger's read-subtract-write). */
static bool burn_token_object(const svm_tx_t *tx, svm_id_t *out)
{
	if (tx->vm != SVM_VM_NATIVE) return false;
	svm_reader_t r = svm_reader(tx->payload, tx->payload_len);
	uint64_t program, method, amount;
	svm_id_t token;
	if (svm_varint_read(&r, &program) || program != SVM_PROGRAM_LEDGER ||
	    svm_varint_read(&r, &method) || method != SVM_LEDGER_BURN ||
	    svm_reader_copy(&r, token.b, SVM_HASH_SIZE) || svm_varint_read(&r, &amount) ||
	    svm_reader_left(&r) || amount == 0)
		return false;
	svm_token_object_id(&token, out);
	return true;
}

static uint64_t prefix(const svm_id_t *id)
{
	uint64_t h;
	memcpy(&h, id->b, sizeof h);
	return h;
}

static bool add(sacc_t *acc, uint32_t *n, const svm_id_t *id, uint8_t cls)
{
	if (*n >= SHAPE_KEYS_TX + 2) return false;
	acc[(*n)++] = (sacc_t){prefix(id), cls};
	return true;
}

/* The accesses of one transaction; false when they cannot be told (then no estimate). */
static bool accesses(const svm_block_env_t *env, const svm_exec_tx_t *et, sacc_t *acc,
		     uint32_t *n)
{
	const svm_tx_t *tx = &et->tx;
	svm_id_t credit;
	*n = 0;
	if (et->precheck) return true; /* excluded before reading anything */
	/* The sender's account and fee balance are functions of the sender alone: one key named
	 * after the sender stands for both, unhashed (a transfer's declared or implied writes name
	 * the balances it moves, recipient's included, by their real ids). The estimate may then
	 * miss an ordering (a credit to X before X pays a fee it did not declare) — it errs
	 * towards the engines, and chains of two accounts or one shared object still show. */
	acc[(*n)++] = (sacc_t){prefix(&tx->sender) ^ 0x9e3779b97f4a7c15ull, S_W};
	bool has_credit = exec_transfer_credit(tx, &credit);
	if (tx->access_mode != SVM_ACCESS_STRICT) {
		svm_id_t w[4], burned;
		size_t nw = 0;
		if (tx->vm != SVM_VM_NATIVE ||
		    svm_native_access(&tx->sender, tx->nonce, tx->payload, tx->payload_len, w, 4, &nw))
			return false;
		SVM_ASSERT(nw <= 4);
		/* a dynamic burn runs on the optimistic engine, where its supply decrease is a delta:
		 * burns of one token commute like credits (docs/aoem.md, "Burns as supply deltas") */
		bool burn = burn_token_object(tx, &burned);
		for (size_t i = 0; i < nw; i++) {
			bool c = (has_credit && svm_hash_eq(&w[i], &credit)) ||
				 (burn && svm_hash_eq(&w[i], &burned));
			add(acc, n, &w[i], c ? S_C : S_W);
		}
		SVM_ASSERT(*n == 1 + nw); /* no access dropped */
		return true;
	}
	if (tx->inputs_len + tx->reads_len + tx->writes_len > SHAPE_KEYS_TX) return false;
	for (uint32_t i = 0; i < tx->inputs_len; i++) add(acc, n, &tx->inputs[i].id, S_W);
	for (uint32_t i = 0; i < tx->reads_len; i++) add(acc, n, &tx->reads[i], S_R);
	for (uint32_t i = 0; i < tx->writes_len; i++)
		add(acc, n, &tx->writes[i], has_credit && svm_hash_eq(&tx->writes[i], &credit) ? S_C : S_W);
	SVM_ASSERT(*n == 1 + tx->inputs_len + tx->reads_len + tx->writes_len); /* no access dropped */
	return true;
}

static skey_t *slot(skey_t *t, uint64_t h)
{
	size_t probes = 0;
	for (size_t i = h & (SHAPE_SLOTS - 1);; i = (i + 1) & (SHAPE_SLOTS - 1)) {
		SVM_ASSERT(probes++ < SHAPE_SLOTS); /* the table never fills (the load bound above) */
		if (!t[i].used) {
			t[i] = (skey_t){.h = h, .used = true};
			return &t[i];
		}
		if (t[i].h == h) return &t[i];
	}
}

static uint32_t max3(uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t m = a > b ? a : b;
	return m > c ? m : c;
}

/* How many of txs[0..m) the optimistic engine would run: dynamic ones, and strict ones in runs
 * shorter than SVM_EXEC_STRICT_RUN_MIN (block.c's segment rule; a run reaching the end of the
 * sample counts as long). */
static size_t optimistic_txs(const svm_exec_tx_t *txs, size_t m)
{
	size_t optimistic = 0, run = 0;
	for (size_t j = 0; j <= m; j++) {
		if (j < m && exec_is_strict(&txs[j])) {
			run++;
			continue;
		}
		if (j < m) optimistic++;
		if (j < m && run < SVM_EXEC_STRICT_RUN_MIN) optimistic += run;
		run = 0;
	}
	return optimistic;
}

bool exec_block_is_chain(const svm_block_env_t *env, const svm_exec_tx_t *txs, size_t n,
			 unsigned threads)
{
	size_t m = n < SHAPE_SAMPLE ? n : SHAPE_SAMPLE;
	skey_t *t = svm_calloc(SHAPE_SLOTS, sizeof(*t));
	if (t == NULL) return false;
	uint32_t depth_max = 0;
	size_t optimistic = optimistic_txs(txs, m);
	bool known = true;
	for (size_t j = 0; known && j < m; j++) {
		sacc_t acc[SHAPE_KEYS_TX + 2];
		skey_t *k[SHAPE_KEYS_TX + 2];
		uint32_t na, d = 0;
		known = accesses(env, &txs[j], acc, &na);
		for (uint32_t i = 0; known && i < na; i++) {
			k[i] = slot(t, acc[i].h);
			uint32_t after = acc[i].cls == S_W   ? max3(k[i]->last_w, k[i]->max_r, k[i]->max_c)
					 : acc[i].cls == S_R ? max3(k[i]->last_w, k[i]->max_c, 0)
							     : max3(k[i]->last_w, k[i]->max_r, 0);
			if (after > d) d = after;
		}
		d++; /* j runs one step after its deepest predecessor */
		SVM_ASSERT(!known || (d >= 1 && d <= j + 1)); /* at most one step per earlier tx */
		for (uint32_t i = 0; known && i < na; i++) {
			if (acc[i].cls == S_W) *k[i] = (skey_t){.h = k[i]->h, .used = true, .last_w = d};
			else if (acc[i].cls == S_R && d > k[i]->max_r) k[i]->max_r = d;
			else if (acc[i].cls == S_C && d > k[i]->max_c) k[i]->max_c = d;
		}
		if (d > depth_max) depth_max = d;
	}
	svm_free(t);
	SVM_ASSERT(optimistic <= m && depth_max <= m);
	/* parallelism m / depth under SHAPE_PAR_DAG per thread: the workers would spend their
	 * time handing transactions to each other (two accounts paying each other: 1; ten: about
	 * 3; nine senders paying one: about 7; a hundred accounts: about 14). Measured on 2
	 * threads, the optimistic engine loses at 13-14 (Zipf senders over 10k accounts, mixed
	 * declarations over a hundred accounts) and gains at 64 (uniform or all-to-one over 10k). */
	size_t par = 2 * optimistic > m ? SHAPE_PAR_STM : SHAPE_PAR_DAG;
	return known && m > 0 && par * threads * depth_max > m;
}

/* ------------------------------------------------------------ work estimate */

/* The reference's time for one transaction, in µs on the 2-core build machine (idle), by
 * what it runs. Only the order of magnitude matters: the estimate decides whether a block is
 * worth the parallel engines' fixed cost (a wake-up of every worker, the key table, the
 * receipts and write set passes: 1-3 ms a block there, far more when other load takes the
 * cores), and a wrong guess costs time, never a different byte. Measured: a ledger transfer
 * ~2-3 µs; the AI market's post ~6, commit ~2-4, claim ~10, reveal ~70-80 (a VCR signature);
 * a challenge re-runs the model (~0.7-1.8 ms); an ERC-20 transfer ~18; an Ed25519 check
 * (a signature left to the executor) ~45. Programs not listed count as WORK_NATIVE_OTHER_US,
 * on the heavy side: under-estimating costs a parallel speed-up, over-estimating only the
 * fixed cost. */
#define WORK_SAMPLE 128          /* evenly spaced transactions looked at */
#define WORK_LEDGER_US 3         /* native ledger: transfer, burn, create, link */
#define WORK_LIGHT_US 8          /* AMM, staking, governance, rent; a market post or claim */
#define WORK_TINY_US 4           /* a market accept, commit, settle, unbond, withdraw */
#define WORK_REVEAL_US 80        /* a reveal: the VCR's Ed25519 check, maybe TEE evidence */
#define WORK_HEAVY_US 1000       /* re-execution, module validation, zk and certificate checks */
#define WORK_NATIVE_OTHER_US 50  /* a native program not listed */
#define WORK_CONTRACT_US 20      /* a WebAssembly or EVM call */
#define WORK_SIG_US 45           /* a signature the executor still has to check */

static uint32_t jobs_work_us(uint64_t method)
{
	switch (method) {
	case SVM_JOBS_REVEAL:
	case SVM_JOBS_DISPUTE:
		return WORK_REVEAL_US;
	case SVM_JOBS_CHALLENGE:
		return WORK_HEAVY_US;
	case SVM_JOBS_POST:
	case SVM_JOBS_CLAIM:
		return WORK_LIGHT_US;
	default:
		return WORK_TINY_US;
	}
}

static uint32_t native_work_us(const svm_tx_t *tx)
{
	svm_reader_t r = svm_reader(tx->payload, tx->payload_len);
	uint64_t program, method;
	if (svm_varint_read(&r, &program) || svm_varint_read(&r, &method))
		return WORK_LEDGER_US; /* fails at decoding */
	switch (program) {
	case SVM_PROGRAM_LEDGER:
		return WORK_LEDGER_US;
	case SVM_PROGRAM_AMM:
	case SVM_PROGRAM_STAKING:
	case SVM_PROGRAM_GOV:
	case SVM_PROGRAM_RENT:
		return WORK_LIGHT_US;
	case SVM_PROGRAM_JOBS:
		return jobs_work_us(method);
	case SVM_PROGRAM_MODELS:  /* chunks hashed, modules validated */
	case SVM_PROGRAM_ATTEST:  /* certificate chains */
	case SVM_PROGRAM_DISPUTES: /* bisection steps re-run */
	case SVM_PROGRAM_CONFIDENTIAL:
	case SVM_PROGRAM_GROTH16:
		return WORK_HEAVY_US;
	default:
		return WORK_NATIVE_OTHER_US;
	}
}

static uint32_t tx_work_us(const svm_exec_tx_t *t, bool sig_pending)
{
	uint32_t sig = sig_pending ? WORK_SIG_US : 0;
	if (t->precheck) return sig; /* excluded before it runs */
	return sig + (t->tx.vm == SVM_VM_NATIVE ? native_work_us(&t->tx) : WORK_CONTRACT_US);
}

uint64_t exec_block_work_us(const svm_exec_tx_t *txs, const uint8_t *pending, size_t n)
{
	size_t s = n < WORK_SAMPLE ? n : WORK_SAMPLE;
	uint64_t sum = 0;
	for (size_t i = 0; i < s; i++) {
		size_t j = i * n / s;
		SVM_ASSERT(j < n);
		sum += tx_work_us(&txs[j], pending && pending[j]);
	}
	SVM_ASSERT(sum <= (uint64_t)s * (WORK_HEAVY_US + WORK_SIG_US));
	return s ? sum * n / s : 0; /* < 2^11 · 2^7 · n: no overflow for any block */
}

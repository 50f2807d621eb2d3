/* Stateless transaction checks before execution: decoding, chain id, and the signature (the
 * dominant cost), all on several threads. Decoding allocates (the declared id lists), and the
 * caller's arena is single-threaded, so each worker decodes into an arena of its own, which
 * the caller's arena then takes over whole (svm_arena_adopt: nothing is copied). Results do
 * not depend on the thread count. svm_exec_block_signed defers the signature checks to the executor, which
 * runs them alongside execution (exec_verify_*, below). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "exec/aoem.h"
#include "supervm/evm.h"

#define PREP_CHUNK 64
#define PREP_SCRATCH_MAX (256u << 20) /* per worker: the id lists of one block's transactions */
#define VERIFY_BATCH 8 /* signature checks claimed at once by an executor worker (~0.4 ms) */

typedef struct {
	uint64_t chain_id;
	const uint8_t *const *txs;
	const size_t *lens;
	const bool *sig_verified;
	uint8_t *pending; /* not NULL: leave signatures unchecked, marking them here */
	size_t n;
	svm_exec_tx_t *out;
	svm_arena_t *scratch; /* [threads] */
	_Atomic size_t next;
	atomic_int rc;
} prep_t;

static void prep_one(prep_t *p, svm_arena_t *scratch, size_t i)
{
	SVM_ASSERT(i < p->n);
	svm_exec_tx_t *t = &p->out[i];
	memset(t, 0, sizeof(*t));
	t->bytes = p->txs[i];
	t->len = p->lens[i];
	int rc = svm_tx_decode_any(p->txs[i], p->lens[i], scratch, &t->tx, &t->id, NULL);
	if (rc == SVM_ENOMEM) {
		atomic_store(&p->rc, rc);
		return;
	}
	if (rc) t->precheck = SVM_EDECODE;
	else if (t->tx.chain_id != p->chain_id) t->precheck = SVM_ECHAIN;
	SVM_ASSERT(t->precheck <= 0); /* 0 or an SVM_E… code */
	bool check = t->precheck == 0 && !(p->sig_verified && p->sig_verified[i]);
	if (p->pending) p->pending[i] = check;
	else if (check) t->precheck = svm_tx_verify_any(&t->tx, &t->id);
}

static void prep_worker(void *arg, unsigned worker)
{
	prep_t *p = arg;
	for (;;) {
		size_t start = atomic_fetch_add(&p->next, PREP_CHUNK);
		if (start >= p->n) return;
		size_t end = start + PREP_CHUNK < p->n ? start + PREP_CHUNK : p->n;
		for (size_t i = start; i < end; i++) prep_one(p, &p->scratch[worker], i);
	}
}

static int prepare(uint64_t chain_id, const uint8_t *const *txs, const size_t *lens, size_t n,
		   const bool *sig_verified, uint8_t *pending, unsigned threads, svm_arena_t *arena,
		   svm_exec_tx_t *out)
{
	if (threads == 0) threads = 1;
	if (threads > SVM_POOL_THREADS_MAX) threads = SVM_POOL_THREADS_MAX;
	if ((size_t)threads * PREP_CHUNK > n) threads = (unsigned)((n + PREP_CHUNK - 1) / PREP_CHUNK);
	if (threads == 0) return 0;
	/* every worker has a chunk to take */
	SVM_ASSERT(threads <= SVM_POOL_THREADS_MAX && (size_t)(threads - 1) * PREP_CHUNK < n);
	svm_arena_t scratch[SVM_POOL_THREADS_MAX];
	for (unsigned w = 0; w < threads; w++) svm_arena_init(&scratch[w], PREP_SCRATCH_MAX);
	prep_t p = {.chain_id = chain_id, .txs = txs, .lens = lens, .sig_verified = sig_verified,
		    .pending = pending, .n = n, .out = out, .scratch = scratch};
	atomic_init(&p.next, 0);
	atomic_init(&p.rc, 0);
	int rc = svm_par_run(threads, prep_worker, &p);
	if (rc == 0) rc = atomic_load(&p.rc);
	SVM_ASSERT(rc != 0 || atomic_load(&p.next) >= n); /* the chunks claimed covered the block */
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (out[i].precheck == SVM_EDECODE) /* nothing of a failed decode is used */
			memset(&out[i].tx, 0, sizeof(out[i].tx));
	/* the decoded lists stay where they are: the caller's arena takes the workers' memory */
	for (unsigned w = 0; w < threads; w++) {
		if (rc == 0) svm_arena_adopt(arena, &scratch[w]);
		svm_arena_reset(&scratch[w]);
	}
	return rc;
}

int svm_exec_prepare(uint64_t chain_id, const uint8_t *const *txs, const size_t *lens, size_t n,
		     const bool *sig_verified, unsigned threads, svm_arena_t *arena, svm_exec_tx_t *out)
{
	return prepare(chain_id, txs, lens, n, sig_verified, NULL, threads, arena, out);
}

/* ------------------------------------------------- deferred signature checks */

int exec_verify_init(exec_block_t *b, svm_exec_tx_t *txs, const uint8_t *pending)
{
	b->vtx = txs;
	b->vpending = pending;
	b->vbatches = (b->n + VERIFY_BATCH - 1) / VERIFY_BATCH;
	/* the batches cover the block, and none is empty */
	SVM_ASSERT(b->vbatches * VERIFY_BATCH >= b->n &&
		   (b->vbatches == 0 || (b->vbatches - 1) * VERIFY_BATCH < b->n));
	b->vdone = svm_calloc(b->vbatches ? b->vbatches : 1, sizeof(*b->vdone));
	atomic_init(&b->vnext, 0);
	return b->vdone ? 0 : SVM_ENOMEM;
}

void exec_verify_free(exec_block_t *b)
{
	svm_free(b->vdone);
	b->vdone = NULL;
}

bool exec_verify_left(const exec_block_t *b)
{
	return b->vtx && atomic_load_explicit(&b->vnext, memory_order_relaxed) < b->vbatches;
}

bool exec_verify_step(exec_block_t *b)
{
	if (!exec_verify_left(b)) return false;
	size_t v = atomic_fetch_add_explicit(&b->vnext, 1, memory_order_relaxed);
	if (v >= b->vbatches) return false;
	size_t end = (v + 1) * VERIFY_BATCH < b->n ? (v + 1) * VERIFY_BATCH : b->n;
	SVM_ASSERT(v * VERIFY_BATCH < end && end <= b->n);
	/* a batch is claimed once (fetch_add), so done only once */
	SVM_ASSERT(!atomic_load_explicit(&b->vdone[v], memory_order_relaxed));
	for (size_t i = v * VERIFY_BATCH; i < end; i++)
		if (b->vpending[i]) b->vtx[i].precheck = svm_tx_verify_any(&b->vtx[i].tx, &b->vtx[i].id);
	atomic_store_explicit(&b->vdone[v], true, memory_order_release);
	return true;
}

bool exec_verified(const exec_block_t *b, size_t from, size_t to)
{
	if (b->vtx == NULL || from >= to) return true;
	SVM_ASSERT(to <= b->n);
	for (size_t v = from / VERIFY_BATCH; v <= (to - 1) / VERIFY_BATCH; v++)
		if (!atomic_load_explicit(&b->vdone[v], memory_order_acquire)) return false;
	return true;
}

static void verify_worker(void *arg, unsigned worker)
{
	exec_block_t *b = arg;
	while (exec_verify_step(b)) {}
}

int exec_verify_all(exec_block_t *b)
{
	if (!exec_verify_left(b)) return 0;
	/* a batch claimed by an earlier call was finished before that call's workers returned */
	int rc = svm_par_run(b->threads, verify_worker, b);
	SVM_ASSERT(rc != 0 || !exec_verify_left(b)); /* every batch claimed */
	return rc;
}

int svm_exec_block_signed(const svm_block_env_t *env, const uint8_t *const *txs,
			  const size_t *lens, size_t n, const bool *sig_verified,
			  svm_exec_mode_t mode, const svm_exec_base_t *base, unsigned threads,
			  svm_arena_t *arena, svm_exec_tx_t *prepared, svm_exec_result_t *out,
			  size_t *bad_index, svm_exec_metrics_t *metrics)
{
	if (threads == 0) threads = svm_cpu_count();
	if (threads > SVM_POOL_THREADS_MAX) threads = SVM_POOL_THREADS_MAX;
	uint8_t *pending = svm_arena_alloc(arena, n ? n : 1);
	if (pending == NULL) return SVM_ENOMEM;
	uint64_t t0 = svm_clock_ns();
	int rc = prepare(env->chain_id, txs, lens, n, sig_verified, pending, threads, arena, prepared);
	uint64_t decode_ns = svm_clock_ns() - t0;
	if (rc == 0)
		rc = exec_block_run(env, prepared, pending, n, mode, base, threads, arena, out, bad_index,
				    metrics);
	if (metrics) metrics->decode_ns = decode_ns;
	return rc;
}

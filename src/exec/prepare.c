/* Stateless transaction checks before execution: decoding, chain id, and the signature (the
 * dominant cost), all on several threads. Decoding allocates (the declared id lists), and the
 * caller's arena is single-threaded, so each worker decodes into an arena of its own and the
 * few lists are copied into the caller's arena afterwards, in order. Results do not depend on
 * the thread count. */
#include <stdatomic.h>
#include <string.h>

#include "supervm/exec.h"

#define PREP_CHUNK 64
#define PREP_SCRATCH_MAX (256u << 20) /* per worker: the id lists of one block's transactions */

typedef struct {
	uint64_t chain_id;
	const uint8_t *const *txs;
	const size_t *lens;
	const bool *sig_verified;
	size_t n;
	svm_exec_tx_t *out;
	svm_arena_t *scratch; /* [threads] */
	_Atomic size_t next;
	atomic_int rc;
} prep_t;

static void prep_one(prep_t *p, svm_arena_t *scratch, size_t i)
{
	svm_exec_tx_t *t = &p->out[i];
	memset(t, 0, sizeof(*t));
	t->bytes = p->txs[i];
	t->len = p->lens[i];
	int rc = svm_tx_decode(p->txs[i], p->lens[i], scratch, &t->tx, &t->id, NULL);
	if (rc == SVM_ENOMEM) {
		atomic_store(&p->rc, rc);
		return;
	}
	if (rc) t->precheck = SVM_EDECODE;
	else if (t->tx.chain_id != p->chain_id) t->precheck = SVM_ECHAIN;
	if (t->precheck == 0 && !(p->sig_verified && p->sig_verified[i]))
		t->precheck = svm_tx_verify(&t->tx, &t->id);
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

/* Moves one decoded list from a worker's arena into the caller's. */
static int own(svm_arena_t *arena, const void **list, uint32_t len, size_t elem)
{
	if (len == 0) return 0;
	void *copy = svm_arena_dup(arena, *list, (size_t)len * elem);
	if (copy == NULL) return SVM_ENOMEM;
	*list = copy;
	return 0;
}

int svm_exec_prepare(uint64_t chain_id, const uint8_t *const *txs, const size_t *lens, size_t n,
		     const bool *sig_verified, unsigned threads, svm_arena_t *arena, svm_exec_tx_t *out)
{
	if (threads == 0) threads = 1;
	if (threads > SVM_POOL_THREADS_MAX) threads = SVM_POOL_THREADS_MAX;
	if ((size_t)threads * PREP_CHUNK > n) threads = (unsigned)((n + PREP_CHUNK - 1) / PREP_CHUNK);
	if (threads == 0) return 0;
	svm_arena_t scratch[SVM_POOL_THREADS_MAX];
	for (unsigned w = 0; w < threads; w++) svm_arena_init(&scratch[w], PREP_SCRATCH_MAX);
	prep_t p = {.chain_id = chain_id, .txs = txs, .lens = lens, .sig_verified = sig_verified,
		    .n = n, .out = out, .scratch = scratch};
	atomic_init(&p.next, 0);
	atomic_init(&p.rc, 0);
	int rc = svm_par_run(threads, prep_worker, &p);
	if (rc == 0) rc = atomic_load(&p.rc);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		svm_tx_t *tx = &out[i].tx;
		if (out[i].precheck == SVM_EDECODE) { /* nothing of a failed decode is used */
			memset(tx, 0, sizeof(*tx));
			continue;
		}
		rc = own(arena, (const void **)&tx->inputs, tx->inputs_len, sizeof(*tx->inputs));
		if (rc == 0) rc = own(arena, (const void **)&tx->reads, tx->reads_len, sizeof(*tx->reads));
		if (rc == 0) rc = own(arena, (const void **)&tx->writes, tx->writes_len, sizeof(*tx->writes));
	}
	for (unsigned w = 0; w < threads; w++) svm_arena_reset(&scratch[w]);
	return rc;
}

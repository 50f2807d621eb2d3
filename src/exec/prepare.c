/* Stateless transaction checks before execution: decoding, chain id, and the signature (the
 * dominant cost), verified on several threads. Results do not depend on the thread count. */
#include <stdatomic.h>
#include <string.h>

#include "supervm/exec.h"

typedef struct {
	uint64_t chain_id;
	const uint8_t *const *txs;
	const size_t *lens;
	const bool *sig_verified;
	size_t n;
	svm_exec_tx_t *out;
	_Atomic size_t next;
} prep_t;

#define PREP_CHUNK 64

static void prep_worker(void *arg, unsigned worker)
{
	prep_t *p = arg;
	for (;;) {
		size_t start = atomic_fetch_add(&p->next, PREP_CHUNK);
		if (start >= p->n) return;
		size_t end = start + PREP_CHUNK < p->n ? start + PREP_CHUNK : p->n;
		for (size_t i = start; i < end; i++) {
			svm_exec_tx_t *t = &p->out[i];
			if (t->precheck == 0 && !(p->sig_verified && p->sig_verified[i]))
				t->precheck = svm_tx_verify(&t->tx, &t->id);
		}
	}
}

int svm_exec_prepare(uint64_t chain_id, const uint8_t *const *txs, const size_t *lens, size_t n,
		     const bool *sig_verified, unsigned threads, svm_arena_t *arena, svm_exec_tx_t *out)
{
	/* Decoding allocates from the arena, which is single-threaded: decode here, verify in
	 * parallel. */
	for (size_t i = 0; i < n; i++) {
		svm_exec_tx_t *t = &out[i];
		memset(t, 0, sizeof(*t));
		t->bytes = txs[i];
		t->len = lens[i];
		int rc = svm_tx_decode(txs[i], lens[i], arena, &t->tx, &t->id, NULL);
		if (rc == SVM_ENOMEM) return rc;
		if (rc) t->precheck = SVM_EDECODE;
		else if (t->tx.chain_id != chain_id) t->precheck = SVM_ECHAIN;
	}
	if (threads == 0) threads = 1;
	if (threads > SVM_POOL_THREADS_MAX) threads = SVM_POOL_THREADS_MAX;
	if ((size_t)threads * PREP_CHUNK > n) threads = (unsigned)((n + PREP_CHUNK - 1) / PREP_CHUNK);
	if (threads == 0) return 0;
	prep_t p = {.chain_id = chain_id, .txs = txs, .lens = lens, .sig_verified = sig_verified,
		    .n = n, .out = out};
	atomic_init(&p.next, 0);
	return svm_par_run(threads, prep_worker, &p);
}

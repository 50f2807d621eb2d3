/* The declared-access engine for `strict` transactions. Their access sets are complete (the
 * host fails anything undeclared), so the conflict graph is known before execution: a and b
 * (a < b) conflict when W(a) ∩ (W(b) ∪ R(b)) or W(b) ∩ R(a) is non-empty, and b then waits for
 * a. Credits are a third kind of access: a native transfer's recipient balance is only ever
 * credited, and credits commute with each other (not with reads or writes), so many transfers
 * to one account run in parallel and their deltas are folded when the segment ends.
 *
 * Phases, overlapped: all workers compute access lists (object ids hashed, keys looked up) in
 * chunks; worker 0 then builds the graph in block order and releases each transaction when its
 * predecessors are done, while the other workers already execute released ones. A finishing
 * transaction keeps one newly released successor for itself (its keys are warm) and queues
 * the rest. Each transaction executes exactly once. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "exec/aoem.h"

#define CHUNK 256
#define FANIN_MAX 8 /* past this many readers/crediters to depend on, an access counts as a write */

enum { A_R = 1, A_D = 2, A_W = 4 };

typedef struct dnode {
	uint32_t tx;
	struct dnode *next;
} dnode_t;

typedef struct {
	akey_t *k;
	uint8_t cls;
} access_t;

typedef struct {
	pthread_mutex_t mu;
	bool done;
	dnode_t *succ;
	_Atomic uint32_t pending; /* unfinished predecessors + 1 until the builder is through */
	access_t *acc;
	uint32_t nacc;
	akey_t *dkey;
} dtx_t;

typedef struct {
	exec_block_t *b;
	size_t from, m;
	dtx_t *t;
	size_t chunks;
	_Atomic size_t chunk_next;
	atomic_bool *chunk_done;
	atomic_bool built;
	_Atomic size_t finished;
	pthread_mutex_t qmu;
	uint32_t *queue;
	size_t qhead, qtail;
	uint32_t *seen; /* builder: seen[p] = j + 1 when p is already a predecessor of j */
} dag_t;

/* ------------------------------------------------------- access lists */

static bool in_sorted(const svm_id_t *ids, uint32_t n, const svm_id_t *id)
{
	for (uint32_t lo = 0, hi = n; lo < hi;) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = svm_hash_cmp(&ids[mid], id);
		if (c == 0) return true;
		if (c < 0) lo = mid + 1;
		else hi = mid;
	}
	return false;
}

static bool in_inputs(const svm_tx_t *tx, const svm_id_t *id)
{
	for (uint32_t i = 0; i < tx->inputs_len; i++)
		if (svm_hash_eq(&tx->inputs[i].id, id)) return true;
	return false;
}

/* The balance a native ledger transfer only credits (its recipient's), if the payload is one
 * and the declaration lets it be credit-only. */
static bool credit_only(const svm_tx_t *tx, svm_id_t *out)
{
	if (tx->vm != SVM_VM_NATIVE) return false;
	svm_reader_t r = svm_reader(tx->payload, tx->payload_len);
	uint64_t program, method, amount;
	svm_id_t token, to;
	if (svm_varint_read(&r, &program) || program != SVM_PROGRAM_LEDGER ||
	    svm_varint_read(&r, &method) || method != SVM_LEDGER_TRANSFER ||
	    svm_reader_copy(&r, token.b, SVM_HASH_SIZE) || svm_reader_copy(&r, to.b, SVM_HASH_SIZE) ||
	    svm_varint_read(&r, &amount) || svm_reader_left(&r) || svm_hash_eq(&to, &tx->sender))
		return false;
	svm_balance_id(&token, &to, out);
	return in_sorted(tx->writes, tx->writes_len, out) && !in_inputs(tx, out) &&
	       !in_sorted(tx->reads, tx->reads_len, out);
}

static int add_access(dag_t *d, unsigned worker, dtx_t *t, const svm_id_t *id, uint8_t cls)
{
	akey_t *k = exec_key(d->b, worker, id);
	if (k == NULL) return SVM_ELIMIT;
	t->acc[t->nacc++] = (access_t){k, cls};
	return 0;
}

static int accesses(dag_t *d, unsigned worker, size_t j)
{
	const svm_exec_tx_t *et = &d->b->txs[d->from + j];
	dtx_t *t = &d->t[j];
	if (et->precheck) return 0; /* excluded before reading anything */
	const svm_tx_t *tx = &et->tx;
	t->acc = exec_scratch(d->b, worker,
			      (2 + tx->inputs_len + tx->reads_len + tx->writes_len) * sizeof(access_t));
	if (t->acc == NULL) return SVM_ENOMEM;
	svm_id_t id, credit;
	bool has_credit = credit_only(tx, &credit);
	svm_account_id(&tx->sender, &id);
	int rc = add_access(d, worker, t, &id, A_W);
	svm_balance_id(&d->b->env->fee_token, &tx->sender, &id);
	if (rc == 0) rc = add_access(d, worker, t, &id, A_W);
	for (uint32_t i = 0; rc == 0 && i < tx->inputs_len; i++)
		rc = add_access(d, worker, t, &tx->inputs[i].id, A_W);
	for (uint32_t i = 0; rc == 0 && i < tx->reads_len; i++)
		rc = add_access(d, worker, t, &tx->reads[i], A_R);
	for (uint32_t i = 0; rc == 0 && i < tx->writes_len; i++) {
		bool c = has_credit && svm_hash_eq(&tx->writes[i], &credit);
		rc = add_access(d, worker, t, &tx->writes[i], c ? A_D : A_W);
		if (rc == 0 && c) t->dkey = t->acc[t->nacc - 1].k;
	}
	return rc;
}

/* Claims chunks of access-list work until none is left. */
static int do_chunks(dag_t *d, unsigned worker)
{
	for (;;) {
		size_t c = atomic_fetch_add(&d->chunk_next, 1);
		if (c >= d->chunks) return 0;
		size_t end = (c + 1) * CHUNK < d->m ? (c + 1) * CHUNK : d->m;
		for (size_t j = c * CHUNK; j < end; j++) {
			int rc = accesses(d, worker, j);
			if (rc) return rc;
		}
		atomic_store_explicit(&d->chunk_done[c], true, memory_order_release);
	}
}

/* ------------------------------------------------------------- graph */

static void push_ready(dag_t *d, uint32_t j)
{
	pthread_mutex_lock(&d->qmu);
	d->queue[d->qtail++] = j; /* each transaction is released once: m slots suffice */
	pthread_mutex_unlock(&d->qmu);
}

static bool pop_ready(dag_t *d, uint32_t *j)
{
	bool ok = false;
	pthread_mutex_lock(&d->qmu);
	if (d->qhead < d->qtail) {
		*j = d->queue[d->qhead++];
		ok = true;
	}
	pthread_mutex_unlock(&d->qmu);
	return ok;
}

/* Makes p a predecessor of j unless p already finished. */
static int add_edge(dag_t *d, unsigned worker, uint32_t p, uint32_t j)
{
	if (d->seen[p] == j + 1) return 0;
	d->seen[p] = j + 1;
	dnode_t *n = exec_scratch(d->b, worker, sizeof(*n));
	if (n == NULL) return SVM_ENOMEM;
	dtx_t *pt = &d->t[p];
	pthread_mutex_lock(&pt->mu);
	if (!pt->done) {
		n->tx = j;
		n->next = pt->succ;
		pt->succ = n;
		atomic_fetch_add(&d->t[j].pending, 1);
	}
	pthread_mutex_unlock(&pt->mu);
	return 0;
}

static int edges_from(dag_t *d, unsigned worker, const dnode_t *list, uint32_t j, akey_t *k)
{
	for (; list; list = list->next) {
		int rc = add_edge(d, worker, list->tx, j);
		if (rc) return rc;
		atomic_fetch_add_explicit(&k->conflicts, 1, memory_order_relaxed);
	}
	return 0;
}

static int push_node(dag_t *d, unsigned worker, dnode_t **list, uint32_t *len, uint32_t j)
{
	dnode_t *n = exec_scratch(d->b, worker, sizeof(*n));
	if (n == NULL) return SVM_ENOMEM;
	n->tx = j;
	n->next = *list;
	*list = n;
	(*len)++;
	return 0;
}

/* One access of j to k with its final class; updates k's last writer / readers / crediters. */
static int key_edges(dag_t *d, unsigned worker, uint32_t j, akey_t *k, uint8_t cls)
{
	if (cls == A_R && k->deltas_len > FANIN_MAX) cls = A_W;
	if (cls == A_D && k->readers_len > FANIN_MAX) cls = A_W;
	if (cls == A_D && d->t[j].dkey != k) cls = A_W;
	if (cls == A_W && d->t[j].dkey == k) d->t[j].dkey = NULL; /* credit by read-add-write */
	int rc = 0;
	if (k->last_w >= 0) {
		rc = add_edge(d, worker, (uint32_t)k->last_w, j);
		atomic_fetch_add_explicit(&k->conflicts, 1, memory_order_relaxed);
	}
	if (rc == 0 && cls != A_R) rc = edges_from(d, worker, k->readers, j, k);
	if (rc == 0 && cls != A_D) rc = edges_from(d, worker, k->deltas, j, k);
	if (rc) return rc;
	if (cls == A_W) {
		k->last_w = j;
		k->readers = k->deltas = NULL;
		k->readers_len = k->deltas_len = 0;
		return 0;
	}
	if (cls == A_R) return push_node(d, worker, &k->readers, &k->readers_len, j);
	return push_node(d, worker, &k->deltas, &k->deltas_len, j);
}

static int build_one(dag_t *d, unsigned worker, uint32_t j)
{
	dtx_t *t = &d->t[j];
	/* One class per key: several mentions of a key merge (read + credit = write). */
	for (uint32_t i = 0; i < t->nacc; i++) {
		akey_t *k = t->acc[i].k;
		if (k->pp_seg != d->b->seg + 1) { /* first access in this segment */
			k->pp_seg = d->b->seg + 1;
			k->last_w = -1;
			k->readers = k->deltas = NULL;
			k->readers_len = k->deltas_len = 0;
		}
		if (k->pp_tx != (int64_t)(d->from + j)) {
			k->pp_tx = (int64_t)(d->from + j);
			k->pp_cls = 0;
		}
		k->pp_cls |= t->acc[i].cls;
	}
	for (uint32_t i = 0; i < t->nacc; i++) {
		akey_t *k = t->acc[i].k;
		if (k->pp_cls == 0) continue; /* a repeated mention, already handled */
		uint8_t cls = k->pp_cls;
		cls = (cls & A_W) || cls == (A_R | A_D) ? A_W : cls;
		k->pp_cls = 0;
		int rc = key_edges(d, worker, j, k, cls);
		if (rc) return rc;
	}
	if (atomic_fetch_sub(&t->pending, 1) == 1) push_ready(d, j);
	return 0;
}

static int build(dag_t *d, unsigned worker)
{
	for (size_t j = 0; j < d->m; j++) {
		size_t c = j / CHUNK;
		while (!atomic_load_explicit(&d->chunk_done[c], memory_order_acquire)) {
			if (atomic_load(&d->b->fallback_all)) return 0;
			sched_yield();
		}
		int rc = build_one(d, worker, (uint32_t)j);
		if (rc) return rc;
	}
	atomic_store(&d->built, true);
	return 0;
}

/* ----------------------------------------------------------- execution */

/* Runs j, then releases its successors; returns one released successor to run next, or -1. */
static int64_t run_tx(dag_t *d, txview_t *v, uint32_t j)
{
	dtx_t *t = &d->t[j];
	exec_txview_begin(v, (uint32_t)(d->from + j), 0, t->dkey);
	int rc = exec_run_one(d->b, v, d->from + j);
	if (rc == 0 && v->error == 0) rc = exec_txview_apply(v);
	if (rc) exec_fall_all(d->b, FALL_INTERNAL);
	pthread_mutex_lock(&t->mu);
	t->done = true;
	dnode_t *succ = t->succ;
	t->succ = NULL;
	pthread_mutex_unlock(&t->mu);
	int64_t next = -1;
	for (; succ; succ = succ->next) {
		if (atomic_fetch_sub(&d->t[succ->tx].pending, 1) != 1) continue;
		if (next < 0) next = succ->tx;
		else push_ready(d, succ->tx);
	}
	atomic_fetch_add(&d->finished, 1);
	return next;
}

static void dag_worker(void *arg, unsigned worker)
{
	dag_t *d = arg;
	exec_block_t *b = d->b;
	int rc = do_chunks(d, worker);
	if (rc == 0 && worker == 0) rc = build(d, worker);
	if (rc) exec_fall_all(b, rc == SVM_ELIMIT ? FALL_KEYS : FALL_INTERNAL);
	txview_t v;
	exec_txview_init(&v, b, worker, SRC_DAG);
	int64_t next = -1;
	unsigned idle = 0;
	while (atomic_load(&d->finished) < d->m && !atomic_load(&b->fallback_all)) {
		uint32_t j;
		if (next >= 0) j = (uint32_t)next;
		else if (!pop_ready(d, &j)) {
			if (++idle > 64) sched_yield();
			continue;
		}
		idle = 0;
		next = run_tx(d, &v, j);
	}
	exec_txview_free(&v);
}

/* Folds the credits pending on the keys the segment touched into their committed values. */
static int fold(exec_block_t *b, unsigned worker, akey_t *k)
{
	uint64_t pend = atomic_load(&k->pend);
	if (pend == 0) return 0;
	val_t v;
	int rc = exec_key_committed(b, worker, k, &v);
	if (rc == 0) rc = exec_balance_add(b, worker, &v, pend, atomic_load(&k->ref), &v);
	if (rc) {
		exec_fall_all(b, FALL_DELTA);
		return 0;
	}
	k->cur = v;
	k->cur_set = true;
	atomic_store(&k->pend, 0);
	return 0;
}

int exec_dag_run(exec_block_t *b, size_t from, size_t to)
{
	dag_t d = {.b = b, .from = from, .m = to - from};
	d.chunks = (d.m + CHUNK - 1) / CHUNK;
	d.t = calloc(d.m ? d.m : 1, sizeof(*d.t));
	d.chunk_done = calloc(d.chunks ? d.chunks : 1, sizeof(*d.chunk_done));
	d.queue = malloc((d.m ? d.m : 1) * sizeof(*d.queue));
	d.seen = calloc(d.m ? d.m : 1, sizeof(*d.seen));
	int rc = d.t && d.chunk_done && d.queue && d.seen ? 0 : SVM_ENOMEM;
	for (size_t j = 0; rc == 0 && j < d.m; j++) {
		pthread_mutex_init(&d.t[j].mu, NULL);
		atomic_init(&d.t[j].pending, 1);
	}
	for (size_t c = 0; rc == 0 && c < d.chunks; c++) atomic_init(&d.chunk_done[c], false);
	atomic_init(&d.chunk_next, 0);
	atomic_init(&d.built, false);
	atomic_init(&d.finished, 0);
	pthread_mutex_init(&d.qmu, NULL);
	if (rc == 0) rc = svm_par_run(b->threads, dag_worker, &d);
	for (unsigned w = 0; rc == 0 && w < b->threads; w++) {
		exec_worker_t *wk = &b->w[w];
		for (size_t i = 0; i < wk->dkeys_len && rc == 0; i++) rc = fold(b, 0, wk->dkeys[i]);
		wk->dkeys_len = 0;
	}
	for (size_t j = 0; d.t && j < d.m; j++) pthread_mutex_destroy(&d.t[j].mu);
	pthread_mutex_destroy(&d.qmu);
	free(d.t);
	free(d.chunk_done);
	free(d.queue);
	free(d.seen);
	return rc;
}

/* The declared-access engine for `strict` transactions. Their access sets are complete (the
 * host fails anything undeclared), so the conflict graph is known before execution: a and b
 * (a < b) conflict when W(a) ∩ (W(b) ∪ R(b)) or W(b) ∩ R(a) is non-empty, and b then waits for
 * a. Credits are a third kind of access: a native transfer's recipient balance is only ever
 * credited, and credits commute with each other (not with reads or writes), so many transfers
 * to one account run in parallel and their deltas are folded when the segment ends.
 *
 * The phases are pipelined so that a transaction's data is still in cache from one to the
 * next: workers compute access lists (object ids hashed once, keys looked up once and later
 * handed to the transaction's view) a chunk at a time, at most AHEAD chunks ahead of the graph;
 * worker 0 adds each ready chunk to the graph in block order and publishes how far it got;
 * everyone claims batches of consecutive transactions the builder has passed (one shared
 * counter bump per batch). A claimed transaction whose predecessors are done runs at once; one
 * that still waits is left to its last predecessor, which runs it when it finishes (its
 * `pending` count holds its unfinished predecessors plus the claim token, so exactly one party
 * sees it reach zero). A finishing transaction keeps one released successor for itself (its
 * keys are warm) and queues the rest. Each transaction executes exactly once. When the
 * signature checks were left to the executor (svm_exec_block_signed), they are the work of
 * lowest priority, claimed in block order, and a chunk's access lists wait for its checks. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec/aoem.h"

#define CHUNK 128
#define CLAIM 16    /* transactions claimed per bump of the shared cursor */
#define PUBLISH 32  /* the builder publishes its progress every PUBLISH transactions */
#define AHEAD 4     /* chunks of access lists computed ahead of the builder */
#define SPINS 256   /* idle checks before a worker parks */
#define PARK_MS 2   /* a parked worker looks again after this long even unwoken */
#define FANIN_MAX 8 /* past this many readers/crediters to depend on, an access counts as a write */
#define HOT_CREDITS 4 /* a key with this many concurrent crediters gets per-worker counters */

enum { A_R = 1, A_D = 2, A_W = 4 };

typedef struct dnode {
	uint32_t tx;
	struct dnode *next;
} dnode_t;

typedef struct {
	akey_t *k;
	uint8_t cls;
} access_t;

/* A finished transaction's successor list is closed: the builder then adds no edge from it. */
#define SUCC_CLOSED ((dnode_t *)&succ_closed_)
static const dnode_t succ_closed_;

typedef struct {
	_Atomic(dnode_t *) succ; /* pushed by the builder, closed (taken) by the finisher */
	_Atomic uint32_t pending; /* unfinished predecessors + 1 (the claim token) */
	access_t *acc;
	uint32_t nacc;
	akey_t *dkey;
} dtx_t; /* acc[0] and acc[1]: the sender's account and fee balance (the implicit objects) */

/* A worker's count of finished transactions, alone on its cache line. */
typedef struct {
	_Alignas(64) _Atomic size_t n;
} wcount_t;

typedef struct {
	exec_block_t *b;
	size_t from, m;
	dtx_t *t;
	size_t chunks;
	_Atomic size_t chunk_next;
	atomic_bool *chunk_done;
	_Alignas(64) _Atomic size_t built; /* transactions whose incoming edges are all added */
	_Alignas(64) _Atomic size_t claim; /* next transaction to claim */
	_Alignas(64) _Atomic size_t queued; /* qtail - qhead, read without the lock */
	pthread_mutex_t qmu;
	/* parking: an idle worker sleeps until someone publishes work (or PARK_MS pass) */
	pthread_mutex_t park_mu;
	pthread_cond_t park_cv;
	_Alignas(64) _Atomic unsigned parked;
	_Atomic uint64_t epoch; /* bumped, under park_mu, by every notification */
	uint32_t *queue;
	size_t qhead, qtail;
	wcount_t *finished; /* [threads] */
	_Atomic unsigned fold_next; /* next part of the credited keys to fold */
	size_t build_at;            /* worker 0: the next transaction to add to the graph */
	bool built_all;             /* worker 0: the graph is complete */
	_Atomic size_t stop;        /* the first transaction found not strict (m if none yet) */
	_Atomic size_t total;       /* the segment's length once the graph is complete, else 0 */
	uint32_t *seen; /* builder: seen[p] = j + 1 when p is already a predecessor of j */
} dag_t;

/* ------------------------------------------------------- access lists */

static bool in_inputs(const svm_tx_t *tx, const svm_id_t *id)
{
	for (uint32_t i = 0; i < tx->inputs_len; i++)
		if (svm_hash_eq(&tx->inputs[i].id, id)) return true;
	return false;
}

/* The balance a native ledger transfer only credits (its recipient's), if the payload is one
 * and the declaration lets it be credit-only. A fee-token transfer touches only the implicit
 * objects and the recipient's balance, so when exactly one declared write is not implicit it
 * is taken as that balance without hashing: if it is not, the transfer fails on the
 * undeclared credit (EACCESS) and never touches it, and a read of a credit-only key sends the
 * block to the reference (txview.c) — a wrong guess cannot change a result. */
static bool credit_only(const svm_block_env_t *env, const svm_tx_t *tx, const svm_id_t implicit[2],
			svm_id_t *out)
{
	svm_id_t token, to;
	if (!exec_transfer_parse(tx, &token, &to)) return false;
	const svm_id_t *other = NULL;
	unsigned others = 0;
	for (uint32_t i = 0; svm_hash_eq(&token, &env->fee_token) && i < tx->writes_len; i++) {
		if (svm_hash_eq(&tx->writes[i], &implicit[0]) || svm_hash_eq(&tx->writes[i], &implicit[1]))
			continue;
		other = &tx->writes[i];
		others++;
	}
	if (others == 1) *out = *other;
	else svm_balance_id(&token, &to, out);
	return svm_hash_in_sorted(tx->writes, tx->writes_len, out) && !in_inputs(tx, out) &&
	       !svm_hash_in_sorted(tx->reads, tx->reads_len, out);
}

static int add_access(dag_t *d, unsigned worker, dtx_t *t, const svm_id_t *id, uint8_t cls)
{
	SVM_ASSERT(cls == A_R || cls == A_D || cls == A_W);
	akey_t *k = exec_key(d->b, worker, id);
	if (k == NULL) return SVM_ELIMIT;
	SVM_ASSERT(svm_hash_eq(&k->id, id));
	t->acc[t->nacc++] = (access_t){k, cls};
	return 0;
}

static int accesses(dag_t *d, unsigned worker, size_t j)
{
	const svm_exec_tx_t *et = &d->b->txs[d->from + j];
	dtx_t *t = &d->t[j];
	t->acc = NULL;
	t->nacc = 0;
	t->dkey = NULL;
	atomic_store_explicit(&t->succ, NULL, memory_order_relaxed); /* published by chunk_done */
	atomic_store_explicit(&t->pending, 1, memory_order_relaxed);
	if (et->precheck) return 0; /* excluded before reading anything */
	const svm_tx_t *tx = &et->tx;
	t->acc = exec_scratch(d->b, worker,
			      (2 + tx->inputs_len + tx->reads_len + tx->writes_len) * sizeof(access_t));
	if (t->acc == NULL) return SVM_ENOMEM;
	svm_id_t credit, implicit[2];
	svm_account_id(&tx->sender, &implicit[0]);
	svm_balance_id(&d->b->env->fee_token, &tx->sender, &implicit[1]);
	bool has_credit = credit_only(d->b->env, tx, implicit, &credit);
	int rc = add_access(d, worker, t, &implicit[0], A_W);
	if (rc == 0) rc = add_access(d, worker, t, &implicit[1], A_W);
	for (uint32_t i = 0; rc == 0 && i < tx->inputs_len; i++)
		rc = add_access(d, worker, t, &tx->inputs[i].id, A_W);
	for (uint32_t i = 0; rc == 0 && i < tx->reads_len; i++)
		rc = add_access(d, worker, t, &tx->reads[i], A_R);
	for (uint32_t i = 0; rc == 0 && i < tx->writes_len; i++) {
		bool c = has_credit && svm_hash_eq(&tx->writes[i], &credit);
		rc = add_access(d, worker, t, &tx->writes[i], c ? A_D : A_W);
		if (rc == 0 && c) t->dkey = t->acc[t->nacc - 1].k;
	}
	/* the list fits what was allocated for it; the implicit objects come first */
	SVM_ASSERT(rc != 0 || t->nacc == 2 + tx->inputs_len + tx->reads_len + tx->writes_len);
	SVM_ASSERT(rc != 0 || (t->acc[0].cls == A_W && t->acc[1].cls == A_W));
	return rc;
}

/* After publishing work (a chunk of access lists, graph progress, a queued or the last
 * transaction): wakes parked workers. The fence orders the publication before the read of
 * `parked`, against park()'s increment before its last look (one of the two sees the other). */
static void notify(dag_t *d)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&d->parked, memory_order_relaxed) == 0) return;
	pthread_mutex_lock(&d->park_mu);
	atomic_fetch_add_explicit(&d->epoch, 1, memory_order_relaxed);
	pthread_cond_broadcast(&d->park_cv);
	pthread_mutex_unlock(&d->park_mu);
}

/* Computes the access lists of the next chunk unless it would run more than AHEAD chunks
 * ahead of the builder (what is computed long before it runs has left the cache by then).
 * False when there is nothing to do now; *rc gets an error. */
static size_t chunk_end(const dag_t *d, size_t c)
{
	return (c + 1) * CHUNK < d->m ? (c + 1) * CHUNK : d->m;
}

/* Whether chunk c's access lists may be computed now: it is in the segment, at most AHEAD
 * chunks ahead of the builder, and its transactions' prechecks are final. */
static bool chunk_ready(dag_t *d, size_t c)
{
	return c < d->chunks && c * CHUNK < atomic_load_explicit(&d->stop, memory_order_relaxed) &&
	       c < atomic_load_explicit(&d->built, memory_order_relaxed) / CHUNK + AHEAD &&
	       exec_verified(d->b, d->from + c * CHUNK, d->from + chunk_end(d, c));
}

static bool chunk_step(dag_t *d, unsigned worker, int *rc)
{
	size_t c = atomic_load_explicit(&d->chunk_next, memory_order_relaxed);
	if (!chunk_ready(d, c)) return false;
	size_t end = chunk_end(d, c);
	SVM_ASSERT(c < d->chunks && c * CHUNK < end && end <= d->m);
	if (!atomic_compare_exchange_strong(&d->chunk_next, &c, c + 1)) return true; /* taken */
	for (size_t j = c * CHUNK; j < end && *rc == 0; j++) {
		if (!exec_is_strict(&d->b->txs[d->from + j])) { /* the segment ends before j */
			size_t s = atomic_load(&d->stop);
			while (j < s && !atomic_compare_exchange_weak(&d->stop, &s, j)) {}
			break;
		}
		*rc = accesses(d, worker, j);
	}
	atomic_store_explicit(&d->chunk_done[c], true, memory_order_release);
	notify(d);
	return true;
}

/* ------------------------------------------------------------- graph */

static void push_ready(dag_t *d, uint32_t j)
{
	pthread_mutex_lock(&d->qmu);
	SVM_ASSERT(d->qtail < d->m && j < d->m && d->qhead <= d->qtail);
	d->queue[d->qtail++] = j; /* each transaction is released once: m slots suffice */
	atomic_fetch_add_explicit(&d->queued, 1, memory_order_release);
	pthread_mutex_unlock(&d->qmu);
	notify(d);
}

static bool pop_ready(dag_t *d, uint32_t *j)
{
	if (atomic_load_explicit(&d->queued, memory_order_acquire) == 0) return false;
	bool ok = false;
	pthread_mutex_lock(&d->qmu);
	if (d->qhead < d->qtail) {
		SVM_ASSERT(d->qtail <= d->m);
		*j = d->queue[d->qhead++];
		SVM_ASSERT(*j < d->m);
		atomic_fetch_sub_explicit(&d->queued, 1, memory_order_relaxed);
		ok = true;
	}
	pthread_mutex_unlock(&d->qmu);
	return ok;
}

/* Makes p a predecessor of j unless p already finished. j's own claim token is still held
 * (claimers wait for the builder to pass j), so its count cannot reach zero here. */
static int add_edge(dag_t *d, unsigned worker, uint32_t p, uint32_t j)
{
	SVM_ASSERT(p < j && j < d->m); /* edges go forward in block order: the graph is acyclic */
	SVM_ASSERT(atomic_load_explicit(&d->t[j].pending, memory_order_relaxed) >= 1); /* the token */
	if (d->seen[p] == j + 1) return 0;
	d->seen[p] = j + 1;
	dnode_t *n = exec_scratch(d->b, worker, sizeof(*n));
	if (n == NULL) return SVM_ENOMEM;
	n->tx = j;
	atomic_fetch_add_explicit(&d->t[j].pending, 1, memory_order_relaxed);
	dtx_t *pt = &d->t[p];
	dnode_t *head = atomic_load_explicit(&pt->succ, memory_order_acquire);
	do {
		if (head == SUCC_CLOSED) { /* p finished: nothing to wait for */
			atomic_fetch_sub_explicit(&d->t[j].pending, 1, memory_order_relaxed);
			return 0;
		}
		n->next = head;
	} while (!atomic_compare_exchange_weak_explicit(&pt->succ, &head, n, memory_order_acq_rel,
							memory_order_acquire));
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
	SVM_ASSERT(*list == NULL || (*list)->tx < j); /* lists are pushed in block order */
	SVM_ASSERT((*len == 0) == (*list == NULL));
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
	SVM_ASSERT(cls == A_R || cls == A_D || cls == A_W); /* merged to one class (build_one) */
	SVM_ASSERT(k->last_w < (int32_t)j);
	/* past the fan-in bound on one side, the other side's accesses turn into writes: the two
	 * lists are never both over it */
	SVM_ASSERT(k->readers_len <= FANIN_MAX || k->deltas_len <= FANIN_MAX);
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
	SVM_ASSERT(cls != A_D || d->t[j].dkey == k); /* a credit is the transaction's one credit key */
	if (cls == A_W) {
		k->last_w = (int32_t)j;
		k->readers = k->deltas = NULL;
		k->readers_len = k->deltas_len = 0;
		return 0;
	}
	if (cls == A_R) return push_node(d, worker, &k->readers, &k->readers_len, j);
	/* before j is published: every crediter that may share the key with another worker's
	 * sees the per-worker counters (earlier ones used the record's counter; both are summed) */
	if (k->deltas_len + 1 == HOT_CREDITS && (rc = exec_pend_spread(d->b, worker, k))) return rc;
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
		if (k->pp_tx != (uint32_t)(d->from + j)) {
			k->pp_tx = (uint32_t)(d->from + j);
			k->pp_cls = 0;
		}
		k->pp_cls |= t->acc[i].cls;
	}
	for (uint32_t i = 0; i < t->nacc; i++) {
		akey_t *k = t->acc[i].k;
		if (k->pp_cls == 0) continue; /* a repeated mention, already handled */
		uint8_t cls = k->pp_cls;
		SVM_ASSERT(k->pp_tx == (uint32_t)(d->from + j) && cls <= (A_R | A_D | A_W));
		cls = (cls & A_W) || cls == (A_R | A_D) ? A_W : cls;
		k->pp_cls = 0;
		int rc = key_edges(d, worker, j, k, cls);
		if (rc) return rc;
	}
	return 0;
}

/* Worker 0 builds the graph, in block order, over the next chunk whose access lists are
 * ready, publishing its progress; false when that chunk is not ready (or all is built). */
static bool build_step(dag_t *d, unsigned worker, int *rc)
{
	size_t j = d->build_at;
	if (d->built_all || !atomic_load_explicit(&d->chunk_done[j / CHUNK], memory_order_acquire))
		return false;
	/* every chunk up to this one is done: stop is final as far as this chunk goes */
	size_t stop = atomic_load_explicit(&d->stop, memory_order_acquire);
	size_t end = (j / CHUNK + 1) * CHUNK < d->m ? (j / CHUNK + 1) * CHUNK : d->m;
	if (end > stop) end = stop;
	SVM_ASSERT(worker == 0 && j <= end && stop <= d->m); /* one builder, in block order */
	for (; j < end && *rc == 0; j++) {
		*rc = build_one(d, worker, (uint32_t)j);
		if ((j + 1) % PUBLISH == 0) {
			atomic_store_explicit(&d->built, j + 1, memory_order_release);
			notify(d);
		}
	}
	d->build_at = end;
	atomic_store_explicit(&d->built, end, memory_order_release);
	if (end == stop) {
		d->built_all = true;
		atomic_store_explicit(&d->total, stop, memory_order_release);
	}
	notify(d);
	return true;
}

/* ----------------------------------------------------------- execution */

/* Runs j, then releases its successors; returns one released successor to run next, or -1. */
static int64_t run_tx(dag_t *d, txview_t *v, uint32_t j)
{
	SVM_ASSERT(j < atomic_load_explicit(&d->built, memory_order_acquire)); /* its edges are in */
	dtx_t *t = &d->t[j];
	SVM_ASSERT(atomic_load_explicit(&t->pending, memory_order_acquire) == 0); /* all done before */
	SVM_ASSERT(atomic_load_explicit(&t->succ, memory_order_relaxed) != SUCC_CLOSED); /* once */
	exec_txview_begin(v, (uint32_t)(d->from + j), 0, t->dkey);
	int rc = 0;
	for (uint32_t i = 0; rc == 0 && i < t->nacc; i++) rc = exec_txview_seed(v, t->acc[i].k);
	svm_id_t implicit[2]; /* hashed once, by accesses() */
	if (t->nacc >= 2) {
		implicit[0] = t->acc[0].k->id;
		implicit[1] = t->acc[1].k->id;
	}
	if (rc == 0) rc = exec_run_one(d->b, v, d->from + j, t->nacc >= 2 ? implicit : NULL);
	if (rc == 0 && v->error == 0) rc = exec_txview_apply(v);
	if (rc) exec_fall_all(d->b, FALL_INTERNAL);
	dnode_t *succ = atomic_exchange_explicit(&t->succ, SUCC_CLOSED, memory_order_acq_rel);
	int64_t next = -1;
	for (; succ; succ = succ->next) {
		SVM_ASSERT(succ->tx > j && succ->tx < d->m);
		if (atomic_fetch_sub(&d->t[succ->tx].pending, 1) != 1) continue;
		if (next < 0) next = succ->tx;
		else push_ready(d, succ->tx);
	}
	return next;
}

/* Gives up the rest of a claimed batch that the builder has passed: drops each transaction's
 * claim token, queueing those that are ready (the others run when their last predecessor
 * finishes). Called when the worker goes on with a successor its last transaction released:
 * a worker that follows a dependency chain must not sit on claim tokens meanwhile, or the
 * transactions it claimed wait for it while the other workers idle (measured: the AI
 * market's reveals — a job's three reveals in a row, each provider's every twelfth — ran
 * almost entirely on one worker, the other parked, 1.06× on two threads). */
static void release_batch(dag_t *d, size_t *at, size_t end)
{
	size_t built = atomic_load_explicit(&d->built, memory_order_acquire), stop = end;
	if (stop > built) stop = built;
	for (; *at < stop; (*at)++) {
		uint32_t j = (uint32_t)*at;
		if (atomic_fetch_sub_explicit(&d->t[j].pending, 1, memory_order_acq_rel) == 1)
			push_ready(d, j);
	}
	SVM_ASSERT(*at <= end);
}

/* Claims the next batch [*at, *end) of transactions when the builder has reached it (the
 * batch may end past the builder: its transactions are taken as the builder passes them). */
static bool claim_batch(dag_t *d, size_t *at, size_t *end)
{
	size_t s = atomic_load_explicit(&d->claim, memory_order_relaxed);
	if (s >= d->m || s >= atomic_load_explicit(&d->built, memory_order_acquire)) return false;
	s = atomic_fetch_add_explicit(&d->claim, CLAIM, memory_order_relaxed);
	if (s >= d->m) return false;
	*at = s;
	*end = s + CLAIM < d->m ? s + CLAIM : d->m;
	SVM_ASSERT(*at < *end && *end - *at <= CLAIM);
	return true;
}

static bool all_finished(const dag_t *d)
{
	size_t n = 0, total = atomic_load_explicit(&d->total, memory_order_acquire);
	for (unsigned w = 0; total && w < d->b->threads; w++)
		n += atomic_load_explicit(&d->finished[w].n, memory_order_acquire);
	return total && n >= total;
}

/* Whether there is anything for worker to do (or to notice) right now. */
static bool has_work(dag_t *d, unsigned worker, size_t at, size_t end)
{
	size_t built = atomic_load_explicit(&d->built, memory_order_acquire);
	return atomic_load_explicit(&d->queued, memory_order_acquire) ||
	       (worker == 0 && !d->built_all &&
		atomic_load_explicit(&d->chunk_done[d->build_at / CHUNK], memory_order_acquire)) ||
	       (at < end && at < built) ||
	       chunk_ready(d, atomic_load_explicit(&d->chunk_next, memory_order_relaxed)) ||
	       exec_verify_left(d->b) ||
	       (at == end && atomic_load_explicit(&d->claim, memory_order_relaxed) < built) ||
	       all_finished(d) || atomic_load(&d->b->fallback_all);
}

/* Sleeps until a notification (or PARK_MS), unless work appeared meanwhile: on a machine
 * whose other load leaves this process about one core, a spinning worker would take it from
 * the one doing the work. */
static void park(dag_t *d, unsigned worker, size_t at, size_t end)
{
	atomic_fetch_add_explicit(&d->parked, 1, memory_order_seq_cst);
	uint64_t e = atomic_load_explicit(&d->epoch, memory_order_relaxed);
	if (!has_work(d, worker, at, end)) {
		pthread_mutex_lock(&d->park_mu);
		if (atomic_load_explicit(&d->epoch, memory_order_relaxed) == e) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += PARK_MS * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&d->park_cv, &d->park_mu, &ts);
		}
		pthread_mutex_unlock(&d->park_mu);
	}
	atomic_fetch_sub_explicit(&d->parked, 1, memory_order_relaxed);
}

/* One worker's loop until every transaction has finished, taking in order: a successor its
 * last transaction released, the shared queue, (worker 0) the next chunk of the graph, the
 * next claimed transaction the builder has passed, a chunk of access lists, a new claim. */
static void execute(dag_t *d, unsigned worker)
{
	exec_block_t *b = d->b;
	txview_t v;
	exec_txview_init(&v, b, worker, SRC_DAG);
	int64_t next = -1;
	size_t at = 0, end = 0, mine = 0;
	unsigned idle = 0;
	int rc = 0;
	while (rc == 0 && !atomic_load_explicit(&b->fallback_all, memory_order_relaxed)) {
		uint32_t j;
		if (next >= 0) {
			j = (uint32_t)next;
		} else if (!pop_ready(d, &j)) {
			if (worker == 0 && build_step(d, worker, &rc)) continue;
			if (at < end && at < atomic_load_explicit(&d->built, memory_order_acquire)) {
				j = (uint32_t)at++;
				/* the claim token: the last predecessor runs j if it is still waiting */
				if (atomic_fetch_sub_explicit(&d->t[j].pending, 1, memory_order_acq_rel) != 1)
					continue;
			} else {
				if (chunk_step(d, worker, &rc) || (at == end && claim_batch(d, &at, &end)))
					continue;
				if (exec_verify_step(b)) { /* deferred signatures, in block order */
					notify(d);
					continue;
				}
				if (all_finished(d)) break;
				if (++idle > SPINS) {
					park(d, worker, at, end);
					idle = 0;
				}
				continue;
			}
		}
		idle = 0;
		next = run_tx(d, &v, j);
		if (next >= 0 && at < end) release_batch(d, &at, end);
		atomic_store_explicit(&d->finished[worker].n, ++mine, memory_order_release);
		notify(d); /* a parked worker may be waiting for the last one */
	}
	if (rc) exec_fall_all(b, rc == SVM_ELIMIT ? FALL_KEYS : FALL_INTERNAL);
	exec_txview_free(&v);
}

/* Folds the credits pending on k into its committed value. */
static void fold(exec_block_t *b, unsigned worker, akey_t *k)
{
	uint64_t pend;
	if (!exec_pend_sum(b, k, &pend)) {
		exec_fall_all(b, FALL_DELTA);
		return;
	}
	if (pend == 0) return;
	SVM_ASSERT(atomic_load(&k->ref) != NULL); /* the first credit named the balance */
	val_t v;
	int rc = exec_key_committed(b, worker, k, &v);
	if (rc == 0) rc = exec_balance_add(b, worker, k, &v, pend, atomic_load(&k->ref), true, &v);
	if (rc) {
		exec_fall_all(b, rc == SVM_ENOMEM ? FALL_INTERNAL : FALL_DELTA);
		return;
	}
	k->cur = v;
	k->cur_set = true;
	k->cur_out = true;
	exec_pend_clear(b, k);
}

/* Once every transaction has finished: the credited keys (each worker's dkeys list, a key
 * possibly in several) are folded in parallel, split by key into as many parts as workers;
 * a part is claimed whole, so one key is folded by one worker. */
static void fold_parts(dag_t *d, unsigned worker)
{
	exec_block_t *b = d->b;
	for (;;) {
		unsigned part = atomic_fetch_add(&d->fold_next, 1);
		if (part >= b->threads) return;
		for (unsigned w = 0; w < b->threads; w++) {
			exec_worker_t *wk = &b->w[w];
			for (size_t i = 0; i < wk->dkeys_len; i++) {
				uint64_t h;
				memcpy(&h, wk->dkeys[i]->id.b, sizeof h);
				if (h % b->threads == part) fold(b, worker, wk->dkeys[i]);
			}
		}
	}
}


static void dag_worker(void *arg, unsigned worker)
{
	dag_t *d = arg;
	execute(d, worker);
	/* the block's last segment leaves its credits pending: the write set folds them */
	bool last = d->from + atomic_load(&d->total) == d->b->n;
	if (!last && !atomic_load(&d->b->fallback_all)) fold_parts(d, worker);
}

int exec_dag_run(exec_block_t *b, size_t from, size_t *seg_end)
{
	SVM_ASSERT(from < b->n && b->threads >= 1);
	SVM_ASSERT(b->n - from <= UINT32_MAX); /* graph nodes are u32 */
	size_t to = b->n;
	dag_t d = {.b = b, .from = from, .m = to - from};
	atomic_init(&d.stop, d.m);
	atomic_init(&d.total, 0);
	d.chunks = (d.m + CHUNK - 1) / CHUNK;
	d.t = exec_buf(EXEC_BUF_DTX, d.m * sizeof(*d.t));
	d.chunk_done = exec_buf(EXEC_BUF_CHUNKS, d.chunks * sizeof(*d.chunk_done));
	d.queue = exec_buf(EXEC_BUF_QUEUE, d.m * sizeof(*d.queue));
	d.seen = exec_buf(EXEC_BUF_SEEN, d.m * sizeof(*d.seen));
	if (d.seen) memset(d.seen, 0, d.m * sizeof(*d.seen));
	d.finished = svm_big_alloc(b->threads * sizeof(*d.finished)); /* 64-byte aligned, hooked */
	int rc = d.t && d.chunk_done && d.queue && d.seen && d.finished ? 0 : SVM_ENOMEM;
	for (unsigned w = 0; d.finished && w < b->threads; w++) atomic_init(&d.finished[w].n, 0);
	for (size_t c = 0; rc == 0 && c < d.chunks; c++) atomic_init(&d.chunk_done[c], false);
	atomic_init(&d.chunk_next, 0);
	atomic_init(&d.built, 0);
	atomic_init(&d.claim, 0);
	atomic_init(&d.queued, 0);
	atomic_init(&d.fold_next, 0);
	pthread_mutex_init(&d.qmu, NULL);
	pthread_mutex_init(&d.park_mu, NULL);
	pthread_cond_init(&d.park_cv, NULL);
	atomic_init(&d.parked, 0);
	atomic_init(&d.epoch, 0);
	if (rc == 0) rc = svm_par_run(b->threads, dag_worker, &d);
	size_t total = atomic_load(&d.total);
	SVM_ASSERT(total <= d.m);
	/* complete: every transaction of the segment ran exactly once */
	SVM_ASSERT(rc != 0 || total == 0 || atomic_load(&b->fallback_all) || all_finished(&d));
	*seg_end = total ? from + total : b->n; /* incomplete only after a fallback */
	for (unsigned w = 0; w < b->threads; w++) b->w[w].dkeys_len = 0;
	pthread_mutex_destroy(&d.qmu);
	pthread_mutex_destroy(&d.park_mu);
	pthread_cond_destroy(&d.park_cv);
	svm_big_free(d.finished, b->threads * sizeof(*d.finished));
	return rc;
}

/* The optimistic engine (Block-STM, Gelashvili et al. 2022): transactions execute speculatively
 * against the multi-version memory, record what they read, and are validated; a failed
 * validation turns the incarnation's writes into ESTIMATE markers and re-executes it, and a
 * read that meets an ESTIMATE waits for that transaction instead of reading stale data.
 * Execution and validation tasks are handed out lowest index first from two shared cursors.
 * Past SVM_EXEC_INCARNATIONS_MAX incarnations of one transaction (or an abort budget for the
 * segment), the engine stops; the prefix that still validates in order is committed and the
 * rest of the block runs sequentially — deterministic in result, only the split point varies. */
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "exec/aoem.h"

enum { ST_READY = 0, ST_EXECUTING, ST_EXECUTED, ST_ABORTING };
#define FLUSH_PAR_KEYS 1024 /* touched keys from which the commit runs on every worker */
#define FLUSH_PREFETCH 8     /* keys ahead whose records the commit asks for */
#define CLAIM_RUN 8          /* tasks a worker claims from a cursor at once (next_exec, next_valid) */
#define CLAIM_RUNS_MIN 8     /* runs per worker a segment has at least (smaller ones: shorter runs) */
enum { T_NONE = 0, T_EXEC, T_VALID };
#define NO_WORKER UINT16_MAX

typedef struct dep {
	uint32_t j;
	struct dep *next;
} dep_t;

/* What one incarnation read and wrote (immutable once published). */
typedef struct {
	uint32_t inc;
	size_t nr, nw;
	read_t *r;
	write_t *w;
} io_t;

/* A transaction's status and its published reads and writes, a cache line each: neighbouring
 * transactions run on different workers, and two of them on one line would move it between the
 * cores at every lock and publication. */
typedef struct {
	_Alignas(64) pthread_mutex_t mu;
	uint32_t inc;
	uint8_t status;
	_Atomic uint16_t worker; /* the worker that ran its last finished incarnation (NO_WORKER) */
	dep_t *deps;
	_Atomic(const io_t *) io; /* the last published incarnation's reads and writes */
} txst_t;

/* The engine's shared state, by who writes it: fields read at every step and written once or
 * never; then the scheduler's cursors, which every claim updates (one line: a worker claiming
 * tasks touches them together); then the conflict count. The count of tasks held is per worker
 * (exec_worker_t.stm_active). */
typedef struct {
	exec_block_t *b;
	size_t from, m;
	txst_t *st;
	uint64_t abort_budget;
	uint64_t incs0;       /* the workers' incarnation counts when the segment began */
	uint32_t hot_writers; /* SVM_EXEC_HOT_WRITERS_MIN, or the environment's (0: rule off) */
	size_t claim_run;     /* executions claimed at once: CLAIM_RUN, or fewer in a small segment */
	atomic_bool done, stop;
	atomic_bool hot; /* stopped on a hot key or the conflict rate */
	_Alignas(64) _Atomic size_t exec_idx, val_idx;
	_Atomic uint64_t decrease_cnt;
	/* incarnations that met an estimate or failed validation (conflict rate) */
	_Alignas(64) _Atomic uint64_t conflicts;
} stm_t;

/* Incarnations run in this segment so far (the workers' own counts, summed). */
static uint64_t incarnations(const stm_t *s)
{
	uint64_t n = 0;
	for (unsigned w = 0; w < s->b->threads; w++)
		n += atomic_load_explicit(&s->b->w[w].incarnations, memory_order_relaxed);
	SVM_ASSERT(n >= s->incs0); /* counts only grow */
	return n - s->incs0;
}

typedef struct {
	int kind;
	uint32_t j, inc;
} task_t;

static const task_t NONE = {T_NONE, 0, 0};

/* Tasks worker w holds (claimed and not finished, Block-STM's num_active_tasks split by
 * worker): only w changes its count, a load and a store on its own line instead of a
 * read-modify-write of one counter that every task moved between the cores. */
static void held(stm_t *s, unsigned w, long d)
{
	SVM_ASSERT(w < s->b->threads);
	_Atomic long *a = &s->b->w[w].stm_active;
	long now = atomic_load_explicit(a, memory_order_relaxed) + d;
	SVM_ASSERT(now >= 0); /* a worker gives back only what it claimed */
	atomic_store(a, now);
}

/* The tasks held, summed over the workers, each count read once (check_done: why a sum that is
 * not one snapshot still proves the end). */
static long active(const stm_t *s)
{
	long n = 0;
	for (unsigned w = 0; w < s->b->threads; w++) n += atomic_load(&s->b->w[w].stm_active);
	return n;
}

/* A worker's claimed tasks not started yet: executions [e, e_end) and validations [v, v_end),
 * every one counted as held. Claiming a run of a cursor with one fetch-and-add (or one
 * compare-and-swap) is the same as claiming its tasks one at a time and starting each later,
 * which Block-STM allows: a worker may be delayed for any time between its fetch-and-add and
 * the status check that starts the task (try_incarnate, claimed_valid), which is still made
 * when the task starts. It only saves a shared read-modify-write per task. */
typedef struct {
	unsigned w;
	size_t e, e_end, v, v_end;
} claims_t;

/* A claimed task with nothing to do: the worker holds one task less. */
static task_t unclaim(stm_t *s, unsigned w)
{
	held(s, w, -1);
	return NONE;
}

/* The validation task of j, claimed by worker w (counted held): j's current incarnation if it
 * is executed, otherwise NONE and the claim is given back. */
static task_t claimed_valid(stm_t *s, unsigned w, size_t j)
{
	txst_t *t = &s->st[j];
	pthread_mutex_lock(&t->mu);
	SVM_ASSERT(t->status <= ST_ABORTING);
	task_t r = {T_VALID, (uint32_t)j, t->inc};
	bool ok = t->status == ST_EXECUTED;
	pthread_mutex_unlock(&t->mu);
	return ok ? r : unclaim(s, w);
}

/* ------------------------------------------------------------- scheduler */

static void decrease_exec(stm_t *s, size_t target)
{
	size_t cur = atomic_load(&s->exec_idx);
	while (cur > target && !atomic_compare_exchange_weak(&s->exec_idx, &cur, target)) {}
	atomic_fetch_add(&s->decrease_cnt, 1);
}

static void decrease_val(stm_t *s, size_t target)
{
	size_t cur = atomic_load(&s->val_idx);
	while (cur > target && !atomic_compare_exchange_weak(&s->val_idx, &cur, target)) {}
	atomic_fetch_add(&s->decrease_cnt, 1);
}

/* Block-STM's check: both cursors past the end, no task held, and no cursor decreased since
 * the check began. The held counts are read one worker after the other, not at one instant,
 * and that still proves the end: a worker read as holding nothing that holds a task later
 * claimed it from a cursor below m, i.e. after a decrease made since the cursors were read;
 * a decrease is made by a worker holding a task, which adds to decrease_cnt before it gives
 * the task back — so either that count moved before the last read here (no end) or that worker
 * still held its task when its count was read (not zero), unless it too claimed after its read,
 * from an earlier such decrease: a chain of earlier and earlier decreases, each after the
 * cursors were read, which ends at a worker that is read holding its task. (All of it
 * sequentially consistent.) */
static void check_done(stm_t *s)
{
	uint64_t seen = atomic_load(&s->decrease_cnt);
	size_t e = atomic_load(&s->exec_idx), v = atomic_load(&s->val_idx);
	if ((e < v ? e : v) >= s->m && active(s) == 0 && seen == atomic_load(&s->decrease_cnt))
		atomic_store(&s->done, true);
}

static task_t try_incarnate(stm_t *s, unsigned w, size_t j)
{
	SVM_ASSERT(atomic_load_explicit(&s->b->w[w].stm_active, memory_order_relaxed) > 0); /* held */
	if (j < s->m) {
		txst_t *t = &s->st[j];
		pthread_mutex_lock(&t->mu);
		SVM_ASSERT(t->status <= ST_ABORTING);
		if (t->status == ST_READY) {
			t->status = ST_EXECUTING;
			task_t r = {T_EXEC, (uint32_t)j, t->inc};
			pthread_mutex_unlock(&t->mu);
			return r;
		}
		pthread_mutex_unlock(&t->mu);
	}
	return unclaim(s, w);
}

/* Whether workers claim runs: only while the segment has had no conflict, and past its first
 * SVM_EXEC_CONFLICT_WINDOW transactions (at the cursor), which are claimed one at a time, as
 * Block-STM hands them out. A chain of dependent transactions is meant to stop the engine
 * early (hot_key, conflict): a worker running a run of them in order meets fewer conflicts,
 * and the first runs' conflicts came before the hot-key rule could count its writers, which
 * left the conflict rate just under SVM_EXEC_CONFLICT_PCT while two thirds of the block was
 * executed again and again (a two-account block, test_aoem). The conflict count's line is
 * written only at conflicts: read here it stays shared. */
static bool runs_ok(const stm_t *s, size_t cursor)
{
	return cursor >= SVM_EXEC_CONFLICT_WINDOW &&
	       atomic_load_explicit(&s->conflicts, memory_order_relaxed) == 0;
}

/* The next execution: the worker's own claimed run first, else from the cursor a new run of up
 * to claim_run (one fetch-and-add; the part past the end given back at once) or one task. */
static task_t next_exec(stm_t *s, claims_t *c)
{
	if (c->e < c->e_end) {
		if (atomic_load_explicit(&s->conflicts, memory_order_relaxed) == 0)
			return try_incarnate(s, c->w, c->e++);
		/* a conflict since the claim: the run's rest goes back to the cursor (lowered to it,
		 * as after a dependency is resolved), still held while the cursor moves */
		decrease_exec(s, c->e);
		held(s, c->w, -(long)(c->e_end - c->e));
		c->e = c->e_end;
	}
	size_t at = atomic_load(&s->exec_idx);
	if (at >= s->m) {
		check_done(s);
		return NONE;
	}
	size_t k = runs_ok(s, at) ? s->claim_run : 1;
	held(s, c->w, (long)k); /* before the claim: the done check must see it held */
	size_t j = atomic_fetch_add(&s->exec_idx, k);
	if (j >= s->m) {
		held(s, c->w, -(long)k);
		return NONE;
	}
	size_t end = j + k < s->m ? j + k : s->m;
	SVM_ASSERT(j < end && end - j <= k); /* the claimed run, inside the segment */
	held(s, c->w, -(long)(j + k - end));
	c->e = j + 1;
	c->e_end = end;
	return try_incarnate(s, c->w, j);
}

/* The next validation: the worker's own claimed run first, else the cursor's, with (runs_ok)
 * the run behind it that this worker executed last (up to claim_run, one compare-and-swap); if
 * another worker moves the cursor meanwhile, the one task a fetch-and-add hands out. */
static task_t next_valid(stm_t *s, claims_t *c)
{
	if (c->v < c->v_end) return claimed_valid(s, c->w, c->v++);
	size_t j = atomic_load(&s->val_idx);
	if (j >= s->m) {
		check_done(s);
		return NONE;
	}
	size_t e = atomic_load(&s->exec_idx), k = 1;
	while (runs_ok(s, j) && k < s->claim_run && j + k < s->m && j + k < e &&
	       atomic_load_explicit(&s->st[j + k].worker, memory_order_relaxed) == c->w)
		k++;
	SVM_ASSERT(k >= 1 && k <= s->claim_run && j + k <= s->m);
	held(s, c->w, (long)k);
	if (!atomic_compare_exchange_strong(&s->val_idx, &j, j + k)) {
		held(s, c->w, 1 - (long)k);
		j = atomic_fetch_add(&s->val_idx, 1);
		return j < s->m ? claimed_valid(s, c->w, j) : unclaim(s, c->w);
	}
	c->v = j + 1;
	c->v_end = j + k;
	return claimed_valid(s, c->w, j);
}

/* next_valid, only if the validation cursor is at j: claims the task next_valid would hand out
 * when its fetch-and-add returned j. The worker that has just executed j calls it, so j's
 * validation reads the records, values and version entries that worker wrote, in its own cache;
 * by any other worker each of those lines (~30 a transfer) would move between the cores. */
static task_t next_valid_at(stm_t *s, unsigned w, size_t j)
{
	if (j >= s->m || atomic_load(&s->val_idx) != j) return NONE;
	held(s, w, 1);
	size_t at = j;
	return atomic_compare_exchange_strong(&s->val_idx, &at, j + 1) ? claimed_valid(s, w, j)
									 : unclaim(s, w);
}

/* Whether the transaction at the validation cursor was last executed by another worker. */
static bool executed_elsewhere(const stm_t *s, size_t v, unsigned worker)
{
	if (v >= s->m) return false;
	unsigned w = atomic_load_explicit(&s->st[v].worker, memory_order_relaxed);
	return w != NO_WORKER && w != worker;
}

/* The worker's claimed runs first (validations, then executions). Then validation first, as in
 * Block-STM, but a validation another worker's execution left is left to that worker while
 * transactions remain to execute: it takes it after its next execution (next_task, or
 * next_valid_at), reading what it wrote from its own cache. Which task a worker claims next
 * changes only the order of the work, never a result: every task still comes from the two
 * cursors, and the last executions leave every validation to whoever is free. */
static task_t next_task(stm_t *s, claims_t *c)
{
	SVM_ASSERT(c->e <= c->e_end && c->v <= c->v_end && c->e_end <= s->m && c->v_end <= s->m);
	if (c->v < c->v_end) return next_valid(s, c);
	if (c->e < c->e_end) return next_exec(s, c);
	size_t v = atomic_load(&s->val_idx), e = atomic_load(&s->exec_idx);
	if (v < e && !(e < s->m && executed_elsewhere(s, v, c->w))) {
		task_t t = next_valid(s, c);
		if (t.kind) return t;
	}
	return next_exec(s, c);
}

/* j waits for blocking (< j); false if blocking already finished (re-run j at once). */
static bool add_dependency(stm_t *s, unsigned worker, size_t j, size_t blocking)
{
	SVM_ASSERT(blocking < j && j < s->m); /* a read only meets estimates of lower transactions */
	txst_t *bt = &s->st[blocking], *jt = &s->st[j];
	dep_t *d = svm_arena_alloc(&s->b->w[worker].scratch, sizeof(*d));
	if (d == NULL) return false;
	pthread_mutex_lock(&bt->mu);
	if (bt->status == ST_EXECUTED) {
		pthread_mutex_unlock(&bt->mu);
		return false;
	}
	pthread_mutex_lock(&jt->mu);
	SVM_ASSERT(jt->status == ST_EXECUTING); /* j is running on this worker */
	jt->status = ST_ABORTING;
	pthread_mutex_unlock(&jt->mu);
	d->j = (uint32_t)j;
	d->next = bt->deps;
	bt->deps = d;
	pthread_mutex_unlock(&bt->mu);
	held(s, worker, -1);
	return true;
}

static void set_ready(stm_t *s, size_t j)
{
	SVM_ASSERT(j < s->m);
	txst_t *t = &s->st[j];
	pthread_mutex_lock(&t->mu);
	SVM_ASSERT(t->status == ST_ABORTING); /* only an aborted incarnation is re-armed */
	t->inc++;
	t->status = ST_READY;
	uint32_t inc = t->inc;
	pthread_mutex_unlock(&t->mu);
	atomic_fetch_add(&s->b->reexecutions, 1);
	if (inc >= SVM_EXEC_INCARNATIONS_MAX) atomic_store(&s->stop, true);
}

static task_t finish_execution(stm_t *s, unsigned worker, size_t j, uint32_t inc, bool wrote_new)
{
	SVM_ASSERT(j < s->m && worker < NO_WORKER);
	txst_t *t = &s->st[j];
	pthread_mutex_lock(&t->mu);
	SVM_ASSERT(t->status == ST_EXECUTING && t->inc == inc);
	t->status = ST_EXECUTED;
	atomic_store_explicit(&t->worker, (uint16_t)worker, memory_order_relaxed);
	dep_t *deps = t->deps;
	t->deps = NULL;
	pthread_mutex_unlock(&t->mu);
	size_t min_dep = s->m;
	for (dep_t *d = deps; d; d = d->next) {
		SVM_ASSERT(d->j > j && d->j < s->m); /* only higher transactions wait for j */
		set_ready(s, d->j);
		if (d->j < min_dep) min_dep = d->j;
	}
	if (min_dep < s->m) decrease_exec(s, min_dep);
	if (atomic_load(&s->val_idx) > j) {
		if (!wrote_new) return (task_t){T_VALID, (uint32_t)j, inc};
		decrease_val(s, j);
	}
	return unclaim(s, worker);
}

static bool try_validation_abort(stm_t *s, size_t j, uint32_t inc)
{
	SVM_ASSERT(j < s->m);
	txst_t *t = &s->st[j];
	pthread_mutex_lock(&t->mu);
	SVM_ASSERT(t->inc >= inc); /* incarnations only grow */
	bool ok = t->inc == inc && t->status == ST_EXECUTED;
	if (ok) t->status = ST_ABORTING;
	pthread_mutex_unlock(&t->mu);
	return ok;
}

static task_t finish_validation(stm_t *s, unsigned w, size_t j, bool aborted)
{
	if (aborted) {
		set_ready(s, j);
		decrease_val(s, j + 1);
		if (atomic_load(&s->exec_idx) > j) {
			task_t t = try_incarnate(s, w, j);
			if (t.kind) return t;
			return NONE; /* try_incarnate released the task */
		}
	}
	return unclaim(s, w);
}

/* -------------------------------------------------------------- executor */

/* A conflict (an incarnation met an estimate or failed validation). Once the segment has run
 * SVM_EXEC_CONFLICT_WINDOW incarnations, a conflict rate above SVM_EXEC_CONFLICT_PCT stops the
 * engine: on a hot block (every transaction writes one object) the workers would mostly wait
 * for each other and re-execute, so the committed prefix stays and the rest runs sequentially,
 * at about the reference's cost. Judged at conflicts only: a rate that is not rising needs no
 * look. */
static void conflict(stm_t *s)
{
	uint64_t c = atomic_fetch_add_explicit(&s->conflicts, 1, memory_order_relaxed) + 1;
	uint64_t n = incarnations(s);
	if (n >= SVM_EXEC_CONFLICT_WINDOW && c * 100 > n * SVM_EXEC_CONFLICT_PCT) {
		atomic_store(&s->hot, true);
		atomic_store(&s->stop, true);
	}
}

/* SVM_EXEC_HOT_WRITERS=N (a decimal ≤ 2^20; 0 turns the rule off), else
 * SVM_EXEC_HOT_WRITERS_MIN: the tests run the rule at several thresholds and off. */
static uint32_t hot_writers_min(void)
{
	const char *e = getenv("SVM_EXEC_HOT_WRITERS");
	if (e == NULL || *e == 0) return SVM_EXEC_HOT_WRITERS_MIN;
	char *end;
	unsigned long v = strtoul(e, &end, 10);
	return *end == 0 && v <= (1ul << 20) ? (uint32_t)v : SVM_EXEC_HOT_WRITERS_MIN;
}

/* A key whose value SVM_EXEC_HOT_WRITERS_MIN or more transactions of the segment wrote, more than
 * one incarnation in SVM_EXEC_HOT_WRITERS_SHARE: the block is (nearly) one chain through it
 * (every ERC-20 transfer to one holder writes the holder's balance slot), so each transaction
 * would wait for or re-execute after the one below it. The engine stops as on its conflict rate
 * (committed prefix, then sequential), but after a handful of transactions instead of a window
 * of incarnations, and whatever the threads' timing did: the count is of the block's writes, not
 * of conflicts, which a descheduled worker never causes. Credits and other deltas commute and
 * are not counted. Timing decides only where the engine stops, never a result. */
static void hot_key(stm_t *s, uint32_t writers)
{
	if (s->hot_writers == 0 || writers < s->hot_writers) return;
	uint64_t n = incarnations(s);
	if ((uint64_t)writers * SVM_EXEC_HOT_WRITERS_SHARE > n) {
		atomic_store(&s->hot, true);
		atomic_store(&s->stop, true);
	}
}

static bool same_read(const read_t *r, const mv_read_t *now)
{
	switch (r->kind) {
	case RD_STORAGE:
		return now->kind == MVR_STORAGE;
	case RD_VERSION:
		return now->kind == MVR_VERSION && now->tx == r->tx && now->inc == r->inc;
	default: /* the same bytes: a record's resolution has no amount that says it all */
		return now->kind == MVR_RESOLVED && now->amount == r->amount &&
		       now->v.len == r->rv.len &&
		       (r->rv.len == 0 || memcmp(now->v.bytes, r->rv.bytes, r->rv.len) == 0);
	}
}

static bool validate(stm_t *s, unsigned worker, size_t j)
{
	SVM_ASSERT(j < s->m);
	const io_t *io = atomic_load_explicit(&s->st[j].io, memory_order_acquire);
	if (io == NULL) return false;
	exec_count(&s->b->w[worker].validations);
	for (size_t i = 0; i < io->nr; i++) {
		SVM_ASSERT(io->r[i].k != NULL);
		SVM_ASSERT(io->r[i].kind >= RD_STORAGE && io->r[i].kind <= RD_RESOLVED);
		mv_read_t now;
		const read_t *r = &io->r[i];
		int rc = r->probe ? exec_mv_probe(s->b, worker, r->k, (uint32_t)(s->from + j), &now)
				  : exec_mv_read(s->b, worker, r->k, (uint32_t)(s->from + j), &now);
		if (rc || !same_read(r, &now)) {
			atomic_fetch_add(&io->r[i].k->conflicts, 1);
			return false;
		}
	}
	return true;
}

/* Publishes the incarnation's reads and writes; true if it wrote a key the previous one did
 * not (then higher transactions must be validated again). */
static int record(stm_t *s, txview_t *v, size_t j, uint32_t inc, bool *wrote_new)
{
	exec_block_t *b = s->b;
	io_t *io = exec_scratch(b, v->worker, sizeof(*io));
	size_t nr = 0, nw = 0;
	for (size_t i = 0; i < v->local_len; i++) {
		nr += v->local[i].has_read + v->local[i].has_probe;
		nw += v->local[i].w.kind != 0;
	}
	if (io == NULL) return SVM_ENOMEM;
	io->inc = inc;
	io->r = exec_scratch(b, v->worker, (nr ? nr : 1) * sizeof(read_t));
	io->w = exec_scratch(b, v->worker, (nw ? nw : 1) * sizeof(write_t));
	if (io->r == NULL || io->w == NULL) return SVM_ENOMEM;
	uint32_t tx = (uint32_t)(s->from + j);
	SVM_ASSERT(v->tx == tx && v->inc == inc && v->src == SRC_MV);
	*wrote_new = false;
	for (size_t i = 0; i < v->local_len; i++) {
		local_t *l = &v->local[i];
		if (l->has_read) io->r[io->nr++] = l->rd;
		if (l->has_probe) io->r[io->nr++] = l->prd;
		if (l->w.kind == 0) continue;
		SVM_ASSERT(l->w.kind == MV_VALUE || l->w.kind == MV_DELTA);
		SVM_ASSERT(l->k != NULL);
		io->w[io->nw++] = l->w;
		mv_entry_t e = {.tx = tx, .inc = inc, .kind = l->w.kind, .op = l->w.op, .v = l->w.v,
				.delta = l->w.delta, .ref = l->w.ref, .fd = l->w.fd};
		bool created;
		int rc = exec_mv_write(l->k, &e, &created);
		if (rc == 0) rc = exec_key_touch(b, v->worker, l->k);
		if (rc) return rc;
		*wrote_new |= created;
		if (created && e.kind == MV_VALUE)
			hot_key(s, atomic_load_explicit(&l->k->mv_values, memory_order_relaxed));
	}
	SVM_ASSERT(io->nr == nr && io->nw == nw);
	const io_t *prev = atomic_load(&s->st[j].io);
	SVM_ASSERT(prev == NULL || prev->inc < inc); /* an incarnation publishes once */
	for (size_t i = 0; prev && i < prev->nw; i++) {
		bool kept = false;
		for (size_t k = 0; k < io->nw && !kept; k++) kept = io->w[k].k == prev->w[i].k;
		if (!kept) exec_mv_remove(prev->w[i].k, tx);
	}
	atomic_store_explicit(&s->st[j].io, io, memory_order_release);
	return 0;
}

static task_t try_execute(stm_t *s, txview_t *v, size_t j, uint32_t inc)
{
	for (;;) {
		size_t tx = s->from + j;
		exec_txview_begin(v, (uint32_t)tx, inc, NULL);
		int rc = exec_run_one(s->b, v, tx, NULL);
		exec_count(&s->b->w[v->worker].incarnations);
		if (v->wait_on >= 0) {
			SVM_ASSERT(v->local_len > 0); /* the read that met the estimate is the last one */
			SVM_ASSERT((size_t)v->wait_on >= s->from && (size_t)v->wait_on < tx);
			atomic_fetch_add(&s->b->waits, 1);
			conflict(s);
			atomic_fetch_add(&v->local[v->local_len - 1].k->conflicts, 1);
			if (add_dependency(s, v->worker, j, (size_t)v->wait_on - s->from))
				return NONE;
			continue;
		}
		bool wrote_new = false;
		if (rc == 0) rc = record(s, v, j, inc, &wrote_new);
		if (rc) { /* out of memory in the engine itself */
			exec_fall_all(s->b, FALL_INTERNAL);
			atomic_store(&s->stop, true);
		}
		return finish_execution(s, v->worker, j, inc, wrote_new);
	}
}

static task_t needs_reexecution(stm_t *s, unsigned worker, size_t j, uint32_t inc)
{
	bool aborted = !validate(s, worker, j) && try_validation_abort(s, j, inc);
	if (aborted) {
		const io_t *io = atomic_load(&s->st[j].io);
		for (size_t i = 0; io && i < io->nw; i++)
			exec_mv_estimate(io->w[i].k, (uint32_t)(s->from + j));
		if (atomic_fetch_add(&s->b->aborts, 1) + 1 > s->abort_budget)
			atomic_store(&s->stop, true);
		conflict(s);
	}
	return finish_validation(s, worker, j, aborted);
}

static void stm_worker(void *arg, unsigned worker)
{
	stm_t *s = arg;
	txview_t v;
	exec_txview_init(&v, s->b, worker, SRC_MV);
	task_t t = NONE;
	claims_t c = {.w = worker};
	unsigned idle = 0;
	while (!atomic_load(&s->done) && !atomic_load(&s->stop) &&
	       !atomic_load(&s->b->fallback_all)) {
		if (t.kind == T_EXEC) {
			uint32_t j = t.j;
			t = try_execute(s, &v, j, t.inc);
			if (t.kind == T_NONE) t = next_valid_at(s, worker, j); /* its validation here if next */
		} else if (t.kind == T_VALID) {
			t = needs_reexecution(s, worker, t.j, t.inc);
		}
		if (t.kind == T_NONE) t = next_task(s, &c);
		if (t.kind != T_NONE) idle = 0;
		else if (++idle > 64) sched_yield();
	}
	exec_txview_free(&v);
}

/* ------------------------------------------------------------ commit */

/* After the workers stopped early: the longest prefix whose final incarnations still
 * validate, checked in block order (every lower transaction is then final). */
static size_t committed_prefix(stm_t *s)
{
	for (size_t j = 0; j < s->m; j++) {
		if (s->st[j].status != ST_EXECUTED || !validate(s, 0, j)) return j;
	}
	return s->m;
}

/* The commit, on every worker: each key is in exactly one worker's touched list (exec_key_touch
 * marks it once per segment), and the lists are claimed whole, so a key is folded by one
 * worker, with that worker's scratch memory. */
typedef struct {
	exec_block_t *b;
	uint32_t limit;
	atomic_bool claimed[SVM_POOL_THREADS_MAX]; /* [list] */
	atomic_int rc;
} flush_t;

/* Each worker folds its own list first (the keys it wrote, in its cache), then any list left. */
static void flush_worker(void *arg, unsigned w)
{
	flush_t *f = arg;
	exec_block_t *b = f->b;
	SVM_ASSERT(w < b->threads && b->threads <= SVM_POOL_THREADS_MAX);
	for (unsigned i = 0; i < b->threads; i++) {
		unsigned l = (w + i) % b->threads;
		if (atomic_load_explicit(&f->claimed[l], memory_order_relaxed) ||
		    atomic_exchange(&f->claimed[l], true))
			continue;
		exec_worker_t *wk = &b->w[l];
		for (size_t i = 0; i < wk->touched_len && atomic_load(&f->rc) == 0; i++) {
			if (i + FLUSH_PREFETCH < wk->touched_len) { /* the versions a few keys ahead */
				const akey_t *ahead = wk->touched[i + FLUSH_PREFETCH];
				__builtin_prefetch(ahead, 1); /* cur, written after the fold */
				__builtin_prefetch((const char *)ahead + offsetof(akey_t, mv));
				__builtin_prefetch((const char *)ahead + offsetof(akey_t, mv1), 1);
			}
			int rc = exec_mv_flush(b, w, wk->touched[i], f->limit);
			if (rc) atomic_store(&f->rc, rc);
		}
	}
}

static int flush(exec_block_t *b, size_t limit)
{
	SVM_ASSERT(limit <= b->n && limit <= UINT32_MAX);
	flush_t f = {.b = b, .limit = (uint32_t)limit};
	for (unsigned l = 0; l < b->threads; l++) atomic_init(&f.claimed[l], false);
	atomic_init(&f.rc, 0);
	size_t keys = 0;
	for (unsigned w = 0; w < b->threads; w++) keys += b->w[w].touched_len;
	/* a few keys are not worth waking the helpers for */
	int rc = keys >= FLUSH_PAR_KEYS ? svm_par_run_any(b->threads, flush_worker, &f) : 0;
	if (keys < FLUSH_PAR_KEYS) flush_worker(&f, 0);
	if (rc == 0) rc = atomic_load(&f.rc);
	for (unsigned w = 0; w < b->threads; w++) b->w[w].touched_len = 0;
	return rc;
}

/* Block-STM's end state: every transaction executed, none left with a dependency. */
static bool all_executed(const stm_t *s)
{
	for (size_t j = 0; j < s->m; j++)
		if (s->st[j].status != ST_EXECUTED || s->st[j].deps != NULL ||
		    atomic_load(&s->st[j].io) == NULL)
			return false;
	return true;
}

int exec_stm_run(exec_block_t *b, size_t from, size_t to, size_t *stop_at)
{
	SVM_ASSERT(from <= to && to <= b->n);
	SVM_ASSERT(to - from <= UINT32_MAX); /* transaction numbers are u32 in the versions */
	stm_t s = {.b = b, .from = from, .m = to - from, .hot_writers = hot_writers_min()};
	/* runs of CLAIM_RUN, shorter in a segment under CLAIM_RUNS_MIN runs per worker */
	s.claim_run = s.m / (CLAIM_RUNS_MIN * (size_t)b->threads);
	s.claim_run = s.claim_run < 1 ? 1 : s.claim_run > CLAIM_RUN ? CLAIM_RUN : s.claim_run;
	SVM_ASSERT(s.claim_run >= 1 && s.claim_run <= CLAIM_RUN);
	s.abort_budget = SVM_EXEC_ABORTS_MIN + s.m / SVM_EXEC_ABORTS_DIV;
	size_t st_bytes = (s.m ? s.m : 1) * sizeof(*s.st);
	s.st = exec_buf(EXEC_BUF_STM, st_bytes); /* 64-byte aligned, kept: a line per status */
	if (s.st) memset(s.st, 0, st_bytes);
	int rc = s.st ? 0 : SVM_ENOMEM;
	for (size_t j = 0; rc == 0 && j < s.m; j++) {
		pthread_mutex_init(&s.st[j].mu, NULL);
		atomic_init(&s.st[j].io, NULL);
		atomic_init(&s.st[j].worker, NO_WORKER);
		b->slot[from + j].latency_ns = 0; /* incarnations add to it */
	}
	atomic_init(&s.exec_idx, 0);
	atomic_init(&s.val_idx, 0);
	atomic_init(&s.decrease_cnt, 0);
	for (unsigned w = 0; w < b->threads; w++) atomic_init(&b->w[w].stm_active, 0);
	atomic_init(&s.done, false);
	atomic_init(&s.stop, false);
	for (unsigned w = 0; w < b->threads; w++)
		s.incs0 += atomic_load_explicit(&b->w[w].incarnations, memory_order_relaxed);
	atomic_init(&s.conflicts, 0);
	atomic_init(&s.hot, false);
	if (rc == 0) rc = svm_par_run_any(b->threads, stm_worker, &s);
	SVM_ASSERT(rc != 0 || !atomic_load(&s.done) || active(&s) == 0); /* done: nothing held */
	size_t done = s.m;
	SVM_ASSERT(rc != 0 || !atomic_load(&s.done) || atomic_load(&b->fallback_all) ||
		   all_executed(&s));
	b->stm_hot |= !atomic_load(&s.done) && atomic_load(&s.hot);
	if (rc == 0 && !atomic_load(&s.done)) done = committed_prefix(&s);
	SVM_ASSERT(done <= s.m);
	uint64_t t0 = svm_clock_ns();
	if (rc == 0) rc = flush(b, from + done);
	b->phase_ns[SVM_EXEC_PH_COMMIT] += svm_clock_ns() - t0;
	*stop_at = from + done;
	SVM_ASSERT(*stop_at >= from && *stop_at <= to);
	for (size_t j = 0; s.st && j < s.m; j++) pthread_mutex_destroy(&s.st[j].mu);
	return rc;
}

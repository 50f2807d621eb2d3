/* A fixed-size thread pool with a FIFO job queue, and svm_par_run for fork-join work. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "supervm/base.h"

typedef struct job {
	struct job *next;
	svm_pool_fn fn;
	void *arg;
} job_t;

struct svm_pool {
	pthread_mutex_t mu;
	pthread_cond_t work; /* a job was queued or the pool is stopping */
	pthread_cond_t idle; /* pending reached zero */
	job_t *head, *tail;
	size_t pending; /* queued + running */
	bool stop;
	unsigned threads;
	pthread_t tid[];
};

static void *worker(void *arg)
{
	svm_pool_t *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->head && !p->stop) pthread_cond_wait(&p->work, &p->mu);
		if (!p->head) break;                           /* stopping and drained */
		SVM_ASSERT(p->tail != NULL && p->pending > 0); /* a queued job is pending */
		job_t *j = p->head;
		p->head = j->next;
		if (!p->head) p->tail = NULL;
		pthread_mutex_unlock(&p->mu);
		j->fn(j->arg);
		svm_free(j);
		pthread_mutex_lock(&p->mu);
		SVM_ASSERT(p->pending > 0);
		if (--p->pending == 0) pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int svm_pool_new(svm_pool_t **out, unsigned threads)
{
	if (threads == 0 || threads > SVM_POOL_THREADS_MAX) return SVM_EINVAL;
	svm_pool_t *p = svm_calloc(1, sizeof(*p) + threads * sizeof(pthread_t));
	if (p == NULL) return SVM_ENOMEM;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	for (unsigned i = 0; i < threads; i++) {
		if (pthread_create(&p->tid[i], NULL, worker, p)) {
			p->threads = i;
			svm_pool_free(p);
			return SVM_ENOMEM;
		}
		p->threads = i + 1;
	}
	*out = p;
	return 0;
}

int svm_pool_submit(svm_pool_t *p, svm_pool_fn fn, void *arg)
{
	job_t *j = svm_malloc(sizeof(*j));
	if (j == NULL) return SVM_ENOMEM;
	j->next = NULL;
	j->fn = fn;
	j->arg = arg;
	pthread_mutex_lock(&p->mu);
	SVM_ASSERT((p->head == NULL) == (p->tail == NULL)); /* the queue's two ends agree */
	SVM_ASSERT(!p->stop);                               /* no submit after svm_pool_free */
	if (p->tail) p->tail->next = j;
	else p->head = j;
	p->tail = j;
	p->pending++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

void svm_pool_wait(svm_pool_t *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->pending) pthread_cond_wait(&p->idle, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

unsigned svm_pool_threads(const svm_pool_t *p) { return p->threads; }

void svm_pool_free(svm_pool_t *p)
{
	if (p == NULL) return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->threads; i++) pthread_join(p->tid[i], NULL);
	/* the workers drain the queue before they stop: no job is dropped */
	SVM_ASSERT(p->threads == 0 || (p->head == NULL && p->pending == 0));
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->idle);
	svm_free(p);
}

/* svm_par_run's helpers: threads kept for the life of the process, so that a call costs two
 * wake-ups instead of a pthread_create and a join per worker (the executor makes several calls
 * per block), and so that a helper's thread-local buffers and heap stay warm from one block to
 * the next. A caller claims idle helpers; when all PAR_HELPERS_MAX are claimed (concurrent or
 * nested calls) the rest of its workers get threads of their own, as before. A helper that
 * finished spins for a short while before it sleeps, because the next call usually follows
 * within microseconds (the executor's fork-join steps of one block), and so does a caller
 * waiting for its helpers. The spin is bounded in time, not in polls: 20,000 `pause` polls
 * were ~0.4 ms on this machine's CPU (and ~1 ms when descheduled), burnt after every block's
 * last step by every helper, on a core another process could use. After fork() the child
 * forgets the helpers (they were not copied). */
#define PAR_HELPERS_MAX 64
#define PAR_SPIN_NS 50000u /* spin at most this long before sleeping */
#define PAR_SPIN_MAX 20000 /* and at most this many polls, whatever the clock says */
#define PAR_SPIN_CLOCK 64  /* polls between two readings of the clock (~1-2 µs) */

enum { H_IDLE,
       H_JOB,
       H_RUN,
       H_DONE };

typedef struct {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* state changed */
	/* H_IDLE -> H_JOB (caller) -> H_RUN -> H_DONE (helper) -> H_IDLE (caller); or, in
	 * svm_par_run_any, H_JOB -> H_IDLE (caller: the job taken back before the helper ran) */
	_Atomic int state;
	atomic_bool claimed;
	bool started; /* under par_mu */
	svm_par_fn fn;
	void *arg;
	unsigned worker;
	/* placement (helper_place): its thread, the CPUs it may use, whether it sleeps on cv (set
	 * by the helper), whether the caller narrowed its CPUs for this wake-up (under mu) */
	pthread_t tid;
	cpu_set_t allowed;
	atomic_bool asleep;
	bool placed;
} helper_t;

static helper_t helpers[PAR_HELPERS_MAX];
static pthread_mutex_t par_mu = PTHREAD_MUTEX_INITIALIZER; /* starting helpers */
static pthread_once_t par_once = PTHREAD_ONCE_INIT;

static void par_forget(void)
{
	for (int i = 0; i < PAR_HELPERS_MAX; i++) {
		helper_t *h = &helpers[i];
		pthread_mutex_init(&h->mu, NULL);
		pthread_cond_init(&h->cv, NULL);
		atomic_init(&h->state, H_IDLE);
		atomic_init(&h->claimed, false);
		h->started = false;
	}
	pthread_mutex_init(&par_mu, NULL);
}

static void par_init(void)
{
	par_forget();
	pthread_atfork(NULL, NULL, par_forget);
}

/* Waits until h's state is `want`: polls first (for PAR_SPIN_NS), then sleeps on the helper's
 * condition (the helper itself says so in h->asleep, for helper_place). */
static void wait_state(helper_t *h, int want, bool self)
{
	uint64_t t0 = 0;
	for (int i = 1; i <= PAR_SPIN_MAX; i++) {
		if (atomic_load_explicit(&h->state, memory_order_acquire) == want) return;
		svm_cpu_relax();
		if (i % PAR_SPIN_CLOCK) continue;
		uint64_t t = svm_clock_ns();
		if (t0 == 0) t0 = t;
		else if (t - t0 >= PAR_SPIN_NS) break;
	}
	pthread_mutex_lock(&h->mu);
	if (self) atomic_store(&h->asleep, true);
	while (atomic_load_explicit(&h->state, memory_order_acquire) != want)
		pthread_cond_wait(&h->cv, &h->mu);
	if (self) atomic_store(&h->asleep, false);
	pthread_mutex_unlock(&h->mu);
}

static void set_state(helper_t *h, int state)
{
	/* the only moves: the caller hands a job to an idle helper, the helper reports it done */
	SVM_ASSERT((state == H_JOB && atomic_load(&h->state) == H_IDLE) ||
		   (state == H_DONE && atomic_load(&h->state) == H_RUN));
	pthread_mutex_lock(&h->mu); /* a sleeper checks the state under mu: no lost wake-up */
	atomic_store_explicit(&h->state, state, memory_order_release);
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

static void *helper_main(void *a)
{
	helper_t *h = a;
	for (;;) {
		wait_state(h, H_JOB, true);
		int job = H_JOB;
		/* a job taken back (svm_par_run_any) before this helper started it: sleep again */
		if (!atomic_compare_exchange_strong(&h->state, &job, H_RUN)) continue;
		/* woken off the caller's CPU: from here on the scheduler decides */
		if (h->placed) {
			pthread_setaffinity_np(h->tid, sizeof h->allowed, &h->allowed);
			h->placed = false;
		}
		SVM_ASSERT(atomic_load(&h->claimed) && h->worker >= 1); /* worker 0 is the caller */
		h->fn(h->arg, h->worker);
		set_state(h, H_DONE);
	}
	return NULL;
}

/* An idle helper claimed for one worker, started if new; NULL when none is left. */
static helper_t *helper_claim(void)
{
	for (int i = 0; i < PAR_HELPERS_MAX; i++) {
		helper_t *h = &helpers[i];
		bool no = false;
		if (atomic_load_explicit(&h->claimed, memory_order_relaxed) ||
		    !atomic_compare_exchange_strong(&h->claimed, &no, true))
			continue;
		pthread_mutex_lock(&par_mu);
		bool ok = h->started;
		if (!ok) {
			pthread_attr_t attr;
			pthread_attr_init(&attr);
			pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
			/* the new thread inherits this thread's CPUs: those it may be placed on */
			CPU_ZERO(&h->allowed);
			if (sched_getaffinity(0, sizeof h->allowed, &h->allowed)) CPU_ZERO(&h->allowed);
			atomic_store(&h->asleep, false);
			h->placed = false;
			ok = h->started = pthread_create(&h->tid, &attr, helper_main, h) == 0;
			pthread_attr_destroy(&attr);
		}
		pthread_mutex_unlock(&par_mu);
		SVM_ASSERT(!ok || atomic_load(&h->state) == H_IDLE); /* a claimed helper is idle */
		if (ok) return h;
		atomic_store(&h->claimed, false);
		return NULL;
	}
	return NULL;
}

/* Wakes a sleeping helper off the CPU its caller runs on (worker 0). A scheduler that packs
 * work onto few CPUs while the machine is lightly loaded (this build machine's guest kernel
 * does: kernel.sched_vcpu_pack) wakes a sleeper on the waker's CPU, where the two workers then
 * take turns instead of running side by side. So before the wake-up the helper's CPUs are
 * narrowed to every other CPU it may use, and the helper widens them again as soon as it runs
 * (a helper that is still polling is running on another CPU already: nothing to do). Two
 * system calls per wake-up, about one per block. With a single allowed CPU, or when the call
 * is refused, nothing is narrowed. SVM_PAR_PLACE=0 turns it off (for measuring it). */
static bool place_enabled(void)
{
	static _Atomic int on = -1; /* every thread that reads it first computes the same */
	int v = atomic_load_explicit(&on, memory_order_relaxed);
	if (v < 0) {
		const char *e = getenv("SVM_PAR_PLACE");
		v = !(e && e[0] == '0');
		atomic_store_explicit(&on, v, memory_order_relaxed);
	}
	return v;
}

static void helper_place(helper_t *h, int cpu)
{
	SVM_ASSERT(!h->placed); /* the helper widened its CPUs after its last wake-up */
	if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &h->allowed) || !atomic_load(&h->asleep)) return;
	cpu_set_t m = h->allowed;
	CPU_CLR(cpu, &m);
	if (CPU_COUNT(&m) == 0) return; /* the caller's CPU is the only one: nothing to avoid */
	h->placed = pthread_setaffinity_np(h->tid, sizeof m, &m) == 0;
}

typedef struct {
	svm_par_fn fn;
	void *arg;
	unsigned worker;
} par_arg_t;

static void *par_thread(void *a)
{
	par_arg_t *pa = a;
	pa->fn(pa->arg, pa->worker);
	return NULL;
}

/* Takes back a job its helper has not started (svm_par_run_any); false once it has. The helper
 * is asleep or about to see the job gone: its CPUs are widened here if they were narrowed. */
static bool helper_take_back(helper_t *h)
{
	int job = H_JOB;
	if (!atomic_compare_exchange_strong(&h->state, &job, H_IDLE)) return false;
	if (h->placed) { /* the helper only reads it after starting a job: none is pending */
		pthread_setaffinity_np(h->tid, sizeof h->allowed, &h->allowed);
		h->placed = false;
	}
	return true;
}

static int par_run(unsigned threads, svm_par_fn fn, void *arg, bool any)
{
	if (threads == 0 || threads > SVM_POOL_THREADS_MAX) return SVM_EINVAL;
	pthread_once(&par_once, par_init);
	helper_t *used[SVM_POOL_THREADS_MAX];
	pthread_t tid[SVM_POOL_THREADS_MAX];
	par_arg_t pa[SVM_POOL_THREADS_MAX];
	unsigned n_used = 0, n_tid = 0;
	int cpu = threads > 1 && place_enabled() ? sched_getcpu() : -1;
	for (unsigned i = 1; i < threads; i++) {
		helper_t *h = helper_claim();
		if (h) {
			helper_place(h, cpu);
			h->fn = fn;
			h->arg = arg;
			h->worker = i;
			set_state(h, H_JOB);
			used[n_used++] = h;
			continue;
		}
		pa[n_tid] = (par_arg_t){fn, arg, i};
		if (pthread_create(&tid[n_tid], NULL, par_thread, &pa[n_tid])) {
			svm_log_warn("svm_par_run: started %u of %u threads", i, threads);
			break;
		}
		n_tid++;
	}
	SVM_ASSERT(n_used + n_tid < threads); /* worker 0 is this thread; the rest at most once */
	fn(arg, 0);
	for (unsigned i = 0; i < n_used; i++) {
		SVM_ASSERT(atomic_load(&used[i]->claimed)); /* ours until released below */
		if (!any || !helper_take_back(used[i])) {
			wait_state(used[i], H_DONE, false);
			atomic_store_explicit(&used[i]->state, H_IDLE, memory_order_relaxed);
		}
		atomic_store_explicit(&used[i]->claimed, false, memory_order_release);
	}
	for (unsigned i = 0; i < n_tid; i++) pthread_join(tid[i], NULL);
	return 0;
}

int svm_par_run(unsigned threads, svm_par_fn fn, void *arg) { return par_run(threads, fn, arg, false); }

int svm_par_run_any(unsigned threads, svm_par_fn fn, void *arg) { return par_run(threads, fn, arg, true); }

/* A fixed-size thread pool with a FIFO job queue, and svm_par_run for fork-join work. */
#include <pthread.h>
#include <stdlib.h>

#include "supervm/base.h"

typedef struct job {
	struct job *next;
	svm_pool_fn fn;
	void *arg;
} job_t;

struct svm_pool {
	pthread_mutex_t mu;
	pthread_cond_t work;  /* a job was queued or the pool is stopping */
	pthread_cond_t idle;  /* pending reached zero */
	job_t *head, *tail;
	size_t pending;       /* queued + running */
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
		if (!p->head) break; /* stopping and drained */
		job_t *j = p->head;
		p->head = j->next;
		if (!p->head) p->tail = NULL;
		pthread_mutex_unlock(&p->mu);
		j->fn(j->arg);
		free(j);
		pthread_mutex_lock(&p->mu);
		if (--p->pending == 0) pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int svm_pool_new(svm_pool_t **out, unsigned threads)
{
	if (threads == 0 || threads > SVM_POOL_THREADS_MAX) return SVM_EINVAL;
	svm_pool_t *p = calloc(1, sizeof(*p) + threads * sizeof(pthread_t));
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
	job_t *j = malloc(sizeof(*j));
	if (j == NULL) return SVM_ENOMEM;
	j->next = NULL;
	j->fn = fn;
	j->arg = arg;
	pthread_mutex_lock(&p->mu);
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
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->idle);
	free(p);
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

int svm_par_run(unsigned threads, svm_par_fn fn, void *arg)
{
	if (threads == 0 || threads > SVM_POOL_THREADS_MAX) return SVM_EINVAL;
	pthread_t tid[SVM_POOL_THREADS_MAX];
	par_arg_t pa[SVM_POOL_THREADS_MAX];
	unsigned started = 0;
	for (unsigned i = 1; i < threads; i++) {
		pa[i] = (par_arg_t){fn, arg, i};
		if (pthread_create(&tid[i], NULL, par_thread, &pa[i])) {
			svm_log_warn("svm_par_run: started %u of %u threads", i, threads);
			break;
		}
		started = i;
	}
	fn(arg, 0);
	for (unsigned i = 1; i <= started; i++) pthread_join(tid[i], NULL);
	return 0;
}

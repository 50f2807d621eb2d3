/* Tests of the relay's admission bounds (confidential.h: svm_conf_relay_limits_*): the global and
 * per-client bounds refuse what they should and nothing else, a release frees exactly one slot,
 * clients do not take each other's slots, bad bounds are refused; and under 8 threads hammering
 * admit/release from 12 addresses neither bound is ever exceeded (a seeded schedule, the seed
 * printed). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "supervm/confidential.h"

Test(conf_relay, bad_bounds_are_refused)
{
	svm_conf_relay_limits_t l;
	cr_assert_eq(svm_conf_relay_limits_init(&l, 0, 0), SVM_EINVAL);
	cr_assert_eq(svm_conf_relay_limits_init(&l, 4, 0), SVM_EINVAL);
	cr_assert_eq(svm_conf_relay_limits_init(&l, 2, 3), SVM_EINVAL, "per client above the total");
	cr_assert_eq(svm_conf_relay_limits_init(&l, SVM_CONF_RELAY_LIMIT_CAP + 1, 1), SVM_EINVAL);
	cr_assert_eq(svm_conf_relay_limits_init(&l, SVM_CONF_RELAY_LIMIT_CAP, SVM_CONF_RELAY_LIMIT_CAP), 0);
	svm_conf_relay_limits_destroy(&l);
}

Test(conf_relay, the_bounds_refuse_past_their_count_and_nothing_else)
{
	svm_conf_relay_limits_t l;
	cr_assert_eq(svm_conf_relay_limits_init(&l, 3, 2), 0);
	cr_assert_eq(svm_conf_relay_admit(&l, "10.0.0.1"), SVM_CONF_RELAY_ADMITTED);
	cr_assert_eq(svm_conf_relay_admit(&l, "10.0.0.1"), SVM_CONF_RELAY_ADMITTED);
	cr_assert_eq(svm_conf_relay_admit(&l, "10.0.0.1"), SVM_CONF_RELAY_CLIENT_BUSY, "a third from one client");
	cr_assert_eq(svm_conf_relay_admit(&l, "10.0.0.2"), SVM_CONF_RELAY_ADMITTED, "another client still gets in");
	cr_assert_eq(svm_conf_relay_admit(&l, "10.0.0.3"), SVM_CONF_RELAY_BUSY, "the relay is full");
	unsigned mine = 0;
	cr_assert_eq(svm_conf_relay_inflight(&l, "10.0.0.1", &mine), 3);
	cr_assert_eq(mine, 2);
	svm_conf_relay_release(&l, "10.0.0.1");
	cr_assert_eq(svm_conf_relay_admit(&l, "10.0.0.3"), SVM_CONF_RELAY_ADMITTED, "a release frees one slot");
	cr_assert_eq(svm_conf_relay_admit(&l, "10.0.0.1"), SVM_CONF_RELAY_BUSY);
	svm_conf_relay_release(&l, "10.0.0.1");
	svm_conf_relay_release(&l, "10.0.0.2");
	svm_conf_relay_release(&l, "10.0.0.3");
	cr_assert_eq(svm_conf_relay_inflight(&l, "10.0.0.1", &mine), 0);
	cr_assert_eq(mine, 0);
	/* long addresses are compared on the kept width: two that differ past it are one client */
	char a[100], b[100];
	memset(a, 'a', 99), a[99] = 0;
	memcpy(b, a, 100), b[98] = 'b';
	cr_assert_eq(svm_conf_relay_admit(&l, a), SVM_CONF_RELAY_ADMITTED);
	cr_assert_eq(svm_conf_relay_admit(&l, b), SVM_CONF_RELAY_ADMITTED);
	cr_assert_eq(svm_conf_relay_admit(&l, a), SVM_CONF_RELAY_CLIENT_BUSY);
	svm_conf_relay_release(&l, a);
	svm_conf_relay_release(&l, b);
	svm_conf_relay_limits_destroy(&l);
}

enum { THREADS = 8,
       ROUNDS = 4000,
       PEERS = 12,
       MAXIN = 5,
       PERC = 2 };
static svm_conf_relay_limits_t lim;
static unsigned long long seed;
static int held[PEERS];
static int total_held, max_total, max_peer;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + (uintptr_t)arg + 1;
	for (int r = 0; r < ROUNDS; r++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		int p = (int)(s % PEERS);
		char peer[32];
		snprintf(peer, sizeof peer, "127.0.0.%d", p + 1);
		if (svm_conf_relay_admit(&lim, peer) != SVM_CONF_RELAY_ADMITTED) continue;
		pthread_mutex_lock(&mu);
		held[p]++, total_held++;
		if (total_held > max_total) max_total = total_held;
		if (held[p] > max_peer) max_peer = held[p];
		pthread_mutex_unlock(&mu);
		sched_yield();
		pthread_mutex_lock(&mu);
		held[p]--, total_held--;
		pthread_mutex_unlock(&mu);
		svm_conf_relay_release(&lim, peer);
	}
	return NULL;
}

Test(conf_relay, concurrent_clients_never_exceed_the_bounds)
{
	const char *e = getenv("SVM_TEST_SEED");
	seed = e ? strtoull(e, NULL, 0) : 0x5e1a7;
	cr_assert_eq(svm_conf_relay_limits_init(&lim, MAXIN, PERC), 0);
	pthread_t t[THREADS];
	for (uintptr_t i = 0; i < THREADS; i++) cr_assert_eq(pthread_create(&t[i], NULL, worker, (void *)i), 0);
	for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
	cr_assert_leq(max_total, MAXIN, "seed %#llx", seed);
	cr_assert_leq(max_peer, PERC, "seed %#llx", seed);
	cr_assert_gt(max_total, 0);
	cr_assert_eq(svm_conf_relay_inflight(&lim, NULL, NULL), 0, "every slot released, seed %#llx", seed);
	svm_conf_relay_limits_destroy(&lim);
}

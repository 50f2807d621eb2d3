/* The relay's admission bounds (confidential.h, docs/privacy.md "Relayer"): a count of the
 * submissions being served and, per client address, of that client's, under one mutex. The
 * per-client table has max_inflight entries at most in use (each admitted submission holds one
 * count in one entry), so it never fills while the global bound admits. */
#include <stdio.h>
#include <string.h>

#include "supervm/confidential.h"

int svm_conf_relay_limits_init(svm_conf_relay_limits_t *l, unsigned max_inflight, unsigned per_client)
{
	if (per_client < 1 || per_client > max_inflight || max_inflight > SVM_CONF_RELAY_LIMIT_CAP) return SVM_EINVAL;
	memset(l, 0, sizeof *l);
	if (pthread_mutex_init(&l->mu, NULL)) return SVM_ENOMEM;
	l->max_inflight = max_inflight;
	l->per_client = per_client;
	return 0;
}

void svm_conf_relay_limits_destroy(svm_conf_relay_limits_t *l)
{
	SVM_ASSERT(l->inflight == 0);
	pthread_mutex_destroy(&l->mu);
}

/* The index of peer's entry (compared on the table's width), or -1 */
static int peer_find(const svm_conf_relay_limits_t *l, const char *peer)
{
	for (int i = 0; i < SVM_CONF_RELAY_LIMIT_CAP; i++)
		if (l->peers[i].n && strncmp(l->peers[i].peer, peer, SVM_CONF_RELAY_PEER_MAX - 1) == 0) return i;
	return -1;
}

int svm_conf_relay_admit(svm_conf_relay_limits_t *l, const char *peer)
{
	int rc = SVM_CONF_RELAY_ADMITTED;
	pthread_mutex_lock(&l->mu);
	int i = peer_find(l, peer);
	if (l->inflight >= l->max_inflight) {
		rc = SVM_CONF_RELAY_BUSY;
	} else if (i >= 0 && l->peers[i].n >= l->per_client) {
		rc = SVM_CONF_RELAY_CLIENT_BUSY;
	} else {
		if (i < 0) { /* a free entry exists: fewer than max_inflight ≤ CAP are in use */
			for (i = 0; l->peers[i].n; i++) SVM_ASSERT(i + 1 < SVM_CONF_RELAY_LIMIT_CAP);
			snprintf(l->peers[i].peer, sizeof l->peers[i].peer, "%s", peer);
		}
		l->peers[i].n++;
		l->inflight++;
		SVM_ASSERT(l->inflight <= l->max_inflight && l->peers[i].n <= l->per_client);
	}
	pthread_mutex_unlock(&l->mu);
	return rc;
}

void svm_conf_relay_release(svm_conf_relay_limits_t *l, const char *peer)
{
	pthread_mutex_lock(&l->mu);
	int i = peer_find(l, peer);
	SVM_VERIFY(i >= 0 && l->inflight > 0); /* released once per admission */
	l->peers[i].n--;
	l->inflight--;
	pthread_mutex_unlock(&l->mu);
}

unsigned svm_conf_relay_inflight(svm_conf_relay_limits_t *l, const char *peer, unsigned *of_peer)
{
	pthread_mutex_lock(&l->mu);
	unsigned n = l->inflight;
	if (of_peer) {
		int i = peer ? peer_find(l, peer) : -1;
		*of_peer = i >= 0 ? l->peers[i].n : 0;
	}
	pthread_mutex_unlock(&l->mu);
	return n;
}

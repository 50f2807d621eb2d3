/* The running transport: one libevent loop thread owns every connection (handshake, sealing,
 * reading, rate limits, reconnects); other threads only append to a peer's bounded send queue
 * under the mutex and wake the loop. A peer that sends anything malformed, oversized, or not
 * authenticating is disconnected and its identity banned for a while; a peer that sends too
 * fast has its reads paused (TCP pushes back on it), so no peer grows our memory beyond its
 * queue and one frame. docs/net.md describes the policy. */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "supervm/net.h"

#define OUT_HIGH (1u << 20) /* bytes kept in a socket's output buffer before the queue waits */
#define READ_IDLE_S 30      /* a session that sends nothing for this long is closed */

enum { ST_HELLO, ST_AUTH, ST_OPEN };

typedef struct outmsg {
	struct outmsg *next;
	size_t len;
	uint8_t data[]; /* type ‖ body */
} outmsg_t;

typedef struct addr addr_t;
typedef struct conn conn_t;

struct addr {
	svm_net_t *net;
	char host[64];
	uint16_t port;
	bool has_id;
	svm_id_t id;
	conn_t *conn; /* the connection dialled from this entry (any state) */
	uint64_t backoff_ms;
	struct event *timer;
};

struct conn {
	svm_net_t *net;
	conn_t *next;
	struct bufferevent *bev;
	int state;
	bool outbound;
	addr_t *addr;
	svm_net_hs_t hs;
	svm_net_cipher_t tx, rx;
	svm_id_t id;
	struct event *hs_timer, *throttle_timer;
	bool throttled;
	int64_t tok_bytes, tok_msgs;
	uint64_t tok_ns;
	/* Guarded by net->mu: */
	outmsg_t *q_head, *q_tail;
	size_t q_bytes;
	bool kill; /* a sender found the queue full: close on the loop thread */
	svm_net_peer_info_t info;
};

typedef struct {
	svm_id_t id;
	uint64_t until_ns;
} ban_t;

struct svm_net {
	svm_net_config_t cfg;
	svm_keypair_t key;
	struct event_base *base;
	struct evconnlistener *listener;
	struct event *wake;
	uint16_t port;
	pthread_t thread;
	bool started;
	bool stopping; /* under mu: svm_net_stop asked the loop to end (wake_cb breaks it) */
	pthread_mutex_t mu; /* conns list membership and states, queues, stats, bans, addrs */
	conn_t *conns;
	size_t n_conns;
	addr_t addrs[SVM_NET_ADDRS_MAX];
	size_t n_addrs;
	ban_t bans[SVM_NET_BANS_MAX];
	size_t n_bans;
	svm_net_stats_t stats;
	uint64_t isolated_until_ns;
	uint8_t *plain; /* loop thread: one frame's plaintext */
	svm_buf_t sealbuf;
};

static void read_cb(struct bufferevent *bev, void *arg);
static void dial(svm_net_t *n, addr_t *a);
static bool connected_to_locked(svm_net_t *n, const svm_id_t *id);

/* ---------------------------------------------------------------- bans */

static bool banned_locked(svm_net_t *n, const svm_id_t *id)
{
	uint64_t now = svm_clock_ns();
	for (size_t i = 0; i < n->n_bans; i++)
		if (svm_hash_eq(&n->bans[i].id, id) && n->bans[i].until_ns > now) return true;
	return false;
}

bool svm_net_is_banned(svm_net_t *n, const svm_id_t *id)
{
	pthread_mutex_lock(&n->mu);
	bool b = banned_locked(n, id);
	pthread_mutex_unlock(&n->mu);
	return b;
}

static void ban_locked(svm_net_t *n, const svm_id_t *id)
{
	uint64_t now = svm_clock_ns(), until = now + n->cfg.ban_ms * 1000000ull;
	size_t slot = n->n_bans;
	for (size_t i = 0; i < n->n_bans; i++) {
		if (svm_hash_eq(&n->bans[i].id, id) || n->bans[i].until_ns <= now) {
			slot = i;
			break;
		}
	}
	if (slot == SVM_NET_BANS_MAX) { /* full of live bans: replace the one ending first */
		slot = 0;
		for (size_t i = 1; i < SVM_NET_BANS_MAX; i++)
			if (n->bans[i].until_ns < n->bans[slot].until_ns) slot = i;
	}
	if (slot == n->n_bans) n->n_bans++;
	n->bans[slot] = (ban_t){*id, until};
	n->stats.bans++;
}

/* ------------------------------------------------------------ closing */

static void schedule_dial(svm_net_t *n, addr_t *a, uint64_t delay_ms)
{
	struct timeval tv = {(time_t)(delay_ms / 1000), (suseconds_t)(delay_ms % 1000) * 1000};
	evtimer_add(a->timer, &tv);
}

/* Closes c on the loop thread. misbehaved: count it and ban the identity (if known). */
static void conn_close(conn_t *c, bool misbehaved, const char *why)
{
	svm_net_t *n = c->net;
	bool was_open = c->state == ST_OPEN;
	pthread_mutex_lock(&n->mu);
	for (conn_t **p = &n->conns; *p != NULL; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	n->n_conns--;
	if (misbehaved) {
		n->stats.disconnects_misbehaved++;
		if (c->state != ST_HELLO && !svm_hash_is_zero(&c->id)) ban_locked(n, &c->id);
	}
	for (outmsg_t *m = c->q_head, *next; m != NULL; m = next) {
		next = m->next;
		svm_free(m);
	}
	pthread_mutex_unlock(&n->mu);
	if (why != NULL) {
		char hex[65];
		svm_hash_hex(&c->id, hex);
		svm_log(misbehaved ? SVM_LOG_WARN : SVM_LOG_DEBUG, "net: closed %.16s (%s): %s",
			c->state == ST_HELLO ? "(unauthenticated)" : hex,
			c->outbound ? "outbound" : "inbound", why);
	}
	if (c->bev != NULL) bufferevent_free(c->bev);
	if (c->hs_timer != NULL) event_free(c->hs_timer);
	if (c->throttle_timer != NULL) event_free(c->throttle_timer);
	svm_net_hs_wipe(&c->hs);
	sodium_memzero(&c->tx, sizeof c->tx);
	sodium_memzero(&c->rx, sizeof c->rx);
	/* A dial of a known peer that ended before its session opened: it cannot be reached now
	 * (unless a session with it is open, e.g. the one it dialled in). */
	bool dial_failed = false;
	svm_id_t dial_id = {{0}};
	if (c->addr != NULL) {
		dial_failed = !was_open && c->addr->has_id && n->cfg.on_unreachable != NULL;
		dial_id = c->addr->id;
		c->addr->conn = NULL;
		uint64_t d = c->addr->backoff_ms;
		c->addr->backoff_ms = d * 2 > n->cfg.backoff_ms_max ? n->cfg.backoff_ms_max : d * 2;
		schedule_dial(n, c->addr, d);
	}
	if (was_open) {
		/* Entries that were satisfied by this (inbound) session dial again. */
		pthread_mutex_lock(&n->mu);
		for (size_t i = 0; i < n->n_addrs; i++) {
			addr_t *a = &n->addrs[i];
			if (a->conn == NULL && a->has_id && svm_hash_eq(&a->id, &c->id) &&
			    !evtimer_pending(a->timer, NULL))
				schedule_dial(n, a, n->cfg.backoff_ms_min);
		}
		pthread_mutex_unlock(&n->mu);
		if (n->cfg.on_peer != NULL) n->cfg.on_peer(n->cfg.ctx, &c->id, false);
	}
	if (dial_failed) {
		pthread_mutex_lock(&n->mu);
		bool open = connected_to_locked(n, &dial_id);
		pthread_mutex_unlock(&n->mu);
		if (!open) n->cfg.on_unreachable(n->cfg.ctx, &dial_id, false);
	}
	svm_free(c);
}

/* ------------------------------------------------------------ sending */

/* Moves queued messages into the socket's output buffer, sealing each, while it holds less
 * than OUT_HIGH bytes. Loop thread. Returns false if c was closed. */
static bool conn_flush(conn_t *c)
{
	svm_net_t *n = c->net;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	for (;;) {
		if (evbuffer_get_length(out) >= OUT_HIGH) return true;
		pthread_mutex_lock(&n->mu);
		bool kill = c->kill;
		outmsg_t *m = c->q_head;
		if (m != NULL && !kill) {
			c->q_head = m->next;
			if (c->q_head == NULL) c->q_tail = NULL;
			c->q_bytes -= m->len;
		}
		pthread_mutex_unlock(&n->mu);
		if (kill) {
			conn_close(c, false, "dropped by the node (send queue full, or misbehaviour found later)");
			return false;
		}
		if (m == NULL) return true;
		svm_buf_reset(&n->sealbuf);
		int rc = svm_net_seal(&c->tx, m->data, m->len, &n->sealbuf);
		c->info.msgs_out++;
		c->info.bytes_out += m->len;
		svm_free(m);
		if (rc != 0 || evbuffer_add(out, n->sealbuf.data, n->sealbuf.len) != 0) {
			conn_close(c, false, "cannot seal a frame");
			return false;
		}
	}
}

static void write_cb(struct bufferevent *bev, void *arg) { conn_flush(arg); }

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
	svm_net_t *n = arg;
	/* Collect first: flushing may close (and free) a connection. */
	conn_t *list[SVM_NET_PEERS_MAX];
	size_t k = 0;
	pthread_mutex_lock(&n->mu);
	for (conn_t *c = n->conns; c != NULL && k < SVM_NET_PEERS_MAX; c = c->next)
		if ((c->state == ST_OPEN && c->q_head != NULL) || c->kill) list[k++] = c;
	bool stopping = n->stopping;
	pthread_mutex_unlock(&n->mu);
	for (size_t i = 0; i < k; i++) conn_flush(list[i]);
	if (stopping) event_base_loopbreak(n->base); /* from inside the loop: cannot be missed */
}

static int enqueue_locked(svm_net_t *n, conn_t *c, uint8_t type, const void *body, size_t len)
{
	size_t sz = 1 + len;
	bool gossip = type == SVM_NET_MSG_TXS;
	size_t bound = gossip ? n->cfg.out_bytes_max / 4 : n->cfg.out_bytes_max;
	if (c->kill) return SVM_EBUSY;
	if (c->q_bytes + sz > bound) {
		if (gossip) {
			n->stats.dropped_gossip++;
			return SVM_EBUSY;
		}
		c->kill = true; /* the loop thread closes it; it will reconnect and sync */
		return SVM_EBUSY;
	}
	outmsg_t *m = svm_malloc(sizeof *m + sz);
	if (m == NULL) return SVM_ENOMEM;
	m->next = NULL;
	m->len = sz;
	m->data[0] = type;
	if (len > 0) memcpy(m->data + 1, body, len);
	if (c->q_tail != NULL) c->q_tail->next = m;
	else c->q_head = m;
	c->q_tail = m;
	c->q_bytes += sz;
	return 0;
}

static int check_msg(uint8_t type, size_t len)
{
	size_t max = svm_net_msg_bytes_max(type);
	if (max == 0) return SVM_EINVAL;
	return len > max ? SVM_ELIMIT : 0;
}

int svm_net_send(svm_net_t *n, const svm_id_t *peer, uint8_t type, const void *body, size_t len)
{
	int rc = check_msg(type, len);
	if (rc != 0) return rc;
	rc = SVM_ENOTFOUND;
	pthread_mutex_lock(&n->mu);
	for (conn_t *c = n->conns; c != NULL; c = c->next) {
		if (c->state == ST_OPEN && svm_hash_eq(&c->id, peer)) {
			rc = enqueue_locked(n, c, type, body, len);
			break;
		}
	}
	pthread_mutex_unlock(&n->mu);
	if (rc == 0 || rc == SVM_EBUSY) event_active(n->wake, EV_READ, 0);
	return rc;
}

int svm_net_broadcast(svm_net_t *n, const svm_id_t *except, uint8_t type, const void *body,
		      size_t len)
{
	int rc = check_msg(type, len);
	if (rc != 0) return rc;
	int count = 0;
	pthread_mutex_lock(&n->mu);
	for (conn_t *c = n->conns; c != NULL; c = c->next) {
		if (c->state != ST_OPEN || (except != NULL && svm_hash_eq(&c->id, except))) continue;
		if (enqueue_locked(n, c, type, body, len) == 0) count++;
	}
	pthread_mutex_unlock(&n->mu);
	event_active(n->wake, EV_READ, 0);
	return count;
}

void svm_net_drop(svm_net_t *n, const svm_id_t *peer, bool ban)
{
	pthread_mutex_lock(&n->mu);
	for (conn_t *c = n->conns; c != NULL; c = c->next) {
		if (c->state == ST_OPEN && svm_hash_eq(&c->id, peer)) {
			c->kill = true;
			if (ban) {
				ban_locked(n, peer);
				n->stats.disconnects_misbehaved++;
			}
		}
	}
	pthread_mutex_unlock(&n->mu);
	event_active(n->wake, EV_READ, 0);
}

void svm_net_isolate(svm_net_t *n, uint64_t ms)
{
	pthread_mutex_lock(&n->mu);
	n->isolated_until_ns = svm_clock_ns() + ms * 1000000ull;
	for (conn_t *c = n->conns; c != NULL; c = c->next) c->kill = true;
	pthread_mutex_unlock(&n->mu);
	event_active(n->wake, EV_READ, 0);
}

static uint64_t isolated_ms_locked(svm_net_t *n)
{
	uint64_t now = svm_clock_ns();
	return n->isolated_until_ns > now ? (n->isolated_until_ns - now) / 1000000u + 1 : 0;
}

/* ------------------------------------------------------------ receiving */

/* Token buckets: true if the frame may be handled now; otherwise reads pause until the
 * buckets refill (the frame stays buffered). Holds at most one second of allowance. */
static bool rate_ok(conn_t *c, size_t bytes)
{
	svm_net_t *n = c->net;
	uint64_t now = svm_clock_ns(), dt = now - c->tok_ns;
	c->tok_ns = now;
	int64_t bmax = (int64_t)n->cfg.in_bytes_per_s, mmax = (int64_t)n->cfg.in_msgs_per_s;
	c->tok_bytes += (int64_t)((double)dt * (double)bmax / 1e9);
	c->tok_msgs += (int64_t)((double)dt * (double)mmax / 1e9);
	if (c->tok_bytes > bmax) c->tok_bytes = bmax;
	if (c->tok_msgs > mmax) c->tok_msgs = mmax;
	if (c->tok_bytes >= (int64_t)bytes && c->tok_msgs >= 1) {
		c->tok_bytes -= (int64_t)bytes;
		c->tok_msgs -= 1;
		return true;
	}
	/* Wait until both cover this frame (a frame larger than a second's allowance waits for
	 * the bucket to be full, then goes through on the next call with a full bucket). */
	double need_b = (double)((int64_t)bytes - c->tok_bytes) / (double)bmax;
	double need_m = (double)(1 - c->tok_msgs) / (double)mmax;
	double wait_s = need_b > need_m ? need_b : need_m;
	if (wait_s > 1.0) wait_s = 1.0;
	if (wait_s < 0.001) wait_s = 0.001;
	if ((int64_t)bytes > bmax) c->tok_bytes = bmax - (int64_t)bytes; /* let it through next */
	c->throttled = true;
	pthread_mutex_lock(&n->mu);
	n->stats.throttled++;
	pthread_mutex_unlock(&n->mu);
	bufferevent_disable(c->bev, EV_READ);
	struct timeval tv = {(time_t)wait_s, (suseconds_t)((wait_s - (double)(time_t)wait_s) * 1e6)};
	evtimer_add(c->throttle_timer, &tv);
	return false;
}

static void throttle_cb(evutil_socket_t fd, short what, void *arg)
{
	conn_t *c = arg;
	c->throttled = false;
	bufferevent_enable(c->bev, EV_READ);
	read_cb(c->bev, c); /* frames already buffered */
}

static int on_hello(conn_t *c, struct evbuffer *in, svm_error_t *err)
{
	uint8_t hello[SVM_NET_HELLO_SIZE];
	evbuffer_remove(in, hello, sizeof hello);
	int rc = svm_net_hs_peer_hello(&c->hs, hello, err);
	if (rc != 0) return rc;
	memcpy(c->tx.key, c->hs.key_send, 32);
	memcpy(c->rx.key, c->hs.key_recv, 32);
	uint8_t auth[SVM_NET_AUTH_SIZE];
	svm_net_hs_auth(&c->hs, &c->net->key, auth);
	svm_buf_reset(&c->net->sealbuf);
	rc = svm_net_seal(&c->tx, auth, sizeof auth, &c->net->sealbuf);
	if (rc == 0 && bufferevent_write(c->bev, c->net->sealbuf.data, c->net->sealbuf.len) != 0)
		rc = SVM_ENOMEM;
	if (rc != 0) return svm_error_set(err, rc, "cannot send the authentication");
	c->state = ST_AUTH;
	return 0;
}

/* After a peer proved its identity: refuse ourselves, banned or unexpected identities and
 * resolve a duplicate session (the one dialled by the smaller identity stays; two in the same
 * direction: the newer stays). Returns the connection to close (c, another, or NULL). */
static conn_t *admit_locked(svm_net_t *n, conn_t *c, const char **why, bool *misbehaved)
{
	*misbehaved = false;
	if (svm_hash_eq(&c->id, &n->key.id)) return *why = "connected to ourselves", c;
	if (banned_locked(n, &c->id)) return *why = "identity is banned", c;
	if (c->addr != NULL && c->addr->has_id && !svm_hash_eq(&c->addr->id, &c->id))
		return *why = "identity is not the configured one", *misbehaved = true, c;
	for (conn_t *o = n->conns; o != NULL; o = o->next) {
		if (o == c || o->state != ST_OPEN || !svm_hash_eq(&o->id, &c->id)) continue;
		*why = "duplicate session";
		if (o->outbound == c->outbound) return o;
		bool we_smaller = svm_hash_cmp(&n->key.id, &c->id) < 0;
		return (c->outbound == we_smaller) ? o : c;
	}
	return NULL;
}

static int on_auth(conn_t *c, const uint8_t *plain, size_t len, svm_error_t *err)
{
	svm_net_t *n = c->net;
	int rc = svm_net_hs_check_auth(&c->hs, plain, len, &c->id, err);
	if (rc != 0) return rc;
	svm_net_hs_wipe(&c->hs);
	const char *why = NULL;
	bool misbehaved = false;
	pthread_mutex_lock(&n->mu);
	conn_t *drop = admit_locked(n, c, &why, &misbehaved);
	if (drop != c) {
		c->state = ST_OPEN;
		c->info.id = c->id;
		c->info.outbound = c->outbound;
		n->stats.handshakes_ok++;
		if (c->addr != NULL) {
			c->addr->has_id = true;
			c->addr->id = c->id;
			c->addr->backoff_ms = n->cfg.backoff_ms_min;
		}
	} else {
		n->stats.handshakes_failed++;
	}
	pthread_mutex_unlock(&n->mu);
	if (drop == c) return svm_error_set(err, misbehaved ? SVM_EPERM : SVM_EEXIST, "%s", why);
	event_del(c->hs_timer);
	if (drop != NULL) conn_close(drop, false, why);
	struct timeval idle = {READ_IDLE_S, 0};
	bufferevent_set_timeouts(c->bev, &idle, NULL);
	if (n->cfg.on_peer != NULL) n->cfg.on_peer(n->cfg.ctx, &c->id, true);
	return 0;
}

/* Handles one opened frame of an established session. Returns false if c was closed. */
static bool on_frame(conn_t *c, const uint8_t *plain, size_t len)
{
	svm_net_t *n = c->net;
	uint8_t type;
	const uint8_t *body;
	size_t blen;
	int rc = svm_net_msg_split(plain, len, &type, &body, &blen);
	if (rc != 0) {
		conn_close(c, true, rc == SVM_ELIMIT ? "oversized message" : "unknown message type");
		return false;
	}
	c->info.msgs_in++;
	c->info.bytes_in += len;
	rc = n->cfg.on_msg(n->cfg.ctx, &c->id, type, body, blen);
	if (rc != 0 && rc != SVM_EBUSY) {
		char why[96];
		snprintf(why, sizeof why, "invalid %s message: %s", svm_net_msg_name(type), svm_strerror(rc));
		conn_close(c, true, why);
		return false;
	}
	return true;
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	conn_t *c = arg;
	svm_net_t *n = c->net;
	struct evbuffer *in = bufferevent_get_input(bev);
	svm_error_t err = {0};
	while (!c->throttled) {
		size_t have = evbuffer_get_length(in);
		if (c->state == ST_HELLO) {
			if (have < SVM_NET_HELLO_SIZE) return;
			if (on_hello(c, in, &err) != 0) { conn_close(c, true, err.msg); return; }
			continue;
		}
		if (have < SVM_NET_LEN_SIZE) return;
		uint8_t hdr[SVM_NET_LEN_SIZE];
		evbuffer_copyout(in, hdr, sizeof hdr);
		size_t clen = 0;
		int rc = svm_net_frame_len(hdr, &clen);
		if (rc != 0) { conn_close(c, true, rc == SVM_ELIMIT ? "oversized frame" : "bad frame length"); return; }
		if (c->state == ST_AUTH && clen != SVM_NET_AUTH_SIZE + SVM_NET_TAG_SIZE)
			{ conn_close(c, true, "bad authentication frame"); return; }
		if (have < SVM_NET_LEN_SIZE + clen) return;
		if (c->state == ST_OPEN && !rate_ok(c, clen)) return;
		evbuffer_drain(in, SVM_NET_LEN_SIZE);
		const uint8_t *ct = evbuffer_pullup(in, (ev_ssize_t)clen);
		if (ct == NULL) { conn_close(c, false, "out of memory"); return; }
		rc = svm_net_open(&c->rx, hdr, ct, clen, n->plain);
		evbuffer_drain(in, clen);
		if (rc != 0) { conn_close(c, true, "frame does not authenticate (tampered or replayed)"); return; }
		size_t plen = clen - SVM_NET_TAG_SIZE;
		if (c->state == ST_AUTH) {
			if (on_auth(c, n->plain, plen, &err) != 0)
				{ conn_close(c, err.code == SVM_ESIG || err.code == SVM_EPERM, err.msg); return; }
			continue;
		}
		if (!on_frame(c, n->plain, plen)) return;
	}
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	conn_t *c = arg;
	if (what & BEV_EVENT_CONNECTED) {
		int one = 1;
		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) { conn_close(c, false, "idle"); return; }
	if (what & BEV_EVENT_EOF) { conn_close(c, false, "closed by the peer"); return; }
	conn_close(c, false, "socket error");
}

static void hs_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	conn_close(arg, true, "handshake deadline passed");
}

/* A new connection in ST_HELLO: sends our hello at once (it needs nothing from the peer). */
static conn_t *conn_new(svm_net_t *n, evutil_socket_t fd, bool outbound, addr_t *a)
{
	conn_t *c = svm_calloc(1, sizeof *c);
	if (c == NULL) return NULL;
	c->net = n;
	c->outbound = outbound;
	c->addr = a;
	c->tok_bytes = (int64_t)n->cfg.in_bytes_per_s;
	c->tok_msgs = (int64_t)n->cfg.in_msgs_per_s;
	c->tok_ns = svm_clock_ns();
	c->bev = bufferevent_socket_new(n->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->hs_timer = evtimer_new(n->base, hs_timeout_cb, c);
	c->throttle_timer = evtimer_new(n->base, throttle_cb, c);
	if (c->bev == NULL || c->hs_timer == NULL || c->throttle_timer == NULL) {
		if (c->bev != NULL) bufferevent_free(c->bev);
		else if (fd >= 0) evutil_closesocket(fd);
		if (c->hs_timer) event_free(c->hs_timer);
		if (c->throttle_timer) event_free(c->throttle_timer);
		svm_free(c);
		return NULL;
	}
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0,
				 SVM_NET_LEN_SIZE + SVM_NET_FRAME_BYTES_MAX + SVM_NET_TAG_SIZE);
	bufferevent_setwatermark(c->bev, EV_WRITE, OUT_HIGH / 2, 0);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	uint8_t hello[SVM_NET_HELLO_SIZE];
	svm_net_hs_start(&c->hs, n->cfg.chain_id, hello);
	bufferevent_write(c->bev, hello, sizeof hello);
	struct timeval hs_tv = {(time_t)(n->cfg.handshake_ms / 1000),
				(suseconds_t)(n->cfg.handshake_ms % 1000) * 1000};
	evtimer_add(c->hs_timer, &hs_tv);
	pthread_mutex_lock(&n->mu);
	c->next = n->conns;
	n->conns = c;
	n->n_conns++;
	pthread_mutex_unlock(&n->mu);
	return c;
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
		      void *arg)
{
	svm_net_t *n = arg;
	pthread_mutex_lock(&n->mu);
	bool full = n->n_conns >= SVM_NET_PEERS_MAX || isolated_ms_locked(n) > 0;
	if (!full) n->stats.accepted++;
	pthread_mutex_unlock(&n->mu);
	if (full) {
		evutil_closesocket(fd);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	evutil_make_socket_nonblocking(fd);
	conn_new(n, fd, false, NULL);
}

/* A numeric IPv4/IPv6 host and port as a socket address; false if the host is not numeric. */
static bool make_sockaddr(const char *host, uint16_t port, struct sockaddr_storage *ss, int *len)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		*len = sizeof *v4;
		return true;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		*len = sizeof *v6;
		return true;
	}
	return false;
}

/* -------------------------------------------------------------- dialling */

static bool connected_to_locked(svm_net_t *n, const svm_id_t *id)
{
	for (conn_t *c = n->conns; c != NULL; c = c->next)
		if (c->state == ST_OPEN && svm_hash_eq(&c->id, id)) return true;
	return false;
}

static void dial(svm_net_t *n, addr_t *a)
{
	if (a->conn != NULL) return;
	pthread_mutex_lock(&n->mu);
	bool skip = a->has_id && connected_to_locked(n, &a->id); /* its close will redial */
	bool ban = a->has_id && banned_locked(n, &a->id);
	bool full = n->n_conns >= SVM_NET_PEERS_MAX;
	uint64_t iso = isolated_ms_locked(n);
	if (!skip && !ban && !full && iso == 0) n->stats.dialled++;
	pthread_mutex_unlock(&n->mu);
	if (skip) return;
	if (iso > 0) { schedule_dial(n, a, iso); return; }
	if (ban || full) { schedule_dial(n, a, n->cfg.backoff_ms_max); return; }
	struct sockaddr_storage ss;
	int sslen = sizeof ss;
	if (!make_sockaddr(a->host, a->port, &ss, &sslen)) { schedule_dial(n, a, n->cfg.backoff_ms_max); return; }
	conn_t *c = conn_new(n, -1, true, a);
	if (c == NULL) { schedule_dial(n, a, n->cfg.backoff_ms_max); return; }
	a->conn = c;
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss, sslen) != 0)
		conn_close(c, false, "connect failed");
}

static void dial_cb(evutil_socket_t fd, short what, void *arg)
{
	addr_t *a = arg;
	dial(a->net, a);
}

int svm_net_add_peer(svm_net_t *n, const char *host, uint16_t port, const svm_id_t *id)
{
	struct in6_addr tmp;
	if (host == NULL || strlen(host) >= sizeof n->addrs[0].host ||
	    (inet_pton(AF_INET, host, &tmp) != 1 && inet_pton(AF_INET6, host, &tmp) != 1) || port == 0)
		return SVM_EINVAL;
	if (id != NULL && svm_hash_eq(id, &n->key.id)) return 0; /* ourselves: nothing to dial */
	pthread_mutex_lock(&n->mu);
	int rc = n->n_addrs >= SVM_NET_ADDRS_MAX ? SVM_ELIMIT : 0;
	addr_t *a = rc == 0 ? &n->addrs[n->n_addrs] : NULL;
	if (a != NULL) {
		memset(a, 0, sizeof *a);
		a->net = n;
		snprintf(a->host, sizeof a->host, "%s", host);
		a->port = port;
		a->has_id = id != NULL;
		if (id != NULL) a->id = *id;
		a->backoff_ms = n->cfg.backoff_ms_min;
		a->timer = evtimer_new(n->base, dial_cb, a);
		if (a->timer == NULL) rc = SVM_ENOMEM;
		else n->n_addrs++;
	}
	pthread_mutex_unlock(&n->mu);
	if (rc == 0) event_active(a->timer, EV_TIMEOUT, 0); /* dial on the loop thread now */
	return rc;
}

/* ------------------------------------------------------------ lifecycle */

static void *loop_main(void *arg)
{
	svm_net_t *n = arg;
	event_base_loop(n->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static pthread_once_t evthread_once = PTHREAD_ONCE_INIT;
static void evthread_setup(void) { evthread_use_pthreads(); }

static int listen_on(svm_net_t *n, svm_error_t *err)
{
	const char *host = n->cfg.listen_host != NULL ? n->cfg.listen_host : "127.0.0.1";
	struct sockaddr_storage ss;
	int sslen = sizeof ss;
	if (!make_sockaddr(host, n->cfg.listen_port, &ss, &sslen))
		return svm_error_set(err, SVM_EINVAL, "p2p listen host %s is not numeric", host);
	n->listener = evconnlistener_new_bind(n->base, accept_cb, n,
					      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
					      SVM_NET_PEERS_MAX, (struct sockaddr *)&ss, sslen);
	if (n->listener == NULL)
		return svm_error_set(err, SVM_EIO, "cannot listen on %s:%u for peers", host, n->cfg.listen_port);
	struct sockaddr_storage got;
	socklen_t gl = sizeof got;
	getsockname(evconnlistener_get_fd(n->listener), (struct sockaddr *)&got, &gl);
	n->port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
						  : ((struct sockaddr_in *)&got)->sin_port);
	return 0;
}

int svm_net_start(svm_net_t **out, const svm_net_config_t *cfg, svm_error_t *err)
{
	*out = NULL;
	if (cfg->key == NULL || cfg->on_msg == NULL)
		return svm_error_set(err, SVM_EINVAL, "net: a key and a message handler are required");
	pthread_once(&evthread_once, evthread_setup);
	svm_net_t *n = svm_calloc(1, sizeof *n);
	if (n == NULL) return svm_error_set(err, SVM_ENOMEM, "out of memory");
	n->cfg = *cfg;
	n->key = *cfg->key;
	n->cfg.key = &n->key;
	svm_net_config_t *c = &n->cfg;
	if (c->out_bytes_max == 0) c->out_bytes_max = 64u << 20;
	if (c->in_bytes_per_s == 0) c->in_bytes_per_s = 256u << 20;
	if (c->in_msgs_per_s == 0) c->in_msgs_per_s = 100000;
	if (c->handshake_ms == 0) c->handshake_ms = 5000;
	if (c->ban_ms == 0) c->ban_ms = 30000;
	if (c->backoff_ms_min == 0) c->backoff_ms_min = 100;
	if (c->backoff_ms_max == 0) c->backoff_ms_max = 5000;
	pthread_mutex_init(&n->mu, NULL);
	int rc = 0;
	n->plain = svm_malloc(SVM_NET_FRAME_BYTES_MAX + SVM_NET_TAG_SIZE);
	n->base = event_base_new();
	if (n->plain == NULL || n->base == NULL) rc = svm_error_set(err, SVM_ENOMEM, "net: out of memory");
	if (rc == 0) n->wake = event_new(n->base, -1, 0, wake_cb, n);
	if (rc == 0 && n->wake == NULL) rc = svm_error_set(err, SVM_ENOMEM, "net: out of memory");
	if (rc == 0 && !c->no_listen) rc = listen_on(n, err);
	/* *out is set before the loop runs: its callbacks may use it at once (a peer can connect
	 * before this function returns). */
	if (rc == 0) *out = n;
	if (rc == 0) {
		if (pthread_create(&n->thread, NULL, loop_main, n) != 0)
			rc = svm_error_set(err, SVM_EIO, "net: cannot start the event-loop thread");
		else n->started = true;
	}
	if (rc != 0) {
		*out = NULL;
		svm_net_stop(n);
		return rc;
	}
	return 0;
}

uint16_t svm_net_port(const svm_net_t *n) { return n->port; }

void svm_net_stop(svm_net_t *n)
{
	if (n == NULL) return;
	if (n->started) {
		/* A loopbreak from outside is lost when the loop has not begun yet (event_base_loop
		 * clears the flag as it starts: a stop right after svm_net_start hung in the join), so
		 * the loop is woken and breaks itself; an active event waits for the loop to run. */
		pthread_mutex_lock(&n->mu);
		n->stopping = true;
		pthread_mutex_unlock(&n->mu);
		event_active(n->wake, EV_READ, 0);
		pthread_join(n->thread, NULL);
	}
	/* The loop has stopped: this thread now owns every connection. on_peer is not called. */
	n->cfg.on_peer = NULL;
	n->cfg.on_unreachable = NULL;
	while (n->conns != NULL) conn_close(n->conns, false, NULL);
	for (size_t i = 0; i < n->n_addrs; i++) event_free(n->addrs[i].timer);
	if (n->listener != NULL) evconnlistener_free(n->listener);
	if (n->wake != NULL) event_free(n->wake);
	if (n->base != NULL) event_base_free(n->base);
	pthread_mutex_destroy(&n->mu);
	svm_buf_free(&n->sealbuf);
	svm_free(n->plain);
	svm_keypair_wipe(&n->key);
	svm_free(n);
}

static int info_cmp(const void *a, const void *b)
{
	return svm_hash_cmp(&((const svm_net_peer_info_t *)a)->id, &((const svm_net_peer_info_t *)b)->id);
}

size_t svm_net_peers(svm_net_t *n, svm_net_peer_info_t *out, size_t max)
{
	svm_net_peer_info_t all[SVM_NET_PEERS_MAX];
	size_t k = 0;
	pthread_mutex_lock(&n->mu);
	for (conn_t *c = n->conns; c != NULL && k < SVM_NET_PEERS_MAX; c = c->next) {
		if (c->state != ST_OPEN) continue;
		all[k] = c->info;
		all[k].queued_bytes = c->q_bytes;
		k++;
	}
	pthread_mutex_unlock(&n->mu);
	qsort(all, k, sizeof all[0], info_cmp);
	memcpy(out, all, (k < max ? k : max) * sizeof all[0]);
	return k;
}

void svm_net_stats(svm_net_t *n, svm_net_stats_t *out)
{
	pthread_mutex_lock(&n->mu);
	*out = n->stats;
	pthread_mutex_unlock(&n->mu);
}

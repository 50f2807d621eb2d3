/* WebSocket subscriptions (docs/ecosystem.md): a libwebsockets server on its own port and
 * thread. Over it a client sends JSON-RPC: svm_subscribe / svm_unsubscribe, and any other svm_*
 * method (dispatched to the RPC method table). Subscriptions: newHeads, events (filtered by
 * emitter and topic), pendingTransactions, receipt (one transaction's, then done).
 *
 * Heads and events are read from the chain by height on this thread, so a subscription from a
 * past height gets its backlog and then live data with no gap and no duplicate: its cursor is
 * the next height to send, whatever wakes the thread. The producer only stores the new head and
 * wakes the thread (lws_cancel_service); admission appends pending ids to a bounded ring.
 * Bounds: connections, subscriptions per connection, message size, and a per-connection queue:
 * a backlog is paced by the client's reading, but a live client that lets its queue fill, or
 * falls a whole ring behind on pending transactions, is sent an error and closed; the node
 * never waits for a client. */
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

typedef enum { SUB_HEADS = 1, SUB_EVENTS, SUB_PENDING, SUB_RECEIPT } sub_kind_t;

typedef struct {
	uint64_t id;
	sub_kind_t kind;
	uint64_t next_height; /* heads/events: next height to send */
	bool live;            /* has caught up with the head once */
	bool has_emitter, has_topic;
	svm_id_t emitter;
	uint8_t topic[SVM_WS_TOPIC_MAX];
	size_t topic_len;
	svm_hash_t tx;        /* receipt */
	uint64_t pending_seq; /* pending: next ring sequence to send */
} sub_t;

typedef struct msg {
	struct msg *next;
	size_t len;
	unsigned char buf[]; /* LWS_PRE bytes of room, then the text */
} msg_t;

typedef struct session {
	struct session *next;
	struct lws *wsi;
	sub_t subs[SVM_WS_SUBS_MAX];
	size_t n_subs;
	msg_t *head, *tail;
	size_t q_count, q_bytes;
	svm_buf_t rx;
	char close_why[120];
	bool closing;
} session_t;

struct node_subs {
	struct lws_context *cx;
	pthread_t thread;
	bool started;
	_Atomic bool stop;
	_Atomic uint64_t head; /* committed height the producer announced */
	uint16_t port;
	svm_node_t *node;
	session_t *sessions; /* service thread only */
	size_t n_sessions;
	uint64_t next_sub_id;
	pthread_mutex_t ring_mu; /* pending ids: written by RPC threads */
	svm_hash_t ring[SVM_WS_PENDING_RING];
	uint64_t ring_seq;       /* ids ever appended */
	_Atomic uint64_t dropped; /* connections closed for being too slow */
	_Atomic uint64_t n_conns; /* n_sessions, for the metrics */
};

/* ------------------------------------------------------------- queue */

static bool enqueue(session_t *s, const char *text, size_t len)
{
	msg_t *m = svm_malloc(sizeof *m + LWS_PRE + len);
	if (m == NULL) return false;
	m->next = NULL;
	m->len = len;
	memcpy(m->buf + LWS_PRE, text, len);
	if (s->tail) s->tail->next = m;
	else s->head = m;
	s->tail = m;
	s->q_count++;
	s->q_bytes += len;
	SVM_ASSERT(s->head != NULL && s->tail == m && m->next == NULL && s->q_bytes >= len);
	lws_callback_on_writable(s->wsi);
	return true;
}

static bool queue_full(const session_t *s)
{
	return s->q_count >= SVM_WS_QUEUE_MSGS_MAX || s->q_bytes >= SVM_WS_QUEUE_BYTES_MAX;
}

/* Queues j (stolen) as compact text; false when it does not fit. */
static bool send_json(session_t *s, json_t *j)
{
	char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	bool ok = t != NULL && enqueue(s, t, strlen(t));
	free(t); /* alloc-check: foreign (jansson's json_dumps) */
	return ok;
}

/* Sends an error notification and closes once it is written (queued past the bound: these two
 * are the last messages the connection gets). */
static void drop(node_subs_t *w, session_t *s, const char *why)
{
	if (s->closing) return;
	SVM_ASSERT(why != NULL && why[0] != 0); /* the client is told why */
	s->closing = true;
	snprintf(s->close_why, sizeof s->close_why, "%s", why);
	atomic_fetch_add(&w->dropped, 1);
	send_json(s, json_pack("{s:s, s:s, s:{s:{s:i, s:s}}}", "jsonrpc", "2.0", "method", "svm_subscriptionError",
			       "params", "error", "code", svm_rpc_app_code(SVM_ELIMIT), "message", why));
	enqueue(s, "", 0); /* the close marker */
}

static json_t *notification(const sub_t *sub, json_t *result)
{
	char id[24];
	snprintf(id, sizeof id, "0x%llx", (unsigned long long)sub->id);
	return json_pack("{s:s, s:s, s:{s:s, s:o}}", "jsonrpc", "2.0", "method", "svm_subscription", "params",
			 "subscription", id, "result", result);
}

/* ----------------------------------------------------------- feeding */

/* A method of the node's RPC table, called in-process: the result (new reference) or NULL. */
static json_t *local_call(node_subs_t *w, const char *method, json_t *params)
{
	json_t *req = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id", 1, "method", method, "params", params);
	char *body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	json_t *resp = NULL;
	if (body != NULL) svm_rpc_dispatch(w->node->rpc, body, strlen(body), &resp);
	free(body); /* alloc-check: foreign (jansson's json_dumps) */
	json_t *r = json_incref(json_object_get(resp, "result"));
	json_decref(resp);
	return r;
}

static bool event_matches(const sub_t *sub, json_t *ev)
{
	svm_id_t em;
	if (sub->has_emitter &&
	    (svm_hash_from_hex(&em, json_string_value(json_object_get(ev, "emitter"))) != 0 || memcmp(&em, &sub->emitter, 32) != 0))
		return false;
	if (sub->has_topic) {
		svm_buf_t t = {0};
		bool same = svm_hex_decode_buf(&t, json_string_value(json_object_get(ev, "topic")), SVM_WS_TOPIC_MAX) == 0 &&
			    t.len == sub->topic_len && memcmp(t.data, sub->topic, t.len) == 0;
		svm_buf_free(&t);
		if (!same) return false;
	}
	return true;
}

/* One block's worth for a heads/events subscription. false when the block could not be read. */
static bool feed_block(node_subs_t *w, session_t *s, sub_t *sub, uint64_t h)
{
	json_t *b = local_call(w, "svm_getBlockByNumber", json_pack("[I, b]", (json_int_t)h, 0));
	if (b == NULL || json_is_null(b)) {
		json_decref(b);
		return false;
	}
	if (sub->kind == SUB_HEADS) {
		json_object_del(b, "transactions");
		return send_json(s, notification(sub, b));
	}
	json_t *txs = json_object_get(b, "transactions");
	bool ok = true;
	for (size_t i = 0; ok && i < json_array_size(txs); i++) {
		json_t *r = local_call(w, "svm_getTransactionReceipt", json_pack("[O]", json_array_get(txs, i)));
		json_t *evs = json_object_get(r, "events");
		for (size_t k = 0; ok && k < json_array_size(evs); k++) {
			json_t *ev = json_array_get(evs, k);
			if (!event_matches(sub, ev)) continue;
			json_t *out = json_pack("{s:I, s:O, s:I, s:I, s:O, s:O, s:O}", "block_height", (json_int_t)h,
						"tx_hash", json_array_get(txs, i), "tx_index", (json_int_t)i, "event_index",
						(json_int_t)k, "emitter", json_object_get(ev, "emitter"), "topic",
						json_object_get(ev, "topic"), "data", json_object_get(ev, "data"));
			ok = send_json(s, notification(sub, out));
		}
		json_decref(r);
	}
	json_decref(b);
	return ok;
}

/* Brings one subscription up to the head as far as the queue allows. */
static void feed_sub(node_subs_t *w, session_t *s, sub_t *sub, uint64_t head)
{
	if (sub->kind == SUB_HEADS || sub->kind == SUB_EVENTS) {
		while (sub->next_height <= head && !s->closing) {
			if (queue_full(s)) {
				/* A backlog waits for the client to read; a live client this slow is dropped. */
				if (sub->live) drop(w, s, "client too slow: its notification queue is full");
				return;
			}
			uint64_t sent = sub->next_height;
			if (!feed_block(w, s, sub, sub->next_height)) return;
			SVM_ASSERT(sub->next_height == sent); /* each height once, in order: no gap */
			sub->next_height++;
		}
		sub->live = true;
	} else if (sub->kind == SUB_PENDING) {
		pthread_mutex_lock(&w->ring_mu);
		uint64_t seq = w->ring_seq;
		SVM_ASSERT(sub->pending_seq <= seq); /* never ahead of the ring */
		if (seq - sub->pending_seq > SVM_WS_PENDING_RING) {
			pthread_mutex_unlock(&w->ring_mu);
			drop(w, s, "client too slow: pending transactions were lost from its window");
			return;
		}
		for (; sub->pending_seq < seq && !queue_full(s); sub->pending_seq++) {
			char h[65];
			SVM_ASSERT(seq - sub->pending_seq <= SVM_WS_PENDING_RING); /* still in the ring */
			svm_hash_hex(&w->ring[sub->pending_seq % SVM_WS_PENDING_RING], h);
			send_json(s, notification(sub, json_string(h)));
		}
		pthread_mutex_unlock(&w->ring_mu);
	} else if (sub->kind == SUB_RECEIPT && sub->id != 0) {
		char h[65];
		json_t *r = local_call(w, "svm_getTransactionReceipt", json_pack("[s]", svm_hash_hex(&sub->tx, h)));
		if (r != NULL && !json_is_null(r) && !queue_full(s)) {
			send_json(s, notification(sub, r));
			sub->id = 0; /* done: removed below */
		} else {
			json_decref(r);
		}
	}
}

static void feed_session(node_subs_t *w, session_t *s)
{
	uint64_t head = atomic_load(&w->head);
	SVM_ASSERT(s->n_subs <= SVM_WS_SUBS_MAX);
	for (size_t i = 0; i < s->n_subs && !s->closing; i++) feed_sub(w, s, &s->subs[i], head);
	size_t k = 0; /* drop finished receipt subscriptions */
	for (size_t i = 0; i < s->n_subs; i++)
		if (s->subs[i].id != 0) s->subs[k++] = s->subs[i];
	SVM_ASSERT(k <= s->n_subs);
	s->n_subs = k;
}

/* ------------------------------------------------------------ requests */

static json_t *reply_error(json_t *id, int code, const char *msg)
{
	return json_pack("{s:s, s:O?, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id, "error", "code", code, "message", msg);
}

static json_t *subscribe(node_subs_t *w, session_t *s, json_t *id, json_t *params)
{
	const char *kind = json_string_value(json_array_get(params, 0));
	json_t *opt = json_array_get(params, 1);
	if (kind == NULL) return reply_error(id, SVM_RPC_INVALID_PARAMS, "params: [kind, {options}]");
	if (s->n_subs >= SVM_WS_SUBS_MAX) {
		char m[96];
		snprintf(m, sizeof m, "at most %d subscriptions per connection", SVM_WS_SUBS_MAX);
		return reply_error(id, svm_rpc_app_code(SVM_ELIMIT), m);
	}
	sub_t sub = {.id = ++w->next_sub_id};
	uint64_t head = atomic_load(&w->head);
	json_t *fh = json_object_get(opt, "from_height");
	sub.next_height = json_is_integer(fh) && json_integer_value(fh) >= 0 ? (uint64_t)json_integer_value(fh) : head + 1;
	if (fh != NULL && !json_is_integer(fh)) return reply_error(id, SVM_RPC_INVALID_PARAMS, "from_height must be an integer");
	if (strcmp(kind, "newHeads") == 0) {
		sub.kind = SUB_HEADS;
	} else if (strcmp(kind, "events") == 0) {
		sub.kind = SUB_EVENTS;
		json_t *em = json_object_get(opt, "emitter"), *tp = json_object_get(opt, "topic");
		if (em != NULL && (!json_is_string(em) || svm_hash_from_hex(&sub.emitter, json_string_value(em)) != 0))
			return reply_error(id, SVM_RPC_INVALID_PARAMS, "emitter must be 64 hex digits");
		sub.has_emitter = em != NULL;
		if (tp != NULL) {
			svm_buf_t t = {0};
			int rc = json_is_string(tp) ? svm_hex_decode_buf(&t, json_string_value(tp), SVM_WS_TOPIC_MAX) : SVM_EDECODE;
			if (rc == 0) memcpy(sub.topic, t.data, t.len), sub.topic_len = t.len;
			svm_buf_free(&t);
			if (rc != 0) return reply_error(id, SVM_RPC_INVALID_PARAMS, "topic must be 0x-hex of at most 64 bytes");
			sub.has_topic = true;
		}
	} else if (strcmp(kind, "pendingTransactions") == 0) {
		sub.kind = SUB_PENDING;
		pthread_mutex_lock(&w->ring_mu);
		sub.pending_seq = w->ring_seq;
		pthread_mutex_unlock(&w->ring_mu);
	} else if (strcmp(kind, "receipt") == 0) {
		sub.kind = SUB_RECEIPT;
		json_t *tx = json_object_get(opt, "tx_hash");
		if (!json_is_string(tx) || svm_hash_from_hex(&sub.tx, json_string_value(tx)) != 0)
			return reply_error(id, SVM_RPC_INVALID_PARAMS, "receipt needs {\"tx_hash\": 64 hex digits}");
	} else {
		return reply_error(id, SVM_RPC_INVALID_PARAMS,
				   "kind must be newHeads, events, pendingTransactions or receipt");
	}
	SVM_ASSERT(s->n_subs < SVM_WS_SUBS_MAX && sub.kind >= SUB_HEADS && sub.kind <= SUB_RECEIPT);
	SVM_ASSERT(sub.topic_len <= sizeof sub.topic);
	s->subs[s->n_subs++] = sub;
	char sid[24];
	snprintf(sid, sizeof sid, "0x%llx", (unsigned long long)sub.id);
	return json_pack("{s:s, s:O?, s:s}", "jsonrpc", "2.0", "id", id, "result", sid);
}

static json_t *unsubscribe(session_t *s, json_t *id, json_t *params)
{
	const char *sid = json_string_value(json_array_get(params, 0));
	uint64_t want = sid ? strtoull(sid, NULL, 16) : 0;
	bool found = false;
	for (size_t i = 0; i < s->n_subs && want != 0; i++)
		if (s->subs[i].id == want) {
			SVM_ASSERT(s->n_subs > 0);
			s->subs[i] = s->subs[--s->n_subs];
			found = true;
			break;
		}
	return json_pack("{s:s, s:O?, s:b}", "jsonrpc", "2.0", "id", id, "result", found);
}

/* One complete text message from the client. */
static void on_message(node_subs_t *w, session_t *s, const char *text, size_t len)
{
	json_error_t je;
	json_t *req = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	const char *method = json_string_value(json_object_get(req, "method"));
	json_t *reply = NULL;
	if (method != NULL && strcmp(method, "svm_subscribe") == 0) {
		reply = subscribe(w, s, json_object_get(req, "id"), json_object_get(req, "params"));
	} else if (method != NULL && strcmp(method, "svm_unsubscribe") == 0) {
		reply = unsubscribe(s, json_object_get(req, "id"), json_object_get(req, "params"));
	} else {
		svm_rpc_dispatch(w->node->rpc, text, len, &reply); /* parse errors and other methods */
	}
	json_decref(req);
	if (reply != NULL && !send_json(s, reply)) drop(w, s, "client too slow: its notification queue is full");
	feed_session(w, s);
}

/* ------------------------------------------------------------ lws glue */

static void session_free(node_subs_t *w, session_t *s)
{
	for (session_t **pp = &w->sessions; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	SVM_ASSERT(w->n_sessions > 0);
	w->n_sessions--;
	atomic_store(&w->n_conns, w->n_sessions);
	while (s->head) {
		msg_t *m = s->head;
		s->head = m->next;
		svm_free(m);
	}
	svm_buf_free(&s->rx);
	svm_free(s);
}

static int on_writable(session_t *s)
{
	msg_t *m = s->head;
	if (m == NULL) return 0;
	if (m->len == 0) { /* the close marker */
		lws_close_reason(s->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, (unsigned char *)s->close_why,
				 strlen(s->close_why));
		return -1;
	}
	if (lws_write(s->wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len) return -1;
	s->head = m->next;
	if (s->head == NULL) s->tail = NULL;
	SVM_ASSERT(s->q_count > 0 && s->q_bytes >= m->len); /* what enqueue counted */
	s->q_count--;
	s->q_bytes -= m->len;
	SVM_ASSERT((s->q_count == 0) == (s->head == NULL));
	svm_free(m);
	if (s->head) lws_callback_on_writable(s->wsi);
	return 0;
}

static int on_receive(node_subs_t *w, session_t *s, const void *in, size_t len)
{
	if (lws_frame_is_binary(s->wsi)) {
		lws_close_reason(s->wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE, (unsigned char *)"text frames only", 16);
		return -1;
	}
	if (s->rx.len + len > SVM_WS_MESSAGE_BYTES_MAX) {
		char why[64];
		int n = snprintf(why, sizeof why, "message over %d bytes", SVM_WS_MESSAGE_BYTES_MAX);
		lws_close_reason(s->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)why, (size_t)n);
		return -1;
	}
	if (svm_buf_append(&s->rx, in, len) != 0) return -1;
	SVM_ASSERT(s->rx.len <= SVM_WS_MESSAGE_BYTES_MAX);
	if (!lws_is_final_fragment(s->wsi) || lws_remaining_packet_payload(s->wsi) > 0) return 0;
	on_message(w, s, (const char *)s->rx.data, s->rx.len);
	svm_buf_reset(&s->rx);
	return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	node_subs_t *w = lws_context_user(lws_get_context(wsi));
	session_t **ps = user, *s = ps ? *ps : NULL;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		if (w->n_sessions >= SVM_WS_CONNECTIONS_MAX) return -1;
		s = svm_calloc(1, sizeof *s);
		if (s == NULL) return -1;
		s->wsi = wsi;
		s->next = w->sessions;
		w->sessions = s;
		w->n_sessions++;
		SVM_ASSERT(w->n_sessions <= SVM_WS_CONNECTIONS_MAX);
		atomic_store(&w->n_conns, w->n_sessions);
		*ps = s;
		{ /* bound what the kernel buffers for this client: past it, our queue's bound applies */
			int sndbuf = SVM_WS_SOCKET_SNDBUF;
			setsockopt(lws_get_socket_fd(wsi), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
		}
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return s ? on_receive(w, s, in, len) : -1;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (s == NULL) return -1;
		if (on_writable(s) != 0) return -1;
		if (s->head == NULL) feed_session(w, s); /* a paced backlog continues */
		return 0;
	case LWS_CALLBACK_CLOSED:
		if (s) session_free(w, s);
		*ps = NULL;
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED: /* a new head or pending transaction */
		for (session_t *x = w->sessions; x; x = x->next)
			if (!x->closing) feed_session(w, x);
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
	{"svm", callback, sizeof(session_t *), 4096, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

static void *service_main(void *arg)
{
	node_subs_t *w = arg;
	while (!atomic_load(&w->stop)) lws_service(w->cx, 0);
	return NULL;
}

int node_subs_start(svm_node_t *n, svm_error_t *err)
{
	if (!n->cfg.ws_enabled) return 0;
	node_subs_t *w = svm_calloc(1, sizeof *w);
	if (w == NULL) return svm_error_set(err, SVM_ENOMEM, "out of memory");
	w->node = n;
	atomic_store(&w->head, atomic_load(&n->head_height));
	pthread_mutex_init(&w->ring_mu, NULL);
	lws_set_log_level(LLL_ERR, NULL);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = n->cfg.ws_port;
	info.iface = n->cfg.ws_host[0] ? n->cfg.ws_host : "127.0.0.1";
	info.protocols = protocols;
	info.user = w;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	info.timeout_secs = 60;
	w->cx = lws_create_context(&info);
	if (w->cx == NULL) {
		pthread_mutex_destroy(&w->ring_mu);
		svm_free(w);
		return svm_error_set(err, SVM_EIO, "cannot listen for WebSocket on %s:%u", info.iface, n->cfg.ws_port);
	}
	struct lws_vhost *vh = lws_get_vhost_by_name(w->cx, "default");
	w->port = vh ? (uint16_t)lws_get_vhost_listen_port(vh) : n->cfg.ws_port;
	n->subs = w;
	if (pthread_create(&w->thread, NULL, service_main, w) != 0) {
		node_subs_stop(n);
		return svm_error_set(err, SVM_EIO, "cannot start the WebSocket thread");
	}
	w->started = true;
	return 0;
}

void node_subs_stop(svm_node_t *n)
{
	node_subs_t *w = n->subs;
	if (w == NULL) return;
	atomic_store(&w->stop, true);
	lws_cancel_service(w->cx);
	if (w->started) pthread_join(w->thread, NULL);
	lws_context_destroy(w->cx); /* closes every connection: CLOSED frees each session */
	while (w->sessions) session_free(w, w->sessions);
	pthread_mutex_destroy(&w->ring_mu);
	svm_free(w);
	n->subs = NULL;
}

uint16_t node_subs_port(const svm_node_t *n) { return n->subs ? n->subs->port : 0; }

void node_subs_block(svm_node_t *n, uint64_t height)
{
	node_subs_t *w = n->subs;
	if (w == NULL) return;
	atomic_store(&w->head, height);
	lws_cancel_service(w->cx);
}

void node_subs_pending(svm_node_t *n, const svm_hash_t *id)
{
	node_subs_t *w = n->subs;
	if (w == NULL) return;
	_Static_assert(SVM_WS_PENDING_RING > 0, "a ring of at least one id");
	pthread_mutex_lock(&w->ring_mu);
	w->ring[w->ring_seq % SVM_WS_PENDING_RING] = *id;
	w->ring_seq++;
	pthread_mutex_unlock(&w->ring_mu);
	lws_cancel_service(w->cx);
}


int svm_node_parse_ws_addr(svm_node_config_t *c, const char *s, svm_error_t *err)
{
	/* The same HOST:PORT grammar as the RPC address, parsed by its own function on a copy. */
	svm_node_config_t t;
	memset(&t, 0, sizeof t);
	snprintf(t.rpc_host, sizeof t.rpc_host, "%s", c->ws_host[0] ? c->ws_host : "127.0.0.1");
	t.rpc_port = c->ws_port;
	int rc = svm_node_parse_rpc_addr(&t, s, err);
	if (rc != 0) return rc;
	snprintf(c->ws_host, sizeof c->ws_host, "%s", t.rpc_host);
	c->ws_port = t.rpc_port;
	c->ws_enabled = true;
	return 0;
}

void node_subs_counts(const svm_node_t *n, uint64_t *connections, uint64_t *dropped)
{
	*connections = n->subs ? atomic_load(&n->subs->n_conns) : 0;
	*dropped = n->subs ? atomic_load(&n->subs->dropped) : 0;
}

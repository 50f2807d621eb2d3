/* The JSON-RPC 2.0 server: request parsing and batch dispatch over a method table, served by
 * evhttp on one or more event-loop threads that all accept on one listening socket; with a
 * conns_max, open connections are counted and those past the bound refused at once. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "supervm/rpc.h"

typedef struct conn conn_t;

typedef struct {
	pthread_t thread;
	bool started;
	struct event_base *base;
	struct evhttp *http;
	svm_rpc_server_t *server;
	struct event *settle_ev; /* settles the connections in `fresh` (conns_max only) */
	conn_t *fresh;           /* accepted on this thread, not yet settled */
} worker_t;

/* A connection of a server with conns_max, from its accept (conn_new, which gives evhttp its
 * bufferevent) until its end (conn_closed, evhttp's close callback). Between the two, settle
 * runs once, in the same loop iteration as the accept: it refuses a connection past the bound,
 * or hooks the close callback of a counted one. The bufferevent is held (a reference) only
 * until then, so it never outlives evhttp's close of its descriptor. */
struct conn {
	worker_t *w;
	struct bufferevent *bev; /* held until settled */
	bool over;               /* past the bound: refused at once, never counted */
	conn_t *next;            /* in w->fresh */
};

/* Request-latency histogram buckets (upper bounds, µs) for the per-method metrics. */
static const uint64_t latency_us_le[] = {50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 1000000};
#define LATENCY_BUCKETS (sizeof latency_us_le / sizeof latency_us_le[0])

typedef struct {
	_Atomic uint64_t calls, errors, sum_ns;
	_Atomic uint64_t bucket[LATENCY_BUCKETS]; /* non-cumulative; +Inf = calls */
} method_stats_t;

struct svm_rpc_server {
	svm_rpc_method_t methods[SVM_RPC_METHODS_MAX];
	method_stats_t stats[SVM_RPC_METHODS_MAX + 1]; /* the last: unknown methods */
	svm_rpc_get_fn get;
	void *get_ctx;
	size_t n_methods;
	size_t body_bytes_max;
	size_t batch_max;
	int fd;
	uint16_t port;
	unsigned n_workers;
	worker_t workers[SVM_RPC_THREADS_MAX];
	_Atomic uint64_t requests;
	unsigned conns_max;
	_Atomic unsigned conns;
	_Atomic uint64_t conns_refused;
};

json_t *svm_rpc_fail(svm_rpc_error_t *e, int code, const char *fmt, ...)
{
	e->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return NULL;
}

json_t *svm_rpc_fail_svm(svm_rpc_error_t *e, const svm_error_t *err)
{
	int code = err->code < 0 ? err->code : SVM_EINVAL;
	const char *msg = err->msg[0] ? err->msg : svm_strerror(code);
	return svm_rpc_fail(e, svm_rpc_app_code(code), "%s", msg);
}

json_t *svm_rpc_param(json_t *params, size_t index, const char *name)
{
	if (params == NULL) return NULL;
	if (json_is_array(params)) return json_array_get(params, index);
	if (json_is_object(params) && name != NULL) return json_object_get(params, name);
	return NULL;
}

/* ------------------------------------------------------------ dispatch */

static json_t *error_reply(json_t *id, int code, const char *msg)
{
	json_t *err = json_pack("{s:i, s:s}", "code", code, "message", msg);
	/* Application codes carry the SuperVM error's name, for scripts and people alike. */
	if (err != NULL && code < SVM_RPC_APP_BASE && code >= SVM_RPC_APP_BASE + SVM_E_LAST) {
		int svm = code - SVM_RPC_APP_BASE;
		json_object_set_new(err, "data", json_pack("{s:s, s:i}", "reason", svm_strerror(svm),
							   "svm_code", svm));
	}
	return json_pack("{s:s, s:O?, s:o}", "jsonrpc", "2.0", "id", id, "error", err);
}

static const svm_rpc_method_t *find_method(const svm_rpc_server_t *s, const char *name)
{
	for (size_t i = 0; i < s->n_methods; i++)
		if (strcmp(s->methods[i].name, name) == 0) return &s->methods[i];
	return NULL;
}

static void record(method_stats_t *st, uint64_t ns, bool failed)
{
	atomic_fetch_add_explicit(&st->calls, 1, memory_order_relaxed);
	if (failed) atomic_fetch_add_explicit(&st->errors, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&st->sum_ns, ns, memory_order_relaxed);
	for (size_t b = 0; b < LATENCY_BUCKETS; b++)
		if (ns <= latency_us_le[b] * 1000) {
			atomic_fetch_add_explicit(&st->bucket[b], 1, memory_order_relaxed);
			break;
		}
}

/* One metric family's samples for method k (named name): 0 requests, 1 errors, 2 latency. */
static int family_lines(const svm_rpc_server_t *s, size_t k, const char *name, int family, svm_buf_t *out)
{
	method_stats_t *st = (method_stats_t *)&s->stats[k];
	if (family == 0)
		return svm_buf_printf(out, "supervm_rpc_requests_total{method=\"%s\"} %llu\n", name,
				      (unsigned long long)atomic_load_explicit(&st->calls, memory_order_relaxed));
	if (family == 1)
		return svm_buf_printf(out, "supervm_rpc_errors_total{method=\"%s\"} %llu\n", name,
				      (unsigned long long)atomic_load_explicit(&st->errors, memory_order_relaxed));
	uint64_t cum = 0;
	int rc = 0;
	for (size_t b = 0; rc == 0 && b < LATENCY_BUCKETS; b++) {
		cum += atomic_load_explicit(&st->bucket[b], memory_order_relaxed);
		rc = svm_buf_printf(out, "supervm_rpc_request_duration_seconds_bucket{method=\"%s\",le=\"%g\"} %llu\n",
				    name, (double)latency_us_le[b] / 1e6, (unsigned long long)cum);
	}
	/* Counters move while we read: +Inf and _count are never below the last bucket. */
	uint64_t n = atomic_load_explicit(&st->calls, memory_order_relaxed);
	if (n < cum) n = cum;
	if (rc == 0)
		rc = svm_buf_printf(out,
				    "supervm_rpc_request_duration_seconds_bucket{method=\"%s\",le=\"+Inf\"} %llu\n"
				    "supervm_rpc_request_duration_seconds_sum{method=\"%s\"} %.9f\n"
				    "supervm_rpc_request_duration_seconds_count{method=\"%s\"} %llu\n",
				    name, (unsigned long long)n, name,
				    (double)atomic_load_explicit(&st->sum_ns, memory_order_relaxed) / 1e9, name,
				    (unsigned long long)n);
	return rc;
}

int svm_rpc_server_metrics(const svm_rpc_server_t *s, svm_buf_t *out)
{
	static const char *const fam[3][3] = {
		{"supervm_rpc_requests_total", "counter", "JSON-RPC requests by method (each request of a batch)."},
		{"supervm_rpc_errors_total", "counter", "JSON-RPC requests answered with an error, by method."},
		{"supervm_rpc_request_duration_seconds", "histogram", "Time to run a JSON-RPC method, by method."},
	};
	int rc = svm_buf_printf(out, "# HELP supervm_rpc_http_requests_total HTTP requests served (a batch counts once).\n"
				     "# TYPE supervm_rpc_http_requests_total counter\nsupervm_rpc_http_requests_total %llu\n",
				(unsigned long long)svm_rpc_server_requests(s));
	for (int f = 0; rc == 0 && f < 3; f++) {
		rc = svm_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", fam[f][0], fam[f][2], fam[f][0], fam[f][1]);
		for (size_t i = 0; rc == 0 && i <= s->n_methods; i++) /* the last: unknown methods */
			rc = family_lines(s, i < s->n_methods ? i : SVM_RPC_METHODS_MAX,
					  i < s->n_methods ? s->methods[i].name : "unknown", f, out);
	}
	return rc;
}

/* One request object → its reply (NULL for a notification). */
static json_t *handle_one(svm_rpc_server_t *s, json_t *req)
{
	if (!json_is_object(req)) return error_reply(NULL, SVM_RPC_INVALID_REQUEST, "request must be an object");
	json_t *id = json_object_get(req, "id");
	if (id != NULL && !json_is_string(id) && !json_is_number(id) && !json_is_null(id))
		return error_reply(NULL, SVM_RPC_INVALID_REQUEST, "id must be a string, number or null");
	json_t *ver = json_object_get(req, "jsonrpc");
	if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0)
		return error_reply(id, SVM_RPC_INVALID_REQUEST, "jsonrpc must be \"2.0\"");
	json_t *method = json_object_get(req, "method");
	if (!json_is_string(method))
		return error_reply(id, SVM_RPC_INVALID_REQUEST, "method must be a string");
	json_t *params = json_object_get(req, "params");
	if (params != NULL && !json_is_array(params) && !json_is_object(params))
		return error_reply(id, SVM_RPC_INVALID_REQUEST, "params must be an array or an object");

	const svm_rpc_method_t *m = find_method(s, json_string_value(method));
	json_t *reply;
	uint64_t t0 = svm_clock_ns();
	bool failed = true;
	if (m == NULL) {
		char msg[160];
		snprintf(msg, sizeof(msg), "method not found: %.100s", json_string_value(method));
		reply = error_reply(id, SVM_RPC_METHOD_NOT_FOUND, msg);
	} else {
		svm_rpc_error_t e = {SVM_RPC_INTERNAL_ERROR, "internal error", NULL};
		json_t *result = m->fn(m->ctx, params, &e);
		failed = result == NULL;
		reply = result != NULL
				? json_pack("{s:s, s:O?, s:o}", "jsonrpc", "2.0", "id", id, "result", result)
				: error_reply(id, e.code, e.msg);
		json_t *err_obj = result == NULL ? json_object_get(reply, "error") : NULL;
		if (e.data != NULL && err_obj != NULL) json_object_set_new(err_obj, "data", e.data);
		else if (e.data != NULL) json_decref(e.data);
	}
	record(&s->stats[m != NULL ? (size_t)(m - s->methods) : SVM_RPC_METHODS_MAX], svm_clock_ns() - t0, failed);
	if (id == NULL) { /* a notification: run, never answer */
		json_decref(reply);
		return NULL;
	}
	return reply;
}

void svm_rpc_dispatch(svm_rpc_server_t *s, const char *body, size_t len, json_t **response)
{
	json_error_t je;
	json_t *req = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (req == NULL) {
		char msg[256];
		snprintf(msg, sizeof(msg), "parse error at line %d column %d: %s", je.line, je.column,
			 je.text);
		*response = error_reply(NULL, SVM_RPC_PARSE_ERROR, msg);
		return;
	}
	if (!json_is_array(req)) {
		*response = handle_one(s, req);
		json_decref(req);
		return;
	}
	size_t n = json_array_size(req);
	if (n == 0 || n > s->batch_max) {
		char msg[96];
		snprintf(msg, sizeof(msg), "batch must hold 1 to %zu requests, not %zu", s->batch_max, n);
		*response = error_reply(NULL, SVM_RPC_INVALID_REQUEST, msg);
		json_decref(req);
		return;
	}
	json_t *out = json_array();
	for (size_t i = 0; i < n && out != NULL; i++) {
		json_t *r = handle_one(s, json_array_get(req, i));
		if (r != NULL) json_array_append_new(out, r);
	}
	json_decref(req);
	if (out != NULL && json_array_size(out) == 0) {
		json_decref(out);
		out = NULL;
	}
	*response = out;
}

/* ---------------------------------------------------------------- HTTP */

static _Thread_local char tl_peer[64];

const char *svm_rpc_peer(void) { return tl_peer; }

static void set_peer(struct evhttp_request *req)
{
	char *addr = NULL;
	ev_uint16_t port = 0;
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	if (conn != NULL) evhttp_connection_get_peer(conn, &addr, &port);
	snprintf(tl_peer, sizeof tl_peer, "%s", addr != NULL ? addr : "");
}

static void free_dump(const void *data, size_t len, void *arg) { svm_free((void *)data); }

/* GET: the configured handler (the node's /metrics); the body is copied into the reply. */
static void on_get(svm_rpc_server_t *s, struct evhttp_request *req, struct evkeyvalq *out_h)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	svm_buf_t body = {.cap_max = SVM_RPC_RESPONSE_BYTES_MAX};
	const char *ctype = "text/plain; charset=utf-8";
	int status = s->get(s->get_ctx, path && path[0] ? path : "/", &body, &ctype);
	struct evbuffer *out = evbuffer_new();
	if (out == NULL || evbuffer_add(out, body.data ? (const void *)body.data : "", body.len) != 0) {
		if (out != NULL) evbuffer_free(out);
		svm_buf_free(&body);
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	svm_buf_free(&body);
	evhttp_add_header(out_h, "Content-Type", ctype);
	evhttp_send_reply(req, status, status == 200 ? "OK" : status == 404 ? "Not Found" : "Error", out);
	evbuffer_free(out);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	svm_rpc_server_t *s = arg;
	atomic_fetch_add_explicit(&s->requests, 1, memory_order_relaxed);
	struct evkeyvalq *out_h = evhttp_request_get_output_headers(req);
	if (evhttp_request_get_command(req) == EVHTTP_REQ_GET && s->get != NULL) {
		on_get(s, req, out_h);
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_add_header(out_h, "Allow", "POST");
		evhttp_send_error(req, 405, "JSON-RPC needs POST");
		return;
	}
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *body = (const char *)evbuffer_pullup(in, -1);
	json_t *resp = NULL;
	set_peer(req);
	svm_rpc_dispatch(s, body != NULL ? body : "", len, &resp);
	tl_peer[0] = 0;
	if (resp == NULL) {
		evhttp_send_reply(req, 204, "No Content", NULL);
		return;
	}
	char *text = json_dumps(resp, JSON_COMPACT);
	json_decref(resp);
	if (text == NULL) {
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	struct evbuffer *out = evbuffer_new();
	if (out == NULL || evbuffer_add_reference(out, text, strlen(text), free_dump, NULL) != 0) {
		svm_free(text);
		if (out != NULL) evbuffer_free(out);
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	evhttp_add_header(out_h, "Content-Type", "application/json");
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

/* ------------------------------------------------------- connection bound */

static void conn_closed(struct evhttp_connection *evcon, void *arg)
{
	conn_t *c = arg;
	SVM_VERIFY(atomic_fetch_sub(&c->w->server->conns, 1) > 0);
	svm_free(c);
}

/* evhttp's bufferevent for a connection just accepted (its descriptor is set after): a socket
 * bufferevent as evhttp makes its own (it closes the descriptor itself), counted, or marked past
 * the bound. NULL (evhttp then makes its own, uncounted) only when out of memory. */
static struct bufferevent *conn_new(struct event_base *base, void *arg)
{
	worker_t *w = arg;
	svm_rpc_server_t *s = w->server;
	conn_t *c = svm_calloc(1, sizeof *c);
	if (c == NULL) return NULL;
	c->w = w;
	c->bev = bufferevent_socket_new(base, -1, 0);
	if (c->bev == NULL) {
		svm_free(c);
		return NULL;
	}
	bufferevent_incref(c->bev); /* released by settle */
	if (atomic_fetch_add(&s->conns, 1) >= s->conns_max) {
		atomic_fetch_sub(&s->conns, 1);
		atomic_fetch_add(&s->conns_refused, 1);
		c->over = true;
	}
	c->next = w->fresh;
	w->fresh = c;
	event_active(w->settle_ev, EV_TIMEOUT, 1); /* runs once evhttp has set the connection up */
	return c->bev;
}

/* Answers a connection past the bound with HTTP 503 and a JSON-RPC error naming the bound (what
 * arrived of a request read off first, so that the close is not a reset that could discard the
 * answer). evhttp then frees it, closing the descriptor. */
static void conn_refuse(svm_rpc_server_t *s, struct bufferevent *bev)
{
	char body[224], msg[416];
	int n = snprintf(body, sizeof body,
			 "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":%d,\"message\":\"refused: "
			 "%u connections are open, the server's most at once; close idle ones or try "
			 "again\"}}",
			 svm_rpc_app_code(SVM_EBUSY), s->conns_max);
	int m = snprintf(msg, sizeof msg,
			 "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
			 "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
			 n, body);
	SVM_ASSERT(n > 0 && (size_t)n < sizeof body && m > 0 && (size_t)m < sizeof msg);
	int fd = bufferevent_getfd(bev);
	if (fd < 0) return;
	char drain[4096];
	for (size_t got = 0; got < SVM_RPC_REFUSE_DRAIN_BYTES;) {
		ssize_t k = recv(fd, drain, sizeof drain, MSG_DONTWAIT);
		if (k <= 0) break;
		got += (size_t)k;
	}
	(void)!send(fd, msg, (size_t)m, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Settles this thread's fresh connections: a live one past the bound is refused and freed, a
 * live counted one gets conn_closed as its close callback; one evhttp already freed (it clears
 * the callbacks, on its out-of-memory paths) is forgotten. */
static void settle(evutil_socket_t unused, short what, void *arg)
{
	worker_t *w = arg;
	while (w->fresh != NULL) {
		conn_t *c = w->fresh;
		w->fresh = c->next;
		bufferevent_data_cb rd = NULL, wr = NULL;
		bufferevent_event_cb ev = NULL;
		void *evcon = NULL;
		bufferevent_getcb(c->bev, &rd, &wr, &ev, &evcon);
		bool alive = rd != NULL && evcon != NULL; /* evhttp set them with its connection */
		if (alive && c->over) conn_refuse(w->server, c->bev);
		bufferevent_decref(c->bev); /* evhttp's reference remains while it lives */
		c->bev = NULL;
		if (alive && c->over) evhttp_connection_free(evcon); /* closes the descriptor */
		if (alive && !c->over) {
			evhttp_connection_set_closecb(evcon, conn_closed, c);
			continue;
		}
		if (!c->over) atomic_fetch_sub(&w->server->conns, 1);
		svm_free(c);
	}
}

static void *worker_main(void *arg)
{
	worker_t *w = arg;
	event_base_dispatch(w->base);
	return NULL;
}

static pthread_once_t evthread_once = PTHREAD_ONCE_INIT;
static void evthread_setup(void) { evthread_use_pthreads(); }

/* Creates, binds and listens on the server socket; fills s->fd and s->port. */
static int listen_socket(svm_rpc_server_t *s, const char *host, uint16_t port, svm_error_t *err)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	socklen_t sl;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		sl = sizeof *a4;
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		sl = sizeof *a6;
	} else {
		return svm_error_set(err, SVM_EINVAL, "rpc host %s is not a numeric address", host);
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) return svm_error_set(err, SVM_EIO, "socket: %s", strerror(errno));
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 1024) != 0) {
		int e = errno;
		close(fd);
		return svm_error_set(err, SVM_EIO, "cannot listen on %s:%u: %s", host, port, strerror(e));
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		close(fd);
		return svm_error_set(err, SVM_EIO, "getsockname: %s", strerror(errno));
	}
	s->port = ntohs(ss.ss_family == AF_INET ? a4->sin_port : a6->sin6_port);
	s->fd = fd;
	return 0;
}

static int worker_start(svm_rpc_server_t *s, worker_t *w, unsigned timeout_s, svm_error_t *err)
{
	w->server = s;
	w->base = event_base_new();
	if (w->base == NULL) return svm_error_set(err, SVM_ENOMEM, "event_base_new failed");
	w->http = evhttp_new(w->base);
	if (w->http == NULL) return svm_error_set(err, SVM_ENOMEM, "evhttp_new failed");
	evhttp_set_max_body_size(w->http, (ev_ssize_t)s->body_bytes_max);
	evhttp_set_max_headers_size(w->http, 16384);
	evhttp_set_timeout(w->http, (int)timeout_s);
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_POST | EVHTTP_REQ_GET);
	/* Read and drop the rest of an oversize body before answering 413, so the client sees it. */
	evhttp_set_flags(w->http, EVHTTP_SERVER_LINGERING_CLOSE);
	evhttp_set_gencb(w->http, on_request, s);
	if (s->conns_max) {
		w->settle_ev = event_new(w->base, -1, 0, settle, w);
		if (w->settle_ev == NULL) return svm_error_set(err, SVM_ENOMEM, "event_new failed");
		evhttp_set_bevcb(w->http, conn_new, w);
	}
	/* Each evhttp closes its listener's fd when freed, so each gets its own dup. */
	int fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) return svm_error_set(err, SVM_EIO, "dup: %s", strerror(errno));
	if (evhttp_accept_socket(w->http, fd) != 0) {
		close(fd);
		return svm_error_set(err, SVM_EIO, "evhttp_accept_socket failed");
	}
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return svm_error_set(err, SVM_EIO, "pthread_create failed");
	w->started = true;
	return 0;
}

int svm_rpc_server_start(svm_rpc_server_t **out, const svm_rpc_config_t *cfg,
			 const svm_rpc_method_t *methods, size_t n_methods, svm_error_t *err)
{
	*out = NULL;
	if (n_methods > SVM_RPC_METHODS_MAX)
		return svm_error_set(err, SVM_ELIMIT, "%zu methods > %d", n_methods, SVM_RPC_METHODS_MAX);
	unsigned threads = cfg->threads ? cfg->threads : 1;
	if (threads > SVM_RPC_THREADS_MAX)
		return svm_error_set(err, SVM_ELIMIT, "%u rpc threads > %d", threads, SVM_RPC_THREADS_MAX);
	if (cfg->conns_max > SVM_RPC_CONNS_MAX)
		return svm_error_set(err, SVM_ELIMIT, "%u connections > %d", cfg->conns_max, SVM_RPC_CONNS_MAX);
	pthread_once(&evthread_once, evthread_setup);
	svm_rpc_server_t *s = svm_calloc(1, sizeof *s);
	if (s == NULL) return svm_error_set(err, SVM_ENOMEM, "out of memory");
	if (n_methods > 0) memcpy(s->methods, methods, n_methods * sizeof *methods);
	s->n_methods = n_methods;
	s->get = cfg->get;
	s->get_ctx = cfg->get_ctx;
	s->body_bytes_max = cfg->body_bytes_max ? cfg->body_bytes_max : SVM_RPC_BODY_BYTES_MAX_DEFAULT;
	s->batch_max = cfg->batch_max ? cfg->batch_max : SVM_RPC_BATCH_MAX_DEFAULT;
	s->conns_max = cfg->conns_max;
	s->fd = -1;
	int rc = listen_socket(s, cfg->host ? cfg->host : "127.0.0.1", cfg->port, err);
	for (unsigned i = 0; rc == 0 && i < threads; i++) {
		rc = worker_start(s, &s->workers[i], cfg->timeout_s ? cfg->timeout_s : 60, err);
		s->n_workers = i + 1;
	}
	if (rc != 0) {
		svm_rpc_server_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

uint16_t svm_rpc_server_port(const svm_rpc_server_t *s) { return s->port; }

uint64_t svm_rpc_server_requests(const svm_rpc_server_t *s)
{
	return atomic_load_explicit(&((svm_rpc_server_t *)s)->requests, memory_order_relaxed);
}

unsigned svm_rpc_server_conns(const svm_rpc_server_t *s, uint64_t *refused)
{
	svm_rpc_server_t *m = (svm_rpc_server_t *)s;
	if (refused) *refused = atomic_load(&m->conns_refused);
	return atomic_load(&m->conns);
}

void svm_rpc_server_free(svm_rpc_server_t *s)
{
	if (s == NULL) return;
	for (unsigned i = 0; i < s->n_workers; i++)
		/* loopexit (not loopbreak): it is queued as an event, so a loop that has not started
		 * dispatching yet still sees it. */
		if (s->workers[i].started) event_base_loopexit(s->workers[i].base, NULL);
	for (unsigned i = 0; i < s->n_workers; i++) {
		worker_t *w = &s->workers[i];
		if (w->started) pthread_join(w->thread, NULL);
		if (w->http != NULL) evhttp_free(w->http); /* its connections end: conn_closed */
		while (w->fresh != NULL) { /* accepted as the loop stopped: never settled */
			conn_t *c = w->fresh;
			w->fresh = c->next;
			bufferevent_decref(c->bev);
			if (!c->over) atomic_fetch_sub(&s->conns, 1);
			svm_free(c);
		}
		if (w->settle_ev != NULL) event_free(w->settle_ev);
		if (w->base != NULL) event_base_free(w->base);
	}
	if (s->fd >= 0) close(s->fd);
	svm_free(s);
}

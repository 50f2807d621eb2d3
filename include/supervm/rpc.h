/* SuperVM JSON-RPC 2.0 over HTTP: a server on libevent's evhttp (one event loop per server
 * thread, all accepting on one loopback socket) that dispatches to a table of methods, and a
 * small blocking HTTP/1.1 client used by the `supervm` command, the e2e tests and the load
 * generator. The methods themselves (svm_*) are registered by the node (src/node/api.c).
 *
 * Error codes: the JSON-RPC 2.0 standard codes below, plus application codes for SuperVM
 * errors: code = SVM_RPC_APP_BASE + e for e an SVM_E… code (e.g. SVM_ESIG = -8 → -32008), with
 * svm_strerror(e) as error.data.reason. docs/rpc.md lists every code. */
#ifndef SUPERVM_RPC_H
#define SUPERVM_RPC_H

#include <jansson.h>

#include "supervm/base.h"

/* ---------------------------------------------------------- error codes */

#define SVM_RPC_PARSE_ERROR -32700      /* the body is not JSON */
#define SVM_RPC_INVALID_REQUEST -32600  /* not a JSON-RPC 2.0 request (or an empty/oversize batch) */
#define SVM_RPC_METHOD_NOT_FOUND -32601 /* no such method */
#define SVM_RPC_INVALID_PARAMS -32602   /* wrong number, type or format of params */
#define SVM_RPC_INTERNAL_ERROR -32603   /* a bug or a storage failure on the node */
#define SVM_RPC_APP_BASE -32000         /* application code = SVM_RPC_APP_BASE + SVM_E… */

/* The application code of an SVM_E… error (negative), e.g. SVM_ENONCE → -32010. */
static inline int svm_rpc_app_code(int svm_err) { return SVM_RPC_APP_BASE + svm_err; }

/* -------------------------------------------------------------- limits */

#define SVM_RPC_BODY_BYTES_MAX_DEFAULT (4u << 20) /* request body (HTTP 413 past it) */
#define SVM_RPC_BATCH_MAX_DEFAULT 1000            /* requests in one batch */
#define SVM_RPC_METHODS_MAX 128                   /* entries in one server's method table */
#define SVM_RPC_THREADS_MAX 16                    /* server event-loop threads */
#define SVM_RPC_CONNS_MAX 4096                    /* a server's bound on open connections */
#define SVM_RPC_REFUSE_DRAIN_BYTES 65536          /* read off a refused connection before closing */
#define SVM_RPC_RESPONSE_BYTES_MAX (64u << 20)    /* a response the client accepts */

/* ------------------------------------------------------------- methods */

/* A method's failure: a JSON-RPC code and a message for error.message. */
typedef struct {
	int code;
	char msg[SVM_ERROR_MSG_MAX];
	json_t *data; /* optional error.data (a new reference the server takes), e.g. revert bytes */
} svm_rpc_error_t;

/* Fills e and returns NULL, so a method can `return svm_rpc_fail(e, code, "...")`. */
json_t *svm_rpc_fail(svm_rpc_error_t *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Fills e from an SVM_E… error: code svm_rpc_app_code(err->code), message err->msg (or the
 * error's name when empty). Returns NULL. */
json_t *svm_rpc_fail_svm(svm_rpc_error_t *e, const svm_error_t *err);

/* A method: params is the request's "params" (an array, an object, or NULL when absent; borrowed).
 * Returns the result as a new reference, or NULL with e filled. Called on a server thread;
 * with more than one server thread a method must be thread-safe. */
typedef json_t *(*svm_rpc_fn)(void *ctx, json_t *params, svm_rpc_error_t *e);

typedef struct {
	const char *name; /* static string */
	svm_rpc_fn fn;
	void *ctx;
} svm_rpc_method_t;

/* Positional or named parameter: params[index] when params is an array, params[name] when it
 * is an object; NULL when absent (borrowed). */
json_t *svm_rpc_param(json_t *params, size_t index, const char *name);

/* The address (numeric IP, no port) of the client whose HTTP request this thread is serving, for
 * methods that limit per client (the devnet faucet); "" outside a request. Thread-local. */
const char *svm_rpc_peer(void);

/* Dispatches one request body (a single request or a batch) to the method table without
 * HTTP: *response receives a new JSON value (NULL when every request was a notification).
 * Used by the server and by unit tests. */
typedef struct svm_rpc_server svm_rpc_server_t;
void svm_rpc_dispatch(svm_rpc_server_t *s, const char *body, size_t len, json_t **response);

/* -------------------------------------------------------------- server */

/* A GET handler (e.g. the node's /metrics): path is the request's path without the query;
 * appends the body to out, sets *content_type (a static string) and returns the HTTP status
 * (404 for a path it does not serve). Called on a server thread; must be thread-safe. */
typedef int (*svm_rpc_get_fn)(void *ctx, const char *path, svm_buf_t *out, const char **content_type);

typedef struct {
	const char *host;       /* numeric IPv4/IPv6 address; NULL = "127.0.0.1" */
	uint16_t port;          /* 0 = pick a free port (see svm_rpc_server_port) */
	unsigned threads;       /* event-loop threads; 0 = 1 */
	size_t body_bytes_max;  /* 0 = SVM_RPC_BODY_BYTES_MAX_DEFAULT */
	size_t batch_max;       /* 0 = SVM_RPC_BATCH_MAX_DEFAULT */
	unsigned timeout_s;     /* idle connection timeout; 0 = 60 */
	unsigned conns_max;     /* connections open at once (≤ SVM_RPC_CONNS_MAX); 0 = unbounded.
				   Past it a new connection is answered HTTP 503 with a JSON-RPC
				   error naming the bound, and closed at once */
	svm_rpc_get_fn get;     /* GET requests; NULL = 405 for every GET */
	void *get_ctx;
} svm_rpc_config_t;

/* Creates a server with the method table (copied; ≤ SVM_RPC_METHODS_MAX), binds and listens, and
 * starts its threads. SVM_EIO (with the OS reason in err) if the address cannot be bound.
 * The caller owns *out and frees it with svm_rpc_server_free. */
int svm_rpc_server_start(svm_rpc_server_t **out, const svm_rpc_config_t *cfg,
			 const svm_rpc_method_t *methods, size_t n_methods, svm_error_t *err);
/* The bound port (useful with port 0). */
uint16_t svm_rpc_server_port(const svm_rpc_server_t *s);
/* Requests served so far (HTTP requests, a batch counts once). Thread-safe. */
uint64_t svm_rpc_server_requests(const svm_rpc_server_t *s);
/* With a conns_max: the connections open now, and those refused past the bound so far (0 and
 * 0 without one). Thread-safe. */
unsigned svm_rpc_server_conns(const svm_rpc_server_t *s, uint64_t *refused);
/* Appends the server's per-method counters and request-latency histograms in the Prometheus
 * text format (supervm_rpc_requests_total, supervm_rpc_errors_total,
 * supervm_rpc_request_duration_seconds, by method; docs/ecosystem.md). Thread-safe. */
int svm_rpc_server_metrics(const svm_rpc_server_t *s, svm_buf_t *out);
/* Stops every thread (in-flight requests finish), closes the socket and frees s. NULL is a no-op. */
void svm_rpc_server_free(svm_rpc_server_t *s);

/* -------------------------------------------------------------- client */

/* A blocking HTTP/1.1 keep-alive client for one server. Not thread-safe: one per thread. */
typedef struct svm_rpc_client svm_rpc_client_t;

/* Parses "http://HOST:PORT[/]", "HOST:PORT" or ":PORT" (HOST a numeric address or "localhost").
 * SVM_EINVAL with a message on a malformed URL. Does not connect yet. */
int svm_rpc_client_new(svm_rpc_client_t **out, const char *url, unsigned timeout_ms,
		       svm_error_t *err);
void svm_rpc_client_free(svm_rpc_client_t *c);

/* POSTs body and reads the whole response body into resp (reset first); *http_status gets the
 * status code. Reconnects once if the kept-alive connection was closed. SVM_EIO on connection
 * failure or timeout, SVM_EDECODE on a malformed HTTP response. */
int svm_rpc_client_post(svm_rpc_client_t *c, const void *body, size_t len, svm_buf_t *resp,
			int *http_status, svm_error_t *err);

/* Calls one method: params is stolen (may be NULL). On success *result is a new reference.
 * A JSON-RPC error reply returns SVM_EABORT with err->msg "CODE: message" and *rpc_code (if not
 * NULL) set to its code; transport failures return SVM_EIO/SVM_EDECODE. */
int svm_rpc_call(svm_rpc_client_t *c, const char *method, json_t *params, json_t **result,
		 int *rpc_code, svm_error_t *err);

#endif

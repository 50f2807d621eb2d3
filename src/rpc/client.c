/* A blocking HTTP/1.1 keep-alive client for JSON-RPC: enough HTTP for talking to our own server
 * (Content-Length or close-delimited bodies), with send/receive timeouts. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "supervm/rpc.h"

#define HEADER_BYTES_MAX 16384

struct svm_rpc_client {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char host_port[80];
	int fd;
	unsigned timeout_ms;
	svm_buf_t in; /* bytes read but not yet consumed */
	uint64_t next_id;
};

int svm_rpc_client_new(svm_rpc_client_t **out, const char *url, unsigned timeout_ms,
		       svm_error_t *err)
{
	*out = NULL;
	const char *p = url;
	if (strncmp(p, "http://", 7) == 0) p += 7;
	char host[64];
	const char *colon = strrchr(p, ':');
	if (colon == NULL || (size_t)(colon - p) >= sizeof host)
		return svm_error_set(err, SVM_EINVAL, "rpc url '%s': want http://HOST:PORT", url);
	memcpy(host, p, (size_t)(colon - p));
	host[colon - p] = 0;
	if (host[0] == '[') { /* [v6]:port */
		size_t n = strlen(host);
		if (n < 2 || host[n - 1] != ']') return svm_error_set(err, SVM_EINVAL, "rpc url '%s': bad host", url);
		memmove(host, host + 1, n - 2);
		host[n - 2] = 0;
	}
	if (host[0] == 0 || strcmp(host, "localhost") == 0) strcpy(host, "127.0.0.1");
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (end == colon + 1 || (*end != 0 && strcmp(end, "/") != 0) || port == 0 || port > 65535)
		return svm_error_set(err, SVM_EINVAL, "rpc url '%s': bad port", url);
	svm_rpc_client_t *c = svm_calloc(1, sizeof *c);
	if (c == NULL) return svm_error_set(err, SVM_ENOMEM, "out of memory");
	struct sockaddr_in *a4 = (struct sockaddr_in *)&c->addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&c->addr;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		c->addr_len = sizeof *a4;
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		c->addr_len = sizeof *a6;
	} else {
		svm_free(c);
		return svm_error_set(err, SVM_EINVAL, "rpc url '%s': host must be a numeric address", url);
	}
	snprintf(c->host_port, sizeof c->host_port, "%s:%lu", host, port);
	c->fd = -1;
	c->timeout_ms = timeout_ms ? timeout_ms : 30000;
	c->in.cap_max = SVM_RPC_RESPONSE_BYTES_MAX + HEADER_BYTES_MAX;
	c->next_id = 1;
	*out = c;
	return 0;
}

static void disconnect(svm_rpc_client_t *c)
{
	if (c->fd >= 0) close(c->fd);
	c->fd = -1;
	svm_buf_reset(&c->in);
}

void svm_rpc_client_free(svm_rpc_client_t *c)
{
	if (c == NULL) return;
	disconnect(c);
	svm_buf_free(&c->in);
	svm_free(c);
}

static int connect_now(svm_rpc_client_t *c, svm_error_t *err)
{
	int fd = socket(c->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) return svm_error_set(err, SVM_EIO, "socket: %s", strerror(errno));
	struct timeval tv = {(time_t)(c->timeout_ms / 1000), (suseconds_t)(c->timeout_ms % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&c->addr, c->addr_len) != 0) {
		int e = errno;
		close(fd);
		return svm_error_set(err, SVM_EIO, "cannot connect to %s: %s", c->host_port, strerror(e));
	}
	c->fd = fd;
	svm_buf_reset(&c->in);
	return 0;
}

static int send_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
		ssize_t w = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR) continue;
		if (w <= 0) return -1;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Reads more bytes into c->in; 0 on EOF, -1 on error/timeout, else bytes read. */
static ssize_t fill(svm_rpc_client_t *c)
{
	if (svm_buf_reserve(&c->in, 65536) != 0) return -1;
	for (;;) {
		ssize_t r = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
		if (r < 0 && errno == EINTR) continue;
		if (r > 0) c->in.len += (size_t)r;
		return r;
	}
}

static const char *find_header(const char *h, size_t hlen, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = h; p + nl + 1 < h + hlen; p++) {
		if ((p == h || p[-1] == '\n') && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			p += nl + 1;
			while (*p == ' ') p++;
			return p;
		}
	}
	return NULL;
}

/* Reads one response into resp. Returns 0, or -1 with *got_any saying whether any byte came. */
static int read_response(svm_rpc_client_t *c, svm_buf_t *resp, int *status, bool *got_any,
			 svm_error_t *err)
{
	char *hend = NULL;
	*got_any = c->in.len > 0;
	while ((hend = c->in.len ? memmem(c->in.data, c->in.len, "\r\n\r\n", 4) : NULL) == NULL) {
		if (c->in.len > HEADER_BYTES_MAX)
			return svm_error_set(err, SVM_EDECODE, "response headers too long");
		ssize_t r = fill(c);
		if (r <= 0)
			return svm_error_set(err, SVM_EIO, "%s: %s", c->host_port,
					     r == 0 ? "connection closed" : strerror(errno));
		*got_any = true;
	}
	size_t hlen = (size_t)(hend - (char *)c->in.data) + 4;
	const char *h = (const char *)c->in.data;
	int st = 0;
	if (sscanf(h, "HTTP/1.%*d %d", &st) != 1) return svm_error_set(err, SVM_EDECODE, "bad status line");
	*status = st;
	const char *cl = find_header(h, hlen, "Content-Length");
	const char *conn = find_header(h, hlen, "Connection");
	bool close_after = conn != NULL && strncasecmp(conn, "close", 5) == 0;
	if (find_header(h, hlen, "Transfer-Encoding") != NULL)
		return svm_error_set(err, SVM_EDECODE, "chunked responses are not supported");
	size_t body_len = 0;
	bool until_eof = false;
	if (cl != NULL) {
		body_len = strtoull(cl, NULL, 10);
		if (body_len > SVM_RPC_RESPONSE_BYTES_MAX)
			return svm_error_set(err, SVM_ELIMIT, "response of %zu bytes", body_len);
	} else if (st != 204 && st != 304) {
		until_eof = true;
		close_after = true;
	}
	while (until_eof || c->in.len < hlen + body_len) {
		ssize_t r = fill(c);
		if (r == 0 && until_eof) break;
		if (r <= 0) return svm_error_set(err, SVM_EIO, "%s: truncated response", c->host_port);
	}
	if (until_eof) body_len = c->in.len - hlen;
	svm_buf_reset(resp);
	if (svm_buf_append(resp, c->in.data + hlen, body_len) != 0 || svm_buf_push(resp, 0) != 0)
		return svm_error_set(err, SVM_ENOMEM, "out of memory");
	resp->len--; /* NUL-terminated for convenience, not counted */
	size_t used = hlen + body_len;
	memmove(c->in.data, c->in.data + used, c->in.len - used);
	c->in.len -= used;
	if (close_after) disconnect(c);
	return 0;
}

int svm_rpc_client_post(svm_rpc_client_t *c, const void *body, size_t len, svm_buf_t *resp,
			int *http_status, svm_error_t *err)
{
	char head[256];
	int hn = snprintf(head, sizeof head,
			  "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
			  "Content-Length: %zu\r\n\r\n",
			  c->host_port, len);
	for (int attempt = 0; attempt < 2; attempt++) {
		bool reused = c->fd >= 0;
		if (!reused) {
			int rc = connect_now(c, err);
			if (rc != 0) return rc;
		}
		struct iovec iov[2] = {{head, (size_t)hn}, {(void *)body, len}};
		bool sent = send_all(c->fd, iov, 2) == 0;
		bool got_any = false;
		/* Read even after a failed send: the server may have answered (413) and closed. */
		int rc = read_response(c, resp, http_status, &got_any, err);
		if (rc == 0) return 0;
		disconnect(c);
		if (!reused || got_any) return rc; /* a fresh connection failed, or a real error */
		(void)sent;
	}
	return svm_error_set(err, SVM_EIO, "%s: connection lost", c->host_port);
}

int svm_rpc_call(svm_rpc_client_t *c, const char *method, json_t *params, json_t **result,
		 int *rpc_code, svm_error_t *err)
{
	*result = NULL;
	if (rpc_code != NULL) *rpc_code = 0;
	json_t *req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id",
				(json_int_t)c->next_id++, "method", method, "params",
				params != NULL ? params : json_array());
	char *text = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (text == NULL) return svm_error_set(err, SVM_ENOMEM, "out of memory");
	svm_buf_t resp = {0};
	int status = 0;
	int rc = svm_rpc_client_post(c, text, strlen(text), &resp, &status, err);
	svm_free(text);
	if (rc != 0) goto done;
	json_error_t je;
	json_t *reply = json_loadb((const char *)resp.data, resp.len, 0, &je);
	if (reply == NULL) {
		rc = svm_error_set(err, SVM_EDECODE, "HTTP %d with a non-JSON body", status);
		goto done;
	}
	json_t *e = json_object_get(reply, "error");
	json_t *r = json_object_get(reply, "result");
	if (e != NULL) {
		int code = (int)json_integer_value(json_object_get(e, "code"));
		if (rpc_code != NULL) *rpc_code = code;
		const char *msg = json_string_value(json_object_get(e, "message"));
		rc = svm_error_set(err, SVM_EABORT, "%s (code %d)", msg ? msg : "error", code);
	} else if (r != NULL) {
		*result = json_incref(r);
	} else {
		rc = svm_error_set(err, SVM_EDECODE, "reply has neither result nor error");
	}
	json_decref(reply);
done:
	svm_buf_free(&resp);
	return rc;
}

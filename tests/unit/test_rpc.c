/* Unit tests for the JSON-RPC 2.0 server and client, driven over a loopback socket: single and
 * batch requests, notifications, every standard error code, the body limit and keep-alive. */
#include <criterion/criterion.h>
#include <string.h>

#include "supervm/rpc.h"

static json_t *m_echo(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	(*(int *)ctx)++;
	return json_incref(params != NULL ? params : json_null());
}

static json_t *m_add(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	json_t *a = svm_rpc_param(params, 0, "a"), *b = svm_rpc_param(params, 1, "b");
	if (!json_is_integer(a) || !json_is_integer(b))
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "want two integers a, b");
	return json_integer(json_integer_value(a) + json_integer_value(b));
}

static json_t *m_fail(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_error_t err;
	svm_error_set(&err, SVM_ENONCE, "nonce 3 already used");
	return svm_rpc_fail_svm(e, &err);
}

static int echo_calls;
static svm_rpc_server_t *srv;
static svm_rpc_client_t *cli;

static void setup(void)
{
	echo_calls = 0;
	const svm_rpc_method_t methods[] = {
		{"echo", m_echo, &echo_calls}, {"add", m_add, NULL}, {"fail", m_fail, NULL}};
	svm_rpc_config_t cfg = {.port = 0, .threads = 2, .body_bytes_max = 4096, .batch_max = 4};
	svm_error_t err = {0};
	cr_assert_eq(svm_rpc_server_start(&srv, &cfg, methods, 3, &err), 0, "%s", err.msg);
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%u", svm_rpc_server_port(srv));
	cr_assert_eq(svm_rpc_client_new(&cli, url, 5000, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
	svm_rpc_client_free(cli);
	svm_rpc_server_free(srv);
}

/* Posts body, expects HTTP status want_status, returns the parsed reply (or NULL if none). */
static json_t *post(const char *body, int want_status)
{
	svm_buf_t resp = {0};
	int status = 0;
	svm_error_t err = {0};
	cr_assert_eq(svm_rpc_client_post(cli, body, strlen(body), &resp, &status, &err), 0, "%s", err.msg);
	cr_assert_eq(status, want_status, "status %d for %s", status, body);
	json_t *j = resp.len ? json_loadb((const char *)resp.data, resp.len, 0, NULL) : NULL;
	svm_buf_free(&resp);
	return j;
}

static int error_code(json_t *reply)
{
	return (int)json_integer_value(json_object_get(json_object_get(reply, "error"), "code"));
}

TestSuite(rpc, .init = setup, .fini = teardown);

Test(rpc, call_returns_result_and_keeps_connection)
{
	for (int i = 0; i < 20; i++) {
		json_t *res = NULL;
		svm_error_t err = {0};
		cr_assert_eq(svm_rpc_call(cli, "add", json_pack("[i,i]", i, 2), &res, NULL, &err), 0, "%s", err.msg);
		cr_assert_eq(json_integer_value(res), i + 2);
		json_decref(res);
	}
	cr_assert_eq(svm_rpc_server_requests(srv), 20);
}

Test(rpc, named_params_work)
{
	json_t *r = post("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"add\",\"params\":{\"a\":40,\"b\":2}}", 200);
	cr_assert_eq(json_integer_value(json_object_get(r, "result")), 42);
	cr_assert_str_eq(json_string_value(json_object_get(r, "id")), "x");
	json_decref(r);
}

Test(rpc, malformed_json_is_parse_error)
{
	json_t *r = post("{\"jsonrpc\":\"2.0\",", 200);
	cr_assert_eq(error_code(r), SVM_RPC_PARSE_ERROR);
	cr_assert(json_is_null(json_object_get(r, "id")));
	json_decref(r);
}

Test(rpc, invalid_requests_are_rejected)
{
	const char *bad[] = {"1", "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"echo\"}",
			     "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}",
			     "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":3}",
			     "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"echo\"}", "[]"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *r = post(bad[i], 200);
		cr_assert_eq(error_code(r), SVM_RPC_INVALID_REQUEST, "%s", bad[i]);
		json_decref(r);
	}
	cr_assert_eq(echo_calls, 0);
}

Test(rpc, unknown_method_and_bad_params)
{
	json_t *r = post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}", 200);
	cr_assert_eq(error_code(r), SVM_RPC_METHOD_NOT_FOUND);
	json_decref(r);
	r = post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"add\",\"params\":[1,\"x\"]}", 200);
	cr_assert_eq(error_code(r), SVM_RPC_INVALID_PARAMS);
	json_decref(r);
}

Test(rpc, application_error_carries_svm_code)
{
	json_t *r = post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"fail\"}", 200);
	cr_assert_eq(error_code(r), svm_rpc_app_code(SVM_ENONCE));
	cr_assert_eq(error_code(r), -32010);
	json_t *data = json_object_get(json_object_get(r, "error"), "data");
	cr_assert_eq(json_integer_value(json_object_get(data, "svm_code")), SVM_ENONCE);
	json_decref(r);
	json_t *res = NULL;
	int code = 0;
	svm_error_t err = {0};
	cr_assert_eq(svm_rpc_call(cli, "fail", NULL, &res, &code, &err), SVM_EABORT);
	cr_assert_eq(code, -32010);
	cr_assert(strstr(err.msg, "nonce 3") != NULL, "%s", err.msg);
}

Test(rpc, batch_answers_each_request_and_skips_notifications)
{
	json_t *r = post("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"add\",\"params\":[1,1]},"
			 "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[5]},"
			 "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"nope\"},"
			 "7]",
			 200);
	cr_assert(json_is_array(r));
	cr_assert_eq(json_array_size(r), 3);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(r, 0), "result")), 2);
	cr_assert_eq(error_code(json_array_get(r, 1)), SVM_RPC_METHOD_NOT_FOUND);
	cr_assert_eq(error_code(json_array_get(r, 2)), SVM_RPC_INVALID_REQUEST);
	cr_assert_eq(echo_calls, 1, "the notification ran");
	json_decref(r);
}

Test(rpc, oversize_batch_is_one_error)
{
	json_t *r = post("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"},{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"echo\"},"
			 "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"echo\"},{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"echo\"},"
			 "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"echo\"}]",
			 200);
	cr_assert(json_is_object(r));
	cr_assert_eq(error_code(r), SVM_RPC_INVALID_REQUEST);
	cr_assert_eq(echo_calls, 0);
	json_decref(r);
}

Test(rpc, only_notifications_get_204)
{
	json_t *r = post("{\"jsonrpc\":\"2.0\",\"method\":\"echo\"}", 204);
	cr_assert_null(r);
	cr_assert_eq(echo_calls, 1);
}

Test(rpc, oversize_body_gets_413_and_server_keeps_serving)
{
	size_t n = 64 * 1024;
	char *big = malloc(n + 1);
	memset(big, ' ', n);
	memcpy(big, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[\"", 49);
	big[n] = 0;
	json_t *r = post(big, 413);
	json_decref(r);
	free(big);
	cr_assert_eq(echo_calls, 0);
	json_t *res = NULL;
	svm_error_t err = {0};
	cr_assert_eq(svm_rpc_call(cli, "add", json_pack("[i,i]", 1, 2), &res, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(json_integer_value(res), 3);
	json_decref(res);
}

Test(rpc, client_rejects_bad_urls)
{
	svm_rpc_client_t *c = NULL;
	svm_error_t err = {0};
	cr_assert_eq(svm_rpc_client_new(&c, "http://127.0.0.1", 0, &err), SVM_EINVAL);
	cr_assert_eq(svm_rpc_client_new(&c, "127.0.0.1:99999", 0, &err), SVM_EINVAL);
	cr_assert_eq(svm_rpc_client_new(&c, "example.com:80", 0, &err), SVM_EINVAL);
	cr_assert_eq(svm_rpc_client_new(&c, ":8545", 0, &err), 0);
	svm_rpc_client_free(c);
}

Test(rpc, connection_refused_is_eio)
{
	svm_rpc_client_t *c = NULL;
	svm_error_t err = {0};
	char url[64];
	/* A port the server no longer listens on: bind/free a second server to find one. */
	svm_rpc_server_t *s2 = NULL;
	svm_rpc_config_t cfg = {0};
	cr_assert_eq(svm_rpc_server_start(&s2, &cfg, NULL, 0, &err), 0);
	snprintf(url, sizeof url, "127.0.0.1:%u", svm_rpc_server_port(s2));
	svm_rpc_server_free(s2);
	cr_assert_eq(svm_rpc_client_new(&c, url, 1000, &err), 0);
	json_t *res;
	cr_assert_eq(svm_rpc_call(c, "x", NULL, &res, NULL, &err), SVM_EIO);
	svm_rpc_client_free(c);
}

Test(rpc, a_method_table_past_the_bound_is_refused)
{
	static svm_rpc_method_t many[SVM_RPC_METHODS_MAX + 1];
	for (size_t i = 0; i < SVM_RPC_METHODS_MAX + 1; i++) many[i] = (svm_rpc_method_t){"m", m_fail, NULL};
	svm_rpc_server_t *s = NULL;
	svm_rpc_config_t cfg = {0};
	svm_error_t err = {0};
	cr_assert_eq(svm_rpc_server_start(&s, &cfg, many, SVM_RPC_METHODS_MAX + 1, &err), SVM_ELIMIT);
	cr_assert(strstr(err.msg, "methods") != NULL, "%s", err.msg);
	cr_assert_null(s);
	cr_assert_eq(svm_rpc_server_start(&s, &cfg, many, SVM_RPC_METHODS_MAX, &err), 0, "%s", err.msg);
	svm_rpc_server_free(s);
}

/* ------------------------------------------------- the connection bound */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static int raw_connect(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	return fd;
}

/* Waits (bounded) until the server counts want open connections: it counts at accept. */
static void await_conns(svm_rpc_server_t *s, unsigned want)
{
	for (int i = 0; i < 20000 && svm_rpc_server_conns(s, NULL) != want; i++) usleep(500);
	cr_assert_eq(svm_rpc_server_conns(s, NULL), want, "open connections");
}

Test(rpc_conns, connections_past_the_bound_are_refused_with_503_and_a_named_error_and_a_closed_one_frees_its_place)
{
	const svm_rpc_method_t methods[] = {{"add", m_add, NULL}};
	svm_rpc_config_t cfg = {.threads = 2, .conns_max = 3};
	svm_rpc_server_t *s = NULL;
	svm_error_t err = {0};
	cr_assert_eq(svm_rpc_server_start(&s, &cfg, methods, 1, &err), 0, "%s", err.msg);
	uint16_t port = svm_rpc_server_port(s);
	int idle[3];
	for (int i = 0; i < 3; i++) idle[i] = raw_connect(port);
	await_conns(s, 3);
	/* a fourth: a request sent, the refusal read back whole, then the close */
	int fd = raw_connect(port);
	const char *req = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
	cr_assert_eq(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	char buf[1024];
	size_t got = 0;
	for (ssize_t k; got < sizeof buf - 1 && (k = recv(fd, buf + got, sizeof buf - 1 - got, 0)) > 0;) got += (size_t)k;
	buf[got] = 0;
	close(fd);
	cr_assert(strncmp(buf, "HTTP/1.1 503 ", 13) == 0, "%s", buf);
	cr_assert(strstr(buf, "3 connections are open, the server's most at once") != NULL, "%s", buf);
	uint64_t refused = 0;
	cr_assert_eq(svm_rpc_server_conns(s, &refused), 3, "the refused one was never counted");
	cr_assert_eq(refused, 1);
	/* the client library gets the named error */
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
	svm_rpc_client_t *c = NULL;
	cr_assert_eq(svm_rpc_client_new(&c, url, 5000, &err), 0, "%s", err.msg);
	json_t *res = NULL;
	int code = 0;
	cr_assert_eq(svm_rpc_call(c, "add", json_pack("[i,i]", 1, 2), &res, &code, &err), SVM_EABORT);
	cr_assert(strstr(err.msg, "connections are open") != NULL, "%s", err.msg);
	cr_assert_eq(code, svm_rpc_app_code(SVM_EBUSY));
	svm_rpc_client_free(c);
	/* one idle connection closes: its place is free, a call is served */
	close(idle[0]);
	await_conns(s, 2);
	cr_assert_eq(svm_rpc_client_new(&c, url, 5000, &err), 0, "%s", err.msg);
	cr_assert_eq(svm_rpc_call(c, "add", json_pack("[i,i]", 40, 2), &res, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(json_integer_value(res), 42);
	json_decref(res);
	cr_assert_eq(svm_rpc_server_conns(s, &refused), 3, "the client's kept-alive connection counts");
	cr_assert_eq(refused, 2);
	svm_rpc_client_free(c);
	await_conns(s, 2);
	close(idle[1]);
	close(idle[2]);
	await_conns(s, 0);
	svm_rpc_server_free(s);
	/* bad bounds */
	cfg.conns_max = SVM_RPC_CONNS_MAX + 1;
	cr_assert_eq(svm_rpc_server_start(&s, &cfg, methods, 1, &err), SVM_ELIMIT);
	cr_assert(strstr(err.msg, "connections") != NULL, "%s", err.msg);
	cr_assert_null(s);
}

Test(rpc_conns, a_server_freed_with_connections_open_and_refusals_pending_ends_them_all)
{
	svm_rpc_config_t cfg = {.threads = 1, .conns_max = 1};
	svm_rpc_server_t *s = NULL;
	svm_error_t err = {0};
	cr_assert_eq(svm_rpc_server_start(&s, &cfg, NULL, 0, &err), 0, "%s", err.msg);
	int fds[8];
	for (int i = 0; i < 8; i++) fds[i] = raw_connect(svm_rpc_server_port(s));
	await_conns(s, 1);
	svm_rpc_server_free(s); /* under ASan: nothing leaks, no connection is used after its end */
	for (int i = 0; i < 8; i++) close(fds[i]);
}

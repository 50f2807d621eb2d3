/* End-to-end tests of the `supervm` command's habits (issue 13, docs/ecosystem.md): global
 * options before or after the command, one meaning per flag, the RPC faucet and its limits,
 * pending nonces, token decimals, decoded transactions, --json errors, --version, progress,
 * bash completion. Each test starts the real binary on a free loopback port with a temporary
 * data directory. Usage: e2e_cli PATH/TO/supervm [TEST...]; ends with "e2e-cli: N passed, N failed". */
#include <arpa/inet.h>
#include <jansson.h>
#include <libgen.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/chaintest.h"
#include "supervm/node.h"
#include "supervm/rpc.h"

static const char *supervm;
static char contracts_dir[512];
static char repo_dir[512]; /* the checkout: the directory above the binary's build/ */
static char fail_msg[1024];
static pid_t g_pid;
static char g_dir[64];

#define CHECK(cond, ...)                                                                          \
	do {                                                                                      \
		if (!(cond)) {                                                                    \
			snprintf(fail_msg, sizeof fail_msg, __VA_ARGS__);                         \
			fprintf(stderr, "  check failed at %s:%d: %s\n", __FILE__, __LINE__, fail_msg); \
			return 1;                                                                 \
		}                                                                                 \
	} while (0)

typedef struct {
	char dir[64], url[64], out_path[96];
	uint16_t port, ws_port;
	pid_t pid;
	svm_rpc_client_t *c;
} devnet_t;

/* Starts `supervm devnet` with listen_flag ("--listen" or the old "--rpc"); stdout to a file. */
static int devnet_up(devnet_t *d, const char *listen_flag)
{
	memset(d, 0, sizeof *d);
	uint16_t ports[2]; /* distinct: one at a time, the kernel may hand out the same port twice */
	if (ct_free_ports(ports, 2) != 0) return 1;
	d->port = ports[0];
	d->ws_port = ports[1];
	ct_tmpdir(d->dir);
	char addr[32], wsaddr[32], log[96];
	snprintf(addr, sizeof addr, "127.0.0.1:%u", d->port);
	snprintf(wsaddr, sizeof wsaddr, "127.0.0.1:%u", d->ws_port);
	snprintf(log, sizeof log, "%s.log", d->dir);
	snprintf(d->out_path, sizeof d->out_path, "%s.out", d->dir);
	d->pid = fork();
	if (d->pid == 0) {
		if (freopen(log, "a", stderr) == NULL || freopen(d->out_path, "w", stdout) == NULL) _exit(127);
		execl(supervm, supervm, "devnet", "--data", d->dir, listen_flag, addr, "--ws", wsaddr, "--block-ms", "100",
		      "--log", "warn", (char *)NULL);
		_exit(127);
	}
	g_pid = d->pid;
	snprintf(g_dir, sizeof g_dir, "%s", d->dir);
	snprintf(d->url, sizeof d->url, "http://127.0.0.1:%u", d->port);
	if (svm_rpc_client_new(&d->c, d->url, 10000, NULL) != 0) return 1;
	return ct_wait_up(d->c, d->pid, 10000);
}

static int devnet_down(devnet_t *d)
{
	int rc = 99;
	g_pid = 0;
	if (d->pid > 0) rc = ct_stop(d->pid, 10000);
	svm_rpc_client_free(d->c);
	char p[128];
	snprintf(p, sizeof p, "%s.log", d->dir);
	unlink(p);
	unlink(d->out_path);
	ct_rmdir(d->dir);
	g_dir[0] = 0;
	return rc;
}

/* Runs `supervm ARGS` (exactly as given: no --rpc added) through the shell with env prefix;
 * stdout (trimmed) into out, stderr into err. Returns the exit code. */
static int run(char *out, size_t cap, char *err, size_t ecap, const char *fmt, ...)
{
	char args[4096], cmd[4600], errf[64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	snprintf(errf, sizeof errf, "/tmp/e2e_cli_err.%d", (int)getpid());
	snprintf(cmd, sizeof cmd, "%s 2>%s", args, errf);
	FILE *p = popen(cmd, "r");
	if (p == NULL) return -1;
	size_t n = fread(out, 1, cap - 1, p);
	out[n] = 0;
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' ')) out[--n] = 0;
	int st = pclose(p);
	FILE *f = fopen(errf, "r");
	n = f ? fread(err, 1, ecap - 1, f) : 0;
	err[n] = 0;
	if (f) fclose(f);
	unlink(errf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define SV(fmt, ...) run(out, sizeof out, err, sizeof err, "%s " fmt, supervm, __VA_ARGS__)
#define SV0(fmt) run(out, sizeof out, err, sizeof err, "%s " fmt, supervm)

static json_t *call(devnet_t *d, const char *method, json_t *params, int *code)
{
	return ct_rpc(d->c, method, params, code);
}

static uint64_t ju(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

/* A new key in d's directory; its identity into id[65]. */
static int new_key(devnet_t *d, const char *name, char path[128], char id[65])
{
	char out[4096], err[4096];
	snprintf(path, 128, "%s/%s.json", d->dir, name);
	if (SV("keys new --out %s --json", path) != 0) return 1;
	char *p = strstr(out, "\"id\": \"");
	if (p == NULL) return 1;
	memcpy(id, p + 7, 64);
	id[64] = 0;
	return 0;
}

static json_t *wait_receipt(devnet_t *d, const char *hash) { return ct_wait_receipt(d->c, hash, 30000); }

/* ---------------------------------------------------------------- tests */

/* Global options before or after the command give the same answer; --version; --json errors
 * have one shape, and name the fix. */
static int test_global_options_anywhere_and_json_errors(void)
{
	devnet_t d;
	CHECK(devnet_up(&d, "--listen") == 0, "devnet did not start");
	char out[8192], err[4096], out2[8192], id[65], key[128];
	CHECK(new_key(&d, "a", key, id) == 0, "keys new");
	CHECK(SV("faucet --to %s --amount 3SWR --wait --rpc %s", id, d.url) == 0, "faucet: %s %s", out, err);
	CHECK(SV("--rpc %s --json balance %s", d.url, id) == 0, "globals before: %s %s", out, err);
	json_t *j = json_loads(out, 0, NULL);
	CHECK(j && ju(j, "amount") == 3000000000ull, "--json balance is base units: %s", out);
	json_decref(j);
	CHECK(run(out2, sizeof out2, err, sizeof err, "%s balance %s --json --rpc=%s", supervm, id, d.url) == 0,
	      "globals after: %s", err);
	/* the same answer but for the head height, which moves between the two calls */
	json_t *j1 = json_loads(out, 0, NULL), *j2 = json_loads(out2, 0, NULL);
	json_object_del(j1, "height");
	json_object_del(j2, "height");
	bool same = j1 && j2 && json_equal(j1, j2);
	json_decref(j1);
	json_decref(j2);
	CHECK(same, "globals after differ: %s vs %s", out, out2);
	CHECK(SV("--rpc=%s balance %s", d.url, id) == 0 && strcmp(out, "3 SWR") == 0, "--rpc= before: %s", out);
	CHECK(SV0("--version") == 0 && strncmp(out, "supervm ", 8) == 0, "--version: %s", out);
	CHECK(SV0("--json --version") == 0 && strstr(out, "\"version\""), "--json --version: %s", out);
	/* errors: one JSON shape on stdout with --json, the fix named */
	CHECK(SV0("--json --rpc http://127.0.0.1:1 status") == 1, "unreachable node exit");
	j = json_loads(out, 0, NULL);
	json_t *e = json_object_get(j, "error");
	CHECK(e && ju(e, "exit_code") == 1 && strstr(json_string_value(json_object_get(e, "message")), "supervm devnet"),
	      "unreachable node error: %s", out);
	json_decref(j);
	CHECK(SV0("--json nosuchcommand") == 2 && strstr(out, "{\"error\":") == out, "unknown command json: %s", out);
	CHECK(SV("--json --rpc %s transfer --from %s/none.json --to %s --amount 1", d.url, d.dir, id) == 1,
	      "missing key file exit");
	j = json_loads(out, 0, NULL);
	e = json_object_get(j, "error");
	CHECK(e && strstr(json_string_value(json_object_get(e, "message")), "keys new"), "missing key names the fix: %s", out);
	json_decref(j);
	CHECK(SV("--json --rpc %s faucet --to %s --amount 5000SWR", d.url, id) == 1, "over-cap faucet exit");
	j = json_loads(out, 0, NULL);
	e = json_object_get(j, "error");
	CHECK(e && json_integer_value(json_object_get(e, "rpc_code")) == -32004, "over-cap error carries its rpc code: %s", out);
	json_decref(j);
	CHECK(SV("faucet --data %s/nowhere --to %s --amount 1 --rpc %s", d.dir, id, d.url) == 1 && strstr(err, "--data"),
	      "a missing faucet key file names --data: %s", err);
	CHECK(devnet_down(&d) == 0, "devnet did not stop cleanly");
	return 0;
}

/* devnet --listen HOST:PORT serves there and its start-up hint names that URL; the old
 * `devnet --rpc HOST:PORT` still works and says it is deprecated. */
static int test_devnet_listen_and_hint(void)
{
	devnet_t d;
	CHECK(devnet_up(&d, "--listen") == 0, "devnet --listen did not serve");
	char buf[2048] = {0};
	for (int i = 0; i < 100 && !strstr(buf, "try:"); i++) {
		FILE *f = fopen(d.out_path, "r");
		size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
		buf[n] = 0;
		if (f) fclose(f);
		if (!strstr(buf, "try:")) ct_sleep_ms(50);
	}
	char want[128];
	snprintf(want, sizeof want, "supervm --rpc %s status", d.url);
	CHECK(strstr(buf, want) != NULL, "the hint does not name %s: %s", d.url, buf);
	CHECK(devnet_down(&d) == 0, "stop");
	CHECK(devnet_up(&d, "--rpc") == 0, "devnet --rpc HOST:PORT (old spelling) did not serve");
	char log[96], text[4096] = {0};
	snprintf(log, sizeof log, "%s.log", d.dir);
	FILE *f = fopen(log, "r");
	size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
	text[n] = 0;
	if (f) fclose(f);
	CHECK(strstr(text, "deprecated, use --listen"), "no deprecation note: %s", text);
	CHECK(devnet_down(&d) == 0, "stop");
	return 0;
}

/* svm_requestFaucet: a remote user needs only the URL; capped per request, limited per
 * recipient and per client; refusals change nothing and the node keeps serving. */
static int test_faucet_over_rpc_and_its_limits(void)
{
	devnet_t d;
	CHECK(devnet_up(&d, "--listen") == 0, "devnet did not start");
	char out[8192], err[4096], id[65], key[128];
	CHECK(new_key(&d, "a", key, id) == 0, "keys new");
	CHECK(SV("--rpc %s faucet --to %s --amount 2.5SWR --wait", d.url, id) == 0 && strstr(out, "status: success"),
	      "faucet over RPC: %s %s", out, err);
	CHECK(SV("--rpc %s balance %s", d.url, id) == 0 && strcmp(out, "2.5 SWR") == 0, "balance: %s", out);
	CHECK(SV("--rpc %s faucet --to %s --amount 7 --token AIC --wait", d.url, id) == 0, "AIC: %s", err);
	CHECK(SV("--rpc %s balance %s --token AIC", d.url, id) == 0 && strcmp(out, "0.000000007 AIC") == 0, "AIC: %s", out);
	int code = 0;
	json_t *r = call(&d, "svm_requestFaucet", json_pack("[s, I]", id, (json_int_t)1000000000001ll), &code);
	CHECK(r == NULL && code == -32004, "over the cap: code %d", code);
	r = call(&d, "svm_requestFaucet", json_pack("[s, I, s]", id, (json_int_t)1, "XYZ"), &code);
	CHECK(r == NULL && code == -32602, "bad token: code %d", code);
	r = call(&d, "svm_requestFaucet", json_pack("[s]", "zz"), &code);
	CHECK(r == NULL && code == -32602, "bad recipient: code %d", code);
	/* per recipient: 5 per window (2 used above) */
	char other[65];
	memset(other, 'e', 64);
	other[64] = 0;
	for (int i = 0; i < 3; i++) {
		r = call(&d, "svm_requestFaucet", json_pack("[s, i]", id, 1), &code);
		CHECK(r != NULL, "request %d refused: %d", i + 3, code);
		json_decref(r);
	}
	r = call(&d, "svm_requestFaucet", json_pack("[s, i]", id, 1), &code);
	CHECK(r == NULL && code == -32023, "6th request for one recipient: code %d", code);
	/* per client: 20 per window, 5 used; distinct recipients until refused */
	int granted = 0;
	for (int i = 0; i < 40; i++) {
		other[0] = "0123456789abcdef"[i % 16];
		other[1] = "0123456789abcdef"[i / 16];
		r = call(&d, "svm_requestFaucet", json_pack("[s, i]", other, 1), &code);
		if (r == NULL) break;
		granted++;
		json_decref(r);
	}
	CHECK(granted == 15 && code == -32023, "per-client limit: %d granted, then code %d", granted, code);
	CHECK(SV("--rpc %s faucet --to %s --amount 1", d.url, other) == 1 && strstr(err, "try again in"),
	      "the CLI shows the limit: %s", err);
	r = call(&d, "svm_status", NULL, &code);
	CHECK(r != NULL, "the node stopped serving");
	json_decref(r);
	CHECK(devnet_down(&d) == 0, "devnet did not stop cleanly");
	return 0;
}

/* Three transfers in a row without --wait all go through: the CLI takes the nonce from the
 * node's pending state. */
static int test_three_transfers_in_a_row(void)
{
	devnet_t d;
	CHECK(devnet_up(&d, "--listen") == 0, "devnet did not start");
	char out[8192], err[4096], a[65], b[65], akey[128], bkey[128], tx[3][65];
	CHECK(new_key(&d, "a", akey, a) == 0 && new_key(&d, "b", bkey, b) == 0, "keys new");
	CHECK(SV("--rpc %s faucet --to %s --amount 10SWR --wait", d.url, a) == 0, "faucet: %s", err);
	for (int i = 0; i < 3; i++) {
		CHECK(SV("--rpc %s transfer --from %s --to %s --amount 1.000000001SWR", d.url, akey, b) == 0 &&
			      strlen(out) == 64,
		      "transfer %d: %s %s", i + 1, out, err);
		memcpy(tx[i], out, 65);
	}
	for (int i = 0; i < 3; i++) {
		json_t *r = wait_receipt(&d, tx[i]);
		CHECK(r != NULL && ju(r, "status") == 0, "transfer %d did not succeed", i + 1);
		json_decref(r);
	}
	CHECK(SV("--rpc %s balance %s", d.url, b) == 0 && strcmp(out, "3.000000003 SWR") == 0, "b: %s", out);
	CHECK(SV("--rpc %s --json balance %s", d.url, b) == 0 && strstr(out, "3000000003"), "b --json: %s", out);
	/* amounts: too many decimals, an unknown unit, a unit that contradicts --token */
	CHECK(SV("--rpc %s transfer --from %s --to %s --amount 1.0000000001SWR", d.url, akey, b) == 2 &&
		      strstr(err, "decimals"),
	      "10 decimals: %s", err);
	CHECK(SV("--rpc %s transfer --from %s --to %s --amount 5XYZ", d.url, akey, b) == 2, "unknown unit");
	CHECK(SV("--rpc %s transfer --from %s --to %s --amount 1AIC --token SWR", d.url, akey, b) == 2,
	      "unit against --token");
	CHECK(devnet_down(&d) == 0, "devnet did not stop cleanly");
	return 0;
}

/* `supervm tx` says what a transaction does: a transfer, a contract deploy and a call. */
static int test_tx_is_decoded(void)
{
	devnet_t d;
	CHECK(devnet_up(&d, "--listen") == 0, "devnet did not start");
	char out[16384], err[4096], a[65], akey[128], c[65];
	CHECK(new_key(&d, "a", akey, a) == 0, "keys new");
	CHECK(SV("--rpc %s faucet --to %s --amount 30SWR --wait", d.url, a) == 0, "faucet: %s", err);
	CHECK(SV("--rpc %s transfer --from %s --to %s --amount 0.25SWR --wait", d.url, akey, a) == 0, "transfer");
	char txid[65];
	snprintf(txid, sizeof txid, "%.64s", out);
	CHECK(SV("--rpc %s tx %s", d.url, txid) == 0, "tx: %s", err);
	char want[200];
	snprintf(want, sizeof want, "action:    transfer 0.25 SWR to %s", a);
	CHECK(strstr(out, want), "tx does not say what the transfer did: %s", out);
	CHECK(SV("--rpc %s --json tx %s", d.url, txid) == 0 && strstr(out, "\"method\": \"transfer\"") &&
		      strstr(out, "\"amount\": 250000000"),
	      "tx --json action: %s", out);
	CHECK(SV("--rpc %s contract deploy %s/counter.wasm --from %s --wait", d.url, contracts_dir, akey) == 0,
	      "deploy: %s %s", out, err);
	char *p = strstr(out, "return: 0x");
	CHECK(p != NULL, "deploy has no contract id: %s", out);
	snprintf(c, sizeof c, "%.64s", p + 10);
	snprintf(txid, sizeof txid, "%.64s", out);
	CHECK(SV("--rpc %s tx %s", d.url, txid) == 0 && strstr(out, "action:    deploy a ") && strstr(out, "WebAssembly"),
	      "deploy decoded: %s", out);
	CHECK(SV("--rpc %s contract call %s increment 5 --from %s --attach 0.5SWR --wait", d.url, c, akey) == 0,
	      "call: %s %s", out, err);
	snprintf(txid, sizeof txid, "%.64s", out);
	CHECK(SV("--rpc %s tx %s", d.url, txid) == 0, "tx call");
	snprintf(want, sizeof want, "action:    call increment on contract %s, input 0x0500000000000000, attaching 0.5 SWR", c);
	CHECK(strstr(out, want), "call decoded: %s", out);
	/* the economy's programs, with amounts in decimals in and out: a swap on the devnet's
	 * SWR/AIC pool, a governance submission */
	CHECK(SV("--rpc %s swap SWR AIC --fee 30 --amount 1.5SWR --min-out 0.1AIC --from %s --wait", d.url, akey) == 0,
	      "swap: %s %s", out, err);
	snprintf(txid, sizeof txid, "%.64s", out);
	CHECK(SV("--rpc %s tx %s", d.url, txid) == 0 &&
		      strstr(out, "action:    amm swap 1.5 SWR for at least 0.1 AIC (fee tier 30 bps)"),
	      "swap decoded: %s", out);
	CHECK(SV("--rpc %s --json tx %s", d.url, txid) == 0 && strstr(out, "\"amount_in\": 1500000000") &&
		      strstr(out, "\"program\": \"amm\"") && strstr(out, "\"method\": \"swap_in\""),
	      "swap --json: %s", out);
	CHECK(SV("--rpc %s gov submit --kind text --text hello --deposit 10SWR --from %s --wait", d.url, akey) == 0,
	      "gov submit: %s %s", out, err);
	snprintf(txid, sizeof txid, "%.64s", out);
	CHECK(SV("--rpc %s tx %s", d.url, txid) == 0 &&
		      strstr(out, "action:    governance submit a text proposal with a deposit of 10 SWR"),
	      "gov submit decoded: %s", out);
	CHECK(SV("--rpc %s swap SWR AIC --fee 30 --amount 1.0000000001SWR --from %s", d.url, akey) == 2 &&
		      strstr(err, "more than 9 decimals"),
	      "swap amount past 9 decimals: %s", err);
	CHECK(devnet_down(&d) == 0, "devnet did not stop cleanly");
	return 0;
}

/* A user token's amounts in its own decimals: `token create`, `--amount` with a point or its
 * symbol, `balance`, `supervm tx` and `--attach`; base units with --json and for integers. */
static int test_user_token_amounts(void)
{
	devnet_t d;
	CHECK(devnet_up(&d, "--listen") == 0, "devnet did not start");
	char out[16384], err[4096], a[65], akey[128], b[65], bkey[128], tok[65], txid[65], want[256], c[65];
	CHECK(new_key(&d, "a", akey, a) == 0 && new_key(&d, "b", bkey, b) == 0, "keys new");
	CHECK(SV("--rpc %s faucet --to %s --amount 10SWR --wait", d.url, a) == 0, "faucet: %s", err);
	CHECK(SV("--rpc %s token create --from %s --symbol GOLD --decimals 4 --supply 1000.5 --wait", d.url, akey) == 0,
	      "token create: %s %s", out, err);
	char *p = strstr(out, "token: ");
	CHECK(p != NULL && strstr(out, "status: success"), "token create printed no token id: %s", out);
	snprintf(tok, sizeof tok, "%.64s", p + 7);
	snprintf(txid, sizeof txid, "%.64s", out);
	CHECK(SV("--rpc %s tx %s", d.url, txid) == 0 &&
		      strstr(out, "action:    create token GOLD (4 decimals, supply 1000.5 GOLD)"),
	      "create decoded: %s", out);
	CHECK(SV("--rpc %s token show %s", d.url, tok) == 0 && strstr(out, "supply:   1000.5 GOLD") &&
		      strstr(out, "decimals: 4"),
	      "token show: %s %s", out, err);
	CHECK(SV("--rpc %s balance %s --token %s", d.url, a, tok) == 0 && strcmp(out, "1000.5 GOLD") == 0,
	      "balance in GOLD: %s %s", out, err);
	/* a decimal point means whole tokens of its 4 decimals; the symbol works as a unit */
	CHECK(SV("--rpc %s transfer --from %s --to %s --amount 2.5 --token %s --wait", d.url, akey, b, tok) == 0,
	      "transfer 2.5: %s %s", out, err);
	snprintf(txid, sizeof txid, "%.64s", out);
	snprintf(want, sizeof want, "action:    transfer 2.5 GOLD to %s", b);
	CHECK(SV("--rpc %s tx %s", d.url, txid) == 0 && strstr(out, want), "tx in GOLD: %s", out);
	CHECK(SV("--rpc %s --json tx %s", d.url, txid) == 0 && strstr(out, "\"amount\": 25000") &&
		      strstr(out, "\"token_decimals\": 4") && strstr(out, "\"token_symbol\": \"GOLD\""),
	      "tx --json keeps base units: %s", out);
	CHECK(SV("--rpc %s transfer --from %s --to %s --amount 1.25gold --token %s --wait", d.url, akey, b, tok) == 0,
	      "transfer 1.25gold: %s %s", out, err);
	CHECK(SV("--rpc %s transfer --from %s --to %s --amount 7 --token %s --wait", d.url, akey, b, tok) == 0,
	      "transfer of 7 base units: %s %s", out, err);
	CHECK(SV("--rpc %s balance %s --token %s", d.url, b, tok) == 0 && strcmp(out, "3.7507 GOLD") == 0,
	      "balance of b: %s %s", out, err);
	CHECK(SV("--rpc %s --json balance %s --token %s", d.url, b, tok) == 0 && strstr(out, "37507"),
	      "--json balance: %s", out);
	snprintf(want, sizeof want, "token %s: 3.7507 GOLD", tok);
	CHECK(SV("--rpc %s account %s", d.url, b) == 0 && strstr(out, want), "account lists GOLD: %s", out);
	CHECK(SV("--rpc %s --json account %s", d.url, b) == 0 && strstr(out, "\"tokens\"") && strstr(out, "\"symbol\": \"GOLD\""),
	      "account --json lists its tokens: %s", out);
	/* refused: too many decimals, another symbol, a point of a token the node does not know */
	CHECK(SV("--rpc %s transfer --from %s --to %s --amount 1.00001 --token %s", d.url, akey, b, tok) == 2 &&
		      strstr(err, "more than 4 decimals"),
	      "5 decimals of GOLD: %s", err);
	CHECK(SV("--rpc %s transfer --from %s --to %s --amount 1SILVER --token %s", d.url, akey, b, tok) == 2 &&
		      strstr(err, "is GOLD, not SILVER"),
	      "wrong unit: %s", err);
	CHECK(SV("--rpc %s transfer --from %s --to %s --amount 1.5 --token %s", d.url, akey, b, a) == 2 &&
		      strstr(err, "no token"),
	      "unknown token: %s", err);
	CHECK(SV("--rpc %s token create --from %s --symbol X --decimals 2 --supply 1.001", d.url, akey) == 2 &&
		      strstr(err, "more than 2 decimals"),
	      "supply past its decimals: %s", err);
	/* --attach in the token's decimals, shown so by `supervm tx` */
	CHECK(SV("--rpc %s contract deploy %s/counter.wasm --from %s --wait", d.url, contracts_dir, akey) == 0,
	      "deploy: %s %s", out, err);
	p = strstr(out, "return: 0x");
	CHECK(p != NULL, "deploy has no contract id: %s", out);
	snprintf(c, sizeof c, "%.64s", p + 10);
	CHECK(SV("--rpc %s contract call %s increment 1 --from %s --attach 0.5 --token %s --wait", d.url, c, akey, tok) ==
		      0,
	      "call: %s %s", out, err);
	snprintf(txid, sizeof txid, "%.64s", out);
	CHECK(SV("--rpc %s tx %s", d.url, txid) == 0 && strstr(out, "attaching 0.5 GOLD"), "attach in GOLD: %s", out);
	CHECK(devnet_down(&d) == 0, "devnet did not stop cleanly");
	return 0;
}

/* Long waits show progress (on a terminal, or with SUPERVM_PROGRESS set) and a timeout names
 * what to do; bash completion completes commands, subcommands and options. */
static int test_progress_and_completion(void)
{
	devnet_t d;
	CHECK(devnet_up(&d, "--listen") == 0, "devnet did not start");
	char out[16384], err[8192], a[65], akey[128];
	CHECK(new_key(&d, "a", akey, a) == 0, "keys new");
	CHECK(SV("--rpc %s faucet --to %s --amount 1SWR --wait", d.url, a) == 0, "faucet");
	/* nonce 900 is admitted (within the window) but never ready: --wait runs out */
	int rc = run(out, sizeof out, err, sizeof err,
		     "SUPERVM_PROGRESS=1 %s --rpc %s transfer --from %s --to %s --amount 1 --nonce 900 --wait --timeout-ms 800",
		     supervm, d.url, akey, a);
	CHECK(rc == 1 && strstr(err, "waiting for the receipt") && strstr(err, "--timeout-ms"),
	      "progress and timeout: rc %d, %s", rc, err);
	CHECK(devnet_down(&d) == 0, "devnet did not stop cleanly");
	const char *probes[][2] = {
		{"supervm tra", "transfer"},
		{"supervm --rpc http://x:1 bal", "balance"},
		{"supervm keys \\\"\\\"", "new show"},
		{"supervm transfer --fee", "--fee-limit"},
		{"supervm contract call --ti", "--tip --timeout-ms"},
		{"supervm devnet --lis", "--listen"},
	};
	for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
		rc = run(out, sizeof out, err, sizeof err,
			 "bash -c 'source <(%s completion bash) && COMP_WORDS=(%s) && COMP_CWORD=$((${#COMP_WORDS[@]}-1)) "
			 "&& _supervm && echo ${COMPREPLY[@]}'",
			 supervm, probes[i][0]);
		CHECK(rc == 0 && strcmp(out, probes[i][1]) == 0, "completion of '%s': '%s' (want '%s') %s", probes[i][0], out,
		      probes[i][1], err);
	}
	return 0;
}


/* ------------------------------------------------------------- metrics */

/* GET path from 127.0.0.1:port; the whole response (status line, headers, body) into out.
 * Returns the HTTP status, or -1. */
static int http_get(uint16_t port, const char *path, char *out, size_t cap)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {10, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		if (fd >= 0) close(fd);
		return -1;
	}
	char req[256];
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
	if (write(fd, req, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	size_t len = 0;
	ssize_t k;
	while (len + 1 < cap && (k = read(fd, out + len, cap - 1 - len)) > 0) len += (size_t)k;
	out[len] = 0;
	close(fd);
	int status = -1;
	if (sscanf(out, "HTTP/1.%*d %d", &status) != 1) return -1;
	return status;
}

/* The value of the first sample whose line starts with `series ` (name and labels exactly). */
static bool sample(const char *text, const char *series, double *v)
{
	size_t n = strlen(series);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ') {
			*v = strtod(p + n + 1, NULL);
			return true;
		}
	return false;
}

/* Checks what a scrape must satisfy: every sample's family has a # TYPE before it, histogram
 * buckets are cumulative and +Inf equals _count. Returns NULL or what is wrong. */
static const char *well_formed(const char *body)
{
	static char why[256];
	char typed[64][96];
	size_t n_typed = 0;
	double last_bucket = -1;
	char last_series[160] = "";
	for (const char *p = body; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512];
		snprintf(line, sizeof line, "%.*s", (int)(len < 511 ? len : 511), p);
		p += len + (nl ? 1 : 0);
		if (line[0] == 0 || strncmp(line, "# HELP ", 7) == 0) continue;
		if (strncmp(line, "# TYPE ", 7) == 0) {
			if (n_typed < 64) sscanf(line + 7, "%95s", typed[n_typed++]);
			continue;
		}
		char name[96];
		size_t k = strcspn(line, "{ ");
		snprintf(name, sizeof name, "%.*s", (int)k, line);
		bool ok = false;
		for (size_t t = 0; t < n_typed && !ok; t++) {
			size_t tl = strlen(typed[t]);
			ok = strncmp(name, typed[t], tl) == 0 &&
			     (name[tl] == 0 || !strcmp(name + tl, "_bucket") || !strcmp(name + tl, "_sum") || !strcmp(name + tl, "_count"));
		}
		if (!ok) {
			snprintf(why, sizeof why, "sample without # TYPE: %s", line);
			return why;
		}
		double v = strtod(strrchr(line, ' ') + 1, NULL);
		char *le = strstr(line, "le=\"");
		if (le != NULL) { /* the series without le: buckets must not decrease */
			char series[160];
			snprintf(series, sizeof series, "%.*s", (int)(le - line), line);
			if (strcmp(series, last_series) == 0 && v < last_bucket) {
				snprintf(why, sizeof why, "bucket decreases: %s", line);
				return why;
			}
			snprintf(last_series, sizeof last_series, "%s", series);
			last_bucket = v;
		} else if (strstr(name, "_count") && last_series[0]) {
			if (v != last_bucket) {
				snprintf(why, sizeof why, "_count %g differs from +Inf bucket %g: %s", v, last_bucket, line);
				return why;
			}
			last_series[0] = 0;
		}
	}
	return NULL;
}

static bool ci_required(void)
{
	const char *ci = getenv("CI");
	return ci != NULL && strcmp(ci, "true") == 0;
}

static int skipped;

/* A tool the test needs: present → true; absent → a loud skip, or a failure under CI=true. */
static bool have_tool(const char *tool, bool *fail_out)
{
	char cmd[160];
	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
	if (system(cmd) == 0) return true;
	if (ci_required()) {
		*fail_out = true;
		return false;
	}
	printf("  SKIP: %s is not installed (bash scripts/install-deps.sh installs it; required under CI=true)\n", tool);
	skipped++;
	return false;
}

/* GET /metrics on the RPC port: the node's figures in the Prometheus text format, consistent
 * with svm_status, RPC counts by method, well-formed under load; promtool accepts it; other
 * paths are 404 and JSON-RPC still works. */
static int test_metrics_endpoint(void)
{
	devnet_t d;
	CHECK(devnet_up(&d, "--listen") == 0, "devnet did not start");
	static char body[1 << 20];
	char out[8192], err[4096];
	for (int i = 0; i < 7; i++) json_decref(call(&d, "svm_status", NULL, NULL));
	json_decref(call(&d, "svm_nosuchmethod", NULL, NULL));
	uint64_t h0 = 0;
	for (int i = 0; i < 600 && h0 < 2; i++) { /* two blocks built by this run of the node */
		json_t *st = call(&d, "svm_status", NULL, NULL);
		h0 = ju(st, "blocks_produced");
		json_decref(st);
		if (h0 < 2) ct_sleep_ms(50);
	}
	/* the consensus status is a snapshot taken after each step of the core, so it may trail
	 * the chain's height by the block just committed: each metric is held to its own source */
	json_t *st = call(&d, "svm_status", NULL, NULL);
	h0 = ju(st, "height");
	uint64_t hc = ju(json_object_get(st, "consensus"), "committed_height");
	json_decref(st);
	CHECK(http_get(d.port, "/metrics", body, sizeof body) == 200, "GET /metrics: %.200s", body);
	CHECK(strstr(body, "text/plain; version=0.0.4"), "content type: %.300s", body);
	char *text = strstr(body, "\r\n\r\n");
	CHECK(text != NULL, "no body");
	text += 4;
	double v;
	CHECK(sample(text, "supervm_chain_height", &v) && v >= (double)h0, "height %g < %llu", v, (unsigned long long)h0);
	CHECK(sample(text, "supervm_rpc_requests_total{method=\"svm_status\"}", &v) && v >= 9, "svm_status count %g", v);
	CHECK(sample(text, "supervm_rpc_requests_total{method=\"unknown\"}", &v) && v == 1, "unknown method count %g", v);
	CHECK(sample(text, "supervm_block_build_seconds_count", &v) && v >= 2, "block builds observed: %g", v);
	CHECK(sample(text, "supervm_block_interval_seconds_count", &v) && v >= 1, "block intervals observed: %g", v);
	CHECK(sample(text, "supervm_mempool_transactions", &v), "no mempool gauge");
	/* consensus runs a devnet too (one validator): commits, rounds, finality; no peers */
	CHECK(sample(text, "supervm_block_finality_seconds_count", &v) && v >= 2, "finality observed: %g", v);
	CHECK(sample(text, "supervm_consensus_committed_height", &v) && hc > 0 && v >= (double)hc,
	      "committed height %g (svm_status: consensus %llu, chain %llu)", v, (unsigned long long)hc,
	      (unsigned long long)h0);
	CHECK(sample(text, "supervm_consensus_round", &v) && v >= 1, "round %g", v);
	CHECK(sample(text, "supervm_consensus_slow_steps_total", &v) && v >= 0, "no slow-step counter");
	CHECK(sample(text, "supervm_consensus_rounds_skipped_total", &v) && v == 0, "a lone validator skips no round: %g", v);
	CHECK(sample(text, "supervm_peers", &v) && v == 0, "a devnet has no peers: %g", v);
	const char *bad = well_formed(text);
	CHECK(bad == NULL, "%s", bad);
	bool must_fail = false;
	if (have_tool("promtool", &must_fail)) {
		char path[96];
		snprintf(path, sizeof path, "%s/metrics.txt", d.dir);
		FILE *f = fopen(path, "w");
		CHECK(f != NULL, "write %s", path);
		fputs(text, f);
		fclose(f);
		int rc = run(out, sizeof out, err, sizeof err, "promtool check metrics < %s", path);
		CHECK(rc == 0, "promtool check metrics: %s %s", out, err);
	}
	CHECK(!must_fail, "promtool is required under CI=true");
	CHECK(http_get(d.port, "/nothing", body, sizeof body) == 404, "GET /nothing is not 404");
	/* scrapes during load stay well-formed and the height never goes back */
	pid_t load = fork();
	if (load == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL || freopen("/dev/null", "w", stderr) == NULL) _exit(127);
		execl(supervm, supervm, "bench", "load", "--rpc", d.url, "--data", d.dir, "--txs", "3000", "--senders", "30",
		      "--batch", "100", (char *)NULL);
		_exit(127);
	}
	double last_h = 0;
	int scrapes = 0, st_load = 0;
	while (waitpid(load, &st_load, WNOHANG) == 0 && scrapes < 2000) {
		CHECK(http_get(d.port, "/metrics", body, sizeof body) == 200, "scrape under load failed");
		text = strstr(body, "\r\n\r\n") + 4;
		bad = well_formed(text);
		CHECK(bad == NULL, "under load: %s", bad);
		CHECK(sample(text, "supervm_chain_height", &v) && v >= last_h, "height went back under load");
		last_h = v;
		scrapes++;
		ct_sleep_ms(20);
	}
	CHECK(WIFEXITED(st_load) && WEXITSTATUS(st_load) == 0, "bench load failed");
	CHECK(http_get(d.port, "/metrics", body, sizeof body) == 200, "scrape after load");
	text = strstr(body, "\r\n\r\n") + 4;
	CHECK(sample(text, "supervm_transactions_committed_total", &v) && v >= 3000, "committed %g after load", v);
	double dag = 0, stm = 0, seq = 0, aborts = -1, fallbacks = -1;
	CHECK(sample(text, "supervm_exec_transactions_total{engine=\"dag\"}", &dag) &&
		      sample(text, "supervm_exec_transactions_total{engine=\"stm\"}", &stm) &&
		      sample(text, "supervm_exec_transactions_total{engine=\"seq\"}", &seq) && dag + stm + seq >= v,
	      "execution engines ran %g + %g + %g of %g committed transactions", dag, stm, seq, v);
	CHECK(sample(text, "supervm_exec_aborts_total", &aborts) && aborts >= 0 &&
		      sample(text, "supervm_exec_fallbacks_total", &fallbacks) && fallbacks >= 0,
	      "no abort or fallback counter");
	printf("  after the load: %g transactions by the DAG engine, %g STM, %g sequential; %g aborts, %g fallbacks\n",
	       dag, stm, seq, aborts, fallbacks);
	printf("  %d scrapes during load\n", scrapes);
	CHECK(devnet_down(&d) == 0, "devnet did not stop cleanly");
	return 0;
}

/* Debian's prometheus scrapes a devnet; its HTTP API returns the node's height; the sample
 * configuration and alert rules in ops/ pass promtool. */
static pid_t g_nodes[2]; /* the validators of test_testnet_metrics, if a failed check left them */

/* Two bindable loopback ports in a row (the testnet gives validator I base + I). */
static uint16_t free_pair(void)
{
	for (int attempt = 0; attempt < 100; attempt++) {
		uint16_t base = ct_free_port();
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(base + 1)),
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		bool ok = base != 0 && base < 65535 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
		close(fd);
		if (ok) return base;
	}
	return 0;
}

/* A two-validator testnet: each node's /metrics shows its peer, the messages and bytes it
 * exchanged with it, consensus commits with their finality, and passes promtool. */
static int test_testnet_metrics(void)
{
	char dir[64], cmd[512], out[4096], err[4096], net[96];
	static char body[1 << 20];
	ct_tmpdir(dir);
	snprintf(g_dir, sizeof g_dir, "%s", dir);
	/* two pairs that do not overlap (each pair's base was free when asked, the two one after the
	 * other: the second may repeat the first, ~1 in 12,500 here) */
	uint16_t rpc = 0, p2p = 0;
	for (int attempt = 0; attempt < 100 && !(rpc && p2p && rpc != p2p && rpc + 1 != p2p && p2p + 1 != rpc); attempt++)
		rpc = free_pair(), p2p = free_pair();
	CHECK(rpc && p2p && rpc != p2p && rpc + 1 != p2p && p2p + 1 != rpc, "no free ports");
	snprintf(cmd, sizeof cmd, "%s testnet --init --validators 2 --dir %s/net --rpc-port %u --p2p-port %u --block-ms 100 >/dev/null",
		 supervm, dir, rpc, p2p);
	CHECK(system(cmd) == 0, "testnet --init failed: %s", cmd);
	snprintf(net, sizeof net, "%s/net", dir);
	for (int i = 0; i < 2; i++) {
		char cfg[128], log[128];
		snprintf(cfg, sizeof cfg, "%s/v%d/config.json", net, i);
		snprintf(log, sizeof log, "%s/v%d/node.log", net, i);
		fflush(stdout);
		g_nodes[i] = fork();
		if (g_nodes[i] == 0) {
			if (freopen(log, "a", stderr) == NULL || freopen("/dev/null", "w", stdout) == NULL) _exit(127);
			execl(supervm, supervm, "node", "--config", cfg, "--log", "warn", (char *)NULL);
			_exit(127);
		}
	}
	/* up to 60 s for height 6 on both nodes: each commits when it sees the QC that finalizes a
	 * block, so one may be a block behind the other when it gets there */
	double v, h[2] = {0, 0};
	for (int i = 0; i < 600 && (h[0] < 6 || h[1] < 6); i++) {
		ct_sleep_ms(100);
		for (int k = 0; k < 2; k++)
			if (h[k] < 6 && http_get((uint16_t)(rpc + k), "/metrics", body, sizeof body) == 200 &&
			    strstr(body, "\r\n\r\n"))
				sample(strstr(body, "\r\n\r\n") + 4, "supervm_consensus_committed_height", &h[k]);
	}
	CHECK(h[0] >= 6 && h[1] >= 6, "the testnet did not commit height 6 on both nodes (at %g and %g)", h[0], h[1]);
	bool must_fail = false, promtool = have_tool("promtool", &must_fail);
	for (int i = 0; i < 2; i++) {
		CHECK(http_get((uint16_t)(rpc + i), "/metrics", body, sizeof body) == 200, "GET /metrics of v%d", i);
		const char *text = strstr(body, "\r\n\r\n") + 4;
		const char *bad = well_formed(text);
		CHECK(bad == NULL, "v%d: %s", i, bad);
		CHECK(sample(text, "supervm_peers", &v) && v == 1, "v%d has %g peers", i, v);
		double msgs_in = 0, msgs_out = 0, bytes_in = 0, bytes_out = 0;
		for (const char *p = text; (p = strstr(p, "\nsupervm_peer_")) != NULL; p++) {
			const char *sp = strchr(p + 1, ' ');
			if (sp == NULL) break;
			double x = strtod(sp + 1, NULL);
			bool in = strstr(p, "direction=\"in\"") != NULL && strstr(p, "direction=\"in\"") < sp;
			if (strncmp(p + 1, "supervm_peer_messages_total{", 28) == 0) *(in ? &msgs_in : &msgs_out) += x;
			if (strncmp(p + 1, "supervm_peer_bytes_total{", 25) == 0) *(in ? &bytes_in : &bytes_out) += x;
		}
		CHECK(msgs_in > 0 && msgs_out > 0 && bytes_in > msgs_in && bytes_out > msgs_out,
		      "v%d peer traffic: %g/%g messages, %g/%g bytes", i, msgs_in, msgs_out, bytes_in, bytes_out);
		CHECK(sample(text, "supervm_net_handshakes_total{result=\"ok\"}", &v) && v >= 1, "v%d handshakes %g", i, v);
		CHECK(sample(text, "supervm_block_finality_seconds_count", &v) && v >= 3, "v%d finality count %g", i, v);
		CHECK(sample(text, "supervm_consensus_committed_height", &v) && v >= 6, "v%d committed %g", i, v);
		CHECK(sample(text, "supervm_consensus_highest_qc_round", &v) && v >= 6, "v%d highest QC round %g", i, v);
		if (i == 0) printf("  v0: %g messages in, %g out; %g bytes in, %g out\n", msgs_in, msgs_out, bytes_in, bytes_out);
		if (promtool) {
			char path[96];
			snprintf(path, sizeof path, "%s/metrics%d.txt", dir, i);
			FILE *f = fopen(path, "w");
			CHECK(f != NULL, "write %s", path);
			fputs(text, f);
			fclose(f);
			CHECK(run(out, sizeof out, err, sizeof err, "promtool check metrics < %s", path) == 0,
			      "promtool check metrics (v%d): %s %s", i, out, err);
		}
	}
	CHECK(!must_fail, "promtool is required under CI=true");
	for (int i = 0; i < 2; i++) kill(g_nodes[i], SIGTERM);
	for (int i = 0; i < 2; i++) waitpid(g_nodes[i], NULL, 0), g_nodes[i] = 0;
	ct_rmdir(dir);
	g_dir[0] = 0;
	return 0;
}

static int test_prometheus_scrapes_devnet(void)
{
	bool must_fail = false;
	if (!have_tool("prometheus", &must_fail) || !have_tool("promtool", &must_fail)) {
		CHECK(!must_fail, "prometheus and promtool are required under CI=true");
		return 0;
	}
	char out[65536], err[8192];
	CHECK(run(out, sizeof out, err, sizeof err, "promtool check rules %s/ops/alerts.yml", repo_dir) == 0,
	      "promtool check rules: %s %s", out, err);
	devnet_t d;
	CHECK(devnet_up(&d, "--listen") == 0, "devnet did not start");
	uint16_t pport = ct_free_port();
	char cfg[128], tsdb[128], listen[64];
	snprintf(cfg, sizeof cfg, "%s/prometheus.yml", d.dir);
	snprintf(tsdb, sizeof tsdb, "%s/tsdb", d.dir);
	snprintf(listen, sizeof listen, "127.0.0.1:%u", pport);
	FILE *f = fopen(cfg, "w");
	CHECK(f != NULL, "write %s", cfg);
	fprintf(f, "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - %s/ops/alerts.yml\n"
		   "scrape_configs:\n  - job_name: supervm\n    static_configs:\n      - targets: ['127.0.0.1:%u']\n",
		repo_dir, d.port);
	fclose(f);
	CHECK(run(out, sizeof out, err, sizeof err, "promtool check config %s", cfg) == 0, "promtool check config: %s %s",
	      out, err);
	pid_t prom = fork();
	if (prom == 0) {
		char log[160];
		snprintf(log, sizeof log, "%s/prometheus.log", d.dir);
		if (freopen(log, "w", stderr) == NULL || freopen("/dev/null", "w", stdout) == NULL) _exit(127);
		execlp("prometheus", "prometheus", "--config.file", cfg, "--storage.tsdb.path", tsdb,
		       "--web.listen-address", listen, (char *)NULL);
		_exit(127);
	}
	static char body[1 << 16];
	double height = 0;
	int code = 0;
	for (int i = 0; i < 600 && height <= 0; i++) { /* up to 60 s: start-up and the first scrapes */
		code = http_get(pport, "/api/v1/query?query=supervm_chain_height", body, sizeof body);
		char *val = code == 200 ? strstr(body, "\"value\":[") : NULL;
		char *q = val ? strchr(val, ',') : NULL;
		if (q && q[1] == '"') height = strtod(q + 2, NULL);
		if (height <= 0) ct_sleep_ms(100);
	}
	json_t *st = call(&d, "svm_status", NULL, NULL);
	uint64_t now = ju(st, "height");
	json_decref(st);
	int up = http_get(pport, "/api/v1/query?query=up%7Bjob%3D%22supervm%22%7D", body, sizeof body);
	bool is_up = up == 200 && strstr(body, "\"value\":[") && strstr(strstr(body, "\"value\":["), ",\"1\"]");
	kill(prom, SIGTERM);
	int pst;
	waitpid(prom, &pst, 0);
	CHECK(height > 0 && height <= (double)now, "prometheus read height %g (node at %llu; last HTTP %d: %.300s)", height,
	      (unsigned long long)now, code, body);
	CHECK(is_up, "up{job=\"supervm\"} is not 1: %.300s", body);
	printf("  prometheus scraped height %g (node at %llu)\n", height, (unsigned long long)now);
	CHECK(devnet_down(&d) == 0, "devnet did not stop cleanly");
	return 0;
}


/* ------------------------------------------------------------ websocket */

/* A minimal WebSocket client written here (RFC 6455), independent of the server's library, so
 * the tests can also send what a library client never would: bad opcodes, oversized messages. */
static int ws_connect(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {10, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		if (fd >= 0) close(fd);
		return -1;
	}
	char req[512];
	int n = snprintf(req, sizeof req,
			 "GET / HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
			 port);
	if (write(fd, req, (size_t)n) != n) goto fail;
	char resp[2048] = "";
	size_t len = 0;
	while (len < sizeof resp - 1 && !strstr(resp, "\r\n\r\n")) { /* byte by byte: no frame bytes eaten */
		if (read(fd, resp + len, 1) != 1) goto fail;
		resp[++len] = 0;
	}
	/* RFC 6455's own example key and accept value */
	if (strncmp(resp, "HTTP/1.1 101", 12) != 0 || !strstr(resp, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")) goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* Sends one masked frame: opcode (1 text, 2 binary, …), payload[len], fin. */
static int ws_send_frame(int fd, int opcode, const void *payload, size_t len, bool fin)
{
	uint8_t hdr[14], mask[4] = {0x12, 0x34, 0x56, 0x78};
	size_t h = 0;
	hdr[h++] = (uint8_t)((fin ? 0x80 : 0) | opcode);
	if (len < 126) hdr[h++] = (uint8_t)(0x80 | len);
	else if (len < 65536) hdr[h++] = 0x80 | 126, hdr[h++] = (uint8_t)(len >> 8), hdr[h++] = (uint8_t)len;
	else {
		hdr[h++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--) hdr[h++] = (uint8_t)((uint64_t)len >> (8 * i));
	}
	memcpy(hdr + h, mask, 4);
	h += 4;
	uint8_t *buf = malloc(h + len);
	memcpy(buf, hdr, h);
	for (size_t i = 0; i < len; i++) buf[h + i] = ((const uint8_t *)payload)[i] ^ mask[i % 4];
	size_t off = 0;
	while (off < h + len) {
		ssize_t k = write(fd, buf + off, h + len - off);
		if (k <= 0) break;
		off += (size_t)k;
	}
	free(buf);
	return off == h + len ? 0 : -1;
}

static int ws_send(int fd, const char *text) { return ws_send_frame(fd, 1, text, strlen(text), true); }

static int read_full(int fd, void *p, size_t n)
{
	size_t off = 0;
	while (off < n) {
		ssize_t k = read(fd, (uint8_t *)p + off, n - off);
		if (k <= 0) return -1;
		off += (size_t)k;
	}
	return 0;
}

/* Receives one frame (the server never masks, never fragments here): its opcode, the payload
 * NUL-terminated in out (truncated to cap). -1 on a closed connection or a 10 s timeout. */
static int ws_recv(int fd, char *out, size_t cap)
{
	uint8_t h[2];
	if (read_full(fd, h, 2)) return -1;
	uint64_t len = h[1] & 0x7f;
	if (len == 126) {
		uint8_t e[2];
		if (read_full(fd, e, 2)) return -1;
		len = (uint64_t)e[0] << 8 | e[1];
	} else if (len == 127) {
		uint8_t e[8];
		if (read_full(fd, e, 8)) return -1;
		len = 0;
		for (int i = 0; i < 8; i++) len = len << 8 | e[i];
	}
	char *buf = malloc(len + 1);
	if (buf == NULL || read_full(fd, buf, len)) {
		free(buf);
		return -1;
	}
	size_t n = len < cap - 1 ? len : cap - 1;
	memcpy(out, buf, n);
	out[n] = 0;
	free(buf);
	return h[0] & 0x0f;
}

/* The next text message that contains needle (others skipped), within 200 frames. */
static bool ws_expect(int fd, const char *needle, char *out, size_t cap)
{
	for (int i = 0; i < 200; i++) {
		int op = ws_recv(fd, out, cap);
		if (op < 0 || op == 8) return false;
		if (op == 1 && strstr(out, needle)) return true;
	}
	return false;
}

/* newHeads from a past height: the backlog, then live heads, heights consecutive (no gap, no
 * duplicate); events filtered by emitter and topic; pending transactions; a receipt; other
 * methods over the same socket; unsubscribe. */
static int test_ws_subscriptions(void)
{
	devnet_t d;
	CHECK(devnet_up(&d, "--listen") == 0, "devnet did not start");
	char out[8192], err[4096], a[65], akey[128], msg[65536];
	CHECK(new_key(&d, "a", akey, a) == 0, "keys new");
	CHECK(SV("--rpc %s faucet --to %s --amount 5SWR --wait", d.url, a) == 0, "faucet");
	json_t *st = call(&d, "svm_status", NULL, NULL);
	uint64_t h0 = ju(st, "height");
	json_decref(st);
	int fd = ws_connect(d.ws_port);
	CHECK(fd >= 0, "no WebSocket handshake on port %u", d.ws_port);
	CHECK(ws_send(fd, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"svm_subscribe\",\"params\":[\"newHeads\",{\"from_height\":1}]}") == 0, "send");
	CHECK(ws_expect(fd, "\"id\":1", msg, sizeof msg) && strstr(msg, "\"result\":\"0x"), "subscribe reply: %s", msg);
	uint64_t want = 1, t_backlog = svm_clock_ns();
	while (want <= h0 + 5) {
		if (want == h0 + 1)
			printf("  backlog of %llu heads in %.1f ms\n", (unsigned long long)h0,
			       (double)(svm_clock_ns() - t_backlog) / 1e6);
		CHECK(ws_expect(fd, "svm_subscription", msg, sizeof msg), "no head %llu", (unsigned long long)want);
		json_t *j = json_loads(msg, 0, NULL);
		json_t *r = json_object_get(json_object_get(j, "params"), "result");
		uint64_t h = ju(r, "height");
		json_decref(j);
		CHECK(h == want, "head %llu after %llu: a gap or a duplicate", (unsigned long long)h, (unsigned long long)want - 1);
		want++;
	}
	/* other methods over the socket */
	CHECK(ws_send(fd, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"svm_chainId\"}") == 0, "send");
	CHECK(ws_expect(fd, "\"id\":2", msg, sizeof msg) && strstr(msg, "1337"), "svm_chainId over ws: %s", msg);
	CHECK(ws_send(fd, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"svm_unsubscribe\",\"params\":[\"0x1\"]}") == 0, "send");
	CHECK(ws_expect(fd, "\"id\":3", msg, sizeof msg) && strstr(msg, "true"), "unsubscribe: %s", msg);
	/* events from the ledger program, pending transactions, one receipt */
	char sub[512];
	CHECK(ws_send(fd, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"svm_subscribe\",\"params\":[\"pendingTransactions\"]}") == 0, "send");
	CHECK(ws_expect(fd, "\"id\":4", msg, sizeof msg), "pending subscribe");
	snprintf(sub, sizeof sub, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"svm_subscribe\",\"params\":[\"events\",{\"topic\":\"0x7472616e73666572\"}]}");
	CHECK(ws_send(fd, sub) == 0, "send");
	CHECK(ws_expect(fd, "\"id\":5", msg, sizeof msg) && strstr(msg, "result"), "events subscribe: %s", msg);
	CHECK(SV("--rpc %s transfer --from %s --to %s --amount 0.5SWR", d.url, akey, a) == 0, "transfer");
	char tx[65];
	snprintf(tx, sizeof tx, "%.64s", out);
	snprintf(sub, sizeof sub, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"svm_subscribe\",\"params\":[\"receipt\",{\"tx_hash\":\"%s\"}]}", tx);
	CHECK(ws_send(fd, sub) == 0, "send");
	bool got_pending = false, got_event = false, got_receipt = false;
	for (int i = 0; i < 400 && !(got_pending && got_event && got_receipt); i++) {
		int op = ws_recv(fd, msg, sizeof msg);
		CHECK(op == 1, "connection closed while waiting (%d)", op);
		if (!strstr(msg, "svm_subscription") || !strstr(msg, tx)) continue;
		if (strstr(msg, "\"tx_index\"")) got_event = true;
		else if (strstr(msg, "\"fee_charged\"")) got_receipt = true;
		else got_pending = true;
	}
	CHECK(got_pending && got_event && got_receipt, "pending %d event %d receipt %d", got_pending, got_event, got_receipt);
	close(fd);
	CHECK(devnet_down(&d) == 0, "devnet did not stop cleanly");
	return 0;
}

/* Bad input on the WebSocket: a binary frame, an oversized message, a subscription flood, bad
 * JSON and bad params each get their answer; a client that never reads is dropped; the node
 * keeps serving HTTP and WebSocket. */
static int test_ws_bad_input_and_slow_clients(void)
{
	devnet_t d;
	CHECK(devnet_up(&d, "--listen") == 0, "devnet did not start");
	char msg[65536];
	int fd = ws_connect(d.ws_port);
	CHECK(fd >= 0, "handshake");
	CHECK(ws_send(fd, "{not json") == 0, "send");
	CHECK(ws_expect(fd, "-32700", msg, sizeof msg), "bad JSON: %s", msg);
	CHECK(ws_send(fd, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"svm_subscribe\",\"params\":[\"everything\"]}") == 0, "send");
	CHECK(ws_expect(fd, "-32602", msg, sizeof msg), "unknown kind: %s", msg);
	int refused = 0;
	for (int i = 0; i < 40; i++) {
		CHECK(ws_send(fd, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"svm_subscribe\",\"params\":[\"newHeads\"]}") == 0, "send");
		CHECK(ws_expect(fd, "\"id\":9", msg, sizeof msg), "flood reply %d", i);
		if (strstr(msg, "-32004")) refused++;
	}
	CHECK(refused == 40 - SVM_WS_SUBS_MAX, "subscription flood: %d refused", refused);
	CHECK(ws_send_frame(fd, 2, "\x01\x02", 2, true) == 0, "send binary");
	int op;
	while ((op = ws_recv(fd, msg, sizeof msg)) == 1) {
	}
	CHECK(op == 8 && (uint8_t)msg[0] == 0x03 && (uint8_t)msg[1] == 0xEB, "binary frame: opcode %d, close code %u", op,
	      (unsigned)((uint8_t)msg[0] << 8 | (uint8_t)msg[1]));
	close(fd);
	fd = ws_connect(d.ws_port);
	CHECK(fd >= 0, "handshake 2");
	static char big[200000];
	memset(big, ' ', sizeof big);
	CHECK(ws_send_frame(fd, 1, big, sizeof big, true) == 0 || 1, "send big");
	op = ws_recv(fd, msg, sizeof msg);
	CHECK(op == 8 && (uint8_t)msg[0] == 0x03 && (uint8_t)msg[1] == 0xF1, "oversized: opcode %d close %u %.60s", op,
	      (unsigned)((uint8_t)msg[0] << 8 | (uint8_t)msg[1]), msg);
	close(fd);
	/* a slow client: subscribes to every head from 1 and to pending transactions, never reads;
	 * load makes its queue fill; it is dropped and the node keeps serving */
	fd = ws_connect(d.ws_port);
	CHECK(fd >= 0, "handshake 3");
	int small = 4096;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
	CHECK(ws_send(fd, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"svm_subscribe\",\"params\":[\"pendingTransactions\"]}") == 0, "send");
	char out[8192], err[4096];
	CHECK(SV("--rpc %s bench load --data %s --txs 12000 --senders 60 --batch 200", d.url, d.dir) == 0, "load: %s", err);
	static char body[1 << 20];
	double dropped = 0;
	for (int i = 0; i < 300 && dropped < 1; i++) {
		CHECK(http_get(d.port, "/metrics", body, sizeof body) == 200, "metrics");
		char *text = strstr(body, "\r\n\r\n");
		if (text) sample(text + 4, "supervm_ws_dropped_total", &dropped);
		if (dropped < 1) ct_sleep_ms(100);
	}
	CHECK(dropped >= 1, "the slow client was not dropped");
	/* it gets the error, then the close */
	bool saw_error = false;
	while ((op = ws_recv(fd, msg, sizeof msg)) == 1) saw_error |= strstr(msg, "too slow") != NULL;
	CHECK(saw_error && op == 8, "slow client: error %d, last opcode %d", saw_error, op);
	close(fd);
	json_t *st = call(&d, "svm_status", NULL, NULL);
	CHECK(st != NULL, "HTTP RPC stopped");
	json_decref(st);
	fd = ws_connect(d.ws_port);
	CHECK(fd >= 0 && ws_send(fd, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"svm_chainId\"}") == 0 &&
		      ws_expect(fd, "\"id\":7", msg, sizeof msg),
	      "WebSocket stopped serving");
	close(fd);
	CHECK(devnet_down(&d) == 0, "devnet did not stop cleanly");
	return 0;
}


/* ------------------------------------------------------------- indexer */

typedef struct {
	char dir[64], bin[160], as[40], conninfo[160];
	uint16_t port;
} pg_t;

static pg_t *g_pg; /* a server a failed check left running: main stops it */
static pid_t g_ix;   /* an indexer a failed check left running */
static pid_t g_load; /* and a load generator */

/* A PostgreSQL server of its own: initdb in a temporary directory, pg_ctl start on a free port
 * (as the postgres user when the test runs as root: initdb refuses root). */
static int pg_up(pg_t *p)
{
	char out[4096], err[4096];
	memset(p, 0, sizeof *p);
	if (run(out, sizeof out, err, sizeof err, "ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1") != 0 || !out[0])
		return -1;
	snprintf(p->bin, sizeof p->bin, "%s", out);
	ct_tmpdir(p->dir);
	p->port = ct_free_port();
	if (geteuid() == 0) {
		snprintf(p->as, sizeof p->as, "runuser -u postgres -- ");
		if (run(out, sizeof out, err, sizeof err, "chown postgres %s", p->dir) != 0) return 1;
	}
	if (run(out, sizeof out, err, sizeof err, "%s%s/initdb -D %s/data -U postgres --auth=trust -E UTF8 --no-sync", p->as,
		p->bin, p->dir) != 0) {
		fprintf(stderr, "  initdb: %s\n", err);
		return 1;
	}
	snprintf(p->conninfo, sizeof p->conninfo, "host=127.0.0.1 port=%u user=postgres dbname=postgres", p->port);
	return 0;
}

static int pg_ctl(pg_t *p, const char *what)
{
	char out[4096], err[4096];
	if (strcmp(what, "start") == 0)
		return run(out, sizeof out, err, sizeof err,
			   "%s%s/pg_ctl -D %s/data -l %s/pg.log -w -t 60 -o \"-p %u -k %s -c listen_addresses=127.0.0.1 "
			   "-c fsync=off\" start",
			   p->as, p->bin, p->dir, p->dir, p->port, p->dir);
	return run(out, sizeof out, err, sizeof err, "%s%s/pg_ctl -D %s/data -w -t 60 -m fast stop", p->as, p->bin, p->dir);
}

static void pg_down(pg_t *p)
{
	pg_ctl(p, "stop");
	ct_rmdir(p->dir);
}

/* psql -tA: the rows, fields separated by spaces, into out. */
static int sql(pg_t *p, char *out, size_t cap, const char *fmt, ...)
{
	char q[1024], err[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(q, sizeof q, fmt, ap);
	va_end(ap);
	return run(out, cap, err, sizeof err, "psql '%s' -tA -F ' ' -c \"%s\"", p->conninfo, q);
}

static pid_t indexer_start(devnet_t *d, pg_t *p)
{
	pid_t pid = fork();
	if (pid == 0) {
		char log[96];
		snprintf(log, sizeof log, "%s.indexer", d->dir);
		if (freopen(log, "a", stderr) == NULL || freopen("/dev/null", "w", stdout) == NULL) _exit(127);
		setenv("SUPERVM_PROGRESS", "1", 1);
		execl(supervm, supervm, "indexer", "--rpc", d->url, "--pg", p->conninfo, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static uint64_t indexed_height(pg_t *p)
{
	char out[256];
	if (sql(p, out, sizeof out, "SELECT height FROM indexer_state") != 0 || !out[0]) return 0;
	return strtoull(out, NULL, 10);
}

/* The indexer follows a devnet under load into a real PostgreSQL; it is killed (SIGKILL) and
 * restarted, the database stops and comes back; afterwards every block, its transactions and
 * receipts match the node, and every account's balance changes add up to its balance. */
static int test_indexer_follows_chain(void)
{
	pg_t p;
	bool must_fail = false;
	int up = pg_up(&p);
	if (up < 0) {
		if (ci_required()) must_fail = true;
		else {
			printf("  SKIP: PostgreSQL is not installed (bash scripts/install-deps.sh installs it; required under CI=true)\n");
			skipped++;
			return 0;
		}
	}
	CHECK(!must_fail, "PostgreSQL is required under CI=true");
	CHECK(up == 0, "initdb failed");
	g_pg = &p;
	CHECK(pg_ctl(&p, "start") == 0, "pg_ctl start failed");
	devnet_t d;
	CHECK(devnet_up(&d, "--listen") == 0, "devnet did not start");
	char out[65536], err[8192];
	pid_t ix = g_ix = indexer_start(&d, &p);
	pid_t load = fork();
	if (load == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL || freopen("/dev/null", "w", stderr) == NULL) _exit(127);
		execl(supervm, supervm, "bench", "load", "--rpc", d.url, "--data", d.dir, "--txs", "3000", "--senders", "30",
		      "--batch", "100", "--rate", "1500", (char *)NULL);
		_exit(127);
	}
	g_load = load;
	/* kill the indexer hard once it has written something, then restart it */
	for (int i = 0; i < 300 && indexed_height(&p) < 3; i++) ct_sleep_ms(200);
	CHECK(indexed_height(&p) >= 3, "the indexer wrote nothing");
	kill(ix, SIGKILL);
	waitpid(ix, NULL, 0);
	ix = g_ix = indexer_start(&d, &p);
	/* the database goes away and comes back */
	CHECK(pg_ctl(&p, "stop") == 0, "pg_ctl stop");
	ct_sleep_ms(500);
	CHECK(pg_ctl(&p, "start") == 0, "pg_ctl restart");
	int st = 0;
	waitpid(load, &st, 0);
	g_load = 0;
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "bench load failed");
	json_t *s = call(&d, "svm_status", NULL, NULL);
	uint64_t head = ju(s, "height");
	char faucet[65], proposer[65];
	snprintf(faucet, sizeof faucet, "%s", json_string_value(json_object_get(s, "faucet")));
	snprintf(proposer, sizeof proposer, "%s", json_string_value(json_object_get(s, "proposer")));
	json_decref(s);
	uint64_t t_lag = svm_clock_ns(), behind = head - indexed_height(&p);
	for (int i = 0; i < 600 && indexed_height(&p) < head; i++) ct_sleep_ms(200);
	printf("  indexer lag after the load: %llu blocks, caught up in %.1f s\n", (unsigned long long)behind,
	       (double)(svm_clock_ns() - t_lag) / 1e9);
	CHECK(indexed_height(&p) >= head, "indexer at %llu, node at %llu", (unsigned long long)indexed_height(&p),
	      (unsigned long long)head);
	kill(ix, SIGTERM);
	waitpid(ix, NULL, 0);
	g_ix = 0;
	/* block by block */
	CHECK(sql(&p, out, sizeof out, "SELECT count(*), min(height), max(height) FROM blocks WHERE height <= %llu",
		  (unsigned long long)head) == 0,
	      "query");
	unsigned long long n = 0, lo = 0, hi = 0;
	sscanf(out, "%llu %llu %llu", &n, &lo, &hi);
	CHECK(n == hi - lo + 1 && hi >= head, "blocks %llu..%llu but %llu rows: a gap or a duplicate", lo, hi, n);
	uint64_t txs_total = 0;
	/* one query for every block: hash, tx_count, and the transaction rows that have a receipt */
	static char rows[1 << 20];
	CHECK(sql(&p, rows, sizeof rows,
		  "SELECT b.height, b.hash, b.tx_count, count(r.tx_hash) FROM blocks b LEFT JOIN transactions t ON "
		  "t.block_height = b.height LEFT JOIN receipts r ON r.tx_hash = t.hash WHERE b.height <= %llu "
		  "GROUP BY b.height ORDER BY b.height",
		  (unsigned long long)head) == 0,
	      "block query");
	char *save = NULL;
	uint64_t h = lo;
	for (char *line = strtok_r(rows, "\n", &save); line; line = strtok_r(NULL, "\n", &save), h++) {
		unsigned long long hh = 0, tc = 0, nr = 0;
		char hash[80] = "";
		sscanf(line, "%llu %79s %llu %llu", &hh, hash, &tc, &nr);
		json_t *b = call(&d, "svm_getBlockByNumber", json_pack("[I, b]", (json_int_t)h, 0), NULL);
		CHECK(b != NULL, "node block %llu", (unsigned long long)h);
		CHECK(hh == h && strcmp(hash, json_string_value(json_object_get(b, "hash"))) == 0 && tc == ju(b, "tx_count") &&
			      nr == tc,
		      "block %llu: db %s %llu txs %llu with receipts, node %s %llu", (unsigned long long)h, hash, tc, nr,
		      json_string_value(json_object_get(b, "hash")), (unsigned long long)ju(b, "tx_count"));
		txs_total += tc;
		json_decref(b);
	}
	CHECK(h == head + 1, "blocks checked up to %llu, node at %llu", (unsigned long long)h - 1, (unsigned long long)head);
	CHECK(txs_total >= 3000, "only %llu transactions indexed", (unsigned long long)txs_total);
	/* balances: every account but the two genesis-funded ones */
	CHECK(sql(&p, out, sizeof out,
		  "SELECT owner, sum(delta) FROM balance_changes WHERE token = '%s' AND owner NOT IN ('%s','%s') GROUP BY owner",
		  "b938f50ebbeba9b69171aada859f1368b5a12ab34d5d8afb6d64896ffe0f3df4", faucet, proposer) == 0,
	      "balance query");
	int accounts = 0;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char owner[65];
		unsigned long long sum;
		if (sscanf(line, "%64s %llu", owner, &sum) != 2) continue;
		json_t *r = call(&d, "svm_getBalance", json_pack("[s]", owner), NULL);
		CHECK(ju(r, "amount") == sum, "account %s: changes add up to %llu, node says %llu", owner, sum,
		      (unsigned long long)ju(r, "amount"));
		json_decref(r);
		accounts++;
	}
	CHECK(accounts >= 30, "only %d accounts checked", accounts);
	printf("  %llu blocks, %llu transactions, %d balances checked\n", n, (unsigned long long)txs_total, accounts);
	(void)err;
	CHECK(devnet_down(&d) == 0, "devnet did not stop cleanly");
	pg_down(&p);
	g_pg = NULL;
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	{"global_options_anywhere_and_json_errors", test_global_options_anywhere_and_json_errors},
	{"devnet_listen_and_hint", test_devnet_listen_and_hint},
	{"faucet_over_rpc_and_its_limits", test_faucet_over_rpc_and_its_limits},
	{"three_transfers_in_a_row", test_three_transfers_in_a_row},
	{"tx_is_decoded", test_tx_is_decoded},
	{"user_token_amounts", test_user_token_amounts},
	{"progress_and_completion", test_progress_and_completion},
	{"metrics_endpoint", test_metrics_endpoint},
	{"testnet_metrics", test_testnet_metrics},
	{"prometheus_scrapes_devnet", test_prometheus_scrapes_devnet},
	{"ws_subscriptions", test_ws_subscriptions},
	{"ws_bad_input_and_slow_clients", test_ws_bad_input_and_slow_clients},
	{"indexer_follows_chain", test_indexer_follows_chain},
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: e2e_cli PATH/TO/supervm [TEST...]\n");
		return 2;
	}
	supervm = argv[1];
	char tmp[512];
	snprintf(tmp, sizeof tmp, "%s", supervm);
	snprintf(contracts_dir, sizeof contracts_dir, "%s/contracts", dirname(tmp));
	char *bdir = realpath(supervm, NULL);
	if (bdir != NULL) {
		snprintf(repo_dir, sizeof repo_dir, "%s", dirname(dirname(bdir)));
		free(bdir);
	} else {
		snprintf(repo_dir, sizeof repo_dir, ".");
	}
	signal(SIGPIPE, SIG_IGN);
	int pass = 0, fail = 0;
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		bool pick = argc == 2;
		for (int k = 2; k < argc; k++) pick |= strcmp(argv[k], tests[i].name) == 0;
		if (!pick) continue;
		uint64_t t0 = svm_clock_ns();
		fail_msg[0] = 0;
		int rc = tests[i].fn();
		double s = (double)(svm_clock_ns() - t0) / 1e9;
		if (g_ix > 0) kill(g_ix, SIGKILL), waitpid(g_ix, NULL, 0), g_ix = 0;
		if (g_load > 0) kill(g_load, SIGKILL), waitpid(g_load, NULL, 0), g_load = 0;
		for (int k = 0; k < 2; k++)
			if (g_nodes[k] > 0) kill(g_nodes[k], SIGKILL), waitpid(g_nodes[k], NULL, 0), g_nodes[k] = 0;
		if (g_pg != NULL) pg_down(g_pg), g_pg = NULL;
		if (g_pid > 0) { /* a failed check left its devnet up */
			kill(g_pid, SIGKILL);
			waitpid(g_pid, NULL, 0);
			g_pid = 0;
		}
		if (g_dir[0]) {
			char cmd[200];
			snprintf(cmd, sizeof cmd, "tail -n 20 %s.log >&2; rm -f %s.log %s.out", g_dir, g_dir, g_dir);
			if (system(cmd) != 0) fprintf(stderr, "  (no node log)\n");
			ct_rmdir(g_dir);
			g_dir[0] = 0;
		}
		if (rc == 0) pass++, printf("ok   %-44s %.1fs\n", tests[i].name, s);
		else fail++, printf("FAIL %-44s %.1fs: %s\n", tests[i].name, s, fail_msg);
		fflush(stdout);
	}
	printf("e2e-cli: %d passed, %d failed, %d skipped\n", pass - skipped, fail, skipped);
	return fail == 0 ? 0 : 1;
}

/* Unit tests for the node in-process (so the sanitizer build covers src/node): configuration
 * parsing, the devnet set-up, and every svm_* method over loopback against a running node. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/chaintest.h"
#include "supervm/node.h"
#include "supervm/rpc.h"
#include "supervm/vm.h"

static char dir[64];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(node_config, relative_paths_limits_and_unknown_keys)
{
	ct_tmpdir(dir);
	char path[128];
	snprintf(path, sizeof path, "%s/n.json", dir);
	write_file(path, "{\"data_dir\":\"d\",\"validator_key\":\"/k.json\",\"rpc\":\"127.0.0.1:9999\","
			 "\"block_ms\":250,\"mempool_per_sender_max\":16,\"devnet\":true}");
	svm_node_config_t c;
	svm_node_config_default(&c);
	svm_error_t err = {0};
	cr_assert_eq(svm_node_config_load(&c, path, &err), 0, "%s", err.msg);
	char want[128];
	snprintf(want, sizeof want, "%s/d", dir);
	cr_assert_str_eq(c.data_dir, want);
	cr_assert_str_eq(c.validator_key, "/k.json");
	cr_assert_eq(c.rpc_port, 9999);
	cr_assert_eq(c.block_ms, 250);
	cr_assert_eq(c.mempool_per_sender_max, 16);
	cr_assert(c.devnet);

	const char *bad[] = {"{\"data_dir\":\"d\",\"validator_key\":\"k\",\"blok_ms\":1}",
			     "{\"data_dir\":\"d\",\"validator_key\":\"k\",\"block_ms\":1}",
			     "{\"data_dir\":\"d\",\"validator_key\":\"k\",\"rpc\":\"nohost\"}",
			     "{\"validator_key\":\"k\"}", "[1]", "{\"data_dir\":\"d\",\"data_dir\":\"e\"}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_file(path, bad[i]);
		svm_node_config_default(&c);
		err.msg[0] = 0;
		cr_assert_neq(svm_node_config_load(&c, path, &err), 0, "accepted %s", bad[i]);
		cr_assert_neq(err.msg[0], 0, "no message for %s", bad[i]);
	}
	cr_assert_eq(svm_node_config_load(&c, "/nonexistent/x.json", &err), SVM_EIO);
	ct_rmdir(dir);
}

/* ------------------------------------------------------- a running node */

static svm_node_t *node;
static svm_rpc_client_t *cli;
static svm_keypair_t faucet;

static void up(void)
{
	ct_tmpdir(dir);
	svm_node_config_t c;
	svm_node_config_default(&c);
	svm_error_t err = {0};
	cr_assert_eq(svm_node_devnet_init(dir, &c, &err), 0, "%s", err.msg);
	c.rpc_port = 0;
	c.block_ms = 20;
	c.rpc_threads = 2;
	cr_assert_eq(svm_node_start(&node, &c, &err), 0, "%s", err.msg);
	char url[64];
	snprintf(url, sizeof url, "127.0.0.1:%u", svm_node_rpc_port(node));
	cr_assert_eq(svm_rpc_client_new(&cli, url, 10000, &err), 0);
	cr_assert_eq(svm_keyfile_read(c.faucet_key, &faucet, &err), 0, "%s", err.msg);
}

static void down(void)
{
	svm_rpc_client_free(cli);
	svm_node_stop(node);
	ct_rmdir(dir);
}

static json_t *call(const char *m, json_t *params, int *code)
{
	json_t *r = NULL;
	int c = 0;
	int rc = svm_rpc_call(cli, m, params, &r, &c, NULL);
	if (code) *code = rc == 0 ? 0 : c;
	return r;
}

static char *hexdup(const svm_buf_t *b)
{
	char *s = malloc(2 * b->len + 1);
	svm_hex_encode(s, b->data, b->len);
	return s;
}

/* (a bound for a failure, not a timing: 30 s, as the end-to-end drivers wait) */
static json_t *wait_receipt(const char *id) { return ct_wait_receipt(cli, id, 30000); }

TestSuite(node_rpc, .init = up, .fini = down);

Test(node_rpc, transfer_is_admitted_committed_and_proven)
{
	json_t *cid = call("svm_chainId", NULL, NULL);
	cr_assert_eq(json_integer_value(cid), SVM_NODE_DEVNET_CHAIN_ID);
	json_decref(cid);
	svm_keypair_t k;
	ct_key(9, &k);
	svm_id_t swr;
	svm_token_id("SWR", &swr);
	svm_buf_t tx = {0};
	svm_hash_t id;
	ct_txopt_t o = {.chain_id = SVM_NODE_DEVNET_CHAIN_ID, .fee_limit = 100000, .strict = true};
	ct_transfer(&tx, &faucet, &swr, &k.id, 777, &o, &id);
	char *hex = hexdup(&tx), idh[65];
	svm_hash_hex(&id, idh);

	json_t *est = call("svm_estimateFee", json_pack("[s]", hex), NULL);
	cr_assert_not_null(est);
	cr_assert_gt(json_integer_value(json_object_get(est, "fee")), 0);
	json_decref(est);

	int code = 0;
	json_t *r = call("svm_sendRawTransaction", json_pack("[s]", hex), &code);
	cr_assert_eq(code, 0);
	cr_assert_str_eq(json_string_value(r), idh);
	json_decref(r);
	r = call("svm_sendRawTransaction", json_pack("[s]", hex), &code);
	cr_assert(code == svm_rpc_app_code(SVM_EEXIST) || code == svm_rpc_app_code(SVM_ENONCE), "dup: %d", code);
	json_decref(r);

	json_t *rc = wait_receipt(idh);
	cr_assert_not_null(rc, "never committed");
	cr_assert_eq(json_integer_value(json_object_get(rc, "status")), 0);
	uint64_t h = (uint64_t)json_integer_value(json_object_get(rc, "block_height"));
	json_decref(rc);

	json_t *t = call("svm_getTransactionByHash", json_pack("[s]", idh), NULL);
	cr_assert_str_eq(json_string_value(json_object_get(t, "status")), "committed");
	cr_assert_str_eq(json_string_value(json_object_get(t, "access_mode")), "strict");
	json_decref(t);
	json_t *b = call("svm_getBlockByNumber", json_pack("[I,b]", (json_int_t)h, 1), NULL);
	cr_assert_eq(json_array_size(json_object_get(b, "transactions")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(b, "transactions"), 0), "hash")), idh);
	json_decref(b);

	char kh[65];
	json_t *bal = call("svm_getBalance", json_pack("[s,s]", svm_hash_hex(&k.id, kh), "SWR"), NULL);
	cr_assert_eq(json_integer_value(json_object_get(bal, "amount")), 777);
	json_decref(bal);
	svm_id_t obj;
	svm_balance_id(&swr, &k.id, &obj);
	char oh[65];
	json_t *p = call("svm_getProof", json_pack("[s]", svm_hash_hex(&obj, oh)), NULL);
	cr_assert(json_is_true(json_object_get(p, "exists")));
	cr_assert(json_is_true(json_object_get(p, "verified_by_node")));
	json_decref(p);
	json_t *acct = call("svm_getAccount", json_pack("[s]", svm_hash_hex(&faucet.id, kh)), NULL);
	cr_assert_eq(json_integer_value(json_object_get(acct, "nonce")), 1);
	json_decref(acct);
	json_t *st = call("svm_status", NULL, NULL);
	cr_assert_geq(json_integer_value(json_object_get(st, "txs_committed")), 1);
	json_decref(st);
	json_t *sr = call("svm_getStateRoot", NULL, NULL);
	cr_assert_eq(strlen(json_string_value(json_object_get(sr, "state_root"))), 64);
	json_decref(sr);
	free(hex);
	svm_buf_free(&tx);
}

Test(node_rpc, params_are_checked)
{
	const struct {
		const char *m;
		const char *params;
	} bad[] = {{"svm_getBalance", "[\"xyz\"]"},
		   {"svm_getBalance", "[\"0000000000000000000000000000000000000000000000000000000000000000\",\"DOGE\"]"},
		   {"svm_getTransactionByHash", "[]"},
		   {"svm_getBlockByNumber", "[-1]"},
		   {"svm_getBlockByNumber", "[1,\"yes\"]"},
		   {"svm_sendRawTransaction", "[\"0x0\"]"},
		   {"svm_sendRawTransaction", "[12]"},
		   {"svm_getProof", "[null]"}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int code = 0;
		json_t *r = call(bad[i].m, json_loads(bad[i].params, 0, NULL), &code);
		cr_assert_eq(code, SVM_RPC_INVALID_PARAMS, "%s %s: %d", bad[i].m, bad[i].params, code);
		json_decref(r);
	}
	json_t *r = call("svm_getTransactionReceipt",
			 json_pack("[s]", "1111111111111111111111111111111111111111111111111111111111111111"), NULL);
	cr_assert(json_is_null(r));
	json_decref(r);
	r = call("svm_getBlockByNumber", json_pack("[i]", 1 << 30), NULL);
	cr_assert(json_is_null(r));
	json_decref(r);
}

/* The node's network configuration: `supervm testnet`'s files (a shared genesis, per-validator
 * keys and configs naming every other validator as a peer), the "p2p"/"peers" config keys and
 * their refusals. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/chaintest.h"
#include "supervm/node.h"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(testnet, init_writes_a_genesis_keys_and_configs_that_name_every_other_validator)
{
	char dir[64], path[256];
	ct_tmpdir(dir);
	svm_error_t err = {0};
	cr_assert_eq(svm_node_testnet_init(dir, 4, 30000, 31000, 100, &err), 0, "%s", err.msg);
	svm_genesis_t g;
	snprintf(path, sizeof path, "%s/genesis.json", dir);
	cr_assert_eq(svm_genesis_load(&g, path, &err), 0, "%s", err.msg);
	cr_assert_eq(g.n_validators, 4);
	cr_assert_eq(g.chain_id, SVM_NODE_TESTNET_CHAIN_ID);
	cr_assert(g.params_set && g.params.slot_ms == 100, "the slot is the genesis's governed slot_ms");
	for (unsigned i = 0; i < 4; i++) {
		svm_node_config_t c;
		svm_node_config_default(&c);
		cr_assert_eq(c.block_ms, 0, "a node's default: the governed slot");
		c.block_ms = 777; /* so the file's own value shows */
		snprintf(path, sizeof path, "%s/v%u/config.json", dir, i);
		cr_assert_eq(svm_node_config_load(&c, path, &err), 0, "%s", err.msg);
		cr_assert_eq(c.rpc_port, 30000 + i);
		cr_assert_eq(c.p2p_port, 31000 + i);
		cr_assert_eq(c.block_ms, 0, "the config leaves the slot to the chain");
		cr_assert_eq(c.round_timeout_ms, 0, "and the round timeout follows it");
		cr_assert_eq(c.n_peers, 3);
		svm_keypair_t kp;
		cr_assert_eq(svm_keyfile_read(c.validator_key, &kp, &err), 0, "%s", err.msg);
		bool self_listed = false, in_genesis = false;
		for (size_t k = 0; k < c.n_peers; k++) {
			cr_assert(c.peers[k].has_id);
			cr_assert_str_eq(c.peers[k].host, "127.0.0.1");
			self_listed |= svm_hash_eq(&c.peers[k].id, &kp.id);
		}
		for (size_t k = 0; k < g.n_validators; k++) in_genesis |= svm_hash_eq(&g.validators[k].id, &kp.id);
		cr_assert(!self_listed, "v%u lists itself", i);
		cr_assert(in_genesis, "v%u's key is a genesis validator", i);
	}
	/* Again: the existing network is kept as it is (resume). */
	uint8_t before[32];
	snprintf(path, sizeof path, "%s/genesis.json", dir);
	FILE *f = fopen(path, "rb");
	cr_assert_eq(fread(before, 1, 32, f), 32);
	fclose(f);
	cr_assert_eq(svm_node_testnet_init(dir, 4, 40000, 41000, 100, &err), 0, "%s", err.msg);
	svm_node_config_t c;
	svm_node_config_default(&c);
	snprintf(path, sizeof path, "%s/v0/config.json", dir);
	cr_assert_eq(svm_node_config_load(&c, path, &err), 0, "%s", err.msg);
	cr_assert_eq(c.rpc_port, 30000, "not rewritten");
	cr_assert_eq(svm_node_testnet_init(dir, 0, 1, 1, 100, &err), SVM_EINVAL);
	svm_genesis_free(&g);
	ct_rmdir(dir);
}

Test(testnet, peers_and_p2p_keys_parse_and_refuse_bad_values)
{
	char dir[64], path[256];
	ct_tmpdir(dir);
	snprintf(path, sizeof path, "%s/c.json", dir);
	svm_error_t err = {0};
	svm_node_config_t c;
	const char *good = "{\"data_dir\": \"d\", \"validator_key\": \"k\", \"p2p\": \"localhost:26656\","
			   " \"peers\": [\"127.0.0.1:1\", \"%s@10.0.0.2:26657\"], \"round_timeout_ms\": 900}";
	char text[512], id[65];
	memset(id, 'a', 64);
	id[64] = 0;
	snprintf(text, sizeof text, good, id);
	write_file(path, text);
	svm_node_config_default(&c);
	cr_assert_eq(svm_node_config_load(&c, path, &err), 0, "%s", err.msg);
	cr_assert_str_eq(c.p2p_host, "127.0.0.1");
	cr_assert_eq(c.p2p_port, 26656);
	cr_assert_eq(c.n_peers, 2);
	cr_assert(!c.peers[0].has_id && c.peers[0].port == 1);
	cr_assert(c.peers[1].has_id && c.peers[1].id.b[0] == 0xaa && c.peers[1].port == 26657);
	cr_assert_eq(c.round_timeout_ms, 900);
	const char *bad[] = {
		"{\"data_dir\": \"d\", \"validator_key\": \"k\", \"p2p\": \"nohost\"}",
		"{\"data_dir\": \"d\", \"validator_key\": \"k\", \"p2p\": \"127.0.0.1:0\"}",
		"{\"data_dir\": \"d\", \"validator_key\": \"k\", \"peers\": \"127.0.0.1:1\"}",
		"{\"data_dir\": \"d\", \"validator_key\": \"k\", \"peers\": [\"abc@127.0.0.1:1\"]}",
		"{\"data_dir\": \"d\", \"validator_key\": \"k\", \"peers\": [\"127.0.0.1:99999\"]}",
		"{\"data_dir\": \"d\", \"validator_key\": \"k\", \"peers\": [7]}",
		"{\"data_dir\": \"d\", \"validator_key\": \"k\", \"round_timeout_ms\": 1}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_file(path, bad[i]);
		svm_node_config_default(&c);
		cr_assert_neq(svm_node_config_load(&c, path, &err), 0, "accepted: %s", bad[i]);
	}
	unlink(path);
	ct_rmdir(dir);
}

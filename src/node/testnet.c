/* A local multi-validator network's files: one genesis shared by N validators, and per
 * validator a data directory with its key and a config file naming its RPC and p2p ports and
 * the other validators as peers (`supervm testnet`). Idempotent: an existing directory is reused
 * as it is, so a testnet started again resumes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "supervm/econ.h"
#include "supervm/vm.h"

#define TESTNET_FAUCET 1000000000000000000ull /* 10^9 SWR and AIC */
#define TESTNET_VALIDATOR_SWR 1000000000000000ull
#define TESTNET_STAKE 1000000ull
#define TESTNET_EPOCH_BLOCKS 20 /* staking epochs (blocks) */

static int mkdir1(const char *d, mode_t mode, svm_error_t *err)
{
	if (mkdir(d, mode) != 0 && errno != EEXIST) return svm_error_set(err, SVM_EIO, "mkdir %s: %s", d, strerror(errno));
	return 0;
}

/* block_ms 0: the genesis's governed slot_ms paces every validator, and a passed proposal
 * changes it (and the round timeout) without a restart. */
static int write_config(const char *path, unsigned i, unsigned n, uint16_t rpc_base, uint16_t p2p_base,
			const svm_keypair_t *keys, svm_error_t *err)
{
	FILE *f = fopen(path, "wx");
	if (f == NULL) return svm_error_set(err, SVM_EIO, "create %s: %s", path, strerror(errno));
	fprintf(f, "{\n  \"data_dir\": \"data\",\n  \"genesis\": \"../genesis.json\",\n"
		   "  \"validator_key\": \"keys/validator.json\",\n  \"faucet_key\": \"../faucet.json\",\n"
		   "  \"rpc\": \"127.0.0.1:%u\",\n  \"rpc_threads\": 2,\n  \"p2p\": \"127.0.0.1:%u\",\n"
		   "  \"block_ms\": 0,\n  \"exec_threads\": 2,\n  \"devnet\": true,\n  \"peers\": [",
		(unsigned)(rpc_base + i), (unsigned)(p2p_base + i));
	bool first = true;
	for (unsigned j = 0; j < n; j++) {
		if (j == i) continue;
		char hex[65];
		svm_hash_hex(&keys[j].id, hex);
		fprintf(f, "%s\n    \"%s@127.0.0.1:%u\"", first ? "" : ",", hex, (unsigned)(p2p_base + j));
		first = false;
	}
	fprintf(f, "\n  ]\n}\n");
	return fclose(f) == 0 ? 0 : svm_error_set(err, SVM_EIO, "write %s", path);
}

int svm_node_testnet_init(const char *dir, unsigned n, uint16_t rpc_base, uint16_t p2p_base,
			  uint64_t block_ms, svm_error_t *err)
{
	if (n == 0 || n > SVM_NODE_TESTNET_MAX)
		return svm_error_set(err, SVM_EINVAL, "testnet: 1..%u validators", SVM_NODE_TESTNET_MAX);
	char path[SVM_NODE_PATH_MAX];
	snprintf(path, sizeof path, "%s/genesis.json", dir);
	if (access(path, F_OK) == 0) return 0; /* exists: resume */
	int rc = svm_crypto_init();
	if (rc == 0) rc = mkdir1(dir, 0755, err);
	svm_keypair_t keys[SVM_NODE_TESTNET_MAX], faucet;
	svm_genesis_validator_t vals[SVM_NODE_TESTNET_MAX];
	svm_genesis_balance_t bal[2 + SVM_NODE_TESTNET_MAX];
	svm_keypair_random(&faucet);
	snprintf(path, sizeof path, "%s/faucet.json", dir);
	if (rc == 0) rc = svm_keyfile_write(path, &faucet, err);
	for (unsigned i = 0; rc == 0 && i < n; i++) {
		svm_keypair_random(&keys[i]);
		snprintf(path, sizeof path, "%s/v%u", dir, i);
		rc = mkdir1(path, 0755, err);
		snprintf(path, sizeof path, "%s/v%u/keys", dir, i);
		if (rc == 0) rc = mkdir1(path, 0700, err);
		snprintf(path, sizeof path, "%s/v%u/keys/validator.json", dir, i);
		if (rc == 0) rc = svm_keyfile_write(path, &keys[i], err);
		vals[i] = (svm_genesis_validator_t){.id = keys[i].id, .stake = TESTNET_STAKE};
		memcpy(vals[i].pubkey, keys[i].public_key, 32);
		bal[2 + i] = (svm_genesis_balance_t){.owner = keys[i].id, .amount = TESTNET_VALIDATOR_SWR};
		svm_token_id("SWR", &bal[2 + i].token);
	}
	for (unsigned i = 0; rc == 0 && i < n; i++) {
		snprintf(path, sizeof path, "%s/v%u/config.json", dir, i);
		rc = write_config(path, i, n, rpc_base, p2p_base, keys, err);
	}
	bal[0] = (svm_genesis_balance_t){.owner = faucet.id, .amount = TESTNET_FAUCET};
	bal[1] = (svm_genesis_balance_t){.owner = faucet.id, .amount = TESTNET_FAUCET};
	svm_token_id("SWR", &bal[0].token);
	svm_token_id("AIC", &bal[1].token);
	svm_genesis_t g = {.chain_id = SVM_NODE_TESTNET_CHAIN_ID, .timestamp_ms = svm_clock_wall_ms(),
			   .fees = {.a = 1000, .b = 10, .c = 1, .d = 1}, .devnet = true,
			   .n_balances = 2 + n, .balances = bal, .n_validators = n, .validators = vals};
	/* Staking as the testnet's validators are staked: their genesis stake is enough to stay
	 * active, and epochs are short enough to watch a set change (docs/net.md). */
	g.params_set = true;
	svm_params_default(&g.params);
	g.params.stake_min = TESTNET_STAKE;
	g.params.epoch_blocks = TESTNET_EPOCH_BLOCKS;
	g.params.slot_ms = block_ms;
	g.params.fee_a = g.fees.a, g.params.fee_b = g.fees.b, g.params.fee_c = g.fees.c, g.params.fee_d = g.fees.d;
	snprintf(path, sizeof path, "%s/genesis.json", dir);
	if (rc == 0) rc = svm_genesis_save(&g, path, err); /* last: its presence means complete */
	for (unsigned i = 0; i < n; i++) svm_keypair_wipe(&keys[i]);
	svm_keypair_wipe(&faucet);
	return rc;
}

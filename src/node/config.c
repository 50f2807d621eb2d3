/* Node configuration: the defaults, the JSON config file of `supervm node --config FILE`, and
 * the devnet data directory (keys and genesis) of `supervm devnet`. */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "supervm/ai.h"
#include "supervm/evm.h"
#include "supervm/vm.h"

void svm_node_config_default(svm_node_config_t *c)
{
	memset(c, 0, sizeof *c);
	strcpy(c->rpc_host, "127.0.0.1");
	c->rpc_port = SVM_NODE_RPC_PORT_DEFAULT;
	unsigned cores = svm_cpu_count();
	c->rpc_threads = cores < 4 ? cores : 4;
	c->rpc_body_bytes_max = SVM_RPC_BODY_BYTES_MAX_DEFAULT;
	c->rpc_batch_max = SVM_RPC_BATCH_MAX_DEFAULT;
	c->block_ms = SVM_NODE_BLOCK_MS_DEFAULT;
	c->block_txs_max = SVM_BLOCK_TXS_MAX;
	c->block_bytes_max = SVM_BLOCK_BYTES_MAX - 4096; /* room for the header and framing */
	c->mempool_bytes_max = SVM_MEMPOOL_BYTES_MAX_DEFAULT;
	c->mempool_count_max = SVM_MEMPOOL_COUNT_MAX_DEFAULT;
	c->mempool_per_sender_max = SVM_MEMPOOL_PER_SENDER_MAX_DEFAULT;
	strcpy(c->p2p_host, "127.0.0.1");
}

/* "HOST:PORT" (numeric host, or localhost) into host[64] and port. */
static int parse_hostport(const char *s, char host[64], uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	char *end;
	if (colon == NULL || colon == s || (size_t)(colon - s) >= 64) return SVM_EINVAL;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (end == colon + 1 || *end != 0 || p == 0 || p > 65535) return SVM_EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	if (strcmp(host, "localhost") == 0) strcpy(host, "127.0.0.1");
	*port = (uint16_t)p;
	return 0;
}

static int set_peers(svm_node_config_t *c, json_t *v, svm_error_t *err)
{
	if (!json_is_array(v) || json_array_size(v) > SVM_NODE_PEERS_MAX)
		return svm_error_set(err, SVM_EINVAL, "config: \"peers\" must be an array of at most %u \"ID@HOST:PORT\"",
				     SVM_NODE_PEERS_MAX);
	c->n_peers = 0;
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		const char *s = json_is_string(e) ? json_string_value(e) : "";
		svm_node_peer_t *p = &c->peers[c->n_peers];
		memset(p, 0, sizeof *p);
		const char *at = strchr(s, '@');
		if (at != NULL) {
			char hex[65];
			if (at - s != 64) return svm_error_set(err, SVM_EINVAL, "config: peer '%s': the id must be 64 hex digits", s);
			memcpy(hex, s, 64);
			hex[64] = 0;
			if (svm_hash_from_hex(&p->id, hex) != 0)
				return svm_error_set(err, SVM_EINVAL, "config: peer '%s': the id is not hex", s);
			p->has_id = true;
			s = at + 1;
		}
		if (parse_hostport(s, p->host, &p->port) != 0)
			return svm_error_set(err, SVM_EINVAL, "config: peer '%s': want ID@HOST:PORT", s);
		c->n_peers++;
	}
	return 0;
}

/* Joins a config-relative path: absolute paths stay, relative ones hang off base_dir. */
static int set_path(char *dst, const char *base_dir, const char *p, const char *key,
		    svm_error_t *err)
{
	int n = p[0] == '/' ? snprintf(dst, SVM_NODE_PATH_MAX, "%s", p)
			    : snprintf(dst, SVM_NODE_PATH_MAX, "%s/%s", base_dir, p);
	if (n < 0 || n >= SVM_NODE_PATH_MAX)
		return svm_error_set(err, SVM_ELIMIT, "config: \"%s\" path too long", key);
	return 0;
}

/* Parses "HOST:PORT" into the config. */
static int set_rpc_addr(svm_node_config_t *c, const char *s, svm_error_t *err)
{
	const char *colon = strrchr(s, ':');
	char *end;
	if (colon == NULL || (size_t)(colon - s) >= sizeof c->rpc_host)
		return svm_error_set(err, SVM_EINVAL, "rpc address '%s': want HOST:PORT", s);
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (end == colon + 1 || *end != 0 || port > 65535)
		return svm_error_set(err, SVM_EINVAL, "rpc address '%s': bad port", s);
	if (colon > s) {
		memcpy(c->rpc_host, s, (size_t)(colon - s));
		c->rpc_host[colon - s] = 0;
	}
	if (strcmp(c->rpc_host, "localhost") == 0) strcpy(c->rpc_host, "127.0.0.1");
	c->rpc_port = (uint16_t)port;
	return 0;
}

int svm_node_parse_rpc_addr(svm_node_config_t *c, const char *s, svm_error_t *err)
{
	return set_rpc_addr(c, s, err);
}

static int get_size(json_t *v, const char *key, uint64_t lo, uint64_t hi, uint64_t *out,
		    svm_error_t *err)
{
	if (!json_is_integer(v) || json_integer_value(v) < (json_int_t)lo ||
	    (uint64_t)json_integer_value(v) > hi)
		return svm_error_set(err, SVM_EINVAL, "config: \"%s\" must be an integer in %llu..%llu", key,
				     (unsigned long long)lo, (unsigned long long)hi);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int apply_key(svm_node_config_t *c, const char *dir, const char *key, json_t *v,
		     svm_error_t *err)
{
	char *path_field = strcmp(key, "data_dir") == 0	 ? c->data_dir
			   : strcmp(key, "genesis") == 0	 ? c->genesis_path
			   : strcmp(key, "validator_key") == 0 ? c->validator_key
			   : strcmp(key, "faucet_key") == 0	 ? c->faucet_key
							 : NULL;
	if (path_field != NULL) {
		if (!json_is_string(v)) return svm_error_set(err, SVM_EINVAL, "config: \"%s\" must be a path", key);
		return set_path(path_field, dir, json_string_value(v), key, err);
	}
	if (strcmp(key, "rpc") == 0) {
		if (!json_is_string(v)) return svm_error_set(err, SVM_EINVAL, "config: \"rpc\" must be \"HOST:PORT\"");
		return set_rpc_addr(c, json_string_value(v), err);
	}
	if (strcmp(key, "ws") == 0) {
		if (!json_is_string(v)) return svm_error_set(err, SVM_EINVAL, "config: \"ws\" must be \"HOST:PORT\"");
		return svm_node_parse_ws_addr(c, json_string_value(v), err);
	}
	if (strcmp(key, "p2p") == 0) {
		if (!json_is_string(v) || parse_hostport(json_string_value(v), c->p2p_host, &c->p2p_port) != 0)
			return svm_error_set(err, SVM_EINVAL, "config: \"p2p\" must be \"HOST:PORT\"");
		return 0;
	}
	if (strcmp(key, "peers") == 0) return set_peers(c, v, err);
	if (strcmp(key, "fixed_validators") == 0) {
		if (!json_is_boolean(v)) return svm_error_set(err, SVM_EINVAL, "config: \"fixed_validators\" must be a boolean");
		c->fixed_validators = json_is_true(v);
		return 0;
	}
	if (strcmp(key, "devnet") == 0) {
		if (!json_is_boolean(v)) return svm_error_set(err, SVM_EINVAL, "config: \"devnet\" must be a boolean");
		c->devnet = json_is_true(v);
		return 0;
	}
	uint64_t x;
	int rc;
#define SIZE(name, field, lo, hi)                                                       \
	if (strcmp(key, name) == 0) {                                                   \
		if ((rc = get_size(v, key, lo, hi, &x, err)) == 0) c->field = (__typeof__(c->field))x; \
		return rc;                                                              \
	}
	SIZE("rpc_threads", rpc_threads, 1, SVM_RPC_THREADS_MAX)
	SIZE("rpc_body_bytes_max", rpc_body_bytes_max, 1024, 256u << 20)
	SIZE("rpc_batch_max", rpc_batch_max, 1, 100000)
	if (strcmp(key, "block_ms") == 0) { /* 0: the chain's governed slot_ms */
		if ((rc = get_size(v, key, 0, SVM_NODE_BLOCK_MS_MAX, &x, err)) != 0) return rc;
		if (x != 0 && x < SVM_NODE_BLOCK_MS_MIN)
			return svm_error_set(err, SVM_EINVAL, "config: block_ms must be 0 (the chain's slot_ms) or %d..%d",
					     SVM_NODE_BLOCK_MS_MIN, SVM_NODE_BLOCK_MS_MAX);
		c->block_ms = x;
		return 0;
	}
	SIZE("block_txs_max", block_txs_max, 1, SVM_BLOCK_TXS_MAX)
	SIZE("block_bytes_max", block_bytes_max, 1024, SVM_BLOCK_BYTES_MAX)
	SIZE("mempool_bytes_max", mempool_bytes_max, 1024, 1ull << 34)
	SIZE("mempool_count_max", mempool_count_max, 1, 10000000)
	SIZE("mempool_per_sender_max", mempool_per_sender_max, 1, 65536)
	SIZE("exec_threads", exec_threads, 0, SVM_POOL_THREADS_MAX)
	SIZE("round_timeout_ms", round_timeout_ms, 10, 600000)
#undef SIZE
	return svm_error_set(err, SVM_EINVAL, "config: unknown key \"%s\"", key);
}

int svm_node_config_load(svm_node_config_t *c, const char *path, svm_error_t *err)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		bool missing = access(path, R_OK) != 0;
		return svm_error_set(err, missing ? SVM_EIO : SVM_EDECODE, "config %s: %s (line %d)", path,
				     missing ? strerror(errno) : je.text, je.line);
	}
	int rc = 0;
	if (!json_is_object(root)) rc = svm_error_set(err, SVM_EDECODE, "config %s: not a JSON object", path);
	char tmp[SVM_NODE_PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s", path);
	const char *dir = dirname(tmp);
	const char *key;
	json_t *v;
	json_object_foreach(root, key, v)
	{
		if (rc == 0) rc = apply_key(c, dir, key, v, err);
	}
	json_decref(root);
	if (rc == 0 && c->data_dir[0] == 0)
		rc = svm_error_set(err, SVM_EINVAL, "config %s: \"data_dir\" is required", path);
	if (rc == 0 && c->validator_key[0] == 0)
		rc = svm_error_set(err, SVM_EINVAL, "config %s: \"validator_key\" is required", path);
	return rc;
}

/* ------------------------------------------------------------- devnet */

static int mkdir_p(const char *dir, mode_t mode, svm_error_t *err)
{
	char tmp[SVM_NODE_PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/') continue;
		*p = 0;
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return svm_error_set(err, SVM_EIO, "mkdir %s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, mode) != 0 && errno != EEXIST)
		return svm_error_set(err, SVM_EIO, "mkdir %s: %s", tmp, strerror(errno));
	return 0;
}

/* A key file at path: read it if present, else create it. */
static int ensure_key(const char *path, svm_keypair_t *kp, svm_error_t *err)
{
	if (access(path, F_OK) == 0) return svm_keyfile_read(path, kp, err);
	svm_keypair_random(kp);
	return svm_keyfile_write(path, kp, err);
}

const char *const svm_node_devnet_eth_keys[SVM_NODE_DEVNET_ETH_KEYS] = {
	"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
	"59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
	"5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
	"7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
	"47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
};

static void devnet_eth_addr(unsigned i, svm_evm_addr_t *a)
{
	uint8_t sk[32];
	memset(a, 0, sizeof *a);
	if (svm_hex_decode(sk, sizeof sk, svm_node_devnet_eth_keys[i]) == 0) svm_evm_address_of_secret(sk, a);
}

void svm_node_devnet_eth_address(unsigned i, char out[43])
{
	svm_evm_addr_t a;
	devnet_eth_addr(i, &a);
	out[0] = '0';
	out[1] = 'x';
	svm_hex_encode(out + 2, a.b, sizeof a.b);
}

#define DEVNET_FAUCET_SWR 1000000000000000000ull /* 10^9 SWR (9 decimals) */
#define DEVNET_FAUCET_AIC 1000000000000000000ull
#define DEVNET_VALIDATOR_SWR 1000000000000000ull /* 10^6 SWR */
#define DEVNET_VALIDATOR_STAKE 1000000ull
#define DEVNET_POOL_SWR 1000000000000000ull /* 10^6 SWR against 10^8 AIC: 1 SWR buys ~100 AIC */
#define DEVNET_POOL_AIC 100000000000000000ull

int svm_node_devnet_init(const char *dir, svm_node_config_t *cfg, svm_error_t *err)
{
	char keys[SVM_NODE_PATH_MAX];
	if (snprintf(keys, sizeof keys, "%s/keys", dir) >= (int)sizeof keys)
		return svm_error_set(err, SVM_ELIMIT, "data dir path too long");
	snprintf(cfg->data_dir, SVM_NODE_PATH_MAX, "%s", dir);
	snprintf(cfg->genesis_path, SVM_NODE_PATH_MAX, "%s/genesis.json", dir);
	snprintf(cfg->validator_key, SVM_NODE_PATH_MAX, "%s/validator.json", keys);
	snprintf(cfg->faucet_key, SVM_NODE_PATH_MAX, "%s/faucet.json", keys);
	cfg->devnet = true;
	cfg->fixed_validators = true;
	int rc = svm_crypto_init();
	if (rc == 0) rc = mkdir_p(dir, 0755, err);
	if (rc == 0) rc = mkdir_p(keys, 0700, err);
	if (rc != 0) return rc;
	if (access(cfg->genesis_path, F_OK) == 0) return 0; /* an existing devnet: reuse it */
	svm_keypair_t val, faucet;
	if ((rc = ensure_key(cfg->validator_key, &val, err)) != 0) return rc;
	if ((rc = ensure_key(cfg->faucet_key, &faucet, err)) != 0) {
		svm_keypair_wipe(&val);
		return rc;
	}
	svm_genesis_balance_t bal[3 + SVM_NODE_DEVNET_ETH_KEYS] = {{.owner = faucet.id, .amount = DEVNET_FAUCET_SWR},
					{.owner = faucet.id, .amount = DEVNET_FAUCET_AIC},
					{.owner = val.id, .amount = DEVNET_VALIDATOR_SWR}};
	/* the SWR/AIC pool AIC reaches users through (docs/ai-market.md), from the faucet's funds */
	svm_genesis_pool_t pool = {.owner = faucet.id, .fee_bps = SVM_AI_POOL_FEE_BPS,
				   .amount_x = DEVNET_POOL_SWR, .amount_y = DEVNET_POOL_AIC};
	svm_token_id("SWR", &pool.x);
	svm_token_id("AIC", &pool.y);
	svm_token_id("SWR", &bal[0].token);
	svm_token_id("AIC", &bal[1].token);
	svm_token_id("SWR", &bal[2].token);
	for (unsigned i = 0; i < SVM_NODE_DEVNET_ETH_KEYS; i++) { /* Ethereum dev accounts (docs/evm.md) */
		svm_evm_addr_t a;
		devnet_eth_addr(i, &a);
		svm_evm_identity(&a, &bal[3 + i].owner);
		svm_token_id("SWR", &bal[3 + i].token);
		bal[3 + i].amount = SVM_NODE_DEVNET_ETH_SWR;
	}
	svm_genesis_validator_t v = {.id = val.id, .stake = DEVNET_VALIDATOR_STAKE};
	memcpy(v.pubkey, val.public_key, sizeof v.pubkey);
	svm_genesis_t g = {
		.chain_id = SVM_NODE_DEVNET_CHAIN_ID,
		.timestamp_ms = svm_clock_wall_ms(),
		.fees = {.a = 1000, .b = 10, .c = 1, .d = 1},
		.devnet = true,
		.n_balances = 3 + SVM_NODE_DEVNET_ETH_KEYS,
		.balances = bal,
		.n_validators = 1,
		.validators = &v,
		.n_pools = 1,
		.pools = &pool,
		.params_set = true,
	};
	svm_params_default(&g.params);
	g.params.fee_a = g.fees.a, g.params.fee_b = g.fees.b, g.params.fee_c = g.fees.c, g.params.fee_d = g.fees.d;
	g.params.slot_ms = SVM_NODE_DEVNET_SLOT_MS; /* the slot the devnet always had */
	rc = svm_genesis_save(&g, cfg->genesis_path, err);
	svm_keypair_wipe(&val);
	svm_keypair_wipe(&faucet);
	return rc;
}

/* SuperVM node: wires a chain, a mempool, a block producer and the JSON-RPC server into one
 * running validator, from a configuration (JSON file or the devnet defaults).
 *
 * Threads: svm_node_start starts the RPC event-loop threads and one producer thread (the only
 * caller of svm_chain_build); svm_node_stop joins them all. The caller should block SIGINT and
 * SIGTERM before svm_node_start (so that no node thread takes them) and wait for them itself,
 * as `supervm node` and `supervm devnet` do. */
#ifndef SUPERVM_NODE_H
#define SUPERVM_NODE_H

#include <limits.h>

#include "supervm/base.h"
#include "supervm/chain.h"

#define SVM_NODE_PATH_MAX 1024
#define SVM_NODE_BLOCK_MS_DEFAULT 0      /* the chain's governed slot_ms paces the node */
#define SVM_NODE_SLOT_MS_FALLBACK 500    /* the slot while the parameters cannot be read */
#define SVM_NODE_DEVNET_SLOT_MS 500      /* slot_ms in the genesis `supervm devnet` writes */
#define SVM_NODE_BLOCK_MS_MIN 10
#define SVM_NODE_BLOCK_MS_MAX 600000
#define SVM_NODE_RPC_PORT_DEFAULT 8545
#define SVM_NODE_DEVNET_CHAIN_ID 1337
#define SVM_NODE_CONFIG_BYTES_MAX (1u << 20)
#define SVM_NODE_PEERS_MAX 64          /* configured peers (the transport's SVM_NET_ADDRS_MAX) */
#define SVM_NODE_TESTNET_MAX 16        /* validators `supervm testnet` sets up */
#define SVM_NODE_TESTNET_CHAIN_ID 1338

/* A configured peer: "ID@HOST:PORT" (ID the 64-hex identity it must prove) or "HOST:PORT". */
typedef struct {
	char host[64];
	uint16_t port;
	bool has_id;
	svm_id_t id;
} svm_node_peer_t;

typedef struct {
	char data_dir[SVM_NODE_PATH_MAX];      /* chain database lives in data_dir/chain */
	char genesis_path[SVM_NODE_PATH_MAX];  /* required when the chain is new */
	char validator_key[SVM_NODE_PATH_MAX]; /* key file of the block proposer */
	char faucet_key[SVM_NODE_PATH_MAX];    /* devnet: reported by svm_status, may be empty */
	char rpc_host[64];                     /* numeric address; default 127.0.0.1 */
	uint16_t rpc_port;                     /* 0 = any free port */
	unsigned rpc_threads;                  /* event-loop threads (1..SVM_RPC_THREADS_MAX) */
	size_t rpc_body_bytes_max;
	size_t rpc_batch_max;
	uint64_t block_ms;         /* 0 (the default) = the chain's governed slot_ms (econ.h
				      parameters, read at the head before each proposal); any
				      other value overrides it for this node (tests) */
	size_t block_txs_max;      /* transactions taken from the mempool per block */
	size_t block_bytes_max;    /* their encoded bytes */
	size_t mempool_bytes_max;
	size_t mempool_count_max;
	size_t mempool_per_sender_max;
	unsigned exec_threads;     /* 0 = number of cores */
	bool devnet;
	bool ws_enabled;           /* WebSocket subscriptions (docs/ecosystem.md); off by default */
	char ws_host[64];          /* numeric address; default 127.0.0.1 */
	uint16_t ws_port;          /* 0 = any free port */
	char p2p_host[64];         /* peer transport address (numeric) */
	uint16_t p2p_port;         /* 0 with no peers = no transport (a lone validator) */
	size_t n_peers;
	svm_node_peer_t peers[SVM_NODE_PEERS_MAX];
	uint64_t round_timeout_ms; /* consensus base round timeout; 0 (the default) = 3 × the
				      slot + 1 s, following a governed slot_ms change */
	bool fixed_validators;     /* keep the starting validator set (a lone devnet: a validator a
				      test registers must not halt it); false = follow the staking
				      program's set at epoch boundaries (docs/net.md) */
} svm_node_config_t;

/* WebSocket subscription bounds (docs/ecosystem.md). */
#define SVM_WS_CONNECTIONS_MAX 256
#define SVM_WS_SUBS_MAX 32                /* subscriptions per connection */
#define SVM_WS_MESSAGE_BYTES_MAX 65536    /* a client message (larger: closed with 1009) */
#define SVM_WS_QUEUE_MSGS_MAX 1024        /* notifications queued per connection */
#define SVM_WS_QUEUE_BYTES_MAX (4u << 20) /* and their bytes */
#define SVM_WS_PENDING_RING 4096          /* pending transaction ids a slow client may lag */
#define SVM_WS_TOPIC_MAX 64
#define SVM_WS_SOCKET_SNDBUF 65536        /* kernel send buffer per connection */

/* The defaults: 127.0.0.1:8545, one RPC thread per core (at most 4), 500 ms blocks, block
 * limits from core.h, mempool limits from mempool.h, empty paths. */
void svm_node_config_default(svm_node_config_t *c);

/* Overlays a JSON config file on c (format in docs/node.md; unknown keys are rejected; relative
 * paths are taken relative to the file's directory). SVM_EDECODE/SVM_EINVAL with the field
 * named in err, SVM_EIO if the file cannot be read. */
int svm_node_config_load(svm_node_config_t *c, const char *path, svm_error_t *err);

/* Sets c's RPC address from "HOST:PORT" (HOST numeric or localhost; ":PORT" keeps the host).
 * SVM_EINVAL with a message otherwise. */
int svm_node_parse_rpc_addr(svm_node_config_t *c, const char *s, svm_error_t *err);

/* Enables WebSocket subscriptions on "HOST:PORT" (as svm_node_parse_rpc_addr parses). */
int svm_node_parse_ws_addr(svm_node_config_t *c, const char *s, svm_error_t *err);

/* Prepares a devnet data directory: if dir has no genesis.json yet, creates dir/keys/
 * {validator,faucet}.json (mode 0600) and dir/genesis.json (chain id 1337, devnet, small
 * non-zero fees, the faucet funded with SWR and AIC, the validator staked). Fills cfg's
 * paths for dir. Idempotent: an existing directory is reused as it is. */
int svm_node_devnet_init(const char *dir, svm_node_config_t *cfg, svm_error_t *err);

/* The well-known Ethereum development keys (hex secret keys, as local Ethereum dev nodes print
 * them) whose addresses a new devnet's genesis funds with SVM_NODE_DEVNET_ETH_SWR base units
 * each (× 10^9 wei). Public test keys: never use them for value. */
#define SVM_NODE_DEVNET_ETH_KEYS 5
#define SVM_NODE_DEVNET_ETH_SWR 1000000000000000ull /* 10^6 SWR = 10^24 wei */
extern const char *const svm_node_devnet_eth_keys[SVM_NODE_DEVNET_ETH_KEYS];
/* The Ethereum address of dev key i as "0x" + 40 hex digits (out[43]). */
void svm_node_devnet_eth_address(unsigned i, char out[43]);

/* Prepares a local testnet in dir: a shared genesis (chain id 1338, n validators staked, a
 * faucet, slot_ms = block_ms: the governed slot paces the validators, whose configs say
 * block_ms 0), dir/faucet.json, and for validator i dir/vI/{keys/validator.json, config.json} with
 * RPC port rpc_base + i, p2p port p2p_base + i and every other validator as a peer.
 * Idempotent: an existing testnet directory is reused as it is. */
int svm_node_testnet_init(const char *dir, unsigned n, uint16_t rpc_base, uint16_t p2p_base,
			  uint64_t block_ms, svm_error_t *err);

typedef struct svm_node svm_node_t;

/* Opens (or creates) the chain, starts the RPC server and the producer. On success the node
 * runs until svm_node_stop; *out is the caller's. */
int svm_node_start(svm_node_t **out, const svm_node_config_t *cfg, svm_error_t *err);
/* The RPC port actually bound. */
uint16_t svm_node_rpc_port(const svm_node_t *n);
/* The WebSocket port actually bound; 0 when subscriptions are off. */
uint16_t svm_node_ws_port(const svm_node_t *n);
/* The p2p port actually bound (0 without a transport). */
uint16_t svm_node_p2p_port(svm_node_t *n);
/* Stops producing (after the block in progress), stops the RPC server, closes the chain and
 * frees n. NULL is a no-op. */
void svm_node_stop(svm_node_t *n);

#endif

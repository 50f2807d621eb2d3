/* SuperVM chain layer: genesis, block building and application, and the read queries a node
 * serves. A chain owns one LMDB environment (blocks, receipts, state) in its data directory.
 *
 * Thread rules: svm_chain_build/svm_chain_apply (the writers) must be called from one thread at a
 * time; the query functions are safe from any thread concurrently with the writer (each opens
 * its own LMDB read snapshot). */
#ifndef SUPERVM_CHAIN_H
#define SUPERVM_CHAIN_H

#include "supervm/attest.h"
#include "supervm/base.h"
#include "supervm/core.h"
#include "supervm/crypto.h"
#include "supervm/econ.h"
#include "supervm/exec.h"
#include "supervm/store.h"

/* ------------------------------------------------------------- genesis */

#define SVM_GENESIS_BALANCES_MAX 100000
#define SVM_GENESIS_VALIDATORS_MAX 1000
#define SVM_GENESIS_BYTES_MAX (64u << 20)

typedef struct {
	svm_id_t owner;
	svm_id_t token;
	uint64_t amount;
} svm_genesis_balance_t;

typedef struct {
	svm_id_t id;
	uint8_t pubkey[32]; /* Ed25519 */
	uint64_t stake;
} svm_genesis_validator_t;

/* A constant-product pool (econ.h, the AMM) created at genesis from its owner's genesis
 * balances, the owner receiving its liquidity shares: a devnet's SWR/AIC pool, through which
 * AIC reaches users (docs/ai-market.md). Tokens are SWR and AIC, in either order. */
#define SVM_GENESIS_POOLS_MAX 16
typedef struct {
	svm_id_t owner;
	svm_id_t x, y;
	uint64_t fee_bps, amount_x, amount_y;
} svm_genesis_pool_t;

typedef struct {
	uint64_t chain_id;
	uint64_t timestamp_ms;
	svm_fee_params_t fees;
	bool devnet; /* enables devnet-only conveniences (the faucet key) */
	size_t n_balances;
	svm_genesis_balance_t *balances; /* malloc'd; svm_genesis_free releases */
	size_t n_validators;
	svm_genesis_validator_t *validators;
	/* The governed parameters seeded into the parameter object (econ.h); when params_set is
	 * false the defaults are used. Either way the fee fields come from `fees`. */
	bool params_set;
	svm_params_t params;
	size_t n_pools;
	svm_genesis_pool_t *pools; /* malloc'd like balances */
	/* "attest_pins": the TEE roots this chain pins (verify.h's pins object); when unset the
	 * chain holds none and uses svm_attest_pins_default. */
	bool attest_pins_set;
	svm_attest_pins_t attest_pins;
} svm_genesis_t;

/* Parses a genesis JSON file (format in docs/genesis.md). Fills *g (caller frees with
 * svm_genesis_free). SVM_EDECODE with a message naming the bad field on malformed input. */
int svm_genesis_load(svm_genesis_t *g, const char *path, svm_error_t *err);
int svm_genesis_parse(svm_genesis_t *g, const char *json, size_t len, svm_error_t *err);
/* Writes g as JSON to path (mode 0644, refuses to overwrite). */
int svm_genesis_save(const svm_genesis_t *g, const char *path, svm_error_t *err);
void svm_genesis_free(svm_genesis_t *g);

/* Resolves "SWR", "AIC" or a 64-digit hex token id. SVM_EINVAL otherwise. */
int svm_token_parse(svm_id_t *out, const char *s);

/* --------------------------------------------------------------- chain */

typedef struct svm_chain svm_chain_t;

typedef struct {
	size_t map_bytes;        /* LMDB map size; 0 = default (16 GiB, sparse) */
	unsigned exec_threads;   /* 0 = number of cores */
	uint64_t retain_heights; /* state history kept for reads at old heights; 0 = all */
	/* consensus runs a fixed validator set, not the staking program's (a devnet): the signers
	 * of a block's parent QC cannot be attributed to staking's validators, so missed votes are
	 * not counted (docs/economics.md, "Downtime"). Every node of a chain must agree on it. */
	bool fixed_set;
	/* Blocks above genesis are committed lazily (svm_store_write_begin_lazy: one device flush
	 * instead of two; a system crash may undo the last commits). For a consensus node, whose
	 * committed blocks are certified, kept on disk as proposals and made durable by the next
	 * synchronous safety record, so a lost commit is redone from them (docs/consensus.md). */
	bool lazy_commits;
} svm_chain_config_t;

/* Opens (or creates, from genesis g, when dir holds no chain yet) the chain in dir. g may be
 * NULL for an existing chain (SVM_ENOTFOUND if dir holds none); if both exist, g's chain id must
 * equal the stored one (SVM_ECHAIN) — the rest of g is not compared. The fee parameters and
 * chain id always come from the store once the chain exists. Returns 0 or an SVM_E… code with a
 * message in err. On success *out is owned by the caller (svm_chain_close). */
int svm_chain_open(svm_chain_t **out, const char *dir, const svm_genesis_t *g,
		   const svm_chain_config_t *cfg, svm_error_t *err);
void svm_chain_close(svm_chain_t *c);

uint64_t svm_chain_id(const svm_chain_t *c);
const svm_fee_params_t *svm_chain_fees(const svm_chain_t *c);
/* The governed parameters at the head (the parameter object; the defaults with the genesis fees
 * for a chain that has none). Safe from any thread. */
int svm_chain_params(svm_chain_t *c, svm_params_t *out);
/* Height and hash of the last committed block (genesis is height 0). */
uint64_t svm_chain_height(svm_chain_t *c);
void svm_chain_head(svm_chain_t *c, svm_hash_t *block_hash, svm_hash_t *state_root);

/* What happened to one candidate transaction in svm_chain_build. */
typedef struct {
	int status; /* 0 = included (its receipt may still say it failed), else why it was left out */
} svm_build_result_t;

/* Builds, executes and commits the next block from candidate signed transactions (in the order
 * given). A candidate that is not valid for inclusion (bad encoding or signature, wrong chain,
 * expired, wrong nonce, cannot pay its fee limit) is left out and its reason written to
 * results[i] (if results is not NULL). Stops adding at the block byte/count limits: results[i]
 * = SVM_ELIMIT for those. Commits even an empty block. Returns 0 or a storage error. */
int svm_chain_build(svm_chain_t *c, const uint8_t *const *txs, const size_t *tx_lens, size_t n,
		    uint64_t timestamp_ms, const svm_id_t *proposer, svm_build_result_t *results,
		    svm_error_t *err);

/* svm_chain_build for a producer whose candidates were checked with svm_tx_verify before
 * (the node's mempool does so at admission): sig_verified[i] true skips candidate i's signature
 * check (may be NULL: check all). Blocks from other validators go through svm_chain_apply,
 * which always verifies. */
int svm_chain_build_verified(svm_chain_t *c, const uint8_t *const *txs, const size_t *tx_lens,
			     size_t n, const bool *sig_verified, uint64_t timestamp_ms,
			     const svm_id_t *proposer, svm_build_result_t *results, svm_error_t *err);

/* Validates, executes and commits a block received in encoded form. Any invalid transaction, a
 * wrong parent, height or root rejects the whole block and commits nothing. */
int svm_chain_apply(svm_chain_t *c, const uint8_t *block, size_t len, svm_error_t *err);

/* Executes one signed transaction against the head state and writes its receipt encoding to
 * out, committing nothing. The result is the receipt it would get as the first transaction
 * of the next block. SVM_E… (nonce, funds, …) if it could not be included at all. */
int svm_chain_simulate(svm_chain_t *c, const uint8_t *tx, size_t len, svm_buf_t *receipt_out,
		       svm_error_t *err);

/* Runs fn with a system context (no access checks, no step limit) over the head state at the
 * next block's environment and discards its writes: queries that execute code (eth_call,
 * eth_estimateGas). fn's failure is returned as is. */
int svm_chain_query_exec(svm_chain_t *c, svm_exec_system_fn fn, void *ud, svm_error_t *err);
/* svm_chain_query_exec over the state as it was right after block `height` (the head: the same
 * as svm_chain_query_exec), at the environment of the block after it (its height, block
 * `height`'s timestamp, the 256 block hashes ending with `height`'s, the parameters then):
 * historical eth_* queries. SVM_ENOTFOUND for a height above the head; SVM_ESTATE (err names
 * the retained window) for one below the retention window (svm_chain_config_t.retain_heights). */
int svm_chain_query_exec_at(svm_chain_t *c, uint64_t height, svm_exec_system_fn fn, void *ud, svm_error_t *err);

/* Where the last built or applied block spent its time (monotonic ns), for status and
 * benchmarks: decoding (and the block's own checks), execution with the signature checks that
 * run beside it (svm_exec_block_signed), the state tree update and root, the other table
 * writes (block, indexes, receipts), and the LMDB commit. */
typedef struct {
	uint64_t height;
	uint32_t txs;
	uint32_t writes; /* objects written (state-tree updates) */
	uint64_t prepare_ns, execute_ns, state_ns, write_ns, commit_ns;
	/* what its execution did (svm_exec_metrics_t; not consensus: it depends on thread timing):
	 * transactions run by each engine, failed validations, re-executions, and 1 when (part of)
	 * the block fell back to the sequential engine */
	uint64_t exec_dag_txs, exec_stm_txs, exec_seq_txs, exec_aborts, exec_reexecutions, exec_fallbacks;
} svm_block_stats_t;
void svm_chain_last_stats(svm_chain_t *c, svm_block_stats_t *out);

/* ------------------------------------------------ speculative execution */
/* Consensus votes on a block before its parent commits. A spec is a block executed on top of
 * a parent spec (or the committed head) whose writes, receipts and roots are held in memory
 * until svm_chain_spec_commit stores them; reads during its execution see the uncommitted
 * ancestors' writes, then the committed state. The same single-writer rule as
 * svm_chain_build applies to every function here. A spec must outlive its children until the
 * children are committed or freed; once committed (or below the head) it may be freed even if
 * a child still points to it. */

typedef struct svm_chain_spec svm_chain_spec_t;

/* Builds a block as a proposer: header fields from tmpl (chain id, height = parent's + 1,
 * round, parent = the parent's hash, timestamp (raised to the parent's if earlier), proposer,
 * parent_qc, vrf_proof — borrowed only during the call), candidate transactions as in
 * svm_chain_build_verified; executes it on top of parent (NULL = the head) and fills the roots.
 * SVM_ESTATE if parent does not extend the head. *out is the caller's (svm_chain_spec_free). */
int svm_chain_spec_build(svm_chain_t *c, svm_chain_spec_t *parent, const svm_header_t *tmpl,
			 const uint8_t *const *txs, const size_t *tx_lens, size_t n,
			 const bool *sig_verified, svm_build_result_t *results,
			 svm_chain_spec_t **out, svm_error_t *err);
/* Executes a received block on top of parent (NULL = the head), checking everything
 * svm_chain_apply checks (its parent must be parent's hash); commits nothing. */
int svm_chain_spec_execute(svm_chain_t *c, svm_chain_spec_t *parent, const uint8_t *block,
			   size_t len, svm_chain_spec_t **out, svm_error_t *err);
/* The same, skipping the signature check of transaction i when sig_verified[i] (one entry per
 * transaction of the block, or NULL for none): the caller already verified those exact bytes
 * (a node's mempool admitted them), as svm_chain_spec_build's sig_verified. */
int svm_chain_spec_execute_verified(svm_chain_t *c, svm_chain_spec_t *parent, const uint8_t *block,
				    size_t len, const bool *sig_verified, svm_chain_spec_t **out,
				    svm_error_t *err);
/* Commits s (its parent must be the head now) with the quorum certificate that certifies it
 * (qc may be empty), in one write transaction: state, block, indexes, receipts, QC. */
int svm_chain_spec_commit(svm_chain_t *c, svm_chain_spec_t *s, const uint8_t *qc, size_t qc_len,
			  svm_error_t *err);
const svm_hash_t *svm_chain_spec_id(const svm_chain_spec_t *s);
const svm_header_t *svm_chain_spec_header(const svm_chain_spec_t *s);
/* The block's canonical encoding (owned by s). */
const uint8_t *svm_chain_spec_block(const svm_chain_spec_t *s, size_t *len);
void svm_chain_spec_free(svm_chain_spec_t *s); /* NULL is a no-op */

/* The QC stored with the committed block at height (appended to out); SVM_ENOTFOUND if the
 * block was committed without one (genesis, or by svm_chain_build/apply). */
int svm_chain_block_qc(svm_chain_t *c, uint64_t height, svm_buf_t *out);
/* The chain's store, for records that must commit durably beside it (the consensus safety
 * record). Owned by the chain. */
svm_store_t *svm_chain_store(svm_chain_t *c);

/* ------------------------------------------------------------- queries */
/* Each appends to the caller's buffer; SVM_ENOTFOUND when absent. */

int svm_chain_block(svm_chain_t *c, uint64_t height, svm_buf_t *block_out);
int svm_chain_tx(svm_chain_t *c, const svm_hash_t *tx_id, svm_buf_t *tx_out, uint64_t *height,
		 uint32_t *index);
/* The receipt and, if proof_out is not NULL, its RFC 6962 inclusion proof (concatenated
 * 32-byte hashes) against the block's receipts root, with the leaf index and leaf count. */
int svm_chain_receipt(svm_chain_t *c, const svm_hash_t *tx_id, svm_buf_t *receipt_out,
		      svm_buf_t *proof_out, uint64_t *height, uint32_t *index, uint32_t *count);
int svm_chain_object(svm_chain_t *c, const svm_id_t *id, svm_buf_t *object_out);
/* The settlement receipt of block `height`: what the block's settlement (after its last
 * transaction) did, as a receipt whose tx_id is svm_chain_settlement_id(height), fee_charged the
 * block's burned fees, tip_paid its tips, events the settlement's (staking rewards, downtime
 * jails, redelegation slashes: docs/economics.md). Kept only when there were events:
 * SVM_ENOTFOUND otherwise. Not under the receipts root (the state root commits to its effects). */
int svm_chain_settlement(svm_chain_t *c, uint64_t height, svm_buf_t *receipt_out);
void svm_chain_settlement_id(uint64_t height, svm_hash_t *out); /* SHA-256("svm/settle" ‖ u64be h) */
/* The identity whose derived EVM address (svm_identity_evm_address) is addr, from the node's
 * index: every identity that signed a native transaction, received a ledger transfer, was
 * linked or holds a balance object a block wrote (paid by anyone: a contract, a program), and
 * every WebAssembly contract deployed, written when their block commits (meta key
 * SVM_CHAIN_EVM_INDEX_TAG ‖ addr).
 * SVM_ENOTFOUND when none is indexed (an Ethereum address's identity needs no index: it is
 * svm_evm_identity(addr)). Safe from any thread. */
#define SVM_CHAIN_EVM_INDEX_TAG "evm/addr"
int svm_chain_evm_identity(svm_chain_t *c, const uint8_t addr[SVM_EVM_ADDRESS_SIZE], svm_id_t *id);
/* Balance of (token, owner); 0 when the owner has none. */
int svm_chain_balance(svm_chain_t *c, const svm_id_t *token, const svm_id_t *owner,
		      uint64_t *amount);
/* The next nonce the account must use (0 for an account never seen). */
int svm_chain_nonce(svm_chain_t *c, const svm_id_t *owner, uint64_t *nonce);
/* State-tree proof of object id at the head (inclusion or exclusion), its root and height. */
int svm_chain_prove(svm_chain_t *c, const svm_id_t *id, svm_buf_t *proof_out,
		    svm_hash_t *root, uint64_t *height);

#endif

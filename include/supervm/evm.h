/* SuperVM's Ethereum Virtual Machine: Keccak-256, RLP, the Merkle-Patricia trie root, 256-bit
 * words, and a Cancun interpreter over an in-memory journaled state (svm_evm_state_t) that a
 * backend (the object store, or a state test's pre-state) fills. docs/evm.md describes the
 * design, the gas schedule, the skips and the conformance figures.
 *
 * Nothing here is thread-safe unless stated: one state, one interpreter per thread. */
#ifndef SUPERVM_EVM_H
#define SUPERVM_EVM_H

#include "supervm/base.h"
#include "supervm/core.h"
#include "supervm/vm.h"

/* ---------------------------------------------------------------- Keccak */

#define SVM_KECCAK_SIZE 32
/* Keccak-256 as Ethereum uses it (original padding 0x01, not SHA3's 0x06). */
void svm_keccak256(const void *data, size_t len, uint8_t out[SVM_KECCAK_SIZE]);

/* ------------------------------------------------------------------- RLP */

#define SVM_RLP_DEPTH_MAX 64 /* list nesting the decoder accepts */

/* One decoded item: the payload (string bytes, or a list's concatenated items). Borrowed from
 * the input. */
typedef struct {
	const uint8_t *p;
	size_t len;
	bool is_list;
} svm_rlp_item_t;

/* Decodes the one item at the start of p[0..len), strictly: canonical lengths (no leading
 * zeros, short forms where they fit, a single byte < 0x80 never wrapped), payload inside the
 * input. *used receives the item's encoded size. SVM_EDECODE otherwise. */
int svm_rlp_item(const uint8_t *p, size_t len, svm_rlp_item_t *out, size_t *used);
/* Decodes p[0..len) as exactly one item (SVM_EDECODE on trailing bytes) and checks every
 * nested list down to SVM_RLP_DEPTH_MAX (SVM_ELIMIT deeper). */
int svm_rlp_decode(const uint8_t *p, size_t len, svm_rlp_item_t *out);
/* Iterates a list's items: *pos starts at 0; returns 1 with the next item, 0 at the end, or
 * SVM_EDECODE. */
int svm_rlp_next(const svm_rlp_item_t *list, size_t *pos, svm_rlp_item_t *out);
/* A string item as an unsigned integer of at most 8 bytes, minimal (no leading zero byte). */
int svm_rlp_uint(const svm_rlp_item_t *it, uint64_t *out);

/* Appends the encoding of a byte string / an unsigned integer (minimal big-endian). */
int svm_rlp_put_bytes(svm_buf_t *b, const void *p, size_t n);
int svm_rlp_put_uint(svm_buf_t *b, uint64_t v);
/* Wraps b->data[start..len) (already-encoded items) in a list header, in place. */
int svm_rlp_wrap_list(svm_buf_t *b, size_t start);

/* ----------------------------------------------------- Merkle-Patricia trie */

typedef struct {
	const uint8_t *key;
	size_t key_len;
	const uint8_t *val; /* non-empty: an empty value means "absent" and must be left out */
	size_t val_len;
} svm_mpt_kv_t;

#define SVM_MPT_KEY_BYTES_MAX 256 /* bounds the builder's recursion depth (2 per key byte) */

/* Ethereum's hexary Merkle-Patricia trie root over n distinct keys, in any order (kvs is
 * sorted in place). The empty trie's root is keccak(0x80). SVM_EINVAL on duplicate keys or an
 * empty value, SVM_ELIMIT on a key over SVM_MPT_KEY_BYTES_MAX, SVM_ENOMEM. */
int svm_mpt_root(svm_mpt_kv_t *kvs, size_t n, uint8_t root[SVM_KECCAK_SIZE]);

/* -------------------------------------------------------------- 256-bit */

/* A 256-bit word, little-endian 64-bit limbs (w[0] least significant). */
typedef struct {
	uint64_t w[4];
} svm_u256_t;

void svm_u256_from_be(svm_u256_t *out, const uint8_t *p, size_t n); /* n ≤ 32 */
void svm_u256_to_be(const svm_u256_t *v, uint8_t out[32]);

/* ------------------------------------------------------------------ state */

#define SVM_EVM_ADDR_SIZE 20
typedef struct {
	uint8_t b[SVM_EVM_ADDR_SIZE];
} svm_evm_addr_t;

typedef struct svm_evm_state svm_evm_state_t;

/* A new empty state (no backend: every missing account is absent). NULL on allocation failure.
 * svm_evm_state_free releases it and everything it holds; each thread keeps one emptied state
 * (its tables and arrays, bounded in size) for its next svm_evm_state_new. */
svm_evm_state_t *svm_evm_state_new(void);
void svm_evm_state_free(svm_evm_state_t *s);
/* Sets an account outright (pre-state loading): balance, nonce, code (copied). */
int svm_evm_state_set_account(svm_evm_state_t *s, const svm_evm_addr_t *a, const svm_u256_t *balance,
			      uint64_t nonce, const uint8_t *code, size_t code_len);
/* Sets one storage slot of an account that exists (pre-state loading). */
int svm_evm_state_set_storage(svm_evm_state_t *s, const svm_evm_addr_t *a, const svm_u256_t *key,
			      const svm_u256_t *val);
/* Reads: zero / absent when the account does not exist. */
void svm_evm_state_balance(const svm_evm_state_t *s, const svm_evm_addr_t *a, svm_u256_t *out);
uint64_t svm_evm_state_nonce(const svm_evm_state_t *s, const svm_evm_addr_t *a);
bool svm_evm_state_exists(const svm_evm_state_t *s, const svm_evm_addr_t *a);
void svm_evm_state_storage(const svm_evm_state_t *s, const svm_evm_addr_t *a, const svm_u256_t *key,
			   svm_u256_t *out);
/* Ethereum's state root: the MPT of keccak(address) → rlp[nonce, balance, storage root, code
 * hash] over every existing account. */
int svm_evm_state_root(const svm_evm_state_t *s, uint8_t root[SVM_KECCAK_SIZE]);

/* ------------------------------------------------------------ transactions */

#define SVM_EVM_CODE_BYTES_MAX 24576     /* EIP-170 */
#define SVM_EVM_INITCODE_BYTES_MAX 49152 /* EIP-3860 */
#define SVM_EVM_DEPTH_MAX 1024
#define SVM_EVM_STACK_MAX 1024
#define SVM_EVM_MEMORY_BYTES_MAX (64u << 20) /* beyond it: out of gas (see docs/evm.md) */
#define SVM_EVM_BLOBS_MAX 6
#define SVM_EVM_ACCESS_LIST_MAX 100000

typedef struct {
	svm_evm_addr_t coinbase;
	uint64_t number, timestamp, gas_limit, chain_id;
	svm_u256_t base_fee, prev_randao, blob_base_fee;
	/* BLOCKHASH of number - 1 - i for i < 256; a test environment's rule fills it */
	void (*block_hash)(void *ctx, uint64_t number, uint8_t out[32]);
	void *block_hash_ctx;
} svm_evm_block_t;

typedef struct {
	svm_evm_addr_t address;
	const svm_u256_t *keys;
	size_t n_keys;
} svm_evm_access_t;

typedef struct {
	uint8_t type;        /* 0 legacy, 1 EIP-2930, 2 EIP-1559, 3 EIP-4844 */
	svm_evm_addr_t from; /* recovered or given sender */
	bool create;         /* no `to` */
	svm_evm_addr_t to;
	uint64_t nonce, gas_limit;
	svm_u256_t value;
	svm_u256_t gas_price;                 /* legacy and 2930 */
	svm_u256_t max_fee, max_priority_fee; /* 1559 and 4844 */
	svm_u256_t max_fee_per_blob_gas;      /* 4844 */
	const uint8_t *data;
	size_t data_len;
	const svm_evm_access_t *access;
	size_t n_access;
	const svm_u256_t *blob_hashes;
	size_t n_blob_hashes;
} svm_evm_tx_t;

typedef struct {
	svm_evm_addr_t address;
	uint8_t topics[4][32];
	uint8_t n_topics;
	uint8_t *data; /* owned by the result */
	size_t data_len;
} svm_evm_log_t;

typedef struct {
	int status;        /* 1 success, 0 reverted or failed */
	uint64_t gas_used; /* after refunds */
	uint64_t gas_refund;    /* the refund applied (the counter capped at gas used / 5) */
	int64_t refund_counter; /* the EIP-3529 counter at the end, before the cap */
	uint8_t *output;   /* return or revert data, owned */
	size_t output_len;
	svm_evm_log_t *logs; /* owned */
	size_t n_logs;
	bool created;
	svm_evm_addr_t created_address;
	bool unsupported;  /* an unimplemented precompile (KZG, see docs/evm.md) was called */
	char error[64];    /* why the top frame failed, "" on success */
} svm_evm_result_t;

/* Validates tx against the state and block (Cancun rules: nonce, balance for the maximum cost,
 * fee caps against the base fee, intrinsic gas, initcode size, sender without code, blob
 * fields) and, if valid, executes it, pays the coinbase its priority fee, burns the rest and
 * deletes touched empty and self-destructed accounts. Returns 0 with *res filled when the
 * transaction was executed (successfully or not), or a negative SVM_E… code with err set when
 * it is invalid — then the state is unchanged. svm_evm_result_free releases *res. */
int svm_evm_apply_tx(svm_evm_state_t *s, const svm_evm_block_t *blk, const svm_evm_tx_t *tx,
		     svm_evm_result_t *res, svm_error_t *err);
void svm_evm_result_free(svm_evm_result_t *res);

/* A signed Ethereum transaction decoded from its network encoding: legacy (with or without
 * EIP-155 replay protection), EIP-2930 (0x01), EIP-1559 (0x02) or EIP-4844 (0x03, without
 * blobs). tx points into the raw bytes (keep them alive) and into the arrays owned here. */
typedef struct {
	svm_evm_tx_t tx;
	bool has_chain_id; /* false only for a pre-EIP-155 legacy transaction */
	uint64_t chain_id;
	uint8_t hash[SVM_KECCAK_SIZE]; /* the transaction hash */
	uint64_t intrinsic_gas;
	svm_evm_access_t *access_owned;
	svm_u256_t *keys_owned;
	svm_u256_t *blobs_owned;
} svm_evm_signed_tx_t;

/* Decodes raw (strict RLP, canonical integers, exact field counts), checks the signature
 * (r and s in range, s in the low half, v or y-parity valid), recovers the sender with
 * libsecp256k1, checks the chain id when the transaction carries one (wanted_chain_id), that
 * the intrinsic gas fits the gas limit and the initcode limit. SVM_EDECODE, SVM_ESIG,
 * SVM_ECHAIN, SVM_EGAS, SVM_ELIMIT or SVM_ENOMEM with err set; *out is then empty.
 * svm_evm_signed_tx_free releases what it owns. */
int svm_evm_tx_decode(const uint8_t *raw, size_t len, uint64_t wanted_chain_id, svm_evm_signed_tx_t *out,
		      svm_error_t *err);
/* The same without the chain id check (out->chain_id says which; has_chain_id false for a
 * pre-EIP-155 legacy transaction). */
int svm_evm_tx_decode_any_chain(const uint8_t *raw, size_t len, svm_evm_signed_tx_t *out, svm_error_t *err);
/* The same checks without recovering the sender (tx.from is zero) nor hashing the encoding
 * (hash is zero): for a transaction whose sender and id are already known. */
int svm_evm_tx_parse(const uint8_t *raw, size_t len, svm_evm_signed_tx_t *out, svm_error_t *err);
void svm_evm_signed_tx_free(svm_evm_signed_tx_t *t);
/* The intrinsic gas of a transaction (21000, +32000 and 2 per initcode word for a create,
 * 4/16 per zero/non-zero data byte, 2400 per access-list address and 1900 per key). */
uint64_t svm_evm_intrinsic_gas(const svm_evm_tx_t *tx);
/* Ethereum's address of an uncompressed secp256k1 public key (64 bytes x ‖ y): the last 20
 * bytes of its Keccak-256. */
void svm_evm_address_of_pubkey(const uint8_t pub64[64], svm_evm_addr_t *out);
/* The address of a secp256k1 secret key (32 bytes, big-endian). SVM_EINVAL if it is not a valid
 * key (zero or not below the group order). */
int svm_evm_address_of_secret(const uint8_t sk[32], svm_evm_addr_t *out);

/* keccak(rlp(list of [address, [topics], data])) of a result's logs. */
int svm_evm_logs_hash(const svm_evm_result_t *res, uint8_t out[SVM_KECCAK_SIZE]);

/* The blob base fee of an excess blob gas (EIP-4844 fake_exponential, Cancun parameters). */
void svm_evm_blob_base_fee(uint64_t excess_blob_gas, svm_u256_t *out);

/* ------------------------------------------------ the EVM in the node (backend.c) */
/* docs/evm.md ("The EVM in the node") states the mappings. In short:
 * - identity: every 20-byte EVM address A is the identity SHA-256("svm/id" ‖ 0x02 ‖ A) — scheme
 *   2 is secp256k1, whose key material is the Ethereum address (Keccak-256 of the key), since an
 *   Ethereum account receives value before its key is ever revealed;
 * - balance: A's wei balance is its identity's SWR ledger balance × 10^9 (SWR has 9 decimals,
 *   wei 18); values moved must be whole multiples of 10^9 wei, so no dust exists;
 * - nonce: the identity's account nonce (one nonce whatever VM signs);
 * - code: object SHA-256("svm/evm/code" ‖ A), storage: object SHA-256("svm/evm/slot" ‖ A ‖ key);
 * - gas: steps = the EVM gas used (intrinsic included), so fee = a + b·tx_bytes + c·gas_used;
 *   the fee limit is gas_limit × fee cap / 10^9 (rounded down); the base fee per gas shown to
 *   Ethereum tools is c·10^9 wei (c gwei; 1 gwei when c is 0); the tip is 0. */
#define SVM_EVM_SCHEME 2                      /* identity scheme byte of Ethereum accounts */
#define SVM_EVM_WEI_PER_UNIT 1000000000ull    /* wei per SWR base unit */
#define SVM_EVM_BLOCK_GAS_MAX 30000000ull     /* gas limit of one transaction and of a block's view */
#define SVM_EVM_LOGS_MAX SVM_RECEIPT_EVENTS_MAX /* more logs fail the transaction */
#define SVM_EVM_LOG_TOPIC "evm/log"           /* the event topic of an EVM log */

/* The address of a ledger token's ERC-20 view: 0xec20 ‖ the token id's first 18 bytes (SWR and
 * AIC always; another token after register(bytes32 token) at 0x…ec20, docs/evm.md). */
void svm_evm_token_address(const svm_id_t *token, svm_evm_addr_t *out);

/* The identity of an EVM address, and the objects holding its code and storage slots. */
void svm_evm_identity(const svm_evm_addr_t *a, svm_id_t *out);
/* The identity whose SWR balance and nonce the EVM shows at address a, read through c: the
 * identity a link names when a is a linked derived address (svm_evm_alias_id), else
 * svm_evm_identity(a). 0 or the read's error. */
int svm_evm_account_identity(svm_txctx_t *c, const svm_evm_addr_t *a, svm_id_t *out);
void svm_evm_code_id(const svm_evm_addr_t *a, svm_id_t *out);
void svm_evm_slot_id(const svm_evm_addr_t *a, const uint8_t key[32], svm_id_t *out);

/* Decodes SVM_TAG_ETH_TX ‖ raw into a transaction view the node handles like any other:
 * chain id, sender (the recovered address's identity), nonce, fee limit, tip 0, dynamic access,
 * vm SVM_VM_EVM, payload = raw, scheme SVM_EVM_SCHEME with the 20-byte address as public key,
 * no expiry (UINT64_MAX). *id is the Ethereum transaction hash (Keccak-256 of raw). The
 * signature is checked here (the sender is recovered from it). A pre-EIP-155 transaction (no
 * chain id) is refused (SVM_ECHAIN). Copies what it keeps into arena. */
int svm_evm_envelope_decode(const uint8_t *p, size_t len, svm_arena_t *arena, svm_tx_t *tx, svm_hash_t *id,
			    svm_error_t *err);
/* A transaction of either kind: svm_evm_envelope_decode for SVM_TAG_ETH_TX, else svm_tx_decode. */
int svm_tx_decode_any(const uint8_t *p, size_t len, svm_arena_t *arena, svm_tx_t *tx, svm_hash_t *id,
		      svm_error_t *err);
/* svm_tx_verify, or for an Ethereum transaction (decoded by svm_evm_envelope_decode, which
 * recovered its sender) that the sender is the identity of its address. */
int svm_tx_verify_any(const svm_tx_t *tx, const svm_hash_t *id);

/* The block an EVM transaction sees at height / time from the chain's parameters. */
void svm_evm_block_env(uint64_t chain_id, uint64_t height, uint64_t timestamp_ms, const svm_id_t *proposer,
		       uint64_t fee_c, svm_evm_block_t *out);
/* BLOCKHASH and PREVRANDAO from the chain (c->recent_hashes, borrowed while blk is used):
 * BLOCKHASH(n) is block n's SuperVM hash (SHA-256 of its header) for the 256 blocks before
 * c->height when the chain supplied them, else 0; PREVRANDAO is
 * SHA-256("svm/evm/prevrandao" ‖ parent block hash), 0 without a parent hash. */
void svm_evm_block_recent(const svm_txctx_t *c, svm_evm_block_t *blk);
/* A block's PREVRANDAO (and its mixHash over JSON-RPC): SHA-256("svm/evm/prevrandao" ‖ parent). */
void svm_evm_prevrandao(const svm_hash_t *parent, uint8_t out[32]);

/* Runs an Ethereum transaction's payload (vm tag SVM_VM_EVM) inside the executor: the state is
 * the host's objects and ledger, writes go back through the host only if the EVM succeeded,
 * logs become events (emitter: the address's identity; topic SVM_EVM_LOG_TOPIC; data: address ‖
 * u8 topic count ‖ topics ‖ log data), c->steps ends as the gas used. Returns 0, or the failure:
 * SVM_EABORT (REVERT; the revert data is the return data), SVM_EGAS (out of gas), SVM_ETRAP
 * (another exceptional halt), SVM_EFUNDS (value above the balance or not whole 10^-9 SWR),
 * SVM_ELIMIT (logs past SVM_EVM_LOGS_MAX), or the host's error. */
int svm_evm_execute(svm_txctx_t *c, const uint8_t *payload, size_t len);

/* A call or create run over the host context with no fee, no signature and nothing written
 * back (eth_call, eth_estimateGas): from, to (create when NULL), value, data, gas. The result
 * is filled as svm_evm_apply_tx fills it (svm_evm_result_free). Returns 0 when it ran, or why it
 * could not (the message in err). */
int svm_evm_call(svm_txctx_t *c, const svm_evm_block_t *blk, const svm_evm_addr_t *from, const svm_evm_addr_t *to,
		 const svm_u256_t *value, const uint8_t *data, size_t data_len, uint64_t gas, svm_evm_result_t *res,
		 svm_error_t *err);

/* ------------------------------------------------ cross-VM calls (backend.c) */
/* docs/evm.md ("Cross-VM calls"). EVM -> WebAssembly: a CALL (not static, not a
 * DELEGATECALL/CALLCODE) to SVM_EVM_XVM_ADDRESS with calldata = contract id (32) ‖ u8 method
 * length (1..SVM_CONTRACT_METHOD_MAX) ‖ method ‖ input runs that WebAssembly method with the
 * calling contract's identity as its caller, after moving the call's value (whole 10^9 wei) from
 * the caller to the contract's SWR balance; the return data is what the method set (on an
 * abort: the abort message, as revert data). Gas: SVM_EVM_XVM_GAS_BASE, then one gas per
 * WebAssembly step. EVM -> native program: a CALL (no value, not static) to
 * SVM_EVM_NATIVE_ADDRESS with calldata = a native payload (varint program ‖ varint method ‖
 * arguments, as a native transaction carries it) runs that method with the calling account's
 * identity as its sender; the methods callable so are listed in docs/evm.md (ledger transfer
 * and burn, the AMM's, staking's delegate/undelegate/claim/redelegate); a refused method or a
 * failed one reverts with Error("native: …"). Gas: SVM_EVM_XVM_GAS_BASE, then one gas per step
 * the program charges. WebAssembly -> EVM: the host functions evm_call and evm_call_value
 * (contracts/sdk/supervm.h, svm_evm_xcall below). Either way the callee's writes are undone when it fails, and the
 * caller's failure undoes the callee's: the EVM's journal and the executor's view checkpoint
 * nest (svm_host_mark), and the EVM's state is synchronised with the view at each crossing. */
#define SVM_EVM_XVM_ADDRESS_BYTES {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xca, 0x11}
#define SVM_EVM_NATIVE_ADDRESS_BYTES {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xca, 0x12}
#define SVM_EVM_XVM_GAS_BASE 2600 /* a call into WebAssembly or a native program, besides its steps */

/* A WebAssembly contract's call of EVM address to (c is the transaction; caller the calling
 * contract's identity, seen by the EVM as msg.sender = svm_identity_evm_address(caller)): data is
 * the calldata, gas the most it may use (0: all the meter allows but 1/64), value_units the SWR
 * base units moved from caller to `to` as the message's value (units × 10^9 wei; a caller short
 * of them: the call fails with no output and costs only the base). Runs the message in
 * the transaction's EVM state if an EVM execution is suspended under this call, else in a new
 * one written back when the message succeeds. *status 1 success, 0 the callee failed (its
 * writes undone); *out (in c's arena) the output or revert data; *gas_used what it cost.
 * Returns 0, or SVM_EGAS when the caller cannot pay the call's base, SVM_ENOMEM / SVM_EIO /
 * a view error that ends the transaction. */
int svm_evm_xcall(svm_txctx_t *c, const svm_id_t *caller, const svm_evm_addr_t *to, const uint8_t *data,
		  size_t len, uint64_t gas, uint64_t value_units, int *status, const uint8_t **out, size_t *out_len,
		  uint64_t *gas_used);

#endif

/* SuperVM vm layer, host side: the one interface every VM and native program calls into —
 * object access through the executor's view (checked against the transaction's declared
 * access), the unified token ledger, events, metering — and the built-in native programs.
 * The WebAssembly interpreter itself has its own header (wasm.h).
 *
 * Semantics are documented in docs/execution.md; they define consensus, so every executor
 * (sequential reference, declared-access parallel, optimistic) must give identical results. */
#ifndef SUPERVM_VM_H
#define SUPERVM_VM_H

#include "supervm/base.h"
#include "supervm/core.h"
#include "supervm/crypto.h"

/* ---------------------------------------------------------------- view */

/* The executor's view of state for one transaction. get returns the current bytes of an
 * object as this transaction must see them (borrowed: valid until the executor finishes the
 * block); put writes new bytes (bytes == NULL deletes). The executor owns the view and copies
 * what is put. Both return 0 or an SVM_E… code (get: SVM_ENOTFOUND when absent). */
typedef struct svm_view svm_view_t;
typedef struct {
	int (*get)(svm_view_t *v, const svm_id_t *id, const uint8_t **bytes, size_t *len);
	int (*put)(svm_view_t *v, const svm_id_t *id, const uint8_t *bytes, size_t len);
	/* Optional (NULL: the ledger reads, adds and writes the balance itself). Adds amount > 0
	 * to balance object id of (token, owner) as a commutative delta, without reading it, so
	 * that parallel executors need not order credits to one account. The view must end with
	 * exactly the bytes read-add-write gives (svm_ledger_balance_encode at the block height);
	 * an addition that would overflow is the view's to resolve as the sequential order does.
	 * Called after the access check, like put. */
	int (*credit)(svm_view_t *v, const svm_id_t *id, const svm_id_t *token,
		      const svm_id_t *owner, uint64_t amount);
	/* Optional nested checkpoints (NULL: cross-VM calls are refused with SVM_EUNSUPPORTED).
	 * mark returns a position in the view's undo journal; rollback(m) undoes every put and
	 * credit made after mark m, newest first (marks nest: a rollback to m invalidates only the
	 * marks taken after m). Every executor's view keeps such a journal for a failed program. */
	size_t (*mark)(svm_view_t *v);
	void (*rollback)(svm_view_t *v, size_t mark);
	/* Optional (NULL, or SVM_EUNSUPPORTED for this call: the ledger reads, subtracts and
	 * writes the supply itself). Lowers the supply held by token object id by amount > 0 as a
	 * commutative delta, without reading it, so that burns of one token by different
	 * transactions need not be ordered. The view must end with exactly the bytes
	 * read-subtract-write gives (svm_ledger_supply_sub at the block height); a delta the
	 * supply cannot cover, or one on an object that is not a token, is the view's to resolve
	 * as the sequential order does. Called after the access check, like put. */
	int (*retire)(svm_view_t *v, const svm_id_t *id, uint64_t amount);
	/* Optional (NULL, or SVM_EUNSUPPORTED for this call: svm_host_record_add reads, adds and
	 * writes the record itself). Adds d[i] (signed) to field i of record object id — a shared
	 * storage object whose payload is exactly n varints, n ≤ SVM_RECORD_FIELDS_MAX — as a
	 * commutative delta, without reading it, so that counter updates of one record by
	 * different transactions need not be ordered. d is copied. The view must end with exactly
	 * the bytes read-add-write gives (svm_record_add at the block height); a delta on what is
	 * not such a record, or one that takes a field below zero or past 2^64 − 1, is the view's
	 * to resolve as the sequential order does. Called after the access check, like put. */
	int (*record_add)(svm_view_t *v, const svm_id_t *id, const int64_t *d, size_t n);
	/* Optional (NULL: the host uses get). As get, but the bytes may be those beneath the
	 * block's commutative supply deltas (retire) that the view has not resolved: only for
	 * checks such deltas never change — whether the object exists, is a token, its symbol and
	 * decimals — so that the check does not order the transaction after those burns. */
	int (*probe)(svm_view_t *v, const svm_id_t *id, const uint8_t **bytes, size_t *len);
} svm_view_ops_t;
struct svm_view {
	const svm_view_ops_t *ops;
};

/* --------------------------------------------------------- object ids */

/* Well-known token ids: SHA-256("svm/token" ‖ symbol). */
void svm_token_id(const char *symbol, svm_id_t *out);
/* Balance object of (token, owner): SHA-256("svm/bal" ‖ token ‖ owner). */
void svm_balance_id(const svm_id_t *token, const svm_id_t *owner, svm_id_t *out);
/* Account object (nonce) of an identity: SHA-256("svm/acct" ‖ id). */
void svm_account_id(const svm_id_t *owner, svm_id_t *out);
/* Token object (metadata and supply) of a token: SHA-256("svm/tok" ‖ token). */
void svm_token_object_id(const svm_id_t *token, svm_id_t *out);

/* Object payloads. Balance: token (32) ‖ varint amount. Account: varint nonce.
 * Token: varint symbol length ‖ symbol ‖ varint decimals ‖ varint supply. */
#define SVM_TOKEN_SYMBOL_MAX 16
typedef struct {
	char symbol[SVM_TOKEN_SYMBOL_MAX + 1];
	uint8_t decimals;
	uint64_t supply;
} svm_token_info_t;

/* Decodes a token object's payload into info (symbol NUL-terminated). SVM_EDECODE if it is
 * malformed: a symbol over SVM_TOKEN_SYMBOL_MAX bytes, decimals over 255, trailing bytes. */
int svm_token_info_decode(const uint8_t *payload, size_t len, svm_token_info_t *info);

/* --------------------------------------------------- transaction context */

/* Steps charged by the host for each operation (version 1 of the host cost table). */
#define SVM_STEPS_OBJECT_READ 100
#define SVM_STEPS_OBJECT_WRITE 200
#define SVM_STEPS_PER_BYTE_NUM 1 /* one step per 8 bytes read or written */
#define SVM_STEPS_PER_BYTE_DEN 8
#define SVM_STEPS_EVENT 100
#define SVM_STEPS_NATIVE_CALL 200
#define SVM_STEPS_LEDGER_READ 100  /* balance, token or nonce read (flat: never state-dependent) */
#define SVM_STEPS_LEDGER_WRITE 300 /* per balance/token/nonce update; transfer, mint, burn = 2x */
/* svm_host_record_add: flat, a read and a write of the largest record object (256 bytes), so
 * that its steps never depend on the record's varint widths (which keeps it commutative) */
#define SVM_RECORD_OBJECT_MAX 256
#define SVM_STEPS_RECORD_ADD                                                                      \
	(SVM_STEPS_OBJECT_READ + SVM_STEPS_OBJECT_WRITE +                                         \
	 2 * SVM_RECORD_OBJECT_MAX * SVM_STEPS_PER_BYTE_NUM / SVM_STEPS_PER_BYTE_DEN)

/* Bytes of a contract's abort message kept in its receipt (the rest is cut). */
#define SVM_ABORT_MESSAGE_MAX 256

/* Everything a program may touch while executing one transaction. The executor fills it;
 * programs use only the svm_host_* / svm_ledger_* functions below. */
typedef struct svm_txctx {
	svm_view_t *view;
	svm_arena_t *arena; /* per-block arena: event bytes, scratch */
	const svm_tx_t *tx;
	const svm_hash_t *tx_id;
	uint64_t height;
	uint64_t timestamp_ms;
	svm_id_t proposer;
	/* the block env's recent hashes (svm_block_env_t: [i] is block height − 1 − i's) */
	const svm_hash_t *recent_hashes;
	uint32_t recent_len;
	/* metering */
	uint64_t steps;
	uint64_t steps_limit;
	uint64_t mem_bytes;
	/* strict access: the declared sets (sorted) plus the implicit fee objects */
	bool strict;
	svm_id_t implicit[2]; /* sender account, sender SWR balance */
	/* whose ids implicit[] are (the sender and the fee token), or NULL: the ledger then uses
	 * implicit[] instead of hashing those two ids again */
	const svm_id_t *implicit_owner, *implicit_token;
	/* events */
	svm_event_t events[SVM_RECEIPT_EVENTS_MAX];
	uint32_t events_len;
	const uint8_t *return_data;
	size_t return_data_len;
	/* the message of a contract's abort(msg, len) (≤ SVM_ABORT_MESSAGE_MAX bytes, in arena):
	 * a transaction that fails with SVM_EABORT carries it as its receipt's return data */
	const uint8_t *abort_message;
	size_t abort_message_len;
	/* optional access report for optimistic executors (may be NULL) */
	void (*on_access)(void *ud, const svm_id_t *id, bool write);
	void *on_access_ud;
	/* cross-VM calls (docs/evm.md, "Cross-VM calls"): the hops in progress (≤
	 * SVM_XVM_DEPTH_MAX, shared by every VM) and the EVM state of this transaction while an
	 * EVM execution is suspended under another VM's call (backend.c; NULL otherwise) */
	uint32_t xvm_depth;
	void *xvm;
} svm_txctx_t;

/* Cross-VM calls: at most SVM_XVM_DEPTH_MAX calls from one VM into another may be nested in
 * a transaction (WebAssembly -> EVM -> WebAssembly ... counts each arrow); the call past it
 * fails (the caller sees a failed call, as at the EVM's 1024 depth). */
#define SVM_XVM_DEPTH_MAX 8

/* A nested checkpoint of the transaction's writes and events (the view's mark and the event
 * count). svm_host_mark: SVM_EUNSUPPORTED when the view has no checkpoints. */
typedef struct {
	size_t view_mark;
	uint32_t events_len;
} svm_host_mark_t;
int svm_host_mark(svm_txctx_t *c, svm_host_mark_t *m);
/* Undoes every write, credit and event after m (which must be a mark of this transaction not
 * yet rolled back past). */
void svm_host_rollback(svm_txctx_t *c, const svm_host_mark_t *m);

/* Charges steps; SVM_EGAS (leaving steps at the limit) when the limit would be passed. */
int svm_host_charge(svm_txctx_t *c, uint64_t steps);

/* Reads object id (charging for it): SVM_ENOTFOUND if absent, SVM_EACCESS in strict mode when
 * it is not declared (reads ∪ writes ∪ inputs ∪ implicit). o->payload borrows the view. */
int svm_host_get(svm_txctx_t *c, const svm_id_t *id, svm_object_t *o);
/* Writes o (its version is set to the current height; the caller's struct is not changed).
 * SVM_EACCESS in strict mode unless declared in writes ∪ inputs ∪ implicit. */
int svm_host_put(svm_txctx_t *c, const svm_object_t *o);
int svm_host_del(svm_txctx_t *c, const svm_id_t *id);
/* Adds d[i] (signed) to field i of record object id (svm_record_add's records: a shared
 * storage object of exactly n varints), charging SVM_STEPS_RECORD_ADD whatever the record
 * holds — through the view's record_add delta where it takes one, else read, add, write.
 * SVM_EACCESS in strict mode unless id is declared writable; SVM_EIO when id is absent, not
 * such a record, or a field would go below zero or past 2^64 − 1 (a corrupt record: the
 * caller's counters were kept consistent, so the block is aborted). */
int svm_host_record_add(svm_txctx_t *c, const svm_id_t *id, const int64_t *d, size_t n);
/* Appends an event (copies topic and data into the arena). SVM_ELIMIT past the bounds. */
int svm_host_emit(svm_txctx_t *c, const svm_id_t *emitter, const void *topic, size_t topic_len,
		  const void *data, size_t data_len);

/* Access-set membership (for executors and tests): is id declared readable / writable? */
bool svm_txctx_may_read(const svm_txctx_t *c, const svm_id_t *id);
bool svm_txctx_may_write(const svm_txctx_t *c, const svm_id_t *id);

/* ------------------------------------------------------------- ledger */

/* The unified token ledger: every token's balances keyed by (token, owner), with checked
 * arithmetic. A zero balance object is deleted, so "no object" and "0" are the same state. */
int svm_ledger_balance(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *owner,
		       uint64_t *amount);
/* Moves amount from → to. SVM_EFUNDS if from's balance is short. Any failed ledger operation
 * fails the transaction (the executor undoes its writes); callers must not continue after one.
 * A zero amount or from == to only checks from's balance. */
int svm_ledger_transfer(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *from,
			const svm_id_t *to, uint64_t amount);
/* Creates amount out of nothing (genesis and token creation only): credits to and raises the
 * token's supply. */
int svm_ledger_mint(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *to, uint64_t amount);
/* Destroys amount of from's balance and lowers the supply. */
int svm_ledger_burn(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *from,
		    uint64_t amount);
/* Lowers the supply by amount already debited from balances (burned fees). */
int svm_ledger_retire(svm_txctx_t *c, const svm_id_t *token, uint64_t amount);
/* Adds to / subtracts from a balance without touching supply (fee debit and refund, tips). */
int svm_ledger_credit(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *owner,
		      uint64_t amount);
int svm_ledger_debit(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *owner,
		     uint64_t amount);
/* Appends to out the canonical bytes of balance object id — which must be svm_balance_id(token,
 * owner), passed because executors already hold it — holding amount, written at height: what
 * the ledger's own writes produce. For executors that apply credits as deltas. SVM_EINVAL if
 * amount is 0 (a zero balance is no object), SVM_ELIMIT if out cannot grow. */
int svm_ledger_balance_encode(const svm_id_t *id, const svm_id_t *token, const svm_id_t *owner,
			      uint64_t amount, uint64_t height, svm_buf_t *out);
/* The bytes of balance object id (bytes: its current encoding) holding delta more, written at
 * height — the ledger's own read-add-write, with the token and owner taken from the object.
 * SVM_EIO if bytes are not a non-zero balance, SVM_EOVERFLOW past a u64. */
int svm_ledger_balance_add(const svm_id_t *id, const uint8_t *bytes, size_t len, uint64_t delta,
			   uint64_t height, svm_buf_t *out);
/* The amount held by balance object bytes; SVM_EIO if they are not a balance object. */
int svm_ledger_balance_decode(const uint8_t *bytes, size_t len, uint64_t *amount);
/* The bytes of token object id (bytes: its current encoding) with its supply lowered by
 * delta, written at height — the ledger's own read-subtract-write of a burn. SVM_EIO if bytes
 * are not a token object, SVM_EOVERFLOW if the supply is under delta. */
int svm_ledger_supply_sub(const svm_id_t *id, const uint8_t *bytes, size_t len, uint64_t delta,
			  uint64_t height, svm_buf_t *out);
/* The supply held by token object bytes; SVM_EIO if they are not a token object. */
int svm_ledger_supply_decode(const uint8_t *bytes, size_t len, uint64_t *supply);
/* Records of counters: a shared storage object whose payload is exactly n canonical varints
 * (the AI market's provider record). svm_record_add gives the bytes of record object id
 * (bytes: its current encoding) with d[i] added to field i, written at height — what a
 * read-add-write through svm_host_put gives. SVM_EIO if bytes are not a shared storage
 * object of exactly n varints (or n is 0 or over SVM_RECORD_FIELDS_MAX), SVM_EOVERFLOW if a
 * field would go below zero or past 2^64 − 1. */
#define SVM_RECORD_FIELDS_MAX 16
int svm_record_add(const svm_id_t *id, const uint8_t *bytes, size_t len, const int64_t *d,
		   size_t n, uint64_t height, svm_buf_t *out);
/* Token metadata and supply; SVM_ENOTFOUND for an unknown token. */
int svm_ledger_token(svm_txctx_t *c, const svm_id_t *token, svm_token_info_t *info);
/* Creates a token object (supply 0). SVM_EEXIST if it exists. */
int svm_ledger_token_create(svm_txctx_t *c, const svm_id_t *token, const char *symbol,
			    uint8_t decimals);

/* Account nonce (0 when the account object does not exist) and its update. */
int svm_account_nonce(svm_txctx_t *c, const svm_id_t *owner, uint64_t *nonce);
int svm_account_set_nonce(svm_txctx_t *c, const svm_id_t *owner, uint64_t nonce);

/* ------------------------------------------------------ native programs */

/* Native payload: varint program ‖ varint method ‖ method arguments (canonical, no trailing
 * bytes). */
enum { SVM_PROGRAM_LEDGER = 1 }; /* 2 and up: the economy's programs (econ.h) */
enum {
	SVM_LEDGER_TRANSFER = 1,     /* token (32) ‖ to (32) ‖ varint amount */
	SVM_LEDGER_CREATE_TOKEN = 2, /* varint symbol len ‖ symbol ‖ varint decimals ‖ varint supply */
	SVM_LEDGER_BURN = 3,         /* token (32) ‖ varint amount */
	SVM_LEDGER_LINK_EVM = 4,     /* identity (32): see svm_evm_alias_id */
};

/* Linking an identity's derived EVM address (docs/evm.md, "One identity"): the object
 * SHA-256("svm/evm/alias" ‖ address) holds the identity (32 bytes, immutable) whose derived
 * address (svm_identity_evm_address) `address` is. Once it exists, the EVM sees that address's
 * balance and nonce as the identity's, and value sent to the address credits the identity.
 * SVM_LEDGER_LINK_EVM writes it for any identity (anyone may send it: the derivation is a public
 * function), idempotently, and moves the SWR and AIC that the address's own (unlinked) identity
 * received before the link to the identity. */
void svm_evm_alias_id(const uint8_t addr[SVM_EVM_ADDRESS_SIZE], svm_id_t *out);
int svm_native_link_evm_payload(svm_buf_t *out, const svm_id_t *identity);

/* The ledger program's id, the emitter of its events: SHA-256("svm/program/ledger"). */
void svm_program_ledger_id(svm_id_t *out);
/* The id of a token created by transaction (sender, nonce): SHA-256("svm/token/new" ‖ sender ‖
 * u64be nonce). */
void svm_token_new_id(const svm_id_t *sender, uint64_t nonce, svm_id_t *out);

/* Builders for native payloads (append to out). */
int svm_native_transfer_payload(svm_buf_t *out, const svm_id_t *token, const svm_id_t *to,
				uint64_t amount);
int svm_native_create_token_payload(svm_buf_t *out, const char *symbol, uint8_t decimals,
				    uint64_t supply);
int svm_native_burn_payload(svm_buf_t *out, const svm_id_t *token, uint64_t amount);

/* Runs a native transaction's payload. Returns 0 or the SVM_E… code that fails it. */
int svm_native_execute(svm_txctx_t *c, const uint8_t *payload, size_t len);

/* The objects a native payload touches (besides the implicit fee objects), for building a
 * strict access declaration: fills writes[] (sorted, unique) and *n (≤ max). SVM_EDECODE for a
 * malformed payload. */
int svm_native_access(const svm_id_t *sender, uint64_t nonce, const uint8_t *payload, size_t len,
		      svm_id_t *writes, size_t max, size_t *n);

/* ------------------------------------------------------------ contracts */

/* WebAssembly contracts (vm tag SVM_VM_WASM). Payload: u8 op ‖ arguments.
 *   op 1 deploy: the module bytes (the rest of the payload). Stores the code as an immutable
 *      object whose id is SHA-256(module) (once: a second deploy of the same code reuses it) and
 *      creates a contract object SHA-256("svm/contract" ‖ sender ‖ u64be nonce) pointing at it.
 *      Returns the contract id.
 *   op 2 call: contract (32) ‖ varint method length ‖ method ‖ varint input length ‖ input ‖
 *      token (32) ‖ varint amount. Moves amount of token (if amount > 0) from the sender to the
 *      contract, then calls the exported function `method` (type () -> ()) with the input
 *      readable through the host. The return data is what the contract set.
 * The host module "env" (docs/contracts.md) gives storage in the contract's own namespace
 * (slot id SHA-256("svm/slot" ‖ contract ‖ key)), caller and self, block height and time,
 * ledger balance and transfer from the contract, events, SHA-256, Ed25519 verify, input and
 * return data, and abort. One wasm gas unit is one step; host operations charge their steps. */
#define SVM_CONTRACT_OP_DEPLOY 1
#define SVM_CONTRACT_OP_CALL 2
#define SVM_CONTRACT_METHOD_MAX 64
#define SVM_CONTRACT_KEY_MAX 64
#define SVM_CONTRACT_VALUE_MAX 16384
#define SVM_CONTRACT_MEMORY_PAGES_MAX 256 /* 16 MiB of linear memory */
#define SVM_CONTRACT_CALL_DEPTH_MAX 1024
#define SVM_STEPS_DEPLOY_BASE 5000
#define SVM_STEPS_DEPLOY_PER_BYTE 8 /* validation and translation of each module byte */
#define SVM_STEPS_CALL_PER_CODE_BYTE 1 /* loading the module for a call */

int svm_contract_execute(svm_txctx_t *c, const uint8_t *payload, size_t len);

/* Runs `method` of WebAssembly contract `contract` for another VM (a cross-VM call, evm.h):
 * caller is the calling contract's identity (what the method's `caller` host function gives),
 * input its input. Metered on c->steps within c->steps_limit (the calling VM sets them to the
 * callee's budget). Returns 0 with *out / *out_len (in c's arena) the return data, or the
 * failure: SVM_EABORT with *out the abort message, SVM_EGAS, SVM_ETRAP, SVM_ENOTFOUND (no such
 * contract or method), SVM_EINVAL… Writes are not undone here: the caller holds a checkpoint
 * (svm_host_mark). c's own return data and abort message are left as they were. */
int svm_contract_xcall(svm_txctx_t *c, const svm_id_t *caller, const svm_id_t *contract,
		       const char *method, const uint8_t *input, size_t input_len,
		       const uint8_t **out, size_t *out_len);

/* Contract id of a deploy by (sender, nonce); code id of a module. */
void svm_contract_id(const svm_id_t *sender, uint64_t nonce, svm_id_t *out);
void svm_contract_code_id(const uint8_t *code, size_t len, svm_id_t *out);
/* Storage slot object of (contract, key). */
void svm_contract_slot_id(const svm_id_t *contract, const uint8_t *key, size_t key_len,
			  svm_id_t *out);

/* Payload builders (append to out). A zero token/amount attaches nothing. */
int svm_contract_deploy_payload(svm_buf_t *out, const uint8_t *code, size_t len);
/* Whether code can be deployed: it decodes and validates under the contract limits, no memory
 * or table minimum exceeds them, and every import is one of the "env" host functions with its
 * type. 0, or SVM_ELIMIT / SVM_EVALIDATE / SVM_EDECODE… with err saying why (a deploy of such
 * code fails with SVM_ELIMIT or SVM_EVALIDATE). For tools, before they submit a deploy. */
int svm_contract_check_code(const uint8_t *code, size_t len, svm_error_t *err);
int svm_contract_call_payload(svm_buf_t *out, const svm_id_t *contract, const char *method,
			      const uint8_t *input, size_t input_len, const svm_id_t *token,
			      uint64_t amount);

#endif

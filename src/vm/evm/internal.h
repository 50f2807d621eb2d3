/* Internals shared by the EVM's files: the journaled in-memory state (state.c), the
 * interpreter (interp.c), precompiles (precompile.c) and transaction application (tx.c). */
#ifndef SUPERVM_EVM_INTERNAL_H
#define SUPERVM_EVM_INTERNAL_H

#include "supervm/evm.h"
#include "vm/evm/u256.h"

typedef svm_evm_addr_t addr_t;
struct evm_msg;

typedef struct {
	u256 cur, orig; /* orig: the value at the start of the transaction (EIP-2200) */
	u256 base;      /* the value the node's state holds (loaded, or written by a cross-VM sync) */
	bool warm;
	bool has_id;    /* id holds the slot's object id (backend.c: hashed once, at load) */
	uint8_t id[32];
} slot_t;

/* Contract code shared by the transactions a thread runs (backend.c's code cache): the bytes and
 * their jumpdest analysis, with a count of references (the cache's and each account's that
 * uses it; one thread only, so a plain count). Never written once shared. */
typedef struct evm_code {
	uint32_t refs;
	size_t len;
	uint8_t *jumpdests; /* computed when the code first runs (interp.c), owned */
	uint8_t bytes[];
} evm_code_t;
void evm_code_unref(evm_code_t *c); /* frees it when the last reference goes */

typedef struct acct {
	addr_t addr;
	u256 balance;
	uint64_t nonce;
	uint8_t *code; /* owned, NULL when empty */
	size_t code_len;
	uint8_t code_hash[32]; /* valid unless code_hash_lazy (evm_code_hash) */
	bool code_hash_lazy;   /* loaded code not hashed yet: only EXTCODEHASH and roots need it */
	uint8_t *jumpdests; /* lazily computed bitmap of code, owned */
	evm_code_t *code_ref; /* set: code and jumpdests are this shared code's, not owned */
	bool exists, warm, touched, destructed, created_tx;
	svm_map_t storage; /* 32-byte big-endian key -> slot_t * */
	/* With a backend (backend.c): what was loaded, to write back only the differences */
	struct svm_evm_state *st; /* the state, for loading slots on first sight */
	bool loaded_code;        /* the backend gave code: its storage may hold slots */
	bool code_new;           /* evm_set_code ran (a contract created here) */
	bool code_flushed;       /* that code is already in the node's state (cross-VM sync) */
	u256 base_balance;
	uint64_t base_nonce;
	uint8_t ident[32]; /* the identity whose balance and nonce these are (a linked derived
			      address's identity, or the address's own: backend.c) */
	/* ids the backend hashed when it loaded the account, kept for the write-back (backend.c):
	 * the address's own identity (owner of its code and slots), its code object */
	uint8_t own_id[32], code_id[32];
	bool has_ids;
	/* a backed account with code whose balance, nonce and identity (ident) are not loaded
	 * yet: a call into a contract rarely reads them (an ERC-20 transfer never does), so the
	 * backend defers them to the first read, evm_acct_fill; exists is already true */
	bool lazy;
} acct_t;

/* Fills accounts and slots on first sight from the node's state (backend.c). Loaders return 0
 * or an SVM_E… code; a failure is kept in the state (backend_rc) and the access fails as out of
 * memory would, ending the transaction, whose caller then reports backend_rc. */
typedef struct {
	/* sets exists, balance, nonce, code (svm_malloc'd); for an account with code it may set
	 * lazy instead of balance, nonce and ident, which fill then loads */
	int (*account)(void *ud, acct_t *a);
	int (*fill)(void *ud, acct_t *a);
	/* sets sl->cur; may keep the slot's object id in sl->id (has_id) */
	int (*storage)(void *ud, const acct_t *a, const uint8_t key[32], slot_t *sl);
	/* The ERC-20 views of ledger tokens (erc20.c): the token at an address (1 found, 0 not),
	 * its metadata, a balance in base units, an allowance. */
	int (*token_at)(void *ud, const addr_t *a, uint8_t token[32]);
	int (*token_info)(void *ud, const uint8_t token[32], uint8_t *decimals, uint64_t *supply, char symbol[17]);
	int (*token_balance)(void *ud, const uint8_t token[32], const addr_t *owner, uint64_t *units);
	int (*allowance)(void *ud, const uint8_t token[32], const addr_t *owner, const addr_t *spender, u256 *v);
	void *ud;
	/* Cross-VM calls (backend.c; NULL: the address is an ordinary empty account). xcall runs a
	 * message sent to SVM_EVM_XVM_ADDRESS at depth d: *gas in/out, *out (malloc'd) the
	 * WebAssembly result or abort message. Returns 1 success, 0 failure (*reverted: an abort,
	 * gas left returned), or a negative SVM_E… that ends the transaction. xrollback undoes the
	 * node state's writes back to a J_XVM entry's mark (evm_revert). */
	int (*xcall)(void *ud, struct svm_evm_state *s, const struct evm_msg *m, int d, int64_t *gas,
		     uint8_t **out, size_t *out_len, bool *reverted);
	void (*xrollback)(void *ud, uint64_t view_mark, uint64_t events_len);
} evm_backend_t;

/* A ledger token balance or an allowance seen through an ERC-20 view: the value loaded and the
 * current one (journaled). */
typedef struct {
	uint64_t cur, base;
} tokbal_t;
typedef struct {
	u256 cur, base;
} allow_t;
typedef struct {
	addr_t addr;
	uint8_t token[32];
} tokreg_t;

enum {
	J_BALANCE,
	J_NONCE,
	J_STORAGE,
	J_TSTORAGE,
	J_CODE,
	J_EXISTS,
	J_DESTRUCT,
	J_CREATED,
	J_WARM_ACCT,
	J_WARM_SLOT,
	J_TOUCH,
	J_TOKBAL, /* slot: tokbal_t, prev_u64 */
	J_ALLOW,  /* slot: allow_t, prev */
	J_REG,    /* a token address registered (erc20.c) */
	/* cross-VM syncs (backend.c): what the node's state holds changed with a sync */
	J_XVM,       /* prev_u64: the view's mark before a sync, prev.w[0]: the event count */
	J_BASE_BAL,  /* prev: base_balance */
	J_BASE_NONCE,
	J_BASE_SLOT, /* slot: slot_t */
	J_BASE_TOK,  /* slot: tokbal_t */
	J_BASE_ALLOW,
	J_CODE_FLUSHED,
};

typedef struct {
	uint8_t kind;
	acct_t *a;
	void *slot; /* slot_t or u256 (transient) */
	u256 prev;
	uint64_t prev_u64;
} jent_t;

struct svm_evm_state {
	svm_map_t accounts;  /* 20-byte address -> acct_t * */
	svm_map_t transient; /* address ‖ key -> u256 *, cleared per transaction */
	jent_t *journal;
	size_t j_len, j_cap;
	svm_evm_log_t *logs;
	size_t n_logs, logs_cap;
	int64_t refund;
	bool unsupported; /* a skipped precompile ran in this transaction */
	const evm_backend_t *backend; /* NULL: absent accounts are empty (state tests) */
	int backend_rc;               /* first loader failure, sticky */
	bool value_gwei;              /* values must be whole multiples of 10^9 wei (the ledger's unit) */
	uint8_t swr[32];              /* the fee token: its ERC-20 view moves account balances */
	svm_map_t tokbal;             /* token ‖ address -> tokbal_t * (erc20.c) */
	svm_map_t allow;              /* token ‖ owner ‖ spender -> allow_t * */
	tokreg_t *regs;               /* token addresses registered in this transaction */
	size_t n_regs, regs_cap;
	/* the block's coinbase, warm for the running transaction (EIP-3651) without being loaded:
	 * evm_warm_acct answers it like the precompiles (tx.c sets it, evm_finalize clears it) */
	addr_t warm_coinbase;
	bool has_warm_coinbase;
	struct evm_vm *vm; /* the interpreter's reusable frames (interp.c) */
	const struct evm_txctx *ctx; /* the running transaction's context (cross-VM re-entry) */
};
void evm_vm_free(struct evm_vm *vm);

/* Lookup, creating an absent record (exists = false) on first sight. NULL on ENOMEM. */
acct_t *evm_acct(svm_evm_state_t *s, const addr_t *a);
slot_t *evm_slot(acct_t *a, const u256 *key); /* creates a zero slot; NULL on ENOMEM */
bool evm_acct_empty(const acct_t *a); /* nonce 0, balance 0, no code (EIP-161) */
/* Loads a lazy account's balance, nonce and identity (acct_t.lazy); 0 at once for any other.
 * Every read of a->balance, a->nonce or a->ident goes through it first (evm_set_balance and
 * evm_set_nonce call it). A backend failure is kept in backend_rc and returns SVM_ENOMEM,
 * like a failed evm_acct. */
int evm_acct_fill(acct_t *a);
/* The Keccak-256 of a's code (hashed on first use when the backend loaded it). */
const uint8_t *evm_code_hash(acct_t *a);

int evm_journal(svm_evm_state_t *s, uint8_t kind, acct_t *a, void *slot, const u256 *prev, uint64_t prev_u64);
int evm_touch(svm_evm_state_t *s, acct_t *a); /* exists + touched, journaled */
int evm_set_balance(svm_evm_state_t *s, acct_t *a, const u256 *v);
int evm_set_nonce(svm_evm_state_t *s, acct_t *a, uint64_t n);
int evm_set_storage(svm_evm_state_t *s, acct_t *a, slot_t *sl, const u256 *v);
int evm_set_code(svm_evm_state_t *s, acct_t *a, const uint8_t *code, size_t len);
void evm_code_drop(acct_t *a); /* code and jumpdests gone: freed, or the shared code unreferenced */
int evm_tstore(svm_evm_state_t *s, const addr_t *a, const u256 *key, const u256 *v);
void evm_tload(svm_evm_state_t *s, const addr_t *a, const u256 *key, u256 *out);
int evm_warm_acct(svm_evm_state_t *s, acct_t *a); /* returns 1 if it was cold */
int evm_warm_slot(svm_evm_state_t *s, acct_t *a, slot_t *sl);
int evm_log(svm_evm_state_t *s, const addr_t *a, const uint8_t (*topics)[32], int n_topics,
	    const uint8_t *data, size_t len);

typedef struct {
	size_t j_len, n_logs;
	int64_t refund;
} snap_t;
snap_t evm_snapshot(const svm_evm_state_t *s);
void evm_revert(svm_evm_state_t *s, snap_t snap);
/* End of transaction: delete destructed and touched-empty accounts, clear warm flags,
 * transient storage and the journal, and make current storage values the originals. */
void evm_finalize(svm_evm_state_t *s);
void evm_logs_clear(svm_evm_state_t *s);

extern const uint8_t evm_empty_code_hash[32];

/* The cross-VM call addresses (SVM_EVM_XVM_ADDRESS_BYTES, SVM_EVM_NATIVE_ADDRESS_BYTES), and
 * the native one alone. */
bool evm_is_xvm(const addr_t *a);
bool evm_is_native(const addr_t *a);
/* Error(string) revert data (msg ≤ 96 bytes) in *out (malloc'd); sets *reverted. 0 or ENOMEM. */
int evm_revert_with(uint8_t **out, size_t *out_len, bool *reverted, const char *msg);

/* Precompiles (0x01..0x0a). Returns true when addr is one. */
bool evm_is_precompile(const addr_t *a);
/* Runs precompile a: *gas is the gas given and receives what is left (0 on failure).
 * Returns 1 success, 0 failure, SVM_ENOMEM. *out is malloc'd (may be NULL when empty). */
int evm_precompile_run(svm_evm_state_t *s, const addr_t *a, const uint8_t *in, size_t len,
		       int64_t *gas, uint8_t **out, size_t *out_len);

/* The interpreter: executes one message (a call or a create) to completion. */
typedef struct evm_msg {
	uint8_t kind;   /* the opcode: CALL 0xf1, CALLCODE 0xf2, DELEGATECALL 0xf4, STATICCALL 0xfa,
			   CREATE 0xf0, CREATE2 0xf5 */
	bool is_static; /* inherited or STATICCALL */
	bool transfer;  /* move value from caller to `to` */
	addr_t caller, to, code_addr; /* to: the storage context; code_addr: whose code runs */
	u256 value;
	const uint8_t *input; /* call data, or the initcode of a create */
	size_t input_len;
	int64_t gas;
	u256 salt; /* CREATE2 */
} msg_t;

typedef struct evm_txctx {
	const svm_evm_block_t *blk;
	const svm_evm_tx_t *tx;
	u256 gas_price; /* effective */
	addr_t origin;
} txctx_t;

/* The ERC-20 view of ledger tokens (erc20.c). A token's address is 0xec20 ‖ the token id's first
 * 18 bytes; SWR and AIC are known, other tokens once registered (register(bytes32) at
 * EVM_ERC20_REGISTRY). evm_erc20_is_candidate filters addresses cheaply. */
#define EVM_ERC20_PREFIX0 0xec
#define EVM_ERC20_PREFIX1 0x20
bool evm_erc20_is_candidate(const addr_t *a);
bool evm_erc20_is_registry(const addr_t *a);
void evm_erc20_address(const uint8_t token[32], addr_t *out);
/* Runs a message sent to a token address or the registry: *gas in/out, *out (malloc'd revert or
 * return data). Returns 1 success, 0 failure (*reverted: with revert data and gas left), 2 when
 * the address is not a token (the caller treats it as an empty account), or SVM_ENOMEM/backend. */
int evm_erc20_run(svm_evm_state_t *s, const uint8_t *token, bool registry, const addr_t *caller,
		  const uint8_t *in, size_t len, bool is_static, int64_t *gas, uint8_t **out, size_t *out_len,
		  bool *reverted);
/* Which token (if any) a candidate address is: 1 with token filled, 0 not. */
int evm_erc20_token_at(svm_evm_state_t *s, const addr_t *a, uint8_t token[32]);
void evm_erc20_free(svm_evm_state_t *s);

/* A transaction without fee handling (tx.c; the node's ledger settles fees). Leaves the state
 * unfinalized: the caller reads the changes (backend.c) and frees the state. */
int evm_run_nofee(svm_evm_state_t *s, const svm_evm_block_t *blk, const svm_evm_tx_t *tx, svm_evm_result_t *res,
		  svm_error_t *err);

int evm_execute(svm_evm_state_t *s, const txctx_t *ctx, const msg_t *m, svm_evm_result_t *res,
		int64_t *gas_left);
/* evm_execute of a message entered at depth d, while the frames below d are suspended (a
 * cross-VM call back into the EVM): frames d.. are used and the depth limit is shared. */
int evm_execute_at(svm_evm_state_t *s, const txctx_t *ctx, const msg_t *m, int d, svm_evm_result_t *res,
		   int64_t *gas_left);

#endif

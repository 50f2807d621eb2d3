/* SuperVM vm layer, the chain's economy as native programs on the unified ledger: the one
 * governed parameter object every rule of the chain reads, and the constant-product AMM
 * (docs/economics.md gives every formula, parameter and default). Everything here is consensus:
 * integers only, checked arithmetic, canonical encodings, access sets computable from payloads
 * (so AOEM can schedule these transactions from their strict declarations). */
#ifndef SUPERVM_ECON_H
#define SUPERVM_ECON_H

#include "supervm/vm.h"

/* ------------------------------------------------------------- parameters */

/* Every governed constant of the chain, in one object. The fields (name, default, bounds) are
 * listed once in SVM_PARAMS_FIELDS; the encoding, the genesis JSON section "params", the
 * JSON-RPC and CLI views and the bounds checks are all driven from that list, so adding a field
 * is one line (at the end: the encoding is positional). Amounts are SWR base units; fractions
 * are basis points (bps, 1/10000) or parts per billion (ppb) as the name says. */
#define SVM_PARAMS_FIELDS(X)                                                                   \
	X(fee_a, 1000, 0, UINT64_MAX)              /* fee = a + b·bytes + c·steps + d·mem */     \
	X(fee_b, 10, 0, UINT64_MAX)                                                            \
	X(fee_c, 1, 0, UINT64_MAX)                                                             \
	X(fee_d, 0, 0, UINT64_MAX)                                                             \
	X(block_txs_max, 20000, 1, 20000)          /* ≤ SVM_BLOCK_TXS_MAX */                     \
	X(block_bytes_max, 8388608, 65536, 8388608) /* ≤ SVM_BLOCK_BYTES_MAX */                  \
	X(slot_ms, 1000, 1, 3600000)               /* target block interval */                 \
	X(epoch_blocks, 100, 3, 100000000)         /* blocks per epoch (≥ 3: late QCs) */      \
	X(unbonding_epochs, 7, 0, 10000)           /* unbond → claimable delay */              \
	X(active_set_max, 100, 1, 128)             /* active set (top N) ≤ SVM_STAKE_ACTIVE_MAX */ \
	X(stake_min, 1000000000, 0, UINT64_MAX)    /* minimum total stake to be active */       \
	X(commission_bps_max, 10000, 0, 10000)                                                  \
	X(slash_double_bps, 500, 0, 10000)         /* double vote / double proposal */         \
	X(slash_downtime_bps, 10, 0, 10000)        /* downtime leak */                         \
	X(downtime_window_blocks, 1000, 1, 100000000)                                            \
	X(downtime_missed_max, 500, 1, 100000000)  /* missed votes in the window that jail */  \
	X(jail_epochs, 1, 0, 10000)                /* unjail allowed after this delay */       \
	X(issuance_ppb_epoch, 100, 0, 1000000000)  /* new SWR per epoch, ppb of supply */      \
	X(treasury_bps, 1000, 0, 10000)            /* treasury's share of issuance and fees */ \
	X(gov_deposit_min, 10000000000ull, 0, UINT64_MAX)                                        \
	X(gov_voting_blocks, 1000, 1, 100000000)                                                 \
	X(gov_quorum_bps, 3340, 0, 10000)          /* of bonded stake that must vote */        \
	X(gov_threshold_bps, 5000, 0, 10000)       /* yes share of yes+no to pass */           \
	X(rent_rho, 1, 0, UINT64_MAX)              /* rent per byte per epoch */               \
	X(rent_horizon_epochs, 1000, 0, 100000000) /* H: a deposit covering H epochs exempts */ \
	X(rent_grace_epochs, 10, 0, 100000000)     /* unpaid past this: evictable */           \
	X(rent_evict_reward_bps, 1000, 0, 10000)                                                 \
	X(congestion_target_txs, 100, 1, 20000)    /* writes of one object per block */        \
	X(congestion_step_bps, 1250, 0, 10000)     /* multiplier change per block */           \
	X(congestion_max_bps, 1000000, 10000, 100000000) /* cap of the multiplier (10000 = 1x) */ \
	X(amm_fee_bps_max, 1000, 0, 9999)          /* highest pool fee a pool may be created with */ \
	X(ai_bond_min, 1000000000, 0, UINT64_MAX)  /* SWR a provider needs bonded to accept a job */ \
	X(ai_replicas_max, 7, 1, 7)                /* replicas per job (≤ SVM_AI_REPLICAS_MAX) */ \
	X(ai_burn_bps, 2000, 0, 10000)             /* of each job payment, AIC burned */       \
	X(ai_slash_bps, 1000, 0, 10000)            /* of its bond, a disagreeing/silent provider */ \
	X(ai_challenge_slash_bps, 5000, 0, 10000)  /* of its bond, a provider proven wrong */   \
	X(ai_reveal_window_blocks, 20, 1, 100000)  /* reveals after the commit deadline */     \
	X(ai_challenge_window_blocks, 20, 1, 100000) /* challenges after settlement */          \
	X(ai_challenge_bond, 1000000000, 0, UINT64_MAX) /* SWR a challenger puts up */          \
	X(ai_challenge_gas_max, 50000000, 1, 10000000000ull) /* re-execution limit of a challenge */ \
	X(ai_unbond_blocks, 100, 0, 100000000)     /* provider unbond → withdrawable delay */ \
	X(downtime_window_ms, 600000, 0, 604800000) /* block time a downtime window lasts at least */

typedef struct {
#define SVM_PARAMS_MEMBER_(name, def, lo, hi) uint64_t name;
	SVM_PARAMS_FIELDS(SVM_PARAMS_MEMBER_)
#undef SVM_PARAMS_MEMBER_
} svm_params_t;

#define SVM_PARAMS_VERSION 1

/* Field table, in encoding order (for generic encoders, JSON and bounds checks). */
typedef struct {
	const char *name;
	size_t offset; /* of the uint64_t in svm_params_t */
	uint64_t def, lo, hi;
} svm_params_field_t;
extern const svm_params_field_t svm_params_fields[];
extern const size_t svm_params_fields_len;

/* The defaults above. */
void svm_params_default(svm_params_t *p);
/* 0, or SVM_EINVAL naming the first field out of its bounds in err (may be NULL). */
int svm_params_check(const svm_params_t *p, svm_error_t *err);
/* A field by name (NULL if unknown). */
const svm_params_field_t *svm_params_field(const char *name);
static inline uint64_t *svm_params_at(svm_params_t *p, const svm_params_field_t *f)
{
	return (uint64_t *)((uint8_t *)p + f->offset);
}

/* Payload of the parameter object: varint version ‖ varint count ‖ count varints in table
 * order. Decode rejects another version, another count, non-minimal varints, trailing bytes
 * and values out of bounds (SVM_EDECODE). */
int svm_params_encode(const svm_params_t *p, svm_buf_t *out);
int svm_params_decode(const uint8_t *payload, size_t len, svm_params_t *p);

/* The parameter object: SHA-256("svm/params"), shared, type storage. */
void svm_params_id(svm_id_t *out);
/* The SWR token id, computed once; the pointer is static and valid for the process's life
 * (thread-safe). */
const svm_id_t *svm_econ_swr(void);
/* Reads the parameters through a transaction context (charging a read; the object must be
 * declared in strict mode): the defaults when the object does not exist (chains started before
 * it), SVM_EIO when it does not decode. */
int svm_params_get(svm_txctx_t *c, svm_params_t *p);
/* Writes them (system contexts: genesis, executed governance). SVM_EINVAL out of bounds. */
int svm_params_put(svm_txctx_t *c, const svm_params_t *p);
/* The parameters held by the encoded object bytes (as the state stores them). */
int svm_params_from_object(const uint8_t *bytes, size_t len, svm_params_t *p);
/* The read-only objects a native payload touches (the parameter object, for the programs that
 * read it), to declare as `reads` beside svm_native_access's writes in a strict declaration. */
int svm_native_reads(const uint8_t *payload, size_t len, svm_id_t *reads, size_t max, size_t *n);
/* The fee schedule the parameters set. */
void svm_params_fees(const svm_params_t *p, uint64_t fee[4]);

/* ------------------------------------------------------- local fee markets */

/* Per-object congestion pricing (docs/economics.md). The table object SHA-256("svm/congestion")
 * (shared, storage): varint n ‖ (object id (32) ‖ varint multiplier_bps)*, ids ascending, every
 * multiplier in (SVM_CONGESTION_ONE, congestion_max_bps], n ≤ SVM_CONGESTION_OBJECTS_MAX. The
 * fee settlement at the end of each block rewrites it from the block's writes; the next block
 * prices with it: a transaction's fee is ⌊fee · m / 10^4⌋, m = svm_congestion_tx. */
#define SVM_CONGESTION_ONE 10000          /* 1× */
#define SVM_CONGESTION_OBJECTS_MAX 1024   /* hot objects tracked (the hottest kept) */
typedef struct {
	svm_id_t id;
	uint64_t bps; /* > SVM_CONGESTION_ONE */
} svm_congestion_entry_t;

void svm_congestion_id(svm_id_t *out);
int svm_congestion_encode(const svm_congestion_entry_t *e, size_t n, svm_buf_t *out);
/* SVM_EDECODE unless canonical (ascending ids, multipliers > 1×, ≤ max entries, no trailing). */
int svm_congestion_decode(const uint8_t *p, size_t len, svm_congestion_entry_t *out, size_t max,
			  size_t *n);
/* An object's multiplier (SVM_CONGESTION_ONE when not in the table t[n]). */
uint64_t svm_congestion_of(const svm_congestion_entry_t *t, size_t n, const svm_id_t *id);
/* A transaction's multiplier: strict — the highest over its declared writes and inputs;
 * dynamic — the highest in the table (its writes are not known before it runs: declaring them
 * is how a transaction that avoids hot objects pays 1×). */
uint64_t svm_congestion_tx(const svm_congestion_entry_t *t, size_t n, const svm_tx_t *tx);
/* The next block's table: for every object in old[n_old] or written more than
 * congestion_target_txs times in written[n_written] (one id per transaction that declared the
 * write; sorted here in place), m' = min(max, ⌊m·(10^4+step)/10^4⌋) above the target, else
 * max(10^4, ⌊m·10^4/(10^4+step)⌋); entries at 1× are dropped; past SVM_CONGESTION_OBJECTS_MAX
 * the hottest stay (ties: lower id). out must hold SVM_CONGESTION_OBJECTS_MAX. SVM_ENOMEM. */
int svm_congestion_next(const svm_congestion_entry_t *old, size_t n_old, svm_id_t *written,
			size_t n_written, const svm_params_t *p, svm_congestion_entry_t *out,
			size_t *n_out);

/* -------------------------------------------------------------------- AMM */

/* Constant-product pools between two ledger tokens. A pool is keyed by its two tokens in
 * ascending id order and its fee: pool id = SHA-256("svm/amm/pool" ‖ token_a ‖ token_b ‖ u64be
 * fee_bps). Its reserves are ledger balances owned by the pool id (the pool object records the
 * amounts the curve uses; tokens sent to the pool by plain transfer are donations it never
 * prices); its liquidity shares are the ledger token SHA-256("svm/amm/lp" ‖ pool) whose supply
 * is the share total. SVM_AMM_LOCKED_SHARES of the first deposit are credited to the pool id
 * itself and can never be withdrawn, so reserves and the share supply never reach zero.
 *
 * Rounding always favours the pool: outputs are floored, inputs ceiled, shares minted floored
 * and the deposits they need ceiled. Across every operation reserve_a·reserve_b never decreases
 * and neither does reserve_a·reserve_b / shares². */
enum { SVM_PROGRAM_AMM = 2 };
enum {
	SVM_AMM_CREATE = 1,   /* a ‖ b ‖ fee ‖ varint amount_a ‖ varint amount_b ‖ varint min_shares */
	SVM_AMM_ADD = 2,      /* a ‖ b ‖ fee ‖ varint max_a ‖ varint max_b ‖ varint min_shares */
	SVM_AMM_REMOVE = 3,   /* a ‖ b ‖ fee ‖ varint shares ‖ varint min_a ‖ varint min_b */
	SVM_AMM_SWAP_IN = 4,  /* in ‖ out ‖ fee ‖ varint amount_in ‖ varint min_out */
	SVM_AMM_SWAP_OUT = 5, /* in ‖ out ‖ fee ‖ varint amount_out ‖ varint max_in */
};
/* Every payload: varint program (2) ‖ varint method ‖ token x (32) ‖ token y (32) ‖ varint
 * fee_bps ‖ three varints. For create/add/remove x < y (ascending ids); for swaps x is the
 * token paid in and y the token paid out. */
#define SVM_AMM_BPS 10000
#define SVM_AMM_LOCKED_SHARES 1000
#define SVM_AMM_LP_SYMBOL "SVM-LP"
#define SVM_AMM_LP_DECIMALS 9

/* The pool object (shared, type storage) payload: token_a ‖ token_b ‖ varint fee_bps ‖ varint
 * reserve_a ‖ varint reserve_b. */
typedef struct {
	svm_id_t a, b; /* a < b */
	uint64_t fee_bps;
	uint64_t ra, rb;
} svm_amm_pool_t;

void svm_amm_pool_id(const svm_id_t *a, const svm_id_t *b, uint64_t fee_bps, svm_id_t *out);
void svm_amm_lp_token(const svm_id_t *pool, svm_id_t *out);
int svm_amm_pool_encode(const svm_amm_pool_t *p, svm_buf_t *out);
int svm_amm_pool_decode(const uint8_t *payload, size_t len, svm_amm_pool_t *p);

/* The curve, pure and exact (for quotes, tests and the program itself). Each returns 0 or
 * SVM_EINVAL (a zero amount, an output not below the reserve, a rounded-to-zero result) /
 * SVM_EOVERFLOW (a result or a new reserve past a u64).
 * out = floor(r_out·in·(B−fee) / (r_in·B + in·(B−fee))), B = 10000. */
int svm_amm_quote_in(uint64_t r_in, uint64_t r_out, uint64_t fee_bps, uint64_t amount_in,
		     uint64_t *amount_out);
/* in = ceil(ceil(r_in·out / (r_out − out)) · B / (B − fee)). */
int svm_amm_quote_out(uint64_t r_in, uint64_t r_out, uint64_t fee_bps, uint64_t amount_out,
		      uint64_t *amount_in);
/* Shares for a deposit of at most (max_a, max_b) into reserves (ra, rb) with `supply` shares:
 * s = min(floor(max_a·S/ra), floor(max_b·S/rb)), taking ceil(s·ra/S), ceil(s·rb/S). */
int svm_amm_quote_add(uint64_t ra, uint64_t rb, uint64_t supply, uint64_t max_a, uint64_t max_b,
		      uint64_t *shares, uint64_t *take_a, uint64_t *take_b);
/* floor(shares·ra/S), floor(shares·rb/S). */
int svm_amm_quote_remove(uint64_t ra, uint64_t rb, uint64_t supply, uint64_t shares,
			 uint64_t *out_a, uint64_t *out_b);
/* Initial shares: floor(sqrt(a·b)); SVM_EINVAL if not above SVM_AMM_LOCKED_SHARES. */
int svm_amm_quote_create(uint64_t amount_a, uint64_t amount_b, uint64_t *shares);

/* Payload builder (append to out). */
int svm_amm_payload(svm_buf_t *out, uint64_t method, const svm_id_t *x, const svm_id_t *y,
		    uint64_t fee_bps, uint64_t v1, uint64_t v2, uint64_t v3);

/* Runs an AMM payload (called by svm_native_execute). Errors: SVM_EDECODE malformed,
 * SVM_EINVAL bad tokens/order/amounts or a fee above amm_fee_bps_max, SVM_ENOTFOUND no such
 * pool, SVM_EEXIST pool exists, SVM_ELIMIT the trader's slippage bound (min out, max in, min
 * shares) is not met, SVM_EFUNDS, SVM_EOVERFLOW. A failed call changes nothing but the fee. */
int svm_amm_execute(svm_txctx_t *c, const uint8_t *payload, size_t len);
/* The objects an AMM payload writes, as svm_native_access (unsorted, may repeat); the
 * parameter object it reads comes from svm_native_reads. */
int svm_amm_access(const svm_id_t *sender, const uint8_t *payload, size_t len, svm_id_t *ids,
		   size_t max, size_t *n);

/* ---------------------------------------------------------------- staking */

/* Staking of SWR (native program 3): validators with a consensus key, a VRF key and a
 * commission; delegations as shares of a validator's bonded tokens (so rewards and slashes move
 * every delegator's stake in proportion, exactly); unbonding through a per-validator queue with
 * a delay; epoch processing (issuance, rewards, active set); slashing by double-sign evidence
 * and jailing. docs/economics.md has every formula.
 *
 * Objects (all shared, type storage, except delegations, owned by the delegator):
 *   registry   SHA-256("svm/stake/registry"): varint n ‖ operator (32)* ascending
 *   validator  SHA-256("svm/stake/val" ‖ operator): see svm_validator_t; its bonded SWR (and
 *              the SWR of its pending unbondings) is the ledger balance owned by this id
 *   key        SHA-256("svm/stake/key" ‖ consensus key): the operator (one validator per key)
 *   delegation SHA-256("svm/stake/del" ‖ operator ‖ delegator): varint shares
 *   queue      SHA-256("svm/stake/unb" ‖ operator): varint n ‖ (delegator (32) ‖ varint amount ‖
 *              varint start height ‖ varint release epoch)*, in creation order, ≤ QUEUE_MAX
 *   epoch      SHA-256("svm/stake/epoch"): varint last processed epoch ‖ varint n ‖ operator*
 *              (the active set chosen then, in set order)
 *   evidence   SHA-256("svm/stake/evid" ‖ key ‖ u64be epoch ‖ u64be height ‖ u64be round ‖
 *              u8 kind): the height it was used at (each offence slashes once)
 *   validator set SHA-256("svm/validators"): varint n ‖ (consensus key ‖ varint stake)* — the
 *              object consensus reads (svm_staking_validator_set), rewritten at each epoch.
 *   redelegations SHA-256("svm/stake/red" ‖ from operator): varint n ‖ (delegator (32) ‖ to (32) ‖
 *              varint amount ‖ varint start height ‖ varint release epoch)*, in creation order,
 *              1 ≤ n ≤ REDEL_MAX, released entries dropped at each rewrite (svm_staking_redel_decode)
 *   incoming   SHA-256("svm/stake/redin" ‖ to operator ‖ delegator): varint release epoch of the
 *              delegator's last redelegation into `to` (owned by the delegator): until then its
 *              stake there cannot be redelegated again (the slash could not follow it)
 *   redslash   SHA-256("svm/stake/redslash"): varint n ‖ (operator (32) ‖ varint offence height ‖
 *              varint bps)*, 1 ≤ n ≤ REDSLASH_MAX: offences whose redelegated stake the block's
 *              settlement slashes (written by evidence, emptied by svm_staking_block_end) */
enum { SVM_PROGRAM_STAKING = 3 };
enum {
	SVM_STAKE_REGISTER = 1,   /* consensus key (32) ‖ vrf key (32) ‖ varint commission ‖ varint self_bond */
	SVM_STAKE_DELEGATE = 2,   /* operator (32) ‖ varint amount */
	SVM_STAKE_UNDELEGATE = 3, /* operator (32) ‖ varint shares */
	SVM_STAKE_CLAIM = 4,      /* operator (32) */
	SVM_STAKE_REDELEGATE = 5, /* from operator (32) ‖ to operator (32) ‖ varint shares */
	SVM_STAKE_EPOCH = 6,      /* (nothing) — runs in dynamic mode: it reads every validator */
	SVM_STAKE_EVIDENCE = 7,   /* operator (32) ‖ evidence (svm_evidence_t encoding) */
	SVM_STAKE_UNJAIL = 8,     /* (nothing): the sender's own validator */
};
#define SVM_STAKE_VALIDATORS_MAX 1000 /* registered validators */
#define SVM_STAKE_ACTIVE_MAX 128      /* the active set: consensus's SVM_CONS_VALIDATORS_MAX */
#define SVM_STAKE_QUEUE_MAX 256       /* pending unbondings per validator */
#define SVM_STAKE_REDEL_MAX 256       /* unreleased redelegations out of one validator */
#define SVM_STAKE_REDSLASH_MAX 64     /* offences with redelegations to slash in one block */
#define SVM_STEPS_SIG_VERIFY 30000    /* an Ed25519 verification inside a native program */

typedef struct {
	svm_id_t operator_id;
	uint8_t consensus_key[32]; /* Ed25519 */
	uint8_t vrf_key[32];
	uint64_t commission_bps;
	uint64_t tokens;  /* bonded SWR (excludes pending unbondings) */
	uint64_t shares;  /* delegation shares outstanding */
	uint64_t jailed;  /* 1 while jailed */
	uint64_t unjail_epoch; /* first epoch unjail is allowed */
	uint64_t slashed; /* SWR burned from it so far */
} svm_validator_t;

/* Double-sign evidence: two signatures by one consensus key over two different hashes at one
 * (chain, epoch, height, round, kind). What consensus's votes and proposals sign (consensus.h
 * SVM_CONS_SIGNED_BYTES) is exactly this message, so two conflicting consensus signatures are
 * this evidence (consensus.h svm_cons_evidence_stake converts them):
 *   "svm/vote" ‖ u64be chain id ‖ u64be epoch ‖ u64be height ‖ u64be round ‖ u8 kind ‖ hash
 * (svm_vote_message), kind 0 = vote (hash: consensus's vote digest), 1 = proposal (hash: the
 * proposal digest). The chain id and epoch are in the clear so the staking program can refuse
 * another chain's signatures and never pairs messages of two epochs (rounds restart at 1 in each
 * epoch and heights continue: an honest validator may sign one (height, round) in two epochs).
 * Encoding: key ‖ varint epoch ‖ varint height ‖ varint round ‖ u8 kind ‖ hash1 ‖ sig1 ‖ hash2 ‖
 * sig2, hash1 < hash2 (one encoding per offence); the chain id is the verifier's own. */
typedef struct {
	uint8_t key[32];
	uint64_t epoch, height, round;
	uint8_t kind;
	svm_hash_t hash[2];
	uint8_t sig[2][SVM_ED25519_SIG_SIZE];
} svm_evidence_t;
#define SVM_VOTE_MESSAGE_SIZE (8 + 8 + 8 + 8 + 8 + 1 + 32)
void svm_vote_message(uint64_t chain_id, uint64_t epoch, uint64_t height, uint64_t round,
		      uint8_t kind, const svm_hash_t *hash, uint8_t out[SVM_VOTE_MESSAGE_SIZE]);
int svm_evidence_encode(const svm_evidence_t *e, svm_buf_t *out);
int svm_evidence_decode(svm_reader_t *r, svm_evidence_t *e); /* reads one; trailing is the caller's */
/* Both signatures of e by e->key over svm_vote_message on chain_id: 0 or SVM_ESIG. */
int svm_evidence_verify(const svm_evidence_t *e, uint64_t chain_id);

/* The validator set consensus uses (the active set of the current epoch), from the payload of
 * the object SHA-256("svm/validators"): fills keys/stakes (≤ max entries). SVM_EDECODE. */
typedef struct {
	uint8_t key[32];
	uint64_t stake;
} svm_validator_entry_t;
int svm_staking_validator_set(const uint8_t *payload, size_t len, svm_validator_entry_t *out,
			      size_t max, size_t *n);
void svm_validator_set_id(svm_id_t *out);

void svm_staking_validator_id(const svm_id_t *op, svm_id_t *out);
void svm_staking_delegation_id(const svm_id_t *op, const svm_id_t *delegator, svm_id_t *out);
void svm_staking_queue_id(const svm_id_t *op, svm_id_t *out);
void svm_staking_registry_id(svm_id_t *out);
void svm_staking_epoch_id(svm_id_t *out);
void svm_staking_key_id(const uint8_t key[32], svm_id_t *out);
/* The record SHA-256("svm/stake/evid" ‖ key ‖ u64be epoch ‖ u64be height ‖ u64be round ‖ u8 kind)
 * the program writes when it punishes the offence e proves (each offence is punished once). */
void svm_staking_evidence_id(const svm_evidence_t *e, svm_id_t *out);
void svm_treasury_id(svm_id_t *out); /* the treasury account: SHA-256("svm/treasury") */
/* The tips pool: SHA-256("svm/stake/tips"), the SWR account a chain's blocks pay their tips into
 * (svm_block_env_t.staking_epochs); each processed epoch pays it out with the issuance. */
void svm_staking_tips_id(svm_id_t *out);
int svm_validator_encode(const svm_validator_t *v, svm_buf_t *out);
int svm_validator_decode(const uint8_t *payload, size_t len, svm_validator_t *v);

/* Redelegations out of a validator (the object SHA-256("svm/stake/red" ‖ from)) and the offences
 * whose redelegations a block's settlement slashes (SHA-256("svm/stake/redslash")); decoders of
 * their payloads (≤ max entries; SVM_EDECODE unless canonical). */
typedef struct {
	svm_id_t delegator, to;
	uint64_t amount, start_height, release_epoch;
} svm_stake_redel_t;
typedef struct {
	svm_id_t op;
	uint64_t height, bps;
} svm_stake_redslash_t;
void svm_staking_redel_id(const svm_id_t *from, svm_id_t *out);
void svm_staking_redin_id(const svm_id_t *to, const svm_id_t *delegator, svm_id_t *out);
void svm_staking_redslash_id(svm_id_t *out);
int svm_staking_redel_decode(const uint8_t *p, size_t len, svm_stake_redel_t *out, size_t max, size_t *n);
int svm_staking_redslash_decode(const uint8_t *p, size_t len, svm_stake_redslash_t *out, size_t max,
				size_t *n);

/* Payload builders (append to out). */
int svm_stake_register_payload(svm_buf_t *out, const uint8_t consensus_key[32],
			       const uint8_t vrf_key[32], uint64_t commission_bps, uint64_t self_bond);
int svm_stake_payload(svm_buf_t *out, uint64_t method, const svm_id_t *op, const svm_id_t *op2,
		      uint64_t amount); /* delegate/undelegate/claim/redelegate/epoch/unjail */
int svm_stake_evidence_payload(svm_buf_t *out, const svm_id_t *op, const svm_evidence_t *e);

/* Registers a validator with its stake minted into it (genesis only: a system context). */
int svm_staking_genesis_validator(svm_txctx_t *c, const svm_id_t *op, const uint8_t key[32],
				  uint64_t stake);
/* Writes the epoch object naming the genesis validators as the first active set. */
int svm_staking_genesis_finish(svm_txctx_t *c);

/* Block end (the fee settlement's system context calls it for chains, svm_block_env_t's
 * staking_epochs): first downtime — late_qc[qc_len] is the block header's late QC, the QC of
 * its grandparent (height − 2) with every vote its proposer held for it (consensus's QC
 * encoding; empty on a devnet built without consensus and when consensus had none), whose
 * signer bitmap indexes the set in the validator-set object sorted by identity; each active,
 * unjailed validator absent from it counts a missed vote in the current window (at least
 * downtime_window_blocks blocks and downtime_window_ms of block time), then every unjailed
 * validator with a count — absent or present, in the set or not — that the rule
 * (svm_staking_down_jails) jails at this block is leaked slash_downtime_bps of its bonded stake
 * and jailed, in operator order (docs/economics.md, "Downtime"; count_downtime false skips it).
 * Then, in the last block of an epoch (height + 1 a multiple of epoch_blocks), it processes the
 * next epoch as method 6 would — rewards, issuance, and the active set written to the
 * validator-set object — so the state committed at the end of epoch e − 1 holds the set
 * consensus runs epoch e with; nothing when a transaction processed it already. */
int svm_staking_block_end(svm_txctx_t *c, const uint8_t *late_qc, size_t qc_len,
			  bool count_downtime);

/* Downtime record SHA-256("svm/stake/down"), version 3: varint 3 ‖ varint start height ‖
 * varint start time (ms) ‖ varint uncounted ‖ varint n ‖ (operator (32) ‖ varint missed)*,
 * operators ascending, missed > 0, n ≤ SVM_STAKE_ACTIVE_MAX: the current window's first height
 * and the header time its block time is measured from, how many of its heights so far counted
 * nothing (no late QC — a consensus epoch's first two blocks, a restarted leader's —, or one
 * that cannot be attributed to the set), and each absent validator's missed votes since. The
 * window's blocks are its *counted* ones: height − start + 1 − uncounted. A window's last block
 * is the first counted one with which it holds downtime_window_blocks counted blocks AND has
 * lasted downtime_window_ms of block time; the next window starts at the height after it, from
 * its time, the counts dropped (the first window: at the first counted block). Version 2 (the
 * same without uncounted: every height of the window was one of its blocks) still decodes, with
 * uncounted 0 and version 2 — exactly what it meant — and re-encodes as itself; the program
 * writes it as version 3 the next time it writes the record. Version 1 (varint window ‖ varint
 * n ‖ …, fixed windows of height / downtime_window_blocks) no longer decodes.
 * docs/economics.md, "Downtime". */
#define SVM_STAKE_DOWN_VERSION 3
typedef struct {
	svm_id_t op;
	uint64_t missed;
} svm_stake_down_t;
typedef struct {
	uint64_t version; /* 3, or 2 as decoded from a record written before version 3 */
	uint64_t start_height, start_ms;
	uint64_t uncounted; /* heights of the window so far whose block counted nothing (0 in version 2) */
	size_t n;
	svm_stake_down_t e[SVM_STAKE_ACTIVE_MAX];
} svm_stake_downlist_t;
void svm_staking_downtime_id(svm_id_t *out);
/* Decodes the record's payload into d: 0, or SVM_EDECODE unless canonical (a version other than
 * 2 or 3, n > SVM_STAKE_ACTIVE_MAX, a zero count, operators not strictly ascending, trailing
 * bytes). */
int svm_staking_down_decode(const uint8_t *p, size_t len, svm_stake_downlist_t *d);
/* Appends d's record payload in d->version's layout (above) to out, which the caller owns and
 * frees: 0, SVM_EINVAL when d->n > SVM_STAKE_ACTIVE_MAX, the version is neither 2 nor 3, or a
 * version 2 record has uncounted heights (nothing appended), or the buffer's error. */
int svm_staking_down_encode(const svm_stake_downlist_t *d, svm_buf_t *out);
/* Whether a validator that missed `missed` votes of the window [start, height] is jailed at the
 * counted block (height, timestamp_ms): missed > downtime_missed_max, more than the share
 * downtime_missed_max / downtime_window_blocks of the window's counted blocks so far (this one
 * included: height − start + 1 − uncounted), and the window has lasted downtime_window_ms of
 * block time (false for a height before the window's start, or uncounted heights past it). Pure:
 * the program and its tests call it. */
bool svm_staking_down_jails(const svm_params_t *p, const svm_stake_downlist_t *d, uint64_t missed,
			    uint64_t height, uint64_t timestamp_ms);
#define SVM_QC_TAG 0x13 /* consensus.h SVM_CONS_TAG_QC */
#define SVM_QC_BITMAP_BYTES (SVM_STAKE_ACTIVE_MAX / 8)
/* The signers of a QC in consensus's encoding (consensus.h svm_cons_qc_encode: tag ‖ block id ‖
 * varint round ‖ varint height ‖ parent id ‖ varint parent round ‖ exec root ‖ varint epoch ‖
 * varint bitmap_len ‖ bitmap ‖ 64-byte signature per set bit), read without consensus (the vm
 * layer sits above it; test_staking checks it against consensus's encoder): the certified
 * block's height, the bitmap (zero-padded) and its popcount. SVM_EDECODE unless exactly that
 * form (bitmap ≤ SVM_QC_BITMAP_BYTES with no trailing zero byte, no bytes after the signatures). */
int svm_qc_signers(const uint8_t *p, size_t len, uint64_t *height,
		   uint8_t bitmap[SVM_QC_BITMAP_BYTES], uint32_t *n_signers);

int svm_staking_execute(svm_txctx_t *c, const uint8_t *payload, size_t len);
int svm_staking_access(const svm_id_t *sender, const uint8_t *payload, size_t len, svm_id_t *ids,
		       size_t max, size_t *n);

/* ------------------------------------------------------------- governance */

/* Governance (native program 4): proposals with a deposit, voting by bonded stake (a validator
 * votes with its stake; a delegator that votes itself takes its delegation's weight out of its
 * validator's vote), quorum and threshold over the active set's stake after a voting period,
 * then execution. Objects (shared, type storage):
 *   proposal SHA-256("svm/gov/prop" ‖ proposer ‖ u64be nonce) of the submitting transaction:
 *            see svm_proposal_t; its deposit is the SWR balance owned by this id
 *   ballot   SHA-256("svm/gov/ballot" ‖ proposal ‖ voter ‖ validator): varint option (once)
 *   override SHA-256("svm/gov/ovr" ‖ proposal ‖ validator): varint voted ‖ varint option ‖
 *            varint weight overridden by its delegators
 *   upgrade  SHA-256("svm/upgrade"): varint height ‖ varint len ‖ version — the plan a passed
 *            upgrade proposal writes (svm_upgrade_check). */
enum { SVM_PROGRAM_GOV = 4 };
enum {
	SVM_GOV_SUBMIT = 1,  /* varint kind ‖ varint deposit ‖ body (below); returns the proposal id */
	SVM_GOV_VOTE = 2,    /* proposal (32) ‖ validator (32) ‖ varint option */
	SVM_GOV_EXECUTE = 3, /* proposal (32): a passed proposal takes effect (dynamic access) */
	SVM_GOV_CLOSE = 4,   /* proposal (32): a failed one's deposit back, or to the treasury
				without quorum (dynamic access) */
};
enum {
	SVM_PROPOSAL_PARAMS = 1,   /* varint n (1..8) ‖ (varint field index ‖ varint value)* */
	SVM_PROPOSAL_UPGRADE = 2,  /* varint height ‖ varint len (1..32) ‖ version */
	SVM_PROPOSAL_TREASURY = 3, /* to (32) ‖ varint amount */
	SVM_PROPOSAL_TEXT = 4,     /* hash (32) of the text */
	SVM_PROPOSAL_ATTEST_PINS = 5, /* the chain's pinned attestation roots, replaced on execution:
				       * svm_attest_pins_encode's bytes (verify.h), at least one pin */
};
enum { SVM_VOTE_YES = 0, SVM_VOTE_NO = 1, SVM_VOTE_ABSTAIN = 2 };
enum { SVM_PROP_VOTING = 0, SVM_PROP_EXECUTED = 1, SVM_PROP_CLOSED = 2 };
#define SVM_GOV_CHANGES_MAX 8
#define SVM_UPGRADE_VERSION_MAX 32
#define SVM_GOV_BODY_MAX 520 /* the largest body: a pins list, 2 + 2 × 8 pins × 32 bytes */
/* The version this build runs (an upgrade plan names the one required from its height). */
#define SVM_NODE_VERSION "supervm-0.1"

typedef struct {
	svm_id_t proposer;
	uint64_t nonce;
	uint64_t kind, deposit, start_height, end_height, status;
	uint64_t tally[3]; /* yes, no, abstain: stake weight */
	size_t body_len;
	uint8_t body[SVM_GOV_BODY_MAX];
} svm_proposal_t;

void svm_gov_proposal_id(const svm_id_t *proposer, uint64_t nonce, svm_id_t *out);
void svm_upgrade_id(svm_id_t *out);
int svm_proposal_encode(const svm_proposal_t *p, svm_buf_t *out);
int svm_proposal_decode(const uint8_t *payload, size_t len, svm_proposal_t *p);
/* Whether a proposal has passed against the active set's total stake (quorum and threshold). */
bool svm_proposal_passes(const svm_proposal_t *p, const svm_params_t *params, uint64_t total_stake);

int svm_gov_submit_payload(svm_buf_t *out, uint64_t kind, uint64_t deposit, const uint8_t *body,
			   size_t body_len);
int svm_gov_payload(svm_buf_t *out, uint64_t method, const svm_id_t *proposal,
		    const svm_id_t *validator, uint64_t option);

/* The upgrade plan in object bytes (payload of SHA-256("svm/upgrade")): 0 when a node running
 * `version` may build or apply a block at `height`, SVM_EUNSUPPORTED with the message in err
 * when the plan requires another version from that height on. */
int svm_upgrade_check(const uint8_t *payload, size_t len, uint64_t height, const char *version,
		      svm_error_t *err);

int svm_gov_execute(svm_txctx_t *c, const uint8_t *payload, size_t len);
int svm_gov_access(const svm_id_t *sender, uint64_t nonce, const uint8_t *payload, size_t len,
		   svm_id_t *ids, size_t max, size_t *n);

/* ------------------------------------------------------------------- rent */

/* State rent (docs/economics.md, "Rent"), native program 5, over contract storage slots (the
 * object svm_contract_slot_id(contract, key) a WASM contract writes: STORAGE, owned by the
 * contract); everything else is exempt. A slot's rent for an epoch is rent_rho · size, size the
 * length of its object encoding; an exempt slot's, rent_rho · the bytes its value grew past the
 * length its exemption covered (svm_rent_billed). Objects:
 *   record    SHA-256("svm/rent" ‖ slot): varint paid_until (epoch) ‖ u8 exempt ‖ (exempt = 1:
 *             varint exempt_len, the value length the exemption covers, ≤ SVM_CONTRACT_VALUE_MAX)
 *             — absent: paid until the epoch of the slot's last write; an exempt slot's
 *             paid_until is how far its growth is paid (the exempting epoch, then payments)
 *   tombstone SHA-256("svm/rent/tomb" ‖ slot): SHA-256 of the evicted object's encoding ‖
 *             varint size ‖ varint epoch evicted
 * Every method: contract (32) ‖ varint key_len ‖ key (1..SVM_CONTRACT_KEY_MAX), then: */
enum { SVM_PROGRAM_RENT = 5 };
enum {
	SVM_RENT_PAY = 1,     /* ‖ varint amount: whole epochs of rent from max(paid_until, now), to
			       * the treasury; exempt once paid ≥ rent_horizon_epochs ahead (an
			       * exempt slot pays for its growth only, SVM_ESTATE when none) */
	SVM_RENT_EVICT = 2,   /* anyone, once now > paid_until + rent_grace_epochs (not exempt, or
			       * exempt with unpaid growth): deletes the slot, writes its tombstone,
			       * rewards the sender */
	SVM_RENT_RESTORE = 3, /* ‖ varint len ‖ the evicted object's encoding ‖ varint amount:
			       * its hash must be the tombstone's; recreated, rent prepaid as by pay */
	/* The same three on an EVM storage slot, svm_evm_slot_id(address, key) (an SSTORE's object:
	 * STORAGE, owned by svm_evm_identity(address)): "contract" is 12 zero bytes ‖ the 20-byte
	 * address and the key exactly 32 bytes (SVM_EDECODE otherwise). */
	SVM_RENT_EVM_PAY = 4,
	SVM_RENT_EVM_EVICT = 5,
	SVM_RENT_EVM_RESTORE = 6,
};
#define SVM_RENT_EVM_OFFSET 3 /* SVM_RENT_EVM_x = SVM_RENT_x + 3 */
/* The "contract" field naming the EVM account at address a (12 zero bytes ‖ a). */
void svm_rent_evm_contract(const uint8_t address[20], svm_id_t *out);
/* The slot a rent payload names (its method's kind of slot); SVM_EDECODE for a malformed one. */
int svm_rent_payload_slot(const uint8_t *payload, size_t len, svm_id_t *slot);
#define SVM_RENT_OBJECT_MAX (SVM_CONTRACT_VALUE_MAX + 256) /* a slot object's encoding */
typedef struct {
	uint64_t paid_until;
	uint8_t exempt;
	uint64_t exempt_len; /* exempt: the value length the exemption covers (else 0) */
} svm_rent_record_t;
typedef struct {
	svm_hash_t hash;
	uint64_t size, evicted_epoch;
} svm_rent_tomb_t;
void svm_rent_record_id(const svm_id_t *slot, svm_id_t *out);
void svm_rent_tomb_id(const svm_id_t *slot, svm_id_t *out);
int svm_rent_record_decode(const uint8_t *p, size_t len, svm_rent_record_t *r); /* SVM_EDECODE */
/* The bytes a slot pays rent for, given its record, its encoding's size and its value's length:
 * size when not exempt; exempt, max(0, value_len − exempt_len) (0: nothing is owed). */
uint64_t svm_rent_billed(const svm_rent_record_t *r, uint64_t size, uint64_t value_len);
int svm_rent_tomb_decode(const uint8_t *p, size_t len, svm_rent_tomb_t *t);     /* SVM_EDECODE */
int svm_rent_pay_payload(svm_buf_t *out, const svm_id_t *contract, const uint8_t *key,
			 size_t key_len, uint64_t amount);
int svm_rent_evict_payload(svm_buf_t *out, const svm_id_t *contract, const uint8_t *key,
			   size_t key_len);
int svm_rent_restore_payload(svm_buf_t *out, const svm_id_t *contract, const uint8_t *key,
			     size_t key_len, const uint8_t *object, size_t object_len, uint64_t amount);
/* Strict access: the slot, its record and tombstone, the treasury's and the sender's SWR. */
int svm_rent_access(const svm_id_t *sender, const uint8_t *payload, size_t len, svm_id_t *ids,
		    size_t max, size_t *n);
int svm_rent_execute(svm_txctx_t *c, const uint8_t *payload, size_t len);

#endif

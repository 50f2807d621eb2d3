/* SuperVM mempool: admission of signed transactions, ordering for block production, and
 * pruning after each block. Policy (docs/node.md):
 *  - admission checks, cheapest first: size, canonical decoding, chain id, expiry (includable
 *    in the next block), the intrinsic fee (fee_limit ≥ a + b·tx_bytes), duplicate id, the
 *    Ed25519 signature, the nonce (≥ the account's next nonce and < next + per_sender_max),
 *    the SWR balance (covers fee_limit + tip), the per-sender bound, then the pool bounds;
 *  - a second transaction with a pending (sender, nonce) replaces it only with a higher tip;
 *  - when full (count or bytes), the pending transaction with the lowest tip among each
 *    sender's highest-nonce one is evicted if the newcomer pays a higher tip, else SVM_EBUSY;
 *  - selection takes, per sender, the run of consecutive nonces from the account's next nonce,
 *    and across senders the highest tip first, then the earliest arrival.
 * Every rejection returns a precise SVM_E… code with a message in err.
 *
 * Thread safety: every function may be called from any thread (one internal mutex; signature
 * verification and account look-ups run outside it). */
#ifndef SUPERVM_MEMPOOL_H
#define SUPERVM_MEMPOOL_H

#include "supervm/base.h"
#include "supervm/chain.h"
#include "supervm/core.h"

#define SVM_MEMPOOL_BYTES_MAX_DEFAULT (64u << 20) /* encoded bytes held */
#define SVM_MEMPOOL_COUNT_MAX_DEFAULT 100000      /* transactions held */
#define SVM_MEMPOOL_PER_SENDER_MAX_DEFAULT 1024   /* pending transactions per sender */

/* The account state admission needs: the next nonce and the SWR balance of sender at the
 * head. Returns 0 or an SVM_E… code (absent accounts are nonce 0, balance 0). Called from the
 * admitting thread, outside the mempool's lock. */
typedef int (*svm_mempool_account_fn)(void *ctx, const svm_id_t *sender, uint64_t *next_nonce,
				      uint64_t *swr_balance);

/* The fee schedule in force at the head (the governed parameters: a passed proposal changes
 * it without a restart), for the intrinsic fee check. Called at each admission, outside the
 * mempool's lock; an error fails that admission. */
typedef int (*svm_mempool_fees_fn)(void *ctx, svm_fee_params_t *fees);

typedef struct {
	uint64_t chain_id;
	svm_fee_params_t fees;  /* for the intrinsic fee check when fees_fn is NULL */
	svm_mempool_fees_fn fees_fn; /* NULL: cfg.fees, fixed */
	void *fees_ctx;
	size_t bytes_max;       /* 0 = SVM_MEMPOOL_BYTES_MAX_DEFAULT */
	size_t count_max;       /* 0 = SVM_MEMPOOL_COUNT_MAX_DEFAULT */
	size_t per_sender_max;  /* 0 = SVM_MEMPOOL_PER_SENDER_MAX_DEFAULT */
	svm_mempool_account_fn account;
	void *account_ctx;
} svm_mempool_config_t;

typedef struct svm_mempool svm_mempool_t;

/* Creates an empty pool (caller owns *out; svm_mempool_free releases it). */
int svm_mempool_new(svm_mempool_t **out, const svm_mempool_config_t *cfg);
void svm_mempool_free(svm_mempool_t *mp);

/* Admits signed transaction tx[len] (copied) if it passes the checks above; head_height is the
 * last committed height (the transaction must be includable at head_height + 1). *id (if not
 * NULL) receives the transaction id — also on SVM_EEXIST. Errors: SVM_ELIMIT (size, per-sender
 * bound), SVM_EDECODE, SVM_ECHAIN, SVM_EEXPIRED, SVM_EFEE, SVM_EEXIST (already pending, or same
 * nonce without a higher tip), SVM_ESIG, SVM_EUNSUPPORTED, SVM_ENONCE, SVM_EFUNDS, SVM_EBUSY (full),
 * or the account function's error. Nothing changes on failure. */
int svm_mempool_add(svm_mempool_t *mp, const uint8_t *tx, size_t len, uint64_t head_height,
		    svm_hash_t *id, svm_error_t *err);

/* The nonce sender's next transaction should carry counting what is pending: starting from
 * the larger of account_next (the account's next nonce at the head) and the pool's own record,
 * one past the run of consecutive nonces pending from there. account_next when nothing of the
 * sender's is pending. Lets a client send several transactions in a row without waiting. */
uint64_t svm_mempool_pending_nonce(svm_mempool_t *mp, const svm_id_t *sender, uint64_t account_next);

/* True if a transaction with this id is pending. */
bool svm_mempool_contains(svm_mempool_t *mp, const svm_hash_t *id);
/* Appends the pending transaction's encoding to out; SVM_ENOTFOUND if it is not pending. */
int svm_mempool_get(svm_mempool_t *mp, const svm_hash_t *id, svm_buf_t *out);

/* A selection for one block: copies, so the pool may change while the block is built. */
typedef struct {
	size_t n;
	const uint8_t **txs; /* txs[i] points into bytes */
	size_t *lens;
	svm_hash_t *ids;
	svm_id_t *senders;
	uint64_t *nonces;
	svm_buf_t bytes;
} svm_mempool_batch_t;

/* Fills b (zero it first; svm_mempool_batch_free releases) with up to count_max ready
 * transactions totalling at most bytes_max encoded bytes, in block order. They stay pending
 * until svm_mempool_update. */
int svm_mempool_select(svm_mempool_t *mp, size_t count_max, size_t bytes_max,
		       svm_mempool_batch_t *b);
void svm_mempool_batch_free(svm_mempool_batch_t *b);

/* After a block built from b (results[i] from svm_chain_build) was committed at head_height:
 * drops the included transactions and those the builder rejected as invalid (keeping those
 * left out only for the block limits, SVM_ELIMIT), advances each sender's next nonce, and
 * prunes every pending transaction that can no longer be included (stale nonce, expired). */
void svm_mempool_update(svm_mempool_t *mp, const svm_mempool_batch_t *b,
			const svm_build_result_t *results, uint64_t head_height);

typedef struct {
	size_t count;      /* pending transactions */
	size_t bytes;      /* their encoded bytes */
	size_t senders;    /* distinct senders */
	uint64_t admitted; /* since creation */
	uint64_t rejected;
	uint64_t evicted;  /* pushed out by a higher tip */
	uint64_t pruned;   /* dropped after a block (invalid, stale, expired) */
	uint64_t included; /* removed because a block included them */
} svm_mempool_stats_t;
void svm_mempool_stats(svm_mempool_t *mp, svm_mempool_stats_t *out);

#endif

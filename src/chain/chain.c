/* The chain: opens the store and state, writes genesis, builds and applies blocks (execute,
 * roots, one LMDB write transaction per block), and answers queries from read snapshots. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chain/internal.h"
#include "supervm/verify.h"

#define BLOCK_ARENA_MAX (1024u << 20) /* per-block working memory bound */
#define EXEC_SNAPSHOTS_MAX 16         /* execution workers with their own read snapshot */

struct svm_chain {
	svm_store_t *store;
	svm_state_t *state;
	uint64_t chain_id;
	svm_fee_params_t fees;
	svm_id_t fee_token;
	unsigned threads;
	bool fixed_set; /* svm_chain_config_t.fixed_set: no downtime counting */
	bool lazy_commits; /* svm_chain_config_t.lazy_commits: block commits begun lazy */
	pthread_mutex_t mu; /* guards the head below (the writer updates, queries read) */
	uint64_t height;
	svm_hash_t head_hash, head_root;
	uint64_t head_time_ms;
	/* the last SVM_RECENT_HASHES_MAX block hashes, block h's at [h % MAX] (the EVM's BLOCKHASH) */
	svm_hash_t recent[SVM_RECENT_HASHES_MAX];
	svm_block_stats_t stats; /* of the block being built/applied; published under mu */
	svm_block_stats_t last;
};

/* --------------------------------------------------------- meta record */

/* "chain.params": varint chain id ‖ varint a ‖ b ‖ c ‖ d. */
static int params_put(svm_store_txn_t *w, uint64_t chain_id, const svm_fee_params_t *f)
{
	svm_buf_t b = {0};
	int rc = svm_varint_append(&b, chain_id);
	const uint64_t v[4] = {f->a, f->b, f->c, f->d};
	for (int i = 0; rc == 0 && i < 4; i++) rc = svm_varint_append(&b, v[i]);
	SVM_ASSERT(rc != 0 || (b.len >= 5 && b.len <= 5 * SVM_VARINT_MAX)); /* five varints */
	if (rc == 0) rc = svm_store_put(w, SVM_TABLE_META, "chain.params", 12, b.data, b.len, 0);
	svm_buf_free(&b);
	return rc;
}

static int params_get(svm_store_txn_t *r, uint64_t *chain_id, svm_fee_params_t *f)
{
	const uint8_t *p;
	size_t n;
	int rc = svm_store_get(r, SVM_TABLE_META, "chain.params", 12, &p, &n);
	if (rc) return rc;
	svm_reader_t rd = svm_reader(p, n);
	if (svm_varint_read(&rd, chain_id) || svm_varint_read(&rd, &f->a) ||
	    svm_varint_read(&rd, &f->b) || svm_varint_read(&rd, &f->c) ||
	    svm_varint_read(&rd, &f->d) || svm_reader_left(&rd))
		return SVM_EIO;
	return 0;
}

/* ------------------------------------------------------------ base view */

/* LMDB lets a read transaction be used by one thread at a time, so each execution worker
 * reads through its own snapshot: {state, txn of worker 0, txn of worker 1, …}. All are begun
 * by the writer's thread before execution, with no commit in between: one and the same state. */
static int base_get(void *ud, unsigned worker, const svm_id_t *id, const uint8_t **bytes,
		    size_t *len)
{
	void **p = ud;
	/* every worker the executor runs reads through a snapshot work_begin opened */
	SVM_ASSERT(worker < EXEC_SNAPSHOTS_MAX && p[1 + worker] != NULL);
	return svm_state_get(p[0], p[1 + worker], id, bytes, len);
}

/* ---------------------------------------------------------- block commit */

static int put_u64_key(svm_store_txn_t *w, svm_table_t t, uint64_t k, const void *v, size_t n)
{
	uint8_t key[8];
	svm_put_u64be(key, k);
	return svm_store_put(w, t, key, 8, v, n, 0);
}

void svm_chain_settlement_id(uint64_t height, svm_hash_t *out)
{
	uint8_t h[8];
	svm_put_u64be(h, height);
	svm_slice_t part = {h, sizeof h};
	svm_sha256_tagged("svm/settle", &part, 1, out);
}

/* The receipts root over the receipt encodings; each encoding is appended to enc (offsets in
 * off[i]..off[i+1]). Then the block's settlement receipt (not under the root: it is what the
 * state transition already commits to), when the settlement emitted events, in
 * off[included]..off[included + 1] (an empty range otherwise). */
static int encode_receipts(const svm_exec_result_t *res, uint64_t height, svm_buf_t *enc, size_t *off,
			   svm_hash_t *leaves, svm_hash_t *root)
{
	for (size_t i = 0; i < res->included; i++) {
		off[i] = enc->len;
		int rc = svm_receipt_encode(&res->receipts[i], enc);
		if (rc) return rc;
	}
	off[res->included] = enc->len;
	for (size_t i = 0; i < res->included; i++) {
		/* one non-empty encoding per receipt, back to back */
		SVM_ASSERT(off[i] < off[i + 1] && off[i + 1] <= enc->len);
		svm_merkle_leaf_hash(enc->data + off[i], off[i + 1] - off[i], &leaves[i]);
	}
	int rc = svm_merkle_root(leaves, res->included, root);
	if (rc == 0 && res->settle_events_len) {
		svm_receipt_t r = {.fee_charged = res->burned, .tip_paid = res->tips,
				   .events = res->settle_events, .events_len = res->settle_events_len};
		svm_chain_settlement_id(height, &r.tx_id);
		rc = svm_receipt_encode(&r, enc);
	}
	off[res->included + 1] = enc->len;
	/* the settlement's range follows the last receipt's, empty when it emitted nothing */
	SVM_ASSERT(off[res->included + 1] >= off[res->included]);
	SVM_ASSERT(rc != 0 || res->settle_events_len > 0 || off[res->included + 1] == off[res->included]);
	return rc;
}

typedef struct {
	svm_header_t header;
	svm_slice_t *txs;      /* included signed encodings */
	const svm_hash_t *ids; /* their ids */
	const uint8_t *qc;     /* the block's quorum certificate, stored beside it when qc_len > 0 */
	size_t qc_len;
} commit_t;

/* A block's execution figures into its stats. */
static void stats_exec(svm_block_stats_t *st, const svm_exec_metrics_t *m)
{
	st->exec_dag_txs = m->dag_txs;
	st->exec_stm_txs = m->stm_txs;
	st->exec_seq_txs = m->seq_txs;
	st->exec_aborts = m->aborts;
	st->exec_reexecutions = m->reexecutions;
	st->exec_fallbacks = m->fallbacks;
}

/* The node's index of derived EVM addresses (docs/evm.md, "One identity"): meta key
 * SVM_CHAIN_EVM_INDEX_TAG ‖ address (20) -> identity (32). */
/* LMDB keys are at most 511 bytes: the index's and the QC's keys fit */
_Static_assert(sizeof SVM_CHAIN_EVM_INDEX_TAG - 1 + SVM_EVM_ADDRESS_SIZE <= 511, "index key");

static int evm_index_put(svm_store_txn_t *w, const svm_id_t *id)
{
	uint8_t key[sizeof SVM_CHAIN_EVM_INDEX_TAG - 1 + SVM_EVM_ADDRESS_SIZE];
	_Static_assert(sizeof key == sizeof SVM_CHAIN_EVM_INDEX_TAG - 1 + 20, "tag ‖ a 20-byte address");
	memcpy(key, SVM_CHAIN_EVM_INDEX_TAG, sizeof SVM_CHAIN_EVM_INDEX_TAG - 1);
	svm_identity_evm_address(id, key + sizeof SVM_CHAIN_EVM_INDEX_TAG - 1);
	/* an entry never changes (both derivations are functions): an identity seen before costs a
	 * read, not a write that would dirty its page again in every block */
	const uint8_t *p;
	size_t n;
	int rc = svm_store_get(w, SVM_TABLE_META, key, sizeof key, &p, &n);
	if (rc == 0 && n == SVM_HASH_SIZE && memcmp(p, id->b, SVM_HASH_SIZE) == 0) return 0;
	if (rc != 0 && rc != SVM_ENOTFOUND) return rc;
	return svm_store_put(w, SVM_TABLE_META, key, sizeof key, id->b, SVM_HASH_SIZE, 0);
}

/* Indexes the owner of every balance object the block wrote: an identity paid by a contract or
 * a program (a WebAssembly contract's transfer, an EVM contract's call of the ledger through
 * 0x…ca12, an AMM payout, a reward) holds a balance object from then on, whoever signed. The write
 * set is a function of the block and the state before it, so the index stays one too. */
static int evm_index_writes(svm_store_txn_t *w, const svm_exec_result_t *res)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < res->writes_len; i++) {
		const svm_state_write_t *x = &res->writes[i];
		svm_object_t o;
		if (x->bytes == NULL || svm_object_decode(x->bytes, x->len, &o, NULL) != 0) continue;
		if (o.type == SVM_OBJ_BALANCE && o.owner_kind == SVM_OWNER_ADDRESS) rc = evm_index_put(w, &o.owner);
	}
	return rc;
}

/* Indexes the derived EVM address of every identity that signed one of the block's native
 * transactions, received a ledger transfer in one or was named by a link
 * (SVM_LEDGER_LINK_EVM), and of the contract id of every WebAssembly deploy among them (the id is
 * fixed by sender and nonce; a failed deploy's id is indexed too, which keeps the index a
 * function of the block's bytes whatever path commits it). Ethereum transactions are skipped:
 * their sender is the identity of its own address, a pure function. */
static int evm_index_block(svm_store_txn_t *w, const commit_t *b)
{
	svm_arena_t a;
	svm_arena_init(&a, 0);
	int rc = 0;
	SVM_ASSERT(b->header.tx_count == 0 || b->txs != NULL);
	for (uint32_t i = 0; rc == 0 && i < b->header.tx_count; i++) {
		const svm_slice_t *t = &b->txs[i];
		svm_tx_t tx;
		if (t->len == 0 || t->p[0] == SVM_TAG_ETH_TX || svm_tx_decode(t->p, t->len, &a, &tx, NULL, NULL))
			continue;
		rc = evm_index_put(w, &tx.sender);
		if (rc == 0 && tx.vm == SVM_VM_WASM && tx.payload_len > 0 && tx.payload[0] == SVM_CONTRACT_OP_DEPLOY) {
			svm_id_t id;
			svm_contract_id(&tx.sender, tx.nonce, &id);
			rc = evm_index_put(w, &id);
		}
		/* the recipient of a ledger transfer (a receive-only identity is indexed once paid)
		 * and the identity a link names */
		svm_reader_t r = svm_reader(tx.payload, tx.payload_len);
		uint64_t prog, meth;
		const uint8_t *who = NULL;
		if (rc == 0 && tx.vm == SVM_VM_NATIVE && svm_varint_read(&r, &prog) == 0 &&
		    prog == SVM_PROGRAM_LEDGER && svm_varint_read(&r, &meth) == 0 &&
		    (meth == SVM_LEDGER_TRANSFER || meth == SVM_LEDGER_LINK_EVM) &&
		    (meth == SVM_LEDGER_LINK_EVM || svm_reader_bytes(&r, SVM_HASH_SIZE, &who) == 0) &&
		    svm_reader_bytes(&r, SVM_HASH_SIZE, &who) == 0) {
			svm_id_t id;
			memcpy(id.b, who, SVM_HASH_SIZE);
			rc = evm_index_put(w, &id);
		}
	}
	svm_arena_reset(&a);
	return rc;
}

/* Writes state, block, indexes and receipts of one block in one write transaction. When
 * expect_root is set the computed state root must equal it (else SVM_EVALIDATE, nothing
 * committed). On success fills hash. */
static int commit_block(svm_chain_t *c, commit_t *b, const svm_exec_result_t *res,
			const svm_buf_t *renc, const size_t *roff, const svm_hash_t *expect_root,
			svm_hash_t *hash, svm_error_t *err)
{
	/* heights advance by one (genesis is height 0 on an empty chain), each block on the head */
	SVM_ASSERT(b->header.height == c->height + 1 || (b->header.height == 0 && c->height == 0));
	SVM_ASSERT(b->header.height == 0 || svm_hash_eq(&b->header.parent, &c->head_hash));
	SVM_ASSERT(b->header.tx_count == 0 || (b->txs != NULL && b->ids != NULL && roff != NULL));
	SVM_ASSERT(b->qc_len == 0 || b->qc != NULL);
	svm_store_txn_t *w;
	int rc = c->lazy_commits && b->header.height > 0 ? svm_store_write_begin_lazy(c->store, &w, err)
							  : svm_store_write_begin(c->store, &w, err);
	if (rc) return rc;
	svm_hash_t root;
	uint64_t t0 = svm_clock_ns();
	rc = svm_state_apply(c->state, w, b->header.height, res->writes, res->writes_len, &root, err);
	uint64_t t1 = svm_clock_ns();
	if (rc == 0 && expect_root && !svm_hash_eq(expect_root, &root))
		rc = svm_error_set(err, SVM_EVALIDATE, "block %llu: state root mismatch",
				   (unsigned long long)b->header.height);
	b->header.state_root = root;
	svm_buf_t blk = {0};
	svm_block_t block = {.header = b->header, .txs = b->txs, .txs_len = b->header.tx_count};
	if (rc == 0) rc = svm_block_encode(&block, &blk);
	if (rc == 0) rc = svm_header_hash(&b->header, hash);
	if (rc == 0) rc = svm_store_put(w, SVM_TABLE_BLOCKS, hash->b, SVM_HASH_SIZE, blk.data, blk.len, 0);
	if (rc == 0) rc = put_u64_key(w, SVM_TABLE_HEIGHTS, b->header.height, hash->b, SVM_HASH_SIZE);
	for (uint32_t i = 0; rc == 0 && i < b->header.tx_count; i++) {
		SVM_ASSERT(roff[i] < roff[i + 1] && roff[i + 1] <= renc->len); /* receipt i's bytes */
		uint8_t loc[12];
		svm_put_u64be(loc, b->header.height);
		loc[8] = (uint8_t)(i >> 24), loc[9] = (uint8_t)(i >> 16), loc[10] = (uint8_t)(i >> 8), loc[11] = (uint8_t)i;
		rc = svm_store_put(w, SVM_TABLE_TXS, b->ids[i].b, SVM_HASH_SIZE, loc, sizeof loc, 0);
		if (rc == 0)
			rc = svm_store_put(w, SVM_TABLE_RECEIPTS, b->ids[i].b, SVM_HASH_SIZE,
					   renc->data + roff[i], roff[i + 1] - roff[i], 0);
	}
	size_t k = b->header.tx_count;
	if (rc == 0 && roff[k + 1] > roff[k]) { /* the settlement receipt */
		svm_hash_t sid;
		svm_chain_settlement_id(b->header.height, &sid);
		rc = svm_store_put(w, SVM_TABLE_RECEIPTS, sid.b, SVM_HASH_SIZE, renc->data + roff[k],
				   roff[k + 1] - roff[k], 0);
	}
	if (rc == 0) rc = evm_index_block(w, b);
	if (rc == 0) rc = evm_index_writes(w, res);
	if (rc == 0) rc = svm_store_meta_put_u64(w, "chain.height", b->header.height);
	if (rc == 0 && b->qc_len > 0) { /* meta "qc" ‖ u64be(height) */
		uint8_t key[10] = {'q', 'c'};
		svm_put_u64be(key + 2, b->header.height);
		rc = svm_store_put(w, SVM_TABLE_META, key, sizeof key, b->qc, b->qc_len, 0);
	}
	svm_buf_free(&blk);
	if (rc) {
		svm_store_abort(w);
		if (err && err->code != rc) svm_error_set(err, rc, "commit: %s", svm_strerror(rc));
		return rc;
	}
	/* committed only when the root is the one expected (a replica's, a voted block's) */
	SVM_ASSERT(!expect_root || svm_hash_eq(expect_root, &root));
	uint64_t t2 = svm_clock_ns();
	rc = svm_store_commit(w, err);
	if (rc) return rc;
	c->stats.state_ns = t1 - t0;
	c->stats.write_ns = t2 - t1;
	c->stats.commit_ns = svm_clock_ns() - t2;
	c->stats.height = b->header.height;
	c->stats.txs = b->header.tx_count;
	SVM_ASSERT(res->writes_len <= UINT32_MAX);
	c->stats.writes = (uint32_t)res->writes_len;
	pthread_mutex_lock(&c->mu);
	/* the head only moves forward, by one block (genesis: from the empty chain to 0) */
	SVM_ASSERT(b->header.height == c->height + 1 || b->header.height == 0);
	c->last = c->stats;
	c->height = b->header.height;
	c->head_hash = *hash;
	c->recent[b->header.height % SVM_RECENT_HASHES_MAX] = *hash;
	c->head_root = root;
	c->head_time_ms = b->header.timestamp_ms;
	pthread_mutex_unlock(&c->mu);
	return 0;
}

/* --------------------------------------------------------------- genesis */

/* The validator set object: SHA-256("svm/validators"), shared, type storage, payload
 * varint count ‖ (Ed25519 public key ‖ varint stake)*. The consensus layer reads it. */
static int write_validators(svm_txctx_t *ctx, const svm_genesis_t *g)
{
	svm_buf_t p = {0};
	int rc = svm_varint_append(&p, g->n_validators);
	SVM_ASSERT(g->n_validators <= SVM_GENESIS_VALIDATORS_MAX); /* svm_genesis_parse's bound */
	_Static_assert(sizeof(((svm_genesis_validator_t *)0)->pubkey) == 32, "an Ed25519 key");
	for (size_t i = 0; rc == 0 && i < g->n_validators; i++) {
		rc = svm_buf_append(&p, g->validators[i].pubkey, 32);
		if (rc == 0) rc = svm_varint_append(&p, g->validators[i].stake);
	}
	svm_object_t o = {.owner_kind = SVM_OWNER_SHARED, .type = SVM_OBJ_STORAGE,
			  .payload = p.data, .payload_len = p.len};
	svm_sha256_tagged("svm/validators", NULL, 0, &o.id);
	if (rc == 0) rc = p.len > SVM_OBJECT_PAYLOAD_MAX ? SVM_ELIMIT : svm_host_put(ctx, &o);
	svm_buf_free(&p);
	return rc;
}

/* The parameter object: the genesis's parameters (or the defaults) with its fees. */
static int write_params(svm_txctx_t *ctx, const svm_genesis_t *g)
{
	svm_params_t p;
	if (g->params_set) p = g->params;
	else svm_params_default(&p);
	p.fee_a = g->fees.a, p.fee_b = g->fees.b, p.fee_c = g->fees.c, p.fee_d = g->fees.d;
	SVM_ASSERT(p.block_txs_max <= SVM_BLOCK_TXS_MAX && p.block_bytes_max <= SVM_BLOCK_BYTES_MAX);
	return svm_params_put(ctx, &p);
}

/* The genesis pools: the AMM's own create, run as if their owner had sent it (a failure, e.g.
 * an owner without the genesis balance, fails the genesis with the AMM's error). */
static int write_pools(svm_txctx_t *ctx, const svm_genesis_t *g)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < g->n_pools; i++) {
		const svm_genesis_pool_t *p = &g->pools[i];
		bool xy = memcmp(p->x.b, p->y.b, 32) < 0; /* create takes the tokens ascending */
		SVM_ASSERT(!svm_hash_eq(&p->x, &p->y)); /* two distinct tokens (parse_pools) */
		svm_buf_t b = {0};
		rc = svm_amm_payload(&b, SVM_AMM_CREATE, xy ? &p->x : &p->y, xy ? &p->y : &p->x,
				     p->fee_bps, xy ? p->amount_x : p->amount_y,
				     xy ? p->amount_y : p->amount_x, 0);
		svm_tx_t tx = {.sender = p->owner};
		const svm_tx_t *saved = ctx->tx;
		ctx->tx = &tx;
		if (rc == 0) rc = svm_amm_execute(ctx, b.data, b.len);
		ctx->tx = saved;
		SVM_ASSERT(ctx->tx == saved);
		svm_buf_free(&b);
	}
	return rc;
}

static int genesis_fn(svm_txctx_t *ctx, void *ud)
{
	const svm_genesis_t *g = ud;
	int prc = write_params(ctx, g);
	if (prc) return prc;
	const char *symbols[2] = {"SWR", "AIC"};
	for (int i = 0; i < 2; i++) {
		svm_id_t t;
		svm_token_id(symbols[i], &t);
		int rc = svm_ledger_token_create(ctx, &t, symbols[i], 9);
		if (rc) return rc;
	}
	for (size_t i = 0; i < g->n_balances; i++) {
		int rc = svm_ledger_mint(ctx, &g->balances[i].token, &g->balances[i].owner,
					 g->balances[i].amount);
		if (rc) return rc;
	}
	int rc = write_validators(ctx, g);
	/* the genesis validators are also staking validators, their stake bonded SWR */
	for (size_t i = 0; rc == 0 && i < g->n_validators; i++)
		if (g->validators[i].stake) /* a zero stake bonds nothing: consensus only */
			rc = svm_staking_genesis_validator(ctx, &g->validators[i].id, g->validators[i].pubkey,
						   g->validators[i].stake);
	if (rc == 0) rc = write_pools(ctx, g);
	if (rc == 0 && g->attest_pins_set) rc = svm_attest_pins_put(ctx, &g->attest_pins);
	return rc ? rc : svm_staking_genesis_finish(ctx);
}

static int no_base(void *ud, unsigned worker, const svm_id_t *id, const uint8_t **b, size_t *n)
{
	return SVM_ENOTFOUND;
}

static int write_genesis(svm_chain_t *c, const svm_genesis_t *g, svm_error_t *err)
{
	svm_arena_t arena;
	svm_arena_init(&arena, BLOCK_ARENA_MAX);
	svm_block_env_t env = {.chain_id = g->chain_id, .height = 0, .timestamp_ms = g->timestamp_ms,
			       .fees = g->fees, .fee_token = c->fee_token};
	svm_exec_base_t base = {no_base, NULL};
	svm_exec_result_t res;
	int rc = svm_exec_system(&env, &base, genesis_fn, (void *)g, &arena, &res);
	if (rc) {
		svm_arena_reset(&arena);
		return svm_error_set(err, rc, "genesis: %s (a supply overflows?)", svm_strerror(rc));
	}
	commit_t b = {0};
	b.header.chain_id = g->chain_id;
	b.header.timestamp_ms = g->timestamp_ms;
	svm_merkle_root(NULL, 0, &b.header.tx_root);
	svm_merkle_root(NULL, 0, &b.header.receipts_root);
	svm_buf_t renc = {0};
	size_t roff[2] = {0, 0};
	svm_hash_t hash;
	/* the genesis block carries no transaction: roff's one entry is all commit_block reads */
	SVM_ASSERT(res.included == 0 && b.header.tx_count == 0 && c->height == 0);
	/* The params go in with the genesis block: one transaction, all or nothing. */
	svm_store_txn_t *w;
	rc = svm_store_write_begin(c->store, &w, err);
	if (rc == 0) {
		rc = params_put(w, g->chain_id, &g->fees);
		/* the derived addresses of the genesis accounts and validators (docs/evm.md) */
		for (size_t i = 0; rc == 0 && i < g->n_balances; i++) rc = evm_index_put(w, &g->balances[i].owner);
		for (size_t i = 0; rc == 0 && i < g->n_validators; i++) rc = evm_index_put(w, &g->validators[i].id);
		rc = rc ? (svm_store_abort(w), rc) : svm_store_commit(w, err);
	}
	if (rc == 0) rc = commit_block(c, &b, &res, &renc, roff, NULL, &hash, err);
	SVM_ASSERT(rc != 0 || (c->height == 0 && svm_hash_eq(&c->head_hash, &hash)));
	svm_arena_reset(&arena);
	return rc;
}

/* ------------------------------------------------------------ open/close */

static int load_head(svm_chain_t *c, svm_error_t *err)
{
	svm_store_txn_t *r;
	int rc = svm_store_read_begin(c->store, &r, err);
	if (rc) return rc;
	rc = params_get(r, &c->chain_id, &c->fees);
	if (rc == 0) rc = svm_store_meta_get_u64(r, "chain.height", &c->height);
	uint8_t key[8];
	svm_put_u64be(key, c->height);
	const uint8_t *p;
	size_t n;
	if (rc == 0) rc = svm_store_get(r, SVM_TABLE_HEIGHTS, key, 8, &p, &n);
	if (rc == 0 && n != SVM_HASH_SIZE) rc = SVM_EIO; /* a height maps to a block hash */
	if (rc == 0) memcpy(c->head_hash.b, p, SVM_HASH_SIZE);
	for (uint64_t i = 0; rc == 0 && i < SVM_RECENT_HASHES_MAX && i <= c->height; i++) {
		SVM_ASSERT(i <= c->height); /* c->height - i cannot wrap */
		svm_put_u64be(key, c->height - i);
		svm_hash_t *slot = &c->recent[(c->height - i) % SVM_RECENT_HASHES_MAX];
		if (svm_store_get(r, SVM_TABLE_HEIGHTS, key, 8, &p, &n) == 0 && n == SVM_HASH_SIZE)
			memcpy(slot->b, p, SVM_HASH_SIZE);
	}
	if (rc == 0) rc = svm_state_root(c->state, r, c->height, &c->head_root);
	if (rc == 0) rc = svm_store_get(r, SVM_TABLE_BLOCKS, c->head_hash.b, SVM_HASH_SIZE, &p, &n);
	if (rc == 0) {
		svm_header_t h;
		svm_arena_t a;
		svm_arena_init(&a, 0);
		svm_block_t blk;
		rc = svm_block_decode(p, n, &a, &blk, NULL, NULL);
		/* the head block is the one its height names (genesis is stored like any block) */
		SVM_ASSERT(rc != 0 || blk.header.height == c->height);
		h = blk.header;
		c->head_time_ms = h.timestamp_ms;
		svm_arena_reset(&a);
		/* the ring holds the head's hash at its height's slot (the EVM's BLOCKHASH reads it) */
		SVM_ASSERT(rc != 0 ||
			   svm_hash_eq(&c->recent[c->height % SVM_RECENT_HASHES_MAX], &c->head_hash));
	}
	svm_store_abort(r);
	if (rc == SVM_ENOTFOUND) return rc;
	return rc ? svm_error_set(err, rc, "chain: stored head is unreadable: %s", svm_strerror(rc)) : 0;
}

int svm_chain_open(svm_chain_t **out, const char *dir, const svm_genesis_t *g,
		   const svm_chain_config_t *cfg, svm_error_t *err)
{
	svm_chain_config_t defaults = {0};
	if (cfg == NULL) cfg = &defaults;
	int rc = svm_crypto_init();
	if (rc) return svm_error_set(err, rc, "chain: libsodium failed to initialise");
	svm_chain_t *c = svm_calloc(1, sizeof(*c));
	if (c == NULL) return svm_error_set(err, SVM_ENOMEM, "chain: out of memory");
	pthread_mutex_init(&c->mu, NULL);
	svm_token_id("SWR", &c->fee_token);
	c->threads = cfg->exec_threads ? cfg->exec_threads : svm_cpu_count();
	SVM_ASSERT(c->threads >= 1); /* work_begin opens at least one snapshot */
	c->fixed_set = cfg->fixed_set;
	c->lazy_commits = cfg->lazy_commits;
	svm_store_config_t scfg = {.map_size_bytes = cfg->map_bytes};
	svm_state_config_t stcfg = {.retain_heights = cfg->retain_heights};
	rc = svm_store_open(&c->store, dir, &scfg, err);
	if (rc == 0) rc = svm_state_open(&c->state, c->store, &stcfg, err);
	if (rc == 0) {
		rc = load_head(c, err);
		if (rc == SVM_ENOTFOUND && g == NULL)
			rc = svm_error_set(err, SVM_ENOTFOUND, "chain: %s holds no chain and no genesis was given", dir);
		else if (rc == SVM_ENOTFOUND) {
			rc = write_genesis(c, g, err);
			if (rc == 0) rc = load_head(c, err);
		} else if (rc == 0 && g && g->chain_id != c->chain_id)
			rc = svm_error_set(err, SVM_ECHAIN, "chain: %s holds chain %llu, genesis says %llu", dir,
					   (unsigned long long)c->chain_id, (unsigned long long)g->chain_id);
	}
	if (rc) {
		svm_chain_close(c);
		return rc;
	}
	SVM_ASSERT(g == NULL || g->chain_id == c->chain_id);
	*out = c;
	return 0;
}

void svm_chain_close(svm_chain_t *c)
{
	if (c == NULL) return;
	svm_state_close(c->state);
	svm_store_close(c->store);
	pthread_mutex_destroy(&c->mu);
	svm_free(c);
}

uint64_t svm_chain_id(const svm_chain_t *c) { return c->chain_id; }
const svm_fee_params_t *svm_chain_fees(const svm_chain_t *c) { return &c->fees; }

uint64_t svm_chain_height(svm_chain_t *c)
{
	pthread_mutex_lock(&c->mu);
	uint64_t h = c->height;
	pthread_mutex_unlock(&c->mu);
	return h;
}

void svm_chain_head(svm_chain_t *c, svm_hash_t *block_hash, svm_hash_t *state_root)
{
	pthread_mutex_lock(&c->mu);
	if (block_hash) *block_hash = c->head_hash;
	if (state_root) *state_root = c->head_root;
	pthread_mutex_unlock(&c->mu);
}

/* ---------------------------------------------------------- build/apply */

typedef struct {
	svm_arena_t arena;
	svm_store_txn_t *snap;
	svm_store_txn_t *wsnap[EXEC_SNAPSHOTS_MAX]; /* workers 1..: their own snapshots */
	unsigned threads;
	void *base_ud[1 + EXEC_SNAPSHOTS_MAX];
	svm_exec_base_t base;
	svm_block_env_t env;
	svm_exec_tx_t *txs;
	svm_exec_result_t res;
	svm_buf_t renc;
	svm_params_t params;
	svm_hash_t recent[SVM_RECENT_HASHES_MAX]; /* env.recent_hashes: parent first */
	uint64_t recent_top;                      /* the height of recent[0] */
} work_t;

/* The parameter object in the base state; the defaults with the stored fees when absent. */
static int head_params(const svm_exec_base_t *base, const svm_chain_t *c, svm_params_t *p)
{
	svm_id_t id;
	svm_params_id(&id);
	const uint8_t *b;
	size_t n;
	int rc = base->get(base->ud, 0, &id, &b, &n);
	if (rc == SVM_ENOTFOUND) {
		svm_params_default(p);
		p->fee_a = c->fees.a, p->fee_b = c->fees.b, p->fee_c = c->fees.c, p->fee_d = c->fees.d;
		return 0;
	}
	if (rc) return rc;
	rc = svm_params_from_object(b, n, p) ? SVM_EIO : 0;
	/* a stored parameter object passed svm_params_check: the limits never exceed the encoding's */
	SVM_ASSERT(rc != 0 || (p->block_txs_max <= SVM_BLOCK_TXS_MAX && p->block_bytes_max <= SVM_BLOCK_BYTES_MAX));
	return rc;
}

/* The congestion table in the base state (none: empty), into arena, for env. */
static int head_congestion(const svm_exec_base_t *base, svm_arena_t *arena, svm_block_env_t *env)
{
	svm_id_t id;
	svm_congestion_id(&id);
	const uint8_t *b;
	size_t n;
	env->congestion = NULL;
	env->congestion_len = 0;
	int rc = base->get(base->ud, 0, &id, &b, &n);
	if (rc == SVM_ENOTFOUND) return 0;
	svm_object_t o;
	if (rc == 0) rc = svm_object_decode(b, n, &o, NULL) ? SVM_EIO : 0;
	if (rc) return rc;
	svm_congestion_entry_t *t = svm_arena_alloc(arena, SVM_CONGESTION_OBJECTS_MAX * sizeof *t);
	if (t == NULL) return SVM_ENOMEM;
	if (svm_congestion_decode(o.payload, o.payload_len, t, SVM_CONGESTION_OBJECTS_MAX, &env->congestion_len))
		return SVM_EIO;
	SVM_ASSERT(env->congestion_len <= SVM_CONGESTION_OBJECTS_MAX); /* within t */
	env->congestion = t;
	return 0;
}

/* The governed parameters as the parent state (wk->base) holds them — a change takes effect in
 * the block after the one that made it — and the upgrade plan's verdict for wk->env.height. */
static int work_params(svm_chain_t *c, work_t *wk, svm_error_t *err)
{
	int rc;
	rc = head_params(&wk->base, c, &wk->params);
	if (rc) return svm_error_set(err, rc, "block: the parameter object is unreadable");
	wk->env.fees = (svm_fee_params_t){wk->params.fee_a, wk->params.fee_b, wk->params.fee_c,
					  wk->params.fee_d};
	wk->env.treasury_bps = wk->params.treasury_bps;
	wk->env.congestion_target_txs = wk->params.congestion_target_txs;
	wk->env.congestion_step_bps = wk->params.congestion_step_bps;
	wk->env.congestion_max_bps = wk->params.congestion_max_bps;
	wk->env.staking_epochs = true;
	wk->env.count_downtime = !c->fixed_set; /* late_qc: set from the header being run */
	rc = head_congestion(&wk->base, &wk->arena, &wk->env);
	if (rc) return svm_error_set(err, rc, "block: the congestion table is unreadable");
	SVM_ASSERT(wk->env.fees.a == wk->params.fee_a && wk->env.fees.d == wk->params.fee_d);
	/* a passed upgrade plan stops a node of another version at its height, before any block */
	svm_id_t uid;
	const uint8_t *ub;
	size_t un;
	svm_object_t uo;
	svm_upgrade_id(&uid);
	rc = wk->base.get(wk->base.ud, 0, &uid, &ub, &un);
	if (rc == SVM_ENOTFOUND) return 0;
	if (rc == 0) rc = svm_object_decode(ub, un, &uo, NULL) ? SVM_EIO : 0;
	if (rc) return svm_error_set(err, rc, "block: the upgrade plan is unreadable");
	return svm_upgrade_check(uo.payload, uo.payload_len, wk->env.height, SVM_NODE_VERSION, err);
}

static int work_begin(svm_chain_t *c, work_t *wk, size_t n, svm_error_t *err)
{
	memset(wk, 0, sizeof(*wk));
	svm_arena_init(&wk->arena, BLOCK_ARENA_MAX);
	int rc = svm_store_read_begin(c->store, &wk->snap, err);
	if (rc) return rc;
	wk->base_ud[0] = c->state;
	wk->base_ud[1] = wk->snap;
	wk->threads = 1;
	unsigned want = c->threads < EXEC_SNAPSHOTS_MAX ? c->threads : EXEC_SNAPSHOTS_MAX;
	for (; rc == 0 && wk->threads < want; wk->threads++) {
		rc = svm_store_read_begin(c->store, &wk->wsnap[wk->threads], NULL);
		if (rc) break; /* out of reader slots: run on fewer threads */
		wk->base_ud[1 + wk->threads] = wk->wsnap[wk->threads];
	}
	SVM_ASSERT(wk->threads >= 1 && wk->threads <= EXEC_SNAPSHOTS_MAX);
	wk->base = (svm_exec_base_t){base_get, wk->base_ud};
	wk->txs = svm_arena_alloc(&wk->arena, (n ? n : 1) * sizeof(*wk->txs));
	if (wk->txs == NULL) return svm_error_set(err, SVM_ENOMEM, "block: out of memory");
	pthread_mutex_lock(&c->mu);
	wk->env = (svm_block_env_t){.chain_id = c->chain_id, .height = c->height + 1,
				    .fees = c->fees, .fee_token = c->fee_token};
	wk->env.timestamp_ms = c->head_time_ms;
	wk->recent_top = c->height;
	uint32_t nr = c->height < SVM_RECENT_HASHES_MAX ? (uint32_t)c->height + 1 : SVM_RECENT_HASHES_MAX;
	SVM_ASSERT(nr >= 1 && nr <= SVM_RECENT_HASHES_MAX && nr <= c->height + 1);
	for (uint32_t i = 0; i < nr; i++) wk->recent[i] = c->recent[(c->height - i) % SVM_RECENT_HASHES_MAX];
	/* parent first: the newest hash is the head's */
	SVM_ASSERT(svm_hash_eq(&wk->recent[0], &c->head_hash));
	pthread_mutex_unlock(&c->mu);
	wk->env.recent_hashes = wk->recent;
	wk->env.recent_len = nr;
	SVM_ASSERT(wk->env.height == wk->recent_top + 1);
	return work_params(c, wk, err);
}

static void work_end(work_t *wk)
{
	SVM_ASSERT(wk->threads <= EXEC_SNAPSHOTS_MAX); /* wsnap[1..threads) were opened */
	for (unsigned i = 1; i < wk->threads; i++) svm_store_abort(wk->wsnap[i]);
	svm_store_abort(wk->snap);
	svm_buf_free(&wk->renc);
	svm_arena_reset(&wk->arena);
}

/* Roots and commit of an executed block; header fields other than roots come from the caller. */
static int finish_block(svm_chain_t *c, work_t *wk, commit_t *b, const svm_header_t *expect,
			svm_error_t *err)
{
	const svm_exec_result_t *res = &wk->res;
	size_t k = res->included;
	b->txs = svm_arena_alloc(&wk->arena, (k ? k : 1) * sizeof(svm_slice_t));
	svm_hash_t *ids = svm_arena_alloc(&wk->arena, (k ? k : 1) * sizeof(svm_hash_t));
	svm_hash_t *leaves = svm_arena_alloc(&wk->arena, (k ? k : 1) * sizeof(svm_hash_t));
	size_t *roff = svm_arena_alloc(&wk->arena, (k + 2) * sizeof(size_t));
	if (!b->txs || !ids || !leaves || !roff) return svm_error_set(err, SVM_ENOMEM, "block: out of memory");
	for (size_t i = 0; i < k; i++) {
		/* the included transactions in block order, each once */
		SVM_ASSERT(i == 0 || res->index[i] > res->index[i - 1]);
		const svm_exec_tx_t *t = &wk->txs[res->index[i]];
		SVM_ASSERT(t->bytes != NULL && t->len > 0);
		b->txs[i] = (svm_slice_t){t->bytes, t->len};
		ids[i] = t->id;
	}
	b->ids = ids;
	SVM_ASSERT(k <= SVM_BLOCK_TXS_MAX); /* fits the header's u32 count */
	SVM_ASSERT(b->header.height == wk->env.height && b->header.chain_id == c->chain_id);
	b->header.tx_count = (uint32_t)k;
	int rc = svm_block_tx_root(b->txs, k, &b->header.tx_root);
	if (rc == 0) rc = encode_receipts(res, b->header.height, &wk->renc, roff, leaves, &b->header.receipts_root);
	if (rc) return svm_error_set(err, rc, "block: %s", svm_strerror(rc));
	if (expect && !svm_hash_eq(&expect->tx_root, &b->header.tx_root))
		return svm_error_set(err, SVM_EVALIDATE, "block: transaction root mismatch");
	if (expect && !svm_hash_eq(&expect->receipts_root, &b->header.receipts_root))
		return svm_error_set(err, SVM_EVALIDATE, "block: receipts root mismatch");
	SVM_ASSERT(roff[0] == 0 && roff[k] <= roff[k + 1] && roff[k + 1] == wk->renc.len);
	svm_hash_t hash;
	return commit_block(c, b, res, &wk->renc, roff, expect ? &expect->state_root : NULL, &hash, err);
}

int svm_chain_build(svm_chain_t *c, const uint8_t *const *txs, const size_t *tx_lens, size_t n,
		    uint64_t timestamp_ms, const svm_id_t *proposer, svm_build_result_t *results,
		    svm_error_t *err)
{
	return svm_chain_build_verified(c, txs, tx_lens, n, NULL, timestamp_ms, proposer, results, err);
}

int svm_chain_build_verified(svm_chain_t *c, const uint8_t *const *txs, const size_t *tx_lens,
			     size_t n, const bool *sig_verified, uint64_t timestamp_ms,
			     const svm_id_t *proposer, svm_build_result_t *results, svm_error_t *err)
{
	uint64_t t0 = svm_clock_ns();
	work_t wk;
	svm_exec_metrics_t m = {0};
	/* Respect the block limits (the governed ones, never above the encoding's): take
	 * candidates in order while they fit. */
	int rc = work_begin(c, &wk, n, err);
	size_t take = 0, bytes = 1024; /* header and framing allowance */
	while (rc == 0 && take < n && take < wk.params.block_txs_max &&
	       bytes + tx_lens[take] + SVM_VARINT_MAX <= wk.params.block_bytes_max)
		bytes += tx_lens[take++] + SVM_VARINT_MAX;
	/* the candidates taken fit the governed limits */
	SVM_ASSERT(take <= n && (rc != 0 || take == 0 || (take <= wk.params.block_txs_max &&
							  bytes <= wk.params.block_bytes_max)));
	for (size_t i = take; results && i < n; i++) results[i].status = SVM_ELIMIT;
	if (rc == 0) {
		if (timestamp_ms > wk.env.timestamp_ms) wk.env.timestamp_ms = timestamp_ms;
		wk.env.proposer = *proposer;
		/* signatures the mempool did not check run beside execution */
		rc = svm_exec_block_signed(&wk.env, txs, tx_lens, take, sig_verified, SVM_EXEC_BUILD,
					   &wk.base, wk.threads, &wk.arena, wk.txs, &wk.res, NULL, &m);
		if (rc) rc = svm_error_set(err, rc, "build: %s", svm_strerror(rc));
		SVM_ASSERT(rc != 0 || wk.res.included <= take); /* a subset of the candidates run */
	} /* else work_begin's message stands (an upgrade plan's, for one) */
	c->stats.prepare_ns = m.decode_ns;
	c->stats.execute_ns = svm_clock_ns() - t0 - m.decode_ns;
	stats_exec(&c->stats, &m);
	for (size_t i = 0; rc == 0 && results && i < take; i++) results[i].status = wk.res.status[i];
	if (rc == 0) {
		commit_t b = {0};
		b.header = (svm_header_t){.chain_id = c->chain_id, .height = wk.env.height,
					  .timestamp_ms = wk.env.timestamp_ms, .proposer = *proposer};
		svm_chain_head(c, &b.header.parent, NULL);
		rc = finish_block(c, &wk, &b, NULL, err);
	}
	work_end(&wk);
	return rc;
}

int svm_chain_apply(svm_chain_t *c, const uint8_t *block, size_t len, svm_error_t *err)
{
	uint64_t t0 = svm_clock_ns();
	work_t wk;
	int rc = work_begin(c, &wk, 0, err);
	svm_block_t blk = {0}; /* read only when decode succeeded; zeroed for the linter */
	if (rc == 0) rc = svm_block_decode(block, len, &wk.arena, &blk, NULL, err);
	const svm_header_t *h = &blk.header;
	svm_hash_t parent;
	svm_chain_head(c, &parent, NULL);
	if (rc == 0 && h->chain_id != c->chain_id)
		rc = svm_error_set(err, SVM_ECHAIN, "block: chain id %llu, expected %llu",
				   (unsigned long long)h->chain_id, (unsigned long long)c->chain_id);
	if (rc == 0 && h->height != wk.env.height)
		rc = svm_error_set(err, SVM_EVALIDATE, "block: height %llu, expected %llu",
				   (unsigned long long)h->height, (unsigned long long)wk.env.height);
	if (rc == 0 && !svm_hash_eq(&h->parent, &parent))
		rc = svm_error_set(err, SVM_EVALIDATE, "block: parent is not the head");
	if (rc == 0 && (blk.txs_len > wk.params.block_txs_max || len > wk.params.block_bytes_max))
		rc = svm_error_set(err, SVM_ELIMIT, "block: %u transactions in %zu bytes exceed the governed limits (%llu, %llu)",
				   blk.txs_len, len, (unsigned long long)wk.params.block_txs_max,
				   (unsigned long long)wk.params.block_bytes_max);
	if (rc == 0 && h->timestamp_ms < wk.env.timestamp_ms)
		rc = svm_error_set(err, SVM_EVALIDATE, "block: timestamp before its parent's");
	const uint8_t **ptrs = NULL;
	size_t *lens = NULL, bad = 0;
	svm_exec_tx_t *etxs = NULL;
	if (rc == 0) {
		SVM_ASSERT(blk.txs_len == h->tx_count && (blk.txs_len == 0 || blk.txs != NULL));
		ptrs = svm_arena_alloc(&wk.arena, (blk.txs_len + 1) * sizeof(*ptrs));
		lens = svm_arena_alloc(&wk.arena, (blk.txs_len + 1) * sizeof(*lens));
		etxs = svm_arena_alloc(&wk.arena, (blk.txs_len + 1) * sizeof(*etxs));
		if (!ptrs || !lens || !etxs) rc = svm_error_set(err, SVM_ENOMEM, "block: out of memory");
	}
	for (uint32_t i = 0; rc == 0 && i < blk.txs_len; i++) {
		/* the decoder's transactions lie inside the block's bytes */
		SVM_ASSERT(blk.txs[i].p > block && blk.txs[i].p + blk.txs[i].len <= block + len);
		ptrs[i] = blk.txs[i].p;
		lens[i] = blk.txs[i].len;
	}
	if (rc == 0) {
		wk.txs = etxs;
		wk.env.timestamp_ms = h->timestamp_ms;
		wk.env.proposer = h->proposer;
		wk.env.late_qc = h->late_qc;
		wk.env.late_qc_len = h->late_qc_len;
		/* signature checks run beside execution */
		svm_exec_metrics_t m = {0};
		uint64_t t1 = svm_clock_ns();
		rc = svm_exec_block_signed(&wk.env, ptrs, lens, blk.txs_len, NULL, SVM_EXEC_APPLY,
					   &wk.base, wk.threads, &wk.arena, wk.txs, &wk.res, &bad, &m);
		/* applying a block includes every transaction or fails */
		SVM_ASSERT(rc != 0 || wk.res.included == blk.txs_len);
		c->stats.prepare_ns = t1 - t0 + m.decode_ns;
		c->stats.execute_ns = svm_clock_ns() - t1 - m.decode_ns;
		stats_exec(&c->stats, &m);
		if (rc) rc = svm_error_set(err, rc, "block: transaction %zu cannot be included: %s", bad,
					   svm_strerror(rc));
	}
	if (rc == 0) {
		commit_t b = {.header = *h};
		rc = finish_block(c, &wk, &b, h, err);
	}
	work_end(&wk);
	return rc;
}

int svm_chain_simulate(svm_chain_t *c, const uint8_t *tx, size_t len, svm_buf_t *receipt_out,
		       svm_error_t *err)
{
	work_t wk;
	int rc = work_begin(c, &wk, 1, err);
	if (rc == 0) rc = svm_exec_prepare(c->chain_id, &tx, &len, 1, NULL, 1, &wk.arena, wk.txs);
	if (rc == 0) rc = svm_exec_sequential(&wk.env, wk.txs, 1, SVM_EXEC_BUILD, &wk.base, &wk.arena,
					      &wk.res, NULL);
	SVM_ASSERT(rc != 0 || wk.res.included <= 1);
	/* one candidate: included exactly when its status is 0 */
	SVM_ASSERT(rc != 0 || (wk.res.included == 1) == (wk.res.status[0] == 0));
	if (rc == 0 && wk.res.status[0])
		rc = svm_error_set(err, wk.res.status[0], "transaction cannot be included: %s",
				   svm_strerror(wk.res.status[0]));
	if (rc == 0) rc = svm_receipt_encode(&wk.res.receipts[0], receipt_out);
	work_end(&wk);
	return rc;
}

int svm_chain_query_exec(svm_chain_t *c, svm_exec_system_fn fn, void *ud, svm_error_t *err)
{
	work_t wk;
	int rc = work_begin(c, &wk, 1, err);
	if (rc == 0) rc = svm_exec_system(&wk.env, &wk.base, fn, ud, &wk.arena, &wk.res);
	work_end(&wk);
	return rc;
}

/* The state as of the end of one retained height: svm_state_get_at through the work's snapshot. */
typedef struct {
	svm_state_t *st;
	svm_store_txn_t *txn;
	uint64_t height;
} at_base_t;

static int base_get_at(void *ud, unsigned worker, const svm_id_t *id, const uint8_t **bytes, size_t *len)
{
	const at_base_t *a = ud;
	(void)worker; /* one worker: queries run on the calling thread */
	SVM_ASSERT(worker == 0);
	return svm_state_get_at(a->st, a->txn, a->height, id, bytes, len);
}

/* Points wk at the state and block environment right after block `height` (< the head): the
 * block hashes ending with height's, its timestamp, the parameters then. */
static int work_at(svm_chain_t *c, work_t *wk, at_base_t *at, uint64_t height, svm_error_t *err)
{
	uint64_t head = wk->env.height - 1, min = 0;
	SVM_ASSERT(height < head); /* the head's own state is wk's already */
	int rc = svm_state_height_min(c->state, wk->snap, &min);
	if (rc) return svm_error_set(err, rc, "query: the retention window is unreadable");
	if (height < min)
		return svm_error_set(err, SVM_ESTATE,
				     "state at block %llu is pruned: this node keeps the state of blocks %llu..%llu "
				     "(retain_heights %llu)",
				     (unsigned long long)height, (unsigned long long)min, (unsigned long long)head,
				     (unsigned long long)(head - min + 1));
	*at = (at_base_t){c->state, wk->snap, height};
	wk->base = (svm_exec_base_t){base_get_at, at};
	wk->env.height = height + 1;
	uint32_t nr = height < SVM_RECENT_HASHES_MAX ? (uint32_t)height + 1 : SVM_RECENT_HASHES_MAX;
	SVM_ASSERT(nr >= 1 && nr <= SVM_RECENT_HASHES_MAX && height >= min);
	for (uint32_t i = 0; i < nr && rc == 0; i++) {
		uint8_t key[8];
		const uint8_t *hash;
		size_t hlen;
		svm_put_u64be(key, height - i);
		rc = svm_store_get(wk->snap, SVM_TABLE_HEIGHTS, key, 8, &hash, &hlen);
		if (rc == 0 && hlen != SVM_HASH_SIZE) rc = SVM_EIO;
		if (rc == 0) memcpy(wk->recent[i].b, hash, SVM_HASH_SIZE);
		if (rc == SVM_ENOTFOUND) { /* as load_head: a height without a block reads as zeros */
			memset(wk->recent[i].b, 0, SVM_HASH_SIZE);
			rc = 0;
		}
	}
	if (rc) return svm_error_set(err, rc, "query: block %llu's hash is unreadable", (unsigned long long)height);
	SVM_ASSERT(wk->env.recent_hashes == wk->recent && wk->env.height == height + 1);
	wk->env.recent_len = nr;
	wk->recent_top = height;
	const uint8_t *p;
	size_t n;
	svm_block_t b;
	rc = svm_store_get(wk->snap, SVM_TABLE_BLOCKS, wk->recent[0].b, SVM_HASH_SIZE, &p, &n);
	if (rc == 0) rc = svm_block_decode(p, n, &wk->arena, &b, NULL, NULL) ? SVM_EIO : 0;
	if (rc == SVM_ENOTFOUND) rc = 0; /* genesis has no stored block: time 0 */
	else if (rc == 0) wk->env.timestamp_ms = b.header.timestamp_ms;
	else return svm_error_set(err, rc, "query: block %llu is unreadable", (unsigned long long)height);
	if (height == 0) wk->env.timestamp_ms = 0;
	return work_params(c, wk, err);
}

int svm_chain_query_exec_at(svm_chain_t *c, uint64_t height, svm_exec_system_fn fn, void *ud, svm_error_t *err)
{
	work_t wk;
	at_base_t at;
	int rc = work_begin(c, &wk, 1, err);
	uint64_t head = wk.env.height - 1;
	if (rc == 0 && height > head)
		rc = svm_error_set(err, SVM_ENOTFOUND, "block %llu is not committed yet (the head is %llu)",
				   (unsigned long long)height, (unsigned long long)head);
	if (rc == 0 && height < head) rc = work_at(c, &wk, &at, height, err);
	SVM_ASSERT(rc != 0 || wk.env.height == height + 1); /* runs as the block after height */
	if (rc == 0) rc = svm_exec_system(&wk.env, &wk.base, fn, ud, &wk.arena, &wk.res);
	work_end(&wk);
	return rc;
}

void svm_chain_last_stats(svm_chain_t *c, svm_block_stats_t *out)
{
	pthread_mutex_lock(&c->mu);
	*out = c->last;
	pthread_mutex_unlock(&c->mu);
}

svm_store_t *svm_chain_store_(svm_chain_t *c) { return c->store; }
svm_state_t *svm_chain_state_(svm_chain_t *c) { return c->state; }

/* ------------------------------------------------- speculative execution */

/* A block executed on top of a parent that may not be committed yet (consensus votes on a
 * block before its parent commits). Its writes are kept in memory; reads during execution see
 * the uncommitted ancestors' writes first (newest first), then the committed state. */
struct svm_chain_spec {
	svm_chain_spec_t *parent;   /* NULL: built on the committed head */
	uint64_t parent_height;     /* copied so a committed parent is never dereferenced */
	svm_hash_t id;
	svm_header_t header;        /* parent_qc / vrf_proof / late_qc point into block */
	uint8_t *block;             /* the block's encoding (owned) */
	size_t block_len;
	svm_slice_t *txs;           /* into block */
	svm_hash_t *ids;
	svm_buf_t renc;             /* receipt encodings, offsets roff[0..n] (+ the settlement's: n + 1) */
	size_t *roff;
	svm_state_write_t *writes;  /* sorted by id; bytes owned by the arena */
	size_t n_writes;
	svm_arena_t arena;
	svm_exec_metrics_t exec; /* what its execution did (for the stats once it commits) */
};

#define SPEC_DEPTH_MAX 64 /* uncommitted ancestors a block may stand on */

/* The uncommitted ancestors of a block whose parent is `parent`, oldest first: the chain from
 * the head up to parent. SVM_ESTATE if parent does not descend from the committed head. */
static int spec_ancestors(svm_chain_t *c, svm_chain_spec_t *parent, svm_chain_spec_t **out,
			  size_t *n, svm_error_t *err)
{
	uint64_t head_h;
	svm_hash_t head;
	pthread_mutex_lock(&c->mu);
	head_h = c->height;
	head = c->head_hash;
	pthread_mutex_unlock(&c->mu);
	size_t k = 0;
	svm_chain_spec_t *p = parent;
	uint64_t ph = parent != NULL ? parent->header.height : head_h;
	if (parent != NULL && ph <= head_h) {
		/* The parent itself is committed (or lost): it must be the head. */
		if (ph != head_h || !svm_hash_eq(&parent->id, &head))
			return svm_error_set(err, SVM_ESTATE, "speculative parent is not on the chain");
		p = NULL;
	}
	while (p != NULL) {
		if (k == SPEC_DEPTH_MAX) return svm_error_set(err, SVM_ELIMIT, "too many uncommitted ancestors");
		/* each step goes one height down */
		SVM_ASSERT(k == 0 || p->header.height + 1 == out[k - 1]->header.height);
		SVM_ASSERT(p->parent_height + 1 == p->header.height);
		out[k++] = p;
		if (p->parent_height <= head_h) {
			if (p->parent_height != head_h || !svm_hash_eq(&p->header.parent, &head))
				return svm_error_set(err, SVM_ESTATE, "speculative chain does not extend the head");
			break;
		}
		p = p->parent;
	}
	for (size_t i = 0; i < k / 2; i++) { /* oldest first */
		svm_chain_spec_t *t = out[i];
		out[i] = out[k - 1 - i];
		out[k - 1 - i] = t;
	}
	/* oldest first, heights one apart, the oldest standing on the committed head */
	for (size_t i = 1; i < k; i++) SVM_ASSERT(out[i]->header.height == out[i - 1]->header.height + 1);
	SVM_ASSERT(k == 0 || out[0]->parent_height == head_h);
	*n = k;
	return 0;
}

typedef struct {
	void **base_ud;               /* chain.c's base view */
	svm_chain_spec_t **anc;
	size_t n_anc;
} spec_view_t;

static const svm_state_write_t *spec_find(const svm_chain_spec_t *s, const svm_id_t *id)
{
	size_t lo = 0, hi = s->n_writes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		SVM_ASSERT(mid < s->n_writes);
		int cmp = svm_hash_cmp(&s->writes[mid].id, id);
		if (cmp == 0) return &s->writes[mid];
		if (cmp < 0) lo = mid + 1;
		else hi = mid;
	}
	return NULL;
}

static int spec_get(void *ud, unsigned worker, const svm_id_t *id, const uint8_t **bytes, size_t *len)
{
	spec_view_t *v = ud;
	SVM_ASSERT(v->n_anc <= SPEC_DEPTH_MAX && (v->n_anc == 0 || v->anc != NULL));
	for (size_t i = v->n_anc; i-- > 0;) {
		const svm_state_write_t *w = spec_find(v->anc[i], id);
		if (w == NULL) continue;
		if (w->bytes == NULL) return SVM_ENOTFOUND;
		*bytes = w->bytes;
		*len = w->len;
		return 0;
	}
	return base_get(v->base_ud, worker, id, bytes, len);
}

/* The state root after the ancestors' writes and then writes (height h), in a write
 * transaction that is aborted: nothing is stored. */
static int spec_state_root(svm_chain_t *c, svm_chain_spec_t **anc, size_t n_anc,
			   const svm_state_write_t *writes, size_t n_writes, uint64_t h,
			   svm_hash_t *root, svm_error_t *err)
{
	/* the ancestors replayed oldest first, the new block right after the last */
	SVM_ASSERT(n_anc == 0 || h == anc[n_anc - 1]->header.height + 1);
	svm_store_txn_t *w;
	int rc = svm_store_write_begin(c->store, &w, err);
	if (rc) return rc;
	for (size_t i = 0; rc == 0 && i < n_anc; i++)
		rc = svm_state_apply(c->state, w, anc[i]->header.height, anc[i]->writes, anc[i]->n_writes,
				     NULL, err);
	if (rc == 0) rc = svm_state_apply(c->state, w, h, writes, n_writes, root, err);
	svm_store_abort(w);
	return rc;
}

/* Copies what an executed block leaves (writes, receipts, roots) into a new spec. */
static int spec_finish(svm_chain_t *c, work_t *wk, svm_chain_spec_t **anc, size_t n_anc,
		       svm_chain_spec_t *s, svm_header_t *hdr, const svm_header_t *expect,
		       svm_error_t *err)
{
	const svm_exec_result_t *res = &wk->res;
	size_t k = res->included;
	s->txs = svm_arena_alloc(&s->arena, (k ? k : 1) * sizeof(svm_slice_t));
	s->ids = svm_arena_alloc(&s->arena, (k ? k : 1) * sizeof(svm_hash_t));
	svm_hash_t *leaves = svm_arena_alloc(&wk->arena, (k ? k : 1) * sizeof(svm_hash_t));
	s->roff = svm_arena_alloc(&s->arena, (k + 2) * sizeof(size_t));
	s->writes = svm_arena_alloc(&s->arena, (res->writes_len ? res->writes_len : 1) * sizeof(svm_state_write_t));
	if (!s->txs || !s->ids || !leaves || !s->roff || !s->writes)
		return svm_error_set(err, SVM_ENOMEM, "block: out of memory");
	for (size_t i = 0; i < k; i++) {
		SVM_ASSERT(i == 0 || res->index[i] > res->index[i - 1]);
		const svm_exec_tx_t *t = &wk->txs[res->index[i]];
		s->txs[i] = (svm_slice_t){t->bytes, t->len};
		s->ids[i] = t->id;
	}
	for (size_t i = 0; i < res->writes_len; i++) {
		/* sorted by id, each id once: spec_find's binary search relies on it */
		SVM_ASSERT(i == 0 || svm_hash_cmp(&res->writes[i - 1].id, &res->writes[i].id) < 0);
		s->writes[i] = res->writes[i];
		if (res->writes[i].bytes != NULL) {
			s->writes[i].bytes = svm_arena_dup(&s->arena, res->writes[i].bytes, res->writes[i].len);
			if (s->writes[i].bytes == NULL) return svm_error_set(err, SVM_ENOMEM, "block: out of memory");
		}
	}
	s->n_writes = res->writes_len;
	SVM_ASSERT(k <= SVM_BLOCK_TXS_MAX && hdr->height == wk->env.height);
	hdr->tx_count = (uint32_t)k;
	int rc = svm_block_tx_root(s->txs, k, &hdr->tx_root);
	if (rc == 0) rc = encode_receipts(res, hdr->height, &s->renc, s->roff, leaves, &hdr->receipts_root);
	if (rc) return svm_error_set(err, rc, "block: %s", svm_strerror(rc));
	if (expect && !svm_hash_eq(&expect->tx_root, &hdr->tx_root))
		return svm_error_set(err, SVM_EVALIDATE, "block: transaction root mismatch");
	if (expect && !svm_hash_eq(&expect->receipts_root, &hdr->receipts_root))
		return svm_error_set(err, SVM_EVALIDATE, "block: receipts root mismatch");
	rc = spec_state_root(c, anc, n_anc, s->writes, s->n_writes, hdr->height, &hdr->state_root, err);
	if (rc) return rc;
	if (expect && !svm_hash_eq(&expect->state_root, &hdr->state_root))
		return svm_error_set(err, SVM_EVALIDATE, "block %llu: state root mismatch",
				     (unsigned long long)hdr->height);
	SVM_ASSERT(s->roff[0] == 0 && s->roff[k + 1] == s->renc.len);
	return 0;
}

/* Keeps an owned copy of the block's encoding and points header and txs into it. */
static int spec_own_block(svm_chain_spec_t *s, const svm_header_t *hdr, svm_error_t *err)
{
	svm_buf_t enc = {0};
	svm_block_t b = {.header = *hdr, .txs = s->txs, .txs_len = hdr->tx_count};
	int rc = svm_block_encode(&b, &enc);
	if (rc == 0) {
		s->block = svm_arena_dup(&s->arena, enc.data, enc.len);
		s->block_len = enc.len;
		if (s->block == NULL) rc = SVM_ENOMEM;
	}
	svm_buf_free(&enc);
	svm_block_t dec;
	if (rc == 0) rc = svm_block_decode(s->block, s->block_len, &s->arena, &dec, &s->id, err);
	if (rc == 0) {
		/* our own encoding decodes to the header and transactions it was made of */
		SVM_ASSERT(dec.txs_len == hdr->tx_count && dec.header.height == hdr->height &&
			   svm_hash_eq(&dec.header.state_root, &hdr->state_root) &&
			   svm_hash_eq(&dec.header.tx_root, &hdr->tx_root));
		s->header = dec.header;
		for (size_t i = 0; i < dec.txs_len; i++) {
			SVM_ASSERT(dec.txs[i].len == s->txs[i].len);
			s->txs[i] = dec.txs[i];
		}
	}
	return rc ? svm_error_set(err, rc, "block: cannot encode: %s", svm_strerror(rc)) : 0;
}

static svm_chain_spec_t *spec_new(svm_chain_spec_t *parent, uint64_t parent_height)
{
	/* a child of an uncommitted parent stands one height above it */
	SVM_ASSERT(parent == NULL || parent->header.height == parent_height);
	svm_chain_spec_t *s = svm_calloc(1, sizeof *s);
	if (s == NULL) return NULL;
	svm_arena_init(&s->arena, BLOCK_ARENA_MAX);
	s->parent = parent;
	s->parent_height = parent_height;
	return s;
}

void svm_chain_spec_free(svm_chain_spec_t *s)
{
	if (s == NULL) return;
	svm_buf_free(&s->renc);
	svm_arena_reset(&s->arena);
	svm_free(s);
}

/* Opens the work of a block on top of parent (or the head): the view, height and the
 * parent's timestamp. */
static int spec_begin(svm_chain_t *c, svm_chain_spec_t *parent, work_t *wk, size_t n,
		      svm_chain_spec_t **anc, size_t *n_anc, spec_view_t *view, svm_hash_t *parent_id,
		      svm_error_t *err)
{
	memset(wk, 0, sizeof *wk); /* work_end is then always safe */
	int rc = spec_ancestors(c, parent, anc, n_anc, err);
	if (rc == 0) rc = work_begin(c, wk, n, err);
	if (rc) return rc;
	SVM_ASSERT(*n_anc <= SPEC_DEPTH_MAX);
	if (*n_anc > 0) {
		svm_chain_spec_t *p = anc[*n_anc - 1];
		wk->env.height = p->header.height + 1;
		wk->env.timestamp_ms = p->header.timestamp_ms;
		*parent_id = p->id;
		/* the uncommitted ancestors' hashes go before the committed ones, newest first */
		for (size_t i = 0; i < *n_anc; i++) {
			if (anc[i]->header.height <= wk->recent_top) continue; /* committed meanwhile */
			SVM_ASSERT(anc[i]->header.height == wk->recent_top + 1);
			memmove(wk->recent + 1, wk->recent, (SVM_RECENT_HASHES_MAX - 1) * sizeof wk->recent[0]);
			wk->recent[0] = anc[i]->id;
			wk->recent_top++;
			if (wk->env.recent_len < SVM_RECENT_HASHES_MAX) wk->env.recent_len++;
		}
	} else {
		svm_chain_head(c, parent_id, NULL);
	}
	/* the block goes right after its parent, committed or not */
	SVM_ASSERT(wk->env.height == (*n_anc ? anc[*n_anc - 1]->header.height + 1 : wk->recent_top + 1));
	*view = (spec_view_t){wk->base_ud, anc, *n_anc};
	wk->base = (svm_exec_base_t){spec_get, view};
	return work_params(c, wk, err); /* as the uncommitted ancestors left them */
}

int svm_chain_spec_build(svm_chain_t *c, svm_chain_spec_t *parent, const svm_header_t *tmpl,
			 const uint8_t *const *txs, const size_t *tx_lens, size_t n,
			 const bool *sig_verified, svm_build_result_t *results,
			 svm_chain_spec_t **out, svm_error_t *err)
{
	*out = NULL;
	svm_chain_spec_t *anc[SPEC_DEPTH_MAX];
	size_t n_anc = 0;
	spec_view_t view;
	svm_hash_t parent_id;
	work_t wk;
	int rc = spec_begin(c, parent, &wk, n, anc, &n_anc, &view, &parent_id, err);
	/* the governed block limits (never above the encoding's) */
	size_t take = 0, bytes = 1024 + tmpl->parent_qc_len + tmpl->vrf_proof_len + tmpl->late_qc_len;
	while (rc == 0 && take < n && take < wk.params.block_txs_max &&
	       bytes + tx_lens[take] + SVM_VARINT_MAX <= wk.params.block_bytes_max)
		bytes += tx_lens[take++] + SVM_VARINT_MAX;
	SVM_ASSERT(take <= n && (take == 0 || bytes <= wk.params.block_bytes_max));
	for (size_t i = take; results && i < n; i++) results[i].status = SVM_ELIMIT;
	svm_chain_spec_t *s = NULL;
	svm_exec_metrics_t m = {0};
	if (rc == 0 && (tmpl->height != wk.env.height || !svm_hash_eq(&tmpl->parent, &parent_id)))
		rc = svm_error_set(err, SVM_EINVAL, "build: template is not for the parent's child");
	if (rc == 0) {
		if (tmpl->timestamp_ms > wk.env.timestamp_ms) wk.env.timestamp_ms = tmpl->timestamp_ms;
		wk.env.proposer = tmpl->proposer;
		wk.env.late_qc = tmpl->late_qc;
		wk.env.late_qc_len = tmpl->late_qc_len;
		rc = svm_exec_block_signed(&wk.env, txs, tx_lens, take, sig_verified, SVM_EXEC_BUILD,
					   &wk.base, wk.threads, &wk.arena, wk.txs, &wk.res, NULL, &m);
		if (rc) svm_error_set(err, rc, "build: %s", svm_strerror(rc));
		SVM_ASSERT(rc != 0 || wk.res.included <= take);
	}
	for (size_t i = 0; rc == 0 && results && i < take; i++) results[i].status = wk.res.status[i];
	if (rc == 0 && (s = spec_new(parent, parent ? parent->header.height : wk.env.height - 1)) == NULL)
		rc = svm_error_set(err, SVM_ENOMEM, "build: out of memory");
	if (rc == 0) s->exec = m;
	if (rc == 0) {
		svm_header_t h = *tmpl;
		h.timestamp_ms = wk.env.timestamp_ms;
		rc = spec_finish(c, &wk, anc, n_anc, s, &h, NULL, err);
		if (rc == 0) rc = spec_own_block(s, &h, err);
	}
	work_end(&wk);
	if (rc) {
		svm_chain_spec_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int svm_chain_spec_execute(svm_chain_t *c, svm_chain_spec_t *parent, const uint8_t *block,
			   size_t len, svm_chain_spec_t **out, svm_error_t *err)
{
	return svm_chain_spec_execute_verified(c, parent, block, len, NULL, out, err);
}

int svm_chain_spec_execute_verified(svm_chain_t *c, svm_chain_spec_t *parent, const uint8_t *block,
				    size_t len, const bool *sig_verified, svm_chain_spec_t **out,
				    svm_error_t *err)
{
	*out = NULL;
	svm_chain_spec_t *anc[SPEC_DEPTH_MAX];
	size_t n_anc = 0;
	spec_view_t view;
	svm_hash_t parent_id;
	work_t wk;
	svm_block_t blk = {0}; /* read only when decode succeeded; zeroed for the linter */
	int rc = spec_begin(c, parent, &wk, 0, anc, &n_anc, &view, &parent_id, err);
	if (rc == 0) rc = svm_block_decode(block, len, &wk.arena, &blk, NULL, err);
	const svm_header_t *h = &blk.header;
	if (rc == 0 && h->chain_id != c->chain_id)
		rc = svm_error_set(err, SVM_ECHAIN, "block: chain id %llu, expected %llu",
				   (unsigned long long)h->chain_id, (unsigned long long)c->chain_id);
	if (rc == 0 && h->height != wk.env.height)
		rc = svm_error_set(err, SVM_EVALIDATE, "block: height %llu, expected %llu",
				   (unsigned long long)h->height, (unsigned long long)wk.env.height);
	if (rc == 0 && !svm_hash_eq(&h->parent, &parent_id))
		rc = svm_error_set(err, SVM_EVALIDATE, "block: parent is not the given parent");
	if (rc == 0 && h->timestamp_ms < wk.env.timestamp_ms)
		rc = svm_error_set(err, SVM_EVALIDATE, "block: timestamp before its parent's");
	if (rc == 0 && (blk.txs_len > wk.params.block_txs_max || len > wk.params.block_bytes_max))
		rc = svm_error_set(err, SVM_ELIMIT, "block: %u transactions in %zu bytes exceed the governed limits (%llu, %llu)",
				   blk.txs_len, len, (unsigned long long)wk.params.block_txs_max,
				   (unsigned long long)wk.params.block_bytes_max);
	const uint8_t **ptrs = NULL;
	size_t *lens = NULL, bad = 0;
	svm_exec_metrics_t m = {0};
	if (rc == 0) {
		ptrs = svm_arena_alloc(&wk.arena, (blk.txs_len + 1) * sizeof(*ptrs));
		lens = svm_arena_alloc(&wk.arena, (blk.txs_len + 1) * sizeof(*lens));
		wk.txs = svm_arena_alloc(&wk.arena, (blk.txs_len + 1) * sizeof(*wk.txs));
		if (!ptrs || !lens || !wk.txs) rc = svm_error_set(err, SVM_ENOMEM, "block: out of memory");
	}
	for (uint32_t i = 0; rc == 0 && i < blk.txs_len; i++) {
		SVM_ASSERT(blk.txs[i].p > block && blk.txs[i].p + blk.txs[i].len <= block + len);
		ptrs[i] = blk.txs[i].p;
		lens[i] = blk.txs[i].len;
	}
	if (rc == 0) {
		wk.env.timestamp_ms = h->timestamp_ms;
		wk.env.proposer = h->proposer;
		wk.env.late_qc = h->late_qc;
		wk.env.late_qc_len = h->late_qc_len;
		rc = svm_exec_block_signed(&wk.env, ptrs, lens, blk.txs_len, sig_verified, SVM_EXEC_APPLY,
					   &wk.base, wk.threads, &wk.arena, wk.txs, &wk.res, &bad, &m);
		if (rc) rc = svm_error_set(err, rc, "block: transaction %zu cannot be included: %s", bad,
					   svm_strerror(rc));
		SVM_ASSERT(rc != 0 || wk.res.included == blk.txs_len);
	}
	svm_chain_spec_t *s = NULL;
	if (rc == 0 && (s = spec_new(parent, h->height - 1)) == NULL)
		rc = svm_error_set(err, SVM_ENOMEM, "block: out of memory");
	if (rc == 0) s->exec = m;
	if (rc == 0) {
		svm_header_t hdr = *h;
		rc = spec_finish(c, &wk, anc, n_anc, s, &hdr, h, err);
		if (rc == 0) rc = spec_own_block(s, &hdr, err);
	}
	work_end(&wk);
	if (rc) {
		svm_chain_spec_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int svm_chain_spec_commit(svm_chain_t *c, svm_chain_spec_t *s, const uint8_t *qc, size_t qc_len,
			  svm_error_t *err)
{
	svm_hash_t head;
	svm_chain_head(c, &head, NULL);
	if (s->header.height != svm_chain_height(c) + 1 || !svm_hash_eq(&s->header.parent, &head))
		return svm_error_set(err, SVM_ESTATE, "commit: block %llu does not extend the head",
				     (unsigned long long)s->header.height);
	SVM_ASSERT(s->block != NULL && s->roff != NULL && (s->n_writes == 0 || s->writes != NULL));
	commit_t b = {.header = s->header, .txs = s->txs, .ids = s->ids, .qc = qc, .qc_len = qc_len};
	svm_exec_result_t res = {.writes = s->writes, .writes_len = s->n_writes};
	svm_hash_t hash;
	stats_exec(&c->stats, &s->exec);
	/* a block is committed only with the root it was executed to */
	SVM_ASSERT(s->header.tx_count == 0 || (s->txs != NULL && s->ids != NULL));
	return commit_block(c, &b, &res, &s->renc, s->roff, &s->header.state_root, &hash, err);
}

const svm_hash_t *svm_chain_spec_id(const svm_chain_spec_t *s) { return &s->id; }
const svm_header_t *svm_chain_spec_header(const svm_chain_spec_t *s) { return &s->header; }
const uint8_t *svm_chain_spec_block(const svm_chain_spec_t *s, size_t *len)
{
	*len = s->block_len;
	return s->block;
}

int svm_chain_block_qc(svm_chain_t *c, uint64_t height, svm_buf_t *out)
{
	uint8_t key[10] = {'q', 'c'};
	svm_put_u64be(key + 2, height);
	svm_store_txn_t *r;
	int rc = svm_store_read_begin(c->store, &r, NULL);
	if (rc) return rc;
	const uint8_t *p;
	size_t n;
	rc = svm_store_get(r, SVM_TABLE_META, key, sizeof key, &p, &n);
	SVM_ASSERT(rc != 0 || n > 0); /* commit_block stores only a QC of qc_len > 0 */
	if (rc == 0) rc = svm_buf_append(out, p, n);
	svm_store_abort(r);
	return rc;
}

svm_store_t *svm_chain_store(svm_chain_t *c) { return c->store; }

int svm_chain_params(svm_chain_t *c, svm_params_t *out)
{
	svm_store_txn_t *r;
	int rc = svm_store_read_begin(c->store, &r, NULL);
	if (rc) return rc;
	void *ud[2] = {c->state, r};
	svm_exec_base_t base = {base_get, ud};
	rc = head_params(&base, c, out);
	svm_store_abort(r);
	return rc;
}

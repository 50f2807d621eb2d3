/* Chain-level tests: genesis, block building and application with the sequential reference
 * executor, fees, nonces, strict access, and the ledger's conservation properties. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chaintest.h"

static const svm_fee_params_t FEES = {.a = 1000, .b = 2, .c = 1, .d = 0};
#define FEE_LIMIT 100000

static svm_id_t swr, aic;

static void setup(void)
{
	cr_assert_eq(svm_crypto_init(), 0);
	svm_token_id("SWR", &swr);
	svm_token_id("AIC", &aic);
}

typedef struct {
	char dir[64];
	svm_chain_t *c;
	svm_genesis_t g;
} fixture_t;

static void open_chain(fixture_t *f, size_t accounts)
{
	ct_tmpdir(f->dir);
	cr_assert_eq(ct_genesis(&f->g, accounts, 1000000000, 5000, &FEES), 0);
	svm_error_t err = {0};
	svm_chain_config_t cfg = {.map_bytes = 1ull << 30, .exec_threads = 2};
	int rc = svm_chain_open(&f->c, f->dir, &f->g, &cfg, &err);
	cr_assert_eq(rc, 0, "open: %s", err.msg);
}

static void close_chain(fixture_t *f)
{
	svm_chain_close(f->c);
	svm_genesis_free(&f->g);
	ct_rmdir(f->dir);
}

/* A batch of candidate transactions. */
typedef struct {
	svm_buf_t bytes[512];
	const uint8_t *ptr[512];
	size_t len[512];
	svm_hash_t id[512];
	size_t n;
} batch_t;

static void batch_add_transfer(batch_t *b, const svm_keypair_t *kp, const svm_id_t *token,
			       const svm_id_t *to, uint64_t amount, const ct_txopt_t *opt)
{
	cr_assert_lt(b->n, 512);
	svm_buf_t *buf = &b->bytes[b->n];
	memset(buf, 0, sizeof(*buf));
	cr_assert_eq(ct_transfer(buf, kp, token, to, amount, opt, &b->id[b->n]), 0);
	b->ptr[b->n] = buf->data;
	b->len[b->n] = buf->len;
	b->n++;
}

static void batch_free(batch_t *b)
{
	for (size_t i = 0; i < b->n; i++) svm_buf_free(&b->bytes[i]);
	b->n = 0;
}

static uint64_t balance(svm_chain_t *c, const svm_id_t *token, const svm_id_t *owner)
{
	uint64_t v;
	cr_assert_eq(svm_chain_balance(c, token, owner, &v), 0);
	return v;
}

static uint64_t supply(svm_chain_t *c, const svm_id_t *token)
{
	svm_id_t id;
	svm_token_object_id(token, &id);
	svm_buf_t b = {0};
	cr_assert_eq(svm_chain_object(c, &id, &b), 0);
	svm_object_t o;
	cr_assert_eq(svm_object_decode(b.data, b.len, &o, NULL), 0);
	svm_reader_t r = svm_reader(o.payload, o.payload_len);
	uint64_t sym, dec, sup;
	const uint8_t *s;
	cr_assert_eq(svm_varint_read(&r, &sym), 0);
	cr_assert_eq(svm_reader_bytes(&r, sym, &s), 0);
	cr_assert_eq(svm_varint_read(&r, &dec), 0);
	cr_assert_eq(svm_varint_read(&r, &sup), 0);
	svm_buf_free(&b);
	return sup;
}

static void receipt_of(svm_chain_t *c, const svm_hash_t *id, svm_receipt_t *r, svm_buf_t *buf,
		       svm_arena_t *a)
{
	cr_assert_eq(svm_chain_receipt(c, id, buf, NULL, NULL, NULL, NULL), 0);
	cr_assert_eq(svm_receipt_decode(buf->data, buf->len, a, r, NULL), 0);
}

Test(chain, genesis_funds_accounts_and_sets_supply, .init = setup)
{
	fixture_t f;
	open_chain(&f, 4);
	svm_keypair_t k;
	ct_key(3, &k);
	cr_assert_eq(balance(f.c, &swr, &k.id), 1000000000);
	cr_assert_eq(balance(f.c, &aic, &k.id), 5000);
	cr_assert_eq(supply(f.c, &swr), 4000000000ull);
	cr_assert_eq(supply(f.c, &aic), 20000);
	cr_assert_eq(svm_chain_height(f.c), 0);
	close_chain(&f);
}

Test(chain, transfer_moves_value_and_pays_fee_and_tip, .init = setup)
{
	fixture_t f;
	open_chain(&f, 3);
	svm_keypair_t a, b, p;
	ct_key(0, &a);
	ct_key(1, &b);
	ct_key(2, &p);
	batch_t batch = {0};
	ct_txopt_t opt = {.chain_id = 7, .nonce = 0, .fee_limit = FEE_LIMIT, .tip = 7, .strict = true};
	batch_add_transfer(&batch, &a, &aic, &b.id, 1234, &opt);
	svm_build_result_t res[1];
	svm_error_t err = {0};
	cr_assert_eq(svm_chain_build(f.c, batch.ptr, batch.len, 1, 1, &p.id, res, &err), 0, "%s", err.msg);
	cr_assert_eq(res[0].status, 0);
	svm_arena_t ar;
	svm_arena_init(&ar, 0);
	svm_buf_t rb = {0};
	svm_receipt_t r;
	receipt_of(f.c, &batch.id[0], &r, &rb, &ar);
	cr_assert_eq(r.status, 0);
	cr_assert_eq(r.tip_paid, 7);
	uint64_t fee;
	cr_assert_eq(svm_exec_fee(&FEES, batch.len[0], r.steps, 0, &fee), 0);
	cr_assert_eq(r.fee_charged, fee);
	cr_assert_gt(r.steps, 0);
	cr_assert_eq(r.events_len, 1);
	cr_assert_eq(balance(f.c, &aic, &a.id), 5000 - 1234);
	cr_assert_eq(balance(f.c, &aic, &b.id), 5000 + 1234);
	cr_assert_eq(balance(f.c, &swr, &a.id), 1000000000 - fee - 7);
	/* the tip goes to the tips pool (paid to the validators at the epoch), not the proposer */
	cr_assert_eq(balance(f.c, &swr, &p.id), 1000000000);
	svm_id_t pool;
	svm_staking_tips_id(&pool);
	cr_assert_eq(balance(f.c, &swr, &pool), 7);
	/* the treasury's share (treasury_bps, 10% by default) stays in the supply; the rest burns */
	svm_id_t treasury;
	svm_treasury_id(&treasury);
	cr_assert_eq(balance(f.c, &swr, &treasury), fee / 10);
	cr_assert_eq(supply(f.c, &swr), 3000000000ull - fee + fee / 10);
	uint64_t nonce;
	cr_assert_eq(svm_chain_nonce(f.c, &a.id, &nonce), 0);
	cr_assert_eq(nonce, 1);
	svm_buf_free(&rb);
	svm_arena_reset(&ar);
	batch_free(&batch);
	close_chain(&f);
}

Test(chain, failed_transaction_pays_fee_and_changes_nothing_else, .init = setup)
{
	fixture_t f;
	open_chain(&f, 2);
	svm_keypair_t a, b;
	ct_key(0, &a);
	ct_key(1, &b);
	batch_t batch = {0};
	ct_txopt_t opt = {.chain_id = 7, .fee_limit = FEE_LIMIT, .strict = true};
	batch_add_transfer(&batch, &a, &aic, &b.id, 5001, &opt); /* more than a has */
	opt.nonce = 1;
	opt.undeclared = true; /* strict, recipient balance not declared */
	batch_add_transfer(&batch, &a, &aic, &b.id, 1, &opt);
	svm_build_result_t res[2];
	svm_error_t err = {0};
	cr_assert_eq(svm_chain_build(f.c, batch.ptr, batch.len, 2, 1, &b.id, res, &err), 0, "%s", err.msg);
	cr_assert_eq(res[0].status, 0);
	cr_assert_eq(res[1].status, 0);
	svm_arena_t ar;
	svm_arena_init(&ar, 0);
	svm_buf_t rb1 = {0}, rb2 = {0};
	svm_receipt_t r1, r2;
	receipt_of(f.c, &batch.id[0], &r1, &rb1, &ar);
	receipt_of(f.c, &batch.id[1], &r2, &rb2, &ar);
	cr_assert_eq(r1.status, svm_receipt_status(SVM_EFUNDS));
	cr_assert_eq(r2.status, svm_receipt_status(SVM_EACCESS));
	cr_assert_eq(r1.events_len, 0);
	cr_assert_eq(balance(f.c, &aic, &a.id), 5000);
	cr_assert_eq(balance(f.c, &aic, &b.id), 5000);
	cr_assert_eq(balance(f.c, &swr, &a.id), 1000000000 - r1.fee_charged - r2.fee_charged);
	cr_assert_gt(r1.fee_charged, 0);
	svm_buf_free(&rb1);
	svm_buf_free(&rb2);
	svm_arena_reset(&ar);
	batch_free(&batch);
	close_chain(&f);
}

Test(chain, invalid_candidates_are_left_out_with_their_reason, .init = setup)
{
	fixture_t f;
	open_chain(&f, 2);
	svm_keypair_t a, b, stranger;
	ct_key(0, &a);
	ct_key(1, &b);
	ct_key(99, &stranger);
	batch_t batch = {0};
	ct_txopt_t opt = {.chain_id = 7, .fee_limit = FEE_LIMIT};
	batch_add_transfer(&batch, &a, &aic, &b.id, 1, &opt);        /* ok */
	batch_add_transfer(&batch, &a, &aic, &b.id, 2, &opt);        /* nonce 0 again */
	opt.nonce = 5;
	batch_add_transfer(&batch, &a, &aic, &b.id, 3, &opt);        /* nonce gap */
	opt.nonce = 0;
	opt.chain_id = 8;
	batch_add_transfer(&batch, &b, &aic, &a.id, 4, &opt);        /* wrong chain */
	opt.chain_id = 7;
	opt.expiry = 0;
	batch_add_transfer(&batch, &stranger, &aic, &a.id, 5, &opt); /* cannot pay the fee */
	opt.fee_limit = 10;
	batch_add_transfer(&batch, &b, &aic, &a.id, 6, &opt);        /* fee limit below intrinsic */
	opt.fee_limit = FEE_LIMIT;
	batch.bytes[0].data[batch.len[0] - 1] ^= 1;                  /* corrupt the signature of #0 */
	svm_build_result_t res[6];
	svm_error_t err = {0};
	cr_assert_eq(svm_chain_build(f.c, batch.ptr, batch.len, 6, 1, &b.id, res, &err), 0, "%s", err.msg);
	cr_assert_eq(res[0].status, SVM_ESIG);
	cr_assert_eq(res[1].status, 0, "with #0 out, #1 holds nonce 0");
	cr_assert_eq(res[2].status, SVM_ENONCE);
	cr_assert_eq(res[3].status, SVM_ECHAIN);
	cr_assert_eq(res[4].status, SVM_EFUNDS);
	cr_assert_eq(res[5].status, SVM_EFEE);
	svm_buf_t blk = {0};
	cr_assert_eq(svm_chain_block(f.c, 1, &blk), 0);
	svm_arena_t ar;
	svm_arena_init(&ar, 0);
	svm_block_t bl;
	cr_assert_eq(svm_block_decode(blk.data, blk.len, &ar, &bl, NULL, NULL), 0);
	cr_assert_eq(bl.txs_len, 1);
	svm_arena_reset(&ar);
	svm_buf_free(&blk);
	batch_free(&batch);
	close_chain(&f);
}

/* Random blocks of transfers among `accounts` keys; returns the total burned. */
static uint64_t run_random_blocks(svm_chain_t *c, unsigned seed, size_t accounts, int blocks,
				  uint64_t *nonces)
{
	srand(seed);
	uint64_t burned = 0;
	svm_keypair_t *keys = calloc(accounts, sizeof(*keys));
	for (size_t i = 0; i < accounts; i++) ct_key(i, &keys[i]);
	for (int blkno = 0; blkno < blocks; blkno++) {
		batch_t *batch = calloc(1, sizeof(*batch));
		size_t n = 20 + (size_t)(rand() % 100);
		for (size_t i = 0; i < n; i++) {
			size_t from = (size_t)rand() % accounts, to = (size_t)rand() % accounts;
			ct_txopt_t opt = {.chain_id = 7, .nonce = nonces[from], .fee_limit = FEE_LIMIT,
					  .tip = (uint64_t)(rand() % 3), .strict = rand() % 2};
			if (rand() % 10 == 0) opt.nonce = nonces[from] ? nonces[from] - 1 : 1; /* replay */
			else nonces[from]++;
			uint64_t amount = (uint64_t)(rand() % 3000); /* sometimes more than the balance */
			batch_add_transfer(batch, &keys[from], rand() % 2 ? &aic : &swr, &keys[to].id,
					   amount, &opt);
		}
		svm_build_result_t *res = calloc(n, sizeof(*res));
		svm_error_t err = {0};
		cr_assert_eq(svm_chain_build(c, batch->ptr, batch->len, n, 1, &keys[0].id, res, &err), 0,
			     "seed %u: %s", seed, err.msg);
		for (size_t i = 0; i < n; i++) {
			if (res[i].status) {
				cr_assert_eq(res[i].status, SVM_ENONCE, "seed %u: tx %zu: %d", seed, i, res[i].status);
				continue;
			}
			svm_arena_t ar;
			svm_arena_init(&ar, 0);
			svm_buf_t rb = {0};
			svm_receipt_t r;
			receipt_of(c, &batch->id[i], &r, &rb, &ar);
			burned += r.fee_charged;
			svm_buf_free(&rb);
			svm_arena_reset(&ar);
		}
		free(res);
		batch_free(batch);
		free(batch);
	}
	free(keys);
	return burned;
}

Test(chain, property_supply_is_conserved_except_burned_fees_and_no_balance_goes_negative,
     .init = setup)
{
	unsigned seed = ct_seed();
	fixture_t f;
	open_chain(&f, 12);
	uint64_t nonces[12] = {0};
	uint64_t burned = run_random_blocks(f.c, seed, 12, 6, nonces);
	unsigned __int128 sum_swr = 0, sum_aic = 0;
	for (size_t i = 0; i < 12; i++) {
		svm_keypair_t k;
		ct_key(i, &k);
		uint64_t s = balance(f.c, &swr, &k.id), a = balance(f.c, &aic, &k.id);
		cr_assert_leq(s, 12000000000ull, "seed %u: balance wrapped", seed);
		cr_assert_leq(a, 60000, "seed %u: balance wrapped", seed);
		sum_swr += s;
		sum_aic += a;
	}
	svm_id_t pool; /* the tips (paid out to the validators at the epoch) */
	svm_staking_tips_id(&pool);
	sum_swr += balance(f.c, &swr, &pool);
	cr_assert(sum_swr + burned == 12000000000ull, "seed %u: SWR not conserved", seed);
	cr_assert(sum_aic == 60000, "seed %u: AIC not conserved", seed);
	/* the treasury holds its share of each block's fees (floored per block), the rest burned */
	svm_id_t treasury;
	svm_treasury_id(&treasury);
	uint64_t t = balance(f.c, &swr, &treasury);
	cr_assert(t <= burned / 10 && t + 6 >= burned / 10, "seed %u: treasury %llu of fees %llu", seed,
		  (unsigned long long)t, (unsigned long long)burned);
	cr_assert(supply(f.c, &swr) == sum_swr + t, "seed %u: supply != sum of balances", seed);
	cr_assert_gt(burned, 0);
	close_chain(&f);
}

Test(chain, property_a_nonce_is_used_once, .init = setup)
{
	fixture_t f;
	open_chain(&f, 2);
	svm_keypair_t a, b;
	ct_key(0, &a);
	ct_key(1, &b);
	batch_t batch = {0};
	ct_txopt_t opt = {.chain_id = 7, .fee_limit = FEE_LIMIT};
	batch_add_transfer(&batch, &a, &aic, &b.id, 10, &opt);
	svm_build_result_t res[1];
	cr_assert_eq(svm_chain_build(f.c, batch.ptr, batch.len, 1, 1, &b.id, res, NULL), 0);
	cr_assert_eq(res[0].status, 0);
	/* The very same bytes again, in the next block. */
	cr_assert_eq(svm_chain_build(f.c, batch.ptr, batch.len, 1, 2, &b.id, res, NULL), 0);
	cr_assert_eq(res[0].status, SVM_ENONCE);
	cr_assert_eq(balance(f.c, &aic, &b.id), 5010);
	svm_buf_t rb = {0};
	svm_error_t err;
	cr_assert_eq(svm_chain_simulate(f.c, batch.ptr[0], batch.len[0], &rb, &err), SVM_ENONCE);
	svm_buf_free(&rb);
	batch_free(&batch);
	close_chain(&f);
}

Test(chain, property_reapplying_blocks_on_a_fresh_store_gives_identical_roots, .init = setup)
{
	unsigned seed = ct_seed() ^ 0x5eed;
	fixture_t f, g;
	open_chain(&f, 8);
	open_chain(&g, 8);
	uint64_t nonces[8] = {0};
	run_random_blocks(f.c, seed, 8, 5, nonces);
	uint64_t h = svm_chain_height(f.c);
	cr_assert_eq(h, 5);
	for (uint64_t i = 1; i <= h; i++) {
		svm_buf_t blk = {0};
		cr_assert_eq(svm_chain_block(f.c, i, &blk), 0);
		svm_error_t err = {0};
		cr_assert_eq(svm_chain_apply(g.c, blk.data, blk.len, &err), 0, "seed %u height %llu: %s",
			     seed, (unsigned long long)i, err.msg);
		svm_buf_free(&blk);
	}
	svm_hash_t fh, fr, gh, gr;
	svm_chain_head(f.c, &fh, &fr);
	svm_chain_head(g.c, &gh, &gr);
	cr_assert(svm_hash_eq(&fh, &gh), "seed %u: block hashes differ", seed);
	cr_assert(svm_hash_eq(&fr, &gr), "seed %u: state roots differ", seed);
	close_chain(&f);
	close_chain(&g);
}

Test(chain, apply_rejects_a_tampered_block_and_commits_nothing, .init = setup)
{
	fixture_t f, g;
	open_chain(&f, 2);
	open_chain(&g, 2);
	svm_keypair_t a, b;
	ct_key(0, &a);
	ct_key(1, &b);
	batch_t batch = {0};
	ct_txopt_t opt = {.chain_id = 7, .fee_limit = FEE_LIMIT};
	batch_add_transfer(&batch, &a, &aic, &b.id, 10, &opt);
	cr_assert_eq(svm_chain_build(f.c, batch.ptr, batch.len, 1, 1, &b.id, NULL, NULL), 0);
	svm_buf_t blk = {0};
	cr_assert_eq(svm_chain_block(f.c, 1, &blk), 0);
	svm_arena_t ar;
	svm_arena_init(&ar, 0);
	svm_block_t bl;
	cr_assert_eq(svm_block_decode(blk.data, blk.len, &ar, &bl, NULL, NULL), 0);
	svm_hash_t root0;
	svm_chain_head(g.c, NULL, &root0);
	/* A wrong state root, a wrong receipts root, a wrong height: each rejected. */
	for (int which = 0; which < 3; which++) {
		svm_block_t t = bl;
		if (which == 0) t.header.state_root.b[0] ^= 1;
		if (which == 1) t.header.receipts_root.b[5] ^= 1;
		if (which == 2) t.header.height = 2;
		svm_buf_t enc = {0};
		cr_assert_eq(svm_block_encode(&t, &enc), 0);
		svm_error_t err = {0};
		cr_assert_neq(svm_chain_apply(g.c, enc.data, enc.len, &err), 0, "variant %d", which);
		cr_assert_eq(svm_chain_height(g.c), 0);
		svm_hash_t r;
		svm_chain_head(g.c, NULL, &r);
		cr_assert(svm_hash_eq(&r, &root0));
		cr_assert_eq(balance(g.c, &aic, &b.id), 5000);
		svm_buf_free(&enc);
	}
	svm_error_t err = {0};
	cr_assert_eq(svm_chain_apply(g.c, blk.data, blk.len, &err), 0, "%s", err.msg);
	cr_assert_eq(balance(g.c, &aic, &b.id), 5010);
	svm_arena_reset(&ar);
	svm_buf_free(&blk);
	batch_free(&batch);
	close_chain(&f);
	close_chain(&g);
}

Test(chain, receipt_proof_verifies_against_the_block_receipts_root, .init = setup)
{
	fixture_t f;
	open_chain(&f, 4);
	batch_t batch = {0};
	for (uint64_t i = 0; i < 4; i++) {
		svm_keypair_t k, to;
		ct_key(i, &k);
		ct_key((i + 1) % 4, &to);
		ct_txopt_t opt = {.chain_id = 7, .fee_limit = FEE_LIMIT};
		batch_add_transfer(&batch, &k, &aic, &to.id, 1 + i, &opt);
	}
	cr_assert_eq(svm_chain_build(f.c, batch.ptr, batch.len, 4, 1, &batch.id[0], NULL, NULL), 0);
	svm_buf_t blk = {0};
	cr_assert_eq(svm_chain_block(f.c, 1, &blk), 0);
	svm_arena_t ar;
	svm_arena_init(&ar, 0);
	svm_block_t bl;
	cr_assert_eq(svm_block_decode(blk.data, blk.len, &ar, &bl, NULL, NULL), 0);
	for (size_t i = 0; i < 4; i++) {
		svm_buf_t rec = {0}, proof = {0};
		uint64_t h;
		uint32_t idx, count;
		cr_assert_eq(svm_chain_receipt(f.c, &batch.id[i], &rec, &proof, &h, &idx, &count), 0);
		cr_assert_eq(h, 1);
		cr_assert_eq(count, 4);
		svm_merkle_proof_t p = {.index = idx, .size = count, .len = (uint32_t)(proof.len / 32)};
		memcpy(p.path, proof.data, proof.len);
		svm_hash_t leaf;
		svm_merkle_leaf_hash(rec.data, rec.len, &leaf);
		cr_assert_eq(svm_merkle_verify(&bl.header.receipts_root, &leaf, &p), 0);
		leaf.b[0] ^= 1;
		cr_assert_eq(svm_merkle_verify(&bl.header.receipts_root, &leaf, &p), SVM_EPROOF);
		svm_buf_free(&rec);
		svm_buf_free(&proof);
	}
	svm_arena_reset(&ar);
	svm_buf_free(&blk);
	batch_free(&batch);
	close_chain(&f);
}

Test(chain, state_proof_of_a_balance_verifies_and_reopen_keeps_head, .init = setup)
{
	fixture_t f;
	open_chain(&f, 2);
	svm_keypair_t a, b;
	ct_key(0, &a);
	ct_key(1, &b);
	batch_t batch = {0};
	ct_txopt_t opt = {.chain_id = 7, .fee_limit = FEE_LIMIT};
	batch_add_transfer(&batch, &a, &aic, &b.id, 10, &opt);
	cr_assert_eq(svm_chain_build(f.c, batch.ptr, batch.len, 1, 1, &b.id, NULL, NULL), 0);
	svm_id_t bal;
	svm_balance_id(&aic, &b.id, &bal);
	svm_buf_t obj = {0}, proof = {0};
	svm_hash_t root, vh;
	uint64_t h;
	cr_assert_eq(svm_chain_object(f.c, &bal, &obj), 0);
	cr_assert_eq(svm_chain_prove(f.c, &bal, &proof, &root, &h), 0);
	cr_assert_eq(h, 1);
	svm_state_value_hash(obj.data, obj.len, &vh);
	cr_assert_eq(svm_state_proof_verify(&root, &bal, &vh, proof.data, proof.len), 0);
	cr_assert_neq(svm_state_proof_verify(&root, &bal, NULL, proof.data, proof.len), 0);
	svm_hash_t head;
	svm_chain_head(f.c, &head, NULL);
	svm_chain_close(f.c);
	svm_error_t err = {0};
	cr_assert_eq(svm_chain_open(&f.c, f.dir, NULL, NULL, &err), 0, "%s", err.msg);
	svm_hash_t head2, root2;
	svm_chain_head(f.c, &head2, &root2);
	cr_assert(svm_hash_eq(&head, &head2));
	cr_assert(svm_hash_eq(&root, &root2));
	cr_assert_eq(svm_chain_height(f.c), 1);
	svm_buf_free(&obj);
	svm_buf_free(&proof);
	batch_free(&batch);
	close_chain(&f);
}

Test(genesis, rejects_malformed_files_with_a_message)
{
	const char *bad[] = {
		"{",
		"[]",
		"{\"fees\":{\"a\":1,\"b\":1,\"c\":1,\"d\":1}}",
		"{\"chain_id\":-1,\"fees\":{\"a\":1,\"b\":1,\"c\":1,\"d\":1}}",
		"{\"chain_id\":1}",
		"{\"chain_id\":1,\"fees\":{\"a\":1,\"b\":1,\"c\":1}}",
		"{\"chain_id\":1,\"fees\":{\"a\":1,\"b\":1,\"c\":1,\"d\":1},\"balances\":[{\"owner\":\"zz\",\"token\":\"SWR\",\"amount\":1}]}",
		("{\"chain_id\":1,\"fees\":{\"a\":1,\"b\":1,\"c\":1,\"d\":1},\"balances\":[{\"owner\":\""
		 "0000000000000000000000000000000000000000000000000000000000000000\",\"token\":\"XYZ\",\"amount\":1}]}"),
		"{\"chain_id\":\"018\",\"fees\":{\"a\":1,\"b\":1,\"c\":1,\"d\":1}}",
		"{\"chain_id\":1,\"fees\":{\"a\":1,\"b\":1,\"c\":1,\"d\":1},\"devnet\":1}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		svm_genesis_t g;
		svm_error_t err = {0};
		cr_assert_eq(svm_genesis_parse(&g, bad[i], strlen(bad[i]), &err), SVM_EDECODE, "case %zu", i);
		cr_assert_neq(err.msg[0], 0, "case %zu has a message", i);
	}
	const char *good = "{\"chain_id\":\"18446744073709551615\",\"fees\":{\"a\":1,\"b\":2,\"c\":3,\"d\":4},"
			   "\"devnet\":true,\"validators\":[{\"public_key\":"
			   "\"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\",\"stake\":5}]}";
	svm_genesis_t g;
	cr_assert_eq(svm_genesis_parse(&g, good, strlen(good), NULL), 0);
	cr_assert_eq(g.chain_id, UINT64_MAX);
	cr_assert_eq(g.fees.d, 4);
	cr_assert(g.devnet);
	cr_assert_eq(g.n_validators, 1);
	cr_assert_eq(g.validators[0].stake, 5);
	svm_genesis_free(&g);
}

Test(chain, build_verified_skips_only_the_signature_check_and_gives_the_same_block, .init = setup)
{
	fixture_t f, g, h;
	open_chain(&f, 3);
	open_chain(&g, 3);
	open_chain(&h, 3);
	batch_t batch = {0};
	for (uint64_t i = 0; i < 3; i++) {
		svm_keypair_t k, to;
		ct_key(i, &k);
		ct_key((i + 1) % 3, &to);
		ct_txopt_t opt = {.chain_id = 7, .fee_limit = FEE_LIMIT};
		batch_add_transfer(&batch, &k, &aic, &to.id, 10 + i, &opt);
	}
	bool verified[3] = {true, true, true};
	svm_build_result_t rf[3], rg[3];
	cr_assert_eq(svm_chain_build(f.c, batch.ptr, batch.len, 3, 5, &batch.id[0], rf, NULL), 0);
	cr_assert_eq(svm_chain_build_verified(g.c, batch.ptr, batch.len, 3, verified, 5, &batch.id[0], rg,
					      NULL), 0);
	svm_hash_t hf, hg;
	svm_chain_head(f.c, &hf, NULL);
	svm_chain_head(g.c, &hg, NULL);
	cr_assert(svm_hash_eq(&hf, &hg));
	/* Another validator applying the block checks every signature itself. */
	svm_buf_t blk = {0};
	cr_assert_eq(svm_chain_block(g.c, 1, &blk), 0);
	svm_error_t err = {0};
	cr_assert_eq(svm_chain_apply(h.c, blk.data, blk.len, &err), 0, "%s", err.msg);
	svm_buf_free(&blk);
	/* A bad signature marked unverified is still caught. */
	batch.bytes[0].data[batch.len[0] - 1] ^= 1;
	bool some[1] = {false};
	svm_build_result_t r1[1];
	cr_assert_eq(svm_chain_build_verified(h.c, batch.ptr, batch.len, 1, some, 6, &batch.id[0], r1, NULL), 0);
	cr_assert_eq(r1[0].status, SVM_ESIG);
	batch_free(&batch);
	close_chain(&f);
	close_chain(&g);
	close_chain(&h);
}

/* Speculative execution for consensus (chain.h "speculative execution"): blocks executed on top
 * of uncommitted parents give the same roots, state and stored blocks as committing one block
 * at a time; a received block is checked like svm_chain_apply; commits must extend the head;
 * the QC stored with a block comes back. */
#include <criterion/criterion.h>
#include <string.h>

#include "lib/chaintest.h"

static const svm_fee_params_t FEES = {.a = 1000, .b = 2, .c = 1, .d = 0};

typedef struct {
	char dir[64];
	svm_chain_t *c;
	svm_genesis_t g;
} fx_t;

static void open_fx(fx_t *f)
{
	cr_assert_eq(svm_crypto_init(), 0);
	ct_tmpdir(f->dir);
	cr_assert_eq(ct_genesis(&f->g, 4, 1000000000, 5000, &FEES), 0);
	svm_error_t err = {0};
	svm_chain_config_t cfg = {.map_bytes = 1ull << 30, .exec_threads = 2};
	cr_assert_eq(svm_chain_open(&f->c, f->dir, &f->g, &cfg, &err), 0, "open: %s", err.msg);
}

static void close_fx(fx_t *f)
{
	svm_chain_close(f->c);
	svm_genesis_free(&f->g);
	ct_rmdir(f->dir);
}

/* Transfers from key 0 to key 1 with nonces [from, from + n). */
static void txs(svm_buf_t *bufs, const uint8_t **ptr, size_t *len, uint64_t from, size_t n)
{
	svm_keypair_t a, b;
	ct_key(0, &a);
	ct_key(1, &b);
	svm_id_t swr;
	svm_token_id("SWR", &swr);
	for (size_t i = 0; i < n; i++) {
		memset(&bufs[i], 0, sizeof bufs[i]);
		ct_txopt_t o = {.chain_id = 7, .nonce = from + i, .fee_limit = 100000};
		svm_hash_t id;
		cr_assert_eq(ct_transfer(&bufs[i], &a, &swr, &b.id, 10 + i, &o, &id), 0);
		ptr[i] = bufs[i].data;
		len[i] = bufs[i].len;
	}
}

static svm_header_t tmpl_for(svm_chain_t *c, svm_chain_spec_t *parent, uint64_t round)
{
	svm_header_t h = {.chain_id = 7, .round = round, .timestamp_ms = 1000 + round};
	if (parent != NULL) {
		h.height = svm_chain_spec_header(parent)->height + 1;
		h.parent = *svm_chain_spec_id(parent);
	} else {
		h.height = svm_chain_height(c) + 1;
		svm_chain_head(c, &h.parent, NULL);
	}
	return h;
}

Test(chain_spec, a_chain_of_uncommitted_blocks_matches_on_a_second_node_and_commits)
{
	fx_t p, q;
	open_fx(&p);
	open_fx(&q);
	svm_buf_t bufs[8];
	const uint8_t *ptr[8];
	size_t len[8];
	svm_error_t err = {0};
	/* B1: nonces 0..3 on the head; B2: nonces 4..7 on B1 (valid only after B1's writes). */
	svm_chain_spec_t *b1, *b2, *r1, *r2;
	txs(bufs, ptr, len, 0, 8);
	svm_header_t t1 = tmpl_for(p.c, NULL, 1);
	cr_assert_eq(svm_chain_spec_build(p.c, NULL, &t1, ptr, len, 4, NULL, NULL, &b1, &err), 0, "%s", err.msg);
	svm_header_t t2 = tmpl_for(p.c, b1, 2);
	uint8_t qc[3] = {1, 2, 3};
	t2.parent_qc = qc;
	t2.parent_qc_len = 3;
	svm_build_result_t res[4];
	cr_assert_eq(svm_chain_spec_build(p.c, b1, &t2, ptr + 4, len + 4, 4, NULL, res, &b2, &err), 0, "%s", err.msg);
	for (int i = 0; i < 4; i++) cr_assert_eq(res[i].status, 0, "tx %d: %d", i, res[i].status);
	cr_assert_eq(svm_chain_spec_header(b2)->tx_count, 4);
	cr_assert_eq(svm_chain_height(p.c), 0, "nothing committed yet");
	/* The other node executes the same bytes and gets the same ids. */
	size_t l1, l2;
	const uint8_t *e1 = svm_chain_spec_block(b1, &l1), *e2 = svm_chain_spec_block(b2, &l2);
	cr_assert_eq(svm_chain_spec_execute(q.c, NULL, e1, l1, &r1, &err), 0, "%s", err.msg);
	cr_assert_eq(svm_chain_spec_execute(q.c, r1, e2, l2, &r2, &err), 0, "%s", err.msg);
	cr_assert(svm_hash_eq(svm_chain_spec_id(b2), svm_chain_spec_id(r2)));
	/* B2 on the wrong parent (the head) is refused; nothing changes. */
	svm_chain_spec_t *bad;
	cr_assert_neq(svm_chain_spec_execute(q.c, NULL, e2, l2, &bad, &err), 0);
	/* Commit order: the child first is refused. */
	cr_assert_eq(svm_chain_spec_commit(q.c, r2, NULL, 0, &err), SVM_ESTATE);
	cr_assert_eq(svm_chain_spec_commit(q.c, r1, qc, 3, &err), 0, "%s", err.msg);
	cr_assert_eq(svm_chain_spec_commit(q.c, r2, NULL, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(svm_chain_spec_commit(p.c, b1, qc, 3, &err), 0, "%s", err.msg);
	/* b1 is committed: a block built on it now sees the committed state, not its overlay. */
	cr_assert_eq(svm_chain_spec_commit(p.c, b2, NULL, 0, &err), 0, "%s", err.msg);
	svm_hash_t hp, hq, rp, rq;
	svm_chain_head(p.c, &hp, &rp);
	svm_chain_head(q.c, &hq, &rq);
	cr_assert(svm_hash_eq(&hp, &hq) && svm_hash_eq(&rp, &rq));
	cr_assert(svm_hash_eq(&hp, svm_chain_spec_id(b2)));
	cr_assert(svm_hash_eq(&rp, &svm_chain_spec_header(b2)->state_root), "the speculative root is the committed one");
	svm_buf_t got = {0};
	cr_assert_eq(svm_chain_block_qc(p.c, 1, &got), 0);
	cr_assert(got.len == 3 && memcmp(got.data, qc, 3) == 0);
	cr_assert_eq(svm_chain_block_qc(p.c, 2, &got), SVM_ENOTFOUND);
	/* The nonce advanced through both blocks. */
	svm_keypair_t a;
	ct_key(0, &a);
	uint64_t nonce;
	cr_assert_eq(svm_chain_nonce(p.c, &a.id, &nonce), 0);
	cr_assert_eq(nonce, 8);
	svm_buf_free(&got);
	svm_chain_spec_free(b1), svm_chain_spec_free(b2), svm_chain_spec_free(r1), svm_chain_spec_free(r2);
	for (int i = 0; i < 8; i++) svm_buf_free(&bufs[i]);
	close_fx(&p);
	close_fx(&q);
}

Test(chain_spec, a_block_with_a_wrong_root_or_a_repeated_nonce_is_refused)
{
	fx_t p, q;
	open_fx(&p);
	open_fx(&q);
	svm_buf_t bufs[2];
	const uint8_t *ptr[2];
	size_t len[2];
	svm_error_t err = {0};
	txs(bufs, ptr, len, 0, 2);
	svm_chain_spec_t *b1, *x;
	svm_header_t t1 = tmpl_for(p.c, NULL, 1);
	cr_assert_eq(svm_chain_spec_build(p.c, NULL, &t1, ptr, len, 2, NULL, NULL, &b1, &err), 0, "%s", err.msg);
	/* Forge: the same block with a different state root. */
	svm_header_t h = *svm_chain_spec_header(b1);
	h.state_root.b[0] ^= 1;
	svm_slice_t tx[2] = {{ptr[0], len[0]}, {ptr[1], len[1]}};
	svm_block_t blk = {.header = h, .txs = tx, .txs_len = 2};
	svm_buf_t enc = {0};
	cr_assert_eq(svm_block_encode(&blk, &enc), 0);
	cr_assert_eq(svm_chain_spec_execute(q.c, NULL, enc.data, enc.len, &x, &err), SVM_EVALIDATE);
	/* A builder on top of b1 leaves out the transactions b1 already holds. */
	svm_chain_spec_t *b2;
	svm_header_t t2 = tmpl_for(p.c, b1, 2);
	svm_build_result_t res[2];
	cr_assert_eq(svm_chain_spec_build(p.c, b1, &t2, ptr, len, 2, NULL, res, &b2, &err), 0, "%s", err.msg);
	cr_assert_eq(res[0].status, SVM_ENONCE);
	cr_assert_eq(svm_chain_spec_header(b2)->tx_count, 0);
	svm_buf_free(&enc);
	svm_chain_spec_free(b1), svm_chain_spec_free(b2);
	for (int i = 0; i < 2; i++) svm_buf_free(&bufs[i]);
	close_fx(&p);
	close_fx(&q);
}

/* svm_chain_spec_execute_verified skips the signature check of exactly the transactions marked
 * (a node marks those its mempool verified byte for byte): a block whose second transaction has
 * a forged signature (built with its check skipped) is refused unless that one is marked. */
Test(chain_spec, execute_verified_skips_only_the_marked_signature_checks)
{
	fx_t p, q;
	open_fx(&p);
	open_fx(&q);
	svm_buf_t bufs[2];
	const uint8_t *ptr[2];
	size_t len[2];
	svm_error_t err = {0};
	txs(bufs, ptr, len, 0, 2);
	bufs[1].data[bufs[1].len - 1] ^= 1; /* the last signature byte */
	bool all[2] = {true, true}, first[2] = {true, false};
	svm_chain_spec_t *b1, *x = NULL;
	svm_header_t t1 = tmpl_for(p.c, NULL, 1);
	cr_assert_eq(svm_chain_spec_build(p.c, NULL, &t1, ptr, len, 2, all, NULL, &b1, &err), 0, "%s", err.msg);
	cr_assert_eq(svm_chain_spec_header(b1)->tx_count, 2);
	size_t l1;
	const uint8_t *e1 = svm_chain_spec_block(b1, &l1);
	cr_assert_neq(svm_chain_spec_execute(q.c, NULL, e1, l1, &x, &err), 0, "a forged signature is checked");
	cr_assert_neq(svm_chain_spec_execute_verified(q.c, NULL, e1, l1, NULL, &x, &err), 0);
	cr_assert_neq(svm_chain_spec_execute_verified(q.c, NULL, e1, l1, first, &x, &err), 0,
		      "only the first was marked: the second is checked");
	cr_assert_eq(svm_chain_spec_execute_verified(q.c, NULL, e1, l1, all, &x, &err), 0, "%s", err.msg);
	cr_assert(svm_hash_eq(svm_chain_spec_id(x), svm_chain_spec_id(b1)));
	svm_chain_spec_free(b1), svm_chain_spec_free(x);
	for (int i = 0; i < 2; i++) svm_buf_free(&bufs[i]);
	close_fx(&p);
	close_fx(&q);
}

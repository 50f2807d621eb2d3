/* Unit tests for the consensus layer: validator sets and the integer quorum rule, canonical
 * encodings of QCs, TCs, votes, timeouts and the safety record (round trips, every truncation,
 * non-canonical bitmaps), QC/TC verification with real Ed25519 signatures (a missing, forged or
 * surplus signer fails), the stake-weighted leader pick, the LMDB safety record, and a crash at
 * any instant (every store write or commit failing in turn) followed by a restart. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

#include "lib/constest.h"
#include "supervm/consensus.h"
#include "consensus/internal.h"

static svm_keypair_t keys[8];
static svm_cons_valset_t vs;
static const uint64_t chain = 42;
static svm_hash_t genesis;

static void setup_set(size_t n, const uint64_t *stakes)
{
	cr_assert_eq(constest_set(keys, n, stakes, &vs, &genesis), 0);
}

/* The key of set index i. */
static const svm_keypair_t *key_of(uint32_t i)
{
	for (int k = 0; k < 8; k++)
		if (svm_hash_eq(&keys[k].id, &vs.v[i].id)) return &keys[k];
	cr_assert_fail("no key");
	return NULL;
}

static bool cons_test_bit(const uint8_t *bm, uint32_t i) { return (bm[i / 8] >> (i % 8)) & 1u; }

static void make_qc(svm_cons_qc_t *qc, uint64_t round, uint32_t signers_mask)
{
	memset(qc, 0, sizeof *qc);
	svm_sha256(&round, 8, &qc->data.block_id);
	qc->data.round = round;
	qc->data.height = round;
	qc->data.parent_round = round - 1;
	svm_sha256("p", 1, &qc->data.parent_id);
	svm_sha256("x", 1, &qc->data.exec_root);
	uint8_t m[SVM_CONS_SIGNED_BYTES];
	svm_cons_vote_message(chain, 0, &qc->data, m);
	for (uint32_t i = 0; i < vs.n; i++) {
		if (!(signers_mask & (1u << i))) continue;
		qc->bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
		svm_ed25519_sign(qc->sigs[qc->n_sigs++], m, sizeof m, key_of(i)->secret_key);
	}
}

Test(consensus, quorum_is_strictly_more_than_two_thirds_of_stake)
{
	uint64_t stakes[4] = {1, 1, 1, 1};
	setup_set(4, stakes);
	cr_assert(!svm_cons_quorum(&vs, 2));
	cr_assert(svm_cons_quorum(&vs, 3));
	uint64_t s2[4] = {10, 10, 10, 30}; /* total 60: need > 40 */
	setup_set(4, s2);
	cr_assert(!svm_cons_quorum(&vs, 40));
	cr_assert(svm_cons_quorum(&vs, 41));
	cr_assert(!svm_cons_quorum(&vs, 61));
}

Test(consensus, valset_sorted_and_rejects_bad_sets)
{
	setup_set(4, NULL);
	for (uint32_t i = 1; i < vs.n; i++) cr_assert(svm_hash_cmp(&vs.v[i - 1].id, &vs.v[i].id) < 0);
	for (uint32_t i = 0; i < vs.n; i++) cr_assert_eq(svm_cons_valset_index(&vs, &vs.v[i].id), (int)i);
	svm_cons_validator_t v[2] = {vs.v[0], vs.v[0]};
	svm_cons_valset_t o;
	cr_assert_neq(svm_cons_valset_build(&o, 0, v, 2, NULL), 0); /* duplicate */
	v[1] = vs.v[1];
	v[1].stake = 0;
	cr_assert_neq(svm_cons_valset_build(&o, 0, v, 2, NULL), 0); /* zero stake */
	v[1].stake = 1;
	v[1].id.b[0] ^= 1;
	cr_assert_neq(svm_cons_valset_build(&o, 0, v, 2, NULL), 0); /* id not its key's */
}

Test(consensus, qc_roundtrip_truncations_and_verify)
{
	setup_set(4, NULL);
	svm_cons_qc_t qc, back;
	make_qc(&qc, 5, 0x7);
	svm_buf_t b = {0};
	cr_assert_eq(svm_cons_qc_encode(&qc, &b), 0);
	cr_assert_eq(svm_cons_qc_decode(b.data, b.len, &back, NULL), 0);
	cr_assert_eq(memcmp(&back.data, &qc.data, sizeof qc.data), 0);
	cr_assert_eq(back.n_sigs, 3);
	cr_assert_eq(svm_cons_qc_verify(&back, &vs, chain, &genesis, NULL), 0);
	for (size_t cut = 0; cut < b.len; cut++)
		cr_assert_neq(svm_cons_qc_decode(b.data, cut, &back, NULL), 0, "cut %zu", cut);
	uint8_t extra[2048];
	memcpy(extra, b.data, b.len);
	extra[b.len] = 0;
	cr_assert_neq(svm_cons_qc_decode(extra, b.len + 1, &back, NULL), 0); /* trailing byte */
	/* Two signers of four: no quorum. */
	make_qc(&qc, 5, 0x3);
	cr_assert_eq(svm_cons_qc_verify(&qc, &vs, chain, &genesis, NULL), SVM_EINVAL);
	/* A forged signature. */
	make_qc(&qc, 5, 0xf);
	qc.sigs[2][5] ^= 1;
	cr_assert_eq(svm_cons_qc_verify(&qc, &vs, chain, &genesis, NULL), SVM_ESIG);
	/* A bit past n. */
	make_qc(&qc, 5, 0x7);
	qc.bitmap[0] |= 0x10;
	memset(qc.sigs[3], 0, 64);
	qc.n_sigs = 4;
	cr_assert_eq(svm_cons_qc_verify(&qc, &vs, chain, &genesis, NULL), SVM_EINVAL);
	/* Another chain id's signatures do not verify here. */
	make_qc(&qc, 5, 0x7);
	cr_assert_eq(svm_cons_qc_verify(&qc, &vs, chain + 1, &genesis, NULL), SVM_ESIG);
	/* Genesis QC: only for the genesis id. */
	svm_cons_qc_t g;
	memset(&g, 0, sizeof g);
	g.data.block_id = genesis;
	cr_assert_eq(svm_cons_qc_verify(&g, &vs, chain, &genesis, NULL), 0);
	g.data.block_id.b[0] ^= 1;
	cr_assert_neq(svm_cons_qc_verify(&g, &vs, chain, &genesis, NULL), 0);
	/* A bitmap with a trailing zero byte is not canonical. */
	svm_buf_reset(&b);
	make_qc(&qc, 5, 0x7);
	cr_assert_eq(svm_cons_qc_encode(&qc, &b), 0);
	svm_buf_free(&b);
}

Test(consensus, tc_roundtrip_and_verify)
{
	setup_set(4, NULL);
	svm_cons_tc_t tc, back;
	memset(&tc, 0, sizeof tc);
	tc.round = 9;
	make_qc(&tc.hqc, 7, 0xe);
	uint64_t hr[4] = {7, 3, 7, 6};
	for (uint32_t i = 0; i < 3; i++) {
		svm_hash_t d;
		tc.bitmap[0] |= (uint8_t)(1u << i);
		tc.hqc_rounds[i] = hr[i];
		svm_cons_timeout_digest(chain, 0, 9, hr[i], &d);
		svm_ed25519_sign(tc.sigs[i], d.b, 32, key_of(i)->secret_key);
	}
	tc.n_sigs = 3;
	svm_buf_t b = {0};
	cr_assert_eq(svm_cons_tc_encode(&tc, &b), 0);
	cr_assert_eq(svm_cons_tc_decode(b.data, b.len, &back, NULL), 0);
	cr_assert_eq(svm_cons_tc_verify(&back, &vs, chain, &genesis, NULL), 0);
	for (size_t cut = 0; cut < b.len; cut++)
		cr_assert_neq(svm_cons_tc_decode(b.data, cut, &back, NULL), 0);
	tc.hqc_rounds[0] = 8; /* claims a higher QC than it carries: signature and max both fail */
	cr_assert_neq(svm_cons_tc_verify(&tc, &vs, chain, &genesis, NULL), 0);
	svm_buf_free(&b);
}

Test(consensus, vote_timeout_safety_roundtrip)
{
	setup_set(4, NULL);
	svm_cons_vote_t v = {0}, v2;
	v.data.round = 3;
	v.data.parent_round = 2;
	v.voter = 2;
	memset(v.sig, 7, 64);
	svm_buf_t b = {0};
	cr_assert_eq(svm_cons_vote_encode(&v, &b), 0);
	cr_assert_eq(svm_cons_vote_decode(b.data, b.len, &v2, NULL), 0);
	cr_assert_eq(memcmp(&v, &v2, sizeof v), 0);
	for (size_t cut = 0; cut < b.len; cut++) cr_assert_neq(svm_cons_vote_decode(b.data, cut, &v2, NULL), 0);
	svm_cons_timeout_t t = {0}, t2;
	t.round = 4;
	t.voter = 1;
	make_qc(&t.hqc, 3, 0x7);
	svm_buf_reset(&b);
	cr_assert_eq(svm_cons_timeout_encode(&t, &b), 0);
	cr_assert_eq(svm_cons_timeout_decode(b.data, b.len, &t2, NULL), 0);
	cr_assert_eq(t2.round, 4);
	cr_assert_eq(t2.hqc.n_sigs, 3);
	for (size_t cut = 0; cut < b.len; cut++) cr_assert_neq(svm_cons_timeout_decode(b.data, cut, &t2, NULL), 0);
	static svm_cons_safety_t s, s2;
	memset(&s, 0, sizeof s);
	s.version = SVM_CONS_SAFETY_VERSION;
	s.last_voted_round = 9;
	s.last_timeout_round = 8;
	s.locked_round = 3;
	make_qc(&s.hqc, 3, 0x7);
	svm_buf_reset(&b);
	cr_assert_eq(svm_cons_safety_encode(&s, &b), 0);
	cr_assert_eq(svm_cons_safety_decode(b.data, b.len, &s2, NULL), 0);
	cr_assert_eq(s2.last_voted_round, 9);
	cr_assert_eq(s2.locked_round, 3);
	s.locked_round = 4; /* inconsistent with its QC */
	svm_buf_reset(&b);
	cr_assert_eq(svm_cons_safety_encode(&s, &b), 0);
	cr_assert_neq(svm_cons_safety_decode(b.data, b.len, &s2, NULL), 0);
	svm_buf_free(&b);
}

Test(consensus, leader_pick_is_stake_weighted)
{
	uint64_t stakes[4] = {1, 2, 3, 4};
	setup_set(4, stakes);
	uint64_t count[4] = {0};
	svm_hash_t seed;
	for (uint64_t r = 0; r < 10000; r++) {
		svm_sha256(&r, 8, &seed);
		count[svm_cons_pick(&vs, &seed, NULL)]++;
	}
	/* Expected share stake/10 of 10000, within 15%. */
	for (uint32_t i = 0; i < 4; i++) {
		uint64_t want = vs.v[i].stake * 1000;
		cr_assert(count[i] * 100 > want * 85 && count[i] * 100 < want * 115, "i %u: %llu of %llu", i,
			  (unsigned long long)count[i], (unsigned long long)want);
	}
	uint8_t elig[SVM_CONS_BITMAP_BYTES] = {0x2};
	for (uint64_t r = 0; r < 100; r++) {
		svm_sha256(&r, 8, &seed);
		cr_assert_eq(svm_cons_pick(&vs, &seed, elig), 1);
	}
}

/* A header at height h, round r on parent (its other fields fixed). */
static void header_at(svm_header_t *h, uint64_t height, uint64_t round, const svm_hash_t *parent)
{
	memset(h, 0, sizeof *h);
	h->chain_id = chain;
	h->height = height;
	h->round = round;
	h->parent = *parent;
	h->timestamp_ms = 1000 + round;
}

/* A QC over a child of (parent, parent_round) at height, round, signed by mask's validators. */
static void qc_over(svm_cons_qc_t *qc, uint64_t height, uint64_t round, const svm_hash_t *parent,
		    uint64_t parent_round, uint32_t mask)
{
	memset(qc, 0, sizeof *qc);
	svm_sha256(&round, 8, &qc->data.block_id);
	qc->data.round = round;
	qc->data.height = height;
	qc->data.parent_id = *parent;
	qc->data.parent_round = parent_round;
	uint8_t m[SVM_CONS_SIGNED_BYTES];
	svm_cons_vote_message(chain, 0, &qc->data, m);
	for (uint32_t i = 0; i < vs.n; i++) {
		if (!(mask & (1u << i))) continue;
		qc->bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
		svm_ed25519_sign(qc->sigs[qc->n_sigs++], m, sizeof m, key_of(i)->secret_key);
	}
}

/* The last block E of an epoch committed by a QC two blocks up (after a timeout, E's child came
 * in a later round, so QC(E+1) did not commit E; the QC over E+2 commits E+1 and E with it): the
 * proof carries E+1's header and that QC. Every other claim fails. */
Test(consensus, commit_proof_of_an_ancestor)
{
	setup_set(4, NULL);
	svm_hash_t e_id, p_id, e1_id;
	svm_sha256("E's parent", 10, &p_id);
	svm_header_t e, e1;
	header_at(&e, 5, 5, &p_id);
	cr_assert_eq(svm_header_hash(&e, &e_id), 0);
	header_at(&e1, 6, 7, &e_id); /* round 6 timed out */
	cr_assert_eq(svm_header_hash(&e1, &e1_id), 0);
	svm_buf_t h1 = {0}, pf = {0};
	cr_assert_eq(svm_header_encode(&e1, &h1), 0);
	svm_slice_t hs[1] = {{h1.data, h1.len}};
	svm_cons_qc_t q;
	qc_over(&q, 7, 8, &e1_id, 7, 0x7);
	cr_assert_eq(svm_cons_commit_proof_encode(hs, 1, &q, &pf), 0);
	cr_assert_eq(svm_cons_commit_proof_verify(pf.data, pf.len, &e_id, 5, &vs, chain, &genesis, NULL), 0);
	/* it proves E, not another block, not at another height; E+1 is proven by the same QC
	 * with no header */
	cr_assert_eq(svm_cons_commit_proof_verify(pf.data, pf.len, &p_id, 5, &vs, chain, &genesis, NULL), SVM_EINVAL);
	cr_assert_eq(svm_cons_commit_proof_verify(pf.data, pf.len, &e_id, 4, &vs, chain, &genesis, NULL), SVM_EINVAL);
	svm_buf_t p0 = {0};
	cr_assert_eq(svm_cons_commit_proof_encode(NULL, 0, &q, &p0), 0);
	cr_assert_eq(svm_cons_commit_proof_verify(p0.data, p0.len, &e1_id, 6, &vs, chain, &genesis, NULL), 0);
	cr_assert_eq(svm_cons_commit_proof_verify(p0.data, p0.len, &e_id, 5, &vs, chain, &genesis, NULL), SVM_EINVAL);
	/* decode: round trip, every truncation, a trailing byte */
	svm_cons_commit_proof_t *d = malloc(sizeof *d);
	cr_assert_eq(svm_cons_commit_proof_decode(pf.data, pf.len, d, NULL), 0);
	cr_assert_eq(d->n, 1);
	cr_assert_eq(d->headers[0].len, h1.len);
	for (size_t cut = 0; cut < pf.len; cut++)
		cr_assert_neq(svm_cons_commit_proof_decode(pf.data, cut, d, NULL), 0, "cut %zu", cut);
	svm_buf_t tr = {0};
	svm_buf_append(&tr, pf.data, pf.len);
	svm_buf_push(&tr, 0);
	cr_assert_eq(svm_cons_commit_proof_decode(tr.data, tr.len, d, NULL), SVM_EDECODE);
	/* a QC whose parent is not from the round just before: no 2-chain, nothing committed */
	svm_cons_qc_t gap;
	qc_over(&gap, 7, 9, &e1_id, 7, 0x7);
	svm_buf_reset(&pf);
	cr_assert_eq(svm_cons_commit_proof_encode(hs, 1, &gap, &pf), 0);
	cr_assert_eq(svm_cons_commit_proof_verify(pf.data, pf.len, &e_id, 5, &vs, chain, &genesis, NULL), SVM_EINVAL);
	/* no quorum; a forged signature; another epoch's set */
	svm_cons_qc_t few = q, forged = q;
	qc_over(&few, 7, 8, &e1_id, 7, 0x3);
	forged.sigs[1][3] ^= 1;
	svm_buf_reset(&pf);
	cr_assert_eq(svm_cons_commit_proof_encode(hs, 1, &few, &pf), 0);
	cr_assert_eq(svm_cons_commit_proof_verify(pf.data, pf.len, &e_id, 5, &vs, chain, &genesis, NULL), SVM_EINVAL);
	svm_buf_reset(&pf);
	cr_assert_eq(svm_cons_commit_proof_encode(hs, 1, &forged, &pf), 0);
	cr_assert_eq(svm_cons_commit_proof_verify(pf.data, pf.len, &e_id, 5, &vs, chain, &genesis, NULL), SVM_ESIG);
	svm_cons_valset_t later = vs;
	later.epoch = 1;
	svm_buf_reset(&pf);
	cr_assert_eq(svm_cons_commit_proof_encode(hs, 1, &q, &pf), 0);
	cr_assert_eq(svm_cons_commit_proof_verify(pf.data, pf.len, &e_id, 5, &later, chain, &genesis, NULL), SVM_EINVAL);
	/* a header that is not E's child (another parent) breaks the chain */
	svm_header_t other;
	header_at(&other, 6, 7, &p_id);
	svm_buf_t ho = {0};
	cr_assert_eq(svm_header_encode(&other, &ho), 0);
	svm_slice_t hs2[1] = {{ho.data, ho.len}};
	svm_buf_reset(&pf);
	cr_assert_eq(svm_cons_commit_proof_encode(hs2, 1, &q, &pf), 0);
	cr_assert_eq(svm_cons_commit_proof_verify(pf.data, pf.len, &e_id, 5, &vs, chain, &genesis, NULL), SVM_EINVAL);
	/* counts past the limit are refused by the encoder and the decoder */
	svm_slice_t many[SVM_CONS_PROOF_HEADERS_MAX + 1];
	for (size_t i = 0; i <= SVM_CONS_PROOF_HEADERS_MAX; i++) many[i] = hs[0];
	svm_buf_reset(&pf);
	cr_assert_eq(svm_cons_commit_proof_encode(many, SVM_CONS_PROOF_HEADERS_MAX + 1, &q, &pf), SVM_ELIMIT);
	uint8_t big[3] = {SVM_CONS_TAG_COMMIT_PROOF, SVM_CONS_PROOF_HEADERS_MAX + 1, 0};
	cr_assert_eq(svm_cons_commit_proof_decode(big, sizeof big, d, NULL), SVM_ELIMIT);
	free(d);
	svm_buf_free(&h1), svm_buf_free(&ho), svm_buf_free(&pf), svm_buf_free(&p0), svm_buf_free(&tr);
}

Test(consensus, safety_record_survives_reopen)
{
	char dir[] = "/tmp/svm-cons-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	svm_store_t *st;
	cr_assert_eq(svm_store_open(&st, dir, NULL, NULL), 0);
	svm_buf_t b = {0};
	cr_assert_eq(svm_cons_safety_load(st, &b, NULL), SVM_ENOTFOUND);
	cr_assert_eq(svm_cons_safety_save(st, (const uint8_t *)"abc", 3, NULL), 0);
	cr_assert_eq(svm_cons_safety_save(st, (const uint8_t *)"abcd", 4, NULL), 0);
	svm_store_close(st);
	cr_assert_eq(svm_store_open(&st, dir, NULL, NULL), 0);
	cr_assert_eq(svm_cons_safety_load(st, &b, NULL), 0);
	cr_assert_eq(b.len, 4);
	cr_assert_eq(memcmp(b.data, "abcd", 4), 0);
	svm_store_close(st);
	svm_buf_free(&b);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* ------------------------------------------------ crash at any instant */

typedef struct {
	svm_store_t *st;
	int persists;
} crash_host_t;

static int ch_persist(void *ctx, const uint8_t *rec, size_t len)
{
	crash_host_t *h = ctx;
	h->persists++;
	return svm_cons_safety_save(h->st, rec, len, NULL);
}

/* A signed proposal of epoch `epoch` for its round 1 on genesis (the epoch's genesis QC) by the
 * leader's key (tag picks the block). */
static void proposal_at(svm_buf_t *out, const svm_keypair_t *leader, uint64_t epoch, uint64_t tag)
{
	svm_cons_qc_t g;
	memset(&g, 0, sizeof g);
	g.epoch = epoch;
	g.data.block_id = genesis;
	svm_buf_t qcb = {0}, blk = {0};
	cr_assert_eq(svm_cons_qc_encode(&g, &qcb), 0);
	svm_block_t b;
	memset(&b, 0, sizeof b);
	b.header.chain_id = chain;
	b.header.height = 1;
	b.header.round = 1;
	b.header.parent = genesis;
	b.header.proposer = leader->id;
	b.header.timestamp_ms = tag;
	b.header.parent_qc = qcb.data;
	b.header.parent_qc_len = qcb.len;
	cr_assert_eq(svm_block_encode(&b, &blk), 0);
	svm_hash_t id;
	cr_assert_eq(svm_header_hash(&b.header, &id), 0);
	uint8_t m[SVM_CONS_SIGNED_BYTES], sig[64];
	svm_cons_proposal_message(chain, epoch, 1, 1, &id, m);
	svm_ed25519_sign(sig, m, sizeof m, leader->secret_key);
	svm_buf_push(out, SVM_CONS_TAG_PROPOSAL);
	svm_varint_append(out, blk.len);
	svm_buf_append(out, blk.data, blk.len);
	svm_buf_push(out, 0);
	svm_buf_append(out, sig, 64);
	svm_buf_free(&qcb);
	svm_buf_free(&blk);
}

static void proposal_r1(svm_buf_t *out, const svm_keypair_t *leader, uint64_t tag)
{
	proposal_at(out, leader, 0, tag);
}

/* Every vote or timeout in out must already be covered by the record on disk. */
static void check_on_disk(svm_store_t *st, const svm_cons_out_t *out, int *signed_msgs)
{
	for (size_t i = 0; i < out->n_actions; i++) {
		const uint8_t *p = out->bytes.data + out->actions[i].off;
		size_t len = out->actions[i].len;
		uint64_t round = 0;
		bool timeout = false;
		if (p[0] == SVM_CONS_TAG_VOTE) {
			svm_cons_vote_t v;
			cr_assert_eq(svm_cons_vote_decode(p, len, &v, NULL), 0);
			round = v.data.round;
		} else if (p[0] == SVM_CONS_TAG_TIMEOUT) {
			static svm_cons_timeout_t t;
			cr_assert_eq(svm_cons_timeout_decode(p, len, &t, NULL), 0);
			round = t.round;
			timeout = true;
		} else {
			continue;
		}
		(*signed_msgs)++;
		svm_buf_t rec = {0};
		cr_assert_eq(svm_cons_safety_load(st, &rec, NULL), 0, "a signed message left before any record");
		static svm_cons_safety_t s;
		cr_assert_eq(svm_cons_safety_decode(rec.data, rec.len, &s, NULL), 0);
		cr_assert_geq(s.last_voted_round, round, "sent round %llu, disk says %llu",
			      (unsigned long long)round, (unsigned long long)s.last_voted_round);
		if (timeout) cr_assert_geq(s.last_timeout_round, round);
		svm_buf_free(&rec);
	}
}

/* A validator killed at any instant — modelled as the n-th store write or commit failing with EIO
 * (the record never reaches the disk), for every n — and restarted from what is on disk, never
 * signs two different votes or timeouts for one round: a message leaves only after the record
 * that covers it is committed, and the restarted core refuses an equivocating proposal of a
 * round it voted in and re-sends the very same timeout. */
Test(consensus, safety_record_survives_a_crash_at_any_instant)
{
	setup_set(4, NULL);
	svm_log_set_level(SVM_LOG_ERROR);
	for (uint64_t nth = 0; nth <= 8; nth++) {
		char dir[] = "/tmp/svm-cons-crash-XXXXXX";
		cr_assert_not_null(mkdtemp(dir));
		svm_store_t *st;
		cr_assert_eq(svm_store_open(&st, dir, NULL, NULL), 0);
		crash_host_t h = {st, 0};
		svm_cons_host_t host = {&h, constest_validators, constest_propose, constest_execute, constest_commit, ch_persist,
					NULL, NULL, NULL, NULL};
		svm_cons_config_t cfg;
		memset(&cfg, 0, sizeof cfg);
		cfg.chain_id = chain;
		cfg.epoch_seed = genesis;
		cfg.genesis_id = genesis;
		cfg.committed_id = genesis;
		cfg.round_timeout_ms = 1000;
		/* self: a validator that does not lead rounds 1 and 2 */
		svm_cons_t *probe;
		cfg.key = &keys[0];
		cr_assert_eq(svm_cons_new(&probe, &cfg, &host, NULL), 0);
		uint32_t l1 = svm_cons_leader(probe, 1), l2 = svm_cons_leader(probe, 2), me = 0;
		while (me == l1 || me == l2) me++;
		svm_cons_free(probe);
		cfg.key = key_of(me);
		svm_cons_t *c;
		cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
		svm_cons_out_t out;
		svm_cons_out_init(&out);
		int signed_msgs = 0;
		if (nth > 0) svm_fault_arm(SVM_FAULT_IO, nth, EIO, false);
		svm_buf_t pa = {0}, pb = {0};
		proposal_r1(&pa, key_of(l1), 1);
		proposal_r1(&pb, key_of(l1), 2); /* the leader equivocates */
		svm_cons_start(c, 0, &out);
		check_on_disk(st, &out, &signed_msgs);
		svm_cons_out_reset(&out);
		svm_cons_on_message(c, l1, pa.data, pa.len, 10, &out);
		check_on_disk(st, &out, &signed_msgs);
		svm_cons_out_reset(&out);
		svm_cons_tick(c, 5000, &out); /* no QC for round 1 reaches us: time out in round 1 */
		check_on_disk(st, &out, &signed_msgs);
		svm_buf_t first_timeout = {0};
		for (size_t i = 0; i < out.n_actions; i++)
			if (out.bytes.data[out.actions[i].off] == SVM_CONS_TAG_TIMEOUT)
				svm_buf_append(&first_timeout, out.bytes.data + out.actions[i].off,
					       out.actions[i].len);
		svm_fault_disarm(SVM_FAULT_IO);
		if (nth == 0) cr_assert_geq(signed_msgs, 2, "no fault: a vote and a timeout were signed");
		/* Crash: memory is gone. Restart from the record on disk. */
		svm_cons_free(c);
		svm_store_close(st);
		cr_assert_eq(svm_store_open(&st, dir, NULL, NULL), 0);
		h.st = st;
		svm_buf_t rec = {0};
		int lrc = svm_cons_safety_load(st, &rec, NULL);
		cr_assert(lrc == 0 || lrc == SVM_ENOTFOUND);
		cfg.safety = lrc == 0 ? rec.data : NULL;
		cfg.safety_len = lrc == 0 ? rec.len : 0;
		cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0, "restart from the record");
		svm_cons_out_reset(&out);
		svm_cons_start(c, 6000, &out);
		svm_cons_on_message(c, l1, pb.data, pb.len, 6010, &out);
		svm_cons_status_t s;
		svm_cons_status(c, &s);
		for (size_t i = 0; i < out.n_actions; i++) {
			const uint8_t *p = out.bytes.data + out.actions[i].off;
			if (p[0] == SVM_CONS_TAG_VOTE)
				cr_assert_eq(signed_msgs, 0, "nth %llu: voted again in round 1 after a restart",
					     (unsigned long long)nth);
		}
		svm_cons_out_reset(&out);
		svm_cons_tick(c, 20000, &out);
		for (size_t i = 0; i < out.n_actions; i++) {
			const uint8_t *p = out.bytes.data + out.actions[i].off;
			svm_cons_timeout_t *t = svm_malloc(sizeof *t);
			if (p[0] == SVM_CONS_TAG_TIMEOUT && first_timeout.len > 0 &&
			    svm_cons_timeout_decode(p, out.actions[i].len, t, NULL) == 0 && t->round == 1)
				cr_assert(out.actions[i].len == first_timeout.len &&
						  memcmp(p, first_timeout.data, first_timeout.len) == 0,
					  "nth %llu: a different timeout for round 1", (unsigned long long)nth);
			svm_free(t);
		}
		svm_buf_free(&rec);
		svm_buf_free(&first_timeout);
		svm_buf_free(&pa);
		svm_buf_free(&pb);
		svm_cons_out_free(&out);
		svm_cons_free(c);
		svm_store_close(st);
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		cr_assert_eq(system(cmd), 0);
	}
}

/* ------------------------------------------- safety record versions */

/* A TC of round `round` signed by the set indexes of mask, each reporting the genesis QC. */
static void make_tc(svm_cons_tc_t *tc, uint64_t round, uint32_t mask)
{
	memset(tc, 0, sizeof *tc);
	tc->round = round;
	tc->hqc.data.block_id = genesis;
	for (uint32_t i = 0; i < vs.n; i++) {
		if (!(mask & (1u << i))) continue;
		svm_hash_t d;
		tc->bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
		svm_cons_timeout_digest(chain, 0, round, 0, &d);
		svm_ed25519_sign(tc->sigs[tc->n_sigs++], d.b, 32, key_of(i)->secret_key);
	}
}

/* Version 2 (the highest TC) round-trips and refuses every truncation, a trailing byte, a
 * has_tc flag other than 0/1, a TC of another epoch or above the record's QC; version 1 (the
 * layout written before, pinned byte for byte here) still decodes and re-encodes as itself;
 * any other tag is refused with an error naming it. */
Test(consensus, safety_record_versions)
{
	setup_set(4, NULL);
	static svm_cons_safety_t s, s2;
	memset(&s, 0, sizeof s);
	s.version = 2;
	s.last_voted_round = 2;
	s.last_timeout_round = 2;
	s.hqc.data.block_id = genesis;
	uint8_t tmo[3] = {1, 2, 3};
	s.timeout = tmo;
	s.timeout_len = 3;
	s.has_tc = true;
	make_tc(&s.tc, 1, 0x7);
	cr_assert_eq(svm_cons_tc_verify(&s.tc, &vs, chain, &genesis, NULL), 0);
	svm_buf_t b = {0}, b2 = {0};
	cr_assert_eq(svm_cons_safety_encode(&s, &b), 0);
	cr_assert_eq(b.data[0], SVM_CONS_TAG_SAFETY_V2);
	svm_error_t err = {0};
	cr_assert_eq(svm_cons_safety_decode(b.data, b.len, &s2, &err), 0, "%s", err.msg);
	cr_assert_eq(s2.version, 2);
	cr_assert(s2.has_tc);
	cr_assert_eq(s2.tc.round, 1);
	cr_assert_eq(s2.tc.n_sigs, 3);
	cr_assert_eq(svm_cons_tc_verify(&s2.tc, &vs, chain, &genesis, NULL), 0);
	cr_assert_eq(svm_cons_safety_encode(&s2, &b2), 0);
	cr_assert(b2.len == b.len && memcmp(b2.data, b.data, b.len) == 0);
	for (size_t cut = 0; cut < b.len; cut++)
		cr_assert_neq(svm_cons_safety_decode(b.data, cut, &s2, NULL), 0, "cut %zu", cut);
	uint8_t *x = malloc(b.len + 1);
	memcpy(x, b.data, b.len);
	x[b.len] = 0;
	cr_assert_eq(svm_cons_safety_decode(x, b.len + 1, &s2, NULL), SVM_EDECODE); /* trailing */
	/* has_tc = 2 (the flag byte sits just before the TC's tag) */
	size_t tc_at = b.len;
	svm_buf_t tcb = {0};
	cr_assert_eq(svm_cons_tc_encode(&s.tc, &tcb), 0);
	tc_at = b.len - tcb.len;
	cr_assert_eq(b.data[tc_at - 1], 1);
	memcpy(x, b.data, b.len);
	x[tc_at - 1] = 2;
	err.msg[0] = 0;
	cr_assert_eq(svm_cons_safety_decode(x, b.len, &s2, &err), SVM_EDECODE);
	cr_assert(strstr(err.msg, "has_tc") != NULL, "%s", err.msg);
	/* unknown versions */
	for (int tag = 0; tag < 256; tag++) {
		if (tag == SVM_CONS_TAG_SAFETY || tag == SVM_CONS_TAG_SAFETY_V2) continue;
		memcpy(x, b.data, b.len);
		x[0] = (uint8_t)tag;
		err.msg[0] = 0;
		cr_assert_eq(svm_cons_safety_decode(x, b.len, &s2, &err), SVM_EDECODE);
		cr_assert(strstr(err.msg, "unknown record version") != NULL, "%s", err.msg);
	}
	free(x);
	/* a TC of another epoch, or with a high QC above the record's */
	s.tc.epoch = 1;
	svm_buf_reset(&b);
	cr_assert_eq(svm_cons_safety_encode(&s, &b), 0);
	cr_assert_eq(svm_cons_safety_decode(b.data, b.len, &s2, NULL), SVM_EDECODE);
	s.tc.epoch = 0;
	make_qc(&s.tc.hqc, 3, 0x7);
	svm_buf_reset(&b);
	cr_assert_eq(svm_cons_safety_encode(&s, &b), 0);
	cr_assert_eq(svm_cons_safety_decode(b.data, b.len, &s2, NULL), SVM_EDECODE);
	/* version 1: no TC; a TC cannot be written in it; an unknown version is not written */
	s.version = 1;
	cr_assert_eq(svm_cons_safety_encode(&s, &b), SVM_EINVAL);
	s.has_tc = false;
	svm_buf_reset(&b);
	cr_assert_eq(svm_cons_safety_encode(&s, &b), 0);
	svm_buf_t qcb = {0}, v1 = {0};
	cr_assert_eq(svm_cons_qc_encode(&s.hqc, &qcb), 0);
	const uint8_t head[] = {0x17, 0, 2, 0, 2}; /* tag, epoch, last voted, locked, last timeout */
	svm_buf_append(&v1, head, sizeof head);
	svm_buf_append(&v1, qcb.data, qcb.len);
	const uint8_t tail[] = {3, 1, 2, 3}; /* timeout_len, timeout */
	svm_buf_append(&v1, tail, sizeof tail);
	cr_assert(b.len == v1.len && memcmp(b.data, v1.data, v1.len) == 0, "version 1 layout changed");
	cr_assert_eq(svm_cons_safety_decode(v1.data, v1.len, &s2, NULL), 0);
	cr_assert_eq(s2.version, 1);
	cr_assert(!s2.has_tc);
	cr_assert_eq(s2.last_voted_round, 2);
	cr_assert_eq(s2.timeout_len, 3);
	svm_buf_reset(&b2);
	cr_assert_eq(svm_cons_safety_encode(&s2, &b2), 0);
	cr_assert(b2.len == v1.len && memcmp(b2.data, v1.data, v1.len) == 0);
	s.version = 3;
	cr_assert_eq(svm_cons_safety_encode(&s, &b), SVM_EINVAL);
	/* a record over the bound */
	cr_assert_eq(svm_cons_safety_decode(v1.data, SVM_CONS_SAFETY_BYTES_MAX + 1, &s2, NULL), SVM_ELIMIT);
	svm_buf_free(&b), svm_buf_free(&b2), svm_buf_free(&tcb), svm_buf_free(&qcb), svm_buf_free(&v1);
}

/* A signed timeout of set index voter for round, reporting the genesis QC. */
static void signed_timeout(svm_buf_t *out, uint32_t voter, uint64_t round)
{
	svm_cons_timeout_t *t = calloc(1, sizeof *t);
	t->round = round;
	t->voter = voter;
	t->hqc.data.block_id = genesis;
	svm_hash_t d;
	svm_cons_timeout_digest(chain, 0, round, 0, &d);
	svm_ed25519_sign(t->sig, d.b, 32, key_of(voter)->secret_key);
	cr_assert_eq(svm_cons_timeout_encode(t, out), 0);
	free(t);
}

static svm_buf_t mem_record;
static int mem_persist(void *ctx, const uint8_t *rec, size_t len)
{
	svm_buf_reset(&mem_record);
	return svm_buf_append(&mem_record, rec, len);
}

/* The TC carried by a SEND to `to` in out, or false. */
static bool sent_tc(const svm_cons_out_t *out, uint32_t to, uint64_t *round)
{
	for (size_t i = 0; i < out->n_actions; i++) {
		const svm_cons_action_t *a = &out->actions[i];
		if (a->kind != SVM_CONS_SEND || a->to != to || out->bytes.data[a->off] != SVM_CONS_TAG_TC)
			continue;
		static svm_cons_tc_t tc;
		cr_assert_eq(svm_cons_tc_decode(out->bytes.data + a->off, a->len, &tc, NULL), 0);
		cr_assert_eq(svm_cons_tc_verify(&tc, &vs, chain, &genesis, NULL), 0);
		*round = tc.round;
		return true;
	}
	return false;
}

/* A core's configuration at genesis: this chain, nothing committed past genesis, a 1 s round
 * timeout, no key and no safety record (each test sets those). */
static void genesis_config(svm_cons_config_t *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->chain_id = chain;
	cfg->epoch_seed = genesis;
	cfg->genesis_id = genesis;
	cfg->committed_id = genesis;
	cfg->round_timeout_ms = 1000;
}

/* The genesis configuration as the leader of round 1 (found by a core started as validator 0),
 * with an empty safety record: the start of every restarted-leader test. Returns the leader. */
static uint32_t round1_leader_config(svm_cons_config_t *cfg, const svm_cons_host_t *host)
{
	genesis_config(cfg);
	cfg->key = &keys[0];
	svm_cons_t *c;
	cr_assert_eq(svm_cons_new(&c, cfg, host, NULL), 0);
	uint32_t l1 = svm_cons_leader(c, 1);
	svm_cons_free(c);
	cfg->key = key_of(l1);
	svm_buf_reset(&mem_record);
	return l1;
}

/* The liveness failure of sim seed 15375, at the unit level: a validator forms the TC of round
 * 1 (nobody else gets it), times out in round 2 and crashes. Restarted from its record it must
 * be back in round 2 holding that TC, and answer a validator still in round 1 with it; from a
 * record without the TC (version 1) it is back in round 1, unable to time out there again
 * (its round-1 timeout is gone) and has no TC to give: round 1 can never end. */
Test(consensus, restart_resumes_in_the_round_its_tc_opened)
{
	setup_set(4, NULL);
	svm_log_set_level(SVM_LOG_ERROR);
	svm_cons_host_t host = {NULL, constest_validators, constest_propose, constest_execute,
				constest_commit, mem_persist, NULL, NULL, NULL, NULL};
	svm_cons_config_t cfg;
	genesis_config(&cfg);
	svm_cons_t *c;
	cfg.key = &keys[0];
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	uint32_t l1 = svm_cons_leader(c, 1), l2 = svm_cons_leader(c, 2), me = 0;
	while (me == l1 || me == l2) me++;
	svm_cons_free(c);
	uint32_t others[3], k = 0;
	for (uint32_t i = 0; i < 4; i++)
		if (i != me) others[k++] = i;
	cfg.key = key_of(me);
	svm_buf_reset(&mem_record);
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	svm_cons_start(c, 0, &out);
	svm_cons_out_reset(&out);
	svm_cons_tick(c, 1500, &out); /* no proposal: time out in round 1 */
	svm_buf_t t1 = {0}, t2 = {0};
	signed_timeout(&t1, others[0], 1);
	signed_timeout(&t2, others[1], 1);
	svm_cons_out_reset(&out);
	svm_cons_on_message(c, others[0], t1.data, t1.len, 1600, &out);
	svm_cons_on_message(c, others[1], t2.data, t2.len, 1610, &out);
	svm_cons_status_t st;
	svm_cons_status(c, &st);
	cr_assert_eq(st.round, 2, "the TC of round 1 formed here");
	cr_assert_eq(st.htc_round, 1);
	svm_cons_out_reset(&out);
	svm_cons_tick(c, 9000, &out); /* no proposal in round 2 either: time out, then crash */
	static svm_cons_safety_t rec;
	cr_assert_eq(svm_cons_safety_decode(mem_record.data, mem_record.len, &rec, NULL), 0);
	cr_assert_eq(rec.version, SVM_CONS_SAFETY_VERSION);
	cr_assert_eq(rec.last_timeout_round, 2);
	cr_assert(rec.has_tc && rec.tc.round == 1, "the round-2 timeout's record carries the TC");
	svm_cons_free(c);
	/* Restart from the record. */
	svm_buf_t disk = {0};
	svm_buf_append(&disk, mem_record.data, mem_record.len);
	cfg.safety = disk.data;
	cfg.safety_len = disk.len;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_reset(&out);
	svm_cons_start(c, 10000, &out);
	svm_cons_status(c, &st);
	cr_assert_eq(st.round, 2, "restarted in round %llu", (unsigned long long)st.round);
	cr_assert_eq(st.htc_round, 1);
	svm_buf_t t3 = {0};
	signed_timeout(&t3, others[2], 1); /* a validator still in round 1 */
	svm_cons_out_reset(&out);
	cr_assert_eq(svm_cons_on_message(c, others[2], t3.data, t3.len, 10010, &out), 0);
	uint64_t r = 0;
	cr_assert(sent_tc(&out, others[2], &r) && r == 1, "the TC of round 1 goes to the one behind");
	svm_cons_free(c);
	/* The same record without its TC (what version 1 stored): stuck a round behind. */
	rec.version = 1;
	rec.has_tc = false;
	svm_buf_t old = {0};
	cr_assert_eq(svm_cons_safety_encode(&rec, &old), 0);
	cfg.safety = old.data;
	cfg.safety_len = old.len;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_reset(&out);
	svm_cons_start(c, 10000, &out);
	svm_cons_status(c, &st);
	cr_assert_eq(st.round, 1);
	svm_cons_out_reset(&out);
	svm_cons_on_message(c, others[2], t3.data, t3.len, 10010, &out);
	cr_assert(!sent_tc(&out, others[2], &r));
	svm_cons_free(c);
	svm_cons_out_free(&out);
	svm_buf_free(&t1), svm_buf_free(&t2), svm_buf_free(&t3), svm_buf_free(&disk), svm_buf_free(&old);
	svm_buf_free(&mem_record);
}

/* ------------------------------------------------------- epoch boundary */

static int epoch_validators(void *ctx, uint64_t epoch, svm_cons_valset_t *out)
{
	(void)ctx;
	*out = vs;
	out->epoch = epoch;
	return 0;
}

static int ok_persist(void *ctx, const uint8_t *rec, size_t len) { return 0; }

static size_t votes_in(const svm_cons_out_t *out)
{
	size_t k = 0;
	for (size_t i = 0; i < out->n_actions; i++)
		if (out->bytes.data[out->actions[i].off] == SVM_CONS_TAG_VOTE) k++;
	return k;
}

static void signed_vote(svm_buf_t *out, uint32_t voter, uint64_t epoch, uint64_t tag);

/* At every epoch boundary one validator starts the next epoch a few milliseconds before
 * another, so each receives honest proposals of the epoch before or after its own. Their
 * signatures cover their epoch and so do not verify against ours: such a proposal must be
 * refused as another epoch's (SVM_EINVAL: the node ignores it), not as a forgery (SVM_ESIG:
 * the node bans the sender for 30 s — at every boundary, until the testnet lost its quorum).
 * The next epoch's is SVM_EBUSY: the node holds it for its own switch (dropped, the epoch's
 * first round timed out), and the next epoch's core takes it and votes. A forged signature in
 * our own epoch is still SVM_ESIG, and the honest one gets our vote. */
Test(consensus, a_proposal_of_the_epoch_before_or_after_is_another_epochs_not_a_forgery)
{
	setup_set(4, NULL);
	svm_log_set_level(SVM_LOG_ERROR);
	svm_cons_host_t host = {.validators = epoch_validators, .propose = constest_propose, .execute = constest_execute, .commit = constest_commit, .persist = ok_persist};
	svm_cons_config_t cfg = {.chain_id = chain, .epoch = 1, .epoch_seed = genesis, .genesis_id = genesis, .committed_id = genesis, .key = &keys[0], .round_timeout_ms = 1000};
	svm_cons_t *c;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	uint32_t leader = svm_cons_leader(c, 1), me = leader == 0 ? 1 : 0;
	svm_cons_free(c);
	cfg.key = key_of(me);
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	svm_cons_start(c, 0, &out);
	svm_buf_t before = {0}, after = {0}, forged = {0}, ours = {0}, far = {0}, vote = {0}, tmo = {0};
	proposal_at(&before, key_of(leader), 0, 1);
	proposal_at(&after, key_of(leader), 2, 1);
	proposal_at(&far, key_of(leader), 3, 1);
	signed_vote(&vote, leader, 2, 1);
	signed_timeout(&tmo, leader, 1);
	tmo.data[1] = 2; /* the epoch (a one-byte varint after the tag): the next one */
	proposal_at(&ours, key_of(leader), 1, 1);
	proposal_at(&forged, key_of(leader), 1, 2);
	forged.data[forged.len - 7] ^= 1; /* in the signature */
	svm_cons_out_reset(&out);
	cr_assert_eq(svm_cons_on_message(c, leader, after.data, after.len, 10, &out), SVM_EBUSY);
	cr_assert_eq(svm_cons_on_message(c, leader, vote.data, vote.len, 10, &out), SVM_EBUSY);
	cr_assert_eq(svm_cons_on_message(c, leader, tmo.data, tmo.len, 10, &out), SVM_EBUSY);
	cr_assert_eq(svm_cons_on_message(c, leader, far.data, far.len, 10, &out), SVM_EINVAL);
	cr_assert_eq(svm_cons_on_message(c, leader, before.data, before.len, 11, &out), SVM_EINVAL);
	cr_assert_eq(votes_in(&out), 0);
	cr_assert_eq(svm_cons_on_message(c, leader, forged.data, forged.len, 12, &out), SVM_ESIG);
	cr_assert_eq(votes_in(&out), 0);
	cr_assert_eq(svm_cons_on_message(c, leader, ours.data, ours.len, 13, &out), 0);
	cr_assert_eq(votes_in(&out), 1, "the proposal of our epoch gets our vote");
	/* the held one, handed to the next epoch's core (same set and seed: same leader) */
	svm_cons_free(c);
	cfg.epoch = 2;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_reset(&out);
	svm_cons_start(c, 20, &out);
	svm_cons_out_reset(&out);
	cr_assert_eq(svm_cons_on_message(c, leader, after.data, after.len, 21, &out), 0);
	cr_assert_eq(votes_in(&out), 1, "the next epoch's core votes for the held proposal");
	svm_buf_free(&far);
	svm_buf_free(&vote);
	svm_buf_free(&tmo);
	svm_buf_free(&before);
	svm_buf_free(&after);
	svm_buf_free(&forged);
	svm_buf_free(&ours);
	svm_cons_out_free(&out);
	svm_cons_free(c);
}

/* ---------------------------------------------------------------- evidence */

static int ev_seen;
static void ev_host_evidence(void *ctx, const svm_cons_evidence_t *e) { ev_seen++; }
static int ev_persist(void *ctx, const uint8_t *rec, size_t len) { return 0; }

/* A signed vote of set index voter for round 3, block picked by tag. */
static void signed_vote(svm_buf_t *out, uint32_t voter, uint64_t epoch, uint64_t tag)
{
	svm_cons_vote_t v;
	memset(&v, 0, sizeof v);
	svm_sha256(&tag, 8, &v.data.block_id);
	v.data.round = 3;
	v.data.height = 3;
	v.data.parent_round = 2;
	v.epoch = epoch;
	v.voter = voter;
	uint8_t m[SVM_CONS_SIGNED_BYTES];
	svm_cons_vote_message(chain, epoch, &v.data, m);
	svm_ed25519_sign(v.sig, m, sizeof m, key_of(voter)->secret_key);
	cr_assert_eq(svm_cons_vote_encode(&v, out), 0);
}

static void make_evidence(svm_buf_t *out, const svm_buf_t *x, const svm_buf_t *y, bool ordered)
{
	svm_cons_evidence_t e = {.kind = SVM_CONS_EVIDENCE_DOUBLE_VOTE};
	size_t m = x->len < y->len ? x->len : y->len;
	bool x_first = memcmp(x->data, y->data, m) < 0 || (memcmp(x->data, y->data, m) == 0 && x->len < y->len);
	if (!ordered) x_first = !x_first;
	const svm_buf_t *a = x_first ? x : y, *b = x_first ? y : x;
	svm_buf_append(&e.a, a->data, a->len);
	svm_buf_append(&e.b, b->data, b->len);
	cr_assert_eq(svm_cons_evidence_encode(&e, out), 0);
	svm_cons_evidence_free(&e);
}

Test(consensus, evidence_messages_are_verified_kept_once_and_bad_ones_refused)
{
	setup_set(4, NULL);
	svm_cons_config_t cfg = {.chain_id = chain, .epoch_seed = genesis, .genesis_id = genesis, .committed_id = genesis, .key = key_of(0), .round_timeout_ms = 1000};
	svm_cons_host_t host = {.validators = constest_validators, .propose = constest_propose, .execute = constest_execute, .commit = constest_commit, .persist = ev_persist, .evidence = ev_host_evidence};
	svm_cons_t *c;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	svm_buf_t v1 = {0}, v2 = {0}, v3 = {0}, ev = {0}, bad = {0};
	signed_vote(&v1, 2, 0, 1);
	signed_vote(&v2, 2, 0, 2);
	signed_vote(&v3, 3, 0, 2); /* another voter */
	ev_seen = 0;

	/* a real double vote: accepted, kept, reported once even when received twice */
	make_evidence(&ev, &v1, &v2, true);
	cr_assert_eq(svm_cons_on_message(c, 1, ev.data, ev.len, 1, &out), 0);
	cr_assert_eq(svm_cons_on_message(c, 1, ev.data, ev.len, 2, &out), 0);
	cr_assert_eq(ev_seen, 1);
	const svm_cons_evidence_t *e = svm_cons_evidence(c, 0);
	cr_assert_not_null(e);
	cr_assert_eq(e->kind, SVM_CONS_EVIDENCE_DOUBLE_VOTE);
	cr_assert_eq(e->round, 3);
	cr_assert(svm_hash_eq(&e->validator, &vs.v[2].id));
	cr_assert_null(svm_cons_evidence(c, 1));
	svm_cons_evidence_t chk;
	cr_assert_eq(svm_cons_evidence_verify(ev.data, ev.len, &vs, chain, NULL, &chk), 0);
	/* the staking program's form: its rule (two signatures of the key over svm_vote_message
	 * at one chain/epoch/height/round/kind, hash1 < hash2) holds, and it encodes canonically */
	svm_evidence_t se;
	cr_assert_eq(svm_cons_evidence_stake(&chk, &vs, chain, &se), 0);
	cr_assert_eq(memcmp(se.key, vs.v[2].pubkey, 32), 0);
	cr_assert_eq(se.epoch, vs.epoch);
	cr_assert_eq(se.height, 3);
	cr_assert_eq(se.round, 3);
	cr_assert_eq(se.kind, 0);
	cr_assert_lt(memcmp(se.hash[0].b, se.hash[1].b, 32), 0);
	for (int k = 0; k < 2; k++) {
		uint8_t msg[SVM_VOTE_MESSAGE_SIZE];
		svm_vote_message(chain, se.epoch, se.height, se.round, se.kind, &se.hash[k], msg);
		cr_assert_eq(svm_ed25519_verify(se.sig[k], msg, sizeof msg, se.key), 0);
	}
	cr_assert_eq(svm_evidence_verify(&se, chain), 0);
	cr_assert_eq(svm_evidence_verify(&se, chain + 1), SVM_ESIG, "another chain");
	svm_buf_t senc = {0};
	cr_assert_eq(svm_evidence_encode(&se, &senc), 0);
	svm_reader_t rd = svm_reader(senc.data, senc.len);
	svm_evidence_t back;
	cr_assert_eq(svm_evidence_decode(&rd, &back), 0);
	cr_assert(memcmp(back.key, se.key, 32) == 0 && back.epoch == se.epoch && back.height == se.height &&
		  back.round == se.round &&
		  back.kind == se.kind && memcmp(back.hash, se.hash, sizeof se.hash) == 0 &&
		  memcmp(back.sig, se.sig, sizeof se.sig) == 0);
	svm_buf_free(&senc);
	svm_cons_evidence_free(&chk);

	/* not canonical (b < a), two voters, one vote twice, a forged signature, truncated, a
	 * trailing byte, another chain: refused, nothing kept */
	make_evidence(&bad, &v1, &v2, false);
	cr_assert_eq(svm_cons_on_message(c, 1, bad.data, bad.len, 3, &out), SVM_EDECODE);
	svm_buf_reset(&bad);
	make_evidence(&bad, &v1, &v3, true);
	cr_assert_eq(svm_cons_on_message(c, 1, bad.data, bad.len, 3, &out), SVM_EINVAL);
	svm_buf_reset(&bad);
	make_evidence(&bad, &v1, &v1, true);
	cr_assert_eq(svm_cons_on_message(c, 1, bad.data, bad.len, 3, &out), SVM_EDECODE);
	svm_buf_reset(&bad);
	svm_buf_append(&bad, ev.data, ev.len);
	bad.data[bad.len - 1] ^= 1; /* inside b's signature */
	cr_assert_eq(svm_cons_on_message(c, 1, bad.data, bad.len, 3, &out), SVM_ESIG);
	for (size_t cut = 0; cut < ev.len; cut++)
		cr_assert_neq(svm_cons_on_message(c, 1, ev.data, cut, 3, &out), 0, "truncated at %zu", cut);
	svm_buf_reset(&bad);
	svm_buf_append(&bad, ev.data, ev.len);
	svm_buf_push(&bad, 0);
	cr_assert_eq(svm_cons_on_message(c, 1, bad.data, bad.len, 3, &out), SVM_EDECODE);
	cr_assert_eq(svm_cons_evidence_verify(ev.data, ev.len, &vs, chain + 1, NULL, &chk), SVM_ESIG);
	cr_assert_eq(ev_seen, 1);
	cr_assert_null(svm_cons_evidence(c, 1));

	svm_buf_free(&v1), svm_buf_free(&v2), svm_buf_free(&v3), svm_buf_free(&ev), svm_buf_free(&bad);
	svm_cons_out_free(&out);
	svm_cons_free(c);
}

/* Two proposals of one leader for round 1 of `epoch` (different blocks), as evidence. */
static void double_proposal(svm_buf_t *ev, const svm_keypair_t *leader, uint64_t epoch)
{
	svm_buf_t x = {0}, y = {0};
	proposal_at(&x, leader, epoch, 1);
	proposal_at(&y, leader, epoch, 2);
	svm_cons_evidence_t e = {.kind = SVM_CONS_EVIDENCE_DOUBLE_PROPOSAL};
	size_t m = x.len < y.len ? x.len : y.len;
	int cmp = memcmp(x.data, y.data, m);
	bool x_first = cmp < 0 || (cmp == 0 && x.len < y.len);
	svm_buf_append(&e.a, x_first ? x.data : y.data, x_first ? x.len : y.len);
	svm_buf_append(&e.b, x_first ? y.data : x.data, x_first ? y.len : x.len);
	cr_assert_eq(svm_cons_evidence_encode(&e, ev), 0);
	svm_cons_evidence_free(&e);
	svm_buf_free(&x);
	svm_buf_free(&y);
}

/* Evidence of a double proposal (or vote) found in the epoch before or after ours — an honest
 * validator passes on what it found, and validators switch epochs milliseconds apart — is
 * another epoch's (SVM_EINVAL: ignored), not a forgery (SVM_ESIG: the node bans the sender).
 * Proposals were checked with our epoch's signing message without looking at their own epoch
 * (their parent QC's), as core.c's proposal_valid was before: an honest relay looked forged. A
 * really forged signature in our epoch is still SVM_ESIG, and the same evidence checked against
 * its own epoch's set passes. */
Test(consensus, evidence_of_a_neighbouring_epoch_is_another_epochs_not_a_forgery)
{
	setup_set(4, NULL);
	svm_log_set_level(SVM_LOG_ERROR);
	svm_cons_host_t host = {.validators = epoch_validators, .propose = constest_propose, .execute = constest_execute, .commit = constest_commit, .persist = ok_persist, .evidence = ev_host_evidence};
	svm_cons_config_t cfg = {.chain_id = chain, .epoch = 1, .epoch_seed = genesis, .genesis_id = genesis, .committed_id = genesis, .key = key_of(0), .round_timeout_ms = 1000};
	svm_cons_t *c;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	svm_cons_valset_t *sets = malloc(3 * sizeof *sets);
	for (uint64_t e = 0; e < 3; e++) {
		sets[e] = vs;
		sets[e].epoch = e;
	}
	svm_buf_t ev[3] = {{0}}, vx = {0}, vy = {0}, vev = {0}, forged = {0};
	for (uint64_t e = 0; e < 3; e++) double_proposal(&ev[e], key_of(2), e);
	ev_seen = 0;
	for (uint64_t e = 0; e < 3; e += 2) {
		svm_cons_evidence_t chk;
		cr_assert_eq(svm_cons_evidence_verify(ev[e].data, ev[e].len, &sets[e], chain, NULL, &chk), 0,
			     "against its own epoch's set (%llu)", (unsigned long long)e);
		cr_assert_eq(chk.kind, SVM_CONS_EVIDENCE_DOUBLE_PROPOSAL);
		cr_assert_eq(chk.epoch, e);
		svm_cons_evidence_free(&chk);
		cr_assert_eq(svm_cons_evidence_verify(ev[e].data, ev[e].len, &sets[1], chain, NULL, &chk), SVM_EINVAL,
			     "epoch %llu's evidence against epoch 1's set", (unsigned long long)e);
		cr_assert_eq(svm_cons_on_message(c, 3, ev[e].data, ev[e].len, 10, &out), SVM_EINVAL,
			     "epoch %llu's evidence received in epoch 1", (unsigned long long)e);
	}
	cr_assert_eq(ev_seen, 0);
	/* double votes of another epoch: the same answer */
	signed_vote(&vx, 2, 0, 1);
	signed_vote(&vy, 2, 0, 2);
	make_evidence(&vev, &vx, &vy, true);
	cr_assert_eq(svm_cons_on_message(c, 3, vev.data, vev.len, 11, &out), SVM_EINVAL);
	cr_assert_eq(ev_seen, 0);
	/* our own epoch: kept; with a forged signature: SVM_ESIG */
	svm_buf_append(&forged, ev[1].data, ev[1].len);
	forged.data[forged.len - 5] ^= 1; /* inside b's signature */
	cr_assert_eq(svm_cons_on_message(c, 3, forged.data, forged.len, 12, &out), SVM_ESIG);
	cr_assert_eq(ev_seen, 0);
	cr_assert_eq(svm_cons_on_message(c, 3, ev[1].data, ev[1].len, 13, &out), 0);
	cr_assert_eq(ev_seen, 1);
	const svm_cons_evidence_t *kept = svm_cons_evidence(c, 0);
	cr_assert(kept != NULL && kept->kind == SVM_CONS_EVIDENCE_DOUBLE_PROPOSAL && kept->epoch == 1 &&
		  svm_hash_eq(&kept->validator, &vs.v[2].id));
	for (int e = 0; e < 3; e++) svm_buf_free(&ev[e]);
	svm_buf_free(&vx), svm_buf_free(&vy), svm_buf_free(&vev), svm_buf_free(&forged);
	free(sets);
	svm_cons_out_free(&out);
	svm_cons_free(c);
}

/* A header of a block of the epoch `epoch` proposed by set index `proposer`, whose parent QC
 * (of that epoch) is signed by the validators of signers_mask; qc_buf holds the encoding. */
static void carry_header(svm_header_t *h, svm_buf_t *qc_buf, uint64_t epoch, uint32_t proposer,
			 uint32_t signers_mask)
{
	svm_cons_qc_t qc;
	make_qc(&qc, 5, signers_mask);
	qc.epoch = epoch;
	svm_buf_reset(qc_buf);
	cr_assert_eq(svm_cons_qc_encode(&qc, qc_buf), 0);
	memset(h, 0, sizeof *h);
	h->proposer = vs.v[proposer].id;
	h->parent_qc = qc_buf->data;
	h->parent_qc_len = qc_buf->len;
}

Test(consensus, reputation_carries_the_inactive_into_the_next_epoch)
{
	setup_set(4, NULL);
	svm_cons_valset_t next = vs;
	next.epoch = 1;
	svm_header_t h[3];
	svm_buf_t q[3] = {{0}};
	uint8_t out[SVM_CONS_BITMAP_BYTES];
	/* v3 neither proposed nor signed: carried; nobody else is. */
	carry_header(&h[0], &q[0], 0, 0, 0x7);
	carry_header(&h[1], &q[1], 0, 1, 0x7);
	carry_header(&h[2], &q[2], 0, 2, 0x3);
	svm_cons_inactive_carry(&vs, NULL, &next, h, 3, out);
	for (uint32_t i = 0; i < 4; i++) cr_assert_eq(cons_test_bit(out, i), i == 3, "validator %u", i);
	/* One signature of v3's in the window is enough to be active. */
	carry_header(&h[2], &q[2], 0, 2, 0xb);
	svm_cons_inactive_carry(&vs, NULL, &next, h, 3, out);
	for (uint32_t i = 0; i < 4; i++) cr_assert(!cons_test_bit(out, i));
	/* So is a proposal; a QC of another epoch counts for nothing. */
	carry_header(&h[2], &q[2], 7, 3, 0xf);
	svm_cons_inactive_carry(&vs, NULL, &next, h, 3, out);
	for (uint32_t i = 0; i < 4; i++) cr_assert(!cons_test_bit(out, i));
	carry_header(&h[2], &q[2], 7, 2, 0xf);
	svm_cons_inactive_carry(&vs, NULL, &next, h, 3, out);
	cr_assert(cons_test_bit(out, 3));
	/* No headers: no information, no one carried. */
	svm_cons_inactive_carry(&vs, NULL, &next, h, 0, out);
	for (uint32_t i = 0; i < 4; i++) cr_assert(!cons_test_bit(out, i));
	/* A member of the next set that was not in the previous one is not carried. */
	svm_cons_valset_t prev3 = vs;
	prev3.n = 3; /* v3 was not a validator */
	carry_header(&h[2], &q[2], 0, 2, 0x3);
	svm_cons_inactive_carry(&prev3, NULL, &next, h, 3, out);
	for (uint32_t i = 0; i < 4; i++) cr_assert(!cons_test_bit(out, i));
	for (int i = 0; i < 3; i++) svm_buf_free(&q[i]);
}

/* The carry also holds who *failed* at the end of the previous epoch: four validators, all
 * signing every QC (so none is inactive), blocks of rounds 1, 2, 3 and 5 — round 4 failed. Its
 * leader X (by the previous epoch's seed) proposed nothing after it: carried, though it signed.
 * Without the previous seed (the old carry: inactivity only) nobody is; with a block of X's
 * after the gap nobody is; the replay stops at a header whose round does not fall. */
Test(consensus, reputation_carries_a_recent_failure_into_the_next_epoch)
{
	setup_set(4, NULL);
	svm_cons_valset_t next = vs;
	next.epoch = 1;
	svm_hash_t seed;
	svm_sha256("carry", 5, &seed);
	svm_hash_t s4;
	cons_leader_seed(&seed, 4, &s4);
	uint32_t x = svm_cons_pick(&vs, &s4, NULL), p = (x + 1) % 4;
	svm_header_t h[4];
	svm_buf_t q[4] = {{0}};
	uint64_t rounds[4] = {5, 3, 2, 1}; /* newest first: round 4 is the gap */
	for (int k = 0; k < 4; k++) {
		carry_header(&h[k], &q[k], 0, p, 0xf);
		h[k].round = rounds[k];
	}
	uint8_t out[SVM_CONS_BITMAP_BYTES];
	svm_cons_inactive_carry(&vs, &seed, &next, h, 4, out);
	for (uint32_t i = 0; i < 4; i++) cr_assert_eq(cons_test_bit(out, i), i == x, "validator %u (x = %u)", i, x);
	svm_cons_inactive_carry(&vs, NULL, &next, h, 4, out);
	for (uint32_t i = 0; i < 4; i++) cr_assert(!cons_test_bit(out, i), "old carry: validator %u", i);
	/* X proposed round 5's block after failing round 4: no longer failed. */
	carry_header(&h[0], &q[0], 0, x, 0xf);
	h[0].round = 5;
	svm_cons_inactive_carry(&vs, &seed, &next, h, 4, out);
	for (uint32_t i = 0; i < 4; i++) cr_assert(!cons_test_bit(out, i), "validator %u", i);
	/* Rounds that do not fall end the replayed window: the gap below is not read. */
	carry_header(&h[0], &q[0], 0, p, 0xf);
	h[0].round = 5, h[1].round = 6;
	svm_cons_inactive_carry(&vs, &seed, &next, h, 4, out);
	for (uint32_t i = 0; i < 4; i++) cr_assert(!cons_test_bit(out, i), "validator %u", i);
	/* Every validator computes the same bits: the same headers give the same answer. */
	h[1].round = 3;
	uint8_t again[SVM_CONS_BITMAP_BYTES];
	svm_cons_inactive_carry(&vs, &seed, &next, h, 4, out);
	svm_cons_inactive_carry(&vs, &seed, &next, h, 4, again);
	cr_assert_arr_eq(out, again, SVM_CONS_BITMAP_BYTES);
	cr_assert(cons_test_bit(out, x));
	for (int i = 0; i < 4; i++) svm_buf_free(&q[i]);
}

/* ------------------------------------------------ reputation: who failed a round */

/* The pick of `round` with the validators of `excl` (in that order, most recent failure first)
 * excluded under the one-third cap — what cons_reputation_leader computes, written out. */
static uint32_t pick_excluding(const svm_hash_t *seed, uint64_t round, const uint32_t *excl, uint32_t n_excl)
{
	uint8_t eligible[SVM_CONS_BITMAP_BYTES];
	memset(eligible, 0xff, sizeof eligible);
	uint64_t excluded = 0;
	for (uint32_t k = 0; k < n_excl; k++) {
		if (3 * (excluded + vs.v[excl[k]].stake) >= vs.total_stake) break;
		excluded += vs.v[excl[k]].stake;
		eligible[excl[k] / 8] &= (uint8_t) ~(1u << (excl[k] % 8));
	}
	svm_hash_t s;
	cons_leader_seed(seed, round, &s);
	return svm_cons_pick(&vs, &s, excluded == 0 ? NULL : eligible);
}

/* A failed round is blamed on the leader it actually had. Seven validators, all signing; block
 * A in round 1, a failed round 2, block B in round 3, a failed round 4, and the leader of round
 * 5 asked. X is the base leader of rounds 2 and 4: round 2 fails, so X is excluded in round 4,
 * which Z leads in its place — and fails. The old rule blamed round 4's base leader (X again),
 * so Z stayed eligible and could be handed round 5; now Z is blamed: round 5 is picked with
 * both excluded (2 of 7 < a third). The epoch seed is searched so that round 5 tells the two
 * rules apart; the leader of round 4 by the window then (B, A) must be the one blamed. */
Test(consensus, reputation_blames_the_leader_a_failed_round_actually_had)
{
	setup_set(7, NULL);
	uint8_t carry[SVM_CONS_BITMAP_BYTES] = {0};
	bool found = false;
	for (uint32_t s = 0; s < 10000 && !found; s++) {
		svm_hash_t seed;
		svm_sha256(&s, sizeof s, &seed);
		uint32_t x = pick_excluding(&seed, 2, NULL, 0);
		if (pick_excluding(&seed, 4, NULL, 0) != x) continue;
		uint32_t z = pick_excluding(&seed, 4, &x, 1);
		uint32_t both[2] = {z, x};
		uint32_t now = pick_excluding(&seed, 5, both, 2), old = pick_excluding(&seed, 5, &x, 1);
		if (now == old) continue;
		found = true;
		uint32_t p = 0;
		while (p == x || p == z) p++;
		cons_rep_block_t win[2] = {{.round = 3, .proposer = p}, {.round = 1, .proposer = p}};
		memset(win[0].signers, 0xff, 1), memset(win[1].signers, 0xff, 1);
		cr_assert_eq(cons_reputation_leader(&vs, &seed, 4, win, 2, true, true, carry), z,
			     "seed %u: round 4's leader is the replacement", s);
		uint32_t got = cons_reputation_leader(&vs, &seed, 5, win, 2, true, true, carry);
		cr_assert_eq(got, now, "seed %u: round 5 led by %u, want %u (the old rule's %u)", s, got, now, old);
		cr_assert_neq(got, z);
		cr_assert_neq(got, x);
		/* A proposal of Z's newer than its failure (a block of round 4 by Z) lifts it: only X
		 * (round 2) has failed then. */
		cons_rep_block_t win2[3] = {{.round = 4, .proposer = z}, {.round = 3, .proposer = p}, {.round = 1, .proposer = p}};
		for (int k = 0; k < 3; k++) memset(win2[k].signers, 0xff, 1);
		cr_assert_eq(cons_reputation_leader(&vs, &seed, 5, win2, 3, true, true, carry), pick_excluding(&seed, 5, &x, 1));
	}
	cr_assert(found, "no seed told the two rules apart");
}

/* The rounds of an epoch before its first certified block failed too: at the epoch's start
 * (the window reaches its genesis, round 0) they are blamed like any gap. Four validators; X
 * leads rounds 1 and 2 by the seed. Round 1 failed: round 2 (nothing certified yet) is not
 * X's; nor is a later round of X's after a block of round 2 by another. The old replay counted
 * only the gaps above the window's oldest block, so X was handed round 2 (and round 3). */
Test(consensus, reputation_blames_the_failed_rounds_before_an_epochs_first_block)
{
	setup_set(4, NULL);
	uint8_t carry[SVM_CONS_BITMAP_BYTES] = {0};
	bool found = false;
	for (uint32_t s = 0; s < 10000 && !found; s++) {
		svm_hash_t seed;
		svm_sha256(&s, sizeof s, &seed);
		uint32_t x = pick_excluding(&seed, 1, NULL, 0);
		if (pick_excluding(&seed, 2, NULL, 0) != x || pick_excluding(&seed, 3, NULL, 0) != x) continue;
		found = true;
		cr_assert_eq(cons_reputation_leader(&vs, &seed, 1, NULL, 0, true, true, carry), x, "round 1 is X's");
		uint32_t r2 = cons_reputation_leader(&vs, &seed, 2, NULL, 0, true, true, carry);
		cr_assert_neq(r2, x, "seed %u: round 1 failed, round 2 went to X again", s);
		cr_assert_eq(r2, pick_excluding(&seed, 2, &x, 1));
		uint32_t p = (x + 1) % 4;
		cons_rep_block_t win[1] = {{.round = 2, .proposer = p}};
		memset(win[0].signers, 0x0f, 1);
		uint32_t r3 = cons_reputation_leader(&vs, &seed, 3, win, 1, true, true, carry);
		cr_assert_neq(r3, x, "seed %u: X failed round 1 and proposed nothing since", s);
		cr_assert_eq(r3, pick_excluding(&seed, 3, &x, 1));
		/* Not at the epoch's start (the window's base is not the genesis): nothing below the
		 * oldest block is read. */
		cr_assert_eq(cons_reputation_leader(&vs, &seed, 3, win, 1, false, false, carry), x);
	}
	cr_assert(found, "no seed gave X rounds 1 to 3");
}

/* ------------------------------------------------ the QC of a committed block */

static uint64_t qc_commit_height;
static bool qc_commit_had_qc;
static svm_cons_qc_t qc_commit_qc;
static int qc_commit(void *ctx, const svm_hash_t *id, const uint8_t *blk, size_t len, uint64_t height,
		     const svm_cons_qc_t *qc)
{
	(void)ctx, (void)blk, (void)len;
	qc_commit_height = height;
	qc_commit_had_qc = qc != NULL;
	if (qc != NULL) {
		cr_assert(svm_hash_eq(&qc->data.block_id, id), "the QC handed over certifies the block");
		qc_commit_qc = *qc;
	}
	return 0;
}

/* Vote of set index voter for d (epoch 0). */
static void vote_on(svm_buf_t *out, uint32_t voter, const svm_cons_vote_data_t *d)
{
	svm_cons_vote_t v = {.data = *d, .epoch = 0, .voter = voter};
	uint8_t m[SVM_CONS_SIGNED_BYTES];
	svm_cons_vote_message(chain, 0, d, m);
	svm_ed25519_sign(v.sig, m, sizeof m, key_of(voter)->secret_key);
	svm_buf_reset(out);
	cr_assert_eq(svm_cons_vote_encode(&v, out), 0);
}

/* svm_getBlockQC serves the QC the core hands to commit. Under the 2-chain rule block P commits
 * when a QC for its child B (of round(P) + 1) forms; the QC certifying P is then in B's header —
 * but a validator that never received B's proposal (the QC formed from the others' votes, or
 * came with a timeout) does not hold B. It did hold P's QC a round earlier, as its highest QC:
 * that one is handed over. Before, commit got NULL and the node had no QC for its newest block
 * until the next one committed. */
Test(consensus, a_committed_block_gets_its_qc_when_its_child_was_never_received)
{
	setup_set(4, NULL);
	svm_log_set_level(SVM_LOG_ERROR);
	svm_cons_host_t host = {.validators = constest_validators, .propose = constest_propose, .execute = constest_execute, .commit = qc_commit, .persist = ok_persist};
	svm_cons_config_t cfg = {.chain_id = chain, .epoch_seed = genesis, .genesis_id = genesis, .committed_id = genesis, .key = &keys[0], .round_timeout_ms = 1000};
	svm_cons_t *c;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	uint32_t l1 = svm_cons_leader(c, 1), l2 = svm_cons_leader(c, 2), me = 0;
	while (me == l1 || me == l2) me++;
	svm_cons_free(c);
	uint32_t others[3], k = 0;
	for (uint32_t i = 0; i < 4; i++)
		if (i != me) others[k++] = i;
	cfg.key = key_of(me);
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	svm_cons_start(c, 0, &out);
	/* round 1: P, our vote and two more: QC(P) forms here */
	svm_buf_t p = {0}, v = {0};
	proposal_r1(&p, key_of(l1), 7);
	svm_arena_t ar;
	svm_arena_init(&ar, 0);
	svm_cons_proposal_t *pm = malloc(sizeof *pm);
	cr_assert_eq(svm_cons_proposal_decode(p.data, p.len, &ar, pm, NULL), 0);
	svm_cons_vote_data_t dp = {.block_id = pm->block_id, .round = 1, .height = 1, .parent_id = genesis, .parent_round = 0, .exec_root = pm->block_id};
	svm_cons_out_reset(&out);
	cr_assert_eq(svm_cons_on_message(c, l1, p.data, p.len, 10, &out), 0);
	cr_assert_eq(votes_in(&out), 1, "we vote for P");
	for (int i = 0; i < 2; i++) {
		vote_on(&v, others[i], &dp);
		cr_assert_eq(svm_cons_on_message(c, others[i], v.data, v.len, 11, &out), 0);
	}
	svm_cons_status_t st;
	svm_cons_status(c, &st);
	cr_assert_eq(st.hqc_round, 1);
	cr_assert_eq(st.round, 2);
	/* round 2: B's proposal never reaches us; the three others' votes for it do */
	svm_cons_vote_data_t db = {.round = 2, .height = 2, .parent_id = pm->block_id, .parent_round = 1};
	svm_sha256("B", 1, &db.block_id);
	db.exec_root = db.block_id;
	qc_commit_height = 0;
	for (int i = 0; i < 3; i++) {
		vote_on(&v, others[i], &db);
		cr_assert_eq(svm_cons_on_message(c, others[i], v.data, v.len, 20 + (uint64_t)i, &out), 0);
	}
	svm_cons_out_reset(&out);
	svm_cons_tick(c, 30, &out); /* commits run at the start of the next step */
	cr_assert_eq(qc_commit_height, 1, "QC(B) commits P");
	cr_assert(qc_commit_had_qc, "P's QC is handed to commit although B was never received");
	cr_assert_eq(qc_commit_qc.data.round, 1);
	cr_assert_eq(svm_cons_qc_verify(&qc_commit_qc, &vs, chain, &genesis, NULL), 0);
	svm_arena_reset(&ar);
	free(pm);
	svm_buf_free(&p), svm_buf_free(&v);
	svm_cons_out_free(&out);
	svm_cons_free(c);
}

static int certified_calls;
static uint64_t certified_height;
static svm_cons_qc_t certified_qc;
static int qc_certified(void *ctx, const svm_hash_t *id, uint64_t height, const svm_cons_qc_t *qc)
{
	(void)ctx;
	cr_assert(svm_hash_eq(&qc->data.block_id, id), "the late QC certifies the block named");
	certified_calls++;
	certified_height = height;
	certified_qc = *qc;
	return 0;
}

/* A validator that never held P's QC at all (its own vote for P went out, the others' did not
 * reach it) commits P when the votes for P's child B form QC(B): the QC certifying P is in B's
 * header, and B's proposal has not arrived. commit gets NULL — the node then keeps the commit
 * proof (QC(B)), which must verify — and when B's proposal does arrive, the core hands P's QC
 * over (host.certified), once. Before, the node had nothing better than the proof until the
 * next block committed. */
Test(consensus, a_block_committed_without_its_qc_gets_it_when_the_child_arrives)
{
	setup_set(4, NULL);
	svm_log_set_level(SVM_LOG_ERROR);
	svm_cons_host_t host = {.validators = constest_validators, .propose = constest_propose, .execute = constest_execute, .commit = qc_commit, .persist = ok_persist, .certified = qc_certified};
	svm_cons_config_t cfg = {.chain_id = chain, .epoch_seed = genesis, .genesis_id = genesis, .committed_id = genesis, .key = &keys[0], .round_timeout_ms = 1000};
	svm_cons_t *c;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	uint32_t l1 = svm_cons_leader(c, 1), l2 = svm_cons_leader(c, 2), me = 0;
	while (me == l1 || me == l2) me++;
	svm_cons_free(c);
	uint32_t others[3], k = 0;
	for (uint32_t i = 0; i < 4; i++)
		if (i != me) others[k++] = i;
	cfg.key = key_of(me);
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	svm_cons_start(c, 0, &out);
	/* round 1: P arrives and we vote; no other vote for P reaches us */
	svm_buf_t p = {0}, v = {0}, qcb = {0}, blk = {0}, bp = {0};
	proposal_r1(&p, key_of(l1), 9);
	svm_arena_t ar;
	svm_arena_init(&ar, 0);
	svm_cons_proposal_t *pm = malloc(sizeof *pm);
	cr_assert_eq(svm_cons_proposal_decode(p.data, p.len, &ar, pm, NULL), 0);
	svm_hash_t pid = pm->block_id;
	cr_assert_eq(svm_cons_on_message(c, l1, p.data, p.len, 10, &out), 0);
	cr_assert_eq(votes_in(&out), 1, "we vote for P");
	/* QC(P) as the others made it, in B's header (B: round 2 by l2) */
	svm_cons_qc_t *qp = calloc(1, sizeof *qp);
	qp->data = (svm_cons_vote_data_t){.block_id = pid, .round = 1, .height = 1, .parent_id = genesis, .parent_round = 0, .exec_root = pid};
	uint8_t m[SVM_CONS_SIGNED_BYTES];
	svm_cons_vote_message(chain, 0, &qp->data, m);
	for (int i = 0; i < 3; i++) {
		qp->bitmap[others[i] / 8] |= (uint8_t)(1u << (others[i] % 8));
	}
	for (uint32_t i = 0; i < 4; i++)
		if (cons_test_bit(qp->bitmap, i)) svm_ed25519_sign(qp->sigs[qp->n_sigs++], m, sizeof m, key_of(i)->secret_key);
	cr_assert_eq(svm_cons_qc_encode(qp, &qcb), 0);
	svm_block_t b;
	memset(&b, 0, sizeof b);
	b.header.chain_id = chain;
	b.header.height = 2;
	b.header.round = 2;
	b.header.parent = pid;
	b.header.proposer = key_of(l2)->id;
	b.header.parent_qc = qcb.data;
	b.header.parent_qc_len = qcb.len;
	cr_assert_eq(svm_block_encode(&b, &blk), 0);
	svm_hash_t bid;
	cr_assert_eq(svm_header_hash(&b.header, &bid), 0);
	uint8_t sm[SVM_CONS_SIGNED_BYTES], sig[64];
	svm_cons_proposal_message(chain, 0, 2, 2, &bid, sm);
	svm_ed25519_sign(sig, sm, sizeof sm, key_of(l2)->secret_key);
	svm_buf_push(&bp, SVM_CONS_TAG_PROPOSAL);
	svm_varint_append(&bp, blk.len);
	svm_buf_append(&bp, blk.data, blk.len);
	svm_buf_push(&bp, 0);
	svm_buf_append(&bp, sig, 64);
	/* round 2: the three others' votes for B reach us, B itself does not: QC(B) commits P */
	svm_cons_vote_data_t db = {.block_id = bid, .round = 2, .height = 2, .parent_id = pid, .parent_round = 1, .exec_root = bid};
	qc_commit_height = 0;
	certified_calls = 0;
	for (int i = 0; i < 3; i++) {
		vote_on(&v, others[i], &db);
		cr_assert_eq(svm_cons_on_message(c, others[i], v.data, v.len, 20 + (uint64_t)i, &out), 0);
	}
	svm_cons_out_reset(&out);
	svm_cons_tick(c, 30, &out);
	cr_assert_eq(qc_commit_height, 1, "QC(B) commits P");
	cr_assert(!qc_commit_had_qc, "P's QC was never held: commit gets none");
	svm_buf_t pf = {0};
	cr_assert_eq(svm_cons_commit_proof(c, &pid, &pf), 0, "the commit proof the node keeps instead");
	cr_assert_eq(svm_cons_commit_proof_verify(pf.data, pf.len, &pid, 1, &vs, chain, &genesis, NULL), 0);
	cr_assert_eq(certified_calls, 0);
	/* B's proposal arrives: P's QC is handed over, once */
	cr_assert_eq(svm_cons_on_message(c, l2, bp.data, bp.len, 40, &out), 0);
	cr_assert_eq(certified_calls, 1, "P's QC handed over when B arrived");
	cr_assert_eq(certified_height, 1);
	cr_assert(svm_hash_eq(&certified_qc.data.block_id, &pid));
	cr_assert_eq(svm_cons_qc_verify(&certified_qc, &vs, chain, &genesis, NULL), 0);
	cr_assert_eq(svm_cons_on_message(c, l2, bp.data, bp.len, 41, &out), 0);
	cr_assert_eq(certified_calls, 1, "not twice");
	svm_arena_reset(&ar);
	free(pm);
	free(qp);
	svm_buf_free(&p), svm_buf_free(&v), svm_buf_free(&qcb), svm_buf_free(&blk), svm_buf_free(&bp), svm_buf_free(&pf);
	svm_cons_out_free(&out);
	svm_cons_free(c);
}

/* A host whose blocks differ at every call (the timestamp counts calls), as a node's do (time,
 * transactions). */
static uint64_t varying_calls;
static int varying_propose(void *ctx, const svm_header_t *t, svm_buf_t *out)
{
	(void)ctx;
	svm_block_t b;
	memset(&b, 0, sizeof b);
	b.header = *t;
	b.header.timestamp_ms = ++varying_calls;
	return svm_block_encode(&b, out);
}

static size_t proposals_in(const svm_cons_out_t *out)
{
	size_t k = 0;
	for (size_t i = 0; i < out->n_actions; i++)
		if (out->bytes.data[out->actions[i].off] == SVM_CONS_TAG_PROPOSAL) k++;
	return k;
}

/* The leader of round 1 proposes (its vote for the proposal stored first) and crashes; restarted
 * from its record it is in round 1 again and still the leader. It must not propose a second,
 * different block for round 1: that is a double proposal, evidence the staking program
 * slashes. Before, nothing but the in-memory `proposed` flag stopped it — e2e-net's kill -9 at
 * an epoch's first round got an honest validator slashed and jailed (seed 1796495901). */
Test(consensus, a_restarted_leader_never_proposes_twice_in_a_round)
{
	setup_set(4, NULL);
	svm_log_set_level(SVM_LOG_ERROR);
	svm_cons_host_t host = {NULL, constest_validators, varying_propose, constest_execute,
				constest_commit, mem_persist, NULL, NULL, NULL, NULL};
	svm_cons_config_t cfg;
	uint32_t l1 = round1_leader_config(&cfg, &host);
	svm_cons_t *c;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	svm_cons_start(c, 0, &out);
	cr_assert_eq(proposals_in(&out), 1, "the leader of round 1 proposes");
	static svm_cons_safety_t rec;
	cr_assert_eq(svm_cons_safety_decode(mem_record.data, mem_record.len, &rec, NULL), 0);
	cr_assert_eq(rec.last_voted_round, 1, "its vote for its proposal is on disk");
	svm_cons_free(c);
	svm_buf_t disk = {0};
	svm_buf_append(&disk, mem_record.data, mem_record.len);
	cfg.safety = disk.data;
	cfg.safety_len = disk.len;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_reset(&out);
	svm_cons_start(c, 10, &out);
	svm_cons_status_t st;
	svm_cons_status(c, &st);
	cr_assert_eq(st.round, 1);
	cr_assert_eq(svm_cons_leader(c, 1), l1, "still the leader of round 1");
	cr_assert_eq(proposals_in(&out), 0, "restarted in round 1, it proposed again");
	svm_cons_out_reset(&out);
	svm_cons_tick(c, 20, &out);
	cr_assert_eq(proposals_in(&out), 0);
	svm_buf_free(&disk);
	svm_cons_out_free(&out);
	svm_cons_free(c);
}

/* A host that cannot execute yet (SVM_EBUSY: a parent it lacks, in the node) while busy_exec is
 * set, and whose store fails while busy_store is set. */
static bool busy_exec, busy_store;
static int busy_execute(void *ctx, const svm_hash_t *id, const uint8_t *blk, size_t len, svm_hash_t *root)
{
	if (busy_exec) return SVM_EBUSY;
	return constest_execute(ctx, id, blk, len, root);
}
static int busy_persist(void *ctx, const uint8_t *rec, size_t len)
{
	if (busy_store) return SVM_EIO;
	return mem_persist(ctx, rec, len);
}

/* A leader's proposal leaves only with a record on disk that stops a second one: its own vote
 * for it, or, when it cannot execute its block yet (a parent it lacks), its vote in the round
 * given up (recorded) — holding it until it could vote stalled every round whose leader lacked
 * the parent (simulator seed 572920). While the store fails nothing leaves and the record stays
 * at round 0; restarted from a record of round 1 it stays silent. Before, the proposal left
 * with nothing recorded: restarted, the leader sent a second block for the round (seed 66). */
Test(consensus, a_proposal_leaves_only_with_its_stored_vote)
{
	setup_set(4, NULL);
	svm_log_set_level((svm_log_level_t)(SVM_LOG_ERROR + 1));
	svm_cons_host_t host = {NULL, constest_validators, varying_propose, busy_execute,
				constest_commit, busy_persist, NULL, NULL, NULL, NULL};
	svm_cons_config_t cfg;
	round1_leader_config(&cfg, &host);
	svm_cons_t *c;
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	static svm_cons_safety_t rec;
	/* 1: it cannot execute its block and its store fails: nothing leaves, nothing stored */
	busy_exec = true;
	busy_store = true;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_start(c, 0, &out);
	cr_assert_eq(proposals_in(&out), 0, "a proposal left though nothing was stored");
	cr_assert_eq(mem_record.len, 0);
	svm_cons_out_reset(&out);
	svm_cons_tick(c, 10, &out);
	cr_assert_eq(proposals_in(&out), 0, "a proposal left though nothing was stored");
	cr_assert_eq(mem_record.len, 0);
	/* 2: the store works, the block still cannot execute: the proposal leaves unvoted, the
	 * round's vote given up on disk first; restarted from that record it stays silent */
	busy_store = false;
	svm_cons_out_reset(&out);
	svm_cons_tick(c, 20, &out);
	cr_assert_eq(proposals_in(&out), 1, "a leader lacking its parent must still send its proposal");
	size_t votes0 = 0;
	for (size_t i = 0; i < out.n_actions; i++) votes0 += out.bytes.data[out.actions[i].off] == SVM_CONS_TAG_VOTE;
	cr_assert_eq(votes0, 0);
	cr_assert_eq(svm_cons_safety_decode(mem_record.data, mem_record.len, &rec, NULL), 0);
	cr_assert_eq(rec.last_voted_round, 1);
	svm_cons_free(c);
	busy_exec = false;
	{
		svm_buf_t d1 = {0};
		svm_buf_append(&d1, mem_record.data, mem_record.len);
		cfg.safety = d1.data;
		cfg.safety_len = d1.len;
		cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
		svm_cons_out_reset(&out);
		svm_cons_start(c, 25, &out);
		svm_cons_tick(c, 27, &out);
		cr_assert_eq(proposals_in(&out), 0, "restarted after its proposal left, it proposed again");
		svm_cons_free(c);
		svm_buf_free(&d1);
		cfg.safety = NULL;
		cfg.safety_len = 0;
		svm_buf_reset(&mem_record);
	}
	/* a fresh start with no record, the block executable: proposal and vote leave together */
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_reset(&out);
	svm_cons_start(c, 30, &out);
	cr_assert_eq(proposals_in(&out), 1, "now the proposal leaves, with its vote");
	size_t votes = 0;
	for (size_t i = 0; i < out.n_actions; i++) votes += out.bytes.data[out.actions[i].off] == SVM_CONS_TAG_VOTE;
	cr_assert_eq(votes, 1);
	cr_assert_eq(svm_cons_safety_decode(mem_record.data, mem_record.len, &rec, NULL), 0);
	cr_assert_eq(rec.last_voted_round, 1);
	/* crash again: restarted from that record it stays silent in round 1 */
	svm_cons_free(c);
	svm_buf_t disk = {0};
	svm_buf_append(&disk, mem_record.data, mem_record.len);
	cfg.safety = disk.data;
	cfg.safety_len = disk.len;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_reset(&out);
	svm_cons_start(c, 40, &out);
	svm_cons_tick(c, 50, &out);
	cr_assert_eq(proposals_in(&out), 0);
	svm_buf_free(&disk);
	svm_cons_out_free(&out);
	svm_cons_free(c);
}

/* A lone validator's host as the node's: it builds only on a parent it holds — the committed
 * head or a block the core has in its tree (host_propose answers SVM_EBUSY otherwise) — and
 * keeps proposals in a store that survives the crash (store_block / load_block). */
#define LONE_BLOCKS_MAX 256
typedef struct {
	svm_cons_t *c;
	svm_hash_t committed_id;
	uint64_t committed_height, committed_round;
	svm_hash_t ids[LONE_BLOCKS_MAX];
	svm_buf_t msgs[LONE_BLOCKS_MAX];
	size_t n;
	int loads;
} lone_host_t;

static int lone_propose(void *ctx, const svm_header_t *t, svm_buf_t *out)
{
	lone_host_t *h = ctx;
	if (!svm_hash_eq(&t->parent, &h->committed_id) && svm_cons_block_message(h->c, &t->parent) == NULL)
		return SVM_EBUSY; /* the node asks for its parent and says "not yet" */
	return varying_propose(ctx, t, out);
}

static int lone_commit(void *ctx, const svm_hash_t *id, const uint8_t *blk, size_t len, uint64_t height,
		       const svm_cons_qc_t *qc)
{
	lone_host_t *h = ctx;
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_block_t b;
	cr_assert_eq(svm_block_decode(blk, len, &a, &b, NULL, NULL), 0);
	cr_assert_eq(height, h->committed_height + 1, "blocks commit once each, in height order");
	h->committed_id = *id;
	h->committed_height = height;
	h->committed_round = b.header.round;
	svm_arena_reset(&a);
	(void)qc;
	return 0;
}

static int lone_store(void *ctx, const svm_hash_t *id, uint64_t height, const uint8_t *msg, size_t len)
{
	lone_host_t *h = ctx;
	(void)height;
	if (h->n == LONE_BLOCKS_MAX) return SVM_ELIMIT;
	h->ids[h->n] = *id;
	h->msgs[h->n] = (svm_buf_t){0};
	return svm_buf_append(&h->msgs[h->n++], msg, len);
}

static int lone_load(void *ctx, const svm_hash_t *id, svm_buf_t *out)
{
	lone_host_t *h = ctx;
	for (size_t i = 0; i < h->n; i++) {
		if (!svm_hash_eq(&h->ids[i], id)) continue;
		h->loads++;
		return svm_buf_append(out, h->msgs[i].data, h->msgs[i].len);
	}
	return SVM_ENOTFOUND;
}

/* A one-validator network (the devnet) stopped right after the vote that stored a QC whose
 * block had not committed yet (the commit runs a step later): its record's highest QC is above
 * the committed height. Restarted, the core's tree is empty and the block it must extend is
 * only in its store. It must load that block and go on committing after its first round
 * times out. Before, nothing asked for it (the reputation walk, which fetches missing
 * ancestors, is skipped for a set of one) and the host could never build on it: the devnet
 * never made another block (e2e transfer_flow_and_restart, one restart in six under load). */
Test(consensus, a_restarted_lone_validator_loads_the_certified_block_it_extends)
{
	setup_set(1, NULL);
	svm_log_set_level((svm_log_level_t)(SVM_LOG_ERROR + 1));
	static lone_host_t h;
	memset(&h, 0, sizeof h);
	h.committed_id = genesis;
	svm_cons_host_t host = {&h, constest_validators, lone_propose, constest_execute, lone_commit,
				mem_persist, NULL, lone_store, lone_load, NULL};
	svm_cons_config_t cfg;
	genesis_config(&cfg);
	cfg.reputation = true;
	cfg.key = &keys[0];
	svm_buf_reset(&mem_record);
	svm_cons_t *c;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	h.c = c;
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	svm_cons_start(c, 0, &out);
	/* run until a step ends with the record's highest QC above the committed height */
	static svm_cons_safety_t rec;
	uint64_t t = 0;
	bool ahead = false;
	for (int i = 0; i < 50 && !ahead; i++) {
		svm_cons_out_reset(&out);
		svm_cons_tick(c, t += 10, &out);
		cr_assert_eq(svm_cons_safety_decode(mem_record.data, mem_record.len, &rec, NULL), 0);
		ahead = h.committed_height >= 2 && rec.hqc.data.height > h.committed_height;
	}
	cr_assert(ahead, "no step ended with a certified block not committed yet");
	uint64_t before = h.committed_height;
	svm_cons_free(c); /* the crash: the record and the store stay */
	svm_buf_t disk = {0};
	svm_buf_append(&disk, mem_record.data, mem_record.len);
	cfg.safety = disk.data;
	cfg.safety_len = disk.len;
	cfg.committed_id = h.committed_id;
	cfg.committed_height = h.committed_height;
	cfg.committed_round = h.committed_round;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	h.c = c;
	svm_cons_out_reset(&out);
	svm_cons_start(c, t += 10, &out);
	cr_assert_geq(h.loads, 1, "the restarted core did not load the block of its highest QC");
	/* the first round may time out (its vote is on disk: no second proposal in it); then the
	 * validator must propose on the certified block and commit again, within a few rounds */
	uint64_t t_end = t + 4 * cfg.round_timeout_ms;
	while (t < t_end && h.committed_height <= before) {
		svm_cons_out_reset(&out);
		svm_cons_tick(c, t += 10, &out);
	}
	cr_assert_gt(h.committed_height, before, "the restarted lone validator never committed again (at %llu)",
		     (unsigned long long)h.committed_height);
	svm_buf_free(&disk);
	svm_cons_out_free(&out);
	svm_cons_free(c);
	for (size_t i = 0; i < h.n; i++) svm_buf_free(&h.msgs[i]);
}

static size_t timeouts_in(const svm_cons_out_t *out, uint64_t round)
{
	size_t k = 0;
	for (size_t i = 0; i < out->n_actions; i++) {
		const svm_cons_action_t *a = &out->actions[i];
		if (out->bytes.data[a->off] != SVM_CONS_TAG_TIMEOUT) continue;
		static svm_cons_timeout_t t;
		cr_assert_eq(svm_cons_timeout_decode(out->bytes.data + a->off, a->len, &t, NULL), 0);
		k += t.round == round;
	}
	return k;
}

/* Restarted in a round it already voted in, a validator can do nothing more there (no second
 * vote or proposal), so it times out at once instead of sitting out the round's deadline: the
 * timeout is on disk before it leaves, and a second restart re-sends the same one rather than
 * signing another. Before, the first timeout of a restarted validator came a full round
 * timeout later. */
Test(consensus, a_validator_restarted_in_a_round_it_voted_in_times_out_at_once)
{
	setup_set(4, NULL);
	svm_log_set_level(SVM_LOG_ERROR);
	svm_cons_host_t host = {NULL, constest_validators, varying_propose, constest_execute,
				constest_commit, mem_persist, NULL, NULL, NULL, NULL};
	svm_cons_config_t cfg;
	round1_leader_config(&cfg, &host);
	svm_cons_t *c;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	svm_cons_start(c, 0, &out);
	cr_assert_eq(proposals_in(&out), 1, "the leader of round 1 proposes and votes");
	cr_assert_eq(timeouts_in(&out, 1), 0, "a fresh start does not time out");
	svm_cons_free(c);
	static svm_cons_safety_t rec;
	svm_buf_t disk = {0}, first = {0};
	for (int restart = 0; restart < 2; restart++) {
		svm_buf_reset(&disk);
		svm_buf_append(&disk, mem_record.data, mem_record.len);
		cfg.safety = disk.data;
		cfg.safety_len = disk.len;
		cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
		svm_cons_out_reset(&out);
		svm_cons_start(c, 10, &out);
		cr_assert_eq(proposals_in(&out), 0);
		cr_assert_eq(timeouts_in(&out, 1), 1, "restart %d: no timeout of round 1 at once", restart);
		cr_assert_eq(svm_cons_safety_decode(mem_record.data, mem_record.len, &rec, NULL), 0);
		cr_assert_eq(rec.last_timeout_round, 1, "the timeout left before its record was stored");
		cr_assert_geq(out.deadline_ms, 10 + 1000, "the next timeout waits for the round's deadline");
		for (size_t i = 0; i < out.n_actions; i++) {
			const svm_cons_action_t *a = &out.actions[i];
			if (out.bytes.data[a->off] != SVM_CONS_TAG_TIMEOUT) continue;
			if (restart == 0) svm_buf_append(&first, out.bytes.data + a->off, a->len);
			else cr_assert(a->len == first.len && memcmp(out.bytes.data + a->off, first.data, a->len) == 0,
				       "the second restart signed another timeout instead of re-sending the stored one");
			break;
		}
		svm_cons_free(c);
	}
	svm_buf_free(&first);
	svm_buf_free(&disk);
	svm_cons_out_free(&out);
}

/* The base round timeout follows svm_cons_set_round_timeout from the next deadline on (the node
 * passes 3 × the governed slot_ms + 1 s after each new head): the deadline already set stays,
 * the next one — the round's timeout re-sent — is the new base later; 0 and a value past the
 * bound are refused and change nothing. */
Test(consensus, the_round_timeout_follows_a_new_base_from_the_next_deadline)
{
	setup_set(4, NULL);
	svm_log_set_level(SVM_LOG_ERROR);
	svm_cons_host_t host = {NULL, constest_validators, constest_propose, constest_execute,
				constest_commit, mem_persist, NULL, NULL, NULL, NULL};
	svm_cons_config_t cfg;
	genesis_config(&cfg);
	cfg.key = &keys[0];
	svm_cons_t *c;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	uint32_t l1 = svm_cons_leader(c, 1);
	svm_cons_free(c);
	cfg.key = key_of((l1 + 1) % 4); /* not round 1's leader: its deadline is the timeout */
	svm_buf_reset(&mem_record);
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	svm_cons_start(c, 0, &out);
	cr_assert_eq(out.deadline_ms, 1000);
	svm_cons_status_t st;
	svm_cons_status(c, &st);
	cr_assert_eq(st.round_timeout_ms, 1000);
	cr_assert_eq(svm_cons_set_round_timeout(c, 400), 0);
	svm_cons_status(c, &st);
	cr_assert_eq(st.round_timeout_ms, 400);
	svm_cons_out_reset(&out);
	svm_cons_tick(c, 500, &out);
	cr_assert_eq(out.deadline_ms, 1000, "the deadline already set stays");
	svm_cons_out_reset(&out);
	svm_cons_tick(c, 1000, &out);
	cr_assert_eq(out.deadline_ms, 1400, "the next deadline is the new base later");
	cr_assert_eq(svm_cons_set_round_timeout(c, 0), SVM_EINVAL);
	cr_assert_eq(svm_cons_set_round_timeout(c, SVM_CONS_ROUND_TIMEOUT_MS_MAX + 1), SVM_EINVAL);
	svm_cons_status(c, &st);
	cr_assert_eq(st.round_timeout_ms, 400, "a refused base changes nothing");
	cr_assert_eq(svm_cons_set_round_timeout(c, 2500), 0);
	svm_cons_out_reset(&out);
	svm_cons_tick(c, 1400, &out);
	cr_assert_eq(out.deadline_ms, 3900);
	svm_cons_status(c, &st);
	cr_assert_eq(st.round, 1, "timeouts alone (no TC) keep the round");
	svm_cons_out_free(&out);
	svm_cons_free(c);
}

/* The bytes of the first action of `kind` to `to` (any `to` for a broadcast) whose tag is tag
 * in out, appended to got; false if there is none. */
static bool sent_msg(const svm_cons_out_t *out, uint8_t kind, uint32_t to, uint8_t tag, svm_buf_t *got)
{
	for (size_t i = 0; i < out->n_actions; i++) {
		const svm_cons_action_t *a = &out->actions[i];
		if (a->kind != kind || (kind == SVM_CONS_SEND && a->to != to) || out->bytes.data[a->off] != tag)
			continue;
		if (got != NULL) svm_buf_append(got, out->bytes.data + a->off, a->len);
		return true;
	}
	return false;
}

/* A validator whose session to the leader of its round closed (the host says so: the leader's
 * process is gone) times out the round at once — stored first, the round's one timeout —
 * instead of waiting for the deadline: with one of four validators stopped, each round it led
 * cost a full round timeout (bench-net, 1.15 s). Only then: another validator's session
 * closing, a round already voted in, or a leader that is this validator change nothing; a
 * session that comes up again is sent the timeout it missed, the same bytes. */
Test(consensus, a_round_whose_leader_is_unreachable_times_out_at_once)
{
	setup_set(4, NULL);
	svm_log_set_level(SVM_LOG_ERROR);
	svm_cons_host_t host = {NULL, constest_validators, constest_propose, constest_execute,
				constest_commit, mem_persist, NULL, NULL, NULL, NULL};
	svm_cons_config_t cfg;
	genesis_config(&cfg);
	cfg.key = &keys[0];
	svm_cons_t *c;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	uint32_t l1 = svm_cons_leader(c, 1);
	svm_cons_free(c);
	uint32_t me = (l1 + 1) % 4, other = (l1 + 2) % 4;
	cfg.key = key_of(me);
	svm_buf_reset(&mem_record);
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	svm_cons_start(c, 0, &out);
	cr_assert_eq(out.deadline_ms, 1000);
	cr_assert_eq(svm_cons_peer(c, me, false, 1, &out), SVM_EINVAL, "our own session");
	cr_assert_eq(svm_cons_peer(c, 4, false, 1, &out), SVM_EINVAL, "outside the set");
	svm_cons_out_reset(&out);
	cr_assert_eq(svm_cons_peer(c, other, false, 5, &out), 0);
	cr_assert_eq(timeouts_in(&out, 1), 0, "a validator that does not lead the round went away");
	cr_assert_eq(mem_record.len, 0, "nothing was signed");
	svm_cons_out_reset(&out);
	cr_assert_eq(svm_cons_peer(c, l1, false, 10, &out), 0);
	svm_buf_t tmo = {0}, again = {0};
	cr_assert(sent_msg(&out, SVM_CONS_BROADCAST, 0, SVM_CONS_TAG_TIMEOUT, &tmo),
		  "the round's leader is unreachable and no timeout left before the deadline");
	cr_assert_eq(timeouts_in(&out, 1), 1);
	static svm_cons_safety_t rec;
	cr_assert_eq(svm_cons_safety_decode(mem_record.data, mem_record.len, &rec, NULL), 0);
	cr_assert_eq(rec.last_timeout_round, 1, "the timeout left before its record was stored");
	cr_assert_eq(rec.last_voted_round, 1, "no vote in the round after its timeout");
	svm_cons_out_reset(&out);
	cr_assert_eq(svm_cons_peer(c, l1, false, 20, &out), 0);
	cr_assert_eq(timeouts_in(&out, 1), 0, "told twice, it timed out twice");
	svm_cons_out_reset(&out);
	cr_assert_eq(svm_cons_peer(c, l1, true, 30, &out), 0);
	cr_assert(sent_msg(&out, SVM_CONS_SEND, l1, SVM_CONS_TAG_TIMEOUT, &again), "the leader, back, missed our timeout");
	cr_assert(again.len == tmo.len && memcmp(again.data, tmo.data, tmo.len) == 0, "re-sent, not signed again");
	svm_cons_free(c);

	/* Voted in the round: its QC may still form from the others' votes — no early timeout. */
	svm_buf_reset(&mem_record);
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_reset(&out);
	svm_cons_start(c, 0, &out);
	svm_buf_t prop = {0};
	proposal_r1(&prop, key_of(l1), 7);
	svm_cons_out_reset(&out);
	cr_assert_eq(svm_cons_on_message(c, l1, prop.data, prop.len, 5, &out), 0);
	cr_assert_eq(votes_in(&out), 1, "it votes for the leader's proposal");
	svm_cons_out_reset(&out);
	cr_assert_eq(svm_cons_peer(c, l1, false, 10, &out), 0);
	cr_assert_eq(timeouts_in(&out, 1), 0, "timed out in a round it voted in before its deadline");
	svm_cons_free(c);

	/* The leader itself: another's session closing changes nothing. */
	cfg.key = key_of(l1);
	svm_buf_reset(&mem_record);
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_reset(&out);
	svm_cons_start(c, 0, &out);
	svm_cons_out_reset(&out);
	cr_assert_eq(svm_cons_peer(c, me, false, 10, &out), 0);
	cr_assert_eq(timeouts_in(&out, 1), 0);
	svm_buf_free(&prop);
	svm_buf_free(&tmo);
	svm_buf_free(&again);
	svm_cons_out_free(&out);
	svm_cons_free(c);
}

/* A restarted validator's first timeout leaves at its start, before the transport has any
 * session up, and was lost: its peers heard from it only at the round's deadline. Now a session
 * that comes up is sent that timeout (the very bytes on disk); a peer that comes up while this
 * validator's vote of the round is its latest message gets the vote, and the certificate that
 * opened this validator's round. A vote of a round already certified is not re-sent. */
Test(consensus, a_session_that_comes_up_is_sent_the_timeout_or_vote_it_missed)
{
	setup_set(4, NULL);
	svm_log_set_level(SVM_LOG_ERROR);
	svm_cons_host_t host = {NULL, constest_validators, varying_propose, constest_execute,
				constest_commit, mem_persist, NULL, NULL, NULL, NULL};
	svm_cons_config_t cfg;
	uint32_t l1 = round1_leader_config(&cfg, &host);
	svm_cons_t *c;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	svm_cons_start(c, 0, &out);
	svm_buf_t vote = {0}, got = {0}, disk = {0}, tmo = {0};
	cr_assert(sent_msg(&out, SVM_CONS_BROADCAST, 0, SVM_CONS_TAG_VOTE, &vote), "the leader votes for its block");
	uint32_t peer = (l1 + 1) % 4;
	svm_cons_out_reset(&out);
	cr_assert_eq(svm_cons_peer(c, peer, true, 5, &out), 0);
	cr_assert(sent_msg(&out, SVM_CONS_SEND, peer, SVM_CONS_TAG_VOTE, &got), "a peer that came up missed our vote");
	cr_assert(got.len == vote.len && memcmp(got.data, vote.data, vote.len) == 0);
	cr_assert(!sent_msg(&out, SVM_CONS_SEND, peer, SVM_CONS_TAG_QC, NULL), "round 1 follows genesis: no certificate");
	svm_cons_free(c);

	/* Restarted: its timeout of round 1 leaves at once (into no session); each session that
	 * comes up gets it. */
	svm_buf_append(&disk, mem_record.data, mem_record.len);
	cfg.safety = disk.data;
	cfg.safety_len = disk.len;
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_reset(&out);
	svm_cons_start(c, 10, &out);
	cr_assert(sent_msg(&out, SVM_CONS_BROADCAST, 0, SVM_CONS_TAG_TIMEOUT, &tmo), "restarted in a round it voted in");
	for (uint32_t p = 0; p < 4; p++) {
		if (p == l1) continue;
		svm_cons_out_reset(&out);
		svm_buf_reset(&got);
		cr_assert_eq(svm_cons_peer(c, p, true, 20 + p, &out), 0);
		cr_assert(sent_msg(&out, SVM_CONS_SEND, p, SVM_CONS_TAG_TIMEOUT, &got),
			  "the session to %u came up and the lost timeout was not re-sent", p);
		cr_assert(got.len == tmo.len && memcmp(got.data, tmo.data, tmo.len) == 0, "the stored timeout, as is");
		cr_assert(!sent_msg(&out, SVM_CONS_SEND, p, SVM_CONS_TAG_VOTE, NULL));
	}
	svm_cons_free(c);

	/* A vote whose round got its QC is history: the QC goes instead. */
	cfg.safety = NULL;
	cfg.safety_len = 0;
	svm_buf_reset(&mem_record);
	cr_assert_eq(svm_cons_new(&c, &cfg, &host, NULL), 0);
	svm_cons_out_reset(&out);
	svm_cons_start(c, 0, &out);
	svm_buf_reset(&vote);
	cr_assert(sent_msg(&out, SVM_CONS_BROADCAST, 0, SVM_CONS_TAG_VOTE, &vote));
	static svm_cons_vote_t v;
	cr_assert_eq(svm_cons_vote_decode(vote.data, vote.len, &v, NULL), 0);
	for (uint32_t p = 0, k = 0; p < 4 && k < 2; p++) {
		if (p == l1) continue;
		svm_buf_t m = {0};
		v.voter = p;
		uint8_t sm[SVM_CONS_SIGNED_BYTES];
		svm_cons_vote_message(chain, 0, &v.data, sm);
		svm_ed25519_sign(v.sig, sm, sizeof sm, key_of(p)->secret_key);
		cr_assert_eq(svm_cons_vote_encode(&v, &m), 0);
		svm_cons_out_reset(&out);
		cr_assert_eq(svm_cons_on_message(c, p, m.data, m.len, 30, &out), 0);
		svm_buf_free(&m);
		k++;
	}
	svm_cons_status_t st;
	svm_cons_status(c, &st);
	cr_assert_eq(st.hqc_round, 1, "three votes of four form the QC");
	svm_cons_out_reset(&out);
	cr_assert_eq(svm_cons_peer(c, peer, true, 40, &out), 0);
	cr_assert(!sent_msg(&out, SVM_CONS_SEND, peer, SVM_CONS_TAG_VOTE, NULL), "a certified round's vote re-sent");
	cr_assert(sent_msg(&out, SVM_CONS_SEND, peer, SVM_CONS_TAG_QC, NULL), "the QC that opened our round");
	svm_buf_free(&vote);
	svm_buf_free(&got);
	svm_buf_free(&disk);
	svm_buf_free(&tmo);
	svm_cons_out_free(&out);
	svm_cons_free(c);
}

/* ------------------------------------------------------------ late votes */

/* Four cores on an in-process network: every message takes LV_HOP ms, except the votes of
 * validator `slow`, which take LV_SLOW ms — the last to arrive everywhere, after the quorum that
 * forms each QC, but within a round. Proposals leaving any core are kept (lv_props). */
#define LV_N 4
#define LV_QUEUE_MAX 4096
#define LV_HOP 2
#define LV_SLOW 3
#define LV_PROPS_MAX 64
typedef struct {
	uint64_t at;
	uint32_t from, to;
	svm_buf_t msg;
} lv_msg_t;
static lv_msg_t lv_q[LV_QUEUE_MAX];
static size_t lv_qn;
static svm_buf_t lv_props[LV_PROPS_MAX];
static size_t lv_np;

static void lv_push(uint64_t at, uint32_t from, uint32_t to, const uint8_t *p, size_t len)
{
	cr_assert_lt(lv_qn, LV_QUEUE_MAX, "bounded queue");
	lv_msg_t *m = &lv_q[lv_qn++];
	*m = (lv_msg_t){.at = at, .from = from, .to = to};
	cr_assert_eq(svm_buf_append(&m->msg, p, len), 0);
}

/* Queues what core `from` emitted at `now`. */
static void lv_route(uint32_t from, uint32_t slow, const svm_cons_out_t *out, uint64_t now)
{
	for (size_t i = 0; i < out->n_actions; i++) {
		const svm_cons_action_t *a = &out->actions[i];
		const uint8_t *p = out->bytes.data + a->off;
		uint64_t at = now + (from == slow && p[0] == SVM_CONS_TAG_VOTE ? LV_SLOW : LV_HOP);
		if (p[0] == SVM_CONS_TAG_PROPOSAL && lv_np < LV_PROPS_MAX) {
			svm_buf_reset(&lv_props[lv_np]);
			cr_assert_eq(svm_buf_append(&lv_props[lv_np++], p, a->len), 0);
		}
		for (uint32_t to = 0; to < LV_N; to++) {
			if (to == from || (a->kind == SVM_CONS_SEND && a->to != to)) continue;
			lv_push(at, from, to, p, a->len);
		}
	}
}

/* Runs the network until `props` proposals left or the queue empties (every step bounded). */
static void lv_run(svm_cons_t **c, uint32_t slow, size_t props)
{
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	for (uint32_t i = 0; i < LV_N; i++) {
		svm_cons_out_reset(&out);
		svm_cons_start(c[i], 0, &out);
		lv_route(i, slow, &out, 0);
	}
	for (int step = 0; step < 100000 && lv_qn > 0 && lv_np < props; step++) {
		size_t k = 0; /* the earliest message, first queued among equals */
		for (size_t i = 1; i < lv_qn; i++)
			if (lv_q[i].at < lv_q[k].at) k = i;
		lv_msg_t m = lv_q[k];
		memmove(&lv_q[k], &lv_q[k + 1], (lv_qn - k - 1) * sizeof lv_q[0]);
		lv_qn--;
		svm_cons_out_reset(&out);
		cr_assert_eq(svm_cons_on_message(c[m.to], m.from, m.msg.data, m.msg.len, m.at, &out), 0);
		lv_route(m.to, slow, &out, m.at);
		for (int t = 0; t < 4 && out.deadline_ms <= m.at; t++) { /* commits due in the next step */
			svm_cons_out_reset(&out);
			svm_cons_tick(c[m.to], m.at, &out);
			lv_route(m.to, slow, &out, m.at);
		}
		svm_buf_free(&m.msg);
	}
	for (size_t i = 0; i < lv_qn; i++) svm_buf_free(&lv_q[i].msg);
	lv_qn = 0;
	svm_cons_out_free(&out);
}

/* The proposal message msg with its header's late QC replaced by late[late_len], re-signed by
 * its proposer (a leader forging its late votes): into out. */
static void lv_forge(const svm_buf_t *msg, const uint8_t *late, size_t late_len, svm_buf_t *out)
{
	svm_arena_t ar;
	svm_arena_init(&ar, 0);
	svm_cons_proposal_t *m = malloc(sizeof *m);
	cr_assert_eq(svm_cons_proposal_decode(msg->data, msg->len, &ar, m, NULL), 0);
	cr_assert(!m->has_tc, "no timeouts in this run");
	m->block.header.late_qc = late;
	m->block.header.late_qc_len = late_len;
	svm_buf_t blk = {0};
	cr_assert_eq(svm_block_encode(&m->block, &blk), 0);
	svm_hash_t id;
	cr_assert_eq(svm_header_hash(&m->block.header, &id), 0);
	int who = svm_cons_valset_index(&vs, &m->block.header.proposer);
	cr_assert_geq(who, 0);
	uint8_t sm[SVM_CONS_SIGNED_BYTES], sig[64];
	svm_cons_proposal_message(chain, 0, m->block.header.height, m->block.header.round, &id, sm);
	svm_ed25519_sign(sig, sm, sizeof sm, key_of((uint32_t)who)->secret_key);
	svm_buf_reset(out);
	cr_assert_eq(cons_proposal_write(out, blk.data, blk.len, NULL, sig), 0);
	svm_buf_free(&blk);
	svm_arena_reset(&ar);
	free(m);
}

/* An honest validator whose votes always arrive last is left out of every QC but those it forms
 * itself (as the next round's leader); the late QC a proposal carries for its grandparent —
 * the QC with every vote its proposer received since — has it in every one. So the downtime
 * the staking program counts from late QCs (docs/economics.md) sees it present: before late
 * QCs it counted from the parent QCs, which leave it out about (n − 1)/n of the time. */
Test(consensus, a_slow_voter_left_out_of_parent_qcs_is_in_every_late_qc)
{
	setup_set(LV_N, NULL);
	svm_log_set_level(SVM_LOG_ERROR);
	svm_cons_host_t host = {.validators = constest_validators, .propose = constest_propose, .execute = constest_execute, .commit = constest_commit, .persist = ok_persist};
	svm_cons_config_t cfg = {.chain_id = chain, .epoch_seed = genesis, .genesis_id = genesis, .committed_id = genesis, .round_timeout_ms = 1000};
	svm_cons_t *c[LV_N];
	for (uint32_t i = 0; i < LV_N; i++) {
		cfg.key = key_of(i);
		cr_assert_eq(svm_cons_new(&c[i], &cfg, &host, NULL), 0);
	}
	const uint32_t slow = 2;
	lv_np = 0;
	lv_run(c, slow, 40);
	cr_assert_geq(lv_np, 40, "the network makes progress (%zu proposals)", lv_np);
	size_t late = 0, parent_without = 0, voted = 0;
	svm_arena_t ar;
	svm_arena_init(&ar, 0);
	svm_cons_proposal_t *m = malloc(sizeof *m);
	svm_cons_qc_t *pq = malloc(sizeof *pq), *lq = malloc(sizeof *lq);
	for (size_t i = 0; i < lv_np; i++) {
		svm_arena_reset(&ar);
		cr_assert_eq(svm_cons_proposal_decode(lv_props[i].data, lv_props[i].len, &ar, m, NULL), 0);
		const svm_header_t *h = &m->block.header;
		cr_assert_eq(svm_cons_qc_decode(h->parent_qc, h->parent_qc_len, pq, NULL), 0);
		if (pq->data.round == 0 || pq->data.parent_round == 0) {
			cr_assert_eq(h->late_qc_len, 0, "no late QC where the grandparent is genesis");
			continue;
		}
		voted++;
		if (!cons_test_bit(pq->bitmap, slow)) parent_without++;
		cr_assert_gt(h->late_qc_len, 0, "height %llu carries a late QC", (unsigned long long)h->height);
		cr_assert_eq(svm_cons_qc_decode(h->late_qc, h->late_qc_len, lq, NULL), 0);
		cr_assert_eq(svm_cons_qc_verify(lq, &vs, chain, &genesis, NULL), 0);
		cr_assert(svm_hash_eq(&lq->data.block_id, &pq->data.parent_id), "it certifies the grandparent");
		cr_assert_eq(lq->data.height + 2, h->height);
		cr_assert(cons_test_bit(lq->bitmap, slow), "the slow voter is in the late QC at height %llu",
			  (unsigned long long)h->height);
		cr_assert_eq(lq->n_sigs, LV_N, "every vote, height %llu", (unsigned long long)h->height);
		late++;
	}
	cr_assert_geq(voted, 35);
	cr_assert_eq(late, voted);
	cr_assert_geq(parent_without * 3, voted, "the parent QCs left it out of %zu of %zu (the old count)",
		      parent_without, voted);
	free(m), free(pq), free(lq);
	svm_arena_reset(&ar);
	for (size_t i = 0; i < LV_PROPS_MAX; i++) svm_buf_free(&lv_props[i]);
	for (uint32_t i = 0; i < LV_N; i++) svm_cons_free(c[i]);
}

/* A proposal whose late QC does not hold is invalid and changes nothing: a forged signature
 * (SVM_ESIG), a signer without the quorum, the QC of another block than the grandparent (the
 * parent's, or none where the grandparent is genesis: SVM_EINVAL), bytes that do not decode. */
Test(consensus, a_proposal_with_a_forged_or_misplaced_late_qc_is_refused)
{
	setup_set(LV_N, NULL);
	svm_log_set_level(SVM_LOG_ERROR);
	svm_cons_host_t host = {.validators = constest_validators, .propose = constest_propose, .execute = constest_execute, .commit = constest_commit, .persist = ok_persist};
	svm_cons_config_t cfg = {.chain_id = chain, .epoch_seed = genesis, .genesis_id = genesis, .committed_id = genesis, .round_timeout_ms = 1000};
	svm_cons_t *c[LV_N];
	for (uint32_t i = 0; i < LV_N; i++) {
		cfg.key = key_of(i);
		cr_assert_eq(svm_cons_new(&c[i], &cfg, &host, NULL), 0);
	}
	lv_np = 0;
	lv_run(c, 2, 12);
	cr_assert_geq(lv_np, 12);
	/* the last proposal (a late QC) and the first (its grandparent is genesis) */
	svm_arena_t ar;
	svm_arena_init(&ar, 0);
	svm_cons_proposal_t *m = malloc(sizeof *m);
	svm_cons_qc_t *lq = malloc(sizeof *lq), *bad = malloc(sizeof *bad);
	const svm_buf_t *last = &lv_props[lv_np - 1];
	cr_assert_eq(svm_cons_proposal_decode(last->data, last->len, &ar, m, NULL), 0);
	cr_assert_gt(m->block.header.late_qc_len, 0);
	cr_assert_eq(svm_cons_qc_decode(m->block.header.late_qc, m->block.header.late_qc_len, lq, NULL), 0);
	svm_buf_t pqc = {0}, enc = {0}, forged = {0};
	cr_assert_eq(svm_buf_append(&pqc, m->block.header.parent_qc, m->block.header.parent_qc_len), 0);
	int who = svm_cons_valset_index(&vs, &m->block.header.proposer);
	uint32_t to = ((uint32_t)who + 1) % LV_N; /* another validator judges it */
	svm_cons_status_t before, after;
	svm_cons_status(c[to], &before);
	struct {
		const char *what;
		int want;
	} cases[] = {{"a forged signature", SVM_ESIG},      {"a signer short of the quorum", SVM_EINVAL},
		     {"the parent's QC in its place", SVM_EINVAL}, {"undecodable bytes", SVM_EDECODE},
		     {"another epoch's", SVM_EINVAL}};
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		*bad = *lq;
		svm_buf_reset(&enc);
		if (k == 0) bad->sigs[1][7] ^= 1;
		if (k == 1) { /* two signers of four: drop all but the first two */
			uint32_t kept = 0;
			for (uint32_t i = 0; i < LV_N; i++) {
				if (!cons_test_bit(bad->bitmap, i)) continue;
				if (kept++ >= 2) bad->bitmap[i / 8] &= (uint8_t)~(1u << (i % 8));
			}
			bad->n_sigs = 2;
		}
		if (k == 4) bad->epoch = 1;
		if (k == 2) cr_assert_eq(svm_buf_append(&enc, pqc.data, pqc.len), 0);
		else cr_assert_eq(svm_cons_qc_encode(bad, &enc), 0);
		if (k == 3) enc.len -= 1;
		lv_forge(last, enc.data, enc.len, &forged);
		svm_cons_out_reset(&out);
		cr_assert_eq(svm_cons_on_message(c[to], (uint32_t)who, forged.data, forged.len, 5000, &out), cases[k].want,
			     "%s", cases[k].what);
		cr_assert_eq(out.n_actions, 0, "%s: nothing sent", cases[k].what);
	}
	/* the genuine late QC in a proposal of height 2 (whose grandparent is genesis) */
	lv_forge(&lv_props[1], lq != NULL ? m->block.header.late_qc : NULL, m->block.header.late_qc_len, &forged);
	svm_cons_out_reset(&out);
	cr_assert_eq(svm_cons_on_message(c[to], SVM_CONS_FROM_UNKNOWN, forged.data, forged.len, 5000, &out), SVM_EINVAL);
	svm_cons_status(c[to], &after);
	cr_assert(before.round == after.round && before.hqc_round == after.hqc_round && before.blocks == after.blocks &&
		  before.evidence == after.evidence, "nothing changed");
	/* the genuine proposal, re-signed unchanged, is fine (the harness forges nothing else) */
	lv_forge(last, m->block.header.late_qc, m->block.header.late_qc_len, &forged);
	svm_cons_out_reset(&out);
	cr_assert_eq(svm_cons_on_message(c[to], (uint32_t)who, forged.data, forged.len, 5000, &out), 0);
	svm_cons_out_free(&out);
	free(m), free(lq), free(bad);
	svm_buf_free(&pqc), svm_buf_free(&enc), svm_buf_free(&forged);
	svm_arena_reset(&ar);
	for (size_t i = 0; i < LV_PROPS_MAX; i++) svm_buf_free(&lv_props[i]);
	for (uint32_t i = 0; i < LV_N; i++) svm_cons_free(c[i]);
}

/* ------------------------------------------- the committed headers at a restart */

/* Four validators with reputation on an in-process network (every message RS_HOP ms, the round
 * timeout 1 s), validator 3 down for good: the leader rule excludes it (failed, then inactive),
 * which only the last 20 certified blocks show. Each core's host keeps what a node keeps: its
 * committed blocks, its safety record, and the proposals above its committed height
 * (store_block/load_block), so the cores can be stopped and restarted from their "disks". */
#define RS_N 4
#define RS_DOWN 3
#define RS_HOP 2
#define RS_QUEUE_MAX 4096
#define RS_LOG_MAX 96
#define RS_KEPT_MAX 64
typedef struct {
	svm_buf_t blk[RS_LOG_MAX]; /* committed blocks, height k + 1 at k */
	svm_hash_t id[RS_LOG_MAX];
	uint64_t n; /* committed height */
	svm_buf_t record;
	svm_buf_t kept[RS_KEPT_MAX]; /* kept proposals (a ring) */
	svm_hash_t kept_id[RS_KEPT_MAX];
	uint64_t kept_h[RS_KEPT_MAX];
	size_t n_kept;
	uint64_t deadline;
	int persists;
} rs_disk_t;
static rs_disk_t rs_disk[RS_N];
static lv_msg_t rs_q[RS_QUEUE_MAX];
static size_t rs_qn;
static size_t rs_proposals; /* proposals sent since the count was reset */

static int rs_commit(void *ctx, const svm_hash_t *id, const uint8_t *blk, size_t len, uint64_t height,
		     const svm_cons_qc_t *qc)
{
	rs_disk_t *d = ctx;
	cr_assert_eq(height, d->n + 1, "commits in order");
	cr_assert_lt(d->n, RS_LOG_MAX);
	svm_buf_reset(&d->blk[d->n]);
	cr_assert_eq(svm_buf_append(&d->blk[d->n], blk, len), 0);
	d->id[d->n++] = *id;
	return 0;
}

static int rs_persist(void *ctx, const uint8_t *rec, size_t len)
{
	rs_disk_t *d = ctx;
	d->persists++;
	svm_buf_reset(&d->record);
	return svm_buf_append(&d->record, rec, len);
}

static int rs_store(void *ctx, const svm_hash_t *id, uint64_t height, const uint8_t *msg, size_t len)
{
	rs_disk_t *d = ctx;
	size_t k = d->n_kept++ % RS_KEPT_MAX;
	svm_buf_reset(&d->kept[k]);
	d->kept_id[k] = *id;
	d->kept_h[k] = height;
	return svm_buf_append(&d->kept[k], msg, len);
}

/* As the node's: the kept proposals above the committed height only. */
static int rs_load(void *ctx, const svm_hash_t *id, svm_buf_t *out)
{
	rs_disk_t *d = ctx;
	for (size_t k = 0; k < RS_KEPT_MAX && k < d->n_kept; k++)
		if (d->kept_h[k] > d->n && svm_hash_eq(&d->kept_id[k], id))
			return svm_buf_append(out, d->kept[k].data, d->kept[k].len);
	return SVM_ENOTFOUND;
}

/* What core `from` emitted at `now`: to the queue (not to down cores), its next deadline. */
static void rs_route(svm_cons_t **c, uint32_t from, const svm_cons_out_t *out, uint64_t now)
{
	for (size_t i = 0; i < out->n_actions; i++) {
		const svm_cons_action_t *a = &out->actions[i];
		const uint8_t *p = out->bytes.data + a->off;
		if (p[0] == SVM_CONS_TAG_PROPOSAL) rs_proposals++;
		for (uint32_t to = 0; to < RS_N; to++) {
			if (to == from || c[to] == NULL || (a->kind == SVM_CONS_SEND && a->to != to)) continue;
			cr_assert_lt(rs_qn, RS_QUEUE_MAX, "bounded queue");
			lv_msg_t *m = &rs_q[rs_qn++];
			*m = (lv_msg_t){.at = now + RS_HOP, .from = from, .to = to};
			cr_assert_eq(svm_buf_append(&m->msg, p, a->len), 0);
		}
	}
	rs_disk[from].deadline = out->deadline_ms;
}

/* A core's "disk" record decoded: its highest QC's block into *hqc_block. */
static void rs_record_hqc(uint32_t i, svm_hash_t *hqc_block)
{
	static svm_cons_safety_t rec;
	cr_assert_eq(svm_cons_safety_decode(rs_disk[i].record.data, rs_disk[i].record.len, &rec, NULL), 0);
	*hqc_block = rec.hqc.data.block_id;
}

/* true when every running core's stored highest QC is the one it holds (each has voted for the
 * latest proposal and no QC formed since): a restart from the record resumes that view. */
static bool rs_quiet(svm_cons_t **c)
{
	for (uint32_t i = 0; i < RS_N; i++) {
		if (c[i] == NULL) continue;
		svm_cons_status_t st;
		svm_hash_t h;
		svm_cons_status(c[i], &st);
		if (rs_disk[i].record.len == 0) return false;
		rs_record_hqc(i, &h);
		if (!svm_hash_eq(&h, &st.hqc_block)) return false;
	}
	return true;
}

/* Runs the network from `now` (messages and deadlines in time order, every step bounded) until
 * every running core has committed `height` and (if `quiet`) rs_quiet holds, or until `until`.
 * Returns the time reached. */
static uint64_t rs_run(svm_cons_t **c, uint64_t now, uint64_t height, bool quiet, uint64_t until)
{
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	for (int step = 0; step < 200000; step++) {
		bool done = true;
		for (uint32_t i = 0; i < RS_N; i++)
			if (c[i] != NULL && rs_disk[i].n < height) done = false;
		if (done && (!quiet || rs_quiet(c))) break;
		size_t k = rs_qn; /* the earliest message, first queued among equals */
		for (size_t i = 0; i < rs_qn; i++)
			if (k == rs_qn || rs_q[i].at < rs_q[k].at) k = i;
		uint32_t tick = RS_N; /* else the earliest deadline, if it comes first */
		for (uint32_t i = 0; i < RS_N; i++)
			if (c[i] != NULL && (tick == RS_N || rs_disk[i].deadline < rs_disk[tick].deadline)) tick = i;
		uint64_t at = k < rs_qn ? rs_q[k].at : UINT64_MAX;
		if (tick < RS_N && rs_disk[tick].deadline <= at) at = rs_disk[tick].deadline;
		else tick = RS_N;
		if (at > until) break;
		if (at > now) now = at;
		svm_cons_out_reset(&out);
		if (tick < RS_N) {
			svm_cons_tick(c[tick], now, &out);
			rs_route(c, tick, &out, now);
			continue;
		}
		lv_msg_t m = rs_q[k];
		memmove(&rs_q[k], &rs_q[k + 1], (rs_qn - k - 1) * sizeof rs_q[0]);
		rs_qn--;
		svm_cons_on_message(c[m.to], m.from, m.msg.data, m.msg.len, now, &out); /* stale ones fail */
		rs_route(c, m.to, &out, now);
		svm_buf_free(&m.msg);
	}
	svm_cons_out_free(&out);
	return now;
}

static void rs_drop_queue(void)
{
	for (size_t i = 0; i < rs_qn; i++) svm_buf_free(&rs_q[i].msg);
	rs_qn = 0;
}

/* The headers of core i's last `max` committed blocks, newest first, into hd (byte fields
 * pointing into its stored blocks): what the node's committed_headers reads. The count. */
static size_t rs_headers(uint32_t i, svm_arena_t *ar, svm_header_t *hd, size_t max)
{
	size_t k = 0;
	for (uint64_t h = rs_disk[i].n; h > 0 && k < max; h--, k++) {
		svm_block_t b;
		svm_hash_t id;
		cr_assert_eq(svm_block_decode(rs_disk[i].blk[h - 1].data, rs_disk[i].blk[h - 1].len, ar, &b, &id, NULL), 0);
		cr_assert(svm_hash_eq(&id, &rs_disk[i].id[h - 1]));
		hd[k] = b.header;
	}
	return k;
}

static uint64_t rs_genesis_height; /* the epoch's start rs_open gives (0: genesis) */
static bool rs_no_reputation;      /* rs_open without reputation */

static const svm_cons_host_t rs_host = {.validators = constest_validators, .propose = constest_propose,
					.execute = constest_execute, .commit = rs_commit, .persist = rs_persist,
					.store_block = rs_store, .load_block = rs_load};

/* Core i as a node opens it: at its committed head, from its record, with `n_hd` of its
 * committed headers (hd_ovr: another list instead). The svm_cons_new result. */
static int rs_open(svm_cons_t **c, uint32_t i, size_t n_hd, const svm_header_t *hd_ovr, svm_error_t *err)
{
	svm_cons_config_t cfg;
	genesis_config(&cfg);
	cfg.reputation = !rs_no_reputation;
	cfg.genesis_height = rs_genesis_height;
	cfg.key = key_of(i);
	const rs_disk_t *d = &rs_disk[i];
	cfg.committed_height = d->n;
	cfg.committed_id = d->n ? d->id[d->n - 1] : genesis;
	if (d->n > 0) {
		svm_arena_t ar;
		svm_arena_init(&ar, 0);
		svm_block_t b;
		cr_assert_eq(svm_block_decode(d->blk[d->n - 1].data, d->blk[d->n - 1].len, &ar, &b, NULL, NULL), 0);
		cfg.committed_round = b.header.round;
		svm_arena_reset(&ar);
	}
	cfg.safety = d->record.len ? d->record.data : NULL;
	cfg.safety_len = d->record.len;
	svm_arena_t ar;
	svm_arena_init(&ar, 0);
	svm_header_t hd[SVM_CONS_REPUTATION_BLOCKS + 1];
	size_t k = rs_headers(i, &ar, hd, n_hd < SVM_CONS_REPUTATION_BLOCKS + 1 ? n_hd : SVM_CONS_REPUTATION_BLOCKS + 1);
	cfg.committed_headers = hd_ovr != NULL ? hd_ovr : k ? hd : NULL;
	cfg.n_committed_headers = hd_ovr != NULL ? n_hd : k;
	svm_cons_host_t host = rs_host;
	host.ctx = &rs_disk[i];
	int rc = svm_cons_new(c, &cfg, &host, err);
	svm_arena_reset(&ar);
	return rc;
}

#define RS_LEADERS 16 /* rounds whose leaders are compared */

/* The leaders a core computes for rounds from .. from + RS_LEADERS - 1 (svm_cons_leader: for a
 * block extending its highest QC's). */
static void rs_leaders(svm_cons_t *c, uint64_t from, uint32_t *l)
{
	for (uint32_t r = 0; r < RS_LEADERS; r++) l[r] = svm_cons_leader(c, from + r);
}

static void rs_setup(svm_cons_t **c)
{
	setup_set(RS_N, NULL);
	svm_log_set_level(SVM_LOG_ERROR);
	for (uint32_t i = 0; i < RS_N; i++) {
		for (size_t k = 0; k < RS_LOG_MAX; k++) svm_buf_free(&rs_disk[i].blk[k]);
		for (size_t k = 0; k < RS_KEPT_MAX; k++) svm_buf_free(&rs_disk[i].kept[k]);
		svm_buf_free(&rs_disk[i].record);
		memset(&rs_disk[i], 0, sizeof rs_disk[i]);
		c[i] = NULL;
		if (i != RS_DOWN) cr_assert_eq(rs_open(&c[i], i, 0, NULL, NULL), 0);
	}
	rs_drop_queue();
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	for (uint32_t i = 0; i < RS_N; i++) {
		if (c[i] == NULL) continue;
		svm_cons_out_reset(&out);
		svm_cons_start(c[i], 0, &out);
		rs_route(c, i, &out, 0);
	}
	svm_cons_out_free(&out);
}

static void rs_teardown(svm_cons_t **c)
{
	rs_drop_queue();
	for (uint32_t i = 0; i < RS_N; i++) {
		svm_cons_free(c[i]);
		c[i] = NULL;
		for (size_t k = 0; k < RS_LOG_MAX; k++) svm_buf_free(&rs_disk[i].blk[k]);
		for (size_t k = 0; k < RS_KEPT_MAX; k++) svm_buf_free(&rs_disk[i].kept[k]);
		svm_buf_free(&rs_disk[i].record);
	}
}

/* Every running validator stopped at once (after 24+ blocks, at an instant where each one's
 * record holds the QC it holds) and restarted from its disk — the ninth session's stall. With
 * its last 20 committed headers each core computes the same leaders for the 16 rounds from its
 * current one as before the stop (where reputation moves the seed's pick), and the network goes
 * on committing one chain. Without them (or with only 5) a restarted core's walk stops at its
 * committed block, which no store above it and no peer's empty tree holds: no leader, no
 * proposal, nothing committed in 60 s while the rounds time out — the behaviour the headers
 * exist to fix (docs/consensus.md, "Every validator restarted at once"). Checked to fail: with
 * a core that validates the headers but does not use them, the restarted network commits
 * nothing (the leader comparison alone would not tell: the partial window picks the same
 * leaders for these rounds; a core that may not propose on a partial window is what stalls). */
Test(consensus, a_cluster_restarted_at_once_leads_from_its_committed_headers)
{
	svm_cons_t *c[RS_N];
	rs_setup(c);
	uint64_t now = rs_run(c, 0, 24, true, 600000);
	uint32_t before[RS_N][RS_LEADERS], after[RS_LEADERS], base[RS_LEADERS];
	svm_cons_status_t st[RS_N];
	for (uint32_t i = 0; i < RS_N; i++) {
		if (c[i] == NULL) continue;
		cr_assert_geq(rs_disk[i].n, 24, "core %u committed %llu blocks", i, (unsigned long long)rs_disk[i].n);
		cr_assert(rs_quiet(c), "stopped where the records hold the QCs held");
		svm_cons_status(c[i], &st[i]);
		rs_leaders(c[i], st[i].round, before[i]);
	}
	/* the leaders the seed alone gives (no reputation) pick the down validator in this range */
	svm_cons_config_t cfg;
	genesis_config(&cfg);
	svm_cons_t *plain;
	cr_assert_eq(svm_cons_new(&plain, &cfg, &rs_host, NULL), 0);
	rs_leaders(plain, st[0].round, base);
	svm_cons_free(plain);
	uint32_t differ = 0;
	for (uint32_t r = 0; r < RS_LEADERS; r++) {
		differ += base[r] != before[0][r];
	}
	cr_assert_gt(differ, 0, "reputation changes leaders in this range: the comparison depends on the window");
	/* Stop everyone; what was in flight is lost. Save the disks for the runs without headers. */
	for (uint32_t i = 0; i < RS_N; i++) svm_cons_free(c[i]), c[i] = NULL;
	rs_drop_queue();
	static rs_disk_t saved[RS_N];
	for (uint32_t i = 0; i < RS_N; i++) {
		saved[i] = rs_disk[i]; /* the buffers are shared: restored below before any is written */
		memset(&rs_disk[i].record, 0, sizeof rs_disk[i].record);
		cr_assert_eq(svm_buf_append(&rs_disk[i].record, saved[i].record.data, saved[i].record.len), 0);
	}
	/* (b) none and 5 of them: no leader, no proposal, no commit in 60 s of the network */
	size_t counts[2] = {0, 5};
	for (size_t t = 0; t < 2; t++) {
		svm_cons_out_t out;
		svm_cons_out_init(&out);
		uint64_t n0[RS_N];
		for (uint32_t i = 0; i < RS_N; i++) {
			n0[i] = rs_disk[i].n;
			if (i == RS_DOWN) continue;
			cr_assert_eq(rs_open(&c[i], i, counts[t], NULL, NULL), 0, "%zu headers are accepted", counts[t]);
		}
		rs_proposals = 0;
		for (uint32_t i = 0; i < RS_N; i++) {
			if (c[i] == NULL) continue;
			svm_cons_out_reset(&out);
			cr_assert_eq(svm_cons_start(c[i], now + 10, &out), 0);
			rs_route(c, i, &out, now + 10);
		}
		rs_run(c, now + 10, UINT64_MAX, false, now + 60000);
		for (uint32_t i = 0; i < RS_N; i++) {
			cr_assert_eq(rs_disk[i].n, n0[i], "%zu headers: core %u committed nothing", counts[t], i);
			if (c[i] == NULL) continue;
			svm_cons_status_t s2;
			svm_cons_status(c[i], &s2);
			cr_assert_gt(s2.round, st[i].round + 3, "%zu headers: rounds time out", counts[t]);
		}
		cr_assert_eq(rs_proposals, 0, "%zu headers: no leader, no proposal", counts[t]);
		for (uint32_t i = 0; i < RS_N; i++) svm_cons_free(c[i]), c[i] = NULL;
		rs_drop_queue();
		for (uint32_t i = 0; i < RS_N; i++) { /* back to the disks as they were at the stop */
			cr_assert_eq(rs_disk[i].n, saved[i].n);
			svm_buf_reset(&rs_disk[i].record);
			cr_assert_eq(svm_buf_append(&rs_disk[i].record, saved[i].record.data, saved[i].record.len), 0);
		}
		svm_cons_out_free(&out);
	}
	svm_buf_free(&saved[0].record), svm_buf_free(&saved[1].record), svm_buf_free(&saved[2].record),
		svm_buf_free(&saved[3].record);
	/* (a) with the last 20 committed headers: the same leaders, then blocks again */
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	for (uint32_t i = 0; i < RS_N; i++)
		if (i != RS_DOWN) cr_assert_eq(rs_open(&c[i], i, SVM_CONS_REPUTATION_BLOCKS, NULL, NULL), 0);
	uint64_t n0 = UINT64_MAX;
	for (uint32_t i = 0; i < RS_N; i++) {
		if (c[i] == NULL) continue;
		svm_cons_out_reset(&out);
		cr_assert_eq(svm_cons_start(c[i], now + 10, &out), 0);
		rs_route(c, i, &out, now + 10);
		svm_cons_status_t s2;
		svm_cons_status(c[i], &s2);
		cr_assert(svm_hash_eq(&s2.hqc_block, &st[i].hqc_block), "core %u resumes its highest QC", i);
		cr_assert_eq(s2.epoch, st[i].epoch);
		rs_leaders(c[i], st[i].round, after);
		for (uint32_t r = 0; r < RS_LEADERS; r++)
			cr_assert_eq(after[r], before[i][r], "core %u, round %llu: leader %u after the restart, %u before", i,
				     (unsigned long long)(st[i].round + r), after[r], before[i][r]);
		if (rs_disk[i].n < n0) n0 = rs_disk[i].n;
	}
	svm_cons_out_free(&out);
	rs_run(c, now + 10, n0 + 10, false, now + 120000);
	for (uint32_t i = 0; i < RS_N; i++) {
		if (c[i] == NULL) continue;
		cr_assert_geq(rs_disk[i].n, n0 + 10, "core %u commits again (height %llu)", i,
			      (unsigned long long)rs_disk[i].n);
		for (uint64_t h = 0; h < n0 + 10; h++)
			cr_assert(svm_hash_eq(&rs_disk[i].id[h], &rs_disk[0].id[h]), "one chain (height %llu)",
				  (unsigned long long)h + 1);
	}
	rs_teardown(c);
}

/* The committed headers are bounded and must be what they claim: more than
 * SVM_CONS_REPUTATION_BLOCKS, a count without an array, a header at the wrong height (out of
 * order), at or below the epoch's start, with a proposer outside the set, or not hashing to
 * committed_id or to its newer neighbour's parent (one field changed) are refused with
 * SVM_EINVAL and a message naming the header — with reputation or without — and nothing
 * changes: no core, no host call but validators(), and the list as given then opens a core that
 * computes the leaders the running one did. (A parent QC that does not decode is refused too,
 * but a header that hashes right cannot carry one: the hash covers it.) */
Test(consensus, committed_headers_over_the_bound_or_malformed_are_refused)
{
	svm_cons_t *c[RS_N];
	rs_setup(c);
	rs_run(c, 0, 24, true, 600000);
	const uint32_t me = 0;
	svm_cons_status_t st;
	svm_cons_status(c[me], &st);
	uint32_t before[RS_LEADERS], after[RS_LEADERS];
	rs_leaders(c[me], st.round, before);
	for (uint32_t i = 0; i < RS_N; i++) svm_cons_free(c[i]), c[i] = NULL;
	rs_drop_queue();
	svm_arena_t ar;
	svm_arena_init(&ar, 0);
	svm_header_t good[SVM_CONS_REPUTATION_BLOCKS + 1], bad[SVM_CONS_REPUTATION_BLOCKS + 1];
	cr_assert_eq(rs_headers(me, &ar, good, SVM_CONS_REPUTATION_BLOCKS + 1), SVM_CONS_REPUTATION_BLOCKS + 1);
	svm_hash_t stranger;
	svm_sha256("not a validator", 15, &stranger);
	enum { OVER, NO_ARRAY, ORDER, EPOCH_START, PROPOSER, HEAD, LINK, NO_REP, CASES };
	struct {
		const char *what, *says;
	} cases[CASES] = {[OVER] = {"21 headers", "21 committed headers, at most 20"},
			  [NO_ARRAY] = {"a count without an array", "3 committed headers but no array"},
			  [ORDER] = {"headers 0 and 1 swapped", "committed header 0 (height"},
			  [EPOCH_START] = {"a header at the epoch's start", "is at or below the epoch's start"},
			  [PROPOSER] = {"a proposer outside the set", "has a proposer outside the set"},
			  [HEAD] = {"header 0's round changed", "does not hash to committed_id"},
			  [LINK] = {"header 7's round changed", "committed header 7 (height"},
			  [NO_REP] = {"header 7's round changed, without reputation", "does not hash to its child's parent"}};
	const rs_disk_t d0 = rs_disk[me];
	for (int k = 0; k < CASES; k++) {
		memcpy(bad, good, sizeof bad);
		size_t n = SVM_CONS_REPUTATION_BLOCKS;
		const svm_header_t *list = bad;
		if (k == OVER) n = SVM_CONS_REPUTATION_BLOCKS + 1;
		if (k == NO_ARRAY) list = NULL, n = 3;
		if (k == ORDER) bad[0] = good[1], bad[1] = good[0];
		if (k == EPOCH_START) rs_genesis_height = good[5].height;
		if (k == PROPOSER) bad[4].proposer = stranger;
		if (k == HEAD) bad[0].round++;
		if (k == LINK || k == NO_REP) bad[7].round++;
		rs_no_reputation = k == NO_REP;
		svm_error_t err = {0};
		svm_cons_t *x = (svm_cons_t *)&err; /* set to NULL on failure */
		int rc;
		if (list != NULL) rc = rs_open(&x, me, n, list, &err);
		else { /* rs_open substitutes its own list for NULL: this call by hand */
			svm_cons_config_t cfg;
			genesis_config(&cfg);
			cfg.reputation = true;
			cfg.key = key_of(me);
			cfg.committed_height = d0.n;
			cfg.committed_id = d0.id[d0.n - 1];
			cfg.n_committed_headers = n;
			svm_cons_host_t host = rs_host;
			host.ctx = &rs_disk[me];
			rc = svm_cons_new(&x, &cfg, &host, &err);
		}
		rs_genesis_height = 0;
		rs_no_reputation = false;
		cr_assert_eq(rc, SVM_EINVAL, "%s: refused (%d)", cases[k].what, rc);
		cr_assert_null(x, "%s: no core", cases[k].what);
		cr_assert_eq(err.code, SVM_EINVAL);
		cr_assert(strstr(err.msg, cases[k].says) != NULL, "%s: the message says so: \"%s\"", cases[k].what, err.msg);
		cr_assert(rs_disk[me].persists == d0.persists && rs_disk[me].n_kept == d0.n_kept && rs_disk[me].n == d0.n,
			  "%s: nothing stored", cases[k].what);
	}
	/* the 20 as given: a core, the same leaders once started */
	cr_assert_eq(rs_open(&c[me], me, SVM_CONS_REPUTATION_BLOCKS, good, NULL), 0);
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	cr_assert_eq(svm_cons_start(c[me], 1000000, &out), 0);
	rs_leaders(c[me], st.round, after);
	for (uint32_t r = 0; r < RS_LEADERS; r++) cr_assert_eq(after[r], before[r], "round %u", (unsigned)(st.round + r));
	svm_cons_out_free(&out);
	svm_arena_reset(&ar);
	rs_drop_queue();
	rs_teardown(c);
}

/* Unit tests for the consensus layer: validator sets and the integer quorum rule, canonical
 * encodings of QCs, TCs, votes, timeouts and the safety record (round trips, every truncation,
 * non-canonical bitmaps), QC/TC verification with real Ed25519 signatures (a missing, forged or
 * surplus signer fails), the stake-weighted leader pick, and the LMDB safety record. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervm/consensus.h"

static svm_keypair_t keys[8];
static svm_cons_valset_t vs;
static const uint64_t chain = 42;
static svm_hash_t genesis;

static void setup_set(size_t n, const uint64_t *stakes)
{
	cr_assert_eq(svm_crypto_init(), 0);
	svm_cons_validator_t v[8];
	for (size_t i = 0; i < n; i++) {
		uint8_t seed[32] = {0};
		seed[0] = (uint8_t)(i + 1);
		svm_keypair_from_seed(&keys[i], seed);
		v[i].id = keys[i].id;
		memcpy(v[i].pubkey, keys[i].public_key, 32);
		v[i].stake = stakes ? stakes[i] : 1;
	}
	cr_assert_eq(svm_cons_valset_build(&vs, 0, v, n, NULL), 0);
	svm_sha256("genesis", 7, &genesis);
}

/* The key of set index i. */
static const svm_keypair_t *key_of(uint32_t i)
{
	for (int k = 0; k < 8; k++)
		if (svm_hash_eq(&keys[k].id, &vs.v[i].id)) return &keys[k];
	cr_assert_fail("no key");
	return NULL;
}

static void make_qc(svm_cons_qc_t *qc, uint64_t round, uint32_t signers_mask)
{
	memset(qc, 0, sizeof *qc);
	svm_sha256(&round, 8, &qc->data.block_id);
	qc->data.round = round;
	qc->data.height = round;
	qc->data.parent_round = round - 1;
	svm_sha256("p", 1, &qc->data.parent_id);
	svm_sha256("x", 1, &qc->data.exec_root);
	svm_hash_t d;
	svm_cons_vote_digest(chain, 0, &qc->data, &d);
	for (uint32_t i = 0; i < vs.n; i++) {
		if (!(signers_mask & (1u << i))) continue;
		qc->bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
		svm_ed25519_sign(qc->sigs[qc->n_sigs++], d.b, 32, key_of(i)->secret_key);
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
	svm_cons_safety_t s = {0}, s2;
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

/* libFuzzer target for every consensus decoder (QC, TC, vote, timeout, proposal, safety
 * record, evidence, commit proof): any input must decode or fail without crashing, and whatever decodes must
 * re-encode to exactly the input (the encodings are canonical); evidence that verifies against
 * a fixed set must re-encode too and convert to the staking form. The first byte picks the decoder the
 * rest goes to as well, so one corpus reaches all of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/consensus.h"

static void same(const svm_buf_t *b, const uint8_t *p, size_t n, const char *what)
{
	if (b->len != n || memcmp(b->data, p, n) != 0) {
		fprintf(stderr, "%s re-encodes to different bytes (%zu vs %zu)\n", what, b->len, n);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static svm_cons_qc_t qc;
	static svm_cons_tc_t tc;
	static svm_cons_timeout_t to;
	static svm_cons_safety_t sf;
	static svm_cons_proposal_t pr;
	svm_cons_vote_t v;
	svm_buf_t out = {0};
	svm_arena_t arena;
	svm_arena_init(&arena, 16u << 20);
	if (svm_cons_qc_decode(data, size, &qc, NULL) == 0) {
		if (svm_cons_qc_encode(&qc, &out) != 0) abort();
		same(&out, data, size, "qc");
	}
	svm_buf_reset(&out);
	if (svm_cons_tc_decode(data, size, &tc, NULL) == 0) {
		if (svm_cons_tc_encode(&tc, &out) != 0) abort();
		same(&out, data, size, "tc");
	}
	svm_buf_reset(&out);
	if (svm_cons_vote_decode(data, size, &v, NULL) == 0) {
		if (svm_cons_vote_encode(&v, &out) != 0) abort();
		same(&out, data, size, "vote");
	}
	svm_buf_reset(&out);
	if (svm_cons_timeout_decode(data, size, &to, NULL) == 0) {
		if (svm_cons_timeout_encode(&to, &out) != 0) abort();
		same(&out, data, size, "timeout");
	}
	svm_buf_reset(&out);
	if (svm_cons_safety_decode(data, size, &sf, NULL) == 0) {
		if (svm_cons_safety_encode(&sf, &out) != 0) abort();
		same(&out, data, size, "safety");
	}
	(void)svm_cons_proposal_decode(data, size, &arena, &pr, NULL);
	svm_arena_reset(&arena);
	/* a commit proof re-encodes exactly; verify (against the set below) must not crash */
	static svm_cons_commit_proof_t cp;
	svm_buf_reset(&out);
	bool cp_ok = svm_cons_commit_proof_decode(data, size, &cp, NULL) == 0;
	if (cp_ok) {
		if (svm_cons_commit_proof_encode(cp.headers, cp.n, &cp.qc, &out) != 0) abort();
		same(&out, data, size, "commit proof");
	}
	/* evidence against a 4-validator set (seeds 1..4); a verified one re-encodes exactly */
	static svm_cons_valset_t vs;
	static bool vs_ready;
	if (!vs_ready) {
		svm_cons_validator_t val[4];
		for (int i = 0; i < 4; i++) {
			uint8_t seed[32] = {(uint8_t)(i + 1)};
			svm_keypair_t kp;
			svm_keypair_from_seed(&kp, seed);
			val[i].id = kp.id;
			memcpy(val[i].pubkey, kp.public_key, 32);
			val[i].stake = 1;
		}
		if (svm_cons_valset_build(&vs, 0, val, 4, NULL) != 0) abort();
		vs_ready = true;
	}
	if (cp_ok) {
		svm_hash_t id = {{0}};
		(void)svm_cons_commit_proof_verify(data, size, &id, 1, &vs, 42, &id, NULL);
	}
	svm_cons_evidence_t ev;
	svm_buf_reset(&out);
	if (svm_cons_evidence_verify(data, size, &vs, 42, NULL, &ev) == 0) {
		if (svm_cons_evidence_encode(&ev, &out) != 0) abort();
		same(&out, data, size, "evidence");
		svm_evidence_t se;
		(void)svm_cons_evidence_stake(&ev, &vs, 42, &se);
		svm_cons_evidence_free(&ev);
	}
	svm_buf_free(&out);
	return 0;
}

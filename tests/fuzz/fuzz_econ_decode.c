/* libFuzzer target for the economy's decoders: the parameter object, the AMM pool object, AMM
 * and staking payloads, the slashing evidence, the redelegation records and queued offences, the signers of a parent QC and the downtime record, rent payloads and records, and the
 * congestion table. Any input must decode without crashing; what decodes must re-encode to exactly
 * itself (canonical); a payload's access set must be computable exactly when it parses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/econ.h"

static void same(const svm_buf_t *b, const uint8_t *data, size_t size, const char *what)
{
	if (b->len != size || memcmp(b->data, data, size) != 0) {
		fprintf(stderr, "%s re-encodes to different bytes\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svm_params_t p;
	svm_buf_t out = {0};
	if (svm_params_decode(data, size, &p) == 0) {
		if (svm_params_check(&p, NULL) || svm_params_encode(&p, &out)) abort();
		same(&out, data, size, "params");
	}
	out.len = 0;
	svm_amm_pool_t pool;
	if (svm_amm_pool_decode(data, size, &pool) == 0) {
		if (svm_amm_pool_encode(&pool, &out)) abort();
		same(&out, data, size, "pool");
	}
	svm_id_t sender = {{1}}, ids[16];
	size_t n = 0;
	(void)svm_amm_access(&sender, data, size, ids, 16, &n);
	if (n > 9) abort();
	n = 0;
	(void)svm_staking_access(&sender, data, size, ids, 16, &n);
	if (n > 10) abort();
	svm_evidence_t e;
	svm_reader_t r = svm_reader(data, size);
	if (svm_evidence_decode(&r, &e) == 0 && svm_reader_left(&r) == 0) {
		/* what decodes is one offence: two different hashes, ascending */
		if (e.kind > 1 || memcmp(e.hash[0].b, e.hash[1].b, 32) >= 0) abort();
		out.len = 0;
		if (svm_evidence_encode(&e, &out)) abort();
		same(&out, data, size, "evidence");
	}
	/* the redelegation records and the offences queued for the settlement: canonical */
	static svm_stake_redel_t red[SVM_STAKE_REDEL_MAX];
	size_t nr;
	if (svm_staking_redel_decode(data, size, red, SVM_STAKE_REDEL_MAX, &nr) == 0) {
		out.len = 0;
		if (nr == 0 || svm_varint_append(&out, nr)) abort();
		for (size_t i = 0; i < nr; i++)
			if (red[i].amount == 0 || svm_buf_append(&out, red[i].delegator.b, 32) ||
			    svm_buf_append(&out, red[i].to.b, 32) || svm_varint_append(&out, red[i].amount) ||
			    svm_varint_append(&out, red[i].start_height) || svm_varint_append(&out, red[i].release_epoch))
				abort();
		same(&out, data, size, "redelegations");
	}
	static svm_stake_redslash_t rs[SVM_STAKE_REDSLASH_MAX];
	if (svm_staking_redslash_decode(data, size, rs, SVM_STAKE_REDSLASH_MAX, &nr) == 0) {
		out.len = 0;
		if (nr == 0 || svm_varint_append(&out, nr)) abort();
		for (size_t i = 0; i < nr; i++)
			if (rs[i].bps > 10000 || svm_buf_append(&out, rs[i].op.b, 32) ||
			    svm_varint_append(&out, rs[i].height) || svm_varint_append(&out, rs[i].bps))
				abort();
		same(&out, data, size, "queued offences");
	}
	/* the downtime record (version 2 or 3, re-encoded in its own version): canonical, counts above zero */
	static svm_stake_downlist_t dl;
	if (svm_staking_down_decode(data, size, &dl) == 0) {
		for (size_t i = 0; i < dl.n; i++)
			if (dl.e[i].missed == 0) abort();
		out.len = 0;
		if (svm_staking_down_encode(&dl, &out)) abort();
		same(&out, data, size, "downtime record");
	}
	uint64_t qh;
	uint8_t bm[SVM_QC_BITMAP_BYTES];
	uint32_t ns;
	if (svm_qc_signers(data, size, &qh, bm, &ns) == 0) {
		/* what parses holds one signature per signer, and the signers are the bitmap's bits */
		uint32_t pc = 0;
		for (size_t i = 0; i < sizeof bm; i++) pc += (uint32_t)__builtin_popcount(bm[i]);
		if (pc != ns || size < (size_t)ns * 64) abort();
	}
	n = 0;
	int arc = svm_rent_access(&sender, data, size, ids, 16, &n);
	if (n > 5) abort();
	svm_id_t rslot; /* the slot a payload names (either form) is the first object it declares */
	if (svm_rent_payload_slot(data, size, &rslot) == 0 && (arc != 0 || !svm_hash_eq(&rslot, &ids[0]))) abort();
	svm_rent_record_t rr;
	svm_rent_tomb_t rt;
	if (svm_rent_record_decode(data, size, &rr) == 0) {
		/* an exempt record carries the value length it covers (bounded), another none; what it
		 * bills is at most the growth past that length */
		if (rr.exempt > 1 || (!rr.exempt && rr.exempt_len != 0) || rr.exempt_len > SVM_CONTRACT_VALUE_MAX) abort();
		if (rr.exempt && svm_rent_billed(&rr, 1000, rr.exempt_len) != 0) abort();
		if (rr.exempt && svm_rent_billed(&rr, 1000, rr.exempt_len + 7) != 7) abort();
		if (!rr.exempt && svm_rent_billed(&rr, 1000, 7) != 1000) abort();
	}
	if (svm_rent_tomb_decode(data, size, &rt) == 0 && (rt.size == 0 || rt.size > SVM_RENT_OBJECT_MAX)) abort();
	static svm_congestion_entry_t t[SVM_CONGESTION_OBJECTS_MAX];
	size_t nt;
	if (svm_congestion_decode(data, size, t, SVM_CONGESTION_OBJECTS_MAX, &nt) == 0) {
		out.len = 0;
		if (svm_congestion_encode(t, nt, &out)) abort();
		same(&out, data, size, "congestion table");
	}
	svm_buf_free(&out);
	return 0;
}

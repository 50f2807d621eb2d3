/* The CLI's check that a quorum certified a block: the receipt and proof commands verify their
 * Merkle proofs against roots in a header whose hash a quorum certificate signs, with the
 * signatures checked here against the validator set (docs/net.md), so a client trusts a
 * quorum of validators rather than the one node it asks. */
#include <string.h>

#include "cli.h"
#include "supervm/consensus.h"

static const char *str(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

/* The validator set the node reports, rebuilt and checked here (ids from the keys). */
static int valset(cli_args_t *a, svm_rpc_client_t *c, uint64_t epoch, svm_cons_valset_t *vs)
{
	json_t *r = NULL;
	int rc = cli_call(a, c, "svm_getValidatorSet", json_pack("[I]", (json_int_t)epoch), &r);
	if (rc != 0) return rc;
	size_t n = json_array_size(r);
	svm_cons_validator_t *v = svm_calloc(n ? n : 1, sizeof *v);
	rc = v == NULL || n == 0 ? SVM_EINVAL : 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		json_t *e = json_array_get(r, i);
		rc = svm_hex_decode(v[i].pubkey, 32, str(e, "pubkey"));
		v[i].stake = cli_ju64(json_object_get(e, "stake"));
		if (rc == 0) rc = svm_identity_derive(SVM_SCHEME_ED25519, v[i].pubkey, 32, &v[i].id);
	}
	if (rc == 0) rc = svm_cons_valset_build(vs, epoch, v, n, NULL);
	svm_free(v);
	json_decref(r);
	return rc;
}

/* The node holds only the proof that the block committed (its own QC had not reached it yet):
 * the headers from the block up to a block whose child a quorum certified in the next round
 * (svm_cons_commit_proof_verify against the QC's epoch's set). The header is the block's. */
static int verify_commit_proof(cli_args_t *a, svm_rpc_client_t *c, json_t *r, uint64_t height, uint64_t chain_id,
			       const char *genesis_hex, svm_header_t *h, svm_buf_t *hbytes, char *why, size_t why_len)
{
	svm_buf_t pb = {0};
	svm_hash_t id, gid;
	svm_cons_commit_proof_t *pf = svm_malloc(sizeof *pf);
	svm_cons_valset_t *vs = svm_malloc(sizeof *vs);
	int rc = pf == NULL || vs == NULL ? SVM_ENOMEM : 0;
	if (rc == 0 && (svm_hex_decode_buf(&pb, str(r, "commit_proof"), 2u * SVM_CONS_COMMIT_PROOF_BYTES_MAX) != 0 ||
			svm_hex_decode_buf(hbytes, str(r, "header"), SVM_HEADER_QC_MAX + 4096) != 0 ||
			svm_hash_from_hex(&gid, genesis_hex) != 0 ||
			svm_cons_commit_proof_decode(pb.data, pb.len, pf, NULL) != 0 ||
			svm_header_decode(hbytes->data, hbytes->len, h, NULL) != 0 || svm_header_hash(h, &id) != 0)) {
		rc = SVM_EDECODE;
		snprintf(why, why_len, "the node's commit proof or header does not decode");
	}
	if (rc == 0 && valset(a, c, pf->qc.epoch, vs) != 0) {
		rc = SVM_EINVAL;
		snprintf(why, why_len, "the node's validator set of epoch %llu is not valid",
			 (unsigned long long)pf->qc.epoch);
	}
	if (rc == 0 && h->height != height) {
		rc = SVM_EVALIDATE;
		snprintf(why, why_len, "the header is not block %llu's", (unsigned long long)height);
	}
	if (rc == 0 && svm_cons_commit_proof_verify(pb.data, pb.len, &id, height, vs, chain_id, &gid, NULL) != 0) {
		rc = SVM_ESIG;
		snprintf(why, why_len, "the commit proof does not show block %llu committed by a quorum",
			 (unsigned long long)height);
	}
	if (rc == 0)
		snprintf(why, why_len, "committed: a quorum certified a descendant in the round after its parent's "
			 "(commit proof, %u header(s); the block's own QC had not reached this node)", pf->n);
	svm_buf_free(&pb);
	svm_free(pf);
	svm_free(vs);
	return rc;
}

int cli_verify_certified(cli_args_t *a, svm_rpc_client_t *c, uint64_t height, svm_header_t *h,
			 svm_buf_t *hbytes, char *why, size_t why_len)
{
	svm_cons_valset_t *vs = svm_malloc(sizeof *vs);
	svm_cons_qc_t *qc = svm_malloc(sizeof *qc);
	json_t *r = NULL, *g = NULL, *cid = NULL;
	svm_buf_t qcb = {0};
	svm_hash_t id, gid;
	int rc = vs == NULL || qc == NULL ? SVM_ENOMEM : 0;
	if (rc == 0) rc = cli_call(a, c, "svm_getBlockQC", json_pack("[I]", (json_int_t)height), &r);
	if (rc == 0 && json_is_null(r)) {
		rc = SVM_ENOTFOUND;
		snprintf(why, why_len, "block %llu has no quorum certificate", (unsigned long long)height);
	}
	if (rc == 0) rc = cli_call(a, c, "svm_getBlockByNumber", json_pack("[i]", 0), &g);
	if (rc == 0) rc = cli_call(a, c, "svm_chainId", NULL, &cid);
	if (rc == 0 && json_object_get(r, "qc") == NULL && json_object_get(r, "commit_proof") != NULL) {
		rc = verify_commit_proof(a, c, r, height, cli_ju64(cid), str(g, "hash"), h, hbytes, why, why_len);
		goto done;
	}
	if (rc == 0 && (svm_hex_decode_buf(&qcb, str(r, "qc"), 2u * SVM_HEADER_QC_MAX) != 0 ||
			svm_hex_decode_buf(hbytes, str(r, "header"), SVM_HEADER_QC_MAX + 4096) != 0 ||
			svm_hash_from_hex(&gid, str(g, "hash")) != 0 ||
			svm_cons_qc_decode(qcb.data, qcb.len, qc, NULL) != 0 ||
			svm_header_decode(hbytes->data, hbytes->len, h, NULL) != 0 || svm_header_hash(h, &id) != 0)) {
		rc = SVM_EDECODE;
		snprintf(why, why_len, "the node's certificate or header does not decode");
	}
	if (rc == 0 && valset(a, c, qc->epoch, vs) != 0) {
		rc = SVM_EINVAL;
		snprintf(why, why_len, "the node's validator set of epoch %llu is not valid", (unsigned long long)qc->epoch);
	}
	if (rc == 0 && (h->height != height || !svm_hash_eq(&qc->data.block_id, &id) || qc->data.height != height)) {
		rc = SVM_EVALIDATE;
		snprintf(why, why_len, "the certificate is not for block %llu's header", (unsigned long long)height);
	}
	if (rc == 0 && svm_cons_qc_verify(qc, vs, cli_ju64(cid), &gid, NULL) != 0) {
		rc = SVM_ESIG;
		snprintf(why, why_len, "the certificate's signatures are not a quorum of the validators");
	}
	if (rc == 0) {
		uint64_t signed_stake = 0;
		uint32_t signers = 0;
		for (uint32_t i = 0; i < vs->n; i++)
			if (qc->bitmap[i / 8] >> (i % 8) & 1) signed_stake += vs->v[i].stake, signers++;
		snprintf(why, why_len, "certified by %u of %u validators (stake %llu of %llu)", signers, vs->n,
			 (unsigned long long)signed_stake, (unsigned long long)vs->total_stake);
	}
done:
	json_decref(r);
	json_decref(g);
	json_decref(cid);
	svm_buf_free(&qcb);
	svm_free(vs);
	svm_free(qc);
	return rc;
}

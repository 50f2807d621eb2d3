/* The validator set consensus runs with, from the staking program's state: the payload of the
 * object SHA-256("svm/validators") that staking writes when it processes an epoch (econ.h,
 * docs/economics.md), turned into consensus's svm_cons_valset_t. The one conversion between
 * the two layers' formats, so the node's `validators` host callback is a read plus this call. */
#include <string.h>

#include "supervm/consensus.h"
#include "supervm/econ.h"

_Static_assert(SVM_STAKE_ACTIVE_MAX == SVM_CONS_VALIDATORS_MAX,
	       "staking's active set is consensus's validator set");
_Static_assert(SVM_QC_TAG == SVM_CONS_TAG_QC && SVM_QC_BITMAP_BYTES == SVM_CONS_BITMAP_BYTES,
	       "the staking program reads the signers of consensus's QCs (svm_qc_signers)");
int svm_cons_valset_from_staking(const uint8_t *payload, size_t len, uint64_t epoch,
				 svm_cons_valset_t *out, svm_error_t *err)
{
	svm_validator_entry_t *e = svm_malloc(SVM_CONS_VALIDATORS_MAX * sizeof *e);
	svm_cons_validator_t *v = svm_malloc(SVM_CONS_VALIDATORS_MAX * sizeof *v);
	size_t n = 0;
	int rc = e && v ? 0 : svm_error_set(err, SVM_ENOMEM, "validators: out of memory");
	if (rc == 0 && svm_staking_validator_set(payload, len, e, SVM_CONS_VALIDATORS_MAX, &n) != 0)
		rc = svm_error_set(err, SVM_EDECODE, "validators: the staking set does not decode "
						     "(or has more than %d validators)",
				   SVM_CONS_VALIDATORS_MAX);
	/* consensus needs 3·total to fit a u64: scale every stake down by the same power of two
	 * (keeping each ≥ 1) — the shares of the quorum change by at most the rounding */
	unsigned shift = 0;
	for (; rc == 0; shift++) {
		unsigned __int128 total = 0;
		for (size_t i = 0; i < n; i++) {
			uint64_t s = e[i].stake >> shift;
			total += s ? s : 1;
		}
		if (total <= UINT64_MAX / 3) break;
	}
	SVM_ASSERT(rc != 0 || n <= SVM_CONS_VALIDATORS_MAX);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		SVM_ASSERT(shift < 64);
		memcpy(v[i].pubkey, e[i].key, 32);
		v[i].stake = e[i].stake >> shift ? e[i].stake >> shift : 1;
		rc = svm_identity_derive(SVM_SCHEME_ED25519, v[i].pubkey, 32, &v[i].id);
		if (rc) rc = svm_error_set(err, rc, "validators: bad key");
	}
	if (rc == 0) rc = svm_cons_valset_build(out, epoch, v, n, err);
	svm_free(e);
	svm_free(v);
	return rc;
}

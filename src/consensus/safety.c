/* LMDB-backed storage of the consensus safety record: one meta key, written in its own write
 * transaction and committed synchronously, so it is on disk before the vote it guards leaves. */
#include <string.h>

#include "consensus/internal.h"

int svm_cons_safety_put(svm_store_txn_t *t, const uint8_t *rec, size_t len, svm_error_t *err)
{
	int rc = svm_store_put(t, SVM_TABLE_META, SVM_CONS_SAFETY_KEY, strlen(SVM_CONS_SAFETY_KEY), rec,
			       len, 0);
	return rc != 0 ? svm_error_set(err, rc, "safety record: put failed") : 0;
}

int svm_cons_safety_save(svm_store_t *st, const uint8_t *rec, size_t len, svm_error_t *err)
{
	svm_store_txn_t *t;
	int rc = svm_store_write_begin(st, &t, err);
	if (rc != 0) return rc;
	rc = svm_cons_safety_put(t, rec, len, err);
	if (rc != 0) {
		svm_store_abort(t);
		return rc;
	}
	return svm_store_commit(t, err);
}

int svm_cons_safety_load(svm_store_t *st, svm_buf_t *rec_out, svm_error_t *err)
{
	svm_store_txn_t *t;
	const uint8_t *v;
	size_t vl;
	int rc = svm_store_read_begin(st, &t, err);
	if (rc != 0) return rc;
	rc = svm_store_get(t, SVM_TABLE_META, SVM_CONS_SAFETY_KEY, strlen(SVM_CONS_SAFETY_KEY), &v,
			   &vl);
	if (rc == 0) {
		if (vl > SVM_CONS_SAFETY_BYTES_MAX) rc = SVM_ELIMIT;
		else rc = svm_buf_append(rec_out, v, vl);
	}
	SVM_ASSERT(rc != 0 || rec_out->len >= vl); /* the record was appended whole */
	svm_store_abort(t);
	if (rc == SVM_ENOTFOUND) return rc;
	if (rc != 0) return svm_error_set(err, rc, "safety record: read failed");
	return 0;
}

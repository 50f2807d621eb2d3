/* Unmetered object access for the host's own programs (the ledger charges flat costs per
 * operation so that its steps never depend on the state — which keeps balance credits
 * commutative for parallel executors). Access checks and access reports still apply. */
#ifndef SUPERVM_VM_HOST_INTERNAL_H
#define SUPERVM_VM_HOST_INTERNAL_H

#include "supervm/vm.h"

/* As svm_host_get/put/del without charging steps; *len receives the encoded length. */
int svm_host_read_(svm_txctx_t *c, const svm_id_t *id, svm_object_t *o, size_t *len);
int svm_host_write_(svm_txctx_t *c, const svm_object_t *o, size_t *len);
int svm_host_remove_(svm_txctx_t *c, const svm_id_t *id);
/* A balance credit through the view's credit op (which must be set): access-checked as a
 * write and reported as one. */
int svm_host_credit_(svm_txctx_t *c, const svm_id_t *id, const svm_id_t *token,
		     const svm_id_t *owner, uint64_t amount);
/* A supply decrease through the view's retire op (which must be set): access-checked as a
 * write and reported as one. SVM_EUNSUPPORTED when the view takes no delta here (the caller
 * then reads, subtracts and writes). */
int svm_host_retire_(svm_txctx_t *c, const svm_id_t *id, uint64_t amount);
/* As svm_host_read_, through the view's probe op where it has one: o may hold a token's
 * supply before the block's unresolved burns — for existence and type checks only. */
int svm_host_probe_(svm_txctx_t *c, const svm_id_t *id, svm_object_t *o);

#endif

/* Shared between the AI market's two native programs (model_registry.c, job_escrow.c). */
#ifndef SUPERVM_VM_NATIVE_AI_INTERNAL_H
#define SUPERVM_VM_NATIVE_AI_INTERNAL_H

#include "supervm/ai.h"

/* A chunk or code object (immutable storage); *p borrows the view. */
int svm_ai_read_chunk_(svm_txctx_t *c, const svm_id_t *id, const uint8_t **p, size_t *len);
/* A manifest's weights concatenated into the block arena, checked against weights_hash
 * (SVM_EPROOF on mismatch). */
int svm_ai_load_weights_(svm_txctx_t *c, const svm_ai_manifest_t *m, const uint8_t **out,
			 size_t *out_len);
int svm_ai_load_code_(svm_txctx_t *c, const svm_hash_t *code_hash, const uint8_t **p, size_t *len);
/* SVM_ENOTFOUND for an unknown model. */
int svm_ai_manifest_load_(svm_txctx_t *c, const svm_id_t *model, svm_ai_manifest_t *m);

#endif

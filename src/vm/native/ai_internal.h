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

/* Disputes of auditable jobs, between job_escrow (program 17) and the disputes program (19):
 * job_escrow's dispute opens the claim of the sender (the challenger) over provider's trace t
 * (awaiting the provider's opening; the agreed initial state computed from the job's module,
 * weights and input) and returns its id (SVM_EEXIST if that claim exists: one per challenger
 * and provider); when a game is decided, program 19 calls back with its outcome, which the job
 * records for that challenger's dispute of that slot (docs/bisection.md). */
int svm_dispute_open_job_(svm_txctx_t *c, const svm_id_t *job, const svm_ai_job_t *j,
			  const svm_id_t *provider, const svm_ai_trace_t *t, svm_id_t *claim);
int svm_ai_dispute_decided_(svm_txctx_t *c, const svm_id_t *job, const svm_id_t *provider,
			    const svm_id_t *challenger, bool provider_won);

#endif

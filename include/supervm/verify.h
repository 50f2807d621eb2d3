/* SuperVM verification levels and TEE acceptance of a result: what a job or transaction asks
 * for (standard, auditable, high-value), what each level requires of a result and how fees,
 * bonds and the challenge window scale; and the rule that accepts a VCR's TEE evidence (the
 * evidence verifies as of the block time, its report data binds the job's fields, its
 * measurement is one the model's manifest allows, the guest is not debuggable).
 * docs/verification.md. Pure functions; safe from any thread. */
#ifndef SUPERVM_VERIFY_H
#define SUPERVM_VERIFY_H

#include "supervm/attest.h"

typedef enum {
	SVM_VERIFY_STANDARD = 0,   /* replicas agree, or small jobs re-executed on chain */
	SVM_VERIFY_AUDITABLE = 1,  /* + a trace commitment: disputable by bisection */
	SVM_VERIFY_HIGH_VALUE = 2, /* + TEE attestation, and a longer window */
	SVM_VERIFY_LEVELS
} svm_verify_level_t;

/* What a level requires and what it costs. Multipliers are in percent of the standard fee and
 * bond (integers only: consensus). */
typedef struct {
	uint32_t replicas_min;      /* agreeing replicas (standard), or 1 with a trace/TEE */
	bool trace_required;        /* a trace commitment (root, K, S, final state) */
	bool tee_required;          /* verifying TEE evidence bound to the job */
	uint64_t challenge_blocks;  /* how long the result can be disputed */
	uint32_t fee_pct, bond_pct; /* of the standard fee and bond */
} svm_verify_rules_t;

/* The rules of a level (SVM_EINVAL for an unknown one). */
int svm_verify_rules(svm_verify_level_t level, svm_verify_rules_t *out);
/* "standard", "auditable", "high-value"; and back (SVM_EDECODE for anything else). */
const char *svm_verify_level_name(svm_verify_level_t level);
int svm_verify_level_parse(const char *s, svm_verify_level_t *out);

/* The highest level a result meets, given what it carries: agreeing replicas, a trace
 * commitment, accepted TEE evidence. A receipt records it; a job asking for more than its
 * result meets is not settled. */
svm_verify_level_t svm_verify_level_met(uint32_t replicas, bool has_trace, bool tee_accepted);

/* Fee and bond of a level from the standard ones (checked arithmetic: SVM_EOVERFLOW). */
int svm_verify_scale(svm_verify_level_t level, uint64_t fee, uint64_t bond, uint64_t *fee_out,
		     uint64_t *bond_out);

/* The job fields a TEE report must bind, in this order. */
typedef struct {
	svm_hash_t job_id, input_hash, model_hash, code_hash;
	uint64_t seed;
	svm_hash_t output_hash;
} svm_vcr_binding_t;

/* SHA-256("svm/vcr/tee" ‖ job id ‖ input ‖ model ‖ code ‖ u64be seed ‖ output): the first 32
 * bytes of the evidence's 64-byte report data; the other 32 must be zero. */
void svm_vcr_binding_hash(const svm_vcr_binding_t *b, svm_hash_t *out);

/* Accepts verified TEE evidence for a job: report_data (64 bytes, from the verified report or
 * quote) binds b, the measurement (SNP MEASUREMENT or TDX MRTD, 48 bytes) is one of the
 * allowed (the model manifest's list), and the guest is not debuggable. SVM_EPROOF for a
 * report data that does not bind the job, SVM_EPERM for an unknown measurement or a
 * debuggable guest. */
int svm_vcr_accept_tee(const uint8_t report_data[64], const uint8_t measurement[48], bool debuggable,
		       const svm_vcr_binding_t *b, const uint8_t (*allowed)[48], size_t n_allowed,
		       svm_error_t *err);

#endif

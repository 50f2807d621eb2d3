/* Verification levels (standard, auditable, high-value): their requirements, fee and bond
 * scaling, the level a result meets, and the acceptance of a VCR's TEE evidence. The figures
 * are the chain's defaults (docs/verification.md says why). */
#include <string.h>

#include "supervm/verify.h"

static const svm_verify_rules_t rules[SVM_VERIFY_LEVELS] = {
	/* two agreeing replicas; a day of 1-second blocks to object */
	[SVM_VERIFY_STANDARD] = {2, false, false, 86400, 100, 100},
	/* one worker with a trace commitment; a dispute needs ~2 × 8 rounds: a week */
	[SVM_VERIFY_AUDITABLE] = {1, true, false, 604800, 150, 200},
	/* TEE evidence and a trace; two weeks, bonds that outweigh a high-value result */
	[SVM_VERIFY_HIGH_VALUE] = {1, true, true, 1209600, 250, 400},
};

static const char *const names[SVM_VERIFY_LEVELS] = {"standard", "auditable", "high-value"};

int svm_verify_rules(svm_verify_level_t level, svm_verify_rules_t *out)
{
	if ((unsigned)level >= SVM_VERIFY_LEVELS) return SVM_EINVAL;
	*out = rules[level];
	return 0;
}

const char *svm_verify_level_name(svm_verify_level_t level)
{
	return (unsigned)level < SVM_VERIFY_LEVELS ? names[level] : "?";
}

int svm_verify_level_parse(const char *s, svm_verify_level_t *out)
{
	for (int i = 0; i < SVM_VERIFY_LEVELS; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (svm_verify_level_t)i;
			return 0;
		}
	return SVM_EDECODE;
}

svm_verify_level_t svm_verify_level_met(uint32_t replicas, bool has_trace, bool tee_accepted)
{
	if (has_trace && tee_accepted) return SVM_VERIFY_HIGH_VALUE;
	if (has_trace) return SVM_VERIFY_AUDITABLE;
	(void)replicas; /* below two replicas a result is only standard if re-executed on chain */
	return SVM_VERIFY_STANDARD;
}

int svm_verify_scale(svm_verify_level_t level, uint64_t fee, uint64_t bond, uint64_t *fee_out,
		     uint64_t *bond_out)
{
	if ((unsigned)level >= SVM_VERIFY_LEVELS) return SVM_EINVAL;
	uint64_t f, b;
	if (!svm_mul_u64(fee, rules[level].fee_pct, &f) || !svm_mul_u64(bond, rules[level].bond_pct, &b))
		return SVM_EOVERFLOW;
	*fee_out = f / 100;
	*bond_out = b / 100;
	return 0;
}

void svm_vcr_binding_hash(const svm_vcr_binding_t *b, svm_hash_t *out)
{
	uint8_t seed[8];
	svm_put_u64be(seed, b->seed);
	svm_slice_t parts[] = {{b->job_id.b, 32},     {b->input_hash.b, 32}, {b->model_hash.b, 32},
			       {b->code_hash.b, 32},  {seed, 8},             {b->output_hash.b, 32}};
	svm_sha256_tagged("svm/vcr/tee", parts, 6, out);
}

int svm_vcr_accept_tee(const uint8_t report_data[64], const uint8_t measurement[48], bool debuggable,
		       const svm_vcr_binding_t *b, const uint8_t (*allowed)[48], size_t n_allowed,
		       svm_error_t *err)
{
	static const uint8_t zero[32];
	svm_hash_t h;
	svm_vcr_binding_hash(b, &h);
	if (memcmp(report_data, h.b, 32) != 0 || memcmp(report_data + 32, zero, 32) != 0)
		return svm_error_set(err, SVM_EPROOF, "tee evidence: report data does not bind the job");
	if (debuggable) return svm_error_set(err, SVM_EPERM, "tee evidence: the guest is debuggable");
	for (size_t i = 0; i < n_allowed; i++)
		if (memcmp(allowed[i], measurement, 48) == 0) return 0;
	return svm_error_set(err, SVM_EPERM, "tee evidence: measurement not allowed by the model's manifest");
}

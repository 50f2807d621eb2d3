/* The governed parameter object: one shared object holding every constant that governs the
 * chain, encoded positionally from the field table in econ.h. */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "supervm/ai.h"
#include "supervm/confidential.h"
#include "supervm/econ.h"
#include "supervm/groth16.h"
#include "supervm/verify.h"

const svm_params_field_t svm_params_fields[] = {
#define FIELD_(name, def, lo, hi) {#name, offsetof(svm_params_t, name), def, lo, hi},
	SVM_PARAMS_FIELDS(FIELD_)
#undef FIELD_
};
const size_t svm_params_fields_len = sizeof svm_params_fields / sizeof svm_params_fields[0];

/* every field a u64 (svm_params_at), and the whole object encodes into svm_params_put's buffer */
_Static_assert(sizeof(svm_params_t) % sizeof(uint64_t) == 0, "parameters are u64 fields");
_Static_assert((sizeof(svm_params_t) / sizeof(uint64_t) + 2) * SVM_VARINT_MAX <= 512,
	       "the parameter object fits svm_params_put's stack buffer");

void svm_params_default(svm_params_t *p)
{
	for (size_t i = 0; i < svm_params_fields_len; i++)
		*svm_params_at(p, &svm_params_fields[i]) = svm_params_fields[i].def;
	SVM_ASSERT(svm_params_check(p, NULL) == 0); /* every default inside its own bounds */
}

int svm_params_check(const svm_params_t *p, svm_error_t *err)
{
	for (size_t i = 0; i < svm_params_fields_len; i++) {
		const svm_params_field_t *f = &svm_params_fields[i];
		uint64_t v = *svm_params_at((svm_params_t *)p, f);
		if (v < f->lo || v > f->hi)
			return svm_error_set(err, SVM_EINVAL, "params.%s = %llu is outside [%llu, %llu]",
					     f->name, (unsigned long long)v, (unsigned long long)f->lo,
					     (unsigned long long)f->hi);
	}
	if (p->downtime_missed_max > p->downtime_window_blocks)
		return svm_error_set(err, SVM_EINVAL, "params.downtime_missed_max exceeds the window");
	return 0;
}

const svm_params_field_t *svm_params_field(const char *name)
{
	SVM_ASSERT(svm_params_fields_len == sizeof(svm_params_t) / sizeof(uint64_t)); /* one per field */
	for (size_t i = 0; i < svm_params_fields_len; i++)
		if (!strcmp(svm_params_fields[i].name, name)) return &svm_params_fields[i];
	return NULL;
}

int svm_params_encode(const svm_params_t *p, svm_buf_t *out)
{
	int rc = svm_varint_append(out, SVM_PARAMS_VERSION);
	if (!rc) rc = svm_varint_append(out, svm_params_fields_len);
	for (size_t i = 0; !rc && i < svm_params_fields_len; i++)
		rc = svm_varint_append(out, *svm_params_at((svm_params_t *)p, &svm_params_fields[i]));
	return rc;
}

int svm_params_decode(const uint8_t *payload, size_t len, svm_params_t *p)
{
	svm_reader_t r = svm_reader(payload, len);
	uint64_t version, count;
	if (svm_varint_read(&r, &version) || version != SVM_PARAMS_VERSION ||
	    svm_varint_read(&r, &count) || count != svm_params_fields_len)
		return SVM_EDECODE;
	for (size_t i = 0; i < svm_params_fields_len; i++)
		if (svm_varint_read(&r, svm_params_at(p, &svm_params_fields[i]))) return SVM_EDECODE;
	if (svm_reader_left(&r) || svm_params_check(p, NULL)) return SVM_EDECODE;
	return 0;
}

static svm_id_t params_id;
static pthread_once_t params_once = PTHREAD_ONCE_INIT;
static void params_id_init(void) { svm_sha256_tagged("svm/params", NULL, 0, &params_id); }

void svm_params_id(svm_id_t *out)
{
	pthread_once(&params_once, params_id_init);
	*out = params_id;
}

static svm_id_t swr_id;
static pthread_once_t swr_once = PTHREAD_ONCE_INIT;
static void swr_init(void) { svm_token_id("SWR", &swr_id); }

const svm_id_t *svm_econ_swr(void)
{
	pthread_once(&swr_once, swr_init);
	return &swr_id;
}

int svm_params_get(svm_txctx_t *c, svm_params_t *p)
{
	svm_id_t id;
	svm_params_id(&id);
	svm_object_t o;
	int rc = svm_host_get(c, &id, &o);
	if (rc == SVM_ENOTFOUND) {
		svm_params_default(p);
		return 0;
	}
	if (rc) return rc;
	return svm_params_decode(o.payload, o.payload_len, p) ? SVM_EIO : 0;
}

int svm_params_put(svm_txctx_t *c, const svm_params_t *p)
{
	if (svm_params_check(p, NULL)) return SVM_EINVAL;
	uint8_t buf[512];
	svm_buf_t b = {.data = buf, .cap = sizeof buf, .cap_max = sizeof buf};
	int rc = svm_params_encode(p, &b);
	if (rc) return rc;
	SVM_ASSERT(b.data == buf && b.len <= sizeof buf); /* never reallocated */
	svm_object_t o = {.owner_kind = SVM_OWNER_SHARED, .type = SVM_OBJ_STORAGE,
			  .payload = b.data, .payload_len = b.len};
	svm_params_id(&o.id);
	return svm_host_put(c, &o);
}

int svm_params_from_object(const uint8_t *bytes, size_t len, svm_params_t *p)
{
	svm_object_t o;
	if (svm_object_decode(bytes, len, &o, NULL) || o.type != SVM_OBJ_STORAGE) return SVM_EDECODE;
	return svm_params_decode(o.payload, o.payload_len, p);
}

void svm_params_fees(const svm_params_t *p, uint64_t fee[4])
{
	fee[0] = p->fee_a;
	fee[1] = p->fee_b;
	fee[2] = p->fee_c;
	fee[3] = p->fee_d;
}

int svm_native_reads(const uint8_t *payload, size_t len, svm_id_t *reads, size_t max, size_t *n)
{
	svm_reader_t r = svm_reader(payload, len);
	uint64_t program = 0, method = 0;
	*n = 0;
	if (svm_varint_read(&r, &program) || svm_varint_read(&r, &method)) return SVM_EDECODE;
	if (program == SVM_PROGRAM_MODELS || program == SVM_PROGRAM_JOBS) /* the AI market */
		return svm_ai_access(NULL, 0, payload, len, NULL, SIZE_MAX, NULL, reads, max, n, NULL);
	if (program == SVM_PROGRAM_GROTH16) return svm_groth16_reads(payload, len, reads, max, n);
	if (program == SVM_PROGRAM_CONFIDENTIAL) return svm_conf_reads(payload, len, reads, max, n);
	/* program 19: the governed slot_ms sets a move's time floor */
	bool params = program == SVM_PROGRAM_STAKING || program == SVM_PROGRAM_GOV || program == SVM_PROGRAM_RENT ||
		      program == SVM_PROGRAM_DISPUTES ||
		      (program == SVM_PROGRAM_AMM && method == SVM_AMM_CREATE);
	if (!params) return 0;
	if (max < 1) return SVM_ELIMIT;
	SVM_ASSERT(reads != NULL);
	svm_params_id(&reads[0]);
	*n = 1;
	return 0;
}

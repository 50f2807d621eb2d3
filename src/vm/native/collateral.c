/* Attestation collateral as chain state (native program 18): the AMD ASK/ARK chains and Intel's
 * TDX collateral (TCB info, QE identity, root CA and PCK CRLs with their chains) that TEE
 * evidence in a VCR is verified against. Only the designated updater writes them (installed by
 * the updater before it, or by an executed governance proposal), and only content that verifies
 * under the pinned roots as of the block time and is newer than what it replaces; the windows are
 * checked again at every use, so collateral past its next-update is as good as absent.
 * "Now" is always the block's timestamp. docs/verification.md. */
#include <stdio.h>
#include <string.h>

#include "supervm/econ.h"
#include "supervm/verify.h"
#include "supervm/ai.h"

/* ----------------------------------------------------------------- ids */

void svm_attest_updater_id(svm_id_t *out) { svm_sha256_tagged("svm/attest/updater", NULL, 0, out); }

void svm_attest_snp_chain_id(const char *ask_cn, svm_id_t *out)
{
	svm_slice_t part = {(const uint8_t *)ask_cn, strlen(ask_cn)};
	svm_sha256_tagged("svm/attest/snp", &part, 1, out);
}

void svm_attest_tdx_id(const uint8_t fmspc[6], svm_id_t *out)
{
	svm_slice_t part = {fmspc, 6};
	svm_sha256_tagged("svm/attest/tdx", &part, 1, out);
}

void svm_attest_updater_hash(const svm_id_t *updater, uint64_t epoch, svm_hash_t *out)
{
	uint8_t be[8];
	svm_put_u64be(be, epoch);
	svm_slice_t parts[2] = {{updater->b, 32}, {be, 8}};
	svm_sha256_tagged("svm/attest/updater", parts, 2, out);
}

/* ----------------------------------------------------------- encodings */

static const size_t COL_FIELDS = 8;

static void col_fields(const svm_tdx_collateral_t *c, svm_slice_t f[8])
{
	f[0] = c->tcb_info;
	f[1] = (svm_slice_t){c->tcb_info_sig, 64};
	f[2] = c->qe_identity;
	f[3] = (svm_slice_t){c->qe_identity_sig, 64};
	f[4] = c->signing_chain_pem;
	f[5] = c->root_crl_der;
	f[6] = c->pck_crl_der;
	f[7] = c->pck_crl_chain_pem;
}

int svm_attest_tdx_encode(const svm_tdx_collateral_t *col, svm_buf_t *out)
{
	svm_slice_t f[8];
	col_fields(col, f);
	int rc = 0;
	for (size_t i = 0; !rc && i < COL_FIELDS; i++) {
		if (f[i].len > SVM_ATTEST_EVIDENCE_MAX) return SVM_EINVAL;
		rc = svm_varint_append(out, f[i].len);
		if (!rc) rc = svm_buf_append(out, f[i].p, f[i].len);
	}
	return rc;
}

int svm_attest_tdx_decode(const uint8_t *p, size_t len, svm_tdx_collateral_t *col)
{
	svm_reader_t r = svm_reader(p, len);
	svm_slice_t f[8];
	for (size_t i = 0; i < COL_FIELDS; i++) {
		uint64_t n;
		if (svm_varint_read(&r, &n) || n > SVM_ATTEST_EVIDENCE_MAX ||
		    svm_reader_bytes(&r, n, &f[i].p))
			return SVM_EDECODE;
		f[i].len = n;
	}
	if (svm_reader_left(&r) || f[1].len != 64 || f[3].len != 64) return SVM_EDECODE;
	memset(col, 0, sizeof *col);
	col->tcb_info = f[0];
	memcpy(col->tcb_info_sig, f[1].p, 64);
	col->qe_identity = f[2];
	memcpy(col->qe_identity_sig, f[3].p, 64);
	col->signing_chain_pem = f[4];
	col->root_crl_der = f[5];
	col->pck_crl_der = f[6];
	col->pck_crl_chain_pem = f[7];
	return 0;
}

/* ---------------------------------------------------------------- pins */

void svm_attest_pins_id(svm_id_t *out) { svm_sha256_tagged("svm/attest/pins", NULL, 0, out); }

int svm_attest_pins_encode(const svm_attest_pins_t *p, svm_buf_t *out)
{
	if (p->n_amd_ark > SVM_ATTEST_PINS_MAX || p->n_intel_root > SVM_ATTEST_PINS_MAX)
		return SVM_EINVAL;
	int rc = svm_buf_push(out, (uint8_t)p->n_amd_ark);
	for (size_t i = 0; !rc && i < p->n_amd_ark; i++) rc = svm_buf_append(out, p->amd_ark[i].b, 32);
	if (!rc) rc = svm_buf_push(out, (uint8_t)p->n_intel_root);
	for (size_t i = 0; !rc && i < p->n_intel_root; i++)
		rc = svm_buf_append(out, p->intel_root[i].b, 32);
	return rc;
}

int svm_attest_pins_decode(const uint8_t *p, size_t len, svm_attest_pins_t *out)
{
	svm_reader_t r = svm_reader(p, len);
	uint8_t n;
	memset(out, 0, sizeof *out);
	if (svm_reader_u8(&r, &n) || n > SVM_ATTEST_PINS_MAX) return SVM_EDECODE;
	out->n_amd_ark = n;
	for (size_t i = 0; i < n; i++)
		if (svm_reader_copy(&r, out->amd_ark[i].b, 32)) return SVM_EDECODE;
	if (svm_reader_u8(&r, &n) || n > SVM_ATTEST_PINS_MAX) return SVM_EDECODE;
	out->n_intel_root = n;
	for (size_t i = 0; i < n; i++)
		if (svm_reader_copy(&r, out->intel_root[i].b, 32)) return SVM_EDECODE;
	return svm_reader_left(&r) ? SVM_EDECODE : 0;
}

int svm_attest_pins_put(svm_txctx_t *c, const svm_attest_pins_t *pins)
{
	uint8_t buf[2 + 2 * SVM_ATTEST_PINS_MAX * 32];
	svm_buf_t b = {.data = buf, .cap = sizeof buf, .cap_max = sizeof buf};
	int rc = svm_attest_pins_encode(pins, &b);
	if (rc) return rc;
	svm_object_t o = {.owner_kind = SVM_OWNER_SHARED, .type = SVM_OBJ_STORAGE, .payload = b.data, .payload_len = b.len};
	svm_attest_pins_id(&o.id);
	return svm_host_put(c, &o);
}

int svm_attest_pins_get(svm_txctx_t *c, svm_attest_pins_t *out)
{
	svm_id_t id;
	svm_object_t o;
	svm_attest_pins_id(&id);
	int rc = svm_host_get(c, &id, &o);
	if (rc == SVM_ENOTFOUND) {
		*out = *svm_attest_pins_default();
		return 0;
	}
	if (rc) return rc;
	return svm_attest_pins_decode(o.payload, o.payload_len, out) ? SVM_EIO : 0;
}

/* ------------------------------------------------------------ payloads */

static int header(svm_buf_t *out, uint64_t method)
{
	int rc = svm_varint_append(out, SVM_PROGRAM_ATTEST);
	return rc ? rc : svm_varint_append(out, method);
}

int svm_attest_set_updater_payload(svm_buf_t *out, const svm_id_t *updater,
				   const svm_id_t *proposal)
{
	int rc = header(out, SVM_ATTEST_SET_UPDATER);
	if (!rc) rc = svm_buf_append(out, updater->b, 32);
	if (!rc) rc = svm_buf_push(out, proposal ? 1 : 0);
	if (!rc && proposal) rc = svm_buf_append(out, proposal->b, 32);
	return rc;
}

int svm_attest_put_snp_payload(svm_buf_t *out, const uint8_t *chain_pem, size_t len)
{
	if (len == 0 || len > SVM_ATTEST_EVIDENCE_MAX) return SVM_EINVAL;
	int rc = header(out, SVM_ATTEST_PUT_SNP_CHAIN);
	if (!rc) rc = svm_varint_append(out, len);
	return rc ? rc : svm_buf_append(out, chain_pem, len);
}

int svm_attest_put_tdx_payload(svm_buf_t *out, const svm_tdx_collateral_t *col)
{
	int rc = header(out, SVM_ATTEST_PUT_TDX);
	return rc ? rc : svm_attest_tdx_encode(col, out);
}

/* ------------------------------------------------------------ records */

static int64_t now_of(const svm_txctx_t *c) { return (int64_t)(c->timestamp_ms / 1000); }

static int storage_put(svm_txctx_t *c, const svm_id_t *id, const uint8_t *p, size_t len)
{
	svm_object_t o = {.id = *id, .owner_kind = SVM_OWNER_SHARED, .type = SVM_OBJ_STORAGE, .payload = p, .payload_len = len};
	return svm_host_put(c, &o);
}

int svm_attest_updater_get(svm_txctx_t *c, svm_id_t *updater, uint64_t *epoch)
{
	svm_id_t id;
	svm_object_t o;
	svm_attest_updater_id(&id);
	int rc = svm_host_get(c, &id, &o);
	if (rc) return rc;
	svm_reader_t r = svm_reader(o.payload, o.payload_len);
	if (svm_reader_copy(&r, updater->b, 32) || svm_varint_read(&r, epoch) || svm_reader_left(&r))
		return SVM_EIO;
	return 0;
}

static int emit(svm_txctx_t *c, const char *topic, const void *data, size_t len)
{
	svm_id_t emitter;
	svm_sha256_tagged("svm/program/attest", NULL, 0, &emitter);
	return svm_host_emit(c, &emitter, topic, strlen(topic), data, len);
}

/* ------------------------------------------------------------- methods */

/* The updater names its successor; or an executed governance text proposal whose hash is
 * svm_attest_updater_hash(new, epoch) installs it (epoch: the updater object's, 0 before one
 * exists), so a proposal cannot be replayed once the epoch moved on. */
static int set_updater(svm_txctx_t *c, svm_reader_t *r)
{
	svm_id_t next, cur = {{0}}, prop;
	uint8_t via;
	uint64_t epoch = 0;
	if (svm_reader_copy(r, next.b, 32) || svm_reader_u8(r, &via) || via > 1 ||
	    (via && svm_reader_copy(r, prop.b, 32)) || svm_reader_left(r))
		return SVM_EDECODE;
	int rc = svm_attest_updater_get(c, &cur, &epoch);
	if (rc && rc != SVM_ENOTFOUND) return rc;
	bool have = rc == 0;
	if (via == 0) {
		if (!have || !svm_hash_eq(&cur, &c->tx->sender)) return SVM_EPERM; /* not the updater */
	} else {
		svm_object_t o;
		svm_proposal_t p;
		svm_hash_t want;
		rc = svm_host_get(c, &prop, &o);
		if (rc) return rc; /* SVM_ENOTFOUND: no such proposal */
		if (svm_proposal_decode(o.payload, o.payload_len, &p)) return SVM_EIO;
		svm_attest_updater_hash(&next, epoch, &want);
		if (p.kind != SVM_PROPOSAL_TEXT || p.status != SVM_PROP_EXECUTED || p.body_len != 32 ||
		    memcmp(p.body, want.b, 32) != 0)
			return SVM_EPERM; /* not a passed proposal for this updater at this epoch */
	}
	uint8_t buf[32 + SVM_VARINT_MAX];
	svm_buf_t b = {.data = buf, .cap = sizeof buf, .cap_max = sizeof buf};
	svm_id_t id;
	svm_attest_updater_id(&id);
	rc = svm_buf_append(&b, next.b, 32);
	if (!rc) rc = svm_varint_append(&b, epoch + 1);
	if (!rc) rc = storage_put(c, &id, b.data, b.len);
	return rc ? rc : emit(c, "attest_updater", next.b, 32);
}

static int need_updater(svm_txctx_t *c)
{
	svm_id_t cur;
	uint64_t epoch;
	int rc = svm_attest_updater_get(c, &cur, &epoch);
	if (rc == SVM_ENOTFOUND) return SVM_EPERM;
	if (rc) return rc;
	return svm_hash_eq(&cur, &c->tx->sender) ? 0 : SVM_EPERM;
}

/* An AMD ASK/ARK (or ASVK/ARK) chain, stored under its intermediate's name: it must verify to a
 * pinned ARK at the block time and outlive the chain it replaces. */
static int put_snp(svm_txctx_t *c, svm_reader_t *r)
{
	uint64_t n;
	const uint8_t *pem;
	if (svm_varint_read(r, &n) || n == 0 || n > SVM_ATTEST_EVIDENCE_MAX ||
	    svm_reader_bytes(r, n, &pem) || svm_reader_left(r))
		return SVM_EDECODE;
	svm_attest_pins_t pins;
	int rc = need_updater(c);
	if (!rc) rc = svm_host_charge(c, SVM_ATTEST_STEPS_SNP_CHAIN);
	if (!rc) rc = svm_attest_pins_get(c, &pins);
	if (rc) return rc;
	char cn[32];
	int64_t not_after;
	svm_error_t e = {0}; /* the attest functions report their code through it */
	rc = svm_snp_verify_ca(pem, n, now_of(c), &pins, cn, &not_after, &e);
	if (rc) return rc;
	svm_id_t id;
	svm_object_t o;
	svm_attest_snp_chain_id(cn, &id);
	rc = svm_host_get(c, &id, &o);
	if (rc == 0) {
		svm_reader_t or = svm_reader(o.payload, o.payload_len);
		uint64_t old;
		if (svm_varint_read(& or, &old)) return SVM_EIO;
		if ((uint64_t)not_after <= old) return SVM_ESTATE; /* not newer */
	} else if (rc != SVM_ENOTFOUND) {
		return rc;
	}
	svm_buf_t b = {0};
	rc = svm_varint_append(&b, (uint64_t)not_after);
	if (!rc) rc = svm_buf_append(&b, pem, n);
	if (!rc) rc = storage_put(c, &id, b.data, b.len);
	svm_buf_free(&b);
	return rc ? rc : emit(c, "attest_snp_chain", id.b, 32);
}

/* Record header of a stored TDX collateral set: varint tcbEvaluationDataNumber ‖ varint expiry
 * (the earliest next-update / not-after) ‖ the collateral encoding. */
static int tdx_record(const svm_object_t *o, uint64_t *eval, uint64_t *expiry, svm_reader_t *rest)
{
	*rest = svm_reader(o->payload, o->payload_len);
	return svm_varint_read(rest, eval) || svm_varint_read(rest, expiry) ? SVM_EIO : 0;
}

/* TDX collateral for one FMSPC: every signature, chain and CRL verifies at the block time, and
 * it is newer than the stored set (a higher TCB evaluation number, or the same with a later
 * expiry: fresh CRLs). */
static int put_tdx(svm_txctx_t *c, svm_reader_t *r)
{
	const uint8_t *start = r->p + r->pos;
	size_t len = svm_reader_left(r);
	svm_tdx_collateral_t col;
	if (svm_attest_tdx_decode(start, len, &col)) return SVM_EDECODE;
	svm_attest_pins_t pins;
	int rc = need_updater(c);
	if (!rc) rc = svm_host_charge(c, SVM_ATTEST_STEPS_TDX_COLLATERAL);
	if (!rc) rc = svm_attest_pins_get(c, &pins);
	if (rc) return rc;
	svm_tdx_collateral_info_t info;
	svm_error_t e = {0};
	rc = svm_tdx_collateral_check(&col, now_of(c), &pins, &info, &e);
	if (rc) return rc;
	svm_id_t id;
	svm_object_t o;
	svm_attest_tdx_id(info.fmspc, &id);
	rc = svm_host_get(c, &id, &o);
	if (rc == 0) {
		uint64_t eval, expiry;
		svm_reader_t rest;
		if (tdx_record(&o, &eval, &expiry, &rest)) return SVM_EIO;
		if (info.tcb_eval < eval || (info.tcb_eval == eval && (uint64_t)info.expiry <= expiry))
			return SVM_ESTATE; /* not newer */
	} else if (rc != SVM_ENOTFOUND) {
		return rc;
	}
	svm_buf_t b = {0};
	rc = svm_varint_append(&b, info.tcb_eval);
	if (!rc) rc = svm_varint_append(&b, (uint64_t)info.expiry);
	if (!rc) rc = svm_buf_append(&b, start, len);
	if (!rc) rc = storage_put(c, &id, b.data, b.len);
	svm_buf_free(&b);
	return rc ? rc : emit(c, "attest_tdx", id.b, 32);
}

int svm_attest_execute(svm_txctx_t *c, const uint8_t *payload, size_t len)
{
	int rc = svm_host_charge(c, SVM_STEPS_NATIVE_CALL);
	if (rc) return rc;
	svm_reader_t r = svm_reader(payload, len);
	uint64_t program, method;
	if (svm_varint_read(&r, &program) || program != SVM_PROGRAM_ATTEST ||
	    svm_varint_read(&r, &method))
		return SVM_EDECODE;
	switch (method) {
	case SVM_ATTEST_SET_UPDATER:
		return set_updater(c, &r);
	case SVM_ATTEST_PUT_SNP_CHAIN:
		return put_snp(c, &r);
	case SVM_ATTEST_PUT_TDX:
		return put_tdx(c, &r);
	}
	return SVM_EDECODE;
}

/* ------------------------------------------------------------ evidence */

static int snp_evidence(svm_txctx_t *c, const uint8_t *p, size_t len, svm_tee_claim_t *out,
			svm_error_t *err)
{
	if (len <= SVM_SNP_REPORT_SIZE)
		return svm_error_set(err, SVM_EDECODE, "tee evidence: SNP report without its VCEK");
	const uint8_t *key = p + SVM_SNP_REPORT_SIZE;
	size_t key_len = len - SVM_SNP_REPORT_SIZE;
	char product[16], cn[32];
	bool vlek;
	int rc = svm_snp_key_info(key, key_len, product, &vlek, err);
	if (rc) return rc;
	snprintf(cn, sizeof cn, vlek ? "SEV-VLEK-%s" : "SEV-%s", product);
	svm_id_t id;
	svm_object_t o;
	svm_attest_snp_chain_id(cn, &id);
	rc = svm_host_get(c, &id, &o);
	if (rc == SVM_ENOTFOUND)
		return svm_error_set(err, SVM_ENOTFOUND, "tee evidence: no %s chain in chain state", cn);
	if (rc) return rc;
	svm_reader_t r = svm_reader(o.payload, o.payload_len);
	uint64_t not_after;
	if (svm_varint_read(&r, &not_after)) return SVM_EIO;
	svm_snp_result_t *res = svm_arena_alloc(c->arena, sizeof *res);
	svm_attest_pins_t *pins = svm_arena_alloc(c->arena, sizeof *pins);
	if (res == NULL || pins == NULL) return SVM_ENOMEM;
	rc = svm_attest_pins_get(c, pins);
	if (rc) return rc;
	rc = svm_snp_verify(p, SVM_SNP_REPORT_SIZE, key, key_len, o.payload + r.pos,
			    svm_reader_left(&r), now_of(c), pins, res, err);
	if (rc) return rc;
	memcpy(out->report_data, res->report.report_data, 64);
	memcpy(out->measurement, res->report.measurement, 48);
	out->debuggable = svm_snp_debuggable(&res->report);
	return 0;
}

static int tdx_evidence(svm_txctx_t *c, const uint8_t *p, size_t len, svm_tee_claim_t *out,
			svm_error_t *err)
{
	svm_tdx_result_t *res = svm_arena_alloc(c->arena, sizeof *res);
	svm_attest_pins_t *pins = svm_arena_alloc(c->arena, sizeof *pins);
	if (res == NULL || pins == NULL) return SVM_ENOMEM;
	int rc = svm_attest_pins_get(c, pins);
	if (rc) return rc;
	/* the quote alone names its platform (FMSPC), whose collateral is then looked up */
	rc = svm_tdx_verify_quote(p, len, now_of(c), pins, res, err);
	if (rc) return rc;
	svm_id_t id;
	svm_object_t o;
	svm_attest_tdx_id(res->fmspc, &id);
	rc = svm_host_get(c, &id, &o);
	if (rc == SVM_ENOTFOUND)
		return svm_error_set(err, SVM_ENOTFOUND,
				     "tee evidence: no TDX collateral for this FMSPC in chain state");
	if (rc) return rc;
	uint64_t eval, expiry;
	svm_reader_t rest;
	svm_tdx_collateral_t col;
	if (tdx_record(&o, &eval, &expiry, &rest) ||
	    svm_attest_tdx_decode(o.payload + rest.pos, svm_reader_left(&rest), &col))
		return SVM_EIO;
	rc = svm_tdx_verify(p, len, &col, now_of(c), pins, SVM_ATTEST_TCB_ACCEPTED, res, err);
	if (rc) return rc;
	memcpy(out->report_data, res->quote.report_data, 64);
	memcpy(out->measurement, res->quote.mrtd, 48);
	out->debuggable = svm_tdx_debuggable(&res->quote);
	return 0;
}

int svm_attest_evidence_verify(svm_txctx_t *c, const uint8_t *tee, size_t len,
			       svm_tee_claim_t *out, svm_error_t *err)
{
	svm_error_t local = {0}; /* the attest functions report their code through it */
	if (err == NULL) err = &local;
	if (len < 2) return svm_error_set(err, SVM_EDECODE, "tee evidence: empty");
	int rc = svm_host_charge(c, tee[0] == SVM_AI_TEE_TDX ? SVM_ATTEST_STEPS_TDX_EVIDENCE
							     : SVM_ATTEST_STEPS_SNP_EVIDENCE);
	if (rc) return rc;
	if (tee[0] == SVM_AI_TEE_SNP) return snp_evidence(c, tee + 1, len - 1, out, err);
	if (tee[0] == SVM_AI_TEE_TDX) return tdx_evidence(c, tee + 1, len - 1, out, err);
	return svm_error_set(err, SVM_EDECODE, "tee evidence: unknown kind %u", tee[0]);
}

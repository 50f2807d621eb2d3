/* Intel TDX DCAP quotes (v4, and v5 with TD 1.0/1.5 bodies): parsing, the quote signature by
 * the attestation key, the QE report signed by the PCK key and binding that key, the PCK chain
 * to a pinned Intel root with CRLs, and the TCB status from TCB info and QE identity verified on
 * their exact signed bytes (Intel's TCB level matching and status convergence). */
#include <jansson.h>
#include <openssl/err.h>
#include <string.h>
#include <strings.h>

#include "attest/internal.h"

#define QUOTE_ATT_KEY_ECDSA_P256 2
#define QUOTE_TEE_TDX 0x81
#define CERT_DATA_QE_REPORT 6
#define CERT_DATA_PCK_CHAIN 5
#define BODY_TD10 2
#define BODY_TD15 3

static const uint8_t intel_qe_vendor[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
					    0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};

/* The TD report body's fields (td_body's offsets) fill each body exactly; the QE report's
 * fields read below (report data at 320..384, isvsvn at 258) lie inside it. */
_Static_assert(520 + 64 == SVM_TDX_TD10_SIZE, "TD 1.0 body ends with report_data");
_Static_assert(600 + 48 == SVM_TDX_TD15_SIZE, "TD 1.5 body ends with MRSERVICETD");
_Static_assert(352 + 32 <= SVM_TDX_QE_REPORT_SIZE && 258 + 2 <= 352, "QE report fields");
_Static_assert(SVM_TDX_HEADER_SIZE == 28 + 20, "the header ends with user data");
_Static_assert(SVM_TDX_PCK_CHAIN_MAX >= 3, "the PCK chain is leaf, platform CA, root");

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ------------------------------------------------------------ quote */

static void td_body(svm_tdx_quote_t *q, const uint8_t *b)
{
	/* only the two known bodies: b holds SVM_TDX_TD10_SIZE or SVM_TDX_TD15_SIZE bytes */
	SVM_ASSERT(q->body_type == BODY_TD10 || q->body_type == BODY_TD15);
	memcpy(q->tee_tcb_svn, b, 16);
	memcpy(q->mrseam, b + 16, 48);
	memcpy(q->mrsignerseam, b + 64, 48);
	memcpy(q->seam_attributes, b + 112, 8);
	memcpy(q->td_attributes, b + 120, 8);
	memcpy(q->xfam, b + 128, 8);
	memcpy(q->mrtd, b + 136, 48);
	memcpy(q->mrconfigid, b + 184, 48);
	memcpy(q->mrowner, b + 232, 48);
	memcpy(q->mrownerconfig, b + 280, 48);
	for (int i = 0; i < 4; i++) memcpy(q->rtmr[i], b + 328 + 48 * i, 48);
	memcpy(q->report_data, b + 520, 64);
	if (q->body_type == BODY_TD15) {
		memcpy(q->tee_tcb_svn2, b + 584, 16);
		memcpy(q->mrservicetd, b + 600, 48);
	}
}

/* Parses up to the end of the structure; *end is where it ends. */
static int quote_parse(const uint8_t *p, size_t len, svm_tdx_quote_t *q, svm_error_t *err)
{
	memset(q, 0, sizeof *q);
	svm_reader_t r = svm_reader(p, len > SVM_ATTEST_EVIDENCE_MAX ? 0 : len);
	const uint8_t *h, *b, *x;
	if (svm_reader_bytes(&r, SVM_TDX_HEADER_SIZE, &h) != 0)
		return svm_error_set(err, SVM_EDECODE, "tdx quote: truncated header");
	q->version = le16(h);
	q->att_key_type = le16(h + 2);
	q->tee_type = le32(h + 4);
	memcpy(q->qe_vendor_id, h + 12, 16);
	memcpy(q->user_data, h + 28, 20);
	if (q->version != 4 && q->version != 5)
		return svm_error_set(err, SVM_EUNSUPPORTED, "tdx quote: version %u (only 4 and 5)",
				     q->version);
	if (q->att_key_type != QUOTE_ATT_KEY_ECDSA_P256)
		return svm_error_set(err, SVM_EUNSUPPORTED, "tdx quote: attestation key type %u",
				     q->att_key_type);
	if (q->tee_type != QUOTE_TEE_TDX)
		return svm_error_set(err, SVM_EUNSUPPORTED, "tdx quote: TEE type 0x%x is not TDX",
				     q->tee_type);
	if (le32(h + 8) != 0)
		return svm_error_set(err, SVM_EDECODE, "tdx quote: reserved header bytes not zero");
	if (memcmp(q->qe_vendor_id, intel_qe_vendor, 16) != 0)
		return svm_error_set(err, SVM_EUNSUPPORTED, "tdx quote: QE vendor is not Intel");
	size_t body_len = SVM_TDX_TD10_SIZE;
	q->body_type = BODY_TD10;
	if (q->version == 5) {
		if (svm_reader_bytes(&r, 6, &x) != 0)
			return svm_error_set(err, SVM_EDECODE, "tdx quote: truncated body descriptor");
		q->body_type = le16(x);
		body_len = le32(x + 2);
		if (!(q->body_type == BODY_TD10 && body_len == SVM_TDX_TD10_SIZE) &&
		    !(q->body_type == BODY_TD15 && body_len == SVM_TDX_TD15_SIZE))
			return svm_error_set(err, SVM_EUNSUPPORTED,
					     "tdx quote: body type %u of %zu bytes", q->body_type,
					     body_len);
	}
	/* the body's length is the one its type reads (td_body reads 648 bytes of a TD 1.5) */
	SVM_ASSERT(body_len == (q->body_type == BODY_TD15 ? SVM_TDX_TD15_SIZE : SVM_TDX_TD10_SIZE));
	if (svm_reader_bytes(&r, body_len, &b) != 0)
		return svm_error_set(err, SVM_EDECODE, "tdx quote: truncated TD report body");
	td_body(q, b);
	q->signed_p = p;
	q->signed_len = r.pos;
	/* the signed part is the header, v5's body descriptor and the body */
	SVM_ASSERT(q->signed_len == SVM_TDX_HEADER_SIZE + (q->version == 5 ? 6u : 0u) + body_len);
	if (svm_reader_bytes(&r, 4, &x) != 0)
		return svm_error_set(err, SVM_EDECODE, "tdx quote: no signature data");
	size_t sig_len = le32(x), sig_start = r.pos;
	SVM_ASSERT(r.pos <= r.len);
	if (sig_len > svm_reader_left(&r))
		return svm_error_set(err, SVM_EDECODE, "tdx quote: signature data past the end");
	if (svm_reader_copy(&r, q->sig, 64) != 0 || svm_reader_copy(&r, q->att_key, 64) != 0 ||
	    svm_reader_bytes(&r, 6, &x) != 0)
		return svm_error_set(err, SVM_EDECODE, "tdx quote: truncated signature data");
	if (le16(x) != CERT_DATA_QE_REPORT)
		return svm_error_set(err, SVM_EUNSUPPORTED, "tdx quote: certification data type %u",
				     le16(x));
	size_t cd_len = le32(x + 2), cd_start = r.pos;
	if (svm_reader_copy(&r, q->qe_report, SVM_TDX_QE_REPORT_SIZE) != 0 ||
	    svm_reader_copy(&r, q->qe_report_sig, 64) != 0 || svm_reader_bytes(&r, 2, &x) != 0 ||
	    svm_reader_bytes(&r, le16(x), &q->qe_auth) != 0)
		return svm_error_set(err, SVM_EDECODE, "tdx quote: truncated QE report data");
	q->qe_auth_len = le16(x);
	SVM_ASSERT(q->qe_auth + q->qe_auth_len <= p + r.pos);
	if (svm_reader_bytes(&r, 6, &x) != 0)
		return svm_error_set(err, SVM_EDECODE, "tdx quote: truncated PCK data");
	if (le16(x) != CERT_DATA_PCK_CHAIN)
		return svm_error_set(err, SVM_EUNSUPPORTED, "tdx quote: QE certification data type %u",
				     le16(x));
	q->pck_pem_len = le32(x + 2);
	if (svm_reader_bytes(&r, q->pck_pem_len, &q->pck_pem) != 0)
		return svm_error_set(err, SVM_EDECODE, "tdx quote: truncated PCK chain");
	if (r.pos - cd_start != cd_len || r.pos - sig_start != sig_len)
		return svm_error_set(err, SVM_EDECODE, "tdx quote: inner lengths do not add up");
	q->quote_len = r.pos;
	SVM_ASSERT(q->quote_len <= len && q->signed_len < q->quote_len);
	SVM_ASSERT(q->pck_pem + q->pck_pem_len == p + q->quote_len);
	return 0;
}

int svm_tdx_quote_size(const uint8_t *p, size_t len, size_t *out)
{
	svm_tdx_quote_t q;
	int rc = quote_parse(p, len, &q, NULL);
	if (rc == 0) *out = q.quote_len;
	return rc;
}

int svm_tdx_quote_parse(const uint8_t *p, size_t len, svm_tdx_quote_t *q, svm_error_t *err)
{
	int rc = quote_parse(p, len, q, err);
	SVM_ASSERT(rc != 0 || q->quote_len <= len); /* the trailing count below cannot wrap */
	if (rc == 0 && q->quote_len != len)
		return svm_error_set(err, SVM_EDECODE, "tdx quote: %zu trailing bytes",
				     len - q->quote_len);
	return rc;
}

/* ------------------------------------------------------------ PCK extensions */

/* 1.2.840.113741.1.13.1 and its arcs, DER-encoded. */
static const uint8_t sgx_ext_oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};

typedef struct {
	uint8_t comp[16];
	uint64_t pcesvn;
	uint8_t pceid[2], fmspc[6];
	bool have_tcb, have_pceid, have_fmspc;
} pck_ext_t;

static int der_any(att_der_t *d, uint8_t *tag, const uint8_t **v, size_t *n)
{
	if (d->pos >= d->len) return SVM_EDECODE;
	*tag = d->p[d->pos];
	size_t before = d->pos;
	int rc = att_der_next(d, *tag, v, n);
	/* a TLV read consumes its tag, length and contents; a failed one nothing */
	SVM_ASSERT(rc != 0 ? d->pos == before : d->pos >= before + 2 + *n && d->pos <= d->len);
	return rc;
}

/* The arc after 1.2.840.113741.1.13.1 (and a second one for TCB components), or -1. */
static int sgx_arc(const uint8_t *oid, size_t n, int *sub)
{
	size_t base = sizeof sgx_ext_oid;
	if (n < base + 1 || n > base + 2 || memcmp(oid, sgx_ext_oid, base) != 0) return -1;
	if (oid[base] & 0x80 || (n == base + 2 && oid[base + 1] & 0x80)) return -1;
	*sub = n == base + 2 ? oid[base + 1] : 0;
	/* single-byte arcs only: both below 128, so a caller's table index is bounded */
	SVM_ASSERT(oid[base] < 0x80 && *sub >= 0 && *sub < 0x80);
	return oid[base];
}

static int pck_tcb(const uint8_t *v, size_t n, pck_ext_t *e)
{
	att_der_t d = {v, n, 0};
	bool seen[19] = {0};
	while (d.pos < n) {
		const uint8_t *item, *oid, *val;
		size_t il, ol, vl;
		uint8_t tag;
		if (att_der_next(&d, 0x30, &item, &il) != 0) return SVM_EDECODE;
		att_der_t it = {item, il, 0};
		int sub;
		if (att_der_next(&it, 0x06, &oid, &ol) != 0 || der_any(&it, &tag, &val, &vl) != 0 ||
		    it.pos != il || sgx_arc(oid, ol, &sub) != 2 || sub < 1 || sub > 18 || seen[sub])
			return SVM_EDECODE;
		seen[sub] = true;
		uint64_t x;
		if (sub <= 17) {
			if (tag != 0x02 || att_der_uint(val, vl, &x) != 0) return SVM_EDECODE;
			if (sub <= 16) {
				if (x > 255) return SVM_EDECODE;
				SVM_ASSERT(sub >= 1 && (size_t)(sub - 1) < sizeof e->comp);
				e->comp[sub - 1] = (uint8_t)x;
			} else {
				e->pcesvn = x;
			}
		} else if (tag != 0x04 || vl != 16) {
			return SVM_EDECODE;
		}
	}
	SVM_ASSERT(d.pos == n); /* the reader ends exactly at the end, never past it */
	for (int i = 1; i <= 18; i++)
		if (!seen[i]) return SVM_EDECODE;
	e->have_tcb = true;
	return 0;
}

static int pck_extensions(X509 *c, pck_ext_t *e, svm_error_t *err)
{
	memset(e, 0, sizeof *e);
	ASN1_OBJECT *o = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
	int i = o ? X509_get_ext_by_OBJ(c, o, -1) : -1;
	ASN1_OBJECT_free(o);
	ERR_clear_error();
	if (i < 0) return svm_error_set(err, SVM_EDECODE, "PCK certificate: no SGX extension");
	ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(X509_get_ext(c, i));
	SVM_ASSERT(os != NULL && ASN1_STRING_length(os) >= 0);
	att_der_t top = {ASN1_STRING_get0_data(os), (size_t)ASN1_STRING_length(os), 0};
	const uint8_t *seq;
	size_t sl;
	if (att_der_next(&top, 0x30, &seq, &sl) != 0 || top.pos != top.len) goto bad;
	att_der_t d = {seq, sl, 0};
	while (d.pos < sl) {
		const uint8_t *item, *oid, *val;
		size_t il, ol, vl;
		uint8_t tag;
		if (att_der_next(&d, 0x30, &item, &il) != 0) goto bad;
		att_der_t it = {item, il, 0};
		int sub;
		if (att_der_next(&it, 0x06, &oid, &ol) != 0 || der_any(&it, &tag, &val, &vl) != 0 ||
		    it.pos != il)
			goto bad;
		switch (sgx_arc(oid, ol, &sub)) {
		case 2:
			if (sub != 0 || tag != 0x30 || pck_tcb(val, vl, e) != 0) goto bad;
			break;
		case 3:
			if (sub != 0 || tag != 0x04 || vl != 2 || e->have_pceid) goto bad;
			memcpy(e->pceid, val, 2);
			e->have_pceid = true;
			break;
		case 4:
			if (sub != 0 || tag != 0x04 || vl != 6 || e->have_fmspc) goto bad;
			memcpy(e->fmspc, val, 6);
			e->have_fmspc = true;
			break;
		default: break; /* PPID, SGX type, platform fields: not used here */
		}
	}
	SVM_ASSERT(d.pos == sl);
	if (!e->have_tcb || !e->have_pceid || !e->have_fmspc) goto bad;
	return 0;
bad:
	return svm_error_set(err, SVM_EDECODE, "PCK certificate: SGX extension malformed");
}

/* ------------------------------------------------------------ statuses */

static const char *const status_names[] = {
	"UpToDate",    "SWHardeningNeeded",          "ConfigurationNeeded",
	"ConfigurationAndSWHardeningNeeded",         "OutOfDate",
	"OutOfDateConfigurationNeeded",              "Revoked",
	"Unrecognized"};
_Static_assert(sizeof status_names / sizeof *status_names == SVM_TCB_UNRECOGNIZED + 1,
	       "one name per status");

const char *svm_tcb_status_name(svm_tcb_status_t s)
{
	return (unsigned)s <= SVM_TCB_UNRECOGNIZED ? status_names[s] : "?";
}

int svm_tcb_status_parse(const char *s, svm_tcb_status_t *out)
{
	for (int i = 0; i < SVM_TCB_UNRECOGNIZED; i++)
		if (strcmp(s, status_names[i]) == 0) {
			*out = (svm_tcb_status_t)i;
			return 0;
		}
	return SVM_EDECODE;
}

/* Intel's convergence of the platform status with the QE's or the TDX module's. */
static svm_tcb_status_t converge_raw(svm_tcb_status_t platform, svm_tcb_status_t other)
{
	if (other == SVM_TCB_REVOKED || platform == SVM_TCB_REVOKED) return SVM_TCB_REVOKED;
	if (other == SVM_TCB_UNRECOGNIZED || platform == SVM_TCB_UNRECOGNIZED)
		return SVM_TCB_UNRECOGNIZED;
	if (other == SVM_TCB_OUT_OF_DATE) {
		if (platform == SVM_TCB_UP_TO_DATE || platform == SVM_TCB_SW_HARDENING_NEEDED)
			return SVM_TCB_OUT_OF_DATE;
		if (platform == SVM_TCB_CONFIGURATION_NEEDED ||
		    platform == SVM_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
			return SVM_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
	}
	return platform;
}

static svm_tcb_status_t converge(svm_tcb_status_t platform, svm_tcb_status_t other)
{
	SVM_ASSERT((unsigned)platform <= SVM_TCB_UNRECOGNIZED && (unsigned)other <= SVM_TCB_UNRECOGNIZED);
	svm_tcb_status_t s = converge_raw(platform, other);
	/* convergence never improves the platform's status, and a revoked or unrecognized
	 * component always shows */
	SVM_ASSERT(s >= platform && s <= SVM_TCB_UNRECOGNIZED);
	SVM_ASSERT(other < SVM_TCB_REVOKED || s >= SVM_TCB_REVOKED);
	return s;
}

/* ------------------------------------------------------------ collateral JSON */

static int hex_exact(const char *s, uint8_t *out, size_t n)
{
	if (!s || strlen(s) != 2 * n) return SVM_EDECODE;
	for (size_t i = 0; i < n; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + k];
			int d = c >= '0' && c <= '9' ? c - '0'
				: c >= 'a' && c <= 'f' ? c - 'a' + 10
				: c >= 'A' && c <= 'F' ? c - 'A' + 10
						       : -1;
			if (d < 0) return SVM_EDECODE;
			v = v << 4 | d;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int json_hex(json_t *o, const char *key, uint8_t *out, size_t n)
{
	return hex_exact(json_string_value(json_object_get(o, key)), out, n);
}

static int json_u8(json_t *o, const char *key, uint64_t max, uint64_t *out)
{
	SVM_ASSERT(max <= 65535); /* callers store the value in 8 or 16 bits */
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return SVM_EDECODE;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int json_time(json_t *o, const char *key, int64_t *out)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? svm_attest_parse_time(s, strlen(s), out) : SVM_EDECODE;
}

static int json_status(json_t *level, svm_tcb_status_t *out)
{
	const char *s = json_string_value(json_object_get(level, "tcbStatus"));
	int rc = s ? svm_tcb_status_parse(s, out) : SVM_EDECODE;
	/* collateral never names "Unrecognized": that is only the verifier's own verdict */
	SVM_ASSERT(rc != 0 || *out < SVM_TCB_UNRECOGNIZED);
	return rc;
}

/* Parses a signed body (exact bytes), checks id, version and the time window. */
static json_t *signed_json(svm_slice_t body, const char *id, int version, int64_t now,
			   int64_t *next_update, const char *what, svm_error_t *err)
{
	json_error_t je;
	json_t *j = json_loadb((const char *)body.p, body.len, JSON_REJECT_DUPLICATES, &je);
	int64_t issued, next;
	if (!j || !json_is_object(j)) {
		svm_error_set(err, SVM_EDECODE, "%s: not a JSON object", what);
		goto fail;
	}
	const char *jid = json_string_value(json_object_get(j, "id"));
	json_t *ver = json_object_get(j, "version");
	if (!jid || strcmp(jid, id) != 0 || !json_is_integer(ver) ||
	    json_integer_value(ver) != version) {
		svm_error_set(err, SVM_EUNSUPPORTED, "%s: not %s version %d", what, id, version);
		goto fail;
	}
	if (json_time(j, "issueDate", &issued) != 0 || json_time(j, "nextUpdate", &next) != 0) {
		svm_error_set(err, SVM_EDECODE, "%s: bad issueDate/nextUpdate", what);
		goto fail;
	}
	if (now < issued || now > next) {
		svm_error_set(err, SVM_EEXPIRED, "%s: current only from %lld to %lld (now %lld)", what,
			      (long long)issued, (long long)next, (long long)now);
		goto fail;
	}
	SVM_ASSERT(issued <= next);
	*next_update = next;
	return j;
fail:
	json_decref(j);
	return NULL;
}

/* ------------------------------------------------------------ TCB info */

static int svn_array(json_t *arr, uint8_t out[16])
{
	if (!json_is_array(arr) || json_array_size(arr) != 16) return SVM_EDECODE;
	for (size_t i = 0; i < 16; i++) {
		uint64_t v;
		if (json_u8(json_array_get(arr, i), "svn", 255, &v) != 0) return SVM_EDECODE;
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* The TDX module's identity and status (TCB info v3: tdxModule / tdxModuleIdentities). */
static int module_status(json_t *ti, const svm_tdx_quote_t *q, svm_tcb_status_t *out,
			 svm_error_t *err)
{
	uint8_t mrsigner[48], attr[8], mask[8];
	json_t *id = json_object_get(ti, "tdxModule");
	*out = SVM_TCB_UP_TO_DATE;
	json_t *levels = NULL;
	if (q->tee_tcb_svn[1] != 0) {
		char want[8];
		int wl = snprintf(want, sizeof want, "TDX_%02X", q->tee_tcb_svn[1]);
		SVM_ASSERT(wl == 6); /* the whole name, never cut */
		json_t *ids = json_object_get(ti, "tdxModuleIdentities");
		id = NULL;
		for (size_t i = 0; i < json_array_size(ids) && i < SVM_ATTEST_TCB_LEVELS_MAX; i++) {
			const char *s = json_string_value(json_object_get(json_array_get(ids, i), "id"));
			if (s && strcasecmp(s, want) == 0) id = json_array_get(ids, i);
		}
		if (!id)
			return svm_error_set(err, SVM_EPROOF, "tcb info: no identity for TDX module %s",
					     want);
		levels = json_object_get(id, "tcbLevels");
	}
	if (json_hex(id, "mrsigner", mrsigner, 48) != 0 || json_hex(id, "attributes", attr, 8) != 0 ||
	    json_hex(id, "attributesMask", mask, 8) != 0)
		return svm_error_set(err, SVM_EDECODE, "tcb info: TDX module identity malformed");
	if (memcmp(mrsigner, q->mrsignerseam, 48) != 0)
		return svm_error_set(err, SVM_EPROOF, "tdx quote: MRSIGNERSEAM is not the module's");
	for (int i = 0; i < 8; i++)
		if ((q->seam_attributes[i] & mask[i]) != attr[i])
			return svm_error_set(err, SVM_EPROOF,
					     "tdx quote: SEAM attributes are not the module's");
	if (!levels) return 0;
	for (size_t i = 0; i < json_array_size(levels) && i < SVM_ATTEST_TCB_LEVELS_MAX; i++) {
		json_t *l = json_array_get(levels, i);
		uint64_t isvsvn;
		svm_tcb_status_t st;
		if (json_u8(json_object_get(l, "tcb"), "isvsvn", 255, &isvsvn) != 0 ||
		    json_status(l, &st) != 0)
			return svm_error_set(err, SVM_EDECODE, "tcb info: module TCB level malformed");
		if (q->tee_tcb_svn[0] >= isvsvn) {
			*out = st;
			return 0;
		}
	}
	*out = SVM_TCB_UNRECOGNIZED;
	return 0;
}

/* The platform's TCB level: the first (highest) level whose SGX components and PCE SVN the PCK
 * certificate meets and whose TDX components the TEE TCB SVN meets (from index 2 when a TDX
 * module version is reported, its first two bytes being checked by the module identity). */
static int platform_status(json_t *ti, const pck_ext_t *pck, const svm_tdx_quote_t *q,
			   svm_tcb_status_t *out, svm_error_t *err)
{
	json_t *levels = json_object_get(ti, "tcbLevels");
	size_t n = json_array_size(levels);
	if (n == 0 || n > SVM_ATTEST_TCB_LEVELS_MAX)
		return svm_error_set(err, SVM_EDECODE, "tcb info: %zu TCB levels", n);
	size_t start = q->tee_tcb_svn[1] != 0 ? 2 : 0;
	*out = SVM_TCB_UNRECOGNIZED;
	SVM_ASSERT(n >= 1 && n <= SVM_ATTEST_TCB_LEVELS_MAX && start < sizeof q->tee_tcb_svn);
	for (size_t i = 0; i < n; i++) {
		json_t *l = json_array_get(levels, i), *tcb = json_object_get(l, "tcb");
		uint8_t sgx[16], tdx[16];
		uint64_t pcesvn;
		svm_tcb_status_t st;
		if (svn_array(json_object_get(tcb, "sgxtcbcomponents"), sgx) != 0 ||
		    svn_array(json_object_get(tcb, "tdxtcbcomponents"), tdx) != 0 ||
		    json_u8(tcb, "pcesvn", 65535, &pcesvn) != 0 || json_status(l, &st) != 0)
			return svm_error_set(err, SVM_EDECODE, "tcb info: TCB level %zu malformed", i);
		bool ok = pck->pcesvn >= pcesvn;
		for (int k = 0; k < 16 && ok; k++) ok = pck->comp[k] >= sgx[k];
		for (size_t k = start; k < 16 && ok; k++) ok = q->tee_tcb_svn[k] >= tdx[k];
		if (ok) {
			*out = st;
			return 0;
		}
	}
	return 0;
}

static int check_tcb_info(svm_slice_t body, const pck_ext_t *pck, const svm_tdx_quote_t *q,
			  int64_t now, svm_tdx_result_t *res, svm_error_t *err)
{
	int64_t next;
	json_t *ti = signed_json(body, "TDX", 3, now, &next, "tcb info", err);
	if (!ti) return err ? err->code : SVM_EDECODE;
	int rc;
	uint8_t fmspc[6], pceid[2];
	if (json_hex(ti, "fmspc", fmspc, 6) != 0 || json_hex(ti, "pceId", pceid, 2) != 0) {
		rc = svm_error_set(err, SVM_EDECODE, "tcb info: bad fmspc/pceId");
		goto out;
	}
	if (memcmp(fmspc, pck->fmspc, 6) != 0 || memcmp(pceid, pck->pceid, 2) != 0) {
		rc = svm_error_set(err, SVM_EPROOF, "tcb info: FMSPC/PCE id is not the PCK's");
		goto out;
	}
	if ((rc = module_status(ti, q, &res->module_status, err)) != 0) goto out;
	if ((rc = platform_status(ti, pck, q, &res->platform_status, err)) != 0) goto out;
	SVM_ASSERT(res->module_status <= SVM_TCB_UNRECOGNIZED &&
		   res->platform_status <= SVM_TCB_UNRECOGNIZED);
	SVM_ASSERT(next >= now); /* signed_json's window: the expiry kept is still ahead */
	if (next < res->collateral_expiry) res->collateral_expiry = next;
out:
	json_decref(ti);
	return rc;
}

/* The QE report against the QE identity; its status from isvsvn. */
static int check_qe_identity(svm_slice_t body, const uint8_t *qe, int64_t now,
			     svm_tdx_result_t *res, svm_error_t *err)
{
	int64_t next;
	json_t *qi = signed_json(body, "TD_QE", 2, now, &next, "qe identity", err);
	if (!qi) return err ? err->code : SVM_EDECODE;
	int rc = 0;
	uint8_t misc[4], misc_mask[4], attr[16], attr_mask[16], mrsigner[32];
	uint64_t prodid;
	if (json_hex(qi, "miscselect", misc, 4) != 0 || json_hex(qi, "miscselectMask", misc_mask, 4) ||
	    json_hex(qi, "attributes", attr, 16) || json_hex(qi, "attributesMask", attr_mask, 16) ||
	    json_hex(qi, "mrsigner", mrsigner, 32) || json_u8(qi, "isvprodid", 65535, &prodid)) {
		rc = svm_error_set(err, SVM_EDECODE, "qe identity: malformed");
		goto out;
	}
	/* SGX report body: miscselect u32 LE at 16, attributes at 48, mrsigner at 128, isvprodid
	 * at 256, isvsvn at 258. The identity's miscselect is written big-endian. */
	uint32_t m = le32(qe + 16), want = (uint32_t)misc[0] << 24 | misc[1] << 16 | misc[2] << 8 | misc[3];
	uint32_t mm = (uint32_t)misc_mask[0] << 24 | misc_mask[1] << 16 | misc_mask[2] << 8 | misc_mask[3];
	bool ok = (m & mm) == want && memcmp(qe + 128, mrsigner, 32) == 0 && le16(qe + 256) == prodid;
	for (int i = 0; i < 16 && ok; i++) ok = (qe[48 + i] & attr_mask[i]) == attr[i];
	if (!ok) {
		rc = svm_error_set(err, SVM_EPROOF, "qe report: not the QE the identity names");
		goto out;
	}
	res->qe_status = SVM_TCB_UNRECOGNIZED;
	json_t *levels = json_object_get(qi, "tcbLevels");
	for (size_t i = 0; i < json_array_size(levels) && i < SVM_ATTEST_TCB_LEVELS_MAX; i++) {
		json_t *l = json_array_get(levels, i);
		uint64_t isvsvn;
		svm_tcb_status_t st;
		if (json_u8(json_object_get(l, "tcb"), "isvsvn", 65535, &isvsvn) != 0 ||
		    json_status(l, &st) != 0) {
			rc = svm_error_set(err, SVM_EDECODE, "qe identity: TCB level malformed");
			goto out;
		}
		if (le16(qe + 258) >= isvsvn) {
			res->qe_status = st;
			break;
		}
	}
	SVM_ASSERT(res->qe_status <= SVM_TCB_UNRECOGNIZED && next >= now);
	if (next < res->collateral_expiry) res->collateral_expiry = next;
out:
	json_decref(qi);
	return rc;
}

/* ------------------------------------------------------------ verify */

typedef struct {
	X509 *pck[SVM_TDX_PCK_CHAIN_MAX];
	size_t n_pck;
	X509 *sign[SVM_TDX_PCK_CHAIN_MAX];
	size_t n_sign;
	X509 *crlc[SVM_TDX_PCK_CHAIN_MAX];
	size_t n_crlc;
	X509_CRL *root_crl, *pck_crl;
	EVP_PKEY *att;
} tdx_ctx_t;

static void ctx_free(tdx_ctx_t *c)
{
	SVM_ASSERT(c->n_pck <= SVM_TDX_PCK_CHAIN_MAX && c->n_sign <= SVM_TDX_PCK_CHAIN_MAX &&
		   c->n_crlc <= SVM_TDX_PCK_CHAIN_MAX);
	att_chain_free(c->pck, c->n_pck);
	att_chain_free(c->sign, c->n_sign);
	att_chain_free(c->crlc, c->n_crlc);
	X509_CRL_free(c->root_crl);
	X509_CRL_free(c->pck_crl);
	EVP_PKEY_free(c->att);
}

/* A chain leaf..root whose root is pinned, each link signed, each certificate current. */
static int check_intel_chain(X509 **c, size_t n, size_t want, int64_t now,
			     const svm_attest_pins_t *pins, const char *what, int64_t *expiry,
			     svm_error_t *err)
{
	/* the certificate chain's depth: 2 (signing, root) or 3 (PCK, platform CA, root) */
	SVM_ASSERT(want >= 2 && want <= SVM_TDX_PCK_CHAIN_MAX && n <= SVM_TDX_PCK_CHAIN_MAX);
	if (n != want)
		return svm_error_set(err, SVM_EDECODE, "%s: %zu certificates, expected %zu", what, n,
				     want);
	svm_hash_t h;
	bool ok = false;
	if (att_cert_sha256(c[n - 1], &h) != 0)
		return svm_error_set(err, SVM_EDECODE, "%s: root cannot be encoded", what);
	for (size_t i = 0; i < pins->n_intel_root && i < SVM_ATTEST_PINS_MAX; i++)
		ok |= svm_hash_eq(&pins->intel_root[i], &h);
	if (!ok) return svm_error_set(err, SVM_EPERM, "%s: root is not the pinned Intel root", what);
	for (size_t i = 0; i < n; i++) {
		int rc;
		int64_t na;
		char name[64];
		snprintf(name, sizeof name, "%s certificate %zu", what, i);
		SVM_ASSERT(c[i] != NULL);
		if ((rc = att_cert_signed_by(c[i], c[i + 1 < n ? i + 1 : i], name, err)) != 0 ||
		    (rc = att_cert_current(c[i], now, name, &na, err)) != 0)
			return rc;
		SVM_ASSERT(na >= now);
		if (na < *expiry) *expiry = na;
	}
	SVM_ASSERT(*expiry >= now);
	return 0;
}

static int check_quote_crypto(const svm_tdx_quote_t *q, tdx_ctx_t *c, svm_error_t *err)
{
	/* The QE report binds the attestation key: report_data = SHA-256(key ‖ QE auth data) ‖ 0^32. */
	/* the PCK chain was checked first: its leaf's key verifies the QE report */
	SVM_ASSERT(c->n_pck == 3 && c->pck[0] != NULL && c->att == NULL);
	SVM_ASSERT(q->qe_auth != NULL || q->qe_auth_len == 0);
	svm_sha256_ctx_t h;
	svm_hash_t d;
	svm_sha256_init(&h);
	svm_sha256_update(&h, q->att_key, 64);
	svm_sha256_update(&h, q->qe_auth, q->qe_auth_len);
	svm_sha256_final(&h, &d);
	static const uint8_t zero[32];
	if (memcmp(q->qe_report + 320, d.b, 32) != 0 || memcmp(q->qe_report + 352, zero, 32) != 0)
		return svm_error_set(err, SVM_EPROOF,
				     "qe report: report data does not bind the attestation key");
	int rc = att_ecdsa_verify(X509_get0_pubkey(c->pck[0]), EVP_sha256(), q->qe_report,
				  SVM_TDX_QE_REPORT_SIZE, q->qe_report_sig, q->qe_report_sig + 32, 32,
				  "qe report (PCK key)", err);
	if (rc != 0) return rc;
	c->att = att_p256_key(q->att_key);
	if (!c->att)
		return svm_error_set(err, SVM_ESIG, "tdx quote: attestation key is not a P-256 point");
	return att_ecdsa_verify(c->att, EVP_sha256(), q->signed_p, q->signed_len, q->sig, q->sig + 32,
				32, "tdx quote (attestation key)", err);
}

static int check_collateral(const svm_tdx_collateral_t *col, tdx_ctx_t *c, int64_t now,
			    const svm_attest_pins_t *pins, svm_tdx_result_t *res, svm_error_t *err)
{
	int rc;
	int64_t nu;
	/* the quote's PCK chain (leaf, platform CA, root) was checked before the collateral */
	SVM_ASSERT(c->n_pck == 3 && c->n_sign == 0 && c->n_crlc == 0 && !c->root_crl && !c->pck_crl);
	X509 *root = c->pck[c->n_pck - 1];
	if ((rc = att_chain_pem(col->signing_chain_pem.p, col->signing_chain_pem.len, c->sign,
				SVM_TDX_PCK_CHAIN_MAX, &c->n_sign, "tcb signing chain", err)) != 0 ||
	    (rc = check_intel_chain(c->sign, c->n_sign, 2, now, pins, "tcb signing chain",
				    &res->collateral_expiry, err)) != 0)
		return rc;
	SVM_ASSERT(c->n_sign == 2); /* c->sign[0] below */
	c->root_crl = att_crl_der(col->root_crl_der.p, col->root_crl_der.len, root, now,
				  "root CA CRL", &nu, err);
	if (!c->root_crl) return err ? err->code : SVM_EDECODE;
	SVM_ASSERT(nu >= now);
	if (nu < res->collateral_expiry) res->collateral_expiry = nu;
	if ((rc = att_crl_check(c->root_crl, c->pck[1], "PCK CA certificate", err)) != 0 ||
	    (rc = att_crl_check(c->root_crl, c->sign[0], "TCB signing certificate", err)) != 0)
		return rc;
	X509 *pck_ca = c->pck[1];
	if (col->pck_crl_chain_pem.len) {
		if ((rc = att_chain_pem(col->pck_crl_chain_pem.p, col->pck_crl_chain_pem.len, c->crlc,
					SVM_TDX_PCK_CHAIN_MAX, &c->n_crlc, "PCK CRL chain", err)) != 0 ||
		    (rc = check_intel_chain(c->crlc, c->n_crlc, 2, now, pins, "PCK CRL chain",
					    &res->collateral_expiry, err)) != 0)
			return rc;
		SVM_ASSERT(c->n_crlc == 2);
		if ((rc = att_crl_check(c->root_crl, c->crlc[0], "PCK CRL issuer", err)) != 0) return rc;
		pck_ca = c->crlc[0];
	}
	c->pck_crl = att_crl_der(col->pck_crl_der.p, col->pck_crl_der.len, pck_ca, now, "PCK CRL",
				 &nu, err);
	if (!c->pck_crl) return err ? err->code : SVM_EDECODE;
	SVM_ASSERT(nu >= now);
	if (nu < res->collateral_expiry) res->collateral_expiry = nu;
	/* every expiry folded in so far was current at now */
	SVM_ASSERT(res->collateral_expiry >= now);
	if (X509_NAME_cmp(X509_get_issuer_name(c->pck[0]), X509_get_subject_name(pck_ca)) != 0)
		return svm_error_set(err, SVM_EPROOF, "PCK CRL: not issued by the PCK's CA");
	if ((rc = att_crl_check(c->pck_crl, c->pck[0], "PCK certificate", err)) != 0) return rc;
	EVP_PKEY *sk = X509_get0_pubkey(c->sign[0]);
	if ((rc = att_ecdsa_verify(sk, EVP_sha256(), col->tcb_info.p, col->tcb_info.len,
				   col->tcb_info_sig, col->tcb_info_sig + 32, 32, "tcb info", err)) != 0 ||
	    (rc = att_ecdsa_verify(sk, EVP_sha256(), col->qe_identity.p, col->qe_identity.len,
				   col->qe_identity_sig, col->qe_identity_sig + 32, 32, "qe identity",
				   err)) != 0)
		return rc;
	return 0;
}

/* Everything the quote proves by itself: PCK chain, QE report, attestation key, signature. */
static int check_quote(const svm_tdx_quote_t *q, tdx_ctx_t *c, int64_t now,
		       const svm_attest_pins_t *pins, pck_ext_t *pck, svm_tdx_result_t *res,
		       svm_error_t *err)
{
	int rc;
	if ((rc = att_chain_pem(q->pck_pem, q->pck_pem_len, c->pck, SVM_TDX_PCK_CHAIN_MAX, &c->n_pck,
				"PCK chain", err)) != 0 ||
	    (rc = check_intel_chain(c->pck, c->n_pck, 3, now, pins, "PCK chain",
				    &res->collateral_expiry, err)) != 0 ||
	    (rc = pck_extensions(c->pck[0], pck, err)) != 0 ||
	    (rc = check_quote_crypto(q, c, err)) != 0)
		return rc;
	SVM_ASSERT(c->att != NULL && pck->have_tcb && pck->have_pceid && pck->have_fmspc);
	memcpy(res->fmspc, pck->fmspc, 6);
	return 0;
}

int svm_tdx_verify_quote(const uint8_t *quote, size_t quote_len, int64_t now_unix,
			 const svm_attest_pins_t *pins, svm_tdx_result_t *res, svm_error_t *err)
{
	svm_error_t local_err = {0}; /* helpers report their code through err */
	if (err == NULL) err = &local_err;
	if (!pins) pins = svm_attest_pins_default();
	svm_tdx_result_t local;
	if (!res) res = &local;
	memset(res, 0, sizeof *res);
	res->status = res->platform_status = res->qe_status = res->module_status =
		SVM_TCB_UNRECOGNIZED;
	res->collateral_expiry = INT64_MAX;
	tdx_ctx_t c = {0};
	pck_ext_t pck;
	int rc = svm_tdx_quote_parse(quote, quote_len, &res->quote, err);
	if (rc == 0) rc = check_quote(&res->quote, &c, now_unix, pins, &pck, res, err);
	ctx_free(&c);
	ERR_clear_error();
	return rc;
}

int svm_tdx_verify(const uint8_t *quote, size_t quote_len, const svm_tdx_collateral_t *col,
		   int64_t now_unix, const svm_attest_pins_t *pins, svm_tcb_status_t max_status,
		   svm_tdx_result_t *res, svm_error_t *err)
{
	svm_error_t local_err = {0}; /* helpers report their code through err */
	if (err == NULL) err = &local_err;
	if (!pins) pins = svm_attest_pins_default();
	svm_tdx_result_t local;
	if (!res) res = &local;
	memset(res, 0, sizeof *res);
	res->status = res->platform_status = res->qe_status = res->module_status =
		SVM_TCB_UNRECOGNIZED;
	res->collateral_expiry = INT64_MAX;
	tdx_ctx_t c = {0};
	pck_ext_t pck;
	const svm_tdx_quote_t *q = &res->quote;
	int rc = svm_tdx_quote_parse(quote, quote_len, &res->quote, err);
	if (rc != 0) goto out;
	if ((rc = check_quote(q, &c, now_unix, pins, &pck, res, err)) != 0 ||
	    (rc = check_collateral(col, &c, now_unix, pins, res, err)) != 0 ||
	    (rc = check_tcb_info(col->tcb_info, &pck, q, now_unix, res, err)) != 0 ||
	    (rc = check_qe_identity(col->qe_identity, q->qe_report, now_unix, res, err)) != 0)
		goto out;
	res->status = converge(converge(res->platform_status, res->module_status), res->qe_status);
	SVM_ASSERT(res->collateral_expiry >= now_unix && res->collateral_expiry < INT64_MAX);
	if (res->status == SVM_TCB_UNRECOGNIZED)
		rc = svm_error_set(err, SVM_EPERM, "tdx quote: no TCB level matches the platform");
	else if (res->status > max_status)
		rc = svm_error_set(err, SVM_EPERM, "tdx quote: TCB status %s is not accepted",
				   svm_tcb_status_name(res->status));
out:
	ctx_free(&c);
	ERR_clear_error();
	return rc;
}

/* ------------------------------------------------------------ collateral files */

static int hex_sig(const char *s, uint8_t sig[64])
{
	return hex_exact(s, sig, 64);
}

int svm_tdx_pcs_split(const uint8_t *resp, size_t len, const char *key, svm_slice_t *body,
		      uint8_t sig[64], svm_error_t *err)
{
	/* {"<key>":<body>,"signature":"<128 hex>"} with an optional final newline. */
	char head[64];
	int hl = snprintf(head, sizeof head, "{\"%s\":", key);
	static const char mid[] = ",\"signature\":\"";
	size_t end = len;
	if (end && resp[end - 1] == '\n') end--;
	size_t ml = sizeof mid - 1, tail = ml + 128 + 2;
	if (hl <= 0 || (size_t)hl >= sizeof head || end < (size_t)hl + tail ||
	    memcmp(resp, head, (size_t)hl) != 0 || memcmp(resp + end - 2, "\"}", 2) != 0 ||
	    memcmp(resp + end - tail, mid, ml) != 0)
		return svm_error_set(err, SVM_EDECODE, "pcs response: not {\"%s\":…,\"signature\":…}",
				     key);
	SVM_ASSERT(end <= len && len - end <= 1); /* at most the final newline dropped */
	char hex[129];
	memcpy(hex, resp + end - 2 - 128, 128);
	hex[128] = 0;
	if (hex_sig(hex, sig) != 0)
		return svm_error_set(err, SVM_EDECODE, "pcs response: signature is not 128 hex digits");
	body->p = resp + hl;
	body->len = end - tail - (size_t)hl;
	/* head, body, ",\"signature\":\"", 128 digits and "\"}" tile the response */
	SVM_ASSERT((size_t)hl + body->len + tail == end);
	return 0;
}

/* Appends a string field (raw, or hex-decoded) to store; records its offset and length. */
static int put_field(json_t *j, const char *key, bool hex, svm_buf_t *store, size_t *off,
		     size_t *len, bool optional)
{
	const char *s = json_string_value(json_object_get(j, key));
	if (!s) return optional ? 0 : SVM_EDECODE;
	size_t n = strlen(s);
	*off = store->len;
	if (!hex) {
		*len = n;
		int rc = svm_buf_append(store, s, n);
		SVM_ASSERT(rc != 0 || *off + n == store->len);
		return rc;
	}
	if (n % 2) return SVM_EDECODE;
	int rc = svm_buf_reserve(store, n / 2);
	if (rc != 0) return rc;
	SVM_ASSERT(store->cap - store->len >= n / 2); /* the decode writes n / 2 bytes there */
	if (hex_exact(s, store->data + store->len, n / 2) != 0) return SVM_EDECODE;
	store->len += n / 2;
	*len = n / 2;
	return 0;
}

int svm_tdx_collateral_from_json(const uint8_t *json, size_t len, svm_buf_t *store,
				 svm_tdx_collateral_t *col, svm_error_t *err)
{
	memset(col, 0, sizeof *col);
	json_error_t je;
	json_t *j = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &je);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		return svm_error_set(err, SVM_EDECODE, "collateral: not a JSON object (%s)", je.text);
	}
	enum { TI, QI, SC, RC, PC, CC, N };
	size_t off[N] = {0}, ln[N] = {0};
	int rc = 0;
	if (put_field(j, "tcb_info", false, store, &off[TI], &ln[TI], false) ||
	    put_field(j, "qe_identity", false, store, &off[QI], &ln[QI], false) ||
	    put_field(j, "tcb_info_issuer_chain", false, store, &off[SC], &ln[SC], false) ||
	    put_field(j, "root_ca_crl", true, store, &off[RC], &ln[RC], false) ||
	    put_field(j, "pck_crl", true, store, &off[PC], &ln[PC], false) ||
	    put_field(j, "pck_crl_issuer_chain", false, store, &off[CC], &ln[CC], true) ||
	    hex_sig(json_string_value(json_object_get(j, "tcb_info_signature")), col->tcb_info_sig) ||
	    hex_sig(json_string_value(json_object_get(j, "qe_identity_signature")),
		    col->qe_identity_sig))
		rc = svm_error_set(err, SVM_EDECODE, "collateral: a field is missing or malformed");
	else if (!json_equal(json_object_get(j, "tcb_info_issuer_chain"),
			     json_object_get(j, "qe_identity_issuer_chain")))
		rc = svm_error_set(err, SVM_EUNSUPPORTED,
				   "collateral: TCB info and QE identity have different issuers");
	json_decref(j);
	if (rc != 0) return rc;
	svm_slice_t *dst[N] = {&col->tcb_info,     &col->qe_identity, &col->signing_chain_pem,
			       &col->root_crl_der, &col->pck_crl_der, &col->pck_crl_chain_pem};
	for (int i = 0; i < N; i++) {
		/* each field was appended to store: its slice lies inside it */
		SVM_ASSERT(off[i] <= store->len && ln[i] <= store->len - off[i]);
		*dst[i] = (svm_slice_t){store->data + off[i], ln[i]};
	}
	return 0;
}

int att_tdx_eval_collateral(svm_slice_t tcb_info, svm_slice_t qe_identity, const uint8_t *qe_report,
			    int64_t now, svm_tdx_result_t *res, svm_error_t *err)
{
	pck_ext_t pck;
	memset(&pck, 0, sizeof pck);
	memcpy(pck.fmspc, res->fmspc, 6);
	res->collateral_expiry = INT64_MAX;
	int rc = check_tcb_info(tcb_info, &pck, &res->quote, now, res, err);
	if (rc == 0) rc = check_qe_identity(qe_identity, qe_report, now, res, err);
	return rc;
}

/* ------------------------------------------------------------ for chain state */

int svm_tdx_collateral_check(const svm_tdx_collateral_t *col, int64_t now_unix,
			     const svm_attest_pins_t *pins, svm_tdx_collateral_info_t *info,
			     svm_error_t *err)
{
	svm_error_t local_err = {0}; /* helpers report their code through err */
	if (err == NULL) err = &local_err;
	if (!pins) pins = svm_attest_pins_default();
	memset(info, 0, sizeof *info);
	info->expiry = INT64_MAX;
	tdx_ctx_t c = {0};
	json_t *ti = NULL, *qi = NULL;
	int64_t nu;
	int rc;
	if (col->pck_crl_chain_pem.len == 0) {
		rc = svm_error_set(err, SVM_EDECODE, "collateral: the PCK CRL's issuer chain is required");
		goto out;
	}
	if ((rc = att_chain_pem(col->signing_chain_pem.p, col->signing_chain_pem.len, c.sign,
				SVM_TDX_PCK_CHAIN_MAX, &c.n_sign, "tcb signing chain", err)) != 0 ||
	    (rc = check_intel_chain(c.sign, c.n_sign, 2, now_unix, pins, "tcb signing chain",
				    &info->expiry, err)) != 0 ||
	    (rc = att_chain_pem(col->pck_crl_chain_pem.p, col->pck_crl_chain_pem.len, c.crlc,
				SVM_TDX_PCK_CHAIN_MAX, &c.n_crlc, "PCK CRL chain", err)) != 0 ||
	    (rc = check_intel_chain(c.crlc, c.n_crlc, 2, now_unix, pins, "PCK CRL chain",
				    &info->expiry, err)) != 0)
		goto out;
	/* both chains checked at their depth of two: c.sign[1] is the root, c.crlc[0] the CA */
	SVM_ASSERT(c.n_sign == 2 && c.n_crlc == 2);
	c.root_crl = att_crl_der(col->root_crl_der.p, col->root_crl_der.len, c.sign[1], now_unix,
				 "root CA CRL", &nu, err);
	if (!c.root_crl) {
		rc = err ? err->code : SVM_EDECODE;
		goto out;
	}
	if (nu < info->expiry) info->expiry = nu;
	if ((rc = att_crl_check(c.root_crl, c.sign[0], "TCB signing certificate", err)) != 0 ||
	    (rc = att_crl_check(c.root_crl, c.crlc[0], "PCK CRL issuer", err)) != 0)
		goto out;
	c.pck_crl = att_crl_der(col->pck_crl_der.p, col->pck_crl_der.len, c.crlc[0], now_unix,
				"PCK CRL", &nu, err);
	if (!c.pck_crl) {
		rc = err ? err->code : SVM_EDECODE;
		goto out;
	}
	if (nu < info->expiry) info->expiry = nu;
	EVP_PKEY *sk = X509_get0_pubkey(c.sign[0]);
	if ((rc = att_ecdsa_verify(sk, EVP_sha256(), col->tcb_info.p, col->tcb_info.len,
				   col->tcb_info_sig, col->tcb_info_sig + 32, 32, "tcb info", err)) != 0 ||
	    (rc = att_ecdsa_verify(sk, EVP_sha256(), col->qe_identity.p, col->qe_identity.len,
				   col->qe_identity_sig, col->qe_identity_sig + 32, 32, "qe identity",
				   err)) != 0)
		goto out;
	ti = signed_json(col->tcb_info, "TDX", 3, now_unix, &nu, "tcb info", err);
	if (!ti) {
		rc = err ? err->code : SVM_EDECODE;
		goto out;
	}
	if (nu < info->expiry) info->expiry = nu;
	qi = signed_json(col->qe_identity, "TD_QE", 2, now_unix, &nu, "qe identity", err);
	if (!qi) {
		rc = err ? err->code : SVM_EDECODE;
		goto out;
	}
	if (nu < info->expiry) info->expiry = nu;
	json_t *num = json_object_get(ti, "tcbEvaluationDataNumber");
	if (json_hex(ti, "fmspc", info->fmspc, 6) != 0 || json_time(ti, "issueDate", &info->issued) != 0 ||
	    !json_is_integer(num) || json_integer_value(num) < 0) {
		rc = svm_error_set(err, SVM_EDECODE, "tcb info: bad fmspc/issueDate/tcbEvaluationDataNumber");
		goto out;
	}
	info->tcb_eval = (uint64_t)json_integer_value(num);
	SVM_ASSERT(info->expiry >= now_unix && info->issued <= now_unix);
out:
	json_decref(ti);
	json_decref(qi);
	ctx_free(&c);
	ERR_clear_error();
	return rc;
}

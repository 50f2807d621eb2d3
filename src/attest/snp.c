/* AMD SEV-SNP attestation reports: parsing (SEV-SNP ABI, ATTESTATION_REPORT), the report's
 * ECDSA P-384 signature by the VCEK or VLEK, the key certificate's TCB extensions matched to the
 * report, and the ASK/ASVK → ARK chain (RSA-PSS) anchored in a pinned ARK. */
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <string.h>

#include "attest/internal.h"

/* Report versions this parser knows (2: Milan/Genoa firmware 1.51+, 3: CPUID fields,
 * 5: launch/current mitigation vectors). Fields past launch_tcb are signed but not interpreted. */
#define SNP_VERSION_MIN 2
#define SNP_VERSION_MAX 5
#define SNP_SIG_OFF 0x2A0
#define SNP_SIG_COMPONENT 72 /* r and s each occupy 72 little-endian bytes; P-384 uses 48 */
/* The fixed fields end before the signed size ends, the signature starts where it ends, and r,
 * s and the reserved tail fit the report (the padding lengths below are unsigned). */
_Static_assert(0x1F0 + 8 <= SVM_SNP_SIGNED_SIZE, "fields inside the signed part");
_Static_assert(SNP_SIG_OFF == SVM_SNP_SIGNED_SIZE, "the signature follows the signed part");
_Static_assert(SNP_SIG_OFF + 2 * SNP_SIG_COMPONENT <= SVM_SNP_REPORT_SIZE, "signature fits");
_Static_assert(SNP_SIG_COMPONENT >= 48, "a P-384 component fits its slot");

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t a = 0;
	for (size_t i = 0; i < n; i++) a |= p[i];
	return a == 0;
}

int svm_snp_report_parse(const uint8_t *p, size_t len, svm_snp_report_t *r, svm_error_t *err)
{
	if (len != SVM_SNP_REPORT_SIZE)
		return svm_error_set(err, SVM_EDECODE, "snp report: %zu bytes, expected %u", len,
				     SVM_SNP_REPORT_SIZE);
	memset(r, 0, sizeof *r);
	r->version = le32(p + 0x00);
	if (r->version < SNP_VERSION_MIN || r->version > SNP_VERSION_MAX)
		return svm_error_set(err, SVM_EUNSUPPORTED, "snp report: version %u not supported",
				     r->version);
	r->guest_svn = le32(p + 0x04);
	r->policy = svm_get_u64le(p + 0x08);
	memcpy(r->family_id, p + 0x10, 16);
	memcpy(r->image_id, p + 0x20, 16);
	r->vmpl = le32(p + 0x30);
	r->sig_algo = le32(p + 0x34);
	if (r->sig_algo != 1)
		return svm_error_set(err, SVM_EUNSUPPORTED,
				     "snp report: signature algorithm %u (only 1, ECDSA P-384 SHA-384)",
				     r->sig_algo);
	r->current_tcb = svm_get_u64le(p + 0x38);
	r->platform_info = svm_get_u64le(p + 0x40);
	r->key_info = le32(p + 0x48);
	memcpy(r->report_data, p + 0x50, 64);
	memcpy(r->measurement, p + 0x90, 48);
	memcpy(r->host_data, p + 0xC0, 32);
	memcpy(r->id_key_digest, p + 0xE0, 48);
	memcpy(r->author_key_digest, p + 0x110, 48);
	memcpy(r->report_id, p + 0x140, 32);
	memcpy(r->report_id_ma, p + 0x160, 32);
	r->reported_tcb = svm_get_u64le(p + 0x180);
	memcpy(r->chip_id, p + 0x1A0, 64);
	r->committed_tcb = svm_get_u64le(p + 0x1E0);
	r->launch_tcb = svm_get_u64le(p + 0x1F0);
	/* The signature area is not covered by the signature: every byte outside r's and s's 48
	 * significant bytes must be zero, so no bit of the report can change without failing. */
	const uint8_t *sr = p + SNP_SIG_OFF, *ss = sr + SNP_SIG_COMPONENT;
	if (!all_zero(sr + 48, SNP_SIG_COMPONENT - 48) || !all_zero(ss + 48, SNP_SIG_COMPONENT - 48) ||
	    !all_zero(ss + SNP_SIG_COMPONENT, SVM_SNP_REPORT_SIZE - SNP_SIG_OFF - 2 * SNP_SIG_COMPONENT))
		return svm_error_set(err, SVM_EDECODE,
				     "snp report: non-zero bytes in the signature's padding");
	for (int i = 0; i < 48; i++) {
		r->sig_r[i] = sr[47 - i];
		r->sig_s[i] = ss[47 - i];
	}
	return 0;
}

/* ------------------------------------------------------------ key certificate */

#define AMD_OID(x) "1.3.6.1.4.1.3704.1." x

/* The extension's contents (the OCTET STRING's bytes); SVM_ENOTFOUND when absent. */
static int ext_get(X509 *c, const char *oid, const uint8_t **v, size_t *n)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	if (!o) return SVM_ENOMEM;
	int i = X509_get_ext_by_OBJ(c, o, -1);
	int dup = i >= 0 ? X509_get_ext_by_OBJ(c, o, i) : -1;
	ASN1_OBJECT_free(o);
	ERR_clear_error();
	if (i < 0) return SVM_ENOTFOUND;
	if (dup >= 0) return SVM_EDECODE;
	ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(X509_get_ext(c, i));
	/* a parsed extension always has its OCTET STRING; its length goes to a size_t */
	SVM_ASSERT(os != NULL && ASN1_STRING_length(os) >= 0);
	*v = ASN1_STRING_get0_data(os);
	*n = (size_t)ASN1_STRING_length(os);
	return 0;
}

/* An SPL extension: a DER INTEGER 0..255. */
static int ext_spl(X509 *c, const char *oid, uint8_t *out, svm_error_t *err)
{
	const uint8_t *v, *iv;
	size_t n, in;
	int rc = ext_get(c, oid, &v, &n);
	if (rc != 0)
		return svm_error_set(err, rc == SVM_ENOTFOUND ? SVM_EDECODE : rc,
				     "key certificate: TCB extension %s %s", oid,
				     rc == SVM_ENOTFOUND ? "missing" : "malformed");
	att_der_t d = {v, n, 0};
	uint64_t x;
	if (att_der_next(&d, 0x02, &iv, &in) != 0 || d.pos != n || att_der_uint(iv, in, &x) != 0 ||
	    x > 255)
		return svm_error_set(err, SVM_EDECODE, "key certificate: TCB extension %s malformed",
				     oid);
	*out = (uint8_t)x;
	return 0;
}

typedef struct {
	char product[16];
	uint8_t bl, tee, snp, ucode, fmc;
	uint8_t hwid[64];
	size_t hwid_len;
} key_ext_t;

static int key_extensions(X509 *c, bool vcek, key_ext_t *k, svm_error_t *err)
{
	memset(k, 0, sizeof *k);
	const uint8_t *v, *s;
	size_t n, sn;
	if (ext_get(c, AMD_OID("2"), &v, &n) != 0)
		return svm_error_set(err, SVM_EDECODE, "key certificate: productName missing");
	att_der_t d = {v, n, 0};
	if (att_der_next(&d, 0x16, &s, &sn) != 0 || d.pos != n || sn == 0 || sn >= sizeof k->product)
		return svm_error_set(err, SVM_EDECODE, "key certificate: productName malformed");
	size_t pl = 0;
	while (pl < sn && s[pl] != '-') pl++; /* "Milan-B0" names the product Milan */
	/* the product stays NUL-terminated (k was zeroed): snprintf and strcmp read it */
	SVM_ASSERT(pl <= sn && pl < sizeof k->product);
	memcpy(k->product, s, pl);
	int rc;
	if ((rc = ext_spl(c, AMD_OID("3.1"), &k->bl, err)) != 0 ||
	    (rc = ext_spl(c, AMD_OID("3.2"), &k->tee, err)) != 0 ||
	    (rc = ext_spl(c, AMD_OID("3.3"), &k->snp, err)) != 0 ||
	    (rc = ext_spl(c, AMD_OID("3.8"), &k->ucode, err)) != 0)
		return rc;
	if (strcmp(k->product, "Turin") == 0 && (rc = ext_spl(c, AMD_OID("3.9"), &k->fmc, err)) != 0)
		return rc;
	if (!vcek) return 0;
	if (ext_get(c, AMD_OID("4"), &v, &n) != 0)
		return svm_error_set(err, SVM_EDECODE, "VCEK: hwID missing");
	/* The chip id, raw: 64 bytes on Milan and Genoa, 8 on Turin (the rest of the report's
	 * chip id is then zero). */
	if (n != 64 && n != 8) return svm_error_set(err, SVM_EDECODE, "VCEK: hwID of %zu bytes", n);
	SVM_ASSERT(n <= sizeof k->hwid);
	memcpy(k->hwid, v, n);
	k->hwid_len = n;
	return 0;
}

/* The TCB_VERSION a certificate's SPLs stand for, in the product's layout. */
static int tcb_of(const key_ext_t *k, uint64_t *out, svm_error_t *err)
{
	if (strcmp(k->product, "Milan") == 0 || strcmp(k->product, "Genoa") == 0) {
		*out = (uint64_t)k->bl | (uint64_t)k->tee << 8 | (uint64_t)k->snp << 48 |
		       (uint64_t)k->ucode << 56;
		return 0;
	}
	if (strcmp(k->product, "Turin") == 0) {
		*out = (uint64_t)k->fmc | (uint64_t)k->bl << 8 | (uint64_t)k->tee << 16 |
		       (uint64_t)k->snp << 24 | (uint64_t)k->ucode << 56;
		return 0;
	}
	return svm_error_set(err, SVM_EUNSUPPORTED, "key certificate: product %s not supported",
			     k->product);
}

/* ------------------------------------------------------------ chain */

static bool pinned(const svm_attest_pins_t *pins, const svm_hash_t *h)
{
	for (size_t i = 0; i < pins->n_amd_ark && i < SVM_ATTEST_PINS_MAX; i++)
		if (svm_hash_eq(&pins->amd_ark[i], h)) return true;
	return false;
}

static int need_pss(X509 *c, const char *what, svm_error_t *err)
{
	if (X509_get_signature_nid(c) != NID_rsassaPss)
		return svm_error_set(err, SVM_ESIG, "%s: not signed with RSA-PSS", what);
	return 0;
}

/* key → ASK/ASVK → ARK: names, RSA-PSS signatures, validity at now, the ARK pinned, and the
 * product in the CA names matching the key certificate's. Fills res->product/ark/signing_key. */
static int check_chain(X509 *key, X509 *const ca[2], bool vlek, const char *product, int64_t now,
		       const svm_attest_pins_t *pins, svm_snp_result_t *res, svm_error_t *err)
{
	int rc;
	char cn[64], want[64];
	const char *kname = vlek ? "VLEK" : "VCEK";
	/* the chain's depth: key, ASK/ASVK, ARK (the caller counted exactly two CAs) */
	SVM_ASSERT(key != NULL && ca[0] != NULL && ca[1] != NULL && ca[0] != ca[1]);
	/* "SEV-VLEK-" and a product name of at most 15 characters: the names are never cut */
	SVM_ASSERT(strlen(product) < 16);
	_Static_assert(sizeof want >= sizeof "SEV-VLEK-" + 15, "CA names fit");
	if ((rc = need_pss(key, kname, err)) != 0 || (rc = need_pss(ca[0], "ASK", err)) != 0 ||
	    (rc = need_pss(ca[1], "ARK", err)) != 0)
		return rc;
	int wl = snprintf(want, sizeof want, vlek ? "SEV-VLEK-%s" : "SEV-%s", product);
	SVM_ASSERT(wl > 0 && (size_t)wl < sizeof want);
	if (att_cert_cn(ca[0], cn, sizeof cn) != 0 || strcmp(cn, want) != 0)
		return svm_error_set(err, SVM_EPROOF, "%s: the intermediate is not %s", kname, want);
	wl = snprintf(want, sizeof want, "ARK-%s", product);
	SVM_ASSERT(wl > 0 && (size_t)wl < sizeof want);
	if (att_cert_cn(ca[1], cn, sizeof cn) != 0 || strcmp(cn, want) != 0)
		return svm_error_set(err, SVM_EPROOF, "%s: the root is not %s", kname, want);
	if ((rc = att_cert_signed_by(key, ca[0], kname, err)) != 0 ||
	    (rc = att_cert_signed_by(ca[0], ca[1], "ASK", err)) != 0 ||
	    (rc = att_cert_signed_by(ca[1], ca[1], "ARK (self-signed)", err)) != 0)
		return rc;
	if ((rc = att_cert_current(key, now, kname, NULL, err)) != 0 ||
	    (rc = att_cert_current(ca[0], now, "ASK", NULL, err)) != 0 ||
	    (rc = att_cert_current(ca[1], now, "ARK", NULL, err)) != 0)
		return rc;
	svm_hash_t h;
	if (att_cert_sha256(ca[1], &h) != 0)
		return svm_error_set(err, SVM_EDECODE, "ARK: cannot encode");
	if (!pinned(pins, &h))
		return svm_error_set(err, SVM_EPERM, "ARK: not one of the pinned roots");
	if (res) {
		res->ark_sha256 = h;
		SVM_ASSERT(strlen(product) < sizeof res->product);
		snprintf(res->product, sizeof res->product, "%s", product);
		res->signing_key = vlek ? SVM_SNP_KEY_VLEK : SVM_SNP_KEY_VCEK;
	}
	return 0;
}

/* Loads the key certificate and the two CA certificates, checks the chain. */
static int load_and_check(const uint8_t *key_der, size_t key_len, const uint8_t *chain_pem,
			  size_t chain_len, bool vlek, int64_t now, const svm_attest_pins_t *pins,
			  X509 **key_out, key_ext_t *ext, svm_snp_result_t *res, svm_error_t *err)
{
	X509 *ca[2] = {0};
	size_t n = 0;
	X509 *key = att_cert_der(key_der, key_len, vlek ? "VLEK" : "VCEK", err);
	if (!key) return err ? err->code : SVM_EDECODE;
	int rc = att_chain_pem(chain_pem, chain_len, ca, 2, &n, "AMD chain", err);
	SVM_ASSERT(n <= 2 && (rc == 0 || n == 0)); /* ca's bound; a failed read freed its part */
	if (rc == 0 && n != 2)
		rc = svm_error_set(err, SVM_EDECODE, "AMD chain: %zu certificates, expected ASK and ARK",
				   n);
	if (rc == 0) rc = key_extensions(key, !vlek, ext, err);
	/* a VCEK carries the chip's hwID (64 bytes, or 8 on Turin), a VLEK none */
	SVM_ASSERT(rc != 0 || (vlek ? ext->hwid_len == 0 : ext->hwid_len == 64 || ext->hwid_len == 8));
	if (rc == 0) rc = check_chain(key, ca, vlek, ext->product, now, pins, res, err);
	att_chain_free(ca, n);
	if (rc != 0 || !key_out) {
		X509_free(key);
		return rc;
	}
	*key_out = key;
	return 0;
}

int svm_snp_verify_chain(const uint8_t *key_der, size_t key_der_len, const uint8_t *chain_pem,
			 size_t chain_pem_len, int64_t now_unix, const svm_attest_pins_t *pins,
			 svm_snp_result_t *res, svm_error_t *err)
{
	svm_error_t local_err = {0}; /* helpers report their code through err */
	if (err == NULL) err = &local_err;
	if (!pins) pins = svm_attest_pins_default();
	key_ext_t ext;
	/* A VLEK is recognised by its missing hwID. */
	X509 *probe = att_cert_der(key_der, key_der_len, "key certificate", err);
	if (!probe) return err ? err->code : SVM_EDECODE;
	const uint8_t *v;
	size_t n;
	bool vlek = ext_get(probe, AMD_OID("4"), &v, &n) == SVM_ENOTFOUND;
	X509_free(probe);
	return load_and_check(key_der, key_der_len, chain_pem, chain_pem_len, vlek, now_unix, pins,
			      NULL, &ext, res, err);
}

int svm_snp_verify(const uint8_t *report, size_t report_len, const uint8_t *key_der,
		   size_t key_der_len, const uint8_t *chain_pem, size_t chain_pem_len, int64_t now_unix,
		   const svm_attest_pins_t *pins, svm_snp_result_t *res, svm_error_t *err)
{
	svm_error_t local_err = {0}; /* helpers report their code through err */
	if (err == NULL) err = &local_err;
	if (!pins) pins = svm_attest_pins_default();
	svm_snp_result_t local;
	if (!res) res = &local;
	memset(res, 0, sizeof *res);
	int rc = svm_snp_report_parse(report, report_len, &res->report, err);
	if (rc != 0) return rc;
	const svm_snp_report_t *r = &res->report;
	unsigned signing = (r->key_info >> 2) & 7;
	if (signing != SVM_SNP_KEY_VCEK && signing != SVM_SNP_KEY_VLEK)
		return svm_error_set(err, SVM_EUNSUPPORTED, "snp report: signing key %u (not VCEK/VLEK)",
				     signing);
	bool vlek = signing == SVM_SNP_KEY_VLEK;
	X509 *key = NULL;
	key_ext_t ext;
	rc = load_and_check(key_der, key_der_len, chain_pem, chain_pem_len, vlek, now_unix, pins, &key,
			    &ext, res, err);
	if (rc != 0) return rc;
	SVM_ASSERT(key != NULL && res->product[0] != 0);
	SVM_ASSERT(res->signing_key == (int)signing && strcmp(res->product, ext.product) == 0);
	/* the chip id's unmatched tail below is 64 - hwid_len bytes: never negative */
	SVM_ASSERT(ext.hwid_len <= sizeof r->chip_id);
	uint64_t tcb;
	if ((rc = tcb_of(&ext, &tcb, err)) != 0) goto out;
	if (tcb != r->reported_tcb) {
		rc = svm_error_set(err, SVM_EPROOF,
				   "snp report: reported TCB %016llx is not the key certificate's %016llx",
				   (unsigned long long)r->reported_tcb, (unsigned long long)tcb);
		goto out;
	}
	if (!vlek && (ext.hwid_len == 0 || memcmp(ext.hwid, r->chip_id, ext.hwid_len) != 0 ||
		      !all_zero(r->chip_id + ext.hwid_len, 64 - ext.hwid_len))) {
		rc = svm_error_set(err, SVM_EPROOF, "snp report: chip id is not the VCEK's hwID");
		goto out;
	}
	EVP_PKEY *pk = X509_get0_pubkey(key);
	if (!pk || EVP_PKEY_get_bits(pk) != 384 || EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC) {
		rc = svm_error_set(err, SVM_EDECODE, "%s: not a P-384 key", vlek ? "VLEK" : "VCEK");
		goto out;
	}
	SVM_ASSERT(report_len == SVM_SNP_REPORT_SIZE && sizeof r->sig_r == 48);
	rc = att_ecdsa_verify(pk, EVP_sha384(), report, SVM_SNP_SIGNED_SIZE, r->sig_r, r->sig_s, 48,
			      "snp report", err);
out:
	ERR_clear_error();
	X509_free(key);
	return rc;
}

/* ------------------------------------------------------------ for chain state */

int svm_snp_key_info(const uint8_t *key_der, size_t key_der_len, char product[16], bool *vlek,
		     svm_error_t *err)
{
	svm_error_t local_err = {0}; /* helpers report their code through err */
	if (err == NULL) err = &local_err;
	X509 *c = att_cert_der(key_der, key_der_len, "key certificate", err);
	if (!c) return err ? err->code : SVM_EDECODE;
	const uint8_t *v;
	size_t n;
	*vlek = ext_get(c, AMD_OID("4"), &v, &n) == SVM_ENOTFOUND;
	key_ext_t k;
	int rc = key_extensions(c, !*vlek, &k, err);
	SVM_ASSERT(rc != 0 || (k.product[0] != 0 && strlen(k.product) < 16));
	if (rc == 0) snprintf(product, 16, "%s", k.product);
	X509_free(c);
	ERR_clear_error();
	return rc;
}

int svm_snp_verify_ca(const uint8_t *chain_pem, size_t chain_pem_len, int64_t now_unix,
		      const svm_attest_pins_t *pins, char ask_cn[32], int64_t *not_after,
		      svm_error_t *err)
{
	svm_error_t local_err = {0}; /* helpers report their code through err */
	if (err == NULL) err = &local_err;
	if (!pins) pins = svm_attest_pins_default();
	X509 *ca[2] = {0};
	size_t n = 0;
	char cn[64], ark[64], want[64];
	int64_t na0 = 0, na1 = 0;
	int rc = att_chain_pem(chain_pem, chain_pem_len, ca, 2, &n, "AMD chain", err);
	SVM_ASSERT(n <= 2 && (rc == 0 || n == 0));
	if (rc == 0 && n != 2)
		rc = svm_error_set(err, SVM_EDECODE, "AMD chain: %zu certificates, expected ASK and ARK",
				   n);
	if (rc == 0 && ((rc = need_pss(ca[0], "ASK", err)) != 0 || (rc = need_pss(ca[1], "ARK", err)) != 0))
		goto out;
	if (rc == 0 && (att_cert_cn(ca[0], cn, sizeof cn) != 0 || att_cert_cn(ca[1], ark, sizeof ark) != 0 ||
			strlen(cn) >= 32 || strncmp(cn, "SEV-", 4) != 0))
		rc = svm_error_set(err, SVM_EDECODE, "AMD chain: the intermediate is not SEV-<product>");
	if (rc == 0) {
		SVM_ASSERT(n == 2 && strrchr(cn, '-') != NULL); /* cn starts with "SEV-" */
		const char *p = strrchr(cn, '-') + 1; /* "SEV-Milan", "SEV-VLEK-Milan" */
		snprintf(want, sizeof want, "ARK-%s", p);
		if (strcmp(ark, want) != 0)
			rc = svm_error_set(err, SVM_EPROOF, "AMD chain: the root is not %s", want);
	}
	if (rc == 0 && ((rc = att_cert_signed_by(ca[0], ca[1], "ASK", err)) != 0 ||
			(rc = att_cert_signed_by(ca[1], ca[1], "ARK (self-signed)", err)) != 0 ||
			(rc = att_cert_current(ca[0], now_unix, "ASK", &na0, err)) != 0 ||
			(rc = att_cert_current(ca[1], now_unix, "ARK", &na1, err)) != 0))
		goto out;
	svm_hash_t h;
	if (rc == 0 && att_cert_sha256(ca[1], &h) != 0)
		rc = svm_error_set(err, SVM_EDECODE, "ARK: cannot encode");
	if (rc == 0 && !pinned(pins, &h))
		rc = svm_error_set(err, SVM_EPERM, "ARK: not one of the pinned roots");
	if (rc == 0) {
		SVM_ASSERT(strlen(cn) < 32);
		snprintf(ask_cn, 32, "%s", cn);
		*not_after = na0 < na1 ? na0 : na1;
		/* both certificates are current: the earlier expiry is still ahead */
		SVM_ASSERT(*not_after >= now_unix);
	}
out:
	att_chain_free(ca, n);
	ERR_clear_error();
	return rc;
}

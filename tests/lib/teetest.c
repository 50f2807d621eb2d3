/* Test PKIs of the real shape for SEV-SNP reports and TDX quotes (teetest.h). */
#include "lib/teetest.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervm/crypto.h"

#define TT(x)                                                                                  \
	do {                                                                                   \
		if (!(x)) {                                                                    \
			fprintf(stderr, "teetest %s:%d: %s failed\n", __FILE__, __LINE__, #x); \
			ERR_print_errors_fp(stderr);                                           \
			return -1;                                                             \
		}                                                                              \
	} while (0)

#define DAY 86400ll
#define YEARS10 (10 * 365 * DAY)

static void put_u16le(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_u32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static int add_ext(X509 *c, const char *oid, const uint8_t *v, size_t n)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	TT(o && os && ASN1_OCTET_STRING_set(os, v, (int)n) == 1);
	X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, o, 0, os);
	TT(e && X509_add_ext(c, e, -1) == 1);
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(o);
	return 0;
}

/* A certificate of cn's key pub, issued by `issuer` (names of one CN), unsigned. */
static X509 *cert_new(const char *cn, EVP_PKEY *pub, const char *issuer, long serial,
		      int64_t not_before, int64_t not_after)
{
	X509 *c = X509_new();
	if (!c || X509_set_version(c, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(c), serial) != 1 ||
	    !ASN1_TIME_set(X509_getm_notBefore(c), (time_t)not_before) ||
	    !ASN1_TIME_set(X509_getm_notAfter(c), (time_t)not_after) ||
	    X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "CN", MBSTRING_ASC,
				       (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(X509_get_issuer_name(c), "CN", MBSTRING_ASC,
				       (const unsigned char *)issuer, -1, -1, 0) != 1 ||
	    X509_set_pubkey(c, pub) != 1) {
		X509_free(c);
		return NULL;
	}
	return c;
}

/* Signs c with RSA-PSS (SHA-384, MGF1-SHA-384, 48-byte salt), as AMD signs its chain. */
static int pss_sign(X509 *c, EVP_PKEY *signer)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	TT(m && EVP_DigestSignInit(m, &pc, EVP_sha384(), NULL, signer) == 1);
	TT(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) == 1);
	TT(EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, 48) == 1);
	TT(EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha384()) == 1);
	TT(X509_sign_ctx(c, m) > 0);
	EVP_MD_CTX_free(m);
	return 0;
}

static int pem_append(svm_buf_t *out, X509 *c)
{
	BIO *b = BIO_new(BIO_s_mem());
	TT(b && PEM_write_bio_X509(b, c) == 1);
	char *pem;
	long n = BIO_get_mem_data(b, &pem);
	TT(n > 0 && svm_buf_append(out, pem, (size_t)n) == 0);
	BIO_free(b);
	return 0;
}

static int der_sha256(X509 *c, svm_hash_t *out)
{
	unsigned char *der = NULL;
	int n = i2d_X509(c, &der);
	TT(n > 0);
	svm_sha256(der, (size_t)n, out);
	OPENSSL_free(der);
	return 0;
}

/* ECDSA over msg with md; r and s big-endian, n bytes each, into out[2n]. */
static int ecdsa_raw(EVP_PKEY *k, const EVP_MD *md, const uint8_t *msg, size_t len, uint8_t *out,
		     int n)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	size_t sl = 0;
	TT(m && EVP_DigestSignInit(m, NULL, md, NULL, k) == 1);
	TT(EVP_DigestSign(m, NULL, &sl, msg, len) == 1);
	unsigned char *sig = malloc(sl);
	TT(sig && EVP_DigestSign(m, sig, &sl, msg, len) == 1);
	const unsigned char *q = sig;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)sl);
	TT(es);
	const BIGNUM *r = NULL, *s = NULL;
	ECDSA_SIG_get0(es, &r, &s);
	TT(BN_bn2binpad(r, out, n) == n && BN_bn2binpad(s, out + n, n) == n);
	ECDSA_SIG_free(es);
	free(sig);
	EVP_MD_CTX_free(m);
	return 0;
}

/* ------------------------------------------------------------ AMD SEV-SNP */

int tt_snp_make(tt_snp_t *a, int64_t now)
{
	memset(a, 0, sizeof *a);
	a->ark = EVP_RSA_gen(2048);
	a->ask = EVP_RSA_gen(2048);
	a->vcek = EVP_EC_gen("secp384r1");
	TT(a->ark && a->ask && a->vcek);
	int64_t nb = now - DAY, na = now + YEARS10;
	TT((a->ark_c = cert_new("ARK-Milan", a->ark, "ARK-Milan", 1, nb, na)));
	TT(pss_sign(a->ark_c, a->ark) == 0);
	TT((a->ask_c = cert_new("SEV-Milan", a->ask, "ARK-Milan", 2, nb, na)));
	TT(pss_sign(a->ask_c, a->ark) == 0);
	TT((a->vcek_c = cert_new("SEV-VCEK", a->vcek, "SEV-Milan", 3, nb, na)));
	static const uint8_t product[] = {0x16, 8, 'M', 'i', 'l', 'a', 'n', '-', 'B', '0'};
	TT(add_ext(a->vcek_c, "1.3.6.1.4.1.3704.1.2", product, sizeof product) == 0);
	const uint8_t spl[4] = {3, 0, 8, 115}; /* bl, tee, snp, ucode */
	const char *oid[4] = {"1.3.6.1.4.1.3704.1.3.1", "1.3.6.1.4.1.3704.1.3.2",
			      "1.3.6.1.4.1.3704.1.3.3", "1.3.6.1.4.1.3704.1.3.8"};
	for (int i = 0; i < 4; i++)
		TT(add_ext(a->vcek_c, oid[i], (const uint8_t[]){0x02, 1, spl[i]}, 3) == 0);
	for (int i = 0; i < 64; i++) a->hwid[i] = (uint8_t)(0xA0 + i);
	TT(add_ext(a->vcek_c, "1.3.6.1.4.1.3704.1.4", a->hwid, 64) == 0);
	TT(pss_sign(a->vcek_c, a->ask) == 0);
	a->tcb = (uint64_t)spl[0] | (uint64_t)spl[1] << 8 | (uint64_t)spl[2] << 48 | (uint64_t)spl[3] << 56;
	unsigned char *der = NULL;
	int n = i2d_X509(a->vcek_c, &der);
	TT(n > 0 && (a->vcek_der = malloc((size_t)n)));
	memcpy(a->vcek_der, der, (size_t)n);
	a->vcek_der_len = (size_t)n;
	OPENSSL_free(der);
	TT(pem_append(&a->chain_pem, a->ask_c) == 0 && pem_append(&a->chain_pem, a->ark_c) == 0);
	return 0;
}

int tt_snp_ark_sha256(const tt_snp_t *a, svm_hash_t *out) { return der_sha256(a->ark_c, out); }

void tt_snp_free(tt_snp_t *a)
{
	X509_free(a->ark_c);
	X509_free(a->ask_c);
	X509_free(a->vcek_c);
	EVP_PKEY_free(a->ark);
	EVP_PKEY_free(a->ask);
	EVP_PKEY_free(a->vcek);
	free(a->vcek_der);
	svm_buf_free(&a->chain_pem);
	memset(a, 0, sizeof *a);
}

int tt_snp_sign(EVP_PKEY *vcek, uint8_t report[SVM_SNP_REPORT_SIZE])
{
	uint8_t be[96];
	TT(ecdsa_raw(vcek, EVP_sha384(), report, SVM_SNP_SIGNED_SIZE, be, 48) == 0);
	memset(report + 0x2A0, 0, SVM_SNP_REPORT_SIZE - 0x2A0);
	for (int i = 0; i < 48; i++) {
		report[0x2A0 + i] = be[47 - i];
		report[0x2A0 + 72 + i] = be[95 - i];
	}
	return 0;
}

int tt_snp_report(const tt_snp_t *a, const uint8_t report_data[64], const uint8_t meas[48],
		  uint64_t policy, uint8_t out[SVM_SNP_REPORT_SIZE])
{
	memset(out, 0, SVM_SNP_REPORT_SIZE);
	out[0x00] = 2; /* version */
	svm_put_u64le(out + 0x08, policy);
	out[0x34] = 1;                     /* signature algorithm: ECDSA P-384 SHA-384 */
	svm_put_u64le(out + 0x38, a->tcb); /* current TCB */
	memcpy(out + 0x50, report_data, 64);
	memcpy(out + 0x90, meas, 48);
	svm_put_u64le(out + 0x180, a->tcb); /* reported TCB: the VCEK's */
	memcpy(out + 0x1A0, a->hwid, 64);   /* chip id: the VCEK's hwID */
	svm_put_u64le(out + 0x1E0, a->tcb);
	svm_put_u64le(out + 0x1F0, a->tcb);
	return tt_snp_sign(a->vcek, out);
}

/* ------------------------------------------------------------ Intel TDX: certificates */

#define SGX_OID "1.2.840.113741.1.13.1"
#define TDX_SERIAL_PCK 13

/* DER: tag, minimal definite length, contents. */
static int der_tlv(svm_buf_t *b, uint8_t tag, const uint8_t *v, size_t n)
{
	uint8_t h[4] = {tag};
	size_t hl = 2;
	if (n < 0x80) {
		h[1] = (uint8_t)n;
	} else if (n < 0x100) {
		h[1] = 0x81, h[2] = (uint8_t)n, hl = 3;
	} else {
		TT(n < 0x10000);
		h[1] = 0x82, h[2] = (uint8_t)(n >> 8), h[3] = (uint8_t)n, hl = 4;
	}
	TT(svm_buf_append(b, h, hl) == 0 && svm_buf_append(b, v, n) == 0);
	return 0;
}

/* SEQUENCE { OID 1.2.840.113741.1.13.1.<arc>[.<sub>], value } appended to b. */
static int sgx_item(svm_buf_t *b, int arc, int sub, const svm_buf_t *value)
{
	uint8_t oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01, (uint8_t)arc, (uint8_t)sub};
	svm_buf_t it = {0};
	int rc = der_tlv(&it, 0x06, oid, sub ? sizeof oid : sizeof oid - 1);
	if (rc == 0) rc = svm_buf_append(&it, value->data, value->len);
	if (rc == 0) rc = der_tlv(b, 0x30, it.data, it.len);
	svm_buf_free(&it);
	return rc;
}

static int der_uint(svm_buf_t *b, unsigned v)
{
	TT(v <= 0xffff);
	uint8_t x[3] = {0, (uint8_t)(v >> 8), (uint8_t)v};
	size_t i = v > 0xff ? 1 : 2; /* the minimal big-endian bytes ... */
	if (x[i] & 0x80) i--;        /* ... and a zero when the top bit would read as a sign */
	return der_tlv(b, 0x02, x + i, 3 - i);
}

/* The PCK certificate's SGX extension (Intel's PCK certificate profile). */
static int sgx_extension(const tt_tdx_t *t, svm_buf_t *out)
{
	svm_buf_t seq = {0}, v = {0}, tcb = {0};
	static const uint8_t ppid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	TT(der_tlv(&v, 0x04, ppid, 16) == 0 && sgx_item(&seq, 1, 0, &v) == 0);
	for (int i = 1; i <= 18; i++) {
		svm_buf_reset(&v);
		if (i <= 16) TT(der_uint(&v, t->cpusvn[i - 1]) == 0);
		else if (i == 17) TT(der_uint(&v, t->pcesvn) == 0);
		else TT(der_tlv(&v, 0x04, t->cpusvn, 16) == 0);
		TT(sgx_item(&tcb, 2, i, &v) == 0);
	}
	svm_buf_reset(&v);
	TT(der_tlv(&v, 0x30, tcb.data, tcb.len) == 0 && sgx_item(&seq, 2, 0, &v) == 0);
	svm_buf_reset(&v);
	TT(der_tlv(&v, 0x04, t->pceid, 2) == 0 && sgx_item(&seq, 3, 0, &v) == 0);
	svm_buf_reset(&v);
	TT(der_tlv(&v, 0x04, t->fmspc, 6) == 0 && sgx_item(&seq, 4, 0, &v) == 0);
	svm_buf_reset(&v);
	TT(der_tlv(&v, 0x0a, (const uint8_t[]){0}, 1) == 0 && sgx_item(&seq, 5, 0, &v) == 0);
	TT(der_tlv(out, 0x30, seq.data, seq.len) == 0);
	svm_buf_free(&seq);
	svm_buf_free(&v);
	svm_buf_free(&tcb);
	return 0;
}

int tt_tdx_make(tt_tdx_t *t, int64_t now)
{
	memset(t, 0, sizeof *t);
	t->root = EVP_EC_gen("prime256v1");
	t->pck_ca = EVP_EC_gen("prime256v1");
	t->pck = EVP_EC_gen("prime256v1");
	t->signing = EVP_EC_gen("prime256v1");
	t->att = EVP_EC_gen("prime256v1");
	TT(t->root && t->pck_ca && t->pck && t->signing && t->att);
	memcpy(t->fmspc, (const uint8_t[]){0x00, 0x80, 0x6f, 0x05, 0x00, 0x00}, 6);
	memset(t->pceid, 0, 2);
	for (int i = 0; i < 16; i++) t->cpusvn[i] = (uint8_t)(i < 2 ? 4 : 1);
	t->pcesvn = 13;
	memset(t->mrsignerseam, 0x5c, 48);
	t->tee_tcb_svn[0] = 3; /* the TDX module's SVN */
	t->tee_tcb_svn[1] = 1; /* its major version: identity TDX_01 */
	for (int i = 2; i < 16; i++) t->tee_tcb_svn[i] = 2;
	memset(t->qe_mrsigner, 0xdc, 32);
	t->qe_isvprodid = 2;
	t->qe_isvsvn = 4;
	t->made = now;
	int64_t nb = now - DAY, na = now + YEARS10;
	const char *root = "Intel SGX Root CA", *ca = "Intel SGX PCK Platform CA";
	TT((t->root_c = cert_new(root, t->root, root, 1, nb, na)));
	TT(X509_sign(t->root_c, t->root, EVP_sha256()) > 0);
	TT((t->pck_ca_c = cert_new(ca, t->pck_ca, root, 2, nb, na)));
	TT(X509_sign(t->pck_ca_c, t->root, EVP_sha256()) > 0);
	TT((t->signing_c = cert_new("Intel SGX TCB Signing", t->signing, root, 3, nb, na)));
	TT(X509_sign(t->signing_c, t->root, EVP_sha256()) > 0);
	TT((t->pck_c = cert_new("Intel SGX PCK Certificate", t->pck, ca, TDX_SERIAL_PCK, nb, na)));
	svm_buf_t ext = {0};
	TT(sgx_extension(t, &ext) == 0 && add_ext(t->pck_c, SGX_OID, ext.data, ext.len) == 0);
	svm_buf_free(&ext);
	TT(X509_sign(t->pck_c, t->pck_ca, EVP_sha256()) > 0);
	TT(pem_append(&t->pck_chain_pem, t->pck_c) == 0 && pem_append(&t->pck_chain_pem, t->pck_ca_c) == 0 &&
	   pem_append(&t->pck_chain_pem, t->root_c) == 0);
	return 0;
}

int tt_tdx_root_sha256(const tt_tdx_t *t, svm_hash_t *out) { return der_sha256(t->root_c, out); }

void tt_tdx_free(tt_tdx_t *t)
{
	X509_free(t->root_c);
	X509_free(t->pck_ca_c);
	X509_free(t->pck_c);
	X509_free(t->signing_c);
	EVP_PKEY *k[] = {t->root, t->pck_ca, t->pck, t->signing, t->att};
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) EVP_PKEY_free(k[i]);
	svm_buf_free(&t->pck_chain_pem);
	memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------ Intel TDX: collateral */

static int crl_der(X509 *issuer, EVP_PKEY *key, int64_t last, int64_t next, long revoked,
		   svm_buf_t *out)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *lu = ASN1_TIME_set(NULL, (time_t)last), *nu = ASN1_TIME_set(NULL, (time_t)next);
	TT(crl && lu && nu && X509_CRL_set_version(crl, 1) == 1);
	TT(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) == 1);
	TT(X509_CRL_set1_lastUpdate(crl, lu) == 1 && X509_CRL_set1_nextUpdate(crl, nu) == 1);
	if (revoked) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *sn = ASN1_INTEGER_new();
		TT(r && sn && ASN1_INTEGER_set(sn, revoked) == 1 && X509_REVOKED_set_serialNumber(r, sn) == 1);
		TT(X509_REVOKED_set_revocationDate(r, lu) == 1 && X509_CRL_add0_revoked(crl, r) == 1);
		ASN1_INTEGER_free(sn);
	}
	TT(X509_CRL_sort(crl) == 1 && X509_CRL_sign(crl, key, EVP_sha256()) > 0);
	unsigned char *der = NULL;
	int n = i2d_X509_CRL(crl, &der);
	TT(n > 0 && svm_buf_append(out, der, (size_t)n) == 0);
	OPENSSL_free(der);
	ASN1_TIME_free(lu);
	ASN1_TIME_free(nu);
	X509_CRL_free(crl);
	return 0;
}

static void utc(int64_t t, char out[21])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void hexs(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02X", p[i]);
}

static int svn_list(char *out, size_t cap, const uint8_t *svn)
{
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		int w = snprintf(out + o, cap - o, "%s{\"svn\":%u}", i ? "," : "", svn[i]);
		TT(w > 0 && (size_t)w < cap - o);
		o += (size_t)w;
	}
	return 0;
}

/* The TCB info body (TDX, version 3) exactly as it is signed. */
static int tcb_info(const tt_tdx_t *t, const tt_tdx_col_opt_t *o, char *out, size_t cap)
{
	char is[21], nu[21], fm[13], pce[5], ms[97], sgx[400], tdx[400];
	utc(o->issued, is);
	utc(o->next_update, nu);
	hexs(t->fmspc, 6, fm);
	hexs(t->pceid, 2, pce);
	hexs(t->mrsignerseam, 48, ms);
	uint8_t tdxc[16] = {0};
	for (int i = 2; i < 16; i++) tdxc[i] = t->tee_tcb_svn[i]; /* bytes 0–1: the module's */
	TT(svn_list(sgx, sizeof sgx, t->cpusvn) == 0 && svn_list(tdx, sizeof tdx, tdxc) == 0);
	const char *st = o->status ? o->status : "UpToDate";
	int n = snprintf(out, cap,
			 "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\","
			 "\"fmspc\":\"%s\",\"pceId\":\"%s\",\"tcbType\":0,\"tcbEvaluationDataNumber\":%llu,"
			 "\"tdxModule\":{\"mrsigner\":\"%s\",\"attributes\":\"0000000000000000\","
			 "\"attributesMask\":\"FFFFFFFFFFFFFFFF\"},"
			 "\"tdxModuleIdentities\":[{\"id\":\"TDX_01\",\"mrsigner\":\"%s\","
			 "\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\","
			 "\"tcbLevels\":[{\"tcb\":{\"isvsvn\":%u},\"tcbDate\":\"%s\",\"tcbStatus\":\"UpToDate\"}]}],"
			 "\"tcbLevels\":[{\"tcb\":{\"sgxtcbcomponents\":[%s],\"pcesvn\":%u,"
			 "\"tdxtcbcomponents\":[%s]},\"tcbDate\":\"%s\",\"tcbStatus\":\"%s\"}]}",
			 is, nu, fm, pce, (unsigned long long)o->eval, ms, ms, t->tee_tcb_svn[0], is, sgx,
			 t->pcesvn, tdx, is, st);
	TT(n > 0 && (size_t)n < cap);
	return n;
}

/* The QE identity body (TD_QE, version 2) exactly as it is signed. */
static int qe_identity(const tt_tdx_t *t, const tt_tdx_col_opt_t *o, char *out, size_t cap)
{
	char is[21], nu[21], mr[65];
	utc(o->issued, is);
	utc(o->next_update, nu);
	hexs(t->qe_mrsigner, 32, mr);
	int n = snprintf(out, cap,
			 "{\"id\":\"TD_QE\",\"version\":2,\"issueDate\":\"%s\",\"nextUpdate\":\"%s\","
			 "\"tcbEvaluationDataNumber\":%llu,\"miscselect\":\"00000000\","
			 "\"miscselectMask\":\"FFFFFFFF\",\"attributes\":\"11000000000000000000000000000000\","
			 "\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\",\"mrsigner\":\"%s\","
			 "\"isvprodid\":%u,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":%u},\"tcbDate\":\"%s\","
			 "\"tcbStatus\":\"UpToDate\"}]}",
			 is, nu, (unsigned long long)o->eval, mr, t->qe_isvprodid, t->qe_isvsvn, is);
	TT(n > 0 && (size_t)n < cap);
	return n;
}

int tt_tdx_collateral(const tt_tdx_t *t, const tt_tdx_col_opt_t *opt, svm_buf_t *store,
		      svm_tdx_collateral_t *col)
{
	memset(col, 0, sizeof *col);
	svm_buf_reset(store);
	char ti[4096], qi[2048];
	int tl = tcb_info(t, opt, ti, sizeof ti), ql = qe_identity(t, opt, qi, sizeof qi);
	TT(tl > 0 && ql > 0);
	TT(ecdsa_raw(t->signing, EVP_sha256(), (const uint8_t *)ti, (size_t)tl, col->tcb_info_sig, 32) == 0);
	TT(ecdsa_raw(t->signing, EVP_sha256(), (const uint8_t *)qi, (size_t)ql, col->qe_identity_sig, 32) == 0);
	/* one buffer, then the slices (it does not move once filled) */
	size_t off[6], len[6];
	off[0] = store->len;
	TT(svm_buf_append(store, ti, (size_t)tl) == 0);
	off[1] = store->len;
	TT(svm_buf_append(store, qi, (size_t)ql) == 0);
	off[2] = store->len;
	TT(pem_append(store, t->signing_c) == 0 && pem_append(store, t->root_c) == 0);
	off[3] = store->len;
	TT(crl_der(t->root_c, t->root, opt->issued, opt->next_update, 0, store) == 0);
	off[4] = store->len;
	TT(crl_der(t->pck_ca_c, t->pck_ca, opt->issued, opt->next_update,
		   opt->revoke_pck ? TDX_SERIAL_PCK : 0, store) == 0);
	off[5] = store->len;
	TT(pem_append(store, t->pck_ca_c) == 0 && pem_append(store, t->root_c) == 0);
	for (int i = 0; i < 6; i++) len[i] = (i < 5 ? off[i + 1] : store->len) - off[i];
	svm_slice_t *dst[6] = {&col->tcb_info, &col->qe_identity, &col->signing_chain_pem,
			       &col->root_crl_der, &col->pck_crl_der, &col->pck_crl_chain_pem};
	for (int i = 0; i < 6; i++) *dst[i] = (svm_slice_t){store->data + off[i], len[i]};
	return 0;
}

/* ------------------------------------------------------------ Intel TDX: the quote */

static const uint8_t intel_qe_vendor[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
					    0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};

static int p256_xy(EVP_PKEY *k, uint8_t xy[64])
{
	uint8_t pt[65];
	size_t n = 0;
	TT(EVP_PKEY_get_octet_string_param(k, "encoded-pub-key", pt, sizeof pt, &n) == 1);
	TT(n == 65 && pt[0] == 4);
	memcpy(xy, pt + 1, 64);
	return 0;
}

/* The PCK chain with one bit of the leaf's signature flipped (re-encoded as canonical PEM). */
static int flipped_chain(const tt_tdx_t *t, svm_buf_t *out)
{
	unsigned char *der = NULL;
	int n = i2d_X509(t->pck_c, &der);
	TT(n > 0);
	der[n - 1] ^= 1; /* the last byte of the signature value */
	const unsigned char *q = der;
	X509 *c = d2i_X509(NULL, &q, n);
	TT(c && pem_append(out, c) == 0 && pem_append(out, t->pck_ca_c) == 0 &&
	   pem_append(out, t->root_c) == 0);
	X509_free(c);
	OPENSSL_free(der);
	return 0;
}

int tt_tdx_quote(const tt_tdx_t *t, const tt_quote_opt_t *opt, svm_buf_t *out)
{
	uint8_t hb[SVM_TDX_HEADER_SIZE + SVM_TDX_TD10_SIZE] = {0};
	put_u16le(hb, 4);        /* version */
	put_u16le(hb + 2, 2);    /* attestation key: ECDSA P-256 */
	put_u32le(hb + 4, 0x81); /* TEE: TDX */
	memcpy(hb + 12, intel_qe_vendor, 16);
	uint8_t *b = hb + SVM_TDX_HEADER_SIZE;
	memcpy(b, t->tee_tcb_svn, 16);
	memset(b + 16, 0x3e, 48); /* MRSEAM */
	memcpy(b + 64, t->mrsignerseam, 48);
	b[120] = opt->debug ? 1 : 0; /* TD_ATTRIBUTES */
	b[128] = 0xe7;               /* XFAM */
	if (opt->mrtd) memcpy(b + 136, opt->mrtd, 48);
	for (int i = 0; i < 4; i++) memset(b + 328 + 48 * i, 0x10 + i, 48); /* RTMR0–3 */
	if (opt->report_data) memcpy(b + 520, opt->report_data, 64);
	uint8_t sig[64], att[64], qe[SVM_TDX_QE_REPORT_SIZE] = {0}, qe_sig[64], auth[32];
	TT(ecdsa_raw(t->att, EVP_sha256(), hb, sizeof hb, sig, 32) == 0 && p256_xy(t->att, att) == 0);
	for (int i = 0; i < 32; i++) auth[i] = (uint8_t)i;
	/* the QE's SGX report body: CPUSVN, MISCSELECT, ATTRIBUTES, MRSIGNER, ISVPRODID, ISVSVN,
	 * REPORTDATA = SHA-256(attestation key ‖ QE auth data) ‖ 0^32 */
	memcpy(qe, t->cpusvn, 16);
	qe[48] = 0x11;
	memcpy(qe + 128, t->qe_mrsigner, 32);
	put_u16le(qe + 256, t->qe_isvprodid);
	put_u16le(qe + 258, t->qe_isvsvn);
	svm_sha256_ctx_t h;
	svm_sha256_init(&h);
	svm_sha256_update(&h, att, 64);
	svm_sha256_update(&h, auth, sizeof auth);
	svm_sha256_final(&h, (svm_hash_t *)(qe + 320));
	TT(ecdsa_raw(t->pck, EVP_sha256(), qe, sizeof qe, qe_sig, 32) == 0);
	svm_buf_t chain = {0};
	if (opt->flip_pck_sig) TT(flipped_chain(t, &chain) == 0);
	else TT(svm_buf_append(&chain, t->pck_chain_pem.data, t->pck_chain_pem.len) == 0);
	size_t cd5 = chain.len, cd6 = SVM_TDX_QE_REPORT_SIZE + 64 + 2 + sizeof auth + 6 + cd5;
	size_t sig_len = 64 + 64 + 6 + cd6;
	uint8_t u[6];
	TT(svm_buf_append(out, hb, sizeof hb) == 0);
	put_u32le(u, (uint32_t)sig_len);
	TT(svm_buf_append(out, u, 4) == 0 && svm_buf_append(out, sig, 64) == 0 &&
	   svm_buf_append(out, att, 64) == 0);
	put_u16le(u, 6);
	put_u32le(u + 2, (uint32_t)cd6);
	TT(svm_buf_append(out, u, 6) == 0 && svm_buf_append(out, qe, sizeof qe) == 0 &&
	   svm_buf_append(out, qe_sig, 64) == 0);
	put_u16le(u, sizeof auth);
	TT(svm_buf_append(out, u, 2) == 0 && svm_buf_append(out, auth, sizeof auth) == 0);
	put_u16le(u, 5);
	put_u32le(u + 2, (uint32_t)cd5);
	TT(svm_buf_append(out, u, 6) == 0 && svm_buf_append(out, chain.data, chain.len) == 0);
	svm_buf_free(&chain);
	return 0;
}

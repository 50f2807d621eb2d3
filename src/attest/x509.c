/* Strict certificate, CRL, signature and DER helpers for attestation evidence. OpenSSL does the
 * cryptography; everything that decides acceptance (exact lengths, canonical PEM, time windows
 * taken from the caller's "now") is checked here. */
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <limits.h>
#include <openssl/pem.h>
#include <string.h>
#include <time.h>

#include "attest/internal.h"

/* d2i_* take a long length and BIO_new_mem_buf an int: every length bounded by the evidence
 * maximum fits both. */
_Static_assert(SVM_ATTEST_EVIDENCE_MAX <= INT_MAX, "evidence lengths are passed as int");

X509 *att_cert_der(const uint8_t *p, size_t len, const char *what, svm_error_t *err)
{
	if (len == 0 || len > SVM_ATTEST_EVIDENCE_MAX) {
		svm_error_set(err, SVM_EDECODE, "%s: certificate length %zu out of range", what, len);
		return NULL;
	}
	const unsigned char *q = p;
	X509 *c = d2i_X509(NULL, &q, (long)len);
	ERR_clear_error();
	if (!c || (size_t)(q - p) != len) {
		X509_free(c);
		svm_error_set(err, SVM_EDECODE, "%s: not one DER certificate", what);
		return NULL;
	}
	SVM_ASSERT(q == p + len); /* the parser stopped exactly at the end, never past it */
	return c;
}

void att_chain_free(X509 **c, size_t n)
{
	for (size_t i = 0; i < n; i++) X509_free(c[i]);
}

/* Compares OpenSSL's PEM text w with the input at *pos, where the input may end each line
 * with "\r\n" instead of "\n" (AMD's KDS serves CRLF); advances past it. */
static bool pem_eq(const char *w, size_t wn, const uint8_t *p, size_t len, size_t *pos)
{
	size_t i = *pos;
	SVM_ASSERT(i <= len);
	for (size_t k = 0; k < wn; k++, i++) {
		if (w[k] == '\n' && i + 1 < len && p[i] == '\r' && p[i + 1] == '\n') i++;
		if (i >= len || p[i] != (uint8_t)w[k]) return false;
		/* one input byte per PEM byte, two for a CRLF: never more than 2 * (k + 1) */
		SVM_ASSERT(i - *pos >= k && i - *pos <= 2 * k + 1);
	}
	SVM_ASSERT(i <= len && i - *pos >= wn);
	*pos = i;
	return true;
}

/* Re-writes c as PEM and compares with the input at *pos; advances past it. */
static int pem_same(X509 *c, const uint8_t *p, size_t len, size_t *pos)
{
	BIO *b = BIO_new(BIO_s_mem());
	if (!b) return SVM_ENOMEM;
	int rc = SVM_EDECODE;
	char *w = NULL;
	size_t start = *pos;
	if (PEM_write_bio_X509(b, c) == 1) {
		long wn = BIO_get_mem_data(b, &w);
		if (wn > 0 && pem_eq(w, (size_t)wn, p, len, pos)) rc = 0;
	}
	/* a match consumes input (the chain reader's loop relies on it to end); a miss none */
	SVM_ASSERT(rc == 0 ? *pos > start && *pos <= len : *pos == start);
	BIO_free(b);
	return rc;
}

int att_chain_pem(const uint8_t *p, size_t len, X509 **out, size_t max, size_t *n,
		  const char *what, svm_error_t *err)
{
	*n = 0;
	SVM_ASSERT(max > 0);
	if (len == 0 || len > SVM_ATTEST_EVIDENCE_MAX)
		return svm_error_set(err, SVM_EDECODE, "%s: chain length %zu out of range", what, len);
	size_t body = len;
	if (p[len - 1] == 0) body--; /* a C string's terminator, as some quotes carry it */
	BIO *b = BIO_new_mem_buf(p, (int)body);
	if (!b) return svm_error_set(err, SVM_ENOMEM, "%s: out of memory", what);
	size_t pos = 0;
	int rc = 0;
	while (pos < body) {
		if (*n == max) {
			rc = svm_error_set(err, SVM_ELIMIT, "%s: more than %zu certificates", what, max);
			break;
		}
		X509 *c = PEM_read_bio_X509(b, NULL, NULL, NULL);
		ERR_clear_error();
		if (!c) {
			rc = svm_error_set(err, SVM_EDECODE, "%s: certificate %zu is not PEM", what, *n);
			break;
		}
		SVM_ASSERT(*n < max); /* the bound above, before the write */
		out[(*n)++] = c;
		if (pem_same(c, p, body, &pos) != 0) {
			rc = svm_error_set(err, SVM_EDECODE,
					   "%s: certificate %zu is not in canonical PEM form", what, *n - 1);
			break;
		}
	}
	BIO_free(b);
	/* accepted: the canonical re-encodings cover the input exactly */
	SVM_ASSERT(rc != 0 || pos == body);
	SVM_ASSERT(*n <= max);
	if (rc == 0 && *n == 0) rc = svm_error_set(err, SVM_EDECODE, "%s: no certificate", what);
	if (rc != 0) {
		att_chain_free(out, *n);
		*n = 0;
	}
	return rc;
}

int att_asn1_time(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return SVM_EDECODE;
	*out = (int64_t)timegm(&tm);
	return 0;
}

int att_cert_current(X509 *c, int64_t now, const char *what, int64_t *not_after, svm_error_t *err)
{
	int64_t nb, na;
	if (att_asn1_time(X509_get0_notBefore(c), &nb) != 0 ||
	    att_asn1_time(X509_get0_notAfter(c), &na) != 0)
		return svm_error_set(err, SVM_EDECODE, "%s: bad validity times", what);
	if (now < nb)
		return svm_error_set(err, SVM_EEXPIRED, "%s: not valid before %lld (now %lld)", what,
				     (long long)nb, (long long)now);
	if (now > na)
		return svm_error_set(err, SVM_EEXPIRED, "%s: expired at %lld (now %lld)", what,
				     (long long)na, (long long)now);
	SVM_ASSERT(nb <= now && now <= na); /* callers take na as an expiry not yet passed */
	if (not_after) *not_after = na;
	return 0;
}

int att_cert_signed_by(X509 *c, X509 *issuer, const char *what, svm_error_t *err)
{
	if (X509_NAME_cmp(X509_get_issuer_name(c), X509_get_subject_name(issuer)) != 0)
		return svm_error_set(err, SVM_ESIG, "%s: issuer name does not match its CA", what);
	EVP_PKEY *k = X509_get0_pubkey(issuer);
	int ok = k ? X509_verify(c, k) : -1;
	ERR_clear_error();
	if (ok != 1) return svm_error_set(err, SVM_ESIG, "%s: signature does not verify", what);
	return 0;
}

int att_cert_sha256(X509 *c, svm_hash_t *out)
{
	unsigned char *der = NULL;
	int n = i2d_X509(c, &der);
	if (n <= 0) return SVM_EDECODE;
	SVM_ASSERT(der != NULL);
	svm_sha256(der, (size_t)n, out);
	OPENSSL_free(der);
	return 0;
}

int att_cert_cn(X509 *c, char *out, size_t cap)
{
	SVM_ASSERT(cap >= 2 && cap <= INT_MAX); /* cap - 1 below must not wrap */
	int n = X509_NAME_get_text_by_NID(X509_get_subject_name(c), NID_commonName, out, (int)cap);
	ERR_clear_error();
	if (n <= 0 || (size_t)n >= cap - 1) return SVM_EDECODE;
	/* the callers compare it as a C string: terminated, of the length reported */
	SVM_ASSERT(strnlen(out, cap) == (size_t)n);
	return 0;
}

X509_CRL *att_crl_der(const uint8_t *p, size_t len, X509 *issuer, int64_t now, const char *what,
		      int64_t *next_update, svm_error_t *err)
{
	if (len == 0 || len > SVM_ATTEST_EVIDENCE_MAX) {
		svm_error_set(err, SVM_EDECODE, "%s: CRL length %zu out of range", what, len);
		return NULL;
	}
	const unsigned char *q = p;
	X509_CRL *crl = d2i_X509_CRL(NULL, &q, (long)len);
	ERR_clear_error();
	int64_t lu, nu;
	if (!crl || (size_t)(q - p) != len) {
		svm_error_set(err, SVM_EDECODE, "%s: not one DER CRL", what);
		goto fail;
	}
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0) {
		svm_error_set(err, SVM_ESIG, "%s: issued by another CA", what);
		goto fail;
	}
	int ok = X509_CRL_verify(crl, X509_get0_pubkey(issuer));
	ERR_clear_error();
	if (ok != 1) {
		svm_error_set(err, SVM_ESIG, "%s: signature does not verify", what);
		goto fail;
	}
	if (att_asn1_time(X509_CRL_get0_lastUpdate(crl), &lu) != 0 ||
	    att_asn1_time(X509_CRL_get0_nextUpdate(crl), &nu) != 0) {
		svm_error_set(err, SVM_EDECODE, "%s: bad update times", what);
		goto fail;
	}
	if (now < lu || now > nu) {
		svm_error_set(err, SVM_EEXPIRED, "%s: current only from %lld to %lld (now %lld)", what,
			      (long long)lu, (long long)nu, (long long)now);
		goto fail;
	}
	if (next_update) *next_update = nu;
	return crl;
fail:
	X509_CRL_free(crl);
	return NULL;
}

int att_crl_check(X509_CRL *crl, X509 *c, const char *what, svm_error_t *err)
{
	X509_REVOKED *rev = NULL;
	int r = X509_CRL_get0_by_cert(crl, &rev, c);
	ERR_clear_error();
	if (r == 1) return svm_error_set(err, SVM_EPERM, "%s: revoked", what);
	return 0;
}

int att_ecdsa_verify(EVP_PKEY *pk, const EVP_MD *md, const uint8_t *msg, size_t msg_len,
		     const uint8_t *r, const uint8_t *s, size_t n, const char *what, svm_error_t *err)
{
	/* r and s of a P-256 or P-384 signature; BN_bin2bn takes an int length */
	SVM_ASSERT(n == 32 || n == 48);
	int rc = SVM_ESIG;
	unsigned char *der = NULL;
	EVP_MD_CTX *ctx = NULL;
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(r, (int)n, NULL), *bs = BN_bin2bn(s, (int)n, NULL);
	if (!sig || !br || !bs || ECDSA_SIG_set0(sig, br, bs) != 1) {
		BN_free(br);
		BN_free(bs);
		rc = SVM_ENOMEM;
		goto out;
	}
	int dl = i2d_ECDSA_SIG(sig, &der);
	ctx = EVP_MD_CTX_new();
	if (dl <= 0 || !ctx) {
		rc = SVM_ENOMEM;
		goto out;
	}
	if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, pk) == 1 &&
	    EVP_DigestVerify(ctx, der, (size_t)dl, msg, msg_len) == 1)
		rc = 0;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	if (rc == SVM_ESIG) return svm_error_set(err, rc, "%s: signature does not verify", what);
	if (rc != 0) return svm_error_set(err, rc, "%s: out of memory", what);
	return 0;
}

EVP_PKEY *att_p256_key(const uint8_t xy[64])
{
	uint8_t pt[65];
	pt[0] = 0x04;
	memcpy(pt + 1, xy, 64);
	EVP_PKEY *pk = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!bld || !ctx ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt) != 1)
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (!params || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		pk = NULL;
		goto out;
	}
	/* fromdata does not check the point; a public-key check does. */
	EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	if (!chk || EVP_PKEY_public_check(chk) != 1) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	EVP_PKEY_CTX_free(chk);
out:
	ERR_clear_error();
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

/* ---------------------------------------------------------------- DER */

int att_der_next(att_der_t *d, uint8_t tag, const uint8_t **val, size_t *val_len)
{
	/* the subtractions below rely on the position never passing the end */
	SVM_ASSERT(d->pos <= d->len);
	if (d->len - d->pos < 2 || d->p[d->pos] != tag) return SVM_EDECODE;
	size_t i = d->pos + 1, n = d->p[i++];
	if (n & 0x80) {
		size_t k = n & 0x7f;
		if (k == 0 || k > 3 || d->len - i < k || d->p[i] == 0) return SVM_EDECODE;
		n = 0;
		for (size_t j = 0; j < k; j++) n = (n << 8) | d->p[i++];
		if (n < 0x80) return SVM_EDECODE; /* not minimal */
		SVM_ASSERT(n < (size_t)1 << 24 && i == d->pos + 2 + k);
	}
	SVM_ASSERT(i <= d->len);
	if (d->len - i < n) return SVM_EDECODE;
	*val = d->p + i;
	*val_len = n;
	d->pos = i + n;
	SVM_ASSERT(d->pos <= d->len);
	return 0;
}

int att_der_uint(const uint8_t *v, size_t n, uint64_t *out)
{
	if (n == 0 || (v[0] & 0x80)) return SVM_EDECODE;
	if (n > 1 && v[0] == 0 && !(v[1] & 0x80)) return SVM_EDECODE; /* not minimal */
	if (v[0] == 0) {
		v++;
		n--;
	}
	/* minimal: after the sign byte, no leading zero (the value 0 is the sign byte alone) */
	SVM_ASSERT(n == 0 || v[0] != 0);
	if (n > 8) return SVM_EDECODE;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) x = (x << 8) | v[i];
	*out = x;
	return 0;
}

int svm_attest_parse_time(const char *s, size_t len, int64_t *out)
{
	/* YYYY-MM-DDTHH:MM:SSZ */
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	if (len != sizeof shape - 1) return SVM_EDECODE;
	for (size_t i = 0; i < len; i++) {
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return SVM_EDECODE;
	}
#define NUM(a, n) ({ int v_ = 0; for (int k_ = 0; k_ < (n); k_++) v_ = v_ * 10 + (s[(a) + k_] - '0'); v_; })
	struct tm tm = {0};
	tm.tm_year = NUM(0, 4) - 1900;
	tm.tm_mon = NUM(5, 2) - 1;
	tm.tm_mday = NUM(8, 2);
	tm.tm_hour = NUM(11, 2);
	tm.tm_min = NUM(14, 2);
	tm.tm_sec = NUM(17, 2);
#undef NUM
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > mdays[tm.tm_mon] ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
		return SVM_EDECODE;
	struct tm back = tm;
	time_t t = timegm(&tm);
	if (tm.tm_mday != back.tm_mday) return SVM_EDECODE; /* Feb 29 of a common year */
	*out = (int64_t)t;
	return 0;
}

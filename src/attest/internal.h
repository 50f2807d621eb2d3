/* Attestation internals: strict certificate, CRL and signature helpers over OpenSSL libcrypto
 * shared by the SNP and TDX verifiers. Every function takes "now" as an argument. */
#ifndef SUPERVM_ATTEST_INTERNAL_H
#define SUPERVM_ATTEST_INTERNAL_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "supervm/attest.h"

/* One DER certificate occupying exactly len bytes. NULL (err filled) otherwise. */
X509 *att_cert_der(const uint8_t *p, size_t len, const char *what, svm_error_t *err);
/* A PEM chain in the canonical form OpenSSL writes (64-column base64; "\n" or "\r\n" line ends), optionally
 * followed by one NUL byte: anything else (a changed byte included) is SVM_EDECODE. Fills
 * out[0..*n) (caller frees each with X509_free). */
int att_chain_pem(const uint8_t *p, size_t len, X509 **out, size_t max, size_t *n,
		  const char *what, svm_error_t *err);
void att_chain_free(X509 **c, size_t n);
/* now inside [notBefore, notAfter]; SVM_EEXPIRED otherwise. *not_after (if not NULL) set. */
int att_cert_current(X509 *c, int64_t now, const char *what, int64_t *not_after, svm_error_t *err);
/* c names issuer as its issuer and issuer's key verifies c's signature. */
int att_cert_signed_by(X509 *c, X509 *issuer, const char *what, svm_error_t *err);
/* SHA-256 of the certificate's DER. */
int att_cert_sha256(X509 *c, svm_hash_t *out);
/* The subject's common name into out (NUL-terminated); SVM_EDECODE when absent or too long. */
int att_cert_cn(X509 *c, char *out, size_t cap);
/* One DER CRL occupying exactly len bytes, signed by issuer, current at now. */
X509_CRL *att_crl_der(const uint8_t *p, size_t len, X509 *issuer, int64_t now, const char *what,
		      int64_t *next_update, svm_error_t *err);
/* SVM_EPERM when c's serial is listed in crl. */
int att_crl_check(X509_CRL *crl, X509 *c, const char *what, svm_error_t *err);
/* ECDSA over msg with md, r and s big-endian of n bytes each. SVM_ESIG when it does not verify. */
int att_ecdsa_verify(EVP_PKEY *pk, const EVP_MD *md, const uint8_t *msg, size_t msg_len,
		     const uint8_t *r, const uint8_t *s, size_t n, const char *what, svm_error_t *err);
/* A P-256 public key from x‖y (64 bytes). NULL when the point is not on the curve. */
EVP_PKEY *att_p256_key(const uint8_t xy[64]);
/* Unix seconds of an ASN1_TIME. */
int att_asn1_time(const ASN1_TIME *t, int64_t *out);

/* The TCB info and QE identity evaluation of svm_tdx_verify without their signatures, against
 * res->quote, res->fmspc and a PCK with all-zero SVNs: for the fuzz target, never for acceptance. */
int att_tdx_eval_collateral(svm_slice_t tcb_info, svm_slice_t qe_identity, const uint8_t *qe_report,
			    int64_t now, svm_tdx_result_t *res, svm_error_t *err);

/* A bounded DER reader for the few structures OpenSSL does not name (AMD and Intel extensions). */
typedef struct {
	const uint8_t *p;
	size_t len, pos;
} att_der_t;
/* Reads one TLV of the given tag (short or long definite length, minimal); *val and *val_len are
 * its contents. SVM_EDECODE on any other tag or a malformed length. */
int att_der_next(att_der_t *d, uint8_t tag, const uint8_t **val, size_t *val_len);
/* A non-negative DER INTEGER that fits in u64. */
int att_der_uint(const uint8_t *v, size_t n, uint64_t *out);

#endif

/* Test PKIs of the real shape for TEE evidence, built with OpenSSL in the test: an AMD chain
 * (ARK → ASK → P-384 VCEK with AMD's TCB extensions) that signs SEV-SNP reports, and an Intel
 * chain (root CA → PCK platform CA → PCK with the SGX extension; a TCB signing certificate)
 * with its collateral (TCB info and QE identity JSON signed on their exact bytes, root CA and
 * PCK CRLs) that signs DCAP v4 TDX quotes. Only who holds the keys differs from production:
 * a chain pinning these roots accepts the evidence as it would a CPU's. Test-only: never in
 * src/. Functions return 0, or -1 after printing what failed to stderr. */
#ifndef SUPERVM_TESTS_TEETEST_H
#define SUPERVM_TESTS_TEETEST_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "supervm/attest.h"

/* ------------------------------------------------------------ AMD SEV-SNP */

typedef struct {
	EVP_PKEY *ark, *ask, *vcek;
	X509 *ark_c, *ask_c, *vcek_c;
	uint8_t *vcek_der;
	size_t vcek_der_len;
	svm_buf_t chain_pem; /* ASK then ARK, canonical PEM (what put_snp_chain stores) */
	uint8_t hwid[64];
	uint64_t tcb; /* the VCEK's TCB in Milan's layout */
} tt_snp_t;

/* ARK-Milan (self-signed) → SEV-Milan → a VCEK (P-384, productName Milan-B0, the four SPLs, a
 * 64-byte hwID), RSA-PSS/SHA-384 links, valid from now − 1 day for 10 years. */
int tt_snp_make(tt_snp_t *a, int64_t now);
void tt_snp_free(tt_snp_t *a);
/* SHA-256 of the ARK's DER: the pin. */
int tt_snp_ark_sha256(const tt_snp_t *a, svm_hash_t *out);
/* A version-2 ATTESTATION_REPORT with this report data, measurement and policy, reported TCB
 * and chip id the VCEK's, signed by the VCEK key (r and s little-endian), as the AMD secure
 * processor writes it. */
int tt_snp_report(const tt_snp_t *a, const uint8_t report_data[64], const uint8_t meas[48],
		  uint64_t policy, uint8_t out[SVM_SNP_REPORT_SIZE]);
/* Signs an SNP report in place (bytes 0..0x29F) with a P-384 key. */
int tt_snp_sign(EVP_PKEY *vcek, uint8_t report[SVM_SNP_REPORT_SIZE]);

/* ------------------------------------------------------------ Intel TDX */

typedef struct {
	EVP_PKEY *root, *pck_ca, *pck, *signing, *att;
	X509 *root_c, *pck_ca_c, *pck_c, *signing_c;
	svm_buf_t pck_chain_pem; /* PCK, platform CA, root: the quote's certification data type 5 */
	uint8_t fmspc[6], pceid[2];
	uint8_t cpusvn[16]; /* the PCK's 16 SGX TCB components */
	uint16_t pcesvn;
	uint8_t mrsignerseam[48], tee_tcb_svn[16];
	uint8_t qe_mrsigner[32];
	uint16_t qe_isvprodid, qe_isvsvn;
	int64_t made; /* the certificates' notBefore + 1 day */
} tt_tdx_t;

/* Root CA (self-signed), PCK platform CA, PCK (SGX extension: PPID, 16 TCB components, PCE SVN,
 * CPUSVN, PCE id, FMSPC, SGX type) and TCB signing certificate, all ECDSA P-256/SHA-256, valid
 * from now − 1 day for 10 years, plus the TD's attestation key. */
int tt_tdx_make(tt_tdx_t *t, int64_t now);
void tt_tdx_free(tt_tdx_t *t);
int tt_tdx_root_sha256(const tt_tdx_t *t, svm_hash_t *out);

/* One collateral set as Intel's PCS would serve it for this PKI's platform. */
typedef struct {
	int64_t issued, next_update; /* TCB info, QE identity and both CRLs */
	uint64_t eval;               /* tcbEvaluationDataNumber */
	const char *status;          /* the platform's TCB level's status (NULL: "UpToDate") */
	bool revoke_pck;             /* the PCK's serial in the PCK CRL */
} tt_tdx_col_opt_t;

/* The set into *store (caller frees), *col pointing into it: TCB info (TDX v3: tdxModule,
 * TDX_01's identity, one platform level the PCK and the quote meet) and QE identity (TD_QE v2)
 * signed by the TCB signing key over their exact bytes, the signing chain, the root CA CRL and
 * the PCK CRL (signed by the root and the platform CA), and the PCK CRL's issuer chain. */
int tt_tdx_collateral(const tt_tdx_t *t, const tt_tdx_col_opt_t *opt, svm_buf_t *store,
		      svm_tdx_collateral_t *col);

typedef struct {
	const uint8_t *report_data; /* 64 bytes (NULL: zero) */
	const uint8_t *mrtd;        /* 48 bytes (NULL: zero) */
	bool debug;                 /* TD_ATTRIBUTES.DEBUG */
	bool flip_pck_sig;          /* one bit of the PCK certificate's signature flipped */
} tt_quote_opt_t;

/* A DCAP v4 quote (appended to out): header, TD 1.0 report body (TEE TCB SVN, MRSEAM,
 * MRSIGNERSEAM, MRTD, RTMR0–3, REPORTDATA), signed by the attestation key; the QE report
 * binding that key (SHA-256(key ‖ QE auth data) ‖ 0^32) signed by the PCK key; the PCK chain. */
int tt_tdx_quote(const tt_tdx_t *t, const tt_quote_opt_t *opt, svm_buf_t *out);

#endif

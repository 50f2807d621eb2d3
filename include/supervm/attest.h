/* SuperVM attestation: offline verification of TEE evidence on OpenSSL libcrypto — AMD SEV-SNP
 * attestation reports (VCEK/VLEK, ASK, pinned ARK) and Intel TDX DCAP quotes v4/v5 (PCK chain to a
 * pinned Intel root, TCB info, QE identity and CRLs verified on their exact bytes, TCB status
 * computed as the collateral defines). docs/attestation.md describes formats and rules.
 *
 * "Now" is always a parameter (the block time in unix seconds); nothing here reads the clock.
 * Every function is pure over its inputs, allocates only what it frees before returning, and is
 * safe from any thread. Failures return a negative SVM_E… code and name the failed check in err:
 *   SVM_EDECODE  malformed report/quote/certificate/collateral (or trailing bytes)
 *   SVM_ESIG     a signature does not verify (report, quote, QE report, certificate, CRL,
 *                TCB info, QE identity)
 *   SVM_EEXPIRED "now" is outside a certificate's, CRL's or collateral's validity window
 *   SVM_EPERM    a root is not pinned, a certificate is revoked, the TCB status is not accepted
 *   SVM_EPROOF   a binding does not hold (TCB/chip id vs VCEK, QE report data vs attestation key,
 *                FMSPC/PCE id vs TCB info, QE identity, report data vs the expected bytes)
 *   SVM_EUNSUPPORTED a valid but unsupported version, key type, product or signing key */
#ifndef SUPERVM_ATTEST_H
#define SUPERVM_ATTEST_H

#include "supervm/base.h"
#include "supervm/crypto.h"

/* ------------------------------------------------------------ limits */

#define SVM_ATTEST_EVIDENCE_MAX (64u * 1024) /* any one report, quote, certificate or collateral */
#define SVM_ATTEST_PINS_MAX 8                /* pinned roots per vendor */
#define SVM_ATTEST_TCB_LEVELS_MAX 64         /* TCB levels in one TCB info / QE identity */

/* Pinned roots: SHA-256 of the root certificate's DER. A chain is accepted only when its root
 * hashes to one of these (the chain configuration's choice; svm_attest_pins_default holds AMD's
 * Milan, Genoa and Turin ARKs and Intel's SGX Root CA). */
typedef struct {
	size_t n_amd_ark;
	svm_hash_t amd_ark[SVM_ATTEST_PINS_MAX];
	size_t n_intel_root;
	svm_hash_t intel_root[SVM_ATTEST_PINS_MAX];
} svm_attest_pins_t;

/* The built-in pins (static storage, never NULL). */
const svm_attest_pins_t *svm_attest_pins_default(void);

/* ------------------------------------------------------------ SEV-SNP */

#define SVM_SNP_REPORT_SIZE 0x4A0
#define SVM_SNP_SIGNED_SIZE 0x2A0 /* the report's bytes the signature covers */

enum { SVM_SNP_KEY_VCEK = 0, SVM_SNP_KEY_VLEK = 1, SVM_SNP_KEY_NONE = 7 };

/* An SNP attestation report (AMD SEV-SNP ABI, ATTESTATION_REPORT, versions 2 to 5). TCB versions
 * are the raw little-endian u64 (the layout of their fields depends on the product). */
typedef struct {
	uint32_t version, guest_svn;
	uint64_t policy;
	uint8_t family_id[16], image_id[16];
	uint32_t vmpl, sig_algo;
	uint64_t current_tcb, platform_info;
	uint32_t key_info; /* author_key_en bit 0, mask_chip_key bit 1, signing_key bits 2..4 */
	uint8_t report_data[64], measurement[48], host_data[32], id_key_digest[48];
	uint8_t author_key_digest[48], report_id[32], report_id_ma[32];
	uint64_t reported_tcb, committed_tcb, launch_tcb;
	uint8_t chip_id[64];
	uint8_t sig_r[48], sig_s[48]; /* big-endian (converted from the report's little-endian) */
} svm_snp_report_t;

/* Parses exactly SVM_SNP_REPORT_SIZE bytes: known version, signature algorithm 1 (ECDSA P-384
 * SHA-384), the r/s padding and the unsigned tail all zero. SVM_EDECODE/SVM_EUNSUPPORTED. */
int svm_snp_report_parse(const uint8_t *p, size_t len, svm_snp_report_t *out, svm_error_t *err);

/* What a successful SNP verification established. */
typedef struct {
	svm_snp_report_t report;
	char product[16];     /* from the VCEK/VLEK ("Milan", "Genoa", "Turin") */
	int signing_key;      /* SVM_SNP_KEY_VCEK or _VLEK */
	svm_hash_t ark_sha256; /* the pinned root that anchored the chain */
} svm_snp_result_t;

/* Verifies an SNP report as of now_unix: the report's signature by the VCEK/VLEK (DER), its TCB
 * extensions equal to the report's reported TCB (and, for a VCEK, hwID equal to the chip id),
 * the key certificate signed by the ASK, the ASK by the ARK, the ARK self-signed (RSA-PSS
 * SHA-384 throughout) and pinned, every certificate valid at now_unix. A debuggable guest's
 * report verifies (it is genuine); acceptance rules reject it (svm_snp_debuggable). chain_pem holds the ASK
 * then the ARK (AMD's "cert_chain" / ask_ark_*.pem). res may be NULL. */
int svm_snp_verify(const uint8_t *report, size_t report_len, const uint8_t *key_der,
		   size_t key_der_len, const uint8_t *chain_pem, size_t chain_pem_len, int64_t now_unix,
		   const svm_attest_pins_t *pins, svm_snp_result_t *res, svm_error_t *err);

/* Verifies only the AMD chain (key certificate → ASK → pinned ARK) as of now_unix. */
int svm_snp_verify_chain(const uint8_t *key_der, size_t key_der_len, const uint8_t *chain_pem,
			 size_t chain_pem_len, int64_t now_unix, const svm_attest_pins_t *pins,
			 svm_snp_result_t *res, svm_error_t *err);

/* Whether the guest policy lets a debugger read the guest (policy bit 19): such a report says
 * nothing about what ran inside. */
static inline bool svm_snp_debuggable(const svm_snp_report_t *r) { return (r->policy >> 19) & 1; }

/* ------------------------------------------------------------ TDX */

#define SVM_TDX_HEADER_SIZE 48
#define SVM_TDX_TD10_SIZE 584
#define SVM_TDX_TD15_SIZE 648
#define SVM_TDX_QE_REPORT_SIZE 384
#define SVM_TDX_PCK_CHAIN_MAX 4

/* A TDX DCAP quote (v4, or v5 with a TD 1.0 or TD 1.5 body), the signed parts copied and the
 * certification data borrowed from the input buffer. */
typedef struct {
	uint16_t version, att_key_type;
	uint32_t tee_type;
	uint8_t qe_vendor_id[16], user_data[20];
	uint16_t body_type; /* 2 = TD 1.0, 3 = TD 1.5 (v4 quotes are always 2) */
	uint8_t tee_tcb_svn[16], mrseam[48], mrsignerseam[48], seam_attributes[8];
	uint8_t td_attributes[8], xfam[8], mrtd[48], mrconfigid[48], mrowner[48], mrownerconfig[48];
	uint8_t rtmr[4][48], report_data[64];
	uint8_t tee_tcb_svn2[16], mrservicetd[48]; /* TD 1.5 only (zero otherwise) */
	const uint8_t *signed_p;                    /* header and body: what the quote signature covers */
	size_t signed_len;
	uint8_t sig[64], att_key[64];               /* r‖s and x‖y, big-endian */
	uint8_t qe_report[SVM_TDX_QE_REPORT_SIZE], qe_report_sig[64];
	const uint8_t *qe_auth;
	size_t qe_auth_len;
	const uint8_t *pck_pem; /* the PCK chain, PEM, leaf first (certification data type 5) */
	size_t pck_pem_len;
	size_t quote_len;       /* bytes the structure occupies */
} svm_tdx_quote_t;

/* Whether TD_ATTRIBUTES.DEBUG is set (the host can read and change the TD). */
static inline bool svm_tdx_debuggable(const svm_tdx_quote_t *q) { return q->td_attributes[0] & 1; }

/* Parses a quote that occupies exactly len bytes (SVM_EDECODE on trailing bytes; see
 * svm_tdx_quote_size). The result borrows p. */
int svm_tdx_quote_parse(const uint8_t *p, size_t len, svm_tdx_quote_t *out, svm_error_t *err);
/* The length the quote's own structure declares (so a caller holding a padded buffer can cut
 * it); SVM_EDECODE when p does not hold a whole quote. */
int svm_tdx_quote_size(const uint8_t *p, size_t len, size_t *out);

/* TDX collateral, as Intel's PCS serves it: the exact bytes of the TCB info and QE identity JSON
 * bodies with their ECDSA P-256 signatures, the TCB signing chain (PEM: signing cert, root), the
 * root CA CRL and the PCK CRL (DER) and the PCK CRL's issuer chain (PEM). Borrowed bytes. */
typedef struct {
	svm_slice_t tcb_info;    /* the "tcbInfo" object's bytes exactly as signed */
	uint8_t tcb_info_sig[64];
	svm_slice_t qe_identity; /* the "enclaveIdentity" object's bytes exactly as signed */
	uint8_t qe_identity_sig[64];
	svm_slice_t signing_chain_pem;
	svm_slice_t root_crl_der, pck_crl_der;
	svm_slice_t pck_crl_chain_pem; /* may be empty: the quote's own chain then issues the CRL */
} svm_tdx_collateral_t;

/* Parses dcap-qvl's collateral JSON (fields tcb_info, tcb_info_signature, tcb_info_issuer_chain,
 * qe_identity, qe_identity_signature, root_ca_crl, pck_crl, pck_crl_issuer_chain), copying the
 * bytes into *store (owned by the caller; svm_buf_free it) and pointing col into it. */
int svm_tdx_collateral_from_json(const uint8_t *json, size_t len, svm_buf_t *store,
				 svm_tdx_collateral_t *col, svm_error_t *err);
/* Cuts Intel PCS's {"tcbInfo":{…},"signature":"…"} (or "enclaveIdentity") response into the
 * signed body and its signature, without re-serializing the JSON. body borrows resp. */
int svm_tdx_pcs_split(const uint8_t *resp, size_t len, const char *key, svm_slice_t *body,
		      uint8_t sig[64], svm_error_t *err);

/* TCB statuses, ordered from best to worst. */
typedef enum {
	SVM_TCB_UP_TO_DATE = 0,
	SVM_TCB_SW_HARDENING_NEEDED,
	SVM_TCB_CONFIGURATION_NEEDED,
	SVM_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
	SVM_TCB_OUT_OF_DATE,
	SVM_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
	SVM_TCB_REVOKED,
	SVM_TCB_UNRECOGNIZED
} svm_tcb_status_t;

const char *svm_tcb_status_name(svm_tcb_status_t s); /* Intel's spelling ("UpToDate", …) */
/* Parses Intel's spelling; SVM_EDECODE for anything else. */
int svm_tcb_status_parse(const char *s, svm_tcb_status_t *out);

typedef struct {
	svm_tdx_quote_t quote;
	svm_tcb_status_t status;          /* the final status (platform, TDX module and QE merged) */
	svm_tcb_status_t platform_status; /* the TCB level matched by the PCK and TEE TCB SVNs */
	svm_tcb_status_t qe_status;
	svm_tcb_status_t module_status;
	uint8_t fmspc[6];
	int64_t collateral_expiry; /* the earliest next-update / not-after among what was used */
} svm_tdx_result_t;

/* Verifies a TDX quote as of now_unix against the collateral: the quote signature by the
 * attestation key, the QE report signed by the PCK key and binding the attestation key and QE
 * auth data, the PCK chain to a pinned Intel root, the PCK and its CA not revoked (CRLs signed
 * and current), TCB info and QE identity signed by the TCB signing key under the same root and
 * current, FMSPC/PCE id matched, the QE matched to its identity, and the TCB status computed.
 * A debuggable TD's quote verifies; acceptance rules reject it (svm_tdx_debuggable).
 * Returns 0 when everything verifies and status ≤ max_status, SVM_EPERM when the evidence
 * verifies but its status is worse (res is filled either way). res may be NULL. */
int svm_tdx_verify(const uint8_t *quote, size_t quote_len, const svm_tdx_collateral_t *col,
		   int64_t now_unix, const svm_attest_pins_t *pins, svm_tcb_status_t max_status,
		   svm_tdx_result_t *res, svm_error_t *err);

/* Verifies what a quote proves without collateral: the PCK chain to a pinned root (current at
 * now_unix), the QE report's PCK signature and its binding of the attestation key, the quote's
 * signature. The TCB status stays SVM_TCB_UNRECOGNIZED:
 * this is not acceptance, only the part of it that needs no collateral. */
int svm_tdx_verify_quote(const uint8_t *quote, size_t quote_len, int64_t now_unix,
			 const svm_attest_pins_t *pins, svm_tdx_result_t *res, svm_error_t *err);

/* ------------------------------------------------------------ helpers */

/* Parses "YYYY-MM-DDTHH:MM:SSZ" (strict, UTC) into unix seconds. SVM_EDECODE otherwise. */
int svm_attest_parse_time(const char *s, size_t len, int64_t *out);

/* ------------------------------------------------------------ for chain state */

/* The product ("Milan", "Genoa", "Turin") a VCEK/VLEK certificate names and whether it is a
 * VLEK (no hwID): what a chain looks up the ASK/ASVK chain by. */
int svm_snp_key_info(const uint8_t *key_der, size_t key_der_len, char product[16], bool *vlek,
		     svm_error_t *err);
/* Verifies an AMD CA chain alone (PEM: ASK or ASVK, then ARK) as of now_unix: RSA-PSS links,
 * names SEV-<P> / SEV-VLEK-<P> under ARK-<P>, both current, the ARK pinned. Writes the
 * intermediate's CN ("SEV-Milan") and the earlier of the two not-after times. */
int svm_snp_verify_ca(const uint8_t *chain_pem, size_t chain_pem_len, int64_t now_unix,
		      const svm_attest_pins_t *pins, char ask_cn[32], int64_t *not_after,
		      svm_error_t *err);

/* What a TDX collateral set is, once verified without a quote. */
typedef struct {
	uint8_t fmspc[6];      /* the platform the TCB info is for */
	uint64_t tcb_eval;     /* tcbEvaluationDataNumber: higher is newer */
	int64_t issued;        /* the TCB info's issueDate */
	int64_t expiry;        /* the earliest next-update / not-after of everything in it */
} svm_tdx_collateral_info_t;

/* Verifies TDX collateral by itself as of now_unix (what a chain checks before storing it): the
 * TCB signing chain and the PCK CRL's issuer chain (required here) to a pinned root, the root CA
 * CRL (signed by the root; neither issuer revoked), the PCK CRL signed by its issuer, TCB info
 * and QE identity signed by the TCB signing key and current. Quote-specific checks (the PCK
 * not revoked, FMSPC, TCB levels, QE identity match) stay in svm_tdx_verify. */
int svm_tdx_collateral_check(const svm_tdx_collateral_t *col, int64_t now_unix,
			     const svm_attest_pins_t *pins, svm_tdx_collateral_info_t *info,
			     svm_error_t *err);

#endif

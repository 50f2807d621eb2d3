/* A worker's TEE evidence under a *test* key (`supervm worker --tee-test-key DIR`), for devnets
 * and end-to-end tests only: DIR holds what an SEV-SNP guest's secure processor and AMD's KDS
 * would give a worker — a report template and the VCEK certificate — with the VCEK's private
 * key in the processor's place. The worker fills REPORT_DATA with a job's binding hash and signs
 * the report with that key. A chain accepts such evidence only when its genesis (or a
 * governance proposal) pins the test's ARK: never a real chain's roots, never a default. */
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "supervm/ai.h"
#include "supervm/attest.h"

struct cli_tee_test {
	EVP_PKEY *key;                         /* the test VCEK's private key (P-384) */
	uint8_t report[SVM_SNP_REPORT_SIZE];   /* the template: everything but REPORT_DATA */
	uint8_t vcek[SVM_AI_TEE_EVIDENCE_MAX]; /* the VCEK certificate, DER */
	size_t vcek_len;
};

static int slurp(const char *dir, const char *name, uint8_t *out, size_t cap, size_t *len)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return SVM_ELIMIT;
	FILE *f = fopen(path, "rb");
	if (f == NULL) return SVM_ENOTFOUND;
	size_t n = fread(out, 1, cap, f);
	int extra = fgetc(f);
	fclose(f);
	if (extra != EOF) return SVM_ELIMIT;
	*len = n;
	return 0;
}

static EVP_PKEY *read_key(const char *dir)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s/vcek.key", dir) >= (int)sizeof path) return NULL;
	FILE *f = fopen(path, "rb");
	if (f == NULL) return NULL;
	EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	ERR_clear_error();
	return k;
}

int cli_tee_test_load(cli_args_t *a, const char *dir, cli_tee_test_t **out)
{
	cli_tee_test_t *t = svm_calloc(1, sizeof *t);
	if (t == NULL) return CLI_EXIT_FAIL;
	size_t rl = 0;
	int rc = 0;
	svm_snp_report_t rep;
	char product[16];
	bool vlek;
	const unsigned char *p = t->vcek;
	X509 *c = NULL;
	if (slurp(dir, "report.bin", t->report, sizeof t->report, &rl) || rl != SVM_SNP_REPORT_SIZE ||
	    svm_snp_report_parse(t->report, rl, &rep, NULL))
		rc = cli_fail(a, CLI_EXIT_USAGE, "--tee-test-key: %s/report.bin is not an SNP report", dir);
	else if (slurp(dir, "vcek.der", t->vcek, sizeof t->vcek, &t->vcek_len) ||
		 svm_snp_key_info(t->vcek, t->vcek_len, product, &vlek, NULL))
		rc = cli_fail(a, CLI_EXIT_USAGE, "--tee-test-key: %s/vcek.der is not a VCEK certificate", dir);
	else if ((t->key = read_key(dir)) == NULL || (c = d2i_X509(NULL, &p, (long)t->vcek_len)) == NULL ||
		 X509_check_private_key(c, t->key) != 1)
		rc = cli_fail(a, CLI_EXIT_USAGE, "--tee-test-key: %s/vcek.key is not the VCEK's private key",
			      dir);
	X509_free(c);
	ERR_clear_error();
	if (rc) {
		cli_tee_test_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void cli_tee_test_free(cli_tee_test_t *t)
{
	if (t == NULL) return;
	EVP_PKEY_free(t->key);
	svm_free(t);
}

/* ECDSA P-384/SHA-384 over the report's signed bytes; r and s little-endian at 0x2A0, as the
 * secure processor writes them. */
static int sign_report(EVP_PKEY *k, uint8_t *r)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	unsigned char der[160];
	size_t dl = sizeof der;
	ECDSA_SIG *sig = NULL;
	int rc = SVM_ESIG;
	if (m && EVP_DigestSignInit(m, NULL, EVP_sha384(), NULL, k) == 1 &&
	    EVP_DigestSign(m, der, &dl, r, SVM_SNP_SIGNED_SIZE) == 1) {
		const unsigned char *q = der;
		sig = d2i_ECDSA_SIG(NULL, &q, (long)dl);
	}
	uint8_t be[48];
	const BIGNUM *br = NULL, *bs = NULL;
	if (sig) ECDSA_SIG_get0(sig, &br, &bs);
	memset(r + SVM_SNP_SIGNED_SIZE, 0, SVM_SNP_REPORT_SIZE - SVM_SNP_SIGNED_SIZE);
	if (br && bs && BN_bn2binpad(br, be, 48) == 48) {
		for (int i = 0; i < 48; i++) r[SVM_SNP_SIGNED_SIZE + i] = be[47 - i];
		if (BN_bn2binpad(bs, be, 48) == 48) {
			for (int i = 0; i < 48; i++) r[SVM_SNP_SIGNED_SIZE + 72 + i] = be[47 - i];
			rc = 0;
		}
	}
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(m);
	ERR_clear_error();
	return rc;
}

int cli_tee_test_evidence(const cli_tee_test_t *t, const uint8_t report_data[64], svm_buf_t *out)
{
	uint8_t r[SVM_SNP_REPORT_SIZE];
	memcpy(r, t->report, sizeof r);
	memcpy(r + 0x50, report_data, 64); /* REPORT_DATA */
	int rc = sign_report(t->key, r);
	uint8_t kind = SVM_AI_TEE_SNP;
	if (rc == 0) rc = svm_buf_append(out, &kind, 1);
	if (rc == 0) rc = svm_buf_append(out, r, sizeof r);
	if (rc == 0) rc = svm_buf_append(out, t->vcek, t->vcek_len);
	return rc;
}

/* e2e-verify's helper: a test AMD chain of the real shape (tests/lib/teetest.c: ARK-Milan →
 * SEV-Milan → a P-384 VCEK with AMD's TCB extensions) written as the directory that
 * `supervm worker --tee-test-key DIR` reads — report.bin (an SNP report template: reported TCB
 * and chip id the VCEK's, MEASUREMENT, a non-debug policy), vcek.der, vcek.key (the VCEK's
 * private key, where a real guest has the AMD secure processor) — plus chain.pem (ASK then ARK,
 * for `attest put-snp`). Prints the ARK's SHA-256, the pin a test genesis lists.
 * Usage: tee_testkey DIR MEASUREMENT_HEX (96 hex digits). Test-only. */
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/teetest.h"

static int put(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(p, 1, n, f) == n;
	if (f && fclose(f) != 0) ok = 0;
	if (!ok) fprintf(stderr, "tee_testkey: cannot write %s\n", path);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	uint8_t meas[48], rd[64] = {0}, report[SVM_SNP_REPORT_SIZE];
	if (argc != 3 || strlen(argv[2]) != 96 || svm_hex_decode(meas, sizeof meas, argv[2]) != 0) {
		fprintf(stderr, "usage: tee_testkey DIR MEASUREMENT_HEX (96 hex digits)\n");
		return 2;
	}
	tt_snp_t a;
	svm_hash_t ark;
	if (tt_snp_make(&a, (int64_t)time(NULL)) || tt_snp_report(&a, rd, meas, 0x30000, report) ||
	    tt_snp_ark_sha256(&a, &ark))
		return 1;
	char path[4096];
	snprintf(path, sizeof path, "%s/vcek.key", argv[1]);
	FILE *f = fopen(path, "wb");
	int rc = !f || PEM_write_PrivateKey(f, a.vcek, NULL, NULL, 0, NULL, NULL) != 1;
	if (f && fclose(f) != 0) rc = 1;
	rc |= put(argv[1], "report.bin", report, sizeof report);
	rc |= put(argv[1], "vcek.der", a.vcek_der, a.vcek_der_len);
	rc |= put(argv[1], "chain.pem", a.chain_pem.data, a.chain_pem.len);
	char hex[65];
	svm_hash_hex(&ark, hex);
	if (rc == 0) printf("%s\n", hex);
	tt_snp_free(&a);
	return rc;
}

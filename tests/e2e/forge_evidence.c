/* e2e-econ's helper: the double-sign evidence a validator's consensus key produces by signing two
 * different vote hashes at one (epoch, height, round) — over exactly what consensus signs
 * (econ.h svm_vote_message, kind 0) — printed as the hex of its svm_evidence_t encoding, what
 * `supervm validator evidence OPERATOR --evidence HEX` takes (and svm_getEvidence lists as
 * "staking"). The "crafted evidence" of issue 10's end-to-end test: a real double vote needs
 * the validator's own misbehaving node, which a one-validator devnet does not have.
 * Usage: forge_evidence KEYFILE CHAIN_ID EPOCH HEIGHT ROUND [bad]  ("bad": a forged signature). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/crypto.h"
#include "supervm/econ.h"

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: %s KEYFILE CHAIN_ID EPOCH HEIGHT ROUND [bad]\n", argv[0]);
		return 2;
	}
	if (svm_crypto_init() != 0) return 1;
	svm_keypair_t kp;
	svm_error_t err = {0};
	if (svm_keyfile_read(argv[1], &kp, &err) != 0) {
		fprintf(stderr, "forge_evidence: %s\n", err.msg);
		return 1;
	}
	uint64_t chain = strtoull(argv[2], NULL, 10);
	svm_evidence_t e = {.epoch = strtoull(argv[3], NULL, 10), .height = strtoull(argv[4], NULL, 10), .round = strtoull(argv[5], NULL, 10), .kind = 0};
	memcpy(e.key, kp.public_key, 32);
	for (int i = 0; i < 2; i++) {
		memset(e.hash[i].b, 0x11 * (i + 1), 32); /* two different blocks' vote digests */
		uint8_t msg[SVM_VOTE_MESSAGE_SIZE];
		svm_vote_message(chain, e.epoch, e.height, e.round, e.kind, &e.hash[i], msg);
		svm_ed25519_sign(e.sig[i], msg, sizeof msg, kp.secret_key);
	}
	if (argc > 6 && strcmp(argv[6], "bad") == 0) e.sig[1][7] ^= 1;
	svm_buf_t b = {0};
	if (svm_evidence_encode(&e, &b) != 0) return 1;
	for (size_t i = 0; i < b.len; i++) printf("%02x", b.data[i]);
	printf("\n");
	svm_buf_free(&b);
	return 0;
}

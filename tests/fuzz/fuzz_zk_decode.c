/* libFuzzer target for the privacy layer's decoders: any 32 bytes must decode as a ristretto255
 * point exactly when libsodium says it is valid (and then re-encode to the same bytes) — except
 * that an encoding with bit 255 set is always rejected (RFC 9496: s >= p fails), which
 * libsodium 1.0.18 (Debian 12) accepts (this fuzzer found it); the
 * scalar check must agree with "below l"; any input as a range proof (m from the first byte)
 * or a balance proof must be rejected or accepted without crashing, and never accepted when
 * it is not exactly the proof's length. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/base.h"
#include "supervm/privacy.h"
#include "zk/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (sodium_init() < 0) abort();
	if (size >= 32) {
		ge_t p;
		int ours = ge_decode(&p, data) == 0;
		int theirs = crypto_core_ristretto255_is_valid_point(data) == 1 && !(data[31] & 0x80);
		if (ours != theirs) {
			fprintf(stderr, "decode disagrees with libsodium\n");
			abort();
		}
		if (ours) {
			uint8_t back[32];
			ge_encode(back, &p);
			if (memcmp(back, data, 32) != 0) abort();
		}
		uint8_t red[64] = {0}, r[32];
		memcpy(red, data, 32);
		crypto_core_ristretto255_scalar_reduce(r, red);
		int canonical = svm_zk_scalar_check(data) == 0;
		if (canonical != (memcmp(r, data, 32) == 0)) abort();
	}
	if (size >= 1) {
		size_t m = (size_t)1 << (data[0] % 6); /* 1..32 */
		uint8_t V[SVM_ZK_AGG_MAX][32];
		for (size_t j = 0; j < m; j++) {
			uint8_t w[64] = {0};
			w[0] = (uint8_t)j;
			crypto_core_ristretto255_from_hash(V[j], w);
		}
		int rc = svm_zk_range_verify(data + 1, size - 1, (const uint8_t(*)[32])V, m, NULL, 0);
		if (rc == 0) abort(); /* nobody can forge one for these commitments */
		if (size - 1 != svm_zk_range_proof_bytes(m) && rc != SVM_EDECODE) abort();
	}
	if (size >= 64 + 32) {
		size_t n = (size - 64) / 32;
		if (n > SVM_ZK_BALANCE_TERMS_MAX) n = SVM_ZK_BALANCE_TERMS_MAX;
		(void)svm_zk_balance_verify(data, (const uint8_t(*)[32])(data + 64), n, NULL, 0);
	}
	return 0;
}

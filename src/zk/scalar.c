/* Scalars mod l = 2^252 + 27742317777372353535851937790883648493 (libsodium's ristretto255
 * scalar arithmetic), the canonical-scalar check, and the prover's seeded scalar source. */
#include <sodium.h>
#include <string.h>

#include "supervm/base.h"
#include "zk/internal.h"

/* l, little-endian. */
static const uint8_t L_BYTES[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
				    0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
				    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

int svm_zk_scalar_check(const uint8_t s[32])
{
	for (int i = 31; i >= 0; i--) {
		if (s[i] < L_BYTES[i]) return 0;
		if (s[i] > L_BYTES[i]) return SVM_EDECODE;
	}
	return SVM_EDECODE; /* s == l */
}

void svm_zk_scalar_hash(uint8_t out[32], const uint8_t *data, size_t len)
{
	uint8_t h[64];
	crypto_hash_sha512(h, data, len);
	crypto_core_ristretto255_scalar_reduce(out, h);
	SVM_ASSERT(svm_zk_scalar_check(out) == 0); /* reduced: canonical */
}

void sc_add(uint8_t r[32], const uint8_t a[32], const uint8_t b[32])
{
	crypto_core_ristretto255_scalar_add(r, a, b);
}

void sc_sub(uint8_t r[32], const uint8_t a[32], const uint8_t b[32])
{
	crypto_core_ristretto255_scalar_sub(r, a, b);
}

void sc_mul(uint8_t r[32], const uint8_t a[32], const uint8_t b[32])
{
	crypto_core_ristretto255_scalar_mul(r, a, b);
}

void sc_neg(uint8_t r[32], const uint8_t a[32]) { crypto_core_ristretto255_scalar_negate(r, a); }

int sc_invert(uint8_t r[32], const uint8_t a[32])
{
	return crypto_core_ristretto255_scalar_invert(r, a) == 0 ? 0 : SVM_EINVAL;
}

void sc_from_u64(uint8_t r[32], uint64_t v)
{
	memset(r, 0, 32);
	for (int i = 0; i < 8; i++) r[i] = (uint8_t)(v >> (8 * i));
	SVM_ASSERT(svm_zk_scalar_check(r) == 0); /* 2^64 < l */
}

int sc_is_zero(const uint8_t a[32])
{
	uint8_t acc = 0;
	for (int i = 0; i < 32; i++) acc |= a[i];
	return acc == 0;
}

void sc_from_seed(uint8_t r[32], const uint8_t seed[32], const char *label, uint64_t counter)
{
	crypto_hash_sha512_state st;
	uint8_t h[64], c[8];
	for (int i = 0; i < 8; i++) c[i] = (uint8_t)(counter >> (8 * i));
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, (const uint8_t *)"svm/zk/prover-rng", 17);
	crypto_hash_sha512_update(&st, seed, 32);
	crypto_hash_sha512_update(&st, (const uint8_t *)label, strlen(label) + 1);
	crypto_hash_sha512_update(&st, c, 8);
	crypto_hash_sha512_final(&st, h);
	crypto_core_ristretto255_scalar_reduce(r, h);
	SVM_ASSERT(svm_zk_scalar_check(r) == 0);
}

/* Unit tests for ECVRF-EDWARDS25519-SHA512-TAI: RFC 9381 Appendix B.3 examples 16-18 from
 * tests/vectors/ecvrf (public key, proof, output, verification), and rejections: a proof for
 * another input or key, every single-bit change of a proof, a non-canonical s. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "supervm/vrf.h"

typedef struct {
	char name[32];
	uint8_t sk[32], pk[32], alpha[8], pi[80], beta[64];
	size_t alpha_len;
} vec_t;

static size_t load(vec_t *v, size_t max)
{
	FILE *f = fopen("tests/vectors/ecvrf/rfc9381-b3.txt", "r");
	cr_assert_not_null(f, "tests/vectors/ecvrf/rfc9381-b3.txt (run from the repository root)");
	char line[1024];
	size_t n = 0;
	while (n < max && fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n') continue;
		char name[32], sk[80], pk[80], alpha[32], h[80], pi[200], beta[140];
		cr_assert_eq(sscanf(line, "%31s %79s %79s %31s %79s %199s %139s", name, sk, pk, alpha, h,
				    pi, beta),
			     7);
		strcpy(v[n].name, name);
		cr_assert_eq(svm_hex_decode(v[n].sk, 32, sk), 0);
		cr_assert_eq(svm_hex_decode(v[n].pk, 32, pk), 0);
		cr_assert_eq(svm_hex_decode(v[n].pi, 80, pi), 0);
		cr_assert_eq(svm_hex_decode(v[n].beta, 64, beta), 0);
		v[n].alpha_len = strcmp(alpha, "-") == 0 ? 0 : strlen(alpha) / 2;
		if (v[n].alpha_len) cr_assert_eq(svm_hex_decode(v[n].alpha, v[n].alpha_len, alpha), 0);
		n++;
	}
	fclose(f);
	return n;
}

Test(vrf, rfc9381_b3_examples_16_to_18)
{
	cr_assert_eq(svm_crypto_init(), 0);
	vec_t v[3];
	cr_assert_eq(load(v, 3), 3);
	for (int i = 0; i < 3; i++) {
		svm_keypair_t kp;
		svm_keypair_from_seed(&kp, v[i].sk);
		cr_assert_eq(memcmp(kp.public_key, v[i].pk, 32), 0, "%s: public key", v[i].name);
		uint8_t pi[80], beta[64];
		cr_assert_eq(svm_vrf_prove(pi, v[i].sk, v[i].alpha, v[i].alpha_len), 0);
		cr_assert_eq(memcmp(pi, v[i].pi, 80), 0, "%s: proof", v[i].name);
		cr_assert_eq(svm_vrf_proof_to_hash(beta, pi), 0);
		cr_assert_eq(memcmp(beta, v[i].beta, 64), 0, "%s: output", v[i].name);
		memset(beta, 0, 64);
		cr_assert_eq(svm_vrf_verify(beta, v[i].pk, v[i].pi, v[i].alpha, v[i].alpha_len), 0,
			     "%s: verify", v[i].name);
		cr_assert_eq(memcmp(beta, v[i].beta, 64), 0);
	}
}

Test(vrf, rejects_wrong_input_key_and_every_bit_flip)
{
	cr_assert_eq(svm_crypto_init(), 0);
	vec_t v[3];
	cr_assert_eq(load(v, 3), 3);
	cr_assert_eq(svm_vrf_verify(NULL, v[0].pk, v[0].pi, "x", 1), SVM_EPROOF);
	cr_assert_eq(svm_vrf_verify(NULL, v[1].pk, v[0].pi, v[0].alpha, v[0].alpha_len), SVM_EPROOF);
	for (int bit = 0; bit < 80 * 8; bit++) {
		uint8_t pi[80];
		memcpy(pi, v[2].pi, 80);
		pi[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		cr_assert_eq(svm_vrf_verify(NULL, v[2].pk, pi, v[2].alpha, v[2].alpha_len), SVM_EPROOF,
			     "bit %d", bit);
	}
	/* s + q encodes the same scalar but is not canonical: rejected. */
	static const uint8_t q[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
				      0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
				      0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
	uint8_t pi[80];
	memcpy(pi, v[0].pi, 80);
	unsigned carry = 0;
	for (int i = 0; i < 32; i++) {
		unsigned t = pi[48 + i] + q[i] + carry;
		pi[48 + i] = (uint8_t)t;
		carry = t >> 8;
	}
	if (carry == 0) cr_assert_eq(svm_vrf_verify(NULL, v[0].pk, pi, NULL, 0), SVM_EPROOF);
}

Test(vrf, prove_verify_random_keys_and_inputs)
{
	cr_assert_eq(svm_crypto_init(), 0);
	for (uint32_t i = 0; i < 50; i++) {
		svm_keypair_t kp;
		uint8_t seed[32] = {0}, pi[80], b1[64], b2[64];
		svm_put_u64le(seed, i * 7919u + 1);
		svm_keypair_from_seed(&kp, seed);
		cr_assert_eq(svm_vrf_prove(pi, seed, &i, sizeof i), 0);
		cr_assert_eq(svm_vrf_verify(b1, kp.public_key, pi, &i, sizeof i), 0, "key %u", i);
		cr_assert_eq(svm_vrf_proof_to_hash(b2, pi), 0);
		cr_assert_eq(memcmp(b1, b2, 64), 0);
		uint32_t j = i + 1;
		cr_assert_eq(svm_vrf_verify(NULL, kp.public_key, pi, &j, sizeof j), SVM_EPROOF);
	}
}

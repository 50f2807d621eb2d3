/* ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381, suite 0x03) on libsodium's edwards25519 primitives:
 * try-and-increment hash to curve, RFC 8032 nonce, 16-byte challenge, 80-byte proofs. Checked
 * against RFC 9381 Appendix B.3 examples 16-18 (tests/vectors/ecvrf). */
#include <sodium.h>
#include <string.h>

#include "supervm/vrf.h"

#define SUITE 0x03
#define CLEN 16
#define TAI_TRIES_MAX 256 /* ctr is one byte: the RFC's loop ends by ctr 255 in practice */
_Static_assert(TAI_TRIES_MAX <= 256, "the counter is one byte");
/* pi = Γ (32) ‖ c (16) ‖ s (32); beta is a SHA-512 digest */
_Static_assert(SVM_VRF_PROOF_SIZE == 32 + CLEN + 32 && SVM_VRF_OUTPUT_SIZE == 64, "sizes");

/* string_to_point (RFC 8032 decoding): canonical y (< p), a point on the curve. libsodium's
 * add checks on-curve; canonicity is checked here (y's 255 bits below 2^255 - 19). */
static bool y_canonical(const uint8_t s[32])
{
	/* p = 2^255 - 19: little-endian ed ff .. ff 7f. y >= p iff bytes 31..1 are ff..ff/7f and
	 * byte 0 >= 0xed. */
	if ((s[31] & 0x7f) != 0x7f) return true;
	for (int i = 30; i >= 1; i--)
		if (s[i] != 0xff) return true;
	return s[0] < 0xed;
}

/* 8·P by three doublings (P only has to be on the curve; libsodium's scalar multiplication
 * would insist on the prime-order subgroup). */
static int times_cofactor(uint8_t out[32], const uint8_t p[32])
{
	uint8_t a[32], b[32];
	if (crypto_core_ed25519_add(a, p, p) != 0) return -1;
	if (crypto_core_ed25519_add(b, a, a) != 0) return -1;
	return crypto_core_ed25519_add(out, b, b);
}

static bool is_identity(const uint8_t p[32])
{
	static const uint8_t id[32] = {1};
	return sodium_memcmp(p, id, 32) == 0;
}

/* ECVRF_encode_to_curve_try_and_increment with salt = PK_string. */
static int encode_to_curve(uint8_t h[32], const uint8_t pk[32], const uint8_t *alpha, size_t len)
{
	for (unsigned ctr = 0; ctr < TAI_TRIES_MAX; ctr++) {
		uint8_t front[2] = {SUITE, 0x01}, back[2] = {(uint8_t)ctr, 0x00}, d[64];
		crypto_hash_sha512_state st;
		crypto_hash_sha512_init(&st);
		crypto_hash_sha512_update(&st, front, 2);
		crypto_hash_sha512_update(&st, pk, 32);
		crypto_hash_sha512_update(&st, alpha, len);
		crypto_hash_sha512_update(&st, back, 2);
		crypto_hash_sha512_final(&st, d);
		if (!y_canonical(d)) continue;
		if (times_cofactor(h, d) != 0) continue; /* not a point */
		if (!is_identity(h)) return 0;
	}
	return -1;
}

/* ECVRF_challenge_generation: first 16 bytes of SHA-512(suite ‖ 0x02 ‖ P1..P5 ‖ 0x00). */
static void challenge(uint8_t c[CLEN], const uint8_t *p[5])
{
	uint8_t front[2] = {SUITE, 0x02}, back = 0x00, d[64];
	crypto_hash_sha512_state st;
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, front, 2);
	for (int i = 0; i < 5; i++) crypto_hash_sha512_update(&st, p[i], 32);
	crypto_hash_sha512_update(&st, &back, 1);
	crypto_hash_sha512_final(&st, d);
	memcpy(c, d, CLEN);
}

int svm_vrf_prove(uint8_t pi[SVM_VRF_PROOF_SIZE], const uint8_t seed[SVM_ED25519_SEED_SIZE],
		  const void *alpha, size_t len)
{
	uint8_t az[64], x[32], y[32], h[32], gamma[32], k[32], u[32], v[32], wide[64];
	int rc = SVM_EINVAL;
	crypto_hash_sha512(az, seed, 32);
	az[0] &= 248;
	az[31] &= 127;
	az[31] |= 64;
	memcpy(x, az, 32); /* the secret scalar, clamped as in RFC 8032 */
	if (crypto_scalarmult_ed25519_base_noclamp(y, x) != 0) goto done;
	if (encode_to_curve(h, y, alpha, len) != 0) goto done;
	if (crypto_scalarmult_ed25519_noclamp(gamma, x, h) != 0) goto done;
	/* k = SHA-512(az[32..64) ‖ h_string) mod q */
	crypto_hash_sha512_state st;
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, az + 32, 32);
	crypto_hash_sha512_update(&st, h, 32);
	crypto_hash_sha512_final(&st, wide);
	crypto_core_ed25519_scalar_reduce(k, wide);
	if (crypto_scalarmult_ed25519_base_noclamp(u, k) != 0) goto done;
	if (crypto_scalarmult_ed25519_noclamp(v, k, h) != 0) goto done;
	const uint8_t *pts[5] = {y, h, gamma, u, v};
	uint8_t c[32] = {0}, xr[32], cx[32], s[32];
	challenge(c, pts);
	memset(wide, 0, sizeof wide);
	memcpy(wide, x, 32);
	crypto_core_ed25519_scalar_reduce(xr, wide);
	crypto_core_ed25519_scalar_mul(cx, c, xr);
	crypto_core_ed25519_scalar_add(s, k, cx);
	memcpy(pi, gamma, 32);
	memcpy(pi + 32, c, CLEN);
	memcpy(pi + 48, s, 32);
	/* the proof written is one the verifier accepts for this key (a debug-only verify) */
	SVM_ASSERT(svm_vrf_verify(NULL, y, pi, alpha, len) == 0);
	rc = 0;
done:
	sodium_memzero(az, sizeof az);
	sodium_memzero(x, sizeof x);
	sodium_memzero(k, sizeof k);
	sodium_memzero(wide, sizeof wide);
	return rc;
}

int svm_vrf_proof_to_hash(uint8_t beta[SVM_VRF_OUTPUT_SIZE],
			  const uint8_t pi[SVM_VRF_PROOF_SIZE])
{
	uint8_t g8[32], front[2] = {SUITE, 0x03}, back = 0x00;
	if (!y_canonical(pi) || times_cofactor(g8, pi) != 0) return SVM_EPROOF;
	crypto_hash_sha512_state st;
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, front, 2);
	crypto_hash_sha512_update(&st, g8, 32);
	crypto_hash_sha512_update(&st, &back, 1);
	crypto_hash_sha512_final(&st, beta);
	return 0;
}

/* s < q (the group order), as ECVRF_decode_proof requires. */
static bool scalar_canonical(const uint8_t s[32])
{
	static const uint8_t q[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
				      0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
				      0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
	for (int i = 31; i >= 0; i--) {
		if (s[i] < q[i]) return true;
		if (s[i] > q[i]) return false;
	}
	return false;
}

int svm_vrf_verify(uint8_t beta[SVM_VRF_OUTPUT_SIZE], const uint8_t pk[SVM_ED25519_PUBKEY_SIZE],
		   const uint8_t pi[SVM_VRF_PROOF_SIZE], const void *alpha, size_t len)
{
	uint8_t h[32], c[32] = {0}, s[32], sb[32], cy[32], u[32], sh[32], cg[32], v[32], c2[CLEN];
	const uint8_t *gamma = pi;
	/* Y: a valid key (canonical, in the prime-order subgroup, not of small order). */
	if (!y_canonical(pk) || crypto_core_ed25519_is_valid_point(pk) != 1) return SVM_EPROOF;
	if (!y_canonical(gamma) || crypto_core_ed25519_is_valid_point(gamma) != 1) return SVM_EPROOF;
	memcpy(c, pi + 32, CLEN);
	memcpy(s, pi + 48, 32);
	if (!scalar_canonical(s)) return SVM_EPROOF;
	if (encode_to_curve(h, pk, alpha, len) != 0) return SVM_EPROOF;
	/* U = s·B − c·Y, V = s·H − c·Γ */
	if (crypto_scalarmult_ed25519_base_noclamp(sb, s) != 0 ||
	    crypto_scalarmult_ed25519_noclamp(cy, c, pk) != 0 || crypto_core_ed25519_sub(u, sb, cy) != 0 ||
	    crypto_scalarmult_ed25519_noclamp(sh, s, h) != 0 ||
	    crypto_scalarmult_ed25519_noclamp(cg, c, gamma) != 0 || crypto_core_ed25519_sub(v, sh, cg) != 0)
		return SVM_EPROOF;
	const uint8_t *pts[5] = {pk, h, gamma, u, v};
	challenge(c2, pts);
	if (sodium_memcmp(c2, c, CLEN) != 0) return SVM_EPROOF;
	return beta != NULL ? svm_vrf_proof_to_hash(beta, pi) : 0;
}

/* The precompiled contracts at 0x01..0x0a: ecrecover (libsecp256k1's recovery module),
 * SHA-256 and RIPEMD-160 (OpenSSL), identity, modexp (EIP-198 with EIP-2565 pricing, OpenSSL
 * bignum), BN254 add/mul/pairing (bn254.c), BLAKE2 F (EIP-152, written here). KZG point
 * evaluation (0x0a) needs BLS12-381, which no Debian package provides: it fails and marks the
 * transaction as having used an unsupported precompile (counted as a skip by the state tests). */
#include <limits.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/crypto.h"
#include "vm/evm/bn254.h"
#include "vm/evm/internal.h"

bool evm_is_precompile(const addr_t *a)
{
	for (int i = 0; i < 19; i++)
		if (a->b[i]) return false;
	return a->b[19] >= 1 && a->b[19] <= 0x0a;
}

static inline uint64_t words(uint64_t n) { return (n + 31) / 32; }

/* Input byte i, zero past the end (precompiles read their input as if zero-padded). */
static void padded(uint8_t *dst, const uint8_t *in, size_t len, uint64_t off, size_t n)
{
	SVM_ASSERT(len == 0 || in != NULL);
	SVM_ASSERT(off + n >= off); /* the callers' offsets are bounded (modexp's sizes by 2^32) */
	for (size_t i = 0; i < n; i++) dst[i] = off + i < len ? in[off + i] : 0;
}

static int out_alloc(uint8_t **out, size_t *out_len, size_t n)
{
	*out = n ? svm_calloc(1, n) : NULL;
	*out_len = n;
	return (n && !*out) ? SVM_ENOMEM : 0;
}

/* --------------------------------------------------------------- ecrecover */

static int ecrecover(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
	uint8_t buf[128];
	padded(buf, in, len, 0, 128);
	*out = NULL;
	*out_len = 0;
	for (int i = 32; i < 63; i++)
		if (buf[i]) return 1; /* v must be 27 or 28: failure returns nothing, not an error */
	if (buf[63] != 27 && buf[63] != 28) return 1;
	static const uint8_t zero[32];
	if (!memcmp(buf + 64, zero, 32) || !memcmp(buf + 96, zero, 32)) return 1;
	secp256k1_ecdsa_recoverable_signature sig;
	secp256k1_pubkey pk;
	const secp256k1_context *ctx = secp256k1_context_static;
	SVM_ASSERT(buf[63] - 27 == 0 || buf[63] - 27 == 1); /* the recovery id */
	if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, buf + 64, buf[63] - 27)) return 1;
	if (!secp256k1_ecdsa_recover(ctx, &pk, &sig, buf)) return 1;
	uint8_t ser[65], h[32];
	size_t sl = sizeof ser;
	secp256k1_ec_pubkey_serialize(ctx, ser, &sl, &pk, SECP256K1_EC_UNCOMPRESSED);
	/* an uncompressed point: 0x04 ‖ x ‖ y, the address hashes x ‖ y */
	SVM_ASSERT(sl == 65 && ser[0] == 0x04);
	svm_keccak256(ser + 1, 64, h);
	if (out_alloc(out, out_len, 32)) return SVM_ENOMEM;
	memcpy(*out + 12, h + 12, 20);
	return 1;
}

/* ------------------------------------------------------------------ modexp */

static uint64_t u256_be_u64_sat(const uint8_t *p) /* a 32-byte big-endian size, saturated */
{
	for (int i = 0; i < 24; i++)
		if (p[i]) return UINT64_MAX;
	return svm_get_u64be(p + 24);
}

static uint64_t modexp_gas(uint64_t bl, uint64_t el, uint64_t ml, const uint8_t *in, size_t len)
{
	uint64_t mx = bl > ml ? bl : ml;
	if (mx == 0) return 200; /* no multiplications, whatever the exponent's length */
	if (mx > (1ull << 32) || el > (1ull << 32)) return UINT64_MAX;
	uint64_t w = (mx + 7) / 8;
	uint64_t mult = w * w;
	/* the exponent's first 32 bytes */
	uint8_t head[32] = {0};
	uint64_t hl = el < 32 ? el : 32;
	padded(head + 32 - hl, in, len, 96 + bl, (size_t)hl);
	unsigned bits = 0;
	for (int i = 0; i < 32; i++)
		if (head[i]) {
			bits = (unsigned)(8 * (31 - i) + 32 - __builtin_clz(head[i]));
			break;
		}
	SVM_ASSERT(bits <= 8 * hl && w >= 1 && w <= (1ull << 29) + 1); /* mult below fits 2^59 */
	uint64_t iter;
	if (el <= 32) iter = bits ? bits - 1 : 0;
	else iter = 8 * (el - 32) + (bits ? bits - 1 : 0);
	if (iter < 1) iter = 1;
	if (mult && iter > UINT64_MAX / mult) return UINT64_MAX;
	uint64_t g = mult * iter / 3;
	return g < 200 ? 200 : g;
}

static int modexp(const uint8_t *in, size_t len, uint64_t bl, uint64_t el, uint64_t ml, uint8_t **out,
		  size_t *out_len)
{
	if (out_alloc(out, out_len, (size_t)ml)) return SVM_ENOMEM;
	if (ml == 0) return 1; /* an empty result, whatever the lengths (the state tests have this) */
	/* OpenSSL takes int lengths, so a length past INT_MAX bytes would be cut by the casts below:
	 * such a call fails, as one out of gas does. With a modulus, modexp_gas prices it above
	 * 5 · 10^9 gas (a long exponent) or 2^56 / 3 (a long base or modulus), which no block pays
	 * (the node's: 30 M), so only a test with an absurd gas limit gets here. */
	if (bl > INT_MAX || el > INT_MAX || ml > INT_MAX) return 0;
	/* charged: modexp_gas prices any length past 2^32 out of reach (UINT64_MAX), so the sums
	 * below cannot wrap */
	SVM_ASSERT(bl <= (1ull << 32) && el <= (1ull << 32) && ml <= (1ull << 32));
	uint8_t *b = svm_calloc(1, bl + 1), *e = svm_calloc(1, el + 1), *m = svm_calloc(1, ml + 1);
	BIGNUM *B = BN_new(), *E = BN_new(), *M = BN_new(), *R = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	int rc = SVM_ENOMEM;
	if (!b || !e || !m || !B || !E || !M || !R || !ctx) goto out;
	padded(b, in, len, 96, (size_t)bl);
	padded(e, in, len, 96 + bl, (size_t)el);
	padded(m, in, len, 96 + bl + el, (size_t)ml);
	if (!BN_bin2bn(b, (int)bl, B) || !BN_bin2bn(e, (int)el, E) || !BN_bin2bn(m, (int)ml, M)) goto out;
	if (BN_is_zero(M)) {
		rc = 1;
		goto out;
	}
	if (!BN_mod_exp(R, B, E, M, ctx)) goto out;
	int wn = BN_bn2binpad(R, *out, (int)ml);
	SVM_ASSERT(wn == (int)ml); /* R < M, and M fits ml bytes: never cut */
	rc = 1;
out:
	svm_free(b);
	svm_free(e);
	svm_free(m);
	BN_free(B);
	BN_free(E);
	BN_free(M);
	BN_free(R);
	BN_CTX_free(ctx);
	if (rc < 0) {
		svm_free(*out);
		*out = NULL;
	}
	return rc;
}

/* -------------------------------------------------------------- BLAKE2 F */

static const uint64_t blake2b_iv[8] = {
	0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
	0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};
static const uint8_t sigma[10][16] = {
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
	{11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
	{9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
	{12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
	{6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

/* the input's layout: rounds, h, m, t, the final flag (EIP-152) */
_Static_assert(4 + 8 * 8 == 68 && 68 + 16 * 8 == 196 && 196 + 2 * 8 == 212, "BLAKE2 F input");
_Static_assert(sizeof sigma / sizeof sigma[0] == 10, "ten message schedules");

static inline uint64_t rotr(uint64_t x, unsigned n)
{
	SVM_ASSERT(n > 0 && n < 64); /* x << 64 is undefined */
	return (x >> n) | (x << (64 - n));
}

#define G(a, b, c, d, x, y)                                                                        \
	do {                                                                                       \
		v[a] = v[a] + v[b] + (x);                                                          \
		v[d] = rotr(v[d] ^ v[a], 32);                                                      \
		v[c] = v[c] + v[d];                                                                \
		v[b] = rotr(v[b] ^ v[c], 24);                                                      \
		v[a] = v[a] + v[b] + (y);                                                          \
		v[d] = rotr(v[d] ^ v[a], 16);                                                      \
		v[c] = v[c] + v[d];                                                                \
		v[b] = rotr(v[b] ^ v[c], 63);                                                      \
	} while (0)

void svm_evm_blake2f(uint32_t rounds, uint64_t h[8], const uint64_t m[16], const uint64_t t[2], bool last)
{
	uint64_t v[16];
	for (int i = 0; i < 8; i++) {
		v[i] = h[i];
		v[i + 8] = blake2b_iv[i];
	}
	v[12] ^= t[0];
	v[13] ^= t[1];
	if (last) v[14] = ~v[14];
	for (uint32_t r = 0; r < rounds; r++) {
		const uint8_t *s = sigma[r % 10];
		G(0, 4, 8, 12, m[s[0]], m[s[1]]);
		G(1, 5, 9, 13, m[s[2]], m[s[3]]);
		G(2, 6, 10, 14, m[s[4]], m[s[5]]);
		G(3, 7, 11, 15, m[s[6]], m[s[7]]);
		G(0, 5, 10, 15, m[s[8]], m[s[9]]);
		G(1, 6, 11, 12, m[s[10]], m[s[11]]);
		G(2, 7, 8, 13, m[s[12]], m[s[13]]);
		G(3, 4, 9, 14, m[s[14]], m[s[15]]);
	}
	for (int i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
}

static int blake2f(const uint8_t *in, size_t len, int64_t *gas, uint8_t **out, size_t *out_len)
{
	if (len != 213 || in[212] > 1) return 0;
	uint32_t rounds = (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
	if ((uint64_t)*gas < rounds) return 0;
	*gas -= rounds;
	SVM_ASSERT(*gas >= 0);
	uint64_t h[8], m[16], t[2];
	for (int i = 0; i < 8; i++) h[i] = svm_get_u64le(in + 4 + 8 * i);
	for (int i = 0; i < 16; i++) m[i] = svm_get_u64le(in + 68 + 8 * i);
	t[0] = svm_get_u64le(in + 196);
	t[1] = svm_get_u64le(in + 204);
	svm_evm_blake2f(rounds, h, m, t, in[212] == 1);
	if (out_alloc(out, out_len, 64)) return SVM_ENOMEM;
	for (int i = 0; i < 8; i++) svm_put_u64le(*out + 8 * i, h[i]);
	return 1;
}

/* ---------------------------------------------------- KZG point evaluation */

/* The BLS12-381 scalar field's modulus r, big-endian */
static const uint8_t BLS_R[32] = {0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8,
				  0x08, 0x09, 0xa1, 0xd8, 0x05, 0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe,
				  0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01};

/* EIP-4844's checks that need no pairing: 192 bytes, the versioned hash is 0x01 ‖ the
 * commitment's SHA-256 without its first byte, z and y below r. An input that fails one fails
 * as Ethereum's does (0); one that passes them all needs the BLS12-381 pairing, which is not
 * available: SVM_EUNSUPPORTED. */
static int kzg_checks(const uint8_t *in, size_t len)
{
	if (len != 192) return 0;
	svm_hash_t h;
	svm_sha256(in + 96, 48, &h);
	if (in[0] != 0x01 || memcmp(in + 1, h.b + 1, 31)) return 0;
	if (memcmp(in + 32, BLS_R, 32) >= 0 || memcmp(in + 64, BLS_R, 32) >= 0) return 0;
	return SVM_EUNSUPPORTED;
}

/* ------------------------------------------------------------------ dispatch */

static bool charge(int64_t *gas, uint64_t cost)
{
	SVM_ASSERT(*gas >= 0); /* the cast below compares magnitudes */
	if ((uint64_t)*gas < cost) return false;
	*gas -= (int64_t)cost;
	return true;
}

int evm_precompile_run(svm_evm_state_t *s, const addr_t *a, const uint8_t *in, size_t len,
		       int64_t *gas, uint8_t **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	int rc = 0;
	switch (a->b[19]) {
	case 1:
		if (charge(gas, 3000)) rc = ecrecover(in, len, out, out_len);
		break;
	case 2:
		if (charge(gas, 60 + 12 * words(len))) {
			if (out_alloc(out, out_len, 32)) return SVM_ENOMEM;
			svm_sha256(in, len, (svm_hash_t *)*out);
			rc = 1;
		}
		break;
	case 3:
		if (charge(gas, 600 + 120 * words(len))) {
			if (out_alloc(out, out_len, 32)) return SVM_ENOMEM;
			unsigned dl = 20;
			rc = EVP_Digest(in, len, *out + 12, &dl, EVP_ripemd160(), NULL) == 1 ? 1 : SVM_EUNSUPPORTED;
			SVM_ASSERT(rc != 1 || dl == 20); /* filled the last 20 of the 32 bytes */
		}
		break;
	case 4:
		if (charge(gas, 15 + 3 * words(len))) {
			if (out_alloc(out, out_len, len)) return SVM_ENOMEM;
			if (len) memcpy(*out, in, len);
			rc = 1;
		}
		break;
	case 5: {
		uint8_t hdr[96];
		padded(hdr, in, len, 0, 96);
		uint64_t bl = u256_be_u64_sat(hdr), el = u256_be_u64_sat(hdr + 32), ml = u256_be_u64_sat(hdr + 64);
		if (charge(gas, modexp_gas(bl, el, ml, in, len))) rc = modexp(in, len, bl, el, ml, out, out_len);
		break;
	}
	case 6:
		if (charge(gas, 150)) rc = svm_bn254_add(in, len, out, out_len);
		break;
	case 7:
		if (charge(gas, 6000)) rc = svm_bn254_mul(in, len, out, out_len);
		break;
	case 8:
		if (len % 192 == 0 && charge(gas, 45000 + 34000 * (uint64_t)(len / 192)))
			rc = svm_bn254_pairing(in, len, out, out_len);
		break;
	case 9: rc = blake2f(in, len, gas, out, out_len); break;
	case 10:
		if (charge(gas, 50000)) rc = kzg_checks(in, len);
		break;
	default: break;
	}
	if (rc == SVM_EUNSUPPORTED) {
		s->unsupported = true;
		rc = 0;
	}
	if (rc <= 0) {
		svm_free(*out);
		*out = NULL;
		*out_len = 0;
		if (rc == 0) *gas = 0;
	}
	/* 1 with its output, 0 with none, or a fatal code; never negative gas */
	SVM_ASSERT(rc <= 1 && *gas >= 0 && (*out_len == 0 || *out != NULL));
	SVM_ASSERT(rc != 1 || a->b[19] != 4 || *out_len == len); /* identity copies its input */
	return rc;
}

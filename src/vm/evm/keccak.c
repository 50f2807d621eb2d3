/* Keccak-256 (the Keccak team's submission padding, as Ethereum uses it): the Keccak-f[1600]
 * permutation on 25 lanes, rate 136 bytes. Written here; no Debian package provides it.
 * Checked against tests/vectors/keccak/ (known answers). */
#include <string.h>

#include "supervm/evm.h"

#define KECCAK_RATE 136
#define KECCAK_ROUNDS 24
/* the rate is whole lanes of the 25, and the digest is the first four lanes */
_Static_assert(KECCAK_RATE % 8 == 0 && KECCAK_RATE / 8 < 25, "rate in lanes");
_Static_assert(SVM_KECCAK_SIZE == 4 * 8, "digest of four lanes");

static const uint64_t round_consts[KECCAK_ROUNDS] = {
	0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
	0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
	0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
	0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
	0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
	0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

/* rho offsets and pi lane order, walked together in the usual combined loop */
static const unsigned rho[24] = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
				 27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
static const unsigned pi[24] = {10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4,
				15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1};

static inline uint64_t rotl(uint64_t x, unsigned n)
{
	SVM_ASSERT(n > 0 && n < 64); /* x >> 64 is undefined */
	return (x << n) | (x >> (64 - n));
}

static void keccak_f(uint64_t st[25])
{
	for (int r = 0; r < KECCAK_ROUNDS; r++) {
		uint64_t c[5], t;
		for (int x = 0; x < 5; x++) c[x] = st[x] ^ st[x + 5] ^ st[x + 10] ^ st[x + 15] ^ st[x + 20];
		for (int x = 0; x < 5; x++) {
			t = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
			for (int y = 0; y < 25; y += 5) st[y + x] ^= t;
		}
		t = st[1];
		for (int i = 0; i < 24; i++) {
			unsigned j = pi[i];
			SVM_ASSERT(j >= 1 && j < 25); /* lane 0 stays in place */
			uint64_t u = st[j];
			st[j] = rotl(t, rho[i]);
			t = u;
		}
		for (int y = 0; y < 25; y += 5) {
			uint64_t a[5];
			for (int x = 0; x < 5; x++) a[x] = st[y + x];
			for (int x = 0; x < 5; x++) st[y + x] = a[x] ^ (~a[(x + 1) % 5] & a[(x + 2) % 5]);
		}
		st[0] ^= round_consts[r];
	}
}

static void absorb_block(uint64_t st[25], const uint8_t *p)
{
	for (int i = 0; i < KECCAK_RATE / 8; i++) st[i] ^= svm_get_u64le(p + 8 * i);
	keccak_f(st);
}

/* The sponge with domain byte ds: 0x01 is Keccak-256, 0x06 SHA3-256 (FIPS 202). The unit test
 * checks the SHA3 form against vectors too, covering the permutation on more lengths. */
void svm_keccak256_ds(const void *data, size_t len, uint8_t ds, uint8_t out[SVM_KECCAK_SIZE]);
void svm_keccak256(const void *data, size_t len, uint8_t out[SVM_KECCAK_SIZE])
{
	svm_keccak256_ds(data, len, 0x01, out);
}

void svm_keccak256_ds(const void *data, size_t len, uint8_t ds, uint8_t out[SVM_KECCAK_SIZE])
{
	uint64_t st[25] = {0};
	const uint8_t *p = data;
	while (len >= KECCAK_RATE) {
		absorb_block(st, p);
		p += KECCAK_RATE;
		len -= KECCAK_RATE;
	}
	uint8_t last[KECCAK_RATE] = {0};
	/* under one block is left, so the domain byte lands inside it; the two known domains leave
	 * the final pad bit (0x80) to the last byte */
	SVM_ASSERT(len < KECCAK_RATE && (ds == 0x01 || ds == 0x06));
	if (len) memcpy(last, p, len);
	last[len] ^= ds;
	last[KECCAK_RATE - 1] ^= 0x80;
	absorb_block(st, last);
	for (int i = 0; i < 4; i++) svm_put_u64le(out + 8 * i, st[i]);
}

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

static inline uint64_t rotl(uint64_t x, unsigned n)
{
	SVM_ASSERT(n > 0 && n < 64); /* x >> 64 is undefined */
	return (x << n) | (x >> (64 - n));
}

/* One step of chi on plane y (lanes 5y..5y+4) of b into a. */
#define CHI(y)                                                                                              \
	do {                                                                                                \
		a[5 * (y) + 0] = b[5 * (y) + 0] ^ (~b[5 * (y) + 1] & b[5 * (y) + 2]);                       \
		a[5 * (y) + 1] = b[5 * (y) + 1] ^ (~b[5 * (y) + 2] & b[5 * (y) + 3]);                       \
		a[5 * (y) + 2] = b[5 * (y) + 2] ^ (~b[5 * (y) + 3] & b[5 * (y) + 4]);                       \
		a[5 * (y) + 3] = b[5 * (y) + 3] ^ (~b[5 * (y) + 4] & b[5 * (y) + 0]);                       \
		a[5 * (y) + 4] = b[5 * (y) + 4] ^ (~b[5 * (y) + 0] & b[5 * (y) + 1]);                       \
	} while (0)

/* Keccak-f[1600] with every lane index a constant, so the compiler keeps the state in registers
 * (and the stack) instead of walking tables: lane (x, y) is a[x + 5y]. Theta into d, then rho
 * and pi together (lane (x, y) rotated by its offset lands at (y, 2x + 3y) of b), chi back into
 * a, iota. A first version walked the usual rho/pi tables in a loop: ~11,000 instructions per
 * permutation against ~6,000 here (callgrind), and the ERC-20 transfer hashes three or four. */
static void keccak_f(uint64_t st[25])
{
	uint64_t a[25], b[25], c[5], d[5];
	memcpy(a, st, sizeof a);
	for (int r = 0; r < KECCAK_ROUNDS; r++) {
		for (int x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
		d[0] = c[4] ^ rotl(c[1], 1);
		d[1] = c[0] ^ rotl(c[2], 1);
		d[2] = c[1] ^ rotl(c[3], 1);
		d[3] = c[2] ^ rotl(c[4], 1);
		d[4] = c[3] ^ rotl(c[0], 1);
		b[0] = a[0] ^ d[0];
		b[10] = rotl(a[1] ^ d[1], 1);
		b[20] = rotl(a[2] ^ d[2], 62);
		b[5] = rotl(a[3] ^ d[3], 28);
		b[15] = rotl(a[4] ^ d[4], 27);
		b[16] = rotl(a[5] ^ d[0], 36);
		b[1] = rotl(a[6] ^ d[1], 44);
		b[11] = rotl(a[7] ^ d[2], 6);
		b[21] = rotl(a[8] ^ d[3], 55);
		b[6] = rotl(a[9] ^ d[4], 20);
		b[7] = rotl(a[10] ^ d[0], 3);
		b[17] = rotl(a[11] ^ d[1], 10);
		b[2] = rotl(a[12] ^ d[2], 43);
		b[12] = rotl(a[13] ^ d[3], 25);
		b[22] = rotl(a[14] ^ d[4], 39);
		b[23] = rotl(a[15] ^ d[0], 41);
		b[8] = rotl(a[16] ^ d[1], 45);
		b[18] = rotl(a[17] ^ d[2], 15);
		b[3] = rotl(a[18] ^ d[3], 21);
		b[13] = rotl(a[19] ^ d[4], 8);
		b[14] = rotl(a[20] ^ d[0], 18);
		b[24] = rotl(a[21] ^ d[1], 2);
		b[9] = rotl(a[22] ^ d[2], 61);
		b[19] = rotl(a[23] ^ d[3], 56);
		b[4] = rotl(a[24] ^ d[4], 14);
		CHI(0);
		CHI(1);
		CHI(2);
		CHI(3);
		CHI(4);
		a[0] ^= round_consts[r];
	}
	memcpy(st, a, sizeof a);
}
#undef CHI

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

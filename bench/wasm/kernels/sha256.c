/* Hashing kernel: SHA-256 (FIPS 180-4) over a 1 KiB buffer, n rounds, each round's digest
 * written back into the buffer so that every round depends on the one before. */
#include "kernel.h"

#define BUF_BYTES 1024u

typedef struct {
	uint32_t h[8];
} sha256_state_t;

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2};

static uint32_t rotr(uint32_t x, unsigned r)
{
	return (x >> r) | (x << (32 - r));
}

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void expand(uint32_t w[64], const uint8_t block[64])
{
	for (int i = 0; i < 16; i++)
		w[i] = load_be32(block + 4 * i);
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
}

static void compress(sha256_state_t *st, const uint8_t block[64])
{
	uint32_t w[64];
	expand(w, block);
	uint32_t a = st->h[0], b = st->h[1], c = st->h[2], d = st->h[3];
	uint32_t e = st->h[4], f = st->h[5], g = st->h[6], h = st->h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) +
			      K[i] + w[i];
		uint32_t t2 =
			(rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	st->h[0] += a, st->h[1] += b, st->h[2] += c, st->h[3] += d;
	st->h[4] += e, st->h[5] += f, st->h[6] += g, st->h[7] += h;
}

/* One-shot SHA-256 of len bytes (len a multiple of 64 here, so padding is one extra block). */
static void sha256(uint8_t out[32], const uint8_t *msg, uint32_t len)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	sha256_state_t st;
	for (int i = 0; i < 8; i++)
		st.h[i] = iv[i];
	uint32_t full = len & ~63u;
	for (uint32_t off = 0; off < full; off += 64)
		compress(&st, msg + off);
	uint8_t tail[128] = {0};
	uint32_t rest = len - full;
	for (uint32_t i = 0; i < rest; i++)
		tail[i] = msg[full + i];
	tail[rest] = 0x80;
	uint32_t tail_len = rest + 9 <= 64 ? 64 : 128;
	uint64_t bits = (uint64_t)len * 8;
	store_be32(tail + tail_len - 8, (uint32_t)(bits >> 32));
	store_be32(tail + tail_len - 4, (uint32_t)bits);
	for (uint32_t off = 0; off < tail_len; off += 64)
		compress(&st, tail + off);
	for (int i = 0; i < 8; i++)
		store_be32(out + 4 * i, st.h[i]);
}

uint64_t run(uint32_t n)
{
	static uint8_t buf[BUF_BYTES];
	for (uint32_t i = 0; i < BUF_BYTES; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	uint8_t digest[32];
	uint64_t sum = 0;
	for (uint32_t r = 0; r < n; r++) {
		sha256(digest, buf, BUF_BYTES);
		uint32_t at = (r * 32) % BUF_BYTES;
		for (int i = 0; i < 32; i++)
			buf[at + i] = digest[i];
		sum = mix64(sum, (uint64_t)load_be32(digest) << 32 | load_be32(digest + 4));
	}
	return sum;
}

KERNEL_BENCH(5000)

/* Unit tests for the privacy layer's group, transcript and commitments (src/zk): RFC 9496
 * Appendix A vectors from tests/vectors/ristretto255 (multiples of the generator through our
 * own field arithmetic, every invalid encoding rejected, hash-to-group through libsodium),
 * our point arithmetic and multiscalar multiplication against libsodium's on seeded random
 * inputs, the transcript's framing, and the commitments' homomorphism. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/base.h"
#include "supervm/privacy.h"
#include "zk/internal.h"

static FILE *open_vec(const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "tests/vectors/ristretto255/%s", name);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s (run from the repository root)", path);
	return f;
}

/* A seeded generator: xorshift64*, the seed printed by every property test that fails. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void rand_scalar(uint8_t out[32], uint64_t *s)
{
	uint8_t wide[64];
	for (int i = 0; i < 64; i++) wide[i] = (uint8_t)rng_next(s);
	crypto_core_ristretto255_scalar_reduce(out, wide);
}

static void rand_point(uint8_t out[32], uint64_t *s)
{
	uint8_t wide[64];
	for (int i = 0; i < 64; i++) wide[i] = (uint8_t)rng_next(s);
	crypto_core_ristretto255_from_hash(out, wide);
}

static uint64_t test_seed(void)
{
	const char *e = getenv("SVM_TEST_SEED");
	return e ? strtoull(e, NULL, 0) : 0x5eed2026ULL;
}

Test(zk, rfc9496_a1_multiples_of_the_generator)
{
	FILE *f = open_vec("rfc9496-a1.txt");
	char line[256];
	int n = 0;
	ge_t b, acc;
	ge_base(&b);
	ge_identity(&acc);
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n') continue;
		int k;
		char hex[80];
		uint8_t want[32], got[32];
		cr_assert_eq(sscanf(line, "%d %79s", &k, hex), 2);
		cr_assert_eq(svm_hex_decode(want, 32, hex), 0);
		cr_assert_eq(k, n);
		ge_encode(got, &acc);
		cr_assert_eq(memcmp(got, want, 32), 0, "encode(%d·B)", k);
		ge_t d;
		cr_assert_eq(ge_decode(&d, want), 0, "decode(%d·B)", k);
		cr_assert(ge_equal(&d, &acc), "decode(%d·B) is %d·B", k, k);
		ge_encode(got, &d);
		cr_assert_eq(memcmp(got, want, 32), 0, "re-encode(%d·B)", k);
		uint8_t sk[32] = {(uint8_t)k}, viak[32];
		ge_t m;
		ge_scalarmult(&m, sk, &b);
		ge_encode(viak, &m);
		cr_assert_eq(memcmp(viak, want, 32), 0, "scalarmult %d", k);
		ge_add(&acc, &acc, &b);
		n++;
	}
	fclose(f);
	cr_assert_eq(n, 16);
}

Test(zk, rfc9496_a2_invalid_encodings_rejected)
{
	FILE *f = open_vec("rfc9496-a2.txt");
	char line[256];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n') continue;
		char cat[32], hex[80];
		uint8_t enc[32];
		cr_assert_eq(sscanf(line, "%31s %79s", cat, hex), 2);
		cr_assert_eq(svm_hex_decode(enc, 32, hex), 0);
		ge_t p;
		cr_assert_eq(ge_decode(&p, enc), SVM_EDECODE, "%s %s accepted", cat, hex);
		cr_assert_eq(svm_zk_point_check(enc), SVM_EDECODE);
		cr_assert_eq(crypto_core_ristretto255_is_valid_point(enc), 0, "libsodium agrees");
		n++;
	}
	fclose(f);
	cr_assert_eq(n, 29);
	/* B with bit 255 set: s >= 2^255 > p, so RFC 9496 decoding fails. libsodium 1.0.18 (Debian
	 * 12) ignores that bit and accepts it (found by fuzz_zk_decode): consensus code must not
	 * use libsodium's ristretto255 decoder as its canonical check. */
	uint8_t b[32];
	svm_zk_generator_B(b);
	b[31] |= 0x80;
	ge_t p;
	cr_assert_eq(ge_decode(&p, b), SVM_EDECODE);
	cr_assert_eq(svm_zk_point_check(b), SVM_EDECODE);
}

Test(zk, rfc9496_a3_hash_to_group_decodes_and_round_trips)
{
	FILE *f = open_vec("rfc9496-a3.txt");
	char line[512];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n') continue;
		char in_hex[200], out_hex[80];
		uint8_t in[64], want[32], got[32];
		cr_assert_eq(sscanf(line, "%199s %79s", in_hex, out_hex), 2);
		cr_assert_eq(svm_hex_decode(in, 64, in_hex), 0);
		cr_assert_eq(svm_hex_decode(want, 32, out_hex), 0);
		crypto_core_ristretto255_from_hash(got, in);
		cr_assert_eq(memcmp(got, want, 32), 0, "from_hash vector %d", n);
		ge_t p;
		cr_assert_eq(ge_decode(&p, want), 0);
		ge_encode(got, &p);
		cr_assert_eq(memcmp(got, want, 32), 0);
		n++;
	}
	fclose(f);
	cr_assert_eq(n, 7);
}

Test(zk, point_arithmetic_matches_libsodium_on_random_points)
{
	uint64_t seed = test_seed(), s = seed;
	for (int it = 0; it < 200; it++) {
		uint8_t a[32], b[32], k[32], want[32], got[32];
		rand_point(a, &s);
		rand_point(b, &s);
		rand_scalar(k, &s);
		ge_t pa, pb, r;
		cr_assert_eq(ge_decode(&pa, a), 0, "seed %#llx", (unsigned long long)seed);
		cr_assert_eq(ge_decode(&pb, b), 0);
		crypto_core_ristretto255_add(want, a, b);
		ge_add(&r, &pa, &pb);
		ge_encode(got, &r);
		cr_assert_eq(memcmp(got, want, 32), 0, "add, seed %#llx it %d", (unsigned long long)seed, it);
		crypto_core_ristretto255_sub(want, a, b);
		ge_t nb;
		ge_neg(&nb, &pb);
		ge_add(&r, &pa, &nb);
		ge_encode(got, &r);
		cr_assert_eq(memcmp(got, want, 32), 0, "sub, seed %#llx", (unsigned long long)seed);
		crypto_core_ristretto255_add(want, a, a);
		ge_dbl(&r, &pa);
		ge_encode(got, &r);
		cr_assert_eq(memcmp(got, want, 32), 0, "dbl, seed %#llx", (unsigned long long)seed);
		cr_assert_eq(crypto_scalarmult_ristretto255(want, k, a), 0);
		ge_scalarmult(&r, k, &pa);
		ge_encode(got, &r);
		cr_assert_eq(memcmp(got, want, 32), 0, "mul, seed %#llx", (unsigned long long)seed);
	}
}

Test(zk, msm_equals_libsodium_sum_of_products_for_every_size)
{
	uint64_t seed = test_seed() ^ 0x77, s = seed;
	static const size_t sizes[] = {0, 1, 2, 3, 4, 7, 8, 9, 16, 33, 100, 300}; /* Straus to 8 */
	for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
		size_t n = sizes[si];
		uint8_t(*k)[32] = malloc((n + 1) * 32), (*p)[32] = malloc((n + 1) * 32);
		for (size_t i = 0; i < n; i++) {
			rand_scalar(k[i], &s);
			rand_point(p[i], &s);
		}
		if (n > 2) {
			memset(k[0], 0, 32);                     /* a zero scalar */
			memset(p[1], 0, 32);                     /* the identity */
			memset(k[2], 0xff, 31), k[2][31] = 0x0f; /* a large canonical scalar */
		}
		uint8_t a[32], b[32];
		cr_assert_eq(svm_zk_msm(a, (const uint8_t(*)[32])k, (const uint8_t(*)[32])p, n), 0);
		cr_assert_eq(svm_zk_msm_naive(b, (const uint8_t(*)[32])k, (const uint8_t(*)[32])p, n), 0);
		cr_assert_eq(memcmp(a, b, 32), 0, "n = %zu, seed %#llx", n, (unsigned long long)seed);
		free(k);
		free(p);
	}
}

Test(zk, msm_rejects_non_canonical_scalar_and_point)
{
	uint8_t k[1][32] = {{0}}, p[1][32], out[32];
	svm_zk_generator_B(p[0]);
	/* l itself */
	static const uint8_t l[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
				      0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				      0, 0, 0, 0x10};
	memcpy(k[0], l, 32);
	cr_assert_eq(svm_zk_scalar_check(l), SVM_EDECODE);
	cr_assert_eq(svm_zk_msm(out, (const uint8_t(*)[32])k, (const uint8_t(*)[32])p, 1), SVM_EDECODE);
	k[0][0]--; /* l - 1 is canonical */
	cr_assert_eq(svm_zk_scalar_check(k[0]), 0);
	cr_assert_eq(svm_zk_msm(out, (const uint8_t(*)[32])k, (const uint8_t(*)[32])p, 1), 0);
	p[0][0] ^= 1; /* a negative field element */
	cr_assert_eq(svm_zk_msm(out, (const uint8_t(*)[32])k, (const uint8_t(*)[32])p, 1), SVM_EDECODE);
}

Test(zk, transcript_is_deterministic_and_framed)
{
	svm_zk_transcript_t a, b, c;
	uint8_t ca[32], cb[32], cc[32];
	svm_zk_transcript_init(&a, "test");
	svm_zk_transcript_init(&b, "test");
	svm_zk_transcript_append(&a, "x", (const uint8_t *)"ab", 2);
	svm_zk_transcript_append(&b, "x", (const uint8_t *)"ab", 2);
	svm_zk_transcript_challenge(&a, "c", ca);
	svm_zk_transcript_challenge(&b, "c", cb);
	cr_assert_eq(memcmp(ca, cb, 32), 0);
	cr_assert_eq(svm_zk_scalar_check(ca), 0);
	/* moving a byte between label and message changes the challenge */
	svm_zk_transcript_init(&c, "test");
	svm_zk_transcript_append(&c, "xa", (const uint8_t *)"b", 1);
	svm_zk_transcript_challenge(&c, "c", cc);
	cr_assert_neq(memcmp(ca, cc, 32), 0);
	/* a second challenge differs from the first */
	svm_zk_transcript_challenge(&a, "c", ca);
	cr_assert_neq(memcmp(ca, cb, 32), 0);
	/* a known answer pins the framing (docs/privacy.md) */
	svm_zk_transcript_init(&c, "svm/zk/kat");
	svm_zk_transcript_append(&c, "msg", (const uint8_t *)"hello", 5);
	svm_zk_transcript_challenge(&c, "ch", cc);
	uint8_t h[64], want[32];
	{
		/* the same computation spelled out with libsodium's SHA-512 */
		uint8_t buf[256];
		size_t n = 0;
		memcpy(buf, "svm/zk/transcript/v1", 20), n = 20;
		uint8_t l10[8] = {10};
		memcpy(buf + n, l10, 8), n += 8;
		memcpy(buf + n, "svm/zk/kat", 10), n += 10;
		uint8_t st[64];
		crypto_hash_sha512(st, buf, n);
		n = 0;
		memcpy(buf, st, 64), n = 64;
		buf[n++] = 1;
		uint8_t l3[8] = {3}, l5[8] = {5}, l2[8] = {2};
		memcpy(buf + n, l3, 8), n += 8;
		memcpy(buf + n, "msg", 3), n += 3;
		memcpy(buf + n, l5, 8), n += 8;
		memcpy(buf + n, "hello", 5), n += 5;
		crypto_hash_sha512(st, buf, n);
		n = 0;
		memcpy(buf, st, 64), n = 64;
		buf[n++] = 2;
		memcpy(buf + n, l2, 8), n += 8;
		memcpy(buf + n, "ch", 2), n += 2;
		crypto_hash_sha512(h, buf, n);
		crypto_core_ristretto255_scalar_reduce(want, h);
	}
	cr_assert_eq(memcmp(cc, want, 32), 0);
}

Test(zk, commitments_are_additively_homomorphic_and_flavors_distinct)
{
	uint64_t seed = test_seed() ^ 0x99, s = seed;
	for (int it = 0; it < 50; it++) {
		uint64_t v1 = rng_next(&s) >> 2, v2 = rng_next(&s) >> 2;
		uint8_t r1[32], r2[32], r[32], c1[32], c2[32], c[32], sum[32];
		rand_scalar(r1, &s);
		rand_scalar(r2, &s);
		crypto_core_ristretto255_scalar_add(r, r1, r2);
		cr_assert_eq(svm_zk_commit(c1, v1, r1), 0);
		cr_assert_eq(svm_zk_commit(c2, v2, r2), 0);
		cr_assert_eq(svm_zk_commit(c, v1 + v2, r), 0);
		crypto_core_ristretto255_add(sum, c1, c2);
		cr_assert_eq(memcmp(sum, c, 32), 0, "seed %#llx", (unsigned long long)seed);
	}
	uint8_t t1[32] = {1}, t2[32] = {2}, f1[32], f2[32];
	svm_zk_flavor(f1, t1);
	svm_zk_flavor(f2, t2);
	cr_assert_neq(memcmp(f1, f2, 32), 0);
	/* v·B + 0·B_blinding is v·B: the generator B is RFC 9496's */
	uint8_t zero[32] = {0}, c3[32], want[32];
	cr_assert_eq(svm_zk_commit(c3, 3, zero), 0);
	cr_assert_eq(svm_hex_decode(want, 32, "94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259"), 0);
	cr_assert_eq(memcmp(c3, want, 32), 0);
	/* B_blinding is not B */
	uint8_t bb[32], b[32];
	svm_zk_generator_blinding(bb);
	svm_zk_generator_B(b);
	cr_assert_neq(memcmp(bb, b, 32), 0);
	uint8_t bad[32];
	memset(bad, 0xff, 32);
	cr_assert_eq(svm_zk_commit(c3, 1, bad), SVM_EDECODE);
}

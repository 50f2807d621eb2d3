/* Tests of CLSAG ring signatures (src/zk/clsag.c): signatures by every ring position verify;
 * the key image is the same for two signatures by one key over different rings and messages
 * (so a registry of used images refuses the second spend) and differs between keys; another
 * message, another ring, another key image, every single-bit change of a signature, a wrong
 * commitment secret and non-canonical encodings are rejected. Seeded; the seed prints. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/base.h"
#include "supervm/privacy.h"

static uint64_t rng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void rand_scalar(uint8_t out[32], uint64_t *s)
{
	uint8_t w[64];
	for (int i = 0; i < 64; i++) w[i] = (uint8_t)rng(s);
	crypto_core_ristretto255_scalar_reduce(out, w);
}

#define N 11
typedef struct {
	uint8_t p[N][32], z[N][32], P[N][32], C[N][32];
} ring_t;

static void make_ring(ring_t *r, uint64_t *s)
{
	for (int i = 0; i < N; i++) {
		rand_scalar(r->p[i], s);
		rand_scalar(r->z[i], s);
		cr_assert_eq(crypto_scalarmult_ristretto255_base(r->P[i], r->p[i]), 0);
		cr_assert_eq(crypto_scalarmult_ristretto255_base(r->C[i], r->z[i]), 0);
	}
}

static uint64_t seed0(void)
{
	const char *e = getenv("SVM_TEST_SEED");
	return e ? strtoull(e, NULL, 0) : 0xc15a6ULL;
}

Test(zk_clsag, every_position_signs_and_verifies_and_key_images_link)
{
	uint64_t seed = seed0(), s = seed;
	static ring_t r;
	make_ring(&r, &s);
	uint8_t sig[(N + 2) * 32], I[32], I2[32], rs[32] = {3};
	cr_assert_eq(svm_zk_clsag_bytes(N), sizeof sig);
	for (size_t pi = 0; pi < N; pi++) {
		cr_assert_eq(svm_zk_clsag_sign(sig, I, (const uint8_t(*)[32])r.P, (const uint8_t(*)[32])r.C,
					       N, pi, r.p[pi], r.z[pi], (const uint8_t *)"m", 1, rs),
			     0);
		cr_assert_eq(svm_zk_clsag_verify(sig, sizeof sig, I, (const uint8_t(*)[32])r.P,
						 (const uint8_t(*)[32])r.C, N, (const uint8_t *)"m", 1),
			     0, "pi %zu seed %#llx", pi, (unsigned long long)seed);
		cr_assert_eq(svm_zk_clsag_key_image(I2, r.p[pi]), 0);
		cr_assert_eq(memcmp(I, I2, 32), 0, "key image of pi %zu", pi);
		cr_assert_eq(svm_zk_clsag_verify(sig, sizeof sig, I, (const uint8_t(*)[32])r.P,
						 (const uint8_t(*)[32])r.C, N, (const uint8_t *)"n", 1),
			     SVM_EPROOF);
	}
	/* the same key in another ring, another message: the same image */
	static ring_t r2;
	make_ring(&r2, &s);
	memcpy(r2.p[4], r.p[0], 32);
	memcpy(r2.P[4], r.P[0], 32);
	uint8_t Ia[32], Ib[32];
	cr_assert_eq(svm_zk_clsag_sign(sig, Ia, (const uint8_t(*)[32])r.P, (const uint8_t(*)[32])r.C, N,
				       0, r.p[0], r.z[0], (const uint8_t *)"spend 1", 7, rs),
		     0);
	cr_assert_eq(svm_zk_clsag_sign(sig, Ib, (const uint8_t(*)[32])r2.P, (const uint8_t(*)[32])r2.C,
				       N, 4, r2.p[4], r2.z[4], (const uint8_t *)"spend 2", 7, rs),
		     0);
	cr_assert_eq(memcmp(Ia, Ib, 32), 0, "one key, one image");
	cr_assert_eq(svm_zk_clsag_key_image(Ib, r.p[1]), 0);
	cr_assert_neq(memcmp(Ia, Ib, 32), 0, "two keys, two images");
}

Test(zk_clsag, forgeries_and_mutations_are_rejected)
{
	uint64_t seed = seed0() ^ 5, s = seed;
	static ring_t r;
	make_ring(&r, &s);
	uint8_t sig[(N + 2) * 32], I[32], rs[32] = {4};
	const uint8_t(*P)[32] = (const uint8_t(*)[32])r.P, (*C)[32] = (const uint8_t(*)[32])r.C;
	cr_assert_eq(svm_zk_clsag_sign(sig, I, P, C, N, 7, r.p[7], r.z[7], (const uint8_t *)"m", 1, rs), 0);
	for (size_t bit = 0; bit < sizeof sig * 8; bit += 3) {
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		int rc = svm_zk_clsag_verify(sig, sizeof sig, I, P, C, N, (const uint8_t *)"m", 1);
		cr_assert(rc == SVM_EPROOF || rc == SVM_EDECODE, "bit %zu accepted, seed %#llx", bit,
			  (unsigned long long)seed);
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (size_t bit = 0; bit < 256; bit++) {
		I[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		int rc = svm_zk_clsag_verify(sig, sizeof sig, I, P, C, N, (const uint8_t *)"m", 1);
		cr_assert(rc == SVM_EPROOF || rc == SVM_EDECODE, "image bit %zu accepted", bit);
		I[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	cr_assert_eq(svm_zk_clsag_verify(sig, sizeof sig, I, P, C, N, (const uint8_t *)"m", 1), 0);
	/* another ring (one member replaced) */
	static ring_t r2;
	memcpy(&r2, &r, sizeof r);
	cr_assert_eq(crypto_scalarmult_ristretto255_base(r2.P[2], r.p[3]), 0);
	cr_assert_eq(svm_zk_clsag_verify(sig, sizeof sig, I, (const uint8_t(*)[32])r2.P, C, N,
					 (const uint8_t *)"m", 1),
		     SVM_EPROOF);
	/* the wrong commitment secret, a key that is not the member's */
	cr_assert_eq(svm_zk_clsag_sign(sig, I, P, C, N, 7, r.p[7], r.z[6], (const uint8_t *)"m", 1, rs),
		     SVM_EINVAL);
	cr_assert_eq(svm_zk_clsag_sign(sig, I, P, C, N, 7, r.p[6], r.z[7], (const uint8_t *)"m", 1, rs),
		     SVM_EINVAL);
	/* length and the identity as key image */
	cr_assert_eq(svm_zk_clsag_verify(sig, sizeof sig - 1, I, P, C, N, (const uint8_t *)"m", 1),
		     SVM_EDECODE);
	uint8_t zero[32] = {0};
	cr_assert_eq(svm_zk_clsag_verify(sig, sizeof sig, zero, P, C, N, (const uint8_t *)"m", 1),
		     SVM_EPROOF);
}

/* The B_blinding form (ring spends of confidential outputs): keys and commitment offsets are
 * multiples of B_blinding; its signatures verify there and nowhere else (the transcript
 * names the generator), its key image differs from the B form's for the same secret, and a
 * B-form key does not sign in it. */
Test(zk_clsag, the_blinding_base_form_verifies_only_as_itself)
{
	uint64_t seed = seed0() ^ 9, s = seed;
	static ring_t r;
	uint8_t zero[32] = {0};
	for (int i = 0; i < N; i++) {
		rand_scalar(r.p[i], &s);
		rand_scalar(r.z[i], &s);
		cr_assert_eq(svm_zk_commit_scalar(r.P[i], zero, r.p[i]), 0);
		cr_assert_eq(svm_zk_commit_scalar(r.C[i], zero, r.z[i]), 0);
	}
	const uint8_t(*P)[32] = (const uint8_t(*)[32])r.P, (*C)[32] = (const uint8_t(*)[32])r.C;
	uint8_t sig[(N + 2) * 32], I[32], I2[32], rs[32] = {6};
	for (size_t pi = 0; pi < N; pi += 5) {
		cr_assert_eq(svm_zk_clsag_sign_base(sig, I, SVM_ZK_BASE_BLINDING, P, C, N, pi, r.p[pi],
						    r.z[pi], (const uint8_t *)"m", 1, rs),
			     0, "seed %#llx", (unsigned long long)seed);
		cr_assert_eq(svm_zk_clsag_verify_base(sig, sizeof sig, I, SVM_ZK_BASE_BLINDING, P, C, N,
						      (const uint8_t *)"m", 1),
			     0);
		cr_assert_eq(svm_zk_clsag_verify(sig, sizeof sig, I, P, C, N, (const uint8_t *)"m", 1),
			     SVM_EPROOF);
		cr_assert_eq(svm_zk_clsag_key_image_base(I2, SVM_ZK_BASE_BLINDING, r.p[pi]), 0);
		cr_assert_eq(memcmp(I, I2, 32), 0);
		cr_assert_eq(svm_zk_clsag_key_image(I2, r.p[pi]), 0);
		cr_assert_neq(memcmp(I, I2, 32), 0);
	}
	cr_assert_eq(svm_zk_clsag_sign(sig, I, P, C, N, 0, r.p[0], r.z[0], (const uint8_t *)"m", 1, rs),
		     SVM_EINVAL, "p·B is not the member's key in the B form");
	cr_assert_eq(svm_zk_clsag_sign_base(sig, I, 7, P, C, N, 0, r.p[0], r.z[0], (const uint8_t *)"m",
					    1, rs),
		     SVM_EINVAL);
}

/* Key-image proofs (view-only wallets): the proof verifies for P = p·G and its key image, which
 * is the one CLSAG signing produces; another key's image, another P, another message, the other
 * base, the identity, every single-bit change of the proof and of I, and bad lengths are
 * rejected. */
Test(zk_clsag, key_image_proofs_show_the_image_and_nothing_else)
{
	uint64_t seed = seed0() ^ 0x4b1, s = seed;
	uint8_t p[32], p2[32], I[32], I2[32], Ic[32], P[32], P2[32], pf[64], pf2[64], rs[32] = {7}, z[32];
	rand_scalar(p, &s);
	rand_scalar(p2, &s);
	rand_scalar(z, &s);
	const uint8_t *m = (const uint8_t *)"bound";
	for (int gen = SVM_ZK_BASE_B; gen <= SVM_ZK_BASE_BLINDING; gen++) {
		uint8_t zero[32] = {0};
		if (gen == SVM_ZK_BASE_B) {
			cr_assert_eq(crypto_scalarmult_ristretto255_base(P, p), 0);
			cr_assert_eq(crypto_scalarmult_ristretto255_base(P2, p2), 0);
		} else {
			cr_assert_eq(svm_zk_commit_scalar(P, zero, p), 0);
			cr_assert_eq(svm_zk_commit_scalar(P2, zero, p2), 0);
		}
		cr_assert_eq(svm_zk_key_image_prove(pf, I, gen, p, m, 5, rs), 0);
		cr_assert_eq(svm_zk_clsag_key_image_base(Ic, gen, p), 0);
		cr_assert_eq(memcmp(I, Ic, 32), 0, "the proven image is the one a spend registers");
		cr_assert_eq(svm_zk_key_image_verify(pf, 64, I, gen, P, m, 5), 0, "seed %#llx gen %d",
			     (unsigned long long)seed, gen);
		cr_assert_eq(svm_zk_key_image_prove(pf2, I2, gen, p2, m, 5, rs), 0);
		cr_assert_neq(memcmp(I, I2, 32), 0);
		cr_assert_eq(svm_zk_key_image_verify(pf, 64, I2, gen, P, m, 5), SVM_EPROOF, "another image");
		cr_assert_eq(svm_zk_key_image_verify(pf, 64, I, gen, P2, m, 5), SVM_EPROOF, "another key");
		cr_assert_eq(svm_zk_key_image_verify(pf2, 64, I2, gen, P, m, 5), SVM_EPROOF,
			     "a true image of another key, claimed for P");
		cr_assert_eq(svm_zk_key_image_verify(pf, 64, I, gen, P, (const uint8_t *)"bounD", 5),
			     SVM_EPROOF, "another message");
		cr_assert_eq(svm_zk_key_image_verify(pf, 64, I, 1 - gen, P, m, 5), SVM_EPROOF, "other base");
		cr_assert_eq(svm_zk_key_image_verify(pf, 63, I, gen, P, m, 5), SVM_EDECODE);
		cr_assert_eq(svm_zk_key_image_verify(pf, 64, I, 7, P, m, 5), SVM_EINVAL);
		uint8_t idn[32] = {0};
		cr_assert_neq(svm_zk_key_image_verify(pf, 64, idn, gen, P, m, 5), 0, "the identity");
		uint8_t bad[64];
		memcpy(bad, pf, 64);
		memset(bad + 32, 0xff, 32);
		cr_assert_eq(svm_zk_key_image_verify(bad, 64, I, gen, P, m, 5), SVM_EDECODE, "s not below l");
		for (int bit = 0; bit < 64 * 8; bit++) {
			memcpy(bad, pf, 64);
			bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			cr_assert_neq(svm_zk_key_image_verify(bad, 64, I, gen, P, m, 5), 0, "proof bit %d", bit);
		}
		for (int bit = 0; bit < 32 * 8; bit++) {
			uint8_t Ib[32];
			memcpy(Ib, I, 32);
			Ib[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			cr_assert_neq(svm_zk_key_image_verify(pf, 64, Ib, gen, P, m, 5), 0, "image bit %d", bit);
		}
	}
	uint8_t zero[32] = {0};
	cr_assert_eq(svm_zk_key_image_prove(pf, I, SVM_ZK_BASE_B, zero, m, 5, rs), SVM_EINVAL);
	(void)z;
}

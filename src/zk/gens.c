/* The generators and Pedersen commitments. B is the ristretto255 generator; B_blinding and
 * the Bulletproofs vectors G_i, H_i are hashed to the group (RFC 9496 one-way map of
 * SHA-512 of a label), so nobody knows a discrete-log relation between any two of them:
 *   B_blinding = map(SHA-512("svm/zk/pedersen/B_blinding"))
 *   G_i        = map(SHA-512("svm/zk/bp/G" ‖ u32le(i))),  H_i likewise with "svm/zk/bp/H".
 * The tables are built once per process (thread-safe) on first use. */
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "supervm/base.h"
#include "zk/internal.h"

static ge_t g_blinding;
static ge_t g_G[SVM_ZK_GENS_MAX], g_H[SVM_ZK_GENS_MAX];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void hash_to_group(ge_t *p, const char *label, const uint8_t *suffix, size_t suffix_len)
{
	crypto_hash_sha512_state st;
	uint8_t h[64], enc[32];
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, (const uint8_t *)label, strlen(label));
	if (suffix_len) crypto_hash_sha512_update(&st, suffix, suffix_len);
	crypto_hash_sha512_final(&st, h);
	crypto_core_ristretto255_from_hash(enc, h);
	int rc = ge_decode(p, enc);
	SVM_VERIFY(rc == 0);
}

_Static_assert(SVM_ZK_GENS_MAX == SVM_ZK_RANGE_BITS * SVM_ZK_AGG_MAX, "one G_i and H_i per proven bit");

static void build(void)
{
	SVM_VERIFY(sodium_init() >= 0);
	hash_to_group(&g_blinding, "svm/zk/pedersen/B_blinding", NULL, 0);
	for (uint32_t i = 0; i < SVM_ZK_GENS_MAX; i++) {
		uint8_t le[4] = {(uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(i >> 16), (uint8_t)(i >> 24)};
		hash_to_group(&g_G[i], "svm/zk/bp/G", le, 4);
		hash_to_group(&g_H[i], "svm/zk/bp/H", le, 4);
	}
}

const ge_t *zk_gen_blinding(void)
{
	pthread_once(&g_once, build);
	return &g_blinding;
}

const ge_t *zk_gens_G(void)
{
	pthread_once(&g_once, build);
	return g_G;
}

const ge_t *zk_gens_H(void)
{
	pthread_once(&g_once, build);
	return g_H;
}

size_t svm_zk_range_proof_bytes(size_t m)
{
	size_t lg = 0;
	while (((size_t)SVM_ZK_RANGE_BITS * m) >> (lg + 1)) lg++;
	SVM_ASSERT(m == 0 || ((size_t)SVM_ZK_RANGE_BITS * m) >> lg == 1); /* lg = floor(log2(64 m)) */
	return (2 * lg + 9) * SVM_ZK_POINT_BYTES;
}

int svm_zk_point_check(const uint8_t p[32])
{
	ge_t g;
	return ge_decode(&g, p);
}

void svm_zk_generator_B(uint8_t out[32])
{
	ge_t b;
	ge_base(&b);
	ge_encode(out, &b);
}

void svm_zk_generator_blinding(uint8_t out[32]) { ge_encode(out, zk_gen_blinding()); }

int svm_zk_commit_scalar(uint8_t out[32], const uint8_t s[32], const uint8_t r[32])
{
	if (svm_zk_scalar_check(s) || svm_zk_scalar_check(r)) return SVM_EDECODE;
	ge_t pts[2], c;
	ge_base(&pts[0]);
	pts[1] = *zk_gen_blinding();
	uint8_t k[2][32];
	memcpy(k[0], s, 32);
	memcpy(k[1], r, 32);
	int rc = zk_msm(&c, (const uint8_t(*)[32])k, pts, 2);
	if (rc == 0) ge_encode(out, &c);
	return rc;
}

int svm_zk_commit(uint8_t out[32], uint64_t v, const uint8_t r[32])
{
	uint8_t s[32];
	sc_from_u64(s, v);
	return svm_zk_commit_scalar(out, s, r);
}

void svm_zk_flavor(uint8_t out[32], const uint8_t token[32])
{
	uint8_t buf[13 + 32];
	memcpy(buf, "svm/zk/flavor", 13);
	memcpy(buf + 13, token, 32);
	svm_zk_scalar_hash(out, buf, sizeof buf);
}

int svm_zk_commit_flavor(uint8_t out[32], const uint8_t token[32], const uint8_t r[32])
{
	uint8_t f[32];
	svm_zk_flavor(f, token);
	return svm_zk_commit_scalar(out, f, r);
}

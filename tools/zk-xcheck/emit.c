/* Prints, as one JSON object on stdout, values computed by src/zk for the independent check in
 * tools/zk-xcheck/xcheck.mjs (@noble/curves' ristretto255, node's SHA-512): the generators,
 * Pedersen quantity and flavor commitments, multiscalar products (Straus and Pippenger sizes),
 * aggregated range proofs, a balance proof and B_blinding-form CLSAGs, each with the inputs
 * it was made from. Deterministic (seeded), so a failure replays. Usage: zk_xcheck_emit (make zk-xcheck runs it). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "supervm/privacy.h"

static uint64_t st = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	st ^= st >> 12;
	st ^= st << 25;
	st ^= st >> 27;
	return st * 0x2545F4914F6CDD1DULL;
}

static void rand_scalar(uint8_t out[32])
{
	uint8_t w[64];
	for (int i = 0; i < 64; i++) w[i] = (uint8_t)rng();
	crypto_core_ristretto255_scalar_reduce(out, w);
}

static void rand_point(uint8_t out[32])
{
	uint8_t k[32], zero[32] = {0};
	rand_scalar(k);
	if (svm_zk_commit_scalar(out, k, zero)) abort(); /* k·B */
}

static void hex(const uint8_t *b, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
	putchar('"');
}

static void key(const char *k, int first) { printf("%s\"%s\":", first ? "" : ",", k); }

static void gens(void)
{
	uint8_t b[32];
	svm_zk_generator_blinding(b);
	key("B_blinding", 1);
	hex(b, 32);
}

static void commitments(void)
{
	printf(",\"commitments\":[");
	for (int i = 0; i < 8; i++) {
		uint8_t r[32], Q[32], rf[32], F[32], token[32];
		uint64_t v = i == 0 ? 0 : i == 1 ? UINT64_MAX
						 : rng();
		rand_scalar(r);
		rand_scalar(rf);
		for (int j = 0; j < 32; j++) token[j] = (uint8_t)rng();
		if (svm_zk_commit(Q, v, r) || svm_zk_commit_flavor(F, token, rf)) abort();
		printf("%s{\"v\":\"%llu\",\"r\":", i ? "," : "", (unsigned long long)v);
		hex(r, 32), printf(",\"Q\":"), hex(Q, 32), printf(",\"token\":"), hex(token, 32);
		printf(",\"rf\":"), hex(rf, 32), printf(",\"F\":"), hex(F, 32), printf("}");
	}
	printf("]");
}

static void msms(void)
{
	static const size_t sizes[] = {1, 4, 8, 9, 40};
	printf(",\"msm\":[");
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
		size_t n = sizes[s];
		uint8_t k[40][32], p[40][32], out[32];
		for (size_t i = 0; i < n; i++) rand_scalar(k[i]), rand_point(p[i]);
		if (svm_zk_msm(out, (const uint8_t(*)[32])k, (const uint8_t(*)[32])p, n)) abort();
		printf("%s{\"k\":[", s ? "," : "");
		for (size_t i = 0; i < n; i++) printf("%s", i ? "," : ""), hex(k[i], 32);
		printf("],\"p\":[");
		for (size_t i = 0; i < n; i++) printf("%s", i ? "," : ""), hex(p[i], 32);
		printf("],\"out\":"), hex(out, 32), printf("}");
	}
	printf("]");
}

static void ranges(void)
{
	static const size_t ms[] = {1, 2};
	printf(",\"range\":[");
	for (size_t s = 0; s < sizeof ms / sizeof *ms; s++) {
		size_t m = ms[s];
		uint64_t v[4];
		uint8_t r[4][32], V[4][32], proof[1024], seed[32], ctx[20];
		for (size_t j = 0; j < m; j++) v[j] = j == 0 ? UINT64_MAX : rng() >> (j * 8), rand_scalar(r[j]);
		for (int i = 0; i < 32; i++) seed[i] = (uint8_t)rng();
		for (int i = 0; i < 20; i++) ctx[i] = (uint8_t)rng();
		if (svm_zk_range_prove(proof, V, v, (const uint8_t(*)[32])r, m, ctx, sizeof ctx, seed))
			abort();
		size_t len = svm_zk_range_proof_bytes(m);
		if (svm_zk_range_verify(proof, len, (const uint8_t(*)[32])V, m, ctx, sizeof ctx)) abort();
		printf("%s{\"m\":%zu,\"ctx\":", s ? "," : "", m);
		hex(ctx, sizeof ctx), printf(",\"V\":[");
		for (size_t j = 0; j < m; j++) printf("%s", j ? "," : ""), hex(V[j], 32);
		printf("],\"proof\":"), hex(proof, len), printf("}");
	}
	printf("]");
}

static void balance(void)
{
	enum { N = 5 };
	uint8_t x[N][32], P[N][32], proof[64], ctx[16] = "balance-xcheck", seed[32] = {5};
	uint8_t zero[32] = {0};
	for (int k = 0; k < N; k++) {
		rand_scalar(x[k]);
		if (svm_zk_commit_scalar(P[k], zero, x[k])) abort(); /* x·B_blinding */
	}
	if (svm_zk_balance_prove(proof, (const uint8_t(*)[32])P, (const uint8_t(*)[32])x, N, ctx,
				 sizeof ctx, seed))
		abort();
	printf(",\"balance\":{\"ctx\":"), hex(ctx, sizeof ctx), printf(",\"P\":[");
	for (int k = 0; k < N; k++) printf("%s", k ? "," : ""), hex(P[k], 32);
	printf("],\"proof\":"), hex(proof, 64), printf("}");
}

static void clsags(void)
{
	enum { N = 11 };
	printf(",\"clsag\":[");
	for (int t = 0; t < 2; t++) {
		uint8_t p[N][32], z[N][32], P[N][32], C[N][32], I[32], sig[(N + 2) * 32];
		uint8_t zero[32] = {0}, seed[32] = {9}, msg[7] = "message";
		int gen = t ? SVM_ZK_BASE_BLINDING : SVM_ZK_BASE_B;
		for (int i = 0; i < N; i++) {
			rand_scalar(p[i]), rand_scalar(z[i]);
			if (gen == SVM_ZK_BASE_B ? svm_zk_commit_scalar(P[i], p[i], zero) ||
							   svm_zk_commit_scalar(C[i], z[i], zero)
						 : svm_zk_commit_scalar(P[i], zero, p[i]) ||
							   svm_zk_commit_scalar(C[i], zero, z[i]))
				abort();
		}
		size_t pi = (size_t)(rng() % N);
		if (svm_zk_clsag_sign_base(sig, I, gen, (const uint8_t(*)[32])P, (const uint8_t(*)[32])C,
					   N, pi, p[pi], z[pi], msg, sizeof msg, seed))
			abort();
		printf("%s{\"base\":\"%s\",\"msg\":", t ? "," : "", t ? "B_blinding" : "B");
		hex(msg, sizeof msg), printf(",\"I\":"), hex(I, 32), printf(",\"P\":[");
		for (int i = 0; i < N; i++) printf("%s", i ? "," : ""), hex(P[i], 32);
		printf("],\"C\":[");
		for (int i = 0; i < N; i++) printf("%s", i ? "," : ""), hex(C[i], 32);
		printf("],\"sig\":"), hex(sig, sizeof sig), printf("}");
	}
	printf("]");
}

int main(void)
{
	if (sodium_init() < 0) return 1;
	printf("{");
	gens();
	commitments();
	msms();
	ranges();
	balance();
	clsags();
	printf("}\n");
	return 0;
}

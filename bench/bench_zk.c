/* The privacy layer's benchmark (`make bench-zk`): multiscalar multiplication — libsodium one
 * product and one addition at a time, our own arithmetic one point at a time, and Pippenger —
 * on the same inputs in the same run; then Bulletproofs range proofs (prove and verify, m = 1,
 * 2, 8, 32) and the balance proof. Prints medians; `bench_zk quick` runs fewer rounds. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervm/base.h"
#include "supervm/groth16.h"
#include "supervm/privacy.h"
#include "zk/internal.h"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	return v[n / 2];
}

static void own_one_at_a_time(uint8_t out[32], const uint8_t (*k)[32], const ge_t *p, size_t n)
{
	ge_t acc, t;
	ge_identity(&acc);
	for (size_t i = 0; i < n; i++) {
		ge_scalarmult(&t, k[i], &p[i]);
		ge_add(&acc, &acc, &t);
	}
	ge_encode(out, &acc);
}

static void bench_msm(int reps)
{
	static const size_t sizes[] = {64, 147, 256, 1024, 4096};
	printf("multiscalar multiplication, n points (median of %d, µs)\n", reps);
	printf("%6s %14s %14s %12s %10s %10s\n", "n", "libsodium 1x1", "own 1x1", "Pippenger",
	       "vs sodium", "µs/point");
	for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
		size_t n = sizes[si];
		uint8_t(*k)[32] = malloc(n * 32), (*p)[32] = malloc(n * 32);
		ge_t *g = malloc(n * sizeof *g);
		for (size_t i = 0; i < n; i++) {
			uint8_t w[64];
			randombytes_buf(w, 64);
			crypto_core_ristretto255_scalar_reduce(k[i], w);
			randombytes_buf(w, 64);
			crypto_core_ristretto255_from_hash(p[i], w);
			if (ge_decode(&g[i], p[i])) abort();
		}
		double t_na[16], t_own[16], t_pip[16];
		uint8_t a[32], b[32], c[32];
		int r = n >= 1024 ? (reps > 3 ? 3 : reps) : reps;
		for (int it = 0; it < r; it++) {
			double t0 = now_us();
			svm_zk_msm_naive(a, (const uint8_t(*)[32])k, (const uint8_t(*)[32])p, n);
			double t1 = now_us();
			own_one_at_a_time(b, (const uint8_t(*)[32])k, g, n);
			double t2 = now_us();
			ge_t res;
			if (zk_msm(&res, (const uint8_t(*)[32])k, g, n)) abort();
			ge_encode(c, &res);
			double t3 = now_us();
			t_na[it] = t1 - t0, t_own[it] = t2 - t1, t_pip[it] = t3 - t2;
		}
		if (memcmp(a, b, 32) || memcmp(a, c, 32)) {
			printf("MISMATCH at n = %zu\n", n);
			exit(1);
		}
		double na = median(t_na, r), own = median(t_own, r), pip = median(t_pip, r);
		printf("%6zu %14.0f %14.0f %12.0f %9.1fx %10.2f\n", n, na, own, pip, na / pip,
		       pip / (double)n);
		free(k), free(p), free(g);
	}
}

static void bench_range(int reps)
{
	static const size_t ms[] = {1, 2, 8, 32};
	printf("\nBulletproofs range proofs, 64-bit values (median of %d, ms)\n", reps);
	printf("%4s %8s %10s %10s %14s\n", "m", "bytes", "prove", "verify", "verify/value");
	for (size_t mi = 0; mi < sizeof ms / sizeof *ms; mi++) {
		size_t m = ms[mi];
		uint64_t v[SVM_ZK_AGG_MAX];
		uint8_t r[SVM_ZK_AGG_MAX][32], V[SVM_ZK_AGG_MAX][32], seed[32];
		static uint8_t proof[1024];
		for (size_t j = 0; j < m; j++) {
			randombytes_buf(&v[j], 8);
			uint8_t w[64];
			randombytes_buf(w, 64);
			crypto_core_ristretto255_scalar_reduce(r[j], w);
		}
		randombytes_buf(seed, 32);
		int rr = m >= 8 ? (reps > 3 ? 3 : reps) : reps;
		double tp[16], tv[16];
		for (int it = 0; it < rr; it++) {
			double t0 = now_us();
			if (svm_zk_range_prove(proof, V, v, (const uint8_t(*)[32])r, m, NULL, 0, seed))
				abort();
			double t1 = now_us();
			if (svm_zk_range_verify(proof, svm_zk_range_proof_bytes(m),
						(const uint8_t(*)[32])V, m, NULL, 0))
				abort();
			double t2 = now_us();
			tp[it] = t1 - t0, tv[it] = t2 - t1;
		}
		double p = median(tp, rr) / 1e3, ve = median(tv, rr) / 1e3;
		printf("%4zu %8zu %10.2f %10.3f %14.3f\n", m, svm_zk_range_proof_bytes(m), p, ve,
		       ve / (double)m);
	}
}

static void bench_balance(int reps)
{
	enum { N = 4 };
	uint8_t P[N][32], x[N][32], proof[64], seed[32] = {1};
	for (int i = 0; i < N; i++) {
		uint8_t w[64];
		randombytes_buf(w, 64);
		crypto_core_ristretto255_scalar_reduce(x[i], w);
		uint8_t z[32] = {0};
		if (svm_zk_commit_scalar(P[i], z, x[i])) abort();
	}
	double tp[16], tv[16];
	for (int it = 0; it < reps; it++) {
		double t0 = now_us();
		if (svm_zk_balance_prove(proof, (const uint8_t(*)[32])P, (const uint8_t(*)[32])x, N, NULL,
					 0, seed))
			abort();
		double t1 = now_us();
		if (svm_zk_balance_verify(proof, (const uint8_t(*)[32])P, N, NULL, 0)) abort();
		double t2 = now_us();
		tp[it] = t1 - t0, tv[it] = t2 - t1;
	}
	printf("\nbalance proof over %d statements: prove %.0f µs, verify %.0f µs\n", N,
	       median(tp, reps), median(tv, reps));
}

static void bench_clsag(int reps)
{
	enum { N = 11 };
	uint8_t p[N][32], z[N][32], P[N][32], C[N][32], I[32], sig[(N + 2) * 32], seed[32] = {2};
	for (int i = 0; i < N; i++) {
		uint8_t w[64];
		randombytes_buf(w, 64);
		crypto_core_ristretto255_scalar_reduce(p[i], w);
		randombytes_buf(w, 64);
		crypto_core_ristretto255_scalar_reduce(z[i], w);
		if (crypto_scalarmult_ristretto255_base(P[i], p[i]) ||
		    crypto_scalarmult_ristretto255_base(C[i], z[i]))
			abort();
	}
	double ts[16], tv[16];
	for (int it = 0; it < reps; it++) {
		double t0 = now_us();
		if (svm_zk_clsag_sign(sig, I, (const uint8_t(*)[32])P, (const uint8_t(*)[32])C, N, 5, p[5],
				      z[5], (const uint8_t *)"m", 1, seed))
			abort();
		double t1 = now_us();
		if (svm_zk_clsag_verify(sig, sizeof sig, I, (const uint8_t(*)[32])P,
					(const uint8_t(*)[32])C, N, (const uint8_t *)"m", 1))
			abort();
		double t2 = now_us();
		ts[it] = t1 - t0, tv[it] = t2 - t1;
	}
	printf("CLSAG, ring of %d (%zu bytes): sign %.0f µs, verify %.0f µs\n", N,
	       svm_zk_clsag_bytes(N), median(ts, reps), median(tv, reps));
}

/* What the confidential program verifies per ring input (ring of 11 over B_blinding): the
 * commitment offsets C_j (one 4-point product each, as confidential.c computes them) and the
 * CLSAG; the metering (SVM_STEPS_CONF_RING_*) is set from this row. */
static void bench_ring_input(int reps)
{
	enum { N = 11 };
	uint8_t p[N][32], z[N][32], P[N][32], C[N][32], I[32], sig[(N + 2) * 32], seed[32] = {3};
	uint8_t sc[4][32], pts[4][32], zero[32] = {0};
	for (int i = 0; i < N; i++) {
		uint8_t w[64];
		randombytes_buf(w, 64);
		crypto_core_ristretto255_scalar_reduce(p[i], w);
		randombytes_buf(w, 64);
		crypto_core_ristretto255_scalar_reduce(z[i], w);
		if (svm_zk_commit_scalar(P[i], zero, p[i]) || svm_zk_commit_scalar(C[i], zero, z[i]))
			abort();
	}
	for (int k = 0; k < 4; k++) {
		uint8_t w[64];
		randombytes_buf(w, 64);
		crypto_core_ristretto255_scalar_reduce(sc[k], w);
		memcpy(pts[k], P[k], 32);
	}
	if (svm_zk_clsag_sign_base(sig, I, SVM_ZK_BASE_BLINDING, (const uint8_t(*)[32])P,
				   (const uint8_t(*)[32])C, N, 5, p[5], z[5], (const uint8_t *)"m", 1,
				   seed))
		abort();
	double to[16], tv[16];
	for (int it = 0; it < reps; it++) {
		double t0 = now_us();
		uint8_t out[32];
		for (int j = 0; j < N; j++)
			if (svm_zk_msm(out, (const uint8_t(*)[32])sc, (const uint8_t(*)[32])pts, 4))
				abort();
		double t1 = now_us();
		if (svm_zk_clsag_verify_base(sig, sizeof sig, I, SVM_ZK_BASE_BLINDING,
					     (const uint8_t(*)[32])P, (const uint8_t(*)[32])C, N,
					     (const uint8_t *)"m", 1))
			abort();
		double t2 = now_us();
		to[it] = t1 - t0, tv[it] = t2 - t1;
	}
	printf("ring-spend input, ring of %d: offsets %.0f µs + CLSAG (B_blinding) verify %.0f µs\n",
	       N, median(to, reps), median(tv, reps));
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	static char buf[3][65536];
	static int k;
	char *b = buf[k++ % 3];
	size_t n = fread(b, 1, sizeof buf[0] - 1, f);
	b[n] = 0;
	fclose(f);
	return b;
}

static void bench_groth16(int reps)
{
	static uint8_t vk[SVM_GROTH16_VK_BYTES_MAX], proof[SVM_GROTH16_PROOF_BYTES];
	static uint8_t pub[SVM_GROTH16_PUBLIC_MAX][32];
	size_t vk_len, n;
	const char *v = slurp("tests/vectors/groth16/mul/vk.json");
	const char *p = slurp("tests/vectors/groth16/mul/proof.json");
	const char *u = slurp("tests/vectors/groth16/mul/public.json");
	if (!v || !p || !u ||
	    svm_groth16_from_snarkjs(v, p, u, vk, &vk_len, proof, pub, &n)) {
		printf("Groth16: tests/vectors/groth16/mul not found (run from the repository root)\n");
		return;
	}
	double t[16];
	for (int it = 0; it < reps; it++) {
		double t0 = now_us();
		if (svm_groth16_verify(vk, vk_len, (const uint8_t(*)[32])pub, n, proof, sizeof proof))
			abort();
		t[it] = now_us() - t0;
	}
	printf("Groth16 verify (BN254, snarkjs proof, %zu public inputs): %.2f ms\n", n,
	       median(t, reps) / 1e3);
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0) return 1;
	int reps = argc > 1 && strcmp(argv[1], "quick") == 0 ? 3 : 11;
	double t0 = now_us();
	(void)zk_gens_G(); /* build the generator tables outside the timings */
	printf("generator tables (2 x %d points + B_blinding): %.0f ms\n\n", SVM_ZK_GENS_MAX,
	       (now_us() - t0) / 1e3);
	bench_msm(reps);
	bench_range(reps);
	bench_balance(reps);
	bench_clsag(reps);
	bench_ring_input(reps);
	bench_groth16(reps);
	return 0;
}

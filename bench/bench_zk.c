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
#include "supervm/chain.h"
#include "supervm/groth16.h"
#include "supervm/privacy.h"
#include "vm/evm/bn254.h"
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

static double minimum(const double *v, int n)
{
	double m = v[0];
	for (int i = 1; i < n; i++) m = v[i] < m ? v[i] : m;
	return m;
}

/* This thread's CPU time: on a shared machine wall time counts other processes' slices. */
static double cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double timed_us(int (*op)(const uint8_t *, size_t, uint8_t **, size_t *), const uint8_t *in,
		       size_t len)
{
	uint8_t *o = NULL;
	size_t ol = 0;
	double t0 = cpu_us();
	if (op(in, len, &o, &ol) != 1) abort();
	double dt = cpu_us() - t0;
	svm_free(o);
	return dt;
}

/* The price of the Groth16 verification (groth16.h) against its parts (thread CPU time), in the
 * same loop as a
 * 64-bit range proof's verification, whose price (450,000 steps) sets the ns per step the
 * privacy path's metering follows: the pairing product of k pairs (each G2 point's subgroup
 * check included) for k = 1 and 4, and one G1 scalar multiplication (an MSM term). */
static double g16_delta_us;     /* what the affine code would add to one verify (3 inputs, 4 G2) */
static double g16_ref_delta_us; /* what the reference pairing would add (4 pairs) */

static void groth16_calibrate(int reps, const uint8_t *vk, const uint8_t *proof)
{
	uint8_t pairs[4 * 192], mul[96] = {0}, rp[672], V[1][32], r[1][32] = {{7}}, seed[32] = {3};
	uint64_t v = 12345;
	memcpy(pairs, vk + 2, 64);            /* alpha */
	memcpy(pairs + 64, vk + 2 + 64, 128); /* beta */
	for (int i = 1; i < 4; i++) memcpy(pairs + 192 * i, pairs, 192);
	memcpy(mul, proof, 64);
	memset(mul + 64, 0xee, 32);
	mul[64] = 0x2e; /* a 254-bit scalar */
	if (svm_zk_range_prove(rp, V, &v, (const uint8_t(*)[32])r, 1, NULL, 0, seed)) abort();
	double t1[32], t4[32], tm[32], tr[32], ta[32], tg[32], tga[32], tp1r[32], tp4r[32];
	uint8_t gt[384];
	reps *= 2;
	for (int it = 0; it < reps; it++) {
		double t0 = cpu_us();
		if (svm_zk_range_verify(rp, sizeof rp, (const uint8_t(*)[32])V, 1, NULL, 0)) abort();
		tr[it] = cpu_us() - t0;
		t1[it] = timed_us(svm_bn254_pairing, pairs, 192);
		t4[it] = timed_us(svm_bn254_pairing, pairs, 4 * 192);
		tm[it] = timed_us(svm_bn254_mul, mul, 96);
		ta[it] = timed_us(svm_bn254_mul_affine_ref, mul, 96);
		t0 = cpu_us();
		if (svm_bn254_g2_check(vk + 2 + 64, false) != 1) abort();
		tg[it] = cpu_us() - t0;
		t0 = cpu_us();
		if (svm_bn254_g2_check(vk + 2 + 64, true) != 1) abort();
		tga[it] = cpu_us() - t0;
		t0 = cpu_us();
		if (svm_bn254_pairing_gt(pairs, 192, gt, true) != 1) abort();
		tp1r[it] = cpu_us() - t0;
		t0 = cpu_us();
		if (svm_bn254_pairing_gt(pairs, 4 * 192, gt, true) != 1) abort();
		tp4r[it] = cpu_us() - t0;
	}
	/* minima: on a shared machine the least disturbed run is the closest to the cost */
	double rv = minimum(tr, reps), ns_step = rv * 1e3 / 450000.0;
	double p1 = minimum(t1, reps), p4 = minimum(t4, reps), m = minimum(tm, reps);
	double ma = minimum(ta, reps), g = minimum(tg, reps), ga = minimum(tga, reps);
	printf("BN254 Jacobian vs affine (the code it replaced), same loop, minima of %d: G1 scalar "
	       "multiplication %.0f us vs %.0f us (%.1fx); G2 subgroup check %.0f us vs %.0f us (%.1fx)\n",
	       reps, m, ma, ma / m, g, ga, ga / g);
	double p1r = minimum(tp1r, reps), p4r = minimum(tp4r, reps);
	printf("BN254 pairing, fast (projective Miller loop, sparse lines, cyclotomic final "
	       "exponentiation) vs reference (affine loop, plain exponentiation), same loop, minima of "
	       "%d: 1 pair %.0f us vs %.0f us (%.1fx); 4 pairs %.0f us vs %.0f us (%.1fx)\n",
	       reps, p1, p1r, p1r / p1, p4, p4r, p4r / p4);
	g16_ref_delta_us = p4r - p4;
	g16_delta_us = 3 * (ma - m) + 4 * (ga - g); /* snarkjs mul: 3 inputs, 4 G2 points read */
	printf("Groth16 pricing, CPU time, same loop, minima of %d: range proof verify (450,000 steps) %.0f us = "
	       "%.2f ns/step;\n"
	       "  pairing product of 1 pair %.0f us (%.0f steps at that rate), of 4 pairs %.0f us "
	       "(%.0f steps), G1 scalar multiplication %.0f us (%.0f steps);\n"
	       "  priced: verify %llu steps = %.0f us at that rate, per input %llu steps = %.0f us\n",
	       reps, rv, ns_step, p1, p1 * 1e3 / ns_step, p4, p4 * 1e3 / ns_step, m,
	       m * 1e3 / ns_step, (unsigned long long)SVM_STEPS_GROTH16_VERIFY,
	       SVM_STEPS_GROTH16_VERIFY * ns_step / 1e3,
	       (unsigned long long)SVM_STEPS_GROTH16_PER_INPUT,
	       SVM_STEPS_GROTH16_PER_INPUT * ns_step / 1e3);
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
		double t0 = cpu_us();
		if (svm_groth16_verify(vk, vk_len, (const uint8_t(*)[32])pub, n, proof, sizeof proof))
			abort();
		t[it] = cpu_us() - t0;
	}
	printf("Groth16 verify (BN254, snarkjs proof, %zu public inputs): %.2f ms (CPU time, median)\n",
	       n, median(t, reps) / 1e3);
	groth16_calibrate(reps, vk, proof);
	printf("Groth16 verify with the reference pairing (this run's median + the 4-pair difference "
	       "above): %.2f ms; and with the affine G1 multiplications and G2 subgroup checks too "
	       "(+ 3 G1 + 4 G2 differences): %.2f ms\n",
	       (median(t, reps) + g16_ref_delta_us) / 1e3,
	       (median(t, reps) + g16_ref_delta_us + g16_delta_us) / 1e3);
}

/* ---- Groth16 through the chain: the native program vs a contract's host function call */

#define G16_TXS 8 /* transactions per block */

static int g16_sign(svm_buf_t *out, const svm_keypair_t *kp, uint64_t nonce, uint8_t vm,
		    const svm_buf_t *payload)
{
	svm_tx_t tx = {.chain_id = 1, .sender = kp->id, .nonce = nonce, .expiry_height = 1000000, .fee_limit = 100000000, .access_mode = SVM_ACCESS_DYNAMIC, .vm = vm, .payload = payload->data, .payload_len = payload->len, .scheme = SVM_SCHEME_ED25519, .public_key = kp->public_key, .public_key_len = 32};
	uint8_t sig[64];
	int rc = svm_tx_sign(&tx, kp->secret_key, sig, NULL);
	return rc ? rc : svm_tx_encode(&tx, out);
}

/* Builds one block of the n signed transactions; its CPU time in µs (< 0 on failure), and the
 * first transaction's receipt steps and status. */
static double g16_block(svm_chain_t *c, svm_buf_t *txs, size_t n, const svm_keypair_t *kp,
			uint64_t *steps, unsigned *status)
{
	const uint8_t *p[G16_TXS];
	size_t len[G16_TXS];
	svm_build_result_t res[G16_TXS];
	for (size_t i = 0; i < n; i++) p[i] = txs[i].data, len[i] = txs[i].len;
	svm_error_t err = {0};
	struct timespec a0, a1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a0); /* every thread's CPU time, not wall time */
	if (svm_chain_build(c, p, len, n, 0, &kp->id, res, &err)) return -1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a1);
	double dt = (double)(a1.tv_sec - a0.tv_sec) * 1e6 + (double)(a1.tv_nsec - a0.tv_nsec) / 1e3;
	for (size_t i = 0; i < n; i++)
		if (res[i].status) return -1;
	svm_hash_t id;
	svm_buf_t rb = {0};
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_receipt_t r;
	svm_tx_t tx;
	if (svm_tx_decode(txs[0].data, txs[0].len, &a, &tx, &id, NULL) ||
	    svm_chain_receipt(c, &id, &rb, NULL, NULL, NULL, NULL) ||
	    svm_receipt_decode(rb.data, rb.len, &a, &r, NULL))
		dt = -1;
	else
		*steps = r.steps, *status = r.status;
	svm_buf_free(&rb);
	svm_arena_reset(&a);
	for (size_t i = 0; i < n; i++) svm_buf_free(&txs[i]);
	return dt;
}

static void bench_groth16_chain(int reps)
{
	static uint8_t vk[SVM_GROTH16_VK_BYTES_MAX], proof[SVM_GROTH16_PROOF_BYTES];
	static uint8_t pub[SVM_GROTH16_PUBLIC_MAX][32], code[65536];
	size_t vk_len, n, code_len = 0;
	const char *v = slurp("tests/vectors/groth16/mul/vk.json");
	const char *p = slurp("tests/vectors/groth16/mul/proof.json");
	const char *u = slurp("tests/vectors/groth16/mul/public.json");
	FILE *f = fopen("build/contracts/zkverify.wasm", "rb");
	if (f) code_len = fread(code, 1, sizeof code, f), fclose(f);
	if (!v || !p || !u || !code_len || svm_groth16_from_snarkjs(v, p, u, vk, &vk_len, proof, pub, &n)) {
		printf("Groth16 on chain: vectors or build/contracts/zkverify.wasm missing\n");
		return;
	}
	svm_keypair_t kp;
	uint8_t seed[32] = {1};
	svm_keypair_from_seed(&kp, seed);
	svm_id_t swr, contract, vk_id;
	svm_token_id("SWR", &swr);
	svm_genesis_balance_t bal = {.owner = kp.id, .token = swr, .amount = 1ull << 50};
	svm_genesis_t g = {.chain_id = 1, .fees = {1000, 2, 1, 0}, .n_balances = 1, .balances = &bal};
	char dir[] = "/tmp/svmbenchzk.XXXXXX";
	svm_chain_t *c = NULL;
	svm_error_t err = {0};
	svm_chain_config_t cfg = {.map_bytes = 1ull << 30, .exec_threads = 1};
	if (!mkdtemp(dir) || svm_chain_open(&c, dir, &g, &cfg, &err)) {
		printf("Groth16 on chain: %s\n", err.msg);
		return;
	}
	uint64_t nonce = 0, steps = 0;
	unsigned status = 0;
	svm_buf_t txs[G16_TXS] = {{0}}, pl = {0}, stmt = {0};
	/* setup: deploy, set the contract's key, register the native key */
	svm_contract_id(&kp.id, nonce, &contract);
	svm_contract_deploy_payload(&pl, code, code_len);
	g16_sign(&txs[0], &kp, nonce++, SVM_VM_WASM, &pl);
	pl.len = 0;
	svm_contract_call_payload(&pl, &contract, "set_key", vk, vk_len, NULL, 0);
	g16_sign(&txs[1], &kp, nonce++, SVM_VM_WASM, &pl);
	pl.len = 0;
	svm_varint_append(&pl, SVM_PROGRAM_GROTH16);
	svm_varint_append(&pl, SVM_GROTH16_REGISTER);
	svm_buf_append(&pl, vk, vk_len);
	g16_sign(&txs[2], &kp, nonce++, SVM_VM_NATIVE, &pl);
	if (g16_block(c, txs, 3, &kp, &steps, &status) < 0 || status) {
		printf("Groth16 on chain: setup failed\n");
		goto out;
	}
	svm_groth16_vk_id(vk, vk_len, &vk_id);
	svm_buf_push(&stmt, (uint8_t)n);
	svm_buf_append(&stmt, pub, 32 * n);
	svm_buf_append(&stmt, proof, sizeof proof);
	double t[2][16];
	uint64_t st[2] = {0};
	for (int it = 0; it < reps; it++) {
		for (int kind = 0; kind < 2; kind++) {
			pl.len = 0;
			if (kind == 0) {
				svm_varint_append(&pl, SVM_PROGRAM_GROTH16);
				svm_varint_append(&pl, SVM_GROTH16_VERIFY);
				svm_buf_append(&pl, vk_id.b, 32);
				svm_varint_append(&pl, n);
				svm_buf_append(&pl, pub, 32 * n);
				svm_buf_append(&pl, proof, sizeof proof);
			} else {
				svm_contract_call_payload(&pl, &contract, "verify", stmt.data, stmt.len, NULL, 0);
			}
			for (int i = 0; i < G16_TXS; i++)
				g16_sign(&txs[i], &kp, nonce++, kind ? SVM_VM_WASM : SVM_VM_NATIVE, &pl);
			t[kind][it] = g16_block(c, txs, G16_TXS, &kp, &st[kind], &status) / G16_TXS;
			if (t[kind][it] < 0 || status) {
				printf("Groth16 on chain: a verification failed\n");
				goto out;
			}
		}
	}
	double tn = median(t[0], reps), tc = median(t[1], reps);
	printf("\nGroth16 verify on chain (mul, %zu inputs; blocks of %d, 1 thread, per transaction "
	       "incl. signature check and commit, process CPU time, median):\n"
	       "| route | steps | ms per tx |\n|---|---:|---:|\n"
	       "| native program 25 | %llu | %.2f |\n| contract, groth16_verify host function | %llu | %.2f |\n"
	       "contract / native: %.2fx time, %.4fx steps\n",
	       n, G16_TXS, (unsigned long long)st[0], tn / 1e3, (unsigned long long)st[1], tc / 1e3,
	       tc / tn, (double)st[1] / (double)st[0]);
out:
	svm_buf_free(&pl);
	svm_buf_free(&stmt);
	svm_chain_close(c);
	char cmd[64];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd)) printf("could not remove %s\n", dir);
}

/* `bench_zk bn254`: the BN254 layers on their own (thread CPU time, minima of 22): field
 * operations in chained loops, the G2 subgroup check, one G1 scalar multiplication, and EIP-197
 * pairing products of 1, 2 and 4 pairs (each G2 point decoded and subgroup-checked) and one
 * Groth16 verification, the rows docs/privacy.md compares with other libraries. */
static double field_ns(int op, bool ext)
{
	double best = 1e30;
	for (int r = 0; r < 22; r++) {
		double t0 = cpu_us();
		volatile uint64_t sink = svm_bn254_field_loop(op, ext, 100000);
		(void)sink;
		double ns = (cpu_us() - t0) * 1e3 / 100000;
		if (ns < best) best = ns;
	}
	return best;
}

static void bench_bn254(void)
{
	static uint8_t vk[SVM_GROTH16_VK_BYTES_MAX], proof[SVM_GROTH16_PROOF_BYTES], pairs[4 * 192];
	static uint8_t pub[SVM_GROTH16_PUBLIC_MAX][32];
	size_t vk_len, n;
	const char *v = slurp("tests/vectors/groth16/mul/vk.json");
	const char *p = slurp("tests/vectors/groth16/mul/proof.json");
	const char *u = slurp("tests/vectors/groth16/mul/public.json");
	if (!v || !p || !u || svm_groth16_from_snarkjs(v, p, u, vk, &vk_len, proof, pub, &n)) {
		printf("bn254: tests/vectors/groth16/mul not found (run from the repository root)\n");
		return;
	}
	const char *name[4] = {"mul", "sqr", "add", "sub"};
	for (int op = 0; op < 4; op++)
		printf("Fp %s ns %.1f | Fp2 %s ns %.1f\n", name[op], field_ns(op, false), name[op],
		       field_ns(op, true));
	/* the key's (alpha, beta), (IC_0, gamma), (IC_1, delta), (alpha, beta): four different G2 */
	memcpy(pairs, vk + 2, 192);
	memcpy(pairs + 192, vk + 2 + 192 + 256 + 64, 64);
	memcpy(pairs + 256, vk + 2 + 192, 128);
	memcpy(pairs + 384, vk + 2 + 192 + 256 + 64, 64);
	memcpy(pairs + 448, vk + 2 + 192 + 128, 128);
	memcpy(pairs + 576, pairs, 192);
	uint8_t mul[96] = {0};
	memcpy(mul, proof, 64);
	memset(mul + 64, 0xee, 32);
	mul[64] = 0x2e;
	double t[6][22];
	for (int it = 0; it < 22; it++) {
		double t0 = cpu_us();
		if (svm_groth16_verify(vk, vk_len, (const uint8_t(*)[32])pub, n, proof, sizeof proof)) abort();
		t[5][it] = cpu_us() - t0;
		t0 = cpu_us();
		if (svm_bn254_g2_check(vk + 2 + 64, false) != 1) abort();
		t[0][it] = cpu_us() - t0;
		t[1][it] = timed_us(svm_bn254_mul, mul, 96);
		t[2][it] = timed_us(svm_bn254_pairing, pairs, 192);
		t[3][it] = timed_us(svm_bn254_pairing, pairs, 2 * 192);
		t[4][it] = timed_us(svm_bn254_pairing, pairs, 4 * 192);
	}
	printf("G2 subgroup check us %.1f\nG1 mul us %.1f\npairing product 1 pair + 1 G2 check us %.1f\n"
	       "pairing product 2 pairs + 2 G2 checks us %.1f\npairing product 4 pairs + 4 G2 checks us %.1f\n",
	       minimum(t[0], 22), minimum(t[1], 22), minimum(t[2], 22), minimum(t[3], 22), minimum(t[4], 22));
	printf("Groth16 verify, snarkjs mul (3 inputs) us %.1f\n", minimum(t[5], 22));
}

/* `bench_zk pairing-once fast|ref|pair2|verify`: one 4-pair product (the Groth16 shape: the key's
 * alpha and beta four times) by the fast or the reference pairing, the same 2-pair product (fast),
 * or one svm_groth16_verify of the
 * snarkjs `mul` proof, and nothing else, so that `valgrind --tool=callgrind` counts its
 * instructions (docs/privacy.md). */
static int pairing_once(const char *what)
{
	static uint8_t vk[SVM_GROTH16_VK_BYTES_MAX], proof[SVM_GROTH16_PROOF_BYTES], pairs[4 * 192];
	static uint8_t pub[SVM_GROTH16_PUBLIC_MAX][32], gt[384];
	size_t vk_len, n;
	const char *v = slurp("tests/vectors/groth16/mul/vk.json");
	const char *p = slurp("tests/vectors/groth16/mul/proof.json");
	const char *u = slurp("tests/vectors/groth16/mul/public.json");
	if (!v || !p || !u || svm_groth16_from_snarkjs(v, p, u, vk, &vk_len, proof, pub, &n)) return 1;
	memcpy(pairs, vk + 2, 192);
	for (int i = 1; i < 4; i++) memcpy(pairs + 192 * i, pairs, 192);
	if (strcmp(what, "verify") == 0)
		return svm_groth16_verify(vk, vk_len, (const uint8_t(*)[32])pub, n, proof, sizeof proof) ? 1 : 0;
	if (strcmp(what, "pair2") == 0) /* the EIP-197 precompile on 2 pairs */
		return svm_bn254_pairing_gt(pairs, 2 * 192, gt, false) == 1 ? 0 : 1;
	return svm_bn254_pairing_gt(pairs, sizeof pairs, gt, strcmp(what, "ref") == 0) == 1 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0) return 1;
	int reps = argc > 1 && strcmp(argv[1], "quick") == 0 ? 3 : 11;
	if (argc > 2 && strcmp(argv[1], "pairing-once") == 0) /* one product, for callgrind */
		return pairing_once(argv[2]);
	if (argc > 1 && strcmp(argv[1], "bn254") == 0) { /* the BN254 layers alone */
		bench_bn254();
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "groth16") == 0) { /* the Groth16 rows alone */
		bench_groth16(reps);
		bench_groth16_chain(reps);
		return 0;
	}
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
	bench_groth16_chain(reps);
	return 0;
}

/* Trace and bisection benchmark (make bench-verify): the stepper's speed with and without a
 * state hash every K steps (the checkpoint overhead at each K), the one-step proof size and the
 * chain's one-step verify time, and the rounds and bytes of a full dispute over 2^32 steps
 * (the game run on synthetic hashes: its cost does not depend on what the steps compute).
 * Times are this thread's CPU time. Prints tables; never fails on timing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervm/ai.h"
#include "supervm/trace.h"
#include "supervm/wasm.h"

/* This thread's CPU time: the VM is shared with other builds, so wall time measures the load. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static svm_wasm_module_t *hex_module(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) return NULL;
	static char hex[16384];
	static uint8_t bytes[8192];
	size_t n = 0;
	if (fgets(hex, sizeof hex, f))
		for (char *s = hex; s[0] && s[1] && n < sizeof bytes; s += 2) {
			unsigned v;
			if (sscanf(s, "%2x", &v) != 1) break;
			bytes[n++] = (uint8_t)v;
		}
	fclose(f);
	svm_wasm_config_t cfg;
	svm_wasm_config_default(&cfg);
	svm_wasm_module_t *m = NULL;
	return svm_wasm_module_new(&m, bytes, n, &cfg, NULL) == 0 ? m : NULL;
}

static double run_ms(const svm_wasm_module_t *m, uint64_t arg, uint64_t k, uint64_t *steps)
{
	svm_step_t *s = NULL;
	if (svm_step_new(&s, m, "mix", &arg, 1, UINT64_MAX / 2, NULL) != 0) return -1;
	uint64_t t0 = cpu_ns();
	svm_hash_t h;
	while (svm_step_status(s) == SVM_STEP_RUNNING) {
		svm_step_run(s, k ? k : UINT64_MAX);
		if (k) svm_step_hash(s, &h);
	}
	double ms = (cpu_ns() - t0) / 1e6;
	*steps = svm_step_count(s);
	svm_step_free(s);
	return ms;
}

static void overhead(const svm_wasm_module_t *m)
{
	const uint64_t arg = 200000;
	uint64_t steps;
	double base = 1e300;
	for (int r = 0; r < 3; r++) {
		double t = run_ms(m, arg, 0, &steps);
		if (t < base) base = t;
	}
	printf("stepper: mix(%llu) = %llu steps, %.1f ms without hashing (%.1f M steps/s)\n\n",
	       (unsigned long long)arg, (unsigned long long)steps, base, steps / base / 1e3);
	printf("| K (steps per checkpoint) | checkpoints | ms | overhead vs no hashing |\n");
	printf("|---|---|---|---|\n");
	const uint64_t ks[] = {1024, 4096, 16384, 65536, 262144};
	for (int i = 0; i < 5; i++) {
		double t = 1e300;
		for (int r = 0; r < 3; r++) {
			double x = run_ms(m, arg, ks[i], &steps);
			if (x < t) t = x;
		}
		printf("| %llu | %llu | %.1f | %+.1f %% |\n", (unsigned long long)ks[i],
		       (unsigned long long)((steps + ks[i] - 1) / ks[i]), t, (t / base - 1) * 100);
	}
}

static void one_step(const svm_wasm_module_t *m)
{
	uint64_t arg = 200;
	svm_step_t *s = NULL;
	svm_step_new(&s, m, "mix", &arg, 1, UINT64_MAX / 2, NULL);
	svm_buf_t proof = {0};
	uint64_t n = 0, t_total = 0, bytes_max = 0, bytes_sum = 0, t_max = 0;
	while (svm_step_status(s) == SVM_STEP_RUNNING) {
		svm_hash_t pre, post;
		svm_step_hash(s, &pre);
		svm_buf_reset(&proof);
		svm_step_prove(s, &proof);
		uint64_t t0 = cpu_ns();
		svm_step_verify(m, &pre, proof.data, proof.len, &post, NULL);
		uint64_t dt = cpu_ns() - t0;
		t_total += dt;
		if (dt > t_max) t_max = dt;
		bytes_sum += proof.len;
		if (proof.len > bytes_max) bytes_max = proof.len;
		svm_step_one(s);
		n++;
	}
	printf("\none-step proofs over every step of mix(%llu) (%llu steps, 1 page of memory):\n",
	       (unsigned long long)arg, (unsigned long long)n);
	printf("| proof bytes mean | proof bytes max | verify us mean | verify us max |\n|---|---|---|---|\n");
	printf("| %.0f | %llu | %.1f | %.1f |\n", (double)bytes_sum / n, (unsigned long long)bytes_max,
	       t_total / 1e3 / n, t_max / 1e3);
	svm_buf_free(&proof);
	svm_step_free(s);
}

/* The VM's run of fn(arg) (store under the stepper's page limit): CPU ms, gas. */
static double vm_ms(const svm_wasm_module_t *m, const char *fn, uint64_t arg, uint64_t *gas)
{
	svm_wasm_limits_t lim;
	svm_wasm_limits_default(&lim);
	lim.memory_pages_max = SVM_STEP_PAGES_MAX;
	svm_wasm_store_t *st = NULL;
	svm_wasm_instance_t *inst = NULL;
	uint64_t r, t0 = cpu_ns();
	if (svm_wasm_store_new(&st, &lim) != 0 || svm_wasm_instantiate(st, m, &inst, NULL) != 0) return -1;
	svm_wasm_gas_set(st, UINT64_MAX / 2);
	svm_wasm_call_export(inst, fn, &arg, 1, &r, 1, NULL);
	double ms = (cpu_ns() - t0) / 1e6;
	*gas = svm_wasm_gas_used(st);
	svm_wasm_store_free(st);
	return ms;
}

/* Steps per second of the stepper against the VM on the same runs (best of 3, CPU time), and
 * the one-step proofs of the instructions past the integer core (ext.wat). */
static void vs_vm(const svm_wasm_module_t *mix, const svm_wasm_module_t *ext)
{
	printf("\nthe stepper against the VM (fast interpreter; instantiate + run), same gas, best of 3:\n");
	printf("| run | steps | gas | VM ms | stepper ms | stepper M steps/s | stepper / VM time |\n|---|---|---|---|---|---|---|\n");
	const struct {
		const svm_wasm_module_t *m;
		const char *fn;
		uint64_t arg;
	} runs[] = {{mix, "mix", 200000}, {ext, "ext", 20000}};
	for (int i = 0; i < 2; i++) {
		double tv = 1e300, ts = 1e300;
		uint64_t gas = 0, sgas = 0, steps = 0;
		for (int r = 0; r < 3; r++) {
			double x = vm_ms(runs[i].m, runs[i].fn, runs[i].arg, &gas);
			if (x < tv) tv = x;
			svm_step_t *s = NULL;
			if (svm_step_new(&s, runs[i].m, runs[i].fn, &runs[i].arg, 1, UINT64_MAX / 2, NULL)) return;
			uint64_t t0 = cpu_ns();
			svm_step_run(s, UINT64_MAX);
			x = (cpu_ns() - t0) / 1e6;
			if (x < ts) ts = x;
			steps = svm_step_count(s);
			sgas = svm_step_gas_used(s);
			svm_step_free(s);
		}
		printf("| %s(%llu) | %llu | %llu%s | %.2f | %.2f | %.1f | %.1fx |\n", runs[i].fn,
		       (unsigned long long)runs[i].arg, (unsigned long long)steps, (unsigned long long)gas,
		       gas == sgas ? "" : " (MISMATCH)", tv, ts, steps / ts / 1e3, ts / tv);
	}
	static const struct {
		uint32_t op;
		const char *name;
	} kinds[] = {{0x0e, "br_table"}, {0x40, "memory.grow"}, {0xfc0b, "memory.fill"}, {0xfc0a, "memory.copy"}};
	uint64_t n[4] = {0}, bytes[4] = {0}, bmax[4] = {0}, tmax[4] = {0};
	uint64_t arg = 70;
	svm_step_t *s = NULL;
	if (svm_step_new(&s, ext, "ext", &arg, 1, UINT64_MAX / 2, NULL)) return;
	svm_buf_t proof = {0};
	while (svm_step_status(s) == SVM_STEP_RUNNING) {
		uint32_t op = svm_step_opcode(s);
		for (int k = 0; k < 4; k++) {
			if (op != kinds[k].op) continue;
			svm_hash_t pre, post;
			svm_step_hash(s, &pre);
			svm_buf_reset(&proof);
			svm_step_prove(s, &proof);
			uint64_t t0 = cpu_ns();
			svm_step_verify(ext, &pre, proof.data, proof.len, &post, NULL);
			uint64_t dt = cpu_ns() - t0;
			n[k]++;
			bytes[k] += proof.len;
			if (proof.len > bmax[k]) bmax[k] = proof.len;
			if (dt > tmax[k]) tmax[k] = dt;
		}
		svm_step_one(s);
	}
	printf("\none-step proofs of the instructions past the integer core, every one in ext(%llu):\n",
	       (unsigned long long)arg);
	printf("| instruction | steps | proof bytes mean | proof bytes max | verify us max |\n|---|---|---|---|---|\n");
	for (int k = 0; k < 4; k++)
		printf("| %s | %llu | %.0f | %llu | %.1f |\n", kinds[k].name, (unsigned long long)n[k],
		       n[k] ? (double)bytes[k] / (double)n[k] : 0.0, (unsigned long long)bmax[k], tmax[k] / 1e3);
	svm_buf_free(&proof);
	svm_step_free(s);
}

/* A dispute over S steps, the claimant lying from step d on, on synthetic hashes H(step, who). */
static void synth(uint64_t step, bool liar, uint64_t d, svm_hash_t *out)
{
	uint8_t b[9];
	svm_put_u64le(b, step);
	b[8] = liar && step >= d;
	svm_sha256(b, sizeof b, out);
}

static void dispute(uint64_t S, uint64_t k, uint32_t arity)
{
	uint64_t n = (S + k - 1) / k + 1, d = S / 3 + 12345;
	svm_hash_t *ck = malloc(n * sizeof *ck);
	for (uint64_t i = 0; i < n; i++) synth(i * k < S ? i * k : S, true, d, &ck[i]);
	svm_hash_t root;
	svm_merkle_root(ck, n, &root);
	svm_merkle_proof_t p0, pn, proofs[SVM_BISECT_ARITY_MAX];
	svm_merkle_prove(ck, n, 0, &p0);
	svm_merkle_prove(ck, n, n - 1, &pn);
	svm_bisect_params_t p = {arity, 100, 1, 1};
	svm_bisect_t g;
	svm_bisect_open(&g, &p, &root, k, S, &ck[0], &p0, &ck[n - 1], &pn, 0, NULL);
	svm_hash_t mids[SVM_BISECT_ARITY_MAX];
	uint32_t moves = 0;
	while (g.phase == SVM_BISECT_CLAIMANT_MOVES || g.phase == SVM_BISECT_CHALLENGER_MOVES) {
		if (g.phase == SVM_BISECT_CLAIMANT_MOVES) {
			bool need = svm_bisect_needs_proofs(&g);
			for (uint32_t i = 0; i < g.nmid; i++) {
				synth(g.mid_step[i], true, d, &mids[i]);
				if (need) {
					uint64_t ci = g.mid_step[i] == S ? n - 1 : g.mid_step[i] / k;
					svm_merkle_prove(ck, n, ci, &proofs[i]);
				}
			}
			svm_bisect_reveal(&g, mids, need ? proofs : NULL, 1, NULL);
		} else {
			uint32_t j = g.nmid;
			for (uint32_t i = 0; i < g.nmid; i++)
				if (g.mid_step[i] >= d) {
					j = i;
					break;
				}
			svm_bisect_pick(&g, j, 1, NULL);
		}
		moves++;
	}
	printf("| 2^%d | %llu | %u | %u | %u | %llu | %s |\n", 63 - __builtin_clzll(S),
	       (unsigned long long)k, arity, g.rounds, moves, (unsigned long long)g.proof_bytes,
	       g.phase == SVM_BISECT_ONE_STEP && g.lo + 1 == d ? "one step, at the lie" : "WRONG");
	free(ck);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = n > 0 ? malloc((size_t)n) : NULL;
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) free(p), p = NULL;
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* The int8 Fashion-MNIST model's inference module in the stepper (AI host environment): steps,
 * time without hashing against the fast interpreter, the checkpoint overhead at each K, and the
 * one-step proofs of its steps (host steps reveal whole memory ranges). */
static void inference(void)
{
	size_t clen, wlen, ilen;
	uint8_t *code = slurp("build/ai/infer.wasm", &clen), *w = slurp("models/fmnist/fmnist-mlp.svq8", &wlen);
	uint8_t *img = slurp("build/ai/t10k-images-idx3-ubyte", &ilen);
	svm_wasm_module_t *m = NULL;
	svm_wasm_config_t cfg;
	svm_ai_vm_config(&cfg);
	if (!code || !w || !img || ilen < 16 + 784 || svm_wasm_module_new(&m, code, clen, &cfg, NULL)) {
		printf("\n(inference rows skipped: make ai builds build/ai/infer.wasm and the test set)\n");
		goto out;
	}
	svm_step_env_t env = {w, wlen, img + 16, 784};
	const char *fns[2] = {"infer", "infer_ref"};
	printf("\nthe int8 Fashion-MNIST inference in the stepper (one image; CPU ms, best of 3):\n");
	printf("| entry | steps | VM (fast interpreter) ms | stepper ms | K | checkpoints | stepper + state hash every K ms | overhead |\n|---|---|---|---|---|---|---|---|\n");
	for (int k = 0; k < 2; k++) {
		uint8_t out[SVM_AI_OUTPUT_MAX];
		size_t ol;
		uint64_t gas, steps = 0;
		double vm = 1e18, plain = 1e18;
		for (int rep = 0; rep < 3; rep++) {
			uint64_t t0 = cpu_ns();
			svm_ai_run(code, clen, fns[k], w, wlen, env.input, 784, 1ull << 32, out, &ol, &gas, NULL);
			double t = (cpu_ns() - t0) / 1e6;
			if (t < vm) vm = t;
			svm_step_t *s = NULL;
			if (svm_step_new_env(&s, m, fns[k], NULL, 0, 1ull << 32, &env, NULL)) goto out;
			t0 = cpu_ns();
			svm_step_run(s, UINT64_MAX);
			t = (cpu_ns() - t0) / 1e6;
			if (t < plain) plain = t;
			steps = svm_step_count(s);
			svm_step_free(s);
		}
		const uint64_t ks[] = {1024, 4096, 16384};
		for (size_t i = 0; i < 3; i++) {
			double best = 1e18;
			uint64_t n = 0;
			for (int rep = 0; rep < 3; rep++) {
				svm_step_t *s = NULL;
				if (svm_step_new_env(&s, m, fns[k], NULL, 0, 1ull << 32, &env, NULL)) goto out;
				svm_hash_t h;
				n = 1;
				uint64_t t0 = cpu_ns();
				svm_step_hash(s, &h);
				while (svm_step_status(s) == SVM_STEP_RUNNING) {
					svm_step_run(s, ks[i]);
					svm_step_hash(s, &h);
					n++;
				}
				double t = (cpu_ns() - t0) / 1e6;
				if (t < best) best = t;
				svm_step_free(s);
			}
			printf("| %s | %llu | %.2f | %.2f | %llu | %llu | %.2f | %+.1f %% |\n", fns[k],
			       (unsigned long long)steps, vm, plain, (unsigned long long)ks[i],
			       (unsigned long long)n, best, 100.0 * (best - plain) / plain);
		}
	}
	/* one-step proofs over every step of infer */
	svm_step_t *s = NULL;
	if (svm_step_new_env(&s, m, "infer", NULL, 0, 1ull << 32, &env, NULL)) goto out;
	uint64_t n = 0, bytes = 0, bmax = 0, vmax_ns = 0, over_tx = 0;
	while (svm_step_status(s) == SVM_STEP_RUNNING) {
		svm_buf_t proof = {0};
		svm_hash_t pre, post;
		svm_step_hash(s, &pre);
		if (svm_step_prove(s, &proof) == 0) {
			uint64_t t0 = cpu_ns();
			svm_step_verify_env(m, &env, &pre, proof.data, proof.len, &post, NULL);
			uint64_t t = cpu_ns() - t0;
			if (t > vmax_ns) vmax_ns = t;
			n++;
			bytes += proof.len;
			if (proof.len > bmax) bmax = proof.len;
			over_tx += proof.len > 60000;
		}
		svm_buf_free(&proof);
		svm_step_one(s);
	}
	svm_step_free(s);
	printf("\none-step proofs over every step of infer (%llu steps):\n", (unsigned long long)n);
	printf("| proof bytes mean | proof bytes max | steps whose proof exceeds a transaction (60 000 B) | verify ms max |\n|---|---|---|---|\n");
	printf("| %.0f | %llu | %llu | %.2f |\n", (double)bytes / (double)(n ? n : 1),
	       (unsigned long long)bmax, (unsigned long long)over_tx, vmax_ns / 1e6);
out:
	svm_wasm_module_free(m);
	free(code);
	free(w);
	free(img);
}

int main(void)
{
	svm_wasm_module_t *m = hex_module("tests/vectors/trace/mix.hex");
	svm_wasm_module_t *ext = hex_module("tests/vectors/trace/ext.hex");
	if (!m || !ext) {
		fprintf(stderr, "bench_trace: tests/vectors/trace/mix.hex or ext.hex missing (run from the repository)\n");
		return 1;
	}
	overhead(m);
	one_step(m);
	vs_vm(m, ext);
	printf("\na dispute over 2^32 steps down to one step (the claimant lies from step S/3+12345 on;\n"
	       "bytes: revealed hashes, their inclusion paths, the picks; the one-step proof adds the\n"
	       "figure above):\n");
	printf("| steps | K | arity | rounds | moves | bytes | ends at |\n|---|---|---|---|---|---|---|\n");
	dispute(1ull << 32, 1ull << 16, 2);
	dispute(1ull << 32, 1ull << 16, 16);
	dispute(1ull << 32, 1ull << 16, 64);
	dispute(1ull << 32, 1ull << 12, 16);
	inference();
	svm_wasm_module_free(m);
	svm_wasm_module_free(ext);
	return 0;
}

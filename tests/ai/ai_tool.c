/* make ai-check / make bench-ai: the int8 Fashion-MNIST model on the 10,000 test images.
 *   check  native C, the VM through i8_matvec and the VM in pure WebAssembly: identical output
 *          bytes on every image, identical gas on both VM paths; prints the int8 accuracy.
 *   bench  time per image: native C, the VM with the host function, the VM in pure wasm (warm
 *          instance, best of --reps passes over --count images), one whole job as the chain
 *          runs it (fresh instance), and the gas per inference. Printed, never asserted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/ai.h"

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "ai_tool: cannot open %s\n", path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc((size_t)n + 1);
	if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n) exit(2);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static struct {
	const char *model, *wasm, *data;
	uint32_t count, reps;
} opt = {NULL, NULL, NULL, 10000, 5};

static uint8_t *model_bytes, *wasm_bytes, *images, *labels;
static size_t model_len, wasm_len;
static svm_ai_model_t model;

static const uint8_t *image(uint32_t i) { return images + 16 + (size_t)(i % 10000) * 784; }

static int check(void)
{
	svm_ai_vm_t *vm;
	svm_error_t err;
	if (svm_ai_vm_new(&vm, wasm_bytes, wasm_len, true, &err)) {
		fprintf(stderr, "ai-check: %s\n", err.msg);
		return 1;
	}
	uint32_t correct = 0, bad = 0;
	uint64_t gas = 0;
	for (uint32_t i = 0; i < opt.count && i < 10000; i++) {
		uint8_t nat[SVM_AI_OUTPUT_MAX], host[SVM_AI_OUTPUT_MAX];
		svm_ai_infer_native(&model, image(i), 784, nat);
		svm_ai_result_t a, b;
		int rc = svm_ai_vm_run(vm, "infer", model_bytes, model_len, image(i), 784, 1u << 30, &a,
				       &err);
		memcpy(host, a.output, a.output_len);
		int rc2 = svm_ai_vm_run(vm, "infer_ref", model_bytes, model_len, image(i), 784, 1u << 30,
					&b, &err);
		if (rc || rc2 || a.output_len != model.output_len || b.output_len != model.output_len ||
		    memcmp(host, nat, model.output_len) || memcmp(b.output, nat, model.output_len) ||
		    a.gas_used != b.gas_used || (i && a.gas_used != gas)) {
			if (bad++ < 10) printf("image %u: MISMATCH (rc %d/%d, gas %llu/%llu)\n", i, rc, rc2,
					       (unsigned long long)a.gas_used,
					       (unsigned long long)b.gas_used);
		}
		gas = a.gas_used;
		correct += nat[model.output_len - 1] == labels[8 + i];
	}
	uint32_t n = opt.count < 10000 ? opt.count : 10000;
	printf("ai-check: %u images: native C = VM (i8_matvec) = VM (pure wasm) byte for byte: %s; "
	       "gas per inference %llu on both paths\n",
	       n, bad ? "NO" : "yes", (unsigned long long)gas);
	printf("int8 accuracy: %u / %u = %.2f %%\n", correct, n, 100.0 * correct / n);
	printf("ai-check: %u passed, %u failed\n", n - bad, bad);
	svm_ai_vm_free(vm);
	return bad ? 1 : 0;
}

static double best_ns_per_image(int which, svm_ai_vm_t *vm)
{
	double best = 1e30;
	uint8_t out[SVM_AI_OUTPUT_MAX];
	volatile uint32_t sink = 0;
	for (uint32_t rep = 0; rep < opt.reps; rep++) {
		uint64_t t0 = svm_clock_ns();
		for (uint32_t i = 0; i < opt.count; i++) {
			svm_ai_result_t r;
			if (which == 0) svm_ai_infer_native(&model, image(i), 784, out), sink += out[40];
			else if (svm_ai_vm_run(vm, which == 1 ? "infer" : "infer_ref", model_bytes,
					       model_len, image(i), 784, 1u << 30, &r, NULL) == 0)
				sink += r.output[40];
		}
		double ns = (double)(svm_clock_ns() - t0) / opt.count;
		if (ns < best) best = ns;
	}
	return best;
}

static int bench(void)
{
	svm_ai_vm_t *vm, *vm_off;
	if (svm_ai_vm_new(&vm, wasm_bytes, wasm_len, true, NULL) ||
	    svm_ai_vm_new(&vm_off, wasm_bytes, wasm_len, false, NULL))
		return 1;
	double nat = best_ns_per_image(0, NULL);
	double host = best_ns_per_image(1, vm);
	double pure = best_ns_per_image(2, vm);
	/* one whole job as the chain and the worker run it: translate, instantiate, run */
	uint32_t jobs = opt.count < 200 ? opt.count : 200;
	double job = 1e30;
	uint64_t gas = 0;
	for (uint32_t rep = 0; rep < opt.reps; rep++) {
		uint64_t t0 = svm_clock_ns();
		for (uint32_t i = 0; i < jobs; i++) {
			uint8_t out[SVM_AI_OUTPUT_MAX];
			size_t n;
			svm_ai_run(wasm_bytes, wasm_len, "infer", model_bytes, model_len, image(i), 784,
				   1u << 30, out, &n, &gas, NULL);
		}
		double ns = (double)(svm_clock_ns() - t0) / jobs;
		if (ns < job) job = ns;
	}
	printf("bench-ai: int8 784-128-10 Fashion-MNIST model, %llu MACs per image, %u images, "
	       "best of %u\n", (unsigned long long)model.macs, opt.count, opt.reps);
	printf("%-44s %12s %8s\n", "path", "us/image", "ratio");
	printf("%-44s %12.2f %7.2fx\n", "native C (clang -O2)", nat / 1e3, 1.0);
	printf("%-44s %12.2f %7.2fx\n", "VM, i8_matvec host function (warm instance)", host / 1e3,
	       host / nat);
	printf("%-44s %12.2f %7.2fx\n", "VM, pure WebAssembly (warm instance)", pure / 1e3, pure / nat);
	printf("%-44s %12.2f %7.2fx\n", "VM, one job: fresh instance + i8_matvec", job / 1e3, job / nat);
	printf("gas per inference: %llu (both VM paths; the pure-wasm loop is 24 gas per MAC)\n",
	       (unsigned long long)gas);
	svm_ai_vm_free(vm);
	svm_ai_vm_free(vm_off);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) goto usage;
	for (int i = 2; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "--model") && v) opt.model = v, i++;
		else if (!strcmp(argv[i], "--wasm") && v) opt.wasm = v, i++;
		else if (!strcmp(argv[i], "--data") && v) opt.data = v, i++;
		else if (!strcmp(argv[i], "--count") && v) opt.count = (uint32_t)atoi(v), i++;
		else if (!strcmp(argv[i], "--reps") && v) opt.reps = (uint32_t)atoi(v), i++;
		else goto usage;
	}
	if (!opt.model || !opt.wasm || !opt.data || opt.count == 0 || opt.reps == 0) goto usage;
	char path[1024];
	size_t n;
	model_bytes = slurp(opt.model, &model_len);
	wasm_bytes = slurp(opt.wasm, &wasm_len);
	snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte", opt.data);
	images = slurp(path, &n);
	if (n != 16 + 10000 * 784) return 2;
	snprintf(path, sizeof path, "%s/t10k-labels-idx1-ubyte", opt.data);
	labels = slurp(path, &n);
	if (n != 8 + 10000) return 2;
	if (svm_ai_model_parse(model_bytes, model_len, &model)) {
		fprintf(stderr, "ai_tool: %s is not a valid SVQ8 model\n", opt.model);
		return 2;
	}
	if (!strcmp(argv[1], "check")) return check();
	if (!strcmp(argv[1], "bench")) return bench();
usage:
	fprintf(stderr, "usage: ai_tool check|bench --model F --wasm F --data DIR [--count N] "
			"[--reps N]\n");
	return 2;
}

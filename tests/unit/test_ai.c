/* AI compute: the checked-in int8 Fashion-MNIST model (models/fmnist) parsed and run natively,
 * in the VM through the host function and in pure WebAssembly — identical bytes and gas on a
 * sample of the test set — the host function's price against the reference loop, and model
 * parser rejections. The full 10,000 images: make ai-check. Inputs are built by mk/ai.mk. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/ai.h"

#define MODEL_PATH "models/fmnist/fmnist-mlp.svq8"
#define WASM_PATH "build/ai/infer.wasm"
#define IMAGES_PATH "build/ai/t10k-images-idx3-ubyte"
#define LABELS_PATH "build/ai/t10k-labels-idx1-ubyte"
#define SAMPLE 200 /* images in make test, spread over the test set */

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s (built by mk/ai.mk)", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc((size_t)n + 1);
	cr_assert(p && fread(p, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static uint8_t *model_bytes, *wasm_bytes, *images, *labels;
static size_t model_len, wasm_len, images_len, labels_len;
static svm_ai_model_t model;

static void setup(void)
{
	model_bytes = slurp(MODEL_PATH, &model_len);
	wasm_bytes = slurp(WASM_PATH, &wasm_len);
	images = slurp(IMAGES_PATH, &images_len);
	labels = slurp(LABELS_PATH, &labels_len);
	cr_assert_eq(images_len, 16 + 10000 * 784);
	cr_assert_eq(labels_len, 8 + 10000);
	cr_assert_eq(svm_ai_model_parse(model_bytes, model_len, &model), 0);
}

static void teardown(void)
{
	free(model_bytes);
	free(wasm_bytes);
	free(images);
	free(labels);
}

TestSuite(ai, .init = setup, .fini = teardown);

Test(ai, model_shape)
{
	cr_assert_eq(model.input_len, 784);
	cr_assert_eq(model.layers_len, 2);
	cr_assert_eq(model.layers[0].rows, 128);
	cr_assert_eq(model.layers[1].rows, 10);
	cr_assert_eq(model.output_len, 41);
	cr_assert_eq(model.macs, 784 * 128 + 128 * 10);
}

/* On SAMPLE images: native C, the VM through i8_matvec and the VM in pure WebAssembly give the
 * same output bytes; both VM paths the same gas; and the sample's accuracy is ≥ 85 %. */
Test(ai, vm_equals_native_and_paths_equal_gas_on_sample)
{
	svm_ai_vm_t *vm;
	svm_error_t err;
	cr_assert_eq(svm_ai_vm_new(&vm, wasm_bytes, wasm_len, true, &err), 0, "%s", err.msg);
	uint32_t correct = 0;
	uint64_t gas0 = 0;
	for (uint32_t k = 0; k < SAMPLE; k++) {
		uint32_t i = k * (10000 / SAMPLE) + k % 7;
		const uint8_t *img = images + 16 + (size_t)i * 784;
		uint8_t nat[SVM_AI_OUTPUT_MAX], host[SVM_AI_OUTPUT_MAX];
		cr_assert_eq(svm_ai_infer_native(&model, img, 784, nat), 0);
		svm_ai_result_t a, b;
		cr_assert_eq(svm_ai_vm_run(vm, "infer", model_bytes, model_len, img, 784, 100000000, &a,
					   &err), 0, "%s", err.msg);
		memcpy(host, a.output, a.output_len);
		cr_assert_eq(a.output_len, 41);
		cr_assert_eq(memcmp(host, nat, 41), 0, "image %u: VM (host fn) differs from native", i);
		cr_assert_eq(svm_ai_vm_run(vm, "infer_ref", model_bytes, model_len, img, 784, 100000000,
					   &b, &err), 0, "%s", err.msg);
		cr_assert_eq(memcmp(b.output, nat, 41), 0, "image %u: VM (pure wasm) differs", i);
		cr_assert_eq(a.gas_used, b.gas_used, "image %u: gas %llu (host) vs %llu (pure)", i,
			     (unsigned long long)a.gas_used, (unsigned long long)b.gas_used);
		if (k == 0) gas0 = a.gas_used;
		cr_assert_eq(a.gas_used, gas0, "gas must not depend on the input");
		correct += nat[40] == labels[8 + i];
	}
	cr_assert_geq(correct * 100, SAMPLE * 85u, "sample accuracy %u/%u", correct, SAMPLE);
	svm_ai_vm_free(vm);
}

/* gas(mv_host) == gas(mv_pure) for many shapes: the price per multiply-accumulate reproduces the
 * reference loop exactly; and the results in memory are the same. */
Test(ai, matvec_price_equals_reference_loop)
{
	svm_ai_vm_t *vm;
	svm_error_t err;
	cr_assert_eq(svm_ai_vm_new(&vm, wasm_bytes, wasm_len, true, &err), 0, "%s", err.msg);
	svm_wasm_instance_t *inst = svm_ai_vm_instance(vm);
	svm_wasm_store_t *st = svm_ai_vm_store(vm);
	svm_wasm_memory_t *mem = svm_wasm_caller_memory(inst);
	uint32_t pages;
	cr_assert_eq(svm_wasm_memory_grow(mem, 4, &pages), 0);
	uint64_t base = (uint64_t)pages * 65536;
	uint32_t shapes[][2] = {{1, 1}, {1, 2}, {2, 1}, {3, 7}, {10, 128}, {128, 784}, {17, 4096}};
	srand(7);
	for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
		uint32_t rows = shapes[k][0], cols = shapes[k][1];
		uint64_t w = base, x = w + (uint64_t)rows * cols, acc = (x + cols + 3) & ~3ull;
		uint8_t *m = svm_wasm_memory_data(mem);
		for (uint64_t j = 0; j < acc + 4 * rows - base; j++) m[base + j] = (uint8_t)rand();
		uint8_t save[4 * 4096];
		memcpy(save, m + acc, 4 * rows);
		uint64_t args[5] = {w, x, acc, rows, cols};
		uint64_t g[2];
		uint8_t got[2][4 * 4096];
		const char *names[2] = {"mv_host", "mv_pure"};
		for (int p = 0; p < 2; p++) {
			memcpy(m + acc, save, 4 * rows);
			svm_wasm_gas_set(st, 1ull << 40);
			cr_assert_eq(svm_wasm_call_export(inst, names[p], args, 5, NULL, 0, &err), 0, "%s",
				     err.msg);
			g[p] = svm_wasm_gas_used(st);
			memcpy(got[p], m + acc, 4 * rows);
		}
		cr_assert_eq(memcmp(got[0], got[1], 4 * rows), 0, "%ux%u: results differ", rows, cols);
		if (getenv("AI_CAL")) /* recalibration: pure − host for SVM_AI_MV_GAS_* */
			fprintf(stderr, "%u x %u: %lld\n", rows, cols, (long long)(g[1] - g[0]));
		cr_assert_eq(g[0], g[1], "%ux%u: gas host %llu, pure %llu", rows, cols,
			     (unsigned long long)g[0], (unsigned long long)g[1]);
	}
	/* bad shapes and pointers fail on both paths */
	uint64_t bad[][5] = {{base, base, base, 0, 4}, {base, base, base, 4, 0},
			     {base, base, base, 1, 4097}, {base, base, 0xfffffff0u, 8, 8}};
	for (size_t k = 0; k < 4; k++) {
		svm_wasm_gas_set(st, 1ull << 40);
		cr_assert_neq(svm_wasm_call_export(inst, "mv_host", bad[k], 5, NULL, 0, NULL), 0);
	}
	svm_ai_vm_free(vm);
}

Test(ai, run_rejects_bad_input_and_limits_gas)
{
	uint8_t out[SVM_AI_OUTPUT_MAX];
	size_t out_len;
	uint64_t gas;
	svm_error_t err;
	const uint8_t *img = images + 16;
	cr_assert_eq(svm_ai_run(wasm_bytes, wasm_len, "infer", model_bytes, model_len, img, 783,
				100000000, out, &out_len, &gas, &err), SVM_EABORT);
	cr_assert_eq(svm_ai_run(wasm_bytes, wasm_len, "infer", model_bytes, model_len - 1, img, 784,
				100000000, out, &out_len, &gas, &err), SVM_EABORT);
	cr_assert_eq(svm_ai_run(wasm_bytes, wasm_len, "infer", model_bytes, model_len, img, 784, 1000,
				out, &out_len, &gas, &err), SVM_EGAS);
	cr_assert_eq(gas, 1000);
	cr_assert_eq(svm_ai_run(wasm_bytes, 10, "infer", model_bytes, model_len, img, 784, 1000, out,
				&out_len, &gas, &err), SVM_EDECODE);
	cr_assert_eq(svm_ai_run(wasm_bytes, wasm_len, "infer", model_bytes, model_len, img, 784,
				100000000, out, &out_len, &gas, &err), 0, "%s", err.msg);
	cr_assert_eq(out_len, 41);
}

Test(ai, model_parse_rejects_malformed)
{
	svm_ai_model_t m;
	uint8_t *b = malloc(model_len + 1);
	memcpy(b, model_bytes, model_len);
	b[model_len] = 0;
	cr_assert_eq(svm_ai_model_parse(b, model_len + 1, &m), SVM_EDECODE, "trailing byte");
	cr_assert_eq(svm_ai_model_parse(b, model_len - 1, &m), SVM_EDECODE, "truncated");
	b[0] = 'X';
	cr_assert_eq(svm_ai_model_parse(b, model_len, &m), SVM_EDECODE, "magic");
	b[0] = 'S';
	b[4] = 2;
	cr_assert_eq(svm_ai_model_parse(b, model_len, &m), SVM_EDECODE, "version");
	b[4] = 1;
	b[13] ^= 1; /* layer 1 cols 784 -> 785: does not chain */
	cr_assert_eq(svm_ai_model_parse(b, model_len, &m), SVM_EDECODE, "shape");
	b[13] ^= 1;
	size_t s0 = 9 + 5 + 128 * 784 + 4 * 128 + 4 * 128; /* first shift byte */
	b[s0] = 63;
	cr_assert_eq(svm_ai_model_parse(b, model_len, &m), SVM_EDECODE, "shift");
	b[s0] = model_bytes[s0];
	cr_assert_eq(svm_ai_model_parse(b, model_len, &m), 0);
	free(b);
}

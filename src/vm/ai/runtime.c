/* The AI runner: executes an inference module (WebAssembly built with the contract SDK) on a
 * model and one input in the metered VM, with the host module "env" reduced to what inference
 * needs: input_size, input, model_size, model, set_return, abort and i8_matvec. Used the same
 * way by the worker, by the chain's re-execution of challenged jobs and by the tests, so the
 * output bytes and the gas are the same everywhere. */
#include <stdlib.h>
#include <string.h>

#include "supervm/ai.h"
#include "supervm/wasm.h"

struct svm_ai_vm {
	svm_wasm_module_t *module;
	svm_wasm_store_t *store;
	svm_wasm_instance_t *inst;
	const uint8_t *model; /* borrowed: the caller keeps it alive */
	size_t model_len;
	const uint8_t *input;
	size_t input_len;
	uint8_t out[SVM_AI_OUTPUT_MAX];
	size_t out_len;
};

#define A32(i) ((uint32_t)args[i])

static int h_input_size(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	res[0] = ((svm_ai_vm_t *)u)->input_len;
	return 0;
}

static int copy_in(svm_wasm_instance_t *inst, uint32_t dst, const uint8_t *p, size_t n)
{
	svm_wasm_memory_t *m = svm_wasm_caller_memory(inst);
	int rc = svm_wasm_gas_charge(inst, n / 8);
	if (rc == 0) rc = m ? svm_wasm_memory_write(m, dst, p, n) : SVM_ETRAP;
	return rc == 0 || rc == SVM_EGAS ? rc : svm_wasm_trap(inst, rc, "host: bad pointer");
}

static int h_input(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	svm_ai_vm_t *vm = u;
	return copy_in(inst, A32(0), vm->input, vm->input_len);
}

static int h_model_size(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	res[0] = ((svm_ai_vm_t *)u)->model_len;
	return 0;
}

static int h_model(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	svm_ai_vm_t *vm = u;
	return copy_in(inst, A32(0), vm->model, vm->model_len);
}

static int h_set_return(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	svm_ai_vm_t *vm = u;
	svm_wasm_memory_t *m = svm_wasm_caller_memory(inst);
	if (A32(1) > SVM_AI_OUTPUT_MAX) return svm_wasm_trap(inst, SVM_ELIMIT, "set_return: too long");
	int rc = svm_wasm_gas_charge(inst, A32(1) / 8);
	if (rc) return rc;
	if (m == NULL || svm_wasm_memory_read(m, A32(0), vm->out, A32(1)))
		return svm_wasm_trap(inst, SVM_ETRAP, "host: bad pointer");
	vm->out_len = A32(1);
	return 0;
}

static int h_abort(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	char msg[128];
	size_t n = A32(1) < sizeof msg - 1 ? A32(1) : sizeof msg - 1;
	svm_wasm_memory_t *m = svm_wasm_caller_memory(inst);
	if (m == NULL || svm_wasm_memory_read(m, A32(0), msg, n)) n = 0;
	msg[n] = 0;
	return svm_wasm_trap(inst, SVM_EABORT, "inference aborted: %s", msg);
}

int svm_ai_host_matvec(svm_wasm_instance_t *inst, void *u, const uint64_t *args, uint64_t *res)
{
	uint32_t w = A32(0), x = A32(1), acc = A32(2), rows = A32(3), cols = A32(4);
	if (rows == 0 || cols == 0 || cols > SVM_AI_DIM_MAX)
		return svm_wasm_trap(inst, SVM_EABORT, "inference aborted: i8_matvec: bad shape");
	int rc = svm_wasm_gas_charge(inst, svm_ai_matvec_gas(rows, cols));
	if (rc) return rc;
	svm_wasm_memory_t *m = svm_wasm_caller_memory(inst);
	uint64_t size = m ? svm_wasm_memory_size(m) : 0;
	if ((uint64_t)w + (uint64_t)rows * cols > size || (uint64_t)x + cols > size ||
	    (uint64_t)acc + 4ull * rows > size)
		return svm_wasm_trap(inst, SVM_ETRAP, "out of bounds memory access");
	uint8_t *base = svm_wasm_memory_data(m);
	if (((uintptr_t)(base + acc) & 3) == 0) {
		svm_ai_i8_matvec((const int8_t *)(base + w), (const int8_t *)(base + x),
				 (int32_t *)(void *)(base + acc), rows, cols);
		return 0;
	}
	for (uint32_t r = 0; r < rows; r++) { /* unaligned accumulators: one row at a time */
		int32_t a;
		memcpy(&a, base + acc + 4 * r, 4);
		svm_ai_i8_matvec((const int8_t *)(base + w) + (size_t)r * cols,
				 (const int8_t *)(base + x), &a, 1, cols);
		memcpy(base + acc + 4 * r, &a, 4);
	}
	return 0;
}

typedef struct {
	const char *name, *params, *results;
	svm_wasm_host_fn_t fn;
} host_def_t;

static const host_def_t HOST[] = {
	{"input_size", "", "i", h_input_size},   {"input", "i", "", h_input},
	{"model_size", "", "i", h_model_size},   {"model", "i", "", h_model},
	{"set_return", "ii", "", h_set_return},  {"abort", "ii", "", h_abort},
	{"i8_matvec", "iiiii", "", svm_ai_host_matvec},
};

static int define_env(svm_ai_vm_t *vm)
{
	for (size_t i = 0; i < sizeof HOST / sizeof HOST[0]; i++) {
		uint8_t p[8], r[8];
		for (size_t k = 0; HOST[i].params[k]; k++) p[k] = SVM_WASM_I32;
		for (size_t k = 0; HOST[i].results[k]; k++) r[k] = SVM_WASM_I32;
		svm_wasm_functype_t ft = {(uint32_t)strlen(HOST[i].params),
					  (uint32_t)strlen(HOST[i].results), p, r};
		svm_wasm_func_t *f;
		int rc = svm_wasm_host_func_new(vm->store, &ft, HOST[i].fn, vm, &f);
		svm_wasm_extern_t ext = {.kind = SVM_WASM_EXTERN_FUNC, .u.func = f};
		if (rc == 0)
			rc = svm_wasm_define(vm->store, "env", 3, HOST[i].name, strlen(HOST[i].name), &ext);
		if (rc) return rc;
	}
	return 0;
}

void svm_ai_vm_config(svm_wasm_config_t *cfg)
{
	svm_wasm_config_default(cfg);
	cfg->limits.module_bytes_max = SVM_AI_MODULE_BYTES_MAX;
	cfg->limits.memory_pages_max = SVM_AI_MEMORY_PAGES_MAX;
	cfg->limits.call_depth_max = 1024;
	cfg->gas_version = SVM_WASM_GAS_V1;
}

int svm_ai_vm_new(svm_ai_vm_t **out, const uint8_t *module, size_t module_len, bool metering,
		  svm_error_t *err)
{
	svm_wasm_config_t cfg;
	svm_ai_vm_config(&cfg);
	cfg.metering = metering;
	svm_ai_vm_t *vm = svm_calloc(1, sizeof *vm);
	if (vm == NULL) return svm_error_set(err, SVM_ENOMEM, "out of memory");
	int rc = svm_wasm_module_new(&vm->module, module, module_len, &cfg, err);
	if (rc == 0) rc = svm_wasm_store_new(&vm->store, &cfg.limits);
	if (rc == 0) rc = define_env(vm);
	if (rc == 0) {
		svm_wasm_gas_set(vm->store, SVM_AI_INSTANTIATE_GAS_MAX);
		rc = svm_wasm_instantiate(vm->store, vm->module, &vm->inst, err);
	}
	if (rc) {
		svm_ai_vm_free(vm);
		return err && err->code == rc ? rc : svm_error_set(err, rc, "inference module: %s",
								   svm_strerror(rc));
	}
	*out = vm;
	return 0;
}

void svm_ai_vm_free(svm_ai_vm_t *vm)
{
	if (vm == NULL) return;
	svm_wasm_store_free(vm->store);
	svm_wasm_module_free(vm->module);
	svm_free(vm);
}

svm_wasm_instance_t *svm_ai_vm_instance(svm_ai_vm_t *vm) { return vm->inst; }
svm_wasm_store_t *svm_ai_vm_store(svm_ai_vm_t *vm) { return vm->store; }

int svm_ai_vm_run(svm_ai_vm_t *vm, const char *entry, const uint8_t *model, size_t model_len,
		  const uint8_t *input, size_t input_len, uint64_t gas_limit, svm_ai_result_t *res,
		  svm_error_t *err)
{
	if (model_len > SVM_AI_MODEL_BYTES_MAX || input_len > SVM_AI_INPUT_MAX)
		return svm_error_set(err, SVM_ELIMIT, "model or input too large");
	vm->model = model;
	vm->model_len = model_len;
	vm->input = input;
	vm->input_len = input_len;
	vm->out_len = 0;
	svm_wasm_gas_set(vm->store, gas_limit);
	int rc = svm_wasm_call_export(vm->inst, entry, NULL, 0, NULL, 0, err);
	res->gas_used = svm_wasm_gas_used(vm->store);
	res->output = vm->out;
	res->output_len = vm->out_len;
	if (rc == 0 && vm->out_len == 0) rc = svm_error_set(err, SVM_EABORT, "no output");
	return rc;
}

int svm_ai_run(const uint8_t *module, size_t module_len, const char *entry, const uint8_t *model,
	       size_t model_len, const uint8_t *input, size_t input_len, uint64_t gas_limit,
	       uint8_t *out, size_t *out_len, uint64_t *gas_used, svm_error_t *err)
{
	svm_ai_vm_t *vm;
	int rc = svm_ai_vm_new(&vm, module, module_len, true, err);
	if (rc) {
		*gas_used = 0;
		return rc;
	}
	svm_ai_result_t res;
	rc = svm_ai_vm_run(vm, entry, model, model_len, input, input_len, gas_limit, &res, err);
	*gas_used = res.gas_used;
	*out_len = res.output_len;
	memcpy(out, res.output, res.output_len);
	svm_ai_vm_free(vm);
	return rc;
}

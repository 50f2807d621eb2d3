/* libFuzzer target: execute random valid modules. An input starting with the wasm magic is a
 * module; anything else becomes the body of one function (i32, i32) -> i32 in a module with a
 * memory and a table. Every import is satisfied with a stub, every exported function is called
 * with zero arguments under a gas limit. Properties: no crash, no hang, and gas used never
 * exceeds the limit (an out-of-gas failure uses exactly the limit). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/wasm.h"

#define GAS_LIMIT 200000u
#define ARGS_MAX 1000

static int stub(svm_wasm_instance_t *inst, void *user, const uint64_t *args, uint64_t *results)
{
	const svm_wasm_functype_t *t = user;
	for (uint32_t i = 0; i < t->result_count; i++) results[i] = 0;
	return 0;
}

/* Wraps body bytes into: type (i32 i32)->i32, func 0, memory 1 2, table 4 funcref, export "f". */
static uint8_t *wrap(const uint8_t *body, size_t n, size_t *out_len)
{
	static const uint8_t head[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 7, 1, 0x60, 2, 0x7f, 0x7f, 1, 0x7f,
				       3, 2, 1, 0, 4, 4, 1, 0x70, 0, 4, 5, 4, 1, 1, 1, 2,
				       7, 5, 1, 1, 'f', 0, 0, 10};
	if (n > 60000) n = 60000;
	size_t fn_len = n + 2; /* locals count 0, body, end */
	uint8_t *b = malloc(sizeof(head) + 16 + fn_len);
	if (!b) return NULL;
	size_t k = 0;
	memcpy(b, head, sizeof(head));
	k = sizeof(head);
	uint32_t sec = (uint32_t)(fn_len + 1 + (fn_len >= 128 ? 3 : 1));
	for (uint32_t v = sec;; ) { uint8_t c = v & 0x7f; v >>= 7; b[k++] = c | (v ? 0x80 : 0); if (!v) break; }
	b[k++] = 1;
	for (uint32_t v = (uint32_t)fn_len;; ) { uint8_t c = v & 0x7f; v >>= 7; b[k++] = c | (v ? 0x80 : 0); if (!v) break; }
	b[k++] = 0;
	memcpy(b + k, body, n);
	k += n;
	b[k++] = 0x0b;
	*out_len = k;
	return b;
}

/* Function types given to stubs as their user pointer; freed after each input. */
static svm_wasm_functype_t *stub_types;

static int satisfy_imports(svm_wasm_store_t *s, const svm_wasm_module_t *m)
{
	stub_types = calloc(svm_wasm_module_import_count(m) + 1, sizeof(*stub_types));
	if (!stub_types) return -1;
	for (uint32_t i = 0; i < svm_wasm_module_import_count(m); i++) {
		svm_wasm_port_t p;
		svm_wasm_extern_t e = {.kind = 0};
		svm_wasm_module_import(m, i, &p);
		e.kind = p.kind;
		int rc = 0;
		if (p.kind == SVM_WASM_EXTERN_FUNC) {
			stub_types[i] = p.func_type; /* points into the module, which outlives the calls */
			rc = svm_wasm_host_func_new(s, &stub_types[i], stub, &stub_types[i], &e.u.func);
		} else if (p.kind == SVM_WASM_EXTERN_MEMORY) {
			rc = svm_wasm_memory_new(s, 1, UINT32_MAX, &e.u.memory);
		} else if (p.kind == SVM_WASM_EXTERN_TABLE) {
			rc = svm_wasm_table_new(s, SVM_WASM_FUNCREF, 10, UINT32_MAX, &e.u.table);
		} else {
			rc = svm_wasm_global_new(s, SVM_WASM_I32, false, 0, &e.u.global);
		}
		if (rc || svm_wasm_define(s, p.module, p.module_len, p.name, p.name_len, &e)) return -1;
	}
	return 0;
}

static void call_exports(svm_wasm_store_t *s, const svm_wasm_module_t *m, svm_wasm_instance_t *in)
{
	static uint64_t args[ARGS_MAX], res[ARGS_MAX];
	for (uint32_t i = 0; i < svm_wasm_module_export_count(m); i++) {
		svm_wasm_port_t p;
		svm_wasm_module_export(m, i, &p);
		if (p.kind != SVM_WASM_EXTERN_FUNC) continue;
		svm_wasm_extern_t e;
		if (svm_wasm_export(in, p.name, p.name_len, &e)) __builtin_trap();
		svm_wasm_gas_set(s, GAS_LIMIT);
		int rc = svm_wasm_call(s, e.u.func, args, p.func_type.param_count, res, p.func_type.result_count, NULL);
		if (svm_wasm_gas_used(s) > GAS_LIMIT) __builtin_trap();
		if (rc == SVM_EGAS && svm_wasm_gas_used(s) != GAS_LIMIT) __builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *owned = NULL;
	size_t len = size;
	const uint8_t *bytes = data;
	if (size < 4 || memcmp(data, "\0asm", 4) != 0) {
		owned = wrap(data, size, &len);
		if (!owned) return 0;
		bytes = owned;
	}
	svm_wasm_config_t cfg;
	svm_wasm_config_default(&cfg);
	cfg.limits.memory_pages_max = 16;
	svm_wasm_module_t *m = NULL;
	if (svm_wasm_module_new(&m, bytes, len, &cfg, NULL) == 0) {
		svm_wasm_store_t *s;
		svm_wasm_limits_t lim = cfg.limits;
		lim.stack_slots_max = 1u << 16;
		lim.call_depth_max = 500;
		if (svm_wasm_store_new(&s, &lim) == 0) {
			svm_wasm_instance_t *in;
			svm_wasm_gas_set(s, GAS_LIMIT);
			if (satisfy_imports(s, m) == 0 && svm_wasm_instantiate(s, m, &in, NULL) == 0)
				call_exports(s, m, in);
			svm_wasm_store_free(s);
			free(stub_types);
			stub_types = NULL;
		}
		svm_wasm_module_free(m);
	}
	free(owned);
	return 0;
}

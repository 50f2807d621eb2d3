/* libFuzzer target: the WebAssembly decoder and validator. Any input must either be rejected
 * with an error code (never a crash, hang or leak) or yield a module whose imports and exports
 * can be enumerated. */
#include <stddef.h>
#include <stdint.h>

#include "supervm/wasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svm_wasm_module_t *m = NULL;
	svm_error_t err;
	int rc = svm_wasm_module_new(&m, data, size, NULL, &err);
	if (rc != 0) {
		if (m != NULL || rc >= 0) __builtin_trap();
		return 0;
	}
	svm_wasm_port_t p;
	for (uint32_t i = 0; i < svm_wasm_module_import_count(m); i++)
		if (svm_wasm_module_import(m, i, &p)) __builtin_trap();
	for (uint32_t i = 0; i < svm_wasm_module_export_count(m); i++)
		if (svm_wasm_module_export(m, i, &p)) __builtin_trap();
	svm_wasm_module_free(m);
	return 0;
}

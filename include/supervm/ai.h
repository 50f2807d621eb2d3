/* SuperVM vm layer, AI compute: int8 models in the SVQ8 format (parse, plain native C
 * inference), the int8 x int8 -> int32 matrix-vector product that the WebAssembly host interface
 * exposes (priced per multiply-accumulate), and the runner that executes an inference module
 * (a WebAssembly module built with the contract SDK) deterministically in the metered VM.
 * docs/ai-market.md describes the formats, the arithmetic and the prices. */
#ifndef SUPERVM_AI_H
#define SUPERVM_AI_H

#include "supervm/base.h"
#include "supervm/wasm.h"

/* ------------------------------------------------------------- models */

/* SVQ8 v1 (little-endian): "SVQ8" ‖ u8 version (1) ‖ u8 layers ‖ u16 input_len ‖ u8 input_shift,
 * then per layer: u16 rows ‖ u16 cols ‖ u8 kind ‖ i8 W[rows·cols] (row-major) ‖ i32 b[rows] ‖
 * (kind 1 only) i32 M[rows] ‖ u8 S[rows]. Inference on input bytes u8 p[input_len]:
 *   x_q[i]   = p[i] >> input_shift
 *   acc[r]   = b[r] + Σ_c W[r][c]·x[c]             (exact: |dot| < 2^31 by the limits; the
 *                                                     add to b wraps modulo 2^32 like i32.add)
 *   kind 1:  y[r] = clamp(floor((acc[r]·M[r] + 2^(S[r]-1)) / 2^S[r]), 0, 127)   (int64)
 *   kind 0 (the last layer only): the output logits, int32.
 * Output bytes: i32 logits[rows_last] (LE) ‖ u8 argmax (the first index of the largest). */
#define SVM_AI_LAYERS_MAX 8
#define SVM_AI_DIM_MAX 4096 /* rows and cols of a layer, and input_len */
#define SVM_AI_MODEL_BYTES_MAX (8u << 20)
#define SVM_AI_OUTPUT_MAX (4 * SVM_AI_DIM_MAX + 1)

typedef struct {
	uint32_t rows, cols;
	uint8_t kind;         /* 1: ReLU + fixed-point rescale to int8 0..127; 0: int32 logits */
	const int8_t *w;      /* rows·cols, borrowed from the model bytes */
	const uint8_t *b;     /* rows i32 LE */
	const uint8_t *m;     /* rows i32 LE (kind 1) */
	const uint8_t *s;     /* rows u8 (kind 1) */
} svm_ai_layer_t;

typedef struct {
	uint32_t input_len;
	uint8_t input_shift;
	uint32_t layers_len;
	svm_ai_layer_t layers[SVM_AI_LAYERS_MAX];
	uint32_t output_len; /* 4·rows_last + 1 */
	uint64_t macs;       /* multiply-accumulates per inference */
} svm_ai_model_t;

/* Parses and checks SVQ8 bytes (borrowed: *m points into them). SVM_EDECODE for a malformed or
 * non-canonical model (bad magic/version, truncated, trailing bytes, shapes that do not chain,
 * a multiplier ≤ 0, a shift outside 1..62, an input_shift > 7), SVM_ELIMIT past the limits. */
int svm_ai_model_parse(const uint8_t *bytes, size_t len, svm_ai_model_t *m);

/* Plain native C inference (the reference the VM must equal bit for bit). input_len must equal
 * m->input_len (SVM_EINVAL); out must hold m->output_len bytes. Thread-safe. */
int svm_ai_infer_native(const svm_ai_model_t *m, const uint8_t *input, size_t input_len,
			uint8_t *out);

/* acc[r] += Σ_c w[r·cols + c]·x[c] for r < rows: exact int32 dot products (cols ≤
 * SVM_AI_DIM_MAX keeps |dot| < 2^31), added to acc with wrap-around modulo 2^32. */
void svm_ai_i8_matvec(const int8_t *w, const int8_t *x, int32_t *acc, uint32_t rows,
		      uint32_t cols);

/* Gas the host function i8_matvec(w, x, acc, rows, cols) charges on top of the host-call base
 * (50, docs/wasm.md): FIRST_ROW + ROW·(rows − 1) + MAC·rows·cols. The pure-WebAssembly reference
 * loop (contracts/ai/infer.c, mv_ref, built by clang 14 at -O2) costs exactly 50 more than that
 * beyond its call, so both paths give identical gas for every rows, cols ≥ 1;
 * tests/unit/test_ai.c checks it on many shapes. */
#define SVM_AI_MV_GAS_FIRST_ROW 2u
#define SVM_AI_MV_GAS_ROW 31u
#define SVM_AI_MV_GAS_MAC 24u
uint64_t svm_ai_matvec_gas(uint32_t rows, uint32_t cols);

/* ------------------------------------------------------------ the runner */

#define SVM_AI_MODULE_BYTES_MAX (64u << 10) /* an inference module */
#define SVM_AI_INPUT_MAX 4096u              /* input bytes of one job */
#define SVM_AI_MEMORY_PAGES_MAX 256u        /* 16 MiB of linear memory */
#define SVM_AI_INSTANTIATE_GAS_MAX 1000000u /* a start function, if any */

/* One inference module instantiated in its own store, with the "env" host module above. Not
 * thread-safe: one per thread. */
typedef struct svm_ai_vm svm_ai_vm_t;
typedef struct {
	const uint8_t *output; /* borrowed from the vm, valid until its next run */
	size_t output_len;
	uint64_t gas_used;
} svm_ai_result_t;

/* The VM configuration inference runs under (gas schedule v1, the limits above). */
void svm_ai_vm_config(svm_wasm_config_t *cfg);
/* Translates and instantiates module (metering must be true for anything but benchmarks).
 * SVM_EDECODE / SVM_EVALIDATE / SVM_ENOTFOUND (an import outside the AI env) / SVM_ELIMIT. */
int svm_ai_vm_new(svm_ai_vm_t **out, const uint8_t *module, size_t module_len, bool metering,
		  svm_error_t *err);
void svm_ai_vm_free(svm_ai_vm_t *vm);
/* The instance and store inside (borrowed), for tests and benchmarks that call other exports. */
svm_wasm_instance_t *svm_ai_vm_instance(svm_ai_vm_t *vm);
svm_wasm_store_t *svm_ai_vm_store(svm_ai_vm_t *vm);
/* Calls the exported entry ("infer" or "infer_ref") with the model and input (both borrowed
 * for the call) and gas_limit. res is filled on success and failure (gas used; output only on
 * success). Returns 0, SVM_EGAS, SVM_ETRAP, SVM_EABORT (the module rejected the model or input),
 * SVM_ELIMIT. Module globals persist between runs of one vm: the chain and the worker use
 * svm_ai_run (a fresh instance per job). */
int svm_ai_vm_run(svm_ai_vm_t *vm, const char *entry, const uint8_t *model, size_t model_len,
		  const uint8_t *input, size_t input_len, uint64_t gas_limit, svm_ai_result_t *res,
		  svm_error_t *err);
/* One job the way the chain runs it: a fresh instance, one run. out must hold
 * SVM_AI_OUTPUT_MAX bytes; *gas_used is the run's gas (instantiation is not metered here: the
 * caller prices the module's bytes). */
int svm_ai_run(const uint8_t *module, size_t module_len, const char *entry, const uint8_t *model,
	       size_t model_len, const uint8_t *input, size_t input_len, uint64_t gas_limit,
	       uint8_t *out, size_t *out_len, uint64_t *gas_used, svm_error_t *err);

/* The host function itself, for other hosts (the contract env links it as env.i8_matvec). */
int svm_ai_host_matvec(svm_wasm_instance_t *inst, void *user, const uint64_t *args,
		       uint64_t *results);

#endif

/* The instruction set of translated code: one handler per internal instruction, dispatched
 * with guaranteed tail calls (clang musttail) so the hot state — ip, frame pointer, memory base
 * and size, gas — stays in argument registers. Operand layouts are documented in interp.c. */
#ifndef SVM_WASM_OPS_H
#define SVM_WASM_OPS_H

#include "vm/wasm/module.h"

#define OP_PARAMS                                                                              \
	const cell_t *ip, uint64_t *fp, uint8_t *mem, uint64_t memsz, int64_t gas, struct exec *x

/* Control, data movement and everything that is not a plain numeric operator. */
#define WASM_OPS(X)                                                                              \
	X(exit) X(unreachable) X(br) X(br_nz) X(br_z) X(br_g) X(br_nz_g) X(br_z_g) X(br_table) X(ret) X(ret1) X(gas) X(call)   \
	X(call_indirect) X(copy) X(const32) X(const64) X(select) X(global_get) X(global_set)      \
	LOAD_OPS(X, ld32) LOAD_OPS(X, ld64) LOAD_OPS(X, ld8s32) LOAD_OPS(X, ld8u)                   \
	LOAD_OPS(X, ld16s32) LOAD_OPS(X, ld16u) LOAD_OPS(X, ld8s64) LOAD_OPS(X, ld16s64)           \
	LOAD_OPS(X, ld32s64) STORE_OPS(X, st8) STORE_OPS(X, st16) STORE_OPS(X, st32)               \
	STORE_OPS(X, st64) X(memory_size) X(memory_grow) X(memory_fill)                           \
	X(memory_copy) X(memory_init) X(data_drop) X(table_get) X(table_set) X(table_size)        \
	X(table_grow) X(table_fill) X(table_copy) X(table_init) X(elem_drop) X(ref_func)        \
	X(madd32) X(madd64) X(ld32_mul2) X(ld8s32_mul2) X(ld8u_mul2) X(ld16s32_mul2) X(ld16u_mul2) \
	X(ld32_madd) X(ld8s32_madd) X(ld8u_madd) X(ld16s32_madd) X(ld16u_madd)
/* Each load and store in its address and value forms (see interp.c). */
#define LOAD_OPS(X, n) X(n) X(n##_ai) X(n##_k) X(n##_rrt) X(n##_rit)
#define STORE_OPS(X, n) X(n) X(n##_i) X(n##_ai) X(n##_ai_i) X(n##_k) X(n##_k_i)

#define X(n) int wop_##n(OP_PARAMS);
WASM_OPS(X)
#undef X

/* Numeric operators by WebAssembly opcode (0x45..0xc4): unary ops are [fn][dst,src],
 * binary ops [fn][dst,a,b]. NULL where the opcode is not a numeric operator. */
extern const op_fn wasm_numop[256];
/* Saturating truncations, 0xfc 0..7. */
extern const op_fn wasm_satop[8];
/* Binary operators with a 32-bit immediate right operand: [fn][dst,a,imm32]. */
extern const op_fn wasm_numop_imm[256];
/* i32 compares fused with a conditional branch, taken when the compare is true:
 * [fn][a,b,rel] and the immediate form [fn][a,-,imm][rel]. */
extern const op_fn wasm_brcmp[256];
extern const op_fn wasm_brcmp_imm[256];
/* The same, for back edges: taking the branch also charges the loop's first gas block. */
extern const op_fn wasm_brcmp_gas[256];
extern const op_fn wasm_brcmp_imm_gas[256];

/* i32 add, and, or, xor (rows) of an operand shifted by a constant: shl, shr_s, shr_u, rotl,
 * rotr (columns): [fn][s.a dst, s.b acc, s.c x, s.d k]. */
extern const op_fn wasm_shiftop[4][5];

/* Trap messages (the spec's wording). */
#define TRAP_UNREACHABLE "unreachable"
#define TRAP_OOB "out of bounds memory access"
#define TRAP_DIV0 "integer divide by zero"
#define TRAP_OVERFLOW "integer overflow"
#define TRAP_CONVERT "invalid conversion to integer"
#define TRAP_STACK "call stack exhausted"
#define TRAP_TABLE_OOB "out of bounds table access"
#define TRAP_UNDEFINED "undefined element"
#define TRAP_UNINIT "uninitialized element"
#define TRAP_SIGNATURE "indirect call type mismatch"
#define TRAP_GAS "out of gas"

#endif

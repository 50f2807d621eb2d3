/* The versioned gas schedule: what each WebAssembly opcode costs, plus the per-byte,
 * per-page, per-local, per-element and per-host-call prices. docs/wasm.md prints version 1. A
 * version, once released, never changes: consensus depends on every figure. */
#ifndef SVM_WASM_GAS_H
#define SVM_WASM_GAS_H

#include <stdint.h>

typedef struct {
	uint32_t version;
	uint16_t op[256];   /* single-byte opcodes */
	uint16_t op_fc[18]; /* 0xfc-prefixed opcodes */
	uint32_t local;     /* per declared (non-parameter) local, at function entry */
	uint32_t host_call; /* per call of a host function, before it runs */
	uint32_t mem_page;  /* per page requested by memory.grow */
	uint32_t bulk_word; /* per started 8 bytes of memory.fill/copy/init */
	uint32_t table_elem; /* per element of table.grow/fill/copy/init */
} wasm_gas_t;

/* The schedule of a version, or NULL if unknown. The zero schedule (everything free) is used
 * when metering is off. */
const wasm_gas_t *wasm_gas_schedule(uint32_t version);
extern const wasm_gas_t wasm_gas_zero;

/* Cost of a bulk memory operation over n bytes and of a table operation over n elements. */
static inline uint64_t wasm_gas_bulk(const wasm_gas_t *g, uint64_t n)
{
	return ((n + 7) >> 3) * g->bulk_word;
}

#endif

/* SuperVM WebAssembly VM: the public embedding API. Decodes, validates and translates a
 * WebAssembly 2.0 core module (no SIMD, no threads) once, then instantiates it in a store and
 * runs it on a metered, deterministic interpreter. docs/wasm.md describes the design, the gas
 * schedule and the limits.
 *
 * Objects and ownership
 *   svm_wasm_module_t  decoded, validated and translated code. Immutable once created: it may be
 *                      shared by any number of stores and threads. Freed by svm_wasm_module_free,
 *                      after every instance made from it is gone (its store freed).
 *   svm_wasm_store_t   the unit of execution: owns every instance, host function, memory, table
 *                      and global created in it, a name registry for linking, the value stack,
 *                      and the gas counter. Everything in it is freed by svm_wasm_store_free; there
 *                      is no per-object free. A store and its objects are NOT thread-safe: use one
 *                      store per thread (stores share nothing).
 *   svm_wasm_instance_t / _func_t / _memory_t / _table_t / _global_t
 *                      borrowed pointers into a store, valid until the store is freed.
 *
 * Values cross the API as u64 slots: i32 in the low 32 bits (upper bits ignored on input, zero on
 * output), i64 as is, f32/f64 as their IEEE-754 bit patterns (low 32 bits for f32), references as
 * opaque non-zero u64 values with 0 meaning null (funcref slots hold an svm_wasm_func_t pointer;
 * externref slots hold whatever non-zero value the host chose).
 *
 * Errors: every function that can fail returns 0 or a negative SVM_E… code from base.h and, when
 * err is not NULL, fills it with the code and a message. SVM_EDECODE: malformed bytes;
 * SVM_EVALIDATE: well-formed but invalid module, or an import that does not match; SVM_ENOTFOUND:
 * a missing import or export; SVM_ELIMIT: a named limit (module size, function count, memory
 * pages, call depth, value stack…) exceeded; SVM_ETRAP: a WebAssembly trap (the message names it,
 * e.g. "integer divide by zero", "out of bounds memory access", "call stack exhausted");
 * SVM_EGAS: out of gas; SVM_EABORT or any code a host function returned. */
#ifndef SUPERVM_WASM_H
#define SUPERVM_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "supervm/base.h"

/* ------------------------------------------------------------------ types */

typedef struct svm_wasm_module svm_wasm_module_t;
typedef struct svm_wasm_store svm_wasm_store_t;
typedef struct svm_wasm_instance svm_wasm_instance_t;
typedef struct svm_wasm_func svm_wasm_func_t;
typedef struct svm_wasm_memory svm_wasm_memory_t;
typedef struct svm_wasm_table svm_wasm_table_t;
typedef struct svm_wasm_global svm_wasm_global_t;

/* Value types, numbered as in the binary format. */
typedef enum {
	SVM_WASM_I32 = 0x7f,
	SVM_WASM_I64 = 0x7e,
	SVM_WASM_F32 = 0x7d,
	SVM_WASM_F64 = 0x7c,
	SVM_WASM_FUNCREF = 0x70,
	SVM_WASM_EXTERNREF = 0x6f
} svm_wasm_valtype_t;

/* Kinds of imports and exports, numbered as in the binary format. */
typedef enum {
	SVM_WASM_EXTERN_FUNC = 0,
	SVM_WASM_EXTERN_TABLE = 1,
	SVM_WASM_EXTERN_MEMORY = 2,
	SVM_WASM_EXTERN_GLOBAL = 3
} svm_wasm_extern_kind_t;

/* A function signature. The arrays hold svm_wasm_valtype_t values as bytes. */
#define SVM_WASM_PARAMS_MAX 1000
#define SVM_WASM_RESULTS_MAX 1000
typedef struct {
	uint32_t param_count;
	uint32_t result_count;
	const uint8_t *params;
	const uint8_t *results;
} svm_wasm_functype_t;

/* One import, export or registry entry: a kind and the object. */
typedef struct {
	svm_wasm_extern_kind_t kind;
	union {
		svm_wasm_func_t *func;
		svm_wasm_table_t *table;
		svm_wasm_memory_t *memory;
		svm_wasm_global_t *global;
	} u;
} svm_wasm_extern_t;

/* ----------------------------------------------------------------- limits */

/* Named, deterministic limits. A module or execution that exceeds one fails with SVM_ELIMIT (or
 * traps with "call stack exhausted" for call depth and value stack). The same limits give the
 * same outcome on every machine and build. svm_wasm_limits_default fills the defaults below. */
#define SVM_WASM_MODULE_BYTES_MAX_DEFAULT (8u << 20)     /* encoded module size */
#define SVM_WASM_FUNCS_MAX_DEFAULT 100000u               /* imported + defined functions */
#define SVM_WASM_TYPES_MAX_DEFAULT 100000u               /* type section entries */
#define SVM_WASM_IMPORTS_MAX_DEFAULT 100000u
#define SVM_WASM_EXPORTS_MAX_DEFAULT 100000u
#define SVM_WASM_GLOBALS_MAX_DEFAULT 100000u
#define SVM_WASM_SEGMENTS_MAX_DEFAULT 100000u            /* element and data segments, each */
#define SVM_WASM_TABLES_MAX_DEFAULT 100u                 /* tables per module */
#define SVM_WASM_TABLE_ELEMS_MAX_DEFAULT 10000000u       /* entries per table */
#define SVM_WASM_MEMORY_PAGES_MAX_DEFAULT 65536u         /* 64 KiB pages per memory */
#define SVM_WASM_LOCALS_MAX_DEFAULT 50000u               /* params + locals per function */
#define SVM_WASM_FUNC_STACK_MAX_DEFAULT 10000u           /* operand stack height per function */
#define SVM_WASM_CALL_DEPTH_MAX_DEFAULT 10000u           /* nested wasm + host calls */
#define SVM_WASM_STACK_SLOTS_MAX_DEFAULT (1u << 20)      /* value stack, 8-byte slots, per store */
#define SVM_WASM_CODE_BYTES_MAX_DEFAULT (64u << 20)      /* translated code per module */
typedef struct {
	uint32_t module_bytes_max;
	uint32_t funcs_max;
	uint32_t types_max;
	uint32_t imports_max;
	uint32_t exports_max;
	uint32_t globals_max;
	uint32_t segments_max;
	uint32_t tables_max;
	uint32_t table_elems_max;
	uint32_t memory_pages_max;
	uint32_t locals_max;
	uint32_t func_stack_max;
	uint32_t call_depth_max;
	uint32_t stack_slots_max;
	uint32_t code_bytes_max;
} svm_wasm_limits_t;

/* Fills *out with the defaults above. */
void svm_wasm_limits_default(svm_wasm_limits_t *out);

/* -------------------------------------------------------------- modules */

/* The gas schedule versions this build knows (docs/wasm.md has each version's table). */
#define SVM_WASM_GAS_V1 1u
#define SVM_WASM_GAS_LATEST SVM_WASM_GAS_V1

/* How a module is translated. metering=false emits no gas accounting at all (for benchmarks
 * only: consensus execution always meters). */
typedef struct {
	svm_wasm_limits_t limits;
	bool metering;
	uint32_t gas_version; /* one of SVM_WASM_GAS_V*; 0 means SVM_WASM_GAS_LATEST */
} svm_wasm_config_t;

/* Fills *out with default limits, metering on and the latest gas schedule. */
void svm_wasm_config_default(svm_wasm_config_t *out);

/* Decodes, validates and translates the module in bytes[0..len). config may be NULL (defaults).
 * The bytes are copied; the caller keeps ownership of its buffer. On success *out owns the new
 * module. Returns SVM_EDECODE (malformed), SVM_EVALIDATE (invalid), SVM_ELIMIT (a limit in
 * config->limits), SVM_EUNSUPPORTED (SIMD, threads or other post-2.0 features), SVM_ENOMEM. Nothing
 * of the module runs here. Thread-safe (touches no shared state). */
int svm_wasm_module_new(svm_wasm_module_t **out, const uint8_t *bytes, size_t len,
			const svm_wasm_config_t *config, svm_error_t *err);

/* Frees a module. Every store holding instances of it must be freed first. NULL is a no-op. */
void svm_wasm_module_free(svm_wasm_module_t *m);

/* Describes one import or export of a module. Strings point into the module and are not
 * NUL-terminated (names may contain any UTF-8, including NUL). func_type is set for functions. */
typedef struct {
	const char *module; /* imports only */
	size_t module_len;
	const char *name;
	size_t name_len;
	svm_wasm_extern_kind_t kind;
	svm_wasm_functype_t func_type; /* kind == SVM_WASM_EXTERN_FUNC */
} svm_wasm_port_t;

/* Counts and enumerates imports and exports, in module order. The getters return SVM_EINVAL for
 * an index out of range. Thread-safe (read only). */
uint32_t svm_wasm_module_import_count(const svm_wasm_module_t *m);
uint32_t svm_wasm_module_export_count(const svm_wasm_module_t *m);
int svm_wasm_module_import(const svm_wasm_module_t *m, uint32_t i, svm_wasm_port_t *out);
int svm_wasm_module_export(const svm_wasm_module_t *m, uint32_t i, svm_wasm_port_t *out);

/* ---------------------------------------------------------------- stores */

/* Creates an empty store. limits may be NULL (defaults); the store uses call_depth_max,
 * stack_slots_max, memory_pages_max and table_elems_max at run time. Gas starts unlimited
 * (UINT64_MAX) with 0 used. Returns SVM_ENOMEM on failure. */
int svm_wasm_store_new(svm_wasm_store_t **out, const svm_wasm_limits_t *limits);

/* Frees the store and everything created in it. NULL is a no-op. Must not be called from
 * inside a host function. */
void svm_wasm_store_free(svm_wasm_store_t *s);

/* Sets the gas available to the following calls to limit and resets gas used to 0. Gas is
 * shared by every call made in the store until the next svm_wasm_gas_set. */
void svm_wasm_gas_set(svm_wasm_store_t *s, uint64_t limit);

/* Gas used since the last svm_wasm_gas_set. After an out-of-gas failure it equals the limit. */
uint64_t svm_wasm_gas_used(const svm_wasm_store_t *s);

/* Gas still available (limit - used). */
uint64_t svm_wasm_gas_left(const svm_wasm_store_t *s);

/* ---------------------------------------------------- host functions & linking */

/* A host function. args holds the params and results receives the results, both as u64 slots
 * in signature order (results may alias args). inst is the calling instance (NULL when called
 * directly through svm_wasm_call); user is the pointer given at creation. Return 0 to continue,
 * or a negative code to stop execution with that code: use svm_wasm_trap to attach a message.
 * A host function may call svm_wasm_gas_charge, svm_wasm_caller_memory and the memory, global
 * and table accessors; it must not free the store, and a nested svm_wasm_call into the same
 * store fails with SVM_ESTATE. */
typedef int (*svm_wasm_host_fn_t)(svm_wasm_instance_t *inst, void *user, const uint64_t *args,
				  uint64_t *results);

/* Creates a host function of the given type in the store (the type arrays are copied). Calling
 * it from wasm charges the schedule's host-call base cost before fn runs. Returns SVM_EINVAL
 * (bad type), SVM_ENOMEM. */
int svm_wasm_host_func_new(svm_wasm_store_t *s, const svm_wasm_functype_t *type,
			   svm_wasm_host_fn_t fn, void *user, svm_wasm_func_t **out);

/* Charges gas from inside a host function. Returns 0, or SVM_EGAS when less than gas remains
 * (then all gas is used; return the code to stop execution). */
int svm_wasm_gas_charge(svm_wasm_instance_t *inst, uint64_t gas);

/* Records a trap message for the running call and returns code, so a host function can write
 * `return svm_wasm_trap(inst, SVM_EABORT, "bad input %d", x);`. */
int svm_wasm_trap(svm_wasm_instance_t *inst, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Memory 0 of an instance (the calling instance inside a host function), or NULL if it has
 * none. */
svm_wasm_memory_t *svm_wasm_caller_memory(svm_wasm_instance_t *inst);

/* Adds name module_name.name -> ext to the store's import registry (names are byte strings of
 * the given lengths, copied). A later definition of the same name replaces the earlier one.
 * Returns SVM_ENOMEM. */
int svm_wasm_define(svm_wasm_store_t *s, const char *module_name, size_t module_len,
		    const char *name, size_t name_len, const svm_wasm_extern_t *ext);

/* Registers every export of inst under module_name (as svm_wasm_define for each). */
int svm_wasm_register(svm_wasm_store_t *s, const char *module_name, size_t module_len,
		      svm_wasm_instance_t *inst);

/* ------------------------------------------------------------- instances */

/* Instantiates m in s: resolves each import by name in the store's registry, checks its type
 * (SVM_ENOTFOUND missing, SVM_EVALIDATE incompatible), allocates memories, tables and globals,
 * applies active element then data segments, and runs the start function, charging its gas.
 * On a trap during segments or start the error is returned and *out is not set, but effects on
 * imported memories and tables remain (as the spec requires). The module must outlive s. */
int svm_wasm_instantiate(svm_wasm_store_t *s, const svm_wasm_module_t *m,
			 svm_wasm_instance_t **out, svm_error_t *err);

/* Looks up an export by name (name_len bytes). Returns SVM_ENOTFOUND if absent. */
int svm_wasm_export(const svm_wasm_instance_t *inst, const char *name, size_t name_len,
		    svm_wasm_extern_t *out);

/* Convenience lookups by NUL-terminated name: NULL if absent or of another kind. */
svm_wasm_func_t *svm_wasm_export_func(const svm_wasm_instance_t *inst, const char *name);
svm_wasm_memory_t *svm_wasm_export_memory(const svm_wasm_instance_t *inst, const char *name);
svm_wasm_global_t *svm_wasm_export_global(const svm_wasm_instance_t *inst, const char *name);
svm_wasm_table_t *svm_wasm_export_table(const svm_wasm_instance_t *inst, const char *name);

/* ----------------------------------------------------------------- calls */

/* The signature of a function (pointers valid as long as the function). */
svm_wasm_functype_t svm_wasm_func_type(const svm_wasm_func_t *f);

/* Calls f with nargs args and receives nresults results (both must match its type exactly:
 * SVM_EINVAL otherwise). Charges gas from the store; returns SVM_ETRAP, SVM_EGAS, SVM_ELIMIT or
 * a host function's code on failure, with the message in err. results is written only on
 * success. Not reentrant: SVM_ESTATE when called from inside a host function of the same
 * store. */
int svm_wasm_call(svm_wasm_store_t *s, svm_wasm_func_t *f, const uint64_t *args, size_t nargs,
		  uint64_t *results, size_t nresults, svm_error_t *err);

/* svm_wasm_export_func + svm_wasm_call; SVM_ENOTFOUND when no such exported function. */
int svm_wasm_call_export(svm_wasm_instance_t *inst, const char *name, const uint64_t *args,
			 size_t nargs, uint64_t *results, size_t nresults, svm_error_t *err);

/* -------------------------------------------------- memories, tables, globals */

/* Creates a memory of min pages (max pages, or UINT32_MAX for none) in the store, zeroed.
 * Returns SVM_ELIMIT past the store's memory_pages_max, SVM_ENOMEM. */
int svm_wasm_memory_new(svm_wasm_store_t *s, uint32_t pages_min, uint32_t pages_max,
			svm_wasm_memory_t **out);

/* Base address and size in bytes of a memory. The pointer is valid until the memory grows
 * (memory.grow from wasm, or svm_wasm_memory_grow). */
uint8_t *svm_wasm_memory_data(svm_wasm_memory_t *mem);
size_t svm_wasm_memory_size(const svm_wasm_memory_t *mem);

/* Bounds-checked copies between a memory and host buffers: SVM_ETRAP when [off, off+n) is not
 * inside the memory (nothing copied). */
int svm_wasm_memory_read(const svm_wasm_memory_t *mem, uint64_t off, void *dst, size_t n);
int svm_wasm_memory_write(svm_wasm_memory_t *mem, uint64_t off, const void *src, size_t n);

/* Grows a memory by delta pages; *old_pages (if not NULL) receives the previous size. Returns
 * SVM_ELIMIT past its maximum or the store's limit, SVM_ENOMEM. */
int svm_wasm_memory_grow(svm_wasm_memory_t *mem, uint32_t delta, uint32_t *old_pages);

/* Creates a table of elem_type (SVM_WASM_FUNCREF or SVM_WASM_EXTERNREF) with min entries (max,
 * or UINT32_MAX for none), all null. */
int svm_wasm_table_new(svm_wasm_store_t *s, svm_wasm_valtype_t elem_type, uint32_t min,
		       uint32_t max, svm_wasm_table_t **out);
uint32_t svm_wasm_table_size(const svm_wasm_table_t *t);
/* Reads or writes entry i (a reference slot). SVM_ETRAP when i is out of bounds. */
int svm_wasm_table_get(const svm_wasm_table_t *t, uint32_t i, uint64_t *out);
int svm_wasm_table_set(svm_wasm_table_t *t, uint32_t i, uint64_t ref);

/* Creates a global of type t holding value (a slot). */
int svm_wasm_global_new(svm_wasm_store_t *s, svm_wasm_valtype_t t, bool mutable_,
			uint64_t value, svm_wasm_global_t **out);
svm_wasm_valtype_t svm_wasm_global_type(const svm_wasm_global_t *g);
uint64_t svm_wasm_global_get(const svm_wasm_global_t *g);
/* Sets a global's value; SVM_EPERM if the global is immutable. */
int svm_wasm_global_set(svm_wasm_global_t *g, uint64_t value);

#endif

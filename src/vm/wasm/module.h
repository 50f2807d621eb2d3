/* Private types of the WebAssembly VM: the decoded module, translated code, and the runtime
 * objects (store, instance, memory, table, global, function). Shared by decode.c, compile.c,
 * interp.c and runtime.c; nothing outside src/vm/wasm includes it. */
#ifndef SVM_WASM_MODULE_H
#define SVM_WASM_MODULE_H

#include <stdbool.h>
#include <stdint.h>

#include "supervm/base.h"
#include "supervm/wasm.h"
#include "vm/wasm/gas.h"

#define WASM_PAGE 65536u
#define WASM_REF_NULL 0u
#define WASM_FRAME_SLOTS_MAX 65535u /* slot fields in translated code are 16 bits */

/* One cell of translated code: cell 0 of an instruction is its handler, the following cells
 * its operands (frame slot numbers, immediates, branch offsets in cells). */
typedef union cell cell_t;
struct exec;
typedef int (*op_fn)(const cell_t *ip, uint64_t *fp, uint8_t *mem, uint64_t memsz, int64_t gas,
		     struct exec *x);
union cell {
	op_fn fn;
	uint64_t u64;
	int64_t i64;
	struct {
		uint16_t a, b, c, d;
	} s;
	struct {
		uint16_t a, b;
		uint32_t k;
	} r;
	struct {
		int32_t lo, hi;
	} w;
};

_Static_assert(sizeof(cell_t) == 8, "translated code is an array of 8-byte cells");

/* A byte string inside the module's copy of its bytes. */
typedef struct {
	const char *p;
	uint32_t n;
} wname_t;

typedef struct {
	uint32_t min, max; /* max = UINT32_MAX when absent */
	bool has_max;
} wlimits_t;

typedef struct {
	uint8_t elem; /* SVM_WASM_FUNCREF or SVM_WASM_EXTERNREF */
	wlimits_t lim;
} wtable_t;

typedef struct {
	uint8_t type;
	bool mut;
} wglobaltype_t;

/* A constant expression of WebAssembly 2.0: exactly one instruction. */
enum { CE_CONST, CE_GLOBAL, CE_REFFUNC, CE_REFNULL };
typedef struct {
	uint8_t kind;
	uint8_t type;
	uint64_t v; /* constant bits, global index or function index */
} wconst_t;

typedef struct {
	wname_t module, name;
	uint8_t kind;
	union {
		uint32_t type; /* function type index */
		wtable_t table;
		wlimits_t mem;
		wglobaltype_t global;
	} u;
} wimport_t;

typedef struct {
	wname_t name;
	uint8_t kind;
	uint32_t index;
} wexport_t;

typedef struct {
	wglobaltype_t type;
	wconst_t init;
} wglobal_t;

enum { SEG_ACTIVE, SEG_PASSIVE, SEG_DECLARATIVE };
typedef struct {
	uint8_t mode;
	uint8_t type;
	uint32_t table;
	wconst_t offset;
	uint32_t count;
	wconst_t *items;
} welem_t;

typedef struct {
	uint8_t mode;
	uint32_t mem;
	wconst_t offset;
	const uint8_t *bytes;
	uint32_t len;
} wdata_t;

/* Translated code of one defined function. */
typedef struct {
	cell_t *ops;
	uint32_t ncells;
	uint32_t nparams;
	uint32_t nlocals;     /* declared locals beyond the params (zeroed at entry) */
	uint32_t frame_slots; /* params + locals + operand stack high-water */
	const uint8_t *body;  /* body bytes (locals + expression) in the module copy */
	uint32_t body_len;
} wcode_t;

struct svm_wasm_module {
	uint8_t *bytes;
	size_t len;
	svm_wasm_config_t cfg;
	const wasm_gas_t *gas; /* the schedule, or wasm_gas_zero when metering is off */

	svm_wasm_functype_t *types;
	uint32_t ntypes;
	wimport_t *imports;
	uint32_t nimports;
	uint32_t *func_types; /* every function (imports first): its type index */
	uint32_t nfuncs, nfuncs_imported;
	wtable_t *tables;
	uint32_t ntables, ntables_imported;
	wlimits_t *mems;
	uint32_t nmems, nmems_imported;
	wglobal_t *globals; /* imported ones carry only their type */
	uint32_t nglobals, nglobals_imported;
	wexport_t *exports;
	uint32_t nexports;
	bool has_start;
	uint32_t start;
	welem_t *elems;
	uint32_t nelems;
	wdata_t *datas;
	uint32_t ndatas;
	bool has_datacount;
	uint32_t datacount;
	bool *func_declared; /* function index referenced outside code (ref.func allowed) */
	wcode_t *codes;      /* defined functions, nfuncs - nfuncs_imported */
	svm_arena_t arena;   /* owns everything above except bytes */
};

/* ---------------------------------------------------------------- runtime */

struct svm_wasm_memory {
	uint8_t *data;
	uint64_t bytes;
	uint32_t pages, max;
	bool has_max;
	svm_wasm_store_t *store;
};

struct svm_wasm_table {
	uint64_t *elems;
	uint32_t size, max;
	bool has_max;
	uint8_t elem;
	svm_wasm_store_t *store;
};

struct svm_wasm_global {
	uint64_t value;
	uint8_t type;
	bool mut;
};

struct svm_wasm_func {
	const svm_wasm_functype_t *type;
	svm_wasm_instance_t *inst; /* NULL for host functions */
	const wcode_t *code;       /* NULL for host functions */
	svm_wasm_host_fn_t host;
	void *user;
};

struct svm_wasm_instance {
	svm_wasm_store_t *store;
	const svm_wasm_module_t *module;
	svm_wasm_func_t **funcs;
	svm_wasm_table_t **tables;
	svm_wasm_memory_t *mem; /* memory 0 or NULL */
	svm_wasm_global_t **globals;
	uint64_t **elem_items; /* per element segment: resolved references */
	uint32_t *elem_len;    /* 0 once dropped */
	uint32_t *data_len;    /* 0 once dropped */
	svm_wasm_instance_t *next;
};

/* A call frame saved by call, restored by return. */
typedef struct {
	const cell_t *ip;
	uint64_t *fp;
	svm_wasm_instance_t *inst;
} wframe_t;

/* Execution state of a store while a call runs. */
struct exec {
	svm_wasm_store_t *store;
	svm_wasm_instance_t *inst; /* instance of the running code */
	uint64_t *stack_end;
	wframe_t *frames, *frame, *frames_end;
	int64_t gas; /* written back on exit and around host calls */
	const char *trap;
	int code;
};

typedef struct wreg wreg_t;
struct svm_wasm_store {
	svm_wasm_limits_t limits;
	svm_arena_t arena; /* owns every object below */
	uint64_t gas_limit, gas_left;
	uint64_t *stack;
	wframe_t *frames;
	bool running;
	struct exec *x; /* the running call, or NULL */
	svm_error_t host_err;
	bool host_err_set;
	svm_wasm_instance_t *instances;
	svm_wasm_memory_t **mems; /* every memory, to free their data */
	uint32_t nmems, mems_cap;
	svm_wasm_table_t **tables;
	uint32_t ntables, tables_cap;
	wreg_t *reg;
};

/* ------------------------------------------------------------ internals */

/* decode.c */
int wasm_decode(svm_wasm_module_t *m, svm_error_t *err);
/* compile.c: validates and translates defined function i (module order). */
int wasm_compile_func(svm_wasm_module_t *m, uint32_t i, svm_error_t *err);
/* exec.c: runs f with args/results in slots. */
int wasm_invoke(svm_wasm_store_t *s, svm_wasm_func_t *f, const uint64_t *args, uint64_t *results,
		svm_error_t *err);
/* runtime.c */
int wasm_memory_grow(svm_wasm_memory_t *m, uint32_t delta, uint32_t *old);
int wasm_table_grow(svm_wasm_table_t *t, uint32_t delta, uint64_t init, uint32_t *old);
bool wasm_functype_eq(const svm_wasm_functype_t *a, const svm_wasm_functype_t *b);
/* store.c: the registry entry for module.name, or NULL */
const svm_wasm_extern_t *wasm_lookup(svm_wasm_store_t *s, const char *mod, size_t ml,
				     const char *name, size_t nl);

#endif

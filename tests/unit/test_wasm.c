/* Unit tests for the WebAssembly VM's decoder, validator, limits and embedding API. Modules
 * are assembled here from a function type and a body, so each test states its bytes. */
#include <criterion/criterion.h>
#include <string.h>

#include "supervm/wasm.h"

/* A module with one type (params -> results), one function "f" with the given body (locals
 * declaration included), and optionally one memory of one page. */
typedef struct {
	uint8_t b[1024];
	size_t n;
	size_t ends[16]; /* where each section ends */
	size_t nends;
} mod_t;

static void put(mod_t *m, const void *p, size_t n)
{
	cr_assert(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}
static void put1(mod_t *m, uint8_t x)
{
	put(m, &x, 1);
}
static void section(mod_t *m, uint8_t id, const uint8_t *p, size_t n)
{
	put1(m, id);
	put1(m, (uint8_t)n); /* bodies here stay under 128 bytes */
	put(m, p, n);
	if (m->nends < 16) m->ends[m->nends++] = m->n;
}

static mod_t build(const char *params, const char *results, const uint8_t *body, size_t body_len, bool memory)
{
	mod_t m = {.n = 0};
	static const uint8_t hdr[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
	put(&m, hdr, 8);
	uint8_t t[64], k = 0;
	t[k++] = 1;
	t[k++] = 0x60;
	t[k++] = (uint8_t)strlen(params);
	for (const char *p = params; *p; p++) t[k++] = *p == 'i' ? 0x7f : *p == 'I' ? 0x7e : *p == 'f' ? 0x7d : 0x7c;
	t[k++] = (uint8_t)strlen(results);
	for (const char *p = results; *p; p++) t[k++] = *p == 'i' ? 0x7f : *p == 'I' ? 0x7e : *p == 'f' ? 0x7d : 0x7c;
	section(&m, 1, t, k);
	static const uint8_t fs[2] = {1, 0};
	section(&m, 3, fs, 2);
	if (memory) {
		static const uint8_t ms[3] = {1, 0, 1};
		section(&m, 5, ms, 3);
	}
	static const uint8_t ex[5] = {1, 1, 'f', 0, 0};
	section(&m, 7, ex, 5);
	uint8_t code[200];
	cr_assert(body_len + 3 < 128);
	code[0] = 1;
	code[1] = (uint8_t)body_len;
	memcpy(code + 2, body, body_len);
	section(&m, 10, code, body_len + 2);
	return m;
}

static int load(const mod_t *m, svm_wasm_module_t **out, svm_error_t *err)
{
	return svm_wasm_module_new(out, m->b, m->n, NULL, err);
}

#define BODY(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

/* ---------------------------------------------------------------- decoder */

Test(wasm_decode, rejects_bad_magic_version_and_empty_input)
{
	svm_wasm_module_t *m;
	svm_error_t err = {0};
	static const uint8_t bad_magic[8] = {0, 'a', 's', 'n', 1, 0, 0, 0};
	static const uint8_t bad_version[8] = {0, 'a', 's', 'm', 2, 0, 0, 0};
	cr_assert_eq(svm_wasm_module_new(&m, NULL, 0, NULL, &err), SVM_EDECODE);
	cr_assert_eq(svm_wasm_module_new(&m, bad_magic, 8, NULL, &err), SVM_EDECODE);
	cr_assert_str_eq(err.msg, "magic header not detected");
	cr_assert_eq(svm_wasm_module_new(&m, bad_version, 8, NULL, &err), SVM_EDECODE);
	cr_assert_str_eq(err.msg, "unknown binary version");
	cr_assert_null(m);
}

Test(wasm_decode, accepts_the_empty_module)
{
	static const uint8_t empty[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
	svm_wasm_module_t *m;
	cr_assert_eq(svm_wasm_module_new(&m, empty, 8, NULL, NULL), 0);
	cr_assert_eq(svm_wasm_module_export_count(m), 0);
	svm_wasm_module_free(m);
}

Test(wasm_decode, every_truncation_of_a_valid_module_is_rejected)
{
	mod_t mm = build("ii", "i", BODY(0, 0x20, 0, 0x20, 1, 0x6a, 0x0b), false);
	for (size_t cut = 0; cut < mm.n; cut++) {
		svm_wasm_module_t *m;
		svm_error_t err = {0};
		int rc = svm_wasm_module_new(&m, mm.b, cut, NULL, &err);
		bool boundary = cut == 8;
		for (size_t k = 0; k < mm.nends; k++) boundary |= cut == mm.ends[k];
		if (boundary) { /* whole sections: valid, or a function section without code */
			cr_assert(rc == 0 || rc == SVM_EDECODE);
			if (rc == 0) svm_wasm_module_free(m);
			continue;
		}
		cr_assert_eq(rc, SVM_EDECODE, "cut at %zu: %d %s", cut, rc, err.msg);
	}
}

Test(wasm_decode, overlong_and_oversized_leb128_are_malformed)
{
	svm_wasm_module_t *m;
	svm_error_t err = {0};
	/* i32.const with a 6-byte LEB */
	mod_t a = build("", "i", BODY(0, 0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b), false);
	cr_assert_eq(load(&a, &m, &err), SVM_EDECODE);
	cr_assert_str_eq(err.msg, "function 0: integer representation too long");
	/* i32.const whose 5th byte sets bits beyond 32 (not a sign extension) */
	mod_t b = build("", "i", BODY(0, 0x41, 0xff, 0xff, 0xff, 0xff, 0x4f, 0x0b), false);
	cr_assert_eq(load(&b, &m, &err), SVM_EDECODE);
	cr_assert_str_eq(err.msg, "function 0: integer too large");
	/* the same value minimally encoded is fine */
	mod_t c = build("", "i", BODY(0, 0x41, 0x7f, 0x0b), false);
	cr_assert_eq(load(&c, &m, &err), 0, "%s", err.msg);
	svm_wasm_module_free(m);
}

Test(wasm_decode, illegal_opcode_is_malformed_and_simd_unsupported)
{
	svm_wasm_module_t *m;
	svm_error_t err = {0};
	mod_t a = build("", "", BODY(0, 0x06, 0x0b), false);
	cr_assert_eq(load(&a, &m, &err), SVM_EDECODE);
	mod_t b = build("", "", BODY(0, 0xfd, 0x0c, 0x0b), false);
	cr_assert_eq(load(&b, &m, &err), SVM_EUNSUPPORTED);
}

Test(wasm_decode, section_out_of_order_or_size_mismatch)
{
	mod_t mm = build("", "", BODY(0, 0x0b), false);
	svm_wasm_module_t *m;
	svm_error_t err = {0};
	mod_t dup = mm;
	static const uint8_t ty[4] = {1, 0x60, 0, 0};
	section(&dup, 1, ty, 4); /* a second type section after the code section */
	cr_assert_eq(load(&dup, &m, &err), SVM_EDECODE);
	mod_t bad = mm;
	bad.b[9] += 1; /* the type section claims one byte more than it has */
	cr_assert_eq(load(&bad, &m, &err), SVM_EDECODE);
}

/* -------------------------------------------------------------- validator */

Test(wasm_validate, type_errors_are_invalid_not_malformed)
{
	svm_wasm_module_t *m;
	svm_error_t err = {0};
	mod_t a = build("", "i", BODY(0, 0x42, 0, 0x0b), false); /* i64 for an i32 result */
	cr_assert_eq(load(&a, &m, &err), SVM_EVALIDATE);
	cr_assert_str_eq(err.msg, "function 0: type mismatch");
	mod_t b = build("", "", BODY(0, 0x20, 0, 0x1a, 0x0b), false); /* unknown local */
	cr_assert_eq(load(&b, &m, &err), SVM_EVALIDATE);
	mod_t c = build("", "", BODY(0, 0x0c, 1, 0x0b), false); /* unknown label */
	cr_assert_eq(load(&c, &m, &err), SVM_EVALIDATE);
	mod_t d = build("", "i", BODY(0, 0x41, 0, 0x28, 2, 0, 0x0b), false); /* load without memory */
	cr_assert_eq(load(&d, &m, &err), SVM_EVALIDATE);
	mod_t e = build("", "i", BODY(0, 0x41, 0, 0x28, 3, 0, 0x0b), true); /* alignment 8 > 4 */
	cr_assert_eq(load(&e, &m, &err), SVM_EVALIDATE);
}

Test(wasm_validate, unreachable_code_is_still_typed)
{
	svm_wasm_module_t *m;
	svm_error_t err = {0};
	/* unreachable; i64.const 0; i32.add -> type mismatch even though dead */
	mod_t a = build("", "i", BODY(0, 0x00, 0x42, 0, 0x6a, 0x0b), false);
	cr_assert_eq(load(&a, &m, &err), SVM_EVALIDATE);
	/* unreachable; i32.add -> fine: the stack is polymorphic */
	mod_t b = build("", "i", BODY(0, 0x00, 0x6a, 0x0b), false);
	cr_assert_eq(load(&b, &m, &err), 0, "%s", err.msg);
	svm_wasm_module_free(m);
}

/* ----------------------------------------------------------------- limits */

Test(wasm_limits, module_size_and_locals_are_bounded)
{
	svm_wasm_module_t *m;
	svm_error_t err = {0};
	svm_wasm_config_t cfg;
	svm_wasm_config_default(&cfg);
	mod_t a = build("", "", BODY(1, 0xff, 0xff, 0x03, 0x7f, 0x0b), false); /* 65535 i32 locals */
	cr_assert_eq(load(&a, &m, &err), SVM_ELIMIT);
	cfg.limits.module_bytes_max = (uint32_t)a.n - 1;
	cr_assert_eq(svm_wasm_module_new(&m, a.b, a.n, &cfg, &err), SVM_ELIMIT);
	mod_t big = build("", "", BODY(1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x0b), false); /* 2^32-1 */
	cr_assert_eq(load(&big, &m, &err), SVM_ELIMIT);
}

/* -------------------------------------------------------------- execution */

typedef struct {
	svm_wasm_module_t *m;
	svm_wasm_store_t *s;
	svm_wasm_instance_t *in;
} rig_t;

static void rig(rig_t *r, const mod_t *mm)
{
	svm_error_t err = {0};
	cr_assert_eq(load(mm, &r->m, &err), 0, "%s", err.msg);
	cr_assert_eq(svm_wasm_store_new(&r->s, NULL), 0);
	cr_assert_eq(svm_wasm_instantiate(r->s, r->m, &r->in, &err), 0, "%s", err.msg);
}

static void unrig(rig_t *r)
{
	svm_wasm_store_free(r->s);
	svm_wasm_module_free(r->m);
}

Test(wasm_exec, calls_an_export_with_args)
{
	mod_t mm = build("ii", "i", BODY(0, 0x20, 0, 0x20, 1, 0x6a, 0x0b), false);
	rig_t r;
	rig(&r, &mm);
	uint64_t args[2] = {40, 0xffffffff00000002ull}, res = 0;
	svm_error_t err = {0};
	cr_assert_eq(svm_wasm_call_export(r.in, "f", args, 2, &res, 1, &err), 0, "%s", err.msg);
	cr_assert_eq(res, 42); /* i32 args ignore their upper bits */
	cr_assert_eq(svm_wasm_call_export(r.in, "f", args, 1, &res, 1, &err), SVM_EINVAL);
	cr_assert_eq(svm_wasm_call_export(r.in, "nope", args, 2, &res, 1, &err), SVM_ENOTFOUND);
	unrig(&r);
}

Test(wasm_exec, division_by_zero_traps_with_the_spec_message)
{
	mod_t mm = build("ii", "i", BODY(0, 0x20, 0, 0x20, 1, 0x6d, 0x0b), false);
	rig_t r;
	rig(&r, &mm);
	uint64_t args[2] = {1, 0}, res = 0;
	svm_error_t err = {0};
	cr_assert_eq(svm_wasm_call_export(r.in, "f", args, 2, &res, 1, &err), SVM_ETRAP);
	cr_assert_str_eq(err.msg, "integer divide by zero");
	unrig(&r);
}

Test(wasm_exec, infinite_recursion_exhausts_the_call_stack_not_the_c_stack)
{
	mod_t mm = build("", "", BODY(0, 0x10, 0, 0x0b), false); /* f calls itself */
	rig_t r;
	rig(&r, &mm);
	svm_error_t err = {0};
	cr_assert_eq(svm_wasm_call_export(r.in, "f", NULL, 0, NULL, 0, &err), SVM_ETRAP);
	cr_assert_str_eq(err.msg, "call stack exhausted");
	unrig(&r);
}

Test(wasm_exec, memory_is_readable_and_bounds_checked)
{
	/* f(addr) = i32.load8_u(addr) */
	mod_t mm = build("i", "i", BODY(0, 0x20, 0, 0x2d, 0, 0, 0x0b), true);
	mm.b[mm.n - 1] = 0x0b;
	rig_t r;
	rig(&r, &mm);
	/* the memory is not exported: reach it through a host-visible accessor of the instance */
	svm_wasm_memory_t *mem = svm_wasm_caller_memory(r.in);
	cr_assert_not_null(mem);
	cr_assert_eq(svm_wasm_memory_size(mem), 65536);
	uint8_t v = 77;
	cr_assert_eq(svm_wasm_memory_write(mem, 65535, &v, 1), 0);
	cr_assert_eq(svm_wasm_memory_write(mem, 65535, &v, 2), SVM_ETRAP);
	uint64_t a = 65535, res = 0;
	svm_error_t err = {0};
	cr_assert_eq(svm_wasm_call_export(r.in, "f", &a, 1, &res, 1, &err), 0, "%s", err.msg);
	cr_assert_eq(res, 77);
	a = 65536;
	cr_assert_eq(svm_wasm_call_export(r.in, "f", &a, 1, &res, 1, &err), SVM_ETRAP);
	cr_assert_str_eq(err.msg, "out of bounds memory access");
	unrig(&r);
}

Test(wasm_exec, float_nan_results_are_canonical)
{
	/* f(x, y) = x / y on f64: 0/0 gives the canonical positive NaN on every CPU */
	mod_t mm = build("FF", "F", BODY(0, 0x20, 0, 0x20, 1, 0xa3, 0x0b), false);
	rig_t r;
	rig(&r, &mm);
	uint64_t args[2] = {0, 0}, res = 0;
	cr_assert_eq(svm_wasm_call_export(r.in, "f", args, 2, &res, 1, NULL), 0);
	cr_assert_eq(res, 0x7ff8000000000000ull);
	unrig(&r);
}

/* ------------------------------------------------------------- host calls */

static int host_trap(svm_wasm_instance_t *inst, void *user, const uint64_t *args, uint64_t *results)
{
	*(int *)user += 1;
	if (args[0] == 13) return svm_wasm_trap(inst, SVM_EABORT, "unlucky %d", (int)args[0]);
	results[0] = args[0] + 1;
	return svm_wasm_gas_charge(inst, 100);
}

Test(wasm_host, host_function_returns_charges_and_aborts_with_a_message)
{
	/* (import "env" "h" (func (param i32) (result i32))) (func (export "f") (param i32)
	 * (result i32) local.get 0 call 0) */
	static const uint8_t wasm[] = {
		0, 'a', 's', 'm', 1, 0, 0, 0, 1, 6, 1, 0x60, 1, 0x7f, 1, 0x7f, 2, 9, 1, 3, 'e', 'n', 'v',
		1, 'h', 0, 0, 3, 2, 1, 0, 7, 5, 1, 1, 'f', 0, 1, 10, 8, 1, 6, 0, 0x20, 0, 0x10, 0, 0x0b};
	svm_wasm_module_t *m;
	svm_wasm_store_t *s;
	svm_wasm_instance_t *in;
	svm_error_t err = {0};
	cr_assert_eq(svm_wasm_module_new(&m, wasm, sizeof(wasm), NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(svm_wasm_store_new(&s, NULL), 0);
	cr_assert_eq(svm_wasm_instantiate(s, m, &in, &err), SVM_ENOTFOUND);
	int calls = 0;
	static const uint8_t i32[1] = {SVM_WASM_I32};
	svm_wasm_functype_t t = {1, 1, i32, i32};
	svm_wasm_extern_t e = {.kind = SVM_WASM_EXTERN_FUNC};
	cr_assert_eq(svm_wasm_host_func_new(s, &t, host_trap, &calls, &e.u.func), 0);
	cr_assert_eq(svm_wasm_define(s, "env", 3, "h", 1, &e), 0);
	cr_assert_eq(svm_wasm_instantiate(s, m, &in, &err), 0, "%s", err.msg);
	uint64_t a = 41, res = 0;
	svm_wasm_gas_set(s, 1000);
	cr_assert_eq(svm_wasm_call_export(in, "f", &a, 1, &res, 1, &err), 0, "%s", err.msg);
	cr_assert_eq(res, 42);
	cr_assert_gt(svm_wasm_gas_used(s), 100);
	a = 13;
	cr_assert_eq(svm_wasm_call_export(in, "f", &a, 1, &res, 1, &err), SVM_EABORT);
	cr_assert_str_eq(err.msg, "unlucky 13");
	a = 1;
	svm_wasm_gas_set(s, 120); /* enough for the code, not for the host's 100 on top */
	cr_assert_eq(svm_wasm_call_export(in, "f", &a, 1, &res, 1, &err), SVM_EGAS);
	cr_assert_eq(svm_wasm_gas_used(s), 120);
	cr_assert_eq(calls, 3);
	svm_wasm_store_free(s);
	svm_wasm_module_free(m);
}

/* A memory minimum above the configured limit can never be instantiated: the module is refused
 * at creation with SVM_ELIMIT and a message naming both numbers (issue 16). */
Test(wasm_limits, a_memory_minimum_above_the_limit_is_refused_at_module_creation)
{
	const uint8_t m11[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 5, 3, 1, 0, 11};
	svm_wasm_config_t cfg;
	svm_wasm_config_default(&cfg);
	cfg.limits.memory_pages_max = 10;
	svm_wasm_module_t *m = NULL;
	svm_error_t err = {0};
	cr_assert_eq(svm_wasm_module_new(&m, m11, sizeof m11, &cfg, &err), SVM_ELIMIT);
	cr_assert_null(m);
	cr_assert(strstr(err.msg, "11 pages exceeds the limit of 10"), "message: %s", err.msg);
	cfg.limits.memory_pages_max = 11;
	cr_assert_eq(svm_wasm_module_new(&m, m11, sizeof m11, &cfg, &err), 0, "%s", err.msg);
	svm_wasm_module_free(m);
}

/* Unit tests for WebAssembly metering: the checked-in gas vectors (exact figures, same on every
 * build), out of gas at every possible limit, metering off, host-call charges. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/wasm.h"

#define VECTORS "tests/vectors/wasm-gas/vectors.txt"
#define LINE_MAX_BYTES 8192

static int charge7(svm_wasm_instance_t *inst, void *user, const uint64_t *args, uint64_t *results)
{
	int rc = svm_wasm_gas_charge(inst, 7);
	if (rc) return rc;
	results[0] = (uint32_t)args[0] * 2;
	return 0;
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s) / 2;
	cr_assert(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		cr_assert_eq(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

typedef struct {
	svm_wasm_module_t *m;
	svm_wasm_store_t *s;
	svm_wasm_instance_t *in;
	svm_wasm_func_t *f;
} rig_t;

static void rig_open(rig_t *r, const uint8_t *wasm, size_t len, const char *export, bool metering)
{
	svm_wasm_config_t cfg;
	svm_error_t err = {0};
	svm_wasm_config_default(&cfg);
	cfg.metering = metering;
	cr_assert_eq(svm_wasm_module_new(&r->m, wasm, len, &cfg, &err), 0, "%s", err.msg);
	cr_assert_eq(svm_wasm_store_new(&r->s, NULL), 0);
	static const uint8_t i32[1] = {SVM_WASM_I32};
	svm_wasm_functype_t t = {1, 1, i32, i32};
	svm_wasm_extern_t e = {.kind = SVM_WASM_EXTERN_FUNC};
	cr_assert_eq(svm_wasm_host_func_new(r->s, &t, charge7, NULL, &e.u.func), 0);
	cr_assert_eq(svm_wasm_define(r->s, "env", 3, "charge7", 7, &e), 0);
	cr_assert_eq(svm_wasm_instantiate(r->s, r->m, &r->in, &err), 0, "%s", err.msg);
	r->f = svm_wasm_export_func(r->in, export);
	cr_assert_not_null(r->f);
}

static void rig_close(rig_t *r)
{
	svm_wasm_store_free(r->s);
	svm_wasm_module_free(r->m);
}

typedef struct {
	char name[64], export[64];
	uint64_t arg, result, gas;
	uint8_t wasm[4096];
	size_t len;
} vector_t;

static size_t load_vectors(vector_t *v, size_t cap)
{
	FILE *f = fopen(VECTORS, "r");
	cr_assert_not_null(f, "cannot open " VECTORS);
	char line[LINE_MAX_BYTES], hex[LINE_MAX_BYTES];
	size_t n = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n') continue;
		cr_assert(n < cap);
		vector_t *x = &v[n++];
		cr_assert_eq(sscanf(line, "%63s %63s %lu %lu %lu %8191s", x->name, x->export, &x->arg,
				    &x->result, &x->gas, hex), 6, "bad line: %s", line);
		x->len = unhex(hex, x->wasm, sizeof(x->wasm));
	}
	fclose(f);
	return n;
}

Test(wasm_gas, vectors_match_exactly)
{
	static vector_t v[32];
	size_t n = load_vectors(v, 32);
	cr_assert_geq(n, 4);
	for (size_t i = 0; i < n; i++) {
		rig_t r;
		rig_open(&r, v[i].wasm, v[i].len, v[i].export, true);
		uint64_t res = 0;
		svm_error_t err = {0};
		svm_wasm_gas_set(r.s, 1000000000);
		cr_assert_eq(svm_wasm_call(r.s, r.f, &v[i].arg, 1, &res, 1, &err), 0, "%s: %s", v[i].name, err.msg);
		cr_expect_eq(res, v[i].result, "%s: result %lu, want %lu", v[i].name, res, v[i].result);
		cr_expect_eq(svm_wasm_gas_used(r.s), v[i].gas, "%s: gas %lu, want %lu", v[i].name,
			     svm_wasm_gas_used(r.s), v[i].gas);
		rig_close(&r);
	}
}

/* For every limit below a call's cost the call fails with SVM_EGAS and uses exactly the limit;
 * at the cost it succeeds. */
Test(wasm_gas, out_of_gas_at_every_limit_uses_the_limit)
{
	static vector_t v[32];
	size_t n = load_vectors(v, 32);
	for (size_t i = 0; i < n; i++) {
		rig_t r;
		rig_open(&r, v[i].wasm, v[i].len, v[i].export, true);
		uint64_t step = v[i].gas > 4000 ? v[i].gas / 4000 : 1;
		for (uint64_t lim = 0; lim < v[i].gas; lim += step) {
			uint64_t res = 0;
			svm_error_t err = {0};
			svm_wasm_gas_set(r.s, lim);
			int rc = svm_wasm_call(r.s, r.f, &v[i].arg, 1, &res, 1, &err);
			cr_assert_eq(rc, SVM_EGAS, "%s at limit %lu: %d %s", v[i].name, lim, rc, err.msg);
			cr_assert_eq(svm_wasm_gas_used(r.s), lim);
		}
		uint64_t res = 0;
		svm_wasm_gas_set(r.s, v[i].gas);
		cr_assert_eq(svm_wasm_call(r.s, r.f, &v[i].arg, 1, &res, 1, NULL), 0, "%s at its cost", v[i].name);
		cr_assert_eq(svm_wasm_gas_left(r.s), 0);
		cr_assert_eq(res, v[i].result);
		rig_close(&r);
	}
}

Test(wasm_gas, same_gas_on_repeated_calls_in_one_store)
{
	static vector_t v[32];
	size_t n = load_vectors(v, 32);
	rig_t r;
	rig_open(&r, v[0].wasm, v[0].len, v[0].export, true);
	svm_wasm_gas_set(r.s, 10 * v[0].gas);
	for (int k = 0; k < 10; k++) {
		uint64_t res;
		cr_assert_eq(svm_wasm_call(r.s, r.f, &v[0].arg, 1, &res, 1, NULL), 0);
	}
	cr_assert_eq(svm_wasm_gas_left(r.s), 0);
	rig_close(&r);
	(void)n;
}

Test(wasm_gas, metering_off_charges_nothing_and_computes_the_same)
{
	static vector_t v[32];
	size_t n = load_vectors(v, 32);
	for (size_t i = 0; i < n; i++) {
		rig_t r;
		rig_open(&r, v[i].wasm, v[i].len, v[i].export, false);
		uint64_t res = 0;
		svm_wasm_gas_set(r.s, 1000);
		cr_assert_eq(svm_wasm_call(r.s, r.f, &v[i].arg, 1, &res, 1, NULL), 0, "%s", v[i].name);
		cr_assert_eq(res, v[i].result);
		/* only what a host function charges itself remains */
		uint64_t want = strncmp(v[i].name, "host0", 5) == 0 ? 7 : 0;
		cr_assert_eq(svm_wasm_gas_used(r.s), want, "%s used %lu", v[i].name, svm_wasm_gas_used(r.s));
		rig_close(&r);
	}
}

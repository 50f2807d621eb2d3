/* The WebAssembly spec-test runner: reads the JSON that wabt's wast2json writes for each
 * .wast file of the official suite, loads the binary modules it names through the public API
 * (include/supervm/wasm.h) with the `spectest` host module registered, and checks every
 * command. Prints one line per file and, last, "spec: N passed, N failed, N skipped".
 * Usage: spec_runner [-v] FILE.json... (modules are looked up next to each JSON file). */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/wasm.h"

#define FAILS_SHOWN_MAX 8
#define ACTION_GAS (50ull * 1000 * 1000 * 1000)
#define RESULTS_MAX 64
#define NAMED_MAX 64

typedef struct {
	unsigned pass, fail, skip;
	unsigned skip_text, skip_simd;
} counts_t;

typedef struct {
	const char *dir;
	const char *file;
	svm_wasm_store_t *store;
	svm_wasm_module_t **mods; /* every module loaded, freed after the store */
	size_t nmods, capmods;
	svm_wasm_instance_t *current;
	struct {
		char *name;
		svm_wasm_instance_t *inst;
	} named[NAMED_MAX];
	size_t nnamed;
	counts_t c;
	unsigned shown;
	int verbose;
} runner_t;

/* ------------------------------------------------------------ spectest */

static int host_print(svm_wasm_instance_t *inst, void *user, const uint64_t *args, uint64_t *results)
{
	return 0;
}

static int define_func(svm_wasm_store_t *s, const char *name, const char *params)
{
	uint8_t p[4];
	size_t n = strlen(params);
	for (size_t i = 0; i < n; i++)
		p[i] = params[i] == 'i' ? SVM_WASM_I32 : params[i] == 'I' ? SVM_WASM_I64 : params[i] == 'f' ? SVM_WASM_F32 : SVM_WASM_F64;
	svm_wasm_functype_t t = {(uint32_t)n, 0, p, NULL};
	svm_wasm_extern_t e = {.kind = SVM_WASM_EXTERN_FUNC};
	int rc = svm_wasm_host_func_new(s, &t, host_print, NULL, &e.u.func);
	return rc ? rc : svm_wasm_define(s, "spectest", 8, name, strlen(name), &e);
}

static int define_global(svm_wasm_store_t *s, const char *name, svm_wasm_valtype_t t, uint64_t v)
{
	svm_wasm_extern_t e = {.kind = SVM_WASM_EXTERN_GLOBAL};
	int rc = svm_wasm_global_new(s, t, false, v, &e.u.global);
	return rc ? rc : svm_wasm_define(s, "spectest", 8, name, strlen(name), &e);
}

static int spectest(svm_wasm_store_t *s)
{
	int rc = define_func(s, "print", "") | define_func(s, "print_i32", "i") |
		 define_func(s, "print_i64", "I") | define_func(s, "print_f32", "f") |
		 define_func(s, "print_f64", "F") | define_func(s, "print_i32_f32", "if") |
		 define_func(s, "print_f64_f64", "FF");
	rc |= define_global(s, "global_i32", SVM_WASM_I32, 666);
	rc |= define_global(s, "global_i64", SVM_WASM_I64, 666);
	rc |= define_global(s, "global_f32", SVM_WASM_F32, 0x4426a666u);          /* 666.6f */
	rc |= define_global(s, "global_f64", SVM_WASM_F64, 0x4084d4cccccccccdull); /* 666.6 */
	svm_wasm_extern_t t = {.kind = SVM_WASM_EXTERN_TABLE}, m = {.kind = SVM_WASM_EXTERN_MEMORY};
	rc |= svm_wasm_table_new(s, SVM_WASM_FUNCREF, 10, 20, &t.u.table);
	rc |= svm_wasm_define(s, "spectest", 8, "table", 5, &t);
	rc |= svm_wasm_memory_new(s, 1, 2, &m.u.memory);
	rc |= svm_wasm_define(s, "spectest", 8, "memory", 6, &m);
	return rc;
}

/* ------------------------------------------------------------- helpers */

static void fail(runner_t *r, json_t *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(runner_t *r, json_t *cmd, const char *fmt, ...)
{
	r->c.fail++;
	if (r->shown++ >= FAILS_SHOWN_MAX && !r->verbose) return;
	va_list ap;
	va_start(ap, fmt);
	printf("    FAIL %s:%d %s: ", r->file, (int)json_integer_value(json_object_get(cmd, "line")),
	       json_string_value(json_object_get(cmd, "type")));
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
	if (b && n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = n > 0 ? (size_t)n : 0;
	return b;
}

static int load(runner_t *r, json_t *cmd, svm_wasm_module_t **out, svm_error_t *err)
{
	char path[4096];
	size_t len;
	snprintf(path, sizeof(path), "%s/%s", r->dir, json_string_value(json_object_get(cmd, "filename")));
	uint8_t *bytes = read_file(path, &len);
	if (!bytes) return svm_error_set(err, SVM_EIO, "cannot read %s", path);
	int rc = svm_wasm_module_new(out, bytes, len, NULL, err);
	free(bytes);
	if (rc == 0) {
		if (r->nmods == r->capmods) {
			r->capmods = r->capmods ? r->capmods * 2 : 16;
			r->mods = realloc(r->mods, r->capmods * sizeof(*r->mods));
		}
		r->mods[r->nmods++] = *out;
	}
	return rc;
}

static svm_wasm_instance_t *instance_named(runner_t *r, json_t *name)
{
	if (!name) return r->current;
	for (size_t i = 0; i < r->nnamed; i++)
		if (strcmp(r->named[i].name, json_string_value(name)) == 0) return r->named[i].inst;
	return NULL;
}

static void bind_name(runner_t *r, const char *name, svm_wasm_instance_t *in)
{
	for (size_t i = 0; i < r->nnamed; i++)
		if (strcmp(r->named[i].name, name) == 0) {
			r->named[i].inst = in;
			return;
		}
	if (r->nnamed < NAMED_MAX) {
		r->named[r->nnamed].name = strdup(name);
		r->named[r->nnamed++].inst = in;
	}
}

/* A spec value: ref.extern N is the slot N+1 so that 0 stays null. */
static uint64_t parse_value(json_t *v)
{
	const char *type = json_string_value(json_object_get(v, "type"));
	const char *s = json_string_value(json_object_get(v, "value"));
	if (!s || strcmp(s, "null") == 0) return 0;
	uint64_t x = strtoull(s, NULL, 10);
	if (strcmp(type, "externref") == 0) return x + 1;
	return x;
}

/* ------------------------------------------------------------- actions */

static int do_action(runner_t *r, json_t *act, uint64_t *res, size_t *nres, svm_error_t *err)
{
	svm_wasm_instance_t *in = instance_named(r, json_object_get(act, "module"));
	if (!in) return svm_error_set(err, SVM_ENOTFOUND, "no module");
	json_t *field = json_object_get(act, "field");
	const char *name = json_string_value(field);
	size_t name_len = json_string_length(field);
	svm_wasm_extern_t e;
	if (svm_wasm_export(in, name, name_len, &e)) return svm_error_set(err, SVM_ENOTFOUND, "no export %s", name);
	if (strcmp(json_string_value(json_object_get(act, "type")), "get") == 0) {
		if (e.kind != SVM_WASM_EXTERN_GLOBAL) return svm_error_set(err, SVM_EINVAL, "not a global");
		res[0] = svm_wasm_global_get(e.u.global);
		*nres = 1;
		return 0;
	}
	if (e.kind != SVM_WASM_EXTERN_FUNC) return svm_error_set(err, SVM_EINVAL, "not a function");
	json_t *args = json_object_get(act, "args");
	uint64_t a[RESULTS_MAX];
	size_t na = json_array_size(args);
	if (na > RESULTS_MAX) return svm_error_set(err, SVM_ELIMIT, "too many args");
	for (size_t i = 0; i < na; i++) a[i] = parse_value(json_array_get(args, i));
	svm_wasm_functype_t t = svm_wasm_func_type(e.u.func);
	if (t.result_count > RESULTS_MAX) return svm_error_set(err, SVM_ELIMIT, "too many results");
	*nres = t.result_count;
	svm_wasm_gas_set(r->store, ACTION_GAS);
	return svm_wasm_call(r->store, e.u.func, a, na, res, t.result_count, err);
}

static bool is_nan_ok(const char *want, uint64_t got, bool f32)
{
	if (f32) {
		uint32_t b = (uint32_t)got;
		if (strcmp(want, "nan:canonical") == 0) return (b & 0x7fffffffu) == 0x7fc00000u;
		return (b & 0x7fc00000u) == 0x7fc00000u;
	}
	if (strcmp(want, "nan:canonical") == 0) return (got & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
	return (got & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
}

static bool value_ok(json_t *exp, uint64_t got)
{
	const char *type = json_string_value(json_object_get(exp, "type"));
	const char *s = json_string_value(json_object_get(exp, "value"));
	bool f32 = strcmp(type, "f32") == 0, f64 = strcmp(type, "f64") == 0;
	if ((f32 || f64) && s && strncmp(s, "nan:", 4) == 0) return is_nan_ok(s, got, f32);
	if (strcmp(type, "funcref") == 0 && s && strcmp(s, "null") != 0) return got != 0;
	if (!s) return got != 0;
	uint64_t want = parse_value(exp);
	if (strcmp(type, "i32") == 0 || f32) return (uint32_t)want == (uint32_t)got;
	return want == got;
}

static void assert_return(runner_t *r, json_t *cmd)
{
	uint64_t res[RESULTS_MAX];
	size_t n = 0;
	svm_error_t err = {0};
	if (do_action(r, json_object_get(cmd, "action"), res, &n, &err)) {
		fail(r, cmd, "%s", err.msg);
		return;
	}
	json_t *exp = json_object_get(cmd, "expected");
	if (json_array_size(exp) != n) {
		fail(r, cmd, "%zu results, expected %zu", n, json_array_size(exp));
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!value_ok(json_array_get(exp, i), res[i])) {
			fail(r, cmd, "result %zu = 0x%llx, expected %s", i, (unsigned long long)res[i],
			     json_string_value(json_object_get(json_array_get(exp, i), "value")));
			return;
		}
	r->c.pass++;
}

static void assert_trap(runner_t *r, json_t *cmd, bool exhaustion)
{
	uint64_t res[RESULTS_MAX];
	size_t n;
	svm_error_t err = {0};
	int rc = do_action(r, json_object_get(cmd, "action"), res, &n, &err);
	const char *want = json_string_value(json_object_get(cmd, "text"));
	if (rc != SVM_ETRAP) {
		fail(r, cmd, "got %s (%s), expected trap \"%s\"", rc ? svm_strerror(rc) : "success", err.msg, want);
		return;
	}
	if (exhaustion && strstr(err.msg, "exhausted") == NULL) {
		fail(r, cmd, "trap \"%s\", expected exhaustion", err.msg);
		return;
	}
	if (r->verbose && want && strncmp(err.msg, want, strlen(err.msg)) != 0)
		printf("    note %s:%d: trap \"%s\", spec says \"%s\"\n", r->file,
		       (int)json_integer_value(json_object_get(cmd, "line")), err.msg, want);
	r->c.pass++;
}

/* ------------------------------------------------------------- modules */

static void cmd_module(runner_t *r, json_t *cmd)
{
	svm_wasm_module_t *m;
	svm_wasm_instance_t *in;
	svm_error_t err = {0};
	r->current = NULL;
	if (load(r, cmd, &m, &err) || (svm_wasm_gas_set(r->store, ACTION_GAS), svm_wasm_instantiate(r->store, m, &in, &err))) {
		fail(r, cmd, "%s", err.msg);
		return;
	}
	r->current = in;
	json_t *name = json_object_get(cmd, "name");
	if (name) bind_name(r, json_string_value(name), in);
	r->c.pass++;
}

static void cmd_register(runner_t *r, json_t *cmd)
{
	svm_wasm_instance_t *in = instance_named(r, json_object_get(cmd, "name"));
	const char *as = json_string_value(json_object_get(cmd, "as"));
	if (!in || svm_wasm_register(r->store, as, strlen(as), in)) fail(r, cmd, "cannot register %s", as);
}

static void assert_bad_module(runner_t *r, json_t *cmd, int want)
{
	const char *mt = json_string_value(json_object_get(cmd, "module_type"));
	if (mt && strcmp(mt, "binary") != 0) {
		r->c.skip++;
		r->c.skip_text++;
		return;
	}
	svm_wasm_module_t *m;
	svm_error_t err = {0};
	int rc = load(r, cmd, &m, &err);
	if (rc == 0) {
		fail(r, cmd, "module accepted, expected \"%s\"", json_string_value(json_object_get(cmd, "text")));
		return;
	}
	if (r->verbose && rc != want)
		printf("    note %s:%d: %s (%s), spec says \"%s\"\n", r->file,
		       (int)json_integer_value(json_object_get(cmd, "line")), svm_strerror(rc), err.msg,
		       json_string_value(json_object_get(cmd, "text")));
	r->c.pass++;
}

static void assert_link_fails(runner_t *r, json_t *cmd, bool trap)
{
	svm_wasm_module_t *m;
	svm_wasm_instance_t *in;
	svm_error_t err = {0};
	if (load(r, cmd, &m, &err)) {
		fail(r, cmd, "module rejected: %s", err.msg);
		return;
	}
	svm_wasm_gas_set(r->store, ACTION_GAS);
	int rc = svm_wasm_instantiate(r->store, m, &in, &err);
	if (rc == 0) fail(r, cmd, "instantiated, expected \"%s\"", json_string_value(json_object_get(cmd, "text")));
	else if (trap && rc != SVM_ETRAP) fail(r, cmd, "%s (%s), expected a trap", svm_strerror(rc), err.msg);
	else r->c.pass++;
}

static void command(runner_t *r, json_t *cmd)
{
	const char *t = json_string_value(json_object_get(cmd, "type"));
	if (strcmp(t, "module") == 0) cmd_module(r, cmd);
	else if (strcmp(t, "register") == 0) cmd_register(r, cmd);
	else if (strcmp(t, "assert_return") == 0) assert_return(r, cmd);
	else if (strcmp(t, "assert_trap") == 0) assert_trap(r, cmd, false);
	else if (strcmp(t, "assert_exhaustion") == 0) assert_trap(r, cmd, true);
	else if (strcmp(t, "assert_invalid") == 0) assert_bad_module(r, cmd, SVM_EVALIDATE);
	else if (strcmp(t, "assert_malformed") == 0) assert_bad_module(r, cmd, SVM_EDECODE);
	else if (strcmp(t, "assert_unlinkable") == 0) assert_link_fails(r, cmd, false);
	else if (strcmp(t, "assert_uninstantiable") == 0) assert_link_fails(r, cmd, true);
	else if (strcmp(t, "action") == 0) {
		uint64_t res[RESULTS_MAX];
		size_t n;
		svm_error_t err = {0};
		if (do_action(r, json_object_get(cmd, "action"), res, &n, &err)) fail(r, cmd, "%s", err.msg);
		else r->c.pass++;
	} else fail(r, cmd, "unknown command");
}

static int run_file(const char *path, int verbose, counts_t *total)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
	if (!root) {
		printf("  %s: cannot parse: %s\n", path, jerr.text);
		total->fail++;
		return 1;
	}
	char *p1 = strdup(path), *p2 = strdup(path);
	runner_t r = {.dir = dirname(p1), .verbose = verbose};
	r.file = basename(p2);
	if (svm_wasm_store_new(&r.store, NULL) || spectest(r.store)) {
		printf("  %s: cannot create store\n", path);
		total->fail++;
		return 1;
	}
	json_t *cmds = json_object_get(root, "commands");
	for (size_t i = 0; i < json_array_size(cmds); i++) command(&r, json_array_get(cmds, i));
	char *dot = strrchr(r.file, '.');
	if (dot) *dot = 0;
	printf("  %-28s %5u passed, %u failed, %u skipped\n", r.file, r.c.pass, r.c.fail, r.c.skip);
	svm_wasm_store_free(r.store);
	for (size_t i = 0; i < r.nmods; i++) svm_wasm_module_free(r.mods[i]);
	for (size_t i = 0; i < r.nnamed; i++) free(r.named[i].name);
	free(r.mods);
	free(p1);
	free(p2);
	json_decref(root);
	total->pass += r.c.pass;
	total->fail += r.c.fail;
	total->skip += r.c.skip;
	total->skip_text += r.c.skip_text;
	return 0;
}

int main(int argc, char **argv)
{
	counts_t total = {0};
	int verbose = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0) {
			verbose = 1;
			continue;
		}
		if (strncmp(basename(argv[i]), "simd_", 5) == 0) continue;
		run_file(argv[i], verbose, &total);
	}
	printf("skipped: %u text-format modules (assert_malformed/assert_invalid of .wat: needs a text "
	       "parser); simd_*.wast not run (SIMD is out of scope)\n",
	       total.skip_text);
	if (total.pass + total.fail == 0) { /* never a green run of nothing */
		printf("spec: no case ran (no .json files given, or all skipped)\n");
		printf("spec: 0 passed, 1 failed, %u skipped\n", total.skip);
		return 1;
	}
	printf("spec: %u passed, %u failed, %u skipped\n", total.pass, total.fail, total.skip);
	return total.fail ? 1 : 0;
}

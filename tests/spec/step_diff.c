/* The canonical stepper against the VM over the WebAssembly spec suite (make step-diff,
 * docs/bisection.md): for every invocation in wabt's JSON of a .wast file (assert_return,
 * assert_trap, assert_exhaustion, action) whose module the stepper accepts, runs the export from
 * a freshly instantiated module both in the VM (under the stepper's page limit) and in the
 * stepper, with the same arguments and gas, and requires the same outcome (done, trapped, out of
 * gas), the same gas used and the same results. Every step of a short run is also proven and
 * verified (svm_step_prove, svm_step_verify): the verifier's post-state must be the stepper's.
 * A module or run outside the stepper's subset is counted as refused, with its reason.
 * Prints one line per file with cases and, last, "step-diff: N passed, N failed" (passed: runs
 * that agree; failed: disagreements, which are listed).
 * Usage: step_diff [-v] FILE.json... (modules are looked up next to each JSON file). */
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/trace.h"
#include "supervm/wasm.h"

#define GAS (20ull * 1000 * 1000) /* per run: both stop by gas alike */
#define ARGS_MAX 16
#define RESULTS_MAX 16
#define PROVE_STEPS_MAX 400 /* steps of one run proven and verified */
#define NAMED_MAX 64
#define REASONS_MAX 64
#define SHOWN_MAX 20

typedef struct {
	char *name;
	svm_wasm_module_t *m;
} named_t;

static struct {
	unsigned pass, fail, refused, refused_run, limit, proven, shown;
	struct {
		char what[96];
		unsigned n;
	} reasons[REASONS_MAX];
	unsigned nreasons;
	int verbose;
} G;

static void reason(const char *msg)
{
	char w[96];
	/* "step: opcode 0x25 at body offset 12 is …" → "opcode 0x25": the kind, not the place */
	const char *p = strstr(msg, "opcode ");
	const char *q = p ? strstr(p, " at ") : NULL;
	if (p && q) {
		snprintf(w, sizeof w, "%.*s", (int)(q - p), p);
	} else {
		snprintf(w, sizeof w, "%s", msg);
	}
	for (unsigned i = 0; i < G.nreasons; i++)
		if (strcmp(G.reasons[i].what, w) == 0) {
			G.reasons[i].n++;
			return;
		}
	if (G.nreasons < REASONS_MAX) {
		strcpy(G.reasons[G.nreasons].what, w);
		G.reasons[G.nreasons++].n = 1;
	}
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

/* A spec value as the VM's spec runner passes it: ref.extern N is N + 1 so that 0 stays null. */
static uint64_t parse_value(json_t *v)
{
	const char *type = json_string_value(json_object_get(v, "type"));
	const char *s = json_string_value(json_object_get(v, "value"));
	if (!s || strcmp(s, "null") == 0) return 0;
	uint64_t x = strtoull(s, NULL, 10);
	return type && strcmp(type, "externref") == 0 ? x + 1 : x;
}

static void failed(const char *file, unsigned line, const char *field, const char *fmt, const char *a,
		   unsigned long long x, unsigned long long y)
{
	G.fail++;
	if (G.shown++ < SHOWN_MAX) {
		printf("  MISMATCH %s:%u %s: ", file, line, field);
		printf(fmt, a, x, y);
		printf("\n");
	}
}

/* Proves and verifies every step of the run (up to PROVE_STEPS_MAX). false at the first step
 * whose verified post-state is not the stepper's. */
static bool prove_all(const svm_wasm_module_t *m, const char *field, const uint64_t *args, size_t n,
		      unsigned *bad_step)
{
	svm_step_t *s = NULL;
	if (svm_step_new(&s, m, field, args, n, GAS, NULL)) return false;
	bool ok = true;
	svm_buf_t proof = {0};
	for (unsigned i = 0; i < PROVE_STEPS_MAX && ok && svm_step_status(s) == SVM_STEP_RUNNING; i++) {
		svm_hash_t pre, post, want;
		svm_step_hash(s, &pre);
		svm_buf_reset(&proof);
		ok = svm_step_prove(s, &proof) == 0;
		if (ok && svm_step_one(s) != 0) break; /* refused mid-run: counted by the caller */
		svm_step_hash(s, &want);
		ok = ok && svm_step_verify(m, &pre, proof.data, proof.len, &post, NULL) == 0 && svm_hash_eq(&post, &want);
		if (ok) G.proven++;
		else *bad_step = i + 1;
	}
	svm_buf_free(&proof);
	svm_step_free(s);
	return ok;
}

static void run_case(const char *file, unsigned line, svm_wasm_module_t *m, json_t *act)
{
	const char *field = json_string_value(json_object_get(act, "field"));
	json_t *args = json_object_get(act, "args");
	size_t na = json_array_size(args);
	if (!field || na > ARGS_MAX) return;
	uint64_t a[ARGS_MAX];
	for (size_t i = 0; i < na; i++) a[i] = parse_value(json_array_get(args, i));
	svm_step_t *s = NULL;
	svm_error_t err = {0};
	if (svm_step_new(&s, m, field, a, na, GAS, &err)) {
		G.refused++;
		reason(err.msg);
		return;
	}
	/* the VM, from a fresh instance under the stepper's page limit */
	svm_wasm_limits_t lim;
	svm_wasm_limits_default(&lim);
	lim.memory_pages_max = SVM_STEP_PAGES_MAX;
	svm_wasm_store_t *st = NULL;
	svm_wasm_instance_t *inst = NULL;
	svm_wasm_extern_t e;
	uint64_t vr[RESULTS_MAX] = {0};
	int vrc;
	if (svm_wasm_store_new(&st, &lim) || svm_wasm_instantiate(st, m, &inst, NULL) ||
	    svm_wasm_export(inst, field, strlen(field), &e) || e.kind != SVM_WASM_EXTERN_FUNC) {
		svm_wasm_store_free(st);
		svm_step_free(s);
		G.refused++;
		reason("the VM does not instantiate it alone");
		return;
	}
	svm_wasm_functype_t ft = svm_wasm_func_type(e.u.func);
	size_t nr = ft.result_count;
	if (nr > RESULTS_MAX) nr = RESULTS_MAX;
	svm_wasm_gas_set(st, GAS);
	vrc = svm_wasm_call(st, e.u.func, a, na, vr, nr, NULL);
	uint64_t vgas = svm_wasm_gas_used(st);
	/* the stepper */
	int rc = svm_step_run(s, UINT64_MAX);
	if (rc != 0 || vrc == SVM_ELIMIT) { /* its own bounds (frames, labels) or the VM's */
		if (rc != 0) G.refused_run++;
		else G.limit++;
		if (rc != 0) reason("refused while running (the stepper's frame/label/locals bounds)");
		svm_step_free(s);
		svm_wasm_store_free(st);
		return;
	}
	int status = svm_step_status(s);
	int want = vrc == 0 ? SVM_STEP_DONE : vrc == SVM_ETRAP ? SVM_STEP_TRAPPED
				      : vrc == SVM_EGAS        ? SVM_STEP_OUT_OF_GAS
							       : -1;
	bool ok = true;
	if (status != want) {
		failed(file, line, field, "%s: stepper status %llu, VM %llu", "outcome", (unsigned long long)status,
		       (unsigned long long)want);
		ok = false;
	} else if (svm_step_gas_used(s) != vgas) {
		failed(file, line, field, "%s: stepper %llu, VM %llu", "gas", (unsigned long long)svm_step_gas_used(s),
		       (unsigned long long)vgas);
		ok = false;
	} else if (status == SVM_STEP_DONE) {
		uint64_t sr[RESULTS_MAX] = {0};
		if (svm_step_results(s, sr, nr) != 0) {
			failed(file, line, field, "%s %llu %llu", "no results", 0, 0);
			ok = false;
		}
		for (size_t i = 0; ok && i < nr; i++) {
			uint8_t t = ft.results[i];
			uint64_t x = sr[i], y = vr[i];
			if (t == SVM_WASM_I32 || t == SVM_WASM_F32) x &= 0xffffffffu, y &= 0xffffffffu;
			if (t == SVM_WASM_FUNCREF) x = x != 0, y = y != 0; /* the VM's funcref is its own handle */
			if (x != y) {
				failed(file, line, field, "%s: stepper 0x%llx, VM 0x%llx", "result", (unsigned long long)x,
				       (unsigned long long)y);
				ok = false;
			}
		}
	}
	unsigned bad = 0;
	if (ok && !prove_all(m, field, a, na, &bad)) {
		failed(file, line, field, "%s at step %llu%s", "proof/verify disagrees", bad, 0);
		ok = false;
	}
	if (ok) G.pass++;
	if (G.verbose) printf("  %s:%u %s %s\n", file, line, field, ok ? "ok" : "MISMATCH");
	svm_step_free(s);
	svm_wasm_store_free(st);
}

static void run_file(const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
	if (!root) {
		printf("%s: %s\n", path, jerr.text);
		G.fail++;
		return;
	}
	char *dup = strdup(path);
	const char *dir = dirname(dup);
	const char *file = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	named_t named[NAMED_MAX];
	size_t nnamed = 0, nmods = 0;
	svm_wasm_module_t *mods[1024];
	svm_wasm_module_t *cur = NULL;
	unsigned p0 = G.pass, f0 = G.fail, r0 = G.refused + G.refused_run;
	json_t *cmds = json_object_get(root, "commands"), *cmd;
	size_t i;
	json_array_foreach(cmds, i, cmd)
	{
		const char *t = json_string_value(json_object_get(cmd, "type"));
		unsigned line = (unsigned)json_integer_value(json_object_get(cmd, "line"));
		if (!t) continue;
		if (strcmp(t, "module") == 0) {
			const char *fn = json_string_value(json_object_get(cmd, "filename"));
			cur = NULL;
			if (!fn || nmods == 1024) continue;
			char mp[4096];
			size_t len;
			snprintf(mp, sizeof mp, "%s/%s", dir, fn);
			uint8_t *bytes = read_file(mp, &len);
			if (bytes && svm_wasm_module_new(&cur, bytes, len, NULL, NULL) == 0) mods[nmods++] = cur;
			else cur = NULL;
			free(bytes);
			const char *name = json_string_value(json_object_get(cmd, "name"));
			if (cur && name && nnamed < NAMED_MAX) named[nnamed++] = (named_t){strdup(name), cur};
			continue;
		}
		if (strcmp(t, "assert_return") && strcmp(t, "assert_trap") && strcmp(t, "assert_exhaustion") &&
		    strcmp(t, "action"))
			continue;
		json_t *act = json_object_get(cmd, "action");
		const char *at = json_string_value(json_object_get(act, "type"));
		if (!at || strcmp(at, "invoke")) continue;
		svm_wasm_module_t *m = cur;
		const char *mn = json_string_value(json_object_get(act, "module"));
		if (mn) {
			m = NULL;
			for (size_t k = 0; k < nnamed; k++)
				if (strcmp(named[k].name, mn) == 0) m = named[k].m;
		}
		if (m) run_case(file, line, m, act);
	}
	unsigned np = G.pass - p0, nf = G.fail - f0, nref = G.refused + G.refused_run - r0;
	if (np || nf || G.verbose) printf("%s: %u agree, %u differ, %u refused\n", file, np, nf, nref);
	for (size_t k = 0; k < nnamed; k++) free(named[k].name);
	for (size_t k = 0; k < nmods; k++) svm_wasm_module_free(mods[k]);
	free(dup);
	json_decref(root);
}

int main(int argc, char **argv)
{
	int first = 1;
	if (argc > 1 && strcmp(argv[1], "-v") == 0) G.verbose = 1, first = 2;
	for (int i = first; i < argc; i++) run_file(argv[i]);
	printf("refused by the stepper (module or run outside its subset), by reason:\n");
	for (unsigned i = 0; i < G.nreasons; i++) printf("  %6u  %s\n", G.reasons[i].n, G.reasons[i].what);
	printf("%u runs refused at the VM's own limits; %u steps proven and verified\n", G.limit, G.proven);
	printf("step-diff: %u passed, %u failed\n", G.pass, G.fail);
	return G.fail || G.pass == 0 ? 1 : 0;
}

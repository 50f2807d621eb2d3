/* bench-wasm: times each compute kernel natively (clang -O2), in SuperVM with gas metering on
 * and off, and under wabt's wasm-interp; prints one table of times and ratios with geometric
 * means, and fails loudly when a wasm runner's checksum differs from the native one. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define KERNELS_MAX    16
#define PATH_BYTES_MAX 4096

enum { R_NATIVE, R_GAS_ON, R_GAS_OFF, R_INTERP, RUNNERS };

static const char *const runner_names[RUNNERS] = {"native", "svm gas-on", "svm gas-off",
						  "wasm-interp"};
/* Names for --runners. */
static const char *const runner_keys[RUNNERS] = {"native", "gas-on", "gas-off", "interp"};

#define DECLARE_NATIVE(k) uint64_t bench_##k(void);
BENCH_KERNELS(DECLARE_NATIVE)
#define KERNEL_ENTRY(k) {#k, bench_##k},
static const bench_kernel_t kernels[] = {BENCH_KERNELS(KERNEL_ENTRY)};
#define KERNEL_COUNT (sizeof kernels / sizeof kernels[0])

typedef struct {
	const char *wasm_dir;
	const char *interp;
	int reps;
	int interp_reps;
	double timeout_s;
	bool strict;
	bool in_process;
	bool runs[RUNNERS]; /* which wasm runners to use; native always runs */
	const char *only[KERNELS_MAX];
	int only_count;
} options_t;

typedef struct {
	const bench_kernel_t *kernel;
	run_result_t r[RUNNERS];
} row_t;

double bench_cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench-wasm [--wasm-dir DIR] [--reps N] [--interp-reps N] [--interp PATH]\n"
		"                  [--runners LIST] [--no-interp] [--kernel NAME]...\n"
		"                  [--timeout SECONDS] [--strict]\n"
		"  --reps N         repetitions for native and SuperVM, best kept (default 5)\n"
		"  --interp-reps N  repetitions for wasm-interp (default 1; it is slow)\n"
		"  --runners LIST   wasm runners to use, of gas-on,gas-off,interp (default all;\n"
		"                   native always runs: it gives the reference checksum)\n"
		"  --strict         also fail when SuperVM cannot run a kernel\n");
	exit(2);
}

/* Parses a comma-separated list of runner keys into runs[]. */
static bool parse_runners(const char *list, bool runs[RUNNERS])
{
	for (int j = 1; j < RUNNERS; j++)
		runs[j] = false;
	for (const char *at = list; *at;) {
		size_t len = strcspn(at, ",");
		int j = 0;
		while (j < RUNNERS &&
		       (strlen(runner_keys[j]) != len || strncmp(at, runner_keys[j], len)))
			j++;
		if (j == RUNNERS)
			return false;
		runs[j] = true;
		at += len + (at[len] == ',');
	}
	return true;
}

static bool parse_options(int argc, char **argv, options_t *o)
{
	*o = (options_t){.wasm_dir = "build/bench-wasm/wasm",
			 .interp = "wasm-interp",
			 .reps = 5,
			 .interp_reps = 1,
			 .timeout_s = 300,
			 .runs = {true, true, true, true}};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--no-interp"))
			o->runs[R_INTERP] = false;
		else if (!strcmp(a, "--strict"))
			o->strict = true;
		else if (!strcmp(a, "--in-process"))
			o->in_process = true;
		else if (!v)
			return false;
		else if (!strcmp(a, "--runners") && parse_runners(v, o->runs))
			i++;
		else if (!strcmp(a, "--wasm-dir"))
			o->wasm_dir = v, i++;
		else if (!strcmp(a, "--interp"))
			o->interp = v, i++;
		else if (!strcmp(a, "--reps"))
			o->reps = atoi(v), i++;
		else if (!strcmp(a, "--interp-reps"))
			o->interp_reps = atoi(v), i++;
		else if (!strcmp(a, "--timeout"))
			o->timeout_s = atof(v), i++;
		else if (!strcmp(a, "--kernel") && o->only_count < KERNELS_MAX)
			o->only[o->only_count++] = v, i++;
		else
			return false;
	}
	return o->reps > 0 && o->interp_reps > 0 && o->timeout_s > 0;
}

static bool selected(const options_t *o, const char *name)
{
	for (int i = 0; i < o->only_count; i++)
		if (!strcmp(o->only[i], name))
			return true;
	return o->only_count == 0;
}

/* One measurement of one runner: a single call, except wasm-interp (its own repetitions). */
static void run_one(const options_t *o, const bench_kernel_t *k, const char *path, int runner,
		    run_result_t *out)
{
	switch (runner) {
	case R_NATIVE:
		bench_native(k, 1, out);
		break;
	case R_GAS_ON:
	case R_GAS_OFF:
		bench_svm(path, &(svm_run_t){runner == R_GAS_ON, 1, o->timeout_s, o->in_process},
			  out);
		break;
	default:
		bench_interp(o->interp, path, o->interp_reps, out);
		break;
	}
}

/* Folds one more measurement into the best so far: the first failure sticks, a checksum that
 * changes between repetitions is a failure, otherwise the faster time wins. */
static void fold(run_result_t *best, const run_result_t *r, int rep)
{
	if (rep == 0 || (best->status == RUN_OK && r->status != RUN_OK)) {
		*best = *r;
	} else if (best->status == RUN_OK && r->checksum != best->checksum) {
		best->status = RUN_FAILED;
		snprintf(best->note, sizeof best->note, "checksum varies between runs");
	} else if (best->status == RUN_OK && r->ms < best->ms) {
		best->ms = r->ms;
	}
}

/* Runs the repetitions in rounds (native, gas on, gas off, then again), so that load from
 * other processes falls on every runner alike; wasm-interp, slow, runs after the rounds. */
static void run_kernel(const options_t *o, const bench_kernel_t *k, row_t *row)
{
	char path[PATH_BYTES_MAX];
	snprintf(path, sizeof path, "%s/%s.wasm", o->wasm_dir, k->name);
	row->kernel = k;
	for (int j = 0; j < RUNNERS; j++)
		row->r[j] = (run_result_t){.status = RUN_NA, .note = "skipped (--runners)"};
	fprintf(stderr, "bench-wasm: %-9s", k->name);
	for (int rep = 0; rep < o->reps; rep++) {
		for (int j = 0; j < R_INTERP; j++) {
			run_result_t r;
			if (!o->runs[j])
				continue;
			run_one(o, k, path, j, &r);
			fold(&row->r[j], &r, rep);
		}
		fprintf(stderr, " %d", rep + 1);
	}
	if (o->runs[R_INTERP]) {
		fprintf(stderr, ", wasm-interp");
		run_one(o, k, path, R_INTERP, &row->r[R_INTERP]);
	}
	fprintf(stderr, "\n");
}

/* ---- table ---- */

static bool ok(const run_result_t *r)
{
	return r->status == RUN_OK;
}

static void print_ms(const run_result_t *r)
{
	if (ok(r))
		printf(" %15.1f", r->ms);
	else
		printf(" %15s", r->status == RUN_NA ? "n/a" : "error");
}

static void print_ratio(bool have, double x, const char *fmt)
{
	if (have)
		printf(fmt, x);
	else
		printf(" %12s", "n/a");
}

/* Accumulates log-ratios for the geometric means. */
typedef struct {
	double log_sum;
	int n;
} geo_t;

static void geo_add(geo_t *g, bool have, double ratio)
{
	if (have && ratio > 0)
		g->log_sum += log(ratio), g->n++;
}

static double geo_mean(const geo_t *g)
{
	return g->n ? exp(g->log_sum / g->n) : 0;
}

static void print_header(void)
{
	printf("\n%-10s %15s %15s %15s %15s %12s %12s %12s\n", "kernel", "native ms",
	       "svm gas-on ms", "svm gas-off ms", "wasm-interp ms", "svm/native", "metering %",
	       "interp/nat");
	printf("%.*s\n", 10 + 4 * 16 + 3 * 13,
	       "------------------------------------------------"
	       "------------------------------------------------"
	       "-------------------------------------------------");
}

static void print_row(const row_t *row, geo_t geo[3])
{
	const run_result_t *r = row->r;
	bool svm = ok(&r[R_NATIVE]) && ok(&r[R_GAS_ON]);
	bool meter = ok(&r[R_GAS_ON]) && ok(&r[R_GAS_OFF]);
	bool interp = ok(&r[R_NATIVE]) && ok(&r[R_INTERP]);
	double svm_x = svm ? r[R_GAS_ON].ms / r[R_NATIVE].ms : 0;
	double meter_x = meter ? r[R_GAS_ON].ms / r[R_GAS_OFF].ms : 0;
	double interp_x = interp ? r[R_INTERP].ms / r[R_NATIVE].ms : 0;
	printf("%-10s", row->kernel->name);
	for (int i = 0; i < RUNNERS; i++)
		print_ms(&r[i]);
	print_ratio(svm, svm_x, " %11.1fx");
	print_ratio(meter, (meter_x - 1) * 100, " %11.1f%%");
	print_ratio(interp, interp_x, " %11.1fx");
	printf("\n");
	geo_add(&geo[0], svm, svm_x);
	geo_add(&geo[1], meter, meter_x);
	geo_add(&geo[2], interp, interp_x);
}

static void print_geomeans(const geo_t geo[3], int rows)
{
	printf("%-10s %15s %15s %15s %15s", "geomean", "", "", "", "");
	print_ratio(geo[0].n > 0, geo_mean(&geo[0]), " %11.1fx");
	print_ratio(geo[1].n > 0, (geo_mean(&geo[1]) - 1) * 100, " %11.1f%%");
	print_ratio(geo[2].n > 0, geo_mean(&geo[2]), " %11.1fx");
	printf("\n");
	if (geo[0].n != rows || geo[1].n != rows || geo[2].n != rows)
		printf("(geometric means over the kernels measured: svm %d, metering %d, "
		       "wasm-interp %d of %d)\n",
		       geo[0].n, geo[1].n, geo[2].n, rows);
}

/* ---- checksums and notes ---- */

/* Prints each kernel's checksum and SuperVM gas and load time; returns the mismatch count. */
static int print_checks(const row_t *rows, int n)
{
	int bad = 0;
	printf("\n%-10s %20s %9s %16s %12s\n", "kernel", "checksum (native)", "agree",
	       "svm gas used", "svm load ms");
	for (int i = 0; i < n; i++) {
		const run_result_t *r = rows[i].r;
		int mism = 0, checked = 0;
		for (int j = 1; j < RUNNERS; j++)
			if (ok(&r[j]))
				checked++, mism += r[j].checksum != r[R_NATIVE].checksum;
		bad += mism;
		printf("%-10s %20llu %9s", rows[i].kernel->name,
		       (unsigned long long)r[R_NATIVE].checksum,
		       mism	 ? "MISMATCH"
		       : checked ? "yes"
				 : "-");
		if (ok(&r[R_GAS_ON]))
			printf(" %16llu %12.2f\n", (unsigned long long)r[R_GAS_ON].gas,
			       r[R_GAS_ON].load_ms);
		else
			printf(" %16s %12s\n", "n/a", "n/a");
	}
	return bad;
}

static void print_mismatch(const row_t *row, int runner)
{
	fprintf(stderr, "bench-wasm: CHECKSUM MISMATCH: %s under %s returned %llu, native %llu\n",
		row->kernel->name, runner_names[runner],
		(unsigned long long)row->r[runner].checksum,
		(unsigned long long)row->r[R_NATIVE].checksum);
}

/* Prints why a runner has no result, once per distinct reason with the kernels it covers. */
static void print_reason(const row_t *rows, int n, int runner, int first)
{
	const run_result_t *r = &rows[first].r[runner];
	for (int i = 0; i < first; i++)
		if (rows[i].r[runner].status != RUN_OK && !strcmp(rows[i].r[runner].note, r->note))
			return;
	printf("note: %s %s for", runner_names[runner], r->status == RUN_NA ? "n/a" : "ERROR");
	for (int i = first; i < n; i++)
		if (rows[i].r[runner].status != RUN_OK && !strcmp(rows[i].r[runner].note, r->note))
			printf(" %s", rows[i].kernel->name);
	printf(": %s\n", r->note);
}

static void print_notes(const row_t *rows, int n)
{
	for (int j = 0; j < RUNNERS; j++)
		for (int i = 0; i < n; i++) {
			const run_result_t *r = &rows[i].r[j];
			if (r->status == RUN_OK && r->checksum != rows[i].r[R_NATIVE].checksum)
				print_mismatch(&rows[i], j);
			else if (r->status != RUN_OK)
				print_reason(rows, n, j, i);
		}
}

static bool svm_all_ok(const row_t *rows, int n)
{
	for (int i = 0; i < n; i++)
		if (!ok(&rows[i].r[R_GAS_ON]) || !ok(&rows[i].r[R_GAS_OFF]))
			return false;
	return true;
}

int main(int argc, char **argv)
{
	options_t o;
	if (!parse_options(argc, argv, &o))
		usage();
	row_t rows[KERNELS_MAX];
	int n = 0;
	for (size_t i = 0; i < KERNEL_COUNT && n < KERNELS_MAX; i++)
		if (selected(&o, kernels[i].name))
			run_kernel(&o, &kernels[i], &rows[n++]);
	printf("bench-wasm: best of %d (native, SuperVM) and %d (wasm-interp) runs; SuperVM %s\n",
	       o.reps, o.interp_reps, bench_svm_build);
	print_header();
	geo_t geo[3] = {{0}};
	for (int i = 0; i < n; i++)
		print_row(&rows[i], geo);
	print_geomeans(geo, n);
	int bad = print_checks(rows, n);
	print_notes(rows, n);
	if (bad)
		fprintf(stderr, "bench-wasm: FAILED: %d checksum mismatch(es)\n", bad);
	for (int i = 0; i < n; i++)
		if (!ok(&rows[i].r[R_NATIVE]))
			return fprintf(stderr, "bench-wasm: native %s failed\n",
				       rows[i].kernel->name),
			       1;
	return bad || (o.strict && !svm_all_ok(rows, n)) ? 1 : 0;
}

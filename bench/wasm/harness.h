/* bench-wasm harness: runs each compute kernel natively, in SuperVM (gas metering on and off)
 * and under wabt's wasm-interp, then prints times, ratios and a checksum cross-check. Shared by
 * the files of bench/wasm only. */
#ifndef BENCH_WASM_HARNESS_H
#define BENCH_WASM_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#define BENCH_NOTE_MAX 240

/* The kernels, in table order. Each is bench/wasm/kernels/<name>.c: linked natively with its
 * entry renamed to bench_<name>, and built to <wasm dir>/<name>.wasm exporting bench and run. */
#define BENCH_KERNELS(X) X(sha256) X(fib) X(sieve) X(matmul) X(coremark) X(nn_int8)

typedef enum { RUN_NA, RUN_OK, RUN_FAILED } run_status_t;

/* What one runner measured on one kernel. */
typedef struct {
	run_status_t status;
	double ms;		   /* best wall time of one bench() call over the repetitions */
	uint64_t checksum;	   /* what bench() returned (equal on every repetition) */
	uint64_t gas;		   /* SuperVM gas used by one call, 0 without metering */
	double load_ms;		   /* SuperVM decode + validate + translate + instantiate */
	char note[BENCH_NOTE_MAX]; /* why the result is n/a or failed */
} run_result_t;

typedef struct {
	const char *name;
	uint64_t (*native)(void);
} bench_kernel_t;

/* CPU time of the calling thread in milliseconds. Every time in the table is CPU time, not wall
 * time, so that the slices a busy machine gives to other processes are not counted. */
double bench_cpu_ms(void);

/* Times k->native() reps times, keeping the best. */
void bench_native(const bench_kernel_t *k, int reps, run_result_t *out);

/* Times `interp wasm_path --run-all-exports` reps times, minus the time wasm-interp takes to
 * load and validate the same module without running it; RUN_NA if interp cannot be run. */
void bench_interp(const char *interp, const char *wasm_path, int reps, run_result_t *out);

/* How bench_svm measures. */
typedef struct {
	bool metering;	  /* gas metering on or off */
	int reps;	  /* calls of bench(); the best time is kept */
	double timeout_s; /* limit for the whole measurement */
	bool in_process;  /* no child process: for instruction counting under valgrind */
} svm_run_t;

/* Loads wasm_path into SuperVM with gas metering on or off and times the exported bench()
 * how->reps times, in a child process (unless in_process) so that a crash or hang in the VM
 * cannot take the harness down. RUN_NA when this harness was built without the VM or the VM
 * cannot load the module. */
void bench_svm(const char *wasm_path, const svm_run_t *how, run_result_t *out);

/* One line saying whether this harness drives SuperVM ("linked" or why not). */
extern const char bench_svm_build[];

#endif

/* The SuperVM runner: loads a kernel through the public API (include/supervm/wasm.h) with gas
 * metering on or off and times calls of its exported bench(). The work happens in a child
 * process, so a crash or a hang in a VM under construction becomes a row note, not a lost run. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "supervm/wasm.h"

#define MODULE_BYTES_MAX (8u << 20)

const char bench_svm_build[] = "linked with build/libsupervm.a";

/* Reads a whole file into a malloc'd buffer; NULL on failure. */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = malloc(MODULE_BYTES_MAX);
	size_t n = buf ? fread(buf, 1, MODULE_BYTES_MAX, f) : 0;
	bool ok = buf && ferror(f) == 0 && feof(f);
	fclose(f);
	if (!ok) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* Decodes, validates, translates and instantiates the module; finds bench. */
static int load(const char *path, bool metering, svm_wasm_module_t **m, svm_wasm_store_t **s,
		svm_wasm_func_t **f, run_result_t *out)
{
	svm_error_t err = {0};
	size_t len = 0;
	uint8_t *bytes = read_file(path, &len);
	if (!bytes)
		return snprintf(out->note, sizeof out->note, "cannot read %s", path), -1;
	svm_wasm_config_t cfg;
	svm_wasm_config_default(&cfg);
	cfg.metering = metering;
	svm_wasm_instance_t *inst = NULL;
	double t0 = bench_cpu_ms();
	int rc = svm_wasm_module_new(m, bytes, len, &cfg, &err);
	free(bytes);
	if (rc == 0)
		rc = svm_wasm_store_new(s, &cfg.limits);
	if (rc == 0)
		rc = svm_wasm_instantiate(*s, *m, &inst, &err);
	out->load_ms = bench_cpu_ms() - t0;
	if (rc == 0 && !(*f = svm_wasm_export_func(inst, "bench")))
		return snprintf(out->note, sizeof out->note, "no exported function bench"), -1;
	if (rc != 0)
		snprintf(out->note, sizeof out->note, "load: %s: %s", svm_strerror(rc), err.msg);
	return rc;
}

/* Calls bench() reps times; fills ms (best), checksum and gas. */
static int time_calls(svm_wasm_store_t *s, svm_wasm_func_t *f, int reps, run_result_t *out)
{
	for (int r = 0; r < reps; r++) {
		svm_error_t err = {0};
		uint64_t sum = 0;
		svm_wasm_gas_set(s, UINT64_MAX);
		double t0 = bench_cpu_ms();
		int rc = svm_wasm_call(s, f, NULL, 0, &sum, 1, &err);
		double ms = bench_cpu_ms() - t0;
		if (rc != 0)
			return snprintf(out->note, sizeof out->note, "call: %s: %s",
					svm_strerror(rc), err.msg),
			       rc;
		if (r > 0 && sum != out->checksum)
			return snprintf(out->note, sizeof out->note,
					"checksum varies between runs"),
			       -1;
		out->checksum = sum;
		out->gas = svm_wasm_gas_used(s);
		if (r == 0 || ms < out->ms)
			out->ms = ms;
	}
	return 0;
}

static void measure(const char *path, bool metering, int reps, run_result_t *out)
{
	svm_wasm_module_t *m = NULL;
	svm_wasm_store_t *s = NULL;
	svm_wasm_func_t *f = NULL;
	*out = (run_result_t){.status = RUN_NA};
	if (load(path, metering, &m, &s, &f, out) != 0)
		goto done;
	out->status = time_calls(s, f, reps, out) == 0 ? RUN_OK : RUN_FAILED;
done:
	svm_wasm_store_free(s);
	svm_wasm_module_free(m);
}

/* Explains how the child ended when it sent no result. */
static void child_note(int status, double timeout_s, run_result_t *out)
{
	out->status = RUN_FAILED;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		snprintf(out->note, sizeof out->note, "timed out after %.0f s", timeout_s);
	else if (WIFSIGNALED(status))
		snprintf(out->note, sizeof out->note, "crashed: %s", strsignal(WTERMSIG(status)));
	else
		snprintf(out->note, sizeof out->note, "child exited with status %d",
			 WEXITSTATUS(status));
}

void bench_svm(const char *wasm_path, const svm_run_t *how, run_result_t *out)
{
	int fds[2];
	if (how->in_process)
		return measure(wasm_path, how->metering, how->reps, out);
	*out = (run_result_t){.status = RUN_FAILED};
	if (pipe(fds) != 0)
		return (void)snprintf(out->note, sizeof out->note, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		alarm((unsigned)how->timeout_s + 1);
		measure(wasm_path, how->metering, how->reps, out);
		_exit(write(fds[1], out, sizeof *out) == (ssize_t)sizeof *out ? 0 : 1);
	}
	close(fds[1]);
	ssize_t got = pid < 0 ? -1 : read(fds[0], out, sizeof *out);
	close(fds[0]);
	int status = 0;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid < 0)
		snprintf(out->note, sizeof out->note, "fork: %s", strerror(errno));
	else if (got != (ssize_t)sizeof *out)
		child_note(status, how->timeout_s, out);
}

/* The wasm-interp runner: times Debian wabt's interpreter running the exported bench() of a
 * kernel (`wasm-interp FILE --run-all-exports` runs every export without parameters, and
 * bench is the only one) and parses the checksum from its "bench() => i64:N" line. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define OUTPUT_BYTES_MAX 4096
#define LOAD_REPS	 3

/* Runs interp on path (with --run-all-exports when run is set), capturing stdout into buf and
 * its CPU time (user + system) into *cpu_ms. Returns the wait status, or -1 if it did not start. */
static int spawn(const char *interp, const char *path, bool run, char *buf, size_t cap,
		 double *cpu_ms)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execlp(interp, interp, path, run ? "--run-all-exports" : (char *)NULL,
		       (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	size_t len = 0;
	ssize_t got;
	while ((got = read(fds[0], buf + len, cap - 1 - len)) > 0 || (got < 0 && errno == EINTR))
		len += got > 0 ? (size_t)got : 0;
	buf[len] = '\0';
	close(fds[0]);
	int status;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	*cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		  (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	return status;
}

static bool exited_ok(int status)
{
	return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Best CPU time of wasm-interp loading and validating path without running anything. */
static double load_ms(const char *interp, const char *path)
{
	char buf[OUTPUT_BYTES_MAX];
	double best = 0;
	for (int r = 0; r < LOAD_REPS; r++) {
		double ms = 0;
		if (!exited_ok(spawn(interp, path, false, buf, sizeof buf, &ms)))
			return 0;
		if (r == 0 || ms < best)
			best = ms;
	}
	return best;
}

static bool parse_checksum(const char *out, uint64_t *sum)
{
	const char *at = strstr(out, "bench() => i64:");
	if (!at)
		return false;
	char *end;
	errno = 0;
	*sum = strtoull(at + strlen("bench() => i64:"), &end, 10);
	return errno == 0 && end != at;
}

void bench_interp(const char *interp, const char *wasm_path, int reps, run_result_t *out)
{
	char buf[OUTPUT_BYTES_MAX];
	*out = (run_result_t){.status = RUN_NA};
	double base_ms = load_ms(interp, wasm_path);
	for (int r = 0; r < reps; r++) {
		double ms = 0;
		int status = spawn(interp, wasm_path, true, buf, sizeof buf, &ms);
		ms -= base_ms;
		uint64_t sum;
		if (!exited_ok(status) || !parse_checksum(buf, &sum)) {
			out->status = status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127
					      ? RUN_NA
					      : RUN_FAILED;
			snprintf(out->note, sizeof out->note, "%s: %.120s", interp,
				 out->status == RUN_NA ? "cannot be run" : buf);
			return;
		}
		if (r > 0 && sum != out->checksum) {
			out->status = RUN_FAILED;
			snprintf(out->note, sizeof out->note, "checksum varies between runs");
			return;
		}
		out->status = RUN_OK;
		out->checksum = sum;
		if (r == 0 || ms < out->ms)
			out->ms = ms;
	}
}

/* Leveled logging to stderr, one line per call, with a monotonic timestamp. */
#include <stdatomic.h>
#include <stdio.h>

#include "supervm/base.h"

static _Atomic int log_level = SVM_LOG_INFO;

void svm_log_set_level(svm_log_level_t level) { atomic_store(&log_level, (int)level); }

void svm_log(svm_log_level_t level, const char *fmt, ...)
{
	static const char *const tags[] = {"debug", "info", "warn", "error"};
	if ((int)level < atomic_load(&log_level)) return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	uint64_t ms = svm_clock_ns() / 1000000;
	fprintf(stderr, "%llu.%03llu %-5s %s\n", (unsigned long long)(ms / 1000),
		(unsigned long long)(ms % 1000), tags[level], line);
}

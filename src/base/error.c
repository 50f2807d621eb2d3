/* Error codes and their names, and the context-carrying svm_error_t. */
#include <stdio.h>

#include "supervm/base.h"

static const char *const names[] = {
	"ok",
	"out of memory",
	"invalid argument",
	"malformed encoding",
	"limit exceeded",
	"not found",
	"already exists",
	"i/o error",
	"bad signature",
	"wrong chain id",
	"bad nonce",
	"expired",
	"insufficient funds",
	"arithmetic overflow",
	"undeclared access",
	"input version mismatch",
	"fee limit too low",
	"proof does not verify",
	"trap",
	"out of gas",
	"validation failed",
	"unsupported",
	"invalid state",
	"busy",
	"aborted",
	"permission denied",
	"corrupt store",
};

_Static_assert(sizeof(names) / sizeof(names[0]) == (size_t)(-SVM_E_LAST) + 1,
	       "every error code has a name");

const char *svm_strerror(int err)
{
	if (err > 0 || err < SVM_E_LAST) return "unknown error";
	return names[-err];
}

int svm_error_set(svm_error_t *err, int code, const char *fmt, ...)
{
	/* one of ours (0 or a negative SVM_E*), never an errno or another library's positive code */
	SVM_ASSERT(code <= 0 && code >= SVM_E_LAST);
	if (err == NULL) return code;
	err->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

/* A counter: `increment` adds the u64 input (or 1 without input) and emits the new value;
 * `get` returns it (8 bytes, little-endian); `fail` increments then aborts (a revert test). */
#include "../sdk/supervm.h"

static const char KEY[] = "count";

static u64 bump(void)
{
	u64 by = 1;
	u32 n = svm_input_size();
	if (n == 8) {
		u8 in[8];
		svm_input(in);
		by = svm_get_u64(in);
	} else {
		SVM_REQUIRE(n == 0, "input must be empty or 8 bytes");
	}
	u64 v = svm_load_u64(KEY, sizeof KEY - 1) + by;
	SVM_REQUIRE(v >= by, "counter overflow");
	svm_store_u64(KEY, sizeof KEY - 1, v);
	return v;
}

SVM_EXPORT(increment)
{
	u8 out[8];
	svm_put_u64(out, bump());
	svm_emit("count", 5, out, 8);
	svm_set_return(out, 8);
}

SVM_EXPORT(get)
{
	u8 out[8];
	svm_put_u64(out, svm_load_u64(KEY, sizeof KEY - 1));
	svm_set_return(out, 8);
}

SVM_EXPORT(fail)
{
	bump();
	svm_abort("fail on purpose", 15);
}

/* Burns gas without end: the out-of-gas test. */
SVM_EXPORT(spin)
{
	volatile u64 x = 0;
	for (;;) {
		x++;
		svm_store_u64(KEY, sizeof KEY - 1, x);
	}
}

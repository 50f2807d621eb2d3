/* Cross-VM test contract (tests/unit/test_xvm.c, tests/eth/e2e.mjs): WebAssembly calling the EVM
 * and called by it.
 *   put(bytes)        stores the input under "v", returns "ok"
 *   get(key)          returns the value stored under key (nothing when absent)
 *   put_abort(bytes)  stores the input under "v", then aborts with "no"
 *   spin()            loops until the meter stops it
 *   call_evm(to20 ‖ u64 gas ‖ u8 mode ‖ calldata)  stores the calldata under "w", calls the EVM
 *                     contract `to`, stores the result (i32, little-endian) under "r" and returns
 *                     the output; mode 1: aborts if the EVM call failed, mode 2: aborts anyway
 *   bounce(to20)      adds 1 to "n" and calls `to` with 0x05 ‖ this contract's id (the EVM side
 *                     calls back: a ping-pong to the cross-VM depth limit)
 *   call_evm_value(to20 ‖ u64 gas ‖ u8 mode ‖ u64 amount ‖ calldata)  call_evm with `amount` SWR
 *                     base units of this contract's attached as the call's value */
#include "../sdk/supervm.h"

#define IN_MAX 256

static u32 read_input(u8 *buf)
{
	u32 n = svm_input_size();
	SVM_REQUIRE(n <= IN_MAX, "input too long");
	svm_input(buf);
	return n;
}

SVM_EXPORT(put)
{
	u8 in[IN_MAX];
	u32 n = read_input(in);
	svm_storage_write("v", 1, in, n);
	svm_set_return("ok", 2);
}

SVM_EXPORT(get)
{
	u8 key[64], v[IN_MAX];
	u32 n = svm_input_size();
	SVM_REQUIRE(n >= 1 && n <= sizeof key, "get: a key of 1..64 bytes");
	svm_input(key);
	i32 len = svm_storage_read(key, n, v, sizeof v);
	if (len > 0) svm_set_return(v, (u32)len < sizeof v ? (u32)len : sizeof v);
}

SVM_EXPORT(put_abort)
{
	u8 in[IN_MAX];
	u32 n = read_input(in);
	svm_storage_write("v", 1, in, n);
	svm_abort("no", 2);
}

SVM_EXPORT(spin)
{
	volatile u32 x = 0;
	for (;;) x++;
}

SVM_EXPORT(call_evm)
{
	u8 in[IN_MAX], out[64];
	u32 n = read_input(in);
	SVM_REQUIRE(n >= 29, "call_evm: to20 gas8 mode1 calldata");
	svm_storage_write("w", 1, in + 29, n - 29);
	i32 r = svm_evm_call(in, in + 29, n - 29, out, sizeof out, svm_get_u64(in + 20));
	u8 rb[4] = {(u8)r, (u8)(r >> 8), (u8)(r >> 16), (u8)(r >> 24)};
	svm_storage_write("r", 1, rb, 4);
	SVM_REQUIRE(!(in[28] == 1 && r < 0), "evm call failed");
	SVM_REQUIRE(in[28] != 2, "abort after the call");
	if (r > 0) svm_set_return(out, (u32)r < sizeof out ? (u32)r : sizeof out);
}

SVM_EXPORT(bounce)
{
	u8 in[IN_MAX], call[33], out[1];
	u32 n = read_input(in);
	SVM_REQUIRE(n == 20, "bounce: to20");
	svm_store_u64("n", 1, svm_load_u64("n", 1) + 1);
	call[0] = 5;
	svm_self(call + 1);
	svm_evm_call(in, call, sizeof call, out, 0, 0);
}

SVM_EXPORT(call_evm_value)
{
	u8 in[IN_MAX], out[64];
	u32 n = read_input(in);
	SVM_REQUIRE(n >= 37, "call_evm_value: to20 gas8 mode1 amount8 calldata");
	i32 r = svm_evm_call_value(in, in + 37, n - 37, out, sizeof out, svm_get_u64(in + 20), svm_get_u64(in + 29));
	u8 rb[4] = {(u8)r, (u8)(r >> 8), (u8)(r >> 16), (u8)(r >> 24)};
	svm_storage_write("r", 1, rb, 4);
	SVM_REQUIRE(!(in[28] == 1 && r < 0), "evm call failed");
	SVM_REQUIRE(in[28] != 2, "abort after the call");
}

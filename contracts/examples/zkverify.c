/* A Groth16 verifier contract over the groth16_verify host function (docs/privacy.md).
 * `set_key` stores a verifying key once (the encoding of include/supervm/groth16.h);
 * `verify` takes u8 n ‖ n × 32-byte public inputs ‖ proof (256), aborts unless the proof
 * verifies under the stored key, counts it under "verified", emits "zk/ok" with SHA-256 of the
 * inputs and returns one byte 1; `check` returns the host function's result (i32, little-endian)
 * without aborting; `raw` (u32 vk_len ‖ u32 n ‖ u32 proof address, little-endian) passes those
 * numbers unchecked, to test the host function's bounds. */
#include "../sdk/supervm.h"

#define VK_MAX 2571 /* SVM_GROTH16_VK_BYTES_MAX */
#define PUBLIC_MAX 32
#define IN_MAX (1 + 32 * PUBLIC_MAX + 256)

static u8 vk[VK_MAX + 1];
static u8 in[IN_MAX];
static const char VK_KEY[] = "vk";
static const char COUNT_KEY[] = "verified";

static u32 load_key(void)
{
	i32 n = svm_storage_read(VK_KEY, sizeof VK_KEY - 1, vk, sizeof vk);
	SVM_REQUIRE(n > 0 && n <= VK_MAX, "no verifying key set");
	return (u32)n;
}

/* Reads the input; returns n, the count of public inputs (at in + 1; the proof follows them). */
static u32 read_statement(void)
{
	u32 len = svm_input_size();
	SVM_REQUIRE(len >= 1 + 256 && len <= IN_MAX, "input: u8 n, n x 32-byte inputs, proof (256)");
	svm_input(in);
	u32 n = in[0];
	SVM_REQUIRE(n <= PUBLIC_MAX && len == 1 + 32 * n + 256,
		    "input: u8 n, n x 32-byte inputs, proof (256)");
	return n;
}

SVM_EXPORT(set_key)
{
	u32 len = svm_input_size();
	SVM_REQUIRE(len > 0 && len <= VK_MAX, "set_key: 1..2571 bytes");
	SVM_REQUIRE(svm_storage_read(VK_KEY, sizeof VK_KEY - 1, vk, 0) < 0, "key already set");
	svm_input(vk);
	svm_storage_write(VK_KEY, sizeof VK_KEY - 1, vk, len);
}

SVM_EXPORT(verify)
{
	u32 vk_len = load_key(), n = read_statement();
	i32 r = svm_groth16_verify(vk, vk_len, in + 1, n, in + 1 + 32 * n);
	SVM_REQUIRE(r != -1, "malformed proof or inputs");
	SVM_REQUIRE(r == 1, "proof does not verify");
	svm_store_u64(COUNT_KEY, sizeof COUNT_KEY - 1, svm_load_u64(COUNT_KEY, sizeof COUNT_KEY - 1) + 1);
	u8 h[32];
	svm_sha256(in + 1, 32 * n, h);
	svm_emit("zk/ok", 5, h, 32);
	u8 one = 1;
	svm_set_return(&one, 1);
}

SVM_EXPORT(check)
{
	u32 vk_len = load_key(), n = read_statement();
	i32 r = svm_groth16_verify(vk, vk_len, in + 1, n, in + 1 + 32 * n);
	u8 out[4];
	for (int i = 0; i < 4; i++) out[i] = (u8)((u32)r >> (8 * i));
	svm_set_return(out, 4);
}

SVM_EXPORT(raw)
{
	u8 a[12];
	SVM_REQUIRE(svm_input_size() == 12, "raw: u32 vk_len, u32 n, u32 proof address");
	svm_input(a);
	u32 v[3];
	for (int k = 0; k < 3; k++)
		v[k] = (u32)a[4 * k] | (u32)a[4 * k + 1] << 8 | (u32)a[4 * k + 2] << 16 |
		       (u32)a[4 * k + 3] << 24;
	load_key();
	i32 r = svm_groth16_verify(vk, v[0], in, v[1], (const u8 *)(unsigned long)v[2]);
	u8 out[4];
	for (int i = 0; i < 4; i++) out[i] = (u8)((u32)r >> (8 * i));
	svm_set_return(out, 4);
}

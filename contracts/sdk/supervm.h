/* SuperVM contract SDK for C: the host functions of the "env" module and small helpers.
 * Build a contract with:
 *   clang --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--export-dynamic -o c.wasm c.c
 * Every exported function of type void(void) is a method; its input comes from svm_input and
 * its result goes out through svm_set_return. docs/contracts.md describes each call's cost. */
#ifndef SUPERVM_SDK_H
#define SUPERVM_SDK_H

typedef unsigned char u8;
typedef unsigned int u32;
typedef int i32;
typedef unsigned long long u64;
typedef long long i64;

#define SVM_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define SVM_EXPORT(name) __attribute__((export_name(#name))) void name(void)

/* Input and return data. */
SVM_IMPORT(input_size) u32 svm_input_size(void);
SVM_IMPORT(input) void svm_input(void *dst);
SVM_IMPORT(set_return) void svm_set_return(const void *p, u32 len);

/* Storage in this contract's namespace: keys 1..64 bytes, values up to 16 KiB.
 * svm_storage_read returns the value's length (copying at most cap bytes) or -1 if absent. */
SVM_IMPORT(storage_read) i32 svm_storage_read(const void *key, u32 key_len, void *val, u32 cap);
SVM_IMPORT(storage_write) void svm_storage_write(const void *key, u32 key_len, const void *val,
						 u32 len);
SVM_IMPORT(storage_remove) void svm_storage_remove(const void *key, u32 key_len);

/* Identities (32 bytes): the transaction's sender, and this contract. */
SVM_IMPORT(caller) void svm_caller(u8 out[32]);
SVM_IMPORT(self) void svm_self(u8 out[32]);

SVM_IMPORT(block_height) u64 svm_block_height(void);
SVM_IMPORT(block_time) u64 svm_block_time(void); /* ms since the Unix epoch */

/* The unified token ledger. svm_transfer moves from this contract's own balance and aborts the
 * transaction if it cannot. */
SVM_IMPORT(balance) u64 svm_balance(const u8 token[32], const u8 owner[32]);
SVM_IMPORT(transfer) void svm_transfer(const u8 token[32], const u8 to[32], u64 amount);

SVM_IMPORT(emit) void svm_emit(const void *topic, u32 topic_len, const void *data, u32 len);
SVM_IMPORT(sha256) void svm_sha256(const void *p, u32 len, u8 out[32]);
SVM_IMPORT(ed25519_verify) i32 svm_ed25519_verify(const u8 sig[64], const void *msg, u32 len,
						  const u8 pk[32]);
/* acc[r] += Σ_c w[r·cols + c]·x[c] for r < rows (int8 × int8 → int32, exact; the add to acc wraps
 * like i32.add). 1 ≤ rows, 1 ≤ cols ≤ 4096, else it aborts. Priced per multiply-accumulate:
 * exactly the gas of the same loop written in WebAssembly (docs/ai-market.md). */
SVM_IMPORT(i8_matvec) void svm_i8_matvec(const signed char *w, const signed char *x, i32 *acc,
					 u32 rows, u32 cols);
/* Cross-VM call (docs/evm.md, "Cross-VM calls"): calls the EVM contract at address `to` with
 * calldata (msg.sender is this contract's derived EVM address, last 20 bytes of
 * SHA-256("svm/evm" ‖ self)); gas 0 gives it all the meter allows but 1/64, as EVM calls do.
 * Returns the output's length when the call succeeded, or -1 - the revert data's length when
 * the EVM callee failed — its writes are then undone, and this contract may go on or abort
 * (which undoes everything, the callee's writes included). min(length, out_cap) bytes of the
 * output or revert data are copied to out. The EVM's gas is charged as steps. The other way,
 * EVM code calls a WebAssembly method at address 0x…ca11 with calldata = contract id (32) ‖
 * u8 method length ‖ method ‖ input. */
SVM_IMPORT(evm_call) i32 svm_evm_call(const u8 to[20], const void *data, u32 len, void *out,
				      u32 out_cap, u64 gas);
/* Groth16 verification on BN254 (docs/privacy.md): vk is a verifying key in the encoding of
 * include/supervm/groth16.h (u8 1 ‖ varint n ‖ alpha ‖ beta ‖ gamma ‖ delta ‖ IC_0..IC_n,
 * at most 2571 bytes), inputs n ≤ 32 public inputs of 32 bytes big-endian, proof A ‖ B ‖ C
 * (256 bytes). Returns 1 when the proof verifies, 0 when it does not, -1 when the key, an input
 * or the proof is malformed (a point off the curve, a value not below its modulus, n not the
 * key's). Larger lengths trap. Costs 800,000 + 50,000·n + 1 per 8 bytes read (a
 * four-pair pairing product and one G1 multiplication per input), whatever the outcome. */
SVM_IMPORT(groth16_verify) i32 svm_groth16_verify(const u8 *vk, u32 vk_len, const u8 *inputs,
						  u32 n, const u8 proof[256]);
/* svm_evm_call with `amount` SWR base units moved from this contract to `to` as the call's value
 * (msg.value = amount × 10^9 wei); undone with the call when it fails; a contract short of them
 * gets -1 (a failed call with no revert data). */
SVM_IMPORT(evm_call_value) i32 svm_evm_call_value(const u8 to[20], const void *data, u32 len, void *out,
						  u32 out_cap, u64 gas, u64 amount);
/* Aborts the transaction with a message: every state change is undone, the fee is paid. */
SVM_IMPORT(abort) __attribute__((noreturn)) void svm_abort(const char *msg, u32 len);

/* ------------------------------------------------------------ helpers */

static inline u32 svm_strlen(const char *s)
{
	u32 n = 0;
	while (s[n]) n++;
	return n;
}

#define SVM_REQUIRE(cond, msg)                                  \
	do {                                                    \
		if (!(cond)) svm_abort((msg), svm_strlen(msg)); \
	} while (0)

static inline int svm_eq32(const u8 *a, const u8 *b)
{
	u8 d = 0;
	for (int i = 0; i < 32; i++) d |= a[i] ^ b[i];
	return d == 0;
}

static inline void svm_copy(void *dst, const void *src, u32 n)
{
	u8 *d = dst;
	const u8 *s = src;
	while (n--) *d++ = *s++;
}

/* Little-endian u64 in and out of byte buffers. */
static inline u64 svm_get_u64(const u8 *p)
{
	u64 v = 0;
	for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
	return v;
}
static inline void svm_put_u64(u8 *p, u64 v)
{
	for (int i = 0; i < 8; i++) p[i] = (u8)(v >> (8 * i));
}

/* A u64 kept in storage under key (0 when absent). */
static inline u64 svm_load_u64(const void *key, u32 key_len)
{
	u8 b[8];
	return svm_storage_read(key, key_len, b, 8) == 8 ? svm_get_u64(b) : 0;
}
static inline void svm_store_u64(const void *key, u32 key_len, u64 v)
{
	u8 b[8];
	svm_put_u64(b, v);
	svm_storage_write(key, key_len, b, 8);
}

/* The id of a well-known token: SHA-256("svm/token" ‖ symbol), e.g. "SWR", "AIC". */
static inline void svm_token(const char *symbol, u8 out[32])
{
	u8 buf[9 + 16];
	const char *tag = "svm/token";
	u32 n = 0;
	for (; tag[n]; n++) buf[n] = (u8)tag[n];
	for (u32 i = 0; symbol[i] && i < 16; i++) buf[n++] = (u8)symbol[i];
	svm_sha256(buf, n, out);
}

#endif

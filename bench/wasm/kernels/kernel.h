/* Shared by every bench-wasm kernel: fixed-width types without libc, the mem* functions clang
 * may emit calls to when it targets wasm32 with -nostdlib, and the argument-less bench() entry
 * that every runner (native, SuperVM, wabt's wasm-interp) calls. */
#ifndef BENCH_WASM_KERNEL_H
#define BENCH_WASM_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* Runs the kernel at size n and returns a checksum of everything it computed. */
uint64_t run(uint32_t n);
/* Runs the kernel at its benchmark size; wasm-interp --run-all-exports calls only this. */
uint64_t bench(void);

/* Defines bench(). The size sits in a volatile so clang cannot fold the work at build time. */
#define KERNEL_BENCH(n_bench)                                                                      \
	static volatile uint32_t bench_n = (n_bench);                                              \
	uint64_t bench(void)                                                                       \
	{                                                                                          \
		return run(bench_n);                                                               \
	}

/* FNV-1a style mixing of one 64-bit value into a running checksum. */
static inline uint64_t mix64(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x100000001b3ull;
	return h ^ (h >> 29);
}

/* A 32-bit xorshift generator: deterministic pseudo-random input for the kernels. */
static inline uint32_t xorshift32(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

#ifdef __wasm__
/* With -nostdlib nothing provides these, yet clang turns fill and copy loops into calls to
 * them. Clang never rewrites the body of a function named memset or memcpy into a call to
 * itself. Each kernel is one translation unit, so defining them here is one definition. */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}
#endif

#endif

/* Recursion kernel: the doubly recursive Fibonacci function, which measures call and return
 * cost. The checksum mixes fib(n) with the number of calls made. */
#include "kernel.h"

static uint64_t calls;

static __attribute__((noinline)) uint32_t fib(uint32_t n)
{
	calls++;
	if (n < 2)
		return n;
	return fib(n - 1) + fib(n - 2);
}

uint64_t run(uint32_t n)
{
	calls = 0;
	uint32_t f = fib(n);
	return mix64(mix64(0, f), calls);
}

KERNEL_BENCH(33)

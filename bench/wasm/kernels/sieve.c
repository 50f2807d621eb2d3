/* Sieve kernel: the sieve of Eratosthenes over a 1 MiB byte array, n rounds with a slightly
 * different limit each round. The checksum mixes every round's prime count and largest prime. */
#include "kernel.h"

#define SIEVE_BYTES (1u << 20)

static uint8_t composite[SIEVE_BYTES];

static uint32_t sieve(uint32_t limit)
{
	for (uint32_t i = 0; i < limit; i++)
		composite[i] = 0;
	for (uint32_t p = 2; p * p < limit; p++) {
		if (composite[p])
			continue;
		for (uint32_t m = p * p; m < limit; m += p)
			composite[m] = 1;
	}
	uint32_t count = 0;
	for (uint32_t i = 2; i < limit; i++)
		count += !composite[i];
	return count;
}

static uint32_t largest_prime_below(uint32_t limit)
{
	for (uint32_t i = limit - 1; i > 1; i--)
		if (!composite[i])
			return i;
	return 0;
}

uint64_t run(uint32_t n)
{
	uint64_t sum = 0;
	for (uint32_t r = 0; r < n; r++) {
		uint32_t limit = SIEVE_BYTES - (r * 4099u) % 65536u;
		sum = mix64(sum, sieve(limit));
		sum = mix64(sum, largest_prime_below(limit));
	}
	return sum;
}

KERNEL_BENCH(18)

/* Integer matrix multiply kernel: C = A x B over 96 x 96 matrices of 32-bit integers with
 * wrapping arithmetic, n times, each product feeding the next as A. */
#include "kernel.h"

#define DIM 96u

static uint32_t a[DIM][DIM], b[DIM][DIM], c[DIM][DIM];

static void fill(uint32_t m[DIM][DIM], uint32_t seed)
{
	uint32_t s = seed;
	for (uint32_t i = 0; i < DIM; i++)
		for (uint32_t j = 0; j < DIM; j++)
			m[i][j] = xorshift32(&s) & 0xffff;
}

/* i-k-j order: the inner loop walks rows of B and C contiguously. */
static void multiply(void)
{
	for (uint32_t i = 0; i < DIM; i++) {
		for (uint32_t j = 0; j < DIM; j++)
			c[i][j] = 0;
		for (uint32_t k = 0; k < DIM; k++) {
			uint32_t aik = a[i][k];
			for (uint32_t j = 0; j < DIM; j++)
				c[i][j] += aik * b[k][j];
		}
	}
}

static uint64_t checksum_and_feed(void)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; i < DIM; i++)
		for (uint32_t j = 0; j < DIM; j++) {
			sum += (uint64_t)c[i][j] * (i * DIM + j + 1);
			a[i][j] = c[i][j] >> 16 ^ (c[i][j] & 0xffff);
		}
	return sum;
}

uint64_t run(uint32_t n)
{
	fill(a, 0x12345678u);
	fill(b, 0x9e3779b9u);
	uint64_t sum = 0;
	for (uint32_t r = 0; r < n; r++) {
		multiply();
		sum = mix64(sum, checksum_and_feed());
	}
	return sum;
}

KERNEL_BENCH(100)

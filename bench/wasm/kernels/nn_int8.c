/* Int8 neural-network kernel: inference of a 256-256-128-10 perceptron with int8 weights and
 * activations, int32 accumulation, per-layer fixed-point requantization and ReLU, as int8
 * inference engines do. n inferences over pseudo-random inputs; the checksum mixes the logits. */
#include "kernel.h"

#define IN_DIM	256u
#define H1_DIM	256u
#define H2_DIM	128u
#define OUT_DIM 10u

typedef struct {
	uint32_t in_dim, out_dim;
	const int8_t *w; /* out_dim rows of in_dim weights */
	const int32_t *bias;
	int32_t mult; /* requantization: (acc * mult) >> shift, rounded to nearest */
	uint32_t shift;
	int relu;
} layer_t;

static int8_t w1[H1_DIM * IN_DIM], w2[H2_DIM * H1_DIM], w3[OUT_DIM * H2_DIM];
static int32_t b1[H1_DIM], b2[H2_DIM], b3[OUT_DIM];

static void fill_weights(int8_t *w, uint32_t count, int32_t *bias, uint32_t bias_count,
			 uint32_t seed)
{
	uint32_t s = seed | 1;
	for (uint32_t i = 0; i < count; i++)
		w[i] = (int8_t)((int32_t)(xorshift32(&s) % 255) - 127);
	for (uint32_t i = 0; i < bias_count; i++)
		bias[i] = (int32_t)(xorshift32(&s) % 8192) - 4096;
}

static int8_t requantize(int32_t acc, int32_t mult, uint32_t shift, int relu)
{
	int64_t scaled = ((int64_t)acc * mult + ((int64_t)1 << (shift - 1))) >> shift;
	int64_t lo = relu ? 0 : -128;
	if (scaled < lo)
		scaled = lo;
	if (scaled > 127)
		scaled = 127;
	return (int8_t)scaled;
}

static int32_t dot(const int8_t *w, const int8_t *x, uint32_t len)
{
	int32_t acc = 0;
	for (uint32_t i = 0; i < len; i++)
		acc += (int32_t)w[i] * x[i];
	return acc;
}

static void dense(const layer_t *l, const int8_t *x, int8_t *y, int32_t *raw)
{
	for (uint32_t o = 0; o < l->out_dim; o++) {
		int32_t acc = l->bias[o] + dot(l->w + o * l->in_dim, x, l->in_dim);
		if (raw)
			raw[o] = acc;
		y[o] = requantize(acc, l->mult, l->shift, l->relu);
	}
}

static uint64_t infer(const layer_t layers[3], const int8_t *input)
{
	int8_t h1[H1_DIM], h2[H2_DIM], out[OUT_DIM];
	int32_t logits[OUT_DIM];
	dense(&layers[0], input, h1, 0);
	dense(&layers[1], h1, h2, 0);
	dense(&layers[2], h2, out, logits);
	uint32_t best = 0;
	uint64_t sum = 0;
	for (uint32_t o = 0; o < OUT_DIM; o++) {
		if (logits[o] > logits[best])
			best = o;
		sum = mix64(sum, (uint32_t)logits[o] ^ (uint32_t)(uint8_t)out[o] << 24);
	}
	return mix64(sum, best);
}

uint64_t run(uint32_t n)
{
	fill_weights(w1, sizeof w1, b1, H1_DIM, 0x1111);
	fill_weights(w2, sizeof w2, b2, H2_DIM, 0x2222);
	fill_weights(w3, sizeof w3, b3, OUT_DIM, 0x3333);
	const layer_t layers[3] = {
		{IN_DIM, H1_DIM, w1, b1, 1717, 20, 1},
		{H1_DIM, H2_DIM, w2, b2, 1433, 19, 1},
		{H2_DIM, OUT_DIM, w3, b3, 1, 9, 0},
	};
	static int8_t input[IN_DIM];
	uint32_t s = 0xabcdef;
	uint64_t sum = 0;
	for (uint32_t r = 0; r < n; r++) {
		for (uint32_t i = 0; i < IN_DIM; i++)
			input[i] = (int8_t)(xorshift32(&s) >> 24);
		sum = mix64(sum, infer(layers, input));
	}
	return sum;
}

KERNEL_BENCH(1000)

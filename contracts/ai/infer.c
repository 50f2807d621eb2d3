/* The inference module of the AI market: runs an SVQ8 int8 model (docs/ai-market.md) on one
 * input, built with the contract SDK and run by the AI runner (src/vm/ai/runtime.c), which
 * provides the model bytes (model_size/model) and the job's input (input_size/input).
 *   infer      the hot loop through the host function i8_matvec (near native speed)
 *   infer_ref  the same arithmetic in pure WebAssembly (the reference: same bytes, same gas)
 * Output (set_return): i32 logits (LE) ‖ u8 argmax. Any malformed model or input aborts. */
#include "../sdk/supervm.h"

SVM_IMPORT(model_size) u32 svm_model_size(void);
SVM_IMPORT(model) void svm_model(void *dst);

typedef signed char i8;

#define MODEL_MAX (1u << 20)
#define DIM_MAX 4096u
#define LAYERS_MAX 8u

static u8 model[MODEL_MAX];
static i8 act[2][DIM_MAX];
static i32 acc[DIM_MAX];
static u8 input[DIM_MAX];
static u8 output[4 * 255 + 1];

static u32 get_u16(const u8 *p) { return (u32)p[0] | (u32)p[1] << 8; }
static i32 get_i32(const u8 *p)
{
	return (i32)((u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24);
}

/* The reference loop. Its gas is linear in rows and rows·cols (no unrolling, no data-dependent
 * branch), which is what the host function's price reproduces. */
__attribute__((noinline)) static void mv_ref(const i8 *w, const i8 *x, i32 *a, u32 rows, u32 cols)
{
	if (rows == 0 || cols == 0 || cols > DIM_MAX) SVM_REQUIRE(0, "i8_matvec: bad shape");
	u32 r = 0;
#pragma clang loop unroll(disable) vectorize(disable)
	do {
		i32 dot = 0;
		u32 c = 0;
#pragma clang loop unroll(disable) vectorize(disable)
		do {
			dot += (i32)w[c] * (i32)x[c];
			c++;
		} while (c < cols);
		a[r] += dot;
		w += cols;
		r++;
	} while (r < rows);
}

/* Exported wrappers of the same shape, so tests can compare the two paths' gas directly. */
__attribute__((export_name("mv_host"))) void mv_host(const i8 *w, const i8 *x, i32 *a, u32 rows,
							u32 cols)
{
	svm_i8_matvec(w, x, a, rows, cols);
}
__attribute__((export_name("mv_pure"))) void mv_pure(const i8 *w, const i8 *x, i32 *a, u32 rows,
							u32 cols)
{
	mv_ref(w, x, a, rows, cols);
}

static i8 rescale(i32 v, i32 mul, u32 shift)
{
	i64 t = (i64)v * mul + ((i64)1 << (shift - 1));
	if (t <= 0) return 0;
	t >>= shift;
	return (i8)(t > 127 ? 127 : t);
}

typedef void (*mv_fn)(const i8 *, const i8 *, i32 *, u32, u32);

/* One indirect call for either path, so both paths pay the same for everything but the product
 * itself (a branch between two direct calls would not: gas blocks end at `end`, not `br`). */
static void run(int host)
{
	mv_fn mv = host ? (mv_fn)svm_i8_matvec : mv_ref;
	u32 len = svm_model_size();
	SVM_REQUIRE(len >= 9 && len <= MODEL_MAX, "model: size");
	svm_model(model);
	SVM_REQUIRE(model[0] == 'S' && model[1] == 'V' && model[2] == 'Q' && model[3] == '8' &&
			    model[4] == 1,
		    "model: not SVQ8 v1");
	u32 layers = model[5], in_len = get_u16(model + 6), shift = model[8], pos = 9;
	SVM_REQUIRE(layers >= 1 && layers <= LAYERS_MAX && in_len <= DIM_MAX && shift <= 7,
		    "model: header");
	SVM_REQUIRE(svm_input_size() == in_len, "input: wrong length");
	svm_input(input);
	for (u32 i = 0; i < in_len; i++) act[0][i] = (i8)(input[i] >> shift);
	u32 cur = 0, cols = in_len, rows = 0;
	for (u32 li = 0; li < layers; li++) {
		SVM_REQUIRE(pos + 5 <= len, "model: truncated");
		rows = get_u16(model + pos);
		u32 kind = model[pos + 4];
		SVM_REQUIRE(get_u16(model + pos + 2) == cols && rows >= 1 && rows <= DIM_MAX &&
				    kind == (li + 1 == layers ? 0u : 1u),
			    "model: layer shape");
		pos += 5;
		u32 need = rows * cols + 4 * rows + (kind ? 5 * rows : 0);
		SVM_REQUIRE(need <= len - pos, "model: truncated");
		const i8 *w = (const i8 *)(model + pos);
		const u8 *b = model + pos + rows * cols;
		for (u32 r = 0; r < rows; r++) acc[r] = get_i32(b + 4 * r);
		mv(w, act[cur], acc, rows, cols);
		if (kind) {
			const u8 *m = b + 4 * rows, *s = m + 4 * rows;
			for (u32 r = 0; r < rows; r++) {
				SVM_REQUIRE(s[r] >= 1 && s[r] <= 62, "model: shift");
				act[cur ^ 1][r] = rescale(acc[r], get_i32(m + 4 * r), s[r]);
			}
			cur ^= 1;
		}
		pos += need;
		cols = rows;
	}
	SVM_REQUIRE(pos == len && rows <= 255, "model: trailing bytes");
	u32 best = 0;
	for (u32 r = 0; r < rows; r++) {
		u32 u = (u32)acc[r];
		output[4 * r] = (u8)u;
		output[4 * r + 1] = (u8)(u >> 8);
		output[4 * r + 2] = (u8)(u >> 16);
		output[4 * r + 3] = (u8)(u >> 24);
		if (acc[r] > acc[best]) best = r;
	}
	output[4 * rows] = (u8)best;
	svm_set_return(output, 4 * rows + 1);
}

SVM_EXPORT(infer) { run(1); }
SVM_EXPORT(infer_ref) { run(0); }

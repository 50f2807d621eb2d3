/* Int8 models in the SVQ8 format: the parser and the plain native C inference that the VM's
 * inference module must equal bit for bit. Integer arithmetic only (docs/ai-market.md). */
#include <string.h>

#include "supervm/ai.h"

static uint32_t get_u16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }

static int32_t get_i32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24);
}

static int parse_layer(svm_reader_t *r, svm_ai_layer_t *l, uint32_t cols_in, bool last)
{
	const uint8_t *h, *w;
	if (svm_reader_bytes(r, 5, &h)) return SVM_EDECODE;
	l->rows = get_u16(h);
	l->cols = get_u16(h + 2);
	l->kind = h[4];
	if (l->rows == 0 || l->cols != cols_in || l->kind != (last ? 0 : 1)) return SVM_EDECODE;
	if (l->rows > (last ? 255u : SVM_AI_DIM_MAX)) return SVM_ELIMIT; /* argmax is a u8 */
	if (svm_reader_bytes(r, (size_t)l->rows * l->cols, &w) ||
	    svm_reader_bytes(r, 4 * (size_t)l->rows, &l->b))
		return SVM_EDECODE;
	l->w = (const int8_t *)w;
	l->m = l->s = NULL;
	if (l->kind == 0) return 0;
	if (svm_reader_bytes(r, 4 * (size_t)l->rows, &l->m) ||
	    svm_reader_bytes(r, l->rows, &l->s))
		return SVM_EDECODE;
	for (uint32_t i = 0; i < l->rows; i++)
		if (get_i32(l->m + 4 * i) <= 0 || l->s[i] < 1 || l->s[i] > 62) return SVM_EDECODE;
	return 0;
}

int svm_ai_model_parse(const uint8_t *bytes, size_t len, svm_ai_model_t *m)
{
	const uint8_t *h;
	memset(m, 0, sizeof *m);
	if (len > SVM_AI_MODEL_BYTES_MAX) return SVM_ELIMIT;
	svm_reader_t r = svm_reader(bytes, len);
	if (svm_reader_bytes(&r, 9, &h) || memcmp(h, "SVQ8", 4) || h[4] != 1 || h[5] == 0 ||
	    h[8] > 7)
		return SVM_EDECODE;
	if (h[5] > SVM_AI_LAYERS_MAX) return SVM_ELIMIT;
	m->layers_len = h[5];
	m->input_len = get_u16(h + 6);
	m->input_shift = h[8];
	if (m->input_len == 0) return SVM_EDECODE;
	if (m->input_len > SVM_AI_DIM_MAX) return SVM_ELIMIT;
	uint32_t cols = m->input_len;
	for (uint32_t i = 0; i < m->layers_len; i++) {
		svm_ai_layer_t *l = &m->layers[i];
		int rc = parse_layer(&r, l, cols, i + 1 == m->layers_len);
		if (rc) return rc;
		cols = l->rows;
		m->macs += (uint64_t)l->rows * l->cols;
	}
	if (svm_reader_left(&r)) return SVM_EDECODE;
	m->output_len = 4 * cols + 1;
	return 0;
}

void svm_ai_i8_matvec(const int8_t *w, const int8_t *x, int32_t *acc, uint32_t rows,
		      uint32_t cols)
{
	for (uint32_t r = 0; r < rows; r++) {
		const int8_t *row = w + (size_t)r * cols;
		int32_t dot = 0; /* |dot| ≤ cols·2^14 < 2^31 for cols ≤ SVM_AI_DIM_MAX */
		for (uint32_t c = 0; c < cols; c++) dot += (int32_t)row[c] * (int32_t)x[c];
		acc[r] = (int32_t)((uint32_t)acc[r] + (uint32_t)dot);
	}
}

uint64_t svm_ai_matvec_gas(uint32_t rows, uint32_t cols)
{
	if (rows == 0) return 0;
	return SVM_AI_MV_GAS_FIRST_ROW + (uint64_t)(rows - 1) * SVM_AI_MV_GAS_ROW +
	       (uint64_t)rows * cols * SVM_AI_MV_GAS_MAC;
}

/* ReLU and fixed-point rescale to 0..127: floor((acc·M + 2^(S-1)) / 2^S), clamped. A negative
 * sum clamps to 0 before any shift, so no shift of a negative number is ever needed. */
static int8_t rescale(int32_t acc, int32_t mul, uint32_t shift)
{
	int64_t v = (int64_t)acc * mul + ((int64_t)1 << (shift - 1));
	if (v <= 0) return 0;
	v >>= shift;
	return (int8_t)(v > 127 ? 127 : v);
}

int svm_ai_infer_native(const svm_ai_model_t *m, const uint8_t *input, size_t input_len,
			uint8_t *out)
{
	int8_t act[2][SVM_AI_DIM_MAX];
	int32_t acc[SVM_AI_DIM_MAX];
	if (input_len != m->input_len) return SVM_EINVAL;
	SVM_ASSERT(m->layers_len >= 1 && m->layers_len <= SVM_AI_LAYERS_MAX);
	for (uint32_t i = 0; i < m->input_len; i++) act[0][i] = (int8_t)(input[i] >> m->input_shift);
	uint32_t cur = 0;
	for (uint32_t li = 0; li < m->layers_len; li++) {
		const svm_ai_layer_t *l = &m->layers[li];
		SVM_ASSERT(l->rows <= SVM_AI_DIM_MAX && l->cols <= SVM_AI_DIM_MAX);
		for (uint32_t r = 0; r < l->rows; r++) acc[r] = get_i32(l->b + 4 * r);
		svm_ai_i8_matvec(l->w, act[cur], acc, l->rows, l->cols);
		if (l->kind == 0) break;
		for (uint32_t r = 0; r < l->rows; r++)
			act[cur ^ 1][r] = rescale(acc[r], get_i32(l->m + 4 * r), l->s[r]);
		cur ^= 1;
	}
	const svm_ai_layer_t *last = &m->layers[m->layers_len - 1];
	uint32_t best = 0;
	for (uint32_t r = 0; r < last->rows; r++) {
		uint32_t u = (uint32_t)acc[r];
		out[4 * r] = (uint8_t)u;
		out[4 * r + 1] = (uint8_t)(u >> 8);
		out[4 * r + 2] = (uint8_t)(u >> 16);
		out[4 * r + 3] = (uint8_t)(u >> 24);
		if (acc[r] > acc[best]) best = r;
	}
	out[4 * last->rows] = (uint8_t)best;
	return 0;
}

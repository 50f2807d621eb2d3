/* Groth16 verification on BN254 (groth16.h) over the EVM layer's EIP-196/197 operations, and
 * the native program that registers verifying keys and checks proofs. */
#include <string.h>

#include "supervm/groth16.h"
#include "vm/evm/bn254.h"

/* The BN254 group order r, big-endian: public inputs must be below it. */
static const uint8_t R_ORDER[32] = {0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29,
				    0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58, 0x5d,
				    0x28, 0x33, 0xe8, 0x48, 0x79, 0xb9, 0x70, 0x91,
				    0x43, 0xe1, 0xf5, 0x93, 0xf0, 0x00, 0x00, 0x01};
/* The base field modulus p, big-endian (to negate A). */
static const uint8_t P_MOD[32] = {0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29,
				  0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58, 0x5d,
				  0x97, 0x81, 0x6a, 0x91, 0x68, 0x71, 0xca, 0x8d,
				  0x3c, 0x20, 0x8c, 0x16, 0xd8, 0x7c, 0xfd, 0x47};

typedef struct {
	size_t n;
	const uint8_t *alpha, *beta, *gamma, *delta, *ic;
} vk_t;

static int vk_parse(const uint8_t *p, size_t len, vk_t *vk)
{
	svm_reader_t r = svm_reader(p, len);
	uint8_t ver;
	uint64_t n;
	if (svm_reader_u8(&r, &ver) || ver != 1 || svm_varint_read(&r, &n) ||
	    n > SVM_GROTH16_PUBLIC_MAX || svm_reader_bytes(&r, 64, &vk->alpha) ||
	    svm_reader_bytes(&r, 128, &vk->beta) || svm_reader_bytes(&r, 128, &vk->gamma) ||
	    svm_reader_bytes(&r, 128, &vk->delta) || svm_reader_bytes(&r, 64 * (n + 1), &vk->ic) ||
	    svm_reader_left(&r))
		return SVM_EDECODE;
	vk->n = (size_t)n;
	/* alpha, beta, gamma, delta at infinity make a degenerate key that accepts everything */
	static const uint8_t zero[128] = {0};
	if (!memcmp(vk->alpha, zero, 64) || !memcmp(vk->beta, zero, 128) ||
	    !memcmp(vk->gamma, zero, 128) || !memcmp(vk->delta, zero, 128))
		return SVM_EDECODE;
	return 0;
}

/* 1 on success with out (64 bytes), 0 when the input is not a valid point. */
static int g1_op(int (*op)(const uint8_t *, size_t, uint8_t **, size_t *), const uint8_t *in,
		 size_t len, uint8_t out[64])
{
	uint8_t *o = NULL;
	size_t ol = 0;
	int rc = op(in, len, &o, &ol);
	if (rc == 1 && ol == 64) memcpy(out, o, 64);
	svm_free(o);
	return rc;
}

static int below(const uint8_t a[32], const uint8_t m[32]) { return memcmp(a, m, 32) < 0; }

/* The pairing check of four (G1, G2) pairs: 1 when the product is one, 0 when not, negative on
 * bad points (SVM_EDECODE) or memory. */
static int pairing4(const uint8_t in[4 * 192])
{
	uint8_t *o = NULL;
	size_t ol = 0;
	int rc = svm_bn254_pairing(in, 4 * 192, &o, &ol);
	int res = rc == 1 ? (ol == 32 && o[31] == 1) : rc == 0 ? SVM_EDECODE
							       : rc;
	svm_free(o);
	return res;
}

int svm_groth16_vk_check(const uint8_t *vk_bytes, size_t vk_len)
{
	vk_t vk;
	if (vk_parse(vk_bytes, vk_len, &vk)) return SVM_EDECODE;
	/* every point read through the curve code: a pairing input of (IC_i or alpha, beta/gamma) */
	uint8_t buf[192], out[64];
	for (size_t i = 0; i <= vk.n + 1; i++) {
		const uint8_t *g1 = i <= vk.n ? vk.ic + 64 * i : vk.alpha;
		uint8_t in[128];
		memcpy(in, g1, 64);
		memset(in + 64, 0, 64);
		if (g1_op(svm_bn254_add, in, 128, out) != 1) return SVM_EDECODE;
	}
	const uint8_t *g2s[3] = {vk.beta, vk.gamma, vk.delta};
	for (int i = 0; i < 3; i++) {
		memset(buf, 0, 64);
		memcpy(buf + 64, g2s[i], 128);
		uint8_t *o = NULL;
		size_t ol = 0;
		int rc = svm_bn254_pairing(buf, 192, &o, &ol);
		svm_free(o);
		if (rc != 1) return rc < 0 ? rc : SVM_EDECODE;
	}
	return 0;
}

int svm_groth16_verify(const uint8_t *vk_bytes, size_t vk_len, const uint8_t (*pub)[32], size_t n,
		       const uint8_t *proof, size_t proof_len)
{
	vk_t vk;
	if (vk_parse(vk_bytes, vk_len, &vk) || n != vk.n || proof_len != SVM_GROTH16_PROOF_BYTES)
		return SVM_EDECODE;
	for (size_t i = 0; i < n; i++)
		if (!below(pub[i], R_ORDER)) return SVM_EDECODE;
	/* vk_x = IC_0 + sum x_i IC_i */
	uint8_t acc[64], in[128], term[64];
	memcpy(in, vk.ic, 64);
	memset(in + 64, 0, 64);
	int rc = g1_op(svm_bn254_add, in, 128, acc); /* validates IC_0 */
	if (rc != 1) return rc < 0 ? rc : SVM_EDECODE;
	for (size_t i = 0; i < n; i++) {
		uint8_t mul[96];
		memcpy(mul, vk.ic + 64 * (i + 1), 64);
		memcpy(mul + 64, pub[i], 32);
		if ((rc = g1_op(svm_bn254_mul, mul, 96, term)) != 1) return rc < 0 ? rc : SVM_EDECODE;
		memcpy(in, acc, 64);
		memcpy(in + 64, term, 64);
		if ((rc = g1_op(svm_bn254_add, in, 128, acc)) != 1) return rc < 0 ? rc : SVM_EDECODE;
	}
	/* -A: (x, p - y), unless A is the point at infinity; coordinates must be canonical */
	const uint8_t *A = proof, *B = proof + 64, *C = proof + 192;
	if (!below(A, P_MOD) || !below(A + 32, P_MOD)) return SVM_EDECODE;
	uint8_t negA[64];
	memcpy(negA, A, 64);
	static const uint8_t zero[32] = {0};
	if (memcmp(A + 32, zero, 32) != 0) {
		unsigned borrow = 0;
		for (int i = 31; i >= 0; i--) {
			int d = (int)P_MOD[i] - (int)A[32 + i] - (int)borrow;
			borrow = d < 0;
			negA[32 + i] = (uint8_t)(d + (borrow ? 256 : 0));
		}
	}
	uint8_t pairs[4 * 192];
	memcpy(pairs, negA, 64), memcpy(pairs + 64, B, 128);
	memcpy(pairs + 192, vk.alpha, 64), memcpy(pairs + 256, vk.beta, 128);
	memcpy(pairs + 384, acc, 64), memcpy(pairs + 448, vk.gamma, 128);
	memcpy(pairs + 576, C, 64), memcpy(pairs + 640, vk.delta, 128);
	rc = pairing4(pairs);
	if (rc < 0) return rc;
	return rc == 1 ? 0 : SVM_EPROOF;
}

/* ------------------------------------------------------------ program */

void svm_groth16_vk_id(const uint8_t *vk, size_t vk_len, svm_id_t *out)
{
	svm_slice_t part = {vk, vk_len};
	svm_sha256_tagged("svm/groth16/vk", &part, 1, out);
}

typedef struct {
	uint64_t method;
	const uint8_t *vk;
	size_t vk_len;
	svm_id_t vk_id;
	size_t n;
	const uint8_t *pub, *proof;
} call_t;

static int parse(const uint8_t *p, size_t len, call_t *c)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t program, n;
	memset(c, 0, sizeof *c);
	if (svm_varint_read(&r, &program) || program != SVM_PROGRAM_GROTH16 ||
	    svm_varint_read(&r, &c->method))
		return SVM_EDECODE;
	if (c->method == SVM_GROTH16_REGISTER) {
		c->vk_len = svm_reader_left(&r);
		if (c->vk_len == 0 || c->vk_len > SVM_GROTH16_VK_BYTES_MAX ||
		    svm_reader_bytes(&r, c->vk_len, &c->vk))
			return SVM_EDECODE;
		svm_groth16_vk_id(c->vk, c->vk_len, &c->vk_id);
		return 0;
	}
	if (c->method != SVM_GROTH16_VERIFY || svm_reader_copy(&r, c->vk_id.b, 32) ||
	    svm_varint_read(&r, &n) || n > SVM_GROTH16_PUBLIC_MAX ||
	    svm_reader_bytes(&r, 32 * n, &c->pub) ||
	    svm_reader_bytes(&r, SVM_GROTH16_PROOF_BYTES, &c->proof) || svm_reader_left(&r))
		return SVM_EDECODE;
	c->n = (size_t)n;
	return 0;
}

static void program_id(svm_id_t *out) { svm_sha256_tagged("svm/program/groth16", NULL, 0, out); }

int svm_groth16_execute(svm_txctx_t *c, const uint8_t *payload, size_t len)
{
	call_t call;
	int rc = parse(payload, len, &call);
	if (rc) return rc;
	if (call.method == SVM_GROTH16_REGISTER) {
		if ((rc = svm_host_charge(c, SVM_STEPS_GROTH16_REGISTER))) return rc;
		if ((rc = svm_groth16_vk_check(call.vk, call.vk_len))) return rc;
		svm_object_t o;
		rc = svm_host_get(c, &call.vk_id, &o);
		if (rc == 0) return SVM_EEXIST;
		if (rc != SVM_ENOTFOUND) return rc;
		svm_object_t vk = {.id = call.vk_id, .owner_kind = SVM_OWNER_IMMUTABLE, .type = SVM_OBJ_STORAGE, .payload = call.vk, .payload_len = call.vk_len};
		if ((rc = svm_host_put(c, &vk))) return rc;
		uint8_t *ret = svm_arena_alloc(c->arena, 32);
		if (!ret) return SVM_ENOMEM;
		memcpy(ret, call.vk_id.b, 32);
		c->return_data = ret;
		c->return_data_len = 32;
		return 0;
	}
	if ((rc = svm_host_charge(c, SVM_STEPS_GROTH16_VERIFY +
					     SVM_STEPS_GROTH16_PER_INPUT * (uint64_t)call.n)))
		return rc;
	svm_object_t o;
	if ((rc = svm_host_get(c, &call.vk_id, &o))) return rc;
	if (o.owner_kind != SVM_OWNER_IMMUTABLE || o.type != SVM_OBJ_STORAGE) return SVM_EINVAL;
	svm_id_t check;
	svm_groth16_vk_id(o.payload, o.payload_len, &check);
	if (memcmp(check.b, call.vk_id.b, 32) != 0) return SVM_EINVAL; /* not a registered key */
	rc = svm_groth16_verify(o.payload, o.payload_len, (const uint8_t(*)[32])call.pub, call.n,
				call.proof, SVM_GROTH16_PROOF_BYTES);
	if (rc) return rc;
	uint8_t data[64];
	svm_slice_t part = {call.pub, 32 * call.n};
	svm_hash_t h;
	svm_sha256_tagged("svm/groth16/inputs", &part, 1, &h);
	memcpy(data, call.vk_id.b, 32);
	memcpy(data + 32, h.b, 32);
	svm_id_t emitter;
	program_id(&emitter);
	return svm_host_emit(c, &emitter, "groth16/ok", 10, data, sizeof data);
}

int svm_groth16_access(const uint8_t *payload, size_t len, svm_id_t *writes, size_t max,
		       size_t *n)
{
	call_t call;
	*n = 0;
	if (parse(payload, len, &call)) return SVM_EDECODE;
	if (call.method != SVM_GROTH16_REGISTER) return 0;
	if (max < 1) return SVM_ELIMIT;
	writes[(*n)++] = call.vk_id;
	return 0;
}

int svm_groth16_reads(const uint8_t *payload, size_t len, svm_id_t *reads, size_t max, size_t *n)
{
	call_t call;
	*n = 0;
	if (parse(payload, len, &call)) return SVM_EDECODE;
	if (call.method != SVM_GROTH16_VERIFY) return 0;
	if (max < 1) return SVM_ELIMIT;
	reads[(*n)++] = call.vk_id;
	return 0;
}

/* ------------------------------------------------------- snarkjs JSON */

#include <jansson.h>

static int dec_to_be32(uint8_t out[32], const char *s)
{
	if (!s || !*s || strlen(s) > 80) return SVM_EDECODE;
	memset(out, 0, 32);
	for (; *s; s++) {
		if (*s < '0' || *s > '9') return SVM_EDECODE;
		unsigned carry = (unsigned)(*s - '0');
		for (int i = 31; i >= 0; i--) {
			unsigned v = out[i] * 10u + carry;
			out[i] = (uint8_t)v;
			carry = v >> 8;
		}
		if (carry) return SVM_EDECODE;
	}
	return 0;
}

static const char *jat(json_t *a, size_t i) { return json_string_value(json_array_get(a, i)); }

static int json_g1(uint8_t *out, json_t *p)
{
	if (!json_is_array(p) || json_array_size(p) != 3 || !jat(p, 2) || strcmp(jat(p, 2), "1"))
		return SVM_EDECODE;
	return dec_to_be32(out, jat(p, 0)) || dec_to_be32(out + 32, jat(p, 1)) ? SVM_EDECODE : 0;
}

/* snarkjs: [[x_re, x_im], [y_re, y_im], [1, 0]] -> x_im ‖ x_re ‖ y_im ‖ y_re */
static int json_g2(uint8_t *out, json_t *p)
{
	json_t *x = json_array_get(p, 0), *y = json_array_get(p, 1);
	if (!json_is_array(p) || json_array_size(p) != 3 || json_array_size(x) != 2 ||
	    json_array_size(y) != 2)
		return SVM_EDECODE;
	return dec_to_be32(out, jat(x, 1)) || dec_to_be32(out + 32, jat(x, 0)) ||
			       dec_to_be32(out + 64, jat(y, 1)) || dec_to_be32(out + 96, jat(y, 0))
		       ? SVM_EDECODE
		       : 0;
}

int svm_groth16_from_snarkjs(const char *vk_json, const char *proof_json, const char *public_json,
			     uint8_t *vk, size_t *vk_len, uint8_t proof[SVM_GROTH16_PROOF_BYTES],
			     uint8_t (*pub)[32], size_t *n)
{
	int rc = SVM_EDECODE;
	json_t *jv = json_loads(vk_json, 0, NULL), *jp = json_loads(proof_json, 0, NULL),
	       *ju = json_loads(public_json, 0, NULL);
	if (!jv || !jp || !ju || !json_is_array(ju)) goto out;
	const char *proto = json_string_value(json_object_get(jv, "protocol"));
	const char *curve = json_string_value(json_object_get(jv, "curve"));
	if (!proto || strcmp(proto, "groth16") || !curve || strcmp(curve, "bn128")) goto out;
	size_t np = json_array_size(ju);
	json_t *ic = json_object_get(jv, "IC");
	if (np > SVM_GROTH16_PUBLIC_MAX || json_array_size(ic) != np + 1) goto out;
	uint8_t *p = vk;
	*p++ = 1;
	*p++ = (uint8_t)np; /* < 128: one varint byte */
	if (json_g1(p, json_object_get(jv, "vk_alpha_1")) || json_g2(p + 64, json_object_get(jv, "vk_beta_2")) ||
	    json_g2(p + 192, json_object_get(jv, "vk_gamma_2")) ||
	    json_g2(p + 320, json_object_get(jv, "vk_delta_2")))
		goto out;
	p += 448;
	for (size_t i = 0; i <= np; i++, p += 64)
		if (json_g1(p, json_array_get(ic, i))) goto out;
	*vk_len = (size_t)(p - vk);
	if (json_g1(proof, json_object_get(jp, "pi_a")) || json_g2(proof + 64, json_object_get(jp, "pi_b")) ||
	    json_g1(proof + 192, json_object_get(jp, "pi_c")))
		goto out;
	for (size_t i = 0; i < np; i++)
		if (dec_to_be32(pub[i], jat(ju, i))) goto out;
	*n = np;
	rc = 0;
out:
	json_decref(jv);
	json_decref(jp);
	json_decref(ju);
	return rc;
}

/* Tests of Groth16 verification on BN254 (groth16.h) with proofs and verifying keys made by
 * snarkjs 0.7.6 for two circom circuits (tests/vectors/groth16: mul — a·b = c, c·d = e with
 * d public — and cube — x³ + x + 5 = y), converted from snarkjs's JSON here: valid proofs are
 * accepted, every single-bit change of a proof and of each public input is rejected, as are
 * another circuit's key, a wrong input count and non-canonical inputs; and the native program
 * registers a key and checks a proof by transaction on the reference executor and AOEM. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/econtest.h"
#include "supervm/groth16.h"
#include "vm/evm/bn254.h"

/* A decimal string to 32 bytes big-endian (below 2^256). */
static void dec32(uint8_t out[32], const char *s)
{
	memset(out, 0, 32);
	for (; *s; s++) {
		cr_assert(*s >= '0' && *s <= '9', "decimal digit");
		unsigned carry = (unsigned)(*s - '0');
		for (int i = 31; i >= 0; i--) {
			unsigned v = out[i] * 10u + carry;
			out[i] = (uint8_t)v;
			carry = v >> 8;
		}
		cr_assert_eq(carry, 0);
	}
}

static const char *jstr(json_t *a, size_t i) { return json_string_value(json_array_get(a, i)); }

static void g1(uint8_t *out, json_t *p)
{
	dec32(out, jstr(p, 0));
	dec32(out + 32, jstr(p, 1));
	cr_assert_str_eq(jstr(p, 2), "1");
}

/* snarkjs G2: [[x_re, x_im], [y_re, y_im], [1, 0]]; EIP-197: x_im ‖ x_re ‖ y_im ‖ y_re */
static void g2(uint8_t *out, json_t *p)
{
	json_t *x = json_array_get(p, 0), *y = json_array_get(p, 1);
	dec32(out, jstr(x, 1));
	dec32(out + 32, jstr(x, 0));
	dec32(out + 64, jstr(y, 1));
	dec32(out + 96, jstr(y, 0));
}

typedef struct {
	uint8_t vk[SVM_GROTH16_VK_BYTES_MAX];
	size_t vk_len;
	uint8_t proof[SVM_GROTH16_PROOF_BYTES];
	uint8_t pub[SVM_GROTH16_PUBLIC_MAX][32];
	size_t n;
} vec_t;

static json_t *load_json(const char *name, const char *file)
{
	char path[256];
	snprintf(path, sizeof path, "tests/vectors/groth16/%s/%s", name, file);
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	cr_assert_not_null(j, "%s: %s (run from the repository root)", path, e.text);
	return j;
}

static void load(vec_t *v, const char *name)
{
	json_t *vk = load_json(name, "vk.json"), *pr = load_json(name, "proof.json"),
	       *pub = load_json(name, "public.json");
	cr_assert_str_eq(json_string_value(json_object_get(vk, "protocol")), "groth16");
	cr_assert_str_eq(json_string_value(json_object_get(vk, "curve")), "bn128");
	v->n = json_array_size(pub);
	cr_assert_eq((size_t)json_integer_value(json_object_get(vk, "nPublic")), v->n);
	uint8_t *p = v->vk;
	*p++ = 1;
	*p++ = (uint8_t)v->n; /* a one-byte varint: n < 128 */
	g1(p, json_object_get(vk, "vk_alpha_1")), p += 64;
	g2(p, json_object_get(vk, "vk_beta_2")), p += 128;
	g2(p, json_object_get(vk, "vk_gamma_2")), p += 128;
	g2(p, json_object_get(vk, "vk_delta_2")), p += 128;
	json_t *ic = json_object_get(vk, "IC");
	cr_assert_eq(json_array_size(ic), v->n + 1);
	for (size_t i = 0; i <= v->n; i++) g1(p, json_array_get(ic, i)), p += 64;
	v->vk_len = (size_t)(p - v->vk);
	g1(v->proof, json_object_get(pr, "pi_a"));
	g2(v->proof + 64, json_object_get(pr, "pi_b"));
	g1(v->proof + 192, json_object_get(pr, "pi_c"));
	for (size_t i = 0; i < v->n; i++) dec32(v->pub[i], jstr(pub, i));
	json_decref(vk), json_decref(pr), json_decref(pub);
}

static int verify(const vec_t *v)
{
	return svm_groth16_verify(v->vk, v->vk_len, (const uint8_t(*)[32])v->pub, v->n, v->proof,
				  sizeof v->proof);
}

Test(groth16, snarkjs_proofs_verify)
{
	static vec_t mul, cube;
	load(&mul, "mul");
	load(&cube, "cube");
	cr_assert_eq(mul.n, 3);
	cr_assert_eq(cube.n, 1);
	cr_assert_eq(svm_groth16_vk_check(mul.vk, mul.vk_len), 0);
	/* the library's converter gives the same bytes as this file's */
	static const char *names[2] = {"mul", "cube"};
	for (int k = 0; k < 2; k++) {
		const vec_t *want = k ? &cube : &mul;
		char *t[3];
		static const char *files[3] = {"vk.json", "proof.json", "public.json"};
		for (int f = 0; f < 3; f++) {
			json_t *j = load_json(names[k], files[f]);
			t[f] = json_dumps(j, 0);
			json_decref(j);
		}
		static vec_t got;
		cr_assert_eq(svm_groth16_from_snarkjs(t[0], t[1], t[2], got.vk, &got.vk_len, got.proof,
						      got.pub, &got.n),
			     0);
		cr_assert_eq(got.vk_len, want->vk_len);
		cr_assert_eq(memcmp(got.vk, want->vk, got.vk_len), 0);
		cr_assert_eq(memcmp(got.proof, want->proof, sizeof got.proof), 0);
		cr_assert_eq(got.n, want->n);
		cr_assert_eq(memcmp(got.pub, want->pub, 32 * got.n), 0);
		for (int f = 0; f < 3; f++) free(t[f]);
	}
	cr_assert_eq(verify(&mul), 0);
	cr_assert_eq(verify(&cube), 0);
	/* another circuit's key */
	cr_assert_neq(svm_groth16_verify(cube.vk, cube.vk_len, (const uint8_t(*)[32])mul.pub, 1,
					 mul.proof, sizeof mul.proof),
		      0);
	/* a wrong count, a non-canonical input (x + r) */
	cr_assert_eq(svm_groth16_verify(mul.vk, mul.vk_len, (const uint8_t(*)[32])mul.pub, 2, mul.proof,
					sizeof mul.proof),
		     SVM_EDECODE);
	static const uint8_t r[32] = {0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45,
				      0xb6, 0x81, 0x81, 0x58, 0x5d, 0x28, 0x33, 0xe8, 0x48, 0x79, 0xb9,
				      0x70, 0x91, 0x43, 0xe1, 0xf5, 0x93, 0xf0, 0x00, 0x00, 0x01};
	vec_t bad = cube;
	unsigned carry = 0;
	for (int i = 31; i >= 0; i--) {
		unsigned s = bad.pub[0][i] + r[i] + carry;
		bad.pub[0][i] = (uint8_t)s;
		carry = s >> 8;
	}
	cr_assert_eq(verify(&bad), SVM_EDECODE);
	/* a degenerate key (delta at infinity) is refused */
	bad = mul;
	memset(bad.vk + 2 + 64 + 256, 0, 128);
	cr_assert_eq(svm_groth16_vk_check(bad.vk, bad.vk_len), SVM_EDECODE);
	/* the public output changed: 35 -> 36 */
	bad = cube;
	bad.pub[0][31]++;
	cr_assert_eq(verify(&bad), SVM_EPROOF);
}

Test(groth16, every_single_bit_change_is_rejected)
{
	static vec_t v, m;
	load(&v, "cube");
	/* under the sanitizers every 7th bit (a pairing is slow there), else every bit */
	size_t step = SVM_ASSERT_ON ? 7 : 1;
	for (size_t bit = 0; bit < sizeof v.proof * 8; bit += step) {
		m = v;
		m.proof[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		int rc = verify(&m);
		cr_assert(rc == SVM_EPROOF || rc == SVM_EDECODE, "proof bit %zu accepted (%d)", bit, rc);
	}
	for (size_t bit = 0; bit < 256; bit += step) {
		m = v;
		m.pub[0][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		int rc = verify(&m);
		cr_assert(rc == SVM_EPROOF || rc == SVM_EDECODE, "input bit %zu accepted (%d)", bit, rc);
	}
}

Test(groth16, program_registers_a_key_and_checks_proofs_by_transaction)
{
	static vec_t v;
	load(&v, "mul");
	et_world_t e;
	cr_assert_eq(et_init(&e, 16, 2, 1000), 0);
	char why[256];
	/* register */
	svm_buf_t p = {0};
	svm_varint_append(&p, SVM_PROGRAM_GROTH16);
	svm_varint_append(&p, SVM_GROTH16_REGISTER);
	svm_buf_append(&p, v.vk, v.vk_len);
	svm_exec_tx_t tx;
	cr_assert_eq(et_tx(&e, &tx, 0, &p, true), 0);
	tx.tx.fee_limit = 20000000;
	cr_assert_eq(et_block(&e, &tx, 1, why, sizeof why), 0, "%s", why);
	cr_assert_eq(e.res.receipts[0].status, 0);
	svm_id_t id;
	svm_groth16_vk_id(v.vk, v.vk_len, &id);
	cr_assert_eq(e.res.receipts[0].return_data_len, 32);
	cr_assert_eq(memcmp(e.res.receipts[0].return_data, id.b, 32), 0);
	svm_object_t o;
	cr_assert(et_object(&e, &id, &o));
	cr_assert_eq(o.owner_kind, SVM_OWNER_IMMUTABLE);
	/* registering again fails */
	cr_assert_eq(et_tx(&e, &tx, 0, &p, true), 0);
	tx.tx.fee_limit = 20000000;
	cr_assert_eq(et_block(&e, &tx, 1, why, sizeof why), 0, "%s", why);
	cr_assert_eq(e.res.receipts[0].status, svm_receipt_status(SVM_EEXIST));
	/* verify: valid, then a wrong input */
	for (int good = 1; good >= 0; good--) {
		svm_buf_free(&p);
		svm_varint_append(&p, SVM_PROGRAM_GROTH16);
		svm_varint_append(&p, SVM_GROTH16_VERIFY);
		svm_buf_append(&p, id.b, 32);
		svm_varint_append(&p, v.n);
		uint8_t pub[3][32];
		memcpy(pub, v.pub, sizeof pub);
		if (!good) pub[2][31] ^= 1;
		svm_buf_append(&p, pub, sizeof pub);
		svm_buf_append(&p, v.proof, sizeof v.proof);
		cr_assert_eq(et_tx(&e, &tx, 1, &p, true), 0);
		tx.tx.fee_limit = 20000000;
		cr_assert_eq(et_block(&e, &tx, 1, why, sizeof why), 0, "%s", why);
		cr_assert_eq(e.res.receipts[0].status, good ? 0 : svm_receipt_status(SVM_EPROOF),
			     "good %d: status %u", good, e.res.receipts[0].status);
		cr_assert_eq(e.res.receipts[0].events_len, good ? 1u : 0u);
	}
	svm_buf_free(&p);
	et_free(&e);
}

/* The Jacobian scalar multiplication and G2 subgroup check (bn254.c) against the affine code they
 * replaced: 200 seeded random scalars and the edge scalars (0, 1, 2, n − 1, n, n + 1, 2^256 − 1)
 * on the key's α and the proof's A and C give the same bytes; the key's β, γ, δ and the proof's
 * B pass both subgroup checks; a point off the twist fails both. The seed prints. */
Test(groth16, jacobian_arithmetic_matches_the_affine_reference)
{
	static vec_t v;
	load(&v, "mul");
	const char *e = getenv("SVM_TEST_SEED");
	uint64_t seed = e ? strtoull(e, NULL, 0) : 0xb254, s = seed;
	static const uint8_t N[32] = {0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45,
				      0xb6, 0x81, 0x81, 0x58, 0x5d, 0x28, 0x33, 0xe8, 0x48, 0x79, 0xb9,
				      0x70, 0x91, 0x43, 0xe1, 0xf5, 0x93, 0xf0, 0x00, 0x00, 0x01};
	const uint8_t *pts[3] = {v.vk + 2, v.proof, v.proof + 192};
	for (int k = 0; k < 207; k++) {
		uint8_t in[96], *o1 = NULL, *o2 = NULL;
		size_t l1 = 0, l2 = 0;
		memcpy(in, pts[k % 3], 64);
		if (k < 200) {
			for (int i = 0; i < 32; i++) {
				s ^= s << 13, s ^= s >> 7, s ^= s << 17;
				in[64 + i] = (uint8_t)s;
			}
		} else {
			memcpy(in + 64, N, 32);
			int c = k - 200; /* 0, 1, 2, n − 1, n, n + 1, all ones */
			if (c <= 2) memset(in + 64, 0, 32), in[95] = (uint8_t)c;
			if (c == 3) in[95] = 0x00;
			if (c == 5) in[95] = 0x02;
			if (c == 6) memset(in + 64, 0xff, 32);
		}
		cr_assert_eq(svm_bn254_mul(in, 96, &o1, &l1), 1);
		cr_assert_eq(svm_bn254_mul_affine_ref(in, 96, &o2, &l2), 1);
		cr_assert_eq(l1, 64);
		cr_assert_eq(memcmp(o1, o2, 64), 0, "scalar %d, seed %#llx", k, (unsigned long long)seed);
		svm_free(o1);
		svm_free(o2);
	}
	const uint8_t *g2[4] = {v.vk + 2 + 64, v.vk + 2 + 192, v.vk + 2 + 320, v.proof + 64};
	for (int k = 0; k < 4; k++) {
		cr_assert_eq(svm_bn254_g2_check(g2[k], false), 1, "G2 point %d", k);
		cr_assert_eq(svm_bn254_g2_check(g2[k], true), 1, "G2 point %d (affine)", k);
	}
	uint8_t bad[128];
	memcpy(bad, g2[0], 128);
	bad[127] ^= 1;
	cr_assert_eq(svm_bn254_g2_check(bad, false), -1);
	cr_assert_eq(svm_bn254_g2_check(bad, true), -1);
}

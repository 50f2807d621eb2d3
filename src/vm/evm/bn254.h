/* BN254 (alt_bn128) curve operations for the EIP-196/197 precompiles. Each returns 1 with
 * *out (malloc'd) on success, 0 on invalid input (the precompile fails), SVM_ENOMEM, or
 * SVM_EUNSUPPORTED when not implemented. */
#ifndef SUPERVM_EVM_BN254_H
#define SUPERVM_EVM_BN254_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int svm_bn254_add(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len);
int svm_bn254_mul(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len);
int svm_bn254_pairing(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len);
/* Tests and benchmarks: svm_bn254_mul by the affine double-and-add it replaced (a Fermat
 * inversion per step), and the G2 subgroup check of an EIP-197 G2 encoding (1 in the subgroup or
 * the point at infinity, 0 on the twist but outside it, -1 not on the twist or a coordinate ≥ p)
 * by the check the chain uses ([x+1]Q + ψ([x]Q) + ψ²([x]Q) = ψ³([2x]Q), Jacobian) or, with
 * affine_ref, [n]Q = O in affine coordinates. */
int svm_bn254_mul_affine_ref(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len);
int svm_bn254_g2_check(const uint8_t b[128], bool affine_ref);
/* Tests and benchmarks: the pairing product of svm_bn254_pairing (the same input) as its value in
 * GT, the 12 Fp coefficients of c0.c0.a, c0.c0.b, c0.c1.a, … c1.c2.b big-endian (384 bytes), by
 * the chain's fast Miller loop and final exponentiation or, with reference, the affine loop and
 * plain exponentiation they replaced; 1, or 0 on malformed input. And k·Q on the twist for
 * in = Q (EIP-197 G2, 128 bytes) ‖ k (32 bytes big-endian) into out (EIP-197 G2, zero for the
 * point at infinity); 1, or 0 when Q is malformed or outside the subgroup. */
int svm_bn254_pairing_gt(const uint8_t *in, size_t len, uint8_t out[384], bool reference);
int svm_bn254_g2_mul(const uint8_t in[160], uint8_t out[128]);
/* Tests: k·Q for any Q on the twist (no subgroup check; the same encodings): 1, or 0 when Q is
 * malformed or not on the twist. */
int svm_bn254_g2_twist_mul(const uint8_t in[160], uint8_t out[128]);
/* Tests: one field operation on raw Montgomery representations, each a 32-byte big-endian integer
 * below p (an Fp2 element: a ‖ b for a + b·u, 64 bytes): MUL gives a·b·2^-256 mod p, SQR a·a·2^-256,
 * ADD a + b, SUB a - b mod p, INV (Fp only) a⁻¹·2^512 mod p (0 for 0), the Montgomery form of the
 * inverse; the Fp2 forms with u² = -1. b is ignored by SQR and INV. 0 with out
 * written, -1 when an input is not below p or op is unknown. */
enum { SVM_BN254_FP_MUL, SVM_BN254_FP_SQR, SVM_BN254_FP_ADD, SVM_BN254_FP_SUB, SVM_BN254_FP_INV };
int svm_bn254_fp_raw(int op, const uint8_t a[32], const uint8_t b[32], uint8_t out[32]);
int svm_bn254_fp2_raw(int op, const uint8_t a[64], const uint8_t b[64], uint8_t out[64]);
/* Benchmarks: n chained operations x ← op(x, y) in Fp (fp2 false) or Fp2 on fixed values; returns
 * a limb of x so that the loop cannot be optimised away. */
uint64_t svm_bn254_field_loop(int op, bool fp2, uint64_t n);

#endif

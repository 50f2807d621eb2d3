/* SuperVM Groth16 verification on BN254 (alt_bn128), over the EVM layer's EIP-196/197 curve
 * code, and the native program (number SVM_PROGRAM_GROTH16) that registers verifying keys as
 * immutable objects and checks proofs by transaction. docs/privacy.md gives the encodings.
 *
 * Encodings (big-endian 32-byte field elements, as EIP-196/197): a G1 point x ‖ y (64 bytes),
 * a G2 point x_im ‖ x_re ‖ y_im ‖ y_re (128 bytes), the point at infinity all zeros.
 *   verifying key: u8 1 ‖ varint n_public ‖ alpha (G1) ‖ beta (G2) ‖ gamma (G2) ‖ delta (G2) ‖
 *                  IC_0 … IC_n (G1), n_public ≤ SVM_GROTH16_PUBLIC_MAX; alpha, beta, gamma
 *                  and delta must not be the point at infinity (such a key accepts anything)
 *   proof:         A (G1) ‖ B (G2) ‖ C (G1)  (256 bytes)
 *   public input:  32 bytes big-endian, below the group order r
 * A proof verifies when e(A, B) = e(alpha, beta) · e(IC_0 + Σ x_i·IC_i, gamma) · e(C, delta)
 * (snarkjs's convention), checked as one product of four pairings equal to 1. */
#ifndef SUPERVM_GROTH16_H
#define SUPERVM_GROTH16_H

#include "supervm/vm.h"

#define SVM_GROTH16_PUBLIC_MAX 32
#define SVM_GROTH16_PROOF_BYTES 256
#define SVM_GROTH16_VK_BYTES_MAX (1 + 10 + 64 + 3 * 128 + (SVM_GROTH16_PUBLIC_MAX + 1) * 64)

/* 0 if proof verifies for the n public inputs under vk; SVM_EDECODE for a malformed key, proof
 * or input (a point off the curve or outside the subgroup, a field element or input not
 * canonical, a count that is not the key's); SVM_EPROOF when it does not verify; SVM_ENOMEM. */
int svm_groth16_verify(const uint8_t *vk, size_t vk_len, const uint8_t (*pub)[32], size_t n,
		       const uint8_t *proof, size_t proof_len);
/* 0 if vk is a well-formed verifying key (every point on its curve and in its subgroup). */
int svm_groth16_vk_check(const uint8_t *vk, size_t vk_len);

/* The program. Payload: varint 25 ‖ varint method ‖ arguments:
 *   1 register: the verifying key bytes. Creates the immutable object
 *     SHA-256("svm/groth16/vk" ‖ key bytes) (type storage; SVM_EEXIST if it exists) and returns
 *     its id.
 *   2 verify:   vk object id (32) ‖ varint n ‖ n × 32-byte inputs ‖ proof (256). Fails the
 *     transaction with SVM_EPROOF unless the proof verifies; on success emits "groth16/ok" with
 *     data vk id ‖ SHA-256 of the inputs. */
enum { SVM_PROGRAM_GROTH16 = 25 };
enum { SVM_GROTH16_REGISTER = 1,
       SVM_GROTH16_VERIFY = 2 };
/* Prices, in steps (host cost table v1, revised 2026-12-05 with the fast pairing; docs/privacy.md
 * gives the measurements and the history), from `bench_zk groth16`: against a 64-bit range
 * proof's verification (450,000 steps, 3.21 ns per step in that run) the pairing product's fixed
 * part (the final exponentiation and one Miller loop's overhead) measured ~226,000 steps, each
 * pair (a Miller loop and the G2 subgroup check) ~105,000, each multiscalar term (a G1 scalar
 * multiplication and addition) ~40,000; priced ~20 % above, rounded up. Registering checks beta,
 * gamma and delta (three subgroup checks and final exponentiations). The first prices (affine
 * pairing, 3,000,000 / 1,800,000 / 1,250,000) were 8-30x these. */
#define SVM_STEPS_GROTH16_PAIRING_BASE 280000
#define SVM_STEPS_GROTH16_PAIR 130000
#define SVM_STEPS_GROTH16_TERM 50000
#define SVM_STEPS_GROTH16_REGISTER (3 * (SVM_STEPS_GROTH16_PAIRING_BASE + SVM_STEPS_GROTH16_PAIR))
#define SVM_STEPS_GROTH16_VERIFY (SVM_STEPS_GROTH16_PAIRING_BASE + 4 * SVM_STEPS_GROTH16_PAIR)
#define SVM_STEPS_GROTH16_PER_INPUT SVM_STEPS_GROTH16_TERM

/* The host function `groth16_verify(vk, vk_len, inputs, n, proof) -> i32` of WebAssembly
 * contracts (docs/contracts.md, docs/privacy.md): the same check as the program's verify on a
 * key, n ≤ SVM_GROTH16_PUBLIC_MAX inputs and a 256-byte proof in the contract's memory. Returns
 * 1 when the proof verifies, 0 when it does not, -1 when the key, an input or the proof is
 * malformed (a point off its curve or outside its subgroup, a coordinate or input not below its
 * modulus, n not the key's count). A vk_len above SVM_GROTH16_VK_BYTES_MAX, n above the
 * maximum or a range outside memory traps (the transaction fails with a message). Priced before
 * any work, whatever the outcome: svm_groth16_host_steps — the program's verify price (the
 * four-pair product and one multiscalar term per input) plus 1 step per 8 bytes read. */
static inline uint64_t svm_groth16_host_steps(uint64_t vk_len, uint64_t n)
{
	return SVM_STEPS_GROTH16_VERIFY + SVM_STEPS_GROTH16_PER_INPUT * n +
	       (vk_len + 32 * n + SVM_GROTH16_PROOF_BYTES) / 8;
}

/* Converts snarkjs's JSON (verification_key.json, proof.json, public.json texts) into the
 * encodings above: vk (SVM_GROTH16_VK_BYTES_MAX bytes of room), proof, and n inputs into
 * pub[SVM_GROTH16_PUBLIC_MAX]. SVM_EDECODE for anything else (points are not checked here). */
int svm_groth16_from_snarkjs(const char *vk_json, const char *proof_json, const char *public_json,
			     uint8_t *vk, size_t *vk_len, uint8_t proof[SVM_GROTH16_PROOF_BYTES],
			     uint8_t (*pub)[32], size_t *n);

void svm_groth16_vk_id(const uint8_t *vk, size_t vk_len, svm_id_t *out);
int svm_groth16_execute(svm_txctx_t *c, const uint8_t *payload, size_t len);
/* Objects a payload writes (register: the key object) and reads (verify: the key object). */
int svm_groth16_access(const uint8_t *payload, size_t len, svm_id_t *writes, size_t max,
		       size_t *n);
int svm_groth16_reads(const uint8_t *payload, size_t len, svm_id_t *reads, size_t max, size_t *n);

#endif

/* SuperVM crypto layer, ECVRF: ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381 §5, suite 0x03) with the
 * Ed25519 keys of crypto.h, on libsodium's edwards25519 primitives (src/crypto/vrf.c). Part of
 * the crypto layer; in its own header only so adding it did not rebuild every file that includes
 * crypto.h (fold it into crypto.h when that header next changes).
 *
 * The proof is Γ (32) ‖ c (16) ‖ s (32); the output beta = SHA-512(0x03 ‖ 0x03 ‖ 8·Γ ‖ 0x00).
 * Verification is stricter than the RFC in one place: Γ must be in the prime-order subgroup (an
 * honest proof's always is). Known answers: tests/vectors/ecvrf (RFC 9381 Appendix B.3,
 * examples 16-18). Thread safety: reentrant once svm_crypto_init has returned 0. */
#ifndef SUPERVM_VRF_H
#define SUPERVM_VRF_H

#include "supervm/crypto.h"

#define SVM_VRF_PROOF_SIZE 80
#define SVM_VRF_OUTPUT_SIZE 64

/* Proves alpha[len] with the key of this 32-byte seed (RFC 8032 private key; the first half of
 * svm_keypair_t.secret_key). 0, or SVM_EINVAL in the (negligible) case the hash to curve finds
 * no point in 256 tries. */
int svm_vrf_prove(uint8_t pi[SVM_VRF_PROOF_SIZE], const uint8_t seed[SVM_ED25519_SEED_SIZE],
		  const void *alpha, size_t len);
/* Verifies pi for alpha under pk; on success fills beta (if not NULL). 0 or SVM_EPROOF. */
int svm_vrf_verify(uint8_t beta[SVM_VRF_OUTPUT_SIZE], const uint8_t pk[SVM_ED25519_PUBKEY_SIZE],
		   const uint8_t pi[SVM_VRF_PROOF_SIZE], const void *alpha, size_t len);
/* The output of a proof (without verifying it: call svm_vrf_verify first). 0 or SVM_EPROOF. */
int svm_vrf_proof_to_hash(uint8_t beta[SVM_VRF_OUTPUT_SIZE],
			  const uint8_t pi[SVM_VRF_PROOF_SIZE]);

#endif

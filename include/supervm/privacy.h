/* SuperVM privacy layer (src/zk): the ristretto255 group (RFC 9496), Pedersen commitments to
 * 64-bit quantities and to asset flavors, a SHA-512 Fiat–Shamir transcript, aggregated
 * Bulletproofs range proofs, the value-balance proof, and the multiscalar multiplication the
 * verifiers run on. docs/privacy.md gives the constructions and encodings.
 *
 * Every encoding is canonical: a point is the 32-byte ristretto255 encoding (decoders reject
 * non-canonical and invalid ones), a scalar is 32 bytes little-endian below the group order l
 * (decoders reject l and above). Verification is deterministic (no randomness: the batch
 * weights come from the transcript) and consensus-safe; proving takes a 32-byte seed from the
 * caller, so a test can replay it. All functions are thread-safe. */
#ifndef SUPERVM_PRIVACY_H
#define SUPERVM_PRIVACY_H

#include <stddef.h>
#include <stdint.h>

#define SVM_ZK_POINT_BYTES 32
#define SVM_ZK_SCALAR_BYTES 32
#define SVM_ZK_RANGE_BITS 64 /* every range proof shows 0 <= v < 2^64 */
#define SVM_ZK_AGG_MAX 32    /* outputs one aggregated range proof may cover (a power of 2) */
#define SVM_ZK_GENS_MAX (SVM_ZK_RANGE_BITS * SVM_ZK_AGG_MAX)
#define SVM_ZK_BALANCE_TERMS_MAX 128 /* statements one balance proof may cover */
#define SVM_ZK_BALANCE_PROOF_BYTES 64
#define SVM_ZK_MSM_MAX 8192 /* points one svm_zk_msm call may take */

/* Bytes of an aggregated range proof for m outputs (m a power of two):
 * (2·log2(64·m) + 9)·32, e.g. 672 for m = 1 and 992 for m = 32. */
size_t svm_zk_range_proof_bytes(size_t m);

/* ------------------------------------------------------------- group */

/* 0 if p is a canonical encoding of a ristretto255 element, SVM_EDECODE otherwise. */
int svm_zk_point_check(const uint8_t p[32]);
/* 0 if s is a canonical scalar (below l), SVM_EDECODE otherwise. */
int svm_zk_scalar_check(const uint8_t s[32]);
/* out = SHA-512(data) reduced mod l (a uniformly distributed scalar). */
void svm_zk_scalar_hash(uint8_t out[32], const uint8_t *data, size_t len);
/* out = sum scalars[i]·points[i] over encoded points, with this layer's own field arithmetic
 * and Pippenger's method. SVM_EDECODE for a bad point or scalar, SVM_ELIMIT past
 * SVM_ZK_MSM_MAX, SVM_ENOMEM. */
int svm_zk_msm(uint8_t out[32], const uint8_t (*scalars)[32], const uint8_t (*points)[32],
	       size_t n);
/* The same sum with libsodium's one-product-at-a-time operations (the baseline a benchmark
 * measures against; also an independent check of svm_zk_msm). */
int svm_zk_msm_naive(uint8_t out[32], const uint8_t (*scalars)[32], const uint8_t (*points)[32],
		     size_t n);

/* -------------------------------------------------------- transcript */

/* A Fiat–Shamir transcript: a 64-byte SHA-512 chaining state (docs/privacy.md gives the exact
 * framing). Prover and verifier append the same labelled messages in the same order and draw
 * the same challenges. */
typedef struct {
	uint8_t state[64];
} svm_zk_transcript_t;

void svm_zk_transcript_init(svm_zk_transcript_t *t, const char *label);
void svm_zk_transcript_append(svm_zk_transcript_t *t, const char *label, const uint8_t *msg,
			      size_t len);
void svm_zk_transcript_append_u64(svm_zk_transcript_t *t, const char *label, uint64_t v);
/* A challenge scalar (64 bytes of output reduced mod l); the state moves on. */
void svm_zk_transcript_challenge(svm_zk_transcript_t *t, const char *label, uint8_t out[32]);

/* ------------------------------------------------------- commitments */

/* The Pedersen generators: B (the ristretto255 generator) and B_blinding (hash to group of
 * "svm/zk/pedersen/B_blinding"), encoded. */
void svm_zk_generator_B(uint8_t out[32]);
void svm_zk_generator_blinding(uint8_t out[32]);
/* Quantity commitment v·B + r·B_blinding (r canonical: SVM_EDECODE otherwise). */
int svm_zk_commit(uint8_t out[32], uint64_t v, const uint8_t r[32]);
/* A commitment to an arbitrary scalar s: s·B + r·B_blinding. */
int svm_zk_commit_scalar(uint8_t out[32], const uint8_t s[32], const uint8_t r[32]);
/* The flavor scalar of a token id: SHA-512("svm/zk/flavor" ‖ token) mod l. */
void svm_zk_flavor(uint8_t out[32], const uint8_t token[32]);
/* Flavor commitment flavor(token)·B + r·B_blinding. */
int svm_zk_commit_flavor(uint8_t out[32], const uint8_t token[32], const uint8_t r[32]);

/* ------------------------------------------------------- range proof */

/* Proves 0 <= v[j] < 2^64 for the m commitments v[j]·B + r[j]·B_blinding (m a power of two,
 * 1..SVM_ZK_AGG_MAX), writes the commitments (m × 32 bytes) and the proof
 * (svm_zk_range_proof_bytes(m) bytes into proof, which must hold that many). ctx binds the
 * proof to its use (e.g. a transaction's unsigned fields); seed feeds the prover's blinding
 * scalars. SVM_EINVAL for a bad m or blinding, SVM_ENOMEM. */
int svm_zk_range_prove(uint8_t *proof, uint8_t (*commitments)[32], const uint64_t *v,
		       const uint8_t (*r)[32], size_t m, const uint8_t *ctx, size_t ctx_len,
		       const uint8_t seed[32]);
/* 0 if proof (exactly svm_zk_range_proof_bytes(m) bytes) shows every one of the m commitments
 * opens to a value in [0, 2^64) under ctx. SVM_EDECODE for a bad length, point or scalar;
 * SVM_EPROOF when the proof does not verify; SVM_EINVAL for a bad m; SVM_ENOMEM. */
int svm_zk_range_verify(const uint8_t *proof, size_t proof_len, const uint8_t (*commitments)[32],
			size_t m, const uint8_t *ctx, size_t ctx_len);

/* ----------------------------------------------------- balance proof */

/* A proof that each of n points P[k] is a multiple of B_blinding alone (a commitment to zero),
 * which is how a transfer shows its quantities balance and its flavors agree (docs/privacy.md):
 * P = sum inputs − sum outputs for the quantities, F_i − F_0 for the flavors. The prover knows
 * x[k] with P[k] = x[k]·B_blinding. Proof: R ‖ s (64 bytes), a Schnorr proof on the random
 * linear combination of the P[k] with weights from the transcript. 1 <= n <=
 * SVM_ZK_BALANCE_TERMS_MAX. */
int svm_zk_balance_prove(uint8_t proof[SVM_ZK_BALANCE_PROOF_BYTES], const uint8_t (*P)[32],
			 const uint8_t (*x)[32], size_t n, const uint8_t *ctx, size_t ctx_len,
			 const uint8_t seed[32]);
/* 0 if the proof verifies; SVM_EDECODE for a bad point or scalar, SVM_EPROOF otherwise. */
int svm_zk_balance_verify(const uint8_t proof[SVM_ZK_BALANCE_PROOF_BYTES], const uint8_t (*P)[32],
			  size_t n, const uint8_t *ctx, size_t ctx_len);

/* ------------------------------------------------------ combinations */

/* out = sum plus[i] - sum minus[j] (+ s·B when s is not NULL), every point decoded strictly:
 * SVM_EDECODE for an invalid point or a non-canonical s. */
int svm_zk_point_combine(uint8_t out[32], const uint8_t (*plus)[32], size_t n_plus,
			 const uint8_t (*minus)[32], size_t n_minus, const uint8_t s[32]);
/* Scalars mod l: r = a + b, r = -a (inputs canonical). */
void svm_zk_scalar_add(uint8_t r[32], const uint8_t a[32], const uint8_t b[32]);
void svm_zk_scalar_negate(uint8_t r[32], const uint8_t a[32]);
void svm_zk_scalar_mul(uint8_t r[32], const uint8_t a[32], const uint8_t b[32]); /* r = a·b */

/* ---------------------------------------------------- ring signatures */

/* CLSAG over ristretto255 (docs/privacy.md): a ring of n members (P_i, C_i); the signer knows
 * p and z with P_pi = p·B and C_pi = z·B. The key image I = p·Hp(P_pi) links every signature
 * by one key; the ring hides which member signed. Signature (n + 2)·32 bytes:
 * c_0 ‖ s_0 … s_{n-1} ‖ D. 1 <= n <= SVM_ZK_RING_MAX. */
#define SVM_ZK_RING_MAX 64
size_t svm_zk_clsag_bytes(size_t n);
/* The key image of secret key p (SVM_EINVAL for a non-canonical p). */
int svm_zk_clsag_key_image(uint8_t I[32], const uint8_t p[32]);
/* Signs msg; writes the signature and the key image. SVM_EINVAL when p, z do not open member
 * pi or an argument is out of range; SVM_ENOMEM. */
int svm_zk_clsag_sign(uint8_t *sig, uint8_t I[32], const uint8_t (*P)[32], const uint8_t (*C)[32],
		      size_t n, size_t pi, const uint8_t p[32], const uint8_t z[32],
		      const uint8_t *msg, size_t msg_len, const uint8_t seed[32]);
/* 0 if sig is a CLSAG on msg by some member of the ring with key image I. SVM_EDECODE for a
 * bad length, point or scalar, SVM_EPROOF when it does not verify (or I is the identity). */
int svm_zk_clsag_verify(const uint8_t *sig, size_t sig_len, const uint8_t I[32],
			const uint8_t (*P)[32], const uint8_t (*C)[32], size_t n, const uint8_t *msg,
			size_t msg_len);

/* The same over another generator G: SVM_ZK_BASE_B (the functions above) or
 * SVM_ZK_BASE_BLINDING, where P = p·B_blinding and C = z·B_blinding — the form a ring of
 * confidential outputs takes, since a commitment to zero (Q − Q') is a multiple of B_blinding.
 * The transcript of the B_blinding form starts with the label "G" and that generator, so a
 * signature of one form never verifies in the other. SVM_EINVAL for another base. */
enum { SVM_ZK_BASE_B = 0,
       SVM_ZK_BASE_BLINDING = 1 };
int svm_zk_clsag_key_image_base(uint8_t I[32], int gen, const uint8_t p[32]);
int svm_zk_clsag_sign_base(uint8_t *sig, uint8_t I[32], int gen, const uint8_t (*P)[32],
			   const uint8_t (*C)[32], size_t n, size_t pi, const uint8_t p[32],
			   const uint8_t z[32], const uint8_t *msg, size_t msg_len,
			   const uint8_t seed[32]);
int svm_zk_clsag_verify_base(const uint8_t *sig, size_t sig_len, const uint8_t I[32], int gen,
			     const uint8_t (*P)[32], const uint8_t (*C)[32], size_t n,
			     const uint8_t *msg, size_t msg_len);

/* Key-image proofs (view-only wallets, docs/privacy.md): the key image I = p·Hp(P) of
 * P = p·G (G by SVM_ZK_BASE_*) with a Chaum–Pedersen proof (c ‖ s, 64 bytes) that log_G(P) =
 * log_Hp(P)(I), bound to msg. Whoever holds (P, I, proof) can check that I is P's key image —
 * so a view-only wallet can look it up in the chain's registry — without learning p. */
#define SVM_ZK_KEY_IMAGE_PROOF_BYTES 64
/* Writes the proof and I. SVM_EINVAL for a non-canonical or zero p or another base. */
int svm_zk_key_image_prove(uint8_t proof[SVM_ZK_KEY_IMAGE_PROOF_BYTES], uint8_t I[32], int gen,
			   const uint8_t p[32], const uint8_t *msg, size_t msg_len, const uint8_t seed[32]);
/* 0 if the proof shows I is the key image of P on msg. SVM_EDECODE for a bad length, point or
 * scalar, SVM_EPROOF when it does not verify (or I or P is the identity). */
int svm_zk_key_image_verify(const uint8_t *proof, size_t proof_len, const uint8_t I[32], int gen,
			    const uint8_t P[32], const uint8_t *msg, size_t msg_len);

#endif

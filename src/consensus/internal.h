/* Internal declarations shared by the consensus sources (not part of the public API). */
#ifndef SUPERVM_CONSENSUS_INTERNAL_H
#define SUPERVM_CONSENSUS_INTERNAL_H

#include <stdio.h>
#include <stdlib.h>

#include "supervm/consensus.h"

/* Invariants use base.h's SVM_ASSERT (debug, sanitizer and fuzz builds) and SVM_VERIFY (every
 * build: the few whose failure would let a validator sign what it must not). */

void cons_sign(const svm_cons_signer_t *s, const svm_keypair_t *kp, const svm_hash_t *digest,
	       uint8_t sig[64]);
void cons_sign_msg(const svm_cons_signer_t *s, const svm_keypair_t *kp, const uint8_t *msg,
		   uint8_t sig[64]);
int cons_verify_msg(const svm_cons_signer_t *s, const uint8_t pk[32], const uint8_t *msg,
		    const uint8_t sig[64]);
int cons_verify(const svm_cons_signer_t *s, const uint8_t pk[32], const svm_hash_t *digest,
		const uint8_t sig[64]);
unsigned cons_popcount(const uint8_t *bm, size_t len);
bool cons_qc_is_genesis(const svm_cons_qc_t *qc);
void cons_genesis_qc(svm_cons_qc_t *qc, uint64_t epoch, const svm_hash_t *genesis_id, uint64_t height);
void cons_leader_seed(const svm_hash_t *epoch_seed, uint64_t round, svm_hash_t *out);
/* One certified block of a reputation window: its round, proposer and the signers of its
 * parent QC (when that QC is of this epoch). */
typedef struct {
	uint64_t round;
	uint32_t proposer;
	uint8_t signers[SVM_CONS_BITMAP_BYTES];
} cons_rep_block_t;

#define CONS_REPUTATION_WINDOW SVM_CONS_REPUTATION_BLOCKS /* certified ancestors whose gaps count */
#define CONS_REPUTATION_GAP_MAX 16                        /* failed rounds counted per gap (the newest of each) */

/* The leader of `round` with reputation, from win[0..n) = the certified ancestors of the block
 * it extends, newest first (win[0] is that block; n <= CONS_REPUTATION_WINDOW). `complete`: the
 * window is full or reaches the epoch's start (`at_base`, where carry_inactive stands in for
 * the missing blocks). A pure function of its arguments, so every validator holding the same
 * blocks computes the same leader (core.c, leader_for). */
uint32_t cons_reputation_leader(const svm_cons_valset_t *vs, const svm_hash_t *epoch_seed,
				uint64_t round, const cons_rep_block_t *win, uint32_t n, bool complete,
				bool at_base, const uint8_t *carry_inactive);
/* svm_cons_qc_verify, except that a signature equal to known_sigs[i] of a signer i set in
 * known_bitmap (signatures the caller verified itself, by validator index) is not verified
 * again. known_bitmap NULL: every signature is verified. */
int cons_qc_verify_known(const svm_cons_qc_t *qc, const svm_cons_valset_t *vs, uint64_t chain_id,
			 const svm_hash_t *genesis_id, const svm_cons_signer_t *signer,
			 const uint8_t *known_bitmap, const uint8_t (*known_sigs)[SVM_ED25519_SIG_SIZE]);
int cons_proposal_write(svm_buf_t *out, const uint8_t *block, size_t block_len,
			const svm_cons_tc_t *tc, const uint8_t sig[64]);

static inline bool cons_bit(const uint8_t *bm, uint32_t i) { return (bm[i / 8] >> (i % 8)) & 1u; }
static inline void cons_bit_set(uint8_t *bm, uint32_t i) { bm[i / 8] |= (uint8_t)(1u << (i % 8)); }

#endif

/* SuperVM confidential UTXOs: the native program (number SVM_PROGRAM_CONFIDENTIAL) that keeps
 * outputs whose quantity and asset flavor are hidden in Pedersen commitments (privacy.h), beside
 * the public ledger. One method, transact, covers the three uses: deposit (a public ledger
 * amount of a token into confidential outputs), transfer (confidential inputs into
 * confidential outputs of one hidden flavor) and withdraw (confidential inputs out to the
 * sender's public balance, the amount revealed). docs/privacy.md gives the rules.
 *
 * An output is an object owned by its owner's identity (type storage) at id
 *   SHA-256("svm/zk/out" ‖ creator ‖ u64be nonce ‖ u16be index)
 * with payload  u8 1 ‖ creator (32) ‖ u64be nonce ‖ u16be index ‖ Q (32) ‖ F (32) ‖ varint
 * enc_len ‖ enc  (enc: the opening encrypted for the owner, ≤ SVM_CONF_ENC_MAX bytes, opaque to
 * the chain). Spending consumes it: the transaction names it in its `inputs` at its version and
 * the program deletes it, so an output is spent at most once. Deposited tokens are held by the
 * program's vault identity SHA-256("svm/program/confidential"), so the supply of every token
 * is unchanged and the vault's balance of a token is the sum of that token's hidden
 * quantities. */
#ifndef SUPERVM_CONFIDENTIAL_H
#define SUPERVM_CONFIDENTIAL_H

#include "supervm/privacy.h"
#include "supervm/vm.h"

enum { SVM_PROGRAM_CONFIDENTIAL = 24 };
enum { SVM_CONF_TRANSACT = 1 };

#define SVM_CONF_INPUTS_MAX 16
#define SVM_CONF_OUTPUTS_MAX 8 /* 0, 1, 2, 4 or 8 outputs (one aggregated range proof) */
#define SVM_CONF_ENC_MAX 256
/* Steps charged (host cost table v1): a call, per input and output, and the proofs. Calibrated
 * so a step is ~3 ns of verifier time on the development machine (docs/privacy.md). */
#define SVM_STEPS_CONF_BASE 20000
#define SVM_STEPS_CONF_PER_IO 10000
#define SVM_STEPS_CONF_RANGE_BASE 300000
#define SVM_STEPS_CONF_RANGE_PER_OUTPUT 150000

/* The transact payload:
 *   varint 24 ‖ varint 1 ‖ token (32, zero for a transfer) ‖ varint deposit ‖ varint withdraw ‖
 *   varint n_in ‖ n_in × input id (strictly ascending) ‖
 *   varint n_out ‖ n_out × (owner (32) ‖ Q (32) ‖ F (32) ‖ varint enc_len ‖ enc) ‖
 *   range proof over the n_out Q (svm_zk_range_proof_bytes(n_out) bytes; none when n_out = 0) ‖
 *   balance proof (64 bytes)
 * Rules: token is zero exactly when deposit = withdraw = 0; not both deposit and withdraw;
 * a transfer has at least one input; every input is in the transaction's inputs, owned by the
 * sender and is an output of this program. The balance proof covers
 *   P_0 = sum Q_in + deposit·B - sum Q_out - withdraw·B, and for every input and output
 *   F - flavor(token)·B (deposit/withdraw) or F - F_first (transfer: F_first the first input's),
 * all bound to the context "svm/zk/tx" ‖ chain id (u64be) ‖ sender ‖ nonce (u64be). */

typedef struct {
	svm_id_t owner;
	uint8_t Q[32], F[32];
	const uint8_t *enc;
	size_t enc_len;
} svm_conf_output_t;

/* The opening of one output, known to its owner (and to whoever made it). */
typedef struct {
	uint64_t value;
	uint8_t blind[32];        /* r: Q = value·B + r·B_blinding */
	uint8_t flavor_blind[32]; /* r_f: F = flavor(token)·B + r_f·B_blinding */
	svm_id_t token;
} svm_conf_opening_t;

void svm_conf_vault_id(svm_id_t *out);
void svm_conf_output_id(const svm_id_t *creator, uint64_t nonce, uint16_t index, svm_id_t *out);
/* Decodes an output object's payload: Q, F, enc (borrowed), its id's parts. SVM_EDECODE. */
int svm_conf_output_decode(const uint8_t *p, size_t len, svm_id_t *creator, uint64_t *nonce,
			   uint16_t *index, uint8_t Q[32], uint8_t F[32], const uint8_t **enc,
			   size_t *enc_len);

/* Wallet side: builds a transact payload (appended to out) from the openings of the inputs
 * (in[i] with ids in_ids[i], strictly ascending) and of the outputs (out_open[j] for owners
 * owner[j], enc[j] their ciphertexts), proving the range of the outputs and the balance.
 * token is the public token for a deposit/withdraw (zero for a transfer). The commitments of
 * the outputs are computed from their openings (blinds chosen by the caller). seed feeds the
 * provers. SVM_EINVAL for a statement that does not balance or breaks a rule. */
int svm_conf_build(svm_buf_t *out, uint64_t chain_id, const svm_id_t *sender, uint64_t nonce,
		   const svm_id_t *token, uint64_t deposit, uint64_t withdraw,
		   const svm_id_t *in_ids, const svm_conf_opening_t *in, size_t n_in,
		   const svm_id_t *owners, const svm_conf_opening_t *out_open,
		   const uint8_t *const *enc, const size_t *enc_len, size_t n_out,
		   const uint8_t seed[32]);

/* Executes a transact payload (svm_native_execute dispatches here). 0 or the SVM_E… code that
 * fails the transaction: SVM_EDECODE malformed, SVM_EINVAL a rule broken, SVM_EPERM an input
 * not the sender's, SVM_EPROOF a proof that does not verify, SVM_EFUNDS, SVM_EGAS. */
int svm_conf_execute(svm_txctx_t *c, const uint8_t *payload, size_t len);
/* The objects it writes besides its inputs (outputs, the vault's and the sender's balance). */
int svm_conf_access(const svm_id_t *sender, uint64_t nonce, const uint8_t *payload, size_t len,
		    svm_id_t *writes, size_t max, size_t *n);

#endif

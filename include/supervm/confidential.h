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

#include <pthread.h>
#include "supervm/privacy.h"
#include "supervm/vm.h"

enum { SVM_PROGRAM_CONFIDENTIAL = 24 };
enum { SVM_CONF_TRANSACT = 1,
       SVM_CONF_RING = 2 };

#define SVM_CONF_INPUTS_MAX 16
#define SVM_CONF_OUTPUTS_MAX 8 /* 0, 1, 2, 4 or 8 outputs (one aggregated range proof) */
#define SVM_CONF_ENC_MAX 256
/* Steps charged (host cost table v1): a call, per input and output, and the proofs. Calibrated
 * so a step is ~3 ns of verifier time on the development machine (docs/privacy.md). */
#define SVM_STEPS_CONF_BASE 20000
#define SVM_STEPS_CONF_PER_IO 10000
#define SVM_STEPS_CONF_RANGE_BASE 300000
#define SVM_STEPS_CONF_RANGE_PER_OUTPUT 150000
#define SVM_STEPS_CONF_RING_BASE 50000       /* per ring input */
#define SVM_STEPS_CONF_RING_PER_MEMBER 60000 /* per ring member: decode, offsets, two MSMs */
/* Ring spends (method SVM_CONF_RING): inputs per transaction and members per ring. The reads a
 * ring spend declares (every member) stay within SVM_TX_OBJECTS_MAX. */
#define SVM_CONF_RING_INPUTS_MAX 4
#define SVM_CONF_RING_MAX 16

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

/* The ring-spend payload (method 2): as transact, but
 *   varint n_in (≤ SVM_CONF_RING_INPUTS_MAX) ‖ per input: varint ring_n (1..SVM_CONF_RING_MAX) ‖
 *     ring_n member ids (strictly ascending) ‖ Q' ‖ F' ‖ key image I ‖ CLSAG ((ring_n + 2)·32)
 *   and each output's owner replaced by its one-time key P (a ristretto255 point; the owner's
 *   secret p has P = p·B_blinding).
 * Members are ring outputs (payload version 2, immutable objects, never deleted, so a spend
 * does not reveal which member it spent); Q', F' commit to the spent member's value and flavor
 * under fresh blinds. Each input's CLSAG (base B_blinding, message the context) is over the
 * members (P_j, C_j) with C_j = (Q_j + h·F_j) − (Q' + h·F'), h a transcript challenge over the
 * context, the input's index, Q', F' and every member's Q, F. The key image registry: spending
 * writes the immutable object svm_conf_key_image_id(I); an I already there fails the
 * transaction with SVM_EEXIST (a double spend), and so does one I twice in one transaction.
 * The balance proof takes Q', F' as its inputs. Reads: every member (svm_conf_reads); writes:
 * the outputs, the key-image objects and, for a deposit/withdraw, the two balances. */

typedef struct {
	svm_id_t owner; /* for a ring output (method 2): its one-time key P */
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

/* Decodes a ring output's payload (version 2: creator ‖ u64be nonce ‖ u16be index ‖ P ‖ Q ‖
 * F ‖ varint enc_len ‖ enc). SVM_EDECODE. */
int svm_conf_ring_output_decode(const uint8_t *p, size_t len, svm_id_t *creator, uint64_t *nonce,
				uint16_t *index, uint8_t P[32], uint8_t Q[32], uint8_t F[32],
				const uint8_t **enc, size_t *enc_len);
/* The registry object of a used key image: SHA-256("svm/zk/keyimage" ‖ I). */
void svm_conf_key_image_id(const uint8_t I[32], svm_id_t *out);

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

/* One ring input for svm_conf_ring_build: the ring's members as they are on chain (ids
 * strictly ascending, their one-time keys and commitments, all borrowed), the position pi of
 * the spent one, its secret p (P[pi] = p·B_blinding) and its opening. */
typedef struct {
	size_t ring_n, pi;
	const svm_id_t *ids;
	const uint8_t (*P)[32], (*Q)[32], (*F)[32];
	uint8_t p[32];
	svm_conf_opening_t open;
} svm_conf_ring_input_t;

/* Wallet side: builds a ring-spend payload (method 2) spending in[0..n_in) into outputs with
 * one-time keys keys[j] and openings out_open[j] (a deposit has n_in = 0). The pseudo
 * commitments' blinds derive from seed. SVM_EINVAL for a statement that does not balance,
 * mixes flavors, or a secret that does not open its member; SVM_ENOMEM. */
int svm_conf_ring_build(svm_buf_t *out, uint64_t chain_id, const svm_id_t *sender,
			uint64_t nonce, const svm_id_t *token, uint64_t deposit, uint64_t withdraw,
			const svm_conf_ring_input_t *in, size_t n_in, const uint8_t (*keys)[32],
			const svm_conf_opening_t *out_open, const uint8_t *const *enc,
			const size_t *enc_len, size_t n_out, const uint8_t seed[32]);

/* ------------------------------------------------ wallet notes (conf_wallet.c) */

/* A wallet's keys, from a seed (the wallet's Ed25519 key seed):
 *   spend secret s = SHA-512("svm/conf/wallet" ‖ seed) mod l, spend key A = s·B_blinding;
 *   view secret  v = SHA-512("svm/conf/view" ‖ s) mod l,     view key  V = v·B_blinding.
 * The address is V ‖ A; the view key vk = v ‖ A opens every note sent to the address (values,
 * tokens, blinds) but cannot spend: an output's one-time secret p = x + s needs s. */
#define SVM_CONF_ADDRESS_BYTES 64
#define SVM_CONF_VIEW_KEY_BYTES 64
void svm_conf_wallet_keys(uint8_t s[32], uint8_t vk[SVM_CONF_VIEW_KEY_BYTES],
			  uint8_t addr[SVM_CONF_ADDRESS_BYTES], const uint8_t seed[32]);
/* The address V ‖ A of view key vk = v ‖ A. SVM_EINVAL when v is not a canonical nonzero scalar
 * or A not a valid point. */
int svm_conf_view_address(uint8_t addr[SVM_CONF_ADDRESS_BYTES],
			  const uint8_t vk[SVM_CONF_VIEW_KEY_BYTES]);

/* The note of a ring output for address V ‖ A: R ‖ XChaCha20-Poly1305(value u64le ‖ blind ‖
 * flavor_blind ‖ token) with P as associated data, 152 bytes. R = r·B_blinding with r from
 * rseed; the shared point S = r·V = v·R gives the AEAD key SHA-512("svm/conf/note" ‖ S ‖ R)[0,32)
 * and the one-time key P = x·B_blinding + A, x = SHA-512("svm/conf/notx" ‖ S ‖ R) mod l, so the
 * recipient's secret for P is p = x + s, which neither the sender nor a view key holder knows. */
#define SVM_CONF_NOTE_BYTES (32 + 104 + 16)
/* Makes P and the note. SVM_EINVAL for an invalid address or opening. */
int svm_conf_note_seal(uint8_t P[32], uint8_t note[SVM_CONF_NOTE_BYTES],
		       const uint8_t addr[SVM_CONF_ADDRESS_BYTES], const svm_conf_opening_t *open,
		       const uint8_t rseed[32]);
/* Opens a note with view key vk: the opening and x, checked against P = x·B_blinding + A, Q and
 * F. SVM_EPROOF when the note is not for this view key or does not open the output. */
int svm_conf_note_view(svm_conf_opening_t *open, uint8_t x[32],
		       const uint8_t vk[SVM_CONF_VIEW_KEY_BYTES], const uint8_t P[32],
		       const uint8_t Q[32], const uint8_t F[32], const uint8_t *note, size_t note_len);
/* svm_conf_note_view, then the one-time secret p = x + s (P = p·B_blinding) with spend secret s.
 * SVM_EPROOF as above, or when s is not vk's spend secret. */
int svm_conf_note_open(svm_conf_opening_t *open, uint8_t p[32],
		       const uint8_t vk[SVM_CONF_VIEW_KEY_BYTES], const uint8_t s[32],
		       const uint8_t P[32], const uint8_t Q[32], const uint8_t F[32],
		       const uint8_t *note, size_t note_len);

/* Key-image export (view-only wallets, docs/privacy.md): the spend-key holder gives, for its
 * output id with one-time secret p, the key image I = p·Hp(P) the chain registers when the
 * output is spent, with a proof (SVM_ZK_KEY_IMAGE_PROOF_BYTES) that I is P's key image bound to
 * the wallet's address and the output's id. SVM_EINVAL for an invalid p. */
int svm_conf_key_image_export(uint8_t proof[SVM_ZK_KEY_IMAGE_PROOF_BYTES], uint8_t I[32],
			      const uint8_t p[32], const uint8_t addr[SVM_CONF_ADDRESS_BYTES],
			      const svm_id_t *id, const uint8_t seed[32]);
/* The view-only wallet's check of an exported key image against the output's one-time key P:
 * 0, SVM_EDECODE for a malformed proof or point, SVM_EPROOF when it is not P's key image for
 * that address and id. */
int svm_conf_key_image_check(const uint8_t *proof, size_t proof_len, const uint8_t I[32],
			     const uint8_t P[32], const uint8_t addr[SVM_CONF_ADDRESS_BYTES],
			     const svm_id_t *id);

/* Decoys for a ring spend (docs/privacy.md, "Decoys"): k distinct indices into a pool of n ring
 * outputs whose heights are ascending and ≤ head, none equal to real (the spent output's index,
 * or SIZE_MAX when it is not in the pool), weighted toward recent outputs as real spends are:
 * each pick draws an age a = floor((A + 1)^U) − 1 with U uniform in [0, 1) and A = head −
 * heights[0] (log-uniform: P(age ≤ a) = log(a + 1) / log(A + 1)), takes the newest height at
 * least that old and one of its outputs at random; after 48·k draws without enough distinct
 * picks, uniform draws, then the first unused indices. Draws come from a SHA-512 counter stream
 * of seed: one seed, one selection. SVM_EINVAL when the pool holds fewer than k candidates, k
 * exceeds SVM_CONF_RING_MAX or the heights are out of order. */
int svm_conf_decoys(size_t *pick, size_t k, const uint64_t *heights, size_t n, size_t real,
		    uint64_t head, const uint8_t seed[32]);

/* Executes a transact payload (svm_native_execute dispatches here). 0 or the SVM_E… code that
 * fails the transaction: SVM_EDECODE malformed, SVM_EINVAL a rule broken, SVM_EPERM an input
 * not the sender's, SVM_EPROOF a proof that does not verify, SVM_EFUNDS, SVM_EGAS. */
int svm_conf_execute(svm_txctx_t *c, const uint8_t *payload, size_t len);
/* A relayer's check of a payload it is asked to submit as its own transaction (docs/privacy.md,
 * "Relayer"): a well-formed ring spend (method 2) with inputs, no deposit, and a public withdraw
 * of token — which the program pays to the transaction's sender, the relayer — of at least
 * min_fee (*fee: the withdraw). SVM_EDECODE malformed, SVM_EINVAL another kind of payload or
 * another token, SVM_EFUNDS a withdraw below min_fee. The proofs are not checked here (the
 * relayer has the node simulate the signed transaction). */
int svm_conf_relay_check(const uint8_t *payload, size_t len, const svm_id_t *token, uint64_t min_fee,
			 uint64_t *fee);
/* The relay's admission bounds (`conf relay`, docs/privacy.md "Relayer"): at most max_inflight
 * submissions are being served at once (checked, waiting their turn to be signed, or waiting for
 * their receipt), at most per_client of them from one client address. A submission past either
 * bound is refused at once, so a client that floods the relay, or whose spends are slow to be
 * included, holds at most per_client of the relay's slots and never the others'. Defaults below;
 * both at most SVM_CONF_RELAY_LIMIT_CAP. Thread-safe. */
#define SVM_CONF_RELAY_INFLIGHT_MAX 4
#define SVM_CONF_RELAY_PER_CLIENT_MAX 1
#define SVM_CONF_RELAY_LIMIT_CAP 64
/* Connections a relay keeps open at once (its RPC server's conns_max): the default and the most
 * --max-connections allows (each is a descriptor; the default soft limit is 1024). Past it a
 * connection is answered HTTP 503 with an SVM_EBUSY error naming the bound, and closed. */
#define SVM_CONF_RELAY_CONNS_MAX 64
#define SVM_CONF_RELAY_CONNS_CAP 512
#define SVM_CONF_RELAY_PEER_MAX 48 /* bytes of a client address kept (an IPv6 text is ≤ 45) */
typedef struct {
	pthread_mutex_t mu;
	unsigned max_inflight, per_client, inflight;
	struct {
		char peer[SVM_CONF_RELAY_PEER_MAX];
		unsigned n; /* 0: a free entry */
	} peers[SVM_CONF_RELAY_LIMIT_CAP];
} svm_conf_relay_limits_t;
enum { SVM_CONF_RELAY_ADMITTED = 0,
       SVM_CONF_RELAY_BUSY = 1,       /* max_inflight submissions are being served */
       SVM_CONF_RELAY_CLIENT_BUSY = 2 /* per_client of this client's are */
};
/* SVM_EINVAL unless 1 ≤ per_client ≤ max_inflight ≤ SVM_CONF_RELAY_LIMIT_CAP. */
int svm_conf_relay_limits_init(svm_conf_relay_limits_t *l, unsigned max_inflight, unsigned per_client);
void svm_conf_relay_limits_destroy(svm_conf_relay_limits_t *l);
/* Admits one submission from peer (a client address; longer ones are cut) or says which bound
 * refuses it; an admitted one must be released exactly once. */
int svm_conf_relay_admit(svm_conf_relay_limits_t *l, const char *peer);
void svm_conf_relay_release(svm_conf_relay_limits_t *l, const char *peer);
/* Submissions being served now: all, and peer's. */
unsigned svm_conf_relay_inflight(svm_conf_relay_limits_t *l, const char *peer, unsigned *of_peer);
/* The objects it writes besides its inputs (outputs, key images, the vault's and the sender's
 * balance). */
int svm_conf_access(const svm_id_t *sender, uint64_t nonce, const uint8_t *payload, size_t len,
		    svm_id_t *writes, size_t max, size_t *n);
/* The objects a ring spend reads (every ring member, sorted, deduplicated); none for method 1.
 * SVM_EDECODE, SVM_ELIMIT past max. */
int svm_conf_reads(const uint8_t *payload, size_t len, svm_id_t *reads, size_t max, size_t *n);

#endif

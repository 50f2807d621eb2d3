/* SuperVM consensus layer: 2-chain HotStuff (Jolteon / DiemBFT v4) among staked validators, as
 * a deterministic state machine. Events go in (a message's bytes, or the time), a new state and
 * messages to send come out; there are no sockets, clocks, threads or randomness inside, so the
 * same code runs in the node and in the simulator (tests/sim). Protocol, persisted state, leader
 * rule and every byte layout: docs/consensus.md.
 *
 * Shape of one step (every entry point below works this way):
 *   svm_cons_out_t out; svm_cons_out_init(&out);
 *   svm_cons_on_message(c, from, bytes, len, now_ms, &out);   // or svm_cons_tick(c, now_ms, &out)
 *   for each out.actions[i]: send out.bytes.data + off, len to `to` (or to every validator)
 *   call svm_cons_tick again at out.deadline_ms (or sooner); svm_cons_out_free(&out) at the end.
 * Before an entry point returns a vote or timeout in `out`, the host's persist callback has
 * already stored the safety record (fsync'd); if it fails, nothing is signed or sent.
 *
 * Execution: the core asks the host (svm_cons_host_t) to build a block when it leads a round,
 * to execute a proposed block before voting (the vote carries the root the host recomputed),
 * and to apply each committed block exactly once, in height order.
 *
 * Validators: one svm_cons_valset_t per epoch, read through the host's `validators` callback —
 * the single place the validator set comes from (genesis now; the staking program at epoch
 * boundaries later). Index i of a set (its position in ascending id order) is the bit i of every
 * signer bitmap and the `to`/`from` numbering of actions.
 *
 * Encodings follow core.h: a one-byte tag, canonical LEB128 varints, raw 32-byte hashes, 64-byte
 * signatures; decoders reject unknown tags, non-minimal varints, trailing bytes, bitmaps with
 * bits at or past n, and counts over the named limits.
 *
 * Thread safety: a svm_cons_t is used by one thread at a time (the node's event loop). The
 * encode/decode/verify functions are reentrant. */
#ifndef SUPERVM_CONSENSUS_H
#define SUPERVM_CONSENSUS_H

#include "supervm/base.h"
#include "supervm/core.h"
#include "supervm/crypto.h"
#include "supervm/econ.h"
#include "supervm/store.h"

/* --------------------------------------------------------------- limits */

#define SVM_CONS_VALIDATORS_MAX 128 /* validators in one epoch's set */
#define SVM_CONS_BITMAP_BYTES (SVM_CONS_VALIDATORS_MAX / 8)
#define SVM_CONS_REPUTATION_BLOCKS 20                           /* certified ancestors the reputation rule reads */
#define SVM_CONS_BLOCKS_MAX 512                                 /* blocks kept in the in-memory block tree */
#define SVM_CONS_ACTIONS_MAX 64                                 /* actions one step may emit */
#define SVM_CONS_OUT_BYTES_MAX (64u << 20)                      /* bytes of messages one step may emit */
#define SVM_CONS_MSG_BYTES_MAX (SVM_BLOCK_BYTES_MAX + 65536)    /* any consensus message */
#define SVM_CONS_VOTE_TARGETS_MAX 4                             /* distinct vote targets collected per round */
#define SVM_CONS_EVIDENCE_MAX 64                                /* evidence records kept in memory (oldest dropped) */
#define SVM_CONS_COMMIT_BATCH_MAX 256                           /* blocks one QC may commit at once */
#define SVM_CONS_SAFETY_BYTES_MAX (3 * SVM_HEADER_QC_MAX + 512) /* QC, timeout and TC */
#define SVM_CONS_TIMEOUT_SHIFT_MAX 6                            /* round timeout = base << min(failed rounds, this) */

/* Message tags (first byte of every consensus message; core.h uses 0x01..0x05). */
#define SVM_CONS_TAG_PROPOSAL 0x10
#define SVM_CONS_TAG_VOTE 0x11
#define SVM_CONS_TAG_TIMEOUT 0x12
#define SVM_CONS_TAG_QC 0x13
#define SVM_CONS_TAG_TC 0x14
#define SVM_CONS_TAG_SYNC_REQ 0x15 /* "send me the proposal of block id X" */
#define SVM_CONS_TAG_EVIDENCE 0x16
#define SVM_CONS_TAG_SAFETY 0x17       /* the persisted safety record, version 1 (never on the wire) */
#define SVM_CONS_TAG_COMMIT_PROOF 0x18 /* an epoch's last block is final (block sync) */
#define SVM_CONS_TAG_SAFETY_V2 0x19    /* the safety record, version 2: with the highest TC */

#define SVM_CONS_FROM_UNKNOWN UINT32_MAX /* `from` when the sender is not a validator */

/* ------------------------------------------------------------ validators */

typedef struct {
	svm_id_t id; /* svm_identity_derive(SVM_SCHEME_ED25519, pubkey) */
	uint8_t pubkey[SVM_ED25519_PUBKEY_SIZE];
	uint64_t stake; /* > 0 */
} svm_cons_validator_t;

/* One epoch's validator set, sorted by id ascending (index = bit in signer bitmaps). */
typedef struct {
	uint64_t epoch;
	uint32_t n;
	uint64_t total_stake; /* sum of stakes; ≤ UINT64_MAX / 3 so 3·stake never overflows */
	svm_cons_validator_t v[SVM_CONS_VALIDATORS_MAX];
} svm_cons_valset_t;

/* Builds a set from n validators in any order: sorts by id, checks each id matches its key,
 * stake > 0, no duplicate, n in 1..SVM_CONS_VALIDATORS_MAX, total fits. SVM_EINVAL/ELIMIT. */
int svm_cons_valset_build(svm_cons_valset_t *out, uint64_t epoch, const svm_cons_validator_t *v,
			  size_t n, svm_error_t *err);
/* The set the staking program chose (docs/economics.md): payload is the payload of the object
 * SHA-256("svm/validators") in the committed state (varint n ‖ (Ed25519 key ‖ varint stake)*,
 * n ≤ SVM_CONS_VALIDATORS_MAX), each id derived from its key; when the total stake would pass
 * UINT64_MAX / 3 every stake is halved (at least 1) until it fits. The node's `validators`
 * callback reads the object at the epoch's first block and calls this.
 * SVM_EDECODE, or svm_cons_valset_build's errors. */
int svm_cons_valset_from_staking(const uint8_t *payload, size_t len, uint64_t epoch,
				 svm_cons_valset_t *out, svm_error_t *err);
/* Index of id in the set, or -1. */
int svm_cons_valset_index(const svm_cons_valset_t *vs, const svm_id_t *id);
/* The quorum rule, integers only: 3 · signed_stake > 2 · total_stake. */
bool svm_cons_quorum(const svm_cons_valset_t *vs, uint64_t signed_stake);

/* ---------------------------------------------------------- certificates */

/* What a vote signs and a QC certifies. exec_root is the host's own execution result for the
 * block (see svm_cons_host_t.execute); parent_* let anyone apply the 2-chain commit rule from a
 * QC alone: a QC for round r whose parent_round is r-1 commits the parent. */
typedef struct {
	svm_hash_t block_id; /* header hash of the certified block */
	uint64_t round;
	uint64_t height;
	svm_hash_t parent_id;
	uint64_t parent_round;
	svm_hash_t exec_root;
} svm_cons_vote_data_t;

/* Quorum certificate: the vote data, the epoch, a signer bitmap over the epoch's set and one
 * Ed25519 signature per set bit, in index order. The genesis QC (round 0, height 0, the genesis
 * block's id, zero parent/exec root) has no signers and is valid only for the genesis id. */
typedef struct {
	svm_cons_vote_data_t data;
	uint64_t epoch;
	uint8_t bitmap[SVM_CONS_BITMAP_BYTES];
	uint32_t n_sigs;
	uint8_t sigs[SVM_CONS_VALIDATORS_MAX][SVM_ED25519_SIG_SIZE];
} svm_cons_qc_t;

/* Timeout certificate for `round`: signers' bitmap, each signer's high-QC round and signature
 * (over round ‖ that high-QC round), and the highest of those QCs in full. */
typedef struct {
	uint64_t epoch;
	uint64_t round;
	uint8_t bitmap[SVM_CONS_BITMAP_BYTES];
	uint32_t n_sigs;
	uint64_t hqc_rounds[SVM_CONS_VALIDATORS_MAX];
	uint8_t sigs[SVM_CONS_VALIDATORS_MAX][SVM_ED25519_SIG_SIZE];
	svm_cons_qc_t hqc; /* hqc.data.round == max(hqc_rounds) */
} svm_cons_tc_t;

/* QC: TAG_QC ‖ block_id ‖ round ‖ height ‖ parent_id ‖ parent_round ‖ exec_root ‖ epoch ‖
 * bitmap_len (= ceil(n/8) of the set, or 0 for genesis) ‖ bitmap ‖ sig × popcount. The decoder
 * checks form only (it does not know n: bits past the bitmap are checked by verify). */
int svm_cons_qc_encode(const svm_cons_qc_t *qc, svm_buf_t *out);
int svm_cons_qc_decode(const uint8_t *p, size_t len, svm_cons_qc_t *qc, svm_error_t *err);
/* TC: TAG_TC ‖ epoch ‖ round ‖ bitmap_len ‖ bitmap ‖ (hqc_round ‖ sig) × popcount ‖ QC. */
int svm_cons_tc_encode(const svm_cons_tc_t *tc, svm_buf_t *out);
int svm_cons_tc_decode(const uint8_t *p, size_t len, svm_cons_tc_t *tc, svm_error_t *err);

/* The exact bytes a validator signs (domain-separated by chain id and epoch). */
void svm_cons_vote_digest(uint64_t chain_id, uint64_t epoch, const svm_cons_vote_data_t *d,
			  svm_hash_t *out);
void svm_cons_timeout_digest(uint64_t chain_id, uint64_t epoch, uint64_t round,
			     uint64_t hqc_round, svm_hash_t *out);
void svm_cons_proposal_digest(uint64_t chain_id, uint64_t epoch, const svm_hash_t *block_id,
			      svm_hash_t *out);
/* What a vote or a proposal signature covers: the staking program's double-sign message
 * (econ.h svm_vote_message: "svm/vote" ‖ u64be chain ‖ u64be epoch ‖ u64be height ‖ u64be round
 * ‖ kind ‖ hash) with kind 0
 * and the vote digest for a vote, kind 1 and the proposal digest for a proposal — so two
 * conflicting consensus signatures are directly slashable evidence (svm_cons_evidence_stake).
 * Timeouts sign their digest (32 bytes). */
#define SVM_CONS_SIGNED_BYTES SVM_VOTE_MESSAGE_SIZE
void svm_cons_vote_message(uint64_t chain_id, uint64_t epoch, const svm_cons_vote_data_t *d,
			   uint8_t out[SVM_CONS_SIGNED_BYTES]);
void svm_cons_proposal_message(uint64_t chain_id, uint64_t epoch, uint64_t height, uint64_t round,
			       const svm_hash_t *block_id, uint8_t out[SVM_CONS_SIGNED_BYTES]);

/* Signature scheme the core uses. NULL in svm_cons_config_t = Ed25519 (svm_ed25519_sign /
 * svm_ed25519_verify), the only choice for a real node. The simulator injects a cheap keyed
 * hash so it can run millions of scenarios; it must never be used outside tests. */
typedef struct {
	void (*sign)(void *ctx, const svm_hash_t *digest, uint8_t sig[SVM_ED25519_SIG_SIZE]);
	int (*verify)(void *ctx, const uint8_t pubkey[SVM_ED25519_PUBKEY_SIZE],
		      const svm_hash_t *digest, const uint8_t sig[SVM_ED25519_SIG_SIZE]);
	void *ctx;
} svm_cons_signer_t;

/* Verifies a QC against vs: epoch matches, no bitmap bit at or past vs->n, n_sigs == popcount,
 * every signature valid, signed stake a quorum. The genesis QC passes iff its block id is
 * genesis_id. signer may be NULL (Ed25519). 0, SVM_ESIG, SVM_EINVAL (epoch/bitmap/quorum). */
int svm_cons_qc_verify(const svm_cons_qc_t *qc, const svm_cons_valset_t *vs, uint64_t chain_id,
		       const svm_hash_t *genesis_id, const svm_cons_signer_t *signer);
/* Verifies a TC the same way, and its hqc (with svm_cons_qc_verify) and that hqc's round is the
 * maximum of hqc_rounds. */
int svm_cons_tc_verify(const svm_cons_tc_t *tc, const svm_cons_valset_t *vs, uint64_t chain_id,
		       const svm_hash_t *genesis_id, const svm_cons_signer_t *signer);

/* A commit proof: that a block is final although the QC of its 2-chain is not stored with any
 * committed block — the last block E of an epoch (its certified child is never committed in
 * the old epoch). headers = the headers of E's descendants up to the block T the QC's 2-chain
 * commits (none when T = E), lowest first; qc certifies a child of T in round(T) + 1, so T and
 * its ancestors, E among them, are committed. Layout: TAG_COMMIT_PROOF ‖ varint n (0..
 * SVM_CONS_PROOF_HEADERS_MAX) ‖ (varint len ‖ header encoding)* ‖ QC; at most
 * SVM_CONS_COMMIT_PROOF_BYTES_MAX in all (it travels in block sync's QC slot). */
#define SVM_CONS_PROOF_HEADERS_MAX 16
#define SVM_CONS_COMMIT_PROOF_BYTES_MAX (2u * SVM_HEADER_QC_MAX)
typedef struct {
	uint32_t n;
	svm_slice_t headers[SVM_CONS_PROOF_HEADERS_MAX]; /* into the decoded bytes */
	svm_cons_qc_t qc;
} svm_cons_commit_proof_t;
int svm_cons_commit_proof_encode(const svm_slice_t *headers, uint32_t n, const svm_cons_qc_t *qc,
				 svm_buf_t *out);
/* Form only: every header decodes, the QC decodes, nothing trails. */
int svm_cons_commit_proof_decode(const uint8_t *p, size_t len, svm_cons_commit_proof_t *out,
				 svm_error_t *err);
/* 0 iff p proves that block_id at height is committed: each header's parent is the block before
 * (block_id first) at the next height, the QC's parent is the last one (round + 1 = the QC's
 * round) and the QC verifies against vs (svm_cons_qc_verify). SVM_EDECODE / SVM_ELIMIT for bad
 * form, SVM_EINVAL for a proof of something else, SVM_ESIG for a bad signature. */
int svm_cons_commit_proof_verify(const uint8_t *p, size_t len, const svm_hash_t *block_id,
				 uint64_t height, const svm_cons_valset_t *vs, uint64_t chain_id,
				 const svm_hash_t *genesis_id, const svm_cons_signer_t *signer);

/* ----------------------------------------------------------- messages */

/* Proposal: TAG_PROPOSAL ‖ block_len ‖ block (svm_block_encode) ‖ has_tc (0|1) ‖ [TC] ‖ sig.
 * The block's header carries the consensus fields: round, height, parent (= the parent QC's
 * block id), proposer (a validator id), parent_qc (svm_cons_qc_encode of the QC certifying the
 * parent), vrf_proof (the proposer's ECVRF proof over svm_cons_vrf_alpha, 80 bytes, or empty
 * when the config disables VRF) and late_qc (empty, or the QC of the grandparent — the parent
 * QC's parent_id, parent_round, height − 1 — with every vote the proposer held for it: a valid
 * QC of the epoch, else the proposal is invalid; none where parent_round is 0; docs/consensus.md,
 * "Late votes"). The TC is present iff round != parent QC round + 1, and then tc.round + 1 ==
 * round. sig: the proposer's signature over svm_cons_proposal_digest. */
typedef struct {
	svm_block_t block;   /* txs from the decode arena; bytes point into the input */
	svm_hash_t block_id; /* header hash */
	svm_slice_t block_bytes;
	bool has_tc;
	svm_cons_tc_t tc;
	uint8_t sig[SVM_ED25519_SIG_SIZE];
} svm_cons_proposal_t;

/* Vote: TAG_VOTE ‖ vote data (as in the QC) ‖ epoch ‖ voter index ‖ sig. Broadcast: every
 * validator aggregates, and keeps the votes that come after the quorum for late QCs. */
typedef struct {
	svm_cons_vote_data_t data;
	uint64_t epoch;
	uint32_t voter;
	uint8_t sig[SVM_ED25519_SIG_SIZE];
} svm_cons_vote_t;

/* Timeout: TAG_TIMEOUT ‖ epoch ‖ round ‖ voter index ‖ high QC (svm_cons_qc_encode) ‖ sig over
 * svm_cons_timeout_digest(round, hqc.round). Broadcast. */
typedef struct {
	uint64_t epoch;
	uint64_t round;
	uint32_t voter;
	svm_cons_qc_t hqc;
	uint8_t sig[SVM_ED25519_SIG_SIZE];
} svm_cons_timeout_t;

/* Decoders for the network's framing and for fuzzing; svm_cons_on_message uses them. proposal's
 * block txs come from arena and point into p (which must outlive *m). */
int svm_cons_proposal_decode(const uint8_t *p, size_t len, svm_arena_t *arena,
			     svm_cons_proposal_t *m, svm_error_t *err);
int svm_cons_vote_encode(const svm_cons_vote_t *v, svm_buf_t *out);
int svm_cons_vote_decode(const uint8_t *p, size_t len, svm_cons_vote_t *v, svm_error_t *err);
int svm_cons_timeout_encode(const svm_cons_timeout_t *t, svm_buf_t *out);
int svm_cons_timeout_decode(const uint8_t *p, size_t len, svm_cons_timeout_t *t,
			    svm_error_t *err);

/* ----------------------------------------------------------- evidence */

/* Two messages signed by one validator for the same round that conflict: two votes for
 * different vote data, or two proposals for different blocks. a and b are the two full signed
 * messages (each verifies on its own), ordered so that a < b bytewise. */
enum { SVM_CONS_EVIDENCE_DOUBLE_VOTE = 1,
       SVM_CONS_EVIDENCE_DOUBLE_PROPOSAL = 2 };
typedef struct {
	uint8_t kind;
	uint64_t epoch;
	uint64_t round;
	svm_id_t validator;
	svm_buf_t a, b; /* owned by whoever holds the struct; svm_cons_evidence_free */
} svm_cons_evidence_t;

/* Evidence: TAG_EVIDENCE ‖ kind ‖ a_len ‖ a ‖ b_len ‖ b (the validator, epoch and round are
 * re-derived from a and b by whoever checks it). */
int svm_cons_evidence_encode(const svm_cons_evidence_t *e, svm_buf_t *out);
void svm_cons_evidence_free(svm_cons_evidence_t *e);
/* Decodes and checks an evidence message against vs (its epoch's set), as anyone holding the
 * set can — the staking program slashes with what passes: a < b bytewise; for double votes,
 * two votes of one voter, the set's epoch, one round, different vote data; for double
 * proposals, two proposals of one proposer (a member of vs) for one round and different
 * blocks; both messages signed (signer NULL = Ed25519). Fills *out (kind, epoch, round,
 * validator id, copies of a and b; svm_cons_evidence_free) on success. SVM_EDECODE (form),
 * SVM_EINVAL (not a conflict of one validator in one round), SVM_ESIG, SVM_ENOMEM. */
int svm_cons_evidence_verify(const uint8_t *p, size_t len, const svm_cons_valset_t *vs,
			     uint64_t chain_id, const svm_cons_signer_t *signer,
			     svm_cons_evidence_t *out);
/* The same offence in the staking program's form (econ.h svm_evidence_t, slashed by
 * SVM_STAKE_EVIDENCE): key = the validator's consensus key, epoch, height and round of the two
 * messages, kind 0 (votes) or 1 (proposals), their two digests ascending with their Ed25519
 * signatures. e must have passed svm_cons_evidence_verify against vs (Ed25519 signatures).
 * SVM_EINVAL when the two votes are for different heights (the staking form has one height:
 * such a double vote stays consensus evidence only), SVM_EDECODE. */
int svm_cons_evidence_stake(const svm_cons_evidence_t *e, const svm_cons_valset_t *vs,
			    uint64_t chain_id, svm_evidence_t *out);

/* --------------------------------------------------------- safety state */

/* What a validator must remember across a crash to never sign two conflicting messages:
 *  last_voted_round   — the highest round it voted or timed out in (never vote at or below it)
 *  locked_round       — the highest QC round it has seen (2-chain lock: votes need a parent QC
 *                       or TC high-QC at least this high; timeouts carry a QC this high)
 *  last_timeout_round — the highest round it signed a timeout for
 *  hqc                — the highest QC in full (so a cluster that restarts at once can go on)
 *  timeout            — the timeout message signed for last_timeout_round (empty if none), so
 *                       a restarted validator re-sends the very same message instead of being
 *                       unable to time out in that round
 *  tc (version 2)     — the highest TC it holds (has_tc), so a restarted validator resumes in
 *                       the round it signed in (max(hqc, tc) + 1) and can hand that TC to the
 *                       validators still behind: without it, one that formed a TC, timed out in
 *                       the next round and crashed came back a round behind its own timeout and
 *                       the TC's round could never complete again (docs/consensus.md)
 * The tag byte is the format version; the decoder takes both and fills `version`:
 *  1: TAG_SAFETY (0x17) ‖ epoch ‖ last_voted_round ‖ locked_round ‖ last_timeout_round ‖ QC ‖
 *     timeout_len ‖ timeout                                  (written before 5 Dec 2026; read)
 *  2: TAG_SAFETY_V2 (0x19) ‖ the same fields ‖ has_tc (0 or 1) ‖ [TC]  (what the core writes)
 * Checks: hqc round = locked_round, last_timeout_round ≤ last_voted_round; a TC of the record's
 * epoch whose high QC is not above the record's; at most SVM_CONS_SAFETY_BYTES_MAX bytes; any
 * other tag is refused (SVM_EDECODE naming it). The encoder writes `version` (a version-1
 * record has no TC). */
#define SVM_CONS_SAFETY_VERSION 2 /* the version the core writes */
typedef struct {
	uint8_t version; /* 1 or 2 */
	uint64_t epoch;
	uint64_t last_voted_round;
	uint64_t locked_round;
	uint64_t last_timeout_round;
	svm_cons_qc_t hqc;
	const uint8_t *timeout; /* borrowed (points into the decoded bytes) */
	size_t timeout_len;
	bool has_tc; /* version 2 only */
	svm_cons_tc_t tc;
} svm_cons_safety_t;

int svm_cons_safety_encode(const svm_cons_safety_t *s, svm_buf_t *out);
int svm_cons_safety_decode(const uint8_t *p, size_t len, svm_cons_safety_t *s,
			   svm_error_t *err);

/* LMDB-backed safety storage: the record under meta key "cons.safety" in the store, written in
 * its own write transaction, committed synchronously (fsync) before returning: open the store
 * without no_sync, or the record does not survive power loss.
 * load: SVM_ENOTFOUND when no record exists yet (a fresh validator). */
#define SVM_CONS_SAFETY_KEY "cons.safety"
int svm_cons_safety_save(svm_store_t *st, const uint8_t *rec, size_t len, svm_error_t *err);
/* The record's put inside a write transaction of the caller's (who commits it synchronously
 * before the vote leaves): the node writes the proposals it keeps in the same transaction. */
int svm_cons_safety_put(svm_store_txn_t *t, const uint8_t *rec, size_t len, svm_error_t *err);
int svm_cons_safety_load(svm_store_t *st, svm_buf_t *rec_out, svm_error_t *err);

/* ---------------------------------------------------------------- host */

/* What the core asks of its host. Every callback returns 0 or a negative SVM_E… code; the core
 * treats a failure as "not now" (no vote, no proposal, commit retried) and keeps running. */
typedef struct {
	void *ctx;
	/* The one place validator sets come from: fill *out for epoch (genesis now; the staking
	 * program at epoch boundaries later). Called at svm_cons_new and when the epoch changes. */
	int (*validators)(void *ctx, uint64_t epoch, svm_cons_valset_t *out);
	/* Build a block for a round this validator leads: append to block_out an svm_block_encode
	 * whose header has exactly the given chain_id, height, round, parent, proposer, parent_qc,
	 * vrf_proof and late_qc (the core checks), and whose transactions, timestamp and roots the
	 * host chose by executing it on top of parent. */
	int (*propose)(void *ctx, const svm_header_t *tmpl, svm_buf_t *block_out);
	/* Execute a proposed block on top of its parent (speculatively: not committed) and return
	 * the root this validator votes for (the node: H(tx_root ‖ receipts_root ‖ state_root) it
	 * recomputed; it must fail if they differ from the header's). */
	int (*execute)(void *ctx, const svm_hash_t *block_id, const uint8_t *block, size_t len,
		       svm_hash_t *exec_root);
	/* Apply a committed block. Called exactly once per block, in height order, starting just
	 * above svm_cons_config_t.committed_height; qc is the QC certifying the block when the core
	 * holds it (from a child's header), else NULL. Commits run at the start of the step after
	 * the one that found them (that step's deadline is now), so the vote or proposal of the
	 * step leaves before the host stores blocks. A failure stops commits until a later QC or
	 * block retries the same block. */
	int (*commit)(void *ctx, const svm_hash_t *block_id, const uint8_t *block, size_t len,
		      uint64_t height, const svm_cons_qc_t *qc);
	/* Store the safety record durably (svm_cons_safety_save for the node). Called before any
	 * vote or timeout leaves; on failure the vote/timeout is not sent. */
	int (*persist)(void *ctx, const uint8_t *rec, size_t len);
	/* Evidence just found (may be NULL). The record is valid during the call only. */
	void (*evidence)(void *ctx, const svm_cons_evidence_t *e);
	/* Optional (may be NULL) block storage, so certified blocks that are not committed yet
	 * survive a restart of every validator: store_block is called once for each valid
	 * proposal the core keeps (msg is the proposal message); load_block appends the stored
	 * message of block id to out, or returns SVM_ENOTFOUND. The core asks load_block before
	 * asking peers for a block it misses, and trusts what it returns (its own disk). */
	int (*store_block)(void *ctx, const svm_hash_t *id, uint64_t height, const uint8_t *msg,
			   size_t len);
	int (*load_block)(void *ctx, const svm_hash_t *id, svm_buf_t *out);
	/* Optional (may be NULL): the QC certifying a block that commit was handed without one
	 * (its child's proposal had not reached this validator), as soon as it arrives — in that
	 * child's proposal (fetched or late) or in any verified QC. Called at most once per such
	 * block, for the last SVM_CONS_QC_OWED_MAX of them, never after a restart. */
	int (*certified)(void *ctx, const svm_hash_t *block_id, uint64_t height, const svm_cons_qc_t *qc);
} svm_cons_host_t;

#define SVM_CONS_QC_OWED_MAX 16 /* blocks committed without their QC, still awaited */

/* ------------------------------------------------------------- the core */

typedef struct {
	uint64_t chain_id;
	uint64_t epoch;          /* current epoch (0 at genesis) */
	svm_hash_t epoch_seed;   /* leader seed of the epoch: genesis block id for epoch 0 */
	svm_hash_t genesis_id;   /* the epoch's start block: genesis (height 0) in epoch 0, then
				       the committed block that changed the validator set */
	uint64_t genesis_height; /* its height */
	/* The last block the host has applied (genesis: height 0, round 0, genesis_id). */
	svm_hash_t committed_id;
	uint64_t committed_height;
	uint64_t committed_round;
	const svm_keypair_t *key;        /* this validator's key (copied); NULL for a non-validator */
	uint64_t round_timeout_ms;       /* base round timeout; doubled per failed round (bounded) */
	bool vrf;                        /* proposals carry and validators check an ECVRF proof
				       (svm_vrf_prove of vrf.h over svm_cons_vrf_alpha) in vrf_proof */
	bool reputation;                 /* leader reputation (exclude recent failed proposers) */
	const svm_cons_signer_t *signer; /* NULL = Ed25519 (tests may inject) */
	const uint8_t *safety;           /* the persisted safety record, or NULL for a fresh start */
	size_t safety_len;
	/* Reputation across an epoch boundary: bit i set = validator i of this epoch's set was
	 * inactive or had failed (svm_cons_inactive_carry) at the end of the previous epoch. All zero (no one)
	 * in epoch 0. Every validator must pass the same bits: compute them from committed blocks. */
	uint8_t carry_inactive[SVM_CONS_BITMAP_BYTES];
	/* The host's committed chain, newest first: the header of committed_id, then its parent's,
	 * and so on, at most SVM_CONS_REPUTATION_BLOCKS of them, none at or below genesis_height
	 * (read during svm_cons_new only). With reputation the leader of a round depends on the
	 * last 20 certified blocks; a core's block tree starts empty, so after every validator
	 * restarted at once no tree held the committed ones and no leader could be computed. The
	 * core takes round, proposer and parent-QC signers from these headers exactly as from a
	 * proposal, and uses them wherever its tree lacks those blocks. Fewer than 20 (the host
	 * stops at its first unreadable block) is fine: the walk asks the store and peers for the
	 * rest. svm_cons_new refuses (SVM_EINVAL, no core) more than SVM_CONS_REPUTATION_BLOCKS, a
	 * count without an array, and any header that is not the committed block it stands for (not
	 * at committed_height - k, at or below genesis_height, not hashing to committed_id / its
	 * newer neighbour's parent, a proposer outside the set, a parent QC that does not decode).
	 * NULL/0: none. Checked with or without reputation; read only with it. */
	const svm_header_t *committed_headers;
	size_t n_committed_headers;
} svm_cons_config_t;

typedef struct svm_cons svm_cons_t;

/* Creates a core (heap, owned by the caller, freed with svm_cons_free). host is copied. Calls
 * host->validators(epoch). SVM_EINVAL for a bad config or safety record. Does not send
 * anything: call svm_cons_start. */
int svm_cons_new(svm_cons_t **out, const svm_cons_config_t *cfg, const svm_cons_host_t *host,
		 svm_error_t *err);
void svm_cons_free(svm_cons_t *c); /* NULL is a no-op */

/* One output action. kind SEND: to one validator index `to`; BROADCAST: to every validator
 * (never to oneself: the core hands its own messages to itself). The message is
 * out->bytes.data[off .. off+len). */
enum { SVM_CONS_SEND = 1,
       SVM_CONS_BROADCAST = 2 };
typedef struct {
	uint8_t kind;
	uint32_t to;
	size_t off, len;
} svm_cons_action_t;

typedef struct {
	svm_cons_action_t actions[SVM_CONS_ACTIONS_MAX];
	size_t n_actions;
	svm_buf_t bytes;      /* cap_max = SVM_CONS_OUT_BYTES_MAX */
	uint64_t deadline_ms; /* call svm_cons_tick at this time (absolute, the host's clock) */
	uint64_t committed;   /* blocks committed during the step */
} svm_cons_out_t;

void svm_cons_out_init(svm_cons_out_t *o);
void svm_cons_out_reset(svm_cons_out_t *o); /* no actions, keeps the buffer */
void svm_cons_out_free(svm_cons_out_t *o);

/* Enters the first round (the one after the highest QC/TC known) at now_ms; proposes if this
 * validator leads it. */
int svm_cons_start(svm_cons_t *c, uint64_t now_ms, svm_cons_out_t *out);
/* Handles one message from validator `from` (SVM_CONS_FROM_UNKNOWN if not a validator): a
 * proposal, vote, timeout, QC, TC, sync request (answered with the block's proposal message)
 * or evidence (checked with svm_cons_evidence_verify; new evidence is kept and handed to the
 * host's evidence callback, as evidence the core finds itself).
 * Returns 0 if it was accepted or harmlessly ignored (old, duplicate), or the error that got it
 * rejected (SVM_EDECODE, SVM_ESIG, SVM_EINVAL, …): the host may penalize the peer. The state
 * never changes on a rejected message. SVM_EBUSY: a proposal, vote or timeout of the next epoch
 * (unchecked: this core cannot check it) — validators switch epochs milliseconds apart, so the
 * host may hold it and hand it to the next epoch's core. */
int svm_cons_on_message(svm_cons_t *c, uint32_t from, const uint8_t *msg, size_t len,
			uint64_t now_ms, svm_cons_out_t *out);
/* Advances time: on the round deadline the validator times out (and re-broadcasts its timeout
 * each further deadline until the round ends). */
int svm_cons_tick(svm_cons_t *c, uint64_t now_ms, svm_cons_out_t *out);
/* Sets the base round timeout (the config's round_timeout_ms) from the next deadline on: the
 * deadline already set stays, the next one (a new round, or the current round's timeout
 * re-sent) is computed from ms with the same doubling per failed round. An input like a
 * message: the node passes 3 × the governed slot_ms + 1 s at each new head, so a passed
 * proposal moves the timeout without a restart (docs/consensus.md, "Pacemaker").
 * SVM_EINVAL for 0 or more than SVM_CONS_ROUND_TIMEOUT_MS_MAX (nothing changes). */
#define SVM_CONS_ROUND_TIMEOUT_MS_MAX 3600000u
int svm_cons_set_round_timeout(svm_cons_t *c, uint64_t ms);

/* The host's transport news about validator `peer` (an index of the current set; an input like
 * a message, so the core stays deterministic). up = false: its session closed (on loopback, the
 * moment its process is gone). While no proposal of the round is here and this validator has
 * neither voted nor timed out in it, a round that peer leads is timed out at once, not at its
 * deadline — the round's one timeout, stored first as always (liveness only: what may be signed
 * does not change; docs/consensus.md, "A leader that is gone"). up = true: a session came up;
 * the peer is reachable again and is sent what it may have missed: our timeout of the current
 * round (or later, after a restart), else our vote of the current round, and the certificate
 * (TC or QC) that opened our round. Every validator starts reachable: report only sessions that
 * were up and closed. SVM_EINVAL for an index out of the set or our own. */
int svm_cons_peer(svm_cons_t *c, uint32_t peer, bool up, uint64_t now_ms, svm_cons_out_t *out);

/* The host applied committed blocks itself (block sync of a validator that fell behind: it
 * fetched blocks and verified their QCs against the validator set): the core's committed block
 * becomes (id, height, round) if that is higher, commits above it continue from there, and
 * the block tree drops what is now final. The host's commit callback is not called for them. */
void svm_cons_sync_committed(svm_cons_t *c, const svm_hash_t *id, uint64_t height, uint64_t round);

/* Read-only views. */
typedef struct {
	uint64_t epoch;
	uint64_t round;     /* current round */
	uint64_t hqc_round; /* highest QC round */
	svm_hash_t hqc_block;
	uint64_t htc_round; /* highest TC round (0 if none) */
	uint64_t committed_height;
	uint64_t committed_round;
	svm_hash_t committed_id;
	uint64_t last_voted_round;
	uint64_t locked_round;
	uint32_t leader;           /* index of the current round's leader */
	int32_t self;              /* own index, -1 if not a validator */
	uint32_t blocks;           /* blocks in the tree */
	uint32_t evidence;         /* evidence records held */
	uint64_t conflicts;        /* QCs seen that commit off the committed chain (must stay 0:
				      non-zero means more than f validators are faulty) */
	uint64_t round_timeout_ms; /* the base round timeout (svm_cons_set_round_timeout) */
} svm_cons_status_t;
void svm_cons_status(const svm_cons_t *c, svm_cons_status_t *st);
const svm_cons_valset_t *svm_cons_validators(const svm_cons_t *c);
const svm_cons_qc_t *svm_cons_highest_qc(const svm_cons_t *c);
/* The QC whose 2-chain set the latest commit target: it certifies a block whose parent (its
 * parent_id, of round parent_round = round − 1) is thereby committed — the proof a host keeps
 * for the last block of an epoch, whose certified child is never committed (all zero before any
 * commit). */
const svm_cons_qc_t *svm_cons_commit_qc(const svm_cons_t *c);
/* Appends the commit proof of block_id (committed, or being committed by the host's commit
 * call) from the latest commit QC and the block tree: the headers from block_id's child up to
 * the QC's parent. SVM_ENOTFOUND if block_id is not that block or an ancestor the tree holds
 * (within SVM_CONS_PROOF_HEADERS_MAX), SVM_ELIMIT if the proof would be too large. */
int svm_cons_commit_proof(const svm_cons_t *c, const svm_hash_t *block_id, svm_buf_t *out);
/* Evidence i (0 = oldest held) or NULL past the end; owned by the core. */
const svm_cons_evidence_t *svm_cons_evidence(const svm_cons_t *c, size_t i);
/* The proposal message (as received) of a block in the tree, for block sync; NULL if absent. */
const svm_buf_t *svm_cons_block_message(const svm_cons_t *c, const svm_hash_t *block_id);

/* ------------------------------------------------------------- leaders */

/* The leader of `round` for a block extending our highest QC's block: a stake-weighted,
 * integer-only pick (svm_cons_pick) with seed SHA-256("svm/cons/leader" ‖ epoch_seed ‖
 * u64be(round)). With reputation, base leaders of rounds that left a gap among the last 20
 * certified ancestors, and that proposed none of them, are excluded, then validators that
 * neither proposed nor signed a parent QC in those blocks (unless that is a third of the stake
 * or more) — computed from the hash-linked chain, so the same for every validator holding
 * those blocks. Proposals are checked against the leader for their own parent. */
uint32_t svm_cons_leader(const svm_cons_t *c, uint64_t round);
/* The carry of reputation into the next epoch: out (a bitmap over next) gets the members of
 * next that were in prev and either neither proposed nor signed the parent QC (of prev's epoch)
 * of any of headers — the previous epoch's last (up to 20) committed blocks, newest first — or
 * *failed* there: by the reputation replay of those blocks with prev's epoch seed (prev_seed;
 * NULL: failures are not carried), a round between two of them was theirs and they proposed
 * none of the blocks after it. A header whose parent QC does not decode or is of another epoch
 * counts only by its proposer; the replay stops at the first header whose proposer is not in
 * prev or whose round is not below the newer one's. No headers: all zero. A pure function of
 * committed data: every validator computes the same bits. */
void svm_cons_inactive_carry(const svm_cons_valset_t *prev, const svm_hash_t *prev_seed,
			     const svm_cons_valset_t *next, const svm_header_t *headers, size_t n,
			     uint8_t out[SVM_CONS_BITMAP_BYTES]);
/* The stateless pick: index of the validator owning point SHA-256(seed) mod total in the
 * cumulative stake line of the validators whose eligible bit is set (all if eligible NULL). */
uint32_t svm_cons_pick(const svm_cons_valset_t *vs, const svm_hash_t *seed,
		       const uint8_t *eligible);
/* VRF input for a round's proposal: SHA-256("svm/cons/vrf" ‖ epoch_seed ‖ round). */
void svm_cons_vrf_alpha(const svm_hash_t *epoch_seed, uint64_t round, svm_hash_t *alpha);
/* Next epoch's seed: SHA-256("svm/cons/epoch" ‖ prev_seed ‖ vrf_out[0] ‖ … ) over the VRF
 * outputs of the committed blocks of the previous epoch, in height order. */
void svm_cons_epoch_seed(const svm_hash_t *prev_seed, const uint8_t (*vrf_outputs)[64],
			 size_t n, svm_hash_t *out);

#endif

/* SuperVM verification levels and TEE acceptance of a result: what a job or transaction asks
 * for (standard, auditable, high-value), what each level requires of a result and how fees,
 * bonds and the challenge window scale; and the rule that accepts a VCR's TEE evidence (the
 * evidence verifies as of the block time, its report data binds the job's fields, its
 * measurement is one the model's manifest allows, the guest is not debuggable).
 * docs/verification.md. Pure functions; safe from any thread. */
#ifndef SUPERVM_VERIFY_H
#define SUPERVM_VERIFY_H

#include "supervm/attest.h"
#include "supervm/trace.h"
#include "supervm/vm.h"

typedef enum {
	SVM_VERIFY_STANDARD = 0,   /* replicas agree, or small jobs re-executed on chain */
	SVM_VERIFY_AUDITABLE = 1,  /* + a trace commitment: disputable by bisection */
	SVM_VERIFY_HIGH_VALUE = 2, /* + TEE attestation, and a longer window */
	SVM_VERIFY_LEVELS
} svm_verify_level_t;

/* What a level requires and what it costs. Multipliers are in percent of the standard fee and
 * bond (integers only: consensus). */
typedef struct {
	uint32_t replicas_min;      /* agreeing replicas (standard), or 1 with a trace/TEE */
	bool trace_required;        /* a trace commitment (root, K, S, final state) */
	bool tee_required;          /* verifying TEE evidence bound to the job */
	uint64_t challenge_blocks;  /* how long the result can be disputed */
	uint32_t fee_pct, bond_pct; /* of the standard fee and bond */
} svm_verify_rules_t;

/* The rules of a level (SVM_EINVAL for an unknown one). */
int svm_verify_rules(svm_verify_level_t level, svm_verify_rules_t *out);
/* "standard", "auditable", "high-value"; and back (SVM_EDECODE for anything else). */
const char *svm_verify_level_name(svm_verify_level_t level);
int svm_verify_level_parse(const char *s, svm_verify_level_t *out);

/* The highest level a result meets, given what it carries: agreeing replicas, a trace
 * commitment, accepted TEE evidence. A receipt records it; a job asking for more than its
 * result meets is not settled. */
svm_verify_level_t svm_verify_level_met(uint32_t replicas, bool has_trace, bool tee_accepted);

/* Fee and bond of a level from the standard ones (checked arithmetic: SVM_EOVERFLOW). */
int svm_verify_scale(svm_verify_level_t level, uint64_t fee, uint64_t bond, uint64_t *fee_out,
		     uint64_t *bond_out);

/* The job fields a TEE report must bind, in this order. */
typedef struct {
	svm_hash_t job_id, input_hash, model_hash, code_hash;
	uint64_t seed;
	svm_hash_t output_hash;
} svm_vcr_binding_t;

/* SHA-256("svm/vcr/tee" ‖ job id ‖ input ‖ model ‖ code ‖ u64be seed ‖ output): the first 32
 * bytes of the evidence's 64-byte report data; the other 32 must be zero. */
void svm_vcr_binding_hash(const svm_vcr_binding_t *b, svm_hash_t *out);

/* Accepts verified TEE evidence for a job: report_data (64 bytes, from the verified report or
 * quote) binds b, the measurement (SNP MEASUREMENT or TDX MRTD, 48 bytes) is one of the
 * allowed (the model manifest's list), and the guest is not debuggable. SVM_EPROOF for a
 * report data that does not bind the job, SVM_EPERM for an unknown measurement or a
 * debuggable guest. */
int svm_vcr_accept_tee(const uint8_t report_data[64], const uint8_t measurement[48], bool debuggable,
		       const svm_vcr_binding_t *b, const uint8_t (*allowed)[48], size_t n_allowed,
		       svm_error_t *err);

/* ============================================================ attestation collateral on chain */

/* Native program 18 (payload: varint 18 ‖ varint method ‖ arguments, dynamic access). Objects
 * (shared storage):
 *   updater   SHA-256("svm/attest/updater"): updater id (32) ‖ varint epoch
 *   snp chain SHA-256("svm/attest/snp" ‖ intermediate CN, e.g. "SEV-Milan"): varint not_after ‖
 *             the ASK/ASVK ‖ ARK PEM
 *   tdx       SHA-256("svm/attest/tdx" ‖ FMSPC): varint tcbEvaluationDataNumber ‖ varint expiry ‖
 *             the collateral encoding (svm_attest_tdx_encode)
 * Every check takes "now" from the block's timestamp. docs/verification.md. */
enum { SVM_PROGRAM_ATTEST = 18 };
enum {
	SVM_ATTEST_SET_UPDATER = 1,   /* updater (32) ‖ u8 via (0: by the updater, 1: governance) ‖
					 (via 1) proposal id (32) */
	SVM_ATTEST_PUT_SNP_CHAIN = 2, /* varint len ‖ PEM (ASK or ASVK, then ARK) */
	SVM_ATTEST_PUT_TDX = 3,       /* the collateral encoding */
};
#define SVM_ATTEST_STEPS_SNP_CHAIN 100000u       /* two RSA-4096 verifications */
#define SVM_ATTEST_STEPS_TDX_COLLATERAL 300000u  /* six P-256 verifications, two CRLs, JSON */
#define SVM_ATTEST_STEPS_SNP_EVIDENCE 200000u    /* three RSA-4096 + one P-384 */
#define SVM_ATTEST_STEPS_TDX_EVIDENCE 600000u    /* the quote twice (its FMSPC first), collateral */
/* The worst TCB status a chain accepts for TDX evidence. */
#define SVM_ATTEST_TCB_ACCEPTED SVM_TCB_SW_HARDENING_NEEDED

void svm_attest_updater_id(svm_id_t *out);
void svm_attest_snp_chain_id(const char *ask_cn, svm_id_t *out);
void svm_attest_tdx_id(const uint8_t fmspc[6], svm_id_t *out);
/* The 32-byte body of a governance text proposal that installs `updater` at `epoch` (the
 * updater object's epoch, 0 while there is none): SHA-256("svm/attest/updater" ‖ id ‖ u64be). */
void svm_attest_updater_hash(const svm_id_t *updater, uint64_t epoch, svm_hash_t *out);

/* The collateral encoding: 8 × (varint len ‖ bytes) — tcb info, its signature (64), QE
 * identity, its signature (64), TCB signing chain PEM, root CA CRL, PCK CRL, PCK CRL chain PEM
 * (each ≤ SVM_ATTEST_EVIDENCE_MAX). decode borrows p and rejects trailing bytes. */
int svm_attest_tdx_encode(const svm_tdx_collateral_t *col, svm_buf_t *out);
int svm_attest_tdx_decode(const uint8_t *p, size_t len, svm_tdx_collateral_t *col);

/* Payload builders (append to out). proposal NULL: the sender is the current updater. */
int svm_attest_set_updater_payload(svm_buf_t *out, const svm_id_t *updater,
				   const svm_id_t *proposal);
int svm_attest_put_snp_payload(svm_buf_t *out, const uint8_t *chain_pem, size_t len);
int svm_attest_put_tdx_payload(svm_buf_t *out, const svm_tdx_collateral_t *col);

/* Runs program 18: set_updater (SVM_EPERM unless the sender is the updater or the proposal is
 * an executed text proposal for this updater and epoch), put_snp_chain / put_tdx (SVM_EPERM
 * unless from the updater; the attest errors when the content does not verify at the block
 * time; SVM_ESTATE when it is not newer than the stored one). */
int svm_attest_execute(svm_txctx_t *c, const uint8_t *payload, size_t len);
/* The current updater (SVM_ENOTFOUND before there is one). */
int svm_attest_updater_get(svm_txctx_t *c, svm_id_t *updater, uint64_t *epoch);

/* The chain's pinned roots (attest.h's svm_attest_pins_t) as chain state: the object
 * SHA-256("svm/attest/pins"), written once at genesis from its "attest_pins" (docs/genesis.md):
 * u8 n ‖ n × SHA-256 of an AMD ARK's DER ‖ u8 m ‖ m × SHA-256 of an Intel root CA's DER
 * (n, m ≤ SVM_ATTEST_PINS_MAX). A chain whose genesis pinned none uses svm_attest_pins_default.
 * Every check of program 18 and of a VCR's evidence takes its roots from here. */
void svm_attest_pins_id(svm_id_t *out);
int svm_attest_pins_encode(const svm_attest_pins_t *p, svm_buf_t *out);
int svm_attest_pins_decode(const uint8_t *p, size_t len, svm_attest_pins_t *out);
/* Genesis: stores the pins object. */
int svm_attest_pins_put(svm_txctx_t *c, const svm_attest_pins_t *pins);
/* The pins the chain holds (a copy of the defaults when it holds none). */
int svm_attest_pins_get(svm_txctx_t *c, svm_attest_pins_t *out);

/* What verified TEE evidence states. */
typedef struct {
	uint8_t report_data[64];
	uint8_t measurement[48]; /* SNP MEASUREMENT or TDX MRTD */
	bool debuggable;
} svm_tee_claim_t;

/* Verifies a VCR's TEE evidence (u8 kind ‖ body, ai.h) against the chain-state collateral as of
 * the block time, charging its steps: SVM_ENOTFOUND when the chain holds no chain/collateral
 * for it, the attest errors otherwise. Acceptance for a job is svm_vcr_accept_tee on *out. */
int svm_attest_evidence_verify(svm_txctx_t *c, const uint8_t *tee, size_t len,
			       svm_tee_claim_t *out, svm_error_t *err);

/* ============================================================ disputes by bisection */

/* Native program 19 (dynamic access): a claim about a WebAssembly computation — a module stored
 * with the model registry's put_code (code_hash), an export, its i32/i64 arguments and gas — and
 * its trace commitment (root over the state hashes every K steps, S, the final state hash),
 * disputed by bisection down to one step that the chain executes (supervm/trace.h). Claim
 * object SHA-256("svm/dispute/claim" ‖ claimant ‖ u64be nonce) (svm_dispute_t); each challenger
 * plays its own game, object SHA-256("svm/dispute/game" ‖ claim ‖ challenger), up to
 * SVM_DISPUTE_GAMES_MAX open at once; bonds in SWR held by SHA-256("svm/program/disputes").
 * docs/bisection.md. */
enum { SVM_PROGRAM_DISPUTES = 19 };
enum {
	SVM_DISPUTE_CLAIM = 1,     /* see svm_dispute_claim_payload; returns the claim id */
	SVM_DISPUTE_CHALLENGE = 2, /* claim (32): bonds as much as the claimant, starts this
				      challenger's game; returns the game id */
	SVM_DISPUTE_REVEAL = 3,    /* claim ‖ u8 n ‖ u8 with_proofs ‖ n hashes ‖ (n × u8 len ‖ path) */
	SVM_DISPUTE_PICK = 4,      /* claim ‖ u8 j */
	SVM_DISPUTE_PROVE = 5,     /* claim ‖ varint len ‖ one-step proof */
	SVM_DISPUTE_TIMEOUT = 6,   /* game or job claim: a late mover loses; claim: its bond back
				      once its window has passed with no game open and none won */
	SVM_DISPUTE_OPEN_TRACE = 7, /* claim ‖ path of checkpoint 0 ‖ path of the last ‖ varint len ‖
				       the final state's core: a job claim's first move */
};
/* A record's state. A claim is open (challengeable in its window, or games still open) until
 * closed (released, or refuted with no game left); a game is disputed until decided (closed);
 * a job's claim starts in await_open: waiting for the provider to open its trace
 * (SVM_DISPUTE_OPEN_TRACE) before the game starts. */
enum {
	SVM_DISPUTE_OPEN = 0,
	SVM_DISPUTE_DISPUTED = 1,
	SVM_DISPUTE_CLOSED = 2,
	SVM_DISPUTE_AWAIT_OPEN = 3
};
/* What a record is: a computation the claimant put forward (program 19's claim, record version
 * 3), one provider's trace of an auditable AI job (opened by job_escrow's dispute, version 2),
 * or one challenger's game against a claim (version 4). */
enum { SVM_DISPUTE_KIND_CLAIM = 0, SVM_DISPUTE_KIND_JOB = 1, SVM_DISPUTE_KIND_GAME = 2 };
/* Games open at once against one claim (each its own challenger). While they are all open the
 * claim's challenge window is paused: filling them delays the window, never closes it. */
#define SVM_DISPUTE_GAMES_MAX 32u
/* A job's trace is of the inference module's export "infer", no arguments, under this gas (the
 * worker's own limit); the host environment is the job's model weights and input. */
#define SVM_DISPUTE_JOB_ENTRY "infer"
#define SVM_DISPUTE_JOB_GAS 10000000000ull /* SVM_AI_WORKER_GAS_MAX */
#define SVM_DISPUTE_STEPS_OPEN 100000u           /* the final state's opening */
#define SVM_DISPUTE_ENTRY_MAX 32
#define SVM_DISPUTE_ARGS_MAX 8
#define SVM_DISPUTE_STEPS_MAX (1ull << 40)       /* S of one claim */
#define SVM_DISPUTE_ARITY 16u                    /* k of the game */
#define SVM_DISPUTE_MOVE_BLOCKS 20u              /* blocks per move */
#define SVM_DISPUTE_CHALLENGE_BLOCKS 140u        /* the auditable window (7 × 20) */
#define SVM_DISPUTE_BOND_MIN 1000000000ull       /* 1 SWR */
#define SVM_DISPUTE_STEPS_STATE 200000u          /* the initial state hash at a claim */
#define SVM_DISPUTE_STEPS_PROVE 100000u          /* one step and its state hashes */

typedef struct {
	svm_hash_t code_hash;
	const char *entry;
	uint32_t nargs;
	uint64_t args[SVM_DISPUTE_ARGS_MAX];
	uint64_t gas;
	svm_hash_t root;
	uint64_t k, steps;
	svm_hash_t final_state;
	svm_merkle_proof_t init_proof, final_proof; /* checkpoints 0 and ceil(S/K) under root */
	uint64_t bond;
} svm_dispute_claim_t;

/* A record as stored: who, what ran, the state and the game (svm_bisect_t). A claim's game is
 * the opened commitment every challenger's game starts from (never played itself); a game is
 * a copy of it with the challenger and its moves. */
typedef struct {
	uint8_t kind;   /* SVM_DISPUTE_KIND_*: version 3 (claim), 2 (job) or 4 (game) */
	svm_id_t job;   /* kind job: the job; the claimant is the provider whose trace it is */
	svm_id_t claim; /* kind game: the claim it disputes */
	svm_id_t claimant, challenger; /* kind claim: no challenger (zero) */
	svm_hash_t code_hash;
	char entry[SVM_DISPUTE_ENTRY_MAX + 1];
	uint32_t entry_len;
	uint8_t nargs;
	uint64_t args[SVM_DISPUTE_ARGS_MAX];
	uint64_t gas, claim_height;
	uint8_t state;
	svm_hash_t final_state;
	svm_bisect_t game;
	/* kind claim: its games and what they decided */
	uint64_t games_opened;                      /* ever */
	uint8_t games_len;                          /* open */
	svm_id_t games[SVM_DISPUTE_GAMES_MAX];      /* the open games' challengers, oldest first */
	bool refuted;                               /* a game was won: the claimant's bond is gone */
	svm_id_t prover;                            /* the challenger of the first won game */
	uint64_t paused_blocks; /* blocks the window stood still while every game was open */
	uint64_t full_since;    /* the height the open games last reached the bound (0 unless full) */
} svm_dispute_t;

void svm_dispute_claim_id(const svm_id_t *claimant, uint64_t nonce, svm_id_t *out);
/* The game of challenger against claim: SHA-256("svm/dispute/game" ‖ claim ‖ challenger). */
void svm_dispute_game_id(const svm_id_t *claim, const svm_id_t *challenger, svm_id_t *out);
/* The last height at which claim d can be challenged, as of height `now`: claim_height +
 * SVM_DISPUTE_CHALLENGE_BLOCKS + the blocks its games were all open (those of the current
 * stretch included). Saturating. */
uint64_t svm_dispute_window_end(const svm_dispute_t *d, uint64_t now);
void svm_dispute_account(svm_id_t *out);
/* The claim of challenger over provider's trace of an AI job (one per challenger and provider;
 * several may be open against one job): SHA-256("svm/dispute/job" ‖ job ‖ provider ‖
 * challenger). */
void svm_dispute_job_claim_id(const svm_id_t *job, const svm_id_t *provider,
			      const svm_id_t *challenger, svm_id_t *out);
int svm_dispute_encode(const svm_dispute_t *d, svm_buf_t *out);
int svm_dispute_decode(const uint8_t *p, size_t len, svm_dispute_t *d);
/* Payload builders (append to out). */
int svm_dispute_claim_payload(svm_buf_t *out, const svm_dispute_claim_t *c);
int svm_dispute_payload(svm_buf_t *out, uint64_t method, const svm_id_t *claim); /* challenge, timeout */
int svm_dispute_reveal_payload(svm_buf_t *out, const svm_id_t *claim, const svm_hash_t *hashes,
			       const svm_merkle_proof_t *proofs, uint32_t n);
int svm_dispute_pick_payload(svm_buf_t *out, const svm_id_t *claim, uint32_t j);
int svm_dispute_prove_payload(svm_buf_t *out, const svm_id_t *claim, const uint8_t *proof,
			      size_t len);
/* open_trace: checkpoints 0 and last under the root, and the final state's core
 * (svm_step_core), which must hash to the committed final state, be DONE and carry the output
 * the provider revealed. */
int svm_dispute_open_payload(svm_buf_t *out, const svm_id_t *claim,
			     const svm_merkle_proof_t *init_proof,
			     const svm_merkle_proof_t *final_proof, const uint8_t *core,
			     size_t core_len);
/* Runs program 19. Errors: SVM_EDECODE malformed; SVM_ENOTFOUND no such claim or module;
 * SVM_EUNSUPPORTED a module outside the stepper's subset; SVM_EPROOF checkpoint 0 is not the
 * chain's initial state, the final state or a revealed checkpoint is not under the root, or the
 * one-step proof does not match the agreed pre-state; SVM_EPERM a move by the wrong party;
 * SVM_ESTATE out of turn, or a claim already refuted; SVM_EEXPIRED past a deadline or the
 * challenge window; SVM_ELIMIT SVM_DISPUTE_GAMES_MAX games open; SVM_EEXIST a second game of
 * one challenger; SVM_EINVAL a challenge of something that is not a claim; SVM_EFUNDS. */
int svm_dispute_execute(svm_txctx_t *c, const uint8_t *payload, size_t len);

#endif

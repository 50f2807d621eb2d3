/* SuperVM trace commitments and bisection: a canonical one-instruction-per-step WebAssembly
 * stepper whose whole machine state hashes to 32 bytes (linear memory through a Merkle tree of
 * 64-byte leaves, only dirty leaves rehashed), checkpoints every K steps committed by one Merkle
 * root, a k-ary bisection game between a claimant and a challenger down to one step, and the
 * one-step verifier the chain runs. docs/bisection.md gives formats, bounds and measurements.
 *
 * The stepper runs every instruction the VM runs (docs/bisection.md lists them: numbers, floats,
 * multi-value control, calls, references, memory and table instructions, bulk operations) in a
 * module whose imports are none or the AI host functions; tables are committed like memory (a
 * Merkle tree of 8-element leaves). Anything else is refused with SVM_EUNSUPPORTED.
 * Every function is deterministic and allocates only through svm_malloc/free. Not thread-safe
 * per object; distinct objects may be used from distinct threads. */
#ifndef SUPERVM_TRACE_H
#define SUPERVM_TRACE_H

#include "supervm/base.h"
#include "supervm/crypto.h"
#include "supervm/wasm.h"

/* ------------------------------------------------------------ limits */

#define SVM_STEP_VALUES_MAX 1024  /* value stack entries */
#define SVM_STEP_LABELS_MAX 256   /* control stack entries */
#define SVM_STEP_LOCALS_MAX 1024  /* params + locals of the function */
#define SVM_STEP_GLOBALS_MAX 256
#define SVM_STEP_DATAS_MAX 1024   /* data segments of a module (a bit each in the state) */
#define SVM_STEP_PAGES_MAX 256    /* 16 MiB of linear memory */
#define SVM_STEP_FRAMES_MAX 64    /* calls in progress */
#define SVM_STEP_TABLES_MAX 16    /* tables of a module */
#define SVM_STEP_TABLE_ELEMS_MAX 65536 /* elements of one table (a grow past it is refused) */
#define SVM_STEP_ELEMS_MAX 1024   /* element segments of a module (a bit each in the state) */
#define SVM_STEP_LEAF_SIZE 64     /* bytes per memory Merkle leaf */
#define SVM_STEP_RANGE_LEAVES_MAX 4096 /* leaves of one memory range in a proof (256 KiB) */
#define SVM_STEP_PROOF_MAX (1024u * 1024) /* bytes of one one-step proof (a host step's ranges) */

/* Run status. A terminal state steps to itself (so a trace can be padded past its end). */
enum { SVM_STEP_RUNNING = 0, SVM_STEP_DONE = 1, SVM_STEP_TRAPPED = 2, SVM_STEP_OUT_OF_GAS = 3 };

typedef struct svm_step svm_step_t;

/* A new machine at the entry of export `fn` of module m (validated by svm_wasm_module_new, no
 * imports, memory and globals initialised from the module's constant initialisers and active
 * data segments) with the given i32/i64 arguments and gas. m must outlive the machine.
 * SVM_EUNSUPPORTED when the module or function is outside the stepper's subset. */
int svm_step_new(svm_step_t **out, const svm_wasm_module_t *m, const char *fn, const uint64_t *args,
		 size_t nargs, uint64_t gas, svm_error_t *err);

/* The AI host environment (src/vm/ai/runtime.c): a module may import the "env" functions
 * input_size, input, model_size, model, set_return, abort and i8_matvec, each executed as one
 * step with the runner's prices. The bytes are borrowed and must outlive the machine; the
 * chain knows them from the job (input) and the model's weights. */
typedef struct {
	const uint8_t *model;
	size_t model_len;
	const uint8_t *input;
	size_t input_len;
} svm_step_env_t;

int svm_step_new_env(svm_step_t **out, const svm_wasm_module_t *m, const char *fn,
		     const uint64_t *args, size_t nargs, uint64_t gas, const svm_step_env_t *env,
		     svm_error_t *err);
/* The output set_return gave, once DONE (machines with an environment). */
int svm_step_output(const svm_step_t *s, const uint8_t **out, size_t *len);
void svm_step_free(svm_step_t *s);
/* A deep copy (for parties that keep snapshots). */
int svm_step_clone(const svm_step_t *s, svm_step_t **out);
/* The bytes a copy holds beyond its fixed part: linear memory and its Merkle tree. */
size_t svm_step_bytes(const svm_step_t *s);

/* Executes exactly one instruction (or nothing in a terminal state). Returns 0, or
 * SVM_EUNSUPPORTED for an instruction outside the subset (the machine is then unusable). */
int svm_step_one(svm_step_t *s);
/* Runs until a terminal state or n steps; returns as svm_step_one. */
int svm_step_run(svm_step_t *s, uint64_t n);

int svm_step_status(const svm_step_t *s);
/* Memory leaves (0, 1 or 2) the next instruction reads or writes: what its proof carries. */
uint32_t svm_step_leaves(const svm_step_t *s);
uint64_t svm_step_count(const svm_step_t *s);     /* instructions executed */
/* The instruction the next step executes: its opcode, 0xfc00 | sub-opcode for a 0xfc-prefixed
 * one, UINT32_MAX when the machine is not running. */
uint32_t svm_step_opcode(const svm_step_t *s);
uint64_t svm_step_gas_used(const svm_step_t *s);  /* gas charged (the fast interpreter's schedule) */
/* The results once DONE (top of the value stack, n of them). */
int svm_step_results(const svm_step_t *s, uint64_t *out, size_t n);
/* Debug corruption for tests and for a worker built to cheat: adds delta to the top value. */
void svm_step_corrupt(svm_step_t *s, uint64_t delta);

/* The state hash: SHA-256 over the module hash, status, pc, gas, steps, the value stack,
 * labels, locals, globals, page count and the memory Merkle root (docs/bisection.md). Rehashes
 * only the memory leaves written since the last call. */
void svm_step_hash(svm_step_t *s, svm_hash_t *out);

/* The state's core encoding (everything of the state but memory's contents: the bytes the state
 * hash covers after the module hash; docs/bisection.md). Appended to out. */
int svm_step_core(svm_step_t *s, svm_buf_t *out);
/* Opens a committed state: core must parse exactly (no trailing byte) and hash with module_hash
 * to state; then its status and the output set_return recorded (length and SHA-256; 0 and the
 * hash of nothing before set_return). SVM_EDECODE malformed, SVM_EPROOF another state,
 * SVM_ELIMIT above SVM_STEP_PROOF_MAX. What a dispute over an AI job checks the revealed output
 * against. */
int svm_step_core_output(const svm_hash_t *module_hash, const uint8_t *core, size_t len,
			 const svm_hash_t *state, uint8_t *status, uint32_t *out_len,
			 svm_hash_t *out_hash);

/* A one-step proof of the instruction at the current state: everything of the state but memory,
 * plus the memory leaves the instruction touches with their Merkle paths. Appended to out. */
int svm_step_prove(svm_step_t *s, svm_buf_t *out);

/* The chain's one-step verifier: checks that proof describes a state hashing to pre, executes
 * one instruction of module m from it and writes the post-state hash. SVM_EPROOF when the proof
 * does not match pre or lacks what the instruction touches, SVM_EDECODE when malformed. */
int svm_step_verify(const svm_wasm_module_t *m, const svm_hash_t *pre, const uint8_t *proof,
		    size_t proof_len, svm_hash_t *post, svm_error_t *err);
/* The same for a module run with the AI host environment (the same bytes the worker had). */
int svm_step_verify_env(const svm_wasm_module_t *m, const svm_step_env_t *env,
			const svm_hash_t *pre, const uint8_t *proof, size_t proof_len,
			svm_hash_t *post, svm_error_t *err);

/* ------------------------------------------------------------ trace commitment */

/* Checkpoints: the state hash at steps 0, K, 2K, …, and at the final step S (the last index is
 * ceil(S/K)). The commitment is the RFC 6962 Merkle root over them (svm_merkle_root). */
typedef struct {
	uint64_t k;          /* steps between checkpoints */
	uint64_t steps;      /* S, the claimed total */
	uint64_t n;          /* checkpoints: ceil(S/K) + 1 */
	svm_hash_t *hashes;  /* n of them (svm_free) */
	svm_hash_t root;
} svm_trace_t;

/* Runs a machine to its end (at most steps_max steps), recording checkpoints every k. */
int svm_trace_build(svm_step_t *s, uint64_t k, uint64_t steps_max, svm_trace_t *out);
void svm_trace_free(svm_trace_t *t);
/* The step index of checkpoint i. */
static inline uint64_t svm_trace_step_of(const svm_trace_t *t, uint64_t i)
{
	uint64_t x = i * t->k;
	return x < t->steps ? x : t->steps;
}

/* ------------------------------------------------------------ bisection game */

#define SVM_BISECT_ARITY_MAX 64
#define SVM_BISECT_ROUNDS_MAX 64

typedef enum {
	SVM_BISECT_CLAIMANT_MOVES = 0, /* the claimant must reveal the interval's interior */
	SVM_BISECT_CHALLENGER_MOVES,   /* the challenger must pick the sub-interval it disputes */
	SVM_BISECT_ONE_STEP,           /* one step left: the claimant must prove it */
	SVM_BISECT_CLAIMANT_WON,
	SVM_BISECT_CHALLENGER_WON
} svm_bisect_phase_t;

/* Game parameters (chain configuration). */
typedef struct {
	uint32_t arity;          /* k: sub-intervals per round, 2..SVM_BISECT_ARITY_MAX */
	uint64_t move_blocks;    /* blocks a party has for each move */
	uint64_t claimant_bond, challenger_bond;
} svm_bisect_params_t;

/* The game's state, as a chain object would hold it. Positions are step indices. The first
 * phase bisects over the committed checkpoints (each revealed hash proven against the trace
 * root); once the interval is one checkpoint apart, over the steps inside it (revealed hashes
 * then bind the claimant by being recorded here). */
typedef struct {
	svm_bisect_params_t p;
	svm_hash_t root;          /* the claimant's trace commitment */
	uint64_t k, steps, n;     /* its K, S and checkpoint count */
	uint64_t lo, hi;          /* disputed interval: agreed at lo, disputed at hi (step indices) */
	svm_hash_t lo_hash, hi_hash;
	uint32_t nmid;            /* revealed interior points */
	uint64_t mid_step[SVM_BISECT_ARITY_MAX];
	svm_hash_t mid_hash[SVM_BISECT_ARITY_MAX];
	svm_bisect_phase_t phase;
	uint64_t deadline;        /* height by which the party to move must move */
	/* block time (ms) before which the party to move is never late, whatever the height: the
	 * chain's time floor (program 19 sets it; 0 = none, the game here is by height only) */
	uint64_t deadline_ms;
	uint32_t rounds;
	uint64_t proof_bytes;     /* bytes submitted so far (hashes, paths, the one-step proof) */
} svm_bisect_t;

/* Opens a dispute of a claim (root over n checkpoints, k, S, the claimant's final state hash
 * with its inclusion path) against the agreed initial state hash, at height now. The
 * challenger disputes the final state. SVM_EPROOF when the final hash is not under root. */
int svm_bisect_open(svm_bisect_t *g, const svm_bisect_params_t *p, const svm_hash_t *root,
		    uint64_t k, uint64_t steps, const svm_hash_t *init_hash,
		    const svm_merkle_proof_t *init_proof, const svm_hash_t *final_hash,
		    const svm_merkle_proof_t *final_proof, uint64_t now, svm_error_t *err);
/* The claimant reveals the hashes at the g->nmid steps g->mid_step[]: each with its inclusion
 * proof against the root while the interval spans checkpoints (proofs[i]), without (NULL)
 * inside one checkpoint interval, where the revealed hashes bind by being recorded. */
int svm_bisect_reveal(svm_bisect_t *g, const svm_hash_t *hashes, const svm_merkle_proof_t *proofs,
		      uint64_t now, svm_error_t *err);
/* Whether the next reveal needs inclusion proofs (the interval spans more than one checkpoint
 * interval). */
bool svm_bisect_needs_proofs(const svm_bisect_t *g);
/* The challenger picks sub-interval j (0..nmid): it agrees with the point before and disputes
 * the point after. */
int svm_bisect_pick(svm_bisect_t *g, uint32_t j, uint64_t now, svm_error_t *err);
/* The claimant proves the last step: the chain runs svm_step_verify from lo_hash and the
 * claimant wins iff the result is hi_hash. */
int svm_bisect_prove(svm_bisect_t *g, const svm_wasm_module_t *m, const uint8_t *proof,
		     size_t proof_len, uint64_t now, svm_error_t *err);
/* The same for a run with the AI host environment (svm_step_verify_env). */
int svm_bisect_prove_env(svm_bisect_t *g, const svm_wasm_module_t *m, const svm_step_env_t *env,
			 const uint8_t *proof, size_t proof_len, uint64_t now, svm_error_t *err);
/* At height now, if the party to move has missed its deadline, it loses (returns 1), else 0. */
int svm_bisect_timeout(svm_bisect_t *g, uint64_t now);

/* Settlement once decided: the winner gets its bond back plus half of the loser's; the other
 * half is burned (so a party gains nothing by disputing itself). */
typedef struct {
	uint64_t to_claimant, to_challenger, burned;
} svm_bisect_payout_t;
int svm_bisect_settle(const svm_bisect_t *g, svm_bisect_payout_t *out);

#endif

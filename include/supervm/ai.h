/* SuperVM vm layer, AI compute: int8 models in the SVQ8 format (parse, plain native C
 * inference), the int8 x int8 -> int32 matrix-vector product that the WebAssembly host interface
 * exposes (priced per multiply-accumulate), and the runner that executes an inference module
 * (a WebAssembly module built with the contract SDK) deterministically in the metered VM.
 * docs/ai-market.md describes the formats, the arithmetic and the prices. */
#ifndef SUPERVM_AI_H
#define SUPERVM_AI_H

#include "supervm/base.h"
#include "supervm/vm.h"
#include "supervm/wasm.h"

/* ------------------------------------------------------------- models */

/* SVQ8 v1 (little-endian): "SVQ8" ‖ u8 version (1) ‖ u8 layers ‖ u16 input_len ‖ u8 input_shift,
 * then per layer: u16 rows ‖ u16 cols ‖ u8 kind ‖ i8 W[rows·cols] (row-major) ‖ i32 b[rows] ‖
 * (kind 1 only) i32 M[rows] ‖ u8 S[rows]. Inference on input bytes u8 p[input_len]:
 *   x_q[i]   = p[i] >> input_shift
 *   acc[r]   = b[r] + Σ_c W[r][c]·x[c]             (exact: |dot| < 2^31 by the limits; the
 *                                                     add to b wraps modulo 2^32 like i32.add)
 *   kind 1:  y[r] = clamp(floor((acc[r]·M[r] + 2^(S[r]-1)) / 2^S[r]), 0, 127)   (int64)
 *   kind 0 (the last layer only): the output logits, int32.
 * Output bytes: i32 logits[rows_last] (LE) ‖ u8 argmax (the first index of the largest). */
#define SVM_AI_LAYERS_MAX 8
#define SVM_AI_DIM_MAX 4096 /* rows and cols of a layer, and input_len */
#define SVM_AI_MODEL_BYTES_MAX (8u << 20)
#define SVM_AI_OUTPUT_MAX (4 * SVM_AI_DIM_MAX + 1)

typedef struct {
	uint32_t rows, cols;
	uint8_t kind;         /* 1: ReLU + fixed-point rescale to int8 0..127; 0: int32 logits */
	const int8_t *w;      /* rows·cols, borrowed from the model bytes */
	const uint8_t *b;     /* rows i32 LE */
	const uint8_t *m;     /* rows i32 LE (kind 1) */
	const uint8_t *s;     /* rows u8 (kind 1) */
} svm_ai_layer_t;

typedef struct {
	uint32_t input_len;
	uint8_t input_shift;
	uint32_t layers_len;
	svm_ai_layer_t layers[SVM_AI_LAYERS_MAX];
	uint32_t output_len; /* 4·rows_last + 1 */
	uint64_t macs;       /* multiply-accumulates per inference */
} svm_ai_model_t;

/* Parses and checks SVQ8 bytes (borrowed: *m points into them). SVM_EDECODE for a malformed or
 * non-canonical model (bad magic/version, truncated, trailing bytes, shapes that do not chain,
 * a multiplier ≤ 0, a shift outside 1..62, an input_shift > 7), SVM_ELIMIT past the limits. */
int svm_ai_model_parse(const uint8_t *bytes, size_t len, svm_ai_model_t *m);

/* Plain native C inference (the reference the VM must equal bit for bit). input_len must equal
 * m->input_len (SVM_EINVAL); out must hold m->output_len bytes. Thread-safe. */
int svm_ai_infer_native(const svm_ai_model_t *m, const uint8_t *input, size_t input_len,
			uint8_t *out);

/* acc[r] += Σ_c w[r·cols + c]·x[c] for r < rows: exact int32 dot products (cols ≤
 * SVM_AI_DIM_MAX keeps |dot| < 2^31), added to acc with wrap-around modulo 2^32. */
void svm_ai_i8_matvec(const int8_t *w, const int8_t *x, int32_t *acc, uint32_t rows,
		      uint32_t cols);

/* Gas the host function i8_matvec(w, x, acc, rows, cols) charges on top of the host-call base
 * (50, docs/wasm.md): FIRST_ROW + ROW·(rows − 1) + MAC·rows·cols. The pure-WebAssembly reference
 * loop (contracts/ai/infer.c, mv_ref, built by clang 14 at -O2) costs exactly 50 more than that
 * beyond its call, so both paths give identical gas for every rows, cols ≥ 1;
 * tests/unit/test_ai.c checks it on many shapes. */
#define SVM_AI_MV_GAS_FIRST_ROW 2u
#define SVM_AI_MV_GAS_ROW 31u
#define SVM_AI_MV_GAS_MAC 24u
uint64_t svm_ai_matvec_gas(uint32_t rows, uint32_t cols);

/* ------------------------------------------------------------ the runner */

#define SVM_AI_MODULE_BYTES_MAX (64u << 10) /* an inference module */
#define SVM_AI_INPUT_MAX 4096u              /* input bytes of one job */
#define SVM_AI_MEMORY_PAGES_MAX 256u        /* 16 MiB of linear memory */
#define SVM_AI_INSTANTIATE_GAS_MAX 1000000u /* a start function, if any */

/* One inference module instantiated in its own store, with the "env" host module above. Not
 * thread-safe: one per thread. */
typedef struct svm_ai_vm svm_ai_vm_t;
typedef struct {
	const uint8_t *output; /* borrowed from the vm, valid until its next run */
	size_t output_len;
	uint64_t gas_used;
} svm_ai_result_t;

/* The VM configuration inference runs under (gas schedule v1, the limits above). */
void svm_ai_vm_config(svm_wasm_config_t *cfg);
/* Translates and instantiates module (metering must be true for anything but benchmarks).
 * SVM_EDECODE / SVM_EVALIDATE / SVM_ENOTFOUND (an import outside the AI env) / SVM_ELIMIT. */
int svm_ai_vm_new(svm_ai_vm_t **out, const uint8_t *module, size_t module_len, bool metering,
		  svm_error_t *err);
void svm_ai_vm_free(svm_ai_vm_t *vm);
/* The instance and store inside (borrowed), for tests and benchmarks that call other exports. */
svm_wasm_instance_t *svm_ai_vm_instance(svm_ai_vm_t *vm);
svm_wasm_store_t *svm_ai_vm_store(svm_ai_vm_t *vm);
/* Calls the exported entry ("infer" or "infer_ref") with the model and input (both borrowed
 * for the call) and gas_limit. res is filled on success and failure (gas used; output only on
 * success). Returns 0, SVM_EGAS, SVM_ETRAP, SVM_EABORT (the module rejected the model or input),
 * SVM_ELIMIT. Module globals persist between runs of one vm: the chain and the worker use
 * svm_ai_run (a fresh instance per job). */
int svm_ai_vm_run(svm_ai_vm_t *vm, const char *entry, const uint8_t *model, size_t model_len,
		  const uint8_t *input, size_t input_len, uint64_t gas_limit, svm_ai_result_t *res,
		  svm_error_t *err);
/* One job the way the chain runs it: a fresh instance, one run. out must hold
 * SVM_AI_OUTPUT_MAX bytes; *gas_used is the run's gas (instantiation is not metered here: the
 * caller prices the module's bytes). */
int svm_ai_run(const uint8_t *module, size_t module_len, const char *entry, const uint8_t *model,
	       size_t model_len, const uint8_t *input, size_t input_len, uint64_t gas_limit,
	       uint8_t *out, size_t *out_len, uint64_t *gas_used, svm_error_t *err);

/* The host function itself, for other hosts (the contract env links it as env.i8_matvec). */
int svm_ai_host_matvec(svm_wasm_instance_t *inst, void *user, const uint64_t *args,
		       uint64_t *results);

/* ============================================================ the AI market's native programs */

/* Native payloads: varint program ‖ varint method ‖ arguments (canonical, no trailing bytes).
 * Both programs run with dynamic access (they read manifests, chunks and provider records named
 * by their arguments). docs/ai-market.md has every method's arguments, checks and errors. */
enum { SVM_PROGRAM_MODELS = 16, SVM_PROGRAM_JOBS = 17 };
enum {
	SVM_MODELS_PUT_CHUNK = 1, /* varint len ‖ bytes (≤ SVM_AI_CHUNK_MAX): returns the chunk id */
	SVM_MODELS_REGISTER = 2,  /* the manifest without owner: returns the model id */
	SVM_MODELS_PUT_CODE = 3,  /* varint len ‖ module: validates, stores, returns SHA-256(module) */
};
enum {
	SVM_JOBS_PROVIDER_REGISTER = 1, /* varint bond (SWR, added to the sender's bond) */
	SVM_JOBS_POST = 2,
	SVM_JOBS_ACCEPT = 3,    /* job (32) */
	SVM_JOBS_COMMIT = 4,    /* job (32) ‖ commitment (32) */
	SVM_JOBS_REVEAL = 5,
	SVM_JOBS_SETTLE = 6,    /* job (32) */
	SVM_JOBS_CHALLENGE = 7, /* job (32) */
	SVM_JOBS_CLAIM = 8,     /* job (32) */
	SVM_JOBS_UNBOND = 9,    /* varint amount: bond → unbonding (no open jobs) */
	SVM_JOBS_WITHDRAW = 10, /* (nothing): the unbonded SWR back, after ai_unbond_blocks */
	SVM_JOBS_DISPUTE = 11,  /* job ‖ provider ‖ model ‖ input_hash: bisect the provider's trace
				   (an auditable or high-value job; program 19 plays the game) */
};

#define SVM_AI_CHUNK_MAX 49152u       /* bytes of one content-addressed chunk object */
#define SVM_AI_MODEL_CHUNKS_MAX 171u  /* ⌈8 MiB / 48 KiB⌉ */
#define SVM_AI_NAME_MAX 32u
#define SVM_AI_FORMAT_SVQ8 1u
#define SVM_AI_TYPE_U8 1u            /* input: u8 per element */
#define SVM_AI_TYPE_LOGITS_I32 1u    /* output: i32 logits ‖ u8 argmax */
#define SVM_AI_TEE_MEASUREMENTS_MAX 8u /* allowed enclave measurements in one manifest */

/* A model manifest (immutable once registered; a new version is a new manifest). */
typedef struct {
	char name[SVM_AI_NAME_MAX + 1];
	uint64_t version;
	uint8_t format, input_type, output_type;
	uint32_t input_len, output_len;
	svm_hash_t weights_hash; /* SHA-256 of the whole SVQ8 bytes */
	uint32_t chunks_len;
	svm_id_t chunks[SVM_AI_MODEL_CHUNKS_MAX]; /* the weights, in order */
	svm_hash_t code_hash; /* SHA-256 of the inference module; stored as chunk svm_ai_chunk_id */
	/* TEE measurements (SNP MEASUREMENT / TDX MRTD) of enclave builds that may run the model:
	 * a high-value job's evidence must carry one of them (none: no TEE evidence is accepted) */
	uint32_t tee_measurements_len;
	uint8_t tee_measurements[SVM_AI_TEE_MEASUREMENTS_MAX][48];
	svm_id_t owner;
} svm_ai_manifest_t;

/* Chunk object id: SHA-256("svm/ai/chunk" ‖ bytes). Model id: SHA-256("svm/ai/model" ‖ owner ‖
 * name ‖ u64be version). Job id: SHA-256("svm/ai/job" ‖ poster ‖ u64be nonce). Provider record:
 * SHA-256("svm/ai/provider" ‖ provider). VCR: SHA-256("svm/ai/vcr" ‖ job ‖ provider). */
void svm_ai_chunk_id(const uint8_t *bytes, size_t len, svm_id_t *out);
void svm_ai_model_id(const svm_id_t *owner, const char *name, uint64_t version, svm_id_t *out);
void svm_ai_job_id(const svm_id_t *poster, uint64_t nonce, svm_id_t *out);
void svm_ai_provider_id(const svm_id_t *provider, svm_id_t *out);
void svm_ai_vcr_id(const svm_id_t *job, const svm_id_t *provider, svm_id_t *out);
/* The escrow program's name as an event emitter: SHA-256("svm/program/jobs"). It holds no
 * balances: each job's escrowed AIC and challenge bond are held by the job's own account
 * SHA-256("svm/ai/escrow" ‖ job), each provider's bonded SWR by its bond account
 * SHA-256("svm/ai/bond" ‖ provider), so posts, bonds and claims of different jobs and providers
 * write disjoint balances and run in parallel (docs/ai-market.md). */
void svm_ai_jobs_account(svm_id_t *out);
void svm_ai_job_account(const svm_id_t *job, svm_id_t *out);
void svm_ai_bond_account(const svm_id_t *provider, svm_id_t *out);
/* The commitment a provider commits: SHA-256("svm/ai/commit" ‖ job ‖ provider ‖ output ‖ salt). */
void svm_ai_commitment(const svm_id_t *job, const svm_id_t *provider, const uint8_t *output,
		       size_t output_len, const uint8_t salt[32], svm_hash_t *out);

/* Manifest encoding (the object's payload): varint name_len ‖ name ‖ varint version ‖ u8 format ‖
 * varint input_len ‖ u8 input_type ‖ varint output_len ‖ u8 output_type ‖ weights_hash ‖
 * varint chunks ‖ chunk ids ‖ code_hash ‖ varint tee_n (≤ 8) ‖ tee_n × 48-byte measurements
 * (strictly ascending) ‖ owner. decode rejects trailing bytes, bad lengths, unsorted or repeated
 * measurements. */
int svm_ai_manifest_encode(const svm_ai_manifest_t *m, bool with_owner, svm_buf_t *out);
int svm_ai_manifest_decode(const uint8_t *p, size_t len, bool with_owner, svm_ai_manifest_t *m);

/* Payload builders (append to out). register: the manifest without its owner (the sender). */
int svm_ai_put_chunk_payload(svm_buf_t *out, const uint8_t *bytes, size_t len);
int svm_ai_register_payload(svm_buf_t *out, const svm_ai_manifest_t *m);
int svm_ai_put_code_payload(svm_buf_t *out, const uint8_t *module, size_t len);
/* Object id of a stored inference module: SHA-256("svm/ai/code" ‖ code_hash). */
void svm_ai_code_id(const svm_hash_t *code_hash, svm_id_t *out);

/* Encoding limits of the job records. The market's economics — bond minimum, replicas allowed,
 * burn share, slash rates, reveal and challenge windows, challenge bond and re-execution gas
 * limit, the unbonding delay — are governed parameters (the ai_* fields of SVM_PARAMS_FIELDS,
 * supervm/econ.h) read from the parameter object by every call; docs/ai-market.md has the
 * formulas. */
#define SVM_AI_REPLICAS_MAX 7u
#define SVM_AI_INPUT_INLINE_MAX 4096u  /* input bytes carried by the post itself */
#define SVM_AI_JOB_OUTPUT_MAX 1024u    /* output bytes revealed and kept on chain */
#define SVM_AI_TEE_EVIDENCE_MAX 8192u  /* a VCR's TEE evidence: kind byte + report/quote + key cert */
#define SVM_AI_WORKER_GAS_MAX 10000000000ull /* a worker's own gas limit for one inference */
/* The fee tier of the SWR/AIC pool (the AMM, econ.h) a devnet's genesis seeds and the CLI buys
 * AIC from (`supervm job post --buy-aic`). */
#define SVM_AI_POOL_FEE_BPS 30u

/* post arguments. input_mode 0: input inline (≤ SVM_AI_INPUT_INLINE_MAX); 1: input is the chunk
 * input_chunk (stored with put_chunk). input_hash = SHA-256(input) either way. level: the
 * verification the job pays for (0 standard, 1 auditable, 2 high-value: supervm/verify.h), the
 * payload's last byte. */
typedef struct {
	svm_id_t model;
	svm_hash_t input_hash;
	uint8_t input_mode;
	const uint8_t *input;
	size_t input_len;
	svm_id_t input_chunk;
	uint64_t units, max_price, sla_blocks, commit_deadline, min_jobs_done;
	uint8_t replicas;
	uint8_t level;
} svm_ai_post_t;
int svm_ai_post_payload(svm_buf_t *out, const svm_ai_post_t *p);
/* Methods with only a job id (accept, settle, challenge, claim), commit and register. */
int svm_ai_job_payload(svm_buf_t *out, uint64_t method, const svm_id_t *job);
int svm_ai_commit_payload(svm_buf_t *out, const svm_id_t *job, const svm_hash_t *commitment);
int svm_ai_provider_register_payload(svm_buf_t *out, uint64_t bond);
int svm_ai_unbond_payload(svm_buf_t *out, uint64_t amount);
int svm_ai_withdraw_payload(svm_buf_t *out);
/* dispute: job ‖ provider ‖ model ‖ input_hash — the challenger names the environment the
 * provider's trace runs in; the chain checks it against the job and opens a program 19 claim
 * (svm_dispute_job_claim_id, supervm/verify.h). */
int svm_ai_dispute_payload(svm_buf_t *out, const svm_id_t *job, const svm_id_t *provider,
			   const svm_id_t *model, const svm_hash_t *input_hash);

/* TEE evidence in a VCR (empty, or u8 kind ‖ body): kind 1 = an SEV-SNP report (0x4A0 bytes) ‖
 * its VCEK/VLEK certificate (DER; the ASK/ARK chain comes from chain state), kind 2 = a TDX DCAP
 * quote, exactly (its PCK chain inside; TCB info, QE identity and CRLs from chain state). */
enum { SVM_AI_TEE_SNP = 1, SVM_AI_TEE_TDX = 2 };

/* A trace commitment (docs/bisection.md): the Merkle root over the state hashes at steps 0, K,
 * 2K, … and S, with K, S and the final state hash, which a dispute opens against. */
typedef struct {
	bool present;
	svm_hash_t root;
	uint64_t k, steps;
	svm_hash_t final_state;
} svm_ai_trace_t;

/* The verifiable compute receipt (VCR) v2, written at reveal (layout in docs/ai-market.md). */
typedef struct {
	svm_id_t job, provider, model;
	svm_hash_t input_hash, weights_hash, code_hash, output_hash;
	uint64_t seed;
	uint8_t level;             /* the level the receipt meets, checked by the chain at reveal */
	const uint8_t *tee;        /* TEE evidence (see above), ≤ SVM_AI_TEE_EVIDENCE_MAX */
	size_t tee_len;
	svm_ai_trace_t trace;
	uint8_t scheme;
	uint8_t public_key[32];
	uint8_t signature[64];
} svm_ai_vcr_t;
/* The signed message: "svm/ai/vcr" ‖ the encoding up to (not including) the scheme byte.
 * decode: version 2 only; level ≤ 2, a level ≥ 1 with a trace, level 2 with TEE evidence, a
 * known evidence kind, trace present byte 0/1 with K ≥ 1 and S ≥ 1 (absent: nothing follows). */
int svm_ai_vcr_encode(const svm_ai_vcr_t *v, bool signed_part_only, svm_buf_t *out);
int svm_ai_vcr_decode(const uint8_t *p, size_t len, svm_ai_vcr_t *v);
/* reveal: job ‖ varint output_len ‖ output ‖ salt (32) ‖ u8 level ‖ varint tee_len ‖ tee ‖
 * trace (u8 present ‖ root ‖ u64be K ‖ u64be S ‖ final state) ‖ signature (64) over the VCR the
 * chain will write (the worker builds it with the job's hashes). tee/trace may be NULL/absent. */
int svm_ai_reveal_payload(svm_buf_t *out, const svm_id_t *job, const uint8_t *output,
			  size_t output_len, const uint8_t salt[32], uint8_t level, const uint8_t *tee,
			  size_t tee_len, const svm_ai_trace_t *trace, const uint8_t sig[64]);

/* Job and provider records as stored (decoded views for queries and tests). */
enum { SVM_AI_JOB_OPEN = 1, SVM_AI_JOB_PENDING = 2, SVM_AI_JOB_CLOSED = 3 };
enum { SVM_AI_SLOT_ACCEPTED = 1, SVM_AI_SLOT_COMMITTED = 2, SVM_AI_SLOT_REVEALED = 3 };
/* A job's challenge field: the re-execution challenge (none, won, lost; one per job). The
 * summary svm_ai_job_challenge adds the disputes: disputed while a bisection dispute is being
 * played (program 19; claim waits for every one), won when one proved a slot's trace wrong,
 * lost when every one was lost. */
enum {
	SVM_AI_CHALLENGE_NONE = 0,
	SVM_AI_CHALLENGE_WON = 1,
	SVM_AI_CHALLENGE_LOST = 2,
	SVM_AI_CHALLENGE_DISPUTED = 3
};
/* Bisection disputes open at once against one job's traces (any challengers, any slots; one per
 * challenger and slot): each is its own program 19 game, decided on its own. While all of them
 * are open the job's challenge window stands still (paused_blocks), so a provider colluding with
 * sybil challengers that fills them — a bond each, burned when they lose — delays the window
 * and never closes it on an honest challenger (docs/bisection.md). */
#define SVM_AI_JOB_DISPUTES_MAX 32u
typedef struct {
	svm_id_t provider;
	uint8_t state;
	svm_hash_t commitment, output_hash;
	uint64_t accept_height, reveal_height;
	uint32_t output_len;
	uint8_t output[SVM_AI_JOB_OUTPUT_MAX];
	bool proven_wrong; /* a dispute proved this slot's trace wrong: its output no longer counts */
	svm_id_t prover;   /* the challenger of the first dispute that proved it (paid its slash) */
} svm_ai_slot_t;
/* An open bisection dispute of one slot's trace: its claim is
 * svm_dispute_job_claim_id(job, the slot's provider, challenger). */
typedef struct {
	uint8_t slot; /* index into slots */
	svm_id_t challenger;
	uint64_t bond; /* SWR it put up, held by the job's account until the game is decided */
} svm_ai_dispute_ref_t;
typedef struct {
	svm_id_t poster, model;
	svm_hash_t input_hash;
	svm_hash_t weights_hash, code_hash; /* the model's, copied at post (the VCR binds them) */
	uint8_t input_mode;
	uint32_t input_len;
	uint8_t input[SVM_AI_INPUT_INLINE_MAX];
	svm_id_t input_chunk;
	uint64_t units, price, sla_blocks, commit_deadline, min_jobs_done, posted_height;
	uint8_t replicas, state, challenge;
	uint8_t level; /* the verification level the job pays for (supervm/verify.h) */
	uint64_t settle_height;
	svm_hash_t result_hash; /* zero: no majority */
	svm_hash_t wrong_hash;  /* a won challenge or dispute: the output it overturned */
	svm_id_t challenger;     /* of the re-execution challenge */
	uint64_t challenge_bond; /* SWR it put up (returned with a won challenge) */
	uint64_t disputes_opened; /* bisection disputes ever opened (a re-execution excludes them) */
	uint8_t disputes_len;     /* open ones */
	svm_ai_dispute_ref_t disputes[SVM_AI_JOB_DISPUTES_MAX];
	uint64_t paused_blocks; /* blocks the challenge window stood still with every dispute open */
	uint64_t full_since;    /* the height the open disputes last reached the bound (0 unless) */
	uint8_t slots_len;
	svm_ai_slot_t slots[SVM_AI_REPLICAS_MAX];
} svm_ai_job_t;
typedef struct {
	uint64_t bond, jobs_done, disputes_lost, missed_deadlines, late, latency_blocks_sum;
	uint64_t open_jobs;      /* jobs holding a slot of this provider, not yet closed */
	uint64_t unbonding;      /* SWR leaving the bond (still slashable) */
	uint64_t release_height; /* from this height `unbonding` may be withdrawn */
} svm_ai_provider_t;
int svm_ai_job_decode(const uint8_t *p, size_t len, svm_ai_job_t *j);
/* The challenge summary (SVM_AI_CHALLENGE_*): disputed while a dispute is open, won when the
 * re-execution or a dispute won, lost when the re-execution or every dispute lost, else none. */
uint8_t svm_ai_job_challenge(const svm_ai_job_t *j);
/* Whether a pending job may be claimed before its challenge window ends: no dispute open, and
 * the re-execution challenge won or every revealed slot's trace was proven wrong (nothing is
 * left to dispute). */
bool svm_ai_job_claim_early(const svm_ai_job_t *j);
/* The blocks the challenge window has stood still as of height `now`: paused_blocks and the
 * current stretch while every dispute entry is open. The window ends at settle_height + the
 * level's window + this. */
uint64_t svm_ai_job_window_paused(const svm_ai_job_t *j, uint64_t now);
/* The open dispute of challenger against slot `slot`, or -1. */
int svm_ai_job_dispute_find(const svm_ai_job_t *j, uint32_t slot, const svm_id_t *challenger);
int svm_ai_job_encode(const svm_ai_job_t *j, svm_buf_t *out);
int svm_ai_provider_decode(const uint8_t *p, size_t len, svm_ai_provider_t *r);

/* The objects a program 16 or 17 payload writes (unsorted, may repeat), for svm_native_access,
 * and those it only reads (manifests, chunks, code, the parameter object), for
 * svm_native_reads; either array may be NULL (then only counted against its max), and sender
 * too when only the reads are wanted (they do not depend on it). *complete
 * says whether the two sets are all the call touches besides the fee objects, so that it may be
 * sent with a strict declaration: true for every method but challenge and dispute (they also
 * read the model's chunks and code), claim (it also writes every slot's provider record and
 * balances) and a reveal carrying TEE evidence (it reads the pins, the collateral the evidence
 * names and the model's manifest), which run in dynamic mode. SVM_EDECODE for a malformed payload, SVM_ELIMIT past
 * max or rmax (a manifest of more chunks than fit: send it dynamic). */
int svm_ai_access(const svm_id_t *sender, uint64_t nonce, const uint8_t *payload, size_t len,
		  svm_id_t *writes, size_t max, size_t *n, svm_id_t *reads, size_t rmax, size_t *nr,
		  bool *complete);

/* Run the programs (called by svm_native_execute for programs 16 and 17). */
int svm_ai_models_execute(svm_txctx_t *c, const uint8_t *payload, size_t len);
int svm_ai_jobs_execute(svm_txctx_t *c, const uint8_t *payload, size_t len);

#endif

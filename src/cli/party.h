/* A dispute party's machine and moves, shared by `supervm dispute` (cmd_verify.c) and the AI
 * worker and `job dispute` (cmd_ai.c): a module run in the canonical stepper — a claim's export
 * with its arguments, or an AI job's inference with the job's model weights and input as the
 * host environment — its trace commitment (checkpoints every K steps) and one move of either
 * side of a bisection game read from the chain (docs/bisection.md). Every move is recomputed
 * from the module and the game the chain holds, so a restarted party continues where the chain
 * is. corrupt_at makes the machine add 1 to the top of the value stack after that step (tests:
 * a party built to cheat). */
#ifndef SUPERVM_CLI_PARTY_H
#define SUPERVM_CLI_PARTY_H

#include "cli.h"
#include "supervm/ai.h"
#include "supervm/verify.h"

#define CLI_PARTY_MODULE_MAX (4u << 20)      /* bytes of a module a party loads */
#define CLI_PARTY_CHECKPOINTS_MAX (1u << 22) /* checkpoints of one local trace */
#define CLI_PARTY_LIE_SEARCH 4000u           /* steps tried for a lie that changes the output */

/* The checkpoints of one party's run kept across moves (cli_party_cache): its trace at K and
 * machine snapshots at evenly spaced checkpoints, so that a move of a long game runs from the
 * nearest snapshot instead of from step 0. At most CLI_PARTY_SNAPSHOTS_MAX snapshots and
 * CLI_PARTY_SNAPSHOT_BYTES_MAX bytes of them: past either, every other one is dropped and the
 * spacing doubles. */
#define CLI_PARTY_SNAPSHOTS_MAX 256u
#define CLI_PARTY_SNAPSHOT_BYTES_MAX (256ull << 20)
typedef struct cli_party_cache cli_party_cache_t;

typedef struct {
	svm_buf_t code;
	svm_hash_t code_hash;
	svm_wasm_module_t *m;
	char entry[SVM_DISPUTE_ENTRY_MAX + 1];
	uint64_t args[SVM_DISPUTE_ARGS_MAX];
	uint32_t nargs;
	uint64_t gas;
	uint64_t corrupt_at; /* 0: honest */
	bool has_env;        /* an AI job: the host environment below */
	svm_buf_t weights, input;
	svm_step_env_t env;
	cli_party_cache_t *cache; /* NULL: every move runs from step 0 */
} cli_party_t;

/* Frees p's module, buffers and cache. */
void cli_party_free(cli_party_t *p);
/* Keeps p's checkpoints across moves from now on (set up the run first: the cache is of this
 * module, export, arguments and corruption); count_only keeps nothing and only counts the work
 * (the measurement's baseline). SVM_ENOMEM, or 0. */
int cli_party_cache(cli_party_t *p, bool count_only);
/* Machines started and steps executed since cli_party_cache (0 without it). */
void cli_party_work(const cli_party_t *p, uint64_t *runs, uint64_t *steps);
/* Decodes p->code with the AI VM's configuration (what the chain uses) and hashes it; `what`
 * names the module in errors. */
int cli_party_decode(cli_args_t *a, cli_party_t *p, const char *what);
/* Makes p an AI job's run: export "infer", no arguments, SVM_DISPUTE_JOB_GAS, the environment
 * from p->weights and p->input (set them first). */
void cli_party_as_job(cli_party_t *p);
/* The job's model (manifest, weights from its chunks, inference module) and input read from the
 * node (svm_aiGetObject), each checked against the hashes the job holds; p becomes the job's
 * run (cli_party_as_job). */
int cli_party_from_job(cli_args_t *a, svm_rpc_client_t *c, const svm_ai_job_t *j, cli_party_t *p);

/* A new machine at the run's entry. */
int cli_party_machine(cli_args_t *a, const cli_party_t *p, svm_step_t **s);
/* Runs s to step x (or its end), corrupting as p says. */
int cli_party_run_to(const cli_party_t *p, svm_step_t *s, uint64_t x);
/* A machine at step x (or the run's end, if sooner): from p's nearest cached snapshot at or
 * before x, else from the entry. */
int cli_party_machine_at(cli_args_t *a, const cli_party_t *p, uint64_t x, svm_step_t **s);
/* The whole trace: checkpoints every k to the end, their root, S. */
int cli_party_trace(cli_args_t *a, const cli_party_t *p, uint64_t k, svm_trace_t *t);
/* The run's end: its output (machines with an environment; out may be NULL) and, when core is
 * not NULL, its final state's core (svm_step_core). SVM_ESTATE unless the run finished. */
int cli_party_final(cli_args_t *a, const cli_party_t *p, svm_buf_t *out, svm_buf_t *core);
/* The first step at or after `from` whose corruption still finishes the run with an output
 * other than honest's (at most CLI_PARTY_LIE_SEARCH tried): a worker built to lie about an
 * answer in a way only bisection can find. 0 when there is none. */
uint64_t cli_party_lying_step(cli_args_t *a, const cli_party_t *p, uint64_t from,
			      const svm_buf_t *honest);

/* Signs and submits a native payload (dynamic access) and waits for its receipt; 0 only when
 * it succeeded (the payload is consumed). */
int cli_party_tx(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp, svm_buf_t *p,
		 const char *what, uint8_t *ret32);
/* The claim from the node (svm_getDispute's raw record) and, when head is not NULL, the head
 * height. */
int cli_dispute_fetch(cli_args_t *a, svm_rpc_client_t *c, const svm_id_t *id, svm_dispute_t *d,
		      uint64_t *head);

/* What cli_dispute_move did. */
enum { CLI_MOVE_NONE = 0,
       CLI_MOVE_MADE = 1,
       CLI_MOVE_TIMEOUT = 2 };
/* At most one transaction of kp's side of dispute d (id) at height head: the claimant opens a
 * job's trace (await_open), reveals or proves; the challenger picks; a party whose opponent is
 * past its deadline sends the timeout. *did says which; nothing when it is not kp's move. */
int cli_dispute_move(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp,
		     const cli_party_t *p, const svm_id_t *id, const svm_dispute_t *d, uint64_t head,
		     int *did);

#endif

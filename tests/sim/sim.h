/* The consensus simulator's interface (tests/sim/sim.c): run one seeded scenario. */
#ifndef SUPERVM_TESTS_SIM_H
#define SUPERVM_TESTS_SIM_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
	uint32_t n;                /* validators (identities), 1..12 */
	uint32_t twins;            /* identities 0..twins-1 get a second instance (faulty) */
	bool crashes;              /* crash and restart instances from their safety record */
	bool equal_stake;          /* all stakes 1 (else 1..3) */
	uint64_t chain_id;
	uint64_t round_timeout_ms; /* base round timeout, simulated */
	bool verbose;              /* print every instance's state on a violation */
	bool reputation;           /* leader reputation on */
	bool real_crypto;          /* Ed25519 signatures and VRF proofs (slow) instead of the stand-in */
	int32_t dead;              /* an identity that never starts (-1: none) */
	uint32_t dead_extra;       /* with dead >= 0: so do the next dead_extra identities (mod n) */
	uint64_t run_ms;           /* with dead >= 0: stop at this simulated time */
	bool trace;                /* print every delivery, tick, crash and restart (and debug logs) */
	uint64_t epoch_blocks;     /* > 0: the validator set changes at every committed height that
				      is a multiple of it (stakes rotate; with n >= 5 the last
				      identity leaves in odd epochs) and each instance starts the
				      next epoch on that block, as the node does */
	bool sessions;             /* transport sessions as the node has them: a crashed instance's
				      sessions close at once (the others' cores are told: svm_cons_peer
				      down), a restarted one's come up 1..20 ms after its start (both
				      sides told: up) and nothing reaches or leaves it before; a
				      message sent before a restart never reaches the new instance */
	bool restart_all;          /* every running instance crashes at one moment (20..30 round
				      timeouts in, at the partitions' end or later) and restarts
				      within a round timeout; the liveness bound counts from then */
} sim_opts_t;

typedef struct {
	bool violated;
	char why[256];
	uint64_t steps, messages, commits, restarts, syncs, sim_ms, height;
	uint64_t by_tag[8]; /* messages sent by tag - 0x10 */
	uint64_t rounds, tcs; /* highest round reached by an honest instance; TCs formed */
	uint64_t epochs;      /* highest epoch an honest instance reached */
	uint64_t eproofs;     /* commit proofs of epochs' last blocks made and verified */
	uint64_t eproofs_up;  /* of those, for a block committed below its 2-chain's (headers > 0) */
	uint64_t core_commits; /* blocks honest cores committed (not the hosts' block sync) */
	uint64_t commit_qcs;   /* of those, handed the QC that certifies them (checked valid) */
	uint64_t commit_proofs; /* of the others, with a commit proof made at commit (checked valid) */
	uint64_t late_qcs;     /* QCs handed over later (host.certified) for blocks committed without */
	uint64_t peer_events;  /* svm_cons_peer calls (sessions) */
	/* Late votes (docs/consensus.md): honest proposals whose grandparent was voted in their
	 * epoch; of those, the ones carrying a late QC (checked valid); the signers of those late
	 * QCs and of the same proposals' parent QCs. */
	uint64_t lv_props, lv_carried, lv_signers, lv_parent_signers;
} sim_result_t;

/* Runs the scenario of seed; fills res. Returns 0 (a violation is reported in res, not as an
 * error), -1 when out of memory. */
int sim_run(const sim_opts_t *o, uint64_t seed, sim_result_t *res);

#endif

/* The node's Prometheus metrics (metrics.c; docs/ecosystem.md): block production figures the
 * producer records, and the text exposition served on GET /metrics of the RPC port. Not a
 * public header. */
#ifndef SUPERVM_NODE_METRICS_H
#define SUPERVM_NODE_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "supervm/base.h"
#include "supervm/chain.h"

#define NODE_METRICS_BUCKETS 13
#define NODE_SUPPLY_TOKENS 2 /* SWR, AIC */ /* block time histograms: 1 ms .. 10 s, then +Inf */

typedef struct {
	uint64_t bucket[NODE_METRICS_BUCKETS]; /* non-cumulative counts per upper bound */
	uint64_t count;
	uint64_t sum_ns;
} node_histogram_t;

typedef struct {
	node_histogram_t build;    /* building, executing and committing one block */
	node_histogram_t interval; /* between two consecutive commits */
	uint64_t last_commit_ns;
	uint64_t left_out_limit;   /* candidates left for the next block (block limits) */
	uint64_t left_out_invalid; /* candidates the builder refused */
	/* SWR and AIC supply after the last block, and what this node saw burned and minted since it
	 * started: the sums of the supply's decreases and increases between its blocks (burned: fees
	 * less the treasury's share, burns, slashing, AIC spent; minted: the staking epochs' issuance
	 * and any other mint). A block that does both counts only its net change. */
	uint64_t supply[NODE_SUPPLY_TOKENS];
	uint64_t burned[NODE_SUPPLY_TOKENS];
	uint64_t minted[NODE_SUPPLY_TOKENS];
	bool supply_known;
	/* finality: a committed block's timestamp (set by its proposer) to its commit here */
	node_histogram_t finality;
	uint64_t last_round;     /* round of the last block committed here in this epoch (0: none) */
	uint64_t rounds_skipped; /* rounds between two committed blocks whose own block never committed */
	/* execution of the committed blocks (svm_block_stats_t): transactions by engine (DAG, STM,
	 * sequential), failed validations, re-executions, blocks that fell back to sequential */
	uint64_t exec_txs[3], exec_aborts, exec_reexecutions, exec_fallbacks;
} node_metrics_t;

typedef struct svm_node svm_node_t;

/* Records one committed block (call with the node's mu held). */
void node_metrics_block(node_metrics_t *m, uint64_t commit_ns, uint64_t build_ns, uint64_t left_invalid,
			uint64_t left_limit);
/* Records a block committed by consensus (call with the node's mu held): its finality latency
 * (now_wall_ms − block_ts_ms, 0 under clock skew) and the rounds since the previous committed
 * block that committed nothing (a round below or equal to the last one starts a new epoch), and
 * what its execution did (exec: the chain's stats of that block, svm_chain_last_stats). */
void node_metrics_commit(node_metrics_t *m, uint64_t now_wall_ms, uint64_t block_ts_ms, uint64_t round,
			 const svm_block_stats_t *exec);
/* Records the SWR and AIC supply after a committed block (call with the node's mu held): a
 * decrease since the previous block is added to burned, an increase to minted. */
void node_metrics_supply(node_metrics_t *m, const uint64_t supply[NODE_SUPPLY_TOKENS]);
/* The GET handler of the RPC server: /metrics in the Prometheus text format; 404 elsewhere. */
int node_metrics_get(void *ctx, const char *path, svm_buf_t *out, const char **content_type);
/* The block explorer's static files under /explorer (explorer.c): the HTTP status (200, or 404
 * for a path it does not serve, leaving out and *content_type alone). */
int node_explorer_get(const char *path, svm_buf_t *out, const char **content_type);

#endif

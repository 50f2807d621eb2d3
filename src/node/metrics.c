/* The node's Prometheus metrics, served on GET /metrics of the RPC port in the text exposition
 * format (version 0.0.4). Names follow Prometheus conventions: the supervm_ prefix, base units
 * (seconds, bytes), _total for counters. Block figures are recorded by the producer under the
 * node's mutex; mempool, RPC, consensus status and peer figures are read from their own
 * counters at scrape time. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const double bucket_s[NODE_METRICS_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
						      0.25,  0.5,    1,     2.5,  5,     10};

_Static_assert(sizeof bucket_s / sizeof bucket_s[0] == NODE_METRICS_BUCKETS, "one bound per bucket");

static void observe(node_histogram_t *h, uint64_t ns)
{
	for (size_t b = 1; SVM_ASSERT_ON && b < NODE_METRICS_BUCKETS; b++)
		SVM_ASSERT(bucket_s[b - 1] < bucket_s[b]); /* the first bucket that holds ns is its le */
	h->count++;
	h->sum_ns += ns;
	for (size_t b = 0; b < NODE_METRICS_BUCKETS; b++)
		if ((double)ns <= bucket_s[b] * 1e9) {
			h->bucket[b]++;
			break;
		}
}

void node_metrics_block(node_metrics_t *m, uint64_t commit_ns, uint64_t build_ns, uint64_t left_invalid,
			uint64_t left_limit)
{
	observe(&m->build, build_ns);
	if (m->last_commit_ns != 0 && commit_ns > m->last_commit_ns) observe(&m->interval, commit_ns - m->last_commit_ns);
	m->last_commit_ns = commit_ns;
	m->left_out_invalid += left_invalid;
	m->left_out_limit += left_limit;
	SVM_ASSERT(m->interval.count < m->build.count || m->build.count == 0); /* intervals between blocks */
}

void node_metrics_supply(node_metrics_t *m, const uint64_t supply[NODE_SUPPLY_TOKENS])
{
	for (size_t i = 0; i < NODE_SUPPLY_TOKENS; i++) {
		if (m->supply_known && supply[i] < m->supply[i]) m->burned[i] += m->supply[i] - supply[i];
		if (m->supply_known && supply[i] > m->supply[i]) m->minted[i] += supply[i] - m->supply[i];
		m->supply[i] = supply[i];
	}
	m->supply_known = true;
	_Static_assert(NODE_SUPPLY_TOKENS == 2, "the supply families name SWR (0) and AIC (1)");
}

void node_metrics_commit(node_metrics_t *m, uint64_t now_wall_ms, uint64_t block_ts_ms, uint64_t round,
			 const svm_block_stats_t *exec)
{
	m->exec_txs[0] += exec->exec_dag_txs;
	m->exec_txs[1] += exec->exec_stm_txs;
	m->exec_txs[2] += exec->exec_seq_txs;
	m->exec_aborts += exec->exec_aborts;
	m->exec_reexecutions += exec->exec_reexecutions;
	m->exec_fallbacks += exec->exec_fallbacks;
	observe(&m->finality, now_wall_ms > block_ts_ms ? (now_wall_ms - block_ts_ms) * 1000000ull : 0);
	if (m->last_round != 0 && round > m->last_round + 1) m->rounds_skipped += round - m->last_round - 1;
	m->last_round = round;
}

static int histogram(svm_buf_t *out, const char *name, const char *help, const node_histogram_t *h)
{
	int rc = svm_buf_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	uint64_t cum = 0;
	for (size_t b = 0; rc == 0 && b < NODE_METRICS_BUCKETS; b++) {
		cum += h->bucket[b];
		rc = svm_buf_printf(out, "%s_bucket{le=\"%g\"} %llu\n", name, bucket_s[b], (unsigned long long)cum);
	}
	/* cumulative buckets end at most at the count (+Inf holds the rest) */
	SVM_ASSERT(rc != 0 || cum <= h->count);
	if (rc == 0)
		rc = svm_buf_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.9f\n%s_count %llu\n", name,
				    (unsigned long long)h->count, name, (double)h->sum_ns / 1e9, name,
				    (unsigned long long)h->count);
	return rc;
}

static int metric(svm_buf_t *out, const char *name, const char *type, const char *help, double v)
{
	return svm_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name, v);
}

/* Consensus and peer families: the core's status as of its last step, finality and skipped
 * rounds from the commits, the transport's per-peer counters (a peer's series start at 0 when
 * it connects: a reset to Prometheus) and its node-wide ones. */
static int consensus_families(svm_node_t *n, const node_metrics_t *m, svm_buf_t *out)
{
	svm_cons_status_t st = {0};
	svm_net_t *net = NULL;
	uint64_t slow_steps = 0;
	bool running = node_vc_metrics_view(n, &st, &slow_steps, &net);
	int rc = histogram(out, "supervm_block_finality_seconds",
			   "Time from a block's proposal (its timestamp) to its commit on this node.", &m->finality);
	if (rc == 0)
		rc = metric(out, "supervm_consensus_rounds_skipped_total", "counter",
			    "Rounds between two committed blocks whose own block never committed (a timeout or an "
			    "orphaned proposal).",
			    (double)m->rounds_skipped);
	if (rc == 0 && running) {
		const struct {
			const char *name, *help;
			uint64_t v;
		} g[] = {
			{"supervm_consensus_epoch", "The consensus epoch (validator set) this node is in.", st.epoch},
			{"supervm_consensus_round", "The round the consensus core is in.", st.round},
			{"supervm_consensus_committed_height", "Height of the last block consensus committed.",
			 st.committed_height},
			{"supervm_consensus_highest_qc_round", "Round of the highest quorum certificate seen.", st.hqc_round},
			{"supervm_consensus_highest_tc_round", "Round of the highest timeout certificate seen (0: none).",
			 st.htc_round},
			{"supervm_consensus_last_voted_round", "The last round this validator voted in.", st.last_voted_round},
			{"supervm_consensus_conflicting_qcs",
			 "QCs seen that would commit off the committed chain (non-zero: more than f validators are faulty).",
			 st.conflicts},
		};
		for (size_t i = 0; rc == 0 && i < sizeof g / sizeof g[0]; i++)
			rc = metric(out, g[i].name, "gauge", g[i].help, (double)g[i].v);
		if (rc == 0)
			rc = metric(out, "supervm_consensus_slow_steps_total", "counter",
				    "Wake-ups of the consensus thread that took over 50 ms (each is logged at info with "
				    "where its time went: safety records, commits, execution, ...).",
				    (double)slow_steps);
	}
	svm_net_peer_info_t peers[SVM_NET_PEERS_MAX];
	size_t k = net != NULL ? svm_net_peers(net, peers, SVM_NET_PEERS_MAX) : 0;
	if (k > SVM_NET_PEERS_MAX) k = SVM_NET_PEERS_MAX;
	if (rc == 0) rc = metric(out, "supervm_peers", "gauge", "Peers connected to this node.", (double)k);
	const char *fam[2] = {"supervm_peer_messages_total", "supervm_peer_bytes_total"};
	for (int f = 0; rc == 0 && f < 2; f++) {
		rc = svm_buf_printf(out, "# HELP %s %s exchanged with a connected peer, by direction.\n# TYPE %s counter\n",
				    fam[f], f == 0 ? "Messages" : "Bytes", fam[f]);
		for (size_t i = 0; rc == 0 && i < k; i++) {
			char id[65];
			svm_hash_hex(&peers[i].id, id);
			rc = svm_buf_printf(out, "%s{peer=\"%s\",direction=\"in\"} %llu\n%s{peer=\"%s\",direction=\"out\"} %llu\n",
					    fam[f], id, (unsigned long long)(f == 0 ? peers[i].msgs_in : peers[i].bytes_in),
					    fam[f], id, (unsigned long long)(f == 0 ? peers[i].msgs_out : peers[i].bytes_out));
		}
	}
	svm_net_stats_t ns = {0};
	if (net != NULL) svm_net_stats(net, &ns);
	if (rc == 0)
		rc = svm_buf_printf(out,
				    "# HELP supervm_net_handshakes_total Peer handshakes, by result.\n"
				    "# TYPE supervm_net_handshakes_total counter\n"
				    "supervm_net_handshakes_total{result=\"ok\"} %llu\n"
				    "supervm_net_handshakes_total{result=\"failed\"} %llu\n"
				    "# HELP supervm_net_events_total Transport events: misbehaving peers disconnected, gossip "
				    "dropped, reads throttled, bans.\n"
				    "# TYPE supervm_net_events_total counter\n"
				    "supervm_net_events_total{event=\"disconnect_misbehaved\"} %llu\n"
				    "supervm_net_events_total{event=\"gossip_dropped\"} %llu\n"
				    "supervm_net_events_total{event=\"throttled\"} %llu\n"
				    "supervm_net_events_total{event=\"ban\"} %llu\n",
				    (unsigned long long)ns.handshakes_ok, (unsigned long long)ns.handshakes_failed,
				    (unsigned long long)ns.disconnects_misbehaved, (unsigned long long)ns.dropped_gossip,
				    (unsigned long long)ns.throttled, (unsigned long long)ns.bans);
	return rc;
}

/* Everything but the RPC server's own families. */
static int node_families(svm_node_t *n, svm_buf_t *out)
{
	svm_mempool_stats_t ms;
	svm_mempool_stats(n->mempool, &ms);
	uint64_t granted, refused, ws_conns, ws_dropped;
	node_faucet_counts(n, &granted, &refused);
	node_subs_counts(n, &ws_conns, &ws_dropped);
	pthread_mutex_lock(&n->mu);
	node_metrics_t m = n->metrics;
	uint64_t blocks = n->blocks_produced, txs = n->txs_committed;
	pthread_mutex_unlock(&n->mu);
	int rc = svm_buf_printf(out,
				"# HELP supervm_chain_info The chain this node serves (value 1).\n"
				"# TYPE supervm_chain_info gauge\nsupervm_chain_info{chain_id=\"%llu\",devnet=\"%s\"} 1\n",
				(unsigned long long)n->chain_id, n->cfg.devnet ? "true" : "false");
	if (rc == 0) rc = metric(out, "supervm_chain_height", "gauge", "Height of the last committed block.",
				 (double)atomic_load(&n->head_height));
	if (rc == 0) rc = metric(out, "supervm_blocks_produced_total", "counter", "Blocks this node built and committed.", (double)blocks);
	if (rc == 0)
		rc = metric(out, "supervm_transactions_committed_total", "counter",
			    "Transactions included in blocks this node built.", (double)txs);
	if (rc == 0)
		rc = metric(out, "supervm_transactions_per_second", "gauge",
			    "Committed transactions per second over the last ~10 s of blocks.", svm_node_tx_rate(n));
	if (rc == 0)
		rc = svm_buf_printf(out,
				    "# HELP supervm_transactions_left_out_total Candidates the block builder did not include, by reason.\n"
				    "# TYPE supervm_transactions_left_out_total counter\n"
				    "supervm_transactions_left_out_total{reason=\"invalid\"} %llu\n"
				    "supervm_transactions_left_out_total{reason=\"block_limit\"} %llu\n",
				    (unsigned long long)m.left_out_invalid, (unsigned long long)m.left_out_limit);
	if (rc == 0)
		rc = histogram(out, "supervm_block_build_seconds",
			       "Time to build, execute and commit one block (the producer's slot work).", &m.build);
	if (rc == 0)
		rc = histogram(out, "supervm_block_interval_seconds", "Time between two consecutive block commits.",
			       &m.interval);
	if (rc == 0) rc = metric(out, "supervm_mempool_transactions", "gauge", "Transactions pending in the mempool.", (double)ms.count);
	if (rc == 0) rc = metric(out, "supervm_mempool_bytes", "gauge", "Encoded bytes pending in the mempool.", (double)ms.bytes);
	if (rc == 0) rc = metric(out, "supervm_mempool_senders", "gauge", "Distinct senders with pending transactions.", (double)ms.senders);
	if (rc == 0)
		rc = svm_buf_printf(out,
				    "# HELP supervm_mempool_events_total Mempool admissions and removals, by kind.\n"
				    "# TYPE supervm_mempool_events_total counter\n"
				    "supervm_mempool_events_total{event=\"admitted\"} %llu\n"
				    "supervm_mempool_events_total{event=\"rejected\"} %llu\n"
				    "supervm_mempool_events_total{event=\"evicted\"} %llu\n"
				    "supervm_mempool_events_total{event=\"pruned\"} %llu\n"
				    "supervm_mempool_events_total{event=\"included\"} %llu\n",
				    (unsigned long long)ms.admitted, (unsigned long long)ms.rejected,
				    (unsigned long long)ms.evicted, (unsigned long long)ms.pruned,
				    (unsigned long long)ms.included);
	if (rc == 0)
		rc = svm_buf_printf(out,
				    "# HELP supervm_faucet_requests_total Devnet faucet requests, by result.\n"
				    "# TYPE supervm_faucet_requests_total counter\n"
				    "supervm_faucet_requests_total{result=\"granted\"} %llu\n"
				    "supervm_faucet_requests_total{result=\"refused\"} %llu\n",
				    (unsigned long long)granted, (unsigned long long)refused);
	for (size_t i = 0; rc == 0 && m.supply_known && i < NODE_SUPPLY_TOKENS; i++) {
		const char *tok = i == 0 ? "SWR" : "AIC";
		if (i == 0)
			rc = svm_buf_printf(out, "# HELP supervm_token_supply Supply of a ledger token after the last block, in "
						 "base units (10^-9 SWR or AIC).\n# TYPE supervm_token_supply gauge\n");
		if (rc == 0) rc = svm_buf_printf(out, "supervm_token_supply{token=\"%s\"} %llu\n", tok, (unsigned long long)m.supply[i]);
	}
	for (size_t i = 0; rc == 0 && m.supply_known && i < NODE_SUPPLY_TOKENS; i++) {
		const char *tok = i == 0 ? "SWR" : "AIC";
		if (i == 0)
			rc = svm_buf_printf(out, "# HELP supervm_token_burned_total Base units of a ledger token burned in the "
						 "blocks this node committed (SWR: metered fees, burns, slashing; AIC: compute "
						 "credits spent and burns).\n# TYPE supervm_token_burned_total counter\n");
		if (rc == 0)
			rc = svm_buf_printf(out, "supervm_token_burned_total{token=\"%s\"} %llu\n", tok, (unsigned long long)m.burned[i]);
	}
	for (size_t i = 0; rc == 0 && m.supply_known && i < NODE_SUPPLY_TOKENS; i++) {
		const char *tok = i == 0 ? "SWR" : "AIC";
		if (i == 0)
			rc = svm_buf_printf(out, "# HELP supervm_token_minted_total Base units of a ledger token minted in the "
						 "blocks this node committed (SWR: the staking epochs' issuance; AIC: credits "
						 "issued).\n# TYPE supervm_token_minted_total counter\n");
		if (rc == 0)
			rc = svm_buf_printf(out, "supervm_token_minted_total{token=\"%s\"} %llu\n", tok, (unsigned long long)m.minted[i]);
	}
	if (rc == 0)
		rc = svm_buf_printf(out,
				    "# HELP supervm_exec_transactions_total Transactions of committed blocks, by the engine that ran them (dag: scheduled from declared access, stm: optimistic, seq: sequential fallback or reference).\n"
				    "# TYPE supervm_exec_transactions_total counter\n"
				    "supervm_exec_transactions_total{engine=\"dag\"} %llu\n"
				    "supervm_exec_transactions_total{engine=\"stm\"} %llu\n"
				    "supervm_exec_transactions_total{engine=\"seq\"} %llu\n",
				    (unsigned long long)m.exec_txs[0], (unsigned long long)m.exec_txs[1],
				    (unsigned long long)m.exec_txs[2]);
	if (rc == 0)
		rc = metric(out, "supervm_exec_aborts_total", "counter",
			    "Failed validations of the optimistic engine (a read another transaction changed) in committed blocks.",
			    (double)m.exec_aborts);
	if (rc == 0)
		rc = metric(out, "supervm_exec_reexecutions_total", "counter",
			    "Transaction incarnations beyond the first (aborts and dependency waits) in committed blocks.",
			    (double)m.exec_reexecutions);
	if (rc == 0)
		rc = metric(out, "supervm_exec_fallbacks_total", "counter",
			    "Committed blocks that (in part) fell back to sequential execution after the abort bound.",
			    (double)m.exec_fallbacks);
	if (rc == 0) rc = consensus_families(n, &m, out);
	if (rc == 0) rc = metric(out, "supervm_ws_connections", "gauge", "Open WebSocket connections.", (double)ws_conns);
	if (rc == 0)
		rc = metric(out, "supervm_ws_dropped_total", "counter",
			    "WebSocket connections closed for being too slow to read their notifications.", (double)ws_dropped);
	return rc;
}

int node_metrics_get(void *ctx, const char *path, svm_buf_t *out, const char **content_type)
{
	svm_node_t *n = ctx;
	if (strncmp(path, "/explorer", 9) == 0) {
		int status = node_explorer_get(path, out, content_type);
		if (status != 404) return status;
	}
	if (strcmp(path, "/metrics") != 0) {
		*content_type = "text/plain; charset=utf-8";
		svm_buf_printf(out, "not found: GET /explorer for the block explorer, GET /metrics for Prometheus "
				    "metrics, POST JSON-RPC to any path\n");
		return 404;
	}
	*content_type = "text/plain; version=0.0.4; charset=utf-8";
	int rc = node_families(n, out);
	if (rc == 0 && n->rpc != NULL) rc = svm_rpc_server_metrics(n->rpc, out);
	return rc == 0 ? 200 : 500;
}

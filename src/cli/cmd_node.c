/* `supervm devnet` and `supervm node`: run a validator in the foreground until SIGINT/SIGTERM. */
#include <signal.h>
#include <string.h>

#include "cli.h"
#include "supervm/node.h"

static int set_log(cli_args_t *a)
{
	const char *l = cli_opt(a, "log");
	if (l == NULL) return 0;
	static const char *const names[] = {"debug", "info", "warn", "error"};
	for (int i = 0; i < 4; i++)
		if (strcmp(l, names[i]) == 0) {
			svm_log_set_level((svm_log_level_t)i);
			return 0;
		}
	return cli_fail(a, CLI_EXIT_USAGE, "--log must be debug, info, warn or error");
}

/* Blocks the stop signals in every thread (node threads inherit the mask), starts the node,
 * and waits for one of them here. */
static int run(cli_args_t *a, const svm_node_config_t *cfg, const char *banner_dir)
{
	sigset_t set;
	cli_block_stop_signals(&set);
	svm_node_t *n = NULL;
	svm_error_t err = {0};
	if (svm_node_start(&n, cfg, &err) != 0) return cli_fail(a, CLI_EXIT_FAIL, "%s", err.msg);
	char url[128];
	bool v6 = strchr(cfg->rpc_host, ':') != NULL;
	snprintf(url, sizeof url, "http://%s%s%s:%u", v6 ? "[" : "", cfg->rpc_host, v6 ? "]" : "",
		 svm_node_rpc_port(n));
	char ws[128] = "";
	if (svm_node_ws_port(n) != 0)
		snprintf(ws, sizeof ws, "ws://%s%s%s:%u", v6 ? "[" : "", cfg->ws_host[0] ? cfg->ws_host : "127.0.0.1",
			 v6 ? "]" : "", svm_node_ws_port(n));
	if (a->json) {
		printf("{\"rpc\":\"%s\",\"ws\":\"%s\",\"data_dir\":\"%s\"}\n", url, ws, cfg->data_dir);
	} else {
		printf("supervm %s: serving JSON-RPC on %s (data in %s)\n", a->cmd, url, cfg->data_dir);
		if (ws[0]) printf("supervm %s: WebSocket subscriptions on %s\n", a->cmd, ws);
		/* The hint names the URL actually served: the CLI's default is 127.0.0.1:8545. */
		bool dflt = strcmp(url, "http://127.0.0.1:8545") == 0;
		if (banner_dir)
			printf("faucet key: %s/keys/faucet.json; try: supervm %s%s%sstatus (or export SUPERVM_RPC=%s)\n",
			       banner_dir, dflt ? "" : "--rpc ", dflt ? "" : url, dflt ? "" : " ", url);
		else if (!dflt)
			printf("try: supervm --rpc %s status\n", url);
		if (banner_dir) { /* as local Ethereum dev nodes do: funded keys for ethers.js & co */
			printf("Ethereum JSON-RPC on %s (chain id %llu); dev accounts funded at genesis "
			       "(%llu SWR = 10^24 wei each; public keys, test use only):\n",
			       url, (unsigned long long)SVM_NODE_DEVNET_CHAIN_ID,
			       (unsigned long long)(SVM_NODE_DEVNET_ETH_SWR / 1000000000ull));
			for (unsigned i = 0; i < SVM_NODE_DEVNET_ETH_KEYS; i++) {
				char addr[43];
				svm_node_devnet_eth_address(i, addr);
				printf("  (%u) %s  key 0x%s\n", i, addr, svm_node_devnet_eth_keys[i]);
			}
		}
	}
	fflush(stdout);
	int sig = 0;
	sigwait(&set, &sig);
	svm_log_info("node: %s received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	svm_node_stop(n);
	return 0;
}

int cli_cmd_devnet(cli_args_t *a)
{
	if (set_log(a)) return CLI_EXIT_USAGE;
	svm_node_config_t cfg;
	svm_node_config_default(&cfg);
	svm_error_t err = {0};
	const char *v;
	uint64_t x;
	if ((v = cli_opt(a, "listen")) && svm_node_parse_rpc_addr(&cfg, v, &err) != 0)
		return cli_fail(a, CLI_EXIT_USAGE, "%s", err.msg);
	if ((v = cli_opt(a, "ws")) && svm_node_parse_ws_addr(&cfg, v, &err) != 0)
		return cli_fail(a, CLI_EXIT_USAGE, "--ws: %s", err.msg);
	if ((v = cli_opt(a, "block-ms"))) {
		if (cli_u64(a, "--block-ms", v, &x)) return CLI_EXIT_USAGE;
		if (x != 0 && (x < SVM_NODE_BLOCK_MS_MIN || x > SVM_NODE_BLOCK_MS_MAX))
			return cli_fail(a, CLI_EXIT_USAGE, "--block-ms must be 0 (the chain's governed slot_ms) or %d..%d",
					SVM_NODE_BLOCK_MS_MIN, SVM_NODE_BLOCK_MS_MAX);
		cfg.block_ms = x;
	}
	if ((v = cli_opt(a, "rpc-threads"))) {
		if (cli_u64(a, "--rpc-threads", v, &x)) return CLI_EXIT_USAGE;
		if (x < 1 || x > SVM_RPC_THREADS_MAX)
			return cli_fail(a, CLI_EXIT_USAGE, "--rpc-threads must be in 1..%d", SVM_RPC_THREADS_MAX);
		cfg.rpc_threads = (unsigned)x;
	}
	if ((v = cli_opt(a, "exec-threads"))) {
		if (cli_u64(a, "--exec-threads", v, &x) || x > SVM_POOL_THREADS_MAX)
			return cli_fail(a, CLI_EXIT_USAGE, "--exec-threads must be in 0..%d", SVM_POOL_THREADS_MAX);
		cfg.exec_threads = (unsigned)x;
	}
	const char *dir = cli_opt(a, "data") ? cli_opt(a, "data") : cli_default_data_dir();
	if (svm_node_devnet_init(dir, &cfg, &err) != 0) return cli_fail(a, CLI_EXIT_FAIL, "%s", err.msg);
	return run(a, &cfg, dir);
}

int cli_cmd_node(cli_args_t *a)
{
	if (set_log(a)) return CLI_EXIT_USAGE;
	const char *path = cli_opt(a, "config");
	if (path == NULL) return cli_fail(a, CLI_EXIT_USAGE, "--config FILE is required");
	svm_node_config_t cfg;
	svm_node_config_default(&cfg);
	svm_error_t err = {0};
	if (svm_node_config_load(&cfg, path, &err) != 0) return cli_fail(a, CLI_EXIT_FAIL, "%s", err.msg);
	return run(a, &cfg, NULL);
}

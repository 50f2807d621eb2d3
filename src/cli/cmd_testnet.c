/* `supervm testnet`: a local network of N validators, each a separate `supervm node` process on
 * 127.0.0.1 with its own data directory, key and ports. Ctrl-C stops them all; running the
 * command again resumes the same network from its directory. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "supervm/node.h"

#define TESTNET_STOP_MS 10000 /* how long a validator gets to stop before SIGKILL */

static pid_t spawn(const char *self, const char *dir, unsigned i, const char *log)
{
	char cfg[SVM_NODE_PATH_MAX + 32], out[SVM_NODE_PATH_MAX + 32];
	snprintf(cfg, sizeof cfg, "%s/v%u/config.json", dir, i);
	snprintf(out, sizeof out, "%s/v%u/node.log", dir, i);
	pid_t pid = fork();
	if (pid != 0) return pid;
	int fd = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	sigset_t none;
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	if (log != NULL) execl(self, self, "node", "--config", cfg, "--log", log, (char *)NULL);
	else execl(self, self, "node", "--config", cfg, (char *)NULL);
	_exit(127);
}

static void stop_all(pid_t *pids, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (pids[i] > 0) kill(pids[i], SIGTERM);
	uint64_t t0 = svm_clock_ns();
	for (unsigned i = 0; i < n; i++) {
		while (pids[i] > 0) {
			if (waitpid(pids[i], NULL, WNOHANG) == pids[i]) {
				pids[i] = 0;
				break;
			}
			if (svm_clock_ns() - t0 > TESTNET_STOP_MS * 1000000ull) {
				kill(pids[i], SIGKILL);
				waitpid(pids[i], NULL, 0);
				pids[i] = 0;
				break;
			}
			usleep(20000);
		}
	}
}

int cli_cmd_testnet(cli_args_t *a)
{
	uint64_t n = 4, rpc = 8645, p2p = 26656, block_ms = 200;
	const char *v;
	if ((v = cli_opt(a, "validators")) && (cli_u64(a, "--validators", v, &n) || n < 1 || n > SVM_NODE_TESTNET_MAX))
		return cli_fail(a, CLI_EXIT_USAGE, "--validators must be in 1..%d", SVM_NODE_TESTNET_MAX);
	if ((v = cli_opt(a, "rpc-port")) && (cli_u64(a, "--rpc-port", v, &rpc) || rpc < 1 || rpc + n > 65535))
		return cli_fail(a, CLI_EXIT_USAGE, "--rpc-port: a port with room for every validator");
	if ((v = cli_opt(a, "p2p-port")) && (cli_u64(a, "--p2p-port", v, &p2p) || p2p < 1 || p2p + n > 65535))
		return cli_fail(a, CLI_EXIT_USAGE, "--p2p-port: a port with room for every validator");
	if ((v = cli_opt(a, "block-ms")) &&
	    (cli_u64(a, "--block-ms", v, &block_ms) || block_ms < SVM_NODE_BLOCK_MS_MIN || block_ms > SVM_NODE_BLOCK_MS_MAX))
		return cli_fail(a, CLI_EXIT_USAGE, "--block-ms must be in %d..%d", SVM_NODE_BLOCK_MS_MIN,
				SVM_NODE_BLOCK_MS_MAX);
	char dir[SVM_NODE_PATH_MAX];
	if ((v = cli_opt(a, "dir")) != NULL) {
		snprintf(dir, sizeof dir, "%s", v);
	} else {
		const char *home = getenv("HOME");
		snprintf(dir, sizeof dir, "%s/.supervm/testnet", home && home[0] ? home : ".");
		char parent[SVM_NODE_PATH_MAX];
		snprintf(parent, sizeof parent, "%s/.supervm", home && home[0] ? home : ".");
		mkdir(parent, 0755);
	}
	svm_error_t err = {0};
	if (svm_node_testnet_init(dir, (unsigned)n, (uint16_t)rpc, (uint16_t)p2p, block_ms, &err) != 0)
		return cli_fail(a, CLI_EXIT_FAIL, "%s", err.msg);
	if (cli_flag(a, "init")) {
		printf("testnet of %llu validators in %s\n", (unsigned long long)n, dir);
		return 0;
	}
	char self[SVM_NODE_PATH_MAX];
	ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
	if (sl <= 0) return cli_fail(a, CLI_EXIT_FAIL, "cannot find the supervm binary: %s", strerror(errno));
	self[sl] = 0;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pid_t pids[SVM_NODE_TESTNET_MAX] = {0};
	for (unsigned i = 0; i < n; i++) pids[i] = spawn(self, dir, i, cli_opt(a, "log"));
	printf("supervm testnet: %llu validators (data and logs in %s/vN)\n", (unsigned long long)n, dir);
	for (unsigned i = 0; i < n; i++)
		printf("  v%u: JSON-RPC http://127.0.0.1:%llu, p2p 127.0.0.1:%llu, pid %d\n", i,
		       (unsigned long long)(rpc + i), (unsigned long long)(p2p + i), (int)pids[i]);
	printf("faucet key: %s/faucet.json; try: supervm status --rpc http://127.0.0.1:%llu\n", dir,
	       (unsigned long long)rpc);
	fflush(stdout);
	for (;;) {
		int sig = 0;
		sigwait(&set, &sig);
		if (sig != SIGCHLD) break;
		int status;
		pid_t p;
		while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
			for (unsigned i = 0; i < n; i++) {
				if (pids[i] != p) continue;
				pids[i] = 0;
				fprintf(stderr, "supervm testnet: validator v%u exited (%s %d); see %s/v%u/node.log\n", i,
					WIFSIGNALED(status) ? "signal" : "status",
					WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), dir, i);
			}
		}
	}
	printf("supervm testnet: stopping\n");
	stop_all(pids, (unsigned)n);
	return 0;
}

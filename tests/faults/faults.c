/* make faults: replays the chain, differential and crash scenarios with a failure injected at
 * every N-th allocation (SVM_FAULT_ALLOC) and every N-th store write or commit (SVM_FAULT_IO,
 * EIO once or ENOSPC from then on), each N in its own child process. A child passes when the
 * run ended in a clean error (or succeeded), nothing crashed or leaked (the binary is built with
 * ASan, LeakSanitizer on), and, with faults off again, each store reopens at its last committed
 * block with that block's state root in its header, a replica that applied the built blocks
 * agrees with it, and both still commit a new block; the executor's result under a fault is
 * either an error or identical to the reference's. The crash variant kills the child (_exit,
 * nothing closed) right after the faulted run, then checks the store from a fresh process.
 *
 * Usage: faults [--every K] [--max N] [--only NAME]   (K: run every K-th N; N: at most N runs
 * per case, spread evenly). Ends with "faults: N passed, N failed". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/chaintest.h"
#include "lib/execgen.h"

#define ACCOUNTS 8
#define BLOCKS 2
static const svm_fee_params_t FEES = {.a = 1000, .b = 2, .c = 1, .d = 0};

typedef struct {
	svm_fault_kind_t kind;
	uint64_t nth; /* 0 = count only */
	int err;
	bool persist;
} fault_t;

static uint64_t calls_seen; /* set by a run: the armed kind's calls */

static void arm(const fault_t *f) { svm_fault_arm(f->kind, f->nth, f->err, f->persist); }
static void disarm(const fault_t *f) { calls_seen = svm_fault_disarm(f->kind); }

/* ------------------------------------------------------------ chain */

static void subdir(char *out, size_t n, const char *dir, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static int chain_prepare(const char *dir)
{
	char a[96], b[96];
	subdir(a, sizeof a, dir, "a");
	subdir(b, sizeof b, dir, "b");
	svm_genesis_t g;
	if (ct_genesis(&g, ACCOUNTS, 1000000000, 5000, &FEES)) return 1;
	svm_chain_t *c;
	int rc = svm_chain_open(&c, a, &g, NULL, NULL);
	if (rc == 0) svm_chain_close(c);
	if (rc == 0) rc = svm_chain_open(&c, b, &g, NULL, NULL);
	if (rc == 0) svm_chain_close(c);
	svm_genesis_free(&g);
	return rc ? 1 : 0;
}

/* One block of transfers on c (each key pays the next). */
static int build_block(svm_chain_t *c, uint64_t round, svm_error_t *err)
{
	svm_buf_t bufs[ACCOUNTS] = {0};
	const uint8_t *ptr[ACCOUNTS];
	size_t len[ACCOUNTS];
	svm_id_t aic;
	svm_token_id("AIC", &aic);
	svm_keypair_t keys[ACCOUNTS];
	int rc = 0;
	for (int i = 0; i < ACCOUNTS; i++) ct_key((uint64_t)i, &keys[i]);
	for (int i = 0; rc == 0 && i < ACCOUNTS; i++) {
		uint64_t nonce;
		rc = svm_chain_nonce(c, &keys[i].id, &nonce);
		ct_txopt_t opt = {.chain_id = 7, .nonce = nonce, .fee_limit = 100000};
		if (rc == 0)
			rc = ct_transfer(&bufs[i], &keys[i], &aic, &keys[(i + 1 + round) % ACCOUNTS].id,
					 1 + (uint64_t)i, &opt, NULL);
		ptr[i] = bufs[i].data;
		len[i] = bufs[i].len;
	}
	if (rc == 0) rc = svm_chain_build(c, ptr, len, ACCOUNTS, 1000 + round, &keys[0].id, NULL, err);
	for (int i = 0; i < ACCOUNTS; i++) svm_buf_free(&bufs[i]);
	return rc;
}

/* Under the fault: open a, build BLOCKS blocks, open b, apply a's blocks to it. */
static int chain_run(const char *dir, const fault_t *f)
{
	char a[96], b[96];
	subdir(a, sizeof a, dir, "a");
	subdir(b, sizeof b, dir, "b");
	svm_chain_t *ca = NULL, *cb = NULL;
	svm_error_t err = {0};
	svm_buf_t blk = {0};
	arm(f);
	int rc = svm_chain_open(&ca, a, NULL, NULL, &err);
	for (uint64_t r = 0; rc == 0 && r < BLOCKS; r++) rc = build_block(ca, r, &err);
	if (rc == 0) rc = svm_chain_open(&cb, b, NULL, NULL, &err);
	for (uint64_t h = 1; rc == 0 && ca && h <= svm_chain_height(ca); h++) {
		svm_buf_reset(&blk);
		rc = svm_chain_block(ca, h, &blk);
		if (rc == 0) rc = svm_chain_apply(cb, blk.data, blk.len, &err);
	}
	svm_buf_free(&blk);
	svm_chain_close(cb);
	svm_chain_close(ca);
	disarm(f);
	if (rc > 0) return fprintf(stderr, "chain run: positive rc %d\n", rc), 1;
	return 0;
}

/* With faults off: the head block is there, the next is not, the header's state root is the
 * state's, and a new block commits. *height gets the head's height, blocks its bytes. */
static int chain_check_one(const char *path, uint64_t *height, svm_buf_t *blocks, size_t nblocks)
{
	svm_chain_t *c;
	svm_error_t err = {0};
	if (svm_chain_open(&c, path, NULL, NULL, &err))
		return fprintf(stderr, "%s: reopen: %s\n", path, err.msg), 1;
	int bad = 0;
	uint64_t h = svm_chain_height(c);
	svm_buf_t blk = {0}, next = {0};
	svm_arena_t ar;
	svm_arena_init(&ar, 0);
	svm_block_t b;
	svm_hash_t root;
	if (svm_chain_block(c, h, &blk) || svm_block_decode(blk.data, blk.len, &ar, &b, NULL, NULL))
		bad = fprintf(stderr, "%s: head block %llu unreadable\n", path, (unsigned long long)h);
	else if (svm_chain_head(c, NULL, &root), !svm_hash_eq(&root, &b.header.state_root))
		bad = fprintf(stderr, "%s: state root differs from head %llu's header\n", path,
			      (unsigned long long)h);
	if (!bad && svm_chain_block(c, h + 1, &next) != SVM_ENOTFOUND)
		bad = fprintf(stderr, "%s: a block past the head\n", path);
	for (uint64_t i = 1; !bad && i <= h && i <= nblocks; i++) {
		svm_buf_t x = {0};
		if (svm_chain_block(c, i, &x) || (blocks[i - 1].len && (x.len != blocks[i - 1].len ||
						      memcmp(x.data, blocks[i - 1].data, x.len))))
			bad = fprintf(stderr, "%s: block %llu differs from the builder's\n", path,
				      (unsigned long long)i);
		if (!blocks[i - 1].len) svm_buf_append(&blocks[i - 1], x.data, x.len);
		svm_buf_free(&x);
	}
	if (!bad && build_block(c, 100, &err))
		bad = fprintf(stderr, "%s: no new block after the fault: %s\n", path, err.msg);
	svm_arena_reset(&ar);
	svm_buf_free(&blk);
	svm_buf_free(&next);
	svm_chain_close(c);
	*height = h;
	return bad ? 1 : 0;
}

static int chain_check(const char *dir)
{
	char a[96], b[96];
	subdir(a, sizeof a, dir, "a");
	subdir(b, sizeof b, dir, "b");
	svm_buf_t blocks[BLOCKS] = {0};
	uint64_t ha = 0, hb = 0;
	int bad = chain_check_one(a, &ha, blocks, BLOCKS);
	if (!bad) bad = chain_check_one(b, &hb, blocks, BLOCKS);
	if (!bad && hb > ha) bad = fprintf(stderr, "replica ahead of the builder\n");
	for (int i = 0; i < BLOCKS; i++) svm_buf_free(&blocks[i]);
	return bad;
}

/* ----------------------------------------------------- differential */

static int exec_run(const char *dir, const fault_t *f)
{
	(void)dir;
	eg_rng_t r = {.s = 1234};
	eg_world_t w;
	eg_config_t cfg = {.accounts = 24, .workload = EG_UNIFORM, .strict_pct = 50, .bad_pct = 10};
	if (eg_world_init(&w, &r, &cfg) || eg_block(&w, &r, 48)) return fprintf(stderr, "world\n"), 1;
	svm_exec_base_t base = eg_base(&w);
	svm_arena_t ra, pa[2];
	svm_arena_init(&ra, 0);
	svm_exec_result_t ref, par[2];
	size_t bad_ref = (size_t)-1, bad_par = (size_t)-1;
	int bad = 0, rc[2];
	int rc_ref = svm_exec_sequential(&w.env, w.txs, w.n, SVM_EXEC_BUILD, &base, &ra, &ref, &bad_ref);
	if (rc_ref) bad = fprintf(stderr, "reference failed unarmed: %s\n", svm_strerror(rc_ref));
	arm(f); /* one count over both runs: 1 thread, then 2 */
	for (unsigned t = 0; t < 2; t++) {
		svm_arena_init(&pa[t], 0);
		rc[t] = svm_exec_block(&w.env, w.txs, w.n, SVM_EXEC_BUILD, &base, t + 1, &pa[t], &par[t],
				       &bad_par, NULL);
	}
	disarm(f);
	for (unsigned t = 0; t < 2; t++) {
		char why[256];
		if (!bad && rc[t] == 0 && eg_compare(&ref, &par[t], why, sizeof why))
			bad = fprintf(stderr, "%u threads: result differs under the fault: %s\n", t + 1, why);
		else if (rc[t] > 0)
			bad = fprintf(stderr, "positive rc %d\n", rc[t]);
		svm_arena_reset(&pa[t]);
	}
	svm_arena_reset(&ra);
	eg_world_free(&w);
	return bad ? 1 : 0;
}

/* ----------------------------------------------------------- driver */

typedef struct {
	const char *name;
	int (*prepare)(const char *dir);
	int (*run)(const char *dir, const fault_t *f);
	int (*check)(const char *dir);
	svm_fault_kind_t kind;
	int err;
	bool persist;
	bool crash; /* the child dies right after the run; the check runs in a fresh process */
} case_t;

static const case_t CASES[] = {
	{"chain/alloc", chain_prepare, chain_run, chain_check, SVM_FAULT_ALLOC, 0, false, false},
	{"chain/io-eio", chain_prepare, chain_run, chain_check, SVM_FAULT_IO, EIO, false, false},
	{"chain/io-enospc", chain_prepare, chain_run, chain_check, SVM_FAULT_IO, ENOSPC, true, false},
	{"crash/io-eio", chain_prepare, chain_run, chain_check, SVM_FAULT_IO, EIO, false, true},
	{"crash/alloc", chain_prepare, chain_run, chain_check, SVM_FAULT_ALLOC, 0, false, true},
	{"differential/alloc", NULL, exec_run, NULL, SVM_FAULT_ALLOC, 0, false, false},
};

/* Runs one case at fault N in a child; returns 0 when it passed. *calls gets the count. */
static int run_child(const case_t *k, uint64_t nth, uint64_t *calls, uint64_t *fired)
{
	int fd[2];
	if (pipe(fd)) return 1;
	char dir[64];
	ct_tmpdir(dir);
	pid_t pid = fork();
	if (pid < 0) return 1;
	if (pid == 0) {
		close(fd[0]);
		if (k->prepare && k->prepare(dir)) _exit(10);
		fault_t f = {k->kind, nth, k->err, k->persist};
		int bad = k->run(dir, &f);
		uint64_t out[2] = {calls_seen, svm_fault_fired(k->kind)};
		if (write(fd[1], out, sizeof out) != sizeof out) _exit(11);
		if (k->crash) _exit(bad); /* no cleanup, no leak check: the process "dies" here */
		if (!bad && k->check) bad = k->check(dir);
		exit(bad); /* LeakSanitizer runs at exit */
	}
	close(fd[1]);
	uint64_t in[2] = {0, 0};
	ssize_t got = read(fd[0], in, sizeof in);
	close(fd[0]);
	int status;
	waitpid(pid, &status, 0);
	int ok = got == sizeof in && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (ok && k->crash && k->check) { /* check from a fresh process */
		pid = fork();
		if (pid == 0) exit(k->check(dir));
		waitpid(pid, &status, 0);
		ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	if (!ok)
		fprintf(stderr, "faults: %s at N=%llu FAILED (%s %d), store left in %s\n", k->name,
			(unsigned long long)nth, WIFEXITED(status) ? "exit" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), dir);
	else
		ct_rmdir(dir);
	*calls = in[0];
	*fired = in[1];
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	uint64_t every = 1, max = 0;
	const char *only = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--every") == 0) every = strtoull(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--max") == 0) max = strtoull(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--only") == 0) only = argv[i + 1];
	}
	if (every == 0) every = 1;
	setvbuf(stdout, NULL, _IONBF, 0); /* no buffered line is copied into the children */
	if (svm_crypto_init()) return 2;
	unsigned passed = 0, failed = 0;
	for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
		const case_t *k = &CASES[c];
		if (only && strncmp(k->name, only, strlen(only)) != 0) continue;
		uint64_t total = 0, fired = 0;
		if (run_child(k, 0, &total, &fired)) {
			failed++;
			continue;
		}
		uint64_t step = every;
		if (max && total / step > max) step = (total + max - 1) / max;
		unsigned runs = 0, bad = 0, fired_runs = 0;
		for (uint64_t n = 1; n <= total; n += step) {
			uint64_t calls, f;
			bad += run_child(k, n, &calls, &f) != 0;
			fired_runs += f > 0;
			runs++;
		}
		/* every N below the count must have fired: a fault that did not is a miscount */
		printf("  %-20s %6llu calls, %4u runs (every %llu), %4u fired, %u failed\n", k->name,
		       (unsigned long long)total, runs, (unsigned long long)step, fired_runs, bad);
		if (runs == 0 || fired_runs == 0) bad++;
		if (bad) failed++;
		else passed++;
	}
	printf("faults: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

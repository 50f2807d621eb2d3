/* `supervm bench exec`: the AOEM execution benchmark (docs/aoem.md). Builds a genesis state of
 * N accounts in a temporary LMDB store, signs one block of T transactions of a workload, and
 * executes it repeatedly with 1 and with K threads (interleaved, so both see the same machine),
 * reporting tx/s, p50/p99 block execution time, the speedup over 1 thread, aborts, fallbacks,
 * the hottest keys and the post-state root. bench/bench_exec.c runs the same code standalone. */
#ifndef SUPERVM_CLI_BENCH_EXEC_H
#define SUPERVM_CLI_BENCH_EXEC_H

/* argv[0] is the command's name; options follow:
 *   --workload uniform|zipf|all-to-one|shared|mixed|amm-pools|amm-hot|stake|gov-vote
 *              (default uniform; amm-pools: swaps spread over 100 constant-product pools,
 *              amm-hot: all on one; stake: delegations spread over 100 validators; gov-vote:
 *              delegators' votes spread over 100 open proposals)
 *   --accounts N (10000)  --txs T (10000)  --threads K (cores)  --blocks B (repetitions, 10)
 *   --mode strict|dynamic (strict; mixed is half and half)  --sigs  --json  --seed S
 *   --econ  the economy's rows (amm-pools, amm-hot, stake, gov-vote, uniform, and the control:
 *           amm-hot at 1 thread against 1) in one process and a summary: speedup against the
 *           issue's targets, machine capacity, load average, fastest-block speedup, route,
 *           share of the engines' phases around their run, gas per tx
 * Every row also prints its transactions' mean bytes, steps, memory and fee.
 * With no options at all it prints the standard table (every workload row of docs/aoem.md).
 * Returns 0, 1 on a failure (or results that differ between thread counts), 2 on bad usage. */
int svm_cli_bench_exec(int argc, char **argv);

#endif

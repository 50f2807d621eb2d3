/* The AOEM execution benchmark, standalone: the same code as `supervm bench exec` (it includes
 * src/cli/bench_exec.c, which is not in the library). With no arguments it prints the standard
 * table of docs/aoem.md; otherwise it takes the options of `supervm bench exec`. */
#include "cli/bench_exec.c"

int main(int argc, char **argv) { return svm_cli_bench_exec(argc, argv); }

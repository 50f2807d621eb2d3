# The node's targets: the end-to-end tests (a `make test` step) and the load benchmark.
# e2e starts the real build/supervm on free loopback ports with temporary data directories.

E2E_BIN := $(B)/e2e/e2e_node

$(E2E_BIN): tests/e2e/e2e_node.c $(TESTLIB) $(B)/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -Itests -o $@ $< $(TESTLIB) $(B)/libsupervm.a $(LIBS)

# The log is written aside and renamed into place, so a concurrent run never leaves a
# half-written $(B)/e2e.log for the summary to read.
.PHONY: e2e bench-load
e2e: $(B)/supervm $(E2E_BIN)
	@tmp=$$(mktemp $(B)/e2e.log.XXXXXX); \
	  timeout 300 $(E2E_BIN) $(B)/supervm > $$tmp 2>&1; rc=$$?; cat $$tmp; \
	  grep -q '^e2e: ' $$tmp || printf 'end-to-end: 0 passed, 1 failed\ne2e: 0 passed, 1 failed\n' | tee -a $$tmp; \
	  chmod 644 $$tmp; mv -f $$tmp $(B)/e2e.log; exit $$rc

TEST_STEPS += e2e

# Starts a devnet in a temporary directory on a free port, runs `supervm bench load` against
# it, stops it. BENCH_ARGS passes options (e.g. BENCH_ARGS="--txs 50000 --senders 500").
BENCH_ARGS ?=
bench-load: $(B)/supervm
	@bash tests/e2e/bench_load.sh $(B)/supervm $(BENCH_ARGS)

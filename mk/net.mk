# The network's targets (docs/net.md): a real-process test of a 4-validator testnet (a `make
# test` step: kills, restarts, a partition, then identical chains and every committed
# transaction kept) and the network benchmark.

E2E_NET_BIN := $(B)/e2e/e2e_net
E2E_NET_KILLS ?= 2

$(E2E_NET_BIN): tests/e2e/e2e_net.c $(TESTLIB) $(B)/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -Itests -o $@ $< $(TESTLIB) $(B)/libsupervm.a $(LIBS)

.PHONY: e2e-net bench-net
e2e-net: $(B)/supervm $(E2E_NET_BIN) $(B)/contracts/counter.wasm
	@tmp=$$(mktemp $(B)/e2e-net.log.XXXXXX); \
	  timeout 420 $(E2E_NET_BIN) $(B)/supervm --kills $(E2E_NET_KILLS) > $$tmp 2>&1; rc=$$?; cat $$tmp; \
	  grep -q '^e2e-net: ' $$tmp || printf 'e2e-net: 0 passed, 1 failed\n' | tee -a $$tmp; \
	  chmod 644 $$tmp; mv -f $$tmp $(B)/e2e-net.log; exit $$rc

TEST_STEPS += e2e-net

# Four validators on loopback, load through JSON-RPC to all of them; prints finality latency,
# saturation throughput against the verify-rate bound, the same with one validator stopped,
# and catch-up speed (docs/net.md). BLOCK_MS, LIGHT_RATE, SAT_TXS (environment) override the defaults.
bench-net: $(B)/supervm
	@bash tests/e2e/bench_net.sh $(B)/supervm

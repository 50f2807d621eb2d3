# The EVM (src/vm/evm, docs/evm.md). libsecp256k1 (Debian) for ecrecover.
#   make evm-spec          every Cancun case of ../shared/ethereum-tests/GeneralStateTests
#                          (per-directory counts, then "evm-spec: N passed, N failed, N skipped")
#   make evm-spec-sample   every EVM_SAMPLE_EVERY-th test file: the `make test` step, whose log
#                          build/evm-spec-sample.log ends with the same kind of line
LIBS += -lsecp256k1

EVM_TESTS        ?= ../shared/ethereum-tests
EVM_RUNNER       := $(B)/evm/state_runner
EVM_SAMPLE_EVERY ?= 3

$(EVM_RUNNER): tests/evm/state_runner.c include/supervm/evm.h $(B)/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -o $@ $< $(B)/libsupervm.a $(LIBS)

all: $(EVM_RUNNER)

.PHONY: evm-spec evm-spec-sample
evm-spec: $(EVM_RUNNER)
	@$(EVM_RUNNER) --root $(EVM_TESTS)/GeneralStateTests $(EVM_TESTS)/GeneralStateTests \
	  > $(B)/evm-spec.log; rc=$$?; cat $(B)/evm-spec.log; exit $$rc

evm-spec-sample: $(EVM_RUNNER)
	@bash tests/need_data.sh evm-spec-sample $(EVM_TESTS)/GeneralStateTests '*' \
	  $(B)/evm-spec-sample.log; d=$$?; if [ $$d -ne 0 ]; then [ $$d -eq 1 ]; exit $$?; fi; \
	  $(EVM_RUNNER) --every $(EVM_SAMPLE_EVERY) --root $(EVM_TESTS)/GeneralStateTests \
	  $(EVM_TESTS)/GeneralStateTests > $(B)/evm-spec-sample.log; rc=$$?; \
	  tail -n 4 $(B)/evm-spec-sample.log; exit $$rc

TEST_STEPS += evm-spec-sample

# make bench-evm: SuperVM's EVM and @ethereumjs/evm (npm, pinned by bench/evm/package-lock.json,
# installed under build/bench-evm) on the same workloads; prints both and the ratios.
# BENCH_EVM_ARGS="TRANSFERS LOOP_N HASH_N" (defaults 2000 200000 20000: ethereumjs is slow).
BENCH_EVM_ARGS ?= 2000 200000 20000
.PHONY: bench-evm
bench-evm: $(B)/bench/bench_evm
	@bash bench/evm/install.sh $(B)/bench-evm
	@$(B)/bench/bench_evm $(BENCH_EVM_ARGS) > $(B)/bench-evm/supervm.txt
	@node $(B)/bench-evm/ejs_bench.mjs bench/evm/contracts.json $(BENCH_EVM_ARGS) > $(B)/bench-evm/ejs.txt
	@awk 'FNR == NR { ms[$$2] = $$4; mg[$$2] = $$5; n[$$2] = $$3; next } \
	  { printf "%-6s %6d runs  supervm %9.1f ms %9.2f Mgas/s   ethereumjs %9.1f ms %7.2f Mgas/s   %6.1fx\n", \
	    $$2, n[$$2], ms[$$2], mg[$$2], $$4, $$5, $$4 / ms[$$2] }' $(B)/bench-evm/supervm.txt $(B)/bench-evm/ejs.txt

# make evm-diff: differential fuzzing against @ethereumjs/evm. EVM_DIFF_SEED and EVM_DIFF_COUNT
# choose the programs (a long run: EVM_DIFF_COUNT=100000); a mismatch prints its index.
EVM_DIFF_SEED  ?= 1
EVM_DIFF_COUNT ?= 2000
$(B)/evm/evm_diff: tests/evm/evm_diff.c include/supervm/evm.h $(B)/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -o $@ $< $(B)/libsupervm.a $(LIBS)

all: $(B)/evm/evm_diff
.PHONY: evm-diff
evm-diff: $(B)/evm/evm_diff
	@bash bench/evm/install.sh $(B)/bench-evm
	@cp bench/evm/difffuzz.mjs $(B)/bench-evm/
	@node $(B)/bench-evm/difffuzz.mjs $(EVM_DIFF_SEED) $(EVM_DIFF_COUNT) | $(B)/evm/evm_diff -v

# make e2e-eth: ethers.js v6 and solc-js (npm, pinned by tests/eth/package-lock.json, installed
# under build/e2e-eth by tests/eth/install.sh) against a devnet of the real binary. Its log
# build/e2e-eth.log ends with "e2e-eth: N passed, N failed" (or a skip when npm is unavailable).
.PHONY: e2e-eth
e2e-eth: $(B)/supervm $(B)/contracts/xvm.wasm
	@tmp=$$(mktemp $(B)/e2e-eth.log.XXXXXX); \
	  timeout 900 bash tests/e2e/e2e_eth.sh $(B)/supervm $(B)/e2e-eth > $$tmp 2>&1; rc=$$?; cat $$tmp; \
	  grep -q '^e2e-eth: [0-9]' $$tmp || printf 'e2e-eth: 0 passed, 1 failed\n' | tee -a $$tmp; \
	  chmod 644 $$tmp; mv -f $$tmp $(B)/e2e-eth.log; exit $$rc

TEST_STEPS += e2e-eth

# make bench-evm-aoem: ERC-20 transfer blocks executed by AOEM at 1 and 2 threads in one run,
# distinct senders/recipients and one hot recipient; results checked against the reference.
# BENCH_EVM_AOEM_TXS transactions per block (default 2000). It reuses the tests' signer and
# in-memory world (tests/lib), hence -Itests.
BENCH_EVM_AOEM_TXS ?= 2000
$(B)/bench/bench_evm_aoem: bench/bench_evm_aoem.c tests/lib/ethsign.c tests/lib/execgen.c $(B)/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -Ibench -Itests -o $@ $< $(B)/libsupervm.a $(LIBS)

.PHONY: bench-evm-aoem
bench-evm-aoem: $(B)/bench/bench_evm_aoem
	@$(B)/bench/bench_evm_aoem $(BENCH_EVM_AOEM_TXS)

# make evm-dispatch: the interpreter's dispatch designs compared by callgrind instruction counts
# (bench/evm/dispatch.sh: the source's switch and a computed-goto rewrite of run_frame). Needs
# valgrind; prints a table, never a test.
.PHONY: evm-dispatch
evm-dispatch: $(B)/libsupervm.a
	@bash bench/evm/dispatch.sh $(B) "$(CFLAGS_BASE) $(CFLAGS)" "$(LIBS)"

# Cross-VM calls: tests/unit/test_xvm.c deploys contracts/examples/xvm.c (and escrow.c: the index).
$(B)/tests/test_xvm $(B)/asan/tests/test_xvm: $(B)/contracts/xvm.wasm $(B)/contracts/escrow.wasm

# Self-checking (docs/testing.md). `make faults` replays the chain, differential and crash
# scenarios (tests/faults/faults.c, built with ASan+UBSan, assertions on) with a failure at every
# N-th allocation and every N-th store write/commit; `make test` runs a sample of it (the
# `faults-sample` step, at most FAULTS_SAMPLE runs per case).

FAULTS_BIN    := $(B)/asan/faults
FAULTS_SAMPLE ?= 10

$(FAULTS_BIN): tests/faults/faults.c $(TESTLIB) $(B)/asan/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O1 $(SAN) -Itests -o $@ $< $(TESTLIB) $(B)/asan/libsupervm.a $(LIBS)

.PHONY: faults faults-sample
faults: $(FAULTS_BIN)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  nice $(FAULTS_BIN) $(FAULTS_ARGS) > $(B)/faults.log 2>&1; rc=$$?; cat $(B)/faults.log; exit $$rc

faults-sample: $(FAULTS_BIN)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  $(FAULTS_BIN) --max $(FAULTS_SAMPLE) > $(B)/faults-sample.log 2>&1; rc=$$?; \
	  grep -a -v '^==' $(B)/faults-sample.log | tail -n 40; exit $$rc

TEST_STEPS += faults-sample

# One-line mutation testing over mempool, exec, ledger, state tree, encoders (tests/mutate.sh;
# not part of make test). MUTATE_MAX caps mutants per file; MUTATE_ARGS picks FILE:TEST,… specs.
.PHONY: mutate
mutate:
	@bash tests/mutate.sh $(MUTATE_ARGS)

# Assertion density per folder (tests/assert_density.sh): `make lint` runs `make density`, which
# fails when a folder listed in tests/assert_density.sh's FLOORS drops below its floor.
.PHONY: density density-report
density:
	@bash tests/assert_density.sh --check
density-report:
	@echo "assertion density (docs/testing.md):"; bash tests/assert_density.sh
lint: density

# The guards against a vacuous pass (tests/ci_guards.sh): summary.sh and run_unit.sh fed
# made-up logs and binaries (a missing log, no result line, zero cases, all skipped under CI, a
# binary with no test); under a second.
.PHONY: ci-guards
ci-guards:
	@mkdir -p $(B); bash tests/ci_guards.sh > $(B)/ci-guards.log 2>&1; rc=$$?; cat $(B)/ci-guards.log; exit $$rc
TEST_STEPS += ci-guards

# The library's exported surface (tests/exports.sh): only svm_ symbols are global in
# build/libsupervm.a; a new unprefixed export fails this step.
.PHONY: exports
exports: $(B)/libsupervm.a
	@bash tests/exports.sh $(B)/libsupervm.a > $(B)/exports.log 2>&1; rc=$$?; cat $(B)/exports.log; exit $$rc
TEST_STEPS += exports

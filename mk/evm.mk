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
	@$(EVM_RUNNER) --every $(EVM_SAMPLE_EVERY) --root $(EVM_TESTS)/GeneralStateTests \
	  $(EVM_TESTS)/GeneralStateTests > $(B)/evm-spec-sample.log; rc=$$?; \
	  tail -n 4 $(B)/evm-spec-sample.log; exit $$rc

TEST_STEPS += evm-spec-sample

# make spec: the WebAssembly spec suite (../shared/wasm-testsuite, pinned) converted at build
# time with wabt's wast2json into build/spec (never committed), run by tests/spec/spec_runner.
# Writes build/spec.log whose last line is "spec: N passed, N failed, N skipped".
# SIMD files (simd_*.wast) are out of scope and not converted.

SPEC_SUITE   ?= ../shared/wasm-testsuite
SPEC_DIR     := $(B)/spec
SPEC_WAST    := $(sort $(filter-out $(SPEC_SUITE)/simd_%,$(wildcard $(SPEC_SUITE)/*.wast)))
SPEC_JSON    := $(patsubst $(SPEC_SUITE)/%.wast,$(SPEC_DIR)/%.json,$(SPEC_WAST))
SPEC_RUNNER  := $(B)/spec/spec_runner

.PHONY: spec
TEST_STEPS += spec

$(SPEC_DIR)/%.json: $(SPEC_SUITE)/%.wast
	@mkdir -p $(@D)
	@wast2json $< -o $@

$(SPEC_RUNNER): tests/spec/spec_runner.c include/supervm/wasm.h $(B)/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -o $@ $< $(B)/libsupervm.a $(LIBS)

# Without the suite (tests/need_data.sh) it fails under CI=true and skips loudly elsewhere; the
# runner fails when it ran no case.
spec: $(SPEC_RUNNER) $(SPEC_JSON)
	@bash tests/need_data.sh spec $(SPEC_SUITE) '*.wast' $(B)/spec.log; d=$$?; \
	  if [ $$d -ne 0 ]; then [ $$d -eq 1 ]; exit $$?; fi; \
	  $(SPEC_RUNNER) $(SPEC_JSON) > $(B)/spec.log; rc=$$?; cat $(B)/spec.log; exit $$rc

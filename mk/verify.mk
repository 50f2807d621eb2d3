# Attestation, traces and verification (docs/attestation.md, docs/bisection.md): the exhaustive
# bit-flip run, the benchmarks,
# and fuzz seeds taken from the pinned vectors in ../shared (copied into build/, never committed).

ATTEST_VECTORS ?= ../shared/attestation-vectors

.PHONY: test-attest-flips bench-verify attest-fuzz-seeds

# Every bit of every byte of the SNP report, VCEK, AMD chain, TDX quote and TDX collateral
# (a few minutes; `make test` runs a seeded sample of ~128 flips per buffer).
test-attest-flips: $(B)/tests/test_attest
	@SVM_ATTEST_FLIPS=all SVM_ATTEST_VECTORS=$(ATTEST_VECTORS) $(B)/tests/test_attest -j2 \
	  --filter='*/every_flipped*'

bench-verify: $(B)/bench/bench_attest $(B)/bench/bench_trace $(AI_WASM) $(AI_TESTSET)
	@SVM_ATTEST_VECTORS=$(ATTEST_VECTORS) $(B)/bench/bench_attest
	@echo
	@$(B)/bench/bench_trace

attest-fuzz-seeds:
	@if [ -d $(ATTEST_VECTORS) ]; then \
	  mkdir -p $(B)/fuzz/corpus/fuzz_snp_report $(B)/fuzz/corpus/fuzz_tdx_quote $(B)/fuzz/corpus/fuzz_tdx_collateral; \
	  cp -f $(ATTEST_VECTORS)/sev-snp/go-sev-guest/attestation.bin $(B)/fuzz/corpus/fuzz_snp_report/; \
	  for q in tdx/dcap-qvl/tdx_quote tdx/dcap-qvl/tdx_quote_outdated tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat; do \
	    cp -f $(ATTEST_VECTORS)/$$q $(B)/fuzz/corpus/fuzz_tdx_quote/; done; \
	  for c in tdx/dcap-qvl/tdx_quote_collateral.json tdx/go-tdx-guest/sample_tcbInfo_response \
	           tdx/go-tdx-guest/sample_qeIdentity_response; do \
	    cp -f $(ATTEST_VECTORS)/$$c $(B)/fuzz/corpus/fuzz_tdx_collateral/; done; \
	else echo "attest-fuzz-seeds: $(ATTEST_VECTORS) missing; fuzzing without seeds"; fi

fuzz: attest-fuzz-seeds

# Disputes and attestation collateral through the real binary (tests/e2e/verify_e2e.sh): a devnet,
# `supervm dispute claim|challenge|play|timeout|show`, an auditable AI job through `supervm worker`
# processes disputed with `supervm job dispute` and `dispute play`, `supervm attest collateral|propose-updater|
# updater|put-tdx|put-snp`. A `make test` step; the log is renamed into place.
# tee_testkey writes a test AMD chain and the worker's --tee-test-key directory (section 7).
TEE_TESTKEY := $(B)/e2e/tee_testkey
$(TEE_TESTKEY): tests/e2e/tee_testkey.c $(TESTLIB) $(B)/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -Itests -o $@ $< $(TESTLIB) $(B)/libsupervm.a $(LIBS)

all: $(TEE_TESTKEY)

.PHONY: e2e-verify
e2e-verify: $(B)/supervm $(TEE_TESTKEY) $(AI_WASM) $(AI_TESTSET)
	@tmp=$$(mktemp $(B)/e2e-verify.log.XXXXXX); \
	  timeout 420 bash tests/e2e/verify_e2e.sh $(B) $(ATTEST_VECTORS) > $$tmp 2>&1; rc=$$?; cat $$tmp; \
	  grep -q '^e2e-verify: ' $$tmp || echo 'e2e-verify: 0 passed, 1 failed' | tee -a $$tmp; \
	  chmod 644 $$tmp; mv -f $$tmp $(B)/e2e-verify.log; exit $$rc

TEST_STEPS += e2e-verify

# test_trace runs the Fashion-MNIST inference module in the stepper (mk/ai.mk builds it).
$(B)/tests/test_trace $(B)/asan/tests/test_trace: $(AI_WASM) $(AI_TESTSET) $(AI_MODEL)
# test_job_dispute plays disputes over real inferences (the module, the test images, the model).
$(B)/tests/test_job_dispute $(B)/asan/tests/test_job_dispute: $(AI_WASM) $(AI_TESTSET) $(AI_MODEL)

# The canonical stepper against the VM over the spec suite's invocations (tests/spec/step_diff.c,
# docs/bisection.md): same outcome, gas and results, every step of short runs proven and
# verified. Uses the JSON that `make spec` converts. A `make test` step.
STEP_DIFF := $(B)/spec/step_diff
SPEC_SUITE ?= ../shared/wasm-testsuite
# (mk/wasm.mk is read after this file: its SPEC_JSON is not set yet here)
STEP_DIFF_JSON := $(patsubst $(SPEC_SUITE)/%.wast,$(B)/spec/%.json,$(sort $(filter-out $(SPEC_SUITE)/simd_%,$(wildcard $(SPEC_SUITE)/*.wast))))
$(STEP_DIFF): tests/spec/step_diff.c include/supervm/trace.h include/supervm/wasm.h $(B)/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -o $@ $< $(B)/libsupervm.a $(LIBS)

.PHONY: step-diff
step-diff: $(STEP_DIFF) $(STEP_DIFF_JSON)
	@bash tests/need_data.sh step-diff $(SPEC_SUITE) '*.wast' $(B)/step-diff.log; d=$$?; \
	  if [ $$d -ne 0 ]; then [ $$d -eq 1 ]; exit $$?; fi; \
	  $(STEP_DIFF) $(STEP_DIFF_JSON) > $(B)/step-diff.log; rc=$$?; cat $(B)/step-diff.log; exit $$rc

TEST_STEPS += step-diff

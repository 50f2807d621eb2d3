# The AI market (docs/ai-market.md): the inference module built with the contract SDK, the
# Fashion-MNIST test set unpacked from Debian's dataset-fashion-mnist, the unit test's inputs,
# the full bit-exactness check (make ai-check) and the benchmark (make bench-ai).
# Training is not part of the build: models/fmnist/train.py wrote the checked-in weights.

AI          := $(B)/ai
AI_DATA     ?= /usr/share/datasets/fashion-mnist
AI_MODEL    := models/fmnist/fmnist-mlp.svq8
AI_WASM     := $(AI)/infer.wasm
AI_TESTSET  := $(AI)/t10k-images-idx3-ubyte $(AI)/t10k-labels-idx1-ubyte

.PHONY: ai-check bench-ai
all: $(AI_WASM)

$(AI_WASM): contracts/ai/infer.c contracts/sdk/supervm.h
	@mkdir -p $(@D)
	clang $(WASM_CFLAGS) -o $@ $<

$(AI)/%-ubyte: $(AI_DATA)/%-ubyte.gz
	@mkdir -p $(@D)
	gzip -dc $< > $@.tmp && mv $@.tmp $@

$(B)/tests/test_ai $(B)/asan/tests/test_ai: $(AI_WASM) $(AI_TESTSET) $(AI_MODEL)

$(AI)/ai_tool: tests/ai/ai_tool.c $(B)/libsupervm.a
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -o $@ $< $(B)/libsupervm.a $(LIBS)

# All 10,000 test images: native C = VM (host function) = VM (pure wasm), byte for byte, and
# the same gas on both VM paths; prints the int8 accuracy.
ai-check: $(AI)/ai_tool $(AI_WASM) $(AI_TESTSET)
	$(AI)/ai_tool check --model $(AI_MODEL) --wasm $(AI_WASM) --data $(AI) --count 10000

BENCH_AI_ARGS ?=
bench-ai: $(AI)/ai_tool $(AI_WASM) $(AI_TESTSET)
	$(AI)/ai_tool bench --model $(AI_MODEL) --wasm $(AI_WASM) --data $(AI) $(BENCH_AI_ARGS)

$(B)/tests/test_ai_market $(B)/asan/tests/test_ai_market: $(AI_WASM) $(AI_TESTSET) $(AI_MODEL)

# End to end with real processes (tests/e2e/ai_market_e2e.sh): a devnet, the model registered
# from the CLI, three workers (one lying). A `make test` step; the log is renamed into place.
.PHONY: e2e-ai
e2e-ai: $(B)/supervm $(AI_WASM) $(AI_TESTSET)
	@tmp=$$(mktemp $(B)/e2e-ai.log.XXXXXX); \
	  timeout 400 bash tests/e2e/ai_market_e2e.sh $(B) > $$tmp 2>&1; rc=$$?; cat $$tmp; \
	  grep -q '^e2e-ai: ' $$tmp || echo 'e2e-ai: 0 passed, 1 failed' | tee -a $$tmp; \
	  chmod 644 $$tmp; mv -f $$tmp $(B)/e2e-ai.log; exit $$rc

TEST_STEPS += e2e-ai

# bench-ai's second part: jobs through the workers on a devnet (tests/e2e/ai_bench.sh).
BENCH_AI_JOBS ?= 20
BENCH_AI_BLOCK_MS ?= 100
.PHONY: bench-ai-devnet
bench-ai: bench-ai-devnet
bench-ai-devnet: $(B)/supervm $(AI_WASM) $(AI_TESTSET)
	@bash tests/e2e/ai_bench.sh $(B) $(BENCH_AI_JOBS) $(BENCH_AI_BLOCK_MS)

# The market workload of test_ai_market's parallel test at a larger size: reference against
# AOEM with 1 and 2 threads on the commit, reveal and claim blocks (printed, best of 5).
BENCH_AI_EXEC_JOBS ?= 256
.PHONY: bench-ai-exec
bench-ai-exec: $(B)/tests/test_ai_market
	AI_EXEC_JOBS=$(BENCH_AI_EXEC_JOBS) $(B)/tests/test_ai_market --filter '*parallel*'

# SuperVM build. Sources are discovered, not listed: every src/**/*.c except src/cli goes into
# build/libsupervm.a; every tests/unit/test_*.c is its own Criterion binary; every
# tests/fuzz/fuzz_*.c is a libFuzzer target; every bench/bench_*.c a benchmark binary.
# Feature areas add their own targets in mk/*.mk (included at the end).

CC       ?= clang
ifeq ($(origin CC),default)
CC       := clang
endif
OPT      ?= -O2
CSTD     := -std=c17 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS_BASE := $(CSTD) $(WARN) -g -Iinclude -Isrc -MMD -MP -pthread
CFLAGS   ?= $(OPT)
LIBS     := -lsodium -lcrypto -llmdb -levent -levent_pthreads -ljansson -lpthread -lm
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

B        := build
SRC      := $(shell find src -name '*.c' ! -path 'src/cli/*' | sort)
CLI_SRC  := $(shell find src/cli -name '*.c' 2>/dev/null | sort)
TESTS    := $(patsubst tests/unit/%.c,%,$(sort $(wildcard tests/unit/test_*.c)))
FUZZ     := $(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
BENCHES  := $(patsubst bench/%.c,%,$(sort $(wildcard bench/bench_*.c)))
TESTLIB  := $(sort $(wildcard tests/lib/*.c))

OBJ      := $(SRC:%.c=$(B)/obj/%.o)
ASAN_OBJ := $(SRC:%.c=$(B)/asan/obj/%.o)
FUZZ_OBJ := $(SRC:%.c=$(B)/fuzzobj/%.o)

.PHONY: all deps test test-unit test-asan fuzz bench clean lint format format-check
all: $(B)/libsupervm.a $(if $(CLI_SRC),$(B)/supervm) $(TESTS:%=$(B)/tests/%) $(BENCHES:%=$(B)/bench/%)

deps:
	@bash scripts/install-deps.sh

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -c $< -o $@

$(B)/asan/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O1 $(SAN) -c $< -o $@

$(B)/fuzzobj/%.o: %.c
	@mkdir -p $(@D)
	clang $(CFLAGS_BASE) -O1 -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

# The library's exported surface is the svm_ API only: its objects are linked into one (ld -r)
# and every other global symbol made local (objcopy), so internal helpers (wop_*, exec_*, ge_*,
# …) can neither clash with nor be called by a user's code (the `exports` step checks it).
# White-box unit tests and benches link libsupervm-internal.a: the same objects, nothing hidden.
$(B)/libsupervm.a: $(OBJ) Makefile
	@mkdir -p $(@D)
	@rm -f $@ $(B)/supervm-api.o
	ld -r -o $(B)/supervm-api.o $(OBJ)
	objcopy --wildcard --keep-global-symbol='svm_*' $(B)/supervm-api.o
	ar rcs $@ $(B)/supervm-api.o

$(B)/libsupervm-internal.a: $(OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(B)/asan/libsupervm.a: $(ASAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/fuzz/libsupervm.a: $(FUZZ_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(B)/supervm: $(CLI_SRC:%.c=$(B)/obj/%.o) $(B)/libsupervm.a
	$(CC) $(CFLAGS) -pthread -o $@ $^ $(LIBS)

$(B)/tests/%: tests/unit/%.c $(TESTLIB) $(B)/libsupervm-internal.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -Itests -o $@ $< $(TESTLIB) $(B)/libsupervm-internal.a -lcriterion $(LIBS)

$(B)/asan/tests/%: tests/unit/%.c $(TESTLIB) $(B)/asan/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -O1 $(SAN) -Itests -o $@ $< $(TESTLIB) $(B)/asan/libsupervm.a -lcriterion $(LIBS)

$(B)/fuzz/%: tests/fuzz/%.c $(B)/fuzz/libsupervm.a
	@mkdir -p $(@D)
	clang $(CFLAGS_BASE) -O1 -fsanitize=fuzzer,address,undefined -Itests -o $@ $< $(B)/fuzz/libsupervm.a $(LIBS)

$(B)/bench/%: bench/%.c $(B)/libsupervm-internal.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -Ibench -o $@ $< $(B)/libsupervm-internal.a $(LIBS)

# Unit tests, plain and under ASan+UBSan. Each runner prints "N passed, N failed" per suite;
# tests/summary.sh adds up every suite's line into the one closing line.
# The runner's status goes through tee with pipefail (bash: make's sh has none), so a failed case
# fails the step itself, not only the summary (tests/ci_guards.sh checks both).
test-unit: $(TESTS:%=$(B)/tests/%)
	@bash -o pipefail -c 'bash tests/run_unit.sh $(B)/tests $(TESTS) | tee $(B)/test-unit.log'

test-asan: $(TESTS:%=$(B)/asan/tests/%)
	@LABEL=asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  bash -o pipefail -c 'bash tests/run_unit.sh $(B)/asan/tests $(TESTS) | tee $(B)/test-asan.log'

# Other areas append to TEST_STEPS (each a make target that writes $(B)/<name>.log with a
# "N passed, N failed" line) from their mk/*.mk.
TEST_STEPS := test-unit test-asan

FUZZ_SECONDS ?= 20
fuzz: $(FUZZ:%=$(B)/fuzz/%)
	@bad=0; for f in $(FUZZ); do \
	  mkdir -p $(B)/fuzz/corpus/$$f; \
	  $(B)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
	    $(B)/fuzz/corpus/$$f $$( [ -d tests/fuzz/seeds/$$f ] && echo tests/fuzz/seeds/$$f ) \
	    > $(B)/fuzz/$$f.log 2>&1; rc=$$?; \
	  runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(B)/fuzz/$$f.log); \
	  if [ $$rc -ne 0 ]; then bad=$$((bad + 1)); tail -n 30 $(B)/fuzz/$$f.log; \
	    echo "$$f: FAILED (exit $$rc), log in $(B)/fuzz/$$f.log"; \
	  else printf '%-24s %10s runs in %ss\n' $$f "$$runs" $(FUZZ_SECONDS); fi; \
	done; [ $$bad -eq 0 ]

bench: $(BENCHES:%=$(B)/bench/%)
	@for b in $(BENCHES); do echo "== $$b"; $(B)/bench/$$b || exit 1; done

# cppcheck with the checked-in settings; clang-format over scripts/format-files.txt (or FILES=…).
lint:
	@bash scripts/lint.sh

format:
	@bash scripts/format.sh fix $(FILES)

format-check:
	@bash scripts/format.sh check

clean:
	rm -rf $(B)

-include $(wildcard mk/*.mk)

# `make test` runs every step (later ones too when one fails) and ends with one summary line.
# The steps' logs are removed first: a step that fails before writing its log must not be
# summed from an earlier run's. The steps run one at a time, but what a step builds first (the
# ASan objects and 49 test binaries of test-asan, the TSan objects of test-tsan, the spec
# suite's JSON, the simulators) is built with TEST_JOBS jobs: built serially it used one of CI's
# two cores. Each step's wall time goes to $(B)/test-times.log; the five slowest are printed
# before the summary line.
TEST_JOBS ?= 2
test:
	@rm -f $(TEST_STEPS:%=$(B)/%.log) $(B)/test-times.log; rc=0; for t in $(TEST_STEPS); do \
	  t0=$$(date +%s); $(MAKE) --no-print-directory -j$(TEST_JOBS) $$t || rc=1; \
	  echo "$$t $$(($$(date +%s) - t0))" >> $(B)/test-times.log; done; \
	  echo "slowest steps (s): $$(sort -k2,2nr $(B)/test-times.log | head -n 5 | tr '\n' ' ')"; \
	  bash tests/summary.sh $(TEST_STEPS:%=$(B)/%.log); s=$$?; [ $$rc -eq 0 ] && exit $$s || exit 1

-include $(shell find $(B) -name '*.d' 2>/dev/null)

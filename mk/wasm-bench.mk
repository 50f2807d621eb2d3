# make bench-wasm: builds the compute kernels of bench/wasm/kernels to wasm32 and natively,
# builds the harness in bench/wasm, and prints the native / SuperVM (gas on, gas off) /
# wasm-interp table described in docs/wasm-bench.md. Everything it writes is under build/bench-wasm.
# BENCH_WASM_ARGS passes options to the harness, e.g. BENCH_WASM_ARGS="--reps 5 --no-interp".

BW            := $(B)/bench-wasm
BW_KERNELS    := $(patsubst bench/wasm/kernels/%.c,%,$(sort $(wildcard bench/wasm/kernels/*.c)))
BW_WASM       := $(BW_KERNELS:%=$(BW)/wasm/%.wasm)
BW_NATIVE     := $(BW_KERNELS:%=$(BW)/native/%.o)
BW_KFLAGS     := -std=c17 -O2 -Wall -Wextra -Werror
BW_WASM_FLAGS := --target=wasm32 -ffreestanding -nostdlib -Wl,--no-entry \
                 -Wl,--export=run -Wl,--export=bench
BW_CFLAGS     := $(CSTD) $(WARN) -g $(OPT) -Iinclude
BW_HARNESS    := bench/wasm/main.c bench/wasm/native.c bench/wasm/interp.c
BW_HDRS       := bench/wasm/harness.h
BENCH_WASM_ARGS ?=

.PHONY: bench-wasm

$(BW)/wasm/%.wasm: bench/wasm/kernels/%.c bench/wasm/kernels/kernel.h
	@mkdir -p $(@D)
	clang $(BW_KFLAGS) $(BW_WASM_FLAGS) -o $@ $<

# Native kernels: the same source with its entries renamed so that all link into one harness.
$(BW)/native/%.o: bench/wasm/kernels/%.c bench/wasm/kernels/kernel.h
	@mkdir -p $(@D)
	clang $(BW_KFLAGS) -Dbench=bench_$* -Drun=run_$* -c -o $@ $<

# The harness without SuperVM (its columns read n/a) always builds; the one with SuperVM needs
# include/supervm/wasm.h and a libsupervm.a that implements it.
$(BW)/bench-wasm-nosvm: $(BW_HARNESS) bench/wasm/svm_none.c $(BW_HDRS) $(BW_NATIVE)
	@mkdir -p $(@D)
	$(CC) $(BW_CFLAGS) -DBENCH_SVM_MISSING='"the VM (wasm.h, libsupervm.a) did not build"' \
	  -o $@ $(filter %.c %.o,$^) -lm

$(BW)/bench-wasm-svm: $(BW_HARNESS) bench/wasm/svm.c $(BW_HDRS) $(BW_NATIVE) $(B)/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(BW_CFLAGS) -pthread -o $@ $(filter %.c %.o,$^) $(B)/libsupervm.a $(LIBS)

bench-wasm: $(BW_WASM) $(BW)/bench-wasm-nosvm
	@h=$(BW)/bench-wasm-nosvm; \
	if [ -f include/supervm/wasm.h ]; then \
	  if $(MAKE) --no-print-directory $(BW)/bench-wasm-svm >$(BW)/svm-build.log 2>&1; \
	  then h=$(BW)/bench-wasm-svm; \
	  else echo "bench-wasm: the SuperVM harness does not build yet (see $(BW)/svm-build.log);" \
	    "its columns read n/a"; fi; \
	fi; \
	$$h --wasm-dir $(BW)/wasm $(BENCH_WASM_ARGS)

# Instruction counts under cachegrind (slow, but the same on every run); see
# bench/wasm/cachegrind.sh. BENCH_WASM_KERNELS="fib sha256" limits the kernels.
.PHONY: bench-wasm-cachegrind
bench-wasm-cachegrind: $(BW_WASM) $(BW)/bench-wasm-nosvm
	@h=$(BW)/bench-wasm-nosvm; \
	if [ -f include/supervm/wasm.h ] && \
	  $(MAKE) --no-print-directory $(BW)/bench-wasm-svm >$(BW)/svm-build.log 2>&1; \
	then h=$(BW)/bench-wasm-svm; fi; \
	bash bench/wasm/cachegrind.sh $$h $(BW)/wasm $(BENCH_WASM_KERNELS)

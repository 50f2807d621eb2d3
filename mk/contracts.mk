# Example contracts, built from C with clang for wasm32 into build/contracts/*.wasm. The contract
# tests read them from there, so their binaries depend on them.
CONTRACT_SRC  := $(sort $(wildcard contracts/examples/*.c))
CONTRACT_WASM := $(CONTRACT_SRC:contracts/examples/%.c=$(B)/contracts/%.wasm)
WASM_CFLAGS   := --target=wasm32 -O2 -nostdlib -ffreestanding -Wall -Wextra -Werror \
                 -Wl,--no-entry -Wl,--export-dynamic -Wl,-z,stack-size=65536

.PHONY: contracts
contracts: $(CONTRACT_WASM)
all: $(CONTRACT_WASM)

$(B)/contracts/%.wasm: contracts/examples/%.c contracts/sdk/supervm.h
	@mkdir -p $(@D)
	clang $(WASM_CFLAGS) -o $@ $<

$(B)/tests/test_contract $(B)/asan/tests/test_contract: $(CONTRACT_WASM)

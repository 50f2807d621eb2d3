# The TypeScript SDK (sdk/ts, docs/sdk.md): its npm packages come from the checked-in
# package-lock.json (scripts/npm-deps.sh); `make sdk-ts` (a `make test` step) builds it with tsc
# and runs its tests with Node's test runner against vectors the C encoder prints
# (sdk/vectors/txvectors.c) and a real `supervm devnet`.

TXVECTORS_BIN := $(B)/sdk/txvectors

$(TXVECTORS_BIN): sdk/vectors/txvectors.c $(B)/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -o $@ $< $(B)/libsupervm.a $(LIBS)

all: $(TXVECTORS_BIN)

.PHONY: npm-deps sdk-ts
npm-deps:
	@bash scripts/npm-deps.sh

sdk-ts: $(B)/supervm $(TXVECTORS_BIN) $(CONTRACT_WASM) npm-deps
	@if command -v node >/dev/null; then cd sdk/ts && npx --no-install tsc -p .; fi
	@$(TXVECTORS_BIN) 200 > $(B)/sdk/txvectors.json
	@SVM_TX_VECTORS=$(abspath $(B)/sdk/txvectors.json) SUPERVM_BIN=$(abspath $(B)/supervm) \
	  timeout 300 bash scripts/node-test-log.sh sdk-ts $(B)/sdk-ts.log -- sdk/ts/dist/test/

TEST_STEPS += sdk-ts

# Contracts in AssemblyScript (sdk/as, docs/contracts.md): the test compiles the examples with
# asc (sdk/as/build.sh) and deploys and drives them on a real devnet through the TypeScript SDK.
.PHONY: sdk-as
sdk-as: $(B)/supervm $(CONTRACT_WASM) npm-deps
	@if command -v node >/dev/null; then cd sdk/ts && npx --no-install tsc -p .; fi
	@SUPERVM_BIN=$(abspath $(B)/supervm) \
	  timeout 300 bash scripts/node-test-log.sh sdk-as $(B)/sdk-as.log -- sdk/as/test/

TEST_STEPS += sdk-as

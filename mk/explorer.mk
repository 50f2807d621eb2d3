# The block explorer (explorer/, docs/explorer.md): its static files are built into the node
# (src/node/explorer.c, .incbin), so every object of that file depends on them; `make explorer`
# (a `make test` step) drives the page served by a real devnet in Debian's headless Chromium
# with puppeteer-core (explorer/test, npm packages from its package-lock.json).

EXPLORER_FILES := explorer/index.html explorer/app.js explorer/style.css
$(B)/obj/src/node/explorer.o $(B)/asan/obj/src/node/explorer.o $(B)/fuzzobj/src/node/explorer.o: $(EXPLORER_FILES)

CHROMIUM ?= /usr/bin/chromium

.PHONY: explorer
explorer: $(B)/supervm $(CONTRACT_WASM) $(AI_WASM) npm-deps
	@if command -v node >/dev/null; then cd sdk/ts && npx --no-install tsc -p .; fi
	@mkdir -p $(B)/explorer
	@SUPERVM_BIN=$(abspath $(B)/supervm) CHROMIUM=$(CHROMIUM) SHOTS=$(abspath $(B)/explorer) \
	  timeout 300 bash scripts/node-test-log.sh explorer $(B)/explorer.log -- explorer/test/

TEST_STEPS += explorer

# Around the node (issue 13, docs/ecosystem.md): the CLI's end-to-end tests (e2e-cli, a
# `make test` step) start the real build/supervm on free loopback ports.

# WebSocket subscriptions (src/node/subs.c) use Debian's libwebsockets.
LIBS += -lwebsockets

# `supervm indexer` (src/cli/indexer.c) writes to PostgreSQL through Debian's libpq.
LIBS += -lpq
$(B)/obj/src/cli/indexer.o: CFLAGS += -I/usr/include/postgresql

# `supervm --version` names the commit it was built from.
SVM_GIT_REV := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(B)/obj/src/cli/ux.o: CFLAGS += -DSVM_GIT_REV='"$(SVM_GIT_REV)"'

E2E_CLI_BIN := $(B)/e2e/e2e_cli

$(E2E_CLI_BIN): tests/e2e/e2e_cli.c $(TESTLIB) $(B)/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -Itests -o $@ $< $(TESTLIB) $(B)/libsupervm.a $(LIBS)

all: $(E2E_CLI_BIN)

# The log is written aside and renamed into place (as e2e does), so the summary never reads
# a half-written one.
.PHONY: e2e-cli
e2e-cli: $(B)/supervm $(E2E_CLI_BIN) $(CONTRACT_WASM)
	@tmp=$$(mktemp $(B)/e2e-cli.log.XXXXXX); \
	  timeout 300 $(E2E_CLI_BIN) $(B)/supervm > $$tmp 2>&1; rc=$$?; cat $$tmp; \
	  grep -q '^e2e-cli: ' $$tmp || printf 'e2e-cli: 0 passed, 1 failed\n' | tee -a $$tmp; \
	  chmod 644 $$tmp; mv -f $$tmp $(B)/e2e-cli.log; exit $$rc

TEST_STEPS += e2e-cli

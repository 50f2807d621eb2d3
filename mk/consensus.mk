# Consensus (src/consensus): the deterministic simulator (tests/sim) and the spin model of the
# voting and locking rules (tests/spin). `make test` runs SIM_SCENARIOS mixed scenarios, the
# check that the harness finds a safety violation with two Twins, the leader reputation check,
# the regression seeds and the check that a deliberately broken proposal rule is caught
# (build/sim-repropose, SIM_REPROPOSE seeds at most) (step test-sim, log build/test-sim.log),
# and the spin checks (step test-spin, build/test-spin.log).
# `make sim` runs SIM_LONG scenarios, niced, for at most SIM_SECONDS of wall time (it then
# stops starting scenarios and says how many ran), and prints scenarios/s. Replay one scenario:
# build/sim --seed S --scenarios 1.

SIM_SCENARIOS ?= 10000
SIM_LONG      ?= 1000000
SIM_SECONDS   ?= 1800
SIM_JOBS      ?= 2
SIM_REPROPOSE ?= 2000

.PHONY: test-sim test-spin sim sim-million

$(B)/sim: tests/sim/sim.c tests/sim/sim_main.c tests/sim/sim.h $(B)/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -Itests -o $@ tests/sim/sim.c tests/sim/sim_main.c $(B)/libsupervm.a $(LIBS)

# The simulator over a core whose proposal rule is deliberately broken (SVM_CONS_TEST_REPROPOSE:
# a leader sends its proposal before its vote is stored and proposes whatever its record says,
# so a restarted leader proposes again in its round): test-sim asserts that the
# double-proposal check catches it, prints the seed and replays it. Never part of libsupervm.
$(B)/sim-repropose: tests/sim/sim.c tests/sim/sim_main.c tests/sim/sim.h src/consensus/core.c $(OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -DSVM_CONS_TEST_REPROPOSE -c src/consensus/core.c -o $(B)/sim-repropose-core.o
	@rm -f $(B)/sim-repropose-rest.a
	ar rcs $(B)/sim-repropose-rest.a $(filter-out $(B)/obj/src/consensus/core.o,$(OBJ))
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -Itests -o $@ tests/sim/sim.c tests/sim/sim_main.c $(B)/sim-repropose-core.o \
	  $(B)/sim-repropose-rest.a $(LIBS)

test-sim: $(B)/sim $(B)/sim-repropose
	@{ $(B)/sim --scenarios $(SIM_SCENARIOS) --jobs $(SIM_JOBS) --twins-check 2000 --reputation-check --regression; \
	   $(B)/sim-repropose --catch-repropose $(SIM_REPROPOSE); } 2>&1 | tee $(B)/test-sim.log | tail -n 27; \
	  awk '/^sim: [0-9]+ passed, [0-9]+ failed$$/ { p += $$2; f += $$4; n++ } \
	       END { if (n != 2) f++; printf "test-sim: %d passed, %d failed\n", p, f }' $(B)/test-sim.log \
	  | tee -a $(B)/test-sim.log; grep -q '^test-sim: [0-9]* passed, 0 failed$$' $(B)/test-sim.log

test-spin:
	@bash tests/spin/run.sh $(B) 2>&1 | tee $(B)/test-spin.log; grep -q ' 0 failed$$' $(B)/test-spin.log

sim: $(B)/sim
	@nice $(B)/sim --scenarios $(SIM_LONG) --jobs $(SIM_JOBS) --seconds $(SIM_SECONDS) 2>&1 | tee $(B)/sim.log; \
	  grep -q ' 0 failed$$' $(B)/sim.log

# `make sim-million`: the SIM_LONG run in resumable chunks of SIM_CHUNK seeds (tests/sim/sim_million.sh):
# each invocation goes on from the seed the last one reached for at most SIM_SECONDS, so the
# million completes over several runs; SIM_RESET=1 starts again from seed 1. Its state lives in
# SIM_MILLION_DIR, outside the checkout (by default next to it: /work/sim-million for
# /work/main and every /work/wt-*), so the run accumulates across worktrees and sessions.
SIM_CHUNK       ?= 20000
SIM_MILLION_DIR ?= $(abspath $(CURDIR)/../sim-million)
sim-million: $(B)/sim
	@bash tests/sim/sim_million.sh $(B) $(SIM_LONG) $(SIM_CHUNK) $(SIM_SECONDS) $(SIM_JOBS) $(SIM_MILLION_DIR)

TEST_STEPS += test-sim test-spin

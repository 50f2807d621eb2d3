# The economy (issue 10, docs/economics.md): the end-to-end test of its programs against the
# real binary (pools and swaps, staking into the active set, a governed fee change, an upgrade
# plan stopping the node, a crafted double vote slashed and jailed). Its log build/e2e-econ.log
# ends with "e2e-econ: N passed, N failed". forge_evidence signs the double vote (a helper).
FORGE_EVIDENCE := $(B)/e2e/forge_evidence

$(FORGE_EVIDENCE): tests/e2e/forge_evidence.c $(B)/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -o $@ $< $(B)/libsupervm.a $(LIBS)

.PHONY: e2e-econ
e2e-econ: $(B)/supervm $(FORGE_EVIDENCE) $(B)/contracts/counter.wasm $(B)/contracts/xvm.wasm
	@tmp=$$(mktemp $(B)/e2e-econ.log.XXXXXX); \
	  FORGE_EVIDENCE=$(FORGE_EVIDENCE) timeout 300 bash tests/e2e/e2e_econ.sh $(B)/supervm > $$tmp 2>&1; rc=$$?; cat $$tmp; \
	  grep -q '^e2e-econ: ' $$tmp || printf 'e2e-econ: 0 passed, 1 failed\n' | tee -a $$tmp; \
	  chmod 644 $$tmp; mv -f $$tmp $(B)/e2e-econ.log; exit $$rc

TEST_STEPS += e2e-econ

# Downtime and double-sign slashing on real processes (tests/e2e/e2e_downtime.sh): four `supervm
# node` validators whose set is staking's; one stopped is jailed for downtime and leaked, restarts,
# unjails and rejoins; a double vote gossiped as consensus evidence is reported to the staking
# program by the nodes themselves. Log build/e2e-downtime.log ("e2e-downtime: N passed, N failed").
.PHONY: e2e-downtime
e2e-downtime: $(B)/supervm $(FORGE_EVIDENCE)
	@tmp=$$(mktemp $(B)/e2e-downtime.log.XXXXXX); \
	  FORGE_EVIDENCE=$(FORGE_EVIDENCE) timeout 300 bash tests/e2e/e2e_downtime.sh $(B)/supervm > $$tmp 2>&1; rc=$$?; cat $$tmp; \
	  grep -q '^e2e-downtime: ' $$tmp || printf 'e2e-downtime: 0 passed, 1 failed\n' | tee -a $$tmp; \
	  chmod 644 $$tmp; mv -f $$tmp $(B)/e2e-downtime.log; exit $$rc

TEST_STEPS += e2e-downtime

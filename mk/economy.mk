# The economy (issue 10, docs/economics.md): the end-to-end test of its programs against the
# real binary (pools and swaps, staking into the active set, a governed fee change, an upgrade
# plan stopping the node, a crafted double vote slashed and jailed). Its log build/e2e-econ.log
# ends with "e2e-econ: N passed, N failed". forge_evidence signs the double vote (a helper).
FORGE_EVIDENCE := $(B)/e2e/forge_evidence

$(FORGE_EVIDENCE): tests/e2e/forge_evidence.c $(B)/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -o $@ $< $(B)/libsupervm.a $(LIBS)

.PHONY: e2e-econ
e2e-econ: $(B)/supervm $(FORGE_EVIDENCE)
	@tmp=$$(mktemp $(B)/e2e-econ.log.XXXXXX); \
	  FORGE_EVIDENCE=$(FORGE_EVIDENCE) timeout 300 bash tests/e2e/e2e_econ.sh $(B)/supervm > $$tmp 2>&1; rc=$$?; cat $$tmp; \
	  grep -q '^e2e-econ: ' $$tmp || printf 'e2e-econ: 0 passed, 1 failed\n' | tee -a $$tmp; \
	  chmod 644 $$tmp; mv -f $$tmp $(B)/e2e-econ.log; exit $$rc

TEST_STEPS += e2e-econ

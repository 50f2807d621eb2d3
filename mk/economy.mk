# The economy (issue 10, docs/economics.md): the end-to-end test of its programs against the
# real binary (pools and swaps, staking into the active set, a governed fee change, an upgrade
# plan stopping the node). Its log build/e2e-econ.log ends with "e2e-econ: N passed, N failed".
.PHONY: e2e-econ
e2e-econ: $(B)/supervm
	@tmp=$$(mktemp $(B)/e2e-econ.log.XXXXXX); \
	  timeout 300 bash tests/e2e/e2e_econ.sh $(B)/supervm > $$tmp 2>&1; rc=$$?; cat $$tmp; \
	  grep -q '^e2e-econ: ' $$tmp || printf 'e2e-econ: 0 passed, 1 failed\n' | tee -a $$tmp; \
	  chmod 644 $$tmp; mv -f $$tmp $(B)/e2e-econ.log; exit $$rc

TEST_STEPS += e2e-econ

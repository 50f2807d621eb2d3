# The privacy path (issue 14, docs/privacy.md): `make bench-zk` prints the multiscalar
# multiplication table (libsodium one product at a time vs our own arithmetic vs Pippenger, the
# same inputs in the same run) and the Bulletproofs / balance-proof timings. The unit suites
# (tests/unit/test_zk*.c) run in test-unit and test-asan; fuzz_zk_decode in `make fuzz`.
.PHONY: bench-zk
bench-zk: $(B)/bench/bench_zk
	@nice $(B)/bench/bench_zk

# Regenerates the Groth16 vectors with circom2 and snarkjs from npm (tools/groth16, locked by its
# package-lock.json); the unit tests read the checked-in tests/vectors/groth16 only.
.PHONY: groth16-vectors
groth16-vectors:
	@bash scripts/groth16-vectors.sh

# The privacy path end to end (tests/e2e/e2e_privacy.sh): a devnet and the confidential wallet
# (`supervm conf …`): deposits, listing by scanning, a ring send, a withdraw, a double spend
# refused, the relay (concurrent clients within its bounds). Its log build/e2e-privacy.log ends with "e2e-privacy: N passed, N failed".
.PHONY: e2e-privacy
e2e-privacy: $(B)/supervm
	@tmp=$$(mktemp $(B)/e2e-privacy.log.XXXXXX); \
	  timeout 480 bash tests/e2e/e2e_privacy.sh $(B)/supervm > $$tmp 2>&1; rc=$$?; cat $$tmp; \
	  grep -q '^e2e-privacy: ' $$tmp || printf 'e2e-privacy: 0 passed, 1 failed\n' | tee -a $$tmp; \
	  chmod 644 $$tmp; mv -f $$tmp $(B)/e2e-privacy.log; exit $$rc

TEST_STEPS += e2e-privacy

# An independent cross-check of src/zk (tools/zk-xcheck, docs/privacy.md): our commitments,
# multiscalar products, range proofs, balance proof and CLSAGs, recomputed or verified with
# @noble/curves' ristretto255 (npm, pinned by its package-lock.json). Its log
# build/zk-xcheck.log ends with "zk-xcheck: N passed, N failed".
$(B)/tools/zk_xcheck_emit: tools/zk-xcheck/emit.c $(B)/libsupervm.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) $(CFLAGS) -o $@ $< $(B)/libsupervm.a $(LIBS)

.PHONY: zk-xcheck
zk-xcheck: $(B)/tools/zk_xcheck_emit
	@tmp=$$(mktemp $(B)/zk-xcheck.log.XXXXXX); \
	  timeout 600 bash tools/zk-xcheck/run.sh $(B)/tools/zk_xcheck_emit $(B)/zk-xcheck > $$tmp 2>&1; rc=$$?; cat $$tmp; \
	  grep -q '^zk-xcheck: [0-9]' $$tmp || printf 'zk-xcheck: 0 passed, 1 failed\n' | tee -a $$tmp; \
	  chmod 644 $$tmp; mv -f $$tmp $(B)/zk-xcheck.log; exit $$rc

TEST_STEPS += zk-xcheck

# Groth16 from WebAssembly contracts (the groth16_verify host function): tests/unit/
# test_groth16_wasm.c deploys contracts/examples/zkverify.c.
$(B)/tests/test_groth16_wasm $(B)/asan/tests/test_groth16_wasm: $(B)/contracts/zkverify.wasm

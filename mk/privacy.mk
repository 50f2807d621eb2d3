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

/* The consensus test fixture shared by tests/unit/test_consensus.c and
 * tests/fuzz/fuzz_cons_core.c: deterministic validator keys and set, the genesis id, and a
 * trivial host (blocks carry only their header, execution returns the block id as the root,
 * commits succeed). Header-only (static inline) so the fuzz target, which links no test
 * library, can use it too. */
#ifndef SUPERVM_TESTS_CONSTEST_H
#define SUPERVM_TESTS_CONSTEST_H

#include <string.h>

#include "supervm/consensus.h"

/* The set the trivial host's validators() answers with (the last one constest_set built). */
static const svm_cons_valset_t *constest_current;

/* keys[i] from seed {i + 1, 0, …}, a set of epoch 0 with stakes (NULL: all 1) into *vs, genesis
 * = SHA-256("genesis"). Returns 0 or the first error. */
static inline int constest_set(svm_keypair_t *keys, size_t n, const uint64_t *stakes,
			       svm_cons_valset_t *vs, svm_hash_t *genesis)
{
	int rc = svm_crypto_init();
	svm_cons_validator_t v[SVM_CONS_VALIDATORS_MAX];
	for (size_t i = 0; i < n && rc == 0; i++) {
		uint8_t seed[32] = {0};
		seed[0] = (uint8_t)(i + 1);
		svm_keypair_from_seed(&keys[i], seed);
		v[i].id = keys[i].id;
		memcpy(v[i].pubkey, keys[i].public_key, 32);
		v[i].stake = stakes ? stakes[i] : 1;
	}
	if (rc == 0) rc = svm_cons_valset_build(vs, 0, v, n, NULL);
	svm_sha256("genesis", 7, genesis);
	constest_current = vs;
	return rc;
}

static inline int constest_validators(void *ctx, uint64_t epoch, svm_cons_valset_t *out)
{
	(void)ctx, (void)epoch;
	*out = *constest_current;
	return 0;
}

static inline int constest_propose(void *ctx, const svm_header_t *t, svm_buf_t *out)
{
	(void)ctx;
	svm_block_t b;
	memset(&b, 0, sizeof b);
	b.header = *t;
	return svm_block_encode(&b, out);
}

static inline int constest_execute(void *ctx, const svm_hash_t *id, const uint8_t *blk, size_t len,
				   svm_hash_t *root)
{
	(void)ctx, (void)blk, (void)len;
	*root = *id;
	return 0;
}

static inline int constest_commit(void *ctx, const svm_hash_t *id, const uint8_t *blk, size_t len,
				  uint64_t height, const svm_cons_qc_t *qc)
{
	(void)ctx, (void)id, (void)blk, (void)len, (void)height, (void)qc;
	return 0;
}

#endif

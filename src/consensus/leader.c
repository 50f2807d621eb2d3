/* Leader election: a stake-weighted, integer-only pick from a seed no single validator chooses
 * (the epoch seed, itself a hash of the previous epoch's committed VRF outputs), VRF inputs,
 * and the epoch seed chain. The core's per-round rule (with reputation) is in core.c. */
#include <string.h>

#include "consensus/internal.h"

/* 256-bit big-endian seed mod m (m > 0), integers only: Horner over four 64-bit limbs (r < m
 * < 2^64 before each step, so (r << 64) | limb fits in 128 bits). */
static uint64_t seed_mod(const svm_hash_t *seed, uint64_t m)
{
	unsigned __int128 r = 0;
	for (int i = 0; i < SVM_HASH_SIZE; i += 8) r = ((r << 64) | svm_get_u64be(seed->b + i)) % m;
	return (uint64_t)r;
}

uint32_t svm_cons_pick(const svm_cons_valset_t *vs, const svm_hash_t *seed,
		       const uint8_t *eligible)
{
	uint64_t total = 0;
	for (uint32_t i = 0; i < vs->n; i++)
		if (eligible == NULL || cons_bit(eligible, i)) total += vs->v[i].stake;
	if (total == 0) { /* nobody eligible: fall back to the whole set */
		eligible = NULL;
		total = vs->total_stake;
	}
	SVM_ASSERT(total > 0);
	uint64_t point = seed_mod(seed, total), acc = 0;
	for (uint32_t i = 0; i < vs->n; i++) {
		if (eligible != NULL && !cons_bit(eligible, i)) continue;
		acc += vs->v[i].stake;
		if (point < acc) return i;
	}
	SVM_ASSERT(false); /* point < total = the final acc */
	return 0;
}

void cons_leader_seed(const svm_hash_t *epoch_seed, uint64_t round, svm_hash_t *out)
{
	uint8_t r[8];
	svm_put_u64be(r, round);
	svm_slice_t parts[] = {{epoch_seed->b, 32}, {r, 8}};
	svm_sha256_tagged("svm/cons/leader", parts, 2, out);
}

void svm_cons_vrf_alpha(const svm_hash_t *epoch_seed, uint64_t round, svm_hash_t *alpha)
{
	uint8_t r[8];
	svm_put_u64be(r, round);
	svm_slice_t parts[] = {{epoch_seed->b, 32}, {r, 8}};
	svm_sha256_tagged("svm/cons/vrf", parts, 2, alpha);
}

void svm_cons_epoch_seed(const svm_hash_t *prev_seed, const uint8_t (*vrf_outputs)[64],
			 size_t n, svm_hash_t *out)
{
	svm_sha256_ctx_t c;
	svm_sha256_init(&c);
	svm_sha256_update(&c, "svm/cons/epoch", 14);
	svm_sha256_update(&c, prev_seed->b, 32);
	for (size_t i = 0; i < n; i++) svm_sha256_update(&c, vrf_outputs[i], 64);
	svm_sha256_final(&c, out);
}

void svm_cons_inactive_carry(const svm_cons_valset_t *prev, const svm_cons_valset_t *next,
			     const svm_header_t *headers, size_t n, uint8_t out[SVM_CONS_BITMAP_BYTES])
{
	memset(out, 0, SVM_CONS_BITMAP_BYTES);
	if (n == 0) return;
	uint8_t active[SVM_CONS_BITMAP_BYTES] = {0};
	svm_cons_qc_t *qc = svm_malloc(sizeof *qc);
	for (size_t k = 0; k < n; k++) {
		int p = svm_cons_valset_index(prev, &headers[k].proposer);
		if (p >= 0) cons_bit_set(active, (uint32_t)p);
		if (qc != NULL && svm_cons_qc_decode(headers[k].parent_qc, headers[k].parent_qc_len, qc, NULL) == 0 &&
		    qc->epoch == prev->epoch)
			for (uint32_t i = 0; i < SVM_CONS_BITMAP_BYTES; i++) active[i] |= qc->bitmap[i];
	}
	for (uint32_t j = 0; j < next->n; j++) {
		int i = svm_cons_valset_index(prev, &next->v[j].id);
		if (i >= 0 && !cons_bit(active, (uint32_t)i)) cons_bit_set(out, j);
	}
	if (qc == NULL) memset(out, 0, SVM_CONS_BITMAP_BYTES); /* no memory: no one is carried */
	svm_free(qc);
}

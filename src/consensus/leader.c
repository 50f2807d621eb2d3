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
	SVM_ASSERT(m > 0);
	for (int i = 0; i < SVM_HASH_SIZE; i += 8) r = ((r << 64) | svm_get_u64be(seed->b + i)) % m;
	SVM_ASSERT(r < m);
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
	SVM_ASSERT(total > 0 && total <= vs->total_stake); /* eligible stake is part of the set's */
	uint64_t point = seed_mod(seed, total), acc = 0;
	for (uint32_t i = 0; i < vs->n; i++) {
		if (eligible != NULL && !cons_bit(eligible, i)) continue;
		acc += vs->v[i].stake;
		SVM_ASSERT(acc <= total);
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

/* Reputation state while a window is replayed oldest first. A validator has *failed* when its
 * latest failed round in the window is newer than its latest proposal; recent[] holds the
 * validators that ever failed, most recent failure first. */
typedef struct {
	uint64_t last_fail[SVM_CONS_VALIDATORS_MAX]; /* round + 1 of its latest failure, 0: none */
	uint64_t last_prop[SVM_CONS_VALIDATORS_MAX]; /* round + 1 of its latest proposal, 0: none */
	uint32_t recent[SVM_CONS_VALIDATORS_MAX], n_recent;
	uint8_t active[SVM_CONS_BITMAP_BYTES]; /* proposed or signed a parent QC so far */
} rep_state_t;

static bool rep_failed(const rep_state_t *st, uint32_t x) { return st->last_fail[x] > st->last_prop[x]; }

static void rep_blame(rep_state_t *st, uint32_t x, uint64_t round)
{
	SVM_ASSERT(x < SVM_CONS_VALIDATORS_MAX);
	st->last_fail[x] = round + 1;
	uint32_t k = 0;
	while (k < st->n_recent && st->recent[k] != x) k++;
	if (k == st->n_recent) {
		SVM_ASSERT(st->n_recent < SVM_CONS_VALIDATORS_MAX);
		st->n_recent++;
	}
	memmove(st->recent + 1, st->recent, k * sizeof st->recent[0]); /* x to the front */
	st->recent[0] = x;
	SVM_ASSERT(k < st->n_recent && st->n_recent <= SVM_CONS_VALIDATORS_MAX);
}

/* The pick of `round` from the state: the failed excluded, most recent failure first, then the
 * inactive (`inactive` bits), as long as the excluded stake stays under a third. */
static uint32_t rep_pick(const svm_cons_valset_t *vs, const svm_hash_t *epoch_seed, uint64_t round,
			 const rep_state_t *st, const uint8_t *inactive)
{
	uint32_t order[SVM_CONS_VALIDATORS_MAX], n_order = 0;
	for (uint32_t k = 0; k < st->n_recent; k++)
		if (rep_failed(st, st->recent[k])) order[n_order++] = st->recent[k];
	if (inactive != NULL)
		for (uint32_t x = 0; x < vs->n; x++)
			if (cons_bit(inactive, x) && !rep_failed(st, x)) order[n_order++] = x;
	SVM_ASSERT(n_order <= vs->n);
	uint8_t eligible[SVM_CONS_BITMAP_BYTES];
	memset(eligible, 0xff, sizeof eligible);
	uint64_t excluded = 0;
	for (uint32_t k = 0; k < n_order; k++) {
		uint64_t stake = vs->v[order[k]].stake;
		if (3 * (excluded + stake) >= vs->total_stake) break;
		excluded += stake;
		eligible[order[k] / 8] &= (uint8_t) ~(1u << (order[k] % 8));
	}
	/* under a third excluded: more than two thirds still eligible, so a pick always exists */
	SVM_ASSERT(excluded == 0 || 3 * excluded < vs->total_stake);
	svm_hash_t seed;
	cons_leader_seed(epoch_seed, round, &seed);
	return svm_cons_pick(vs, &seed, excluded == 0 ? NULL : eligible);
}

/* The inactive as the pick of a round after the first `done` blocks (oldest first) sees them:
 * only with a complete window; at the epoch's start those not active so far and carried, else
 * those not active in the whole window. */
static const uint8_t *rep_inactive(const svm_cons_valset_t *vs, const rep_state_t *st, bool complete,
				   bool at_base, const uint8_t *carry, const uint8_t *active_all,
				   uint8_t out[SVM_CONS_BITMAP_BYTES])
{
	if (!complete) return NULL;
	memset(out, 0, SVM_CONS_BITMAP_BYTES);
	for (uint32_t x = 0; x < vs->n; x++)
		if (at_base ? !cons_bit(st->active, x) && carry != NULL && cons_bit(carry, x) : !cons_bit(active_all, x))
			cons_bit_set(out, x);
	return out;
}

/* Blames the rounds of the gap (after, to) — rounds with no certified block on this chain, the
 * newest CONS_REPUTATION_GAP_MAX of them — each on the leader it had by the state so far. */
static void rep_gap(const svm_cons_valset_t *vs, const svm_hash_t *epoch_seed, uint64_t after, uint64_t to,
		    rep_state_t *st, bool complete, bool at_base, const uint8_t *carry_inactive,
		    const uint8_t *active_all)
{
	uint64_t from = after + 1; /* none when a (malformed) round does not grow */
	if (to > from && to - from > CONS_REPUTATION_GAP_MAX) from = to - CONS_REPUTATION_GAP_MAX;
	uint8_t inactive[SVM_CONS_BITMAP_BYTES];
	for (uint64_t r = from; r < to; r++) {
		const uint8_t *in = rep_inactive(vs, st, complete, at_base, carry_inactive, active_all, inactive);
		rep_blame(st, rep_pick(vs, epoch_seed, r, st, in), r);
	}
}

/* The window is replayed oldest first. Each round of a gap (no certified block on this chain)
 * blames the leader that round actually had — the pick from what the window shows up to that
 * round, with the failures before it excluded — not the round's base leader, who may have been
 * excluded and replaced (the replacement is the one that failed). For the newest gap (the rounds
 * between win[0] and `round`) that pick is exactly the one every validator made then; for older
 * gaps it is the pick from the part of the window below them (the blocks further back, outside
 * the window, are not consulted: the rule stays a bounded function of the window). Leaves in
 * *st the state the pick of `round` sees, in active_all those active anywhere in the window. */
static void rep_replay(const svm_cons_valset_t *vs, const svm_hash_t *epoch_seed, uint64_t round,
		       const cons_rep_block_t *win, uint32_t n, bool complete, bool at_base,
		       const uint8_t *carry_inactive, rep_state_t *st,
		       uint8_t active_all[SVM_CONS_BITMAP_BYTES])
{
	SVM_ASSERT(n <= CONS_REPUTATION_WINDOW);
	memset(st, 0, sizeof *st);
	memset(active_all, 0, SVM_CONS_BITMAP_BYTES);
	for (uint32_t k = 0; k < n; k++) {
		cons_bit_set(active_all, win[k].proposer);
		for (uint32_t i = 0; i < SVM_CONS_BITMAP_BYTES; i++) active_all[i] |= win[k].signers[i];
	}
	/* At the epoch's start the window begins at its genesis block (round 0): the rounds before
	 * the oldest block failed too (the epoch's first rounds; without this a leader that failed
	 * round 1 was handed later rounds of the epoch as if nothing had happened). */
	if (at_base)
		rep_gap(vs, epoch_seed, 0, n > 0 ? win[n - 1].round : round, st, complete, at_base, carry_inactive,
			active_all);
	for (uint32_t k = n; k-- > 0;) {
		const cons_rep_block_t *b = &win[k];
		SVM_ASSERT(b->proposer < vs->n);
		st->last_prop[b->proposer] = b->round + 1;
		cons_bit_set(st->active, b->proposer);
		for (uint32_t i = 0; i < SVM_CONS_BITMAP_BYTES; i++) st->active[i] |= b->signers[i];
		rep_gap(vs, epoch_seed, b->round, k == 0 ? round : win[k - 1].round, st, complete, at_base,
			carry_inactive, active_all);
	}
}

uint32_t cons_reputation_leader(const svm_cons_valset_t *vs, const svm_hash_t *epoch_seed,
				uint64_t round, const cons_rep_block_t *win, uint32_t n, bool complete,
				bool at_base, const uint8_t *carry_inactive)
{
	rep_state_t state, *st = &state; /* ~2.6 KiB: no allocation, so no answer depends on memory */
	uint8_t active_all[SVM_CONS_BITMAP_BYTES], inactive[SVM_CONS_BITMAP_BYTES];
	rep_replay(vs, epoch_seed, round, win, n, complete, at_base, carry_inactive, st, active_all);
	const uint8_t *in = rep_inactive(vs, st, complete, at_base, carry_inactive, active_all, inactive);
	uint32_t leader = rep_pick(vs, epoch_seed, round, st, in);
	SVM_ASSERT(leader < vs->n);
	return leader;
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

/* The validators that failed a round of the previous epoch's last blocks (win, newest first, n
 * of them) and proposed nothing after it (rep_failed), replayed with that epoch's seed. The
 * window's own carry (of the epoch before) is not known here, so a window shorter than
 * CONS_REPUTATION_WINDOW is replayed without inactive exclusions: an approximation of the
 * leaders that epoch had, but a pure function of the headers, the same on every validator. */
static void carry_failed(const svm_cons_valset_t *prev, const svm_hash_t *prev_seed,
			 const cons_rep_block_t *win, uint32_t n, uint8_t failed[SVM_CONS_BITMAP_BYTES])
{
	SVM_ASSERT(n <= CONS_REPUTATION_WINDOW);
	memset(failed, 0, SVM_CONS_BITMAP_BYTES);
	if (n == 0) return;
	rep_state_t st; /* on the stack, as in cons_reputation_leader: no answer depends on memory */
	uint8_t active_all[SVM_CONS_BITMAP_BYTES];
	rep_replay(prev, prev_seed, win[0].round + 1, win, n, n == CONS_REPUTATION_WINDOW, false, NULL, &st,
		   active_all);
	for (uint32_t x = 0; x < prev->n; x++)
		if (rep_failed(&st, x)) cons_bit_set(failed, x);
}

void svm_cons_inactive_carry(const svm_cons_valset_t *prev, const svm_hash_t *prev_seed,
			     const svm_cons_valset_t *next, const svm_header_t *headers, size_t n,
			     uint8_t out[SVM_CONS_BITMAP_BYTES])
{
	memset(out, 0, SVM_CONS_BITMAP_BYTES);
	if (n == 0) return;
	if (n > CONS_REPUTATION_WINDOW) n = CONS_REPUTATION_WINDOW;
	uint8_t active[SVM_CONS_BITMAP_BYTES] = {0}, failed[SVM_CONS_BITMAP_BYTES] = {0};
	cons_rep_block_t win[CONS_REPUTATION_WINDOW];
	uint32_t w = 0;
	bool win_open = true; /* the headers so far form a window: prev's blocks, rounds falling */
	svm_cons_qc_t *qc = svm_malloc(sizeof *qc);
	if (qc == NULL) return; /* no memory: no one is carried */
	for (size_t k = 0; k < n; k++) {
		int p = svm_cons_valset_index(prev, &headers[k].proposer);
		uint8_t signers[SVM_CONS_BITMAP_BYTES] = {0};
		if (svm_cons_qc_decode(headers[k].parent_qc, headers[k].parent_qc_len, qc, NULL) == 0 &&
		    qc->epoch == prev->epoch)
			memcpy(signers, qc->bitmap, SVM_CONS_BITMAP_BYTES);
		if (p >= 0) cons_bit_set(active, (uint32_t)p);
		for (uint32_t i = 0; i < SVM_CONS_BITMAP_BYTES; i++) active[i] |= signers[i];
		win_open = win_open && p >= 0 && (w == 0 || headers[k].round < win[w - 1].round);
		if (!win_open) continue;
		win[w] = (cons_rep_block_t){.round = headers[k].round, .proposer = (uint32_t)p};
		memcpy(win[w].signers, signers, SVM_CONS_BITMAP_BYTES);
		w++;
	}
	svm_free(qc);
	SVM_ASSERT(w <= n);
	if (prev_seed != NULL) carry_failed(prev, prev_seed, win, w, failed);
	for (uint32_t j = 0; j < next->n; j++) {
		int i = svm_cons_valset_index(prev, &next->v[j].id);
		if (i >= 0 && (!cons_bit(active, (uint32_t)i) || cons_bit(failed, (uint32_t)i))) cons_bit_set(out, j);
	}
}

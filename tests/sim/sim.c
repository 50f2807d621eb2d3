/* Deterministic simulator of the consensus core: N validators (plus Twins: second instances of
 * some identities) in one process over a seeded network that delays, drops, duplicates and
 * reorders messages and partitions the instances per time window, with crashes and restarts
 * from the persisted safety record. After every step it checks: honest committed chains are
 * prefixes of each other (and each block is applied once, in height order); no honest identity
 * signs two different votes or timeouts in a round; every QC/TC it emits carries a valid
 * quorum; no honest core sees a QC commit off its chain; and after the network heals, every
 * honest running instance commits again within a bound. A scenario is a function of its seed:
 * a failure prints the seed and `sim --seed S --scenarios 1` replays it exactly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "supervm/consensus.h"

#define INST_MAX 16           /* instances (identities + twins) */
#define MSGS_MAX 8192         /* messages in flight */
#define ROUNDS_TRACKED 1024   /* rounds whose signatures are tracked for double signing */
#define HEIGHTS_MAX 1024      /* committed heights checked */
#define STEPS_MAX 400000      /* events per scenario */
#define WINDOWS_MAX 8         /* partition windows before the heal */
#define PROPOSE_GAP_MS 5      /* the simulated hosts' block pacing */
#define STORED_BLOCKS_MAX 4096 /* proposals a simulated host stores */
#define CATCH_UP_BLOCKS 32    /* lag at which a simulated host syncs committed blocks */
#define EXECUTED_MAX 256      /* block ids a simulated host remembers having executed */
#define EXEC_WALK_MAX 64      /* uncommitted ancestors a host executes on demand (as the node) */
#define EPOCHS_MAX 256        /* epochs a scenario may reach */
#define HELD_MAX 32           /* next-epoch messages an instance holds until its switch (node) */
#define HELD_PEER_MAX 4       /* of them from one sender (the node's bounds) */
#define VERIFIED_QCS 8        /* QCs the checks verified, not verified again when identical */

/* ------------------------------------------------------------ rng */

typedef struct {
	uint64_t s;
} rng_t;

static uint64_t rnd(rng_t *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
static uint64_t below(rng_t *r, uint64_t n) { return n ? rnd(r) % n : 0; }

/* ----------------------------------------------------- fake signatures */

/* A keyed mix standing in for Ed25519 so millions of scenarios fit in minutes: 32 bytes that
 * depend on every byte of the public key and of the digest (each 64-bit lane is a SplitMix64
 * finalization of a key word, a digest word and the previous lane), then zeros. Forgeable by
 * design — the simulated faulty validators are Twins (they sign with their own identity only)
 * and never forge; what the checks need is that a signature by another key or over another
 * digest does not verify, which holds except by a 2^-64-scale accident. It was SHA-256(pk ‖
 * digest): 15 % of all instructions of a mixed run (callgrind, docs/consensus.md). */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
static void fake_sign_pk(const uint8_t pk[32], const svm_hash_t *d, uint8_t sig[64])
{
	uint64_t acc = 0x5160a1ull, lane[4];
	for (int r = 0; r < 2; r++) /* two passes: every lane depends on all eight words */
		for (int i = 0; i < 4; i++) {
			acc = mix64(acc ^ svm_get_u64le(pk + 8 * i) ^ mix64(svm_get_u64le(d->b + 8 * i) + (uint64_t)i));
			lane[i] = acc;
		}
	for (int i = 0; i < 4; i++) svm_put_u64le(sig + 8 * i, lane[i]);
	memset(sig + 32, 0, 32);
}
static void fake_sign(void *ctx, const svm_hash_t *d, uint8_t sig[64])
{
	fake_sign_pk((const uint8_t *)ctx, d, sig);
}
static int fake_verify(void *ctx, const uint8_t pk[32], const svm_hash_t *d, const uint8_t sig[64])
{
	uint8_t want[64];
	fake_sign_pk(pk, d, want);
	return memcmp(want, sig, 64) == 0 ? 0 : SVM_ESIG;
}

/* ------------------------------------------------------------ world */

typedef struct {
	uint64_t at, seq;
	uint32_t from_ident, to_inst;
	uint8_t *p;
	size_t len;
	uint32_t to_life; /* the receiver's incarnation when sent (sessions) */
} msg_t;

typedef struct sim sim_t;

typedef struct {
	sim_t *sim;
	uint32_t idx, ident;
	bool honest, up;
	svm_cons_t *core;
	svm_keypair_t key;
	svm_cons_signer_t signer;
	uint8_t *disk; /* the persisted safety record (grown to the largest written) */
	size_t disk_len, disk_cap;
	svm_hash_t *log; /* committed block ids by height-1 (the host's applied chain) */
	uint64_t log_n;
	uint64_t deadline;
	uint64_t down_until;
	uint64_t heal_height; /* committed height when the network healed */
	uint64_t proposed_at;
	uint8_t **blocks;   /* the host's block store: proposal messages (survive crashes) */
	size_t *block_len;
	svm_hash_t *block_id;
	uint64_t *block_height;
	size_t n_blocks;
	bool has_proposed;
	/* Execution as the node does it: a block executes only on an executed (or committed)
	 * parent; ancestors the core holds are executed on demand; the rest is "not found". */
	svm_hash_t executed[EXECUTED_MAX]; /* ring; lost in a crash */
	uint32_t n_executed, next_executed;
	uint64_t miss_round;      /* a proposal of this round could not be executed yet */
	svm_hash_t miss_id, miss_parent;
	/* the epoch (kept across crashes: the node persists it) */
	uint64_t epoch, epoch_height;
	svm_hash_t epoch_start, epoch_seed;
	bool epoch_pending;       /* committed the set-changing block: start the next epoch */
	msg_t held[HELD_MAX];     /* the next epoch's messages, arrived before the switch (memory) */
	uint32_t n_held;
	/* transport sessions (opts.sessions) */
	uint32_t life;            /* incarnation: starts and restarts */
	uint64_t sess_at;         /* its sessions are up from then on (after a (re)start) */
	bool sess_pending;        /* the moment they come up is still to be stepped */
	bool seen[INST_MAX];      /* had a session with identity j since its (re)start */
	bool told_down[INST_MAX]; /* its core was told identity j's sessions closed */
} inst_t;

typedef struct {
	uint64_t start, end;
	uint8_t group[INST_MAX]; /* instances in different groups cannot talk */
} window_t;

struct sim {
	sim_opts_t o;
	rng_t rng;
	uint32_t n_ident, n_inst;
	svm_cons_valset_t vs;
	svm_cons_valset_t **sets; /* by epoch (sets[0] = vs), each allocated and built on first use */
	svm_hash_t epoch_start[EPOCHS_MAX]; /* the block each epoch started on (all honest agree) */
	bool epoch_known[EPOCHS_MAX];
	uint64_t base_stake[INST_MAX];
	svm_keypair_t keys[INST_MAX];
	inst_t inst[INST_MAX];
	svm_hash_t genesis;
	uint64_t now, seq;
	svm_cons_qc_t verified[VERIFIED_QCS]; /* ring: QCs the checks verified (sim_qc_verify) */
	uint32_t verified_next;
	msg_t *q; /* binary heap by (at, seq) */
	size_t q_n;
	window_t win[WINDOWS_MAX];
	uint32_t n_win;
	uint64_t heal_at, live_by;
	uint64_t restart_all_at; /* opts.restart_all: when every instance crashes (0: done or never) */
	uint32_t drop_pct, dup_pct, delay_max;
	uint32_t crash_pct;
	/* checks */
	svm_hash_t canon[HEIGHTS_MAX];
	/* the canonical blocks' encodings (from the first honest core commit of each): what every
	 * honest host's store holds of its committed chain (inst_start reads its last headers) */
	uint8_t *canon_blk[HEIGHTS_MAX];
	size_t canon_blk_len[HEIGHTS_MAX];
	uint64_t canon_n;
	uint64_t votes[INST_MAX][ROUNDS_TRACKED]; /* first 8 digest bytes of the honest vote, 0 if none */
	uint64_t tmos[INST_MAX][ROUNDS_TRACKED];
	/* an honest identity's proposals: the block id (first 8 bytes | 1) and the epoch+1 of the
	 * first one seen for each round, from what any honest instance sends (its own or relayed) */
	uint64_t props[INST_MAX][ROUNDS_TRACKED];
	uint64_t props_epoch[INST_MAX][ROUNDS_TRACKED];
	bool ident_honest[INST_MAX];
	char why[256];
	bool violated;
	sim_result_t *res;
};

static void violation(sim_t *s, const char *fmt, const char *a, uint64_t x)
{
	if (s->violated) return;
	s->violated = true;
	snprintf(s->why, sizeof s->why, fmt, a, (unsigned long long)x);
}

/* ------------------------------------------------------------- queue */

static bool msg_lt(const msg_t *a, const msg_t *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void q_push(sim_t *s, msg_t m)
{
	if (s->q_n == MSGS_MAX) { /* a full network drops (counted as a drop) */
		free(m.p);
		return;
	}
	size_t i = s->q_n++;
	s->q[i] = m;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!msg_lt(&s->q[i], &s->q[p])) break;
		msg_t t = s->q[i];
		s->q[i] = s->q[p];
		s->q[p] = t;
		i = p;
	}
}

static msg_t q_pop(sim_t *s)
{
	msg_t top = s->q[0];
	s->q[0] = s->q[--s->q_n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < s->q_n && msg_lt(&s->q[l], &s->q[m])) m = l;
		if (r < s->q_n && msg_lt(&s->q[r], &s->q[m])) m = r;
		if (m == i) break;
		msg_t t = s->q[i];
		s->q[i] = s->q[m];
		s->q[m] = t;
		i = m;
	}
	return top;
}

/* Can instance a's messages reach instance b now? */
static bool connected(const sim_t *s, uint32_t a, uint32_t b)
{
	for (uint32_t w = 0; w < s->n_win; w++)
		if (s->now >= s->win[w].start && s->now < s->win[w].end)
			return s->win[w].group[a] == s->win[w].group[b];
	return true;
}

/* With sessions: both instances run and their sessions have come up since their last start. */
static bool link_up(const sim_t *s, uint32_t a, uint32_t b)
{
	const inst_t *x = &s->inst[a], *y = &s->inst[b];
	return x->up && y->up && !x->sess_pending && !y->sess_pending;
}

static void net_send(sim_t *s, uint32_t from_inst, uint32_t to_ident, const uint8_t *p, size_t len)
{
	bool healed = s->now >= s->heal_at;
	for (uint32_t j = 0; j < s->n_inst; j++) {
		if (s->inst[j].ident != to_ident || j == from_inst) continue;
		if (!connected(s, from_inst, j)) continue;
		if (s->o.sessions && !link_up(s, from_inst, j)) continue; /* no session to carry it */
		uint32_t copies = 1;
		if (!healed && below(&s->rng, 100) < s->drop_pct) copies = 0;
		if (below(&s->rng, 100) < s->dup_pct) copies++;
		for (uint32_t k = 0; k < copies; k++) {
			msg_t m = {s->now + 1 + below(&s->rng, s->delay_max), s->seq++,
				   s->inst[from_inst].ident, j, malloc(len), len, s->inst[j].life};
			if (m.p == NULL) continue;
			memcpy(m.p, p, len);
			q_push(s, m);
		}
	}
}

/* -------------------------------------------------------------- host */

/* The validator set of epoch e: epoch 0 is the genesis set; later, the stakes rotate and, with
 * five or more identities, the last one is out in odd epochs. */
static const svm_cons_valset_t *set_for(sim_t *s, uint64_t e)
{
	if (e == 0 || e >= EPOCHS_MAX) return &s->vs;
	if (s->sets[e] == NULL) {
		/* a set is ~9 KiB (128 slots): 256 of them zeroed per scenario were 3 % of a run */
		svm_cons_valset_t *set = malloc(sizeof *set);
		if (set == NULL) {
			violation(s, "%s: out of memory for the set of epoch %llu", "sim", e);
			return &s->vs;
		}
		svm_cons_validator_t v[INST_MAX];
		uint32_t n = 0;
		for (uint32_t i = 0; i < s->n_ident; i++) {
			if (s->n_ident >= 5 && e % 2 == 1 && i == s->n_ident - 1) continue;
			v[n].id = s->keys[i].id;
			memcpy(v[n].pubkey, s->keys[i].public_key, 32);
			v[n].stake = s->o.equal_stake ? 1 : 1 + (s->base_stake[i] + e + i) % 3;
			n++;
		}
		svm_cons_valset_build(set, e, v, n, NULL);
		s->sets[e] = set;
	}
	return s->sets[e];
}

static int h_validators(void *ctx, uint64_t epoch, svm_cons_valset_t *out)
{
	inst_t *in = ctx;
	*out = *set_for(in->sim, epoch);
	return 0;
}

static int h_propose(void *ctx, const svm_header_t *t, svm_buf_t *out)
{
	inst_t *in = ctx;
	/* Pacing, as a node does: at most one block per PROPOSE_GAP_MS (exercises "not now"). */
	if (in->has_proposed && in->sim->now < in->proposed_at + PROPOSE_GAP_MS) return SVM_EBUSY;
	in->has_proposed = true;
	in->proposed_at = in->sim->now;
	svm_block_t b;
	memset(&b, 0, sizeof b);
	b.header = *t;
	b.header.timestamp_ms = in->sim->now;
	/* Twins propose different blocks: the instance is part of the state root. */
	uint8_t seed[16];
	svm_put_u64be(seed, t->round);
	svm_put_u64be(seed + 8, in->idx);
	svm_sha256(seed, 16, &b.header.state_root);
	return svm_block_encode(&b, out);
}

static bool executed(const inst_t *in, const svm_hash_t *id)
{
	if (svm_hash_eq(id, &in->sim->genesis)) return true;
	for (uint64_t k = 0; k < in->log_n && k < EXEC_WALK_MAX; k++)
		if (svm_hash_eq(&in->log[in->log_n - 1 - k], id)) return true;
	for (uint32_t i = 0; i < in->n_executed; i++)
		if (svm_hash_eq(&in->executed[i], id)) return true;
	return false;
}

static void executed_add(inst_t *in, const svm_hash_t *id)
{
	if (executed(in, id)) return;
	in->executed[in->next_executed] = *id;
	in->next_executed = (in->next_executed + 1) % EXECUTED_MAX;
	if (in->n_executed < EXECUTED_MAX) in->n_executed++;
}

/* The parent of a block (its encoding) or of a proposal message (tag 0x10). */
static int parent_of(const uint8_t *p, size_t len, bool proposal, svm_hash_t *parent)
{
	svm_arena_t a;
	svm_arena_init(&a, 0);
	int rc;
	if (proposal) {
		svm_cons_proposal_t *m = malloc(sizeof *m);
		rc = m == NULL ? SVM_ENOMEM : svm_cons_proposal_decode(p, len, &a, m, NULL);
		if (rc == 0) *parent = m->block.header.parent;
		free(m);
	} else {
		svm_block_t b;
		rc = svm_block_decode(p, len, &a, &b, NULL, NULL);
		if (rc == 0) *parent = b.header.parent;
	}
	svm_arena_reset(&a);
	return rc;
}

/* A process-wide cache of block id -> parent id. A block's id is the hash of its header, which
 * names its parent, so an entry is a fact about the id, true in every scenario: the cache needs
 * no clearing and changes no result. It spares exec_walk a full proposal decode (which hashes
 * the block) per link: 8 % of a mixed run's instructions (callgrind, docs/consensus.md). */
#define PARENT_SLOTS 16384
typedef struct {
	svm_hash_t id, parent;
	bool used;
} parent_slot_t;
static parent_slot_t parent_slots[PARENT_SLOTS];

static bool parent_cached(const svm_hash_t *id, svm_hash_t *parent)
{
	const parent_slot_t *e = &parent_slots[svm_get_u64le(id->b) % PARENT_SLOTS];
	if (!e->used || !svm_hash_eq(&e->id, id)) return false;
	*parent = e->parent;
	return true;
}

static void parent_remember(const svm_hash_t *id, const svm_hash_t *parent)
{
	parent_slot_t *e = &parent_slots[svm_get_u64le(id->b) % PARENT_SLOTS];
	e->id = *id;
	e->parent = *parent;
	e->used = true;
}

/* Whether the chain from parent back to an executed block is available (the core holds every
 * missing link); with mark, executes (remembers) those links. */
static int exec_walk(inst_t *in, const svm_hash_t *parent, bool mark)
{
	svm_hash_t path[EXEC_WALK_MAX], cur = *parent;
	uint32_t n = 0;
	while (!executed(in, &cur)) {
		const svm_buf_t *m = in->core != NULL ? svm_cons_block_message(in->core, &cur) : NULL;
		if (m == NULL || n == EXEC_WALK_MAX) return SVM_ENOTFOUND;
		path[n++] = cur;
		svm_hash_t up;
		if (!parent_cached(&cur, &up)) {
			if (parent_of(m->data, m->len, true, &up) != 0) return SVM_EDECODE;
			parent_remember(&cur, &up);
		}
		cur = up;
	}
	while (mark && n > 0) executed_add(in, &path[--n]);
	return 0;
}

static int h_execute(void *ctx, const svm_hash_t *id, const uint8_t *blk, size_t len,
		     svm_hash_t *root)
{
	inst_t *in = ctx;
	svm_hash_t parent;
	svm_block_t b;
	svm_arena_t a;
	svm_arena_init(&a, 0);
	int rc = svm_block_decode(blk, len, &a, &b, NULL, NULL);
	uint64_t round = rc == 0 ? b.header.round : 0;
	if (rc == 0) parent = b.header.parent;
	svm_arena_reset(&a);
	if (rc != 0) return rc;
	parent_remember(id, &parent);
	rc = exec_walk(in, &parent, true);
	if (rc != 0) {
		/* remembered for the vote check: once the ancestors are there, it must vote */
		in->miss_round = round;
		in->miss_id = *id;
		in->miss_parent = parent;
		return rc;
	}
	executed_add(in, id);
	svm_slice_t parts[] = {{id->b, 32}};
	svm_sha256_tagged("exec", parts, 1, root);
	return 0;
}

/* The epoch's last block was just committed by the core: its commit proof (what the node keeps
 * for block sync, whose receiver has only the old epoch's set) must exist and verify — also when
 * one QC commits it together with blocks above it (the proof then carries their headers). */
static void eproof_check(inst_t *in, const svm_hash_t *id, uint64_t height)
{
	sim_t *s = in->sim;
	svm_buf_t pf = {0};
	svm_cons_signer_t fake = {fake_sign, fake_verify, NULL};
	int rc = svm_cons_commit_proof(in->core, id, &pf);
	if (rc == 0)
		rc = svm_cons_commit_proof_verify(pf.data, pf.len, id, height, set_for(s, in->epoch), s->o.chain_id,
						  &in->epoch_start, s->o.real_crypto ? NULL : &fake);
	if (rc != 0) {
		violation(s, "%s: no valid commit proof for an epoch's last block at height %llu", "eproof", height);
	} else {
		s->res->eproofs++;
		if (pf.len > 1 && pf.data[1] != 0) s->res->eproofs_up++;
	}
	svm_buf_free(&pf);
}

static int sim_qc_verify(sim_t *s, const svm_cons_qc_t *qc, const svm_cons_signer_t *ver);

static int h_commit(void *ctx, const svm_hash_t *id, const uint8_t *blk, size_t len,
		    uint64_t height, const svm_cons_qc_t *qc)
{
	inst_t *in = ctx;
	sim_t *s = in->sim;
	if (in->epoch_pending) return SVM_ESTATE; /* nothing above the set change in this epoch */
	if (height != in->log_n + 1) {
		violation(s, "%s: block applied out of order at height %llu", "commit", height);
		return SVM_EINVAL;
	}
	if (height > HEIGHTS_MAX) return SVM_ELIMIT;
	in->log[in->log_n++] = *id;
	s->res->commits++;
	if (s->o.epoch_blocks > 0 && height % s->o.epoch_blocks == 0 && in->epoch + 1 < EPOCHS_MAX) {
		in->epoch_pending = true;
		if (blk != NULL && in->honest) eproof_check(in, id, height);
	}
	if (!in->honest) return 0;
	if (blk != NULL) { /* the core's commit: a QC handed over must certify the block */
		s->res->core_commits++;
		if (qc != NULL) {
			svm_cons_signer_t fake = {fake_sign, fake_verify, NULL};
			if (!svm_hash_eq(&qc->data.block_id, id) || qc->data.height != height ||
			    sim_qc_verify(s, qc, s->o.real_crypto ? NULL : &fake) != 0)
				violation(s, "%s: commit was handed a QC that does not certify the block at height %llu",
					  "commit", height);
			s->res->commit_qcs++;
		} else { /* the node stores the commit proof then: it must exist and verify */
			svm_buf_t pf = {0};
			svm_cons_signer_t fake = {fake_sign, fake_verify, NULL};
			int rc = svm_cons_commit_proof(in->core, id, &pf);
			if (rc == 0)
				rc = svm_cons_commit_proof_verify(pf.data, pf.len, id, height, set_for(s, in->epoch),
								  s->o.chain_id, &in->epoch_start,
								  s->o.real_crypto ? NULL : &fake);
			if (rc != 0)
				violation(s, "%s: a block committed without its QC has no valid commit proof at height %llu",
					  "commit", height);
			else
				s->res->commit_proofs++;
			svm_buf_free(&pf);
		}
	}
	if (height > s->canon_n) s->canon[s->canon_n++] = *id;
	if (svm_hash_eq(&s->canon[height - 1], id)) {
		if (blk != NULL && s->canon_blk[height - 1] == NULL && (s->canon_blk[height - 1] = malloc(len)) != NULL) {
			memcpy(s->canon_blk[height - 1], blk, len);
			s->canon_blk_len[height - 1] = len;
		}
	} else {
		violation(s, "%s: two honest validators committed different blocks at height %llu",
			  "safety", height);
	}
	return 0;
}

/* The QC of a block committed without one, arrived later: it must certify that block. */
static int h_certified(void *ctx, const svm_hash_t *id, uint64_t height, const svm_cons_qc_t *qc)
{
	inst_t *in = ctx;
	sim_t *s = in->sim;
	svm_cons_signer_t fake = {fake_sign, fake_verify, NULL};
	if (height == 0 || height > in->log_n || !svm_hash_eq(&in->log[height - 1], id) ||
	    !svm_hash_eq(&qc->data.block_id, id) || qc->data.height != height ||
	    sim_qc_verify(s, qc, s->o.real_crypto ? NULL : &fake) != 0)
		violation(s, "%s: a late QC does not certify the committed block at height %llu", "certified", height);
	if (in->honest) s->res->late_qcs++;
	return 0;
}

static int h_store_block(void *ctx, const svm_hash_t *id, uint64_t height, const uint8_t *msg,
			 size_t len)
{
	inst_t *in = ctx;
	if (in->n_blocks == STORED_BLOCKS_MAX) return SVM_ELIMIT;
	uint8_t *p = malloc(len);
	if (p == NULL) return SVM_ENOMEM;
	memcpy(p, msg, len);
	in->blocks[in->n_blocks] = p;
	in->block_len[in->n_blocks] = len;
	in->block_height[in->n_blocks] = height;
	in->block_id[in->n_blocks++] = *id;
	return 0;
}

/* As the node's: the kept proposals above the committed height only (the node deletes the rest;
 * the committed chain reaches the core as svm_cons_config_t.committed_headers at start). */
static int h_load_block(void *ctx, const svm_hash_t *id, svm_buf_t *out)
{
	inst_t *in = ctx;
	for (size_t i = in->n_blocks; i-- > 0;)
		if (in->block_height[i] > in->log_n && svm_hash_eq(&in->block_id[i], id))
			return svm_buf_append(out, in->blocks[i], in->block_len[i]);
	return SVM_ENOTFOUND;
}

static int h_persist(void *ctx, const uint8_t *rec, size_t len)
{
	inst_t *in = ctx;
	if (len > SVM_CONS_SAFETY_BYTES_MAX) return SVM_ELIMIT;
	if (len > in->disk_cap) {
		uint8_t *d = realloc(in->disk, len);
		if (d == NULL) return SVM_ENOMEM;
		in->disk = d;
		in->disk_cap = len;
	}
	memcpy(in->disk, rec, len);
	in->disk_len = len;
	return 0;
}

/* ------------------------------------------------------------ checks */

static bool sim_qc_same(const svm_cons_qc_t *a, const svm_cons_qc_t *b)
{
	return a->n_sigs == b->n_sigs && a->n_sigs <= SVM_CONS_VALIDATORS_MAX && a->epoch == b->epoch &&
	       memcmp(&a->data, &b->data, sizeof a->data) == 0 && memcmp(a->bitmap, b->bitmap, sizeof a->bitmap) == 0 &&
	       memcmp(a->sigs, b->sigs, (size_t)a->n_sigs * 64) == 0;
}

/* Verifies a QC or TC against the set and start block of its own epoch. The last QCs that
 * verified are remembered (VERIFIED_QCS): an identical one — the same parent QC in every
 * re-sent proposal, the same high QC in every timeout — verifies the same way (same epoch, so
 * the same set and start block), and is not verified again. */
static int sim_qc_verify(sim_t *s, const svm_cons_qc_t *qc, const svm_cons_signer_t *ver)
{
	for (uint32_t i = 0; i < VERIFIED_QCS; i++)
		if (s->verified[i].data.round > 0 && sim_qc_same(qc, &s->verified[i])) return 0;
	uint64_t e = qc->epoch < EPOCHS_MAX ? qc->epoch : 0;
	const svm_hash_t *g = e == 0 ? &s->genesis : &s->epoch_start[e];
	int rc = svm_cons_qc_verify(qc, set_for(s, e), s->o.chain_id, g, ver);
	if (rc == 0 && qc->data.round > 0) {
		s->verified[s->verified_next] = *qc;
		s->verified_next = (s->verified_next + 1) % VERIFIED_QCS;
	}
	return rc;
}

static int sim_tc_verify(sim_t *s, const svm_cons_tc_t *tc, const svm_cons_signer_t *ver)
{
	uint64_t e = tc->epoch < EPOCHS_MAX ? tc->epoch : 0;
	const svm_hash_t *g = e == 0 ? &s->genesis : &s->epoch_start[e];
	return svm_cons_tc_verify(tc, set_for(s, e), s->o.chain_id, g, ver);
}

/* An honest leader never sends two different proposals for one round (of one epoch) — not
 * across a crash either: a restarted leader once proposed a second block for the round it had
 * proposed in (docs/consensus.md). Every proposal an honest instance sends is checked, its own
 * and those it relays (sync answers), against the first block seen for its proposer's round. */
static void check_proposal(sim_t *s, uint64_t epoch, const svm_hash_t *proposer, uint64_t round,
			   const svm_hash_t *id)
{
	int who = svm_cons_valset_index(&s->vs, proposer);
	if (who < 0 || !s->ident_honest[who] || round >= ROUNDS_TRACKED) return;
	uint64_t *slot = &s->props[who][round], *ep = &s->props_epoch[who][round];
	uint64_t dd = svm_get_u64le(id->b) | 1;
	if (s->o.trace)
		printf("t=%llu proposal sent: ident %d epoch %llu round %llu block %016llx\n", (unsigned long long)s->now, who,
		       (unsigned long long)epoch, (unsigned long long)round, (unsigned long long)dd);
	if (*slot == 0 || *ep < epoch + 1) { /* first seen, or a later epoch's round (rounds restart) */
		*slot = dd;
		*ep = epoch + 1;
	} else if (*ep == epoch + 1 && *slot != dd) {
		violation(s, "%s: an honest leader sent two different proposals for round %llu", "safety", round);
	}
}

/* An honest proposal's late QC (docs/consensus.md, "Late votes"): none where the grandparent is
 * the epoch's start, else, when present, a valid QC of the grandparent (the parent QC's parent). */
static void check_late_qc(sim_t *s, const svm_header_t *h, const svm_cons_qc_t *pq,
			  const svm_cons_signer_t *ver)
{
	bool voted = pq->data.round > 0 && pq->data.parent_round > 0;
	if (!voted) {
		if (h->late_qc_len > 0)
			violation(s, "%s: a late QC where the grandparent is the epoch's start (round %llu)", "quorum",
				  h->round);
		return;
	}
	s->res->lv_props++;
	if (h->late_qc_len == 0) return;
	svm_cons_qc_t *lq = malloc(sizeof *lq);
	if (lq == NULL) return;
	if (svm_cons_qc_decode(h->late_qc, h->late_qc_len, lq, NULL) != 0 || sim_qc_verify(s, lq, ver) != 0 ||
	    lq->epoch != pq->epoch || !svm_hash_eq(&lq->data.block_id, &pq->data.parent_id) ||
	    lq->data.round != pq->data.parent_round || lq->data.height + 1 != pq->data.height) {
		violation(s, "%s: a proposal carries an invalid late QC (round %llu)", "quorum", h->round);
	} else {
		s->res->lv_carried++;
		s->res->lv_signers += lq->n_sigs;
		s->res->lv_parent_signers += pq->n_sigs;
	}
	free(lq);
}

/* Inspects what an honest instance is about to send. */
static void check_outgoing(sim_t *s, inst_t *in, const uint8_t *p, size_t len)
{
	if (!in->honest || len == 0) return;
	svm_cons_signer_t fake = {fake_sign, fake_verify, NULL};
	const svm_cons_signer_t *ver = s->o.real_crypto ? NULL : &fake;
	if (p[0] == SVM_CONS_TAG_VOTE) {
		svm_cons_vote_t v;
		if (svm_cons_vote_decode(p, len, &v, NULL) != 0) {
			violation(s, "%s: an honest node sent an undecodable vote%llu", "encode", 0);
			return;
		}
		svm_hash_t d;
		svm_cons_vote_digest(s->o.chain_id, v.epoch, &v.data, &d);
		if (v.data.round >= ROUNDS_TRACKED) return;
		uint64_t *slot = &s->votes[in->ident][v.data.round], dd = svm_get_u64le(d.b) | 1;
		if (*slot == 0) *slot = dd;
		else if (*slot != dd)
			violation(s, "%s: honest double vote in round %llu", "safety", v.data.round);
	} else if (p[0] == SVM_CONS_TAG_TIMEOUT) {
		svm_cons_timeout_t *t = malloc(sizeof *t);
		if (t == NULL) return;
		if (svm_cons_timeout_decode(p, len, t, NULL) != 0) {
			violation(s, "%s: an honest node sent an undecodable timeout%llu", "encode", 0);
		} else {
			svm_hash_t d;
			svm_cons_timeout_digest(s->o.chain_id, t->epoch, t->round, t->hqc.data.round, &d);
			if (sim_qc_verify(s, &t->hqc, ver) != 0)
				violation(s, "%s: a timeout carries an invalid QC (round %llu)", "quorum",
					  t->round);
			if (t->round < ROUNDS_TRACKED) {
				uint64_t *slot = &s->tmos[in->ident][t->round], dd = svm_get_u64le(d.b) | 1;
				if (*slot == 0) *slot = dd;
				else if (*slot != dd)
					violation(s, "%s: honest double timeout in round %llu", "safety",
						  t->round);
			}
		}
		free(t);
	} else if (p[0] == SVM_CONS_TAG_PROPOSAL) {
		svm_cons_proposal_t *m = malloc(sizeof *m);
		svm_cons_qc_t *qc = malloc(sizeof *qc);
		if (m != NULL && qc != NULL) {
			if (svm_cons_proposal_decode(p, len, NULL, m, NULL) != 0 ||
			    svm_cons_qc_decode(m->block.header.parent_qc, m->block.header.parent_qc_len, qc,
					       NULL) != 0)
				violation(s, "%s: an honest proposal does not decode%llu", "encode", 0);
			else if (sim_qc_verify(s, qc, ver) != 0 || (m->has_tc && sim_tc_verify(s, &m->tc, ver) != 0))
				violation(s, "%s: a proposal carries an invalid QC/TC (round %llu)", "quorum",
					  m->block.header.round);
			else {
				check_proposal(s, qc->epoch, &m->block.header.proposer, m->block.header.round,
					       &m->block_id);
				check_late_qc(s, &m->block.header, qc, ver);
			}
		}
		free(m);
		free(qc);
	}
}

/* ------------------------------------------------------------ instances */

static int inst_start(sim_t *s, inst_t *in)
{
	svm_cons_config_t cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.chain_id = s->o.chain_id;
	cfg.epoch = in->epoch;
	cfg.epoch_seed = in->epoch_seed;
	cfg.genesis_id = in->epoch_start;
	cfg.genesis_height = in->epoch_height;
	cfg.committed_height = in->log_n;
	cfg.committed_id = in->log_n ? in->log[in->log_n - 1] : s->genesis;
	cfg.key = &in->key;
	cfg.round_timeout_ms = s->o.round_timeout_ms;
	in->signer = (svm_cons_signer_t){fake_sign, fake_verify, in->key.public_key};
	cfg.signer = s->o.real_crypto ? NULL : &in->signer;
	cfg.vrf = s->o.real_crypto;
	cfg.reputation = s->o.reputation;
	cfg.safety = in->disk_len ? in->disk : NULL;
	cfg.safety_len = in->disk_len;
	svm_cons_host_t host = {in,	   h_validators, h_propose,     h_execute,   h_commit,
				h_persist, NULL,	 h_store_block, h_load_block, h_certified};
	/* the last committed headers from the host's chain (the node reads its store) */
	svm_header_t hd[SVM_CONS_REPUTATION_BLOCKS];
	size_t k = 0;
	svm_arena_t a;
	svm_arena_init(&a, 0);
	for (uint64_t h = in->log_n; h > in->epoch_height && k < SVM_CONS_REPUTATION_BLOCKS; h--, k++) {
		svm_block_t b;
		svm_hash_t id;
		if (h > s->canon_n || s->canon_blk[h - 1] == NULL || !svm_hash_eq(&in->log[h - 1], &s->canon[h - 1]) ||
		    svm_block_decode(s->canon_blk[h - 1], s->canon_blk_len[h - 1], &a, &b, &id, NULL) != 0)
			break;
		hd[k] = b.header; /* its byte fields point into canon_blk, not the arena */
		svm_arena_reset(&a);
	}
	svm_arena_reset(&a);
	cfg.committed_headers = hd;
	cfg.n_committed_headers = k;
	svm_error_t err;
	int rc = svm_cons_new(&in->core, &cfg, &host, &err);
	if (rc != 0) {
		violation(s, "%s: restart failed (%llu)", err.msg, (uint64_t)-rc);
		return rc;
	}
	in->up = true;
	return 0;
}

static void deliver_out(sim_t *s, inst_t *in, svm_cons_out_t *out)
{
	for (size_t i = 0; i < out->n_actions; i++) {
		const svm_cons_action_t *a = &out->actions[i];
		const uint8_t *p = out->bytes.data + a->off;
		check_outgoing(s, in, p, a->len);
		if (a->len > 0 && p[0] >= 0x10 && p[0] < 0x18) s->res->by_tag[p[0] - 0x10]++;
		if (a->kind == SVM_CONS_SEND) {
			/* `to` is an index in the sender's epoch set: the identity it names */
			const svm_cons_valset_t *vs = set_for(s, in->epoch);
			for (uint32_t j = 0; a->to < vs->n && j < s->n_ident; j++)
				if (svm_hash_eq(&s->vs.v[j].id, &vs->v[a->to].id)) net_send(s, in->idx, j, p, a->len);
		} else {
			for (uint32_t j = 0; j < s->n_ident; j++)
				if (j != in->ident) net_send(s, in->idx, j, p, a->len);
		}
	}
	in->deadline = out->deadline_ms;
	s->res->messages += out->n_actions;
	svm_cons_out_reset(out);
	if (!in->honest) return;
	svm_cons_status_t st;
	svm_cons_status(in->core, &st);
	if (st.conflicts != 0)
		violation(s, "%s: an honest core saw a QC commit off its chain (round %llu)", "safety",
			  st.round);
	/* Vote completeness: a proposal of the current round that could not be executed for a
	 * missing ancestor must be voted for once the ancestors are there (within the round). */
	if (in->miss_round != 0) {
		if (st.round != in->miss_round || st.last_voted_round >= in->miss_round ||
		    svm_cons_block_message(in->core, &in->miss_id) == NULL)
			in->miss_round = 0;
		else if (exec_walk(in, &in->miss_parent, false) == 0)
			violation(s, "%s: round %llu: the proposal's ancestors arrived, and no vote", "vote",
				  in->miss_round);
	}
}

/* Tells instance k's core about identity j's sessions, as the node's links_apply does: up when
 * a session to j came up (j may have missed k's timeout or vote), down when every session to j
 * closed after one was up. Indexes are of k's current set. */
static void tell_peer(sim_t *s, inst_t *k, uint32_t j, bool up, svm_cons_out_t *out)
{
	int idx = svm_cons_valset_index(set_for(s, k->epoch), &s->vs.v[j].id);
	if (idx < 0) return;
	if (s->o.trace)
		printf("t=%llu inst %u: ident %u session %s\n", (unsigned long long)s->now, k->idx, j, up ? "up" : "closed");
	svm_cons_peer(k->core, (uint32_t)idx, up, s->now, out);
	s->res->peer_events++;
	deliver_out(s, k, out);
}

/* After a crash, a restart's sessions coming up, or an epoch switch: each running instance's
 * core hears of sessions that came up (new_of: an instance whose sessions just came up — both
 * sides hear "up") and of identities it can no longer reach. */
static void sessions_update(sim_t *s, int new_of, svm_cons_out_t *out)
{
	if (!s->o.sessions) return;
	for (uint32_t k = 0; k < s->n_inst && !s->violated; k++) {
		inst_t *in = &s->inst[k];
		if (!in->up || in->sess_pending) continue;
		for (uint32_t j = 0; j < s->n_ident; j++) {
			if (j == in->ident || !in->up) continue;
			bool reach = false, fresh = false;
			for (uint32_t i = 0; i < s->n_inst; i++) {
				if (s->inst[i].ident != j || !link_up(s, k, i)) continue;
				reach = true;
				fresh |= (int)i == new_of || (int)k == new_of;
			}
			if (reach && (fresh || !in->seen[j] || in->told_down[j])) {
				in->seen[j] = true;
				in->told_down[j] = false;
				tell_peer(s, in, j, true, out);
			} else if (!reach && in->seen[j] && !in->told_down[j]) {
				in->told_down[j] = true;
				tell_peer(s, in, j, false, out);
			}
		}
	}
}

static void held_free(inst_t *in)
{
	for (uint32_t k = 0; k < in->n_held; k++) free(in->held[k].p);
	in->n_held = 0;
}

/* A message of the next epoch (the core's SVM_EBUSY), held as the node holds it until the
 * switch, within the node's bounds; takes m's bytes (m->p = NULL) when held. */
static void held_keep(inst_t *in, msg_t *m)
{
	uint32_t mine = 0;
	for (uint32_t k = 0; k < in->n_held; k++) mine += in->held[k].from_ident == m->from_ident;
	if (in->n_held == HELD_MAX || mine == HELD_PEER_MAX) return;
	in->held[in->n_held++] = *m;
	m->p = NULL;
}

/* After the switch: the held messages go to the new core in arrival order (a later epoch's are
 * held again). */
static void held_replay(sim_t *s, inst_t *in, svm_cons_out_t *out)
{
	msg_t q[HELD_MAX];
	uint32_t n = in->n_held;
	memcpy(q, in->held, n * sizeof *q);
	in->n_held = 0;
	for (uint32_t k = 0; k < n; k++) {
		int from = svm_cons_valset_index(set_for(s, in->epoch), &s->vs.v[q[k].from_ident].id);
		int rc = svm_cons_on_message(in->core, from >= 0 ? (uint32_t)from : SVM_CONS_FROM_UNKNOWN,
					     q[k].p, q[k].len, s->now, out);
		deliver_out(s, in, out);
		if (rc == SVM_EBUSY) held_keep(in, &q[k]);
		free(q[k].p);
	}
}

/* The instance committed the block that changes the set: it starts the next epoch on it with a
 * new core (the old epoch's uncommitted blocks are dropped; its safety record, of an earlier
 * epoch, no longer binds), as the node does. All honest instances must start it on the same
 * block. */
static int epoch_switch(sim_t *s, inst_t *in, svm_cons_out_t *out)
{
	in->epoch_pending = false;
	in->epoch++;
	in->epoch_start = in->log[in->log_n - 1];
	in->epoch_height = in->log_n;
	svm_slice_t parts[] = {{in->epoch_seed.b, 32}, {in->epoch_start.b, 32}};
	svm_sha256_tagged("sim/epoch", parts, 2, &in->epoch_seed);
	in->miss_round = 0;
	for (size_t k = 0; k < in->n_blocks; k++) free(in->blocks[k]); /* the old epoch's proposals */
	in->n_blocks = 0;
	if (in->honest) {
		uint64_t e = in->epoch;
		if (!s->epoch_known[e]) {
			s->epoch_known[e] = true;
			s->epoch_start[e] = in->epoch_start;
		} else if (!svm_hash_eq(&s->epoch_start[e], &in->epoch_start)) {
			violation(s, "%s: two honest validators started epoch %llu on different blocks", "epoch", e);
		}
		/* signatures of the new epoch are new messages (rounds start again at 1) */
		memset(s->votes[in->ident], 0, sizeof s->votes[in->ident]);
		memset(s->tmos[in->ident], 0, sizeof s->tmos[in->ident]);
		if (e > s->res->epochs) s->res->epochs = e;
	}
	if (s->o.trace) printf("t=%llu inst %u: epoch %llu from height %llu\n", (unsigned long long)s->now, in->idx,
			       (unsigned long long)in->epoch, (unsigned long long)in->epoch_height);
	svm_cons_free(in->core);
	in->core = NULL;
	in->up = false;
	if (inst_start(s, in) != 0) return -1;
	svm_cons_start(in->core, s->now, out);
	deliver_out(s, in, out);
	held_replay(s, in, out);
	/* the new core starts with every validator reachable: closed sessions are told again */
	memset(in->told_down, 0, sizeof in->told_down);
	sessions_update(s, -1, out);
	return 0;
}

/* Peer events may commit the block that ends an epoch on any instance: switch those now. */
static int switch_pending(sim_t *s, svm_cons_out_t *out)
{
	for (uint32_t pass = 0; pass < 4 * INST_MAX; pass++) {
		bool any = false;
		for (uint32_t i = 0; i < s->n_inst; i++) {
			inst_t *in = &s->inst[i];
			if (!in->up || !in->epoch_pending) continue;
			any = true;
			if (epoch_switch(s, in, out) != 0) return -1;
		}
		if (!any) return 0;
	}
	return 0;
}

/* ------------------------------------------------------------ scenario */

static void gen(sim_t *s)
{
	rng_t *r = &s->rng;
	s->n_ident = s->o.n;
	s->n_inst = s->o.n + s->o.twins;
	s->delay_max = 1 + (uint32_t)below(r, 30);
	s->drop_pct = (uint32_t)below(r, 4) == 0 ? 0 : (uint32_t)below(r, 30);
	s->dup_pct = (uint32_t)below(r, 10);
	s->crash_pct = s->o.crashes ? (uint32_t)below(r, 3) : 0;
	uint64_t t = 0;
	s->n_win = (uint32_t)below(r, WINDOWS_MAX + 1);
	for (uint32_t w = 0; w < s->n_win; w++) {
		uint64_t len = s->o.round_timeout_ms / 2 + below(r, 6 * s->o.round_timeout_ms);
		s->win[w].start = t;
		s->win[w].end = t + len;
		uint32_t k = 1 + (uint32_t)below(r, 3); /* groups */
		for (uint32_t i = 0; i < s->n_inst; i++) s->win[w].group[i] = (uint8_t)below(r, k);
		t += len;
	}
	if (s->o.dead >= 0) {
		s->n_win = 0;
		s->drop_pct = 0;
		t = 0;
	}
	s->heal_at = t;
	if (s->o.restart_all) { /* a full window of committed blocks first, then all crash at once */
		uint64_t at = 20 * s->o.round_timeout_ms + below(r, 10 * s->o.round_timeout_ms);
		s->restart_all_at = at > t ? at : t;
		s->heal_at = s->restart_all_at + 1;
	}
	/* After the heal: at most 2^SHIFT_MAX rounds' worth of backoff, then a few rounds. */
	s->live_by = s->heal_at + (s->o.round_timeout_ms << SVM_CONS_TIMEOUT_SHIFT_MAX) * 4 +
		     40ull * s->o.round_timeout_ms;
}

static void setup(sim_t *s)
{
	svm_cons_validator_t v[INST_MAX];
	for (uint32_t i = 0; i < s->n_ident; i++) {
		uint8_t seed[32] = {0};
		svm_put_u64be(seed, i + 1);
		svm_keypair_from_seed(&s->keys[i], seed);
		v[i].id = s->keys[i].id;
		memcpy(v[i].pubkey, s->keys[i].public_key, 32);
		v[i].stake = s->o.equal_stake ? 1 : 1 + below(&s->rng, 3);
		s->base_stake[i] = v[i].stake - 1;
	}
	svm_cons_valset_build(&s->vs, 0, v, s->n_ident, NULL);
	svm_sha256(&s->o.chain_id, 8, &s->genesis);
	for (uint32_t i = 0; i < s->n_inst; i++) {
		inst_t *in = &s->inst[i];
		memset(in, 0, sizeof *in);
		in->sim = s;
		in->idx = i;
		/* Twins: instances n.. are second copies of identities 0, 1, …; a twinned identity
		 * is faulty (both of its instances are). */
		uint32_t key_no = i < s->n_ident ? i : i - s->n_ident;
		in->key = s->keys[key_no];
		in->ident = (uint32_t)svm_cons_valset_index(&s->vs, &in->key.id);
		in->honest = key_no >= s->o.twins;
		s->ident_honest[in->ident] = in->honest && key_no == i;
		/* read only below log_n / n_blocks: not zeroed (calloc of these was 8 % of a run) */
		in->log = malloc(HEIGHTS_MAX * sizeof *in->log);
		in->blocks = malloc(STORED_BLOCKS_MAX * sizeof *in->blocks);
		in->block_len = malloc(STORED_BLOCKS_MAX * sizeof *in->block_len);
		in->block_id = malloc(STORED_BLOCKS_MAX * sizeof *in->block_id);
		in->block_height = malloc(STORED_BLOCKS_MAX * sizeof *in->block_height);
		in->epoch_start = s->genesis;
		in->epoch_seed = s->genesis;
	}
}

static void teardown(sim_t *s)
{
	for (uint32_t i = 0; i < s->n_inst; i++) {
		inst_t *in = &s->inst[i];
		svm_cons_free(in->core);
		free(in->log);
		free(in->disk);
		held_free(in);
		for (size_t k = 0; k < in->n_blocks; k++) free(in->blocks[k]);
		free(in->blocks);
		free(in->block_len);
		free(in->block_id);
		free(in->block_height);
	}
	for (uint64_t h = 0; h < HEIGHTS_MAX; h++) free(s->canon_blk[h]);
	while (s->q_n > 0) free(q_pop(s).p);
}

static bool all_live(sim_t *s)
{
	for (uint32_t i = 0; i < s->n_inst; i++) {
		inst_t *in = &s->inst[i];
		if (in->honest && in->up && in->log_n < in->heal_height + 2) return false;
	}
	return true;
}

/* Block sync, as the node's transport does it: an instance more than CATCH_UP_BLOCKS behind a
 * running peer (in its partition) takes the peer's committed chain (the node verifies each
 * block's QC; here the peer is a core of the same run) and tells its core. Applying the blocks
 * goes through the same prefix check as commits. */
static void catch_up(sim_t *s, inst_t *in)
{
	inst_t *best = NULL;
	for (uint32_t j = 0; j < s->n_inst; j++) {
		inst_t *p = &s->inst[j];
		if (p == in || !p->up || !connected(s, in->idx, j)) continue;
		/* far behind, or behind a peer already in a later epoch (its new-epoch messages are
		 * not ours to judge: the node's block sync brings the set-changing block) */
		bool behind = p->log_n > in->log_n + CATCH_UP_BLOCKS || (p->epoch > in->epoch && p->log_n > in->log_n);
		if (behind && (best == NULL || p->log_n > best->log_n))
			best = p;
	}
	if (best == NULL) return;
	/* Only a prefix-consistent peer is copied (a faulty twin's fork is not). */
	for (uint64_t h = 0; h < in->log_n; h++)
		if (!svm_hash_eq(&in->log[h], &best->log[h])) return;
	svm_cons_status_t st;
	svm_cons_status(best->core, &st);
	while (in->log_n < best->log_n) {
		uint64_t h = in->log_n;
		if (h_commit(in, &best->log[h], NULL, 0, h + 1, NULL) != 0) return;
	}
	svm_cons_sync_committed(in->core, &best->log[best->log_n - 1], best->log_n,
				st.committed_height == best->log_n ? st.committed_round : 0);
	s->res->syncs++;
}

/* Crash: everything in memory is lost; the disk record and applied chain stay. */
static void inst_crash(sim_t *s, inst_t *in, uint64_t until)
{
	svm_cons_free(in->core);
	in->core = NULL;
	in->up = false;
	held_free(in); /* memory */
	in->n_executed = in->next_executed = 0;
	in->miss_round = 0;
	if (s->o.trace) printf("t=%llu inst %u: crash\n", (unsigned long long)s->now, in->idx);
	in->down_until = until;
}

/* One step: the earliest of a message delivery, a deadline, a crash or a restart. */
static bool step(sim_t *s, svm_cons_out_t *out)
{
	uint64_t t = UINT64_MAX;
	int who = -1;
	for (uint32_t i = 0; i < s->n_inst; i++) {
		inst_t *in = &s->inst[i];
		uint64_t d = in->up ? in->deadline : in->down_until;
		if (in->up && in->sess_pending && in->sess_at < d) d = in->sess_at;
		if (d < t) {
			t = d;
			who = (int)i;
		}
	}
	if (s->restart_all_at > 0 && (s->q_n == 0 || s->q[0].at >= s->restart_all_at) && t >= s->restart_all_at) {
		/* every instance at once: all their trees are empty after it */
		if (s->restart_all_at > s->now) s->now = s->restart_all_at;
		s->restart_all_at = 0;
		if (s->o.trace) printf("t=%llu all instances: crash\n", (unsigned long long)s->now);
		for (uint32_t i = 0; i < s->n_inst; i++)
			if (s->inst[i].up) inst_crash(s, &s->inst[i], s->now + 1 + below(&s->rng, s->o.round_timeout_ms));
		sessions_update(s, -1, out);
		return switch_pending(s, out) == 0;
	}
	if (s->q_n > 0 && s->q[0].at <= t) {
		msg_t m = q_pop(s);
		if (m.at > s->now) s->now = m.at;
		inst_t *in = &s->inst[m.to_inst];
		if (in->up && (!s->o.sessions || m.to_life == in->life)) { /* else its session died with it */
			catch_up(s, in);
			if (s->o.trace)
				printf("t=%llu inst %u <- ident %u: tag 0x%02x (%zu bytes)\n",
				       (unsigned long long)s->now, in->idx, m.from_ident, m.p[0], m.len);
			/* as the node does: the sender's index in the receiver's current set */
			int from = svm_cons_valset_index(set_for(s, in->epoch), &s->vs.v[m.from_ident].id);
			int rc = svm_cons_on_message(in->core, from >= 0 ? (uint32_t)from : SVM_CONS_FROM_UNKNOWN,
						     m.p, m.len, s->now, out);
			deliver_out(s, in, out);
			if (rc == SVM_EBUSY) held_keep(in, &m);
			if (in->epoch_pending && epoch_switch(s, in, out) != 0) {
				free(m.p);
				return false;
			}
		}
		free(m.p);
		return true;
	}
	if (who < 0) return false;
	if (t > s->now) s->now = t;
	inst_t *in = &s->inst[who];
	if (in->up && in->sess_pending && s->now >= in->sess_at) {
		in->sess_pending = false; /* its sessions came up: both sides hear of it */
		sessions_update(s, (int)in->idx, out);
		return switch_pending(s, out) == 0;
	}
	if (!in->up) {
		in->life++;
		if (s->o.sessions) { /* nobody reaches it, nor it anybody, until its sessions are up */
			in->sess_pending = true;
			in->sess_at = s->now + 1 + below(&s->rng, 20);
			memset(in->seen, 0, sizeof in->seen);
			memset(in->told_down, 0, sizeof in->told_down);
		}
		if (inst_start(s, in) != 0) return false;
		if (s->o.trace) printf("t=%llu inst %u: restart\n", (unsigned long long)s->now, in->idx);
		s->res->restarts++;
		svm_cons_start(in->core, s->now, out);
		deliver_out(s, in, out);
		return true;
	}
	if (s->now < s->heal_at && below(&s->rng, 100) < s->crash_pct) {
		inst_crash(s, in, s->now + 1 + below(&s->rng, 4 * s->o.round_timeout_ms));
		sessions_update(s, -1, out); /* its sessions close with it */
		return switch_pending(s, out) == 0;
	}
	catch_up(s, in);
	if (s->o.trace) printf("t=%llu inst %u: tick\n", (unsigned long long)s->now, in->idx);
	svm_cons_tick(in->core, s->now, out);
	deliver_out(s, in, out);
	if (in->epoch_pending && epoch_switch(s, in, out) != 0) return false;
	return true;
}

int sim_run(const sim_opts_t *o, uint64_t seed, sim_result_t *res)
{
	sim_t *s = calloc(1, sizeof *s);
	if (s == NULL) return -1;
	memset(res, 0, sizeof *res);
	s->o = *o;
	s->res = res;
	s->rng.s = seed ^ 0x5eed5eed5eedull;
	s->q = malloc(MSGS_MAX * sizeof *s->q);
	if (o->epoch_blocks > 0) {
		s->sets = calloc(EPOCHS_MAX, sizeof *s->sets);
		if (s->sets == NULL) s->o.epoch_blocks = 0;
	}
	gen(s);
	setup(s);
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	for (uint32_t i = 0; i < s->n_inst && !s->violated; i++) {
		if (o->dead >= 0 && (s->inst[i].ident + o->n - (uint32_t)o->dead) % o->n <= o->dead_extra) {
			s->inst[i].down_until = UINT64_MAX; /* crashed for good */
			s->inst[i].honest = false;          /* not expected to commit */
			continue;
		}
		if (inst_start(s, &s->inst[i]) != 0) break;
		svm_cons_start(s->inst[i].core, 0, &out);
		deliver_out(s, &s->inst[i], &out);
	}
	if (o->sessions && !s->violated) {
		/* the sessions of the start come up; a dead identity was up once and is gone now
		 * (stopped, as bench-net stops one), so its peers hear that its sessions closed */
		for (uint32_t k = 0; k < s->n_inst; k++)
			for (uint32_t i = 0; i < s->n_inst; i++)
				if (!s->inst[i].up && s->inst[i].down_until == UINT64_MAX) s->inst[k].seen[s->inst[i].ident] = true;
		sessions_update(s, -1, &out);
		switch_pending(s, &out);
	}
	bool healed = false;
	for (uint64_t n = 0; n < STEPS_MAX && !s->violated; n++) {
		if (!healed && s->now >= s->heal_at) {
			healed = true;
			for (uint32_t i = 0; i < s->n_inst; i++) s->inst[i].heal_height = s->inst[i].log_n;
		}
		bool expect_live = 3 * o->twins < o->n; /* Twins within f */
		if (o->dead >= 0) {
			if (s->now >= o->run_ms) break;
			expect_live = false;
		}
		if (healed && (expect_live ? all_live(s) : s->now >= s->live_by)) break;
		if (s->now > s->live_by) {
			if (expect_live)
				violation(s, "%s: no commit within the bound after the heal (t=%llu ms)",
					  "liveness", s->now);
			break;
		}
		if (!step(s, &out)) break;
		res->steps++;
	}
	if (!s->violated && 3 * o->twins < o->n && o->dead < 0 && !all_live(s) && s->now <= s->live_by)
		violation(s, "%s: step budget exhausted before liveness (t=%llu ms)", "liveness", s->now);
	if (s->violated && o->verbose)
		for (uint32_t i = 0; i < s->n_inst; i++) {
			inst_t *in = &s->inst[i];
			svm_cons_status_t st;
			if (!in->up) {
				printf("  inst %u: down\n", i);
				continue;
			}
			svm_cons_status(in->core, &st);
			printf("  inst %u ident %u%s: epoch %llu round %llu hqc %llu htc %llu committed %llu (log %llu, at heal %llu) "
			       "voted %llu locked %llu leader %u self %d blocks %u deadline %llu\n",
			       i, in->ident, in->honest ? "" : " (twin)", (unsigned long long)st.epoch, (unsigned long long)st.round,
			       (unsigned long long)st.hqc_round, (unsigned long long)st.htc_round,
			       (unsigned long long)st.committed_height, (unsigned long long)in->log_n,
			       (unsigned long long)in->heal_height,
			       (unsigned long long)st.last_voted_round, (unsigned long long)st.locked_round,
			       st.leader, (int)st.self, st.blocks, (unsigned long long)in->deadline);
		}
	for (uint32_t i = 0; i < s->n_inst; i++) {
		if (!s->inst[i].up || !s->inst[i].honest) continue;
		svm_cons_status_t st;
		svm_cons_status(s->inst[i].core, &st);
		if (st.round > res->rounds) res->rounds = st.round;
		if (st.htc_round > 0 && res->tcs == 0) res->tcs = st.htc_round;
	}
	res->violated = s->violated;
	memcpy(res->why, s->why, sizeof res->why);
	res->sim_ms = s->now;
	res->height = s->canon_n;
	svm_cons_out_free(&out);
	teardown(s);
	for (uint32_t e = 0; s->sets != NULL && e < EPOCHS_MAX; e++) free(s->sets[e]);
	free(s->sets);
	free(s->q);
	free(s);
	return 0;
}

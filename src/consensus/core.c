/* The 2-chain HotStuff (Jolteon / DiemBFT v4) state machine: block tree, voting and locking
 * rules, vote and timeout aggregation into QCs and TCs, the 2-chain commit rule, the pacemaker,
 * equivocation evidence and block sync requests. Deterministic: the only inputs are messages,
 * the host's answers and now_ms; no recursion (messages to oneself go through a bounded queue). */
#include <string.h>

#include "consensus/internal.h"
#include "supervm/vrf.h"

#define SELFQ_MAX 16                 /* own messages waiting to be handled by oneself */
#define SELFQ_DRAIN_MAX 16           /* own messages handled per step (one validator alone loops) */
#define TMO_SLOTS 4                  /* rounds whose timeouts are collected at once */
#define QC_CACHE_MAX 32              /* recently verified QC encodings (by hash) */
#define VOTE_MSG_MAX 256             /* a vote's encoding (kept for evidence) */
#define SCRATCH_BYTES_MAX (8u << 20) /* proposal decode arena */
#define PROPOSE_RETRY_MS_DEFAULT 10
#define SYNC_ASKED_MAX 8                         /* recently requested block ids */
#define REPUTATION_WINDOW CONS_REPUTATION_WINDOW /* certified ancestors read (leader.c) */
#define LEADER_CACHE_MAX 16                      /* (round, parent) -> leader results kept */
#define ORPHANS_MAX 4                            /* proposals kept while their parent is fetched */
#define CERTIFIED_MAX 64                         /* block ids recently proven certified (by a verified QC) */
#define HQC_KEPT 8                               /* the latest highest QCs kept in full (cert_of, for commits) */
#define LATE_SLOTS 4                             /* certified blocks whose votes are kept for late QCs */

typedef struct {
	uint64_t round;
	svm_hash_t parent;
	uint32_t leader;
} leader_cache_t;

/* What the voting rule needs of a proposal's TC. */
typedef struct {
	bool has;
	uint64_t round, hqc_round;
} tc_ref_t;

typedef struct {
	bool used;
	uint32_t from;
	uint64_t round;
	svm_hash_t parent;
	svm_buf_t msg;
} orphan_t;

typedef struct {
	bool used;
	svm_hash_t id, parent;
	uint64_t round, height, parent_round;
	uint32_t proposer;
	uint8_t signers[SVM_CONS_BITMAP_BYTES]; /* of its parent QC, when that is of this epoch */
	svm_buf_t msg;                          /* the proposal message as received */
	size_t pqc_off, pqc_len;                /* header.parent_qc inside msg */
	size_t blk_off, blk_len;                /* the block encoding inside msg */
} block_t;

/* A committed block as the host's store has it (svm_cons_config_t.committed_headers): what the
 * reputation walk reads of a block the tree lacks. */
typedef struct {
	svm_hash_t id, parent;
	cons_rep_block_t rep;
} committed_anc_t;

typedef struct {
	svm_cons_vote_data_t data;
	uint64_t stake;
	uint8_t bitmap[SVM_CONS_BITMAP_BYTES];
	uint8_t sigs[SVM_CONS_VALIDATORS_MAX][64]; /* by validator index */
} target_t;

typedef struct {
	uint64_t round;
	uint32_t n_targets;
	bool qc_formed;
	uint8_t voted[SVM_CONS_BITMAP_BYTES];
	uint8_t target_of[SVM_CONS_VALIDATORS_MAX];
	uint16_t msg_len[SVM_CONS_VALIDATORS_MAX];
	uint8_t msg[SVM_CONS_VALIDATORS_MAX][VOTE_MSG_MAX];
	target_t t[SVM_CONS_VOTE_TARGETS_MAX];
} votes_t;

/* Every valid vote held for one certified block (its QC's vote data): the QC's signers and the
 * votes that arrived after it formed, by validator index. A proposal's late QC is built from the
 * slot of its grandparent (docs/consensus.md, "Late votes"). */
typedef struct {
	bool used;
	uint64_t epoch;
	svm_cons_vote_data_t data;
	uint8_t bitmap[SVM_CONS_BITMAP_BYTES];
	uint8_t sigs[SVM_CONS_VALIDATORS_MAX][64]; /* each verified (or our own) */
} late_t;

typedef struct {
	bool used, tc_formed;
	uint64_t round, stake;
	uint8_t bitmap[SVM_CONS_BITMAP_BYTES];
	uint64_t hqc_round[SVM_CONS_VALIDATORS_MAX];
	uint8_t sigs[SVM_CONS_VALIDATORS_MAX][64];
	svm_cons_qc_t best; /* the highest QC among the signers' */
} tmo_t;

struct svm_cons {
	svm_cons_config_t cfg; /* pointers cleared: key, signer and safety are copied or consumed */
	svm_cons_host_t host;
	svm_keypair_t key;
	int self;
	svm_cons_signer_t signer;
	const svm_cons_signer_t *sig; /* &signer or NULL for Ed25519 */
	svm_cons_valset_t vs;
	/* safety */
	uint64_t last_voted_round, locked_round, last_timeout_round;
	svm_cons_qc_t hqc;
	svm_cons_tc_t htc;
	bool has_htc;
	/* pacemaker */
	uint64_t round, deadline, now;
	bool proposed, propose_retry;
	svm_buf_t my_timeout;
	uint64_t my_timeout_round;
	/* Our proposal of this round, held until our vote for it is stored (vote_for sends both):
	 * a proposal never leaves without a record on disk that stops a second one after a crash. */
	svm_buf_t my_proposal;
	svm_hash_t my_proposal_id;
	uint64_t my_proposal_round;
	/* Our last vote (what a peer whose session just came up may have missed: svm_cons_peer). */
	uint8_t my_vote[VOTE_MSG_MAX];
	size_t my_vote_len;
	uint64_t my_vote_round;
	/* Validators whose transport session the host reported closed (svm_cons_peer): a round
	 * such a validator leads is timed out at once (leader_gone). */
	uint8_t unreachable[SVM_CONS_BITMAP_BYTES];
	uint32_t n_unreachable;
	/* commits */
	svm_hash_t committed_id;
	uint64_t committed_height, committed_round;
	bool commit_pending;
	bool commit_due;         /* commit_walk at the start of the next step (see finish) */
	svm_cons_qc_t commit_qc; /* the QC whose 2-chain set the latest commit target */
	svm_hash_t commit_target;
	uint64_t commit_target_height;
	uint64_t conflicts;
	/* storage */
	block_t blocks[SVM_CONS_BLOCKS_MAX];
	uint32_t n_blocks;
	/* the committed chain at start, newest first (anc[0] is committed_id's): read by
	 * leader_for where the tree lacks a block, so a core restarted with every other one still
	 * computes the leaders of the next rounds */
	committed_anc_t anc[REPUTATION_WINDOW];
	uint32_t n_anc;
	/* A compact index of the tree for its scans (a block_t is ~200 bytes, the tree 100 KiB):
	 * bkey[i] = the first 8 bytes of blocks[i].id | 1 while used, 0 when free; bround[i] its
	 * round. Looking a block up was a third of the core's own time in the simulator. */
	uint64_t bkey[SVM_CONS_BLOCKS_MAX];
	uint64_t bround[SVM_CONS_BLOCKS_MAX];
	votes_t votes;
	late_t late[LATE_SLOTS];
	tmo_t tmo[TMO_SLOTS];
	svm_hash_t qc_cache[QC_CACHE_MAX];
	uint32_t qc_cache_next;
	svm_buf_t selfq[SELFQ_MAX];
	uint32_t selfq_head, selfq_n;
	svm_cons_evidence_t ev[SVM_CONS_EVIDENCE_MAX];
	uint32_t ev_head, ev_n;
	svm_arena_t scratch;
	svm_buf_t tmp;
	/* the step in progress */
	svm_cons_out_t *out;
	uint32_t peer; /* who sent the message being handled (sync requests go there) */
	leader_cache_t lcache[LEADER_CACHE_MAX];
	bool leader_missing; /* the last leader_for lacked an ancestor: which one */
	svm_hash_t leader_missing_id;
	bool inserted;           /* a block joined the tree during this step */
	bool vote_wait;          /* the host could not execute this round's proposal yet */
	svm_hash_t vote_wait_id; /* (an ancestor was missing): retried every step */
	tc_ref_t vote_wait_tc;
	orphan_t orphans[ORPHANS_MAX]; /* proposals waiting for their parent (reputation) */
	uint32_t lcache_next;
	svm_hash_t certified[CERTIFIED_MAX]; /* ring: blocks (and their parents) a QC certifies */
	uint32_t certified_next;
	svm_cons_qc_t hqc_kept[HQC_KEPT]; /* ring: the last highest QCs (hqc included) */
	struct {
		bool used;
		svm_hash_t id;
		uint64_t height;
	} owed[SVM_CONS_QC_OWED_MAX]; /* ring: committed without their QC (host.certified) */
	uint32_t owed_next;
	uint32_t hqc_kept_next;
	svm_hash_t asked[SYNC_ASKED_MAX]; /* blocks recently requested, and when */
	uint64_t asked_at[SYNC_ASKED_MAX];
	bool asked_host[SYNC_ASKED_MAX]; /* found in the host's store (not asked of a peer) */
};

/* ------------------------------------------------------------- outputs */

void svm_cons_out_init(svm_cons_out_t *o)
{
	memset(o, 0, sizeof *o);
	o->bytes.cap_max = SVM_CONS_OUT_BYTES_MAX;
}

void svm_cons_out_reset(svm_cons_out_t *o)
{
	o->n_actions = 0;
	o->committed = 0;
	svm_buf_reset(&o->bytes);
}

void svm_cons_out_free(svm_cons_out_t *o)
{
	svm_buf_free(&o->bytes);
	memset(o, 0, sizeof *o);
}

static int emit(svm_cons_t *c, uint8_t kind, uint32_t to, const uint8_t *p, size_t len)
{
	svm_cons_out_t *o = c->out;
	if (o == NULL) return 0;
	if (o->n_actions >= SVM_CONS_ACTIONS_MAX) {
		svm_log_warn("consensus: step emits over %d actions; dropped one", SVM_CONS_ACTIONS_MAX);
		return SVM_ELIMIT;
	}
	size_t off = o->bytes.len;
	int rc = svm_buf_append(&o->bytes, p, len);
	if (rc != 0) return rc;
	o->actions[o->n_actions++] = (svm_cons_action_t){kind, to, off, len};
	return 0;
}

static void self_send(svm_cons_t *c, const uint8_t *p, size_t len)
{
	if (c->selfq_n >= SELFQ_MAX) {
		svm_log_warn("consensus: own message queue full; dropped one");
		return;
	}
	svm_buf_t *b = &c->selfq[(c->selfq_head + c->selfq_n) % SELFQ_MAX];
	svm_buf_reset(b);
	if (svm_buf_append(b, p, len) == 0) c->selfq_n++;
}

/* ---------------------------------------------------------- leaders */

/* The leader without reputation: the stake-weighted pick of the round's seed. */
static uint32_t base_leader(const svm_cons_t *c, uint64_t round)
{
	svm_hash_t seed;
	cons_leader_seed(&c->cfg.epoch_seed, round, &seed);
	return svm_cons_pick(&c->vs, &seed, NULL);
}

static block_t *block_find(svm_cons_t *c, const svm_hash_t *id);

/* The leader of `round` for a block extending `parent`. With reputation (DiemBFT v4's idea,
 * simplified; cons_reputation_leader in leader.c): over up to REPUTATION_WINDOW certified
 * ancestors from parent, the leader each round that left a gap in the chain actually had has
 * failed; a validator whose latest failure is newer than its latest proposal in the window is
 * excluded from the pick — the most recent failures first, then the inactive (no proposal and
 * no signature in any of the window's parent QCs), as long as the excluded stake stays under a
 * third. A crashed validator is thus excluded from its first failed round on, and stays
 * excluded while it signs nothing. Everything comes from the hash-linked chain, so every
 * validator holding those blocks computes the same leader. */
static uint32_t leader_for(svm_cons_t *c, uint64_t round, const svm_hash_t *parent)
{
	c->leader_missing = false;
	/* One validator leads every round (no exclusion can reach a third of the stake): asking
	 * for ancestors first would stall a restarted devnet, which has no peer to ask. */
	if (!c->cfg.reputation || c->vs.n == 1) return base_leader(c, round);
	for (uint32_t i = 0; i < LEADER_CACHE_MAX; i++)
		if (c->lcache[i].round == round && svm_hash_eq(&c->lcache[i].parent, parent))
			return c->lcache[i].leader;
	cons_rep_block_t win[REPUTATION_WINDOW];
	uint32_t n = 0;
	svm_hash_t cur = *parent;
	bool complete = false, at_base = false;
	while (n < REPUTATION_WINDOW) {
		const block_t *b = block_find(c, &cur);
		const committed_anc_t *a = NULL;
		for (uint32_t k = 0; b == NULL && a == NULL && k < c->n_anc; k++)
			if (svm_hash_eq(&c->anc[k].id, &cur)) a = &c->anc[k];
		if (b == NULL && a == NULL) {
			/* The genesis block, or an ancestor we do not hold — committed or not: every
			 * validator must walk the same blocks (then the result is not cached, and the
			 * caller fetches the block). */
			complete = at_base = svm_hash_eq(&cur, &c->cfg.genesis_id);
			if (!complete) {
				c->leader_missing = true;
				c->leader_missing_id = cur;
			}
			break;
		}
		if (b != NULL) {
			win[n].round = b->round;
			win[n].proposer = b->proposer;
			memcpy(win[n].signers, b->signers, SVM_CONS_BITMAP_BYTES);
			cur = b->parent;
		} else { /* a committed block from the host's store: the same fields, from its header */
			win[n] = a->rep;
			cur = a->parent;
		}
		n++;
		complete = n == REPUTATION_WINDOW;
	}
	uint32_t leader = cons_reputation_leader(&c->vs, &c->cfg.epoch_seed, round, win, n, complete, at_base,
						 c->cfg.carry_inactive);
	if (complete) {
		c->lcache[c->lcache_next] = (leader_cache_t){round, *parent, leader};
		c->lcache_next = (c->lcache_next + 1) % LEADER_CACHE_MAX;
	}
	return leader;
}

uint32_t svm_cons_leader(const svm_cons_t *c, uint64_t round)
{
	return leader_for((svm_cons_t *)c, round, &c->hqc.data.block_id);
}

/* ----------------------------------------------------------- block tree */

static uint64_t block_key(const svm_hash_t *id) { return svm_get_u64le(id->b) | 1; }

/* The slot of the block with this id, or -1. */
static int block_index(const svm_cons_t *c, const svm_hash_t *id)
{
	uint64_t k = block_key(id);
	for (uint32_t i = 0; i < SVM_CONS_BLOCKS_MAX; i++) {
		if (c->bkey[i] != k || !svm_hash_eq(&c->blocks[i].id, id)) continue;
		SVM_ASSERT(c->blocks[i].used);
		return (int)i;
	}
	return -1;
}

static block_t *block_find(svm_cons_t *c, const svm_hash_t *id)
{
	int i = block_index(c, id);
	return i < 0 ? NULL : &c->blocks[i];
}

/* A free slot, evicting the lowest block at or below the committed height if the tree is full
 * (blocks above it may still commit and are never evicted). NULL when none can go. */
static block_t *block_slot(svm_cons_t *c)
{
	block_t *victim = NULL;
	for (uint32_t i = 0; i < SVM_CONS_BLOCKS_MAX; i++) {
		block_t *b = &c->blocks[i];
		if (!b->used) return b;
		if (b->height <= c->committed_height && b->height < c->committed_height + 1 &&
		    !svm_hash_eq(&b->id, &c->committed_id) &&
		    (victim == NULL || b->height < victim->height))
			victim = b;
	}
	if (victim != NULL) {
		svm_buf_free(&victim->msg);
		memset(victim, 0, sizeof *victim);
		c->bkey[victim - c->blocks] = 0;
		c->n_blocks--;
	}
	return victim;
}

/* Asks a peer for a block we miss, at most once per id per half round timeout (a commit walk
 * stuck on a gap runs every step; it must not turn into a request storm). */
static void request_block(svm_cons_t *c, const svm_hash_t *id)
{
	uint32_t slot = 0;
	for (uint32_t i = 0; i < SYNC_ASKED_MAX; i++) {
		if (svm_hash_eq(&c->asked[i], id)) {
			/* a block found in the host's store may be loaded again at a later instant */
			if (c->asked_host[i] ? c->now <= c->asked_at[i]
					     : c->now < c->asked_at[i] + c->cfg.round_timeout_ms / 2)
				return;
			slot = i;
			break;
		}
		if (c->asked_at[i] < c->asked_at[slot]) slot = i;
	}
	c->asked[slot] = *id;
	c->asked_at[slot] = c->now;
	c->asked_host[slot] = false;
	if (c->host.load_block != NULL) {
		svm_buf_reset(&c->tmp);
		if (c->host.load_block(c->host.ctx, id, &c->tmp) == 0 && c->tmp.len > 0 &&
		    c->self >= 0) {
			/* Not again within this instant: a block the tree then refuses (too old)
			 * was reloaded forever at one time (the sim's seed 1360). */
			c->asked_host[slot] = true;
			self_send(c, c->tmp.data, c->tmp.len);
			return;
		}
	}
	uint8_t m[1 + SVM_HASH_SIZE];
	m[0] = SVM_CONS_TAG_SYNC_REQ;
	memcpy(m + 1, id->b, SVM_HASH_SIZE);
	uint32_t to = c->peer;
	if (to == SVM_CONS_FROM_UNKNOWN || (int)to == c->self || to >= c->vs.n)
		to = leader_for(c, c->round, &c->hqc.data.block_id); /* somebody who should have it */
	if ((int)to == c->self) return;
	emit(c, SVM_CONS_SEND, to, m, sizeof m);
}

/* ----------------------------------------------------------- evidence */

static bool evidence_held(const svm_cons_t *c, const uint8_t *a, size_t al, const uint8_t *b,
			  size_t bl)
{
	for (uint32_t i = 0; i < c->ev_n; i++) {
		const svm_cons_evidence_t *e = &c->ev[(c->ev_head + i) % SVM_CONS_EVIDENCE_MAX];
		if (e->a.len == al && e->b.len == bl && memcmp(e->a.data, a, al) == 0 &&
		    memcmp(e->b.data, b, bl) == 0)
			return true;
	}
	return false;
}

static void add_evidence(svm_cons_t *c, uint8_t kind, uint64_t round, uint32_t who,
			 const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t m0 = al < bl ? al : bl;
	int cmp0 = memcmp(a, b, m0);
	if (cmp0 > 0 || (cmp0 == 0 && al > bl) ? evidence_held(c, b, bl, a, al) : evidence_held(c, a, al, b, bl))
		return;                         /* already held (found again, or received) */
	if (c->ev_n == SVM_CONS_EVIDENCE_MAX) { /* drop the oldest */
		svm_cons_evidence_free(&c->ev[c->ev_head]);
		c->ev_head = (c->ev_head + 1) % SVM_CONS_EVIDENCE_MAX;
		c->ev_n--;
	}
	svm_cons_evidence_t *e = &c->ev[(c->ev_head + c->ev_n) % SVM_CONS_EVIDENCE_MAX];
	memset(e, 0, sizeof *e);
	e->kind = kind;
	e->epoch = c->vs.epoch;
	e->round = round;
	e->validator = c->vs.v[who].id;
	size_t m = al < bl ? al : bl;
	int cmp = memcmp(a, b, m);
	bool swap = cmp > 0 || (cmp == 0 && al > bl);
	if (svm_buf_append(&e->a, swap ? b : a, swap ? bl : al) != 0 ||
	    svm_buf_append(&e->b, swap ? a : b, swap ? al : bl) != 0) {
		svm_cons_evidence_free(e);
		return;
	}
	c->ev_n++;
	svm_log_warn("consensus: evidence of %s by validator %u in round %llu",
		     kind == SVM_CONS_EVIDENCE_DOUBLE_VOTE ? "a double vote" : "a double proposal", who,
		     (unsigned long long)round);
	if (c->host.evidence != NULL) c->host.evidence(c->host.ctx, e);
}

/* ------------------------------------------------------------ safety */

/* Copies the part of a QC that is read: the signatures past n_sigs never are (encoders, verify
 * and qc_same stop at n_sigs), and a whole QC is 8 KiB for a few hundred bytes used — its full
 * copies in persist and process_qc were a tenth of a simulated run's instructions. */
static void qc_copy(svm_cons_qc_t *dst, const svm_cons_qc_t *src)
{
	SVM_ASSERT(src->n_sigs <= SVM_CONS_VALIDATORS_MAX);
	dst->data = src->data;
	dst->epoch = src->epoch;
	memcpy(dst->bitmap, src->bitmap, sizeof dst->bitmap);
	dst->n_sigs = src->n_sigs;
	memcpy(dst->sigs, src->sigs, (size_t)src->n_sigs * SVM_ED25519_SIG_SIZE);
}

/* The same for a TC (26 KiB whole): its signers' rounds and signatures up to n_sigs, its QC. */
static void tc_copy(svm_cons_tc_t *dst, const svm_cons_tc_t *src)
{
	SVM_ASSERT(src->n_sigs <= SVM_CONS_VALIDATORS_MAX);
	dst->epoch = src->epoch;
	dst->round = src->round;
	memcpy(dst->bitmap, src->bitmap, sizeof dst->bitmap);
	dst->n_sigs = src->n_sigs;
	memcpy(dst->hqc_rounds, src->hqc_rounds, src->n_sigs * sizeof dst->hqc_rounds[0]);
	memcpy(dst->sigs, src->sigs, (size_t)src->n_sigs * SVM_ED25519_SIG_SIZE);
	qc_copy(&dst->hqc, &src->hqc);
}

static int persist(svm_cons_t *c)
{
	svm_cons_safety_t *s = svm_malloc(sizeof *s);
	if (s == NULL) return SVM_ENOMEM;
	s->version = SVM_CONS_SAFETY_VERSION;
	s->epoch = c->vs.epoch;
	s->last_voted_round = c->last_voted_round;
	s->locked_round = c->locked_round;
	s->last_timeout_round = c->last_timeout_round;
	qc_copy(&s->hqc, &c->hqc);
	s->timeout = NULL;
	s->timeout_len = 0;
	if (c->my_timeout_round == c->last_timeout_round && c->my_timeout.len > 0) {
		s->timeout = c->my_timeout.data;
		s->timeout_len = c->my_timeout.len;
	}
	/* The highest TC goes with every record: the vote or timeout being stored may be in the
	 * round that TC opened, and a restart must come back in that round (load_safety). */
	s->has_tc = c->has_htc;
	if (c->has_htc) tc_copy(&s->tc, &c->htc);
	SVM_VERIFY(c->hqc.data.round == c->locked_round);
	svm_buf_reset(&c->tmp);
	int rc = svm_cons_safety_encode(s, &c->tmp);
	svm_free(s);
	if (rc == 0) rc = c->host.persist(c->host.ctx, c->tmp.data, c->tmp.len);
	if (rc != 0) svm_log_error("consensus: safety record not stored (%s)", svm_strerror(rc));
	return rc;
}

/* Records that this node votes in round r no more (it votes now, or gives the vote up): the
 * record is stored before anything of the round leaves. 0, or persist's error with the round
 * left as it was. */
static int record_voted_round(svm_cons_t *c, uint64_t r)
{
	uint64_t saved = c->last_voted_round;
	SVM_VERIFY(r > saved); /* one vote per round, ever */
	c->last_voted_round = r;
	int rc = persist(c);
	if (rc != 0) c->last_voted_round = saved;
	return rc;
}

/* ---------------------------------------------------------- certificates */

static bool is_certified(const svm_cons_t *c, const svm_hash_t *id)
{
	for (uint32_t i = 0; i < CERTIFIED_MAX; i++)
		if (svm_hash_eq(&c->certified[i], id)) return true;
	return false;
}

/* A verified QC certifies its block and, through the parent QC its honest voters checked, the
 * block's parent: such a block is valid whoever proposed it (see proposal_valid). */
static void certify(svm_cons_t *c, const svm_cons_qc_t *qc)
{
	if (cons_qc_is_genesis(qc)) return;
	const svm_hash_t *ids[2] = {&qc->data.block_id, &qc->data.parent_id};
	for (int k = 0; k < 2; k++) {
		if (is_certified(c, ids[k])) continue;
		c->certified[c->certified_next] = *ids[k];
		c->certified_next = (c->certified_next + 1) % CERTIFIED_MAX;
	}
}

static bool qc_cached(svm_cons_t *c, const svm_hash_t *h)
{
	for (uint32_t i = 0; i < QC_CACHE_MAX; i++)
		if (svm_hash_eq(&c->qc_cache[i], h)) return true;
	return false;
}

/* Whether two QCs are the same certificate (hence the same encoding): vote data, epoch, signers
 * and each signature. */
static bool qc_same(const svm_cons_qc_t *a, const svm_cons_qc_t *b)
{
	if (a->n_sigs != b->n_sigs || a->n_sigs > SVM_CONS_VALIDATORS_MAX || a->epoch != b->epoch) return false;
	return memcmp(&a->data, &b->data, sizeof a->data) == 0 && memcmp(a->bitmap, b->bitmap, sizeof a->bitmap) == 0 &&
	       memcmp(a->sigs, b->sigs, (size_t)a->n_sigs * SVM_ED25519_SIG_SIZE) == 0;
}

/* Verifies a QC, remembering the exact encodings already verified. A QC identical to one we
 * hold as verified — our highest QC or one of the last highest (keep_hqc: each was verified,
 * formed from verified votes, or loaded and verified) — is not verified again: every proposal
 * carries its parent's QC, usually our highest, and every timeout carries its signer's; encoding
 * and hashing it for the cache was a tenth of a simulated run's instructions. */
static int check_qc(svm_cons_t *c, const svm_cons_qc_t *qc)
{
	if (cons_qc_is_genesis(qc))
		return svm_cons_qc_verify(qc, &c->vs, c->cfg.chain_id, &c->cfg.genesis_id, c->sig);
	if (qc->data.round > 0 && qc_same(qc, &c->hqc)) return 0;
	for (uint32_t i = 0; i < HQC_KEPT; i++)
		if (c->hqc_kept[i].data.round > 0 && qc_same(qc, &c->hqc_kept[i])) return 0;
	svm_buf_reset(&c->tmp);
	int rc = svm_cons_qc_encode(qc, &c->tmp);
	if (rc != 0) return rc;
	svm_hash_t h;
	svm_sha256(c->tmp.data, c->tmp.len, &h);
	if (qc_cached(c, &h)) return 0;
	rc = svm_cons_qc_verify(qc, &c->vs, c->cfg.chain_id, &c->cfg.genesis_id, c->sig);
	if (rc == 0) {
		certify(c, qc);
		c->qc_cache[c->qc_cache_next] = h;
		c->qc_cache_next = (c->qc_cache_next + 1) % QC_CACHE_MAX;
	}
	return rc;
}

/* Verifies a TC; one identical to our highest TC (verified or formed from verified timeouts
 * when it became ours) is not verified again — TCs are broadcast and re-sent to every laggard. */
static int check_tc(svm_cons_t *c, const svm_cons_tc_t *tc)
{
	if (c->has_htc && tc->round == c->htc.round && tc->epoch == c->htc.epoch && tc->n_sigs == c->htc.n_sigs &&
	    tc->n_sigs <= SVM_CONS_VALIDATORS_MAX && memcmp(tc->bitmap, c->htc.bitmap, sizeof tc->bitmap) == 0 &&
	    memcmp(tc->hqc_rounds, c->htc.hqc_rounds, tc->n_sigs * sizeof tc->hqc_rounds[0]) == 0 &&
	    memcmp(tc->sigs, c->htc.sigs, (size_t)tc->n_sigs * SVM_ED25519_SIG_SIZE) == 0 && qc_same(&tc->hqc, &c->htc.hqc))
		return 0;
	return svm_cons_tc_verify(tc, &c->vs, c->cfg.chain_id, &c->cfg.genesis_id, c->sig);
}

static uint64_t round_timeout_ms(const svm_cons_t *c)
{
	uint64_t k = c->round - 1 - c->hqc.data.round; /* failed rounds since the last QC */
	if (c->round <= c->hqc.data.round + 1) k = 0;
	if (k > SVM_CONS_TIMEOUT_SHIFT_MAX) k = SVM_CONS_TIMEOUT_SHIFT_MAX;
	return c->cfg.round_timeout_ms << k;
}

static void maybe_propose(svm_cons_t *c);
static void commit_walk(svm_cons_t *c);

static void advance_round(svm_cons_t *c, uint64_t r)
{
	if (r <= c->round) return;
	c->round = r;
	c->proposed = false;
	c->propose_retry = false;
	svm_buf_reset(&c->my_proposal); /* a held proposal of an earlier round never leaves */
	c->deadline = c->now + round_timeout_ms(c);
	svm_log_debug("consensus: round %llu (hqc %llu, timeout %llu ms)", (unsigned long long)r,
		      (unsigned long long)c->hqc.data.round, (unsigned long long)round_timeout_ms(c));
	SVM_ASSERT(c->round > c->hqc.data.round);
	maybe_propose(c);
}

/* Remembers a new highest QC (verified) in full: when its block commits, a child certifying it
 * may not be in the tree, and the host should still get the block's QC (cert_of). */
static void keep_hqc(svm_cons_t *c, const svm_cons_qc_t *qc)
{
	qc_copy(&c->hqc_kept[c->hqc_kept_next], qc);
	c->hqc_kept_next = (c->hqc_kept_next + 1) % HQC_KEPT;
}

/* A verified QC of a block committed without one goes to the host (host.certified), once. */
static void settle_owed(svm_cons_t *c, const svm_cons_qc_t *qc)
{
	if (c->host.certified == NULL || qc->epoch != c->vs.epoch || qc->data.round == 0) return;
	for (uint32_t i = 0; i < SVM_CONS_QC_OWED_MAX; i++) {
		if (!c->owed[i].used || !svm_hash_eq(&c->owed[i].id, &qc->data.block_id)) continue;
		if (qc->data.height != c->owed[i].height) continue;
		c->owed[i].used = false;
		c->host.certified(c->host.ctx, &qc->data.block_id, qc->data.height, qc);
	}
}

/* ---------------------------------------------------------- late votes */

static late_t *late_find(svm_cons_t *c, const svm_cons_vote_data_t *d, uint64_t epoch)
{
	for (uint32_t i = 0; i < LATE_SLOTS; i++)
		if (c->late[i].used && c->late[i].epoch == epoch &&
		    memcmp(&c->late[i].data, d, sizeof *d) == 0)
			return &c->late[i];
	return NULL;
}

/* Signer i's verified vote for s's vote data (a no-op if held). */
static void late_put(late_t *s, uint32_t i, const uint8_t sig[64])
{
	SVM_ASSERT(i < SVM_CONS_VALIDATORS_MAX);
	if (cons_bit(s->bitmap, i)) return;
	cons_bit_set(s->bitmap, i);
	memcpy(s->sigs[i], sig, 64);
}

/* A verified QC of this epoch: its signers join the slot of its vote data, which is made (in
 * place of the lowest round's, if that is lower) when there is none; with it the votes for that
 * data this validator collected (vote collection keeps taking votes after the quorum). Bounded:
 * LATE_SLOTS slots, each at most one signature per validator. */
static void late_note_qc(svm_cons_t *c, const svm_cons_qc_t *qc)
{
	if (cons_qc_is_genesis(qc) || qc->epoch != c->vs.epoch) return;
	late_t *s = late_find(c, &qc->data, qc->epoch);
	if (s == NULL) {
		for (uint32_t i = 0; i < LATE_SLOTS; i++) {
			late_t *o = &c->late[i];
			if (!o->used) {
				s = o;
				break;
			}
			if (o->data.round < qc->data.round && (s == NULL || o->data.round < s->data.round)) s = o;
		}
		if (s == NULL) return; /* older than every kept slot */
		s->used = true;
		s->epoch = qc->epoch;
		s->data = qc->data;
		memset(s->bitmap, 0, sizeof s->bitmap);
	}
	uint32_t k = 0;
	for (uint32_t i = 0; i < c->vs.n && k < qc->n_sigs; i++)
		if (cons_bit(qc->bitmap, i)) late_put(s, i, qc->sigs[k++]);
	const votes_t *vc = &c->votes;
	if (vc->round != qc->data.round) return;
	for (uint32_t t = 0; t < vc->n_targets; t++) {
		if (memcmp(&vc->t[t].data, &qc->data, sizeof qc->data) != 0) continue;
		for (uint32_t i = 0; i < c->vs.n; i++)
			if (cons_bit(vc->t[t].bitmap, i)) late_put(s, i, vc->t[t].sigs[i]);
	}
}

/* A vote for a certified block that arrived after the round's collection moved on (a slow
 * voter's): kept in the block's slot if it verifies. 0 also when there is no slot (ignored, as
 * stale votes always were); SVM_ESIG for a bad signature. */
static int late_vote(svm_cons_t *c, uint32_t from, const svm_cons_vote_t *v)
{
	late_t *s = late_find(c, &v->data, v->epoch);
	if (s == NULL || cons_bit(s->bitmap, v->voter)) return 0;
	if ((int)from != c->self) {
		uint8_t sm[SVM_CONS_SIGNED_BYTES];
		svm_cons_vote_message(c->cfg.chain_id, v->epoch, &v->data, sm);
		int rc = cons_verify_msg(c->sig, c->vs.v[v->voter].pubkey, sm, v->sig);
		if (rc != 0) return rc;
	}
	late_put(s, v->voter, v->sig);
	return 0;
}

/* The late QC of a proposal extending our highest QC: its grandparent's QC with every vote we
 * hold for it, encoded into out; nothing (out empty) when the grandparent is the epoch's start
 * (its genesis QC has no votes) or we hold no QC of it. */
static void late_build(svm_cons_t *c, svm_buf_t *out, svm_cons_qc_t *q)
{
	const svm_cons_qc_t *pq = &c->hqc; /* certifies the parent */
	if (cons_qc_is_genesis(pq) || pq->data.parent_round == 0 || pq->epoch != c->vs.epoch) return;
	late_t *s = NULL;
	for (int pass = 0; pass < 2 && s == NULL; pass++) {
		for (uint32_t i = 0; i < LATE_SLOTS && s == NULL; i++) {
			late_t *o = &c->late[i];
			if (o->used && o->epoch == pq->epoch && svm_hash_eq(&o->data.block_id, &pq->data.parent_id) &&
			    o->data.round == pq->data.parent_round && o->data.height + 1 == pq->data.height)
				s = o;
		}
		/* none: the QC in the parent's header (verified when the parent was accepted) */
		const block_t *pb = s == NULL && pass == 0 ? block_find(c, &pq->data.block_id) : NULL;
		if (pb != NULL && svm_cons_qc_decode(pb->msg.data + pb->pqc_off, pb->pqc_len, q, NULL) == 0)
			late_note_qc(c, q);
	}
	if (s == NULL) return;
	memset(q, 0, sizeof *q);
	q->data = s->data;
	q->epoch = s->epoch;
	memcpy(q->bitmap, s->bitmap, sizeof q->bitmap);
	uint64_t stake = 0;
	for (uint32_t i = 0; i < c->vs.n; i++) {
		if (!cons_bit(s->bitmap, i)) continue;
		memcpy(q->sigs[q->n_sigs++], s->sigs[i], 64);
		stake += c->vs.v[i].stake;
	}
	SVM_ASSERT(svm_cons_quorum(&c->vs, stake)); /* a slot starts from a verified QC */
	if (svm_cons_qc_encode(q, out) != 0) svm_buf_reset(out);
}

/* A received proposal's late QC (header h, parent QC pq): none, or a QC of this epoch of the
 * grandparent (pq's parent: id, round and height) that verifies — every signature not already
 * held as verified in its slot is checked. lq receives it. SVM_EINVAL / SVM_EDECODE / SVM_ESIG. */
static int late_valid(svm_cons_t *c, const svm_header_t *h, const svm_cons_qc_t *pq, svm_cons_qc_t *lq)
{
	if (h->late_qc_len == 0) return 0;
	/* an epoch's first two blocks have no grandparent voted in the epoch */
	if (cons_qc_is_genesis(pq) || pq->data.parent_round == 0) return SVM_EINVAL;
	int rc = svm_cons_qc_decode(h->late_qc, h->late_qc_len, lq, NULL);
	if (rc != 0) return rc;
	if (lq->epoch != c->vs.epoch || !svm_hash_eq(&lq->data.block_id, &pq->data.parent_id) ||
	    lq->data.round != pq->data.parent_round || lq->data.height + 1 != pq->data.height)
		return SVM_EINVAL;
	const late_t *s = late_find(c, &lq->data, lq->epoch);
	return cons_qc_verify_known(lq, &c->vs, c->cfg.chain_id, &c->cfg.genesis_id, c->sig,
				    s != NULL ? s->bitmap : NULL, s != NULL ? (const uint8_t(*)[64])s->sigs : NULL);
}

static void process_qc(svm_cons_t *c, const svm_cons_qc_t *qc)
{
	const svm_cons_vote_data_t *d = &qc->data;
	certify(c, qc);
	late_note_qc(c, qc);
	settle_owed(c, qc);
	if (d->round > c->hqc.data.round) {
		SVM_ASSERT(d->round > c->locked_round); /* the lock only moves up, with hqc */
		qc_copy(&c->hqc, qc);
		c->locked_round = d->round;
		keep_hqc(c, qc);
	}
	/* 2-chain rule: a certified block whose parent is from the round just before commits it. */
	if (d->round > 0 && d->height >= 1 && d->parent_round + 1 == d->round &&
	    d->height - 1 > c->committed_height &&
	    (!c->commit_pending || d->height - 1 > c->commit_target_height)) {
		c->commit_pending = true;
		qc_copy(&c->commit_qc, qc);
		c->commit_target = d->parent_id;
		c->commit_target_height = d->height - 1;
		c->commit_due = true; /* after this step's messages leave (finish) */
	}
	advance_round(c, d->round + 1);
}

static void process_tc(svm_cons_t *c, const svm_cons_tc_t *tc)
{
	if (!c->has_htc || tc->round > c->htc.round) {
		tc_copy(&c->htc, tc);
		c->has_htc = true;
	}
	process_qc(c, &tc->hqc);
	advance_round(c, tc->round + 1);
}

/* -------------------------------------------------------------- commit */

/* The QC certifying block b: from the header of a child in the tree, else one of the last
 * highest QCs (the newest committed block's child may not be held — its QC formed from votes
 * or came in a timeout — while the QC of the block itself was our highest a round before).
 * NULL if neither. */
static const svm_cons_qc_t *cert_of(svm_cons_t *c, const block_t *b, svm_cons_qc_t *buf)
{
	for (uint32_t i = 0; i < SVM_CONS_BLOCKS_MAX; i++) {
		block_t *ch = &c->blocks[i];
		if (!ch->used || !svm_hash_eq(&ch->parent, &b->id)) continue;
		if (svm_cons_qc_decode(ch->msg.data + ch->pqc_off, ch->pqc_len, buf, NULL) == 0)
			return buf;
	}
	for (uint32_t i = 0; i < HQC_KEPT; i++)
		if (c->hqc_kept[i].data.round > 0 && svm_hash_eq(&c->hqc_kept[i].data.block_id, &b->id))
			return &c->hqc_kept[i];
	return NULL;
}

/* Applies the blocks from the committed one up to the commit target, oldest first. Stops (and
 * asks for the block) at a gap; counts a conflict if the target is not above the committed
 * chain — impossible with at most f faulty validators. */
static void commit_walk(svm_cons_t *c)
{
	static _Thread_local uint16_t path[SVM_CONS_BLOCKS_MAX];
	if (!c->commit_pending) return;
	if (c->commit_target_height <= c->committed_height) {
		c->commit_pending = false;
		return;
	}
	uint32_t n = 0;
	svm_hash_t cur = c->commit_target;
	for (uint32_t steps = 0; steps < SVM_CONS_BLOCKS_MAX; steps++) {
		block_t *b = block_find(c, &cur);
		if (b == NULL) {
			request_block(c, &cur);
			return;
		}
		path[n++] = (uint16_t)(b - c->blocks);
		if (b->height <= c->committed_height + 1) {
			if (b->height != c->committed_height + 1 ||
			    !svm_hash_eq(&b->parent, &c->committed_id)) {
				c->conflicts++;
				c->commit_pending = false;
				if (c->conflicts == 1)
					svm_log_error("consensus: a QC commits a block off the "
						      "committed chain");
				return;
			}
			break;
		}
		cur = b->parent;
	}
	svm_cons_qc_t *cert = svm_malloc(sizeof *cert);
	for (uint32_t k = n; k-- > 0 && cert != NULL;) {
		block_t *b = &c->blocks[path[k]];
		SVM_ASSERT(b->height == c->committed_height + 1);
		const svm_cons_qc_t *q = cert_of(c, b, cert);
		int rc = c->host.commit(c->host.ctx, &b->id, b->msg.data + b->blk_off, b->blk_len,
					b->height, q);
		if (rc != 0) {
			svm_log_warn("consensus: commit of height %llu failed (%s); will retry",
				     (unsigned long long)b->height, svm_strerror(rc));
			break;
		}
		if (q == NULL) { /* its QC is owed: handed over when it arrives (settle_owed) */
			c->owed[c->owed_next].used = true;
			c->owed[c->owed_next].id = b->id;
			c->owed[c->owed_next].height = b->height;
			c->owed_next = (c->owed_next + 1) % SVM_CONS_QC_OWED_MAX;
		}
		c->committed_id = b->id;
		c->committed_height = b->height;
		c->committed_round = b->round;
		if (c->out != NULL) c->out->committed++;
	}
	svm_free(cert);
	if (c->committed_height >= c->commit_target_height) c->commit_pending = false;
}

/* ------------------------------------------------------------- voting */

/* Jolteon's voting rule: a new round, and the block extends the QC of the round before, or a TC
 * of the round before whose every signer's high QC is at most the block's parent QC. */
static bool safe_to_vote(const svm_cons_t *c, uint64_t round, uint64_t qc_round, tc_ref_t tc)
{
	if (round <= c->last_voted_round) return false;
	if (round == qc_round + 1) return true;
	return tc.has && round == tc.round + 1 && qc_round >= tc.hqc_round;
}

/* Votes for b if the rules allow and the host executes it. A host that lacks an ancestor
 * (SVM_ENOTFOUND, or SVM_EBUSY: "not yet") leaves the vote pending: vote_retry tries again at
 * every step of the round, so a proposal that arrived before its parent is voted for once the
 * parent is there (with one validator down, every vote of the rest is needed). Every vote is
 * broadcast and every validator aggregates (Jolteon sends it to the next leader only): a QC
 * then forms wherever a quorum arrives, so a crashed next leader costs its own round, not the
 * round before it too. */
static void vote_for(svm_cons_t *c, const block_t *b, tc_ref_t tc)
{
	if (c->self < 0 || b->round != c->round || !safe_to_vote(c, b->round, b->parent_round, tc))
		return;
	svm_cons_vote_t v;
	memset(&v, 0, sizeof v);
	v.data.block_id = b->id;
	v.data.round = b->round;
	v.data.height = b->height;
	v.data.parent_id = b->parent;
	v.data.parent_round = b->parent_round;
	int xrc = c->host.execute(c->host.ctx, &b->id, b->msg.data + b->blk_off, b->blk_len,
				  &v.data.exec_root);
	if (xrc != 0) {
		svm_log_debug("consensus: no vote in round %llu yet: execute failed (%s)",
			      (unsigned long long)b->round, svm_strerror(xrc));
		if ((xrc == SVM_ENOTFOUND || xrc == SVM_EBUSY) && c->my_proposal.len > 0 &&
		    c->my_proposal_round == b->round && svm_hash_eq(&c->my_proposal_id, &b->id)) {
			/* Our own proposal, on an ancestor we lack: the others may hold it. We give up
			 * our vote in this round (recorded first, so a restart proposes no second block
			 * and we never vote in it) and send the proposal unvoted: holding it until we
			 * could vote stalled every round whose leader lacked the parent (sim seed 572920). */
			if (record_voted_round(c, b->round) == 0) {
				emit(c, SVM_CONS_BROADCAST, 0, c->my_proposal.data, c->my_proposal.len);
				svm_buf_reset(&c->my_proposal);
				return;
			}
			/* not stored: held, tried again at the next step */
		}
		if (xrc == SVM_ENOTFOUND || xrc == SVM_EBUSY) {
			c->vote_wait = true;
			c->vote_wait_id = b->id;
			c->vote_wait_tc = tc;
		}
		return; /* an invalid block, or one this node cannot execute (yet): no vote */
	}
	if (c->vote_wait && svm_hash_eq(&c->vote_wait_id, &b->id)) c->vote_wait = false;
	if (record_voted_round(c, b->round) != 0) return;
	if (c->my_proposal.len > 0 && c->my_proposal_round == b->round && svm_hash_eq(&c->my_proposal_id, &b->id)) {
		/* our own proposal leaves now, its vote on disk: a restart cannot propose again */
		SVM_ASSERT(c->last_voted_round >= c->my_proposal_round);
		emit(c, SVM_CONS_BROADCAST, 0, c->my_proposal.data, c->my_proposal.len);
		svm_buf_reset(&c->my_proposal);
	}
	v.epoch = c->vs.epoch;
	v.voter = (uint32_t)c->self;
	uint8_t sm[SVM_CONS_SIGNED_BYTES];
	svm_cons_vote_message(c->cfg.chain_id, v.epoch, &v.data, sm);
	cons_sign_msg(c->sig, &c->key, sm, v.sig);
	uint8_t m[VOTE_MSG_MAX];
	svm_buf_t mb = {m, 0, sizeof m, sizeof m};
	if (svm_cons_vote_encode(&v, &mb) != 0) return;
	svm_log_debug("consensus: voted in round %llu", (unsigned long long)b->round);
	memcpy(c->my_vote, mb.data, mb.len);
	c->my_vote_len = mb.len;
	c->my_vote_round = b->round;
	emit(c, SVM_CONS_BROADCAST, 0, mb.data, mb.len);
	self_send(c, mb.data, mb.len);
	(void)leader_for(c, b->round + 1, &b->id);
	if (c->leader_missing) request_block(c, &c->leader_missing_id); /* to judge the next proposal */
}

/* The pending vote of this round (see vote_for), if its block is still there. */
static void vote_retry(svm_cons_t *c)
{
	if (!c->vote_wait) return;
	c->vote_wait = false;
	const block_t *b = block_find(c, &c->vote_wait_id);
	if (b != NULL && b->round == c->round && b->round > c->last_voted_round)
		vote_for(c, b, c->vote_wait_tc);
}

/* ---------------------------------------------------------- proposals */

static void maybe_propose(svm_cons_t *c)
{
	/* Never in a round already voted or timed out in: after a restart `proposed` is gone, but
	 * the record says the round's proposal (voted for before it left) or timeout went out —
	 * a second, different block would be a double proposal (slashable evidence). */
#ifndef SVM_CONS_TEST_REPROPOSE
	if (c->self < 0 || c->proposed || c->round <= c->last_voted_round) return;
#else
	/* The deliberately broken rule, in build/sim-repropose only (mk/consensus.mk): no record
	 * check here, and the proposal leaves at once, before its vote is stored (below). The
	 * simulator must catch the restarted leader proposing again (make test-sim). */
	if (c->self < 0 || c->proposed) return;
#endif
	uint32_t leader = leader_for(c, c->round, &c->hqc.data.block_id);
	if (c->leader_missing) {
		/* The leader depends on an ancestor we do not hold (a restart empties the tree):
		 * fetch it, and decide when it arrives (on_proposal calls us again). Neither
		 * proposing on a partial view nor waiting for a proposal that we may be the one to
		 * make: seed 129218's restarted validator was the leader for eight rounds without
		 * knowing it, then proposed out of turn and voted for its own refused block. */
		request_block(c, &c->leader_missing_id);
		return;
	}
	if (leader != (uint32_t)c->self) return;
	const svm_cons_tc_t *tc = NULL;
	if (c->hqc.data.round + 1 != c->round) {
		if (!c->has_htc || c->htc.round + 1 != c->round) return;
		tc = &c->htc;
	}
	svm_buf_t qcb = {0}, blk = {0}, msg = {0}, late = {0};
	svm_cons_qc_t *lq = svm_malloc(sizeof *lq);
	svm_header_t t;
	memset(&t, 0, sizeof t);
	if (lq == NULL) goto done;
	t.chain_id = c->cfg.chain_id;
	t.height = c->hqc.data.height + 1;
	t.round = c->round;
	t.parent = c->hqc.data.block_id;
	t.proposer = c->key.id;
	if (svm_cons_qc_encode(&c->hqc, &qcb) != 0) goto done;
	t.parent_qc = qcb.data;
	t.parent_qc_len = qcb.len;
	late_build(c, &late, lq);
	t.late_qc = late.len > 0 ? late.data : NULL;
	t.late_qc_len = late.len;
	uint8_t pi[SVM_VRF_PROOF_SIZE];
	if (c->cfg.vrf) {
		svm_hash_t alpha;
		svm_cons_vrf_alpha(&c->cfg.epoch_seed, c->round, &alpha);
		if (svm_vrf_prove(pi, c->key.secret_key, alpha.b, SVM_HASH_SIZE) != 0) goto done;
		t.vrf_proof = pi;
		t.vrf_proof_len = sizeof pi;
	}
	int rc = c->host.propose(c->host.ctx, &t, &blk);
	if (rc == SVM_EBUSY) {
		c->propose_retry = true;
		goto done;
	}
	c->proposed = true;
	if (rc != 0) goto done;
	svm_block_t b;
	svm_hash_t id;
	svm_arena_reset(&c->scratch);
	if (svm_block_decode(blk.data, blk.len, &c->scratch, &b, &id, NULL) != 0 ||
	    b.header.chain_id != t.chain_id || b.header.height != t.height ||
	    b.header.round != t.round || !svm_hash_eq(&b.header.parent, &t.parent) ||
	    !svm_hash_eq(&b.header.proposer, &t.proposer) || b.header.parent_qc_len != qcb.len ||
	    memcmp(b.header.parent_qc, qcb.data, qcb.len) != 0 || b.header.late_qc_len != late.len ||
	    (late.len > 0 && memcmp(b.header.late_qc, late.data, late.len) != 0) ||
	    b.header.vrf_proof_len != t.vrf_proof_len ||
	    (t.vrf_proof_len > 0 && memcmp(b.header.vrf_proof, pi, t.vrf_proof_len) != 0)) {
		svm_log_error("consensus: the host's block does not match the proposal template");
		goto done;
	}
	uint8_t sm[SVM_CONS_SIGNED_BYTES], sig[64];
	svm_cons_proposal_message(c->cfg.chain_id, c->vs.epoch, t.height, t.round, &id, sm);
	cons_sign_msg(c->sig, &c->key, sm, sig);
	if (cons_proposal_write(&msg, blk.data, blk.len, tc, sig) != 0) goto done;
		/* Held, not sent: it leaves with our vote for it, once that is stored (vote_for). A
	 * leader that cannot execute its own block yet (a parent it lacks) or whose store fails
	 * votes later or not at all, and a proposal sent before its vote was on disk let a
	 * restarted leader propose a second block for the round (simulator, seed 66). */
#ifndef SVM_CONS_TEST_REPROPOSE
	svm_buf_reset(&c->my_proposal);
	if (svm_buf_append(&c->my_proposal, msg.data, msg.len) != 0) goto done;
	c->my_proposal_id = id;
	c->my_proposal_round = t.round;
#else
	emit(c, SVM_CONS_BROADCAST, 0, msg.data, msg.len); /* the broken rule: sent at once */
#endif
	self_send(c, msg.data, msg.len);
done:
	svm_buf_free(&qcb);
	svm_buf_free(&blk);
	svm_buf_free(&msg);
	svm_buf_free(&late);
	svm_free(lq);
}

/* Checks everything about a decoded proposal that does not depend on our round. The leader
 * check comes last and is skipped for a block a verified QC certifies (a quorum, so at least
 * one honest validator, checked it): a validator that restarted with an empty tree accepts the
 * certified ancestors it fetches without first holding their own 20 ancestors (which reach
 * below what it keeps). */
static int proposal_valid(svm_cons_t *c, uint32_t from, const svm_cons_proposal_t *m,
			  svm_cons_qc_t *qc, svm_cons_qc_t *lq, int *proposer)
{
	const svm_header_t *h = &m->block.header;
	c->leader_missing = false;
	if (h->chain_id != c->cfg.chain_id) return SVM_ECHAIN;
	/* The epoch first (its parent QC's; the first block's is the epoch's genesis QC): the
	 * signature covers the epoch, so an honest proposal of the epoch before or after ours —
	 * one validator switches a few milliseconds before another at every boundary — would
	 * fail it as a forgery (SVM_ESIG, and the node bans the sender). Another epoch's block is
	 * not of this one: SVM_EINVAL, ignored, as QCs and TCs of another epoch; the next epoch's
	 * is SVM_EBUSY (svm_cons_on_message), before the proposer is looked up in our set. */
	int rc = svm_cons_qc_decode(h->parent_qc, h->parent_qc_len, qc, NULL);
	if (rc != 0) return rc;
	if (qc->epoch != c->vs.epoch) return qc->epoch == c->vs.epoch + 1 ? SVM_EBUSY : SVM_EINVAL;
	*proposer = svm_cons_valset_index(&c->vs, &h->proposer);
	if (*proposer < 0) return SVM_EPERM;
	if ((int)from != c->self) {
		uint8_t sm[SVM_CONS_SIGNED_BYTES];
		svm_cons_proposal_message(c->cfg.chain_id, c->vs.epoch, h->height, h->round, &m->block_id, sm);
		rc = cons_verify_msg(c->sig, c->vs.v[*proposer].pubkey, sm, m->sig);
		if (rc != 0) return rc;
	}
	if (h->vrf_proof_len != (c->cfg.vrf ? SVM_VRF_PROOF_SIZE : 0)) return SVM_EPROOF;
	if (c->cfg.vrf && (int)from != c->self) {
		svm_hash_t alpha;
		svm_cons_vrf_alpha(&c->cfg.epoch_seed, h->round, &alpha);
		int vrc = svm_vrf_verify(NULL, c->vs.v[*proposer].pubkey, h->vrf_proof, alpha.b,
					 SVM_HASH_SIZE);
		if (vrc != 0) return vrc;
	}
	if (!svm_hash_eq(&qc->data.block_id, &h->parent) || h->height != qc->data.height + 1 ||
	    h->round <= qc->data.round)
		return SVM_EINVAL;
	bool need_tc = h->round != qc->data.round + 1;
	if (need_tc != m->has_tc) return SVM_EINVAL;
	if (m->has_tc && (m->tc.round + 1 != h->round || qc->data.round < m->tc.hqc.data.round))
		return SVM_EINVAL;
	if ((int)from != c->self) {
		rc = check_qc(c, qc);
		if (rc == 0 && m->has_tc) rc = check_tc(c, &m->tc);
		if (rc == 0) rc = late_valid(c, h, qc, lq); /* a bad late vote makes the proposal invalid */
		if (rc != 0) return rc;
	}
	if (!is_certified(c, &m->block_id) && leader_for(c, h->round, &h->parent) != (uint32_t)*proposer)
		return SVM_EPERM;
	return 0;
}

static block_t *insert_block(svm_cons_t *c, const uint8_t *msg, size_t len,
			     const svm_cons_proposal_t *m, const svm_cons_qc_t *qc, uint32_t who)
{
	block_t *b = block_find(c, &m->block_id);
	if (b != NULL) return b;
	const svm_header_t *h = &m->block.header;
	/* Equivocation: another block of this proposer for this round. */
	for (uint32_t i = 0; i < SVM_CONS_BLOCKS_MAX; i++) {
		if (c->bkey[i] == 0 || c->bround[i] != h->round) continue;
		block_t *o = &c->blocks[i];
		if (o->used && o->round == h->round && o->proposer == who) {
			add_evidence(c, SVM_CONS_EVIDENCE_DOUBLE_PROPOSAL, h->round, who, o->msg.data,
				     o->msg.len, msg, len);
			break;
		}
	}
	/* Below what is final only the reputation window's ancestors are of use. */
	if (h->height + REPUTATION_WINDOW <= c->committed_height ||
	    (h->height <= c->committed_height && !c->cfg.reputation))
		return NULL;
	b = block_slot(c);
	if (b == NULL) {
		svm_log_warn("consensus: block tree full (%d)", SVM_CONS_BLOCKS_MAX);
		return NULL;
	}
	if (svm_buf_append(&b->msg, msg, len) != 0) return NULL;
	b->used = true;
	c->inserted = true;
	c->n_blocks++;
	b->id = m->block_id;
	c->bkey[b - c->blocks] = block_key(&m->block_id);
	c->bround[b - c->blocks] = h->round;
	b->parent = h->parent;
	b->round = h->round;
	b->height = h->height;
	b->parent_round = qc->data.round;
	b->proposer = who;
	memset(b->signers, 0, sizeof b->signers);
	if (qc->epoch == c->cfg.epoch) memcpy(b->signers, qc->bitmap, sizeof b->signers);
	b->blk_off = (size_t)(m->block_bytes.p - msg);
	b->blk_len = m->block_bytes.len;
	b->pqc_off = (size_t)(h->parent_qc - msg);
	b->pqc_len = h->parent_qc_len;
	if (c->host.store_block != NULL)
		c->host.store_block(c->host.ctx, &b->id, b->height, msg, len);
	if (h->height > c->committed_height + 1 && block_find(c, &h->parent) == NULL)
		request_block(c, &h->parent);
	return b;
}

/* Keeps a proposal whose parent is missing (replacing the oldest kept one). */
static void orphan_keep(svm_cons_t *c, uint32_t from, const uint8_t *msg, size_t len,
			const svm_hash_t *parent, uint64_t round)
{
	orphan_t *o = &c->orphans[0];
	for (uint32_t i = 0; i < ORPHANS_MAX; i++) {
		if (!c->orphans[i].used) {
			o = &c->orphans[i];
			break;
		}
		if (c->orphans[i].round < o->round) o = &c->orphans[i];
	}
	svm_buf_reset(&o->msg);
	if (svm_buf_append(&o->msg, msg, len) != 0) {
		o->used = false;
		return;
	}
	o->used = true;
	o->from = from;
	o->parent = *parent;
	o->round = round;
}

static int handle(svm_cons_t *c, uint32_t from, const uint8_t *msg, size_t len);

/* Re-judges kept proposals whose parent has arrived; drops those of rounds already over. */
static void orphans_retry(svm_cons_t *c)
{
	for (uint32_t i = 0; i < ORPHANS_MAX; i++) {
		orphan_t *o = &c->orphans[i];
		if (!o->used) continue;
		if (o->round < c->round) {
			o->used = false;
			continue;
		}
		if (!c->inserted && block_find(c, &o->parent) == NULL) continue;
		o->used = false;
		svm_buf_t b = o->msg;
		o->msg = (svm_buf_t){0};
		c->peer = o->from;
		(void)handle(c, o->from, b.data, b.len);
		svm_buf_free(&b);
	}
}

static int on_proposal(svm_cons_t *c, uint32_t from, const uint8_t *msg, size_t len)
{
	svm_cons_proposal_t *m = svm_malloc(sizeof *m);
	svm_cons_qc_t *qc = svm_malloc(sizeof *qc), *lq = svm_malloc(sizeof *lq);
	int rc = SVM_ENOMEM, who = -1;
	if (m == NULL || qc == NULL || lq == NULL) goto done;
	lq->data.round = 0;     /* set by proposal_valid when the proposal carries a late QC */
	qc->epoch = UINT64_MAX; /* for the log: set when proposal_valid decodes the parent QC */
	svm_arena_reset(&c->scratch);
	rc = svm_cons_proposal_decode(msg, len, &c->scratch, m, NULL);
	bool decoded = rc == 0;
	if (rc == 0) rc = proposal_valid(c, from, m, qc, lq, &who);
	if (rc == SVM_EPERM && c->leader_missing) {
		/* The leader depends on ancestors we do not hold yet: judge it when they arrive. */
		svm_hash_t missing = c->leader_missing_id;
		orphan_keep(c, from, msg, len, &missing, m->block.header.round);
		request_block(c, &missing);
		rc = 0;
		goto done;
	}
	if (rc != 0) {
		/* what it was: another epoch's proposal is refused with SVM_EINVAL at every switch
		 * (docs/consensus.md, "Epochs"), which says nothing about the sender */
		const svm_header_t *h = &m->block.header;
		if (!decoded) svm_log_debug("consensus: a proposal from %u refused (%s)", from, svm_strerror(rc));
		else svm_log_debug("consensus: a proposal from %u refused (%s): height %llu round %llu, "
				   "parent QC epoch %lld (ours %llu)",
				   from, svm_strerror(rc), (unsigned long long)h->height,
				   (unsigned long long)h->round, qc->epoch == UINT64_MAX ? -1ll : (long long)qc->epoch,
				   (unsigned long long)c->vs.epoch);
		goto done;
	}
	svm_log_debug("consensus: proposal of round %llu height %llu from %u (qc epoch %llu, ours %llu)", (unsigned long long)m->block.header.round,
		      (unsigned long long)m->block.header.height, from, (unsigned long long)qc->epoch, (unsigned long long)c->vs.epoch);
	process_qc(c, qc);
	if (m->has_tc) process_tc(c, &m->tc);
	if (lq->data.round > 0) late_note_qc(c, lq); /* verified: its signatures are known now */
	block_t *b = insert_block(c, msg, len, m, qc, (uint32_t)who);
	if (b != NULL) {
		tc_ref_t tr = {m->has_tc, m->has_tc ? m->tc.round : 0, m->has_tc ? m->tc.hqc.data.round : 0};
		vote_for(c, b, tr);
		maybe_propose(c); /* it may be the ancestor that makes us this round's leader */
	}
done:
	svm_free(m);
	svm_free(qc);
	svm_free(lq);
	return rc;
}

/* --------------------------------------------------------------- votes */

static int on_vote(svm_cons_t *c, uint32_t from, const uint8_t *msg, size_t len)
{
	svm_cons_vote_t v;
	int rc = svm_cons_vote_decode(msg, len, &v, NULL);
	if (rc != 0) return rc;
	if (v.epoch == c->vs.epoch + 1) return SVM_EBUSY; /* the next epoch's: the host may hold it */
	if (v.epoch != c->vs.epoch || v.voter >= c->vs.n) return SVM_EINVAL;
	uint64_t r = v.data.round;
	/* Collected whether or not we lead round r + 1 by our current view: with reputation the
	 * leader depends on ancestors we may not hold yet, and a QC is valid whoever forms it. */
	if (c->self < 0) return 0;
	/* Stale for the round's collection, but a vote for a block we hold a QC of (a slow
	 * voter's, arriving after the quorum): kept for the late QC of a later proposal. */
	if (r + 1 < c->round || r < c->votes.round) return late_vote(c, from, &v);
	votes_t *vc = &c->votes;
	if (vc->round != r) {
		/* Only the bookkeeping is cleared: per-voter slots are written before they are read. */
		vc->round = r;
		vc->n_targets = 0;
		vc->qc_formed = false;
		memset(vc->voted, 0, sizeof vc->voted);
	}
	if (cons_bit(vc->voted, v.voter)) {
		const target_t *t = &vc->t[vc->target_of[v.voter]];
		if (memcmp(&t->data, &v.data, sizeof v.data) == 0) return 0; /* a duplicate */
		uint8_t sm[SVM_CONS_SIGNED_BYTES];
		svm_cons_vote_message(c->cfg.chain_id, v.epoch, &v.data, sm);
		rc = cons_verify_msg(c->sig, c->vs.v[v.voter].pubkey, sm, v.sig);
		if (rc != 0) return rc;
		add_evidence(c, SVM_CONS_EVIDENCE_DOUBLE_VOTE, r, v.voter, vc->msg[v.voter],
			     vc->msg_len[v.voter], msg, len);
		return 0;
	}
	if (len > VOTE_MSG_MAX) return SVM_ELIMIT;
	if ((int)from != c->self) {
		uint8_t sm[SVM_CONS_SIGNED_BYTES];
		svm_cons_vote_message(c->cfg.chain_id, v.epoch, &v.data, sm);
		rc = cons_verify_msg(c->sig, c->vs.v[v.voter].pubkey, sm, v.sig);
		if (rc != 0) return rc;
	}
	uint32_t ti = 0;
	while (ti < vc->n_targets && memcmp(&vc->t[ti].data, &v.data, sizeof v.data) != 0) ti++;
	if (ti == vc->n_targets) {
		if (ti == SVM_CONS_VOTE_TARGETS_MAX) return SVM_ELIMIT;
		vc->n_targets++;
		vc->t[ti].data = v.data;
		vc->t[ti].stake = 0;
		memset(vc->t[ti].bitmap, 0, sizeof vc->t[ti].bitmap);
	}
	target_t *t = &vc->t[ti];
	cons_bit_set(vc->voted, v.voter);
	vc->target_of[v.voter] = (uint8_t)ti;
	memcpy(vc->msg[v.voter], msg, len);
	vc->msg_len[v.voter] = (uint16_t)len;
	cons_bit_set(t->bitmap, v.voter);
	memcpy(t->sigs[v.voter], v.sig, 64);
	t->stake += c->vs.v[v.voter].stake;
	late_t *ls = late_find(c, &v.data, v.epoch); /* a vote after the QC formed (verified above) */
	if (ls != NULL) late_put(ls, v.voter, v.sig);
	if (vc->qc_formed || !svm_cons_quorum(&c->vs, t->stake)) return 0;
	vc->qc_formed = true;
	svm_cons_qc_t *qc = svm_malloc(sizeof *qc);
	if (qc == NULL) return SVM_ENOMEM;
	memset(qc, 0, sizeof *qc);
	qc->data = t->data;
	qc->epoch = c->vs.epoch;
	memcpy(qc->bitmap, t->bitmap, sizeof qc->bitmap);
	for (uint32_t i = 0; i < c->vs.n; i++)
		if (cons_bit(t->bitmap, i)) memcpy(qc->sigs[qc->n_sigs++], t->sigs[i], 64);
	process_qc(c, qc);
	svm_free(qc);
	return 0;
}

/* ------------------------------------------------------------ timeouts */

/* Broadcasts our highest QC: a validator stuck behind gets the others' certificates back. */
static void ask_for_certs(svm_cons_t *c)
{
	svm_buf_reset(&c->tmp);
	if (svm_cons_qc_encode(&c->hqc, &c->tmp) == 0)
		emit(c, SVM_CONS_BROADCAST, 0, c->tmp.data, c->tmp.len);
}

static void local_timeout(svm_cons_t *c)
{
	if (c->self < 0) return;
	if (c->my_timeout_round >= c->round && c->my_timeout.len > 0) {
		/* Re-send the one timeout of that round (after a restart it may be ahead of us). */
		emit(c, SVM_CONS_BROADCAST, 0, c->my_timeout.data, c->my_timeout.len);
		self_send(c, c->my_timeout.data, c->my_timeout.len); /* counts once: dedup by voter */
		if (c->my_timeout_round > c->round) ask_for_certs(c);
		return;
	}
	/* Never two timeouts in one round, even across a restart. */
	if (c->round <= c->last_timeout_round) {
		ask_for_certs(c);
		return;
	}
	SVM_VERIFY(c->hqc.data.round == c->locked_round && c->hqc.data.round < c->round);
	svm_log_debug("consensus: timeout in round %llu", (unsigned long long)c->round);
	svm_cons_timeout_t *t = svm_malloc(sizeof *t);
	if (t == NULL) return;
	memset(t, 0, sizeof *t);
	t->epoch = c->vs.epoch;
	t->round = c->round;
	t->voter = (uint32_t)c->self;
	t->hqc = c->hqc;
	svm_hash_t d;
	svm_cons_timeout_digest(c->cfg.chain_id, t->epoch, t->round, t->hqc.data.round, &d);
	cons_sign(c->sig, &c->key, &d, t->sig);
	svm_buf_t saved_msg = c->my_timeout;
	uint64_t saved_vote = c->last_voted_round, saved_tmo = c->last_timeout_round,
		 saved_mr = c->my_timeout_round;
	c->my_timeout = (svm_buf_t){0};
	int rc = svm_cons_timeout_encode(t, &c->my_timeout);
	svm_free(t);
	if (rc == 0) {
		SVM_VERIFY(c->round > saved_tmo); /* one timeout per round, ever */
		c->last_timeout_round = c->round;
		c->my_timeout_round = c->round;
		if (c->last_voted_round < c->round) c->last_voted_round = c->round;
		rc = persist(c);
	}
	if (rc != 0) { /* nothing leaves; the old record still stands */
		svm_buf_free(&c->my_timeout);
		c->my_timeout = saved_msg;
		c->last_voted_round = saved_vote;
		c->last_timeout_round = saved_tmo;
		c->my_timeout_round = saved_mr;
		return;
	}
	svm_buf_free(&saved_msg);
	emit(c, SVM_CONS_BROADCAST, 0, c->my_timeout.data, c->my_timeout.len);
	self_send(c, c->my_timeout.data, c->my_timeout.len);
}

/* Sends a lagging validator the certificate that brings it to our round. */
static void reply_cert(svm_cons_t *c, uint32_t from, uint64_t their_round)
{
	if (from >= c->vs.n || (int)from == c->self) return;
	svm_buf_reset(&c->tmp);
	int rc;
	if (c->has_htc && c->htc.round >= their_round) rc = svm_cons_tc_encode(&c->htc, &c->tmp);
	else if (c->hqc.data.round >= their_round) rc = svm_cons_qc_encode(&c->hqc, &c->tmp);
	else return;
	if (rc == 0) emit(c, SVM_CONS_SEND, from, c->tmp.data, c->tmp.len);
}

static tmo_t *tmo_slot(svm_cons_t *c, uint64_t round)
{
	tmo_t *free_slot = NULL, *highest = NULL;
	for (uint32_t i = 0; i < TMO_SLOTS; i++) {
		tmo_t *s = &c->tmo[i];
		if (s->used && s->round == round) return s;
		if (!s->used || s->round < c->round) {
			if (free_slot == NULL) free_slot = s;
		} else if (highest == NULL || s->round > highest->round) {
			highest = s;
		}
	}
	/* Full of future rounds: the highest goes if this one is lower (a faulty validator's far
	 * rounds cannot crowd out the round everyone is in). */
	if (free_slot == NULL) {
		if (highest == NULL || highest->round < round) return NULL;
		free_slot = highest;
	}
	free_slot->tc_formed = false; /* per-signer slots are written before they are read */
	free_slot->stake = 0;
	memset(free_slot->bitmap, 0, sizeof free_slot->bitmap);
	free_slot->used = true;
	free_slot->round = round;
	return free_slot;
}

static int form_tc(svm_cons_t *c, tmo_t *s)
{
	svm_cons_tc_t *tc = svm_malloc(sizeof *tc);
	if (tc == NULL) return SVM_ENOMEM;
	memset(tc, 0, sizeof *tc);
	tc->epoch = c->vs.epoch;
	tc->round = s->round;
	memcpy(tc->bitmap, s->bitmap, sizeof tc->bitmap);
	for (uint32_t i = 0; i < c->vs.n; i++) {
		if (!cons_bit(s->bitmap, i)) continue;
		tc->hqc_rounds[tc->n_sigs] = s->hqc_round[i];
		memcpy(tc->sigs[tc->n_sigs++], s->sigs[i], 64);
	}
	tc->hqc = s->best;
	s->tc_formed = true;
	process_tc(c, tc);
	svm_free(tc);
	return 0;
}

static int on_timeout(svm_cons_t *c, uint32_t from, const uint8_t *msg, size_t len)
{
	svm_cons_timeout_t *t = svm_malloc(sizeof *t);
	if (t == NULL) return SVM_ENOMEM;
	int rc = svm_cons_timeout_decode(msg, len, t, NULL);
	if (rc == 0 && t->epoch == c->vs.epoch + 1) rc = SVM_EBUSY; /* the next epoch's */
	if (rc == 0 && (t->epoch != c->vs.epoch || t->voter >= c->vs.n)) rc = SVM_EINVAL;
	if (rc == 0 && (int)from != c->self) {
		svm_hash_t d;
		svm_cons_timeout_digest(c->cfg.chain_id, t->epoch, t->round, t->hqc.data.round, &d);
		rc = cons_verify(c->sig, c->vs.v[t->voter].pubkey, &d, t->sig);
		if (rc == 0) rc = check_qc(c, &t->hqc);
	}
	if (rc != 0) goto done;
	process_qc(c, &t->hqc);
	if (t->round < c->round) {
		reply_cert(c, from, t->round);
		goto done;
	}
	tmo_t *s = tmo_slot(c, t->round);
	if (s == NULL || cons_bit(s->bitmap, t->voter)) goto done;
	cons_bit_set(s->bitmap, t->voter);
	s->hqc_round[t->voter] = t->hqc.data.round;
	memcpy(s->sigs[t->voter], t->sig, 64);
	s->stake += c->vs.v[t->voter].stake;
	if (s->stake == c->vs.v[t->voter].stake || t->hqc.data.round > s->best.data.round)
		s->best = t->hqc;
	/* More than a third timed out: at least one honest validator did, so join it. */
	if (t->round == c->round && 3 * s->stake > c->vs.total_stake) local_timeout(c);
	if (!s->tc_formed && svm_cons_quorum(&c->vs, s->stake)) rc = form_tc(c, s);
done:
	svm_free(t);
	return rc;
}

/* ------------------------------------------------- certificates, sync */

static int on_qc_msg(svm_cons_t *c, uint32_t from, const uint8_t *msg, size_t len)
{
	svm_cons_qc_t *qc = svm_malloc(sizeof *qc);
	if (qc == NULL) return SVM_ENOMEM;
	int rc = svm_cons_qc_decode(msg, len, qc, NULL);
	if (rc == 0) rc = check_qc(c, qc);
	if (rc == 0) {
		process_qc(c, qc);
		if (qc->data.round + 1 < c->round) reply_cert(c, from, qc->data.round + 1);
	}
	svm_free(qc);
	return rc;
}

static int on_tc_msg(svm_cons_t *c, const uint8_t *msg, size_t len)
{
	svm_cons_tc_t *tc = svm_malloc(sizeof *tc);
	if (tc == NULL) return SVM_ENOMEM;
	int rc = svm_cons_tc_decode(msg, len, tc, NULL);
	if (rc == 0) rc = check_tc(c, tc);
	if (rc == 0) process_tc(c, tc);
	svm_free(tc);
	return rc;
}

static int on_sync_req(svm_cons_t *c, uint32_t from, const uint8_t *msg, size_t len)
{
	if (len != 1 + SVM_HASH_SIZE) return SVM_EDECODE;
	if (from >= c->vs.n || (int)from == c->self) return 0;
	svm_hash_t id;
	memcpy(id.b, msg + 1, SVM_HASH_SIZE);
	block_t *b = block_find(c, &id);
	if (b != NULL) emit(c, SVM_CONS_SEND, from, b->msg.data, b->msg.len);
	return 0;
}

/* Evidence from a peer: checked like any other signed message, then kept as found here. */
static int on_evidence(svm_cons_t *c, const uint8_t *msg, size_t len)
{
	svm_cons_evidence_t e;
	int rc = svm_cons_evidence_verify(msg, len, &c->vs, c->cfg.chain_id, c->sig, &e);
	if (rc != 0) return rc;
	int who = svm_cons_valset_index(&c->vs, &e.validator);
	SVM_ASSERT(who >= 0);
	add_evidence(c, e.kind, e.round, (uint32_t)who, e.a.data, e.a.len, e.b.data, e.b.len);
	svm_cons_evidence_free(&e);
	return 0;
}

/* ------------------------------------------------------------ entry */

static int handle(svm_cons_t *c, uint32_t from, const uint8_t *msg, size_t len)
{
	if (len == 0) return SVM_EDECODE;
	if (len > SVM_CONS_MSG_BYTES_MAX) return SVM_ELIMIT;
	c->peer = from;
	switch (msg[0]) {
	case SVM_CONS_TAG_PROPOSAL: return on_proposal(c, from, msg, len);
	case SVM_CONS_TAG_VOTE: return on_vote(c, from, msg, len);
	case SVM_CONS_TAG_TIMEOUT: return on_timeout(c, from, msg, len);
	case SVM_CONS_TAG_QC: return on_qc_msg(c, from, msg, len);
	case SVM_CONS_TAG_TC: return on_tc_msg(c, msg, len);
	case SVM_CONS_TAG_SYNC_REQ: return on_sync_req(c, from, msg, len);
	case SVM_CONS_TAG_EVIDENCE: return on_evidence(c, msg, len);
	default: return SVM_EDECODE;
	}
}

/* The commits a previous step found due (a QC formed, or a missing link arrived). */
static void commit_step(svm_cons_t *c)
{
	if (!c->commit_due) return;
	c->commit_due = false;
	commit_walk(c);
}

/* The round's leader is a validator whose session the host reported closed (svm_cons_peer:
 * its process is gone — on loopback the socket closes at once), and nothing of the round is
 * here: no proposal of it in the tree, no vote given or pending. Its proposal cannot reach us
 * (proposals come from their leader, or from a peer we ask for a block we know of), so waiting
 * for the round's deadline only delayed the timeout every honest validator would send anyway:
 * we send it now (bench-net: a stopped leader's round cost a full round timeout, 1.15 s at
 * 50 ms blocks, twice after each stop). Liveness only: it is the round's one timeout, stored
 * before it leaves as at the deadline; the rules about what may be signed are unchanged, and a
 * TC still needs > 2/3 of the stake (docs/consensus.md, "A leader that is gone"). */
static void leader_gone(svm_cons_t *c)
{
	if (c->n_unreachable == 0 || c->self < 0 || c->round == 0 || c->round <= c->last_voted_round ||
	    c->vote_wait)
		return;
	uint32_t leader = leader_for(c, c->round, &c->hqc.data.block_id);
	if (c->leader_missing || leader == (uint32_t)c->self || !cons_bit(c->unreachable, leader)) return;
	for (uint32_t i = 0; i < SVM_CONS_BLOCKS_MAX; i++)
		if (c->bkey[i] != 0 && c->bround[i] == c->round) return; /* a proposal of the round is here */
	svm_log_debug("consensus: round %llu: its leader %u is unreachable: timed out at once",
		      (unsigned long long)c->round, leader);
	local_timeout(c);
}

/* Handles own messages queued during the step, then sets the next deadline. */
static void finish(svm_cons_t *c)
{
	for (uint32_t i = 0; i < SELFQ_DRAIN_MAX && c->selfq_n > 0; i++) {
		/* Due commits go first, but our own proposal is handled before the step ends: it
		 * leaves in this step with our vote for it, stored first (vote_for), if we can vote. */
		if (c->commit_due && c->selfq[c->selfq_head].data[0] != SVM_CONS_TAG_PROPOSAL) break;
		svm_buf_t b = c->selfq[c->selfq_head];
		c->selfq[c->selfq_head] = (svm_buf_t){0};
		c->selfq_head = (c->selfq_head + 1) % SELFQ_MAX;
		c->selfq_n--;
		int rc = handle(c, (uint32_t)c->self, b.data, b.len);
		if (rc != 0) svm_log_warn("consensus: own message refused (%s)", svm_strerror(rc));
		svm_buf_free(&b);
	}
	if (c->inserted) orphans_retry(c);
	if (c->inserted && c->commit_pending) c->commit_due = true; /* it may be the missing link */
	c->inserted = false;
	vote_retry(c);
	leader_gone(c);
	uint64_t d = c->deadline;
	/* Commits wait for the next step (the host is asked at once: deadline now), so the
	 * proposal or vote this step produced leaves before the host stores blocks. */
	if (c->commit_due) d = c->now;
	if (c->propose_retry || c->vote_wait) {
		uint64_t r = c->now + PROPOSE_RETRY_MS_DEFAULT;
		if (r < d) d = r;
	}
	if (c->selfq_n > 0) d = c->now;
	c->out->deadline_ms = d;
	c->out = NULL;
}

int svm_cons_on_message(svm_cons_t *c, uint32_t from, const uint8_t *msg, size_t len,
			uint64_t now_ms, svm_cons_out_t *out)
{
	if (now_ms > c->now) c->now = now_ms;
	c->out = out;
	commit_step(c);
	int rc = handle(c, from, msg, len);
	finish(c);
	return rc;
}

int svm_cons_tick(svm_cons_t *c, uint64_t now_ms, svm_cons_out_t *out)
{
	if (now_ms > c->now) c->now = now_ms;
	c->out = out;
	c->peer = SVM_CONS_FROM_UNKNOWN;
	commit_step(c);
	if (c->propose_retry && !c->proposed) maybe_propose(c);
	if (c->now >= c->deadline && c->round > 0) {
		svm_log_debug("consensus: round %llu timed out (epoch %llu)", (unsigned long long)c->round,
			      (unsigned long long)c->cfg.epoch);
		local_timeout(c);
		c->deadline = c->now + round_timeout_ms(c);
	}
	finish(c);
	return 0;
}

int svm_cons_set_round_timeout(svm_cons_t *c, uint64_t ms)
{
	if (ms == 0 || ms > SVM_CONS_ROUND_TIMEOUT_MS_MAX) return SVM_EINVAL;
	c->cfg.round_timeout_ms = ms; /* read by round_timeout_ms() at the next deadline */
	SVM_ASSERT(c->cfg.round_timeout_ms > 0);
	return 0;
}

/* What a peer whose session just came up may have missed: our timeout of this round (a
 * restarted validator's first one usually leaves before any session is up), else our vote of
 * this round, and the certificate that brings it to our round. */
static void resend_to(svm_cons_t *c, uint32_t peer)
{
	if (c->self < 0) return;
	if (c->my_timeout.len > 0 && c->my_timeout_round >= c->round)
		emit(c, SVM_CONS_SEND, peer, c->my_timeout.data, c->my_timeout.len);
	else if (c->my_vote_len > 0 && c->my_vote_round == c->round)
		emit(c, SVM_CONS_SEND, peer, c->my_vote, c->my_vote_len);
	svm_buf_reset(&c->tmp);
	int rc = 1;
	if (c->has_htc && c->htc.round + 1 == c->round) rc = svm_cons_tc_encode(&c->htc, &c->tmp);
	else if (c->hqc.data.round > 0) rc = svm_cons_qc_encode(&c->hqc, &c->tmp);
	if (rc == 0) emit(c, SVM_CONS_SEND, peer, c->tmp.data, c->tmp.len);
}

int svm_cons_peer(svm_cons_t *c, uint32_t peer, bool up, uint64_t now_ms, svm_cons_out_t *out)
{
	if (peer >= c->vs.n || (int)peer == c->self) return SVM_EINVAL;
	if (now_ms > c->now) c->now = now_ms;
	c->out = out;
	c->peer = SVM_CONS_FROM_UNKNOWN;
	commit_step(c);
	bool was = cons_bit(c->unreachable, peer);
	if (up) {
		if (was) {
			c->unreachable[peer / 8] &= (uint8_t) ~(1u << (peer % 8));
			c->n_unreachable--;
		}
		resend_to(c, peer);
	} else if (!was) {
		cons_bit_set(c->unreachable, peer);
		c->n_unreachable++;
	}
	SVM_ASSERT(c->n_unreachable == cons_popcount(c->unreachable, SVM_CONS_BITMAP_BYTES));
	finish(c); /* leader_gone: the round's leader may be the one just gone */
	return 0;
}

int svm_cons_start(svm_cons_t *c, uint64_t now_ms, svm_cons_out_t *out)
{
	if (now_ms > c->now) c->now = now_ms;
	c->out = out;
	c->peer = SVM_CONS_FROM_UNKNOWN;
	/* The block of the highest QC, certified but not committed (a record stored after its QC
	 * formed, before it committed), is not in the empty tree of a restarted core: fetch it now,
	 * from our own store first (load_block; else a peer), since the next proposal extends it. The reputation
	 * walk asks for it too, but a lone validator skips that walk (leader_for): its host could
	 * then never build on the parent, and a restarted devnet stalled for good (e2e
	 * transfer_flow_and_restart, about one restart in six under load). */
	uint64_t r = c->hqc.data.round + 1;
	if (c->has_htc && c->htc.round + 1 > r) r = c->htc.round + 1;
	advance_round(c, r);
	if (c->self >= 0 && c->hqc.data.height > c->committed_height && block_find(c, &c->hqc.data.block_id) == NULL)
		request_block(c, &c->hqc.data.block_id);
	/* Restarted in a round it already voted (or timed out) in, the validator can do nothing
	 * more in that round: it never votes or proposes twice in it. Waiting for the round's
	 * deadline only delayed it — a lone devnet sat a full round timeout (1.3 s at 100 ms
	 * blocks) after every restart, and a validator of a network learnt the others' round only
	 * when its own timeout went out. So it times out at once: the timeout is stored before it
	 * leaves and is the one timeout of the round (local_timeout re-sends a stored one), so no
	 * rule changes; a timeout only says "I give up this round", which it had to anyway. The
	 * others answer a timeout of a round behind theirs with their highest certificate, and a
	 * lone validator forms its TC at once. */
	if (c->self >= 0 && c->round > 0 && c->round <= c->last_voted_round) {
		local_timeout(c);
		c->deadline = c->now + round_timeout_ms(c);
	}
	finish(c);
	return 0;
}

void svm_cons_sync_committed(svm_cons_t *c, const svm_hash_t *id, uint64_t height, uint64_t round)
{
	if (height <= c->committed_height) return;
	c->committed_id = *id;
	c->committed_height = height;
	c->committed_round = round;
	if (c->commit_pending && c->commit_target_height <= height) c->commit_pending = false;
}

/* --------------------------------------------------------- lifecycle */

/* The committed chain's headers (cfg->committed_headers, newest first) into c->anc (with
 * reputation; checked either way). Each must be the header of the block it stands for: header k
 * is at height committed_height - k, above the epoch's start, hashes to the id its newer
 * neighbour names as parent (header 0 to committed_id), has a proposer of our set and a parent
 * QC that decodes. A list shorter than the window is fine (the host stops at its first
 * unreadable block; the walk then asks its store and peers for the rest); more than the window,
 * or any header that is not what it claims, is the host's error: SVM_EINVAL, and the core is
 * not created. Round, proposer and signers are taken as insert_block takes them from a
 * proposal, so the reputation walk reads the same window from them as from the blocks. */
static int load_committed(svm_cons_t *c, const svm_cons_config_t *cfg, svm_error_t *err)
{
	size_t n = cfg->n_committed_headers;
	if (n > 0 && cfg->committed_headers == NULL)
		return svm_error_set(err, SVM_EINVAL, "consensus: %zu committed headers but no array", n);
	if (n > REPUTATION_WINDOW)
		return svm_error_set(err, SVM_EINVAL, "consensus: %zu committed headers, at most %d", n,
				     REPUTATION_WINDOW);
	if (n == 0) return 0;
	svm_cons_qc_t *qc = svm_malloc(sizeof *qc);
	if (qc == NULL) return svm_error_set(err, SVM_ENOMEM, "consensus: out of memory");
	svm_hash_t want = cfg->committed_id;
	int rc = 0;
	for (size_t k = 0; rc == 0 && k < n; k++) {
		const svm_header_t *h = &cfg->committed_headers[k];
		svm_hash_t id;
		int who = svm_cons_valset_index(&c->vs, &h->proposer);
		const char *why = NULL;
		if (cfg->committed_height < k || h->height != cfg->committed_height - k) why = "is not at its height";
		else if (h->height <= cfg->genesis_height) why = "is at or below the epoch's start";
		else if (who < 0) why = "has a proposer outside the set";
		else if (svm_header_hash(h, &id) != 0 || !svm_hash_eq(&id, &want))
			why = k == 0 ? "does not hash to committed_id" : "does not hash to its child's parent";
		else if (svm_cons_qc_decode(h->parent_qc, h->parent_qc_len, qc, NULL) != 0)
			why = "has a parent QC that does not decode";
		if (why != NULL) {
			rc = svm_error_set(err, SVM_EINVAL, "consensus: committed header %zu (height %llu) %s", k,
					   (unsigned long long)h->height, why);
			break;
		}
		if (c->cfg.reputation) {
			committed_anc_t *a = &c->anc[c->n_anc++];
			a->id = id;
			a->parent = h->parent;
			a->rep.round = h->round;
			a->rep.proposer = (uint32_t)who;
			memset(a->rep.signers, 0, sizeof a->rep.signers);
			if (qc->epoch == cfg->epoch) memcpy(a->rep.signers, qc->bitmap, sizeof a->rep.signers);
		}
		want = h->parent;
	}
	SVM_ASSERT(c->n_anc <= REPUTATION_WINDOW);
	svm_free(qc);
	return rc;
}

static int load_safety(svm_cons_t *c, const svm_cons_config_t *cfg, svm_error_t *err)
{
	cons_genesis_qc(&c->hqc, cfg->epoch, &cfg->genesis_id, cfg->genesis_height);
	if (cfg->safety == NULL) return 0;
	svm_cons_safety_t *s = svm_malloc(sizeof *s);
	if (s == NULL) return SVM_ENOMEM;
	int rc = svm_cons_safety_decode(cfg->safety, cfg->safety_len, s, err);
	/* Signatures are bound to their epoch (every digest carries it) and rounds start again at
	 * 1 in each epoch: a record of an earlier epoch constrains nothing in this one; one of a
	 * later epoch means the host lost track of its epoch (never sign then). */
	if (rc == 0 && s->epoch > cfg->epoch)
		rc = svm_error_set(err, SVM_ESTATE, "safety record of epoch %llu, ahead of epoch %llu",
				   (unsigned long long)s->epoch, (unsigned long long)cfg->epoch);
	if (rc == 0 && s->epoch < cfg->epoch) {
		svm_free(s);
		return 0;
	}
	if (rc == 0) {
		rc = check_qc(c, &s->hqc);
		if (rc != 0) svm_error_set(err, rc, "safety record: its QC does not verify");
	}
	if (rc == 0 && s->has_tc) {
		rc = svm_cons_tc_verify(&s->tc, &c->vs, c->cfg.chain_id, &c->cfg.genesis_id, c->sig);
		if (rc != 0) svm_error_set(err, rc, "safety record: its TC does not verify");
	}
	if (rc == 0) {
		c->last_voted_round = s->last_voted_round;
		c->last_timeout_round = s->last_timeout_round;
		c->locked_round = s->locked_round;
		c->hqc = s->hqc;
		keep_hqc(c, &s->hqc);
		if (s->has_tc) { /* svm_cons_start resumes in round max(hqc, tc) + 1 */
			c->htc = s->tc;
			c->has_htc = true;
		}
		if (s->timeout_len > 0 && svm_buf_append(&c->my_timeout, s->timeout, s->timeout_len) == 0)
			c->my_timeout_round = s->last_timeout_round;
	}
	svm_free(s);
	return rc;
}

int svm_cons_new(svm_cons_t **out, const svm_cons_config_t *cfg, const svm_cons_host_t *host,
		 svm_error_t *err)
{
	*out = NULL;
	if (host->validators == NULL || host->propose == NULL || host->execute == NULL ||
	    host->commit == NULL || host->persist == NULL || cfg->round_timeout_ms == 0)
		return svm_error_set(err, SVM_EINVAL, "consensus: incomplete host or config");
	svm_cons_t *c = svm_calloc(1, sizeof *c);
	if (c == NULL) return svm_error_set(err, SVM_ENOMEM, "consensus: out of memory");
	c->cfg = *cfg;
	c->cfg.key = NULL;
	c->cfg.signer = NULL;
	c->cfg.safety = NULL;
	c->host = *host;
	c->self = -1;
	if (cfg->signer != NULL) {
		c->signer = *cfg->signer;
		c->sig = &c->signer;
	}
	svm_arena_init(&c->scratch, SCRATCH_BYTES_MAX);
	int rc = host->validators(host->ctx, cfg->epoch, &c->vs);
	if (rc != 0 || c->vs.n == 0 || c->vs.n > SVM_CONS_VALIDATORS_MAX ||
	    c->vs.epoch != cfg->epoch) {
		svm_cons_free(c);
		return svm_error_set(err, rc ? rc : SVM_EINVAL, "consensus: no validator set");
	}
	if (cfg->key != NULL) {
		c->key = *cfg->key;
		c->self = svm_cons_valset_index(&c->vs, &c->key.id);
	}
	c->committed_id = cfg->committed_id;
	c->committed_height = cfg->committed_height;
	c->committed_round = cfg->committed_round;
	rc = load_committed(c, cfg, err);
	c->cfg.committed_headers = NULL; /* the caller's, read above only */
	c->cfg.n_committed_headers = 0;
	if (rc == 0) rc = load_safety(c, cfg, err);
	if (rc != 0) {
		svm_cons_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void svm_cons_free(svm_cons_t *c)
{
	if (c == NULL) return;
	for (uint32_t i = 0; i < SVM_CONS_BLOCKS_MAX; i++) svm_buf_free(&c->blocks[i].msg);
	for (uint32_t i = 0; i < SELFQ_MAX; i++) svm_buf_free(&c->selfq[i]);
	for (uint32_t i = 0; i < ORPHANS_MAX; i++) svm_buf_free(&c->orphans[i].msg);
	for (uint32_t i = 0; i < SVM_CONS_EVIDENCE_MAX; i++) svm_cons_evidence_free(&c->ev[i]);
	svm_buf_free(&c->my_timeout);
	svm_buf_free(&c->my_proposal);
	svm_buf_free(&c->tmp);
	svm_arena_reset(&c->scratch);
	svm_keypair_wipe(&c->key);
	svm_free(c);
}

/* -------------------------------------------------------------- views */

void svm_cons_status(const svm_cons_t *c, svm_cons_status_t *st)
{
	memset(st, 0, sizeof *st);
	st->epoch = c->vs.epoch;
	st->round = c->round;
	st->hqc_round = c->hqc.data.round;
	st->hqc_block = c->hqc.data.block_id;
	st->htc_round = c->has_htc ? c->htc.round : 0;
	st->committed_height = c->committed_height;
	st->committed_round = c->committed_round;
	st->committed_id = c->committed_id;
	st->last_voted_round = c->last_voted_round;
	st->locked_round = c->locked_round;
	st->leader = svm_cons_leader(c, c->round);
	st->self = c->self;
	st->blocks = c->n_blocks;
	st->evidence = c->ev_n;
	st->conflicts = c->conflicts;
	st->round_timeout_ms = c->cfg.round_timeout_ms;
}

const svm_cons_valset_t *svm_cons_validators(const svm_cons_t *c) { return &c->vs; }
const svm_cons_qc_t *svm_cons_highest_qc(const svm_cons_t *c) { return &c->hqc; }
const svm_cons_qc_t *svm_cons_commit_qc(const svm_cons_t *c) { return &c->commit_qc; }

int svm_cons_commit_proof(const svm_cons_t *c, const svm_hash_t *block_id, svm_buf_t *out)
{
	const svm_cons_qc_t *q = &c->commit_qc;
	if (q->data.round == 0) return SVM_ENOTFOUND;
	const block_t *up[SVM_CONS_PROOF_HEADERS_MAX]; /* from the QC's parent down, above block_id */
	uint32_t n = 0;
	svm_hash_t cur = q->data.parent_id;
	while (!svm_hash_eq(&cur, block_id)) {
		int i = block_index(c, &cur);
		const block_t *b = i < 0 ? NULL : &c->blocks[i];
		if (b == NULL || n == SVM_CONS_PROOF_HEADERS_MAX) return SVM_ENOTFOUND;
		up[n++] = b;
		cur = b->parent;
	}
	svm_buf_t enc = {0};
	size_t off[SVM_CONS_PROOF_HEADERS_MAX + 1];
	svm_arena_t a;
	svm_arena_init(&a, 0);
	int rc = 0;
	for (uint32_t k = 0; k < n && rc == 0; k++) { /* lowest first */
		const block_t *b = up[n - 1 - k];
		svm_block_t blk;
		off[k] = enc.len;
		rc = svm_block_decode(b->msg.data + b->blk_off, b->blk_len, &a, &blk, NULL, NULL);
		if (rc == 0) rc = svm_header_encode(&blk.header, &enc);
		svm_arena_reset(&a);
	}
	off[n] = enc.len;
	svm_slice_t hs[SVM_CONS_PROOF_HEADERS_MAX];
	for (uint32_t k = 0; k < n; k++) hs[k] = (svm_slice_t){enc.data + off[k], off[k + 1] - off[k]};
	if (rc == 0) rc = svm_cons_commit_proof_encode(hs, n, q, out);
	svm_buf_free(&enc);
	return rc;
}

const svm_cons_evidence_t *svm_cons_evidence(const svm_cons_t *c, size_t i)
{
	if (i >= c->ev_n) return NULL;
	return &c->ev[(c->ev_head + i) % SVM_CONS_EVIDENCE_MAX];
}

const svm_buf_t *svm_cons_block_message(const svm_cons_t *c, const svm_hash_t *id)
{
	int i = block_index(c, id);
	return i < 0 ? NULL : &c->blocks[i].msg;
}

/* The node as a consensus participant: one consensus thread runs the consensus core
 * (src/consensus, a deterministic state machine) over the peer transport (src/net). It is the
 * chain's only writer: it builds proposals and executes received ones speculatively (the chain's
 * spec API) before the core votes, commits each block the core commits exactly once, and
 * catches up through block sync, verifying every QC against the validator set. A one-validator
 * devnet runs the same code with no peers. docs/node.md describes it. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "supervm/consensus.h"
#include "supervm/econ.h"
#include "supervm/evm.h"
#include "supervm/net.h"
#include "supervm/store.h"
#include "supervm/vrf.h"

#define INBOX_MSGS_MAX 8192            /* consensus messages waiting for the consensus thread */
#define INBOX_BYTES_MAX (256u << 20)
#define STEP_MSGS_MAX 256              /* handled per wake-up before timers are looked at */
#define STATUS_PERIOD_MS 500           /* status (height, head) sent to every peer */
#define SYNC_LAG_MIN 3                 /* a peer this many blocks ahead triggers block sync */
#define SYNC_STALL_MS 2000             /* or any peer ahead while our height stood still this long */
#define SYNC_TIMEOUT_MS 4000           /* an unanswered sync request is retried elsewhere */
#define GOSSIP_TXS_MAX 512             /* transactions per gossip message */
#define GOSSIP_FLUSH_MS 5
#define EVIDENCE_MAX 1024              /* evidence records kept for RPC (all are persisted) */
#define PEER_HEIGHTS_MAX SVM_NET_PEERS_MAX
#define KEPT_MAX 1024                  /* proposals kept on disk until their height commits */
#define KEPT_PRUNE_EVERY 64            /* committed blocks between prunes of kept proposals */
#define KEPT_FLUSH_MS 20               /* a kept proposal no safety record carried is written then */
#define ASK_EVERY_MS 200               /* how often a missing parent block is asked for */
#define PARKED_MAX 8                   /* proposals held until their parent arrives */
#define PARKED_MS 1000                 /* then they go to the core anyway */
#define HELD_MAX 32                    /* next-epoch messages held until this node switches */
#define HELD_PEER_MAX 4                /* of them from one peer (a proposal, a vote, timeouts) */
#define UPGRADE_WAIT_MS 30000          /* an upgrade stop waits this long at most for commits */
#define EPOCH_SEED_BLOCKS_MAX 256      /* last blocks of an epoch whose VRF outputs seed the next */
#define EPOCH_KEY "cons.epoch"         /* meta: the current epoch's record */
#define EPOCH_SETS_KEY "cons.vs"       /* meta: ‖ u64be(epoch) → that epoch's record (RPC, QC checks) */
#define CARRY_BLOCKS 20               /* the previous epoch's last blocks its reputation carries */
#define SLOW_STEP_MS 50                /* a consensus-thread wake-up this long is logged with its breakdown */
#define SLOW_LOG_EVERY_MS 1000         /* at most one such line per second (the rest are counted) */

typedef struct inmsg {
	struct inmsg *next;
	uint64_t in_ns; /* when the transport thread queued it */
	svm_id_t from;
	uint8_t type;
	size_t len;
	uint8_t data[];
} inmsg_t;

typedef struct {
	svm_id_t id;
	uint64_t height;
	bool used;
} peer_height_t;

/* Where one wake-up of the consensus thread spent its time (step_add, step_end). A wake-up over
 * SLOW_STEP_MS is logged with this breakdown, so a stall names its cause: the disk (safety
 * records, commits), execution, the network, or none of them (the core's own work and signature
 * checks, or the process not being scheduled). Consensus thread only. */
enum { ST_PERSIST, ST_COMMIT, ST_EXEC, ST_PROPOSE, ST_SEND, ST_SYNC, ST_SWITCH, ST_KEPT, ST_KINDS };
typedef struct {
	uint64_t t0_ns;        /* the wake-up's start */
	uint64_t wait_ns;      /* the longest a handled message waited in the inbox */
	uint64_t late_ns;      /* woke this long after the deadline it slept until */
	uint64_t flush_ns;     /* of the commits: LMDB's commit (page writes and flush) */
	uint64_t ns[ST_KINDS];
	uint32_t n[ST_KINDS];
	uint32_t msgs;
} step_t;

/* A peer's transport session as the consensus core hears of it (svm_cons_peer). Under n->mu:
 * the transport thread writes id, used, up and ups, the consensus thread the told fields. */
typedef struct {
	svm_id_t id;
	bool used, up;
	uint32_t ups;      /* sessions that came up */
	uint32_t ups_told; /* of them, told to the core */
	bool down_told;    /* the core was told this session closed */
} link_t;

struct node_vc {
	svm_node_t *n;
	svm_keypair_t key;
	bool validator;                 /* our key is in the set */
	svm_cons_valset_t vals;         /* the current epoch's set (written under n->mu) */
	svm_cons_valset_t prev_vals;    /* the epoch before's, since the last switch (n = 0: none) */
	svm_hash_t epoch_start;         /* the block the epoch started on (genesis in epoch 0) */
	uint64_t epoch_height;
	svm_hash_t epoch_seed;
	bool epoch_pending;             /* a committed block changed the set: no commit until switched */
	uint64_t pending_ns;            /* since when (the switch's debug line says how long after) */
	bool switch_failed;             /* then it is retried at each wake-up, not in a busy loop */
	uint64_t timeout_height;        /* the head whose parameters set the core's round timeout */
	uint64_t upgrade_height;        /* lowest height refused for an upgrade plan (0: none) */
	uint64_t upgrade_ms;
	svm_error_t upgrade_err;
	svm_hash_t genesis_id;
	svm_net_t *net;
	svm_cons_t *cons;
	svm_cons_out_t out;
	pthread_t thread;
	bool started;
	/* guarded by n->mu, signalled on n->cv */
	inmsg_t *in_head, *in_tail;
	size_t in_n, in_bytes;
	peer_height_t heights[PEER_HEIGHTS_MAX];
	link_t links[PEER_HEIGHTS_MAX];
	bool links_changed;             /* a session came up or closed since links_apply */
	svm_cons_status_t st;           /* snapshot after each step */
	svm_buf_t evidence[EVIDENCE_MAX];
	size_t n_evidence, evidence_total;
	node_report_t *report;          /* evidence this node submits to the staking program (report.c) */
	uint64_t sync_applied;
	/* gossip batch, its own lock (RPC threads append) */
	pthread_mutex_t gmu;
	svm_buf_t gossip;
	size_t gossip_n;
	/* consensus thread only */
	svm_map_t specs;                /* block id -> svm_chain_spec_t * */
	struct {
		svm_hash_t id;
		uint64_t height;
		svm_buf_t msg;          /* not written yet (the next safety record's transaction) */
	} kept[KEPT_MAX];               /* proposals on disk: meta "pb" ‖ u64be(height) ‖ id */
	size_t n_kept, n_unwritten;
	uint64_t unwritten_ms;          /* when the oldest unwritten one was kept */
	uint64_t commits_since_prune;
	svm_hash_t asked;
	uint64_t asked_ms;
	inmsg_t *parked[PARKED_MAX];    /* proposals that arrived before their parent */
	uint64_t parked_ms[PARKED_MAX];
	inmsg_t *held[HELD_MAX];        /* the next epoch's messages, arrived before our switch */
	uint64_t next_status_ms, sync_until_ms;
	uint64_t stall_height, stall_since_ms; /* the height last seen changing, and since when */
	step_t step;                    /* the current wake-up (step_add) */
	uint64_t slow_logged_ms;        /* when the last slow step was logged */
	uint32_t slow_unlogged;         /* slow steps since, not logged */
	uint64_t slept_until_ns;        /* the deadline of the last sleep that timed out (0: woken) */
	uint64_t slow_steps;            /* wake-ups over SLOW_STEP_MS since start (under n->mu) */
};

static uint64_t now_ms(void) { return svm_clock_ns() / 1000000u; }

/* Adds the time since t0 (svm_clock_ns) to the current wake-up's kind k. */
static void step_add(struct node_vc *v, unsigned k, uint64_t t0)
{
	SVM_ASSERT(k < ST_KINDS);
	v->step.ns[k] += svm_clock_ns() - t0;
	v->step.n[k]++;
}

int node_block_header(const uint8_t *block, size_t len, svm_header_t *h, svm_hash_t *id)
{
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_block_t b;
	svm_hash_t tmp;
	int rc = svm_block_decode(block, len, &a, &b, id != NULL ? id : &tmp, NULL);
	if (rc == 0) *h = b.header; /* its byte fields point into block, not the arena */
	svm_arena_reset(&a);
	return rc;
}

/* ------------------------------------------------------------ validators */

/* A set's encoding, as the staking program writes it: varint n ‖ (pubkey ‖ varint stake)*
 * (consensus.h svm_cons_valset_from_staking, the one conversion between the two layers). */
static int valset_parse(const uint8_t *p, size_t len, uint64_t epoch, svm_cons_valset_t *out)
{
	svm_error_t err = {0};
	return svm_cons_valset_from_staking(p, len, epoch, out, &err);
}

static void valset_encode(const svm_cons_valset_t *vs, svm_buf_t *out)
{
	SVM_ASSERT(vs->n <= SVM_CONS_VALIDATORS_MAX);
	svm_varint_append(out, vs->n);
	for (uint32_t i = 0; i < vs->n; i++) {
		svm_buf_append(out, vs->v[i].pubkey, 32);
		svm_varint_append(out, vs->v[i].stake);
	}
}

/* THE function the validator set comes through: the staking program's validator-set object
 * (econ.h svm_validator_set_id; genesis writes it, each staking epoch rewrites it) in the
 * committed state, as the set of `epoch`. The node reads it at start and after every
 * committed block; a change starts the next consensus epoch on that block. */
static int read_valset(svm_node_t *n, uint64_t epoch, svm_cons_valset_t *out)
{
	svm_id_t oid;
	svm_validator_set_id(&oid);
	svm_buf_t raw = {0};
	int rc = svm_chain_object(n->chain, &oid, &raw);
	svm_object_t o;
	if (rc == 0) rc = svm_object_decode(raw.data, raw.len, &o, NULL);
	if (rc == 0) rc = valset_parse(o.payload, o.payload_len, epoch, out);
	if (rc != 0) svm_log_error("validators: cannot read the set (%s)", svm_strerror(rc));
	svm_buf_free(&raw);
	return rc;
}

static bool valset_same(const svm_cons_valset_t *a, const svm_cons_valset_t *b)
{
	if (a->n != b->n) return false;
	for (uint32_t i = 0; i < a->n; i++)
		if (!svm_hash_eq(&a->v[i].id, &b->v[i].id) || a->v[i].stake != b->v[i].stake) return false;
	return true;
}

static int host_validators(void *ctx, uint64_t epoch, svm_cons_valset_t *out)
{
	struct node_vc *v = ctx;
	if (epoch != v->vals.epoch) return SVM_ENOTFOUND;
	SVM_ASSERT(v->vals.n > 0 && v->vals.n <= SVM_CONS_VALIDATORS_MAX); /* a core runs on a set */
	*out = v->vals;
	return 0;
}

/* Any thread. */
static bool is_validator(struct node_vc *v, const svm_id_t *id)
{
	pthread_mutex_lock(&v->n->mu);
	bool yes = svm_cons_valset_index(&v->vals, id) >= 0;
	pthread_mutex_unlock(&v->n->mu);
	return yes;
}

/* A member of the epoch before the current one but not of this one: a validator the last set
 * change removed (jailed, outstaked), which keeps sending that epoch's messages until it has
 * synced across the switch (it was behind, or stopped and restarted). */
static bool was_validator(struct node_vc *v, const svm_id_t *id)
{
	pthread_mutex_lock(&v->n->mu);
	bool yes = v->prev_vals.n > 0 && svm_cons_valset_index(&v->prev_vals, id) >= 0 &&
		   svm_cons_valset_index(&v->vals, id) < 0;
	pthread_mutex_unlock(&v->n->mu);
	return yes;
}

/* ---------------------------------------------------------------- epochs */

/* Record: varint epoch ‖ start id ‖ varint start height ‖ seed ‖ set encoding. */
static int epoch_store(struct node_vc *v)
{
	svm_buf_t rec = {0};
	svm_varint_append(&rec, v->vals.epoch);
	svm_buf_append(&rec, v->epoch_start.b, 32);
	svm_varint_append(&rec, v->epoch_height);
	svm_buf_append(&rec, v->epoch_seed.b, 32);
	valset_encode(&v->vals, &rec);
	uint8_t key[sizeof EPOCH_SETS_KEY - 1 + 8];
	memcpy(key, EPOCH_SETS_KEY, sizeof EPOCH_SETS_KEY - 1);
	svm_put_u64be(key + sizeof EPOCH_SETS_KEY - 1, v->vals.epoch);
	svm_store_txn_t *w;
	int rc = svm_store_write_begin_lazy(svm_chain_store(v->n->chain), &w, NULL);
	if (rc == 0) rc = svm_store_put(w, SVM_TABLE_META, EPOCH_KEY, sizeof EPOCH_KEY - 1, rec.data, rec.len, 0);
	if (rc == 0) rc = svm_store_put(w, SVM_TABLE_META, key, sizeof key, rec.data, rec.len, 0);
	if (rc == 0) rc = svm_store_commit(w, NULL);
	else if (w != NULL) svm_store_abort(w);
	svm_buf_free(&rec);
	return rc;
}

/* Reads an epoch record (EPOCH_KEY, or the archived one of `epoch` when by_epoch). */
static int epoch_load(struct node_vc *v, bool by_epoch, uint64_t epoch, svm_cons_valset_t *vs,
		      svm_hash_t *start, uint64_t *height, svm_hash_t *seed)
{
	uint8_t key[sizeof EPOCH_SETS_KEY - 1 + 8];
	memcpy(key, EPOCH_SETS_KEY, sizeof EPOCH_SETS_KEY - 1);
	svm_put_u64be(key + sizeof EPOCH_SETS_KEY - 1, epoch);
	svm_store_txn_t *r;
	int rc = svm_store_read_begin(svm_chain_store(v->n->chain), &r, NULL);
	if (rc != 0) return rc;
	const uint8_t *p;
	size_t len;
	rc = by_epoch ? svm_store_get(r, SVM_TABLE_META, key, sizeof key, &p, &len)
		      : svm_store_get(r, SVM_TABLE_META, EPOCH_KEY, sizeof EPOCH_KEY - 1, &p, &len);
	svm_reader_t rd = svm_reader(rc == 0 ? p : NULL, rc == 0 ? len : 0);
	uint64_t e = 0;
	if (rc == 0) rc = svm_varint_read(&rd, &e);
	if (rc == 0) rc = svm_reader_copy(&rd, start->b, 32);
	if (rc == 0) rc = svm_varint_read(&rd, height);
	if (rc == 0) rc = svm_reader_copy(&rd, seed->b, 32);
	if (rc == 0) rc = valset_parse(rd.p + rd.pos, svm_reader_left(&rd), e, vs);
	svm_store_abort(r);
	return rc;
}

/* The next epoch's leader seed: svm_cons_epoch_seed over the VRF outputs of the epoch's last
 * (up to EPOCH_SEED_BLOCKS_MAX) committed blocks, in height order — no validator picks it. */
static void next_seed(struct node_vc *v, uint64_t to_height, svm_hash_t *out)
{
	uint64_t from = v->epoch_height + 1;
	if (to_height >= EPOCH_SEED_BLOCKS_MAX && from < to_height + 1 - EPOCH_SEED_BLOCKS_MAX)
		from = to_height + 1 - EPOCH_SEED_BLOCKS_MAX;
	uint8_t(*outs)[64] = svm_malloc(EPOCH_SEED_BLOCKS_MAX * 64);
	size_t k = 0;
	svm_buf_t b = {0};
	for (uint64_t h = from; outs != NULL && h <= to_height && k < EPOCH_SEED_BLOCKS_MAX; h++) {
		svm_header_t hd;
		svm_buf_reset(&b);
		if (svm_chain_block(v->n->chain, h, &b) != 0 || node_block_header(b.data, b.len, &hd, NULL) != 0)
			continue;
		if (hd.vrf_proof_len == SVM_VRF_PROOF_SIZE && svm_vrf_proof_to_hash(outs[k], hd.vrf_proof) == 0) k++;
	}
	svm_buf_free(&b);
	/* the seed covers at most the epoch's last EPOCH_SEED_BLOCKS_MAX blocks, none before it */
	SVM_ASSERT(k <= EPOCH_SEED_BLOCKS_MAX && from > v->epoch_height);
	SVM_ASSERT(to_height < from || to_height + 1 - from <= EPOCH_SEED_BLOCKS_MAX);
	svm_cons_epoch_seed(&v->epoch_seed, (const uint8_t(*)[64])outs, k, out);
	svm_free(outs);
}

/* After a committed block: has the set object changed? Then no further commit until the
 * consensus thread starts the next epoch on this block (epoch_switch). */
static void epoch_check(struct node_vc *v)
{
	if (v->n->cfg.fixed_validators) return;
	svm_cons_valset_t *s = svm_malloc(sizeof *s);
	if (s != NULL && read_valset(v->n, v->vals.epoch + 1, s) == 0 && !valset_same(s, &v->vals)) {
		v->epoch_pending = true;
		v->pending_ns = svm_clock_ns();
	}
	svm_free(s);
}

static int core_open(struct node_vc *v, svm_error_t *err);
static void kept_clear(struct node_vc *v);

/* Writes one meta record in a transaction of its own; a failure leaves the store as it was (the
 * record is a cache of what peers can serve again). */
static void meta_put(struct node_vc *v, const uint8_t *key, size_t klen, const uint8_t *val, size_t len)
{
	svm_store_txn_t *w;
	if (svm_store_write_begin(svm_chain_store(v->n->chain), &w, NULL) != 0) return;
	if (svm_store_put(w, SVM_TABLE_META, key, klen, val, len, 0) == 0) svm_store_commit(w, NULL);
	else svm_store_abort(w);
}

/* The commit proof of an epoch's last block (meta "cons.eproof" ‖ u64be(height)): a QC of its
 * child in the next round. Block sync serves it in place of the block's own QC, so a node
 * behind the boundary can apply that block (apply_sync). */
static void eproof_key(uint8_t key[19], uint64_t height)
{
	memcpy(key, "cons.eproof", 11);
	svm_put_u64be(key + 11, height);
}

/* The proof that an epoch's last block committed (a commit proof, docs/consensus.md; older data
 * directories hold the plain QC of its child), served by block sync in place of its QC. */
static void eproof_store(struct node_vc *v, uint64_t height, const uint8_t *proof, size_t len)
{
	uint8_t key[19];
	eproof_key(key, height);
	meta_put(v, key, sizeof key, proof, len);
}

/* A committed block's certificate when the chain stored none with it (meta "cons.bqc" ‖
 * u64be(height)): the commit proof made while committing it (its child's proposal had not
 * reached us: the QC of that child, which commits it, and the headers between), replaced by
 * the block's own QC once the core gets it (host_certified). node_vc_block_qc serves it. */
static void bqc_key(uint8_t key[16], uint64_t height)
{
	memcpy(key, "cons.bqc", 8);
	svm_put_u64be(key + 8, height);
}

static void bqc_store(struct node_vc *v, uint64_t height, const uint8_t *cert, size_t len)
{
	uint8_t key[16];
	bqc_key(key, height);
	meta_put(v, key, sizeof key, cert, len);
}

/* Starts the next epoch on the head block (the one that changed the set): new set, start,
 * seed, recorded on disk, and a new core (the old epoch's uncommitted blocks are dropped). */
static int epoch_switch(struct node_vc *v)
{
	svm_node_t *n = v->n;
	svm_cons_valset_t *s = svm_malloc(sizeof *s);
	uint64_t h = svm_chain_height(n->chain);
	int rc = s == NULL ? SVM_ENOMEM : read_valset(n, v->vals.epoch + 1, s);
	if (rc != 0) {
		svm_free(s);
		return rc;
	}
	svm_hash_t head, seed;
	svm_chain_head(n->chain, &head, NULL);
	uint64_t t0 = svm_clock_ns();
	next_seed(v, h, &seed);
	uint64_t t1 = svm_clock_ns();
	SVM_ASSERT(s->epoch == v->vals.epoch + 1 && h >= v->epoch_height); /* epochs advance by one */
	pthread_mutex_lock(&n->mu);
	v->prev_vals = v->vals;
	v->vals = *s;
	v->validator = svm_cons_valset_index(&v->vals, &v->key.id) >= 0;
	pthread_mutex_unlock(&n->mu);
	svm_free(s);
	v->epoch_start = head;
	v->epoch_height = h;
	v->epoch_seed = seed;
	v->epoch_pending = false;
	uint64_t t2 = svm_clock_ns();
	rc = epoch_store(v);
	kept_clear(v); /* every kept proposal is of the old epoch */
	uint64_t t3 = svm_clock_ns();
	svm_log_debug("epoch switch: %.1f ms after the commit (seed %.1f ms, lock %.1f ms, store %.1f ms)",
		      (t0 - v->pending_ns) / 1e6, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6);
	svm_log_info("epoch %llu from height %llu: %u validators%s", (unsigned long long)v->vals.epoch,
		     (unsigned long long)h, v->vals.n, v->validator ? " (this node among them)" : "");
	svm_error_t err = {0};
	if (rc == 0) rc = core_open(v, &err);
	if (rc != 0) svm_log_error("epoch switch failed: %s", err.msg[0] ? err.msg : svm_strerror(rc));
	return rc;
}

/* ------------------------------------------------------------- specs */

static svm_chain_spec_t *spec_get(struct node_vc *v, const svm_hash_t *id)
{
	return svm_map_get(&v->specs, id->b, 32);
}

static void spec_put(struct node_vc *v, svm_chain_spec_t *s)
{
	bool created;
	void **slot = svm_map_put(&v->specs, svm_chain_spec_id(s)->b, 32, &created);
	if (slot == NULL) {
		svm_chain_spec_free(s);
		return;
	}
	if (!created) svm_chain_spec_free(*slot);
	*slot = s;
	SVM_ASSERT(spec_get(v, svm_chain_spec_id(s)) == s); /* keyed by its own id */
}

/* Frees every spec at or below the committed height (committed, or on a dead fork). */
static void spec_prune(struct node_vc *v, uint64_t committed)
{
	svm_map_slot_t **sorted;
	size_t k;
	if (svm_map_sorted(&v->specs, &sorted, &k) != 0) return;
	for (size_t i = 0; i < k; i++) {
		svm_chain_spec_t *s = sorted[i]->value;
		if (svm_chain_spec_header(s)->height > committed) continue;
		svm_hash_t id = *svm_chain_spec_id(s);
		svm_map_del(&v->specs, id.b, 32);
		svm_chain_spec_free(s);
	}
	svm_free(sorted);
	size_t i = 0;
	for (svm_map_slot_t *sl; SVM_ASSERT_ON && (sl = svm_map_next(&v->specs, &i)) != NULL;)
		SVM_ASSERT(svm_chain_spec_header(sl->value)->height > committed); /* none left below */
}

static void spec_clear(struct node_vc *v)
{
	size_t i = 0;
	svm_map_slot_t *slot;
	while ((slot = svm_map_next(&v->specs, &i)) != NULL) svm_chain_spec_free(slot->value);
	svm_map_free(&v->specs);
	svm_map_init(&v->specs);
}

#define SPEC_CHAIN_MAX 64 /* uncommitted ancestors executed on demand */

/* Asks every validator for a block this node lacks (the core answers with its proposal). */
static void ask_block(struct node_vc *v, const svm_hash_t *id)
{
	uint64_t now = now_ms();
	/* only validators may send consensus messages (a peer closes the session of anyone else):
	 * a node outside the set is brought up by block sync */
	if (v->net == NULL || !v->validator) return;
	if (svm_hash_eq(&v->asked, id) && now < v->asked_ms + ASK_EVERY_MS) return;
	v->asked = *id;
	v->asked_ms = now;
	uint8_t m[1 + SVM_HASH_SIZE];
	m[0] = SVM_CONS_TAG_SYNC_REQ;
	memcpy(m + 1, id->b, SVM_HASH_SIZE);
	svm_net_broadcast(v->net, NULL, SVM_NET_MSG_CONSENSUS, m, sizeof m);
}

/* The spec a block builds on: the parent's, or NULL when the parent is the head. A certified
 * ancestor this node never voted for (it was behind, or restarted) is executed now from the
 * proposal the core holds, oldest first. SVM_ENOTFOUND if the core does not hold it. */
static int parent_spec(struct node_vc *v, const svm_hash_t *parent, svm_chain_spec_t **out)
{
	svm_hash_t head, missing[SPEC_CHAIN_MAX], cur = *parent;
	svm_chain_head(v->n->chain, &head, NULL);
	*out = NULL;
	size_t k = 0;
	svm_chain_spec_t *base = NULL;
	while (!svm_hash_eq(&cur, &head) && (base = spec_get(v, &cur)) == NULL) {
		const svm_buf_t *msg = svm_cons_block_message(v->cons, &cur);
		if (msg == NULL) ask_block(v, &cur);
		if (msg == NULL || k == SPEC_CHAIN_MAX) return SVM_ENOTFOUND;
		svm_header_t h;
		svm_arena_t a;
		svm_arena_init(&a, 0);
		svm_cons_proposal_t *p = svm_malloc(sizeof *p);
		int rc = p == NULL ? SVM_ENOMEM : svm_cons_proposal_decode(msg->data, msg->len, &a, p, NULL);
		if (rc == 0) h = p->block.header;
		svm_free(p);
		svm_arena_reset(&a);
		if (rc != 0) return rc;
		missing[k++] = cur;
		cur = h.parent;
	}
	SVM_ASSERT(k <= SPEC_CHAIN_MAX);
	for (size_t i = k; i-- > 0;) {
		const svm_buf_t *msg = svm_cons_block_message(v->cons, &missing[i]);
		SVM_ASSERT(msg != NULL); /* the core held it in the walk above (this thread) */
		svm_arena_t a;
		svm_arena_init(&a, 0);
		svm_cons_proposal_t *p = svm_malloc(sizeof *p);
		int rc = p == NULL ? SVM_ENOMEM : svm_cons_proposal_decode(msg->data, msg->len, &a, p, NULL);
		svm_chain_spec_t *s = NULL;
		svm_error_t err = {0};
		if (rc == 0) rc = svm_chain_spec_execute(v->n->chain, base, p->block_bytes.p, p->block_bytes.len, &s, &err);
		svm_free(p);
		svm_arena_reset(&a);
		if (rc != 0) {
			svm_log_warn("execute: a certified ancestor is refused: %s", err.msg[0] ? err.msg : svm_strerror(rc));
			return rc;
		}
		/* each ancestor one height above the one it was executed on */
		SVM_ASSERT(base == NULL || svm_chain_spec_header(s)->height == svm_chain_spec_header(base)->height + 1);
		spec_put(v, s);
		base = s;
	}
	*out = base;
	return 0;
}

/* What a vote carries besides the block id: this validator's own execution result. */
static void exec_root_of(const svm_header_t *h, svm_hash_t *out)
{
	svm_slice_t parts[3] = {{h->tx_root.b, 32}, {h->receipts_root.b, 32}, {h->state_root.b, 32}};
	svm_sha256_tagged("svm/cons/exec", parts, 3, out);
}

/* ----------------------------------------------------------------- host */

static void kept_prune(struct node_vc *v, bool all);

/* A governed upgrade plan names another software version from a height (the chain refuses to
 * build or apply a block there with SVM_EUNSUPPORTED): stop cleanly, as the command's signal
 * wait then shuts the node down. Returns rc. */
static int upgrade_stop(svm_node_t *n, int rc, const svm_error_t *err);

/* A speculative block at `height` is refused for the upgrade plan: the blocks below it that are
 * certified still commit (the 2-chain commits up to height − 2), so the node stops once its
 * committed height is there (or after UPGRADE_WAIT_MS without commits: cons_main). */
static void upgrade_note(struct node_vc *v, uint64_t height, int rc, const svm_error_t *err)
{
	if (rc != SVM_EUNSUPPORTED || (v->upgrade_height != 0 && v->upgrade_height <= height)) return;
	v->upgrade_height = height;
	v->upgrade_ms = now_ms();
	v->upgrade_err = *err;
	svm_log_warn("consensus: no block at height %llu and above (%s); stopping once the blocks below "
		     "commit", (unsigned long long)height, err->msg);
}

static int upgrade_stop(svm_node_t *n, int rc, const svm_error_t *err)
{
	if (rc != SVM_EUNSUPPORTED) return rc;
	svm_log_error("consensus: %s", err->msg);
	pthread_mutex_lock(&n->mu);
	bool first = !n->stop;
	n->stop = true;
	pthread_cond_broadcast(&n->cv);
	pthread_mutex_unlock(&n->mu);
	if (first) kill(getpid(), SIGTERM);
	return rc;
}

/* Transactions waiting for a commit that the next block helps: the parent (certified: the
 * block extends its QC) or an ancestor its 2-chain does not commit yet carries any. A
 * certified block in the round just after its parent's commits that parent and everything
 * below, so the walk stops there. Such a block commits only once the next rounds are
 * certified, so the next block must not wait for its slot. */
static bool txs_in_flight(struct node_vc *v, svm_chain_spec_t *spec)
{
	for (size_t k = 0; spec != NULL && k < SPEC_CHAIN_MAX; k++) {
		const svm_header_t *h = svm_chain_spec_header(spec);
		if (h->tx_count > 0) return true;
		svm_chain_spec_t *up = spec_get(v, &h->parent);
		if (up == NULL || h->round == svm_chain_spec_header(up)->round + 1) return false;
		spec = up;
	}
	return false;
}

/* Pacing: an idle network makes one block per slot (not before the parent is block_ms old,
 * empty or not, as the devnet always did: until then SVM_EBUSY and the core asks again every
 * few ms). A block with work is proposed as soon as the parent's QC is here: when the mempool
 * gives the builder a transaction no ancestor holds, or an uncommitted ancestor carries
 * transactions (the 2-chain needs the next two rounds certified to commit them). Builds on the
 * parent from the mempool. */
static int propose_block(struct node_vc *v, const svm_header_t *tmpl, svm_buf_t *block_out);

static int host_propose(void *ctx, const svm_header_t *tmpl, svm_buf_t *block_out)
{
	struct node_vc *v = ctx;
	uint64_t t_in = svm_clock_ns();
	int rc = propose_block(v, tmpl, block_out);
	step_add(v, ST_PROPOSE, t_in);
	return rc;
}

/* Builds this node's proposal on the template's parent (host_propose). */
static int propose_block(struct node_vc *v, const svm_header_t *tmpl, svm_buf_t *block_out)
{
	svm_node_t *n = v->n;
	svm_chain_spec_t *parent;
	int rc = parent_spec(v, &tmpl->parent, &parent);
	if (rc == SVM_ENOTFOUND) return SVM_EBUSY; /* asked for it; the core tries again */
	if (rc != 0) {
		svm_log_warn("propose: round %llu: the parent block is refused (%s)",
			     (unsigned long long)tmpl->round, svm_strerror(rc));
		return rc;
	}
	uint64_t parent_ts = 0;
	if (parent != NULL) {
		parent_ts = svm_chain_spec_header(parent)->timestamp_ms;
	} else {
		svm_buf_t b = {0};
		svm_header_t h;
		if (svm_chain_block(n->chain, tmpl->height - 1, &b) == 0 &&
		    node_block_header(b.data, b.len, &h, NULL) == 0)
			parent_ts = h.timestamp_ms;
		svm_buf_free(&b);
	}
	uint64_t slot = node_slot_ms(n), due = parent_ts + slot, wall = svm_clock_wall_ms();
	bool early = wall < due && due - wall <= slot; /* (a parent far ahead: no wait) */
	bool in_flight = early && txs_in_flight(v, parent);
	if (early && !in_flight) {
		svm_mempool_stats_t st;
		svm_mempool_stats(n->mempool, &st);
		if (st.count == 0) return SVM_EBUSY;
	}
	svm_mempool_batch_t b = {0};
	/* Twice the block's worth: transactions an uncommitted ancestor already includes are
	 * still pending (they leave at commit) and the builder skips them. */
	rc = svm_mempool_select(n->mempool, 2 * n->cfg.block_txs_max, 2 * n->cfg.block_bytes_max, &b);
	if (rc != 0) return rc;
	bool *verified = svm_malloc(b.n ? b.n : 1);
	svm_build_result_t *res = svm_calloc(b.n ? b.n : 1, sizeof *res);
	svm_header_t h = *tmpl;
	h.timestamp_ms = svm_clock_wall_ms();
	svm_chain_spec_t *s = NULL;
	svm_error_t err = {0};
	uint64_t t0 = svm_clock_ns();
	if (verified == NULL || res == NULL) rc = SVM_ENOMEM;
	if (rc == 0) {
		memset(verified, 1, b.n);
		size_t take = b.n < n->cfg.block_txs_max * 2 ? b.n : n->cfg.block_txs_max * 2;
		SVM_ASSERT(take <= b.n);
		rc = svm_chain_spec_build(n->chain, parent, &h, b.txs, b.lens, take, verified, res, &s, &err);
		upgrade_note(v, h.height, rc, &err);
		SVM_ASSERT(rc != 0 || svm_chain_spec_header(s)->height == tmpl->height); /* the template's */
	}
	if (rc == 0 && early && !in_flight && svm_chain_spec_header(s)->tx_count == 0) {
		svm_chain_spec_free(s); /* nothing new to include: wait for the slot */
		rc = SVM_EBUSY;
	} else if (rc != 0) {
		svm_log_error("propose: %s", err.msg[0] ? err.msg : svm_strerror(rc));
	} else {
		size_t len;
		const uint8_t *blk = svm_chain_spec_block(s, &len);
		rc = svm_buf_append(block_out, blk, len);
		svm_log_debug("proposed height %llu round %llu: %u txs in %.1f ms",
			      (unsigned long long)h.height, (unsigned long long)h.round,
			      svm_chain_spec_header(s)->tx_count, (double)(svm_clock_ns() - t0) / 1e6);
		if (rc == 0) spec_put(v, s);
		else svm_chain_spec_free(s);
	}
	svm_free(verified);
	svm_free(res);
	svm_mempool_batch_free(&b);
	return rc;
}

/* Which of a proposal's transactions this node's mempool holds byte for byte: their signatures
 * were verified when it admitted them (svm_mempool_add), so executing the proposal skips those
 * checks — each validator verifies a signature once, not at admission and again before its
 * vote. The bytes are compared in full (an id names the unsigned transaction: the same one
 * with another signature is checked). NULL (check all) for no transactions or no memory. */
static bool *mempool_verified(svm_node_t *n, const uint8_t *block, size_t len, uint32_t *hits)
{
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_block_t blk;
	bool *out = NULL;
	*hits = 0;
	if (svm_block_decode(block, len, &a, &blk, NULL, NULL) == 0 && blk.txs_len > 0)
		out = svm_calloc(blk.txs_len, sizeof *out);
	svm_buf_t mine = {0};
	for (uint32_t i = 0; out != NULL && i < blk.txs_len; i++) {
		svm_tx_t tx;
		svm_hash_t id;
		if (svm_tx_decode_any(blk.txs[i].p, blk.txs[i].len, &a, &tx, &id, NULL) != 0) continue;
		svm_buf_reset(&mine);
		out[i] = svm_mempool_get(n->mempool, &id, &mine) == 0 && mine.len == blk.txs[i].len &&
			 memcmp(mine.data, blk.txs[i].p, mine.len) == 0;
		*hits += out[i];
	}
	SVM_ASSERT(out == NULL || *hits <= blk.txs_len);
	svm_buf_free(&mine);
	svm_arena_reset(&a);
	return out;
}

static int execute_block(struct node_vc *v, const svm_hash_t *block_id, const uint8_t *block, size_t len,
			 svm_chain_spec_t **out);

static int host_execute(void *ctx, const svm_hash_t *block_id, const uint8_t *block, size_t len,
			svm_hash_t *exec_root)
{
	struct node_vc *v = ctx;
	svm_chain_spec_t *s = spec_get(v, block_id);
	uint64_t t_in = svm_clock_ns();
	if (s == NULL) {
		int rc = execute_block(v, block_id, block, len, &s);
		step_add(v, ST_EXEC, t_in);
		if (rc != 0) return rc;
	}
	exec_root_of(svm_chain_spec_header(s), exec_root);
	return 0;
}

static int execute_block(struct node_vc *v, const svm_hash_t *block_id, const uint8_t *block, size_t len,
			 svm_chain_spec_t **out)
{
	svm_chain_spec_t *s = NULL;
	svm_header_t h;
	if (node_block_header(block, len, &h, NULL) != 0) return SVM_EDECODE;
	svm_chain_spec_t *parent;
	int rc = parent_spec(v, &h.parent, &parent);
	if (rc != 0) {
		svm_log_warn("execute: block %llu round %llu: its parent is not available (%s)",
			     (unsigned long long)h.height, (unsigned long long)h.round, svm_strerror(rc));
		return rc;
	}
	svm_error_t err = {0};
	uint64_t t0 = svm_clock_ns();
	uint32_t known = 0;
	bool *verified = mempool_verified(v->n, block, len, &known);
	uint64_t t1 = svm_clock_ns();
	rc = svm_chain_spec_execute_verified(v->n->chain, parent, block, len, verified, &s, &err);
	svm_free(verified);
	svm_log_debug("executed height %llu round %llu: %u txs (%u signatures verified at admission, "
		      "looked up in %.1f ms) in %.1f ms", (unsigned long long)h.height,
		      (unsigned long long)h.round, h.tx_count, known, (double)(t1 - t0) / 1e6,
		      (double)(svm_clock_ns() - t0) / 1e6);
	if (rc != 0) {
		upgrade_note(v, h.height, rc, &err);
		svm_log_warn("execute: block %llu refused: %s", (unsigned long long)h.height, err.msg);
		return rc;
	}
	if (!svm_hash_eq(svm_chain_spec_id(s), block_id)) {
		svm_chain_spec_free(s);
		return SVM_EVALIDATE;
	}
	spec_put(v, s);
	*out = s;
	return 0;
}

/* The committed block's transactions leave the mempool (and their senders' nonces advance). */
static void mempool_committed(svm_node_t *n, const svm_header_t *h, const uint8_t *block, size_t len)
{
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_block_t blk;
	svm_mempool_batch_t b = {0};
	size_t k = 0;
	if (svm_block_decode(block, len, &a, &blk, NULL, NULL) == 0 && blk.txs_len > 0) {
		b.txs = svm_calloc(blk.txs_len, sizeof *b.txs);
		b.lens = svm_calloc(blk.txs_len, sizeof *b.lens);
		b.ids = svm_calloc(blk.txs_len, sizeof *b.ids);
		b.senders = svm_calloc(blk.txs_len, sizeof *b.senders);
		b.nonces = svm_calloc(blk.txs_len, sizeof *b.nonces);
		if (b.txs && b.lens && b.ids && b.senders && b.nonces) {
			for (uint32_t i = 0; i < blk.txs_len; i++) {
				svm_tx_t tx;
				if (svm_tx_decode(blk.txs[i].p, blk.txs[i].len, &a, &tx, &b.ids[k], NULL) != 0)
					continue;
				b.txs[k] = blk.txs[i].p;
				b.lens[k] = blk.txs[i].len;
				b.senders[k] = tx.sender;
				b.nonces[k] = tx.nonce;
				k++;
			}
		}
	}
	b.n = k;
	SVM_ASSERT(k == 0 || k <= blk.txs_len); /* the block's own transactions, each once */
	svm_build_result_t *res = svm_calloc(k ? k : 1, sizeof *res);
	if (res != NULL) svm_mempool_update(n->mempool, &b, res, h->height);
	svm_free(res);
	b.bytes = (svm_buf_t){0};
	svm_free(b.txs), svm_free(b.lens), svm_free(b.ids), svm_free(b.senders), svm_free(b.nonces);
	svm_arena_reset(&a);
}

/* Bookkeeping after a block is stored: head height, rate, mempool. */
static void committed(svm_node_t *n, const svm_header_t *h, const uint8_t *block, size_t len)
{
	atomic_store(&n->head_height, h->height);
	node_subs_block(n, h->height);
	mempool_committed(n, h, block, len);
	uint64_t supply[NODE_SUPPLY_TOKENS];
	node_token_supply(n, supply);
	svm_block_stats_t bs;
	svm_chain_last_stats(n->chain, &bs);
	uint64_t now = svm_clock_ns();
	_Static_assert(NODE_RATE_BLOCKS > 0, "a rate window of at least one block");
	pthread_mutex_lock(&n->mu);
	n->rate[n->rate_next++ % NODE_RATE_BLOCKS] = (node_rate_t){now, h->tx_count};
	n->blocks_produced++;
	n->txs_committed += h->tx_count;
	node_metrics_block(&n->metrics, now, n->build_ns_last, 0, 0);
	node_metrics_commit(&n->metrics, svm_clock_wall_ms(), h->timestamp_ms, h->round, &bs);
	node_metrics_supply(&n->metrics, supply);
	pthread_mutex_unlock(&n->mu);
	if (h->tx_count > 0)
		svm_log_info("block %llu (round %llu): %u txs committed", (unsigned long long)h->height,
			     (unsigned long long)h->round, h->tx_count);
}

static int commit_block(struct node_vc *v, const svm_hash_t *block_id, const uint8_t *block, size_t len,
			uint64_t height, const svm_cons_qc_t *qc);

static int host_commit(void *ctx, const svm_hash_t *block_id, const uint8_t *block, size_t len,
		       uint64_t height, const svm_cons_qc_t *qc)
{
	struct node_vc *v = ctx;
	uint64_t t_in = svm_clock_ns();
	int rc = commit_block(v, block_id, block, len, height, qc);
	step_add(v, ST_COMMIT, t_in);
	return rc;
}

/* Stores a block the core committed (its writes, receipts and QC), then the bookkeeping. */
static int commit_block(struct node_vc *v, const svm_hash_t *block_id, const uint8_t *block, size_t len,
			uint64_t height, const svm_cons_qc_t *qc)
{
	svm_node_t *n = v->n;
	svm_error_t err = {0};
	if (v->epoch_pending) return SVM_ESTATE; /* the epoch ended below this block */
	svm_chain_spec_t *s = spec_get(v, block_id);
	int rc = 0;
	if (s == NULL) { /* committed through QCs without our executing it (restart, observer) */
		rc = svm_chain_spec_execute(n->chain, NULL, block, len, &s, &err);
		if (rc == 0) spec_put(v, s);
	}
	svm_buf_t qcb = {0};
	if (rc == 0 && qc != NULL) rc = svm_cons_qc_encode(qc, &qcb);
	uint64_t t0 = svm_clock_ns();
	if (rc == 0) rc = svm_chain_spec_commit(n->chain, s, qcb.data, qcb.len, &err);
	svm_buf_free(&qcb);
	if (rc != 0) {
		upgrade_stop(n, rc, &err);
		svm_log_error("commit of block %llu failed: %s", (unsigned long long)height,
			      err.msg[0] ? err.msg : svm_strerror(rc));
		return rc;
	}
	/* the chain's head is now this block: the one the core committed */
	SVM_ASSERT(s != NULL && svm_chain_spec_header(s)->height == height && svm_chain_height(n->chain) == height);
	pthread_mutex_lock(&n->mu);
	n->build_ns_last = svm_clock_ns() - t0;
	pthread_mutex_unlock(&n->mu);
	svm_block_stats_t bs;
	svm_chain_last_stats(n->chain, &bs);
	v->step.flush_ns += bs.commit_ns;
	svm_log_debug("committed height %llu in %.1f ms", (unsigned long long)height, (double)n->build_ns_last / 1e6);
	committed(n, svm_chain_spec_header(s), block, len);
	if (qc == NULL) { /* no QC yet: keep the proof that it committed (bqc_store) */
		svm_buf_t pf = {0};
		if (svm_cons_commit_proof(v->cons, block_id, &pf) == 0) bqc_store(v, height, pf.data, pf.len);
		svm_buf_free(&pf);
	}
	spec_prune(v, height);
	epoch_check(v);
	if (v->report != NULL) node_report_step(n, v->report, &v->key);
	if (v->epoch_pending) { /* the proof that this block committed: its child is never stored */
		svm_buf_t pf = {0};
		int prc = svm_cons_commit_proof(v->cons, block_id, &pf);
		if (prc == 0) eproof_store(v, height, pf.data, pf.len);
		else svm_log_warn("epoch end at %llu: no commit proof (%s); block sync cannot bring a node across it from here",
				  (unsigned long long)height, svm_strerror(prc));
		svm_buf_free(&pf);
	}
	if (++v->commits_since_prune >= KEPT_PRUNE_EVERY || v->n_kept > KEPT_MAX / 2) {
		kept_prune(v, false);
		v->commits_since_prune = 0;
	}
	return 0;
}

static void kept_key(uint8_t key[42], uint64_t height, const svm_hash_t *id)
{
	key[0] = 'p', key[1] = 'b';
	svm_put_u64be(key + 2, height);
	memcpy(key + 10, id->b, 32);
}

/* Valid proposals go to disk so certified blocks that are not committed yet survive a
 * restart of every validator (the core reloads them before asking peers). They are written in
 * the transaction of the next safety record (host_persist), which is on disk before the vote
 * for them leaves — so every validator whose vote a QC counts holds the block — with one
 * synchronous commit instead of two; one that no vote follows is written within
 * KEPT_FLUSH_MS (kept_flush). */
static int host_store_block(void *ctx, const svm_hash_t *id, uint64_t height, const uint8_t *msg, size_t len)
{
	struct node_vc *v = ctx;
	if (v->n_kept == KEPT_MAX) return SVM_ELIMIT;
	SVM_ASSERT(v->n_kept < KEPT_MAX && v->n_unwritten <= v->n_kept);
	svm_buf_t *b = &v->kept[v->n_kept].msg;
	*b = (svm_buf_t){0};
	int rc = svm_buf_append(b, msg, len);
	if (rc != 0) {
		svm_buf_free(b);
		return rc;
	}
	v->kept[v->n_kept].id = *id;
	v->kept[v->n_kept].height = height;
	v->n_kept++;
	if (v->n_unwritten++ == 0) v->unwritten_ms = now_ms();
	SVM_ASSERT(v->n_unwritten <= v->n_kept && len > 0); /* an unwritten one has its bytes */
	return 0;
}

/* Puts every kept proposal not written yet into w. */
static int kept_put(struct node_vc *v, svm_store_txn_t *w)
{
	int rc = 0;
	for (size_t i = 0; i < v->n_kept && rc == 0; i++) {
		if (v->kept[i].msg.len == 0) continue;
		uint8_t key[42];
		kept_key(key, v->kept[i].height, &v->kept[i].id);
		rc = svm_store_put(w, SVM_TABLE_META, key, sizeof key, v->kept[i].msg.data, v->kept[i].msg.len, 0);
	}
	return rc;
}

/* After the transaction of kept_put committed: they are on disk. */
static void kept_written(struct node_vc *v)
{
	SVM_ASSERT(v->n_kept <= KEPT_MAX && v->n_unwritten <= v->n_kept);
	for (size_t i = 0; i < v->n_kept; i++) svm_buf_free(&v->kept[i].msg);
	v->n_unwritten = 0;
}

/* Writes the kept proposals no safety record carried (at stop: all = true). */
static void kept_flush(struct node_vc *v, bool all)
{
	if (v->n_unwritten == 0 || (!all && now_ms() < v->unwritten_ms + KEPT_FLUSH_MS)) return;
	svm_store_txn_t *w;
	uint64_t t0 = svm_clock_ns();
	if (svm_store_write_begin_lazy(svm_chain_store(v->n->chain), &w, NULL) != 0) return;
	if (kept_put(v, w) != 0) {
		svm_store_abort(w);
		return;
	}
	if (svm_store_commit(w, NULL) == 0) kept_written(v);
	step_add(v, ST_KEPT, t0);
	svm_log_debug("kept proposals written in %.1f ms", (double)(svm_clock_ns() - t0) / 1e6);
}

/* The QC of a block committed without one, arrived since: it replaces the commit proof. */
static int host_certified(void *ctx, const svm_hash_t *block_id, uint64_t height, const svm_cons_qc_t *qc)
{
	struct node_vc *v = ctx;
	svm_buf_t b = {0};
	int rc = svm_cons_qc_encode(qc, &b);
	if (rc == 0 && height <= svm_chain_height(v->n->chain)) bqc_store(v, height, b.data, b.len);
	svm_buf_free(&b);
	(void)block_id;
	return rc;
}

static int host_load_block(void *ctx, const svm_hash_t *id, svm_buf_t *out)
{
	struct node_vc *v = ctx;
	for (size_t i = 0; i < v->n_kept; i++) {
		if (!svm_hash_eq(&v->kept[i].id, id)) continue;
		if (v->kept[i].msg.len > 0) return svm_buf_append(out, v->kept[i].msg.data, v->kept[i].msg.len);
		uint8_t key[42];
		kept_key(key, v->kept[i].height, id);
		svm_store_txn_t *r;
		int rc = svm_store_read_begin(svm_chain_store(v->n->chain), &r, NULL);
		const uint8_t *p;
		size_t n;
		if (rc == 0) rc = svm_store_get(r, SVM_TABLE_META, key, sizeof key, &p, &n);
		if (rc == 0) rc = svm_buf_append(out, p, n);
		svm_store_abort(r);
		return rc;
	}
	return SVM_ENOTFOUND;
}

/* Reads the kept proposals' keys (all == true: at start) and deletes those at or below the
 * committed height. */
/* Deletes every kept proposal (an epoch ended: they are all of the old one). */
static void kept_clear(struct node_vc *v)
{
	svm_store_txn_t *w;
	if (svm_store_write_begin_lazy(svm_chain_store(v->n->chain), &w, NULL) != 0) return;
	svm_store_cursor_t *cur = NULL;
	svm_store_val_t k;
	int rc = svm_store_cursor_open(w, SVM_TABLE_META, &cur);
	if (rc == 0) rc = svm_store_cursor_seek(cur, "pb", 2, &k, NULL);
	for (size_t i = 0; rc == 0 && i <= KEPT_MAX && k.len == 42 && k.p[0] == 'p' && k.p[1] == 'b'; i++) {
		rc = svm_store_cursor_del(cur);
		if (rc == 0) rc = svm_store_cursor_seek(cur, "pb", 2, &k, NULL);
	}
	svm_store_cursor_close(cur);
	svm_store_commit(w, NULL);
	kept_written(v); /* (the unwritten ones are of the old epoch too) */
	v->n_kept = 0;
}

static void kept_prune(struct node_vc *v, bool all)
{
	uint64_t committed = svm_chain_height(v->n->chain);
	svm_store_txn_t *w;
	if (svm_store_write_begin_lazy(svm_chain_store(v->n->chain), &w, NULL) != 0) return;
	svm_store_cursor_t *cur = NULL;
	svm_store_val_t k;
	size_t keep = 0;
	if (all) {
		v->n_kept = 0;
		int rc = svm_store_cursor_open(w, SVM_TABLE_META, &cur);
		if (rc == 0) rc = svm_store_cursor_seek(cur, "pb", 2, &k, NULL);
		while (rc == 0 && k.len == 42 && k.p[0] == 'p' && k.p[1] == 'b') {
			uint64_t h = svm_get_u64be(k.p + 2);
			if (h <= committed || v->n_kept == KEPT_MAX) {
				rc = svm_store_cursor_del(cur);
				if (rc == 0) rc = svm_store_cursor_seek(cur, "pb", 2, &k, NULL);
				continue;
			}
			memcpy(v->kept[v->n_kept].id.b, k.p + 10, 32);
			v->kept[v->n_kept++].height = h;
			rc = svm_store_cursor_next(cur, &k, NULL);
		}
		svm_store_cursor_close(cur);
		SVM_ASSERT(v->n_kept <= KEPT_MAX && v->n_unwritten == 0); /* at start: all on disk */
	} else {
		for (size_t i = 0; i < v->n_kept; i++) {
			if (v->kept[i].height > committed) {
				v->kept[keep++] = v->kept[i];
				continue;
			}
			if (v->kept[i].msg.len > 0) { /* never written: nothing to delete */
				svm_buf_free(&v->kept[i].msg);
				v->n_unwritten--;
				continue;
			}
			uint8_t key[42];
			kept_key(key, v->kept[i].height, &v->kept[i].id);
			svm_store_del(w, SVM_TABLE_META, key, sizeof key);
		}
		SVM_ASSERT(keep <= v->n_kept && v->n_unwritten <= keep); /* the kept ones only move down */
		v->n_kept = keep;
	}
	svm_store_commit(w, NULL);
}

static int host_persist(void *ctx, const uint8_t *rec, size_t len)
{
	struct node_vc *v = ctx;
	svm_error_t err = {0};
	uint64_t t0 = svm_clock_ns();
	svm_store_txn_t *w = NULL;
	int rc = svm_store_write_begin(svm_chain_store(v->n->chain), &w, &err);
	if (rc == 0) rc = kept_put(v, w);
	if (rc == 0) rc = svm_cons_safety_put(w, rec, len, &err);
	if (rc == 0) rc = svm_store_commit(w, &err);
	else if (w != NULL) svm_store_abort(w);
	if (rc == 0) kept_written(v);
	if (rc != 0) svm_error_set(&err, rc, "%s", err.msg[0] ? err.msg : svm_strerror(rc));
	step_add(v, ST_PERSIST, t0);
	svm_log_debug("safety record stored in %.1f ms", (double)(svm_clock_ns() - t0) / 1e6);
	if (rc != 0) svm_log_error("safety record not stored (nothing will be signed): %s", err.msg);
	return rc;
}

/* New evidence with a staking form (e verified against the current set) is queued for the
 * node's own slashing transaction (report.c); the designated reporter submits at once. */
static void report_evidence(struct node_vc *v, const svm_cons_evidence_t *e)
{
	svm_node_t *n = v->n;
	if (v->report == NULL || n->cfg.fixed_validators) return; /* a fixed set: nothing staked to slash */
	svm_cons_valset_t *vs = svm_malloc(sizeof *vs);
	if (vs == NULL) return;
	pthread_mutex_lock(&n->mu);
	*vs = v->vals;
	pthread_mutex_unlock(&n->mu);
	svm_evidence_t se;
	if (vs->n > 0 && vs->epoch == e->epoch && svm_cons_evidence_stake(e, vs, n->chain_id, &se) == 0) {
		svm_id_t record;
		svm_staking_evidence_id(&se, &record);
		bool designated = svm_hash_eq(&vs->v[node_report_designated(&record, vs->n)].id, &v->key.id);
		node_report_add(n, v->report, &se, designated);
	}
	svm_free(vs);
}

/* Evidence is persisted under meta key "ev" ‖ u64be(sequence), kept for RPC and gossiped. */
static void host_evidence(void *ctx, const svm_cons_evidence_t *e)
{
	struct node_vc *v = ctx;
	svm_node_t *n = v->n;
	svm_buf_t enc = {0};
	if (svm_cons_evidence_encode(e, &enc) != 0) return;
	pthread_mutex_lock(&n->mu);
	bool dup = false;
	for (size_t i = 0; i < v->n_evidence && !dup; i++)
		dup = v->evidence[i].len == enc.len && memcmp(v->evidence[i].data, enc.data, enc.len) == 0;
	uint64_t seq = v->evidence_total;
	if (!dup) {
		if (v->n_evidence == EVIDENCE_MAX) svm_buf_free(&v->evidence[seq % EVIDENCE_MAX]);
		else v->n_evidence++;
		svm_buf_append(&v->evidence[seq % EVIDENCE_MAX], enc.data, enc.len);
		v->evidence_total++;
	}
	SVM_ASSERT(v->n_evidence <= EVIDENCE_MAX && v->n_evidence <= v->evidence_total);
	pthread_mutex_unlock(&n->mu);
	if (!dup) {
		uint8_t key[10] = {'e', 'v'};
		svm_put_u64be(key + 2, seq);
		svm_store_txn_t *w;
		if (svm_store_write_begin(svm_chain_store(n->chain), &w, NULL) == 0) {
			if (svm_store_put(w, SVM_TABLE_META, key, sizeof key, enc.data, enc.len, 0) == 0)
				svm_store_commit(w, NULL);
			else
				svm_store_abort(w);
		}
		char hex[65];
		svm_hash_hex(&e->validator, hex);
		svm_log_warn("evidence: validator %.16s signed two conflicting %s in round %llu", hex,
			     e->kind == SVM_CONS_EVIDENCE_DOUBLE_VOTE ? "votes" : "proposals",
			     (unsigned long long)e->round);
		if (v->net != NULL) svm_net_broadcast(v->net, NULL, SVM_NET_MSG_EVIDENCE, enc.data, enc.len);
		report_evidence(v, e);
	}
	svm_buf_free(&enc);
}

/* ------------------------------------------------------------- dispatch */

static uint8_t net_type_of(const uint8_t *msg, size_t len)
{
	switch (len > 0 ? msg[0] : 0) {
	case SVM_CONS_TAG_PROPOSAL: return SVM_NET_MSG_PROPOSAL;
	case SVM_CONS_TAG_VOTE: return SVM_NET_MSG_VOTE;
	case SVM_CONS_TAG_TIMEOUT: return SVM_NET_MSG_TIMEOUT;
	case SVM_CONS_TAG_EVIDENCE: return SVM_NET_MSG_EVIDENCE;
	default: return SVM_NET_MSG_CONSENSUS;
	}
}

static void dispatch(struct node_vc *v)
{
	svm_cons_out_t *o = &v->out;
	uint64_t t_in = svm_clock_ns();
	for (size_t i = 0; v->net != NULL && i < o->n_actions; i++) {
		const svm_cons_action_t *a = &o->actions[i];
		const uint8_t *msg = o->bytes.data + a->off;
		SVM_ASSERT(a->off + a->len <= o->bytes.len); /* the action's bytes lie in the output */
		uint8_t type = net_type_of(msg, a->len);
		/* outside the set only evidence leaves: peers close the session of a non-validator's
		 * consensus message, which would cut this node off from block sync */
		if (!v->validator && type != SVM_NET_MSG_EVIDENCE) continue;
		if (a->kind == SVM_CONS_BROADCAST) {
			svm_net_broadcast(v->net, NULL, type, msg, a->len);
		} else if (a->to < v->vals.n) {
			svm_net_send(v->net, &v->vals.v[a->to].id, type, msg, a->len);
		}
	}
	if (o->n_actions > 0) step_add(v, ST_SEND, t_in);
	svm_cons_out_reset(o);
}

static void snapshot(struct node_vc *v)
{
	svm_cons_status_t st;
	svm_cons_status(v->cons, &st);
	pthread_mutex_lock(&v->n->mu);
	v->st = st;
	pthread_mutex_unlock(&v->n->mu);
}

/* (Re)creates the core at the chain's head with the persisted safety record and starts it. */
/* Reputation carried into this epoch (svm_cons_inactive_carry): from the previous epoch's set
 * and its last (up to CARRY_BLOCKS) committed blocks — below the epoch's start, the same on
 * every validator, so every core picks the same leaders. Zero when anything is unreadable. */
/* The headers of committed blocks top, top - 1, ... down to above `floor`, at most `max`, into
 * hd[] (newest first), whole (they hash to the block ids): each one's byte fields copied into
 * bytes[k] (parent_qc ‖ vrf_proof ‖ late_qc; hd[k] points there). The count read, up to the
 * first unreadable block. */
static size_t committed_headers(struct node_vc *v, uint64_t top, uint64_t floor, svm_header_t *hd,
				svm_buf_t *bytes, size_t max)
{
	svm_buf_t b = {0};
	size_t k = 0;
	for (uint64_t h = top; h > floor && k < max; h--) {
		svm_buf_reset(&b);
		svm_header_t *x = &hd[k];
		svm_buf_reset(&bytes[k]);
		if (svm_chain_block(v->n->chain, h, &b) != 0 || node_block_header(b.data, b.len, x, NULL) != 0 ||
		    svm_buf_append(&bytes[k], x->parent_qc, x->parent_qc_len) != 0 ||
		    svm_buf_append(&bytes[k], x->vrf_proof, x->vrf_proof_len) != 0 ||
		    svm_buf_append(&bytes[k], x->late_qc, x->late_qc_len) != 0)
			break;
		x->parent_qc = bytes[k].data;
		x->vrf_proof = x->vrf_proof_len > 0 ? bytes[k].data + x->parent_qc_len : NULL;
		x->late_qc = x->late_qc_len > 0 ? bytes[k].data + x->parent_qc_len + x->vrf_proof_len : NULL;
		k++;
	}
	svm_buf_free(&b);
	SVM_ASSERT(k <= max);
	return k;
}

static void carry_inactive(struct node_vc *v, uint8_t out[SVM_CONS_BITMAP_BYTES])
{
	memset(out, 0, SVM_CONS_BITMAP_BYTES);
	if (v->vals.epoch == 0) return;
	svm_cons_valset_t *prev = svm_malloc(sizeof *prev);
	svm_header_t *hd = svm_malloc(CARRY_BLOCKS * sizeof *hd);
	svm_buf_t *qcs = svm_calloc(CARRY_BLOCKS, sizeof *qcs);
	svm_hash_t start, seed;
	uint64_t prev_height = 0;
	if (prev != NULL && hd != NULL && qcs != NULL &&
	    epoch_load(v, true, v->vals.epoch - 1, prev, &start, &prev_height, &seed) == 0) {
		SVM_ASSERT(prev_height <= v->epoch_height); /* the previous epoch started below this one */
		size_t k = committed_headers(v, v->epoch_height, prev_height, hd, qcs, CARRY_BLOCKS);
		svm_cons_inactive_carry(prev, &seed, &v->vals, hd, k, out);
	}
	for (size_t i = 0; qcs != NULL && i < CARRY_BLOCKS; i++) svm_buf_free(&qcs[i]);
	svm_free(qcs);
	svm_free(hd);
	svm_free(prev);
}

static int core_open(struct node_vc *v, svm_error_t *err)
{
	svm_node_t *n = v->n;
	svm_cons_free(v->cons);
	v->cons = NULL;
	spec_clear(v);
	svm_buf_t safety = {0}, head = {0}, anc_bytes[SVM_CONS_REPUTATION_BLOCKS] = {0};
	svm_header_t anc[SVM_CONS_REPUTATION_BLOCKS];
	int rc = svm_cons_safety_load(svm_chain_store(n->chain), &safety, err);
	if (rc == SVM_ENOTFOUND) rc = 0, safety.len = 0;
	uint64_t h = svm_chain_height(n->chain);
	svm_header_t hh;
	svm_hash_t head_id;
	if (rc == 0) rc = svm_chain_block(n->chain, h, &head);
	if (rc == 0) rc = node_block_header(head.data, head.len, &hh, &head_id);
	if (rc == 0) {
		svm_cons_config_t cc = {
			.chain_id = n->chain_id, .epoch = v->vals.epoch, .epoch_seed = v->epoch_seed,
			.genesis_id = v->epoch_start, .genesis_height = v->epoch_height,
			.committed_id = head_id, .committed_height = h,
			.committed_round = hh.round, .key = v->validator ? &v->key : NULL,
			.round_timeout_ms = node_round_timeout_ms(n), .vrf = true, .reputation = true,
			.safety = safety.len ? safety.data : NULL, .safety_len = safety.len};
		carry_inactive(v, cc.carry_inactive);
		/* the committed blocks the leader rule reads, for a tree that starts empty */
		cc.n_committed_headers = committed_headers(v, h, v->epoch_height, anc, anc_bytes, SVM_CONS_REPUTATION_BLOCKS);
		cc.committed_headers = anc;
		svm_cons_host_t host = {.ctx = v, .validators = host_validators, .propose = host_propose,
					.execute = host_execute, .commit = host_commit,
					.persist = host_persist, .evidence = host_evidence,
					.store_block = host_store_block, .load_block = host_load_block,
					.certified = host_certified};
		rc = svm_cons_new(&v->cons, &cc, &host, err);
	}
	svm_buf_free(&safety);
	svm_buf_free(&head);
	for (size_t i = 0; i < SVM_CONS_REPUTATION_BLOCKS; i++) svm_buf_free(&anc_bytes[i]);
	if (rc == 0) rc = svm_cons_start(v->cons, now_ms(), &v->out);
	if (rc == 0) {
		dispatch(v);
		snapshot(v);
		/* A new core starts with every validator reachable: tell it the closed sessions again
		 * (links_apply, next wake-up; indexes are of the new set). */
		pthread_mutex_lock(&n->mu);
		for (size_t i = 0; i < PEER_HEIGHTS_MAX; i++) v->links[i].down_told = false;
		v->links_changed = true;
		pthread_mutex_unlock(&n->mu);
	}
	return rc;
}

/* ------------------------------------------------------------ block sync */

static void send_status(struct node_vc *v)
{
	svm_net_status_t s = {.height = svm_chain_height(v->n->chain)};
	svm_chain_head(v->n->chain, &s.head, NULL);
	svm_buf_t b = {0};
	if (svm_net_status_encode(&s, &b) == 0) svm_net_broadcast(v->net, NULL, SVM_NET_MSG_STATUS, b.data, b.len);
	svm_buf_free(&b);
}

/* Asks the most advanced peer for the next blocks when it is SYNC_LAG_MIN or more ahead, or
 * ahead at all while our height has not moved for SYNC_STALL_MS: a validator one or two blocks
 * behind an epoch switch cannot commit those blocks through consensus (the others have moved to
 * the next epoch and ignore its messages), and the others may need its vote in the new epoch
 * (seen in e2e-net: a validator restarted at 17, another killed, the other two switched at 19). */
static void maybe_sync(struct node_vc *v, uint64_t now)
{
	uint64_t h = svm_chain_height(v->n->chain), best = 0;
	if (h != v->stall_height || v->stall_since_ms == 0) {
		v->stall_height = h;
		v->stall_since_ms = now;
	}
	if (now < v->sync_until_ms) return;
	svm_id_t who = {{0}};
	pthread_mutex_lock(&v->n->mu);
	for (size_t i = 0; i < PEER_HEIGHTS_MAX; i++) {
		if (v->heights[i].used && v->heights[i].height > best) {
			best = v->heights[i].height;
			who = v->heights[i].id;
		}
	}
	pthread_mutex_unlock(&v->n->mu);
	SVM_ASSERT(now >= v->stall_since_ms); /* a monotonic clock */
	uint64_t lag_min = now - v->stall_since_ms >= SYNC_STALL_MS ? 1 : SYNC_LAG_MIN;
	if (best < h + lag_min) return;
	svm_net_sync_req_t q = {.from_height = h + 1,
				.count = best - h > SVM_NET_SYNC_BLOCKS_MAX ? SVM_NET_SYNC_BLOCKS_MAX : (uint32_t)(best - h)};
	SVM_ASSERT(q.count >= 1 && q.count <= SVM_NET_SYNC_BLOCKS_MAX);
	svm_buf_t b = {0};
	if (svm_net_sync_req_encode(&q, &b) == 0 &&
	    svm_net_send(v->net, &who, SVM_NET_MSG_SYNC_REQ, b.data, b.len) == 0)
		v->sync_until_ms = now + SYNC_TIMEOUT_MS;
	svm_buf_free(&b);
}

/* Checks a synced block's certificate against the current epoch's set: a QC that certifies
 * exactly this block at this height, or a proof that it is committed (*proof set): a commit
 * proof (an epoch's last block, committed with or below its 2-chain's block), or the plain QC of
 * its child in the next round (data directories written before commit proofs). SVM_EBUSY for
 * another epoch's certificate (not now). */
static int check_qc(struct node_vc *v, const svm_slice_t *qcb, const svm_hash_t *id, uint64_t height,
		    svm_cons_qc_t *qc, bool *proof)
{
	svm_error_t err = {0};
	*proof = false;
	if (qcb->len > 0 && qcb->p[0] == SVM_CONS_TAG_COMMIT_PROOF) {
		svm_cons_commit_proof_t *pf = svm_malloc(sizeof *pf);
		int rc = pf == NULL ? SVM_ENOMEM : svm_cons_commit_proof_decode(qcb->p, qcb->len, pf, &err);
		if (rc == 0) *qc = pf->qc;
		svm_free(pf);
		if (rc == 0 && qc->epoch != v->vals.epoch) return SVM_EBUSY;
		if (rc == 0)
			rc = svm_cons_commit_proof_verify(qcb->p, qcb->len, id, height, &v->vals, v->n->chain_id,
							  &v->epoch_start, NULL);
		*proof = rc == 0;
		return rc;
	}
	int rc = svm_cons_qc_decode(qcb->p, qcb->len, qc, &err);
	*proof = rc == 0 && svm_hash_eq(&qc->data.parent_id, id) && qc->data.height == height + 1 &&
		 qc->data.parent_round + 1 == qc->data.round;
	if (rc == 0 && !*proof && (!svm_hash_eq(&qc->data.block_id, id) || qc->data.height != height)) rc = SVM_EVALIDATE;
	if (rc == 0 && qc->epoch != v->vals.epoch) return SVM_EBUSY; /* another epoch's: not now */
	if (rc == 0) rc = svm_cons_qc_verify(qc, &v->vals, v->n->chain_id, &v->epoch_start, NULL);
	if (rc != 0) *proof = false;
	return rc;
}

/* The QC certifying block id inside its (verified) commit proof: the first header's parent QC,
 * if it verifies; else none (the block is stored without a QC). */
static svm_slice_t proof_cert(struct node_vc *v, const svm_slice_t *proof, const svm_hash_t *id)
{
	svm_slice_t none = {NULL, 0};
	svm_cons_commit_proof_t *pf = svm_malloc(sizeof *pf);
	svm_cons_qc_t *qc = svm_malloc(sizeof *qc);
	svm_header_t h;
	int rc = pf == NULL || qc == NULL ? SVM_ENOMEM : svm_cons_commit_proof_decode(proof->p, proof->len, pf, NULL);
	if (rc == 0 && pf->n == 0) rc = SVM_ENOTFOUND;
	if (rc == 0) rc = svm_header_decode(pf->headers[0].p, pf->headers[0].len, &h, NULL);
	if (rc == 0) rc = svm_cons_qc_decode(h.parent_qc, h.parent_qc_len, qc, NULL);
	if (rc == 0 && !svm_hash_eq(&qc->data.block_id, id)) rc = SVM_EINVAL;
	if (rc == 0) rc = svm_cons_qc_verify(qc, &v->vals, v->n->chain_id, &v->epoch_start, NULL);
	svm_free(pf);
	svm_free(qc);
	return rc == 0 ? (svm_slice_t){h.parent_qc, h.parent_qc_len} : none;
}

/* How many leading blocks of a sync answer this node holds already: consensus may commit
 * while the answer travels (a node catching up does both), so an honest answer can start at or
 * below our head. Each such block must be the one we committed at its height (SVM_EVALIDATE:
 * another chain below our commits). Refusing the whole answer instead banned an honest peer for
 * 30 s: one after another, a lagging validator banned all three peers and sat alone for the
 * ban's length (e2e-net: 28 s without a block, then jailed for downtime). */
static int sync_known(struct node_vc *v, const svm_net_sync_resp_t *r, uint64_t h, size_t *known)
{
	*known = 0;
	int rc = 0;
	svm_buf_t b = {0};
	for (size_t i = 0; rc == 0 && i < r->n; i++) {
		svm_header_t hd, mh;
		svm_hash_t id, mine;
		rc = node_block_header(r->blocks[i].p, r->blocks[i].len, &hd, &id);
		if (rc != 0 || hd.height > h) break;
		svm_buf_reset(&b);
		rc = svm_chain_block(v->n->chain, hd.height, &b);
		if (rc == 0) rc = node_block_header(b.data, b.len, &mh, &mine);
		if (rc == 0 && !svm_hash_eq(&id, &mine)) rc = SVM_EVALIDATE;
		if (rc == 0) *known = i + 1;
	}
	svm_buf_free(&b);
	SVM_ASSERT(*known <= r->n);
	return rc;
}

/* Applies the committed prefix of a sync answer (above the blocks we hold: sync_known). A
 * block counts as committed when a later block of the answer descends from it and carries a QC
 * whose parent is in the round just before its own (the 2-chain rule) — so one peer cannot
 * hand us a certified block that the network abandoned. Returns blocks applied, or a negative
 * error (the peer misbehaved). */
static int apply_sync(struct node_vc *v, const uint8_t *body, size_t len)
{
	svm_node_t *n = v->n;
	svm_net_sync_resp_t *r = svm_malloc(sizeof *r);
	svm_cons_qc_t *qc = svm_malloc(sizeof *qc);
	int rc = r == NULL || qc == NULL ? SVM_ENOMEM : svm_net_sync_resp_decode(body, len, r);
	uint64_t h = svm_chain_height(n->chain);
	svm_hash_t prev;
	svm_chain_head(n->chain, &prev, NULL);
	size_t k0 = 0; /* blocks [0, k0) we hold already */
	if (rc == 0) rc = sync_known(v, r, h, &k0);
	size_t commit_to = k0; /* blocks [k0, commit_to) are committed */
	size_t proof_at = SIZE_MAX;
	svm_hash_t ids[SVM_NET_SYNC_BLOCKS_MAX];
	for (size_t i = k0; rc == 0 && i < r->n; i++) {
		svm_header_t hd;
		rc = node_block_header(r->blocks[i].p, r->blocks[i].len, &hd, &ids[i]);
		if (rc == 0 && (hd.height != h + 1 + (i - k0) || !svm_hash_eq(&hd.parent, &prev))) rc = SVM_EVALIDATE;
		bool proof = false;
		if (rc == 0) rc = check_qc(v, &r->qcs[i], &ids[i], hd.height, qc, &proof);
		if (rc == SVM_EBUSY) { /* a later epoch's certificate: the rest after this epoch ends */
			rc = 0;
			break;
		}
		if (rc == 0 && !proof && i > k0 && qc->data.parent_round + 1 == qc->data.round &&
		    svm_hash_eq(&qc->data.parent_id, &ids[i - 1]))
			commit_to = i;
		if (rc == 0 && proof && (r->qcs[i].p[0] == SVM_CONS_TAG_COMMIT_PROOF || qc->data.parent_round == hd.round)) {
			commit_to = i + 1; /* block i itself is committed */
			proof_at = i;
		}
		prev = ids[i];
	}
	/* only blocks the answer carried, the proven one among them */
	SVM_ASSERT(rc != 0 || (k0 <= commit_to && commit_to <= r->n && r->n <= SVM_NET_SYNC_BLOCKS_MAX));
	SVM_ASSERT(proof_at == SIZE_MAX || proof_at < commit_to);
	int applied = 0;
	for (size_t i = k0; rc == 0 && i < commit_to; i++) {
		uint64_t height = h + 1 + (i - k0);
		svm_chain_spec_t *s = NULL;
		svm_error_t err = {0};
		rc = svm_chain_spec_execute(n->chain, NULL, r->blocks[i].p, r->blocks[i].len, &s, &err);
		svm_slice_t cert = r->qcs[i];
		if (rc == 0 && cert.len > 0 && cert.p[0] == SVM_CONS_TAG_COMMIT_PROOF)
			cert = proof_cert(v, &cert, &ids[i]);
		if (rc == 0) rc = svm_chain_spec_commit(n->chain, s, cert.p, cert.len, &err);
		if (rc == 0) {
			SVM_ASSERT(svm_chain_height(n->chain) == height); /* applied in height order */
			committed(n, svm_chain_spec_header(s), r->blocks[i].p, r->blocks[i].len);
			if (cert.len == 0 && r->qcs[i].len > 0) /* a commit proof without the block's QC */
				bqc_store(v, height, r->qcs[i].p, r->qcs[i].len);
			applied++;
			epoch_check(v);
			if (v->epoch_pending) { /* the set changed: the epoch ends here */
				commit_to = i + 1;
				if (proof_at == i) eproof_store(v, height, r->qcs[i].p, r->qcs[i].len);
			}
		} else {
			upgrade_stop(n, rc, &err);
			svm_log_warn("sync: block %llu refused: %s", (unsigned long long)height, err.msg);
		}
		svm_chain_spec_free(s);
	}
	svm_free(r);
	svm_free(qc);
	return rc != 0 ? rc : applied;
}

/* The next block's parent QC when it certifies the block at `height` (id): not so for an
 * epoch's last block, whose child starts the next epoch on that epoch's genesis QC (round 0, no
 * signers). 0, SVM_ENOTFOUND, or a storage error. */
static int child_parent_qc(svm_node_t *n, uint64_t height, const svm_hash_t *id, svm_buf_t *out)
{
	svm_buf_t b = {0};
	svm_header_t h;
	svm_cons_qc_t *qc = svm_malloc(sizeof *qc);
	int rc = qc == NULL ? SVM_ENOMEM : svm_chain_block(n->chain, height + 1, &b);
	if (rc == 0 && node_block_header(b.data, b.len, &h, NULL) != 0) rc = SVM_EIO;
	if (rc == 0 && (h.parent_qc_len == 0 || svm_cons_qc_decode(h.parent_qc, h.parent_qc_len, qc, NULL) != 0 ||
			qc->data.round == 0 || qc->data.height != height || !svm_hash_eq(&qc->data.block_id, id)))
		rc = SVM_ENOTFOUND;
	if (rc == 0) rc = svm_buf_append(out, h.parent_qc, h.parent_qc_len);
	svm_free(qc);
	svm_buf_free(&b);
	return rc;
}

int node_vc_block_qc(svm_node_t *n, uint64_t height, svm_buf_t *out)
{
	int rc = svm_chain_block_qc(n->chain, height, out);
	if (rc != SVM_ENOTFOUND) return rc;
	svm_buf_t b = {0};
	svm_header_t hd;
	svm_hash_t id;
	rc = svm_chain_block(n->chain, height, &b);
	if (rc == 0 && node_block_header(b.data, b.len, &hd, &id) != 0) rc = SVM_EIO;
	svm_buf_free(&b);
	if (rc == 0) rc = child_parent_qc(n, height, &id, out);
	if (rc != SVM_ENOTFOUND || height > svm_chain_height(n->chain)) return rc;
	/* The head, committed without its QC: the QC that arrived since, else the commit proof. */
	uint8_t key[16];
	bqc_key(key, height);
	svm_store_txn_t *r;
	const uint8_t *p;
	size_t len;
	if (svm_store_read_begin(svm_chain_store(n->chain), &r, NULL) != 0) return SVM_EIO;
	rc = svm_store_get(r, SVM_TABLE_META, key, sizeof key, &p, &len);
	if (rc == 0) rc = svm_buf_append(out, p, len);
	svm_store_abort(r);
	return rc;
}

/* Serves a sync request from the store (on the transport's thread: reads only). */
static int serve_sync(struct node_vc *v, const svm_id_t *peer, const uint8_t *body, size_t len)
{
	svm_net_sync_req_t q;
	int rc = svm_net_sync_req_decode(body, len, &q);
	if (rc != 0) return rc;
	svm_buf_t out = {0}, blk = {0}, qc = {0};
	uint64_t top = svm_chain_height(v->n->chain);
	uint32_t k = 0;
	svm_buf_t items = {0};
	for (uint64_t h = q.from_height; h <= top && k < q.count; h++) {
		svm_buf_reset(&blk);
		svm_buf_reset(&qc);
		if (svm_chain_block(v->n->chain, h, &blk) != 0) break;
		uint8_t key[19];
		eproof_key(key, h);
		svm_store_txn_t *r;
		const uint8_t *pp;
		size_t pl;
		bool proof = false;
		if (svm_store_read_begin(svm_chain_store(v->n->chain), &r, NULL) == 0) {
			proof = svm_store_get(r, SVM_TABLE_META, key, sizeof key, &pp, &pl) == 0 &&
				svm_buf_append(&qc, pp, pl) == 0;
			svm_store_abort(r);
		}
		if (!proof && node_vc_block_qc(v->n, h, &qc) != 0) break;
		if (items.len + blk.len + qc.len + 32 > SVM_NET_FRAME_BYTES_MAX - 64) break;
		svm_net_sync_resp_add(&items, blk.data, blk.len, qc.data, qc.len);
		k++;
	}
	SVM_ASSERT(k <= q.count && items.len <= SVM_NET_FRAME_BYTES_MAX); /* what was asked, in a frame */
	svm_varint_append(&out, k);
	svm_buf_append(&out, items.data, items.len);
	svm_net_send(v->net, peer, SVM_NET_MSG_SYNC_RESP, out.data, out.len);
	svm_buf_free(&out), svm_buf_free(&blk), svm_buf_free(&qc), svm_buf_free(&items);
	return 0;
}

/* ------------------------------------------------------------- network */

static void note_height(struct node_vc *v, const svm_id_t *peer, uint64_t height, bool drop)
{
	pthread_mutex_lock(&v->n->mu);
	peer_height_t *free_slot = NULL, *slot = NULL;
	for (size_t i = 0; i < PEER_HEIGHTS_MAX; i++) {
		peer_height_t *p = &v->heights[i];
		if (p->used && svm_hash_eq(&p->id, peer)) slot = p;
		else if (!p->used && free_slot == NULL) free_slot = p;
	}
	SVM_ASSERT(slot == NULL || slot->used);
	if (drop) {
		if (slot != NULL) slot->used = false;
	} else {
		if (slot == NULL) slot = free_slot;
		if (slot != NULL) *slot = (peer_height_t){*peer, height, true};
	}
	pthread_mutex_unlock(&v->n->mu);
}

/* A peer whose last status names a height below ours: a validator that was stopped and has not
 * synced yet still speaks as a member of its old epoch's set, which may be many epochs back. */
static bool peer_behind(struct node_vc *v, const svm_id_t *peer)
{
	uint64_t h = svm_chain_height(v->n->chain);
	bool behind = false;
	pthread_mutex_lock(&v->n->mu);
	for (size_t i = 0; i < PEER_HEIGHTS_MAX; i++)
		if (v->heights[i].used && svm_hash_eq(&v->heights[i].id, peer)) behind = v->heights[i].height < h;
	pthread_mutex_unlock(&v->n->mu);
	return behind;
}

static int enqueue(struct node_vc *v, const svm_id_t *peer, uint8_t type, const uint8_t *body, size_t len)
{
	svm_node_t *n = v->n;
	inmsg_t *m = svm_malloc(sizeof *m + len);
	if (m == NULL) return SVM_EBUSY;
	m->next = NULL;
	m->in_ns = svm_clock_ns();
	m->from = *peer;
	m->type = type;
	m->len = len;
	memcpy(m->data, body, len);
	pthread_mutex_lock(&n->mu);
	bool full = v->in_n >= INBOX_MSGS_MAX || v->in_bytes + len > INBOX_BYTES_MAX;
	if (!full) {
		if (v->in_tail != NULL) v->in_tail->next = m;
		else v->in_head = m;
		v->in_tail = m;
		v->in_n++;
		v->in_bytes += len;
		SVM_ASSERT(v->in_n <= INBOX_MSGS_MAX && v->in_bytes <= INBOX_BYTES_MAX);
		pthread_cond_broadcast(&n->cv);
	}
	pthread_mutex_unlock(&n->mu);
	if (full) svm_free(m);
	return full ? SVM_EBUSY : 0;
}

/* Transport thread: cheap checks here, consensus work on the consensus thread. */
static int on_net_msg(void *ctx, const svm_id_t *peer, uint8_t type, const uint8_t *body, size_t len)
{
	struct node_vc *v = ctx;
	svm_node_t *n = v->n;
	switch (type) {
	case SVM_NET_MSG_STATUS: {
		svm_net_status_t s;
		int rc = svm_net_status_decode(body, len, &s);
		if (rc == 0) note_height(v, peer, s.height, false);
		return rc;
	}
	case SVM_NET_MSG_TXS: {
		svm_net_txs_t *t = svm_malloc(sizeof *t);
		if (t == NULL) return SVM_EBUSY;
		int rc = svm_net_txs_decode(body, len, t);
		for (size_t i = 0; rc == 0 && i < t->n; i++) {
			svm_error_t err = {0};
			int a = svm_mempool_add(n->mempool, t->items[i].p, t->items[i].len,
						atomic_load(&n->head_height), NULL, &err);
			/* Stateless faults are the sender's: it must have checked them. State-dependent
			 * refusals (nonce, funds, full pool) are not. */
			if (a == SVM_EDECODE || a == SVM_ESIG || a == SVM_ECHAIN) rc = a;
		}
		svm_free(t);
		return rc;
	}
	case SVM_NET_MSG_SYNC_REQ:
		return serve_sync(v, peer, body, len);
	case SVM_NET_MSG_SYNC_RESP:
		return enqueue(v, peer, type, body, len);
	case SVM_NET_MSG_EVIDENCE: {
		/* checked as the core checks it (the staking program's rule too) */
		svm_cons_evidence_t e;
		svm_cons_valset_t *vs = svm_malloc(sizeof *vs);
		if (vs == NULL) return SVM_EBUSY;
		pthread_mutex_lock(&n->mu);
		*vs = v->vals;
		pthread_mutex_unlock(&n->mu);
		int rc = svm_cons_evidence_verify(body, len, vs, n->chain_id, NULL, &e);
		svm_free(vs);
		if (rc == 0) host_evidence(v, &e); /* stored, kept for RPC and passed on once */
		if (rc == 0) svm_cons_evidence_free(&e);
		/* Another epoch's (an honest relay across a boundary) or no conflict: ignored. A bad
		 * signature is a forgery now that another epoch's proposals are SVM_EINVAL too
		 * (docs/consensus.md, Epochs): the peer is dropped and banned. */
		if (rc == SVM_EINVAL) rc = 0;
		return rc == SVM_ENOMEM ? SVM_EBUSY : rc;
	}
	default:
		/* Consensus messages come from validators only: nothing is relayed. A validator the
		 * last set change removed is ignored instead (its old epoch's messages until it
		 * syncs across the switch): closing its session would stop it from syncing. So is a
		 * peer behind us: a validator jailed while it was stopped, restarted many epochs
		 * later, was banned by every peer at its first timeout and never caught up
		 * (bench-net's catch-up run waited for ever). A stranger that sent no status, or
		 * one level with us, still has its session closed. */
		if (!is_validator(v, peer)) return was_validator(v, peer) || peer_behind(v, peer) ? 0 : SVM_EPERM;
		return enqueue(v, peer, type, body, len);
	}
}

/* Transport thread: a session came up or closed, or (dial_failed) a dial of a configured
 * validator failed with no session open; the consensus thread tells the core (links_apply). An
 * entry is reused once its session is closed. A failed dial makes an entry for a peer never
 * connected: a validator that is down when this node starts counts as gone at once, while one
 * that is only slow to connect (still dialling, handshake under way) stays reachable. */
static void link_note(struct node_vc *v, const svm_id_t *peer, bool up, bool dial_failed)
{
	pthread_mutex_lock(&v->n->mu);
	link_t *slot = NULL, *spare = NULL;
	for (size_t i = 0; i < PEER_HEIGHTS_MAX && slot == NULL; i++) {
		link_t *l = &v->links[i];
		if (l->used && svm_hash_eq(&l->id, peer)) slot = l;
		else if (spare == NULL && (!l->used || !l->up)) spare = l;
	}
	if (slot == NULL && (up || dial_failed) && spare != NULL) {
		slot = spare;
		*slot = (link_t){.id = *peer, .used = true};
	}
	if (slot != NULL) {
		slot->up = up;
		if (up) slot->ups++;
		v->links_changed = true;
		pthread_cond_broadcast(&v->n->cv);
	}
	pthread_mutex_unlock(&v->n->mu);
}

/* Transport thread: a dial of a configured peer failed and no session with it is open. */
static void on_net_unreachable(void *ctx, const svm_id_t *peer, bool up)
{
	SVM_ASSERT(!up);
	link_note(ctx, peer, false, true);
}

static void on_net_peer(void *ctx, const svm_id_t *peer, bool up)
{
	struct node_vc *v = ctx;
	link_note(v, peer, up, false);
	if (!up) {
		note_height(v, peer, 0, true);
		return;
	}
	svm_net_status_t s = {.height = svm_chain_height(v->n->chain)};
	svm_chain_head(v->n->chain, &s.head, NULL);
	svm_buf_t b = {0};
	if (svm_net_status_encode(&s, &b) == 0) svm_net_send(v->net, peer, SVM_NET_MSG_STATUS, b.data, b.len);
	svm_buf_free(&b);
}

void node_vc_gossip(svm_node_t *n, const uint8_t *tx, size_t len)
{
	struct node_vc *v = n->vc;
	if (v == NULL || v->net == NULL) return;
	pthread_mutex_lock(&v->gmu);
	if (v->gossip_n == 0) svm_buf_reset(&v->gossip);
	if (v->gossip.len + len + SVM_VARINT_MAX < SVM_NET_TXS_BYTES_MAX - 16) {
		svm_varint_append(&v->gossip, len);
		svm_buf_append(&v->gossip, tx, len);
		v->gossip_n++;
	}
	bool flush = v->gossip_n >= GOSSIP_TXS_MAX;
	SVM_ASSERT(v->gossip_n <= GOSSIP_TXS_MAX && v->gossip.len < SVM_NET_TXS_BYTES_MAX);
	pthread_mutex_unlock(&v->gmu);
	if (flush) node_vc_flush_gossip(n);
}

void node_vc_flush_gossip(svm_node_t *n)
{
	struct node_vc *v = n->vc;
	pthread_mutex_lock(&v->gmu);
	if (v->gossip_n > 0) {
		svm_buf_t msg = {0};
		svm_varint_append(&msg, v->gossip_n);
		svm_buf_append(&msg, v->gossip.data, v->gossip.len);
		v->gossip_n = 0;
		svm_buf_reset(&v->gossip);
		pthread_mutex_unlock(&v->gmu);
		svm_net_broadcast(v->net, NULL, SVM_NET_MSG_TXS, msg.data, msg.len);
		svm_buf_free(&msg);
		return;
	}
	pthread_mutex_unlock(&v->gmu);
}

/* ------------------------------------------------------ consensus thread */

/* The parent of a proposal message when neither the chain, the executed blocks nor the core
 * hold it (it arrived before its parent: another leader's connection was slower). */
static bool parent_missing(struct node_vc *v, const inmsg_t *m, svm_hash_t *parent)
{
	if (m->type != SVM_NET_MSG_PROPOSAL) return false;
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_cons_proposal_t *p = svm_malloc(sizeof *p);
	bool missing = false;
	if (p != NULL && svm_cons_proposal_decode(m->data, m->len, &a, p, NULL) == 0) {
		svm_hash_t head;
		svm_chain_head(v->n->chain, &head, NULL);
		*parent = p->block.header.parent;
		missing = !svm_hash_eq(parent, &head) && spec_get(v, parent) == NULL &&
			  svm_cons_block_message(v->cons, parent) == NULL &&
			  p->block.header.height > svm_chain_height(v->n->chain) + 1;
	}
	svm_free(p);
	svm_arena_reset(&a);
	return missing;
}

static void handle_now(struct node_vc *v, inmsg_t *m);
static bool handle(struct node_vc *v, inmsg_t *m);

/* Holds a copy of a message of the next epoch (the core's SVM_EBUSY): the validators switch a
 * few milliseconds apart, and the first proposal and votes of an epoch reach the slower ones
 * before their switch — dropped, the epoch's first round timed out (once per epoch in
 * bench-net). Unchecked until then, so bounded per peer (a peer is authenticated by the
 * transport): a faulty one fills only its own HELD_PEER_MAX places. */
static void held_keep(struct node_vc *v, const inmsg_t *m)
{
	size_t mine = 0, free_at = HELD_MAX;
	for (size_t i = 0; i < HELD_MAX; i++) {
		if (v->held[i] == NULL) {
			if (free_at == HELD_MAX) free_at = i;
		} else if (svm_hash_eq(&v->held[i]->from, &m->from)) {
			mine++;
		}
	}
	SVM_ASSERT(mine <= HELD_PEER_MAX);
	if (mine == HELD_PEER_MAX || free_at == HELD_MAX) return; /* dropped, as before */
	SVM_ASSERT(free_at < HELD_MAX && v->held[free_at] == NULL);
	inmsg_t *q = svm_malloc(sizeof *q + m->len);
	if (q == NULL) return;
	memcpy(q, m, sizeof *q + m->len);
	q->next = NULL;
	v->held[free_at] = q;
}

/* After an epoch switch: the held messages go to the new core, in arrival order within each
 * peer's (places are reused, so the order across peers is not kept: the core does not need it).
 * Messages of a later epoch still are held again. */
static void held_replay(struct node_vc *v)
{
	inmsg_t *q[HELD_MAX];
	memcpy(q, v->held, sizeof q);
	memset(v->held, 0, sizeof v->held);
	for (size_t i = 0; i < HELD_MAX; i++)
		if (q[i] != NULL && !handle(v, q[i])) svm_free(q[i]);
}

/* Hands m to the core, or holds it (taking ownership: returns true) until its parent arrives.
 * Held proposals whose parent is now known, or that waited PARKED_MS, go to the core after. */
static bool handle(struct node_vc *v, inmsg_t *m)
{
	svm_hash_t parent;
	uint64_t now = now_ms();
	bool kept = false;
	if (parent_missing(v, m, &parent)) {
		for (size_t i = 0; i < PARKED_MAX && !kept; i++) {
			if (v->parked[i] != NULL) continue;
			v->parked[i] = m;
			v->parked_ms[i] = now;
			kept = true;
		}
		ask_block(v, &parent);
		if (kept) return true;
	}
	handle_now(v, m);
	for (size_t i = 0; i < PARKED_MAX; i++) {
		inmsg_t *q = v->parked[i];
		if (q == NULL || (parent_missing(v, q, &parent) && now < v->parked_ms[i] + PARKED_MS)) continue;
		v->parked[i] = NULL;
		SVM_ASSERT(q != m); /* m was handled above, not parked */
		handle_now(v, q);
		svm_free(q);
	}
	return false;
}

static void handle_now(struct node_vc *v, inmsg_t *m)
{
	if (m->type == SVM_NET_MSG_SYNC_RESP) {
		uint64_t at = svm_chain_height(v->n->chain), t_in = svm_clock_ns();
		int applied = apply_sync(v, m->data, m->len);
		step_add(v, ST_SYNC, t_in);
		v->sync_until_ms = 0; /* answered: the next request may go at once */
		if (applied < 0) {
			char hex[65];
			svm_hash_hex(&m->from, hex);
			svm_log_warn("sync: the answer of %.16s refused at height %llu (%s): dropped and banned", hex,
				     (unsigned long long)at, svm_strerror(applied));
			svm_net_drop(v->net, &m->from, true);
			return;
		}
		if (applied > 0) {
			pthread_mutex_lock(&v->n->mu);
			v->sync_applied += (uint64_t)applied;
			pthread_mutex_unlock(&v->n->mu);
			svm_buf_t b = {0};
			svm_header_t h;
			svm_hash_t id;
			uint64_t height = svm_chain_height(v->n->chain);
			if (svm_chain_block(v->n->chain, height, &b) == 0 &&
			    node_block_header(b.data, b.len, &h, &id) == 0)
				svm_cons_sync_committed(v->cons, &id, height, h.round);
			svm_buf_free(&b);
			spec_prune(v, height);
		}
		return;
	}
	int idx = svm_cons_valset_index(&v->vals, &m->from);
	SVM_ASSERT(idx < (int)v->vals.n);
	uint32_t from = idx >= 0 ? (uint32_t)idx : SVM_CONS_FROM_UNKNOWN;
	int rc = svm_cons_on_message(v->cons, from, m->data, m->len, now_ms(), &v->out);
	dispatch(v);
	if (rc == SVM_EBUSY) held_keep(v, m);
	if (rc == SVM_ESIG || rc == SVM_EDECODE) {
		char hex[65];
		svm_hash_hex(&m->from, hex);
		svm_log_warn("consensus: %s %s from %.16s: dropped and banned", svm_net_msg_name(m->type),
			     svm_strerror(rc), hex);
		svm_net_drop(v->net, &m->from, true);
	}
}

/* A new head may carry a governed slot_ms change: the core's round timeout follows it from its
 * next deadline (node_round_timeout_ms; a configured round_timeout_ms never changes). One
 * parameter read per new head. */
static void timeout_follow(struct node_vc *v)
{
	uint64_t h = svm_chain_height(v->n->chain);
	if (v->cons == NULL || h == v->timeout_height) return;
	v->timeout_height = h;
	int rc = svm_cons_set_round_timeout(v->cons, node_round_timeout_ms(v->n));
	SVM_ASSERT(rc == 0); /* node_round_timeout_ms is within the core's bounds */
	(void)rc;
}

/* Consensus thread: tells the core which validators' sessions closed (a round such a
 * validator leads is timed out at once) and which came up (they are sent our timeout or vote
 * of the round they may have missed): svm_cons_peer. A session that came up and closed again
 * since the last look is told as closed only. */
static void links_apply(struct node_vc *v)
{
	link_t *ls = v->links, snap[PEER_HEIGHTS_MAX];
	pthread_mutex_lock(&v->n->mu);
	bool changed = v->links_changed && v->cons != NULL;
	if (changed) memcpy(snap, ls, sizeof snap);
	v->links_changed = false;
	pthread_mutex_unlock(&v->n->mu);
	if (!changed) return;
	for (size_t i = 0; i < PEER_HEIGHTS_MAX; i++) {
		if (!snap[i].used) continue;
		int idx = svm_cons_valset_index(&v->vals, &snap[i].id);
		bool up = snap[i].up, news = up ? snap[i].ups != snap[i].ups_told || snap[i].down_told : !snap[i].down_told;
		snap[i].ups_told = snap[i].ups;
		snap[i].down_told = !up;
		if (idx < 0 || !news || !v->validator) continue;
		svm_cons_peer(v->cons, (uint32_t)idx, up, now_ms(), &v->out);
		dispatch(v);
	}
	/* What was told goes back under the lock (the transport thread may have reused an entry
	 * for another peer meanwhile: then it starts untold). */
	pthread_mutex_lock(&v->n->mu);
	for (size_t i = 0; i < PEER_HEIGHTS_MAX; i++) {
		if (!snap[i].used || !ls[i].used || !svm_hash_eq(&ls[i].id, &snap[i].id)) continue;
		ls[i].ups_told = snap[i].ups_told;
		ls[i].down_told = snap[i].down_told;
	}
	pthread_mutex_unlock(&v->n->mu);
}

/* Ends a wake-up of the consensus thread: one over SLOW_STEP_MS is counted and logged (info, at
 * most once per SLOW_LOG_EVERY_MS) with where its time went. */
static void step_end(struct node_vc *v)
{
	step_t *st = &v->step;
	uint64_t now = svm_clock_ns(), total = now - st->t0_ns, known = 0;
	for (unsigned k = 0; k < ST_KINDS; k++) known += st->ns[k];
	if (total < SLOW_STEP_MS * 1000000ull) return;
	pthread_mutex_lock(&v->n->mu);
	v->slow_steps++;
	pthread_mutex_unlock(&v->n->mu);
	if (now / 1000000u < v->slow_logged_ms + SLOW_LOG_EVERY_MS) {
		v->slow_unlogged++;
		return;
	}
	const uint64_t *ns = st->ns;
	const uint32_t *n = st->n;
#define MS(x) ((double)(x) / 1e6)
	svm_log_info("consensus thread: a step of %.1f ms: %u messages (the oldest waited %.1f ms); safety records %u in "
		     "%.1f ms; commits %u in %.1f ms (LMDB commits %.1f ms); execution %u in %.1f ms; proposals %u in "
		     "%.1f ms; sends %.1f ms; block sync %.1f ms; epoch switch %.1f ms; kept proposals %.1f ms; "
		     "the core and the rest %.1f ms; woke %.1f ms after its deadline (%u slow steps not logged "
		     "since the last)",
		     MS(total), st->msgs, MS(st->wait_ns), n[ST_PERSIST], MS(ns[ST_PERSIST]), n[ST_COMMIT],
		     MS(ns[ST_COMMIT]), MS(st->flush_ns), n[ST_EXEC], MS(ns[ST_EXEC]), n[ST_PROPOSE],
		     MS(ns[ST_PROPOSE]), MS(ns[ST_SEND]), MS(ns[ST_SYNC]), MS(ns[ST_SWITCH]), MS(ns[ST_KEPT]),
		     MS(total > known ? total - known : 0), MS(st->late_ns), v->slow_unlogged);
#undef MS
	v->slow_logged_ms = now / 1000000u;
	v->slow_unlogged = 0;
}

static void *cons_main(void *arg)
{
	struct node_vc *v = arg;
	svm_node_t *n = v->n;
	pthread_mutex_lock(&n->mu);
	while (!n->stop) {
		uint64_t now = now_ms();
		uint64_t wake = v->out.deadline_ms;
		if (v->n_unwritten > 0 && v->unwritten_ms + KEPT_FLUSH_MS < wake) wake = v->unwritten_ms + KEPT_FLUSH_MS;
		if (v->net != NULL) {
			if (v->next_status_ms < wake) wake = v->next_status_ms;
			if (now + GOSSIP_FLUSH_MS < wake) wake = now + GOSSIP_FLUSH_MS;
		}
		/* A commit in the tick below may end the epoch: switch at once, not after the next
		 * message or deadline (up to a round timeout: bench-net saw 0.2–0.45 s at most epochs). */
		if (v->in_head == NULL && wake > now && !(v->epoch_pending && !v->switch_failed) && !v->links_changed) {
			uint64_t ns = svm_clock_ns() + (wake - now) * 1000000ull;
			struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
			v->slept_until_ns = pthread_cond_timedwait(&n->cv, &n->mu, &ts) == ETIMEDOUT ? ns : 0;
			continue;
		}
		step_t *st = &v->step;
		memset(st, 0, sizeof *st);
		st->t0_ns = svm_clock_ns();
		if (v->slept_until_ns != 0 && st->t0_ns > v->slept_until_ns) st->late_ns = st->t0_ns - v->slept_until_ns;
		v->slept_until_ns = 0;
		if (v->in_head != NULL && st->t0_ns > v->in_head->in_ns) st->wait_ns = st->t0_ns - v->in_head->in_ns;
		inmsg_t *batch = v->in_head;
		size_t k = 0;
		inmsg_t *last = NULL;
		for (inmsg_t *m = batch; m != NULL && k < STEP_MSGS_MAX; m = m->next, k++) {
			last = m;
			SVM_ASSERT(v->in_n > 0 && v->in_bytes >= m->len); /* what enqueue counted */
			v->in_n--;
			v->in_bytes -= m->len;
		}
		st->msgs = (uint32_t)k;
		if (last != NULL) {
			v->in_head = last->next;
			if (v->in_head == NULL) v->in_tail = NULL;
			SVM_ASSERT((v->in_head == NULL) == (v->in_n == 0));
			last->next = NULL;
		}
		pthread_mutex_unlock(&n->mu);
		for (inmsg_t *m = batch, *next; last != NULL && m != NULL; m = next) {
			next = m->next;
			if (!handle(v, m)) svm_free(m);
		}
		now = now_ms();
		if (v->epoch_pending) {
			uint64_t t_sw = svm_clock_ns();
			v->switch_failed = epoch_switch(v) != 0;
			step_add(v, ST_SWITCH, t_sw);
			if (!v->switch_failed) held_replay(v);
		}
		links_apply(v);
		if (v->upgrade_height != 0 &&
		    (svm_chain_height(n->chain) + 2 >= v->upgrade_height || now > v->upgrade_ms + UPGRADE_WAIT_MS)) {
			upgrade_stop(n, SVM_EUNSUPPORTED, &v->upgrade_err);
			v->upgrade_height = 0;
		}
		timeout_follow(v);
		if (now >= v->out.deadline_ms) {
			svm_cons_tick(v->cons, now, &v->out);
			dispatch(v);
		}
		kept_flush(v, false);
		if (v->net != NULL) {
			node_vc_flush_gossip(n);
			if (now >= v->next_status_ms) {
				send_status(v);
				v->next_status_ms = now + STATUS_PERIOD_MS;
			}
			maybe_sync(v, now);
		}
		snapshot(v);
		step_end(v);
		pthread_mutex_lock(&n->mu);
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

/* Validator key, set, genesis id, transport (when there are peers or a p2p address), core. */
int node_vc_start(svm_node_t *n, svm_error_t *err)
{
	struct node_vc *v = svm_calloc(1, sizeof *v);
	if (v == NULL) return svm_error_set(err, SVM_ENOMEM, "out of memory");
	n->vc = v;
	v->n = n;
	pthread_mutex_init(&v->gmu, NULL);
	svm_map_init(&v->specs);
	svm_cons_out_init(&v->out);
	int rc = svm_keyfile_read(n->cfg.validator_key, &v->key, err);
	if (rc == 0 && node_report_open(&v->report) != 0) rc = svm_error_set(err, SVM_ENOMEM, "out of memory");
	if (rc == 0) {
		svm_buf_t g = {0};
		svm_header_t gh;
		rc = svm_chain_block(n->chain, 0, &g);
		if (rc == 0) rc = node_block_header(g.data, g.len, &gh, &v->genesis_id);
		svm_buf_free(&g);
		if (rc != 0 && err->msg[0] == 0) svm_error_set(err, rc, "cannot read the genesis block");
	}
	if (rc == 0) { /* the epoch recorded at its last switch, else epoch 0 from the state */
		rc = epoch_load(v, false, 0, &v->vals, &v->epoch_start, &v->epoch_height, &v->epoch_seed);
		if (rc == SVM_ENOTFOUND) {
			v->epoch_start = v->genesis_id;
			v->epoch_seed = v->genesis_id;
			v->epoch_height = 0;
			rc = read_valset(n, 0, &v->vals);
			if (rc == 0) rc = epoch_store(v);
		}
		if (rc != 0 && err->msg[0] == 0) svm_error_set(err, rc, "cannot read the validator set");
	}
	if (rc == 0) {
		v->validator = is_validator(v, &v->key.id);
		/* stopped between the block that changed the set and the switch: switch now */
		epoch_check(v);
		if (v->epoch_pending) rc = epoch_switch(v) == 0 ? 0 : svm_error_set(err, SVM_EIO, "epoch switch failed");
	}
	if (rc == 0 && (n->cfg.p2p_port != 0 || n->cfg.n_peers > 0)) {
		svm_net_config_t nc = {.chain_id = n->chain_id, .key = &v->key,
				       .listen_host = n->cfg.p2p_host, .listen_port = n->cfg.p2p_port,
				       .on_msg = on_net_msg, .on_peer = on_net_peer,
				       .on_unreachable = on_net_unreachable, .ctx = v};
		rc = svm_net_start(&v->net, &nc, err);
		for (size_t i = 0; rc == 0 && i < n->cfg.n_peers; i++) {
			const svm_node_peer_t *p = &n->cfg.peers[i];
			rc = svm_net_add_peer(v->net, p->host, p->port, p->has_id ? &p->id : NULL);
			if (rc != 0) svm_error_set(err, rc, "peer %s:%u cannot be added", p->host, p->port);
		}
	}
	if (rc == 0) kept_prune(v, true);
	if (rc == 0 && v->cons == NULL) rc = core_open(v, err);
	if (rc == 0) {
		if (pthread_create(&v->thread, NULL, cons_main, v) != 0)
			rc = svm_error_set(err, SVM_EIO, "cannot start the consensus thread");
		else v->started = true;
	}
	return rc;
}

uint16_t node_vc_p2p_port(svm_node_t *n) { return n->vc != NULL && n->vc->net != NULL ? svm_net_port(n->vc->net) : 0; }

/* Called with n->stop set and n->cv broadcast: joins the thread, closes the transport. */
void node_vc_stop(svm_node_t *n)
{
	struct node_vc *v = n->vc;
	if (v == NULL) return;
	if (v->started) pthread_join(v->thread, NULL);
	kept_flush(v, true);
	for (size_t i = 0; i < v->n_kept; i++) svm_buf_free(&v->kept[i].msg);
	svm_net_stop(v->net);
	node_report_free(v->report);
	svm_cons_free(v->cons);
	spec_clear(v);
	svm_map_free(&v->specs);
	svm_cons_out_free(&v->out);
	for (inmsg_t *m = v->in_head, *next; m != NULL; m = next) {
		next = m->next;
		svm_free(m);
	}
	for (size_t i = 0; i < PARKED_MAX; i++) svm_free(v->parked[i]);
	for (size_t i = 0; i < HELD_MAX; i++) svm_free(v->held[i]);
	for (size_t i = 0; i < EVIDENCE_MAX; i++) svm_buf_free(&v->evidence[i]);
	svm_buf_free(&v->gossip);
	pthread_mutex_destroy(&v->gmu);
	svm_keypair_wipe(&v->key);
	svm_free(v);
	n->vc = NULL;
}

/* ------------------------------------------------------------------ RPC */

static json_t *hexj(const svm_hash_t *h)
{
	char hex[65];
	svm_hash_hex(h, hex);
	return json_string(hex);
}

json_t *node_vc_status_json(svm_node_t *n)
{
	struct node_vc *v = n->vc;
	if (v == NULL) return json_null();
	pthread_mutex_lock(&n->mu);
	svm_cons_status_t st = v->st;
	uint64_t synced = v->sync_applied, ev = v->evidence_total;
	pthread_mutex_unlock(&n->mu);
	json_t *peers = json_array();
	if (v->net != NULL) {
		svm_net_peer_info_t info[SVM_NET_PEERS_MAX];
		size_t k = svm_net_peers(v->net, info, SVM_NET_PEERS_MAX);
		for (size_t i = 0; i < k && i < SVM_NET_PEERS_MAX; i++)
			json_array_append_new(peers, json_pack("{s:o, s:b, s:b, s:I, s:I}", "id", hexj(&info[i].id),
							       "validator", is_validator(v, &info[i].id),
							       "outbound", info[i].outbound,
							       "msgs_in", (json_int_t)info[i].msgs_in,
							       "msgs_out", (json_int_t)info[i].msgs_out));
	}
	pthread_mutex_lock(&n->mu);
	svm_id_t leader = st.leader < v->vals.n ? v->vals.v[st.leader].id : v->vals.v[0].id;
	uint32_t n_vals = v->vals.n;
	bool validator = v->validator;
	pthread_mutex_unlock(&n->mu);
	json_t *res = json_pack("{s:I, s:I, s:{s:I, s:o}, s:I, s:I, s:o, s:I, s:b, s:I, s:I, s:o, s:I, s:I, s:I}",
			 "epoch", (json_int_t)st.epoch, "round", (json_int_t)st.round,
			 "highest_qc", "round", (json_int_t)st.hqc_round, "block", hexj(&st.hqc_block),
			 "highest_tc_round", (json_int_t)st.htc_round,
			 "committed_height", (json_int_t)st.committed_height,
			 "leader", hexj(&leader), "validators", (json_int_t)n_vals,
			 "validator", validator, "last_voted_round", (json_int_t)st.last_voted_round,
			 "locked_round", (json_int_t)st.locked_round, "peers", peers,
			 "p2p_port", (json_int_t)node_vc_p2p_port(n), "synced_blocks", (json_int_t)synced,
			 "evidence", (json_int_t)ev);
	if (res != NULL) json_object_set_new(res, "evidence_reports", node_report_json(v->report));
	if (res != NULL) json_object_set_new(res, "round_timeout_ms", json_integer((json_int_t)st.round_timeout_ms));
	return res;
}

/* One evidence record for RPC: the consensus encoding, what it names, and the same offence in
 * the staking program's form (svm_evidence_t, for `supervm validator evidence`) when it has one. */
static json_t *evidence_json(struct node_vc *v, const svm_buf_t *b)
{
	json_t *o = json_object();
	json_object_set_new(o, "evidence", jhex(b->data, b->len));
	svm_cons_evidence_t e;
	if (svm_cons_evidence_verify(b->data, b->len, &v->vals, v->n->chain_id, NULL, &e) != 0) return o;
	json_object_set_new(o, "kind", json_string(e.kind == SVM_CONS_EVIDENCE_DOUBLE_VOTE ? "vote" : "proposal"));
	json_object_set_new(o, "validator", jhash(&e.validator));
	json_object_set_new(o, "epoch", ju64(e.epoch));
	json_object_set_new(o, "round", ju64(e.round));
	svm_evidence_t se;
	svm_buf_t enc = {0}, raw = {0};
	if (svm_cons_evidence_stake(&e, &v->vals, v->n->chain_id, &se) == 0 && svm_evidence_encode(&se, &enc) == 0) {
		json_object_set_new(o, "staking", jhex(enc.data, enc.len));
		svm_id_t kid;
		svm_object_t ko;
		svm_staking_key_id(se.key, &kid);
		if (svm_chain_object(v->n->chain, &kid, &raw) == 0 &&
		    svm_object_decode(raw.data, raw.len, &ko, NULL) == 0 && ko.payload_len == 32)
			json_object_set_new(o, "operator", jhex(ko.payload, 32));
	} else {
		json_object_set_new(o, "staking", json_null());
	}
	svm_buf_free(&enc);
	svm_buf_free(&raw);
	svm_cons_evidence_free(&e);
	return o;
}

json_t *node_vc_evidence_json(svm_node_t *n)
{
	struct node_vc *v = n->vc;
	json_t *arr = json_array();
	if (v == NULL) return arr;
	svm_buf_t *copy = svm_calloc(EVIDENCE_MAX, sizeof *copy);
	if (copy == NULL) return arr;
	pthread_mutex_lock(&n->mu);
	size_t k = v->n_evidence, total = v->evidence_total;
	for (size_t i = 0; i < k; i++) {
		const svm_buf_t *b = &v->evidence[(total - k + i) % EVIDENCE_MAX];
		svm_buf_append(&copy[i], b->data, b->len);
	}
	pthread_mutex_unlock(&n->mu);
	for (size_t i = 0; i < k; i++) {
		json_array_append_new(arr, evidence_json(v, &copy[i]));
		svm_buf_free(&copy[i]);
	}
	svm_free(copy);
	return arr;
}

/* The set of `epoch` (the current one when epoch is UINT64_MAX): [{id, pubkey, stake}] sorted by
 * id (index = bit in QC bitmaps); NULL when this node holds no record of that epoch. */
json_t *node_vc_validators_json(svm_node_t *n, uint64_t epoch)
{
	struct node_vc *v = n->vc;
	if (v == NULL) return NULL;
	svm_cons_valset_t *vs = svm_malloc(sizeof *vs);
	if (vs == NULL) return NULL;
	pthread_mutex_lock(&n->mu);
	*vs = v->vals;
	pthread_mutex_unlock(&n->mu);
	if (epoch != UINT64_MAX && epoch != vs->epoch) {
		svm_hash_t start, seed;
		uint64_t height;
		if (epoch_load(v, true, epoch, vs, &start, &height, &seed) != 0) {
			svm_free(vs);
			return NULL;
		}
	}
	json_t *arr = json_array();
	for (uint32_t i = 0; i < vs->n; i++) {
		char pk[65];
		svm_hex_encode(pk, vs->v[i].pubkey, 32);
		json_array_append_new(arr, json_pack("{s:o, s:s, s:I}", "id", hexj(&vs->v[i].id), "pubkey", pk,
						     "stake", (json_int_t)vs->v[i].stake));
	}
	svm_free(vs);
	return arr;
}

int node_vc_isolate(svm_node_t *n, uint64_t ms)
{
	struct node_vc *v = n->vc;
	if (v == NULL || v->net == NULL) return SVM_ENOTFOUND;
	svm_net_isolate(v->net, ms);
	return 0;
}

bool node_vc_metrics_view(svm_node_t *n, svm_cons_status_t *st, uint64_t *slow_steps, svm_net_t **net)
{
	struct node_vc *v = n->vc;
	if (v == NULL) return false;
	pthread_mutex_lock(&n->mu);
	*st = v->st;
	*slow_steps = v->slow_steps;
	pthread_mutex_unlock(&n->mu);
	*net = v->net;
	return true;
}

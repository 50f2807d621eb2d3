/* libFuzzer target for the consensus state machine as a hostile peer sees it, across crashes: a
 * 4-validator core (validator 0, real Ed25519) is driven by the input as a sequence of
 * operations — raw bytes from any sender, well-signed timeouts, votes, proposals and
 * equivocating proposals built by the harness for the three other validators (so the core gets
 * past signature checks into QCs, TCs, commits and evidence), time passing, failed safety-record
 * writes, the transport's news of sessions closing or coming up, replays of what the core sent, and crashes followed by a restart from the persisted
 * safety record (also from a damaged copy of it, which must be refused or loaded without harm).
 * The core must never crash or leak, and across every restart it must never sign two different
 * votes or two different timeouts for one round, never send a vote or timeout its record on
 * disk does not cover, never propose two different blocks for one round, and never commit a
 * block off its chain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/constest.h"
#include "supervm/consensus.h"

#define STEPS_MAX 96
#define ROUNDS_TRACKED 64 /* rounds whose signed votes/timeouts are remembered */

static svm_keypair_t keys[4];
static svm_cons_valset_t vs;
static svm_hash_t genesis;

/* The world: the disk (the last stored record) and what the validator ever signed. */
static uint8_t disk[SVM_CONS_SAFETY_BYTES_MAX];
static size_t disk_len;
static bool persist_fails;
static svm_hash_t voted[ROUNDS_TRACKED], timed_out[ROUNDS_TRACKED]; /* zero: none */
static svm_hash_t proposed[ROUNDS_TRACKED];                         /* the block the core proposed in a round */
static svm_cons_vote_data_t last_vote;
static bool has_last_vote;
static svm_buf_t last_sent; /* the last message the core sent (replayed by op 7) */
static uint64_t committed_height;
static svm_hash_t committed_id; /* the host's head: what a restarted core is told it committed */
static uint64_t committed_round;

static int h_persist(void *ctx, const uint8_t *rec, size_t len)
{
	(void)ctx;
	if (persist_fails || len > sizeof disk) return SVM_EIO;
	memcpy(disk, rec, len);
	disk_len = len;
	return 0;
}

static int h_commit(void *ctx, const svm_hash_t *id, const uint8_t *blk, size_t len, uint64_t height,
		    const svm_cons_qc_t *qc)
{
	(void)ctx, (void)qc;
	if (height != committed_height + 1) abort(); /* once each, in height order, across restarts */
	static svm_arena_t a;
	svm_block_t b;
	svm_hash_t bid;
	if (svm_block_decode(blk, len, &a, &b, &bid, NULL) != 0 || !svm_hash_eq(&bid, id)) abort();
	committed_height = height;
	committed_id = *id;
	committed_round = b.header.round;
	svm_arena_reset(&a);
	return 0;
}

static const svm_keypair_t *key_of(uint32_t idx)
{
	for (int k = 0; k < 4; k++)
		if (svm_hash_eq(&keys[k].id, &vs.v[idx].id)) return &keys[k];
	abort();
}

/* Records a vote or timeout the core sent and checks it against what it signed before and
 * against the record on disk. */
static void check_signed(const uint8_t *p, size_t len)
{
	static svm_cons_safety_t rec;
	static svm_cons_timeout_t t;
	uint64_t round;
	svm_hash_t h;
	bool is_vote = p[0] == SVM_CONS_TAG_VOTE;
	if (is_vote) {
		svm_cons_vote_t v;
		if (svm_cons_vote_decode(p, len, &v, NULL) != 0) abort();
		round = v.data.round;
		svm_sha256(&v.data, sizeof v.data, &h);
		last_vote = v.data;
		has_last_vote = true;
	} else {
		if (svm_cons_timeout_decode(p, len, &t, NULL) != 0) abort();
		round = t.round;
		svm_sha256(p, len, &h);
	}
	if (svm_cons_safety_decode(disk, disk_len, &rec, NULL) != 0) abort(); /* nothing before it */
	if (rec.last_voted_round < round) abort();
	if (!is_vote && rec.last_timeout_round < round) abort();
	if (round >= ROUNDS_TRACKED) return;
	svm_hash_t *slot = is_vote ? &voted[round] : &timed_out[round];
	static const svm_hash_t zero;
	if (svm_hash_eq(slot, &zero)) *slot = h;
	else if (!svm_hash_eq(slot, &h)) abort(); /* two different votes or timeouts in one round */
}

/* A proposal the core sent: if it is its own (validator 0's), the first block it proposed in
 * that round — across restarts — must be the only one (a restarted leader once re-proposed). */
static void check_proposal(const uint8_t *p, size_t len)
{
	static svm_cons_proposal_t m;
	if (svm_cons_proposal_decode(p, len, NULL, &m, NULL) != 0) abort();
	uint64_t round = m.block.header.round;
	if (!svm_hash_eq(&m.block.header.proposer, &keys[0].id) || round >= ROUNDS_TRACKED) return;
	static const svm_hash_t zero;
	if (svm_hash_eq(&proposed[round], &zero)) proposed[round] = m.block_id;
	else if (!svm_hash_eq(&proposed[round], &m.block_id)) abort(); /* a double proposal */
}

static void check_out(svm_cons_t *c, const svm_cons_out_t *out)
{
	for (size_t i = 0; i < out->n_actions; i++) {
		const uint8_t *p = out->bytes.data + out->actions[i].off;
		size_t len = out->actions[i].len;
		if (len == 0) abort();
		if (p[0] == SVM_CONS_TAG_VOTE || p[0] == SVM_CONS_TAG_TIMEOUT) check_signed(p, len);
		if (p[0] == SVM_CONS_TAG_PROPOSAL) check_proposal(p, len);
		svm_buf_reset(&last_sent);
		svm_buf_append(&last_sent, p, len);
	}
	svm_cons_status_t st;
	svm_cons_status(c, &st);
	if (st.conflicts != 0 || st.committed_height != committed_height) abort();
}

/* A timeout of set index v for round carrying the core's highest QC. */
static void make_timeout(svm_cons_t *c, uint32_t v, uint64_t round, svm_buf_t *out)
{
	static svm_cons_timeout_t t;
	memset(&t, 0, sizeof t);
	t.round = round;
	t.voter = v;
	t.hqc = *svm_cons_highest_qc(c);
	t.epoch = t.hqc.epoch;
	svm_hash_t d;
	svm_cons_timeout_digest(42, t.epoch, round, t.hqc.data.round, &d);
	svm_ed25519_sign(t.sig, d.b, 32, key_of(v)->secret_key);
	svm_cons_timeout_encode(&t, out);
}

/* The vote of set index v for the data the core last voted for. */
static void make_vote(uint32_t v, svm_buf_t *out)
{
	svm_cons_vote_t x = {.data = last_vote, .epoch = 0, .voter = v};
	uint8_t m[SVM_CONS_SIGNED_BYTES];
	svm_cons_vote_message(42, 0, &x.data, m);
	svm_ed25519_sign(x.sig, m, sizeof m, key_of(v)->secret_key);
	svm_cons_vote_encode(&x, out);
}

/* The proposal of the current round's leader extending the core's highest QC (stamp picks the
 * block, so two stamps are an equivocation). False if the core leads or a TC would be needed. */
static bool make_proposal(svm_cons_t *c, uint64_t stamp, svm_buf_t *out)
{
	svm_cons_status_t st;
	svm_cons_status(c, &st);
	const svm_cons_qc_t *hqc = svm_cons_highest_qc(c);
	if ((int32_t)st.leader == st.self || st.round != hqc->data.round + 1) return false;
	svm_buf_t qcb = {0}, blk = {0};
	svm_cons_qc_encode(hqc, &qcb);
	svm_block_t b;
	memset(&b, 0, sizeof b);
	b.header.chain_id = 42;
	b.header.height = hqc->data.height + 1;
	b.header.round = st.round;
	b.header.parent = hqc->data.block_id;
	b.header.proposer = vs.v[st.leader].id;
	b.header.timestamp_ms = stamp;
	b.header.parent_qc = qcb.data;
	b.header.parent_qc_len = qcb.len;
	svm_hash_t id;
	bool ok = svm_block_encode(&b, &blk) == 0 && svm_header_hash(&b.header, &id) == 0;
	if (ok) {
		uint8_t m[SVM_CONS_SIGNED_BYTES], sig[64];
		svm_cons_proposal_message(42, hqc->epoch, b.header.height, st.round, &id, m);
		svm_ed25519_sign(sig, m, sizeof m, key_of(st.leader)->secret_key);
		svm_buf_push(out, SVM_CONS_TAG_PROPOSAL);
		svm_varint_append(out, blk.len);
		svm_buf_append(out, blk.data, blk.len);
		svm_buf_push(out, 0);
		svm_buf_append(out, sig, 64);
	}
	svm_buf_free(&qcb);
	svm_buf_free(&blk);
	return ok;
}

static svm_cons_t *boot(const uint8_t *rec, size_t len)
{
	svm_cons_config_t cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.chain_id = 42;
	cfg.epoch_seed = genesis;
	cfg.genesis_id = genesis;
	/* the host's applied chain survives the crash: its head, not genesis at the head's height
	 * (a core told so took the next QC above the head for a commit off its chain) */
	cfg.committed_id = committed_height > 0 ? committed_id : genesis;
	cfg.committed_height = committed_height;
	cfg.committed_round = committed_round;
	cfg.key = &keys[0];
	cfg.round_timeout_ms = 100;
	cfg.safety = len > 0 ? rec : NULL;
	cfg.safety_len = len;
	svm_cons_host_t host = {NULL, constest_validators, constest_propose, constest_execute, h_commit, h_persist,
				NULL, NULL, NULL, NULL};
	svm_cons_t *c = NULL;
	if (svm_cons_new(&c, &cfg, &host, NULL) != 0) return NULL;
	return c;
}

/* Another validator's set index picked by a byte. */
static uint32_t other(svm_cons_t *c, uint8_t x)
{
	svm_cons_status_t st;
	svm_cons_status(c, &st);
	uint32_t v = (uint32_t)(x % 3);
	return v >= (uint32_t)st.self ? v + 1 : v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (genesis.b[0] == 0) {
		if (constest_set(keys, 4, NULL, &vs, &genesis) != 0) abort();
		svm_log_set_level((svm_log_level_t)(SVM_LOG_ERROR + 1)); /* quiet: failed writes are the point */
	}
	disk_len = 0;
	persist_fails = false;
	memset(voted, 0, sizeof voted);
	memset(timed_out, 0, sizeof timed_out);
	memset(proposed, 0, sizeof proposed);
	has_last_vote = false;
	committed_height = 0;
	committed_round = 0;
	svm_cons_t *c = boot(NULL, 0);
	if (c == NULL) abort();
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	svm_buf_t msg = {0};
	uint64_t now = 0, last_voted = 0;
	svm_cons_start(c, now, &out);
	check_out(c, &out);
	size_t pos = 0;
	for (int steps = 0; steps < STEPS_MAX && pos + 3 <= size; steps++) {
		uint8_t op = data[pos], a = data[pos + 1], b = data[pos + 2];
		pos += 3;
		svm_cons_out_reset(&out);
		svm_buf_reset(&msg);
		svm_cons_status_t st;
		svm_cons_status(c, &st);
		switch (op % 8) {
		case 0: { /* raw bytes from anyone (4 = not a validator) */
			size_t len = (size_t)a | (size_t)(b & 0x0f) << 8;
			if (len > size - pos) len = size - pos;
			uint32_t from = (b >> 4) % 5;
			svm_cons_on_message(c, from == 4 ? SVM_CONS_FROM_UNKNOWN : from, data + pos, len, now, &out);
			pos += len;
			break;
		}
		case 1: /* a timeout of another validator for the round before ours, ours or the next */
			if (st.round + (b % 3) > 1) make_timeout(c, other(c, a), st.round + (b % 3) - 1, &msg);
			if (msg.len > 0) svm_cons_on_message(c, other(c, a), msg.data, msg.len, now, &out);
			break;
		case 2: /* the others vote as the core last did (a mask picks who) */
			for (uint32_t k = 0; k < 3 && has_last_vote; k++) {
				if (!(a >> k & 1)) continue;
				svm_buf_reset(&msg);
				make_vote(other(c, (uint8_t)k), &msg);
				svm_cons_on_message(c, other(c, (uint8_t)k), msg.data, msg.len, now, &out);
			}
			break;
		case 3: /* the round's leader proposes (different stamps: it equivocates) */
			if (make_proposal(c, (uint64_t)a << 8 | b, &msg))
				svm_cons_on_message(c, st.leader, msg.data, msg.len, now, &out);
			break;
		case 4: { /* crash; restart from the record (first from a damaged copy, if b says so) */
			svm_cons_free(c);
			if (b & 1 && disk_len > 0) {
				static uint8_t bad[SVM_CONS_SAFETY_BYTES_MAX];
				memcpy(bad, disk, disk_len);
				bad[((size_t)a << 4 | b >> 4) % disk_len] ^= (uint8_t)(1u << (b >> 1 & 7));
				svm_cons_t *d = boot(bad, disk_len); /* refused, or loaded: never a crash */
				svm_cons_free(d);
			}
			c = boot(disk, disk_len);
			if (c == NULL) abort(); /* the record the core wrote must load */
			svm_cons_start(c, now, &out);
			break;
		}
		case 5: /* time passes */
			now += (uint64_t)a * 8;
			svm_cons_tick(c, now, &out);
			break;
		case 6: /* the next safety-record writes fail (until the next op 6), or (a >= 0xf0) the
			 * transport reports another validator's session closed or up (svm_cons_peer) */
			if (a >= 0xf0) svm_cons_peer(c, other(c, b), b & 0x80, now, &out);
			else persist_fails = !persist_fails;
			break;
		default: /* a validator replays what the core last sent */
			if (last_sent.len > 0) {
				svm_buf_append(&msg, last_sent.data, last_sent.len);
				svm_cons_on_message(c, other(c, a), msg.data, msg.len, now, &out);
			}
			break;
		}
		check_out(c, &out);
		now += 7;
		svm_cons_out_reset(&out);
		svm_cons_tick(c, now, &out);
		check_out(c, &out);
		svm_cons_status(c, &st);
		if (st.last_voted_round < last_voted) abort(); /* never goes back, restarts included */
		last_voted = st.last_voted_round;
	}
	svm_buf_free(&msg);
	svm_buf_free(&last_sent);
	svm_cons_out_free(&out);
	svm_cons_free(c);
	return 0;
}

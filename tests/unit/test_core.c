/* Unit tests for the core layer: canonical encodings of objects, transactions, receipts, block
 * headers and blocks — round trips from a seeded generator, every truncation and single-byte
 * change of valid encodings, layouts checked against an independent encoder written from
 * docs/encoding.md, limits, unknown tags, and transaction signing. Set SVM_TEST_SEED to replay. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervm/core.h"

/* ------------------------------------------------------------ randomness */

static uint64_t rng_state;
static unsigned seed;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }

/* Integers spread over every varint length, with the boundaries. */
static uint64_t rnd_u64(void)
{
	switch (below(5)) {
	case 0: return below(128);
	case 1: return below(1u << 14);
	case 2: return rnd() >> below(64);
	case 3: return UINT64_MAX - below(2);
	default: return (uint64_t)1 << below(64);
	}
}

static void rnd_fill(void *p, size_t n)
{
	for (size_t i = 0; i < n; i++) ((uint8_t *)p)[i] = (uint8_t)rnd();
}

static void init_seed(void)
{
	const char *s = getenv("SVM_TEST_SEED");
	seed = s ? (unsigned)strtoul(s, NULL, 0) : (unsigned)time(NULL);
	rng_state = seed;
}

static svm_arena_t arena;
static svm_keypair_t kp;

static void setup(void)
{
	init_seed();
	cr_assert_eq(svm_crypto_init(), 0);
	svm_arena_init(&arena, 0);
	uint8_t s[32] = {42};
	svm_keypair_from_seed(&kp, s);
}

static void teardown(void) { svm_arena_reset(&arena); }

/* Random bytes of a random length ≤ max (biased to short), from the arena. */
static const uint8_t *rnd_bytes(size_t max, size_t *len)
{
	size_t n = below(4) == 0 ? below(max + 1) : below((max < 40 ? max : 40) + 1);
	uint8_t *p = svm_arena_alloc(&arena, n ? n : 1);
	rnd_fill(p, n);
	*len = n;
	return n ? p : NULL;
}

static int cmp_id(const void *a, const void *b) { return memcmp(a, b, SVM_HASH_SIZE); }

/* --------------------------------------------------------------- generators */

static void gen_object(svm_object_t *o)
{
	memset(o, 0, sizeof *o);
	rnd_fill(o->id.b, 32);
	o->version = rnd_u64();
	o->owner_kind = (uint8_t)below(3);
	if (o->owner_kind == SVM_OWNER_ADDRESS) rnd_fill(o->owner.b, 32);
	o->type = (uint16_t)(1 + below(SVM_OBJ_TYPE_MAX));
	o->payload = rnd_bytes(600, &o->payload_len);
}

/* Fills tx with random fields, disjoint strictly ascending access lists of up to max_objects
 * each, and signs it with kp. sig must outlive tx. */
static void gen_tx(svm_tx_t *tx, uint32_t max_objects, uint8_t sig[64])
{
	memset(tx, 0, sizeof *tx);
	tx->chain_id = rnd_u64();
	tx->sender = kp.id;
	tx->nonce = rnd_u64();
	tx->expiry_height = rnd_u64();
	tx->fee_limit = rnd_u64();
	tx->tip = rnd_u64();
	tx->access_mode = (uint8_t)below(2);
	uint32_t ni = (uint32_t)below(max_objects + 1), nr = (uint32_t)below(max_objects + 1),
		 nw = (uint32_t)below(max_objects + 1);
	uint32_t total = ni + nr + nw;
	svm_id_t *pool = svm_arena_alloc(&arena, (total + 1) * sizeof *pool);
	rnd_fill(pool, total * sizeof *pool);
	qsort(pool, total, sizeof *pool, cmp_id);
	svm_tx_input_t *in = svm_arena_alloc(&arena, (ni + 1) * sizeof *in);
	svm_id_t *rd = svm_arena_alloc(&arena, (nr + 1) * sizeof *rd);
	svm_id_t *wr = svm_arena_alloc(&arena, (nw + 1) * sizeof *wr);
	/* Deal the sorted pool into the three lists so each stays ascending and they are disjoint. */
	uint32_t a = 0, b = 0, c = 0;
	for (uint32_t i = 0; i < total; i++) {
		uint64_t pick = below(total - i);
		if (pick < ni - a) {
			in[a].id = pool[i];
			in[a++].version = rnd_u64();
		} else if (pick < ni - a + nr - b) {
			rd[b++] = pool[i];
		} else {
			wr[c++] = pool[i];
		}
	}
	tx->inputs = ni ? in : NULL;
	tx->inputs_len = ni;
	tx->reads = nr ? rd : NULL;
	tx->reads_len = nr;
	tx->writes = nw ? wr : NULL;
	tx->writes_len = nw;
	tx->vm = (uint8_t)below(2);
	tx->payload = rnd_bytes(2000, &tx->payload_len);
	tx->scheme = SVM_SCHEME_ED25519;
	tx->public_key = kp.public_key;
	tx->public_key_len = 32;
	cr_assert_eq(svm_tx_sign(tx, kp.secret_key, sig, NULL), 0);
}

static void gen_receipt(svm_receipt_t *r)
{
	memset(r, 0, sizeof *r);
	rnd_fill(r->tx_id.b, 32);
	r->status = below(2) ? 0 : (uint8_t)(1 + below((uint64_t)-SVM_E_LAST));
	r->tx_bytes = rnd_u64();
	r->steps = rnd_u64();
	r->mem_bytes = rnd_u64();
	r->fee_charged = rnd_u64();
	r->tip_paid = rnd_u64();
	uint32_t n = (uint32_t)below(below(8) == 0 ? SVM_RECEIPT_EVENTS_MAX + 1 : 4);
	svm_event_t *ev = svm_arena_alloc(&arena, (n + 1) * sizeof *ev);
	for (uint32_t i = 0; i < n; i++) {
		rnd_fill(ev[i].emitter.b, 32);
		ev[i].topic = rnd_bytes(SVM_EVENT_TOPIC_MAX, &ev[i].topic_len);
		ev[i].data = rnd_bytes(300, &ev[i].data_len);
	}
	r->events = n ? ev : NULL;
	r->events_len = n;
	r->return_data = rnd_bytes(SVM_RETURN_DATA_MAX, &r->return_data_len);
}

static void gen_header(svm_header_t *h)
{
	memset(h, 0, sizeof *h);
	h->chain_id = rnd_u64();
	h->height = rnd_u64();
	h->round = rnd_u64();
	rnd_fill(h->parent.b, 32);
	h->timestamp_ms = rnd_u64();
	rnd_fill(h->proposer.b, 32);
	h->tx_count = (uint32_t)below(SVM_BLOCK_TXS_MAX + 1);
	rnd_fill(h->tx_root.b, 32);
	rnd_fill(h->receipts_root.b, 32);
	rnd_fill(h->state_root.b, 32);
	h->parent_qc = rnd_bytes(200, &h->parent_qc_len);
	h->vrf_proof = rnd_bytes(SVM_HEADER_VRF_MAX, &h->vrf_proof_len);
	if (below(2)) h->late_qc = rnd_bytes(200, &h->late_qc_len); /* both tags */
	if (h->late_qc_len == 0) h->late_qc = NULL;
}

/* A block of n random signed transactions (encodings in the arena). */
static void gen_block(svm_block_t *b, uint32_t n)
{
	gen_header(&b->header);
	b->header.tx_count = n;
	svm_slice_t *txs = svm_arena_alloc(&arena, (n + 1) * sizeof *txs);
	for (uint32_t i = 0; i < n; i++) {
		svm_tx_t tx;
		uint8_t sig[64];
		gen_tx(&tx, 3, sig);
		svm_buf_t buf = {0};
		cr_assert_eq(svm_tx_encode(&tx, &buf), 0);
		txs[i] = (svm_slice_t){svm_arena_dup(&arena, buf.data, buf.len), buf.len};
		svm_buf_free(&buf);
	}
	b->txs = n ? txs : NULL;
	b->txs_len = n;
	cr_assert_eq(svm_block_tx_root(b->txs, n, &b->header.tx_root), 0);
}

/* ------------------------------------------------------------- equality */

static bool bytes_eq(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static bool object_eq(const svm_object_t *a, const svm_object_t *b)
{
	return svm_hash_eq(&a->id, &b->id) && a->version == b->version &&
	       a->owner_kind == b->owner_kind && svm_hash_eq(&a->owner, &b->owner) &&
	       a->type == b->type && bytes_eq(a->payload, a->payload_len, b->payload, b->payload_len);
}

static bool tx_eq(const svm_tx_t *a, const svm_tx_t *b)
{
	if (a->chain_id != b->chain_id || !svm_hash_eq(&a->sender, &b->sender) ||
	    a->nonce != b->nonce || a->expiry_height != b->expiry_height ||
	    a->fee_limit != b->fee_limit || a->tip != b->tip || a->access_mode != b->access_mode ||
	    a->inputs_len != b->inputs_len || a->reads_len != b->reads_len ||
	    a->writes_len != b->writes_len || a->vm != b->vm || a->scheme != b->scheme)
		return false;
	for (uint32_t i = 0; i < a->inputs_len; i++)
		if (!svm_hash_eq(&a->inputs[i].id, &b->inputs[i].id) ||
		    a->inputs[i].version != b->inputs[i].version)
			return false;
	for (uint32_t i = 0; i < a->reads_len; i++)
		if (!svm_hash_eq(&a->reads[i], &b->reads[i])) return false;
	for (uint32_t i = 0; i < a->writes_len; i++)
		if (!svm_hash_eq(&a->writes[i], &b->writes[i])) return false;
	return bytes_eq(a->payload, a->payload_len, b->payload, b->payload_len) &&
	       bytes_eq(a->public_key, a->public_key_len, b->public_key, b->public_key_len) &&
	       bytes_eq(a->signature, a->signature_len, b->signature, b->signature_len);
}

static bool receipt_eq(const svm_receipt_t *a, const svm_receipt_t *b)
{
	if (!svm_hash_eq(&a->tx_id, &b->tx_id) || a->status != b->status ||
	    a->tx_bytes != b->tx_bytes || a->steps != b->steps || a->mem_bytes != b->mem_bytes ||
	    a->fee_charged != b->fee_charged || a->tip_paid != b->tip_paid ||
	    a->events_len != b->events_len)
		return false;
	for (uint32_t i = 0; i < a->events_len; i++) {
		const svm_event_t *x = &a->events[i], *y = &b->events[i];
		if (!svm_hash_eq(&x->emitter, &y->emitter) ||
		    !bytes_eq(x->topic, x->topic_len, y->topic, y->topic_len) ||
		    !bytes_eq(x->data, x->data_len, y->data, y->data_len))
			return false;
	}
	return bytes_eq(a->return_data, a->return_data_len, b->return_data, b->return_data_len);
}

static bool header_eq(const svm_header_t *a, const svm_header_t *b)
{
	return a->chain_id == b->chain_id && a->height == b->height && a->round == b->round &&
	       svm_hash_eq(&a->parent, &b->parent) && a->timestamp_ms == b->timestamp_ms &&
	       svm_hash_eq(&a->proposer, &b->proposer) && a->tx_count == b->tx_count &&
	       svm_hash_eq(&a->tx_root, &b->tx_root) &&
	       svm_hash_eq(&a->receipts_root, &b->receipts_root) &&
	       svm_hash_eq(&a->state_root, &b->state_root) &&
	       bytes_eq(a->parent_qc, a->parent_qc_len, b->parent_qc, b->parent_qc_len) &&
	       bytes_eq(a->vrf_proof, a->vrf_proof_len, b->vrf_proof, b->vrf_proof_len) &&
	       bytes_eq(a->late_qc, a->late_qc_len, b->late_qc, b->late_qc_len);
}

static bool block_eq(const svm_block_t *a, const svm_block_t *b)
{
	if (!header_eq(&a->header, &b->header) || a->txs_len != b->txs_len) return false;
	for (uint32_t i = 0; i < a->txs_len; i++)
		if (!bytes_eq(a->txs[i].p, a->txs[i].len, b->txs[i].p, b->txs[i].len)) return false;
	return true;
}

/* ------------------------------------------- generic decode → re-encode checks */

/* Decodes p[len] as one kind and, on success, re-encodes into out. Returns the decode result. */
typedef int (*recode_fn)(const uint8_t *p, size_t len, svm_arena_t *a, svm_buf_t *out);

static int recode_object(const uint8_t *p, size_t len, svm_arena_t *a, svm_buf_t *out)
{
	svm_object_t o;
	int rc = svm_object_decode(p, len, &o, NULL);
	if (rc == 0) cr_assert_eq(svm_object_encode(&o, out), 0);
	return rc;
}

static int recode_tx(const uint8_t *p, size_t len, svm_arena_t *a, svm_buf_t *out)
{
	svm_tx_t tx;
	svm_hash_t id, id2;
	int rc = svm_tx_decode(p, len, a, &tx, &id, NULL);
	if (rc == 0) {
		cr_assert_eq(svm_tx_encode(&tx, out), 0);
		cr_assert_eq(svm_tx_id(&tx, &id2), 0);
		cr_assert(svm_hash_eq(&id, &id2), "decoded id differs from svm_tx_id, seed %u", seed);
	}
	return rc;
}

static int recode_receipt(const uint8_t *p, size_t len, svm_arena_t *a, svm_buf_t *out)
{
	svm_receipt_t r;
	int rc = svm_receipt_decode(p, len, a, &r, NULL);
	if (rc == 0) cr_assert_eq(svm_receipt_encode(&r, out), 0);
	return rc;
}

static int recode_header(const uint8_t *p, size_t len, svm_arena_t *a, svm_buf_t *out)
{
	svm_header_t h;
	int rc = svm_header_decode(p, len, &h, NULL);
	if (rc == 0) cr_assert_eq(svm_header_encode(&h, out), 0);
	return rc;
}

static int recode_block(const uint8_t *p, size_t len, svm_arena_t *a, svm_buf_t *out)
{
	svm_block_t b;
	svm_hash_t hash, want;
	int rc = svm_block_decode(p, len, a, &b, &hash, NULL);
	if (rc == 0) {
		cr_assert_eq(svm_block_encode(&b, out), 0);
		cr_assert_eq(svm_header_hash(&b.header, &want), 0);
		cr_assert(svm_hash_eq(&hash, &want), "block hash, seed %u", seed);
	}
	return rc;
}

/* The decoder property: every proper prefix is rejected, and every single-byte change is either
 * rejected or decodes to a value that re-encodes to exactly the changed bytes. */
static void check_mutations(const uint8_t *enc, size_t len, recode_fn recode, const char *what)
{
	svm_buf_t out = {0};
	svm_arena_t a;
	svm_arena_init(&a, 0);
	cr_assert_eq(recode(enc, len, &a, &out), 0, "%s: valid encoding rejected, seed %u", what,
		     seed);
	cr_assert(bytes_eq(out.data, out.len, enc, len), "%s: not canonical, seed %u", what, seed);
	for (size_t cut = 0; cut < len; cut++) {
		/* A heap copy of exactly cut bytes, so ASan catches any over-read. */
		uint8_t *p = malloc(cut ? cut : 1);
		memcpy(p, enc, cut);
		svm_buf_reset(&out);
		cr_assert_neq(recode(p, cut, &a, &out), 0, "%s: prefix %zu/%zu accepted, seed %u",
			      what, cut, len, seed);
		free(p);
		svm_arena_reset(&a);
	}
	uint8_t *m = malloc(len);
	memcpy(m, enc, len);
	size_t accepted = 0;
	for (size_t i = 0; i < len; i++) {
		for (unsigned v = 0; v < 256; v++) {
			if (v == enc[i]) continue;
			m[i] = (uint8_t)v;
			svm_buf_reset(&out);
			if (recode(m, len, &a, &out) == 0) {
				accepted++;
				cr_assert(bytes_eq(out.data, out.len, m, len),
					  "%s: byte %zu = 0x%02x decodes but re-encodes differently, "
					  "seed %u",
					  what, i, v, seed);
			}
			svm_arena_reset(&a);
		}
		m[i] = enc[i];
	}
	cr_assert_gt(accepted, 0, "%s: no mutation decoded at all (suspicious)", what);
	free(m);
	svm_buf_free(&out);
}

/* ------------------------------------------------- independent encoder (docs) */

static void put(svm_buf_t *b, uint8_t v) { cr_assert_eq(svm_buf_push(b, v), 0); }
static void put_n(svm_buf_t *b, const void *p, size_t n)
{
	cr_assert_eq(svm_buf_append(b, p, n), 0);
}
static void put_var(svm_buf_t *b, uint64_t v)
{
	while (v >= 0x80) {
		put(b, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	put(b, (uint8_t)v);
}
static void put_str(svm_buf_t *b, const uint8_t *p, size_t n)
{
	put_var(b, n);
	put_n(b, p, n);
}

/* Writes tx exactly as docs/encoding.md lays it out, without validating anything, so tests can
 * also build encodings the library would refuse to produce. */
static void doc_tx(svm_buf_t *b, const svm_tx_t *tx, bool with_sig)
{
	put(b, 0x01);
	put_var(b, tx->chain_id);
	put_n(b, tx->sender.b, 32);
	put_var(b, tx->nonce);
	put_var(b, tx->expiry_height);
	put_var(b, tx->fee_limit);
	put_var(b, tx->tip);
	put(b, tx->access_mode);
	put_var(b, tx->inputs_len);
	for (uint32_t i = 0; i < tx->inputs_len; i++) {
		put_n(b, tx->inputs[i].id.b, 32);
		put_var(b, tx->inputs[i].version);
	}
	put_var(b, tx->reads_len);
	for (uint32_t i = 0; i < tx->reads_len; i++) put_n(b, tx->reads[i].b, 32);
	put_var(b, tx->writes_len);
	for (uint32_t i = 0; i < tx->writes_len; i++) put_n(b, tx->writes[i].b, 32);
	put(b, tx->vm);
	put_str(b, tx->payload, tx->payload_len);
	put(b, tx->scheme);
	put_n(b, tx->public_key, tx->public_key_len);
	if (with_sig) put_n(b, tx->signature, tx->signature_len);
}

static void doc_object(svm_buf_t *b, const svm_object_t *o)
{
	put(b, 0x04);
	put_n(b, o->id.b, 32);
	put_var(b, o->version);
	put(b, o->owner_kind);
	if (o->owner_kind == 0) put_n(b, o->owner.b, 32);
	put_var(b, o->type);
	put_str(b, o->payload, o->payload_len);
}

static void doc_receipt(svm_buf_t *b, const svm_receipt_t *r)
{
	put(b, 0x02);
	put_n(b, r->tx_id.b, 32);
	put(b, r->status);
	put_var(b, r->tx_bytes);
	put_var(b, r->steps);
	put_var(b, r->mem_bytes);
	put_var(b, r->fee_charged);
	put_var(b, r->tip_paid);
	put_var(b, r->events_len);
	for (uint32_t i = 0; i < r->events_len; i++) {
		put_n(b, r->events[i].emitter.b, 32);
		put_str(b, r->events[i].topic, r->events[i].topic_len);
		put_str(b, r->events[i].data, r->events[i].data_len);
	}
	put_str(b, r->return_data, r->return_data_len);
}

static void doc_header(svm_buf_t *b, const svm_header_t *h)
{
	put(b, h->late_qc_len > 0 ? 0x07 : 0x03);
	put_var(b, h->chain_id);
	put_var(b, h->height);
	put_var(b, h->round);
	put_n(b, h->parent.b, 32);
	put_var(b, h->timestamp_ms);
	put_n(b, h->proposer.b, 32);
	put_var(b, h->tx_count);
	put_n(b, h->tx_root.b, 32);
	put_n(b, h->receipts_root.b, 32);
	put_n(b, h->state_root.b, 32);
	put_str(b, h->parent_qc, h->parent_qc_len);
	put_str(b, h->vrf_proof, h->vrf_proof_len);
	if (h->late_qc_len > 0) put_str(b, h->late_qc, h->late_qc_len);
}

static void doc_block(svm_buf_t *b, const svm_block_t *blk)
{
	put(b, 0x05);
	doc_header(b, &blk->header);
	put_var(b, blk->txs_len);
	for (uint32_t i = 0; i < blk->txs_len; i++) put_str(b, blk->txs[i].p, blk->txs[i].len);
}

/* ================================================================== objects */

TestSuite(object, .init = setup, .fini = teardown);

Test(object, round_trip_decode_of_encode_is_identity_and_matches_documented_layout)
{
	for (int it = 0; it < 2000; it++) {
		svm_object_t o, back;
		gen_object(&o);
		svm_buf_t enc = {0}, doc = {0}, re = {0};
		cr_assert_eq(svm_object_encode(&o, &enc), 0, "seed %u", seed);
		doc_object(&doc, &o);
		cr_assert(bytes_eq(enc.data, enc.len, doc.data, doc.len), "layout, seed %u", seed);
		cr_assert_eq(svm_object_decode(enc.data, enc.len, &back, NULL), 0, "seed %u", seed);
		cr_assert(object_eq(&o, &back), "seed %u", seed);
		cr_assert_eq(svm_object_encode(&back, &re), 0);
		cr_assert(bytes_eq(enc.data, enc.len, re.data, re.len), "seed %u", seed);
		svm_buf_free(&enc);
		svm_buf_free(&doc);
		svm_buf_free(&re);
	}
}

Test(object, every_truncation_rejected_every_byte_change_rejected_or_canonical)
{
	for (int it = 0; it < 3; it++) {
		svm_object_t o;
		gen_object(&o);
		o.owner_kind = (uint8_t)it;
		if (it != 0) memset(o.owner.b, 0, 32);
		o.payload_len = o.payload_len > 40 ? 40 : o.payload_len;
		svm_buf_t enc = {0};
		cr_assert_eq(svm_object_encode(&o, &enc), 0);
		check_mutations(enc.data, enc.len, recode_object, "object");
		svm_buf_free(&enc);
	}
}

Test(object, rejects_unknown_owner_kind_and_type_and_bad_structs)
{
	svm_object_t o = {.version = 7, .owner_kind = SVM_OWNER_SHARED, .type = SVM_OBJ_BALANCE};
	svm_buf_t b = {0};
	svm_object_t back;
	svm_error_t err;
	o.owner_kind = 3;
	cr_assert_eq(svm_object_encode(&o, &b), SVM_EINVAL);
	cr_assert_eq(b.len, 0, "failed encode must not leave bytes");
	doc_object(&b, &o);
	cr_assert_eq(svm_object_decode(b.data, b.len, &back, &err), SVM_EDECODE);
	cr_assert(strstr(err.msg, "owner_kind"), "%s", err.msg);
	o.owner_kind = SVM_OWNER_SHARED;
	for (unsigned t = 0; t < 300; t++) {
		o.type = (uint16_t)t;
		svm_buf_reset(&b);
		doc_object(&b, &o);
		int want = (t >= 1 && t <= SVM_OBJ_TYPE_MAX) ? 0 : SVM_EDECODE;
		cr_assert_eq(svm_object_decode(b.data, b.len, &back, NULL), want, "type %u", t);
		svm_buf_reset(&b);
		cr_assert_eq(svm_object_encode(&o, &b), want ? SVM_EINVAL : 0, "type %u", t);
	}
	o.type = SVM_OBJ_CODE;
	o.owner.b[5] = 1; /* an owner on a shared object has no encoding */
	svm_buf_reset(&b);
	cr_assert_eq(svm_object_encode(&o, &b), SVM_EINVAL);
	o.owner_kind = SVM_OWNER_ADDRESS;
	cr_assert_eq(svm_object_encode(&o, &b), 0);
	o.payload_len = 3; /* NULL payload with a length */
	cr_assert_eq(svm_object_encode(&o, &b), SVM_EINVAL);
	svm_buf_free(&b);
}

Test(object, payload_limit)
{
	uint8_t *big = calloc(1, SVM_OBJECT_PAYLOAD_MAX + 1);
	svm_object_t o = {.owner_kind = SVM_OWNER_IMMUTABLE, .type = SVM_OBJ_CODE, .payload = big};
	svm_buf_t b = {0};
	svm_object_t back;
	o.payload_len = SVM_OBJECT_PAYLOAD_MAX;
	cr_assert_eq(svm_object_encode(&o, &b), 0);
	cr_assert_eq(svm_object_decode(b.data, b.len, &back, NULL), 0);
	o.payload_len = SVM_OBJECT_PAYLOAD_MAX + 1;
	cr_assert_eq(svm_object_encode(&o, &b), SVM_ELIMIT);
	svm_buf_reset(&b);
	doc_object(&b, &o);
	cr_assert_eq(svm_object_decode(b.data, b.len, &back, NULL), SVM_ELIMIT);
	svm_buf_free(&b);
	free(big);
}

/* ============================================================= transactions */

TestSuite(tx, .init = setup, .fini = teardown);

Test(tx, round_trip_decode_of_encode_is_identity_and_matches_documented_layout)
{
	for (int it = 0; it < 1000; it++) {
		svm_tx_t tx, back;
		uint8_t sig[64];
		gen_tx(&tx, it % 10 == 0 ? SVM_TX_OBJECTS_MAX : 4, sig);
		svm_buf_t enc = {0}, doc = {0}, re = {0}, uns = {0};
		cr_assert_eq(svm_tx_encode(&tx, &enc), 0, "seed %u", seed);
		doc_tx(&doc, &tx, true);
		cr_assert(bytes_eq(enc.data, enc.len, doc.data, doc.len), "layout, seed %u", seed);
		svm_hash_t id, want;
		cr_assert_eq(svm_tx_decode(enc.data, enc.len, &arena, &back, &id, NULL), 0, "seed %u",
			     seed);
		cr_assert(tx_eq(&tx, &back), "seed %u", seed);
		cr_assert_eq(svm_tx_encode(&back, &re), 0);
		cr_assert(bytes_eq(enc.data, enc.len, re.data, re.len), "seed %u", seed);
		/* id = SHA-256(unsigned encoding) = the signed encoding minus its signature. */
		cr_assert_eq(svm_tx_encode_unsigned(&tx, &uns), 0);
		cr_assert_eq(uns.len + 64, enc.len);
		cr_assert_eq(memcmp(uns.data, enc.data, uns.len), 0);
		svm_sha256(uns.data, uns.len, &want);
		cr_assert(svm_hash_eq(&id, &want), "seed %u", seed);
		cr_assert_eq(svm_tx_verify(&back, &id), 0, "seed %u", seed);
		cr_assert_eq(svm_tx_verify(&back, NULL), 0, "seed %u", seed);
		svm_buf_free(&enc);
		svm_buf_free(&doc);
		svm_buf_free(&re);
		svm_buf_free(&uns);
		svm_arena_reset(&arena);
	}
}

Test(tx, every_truncation_rejected_every_byte_change_rejected_or_canonical)
{
	for (int it = 0; it < 3; it++) {
		svm_tx_t tx;
		uint8_t sig[64];
		gen_tx(&tx, 2, sig);
		tx.payload_len = tx.payload_len > 20 ? 20 : tx.payload_len;
		cr_assert_eq(svm_tx_sign(&tx, kp.secret_key, sig, NULL), 0);
		svm_buf_t enc = {0};
		cr_assert_eq(svm_tx_encode(&tx, &enc), 0);
		check_mutations(enc.data, enc.len, recode_tx, "tx");
		svm_buf_free(&enc);
	}
}

Test(tx, any_one_bit_change_of_a_signed_tx_fails_verification)
{
	svm_tx_t tx;
	uint8_t sig[64];
	gen_tx(&tx, 2, sig);
	svm_buf_t enc = {0};
	cr_assert_eq(svm_tx_encode(&tx, &enc), 0);
	size_t decoded = 0;
	for (size_t bit = 0; bit < enc.len * 8; bit++) {
		enc.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		svm_tx_t m;
		svm_hash_t id;
		if (svm_tx_decode(enc.data, enc.len, &arena, &m, &id, NULL) == 0) {
			decoded++;
			cr_assert_eq(svm_tx_verify(&m, &id), SVM_ESIG, "bit %zu verifies, seed %u", bit,
				     seed);
			cr_assert_eq(svm_tx_verify(&m, NULL), SVM_ESIG);
		}
		enc.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		svm_arena_reset(&arena);
	}
	cr_assert_gt(decoded, enc.len * 4, "most bit flips should still decode");
	svm_buf_free(&enc);
}

Test(tx, one_bit_change_in_each_field_struct_fails_verification)
{
	svm_tx_t tx;
	uint8_t sig[64];
	gen_tx(&tx, 0, sig);
	cr_assert_eq(svm_tx_verify(&tx, NULL), 0);
	svm_tx_t m;
#define FLIP_FAILS(field)                                                                          \
	do {                                                                                       \
		m = tx;                                                                            \
		m.field ^= 1;                                                                      \
		cr_assert_eq(svm_tx_verify(&m, NULL), SVM_ESIG, #field);                           \
	} while (0)
	FLIP_FAILS(chain_id);
	FLIP_FAILS(nonce);
	FLIP_FAILS(expiry_height);
	FLIP_FAILS(fee_limit);
	FLIP_FAILS(tip);
	FLIP_FAILS(access_mode);
	FLIP_FAILS(vm);
#undef FLIP_FAILS
	m = tx;
	m.sender.b[31] ^= 0x80;
	cr_assert_eq(svm_tx_verify(&m, NULL), SVM_ESIG);
	uint8_t copy[64];
	memcpy(copy, sig, 64);
	m = tx;
	m.signature = copy;
	copy[10] ^= 4;
	cr_assert_eq(svm_tx_verify(&m, NULL), SVM_ESIG);
	uint8_t pay[8] = {0};
	m = tx;
	m.payload = pay;
	m.payload_len = 8;
	cr_assert_eq(svm_tx_verify(&m, NULL), SVM_ESIG);
	m = tx;
	m.scheme = 9;
	cr_assert_eq(svm_tx_verify(&m, NULL), SVM_EUNSUPPORTED);
}

Test(tx, mismatched_sender_fails_even_with_a_valid_signature)
{
	svm_tx_t tx;
	uint8_t sig[64];
	gen_tx(&tx, 1, sig);
	svm_keypair_t other;
	svm_keypair_random(&other);
	tx.sender = other.id; /* claims someone else's account, signs with its own key */
	cr_assert_eq(svm_tx_sign(&tx, kp.secret_key, sig, NULL), 0);
	cr_assert_eq(svm_tx_verify(&tx, NULL), SVM_ESIG);
	/* Signing with a key that is not tx->public_key is refused. */
	cr_assert_eq(svm_tx_sign(&tx, other.secret_key, sig, NULL), SVM_EINVAL);
	/* Another key, consistently set as sender and public key, signs and verifies. */
	tx.public_key = other.public_key;
	cr_assert_eq(svm_tx_sign(&tx, other.secret_key, sig, NULL), 0);
	cr_assert_eq(svm_tx_verify(&tx, NULL), 0);
	svm_hash_t wrong = {{1}};
	cr_assert_eq(svm_tx_verify(&tx, &wrong), SVM_ESIG);
}

Test(tx, signature_covers_tagged_id)
{
	svm_tx_t tx;
	uint8_t sig[64];
	svm_hash_t id, id2;
	gen_tx(&tx, 1, sig);
	cr_assert_eq(svm_tx_sign(&tx, kp.secret_key, sig, &id), 0);
	cr_assert_eq(svm_tx_id(&tx, &id2), 0);
	cr_assert(svm_hash_eq(&id, &id2));
	uint8_t msg[38];
	memcpy(msg, "svm/tx", 6);
	memcpy(msg + 6, id.b, 32);
	cr_assert_eq(svm_ed25519_verify(sig, msg, sizeof msg, kp.public_key), 0);
	cr_assert_eq(svm_ed25519_verify(sig, id.b, 32, kp.public_key), SVM_ESIG);
}

/* Decodes b with the error expected; err names the field. */
static void expect_tx_reject(svm_buf_t *b, int want, const char *field)
{
	svm_tx_t back;
	svm_error_t err = {0};
	cr_assert_eq(svm_tx_decode(b->data, b->len, &arena, &back, NULL, &err), want, "%s: %s", field,
		     err.msg);
	if (field) cr_assert(strstr(err.msg, field), "message '%s' should name %s", err.msg, field);
	svm_buf_reset(b);
}

Test(tx, rejects_unsorted_duplicate_and_overlapping_access_lists)
{
	svm_tx_t tx;
	uint8_t sig[64];
	gen_tx(&tx, 0, sig);
	svm_id_t ids[3];
	memset(ids, 0, sizeof ids);
	ids[0].b[0] = 1;
	ids[1].b[0] = 2;
	ids[2].b[0] = 3;
	svm_id_t unsorted[2] = {ids[1], ids[0]}, dup[2] = {ids[0], ids[0]};
	svm_tx_input_t in_unsorted[2] = {{ids[1], 1}, {ids[0], 1}}, in_ok[1] = {{ids[0], 5}};
	svm_buf_t b = {0};

	svm_tx_t m = tx;
	m.reads = unsorted;
	m.reads_len = 2;
	cr_assert_eq(svm_tx_encode(&m, &b), SVM_EINVAL);
	doc_tx(&b, &m, true);
	expect_tx_reject(&b, SVM_EDECODE, "tx.reads");
	m.reads = dup;
	cr_assert_eq(svm_tx_encode(&m, &b), SVM_EINVAL);
	doc_tx(&b, &m, true);
	expect_tx_reject(&b, SVM_EDECODE, "tx.reads");
	m = tx;
	m.writes = unsorted;
	m.writes_len = 2;
	doc_tx(&b, &m, true);
	expect_tx_reject(&b, SVM_EDECODE, "tx.writes");
	m = tx;
	m.inputs = in_unsorted;
	m.inputs_len = 2;
	cr_assert_eq(svm_tx_encode(&m, &b), SVM_EINVAL);
	doc_tx(&b, &m, true);
	expect_tx_reject(&b, SVM_EDECODE, "tx.inputs");
	/* The same id in two lists. */
	m = tx;
	m.inputs = in_ok;
	m.inputs_len = 1;
	m.writes = &ids[0];
	m.writes_len = 1;
	cr_assert_eq(svm_tx_encode(&m, &b), SVM_EINVAL);
	doc_tx(&b, &m, true);
	expect_tx_reject(&b, SVM_EDECODE, "inputs/reads/writes");
	m = tx;
	m.reads = &ids[1];
	m.reads_len = 1;
	m.writes = &ids[1];
	m.writes_len = 1;
	cr_assert_eq(svm_tx_encode(&m, &b), SVM_EINVAL);
	doc_tx(&b, &m, true);
	expect_tx_reject(&b, SVM_EDECODE, "inputs/reads/writes");
	/* Disjoint and ascending is fine. */
	m.writes = &ids[2];
	cr_assert_eq(svm_tx_encode(&m, &b), 0);
	svm_buf_free(&b);
}

Test(tx, rejects_unknown_tags_enums_schemes_and_trailing_bytes)
{
	svm_tx_t tx;
	uint8_t sig[64];
	gen_tx(&tx, 1, sig);
	svm_buf_t b = {0};
	svm_tx_t m = tx;
	m.access_mode = 2;
	cr_assert_eq(svm_tx_encode(&m, &b), SVM_EINVAL);
	doc_tx(&b, &m, true);
	expect_tx_reject(&b, SVM_EDECODE, "access_mode");
	m = tx;
	m.vm = 2;
	cr_assert_eq(svm_tx_encode(&m, &b), SVM_EINVAL);
	doc_tx(&b, &m, true);
	expect_tx_reject(&b, SVM_EDECODE, "tx.vm");
	m = tx;
	m.scheme = 2;
	cr_assert_eq(svm_tx_encode(&m, &b), SVM_EUNSUPPORTED);
	doc_tx(&b, &m, true);
	expect_tx_reject(&b, SVM_EDECODE, "scheme");
	doc_tx(&b, &tx, true);
	b.data[0] = SVM_TAG_RECEIPT;
	expect_tx_reject(&b, SVM_EDECODE, "tag");
	doc_tx(&b, &tx, true);
	cr_assert_eq(svm_buf_push(&b, 0), 0);
	expect_tx_reject(&b, SVM_EDECODE, "trailing");
	expect_tx_reject(&b, SVM_EDECODE, "empty");
	/* A non-minimal varint (chain id 5 as 0x85 0x00) is not the canonical encoding. */
	m = tx;
	m.chain_id = 5;
	doc_tx(&b, &m, true);
	cr_assert_eq(b.data[1], 5);
	svm_buf_t nm = {0};
	put(&nm, 0x01);
	put(&nm, 0x85);
	put(&nm, 0x00);
	put_n(&nm, b.data + 2, b.len - 2);
	expect_tx_reject(&nm, SVM_EDECODE, "chain_id");
	svm_buf_free(&nm);
	svm_buf_free(&b);
}

Test(tx, limits_on_payload_objects_and_total_bytes)
{
	svm_tx_t tx;
	uint8_t sig[64];
	gen_tx(&tx, 0, sig);
	svm_buf_t b = {0};
	uint8_t *big = calloc(1, SVM_TX_BYTES_MAX + 1);
	svm_tx_t m = tx;
	m.payload = big;
	m.payload_len = SVM_TX_PAYLOAD_MAX;
	cr_assert_eq(svm_tx_encode(&m, &b), 0);
	svm_tx_t back;
	cr_assert_eq(svm_tx_decode(b.data, b.len, &arena, &back, NULL, NULL), 0);
	svm_buf_reset(&b);
	m.payload_len = SVM_TX_PAYLOAD_MAX + 1;
	cr_assert_eq(svm_tx_encode(&m, &b), SVM_ELIMIT);
	doc_tx(&b, &m, true);
	expect_tx_reject(&b, SVM_ELIMIT, "payload");

	/* 65 reads. */
	svm_id_t *ids = calloc(SVM_TX_OBJECTS_MAX + 1, sizeof *ids);
	for (int i = 0; i <= SVM_TX_OBJECTS_MAX; i++) ids[i].b[0] = (uint8_t)(i + 1);
	m = tx;
	m.reads = ids;
	m.reads_len = SVM_TX_OBJECTS_MAX;
	cr_assert_eq(svm_tx_encode(&m, &b), 0);
	svm_buf_reset(&b);
	m.reads_len = SVM_TX_OBJECTS_MAX + 1;
	cr_assert_eq(svm_tx_encode(&m, &b), SVM_ELIMIT);
	doc_tx(&b, &m, true);
	expect_tx_reject(&b, SVM_ELIMIT, "tx.reads");

	/* Full access lists plus a full payload exceed the byte limit. */
	svm_id_t *w = calloc(SVM_TX_OBJECTS_MAX, sizeof *w);
	svm_tx_input_t *in = calloc(SVM_TX_OBJECTS_MAX, sizeof *in);
	for (int i = 0; i < SVM_TX_OBJECTS_MAX; i++) {
		w[i].b[0] = 0x80;
		w[i].b[1] = (uint8_t)i;
		in[i].id.b[0] = 0xc0;
		in[i].id.b[1] = (uint8_t)i;
		in[i].version = UINT64_MAX;
	}
	m.reads_len = SVM_TX_OBJECTS_MAX;
	m.writes = w;
	m.writes_len = SVM_TX_OBJECTS_MAX;
	m.inputs = in;
	m.inputs_len = SVM_TX_OBJECTS_MAX;
	m.payload = big;
	m.payload_len = SVM_TX_PAYLOAD_MAX;
	cr_assert_eq(svm_tx_encode(&m, &b), SVM_ELIMIT);
	cr_assert_eq(b.len, 0);
	doc_tx(&b, &m, true);
	cr_assert_gt(b.len, SVM_TX_BYTES_MAX);
	expect_tx_reject(&b, SVM_ELIMIT, "bytes");
	/* svm_tx_id of such a tx takes the heap path and still refuses. */
	svm_hash_t id;
	cr_assert_eq(svm_tx_id(&m, &id), SVM_ELIMIT);
	/* A large but valid tx hashes through the heap path, equal to the decoder's id. */
	m.payload_len = 20000;
	cr_assert_eq(svm_tx_sign(&m, kp.secret_key, sig, &id), 0);
	cr_assert_eq(svm_tx_encode(&m, &b), 0);
	svm_hash_t id2;
	cr_assert_eq(svm_tx_decode(b.data, b.len, &arena, &back, &id2, NULL), 0);
	cr_assert(svm_hash_eq(&id, &id2));
	cr_assert_eq(svm_tx_verify(&back, &id2), 0);
	free(w);
	free(in);
	free(ids);
	free(big);
	svm_buf_free(&b);
}

Test(tx, decode_arena_exhaustion_is_enomem_not_a_crash)
{
	svm_tx_t tx;
	uint8_t sig[64];
	gen_tx(&tx, 0, sig);
	svm_id_t ids[4];
	memset(ids, 0, sizeof ids);
	for (int i = 0; i < 4; i++) ids[i].b[0] = (uint8_t)i;
	tx.reads = ids;
	tx.reads_len = 4;
	svm_buf_t b = {0};
	cr_assert_eq(svm_tx_sign(&tx, kp.secret_key, sig, NULL), 0);
	cr_assert_eq(svm_tx_encode(&tx, &b), 0);
	svm_arena_t tiny;
	svm_arena_init(&tiny, 64);
	svm_tx_t back;
	cr_assert_eq(svm_tx_decode(b.data, b.len, &tiny, &back, NULL, NULL), SVM_ENOMEM);
	svm_arena_reset(&tiny);
	svm_buf_free(&b);
}

/* ================================================================= receipts */

TestSuite(receipt, .init = setup, .fini = teardown);

Test(receipt, round_trip_decode_of_encode_is_identity_and_matches_documented_layout)
{
	for (int it = 0; it < 1000; it++) {
		svm_receipt_t r, back;
		gen_receipt(&r);
		svm_buf_t enc = {0}, doc = {0}, re = {0};
		cr_assert_eq(svm_receipt_encode(&r, &enc), 0, "seed %u", seed);
		doc_receipt(&doc, &r);
		cr_assert(bytes_eq(enc.data, enc.len, doc.data, doc.len), "layout, seed %u", seed);
		cr_assert_eq(svm_receipt_decode(enc.data, enc.len, &arena, &back, NULL), 0, "seed %u",
			     seed);
		cr_assert(receipt_eq(&r, &back), "seed %u", seed);
		cr_assert_eq(svm_receipt_encode(&back, &re), 0);
		cr_assert(bytes_eq(enc.data, enc.len, re.data, re.len), "seed %u", seed);
		svm_buf_free(&enc);
		svm_buf_free(&doc);
		svm_buf_free(&re);
		svm_arena_reset(&arena);
	}
}

Test(receipt, every_truncation_rejected_every_byte_change_rejected_or_canonical)
{
	for (int it = 0; it < 3; it++) {
		svm_receipt_t r;
		gen_receipt(&r);
		r.events_len = r.events_len > 2 ? 2 : r.events_len;
		for (uint32_t i = 0; i < r.events_len; i++) {
			svm_event_t *e = (svm_event_t *)&r.events[i];
			e->data_len = e->data_len > 8 ? 8 : e->data_len;
		}
		r.return_data_len = r.return_data_len > 8 ? 8 : r.return_data_len;
		svm_buf_t enc = {0};
		cr_assert_eq(svm_receipt_encode(&r, &enc), 0);
		check_mutations(enc.data, enc.len, recode_receipt, "receipt");
		svm_buf_free(&enc);
	}
}

Test(receipt, status_codes_and_limits)
{
	cr_assert_eq(svm_receipt_status(0), 0);
	cr_assert_eq(svm_receipt_status(SVM_EFUNDS), 12);
	cr_assert_eq(svm_receipt_status(SVM_E_LAST), (uint8_t)-SVM_E_LAST);
	svm_receipt_t r = {0}, back;
	svm_buf_t b = {0};
	for (unsigned s = 0; s < 256; s++) {
		r.status = (uint8_t)s;
		int want = s <= (unsigned)-SVM_E_LAST ? 0 : SVM_EDECODE;
		svm_buf_reset(&b);
		doc_receipt(&b, &r);
		cr_assert_eq(svm_receipt_decode(b.data, b.len, &arena, &back, NULL), want, "%u", s);
		svm_buf_reset(&b);
		cr_assert_eq(svm_receipt_encode(&r, &b), want ? SVM_EINVAL : 0, "%u", s);
	}
	r.status = 0;
	static uint8_t big[SVM_EVENT_DATA_MAX + 1];
	svm_event_t ev[SVM_RECEIPT_EVENTS_MAX + 1];
	memset(ev, 0, sizeof ev);
	r.events = ev;
	r.events_len = SVM_RECEIPT_EVENTS_MAX + 1;
	svm_buf_reset(&b);
	cr_assert_eq(svm_receipt_encode(&r, &b), SVM_ELIMIT);
	doc_receipt(&b, &r);
	cr_assert_eq(svm_receipt_decode(b.data, b.len, &arena, &back, NULL), SVM_ELIMIT);
	r.events_len = 1;
	ev[0].topic = big;
	ev[0].topic_len = SVM_EVENT_TOPIC_MAX + 1;
	svm_buf_reset(&b);
	cr_assert_eq(svm_receipt_encode(&r, &b), SVM_ELIMIT);
	doc_receipt(&b, &r);
	cr_assert_eq(svm_receipt_decode(b.data, b.len, &arena, &back, NULL), SVM_ELIMIT);
	ev[0].topic_len = SVM_EVENT_TOPIC_MAX;
	ev[0].data = big;
	ev[0].data_len = SVM_EVENT_DATA_MAX + 1;
	svm_buf_reset(&b);
	cr_assert_eq(svm_receipt_encode(&r, &b), SVM_ELIMIT);
	doc_receipt(&b, &r);
	cr_assert_eq(svm_receipt_decode(b.data, b.len, &arena, &back, NULL), SVM_ELIMIT);
	ev[0].data_len = SVM_EVENT_DATA_MAX;
	r.return_data = big;
	r.return_data_len = SVM_RETURN_DATA_MAX + 1;
	svm_buf_reset(&b);
	cr_assert_eq(svm_receipt_encode(&r, &b), SVM_ELIMIT);
	doc_receipt(&b, &r);
	cr_assert_eq(svm_receipt_decode(b.data, b.len, &arena, &back, NULL), SVM_ELIMIT);
	r.return_data_len = SVM_RETURN_DATA_MAX;
	svm_buf_reset(&b);
	cr_assert_eq(svm_receipt_encode(&r, &b), 0);
	cr_assert_eq(svm_receipt_decode(b.data, b.len, &arena, &back, NULL), 0);
	cr_assert(receipt_eq(&r, &back));
	svm_buf_free(&b);
}

/* =================================================================== headers */

TestSuite(header, .init = setup, .fini = teardown);

Test(header, round_trip_decode_of_encode_is_identity_and_hash_is_sha256_of_encoding)
{
	for (int it = 0; it < 2000; it++) {
		svm_header_t h, back;
		gen_header(&h);
		svm_buf_t enc = {0}, doc = {0}, re = {0};
		cr_assert_eq(svm_header_encode(&h, &enc), 0, "seed %u", seed);
		doc_header(&doc, &h);
		cr_assert(bytes_eq(enc.data, enc.len, doc.data, doc.len), "layout, seed %u", seed);
		cr_assert_eq(svm_header_decode(enc.data, enc.len, &back, NULL), 0, "seed %u", seed);
		cr_assert(header_eq(&h, &back), "seed %u", seed);
		cr_assert_eq(svm_header_encode(&back, &re), 0);
		cr_assert(bytes_eq(enc.data, enc.len, re.data, re.len), "seed %u", seed);
		svm_hash_t hash, want;
		cr_assert_eq(svm_header_hash(&h, &hash), 0);
		svm_sha256(enc.data, enc.len, &want);
		cr_assert(svm_hash_eq(&hash, &want), "seed %u", seed);
		svm_buf_free(&enc);
		svm_buf_free(&doc);
		svm_buf_free(&re);
	}
}

Test(header, every_truncation_rejected_every_byte_change_rejected_or_canonical)
{
	for (int it = 0; it < 3; it++) {
		svm_header_t h;
		static const uint8_t extra[3] = {7, 8, 9};
		gen_header(&h);
		h.parent_qc = it ? extra : NULL;
		h.parent_qc_len = it ? 3 : 0;
		h.vrf_proof = it ? extra : NULL;
		h.vrf_proof_len = it ? 2 : 0;
		h.late_qc = it == 2 ? extra : NULL; /* the late tag: 0x07 */
		h.late_qc_len = it == 2 ? 3 : 0;
		svm_buf_t enc = {0};
		cr_assert_eq(svm_header_encode(&h, &enc), 0);
		check_mutations(enc.data, enc.len, recode_header, "header");
		svm_buf_free(&enc);
	}
}

/* A header without a late QC keeps the bytes (tag 0x03) it had before late QCs, so every
 * existing block keeps its hash; one with a late QC uses tag 0x07, and 0x07 with an empty late
 * QC (a second encoding of a header without one) is refused, as is 0x03 followed by one. */
Test(header, late_qc_tag_is_the_one_encoding_and_old_headers_keep_their_bytes)
{
	svm_header_t h, back;
	static const uint8_t late[3] = {1, 2, 3};
	gen_header(&h);
	h.late_qc = NULL;
	h.late_qc_len = 0;
	svm_buf_t enc = {0}, doc = {0};
	cr_assert_eq(svm_header_encode(&h, &enc), 0);
	cr_assert_eq(enc.data[0], SVM_TAG_HEADER);
	doc_header(&doc, &h);
	cr_assert(bytes_eq(enc.data, enc.len, doc.data, doc.len), "the layout before late QCs");
	svm_buf_t bad = {0};
	svm_buf_append(&bad, enc.data, enc.len);
	bad.data[0] = SVM_TAG_HEADER_LATE; /* late tag, then nothing */
	cr_assert_eq(svm_header_decode(bad.data, bad.len, &back, NULL), SVM_EDECODE);
	svm_buf_push(&bad, 0); /* late tag, an empty late QC */
	cr_assert_eq(svm_header_decode(bad.data, bad.len, &back, NULL), SVM_EDECODE);
	bad.data[0] = SVM_TAG_HEADER; /* the old tag with a trailing (empty) field */
	cr_assert_neq(svm_header_decode(bad.data, bad.len, &back, NULL), 0);
	h.late_qc = late;
	h.late_qc_len = sizeof late;
	svm_buf_reset(&enc);
	cr_assert_eq(svm_header_encode(&h, &enc), 0);
	cr_assert_eq(enc.data[0], SVM_TAG_HEADER_LATE);
	cr_assert_eq(svm_header_decode(enc.data, enc.len, &back, NULL), 0);
	cr_assert(header_eq(&h, &back));
	svm_buf_reset(&bad);
	svm_buf_append(&bad, enc.data, enc.len);
	bad.data[0] = SVM_TAG_HEADER; /* a late QC under the old tag: trailing bytes */
	cr_assert_eq(svm_header_decode(bad.data, bad.len, &back, NULL), SVM_EDECODE);
	uint8_t *big = calloc(1, SVM_HEADER_LATE_QC_MAX + 1);
	h.late_qc = big;
	h.late_qc_len = SVM_HEADER_LATE_QC_MAX + 1;
	svm_buf_reset(&enc);
	cr_assert_eq(svm_header_encode(&h, &enc), SVM_ELIMIT);
	svm_buf_reset(&doc);
	doc_header(&doc, &h);
	cr_assert_eq(svm_header_decode(doc.data, doc.len, &back, NULL), SVM_ELIMIT);
	free(big);
	svm_buf_free(&enc);
	svm_buf_free(&doc);
	svm_buf_free(&bad);
}

Test(header, limits_and_large_qc_hash)
{
	svm_header_t h = {0}, back;
	svm_buf_t b = {0};
	h.tx_count = SVM_BLOCK_TXS_MAX + 1;
	cr_assert_eq(svm_header_encode(&h, &b), SVM_ELIMIT);
	doc_header(&b, &h);
	cr_assert_eq(svm_header_decode(b.data, b.len, &back, NULL), SVM_ELIMIT);
	h.tx_count = 0;
	uint8_t *qc = calloc(1, SVM_HEADER_QC_MAX + 1);
	h.parent_qc = qc;
	h.parent_qc_len = SVM_HEADER_QC_MAX + 1;
	svm_buf_reset(&b);
	cr_assert_eq(svm_header_encode(&h, &b), SVM_ELIMIT);
	doc_header(&b, &h);
	cr_assert_eq(svm_header_decode(b.data, b.len, &back, NULL), SVM_ELIMIT);
	h.parent_qc_len = SVM_HEADER_QC_MAX; /* larger than svm_header_hash's stack buffer */
	svm_buf_reset(&b);
	cr_assert_eq(svm_header_encode(&h, &b), 0);
	svm_hash_t hash, want;
	cr_assert_eq(svm_header_hash(&h, &hash), 0);
	svm_sha256(b.data, b.len, &want);
	cr_assert(svm_hash_eq(&hash, &want));
	h.vrf_proof = qc;
	h.vrf_proof_len = SVM_HEADER_VRF_MAX + 1;
	svm_buf_reset(&b);
	cr_assert_eq(svm_header_encode(&h, &b), SVM_ELIMIT);
	doc_header(&b, &h);
	cr_assert_eq(svm_header_decode(b.data, b.len, &back, NULL), SVM_ELIMIT);
	free(qc);
	svm_buf_free(&b);
}

/* ==================================================================== blocks */

TestSuite(block, .init = setup, .fini = teardown);

Test(block, round_trip_decode_of_encode_is_identity_and_hash_is_header_hash)
{
	for (int it = 0; it < 100; it++) {
		svm_block_t b, back;
		gen_block(&b, (uint32_t)below(8));
		svm_buf_t enc = {0}, doc = {0}, re = {0};
		cr_assert_eq(svm_block_encode(&b, &enc), 0, "seed %u", seed);
		doc_block(&doc, &b);
		cr_assert(bytes_eq(enc.data, enc.len, doc.data, doc.len), "layout, seed %u", seed);
		svm_hash_t hash, want;
		cr_assert_eq(svm_block_decode(enc.data, enc.len, &arena, &back, &hash, NULL), 0,
			     "seed %u", seed);
		cr_assert(block_eq(&b, &back), "seed %u", seed);
		cr_assert_eq(svm_header_hash(&b.header, &want), 0);
		cr_assert(svm_hash_eq(&hash, &want), "seed %u", seed);
		cr_assert_eq(svm_block_encode(&back, &re), 0);
		cr_assert(bytes_eq(enc.data, enc.len, re.data, re.len), "seed %u", seed);
		/* Every framed transaction decodes and verifies. */
		for (uint32_t i = 0; i < back.txs_len; i++) {
			svm_tx_t tx;
			svm_hash_t id;
			cr_assert_eq(svm_tx_decode(back.txs[i].p, back.txs[i].len, &arena, &tx, &id,
						   NULL),
				     0);
			cr_assert_eq(svm_tx_verify(&tx, &id), 0);
		}
		svm_buf_free(&enc);
		svm_buf_free(&doc);
		svm_buf_free(&re);
		svm_arena_reset(&arena);
	}
}

Test(block, every_truncation_rejected_every_byte_change_rejected_or_canonical)
{
	svm_block_t b;
	gen_block(&b, 2);
	b.header.parent_qc_len = 0;
	b.header.vrf_proof_len = 0;
	svm_buf_t enc = {0};
	cr_assert_eq(svm_block_encode(&b, &enc), 0);
	check_mutations(enc.data, enc.len, recode_block, "block");
	svm_buf_free(&enc);
}

Test(block, tx_count_must_match_and_txs_are_bounded)
{
	svm_block_t b, back;
	gen_block(&b, 2);
	svm_buf_t enc = {0};
	svm_error_t err;
	b.header.tx_count = 3;
	cr_assert_eq(svm_block_encode(&b, &enc), SVM_EINVAL);
	doc_block(&enc, &b);
	cr_assert_eq(svm_block_decode(enc.data, enc.len, &arena, &back, NULL, &err), SVM_EDECODE);
	cr_assert(strstr(err.msg, "header says"), "%s", err.msg);
	b.header.tx_count = 2;
	svm_slice_t txs[2] = {b.txs[0], {NULL, 0}};
	b.txs = txs;
	svm_buf_reset(&enc);
	cr_assert_eq(svm_block_encode(&b, &enc), SVM_EINVAL);
	doc_block(&enc, &b);
	cr_assert_eq(svm_block_decode(enc.data, enc.len, &arena, &back, NULL, &err), SVM_EDECODE);
	uint8_t *big = calloc(1, SVM_TX_BYTES_MAX + 1);
	txs[1] = (svm_slice_t){big, SVM_TX_BYTES_MAX + 1};
	svm_buf_reset(&enc);
	cr_assert_eq(svm_block_encode(&b, &enc), SVM_ELIMIT);
	doc_block(&enc, &b);
	cr_assert_eq(svm_block_decode(enc.data, enc.len, &arena, &back, NULL, &err), SVM_ELIMIT);
	/* More than 8 MiB in total. */
	uint32_t n = SVM_BLOCK_BYTES_MAX / SVM_TX_BYTES_MAX + 1;
	svm_slice_t *many = calloc(n, sizeof *many);
	for (uint32_t i = 0; i < n; i++) many[i] = (svm_slice_t){big, SVM_TX_BYTES_MAX};
	b.txs = many;
	b.txs_len = b.header.tx_count = n;
	svm_buf_reset(&enc);
	cr_assert_eq(svm_block_encode(&b, &enc), SVM_ELIMIT);
	cr_assert_eq(enc.len, 0);
	doc_block(&enc, &b);
	cr_assert_eq(svm_block_decode(enc.data, enc.len, &arena, &back, NULL, &err), SVM_ELIMIT);
	free(many);
	free(big);
	svm_buf_free(&enc);
}

Test(block, tx_root_is_rfc6962_root_of_signed_encodings)
{
	svm_block_t b;
	gen_block(&b, 5);
	svm_hash_t leaves[5], want, got;
	for (int i = 0; i < 5; i++) svm_merkle_leaf_hash(b.txs[i].p, b.txs[i].len, &leaves[i]);
	cr_assert_eq(svm_merkle_root(leaves, 5, &want), 0);
	cr_assert_eq(svm_block_tx_root(b.txs, 5, &got), 0);
	cr_assert(svm_hash_eq(&got, &want));
	cr_assert_eq(svm_block_tx_root(NULL, 0, &got), 0);
	svm_sha256(NULL, 0, &want);
	cr_assert(svm_hash_eq(&got, &want));
}

/* ================================================================= identity */

Test(identity, evm_address_is_tail_of_tagged_hash)
{
	svm_id_t id;
	for (int i = 0; i < 32; i++) id.b[i] = (uint8_t)(0xa0 + i);
	uint8_t addr[20], m[7 + 32];
	memcpy(m, "svm/evm", 7);
	memcpy(m + 7, id.b, 32);
	svm_hash_t h;
	svm_sha256(m, sizeof m, &h);
	svm_identity_evm_address(&id, addr);
	cr_assert_arr_eq(addr, h.b + 12, 20);
}

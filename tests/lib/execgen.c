/* Random blocks for the executor tests (see execgen.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/execgen.h"

typedef struct {
	const uint8_t *bytes;
	size_t len;
} eg_blob_t;

uint64_t eg_next(eg_rng_t *r)
{
	if (r->data) {
		uint64_t v = 0;
		for (int i = 0; i < 2; i++) v = (v << 8) | (r->pos < r->len ? r->data[r->pos++] : 0);
		return v;
	}
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t eg_below(eg_rng_t *r, uint64_t n) { return eg_next(r) % n; }

static bool chance(eg_rng_t *r, unsigned pct) { return eg_below(r, 100) < pct; }

/* ---------------------------------------------------------------- base */

static int base_get(void *ud, unsigned worker, const svm_id_t *id, const uint8_t **bytes,
		    size_t *len)
{
	eg_world_t *w = ud;
	eg_blob_t *b = svm_map_get(&w->map, id->b, SVM_HASH_SIZE);
	if (b == NULL) return SVM_ENOTFOUND;
	*bytes = b->bytes;
	*len = b->len;
	return 0;
}

svm_exec_base_t eg_base(eg_world_t *w) { return (svm_exec_base_t){base_get, w}; }

int eg_apply(eg_world_t *w, const svm_exec_result_t *res)
{
	for (size_t i = 0; i < res->writes_len; i++) {
		const svm_state_write_t *wr = &res->writes[i];
		if (wr->bytes == NULL) {
			svm_map_del(&w->map, wr->id.b, SVM_HASH_SIZE);
			continue;
		}
		eg_blob_t *b = svm_arena_alloc(&w->arena, sizeof(*b));
		uint8_t *p = svm_arena_dup(&w->arena, wr->bytes, wr->len);
		void **slot = svm_map_put(&w->map, wr->id.b, SVM_HASH_SIZE, NULL);
		if (b == NULL || p == NULL || slot == NULL) return SVM_ENOMEM;
		*b = (eg_blob_t){p, wr->len};
		*slot = b;
	}
	return 0;
}

/* ------------------------------------------------------------- genesis */

typedef struct {
	eg_world_t *w;
	eg_rng_t *r;
} gen_t;

static int genesis_fn(svm_txctx_t *c, void *ud)
{
	gen_t *g = ud;
	eg_world_t *w = g->w;
	int rc = svm_ledger_token_create(c, &w->tokens[0], "SWR", 9);
	if (rc == 0) rc = svm_ledger_token_create(c, &w->tokens[1], "AIC", 6);
	for (size_t i = 0; rc == 0 && i < w->cfg.accounts; i++) {
		uint64_t swr = chance(g->r, 10) ? eg_below(g->r, 300000) : 1000000000000ull;
		uint64_t aic = chance(g->r, 20) ? 0 : 1 + eg_below(g->r, 1000000);
		if (swr) rc = svm_ledger_mint(c, &w->tokens[0], &w->owners[i], swr);
		if (rc == 0 && aic) rc = svm_ledger_mint(c, &w->tokens[1], &w->owners[i], aic);
	}
	return rc;
}

int eg_world_init(eg_world_t *w, eg_rng_t *r, const eg_config_t *cfg)
{
	memset(w, 0, sizeof(*w));
	svm_map_init(&w->map);
	svm_arena_init(&w->arena, 0);
	w->cfg = *cfg;
	if (w->cfg.accounts < 2) w->cfg.accounts = 2;
	size_t n = w->cfg.accounts;
	w->owners = calloc(n, sizeof(*w->owners));
	w->nonce = calloc(n, sizeof(*w->nonce));
	if (w->owners == NULL || w->nonce == NULL) return SVM_ENOMEM;
	if (cfg->signed_txs && (w->keys = calloc(n, sizeof(*w->keys))) == NULL) return SVM_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint8_t be[8];
		svm_put_u64be(be, i);
		svm_slice_t part = {be, 8};
		svm_sha256_tagged("eg/owner", &part, 1, &w->owners[i]);
		if (w->keys == NULL) continue;
		svm_keypair_from_seed(&w->keys[i], w->owners[i].b);
		w->owners[i] = w->keys[i].id;
	}
	svm_token_id("SWR", &w->tokens[0]);
	svm_token_id("AIC", &w->tokens[1]);
	w->n_tokens = 2;
	w->env = (svm_block_env_t){.chain_id = 7, .height = 0, .timestamp_ms = 1700000000000ull,
				   .fees = {1000, 2, 1 + eg_below(r, 3) / 2, 0}};
	w->env.fee_token = w->tokens[0];
	svm_exec_base_t base = eg_base(w);
	svm_exec_result_t res;
	svm_arena_t a;
	svm_arena_init(&a, 0);
	gen_t g = {w, r};
	int rc = svm_exec_system(&w->env, &base, genesis_fn, &g, &a, &res);
	if (rc == 0) rc = eg_apply(w, &res);
	svm_arena_reset(&a);
	return rc;
}

void eg_world_free(eg_world_t *w)
{
	svm_map_free(&w->map);
	svm_arena_reset(&w->arena);
	free(w->owners);
	free(w->nonce);
	free(w->keys);
	memset(w, 0, sizeof(*w));
}

/* ---------------------------------------------------------------- txs */

static size_t pick_sender(eg_world_t *w, eg_rng_t *r)
{
	size_t n = w->cfg.accounts;
	if (w->cfg.workload == EG_ZIPF && chance(r, 80)) return eg_below(r, n < 8 ? n : 8);
	if (w->cfg.workload == EG_ALL_TO_ONE && n > 1) return 1 + eg_below(r, n - 1);
	return eg_below(r, n);
}

static void pick_to(eg_world_t *w, eg_rng_t *r, svm_id_t *to)
{
	size_t n = w->cfg.accounts;
	if (w->cfg.workload == EG_ALL_TO_ONE && chance(r, 95)) *to = w->owners[0];
	else if (w->cfg.workload == EG_ZIPF && chance(r, 70)) *to = w->owners[eg_below(r, n < 4 ? n : 4)];
	else if (chance(r, 4)) for (int i = 0; i < 4; i++) svm_put_u64be(to->b + 8 * i, eg_next(r));
	else *to = w->owners[eg_below(r, n)];
}

static uint64_t pick_amount(eg_rng_t *r)
{
	switch (eg_below(r, 10)) {
	case 0: return 0;
	case 1: return eg_next(r) % 2000000; /* often more than the account holds */
	case 2: return 1ull << 62;            /* never affordable */
	default: return 1 + eg_below(r, 1000);
	}
}

static int cmp_id(const void *a, const void *b) { return memcmp(a, b, SVM_HASH_SIZE); }

/* Sorted, unique copy of ids into the arena. */
static const svm_id_t *id_list(eg_world_t *w, svm_id_t *ids, size_t n, uint32_t *out_n)
{
	qsort(ids, n, sizeof(*ids), cmp_id);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (u == 0 || !svm_hash_eq(&ids[u - 1], &ids[i])) ids[u++] = ids[i];
	*out_n = (uint32_t)u;
	return svm_arena_dup(&w->arena, ids, (u ? u : 1) * sizeof(*ids));
}

static int payload(eg_world_t *w, eg_rng_t *r, svm_tx_t *tx, svm_buf_t *p)
{
	svm_id_t to;
	const svm_id_t *tok = &w->tokens[eg_below(r, w->n_tokens)];
	if (w->cfg.workload == EG_SHARED) return svm_native_burn_payload(p, &w->tokens[1], 1 + eg_below(r, 3));
	switch (w->cfg.transfers_only ? 3 + eg_below(r, 17) : eg_below(r, 20)) {
	case 0: { /* create a token (its id is known once the nonce is) */
		char sym[8];
		snprintf(sym, sizeof sym, "T%u", (unsigned)eg_below(r, 1000));
		if (w->n_tokens < 8) svm_token_new_id(&tx->sender, tx->nonce, &w->tokens[w->n_tokens++]);
		return svm_native_create_token_payload(p, sym, (uint8_t)eg_below(r, 19), eg_below(r, 1u << 20));
	}
	case 1:
	case 2:
		return svm_native_burn_payload(p, tok, pick_amount(r));
	case 3:
		if (chance(r, 50)) { /* transfer to oneself */
			return svm_native_transfer_payload(p, tok, &tx->sender, pick_amount(r));
		}
		/* fall through */
	default:
		pick_to(w, r, &to);
		return svm_native_transfer_payload(p, tok, &to, pick_amount(r));
	}
}

/* The declaration: strict from the payload's access set (sometimes wrong), or dynamic. */
static int declare(eg_world_t *w, eg_rng_t *r, svm_tx_t *tx, bool bad)
{
	if (!chance(r, w->cfg.strict_pct)) {
		tx->access_mode = SVM_ACCESS_DYNAMIC;
		return 0;
	}
	tx->access_mode = SVM_ACCESS_STRICT;
	svm_id_t writes[8], reads[4];
	size_t nw = 0, nr = 0;
	if (tx->vm == SVM_VM_NATIVE &&
	    svm_native_access(&tx->sender, tx->nonce, tx->payload, tx->payload_len, writes, 4, &nw))
		nw = 0;
	if (bad && nw && chance(r, 50)) { /* undeclared */
		size_t drop = eg_below(r, nw);
		writes[drop] = writes[nw - 1];
		nw--;
	}
	if (chance(r, 10)) writes[nw++] = w->owners[eg_below(r, w->cfg.accounts)];
	if (chance(r, 20)) svm_balance_id(&w->tokens[eg_below(r, w->n_tokens)],
					  &w->owners[eg_below(r, w->cfg.accounts)], &reads[nr++]);
	if (bad && chance(r, 30)) { /* a read-only declaration of something it writes */
		if (nw) reads[nr++] = writes[--nw];
	}
	tx->writes = id_list(w, writes, nw, &tx->writes_len);
	tx->reads = id_list(w, reads, nr, &tx->reads_len);
	return tx->writes && tx->reads ? 0 : SVM_ENOMEM;
}

/* Sometimes an input: a balance at its current (or a wrong) version. */
static int inputs(eg_world_t *w, eg_rng_t *r, svm_tx_t *tx)
{
	if (!chance(r, 4)) return 0;
	svm_tx_input_t *in = svm_arena_alloc(&w->arena, sizeof(*in));
	if (in == NULL) return SVM_ENOMEM;
	svm_balance_id(&w->tokens[0], &tx->sender, &in->id);
	in->version = chance(r, 50) ? w->env.height - 1 : eg_below(r, 3);
	tx->inputs = in;
	tx->inputs_len = 1;
	return 0;
}

/* The signed encoding of t (sender s) into w->bytes / w->lens at t's index. Kind 6 (a bad
 * signature) flips a signature bit; kind 7 signs for another chain or cuts the bytes short. */
static int sign(eg_world_t *w, eg_rng_t *r, svm_exec_tx_t *t, size_t s, int kind)
{
	svm_tx_t tx = t->tx;
	/* the encoding names an id once across inputs, reads and writes: drop repeats */
	svm_id_t *wr = svm_arena_alloc(&w->arena, (tx.writes_len + 1) * sizeof(*wr));
	svm_id_t *rd = svm_arena_alloc(&w->arena, (tx.reads_len + 1) * sizeof(*rd));
	if (wr == NULL || rd == NULL) return SVM_ENOMEM;
	uint32_t nw = 0, nr = 0;
	for (uint32_t i = 0; i < tx.writes_len; i++)
		if (!(tx.inputs_len && svm_hash_eq(&tx.writes[i], &tx.inputs[0].id))) wr[nw++] = tx.writes[i];
	for (uint32_t i = 0; i < tx.reads_len; i++)
		if (!(tx.inputs_len && svm_hash_eq(&tx.reads[i], &tx.inputs[0].id)) &&
		    !svm_hash_in_sorted(wr, nw, &tx.reads[i]))
			rd[nr++] = tx.reads[i];
	tx.writes = wr;
	tx.writes_len = nw;
	tx.reads = rd;
	tx.reads_len = nr;
	tx.scheme = SVM_SCHEME_ED25519;
	tx.public_key = w->keys[s].public_key;
	tx.public_key_len = SVM_ED25519_PUBKEY_SIZE;
	if (kind == 7 && chance(r, 50)) tx.chain_id = 8;
	uint8_t sig[SVM_ED25519_SIG_SIZE];
	svm_buf_t b = {0};
	int rc = svm_tx_sign(&tx, w->keys[s].secret_key, sig, NULL);
	if (rc == 0) rc = svm_tx_encode(&tx, &b);
	size_t i = (size_t)(t - w->txs), len = b.len;
	if (rc == 0 && kind == 6) b.data[b.len - 1 - eg_below(r, SVM_ED25519_SIG_SIZE)] ^= 0x10;
	if (rc == 0 && kind == 7 && tx.chain_id == 7) len = eg_below(r, b.len);
	if (rc == 0) {
		w->bytes[i] = svm_arena_dup(&w->arena, b.data, len ? len : 1);
		w->lens[i] = len;
		if (w->bytes[i] == NULL) rc = SVM_ENOMEM;
	}
	svm_buf_free(&b);
	return rc;
}

static int one_tx(eg_world_t *w, eg_rng_t *r, svm_exec_tx_t *t)
{
	svm_tx_t *tx = &t->tx;
	size_t s = pick_sender(w, r);
	bool bad = chance(r, w->cfg.bad_pct);
	memset(t, 0, sizeof(*t));
	tx->chain_id = 7;
	tx->sender = w->owners[s];
	tx->nonce = w->nonce[s];
	tx->expiry_height = w->env.height + 10;
	tx->fee_limit = 100000;
	tx->tip = eg_below(r, 4) ? 0 : eg_below(r, 100);
	tx->vm = SVM_VM_NATIVE;
	int kind = bad ? (int)eg_below(r, 8) : -1;
	if (kind == 0) tx->nonce += eg_below(r, 2) ? 1 : (tx->nonce ? (uint64_t)-1 : 1);
	if (kind == 1) tx->fee_limit = 500 + eg_below(r, 1500);  /* below the intrinsic fee */
	if (kind == 2) tx->fee_limit = 1500 + eg_below(r, 1500); /* runs out of steps */
	if (kind == 3) tx->expiry_height = w->env.height - 1;
	if (kind == 4) tx->vm = SVM_VM_WASM;
	if (kind == 5) tx->tip = 1ull << 62;                      /* cannot pay fee + tip */
	svm_buf_t p = {0};
	int rc = kind == 4 ? svm_buf_append(&p, "\x02garbage", 8) : payload(w, r, tx, &p);
	if (rc == 0) {
		tx->payload = svm_arena_dup(&w->arena, p.data, p.len);
		tx->payload_len = p.len;
		rc = tx->payload ? declare(w, r, tx, bad) : SVM_ENOMEM;
	}
	svm_buf_free(&p);
	if (rc == 0) rc = inputs(w, r, tx);
	if (kind != 0) w->nonce[s]++; /* assume it is included (not always true: that is the point) */
	t->len = 150 + eg_below(r, 60);
	for (int i = 0; i < 4; i++) svm_put_u64be(t->id.b + 8 * i, eg_next(r));
	if (kind == 6) t->precheck = SVM_ESIG;
	if (rc == 0 && w->keys) rc = sign(w, r, t, s, kind);
	return rc;
}

bool eg_transfer_of(const svm_tx_t *tx, svm_id_t *token, svm_id_t *to)
{
	svm_reader_t rd = svm_reader(tx->payload, tx->payload_len);
	uint64_t program, method, amount;
	return !(svm_varint_read(&rd, &program) || program != SVM_PROGRAM_LEDGER ||
		 svm_varint_read(&rd, &method) || method != SVM_LEDGER_TRANSFER ||
		 svm_reader_copy(&rd, token->b, SVM_HASH_SIZE) ||
		 svm_reader_copy(&rd, to->b, SVM_HASH_SIZE) || svm_varint_read(&rd, &amount) ||
		 svm_reader_left(&rd));
}

int eg_block(eg_world_t *w, eg_rng_t *r, size_t n)
{
	w->env.height++;
	w->env.timestamp_ms += 1000;
	size_t p = eg_below(r, w->cfg.accounts + 1);
	if (p == w->cfg.accounts) for (int i = 0; i < 4; i++) svm_put_u64be(w->env.proposer.b + 8 * i, eg_next(r));
	else w->env.proposer = w->owners[p];
	w->txs = svm_arena_alloc(&w->arena, (n ? n : 1) * sizeof(*w->txs));
	if (w->txs == NULL) return SVM_ENOMEM;
	if (w->keys) {
		w->bytes = svm_arena_alloc(&w->arena, (n ? n : 1) * sizeof(*w->bytes));
		w->lens = svm_arena_alloc(&w->arena, (n ? n : 1) * sizeof(*w->lens));
		if (w->bytes == NULL || w->lens == NULL) return SVM_ENOMEM;
	}
	w->n = n;
	for (size_t i = 0; i < n; i++) {
		int rc = one_tx(w, r, &w->txs[i]);
		if (rc) return rc;
	}
	return 0;
}

/* ------------------------------------------------------------- compare */

static int receipt_bytes(const svm_receipt_t *rc, svm_buf_t *b)
{
	svm_buf_reset(b);
	return svm_receipt_encode(rc, b);
}

int eg_compare(const svm_exec_result_t *a, const svm_exec_result_t *b, char *why, size_t len)
{
	if (a->n != b->n || a->included != b->included)
		return snprintf(why, len, "included %zu vs %zu", a->included, b->included), 1;
	for (size_t i = 0; i < a->n; i++)
		if (a->status[i] != b->status[i])
			return snprintf(why, len, "status of tx %zu: %d vs %d", i, a->status[i], b->status[i]), 1;
	svm_buf_t x = {0}, y = {0};
	int diff = 0;
	for (size_t i = 0; !diff && i < a->included; i++) {
		if (a->index[i] != b->index[i] || receipt_bytes(&a->receipts[i], &x) ||
		    receipt_bytes(&b->receipts[i], &y) || x.len != y.len || memcmp(x.data, y.data, x.len)) {
			snprintf(why, len, "receipt %zu (tx %zu): status %u/%u steps %llu/%llu", i,
				 a->index[i], a->receipts[i].status, b->receipts[i].status,
				 (unsigned long long)a->receipts[i].steps,
				 (unsigned long long)b->receipts[i].steps);
			diff = 1;
		}
	}
	svm_buf_free(&x);
	svm_buf_free(&y);
	if (diff) return 1;
	if (a->burned != b->burned || a->tips != b->tips)
		return snprintf(why, len, "totals differ"), 1;
	if (a->settle_events_len != b->settle_events_len)
		return snprintf(why, len, "settlement events %u vs %u", a->settle_events_len, b->settle_events_len), 1;
	for (uint32_t i = 0; i < a->settle_events_len; i++) {
		const svm_event_t *p = &a->settle_events[i], *q = &b->settle_events[i];
		if (!svm_hash_eq(&p->emitter, &q->emitter) || p->topic_len != q->topic_len ||
		    p->data_len != q->data_len || memcmp(p->topic, q->topic, p->topic_len) ||
		    memcmp(p->data, q->data, p->data_len))
			return snprintf(why, len, "settlement event %u differs", i), 1;
	}
	if (a->writes_len != b->writes_len)
		return snprintf(why, len, "write set %zu vs %zu", a->writes_len, b->writes_len), 1;
	for (size_t i = 0; i < a->writes_len; i++) {
		const svm_state_write_t *p = &a->writes[i], *q = &b->writes[i];
		if (!svm_hash_eq(&p->id, &q->id) || (p->bytes == NULL) != (q->bytes == NULL) ||
		    p->len != q->len || (p->bytes && memcmp(p->bytes, q->bytes, p->len)))
			return snprintf(why, len, "write %zu differs", i), 1;
	}
	return 0;
}

int eg_check(eg_world_t *w, svm_exec_mode_t mode, unsigned threads, svm_arena_t *a,
	     svm_exec_result_t *ref, char *why, size_t why_len, svm_exec_metrics_t *m)
{
	svm_exec_base_t base = eg_base(w);
	svm_exec_result_t par;
	size_t bad_ref = (size_t)-1, bad_par = (size_t)-1;
	int rc_ref = svm_exec_sequential(&w->env, w->txs, w->n, mode, &base, a, ref, &bad_ref);
	int rc_par = svm_exec_block(&w->env, w->txs, w->n, mode, &base, threads, a, &par, &bad_par, m);
	if (rc_ref != rc_par || bad_ref != bad_par)
		return snprintf(why, why_len, "rc %d vs %d, bad index %zu vs %zu", rc_ref, rc_par,
				bad_ref, bad_par), 1;
	if (rc_ref) return 0; /* the block is invalid for both: results are unspecified */
	return eg_compare(ref, &par, why, why_len);
}

int eg_run(eg_run_t *run, const eg_config_t *cfg, uint64_t seed, size_t n, unsigned threads)
{
	memset(run, 0, sizeof(*run));
	svm_arena_init(&run->a, 0);
	eg_rng_t r = {.s = seed};
	int rc = eg_world_init(&run->w, &r, cfg);
	if (rc) return snprintf(run->why, sizeof run->why, "world: %s", svm_strerror(rc)), 1;
	rc = eg_block(&run->w, &r, n);
	if (rc) return snprintf(run->why, sizeof run->why, "block: %s", svm_strerror(rc)), 1;
	return eg_check(&run->w, SVM_EXEC_BUILD, threads, &run->a, &run->ref, run->why, sizeof run->why, &run->m);
}

void eg_run_free(eg_run_t *run)
{
	svm_arena_reset(&run->a);
	eg_world_free(&run->w);
}

int eg_check_signed(eg_world_t *w, svm_exec_mode_t mode, unsigned threads, svm_arena_t *a,
		    svm_exec_result_t *ref_out, char *why, size_t why_len, svm_exec_metrics_t *m)
{
	svm_exec_base_t base = eg_base(w);
	svm_exec_result_t par, *ref = ref_out;
	size_t n = w->n, bad_ref = (size_t)-1, bad_par = (size_t)-1;
	svm_exec_tx_t *pref = svm_arena_alloc(a, (n ? n : 1) * sizeof(*pref));
	svm_exec_tx_t *ppar = svm_arena_alloc(a, (n ? n : 1) * sizeof(*ppar));
	if (pref == NULL || ppar == NULL) return snprintf(why, why_len, "out of memory"), 1;
	int rc_ref = svm_exec_prepare(w->env.chain_id, w->bytes, w->lens, n, NULL, 1, a, pref);
	if (rc_ref == 0)
		rc_ref = svm_exec_sequential(&w->env, pref, n, mode, &base, a, ref, &bad_ref);
	int rc_par = svm_exec_block_signed(&w->env, w->bytes, w->lens, n, NULL, mode, &base, threads,
					   a, ppar, &par, &bad_par, m);
	if (rc_ref != rc_par || bad_ref != bad_par)
		return snprintf(why, why_len, "rc %d vs %d, bad index %zu vs %zu", rc_ref, rc_par,
				bad_ref, bad_par), 1;
	for (size_t i = 0; i < n; i++)
		if (pref[i].precheck != ppar[i].precheck || !svm_hash_eq(&pref[i].id, &ppar[i].id))
			return snprintf(why, why_len, "precheck of tx %zu: %d vs %d", i, pref[i].precheck,
					ppar[i].precheck), 1;
	if (rc_ref) return 0; /* the block is invalid for both: results are unspecified */
	return eg_compare(ref, &par, why, why_len);
}

int eg_signed_block_1_2(eg_world_t *w, uint64_t chain_id, const uint8_t *const *txs,
			const size_t *lens, size_t n, svm_arena_t *a, svm_exec_result_t *ref,
			char *why, size_t why_len)
{
	w->env.height++;
	svm_exec_base_t base = eg_base(w);
	svm_exec_tx_t *prep = svm_arena_alloc(a, (n ? n : 1) * sizeof *prep);
	if (prep == NULL) return snprintf(why, why_len, "out of memory"), 1;
	int rc = svm_exec_prepare(chain_id, txs, lens, n, NULL, 1, a, prep);
	if (rc != 0) return snprintf(why, why_len, "svm_exec_prepare: %d", rc), 1;
	rc = svm_exec_sequential(&w->env, prep, n, SVM_EXEC_BUILD, &base, a, ref, NULL);
	if (rc != 0) return snprintf(why, why_len, "the reference: %d", rc), 1;
	for (unsigned threads = 1; threads <= 2; threads++) {
		svm_arena_t a2;
		svm_arena_init(&a2, 0);
		svm_exec_tx_t *prep2 = svm_arena_alloc(&a2, (n ? n : 1) * sizeof *prep2);
		svm_exec_result_t par;
		char diff[200] = "";
		rc = prep2 == NULL ? SVM_ENOMEM
				   : svm_exec_block_signed(&w->env, txs, lens, n, NULL, SVM_EXEC_BUILD, &base,
							   threads, &a2, prep2, &par, NULL, NULL);
		if (rc != 0) snprintf(why, why_len, "AOEM at %u threads: %d", threads, rc);
		else if (eg_compare(ref, &par, diff, sizeof diff) != 0)
			snprintf(why, why_len, "AOEM at %u threads differs from the reference: %s", threads, diff), rc = 1;
		svm_arena_reset(&a2);
		if (rc != 0) return 1;
	}
	return 0;
}

/* The sequential reference executor: transactions applied one after another in block order
 * over a block overlay with an undo journal, so a failed transaction is rolled back to its fee
 * checkpoint. This file defines consensus semantics (docs/execution.md). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "exec/internal.h"
#include "supervm/econ.h"
#include "supervm/evm.h"

/* An overlay value: the object's bytes, or a deletion (bytes == NULL). */
typedef struct {
	const uint8_t *bytes;
	size_t len;
} value_t;

/* Undo record: the overlay value id had before a write (NULL = not in the overlay). */
typedef struct {
	svm_id_t id;
	value_t *old;
} undo_t;

typedef struct {
	exec_view_t ev; /* first: the view pointer is the overlay pointer */
	svm_map_t map;   /* id -> value_t* (NULL value = read through to the base) */
	svm_arena_t *arena;
	const svm_exec_base_t *base;
	undo_t *journal;
	size_t journal_len, journal_cap;
	int error; /* first allocation failure, sticky */
} overlay_t;

static int ov_get(svm_view_t *v, const svm_id_t *id, const uint8_t **bytes, size_t *len)
{
	overlay_t *o = (overlay_t *)v;
	value_t *val = svm_map_get(&o->map, id->b, SVM_HASH_SIZE);
	if (val == NULL) return o->base->get(o->base->ud, 0, id, bytes, len);
	if (val->bytes == NULL) return SVM_ENOTFOUND;
	*bytes = val->bytes;
	*len = val->len;
	return 0;
}

static int ov_put(svm_view_t *v, const svm_id_t *id, const uint8_t *bytes, size_t len)
{
	overlay_t *o = (overlay_t *)v;
	if (o->journal_len == o->journal_cap) {
		size_t cap = o->journal_cap ? 2 * o->journal_cap : 1024;
		undo_t *j = svm_realloc(o->journal, cap * sizeof(*j));
		if (j == NULL) return o->error = SVM_ENOMEM;
		o->journal = j;
		o->journal_cap = cap;
	}
	SVM_ASSERT(o->journal_len < o->journal_cap);
	value_t *val = svm_arena_alloc(o->arena, sizeof(*val));
	if (val == NULL) return o->error = SVM_ENOMEM;
	if (bytes) {
		val->bytes = svm_arena_dup(o->arena, bytes, len);
		if (val->bytes == NULL) return o->error = SVM_ENOMEM;
		val->len = len;
	}
	void **slot = svm_map_put(&o->map, id->b, SVM_HASH_SIZE, NULL);
	if (slot == NULL) return o->error = SVM_ENOMEM;
	o->journal[o->journal_len++] = (undo_t){*id, *slot};
	*slot = val;
	return 0;
}

static size_t ov_mark(exec_view_t *v);
static void ov_rollback(exec_view_t *v, size_t mark);
static size_t ov_vmark(svm_view_t *v) { return ov_mark((exec_view_t *)v); }
static void ov_vrollback(svm_view_t *v, size_t m) { ov_rollback((exec_view_t *)v, m); }
static const svm_view_ops_t overlay_ops = {ov_get, ov_put, NULL, ov_vmark, ov_vrollback, NULL, NULL, NULL};
static int ov_error(exec_view_t *v);

static void overlay_init(overlay_t *o, const svm_exec_base_t *base, svm_arena_t *arena)
{
	memset(o, 0, sizeof(*o));
	o->ev.view.ops = &overlay_ops;
	o->ev.mark = ov_mark;
	o->ev.rollback = ov_rollback;
	o->ev.error = ov_error;
	o->base = base;
	o->arena = arena;
	svm_map_init(&o->map);
}

static void overlay_free(overlay_t *o)
{
	svm_map_free(&o->map);
	svm_free(o->journal);
}

/* Undoes every write after journal position mark, newest first. */
static void overlay_rollback(overlay_t *o, size_t mark)
{
	SVM_ASSERT(mark <= o->journal_len);
	while (o->journal_len > mark) {
		undo_t *u = &o->journal[--o->journal_len];
		bool created = true;
		void **slot = svm_map_put(&o->map, u->id.b, SVM_HASH_SIZE, &created);
		/* the key exists: svm_map_put finds it without allocating, so this cannot fail */
		SVM_VERIFY(slot != NULL && !created);
		*slot = u->old;
	}
}

/* The overlay's net changes as a sorted write set, skipping deletions of objects the base
 * never had (they change nothing). */
static int overlay_writes(overlay_t *o, svm_exec_result_t *out)
{
	svm_map_slot_t **sorted;
	size_t n;
	int rc = svm_map_sorted(&o->map, &sorted, &n);
	if (rc) return rc;
	out->writes = svm_arena_alloc(o->arena, (n ? n : 1) * sizeof(*out->writes));
	if (out->writes == NULL) rc = SVM_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		value_t *val = sorted[i]->value;
		SVM_ASSERT(sorted[i]->key_len == SVM_HASH_SIZE); /* the overlay's keys are ids */
		SVM_ASSERT(i == 0 || memcmp(sorted[i - 1]->key, sorted[i]->key, SVM_HASH_SIZE) < 0);
		if (val == NULL) continue;
		SVM_ASSERT(k <= i);
		svm_state_write_t *w = &out->writes[k];
		memcpy(w->id.b, sorted[i]->key, SVM_HASH_SIZE);
		if (val->bytes == NULL) {
			const uint8_t *b;
			size_t l;
			int g = o->base->get(o->base->ud, 0, &w->id, &b, &l);
			if (g == SVM_ENOTFOUND) continue;
			if (g) { rc = g; break; }
		}
		w->bytes = val->bytes;
		w->len = val->len;
		k++;
	}
	svm_free(sorted);
	SVM_ASSERT(k <= n); /* at most one write per overlay key */
	out->writes_len = k;
	return rc;
}

/* ------------------------------------------------------------------ fees */

int svm_exec_fee(const svm_fee_params_t *p, uint64_t tx_bytes, uint64_t steps, uint64_t mem_bytes,
		 uint64_t *fee)
{
	unsigned __int128 f = (unsigned __int128)p->a + (unsigned __int128)p->b * tx_bytes +
			      (unsigned __int128)p->c * steps + (unsigned __int128)p->d * mem_bytes;
	if (f > UINT64_MAX) return SVM_EOVERFLOW;
	*fee = (uint64_t)f;
	return 0;
}

/* ------------------------------------------------------------ execution */

static void ctx_init(const svm_block_env_t *env, exec_view_t *v, svm_arena_t *arena,
		     svm_txctx_t *c, const svm_exec_tx_t *t, const svm_id_t implicit[2])
{
	/* every field zeroed but the event array (4 KB, written only up to events_len): zeroing
	 * all of it was 4 % of an ERC-20 transfer's instructions */
	_Static_assert(offsetof(svm_txctx_t, events_len) ==
			       offsetof(svm_txctx_t, events) + sizeof(c->events),
		       "events_len follows the event array");
	memset(c, 0, offsetof(svm_txctx_t, events));
	memset(&c->events_len, 0, sizeof(*c) - offsetof(svm_txctx_t, events_len));
	c->view = &v->view;
	c->arena = arena;
	c->tx = &t->tx;
	c->tx_id = &t->id;
	c->height = env->height;
	c->timestamp_ms = env->timestamp_ms;
	c->proposer = env->proposer;
	c->recent_hashes = env->recent_hashes;
	c->recent_len = env->recent_len;
	c->steps_limit = UINT64_MAX; /* the fee stage is not metered */
	c->strict = t->tx.access_mode == SVM_ACCESS_STRICT;
	c->implicit_owner = &t->tx.sender;
	c->implicit_token = &env->fee_token;
	if (implicit) {
		c->implicit[0] = implicit[0];
		c->implicit[1] = implicit[1];
		return;
	}
	svm_account_id(&t->tx.sender, &c->implicit[0]);
	svm_balance_id(&env->fee_token, &t->tx.sender, &c->implicit[1]);
}

/* State-dependent inclusion checks; nothing is written. Returns 0 or the reason to exclude. */
/* The fee at congestion multiplier m (bps): ⌊fee · m / 10^4⌋. */
static int congested_fee(const svm_fee_params_t *p, uint64_t m, uint64_t tx_bytes, uint64_t steps,
			 uint64_t mem_bytes, uint64_t *fee)
{
	uint64_t base;
	int rc = svm_exec_fee(p, tx_bytes, steps, mem_bytes, &base);
	if (rc || m == SVM_CONGESTION_ONE) {
		*fee = base;
		return rc;
	}
	SVM_ASSERT(m > SVM_CONGESTION_ONE); /* a multiplier never discounts */
	unsigned __int128 f = (unsigned __int128)base * m / SVM_CONGESTION_ONE;
	SVM_ASSERT(f >= base);
	if (f > UINT64_MAX) return SVM_EOVERFLOW;
	*fee = (uint64_t)f;
	return 0;
}

static int check_includable(const svm_block_env_t *env, svm_txctx_t *c, const svm_exec_tx_t *t,
			    uint64_t m, uint64_t *intrinsic)
{
	const svm_tx_t *tx = &t->tx;
	if (t->precheck) return t->precheck;
	if (env->height > tx->expiry_height) return SVM_EEXPIRED;
	if (congested_fee(&env->fees, m, t->len, 0, 0, intrinsic)) return SVM_EFEE;
	if (tx->fee_limit < *intrinsic) return SVM_EFEE;
	uint64_t nonce, balance, need;
	int rc = svm_account_nonce(c, &tx->sender, &nonce);
	if (rc) return rc;
	if (tx->nonce != nonce) return SVM_ENONCE;
	if (!svm_add_u64(tx->fee_limit, tx->tip, &need)) return SVM_EFUNDS;
	rc = svm_ledger_balance(c, &env->fee_token, &tx->sender, &balance);
	if (rc) return rc;
	SVM_ASSERT(*intrinsic <= tx->fee_limit && need >= tx->fee_limit);
	return balance < need ? SVM_EFUNDS : 0;
}

static int check_inputs(svm_txctx_t *c)
{
	for (uint32_t i = 0; i < c->tx->inputs_len; i++) {
		svm_object_t o;
		int rc = svm_host_get(c, &c->tx->inputs[i].id, &o);
		if (rc == SVM_ENOTFOUND) return SVM_EVERSION;
		if (rc) return rc;
		if (o.version != c->tx->inputs[i].version) return SVM_EVERSION;
	}
	return 0;
}

static int run_program(svm_txctx_t *c)
{
	int rc = check_inputs(c);
	if (rc) return rc;
	switch (c->tx->vm) {
	case SVM_VM_NATIVE:
		return svm_native_execute(c, c->tx->payload, c->tx->payload_len);
	case SVM_VM_WASM:
		return svm_contract_execute(c, c->tx->payload, c->tx->payload_len);
	case SVM_VM_EVM: /* evm.h: an Ethereum transaction, metered in gas */
		return svm_evm_execute(c, c->tx->payload, c->tx->payload_len);
	default:
		return SVM_EUNSUPPORTED;
	}
}

/* Steps the fee limit pays for at multiplier m: the uncongested budget ⌊fee_limit·10^4/m⌋
 * less the intrinsic a + b·bytes, over c. */
static uint64_t steps_limit(const svm_fee_params_t *p, uint64_t m, uint64_t fee_limit, uint64_t tx_bytes)
{
	SVM_ASSERT(m >= SVM_CONGESTION_ONE); /* a multiplier never discounts */
	if (p->c == 0) return SVM_TX_STEPS_MAX;
	uint64_t budget = (uint64_t)((unsigned __int128)fee_limit * SVM_CONGESTION_ONE / m), base;
	if (svm_exec_fee(p, tx_bytes, 0, 0, &base) || base >= budget) return 0;
	uint64_t s = (budget - base) / p->c;
	SVM_ASSERT(s <= budget); /* c ≥ 1: the steps never exceed the budget they come from */
	return s < SVM_TX_STEPS_MAX ? s : SVM_TX_STEPS_MAX;
}

/* Executes one includable transaction: fee stage, program, fee settlement. Fills out.
 * Returns 0, or a block-level error (SVM_ENOMEM/SVM_EIO) that aborts the block. */
static int execute_tx(const svm_block_env_t *env, exec_view_t *v, svm_txctx_t *c,
		      const svm_exec_tx_t *t, uint64_t m, exec_outcome_t *out)
{
	const svm_tx_t *tx = &t->tx;
	const svm_id_t *fee_token = &env->fee_token;
	/* Fee stage: reserve fee limit + tip and use the nonce; survives a failed program. */
	SVM_ASSERT(tx->fee_limit + tx->tip >= tx->fee_limit); /* check_includable: no overflow */
	SVM_ASSERT(t->precheck == 0 && env->height <= tx->expiry_height);
	int rc = svm_ledger_debit(c, fee_token, &tx->sender, tx->fee_limit + tx->tip);
	if (!rc) rc = svm_account_set_nonce(c, &tx->sender, tx->nonce + 1);
	if (rc) return rc == SVM_ENOMEM ? rc : SVM_EIO; /* checked includable: cannot fail */
	size_t mark = v->mark(v);

	c->steps = 0;
	c->steps_limit = steps_limit(&env->fees, m, tx->fee_limit, t->len);
	int status = run_program(c);
	if (v->error(v)) return v->error(v);
	if (status == SVM_EIO || status == SVM_ENOMEM) return status;
	uint64_t fee;
	if (congested_fee(&env->fees, m, t->len, c->steps, c->mem_bytes, &fee) || fee > tx->fee_limit) {
		fee = tx->fee_limit;
		if (status == 0) status = SVM_EFEE;
	}
	if (status) {
		v->rollback(v, mark);
		SVM_ASSERT(v->mark(v) == mark); /* the program's writes are gone, the fee stage's stay */
		c->events_len = 0;
		/* A failed transaction returns nothing, except an aborted contract's message. */
		SVM_ASSERT(c->abort_message_len <= SVM_ABORT_MESSAGE_MAX);
		bool msg = status == SVM_EABORT && c->abort_message_len;
		c->return_data = msg ? c->abort_message : NULL;
		c->return_data_len = msg ? c->abort_message_len : 0;
	}
	SVM_ASSERT(status != 0 || c->steps <= c->steps_limit); /* a success ran within its meter */
	/* Settlement: refund what the fee did not use; burn the fee, pay the tip at block end. */
	c->steps_limit = UINT64_MAX;
	c->strict = false;
	uint64_t steps = c->steps;
	SVM_ASSERT(fee <= tx->fee_limit); /* the refund below cannot wrap */
	rc = svm_ledger_credit(c, fee_token, &tx->sender, tx->fee_limit - fee);
	if (rc) return rc == SVM_ENOMEM ? rc : SVM_EIO;
	out->fee = fee;
	out->tip = tx->tip;

	svm_receipt_t *r = &out->receipt;
	memset(r, 0, sizeof(*r));
	r->tx_id = t->id;
	r->status = svm_receipt_status(status);
	r->tx_bytes = t->len;
	r->steps = steps;
	r->mem_bytes = c->mem_bytes;
	r->fee_charged = fee;
	r->tip_paid = tx->tip;
	if (c->events_len) {
		svm_event_t *ev = svm_arena_dup(c->arena, c->events, c->events_len * sizeof(*ev));
		if (ev == NULL) return SVM_ENOMEM;
		r->events = ev;
		r->events_len = c->events_len;
	}
	r->return_data = c->return_data;
	r->return_data_len = c->return_data_len;
	return 0;
}

int svm_exec_tx_run_(const svm_block_env_t *env, exec_view_t *v, svm_arena_t *arena,
		     const svm_exec_tx_t *t, const svm_id_t implicit[2], exec_outcome_t *out)
{
	svm_txctx_t c;
	uint64_t intrinsic = 0;
	memset(out, 0, sizeof(*out));
	ctx_init(env, v, arena, &c, t, implicit);
	c.strict = false; /* the inclusion checks read only the implicit objects */
	uint64_t m = env->congestion_len ? svm_congestion_tx(env->congestion, env->congestion_len, &t->tx)
					 : SVM_CONGESTION_ONE;
	int why = check_includable(env, &c, t, m, &intrinsic);
	if (v->error(v)) return v->error(v);
	if (why == SVM_EIO || why == SVM_ENOMEM) return why;
	SVM_ASSERT(why <= 0); /* 0 or an SVM_E… code */
	out->why = why;
	if (why) return 0;
	c.strict = t->tx.access_mode == SVM_ACCESS_STRICT;
	int rc = execute_tx(env, v, &c, t, m, out);
	/* an included transaction is charged within its limit, at least the intrinsic fee */
	SVM_ASSERT(rc != 0 || (out->fee <= t->tx.fee_limit && out->fee >= intrinsic));
	return rc;
}

/* The next congestion table from the included transactions' declared writes and inputs (one id
 * per transaction and object), written when either table is non-empty. */
static int settle_congestion(const svm_block_env_t *env, svm_txctx_t *c, const svm_exec_tx_t *txs,
			     const size_t *index, size_t included)
{
	size_t n = 0;
	for (size_t k = 0; k < included; k++) n += txs[index[k]].tx.writes_len + txs[index[k]].tx.inputs_len;
	size_t total = n;
	svm_id_t *w = svm_malloc((n ? n : 1) * sizeof *w);
	svm_congestion_entry_t *next = svm_malloc(SVM_CONGESTION_OBJECTS_MAX * sizeof *next);
	int rc = w && next ? 0 : SVM_ENOMEM;
	n = 0;
	for (size_t k = 0; !rc && k < included; k++) {
		const svm_tx_t *tx = &txs[index[k]].tx;
		for (uint32_t i = 0; i < tx->writes_len; i++) w[n++] = tx->writes[i];
		for (uint32_t i = 0; i < tx->inputs_len; i++) w[n++] = tx->inputs[i].id;
	}
	SVM_ASSERT(rc != 0 || n == total); /* every declared write and input counted once */
	svm_params_t p = {.congestion_target_txs = env->congestion_target_txs,
			  .congestion_step_bps = env->congestion_step_bps,
			  .congestion_max_bps = env->congestion_max_bps};
	size_t m = 0;
	if (!rc) rc = svm_congestion_next(env->congestion, env->congestion_len, w, n, &p, next, &m);
	SVM_ASSERT(rc != 0 || m <= SVM_CONGESTION_OBJECTS_MAX);
	if (!rc && (m || env->congestion_len)) {
		svm_buf_t b = {0};
		svm_id_t id;
		svm_congestion_id(&id);
		rc = svm_congestion_encode(next, m, &b);
		svm_object_t o = {.id = id, .owner_kind = SVM_OWNER_SHARED, .type = SVM_OBJ_STORAGE,
				  .payload = b.data, .payload_len = b.len};
		if (!rc) rc = svm_host_put(c, &o);
		svm_buf_free(&b);
	}
	svm_free(w);
	svm_free(next);
	return rc;
}

/* The settlement's events, copied into the result (they are read after the engine's scratch
 * arenas are gone). */
static int keep_settle_events(const svm_txctx_t *c, svm_arena_t *arena, svm_exec_result_t *out)
{
	SVM_ASSERT(c->events_len <= SVM_RECEIPT_EVENTS_MAX);
	out->settle_events = NULL;
	out->settle_events_len = 0;
	if (c->events_len == 0) return 0;
	svm_event_t *e = svm_arena_alloc(arena, c->events_len * sizeof *e);
	if (e == NULL) return SVM_ENOMEM;
	for (uint32_t i = 0; i < c->events_len; i++) {
		e[i] = c->events[i];
		e[i].topic = svm_arena_dup(arena, c->events[i].topic, c->events[i].topic_len);
		e[i].data = svm_arena_dup(arena, c->events[i].data, c->events[i].data_len);
		if (e[i].topic == NULL || e[i].data == NULL) return SVM_ENOMEM;
	}
	out->settle_events = e;
	out->settle_events_len = c->events_len;
	return 0;
}

int svm_exec_settle_(const svm_block_env_t *env, exec_view_t *v, svm_arena_t *arena,
		     const svm_exec_tx_t *txs, const size_t *index, size_t included,
		     uint64_t burned, uint64_t tips, svm_arena_t *out_arena, svm_exec_result_t *out)
{
	svm_txctx_t c;
	svm_exec_tx_t none;
	memset(&none, 0, sizeof none);
	ctx_init(env, v, arena, &c, &none, NULL);
	c.strict = false;
	/* the treasury's share of the metered fees, floored; the rest leaves the supply */
	SVM_ASSERT(env->treasury_bps <= 10000);
	uint64_t share = (uint64_t)((unsigned __int128)burned * env->treasury_bps / 10000);
	SVM_ASSERT(share <= burned); /* the retired part below cannot wrap */
	svm_id_t treasury;
	svm_treasury_id(&treasury);
	int rc = svm_ledger_retire(&c, &env->fee_token, burned - share);
	if (rc == 0 && share) rc = svm_ledger_credit(&c, &env->fee_token, &treasury, share);
	/* tips: the proposer's, or on a chain the epoch's validators' (paid by stake at the epoch) */
	svm_id_t pool;
	svm_staking_tips_id(&pool);
	if (rc == 0 && !env->staking_epochs) rc = svm_ledger_credit(&c, &env->fee_token, &env->proposer, tips);
	else if (rc == 0 && tips) rc = svm_ledger_credit(&c, &env->fee_token, &pool, tips);
	if (rc == 0 && env->congestion_target_txs) rc = settle_congestion(env, &c, txs, index, included);
	if (rc == 0 && env->staking_epochs)
		rc = svm_staking_block_end(&c, env->late_qc, env->late_qc_len, env->count_downtime);
	if (rc == 0) rc = keep_settle_events(&c, out_arena, out);
	if (rc && rc != SVM_ENOMEM) rc = SVM_EIO;
	if (rc == 0) rc = v->error(v);
	return rc;
}

/* ------------------------------------------------------- the reference */

static size_t ov_mark(exec_view_t *v) { return ((overlay_t *)v)->journal_len; }
static void ov_rollback(exec_view_t *v, size_t mark) { overlay_rollback((overlay_t *)v, mark); }
static int ov_error(exec_view_t *v) { return ((overlay_t *)v)->error; }

int svm_exec_sequential(const svm_block_env_t *env, const svm_exec_tx_t *txs, size_t n,
			svm_exec_mode_t mode, const svm_exec_base_t *base, svm_arena_t *arena,
			svm_exec_result_t *out, size_t *bad_index)
{
	exec_heap_keep();
	overlay_t ov;
	overlay_init(&ov, base, arena);
	uint64_t burned = 0, tips = 0;
	memset(out, 0, sizeof(*out));
	out->n = n;
	out->status = svm_arena_alloc(arena, (n ? n : 1) * sizeof(int));
	out->receipts = svm_arena_alloc(arena, (n ? n : 1) * sizeof(svm_receipt_t));
	out->index = svm_arena_alloc(arena, (n ? n : 1) * sizeof(size_t));
	int rc = (out->status && out->receipts && out->index) ? 0 : SVM_ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		exec_outcome_t o;
		rc = svm_exec_tx_run_(env, &ov.ev, arena, &txs[i], NULL, &o);
		if (rc) break;
		if (o.why && mode == SVM_EXEC_APPLY) {
			if (bad_index) *bad_index = i;
			rc = o.why;
		} else if (o.why) {
			out->status[i] = o.why;
		} else {
			SVM_ASSERT(out->included <= i);
			/* the index is in block order: strictly increasing */
			SVM_ASSERT(out->included == 0 || out->index[out->included - 1] < i);
			SVM_ASSERT(o.receipt.fee_charged == o.fee && o.receipt.tip_paid == o.tip);
			out->receipts[out->included] = o.receipt;
			out->index[out->included++] = i;
			burned += o.fee;
			tips += o.tip;
		}
	}
	if (rc == 0)
		rc = svm_exec_settle_(env, &ov.ev, arena, txs, out->index, out->included, burned, tips, arena, out);
	if (rc == 0) rc = overlay_writes(&ov, out);
	out->burned = burned;
	out->tips = tips;
	overlay_free(&ov);
	return rc;
}

int svm_exec_system(const svm_block_env_t *env, const svm_exec_base_t *base, svm_exec_system_fn fn,
		    void *ud, svm_arena_t *arena, svm_exec_result_t *out)
{
	overlay_t ov;
	overlay_init(&ov, base, arena);
	memset(out, 0, sizeof(*out));
	svm_txctx_t c;
	svm_exec_tx_t none;
	memset(&none, 0, sizeof none);
	ctx_init(env, &ov.ev, arena, &c, &none, NULL);
	c.strict = false;
	int rc = fn(&c, ud);
	if (rc == 0 && ov.error) rc = ov.error;
	if (rc == 0) rc = overlay_writes(&ov, out);
	overlay_free(&ov);
	return rc;
}

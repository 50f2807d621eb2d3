/* The host interface every program calls: metered, access-checked object reads and writes
 * through the executor's view, and events. */
#include <string.h>

#include "vm/host/internal.h"

int svm_host_charge(svm_txctx_t *c, uint64_t steps)
{
	uint64_t total;
	if (!svm_add_u64(c->steps, steps, &total) || total > c->steps_limit) {
		c->steps = c->steps_limit;
		return SVM_EGAS;
	}
	c->steps = total;
	SVM_ASSERT(c->steps <= c->steps_limit);
	return 0;
}

int svm_host_mark(svm_txctx_t *c, svm_host_mark_t *m)
{
	const svm_view_ops_t *ops = c->view->ops;
	if (ops->mark == NULL || ops->rollback == NULL) return SVM_EUNSUPPORTED;
	m->view_mark = ops->mark(c->view);
	SVM_ASSERT(c->events_len <= SVM_RECEIPT_EVENTS_MAX);
	m->events_len = c->events_len;
	return 0;
}

void svm_host_rollback(svm_txctx_t *c, const svm_host_mark_t *m)
{
	SVM_ASSERT(m->events_len <= c->events_len); /* a mark not yet rolled back past */
	c->view->ops->rollback(c->view, m->view_mark);
	c->events_len = m->events_len;
}

static bool in_inputs(const svm_tx_input_t *in, uint32_t n, const svm_id_t *id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		SVM_ASSERT(mid >= lo && mid < hi && hi <= n);
		int c = svm_hash_cmp(&in[mid].id, id);
		if (c == 0) return true;
		if (c < 0) lo = mid + 1;
		else hi = mid;
	}
	/* not found: the neighbours bracket the id (unsorted inputs would break the search) */
	SVM_ASSERT(lo == 0 || svm_hash_cmp(&in[lo - 1].id, id) < 0);
	SVM_ASSERT(lo == n || svm_hash_cmp(&in[lo].id, id) > 0);
	return false;
}

bool svm_txctx_may_write(const svm_txctx_t *c, const svm_id_t *id)
{
	if (!c->strict) return true;
	if (svm_hash_eq(&c->implicit[0], id) || svm_hash_eq(&c->implicit[1], id)) return true;
	return svm_hash_in_sorted(c->tx->writes, c->tx->writes_len, id) ||
	       in_inputs(c->tx->inputs, c->tx->inputs_len, id);
}

bool svm_txctx_may_read(const svm_txctx_t *c, const svm_id_t *id)
{
	return svm_txctx_may_write(c, id) || !c->strict ||
	       svm_hash_in_sorted(c->tx->reads, c->tx->reads_len, id);
}

_Static_assert(SVM_STEPS_PER_BYTE_DEN > 0, "steps per byte is a fraction");

static uint64_t byte_steps(size_t len)
{
	return ((uint64_t)len * SVM_STEPS_PER_BYTE_NUM + SVM_STEPS_PER_BYTE_DEN - 1) /
	       SVM_STEPS_PER_BYTE_DEN;
}

int svm_host_read_(svm_txctx_t *c, const svm_id_t *id, svm_object_t *o, size_t *len)
{
	if (!svm_txctx_may_read(c, id)) return SVM_EACCESS;
	if (c->on_access) c->on_access(c->on_access_ud, id, false);
	const uint8_t *bytes;
	int rc = c->view->ops->get(c->view, id, &bytes, len);
	if (rc) return rc;
	/* Stored bytes were encoded by us; a decode failure means a corrupt store. */
	return svm_object_decode(bytes, *len, o, NULL) ? SVM_EIO : 0;
}

int svm_host_get(svm_txctx_t *c, const svm_id_t *id, svm_object_t *o)
{
	if (!svm_txctx_may_read(c, id)) return SVM_EACCESS;
	int rc = svm_host_charge(c, SVM_STEPS_OBJECT_READ);
	size_t len = 0;
	if (rc == 0) rc = svm_host_read_(c, id, o, &len);
	if (rc == 0 || rc == SVM_ENOTFOUND) {
		int charged = svm_host_charge(c, byte_steps(len));
		if (charged) return charged;
	}
	return rc;
}

int svm_host_put(svm_txctx_t *c, const svm_object_t *o)
{
	size_t len;
	int rc = svm_host_write_(c, o, &len);
	if (rc) return rc;
	return svm_host_charge(c, SVM_STEPS_OBJECT_WRITE + byte_steps(len));
}

int svm_host_write_(svm_txctx_t *c, const svm_object_t *o, size_t *out_len)
{
	if (!svm_txctx_may_write(c, &o->id)) return SVM_EACCESS;
	svm_object_t w = *o;
	w.version = c->height;
	uint8_t stack[256];
	svm_buf_t b = {0};
	b.data = stack; /* small objects encode without touching the heap */
	b.cap = sizeof stack;
	b.cap_max = sizeof stack;
	int rc = svm_object_encode(&w, &b);
	svm_buf_t big = {0};
	const uint8_t *bytes = stack;
	size_t len = b.len;
	SVM_ASSERT(b.data == stack && b.len <= sizeof stack); /* capped: never reallocated */
	if (rc == SVM_ELIMIT) {
		rc = svm_object_encode(&w, &big);
		bytes = big.data;
		len = big.len;
	}
	*out_len = len;
	SVM_ASSERT(rc != 0 || (bytes && len > 0));
	if (rc == 0 && c->on_access) c->on_access(c->on_access_ud, &o->id, true);
	if (rc == 0) rc = c->view->ops->put(c->view, &o->id, bytes, len);
	svm_buf_free(&big);
	return rc;
}

int svm_host_remove_(svm_txctx_t *c, const svm_id_t *id)
{
	if (!svm_txctx_may_write(c, id)) return SVM_EACCESS;
	if (c->on_access) c->on_access(c->on_access_ud, id, true);
	return c->view->ops->put(c->view, id, NULL, 0);
}

int svm_host_credit_(svm_txctx_t *c, const svm_id_t *id, const svm_id_t *token,
		     const svm_id_t *owner, uint64_t amount)
{
	/* Read-add-write needs read and write access; writable implies readable. */
	if (!svm_txctx_may_write(c, id)) return SVM_EACCESS;
	if (c->on_access) c->on_access(c->on_access_ud, id, true);
	return c->view->ops->credit(c->view, id, token, owner, amount);
}

int svm_host_retire_(svm_txctx_t *c, const svm_id_t *id, uint64_t amount)
{
	SVM_ASSERT(amount > 0 && c->view->ops->retire != NULL);
	if (!svm_txctx_may_write(c, id)) return SVM_EACCESS;
	if (c->on_access) c->on_access(c->on_access_ud, id, true);
	return c->view->ops->retire(c->view, id, amount);
}

int svm_host_del(svm_txctx_t *c, const svm_id_t *id)
{
	if (!svm_txctx_may_write(c, id)) return SVM_EACCESS;
	int rc = svm_host_charge(c, SVM_STEPS_OBJECT_WRITE);
	return rc ? rc : svm_host_remove_(c, id);
}

int svm_host_emit(svm_txctx_t *c, const svm_id_t *emitter, const void *topic, size_t topic_len,
		  const void *data, size_t data_len)
{
	if (c->events_len >= SVM_RECEIPT_EVENTS_MAX || topic_len > SVM_EVENT_TOPIC_MAX ||
	    data_len > SVM_EVENT_DATA_MAX)
		return SVM_ELIMIT;
	int rc = svm_host_charge(c, SVM_STEPS_EVENT + byte_steps(topic_len + data_len));
	if (rc) return rc;
	svm_event_t *e = &c->events[c->events_len];
	e->emitter = *emitter;
	e->topic = svm_arena_dup(c->arena, topic, topic_len);
	e->data = svm_arena_dup(c->arena, data, data_len);
	if (e->topic == NULL || e->data == NULL) return SVM_ENOMEM;
	e->topic_len = topic_len;
	e->data_len = data_len;
	c->events_len++;
	SVM_ASSERT(c->events_len <= SVM_RECEIPT_EVENTS_MAX);
	return 0;
}

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

int svm_host_probe_(svm_txctx_t *c, const svm_id_t *id, svm_object_t *o)
{
	if (c->view->ops->probe == NULL) {
		size_t len;
		return svm_host_read_(c, id, o, &len);
	}
	if (!svm_txctx_may_read(c, id)) return SVM_EACCESS;
	if (c->on_access) c->on_access(c->on_access_ud, id, false);
	const uint8_t *bytes;
	size_t len;
	int rc = c->view->ops->probe(c->view, id, &bytes, &len);
	if (rc) return rc;
	return svm_object_decode(bytes, len, o, NULL) ? SVM_EIO : 0;
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

/* ------------------------------------------------------------ records */

/* Field i of a record plus d, exactly: false below zero or past 2^64 − 1. */
static bool field_add(uint64_t v, int64_t d, uint64_t *out)
{
	if (d >= 0) return svm_add_u64(v, (uint64_t)d, out);
	uint64_t sub = d == INT64_MIN ? (uint64_t)INT64_MAX + 1 : (uint64_t)-d;
	SVM_ASSERT(sub > 0 && sub <= (uint64_t)INT64_MAX + 1);
	if (v < sub) return false;
	*out = v - sub;
	return true;
}

int svm_record_add(const svm_id_t *id, const uint8_t *bytes, size_t len, const int64_t *d,
		   size_t n, uint64_t height, svm_buf_t *out)
{
	svm_object_t o;
	if (n == 0 || n > SVM_RECORD_FIELDS_MAX || svm_object_decode(bytes, len, &o, NULL) ||
	    o.type != SVM_OBJ_STORAGE || o.owner_kind != SVM_OWNER_SHARED)
		return SVM_EIO;
	uint64_t v[SVM_RECORD_FIELDS_MAX];
	svm_reader_t r = svm_reader(o.payload, o.payload_len);
	for (size_t i = 0; i < n; i++)
		if (svm_varint_read(&r, &v[i])) return SVM_EIO;
	if (svm_reader_left(&r)) return SVM_EIO;
	uint8_t payload[SVM_RECORD_FIELDS_MAX * SVM_VARINT_MAX];
	size_t plen = 0;
	for (size_t i = 0; i < n; i++) {
		if (!field_add(v[i], d[i], &v[i])) return SVM_EOVERFLOW;
		plen += svm_varint_put(payload + plen, v[i]);
	}
	SVM_ASSERT(plen >= n && plen <= sizeof payload);
	svm_object_t w = {.id = *id, .version = height, .owner_kind = SVM_OWNER_SHARED, .type = SVM_OBJ_STORAGE, .payload = payload, .payload_len = plen};
	return svm_object_encode(&w, out) ? SVM_EIO : 0;
}

/* The read-add-write of a record (every view without the record_add delta, and the cases it
 * declines): the same codec as the delta's resolution, so both give the same bytes. */
static int record_rmw(svm_txctx_t *c, const svm_id_t *id, const int64_t *d, size_t n)
{
	if (c->on_access) c->on_access(c->on_access_ud, id, false);
	const uint8_t *bytes;
	size_t len;
	int rc = c->view->ops->get(c->view, id, &bytes, &len);
	if (rc) return rc == SVM_ENOTFOUND ? SVM_EIO : rc;
	uint8_t stack[SVM_RECORD_OBJECT_MAX];
	svm_buf_t b = {.data = stack, .cap = sizeof stack, .cap_max = sizeof stack};
	rc = svm_record_add(id, bytes, len, d, n, c->height, &b);
	if (rc) return SVM_EIO; /* a corrupt record, or counters the program kept inconsistent */
	SVM_ASSERT(b.data == stack && b.len > 0 && b.len <= sizeof stack);
	if (c->on_access) c->on_access(c->on_access_ud, id, true);
	return c->view->ops->put(c->view, id, b.data, b.len);
}

int svm_host_record_add(svm_txctx_t *c, const svm_id_t *id, const int64_t *d, size_t n)
{
	SVM_ASSERT(n > 0 && n <= SVM_RECORD_FIELDS_MAX);
	if (!svm_txctx_may_write(c, id)) return SVM_EACCESS;
	int rc = svm_host_charge(c, SVM_STEPS_RECORD_ADD);
	if (rc) return rc;
	if (c->view->ops->record_add) {
		if (c->on_access) c->on_access(c->on_access_ud, id, true);
		rc = c->view->ops->record_add(c->view, id, d, n);
		if (rc != SVM_EUNSUPPORTED) return rc;
	}
	return record_rmw(c, id, d, n);
}

/* Receipts: what executing one transaction did — status, resources, fees, events, return data. */
#include "codec.h"

static int receipt_check(const svm_receipt_t *r)
{
	if (r->status > (uint8_t)-SVM_E_LAST) return SVM_EINVAL;
	if (r->events_len > SVM_RECEIPT_EVENTS_MAX) return SVM_ELIMIT;
	if (r->events_len && !r->events) return SVM_EINVAL;
	for (uint32_t i = 0; i < r->events_len; i++) {
		TRY(chk_bytes(r->events[i].topic, r->events[i].topic_len, SVM_EVENT_TOPIC_MAX));
		TRY(chk_bytes(r->events[i].data, r->events[i].data_len, SVM_EVENT_DATA_MAX));
	}
	return chk_bytes(r->return_data, r->return_data_len, SVM_RETURN_DATA_MAX);
}

static int receipt_write(const svm_receipt_t *r, svm_buf_t *out)
{
	SVM_ASSERT(receipt_check(r) == 0); /* only a checked receipt is written */
	TRY(svm_buf_push(out, SVM_TAG_RECEIPT));
	TRY(svm_buf_append(out, r->tx_id.b, SVM_HASH_SIZE));
	TRY(svm_buf_push(out, r->status));
	TRY(svm_varint_append(out, r->tx_bytes));
	TRY(svm_varint_append(out, r->steps));
	TRY(svm_varint_append(out, r->mem_bytes));
	TRY(svm_varint_append(out, r->fee_charged));
	TRY(svm_varint_append(out, r->tip_paid));
	TRY(svm_varint_append(out, r->events_len));
	for (uint32_t i = 0; i < r->events_len; i++) {
		const svm_event_t *e = &r->events[i];
		TRY(svm_buf_append(out, e->emitter.b, SVM_HASH_SIZE));
		TRY(wr_bytes(out, e->topic, e->topic_len));
		TRY(wr_bytes(out, e->data, e->data_len));
	}
	return wr_bytes(out, r->return_data, r->return_data_len);
}

int svm_receipt_encode(const svm_receipt_t *r, svm_buf_t *out)
{
	TRY(receipt_check(r));
	size_t start = out->len;
	int rc = receipt_write(r, out);
	if (rc != 0) out->len = start;
	SVM_ASSERT(rc != 0 ? out->len == start : out->data[start] == SVM_TAG_RECEIPT);
	return rc;
}

static int rd_events(svm_reader_t *rd, svm_arena_t *arena, svm_receipt_t *r, svm_error_t *err)
{
	uint64_t n;
	void *p;
	TRY(rd_len(rd, SVM_RECEIPT_EVENTS_MAX, &n, "receipt.events", err));
	TRY(arena_array(arena, (size_t)n, sizeof(svm_event_t), &p, "receipt.events", err));
	svm_event_t *ev = p;
	SVM_ASSERT(n == 0 || ev != NULL);
	for (size_t i = 0; i < n; i++) {
		TRY(rd_hash(rd, &ev[i].emitter, "event.emitter", err));
		TRY(rd_bytes(rd, SVM_EVENT_TOPIC_MAX, &ev[i].topic, &ev[i].topic_len, "event.topic",
			     err));
		TRY(rd_bytes(rd, SVM_EVENT_DATA_MAX, &ev[i].data, &ev[i].data_len, "event.data", err));
	}
	r->events = ev;
	r->events_len = (uint32_t)n;
	return 0;
}

int svm_receipt_decode(const uint8_t *p, size_t len, svm_arena_t *arena, svm_receipt_t *r,
		       svm_error_t *err)
{
	svm_reader_t rd = svm_reader(p, len);
	memset(r, 0, sizeof *r);
	TRY(rd_tag(&rd, SVM_TAG_RECEIPT, "receipt", err));
	TRY(rd_hash(&rd, &r->tx_id, "receipt.tx_id", err));
	TRY(rd_u8(&rd, &r->status, "receipt.status", err));
	if (r->status > (uint8_t)-SVM_E_LAST)
		return svm_error_set(err, SVM_EDECODE, "receipt.status: unknown %u", r->status);
	TRY(rd_u64(&rd, &r->tx_bytes, "receipt.tx_bytes", err));
	TRY(rd_u64(&rd, &r->steps, "receipt.steps", err));
	TRY(rd_u64(&rd, &r->mem_bytes, "receipt.mem_bytes", err));
	TRY(rd_u64(&rd, &r->fee_charged, "receipt.fee_charged", err));
	TRY(rd_u64(&rd, &r->tip_paid, "receipt.tip_paid", err));
	TRY(rd_events(&rd, arena, r, err));
	TRY(rd_bytes(&rd, SVM_RETURN_DATA_MAX, &r->return_data, &r->return_data_len,
		     "receipt.return_data", err));
	TRY(rd_end(&rd, "receipt", err));
	/* a decoded receipt is one the encoder accepts */
	SVM_ASSERT(receipt_check(r) == 0);
	return 0;
}

/* Object encoding: the one representation of every piece of state (layout in docs/encoding.md). */
#include "codec.h"

static int object_check(const svm_object_t *o)
{
	if (o->owner_kind > SVM_OWNER_IMMUTABLE) return SVM_EINVAL;
	if (o->owner_kind != SVM_OWNER_ADDRESS && !svm_hash_is_zero(&o->owner)) return SVM_EINVAL;
	if (o->type == 0 || o->type > SVM_OBJ_TYPE_MAX) return SVM_EINVAL;
	return chk_bytes(o->payload, o->payload_len, SVM_OBJECT_PAYLOAD_MAX);
}

static int object_write(const svm_object_t *o, svm_buf_t *out)
{
	SVM_ASSERT(object_check(o) == 0); /* only a checked object is written */
	TRY(svm_buf_push(out, SVM_TAG_OBJECT));
	TRY(svm_buf_append(out, o->id.b, SVM_HASH_SIZE));
	TRY(svm_varint_append(out, o->version));
	TRY(svm_buf_push(out, o->owner_kind));
	if (o->owner_kind == SVM_OWNER_ADDRESS) TRY(svm_buf_append(out, o->owner.b, SVM_HASH_SIZE));
	TRY(svm_varint_append(out, o->type));
	return wr_bytes(out, o->payload, o->payload_len);
}

int svm_object_encode(const svm_object_t *o, svm_buf_t *out)
{
	TRY(object_check(o));
	size_t start = out->len;
	int rc = object_write(o, out);
	if (rc != 0) out->len = start;
	SVM_ASSERT(rc != 0 ? out->len == start : out->data[start] == SVM_TAG_OBJECT);
	return rc;
}

int svm_object_decode(const uint8_t *p, size_t len, svm_object_t *o, svm_error_t *err)
{
	svm_reader_t r = svm_reader(p, len);
	memset(o, 0, sizeof *o);
	TRY(rd_tag(&r, SVM_TAG_OBJECT, "object", err));
	TRY(rd_hash(&r, &o->id, "object.id", err));
	TRY(rd_u64(&r, &o->version, "object.version", err));
	TRY(rd_u8(&r, &o->owner_kind, "object.owner_kind", err));
	if (o->owner_kind > SVM_OWNER_IMMUTABLE)
		return svm_error_set(err, SVM_EDECODE, "object.owner_kind: unknown %u", o->owner_kind);
	if (o->owner_kind == SVM_OWNER_ADDRESS) TRY(rd_hash(&r, &o->owner, "object.owner", err));
	uint64_t type;
	TRY(rd_u64(&r, &type, "object.type", err));
	if (type == 0 || type > SVM_OBJ_TYPE_MAX)
		return svm_error_set(err, SVM_EDECODE, "object.type: unknown %llu",
				     (unsigned long long)type);
	_Static_assert(SVM_OBJ_TYPE_MAX <= UINT16_MAX, "an object type fits its u16");
	o->type = (uint16_t)type;
	TRY(rd_bytes(&r, SVM_OBJECT_PAYLOAD_MAX, &o->payload, &o->payload_len, "object.payload",
		     err));
	TRY(rd_end(&r, "object", err));
	/* a decoded object is one the encoder accepts (an owner only when owned by an address) */
	SVM_ASSERT(object_check(o) == 0);
	return 0;
}

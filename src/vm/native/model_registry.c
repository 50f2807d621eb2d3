/* The model registry (native program 16): content-addressed chunks and immutable model
 * manifests. register checks everything a job will rely on — every chunk present, the weights'
 * hash, that they parse as SVQ8 with the declared shapes, and that the inference module validates
 * in the AI runner's configuration — so a registered model is always runnable. */
#include <string.h>

#include "supervm/ai.h"

static void tagged2(const char *tag, const void *a, size_t alen, const void *b, size_t blen,
		    svm_id_t *out)
{
	svm_slice_t parts[2] = {{a, alen}, {b, blen}};
	svm_sha256_tagged(tag, parts, b ? 2 : 1, out);
}

void svm_ai_chunk_id(const uint8_t *bytes, size_t len, svm_id_t *out)
{
	tagged2("svm/ai/chunk", bytes, len, NULL, 0, out);
}

void svm_ai_model_id(const svm_id_t *owner, const char *name, uint64_t version, svm_id_t *out)
{
	uint8_t be[8];
	svm_put_u64be(be, version);
	svm_slice_t parts[3] = {{owner->b, 32}, {(const uint8_t *)name, strlen(name)}, {be, 8}};
	svm_sha256_tagged("svm/ai/model", parts, 3, out);
}

int svm_ai_manifest_encode(const svm_ai_manifest_t *m, bool with_owner, svm_buf_t *out)
{
	size_t nlen = strlen(m->name);
	if (nlen == 0 || nlen > SVM_AI_NAME_MAX || m->chunks_len == 0 ||
	    m->chunks_len > SVM_AI_MODEL_CHUNKS_MAX)
		return SVM_EINVAL;
	int rc = svm_varint_append(out, nlen);
	if (!rc) rc = svm_buf_append(out, m->name, nlen);
	if (!rc) rc = svm_varint_append(out, m->version);
	if (!rc) rc = svm_buf_push(out, m->format);
	if (!rc) rc = svm_varint_append(out, m->input_len);
	if (!rc) rc = svm_buf_push(out, m->input_type);
	if (!rc) rc = svm_varint_append(out, m->output_len);
	if (!rc) rc = svm_buf_push(out, m->output_type);
	if (!rc) rc = svm_buf_append(out, m->weights_hash.b, 32);
	if (!rc) rc = svm_varint_append(out, m->chunks_len);
	for (uint32_t i = 0; !rc && i < m->chunks_len; i++) rc = svm_buf_append(out, m->chunks[i].b, 32);
	if (!rc) rc = svm_buf_append(out, m->code_hash.b, 32);
	if (!rc && m->tee_measurements_len > SVM_AI_TEE_MEASUREMENTS_MAX) rc = SVM_EINVAL;
	for (uint32_t i = 1; !rc && i < m->tee_measurements_len; i++)
		if (memcmp(m->tee_measurements[i - 1], m->tee_measurements[i], 48) >= 0)
			rc = SVM_EINVAL; /* strictly ascending: one encoding per set */
	if (!rc) rc = svm_varint_append(out, m->tee_measurements_len);
	for (uint32_t i = 0; !rc && i < m->tee_measurements_len; i++)
		rc = svm_buf_append(out, m->tee_measurements[i], 48);
	if (!rc && with_owner) rc = svm_buf_append(out, m->owner.b, 32);
	return rc;
}

int svm_ai_manifest_decode(const uint8_t *p, size_t len, bool with_owner, svm_ai_manifest_t *m)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t nlen, v, in_len, out_len, chunks;
	memset(m, 0, sizeof *m);
	if (svm_varint_read(&r, &nlen) || nlen == 0 || nlen > SVM_AI_NAME_MAX ||
	    svm_reader_copy(&r, m->name, nlen) || memchr(m->name, 0, nlen) ||
	    svm_varint_read(&r, &v) || svm_reader_u8(&r, &m->format) ||
	    svm_varint_read(&r, &in_len) || in_len > SVM_AI_DIM_MAX ||
	    svm_reader_u8(&r, &m->input_type) || svm_varint_read(&r, &out_len) ||
	    out_len > SVM_AI_OUTPUT_MAX || svm_reader_u8(&r, &m->output_type) ||
	    svm_reader_copy(&r, m->weights_hash.b, 32) || svm_varint_read(&r, &chunks) ||
	    chunks == 0 || chunks > SVM_AI_MODEL_CHUNKS_MAX)
		return SVM_EDECODE;
	m->version = v;
	m->input_len = (uint32_t)in_len;
	m->output_len = (uint32_t)out_len;
	m->chunks_len = (uint32_t)chunks;
	for (uint32_t i = 0; i < m->chunks_len; i++)
		if (svm_reader_copy(&r, m->chunks[i].b, 32)) return SVM_EDECODE;
	if (svm_reader_copy(&r, m->code_hash.b, 32) || svm_varint_read(&r, &v) ||
	    v > SVM_AI_TEE_MEASUREMENTS_MAX)
		return SVM_EDECODE;
	m->tee_measurements_len = (uint32_t)v;
	for (uint32_t i = 0; i < m->tee_measurements_len; i++)
		if (svm_reader_copy(&r, m->tee_measurements[i], 48) ||
		    (i > 0 && memcmp(m->tee_measurements[i - 1], m->tee_measurements[i], 48) >= 0))
			return SVM_EDECODE;
	if (with_owner && svm_reader_copy(&r, m->owner.b, 32)) return SVM_EDECODE;
	return svm_reader_left(&r) ? SVM_EDECODE : 0;
}

static int header(svm_buf_t *out, uint64_t method)
{
	int rc = svm_varint_append(out, SVM_PROGRAM_MODELS);
	return rc ? rc : svm_varint_append(out, method);
}

int svm_ai_put_chunk_payload(svm_buf_t *out, const uint8_t *bytes, size_t len)
{
	if (len == 0 || len > SVM_AI_CHUNK_MAX) return SVM_EINVAL;
	int rc = header(out, SVM_MODELS_PUT_CHUNK);
	if (!rc) rc = svm_varint_append(out, len);
	return rc ? rc : svm_buf_append(out, bytes, len);
}

int svm_ai_register_payload(svm_buf_t *out, const svm_ai_manifest_t *m)
{
	int rc = header(out, SVM_MODELS_REGISTER);
	return rc ? rc : svm_ai_manifest_encode(m, false, out);
}

/* ------------------------------------------------------------ execution */

static uint64_t per8(size_t n) { return (n + 7) / 8; }

static int put_chunk(svm_txctx_t *c, svm_reader_t *r)
{
	uint64_t n;
	const uint8_t *bytes;
	if (svm_varint_read(r, &n) || n == 0 || n > SVM_AI_CHUNK_MAX || svm_reader_bytes(r, n, &bytes) ||
	    svm_reader_left(r))
		return SVM_EDECODE;
	int rc = svm_host_charge(c, 50 + per8(n)); /* hashing */
	if (rc) return rc;
	svm_object_t o = {.owner_kind = SVM_OWNER_IMMUTABLE, .type = SVM_OBJ_STORAGE,
			  .payload = bytes, .payload_len = n};
	svm_ai_chunk_id(bytes, n, &o.id);
	svm_object_t existing;
	rc = svm_host_get(c, &o.id, &existing);
	if (rc == SVM_ENOTFOUND) rc = svm_host_put(c, &o); /* content-addressed: once */
	if (rc) return rc;
	c->return_data = svm_arena_dup(c->arena, o.id.b, 32);
	c->return_data_len = c->return_data ? 32 : 0;
	return c->return_data ? 0 : SVM_ENOMEM;
}

/* Reads chunk id (an immutable object made by put_chunk); *p borrows the view. */
int svm_ai_read_chunk_(svm_txctx_t *c, const svm_id_t *id, const uint8_t **p, size_t *len)
{
	svm_object_t o;
	int rc = svm_host_get(c, id, &o);
	if (rc) return rc;
	if (o.owner_kind != SVM_OWNER_IMMUTABLE || o.type != SVM_OBJ_STORAGE) return SVM_EINVAL;
	*p = o.payload;
	*len = o.payload_len;
	return 0;
}

/* The weights of a manifest, concatenated into the block arena and checked against its hash. */
int svm_ai_load_weights_(svm_txctx_t *c, const svm_ai_manifest_t *m, const uint8_t **out,
			 size_t *out_len)
{
	size_t total = 0;
	for (uint32_t i = 0; i < m->chunks_len; i++) {
		const uint8_t *p;
		size_t n;
		int rc = svm_ai_read_chunk_(c, &m->chunks[i], &p, &n);
		if (rc) return rc;
		total += n;
	}
	if (total > SVM_AI_MODEL_BYTES_MAX) return SVM_ELIMIT;
	uint8_t *buf = svm_arena_alloc_raw(c->arena, total ? total : 1);
	if (buf == NULL) return SVM_ENOMEM;
	size_t off = 0;
	for (uint32_t i = 0; i < m->chunks_len; i++) {
		const uint8_t *p;
		size_t n;
		int rc = svm_ai_read_chunk_(c, &m->chunks[i], &p, &n);
		if (rc) return rc;
		memcpy(buf + off, p, n);
		off += n;
	}
	int rc = svm_host_charge(c, 50 + per8(total));
	if (rc) return rc;
	svm_hash_t h;
	svm_sha256(buf, total, &h);
	if (!svm_hash_eq(&h, &m->weights_hash)) return SVM_EPROOF;
	*out = buf;
	*out_len = total;
	return 0;
}

/* Inference modules are stored by put_code under SHA-256("svm/ai/code" ‖ SHA-256(module)),
 * payload = the module, after validating it in the AI runner's configuration. */
void svm_ai_code_id(const svm_hash_t *code_hash, svm_id_t *out)
{
	tagged2("svm/ai/code", code_hash->b, 32, NULL, 0, out);
}

int svm_ai_load_code_(svm_txctx_t *c, const svm_hash_t *code_hash, const uint8_t **p, size_t *len)
{
	svm_id_t id;
	svm_ai_code_id(code_hash, &id);
	return svm_ai_read_chunk_(c, &id, p, len);
}

int svm_ai_manifest_load_(svm_txctx_t *c, const svm_id_t *model, svm_ai_manifest_t *m)
{
	svm_object_t o;
	int rc = svm_host_get(c, model, &o);
	if (rc) return rc;
	return svm_ai_manifest_decode(o.payload, o.payload_len, true, m) ? SVM_EIO : 0;
}

static int put_code(svm_txctx_t *c, svm_reader_t *r)
{
	uint64_t n;
	const uint8_t *bytes;
	if (svm_varint_read(r, &n) || n == 0 || n > SVM_AI_CHUNK_MAX || svm_reader_bytes(r, n, &bytes) ||
	    svm_reader_left(r))
		return SVM_EDECODE;
	int rc = svm_host_charge(c, SVM_STEPS_DEPLOY_BASE + n * SVM_STEPS_DEPLOY_PER_BYTE);
	if (rc) return rc;
	svm_wasm_config_t cfg;
	svm_ai_vm_config(&cfg);
	svm_wasm_module_t *mod;
	rc = svm_wasm_module_new(&mod, bytes, n, &cfg, NULL);
	if (rc) return rc == SVM_ENOMEM ? rc : SVM_EVALIDATE;
	svm_wasm_module_free(mod);
	svm_hash_t h;
	svm_sha256(bytes, n, &h);
	svm_object_t o = {.owner_kind = SVM_OWNER_IMMUTABLE, .type = SVM_OBJ_STORAGE,
			  .payload = bytes, .payload_len = n};
	svm_ai_code_id(&h, &o.id);
	svm_object_t existing;
	rc = svm_host_get(c, &o.id, &existing);
	if (rc == SVM_ENOTFOUND) rc = svm_host_put(c, &o);
	if (rc) return rc;
	c->return_data = svm_arena_dup(c->arena, h.b, 32); /* the code hash */
	c->return_data_len = c->return_data ? 32 : 0;
	return c->return_data ? 0 : SVM_ENOMEM;
}

static int register_model(svm_txctx_t *c, svm_reader_t *r)
{
	svm_ai_manifest_t *m = svm_arena_alloc(c->arena, sizeof *m);
	if (m == NULL) return SVM_ENOMEM;
	if (svm_ai_manifest_decode(r->p + r->pos, svm_reader_left(r), false, m)) return SVM_EDECODE;
	m->owner = c->tx->sender;
	if (m->format != SVM_AI_FORMAT_SVQ8 || m->input_type != SVM_AI_TYPE_U8 ||
	    m->output_type != SVM_AI_TYPE_LOGITS_I32)
		return SVM_EUNSUPPORTED;
	svm_id_t id;
	svm_ai_model_id(&m->owner, m->name, m->version, &id);
	svm_object_t existing;
	int rc = svm_host_get(c, &id, &existing);
	if (rc == 0) return SVM_EEXIST; /* immutable: a new version is a new manifest */
	if (rc != SVM_ENOTFOUND) return rc;
	const uint8_t *w;
	size_t wlen;
	rc = svm_ai_load_weights_(c, m, &w, &wlen);
	if (rc) return rc;
	svm_ai_model_t model;
	rc = svm_host_charge(c, per8(wlen));
	if (rc == 0 && svm_ai_model_parse(w, wlen, &model)) rc = SVM_EINVAL;
	if (rc == 0 && (model.input_len != m->input_len || model.output_len != m->output_len))
		rc = SVM_EINVAL;
	const uint8_t *code;
	size_t code_len;
	if (rc == 0) rc = svm_ai_load_code_(c, &m->code_hash, &code, &code_len);
	if (rc) return rc;
	svm_buf_t enc = {0};
	rc = svm_ai_manifest_encode(m, true, &enc);
	svm_object_t o = {.id = id, .owner_kind = SVM_OWNER_IMMUTABLE, .type = SVM_OBJ_STORAGE,
			  .payload = enc.data, .payload_len = enc.len};
	if (rc == 0) rc = svm_host_put(c, &o);
	svm_buf_free(&enc);
	if (rc) return rc;
	svm_id_t emitter;
	svm_sha256_tagged("svm/program/models", NULL, 0, &emitter);
	rc = svm_host_emit(c, &emitter, "model", 5, id.b, 32);
	c->return_data = svm_arena_dup(c->arena, id.b, 32);
	c->return_data_len = c->return_data ? 32 : 0;
	return rc ? rc : c->return_data ? 0 : SVM_ENOMEM;
}

int svm_ai_models_execute(svm_txctx_t *c, const uint8_t *payload, size_t len)
{
	int rc = svm_host_charge(c, SVM_STEPS_NATIVE_CALL);
	if (rc) return rc;
	svm_reader_t r = svm_reader(payload, len);
	uint64_t program, method;
	if (svm_varint_read(&r, &program) || program != SVM_PROGRAM_MODELS ||
	    svm_varint_read(&r, &method))
		return SVM_EDECODE;
	switch (method) {
	case SVM_MODELS_PUT_CHUNK:
		return put_chunk(c, &r);
	case SVM_MODELS_REGISTER:
		return register_model(c, &r);
	case SVM_MODELS_PUT_CODE:
		return put_code(c, &r);
	}
	return SVM_EDECODE;
}

int svm_ai_put_code_payload(svm_buf_t *out, const uint8_t *module, size_t len)
{
	if (len == 0 || len > SVM_AI_CHUNK_MAX) return SVM_EINVAL;
	int rc = header(out, SVM_MODELS_PUT_CODE);
	if (!rc) rc = svm_varint_append(out, len);
	return rc ? rc : svm_buf_append(out, module, len);
}

/* The confidential UTXO program (confidential.h): outputs with hidden quantity and flavor,
 * consumed through the transaction's inputs, with Bulletproofs range proofs on new outputs and
 * the balance proof tying inputs, outputs and the public deposit/withdraw together. The
 * wallet-side builder (svm_conf_build) makes the payload the executor checks. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/confidential.h"

static svm_id_t vault_id;
static pthread_once_t vault_once = PTHREAD_ONCE_INIT;

static void vault_init(void) { svm_sha256_tagged("svm/program/confidential", NULL, 0, &vault_id); }

void svm_conf_vault_id(svm_id_t *out)
{
	pthread_once(&vault_once, vault_init);
	*out = vault_id;
}

static void put_u16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void svm_conf_output_id(const svm_id_t *creator, uint64_t nonce, uint16_t index, svm_id_t *out)
{
	uint8_t be[10];
	svm_put_u64be(be, nonce);
	put_u16be(be + 8, index);
	svm_slice_t parts[2] = {{creator->b, SVM_HASH_SIZE}, {be, 10}};
	svm_sha256_tagged("svm/zk/out", parts, 2, out);
}

int svm_conf_output_decode(const uint8_t *p, size_t len, svm_id_t *creator, uint64_t *nonce,
			   uint16_t *index, uint8_t Q[32], uint8_t F[32], const uint8_t **enc,
			   size_t *enc_len)
{
	svm_reader_t r = svm_reader(p, len);
	uint8_t ver, be[10];
	uint64_t el;
	if (svm_reader_u8(&r, &ver) || ver != 1 || svm_reader_copy(&r, creator->b, 32) ||
	    svm_reader_copy(&r, be, 10) || svm_reader_copy(&r, Q, 32) || svm_reader_copy(&r, F, 32) ||
	    svm_varint_read(&r, &el) || el > SVM_CONF_ENC_MAX || svm_reader_bytes(&r, el, enc) ||
	    svm_reader_left(&r))
		return SVM_EDECODE;
	*nonce = 0;
	for (int i = 0; i < 8; i++) *nonce = (*nonce << 8) | be[i];
	*index = (uint16_t)((be[8] << 8) | be[9]);
	*enc_len = el;
	return 0;
}

int svm_conf_ring_output_decode(const uint8_t *p, size_t len, svm_id_t *creator, uint64_t *nonce,
				uint16_t *index, uint8_t P[32], uint8_t Q[32], uint8_t F[32],
				const uint8_t **enc, size_t *enc_len)
{
	svm_reader_t r = svm_reader(p, len);
	uint8_t ver, be[10];
	uint64_t el;
	if (svm_reader_u8(&r, &ver) || ver != 2 || svm_reader_copy(&r, creator->b, 32) ||
	    svm_reader_copy(&r, be, 10) || svm_reader_copy(&r, P, 32) || svm_reader_copy(&r, Q, 32) ||
	    svm_reader_copy(&r, F, 32) || svm_varint_read(&r, &el) || el > SVM_CONF_ENC_MAX ||
	    svm_reader_bytes(&r, el, enc) || svm_reader_left(&r))
		return SVM_EDECODE;
	*nonce = 0;
	for (int i = 0; i < 8; i++) *nonce = (*nonce << 8) | be[i];
	*index = (uint16_t)((be[8] << 8) | be[9]);
	*enc_len = el;
	return 0;
}

void svm_conf_key_image_id(const uint8_t I[32], svm_id_t *out)
{
	svm_slice_t part = {I, 32};
	svm_sha256_tagged("svm/zk/keyimage", &part, 1, out);
}

/* ------------------------------------------------------------ payload */

/* One input of a ring spend: the ring's member ids, the pseudo commitments, the key image and
 * the CLSAG (borrowed from the payload, or from the builder's buffers). */
typedef struct {
	size_t ring_n;
	const uint8_t *ids; /* ring_n × 32, strictly ascending */
	uint8_t Qp[32], Fp[32], I[32];
	const uint8_t *sig; /* svm_zk_clsag_bytes(ring_n) */
} ring_in_t;

typedef struct {
	int ring; /* method SVM_CONF_RING: inputs are rings, outputs carry a one-time key */
	svm_id_t token;
	uint64_t deposit, withdraw;
	size_t n_in, n_out;
	svm_id_t in[SVM_CONF_INPUTS_MAX];
	ring_in_t rin[SVM_CONF_RING_INPUTS_MAX];
	svm_conf_output_t out[SVM_CONF_OUTPUTS_MAX];
	const uint8_t *range;
	size_t range_len;
	const uint8_t *balance;
} call_t;

static int is_zero_id(const svm_id_t *id)
{
	uint8_t acc = 0;
	for (int i = 0; i < 32; i++) acc |= id->b[i];
	return acc == 0;
}

static int parse(const uint8_t *p, size_t len, call_t *c)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t program, method, n_in, n_out;
	memset(c, 0, sizeof *c);
	if (svm_varint_read(&r, &program) || program != SVM_PROGRAM_CONFIDENTIAL ||
	    svm_varint_read(&r, &method) ||
	    (method != SVM_CONF_TRANSACT && method != SVM_CONF_RING) ||
	    svm_reader_copy(&r, c->token.b, 32) || svm_varint_read(&r, &c->deposit) ||
	    svm_varint_read(&r, &c->withdraw) || svm_varint_read(&r, &n_in))
		return SVM_EDECODE;
	c->ring = method == SVM_CONF_RING;
	if (n_in > (c->ring ? SVM_CONF_RING_INPUTS_MAX : SVM_CONF_INPUTS_MAX)) return SVM_EDECODE;
	c->n_in = (size_t)n_in;
	for (size_t i = 0; i < c->n_in && !c->ring; i++) {
		if (svm_reader_copy(&r, c->in[i].b, 32)) return SVM_EDECODE;
		if (i && memcmp(c->in[i - 1].b, c->in[i].b, 32) >= 0) return SVM_EDECODE;
	}
	for (size_t i = 0; i < c->n_in && c->ring; i++) {
		ring_in_t *q = &c->rin[i];
		uint64_t rn;
		if (svm_varint_read(&r, &rn) || rn == 0 || rn > SVM_CONF_RING_MAX ||
		    svm_reader_bytes(&r, rn * 32, &q->ids))
			return SVM_EDECODE;
		q->ring_n = (size_t)rn;
		for (size_t j = 1; j < q->ring_n; j++)
			if (memcmp(q->ids + 32 * (j - 1), q->ids + 32 * j, 32) >= 0) return SVM_EDECODE;
		if (svm_reader_copy(&r, q->Qp, 32) || svm_reader_copy(&r, q->Fp, 32) ||
		    svm_reader_copy(&r, q->I, 32) ||
		    svm_reader_bytes(&r, svm_zk_clsag_bytes(q->ring_n), &q->sig))
			return SVM_EDECODE;
	}
	if (svm_varint_read(&r, &n_out) || n_out > SVM_CONF_OUTPUTS_MAX || (n_out & (n_out - 1)))
		return SVM_EDECODE;
	c->n_out = (size_t)n_out;
	for (size_t j = 0; j < c->n_out; j++) {
		svm_conf_output_t *o = &c->out[j];
		uint64_t el;
		if (svm_reader_copy(&r, o->owner.b, 32) || svm_reader_copy(&r, o->Q, 32) ||
		    svm_reader_copy(&r, o->F, 32) || svm_varint_read(&r, &el) ||
		    el > SVM_CONF_ENC_MAX || svm_reader_bytes(&r, el, &o->enc))
			return SVM_EDECODE;
		o->enc_len = (size_t)el;
	}
	if (c->n_out) {
		c->range_len = svm_zk_range_proof_bytes(c->n_out);
		if (svm_reader_bytes(&r, c->range_len, &c->range)) return SVM_EDECODE;
	}
	if (svm_reader_bytes(&r, SVM_ZK_BALANCE_PROOF_BYTES, &c->balance) || svm_reader_left(&r))
		return SVM_EDECODE;
	return 0;
}

/* The rules that do not need state. */
static int check_rules(const call_t *c)
{
	int pub = c->deposit != 0 || c->withdraw != 0;
	if (pub == is_zero_id(&c->token)) return SVM_EINVAL;
	if (c->deposit && c->withdraw) return SVM_EINVAL;
	if (!pub && c->n_in == 0) return SVM_EINVAL;
	if (c->n_in + c->n_out == 0) return SVM_EINVAL;
	return 0;
}

/* The proofs' context: "svm/zk/tx" ‖ chain id ‖ sender ‖ nonce ‖ SHA-256 of the public
 * fields (token, deposit, withdraw, input ids, and each output's owner and ciphertext), so a
 * proof is bound to everything the transaction says, not only to what it proves. */
#define CTX_BYTES (9 + 8 + 32 + 8 + 32)
static void make_ctx(uint8_t ctx[CTX_BYTES], uint64_t chain_id, const svm_id_t *sender,
		     uint64_t nonce, const call_t *c)
{
	memcpy(ctx, "svm/zk/tx", 9);
	svm_put_u64be(ctx + 9, chain_id);
	memcpy(ctx + 17, sender->b, 32);
	svm_put_u64be(ctx + 49, nonce);
	uint8_t nums[8 * 4];
	svm_put_u64be(nums, c->deposit);
	svm_put_u64be(nums + 8, c->withdraw);
	svm_put_u64be(nums + 16, c->n_in);
	svm_put_u64be(nums + 24, c->n_out);
	svm_slice_t parts[2 + SVM_CONF_INPUTS_MAX + 5 * SVM_CONF_RING_INPUTS_MAX +
			  3 * SVM_CONF_OUTPUTS_MAX];
	uint8_t lens[SVM_CONF_OUTPUTS_MAX][8], rlens[SVM_CONF_RING_INPUTS_MAX][8];
	size_t k = 0;
	parts[k++] = (svm_slice_t){c->token.b, 32};
	parts[k++] = (svm_slice_t){nums, sizeof nums};
	for (size_t i = 0; i < c->n_in && !c->ring; i++) parts[k++] = (svm_slice_t){c->in[i].b, 32};
	for (size_t i = 0; i < c->n_in && c->ring; i++) { /* everything but the signatures */
		const ring_in_t *q = &c->rin[i];
		svm_put_u64be(rlens[i], q->ring_n);
		parts[k++] = (svm_slice_t){rlens[i], 8};
		parts[k++] = (svm_slice_t){q->ids, 32 * q->ring_n};
		parts[k++] = (svm_slice_t){q->Qp, 32};
		parts[k++] = (svm_slice_t){q->Fp, 32};
		parts[k++] = (svm_slice_t){q->I, 32};
	}
	for (size_t j = 0; j < c->n_out; j++) {
		svm_put_u64be(lens[j], c->out[j].enc_len);
		parts[k++] = (svm_slice_t){c->out[j].owner.b, 32};
		parts[k++] = (svm_slice_t){lens[j], 8};
		parts[k++] = (svm_slice_t){c->out[j].enc, c->out[j].enc_len};
	}
	svm_hash_t h;
	svm_sha256_tagged(c->ring ? "svm/zk/tx/ring" : "svm/zk/tx/fields", parts, k, &h);
	memcpy(ctx + 57, h.b, 32);
}

/* The balance statements: P_0 and the flavor differences (see confidential.h). */
static int statements(const call_t *c, const uint8_t (*Qin)[32], const uint8_t (*Fin)[32],
		      uint8_t (*P)[32], size_t *n)
{
	uint8_t s[32] = {0}, Qout[SVM_CONF_OUTPUTS_MAX][32], base[32], zero[32] = {0};
	uint64_t pub = c->deposit ? c->deposit : c->withdraw;
	for (int i = 0; i < 8; i++) s[i] = (uint8_t)(pub >> (8 * i));
	if (c->withdraw) svm_zk_scalar_negate(s, s);
	for (size_t j = 0; j < c->n_out; j++) memcpy(Qout[j], c->out[j].Q, 32);
	int rc = svm_zk_point_combine(P[0], Qin, c->n_in, (const uint8_t(*)[32])Qout, c->n_out,
				      pub ? s : NULL);
	if (rc) return rc;
	size_t k = 1, first = 0;
	if (!is_zero_id(&c->token)) {
		uint8_t f[32];
		svm_zk_flavor(f, c->token.b);
		if ((rc = svm_zk_commit_scalar(base, f, zero))) return rc;
	} else {
		memcpy(base, Fin[0], 32);
		first = 1; /* F_first - F_first is no statement */
	}
	for (size_t i = first; i < c->n_in; i++)
		if ((rc = svm_zk_point_combine(P[k++], &Fin[i], 1, (const uint8_t(*)[32])base, 1, NULL)))
			return rc;
	for (size_t j = 0; j < c->n_out; j++)
		if ((rc = svm_zk_point_combine(P[k++], (const uint8_t(*)[32])c->out[j].F, 1,
					       (const uint8_t(*)[32])base, 1, NULL)))
			return rc;
	*n = k;
	return 0;
}

/* ---------------------------------------------------------- execution */

static int declared_input(const svm_tx_t *tx, const svm_id_t *id)
{
	for (uint32_t i = 0; i < tx->inputs_len; i++)
		if (memcmp(tx->inputs[i].id.b, id->b, 32) == 0) return 1;
	return 0;
}

static int load_inputs(svm_txctx_t *c, const call_t *call, uint8_t (*Qin)[32], uint8_t (*Fin)[32])
{
	for (size_t i = 0; i < call->n_in; i++) {
		if (!declared_input(c->tx, &call->in[i])) return SVM_EINVAL;
		svm_object_t o;
		int rc = svm_host_get(c, &call->in[i], &o);
		if (rc) return rc;
		if (o.type != SVM_OBJ_STORAGE || o.owner_kind != SVM_OWNER_ADDRESS) return SVM_EINVAL;
		if (memcmp(o.owner.b, c->tx->sender.b, 32) != 0) return SVM_EPERM;
		svm_id_t creator, id;
		uint64_t nonce;
		uint16_t index;
		const uint8_t *enc;
		size_t enc_len;
		if (svm_conf_output_decode(o.payload, o.payload_len, &creator, &nonce, &index, Qin[i],
					   Fin[i], &enc, &enc_len))
			return SVM_EINVAL;
		svm_conf_output_id(&creator, nonce, index, &id);
		if (memcmp(id.b, call->in[i].b, 32) != 0) return SVM_EINVAL; /* not this program's */
	}
	return 0;
}

/* The weight h that folds a ring input's quantity and flavor offsets into one commitment to
 * zero, drawn after the context (which names the ring), the pseudo commitments and every
 * member's commitments are fixed. */
static void ring_weight(uint8_t h[32], const uint8_t *ctx, size_t i, const ring_in_t *q,
			const uint8_t (*Q)[32], const uint8_t (*F)[32])
{
	svm_zk_transcript_t t;
	svm_zk_transcript_init(&t, "svm/zk/conf/ring");
	svm_zk_transcript_append(&t, "ctx", ctx, CTX_BYTES);
	svm_zk_transcript_append_u64(&t, "i", i);
	svm_zk_transcript_append(&t, "Qp", q->Qp, 32);
	svm_zk_transcript_append(&t, "Fp", q->Fp, 32);
	for (size_t j = 0; j < q->ring_n; j++) {
		svm_zk_transcript_append(&t, "Q", Q[j], 32);
		svm_zk_transcript_append(&t, "F", F[j], 32);
	}
	svm_zk_transcript_challenge(&t, "h", h);
}

/* C_j = (Q_j + h·F_j) − (Q' + h·F'): a multiple of B_blinding exactly for the members whose
 * value and flavor equal the pseudo commitments' (the real one, for an honest spender). */
static int ring_offsets(uint8_t (*C)[32], const uint8_t (*Q)[32], const uint8_t (*F)[32],
			const ring_in_t *q, const uint8_t h[32])
{
	uint8_t sc[4][32] = {{1}}, pts[4][32];
	memcpy(sc[1], h, 32);
	svm_zk_scalar_negate(sc[2], sc[0]);
	svm_zk_scalar_negate(sc[3], h);
	memcpy(pts[2], q->Qp, 32);
	memcpy(pts[3], q->Fp, 32);
	for (size_t j = 0; j < q->ring_n; j++) {
		memcpy(pts[0], Q[j], 32);
		memcpy(pts[1], F[j], 32);
		int rc = svm_zk_msm(C[j], (const uint8_t(*)[32])sc, (const uint8_t(*)[32])pts, 4);
		if (rc) return rc;
	}
	return 0;
}

/* A ring member: an immutable ring output of this program. */
static int load_member(svm_txctx_t *c, const uint8_t id_bytes[32], uint8_t P[32], uint8_t Q[32],
		       uint8_t F[32])
{
	svm_id_t id, creator;
	memcpy(id.b, id_bytes, 32);
	svm_object_t o;
	int rc = svm_host_get(c, &id, &o);
	if (rc) return rc == SVM_ENOTFOUND ? SVM_EINVAL : rc;
	if (o.type != SVM_OBJ_STORAGE || o.owner_kind != SVM_OWNER_IMMUTABLE) return SVM_EINVAL;
	uint64_t nonce;
	uint16_t index;
	const uint8_t *enc;
	size_t enc_len;
	if (svm_conf_ring_output_decode(o.payload, o.payload_len, &creator, &nonce, &index, P, Q, F,
					&enc, &enc_len))
		return SVM_EINVAL;
	svm_id_t want;
	svm_conf_output_id(&creator, nonce, index, &want);
	return memcmp(want.b, id.b, 32) ? SVM_EINVAL : 0;
}

/* Checks every ring input: its key image unused (SVM_EEXIST otherwise: a double spend), its
 * members ring outputs, its CLSAG; the pseudo commitments become the balance's inputs. */
static int load_rings(svm_txctx_t *c, const call_t *call, const uint8_t *ctx, uint8_t (*Qin)[32],
		      uint8_t (*Fin)[32])
{
	for (size_t i = 0; i < call->n_in; i++) {
		const ring_in_t *q = &call->rin[i];
		for (size_t k = 0; k < i; k++)
			if (memcmp(q->I, call->rin[k].I, 32) == 0) return SVM_EEXIST;
		svm_id_t kid;
		svm_object_t o;
		svm_conf_key_image_id(q->I, &kid);
		int rc = svm_host_get(c, &kid, &o);
		if (rc == 0) return SVM_EEXIST; /* this key image was spent before */
		if (rc != SVM_ENOTFOUND) return rc;
		uint8_t P[SVM_CONF_RING_MAX][32], Q[SVM_CONF_RING_MAX][32], F[SVM_CONF_RING_MAX][32];
		uint8_t C[SVM_CONF_RING_MAX][32], h[32];
		for (size_t j = 0; j < q->ring_n; j++)
			if ((rc = load_member(c, q->ids + 32 * j, P[j], Q[j], F[j]))) return rc;
		ring_weight(h, ctx, i, q, (const uint8_t(*)[32])Q, (const uint8_t(*)[32])F);
		rc = ring_offsets(C, (const uint8_t(*)[32])Q, (const uint8_t(*)[32])F, q, h);
		if (rc) return rc == SVM_ENOMEM ? rc : SVM_EDECODE;
		rc = svm_zk_clsag_verify_base(q->sig, svm_zk_clsag_bytes(q->ring_n), q->I,
					      SVM_ZK_BASE_BLINDING, (const uint8_t(*)[32])P,
					      (const uint8_t(*)[32])C, q->ring_n, ctx, CTX_BYTES);
		if (rc) return rc == SVM_ENOMEM ? rc : rc == SVM_EDECODE ? SVM_EDECODE
									 : SVM_EPROOF;
		memcpy(Qin[i], q->Qp, 32);
		memcpy(Fin[i], q->Fp, 32);
	}
	return 0;
}

static int write_key_image(svm_txctx_t *c, const uint8_t I[32])
{
	svm_object_t o = {.owner_kind = SVM_OWNER_IMMUTABLE, .type = SVM_OBJ_STORAGE, .payload = I, .payload_len = 32};
	svm_conf_key_image_id(I, &o.id);
	return svm_host_put(c, &o);
}

static int write_output(svm_txctx_t *c, int ring, const svm_conf_output_t *out, uint16_t index)
{
	uint8_t buf[1 + 32 + 10 + 96 + SVM_VARINT_MAX + SVM_CONF_ENC_MAX];
	svm_buf_t b = {.data = buf, .cap = sizeof buf, .cap_max = sizeof buf};
	uint8_t be[10], ver = ring ? 2 : 1;
	svm_put_u64be(be, c->tx->nonce);
	put_u16be(be + 8, index);
	int rc = svm_buf_append(&b, &ver, 1);
	if (!rc) rc = svm_buf_append(&b, c->tx->sender.b, 32);
	if (!rc) rc = svm_buf_append(&b, be, 10);
	if (!rc && ring) rc = svm_buf_append(&b, out->owner.b, 32); /* the one-time key P */
	if (!rc) rc = svm_buf_append(&b, out->Q, 32);
	if (!rc) rc = svm_buf_append(&b, out->F, 32);
	if (!rc) rc = svm_varint_append(&b, out->enc_len);
	if (!rc && out->enc_len) rc = svm_buf_append(&b, out->enc, out->enc_len);
	if (rc) return rc;
	svm_object_t o = {.owner_kind = SVM_OWNER_ADDRESS, .owner = out->owner, .type = SVM_OBJ_STORAGE, .payload = b.data, .payload_len = b.len};
	if (ring) { /* never deleted: a spend must not reveal which member it was */
		o.owner_kind = SVM_OWNER_IMMUTABLE;
		memset(o.owner.b, 0, 32);
	}
	svm_conf_output_id(&c->tx->sender, c->tx->nonce, index, &o.id);
	if ((rc = svm_host_put(c, &o))) return rc;
	/* the event a wallet scans for: id ‖ the object's payload */
	svm_id_t emitter;
	svm_conf_vault_id(&emitter);
	uint8_t ev[32 + sizeof buf];
	memcpy(ev, o.id.b, 32);
	memcpy(ev + 32, b.data, b.len);
	return svm_host_emit(c, &emitter, "conf/output", 11, ev, 32 + b.len);
}

int svm_conf_execute(svm_txctx_t *c, const uint8_t *payload, size_t len)
{
	call_t call;
	int rc = svm_host_charge(c, SVM_STEPS_CONF_BASE);
	if (rc) return rc;
	if ((rc = parse(payload, len, &call))) return rc;
	if ((rc = check_rules(&call))) return rc;
	uint64_t steps = SVM_STEPS_CONF_PER_IO * (call.n_in + call.n_out);
	if (call.n_out)
		steps += SVM_STEPS_CONF_RANGE_BASE + SVM_STEPS_CONF_RANGE_PER_OUTPUT * call.n_out;
	for (size_t i = 0; i < call.n_in && call.ring; i++)
		steps += SVM_STEPS_CONF_RING_BASE + SVM_STEPS_CONF_RING_PER_MEMBER * call.rin[i].ring_n;
	if ((rc = svm_host_charge(c, steps))) return rc;
	for (size_t j = 0; j < call.n_out && call.ring; j++) /* a one-time key must be spendable */
		if (svm_zk_point_check(call.out[j].owner.b)) return SVM_EDECODE;
	uint8_t ctx[CTX_BYTES];
	make_ctx(ctx, c->tx->chain_id, &c->tx->sender, c->tx->nonce, &call);
	uint8_t Qin[SVM_CONF_INPUTS_MAX][32], Fin[SVM_CONF_INPUTS_MAX][32];
	rc = call.ring ? load_rings(c, &call, ctx, Qin, Fin) : load_inputs(c, &call, Qin, Fin);
	if (rc) return rc;
	if (call.n_out) {
		uint8_t Q[SVM_CONF_OUTPUTS_MAX][32];
		for (size_t j = 0; j < call.n_out; j++) memcpy(Q[j], call.out[j].Q, 32);
		rc = svm_zk_range_verify(call.range, call.range_len, (const uint8_t(*)[32])Q, call.n_out,
					 ctx, sizeof ctx);
		if (rc) return rc == SVM_ENOMEM ? rc : rc == SVM_EDECODE ? SVM_EDECODE
									 : SVM_EPROOF;
	}
	uint8_t P[1 + SVM_CONF_INPUTS_MAX + SVM_CONF_OUTPUTS_MAX][32];
	size_t np = 0;
	if ((rc = statements(&call, (const uint8_t(*)[32])Qin, (const uint8_t(*)[32])Fin, P, &np)))
		return rc;
	rc = svm_zk_balance_verify(call.balance, (const uint8_t(*)[32])P, np, ctx, sizeof ctx);
	if (rc) return rc == SVM_EDECODE ? SVM_EDECODE : SVM_EPROOF;
	/* Effects, after every check. */
	svm_id_t vault;
	svm_conf_vault_id(&vault);
	if (call.deposit &&
	    (rc = svm_ledger_transfer(c, &call.token, &c->tx->sender, &vault, call.deposit)))
		return rc;
	if (call.withdraw &&
	    (rc = svm_ledger_transfer(c, &call.token, &vault, &c->tx->sender, call.withdraw)))
		return rc;
	for (size_t i = 0; i < call.n_in && !call.ring; i++)
		if ((rc = svm_host_del(c, &call.in[i]))) return rc;
	for (size_t i = 0; i < call.n_in && call.ring; i++)
		if ((rc = write_key_image(c, call.rin[i].I))) return rc;
	for (size_t j = 0; j < call.n_out; j++)
		if ((rc = write_output(c, call.ring, &call.out[j], (uint16_t)j))) return rc;
	return 0;
}

int svm_conf_relay_check(const uint8_t *payload, size_t len, const svm_id_t *token, uint64_t min_fee,
			 uint64_t *fee)
{
	call_t call;
	*fee = 0;
	if (parse(payload, len, &call)) return SVM_EDECODE;
	if (!call.ring || call.n_in == 0 || call.deposit != 0 || call.withdraw == 0 || check_rules(&call) ||
	    memcmp(call.token.b, token->b, 32) != 0)
		return SVM_EINVAL;
	*fee = call.withdraw;
	return call.withdraw < min_fee ? SVM_EFUNDS : 0;
}

int svm_conf_access(const svm_id_t *sender, uint64_t nonce, const uint8_t *payload, size_t len,
		    svm_id_t *writes, size_t max, size_t *n)
{
	call_t call;
	*n = 0;
	if (parse(payload, len, &call)) return SVM_EDECODE;
	size_t need = call.n_out + (is_zero_id(&call.token) ? 0 : 2) + (call.ring ? call.n_in : 0);
	if (need > max) return SVM_ELIMIT;
	for (size_t j = 0; j < call.n_out; j++) svm_conf_output_id(sender, nonce, (uint16_t)j, &writes[(*n)++]);
	for (size_t i = 0; i < call.n_in && call.ring; i++)
		svm_conf_key_image_id(call.rin[i].I, &writes[(*n)++]);
	if (!is_zero_id(&call.token)) {
		svm_id_t vault;
		svm_conf_vault_id(&vault);
		svm_balance_id(&call.token, sender, &writes[(*n)++]);
		svm_balance_id(&call.token, &vault, &writes[(*n)++]);
	}
	return 0;
}

static int cmp_id32(const void *a, const void *b) { return memcmp(a, b, 32); }

int svm_conf_reads(const uint8_t *payload, size_t len, svm_id_t *reads, size_t max, size_t *n)
{
	call_t call;
	*n = 0;
	if (parse(payload, len, &call)) return SVM_EDECODE;
	svm_id_t ids[SVM_CONF_RING_INPUTS_MAX * SVM_CONF_RING_MAX] = {{{0}}};
	size_t k = 0;
	for (size_t i = 0; i < call.n_in && call.ring; i++)
		for (size_t j = 0; j < call.rin[i].ring_n; j++)
			memcpy(ids[k++].b, call.rin[i].ids + 32 * j, 32);
	qsort(ids, k, sizeof ids[0], cmp_id32);
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (u == 0 || memcmp(ids[u - 1].b, ids[i].b, 32)) ids[u++] = ids[i];
	if (u > max) return SVM_ELIMIT;
	memcpy(reads, ids, u * sizeof ids[0]);
	*n = u;
	return 0;
}

/* ------------------------------------------------------------- wallet */

static void add_scalar(uint8_t acc[32], const uint8_t x[32], int sign)
{
	uint8_t t[32];
	memcpy(t, x, 32);
	if (sign < 0) svm_zk_scalar_negate(t, t);
	svm_zk_scalar_add(acc, acc, t);
}

/* The statement must hold before anything is proven: the sums balance (u128: no overflow)
 * and every value has the one flavor (the public token's, or the first input's). */
static int check_statement(const call_t *call, const svm_conf_opening_t *in, size_t n_in,
			   const svm_conf_opening_t *out_open, size_t n_out)
{
	if (check_rules(call)) return SVM_EINVAL;
	unsigned __int128 sum_in = call->deposit, sum_out = call->withdraw;
	for (size_t i = 0; i < n_in; i++) sum_in += in[i].value;
	for (size_t j = 0; j < n_out; j++) sum_out += out_open[j].value;
	if (sum_in != sum_out) return SVM_EINVAL;
	const svm_id_t *flavor_token = is_zero_id(&call->token) ? (n_in ? &in[0].token : NULL)
								: &call->token;
	if (!flavor_token) return SVM_EINVAL;
	for (size_t i = 0; i < n_in; i++)
		if (memcmp(in[i].token.b, flavor_token->b, 32)) return SVM_EINVAL;
	for (size_t j = 0; j < n_out; j++)
		if (memcmp(out_open[j].token.b, flavor_token->b, 32)) return SVM_EINVAL;
	return 0;
}

/* Fills the outputs' owners (or one-time keys), ciphertexts and flavor commitments. */
static int fill_outputs(call_t *call, const svm_id_t *owners, const svm_conf_opening_t *out_open,
			const uint8_t *const *enc, const size_t *enc_len)
{
	for (size_t j = 0; j < call->n_out; j++) {
		svm_conf_output_t *o = &call->out[j];
		o->owner = owners[j];
		o->enc = enc ? enc[j] : NULL;
		o->enc_len = enc_len ? enc_len[j] : 0;
		if (o->enc_len > SVM_CONF_ENC_MAX) return SVM_EINVAL;
		if (svm_zk_commit_flavor(o->F, out_open[j].token.b, out_open[j].flavor_blind))
			return SVM_EINVAL;
	}
	return 0;
}

/* The range proof over the outputs (their Q set from it) and the balance proof, from the
 * openings of the inputs (committed in Qin, Fin) and of the outputs. */
static int prove(call_t *call, uint8_t *range, uint8_t bal[SVM_ZK_BALANCE_PROOF_BYTES],
		 const uint8_t (*Qin)[32], const uint8_t (*Fin)[32], const svm_conf_opening_t *in,
		 const svm_conf_opening_t *out_open, const uint8_t *ctx, const uint8_t seed[32])
{
	uint8_t Q[SVM_CONF_OUTPUTS_MAX][32], r[SVM_CONF_OUTPUTS_MAX][32];
	uint64_t v[SVM_CONF_OUTPUTS_MAX];
	size_t n_in = call->n_in, n_out = call->n_out;
	int rc;
	for (size_t j = 0; j < n_out; j++) {
		v[j] = out_open[j].value;
		memcpy(r[j], out_open[j].blind, 32);
	}
	if (n_out) {
		rc = svm_zk_range_prove(range, Q, v, (const uint8_t(*)[32])r, n_out, ctx, CTX_BYTES, seed);
		if (rc) return rc;
		for (size_t j = 0; j < n_out; j++) memcpy(call->out[j].Q, Q[j], 32);
	}
	/* witnesses: P_0 opens with sum r_in - sum r_out; flavor statements with r_f - base's */
	uint8_t P[1 + SVM_CONF_INPUTS_MAX + SVM_CONF_OUTPUTS_MAX][32];
	uint8_t x[1 + SVM_CONF_INPUTS_MAX + SVM_CONF_OUTPUTS_MAX][32];
	size_t np = 0;
	if ((rc = statements(call, Qin, Fin, P, &np))) return rc;
	memset(x, 0, sizeof x);
	for (size_t i = 0; i < n_in; i++) add_scalar(x[0], in[i].blind, 1);
	for (size_t j = 0; j < n_out; j++) add_scalar(x[0], out_open[j].blind, -1);
	size_t k = 1;
	static const uint8_t zero[32] = {0};
	int transfer = is_zero_id(&call->token);
	const uint8_t *base_blind = transfer ? in[0].flavor_blind : zero;
	for (size_t i = transfer ? 1 : 0; i < n_in; i++, k++) {
		add_scalar(x[k], in[i].flavor_blind, 1);
		add_scalar(x[k], base_blind, -1);
	}
	for (size_t j = 0; j < n_out; j++, k++) {
		add_scalar(x[k], out_open[j].flavor_blind, 1);
		add_scalar(x[k], base_blind, -1);
	}
	if (k != np) return SVM_EINVAL;
	return svm_zk_balance_prove(bal, (const uint8_t(*)[32])P, (const uint8_t(*)[32])x, np, ctx,
				    CTX_BYTES, seed);
}

static int encode(svm_buf_t *out, const call_t *call, const uint8_t *range, const uint8_t *bal)
{
	int rc = svm_varint_append(out, SVM_PROGRAM_CONFIDENTIAL);
	if (!rc) rc = svm_varint_append(out, call->ring ? SVM_CONF_RING : SVM_CONF_TRANSACT);
	if (!rc) rc = svm_buf_append(out, call->token.b, 32);
	if (!rc) rc = svm_varint_append(out, call->deposit);
	if (!rc) rc = svm_varint_append(out, call->withdraw);
	if (!rc) rc = svm_varint_append(out, call->n_in);
	for (size_t i = 0; i < call->n_in && !rc && !call->ring; i++)
		rc = svm_buf_append(out, call->in[i].b, 32);
	for (size_t i = 0; i < call->n_in && !rc && call->ring; i++) {
		const ring_in_t *q = &call->rin[i];
		rc = svm_varint_append(out, q->ring_n);
		if (!rc) rc = svm_buf_append(out, q->ids, 32 * q->ring_n);
		if (!rc) rc = svm_buf_append(out, q->Qp, 32);
		if (!rc) rc = svm_buf_append(out, q->Fp, 32);
		if (!rc) rc = svm_buf_append(out, q->I, 32);
		if (!rc) rc = svm_buf_append(out, q->sig, svm_zk_clsag_bytes(q->ring_n));
	}
	if (!rc) rc = svm_varint_append(out, call->n_out);
	for (size_t j = 0; j < call->n_out && !rc; j++) {
		const svm_conf_output_t *o = &call->out[j];
		rc = svm_buf_append(out, o->owner.b, 32);
		if (!rc) rc = svm_buf_append(out, o->Q, 32);
		if (!rc) rc = svm_buf_append(out, o->F, 32);
		if (!rc) rc = svm_varint_append(out, o->enc_len);
		if (!rc && o->enc_len) rc = svm_buf_append(out, o->enc, o->enc_len);
	}
	if (!rc && call->n_out) rc = svm_buf_append(out, range, svm_zk_range_proof_bytes(call->n_out));
	if (!rc) rc = svm_buf_append(out, bal, SVM_ZK_BALANCE_PROOF_BYTES);
	return rc;
}

int svm_conf_build(svm_buf_t *out, uint64_t chain_id, const svm_id_t *sender, uint64_t nonce,
		   const svm_id_t *token, uint64_t deposit, uint64_t withdraw,
		   const svm_id_t *in_ids, const svm_conf_opening_t *in, size_t n_in,
		   const svm_id_t *owners, const svm_conf_opening_t *out_open,
		   const uint8_t *const *enc, const size_t *enc_len, size_t n_out,
		   const uint8_t seed[32])
{
	if (n_in > SVM_CONF_INPUTS_MAX || n_out > SVM_CONF_OUTPUTS_MAX || (n_out & (n_out - 1)))
		return SVM_EINVAL;
	call_t call = {.token = *token, .deposit = deposit, .withdraw = withdraw, .n_in = n_in, .n_out = n_out};
	int rc = check_statement(&call, in, n_in, out_open, n_out);
	if (rc) return rc;
	uint8_t Qin[SVM_CONF_INPUTS_MAX][32], Fin[SVM_CONF_INPUTS_MAX][32];
	for (size_t i = 0; i < n_in; i++) {
		if (i && memcmp(in_ids[i - 1].b, in_ids[i].b, 32) >= 0) return SVM_EINVAL;
		call.in[i] = in_ids[i];
		if (svm_zk_commit(Qin[i], in[i].value, in[i].blind) ||
		    svm_zk_commit_flavor(Fin[i], in[i].token.b, in[i].flavor_blind))
			return SVM_EINVAL;
	}
	if ((rc = fill_outputs(&call, owners, out_open, enc, enc_len))) return rc;
	uint8_t ctx[CTX_BYTES], range[1024], bal[SVM_ZK_BALANCE_PROOF_BYTES];
	make_ctx(ctx, chain_id, sender, nonce, &call);
	rc = prove(&call, range, bal, (const uint8_t(*)[32])Qin, (const uint8_t(*)[32])Fin, in,
		   out_open, ctx, seed);
	return rc ? rc : encode(out, &call, range, bal);
}

int svm_conf_ring_build(svm_buf_t *out, uint64_t chain_id, const svm_id_t *sender,
			uint64_t nonce, const svm_id_t *token, uint64_t deposit, uint64_t withdraw,
			const svm_conf_ring_input_t *in, size_t n_in, const uint8_t (*keys)[32],
			const svm_conf_opening_t *out_open, const uint8_t *const *enc,
			const size_t *enc_len, size_t n_out, const uint8_t seed[32])
{
	if (n_in > SVM_CONF_RING_INPUTS_MAX || n_out > SVM_CONF_OUTPUTS_MAX ||
	    (n_out & (n_out - 1)))
		return SVM_EINVAL;
	call_t call = {.ring = 1, .token = *token, .deposit = deposit, .withdraw = withdraw, .n_in = n_in, .n_out = n_out};
	svm_conf_opening_t real[SVM_CONF_RING_INPUTS_MAX], pseudo[SVM_CONF_RING_INPUTS_MAX];
	for (size_t i = 0; i < n_in; i++) real[i] = in[i].open;
	int rc = check_statement(&call, real, n_in, out_open, n_out);
	if (rc) return rc;
	/* pseudo commitments: the same value and flavor under fresh blinds from the seed */
	uint8_t Qin[SVM_CONF_RING_INPUTS_MAX][32], Fin[SVM_CONF_RING_INPUTS_MAX][32];
	for (size_t i = 0; i < n_in; i++) {
		const svm_conf_ring_input_t *a = &in[i];
		ring_in_t *q = &call.rin[i];
		if (a->ring_n == 0 || a->ring_n > SVM_CONF_RING_MAX || a->pi >= a->ring_n)
			return SVM_EINVAL;
		for (size_t j = 1; j < a->ring_n; j++)
			if (memcmp(a->ids[j - 1].b, a->ids[j].b, 32) >= 0) return SVM_EINVAL;
		q->ring_n = a->ring_n;
		q->ids = a->ids[0].b;
		uint8_t d[32 + 9 + 8];
		memcpy(d, seed, 32);
		memcpy(d + 32, "svm/conf/", 9);
		svm_put_u64be(d + 41, 2 * i);
		pseudo[i] = a->open;
		svm_zk_scalar_hash(pseudo[i].blind, d, sizeof d);
		svm_put_u64be(d + 41, 2 * i + 1);
		svm_zk_scalar_hash(pseudo[i].flavor_blind, d, sizeof d);
		if (svm_zk_commit(q->Qp, a->open.value, pseudo[i].blind) ||
		    svm_zk_commit_flavor(q->Fp, a->open.token.b, pseudo[i].flavor_blind) ||
		    svm_zk_clsag_key_image_base(q->I, SVM_ZK_BASE_BLINDING, a->p))
			return SVM_EINVAL;
		memcpy(Qin[i], q->Qp, 32);
		memcpy(Fin[i], q->Fp, 32);
	}
	svm_id_t owners[SVM_CONF_OUTPUTS_MAX];
	for (size_t j = 0; j < n_out; j++) memcpy(owners[j].b, keys[j], 32);
	if ((rc = fill_outputs(&call, owners, out_open, enc, enc_len))) return rc;
	uint8_t ctx[CTX_BYTES], range[1024], bal[SVM_ZK_BALANCE_PROOF_BYTES];
	make_ctx(ctx, chain_id, sender, nonce, &call);
	/* one CLSAG per input over C_j; the real member's opens with
	 * z = (r - r') + h·(r_f - r_f') */
	uint8_t *sigs = svm_malloc(n_in * svm_zk_clsag_bytes(SVM_CONF_RING_MAX) + 1);
	if (!sigs) return SVM_ENOMEM;
	for (size_t i = 0; i < n_in && !rc; i++) {
		const svm_conf_ring_input_t *a = &in[i];
		ring_in_t *q = &call.rin[i];
		uint8_t C[SVM_CONF_RING_MAX][32], h[32], z[32] = {0}, t[32] = {0}, I[32];
		ring_weight(h, ctx, i, q, a->Q, a->F);
		if ((rc = ring_offsets(C, a->Q, a->F, q, h))) break;
		add_scalar(z, a->open.blind, 1);
		add_scalar(z, pseudo[i].blind, -1);
		add_scalar(t, a->open.flavor_blind, 1);
		add_scalar(t, pseudo[i].flavor_blind, -1);
		svm_zk_scalar_mul(t, t, h);
		add_scalar(z, t, 1);
		uint8_t *sig = sigs + i * svm_zk_clsag_bytes(SVM_CONF_RING_MAX);
		rc = svm_zk_clsag_sign_base(sig, I, SVM_ZK_BASE_BLINDING, a->P, (const uint8_t(*)[32])C,
					    a->ring_n, a->pi, a->p, z, ctx, CTX_BYTES, seed);
		q->sig = sig;
	}
	if (!rc)
		rc = prove(&call, range, bal, (const uint8_t(*)[32])Qin, (const uint8_t(*)[32])Fin,
			   pseudo, out_open, ctx, seed);
	if (!rc) rc = encode(out, &call, range, bal);
	svm_free(sigs);
	return rc;
}

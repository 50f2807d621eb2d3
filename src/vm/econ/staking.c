/* Staking and slashing of SWR (native program 3): validators, delegation shares, the unbonding
 * queue, epoch processing (issuance, rewards by stake and commission, the active set handed to
 * consensus) and double-sign slashing with jailing. Exact integer arithmetic throughout; every
 * SWR amount moves through the ledger, minted (issuance) or burned (slashes) explicitly. */
#include <stdlib.h>
#include <string.h>

#include "supervm/econ.h"

typedef unsigned __int128 u128;

/* ------------------------------------------------------------------ ids */

static void tagged(const char *tag, const void *a, size_t alen, const void *b, size_t blen,
		   svm_id_t *out)
{
	svm_slice_t parts[2] = {{a, alen}, {b, blen}};
	svm_sha256_tagged(tag, parts, b ? 2 : (a ? 1 : 0), out);
}

void svm_staking_validator_id(const svm_id_t *op, svm_id_t *out) { tagged("svm/stake/val", op->b, 32, NULL, 0, out); }
void svm_staking_delegation_id(const svm_id_t *op, const svm_id_t *d, svm_id_t *out)
{
	tagged("svm/stake/del", op->b, 32, d->b, 32, out);
}
void svm_staking_queue_id(const svm_id_t *op, svm_id_t *out) { tagged("svm/stake/unb", op->b, 32, NULL, 0, out); }
void svm_staking_registry_id(svm_id_t *out) { tagged("svm/stake/registry", NULL, 0, NULL, 0, out); }
void svm_staking_epoch_id(svm_id_t *out) { tagged("svm/stake/epoch", NULL, 0, NULL, 0, out); }
void svm_staking_key_id(const uint8_t key[32], svm_id_t *out) { tagged("svm/stake/key", key, 32, NULL, 0, out); }
void svm_treasury_id(svm_id_t *out) { tagged("svm/treasury", NULL, 0, NULL, 0, out); }
void svm_staking_tips_id(svm_id_t *out) { tagged("svm/stake/tips", NULL, 0, NULL, 0, out); }
void svm_staking_downtime_id(svm_id_t *out) { tagged("svm/stake/down", NULL, 0, NULL, 0, out); }
void svm_validator_set_id(svm_id_t *out) { tagged("svm/validators", NULL, 0, NULL, 0, out); }
void svm_staking_redel_id(const svm_id_t *from, svm_id_t *out) { tagged("svm/stake/red", from->b, 32, NULL, 0, out); }
void svm_staking_redin_id(const svm_id_t *to, const svm_id_t *d, svm_id_t *out)
{
	tagged("svm/stake/redin", to->b, 32, d->b, 32, out);
}
void svm_staking_redslash_id(svm_id_t *out) { tagged("svm/stake/redslash", NULL, 0, NULL, 0, out); }

/* One record per offence: (key, epoch, height, round, kind) — whichever two hashes prove it. */
void svm_staking_evidence_id(const svm_evidence_t *e, svm_id_t *out)
{
	uint8_t tail[25];
	svm_put_u64be(tail, e->epoch);
	svm_put_u64be(tail + 8, e->height);
	svm_put_u64be(tail + 16, e->round);
	tail[24] = e->kind;
	tagged("svm/stake/evid", e->key, 32, tail, sizeof tail, out);
}


/* ------------------------------------------------------------ encodings */

int svm_validator_encode(const svm_validator_t *v, svm_buf_t *out)
{
	int rc = svm_buf_append(out, v->operator_id.b, 32);
	if (!rc) rc = svm_buf_append(out, v->consensus_key, 32);
	if (!rc) rc = svm_buf_append(out, v->vrf_key, 32);
	const uint64_t f[6] = {v->commission_bps, v->tokens, v->shares, v->jailed, v->unjail_epoch, v->slashed};
	for (int i = 0; !rc && i < 6; i++) rc = svm_varint_append(out, f[i]);
	return rc;
}

int svm_validator_decode(const uint8_t *payload, size_t len, svm_validator_t *v)
{
	svm_reader_t r = svm_reader(payload, len);
	uint64_t *f[6] = {&v->commission_bps, &v->tokens, &v->shares, &v->jailed, &v->unjail_epoch, &v->slashed};
	/* cppcheck-suppress uninitvar ; v->operator_id is written here, not read */
	if (svm_reader_copy(&r, v->operator_id.b, 32) || svm_reader_copy(&r, v->consensus_key, 32) ||
	    svm_reader_copy(&r, v->vrf_key, 32))
		return SVM_EDECODE;
	for (int i = 0; i < 6; i++)
		if (svm_varint_read(&r, f[i])) return SVM_EDECODE;
	if (svm_reader_left(&r) || v->commission_bps > 10000 || v->jailed > 1) return SVM_EDECODE;
	return 0;
}

/* ------------------------------------------------------------- evidence */

void svm_vote_message(uint64_t chain_id, uint64_t epoch, uint64_t height, uint64_t round,
		      uint8_t kind, const svm_hash_t *hash, uint8_t out[SVM_VOTE_MESSAGE_SIZE])
{
	memcpy(out, "svm/vote", 8);
	svm_put_u64be(out + 8, chain_id);
	svm_put_u64be(out + 16, epoch);
	svm_put_u64be(out + 24, height);
	svm_put_u64be(out + 32, round);
	out[40] = kind;
	memcpy(out + 41, hash->b, 32);
}

int svm_evidence_encode(const svm_evidence_t *e, svm_buf_t *out)
{
	int rc = svm_buf_append(out, e->key, 32);
	if (!rc) rc = svm_varint_append(out, e->epoch);
	if (!rc) rc = svm_varint_append(out, e->height);
	if (!rc) rc = svm_varint_append(out, e->round);
	if (!rc) rc = svm_buf_append(out, &e->kind, 1);
	for (int i = 0; !rc && i < 2; i++) {
		rc = svm_buf_append(out, e->hash[i].b, 32);
		if (!rc) rc = svm_buf_append(out, e->sig[i], SVM_ED25519_SIG_SIZE);
	}
	return rc;
}

int svm_evidence_decode(svm_reader_t *r, svm_evidence_t *e)
{
	if (svm_reader_copy(r, e->key, 32) || svm_varint_read(r, &e->epoch) ||
	    svm_varint_read(r, &e->height) || svm_varint_read(r, &e->round) ||
	    svm_reader_u8(r, &e->kind) || e->kind > 1)
		return SVM_EDECODE;
	for (int i = 0; i < 2; i++)
		if (svm_reader_copy(r, e->hash[i].b, 32) || svm_reader_copy(r, e->sig[i], SVM_ED25519_SIG_SIZE))
			return SVM_EDECODE;
	/* one encoding per offence: the two hashes in ascending order (hence different) */
	return memcmp(e->hash[0].b, e->hash[1].b, 32) < 0 ? 0 : SVM_EDECODE;
}

int svm_evidence_verify(const svm_evidence_t *e, uint64_t chain_id)
{
	for (int i = 0; i < 2; i++) {
		uint8_t msg[SVM_VOTE_MESSAGE_SIZE];
		svm_vote_message(chain_id, e->epoch, e->height, e->round, e->kind, &e->hash[i], msg);
		if (svm_ed25519_verify(e->sig[i], msg, sizeof msg, e->key)) return SVM_ESIG;
	}
	return 0;
}

int svm_staking_validator_set(const uint8_t *payload, size_t len, svm_validator_entry_t *out,
			      size_t max, size_t *n)
{
	svm_reader_t r = svm_reader(payload, len);
	uint64_t count;
	if (svm_varint_read(&r, &count) || count > max || count > SVM_STAKE_VALIDATORS_MAX)
		return SVM_EDECODE;
	for (uint64_t i = 0; i < count; i++)
		if (svm_reader_copy(&r, out[i].key, 32) || svm_varint_read(&r, &out[i].stake))
			return SVM_EDECODE;
	if (svm_reader_left(&r)) return SVM_EDECODE;
	*n = (size_t)count;
	return 0;
}

/* ------------------------------------------------------- object access */

static int put_storage(svm_txctx_t *c, const svm_id_t *id, const svm_buf_t *b, bool owned,
		       const svm_id_t *owner)
{
	if (b->len > SVM_OBJECT_PAYLOAD_MAX) return SVM_ELIMIT;
	svm_object_t o = {.id = *id, .owner_kind = owned ? SVM_OWNER_ADDRESS : SVM_OWNER_SHARED,
			  .type = SVM_OBJ_STORAGE, .payload = b->data, .payload_len = b->len};
	if (owned) o.owner = *owner;
	return svm_host_put(c, &o);
}

static int get_storage(svm_txctx_t *c, const svm_id_t *id, svm_object_t *o)
{
	int rc = svm_host_get(c, id, o);
	if (rc) return rc;
	return o->type == SVM_OBJ_STORAGE ? 0 : SVM_EIO;
}

static int val_get(svm_txctx_t *c, const svm_id_t *op, svm_validator_t *v)
{
	svm_id_t id;
	svm_object_t o;
	svm_staking_validator_id(op, &id);
	int rc = get_storage(c, &id, &o);
	if (rc) return rc;
	return svm_validator_decode(o.payload, o.payload_len, v) ? SVM_EIO : 0;
}

static int val_put(svm_txctx_t *c, const svm_validator_t *v)
{
	svm_id_t id;
	svm_buf_t b = {0};
	svm_staking_validator_id(&v->operator_id, &id);
	int rc = svm_validator_encode(v, &b);
	if (!rc) rc = put_storage(c, &id, &b, false, NULL);
	svm_buf_free(&b);
	return rc;
}

/* A delegation's shares (0 when absent). */
static int del_get(svm_txctx_t *c, const svm_id_t *op, const svm_id_t *d, uint64_t *shares)
{
	svm_id_t id;
	svm_object_t o;
	svm_staking_delegation_id(op, d, &id);
	int rc = get_storage(c, &id, &o);
	if (rc == SVM_ENOTFOUND) {
		*shares = 0;
		return 0;
	}
	if (rc) return rc;
	svm_reader_t r = svm_reader(o.payload, o.payload_len);
	if (svm_varint_read(&r, shares) || svm_reader_left(&r) || *shares == 0) return SVM_EIO;
	return 0;
}

static int del_put(svm_txctx_t *c, const svm_id_t *op, const svm_id_t *d, uint64_t shares)
{
	svm_id_t id;
	svm_staking_delegation_id(op, d, &id);
	if (shares == 0) {
		int rc = svm_host_del(c, &id);
		return rc == SVM_ENOTFOUND ? 0 : rc;
	}
	uint8_t buf[SVM_VARINT_MAX];
	svm_buf_t b = {.data = buf, .cap = sizeof buf, .cap_max = sizeof buf};
	int rc = svm_varint_append(&b, shares);
	return rc ? rc : put_storage(c, &id, &b, true, d);
}

typedef struct {
	svm_id_t delegator;
	uint64_t amount, start_height, release_epoch;
} unb_t;

typedef struct {
	size_t n;
	unb_t e[SVM_STAKE_QUEUE_MAX];
} queue_t;

static int queue_get(svm_txctx_t *c, const svm_id_t *op, queue_t *q)
{
	svm_id_t id;
	svm_object_t o;
	svm_staking_queue_id(op, &id);
	q->n = 0;
	int rc = get_storage(c, &id, &o);
	if (rc == SVM_ENOTFOUND) return 0;
	if (rc) return rc;
	svm_reader_t r = svm_reader(o.payload, o.payload_len);
	uint64_t n;
	if (svm_varint_read(&r, &n) || n == 0 || n > SVM_STAKE_QUEUE_MAX) return SVM_EIO;
	for (uint64_t i = 0; i < n; i++) {
		unb_t *u = &q->e[i];
		if (svm_reader_copy(&r, u->delegator.b, 32) || svm_varint_read(&r, &u->amount) ||
		    svm_varint_read(&r, &u->start_height) || svm_varint_read(&r, &u->release_epoch))
			return SVM_EIO;
	}
	q->n = (size_t)n;
	return svm_reader_left(&r) ? SVM_EIO : 0;
}

static int queue_put(svm_txctx_t *c, const svm_id_t *op, const queue_t *q)
{
	svm_id_t id;
	svm_staking_queue_id(op, &id);
	if (q->n == 0) {
		int rc = svm_host_del(c, &id);
		return rc == SVM_ENOTFOUND ? 0 : rc;
	}
	SVM_ASSERT(q->n <= SVM_STAKE_QUEUE_MAX); /* queue_get's bound: it reads back */
	svm_buf_t b = {0};
	int rc = svm_varint_append(&b, q->n);
	for (size_t i = 0; !rc && i < q->n; i++) {
		const unb_t *u = &q->e[i];
		rc = svm_buf_append(&b, u->delegator.b, 32);
		if (!rc) rc = svm_varint_append(&b, u->amount);
		if (!rc) rc = svm_varint_append(&b, u->start_height);
		if (!rc) rc = svm_varint_append(&b, u->release_epoch);
	}
	if (!rc) rc = put_storage(c, &id, &b, false, NULL);
	svm_buf_free(&b);
	return rc;
}

/* The redelegations out of a validator, each slashable for an offence of that validator
 * committed before it (start_height > the offence's height) until its release epoch. */
typedef svm_stake_redel_t red_t;

typedef struct {
	size_t n;
	red_t e[SVM_STAKE_REDEL_MAX];
} redlist_t;

int svm_staking_redel_decode(const uint8_t *p, size_t len, svm_stake_redel_t *out, size_t max, size_t *n)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t cnt;
	if (svm_varint_read(&r, &cnt) || cnt == 0 || cnt > SVM_STAKE_REDEL_MAX || cnt > max) return SVM_EDECODE;
	for (uint64_t i = 0; i < cnt; i++) {
		svm_stake_redel_t *u = &out[i];
		if (svm_reader_copy(&r, u->delegator.b, 32) || svm_reader_copy(&r, u->to.b, 32) ||
		    svm_varint_read(&r, &u->amount) || svm_varint_read(&r, &u->start_height) ||
		    svm_varint_read(&r, &u->release_epoch) || u->amount == 0)
			return SVM_EDECODE;
	}
	if (svm_reader_left(&r)) return SVM_EDECODE;
	*n = (size_t)cnt;
	return 0;
}

static int redlist_get(svm_txctx_t *c, const svm_id_t *op, redlist_t *l)
{
	svm_id_t id;
	svm_object_t o;
	svm_staking_redel_id(op, &id);
	l->n = 0;
	int rc = get_storage(c, &id, &o);
	if (rc == SVM_ENOTFOUND) return 0;
	if (rc) return rc;
	return svm_staking_redel_decode(o.payload, o.payload_len, l->e, SVM_STAKE_REDEL_MAX, &l->n) ? SVM_EIO : 0;
}

static int redlist_put(svm_txctx_t *c, const svm_id_t *op, const redlist_t *l)
{
	svm_id_t id;
	svm_staking_redel_id(op, &id);
	if (l->n == 0) {
		int rc = svm_host_del(c, &id);
		return rc == SVM_ENOTFOUND ? 0 : rc;
	}
	SVM_ASSERT(l->n <= SVM_STAKE_REDEL_MAX);
	svm_buf_t b = {0};
	int rc = svm_varint_append(&b, l->n);
	for (size_t i = 0; !rc && i < l->n; i++) {
		const red_t *u = &l->e[i];
		SVM_ASSERT(u->amount > 0); /* the decoder refuses a zero amount */
		rc = svm_buf_append(&b, u->delegator.b, 32);
		if (!rc) rc = svm_buf_append(&b, u->to.b, 32);
		if (!rc) rc = svm_varint_append(&b, u->amount);
		if (!rc) rc = svm_varint_append(&b, u->start_height);
		if (!rc) rc = svm_varint_append(&b, u->release_epoch);
	}
	if (!rc) rc = put_storage(c, &id, &b, false, NULL);
	svm_buf_free(&b);
	return rc;
}

/* Offences whose redelegated stake the block's settlement slashes (svm_staking_block_end): the
 * evidence transaction names only the offender's objects, the destinations are in state. */
typedef struct {
	size_t n;
	svm_stake_redslash_t e[SVM_STAKE_REDSLASH_MAX];
} pending_t;

int svm_staking_redslash_decode(const uint8_t *p, size_t len, svm_stake_redslash_t *out, size_t max,
				size_t *n)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t cnt;
	if (svm_varint_read(&r, &cnt) || cnt == 0 || cnt > SVM_STAKE_REDSLASH_MAX || cnt > max) return SVM_EDECODE;
	for (uint64_t i = 0; i < cnt; i++)
		if (svm_reader_copy(&r, out[i].op.b, 32) || svm_varint_read(&r, &out[i].height) ||
		    svm_varint_read(&r, &out[i].bps) || out[i].bps > 10000)
			return SVM_EDECODE;
	if (svm_reader_left(&r)) return SVM_EDECODE;
	*n = (size_t)cnt;
	return 0;
}

static int pending_get(svm_txctx_t *c, pending_t *l)
{
	svm_id_t id;
	svm_object_t o;
	svm_staking_redslash_id(&id);
	l->n = 0;
	int rc = get_storage(c, &id, &o);
	if (rc == SVM_ENOTFOUND) return 0;
	if (rc) return rc;
	return svm_staking_redslash_decode(o.payload, o.payload_len, l->e, SVM_STAKE_REDSLASH_MAX, &l->n) ? SVM_EIO
														: 0;
}

static int pending_put(svm_txctx_t *c, const pending_t *l)
{
	svm_id_t id;
	svm_staking_redslash_id(&id);
	if (l->n == 0) {
		int rc = svm_host_del(c, &id);
		return rc == SVM_ENOTFOUND ? 0 : rc;
	}
	SVM_ASSERT(l->n <= SVM_STAKE_REDSLASH_MAX);
	svm_buf_t b = {0};
	int rc = svm_varint_append(&b, l->n);
	for (size_t i = 0; !rc && i < l->n; i++) {
		SVM_ASSERT(l->e[i].bps <= 10000); /* the decoder's bound */
		rc = svm_buf_append(&b, l->e[i].op.b, 32);
		if (!rc) rc = svm_varint_append(&b, l->e[i].height);
		if (!rc) rc = svm_varint_append(&b, l->e[i].bps);
	}
	if (!rc) rc = put_storage(c, &id, &b, false, NULL);
	svm_buf_free(&b);
	return rc;
}

/* A list of operator ids (the registry, the epoch's active set). */
typedef struct {
	uint64_t epoch; /* the epoch object only */
	size_t n;
	svm_id_t op[SVM_STAKE_VALIDATORS_MAX];
} oplist_t;

static int oplist_get(svm_txctx_t *c, const svm_id_t *id, bool with_epoch, oplist_t *l)
{
	svm_object_t o;
	l->n = 0;
	l->epoch = 0;
	int rc = get_storage(c, id, &o);
	if (rc == SVM_ENOTFOUND) return 0;
	if (rc) return rc;
	svm_reader_t r = svm_reader(o.payload, o.payload_len);
	uint64_t n;
	if ((with_epoch && svm_varint_read(&r, &l->epoch)) || svm_varint_read(&r, &n) ||
	    n > SVM_STAKE_VALIDATORS_MAX)
		return SVM_EIO;
	for (uint64_t i = 0; i < n; i++)
		if (svm_reader_copy(&r, l->op[i].b, 32)) return SVM_EIO;
	l->n = (size_t)n;
	return svm_reader_left(&r) ? SVM_EIO : 0;
}

static int oplist_put(svm_txctx_t *c, const svm_id_t *id, bool with_epoch, const oplist_t *l)
{
	SVM_ASSERT(l->n <= SVM_STAKE_VALIDATORS_MAX);
	for (size_t i = 1; SVM_ASSERT_ON && !with_epoch && i < l->n; i++) /* the registry ascends */
		SVM_ASSERT(memcmp(l->op[i - 1].b, l->op[i].b, 32) < 0);
	svm_buf_t b = {0};
	int rc = with_epoch ? svm_varint_append(&b, l->epoch) : 0;
	if (!rc) rc = svm_varint_append(&b, l->n);
	for (size_t i = 0; !rc && i < l->n; i++) rc = svm_buf_append(&b, l->op[i].b, 32);
	if (!rc) rc = put_storage(c, id, &b, false, NULL);
	svm_buf_free(&b);
	return rc;
}

/* ------------------------------------------------------------ payloads */

static int header(svm_buf_t *out, uint64_t method)
{
	int rc = svm_varint_append(out, SVM_PROGRAM_STAKING);
	return rc ? rc : svm_varint_append(out, method);
}

int svm_stake_register_payload(svm_buf_t *out, const uint8_t key[32], const uint8_t vrf[32],
			       uint64_t commission_bps, uint64_t self_bond)
{
	int rc = header(out, SVM_STAKE_REGISTER);
	if (!rc) rc = svm_buf_append(out, key, 32);
	if (!rc) rc = svm_buf_append(out, vrf, 32);
	if (!rc) rc = svm_varint_append(out, commission_bps);
	if (!rc) rc = svm_varint_append(out, self_bond);
	return rc;
}

int svm_stake_payload(svm_buf_t *out, uint64_t method, const svm_id_t *op, const svm_id_t *op2,
		      uint64_t amount)
{
	int rc = header(out, method);
	switch (method) {
	case SVM_STAKE_DELEGATE:
	case SVM_STAKE_UNDELEGATE:
		if (!rc) rc = svm_buf_append(out, op->b, 32);
		if (!rc) rc = svm_varint_append(out, amount);
		return rc;
	case SVM_STAKE_CLAIM:
		return rc ? rc : svm_buf_append(out, op->b, 32);
	case SVM_STAKE_REDELEGATE:
		if (!rc) rc = svm_buf_append(out, op->b, 32);
		if (!rc) rc = svm_buf_append(out, op2->b, 32);
		if (!rc) rc = svm_varint_append(out, amount);
		return rc;
	case SVM_STAKE_EPOCH:
	case SVM_STAKE_UNJAIL:
		return rc;
	default:
		return SVM_EINVAL;
	}
}

int svm_stake_evidence_payload(svm_buf_t *out, const svm_id_t *op, const svm_evidence_t *e)
{
	int rc = header(out, SVM_STAKE_EVIDENCE);
	if (!rc) rc = svm_buf_append(out, op->b, 32);
	return rc ? rc : svm_evidence_encode(e, out);
}

typedef struct {
	uint64_t method;
	svm_id_t op, op2;
	uint8_t key[32], vrf[32];
	uint64_t amount, commission;
	svm_evidence_t ev;
} call_t;

static int parse(const uint8_t *p, size_t len, call_t *c)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t program;
	memset(c, 0, sizeof *c);
	if (svm_varint_read(&r, &program) || program != SVM_PROGRAM_STAKING || svm_varint_read(&r, &c->method))
		return SVM_EDECODE;
	int bad = 0;
	switch (c->method) {
	case SVM_STAKE_REGISTER:
		bad = svm_reader_copy(&r, c->key, 32) || svm_reader_copy(&r, c->vrf, 32) ||
		      svm_varint_read(&r, &c->commission) || svm_varint_read(&r, &c->amount);
		break;
	case SVM_STAKE_DELEGATE:
	case SVM_STAKE_UNDELEGATE:
		bad = svm_reader_copy(&r, c->op.b, 32) || svm_varint_read(&r, &c->amount);
		break;
	case SVM_STAKE_CLAIM:
		bad = svm_reader_copy(&r, c->op.b, 32);
		break;
	case SVM_STAKE_REDELEGATE:
		bad = svm_reader_copy(&r, c->op.b, 32) || svm_reader_copy(&r, c->op2.b, 32) ||
		      svm_varint_read(&r, &c->amount);
		break;
	case SVM_STAKE_EPOCH:
	case SVM_STAKE_UNJAIL:
		break;
	case SVM_STAKE_EVIDENCE:
		bad = svm_reader_copy(&r, c->op.b, 32) || svm_evidence_decode(&r, &c->ev);
		break;
	default:
		return SVM_EDECODE;
	}
	return bad || svm_reader_left(&r) ? SVM_EDECODE : 0;
}

int svm_staking_access(const svm_id_t *sender, const uint8_t *payload, size_t len, svm_id_t *ids,
		       size_t max, size_t *n)
{
	call_t k;
	if (parse(payload, len, &k)) return SVM_EDECODE;
	if (max < 12) return SVM_ELIMIT;
	size_t m = 0;
	svm_id_t vid;
	const svm_id_t *op = k.method == SVM_STAKE_REGISTER || k.method == SVM_STAKE_UNJAIL ? sender : &k.op;
	svm_staking_validator_id(op, &vid);
	switch (k.method) {
	case SVM_STAKE_REGISTER:
		svm_staking_registry_id(&ids[m++]);
		svm_staking_key_id(k.key, &ids[m++]);
		/* fall through */
	case SVM_STAKE_DELEGATE:
		ids[m++] = vid;
		svm_balance_id(svm_econ_swr(), &vid, &ids[m++]);
		svm_staking_delegation_id(op, sender, &ids[m++]);
		break;
	case SVM_STAKE_UNDELEGATE:
		ids[m++] = vid;
		svm_staking_delegation_id(op, sender, &ids[m++]);
		svm_staking_queue_id(op, &ids[m++]);
		break;
	case SVM_STAKE_CLAIM:
		svm_staking_queue_id(op, &ids[m++]);
		svm_balance_id(svm_econ_swr(), &vid, &ids[m++]);
		break;
	case SVM_STAKE_REDELEGATE: {
		svm_id_t v2;
		svm_staking_validator_id(&k.op2, &v2);
		ids[m++] = vid;
		ids[m++] = v2;
		svm_balance_id(svm_econ_swr(), &vid, &ids[m++]);
		svm_balance_id(svm_econ_swr(), &v2, &ids[m++]);
		svm_staking_delegation_id(op, sender, &ids[m++]);
		svm_staking_delegation_id(&k.op2, sender, &ids[m++]);
		svm_staking_redel_id(op, &ids[m++]);
		svm_staking_redin_id(op, sender, &ids[m++]);
		svm_staking_redin_id(&k.op2, sender, &ids[m++]);
		break;
	}
	case SVM_STAKE_EVIDENCE:
		ids[m++] = vid;
		svm_balance_id(svm_econ_swr(), &vid, &ids[m++]);
		svm_staking_queue_id(op, &ids[m++]);
		svm_staking_evidence_id(&k.ev, &ids[m++]);
		svm_token_object_id(svm_econ_swr(), &ids[m++]);
		svm_staking_redel_id(op, &ids[m++]);
		svm_staking_redslash_id(&ids[m++]);
		break;
	case SVM_STAKE_UNJAIL:
		ids[m++] = vid;
		break;
	case SVM_STAKE_EPOCH: /* also every validator it reads: dynamic mode */
		svm_staking_epoch_id(&ids[m++]);
		svm_staking_registry_id(&ids[m++]);
		svm_validator_set_id(&ids[m++]);
		svm_token_object_id(svm_econ_swr(), &ids[m++]);
		break;
	}
	*n = m;
	return 0;
}

/* ----------------------------------------------------------- delegation */

/* Shares for amount into a validator holding tokens/shares: amount when it has none, else
 * floor(amount·S/T) (the delegator's rounding loss stays with the validator's delegators). */
static int shares_for(const svm_validator_t *v, uint64_t amount, uint64_t *shares)
{
	if (amount == 0) return SVM_EINVAL;
	u128 s = v->shares == 0 || v->tokens == 0 ? amount : (u128)amount * v->shares / v->tokens;
	if (s == 0) return SVM_EINVAL;
	uint64_t t;
	if (s > UINT64_MAX || !svm_add_u64(v->shares, (uint64_t)s, &t) || !svm_add_u64(v->tokens, amount, &t))
		return SVM_EOVERFLOW;
	*shares = (uint64_t)s;
	return 0;
}

/* Moves amount of the sender's SWR into validator v as shares for delegator d. */
static int bond(svm_txctx_t *c, svm_validator_t *v, const svm_id_t *from, const svm_id_t *d,
		uint64_t amount, bool transfer)
{
	uint64_t s, held;
	svm_id_t vid;
	int rc = shares_for(v, amount, &s);
	if (!rc) rc = del_get(c, &v->operator_id, d, &held);
	if (!rc && !svm_add_u64(held, s, &held)) rc = SVM_EOVERFLOW;
	if (rc) return rc;
	svm_staking_validator_id(&v->operator_id, &vid);
	if (transfer) rc = svm_ledger_transfer(c, svm_econ_swr(), from, &vid, amount);
	v->tokens += amount;
	v->shares += s;
	SVM_ASSERT(v->tokens >= amount && v->shares >= s && s > 0); /* shares_for ruled out a wrap */
	if (!rc) rc = del_put(c, &v->operator_id, d, held);
	return rc ? rc : val_put(c, v);
}

/* Removes shares of delegator d from v: the SWR they are worth, floor(shares·T/S). */
static int unbond(svm_txctx_t *c, svm_validator_t *v, const svm_id_t *d, uint64_t shares,
		  uint64_t *amount)
{
	uint64_t held;
	int rc = del_get(c, &v->operator_id, d, &held);
	if (rc) return rc;
	if (shares == 0) return SVM_EINVAL;
	if (held < shares) return SVM_EFUNDS;
	SVM_ASSERT(shares <= v->shares); /* Σ delegations = S */
	*amount = (uint64_t)((u128)shares * v->tokens / v->shares); /* ≤ tokens: shares ≤ S */
	SVM_ASSERT(*amount <= v->tokens);
	v->tokens -= *amount;
	v->shares -= shares;
	rc = del_put(c, &v->operator_id, d, held - shares);
	return rc ? rc : val_put(c, v);
}

static uint64_t epoch_of(const svm_params_t *p, uint64_t height) { return height / p->epoch_blocks; }

static int do_register(svm_txctx_t *c, const call_t *k, const svm_params_t *p)
{
	const svm_id_t *me = &c->tx->sender;
	svm_validator_t v;
	svm_id_t rid, kid;
	oplist_t *reg = NULL;
	if (k->commission > p->commission_bps_max || k->amount == 0) return SVM_EINVAL;
	int rc = val_get(c, me, &v);
	if (rc == 0) return SVM_EEXIST;
	if (rc != SVM_ENOTFOUND) return rc;
	svm_staking_key_id(k->key, &kid);
	svm_object_t o;
	rc = get_storage(c, &kid, &o);
	if (rc == 0) return SVM_EEXIST; /* the consensus key belongs to another validator */
	if (rc != SVM_ENOTFOUND) return rc;
	reg = svm_malloc(sizeof *reg);
	if (reg == NULL) return SVM_ENOMEM;
	svm_staking_registry_id(&rid);
	rc = oplist_get(c, &rid, false, reg);
	if (!rc && reg->n >= SVM_STAKE_VALIDATORS_MAX) rc = SVM_ELIMIT;
	if (!rc) { /* insert in ascending order */
		size_t i = reg->n;
		while (i > 0 && memcmp(reg->op[i - 1].b, me->b, 32) > 0) {
			reg->op[i] = reg->op[i - 1];
			i--;
		}
		reg->op[i] = *me;
		reg->n++;
		rc = oplist_put(c, &rid, false, reg);
	}
	svm_free(reg);
	if (rc) return rc;
	svm_buf_t b = {.data = (uint8_t *)me->b, .len = 32, .cap = 32, .cap_max = 32};
	rc = put_storage(c, &kid, &b, false, NULL);
	memset(&v, 0, sizeof v);
	v.operator_id = *me;
	memcpy(v.consensus_key, k->key, 32);
	memcpy(v.vrf_key, k->vrf, 32);
	v.commission_bps = k->commission;
	return rc ? rc : bond(c, &v, me, me, k->amount, true);
}

static int do_undelegate(svm_txctx_t *c, const call_t *k, const svm_params_t *p)
{
	const svm_id_t *me = &c->tx->sender;
	svm_validator_t v;
	uint64_t amount;
	queue_t *q = svm_malloc(sizeof *q);
	if (q == NULL) return SVM_ENOMEM;
	int rc = val_get(c, &k->op, &v);
	if (!rc) rc = queue_get(c, &k->op, q);
	if (!rc && q->n >= SVM_STAKE_QUEUE_MAX) rc = SVM_ELIMIT;
	if (!rc) rc = unbond(c, &v, me, k->amount, &amount);
	if (!rc && amount == 0) rc = SVM_EINVAL; /* shares worth nothing (after a total slash) */
	if (!rc) {
		/* claimable from the first block of epoch (now + unbonding_epochs + 1) */
		SVM_ASSERT(q->n < SVM_STAKE_QUEUE_MAX);
		q->e[q->n++] = (unb_t){*me, amount, c->height, epoch_of(p, c->height) + p->unbonding_epochs + 1};
		rc = queue_put(c, &k->op, q);
	}
	svm_free(q);
	return rc;
}

static int do_claim(svm_txctx_t *c, const call_t *k, const svm_params_t *p)
{
	const svm_id_t *me = &c->tx->sender;
	queue_t *q = svm_malloc(sizeof *q);
	if (q == NULL) return SVM_ENOMEM;
	uint64_t total = 0, now = epoch_of(p, c->height);
	size_t keep = 0, pending = 0;
	int rc = queue_get(c, &k->op, q);
	for (size_t i = 0; !rc && i < q->n; i++) {
		bool mine = svm_hash_eq(&q->e[i].delegator, me);
		if (mine && q->e[i].release_epoch <= now) {
			if (!svm_add_u64(total, q->e[i].amount, &total)) rc = SVM_EOVERFLOW;
			continue;
		}
		pending += mine;
		q->e[keep++] = q->e[i];
	}
	if (!rc && total == 0 && keep == q->n) rc = pending ? SVM_ESTATE : SVM_ENOTFOUND;
	SVM_ASSERT(keep <= q->n && pending <= keep);
	q->n = keep;
	svm_id_t vid;
	svm_staking_validator_id(&k->op, &vid);
	if (!rc) rc = queue_put(c, &k->op, q);
	if (!rc && total) rc = svm_ledger_transfer(c, svm_econ_swr(), &vid, me, total);
	svm_free(q);
	return rc;
}

/* Until the release epoch of the delegator's last redelegation into validator `to` (0: none);
 * a released marker is deleted when `drop`. */
static int redin_get(svm_txctx_t *c, const svm_id_t *to, const svm_id_t *d, uint64_t now, bool drop,
		     uint64_t *until)
{
	svm_id_t id;
	svm_object_t o;
	svm_staking_redin_id(to, d, &id);
	*until = 0;
	int rc = get_storage(c, &id, &o);
	if (rc == SVM_ENOTFOUND) return 0;
	if (rc) return rc;
	svm_reader_t r = svm_reader(o.payload, o.payload_len);
	if (svm_varint_read(&r, until) || svm_reader_left(&r)) return SVM_EIO;
	if (drop && *until <= now) return svm_host_del(c, &id);
	return 0;
}

static int do_redelegate(svm_txctx_t *c, const call_t *k, const svm_params_t *p)
{
	const svm_id_t *me = &c->tx->sender;
	svm_validator_t from, to;
	uint64_t amount, until, now = epoch_of(p, c->height);
	svm_id_t fid, tid;
	if (svm_hash_eq(&k->op, &k->op2)) return SVM_EINVAL;
	int rc = val_get(c, &k->op, &from);
	if (!rc) rc = val_get(c, &k->op2, &to);
	if (rc) return rc;
	if (from.jailed) return SVM_EPERM; /* a jailed validator's stake must unbond (slashable) */
	/* stake redelegated into `from` is slashable through the first redelegation's record only
	 * while it stays there: it moves on once that record is released */
	rc = redin_get(c, &k->op, me, now, true, &until);
	if (rc) return rc;
	if (until > now) return SVM_ESTATE;
	rc = unbond(c, &from, me, k->amount, &amount);
	if (!rc && amount == 0) rc = SVM_EINVAL;
	if (rc) return rc;
	svm_staking_validator_id(&k->op, &fid);
	svm_staking_validator_id(&k->op2, &tid);
	rc = svm_ledger_transfer(c, svm_econ_swr(), &fid, &tid, amount);
	if (!rc) rc = bond(c, &to, NULL, me, amount, false);
	if (rc) return rc;
	/* the record an offence of `from` committed before now slashes (block end) */
	redlist_t *l = svm_malloc(sizeof *l);
	if (l == NULL) return SVM_ENOMEM;
	uint64_t release = now + p->unbonding_epochs + 1;
	rc = redlist_get(c, &k->op, l);
	size_t keep = 0;
	for (size_t i = 0; !rc && i < l->n; i++)
		if (l->e[i].release_epoch > now) l->e[keep++] = l->e[i];
	l->n = keep;
	if (!rc && l->n >= SVM_STAKE_REDEL_MAX) rc = SVM_ELIMIT;
	if (!rc) {
		SVM_ASSERT(l->n < SVM_STAKE_REDEL_MAX && amount > 0);
		l->e[l->n++] = (red_t){*me, k->op2, amount, c->height, release};
		rc = redlist_put(c, &k->op, l);
	}
	svm_free(l);
	if (rc) return rc;
	svm_id_t rid;
	uint8_t buf[SVM_VARINT_MAX];
	svm_buf_t b = {.data = buf, .cap = sizeof buf, .cap_max = sizeof buf};
	svm_staking_redin_id(&k->op2, me, &rid);
	rc = redin_get(c, &k->op2, me, now, false, &until);
	if (!rc) rc = svm_varint_append(&b, until > release ? until : release);
	return rc ? rc : put_storage(c, &rid, &b, true, me);
}

/* ---------------------------------------------------------------- epoch */

typedef struct {
	svm_validator_t v;
} cand_t;

static int cmp_cand(const void *a, const void *b)
{
	const svm_validator_t *x = &((const cand_t *)a)->v, *y = &((const cand_t *)b)->v;
	if (x->tokens != y->tokens) return x->tokens > y->tokens ? -1 : 1; /* stake descending */
	return memcmp(x->operator_id.b, y->operator_id.b, 32);            /* then id ascending */
}

/* Mints the epoch's issuance: treasury share, then rewards to last epoch's active set by stake,
 * commission to each operator, the rest compounded into the validator's tokens. */
/* Entries of the events a settlement lists per validator: at most this many in one event (its
 * data ≤ SVM_EVENT_DATA_MAX), so the active set's fit in two. */
#define EV_ENTRY 48 /* operator (32) ‖ u64be ‖ u64be */
#define EV_PER (SVM_EVENT_DATA_MAX / EV_ENTRY)
_Static_assert(2 * EV_PER >= SVM_STAKE_ACTIVE_MAX, "two events hold the active set");

/* Emits n entries of EV_ENTRY bytes under topic, EV_PER per event. */
static int emit_entries(svm_txctx_t *c, const svm_id_t *emitter, const char *topic, const uint8_t *e,
			size_t n)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i += EV_PER)
		rc = svm_host_emit(c, emitter, topic, strlen(topic), e + i * EV_ENTRY,
				   (n - i < EV_PER ? n - i : EV_PER) * EV_ENTRY);
	return rc;
}

static void entry(uint8_t *at, const svm_id_t *op, uint64_t a, uint64_t b)
{
	memcpy(at, op->b, 32);
	svm_put_u64be(at + 32, a);
	svm_put_u64be(at + 40, b);
}

/* What an epoch's processing paid: issuance minted, tips taken from the pool, the treasury's
 * share (with the dust), and per validator its reward to the stake and its commission. */
typedef struct {
	uint64_t issued, tips, treasury;
	size_t n;
	uint8_t e[SVM_STAKE_ACTIVE_MAX * EV_ENTRY];
} paid_t;

static int rewards(svm_txctx_t *c, const svm_params_t *p, const oplist_t *active, uint64_t epochs,
		   paid_t *out)
{
	svm_token_info_t info;
	int rc = svm_ledger_token(c, svm_econ_swr(), &info);
	if (rc) return rc;
	u128 issue = (u128)info.supply * p->issuance_ppb_epoch * epochs / 1000000000u;
	if (issue > UINT64_MAX - info.supply) issue = UINT64_MAX - info.supply; /* supply caps it */
	uint64_t total = (uint64_t)issue, treasury = (uint64_t)((u128)total * p->treasury_bps / 10000);
	/* the tips the blocks paid into the pool since the last epoch join the issuance's share:
	 * taken out of the pool (burned) and paid below (minted) — the supply moves by exactly
	 * the issuance */
	svm_id_t tips_id;
	svm_staking_tips_id(&tips_id);
	uint64_t tips = 0;
	rc = svm_ledger_balance(c, svm_econ_swr(), &tips_id, &tips);
	if (rc == SVM_ENOTFOUND) rc = 0, tips = 0;
	if (!rc && tips) rc = svm_ledger_burn(c, svm_econ_swr(), &tips_id, tips);
	if (rc) return rc;
	uint64_t pool = total - treasury + tips, paid = 0; /* ≤ supply: no overflow */
	u128 stake = 0;
	svm_validator_t v;
	for (size_t i = 0; !rc && i < active->n; i++) {
		rc = val_get(c, &active->op[i], &v);
		if (!rc && !v.jailed) stake += v.tokens;
	}
	for (size_t i = 0; !rc && stake && i < active->n; i++) {
		rc = val_get(c, &active->op[i], &v);
		if (rc || v.jailed) continue;
		uint64_t r = (uint64_t)((u128)pool * v.tokens / stake);
		uint64_t comm = (uint64_t)((u128)r * v.commission_bps / 10000);
		SVM_ASSERT(comm <= r && v.commission_bps <= 10000);
		svm_id_t vid;
		svm_staking_validator_id(&v.operator_id, &vid);
		if (out->n < SVM_STAKE_ACTIVE_MAX) entry(out->e + EV_ENTRY * out->n++, &v.operator_id, r - comm, comm);
		if (comm) rc = svm_ledger_mint(c, svm_econ_swr(), &v.operator_id, comm);
		if (!rc && r - comm) {
			rc = svm_ledger_mint(c, svm_econ_swr(), &vid, r - comm);
			v.tokens += r - comm; /* ≤ supply: cannot overflow */
			if (!rc) rc = val_put(c, &v);
		}
		paid += r;
	}
	/* shares of the pool by stake, each rounded down: they never add up past it */
	SVM_ASSERT(rc != 0 || paid <= pool);
	treasury += pool - paid; /* rounding dust, or no one to pay */
	svm_id_t tid;
	svm_treasury_id(&tid);
	if (!rc && treasury) rc = svm_ledger_mint(c, svm_econ_swr(), &tid, treasury);
	out->issued = total;
	out->tips = tips;
	out->treasury = treasury;
	return rc;
}

/* Chooses the active set: unjailed validators with tokens ≥ stake_min, top active_set_max by
 * stake. Writes the epoch object and the validator-set object consensus reads. An empty choice
 * keeps the previous set: consensus is never handed no validators. */
static int choose_set(svm_txctx_t *c, const svm_params_t *p, oplist_t *ep, uint64_t now)
{
	svm_id_t rid, sid, eid;
	svm_staking_registry_id(&rid);
	svm_validator_set_id(&sid);
	svm_staking_epoch_id(&eid);
	oplist_t *reg = svm_malloc(sizeof *reg);
	cand_t *cand = svm_malloc(SVM_STAKE_VALIDATORS_MAX * sizeof *cand);
	int rc = reg && cand ? oplist_get(c, &rid, false, reg) : SVM_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; !rc && i < reg->n; i++) {
		rc = val_get(c, &reg->op[i], &cand[n].v);
		if (!rc && !cand[n].v.jailed && cand[n].v.tokens >= p->stake_min && cand[n].v.tokens) n++;
	}
	if (!rc) qsort(cand, n, sizeof *cand, cmp_cand);
	if (n > p->active_set_max) n = (size_t)p->active_set_max;
	SVM_ASSERT(n <= SVM_STAKE_VALIDATORS_MAX && p->active_set_max <= SVM_STAKE_ACTIVE_MAX);
	for (size_t i = 1; SVM_ASSERT_ON && !rc && i < n; i++) /* stake descending, then id: one order */
		SVM_ASSERT(cmp_cand(&cand[i - 1], &cand[i]) < 0);
	ep->epoch = now;
	if (!rc && n) {
		svm_buf_t b = {0};
		rc = svm_varint_append(&b, n);
		for (size_t i = 0; !rc && i < n; i++) {
			ep->op[i] = cand[i].v.operator_id;
			rc = svm_buf_append(&b, cand[i].v.consensus_key, 32);
			if (!rc) rc = svm_varint_append(&b, cand[i].v.tokens);
		}
		ep->n = n;
		if (!rc) rc = put_storage(c, &sid, &b, false, NULL);
		svm_buf_free(&b);
	}
	if (!rc) rc = oplist_put(c, &eid, true, ep);
	svm_free(reg);
	svm_free(cand);
	return rc;
}

/* Processes every epoch up to `now` (rewards of the elapsed ones, the set for `now`). */
static int epoch_to(svm_txctx_t *c, const svm_params_t *p, uint64_t now)
{
	svm_id_t eid;
	svm_staking_epoch_id(&eid);
	oplist_t *ep = svm_malloc(sizeof *ep);
	if (ep == NULL) return SVM_ENOMEM;
	paid_t *paid = svm_malloc(sizeof *paid);
	int rc = paid ? oplist_get(c, &eid, true, ep) : SVM_ENOMEM;
	if (!rc) paid->n = 0;
	if (!rc && now <= ep->epoch) rc = SVM_ESTATE; /* this epoch is processed already */
	if (!rc) rc = rewards(c, p, ep, now - ep->epoch, paid);
	if (!rc) rc = choose_set(c, p, ep, now);
	if (!rc) {
		uint8_t d[40];
		svm_put_u64be(d, now);
		svm_put_u64be(d + 8, ep->n);
		svm_put_u64be(d + 16, paid->issued);
		svm_put_u64be(d + 24, paid->tips);
		svm_put_u64be(d + 32, paid->treasury);
		rc = svm_host_emit(c, &eid, "stake/epoch", 11, d, sizeof d);
	}
	if (!rc && paid->n) rc = emit_entries(c, &eid, "stake/reward", paid->e, paid->n);
	svm_free(paid);
	svm_free(ep);
	return rc;
}

static int do_epoch(svm_txctx_t *c, const svm_params_t *p) { return epoch_to(c, p, epoch_of(p, c->height)); }


/* ------------------------------------------------------------- slashing */

static uint64_t cut(uint64_t amount, uint64_t bps) { return (uint64_t)((u128)amount * bps / 10000); }

static int do_evidence(svm_txctx_t *c, const call_t *k, const svm_params_t *p)
{
	const svm_evidence_t *e = &k->ev;
	svm_validator_t v;
	int rc = val_get(c, &k->op, &v);
	if (rc) return rc;
	if (memcmp(v.consensus_key, e->key, 32)) return SVM_EINVAL; /* not this validator's key */
	rc = svm_host_charge(c, 2 * SVM_STEPS_SIG_VERIFY);
	if (!rc) rc = svm_evidence_verify(e, c->tx->chain_id); /* this chain's signatures only */
	if (rc) return rc;
	if (e->height > c->height) return SVM_EINVAL; /* an offence in the future */
	u128 window = (u128)(p->unbonding_epochs + 1) * p->epoch_blocks;
	if (c->height - e->height > window) return SVM_ESTATE; /* older than any bonded stake */
	svm_id_t evid;
	svm_object_t o;
	svm_staking_evidence_id(e, &evid);
	rc = get_storage(c, &evid, &o);
	if (rc == 0) return SVM_EEXIST; /* each piece of evidence slashes once */
	if (rc != SVM_ENOTFOUND) return rc;
	queue_t *q = svm_malloc(sizeof *q);
	if (q == NULL) return SVM_ENOMEM;
	rc = queue_get(c, &k->op, q);
	uint64_t burn = cut(v.tokens, p->slash_double_bps);
	SVM_ASSERT(burn <= v.tokens && p->slash_double_bps <= 10000);
	v.tokens -= burn;
	for (size_t i = 0; !rc && i < q->n; i++) {
		if (q->e[i].start_height <= e->height) continue; /* unbonded before the offence */
		uint64_t x = cut(q->e[i].amount, p->slash_double_bps);
		SVM_ASSERT(x <= q->e[i].amount);
		q->e[i].amount -= x;
		burn += x; /* ≤ the validator's balance: no overflow */
	}
	/* stake redelegated away after the offence: slashed by the block's settlement, which can
	 * reach the destinations this transaction does not name */
	redlist_t *l = rc ? NULL : svm_malloc(sizeof *l);
	if (!rc && l == NULL) rc = SVM_ENOMEM;
	if (!rc) rc = redlist_get(c, &k->op, l);
	bool reach = false;
	for (size_t i = 0; !rc && i < l->n; i++)
		reach |= l->e[i].start_height > e->height && l->e[i].release_epoch > epoch_of(p, c->height);
	svm_free(l);
	if (!rc && reach && p->slash_double_bps) {
		pending_t *pd = svm_malloc(sizeof *pd);
		rc = pd ? pending_get(c, pd) : SVM_ENOMEM;
		if (!rc && pd->n >= SVM_STAKE_REDSLASH_MAX) rc = SVM_ELIMIT; /* next block */
		if (!rc) {
			pd->e[pd->n++] = (svm_stake_redslash_t){k->op, e->height, p->slash_double_bps};
			rc = pending_put(c, pd);
		}
		svm_free(pd);
	}
	svm_id_t vid;
	svm_staking_validator_id(&k->op, &vid);
	v.slashed += burn;
	v.jailed = 1;
	v.unjail_epoch = epoch_of(p, c->height) + p->jail_epochs + 1;
	if (!rc && burn) rc = svm_ledger_burn(c, svm_econ_swr(), &vid, burn);
	if (!rc) rc = queue_put(c, &k->op, q);
	if (!rc) rc = val_put(c, &v);
	svm_free(q);
	uint8_t hb[SVM_VARINT_MAX];
	svm_buf_t b = {.data = hb, .cap = sizeof hb, .cap_max = sizeof hb};
	if (!rc) rc = svm_varint_append(&b, c->height);
	if (!rc) rc = put_storage(c, &evid, &b, false, NULL);
	if (!rc) {
		uint8_t d[40];
		memcpy(d, k->op.b, 32);
		svm_put_u64be(d + 32, burn);
		rc = svm_host_emit(c, &vid, "stake/slash", 11, d, sizeof d);
	}
	return rc;
}

/* Slashes x SWR of the stake r moved: first the delegator's shares in the destination (those
 * worth at least x, rounded against the delegator, at most all it holds there), then what it has
 * unbonding from the destination since the redelegation. *burned: what was burned (≥ x unless
 * the delegator holds less there now). */
static int slash_moved(svm_txctx_t *c, const red_t *r, uint64_t x, uint64_t *burned)
{
	svm_validator_t v;
	uint64_t held, got = 0;
	*burned = 0;
	int rc = val_get(c, &r->to, &v);
	if (!rc) rc = del_get(c, &r->to, &r->delegator, &held);
	if (rc) return rc;
	if (held && v.shares && v.tokens) {
		u128 need = ((u128)x * v.shares + v.tokens - 1) / v.tokens;
		uint64_t sh = need < held ? (uint64_t)need : held;
		SVM_ASSERT(sh <= v.shares); /* Σ delegations = S */
		got = (uint64_t)((u128)sh * v.tokens / v.shares);
		v.tokens -= got;
		v.shares -= sh;
		rc = del_put(c, &r->to, &r->delegator, held - sh);
		if (!rc) rc = val_put(c, &v);
	}
	if (!rc && got < x) {
		queue_t *q = svm_malloc(sizeof *q);
		rc = q ? queue_get(c, &r->to, q) : SVM_ENOMEM;
		size_t keep = 0;
		bool changed = false;
		for (size_t i = 0; !rc && i < q->n; i++) {
			unb_t *u = &q->e[i];
			if (got < x && svm_hash_eq(&u->delegator, &r->delegator) && u->start_height >= r->start_height) {
				uint64_t take = u->amount < x - got ? u->amount : x - got;
				u->amount -= take;
				got += take;
				changed = true;
			}
			if (u->amount) q->e[keep++] = *u;
		}
		if (!rc) q->n = keep;
		if (!rc && changed) rc = queue_put(c, &r->to, q);
		svm_free(q);
	}
	svm_id_t tid;
	svm_staking_validator_id(&r->to, &tid);
	if (!rc && got) rc = svm_ledger_burn(c, svm_econ_swr(), &tid, got);
	*burned = got;
	return rc;
}

/* The settlement's first step: every offence the block's evidence queued slashes, at its rate,
 * each redelegation out of the offender made after the offence and not yet released. The burn
 * counts in the offender's `slashed`; one event "stake/redslash" (emitter: the queue's id) lists
 * operator ‖ u64be offence height ‖ u64be burned per offence. */
static int redelegation_slashes(svm_txctx_t *c, const svm_params_t *p)
{
	pending_t *pd = svm_malloc(sizeof *pd);
	redlist_t *l = svm_malloc(sizeof *l);
	int rc = pd && l ? pending_get(c, pd) : SVM_ENOMEM;
	uint64_t now = epoch_of(p, c->height);
	uint8_t ev[SVM_STAKE_REDSLASH_MAX * 48];
	_Static_assert(sizeof ev <= SVM_EVENT_DATA_MAX, "one event");
	for (size_t i = 0; !rc && i < pd->n; i++) {
		const svm_stake_redslash_t *o = &pd->e[i];
		uint64_t total = 0;
		rc = redlist_get(c, &o->op, l);
		for (size_t j = 0; !rc && j < l->n; j++) {
			const red_t *r = &l->e[j];
			if (r->start_height <= o->height || r->release_epoch <= now) continue;
			uint64_t x = cut(r->amount, o->bps), got = 0;
			if (x) rc = slash_moved(c, r, x, &got);
			total += got; /* burned SWR: ≤ the supply */
		}
		svm_validator_t v;
		if (!rc) rc = val_get(c, &o->op, &v);
		if (!rc && total) {
			v.slashed += total;
			rc = val_put(c, &v);
		}
		memcpy(ev + 48 * i, o->op.b, 32);
		svm_put_u64be(ev + 48 * i + 32, o->height);
		svm_put_u64be(ev + 48 * i + 40, total);
	}
	if (!rc && pd->n) {
		svm_id_t id;
		svm_staking_redslash_id(&id);
		size_t n = pd->n;
		pd->n = 0;
		rc = pending_put(c, pd);
		if (!rc) rc = svm_host_emit(c, &id, "stake/redslash", 14, ev, 48 * n);
	}
	svm_free(pd);
	svm_free(l);
	return rc;
}

/* ------------------------------------------------------------- downtime */

int svm_qc_signers(const uint8_t *p, size_t len, uint64_t *height,
		   uint8_t bitmap[SVM_QC_BITMAP_BYTES], uint32_t *n_signers)
{
	svm_reader_t r = svm_reader(p, len);
	uint8_t tag, skip[32];
	uint64_t round, parent_round, epoch, bl;
	const uint8_t *bm;
	memset(bitmap, 0, SVM_QC_BITMAP_BYTES);
	if (svm_reader_u8(&r, &tag) || tag != SVM_QC_TAG || svm_reader_copy(&r, skip, 32) ||
	    svm_varint_read(&r, &round) || svm_varint_read(&r, height) || svm_reader_copy(&r, skip, 32) ||
	    svm_varint_read(&r, &parent_round) || svm_reader_copy(&r, skip, 32) ||
	    svm_varint_read(&r, &epoch) || svm_varint_read(&r, &bl) || bl > SVM_QC_BITMAP_BYTES ||
	    svm_reader_bytes(&r, (size_t)bl, &bm) || (bl > 0 && bm[bl - 1] == 0))
		return SVM_EDECODE;
	uint32_t n = 0;
	for (size_t i = 0; i < bl; i++) {
		bitmap[i] = bm[i];
		n += (uint32_t)__builtin_popcount(bm[i]);
	}
	/* one signature per signer and nothing after them */
	if (svm_reader_left(&r) != (size_t)n * SVM_ED25519_SIG_SIZE) return SVM_EDECODE;
	*n_signers = n;
	return 0;
}

typedef svm_stake_down_t down_t;
typedef svm_stake_downlist_t downlist_t;

int svm_staking_down_decode(const uint8_t *p, size_t len, downlist_t *d)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t n;
	d->n = 0;
	d->uncounted = 0;
	if (svm_varint_read(&r, &d->version) || (d->version != 2 && d->version != SVM_STAKE_DOWN_VERSION) ||
	    svm_varint_read(&r, &d->start_height) || svm_varint_read(&r, &d->start_ms) ||
	    (d->version >= 3 && svm_varint_read(&r, &d->uncounted)) || svm_varint_read(&r, &n) ||
	    n > SVM_STAKE_ACTIVE_MAX)
		return SVM_EDECODE;
	for (uint64_t i = 0; i < n; i++)
		if (svm_reader_copy(&r, d->e[i].op.b, 32) || svm_varint_read(&r, &d->e[i].missed) ||
		    d->e[i].missed == 0 || (i > 0 && memcmp(d->e[i - 1].op.b, d->e[i].op.b, 32) >= 0))
			return SVM_EDECODE;
	d->n = (size_t)n;
	return svm_reader_left(&r) ? SVM_EDECODE : 0;
}

int svm_staking_down_encode(const downlist_t *d, svm_buf_t *out)
{
	if (d->n > SVM_STAKE_ACTIVE_MAX || (d->version != 2 && d->version != SVM_STAKE_DOWN_VERSION) ||
	    (d->version == 2 && d->uncounted != 0))
		return SVM_EINVAL;
	int rc = svm_varint_append(out, d->version);
	if (!rc) rc = svm_varint_append(out, d->start_height);
	if (!rc) rc = svm_varint_append(out, d->start_ms);
	if (!rc && d->version >= 3) rc = svm_varint_append(out, d->uncounted);
	if (!rc) rc = svm_varint_append(out, d->n);
	for (size_t i = 0; !rc && i < d->n; i++) {
		rc = svm_buf_append(out, d->e[i].op.b, 32);
		if (!rc) rc = svm_varint_append(out, d->e[i].missed);
	}
	return rc;
}

/* ENOTFOUND when no window has begun yet. */
static int down_get(svm_txctx_t *c, downlist_t *d)
{
	svm_id_t id;
	svm_object_t o;
	svm_staking_downtime_id(&id);
	d->n = 0;
	int rc = get_storage(c, &id, &o);
	if (rc) return rc;
	return svm_staking_down_decode(o.payload, o.payload_len, d) ? SVM_EIO : 0;
}

static int down_put(svm_txctx_t *c, const downlist_t *d)
{
	svm_id_t id;
	svm_staking_downtime_id(&id);
	svm_buf_t b = {0};
	int rc = svm_staking_down_encode(d, &b);
	if (!rc) rc = put_storage(c, &id, &b, false, NULL);
	svm_buf_free(&b);
	return rc;
}

/* The window's counted blocks up to the block at height (included), or 0 for a height the
 * record cannot be at (before its start, or fewer heights than it counts uncounted). */
static uint64_t window_blocks(const downlist_t *d, uint64_t height)
{
	if (height < d->start_height || height - d->start_height < d->uncounted) return 0;
	return height - d->start_height + 1 - d->uncounted;
}

/* Whether the counted block (height, t_ms) is the last of the window that began at
 * (start_height, start_ms): with it the window holds downtime_window_blocks counted blocks and
 * has lasted downtime_window_ms of block time. */
static bool window_ends(const svm_params_t *p, const downlist_t *d, uint64_t height, uint64_t t_ms)
{
	SVM_ASSERT(window_blocks(d, height) >= 1); /* downtime() checked the record */
	return window_blocks(d, height) >= p->downtime_window_blocks && t_ms >= d->start_ms &&
	       t_ms - d->start_ms >= p->downtime_window_ms;
}

bool svm_staking_down_jails(const svm_params_t *p, const downlist_t *d, uint64_t missed,
			    uint64_t height, uint64_t timestamp_ms)
{
	SVM_ASSERT(p->downtime_window_blocks >= 1); /* svm_params_check's bound */
	uint64_t blocks = window_blocks(d, height); /* counted, of the window so far, this one included */
	if (blocks == 0) return false;              /* not this window's block */
	/* more than the share missed_max / window_blocks of them: in the window's first
	 * window_blocks blocks this is missed > missed_max alone (the rule without a time floor) */
	bool share = (u128)missed * p->downtime_window_blocks > (u128)p->downtime_missed_max * blocks;
	bool lasted = timestamp_ms >= d->start_ms && timestamp_ms - d->start_ms >= p->downtime_window_ms;
	return missed > p->downtime_missed_max && share && lasted;
}

/* The missed-vote counter of op in d (inserted at 0, in order, when absent). */
static down_t *down_find(downlist_t *d, const svm_id_t *op)
{
	size_t i = 0;
	while (i < d->n && memcmp(d->e[i].op.b, op->b, 32) < 0) i++;
	if (i < d->n && svm_hash_eq(&d->e[i].op, op)) return &d->e[i];
	if (d->n >= SVM_STAKE_ACTIVE_MAX) return NULL; /* cannot happen: ≤ the active set */
	memmove(&d->e[i + 1], &d->e[i], (d->n - i) * sizeof d->e[0]);
	d->n++;
	d->e[i] = (down_t){.op = *op, .missed = 0};
	return &d->e[i];
}

/* Leaks slash_downtime_bps of v's bonded stake (burned) and jails it; its event entry
 * (operator ‖ u64be burned ‖ u64be missed) at ev. */
static int downtime_jail(svm_txctx_t *c, const svm_params_t *p, svm_validator_t *v, uint64_t missed,
			 uint8_t *ev)
{
	svm_id_t vid;
	svm_staking_validator_id(&v->operator_id, &vid);
	uint64_t burn = cut(v->tokens, p->slash_downtime_bps);
	v->tokens -= burn;
	v->slashed += burn;
	v->jailed = 1;
	v->unjail_epoch = epoch_of(p, c->height) + p->jail_epochs + 1;
	int rc = burn ? svm_ledger_burn(c, svm_econ_swr(), &vid, burn) : 0;
	if (!rc) rc = val_put(c, v);
	entry(ev, &v->operator_id, burn, missed);
	return rc;
}

typedef struct {
	svm_id_t id; /* the consensus identity: consensus's set is sorted by it */
	size_t at;   /* index in the validator-set object */
} ident_t;

static int cmp_ident(const void *a, const void *b)
{
	return memcmp(((const ident_t *)a)->id.b, ((const ident_t *)b)->id.b, 32);
}

/* Whether a late QC's signer bitmap bm can be attributed to the validator set in the parent
 * state, set[n] (ids: its consensus identities, sorted as consensus's set is): it names no index
 * outside the set and its signers hold a quorum of the set's stake. */
static bool qc_is_the_sets(const svm_validator_entry_t *set, const ident_t *ids, size_t n,
			   const uint8_t bm[SVM_QC_BITMAP_BYTES])
{
	if (n == 0) return false;
	for (size_t i = n; i < SVM_STAKE_ACTIVE_MAX; i++)
		if (bm[i / 8] & (1u << (i % 8))) return false; /* a signer outside this set */
	u128 total = 0, signed_stake = 0;
	for (size_t i = 0; i < n; i++) {
		total += set[ids[i].at].stake;
		if (bm[i / 8] & (1u << (i % 8))) signed_stake += set[ids[i].at].stake;
	}
	return 3 * signed_stake > 2 * total; /* else not this set's quorum */
}

/* Counts one missed vote in d for each member of the set absent from bm whose validator is
 * not jailed (a member with no validator record: nobody to count). */
static int count_absent(svm_txctx_t *c, downlist_t *d, const svm_validator_entry_t *set,
			const ident_t *ids, size_t n, const uint8_t bm[SVM_QC_BITMAP_BYTES], bool *changed)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		if (bm[i / 8] & (1u << (i % 8))) continue;
		svm_id_t kid, op;
		svm_object_t ko;
		svm_validator_t v;
		svm_staking_key_id(set[ids[i].at].key, &kid);
		rc = get_storage(c, &kid, &ko);
		if (!rc && ko.payload_len != 32) rc = SVM_EIO;
		if (!rc) memcpy(op.b, ko.payload, 32);
		if (!rc) rc = val_get(c, &op, &v);
		if (rc == SVM_ENOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc || v.jailed) continue;
		down_t *e = down_find(d, &op);
		if (e == NULL) return SVM_EIO; /* cannot happen: ≤ the active set */
		e->missed++;
		*changed = true;
	}
	return rc;
}

/* Jails every counted member of d whose count passes the line at this block
 * (svm_staking_down_jails) — absent from the late QC or present in it, in the set or out of it
 * — in operator order (the record's), each entry at ev + EV_ENTRY · *jailed; its count is
 * removed (counted afresh if it comes back in this window). A jailed member (a double sign) is
 * skipped, as counting skips it. At most d->n ≤ the active set. */
static int jail_due(svm_txctx_t *c, const svm_params_t *p, downlist_t *d, uint8_t *ev, size_t *jailed,
		    bool *changed)
{
	int rc = 0;
	size_t i = 0;
	while (!rc && i < d->n) {
		down_t *e = &d->e[i];
		svm_validator_t v;
		if (!svm_staking_down_jails(p, d, e->missed, c->height, c->timestamp_ms)) {
			i++;
			continue;
		}
		rc = val_get(c, &e->op, &v);
		if (rc == SVM_ENOTFOUND || (!rc && v.jailed)) { /* nobody to jail */
			rc = 0;
			i++;
			continue;
		}
		SVM_ASSERT(*jailed < SVM_STAKE_ACTIVE_MAX); /* each member at most once */
		if (!rc) rc = downtime_jail(c, p, &v, e->missed, ev + EV_ENTRY * (*jailed)++);
		memmove(&d->e[i], &d->e[i + 1], (d->n - i - 1) * sizeof d->e[0]);
		d->n--;
		*changed = true;
	}
	return rc;
}

/* A new window in d beginning at height, its time measured from t_ms: no counts. */
static void window_begin(downlist_t *d, uint64_t height, uint64_t t_ms)
{
	d->version = SVM_STAKE_DOWN_VERSION;
	d->start_height = height;
	d->start_ms = t_ms;
	d->uncounted = 0;
	d->n = 0;
}

/* The downtime step of a block (svm_staking_block_end): the block's late QC — its
 * grandparent's QC with every vote its proposer held (docs/consensus.md, "Late votes") — counts
 * the grandparent's height, so a vote that missed the first quorum but arrived within a round
 * counts as present. A QC that is absent, does not decode, has no signer, does not certify the
 * grandparent, or cannot be attributed to the set (qc_is_the_sets) counts nothing: inside a
 * window the height is then one of its uncounted ones (it dilutes no share). A counted block
 * tests every counted member, present or not (jail_due), and may end the window. A version 2
 * record is carried on as version 3 with no uncounted heights — what it meant. */
static int downtime(svm_txctx_t *c, const svm_params_t *p, const uint8_t *qc, size_t qc_len)
{
	uint64_t h;
	uint8_t bm[SVM_QC_BITMAP_BYTES];
	uint32_t signers;
	bool attributable = qc_len > 0 && svm_qc_signers(qc, qc_len, &h, bm, &signers) == 0 && signers > 0 &&
			    h + 2 == c->height;
	svm_id_t sid;
	svm_object_t o;
	svm_validator_set_id(&sid);
	int rc = attributable ? get_storage(c, &sid, &o) : 0;
	if (rc == SVM_ENOTFOUND) rc = 0, attributable = false; /* no set: nobody to count */
	if (rc) return rc;
	svm_validator_entry_t *set = svm_malloc(SVM_STAKE_ACTIVE_MAX * sizeof *set);
	ident_t *ids = svm_malloc(SVM_STAKE_ACTIVE_MAX * sizeof *ids);
	downlist_t *d = svm_malloc(sizeof *d);
	uint8_t *ev = svm_malloc(SVM_STAKE_ACTIVE_MAX * EV_ENTRY);
	size_t n = 0, jailed = 0;
	rc = set && ids && d && ev ? 0 : SVM_ENOMEM;
	if (!rc && attributable &&
	    svm_staking_validator_set(o.payload, o.payload_len, set, SVM_STAKE_ACTIVE_MAX, &n))
		rc = SVM_EIO;
	for (size_t i = 0; !rc && attributable && i < n; i++) {
		rc = svm_identity_derive(SVM_SCHEME_ED25519, set[i].key, 32, &ids[i].id);
		ids[i].at = i;
	}
	if (!rc && attributable) qsort(ids, n, sizeof *ids, cmp_ident);
	bool count = !rc && attributable && qc_is_the_sets(set, ids, n, bm), changed = false, open = false;
	if (!rc) rc = down_get(c, d);
	if (!rc) open = true;
	if (open && d->start_height > c->height) rc = SVM_EIO; /* a window ahead of us */
	if (!rc && open && d->version == 2) { /* written before version 3: no uncounted heights */
		d->version = SVM_STAKE_DOWN_VERSION;
		changed = true;
	}
	if (rc == SVM_ENOTFOUND) { /* no window: the first begins with the first counted block */
		rc = 0;
		if (count) {
			changed = open = true;
			window_begin(d, c->height, c->timestamp_ms);
		}
	}
	if (!rc && open && !count) { /* a height of the window nobody could count */
		d->uncounted++;
		changed = true;
	}
	if (!rc && count) rc = count_absent(c, d, set, ids, n, bm, &changed);
	if (!rc && count) rc = jail_due(c, p, d, ev, &jailed, &changed);
	/* this block counted in its window; if it is the window's last, the next counted block is
	 * the next window's first, the counts dropped and its time measured from this block */
	if (!rc && count && window_ends(p, d, c->height, c->timestamp_ms)) {
		changed = true;
		window_begin(d, c->height + 1, c->timestamp_ms);
	}
	if (!rc && open && changed) rc = down_put(c, d);
	svm_id_t did;
	svm_staking_downtime_id(&did);
	if (!rc && jailed) rc = emit_entries(c, &did, "stake/downtime", ev, jailed);
	svm_free(ev);
	svm_free(set);
	svm_free(ids);
	svm_free(d);
	return rc;
}

int svm_staking_block_end(svm_txctx_t *c, const uint8_t *late_qc, size_t qc_len,
			  bool count_downtime)
{
	svm_params_t p;
	int rc = svm_params_get(c, &p);
	if (!rc) rc = redelegation_slashes(c, &p);
	if (!rc && count_downtime) rc = downtime(c, &p, late_qc, qc_len);
	if (rc || (c->height + 1) % p.epoch_blocks != 0) return rc;
	rc = epoch_to(c, &p, (c->height + 1) / p.epoch_blocks);
	return rc == SVM_ESTATE ? 0 : rc; /* a transaction processed it already */
}

static int do_unjail(svm_txctx_t *c, const svm_params_t *p)
{
	svm_validator_t v;
	int rc = val_get(c, &c->tx->sender, &v);
	if (rc) return rc;
	if (!v.jailed || epoch_of(p, c->height) < v.unjail_epoch) return SVM_ESTATE;
	/* a slash may have taken it below stake_min: unjailed, it could not be chosen, so it tops
	 * up first (delegate to itself, allowed while jailed) — as Cosmos refuses an unjail below
	 * the minimum self-delegation */
	if (v.tokens < p->stake_min) return SVM_EFUNDS;
	v.jailed = 0;
	return val_put(c, &v);
}

int svm_staking_execute(svm_txctx_t *c, const uint8_t *payload, size_t len)
{
	call_t k;
	svm_params_t p;
	svm_validator_t v;
	if (parse(payload, len, &k)) return SVM_EDECODE;
	int rc = svm_params_get(c, &p);
	if (rc) return rc;
	switch (k.method) {
	case SVM_STAKE_REGISTER:
		return do_register(c, &k, &p);
	case SVM_STAKE_DELEGATE:
		rc = val_get(c, &k.op, &v);
		return rc ? rc : bond(c, &v, &c->tx->sender, &c->tx->sender, k.amount, true);
	case SVM_STAKE_UNDELEGATE:
		return do_undelegate(c, &k, &p);
	case SVM_STAKE_CLAIM:
		return do_claim(c, &k, &p);
	case SVM_STAKE_REDELEGATE:
		return do_redelegate(c, &k, &p);
	case SVM_STAKE_EPOCH:
		return do_epoch(c, &p);
	case SVM_STAKE_EVIDENCE:
		return do_evidence(c, &k, &p);
	case SVM_STAKE_UNJAIL:
		return do_unjail(c, &p);
	}
	return SVM_EDECODE;
}

/* -------------------------------------------------------------- genesis */

int svm_staking_genesis_validator(svm_txctx_t *c, const svm_id_t *op, const uint8_t key[32],
				  uint64_t stake)
{
	call_t k = {.method = SVM_STAKE_REGISTER, .amount = stake};
	memcpy(k.key, key, 32);
	memcpy(k.vrf, key, 32);
	svm_params_t p;
	svm_id_t vid;
	svm_staking_validator_id(op, &vid);
	int rc = svm_params_get(c, &p);
	/* the stake is minted to the operator, then bonded like a registration from it */
	if (!rc) rc = svm_ledger_mint(c, svm_econ_swr(), op, stake);
	if (rc) return rc;
	const svm_tx_t *saved = c->tx;
	svm_tx_t tx = *saved;
	tx.sender = *op;
	c->tx = &tx;
	rc = do_register(c, &k, &p);
	c->tx = saved;
	return rc;
}

int svm_staking_genesis_finish(svm_txctx_t *c)
{
	/* the genesis validators are the first active set, as the genesis file lists them (the
	 * chain writes the validator-set object from the file itself) */
	svm_params_t p;
	svm_id_t rid, eid;
	oplist_t *ep = svm_malloc(sizeof *ep);
	if (ep == NULL) return SVM_ENOMEM;
	svm_staking_registry_id(&rid);
	svm_staking_epoch_id(&eid);
	int rc = svm_params_get(c, &p);
	if (!rc) rc = oplist_get(c, &rid, false, ep);
	ep->epoch = epoch_of(&p, c->height);
	if (!rc) rc = oplist_put(c, &eid, true, ep);
	svm_free(ep);
	return rc;
}

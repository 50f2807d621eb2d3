/* State rent (native program 5, docs/economics.md "Rent"): contract storage slots pay rent_rho
 * SWR per byte per epoch — prepaid by anyone, to the treasury — or are exempt once a payment
 * covers rent_horizon_epochs ahead (for the value length it had then: a value grown since pays
 * rent on its growth); a slot unpaid for more than rent_grace_epochs is evicted by
 * anyone (rewarded from the treasury), leaving a tombstone with the hash of its encoding, and is
 * restored by anyone who presents those exact bytes and pays its rent again. Everything else
 * (accounts, balances, tokens, code, the native programs' own records) is exempt. */
#include <string.h>

#include "supervm/econ.h"
#include "supervm/evm.h"

typedef unsigned __int128 u128;

static void tagged(const char *tag, const svm_id_t *slot, svm_id_t *out)
{
	svm_slice_t part = {slot->b, 32};
	svm_sha256_tagged(tag, &part, 1, out);
}

void svm_rent_record_id(const svm_id_t *slot, svm_id_t *out) { tagged("svm/rent", slot, out); }
void svm_rent_tomb_id(const svm_id_t *slot, svm_id_t *out) { tagged("svm/rent/tomb", slot, out); }

void svm_rent_evm_contract(const uint8_t address[20], svm_id_t *out)
{
	memset(out->b, 0, 12);
	memcpy(out->b + 12, address, 20);
}

/* ------------------------------------------------------------- payloads */

static bool evm_contract(const svm_id_t *contract)
{
	static const uint8_t zero[12];
	return memcmp(contract->b, zero, 12) == 0;
}

/* An EVM slot's methods are taken when the contract field is an EVM account's (12 zero bytes:
 * never a WebAssembly contract id in practice, a SHA-256 output) with a 32-byte key. */
static int header(svm_buf_t *out, uint64_t method, const svm_id_t *contract, const uint8_t *key,
		  size_t key_len)
{
	if (key_len == 0 || key_len > SVM_CONTRACT_KEY_MAX) return SVM_EINVAL;
	if (evm_contract(contract) && key_len == 32) method += SVM_RENT_EVM_OFFSET;
	int rc = svm_varint_append(out, SVM_PROGRAM_RENT);
	if (!rc) rc = svm_varint_append(out, method);
	if (!rc) rc = svm_buf_append(out, contract->b, 32);
	if (!rc) rc = svm_varint_append(out, key_len);
	return rc ? rc : svm_buf_append(out, key, key_len);
}

int svm_rent_pay_payload(svm_buf_t *out, const svm_id_t *contract, const uint8_t *key,
			 size_t key_len, uint64_t amount)
{
	int rc = header(out, SVM_RENT_PAY, contract, key, key_len);
	return rc ? rc : svm_varint_append(out, amount);
}

int svm_rent_evict_payload(svm_buf_t *out, const svm_id_t *contract, const uint8_t *key,
			   size_t key_len)
{
	return header(out, SVM_RENT_EVICT, contract, key, key_len);
}

int svm_rent_restore_payload(svm_buf_t *out, const svm_id_t *contract, const uint8_t *key,
			     size_t key_len, const uint8_t *object, size_t object_len, uint64_t amount)
{
	if (object_len == 0 || object_len > SVM_RENT_OBJECT_MAX) return SVM_EINVAL;
	int rc = header(out, SVM_RENT_RESTORE, contract, key, key_len);
	if (!rc) rc = svm_varint_append(out, object_len);
	if (!rc) rc = svm_buf_append(out, object, object_len);
	return rc ? rc : svm_varint_append(out, amount);
}

typedef struct {
	uint64_t method, amount;
	svm_id_t contract, slot;
	const uint8_t *object;
	size_t object_len;
} call_t;

static int parse(const uint8_t *p, size_t len, call_t *c)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t program, kl = 0, ol = 0;
	const uint8_t *key;
	memset(c, 0, sizeof *c);
	if (svm_varint_read(&r, &program) || program != SVM_PROGRAM_RENT || svm_varint_read(&r, &c->method) ||
	    c->method < SVM_RENT_PAY || c->method > SVM_RENT_EVM_RESTORE || svm_reader_copy(&r, c->contract.b, 32) ||
	    svm_varint_read(&r, &kl) || kl == 0 || kl > SVM_CONTRACT_KEY_MAX || svm_reader_bytes(&r, (size_t)kl, &key))
		return SVM_EDECODE;
	bool evm = c->method >= SVM_RENT_EVM_PAY;
	if (evm && (!evm_contract(&c->contract) || kl != 32)) return SVM_EDECODE;
	if (evm) c->method -= SVM_RENT_EVM_OFFSET;
	if (c->method == SVM_RENT_RESTORE &&
	    (svm_varint_read(&r, &ol) || ol == 0 || ol > SVM_RENT_OBJECT_MAX || svm_reader_bytes(&r, (size_t)ol, &c->object)))
		return SVM_EDECODE;
	c->object_len = (size_t)ol;
	if (c->method != SVM_RENT_EVICT && svm_varint_read(&r, &c->amount)) return SVM_EDECODE;
	if (svm_reader_left(&r)) return SVM_EDECODE;
	if (evm) { /* the slot an SSTORE writes, owned by the account's identity */
		svm_evm_addr_t a;
		memcpy(a.b, c->contract.b + 12, SVM_EVM_ADDR_SIZE);
		svm_evm_slot_id(&a, key, &c->slot);
		svm_evm_identity(&a, &c->contract);
	} else {
		svm_contract_slot_id(&c->contract, key, (size_t)kl, &c->slot);
	}
	return 0;
}

int svm_rent_payload_slot(const uint8_t *payload, size_t len, svm_id_t *slot)
{
	call_t k;
	if (parse(payload, len, &k)) return SVM_EDECODE;
	*slot = k.slot;
	return 0;
}

int svm_rent_access(const svm_id_t *sender, const uint8_t *payload, size_t len, svm_id_t *ids,
		    size_t max, size_t *n)
{
	call_t k;
	*n = 0;
	if (parse(payload, len, &k)) return SVM_EDECODE;
	if (max < 5) return SVM_ELIMIT;
	svm_id_t treasury;
	svm_treasury_id(&treasury);
	ids[0] = k.slot;
	svm_rent_record_id(&k.slot, &ids[1]);
	svm_rent_tomb_id(&k.slot, &ids[2]);
	svm_balance_id(svm_econ_swr(), &treasury, &ids[3]);
	svm_balance_id(svm_econ_swr(), sender, &ids[4]);
	*n = 5;
	return 0;
}

/* ------------------------------------------------------------- records */

int svm_rent_record_decode(const uint8_t *p, size_t len, svm_rent_record_t *r)
{
	svm_reader_t rd = svm_reader(p, len);
	memset(r, 0, sizeof *r);
	if (svm_varint_read(&rd, &r->paid_until) || svm_reader_u8(&rd, &r->exempt) || r->exempt > 1)
		return SVM_EDECODE;
	if (r->exempt && (svm_varint_read(&rd, &r->exempt_len) || r->exempt_len > SVM_CONTRACT_VALUE_MAX))
		return SVM_EDECODE;
	return svm_reader_left(&rd) ? SVM_EDECODE : 0;
}

uint64_t svm_rent_billed(const svm_rent_record_t *r, uint64_t size, uint64_t value_len)
{
	if (!r->exempt) return size;
	return value_len > r->exempt_len ? value_len - r->exempt_len : 0;
}

int svm_rent_tomb_decode(const uint8_t *p, size_t len, svm_rent_tomb_t *t)
{
	svm_reader_t rd = svm_reader(p, len);
	memset(t, 0, sizeof *t);
	if (svm_reader_copy(&rd, t->hash.b, 32) || svm_varint_read(&rd, &t->size) ||
	    svm_varint_read(&rd, &t->evicted_epoch) || t->size == 0 || t->size > SVM_RENT_OBJECT_MAX ||
	    svm_reader_left(&rd))
		return SVM_EDECODE;
	return 0;
}

static int put_storage(svm_txctx_t *c, const svm_id_t *id, const svm_buf_t *b)
{
	svm_object_t o = {.id = *id, .owner_kind = SVM_OWNER_SHARED, .type = SVM_OBJ_STORAGE, .payload = b->data, .payload_len = b->len};
	return svm_host_put(c, &o);
}

static int record_put(svm_txctx_t *c, const svm_id_t *slot, const svm_rent_record_t *r)
{
	svm_id_t id;
	svm_rent_record_id(slot, &id);
	SVM_ASSERT(r->exempt <= 1 && r->exempt_len <= SVM_CONTRACT_VALUE_MAX);
	SVM_ASSERT(r->exempt || r->exempt_len == 0);
	uint8_t raw[2 * SVM_VARINT_MAX + 1];
	svm_buf_t b = {.data = raw, .cap = sizeof raw, .cap_max = sizeof raw};
	int rc = svm_varint_append(&b, r->paid_until);
	if (!rc) rc = svm_buf_push(&b, r->exempt);
	if (!rc && r->exempt) rc = svm_varint_append(&b, r->exempt_len);
	return rc ? rc : put_storage(c, &id, &b);
}

/* A contract storage slot: the object the payload's (contract, key) names, written by that
 * contract (the host writes them STORAGE, owned by the contract). SVM_ENOTFOUND if absent,
 * SVM_EINVAL if the id holds anything else. */
static int slot_get(svm_txctx_t *c, const call_t *k, svm_object_t *o)
{
	int rc = svm_host_get(c, &k->slot, o);
	if (rc) return rc;
	if (o->type != SVM_OBJ_STORAGE || o->owner_kind != SVM_OWNER_ADDRESS || !svm_hash_eq(&o->owner, &k->contract))
		return SVM_EINVAL;
	return 0;
}

/* The slot's record: its own, else paid up to the epoch of its last write (a slot's rent clock
 * starts when it is written; docs/economics.md says why). For an exempt slot paid_until is how
 * far its growth is paid: set to the exempting epoch, so the growth's clock starts at the write
 * that grew it. */
static int record_get(svm_txctx_t *c, const svm_id_t *slot, uint64_t written_epoch, svm_rent_record_t *r)
{
	svm_id_t id;
	svm_object_t o;
	svm_rent_record_id(slot, &id);
	int rc = svm_host_get(c, &id, &o);
	if (rc == SVM_ENOTFOUND) {
		*r = (svm_rent_record_t){.paid_until = written_epoch};
		return 0;
	}
	if (rc) return rc;
	if (svm_rent_record_decode(o.payload, o.payload_len, r)) return SVM_EIO;
	if (r->paid_until < written_epoch) r->paid_until = written_epoch;
	return 0;
}

/* rho · bytes, SVM_ELIMIT past a u64. */
static int per_epoch(const svm_params_t *p, uint64_t bytes, uint64_t *out)
{
	u128 x = (u128)p->rent_rho * bytes;
	if (x > UINT64_MAX) return SVM_ELIMIT;
	*out = (uint64_t)x;
	return 0;
}

/* Prepays amount for `billed` bytes (the whole slot, or an exempt slot's growth): whole epochs
 * of rent from max(paid_until, now), the rest not taken; the price goes from the sender to the
 * treasury. Paid rent_horizon_epochs ahead, the slot becomes exempt for its value's length now
 * (value_len), its growth paid until now (a later growth pays from the write that grew it). */
static int prepay(svm_txctx_t *c, const svm_params_t *p, uint64_t now, uint64_t billed, uint64_t value_len,
		  uint64_t amount, svm_rent_record_t *r)
{
	uint64_t pe;
	int rc = per_epoch(p, billed, &pe);
	if (rc) return rc;
	if (pe == 0) return SVM_ESTATE; /* rent is off (rho = 0): nothing to pay */
	uint64_t epochs = amount / pe, from = r->paid_until > now ? r->paid_until : now;
	if (epochs == 0) return SVM_EINVAL; /* less than one epoch's rent */
	if (epochs > UINT64_MAX - from) return SVM_EOVERFLOW;
	r->paid_until = from + epochs;
	if (r->paid_until - now >= p->rent_horizon_epochs) {
		SVM_ASSERT(value_len <= SVM_CONTRACT_VALUE_MAX);
		SVM_ASSERT(!r->exempt || value_len > r->exempt_len); /* an exempt slot pays only for growth */
		r->exempt = 1;
		r->exempt_len = value_len;
		r->paid_until = now;
	}
	svm_id_t treasury;
	svm_treasury_id(&treasury);
	return svm_ledger_transfer(c, svm_econ_swr(), &c->tx->sender, &treasury, epochs * pe);
}

static int encoded(const svm_object_t *o, svm_buf_t *b, svm_hash_t *h)
{
	int rc = svm_object_encode(o, b);
	if (!rc) svm_sha256(b->data, b->len, h);
	return rc;
}

static int emit(svm_txctx_t *c, const svm_id_t *slot, const char *what, uint64_t a, uint64_t b)
{
	uint8_t d[16];
	svm_put_u64be(d, a);
	svm_put_u64be(d + 8, b);
	return svm_host_emit(c, slot, what, strlen(what), d, sizeof d);
}

static int do_pay(svm_txctx_t *c, const call_t *k, const svm_params_t *p, uint64_t now)
{
	svm_object_t o;
	svm_rent_record_t r = {0};
	svm_buf_t b = {0};
	svm_hash_t h;
	int rc = slot_get(c, k, &o);
	if (!rc) rc = record_get(c, &k->slot, o.version / p->epoch_blocks, &r);
	if (!rc) rc = encoded(&o, &b, &h);
	/* exempt and not grown past what the exemption covered: nothing is owed */
	uint64_t billed = rc ? 0 : svm_rent_billed(&r, b.len, o.payload_len);
	if (!rc && billed == 0) rc = SVM_ESTATE;
	if (!rc) rc = prepay(c, p, now, billed, o.payload_len, k->amount, &r);
	if (!rc) rc = record_put(c, &k->slot, &r);
	if (!rc) rc = emit(c, &k->slot, "rent/paid", r.paid_until, r.exempt);
	svm_buf_free(&b);
	return rc;
}

static int do_evict(svm_txctx_t *c, const call_t *k, const svm_params_t *p, uint64_t now)
{
	svm_object_t o;
	svm_rent_record_t r = {0};
	svm_buf_t b = {0};
	svm_hash_t h;
	uint64_t pe = 0;
	int rc = slot_get(c, k, &o);
	if (!rc) rc = record_get(c, &k->slot, o.version / p->epoch_blocks, &r);
	if (!rc) rc = encoded(&o, &b, &h);
	if (!rc) rc = per_epoch(p, svm_rent_billed(&r, b.len, o.payload_len), &pe);
	/* exempt and not grown, rent off, or paid (or within the grace period): not evictable; an
	 * exempt slot whose growth went unpaid past the grace period is evicted whole */
	if (!rc && (pe == 0 || now <= r.paid_until || now - r.paid_until <= p->rent_grace_epochs))
		rc = SVM_ESTATE;
	svm_id_t rid, tid, treasury;
	svm_rent_record_id(&k->slot, &rid);
	svm_rent_tomb_id(&k->slot, &tid);
	svm_treasury_id(&treasury);
	if (!rc) rc = svm_host_del(c, &k->slot);
	if (!rc) {
		rc = svm_host_del(c, &rid);
		if (rc == SVM_ENOTFOUND) rc = 0;
	}
	if (!rc) {
		uint8_t raw[32 + 2 * SVM_VARINT_MAX];
		svm_buf_t t = {.data = raw, .cap = sizeof raw, .cap_max = sizeof raw};
		rc = svm_buf_append(&t, h.b, 32);
		if (!rc) rc = svm_varint_append(&t, b.len);
		if (!rc) rc = svm_varint_append(&t, now);
		if (!rc) rc = put_storage(c, &tid, &t);
	}
	/* the reward: a share of the rent the grace period would have cost, from the treasury
	 * (what it holds, if less) */
	u128 want = (u128)pe * p->rent_grace_epochs * p->rent_evict_reward_bps / 10000;
	uint64_t have = 0, reward = 0;
	if (!rc) rc = svm_ledger_balance(c, svm_econ_swr(), &treasury, &have);
	if (!rc) reward = want < have ? (uint64_t)want : have;
	if (!rc && reward) rc = svm_ledger_transfer(c, svm_econ_swr(), &treasury, &c->tx->sender, reward);
	if (!rc) rc = emit(c, &k->slot, "rent/evicted", b.len, reward);
	svm_buf_free(&b);
	return rc;
}

static int do_restore(svm_txctx_t *c, const call_t *k, const svm_params_t *p, uint64_t now)
{
	svm_id_t tid;
	svm_object_t t, o, cur;
	svm_rent_tomb_t tomb;
	svm_rent_tomb_id(&k->slot, &tid);
	int rc = svm_host_get(c, &tid, &t);
	if (rc) return rc; /* SVM_ENOTFOUND: never evicted (or restored already) */
	if (svm_rent_tomb_decode(t.payload, t.payload_len, &tomb)) return SVM_EIO;
	rc = svm_host_get(c, &k->slot, &cur);
	if (rc == 0) return SVM_EEXIST; /* written again since (the contract recreated it) */
	if (rc != SVM_ENOTFOUND) return rc;
	/* the proof: the exact bytes whose hash the tombstone keeps, naming this slot */
	rc = svm_host_charge(c, k->object_len); /* a step per byte hashed */
	if (rc) return rc;
	svm_hash_t h;
	svm_sha256(k->object, k->object_len, &h);
	if (!svm_hash_eq(&h, &tomb.hash) || k->object_len != tomb.size) return SVM_EINVAL;
	if (svm_object_decode(k->object, k->object_len, &o, NULL)) return SVM_EINVAL;
	if (!svm_hash_eq(&o.id, &k->slot) || o.type != SVM_OBJ_STORAGE || o.owner_kind != SVM_OWNER_ADDRESS ||
	    !svm_hash_eq(&o.owner, &k->contract))
		return SVM_EINVAL;
	svm_rent_record_t r = {.paid_until = now}; /* the exemption, if any, went with the eviction */
	rc = prepay(c, p, now, tomb.size, o.payload_len, k->amount, &r);
	if (!rc) rc = svm_host_put(c, &o); /* its version becomes this block's height */
	if (!rc) rc = svm_host_del(c, &tid);
	if (!rc) rc = record_put(c, &k->slot, &r);
	if (!rc) rc = emit(c, &k->slot, "rent/restored", r.paid_until, r.exempt);
	return rc;
}

int svm_rent_execute(svm_txctx_t *c, const uint8_t *payload, size_t len)
{
	call_t k;
	svm_params_t p;
	if (parse(payload, len, &k)) return SVM_EDECODE;
	int rc = svm_params_get(c, &p);
	if (rc) return rc;
	uint64_t now = c->height / p.epoch_blocks;
	switch (k.method) {
	case SVM_RENT_PAY: return do_pay(c, &k, &p, now);
	case SVM_RENT_EVICT: return do_evict(c, &k, &p, now);
	default: return do_restore(c, &k, &p, now);
	}
}

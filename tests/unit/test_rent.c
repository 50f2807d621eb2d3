/* State rent (native program 5): prepaying a contract storage slot's rent, the exemption a
 * payment covering the horizon buys, eviction by anyone once unpaid past the grace period (the
 * reward from the treasury), restoring with the evicted bytes (the tombstone's hash is the
 * proof), and the bad inputs — each a clear error that changes nothing but the fee. Every
 * block runs on the reference executor and on AOEM and must agree (et_block); SWR moves only
 * between accounts (the supply is unchanged but for the burned fees). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chaintest.h"
#include "lib/econtest.h"
#include "supervm/evm.h"

#define USERS 4
#define ST(e) svm_receipt_status(e)
#define OK 0

static void setup(void) { cr_assert_eq(svm_crypto_init(), 0); }

typedef struct {
	et_world_t e;
	svm_params_t p;
	svm_id_t swr, contract, treasury;
} rt_t;

static void rt_init(rt_t *r, unsigned seed)
{
	memset(r, 0, sizeof *r);
	cr_assert_eq(et_init(&r->e, seed, USERS, 1000000), 0);
	svm_params_default(&r->p);
	r->p.epoch_blocks = 4;
	r->p.rent_rho = 3;
	r->p.rent_horizon_epochs = 40;
	r->p.rent_grace_epochs = 2;
	r->p.rent_evict_reward_bps = 2500;
	cr_assert_eq(et_set_params(&r->e, &r->p), 0);
	r->swr = r->e.w.tokens[0];
	memset(r->contract.b, 0xc7, 32);
	svm_treasury_id(&r->treasury);
}

typedef struct {
	const svm_id_t *owner;
	const char *key;
	size_t len;
	uint8_t fill;
} slot_w_t;

/* What a contract's storage_write(key, value) leaves: the slot object, owned by the contract. */
static int write_slot(svm_txctx_t *c, void *ud)
{
	const slot_w_t *w = ud;
	static uint8_t v[SVM_CONTRACT_VALUE_MAX];
	memset(v, w->fill, w->len);
	svm_object_t o = {.owner_kind = SVM_OWNER_ADDRESS, .owner = *w->owner, .type = SVM_OBJ_STORAGE, .payload = v, .payload_len = w->len};
	svm_id_t contract = *w->owner;
	svm_contract_slot_id(&contract, (const uint8_t *)w->key, strlen(w->key), &o.id);
	return svm_host_put(c, &o);
}

static svm_id_t slot_of(rt_t *r, const char *key)
{
	svm_id_t id;
	svm_contract_slot_id(&r->contract, (const uint8_t *)key, strlen(key), &id);
	return id;
}

static uint8_t run1(rt_t *r, int u, const svm_buf_t *p, bool strict)
{
	svm_exec_tx_t tx;
	char why[256];
	cr_assert_eq(et_tx(&r->e, &tx, (size_t)u, p, strict), 0);
	cr_assert_eq(et_block(&r->e, &tx, 1, why, sizeof why), 0, "%s", why);
	cr_assert_eq(r->e.res.included, 1);
	return r->e.res.receipts[0].status;
}

static uint8_t pay(rt_t *r, int u, const char *key, uint64_t amount)
{
	svm_buf_t p = {0};
	cr_assert_eq(svm_rent_pay_payload(&p, &r->contract, (const uint8_t *)key, strlen(key), amount), 0);
	uint8_t st = run1(r, u, &p, true);
	svm_buf_free(&p);
	return st;
}

static uint8_t evict(rt_t *r, int u, const char *key)
{
	svm_buf_t p = {0};
	cr_assert_eq(svm_rent_evict_payload(&p, &r->contract, (const uint8_t *)key, strlen(key)), 0);
	uint8_t st = run1(r, u, &p, true);
	svm_buf_free(&p);
	return st;
}

static uint8_t restore(rt_t *r, int u, const char *key, const svm_buf_t *obj, uint64_t amount)
{
	svm_buf_t p = {0};
	cr_assert_eq(svm_rent_restore_payload(&p, &r->contract, (const uint8_t *)key, strlen(key), obj->data,
					      obj->len, amount),
		     0);
	uint8_t st = run1(r, u, &p, true);
	svm_buf_free(&p);
	return st;
}

static void to_epoch(rt_t *r, uint64_t epoch)
{
	char why[256];
	while (r->e.w.env.height / r->p.epoch_blocks < epoch)
		cr_assert_eq(et_block(&r->e, NULL, 0, why, sizeof why), 0, "%s", why);
}

static uint64_t now(rt_t *r) { return (r->e.w.env.height + 1) / r->p.epoch_blocks; } /* the next block's */

static bool record(rt_t *r, const char *key, svm_rent_record_t *out)
{
	svm_id_t s = slot_of(r, key), id;
	svm_object_t o;
	svm_rent_record_id(&s, &id);
	if (!et_object(&r->e, &id, &o)) return false;
	cr_assert_eq(svm_rent_record_decode(o.payload, o.payload_len, out), 0);
	return true;
}

/* Σ SWR balances of the world's users, the treasury and the proposer = supply. */
static void conserved(rt_t *r, const char *when)
{
	unsigned __int128 sum = 0;
	svm_id_t zero = {{0}};
	for (int u = 0; u < USERS; u++) sum += et_balance(&r->e, &r->swr, &r->e.w.owners[u]);
	sum += et_balance(&r->e, &r->swr, &r->treasury);
	sum += et_balance(&r->e, &r->swr, &zero);
	cr_assert(sum == et_supply(&r->e, &r->swr), "%s: SWR balances != supply", when);
}

Test(rent, a_slot_pays_is_evicted_past_its_grace_and_is_restored_with_its_bytes, .init = setup)
{
	rt_t *r = calloc(1, sizeof *r);
	rt_init(r, 3);
	slot_w_t w = {&r->contract, "k1", 100, 0x5a};
	cr_assert_eq(et_system(&r->e, write_slot, &w), 0);
	svm_id_t s = slot_of(r, "k1");
	svm_object_t o;
	cr_assert(et_object(&r->e, &s, &o));
	svm_buf_t enc = {0};
	cr_assert_eq(svm_object_encode(&o, &enc), 0); /* the bytes a restorer presents */
	uint64_t pe = r->p.rent_rho * enc.len, written = o.version / r->p.epoch_blocks;

	/* in its grace period: not evictable; less than an epoch's rent is refused */
	cr_assert_eq(evict(r, 1, "k1"), ST(SVM_ESTATE), "within the grace period");
	cr_assert_eq(pay(r, 0, "k1", pe - 1), ST(SVM_EINVAL), "less than one epoch");
	/* five epochs and a remainder: five epochs taken, to the treasury */
	uint64_t u0 = et_balance(&r->e, &r->swr, &r->e.w.owners[0]), t0 = et_balance(&r->e, &r->swr, &r->treasury);
	uint64_t base = now(r) > written ? now(r) : written;
	cr_assert_eq(pay(r, 0, "k1", 5 * pe + pe / 2), OK);
	svm_rent_record_t rec;
	cr_assert(record(r, "k1", &rec));
	cr_assert_eq(rec.paid_until, base + 5);
	cr_assert_eq(rec.exempt, 0);
	cr_assert_eq(et_balance(&r->e, &r->swr, &r->treasury), t0 + 5 * pe);
	cr_assert_eq(et_balance(&r->e, &r->swr, &r->e.w.owners[0]), u0 - 5 * pe - r->e.res.receipts[0].fee_charged);
	conserved(r, "after pay");

	/* paid, then the grace period: still not evictable at paid_until + grace */
	to_epoch(r, rec.paid_until + r->p.rent_grace_epochs - 1);
	while (now(r) <= rec.paid_until + r->p.rent_grace_epochs) {
		cr_assert_eq(evict(r, 1, "k1"), ST(SVM_ESTATE), "epoch %llu", (unsigned long long)now(r));
	}
	/* then anyone evicts it and is rewarded from the treasury */
	uint64_t t1 = et_balance(&r->e, &r->swr, &r->treasury), e1 = et_balance(&r->e, &r->swr, &r->e.w.owners[1]);
	uint64_t reward = pe * r->p.rent_grace_epochs * r->p.rent_evict_reward_bps / 10000;
	cr_assert_eq(evict(r, 1, "k1"), OK);
	cr_assert(!et_object(&r->e, &s, &o), "the slot is gone");
	cr_assert(!record(r, "k1", &rec), "and its record");
	cr_assert_eq(et_balance(&r->e, &r->swr, &r->treasury), t1 - reward);
	cr_assert_eq(et_balance(&r->e, &r->swr, &r->e.w.owners[1]), e1 + reward - r->e.res.receipts[0].fee_charged);
	svm_id_t tid;
	svm_rent_tomb_id(&s, &tid);
	svm_object_t to;
	cr_assert(et_object(&r->e, &tid, &to));
	svm_rent_tomb_t tomb;
	cr_assert_eq(svm_rent_tomb_decode(to.payload, to.payload_len, &tomb), 0);
	svm_hash_t h;
	svm_sha256(enc.data, enc.len, &h);
	cr_assert(svm_hash_eq(&h, &tomb.hash));
	cr_assert_eq(tomb.size, enc.len);
	cr_assert_eq(evict(r, 1, "k1"), ST(SVM_ENOTFOUND), "evicted once");
	conserved(r, "after evict");

	/* restore: other bytes are no proof; the exact ones bring the slot back with rent paid */
	svm_buf_t bad = {0};
	cr_assert_eq(svm_buf_append(&bad, enc.data, enc.len), 0);
	bad.data[bad.len - 1] ^= 1;
	cr_assert_eq(restore(r, 2, "k1", &bad, 3 * pe), ST(SVM_EINVAL), "other bytes");
	cr_assert_eq(restore(r, 2, "k1", &enc, pe - 1), ST(SVM_EINVAL), "no rent with it");
	cr_assert_eq(restore(r, 2, "k2", &enc, 3 * pe), ST(SVM_ENOTFOUND), "never evicted");
	cr_assert_eq(restore(r, 2, "k1", &enc, 3 * pe), OK);
	cr_assert(et_object(&r->e, &s, &o));
	cr_assert_eq(o.payload_len, 100);
	cr_assert_eq(o.payload[0], 0x5a);
	cr_assert(svm_hash_eq(&o.owner, &r->contract));
	cr_assert(!et_object(&r->e, &tid, &to), "the tombstone is gone");
	cr_assert(record(r, "k1", &rec));
	cr_assert_eq(rec.paid_until, r->e.w.env.height / r->p.epoch_blocks + 3);
	cr_assert_eq(restore(r, 2, "k1", &enc, 3 * pe), ST(SVM_ENOTFOUND), "restored once");
	conserved(r, "after restore");
	svm_buf_free(&bad);
	svm_buf_free(&enc);
	et_free(&r->e);
	free(r);
}

/* A payment covering rent_horizon_epochs ahead exempts the slot for good (never evictable,
 * nothing more to pay); the program's records and other objects are not slots; rent_rho = 0
 * turns rent off; malformed payloads fail to decode. */
Test(rent, the_horizon_exempts_and_only_contract_slots_pay, .init = setup)
{
	rt_t *r = calloc(1, sizeof *r);
	rt_init(r, 5);
	slot_w_t w = {&r->contract, "big", 40, 1};
	cr_assert_eq(et_system(&r->e, write_slot, &w), 0);
	svm_id_t s = slot_of(r, "big");
	svm_object_t o;
	cr_assert(et_object(&r->e, &s, &o));
	svm_buf_t enc = {0};
	cr_assert_eq(svm_object_encode(&o, &enc), 0);
	uint64_t pe = r->p.rent_rho * enc.len;
	cr_assert_eq(pay(r, 0, "big", r->p.rent_horizon_epochs * pe), OK);
	svm_rent_record_t rec;
	cr_assert(record(r, "big", &rec) && rec.exempt == 1);
	cr_assert_eq(pay(r, 0, "big", pe), ST(SVM_ESTATE), "exempt: nothing owed");
	to_epoch(r, rec.paid_until + r->p.rent_grace_epochs + 2);
	cr_assert_eq(evict(r, 1, "big"), ST(SVM_ESTATE), "exempt: never evicted");

	/* another contract's object at a slot id is no slot of this contract */
	svm_id_t other;
	memset(other.b, 0x99, 32);
	slot_w_t w2 = {&other, "x", 10, 2};
	cr_assert_eq(et_system(&r->e, write_slot, &w2), 0);
	svm_buf_t p = {0};
	cr_assert_eq(svm_rent_evict_payload(&p, &r->contract, (const uint8_t *)"x", 1), 0);
	cr_assert_eq(run1(r, 1, &p, true), ST(SVM_ENOTFOUND), "the contract has no such slot");
	svm_buf_free(&p);
	cr_assert_eq(svm_rent_evict_payload(&p, &other, (const uint8_t *)"x", 1), 0);
	cr_assert_eq(run1(r, 1, &p, true), ST(SVM_ESTATE), "its own slot, in its grace");
	svm_buf_free(&p);

	/* malformed: no key, a key too long, trailing bytes, unknown method */
	uint8_t key[SVM_CONTRACT_KEY_MAX + 1] = {0};
	cr_assert_eq(svm_rent_evict_payload(&p, &r->contract, key, 0), SVM_EINVAL);
	cr_assert_eq(svm_rent_evict_payload(&p, &r->contract, key, sizeof key), SVM_EINVAL);
	cr_assert_eq(svm_rent_evict_payload(&p, &r->contract, key, 3), 0);
	cr_assert_eq(svm_buf_push(&p, 0), 0);
	cr_assert_eq(run1(r, 1, &p, false), ST(SVM_EDECODE), "trailing byte");
	p.len = 0;
	cr_assert_eq(svm_rent_pay_payload(&p, &r->contract, key, 3, 5), 0);
	p.data[1] = 9;
	cr_assert_eq(run1(r, 1, &p, false), ST(SVM_EDECODE), "unknown method");
	svm_buf_free(&p);

	/* rent off: nothing to pay, nothing evictable */
	r->p.rent_rho = 0;
	cr_assert_eq(et_set_params(&r->e, &r->p), 0);
	to_epoch(r, now(r) + r->p.rent_grace_epochs + 3);
	cr_assert_eq(pay(r, 0, "x", 100), ST(SVM_ENOTFOUND), "not this contract's");
	slot_w_t w3 = {&r->contract, "y", 10, 3};
	cr_assert_eq(et_system(&r->e, write_slot, &w3), 0);
	to_epoch(r, now(r) + r->p.rent_grace_epochs + 3);
	cr_assert_eq(pay(r, 0, "y", 100), ST(SVM_ESTATE), "rent off");
	cr_assert_eq(evict(r, 1, "y"), ST(SVM_ESTATE), "rent off");
	conserved(r, "end");
	svm_buf_free(&enc);
	et_free(&r->e);
	free(r);
}

/* Many evictions in one block, each its own slot: AOEM runs them on its parallel engines and
 * agrees with the reference (et_block); every slot is gone and every evictor rewarded. */
Test(rent, evictions_of_many_slots_in_one_block_match_the_reference, .init = setup)
{
	rt_t *r = calloc(1, sizeof *r);
	rt_init(r, 9);
	char keys[USERS][8];
	for (int u = 0; u < USERS; u++) {
		snprintf(keys[u], sizeof keys[u], "s%d", u);
		slot_w_t w = {&r->contract, keys[u], 30 + 10 * (size_t)u, (uint8_t)u};
		cr_assert_eq(et_system(&r->e, write_slot, &w), 0);
	}
	cr_assert_eq(pay(r, 0, keys[0], 3000), OK); /* some epochs (not the horizon): the treasury can reward */
	svm_rent_record_t rec;
	cr_assert(record(r, keys[0], &rec));
	to_epoch(r, rec.paid_until + r->p.rent_grace_epochs + 1);
	svm_exec_tx_t tx[USERS];
	svm_buf_t p = {0};
	for (int u = 0; u < USERS; u++) {
		p.len = 0;
		cr_assert_eq(svm_rent_evict_payload(&p, &r->contract, (const uint8_t *)keys[u], strlen(keys[u])), 0);
		cr_assert_eq(et_tx(&r->e, &tx[u], (size_t)u, &p, true), 0);
	}
	svm_buf_free(&p);
	char why[256];
	r->e.threads = 2;
	cr_assert_eq(et_block(&r->e, tx, USERS, why, sizeof why), 0, "%s", why);
	for (int u = 0; u < USERS; u++) {
		cr_assert_eq(r->e.res.receipts[u].status, OK, "eviction %d", u);
		svm_id_t s = slot_of(r, keys[u]);
		svm_object_t o;
		cr_assert(!et_object(&r->e, &s, &o));
	}
	conserved(r, "after the evictions");
	et_free(&r->e);
	free(r);
}

/* An EVM storage slot — what an SSTORE leaves (backend.c: svm_evm_slot_id(address, key),
 * STORAGE, owned by the account's identity, the 32-byte big-endian value) — pays rent like a
 * WebAssembly slot through the program's EVM methods: paid, evicted past its grace (rewarded),
 * restored from its bytes; the WebAssembly form naming the same (address, key) is another slot;
 * a malformed EVM form (non-zero padding, a key not 32 bytes) fails to decode. Every block on the
 * reference and AOEM (et_block). */
typedef struct {
	svm_evm_addr_t a;
	uint8_t key[32], value[32];
} evm_w_t;

static int write_evm_slot(svm_txctx_t *c, void *ud)
{
	const evm_w_t *w = ud;
	svm_object_t o = {.owner_kind = SVM_OWNER_ADDRESS, .type = SVM_OBJ_STORAGE, .payload = w->value, .payload_len = 32};
	svm_evm_slot_id(&w->a, w->key, &o.id);
	svm_evm_identity(&w->a, &o.owner);
	return svm_host_put(c, &o);
}

static uint8_t evm_rent(rt_t *r, int u, uint64_t method, const evm_w_t *w, const svm_buf_t *obj, uint64_t amount)
{
	svm_id_t ct;
	svm_rent_evm_contract(w->a.b, &ct);
	svm_buf_t p = {0};
	int rc = method == SVM_RENT_PAY     ? svm_rent_pay_payload(&p, &ct, w->key, 32, amount)
		 : method == SVM_RENT_EVICT ? svm_rent_evict_payload(&p, &ct, w->key, 32)
					    : svm_rent_restore_payload(&p, &ct, w->key, 32, obj->data, obj->len, amount);
	cr_assert_eq(rc, 0);
	cr_assert_geq(p.data[1], SVM_RENT_EVM_PAY, "the builders take the EVM form for an EVM account");
	uint8_t st = run1(r, u, &p, true);
	svm_buf_free(&p);
	return st;
}

Test(rent, evm_storage_slots_pay_rent_like_contract_slots, .init = setup)
{
	rt_t *r = calloc(1, sizeof *r);
	rt_init(r, 11);
	evm_w_t w;
	memset(&w, 0, sizeof w);
	memset(w.a.b, 0xe7, sizeof w.a.b);
	w.key[31] = 1;
	w.value[31] = 42;
	cr_assert_eq(et_system(&r->e, write_evm_slot, &w), 0);
	svm_id_t s, ct;
	svm_evm_slot_id(&w.a, w.key, &s);
	svm_object_t o;
	cr_assert(et_object(&r->e, &s, &o));
	svm_buf_t enc = {0};
	cr_assert_eq(svm_object_encode(&o, &enc), 0);
	uint64_t pe = r->p.rent_rho * enc.len;
	svm_buf_t p = {0};
	svm_rent_evm_contract(w.a.b, &ct);
	cr_assert_eq(svm_rent_evict_payload(&p, &ct, w.key, 32), 0);
	cr_assert_eq(svm_rent_payload_slot(p.data, p.len, &o.id), 0);
	cr_assert(svm_hash_eq(&o.id, &s), "the EVM form names the SSTORE's slot");

	cr_assert_eq(evm_rent(r, 1, SVM_RENT_EVICT, &w, NULL, 0), ST(SVM_ESTATE), "within the grace period");
	cr_assert_eq(evm_rent(r, 0, SVM_RENT_PAY, &w, NULL, 2 * pe), OK);
	svm_rent_record_t rec;
	svm_id_t rid;
	svm_object_t ro;
	svm_rent_record_id(&s, &rid);
	cr_assert(et_object(&r->e, &rid, &ro));
	cr_assert_eq(svm_rent_record_decode(ro.payload, ro.payload_len, &rec), 0);
	to_epoch(r, rec.paid_until + r->p.rent_grace_epochs + 1);
	uint64_t t1 = et_balance(&r->e, &r->swr, &r->treasury);
	uint64_t reward = pe * r->p.rent_grace_epochs * r->p.rent_evict_reward_bps / 10000;
	cr_assert_eq(evm_rent(r, 1, SVM_RENT_EVICT, &w, NULL, 0), OK);
	cr_assert(!et_object(&r->e, &s, &o), "the EVM slot is gone (an SLOAD reads 0)");
	cr_assert_eq(et_balance(&r->e, &r->swr, &r->treasury), t1 - reward);
	cr_assert_eq(evm_rent(r, 1, SVM_RENT_EVICT, &w, NULL, 0), ST(SVM_ENOTFOUND), "evicted once");
	svm_buf_t bad = {0};
	cr_assert_eq(svm_buf_append(&bad, enc.data, enc.len), 0);
	bad.data[bad.len - 1] ^= 1;
	cr_assert_eq(evm_rent(r, 2, SVM_RENT_RESTORE, &w, &bad, 3 * pe), ST(SVM_EINVAL), "other bytes");
	cr_assert_eq(evm_rent(r, 2, SVM_RENT_RESTORE, &w, &enc, 3 * pe), OK);
	cr_assert(et_object(&r->e, &s, &o));
	cr_assert_eq(o.payload_len, 32);
	cr_assert_eq(o.payload[31], 42);
	conserved(r, "after the EVM slot's life");

	/* the WebAssembly form with the same 32 bytes as contract id is another (absent) slot */
	p.len = 0;
	cr_assert_eq(svm_rent_evict_payload(&p, &ct, w.key, 31), 0); /* not 32: the WebAssembly form */
	cr_assert_eq(p.data[1], SVM_RENT_EVICT);
	cr_assert_eq(run1(r, 1, &p, true), ST(SVM_ENOTFOUND));
	/* malformed EVM forms: padding not zero, a key of 31 bytes */
	p.len = 0;
	cr_assert_eq(svm_rent_evict_payload(&p, &ct, w.key, 32), 0);
	p.data[2] = 1; /* the contract field's first byte: no longer 12 zero bytes */
	cr_assert_eq(svm_rent_payload_slot(p.data, p.len, &o.id), SVM_EDECODE);
	cr_assert_eq(run1(r, 1, &p, false), ST(SVM_EDECODE), "non-zero padding");
	p.len = 0;
	cr_assert_eq(svm_rent_evict_payload(&p, &ct, w.key, 31), 0);
	p.data[1] = SVM_RENT_EVM_EVICT;
	cr_assert_eq(run1(r, 1, &p, false), ST(SVM_EDECODE), "an EVM key of 31 bytes");
	svm_buf_free(&p);
	svm_buf_free(&bad);
	svm_buf_free(&enc);
	et_free(&r->e);
	free(r);
}

/* The size of the slot's object encoding and the length of its value. */
static void slot_size(rt_t *r, const char *key, uint64_t *size, uint64_t *value_len)
{
	svm_id_t s = slot_of(r, key);
	svm_object_t o;
	svm_buf_t enc = {0};
	cr_assert(et_object(&r->e, &s, &o), "slot %s", key);
	cr_assert_eq(svm_object_encode(&o, &enc), 0);
	*size = enc.len;
	*value_len = o.payload_len;
	svm_buf_free(&enc);
}

/* An exemption covers the value length it was paid for: rewritten at that length or shorter
 * (even at a height whose version varint makes the encoding longer) nothing is owed; grown past
 * it, the growth pays rho per byte per epoch from the write that grew it — prepaid by anyone, to
 * the treasury — and, unpaid past the grace period, makes the slot evictable (the reward on the
 * growth's rent); a payment covering the horizon for the growth extends the exemption to the
 * new length. Exact amounts; every block on the reference and AOEM. */
Test(rent, an_exempt_slot_pays_for_its_growth_and_is_evictable_if_it_does_not, .init = setup)
{
	rt_t *r = calloc(1, sizeof *r);
	rt_init(r, 13);
	slot_w_t w = {&r->contract, "g", 40, 7};
	cr_assert_eq(et_system(&r->e, write_slot, &w), 0);
	uint64_t size, vlen;
	slot_size(r, "g", &size, &vlen);
	cr_assert_eq(vlen, 40);
	cr_assert_eq(pay(r, 0, "g", r->p.rent_horizon_epochs * r->p.rent_rho * size), OK);
	svm_rent_record_t rec;
	uint64_t exempted = r->e.w.env.height / r->p.epoch_blocks;
	cr_assert(record(r, "g", &rec));
	cr_assert(rec.exempt == 1 && rec.exempt_len == 40, "exempt for 40 value bytes (%u, %llu)", rec.exempt,
		  (unsigned long long)rec.exempt_len);
	cr_assert_eq(rec.paid_until, exempted, "its growth paid until the exempting epoch");

	/* rewritten at the same length past height 128 (the version's varint one byte longer), then
	 * shorter: nothing owed, never evictable */
	to_epoch(r, 128 / r->p.epoch_blocks + 1);
	cr_assert_geq(r->e.w.env.height, 128);
	cr_assert_eq(et_system(&r->e, write_slot, &w), 0);
	uint64_t size2;
	slot_size(r, "g", &size2, &vlen);
	cr_assert_eq(size2, size + 1, "the encoding grew with the version");
	cr_assert_eq(pay(r, 0, "g", 1000000), ST(SVM_ESTATE), "nothing owed at the exempt length");
	w.len = 20;
	cr_assert_eq(et_system(&r->e, write_slot, &w), 0);
	to_epoch(r, now(r) + r->p.rent_grace_epochs + 2);
	cr_assert_eq(evict(r, 1, "g"), ST(SVM_ESTATE), "shorter: still exempt");

	/* grown to 64: 24 bytes pay from the growing write's epoch */
	w.len = 64;
	cr_assert_eq(et_system(&r->e, write_slot, &w), 0);
	svm_id_t gs = slot_of(r, "g");
	svm_object_t go;
	cr_assert(et_object(&r->e, &gs, &go));
	uint64_t grown = go.version / r->p.epoch_blocks, pe = r->p.rent_rho * 24;
	cr_assert_eq(pay(r, 0, "g", pe - 1), ST(SVM_EINVAL), "less than one epoch of the growth's rent");
	uint64_t t0 = et_balance(&r->e, &r->swr, &r->treasury), u0 = et_balance(&r->e, &r->swr, &r->e.w.owners[0]);
	uint64_t base = now(r) > grown ? now(r) : grown;
	cr_assert_eq(pay(r, 0, "g", 2 * pe + pe / 2), OK);
	cr_assert(record(r, "g", &rec));
	cr_assert_eq(rec.paid_until, base + 2, "two epochs of the growth");
	cr_assert(rec.exempt == 1 && rec.exempt_len == 40, "the exemption still covers 40 bytes");
	cr_assert_eq(et_balance(&r->e, &r->swr, &r->treasury), t0 + 2 * pe, "exactly rho · 24 · 2 taken");
	cr_assert_eq(et_balance(&r->e, &r->swr, &r->e.w.owners[0]), u0 - 2 * pe - r->e.res.receipts[0].fee_charged);

	/* unpaid past the grace period: evictable, and not before */
	to_epoch(r, rec.paid_until + r->p.rent_grace_epochs - 1);
	while (now(r) <= rec.paid_until + r->p.rent_grace_epochs)
		cr_assert_eq(evict(r, 1, "g"), ST(SVM_ESTATE), "epoch %llu", (unsigned long long)now(r));
	uint64_t t1 = et_balance(&r->e, &r->swr, &r->treasury), e1 = et_balance(&r->e, &r->swr, &r->e.w.owners[1]);
	uint64_t reward = pe * r->p.rent_grace_epochs * r->p.rent_evict_reward_bps / 10000;
	cr_assert_eq(evict(r, 1, "g"), OK, "the unpaid growth makes the slot evictable");
	svm_id_t s = slot_of(r, "g");
	svm_object_t o;
	cr_assert(!et_object(&r->e, &s, &o), "the slot is gone");
	cr_assert(!record(r, "g", &rec), "and its record");
	cr_assert_eq(et_balance(&r->e, &r->swr, &r->treasury), t1 - reward, "the reward is on the growth's rent");
	cr_assert_eq(et_balance(&r->e, &r->swr, &r->e.w.owners[1]), e1 + reward - r->e.res.receipts[0].fee_charged);
	conserved(r, "after the growth's eviction");

	/* a horizon's payment for the growth extends the exemption to the new length */
	slot_w_t h = {&r->contract, "h", 30, 9};
	cr_assert_eq(et_system(&r->e, write_slot, &h), 0);
	slot_size(r, "h", &size, &vlen);
	cr_assert_eq(pay(r, 2, "h", r->p.rent_horizon_epochs * r->p.rent_rho * size), OK);
	h.len = 50;
	cr_assert_eq(et_system(&r->e, write_slot, &h), 0);
	cr_assert_eq(pay(r, 2, "h", (r->p.rent_horizon_epochs - 1) * r->p.rent_rho * 20), OK, "short of the horizon");
	cr_assert(record(r, "h", &rec));
	cr_assert(rec.exempt == 1 && rec.exempt_len == 30);
	cr_assert_eq(pay(r, 2, "h", r->p.rent_rho * 20), OK, "the horizon reached");
	cr_assert(record(r, "h", &rec));
	cr_assert(rec.exempt == 1 && rec.exempt_len == 50, "exempt for 50 bytes now (%llu)", (unsigned long long)rec.exempt_len);
	cr_assert_eq(rec.paid_until, r->e.w.env.height / r->p.epoch_blocks);
	cr_assert_eq(pay(r, 2, "h", r->p.rent_rho * 20), ST(SVM_ESTATE), "nothing owed any more");
	to_epoch(r, now(r) + r->p.rent_grace_epochs + 2);
	cr_assert_eq(evict(r, 1, "h"), ST(SVM_ESTATE), "exempt at 50");
	conserved(r, "end");
	et_free(&r->e);
	free(r);
}

/* The record's encoding: an exempt record carries the covered value length, another none; one
 * encoding per record (trailing bytes, a missing length, a length past the value bound, a flag
 * other than 0/1 refused); svm_rent_billed bills the whole slot or the growth only. */
Test(rent, the_record_encoding_is_canonical_and_bills_growth_only, .init = setup)
{
	svm_rent_record_t r;
	const uint8_t plain[] = {5, 0}, exempt[] = {5, 1, 40}, no_len[] = {5, 1}, trailing[] = {5, 0, 40},
		      flag[] = {5, 2, 40}, nonmin[] = {5, 1, 0x80, 0x00};
	cr_assert_eq(svm_rent_record_decode(plain, sizeof plain, &r), 0);
	cr_assert(r.paid_until == 5 && !r.exempt && r.exempt_len == 0);
	cr_assert_eq(svm_rent_billed(&r, 77, 40), 77, "not exempt: the whole encoding");
	cr_assert_eq(svm_rent_record_decode(exempt, sizeof exempt, &r), 0);
	cr_assert(r.exempt && r.exempt_len == 40);
	cr_assert_eq(svm_rent_billed(&r, 77, 40), 0);
	cr_assert_eq(svm_rent_billed(&r, 77, 12), 0, "shorter");
	cr_assert_eq(svm_rent_billed(&r, 99, 64), 24, "the growth");
	cr_assert_eq(svm_rent_record_decode(no_len, sizeof no_len, &r), SVM_EDECODE);
	cr_assert_eq(svm_rent_record_decode(trailing, sizeof trailing, &r), SVM_EDECODE);
	cr_assert_eq(svm_rent_record_decode(flag, sizeof flag, &r), SVM_EDECODE);
	cr_assert_eq(svm_rent_record_decode(nonmin, sizeof nonmin, &r), SVM_EDECODE);
	uint8_t big[12] = {5, 1};
	svm_buf_t b = {.data = big + 2, .cap = 10, .cap_max = 10};
	cr_assert_eq(svm_varint_append(&b, SVM_CONTRACT_VALUE_MAX + 1), 0);
	cr_assert_eq(svm_rent_record_decode(big, 2 + b.len, &r), SVM_EDECODE, "past the value bound");
}

/* The EVM inside the node: Ethereum transactions wrapped for blocks (SVM_TAG_ETH_TX), the
 * EVM's accounts over the object store and the one token ledger (an address's balance is its
 * identity's SWR balance), and running a transaction inside the executor through the host
 * interface, so every engine (reference, declared-access, optimistic) sees the same reads and
 * writes. docs/evm.md ("The EVM in the node") states the mappings. */
#include <pthread.h>
#include <secp256k1.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/econ.h"
#include "vm/evm/internal.h"

/* An EVM address is 20 bytes under both of its names, and a wei amount of the ledger's unit is
 * what interp.c and erc20.c divide by (1000000000 there); a token symbol fits token_info's
 * 17-byte buffer. */
_Static_assert(SVM_EVM_ADDR_SIZE == SVM_EVM_ADDRESS_SIZE, "one address size");
_Static_assert(sizeof(((svm_evm_addr_t *)0)->b) == SVM_EVM_ADDR_SIZE, "address bytes");
_Static_assert(SVM_EVM_WEI_PER_UNIT == 1000000000u, "the ledger unit is a gwei");
_Static_assert(SVM_TOKEN_SYMBOL_MAX + 1 == 17, "token_info's symbol buffer");

/* ------------------------------------------------------------------ ids */

void svm_evm_identity(const svm_evm_addr_t *a, svm_id_t *out)
{
	uint8_t scheme = SVM_EVM_SCHEME;
	svm_slice_t parts[2] = {{&scheme, 1}, {a->b, SVM_EVM_ADDR_SIZE}};
	svm_sha256_tagged("svm/id", parts, 2, out);
}

void svm_evm_code_id(const svm_evm_addr_t *a, svm_id_t *out)
{
	svm_slice_t part = {a->b, SVM_EVM_ADDR_SIZE};
	svm_sha256_tagged("svm/evm/code", &part, 1, out);
}

void svm_evm_slot_id(const svm_evm_addr_t *a, const uint8_t key[32], svm_id_t *out)
{
	svm_slice_t parts[2] = {{a->b, SVM_EVM_ADDR_SIZE}, {key, 32}};
	svm_sha256_tagged("svm/evm/slot", parts, 2, out);
}

int svm_evm_address_of_secret(const uint8_t sk[32], svm_evm_addr_t *out)
{
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	secp256k1_pubkey pk;
	uint8_t ser[65];
	size_t n = sizeof ser;
	int ok = ctx && secp256k1_ec_pubkey_create(ctx, &pk, sk) &&
		 secp256k1_ec_pubkey_serialize(ctx, ser, &n, &pk, SECP256K1_EC_UNCOMPRESSED);
	if (ctx) secp256k1_context_destroy(ctx);
	if (!ok) return SVM_EINVAL;
	svm_evm_address_of_pubkey(ser + 1, out);
	return 0;
}

/* ------------------------------------------------------------- envelope */

/* gas × price / 10^9, rounded down, saturating at UINT64_MAX. */
static uint64_t fee_units(uint64_t gas, const u256 *price)
{
	u256 g = u256_u64(gas), cost, q, unit = u256_u64(SVM_EVM_WEI_PER_UNIT);
	if (u256_mul_overflows(&cost, &g, price)) return UINT64_MAX;
	u256_divmod(&q, NULL, &cost, &unit);
	/* the fee never exceeds gas × price itself (a unit is at least one wei) */
	SVM_ASSERT(u256_cmp(&q, &cost) <= 0);
	return u256_fits64(&q) ? q.w[0] : UINT64_MAX;
}

/* The decoded transaction copied into arena for execution (svm_tx_t.decoded): its data still
 * points into the encoding, its access list is copied. NULL on ENOMEM. */
static svm_evm_tx_t *decoded_copy(const svm_evm_tx_t *t, svm_arena_t *arena)
{
	SVM_ASSERT(t->n_blob_hashes == 0 && t->n_access <= SVM_EVM_ACCESS_LIST_MAX); /* no type 3 */
	svm_evm_tx_t *d = svm_arena_alloc(arena, sizeof *d);
	if (!d) return NULL;
	*d = *t;
	d->blob_hashes = NULL;
	if (t->n_access == 0) {
		d->access = NULL;
		return d;
	}
	svm_evm_access_t *acc = svm_arena_alloc(arena, t->n_access * sizeof *acc);
	if (!acc) return NULL;
	for (size_t i = 0; i < t->n_access; i++) {
		acc[i] = t->access[i];
		if (t->access[i].n_keys == 0) continue;
		svm_u256_t *k = svm_arena_dup(arena, t->access[i].keys, t->access[i].n_keys * sizeof *k);
		if (!k) return NULL;
		acc[i].keys = k;
	}
	d->access = acc;
	return d;
}

int svm_evm_envelope_decode(const uint8_t *p, size_t len, svm_arena_t *arena, svm_tx_t *tx, svm_hash_t *id,
			    svm_error_t *err)
{
	if (len < 2 || p[0] != SVM_TAG_ETH_TX) return svm_error_set(err, SVM_EDECODE, "not an Ethereum envelope");
	if (len > SVM_TX_BYTES_MAX) return svm_error_set(err, SVM_ELIMIT, "transaction over %d bytes", SVM_TX_BYTES_MAX);
	svm_evm_signed_tx_t st;
	int rc = svm_evm_tx_decode_any_chain(p + 1, len - 1, &st, err);
	if (rc) return rc;
	if (!st.has_chain_id) rc = svm_error_set(err, SVM_ECHAIN, "a transaction without a chain id (pre-EIP-155)");
	else if (st.tx.type == 3) rc = svm_error_set(err, SVM_EUNSUPPORTED, "blob transactions (type 3) are not accepted");
	else if (st.tx.gas_limit > SVM_EVM_BLOCK_GAS_MAX)
		rc = svm_error_set(err, SVM_ELIMIT, "gas limit %llu above the block gas limit %llu",
				   (unsigned long long)st.tx.gas_limit, (unsigned long long)SVM_EVM_BLOCK_GAS_MAX);
	uint8_t *addr = rc ? NULL : svm_arena_dup(arena, st.tx.from.b, SVM_EVM_ADDR_SIZE);
	const svm_evm_tx_t *dec = rc ? NULL : decoded_copy(&st.tx, arena);
	if (!rc && (!addr || !dec)) rc = svm_error_set(err, SVM_ENOMEM, "out of memory");
	if (!rc) {
		memset(tx, 0, sizeof *tx);
		tx->chain_id = st.chain_id;
		svm_evm_identity(&st.tx.from, &tx->sender);
		tx->nonce = st.tx.nonce;
		tx->expiry_height = UINT64_MAX;
		tx->fee_limit = fee_units(st.tx.gas_limit, st.tx.type >= 2 ? &st.tx.max_fee : &st.tx.gas_price);
		tx->tip = 0;
		tx->access_mode = SVM_ACCESS_DYNAMIC;
		tx->vm = SVM_VM_EVM;
		tx->payload = p + 1;
		tx->payload_len = len - 1;
		tx->scheme = SVM_EVM_SCHEME;
		tx->public_key = addr;
		tx->public_key_len = SVM_EVM_ADDR_SIZE;
		tx->signature = NULL;
		tx->signature_len = 0;
		tx->decoded = dec; /* execution takes it instead of parsing p again */
		if (id) memcpy(id->b, st.hash, 32);
	}
	svm_evm_signed_tx_free(&st);
	return rc;
}

int svm_tx_decode_any(const uint8_t *p, size_t len, svm_arena_t *arena, svm_tx_t *tx, svm_hash_t *id,
		      svm_error_t *err)
{
	if (len > 0 && p[0] == SVM_TAG_ETH_TX) return svm_evm_envelope_decode(p, len, arena, tx, id, err);
	return svm_tx_decode(p, len, arena, tx, id, err);
}

int svm_tx_verify_any(const svm_tx_t *tx, const svm_hash_t *id)
{
	if (tx->scheme != SVM_EVM_SCHEME) return svm_tx_verify(tx, id);
	if (tx->vm != SVM_VM_EVM || tx->public_key_len != SVM_EVM_ADDR_SIZE) return SVM_ESIG;
	svm_evm_addr_t a;
	svm_id_t want;
	memcpy(a.b, tx->public_key, SVM_EVM_ADDR_SIZE);
	svm_evm_identity(&a, &want);
	return svm_hash_eq(&want, &tx->sender) ? 0 : SVM_ESIG;
}

void svm_evm_block_env(uint64_t chain_id, uint64_t height, uint64_t timestamp_ms, const svm_id_t *proposer,
		       uint64_t fee_c, svm_evm_block_t *out)
{
	memset(out, 0, sizeof *out);
	/* every transaction of a block asks for the same proposer's address: the last one is kept
	 * per thread (a pure function of the identity, so the cache cannot change a result) */
	static _Thread_local struct {
		bool ok;
		svm_id_t proposer;
		uint8_t cb[SVM_EVM_ADDRESS_SIZE];
	} memo;
	if (!memo.ok || !svm_hash_eq(&memo.proposer, proposer)) {
		svm_identity_evm_address(proposer, memo.cb);
		memo.proposer = *proposer;
		memo.ok = true;
	}
	memcpy(out->coinbase.b, memo.cb, SVM_EVM_ADDR_SIZE);
	out->number = height;
	out->timestamp = timestamp_ms / 1000;
	out->gas_limit = SVM_EVM_BLOCK_GAS_MAX;
	out->chain_id = chain_id;
	u256 c = u256_u64(fee_c ? fee_c : 1), unit = u256_u64(SVM_EVM_WEI_PER_UNIT);
	u256_mul(&out->base_fee, &c, &unit);
	out->blob_base_fee = u256_u64(1);
}

static void recent_hash(void *ctx, uint64_t number, uint8_t out[32])
{
	const svm_txctx_t *c = ctx;
	memset(out, 0, 32);
	if (number >= c->height) return;
	uint64_t i = c->height - 1 - number;
	SVM_ASSERT(c->recent_len == 0 || c->recent_hashes != NULL);
	if (i < c->recent_len) memcpy(out, c->recent_hashes[i].b, 32);
}

void svm_evm_block_recent(const svm_txctx_t *c, svm_evm_block_t *blk)
{
	blk->block_hash = recent_hash;
	blk->block_hash_ctx = (void *)c;
	blk->prev_randao = u256_u64(0);
	if (c->recent_len == 0 || c->recent_hashes == NULL) return;
	/* the same parent for a whole block: the last one is kept per thread, as the coinbase */
	static _Thread_local struct {
		bool ok;
		svm_hash_t parent;
		uint8_t r[32];
	} memo;
	if (!memo.ok || !svm_hash_eq(&memo.parent, &c->recent_hashes[0])) {
		svm_evm_prevrandao(&c->recent_hashes[0], memo.r);
		memo.parent = c->recent_hashes[0];
		memo.ok = true;
	}
	svm_u256_from_be(&blk->prev_randao, memo.r, 32);
}

void svm_evm_prevrandao(const svm_hash_t *parent, uint8_t out[32])
{
	svm_slice_t part = {parent->b, SVM_HASH_SIZE};
	svm_hash_t r;
	svm_sha256_tagged("svm/evm/prevrandao", &part, 1, &r);
	memcpy(out, r.b, 32);
}

/* -------------------------------------------------------------- backend */

typedef struct {
	svm_txctx_t *c;
	svm_id_t token; /* SWR */
} host_t;

static void registry_id(const svm_evm_addr_t *a, svm_id_t *out)
{
	svm_slice_t part = {a->b, SVM_EVM_ADDR_SIZE};
	svm_sha256_tagged("svm/evm/erc20", &part, 1, out);
}

static void allowance_id(const uint8_t token[32], const svm_evm_addr_t *owner, const svm_evm_addr_t *spender,
			 svm_id_t *out)
{
	svm_slice_t parts[3] = {{token, 32}, {owner->b, SVM_EVM_ADDR_SIZE}, {spender->b, SVM_EVM_ADDR_SIZE}};
	svm_sha256_tagged("svm/evm/allow", parts, 3, out);
}

void svm_evm_token_address(const svm_id_t *token, svm_evm_addr_t *out) { evm_erc20_address(token->b, out); }

static int token_at(void *ud, const addr_t *a, uint8_t token[32])
{
	host_t *h = ud;
	svm_id_t t;
	svm_token_id("SWR", &t);
	for (int i = 0; i < 2; i++) {
		if (i == 1) svm_token_id("AIC", &t);
		if (memcmp(a->b + 2, t.b, 18) == 0) {
			memcpy(token, t.b, 32);
			return 1;
		}
	}
	svm_id_t id;
	svm_object_t o;
	registry_id(a, &id);
	int rc = svm_host_get(h->c, &id, &o);
	if (rc == SVM_ENOTFOUND) return 0;
	if (rc) return rc;
	if (o.payload_len != 32 || memcmp(o.payload, a->b + 2, 18)) return SVM_EIO;
	memcpy(token, o.payload, 32);
	return 1;
}

static int token_info(void *ud, const uint8_t token[32], uint8_t *decimals, uint64_t *supply, char symbol[17])
{
	host_t *h = ud;
	svm_id_t t;
	svm_token_info_t info;
	memcpy(t.b, token, 32);
	int rc = svm_ledger_token(h->c, &t, &info);
	if (rc) return rc;
	*decimals = info.decimals;
	*supply = info.supply;
	SVM_ASSERT(strnlen(info.symbol, sizeof info.symbol) <= SVM_TOKEN_SYMBOL_MAX); /* never cut */
	snprintf(symbol, 17, "%s", info.symbol);
	return 0;
}

/* The identity whose balance and nonce address a stands for: the identity a link names
 * (SVM_LEDGER_LINK_EVM: a linked derived address), else the address's own. */
static int address_identity(svm_txctx_t *c, const addr_t *a, svm_id_t *out)
{
	svm_id_t aid;
	svm_object_t o;
	svm_evm_alias_id(a->b, &aid);
	int rc = svm_host_get(c, &aid, &o);
	if (rc == SVM_ENOTFOUND) {
		svm_evm_identity(a, out);
		return 0;
	}
	if (rc) return rc;
	if (o.payload_len != SVM_HASH_SIZE) return SVM_EIO;
	memcpy(out->b, o.payload, SVM_HASH_SIZE);
	return 0;
}

/* The address's own identity, SHA-256("svm/id" ‖ 2 ‖ a): the transaction's sender when a is its
 * signer's address (the envelope's decoding derived it: no second hash). */
static void own_identity(const svm_txctx_t *c, const addr_t *a, svm_id_t *out)
{
	const svm_tx_t *tx = c->tx;
	if (tx && tx->vm == SVM_VM_EVM && tx->public_key_len == SVM_EVM_ADDR_SIZE &&
	    memcmp(tx->public_key, a->b, SVM_EVM_ADDR_SIZE) == 0) {
		*out = tx->sender;
#if SVM_ASSERT_ON
		svm_id_t want;
		svm_evm_identity(a, &want);
		SVM_ASSERT(svm_hash_eq(&want, out)); /* svm_evm_envelope_decode set it so */
#endif
		return;
	}
	svm_evm_identity(a, out);
}

int svm_evm_account_identity(svm_txctx_t *c, const svm_evm_addr_t *a, svm_id_t *out)
{
	return address_identity(c, a, out);
}

/* The identity of an account the state has loaded and filled (fill_account resolved it). */
static void acct_id(const acct_t *a, svm_id_t *out)
{
	SVM_ASSERT(!a->lazy);
	memcpy(out->b, a->ident, 32);
}

static int token_balance(void *ud, const uint8_t token[32], const addr_t *owner, uint64_t *units)
{
	host_t *h = ud;
	svm_id_t t, id;
	memcpy(t.b, token, 32);
	int rc = address_identity(h->c, owner, &id);
	return rc ? rc : svm_ledger_balance(h->c, &t, &id, units);
}

static int load_allowance(void *ud, const uint8_t token[32], const addr_t *owner, const addr_t *spender, u256 *v)
{
	host_t *h = ud;
	svm_id_t id;
	svm_object_t o;
	allowance_id(token, owner, spender, &id);
	int rc = svm_host_get(h->c, &id, &o);
	*v = u256_zero();
	if (rc == SVM_ENOTFOUND) return 0;
	if (rc) return rc;
	if (o.payload_len != 32) return SVM_EIO;
	svm_u256_from_be(v, o.payload, 32);
	return 0;
}

/* An account's identity (ident: a linked derived address's identity, or its own), its SWR
 * balance and its nonce: at once for an account without code (load_account), on first read
 * for one with code (acct_t.lazy, evm_acct_fill). */
static int fill_account(void *ud, acct_t *a)
{
	host_t *h = ud;
	SVM_ASSERT(a->has_ids); /* load_account hashed its own identity */
	svm_id_t id, aid;
	svm_object_t o;
	svm_evm_alias_id(a->addr.b, &aid);
	int rc = svm_host_get(h->c, &aid, &o); /* address_identity, with the own identity known */
	if (rc == SVM_ENOTFOUND) memcpy(id.b, a->own_id, 32);
	else if (rc) return rc;
	else if (o.payload_len != SVM_HASH_SIZE) return SVM_EIO;
	else memcpy(id.b, o.payload, SVM_HASH_SIZE);
	memcpy(a->ident, id.b, 32);
	uint64_t units = 0, nonce = 0;
	rc = svm_ledger_balance(h->c, &h->token, &id, &units);
	if (rc == 0) rc = svm_account_nonce(h->c, &id, &nonce);
	if (rc) return rc;
	u256 u = u256_u64(units), unit = u256_u64(SVM_EVM_WEI_PER_UNIT);
	u256_mul(&a->balance, &u, &unit);
	SVM_ASSERT(a->balance.w[2] == 0 && a->balance.w[3] == 0); /* 2^64 units · 10^9 < 2^128 */
	a->nonce = nonce;
	a->exists = a->exists || units || nonce;
	return 0;
}

/* The code cache: per thread, direct-mapped by address, CODE_CACHE_ENTRIES entries each with an
 * address's two ids (pure functions of it: its own identity and its code object's id) and the
 * last code loaded there, shared with the accounts that run it (evm_code_t). A load still reads
 * the code object through the view — so every engine records the same read — and uses the
 * cached code only when the bytes read are the same; the jumpdest analysis comes with it. So a
 * contract called by every transaction of a block costs no SHA-256, copy or analysis after the
 * first. Bounded: CODE_CACHE_ENTRIES codes of at most the largest deployable size per thread;
 * freed at thread exit. */
#define CODE_CACHE_ENTRIES 64
/* Beside it, SLOT_ID_ENTRIES slot object ids (SHA-256 of address and key, a pure function) by
 * address and key, direct-mapped: a slot that many transactions touch (a hot balance, a pool's
 * reserves, a total supply) is hashed once per thread. */
#define SLOT_ID_ENTRIES 256

typedef struct {
	addr_t addr;
	bool used;
	uint8_t own_id[32], code_id[32];
	evm_code_t *code; /* the cache's reference, or NULL */
} ccent_t;

typedef struct {
	bool used;
	uint8_t addr[20], key[32], id[32];
} sident_t;

typedef struct {
	ccent_t code[CODE_CACHE_ENTRIES];
	sident_t slot[SLOT_ID_ENTRIES];
} tcache_t;

static pthread_key_t ccache_key;
static pthread_once_t ccache_once = PTHREAD_ONCE_INIT;
static _Thread_local tcache_t *ccache;

static void ccache_free(void *arg)
{
	tcache_t *t = arg;
	for (size_t i = 0; i < CODE_CACHE_ENTRIES; i++) evm_code_unref(t->code[i].code);
	svm_free(t);
	ccache = NULL;
}

static void ccache_key_init(void)
{
	if (pthread_key_create(&ccache_key, ccache_free)) ccache_key = 0;
}

/* The thread's cache (NULL when it cannot be allocated: then nothing is cached). */
static tcache_t *tcache(void)
{
	if (!ccache) {
		pthread_once(&ccache_once, ccache_key_init);
		ccache = svm_calloc(1, sizeof *ccache);
		if (!ccache) return NULL;
		pthread_setspecific(ccache_key, ccache); /* frees it at thread exit */
	}
	return ccache;
}

/* An index from bytes (never part of any output): a 64-bit word at a time, every byte counted. */
static uint32_t mix_bytes(const uint8_t *p, size_t n, uint32_t seed)
{
	uint64_t h = seed, w;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	for (w = 0; i < n; i++) w = w << 8 | p[i];
	h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(h ^ h >> 32);
}

/* The entry for address a, or NULL. */
static ccent_t *ccache_slot(const addr_t *a)
{
	tcache_t *t = tcache();
	return t ? &t->code[mix_bytes(a->b, 20, 0) % CODE_CACHE_ENTRIES] : NULL;
}

/* svm_evm_slot_id(a, key), from the thread's cache when it holds it. */
static void slot_id(const addr_t *a, const uint8_t key[32], svm_id_t *out)
{
	tcache_t *t = tcache();
	sident_t *e = t ? &t->slot[mix_bytes(key, 32, mix_bytes(a->b, 20, 0)) % SLOT_ID_ENTRIES] : NULL;
	if (e && e->used && memcmp(e->addr, a->b, 20) == 0 && memcmp(e->key, key, 32) == 0) {
		memcpy(out->b, e->id, 32);
#if SVM_ASSERT_ON
		svm_id_t want;
		svm_evm_slot_id(a, key, &want);
		SVM_ASSERT(svm_hash_eq(&want, out));
#endif
		return;
	}
	svm_evm_slot_id(a, key, out);
	if (!e) return;
	e->used = true;
	memcpy(e->addr, a->b, 20);
	memcpy(e->key, key, 32);
	memcpy(e->id, out->b, 32);
}

/* a's code is the payload p[len] read from the view: the cached code when it is the same bytes,
 * else a new shared copy that replaces the entry's. */
static int code_from_cache(ccent_t *e, acct_t *a, const uint8_t *p, size_t len)
{
	evm_code_t *c = e ? e->code : NULL;
	if (!c || c->len != len || memcmp(c->bytes, p, len) != 0) {
		c = svm_malloc(sizeof *c + len);
		if (!c) return SVM_ENOMEM;
		c->refs = 0;
		c->len = len;
		c->jumpdests = NULL;
		memcpy(c->bytes, p, len);
		if (e) {
			evm_code_unref(e->code);
			e->code = c;
			c->refs++;
		}
	}
	c->refs++;
	a->code_ref = c;
	a->code = c->bytes;
	a->code_len = len;
	a->jumpdests = c->jumpdests; /* NULL until it first runs (interp.c) */
	return 0;
}

static int load_account(void *ud, acct_t *a)
{
	host_t *h = ud;
	/* a fresh account (evm_acct): nothing loaded yet, nothing to free */
	SVM_ASSERT(a->code == NULL && a->code_len == 0 && !a->exists && !a->has_ids && !a->lazy);
	/* the ids hashed here are kept in the account for the write-back (each id once) */
	ccent_t *e = ccache_slot(&a->addr);
	bool hit = e && e->used && memcmp(e->addr.b, a->addr.b, 20) == 0;
	if (hit) {
		memcpy(a->own_id, e->own_id, 32);
		memcpy(a->code_id, e->code_id, 32);
	} else {
		svm_id_t own, cid;
		own_identity(h->c, &a->addr, &own);
		svm_evm_code_id(&a->addr, &cid);
		memcpy(a->own_id, own.b, 32);
		memcpy(a->code_id, cid.b, 32);
	}
#if SVM_ASSERT_ON
	svm_id_t want_own, want_cid;
	svm_evm_identity(&a->addr, &want_own);
	svm_evm_code_id(&a->addr, &want_cid);
	SVM_ASSERT(memcmp(want_own.b, a->own_id, 32) == 0 && memcmp(want_cid.b, a->code_id, 32) == 0);
#endif
	a->has_ids = true;
	svm_id_t cid;
	memcpy(cid.b, a->code_id, 32);
	svm_object_t o;
	int rc = svm_host_get(h->c, &cid, &o);
	if (rc == 0 && o.payload_len) {
		if (e && !hit) {
			/* only accounts with code take an entry: a block's many senders would evict
			 * the contracts they call */
			evm_code_unref(e->code);
			*e = (ccent_t){.addr = a->addr, .used = true};
			memcpy(e->own_id, a->own_id, 32);
			memcpy(e->code_id, a->code_id, 32);
		}
		if ((rc = code_from_cache(e, a, o.payload, o.payload_len))) return rc;
	} else if (rc && rc != SVM_ENOTFOUND) {
		return rc;
	}
	/* a token's ERC-20 view and the registry show one byte of code (INVALID), so contracts that
	 * check EXTCODESIZE before calling see a contract; a CALL never runs it (erc20.c) */
	uint8_t tok[32];
	int k = evm_erc20_is_registry(&a->addr) ? 1 : evm_erc20_is_candidate(&a->addr) ? token_at(ud, &a->addr, tok)
										       : 0;
	if (k < 0) return k;
	if (k == 1 && a->code_len == 0) {
		a->code = svm_malloc(1);
		if (!a->code) return SVM_ENOMEM;
		a->code[0] = 0xfe;
		a->code_len = 1;
	}
	if (a->code_len == 0) return fill_account(ud, a);
	/* with code it exists whatever its balance and nonce, which wait for a read */
	a->exists = true;
	a->lazy = true;
	return 0;
}

static int load_slot(void *ud, const acct_t *a, const uint8_t key[32], slot_t *sl)
{
	host_t *h = ud;
	svm_id_t id;
	svm_object_t o;
	slot_id(&a->addr, key, &id);
	memcpy(sl->id, id.b, 32); /* kept for the write-back */
	sl->has_id = true;
	u256 *val = &sl->cur;
	int rc = svm_host_get(h->c, &id, &o);
	*val = u256_zero();
	if (rc == SVM_ENOTFOUND) return 0;
	if (rc) return rc;
	if (o.payload_len != 32) return SVM_EIO;
	svm_u256_from_be(val, o.payload, 32);
	return 0;
}

static int xcall(void *ud, svm_evm_state_t *s, const msg_t *m, int d, int64_t *gas, uint8_t **out,
		 size_t *out_len, bool *reverted);
static void xrollback(void *ud, uint64_t view_mark, uint64_t events_len);

static const evm_backend_t host_backend = {load_account, fill_account, load_slot, token_at, token_info, token_balance,
					   load_allowance, NULL, xcall, xrollback};

/* ---------------------------------------------------------- write-back */

static int cmp_acct(const void *x, const void *y)
{
	return memcmp((*(acct_t *const *)x)->addr.b, (*(acct_t *const *)y)->addr.b, SVM_EVM_ADDR_SIZE);
}

static int cmp_slot(const void *x, const void *y)
{
	return memcmp((*(svm_map_slot_t *const *)x)->key, (*(svm_map_slot_t *const *)y)->key, 32);
}

static int write_balance(host_t *h, const acct_t *a, const svm_id_t *id, const u256 *wei)
{
	u256 unit = u256_u64(SVM_EVM_WEI_PER_UNIT), q, r, bq, br;
	u256_divmod(&q, &r, wei, &unit);
	u256_divmod(&bq, &br, &a->base_balance, &unit);
	/* the base is what the node holds: whole units that fit the ledger's u64 */
	SVM_ASSERT(u256_is_zero(&br) && u256_fits64(&bq));
	/* every value moved is whole units (value_gwei), so balances stay whole and below 2^64 */
	if (!u256_is_zero(&r) || !u256_fits64(&q)) return SVM_EIO;
	uint64_t now = q.w[0], was = bq.w[0];
	if (now > was) return svm_ledger_credit(h->c, &h->token, id, now - was);
	if (now < was) return svm_ledger_debit(h->c, &h->token, id, was - now);
	return 0;
}

/* The target value of slot sl: zero for a gone account, else the current one. */
static const u256 *slot_want(const slot_t *sl, bool gone)
{
	static const u256 zero;
	return gone ? &zero : &sl->cur;
}

/* Writes the account's slots whose target differs from what the node holds (base), in key
 * order; sync: a cross-VM sync, which journals the new bases (evm_revert restores them). */
static int write_storage(host_t *h, svm_evm_state_t *s, acct_t *a, const svm_id_t *owner, bool gone, bool sync)
{
	size_t n = 0, i = 0, k = 0;
	svm_map_slot_t *e;
	while ((e = svm_map_next(&a->storage, &i))) {
		const slot_t *sl = e->value;
		if (!u256_eq(slot_want(sl, gone), &sl->base)) n++;
	}
	if (n == 0) return 0;
	svm_map_slot_t **v = svm_malloc(n * sizeof *v);
	if (!v) return SVM_ENOMEM;
	for (i = 0; (e = svm_map_next(&a->storage, &i));) {
		const slot_t *sl = e->value;
		if (!u256_eq(slot_want(sl, gone), &sl->base)) v[k++] = e;
	}
	SVM_ASSERT(k == n && n <= a->storage.count);
	qsort(v, n, sizeof *v, cmp_slot);
	/* written in strictly ascending key order (map keys are distinct): deterministic writes */
	for (size_t j = 1; j < n; j++) SVM_ASSERT(cmp_slot(&v[j - 1], &v[j]) < 0);
	int rc = 0;
	for (size_t j = 0; j < n && !rc; j++) {
		slot_t *sl = v[j]->value;
		const u256 *want = slot_want(sl, gone);
		svm_id_t id;
		if (sl->has_id) memcpy(id.b, sl->id, 32); /* hashed when it was loaded */
		else svm_evm_slot_id(&a->addr, v[j]->key, &id);
		if (u256_is_zero(want)) {
			rc = svm_host_del(h->c, &id);
			if (rc == SVM_ENOTFOUND) rc = 0;
		} else {
			uint8_t be[32];
			svm_u256_to_be(want, be);
			svm_object_t o = {.id = id, .owner_kind = SVM_OWNER_ADDRESS, .owner = *owner, .type = SVM_OBJ_STORAGE, .payload = be, .payload_len = 32};
			rc = svm_host_put(h->c, &o);
		}
		if (rc == 0 && sync && (rc = evm_journal(s, J_BASE_SLOT, a, sl, &sl->base, 0)) == 0) sl->base = sl->cur;
	}
	svm_free(v);
	return rc;
}

/* Writes the account's differences from what the node holds. At the end of the transaction
 * (!sync) a destructed, touched-empty or absent account is removed (its balance and nonce to
 * zero, code and slots a cross-VM sync had written deleted); a sync (a cross-VM call, the
 * transaction continues) writes the current values and journals the new bases. */
static int write_account(host_t *h, svm_evm_state_t *s, acct_t *a, bool sync)
{
	svm_id_t id, own;
	SVM_ASSERT(a->st == s && a->has_ids); /* every account of a backed state was loaded */
	memcpy(own.b, a->own_id, 32);         /* the owner of its code and slots */
	bool gone = !sync && (a->destructed || (a->touched && a->exists && evm_acct_empty(a)) || !a->exists);
	/* a cross-VM sync writes current values: an account is only removed at the end */
	SVM_ASSERT(!gone || !sync);
	/* a balance and nonce never loaded (acct_t.lazy) never changed: only code and slots */
	SVM_ASSERT(!a->lazy || (!gone && a->exists && a->code_len > 0));
	if (a->lazy) return write_storage(h, s, a, &own, false, sync);
	acct_id(a, &id);
	u256 zero = u256_zero();
	const u256 *bal = gone ? &zero : &a->balance;
	int rc = 0;
	if (!u256_eq(bal, &a->base_balance)) {
		rc = write_balance(h, a, &id, bal);
		if (rc == 0 && sync && (rc = evm_journal(s, J_BASE_BAL, a, NULL, &a->base_balance, 0)) == 0)
			a->base_balance = a->balance;
	}
	uint64_t nonce = gone ? 0 : a->nonce;
	/* nonces only grow within a transaction; only a removal takes one back to zero */
	SVM_ASSERT(rc != 0 || gone || nonce >= a->base_nonce);
	if (rc == 0 && nonce != a->base_nonce) {
		rc = svm_account_set_nonce(h->c, &id, nonce);
		if (rc == 0 && sync && (rc = evm_journal(s, J_BASE_NONCE, a, NULL, NULL, a->base_nonce)) == 0)
			a->base_nonce = a->nonce;
	}
	if (rc) return rc;
	svm_id_t cid;
	memcpy(cid.b, a->code_id, 32);
	if (gone && a->code_flushed) {
		rc = svm_host_del(h->c, &cid);
		if (rc && rc != SVM_ENOTFOUND) return rc;
	} else if (!gone && a->code_new && !a->code_flushed && a->code_len) {
		/* a deposit (leave() bounded it), never the loaded code of an existing contract */
		SVM_ASSERT(a->code_len <= SVM_EVM_CODE_BYTES_MAX && !a->loaded_code);
		svm_object_t o = {.id = cid, .owner_kind = SVM_OWNER_IMMUTABLE, .type = SVM_OBJ_CODE, .payload = a->code, .payload_len = a->code_len};
		if ((rc = svm_host_put(h->c, &o))) return rc;
		if (sync) {
			if ((rc = evm_journal(s, J_CODE_FLUSHED, a, NULL, NULL, 0))) return rc;
			a->code_flushed = true;
		}
	}
	return write_storage(h, s, a, &own, gone, sync);
}

static int cmp_key(const void *x, const void *y, size_t n)
{
	return memcmp((*(svm_map_slot_t *const *)x)->key, (*(svm_map_slot_t *const *)y)->key, n);
}
static int cmp52(const void *x, const void *y) { return cmp_key(x, y, 52); }
static int cmp72(const void *x, const void *y) { return cmp_key(x, y, 72); }

/* The entries of map m (keys of klen bytes) sorted by key: *out (svm_malloc'd) and *n. */
static int sorted(const svm_map_t *m, int (*cmp)(const void *, const void *), svm_map_slot_t ***out, size_t *n)
{
	*n = 0;
	*out = NULL;
	if (m->count == 0) return 0;
	svm_map_slot_t **v = svm_malloc(m->count * sizeof *v);
	if (!v) return SVM_ENOMEM;
	size_t i = 0, k = 0;
	svm_map_slot_t *e;
	while ((e = svm_map_next(m, &i))) {
		SVM_ASSERT(k < m->count); /* the map yields count entries, no more */
		v[k++] = e;
	}
	SVM_ASSERT(k == m->count);
	qsort(v, k, sizeof *v, cmp);
	for (size_t j = 1; j < k; j++) SVM_ASSERT(cmp(&v[j - 1], &v[j]) < 0);
	*out = v;
	*n = k;
	return 0;
}

/* The ERC-20 views' effects: ledger balances of tokens other than SWR, allowances, registry
 * (sync: journaling the new bases, as write_account). */
static int write_tokens(host_t *h, svm_evm_state_t *s, bool sync)
{
	svm_map_slot_t **v;
	size_t n;
	int rc = sorted(&s->tokbal, cmp52, &v, &n);
	for (size_t i = 0; i < n && !rc; i++) {
		tokbal_t *t = v[i]->value;
		if (t->cur == t->base) continue;
		svm_id_t token, id;
		svm_evm_addr_t a;
		memcpy(token.b, v[i]->key, 32);
		memcpy(a.b, v[i]->key + 32, 20);
		rc = address_identity(h->c, &a, &id);
		if (rc) break;
		rc = t->cur > t->base ? svm_ledger_credit(h->c, &token, &id, t->cur - t->base)
				      : svm_ledger_debit(h->c, &token, &id, t->base - t->cur);
		if (rc == 0 && sync && (rc = evm_journal(s, J_BASE_TOK, NULL, t, NULL, t->base)) == 0) t->base = t->cur;
	}
	svm_free(v);
	if (rc || (rc = sorted(&s->allow, cmp72, &v, &n))) return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		allow_t *t = v[i]->value;
		if (u256_eq(&t->cur, &t->base)) continue;
		svm_evm_addr_t owner, spender;
		svm_id_t id, oid;
		memcpy(owner.b, v[i]->key + 32, 20);
		memcpy(spender.b, v[i]->key + 52, 20);
		allowance_id(v[i]->key, &owner, &spender, &id);
		if (u256_is_zero(&t->cur)) {
			rc = svm_host_del(h->c, &id);
			if (rc == SVM_ENOTFOUND) rc = 0;
		} else {
			uint8_t be[32];
			svm_u256_to_be(&t->cur, be);
			svm_evm_identity(&owner, &oid);
			svm_object_t o = {.id = id, .owner_kind = SVM_OWNER_ADDRESS, .owner = oid, .type = SVM_OBJ_STORAGE, .payload = be, .payload_len = 32};
			rc = svm_host_put(h->c, &o);
		}
		if (rc == 0 && sync && (rc = evm_journal(s, J_BASE_ALLOW, NULL, t, &t->base, 0)) == 0) t->base = t->cur;
	}
	svm_free(v);
	SVM_ASSERT(s->n_regs <= s->regs_cap);
	for (size_t i = 0; i < s->n_regs && !rc; i++) {
		svm_id_t id;
		registry_id(&s->regs[i].addr, &id);
		svm_object_t o = {.id = id, .owner_kind = SVM_OWNER_IMMUTABLE, .type = SVM_OBJ_STORAGE, .payload = s->regs[i].token, .payload_len = 32};
		rc = svm_host_put(h->c, &o);
	}
	return rc;
}

/* The state's accounts in address order: *out (svm_malloc'd, NULL when none) and *n. */
static int accounts_sorted(svm_evm_state_t *s, acct_t ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (s->accounts.count == 0) return 0;
	acct_t **v = svm_malloc(s->accounts.count * sizeof *v);
	if (!v) return SVM_ENOMEM;
	size_t i = 0, k = 0;
	svm_map_slot_t *e;
	while ((e = svm_map_next(&s->accounts, &i))) {
		SVM_ASSERT(k < s->accounts.count);
		v[k++] = e->value;
	}
	SVM_ASSERT(k == s->accounts.count);
	qsort(v, k, sizeof *v, cmp_acct);
	/* address order, each address once: every node writes the same objects in the same order */
	for (size_t j = 1; j < k; j++) SVM_ASSERT(cmp_acct(&v[j - 1], &v[j]) < 0);
	*out = v;
	*n = k;
	return 0;
}

/* Writes every account's differences from what the node holds, in address order, then the
 * ERC-20 views' (sync: a cross-VM sync, see write_account). */
static int write_back_(host_t *h, svm_evm_state_t *s, bool sync)
{
	acct_t **v;
	size_t k;
	int rc = accounts_sorted(s, &v, &k);
	for (size_t j = 0; j < k && !rc; j++) rc = write_account(h, s, v[j], sync);
	svm_free(v);
	return rc ? rc : write_tokens(h, s, sync);
}

static int write_back(host_t *h, svm_evm_state_t *s) { return write_back_(h, s, false); }

/* The logs as events: data = address ‖ u8 topic count ‖ topics ‖ log data. */
static int emit_logs(host_t *h, const svm_evm_state_t *s, const svm_evm_result_t *res)
{
	if (res->n_logs > SVM_EVM_LOGS_MAX) return SVM_ELIMIT;
	for (size_t i = 0; i < res->n_logs; i++) {
		const svm_evm_log_t *l = &res->logs[i];
		/* LOG0..LOG4: the copy of 32 · n_topics bytes below stays inside l->topics */
		SVM_ASSERT(l->n_topics <= 4 && 32u * l->n_topics <= sizeof l->topics);
		SVM_ASSERT(l->data_len == 0 || l->data != NULL);
		size_t len = SVM_EVM_ADDR_SIZE + 1 + 32u * l->n_topics + l->data_len;
		if (len > SVM_EVENT_DATA_MAX) return SVM_ELIMIT;
		uint8_t *d = svm_arena_alloc(h->c->arena, len);
		if (!d) return SVM_ENOMEM;
		memcpy(d, l->address.b, SVM_EVM_ADDR_SIZE);
		d[SVM_EVM_ADDR_SIZE] = l->n_topics;
		memcpy(d + SVM_EVM_ADDR_SIZE + 1, l->topics, 32u * l->n_topics);
		if (l->data_len) memcpy(d + SVM_EVM_ADDR_SIZE + 1 + 32u * l->n_topics, l->data, l->data_len);
		svm_id_t emitter;
		const acct_t *ea = svm_map_get(&s->accounts, l->address.b, SVM_EVM_ADDR_SIZE);
		if (ea && ea->has_ids) memcpy(emitter.b, ea->own_id, 32); /* the code that ran: loaded */
		else svm_evm_identity(&l->address, &emitter);
		int rc = svm_host_emit(h->c, &emitter, SVM_EVM_LOG_TOPIC, strlen(SVM_EVM_LOG_TOPIC), d, len);
		if (rc) return rc;
	}
	return 0;
}

static int status_of(const svm_evm_result_t *res)
{
	if (res->status) return 0;
	if (strcmp(res->error, "reverted") == 0) return SVM_EABORT;
	if (strcmp(res->error, "out of gas") == 0 || strcmp(res->error, "code deposit out of gas") == 0)
		return SVM_EGAS;
	if (res->error[0] == 0) return SVM_EFUNDS; /* the top call could not start: value */
	return SVM_ETRAP;
}

static svm_evm_state_t *host_state(host_t *h, svm_txctx_t *c, evm_backend_t *be)
{
	svm_evm_state_t *s = svm_evm_state_new();
	if (!s) return NULL;
	h->c = c;
	if (c->implicit_token) h->token = *c->implicit_token;
	else svm_token_id("SWR", &h->token);
	*be = host_backend;
	be->ud = h;
	s->backend = be;
	s->value_gwei = true;
	memcpy(s->swr, h->token.b, 32);
	return s;
}

int svm_evm_execute(svm_txctx_t *c, const uint8_t *payload, size_t len)
{
	svm_evm_signed_tx_t st;
	memset(&st, 0, sizeof st);
	svm_error_t err = {0};
	int rc = 0;
	if (c->tx->public_key_len != SVM_EVM_ADDR_SIZE) return SVM_EINVAL;
	if (c->tx->decoded && c->tx->payload == payload && c->tx->payload_len == len) {
		/* decoded once, when the envelope was (svm_evm_envelope_decode): the same fields a
		 * parse gives, the sender its public key */
		st.tx = *(const svm_evm_tx_t *)c->tx->decoded;
		SVM_ASSERT(memcmp(st.tx.from.b, c->tx->public_key, SVM_EVM_ADDR_SIZE) == 0);
	} else if ((rc = svm_evm_tx_parse(payload, len, &st, &err))) {
		return rc == SVM_ENOMEM ? rc : SVM_EDECODE;
	}
	memcpy(st.tx.from.b, c->tx->public_key, SVM_EVM_ADDR_SIZE);
	svm_evm_block_t blk;
	svm_evm_block_env(c->tx->chain_id, c->height, c->timestamp_ms, &c->proposer, 0, &blk);
	svm_evm_block_recent(c, &blk);
	host_t h;
	evm_backend_t be;
	svm_evm_result_t res;
	memset(&res, 0, sizeof res);
	uint64_t limit = c->steps_limit, steps0 = c->steps;
	c->steps_limit = UINT64_MAX; /* the EVM meters in gas; the host's steps are replaced by it */
	svm_evm_state_t *s = host_state(&h, c, &be);
	if (!s) rc = SVM_ENOMEM;
	else rc = evm_run_nofee(s, &blk, &st.tx, &res, &err);
	if (s && s->backend_rc) rc = s->backend_rc;
	int status = rc;
	if (rc == 0) {
		SVM_ASSERT(res.gas_used <= st.tx.gas_limit); /* the refund only lowers it */
		status = status_of(&res);
		if (status == 0) status = write_back(&h, s);
		if (status == 0) status = emit_logs(&h, s, &res);
		const uint8_t *out = res.output;
		size_t out_len = res.output_len < SVM_RETURN_DATA_MAX ? res.output_len : SVM_RETURN_DATA_MAX;
		c->return_data = out_len ? svm_arena_dup(c->arena, out, out_len) : NULL;
		c->return_data_len = c->return_data ? out_len : 0;
		c->steps = steps0 + res.gas_used;
	} else if (rc != SVM_ENOMEM && rc != SVM_EIO && rc != SVM_EBUSY) {
		/* invalid for the EVM (gas limit, sender with code, …): every gas unit is charged */
		c->steps = steps0 + st.tx.gas_limit;
	}
	c->steps_limit = limit;
	svm_evm_result_free(&res);
	svm_evm_state_free(s);
	svm_evm_signed_tx_free(&st);
	return status;
}

int svm_evm_call(svm_txctx_t *c, const svm_evm_block_t *blk, const svm_evm_addr_t *from, const svm_evm_addr_t *to,
		 const svm_u256_t *value, const uint8_t *data, size_t data_len, uint64_t gas, svm_evm_result_t *res,
		 svm_error_t *err)
{
	memset(res, 0, sizeof *res);
	host_t h;
	evm_backend_t be;
	svm_host_mark_t mk;
	bool marked = svm_host_mark(c, &mk) == 0; /* a cross-VM call writes the view: undone below */
	svm_evm_state_t *s = host_state(&h, c, &be);
	if (!s) return SVM_ENOMEM;
	svm_evm_tx_t tx;
	memset(&tx, 0, sizeof tx);
	tx.type = 2;
	tx.from = *from;
	tx.create = to == NULL;
	if (to) tx.to = *to;
	tx.gas_limit = gas;
	tx.value = *value;
	tx.data = data;
	tx.data_len = data_len;
	tx.max_fee = blk->base_fee;
	int rc = 0;
	acct_t *a = evm_acct(s, from);
	if (!a || evm_acct_fill(a)) rc = SVM_ENOMEM;
	else tx.nonce = a->nonce;
	if (rc == 0) rc = evm_run_nofee(s, blk, &tx, res, err);
	if (s->backend_rc) rc = s->backend_rc;
	if (rc && err && err->code == 0) svm_error_set(err, rc, "%s", svm_strerror(rc));
	svm_evm_state_free(s);
	if (marked) svm_host_rollback(c, &mk);
	return rc;
}

/* ------------------------------------------------------- cross-VM calls */
/* The EVM runs over its own journaled state; the other VMs over the executor's view. At every
 * crossing the two are made to agree: before control leaves the EVM, its differences from the
 * view are written (sync_out), after control comes back, ledger balances another VM changed
 * are read back (sync_in; no other VM can change EVM code, slots, nonces or allowances: those
 * are written only through an EVM state, the transaction's one). Both journal what they change
 * in the EVM state — sync_out first a J_XVM entry holding the view's checkpoint — so a revert
 * of any EVM frame undoes the other VMs' writes made under it and the bases with them. */

/* The EVM execution suspended under a call into another VM (c->xvm). */
typedef struct {
	svm_evm_state_t *s;
	host_t *h;
	int depth_next; /* the EVM depth a call back into the EVM enters at */
} xvm_t;

static void xrollback(void *ud, uint64_t view_mark, uint64_t events_len)
{
	host_t *h = ud;
	svm_host_mark_t m = {(size_t)view_mark, (uint32_t)events_len};
	svm_host_rollback(h->c, &m);
}

static int sync_out(host_t *h, svm_evm_state_t *s)
{
	svm_host_mark_t m;
	int rc = svm_host_mark(h->c, &m);
	if (rc) return rc;
	u256 ev = u256_u64(m.events_len);
	if ((rc = evm_journal(s, J_XVM, NULL, NULL, &ev, m.view_mark))) return rc;
	return write_back_(h, s, true);
}

/* x − bx == y − by (mod 2^256): a rebase keeps the EVM's own change (assertions only). */
static bool same_change(const u256 *x, const u256 *bx, const u256 *y, const u256 *by)
{
	u256 dx, dy;
	u256_sub(&dx, x, bx);
	u256_sub(&dy, y, by);
	return u256_eq(&dx, &dy);
}

/* balance += now − base, base = now (journaled); SVM_EIO if the balance would go negative. */
static int rebase_balance(svm_evm_state_t *s, acct_t *a, const u256 *now)
{
	u256 nb, d;
	if (u256_cmp(now, &a->base_balance) >= 0) {
		u256_sub(&d, now, &a->base_balance);
		u256_add(&nb, &a->balance, &d);
	} else {
		u256_sub(&d, &a->base_balance, now);
		if (u256_cmp(&a->balance, &d) < 0) return SVM_EIO;
		u256_sub(&nb, &a->balance, &d);
	}
	int rc = evm_journal(s, J_BALANCE, a, NULL, &a->balance, 0);
	if (rc || (rc = evm_journal(s, J_BASE_BAL, a, NULL, &a->base_balance, 0))) return rc;
	/* the EVM's own change (balance − base) is kept: nb − now == balance − base */
	SVM_ASSERT(same_change(&nb, now, &a->balance, &a->base_balance));
	a->balance = nb;
	a->base_balance = *now;
	if (!a->exists && !u256_is_zero(&nb)) {
		if ((rc = evm_journal(s, J_EXISTS, a, NULL, NULL, 0))) return rc;
		a->exists = true;
	}
	return 0;
}

static int sync_in(host_t *h, svm_evm_state_t *s)
{
	acct_t **v;
	size_t n;
	int rc = accounts_sorted(s, &v, &n);
	for (size_t i = 0; i < n && !rc; i++) {
		svm_id_t id;
		uint64_t units;
		if (v[i]->lazy) continue; /* loaded when first read, after the call: nothing to rebase */
		acct_id(v[i], &id);
		rc = svm_ledger_balance(h->c, &h->token, &id, &units);
		u256 u = u256_u64(units), unit = u256_u64(SVM_EVM_WEI_PER_UNIT), wei;
		u256_mul(&wei, &u, &unit);
		if (rc == 0 && !u256_eq(&wei, &v[i]->base_balance)) rc = rebase_balance(s, v[i], &wei);
	}
	svm_free(v);
	svm_map_slot_t **t;
	if (rc || (rc = sorted(&s->tokbal, cmp52, &t, &n))) return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		tokbal_t *b = t[i]->value;
		svm_id_t token, id;
		svm_evm_addr_t a;
		uint64_t units;
		memcpy(token.b, t[i]->key, 32);
		memcpy(a.b, t[i]->key + 32, 20);
		rc = address_identity(h->c, &a, &id);
		if (rc == 0) rc = svm_ledger_balance(h->c, &token, &id, &units);
		if (rc || units == b->base) continue;
		uint64_t nb = b->cur + (units - b->base); /* wraps back when units < base */
		if ((units > b->base && nb < b->cur) || (units < b->base && b->base - units > b->cur)) rc = SVM_EIO;
		/* no wrap past the checks: the EVM's own change cur − base is kept exactly */
		SVM_ASSERT(rc != 0 || (__int128)nb - units == (__int128)b->cur - b->base);
		if (rc == 0) rc = evm_journal(s, J_TOKBAL, NULL, b, NULL, b->cur);
		if (rc == 0) rc = evm_journal(s, J_BASE_TOK, NULL, b, NULL, b->base);
		if (rc == 0) {
			b->cur = nb;
			b->base = units;
		}
	}
	svm_free(t);
	return rc;
}

static bool fatal(int rc) { return rc == SVM_ENOMEM || rc == SVM_EIO || rc == SVM_EBUSY; }

/* A cross-VM call's value, after sync_out: m->value (whole units, at most the caller's balance:
 * enter checked both) leaves the caller's EVM account and its ledger balance together, so the
 * two still agree, and goes to `to`'s SWR balance. Journaled after the sync's J_XVM entry: a
 * revert undoes it with the call. */
static int value_out(host_t *h, svm_evm_state_t *s, const msg_t *m, const svm_id_t *from, const svm_id_t *to)
{
	acct_t *a = evm_acct(s, &m->caller);
	if (!a || evm_acct_fill(a)) return SVM_ENOMEM;
	SVM_ASSERT(u256_eq(&a->balance, &a->base_balance)); /* sync_out just ran */
	SVM_ASSERT(u256_cmp(&m->value, &a->balance) <= 0);
	u256 unit = u256_u64(SVM_EVM_WEI_PER_UNIT), q, r, nb;
	u256_divmod(&q, &r, &m->value, &unit);
	if (!u256_is_zero(&r) || !u256_fits64(&q)) return SVM_EIO; /* enter refused both */
	u256_sub(&nb, &a->balance, &m->value);
	int rc = evm_set_balance(s, a, &nb);
	if (rc || (rc = evm_journal(s, J_BASE_BAL, a, NULL, &a->base_balance, 0))) return rc;
	a->base_balance = nb;
	SVM_ASSERT(u256_eq(&a->balance, &a->base_balance)); /* the account and the ledger agree */
	return svm_ledger_transfer(h->c, &h->token, from, to, q.w[0]);
}

/* Why a native payload may not be run from the EVM (NULL: it may). Only methods whose only
 * actor is the transaction's sender are callable: the others derive ids from the transaction's
 * nonce or read its signing key, which an EVM account calling mid-transaction does not have. */
static const char *native_refusal(const uint8_t *p, size_t len)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t prog, meth;
	if (svm_varint_read(&r, &prog) || svm_varint_read(&r, &meth)) return "native: malformed payload";
	switch (prog) {
	case SVM_PROGRAM_LEDGER:
		if (meth == SVM_LEDGER_TRANSFER || meth == SVM_LEDGER_BURN) return NULL;
		break;
	case SVM_PROGRAM_AMM:
		if (meth >= SVM_AMM_CREATE && meth <= SVM_AMM_SWAP_OUT) return NULL;
		break;
	case SVM_PROGRAM_STAKING:
		if (meth == SVM_STAKE_DELEGATE || meth == SVM_STAKE_UNDELEGATE || meth == SVM_STAKE_CLAIM ||
		    meth == SVM_STAKE_REDELEGATE)
			return NULL;
		break;
	default:
		break;
	}
	return "native: this program method is not callable from the EVM";
}

/* EVM -> native program: a message to SVM_EVM_NATIVE_ADDRESS whose calldata is a native
 * payload, run with the calling account's identity as the sender (interp.c's enter). */
static int xcall_native(host_t *h, svm_evm_state_t *s, const msg_t *m, int64_t *gas, uint8_t **out,
			size_t *out_len, bool *reverted)
{
	svm_txctx_t *c = h->c;
	SVM_ASSERT(*gas >= 0 && c->xvm_depth <= SVM_XVM_DEPTH_MAX);
	if (m->kind != 0xf1 || m->is_static || *gas < SVM_EVM_XVM_GAS_BASE) {
		*gas = 0; /* STATICCALL (the program writes), DELEGATECALL, CALLCODE: an exceptional halt */
		return 0;
	}
	*gas -= SVM_EVM_XVM_GAS_BASE;
	const char *why = native_refusal(m->input, m->input_len);
	if (!why && !u256_is_zero(&m->value)) why = "native: no value (the payload says what moves)";
	if (why) return evm_revert_with(out, out_len, reverted, why);
	*reverted = true;
	if (c->xvm_depth >= SVM_XVM_DEPTH_MAX) return 0;
	int rc = sync_out(h, s);
	if (rc == SVM_EUNSUPPORTED) return 0;
	*reverted = false;
	if (rc) return rc;
	svm_tx_t t = *c->tx; /* the program's view of "the transaction": its sender is the caller */
	acct_t *ca = evm_acct(s, &m->caller);
	if (!ca || evm_acct_fill(ca)) return s->backend_rc ? s->backend_rc : SVM_ENOMEM;
	acct_id(ca, &t.sender);
	t.vm = SVM_VM_NATIVE;
	t.payload = m->input;
	t.payload_len = m->input_len;
	t.scheme = SVM_EVM_SCHEME;
	t.public_key = m->caller.b;
	t.public_key_len = SVM_EVM_ADDR_SIZE;
	const svm_tx_t *tx0 = c->tx;
	const uint8_t *rd0 = c->return_data;
	size_t rl0 = c->return_data_len;
	uint64_t steps0 = c->steps, limit0 = c->steps_limit;
	c->tx = &t;
	c->return_data = NULL;
	c->return_data_len = 0;
	c->steps = 0;
	c->steps_limit = (uint64_t)*gas;
	c->xvm_depth++;
	rc = svm_native_execute(c, m->input, m->input_len);
	uint64_t used = c->steps;
	const uint8_t *ret = c->return_data;
	size_t ret_len = c->return_data_len;
	c->xvm_depth--;
	/* the program ran on its own copy of the transaction and returned the context as it got it */
	SVM_ASSERT(c->tx == &t && c->steps_limit == (uint64_t)*gas && (ret_len == 0 || ret != NULL));
	c->tx = tx0;
	c->return_data = rd0;
	c->return_data_len = rl0;
	c->steps = steps0;
	c->steps_limit = limit0;
	SVM_ASSERT(used <= (uint64_t)*gas); /* the meter stops at its limit */
	if (fatal(rc)) return rc;
	*gas -= (int64_t)used;
	if (rc == SVM_EGAS) {
		*gas = 0; /* out of steps: like an exceptional halt */
		return 0;
	}
	if (rc) {
		char msg[96];
		snprintf(msg, sizeof msg, "native: %s", svm_strerror(rc));
		return evm_revert_with(out, out_len, reverted, msg);
	}
	if ((rc = sync_in(h, s))) return rc;
	if (ret_len) {
		if (!(*out = svm_malloc(ret_len))) return SVM_ENOMEM;
		memcpy(*out, ret, ret_len);
		*out_len = ret_len;
	}
	return 1;
}

static int xcall_wasm(host_t *h, svm_evm_state_t *s, const msg_t *m, int d, int64_t *gas, uint8_t **out,
		      size_t *out_len, bool *reverted);

static int xcall(void *ud, svm_evm_state_t *s, const msg_t *m, int d, int64_t *gas, uint8_t **out, size_t *out_len,
		 bool *reverted)
{
	if (evm_is_native(&m->code_addr)) return xcall_native(ud, s, m, gas, out, out_len, reverted);
	return xcall_wasm(ud, s, m, d, gas, out, out_len, reverted);
}

/* EVM -> WebAssembly: a message to SVM_EVM_XVM_ADDRESS (interp.c's enter). */
static int xcall_wasm(host_t *h, svm_evm_state_t *s, const msg_t *m, int d, int64_t *gas, uint8_t **out,
		      size_t *out_len, bool *reverted)
{
	svm_txctx_t *c = h->c;
	SVM_ASSERT(*gas >= 0 && c->xvm_depth <= SVM_XVM_DEPTH_MAX && d >= 0);
	size_t mlen = m->input_len > 32 ? m->input[32] : 0;
	bool ok = m->kind == 0xf1 && !m->is_static && mlen >= 1 && mlen <= SVM_CONTRACT_METHOD_MAX &&
		  m->input_len >= 33 + mlen && !memchr(m->input + 33, 0, mlen);
	if (!ok || *gas < SVM_EVM_XVM_GAS_BASE) {
		*gas = 0; /* malformed: an exceptional halt */
		return 0;
	}
	*gas -= SVM_EVM_XVM_GAS_BASE;
	/* past the depth bound, or no checkpoints in this view: the call fails and the rest of the
	 * gas is returned (as at the EVM's own depth limit), with no revert data */
	*reverted = true;
	if (c->xvm_depth >= SVM_XVM_DEPTH_MAX) return 0;
	int rc = sync_out(h, s);
	if (rc == SVM_EUNSUPPORTED) return 0;
	*reverted = false;
	if (rc) return rc;
	char method[SVM_CONTRACT_METHOD_MAX + 1];
	SVM_ASSERT(mlen >= 1 && mlen < sizeof method && m->input_len >= 33 + mlen);
	memcpy(method, m->input + 33, mlen);
	method[mlen] = 0;
	svm_id_t contract, caller;
	memcpy(contract.b, m->input, 32);
	acct_t *ca = evm_acct(s, &m->caller);
	if (!ca || evm_acct_fill(ca)) return s->backend_rc ? s->backend_rc : SVM_ENOMEM;
	acct_id(ca, &caller);
	if (!u256_is_zero(&m->value) && (rc = value_out(h, s, m, &caller, &contract)) != 0) return rc;
	uint64_t steps0 = c->steps, limit0 = c->steps_limit;
	void *x0 = c->xvm;
	xvm_t x = {s, h, d + 1};
	c->xvm = &x;
	c->xvm_depth++;
	c->steps = 0;
	c->steps_limit = (uint64_t)*gas;
	const uint8_t *ret;
	size_t ret_len;
	rc = svm_contract_xcall(c, &caller, &contract, method, m->input + 33 + mlen, m->input_len - 33 - mlen, &ret,
				&ret_len);
	uint64_t used = c->steps;
	SVM_ASSERT(used <= (uint64_t)*gas); /* the meter stops at its limit */
	c->steps = steps0;
	c->steps_limit = limit0;
	c->xvm = x0;
	c->xvm_depth--;
	if (fatal(rc)) return rc;
	*gas -= (int64_t)used;
	SVM_ASSERT(*gas >= 0);
	if (rc == 0 && (rc = sync_in(h, s)) != 0) return rc;
	if (rc && rc != SVM_EABORT) {
		*gas = 0; /* a trap or out of steps: like an exceptional halt */
		return 0;
	}
	if (ret_len) {
		if (!(*out = svm_malloc(ret_len))) return SVM_ENOMEM;
		memcpy(*out, ret, ret_len);
		*out_len = ret_len;
	}
	*reverted = rc == SVM_EABORT;
	return rc == 0;
}

int svm_evm_xcall(svm_txctx_t *c, const svm_id_t *caller, const svm_evm_addr_t *to, const uint8_t *data,
		  size_t len, uint64_t gas, uint64_t value_units, int *status, const uint8_t **out, size_t *out_len,
		  uint64_t *gas_used)
{
	*status = 0;
	*out = NULL;
	*out_len = 0;
	*gas_used = 0;
	int rc = svm_host_charge(c, SVM_EVM_XVM_GAS_BASE);
	if (rc) return rc;
	SVM_ASSERT(c->steps <= c->steps_limit); /* the charge succeeded: the difference cannot wrap */
	uint64_t avail = c->steps_limit - c->steps;
	avail -= avail / 64; /* as EIP-150 keeps for the caller */
	if (gas == 0 || gas > avail) gas = avail;
	if (gas > SVM_EVM_BLOCK_GAS_MAX) gas = SVM_EVM_BLOCK_GAS_MAX;
	SVM_ASSERT(gas <= avail && gas <= INT64_MAX); /* m.gas below is an int64_t */
	svm_host_mark_t mk;
	if (c->xvm_depth >= SVM_XVM_DEPTH_MAX) return 0;
	if ((rc = svm_host_mark(c, &mk))) return rc == SVM_EUNSUPPORTED ? 0 : rc;
	uint8_t from[SVM_EVM_ADDRESS_SIZE];
	svm_identity_evm_address(caller, from);
	if (value_units) {
		/* the value goes to the caller's derived address's balance (undone with the call when
		 * it fails), from which the message moves it to `to` */
		svm_evm_addr_t fa;
		svm_id_t token, fid;
		memcpy(fa.b, from, SVM_EVM_ADDR_SIZE);
		if ((rc = address_identity(c, &fa, &fid))) return rc; /* the contract itself once linked */
		if (c->implicit_token) token = *c->implicit_token;
		else svm_token_id("SWR", &token);
		rc = svm_ledger_transfer(c, &token, caller, &fid, value_units);
		if (rc == SVM_EFUNDS) { /* like a CALL whose value exceeds the balance */
			svm_host_rollback(c, &mk);
			return 0;
		}
		if (rc) return rc;
	}
	uint64_t steps0 = c->steps, limit0 = c->steps_limit;
	c->steps_limit = UINT64_MAX; /* the EVM meters in gas: its host reads are not steps */
	xvm_t *x = c->xvm;
	host_t h = {0};
	evm_backend_t be = {0};
	svm_evm_block_t blk = {0};
	svm_evm_tx_t tx = {0};
	txctx_t ctx = {0};
	svm_evm_state_t *s = x ? x->s : host_state(&h, c, &be);
	const txctx_t *cx = x ? x->s->ctx : &ctx;
	int d = x ? x->depth_next : 0;
	msg_t m;
	memset(&m, 0, sizeof m);
	m.kind = 0xf1;
	m.transfer = true;
	u256 units = u256_u64(value_units), unit = u256_u64(SVM_EVM_WEI_PER_UNIT);
	u256_mul(&m.value, &units, &unit);
	memcpy(m.caller.b, from, SVM_EVM_ADDR_SIZE);
	m.to = *to;
	m.code_addr = *to;
	m.input = data;
	m.input_len = len;
	m.gas = (int64_t)gas;
	if (!s) {
		rc = SVM_ENOMEM;
	} else if (x) {
		rc = sync_in(x->h, s);
	} else {
		svm_evm_block_env(c->tx->chain_id, c->height, c->timestamp_ms, &c->proposer, 0, &blk);
		svm_evm_block_recent(c, &blk);
		memset(&tx, 0, sizeof tx);
		svm_identity_evm_address(&c->tx->sender, from);
		memcpy(tx.from.b, from, SVM_EVM_ADDR_SIZE);
		ctx = (txctx_t){&blk, &tx, blk.base_fee, tx.from};
	}
	svm_evm_result_t res;
	memset(&res, 0, sizeof res);
	int64_t left = 0;
	uint32_t xd0 = c->xvm_depth;
	SVM_ASSERT(d >= 0 && d <= SVM_EVM_DEPTH_MAX + 1);
	c->xvm_depth++;
	if (rc == 0) rc = evm_execute_at(s, cx, &m, d, &res, &left);
	if (s && s->backend_rc) rc = s->backend_rc;
	c->xvm_depth--;
	SVM_ASSERT(c->xvm_depth == xd0);
	/* gas_used below is gas − left: the message returns at most what it was given */
	SVM_ASSERT(rc != 0 || (left >= 0 && (uint64_t)left <= gas));
	if (rc == 0 && res.status) {
		if (x) {
			rc = sync_out(x->h, s); /* the caller sees what the EVM did */
		} else {
			svm_evm_result_t logs = {.logs = s->logs, .n_logs = s->n_logs};
			rc = write_back(&h, s);
			if (rc == 0) rc = emit_logs(&h, s, &logs);
		}
	}
	if (rc == 0) {
		size_t n = res.output_len < SVM_RETURN_DATA_MAX ? res.output_len : SVM_RETURN_DATA_MAX;
		*out = n ? svm_arena_dup(c->arena, res.output, n) : NULL;
		*out_len = *out ? n : 0;
		if (n && !*out) rc = SVM_ENOMEM;
		*status = res.status;
		*gas_used = gas - (uint64_t)left;
	}
	if (rc == 0 && !res.status) svm_host_rollback(c, &mk); /* the EVM reverted its own: events too */
	svm_evm_result_free(&res);
	if (!x) svm_evm_state_free(s);
	c->steps = steps0;
	c->steps_limit = limit0;
	return rc ? rc : svm_host_charge(c, *gas_used);
}

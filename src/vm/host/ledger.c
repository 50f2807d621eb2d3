/* The unified token ledger: balances of every token keyed by (token, owner), token supply,
 * and account nonces, all as objects read and written through the host interface. */
#include <string.h>

#include "vm/host/internal.h"

static void tagged2(const char *tag, const svm_id_t *a, const svm_id_t *b, svm_id_t *out)
{
	svm_slice_t parts[2] = {{a->b, SVM_HASH_SIZE}, {b ? b->b : NULL, b ? SVM_HASH_SIZE : 0}};
	svm_sha256_tagged(tag, parts, b ? 2 : 1, out);
}

void svm_token_id(const char *symbol, svm_id_t *out)
{
	svm_slice_t part = {(const uint8_t *)symbol, strlen(symbol)};
	svm_sha256_tagged("svm/token", &part, 1, out);
}

void svm_balance_id(const svm_id_t *token, const svm_id_t *owner, svm_id_t *out)
{
	tagged2("svm/bal", token, owner, out);
}

void svm_account_id(const svm_id_t *owner, svm_id_t *out) { tagged2("svm/acct", owner, NULL, out); }

void svm_token_object_id(const svm_id_t *token, svm_id_t *out) { tagged2("svm/tok", token, NULL, out); }

/* The ids of a balance and an account, taken from the context's implicit objects when they
 * are the sender's (the fee stage and most transfers name them several times per
 * transaction; each id is a SHA-256). */
static void bal_id(const svm_txctx_t *c, const svm_id_t *token, const svm_id_t *owner,
		   svm_id_t *out)
{
	if (c->implicit_owner && svm_hash_eq(owner, c->implicit_owner) &&
	    svm_hash_eq(token, c->implicit_token))
		*out = c->implicit[1];
	else
		svm_balance_id(token, owner, out);
	if (SVM_ASSERT_ON) { /* the cached id is the one it stands for */
		svm_id_t want;
		svm_balance_id(token, owner, &want);
		SVM_ASSERT(svm_hash_eq(out, &want));
	}
}

static void acct_id(const svm_txctx_t *c, const svm_id_t *owner, svm_id_t *out)
{
	if (c->implicit_owner && svm_hash_eq(owner, c->implicit_owner)) *out = c->implicit[0];
	else svm_account_id(owner, out);
	if (SVM_ASSERT_ON) {
		svm_id_t want;
		svm_account_id(owner, &want);
		SVM_ASSERT(svm_hash_eq(out, &want));
	}
}

/* ---------------------------------------------------------- balances */

static int decode_balance(const svm_object_t *o, uint64_t *amount)
{
	svm_reader_t r = svm_reader(o->payload, o->payload_len);
	const uint8_t *tok;
	if (o->type != SVM_OBJ_BALANCE || svm_reader_bytes(&r, SVM_HASH_SIZE, &tok) ||
	    svm_varint_read(&r, amount) || svm_reader_left(&r))
		return SVM_EIO;
	return 0;
}

static int read_balance(svm_txctx_t *c, const svm_id_t *id, uint64_t *amount)
{
	svm_object_t o;
	size_t len;
	int rc = svm_host_read_(c, id, &o, &len);
	if (rc == SVM_ENOTFOUND) {
		*amount = 0;
		return 0;
	}
	if (rc) return rc;
	return decode_balance(&o, amount);
}

/* The balance object of (token, owner) with amount; payload is its storage. */
static void balance_object(const svm_id_t *id, const svm_id_t *token, const svm_id_t *owner,
			   uint64_t amount, uint8_t payload[SVM_HASH_SIZE + SVM_VARINT_MAX],
			   svm_object_t *o)
{
	memcpy(payload, token->b, SVM_HASH_SIZE);
	size_t n = SVM_HASH_SIZE + svm_varint_put(payload + SVM_HASH_SIZE, amount);
	SVM_ASSERT(n > SVM_HASH_SIZE && n <= SVM_HASH_SIZE + SVM_VARINT_MAX);
	*o = (svm_object_t){.id = *id, .owner_kind = SVM_OWNER_ADDRESS, .owner = *owner,
			    .type = SVM_OBJ_BALANCE, .payload = payload, .payload_len = n};
}

static int write_balance(svm_txctx_t *c, const svm_id_t *id, const svm_id_t *token,
			 const svm_id_t *owner, uint64_t amount)
{
	if (amount == 0) {
		int rc = svm_host_remove_(c, id);
		return rc == SVM_ENOTFOUND ? 0 : rc;
	}
	uint8_t payload[SVM_HASH_SIZE + SVM_VARINT_MAX];
	svm_object_t o;
	SVM_ASSERT(amount > 0); /* a zero balance is no object */
	balance_object(id, token, owner, amount, payload, &o);
	size_t len;
	return svm_host_write_(c, &o, &len);
}

int svm_ledger_balance_encode(const svm_id_t *id, const svm_id_t *token, const svm_id_t *owner,
			      uint64_t amount, uint64_t height, svm_buf_t *out)
{
	if (amount == 0) return SVM_EINVAL; /* a zero balance is no object */
	uint8_t payload[SVM_HASH_SIZE + SVM_VARINT_MAX];
	svm_object_t o;
	balance_object(id, token, owner, amount, payload, &o);
	o.version = height; /* as svm_host_write_ sets it */
	return svm_object_encode(&o, out);
}

int svm_ledger_balance_add(const svm_id_t *id, const uint8_t *bytes, size_t len, uint64_t delta,
			   uint64_t height, svm_buf_t *out)
{
	svm_object_t o;
	uint64_t amount;
	if (svm_object_decode(bytes, len, &o, NULL) || decode_balance(&o, &amount) || amount == 0)
		return SVM_EIO;
	if (!svm_add_u64(amount, delta, &amount)) return SVM_EOVERFLOW;
	SVM_ASSERT(amount >= delta && amount > 0);
	svm_id_t token;
	memcpy(token.b, o.payload, SVM_HASH_SIZE);
	int rc = svm_ledger_balance_encode(id, &token, &o.owner, amount, height, out);
	return rc == SVM_EINVAL || rc == SVM_ELIMIT ? SVM_EIO : rc;
}

int svm_ledger_balance_decode(const uint8_t *bytes, size_t len, uint64_t *amount)
{
	svm_object_t o;
	if (svm_object_decode(bytes, len, &o, NULL)) return SVM_EIO;
	return decode_balance(&o, amount);
}

static int balance_(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *owner,
		       uint64_t *amount)
{
	svm_id_t id;
	bal_id(c, token, owner, &id);
	return read_balance(c, &id, amount);
}

static int credit_(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *owner,
		      uint64_t amount)
{
	if (amount == 0) return 0;
	svm_id_t id;
	uint64_t bal;
	bal_id(c, token, owner, &id);
	if (c->view->ops->credit) return svm_host_credit_(c, &id, token, owner, amount);
	int rc = read_balance(c, &id, &bal);
	if (rc) return rc;
	if (!svm_add_u64(bal, amount, &bal)) return SVM_EOVERFLOW;
	return write_balance(c, &id, token, owner, bal);
}

static int debit_(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *owner,
		     uint64_t amount)
{
	if (amount == 0) return 0;
	svm_id_t id;
	uint64_t bal;
	bal_id(c, token, owner, &id);
	int rc = read_balance(c, &id, &bal);
	if (rc) return rc;
	if (bal < amount) return SVM_EFUNDS;
	SVM_ASSERT(amount > 0 && bal >= amount); /* the subtraction cannot borrow */
	return write_balance(c, &id, token, owner, bal - amount);
}

static int transfer_(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *from,
			const svm_id_t *to, uint64_t amount)
{
	if (amount == 0 || svm_hash_eq(from, to)) {
		uint64_t bal; /* still fails a transfer the sender could not afford */
		int rc = balance_(c, token, from, &bal);
		return rc ? rc : (bal < amount ? SVM_EFUNDS : 0);
	}
	/* The credit never reads anything the transaction must wait for (parallel executors apply
	 * it as a delta), and cannot overflow: every balance is at most the token's supply. A
	 * failed ledger operation fails the whole transaction, so no partial write survives. */
	SVM_ASSERT(amount > 0 && !svm_hash_eq(from, to));
	int rc = debit_(c, token, from, amount);
	return rc ? rc : credit_(c, token, to, amount);
}

/* ------------------------------------------------------------ tokens */

static int read_token(svm_txctx_t *c, const svm_id_t *token, svm_token_info_t *info)
{
	svm_id_t id;
	svm_token_object_id(token, &id);
	svm_object_t o;
	size_t len;
	int rc = svm_host_read_(c, &id, &o, &len);
	if (rc) return rc;
	if (o.type != SVM_OBJ_TOKEN || svm_token_info_decode(o.payload, o.payload_len, info)) return SVM_EIO;
	return 0;
}

int svm_token_info_decode(const uint8_t *payload, size_t len, svm_token_info_t *info)
{
	svm_reader_t r = svm_reader(payload, len);
	uint64_t sym_len, dec;
	const uint8_t *sym;
	if (svm_varint_read(&r, &sym_len) || sym_len > SVM_TOKEN_SYMBOL_MAX ||
	    svm_reader_bytes(&r, sym_len, &sym) || svm_varint_read(&r, &dec) || dec > 255 ||
	    svm_varint_read(&r, &info->supply) || svm_reader_left(&r))
		return SVM_EDECODE;
	SVM_ASSERT(sym_len < sizeof info->symbol); /* room for the NUL */
	memcpy(info->symbol, sym, sym_len);
	info->symbol[sym_len] = 0;
	info->decimals = (uint8_t)dec;
	return 0;
}

/* The token object id holding info; payload is its storage. One function for the ledger's
 * own writes and the executors' supply deltas, so both give the same bytes. */
static void token_object(const svm_id_t *id, const svm_token_info_t *info,
			 uint8_t payload[3 * SVM_VARINT_MAX + SVM_TOKEN_SYMBOL_MAX], svm_object_t *o)
{
	size_t sym_len = strlen(info->symbol), n = 0;
	SVM_ASSERT(sym_len <= SVM_TOKEN_SYMBOL_MAX);
	n += svm_varint_put(payload + n, sym_len);
	memcpy(payload + n, info->symbol, sym_len);
	n += sym_len;
	n += svm_varint_put(payload + n, info->decimals);
	n += svm_varint_put(payload + n, info->supply);
	*o = (svm_object_t){.id = *id, .owner_kind = SVM_OWNER_SHARED, .type = SVM_OBJ_TOKEN,
			    .payload = payload, .payload_len = n};
}

static int write_token(svm_txctx_t *c, const svm_id_t *token, const svm_token_info_t *info)
{
	uint8_t payload[3 * SVM_VARINT_MAX + SVM_TOKEN_SYMBOL_MAX];
	svm_id_t id;
	svm_token_object_id(token, &id);
	svm_object_t o;
	token_object(&id, info, payload, &o);
	size_t len;
	return svm_host_write_(c, &o, &len);
}

static int decode_token_object(const uint8_t *bytes, size_t len, svm_token_info_t *info)
{
	svm_object_t o;
	if (svm_object_decode(bytes, len, &o, NULL) || o.type != SVM_OBJ_TOKEN ||
	    svm_token_info_decode(o.payload, o.payload_len, info))
		return SVM_EIO;
	return 0;
}

int svm_ledger_supply_decode(const uint8_t *bytes, size_t len, uint64_t *supply)
{
	svm_token_info_t info;
	int rc = decode_token_object(bytes, len, &info);
	if (rc == 0) *supply = info.supply;
	return rc;
}

int svm_ledger_supply_sub(const svm_id_t *id, const uint8_t *bytes, size_t len, uint64_t delta,
			  uint64_t height, svm_buf_t *out)
{
	svm_token_info_t info;
	if (decode_token_object(bytes, len, &info)) return SVM_EIO;
	if (info.supply < delta) return SVM_EOVERFLOW; /* burn_'s SVM_EIO: corrupt state */
	info.supply -= delta;
	uint8_t payload[3 * SVM_VARINT_MAX + SVM_TOKEN_SYMBOL_MAX];
	svm_object_t o;
	token_object(id, &info, payload, &o);
	o.version = height; /* as svm_host_write_ sets it */
	return svm_object_encode(&o, out) == 0 ? 0 : SVM_EIO;
}

static int token_(svm_txctx_t *c, const svm_id_t *token, svm_token_info_t *info)
{
	return read_token(c, token, info);
}

static int token_create_(svm_txctx_t *c, const svm_id_t *token, const char *symbol,
			    uint8_t decimals)
{
	size_t len = strlen(symbol);
	if (len == 0 || len > SVM_TOKEN_SYMBOL_MAX) return SVM_EINVAL;
	svm_token_info_t info;
	int rc = read_token(c, token, &info);
	if (rc == 0) return SVM_EEXIST;
	if (rc != SVM_ENOTFOUND) return rc;
	memset(&info, 0, sizeof info);
	SVM_ASSERT(len < sizeof info.symbol);
	memcpy(info.symbol, symbol, len);
	info.decimals = decimals;
	return write_token(c, token, &info);
}

static int mint_(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *to, uint64_t amount)
{
	svm_token_info_t info;
	int rc = read_token(c, token, &info);
	if (rc) return rc;
	if (!svm_add_u64(info.supply, amount, &info.supply)) return SVM_EOVERFLOW;
	SVM_ASSERT(info.supply >= amount);
	/* Every balance is ≤ the supply, so once the supply did not overflow the credit cannot. */
	rc = write_token(c, token, &info);
	return rc ? rc : credit_(c, token, to, amount);
}

/* The supply's read-subtract-write: SVM_ENOTFOUND for an unknown token, SVM_EIO when the
 * supply is under amount (corrupt state: supply ≥ every balance; it aborts the block). */
static int supply_sub_(svm_txctx_t *c, const svm_id_t *token, uint64_t amount)
{
	svm_token_info_t info;
	int rc = read_token(c, token, &info);
	if (rc) return rc;
	if (info.supply < amount) return SVM_EIO;
	info.supply -= amount;
	return write_token(c, token, &info);
}

/* A burn as a supply delta (the view's retire op): the balance is debited as always, the
 * supply lowered without being read, so burns of one token by different transactions commute
 * (docs/aoem.md, "Commutative deltas"). Results are the read-first order's: a failed debit
 * reports the token's own error first (an unknown token is SVM_ENOTFOUND, not SVM_EFUNDS), and
 * an unknown token or a supply under amount after a successful debit (corrupt state) is the
 * view's to resolve exactly. */
static int burn_delta_(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *tid,
		       const svm_id_t *from, uint64_t amount)
{
	int rc = debit_(c, token, from, amount);
	if (rc) { /* the token's own error first; the supply is not needed, only the token */
		svm_object_t o;
		svm_token_info_t info;
		int trc = svm_host_probe_(c, tid, &o);
		if (trc == 0 && (o.type != SVM_OBJ_TOKEN ||
				 svm_token_info_decode(o.payload, o.payload_len, &info)))
			trc = SVM_EIO; /* read_token's verdict on the same bytes */
		return trc ? trc : rc;
	}
	rc = svm_host_retire_(c, tid, amount);
	return rc == SVM_EUNSUPPORTED ? supply_sub_(c, token, amount) : rc;
}

static int burn_(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *from, uint64_t amount)
{
	svm_id_t tid;
	svm_token_object_id(token, &tid);
	/* Writable: a strict declaration that only reads the token fails where the reference's
	 * write does, so that case keeps the reference's order. */
	if (amount > 0 && c->view->ops->retire && svm_txctx_may_write(c, &tid))
		return burn_delta_(c, token, &tid, from, amount);
	svm_token_info_t info;
	int rc = read_token(c, token, &info);
	if (rc) return rc;
	/* The balance first: burning more than one holds is the sender's error (SVM_EFUNDS, the
	 * transaction fails); only then is supply < amount impossible (supply ≥ every balance), so
	 * it means corrupt state and aborts the block. Checked the other way round, any sender could
	 * make every block holding its burn of a huge amount fail. */
	rc = debit_(c, token, from, amount);
	if (rc) return rc;
	if (info.supply < amount) return SVM_EIO;
	info.supply -= amount;
	return write_token(c, token, &info);
}

static int retire_(svm_txctx_t *c, const svm_id_t *token, uint64_t amount)
{
	return amount == 0 ? 0 : supply_sub_(c, token, amount);
}

/* ---------------------------------------------------------- accounts */

static int nonce_(svm_txctx_t *c, const svm_id_t *owner, uint64_t *nonce)
{
	svm_id_t id;
	acct_id(c, owner, &id);
	svm_object_t o;
	size_t len;
	int rc = svm_host_read_(c, &id, &o, &len);
	if (rc == SVM_ENOTFOUND) {
		*nonce = 0;
		return 0;
	}
	if (rc) return rc;
	svm_reader_t r = svm_reader(o.payload, o.payload_len);
	if (o.type != SVM_OBJ_ACCOUNT || svm_varint_read(&r, nonce) || svm_reader_left(&r))
		return SVM_EIO;
	return 0;
}

static int set_nonce_(svm_txctx_t *c, const svm_id_t *owner, uint64_t nonce)
{
	uint8_t payload[SVM_VARINT_MAX];
	svm_object_t o = {.owner_kind = SVM_OWNER_ADDRESS, .owner = *owner,
			  .type = SVM_OBJ_ACCOUNT, .payload = payload,
			  .payload_len = svm_varint_put(payload, nonce)};
	SVM_ASSERT(o.payload_len >= 1 && o.payload_len <= SVM_VARINT_MAX);
	acct_id(c, owner, &o.id);
	size_t len;
	return svm_host_write_(c, &o, &len);
}

/* ------------------------------------------------- metered entry points */
/* Each ledger operation costs a flat number of steps (docs/execution.md), charged before it
 * runs, whatever the state holds. */

int svm_ledger_balance(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *owner,
		       uint64_t *amount)
{
	int rc = svm_host_charge(c, SVM_STEPS_LEDGER_READ);
	return rc ? rc : balance_(c, token, owner, amount);
}

int svm_ledger_credit(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *owner,
		      uint64_t amount)
{
	int rc = svm_host_charge(c, SVM_STEPS_LEDGER_WRITE);
	return rc ? rc : credit_(c, token, owner, amount);
}

int svm_ledger_debit(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *owner,
		     uint64_t amount)
{
	int rc = svm_host_charge(c, SVM_STEPS_LEDGER_WRITE);
	return rc ? rc : debit_(c, token, owner, amount);
}

int svm_ledger_transfer(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *from,
			const svm_id_t *to, uint64_t amount)
{
	int rc = svm_host_charge(c, 2 * SVM_STEPS_LEDGER_WRITE);
	return rc ? rc : transfer_(c, token, from, to, amount);
}

int svm_ledger_mint(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *to, uint64_t amount)
{
	int rc = svm_host_charge(c, 2 * SVM_STEPS_LEDGER_WRITE);
	return rc ? rc : mint_(c, token, to, amount);
}

int svm_ledger_burn(svm_txctx_t *c, const svm_id_t *token, const svm_id_t *from, uint64_t amount)
{
	int rc = svm_host_charge(c, 2 * SVM_STEPS_LEDGER_WRITE);
	return rc ? rc : burn_(c, token, from, amount);
}

int svm_ledger_retire(svm_txctx_t *c, const svm_id_t *token, uint64_t amount)
{
	int rc = svm_host_charge(c, SVM_STEPS_LEDGER_WRITE);
	return rc ? rc : retire_(c, token, amount);
}

int svm_ledger_token(svm_txctx_t *c, const svm_id_t *token, svm_token_info_t *info)
{
	int rc = svm_host_charge(c, SVM_STEPS_LEDGER_READ);
	return rc ? rc : token_(c, token, info);
}

int svm_ledger_token_create(svm_txctx_t *c, const svm_id_t *token, const char *symbol,
			    uint8_t decimals)
{
	int rc = svm_host_charge(c, SVM_STEPS_LEDGER_WRITE);
	return rc ? rc : token_create_(c, token, symbol, decimals);
}

int svm_account_nonce(svm_txctx_t *c, const svm_id_t *owner, uint64_t *nonce)
{
	int rc = svm_host_charge(c, SVM_STEPS_LEDGER_READ);
	return rc ? rc : nonce_(c, owner, nonce);
}

int svm_account_set_nonce(svm_txctx_t *c, const svm_id_t *owner, uint64_t nonce)
{
	int rc = svm_host_charge(c, SVM_STEPS_LEDGER_WRITE);
	return rc ? rc : set_nonce_(c, owner, nonce);
}

/* The EVM's journaled in-memory state: accounts with balance, nonce, code and storage, warm
 * sets (EIP-2929), transient storage (EIP-1153), logs and the refund counter. Every change
 * inside a transaction is journaled so a failed call frame undoes exactly its own changes;
 * evm_finalize applies the end-of-transaction rules (EIP-161 deletion, EIP-6780). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vm/evm/internal.h"

#define JOURNAL_ENTRIES_MAX (64u << 20)

/* keccak256("") */
const uint8_t evm_empty_code_hash[32] = {
	0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7, 0x03, 0xc0,
	0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70};

/* A journal entry names what its undo writes: an account for the account fields, a slot (a
 * storage slot, a transient word, a token balance or allowance) for those (assertions only). */
static bool jent_ok(uint8_t kind, const acct_t *a, const void *slot)
{
	switch (kind) {
	case J_BALANCE: case J_NONCE: case J_CODE: case J_EXISTS: case J_DESTRUCT: case J_CREATED:
	case J_WARM_ACCT: case J_TOUCH: case J_BASE_BAL: case J_BASE_NONCE: case J_CODE_FLUSHED:
		return a != NULL;
	case J_STORAGE: case J_WARM_SLOT: case J_BASE_SLOT:
		return a != NULL && slot != NULL;
	case J_TSTORAGE: case J_TOKBAL: case J_ALLOW: case J_BASE_TOK: case J_BASE_ALLOW:
		return slot != NULL;
	case J_REG: case J_XVM:
		return true;
	default:
		return false;
	}
}

/* One emptied state is kept per thread between transactions (the node makes a state per
 * transaction): its maps' tables and its journal, log and registration arrays are reused, not
 * allocated, grown and freed every time. Bounded: a state whose containers grew past the
 * STATE_KEEP_* sizes is freed instead; freed at thread exit. */
#define STATE_KEEP_MAP_CAP 1024u
#define STATE_KEEP_JOURNAL 4096u
#define STATE_KEEP_LOGS 256u

static pthread_key_t st_key;
static pthread_once_t st_once = PTHREAD_ONCE_INIT;
static _Thread_local svm_evm_state_t *st_kept;
static _Thread_local bool st_key_set;

static void state_destroy(svm_evm_state_t *s);

static void st_key_destroy(void *arg)
{
	(void)arg; /* the value only marks the thread: the state is st_kept */
	state_destroy(st_kept);
	st_kept = NULL;
}

static void st_key_init(void)
{
	if (pthread_key_create(&st_key, st_key_destroy)) st_key = 0;
}

svm_evm_state_t *svm_evm_state_new(void)
{
	svm_evm_state_t *s = st_kept;
	if (s) {
		st_kept = NULL;
		/* emptied by state_keep: as calloc'd but for the containers' storage */
		SVM_ASSERT(s->accounts.count == 0 && s->transient.count == 0 && s->j_len == 0 && s->n_logs == 0 &&
			   s->tokbal.count == 0 && s->allow.count == 0 && s->n_regs == 0 && !s->vm && !s->backend);
		return s;
	}
	s = svm_calloc(1, sizeof *s);
	if (!s) return NULL;
	svm_map_init(&s->accounts);
	svm_map_init(&s->transient);
	svm_map_init(&s->tokbal);
	svm_map_init(&s->allow);
	return s;
}

void evm_code_unref(evm_code_t *c)
{
	if (!c) return;
	SVM_ASSERT(c->refs > 0);
	if (--c->refs) return;
	svm_free(c->jumpdests);
	svm_free(c);
}

void evm_code_drop(acct_t *a)
{
	if (a->code_ref) {
		SVM_ASSERT(a->code == a->code_ref->bytes);
		evm_code_unref(a->code_ref);
		a->code_ref = NULL;
	} else {
		svm_free(a->code);
		svm_free(a->jumpdests);
	}
	a->code = NULL;
	a->jumpdests = NULL;
}

static void acct_free(acct_t *a)
{
	size_t i = 0;
	svm_map_slot_t *e;
	while ((e = svm_map_next(&a->storage, &i))) svm_free(e->value);
	svm_map_free(&a->storage);
	evm_code_drop(a);
	svm_free(a);
}

void evm_logs_clear(svm_evm_state_t *s)
{
	for (size_t i = 0; i < s->n_logs; i++) svm_free(s->logs[i].data);
	s->n_logs = 0;
}

static void transient_clear(svm_evm_state_t *s)
{
	size_t i = 0;
	svm_map_slot_t *e;
	while ((e = svm_map_next(&s->transient, &i))) svm_free(e->value);
	svm_map_free(&s->transient);
	svm_map_init(&s->transient);
}

static void state_destroy(svm_evm_state_t *s)
{
	if (!s) return;
	size_t i = 0;
	svm_map_slot_t *e;
	while ((e = svm_map_next(&s->accounts, &i))) acct_free(e->value);
	svm_map_free(&s->accounts);
	transient_clear(s);
	svm_map_free(&s->transient);
	evm_logs_clear(s);
	svm_free(s->logs);
	svm_free(s->journal);
	evm_erc20_free(s);
	evm_vm_free(s->vm);
	svm_free(s);
}

/* Empties s into the thread's kept state; false when it is not kept (one is kept already, or
 * its containers are past the bounds). */
static bool state_keep(svm_evm_state_t *s)
{
	if (st_kept || s->accounts.cap > STATE_KEEP_MAP_CAP || s->transient.cap > STATE_KEEP_MAP_CAP ||
	    s->tokbal.cap > STATE_KEEP_MAP_CAP || s->allow.cap > STATE_KEEP_MAP_CAP || s->j_cap > STATE_KEEP_JOURNAL ||
	    s->logs_cap > STATE_KEEP_LOGS)
		return false;
	size_t i = 0;
	svm_map_slot_t *e;
	while ((e = svm_map_next(&s->accounts, &i))) acct_free(e->value);
	for (i = 0; (e = svm_map_next(&s->transient, &i));) svm_free(e->value);
	for (i = 0; (e = svm_map_next(&s->tokbal, &i));) svm_free(e->value);
	for (i = 0; (e = svm_map_next(&s->allow, &i));) svm_free(e->value);
	evm_logs_clear(s);
	evm_vm_free(s->vm); /* the interpreter has its own keeper (interp.c) */
	svm_evm_state_t keep = {.accounts = s->accounts, .transient = s->transient, .tokbal = s->tokbal,
				.allow = s->allow, .journal = s->journal, .j_cap = s->j_cap, .logs = s->logs,
				.logs_cap = s->logs_cap, .regs = s->regs, .regs_cap = s->regs_cap};
	svm_map_clear(&keep.accounts);
	svm_map_clear(&keep.transient);
	svm_map_clear(&keep.tokbal);
	svm_map_clear(&keep.allow);
	*s = keep; /* every other field as svm_calloc left it */
	if (!st_key_set) {
		pthread_once(&st_once, st_key_init);
		pthread_setspecific(st_key, (void *)1); /* its destructor frees st_kept at thread exit */
		st_key_set = true;
	}
	st_kept = s;
	return true;
}

void svm_evm_state_free(svm_evm_state_t *s)
{
	if (!s || state_keep(s)) return;
	state_destroy(s);
}

acct_t *evm_acct(svm_evm_state_t *s, const addr_t *a)
{
	bool created;
	void **v = svm_map_put(&s->accounts, a->b, 20, &created);
	if (!v) return NULL;
	if (created) {
		acct_t *n = svm_calloc(1, sizeof *n);
		if (!n) {
			svm_map_del(&s->accounts, a->b, 20);
			return NULL;
		}
		n->addr = *a;
		n->st = s;
		memcpy(n->code_hash, evm_empty_code_hash, 32);
		svm_map_init(&n->storage);
		if (s->backend && !s->backend_rc) {
			int rc = s->backend->account(s->backend->ud, n);
			n->code_hash_lazy = rc == 0 && n->code_len; /* hashed if EXTCODEHASH asks */
			n->loaded_code = n->code_len != 0;
			n->base_balance = n->balance;
			n->base_nonce = n->nonce;
			if (rc) s->backend_rc = rc;
		}
		if (s->backend_rc) {
			svm_map_del(&s->accounts, a->b, 20);
			acct_free(n);
			return NULL;
		}
		*v = n;
	}
	/* the map's value is the account of that address, attached to this state */
	SVM_ASSERT(memcmp(((acct_t *)*v)->addr.b, a->b, 20) == 0 && ((acct_t *)*v)->st == s);
	return *v;
}

static const acct_t *acct_peek(const svm_evm_state_t *s, const addr_t *a)
{
	const acct_t *x = svm_map_get(&s->accounts, a->b, 20);
	return x && x->exists ? x : NULL;
}

slot_t *evm_slot(acct_t *a, const u256 *key)
{
	uint8_t k[32];
	svm_u256_to_be(key, k);
	bool created;
	void **v = svm_map_put(&a->storage, k, 32, &created);
	if (!v) return NULL;
	if (created) {
		slot_t *sl = svm_calloc(1, sizeof(slot_t));
		svm_evm_state_t *s = a->st;
		if (sl && a->loaded_code && s && s->backend && !s->backend_rc) {
			int rc = s->backend->storage(s->backend->ud, a, k, sl);
			if (rc) s->backend_rc = rc;
			sl->orig = sl->cur;
			sl->base = sl->cur;
		}
		if (!sl || (s && s->backend_rc)) {
			svm_free(sl);
			svm_map_del(&a->storage, k, 32);
			return NULL;
		}
		*v = sl;
	}
	return *v;
}

const uint8_t *evm_code_hash(acct_t *a)
{
	if (a->code_hash_lazy) {
		SVM_ASSERT(a->code_len > 0 && a->code != NULL); /* only loaded code is hashed late */
		svm_keccak256(a->code, a->code_len, a->code_hash);
		a->code_hash_lazy = false;
	}
	return a->code_hash;
}

bool evm_acct_empty(const acct_t *a)
{
	/* code first: a lazy account has code, and its balance and nonce are not loaded */
	return a->code_len == 0 && a->nonce == 0 && u256_is_zero(&a->balance);
}

int evm_acct_fill(acct_t *a)
{
	if (!a->lazy) return 0;
	svm_evm_state_t *s = a->st;
	SVM_ASSERT(s->backend && s->backend->fill && a->code_len > 0 && a->exists); /* evm_acct set st */
	if (s->backend_rc) return SVM_ENOMEM;
	int rc = s->backend->fill(s->backend->ud, a);
	if (rc) {
		s->backend_rc = rc;
		return SVM_ENOMEM;
	}
	a->lazy = false;
	a->base_balance = a->balance;
	a->base_nonce = a->nonce;
	return 0;
}

int evm_journal(svm_evm_state_t *s, uint8_t kind, acct_t *a, void *slot, const u256 *prev, uint64_t prev_u64)
{
	SVM_ASSERT(jent_ok(kind, a, slot));
	if (s->j_len == s->j_cap) {
		if (s->j_cap >= JOURNAL_ENTRIES_MAX) return SVM_ELIMIT;
		size_t nc = s->j_cap ? s->j_cap * 2 : 256;
		jent_t *j = svm_realloc(s->journal, nc * sizeof *j);
		if (!j) return SVM_ENOMEM;
		s->journal = j;
		s->j_cap = nc;
	}
	SVM_ASSERT(s->j_len < s->j_cap && s->j_cap <= 2 * (size_t)JOURNAL_ENTRIES_MAX);
	jent_t *e = &s->journal[s->j_len++];
	e->kind = kind;
	e->a = a;
	e->slot = slot;
	e->prev = prev ? *prev : u256_zero();
	e->prev_u64 = prev_u64;
	return 0;
}

static int ensure_exists(svm_evm_state_t *s, acct_t *a)
{
	if (a->exists) return 0;
	int rc = evm_journal(s, J_EXISTS, a, NULL, NULL, 0);
	if (rc) return rc;
	a->exists = true;
	SVM_ASSERT(s->journal[s->j_len - 1].a == a); /* the undo names this account */
	return 0;
}

int evm_touch(svm_evm_state_t *s, acct_t *a)
{
	int rc = ensure_exists(s, a);
	if (rc || a->touched) return rc;
	if ((rc = evm_journal(s, J_TOUCH, a, NULL, NULL, 0))) return rc;
	a->touched = true;
	return 0;
}

int evm_set_balance(svm_evm_state_t *s, acct_t *a, const u256 *v)
{
	SVM_ASSERT(!a->lazy); /* v was computed from the balance: the caller filled it */
	int rc = evm_acct_fill(a);
	if (rc == 0) rc = evm_touch(s, a);
	if (rc || (rc = evm_journal(s, J_BALANCE, a, NULL, &a->balance, 0))) return rc;
	a->balance = *v;
	return 0;
}

int evm_set_nonce(svm_evm_state_t *s, acct_t *a, uint64_t n)
{
	int rc = evm_acct_fill(a);
	if (rc) return rc;
	/* a nonce only steps by one: a sender's transaction, a creator's CREATE, a new contract */
	SVM_ASSERT(a->nonce < UINT64_MAX && n == a->nonce + 1);
	rc = ensure_exists(s, a);
	if (rc || (rc = evm_journal(s, J_NONCE, a, NULL, NULL, a->nonce))) return rc;
	a->nonce = n;
	return 0;
}

int evm_set_storage(svm_evm_state_t *s, acct_t *a, slot_t *sl, const u256 *v)
{
	int rc = evm_journal(s, J_STORAGE, a, sl, &sl->cur, 0);
	if (rc) return rc;
	sl->cur = *v;
	return 0;
}

/* Code is set once, on a new contract; the journal entry frees it on revert. */
int evm_set_code(svm_evm_state_t *s, acct_t *a, const uint8_t *code, size_t len)
{
	if (len == 0) return 0;
	uint8_t *c = svm_malloc(len);
	if (!c) return SVM_ENOMEM;
	int rc = evm_journal(s, J_CODE, a, NULL, NULL, 0);
	if (rc) {
		svm_free(c);
		return rc;
	}
	memcpy(c, code, len);
	evm_code_drop(a);
	a->code = c;
	a->code_len = len;
	a->code_new = true;
	a->code_hash_lazy = false;
	svm_keccak256(c, len, a->code_hash);
	return 0;
}

static void tkey(uint8_t k[52], const addr_t *a, const u256 *key)
{
	memcpy(k, a->b, 20);
	svm_u256_to_be(key, k + 20);
}

void evm_tload(svm_evm_state_t *s, const addr_t *a, const u256 *key, u256 *out)
{
	uint8_t k[52];
	tkey(k, a, key);
	u256 *v = svm_map_get(&s->transient, k, 52);
	*out = v ? *v : u256_zero();
}

int evm_tstore(svm_evm_state_t *s, const addr_t *a, const u256 *key, const u256 *val)
{
	uint8_t k[52];
	tkey(k, a, key);
	bool created;
	void **v = svm_map_put(&s->transient, k, 52, &created);
	if (!v) return SVM_ENOMEM;
	if (created) {
		*v = svm_calloc(1, sizeof(u256));
		if (!*v) {
			svm_map_del(&s->transient, k, 52);
			return SVM_ENOMEM;
		}
	}
	u256 *t = *v;
	int rc = evm_journal(s, J_TSTORAGE, NULL, t, t, 0);
	if (rc) return rc;
	*t = *val;
	return 0;
}

/* The precompiles' addresses (0x01-0x0a) are warm in every transaction (EIP-2929): they are
 * answered here instead of being loaded and marked at the start of each one (ten accounts'
 * objects read from the node's state per transaction, shared by all of a block's
 * transactions: a parallel executor's validation re-read them all). */
static bool always_warm(const addr_t *a)
{
	for (int i = 0; i < 19; i++)
		if (a->b[i]) return false;
	return a->b[19] >= 1 && a->b[19] <= 10;
}

int evm_warm_acct(svm_evm_state_t *s, acct_t *a)
{
	if (a->warm || always_warm(&a->addr)) return 0;
	if (s->has_warm_coinbase && memcmp(a->addr.b, s->warm_coinbase.b, 20) == 0) return 0;
	int rc = evm_journal(s, J_WARM_ACCT, a, NULL, NULL, 0);
	if (rc) return rc;
	a->warm = true;
	SVM_ASSERT(a->st == s);
	return 1;
}

int evm_warm_slot(svm_evm_state_t *s, acct_t *a, slot_t *sl)
{
	if (sl->warm) return 0;
	int rc = evm_journal(s, J_WARM_SLOT, a, sl, NULL, 0);
	if (rc) return rc;
	sl->warm = true;
	return 1;
}

int evm_log(svm_evm_state_t *s, const addr_t *a, const uint8_t (*topics)[32], int n_topics,
	    const uint8_t *data, size_t len)
{
	SVM_ASSERT(n_topics >= 0 && n_topics <= 4 && (len == 0 || data != NULL));
	SVM_ASSERT(s->n_logs <= s->logs_cap);
	if (s->n_logs == s->logs_cap) {
		size_t nc = s->logs_cap ? s->logs_cap * 2 : 16;
		svm_evm_log_t *l = svm_realloc(s->logs, nc * sizeof *l);
		if (!l) return SVM_ENOMEM;
		s->logs = l;
		s->logs_cap = nc;
	}
	SVM_ASSERT(s->n_logs < s->logs_cap);
	svm_evm_log_t *l = &s->logs[s->n_logs];
	memset(l, 0, sizeof *l);
	l->address = *a;
	l->n_topics = (uint8_t)n_topics;
	for (int i = 0; i < n_topics; i++) memcpy(l->topics[i], topics[i], 32);
	if (len) {
		l->data = svm_malloc(len);
		if (!l->data) return SVM_ENOMEM;
		memcpy(l->data, data, len);
	}
	l->data_len = len;
	s->n_logs++;
	return 0;
}

snap_t evm_snapshot(const svm_evm_state_t *s)
{
	return (snap_t){s->j_len, s->n_logs, s->refund};
}

void evm_revert(svm_evm_state_t *s, snap_t snap)
{
	SVM_ASSERT(snap.j_len <= s->j_len && snap.n_logs <= s->n_logs);
	while (s->j_len > snap.j_len) {
		jent_t *e = &s->journal[--s->j_len];
		acct_t *a = e->a;
		SVM_ASSERT(jent_ok(e->kind, a, e->slot));
		switch (e->kind) {
		case J_BALANCE: a->balance = e->prev; break;
		case J_NONCE: a->nonce = e->prev_u64; break;
		case J_STORAGE: ((slot_t *)e->slot)->cur = e->prev; break;
		case J_TSTORAGE: *(u256 *)e->slot = e->prev; break;
		case J_CODE:
			a->code_new = false;
			evm_code_drop(a);
			a->code_len = 0;
			a->code_hash_lazy = false;
			memcpy(a->code_hash, evm_empty_code_hash, 32);
			break;
		case J_EXISTS: a->exists = false; break;
		case J_DESTRUCT: a->destructed = false; break;
		case J_CREATED: a->created_tx = false; break;
		case J_WARM_ACCT: a->warm = false; break;
		case J_WARM_SLOT: ((slot_t *)e->slot)->warm = false; break;
		case J_TOUCH: a->touched = false; break;
		case J_TOKBAL: ((tokbal_t *)e->slot)->cur = e->prev_u64; break;
		case J_ALLOW: ((allow_t *)e->slot)->cur = e->prev; break;
		case J_REG:
			SVM_ASSERT(s->n_regs > 0); /* each J_REG undoes one registration */
			s->n_regs--;
			break;
		case J_XVM:
			if (s->backend && s->backend->xrollback)
				s->backend->xrollback(s->backend->ud, e->prev_u64, e->prev.w[0]);
			break;
		case J_BASE_BAL: a->base_balance = e->prev; break;
		case J_BASE_NONCE: a->base_nonce = e->prev_u64; break;
		case J_BASE_SLOT: ((slot_t *)e->slot)->base = e->prev; break;
		case J_BASE_TOK: ((tokbal_t *)e->slot)->base = e->prev_u64; break;
		case J_BASE_ALLOW: ((allow_t *)e->slot)->base = e->prev; break;
		case J_CODE_FLUSHED: a->code_flushed = false; break;
		}
	}
	while (s->n_logs > snap.n_logs) svm_free(s->logs[--s->n_logs].data);
	s->refund = snap.refund;
	SVM_ASSERT(s->j_len == snap.j_len && s->n_logs == snap.n_logs);
}

static void acct_wipe(acct_t *a)
{
	size_t i = 0;
	svm_map_slot_t *e;
	while ((e = svm_map_next(&a->storage, &i))) svm_free(e->value);
	svm_map_free(&a->storage);
	svm_map_init(&a->storage);
	evm_code_drop(a);
	a->code_len = 0;
	a->code_hash_lazy = false;
	memcpy(a->code_hash, evm_empty_code_hash, 32);
	a->balance = u256_zero();
	a->nonce = 0;
	a->exists = false;
}

/* Walks the transaction's journal (every account and slot it changed or warmed is there; the
 * pre-state loaders bypass it and set originals themselves), so the cost is the transaction's
 * own, not the state's size. Slots first: wiping an account frees its slots. */
void evm_finalize(svm_evm_state_t *s)
{
	SVM_ASSERT(s->j_len <= s->j_cap);
	for (size_t i = 0; i < s->j_len; i++) {
		jent_t *e = &s->journal[i];
		if (e->kind == J_STORAGE || e->kind == J_WARM_SLOT) {
			slot_t *sl = e->slot;
			SVM_ASSERT(jent_ok(e->kind, e->a, sl));
			sl->orig = sl->cur;
			sl->warm = false;
		}
	}
	for (size_t i = 0; i < s->j_len; i++) {
		acct_t *a = s->journal[i].a;
		if (!a) continue;
		if (a->destructed || (a->touched && a->exists && evm_acct_empty(a))) acct_wipe(a);
		a->warm = a->touched = a->destructed = a->created_tx = false;
	}
	transient_clear(s);
	s->j_len = 0;
	s->refund = 0;
	s->has_warm_coinbase = false;
}

/* ------------------------------------------------------------ public API */

int svm_evm_state_set_account(svm_evm_state_t *s, const svm_evm_addr_t *addr, const svm_u256_t *balance,
			      uint64_t nonce, const uint8_t *code, size_t code_len)
{
	acct_t *a = evm_acct(s, addr);
	if (!a) return SVM_ENOMEM;
	a->exists = true;
	a->balance = *balance;
	a->nonce = nonce;
	if (code_len) {
		int rc = evm_set_code(s, a, code, code_len);
		s->j_len = 0;
		if (rc) return rc;
	}
	return 0;
}

int svm_evm_state_set_storage(svm_evm_state_t *s, const svm_evm_addr_t *addr, const svm_u256_t *key,
			      const svm_u256_t *val)
{
	acct_t *a = evm_acct(s, addr);
	if (!a) return SVM_ENOMEM;
	if (!a->exists) return SVM_ESTATE;
	slot_t *sl = evm_slot(a, key);
	if (!sl) return SVM_ENOMEM;
	sl->cur = sl->orig = *val;
	return 0;
}

void svm_evm_state_balance(const svm_evm_state_t *s, const svm_evm_addr_t *a, svm_u256_t *out)
{
	const acct_t *x = acct_peek(s, a);
	*out = x ? x->balance : u256_zero();
}

uint64_t svm_evm_state_nonce(const svm_evm_state_t *s, const svm_evm_addr_t *a)
{
	const acct_t *x = acct_peek(s, a);
	return x ? x->nonce : 0;
}

bool svm_evm_state_exists(const svm_evm_state_t *s, const svm_evm_addr_t *a) { return acct_peek(s, a) != NULL; }

void svm_evm_state_storage(const svm_evm_state_t *s, const svm_evm_addr_t *a, const svm_u256_t *key,
			   svm_u256_t *out)
{
	const acct_t *x = acct_peek(s, a);
	*out = u256_zero();
	if (!x) return;
	uint8_t k[32];
	svm_u256_to_be(key, k);
	const slot_t *sl = svm_map_get(&x->storage, k, 32);
	if (sl) *out = sl->cur;
}

/* RLP of a 256-bit word as a minimal big-endian integer. */
static int put_u256(svm_buf_t *b, const u256 *v)
{
	uint8_t be[32];
	svm_u256_to_be(v, be);
	size_t i = 0;
	while (i < 32 && be[i] == 0) i++;
	return svm_rlp_put_bytes(b, be + i, 32 - i);
}

/* A secure trie being filled: each entry's key is keccak(key), its value the RLP appended to
 * vals between fill_begin and fill_end. cap bounds the entries (the map's count). */
typedef struct {
	svm_mpt_kv_t *kv;
	uint8_t (*keys)[32];
	size_t *voff;
	svm_buf_t vals;
	size_t k, cap;
} trie_fill_t;

static int fill_init(trie_fill_t *f, size_t cap)
{
	*f = (trie_fill_t){.cap = cap};
	f->kv = svm_calloc(cap ? cap : 1, sizeof *f->kv);
	f->keys = svm_calloc(cap ? cap : 1, 32);
	f->voff = svm_calloc(cap ? cap : 1, sizeof *f->voff);
	return f->kv && f->keys && f->voff ? 0 : SVM_ENOMEM;
}

static void fill_begin(trie_fill_t *f, const uint8_t *key, size_t key_len)
{
	SVM_ASSERT(f->k < f->cap && f->kv != NULL && f->keys != NULL && f->voff != NULL);
	svm_keccak256(key, key_len, f->keys[f->k]);
	f->voff[f->k] = f->vals.len;
}

static void fill_end(trie_fill_t *f)
{
	/* a value was appended since fill_begin (the trie refuses empty values) */
	SVM_ASSERT(f->k < f->cap && f->vals.len > f->voff[f->k]);
	svm_mpt_kv_t *e = &f->kv[f->k];
	e->key = f->keys[f->k];
	e->key_len = 32;
	e->val_len = f->vals.len - f->voff[f->k];
	f->k++;
}

/* The root over the entries filled (values point into vals only now: it no longer moves). */
static int fill_root(trie_fill_t *f, uint8_t root[32])
{
	SVM_ASSERT(f->k <= f->cap);
	for (size_t j = 0; j < f->k; j++) {
		/* values were appended in order: offsets ascend, each inside vals */
		SVM_ASSERT(f->voff[j] < f->vals.len && (j == 0 || f->voff[j] > f->voff[j - 1]));
		f->kv[j].val = f->vals.data + f->voff[j];
	}
	return svm_mpt_root(f->kv, f->k, root);
}

static void fill_free(trie_fill_t *f)
{
	svm_free(f->kv);
	svm_free(f->keys);
	svm_free(f->voff);
	svm_buf_free(&f->vals);
}

static int storage_root(const acct_t *a, uint8_t root[32])
{
	size_t i = 0;
	trie_fill_t f;
	int rc = fill_init(&f, a->storage.count);
	if (rc) goto out;
	svm_map_slot_t *e;
	while ((e = svm_map_next(&a->storage, &i))) {
		const slot_t *sl = e->value;
		if (u256_is_zero(&sl->cur)) continue;
		fill_begin(&f, e->key, 32);
		if ((rc = put_u256(&f.vals, &sl->cur))) goto out;
		fill_end(&f);
	}
	rc = fill_root(&f, root);
out:
	fill_free(&f);
	return rc;
}

int svm_evm_state_root(const svm_evm_state_t *s, uint8_t root[SVM_KECCAK_SIZE])
{
	size_t i = 0;
	trie_fill_t f;
	int rc = fill_init(&f, s->accounts.count);
	if (rc) goto out;
	svm_map_slot_t *e;
	while ((e = svm_map_next(&s->accounts, &i))) {
		const acct_t *a = e->value;
		if (!a->exists) continue;
		uint8_t sr[32], ch[32];
		if ((rc = storage_root(a, sr))) goto out;
		if (a->code_hash_lazy) svm_keccak256(a->code, a->code_len, ch); /* s is const here */
		else memcpy(ch, a->code_hash, 32);
		fill_begin(&f, a->addr.b, 20);
		size_t at = f.vals.len;
		if ((rc = svm_rlp_put_uint(&f.vals, a->nonce)) || (rc = put_u256(&f.vals, &a->balance)) ||
		    (rc = svm_rlp_put_bytes(&f.vals, sr, 32)) || (rc = svm_rlp_put_bytes(&f.vals, ch, 32)) ||
		    (rc = svm_rlp_wrap_list(&f.vals, at)))
			goto out;
		fill_end(&f);
	}
	rc = fill_root(&f, root);
out:
	fill_free(&f);
	return rc;
}

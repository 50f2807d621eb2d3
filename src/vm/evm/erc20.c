/* Every ledger token as an ERC-20 contract to EVM code, with no wrapped copy: balanceOf,
 * transfer, transferFrom, approve, allowance, totalSupply, decimals, symbol and name at the
 * token's address (0xec20 ‖ the token id's first 18 bytes) move the ledger's own balances —
 * SWR's view moves the very account balances EVM value moves (1 unit = 10^9 wei), other
 * tokens' views journaled balances written back to the ledger when the transaction succeeds —
 * and emit Transfer/Approval logs. A revert undoes them with the frame (the EVM's journal).
 * register(bytes32 token) at EVM_ERC20_REGISTRY (0x…ec20) makes a token created after genesis
 * reachable at its address. docs/evm.md ("ERC-20 views") states the gas of each method. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/evm/internal.h"

#define GAS_VIEW 2600    /* balanceOf, allowance, totalSupply, decimals, symbol, name */
#define GAS_WRITE 30000  /* transfer, approve */
#define GAS_WRITE2 40000 /* transferFrom */
#define GAS_REGISTER 40000

enum {
	SEL_BALANCE_OF = 0x70a08231,
	SEL_TRANSFER = 0xa9059cbb,
	SEL_TRANSFER_FROM = 0x23b872dd,
	SEL_APPROVE = 0x095ea7b3,
	SEL_ALLOWANCE = 0xdd62ed3e,
	SEL_TOTAL_SUPPLY = 0x18160ddd,
	SEL_DECIMALS = 0x313ce567,
	SEL_SYMBOL = 0x95d89b41,
	SEL_NAME = 0x06fdde03,
	SEL_REGISTER = 0xe1fa8e84, /* register(bytes32) */
};

bool evm_erc20_is_candidate(const addr_t *a) { return a->b[0] == EVM_ERC20_PREFIX0 && a->b[1] == EVM_ERC20_PREFIX1; }

bool evm_erc20_is_registry(const addr_t *a)
{
	static const uint8_t reg[20] = {[18] = EVM_ERC20_PREFIX0, [19] = EVM_ERC20_PREFIX1};
	return memcmp(a->b, reg, 20) == 0;
}

void evm_erc20_address(const uint8_t token[32], addr_t *out)
{
	out->b[0] = EVM_ERC20_PREFIX0;
	out->b[1] = EVM_ERC20_PREFIX1;
	memcpy(out->b + 2, token, 18);
}

void evm_erc20_free(svm_evm_state_t *s)
{
	size_t i = 0;
	svm_map_slot_t *e;
	while ((e = svm_map_next(&s->tokbal, &i))) svm_free(e->value);
	for (i = 0; (e = svm_map_next(&s->allow, &i));) svm_free(e->value);
	svm_map_free(&s->tokbal);
	svm_map_free(&s->allow);
	svm_free(s->regs);
}

int evm_erc20_token_at(svm_evm_state_t *s, const addr_t *a, uint8_t token[32])
{
	if (!evm_erc20_is_candidate(a) || !s->backend || !s->backend->token_at) return 0;
	SVM_ASSERT(s->n_regs <= s->regs_cap && (s->n_regs == 0 || s->regs != NULL));
	for (size_t i = 0; i < s->n_regs; i++)
		if (!memcmp(s->regs[i].addr.b, a->b, 20)) {
			memcpy(token, s->regs[i].token, 32);
			return 1;
		}
	int rc = s->backend->token_at(s->backend->ud, a, token);
	if (rc < 0 && !s->backend_rc) s->backend_rc = rc;
	return rc;
}

/* ------------------------------------------------------------ balances */

static bool is_swr(const svm_evm_state_t *s, const uint8_t *token) { return memcmp(token, s->swr, 32) == 0; }

static tokbal_t *tokbal(svm_evm_state_t *s, const uint8_t *token, const addr_t *a)
{
	uint8_t k[52];
	memcpy(k, token, 32);
	memcpy(k + 32, a->b, 20);
	bool created;
	void **v = svm_map_put(&s->tokbal, k, sizeof k, &created);
	if (!v) return NULL;
	if (created) {
		tokbal_t *t = svm_calloc(1, sizeof *t);
		int rc = t ? s->backend->token_balance(s->backend->ud, token, a, &t->base) : SVM_ENOMEM;
		if (rc) {
			if (!s->backend_rc) s->backend_rc = rc;
			svm_free(t);
			svm_map_del(&s->tokbal, k, sizeof k);
			return NULL;
		}
		t->cur = t->base;
		*v = t;
	}
	return *v;
}

static allow_t *allowance(svm_evm_state_t *s, const uint8_t *token, const addr_t *owner, const addr_t *spender)
{
	uint8_t k[72];
	memcpy(k, token, 32);
	memcpy(k + 32, owner->b, 20);
	memcpy(k + 52, spender->b, 20);
	bool created;
	void **v = svm_map_put(&s->allow, k, sizeof k, &created);
	if (!v) return NULL;
	if (created) {
		allow_t *t = svm_calloc(1, sizeof *t);
		int rc = t ? s->backend->allowance(s->backend->ud, token, owner, spender, &t->base) : SVM_ENOMEM;
		if (rc) {
			if (!s->backend_rc) s->backend_rc = rc;
			svm_free(t);
			svm_map_del(&s->allow, k, sizeof k);
			return NULL;
		}
		t->cur = t->base;
		*v = t;
	}
	return *v;
}

/* The balance of a (token, address) in base units; false on a backend failure. */
static bool balance_of(svm_evm_state_t *s, const uint8_t *token, const addr_t *a, uint64_t *units)
{
	if (is_swr(s, token)) {
		acct_t *x = evm_acct(s, a);
		if (!x || evm_acct_fill(x)) return false;
		u256 unit = u256_u64(1000000000u), q;
		u256_divmod(&q, NULL, &x->balance, &unit);
		*units = u256_fits64(&q) ? q.w[0] : UINT64_MAX;
		return true;
	}
	tokbal_t *t = tokbal(s, token, a);
	if (!t) return false;
	*units = t->cur;
	return true;
}

/* Moves amount from → to. 1 moved, 0 short, < 0 error. */
static int move(svm_evm_state_t *s, const uint8_t *token, const addr_t *from, const addr_t *to, uint64_t amount)
{
	uint64_t have;
	if (!balance_of(s, token, from, &have)) return SVM_ENOMEM;
	if (have < amount) return 0;
	if (amount == 0 || !memcmp(from->b, to->b, 20)) return 1;
	int rc;
	if (is_swr(s, token)) {
		acct_t *f = evm_acct(s, from), *t = evm_acct(s, to);
		if (!f || !t) return SVM_ENOMEM;
		if ((rc = evm_acct_fill(f)) || (rc = evm_acct_fill(t))) return rc;
		u256 w = u256_u64(amount), unit = u256_u64(1000000000u), fb, tb;
		u256_mul(&w, &w, &unit);
		/* have ≥ amount: the balance covers amount · 10^9 wei */
		bool borrow = u256_sub(&fb, &f->balance, &w);
		SVM_ASSERT(!borrow && f != t);
		if (u256_add(&tb, &t->balance, &w)) return 0;
		if ((rc = evm_set_balance(s, f, &fb)) || (rc = evm_set_balance(s, t, &tb))) return rc;
		return 1;
	}
	tokbal_t *f = tokbal(s, token, from), *t = tokbal(s, token, to);
	if (!f || !t) return SVM_ENOMEM;
	if (t->cur > UINT64_MAX - amount) return 0;
	/* two distinct balances, the sender's covering the amount (balance_of read it) */
	SVM_ASSERT(f != t && f->cur >= amount);
	uint64_t total = f->cur + t->cur;
	if ((rc = evm_journal(s, J_TOKBAL, NULL, f, NULL, f->cur))) return rc;
	f->cur -= amount;
	if ((rc = evm_journal(s, J_TOKBAL, NULL, t, NULL, t->cur))) return rc;
	t->cur += amount;
	SVM_ASSERT(f->cur + t->cur == total); /* a transfer conserves the token */
	return 1;
}

/* ----------------------------------------------------------------- ABI */

static void word_u64(uint8_t w[32], uint64_t v)
{
	memset(w, 0, 32);
	svm_put_u64be(w + 24, v);
}

static void word_addr(uint8_t w[32], const addr_t *a)
{
	memset(w, 0, 32);
	memcpy(w + 12, a->b, 20);
}

/* Argument i as an address (its upper 12 bytes zero) or a word. */
static bool arg_addr(const uint8_t *in, size_t len, int i, addr_t *a)
{
	SVM_ASSERT(i >= 0 && i <= 2); /* the methods take at most three arguments */
	const uint8_t *w = in + 4 + 32 * i;
	if (len < 4 + 32u * (i + 1)) return false;
	for (int k = 0; k < 12; k++)
		if (w[k]) return false;
	memcpy(a->b, w + 12, 20);
	return true;
}

static bool arg_word(const uint8_t *in, size_t len, int i, u256 *v)
{
	SVM_ASSERT(i >= 0 && i <= 2);
	if (len < 4 + 32u * (i + 1)) return false;
	svm_u256_from_be(v, in + 4 + 32 * i, 32);
	return true;
}

static int set_out(uint8_t **out, size_t *out_len, const void *p, size_t n)
{
	*out = NULL;
	*out_len = 0;
	if (!n) return 0;
	SVM_ASSERT(p != NULL && n <= 4 + 64 + 96); /* one ABI word, string or revert reason */
	*out = svm_malloc(n);
	if (!*out) return SVM_ENOMEM;
	memcpy(*out, p, n);
	*out_len = n;
	return 0;
}

/* Error(string) revert data */
int evm_revert_with(uint8_t **out, size_t *out_len, bool *reverted, const char *msg)
{
	size_t n = strlen(msg), padded = (n + 31) / 32 * 32;
	uint8_t buf[4 + 64 + 96] = {0x08, 0xc3, 0x79, 0xa0};
	SVM_ASSERT(padded <= 96);
	word_u64(buf + 4, 32);
	word_u64(buf + 36, n);
	memcpy(buf + 68, msg, n);
	*reverted = true;
	int rc = set_out(out, out_len, buf, 68 + padded);
	return rc ? rc : 0;
}

static int return_string(uint8_t **out, size_t *out_len, const char *str)
{
	size_t n = strlen(str);
	uint8_t buf[96] = {0};
	SVM_ASSERT(n <= 32);
	word_u64(buf, 32);
	word_u64(buf + 32, n);
	memcpy(buf + 64, str, n);
	return set_out(out, out_len, buf, 64 + (n + 31) / 32 * 32);
}

static int log_event(svm_evm_state_t *s, const addr_t *token_addr, const char *sig, const addr_t *a, const addr_t *b,
		     uint64_t value)
{
	uint8_t topics[3][32], data[32];
	svm_keccak256(sig, strlen(sig), topics[0]);
	word_addr(topics[1], a);
	word_addr(topics[2], b);
	word_u64(data, value);
	return evm_log(s, token_addr, (const uint8_t(*)[32])topics, 3, data, 32);
}

static int do_register(svm_evm_state_t *s, const uint8_t *in, size_t len, uint8_t **out, size_t *out_len,
		       bool *reverted)
{
	if (len != 36) return evm_revert_with(out, out_len, reverted, "register(bytes32): bad input");
	const uint8_t *token = in + 4;
	uint8_t dec;
	uint64_t supply;
	char sym[17];
	int rc = s->backend->token_info(s->backend->ud, token, &dec, &supply, sym);
	if (rc == SVM_ENOTFOUND) return evm_revert_with(out, out_len, reverted, "register: no such ledger token");
	if (rc) return rc;
	addr_t a;
	evm_erc20_address(token, &a);
	uint8_t have[32];
	int k = evm_erc20_token_at(s, &a, have);
	if (k < 0) return k;
	if (k == 0) {
		if (s->n_regs == s->regs_cap) {
			size_t nc = s->regs_cap ? 2 * s->regs_cap : 4;
			tokreg_t *r = svm_realloc(s->regs, nc * sizeof *r);
			if (!r) return SVM_ENOMEM;
			s->regs = r;
			s->regs_cap = nc;
		}
		if ((rc = evm_journal(s, J_REG, NULL, NULL, NULL, 0))) return rc;
		SVM_ASSERT(s->n_regs < s->regs_cap);
		s->regs[s->n_regs].addr = a;
		memcpy(s->regs[s->n_regs].token, token, 32);
		s->n_regs++;
	} else if (memcmp(have, token, 32)) {
		return evm_revert_with(out, out_len, reverted, "register: address taken by another token");
	}
	uint8_t w[32];
	word_addr(w, &a);
	return set_out(out, out_len, w, 32) ? SVM_ENOMEM : 1;
}

int evm_erc20_run(svm_evm_state_t *s, const uint8_t *token, bool registry, const addr_t *caller,
		  const uint8_t *in, size_t len, bool is_static, int64_t *gas, uint8_t **out, size_t *out_len,
		  bool *reverted)
{
	*out = NULL;
	*out_len = 0;
	*reverted = false;
	SVM_ASSERT(*gas >= 0 && (registry || token != NULL));
	if (len < 4) return evm_revert_with(out, out_len, reverted, "ERC20: no method") ? SVM_ENOMEM : 0;
	uint32_t sel = (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
	bool write = sel == SEL_TRANSFER || sel == SEL_APPROVE || sel == SEL_TRANSFER_FROM || registry;
	int64_t cost = registry ? GAS_REGISTER : sel == SEL_TRANSFER_FROM ? GAS_WRITE2
					 : write                          ? GAS_WRITE
									  : GAS_VIEW;
	if (*gas < cost) {
		*gas = 0;
		return 0;
	}
	*gas -= cost;
	if (write && is_static) return evm_revert_with(out, out_len, reverted, "ERC20: state change in a static call") ? SVM_ENOMEM : 0;
	int rc;
	if (registry) {
		if (sel != SEL_REGISTER) return evm_revert_with(out, out_len, reverted, "registry: unknown method") ? SVM_ENOMEM : 0;
		rc = do_register(s, in, len, out, out_len, reverted);
		SVM_ASSERT(rc < 0 || rc == (*reverted ? 0 : 1)); /* registered, or a reason */
		return rc < 0 ? rc : (*reverted ? 0 : 1);
	}
	addr_t self, a, b;
	evm_erc20_address(token, &self);
	u256 v;
	uint8_t w[32];
	uint64_t units = 0;
	switch (sel) {
	case SEL_BALANCE_OF:
		if (!arg_addr(in, len, 0, &a)) break;
		if (!balance_of(s, token, &a, &units)) return SVM_ENOMEM;
		word_u64(w, units);
		return set_out(out, out_len, w, 32) ? SVM_ENOMEM : 1;
	case SEL_ALLOWANCE: {
		if (!arg_addr(in, len, 0, &a) || !arg_addr(in, len, 1, &b)) break;
		allow_t *al = allowance(s, token, &a, &b);
		if (!al) return SVM_ENOMEM;
		svm_u256_to_be(&al->cur, w);
		return set_out(out, out_len, w, 32) ? SVM_ENOMEM : 1;
	}
	case SEL_TOTAL_SUPPLY:
	case SEL_DECIMALS:
	case SEL_SYMBOL:
	case SEL_NAME: {
		uint8_t dec;
		uint64_t supply;
		char sym[17] = "";
		if ((rc = s->backend->token_info(s->backend->ud, token, &dec, &supply, sym))) return rc;
		if (sel == SEL_SYMBOL || sel == SEL_NAME) return return_string(out, out_len, sym) ? SVM_ENOMEM : 1;
		word_u64(w, sel == SEL_DECIMALS ? dec : supply);
		return set_out(out, out_len, w, 32) ? SVM_ENOMEM : 1;
	}
	case SEL_TRANSFER:
	case SEL_TRANSFER_FROM: {
		const addr_t *from = caller;
		int i = 0;
		if (sel == SEL_TRANSFER_FROM) {
			if (!arg_addr(in, len, 0, &a)) break;
			from = &a;
			i = 1;
		}
		if (!arg_addr(in, len, i, &b) || !arg_word(in, len, i + 1, &v)) break;
		if (!u256_fits64(&v)) return evm_revert_with(out, out_len, reverted, "ERC20: amount above the ledger's 64 bits") ? SVM_ENOMEM : 0;
		if (sel == SEL_TRANSFER_FROM && memcmp(from->b, caller->b, 20)) {
			allow_t *al = allowance(s, token, from, caller);
			if (!al) return SVM_ENOMEM;
			if (u256_cmp(&al->cur, &v) < 0) return evm_revert_with(out, out_len, reverted, "ERC20: insufficient allowance") ? SVM_ENOMEM : 0;
			u256 all = {{UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX}};
			if (!u256_eq(&al->cur, &all)) { /* an unlimited allowance stays unlimited */
				if ((rc = evm_journal(s, J_ALLOW, NULL, al, &al->cur, 0))) return rc;
				bool borrow = u256_sub(&al->cur, &al->cur, &v);
				SVM_ASSERT(!borrow); /* the allowance covered v */
			}
		}
		rc = move(s, token, from, &b, v.w[0]);
		if (rc < 0) return rc;
		if (rc == 0) return evm_revert_with(out, out_len, reverted, "ERC20: transfer amount exceeds balance") ? SVM_ENOMEM : 0;
		if ((rc = log_event(s, &self, "Transfer(address,address,uint256)", from, &b, v.w[0]))) return rc;
		word_u64(w, 1);
		return set_out(out, out_len, w, 32) ? SVM_ENOMEM : 1;
	}
	case SEL_APPROVE: {
		if (!arg_addr(in, len, 0, &b) || !arg_word(in, len, 1, &v)) break;
		allow_t *al = allowance(s, token, caller, &b);
		if (!al) return SVM_ENOMEM;
		if ((rc = evm_journal(s, J_ALLOW, NULL, al, &al->cur, 0))) return rc;
		al->cur = v;
		uint8_t topics[3][32], data[32];
		static const char approval[] = "Approval(address,address,uint256)";
		/* the signature's 33 characters, not its NUL (hashing 34 gave a non-standard topic) */
		svm_keccak256(approval, sizeof approval - 1, topics[0]);
		word_addr(topics[1], caller);
		word_addr(topics[2], &b);
		svm_u256_to_be(&v, data);
		if ((rc = evm_log(s, &self, (const uint8_t(*)[32])topics, 3, data, 32))) return rc;
		word_u64(w, 1);
		return set_out(out, out_len, w, 32) ? SVM_ENOMEM : 1;
	}
	default:
		return evm_revert_with(out, out_len, reverted, "ERC20: unknown method") ? SVM_ENOMEM : 0;
	}
	return evm_revert_with(out, out_len, reverted, "ERC20: bad arguments") ? SVM_ENOMEM : 0;
}

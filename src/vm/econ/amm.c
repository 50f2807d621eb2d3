/* The constant-product AMM: pools between two ledger tokens, liquidity shares as a ledger
 * token, exact-in and exact-out swaps. All arithmetic is exact (128-bit intermediates, checked
 * u64 results) and rounds in the pool's favour; docs/economics.md derives each formula. */
#include <string.h>

#include "supervm/econ.h"

typedef unsigned __int128 u128;

/* ------------------------------------------------------------------ ids */

void svm_amm_pool_id(const svm_id_t *a, const svm_id_t *b, uint64_t fee_bps, svm_id_t *out)
{
	uint8_t be[8];
	svm_put_u64be(be, fee_bps);
	svm_slice_t parts[3] = {{a->b, SVM_HASH_SIZE}, {b->b, SVM_HASH_SIZE}, {be, 8}};
	svm_sha256_tagged("svm/amm/pool", parts, 3, out);
}

void svm_amm_lp_token(const svm_id_t *pool, svm_id_t *out)
{
	svm_slice_t part = {pool->b, SVM_HASH_SIZE};
	svm_sha256_tagged("svm/amm/lp", &part, 1, out);
}

int svm_amm_pool_encode(const svm_amm_pool_t *p, svm_buf_t *out)
{
	int rc = svm_buf_append(out, p->a.b, SVM_HASH_SIZE);
	if (!rc) rc = svm_buf_append(out, p->b.b, SVM_HASH_SIZE);
	if (!rc) rc = svm_varint_append(out, p->fee_bps);
	if (!rc) rc = svm_varint_append(out, p->ra);
	if (!rc) rc = svm_varint_append(out, p->rb);
	return rc;
}

int svm_amm_pool_decode(const uint8_t *payload, size_t len, svm_amm_pool_t *p)
{
	svm_reader_t r = svm_reader(payload, len);
	if (svm_reader_copy(&r, p->a.b, SVM_HASH_SIZE) || svm_reader_copy(&r, p->b.b, SVM_HASH_SIZE) ||
	    svm_varint_read(&r, &p->fee_bps) || svm_varint_read(&r, &p->ra) ||
	    svm_varint_read(&r, &p->rb) || svm_reader_left(&r))
		return SVM_EDECODE;
	if (memcmp(p->a.b, p->b.b, SVM_HASH_SIZE) >= 0 || p->fee_bps >= SVM_AMM_BPS || p->ra == 0 ||
	    p->rb == 0)
		return SVM_EDECODE;
	return 0;
}

/* ---------------------------------------------------------------- curve */

static int to_u64(u128 v, uint64_t *out)
{
	if (v > UINT64_MAX) return SVM_EOVERFLOW;
	*out = (uint64_t)v;
	return 0;
}

int svm_amm_quote_in(uint64_t r_in, uint64_t r_out, uint64_t fee_bps, uint64_t amount_in,
		     uint64_t *amount_out)
{
	if (r_in == 0 || r_out == 0 || amount_in == 0 || fee_bps >= SVM_AMM_BPS) return SVM_EINVAL;
	uint64_t sum;
	if (!svm_add_u64(r_in, amount_in, &sum)) return SVM_EOVERFLOW; /* the new reserve */
	/* in_net·r_out < 2^78·2^64 and r_in·B + in_net < 2^79: no 128-bit overflow */
	u128 in_net = (u128)amount_in * (SVM_AMM_BPS - fee_bps);
	u128 out = in_net * r_out / ((u128)r_in * SVM_AMM_BPS + in_net);
	if (out == 0) return SVM_EINVAL; /* the input buys nothing */
	SVM_ASSERT(out < r_out);
	*amount_out = (uint64_t)out;     /* < r_out */
	return 0;
}

int svm_amm_quote_out(uint64_t r_in, uint64_t r_out, uint64_t fee_bps, uint64_t amount_out,
		      uint64_t *amount_in)
{
	if (r_in == 0 || r_out == 0 || amount_out == 0 || amount_out >= r_out ||
	    fee_bps >= SVM_AMM_BPS)
		return SVM_EINVAL;
	u128 left = r_out - amount_out;
	u128 base = ((u128)r_in * amount_out + left - 1) / left; /* ceil(r_in·out / left) */
	if (base > UINT64_MAX) return SVM_EOVERFLOW;
	u128 gross = (base * SVM_AMM_BPS + (SVM_AMM_BPS - fee_bps) - 1) / (SVM_AMM_BPS - fee_bps);
	int rc = to_u64(gross, amount_in);
	uint64_t sum;
	if (rc == 0 && !svm_add_u64(r_in, *amount_in, &sum)) rc = SVM_EOVERFLOW;
	if (SVM_ASSERT_ON && rc == 0) { /* rounded up: paying it buys at least what was asked */
		uint64_t got = 0;
		SVM_ASSERT(svm_amm_quote_in(r_in, r_out, fee_bps, *amount_in, &got) == 0 && got >= amount_out);
	}
	return rc;
}

int svm_amm_quote_add(uint64_t ra, uint64_t rb, uint64_t supply, uint64_t max_a, uint64_t max_b,
		      uint64_t *shares, uint64_t *take_a, uint64_t *take_b)
{
	if (ra == 0 || rb == 0 || supply == 0 || max_a == 0 || max_b == 0) return SVM_EINVAL;
	u128 sa = (u128)max_a * supply / ra, sb = (u128)max_b * supply / rb;
	u128 s = sa < sb ? sa : sb;
	if (s == 0) return SVM_EINVAL;
	if (s > UINT64_MAX - supply) return SVM_EOVERFLOW; /* the share supply */
	u128 ta = (s * ra + supply - 1) / supply, tb = (s * rb + supply - 1) / supply;
	/* ta ≤ max_a and tb ≤ max_b: s ≤ max·S/r, so s·r/S ≤ max and its ceiling too */
	SVM_ASSERT(ta <= max_a && tb <= max_b && ta > 0 && tb > 0);
	uint64_t sum;
	if (!svm_add_u64(ra, (uint64_t)ta, &sum) || !svm_add_u64(rb, (uint64_t)tb, &sum))
		return SVM_EOVERFLOW;
	*shares = (uint64_t)s;
	*take_a = (uint64_t)ta;
	*take_b = (uint64_t)tb;
	return 0;
}

int svm_amm_quote_remove(uint64_t ra, uint64_t rb, uint64_t supply, uint64_t shares,
			 uint64_t *out_a, uint64_t *out_b)
{
	if (supply == 0 || shares == 0 || shares > supply) return SVM_EINVAL;
	*out_a = (uint64_t)((u128)shares * ra / supply);
	*out_b = (uint64_t)((u128)shares * rb / supply);
	SVM_ASSERT(*out_a <= ra && *out_b <= rb);
	return 0;
}

/* floor(sqrt(v)) for a 128-bit v: Newton's iteration from a power of two above the root
 * decreases monotonically to it (bounded: the error halves each step). */
static uint64_t isqrt128(u128 v)
{
	if (v < 2) return (uint64_t)v;
	uint64_t hi = (uint64_t)(v >> 64);
	unsigned bits = hi ? 128 - (unsigned)__builtin_clzll(hi) : 64 - (unsigned)__builtin_clzll((uint64_t)v);
	u128 x = (u128)1 << ((bits + 1) / 2); /* ≥ sqrt(v) */
	for (int i = 0; i < 130; i++) {
		u128 y = (x + v / x) / 2;
		if (y >= x) break;
		x = y;
	}
	/* the floor of the root: x² ≤ v < (x + 1)² (v < 2^128: x < 2^64) */
	SVM_ASSERT(x <= UINT64_MAX && x * x <= v && (x == UINT64_MAX || (x + 1) * (x + 1) > v));
	return (uint64_t)x;
}

int svm_amm_quote_create(uint64_t amount_a, uint64_t amount_b, uint64_t *shares)
{
	if (amount_a == 0 || amount_b == 0) return SVM_EINVAL;
	uint64_t s = isqrt128((u128)amount_a * amount_b);
	if (s <= SVM_AMM_LOCKED_SHARES) return SVM_EINVAL;
	*shares = s;
	return 0;
}

/* -------------------------------------------------------------- payload */

typedef struct {
	uint64_t method;
	svm_id_t x, y;
	uint64_t fee_bps, v1, v2, v3;
} call_t;

int svm_amm_payload(svm_buf_t *out, uint64_t method, const svm_id_t *x, const svm_id_t *y,
		    uint64_t fee_bps, uint64_t v1, uint64_t v2, uint64_t v3)
{
	int rc = svm_varint_append(out, SVM_PROGRAM_AMM);
	if (!rc) rc = svm_varint_append(out, method);
	if (!rc) rc = svm_buf_append(out, x->b, SVM_HASH_SIZE);
	if (!rc) rc = svm_buf_append(out, y->b, SVM_HASH_SIZE);
	if (!rc) rc = svm_varint_append(out, fee_bps);
	if (!rc) rc = svm_varint_append(out, v1);
	if (!rc) rc = svm_varint_append(out, v2);
	if (!rc) rc = svm_varint_append(out, v3);
	return rc;
}

static int parse(const uint8_t *p, size_t len, call_t *c)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t program;
	if (svm_varint_read(&r, &program) || program != SVM_PROGRAM_AMM ||
	    svm_varint_read(&r, &c->method) || c->method < SVM_AMM_CREATE ||
	    c->method > SVM_AMM_SWAP_OUT || svm_reader_copy(&r, c->x.b, SVM_HASH_SIZE) ||
	    svm_reader_copy(&r, c->y.b, SVM_HASH_SIZE) || svm_varint_read(&r, &c->fee_bps) ||
	    svm_varint_read(&r, &c->v1) || svm_varint_read(&r, &c->v2) ||
	    svm_varint_read(&r, &c->v3) || svm_reader_left(&r))
		return SVM_EDECODE;
	return 0;
}

/* The pool's (a, b) from a call's (x, y): liquidity calls name them in order, swaps in trade
 * direction. Returns false for a malformed pair (equal tokens, or out of order). */
static bool pair(const call_t *c, svm_id_t *a, svm_id_t *b)
{
	int d = memcmp(c->x.b, c->y.b, SVM_HASH_SIZE);
	if (d == 0) return false;
	bool swap = c->method == SVM_AMM_SWAP_IN || c->method == SVM_AMM_SWAP_OUT;
	if (!swap && d > 0) return false;
	*a = d < 0 ? c->x : c->y;
	*b = d < 0 ? c->y : c->x;
	return true;
}

int svm_amm_access(const svm_id_t *sender, const uint8_t *payload, size_t len, svm_id_t *ids,
		   size_t max, size_t *n)
{
	call_t c;
	svm_id_t a, b, pool, lp;
	if (parse(payload, len, &c) || !pair(&c, &a, &b)) return SVM_EDECODE;
	if (max < 9) return SVM_ELIMIT;
	svm_amm_pool_id(&a, &b, c.fee_bps, &pool);
	size_t k = 0;
	ids[k++] = pool;
	svm_balance_id(&a, sender, &ids[k++]);
	svm_balance_id(&b, sender, &ids[k++]);
	svm_balance_id(&a, &pool, &ids[k++]);
	svm_balance_id(&b, &pool, &ids[k++]);
	if (c.method <= SVM_AMM_REMOVE) {
		svm_amm_lp_token(&pool, &lp);
		svm_token_object_id(&lp, &ids[k++]);
		svm_balance_id(&lp, sender, &ids[k++]);
	}
	if (c.method == SVM_AMM_CREATE) svm_balance_id(&lp, &pool, &ids[k++]);
	*n = k;
	return 0;
}

/* ------------------------------------------------------------ execution */

static int pool_get(svm_txctx_t *c, const svm_id_t *id, svm_amm_pool_t *p)
{
	svm_object_t o;
	int rc = svm_host_get(c, id, &o);
	if (rc) return rc;
	if (o.type != SVM_OBJ_STORAGE || o.owner_kind != SVM_OWNER_SHARED ||
	    svm_amm_pool_decode(o.payload, o.payload_len, p))
		return SVM_EIO;
	return 0;
}

static int pool_put(svm_txctx_t *c, const svm_id_t *id, const svm_amm_pool_t *p)
{
	uint8_t buf[2 * SVM_HASH_SIZE + 3 * SVM_VARINT_MAX];
	svm_buf_t b = {.data = buf, .cap = sizeof buf, .cap_max = sizeof buf};
	int rc = svm_amm_pool_encode(p, &b);
	SVM_ASSERT(rc != SVM_ELIMIT && b.data == buf); /* two ids and three varints always fit */
	svm_object_t o = {.id = *id, .owner_kind = SVM_OWNER_SHARED, .type = SVM_OBJ_STORAGE,
			  .payload = b.data, .payload_len = b.len};
	return rc ? rc : svm_host_put(c, &o);
}

/* The invariant after a swap: (ra'·rb') ≥ (ra·rb). A violation is a bug, never the trader's
 * input: the transaction fails as a state error. */
static int check_k(const svm_amm_pool_t *before, const svm_amm_pool_t *after)
{
	return (u128)after->ra * after->rb >= (u128)before->ra * before->rb ? 0 : SVM_EIO;
}

static int emit(svm_txctx_t *c, const svm_id_t *pool, const char *topic, uint64_t v1,
		uint64_t v2, uint64_t v3)
{
	uint8_t data[SVM_HASH_SIZE + 24];
	memcpy(data, pool->b, SVM_HASH_SIZE);
	svm_put_u64be(data + 32, v1);
	svm_put_u64be(data + 40, v2);
	svm_put_u64be(data + 48, v3);
	return svm_host_emit(c, pool, topic, strlen(topic), data, sizeof data);
}

static int do_create(svm_txctx_t *c, const call_t *k, const svm_id_t *pool_id)
{
	const svm_id_t *me = &c->tx->sender;
	svm_params_t params;
	svm_amm_pool_t p = {.a = k->x, .b = k->y, .fee_bps = k->fee_bps, .ra = k->v1, .rb = k->v2};
	svm_amm_pool_t old;
	uint64_t shares;
	svm_id_t lp;
	int rc = svm_params_get(c, &params);
	if (rc) return rc;
	if (k->fee_bps > params.amm_fee_bps_max) return SVM_EINVAL;
	rc = pool_get(c, pool_id, &old);
	if (rc == 0) return SVM_EEXIST;
	if (rc != SVM_ENOTFOUND) return rc;
	rc = svm_amm_quote_create(k->v1, k->v2, &shares);
	if (rc) return rc;
	if (shares - SVM_AMM_LOCKED_SHARES < k->v3) return SVM_ELIMIT;
	svm_amm_lp_token(pool_id, &lp);
	rc = svm_ledger_transfer(c, &p.a, me, pool_id, p.ra);
	if (!rc) rc = svm_ledger_transfer(c, &p.b, me, pool_id, p.rb);
	if (!rc) rc = svm_ledger_token_create(c, &lp, SVM_AMM_LP_SYMBOL, SVM_AMM_LP_DECIMALS);
	if (!rc) rc = svm_ledger_mint(c, &lp, pool_id, SVM_AMM_LOCKED_SHARES);
	if (!rc) rc = svm_ledger_mint(c, &lp, me, shares - SVM_AMM_LOCKED_SHARES);
	if (!rc) rc = pool_put(c, pool_id, &p);
	if (!rc) rc = emit(c, pool_id, "amm/create", p.ra, p.rb, shares);
	if (!rc) {
		c->return_data = svm_arena_dup(c->arena, pool_id->b, SVM_HASH_SIZE);
		c->return_data_len = c->return_data ? SVM_HASH_SIZE : 0;
	}
	return rc;
}

static int do_add(svm_txctx_t *c, const call_t *k, const svm_id_t *pool_id, svm_amm_pool_t *p)
{
	const svm_id_t *me = &c->tx->sender;
	svm_id_t lp;
	svm_token_info_t info;
	uint64_t shares, ta, tb;
	svm_amm_lp_token(pool_id, &lp);
	int rc = svm_ledger_token(c, &lp, &info);
	if (rc) return rc == SVM_ENOTFOUND ? SVM_EIO : rc;
	rc = svm_amm_quote_add(p->ra, p->rb, info.supply, k->v1, k->v2, &shares, &ta, &tb);
	if (rc) return rc;
	if (shares < k->v3) return SVM_ELIMIT;
	rc = svm_ledger_transfer(c, &p->a, me, pool_id, ta);
	if (!rc) rc = svm_ledger_transfer(c, &p->b, me, pool_id, tb);
	if (!rc) rc = svm_ledger_mint(c, &lp, me, shares);
	p->ra += ta; /* checked by the quote */
	p->rb += tb;
	if (!rc) rc = pool_put(c, pool_id, p);
	return rc ? rc : emit(c, pool_id, "amm/add", ta, tb, shares);
}

static int do_remove(svm_txctx_t *c, const call_t *k, const svm_id_t *pool_id,
		     svm_amm_pool_t *p)
{
	const svm_id_t *me = &c->tx->sender;
	svm_id_t lp;
	svm_token_info_t info;
	uint64_t oa, ob;
	svm_amm_lp_token(pool_id, &lp);
	int rc = svm_ledger_token(c, &lp, &info);
	if (rc) return rc == SVM_ENOTFOUND ? SVM_EIO : rc;
	rc = svm_amm_quote_remove(p->ra, p->rb, info.supply, k->v1, &oa, &ob);
	if (rc) return rc;
	if (oa < k->v2 || ob < k->v3) return SVM_ELIMIT;
	/* the locked shares stay in the supply, so these are below the reserves */
	if (oa >= p->ra || ob >= p->rb) return SVM_EIO;
	rc = svm_ledger_burn(c, &lp, me, k->v1);
	if (!rc) rc = svm_ledger_transfer(c, &p->a, pool_id, me, oa);
	if (!rc) rc = svm_ledger_transfer(c, &p->b, pool_id, me, ob);
	p->ra -= oa;
	p->rb -= ob;
	if (!rc) rc = pool_put(c, pool_id, p);
	return rc ? rc : emit(c, pool_id, "amm/remove", oa, ob, k->v1);
}

static int do_swap(svm_txctx_t *c, const call_t *k, const svm_id_t *pool_id, svm_amm_pool_t *p)
{
	const svm_id_t *me = &c->tx->sender;
	bool a_in = svm_hash_eq(&k->x, &p->a);
	uint64_t *r_in = a_in ? &p->ra : &p->rb, *r_out = a_in ? &p->rb : &p->ra;
	uint64_t in, out;
	int rc;
	if (k->v3 != 0) return SVM_EINVAL; /* reserved, must be 0 */
	if (k->method == SVM_AMM_SWAP_IN) {
		in = k->v1;
		rc = svm_amm_quote_in(*r_in, *r_out, p->fee_bps, in, &out);
		if (rc == 0 && out < k->v2) rc = SVM_ELIMIT;
	} else {
		out = k->v1;
		rc = svm_amm_quote_out(*r_in, *r_out, p->fee_bps, out, &in);
		if (rc == 0 && in > k->v2) rc = SVM_ELIMIT;
	}
	if (rc) return rc;
	svm_amm_pool_t before = *p;
	rc = svm_ledger_transfer(c, &k->x, me, pool_id, in);
	if (!rc) rc = svm_ledger_transfer(c, &k->y, pool_id, me, out);
	*r_in += in; /* the quotes checked the new reserve */
	*r_out -= out;
	if (!rc) rc = check_k(&before, p);
	if (!rc) rc = pool_put(c, pool_id, p);
	return rc ? rc : emit(c, pool_id, "amm/swap", in, out, a_in);
}

int svm_amm_execute(svm_txctx_t *c, const uint8_t *payload, size_t len)
{
	call_t k;
	svm_id_t a, b, pool_id;
	if (parse(payload, len, &k)) return SVM_EDECODE;
	if (!pair(&k, &a, &b)) return SVM_EINVAL;
	if (k.fee_bps >= SVM_AMM_BPS) return SVM_EINVAL;
	svm_amm_pool_id(&a, &b, k.fee_bps, &pool_id);
	if (k.method == SVM_AMM_CREATE) return do_create(c, &k, &pool_id);
	svm_amm_pool_t p;
	int rc = pool_get(c, &pool_id, &p);
	if (rc) return rc;
	switch (k.method) {
	case SVM_AMM_ADD:
		return do_add(c, &k, &pool_id, &p);
	case SVM_AMM_REMOVE:
		return do_remove(c, &k, &pool_id, &p);
	default:
		return do_swap(c, &k, &pool_id, &p);
	}
}

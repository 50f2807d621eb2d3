/* Governance (native program 4): proposals with a deposit, stake-weighted voting with delegator
 * override, quorum and threshold against the active set's stake, and execution — parameter
 * changes, upgrade plans, treasury spends (the only way SWR leaves the treasury) and text. */
#include <string.h>

#include "supervm/econ.h"
#include "supervm/verify.h"

_Static_assert(SVM_GOV_BODY_MAX >= 2 + 2 * SVM_ATTEST_PINS_MAX * 32, "a pins list fits a proposal body");
_Static_assert(SVM_GOV_BODY_MAX >= 64 + 16 * SVM_GOV_CHANGES_MAX, "a parameter change fits");

typedef unsigned __int128 u128;

void svm_gov_proposal_id(const svm_id_t *proposer, uint64_t nonce, svm_id_t *out)
{
	uint8_t be[8];
	svm_put_u64be(be, nonce);
	svm_slice_t parts[2] = {{proposer->b, 32}, {be, 8}};
	svm_sha256_tagged("svm/gov/prop", parts, 2, out);
}

void svm_upgrade_id(svm_id_t *out) { svm_sha256_tagged("svm/upgrade", NULL, 0, out); }

static void ballot_id(const svm_id_t *prop, const svm_id_t *voter, const svm_id_t *val, svm_id_t *out)
{
	svm_slice_t parts[3] = {{prop->b, 32}, {voter->b, 32}, {val->b, 32}};
	svm_sha256_tagged("svm/gov/ballot", parts, 3, out);
}

static void override_id(const svm_id_t *prop, const svm_id_t *val, svm_id_t *out)
{
	svm_slice_t parts[2] = {{prop->b, 32}, {val->b, 32}};
	svm_sha256_tagged("svm/gov/ovr", parts, 2, out);
}


/* ------------------------------------------------------------ encodings */

int svm_proposal_encode(const svm_proposal_t *p, svm_buf_t *out)
{
	int rc = svm_buf_append(out, p->proposer.b, 32);
	const uint64_t f[9] = {p->nonce, p->kind, p->deposit, p->start_height, p->end_height, p->status,
			       p->tally[0], p->tally[1], p->tally[2]};
	for (int i = 0; !rc && i < 9; i++) rc = svm_varint_append(out, f[i]);
	if (!rc) rc = svm_varint_append(out, p->body_len);
	if (!rc) rc = svm_buf_append(out, p->body, p->body_len);
	return rc;
}

/* Checks a proposal body of its kind (canonical, complete, within bounds). */
static int body_check(uint64_t kind, const uint8_t *b, size_t len)
{
	svm_reader_t r = svm_reader(b, len);
	uint64_t n, x, y;
	uint8_t id[32];
	switch (kind) {
	case SVM_PROPOSAL_PARAMS:
		if (svm_varint_read(&r, &n) || n == 0 || n > SVM_GOV_CHANGES_MAX) return SVM_EDECODE;
		for (uint64_t i = 0; i < n; i++)
			if (svm_varint_read(&r, &x) || x >= svm_params_fields_len || svm_varint_read(&r, &y))
				return SVM_EDECODE;
		break;
	case SVM_PROPOSAL_UPGRADE:
		if (svm_varint_read(&r, &x) || svm_varint_read(&r, &n) || n == 0 ||
		    n > SVM_UPGRADE_VERSION_MAX || svm_reader_bytes(&r, n, &(const uint8_t *){0}))
			return SVM_EDECODE;
		break;
	case SVM_PROPOSAL_TREASURY:
		if (svm_reader_copy(&r, id, 32) || svm_varint_read(&r, &x)) return SVM_EDECODE;
		break;
	case SVM_PROPOSAL_TEXT:
		if (svm_reader_copy(&r, id, 32)) return SVM_EDECODE;
		break;
	case SVM_PROPOSAL_ATTEST_PINS: { /* canonical (the decoder rejects trailing bytes), not empty */
		svm_attest_pins_t pins;
		if (svm_attest_pins_decode(b, len, &pins) || pins.n_amd_ark + pins.n_intel_root == 0)
			return SVM_EDECODE;
		return 0;
	}
	default:
		return SVM_EDECODE;
	}
	return svm_reader_left(&r) ? SVM_EDECODE : 0;
}

int svm_proposal_decode(const uint8_t *payload, size_t len, svm_proposal_t *p)
{
	svm_reader_t r = svm_reader(payload, len);
	uint64_t *f[9] = {&p->nonce, &p->kind, &p->deposit, &p->start_height, &p->end_height, &p->status,
			  &p->tally[0], &p->tally[1], &p->tally[2]};
	uint64_t bl;
	if (svm_reader_copy(&r, p->proposer.b, 32)) return SVM_EDECODE;
	for (int i = 0; i < 9; i++)
		if (svm_varint_read(&r, f[i])) return SVM_EDECODE;
	if (svm_varint_read(&r, &bl) || bl > sizeof p->body || svm_reader_copy(&r, p->body, bl) ||
	    svm_reader_left(&r) || p->status > SVM_PROP_CLOSED)
		return SVM_EDECODE;
	p->body_len = (size_t)bl;
	return body_check(p->kind, p->body, p->body_len);
}

bool svm_proposal_passes(const svm_proposal_t *p, const svm_params_t *params, uint64_t total)
{
	u128 voted = (u128)p->tally[0] + p->tally[1] + p->tally[2];
	if (total == 0 || voted * 10000 < (u128)total * params->gov_quorum_bps) return false;
	u128 decisive = (u128)p->tally[0] + p->tally[1];
	return decisive > 0 && (u128)p->tally[0] * 10000 > decisive * params->gov_threshold_bps;
}

int svm_upgrade_check(const uint8_t *payload, size_t len, uint64_t height, const char *version,
		      svm_error_t *err)
{
	svm_reader_t r = svm_reader(payload, len);
	uint64_t at, n;
	const uint8_t *v;
	if (svm_varint_read(&r, &at) || svm_varint_read(&r, &n) || n == 0 || n > SVM_UPGRADE_VERSION_MAX ||
	    svm_reader_bytes(&r, n, &v) || svm_reader_left(&r))
		return svm_error_set(err, SVM_EIO, "upgrade plan: unreadable");
	if (height < at || (strlen(version) == n && memcmp(version, v, n) == 0)) return 0;
	return svm_error_set(err, SVM_EUNSUPPORTED,
			     "upgrade plan: from height %llu this chain requires version %.*s; this node "
			     "runs %s — stopping (install %.*s and restart)",
			     (unsigned long long)at, (int)n, (const char *)v, version, (int)n, (const char *)v);
}

/* ------------------------------------------------------------- payloads */

int svm_gov_submit_payload(svm_buf_t *out, uint64_t kind, uint64_t deposit, const uint8_t *body,
			   size_t body_len)
{
	int rc = svm_varint_append(out, SVM_PROGRAM_GOV);
	if (!rc) rc = svm_varint_append(out, SVM_GOV_SUBMIT);
	if (!rc) rc = svm_varint_append(out, kind);
	if (!rc) rc = svm_varint_append(out, deposit);
	if (!rc) rc = svm_buf_append(out, body, body_len);
	return rc;
}

int svm_gov_payload(svm_buf_t *out, uint64_t method, const svm_id_t *proposal,
		    const svm_id_t *validator, uint64_t option)
{
	int rc = svm_varint_append(out, SVM_PROGRAM_GOV);
	if (!rc) rc = svm_varint_append(out, method);
	if (!rc) rc = svm_buf_append(out, proposal->b, 32);
	if (!rc && method == SVM_GOV_VOTE) {
		rc = svm_buf_append(out, validator->b, 32);
		if (!rc) rc = svm_varint_append(out, option);
	}
	return rc;
}

typedef struct {
	uint64_t method, kind, deposit, option;
	svm_id_t prop, val;
	const uint8_t *body;
	size_t body_len;
} call_t;

static int parse(const uint8_t *p, size_t len, call_t *c)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t program;
	memset(c, 0, sizeof *c);
	if (svm_varint_read(&r, &program) || program != SVM_PROGRAM_GOV || svm_varint_read(&r, &c->method))
		return SVM_EDECODE;
	switch (c->method) {
	case SVM_GOV_SUBMIT:
		if (svm_varint_read(&r, &c->kind) || svm_varint_read(&r, &c->deposit)) return SVM_EDECODE;
		c->body_len = svm_reader_left(&r);
		if (c->body_len > sizeof ((svm_proposal_t *)0)->body ||
		    svm_reader_bytes(&r, c->body_len, &c->body) || body_check(c->kind, c->body, c->body_len))
			return SVM_EDECODE;
		return 0;
	case SVM_GOV_VOTE:
		if (svm_reader_copy(&r, c->prop.b, 32) || svm_reader_copy(&r, c->val.b, 32) ||
		    svm_varint_read(&r, &c->option) || c->option > SVM_VOTE_ABSTAIN)
			return SVM_EDECODE;
		break;
	case SVM_GOV_EXECUTE:
	case SVM_GOV_CLOSE:
		if (svm_reader_copy(&r, c->prop.b, 32)) return SVM_EDECODE;
		break;
	default:
		return SVM_EDECODE;
	}
	return svm_reader_left(&r) ? SVM_EDECODE : 0;
}

int svm_gov_access(const svm_id_t *sender, uint64_t nonce, const uint8_t *payload, size_t len,
		   svm_id_t *ids, size_t max, size_t *n)
{
	call_t k;
	if (parse(payload, len, &k)) return SVM_EDECODE;
	if (max < 6) return SVM_ELIMIT;
	size_t m = 0;
	switch (k.method) {
	case SVM_GOV_SUBMIT:
		svm_gov_proposal_id(sender, nonce, &ids[m]);
		svm_balance_id(svm_econ_swr(), &ids[m], &ids[m + 1]);
		m += 2;
		break;
	case SVM_GOV_VOTE:
		ids[m++] = k.prop;
		ballot_id(&k.prop, sender, &k.val, &ids[m++]);
		override_id(&k.prop, &k.val, &ids[m++]);
		svm_staking_validator_id(&k.val, &ids[m++]);
		svm_staking_delegation_id(&k.val, sender, &ids[m++]);
		break;
	default: /* execute and close: what they touch is in the proposal (dynamic access) */
		ids[m++] = k.prop;
		svm_balance_id(svm_econ_swr(), &k.prop, &ids[m++]);
		break;
	}
	*n = m;
	return 0;
}

/* ------------------------------------------------------------ execution */

static int prop_get(svm_txctx_t *c, const svm_id_t *id, svm_proposal_t *p)
{
	svm_object_t o;
	int rc = svm_host_get(c, id, &o);
	if (rc) return rc;
	return o.type == SVM_OBJ_STORAGE && svm_proposal_decode(o.payload, o.payload_len, p) == 0 ? 0 : SVM_EIO;
}

static int storage_put(svm_txctx_t *c, const svm_id_t *id, const svm_buf_t *b)
{
	svm_object_t o = {.id = *id, .owner_kind = SVM_OWNER_SHARED, .type = SVM_OBJ_STORAGE,
			  .payload = b->data, .payload_len = b->len};
	return svm_host_put(c, &o);
}

static int prop_put(svm_txctx_t *c, const svm_id_t *id, const svm_proposal_t *p)
{
	svm_buf_t b = {0};
	int rc = svm_proposal_encode(p, &b);
	if (!rc) rc = storage_put(c, id, &b);
	svm_buf_free(&b);
	return rc;
}

static int do_submit(svm_txctx_t *c, const call_t *k, const svm_params_t *params)
{
	svm_proposal_t p = {.proposer = c->tx->sender, .nonce = c->tx->nonce, .kind = k->kind,
			    .deposit = k->deposit, .start_height = c->height, .status = SVM_PROP_VOTING};
	if (k->deposit < params->gov_deposit_min) return SVM_EINVAL;
	if (!svm_add_u64(c->height, params->gov_voting_blocks, &p.end_height)) return SVM_EOVERFLOW;
	memcpy(p.body, k->body, k->body_len);
	p.body_len = k->body_len;
	svm_id_t id;
	svm_gov_proposal_id(&p.proposer, p.nonce, &id);
	int rc = svm_ledger_transfer(c, svm_econ_swr(), &p.proposer, &id, k->deposit);
	if (!rc) rc = prop_put(c, &id, &p);
	if (!rc) {
		c->return_data = svm_arena_dup(c->arena, id.b, 32);
		c->return_data_len = c->return_data ? 32 : 0;
	}
	return rc;
}

typedef struct {
	uint64_t voted, option, overridden;
} ovr_t;

static int ovr_get(svm_txctx_t *c, const svm_id_t *id, ovr_t *o)
{
	svm_object_t obj;
	memset(o, 0, sizeof *o);
	int rc = svm_host_get(c, id, &obj);
	if (rc == SVM_ENOTFOUND) return 0;
	if (rc) return rc;
	svm_reader_t r = svm_reader(obj.payload, obj.payload_len);
	if (svm_varint_read(&r, &o->voted) || svm_varint_read(&r, &o->option) ||
	    svm_varint_read(&r, &o->overridden) || svm_reader_left(&r) || o->option > 2)
		return SVM_EIO;
	return 0;
}

/* The SWR value of voter's delegation to validator v. */
static int delegated(svm_txctx_t *c, const svm_validator_t *v, const svm_id_t *voter, uint64_t *w)
{
	svm_id_t id;
	svm_object_t o;
	svm_staking_delegation_id(&v->operator_id, voter, &id);
	int rc = svm_host_get(c, &id, &o);
	if (rc) return rc;
	uint64_t shares;
	svm_reader_t r = svm_reader(o.payload, o.payload_len);
	if (svm_varint_read(&r, &shares) || svm_reader_left(&r) || shares > v->shares) return SVM_EIO;
	*w = (uint64_t)((u128)shares * v->tokens / v->shares);
	return 0;
}

/* A validator votes with its tokens less what its delegators voted themselves; a delegator
 * votes with its delegation's value, taken out of its validator's vote if that came first.
 * Weights are the stake at the time of the vote. */
static int do_vote(svm_txctx_t *c, const call_t *k)
{
	const svm_id_t *me = &c->tx->sender;
	svm_proposal_t p;
	svm_validator_t v;
	svm_id_t bid, oid, vid;
	svm_object_t o;
	ovr_t ov;
	int rc = prop_get(c, &k->prop, &p);
	if (rc) return rc;
	if (p.status != SVM_PROP_VOTING || c->height > p.end_height) return SVM_ESTATE; /* period over */
	ballot_id(&k->prop, me, &k->val, &bid);
	rc = svm_host_get(c, &bid, &o);
	if (rc == 0) return SVM_EEXIST; /* one vote per voter and validator */
	if (rc != SVM_ENOTFOUND) return rc;
	svm_staking_validator_id(&k->val, &vid);
	rc = svm_host_get(c, &vid, &o);
	if (!rc && svm_validator_decode(o.payload, o.payload_len, &v)) rc = SVM_EIO;
	override_id(&k->prop, &k->val, &oid);
	if (!rc) rc = ovr_get(c, &oid, &ov);
	if (rc) return rc;
	uint64_t w;
	if (svm_hash_eq(me, &k->val)) { /* the validator itself */
		w = v.tokens > ov.overridden ? v.tokens - ov.overridden : 0;
		ov.voted = 1;
		ov.option = k->option;
	} else {
		rc = delegated(c, &v, me, &w);
		if (rc) return rc == SVM_ENOTFOUND ? SVM_EPERM : rc; /* no stake: no vote */
		if (!svm_add_u64(ov.overridden, w, &ov.overridden)) return SVM_EOVERFLOW;
		if (ov.voted) /* its validator counted this weight already: move it */
			p.tally[ov.option] -= w < p.tally[ov.option] ? w : p.tally[ov.option];
	}
	if (!svm_add_u64(p.tally[k->option], w, &p.tally[k->option])) return SVM_EOVERFLOW;
	uint8_t buf[3 * SVM_VARINT_MAX];
	svm_buf_t b = {.data = buf, .cap = sizeof buf, .cap_max = sizeof buf};
	rc = svm_varint_append(&b, ov.voted);
	if (!rc) rc = svm_varint_append(&b, ov.option);
	if (!rc) rc = svm_varint_append(&b, ov.overridden);
	if (!rc) rc = storage_put(c, &oid, &b);
	b.len = 0;
	if (!rc) rc = svm_varint_append(&b, k->option);
	if (!rc) rc = storage_put(c, &bid, &b);
	return rc ? rc : prop_put(c, &k->prop, &p);
}

/* Σ stake of the active set (the validator-set object). */
static int active_stake(svm_txctx_t *c, uint64_t *total)
{
	svm_id_t id;
	svm_object_t o;
	svm_validator_set_id(&id);
	*total = 0;
	int rc = svm_host_get(c, &id, &o);
	if (rc == SVM_ENOTFOUND) return 0;
	if (rc) return rc;
	svm_reader_t r = svm_reader(o.payload, o.payload_len);
	uint64_t n, s;
	if (svm_varint_read(&r, &n) || n > SVM_STAKE_VALIDATORS_MAX) return SVM_EIO;
	for (uint64_t i = 0; i < n; i++) {
		if (svm_reader_bytes(&r, 32, &(const uint8_t *){0}) || svm_varint_read(&r, &s)) return SVM_EIO;
		if (!svm_add_u64(*total, s, total)) return SVM_EIO;
	}
	return 0;
}

static int apply_params(svm_txctx_t *c, const svm_proposal_t *p, svm_params_t *params)
{
	svm_reader_t r = svm_reader(p->body, p->body_len);
	uint64_t n, f, v;
	svm_varint_read(&r, &n);
	for (uint64_t i = 0; i < n; i++) {
		svm_varint_read(&r, &f);
		svm_varint_read(&r, &v);
		*svm_params_at(params, &svm_params_fields[f]) = v;
	}
	/* a change out of bounds fails the execution; the proposal stays passed, unexecuted */
	return svm_params_put(c, params);
}

static int do_execute(svm_txctx_t *c, const call_t *k, svm_params_t *params, bool close)
{
	svm_proposal_t p;
	uint64_t total;
	int rc = prop_get(c, &k->prop, &p);
	if (!rc) rc = active_stake(c, &total);
	if (rc) return rc;
	if (p.status != SVM_PROP_VOTING || c->height <= p.end_height) return SVM_ESTATE;
	bool passed = svm_proposal_passes(&p, params, total);
	if (passed == close) return SVM_ESTATE; /* execute a failed one, or close a passed one */
	svm_id_t to = p.proposer;
	if (close) {
		u128 voted = (u128)p.tally[0] + p.tally[1] + p.tally[2];
		if (total == 0 || voted * 10000 < (u128)total * params->gov_quorum_bps) svm_treasury_id(&to);
	}
	rc = svm_ledger_transfer(c, svm_econ_swr(), &k->prop, &to, p.deposit);
	if (rc || close) goto done;
	svm_reader_t r = svm_reader(p.body, p.body_len);
	switch (p.kind) {
	case SVM_PROPOSAL_PARAMS:
		rc = apply_params(c, &p, params);
		break;
	case SVM_PROPOSAL_UPGRADE: {
		svm_id_t uid;
		svm_buf_t b = {.data = p.body, .len = p.body_len, .cap = p.body_len, .cap_max = p.body_len};
		svm_upgrade_id(&uid);
		rc = storage_put(c, &uid, &b);
		break;
	}
	case SVM_PROPOSAL_ATTEST_PINS: { /* from this block on, evidence is verified under these */
		svm_attest_pins_t pins;
		rc = svm_attest_pins_decode(p.body, p.body_len, &pins) ? SVM_EIO : svm_attest_pins_put(c, &pins);
		break;
	}
	case SVM_PROPOSAL_TREASURY: {
		svm_id_t dest, tid;
		uint64_t amount;
		svm_reader_copy(&r, dest.b, 32);
		svm_varint_read(&r, &amount);
		svm_treasury_id(&tid);
		rc = svm_ledger_transfer(c, svm_econ_swr(), &tid, &dest, amount); /* EFUNDS if it holds less */
		break;
	}
	default: /* text: recorded, nothing to do */
		break;
	}
done:
	p.status = close ? SVM_PROP_CLOSED : SVM_PROP_EXECUTED;
	return rc ? rc : prop_put(c, &k->prop, &p);
}

int svm_gov_execute(svm_txctx_t *c, const uint8_t *payload, size_t len)
{
	call_t k;
	svm_params_t params;
	if (parse(payload, len, &k)) return SVM_EDECODE;
	int rc = svm_params_get(c, &params);
	if (rc) return rc;
	switch (k.method) {
	case SVM_GOV_SUBMIT:
		return do_submit(c, &k, &params);
	case SVM_GOV_VOTE:
		return do_vote(c, &k);
	case SVM_GOV_EXECUTE:
		return do_execute(c, &k, &params, false);
	default:
		return do_execute(c, &k, &params, true);
	}
}

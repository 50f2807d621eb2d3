/* The confidential UTXO program (confidential.h): outputs with hidden quantity and flavor,
 * consumed through the transaction's inputs, with Bulletproofs range proofs on new outputs and
 * the balance proof tying inputs, outputs and the public deposit/withdraw together. The
 * wallet-side builder (svm_conf_build) makes the payload the executor checks. */
#include <pthread.h>
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

/* ------------------------------------------------------------ payload */

typedef struct {
	svm_id_t token;
	uint64_t deposit, withdraw;
	size_t n_in, n_out;
	svm_id_t in[SVM_CONF_INPUTS_MAX];
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
	    svm_varint_read(&r, &method) || method != SVM_CONF_TRANSACT ||
	    svm_reader_copy(&r, c->token.b, 32) || svm_varint_read(&r, &c->deposit) ||
	    svm_varint_read(&r, &c->withdraw) || svm_varint_read(&r, &n_in) ||
	    n_in > SVM_CONF_INPUTS_MAX)
		return SVM_EDECODE;
	c->n_in = (size_t)n_in;
	for (size_t i = 0; i < c->n_in; i++) {
		if (svm_reader_copy(&r, c->in[i].b, 32)) return SVM_EDECODE;
		if (i && memcmp(c->in[i - 1].b, c->in[i].b, 32) >= 0) return SVM_EDECODE;
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
	svm_slice_t parts[2 + SVM_CONF_INPUTS_MAX + 3 * SVM_CONF_OUTPUTS_MAX];
	uint8_t lens[SVM_CONF_OUTPUTS_MAX][8];
	size_t k = 0;
	parts[k++] = (svm_slice_t){c->token.b, 32};
	parts[k++] = (svm_slice_t){nums, sizeof nums};
	for (size_t i = 0; i < c->n_in; i++) parts[k++] = (svm_slice_t){c->in[i].b, 32};
	for (size_t j = 0; j < c->n_out; j++) {
		svm_put_u64be(lens[j], c->out[j].enc_len);
		parts[k++] = (svm_slice_t){c->out[j].owner.b, 32};
		parts[k++] = (svm_slice_t){lens[j], 8};
		parts[k++] = (svm_slice_t){c->out[j].enc, c->out[j].enc_len};
	}
	svm_hash_t h;
	svm_sha256_tagged("svm/zk/tx/fields", parts, k, &h);
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

static int write_output(svm_txctx_t *c, const svm_conf_output_t *out, uint16_t index)
{
	uint8_t buf[1 + 32 + 10 + 64 + SVM_VARINT_MAX + SVM_CONF_ENC_MAX];
	svm_buf_t b = {.data = buf, .cap = sizeof buf, .cap_max = sizeof buf};
	uint8_t be[10], ver = 1;
	svm_put_u64be(be, c->tx->nonce);
	put_u16be(be + 8, index);
	int rc = svm_buf_append(&b, &ver, 1);
	if (!rc) rc = svm_buf_append(&b, c->tx->sender.b, 32);
	if (!rc) rc = svm_buf_append(&b, be, 10);
	if (!rc) rc = svm_buf_append(&b, out->Q, 32);
	if (!rc) rc = svm_buf_append(&b, out->F, 32);
	if (!rc) rc = svm_varint_append(&b, out->enc_len);
	if (!rc && out->enc_len) rc = svm_buf_append(&b, out->enc, out->enc_len);
	if (rc) return rc;
	svm_object_t o = {.owner_kind = SVM_OWNER_ADDRESS, .owner = out->owner, .type = SVM_OBJ_STORAGE, .payload = b.data, .payload_len = b.len};
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
	if ((rc = svm_host_charge(c, steps))) return rc;
	uint8_t Qin[SVM_CONF_INPUTS_MAX][32], Fin[SVM_CONF_INPUTS_MAX][32];
	if ((rc = load_inputs(c, &call, Qin, Fin))) return rc;
	uint8_t ctx[CTX_BYTES];
	make_ctx(ctx, c->tx->chain_id, &c->tx->sender, c->tx->nonce, &call);
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
	for (size_t i = 0; i < call.n_in; i++)
		if ((rc = svm_host_del(c, &call.in[i]))) return rc;
	for (size_t j = 0; j < call.n_out; j++)
		if ((rc = write_output(c, &call.out[j], (uint16_t)j))) return rc;
	return 0;
}

int svm_conf_access(const svm_id_t *sender, uint64_t nonce, const uint8_t *payload, size_t len,
		    svm_id_t *writes, size_t max, size_t *n)
{
	call_t call;
	*n = 0;
	if (parse(payload, len, &call)) return SVM_EDECODE;
	size_t need = call.n_out + (is_zero_id(&call.token) ? 0 : 2);
	if (need > max) return SVM_ELIMIT;
	for (size_t j = 0; j < call.n_out; j++) svm_conf_output_id(sender, nonce, (uint16_t)j, &writes[(*n)++]);
	if (!is_zero_id(&call.token)) {
		svm_id_t vault;
		svm_conf_vault_id(&vault);
		svm_balance_id(&call.token, sender, &writes[(*n)++]);
		svm_balance_id(&call.token, &vault, &writes[(*n)++]);
	}
	return 0;
}

/* ------------------------------------------------------------- wallet */

static int add_scalar(uint8_t acc[32], const uint8_t x[32], int sign)
{
	uint8_t t[32];
	memcpy(t, x, 32);
	if (sign < 0) svm_zk_scalar_negate(t, t);
	svm_zk_scalar_add(acc, acc, t);
	return 0;
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
	if (check_rules(&call)) return SVM_EINVAL;
	/* the sums must balance before anything is proven (u128: no overflow) */
	unsigned __int128 sum_in = deposit, sum_out = withdraw;
	for (size_t i = 0; i < n_in; i++) sum_in += in[i].value;
	for (size_t j = 0; j < n_out; j++) sum_out += out_open[j].value;
	if (sum_in != sum_out) return SVM_EINVAL;
	const svm_id_t *flavor_token = is_zero_id(token) ? (n_in ? &in[0].token : NULL) : token;
	if (!flavor_token) return SVM_EINVAL;
	for (size_t i = 0; i < n_in; i++)
		if (memcmp(in[i].token.b, flavor_token->b, 32)) return SVM_EINVAL;
	for (size_t j = 0; j < n_out; j++)
		if (memcmp(out_open[j].token.b, flavor_token->b, 32)) return SVM_EINVAL;
	uint8_t Qin[SVM_CONF_INPUTS_MAX][32], Fin[SVM_CONF_INPUTS_MAX][32];
	int rc;
	for (size_t i = 0; i < n_in; i++) {
		if (i && memcmp(in_ids[i - 1].b, in_ids[i].b, 32) >= 0) return SVM_EINVAL;
		call.in[i] = in_ids[i];
		if ((rc = svm_zk_commit(Qin[i], in[i].value, in[i].blind)) ||
		    (rc = svm_zk_commit_flavor(Fin[i], in[i].token.b, in[i].flavor_blind)))
			return SVM_EINVAL;
	}
	uint8_t range[1024], Q[SVM_CONF_OUTPUTS_MAX][32], r[SVM_CONF_OUTPUTS_MAX][32];
	uint64_t v[SVM_CONF_OUTPUTS_MAX];
	for (size_t j = 0; j < n_out; j++) {
		svm_conf_output_t *o = &call.out[j];
		o->owner = owners[j];
		o->enc = enc ? enc[j] : NULL;
		o->enc_len = enc_len ? enc_len[j] : 0;
		if (o->enc_len > SVM_CONF_ENC_MAX) return SVM_EINVAL;
		if (svm_zk_commit_flavor(o->F, out_open[j].token.b, out_open[j].flavor_blind))
			return SVM_EINVAL;
		v[j] = out_open[j].value;
		memcpy(r[j], out_open[j].blind, 32);
	}
	uint8_t ctx[CTX_BYTES];
	make_ctx(ctx, chain_id, sender, nonce, &call);
	if (n_out) {
		rc = svm_zk_range_prove(range, Q, v, (const uint8_t(*)[32])r, n_out, ctx, sizeof ctx, seed);
		if (rc) return rc;
		for (size_t j = 0; j < n_out; j++) memcpy(call.out[j].Q, Q[j], 32);
	}
	/* witnesses: P_0 opens with sum r_in - sum r_out; flavor statements with r_f - base's */
	uint8_t P[1 + SVM_CONF_INPUTS_MAX + SVM_CONF_OUTPUTS_MAX][32];
	uint8_t x[1 + SVM_CONF_INPUTS_MAX + SVM_CONF_OUTPUTS_MAX][32];
	size_t np = 0;
	if ((rc = statements(&call, (const uint8_t(*)[32])Qin, (const uint8_t(*)[32])Fin, P, &np)))
		return rc;
	memset(x, 0, sizeof x);
	for (size_t i = 0; i < n_in; i++) add_scalar(x[0], in[i].blind, 1);
	for (size_t j = 0; j < n_out; j++) add_scalar(x[0], out_open[j].blind, -1);
	size_t k = 1;
	const uint8_t *base_blind = NULL;
	static const uint8_t zero[32] = {0};
	base_blind = is_zero_id(token) ? in[0].flavor_blind : zero;
	for (size_t i = is_zero_id(token) ? 1 : 0; i < n_in; i++, k++) {
		add_scalar(x[k], in[i].flavor_blind, 1);
		add_scalar(x[k], base_blind, -1);
	}
	for (size_t j = 0; j < n_out; j++, k++) {
		add_scalar(x[k], out_open[j].flavor_blind, 1);
		add_scalar(x[k], base_blind, -1);
	}
	if (k != np) return SVM_EINVAL;
	uint8_t bal[SVM_ZK_BALANCE_PROOF_BYTES];
	if ((rc = svm_zk_balance_prove(bal, (const uint8_t(*)[32])P, (const uint8_t(*)[32])x, np, ctx,
				       sizeof ctx, seed)))
		return rc;
	/* the payload */
	rc = svm_varint_append(out, SVM_PROGRAM_CONFIDENTIAL);
	if (!rc) rc = svm_varint_append(out, SVM_CONF_TRANSACT);
	if (!rc) rc = svm_buf_append(out, token->b, 32);
	if (!rc) rc = svm_varint_append(out, deposit);
	if (!rc) rc = svm_varint_append(out, withdraw);
	if (!rc) rc = svm_varint_append(out, n_in);
	for (size_t i = 0; i < n_in && !rc; i++) rc = svm_buf_append(out, in_ids[i].b, 32);
	if (!rc) rc = svm_varint_append(out, n_out);
	for (size_t j = 0; j < n_out && !rc; j++) {
		const svm_conf_output_t *o = &call.out[j];
		rc = svm_buf_append(out, o->owner.b, 32);
		if (!rc) rc = svm_buf_append(out, o->Q, 32);
		if (!rc) rc = svm_buf_append(out, o->F, 32);
		if (!rc) rc = svm_varint_append(out, o->enc_len);
		if (!rc && o->enc_len) rc = svm_buf_append(out, o->enc, o->enc_len);
	}
	if (!rc && n_out) rc = svm_buf_append(out, range, svm_zk_range_proof_bytes(n_out));
	if (!rc) rc = svm_buf_append(out, bal, sizeof bal);
	return rc;
}

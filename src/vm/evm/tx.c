/* Applying one Ethereum transaction (Cancun rules) to the EVM state: validation, buying gas,
 * the intrinsic cost, warming (EIP-2929/2930/3651), execution, the refund cap (EIP-3529),
 * paying the coinbase the priority fee (EIP-1559), the blob fee (EIP-4844), and the end-of-
 * transaction rules. Also the logs hash and the blob base fee. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/evm/internal.h"

#define GAS_TX 21000
#define GAS_TX_CREATE 32000
#define GAS_DATA_ZERO 4
#define GAS_DATA_NONZERO 16
#define GAS_ACCESS_ADDRESS 2400
#define GAS_ACCESS_KEY 1900
#define GAS_PER_BLOB (1u << 17)
#define BLOB_MIN_BASE_FEE 1
#define BLOB_BASE_FEE_FRACTION 3338477

void svm_evm_blob_base_fee(uint64_t excess, svm_u256_t *out)
{
	/* fake_exponential(1, excess, 3338477) with 256-bit intermediates */
	u256 f = u256_u64(BLOB_MIN_BASE_FEE), num = u256_u64(excess), den = u256_u64(BLOB_BASE_FEE_FRACTION);
	u256 output = u256_zero(), acc, t;
	u256_mul(&acc, &f, &den);
	for (uint64_t i = 1; !u256_is_zero(&acc) && i < 10000; i++) {
		u256_add(&output, &output, &acc);
		u256_mul(&t, &acc, &num);
		u256 d = u256_u64(i);
		u256_mul(&d, &d, &den);
		u256_divmod(&acc, NULL, &t, &d);
	}
	u256_divmod(out, NULL, &output, &den);
}

uint64_t svm_evm_intrinsic_gas(const svm_evm_tx_t *tx)
{
	uint64_t g = GAS_TX;
	for (size_t i = 0; i < tx->data_len; i++) g += tx->data[i] ? GAS_DATA_NONZERO : GAS_DATA_ZERO;
	if (tx->create) g += GAS_TX_CREATE + 2 * ((tx->data_len + 31) / 32);
	for (size_t i = 0; i < tx->n_access; i++) g += GAS_ACCESS_ADDRESS + GAS_ACCESS_KEY * tx->access[i].n_keys;
	return g;
}

static int validate(svm_evm_state_t *s, const svm_evm_block_t *blk, const svm_evm_tx_t *tx, u256 *price,
		    u256 *blob_fee, svm_error_t *err)
{
	acct_t *from = evm_acct(s, &tx->from);
	if (!from || evm_acct_fill(from)) return SVM_ENOMEM;
	if (from->nonce != tx->nonce) return svm_error_set(err, SVM_ENONCE, "nonce %llu, account has %llu",
							  (unsigned long long)tx->nonce, (unsigned long long)from->nonce);
	if (tx->nonce == UINT64_MAX) return svm_error_set(err, SVM_ENONCE, "nonce at its maximum");
	if (from->code_len) return svm_error_set(err, SVM_EPERM, "sender has code (EIP-3607)");
	if (tx->gas_limit > blk->gas_limit) return svm_error_set(err, SVM_ELIMIT, "gas limit above the block's");
	u256 fee_cap = tx->gas_price, tip_cap = tx->gas_price;
	if (tx->type >= 2) {
		fee_cap = tx->max_fee;
		tip_cap = tx->max_priority_fee;
		if (u256_cmp(&tip_cap, &fee_cap) > 0) return svm_error_set(err, SVM_EFEE, "priority fee above max fee");
	}
	if (u256_cmp(&fee_cap, &blk->base_fee) < 0) return svm_error_set(err, SVM_EFEE, "fee cap below base fee");
	u256 tip;
	u256_sub(&tip, &fee_cap, &blk->base_fee);
	if (u256_cmp(&tip, &tip_cap) > 0) tip = tip_cap;
	u256_add(price, &blk->base_fee, &tip);
	if (tx->create && tx->data_len > SVM_EVM_INITCODE_BYTES_MAX)
		return svm_error_set(err, SVM_ELIMIT, "initcode over %u bytes", SVM_EVM_INITCODE_BYTES_MAX);
	if (svm_evm_intrinsic_gas(tx) > tx->gas_limit) return svm_error_set(err, SVM_EGAS, "intrinsic gas above the gas limit");
	/* the maximum cost must be covered: gas_limit * fee_cap + value (+ blob gas * blob fee cap) */
	u256 gl = u256_u64(tx->gas_limit), need, t;
	if (u256_mul_overflows(&need, &gl, &fee_cap)) return svm_error_set(err, SVM_EFUNDS, "cost overflows");
	*blob_fee = u256_zero();
	if (tx->type == 3) {
		if (tx->create) return svm_error_set(err, SVM_EINVAL, "blob transaction without a recipient");
		if (tx->n_blob_hashes == 0 || tx->n_blob_hashes > SVM_EVM_BLOBS_MAX)
			return svm_error_set(err, SVM_ELIMIT, "blob count %zu", tx->n_blob_hashes);
		for (size_t i = 0; i < tx->n_blob_hashes; i++)
			if ((tx->blob_hashes[i].w[3] >> 56) != 1) return svm_error_set(err, SVM_EINVAL, "blob hash version");
		if (u256_cmp(&tx->max_fee_per_blob_gas, &blk->blob_base_fee) < 0)
			return svm_error_set(err, SVM_EFEE, "blob fee cap below blob base fee");
		u256 bg = u256_u64(GAS_PER_BLOB * tx->n_blob_hashes), bmax;
		if (u256_mul_overflows(&bmax, &bg, &tx->max_fee_per_blob_gas) || u256_add(&need, &need, &bmax))
			return svm_error_set(err, SVM_EFUNDS, "cost overflows");
		u256_mul(blob_fee, &bg, &blk->blob_base_fee);
	}
	if (u256_add(&need, &need, &tx->value)) return svm_error_set(err, SVM_EFUNDS, "cost overflows");
	if (u256_cmp(&from->balance, &need) < 0) return svm_error_set(err, SVM_EFUNDS, "insufficient funds");
	(void)t;
	return 0;
}

static int warm_all(svm_evm_state_t *s, const svm_evm_block_t *blk, const svm_evm_tx_t *tx)
{
	acct_t *a;
	/* the precompiles (0x01-0x0a) are warm without being loaded: evm_warm_acct knows them */
	if (!(a = evm_acct(s, &tx->from)) || evm_warm_acct(s, a) < 0) return SVM_ENOMEM;
	if (!tx->create && (!(a = evm_acct(s, &tx->to)) || evm_warm_acct(s, a) < 0)) return SVM_ENOMEM;
	/* the coinbase is warm (EIP-3651) but not loaded: most transactions never touch it, and in
	 * the node every transaction of a block would read its objects (state.c) */
	s->warm_coinbase = blk->coinbase;
	s->has_warm_coinbase = true;
	for (size_t i = 0; i < tx->n_access; i++) {
		if (!(a = evm_acct(s, &tx->access[i].address)) || evm_warm_acct(s, a) < 0) return SVM_ENOMEM;
		for (size_t k = 0; k < tx->access[i].n_keys; k++) {
			slot_t *sl = evm_slot(a, &tx->access[i].keys[k]);
			if (!sl || evm_warm_slot(s, a, sl) < 0) return SVM_ENOMEM;
		}
	}
	return 0;
}

int svm_evm_apply_tx(svm_evm_state_t *s, const svm_evm_block_t *blk, const svm_evm_tx_t *tx,
		     svm_evm_result_t *res, svm_error_t *err)
{
	memset(res, 0, sizeof *res);
	if (tx->n_access > SVM_EVM_ACCESS_LIST_MAX) return svm_error_set(err, SVM_ELIMIT, "access list too long");
	u256 price, blob_fee;
	int rc = validate(s, blk, tx, &price, &blob_fee, err);
	if (rc) return rc;
	s->unsupported = false;
	acct_t *from = evm_acct(s, &tx->from);
	u256 gl = u256_u64(tx->gas_limit), cost, bal;
	u256_mul(&cost, &gl, &price);
	u256_add(&cost, &cost, &blob_fee);
	u256_sub(&bal, &from->balance, &cost);
	if ((rc = evm_set_balance(s, from, &bal))) return rc;
	if ((rc = warm_all(s, blk, tx))) return rc;
	txctx_t ctx = {blk, tx, price, tx->from};
	msg_t m;
	memset(&m, 0, sizeof m);
	m.kind = tx->create ? 0xf0 : 0xf1;
	m.caller = tx->from;
	m.to = tx->to;
	m.code_addr = tx->to;
	m.value = tx->value;
	m.transfer = true;
	m.input = tx->data;
	m.input_len = tx->data_len;
	m.gas = (int64_t)(tx->gas_limit - svm_evm_intrinsic_gas(tx));
	if (!tx->create && (rc = evm_set_nonce(s, from, tx->nonce + 1))) return rc;
	int64_t left = 0;
	if ((rc = evm_execute(s, &ctx, &m, res, &left))) return rc;
	uint64_t used = tx->gas_limit - (uint64_t)left;
	uint64_t refund = s->refund > 0 ? (uint64_t)s->refund : 0;
	if (refund > used / 5) refund = used / 5;
	used -= refund;
	res->gas_used = used;
	res->gas_refund = refund;
	res->refund_counter = s->refund;
	/* return unused gas to the sender, the priority fee to the coinbase */
	u256 back = u256_u64(tx->gas_limit - used), tipv, fee;
	u256_mul(&back, &back, &price);
	u256_add(&bal, &from->balance, &back);
	if ((rc = evm_set_balance(s, from, &bal))) return rc;
	u256_sub(&tipv, &price, &blk->base_fee);
	u256 u = u256_u64(used);
	u256_mul(&fee, &u, &tipv);
	acct_t *cb = evm_acct(s, &blk->coinbase);
	if (!cb || evm_acct_fill(cb)) return SVM_ENOMEM;
	u256_add(&bal, &cb->balance, &fee);
	if ((rc = evm_set_balance(s, cb, &bal))) return rc;
	/* logs move to the result */
	if (s->n_logs) {
		res->logs = svm_malloc(s->n_logs * sizeof *res->logs);
		if (!res->logs) return SVM_ENOMEM;
		memcpy(res->logs, s->logs, s->n_logs * sizeof *res->logs);
		res->n_logs = s->n_logs;
		s->n_logs = 0;
	}
	if (s->unsupported) snprintf(res->error, sizeof res->error, "unsupported precompile");
	res->unsupported = s->unsupported;
	evm_finalize(s);
	return 0;
}

/* One transaction without Ethereum's fee handling: the node charges and refunds fees in the
 * ledger around it (backend.c), so no gas is bought, no unused gas returned, no coinbase paid.
 * The sender's nonce is set to the transaction's first (the node's fee stage has already
 * advanced it), so a create derives its address from it and the nonce ends where the fee
 * stage put it. Everything else is svm_evm_apply_tx's: warming, execution, the refund cap. */
int evm_run_nofee(svm_evm_state_t *s, const svm_evm_block_t *blk, const svm_evm_tx_t *tx, svm_evm_result_t *res,
		  svm_error_t *err)
{
	memset(res, 0, sizeof *res);
	if (tx->n_access > SVM_EVM_ACCESS_LIST_MAX) return svm_error_set(err, SVM_ELIMIT, "access list too long");
	uint64_t intrinsic = svm_evm_intrinsic_gas(tx);
	if (intrinsic > tx->gas_limit) return svm_error_set(err, SVM_EGAS, "intrinsic gas above the gas limit");
	if (tx->gas_limit > blk->gas_limit) return svm_error_set(err, SVM_ELIMIT, "gas limit above the block's");
	if (tx->create && tx->data_len > SVM_EVM_INITCODE_BYTES_MAX)
		return svm_error_set(err, SVM_ELIMIT, "initcode over %u bytes", SVM_EVM_INITCODE_BYTES_MAX);
	acct_t *from = evm_acct(s, &tx->from);
	if (!from || evm_acct_fill(from)) return SVM_ENOMEM;
	if (from->code_len) return svm_error_set(err, SVM_EPERM, "sender has code (EIP-3607)");
	if (tx->nonce == UINT64_MAX) return svm_error_set(err, SVM_ENONCE, "nonce at its maximum");
	s->unsupported = false;
	from->nonce = tx->nonce;
	int rc = warm_all(s, blk, tx);
	if (rc) return rc;
	txctx_t ctx = {blk, tx, blk->base_fee, tx->from};
	msg_t m;
	memset(&m, 0, sizeof m);
	m.kind = tx->create ? 0xf0 : 0xf1;
	m.caller = tx->from;
	m.to = tx->to;
	m.code_addr = tx->to;
	m.value = tx->value;
	m.transfer = true;
	m.input = tx->data;
	m.input_len = tx->data_len;
	m.gas = (int64_t)(tx->gas_limit - intrinsic);
	if (!tx->create && (rc = evm_set_nonce(s, from, tx->nonce + 1))) return rc;
	int64_t left = 0;
	if ((rc = evm_execute(s, &ctx, &m, res, &left))) return rc;
	uint64_t used = tx->gas_limit - (uint64_t)left;
	uint64_t refund = s->refund > 0 ? (uint64_t)s->refund : 0;
	if (refund > used / 5) refund = used / 5;
	res->gas_used = used - refund;
	res->gas_refund = refund;
	res->refund_counter = s->refund;
	if (s->n_logs) {
		res->logs = svm_malloc(s->n_logs * sizeof *res->logs);
		if (!res->logs) return SVM_ENOMEM;
		memcpy(res->logs, s->logs, s->n_logs * sizeof *res->logs);
		res->n_logs = s->n_logs;
		s->n_logs = 0;
	}
	res->unsupported = s->unsupported;
	return 0;
}

void svm_evm_result_free(svm_evm_result_t *res)
{
	for (size_t i = 0; i < res->n_logs; i++) svm_free(res->logs[i].data);
	svm_free(res->logs);
	svm_free(res->output);
	memset(res, 0, sizeof *res);
}

int svm_evm_logs_hash(const svm_evm_result_t *res, uint8_t out[SVM_KECCAK_SIZE])
{
	svm_buf_t b = {0};
	int rc = 0;
	for (size_t i = 0; i < res->n_logs && !rc; i++) {
		const svm_evm_log_t *l = &res->logs[i];
		size_t start = b.len;
		if ((rc = svm_rlp_put_bytes(&b, l->address.b, 20))) break;
		size_t ts = b.len;
		for (int t = 0; t < l->n_topics && !rc; t++) rc = svm_rlp_put_bytes(&b, l->topics[t], 32);
		if (rc || (rc = svm_rlp_wrap_list(&b, ts))) break;
		if ((rc = svm_rlp_put_bytes(&b, l->data, l->data_len))) break;
		rc = svm_rlp_wrap_list(&b, start);
	}
	if (!rc) rc = svm_rlp_wrap_list(&b, 0);
	if (!rc) svm_keccak256(b.data, b.len, out);
	svm_buf_free(&b);
	return rc;
}

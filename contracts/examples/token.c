/* A fungible token kept in the contract's storage, with deposits and withdrawals of a unified
 * ledger token (SWR here) at 1:1 — a wrapped token whose backing lives in the ledger under the
 * contract's own identity, so total supply always equals the contract's SWR balance.
 *   deposit            (attach SWR to the call) credits the caller
 *   withdraw  u64      debits the caller and pays SWR back from the contract's ledger balance
 *   transfer  to32 u64 moves between holders
 *   balance_of id32    returns u64
 *   total_supply       returns u64 */
#include "../sdk/supervm.h"

static void key_of(const u8 id[32], u8 key[33])
{
	key[0] = 'b';
	svm_copy(key + 1, id, 32);
}

static u64 bal(const u8 id[32])
{
	u8 k[33];
	key_of(id, k);
	return svm_load_u64(k, 33);
}

static void set_bal(const u8 id[32], u64 v)
{
	u8 k[33];
	key_of(id, k);
	if (v == 0) svm_storage_remove(k, 33);
	else svm_store_u64(k, 33, v);
}

static void emit_move(const u8 from[32], const u8 to[32], u64 amount)
{
	u8 d[72];
	svm_copy(d, from, 32);
	svm_copy(d + 32, to, 32);
	svm_put_u64(d + 64, amount);
	svm_emit("transfer", 8, d, sizeof d);
}

SVM_EXPORT(deposit)
{
	/* The attached SWR already moved to this contract; count what is not yet backed. */
	u8 me[32], who[32], swr[32];
	svm_self(me);
	svm_caller(who);
	svm_token("SWR", swr);
	u64 backing = svm_balance(swr, me), supply = svm_load_u64("supply", 6);
	SVM_REQUIRE(backing > supply, "attach SWR to deposit");
	u64 amount = backing - supply;
	set_bal(who, bal(who) + amount);
	svm_store_u64("supply", 6, backing);
	u8 zero[32] = {0};
	emit_move(zero, who, amount);
}

SVM_EXPORT(withdraw)
{
	u8 in[8], who[32], swr[32];
	SVM_REQUIRE(svm_input_size() == 8, "input: u64 amount");
	svm_input(in);
	u64 amount = svm_get_u64(in);
	svm_caller(who);
	u64 b = bal(who);
	SVM_REQUIRE(b >= amount, "insufficient token balance");
	set_bal(who, b - amount);
	svm_store_u64("supply", 6, svm_load_u64("supply", 6) - amount);
	svm_token("SWR", swr);
	svm_transfer(swr, who, amount);
	u8 zero[32] = {0};
	emit_move(who, zero, amount);
}

SVM_EXPORT(transfer)
{
	u8 in[40], who[32];
	SVM_REQUIRE(svm_input_size() == 40, "input: to (32) and u64 amount");
	svm_input(in);
	u64 amount = svm_get_u64(in + 32);
	svm_caller(who);
	u64 b = bal(who);
	SVM_REQUIRE(b >= amount, "insufficient token balance");
	set_bal(who, b - amount);
	set_bal(in, bal(in) + amount);
	emit_move(who, in, amount);
}

SVM_EXPORT(balance_of)
{
	u8 in[32], out[8];
	SVM_REQUIRE(svm_input_size() == 32, "input: id (32)");
	svm_input(in);
	svm_put_u64(out, bal(in));
	svm_set_return(out, 8);
}

SVM_EXPORT(total_supply)
{
	u8 out[8];
	svm_put_u64(out, svm_load_u64("supply", 6));
	svm_set_return(out, 8);
}

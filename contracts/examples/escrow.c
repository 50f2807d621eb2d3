/* An escrow between a buyer and a seller with an arbiter, holding unified-ledger tokens.
 *   open     seller32 arbiter32 token32  (attach the amount) the caller becomes the buyer
 *   release  buyer or arbiter pays the held amount to the seller
 *   refund   seller or arbiter returns it to the buyer
 *   status   returns u8 state (0 none, 1 open, 2 released, 3 refunded) ‖ u64 amount */
#include "../sdk/supervm.h"

enum { NONE, OPEN, RELEASED, REFUNDED };

typedef struct {
	u8 buyer[32], seller[32], arbiter[32], token[32];
	u8 amount[8];
	u8 state;
} deal_t;

static int load(deal_t *d)
{
	return svm_storage_read("deal", 4, d, sizeof *d) == (i32)sizeof *d;
}

static void save(const deal_t *d) { svm_storage_write("deal", 4, d, sizeof *d); }

SVM_EXPORT(open)
{
	deal_t d;
	SVM_REQUIRE(!load(&d), "escrow already opened");
	u8 in[96], me[32];
	SVM_REQUIRE(svm_input_size() == 96, "input: seller, arbiter, token (32 each)");
	svm_input(in);
	svm_caller(d.buyer);
	svm_copy(d.seller, in, 32);
	svm_copy(d.arbiter, in + 32, 32);
	svm_copy(d.token, in + 64, 32);
	svm_self(me);
	u64 held = svm_balance(d.token, me);
	SVM_REQUIRE(held > 0, "attach the escrowed amount");
	svm_put_u64(d.amount, held);
	d.state = OPEN;
	save(&d);
	svm_emit("open", 4, d.amount, 8);
}

static void settle(int release)
{
	deal_t d;
	u8 who[32];
	SVM_REQUIRE(load(&d) && d.state == OPEN, "no open escrow");
	svm_caller(who);
	const u8 *party = release ? d.buyer : d.seller;
	SVM_REQUIRE(svm_eq32(who, party) || svm_eq32(who, d.arbiter), "not allowed");
	svm_transfer(d.token, release ? d.seller : d.buyer, svm_get_u64(d.amount));
	d.state = release ? RELEASED : REFUNDED;
	save(&d);
	svm_emit(release ? "release" : "refund", release ? 7 : 6, d.amount, 8);
}

SVM_EXPORT(release) { settle(1); }
SVM_EXPORT(refund) { settle(0); }

SVM_EXPORT(status)
{
	deal_t d;
	u8 out[9] = {0};
	if (load(&d)) {
		out[0] = d.state;
		svm_copy(out + 1, d.amount, 8);
	}
	svm_set_return(out, 9);
}

/* The EVM inside the executor: Ethereum transactions (SVM_TAG_ETH_TX) decoded beside native
 * ones, run over the object store and the SWR ledger (an address's wei balance is its
 * identity's SWR balance × 10^9), fees settled by the one fee rule, and every engine of AOEM
 * giving the reference's receipts and write set byte for byte. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chaintest.h"
#include "lib/ethsign.h"
#include "lib/execgen.h"
#include "supervm/evm.h"
#include "supervm/exec.h"

#define CHAIN 7
#define KEYS 8
#define FUND_UNITS 1000000000000ull /* 1000 SWR each */

/* runtime: x = calldata[0:32]; if x == 0 revert(0,0); sstore(caller, x); log1(0, 0, x) */
static const uint8_t RUNTIME[] = {0x60, 0x00, 0x35, 0x80, 0x60, 0x0a, 0x57, 0x5f, 0x80, 0xfd,
				  0x5b, 0x80, 0x33, 0x55, 0x5f, 0x5f, 0xa1, 0x00};

static void setup(void) { cr_assert_eq(svm_crypto_init(), 0); }

/* initcode returning RUNTIME */
static size_t initcode(uint8_t *out)
{
	const uint8_t head[] = {0x61, 0x00, sizeof RUNTIME, 0x80, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3};
	memcpy(out, head, sizeof head);
	memcpy(out + sizeof head, RUNTIME, sizeof RUNTIME);
	return sizeof head + sizeof RUNTIME;
}

static void create_address(const svm_evm_addr_t *from, uint64_t nonce, svm_evm_addr_t *out)
{
	svm_buf_t b = {0};
	cr_assert_eq(svm_rlp_put_bytes(&b, from->b, 20), 0);
	cr_assert_eq(svm_rlp_put_uint(&b, nonce), 0);
	cr_assert_eq(svm_rlp_wrap_list(&b, 0), 0);
	uint8_t h[32];
	svm_keccak256(b.data, b.len, h);
	memcpy(out->b, h + 12, 20);
	svm_buf_free(&b);
}

typedef struct {
	eth_key_t keys[KEYS];
} fund_t;

static int fund_fn(svm_txctx_t *c, void *ud)
{
	fund_t *f = ud;
	for (int i = 0; i < KEYS; i++) {
		int rc = svm_ledger_mint(c, c->implicit_token, &f->keys[i].id, FUND_UNITS);
		if (rc) return rc;
	}
	return 0;
}

static void world(eg_world_t *w, fund_t *f)
{
	eg_rng_t r = {.s = 1};
	eg_config_t cfg = {.accounts = 2, .transfers_only = true};
	cr_assert_eq(eg_world_init(w, &r, &cfg), 0);
	w->env.chain_id = CHAIN;
	w->env.fees = (svm_fee_params_t){1000, 2, 1, 0};
	for (int i = 0; i < KEYS; i++) eth_key(&f->keys[i], (uint64_t)i + 1);
	svm_exec_base_t base = eg_base(w);
	svm_exec_result_t res;
	svm_arena_t a;
	svm_arena_init(&a, 0);
	cr_assert_eq(svm_exec_system(&w->env, &base, fund_fn, f, &a, &res), 0);
	cr_assert_eq(eg_apply(w, &res), 0);
	svm_arena_reset(&a);
}

static uint64_t balance(eg_world_t *w, const svm_id_t *owner)
{
	svm_id_t id;
	svm_balance_id(&w->env.fee_token, owner, &id);
	svm_exec_base_t base = eg_base(w);
	const uint8_t *p;
	size_t n;
	if (base.get(base.ud, 0, &id, &p, &n) == SVM_ENOTFOUND) return 0;
	uint64_t v = 0;
	cr_assert_eq(svm_ledger_balance_decode(p, n, &v), 0);
	return v;
}

static bool object(eg_world_t *w, const svm_id_t *id, svm_object_t *o)
{
	svm_exec_base_t base = eg_base(w);
	const uint8_t *p;
	size_t n;
	if (base.get(base.ud, 0, id, &p, &n) == SVM_ENOTFOUND) return false;
	cr_assert_eq(svm_object_decode(p, n, o, NULL), 0);
	return true;
}

/* Runs the block on the reference and on AOEM at `threads`, requires identical results, applies
 * the reference's writes; the reference result stays in *ref (arena a). */
static void run_block(eg_world_t *w, svm_buf_t *txs, size_t n, unsigned threads, svm_arena_t *a,
		      svm_exec_result_t *ref, const char *what)
{
	const uint8_t **p = calloc(n ? n : 1, sizeof *p);
	size_t *lens = calloc(n ? n : 1, sizeof *lens);
	for (size_t i = 0; i < n; i++) {
		p[i] = txs[i].data;
		lens[i] = txs[i].len;
	}
	w->env.height++;
	svm_exec_base_t base = eg_base(w);
	svm_exec_tx_t *prep = svm_arena_alloc(a, (n ? n : 1) * sizeof *prep);
	cr_assert_eq(svm_exec_prepare(CHAIN, p, lens, n, NULL, 1, a, prep), 0);
	cr_assert_eq(svm_exec_sequential(&w->env, prep, n, SVM_EXEC_BUILD, &base, a, ref, NULL), 0);
	svm_arena_t a2;
	svm_arena_init(&a2, 0);
	svm_exec_tx_t *prep2 = svm_arena_alloc(&a2, (n ? n : 1) * sizeof *prep2);
	svm_exec_result_t par;
	cr_assert_eq(svm_exec_block_signed(&w->env, p, lens, n, NULL, SVM_EXEC_BUILD, &base, threads, &a2, prep2,
					   &par, NULL, NULL),
		     0);
	char why[256] = "";
	cr_assert_eq(eg_compare(ref, &par, why, sizeof why), 0, "%s: %u threads differ from the reference: %s",
		     what, threads, why);
	cr_assert_eq(eg_apply(w, ref), 0);
	svm_arena_reset(&a2);
	free(p);
	free(lens);
}

static eth_tx_t tx_of(uint64_t nonce, const svm_evm_addr_t *to, const uint8_t *data, size_t len)
{
	return (eth_tx_t){.chain_id = CHAIN, .nonce = nonce, .gas = 200000, .max_fee = eth_gwei(2), .max_prio = eth_gwei(0), .to = to, .data = data, .data_len = len};
}

Test(evm_node, deploy_call_revert_and_value_move_the_ledger, .init = setup)
{
	setenv("SVM_EXEC_SHORTCUT", "0", 1);
	eg_world_t w;
	fund_t f;
	world(&w, &f);
	cr_assert_eq(balance(&w, &f.keys[0].id), FUND_UNITS);

	svm_buf_t txs[6] = {{0}};
	uint8_t init[64];
	size_t init_len = initcode(init);
	eth_tx_t t = tx_of(0, NULL, init, init_len);
	cr_assert_eq(eth_sign(&f.keys[0], &t, false, &txs[0]), 0);
	svm_evm_addr_t contract;
	create_address(&f.keys[0].addr, 0, &contract);
	uint8_t arg[32] = {0};
	arg[31] = 42;
	t = tx_of(1, &contract, arg, 32);
	t.value = eth_gwei(5); /* 5 base units of SWR into the contract */
	cr_assert_eq(eth_sign(&f.keys[0], &t, false, &txs[1]), 0);
	uint8_t zero[32] = {0};
	t = tx_of(0, &contract, zero, 32); /* reverts */
	cr_assert_eq(eth_sign(&f.keys[1], &t, false, &txs[2]), 0);
	t = tx_of(1, &f.keys[3].addr, NULL, 0); /* a plain value transfer, legacy */
	t.legacy = true;
	t.value = eth_gwei(123456);
	cr_assert_eq(eth_sign(&f.keys[1], &t, false, &txs[3]), 0);
	t = tx_of(2, &f.keys[3].addr, NULL, 0); /* not whole units of SWR: fails, pays */
	t.value = (svm_u256_t){{1, 0, 0, 0}};
	cr_assert_eq(eth_sign(&f.keys[1], &t, false, &txs[4]), 0);
	t = tx_of(0, &f.keys[3].addr, NULL, 0); /* wrong chain: never included */
	t.chain_id = CHAIN + 1;
	cr_assert_eq(eth_sign(&f.keys[2], &t, false, &txs[5]), 0);

	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_exec_result_t r;
	run_block(&w, txs, 6, 2, &a, &r, "deploy block");
	cr_assert_eq(r.included, 5);
	cr_assert_eq(r.status[5], SVM_ECHAIN);
	cr_assert_eq(r.receipts[0].status, 0, "deploy status %d", r.receipts[0].status);
	cr_assert_eq(r.receipts[1].status, 0, "call status %d", r.receipts[1].status);
	cr_assert_eq(r.receipts[2].status, svm_receipt_status(SVM_EABORT));
	cr_assert_eq(r.receipts[3].status, 0);
	cr_assert_eq(r.receipts[4].status, svm_receipt_status(SVM_EFUNDS));
	/* gas is the steps, fee = a + b·bytes + c·gas */
	for (int i = 0; i < 5; i++)
		cr_assert_eq(r.receipts[i].fee_charged, 1000 + 2 * r.receipts[i].tx_bytes + r.receipts[i].steps);
	cr_assert_eq(r.receipts[3].steps, 21000);
	cr_assert_eq(r.receipts[1].events_len, 1);
	cr_assert_eq(r.receipts[1].events[0].data_len, 20 + 1 + 32);
	cr_assert_eq(memcmp(r.receipts[1].events[0].data, contract.b, 20), 0);
	cr_assert_eq(r.receipts[1].events[0].data[52], 42);

	/* ledger: fees and values in whole units; the code and the slot are objects */
	svm_id_t cid;
	svm_evm_identity(&contract, &cid);
	cr_assert_eq(balance(&w, &cid), 5);
	cr_assert_eq(balance(&w, &f.keys[0].id), FUND_UNITS - 5 - r.receipts[0].fee_charged - r.receipts[1].fee_charged);
	cr_assert_eq(balance(&w, &f.keys[3].id), FUND_UNITS + 123456);
	cr_assert_eq(balance(&w, &f.keys[1].id), FUND_UNITS - 123456 - r.receipts[2].fee_charged -
							 r.receipts[3].fee_charged - r.receipts[4].fee_charged);
	cr_assert_eq(balance(&w, &f.keys[2].id), FUND_UNITS);
	svm_object_t o;
	svm_id_t id;
	svm_evm_code_id(&contract, &id);
	cr_assert(object(&w, &id, &o));
	cr_assert_eq(o.payload_len, sizeof RUNTIME);
	cr_assert_eq(memcmp(o.payload, RUNTIME, sizeof RUNTIME), 0);
	uint8_t key[32] = {0};
	memcpy(key + 12, f.keys[0].addr.b, 20);
	svm_evm_slot_id(&contract, key, &id);
	cr_assert(object(&w, &id, &o));
	cr_assert_eq(o.payload[31], 42);
	memcpy(key + 12, f.keys[1].addr.b, 20);
	svm_evm_slot_id(&contract, key, &id);
	cr_assert_not(object(&w, &id, &o), "the reverted call wrote nothing");
	/* one nonce per identity */
	uint64_t nonce = 0;
	svm_account_id(&f.keys[1].id, &id);
	cr_assert(object(&w, &id, &o));
	svm_reader_t rd = svm_reader(o.payload, o.payload_len);
	cr_assert_eq(svm_varint_read(&rd, &nonce), 0);
	cr_assert_eq(nonce, 3);

	/* the next block: replaying a used nonce is left out; the stored code runs again */
	svm_buf_t more[4] = {{0}};
	t = tx_of(1, &contract, arg, 32);
	cr_assert_eq(eth_sign(&f.keys[0], &t, false, &more[0]), 0);
	arg[31] = 7;
	t = tx_of(2, &contract, arg, 32);
	cr_assert_eq(eth_sign(&f.keys[0], &t, false, &more[1]), 0);
	/* SWR's ERC-20 view: transfer(keys[4], 77) moves 77 base units of the ledger balance; a
	 * second one past the balance reverts and moves nothing */
	svm_evm_addr_t view;
	svm_evm_token_address(&w.env.fee_token, &view);
	uint8_t call[4 + 64] = {0xa9, 0x05, 0x9c, 0xbb};
	memcpy(call + 4 + 12, f.keys[4].addr.b, 20);
	call[4 + 63] = 77;
	t = tx_of(0, &view, call, sizeof call);
	cr_assert_eq(eth_sign(&f.keys[2], &t, false, &more[2]), 0);
	memset(call + 4 + 32, 0xff, 24); /* 2^192-ish: above the balance and the ledger's 64 bits */
	t = tx_of(1, &view, call, sizeof call);
	cr_assert_eq(eth_sign(&f.keys[2], &t, false, &more[3]), 0);
	svm_arena_t a2;
	svm_arena_init(&a2, 0);
	run_block(&w, more, 4, 2, &a2, &r, "second block");
	cr_assert_eq(r.status[0], SVM_ENONCE);
	cr_assert_eq(r.included, 3);
	cr_assert_eq(r.receipts[0].status, 0);
	cr_assert_eq(r.receipts[1].status, 0, "view transfer status %d", r.receipts[1].status);
	cr_assert_eq(r.receipts[2].status, svm_receipt_status(SVM_EABORT));
	cr_assert_eq(r.receipts[1].events_len, 1, "the Transfer log");
	cr_assert_eq(balance(&w, &f.keys[4].id), FUND_UNITS + 77);
	cr_assert_eq(balance(&w, &f.keys[2].id),
		     FUND_UNITS - 77 - r.receipts[1].fee_charged - r.receipts[2].fee_charged);
	memcpy(key + 12, f.keys[0].addr.b, 20);
	svm_evm_slot_id(&contract, key, &id);
	cr_assert(object(&w, &id, &o));
	cr_assert_eq(o.payload[31], 7);
	/* supply is conserved: the burned fees left it, nothing else moved it */
	for (int i = 0; i < 6; i++) svm_buf_free(&txs[i]);
	for (int i = 0; i < 4; i++) svm_buf_free(&more[i]);
	svm_arena_reset(&a);
	svm_arena_reset(&a2);
	eg_world_free(&w);
}

/* Random blocks of calls, value transfers, reverts and native transfers to EVM identities:
 * every thread count gives the reference's receipts and writes. */
Test(evm_node, random_blocks_parallel_equals_sequential, .init = setup)
{
	setenv("SVM_EXEC_SHORTCUT", "0", 1);
	unsigned seed = ct_seed();
	eg_rng_t r = {.s = seed};
	eg_world_t w;
	fund_t f;
	world(&w, &f);
	uint64_t nonce[KEYS] = {0};
	svm_evm_addr_t contracts[KEYS], swr_view;
	svm_evm_token_address(&w.env.fee_token, &swr_view);
	svm_buf_t txs[KEYS] = {{0}};
	uint8_t init[64];
	size_t init_len = initcode(init);
	for (int i = 0; i < KEYS; i++) {
		eth_tx_t t = tx_of(nonce[i], NULL, init, init_len);
		create_address(&f.keys[i].addr, nonce[i]++, &contracts[i]);
		cr_assert_eq(eth_sign(&f.keys[i], &t, false, &txs[i]), 0);
	}
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_exec_result_t res;
	run_block(&w, txs, KEYS, 2, &a, &res, "deploys");
	cr_assert_eq(res.included, KEYS);
	for (int i = 0; i < KEYS; i++) {
		cr_assert_eq(res.receipts[i].status, 0);
		svm_buf_free(&txs[i]);
	}
	for (int b = 0; b < 3; b++) {
		size_t n = 40 + eg_below(&r, 60);
		svm_buf_t *bt = calloc(n, sizeof *bt);
		for (size_t i = 0; i < n; i++) {
			int k = (int)eg_below(&r, KEYS);
			uint8_t arg[32] = {0};
			arg[31] = (uint8_t)eg_below(&r, 3); /* 0 reverts */
			arg[30] = (uint8_t)eg_below(&r, 256);
			const svm_evm_addr_t *to = eg_below(&r, 3) ? &contracts[eg_below(&r, 2)] : &f.keys[eg_below(&r, KEYS)].addr;
			uint8_t call[4 + 64] = {0xa9, 0x05, 0x9c, 0xbb}; /* transfer(address,uint256) */
			bool view = eg_below(&r, 5) == 0;                /* through SWR's ERC-20 view */
			if (view) {
				memcpy(call + 4 + 12, f.keys[eg_below(&r, KEYS)].addr.b, 20);
				call[4 + 63] = (uint8_t)eg_below(&r, 200);
				to = &swr_view;
			}
			eth_tx_t t = view ? tx_of(nonce[k]++, to, call, sizeof call) : tx_of(nonce[k]++, to, arg, 32);
			t.value = eth_gwei(eg_below(&r, 4) ? eg_below(&r, 1000) : 0);
			t.legacy = eg_below(&r, 4) == 0;
			cr_assert_eq(eth_sign(&f.keys[k], &t, false, &bt[i]), 0);
		}
		svm_arena_t ab;
		svm_arena_init(&ab, 0);
		char what[64];
		snprintf(what, sizeof what, "seed %u block %d", seed, b);
		run_block(&w, bt, n, 2 + (unsigned)eg_below(&r, 3), &ab, &res, what);
		cr_assert_eq(res.included, n, "%s: every transaction is includable", what);
		svm_arena_reset(&ab);
		for (size_t i = 0; i < n; i++) svm_buf_free(&bt[i]);
		free(bt);
	}
	svm_arena_reset(&a);
	eg_world_free(&w);
}

/* The ERC-20 views' logs carry the standard topics: keccak256 of the event signature. The
 * Approval topic hashed 34 bytes (the signature's NUL included) until a static assertion on its
 * length caught it: wallets and indexers filtering on the standard topic saw no approvals. */
Test(evm_node, erc20_view_logs_carry_the_standard_event_topics, .init = setup)
{
	setenv("SVM_EXEC_SHORTCUT", "0", 1);
	eg_world_t w;
	fund_t f;
	world(&w, &f);
	svm_evm_addr_t view;
	svm_evm_token_address(&w.env.fee_token, &view);
	uint8_t transfer[4 + 64] = {0xa9, 0x05, 0x9c, 0xbb}, approve[4 + 64] = {0x09, 0x5e, 0xa7, 0xb3};
	memcpy(transfer + 4 + 12, f.keys[4].addr.b, 20);
	transfer[4 + 63] = 5;
	memcpy(approve + 4 + 12, f.keys[5].addr.b, 20);
	approve[4 + 63] = 9;
	svm_buf_t txs[2] = {{0}};
	eth_tx_t t = tx_of(0, &view, transfer, sizeof transfer);
	cr_assert_eq(eth_sign(&f.keys[2], &t, false, &txs[0]), 0);
	t = tx_of(1, &view, approve, sizeof approve);
	cr_assert_eq(eth_sign(&f.keys[2], &t, false, &txs[1]), 0);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_exec_result_t r;
	run_block(&w, txs, 2, 2, &a, &r, "view logs");
	cr_assert_eq(r.included, 2);
	static const uint8_t topic0[2][32] = {
		/* Transfer(address,address,uint256) */
		{0xdd, 0xf2, 0x52, 0xad, 0x1b, 0xe2, 0xc8, 0x9b, 0x69, 0xc2, 0xb0, 0x68, 0xfc, 0x37, 0x8d, 0xaa,
		 0x95, 0x2b, 0xa7, 0xf1, 0x63, 0xc4, 0xa1, 0x16, 0x28, 0xf5, 0x5a, 0x4d, 0xf5, 0x23, 0xb3, 0xef},
		/* Approval(address,address,uint256) */
		{0x8c, 0x5b, 0xe1, 0xe5, 0xeb, 0xec, 0x7d, 0x5b, 0xd1, 0x4f, 0x71, 0x42, 0x7d, 0x1e, 0x84, 0xf3,
		 0xdd, 0x03, 0x14, 0xc0, 0xf7, 0xb2, 0x29, 0x1e, 0x5b, 0x20, 0x0a, 0xc8, 0xc7, 0xc3, 0xb9, 0x25},
	};
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(r.receipts[i].status, 0, "tx %d status %d", i, r.receipts[i].status);
		cr_assert_eq(r.receipts[i].events_len, 1);
		const svm_event_t *e = &r.receipts[i].events[0];
		/* address ‖ topic count ‖ topics ‖ data */
		cr_assert_eq(e->data_len, 20 + 1 + 3 * 32 + 32);
		cr_assert_eq(memcmp(e->data, view.b, 20), 0);
		cr_assert_eq(e->data[20], 3);
		cr_assert_eq(memcmp(e->data + 21, topic0[i], 32), 0, "tx %d: topic0 is not the standard one", i);
		cr_assert_eq(e->data[21 + 96 + 31], i ? 9 : 5);
	}
	for (int i = 0; i < 2; i++) svm_buf_free(&txs[i]);
	svm_arena_reset(&a);
	eg_world_free(&w);
}

Test(evm_node, envelope_decoding_refuses_bad_input, .init = setup)
{
	eth_key_t k;
	eth_key(&k, 99);
	svm_buf_t b = {0};
	eth_tx_t t = tx_of(0, &k.addr, NULL, 0);
	cr_assert_eq(eth_sign(&k, &t, false, &b), 0);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_tx_t tx;
	svm_hash_t id;
	svm_error_t err = {0};
	cr_assert_eq(svm_tx_decode_any(b.data, b.len, &a, &tx, &id, &err), 0, "%s", err.msg);
	cr_assert_eq(tx.vm, SVM_VM_EVM);
	cr_assert(svm_hash_eq(&tx.sender, &k.id));
	cr_assert_eq(tx.fee_limit, 2 * 200000);
	cr_assert_eq(svm_tx_verify_any(&tx, &id), 0);
	uint8_t h[32];
	svm_keccak256(b.data + 1, b.len - 1, h);
	cr_assert_eq(memcmp(h, id.b, 32), 0, "the id is the Ethereum hash");
	/* a flipped signature byte: another sender or none */
	b.data[b.len - 5] ^= 1;
	int rc = svm_tx_decode_any(b.data, b.len, &a, &tx, &id, &err);
	cr_assert(rc != 0 || !svm_hash_eq(&tx.sender, &k.id));
	b.data[b.len - 5] ^= 1;
	/* trailing byte, truncation */
	cr_assert_eq(svm_buf_append(&b, "\x00", 1), 0);
	cr_assert_eq(svm_tx_decode_any(b.data, b.len, &a, &tx, &id, &err), SVM_EDECODE);
	cr_assert_neq(svm_tx_decode_any(b.data, b.len - 3, &a, &tx, &id, &err), 0);
	/* gas above the block limit */
	svm_buf_t g = {0};
	t.gas = SVM_EVM_BLOCK_GAS_MAX + 1;
	cr_assert_eq(eth_sign(&k, &t, false, &g), 0);
	cr_assert_eq(svm_tx_decode_any(g.data, g.len, &a, &tx, &id, &err), SVM_ELIMIT);
	/* a forged view: sender not the address's identity */
	cr_assert_eq(svm_tx_decode_any(b.data, b.len - 1, &a, &tx, &id, &err), 0);
	tx.sender.b[0] ^= 1;
	cr_assert_eq(svm_tx_verify_any(&tx, &id), SVM_ESIG);
	svm_buf_free(&b);
	svm_buf_free(&g);
	svm_arena_reset(&a);
}

/* BLOCKHASH answers the block env's recent hashes (the 256 before the block, else 0) and
 * PREVRANDAO is SHA-256("svm/evm/prevrandao" ‖ parent hash), the same on the reference and AOEM. */
Test(evm_node, blockhash_and_prevrandao_come_from_the_chain, .init = setup)
{
	setenv("SVM_EXEC_SHORTCUT", "0", 1);
	eg_world_t w;
	fund_t f;
	world(&w, &f);
	svm_hash_t recent[SVM_RECENT_HASHES_MAX];
	for (uint32_t i = 0; i < SVM_RECENT_HASHES_MAX; i++) {
		uint8_t b[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
		svm_sha256(b, sizeof b, &recent[i]);
	}
	w.env.height = 299; /* run_block executes height 300 */
	w.env.recent_hashes = recent;
	w.env.recent_len = SVM_RECENT_HASHES_MAX;
	/* sstore(0, blockhash(n-1)); sstore(1, blockhash(n-256)); sstore(2, blockhash(n-257));
	 * sstore(3, blockhash(n)); sstore(4, prevrandao); stop */
	const uint8_t init[] = {0x43, 0x60, 0x01, 0x90, 0x03, 0x40, 0x60, 0x00, 0x55,       /* */
				0x43, 0x61, 0x01, 0x00, 0x90, 0x03, 0x40, 0x60, 0x01, 0x55, /* */
				0x43, 0x61, 0x01, 0x01, 0x90, 0x03, 0x40, 0x60, 0x02, 0x55, /* */
				0x43, 0x40, 0x60, 0x03, 0x55, 0x44, 0x60, 0x04, 0x55, 0x00};
	svm_buf_t tx = {0};
	eth_tx_t t = tx_of(0, NULL, init, sizeof init);
	cr_assert_eq(eth_sign(&f.keys[0], &t, false, &tx), 0);
	svm_evm_addr_t contract;
	create_address(&f.keys[0].addr, 0, &contract);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_exec_result_t r;
	run_block(&w, &tx, 1, 2, &a, &r, "blockhash block");
	cr_assert_eq(r.receipts[0].status, 0, "status %d", r.receipts[0].status);
	uint8_t want[5][32] = {{0}};
	memcpy(want[0], recent[0].b, 32);
	memcpy(want[1], recent[255].b, 32);
	svm_evm_prevrandao(&recent[0], want[4]);
	for (uint8_t k = 0; k < 5; k++) {
		uint8_t key[32] = {0};
		key[31] = k;
		svm_id_t sid;
		svm_evm_slot_id(&contract, key, &sid);
		svm_object_t o;
		bool is_zero = k == 2 || k == 3;
		cr_assert_eq(object(&w, &sid, &o), !is_zero, "slot %u", k);
		if (!is_zero) cr_assert_eq(memcmp(o.payload, want[k], 32), 0, "slot %u", k);
	}
	/* without the chain's hashes both are 0 (what an env without them gives) */
	cr_assert_neq(memcmp(want[4], want[2], 32), 0);
	svm_buf_free(&tx);
	svm_arena_reset(&a);
	eg_world_free(&w);
}

/* Through the chain: BLOCKHASH(n − 1) is the committed parent's hash, also after the chain is
 * closed and reopened (the window is read back from the store), and PREVRANDAO derives from it. */
Test(evm_node, blockhash_through_the_chain_survives_a_reopen, .init = setup)
{
	eth_key_t k;
	eth_key(&k, 1);
	svm_genesis_t g;
	svm_fee_params_t fees = {0, 0, 1, 0};
	cr_assert_eq(ct_genesis(&g, 1, FUND_UNITS, 0, &fees), 0);
	g.balances[0].owner = k.id;
	char dir[64];
	ct_tmpdir(dir);
	svm_chain_t *c;
	svm_error_t err = {0};
	cr_assert_eq(svm_chain_open(&c, dir, &g, NULL, &err), 0, "%s", err.msg);
	svm_id_t proposer = {{1}};
	for (int i = 0; i < 3; i++)
		cr_assert_eq(svm_chain_build(c, NULL, NULL, 0, 1700000000000ull + 1000u * (unsigned)i, &proposer, NULL, &err),
			     0, "%s", err.msg);
	svm_chain_close(c);
	cr_assert_eq(svm_chain_open(&c, dir, NULL, NULL, &err), 0, "%s", err.msg);
	svm_hash_t parent;
	svm_chain_head(c, &parent, NULL);
	const uint8_t init[] = {0x43, 0x60, 0x01, 0x90, 0x03, 0x40, 0x60, 0x00, 0x55, /* sstore(0, blockhash(n-1)) */
				0x44, 0x60, 0x04, 0x55, 0x00};                        /* sstore(4, prevrandao) */
	svm_buf_t tx = {0};
	eth_tx_t t = {.chain_id = 7, .gas = 200000, .max_fee = eth_gwei(2), .data = init, .data_len = sizeof init};
	cr_assert_eq(eth_sign(&k, &t, false, &tx), 0);
	const uint8_t *p = tx.data;
	size_t len = tx.len;
	svm_build_result_t res[1];
	cr_assert_eq(svm_chain_build(c, &p, &len, 1, 1700000009000ull, &proposer, res, &err), 0, "%s", err.msg);
	cr_assert_eq(res[0].status, 0);
	svm_evm_addr_t contract;
	create_address(&k.addr, 0, &contract);
	uint8_t want[2][32];
	memcpy(want[0], parent.b, 32);
	svm_evm_prevrandao(&parent, want[1]);
	for (int s = 0; s < 2; s++) {
		uint8_t key[32] = {0};
		key[31] = (uint8_t)(s * 4);
		svm_id_t sid;
		svm_evm_slot_id(&contract, key, &sid);
		svm_buf_t ob = {0};
		svm_object_t o;
		cr_assert_eq(svm_chain_object(c, &sid, &ob), 0, "slot %d", s * 4);
		cr_assert_eq(svm_object_decode(ob.data, ob.len, &o, NULL), 0);
		cr_assert_eq(o.payload_len, 32);
		cr_assert_eq(memcmp(o.payload, want[s], 32), 0, "slot %d", s * 4);
		svm_buf_free(&ob);
	}
	svm_buf_free(&tx);
	svm_chain_close(c);
	svm_genesis_free(&g);
	ct_rmdir(dir);
}

/* ------------------------------------------------ lazy balance and nonce of contracts */

typedef struct {
	svm_evm_addr_t from, to;
	const svm_id_t *watch[2]; /* ids whose reads are counted */
	unsigned reads[2];
	uint64_t units; /* value sent, in ledger units */
	int status;
	uint8_t out[32];
	size_t out_len;
	/* install: the code of `to` and a balance for it */
	const uint8_t *code;
	size_t code_len;
	uint64_t fund;
} lazyq_t;

static void lazy_access(void *ud, const svm_id_t *id, bool write)
{
	lazyq_t *q = ud;
	for (int i = 0; i < 2; i++)
		if (!write && svm_hash_eq(id, q->watch[i])) q->reads[i]++;
}

static int lazy_install_fn(svm_txctx_t *c, void *ud)
{
	lazyq_t *q = ud;
	svm_id_t owner, cid;
	svm_evm_identity(&q->to, &owner);
	svm_evm_code_id(&q->to, &cid);
	svm_object_t code = {.id = cid, .owner_kind = SVM_OWNER_IMMUTABLE, .type = SVM_OBJ_CODE, .payload = q->code, .payload_len = q->code_len};
	int rc = svm_host_put(c, &code);
	return rc || !q->fund ? rc : svm_ledger_mint(c, c->implicit_token, &owner, q->fund);
}

static int lazy_call_fn(svm_txctx_t *c, void *ud)
{
	lazyq_t *q = ud;
	svm_evm_block_t blk;
	svm_evm_block_env(CHAIN, c->height, c->timestamp_ms, &c->proposer, 0, &blk);
	svm_u256_t v = {{q->units * 1000000000ull, 0, 0, 0}};
	svm_evm_result_t res;
	svm_error_t err = {0};
	c->on_access = lazy_access;
	c->on_access_ud = q;
	int rc = svm_evm_call(c, &blk, &q->from, &q->to, &v, NULL, 0, 100000, &res, &err);
	c->on_access = NULL;
	q->status = res.status;
	q->out_len = res.output_len < 32 ? res.output_len : 32;
	if (q->out_len) memcpy(q->out, res.output, q->out_len);
	svm_evm_result_free(&res);
	return rc;
}

/* A call into a contract loads the contract's balance and nonce only when something reads them
 * (acct_t.lazy): a call with no value to code that never asks reads neither object, and so is
 * neither in an optimistic transaction's read set; SELFBALANCE, and a call with value, read the
 * balance and see the ledger's. */
Test(evm_node, a_contracts_balance_and_nonce_load_only_when_read, .init = setup)
{
	eg_world_t w;
	fund_t f;
	world(&w, &f);
	const uint8_t stop[] = {0x00};
	const uint8_t selfbal[] = {0x47, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3}; /* return selfbalance */
	svm_evm_addr_t plain = {{0xc0, [19] = 1}}, rich = {{0xc0, [19] = 2}};
	svm_exec_base_t base = eg_base(&w);
	svm_exec_result_t res;
	svm_arena_t a;
	svm_arena_init(&a, 0);
	lazyq_t q[2] = {{.to = plain, .code = stop, .code_len = 1}, {.to = rich, .code = selfbal, .code_len = sizeof selfbal, .fund = 77}};
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(svm_exec_system(&w.env, &base, lazy_install_fn, &q[i], &a, &res), 0);
		cr_assert_eq(eg_apply(&w, &res), 0);
	}
	for (int i = 0; i < 3; i++) {
		lazyq_t *x = &q[i == 1];
		svm_id_t owner, bal, acct;
		svm_evm_identity(&x->to, &owner);
		svm_balance_id(&w.env.fee_token, &owner, &bal);
		svm_account_id(&owner, &acct);
		x->from = f.keys[0].addr;
		x->watch[0] = &bal;
		x->watch[1] = &acct;
		x->reads[0] = x->reads[1] = 0;
		x->units = i == 2 ? 5 : 0; /* the third: value to the plain contract */
		base = eg_base(&w);
		cr_assert_eq(svm_exec_system(&w.env, &base, lazy_call_fn, x, &a, &res), 0);
		cr_assert_eq(x->status, 1, "call %d", i);
		if (i == 0) {
			cr_assert_eq(x->reads[0] + x->reads[1], 0, "balance read %u, account read %u", x->reads[0], x->reads[1]);
		} else if (i == 1) {
			cr_assert_geq(x->reads[0], 1); /* SELFBALANCE read the ledger */
			cr_assert_eq(x->out_len, 32);
			uint8_t want[32] = {0};
			uint64_t wei_lo = 77ull * 1000000000ull;
			for (int k = 0; k < 8; k++) want[31 - k] = (uint8_t)(wei_lo >> (8 * k));
			cr_assert_eq(memcmp(x->out, want, 32), 0, "SELFBALANCE is the ledger's 77 units in wei");
		} else {
			cr_assert_geq(x->reads[0], 1); /* a value moved: the balance was loaded */
		}
	}
	svm_arena_reset(&a);
	eg_world_free(&w);
}

/* Contract code is shared between a thread's transactions (backend.c's code cache, by address),
 * but only while the state holds the same bytes: the same address with other code (here: two
 * worlds, one thread) runs the new code with its own jumpdest analysis — the second code jumps
 * to offset 4, which is no JUMPDEST in the first. And a load served from the cache still reads
 * the code object, so every engine records the same read. */
Test(evm_node, the_code_cache_follows_the_state_not_the_address, .init = setup)
{
	/* return (round + 1) as a word, after a jump over INVALID */
	const uint8_t code[2][14] = {{0x60, 0x05, 0x56, 0xfe, 0xfe, 0x5b, 0x60, 0x01, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3},
				     {0x60, 0x04, 0x56, 0xfe, 0x5b, 0x60, 0x02, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3, 0xfe}};
	svm_evm_addr_t to = {{0xc0, [19] = 7}};
	svm_id_t cid;
	svm_evm_code_id(&to, &cid);
	for (int round = 0; round < 2; round++) {
		eg_world_t w;
		fund_t f;
		world(&w, &f);
		svm_exec_base_t base = eg_base(&w);
		svm_exec_result_t res;
		svm_arena_t a;
		svm_arena_init(&a, 0);
		lazyq_t q = {.to = to, .code = code[round], .code_len = sizeof code[round]};
		cr_assert_eq(svm_exec_system(&w.env, &base, lazy_install_fn, &q, &a, &res), 0);
		cr_assert_eq(eg_apply(&w, &res), 0);
		for (int call = 0; call < 3; call++) {
			q.from = f.keys[0].addr;
			q.watch[0] = q.watch[1] = &cid;
			q.reads[0] = q.reads[1] = 0;
			base = eg_base(&w);
			cr_assert_eq(svm_exec_system(&w.env, &base, lazy_call_fn, &q, &a, &res), 0);
			cr_assert_eq(q.status, 1, "round %d call %d: the jump landed on a JUMPDEST", round, call);
			cr_assert_eq(q.out_len, 32);
			cr_assert_eq(q.out[31], round + 1, "round %d call %d runs the state's code", round, call);
			cr_assert_geq(q.reads[0], 1, "round %d call %d read the code object", round, call);
		}
		svm_arena_reset(&a);
		eg_world_free(&w);
	}
}

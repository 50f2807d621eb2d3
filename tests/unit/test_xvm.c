/* Cross-VM calls (docs/evm.md, "Cross-VM calls"): a WebAssembly contract (contracts/examples/
 * xvm.c) and an EVM contract (tests/evm/xvm_asm.py) calling each other inside one transaction,
 * all or nothing. Every block runs on the sequential reference and on AOEM, whose receipts and
 * write sets must be byte-identical; then the state is checked: a callee's failure undoes the
 * callee's writes only when the caller catches it, everything when it propagates; the depth
 * bound shared by both VMs; running out of gas across the boundary. */
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
#define FUND_UNITS 1000000000000ull /* 1000 SWR each */
#define SENDERS 3

/* tests/evm/xvm_asm.py: calldata[0] selects 1 set slot 1, 2 set slot 1 then revert, 3 call
 * WebAssembly (0x03 ‖ mode ‖ u32 gas ‖ contract id ‖ u8 len ‖ method ‖ input: slot 2 = 0xaa,
 * slot 3 = success + 1, slot 4 = the first output word; mode 1 reverts when the call failed,
 * mode 2 always), 4 loop forever, 5 bounce (slot 0 += 1, calls the WebAssembly contract in
 * calldata[1:33] "bounce" with this address). */
static const char E_RUNTIME[] =
	"5f3560f81c806001146100305780600214610038578060031461004757806004146100425780600514610098"
	"575f5ffd5b600135600155005b6001356001555f5ffd5b610042565b60aa600255600636038060065f3760"
	"20611000825f5f61ca1160023560e01c80155a0201f1806001016003556110005160045560013560f81c80"
	"6002146100945760011490151661009457005b5f5ffd5b5f546001015f556001355f526606626f756e6365"
	"60c81b6020523060601b6027525f5f603b5f5f61ca115af15000";

typedef struct {
	eth_key_t eth[SENDERS];
	svm_keypair_t ed[SENDERS];
} keys_t;

typedef struct {
	eg_world_t w;
	keys_t k;
	uint64_t eth_nonce[SENDERS], ed_nonce[SENDERS];
	svm_id_t wasm;      /* the WebAssembly contract */
	svm_evm_addr_t evm; /* the EVM contract */
	svm_arena_t arena;
	svm_exec_result_t res;
} fx_t;

static int fund_fn(svm_txctx_t *c, void *ud)
{
	keys_t *k = ud;
	for (int i = 0; i < SENDERS; i++) {
		int rc = svm_ledger_mint(c, c->implicit_token, &k->eth[i].id, FUND_UNITS);
		if (rc == 0) rc = svm_ledger_mint(c, c->implicit_token, &k->ed[i].id, FUND_UNITS);
		if (rc) return rc;
	}
	return 0;
}

/* Runs the block on the reference and on AOEM at 1 and 2 threads (eg_signed_block_1_2), requires
 * identical results, applies the reference's writes; the reference's result stays in f->res. */
static void run_block(fx_t *f, svm_buf_t *txs, size_t n, const char *what)
{
	const uint8_t **p = calloc(n, sizeof *p);
	size_t *lens = calloc(n, sizeof *lens);
	for (size_t i = 0; i < n; i++) {
		p[i] = txs[i].data;
		lens[i] = txs[i].len;
	}
	svm_arena_reset(&f->arena);
	char why[256] = "";
	cr_assert_eq(eg_signed_block_1_2(&f->w, CHAIN, p, lens, n, &f->arena, &f->res, why, sizeof why), 0,
		     "%s: %s", what, why);
	cr_assert_eq(f->res.included, n, "%s: every transaction is included", what);
	cr_assert_eq(eg_apply(&f->w, &f->res), 0);
	free(p);
	free(lens);
}

static bool object(fx_t *f, const svm_id_t *id, svm_object_t *o)
{
	svm_exec_base_t base = eg_base(&f->w);
	const uint8_t *p;
	size_t n;
	if (base.get(base.ud, 0, id, &p, &n) == SVM_ENOTFOUND) return false;
	cr_assert_eq(svm_object_decode(p, n, o, NULL), 0);
	return true;
}

/* The WebAssembly contract's value under key (length, or -1 when absent; copied to out). */
static int wslot(fx_t *f, const char *key, uint8_t *out, size_t cap)
{
	svm_id_t id;
	svm_object_t o;
	svm_contract_slot_id(&f->wasm, (const uint8_t *)key, strlen(key), &id);
	if (!object(f, &id, &o)) return -1;
	memcpy(out, o.payload, o.payload_len < cap ? o.payload_len : cap);
	return (int)o.payload_len;
}

static bool wslot_is(fx_t *f, const char *key, const void *want, size_t len)
{
	uint8_t v[256];
	int n = wslot(f, key, v, sizeof v);
	return n == (int)len && memcmp(v, want, len) == 0;
}

/* The EVM contract's slot k (its low 8 bytes; 0 when absent). */
static uint64_t eslot(fx_t *f, uint8_t k)
{
	uint8_t key[32] = {0};
	key[31] = k;
	svm_id_t id;
	svm_object_t o;
	svm_evm_slot_id(&f->evm, key, &id);
	if (!object(f, &id, &o)) return 0;
	cr_assert_eq(o.payload_len, 32);
	uint64_t v = 0;
	for (int i = 24; i < 32; i++) v = v << 8 | o.payload[i];
	return v;
}

static void wasm_tx(fx_t *f, int who, const char *method, const uint8_t *in, size_t len, uint64_t fee_limit,
		    svm_buf_t *out)
{
	svm_buf_t payload = {0};
	cr_assert_eq(svm_contract_call_payload(&payload, &f->wasm, method, in, len, NULL, 0), 0);
	ct_txopt_t opt = {.chain_id = CHAIN, .nonce = f->ed_nonce[who]++, .fee_limit = fee_limit};
	svm_hash_t id;
	cr_assert_eq(ct_tx(out, &f->k.ed[who], SVM_VM_WASM, payload.data, payload.len, NULL, 0, &opt, &id), 0);
	svm_buf_free(&payload);
}

static void eth_tx(fx_t *f, int who, const svm_evm_addr_t *to, const uint8_t *data, size_t len, uint64_t gas,
		   svm_buf_t *out)
{
	eth_tx_t t = {.chain_id = CHAIN, .nonce = f->eth_nonce[who]++, .gas = gas, .max_fee = eth_gwei(2), .max_prio = eth_gwei(0), .to = to, .data = data, .data_len = len};
	cr_assert_eq(eth_sign(&f->k.eth[who], &t, false, out), 0);
}

/* call_evm's input: to ‖ u64 gas (LE) ‖ mode ‖ calldata. */
static size_t call_evm_input(fx_t *f, uint64_t gas, uint8_t mode, const uint8_t *cd, size_t cd_len, uint8_t *out)
{
	memcpy(out, f->evm.b, 20);
	for (int i = 0; i < 8; i++) out[20 + i] = (uint8_t)(gas >> (8 * i));
	out[28] = mode;
	memcpy(out + 29, cd, cd_len);
	return 29 + cd_len;
}

/* The EVM contract's op 3: 0x03 ‖ mode ‖ u32 gas ‖ wasm id ‖ u8 len ‖ method ‖ input. */
static size_t call_wasm_data(fx_t *f, uint8_t mode, uint32_t gas, const char *method, const char *in, uint8_t *out)
{
	size_t m = strlen(method), n = strlen(in);
	out[0] = 3;
	out[1] = mode;
	for (int i = 0; i < 4; i++) out[2 + i] = (uint8_t)(gas >> (24 - 8 * i));
	memcpy(out + 6, f->wasm.b, 32);
	out[38] = (uint8_t)m;
	memcpy(out + 39, method, m);
	memcpy(out + 39 + m, in, n);
	return 39 + m + n;
}

static void read_file(const char *path, svm_buf_t *out)
{
	FILE *fp = fopen(path, "rb");
	cr_assert_not_null(fp, "%s missing: build it with `make contracts`", path);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) cr_assert_eq(svm_buf_append(out, chunk, n), 0);
	fclose(fp);
}

static void setup_fx(fx_t *f)
{
	cr_assert_eq(svm_crypto_init(), 0);
	setenv("SVM_EXEC_SHORTCUT", "0", 1);
	memset(f, 0, sizeof *f);
	eg_rng_t r = {.s = 1};
	eg_config_t cfg = {.accounts = 2, .transfers_only = true};
	cr_assert_eq(eg_world_init(&f->w, &r, &cfg), 0);
	f->w.env.chain_id = CHAIN;
	f->w.env.fees = (svm_fee_params_t){1000, 2, 1, 0};
	for (int i = 0; i < SENDERS; i++) {
		eth_key(&f->k.eth[i], (uint64_t)i + 1);
		ct_key((uint64_t)i + 1, &f->k.ed[i]);
	}
	svm_arena_init(&f->arena, 0);
	svm_exec_base_t base = eg_base(&f->w);
	cr_assert_eq(svm_exec_system(&f->w.env, &base, fund_fn, &f->k, &f->arena, &f->res), 0);
	cr_assert_eq(eg_apply(&f->w, &f->res), 0);
	/* deploy both contracts in one block */
	svm_buf_t code = {0}, payload = {0}, txs[2] = {{0}};
	read_file("build/contracts/xvm.wasm", &code);
	cr_assert_eq(svm_contract_deploy_payload(&payload, code.data, code.len), 0);
	svm_contract_id(&f->k.ed[0].id, f->ed_nonce[0], &f->wasm);
	ct_txopt_t opt = {.chain_id = CHAIN, .nonce = f->ed_nonce[0]++, .fee_limit = 100000000};
	svm_hash_t id;
	cr_assert_eq(ct_tx(&txs[0], &f->k.ed[0], SVM_VM_WASM, payload.data, payload.len, NULL, 0, &opt, &id), 0);
	uint8_t runtime[512], init[600];
	size_t rl = strlen(E_RUNTIME) / 2;
	cr_assert_eq(svm_hex_decode(runtime, rl, E_RUNTIME), 0);
	const uint8_t head[] = {0x61, (uint8_t)(rl >> 8), (uint8_t)rl, 0x80, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3};
	memcpy(init, head, sizeof head);
	memcpy(init + sizeof head, runtime, rl);
	svm_buf_t b = {0};
	cr_assert_eq(svm_rlp_put_bytes(&b, f->k.eth[0].addr.b, 20), 0);
	cr_assert_eq(svm_rlp_put_uint(&b, f->eth_nonce[0]), 0);
	cr_assert_eq(svm_rlp_wrap_list(&b, 0), 0);
	uint8_t h[32];
	svm_keccak256(b.data, b.len, h);
	memcpy(f->evm.b, h + 12, 20);
	svm_buf_free(&b);
	eth_tx(f, 0, NULL, init, sizeof head + rl, 1000000, &txs[1]);
	run_block(f, txs, 2, "deploys");
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(f->res.receipts[i].status, 0, "deploy %d", i);
		svm_buf_free(&txs[i]);
	}
	svm_buf_free(&code);
	svm_buf_free(&payload);
}

static void teardown_fx(fx_t *f)
{
	svm_arena_reset(&f->arena);
	eg_world_free(&f->w);
}

/* One transaction in its own block; returns its receipt's status. */
static unsigned run1(fx_t *f, svm_buf_t *tx, const char *what)
{
	run_block(f, tx, 1, what);
	svm_buf_free(tx);
	cr_log_info("xvm: %-28s status %3u  steps %8llu", what, f->res.receipts[0].status,
		    (unsigned long long)f->res.receipts[0].steps);
	return f->res.receipts[0].status;
}

Test(xvm, wasm_calls_evm_and_evm_calls_wasm_all_or_nothing)
{
	fx_t f;
	setup_fx(&f);
	uint8_t in[256], cd[160];
	svm_buf_t tx = {0};

	/* 1. wasm -> evm, success: both VMs' writes stay */
	uint8_t set42[33] = {1};
	set42[32] = 0x42;
	wasm_tx(&f, 1, "call_evm", in, call_evm_input(&f, 0, 0, set42, 33, in), 10000000, &tx);
	cr_assert_eq(run1(&f, &tx, "wasm->evm"), 0);
	cr_assert_eq(eslot(&f, 1), 0x42, "the EVM callee's write");
	cr_assert(wslot_is(&f, "w", set42, 33), "the WebAssembly caller's write");
	cr_assert(wslot_is(&f, "r", "\0\0\0\0", 4), "success, no output");

	/* 2. evm -> wasm, success: the callee's output reaches the caller */
	eth_tx(&f, 1, &f.evm, cd, call_wasm_data(&f, 0, 0, "put", "hello", cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "evm->wasm"), 0);
	cr_assert(wslot_is(&f, "v", "hello", 5));
	cr_assert_eq(eslot(&f, 2), 0xaa);
	cr_assert_eq(eslot(&f, 3), 2, "the call succeeded");
	cr_assert_eq(eslot(&f, 4), 0, "output \"ok\" is in the high bytes of the word");
	uint8_t key[32] = {0}, want[32] = {'o', 'k'};
	key[31] = 4;
	svm_id_t sid;
	svm_object_t o;
	svm_evm_slot_id(&f.evm, key, &sid);
	cr_assert(object(&f, &sid, &o) && o.payload_len == 32 && memcmp(o.payload, want, 32) == 0,
		  "the WebAssembly return data as the EVM's return data");

	/* 3. evm -> wasm, the callee aborts and the caller catches it: only the callee's write goes */
	eth_tx(&f, 1, &f.evm, cd, call_wasm_data(&f, 0, 0, "put_abort", "caught", cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "evm->wasm caught"), 0);
	cr_assert(wslot_is(&f, "v", "hello", 5), "the aborted callee's write is undone");
	cr_assert_eq(eslot(&f, 3), 1, "the caller saw the failure");
	uint8_t no[32] = {'n', 'o'};
	cr_assert(object(&f, &sid, &o) && memcmp(o.payload, no, 32) == 0, "the abort message as revert data");

	/* 4. evm -> wasm, the failure propagates: everything is undone */
	eth_tx(&f, 1, &f.evm, cd, call_wasm_data(&f, 1, 0, "put_abort", "gone", cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "evm->wasm propagated"), svm_receipt_status(SVM_EABORT));
	cr_assert(wslot_is(&f, "v", "hello", 5));
	cr_assert_eq(eslot(&f, 3), 1, "the EVM caller's writes are undone too");
	/* ... and a caller that reverts after the callee succeeded undoes the callee's writes */
	eth_tx(&f, 1, &f.evm, cd, call_wasm_data(&f, 2, 0, "put", "later", cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "evm reverts after wasm"), svm_receipt_status(SVM_EABORT));
	cr_assert(wslot_is(&f, "v", "hello", 5), "the succeeded callee's write is undone");

	/* 5. wasm -> evm, the EVM callee reverts and the caller catches it */
	uint8_t setrev[33] = {2};
	setrev[32] = 0x99;
	wasm_tx(&f, 1, "call_evm", in, call_evm_input(&f, 0, 0, setrev, 33, in), 10000000, &tx);
	cr_assert_eq(run1(&f, &tx, "wasm->evm caught"), 0);
	cr_assert_eq(eslot(&f, 1), 0x42, "the reverted EVM write is undone");
	cr_assert(wslot_is(&f, "w", setrev, 33), "the caller's own write stays");
	cr_assert(wslot_is(&f, "r", "\xff\xff\xff\xff", 4), "-1: failed, no revert data");

	/* 6. wasm -> evm, the caller aborts after the EVM succeeded: the EVM's write is undone */
	uint8_t set55[33] = {1};
	set55[32] = 0x55;
	wasm_tx(&f, 1, "call_evm", in, call_evm_input(&f, 0, 2, set55, 33, in), 10000000, &tx);
	cr_assert_eq(run1(&f, &tx, "wasm aborts after evm"), svm_receipt_status(SVM_EABORT));
	cr_assert_eq(eslot(&f, 1), 0x42);
	cr_assert(wslot_is(&f, "w", setrev, 33));
	teardown_fx(&f);
}

Test(xvm, the_depth_bound_is_shared_by_both_vms)
{
	fx_t f;
	setup_fx(&f);
	svm_buf_t tx = {0};
	wasm_tx(&f, 0, "bounce", f.evm.b, 20, 100000000, &tx);
	cr_assert_eq(run1(&f, &tx, "bounce"), 0);
	uint8_t n[8];
	cr_assert_eq(wslot(&f, "n", n, 8), 8);
	/* WebAssembly at cross-VM depths 0, 2, 4, 6, 8; the EVM at 1, 3, 5, 7; the call to depth 9
	 * fails and every level before it keeps its write */
	cr_assert_eq(svm_get_u64le(n), (SVM_XVM_DEPTH_MAX / 2) + 1);
	cr_assert_eq(eslot(&f, 0), SVM_XVM_DEPTH_MAX / 2);
	/* from the EVM side: the EVM at 0, 2, …, 8 */
	uint8_t cd[33] = {5};
	memcpy(cd + 1, f.wasm.b, 32);
	eth_tx(&f, 0, &f.evm, cd, sizeof cd, 5000000, &tx);
	cr_assert_eq(run1(&f, &tx, "bounce from the EVM"), 0);
	cr_assert_lt(f.res.receipts[0].steps, 1000000, "the refused call returns its gas");
	cr_assert_eq(wslot(&f, "n", n, 8), 8);
	cr_assert_eq(svm_get_u64le(n), (SVM_XVM_DEPTH_MAX / 2) + 1 + SVM_XVM_DEPTH_MAX / 2);
	cr_assert_eq(eslot(&f, 0), SVM_XVM_DEPTH_MAX / 2 + SVM_XVM_DEPTH_MAX / 2 + 1);
	teardown_fx(&f);
}

Test(xvm, out_of_gas_across_the_boundary)
{
	fx_t f;
	setup_fx(&f);
	uint8_t in[256], cd[160];
	svm_buf_t tx = {0};
	/* the EVM callee loops: its 50,000 gas are spent, the WebAssembly caller goes on */
	uint8_t loop[1] = {4};
	wasm_tx(&f, 0, "call_evm", in, call_evm_input(&f, 50000, 0, loop, 1, in), 10000000, &tx);
	cr_assert_eq(run1(&f, &tx, "evm callee out of gas"), 0);
	cr_assert(wslot_is(&f, "r", "\xff\xff\xff\xff", 4));
	cr_assert_geq(f.res.receipts[0].steps, 50000 + SVM_EVM_XVM_GAS_BASE, "the callee's gas is the caller's steps");
	/* the WebAssembly callee spins: its 100,000 steps are spent, the EVM caller goes on */
	eth_tx(&f, 0, &f.evm, cd, call_wasm_data(&f, 0, 100000, "spin", "", cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "wasm callee out of steps"), 0);
	cr_assert_eq(eslot(&f, 3), 1, "the call failed");
	cr_assert_geq(f.res.receipts[0].steps, 100000 + SVM_EVM_XVM_GAS_BASE, "the callee's steps are gas");
	/* a method that does not exist: the call fails like a trap */
	eth_tx(&f, 0, &f.evm, cd, call_wasm_data(&f, 0, 100000, "put_then", "", cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "no such method"), 0);
	cr_assert_eq(eslot(&f, 3), 1);
	/* the spinning callee gets all but 1/64 of the caller's gas, which then cannot finish: the
	 * transaction is out of gas and nothing stays */
	uint8_t v_before[256];
	int v_len = wslot(&f, "v", v_before, sizeof v_before);
	eth_tx(&f, 0, &f.evm, cd, call_wasm_data(&f, 0, 100000, "spin", "", cd), 90000, &tx);
	cr_assert_eq(run1(&f, &tx, "caller out of gas"), svm_receipt_status(SVM_EGAS));
	cr_assert_eq(f.res.receipts[0].steps, 90000, "every gas unit is spent");
	cr_assert_eq(eslot(&f, 3), 1);
	cr_assert_eq(wslot(&f, "v", in, sizeof in), v_len);
	teardown_fx(&f);
}

Test(xvm, mixed_blocks_parallel_equals_sequential)
{
	fx_t f;
	setup_fx(&f);
	unsigned seed = ct_seed();
	eg_rng_t r = {.s = seed};
	for (int blk = 0; blk < 3; blk++) {
		size_t n = 12;
		svm_buf_t txs[12] = {{0}};
		static const char *methods[] = {"put", "put_abort", "spin"};
		for (size_t i = 0; i < n; i++) {
			int who = (int)eg_below(&r, SENDERS);
			uint8_t in[256], cd[160], d[33] = {(uint8_t)(1 + eg_below(&r, 2))};
			d[32] = (uint8_t)eg_below(&r, 256);
			char val[8];
			snprintf(val, sizeof val, "%u", (unsigned)eg_below(&r, 1000));
			if (eg_below(&r, 2))
				wasm_tx(&f, who, "call_evm", in,
					call_evm_input(&f, eg_below(&r, 2) ? 0 : 30000, (uint8_t)eg_below(&r, 3), d, 33, in),
					10000000, &txs[i]);
			else
				eth_tx(&f, who, &f.evm, cd,
				       call_wasm_data(&f, (uint8_t)eg_below(&r, 3), eg_below(&r, 2) ? 0 : 40000,
						      methods[eg_below(&r, 3)], val, cd),
				       1000000, &txs[i]);
		}
		char what[64];
		snprintf(what, sizeof what, "seed %u block %d", seed, blk);
		run_block(&f, txs, n, what);
		for (size_t i = 0; i < n; i++) svm_buf_free(&txs[i]);
	}
	teardown_fx(&f);
}

/* The node's derived-address index (svm_chain_evm_identity): the genesis accounts', a native
 * sender's, a ledger transfer's recipient's, a deployed WebAssembly contract's and an identity
 * paid only by a contract (an escrow's release) derived EVM addresses lead back to them once their
 * block commits; an address nobody derived is not found; a restart keeps the index. */
Test(xvm, derived_addresses_are_indexed_by_the_chain)
{
	cr_assert_eq(svm_crypto_init(), 0);
	char dir[64];
	ct_tmpdir(dir);
	svm_genesis_t g;
	const svm_fee_params_t fees = {.a = 1000, .b = 2, .c = 1, .d = 0};
	cr_assert_eq(ct_genesis(&g, 2, 1000000000, 5000, &fees), 0);
	svm_chain_config_t cfg = {.map_bytes = 1ull << 30, .exec_threads = 1};
	svm_error_t err = {0};
	svm_chain_t *c;
	cr_assert_eq(svm_chain_open(&c, dir, &g, &cfg, &err), 0, "%s", err.msg);
	svm_keypair_t k[2];
	for (int i = 0; i < 2; i++) ct_key((uint64_t)i, &k[i]);
	uint8_t a0[SVM_EVM_ADDRESS_SIZE], a1[SVM_EVM_ADDRESS_SIZE], aw[SVM_EVM_ADDRESS_SIZE];
	svm_identity_evm_address(&k[0].id, a0);
	svm_identity_evm_address(&k[1].id, a1);
	svm_id_t got;
	/* the genesis accounts are indexed from the start (they had to sign to be found before) */
	cr_assert_eq(svm_chain_evm_identity(c, a0, &got), 0, "a genesis account");
	cr_assert(svm_hash_eq(&got, &k[0].id));
	svm_keypair_t fresh, never;
	ct_key(100, &fresh);
	ct_key(101, &never);
	uint8_t af[SVM_EVM_ADDRESS_SIZE], an[SVM_EVM_ADDRESS_SIZE];
	svm_identity_evm_address(&fresh.id, af);
	svm_identity_evm_address(&never.id, an);
	cr_assert_eq(svm_chain_evm_identity(c, af, &got), SVM_ENOTFOUND, "not known yet");
	/* key 0 deploys the contract */
	svm_buf_t code = {0}, payload = {0}, tx = {0};
	read_file("build/contracts/xvm.wasm", &code);
	cr_assert_eq(svm_contract_deploy_payload(&payload, code.data, code.len), 0);
	ct_txopt_t opt = {.chain_id = 7, .nonce = 0, .fee_limit = 100000000};
	svm_hash_t id;
	cr_assert_eq(ct_tx(&tx, &k[0], SVM_VM_WASM, payload.data, payload.len, NULL, 0, &opt, &id), 0);
	/* ... and key 1 pays the fresh identity, which never signs (a receive-only identity) */
	svm_buf_t pay = {0};
	svm_id_t swr;
	svm_token_id("SWR", &swr);
	ct_txopt_t opt1 = {.chain_id = 7, .nonce = 0, .fee_limit = 100000};
	cr_assert_eq(ct_transfer(&pay, &k[1], &swr, &fresh.id, 5, &opt1, &id), 0);
	const uint8_t *ps[2] = {tx.data, pay.data};
	size_t lens[2] = {tx.len, pay.len};
	svm_build_result_t rs[2];
	cr_assert_eq(svm_chain_build(c, ps, lens, 2, 1, &k[0].id, rs, &err), 0, "%s", err.msg);
	cr_assert(rs[0].status == 0 && rs[1].status == 0);
	svm_buf_free(&pay);
	cr_assert_eq(svm_chain_evm_identity(c, af, &got), 0, "the recipient of a ledger transfer");
	cr_assert(svm_hash_eq(&got, &fresh.id));
	svm_id_t contract;
	svm_contract_id(&k[0].id, 0, &contract);
	svm_identity_evm_address(&contract, aw);
	cr_assert_eq(svm_chain_evm_identity(c, a0, &got), 0);
	cr_assert(svm_hash_eq(&got, &k[0].id), "the sender's derived address");
	cr_assert_eq(svm_chain_evm_identity(c, aw, &got), 0);
	cr_assert(svm_hash_eq(&got, &contract), "the deployed contract's derived address");
	cr_assert_eq(svm_chain_evm_identity(c, a1, &got), 0, "key 1: genesis, and it signed");
	cr_assert_eq(svm_chain_evm_identity(c, an, &got), SVM_ENOTFOUND, "an identity never seen");
	/* an identity paid only by a contract: key 0 deploys the escrow, key 1 opens a deal whose
	 * seller never signs and is named only in the call's input, then releases it to the seller */
	svm_keypair_t seller;
	ct_key(102, &seller);
	uint8_t as[SVM_EVM_ADDRESS_SIZE];
	svm_identity_evm_address(&seller.id, as);
	svm_buf_t ecode = {0}, dep = {0}, open = {0}, rel = {0}, t[3] = {{0}};
	read_file("build/contracts/escrow.wasm", &ecode);
	cr_assert_eq(svm_contract_deploy_payload(&dep, ecode.data, ecode.len), 0);
	svm_id_t escrow;
	svm_contract_id(&k[0].id, 1, &escrow);
	uint8_t in[96];
	memcpy(in, seller.id.b, 32);
	memcpy(in + 32, k[0].id.b, 32);
	memcpy(in + 64, swr.b, 32);
	cr_assert_eq(svm_contract_call_payload(&open, &escrow, "open", in, sizeof in, &swr, 700), 0);
	cr_assert_eq(svm_contract_call_payload(&rel, &escrow, "release", NULL, 0, NULL, 0), 0);
	ct_txopt_t o1 = {.chain_id = 7, .nonce = 1, .fee_limit = 100000000};
	cr_assert_eq(ct_tx(&t[0], &k[0], SVM_VM_WASM, dep.data, dep.len, NULL, 0, &o1, &id), 0);
	cr_assert_eq(ct_tx(&t[1], &k[1], SVM_VM_WASM, open.data, open.len, NULL, 0, &o1, &id), 0);
	o1.nonce = 2;
	cr_assert_eq(ct_tx(&t[2], &k[1], SVM_VM_WASM, rel.data, rel.len, NULL, 0, &o1, &id), 0);
	const uint8_t *ps3[3] = {t[0].data, t[1].data, t[2].data};
	size_t lens3[3] = {t[0].len, t[1].len, t[2].len};
	svm_build_result_t rs3[3];
	cr_assert_eq(svm_chain_evm_identity(c, as, &got), SVM_ENOTFOUND, "the seller: not known yet");
	cr_assert_eq(svm_chain_build(c, ps3, lens3, 3, 2, &k[0].id, rs3, &err), 0, "%s", err.msg);
	cr_assert(rs3[0].status == 0 && rs3[1].status == 0 && rs3[2].status == 0, "%d %d %d", rs3[0].status,
		  rs3[1].status, rs3[2].status);
	uint64_t paid = 0;
	cr_assert_eq(svm_chain_balance(c, &swr, &seller.id, &paid), 0);
	cr_assert_eq(paid, 700, "the escrow paid the seller");
	cr_assert_eq(svm_chain_evm_identity(c, as, &got), 0, "an identity paid only by a contract");
	cr_assert(svm_hash_eq(&got, &seller.id));
	for (int i = 0; i < 3; i++) svm_buf_free(&t[i]);
	svm_buf_free(&ecode);
	svm_buf_free(&dep);
	svm_buf_free(&open);
	svm_buf_free(&rel);
	svm_chain_close(c);
	cr_assert_eq(svm_chain_open(&c, dir, &g, &cfg, &err), 0, "%s", err.msg);
	cr_assert_eq(svm_chain_evm_identity(c, aw, &got), 0);
	cr_assert(svm_hash_eq(&got, &contract), "after a restart");
	svm_chain_close(c);
	svm_genesis_free(&g);
	ct_rmdir(dir);
	svm_buf_free(&code);
	svm_buf_free(&payload);
	svm_buf_free(&tx);
}

/* ------------------------------------------------ EVM -> native programs, value across VMs */

/* tests/evm/xvm_asm.py proxy: calldata to (20) ‖ value (32) ‖ u8 flags ‖ data; CALLs `to`; slot
 * 0 = success + 1, 1 = the return data's first word, 2 = its length, 3 = SELFBALANCE after the
 * call; flags 1 reverts at the end. */
static const char P_RUNTIME[] = "603536038060355f376020611000825f6014355f3560601c5af1806001015f55611000516001553d6002"
				"554760035560343560f81c61003a57005b5f5ffd";
static const uint8_t NATIVE[20] = SVM_EVM_NATIVE_ADDRESS_BYTES;
static const uint8_t XVM[20] = SVM_EVM_XVM_ADDRESS_BYTES;
#define WEI 1000000000ull

static uint64_t bal(fx_t *f, const svm_id_t *owner)
{
	svm_id_t id;
	svm_balance_id(&f->w.env.fee_token, owner, &id);
	svm_exec_base_t base = eg_base(&f->w);
	const uint8_t *p;
	size_t n;
	if (base.get(base.ud, 0, &id, &p, &n) == SVM_ENOTFOUND) return 0;
	uint64_t v;
	cr_assert_eq(svm_ledger_balance_decode(p, n, &v), 0);
	return v;
}

static uint64_t supply(fx_t *f)
{
	svm_id_t id;
	svm_token_object_id(&f->w.env.fee_token, &id);
	svm_object_t o;
	cr_assert(object(f, &id, &o));
	svm_token_info_t info;
	cr_assert_eq(svm_token_info_decode(o.payload, o.payload_len, &info), 0);
	return info.supply;
}

typedef struct {
	svm_id_t who;
	uint64_t units;
} mint_t;

static int mint_fn(svm_txctx_t *c, void *ud)
{
	const mint_t *m = ud;
	return svm_ledger_mint(c, c->implicit_token, &m->who, m->units);
}

static void mint(fx_t *f, const svm_id_t *who, uint64_t units)
{
	mint_t m = {*who, units};
	svm_exec_base_t base = eg_base(&f->w);
	cr_assert_eq(svm_exec_system(&f->w.env, &base, mint_fn, &m, &f->arena, &f->res), 0);
	cr_assert_eq(eg_apply(&f->w, &f->res), 0);
}

/* Deploys the proxy from Ethereum key 2 and funds its identity with units. */
static void deploy_proxy(fx_t *f, svm_evm_addr_t *out, uint64_t units)
{
	uint8_t runtime[256], init[300];
	size_t rl = strlen(P_RUNTIME) / 2;
	cr_assert_eq(svm_hex_decode(runtime, rl, P_RUNTIME), 0);
	const uint8_t head[] = {0x61, (uint8_t)(rl >> 8), (uint8_t)rl, 0x80, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3};
	memcpy(init, head, sizeof head);
	memcpy(init + sizeof head, runtime, rl);
	svm_buf_t b = {0}, tx = {0};
	cr_assert_eq(svm_rlp_put_bytes(&b, f->k.eth[2].addr.b, 20), 0);
	cr_assert_eq(svm_rlp_put_uint(&b, f->eth_nonce[2]), 0);
	cr_assert_eq(svm_rlp_wrap_list(&b, 0), 0);
	uint8_t h[32];
	svm_keccak256(b.data, b.len, h);
	memcpy(out->b, h + 12, 20);
	svm_buf_free(&b);
	eth_tx(f, 2, NULL, init, sizeof head + rl, 1000000, &tx);
	cr_assert_eq(run1(f, &tx, "deploy proxy"), 0);
	svm_id_t pid;
	svm_evm_identity(out, &pid);
	mint(f, &pid, units);
}

/* The proxy's calldata: to ‖ value (wei, 32 bytes) ‖ flags ‖ data. */
static size_t proxy_data(const uint8_t to[20], uint64_t value_wei_hi, uint64_t value_wei_lo, uint8_t flags,
			 const uint8_t *data, size_t len, uint8_t *out)
{
	memcpy(out, to, 20);
	memset(out + 20, 0, 32);
	/* value = hi · 2^64 + lo */
	for (int i = 0; i < 8; i++) {
		out[20 + 16 + i] = (uint8_t)(value_wei_hi >> (56 - 8 * i));
		out[20 + 24 + i] = (uint8_t)(value_wei_lo >> (56 - 8 * i));
	}
	out[52] = flags;
	if (len) memcpy(out + 53, data, len);
	return 53 + len;
}

/* The proxy's slot k as a big-endian word. */
static void pslot(fx_t *f, const svm_evm_addr_t *proxy, uint8_t k, uint8_t out[32])
{
	uint8_t key[32] = {0};
	key[31] = k;
	svm_id_t id;
	svm_object_t o;
	memset(out, 0, 32);
	svm_evm_slot_id(proxy, key, &id);
	if (!object(f, &id, &o)) return;
	cr_assert_eq(o.payload_len, 32);
	memcpy(out, o.payload, 32);
}

static uint64_t pslot64(fx_t *f, const svm_evm_addr_t *proxy, uint8_t k)
{
	uint8_t w[32];
	pslot(f, proxy, k, w);
	uint64_t v = 0;
	for (int i = 24; i < 32; i++) v = v << 8 | w[i];
	return v;
}

static bool reverted_with_error_string(fx_t *f, const svm_evm_addr_t *proxy)
{
	uint8_t w[32];
	pslot(f, proxy, 1, w);
	return memcmp(w, "\x08\xc3\x79\xa0", 4) == 0 && pslot64(f, proxy, 2) >= 100;
}

/* EVM code calls native programs at 0x…ca12 with a native payload, as its own identity: a ledger
 * transfer and a burn move the ledger's balances (and the EVM sees its new balance at once); a
 * revert after the call undoes the program's writes; a failing program, a method that is not
 * callable and value attached give a failed CALL with an Error(string) reason. */
Test(xvm, evm_calls_native_programs)
{
	fx_t f;
	setup_fx(&f);
	svm_evm_addr_t proxy;
	svm_id_t pid, swr = f.w.env.fee_token;
	deploy_proxy(&f, &proxy, 1000000);
	svm_evm_identity(&proxy, &pid);
	const svm_id_t *to = &f.k.ed[2].id;
	uint64_t to0 = bal(&f, to), s0 = supply(&f);
	uint8_t cd[400];
	svm_buf_t pay = {0}, tx = {0};

	/* 1. a ledger transfer of 5000 units from the proxy to an Ed25519 identity */
	cr_assert_eq(svm_native_transfer_payload(&pay, &swr, to, 5000), 0);
	eth_tx(&f, 0, &proxy, cd, proxy_data(NATIVE, 0, 0, 0, pay.data, pay.len, cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "evm->native transfer"), 0);
	cr_assert_eq(pslot64(&f, &proxy, 0), 2, "the CALL succeeded");
	cr_assert_eq(bal(&f, &pid), 1000000 - 5000);
	cr_assert_eq(bal(&f, to), to0 + 5000);
	cr_assert_eq(pslot64(&f, &proxy, 3), (1000000 - 5000) * WEI, "SELFBALANCE sees the program's debit");
	bool ev = false;
	for (uint32_t i = 0; i < f.res.receipts[0].events_len; i++) {
		const svm_event_t *e = &f.res.receipts[0].events[i];
		if (e->topic_len == 8 && memcmp(e->topic, "transfer", 8) == 0 && e->data_len == 104 &&
		    memcmp(e->data + 32, pid.b, 32) == 0 && memcmp(e->data + 64, to->b, 32) == 0)
			ev = true;
	}
	cr_assert(ev, "the ledger's transfer event names the EVM contract's identity as the sender");
	uint64_t steps_transfer = f.res.receipts[0].steps;

	/* 2. the same, then the EVM caller reverts: nothing moves */
	eth_tx(&f, 0, &proxy, cd, proxy_data(NATIVE, 0, 0, 1, pay.data, pay.len, cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "evm->native, then revert"), svm_receipt_status(SVM_EABORT));
	cr_assert_eq(bal(&f, &pid), 1000000 - 5000);
	cr_assert_eq(bal(&f, to), to0 + 5000);
	svm_buf_free(&pay);

	/* 3. more than the proxy holds: the program fails, the CALL fails with its reason */
	cr_assert_eq(svm_native_transfer_payload(&pay, &swr, to, 2000000), 0);
	eth_tx(&f, 0, &proxy, cd, proxy_data(NATIVE, 0, 0, 0, pay.data, pay.len, cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "evm->native, short of funds"), 0);
	cr_assert_eq(pslot64(&f, &proxy, 0), 1, "the CALL failed");
	cr_assert(reverted_with_error_string(&f, &proxy), "Error(string) revert data");
	cr_assert_eq(bal(&f, &pid), 1000000 - 5000);
	cr_assert_eq(bal(&f, to), to0 + 5000);
	svm_buf_free(&pay);

	/* 4. a burn of 1000 units: the supply falls with the proxy's balance */
	cr_assert_eq(svm_native_burn_payload(&pay, &swr, 1000), 0);
	eth_tx(&f, 0, &proxy, cd, proxy_data(NATIVE, 0, 0, 0, pay.data, pay.len, cd), 1000000, &tx);
	uint64_t s1 = supply(&f);
	cr_assert_eq(run1(&f, &tx, "evm->native burn"), 0);
	cr_assert_eq(pslot64(&f, &proxy, 0), 2);
	cr_assert_eq(bal(&f, &pid), 1000000 - 6000);
	cr_assert_eq(supply(&f), s1 - 1000 - f.res.receipts[0].fee_charged, "burned, with the fee");
	cr_assert_lt(s1, s0, "the earlier fees were burned");

	/* 5. value attached to a native call, a method that is not callable (it would derive ids
	 * from the transaction's nonce) and a malformed payload: refused with a reason */
	eth_tx(&f, 0, &proxy, cd, proxy_data(NATIVE, 0, 7 * WEI, 0, pay.data, pay.len, cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "evm->native with value"), 0);
	cr_assert_eq(pslot64(&f, &proxy, 0), 1);
	cr_assert(reverted_with_error_string(&f, &proxy));
	svm_buf_free(&pay);
	cr_assert_eq(svm_native_create_token_payload(&pay, "EVMT", 9, 100), 0);
	eth_tx(&f, 0, &proxy, cd, proxy_data(NATIVE, 0, 0, 0, pay.data, pay.len, cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "evm->native create_token"), 0);
	cr_assert_eq(pslot64(&f, &proxy, 0), 1);
	cr_assert(reverted_with_error_string(&f, &proxy));
	const uint8_t junk[1] = {0x81};
	eth_tx(&f, 0, &proxy, cd, proxy_data(NATIVE, 0, 0, 0, junk, 1, cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "evm->native malformed"), 0);
	cr_assert_eq(pslot64(&f, &proxy, 0), 1);
	cr_assert_eq(bal(&f, &pid), 1000000 - 6000, "none of them moved anything");
	svm_buf_free(&pay);

	/* 6. WebAssembly -> EVM -> native: the proxy, called from WebAssembly, pays 100 units */
	uint8_t in[256];
	cr_assert_eq(svm_native_transfer_payload(&pay, &swr, to, 100), 0);
	size_t n = proxy_data(NATIVE, 0, 0, 0, pay.data, pay.len, cd);
	memcpy(in, proxy.b, 20);
	memset(in + 20, 0, 9);
	cr_assert_leq(29 + n, sizeof in);
	memcpy(in + 29, cd, n);
	wasm_tx(&f, 1, "call_evm", in, 29 + n, 10000000, &tx);
	cr_assert_eq(run1(&f, &tx, "wasm->evm->native"), 0);
	cr_assert_eq(bal(&f, &pid), 1000000 - 6100);
	cr_assert_eq(bal(&f, to), to0 + 5100);
	cr_assert_eq(pslot64(&f, &proxy, 3), (1000000 - 6100) * WEI);
	cr_assert_gt(steps_transfer, SVM_EVM_XVM_GAS_BASE, "the program's steps are gas");
	svm_buf_free(&pay);
	teardown_fx(&f);
}

/* Value across a cross-VM call, on the one ledger: an EVM CALL to 0x…ca11 with value moves it
 * to the WebAssembly contract's SWR balance before the method runs; WebAssembly's evm_call_value
 * moves units to the EVM callee as msg.value. A revert on either side moves nothing back
 * wrongly: the value returns with the call. */
Test(xvm, value_crosses_between_evm_and_wasm)
{
	fx_t f;
	setup_fx(&f);
	svm_evm_addr_t proxy;
	svm_id_t pid;
	deploy_proxy(&f, &proxy, 1000000);
	svm_evm_identity(&proxy, &pid);
	uint64_t w0 = bal(&f, &f.wasm);
	uint8_t cd[400], call[64];
	svm_buf_t tx = {0};
	/* the WebAssembly call: contract id ‖ 3 ‖ "put" ‖ "paid" */
	memcpy(call, f.wasm.b, 32);
	call[32] = 3;
	memcpy(call + 33, "putpaid", 7);

	/* 1. EVM -> WebAssembly with 7000 units of value */
	eth_tx(&f, 0, &proxy, cd, proxy_data(XVM, 0, 7000 * WEI, 0, call, 40, cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "evm->wasm with value"), 0);
	cr_assert_eq(pslot64(&f, &proxy, 0), 2);
	cr_assert(wslot_is(&f, "v", "paid", 4));
	cr_assert_eq(bal(&f, &f.wasm), w0 + 7000, "the contract's SWR balance");
	cr_assert_eq(bal(&f, &pid), 1000000 - 7000);
	cr_assert_eq(pslot64(&f, &proxy, 3), (1000000 - 7000) * WEI, "SELFBALANCE after the call");

	/* 2. the same, then the EVM caller reverts: the value comes back */
	eth_tx(&f, 0, &proxy, cd, proxy_data(XVM, 0, 7000 * WEI, 1, call, 40, cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "evm->wasm with value, revert"), svm_receipt_status(SVM_EABORT));
	cr_assert_eq(bal(&f, &f.wasm), w0 + 7000);
	cr_assert_eq(bal(&f, &pid), 1000000 - 7000);

	/* 3. the WebAssembly callee aborts: the CALL fails and the value stays with the caller */
	call[32] = 9;
	memcpy(call + 33, "put_abortx", 10);
	eth_tx(&f, 0, &proxy, cd, proxy_data(XVM, 0, 7000 * WEI, 0, call, 43, cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "evm->wasm with value, callee aborts"), 0);
	cr_assert_eq(pslot64(&f, &proxy, 0), 1);
	cr_assert_eq(bal(&f, &f.wasm), w0 + 7000);
	cr_assert_eq(bal(&f, &pid), 1000000 - 7000);
	cr_assert_eq(pslot64(&f, &proxy, 3), (1000000 - 7000) * WEI);

	/* 4. a value that is not whole 10^9 wei: the CALL fails, nothing moves */
	call[32] = 3;
	memcpy(call + 33, "putpaid", 7);
	eth_tx(&f, 0, &proxy, cd, proxy_data(XVM, 0, 7000 * WEI + 1, 0, call, 40, cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "evm->wasm with dust"), 0);
	cr_assert_eq(pslot64(&f, &proxy, 0), 1);
	cr_assert_eq(bal(&f, &f.wasm), w0 + 7000);

	/* 5. WebAssembly -> EVM with 300 units to an Ethereum account (no code) */
	uint8_t in[256];
	const svm_id_t *eoa = &f.k.eth[1].id;
	uint64_t e0 = bal(&f, eoa);
	memcpy(in, f.k.eth[1].addr.b, 20);
	memset(in + 20, 0, 17);
	in[29] = 300 & 0xff;
	in[30] = 300 >> 8;
	wasm_tx(&f, 1, "call_evm_value", in, 37, 10000000, &tx);
	cr_assert_eq(run1(&f, &tx, "wasm->evm with value"), 0);
	cr_assert(wslot_is(&f, "r", "\0\0\0\0", 4), "success, no output");
	cr_assert_eq(bal(&f, eoa), e0 + 300);
	cr_assert_eq(bal(&f, &f.wasm), w0 + 7000 - 300);

	/* 6. to the EVM contract whose method 2 reverts: the value comes back to the contract */
	memcpy(in, f.evm.b, 20);
	in[37] = 2;
	memset(in + 38, 0x11, 32);
	wasm_tx(&f, 1, "call_evm_value", in, 70, 10000000, &tx);
	cr_assert_eq(run1(&f, &tx, "wasm->evm with value, callee reverts"), 0);
	cr_assert(wslot_is(&f, "r", "\xff\xff\xff\xff", 4), "-1: failed");
	cr_assert_eq(bal(&f, &f.wasm), w0 + 7000 - 300);
	svm_id_t eid;
	svm_evm_identity(&f.evm, &eid);
	cr_assert_eq(bal(&f, &eid), 0);

	/* 7. more than the contract holds: a failed call, nothing moves; with mode 1 the contract
	 * aborts and everything is undone */
	memcpy(in, f.k.eth[1].addr.b, 20);
	in[29] = 0xff;
	in[30] = 0xff;
	in[31] = 0xff;
	in[32] = 0xff;
	wasm_tx(&f, 1, "call_evm_value", in, 37, 10000000, &tx);
	cr_assert_eq(run1(&f, &tx, "wasm->evm value short"), 0);
	cr_assert(wslot_is(&f, "r", "\xff\xff\xff\xff", 4));
	cr_assert_eq(bal(&f, eoa), e0 + 300);
	in[29] = 300 & 0xff;
	in[30] = 300 >> 8;
	in[31] = 0;
	in[32] = 0;
	in[28] = 2;
	wasm_tx(&f, 1, "call_evm_value", in, 37, 10000000, &tx);
	cr_assert_eq(run1(&f, &tx, "wasm->evm value, caller aborts"), svm_receipt_status(SVM_EABORT));
	cr_assert_eq(bal(&f, eoa), e0 + 300);
	cr_assert_eq(bal(&f, &f.wasm), w0 + 7000 - 300);
	teardown_fx(&f);
}

/* --------------------------------------------------------------- historical state */

typedef struct {
	svm_id_t owner;
	uint64_t units;
} histq_t;

static int hist_fn(svm_txctx_t *c, void *ud)
{
	histq_t *q = ud;
	svm_id_t swr;
	svm_token_id("SWR", &swr);
	return svm_ledger_balance(c, &swr, &q->owner, &q->units);
}

/* svm_chain_query_exec_at (the eth_* block parameter): every retained height answers with the
 * state right after it, a pruned one refuses with the window named, one above the head is not
 * found; a chain keeping everything (retain_heights 0) answers for every height. */
Test(xvm, historical_state_queries_and_the_retention_window)
{
	cr_assert_eq(svm_crypto_init(), 0);
	for (int keep_all = 0; keep_all < 2; keep_all++) {
		char dir[64];
		ct_tmpdir(dir);
		svm_genesis_t g;
		const svm_fee_params_t fees = {.a = 1000, .b = 2, .c = 1, .d = 0};
		cr_assert_eq(ct_genesis(&g, 2, 1000000000, 5000, &fees), 0);
		svm_chain_config_t cfg = {.map_bytes = 1ull << 30, .exec_threads = 1, .retain_heights = keep_all ? 0 : 4};
		svm_error_t err = {0};
		svm_chain_t *c;
		cr_assert_eq(svm_chain_open(&c, dir, &g, &cfg, &err), 0, "%s", err.msg);
		svm_keypair_t k[2];
		for (int i = 0; i < 2; i++) ct_key((uint64_t)i, &k[i]);
		svm_id_t swr;
		svm_token_id("SWR", &swr);
		uint64_t want[10];
		histq_t q = {.owner = k[1].id};
		cr_assert_eq(svm_chain_query_exec_at(c, 0, hist_fn, &q, &err), 0, "%s", err.msg);
		want[0] = q.units;
		for (uint64_t h = 1; h < 10; h++) { /* block h pays key 1 h units */
			svm_buf_t tx = {0};
			ct_txopt_t opt = {.chain_id = 7, .nonce = h - 1, .fee_limit = 100000};
			svm_hash_t id;
			cr_assert_eq(ct_transfer(&tx, &k[0], &swr, &k[1].id, h, &opt, &id), 0);
			const uint8_t *p = tx.data;
			size_t len = tx.len;
			svm_build_result_t res;
			cr_assert_eq(svm_chain_build(c, &p, &len, 1, 1000 * h, &k[0].id, &res, &err), 0, "%s", err.msg);
			cr_assert_eq(res.status, 0);
			want[h] = want[h - 1] + h;
			svm_buf_free(&tx);
		}
		for (uint64_t h = 0; h < 10; h++) {
			memset(&err, 0, sizeof err);
			q.units = 0;
			int rc = svm_chain_query_exec_at(c, h, hist_fn, &q, &err);
			if (keep_all || h >= 6) {
				cr_assert_eq(rc, 0, "height %llu: %s", (unsigned long long)h, err.msg);
				cr_assert_eq(q.units, want[h], "the balance right after block %llu", (unsigned long long)h);
			} else {
				cr_assert_eq(rc, SVM_ESTATE, "height %llu is pruned", (unsigned long long)h);
				cr_assert(strstr(err.msg, "keeps the state of blocks 6..9"), "%s", err.msg);
			}
		}
		cr_assert_eq(svm_chain_query_exec_at(c, 10, hist_fn, &q, &err), SVM_ENOTFOUND, "above the head");
		/* printed, not asserted: the cost of a query at the head and at an older height */
		uint64_t ns[2];
		for (int old = 0; old < 2; old++) {
			uint64_t t0 = svm_clock_ns();
			for (int i = 0; i < 200; i++) cr_assert_eq(svm_chain_query_exec_at(c, old ? 7 : 9, hist_fn, &q, &err), 0);
			ns[old] = (svm_clock_ns() - t0) / 200;
		}
		cr_log_info("history: a balance query at the head %llu ns, at an older height %llu ns (retain %s)",
			    (unsigned long long)ns[0], (unsigned long long)ns[1], keep_all ? "all" : "4");
		svm_chain_close(c);
		svm_genesis_free(&g);
		ct_rmdir(dir);
	}
}

/* ------------------------------------------------------------ linked derived addresses */

typedef struct {
	svm_evm_addr_t from, to;
	uint64_t units;
	int status;
} evmq_t;

/* An eth_call-style message from q->from with q->units of value: it succeeds only if the EVM sees
 * at least that much at q->from. */
static int evmq_fn(svm_txctx_t *c, void *ud)
{
	evmq_t *q = ud;
	svm_evm_block_t blk;
	svm_evm_block_env(CHAIN, c->height, c->timestamp_ms, &c->proposer, 0, &blk);
	svm_evm_block_recent(c, &blk);
	unsigned __int128 wei = (unsigned __int128)q->units * WEI;
	svm_u256_t v = {{(uint64_t)wei, (uint64_t)(wei >> 64), 0, 0}};
	svm_evm_result_t res;
	svm_error_t err = {0};
	int rc = svm_evm_call(c, &blk, &q->from, &q->to, &v, NULL, 0, 100000, &res, &err);
	q->status = res.status;
	svm_evm_result_free(&res);
	return rc;
}

static int evm_sees(fx_t *f, const svm_evm_addr_t *from, uint64_t units)
{
	evmq_t q = {.from = *from, .units = units};
	memcpy(q.to.b, f->k.eth[0].addr.b, 20);
	svm_exec_base_t base = eg_base(&f->w);
	cr_assert_eq(svm_exec_system(&f->w.env, &base, evmq_fn, &q, &f->arena, &f->res), 0);
	return q.status;
}

static void link_tx(fx_t *f, int who, const svm_id_t *id, svm_buf_t *out)
{
	svm_buf_t p = {0};
	cr_assert_eq(svm_native_link_evm_payload(&p, id), 0);
	ct_txopt_t opt = {.chain_id = CHAIN, .nonce = f->ed_nonce[who]++, .fee_limit = 10000000};
	svm_hash_t h;
	cr_assert_eq(ct_tx(out, &f->k.ed[who], SVM_VM_NATIVE, p.data, p.len, NULL, 0, &opt, &h), 0);
	svm_buf_free(&p);
}

/* One identity, one ledger (SVM_LEDGER_LINK_EVM): before a link, value sent to an Ed25519
 * identity's derived address waits at the address's own identity; the link (sent by anyone)
 * moves it to the identity; after it, value sent there credits the identity, and the EVM sees
 * the identity's balance at the address (a message with exactly that value succeeds, one unit
 * more fails). A second link changes nothing; a linked WebAssembly contract's evm_call_value
 * moves value straight from its balance. */
Test(xvm, a_linked_derived_address_is_the_identitys_account)
{
	fx_t f;
	setup_fx(&f);
	svm_evm_addr_t proxy, d, dw;
	deploy_proxy(&f, &proxy, 1000000);
	const svm_id_t *ed = &f.k.ed[2].id;
	svm_id_t shadow, aid;
	svm_identity_evm_address(ed, d.b);
	svm_evm_identity(&d, &shadow);
	svm_evm_alias_id(d.b, &aid);
	uint64_t e0 = bal(&f, ed);
	uint8_t cd[200];
	svm_buf_t tx = {0};

	/* 1. before the link: the address is an account of its own */
	eth_tx(&f, 0, &proxy, cd, proxy_data(d.b, 0, 100 * WEI, 0, cd, 0, cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "value to an unlinked derived address"), 0);
	cr_assert_eq(bal(&f, &shadow), 100);
	cr_assert_eq(bal(&f, ed), e0);
	cr_assert_eq(evm_sees(&f, &d, 100), 1);
	cr_assert_eq(evm_sees(&f, &d, 101), 0);

	/* 2. the link, sent by another identity: the alias, and the 100 units move to the identity */
	link_tx(&f, 0, ed, &tx);
	cr_assert_eq(run1(&f, &tx, "link"), 0);
	svm_object_t o;
	cr_assert(object(&f, &aid, &o) && o.payload_len == 32 && memcmp(o.payload, ed->b, 32) == 0);
	cr_assert_eq(bal(&f, &shadow), 0);
	cr_assert_eq(bal(&f, ed), e0 + 100);

	/* 3. EVM -> identity: value sent to the address credits the identity */
	eth_tx(&f, 0, &proxy, cd, proxy_data(d.b, 0, 200 * WEI, 0, cd, 0, cd), 1000000, &tx);
	cr_assert_eq(run1(&f, &tx, "value to a linked derived address"), 0);
	cr_assert_eq(bal(&f, ed), e0 + 300);
	cr_assert_eq(bal(&f, &shadow), 0);

	/* 4. identity -> EVM: the EVM sees the identity's whole balance at the address */
	cr_assert_eq(evm_sees(&f, &d, e0 + 300), 1, "the identity's balance, as the EVM sees it");
	cr_assert_eq(evm_sees(&f, &d, e0 + 301), 0);

	/* 5. a second link changes nothing but the fee */
	link_tx(&f, 1, ed, &tx);
	cr_assert_eq(run1(&f, &tx, "link again"), 0);
	cr_assert_eq(bal(&f, ed), e0 + 300);

	/* 6. a linked WebAssembly contract pays from its own balance, with no hop */
	mint(&f, &f.wasm, 5000);
	link_tx(&f, 0, &f.wasm, &tx);
	cr_assert_eq(run1(&f, &tx, "link the contract"), 0);
	svm_identity_evm_address(&f.wasm, dw.b);
	cr_assert_eq(evm_sees(&f, &dw, 5000), 1, "the contract's balance at its derived address");
	uint8_t in[64];
	memcpy(in, f.k.eth[1].addr.b, 20);
	memset(in + 20, 0, 17);
	in[29] = 300 & 0xff;
	in[30] = 300 >> 8;
	uint64_t x0 = bal(&f, &f.k.eth[1].id);
	wasm_tx(&f, 1, "call_evm_value", in, 37, 10000000, &tx);
	cr_assert_eq(run1(&f, &tx, "linked wasm->evm with value"), 0);
	cr_assert_eq(bal(&f, &f.wasm), 5000 - 300);
	cr_assert_eq(bal(&f, &f.k.eth[1].id), x0 + 300);
	teardown_fx(&f);
}

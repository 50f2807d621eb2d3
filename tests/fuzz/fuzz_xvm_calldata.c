/* Fuzz target for the cross-VM calldata decoders on the evm_call path: an EVM contract forwards
 * its whole calldata in a CALL to the cross-VM address 0x…ca11 (EVM -> WebAssembly: contract
 * id ‖ u8 method length ‖ method ‖ input) or 0x…ca12 (EVM -> native program payload), chosen by
 * the input's first byte; the rest of the input is that calldata. The Ethereum transaction runs
 * through the node's executor — the sequential reference, then AOEM on 2 threads — and the two
 * must agree byte for byte (receipts, statuses, write set); a crash, a sanitizer report or any
 * difference aborts. A malformed message must end as an exceptional halt of the call, nothing
 * else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ethsign.c"
#include "lib/execgen.c"

#define CHAIN 7
#define CALLDATA_MAX 4096

/* calldata -> memory, CALL(gas, target, 0, 0, size, 0, 0), its return data -> memory, then
 * RETURN it on success and REVERT it on failure. The target's 20 bytes go at offset 10. */
static const uint8_t forward[46] = {
	0x36, 0x5f, 0x5f, 0x37, 0x5f, 0x5f, 0x36, 0x5f, 0x5f, 0x73, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x5a, 0xf1,
	0x3d, 0x5f, 0x5f, 0x3e, 0x60, 0x2a, 0x57, 0x3d, 0x5f, 0xfd, 0x5b, 0x3d, 0x5f, 0xf3};

/* Built once per process: a world whose genesis holds the two forwarding contracts (0xcc…01
 * to 0x…ca11, 0xcc…02 to 0x…ca12) and the sender's SWR. Inputs never change it: each block
 * runs over its committed state and its results are compared, never applied. (A world per
 * input made the target run ~3 inputs a second.) */
static struct {
	eth_key_t key;
	svm_evm_addr_t contract[2];
	eg_world_t w;
} G;

static int genesis(svm_txctx_t *c, void *ud)
{
	static const uint8_t target[2][20] = {SVM_EVM_XVM_ADDRESS_BYTES, SVM_EVM_NATIVE_ADDRESS_BYTES};
	int rc = 0;
	for (int k = 0; k < 2 && rc == 0; k++) {
		uint8_t code[sizeof forward];
		memcpy(code, forward, sizeof forward);
		memcpy(code + 10, target[k], 20);
		svm_id_t cid;
		svm_evm_code_id(&G.contract[k], &cid);
		svm_object_t o = {.id = cid, .owner_kind = SVM_OWNER_IMMUTABLE, .type = SVM_OBJ_CODE, .payload = code, .payload_len = sizeof code};
		rc = svm_host_put(c, &o);
	}
	return rc ? rc : svm_ledger_mint(c, c->implicit_token, &G.key.id, 1000000000000ull);
}

static void init_once(void)
{
	if (svm_crypto_init()) abort();
	setenv("SVM_EXEC_SHORTCUT", "0", 1); /* one sender's chain: keep it on the engines */
	eth_key(&G.key, 1);
	for (int k = 0; k < 2; k++) {
		G.contract[k].b[0] = 0xcc;
		G.contract[k].b[19] = (uint8_t)(k + 1);
	}
	eg_rng_t r = {.s = 1};
	eg_config_t cfg = {.accounts = 2, .transfers_only = true};
	if (eg_world_init(&G.w, &r, &cfg)) abort();
	G.w.env.chain_id = CHAIN;
	G.w.env.fees = (svm_fee_params_t){1000, 2, 1, 0};
	svm_exec_base_t base = eg_base(&G.w);
	svm_exec_result_t res;
	svm_arena_t a;
	svm_arena_init(&a, 0);
	if (svm_exec_system(&G.w.env, &base, genesis, NULL, &a, &res) || eg_apply(&G.w, &res)) abort();
	svm_arena_reset(&a);
	G.w.env.height++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		init_once();
		init = true;
	}
	if (size == 0 || size - 1 > CALLDATA_MAX) return 0;
	const svm_evm_addr_t *to = &G.contract[data[0] & 1];
	svm_exec_base_t base = eg_base(&G.w);
	svm_exec_result_t ref, par;
	svm_arena_t a;
	svm_arena_init(&a, 0);
	/* the same call from the same sender 8 times (nonces 0..7): a block the engines run */
	enum { N = 8 };
	svm_buf_t txs[N];
	const uint8_t *p[N];
	size_t lens[N];
	for (size_t i = 0; i < N; i++) {
		eth_tx_t t = {.chain_id = CHAIN, .nonce = i, .gas = 300000, .max_fee = eth_gwei(2), .to = to, .data = data + 1, .data_len = size - 1};
		memset(&txs[i], 0, sizeof txs[i]);
		if (eth_sign(&G.key, &t, false, &txs[i])) abort();
		p[i] = txs[i].data;
		lens[i] = txs[i].len;
	}
	svm_exec_tx_t *prep = svm_arena_alloc(&a, N * sizeof *prep);
	if (!prep || svm_exec_prepare(CHAIN, p, lens, N, NULL, 1, &a, prep)) abort();
	int rc1 = svm_exec_sequential(&G.w.env, prep, N, SVM_EXEC_BUILD, &base, &a, &ref, NULL);
	int rc2 = svm_exec_block(&G.w.env, prep, N, SVM_EXEC_BUILD, &base, 2, &a, &par, NULL, NULL);
	char why[256] = "";
	if (rc1 != rc2 || (rc1 == 0 && eg_compare(&ref, &par, why, sizeof why))) {
		fprintf(stderr, "AOEM differs from the reference: rc %d / %d: %s\n", rc1, rc2, why);
		abort();
	}
	if (rc1 == 0 && ref.included != N) {
		fprintf(stderr, "%zu of %d transactions included\n", ref.included, N);
		abort();
	}
	for (size_t i = 0; i < N; i++) svm_buf_free(&txs[i]);
	svm_arena_reset(&a);
	return 0;
}

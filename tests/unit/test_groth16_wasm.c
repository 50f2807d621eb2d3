/* Groth16 from WebAssembly contracts: the groth16_verify host function (docs/privacy.md) called
 * by contracts/examples/zkverify.c on snarkjs's proofs (tests/vectors/groth16). Every block runs
 * on the sequential reference and on AOEM at 1 and 2 threads, whose receipts and writes must be
 * byte-identical. Checked: a valid proof verifies and a changed input or proof does not; a
 * malformed key, input or proof is -1 (not a crash); lengths beyond the bounds and ranges
 * outside memory fail the transaction, charging only the fee; the price is paid whatever the
 * outcome and is the native program's price plus the contract's own work. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chaintest.h"
#include "lib/execgen.h"
#include "supervm/exec.h"
#include "supervm/groth16.h"

#define CHAIN 7
#define FUND_UNITS 1000000000000ull
#define SENDERS 2
#define FEE_LIMIT 100000000

typedef struct {
	uint8_t vk[SVM_GROTH16_VK_BYTES_MAX];
	size_t vk_len;
	uint8_t proof[SVM_GROTH16_PROOF_BYTES];
	uint8_t pub[SVM_GROTH16_PUBLIC_MAX][32];
	size_t n;
} vec_t;

typedef struct {
	eg_world_t w;
	svm_keypair_t k[SENDERS];
	uint64_t nonce[SENDERS];
	svm_id_t wasm;
	svm_arena_t arena;
	svm_exec_result_t res;
	vec_t v;
} fx_t;

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	cr_assert_not_null(fp, "%s missing (run from the repository root)", path);
	char *s = calloc(1, 1 << 20);
	size_t n = fread(s, 1, (1 << 20) - 1, fp);
	fclose(fp);
	s[n] = 0;
	return s;
}

static void load(vec_t *v, const char *name)
{
	char p[3][128];
	static const char *files[3] = {"vk.json", "proof.json", "public.json"};
	char *t[3];
	for (int i = 0; i < 3; i++) {
		snprintf(p[i], sizeof p[i], "tests/vectors/groth16/%s/%s", name, files[i]);
		t[i] = slurp(p[i]);
	}
	cr_assert_eq(svm_groth16_from_snarkjs(t[0], t[1], t[2], v->vk, &v->vk_len, v->proof, v->pub, &v->n), 0);
	for (int i = 0; i < 3; i++) free(t[i]);
}

static int fund_fn(svm_txctx_t *c, void *ud)
{
	svm_keypair_t *k = ud;
	for (int i = 0; i < SENDERS; i++) {
		int rc = svm_ledger_mint(c, c->implicit_token, &k[i].id, FUND_UNITS);
		if (rc) return rc;
	}
	return 0;
}

/* Runs the block on the reference and on AOEM at 1 and 2 threads, requires identical results and
 * every transaction included, applies the reference's writes (kept in f->res). */
static void run_block(fx_t *f, svm_buf_t *txs, size_t n, const char *what)
{
	const uint8_t *p[8];
	size_t lens[8];
	cr_assert(n <= 8);
	for (size_t i = 0; i < n; i++) p[i] = txs[i].data, lens[i] = txs[i].len;
	svm_arena_reset(&f->arena);
	char why[256] = "";
	cr_assert_eq(eg_signed_block_1_2(&f->w, CHAIN, p, lens, n, &f->arena, &f->res, why, sizeof why), 0,
		     "%s: %s", what, why);
	cr_assert_eq(f->res.included, n, "%s: every transaction is included", what);
	cr_assert_eq(eg_apply(&f->w, &f->res), 0);
	for (size_t i = 0; i < n; i++) svm_buf_free(&txs[i]);
}

static void tx_of(fx_t *f, int who, uint8_t vm, const svm_buf_t *payload, svm_buf_t *out)
{
	ct_txopt_t opt = {.chain_id = CHAIN, .nonce = f->nonce[who]++, .fee_limit = FEE_LIMIT};
	svm_hash_t id;
	cr_assert_eq(ct_tx(out, &f->k[who], vm, payload->data, payload->len, NULL, 0, &opt, &id), 0);
}

static void call_tx(fx_t *f, int who, const char *method, const void *in, size_t len, svm_buf_t *out)
{
	svm_buf_t payload = {0};
	cr_assert_eq(svm_contract_call_payload(&payload, &f->wasm, method, in, len, NULL, 0), 0);
	tx_of(f, who, SVM_VM_WASM, &payload, out);
	svm_buf_free(&payload);
}

/* The contract's statement input: u8 n ‖ inputs ‖ proof. */
static size_t statement(const vec_t *v, uint8_t *out)
{
	out[0] = (uint8_t)v->n;
	memcpy(out + 1, v->pub, 32 * v->n);
	memcpy(out + 1 + 32 * v->n, v->proof, SVM_GROTH16_PROOF_BYTES);
	return 1 + 32 * v->n + SVM_GROTH16_PROOF_BYTES;
}

static const svm_receipt_t *rc_of(fx_t *f, size_t i) { return &f->res.receipts[i]; }

static int32_t ret_i32(const svm_receipt_t *r)
{
	cr_assert_eq(r->status, 0, "status %u", r->status);
	cr_assert_eq(r->return_data_len, 4);
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--) v = v << 8 | r->return_data[i];
	return (int32_t)v;
}

static void setup_fx(fx_t *f, const char *vector)
{
	cr_assert_eq(svm_crypto_init(), 0);
	setenv("SVM_EXEC_SHORTCUT", "0", 1);
	memset(f, 0, sizeof *f);
	load(&f->v, vector);
	eg_rng_t r = {.s = 1};
	eg_config_t cfg = {.accounts = 2, .transfers_only = true};
	cr_assert_eq(eg_world_init(&f->w, &r, &cfg), 0);
	f->w.env.chain_id = CHAIN;
	f->w.env.fees = (svm_fee_params_t){1000, 2, 1, 0};
	for (int i = 0; i < SENDERS; i++) ct_key((uint64_t)i + 1, &f->k[i]);
	svm_arena_init(&f->arena, 0);
	svm_exec_base_t base = eg_base(&f->w);
	cr_assert_eq(svm_exec_system(&f->w.env, &base, fund_fn, f->k, &f->arena, &f->res), 0);
	cr_assert_eq(eg_apply(&f->w, &f->res), 0);
	/* deploy, then set the key */
	svm_buf_t code = {0}, payload = {0}, txs[2] = {{0}};
	char *path = "build/contracts/zkverify.wasm";
	FILE *fp = fopen(path, "rb");
	cr_assert_not_null(fp, "%s missing: build it with `make contracts`", path);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) cr_assert_eq(svm_buf_append(&code, chunk, n), 0);
	fclose(fp);
	cr_assert_eq(svm_contract_deploy_payload(&payload, code.data, code.len), 0);
	svm_contract_id(&f->k[0].id, f->nonce[0], &f->wasm);
	tx_of(f, 0, SVM_VM_WASM, &payload, &txs[0]);
	call_tx(f, 0, "set_key", f->v.vk, f->v.vk_len, &txs[1]);
	run_block(f, txs, 2, "deploy and set_key");
	cr_assert_eq(rc_of(f, 0)->status, 0, "deploy");
	cr_assert_eq(rc_of(f, 1)->status, 0, "set_key");
	svm_buf_free(&code);
	svm_buf_free(&payload);
}

static void teardown_fx(fx_t *f)
{
	svm_arena_reset(&f->arena);
	eg_world_free(&f->w);
}

static uint64_t verified_count(fx_t *f)
{
	svm_id_t id;
	svm_contract_slot_id(&f->wasm, (const uint8_t *)"verified", 8, &id);
	svm_exec_base_t base = eg_base(&f->w);
	const uint8_t *p;
	size_t n;
	if (base.get(base.ud, 0, &id, &p, &n) == SVM_ENOTFOUND) return 0;
	svm_object_t o;
	cr_assert_eq(svm_object_decode(p, n, &o, NULL), 0);
	cr_assert_eq(o.payload_len, 8);
	return svm_get_u64le(o.payload);
}

Test(groth16_wasm, a_contract_verifies_snarkjs_proofs_on_every_engine)
{
	static fx_t f;
	setup_fx(&f, "mul");
	uint8_t in[1 + 32 * SVM_GROTH16_PUBLIC_MAX + SVM_GROTH16_PROOF_BYTES];
	size_t len = statement(&f.v, in);
	svm_buf_t txs[4] = {{0}};
	/* one block: a valid proof verified, a changed public input refused (abort), the same two
	 * through `check` (1 and 0) */
	call_tx(&f, 0, "verify", in, len, &txs[0]);
	in[1 + 32 * 2 + 31] ^= 1; /* the public input d */
	call_tx(&f, 1, "verify", in, len, &txs[1]);
	call_tx(&f, 1, "check", in, len, &txs[2]);
	in[1 + 32 * 2 + 31] ^= 1;
	call_tx(&f, 0, "check", in, len, &txs[3]);
	run_block(&f, txs, 4, "verify and check");
	const svm_receipt_t *ok = rc_of(&f, 0), *bad = rc_of(&f, 1);
	cr_assert_eq(ok->status, 0, "valid proof: status %u", ok->status);
	cr_assert_eq(ok->return_data_len, 1);
	cr_assert_eq(ok->return_data[0], 1);
	cr_assert_eq(ok->events_len, 1);
	cr_assert_eq(bad->status, svm_receipt_status(SVM_EABORT));
	cr_assert_eq(bad->return_data_len, strlen("proof does not verify"));
	cr_assert_eq(memcmp(bad->return_data, "proof does not verify", bad->return_data_len), 0);
	cr_assert_eq(ret_i32(rc_of(&f, 2)), 0, "a changed input does not verify");
	cr_assert_eq(ret_i32(rc_of(&f, 3)), 1, "the valid proof verifies through check");
	cr_assert_eq(verified_count(&f), 1, "only the valid proof counted");
	/* the price does not depend on the outcome: check of a good and of a bad statement */
	cr_assert_eq(rc_of(&f, 2)->steps, rc_of(&f, 3)->steps);
	cr_assert_geq(rc_of(&f, 3)->steps, svm_groth16_host_steps(f.v.vk_len, f.v.n));
	teardown_fx(&f);
}

Test(groth16_wasm, every_byte_of_the_proof_changed_is_refused_or_malformed)
{
	static fx_t f;
	setup_fx(&f, "cube");
	uint8_t in[1 + 32 * SVM_GROTH16_PUBLIC_MAX + SVM_GROTH16_PROOF_BYTES];
	size_t len = statement(&f.v, in);
	size_t proof_at = 1 + 32 * f.v.n;
	int zeros = 0, malformed = 0;
	/* the low bit of every 16th byte of the proof, eight transactions a block */
	for (size_t at = 0; at < SVM_GROTH16_PROOF_BYTES; at += 8 * 16) {
		svm_buf_t txs[8] = {{0}};
		size_t k = 0;
		for (size_t b = at; b < at + 8 * 16 && b < SVM_GROTH16_PROOF_BYTES; b += 16, k++) {
			in[proof_at + b] ^= 0x01;
			call_tx(&f, (int)(k & 1), "check", in, len, &txs[k]);
			in[proof_at + b] ^= 0x01;
		}
		run_block(&f, txs, k, "mutated proofs");
		for (size_t i = 0; i < k; i++) {
			int32_t r = ret_i32(rc_of(&f, i));
			cr_assert(r == 0 || r == -1, "byte %zu changed: %d", at + 16 * i, r);
			zeros += r == 0, malformed += r == -1;
		}
	}
	cr_log_info("groth16_wasm: changed proofs: %d do not verify, %d malformed", zeros, malformed);
	cr_assert_gt(malformed, 0, "a point off the curve is reported as malformed");
	teardown_fx(&f);
}

Test(groth16_wasm, malformed_and_out_of_bounds_arguments_fail_cleanly)
{
	static fx_t f;
	setup_fx(&f, "mul");
	uint8_t in[1 + 32 * SVM_GROTH16_PUBLIC_MAX + SVM_GROTH16_PROOF_BYTES];
	svm_buf_t txs[8] = {{0}};
	vec_t v = f.v;
	size_t len;
	/* 0: n not the key's (2 of 3) */
	v.n = 2;
	len = statement(&v, in);
	call_tx(&f, 0, "check", in, len, &txs[0]);
	/* 1: an input not below r (all ones) */
	v = f.v;
	memset(v.pub[0], 0xff, 32);
	len = statement(&v, in);
	call_tx(&f, 0, "check", in, len, &txs[1]);
	/* 2: A's x coordinate not below p */
	v = f.v;
	memset(v.proof, 0xff, 32);
	len = statement(&v, in);
	call_tx(&f, 0, "check", in, len, &txs[2]);
	/* 3: B (G2) off its curve */
	v = f.v;
	v.proof[64 + 127] ^= 1;
	len = statement(&v, in);
	call_tx(&f, 0, "check", in, len, &txs[3]);
	/* raw: 4 vk_len past the maximum, 5 n past the maximum, 6 the proof outside memory,
	 * 7 a key shorter than its encoding */
	uint8_t raw[4][12] = {{0}};
	uint32_t vals[4][3] = {{SVM_GROTH16_VK_BYTES_MAX + 1, 3, 0},
			       {(uint32_t)f.v.vk_len, SVM_GROTH16_PUBLIC_MAX + 1, 0},
			       {(uint32_t)f.v.vk_len, 3, 0xffffff80u},
			       {100, 3, 1024}};
	for (int t = 0; t < 4; t++) {
		for (int k = 0; k < 3; k++)
			for (int b = 0; b < 4; b++) raw[t][4 * k + b] = (uint8_t)(vals[t][k] >> (8 * b));
		call_tx(&f, 1, "raw", raw[t], 12, &txs[4 + t]);
	}
	run_block(&f, txs, 8, "malformed");
	for (int i = 0; i < 4; i++) cr_assert_eq(ret_i32(rc_of(&f, (size_t)i)), -1, "case %d: malformed", i);
	cr_assert_eq(rc_of(&f, 4)->status, svm_receipt_status(SVM_ELIMIT), "vk_len past the maximum");
	cr_assert_eq(rc_of(&f, 5)->status, svm_receipt_status(SVM_ELIMIT), "n past the maximum");
	cr_assert_eq(rc_of(&f, 6)->status, svm_receipt_status(SVM_ETRAP), "outside memory");
	cr_assert_eq(ret_i32(rc_of(&f, 7)), -1, "a truncated key");
	for (int i = 4; i < 7; i++) {
		cr_assert_eq(rc_of(&f, (size_t)i)->events_len, 0);
		cr_assert_gt(rc_of(&f, (size_t)i)->fee_charged, 0, "a failed call pays its fee");
	}
	/* the chain goes on: the valid proof still verifies */
	len = statement(&f.v, in);
	call_tx(&f, 0, "verify", in, len, &txs[0]);
	run_block(&f, txs, 1, "after the failures");
	cr_assert_eq(rc_of(&f, 0)->status, 0);
	cr_assert_eq(verified_count(&f), 1);
	teardown_fx(&f);
}

Test(groth16_wasm, the_price_is_the_native_programs_plus_the_contracts_own_work)
{
	static fx_t f;
	setup_fx(&f, "mul");
	/* the native program, in the same world: register the key, verify the same proof */
	svm_buf_t p = {0}, txs[2] = {{0}};
	svm_varint_append(&p, SVM_PROGRAM_GROTH16);
	svm_varint_append(&p, SVM_GROTH16_REGISTER);
	svm_buf_append(&p, f.v.vk, f.v.vk_len);
	tx_of(&f, 0, SVM_VM_NATIVE, &p, &txs[0]);
	run_block(&f, txs, 1, "register");
	cr_assert_eq(rc_of(&f, 0)->status, 0);
	svm_id_t id;
	svm_groth16_vk_id(f.v.vk, f.v.vk_len, &id);
	svm_buf_free(&p);
	svm_varint_append(&p, SVM_PROGRAM_GROTH16);
	svm_varint_append(&p, SVM_GROTH16_VERIFY);
	svm_buf_append(&p, id.b, 32);
	svm_varint_append(&p, f.v.n);
	svm_buf_append(&p, f.v.pub, 32 * f.v.n);
	svm_buf_append(&p, f.v.proof, SVM_GROTH16_PROOF_BYTES);
	tx_of(&f, 0, SVM_VM_NATIVE, &p, &txs[0]);
	uint8_t in[1 + 32 * SVM_GROTH16_PUBLIC_MAX + SVM_GROTH16_PROOF_BYTES];
	call_tx(&f, 1, "verify", in, statement(&f.v, in), &txs[1]);
	run_block(&f, txs, 2, "native and host function");
	svm_buf_free(&p);
	const svm_receipt_t *native = rc_of(&f, 0), *host = rc_of(&f, 1);
	cr_assert_eq(native->status, 0);
	cr_assert_eq(host->status, 0);
	uint64_t g16 = svm_groth16_host_steps(f.v.vk_len, f.v.n);
	cr_log_info("groth16_wasm: native program verify %llu steps, contract verify %llu steps "
		    "(host function %llu of them)",
		    (unsigned long long)native->steps, (unsigned long long)host->steps,
		    (unsigned long long)g16);
	cr_assert_geq(native->steps, SVM_STEPS_GROTH16_VERIFY + SVM_STEPS_GROTH16_PER_INPUT * f.v.n);
	cr_assert_gt(host->steps, g16);
	/* the contract's own work (code loading, copying the input, storage, the event) is a few
	 * percent of the verification */
	cr_assert_lt(host->steps - g16, g16 / 20, "contract overhead %llu steps",
		     (unsigned long long)(host->steps - g16));
	teardown_fx(&f);
}

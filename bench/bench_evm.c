/* The EVM benchmark (make bench-evm): SuperVM's EVM on the contracts of bench/evm/contracts.json
 * — ERC-20 transfers over distinct senders and recipients (whole transactions: validation,
 * gas purchase, execution, refunds, fees), a loop-heavy and a hashing contract — printing time
 * (best of 3) and execution Mgas/s, in the format bench/evm/ejs_bench.mjs prints for @ethereumjs/evm.
 * Usage: bench_evm [TRANSFERS LOOP_N HASH_N]. Printed, never a test. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/evm.h"

#define ACCOUNTS 1000
#define REPS 3
#define CONTRACTS "bench/evm/contracts.json"

static uint8_t *code_of(json_t *j, const char *name, size_t *n)
{
	const char *hex = json_string_value(json_object_get(json_object_get(j, name), "code"));
	size_t l = strlen(hex) / 2;
	uint8_t *b = malloc(l);
	for (size_t i = 0; i < l; i++) sscanf(hex + 2 * i, "%2hhx", &b[i]);
	*n = l;
	return b;
}

static svm_evm_addr_t addr(uint8_t tag, uint32_t i)
{
	svm_evm_addr_t a = {{0}};
	a.b[0] = tag;
	a.b[16] = (uint8_t)(i >> 24);
	a.b[17] = (uint8_t)(i >> 16);
	a.b[18] = (uint8_t)(i >> 8);
	a.b[19] = (uint8_t)i;
	return a;
}

static void word(uint8_t *out, uint64_t v)
{
	memset(out, 0, 32);
	svm_put_u64be(out + 24, v);
}

static svm_evm_block_t block(void)
{
	svm_evm_block_t b = {0};
	b.number = 1;
	b.timestamp = 1000;
	b.gas_limit = 2000000000;
	b.chain_id = 1;
	return b;
}

static svm_evm_state_t *setup(const uint8_t *code, size_t n, svm_evm_addr_t *c)
{
	svm_evm_state_t *s = svm_evm_state_new();
	svm_u256_t one = {{1, 0, 0, 0}}, rich = {{1000000000000000000ull, 0, 0, 0}};
	*c = addr(0xcc, 1);
	svm_evm_state_set_account(s, c, &one, 0, code, n);
	svm_evm_addr_t from = addr(0xa0, 0);
	svm_evm_state_set_account(s, &from, &rich, 0, NULL, 0);
	return s;
}

static double run_erc20(const uint8_t *code, size_t n, int transfers, uint64_t *gas)
{
	svm_evm_addr_t c;
	svm_evm_state_t *s = setup(code, n, &c);
	svm_u256_t rich = {{1000000000000000000ull, 0, 0, 0}}, bal = {{1000000, 0, 0, 0}};
	uint64_t *nonce = calloc(ACCOUNTS, sizeof *nonce);
	for (uint32_t i = 0; i < ACCOUNTS; i++) {
		svm_evm_addr_t from = addr(0xa0, i);
		svm_evm_state_set_account(s, &from, &rich, 0, NULL, 0);
		uint8_t pre[64], slot[32];
		word(pre, 0);
		memcpy(pre + 12, from.b, 20);
		word(pre + 32, 0);
		svm_keccak256(pre, 64, slot);
		svm_u256_t k;
		svm_u256_from_be(&k, slot, 32);
		svm_evm_state_set_storage(s, &c, &k, &bal);
	}
	svm_evm_block_t blk = block();
	uint8_t data[68] = {0xa9, 0x05, 0x9c, 0xbb};
	uint64_t t0 = svm_clock_ns();
	*gas = 0;
	for (int i = 0; i < transfers; i++) {
		svm_evm_tx_t tx = {0};
		tx.from = addr(0xa0, (uint32_t)(i % ACCOUNTS));
		tx.to = c;
		tx.nonce = nonce[i % ACCOUNTS]++;
		tx.gas_limit = 100000;
		svm_evm_addr_t to = addr(0xb0, (uint32_t)i);
		word(data + 4, 0);
		memcpy(data + 4 + 12, to.b, 20);
		word(data + 36, 1);
		tx.data = data;
		tx.data_len = sizeof data;
		svm_evm_result_t r;
		svm_error_t err = {0};
		if (svm_evm_apply_tx(s, &blk, &tx, &r, &err) || r.status != 1) {
			fprintf(stderr, "transfer %d failed: %s %s\n", i, err.msg, r.error);
			exit(1);
		}
		*gas += r.gas_used - svm_evm_intrinsic_gas(&tx);
		svm_evm_result_free(&r);
	}
	double ms = (double)(svm_clock_ns() - t0) / 1e6;
	free(nonce);
	svm_evm_state_free(s);
	return ms;
}

static double run_single(const uint8_t *code, size_t n, const uint8_t *data, size_t dl, uint64_t *gas)
{
	svm_evm_addr_t c;
	svm_evm_state_t *s = setup(code, n, &c);
	svm_evm_block_t blk = block();
	svm_evm_tx_t tx = {0};
	tx.from = addr(0xa0, 0);
	tx.to = c;
	tx.gas_limit = 1000000000;
	tx.data = data;
	tx.data_len = dl;
	svm_evm_result_t r;
	svm_error_t err = {0};
	uint64_t t0 = svm_clock_ns();
	if (svm_evm_apply_tx(s, &blk, &tx, &r, &err) || r.status != 1) {
		fprintf(stderr, "run failed: %s %s\n", err.msg, r.error);
		exit(1);
	}
	double ms = (double)(svm_clock_ns() - t0) / 1e6;
	*gas = r.gas_used - svm_evm_intrinsic_gas(&tx);
	svm_evm_result_free(&r);
	svm_evm_state_free(s);
	return ms;
}

int main(int argc, char **argv)
{
	int transfers = argc > 1 ? atoi(argv[1]) : 20000;
	uint64_t loop_n = argc > 2 ? strtoull(argv[2], NULL, 0) : 1000000, hash_n = argc > 3 ? strtoull(argv[3], NULL, 0) : 200000;
	json_error_t je;
	json_t *j = json_load_file(CONTRACTS, 0, &je);
	if (!j) {
		fprintf(stderr, "%s: %s (run from the repository root)\n", CONTRACTS, je.text);
		return 1;
	}
	size_t n;
	uint64_t gas;
	uint8_t *code = code_of(j, "erc20", &n);
	double ms = 1e30, t;
	for (int rep = 0; rep < REPS; rep++) /* best of REPS: the machine is shared */
		if ((t = run_erc20(code, n, transfers, &gas)) < ms) ms = t;
	printf("supervm erc20 %d %.1f %.2f\n", transfers, ms, (double)gas / ms / 1000);
	free(code);
	uint8_t data[68] = {0};
	code = code_of(j, "loop", &n);
	word(data + 4, loop_n);
	ms = 1e30;
	for (int rep = 0; rep < REPS; rep++)
		if ((t = run_single(code, n, data, 36, &gas)) < ms) ms = t;
	printf("supervm loop 1 %.1f %.2f\n", ms, (double)gas / ms / 1000);
	free(code);
	code = code_of(j, "hash", &n);
	word(data + 4, hash_n);
	word(data + 36, 7);
	ms = 1e30;
	for (int rep = 0; rep < REPS; rep++)
		if ((t = run_single(code, n, data, 68, &gas)) < ms) ms = t;
	printf("supervm hash 1 %.1f %.2f\n", ms, (double)gas / ms / 1000);
	free(code);
	json_decref(j);
	return 0;
}

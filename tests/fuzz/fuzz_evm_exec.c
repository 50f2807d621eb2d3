/* libFuzzer target for the EVM interpreter: the input is contract code, run by a transaction
 * with a 1,000,000 gas limit (the code may call and create, itself included). Execution must
 * end without crashing, use no more gas than the limit, and leave a computable state root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/evm.h"

#define GAS_LIMIT 1000000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > SVM_EVM_CODE_BYTES_MAX) return 0;
	svm_evm_state_t *s = svm_evm_state_new();
	if (!s) return 0;
	svm_evm_addr_t from = {{0}}, to = {{0}};
	from.b[19] = 0xf0;
	to.b[19] = 0xc0;
	svm_u256_t rich, zero = {{0}};
	memset(&rich, 0, sizeof rich);
	rich.w[1] = 1;
	svm_evm_state_set_account(s, &from, &rich, 0, NULL, 0);
	svm_evm_state_set_account(s, &to, &rich, 1, data, size);
	svm_evm_block_t blk = {0};
	blk.number = 10;
	blk.gas_limit = 30000000;
	blk.chain_id = 1;
	svm_evm_tx_t tx = {0};
	tx.from = from;
	tx.to = to;
	tx.gas_limit = GAS_LIMIT;
	tx.gas_price = zero;
	svm_evm_result_t r;
	svm_error_t err = {0};
	if (svm_evm_apply_tx(s, &blk, &tx, &r, &err) == 0) {
		if (r.gas_used > GAS_LIMIT) {
			fprintf(stderr, "gas used %llu above the limit\n", (unsigned long long)r.gas_used);
			abort();
		}
		svm_evm_result_free(&r);
	}
	uint8_t root[32];
	if (svm_evm_state_root(s, root) != 0) abort();
	svm_evm_state_free(s);
	return 0;
}

/* Ethereum keys and signed EIP-1559 / legacy transactions for tests (libsecp256k1), wrapped for
 * SuperVM blocks (SVM_TAG_ETH_TX ‖ raw). */
#ifndef SUPERVM_TESTS_ETHSIGN_H
#define SUPERVM_TESTS_ETHSIGN_H

#include "supervm/evm.h"

typedef struct {
	uint8_t sk[32];
	svm_evm_addr_t addr;
	svm_id_t id; /* svm_evm_identity(addr) */
} eth_key_t;

/* A key from a seed (sk = SHA-256("eth/test" ‖ u64be seed)). */
void eth_key(eth_key_t *k, uint64_t seed);

typedef struct {
	uint64_t chain_id, nonce, gas;
	svm_u256_t max_fee, max_prio; /* wei per gas (legacy: max_fee is the gas price) */
	const svm_evm_addr_t *to;     /* NULL: create */
	svm_u256_t value;             /* wei */
	const uint8_t *data;
	size_t data_len;
	bool legacy; /* an EIP-155 legacy transaction instead of EIP-1559 */
} eth_tx_t;

/* Appends SVM_TAG_ETH_TX ‖ the signed network encoding to out (raw only when bare). */
int eth_sign(const eth_key_t *k, const eth_tx_t *t, bool bare, svm_buf_t *out);
/* wei = gwei · 10^9 */
svm_u256_t eth_gwei(uint64_t gwei);

#endif

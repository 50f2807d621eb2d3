/* libFuzzer target for the confidential program's decoders: any bytes as an output object's
 * payload (version 1, or a ring output's version 2) must decode or be rejected without reading
 * outside them (ASan), and any bytes as a transact or ring-spend payload must yield an access
 * set and a read set or a decode error, never more than the program's limits allow; and any
 * bytes as a wallet note (which a wallet reads from the chain) open or are refused; and a
 * relayer's check of any bytes accepts or refuses them consistently with the fee it reports. */
#include <stdlib.h>
#include <string.h>

#include "supervm/confidential.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svm_id_t creator, sender = {{1}}, w[16];
	uint64_t nonce;
	uint16_t index;
	uint8_t Q[32], F[32];
	const uint8_t *enc;
	size_t enc_len, n;
	if (svm_conf_output_decode(data, size, &creator, &nonce, &index, Q, F, &enc, &enc_len) == 0) {
		if (enc_len > SVM_CONF_ENC_MAX || enc + enc_len != data + size) abort();
	}
	uint8_t P[32];
	if (svm_conf_ring_output_decode(data, size, &creator, &nonce, &index, P, Q, F, &enc,
					&enc_len) == 0) {
		if (enc_len > SVM_CONF_ENC_MAX || enc + enc_len != data + size) abort();
	}
	int rc = svm_conf_access(&sender, 3, data, size, w, 16, &n);
	if (rc == 0 && n > SVM_CONF_OUTPUTS_MAX + 2 + SVM_CONF_RING_INPUTS_MAX) abort();
	if (rc != 0 && rc != SVM_EDECODE && rc != SVM_ELIMIT) abort();
	svm_id_t r[SVM_TX_OBJECTS_MAX];
	rc = svm_conf_reads(data, size, r, SVM_TX_OBJECTS_MAX, &n);
	if (rc == 0 && n > SVM_CONF_RING_INPUTS_MAX * SVM_CONF_RING_MAX) abort();
	for (size_t i = 1; rc == 0 && i < n; i++) /* sorted, no duplicates */
		if (memcmp(r[i - 1].b, r[i].b, 32) >= 0) abort();
	if (rc != 0 && rc != SVM_EDECODE && rc != SVM_ELIMIT) abort();
	/* a relayer's check: any bytes are a ring spend paying the relay, or refused */
	svm_id_t swr;
	uint64_t fee = 7;
	svm_token_id("SWR", &swr);
	rc = svm_conf_relay_check(data, size, &swr, 1000, &fee);
	if (rc != 0 && rc != SVM_EDECODE && rc != SVM_EINVAL && rc != SVM_EFUNDS) abort();
	if ((rc == 0 && fee < 1000) || (rc == SVM_EFUNDS && fee >= 1000) || ((rc == SVM_EDECODE || rc == SVM_EINVAL) && fee))
		abort();
	static uint8_t s[32], vk[SVM_CONF_VIEW_KEY_BYTES], addr[SVM_CONF_ADDRESS_BYTES];
	if (vk[0] == 0) svm_conf_wallet_keys(s, vk, addr, (const uint8_t[32]){7});
	svm_conf_opening_t open;
	uint8_t p[32];
	if (size >= 96) { /* P, Q, F from the input too (any bytes: the opener must cope) */
		rc = svm_conf_note_open(&open, p, vk, s, data, data + 32, data + 64, data + 96, size - 96);
		if (rc != 0 && rc != SVM_EPROOF) abort();
		rc = svm_conf_note_view(&open, p, vk, data, data + 32, data + 64, data + 96, size - 96);
		if (rc != 0 && rc != SVM_EPROOF) abort();
	}
	if (size >= 64) { /* a view key from the input */
		rc = svm_conf_view_address(addr, data);
		if (rc != 0 && rc != SVM_EINVAL) abort();
	}
	return 0;
}

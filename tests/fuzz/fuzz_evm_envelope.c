/* libFuzzer target for the node's Ethereum transaction envelope (SVM_TAG_ETH_TX ‖ a legacy,
 * EIP-2930 or EIP-1559 encoding): svm_tx_decode_any on the input as given (either kind of
 * transaction) and svm_evm_envelope_decode on the input behind the tag. Any input is accepted
 * or refused with an error message; an accepted Ethereum one is an EVM transaction whose id is
 * the Keccak-256 of its encoding, whose sender is the identity of the recovered address (so
 * svm_tx_verify_any accepts it), with a chain id, a gas limit within the block's, not a blob
 * transaction, and whose payload the executor parses again to the same fields — those of the
 * decoded transaction the envelope carries (svm_tx_t.decoded), which execution uses instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/evm.h"

#define ENVELOPE_BYTES_MAX (SVM_TX_BYTES_MAX + 2)

static void fail(const char *why)
{
	fprintf(stderr, "%s\n", why);
	abort();
}

/* The properties of an accepted envelope p[0..len). */
static void check_accepted(const uint8_t *p, size_t len, const svm_tx_t *tx, const svm_hash_t *id)
{
	if (tx->vm != SVM_VM_EVM || tx->scheme != SVM_EVM_SCHEME || tx->public_key_len != SVM_EVM_ADDR_SIZE)
		fail("accepted envelope is not an EVM transaction");
	if (tx->payload != p + 1 || tx->payload_len != len - 1) fail("payload is not the encoding behind the tag");
	uint8_t h[32];
	svm_keccak256(p + 1, len - 1, h);
	if (memcmp(h, id->b, 32)) fail("id is not the Keccak-256 of the encoding");
	if (svm_tx_verify_any(tx, id) != 0) fail("accepted envelope fails svm_tx_verify_any");
	svm_evm_signed_tx_t st;
	svm_error_t err = {0};
	if (svm_evm_tx_parse(tx->payload, tx->payload_len, &st, &err) != 0) fail("the executor cannot parse it");
	if (!st.has_chain_id || st.chain_id != tx->chain_id || st.tx.type == 3 ||
	    st.tx.gas_limit > SVM_EVM_BLOCK_GAS_MAX || st.tx.nonce != tx->nonce)
		fail("accepted envelope breaks a rule of the node");
	/* the decoded transaction execution takes instead of parsing again: the parse's fields,
	 * the recovered sender, the access list copied whole */
	const svm_evm_tx_t *d = tx->decoded;
	if (d == NULL) fail("accepted envelope without its decoded transaction");
	if (memcmp(d->from.b, tx->public_key, SVM_EVM_ADDR_SIZE)) fail("decoded sender is not the public key");
	svm_evm_tx_t want = st.tx;
	want.from = d->from;
	if (d->type != want.type || d->create != want.create || memcmp(d->to.b, want.to.b, 20) ||
	    d->nonce != want.nonce || d->gas_limit != want.gas_limit ||
	    memcmp(&d->value, &want.value, sizeof d->value) || memcmp(&d->gas_price, &want.gas_price, sizeof d->gas_price) ||
	    memcmp(&d->max_fee, &want.max_fee, sizeof d->max_fee) ||
	    memcmp(&d->max_priority_fee, &want.max_priority_fee, sizeof d->max_priority_fee) ||
	    d->data != want.data || d->data_len != want.data_len || d->n_access != want.n_access ||
	    d->n_blob_hashes != 0)
		fail("decoded transaction differs from the executor's parse");
	for (size_t i = 0; i < d->n_access; i++) {
		const svm_evm_access_t *x = &d->access[i], *y = &want.access[i];
		if (memcmp(x->address.b, y->address.b, 20) || x->n_keys != y->n_keys ||
		    (x->n_keys && memcmp(x->keys, y->keys, x->n_keys * sizeof *x->keys)))
			fail("decoded access list differs from the executor's parse");
	}
	svm_evm_signed_tx_free(&st);
}

static void check_refused(int rc, const svm_error_t *err)
{
	if (err->msg[0] == 0 || err->code != rc) fail("refused envelope without its error");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size + 1 > ENVELOPE_BYTES_MAX) return 0;
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_tx_t tx;
	svm_hash_t id;
	svm_error_t err = {0};
	/* as given: a native transaction or an envelope, whichever the first byte says */
	int rc = svm_tx_decode_any(data, size, &a, &tx, &id, &err);
	if (rc == 0 && size > 0 && data[0] == SVM_TAG_ETH_TX) check_accepted(data, size, &tx, &id);
	else if (rc != 0) check_refused(rc, &err);
	/* behind the tag: every input reaches the Ethereum decoder */
	uint8_t *p = malloc(size + 1);
	if (p == NULL) abort();
	p[0] = SVM_TAG_ETH_TX;
	if (size) memcpy(p + 1, data, size);
	memset(&err, 0, sizeof err);
	rc = svm_evm_envelope_decode(p, size + 1, &a, &tx, &id, &err);
	if (rc == 0) check_accepted(p, size + 1, &tx, &id);
	else check_refused(rc, &err);
	free(p);
	svm_arena_reset(&a);
	return 0;
}

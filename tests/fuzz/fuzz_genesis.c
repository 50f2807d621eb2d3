/* libFuzzer target for the genesis JSON parser: any input is parsed or rejected with a message,
 * never a crash; an accepted genesis survives a save/parse round trip unchanged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervm/chain.h"

static bool same(const svm_genesis_t *a, const svm_genesis_t *b)
{
	if (a->chain_id != b->chain_id || a->timestamp_ms != b->timestamp_ms || a->devnet != b->devnet ||
	    memcmp(&a->fees, &b->fees, sizeof a->fees) || a->n_balances != b->n_balances ||
	    a->n_validators != b->n_validators)
		return false;
	for (size_t i = 0; i < a->n_balances; i++)
		if (memcmp(&a->balances[i], &b->balances[i], sizeof a->balances[i])) return false;
	for (size_t i = 0; i < a->n_validators; i++)
		if (memcmp(&a->validators[i], &b->validators[i], sizeof a->validators[i])) return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	svm_genesis_t g;
	svm_error_t err = {0};
	int rc = svm_genesis_parse(&g, (const char *)data, size, &err);
	if (rc) {
		if (err.msg[0] == 0) abort(); /* every rejection says why */
		return 0;
	}
	char path[64];
	snprintf(path, sizeof path, "/tmp/fuzz_genesis.%d.json", (int)getpid());
	unlink(path);
	svm_genesis_t back;
	if (svm_genesis_save(&g, path, NULL) || svm_genesis_load(&back, path, NULL)) abort();
	if (!same(&g, &back)) abort();
	unlink(path);
	svm_genesis_free(&back);
	svm_genesis_free(&g);
	return 0;
}

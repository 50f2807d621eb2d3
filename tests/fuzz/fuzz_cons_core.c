/* libFuzzer target for the consensus state machine as a hostile peer sees it: a 4-validator
 * core (validator 0, real Ed25519) gets the input as a sequence of messages (u16 length, u8
 * sender, bytes; and a tick after each), and must never crash, never leak, and never sign two
 * different votes for one round. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/constest.h"
#include "supervm/consensus.h"

static svm_keypair_t keys[4];
static svm_cons_valset_t vs;
static svm_hash_t genesis;
static uint64_t voted_round;

static int h_persist(void *ctx, const uint8_t *rec, size_t len) { return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (genesis.b[0] == 0) {
		if (constest_set(keys, 4, NULL, &vs, &genesis) != 0) abort();
		svm_log_set_level(SVM_LOG_ERROR);
	}
	svm_cons_config_t cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.chain_id = 42;
	cfg.epoch_seed = genesis;
	cfg.genesis_id = genesis;
	cfg.committed_id = genesis;
	cfg.key = &keys[0];
	cfg.round_timeout_ms = 100;
	svm_cons_host_t host = {NULL, constest_validators, constest_propose, constest_execute, constest_commit, h_persist,
				NULL, NULL, NULL};
	svm_cons_t *c;
	if (svm_cons_new(&c, &cfg, &host, NULL) != 0) abort();
	svm_cons_out_t out;
	svm_cons_out_init(&out);
	uint64_t now = 0;
	voted_round = 0;
	svm_cons_start(c, now, &out);
	size_t pos = 0;
	for (int steps = 0; steps < 64 && pos + 3 <= size; steps++) {
		size_t len = (size_t)data[pos] | (size_t)data[pos + 1] << 8;
		uint32_t from = data[pos + 2] % 5; /* 4 = not a validator */
		pos += 3;
		if (len > size - pos) len = size - pos;
		svm_cons_out_reset(&out);
		svm_cons_on_message(c, from == 4 ? SVM_CONS_FROM_UNKNOWN : from, data + pos, len, now,
				    &out);
		pos += len;
		now += 37;
		svm_cons_tick(c, now, &out);
		svm_cons_status_t st;
		svm_cons_status(c, &st);
		if (st.last_voted_round < voted_round) abort(); /* the vote round never goes back */
		voted_round = st.last_voted_round;
	}
	svm_cons_out_free(&out);
	svm_cons_free(c);
	return 0;
}

/* The chain fixture of the job, dispute and attestation tests (test_dispute, test_job_dispute,
 * test_ai_market, test_collateral): a chain in a temporary directory with deterministic funded
 * keys, one transaction per block with its receipt status and return data, blocks of several
 * transactions, empty blocks, block times that advance by a slot (or stand still), and objects,
 * jobs, disputes and balances read back. Header-only with the tests' own Criterion assertions
 * (an assertion here fails the test that called it), so it is not part of the test library
 * that the end-to-end drivers link.
 *
 * A test's fixture embeds it first with JF_EMBED: its fields are then the test's own (f->c,
 * f->k[i], f->nonce[i], f->now_ms…) and &f->t is what the jf_ functions take. */
#ifndef SUPERVM_TESTS_JOBFX_H
#define SUPERVM_TESTS_JOBFX_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chaintest.h"
#include "supervm/ai.h"
#include "supervm/verify.h"

#define JF_KEYS_MAX 40u /* the most keys a test funds (a dispute test's parties and sybils) */

#define JF_FIELDS                                                                               \
	char dir[64];                                                                           \
	svm_chain_t *c;                                                                         \
	svm_keypair_t k[JF_KEYS_MAX];                                                           \
	uint64_t nonce[JF_KEYS_MAX];                                                            \
	uint64_t fees[JF_KEYS_MAX]; /* fee limits of each key's included transactions */        \
	uint64_t fees_paid;         /* their sum: the fees paid, fees being flat */             \
	uint64_t fee;               /* each transaction's fee limit (the genesis's flat fee) */ \
	uint64_t now_ms;            /* the last block's time */                                 \
	uint64_t block_ms;          /* each next block's time step (0: slot_ms) */              \
	uint64_t slot_ms;           /* the default step: one slot (0: every block at now_ms) */ \
	bool left_out_ok;           /* jf_send_ret returns -1 for a transaction left out */     \
	/* called with the test's fixture after each included transaction's receipt */          \
	void (*on_receipt)(void *fx, int who, const svm_buf_t *payload, const svm_receipt_t *r);

typedef struct {
	JF_FIELDS
} jf_t;

/* The fixture's fields as the test's own, and as a jf_t (members of one union: the same bytes). */
#define JF_EMBED                  \
	union {                   \
		jf_t t;           \
		struct {          \
			JF_FIELDS \
		};                \
	}

/* The next block's time: block_ms (a chain under traffic builds blocks faster than its slot)
 * or one slot after the last. */
static inline uint64_t jf_tick(jf_t *t)
{
	t->now_ms += t->block_ms ? t->block_ms : t->slot_ms;
	return t->now_ms;
}

/* A genesis (chain id 7, flat fee `fee`) funding `keys` keys with swr SWR and aic AIC each, into
 * *g for the test to edit before jf_open; the keys derived (ct_key) and a directory made. */
static inline void jf_genesis(jf_t *t, size_t keys, uint64_t swr, uint64_t aic, uint64_t fee,
			      svm_genesis_t *g)
{
	cr_assert_eq(svm_crypto_init(), 0);
	cr_assert_leq(keys, JF_KEYS_MAX);
	ct_tmpdir(t->dir);
	svm_fee_params_t fees = {.a = fee, .b = 0, .c = 0, .d = 0};
	cr_assert_eq(ct_genesis(g, keys, swr, aic, &fees), 0);
	for (size_t i = 0; i < keys; i++) ct_key((uint64_t)i, &t->k[i]);
	t->fee = fee;
}

/* Opens the chain of genesis g (the caller frees g); blocks follow the genesis time. */
static inline void jf_open(jf_t *t, const svm_genesis_t *g)
{
	t->now_ms = g->timestamp_ms;
	svm_chain_config_t cfg = {.map_bytes = 1ull << 30, .exec_threads = 1};
	svm_error_t err = {0};
	cr_assert_eq(svm_chain_open(&t->c, t->dir, g, &cfg, &err), 0, "%s", err.msg);
}

static inline void jf_close(jf_t *t)
{
	svm_chain_close(t->c);
	ct_rmdir(t->dir);
}

/* One transaction from key `who` in its own block; its receipt status. ret32 (when not NULL)
 * gets a successful call's 32-byte return data. */
static inline int jf_send_ret(jf_t *t, int who, const svm_buf_t *payload, uint8_t *ret32)
{
	svm_buf_t tx = {0}, rb = {0};
	svm_hash_t id;
	ct_txopt_t opt = {.chain_id = 7, .nonce = t->nonce[who], .fee_limit = t->fee};
	cr_assert_eq(ct_tx(&tx, &t->k[who], SVM_VM_NATIVE, payload->data, payload->len, NULL, 0, &opt,
			   &id),
		     0);
	const uint8_t *p = tx.data;
	size_t len = tx.len;
	svm_build_result_t res;
	svm_error_t err = {0};
	cr_assert_eq(svm_chain_build(t->c, &p, &len, 1, jf_tick(t), &t->k[0].id, &res, &err), 0, "%s",
		     err.msg);
	svm_buf_free(&tx);
	if (res.status && t->left_out_ok) return -1;
	cr_assert_eq(res.status, 0, "transaction left out");
	t->nonce[who]++;
	t->fees[who] += t->fee;
	t->fees_paid += t->fee;
	cr_assert_eq(svm_chain_receipt(t->c, &id, &rb, NULL, NULL, NULL, NULL), 0);
	svm_arena_t a;
	svm_arena_init(&a, 0);
	svm_receipt_t r;
	cr_assert_eq(svm_receipt_decode(rb.data, rb.len, &a, &r, NULL), 0);
	if (ret32 && r.status == 0 && r.return_data_len == 32) memcpy(ret32, r.return_data, 32);
	if (t->on_receipt) t->on_receipt(t, who, payload, &r);
	int st = r.status;
	svm_arena_reset(&a);
	svm_buf_free(&rb);
	return st;
}

/* jf_send_ret without return data; frees the payload. */
static inline int jf_send(jf_t *t, int who, svm_buf_t *payload)
{
	int st = jf_send_ret(t, who, payload, NULL);
	svm_buf_free(payload);
	return st;
}

/* One block of n transactions (in order), each included; their statuses into st and, when ret
 * is not NULL, the 32-byte return data of each successful one into ret[i]. Payloads are freed. */
static inline void jf_send_block(jf_t *t, size_t n, const int *who, svm_buf_t *payload, int *st,
				 svm_id_t *ret)
{
	svm_buf_t *tx = calloc(n, sizeof *tx);
	svm_hash_t *ids = calloc(n, sizeof *ids);
	const uint8_t **ps = calloc(n, sizeof *ps);
	size_t *lens = calloc(n, sizeof *lens);
	svm_build_result_t *res = calloc(n, sizeof *res);
	cr_assert(tx && ids && ps && lens && res);
	for (size_t i = 0; i < n; i++) {
		ct_txopt_t opt = {.chain_id = 7, .nonce = t->nonce[who[i]]++, .fee_limit = t->fee};
		cr_assert_eq(ct_tx(&tx[i], &t->k[who[i]], SVM_VM_NATIVE, payload[i].data, payload[i].len,
				   NULL, 0, &opt, &ids[i]),
			     0);
		t->fees[who[i]] += t->fee;
		t->fees_paid += t->fee;
		ps[i] = tx[i].data;
		lens[i] = tx[i].len;
		svm_buf_free(&payload[i]);
	}
	svm_error_t err = {0};
	cr_assert_eq(svm_chain_build(t->c, ps, lens, n, jf_tick(t), &t->k[0].id, res, &err), 0, "%s",
		     err.msg);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(res[i].status, 0, "transaction %zu left out", i);
		svm_buf_t rb = {0};
		cr_assert_eq(svm_chain_receipt(t->c, &ids[i], &rb, NULL, NULL, NULL, NULL), 0);
		svm_arena_t a;
		svm_arena_init(&a, 0);
		svm_receipt_t r;
		cr_assert_eq(svm_receipt_decode(rb.data, rb.len, &a, &r, NULL), 0);
		st[i] = r.status;
		if (ret && r.status == 0 && r.return_data_len == 32) memcpy(ret[i].b, r.return_data, 32);
		svm_arena_reset(&a);
		svm_buf_free(&rb);
		svm_buf_free(&tx[i]);
	}
	free(tx);
	free(ids);
	free(ps);
	free(lens);
	free(res);
}

/* n empty blocks. */
static inline void jf_blocks(jf_t *t, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		cr_assert_eq(svm_chain_build(t->c, NULL, NULL, 0, jf_tick(t), &t->k[0].id, NULL, NULL), 0);
}

static inline uint64_t jf_balance(jf_t *t, const svm_id_t *token, const svm_id_t *who)
{
	uint64_t v = 0;
	cr_assert_eq(svm_chain_balance(t->c, token, who, &v), 0);
	return v;
}

/* An object's payload (decoded from its stored encoding) into *o, its bytes kept in *b. */
static inline void jf_object(jf_t *t, const svm_id_t *id, svm_buf_t *b, svm_object_t *o)
{
	svm_buf_reset(b);
	cr_assert_eq(svm_chain_object(t->c, id, b), 0);
	cr_assert_eq(svm_object_decode(b->data, b->len, o, NULL), 0);
}

static inline void jf_job(jf_t *t, const svm_id_t *job, svm_ai_job_t *j)
{
	svm_buf_t b = {0};
	svm_object_t o;
	jf_object(t, job, &b, &o);
	cr_assert_eq(svm_ai_job_decode(o.payload, o.payload_len, j), 0);
	svm_buf_free(&b);
}

static inline void jf_dispute(jf_t *t, const svm_id_t *id, svm_dispute_t *d)
{
	svm_buf_t b = {0};
	svm_object_t o;
	jf_object(t, id, &b, &o);
	cr_assert_eq(svm_dispute_decode(o.payload, o.payload_len, d), 0);
	svm_buf_free(&b);
}

/* Registers a model from key `who`: its weights' chunks, its inference module, then manifest m
 * (name, shapes and allowed measurements set by the caller; hashes and chunk ids filled here). */
static inline void jf_register_model(jf_t *t, int who, const uint8_t *w, size_t wlen,
				     const uint8_t *code, size_t clen, svm_ai_manifest_t *m)
{
	svm_sha256(w, wlen, &m->weights_hash);
	svm_sha256(code, clen, &m->code_hash);
	svm_buf_t p = {0};
	for (size_t off = 0; off < wlen; off += SVM_AI_CHUNK_MAX) {
		size_t n = wlen - off < SVM_AI_CHUNK_MAX ? wlen - off : SVM_AI_CHUNK_MAX;
		cr_assert_lt(m->chunks_len, SVM_AI_MODEL_CHUNKS_MAX);
		svm_ai_chunk_id(w + off, n, &m->chunks[m->chunks_len++]);
		cr_assert_eq(svm_ai_put_chunk_payload(&p, w + off, n), 0);
		cr_assert_eq(jf_send(t, who, &p), 0);
	}
	cr_assert_eq(svm_ai_put_code_payload(&p, code, clen), 0);
	cr_assert_eq(jf_send(t, who, &p), 0);
	cr_assert_eq(svm_ai_register_payload(&p, m), 0);
	cr_assert_eq(jf_send(t, who, &p), 0);
}

/* A file's bytes (NUL-terminated, caller frees), or NULL when it cannot be opened. */
static inline uint8_t *jf_slurp_opt(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc((size_t)n + 1);
	cr_assert(p && fread(p, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	p[n] = 0;
	*len = (size_t)n;
	return p;
}

/* The same, failing the test when the file is missing (mk/ai.mk builds the model's files). */
static inline uint8_t *jf_slurp(const char *path, size_t *len)
{
	uint8_t *p = jf_slurp_opt(path, len);
	cr_assert_not_null(p, "cannot open %s (built by mk/ai.mk)", path);
	return p;
}

#endif

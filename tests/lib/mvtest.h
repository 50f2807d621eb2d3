/* The multi-version memory fixture shared by tests/unit/test_burns.c and test_records.c: a
 * worker and a block set up as the engines set them up, a key holding a committed value, and an
 * object's canonical bytes at version 0, for driving exec_mv_write/read/flush on one key.
 * Header-only (static inline, Criterion assertions): it reaches into exec/aoem.h, the engines'
 * internals, and only those two Criterion suites include it. */
#ifndef SUPERVM_TESTS_MVTEST_H
#define SUPERVM_TESTS_MVTEST_H

#include <criterion/criterion.h>
#include <string.h>

#include "exec/aoem.h"

/* A worker and a block for the multi-version memory, as the engines set them up. */
typedef struct {
	svm_block_env_t env;
	exec_worker_t wk;
	exec_block_t b;
} mvb_t;

/* One thread, a block at height; the worker's scratch arena empty (mvb_free resets it and frees
 * the worker's list of written keys, which a commit fills). */
static inline void mvb_init(mvb_t *m, uint64_t height)
{
	memset(m, 0, sizeof *m);
	m->env.height = height;
	svm_arena_init(&m->wk.scratch, 0);
	m->b.env = &m->env;
	m->b.threads = 1;
	m->b.w = &m->wk;
}

static inline void mvb_free(mvb_t *m)
{
	svm_arena_reset(&m->wk.scratch);
	svm_free(m->wk.wkeys);
}

/* A key whose committed value is bytes[len] (bytes NULL: the object does not exist), with no
 * version written yet. */
static inline void mvt_key(akey_t *k, const svm_id_t *id, const uint8_t *bytes, size_t len)
{
	memset(k, 0, sizeof *k);
	k->id = *id;
	k->cur = (val_t){bytes, len};
	k->cur_set = true;
	atomic_init(&k->mv_min, UINT32_MAX); /* no version yet, as key_new leaves it */
}

/* The canonical bytes of o into out[cap]; their length. */
static inline size_t mvt_object_bytes(const svm_object_t *o, uint8_t *out, size_t cap)
{
	svm_buf_t b = {0};
	cr_assert_eq(svm_object_encode(o, &b), 0);
	cr_assert_leq(b.len, cap);
	memcpy(out, b.data, b.len);
	size_t n = b.len;
	svm_buf_free(&b);
	return n;
}

#endif

/* libFuzzer target for the payload decoders of the native ledger program and of contract
 * transactions: each input is executed as a native and as a wasm payload in a strict-free,
 * generously metered context over an empty in-memory state. Any input must be rejected or
 * executed without a crash, and the steps charged never pass the limit. */
#include <stdlib.h>
#include <string.h>

#include "supervm/vm.h"

typedef struct {
	svm_view_t view;
	svm_map_t map;
	svm_arena_t *arena;
} memview_t;

typedef struct {
	const uint8_t *p; /* NULL = deleted */
	size_t len;
} val_t;

static int mv_get(svm_view_t *v, const svm_id_t *id, const uint8_t **bytes, size_t *len)
{
	memview_t *m = (memview_t *)v;
	val_t *val = svm_map_get(&m->map, id->b, SVM_HASH_SIZE);
	if (val == NULL || val->p == NULL) return SVM_ENOTFOUND;
	*bytes = val->p;
	*len = val->len;
	return 0;
}

static int mv_put(svm_view_t *v, const svm_id_t *id, const uint8_t *bytes, size_t len)
{
	memview_t *m = (memview_t *)v;
	val_t *val = svm_arena_alloc(m->arena, sizeof *val);
	void **slot = svm_map_put(&m->map, id->b, SVM_HASH_SIZE, NULL);
	if (val == NULL || slot == NULL) return SVM_ENOMEM;
	if (bytes) {
		val->p = svm_arena_dup(m->arena, bytes, len);
		val->len = len;
		if (val->p == NULL) return SVM_ENOMEM;
	}
	*slot = val;
	return 0;
}

static const svm_view_ops_t ops = {mv_get, mv_put, NULL, NULL, NULL, NULL, NULL, NULL};

static void run(uint8_t vm, const uint8_t *data, size_t size)
{
	svm_arena_t arena;
	svm_arena_init(&arena, 64u << 20);
	memview_t mv = {.view = {&ops}, .arena = &arena};
	svm_map_init(&mv.map);
	svm_tx_t tx = {.nonce = 1, .vm = vm};
	svm_hash_t txid = {{0}};
	svm_txctx_t c = {.view = &mv.view, .arena = &arena, .tx = &tx, .tx_id = &txid, .height = 1,
			 .steps_limit = 2000000};
	int rc = vm == SVM_VM_NATIVE ? svm_native_execute(&c, data, size)
				     : svm_contract_execute(&c, data, size);
	(void)rc;
	if (c.steps > c.steps_limit) abort();
	svm_map_free(&mv.map);
	svm_arena_reset(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (svm_crypto_init()) abort();
	run(SVM_VM_NATIVE, data, size);
	run(SVM_VM_WASM, data, size);
	svm_id_t writes[8];
	size_t n;
	(void)svm_native_access(&(svm_id_t){{0}}, 0, data, size, writes, 8, &n);
	return 0;
}

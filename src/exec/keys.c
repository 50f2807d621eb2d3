/* The block's key table: one record per object id any transaction touched, found by a
 * lock-free open-addressing table (ids are SHA-256 outputs, so their first bytes are the hash),
 * with the base value loaded once, the committed value, and per-worker memory. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "exec/aoem.h"

#define SLAB_BYTES (256u << 10)
#define KEYS_PER_TX 8    /* table capacity per transaction (keys the native programs touch: ≤ 5) */
#define KEYS_PER_VM_TX 32 /* per contract call (WebAssembly, EVM: an ERC-20 transfer touches ~7) */
#define KEYS_SAMPLE 64    /* transactions sampled, evenly spaced, for the share of contract calls */
#define KEYS_MIN 4096
#define KEYS_LOAD_NUM 7 /* the table is full at 7/10 */
#define KEYS_LOAD_DEN 10
#define KEYS_BATCH 64   /* inserts a worker counts before adding them to the shared fill count */

void exec_fall_all(exec_block_t *b, int why)
{
	int none = 0;
	atomic_compare_exchange_strong(&b->fallback_all, &none, why);
}

/* Slots the block's table needs: KEYS_PER_TX per native transaction, KEYS_PER_VM_TX per
 * contract call, the share of contract calls taken from an evenly spaced sample (a pass over
 * every transaction would read megabytes of cold structs). A wrong guess costs time only: a
 * full table sends the block to the reference (FALL_KEYS). */
static size_t keys_wanted(const exec_block_t *b)
{
	size_t n = b->n, s = n < KEYS_SAMPLE ? n : KEYS_SAMPLE, vm = 0;
	for (size_t i = 0; i < s; i++) {
		size_t j = i * n / s;
		SVM_ASSERT(j < n);
		vm += b->txs[j].precheck == 0 && b->txs[j].tx.vm != SVM_VM_NATIVE;
	}
	SVM_ASSERT(vm <= s);
	if (s == 0) return 0;
	size_t vm_txs = (vm * n + s - 1) / s; /* rounded up: one sampled call sizes for its share */
	SVM_ASSERT(vm_txs <= n);
	return KEYS_PER_TX * (n - vm_txs) + KEYS_PER_VM_TX * vm_txs;
}

int exec_keys_init(exec_block_t *b)
{
	size_t cap = KEYS_MIN, want = keys_wanted(b);
	while (cap < want) cap *= 2;
	b->ktab = exec_buf(EXEC_BUF_KTAB, cap * sizeof(*b->ktab));
	if (b->ktab == NULL) return SVM_ENOMEM;
	memset(b->ktab, 0, cap * sizeof(*b->ktab)); /* NULL slots */
	b->ktab_cap = cap;
	b->ktab_shift = 64;
	for (size_t c = cap; c > 1; c >>= 1) b->ktab_shift--;
	atomic_init(&b->ktab_len, 0);
	SVM_ASSERT((cap & (cap - 1)) == 0 && cap >= KEYS_MIN); /* the probe mask needs a power of 2 */
	SVM_ASSERT(((size_t)1 << (64 - b->ktab_shift)) == cap); /* home slots cover the table */
	SVM_ASSERT(cap >= KEYS_PER_TX * b->n && cap >= want);
	return 0;
}

void exec_keys_free(exec_block_t *b)
{
	b->ktab = NULL; /* the buffer stays with the thread for its next block */
}

void *exec_scratch(exec_block_t *b, unsigned worker, size_t n)
{
	void *p = svm_arena_alloc(&b->w[worker].scratch, n);
	if (p == NULL) b->w[worker].error = SVM_ENOMEM;
	return p;
}

/* Result memory: slabs of the caller's arena, taken under a lock, bump-allocated per worker. */
void *exec_out_alloc(exec_block_t *b, unsigned worker, size_t n)
{
	SVM_ASSERT(worker < b->threads);
	exec_worker_t *w = &b->w[worker];
	size_t need = (n + 15) & ~(size_t)15;
	SVM_ASSERT(need >= n); /* n is a value's size, far below SIZE_MAX */
	if (need > w->slab_left) {
		size_t take = need > SLAB_BYTES ? need : SLAB_BYTES;
		pthread_mutex_lock(&b->out_mu);
		uint8_t *s = svm_arena_alloc_raw(b->out_arena, take); /* every use writes it */
		pthread_mutex_unlock(&b->out_mu);
		if (s == NULL) return NULL;
		w->slab = s;
		w->slab_left = take;
	}
	SVM_ASSERT(need <= w->slab_left && ((uintptr_t)w->slab & 15) == 0);
	void *p = w->slab;
	w->slab += need;
	w->slab_left -= need;
	return p;
}

void exec_key_lock(akey_t *k)
{
	for (unsigned spins = 0;; spins++) {
		if (atomic_load_explicit(&k->lock, memory_order_relaxed) == 0 &&
		    atomic_exchange_explicit(&k->lock, 1, memory_order_acquire) == 0)
			return;
		if (spins > 64) sched_yield(); /* the holder may be descheduled */
	}
}

void exec_key_unlock(akey_t *k)
{
	SVM_ASSERT(atomic_load_explicit(&k->lock, memory_order_relaxed) == 1); /* held */
	atomic_store_explicit(&k->lock, 0, memory_order_release);
}

akey_t *exec_key_new(exec_block_t *b, unsigned worker, const svm_id_t *id)
{
	akey_t *k = exec_scratch(b, worker, sizeof(*k));
	if (k == NULL) return NULL;
	k->id = *id;
	atomic_init(&k->lock, 0);
	atomic_init(&k->base_state, 0);
	atomic_init(&k->pend, 0);
	atomic_init(&k->pendw, NULL);
	atomic_init(&k->ref, NULL);
	atomic_init(&k->seg_mark, 0);
	atomic_init(&k->written, false);
	atomic_init(&k->conflicts, 0);
	atomic_init(&k->mv_min, UINT32_MAX);
	k->pp_tx = UINT32_MAX;
	k->last_w = -1;
	return k;
}

/* The table's fill count is shared by every worker: each adds its inserts in batches, so an
 * insert is not a read-modify-write on a cache line the other cores write too. The count may
 * lag by (KEYS_BATCH - 1) per worker; the capacity leaves far more room than that. */
static void count_insert(exec_block_t *b, unsigned worker)
{
	SVM_ASSERT(worker < b->threads);
	exec_worker_t *w = &b->w[worker];
	if (++w->key_inserts % KEYS_BATCH == 0)
		atomic_fetch_add_explicit(&b->ktab_len, KEYS_BATCH, memory_order_relaxed);
}

akey_t *exec_key(exec_block_t *b, unsigned worker, const svm_id_t *id)
{
	size_t mask = b->ktab_cap - 1, i = exec_key_home(b, id);
	SVM_ASSERT(i < b->ktab_cap);
	akey_t *fresh = NULL;
	for (size_t probes = 0; probes < b->ktab_cap; probes++, i = (i + 1) & mask) {
		akey_t *k = atomic_load_explicit(&b->ktab[i], memory_order_acquire);
		if (k == NULL) {
			if (atomic_load_explicit(&b->ktab_len, memory_order_relaxed) * KEYS_LOAD_DEN >=
			    b->ktab_cap * KEYS_LOAD_NUM)
				break;
			/* after a partitioned pass: an accepted chunk's record of id, if it has one */
			if (fresh == NULL && b->split_acc > 1) fresh = exec_split_layered(b, id);
			if (fresh == NULL && (fresh = exec_key_new(b, worker, id)) == NULL) return NULL;
			if (atomic_compare_exchange_strong_explicit(&b->ktab[i], &k, fresh,
								    memory_order_acq_rel,
								    memory_order_acquire)) {
				count_insert(b, worker);
				return fresh;
			}
			/* lost the slot: k now holds the winner */
			SVM_ASSERT(k != NULL);
		}
		if (svm_hash_eq(&k->id, id)) return k;
		SVM_ASSERT(probes < b->ktab_cap); /* the load bound leaves empty slots to stop at */
	}
	exec_fall_all(b, FALL_KEYS);
	return NULL;
}

akey_t *exec_key_find(const exec_block_t *b, const svm_id_t *id)
{
	size_t mask = b->ktab_cap - 1, i = exec_key_home(b, id);
	for (size_t probes = 0; probes < b->ktab_cap; probes++, i = (i + 1) & mask) {
		akey_t *k = atomic_load_explicit(&b->ktab[i], memory_order_acquire);
		if (k == NULL || svm_hash_eq(&k->id, id)) return k;
	}
	return NULL;
}

int exec_key_base(exec_block_t *b, unsigned worker, akey_t *k, val_t *out)
{
	if (atomic_load_explicit(&k->base_state, memory_order_acquire) != 2) {
		exec_key_lock(k);
		int rc = 0;
		if (atomic_load_explicit(&k->base_state, memory_order_relaxed) != 2) {
			const uint8_t *p;
			size_t len;
			rc = b->base->get(b->base->ud, worker, &k->id, &p, &len);
			if (rc == SVM_ENOTFOUND) {
				k->base = (val_t){NULL, 0};
				rc = 0;
			} else if (rc == 0) {
				k->base = (val_t){p, len};
			}
			if (rc == 0) atomic_store_explicit(&k->base_state, 2, memory_order_release);
		}
		exec_key_unlock(k);
		if (rc) return rc;
	}
	SVM_ASSERT(atomic_load_explicit(&k->base_state, memory_order_relaxed) == 2);
	SVM_ASSERT(k->base.bytes != NULL || k->base.len == 0);
	*out = k->base;
	return 0;
}

int exec_key_committed(exec_block_t *b, unsigned worker, akey_t *k, val_t *out)
{
	if (k->cur_set) {
		SVM_ASSERT(k->cur.bytes != NULL || k->cur.len == 0); /* absent: no bytes, no length */
		*out = k->cur;
		return 0;
	}
	return exec_key_base(b, worker, k, out);
}

void *exec_value_alloc(exec_block_t *b, unsigned worker, size_t n, bool result)
{
	if (!result) return exec_scratch(b, worker, n);
	void *p = exec_out_alloc(b, worker, n);
	if (p == NULL) b->w[worker].error = SVM_ENOMEM;
	return p;
}

int exec_balance_add(exec_block_t *b, unsigned worker, const akey_t *k, const val_t *v,
		     uint64_t delta, const bal_ref_t *ref, bool result, val_t *out)
{
	uint8_t stack[160];
	svm_buf_t buf = {.data = stack, .cap = sizeof stack, .cap_max = sizeof stack};
	int rc;
	if (v->bytes) { /* token and owner from the object itself: ref may be cold */
		rc = svm_ledger_balance_add(&k->id, v->bytes, v->len, delta, b->env->height, &buf);
		if (rc) return rc;
	} else if (delta == 0) { /* a zero delta over nothing: still nothing */
		*out = *v;
		return 0;
	} else {
		SVM_ASSERT(ref != NULL); /* a credit names its balance's token and owner */
		rc = svm_ledger_balance_encode(&k->id, &ref->token, &ref->owner, delta,
					       b->env->height, &buf);
		if (rc) return rc == SVM_ELIMIT ? SVM_EIO : rc;
	}
	SVM_ASSERT(buf.data == stack && buf.len > 0 && buf.len <= sizeof stack);
	uint8_t *p = exec_value_alloc(b, worker, buf.len, result);
	if (p == NULL) return SVM_ENOMEM;
	memcpy(p, buf.data, buf.len);
	*out = (val_t){p, buf.len};
	return 0;
}

int exec_record_sum(exec_block_t *b, unsigned worker, const int64_t *d, const int64_t *add,
		    size_t n, const int64_t **out)
{
	SVM_ASSERT(n > 0 && n <= SVM_RECORD_FIELDS_MAX && d != NULL);
	int64_t *s = exec_scratch(b, worker, n * sizeof(*s));
	if (s == NULL) return SVM_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		s[i] = d[i];
		if (add && !exec_record_field_add(d[i], add[i], &s[i])) return SVM_EOVERFLOW;
	}
	*out = s;
	return 0;
}

bool exec_record_field_add(int64_t a, int64_t b, int64_t *sum)
{
	if ((a < 0 && b > 0) || (a > 0 && b < 0)) return false; /* prefixes could leave the range */
	return !__builtin_add_overflow(a, b, sum);
}

int exec_delta_apply(exec_block_t *b, unsigned worker, const akey_t *k, const val_t *v,
		     uint8_t op, uint64_t delta, const bal_ref_t *ref, const int64_t *fd,
		     bool result, val_t *out)
{
	SVM_ASSERT(op == DELTA_CREDIT || op == DELTA_RETIRE || op == DELTA_RECORD);
	if (op == DELTA_CREDIT) return exec_balance_add(b, worker, k, v, delta, ref, result, out);
	/* a burn of a token, or counters of a record, that does not exist */
	if (v->bytes == NULL) return SVM_EIO;
	if (op == DELTA_RETIRE && delta == 0) {
		*out = *v;
		return 0;
	}
	uint8_t stack[SVM_RECORD_OBJECT_MAX];
	_Static_assert(SVM_RECORD_OBJECT_MAX >= 160, "a token object fits the buffer");
	svm_buf_t buf = {.data = stack, .cap = sizeof stack, .cap_max = sizeof stack};
	SVM_ASSERT(op == DELTA_RETIRE || (fd != NULL && delta >= 1 && delta <= SVM_RECORD_FIELDS_MAX));
	int rc = op == DELTA_RETIRE
			 ? svm_ledger_supply_sub(&k->id, v->bytes, v->len, delta, b->env->height, &buf)
			 : svm_record_add(&k->id, v->bytes, v->len, fd, delta, b->env->height, &buf);
	if (rc) return rc;
	SVM_ASSERT(buf.data == stack && buf.len > 0 && buf.len <= sizeof stack);
	uint8_t *p = exec_value_alloc(b, worker, buf.len, result);
	if (p == NULL) return SVM_ENOMEM;
	memcpy(p, buf.data, buf.len);
	*out = (val_t){p, buf.len};
	return 0;
}

int exec_delta_amount(uint8_t op, const val_t *v, uint64_t *amount)
{
	SVM_ASSERT(op == DELTA_CREDIT || op == DELTA_RETIRE);
	*amount = 0;
	if (v->bytes == NULL) return op == DELTA_CREDIT ? 0 : SVM_EIO;
	return op == DELTA_CREDIT ? svm_ledger_balance_decode(v->bytes, v->len, amount)
				  : svm_ledger_supply_decode(v->bytes, v->len, amount);
}

int exec_key_list_push(akey_t ***list, size_t *len, size_t *cap, akey_t *k)
{
	if (*len == *cap) {
		size_t c = *cap ? 2 * *cap : 256;
		akey_t **l = svm_realloc(*list, c * sizeof(*l));
		if (l == NULL) return SVM_ENOMEM;
		*list = l;
		*cap = c;
	}
	SVM_ASSERT(*len < *cap && k != NULL);
	(*list)[(*len)++] = k;
	return 0;
}

int exec_pend_spread(exec_block_t *b, unsigned worker, akey_t *k)
{
	if (atomic_load_explicit(&k->pendw, memory_order_relaxed)) return 0;
	uint8_t *raw = exec_scratch(b, worker, (b->threads + 1) * sizeof(pend_t));
	if (raw == NULL) return SVM_ENOMEM;
	pend_t *p = (pend_t *)(((uintptr_t)raw + 63) & ~(uintptr_t)63);
	/* the extra slot's bytes pay for the alignment: every counter lies inside raw */
	SVM_ASSERT((uint8_t *)(p + b->threads) <= raw + (b->threads + 1) * sizeof(pend_t));
	for (unsigned w = 0; w < b->threads; w++) atomic_init(&p[w].sum, 0);
	atomic_store_explicit(&k->pendw, p, memory_order_release);
	return 0;
}

int exec_pend_add(exec_block_t *b, unsigned worker, akey_t *k, uint64_t delta, bool *first)
{
	SVM_ASSERT(worker < b->threads);
	pend_t *p = atomic_load_explicit(&k->pendw, memory_order_acquire);
	uint64_t old, now;
	if (p == NULL) {
		old = atomic_fetch_add_explicit(&k->pend, delta, memory_order_acq_rel);
		*first = old == 0;
		return old + delta < old ? SVM_EOVERFLOW : 0;
	}
	old = atomic_load_explicit(&p[worker].sum, memory_order_relaxed);
	if (!svm_add_u64(old, delta, &now)) return SVM_EOVERFLOW;
	atomic_store_explicit(&p[worker].sum, now, memory_order_release);
	*first = old == 0;
	return 0;
}

bool exec_pend_sum(const exec_block_t *b, akey_t *k, uint64_t *sum)
{
	*sum = atomic_load_explicit(&k->pend, memory_order_acquire);
	const pend_t *p = atomic_load_explicit(&k->pendw, memory_order_acquire);
	for (unsigned w = 0; p && w < b->threads; w++)
		if (!svm_add_u64(*sum, atomic_load_explicit(&p[w].sum, memory_order_acquire), sum))
			return false;
	return true;
}

void exec_pend_clear(const exec_block_t *b, akey_t *k)
{
	if (atomic_load_explicit(&k->pend, memory_order_relaxed))
		atomic_store_explicit(&k->pend, 0, memory_order_release);
	pend_t *p = atomic_load_explicit(&k->pendw, memory_order_acquire);
	for (unsigned w = 0; p && w < b->threads; w++)
		atomic_store_explicit(&p[w].sum, 0, memory_order_release);
}

int exec_key_touch(exec_block_t *b, unsigned worker, akey_t *k)
{
	uint32_t mark = b->seg + 1, old = atomic_load_explicit(&k->seg_mark, memory_order_relaxed);
	SVM_ASSERT(old <= mark); /* segments only move forward */
	if (old == mark) return 0;
	if (!atomic_compare_exchange_strong(&k->seg_mark, &old, mark)) return 0;
	exec_worker_t *w = &b->w[worker];
	return exec_key_list_push(&w->touched, &w->touched_len, &w->touched_cap, k);
}

int exec_key_written(exec_block_t *b, unsigned worker, akey_t *k, bool shared)
{
	SVM_ASSERT(worker < b->threads && k != NULL);
	if (atomic_load_explicit(&k->written, memory_order_relaxed)) return 0;
	/* a shared key (the DAG's credits) may be marked by several workers at once: one wins */
	if (shared && atomic_exchange_explicit(&k->written, true, memory_order_relaxed)) return 0;
	if (!shared) atomic_store_explicit(&k->written, true, memory_order_relaxed);
	exec_worker_t *w = &b->w[worker];
	if (w->wkeys_len == w->wkeys_cap) {
		size_t c = w->wkeys_cap ? 2 * w->wkeys_cap : 1024;
		exec_wkey_t *l = svm_realloc(w->wkeys, c * sizeof(*l));
		if (l == NULL) return SVM_ENOMEM; /* the block fails: the write set is not built */
		w->wkeys = l;
		w->wkeys_cap = c;
	}
	SVM_ASSERT(w->wkeys_len < w->wkeys_cap);
	w->wkeys[w->wkeys_len++] = (exec_wkey_t){svm_get_u64be(k->id.b), k};
	return 0;
}

/* The mempool: pending transactions indexed by id and by sender (each sender's list sorted by
 * nonce), selection by tip across senders with a heap, eviction of the lowest tip when full,
 * and pruning after each block. Policy in include/supervm/mempool.h and docs/node.md. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/evm.h"
#include "supervm/mempool.h"

typedef struct sender sender_t;

typedef struct {
	svm_hash_t id;
	sender_t *sender;
	uint64_t nonce;
	uint64_t tip;
	uint64_t expiry_height;
	uint64_t seq; /* arrival order */
	size_t len;
	uint8_t bytes[]; /* the signed encoding */
} entry_t;

struct sender {
	svm_id_t id;
	uint64_t next_nonce; /* the account's next nonce as last known (only grows) */
	size_t n;
	size_t cap;    /* grows by doubling up to per_sender_max */
	entry_t **txs; /* sorted by nonce, ascending */
};

struct svm_mempool {
	svm_mempool_config_t cfg;
	pthread_mutex_t mu;
	svm_map_t by_id;     /* id (32) -> entry_t * */
	svm_map_t by_sender; /* sender id (32) -> sender_t * */
	size_t count;
	size_t bytes;
	uint64_t seq;
	svm_mempool_stats_t stats;
};

int svm_mempool_new(svm_mempool_t **out, const svm_mempool_config_t *cfg)
{
	*out = NULL;
	if (cfg->account == NULL) return SVM_EINVAL;
	svm_mempool_t *mp = svm_calloc(1, sizeof *mp);
	if (mp == NULL) return SVM_ENOMEM;
	mp->cfg = *cfg;
	if (mp->cfg.bytes_max == 0) mp->cfg.bytes_max = SVM_MEMPOOL_BYTES_MAX_DEFAULT;
	if (mp->cfg.count_max == 0) mp->cfg.count_max = SVM_MEMPOOL_COUNT_MAX_DEFAULT;
	if (mp->cfg.per_sender_max == 0) mp->cfg.per_sender_max = SVM_MEMPOOL_PER_SENDER_MAX_DEFAULT;
	pthread_mutex_init(&mp->mu, NULL);
	svm_map_init(&mp->by_id);
	svm_map_init(&mp->by_sender);
	*out = mp;
	return 0;
}

void svm_mempool_free(svm_mempool_t *mp)
{
	if (mp == NULL) return;
	size_t i = 0;
	svm_map_slot_t *s;
	while ((s = svm_map_next(&mp->by_sender, &i)) != NULL) {
		sender_t *snd = s->value;
		for (size_t k = 0; k < snd->n; k++) svm_free(snd->txs[k]);
		svm_free(snd->txs);
		svm_free(snd);
	}
	svm_map_free(&mp->by_sender);
	svm_map_free(&mp->by_id);
	pthread_mutex_destroy(&mp->mu);
	svm_free(mp);
}

/* ------------------------------------------------------------ helpers */

/* A sender's list: never empty while in the pool, within its capacity, strictly ascending
 * nonces, every entry its own. Walks the list: debug builds only. */
static bool sender_ok(const sender_t *s)
{
	if (s->n == 0 || s->n > s->cap || s->txs == NULL) return false;
	for (size_t k = 0; k < s->n; k++) {
		if (s->txs[k] == NULL || s->txs[k]->sender != s) return false;
		if (k > 0 && s->txs[k - 1]->nonce >= s->txs[k]->nonce) return false;
	}
	return true;
}

/* Index of the first entry with nonce >= nonce in s->txs. */
static size_t lower_bound(const sender_t *s, uint64_t nonce)
{
	SVM_ASSERT(s->n <= s->cap);
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->txs[mid]->nonce < nonce) lo = mid + 1;
		else hi = mid;
	}
	SVM_ASSERT(lo <= s->n);
	SVM_ASSERT(lo == s->n || s->txs[lo]->nonce >= nonce);
	SVM_ASSERT(lo == 0 || s->txs[lo - 1]->nonce < nonce);
	return lo;
}

/* Removes s->txs[k] from the pool (and s from the pool when it empties; then *s is freed). */
static void remove_at(svm_mempool_t *mp, sender_t *s, size_t k)
{
	SVM_ASSERT(k < s->n && s->n <= s->cap);
	entry_t *e = s->txs[k];
	SVM_ASSERT(e->sender == s);
	SVM_ASSERT(mp->count > 0 && mp->bytes >= e->len);
	bool had = svm_map_del(&mp->by_id, e->id.b, sizeof e->id.b);
	SVM_ASSERT(had);
	(void)had;
	mp->count--;
	mp->bytes -= e->len;
	memmove(&s->txs[k], &s->txs[k + 1], (s->n - k - 1) * sizeof *s->txs);
	s->n--;
	svm_free(e);
	SVM_ASSERT(s->n == 0 || sender_ok(s)); /* a removal keeps the list ascending */
	if (s->n == 0) {
		svm_map_del(&mp->by_sender, s->id.b, sizeof s->id.b);
		svm_free(s->txs);
		svm_free(s);
	}
}

/* The cheapest evictable entry: each sender's highest nonce (so no nonce run gets a hole),
 * lowest tip, latest arrival. O(senders); runs only when the pool is full. */
static sender_t *eviction_victim(svm_mempool_t *mp, const sender_t *exclude)
{
	sender_t *best = NULL;
	size_t i = 0;
	svm_map_slot_t *slot;
	while ((slot = svm_map_next(&mp->by_sender, &i)) != NULL) {
		sender_t *s = slot->value;
		if (s == exclude) continue;
		SVM_ASSERT(sender_ok(s));
		entry_t *e = s->txs[s->n - 1];
		if (best == NULL) {
			best = s;
			continue;
		}
		entry_t *b = best->txs[best->n - 1];
		SVM_ASSERT(e->seq != b->seq); /* arrival numbers are unique: the tie-break is total */
		if (e->tip < b->tip || (e->tip == b->tip && e->seq > b->seq)) best = s;
	}
	SVM_ASSERT(best == NULL || (best != exclude && best->n > 0));
	return best;
}

/* --------------------------------------------------------- admission */

/* The checks that need no pool state and no lock. Fills the decoded fields. */
static int check_stateless(svm_mempool_t *mp, const uint8_t *p, size_t len, uint64_t head_height,
			   svm_arena_t *arena, svm_tx_t *tx, svm_hash_t *id, svm_error_t *err)
{
	if (len > SVM_TX_BYTES_MAX)
		return svm_error_set(err, SVM_ELIMIT, "transaction of %zu bytes > %d", len, SVM_TX_BYTES_MAX);
	int rc = svm_tx_decode_any(p, len, arena, tx, id, err);
	if (rc != 0) return rc;
	if (tx->chain_id != mp->cfg.chain_id)
		return svm_error_set(err, SVM_ECHAIN, "chain id %llu, this chain is %llu",
				     (unsigned long long)tx->chain_id, (unsigned long long)mp->cfg.chain_id);
	if (tx->expiry_height <= head_height)
		return svm_error_set(err, SVM_EEXPIRED, "expiry height %llu, next block is %llu",
				     (unsigned long long)tx->expiry_height,
				     (unsigned long long)head_height + 1);
	svm_fee_params_t fees = mp->cfg.fees;
	if (mp->cfg.fees_fn != NULL && (rc = mp->cfg.fees_fn(mp->cfg.fees_ctx, &fees)) != 0)
		return svm_error_set(err, rc, "the fee schedule at the head is unreadable: %s",
				     svm_strerror(rc));
	uint64_t intrinsic = UINT64_MAX, bytes_fee;
	if (!svm_mul_u64(fees.b, len, &bytes_fee) ||
	    !svm_add_u64(fees.a, bytes_fee, &intrinsic) || tx->fee_limit < intrinsic)
		return svm_error_set(err, SVM_EFEE, "fee limit %llu < intrinsic fee %llu",
				     (unsigned long long)tx->fee_limit, (unsigned long long)intrinsic);
	return 0;
}

static sender_t *sender_get(svm_mempool_t *mp, const svm_id_t *id, uint64_t next_nonce)
{
	bool created = false;
	void **slot = svm_map_put(&mp->by_sender, id->b, sizeof id->b, &created);
	if (slot == NULL) return NULL;
	if (!created) return *slot;
	sender_t *s = svm_calloc(1, sizeof *s);
	entry_t **txs = svm_calloc(4, sizeof *txs);
	if (s == NULL || txs == NULL) {
		svm_free(s);
		svm_free(txs);
		svm_map_del(&mp->by_sender, id->b, sizeof id->b);
		return NULL;
	}
	s->id = *id;
	s->next_nonce = next_nonce;
	s->cap = 4;
	s->txs = txs;
	*slot = s;
	return s;
}

/* Inserts under the lock: duplicate/replacement, per-sender and pool bounds. */
static int insert_locked(svm_mempool_t *mp, const svm_tx_t *tx, const svm_hash_t *id,
			 const uint8_t *p, size_t len, uint64_t next_nonce, svm_error_t *err)
{
	if (svm_map_has(&mp->by_id, id->b, sizeof id->b))
		return svm_error_set(err, SVM_EEXIST, "transaction already pending");
	sender_t *s = svm_map_get(&mp->by_sender, tx->sender.b, sizeof tx->sender.b);
	uint64_t next = next_nonce;
	if (s != NULL && s->next_nonce > next) next = s->next_nonce;
	if (tx->nonce < next)
		return svm_error_set(err, SVM_ENONCE, "nonce %llu already used (next is %llu)",
				     (unsigned long long)tx->nonce, (unsigned long long)next);
	if (tx->nonce - next >= mp->cfg.per_sender_max)
		return svm_error_set(err, SVM_ENONCE, "nonce %llu is too far ahead (next is %llu, window %zu)",
				     (unsigned long long)tx->nonce, (unsigned long long)next,
				     mp->cfg.per_sender_max);
	SVM_ASSERT(next >= next_nonce && tx->nonce >= next && tx->nonce - next < mp->cfg.per_sender_max);
	size_t k = s != NULL ? lower_bound(s, tx->nonce) : 0;
	bool replace = s != NULL && k < s->n && s->txs[k]->nonce == tx->nonce;
	if (replace && tx->tip <= s->txs[k]->tip)
		return svm_error_set(err, SVM_EEXIST, "nonce %llu already pending with tip %llu (replace with a higher tip)",
				     (unsigned long long)tx->nonce, (unsigned long long)s->txs[k]->tip);
	if (!replace && s != NULL && s->n >= mp->cfg.per_sender_max)
		return svm_error_set(err, SVM_ELIMIT, "sender has %zu pending transactions (max %zu)", s->n,
				     mp->cfg.per_sender_max);
	/* Make room: evict lower tips from other senders' tails while the pool is over a bound. */
	size_t freed = replace ? s->txs[k]->len : 0;
	while ((mp->count + (replace ? 0 : 1) > mp->cfg.count_max) ||
	       (mp->bytes - freed + len > mp->cfg.bytes_max)) {
		sender_t *v = eviction_victim(mp, s);
		if (v == NULL || v->txs[v->n - 1]->tip >= tx->tip)
			return svm_error_set(err, SVM_EBUSY, "mempool full (%zu txs, %zu bytes); a higher tip may enter",
					     mp->count, mp->bytes);
		remove_at(mp, v, v->n - 1);
		mp->stats.evicted++;
	}
	/* room made: the new entry fits both bounds (the replaced one's bytes are given back) */
	SVM_ASSERT(mp->count + (replace ? 0 : 1) <= mp->cfg.count_max);
	SVM_ASSERT(mp->bytes >= freed && mp->bytes - freed + len <= mp->cfg.bytes_max);
	entry_t *e = svm_malloc(sizeof *e + len);
	if (e == NULL) return svm_error_set(err, SVM_ENOMEM, "out of memory");
	if (s == NULL && (s = sender_get(mp, &tx->sender, next)) == NULL) {
		svm_free(e);
		return svm_error_set(err, SVM_ENOMEM, "out of memory");
	}
	void **slot = svm_map_put(&mp->by_id, id->b, sizeof id->b, NULL);
	if (slot == NULL) {
		svm_free(e);
		if (s->n == 0) {
			svm_map_del(&mp->by_sender, s->id.b, sizeof s->id.b);
			svm_free(s->txs);
			svm_free(s);
		}
		return svm_error_set(err, SVM_ENOMEM, "out of memory");
	}
	*e = (entry_t){.id = *id, .sender = s, .nonce = tx->nonce, .tip = tx->tip,
		       .expiry_height = tx->expiry_height, .seq = mp->seq++, .len = len};
	memcpy(e->bytes, p, len);
	*slot = e;
	s->next_nonce = next;
	if (replace) {
		entry_t *old = s->txs[k];
		SVM_ASSERT(old->sender == s && old->nonce == e->nonce && old->tip < e->tip);
		svm_map_del(&mp->by_id, old->id.b, sizeof old->id.b);
		mp->bytes -= old->len;
		svm_free(old);
		s->txs[k] = e;
	} else {
		if (s->n == s->cap) {
			entry_t **grown = svm_realloc(s->txs, 2 * s->cap * sizeof *grown);
			if (grown == NULL) { /* s is not empty here (n == cap ≥ 4), so it stays valid */
				svm_map_del(&mp->by_id, id->b, sizeof id->b);
				svm_free(e);
				return svm_error_set(err, SVM_ENOMEM, "out of memory");
			}
			s->txs = grown;
			s->cap *= 2;
		}
		SVM_ASSERT(k <= s->n && s->n < s->cap);
		memmove(&s->txs[k + 1], &s->txs[k], (s->n - k) * sizeof *s->txs);
		s->txs[k] = e;
		s->n++;
		mp->count++;
	}
	mp->bytes += len;
	SVM_ASSERT(sender_ok(s));
	SVM_ASSERT(mp->count == mp->by_id.count);
	SVM_ASSERT(mp->count <= mp->cfg.count_max && mp->bytes <= mp->cfg.bytes_max);
	SVM_ASSERT(s->n <= mp->cfg.per_sender_max);
	return 0;
}

int svm_mempool_add(svm_mempool_t *mp, const uint8_t *p, size_t len, uint64_t head_height,
		    svm_hash_t *id_out, svm_error_t *err)
{
	svm_arena_t arena;
	svm_arena_init(&arena, 64 * 1024);
	svm_tx_t tx;
	svm_hash_t id;
	uint64_t next_nonce = 0, balance = 0, need;
	int rc = check_stateless(mp, p, len, head_height, &arena, &tx, &id, err);
	if (rc == 0 && id_out != NULL) *id_out = id;
	if (rc == 0) {
		pthread_mutex_lock(&mp->mu);
		bool dup = svm_map_has(&mp->by_id, id.b, sizeof id.b);
		pthread_mutex_unlock(&mp->mu);
		if (dup) rc = svm_error_set(err, SVM_EEXIST, "transaction already pending");
	}
	if (rc == 0 && (rc = svm_tx_verify_any(&tx, &id)) != 0)
		svm_error_set(err, rc, rc == SVM_ESIG ? "signature does not verify for the sender"
						      : "unsupported signature scheme");
	if (rc == 0 && (rc = mp->cfg.account(mp->cfg.account_ctx, &tx.sender, &next_nonce, &balance)) != 0)
		svm_error_set(err, rc, "account look-up failed: %s", svm_strerror(rc));
	if (rc == 0 && !svm_add_u64(tx.fee_limit, tx.tip, &need))
		rc = svm_error_set(err, SVM_EFUNDS, "fee limit %llu + tip %llu overflows (no balance covers it)",
				   (unsigned long long)tx.fee_limit, (unsigned long long)tx.tip);
	else if (rc == 0 && balance < need)
		rc = svm_error_set(err, SVM_EFUNDS, "SWR balance %llu does not cover fee limit + tip %llu",
				   (unsigned long long)balance, (unsigned long long)need);
	if (rc == 0) {
		pthread_mutex_lock(&mp->mu);
		rc = insert_locked(mp, &tx, &id, p, len, next_nonce, err);
		if (rc == 0) mp->stats.admitted++;
		else mp->stats.rejected++;
		pthread_mutex_unlock(&mp->mu);
	} else {
		pthread_mutex_lock(&mp->mu);
		mp->stats.rejected++;
		pthread_mutex_unlock(&mp->mu);
	}
	svm_arena_reset(&arena);
	return rc;
}

uint64_t svm_mempool_pending_nonce(svm_mempool_t *mp, const svm_id_t *sender, uint64_t account_next)
{
	uint64_t next = account_next;
	pthread_mutex_lock(&mp->mu);
	sender_t *s = svm_map_get(&mp->by_sender, sender->b, sizeof sender->b);
	if (s != NULL) {
		if (s->next_nonce > next) next = s->next_nonce;
		/* s->txs is sorted by nonce and bounded by per_sender_max. */
		for (size_t k = lower_bound(s, next); k < s->n && s->txs[k]->nonce == next; k++) next++;
	}
	pthread_mutex_unlock(&mp->mu);
	return next;
}

bool svm_mempool_contains(svm_mempool_t *mp, const svm_hash_t *id)
{
	pthread_mutex_lock(&mp->mu);
	bool has = svm_map_has(&mp->by_id, id->b, sizeof id->b);
	pthread_mutex_unlock(&mp->mu);
	return has;
}

int svm_mempool_get(svm_mempool_t *mp, const svm_hash_t *id, svm_buf_t *out)
{
	pthread_mutex_lock(&mp->mu);
	entry_t *e = svm_map_get(&mp->by_id, id->b, sizeof id->b);
	int rc = e == NULL ? SVM_ENOTFOUND : svm_buf_append(out, e->bytes, e->len);
	pthread_mutex_unlock(&mp->mu);
	return rc;
}

/* ---------------------------------------------------------- selection */

typedef struct {
	sender_t *s;
	size_t k; /* index of the sender's next candidate */
} cursor_t;

/* Heap order: higher tip first, then earlier arrival. */
static bool before(const cursor_t *a, const cursor_t *b)
{
	SVM_ASSERT(a->k < a->s->n && b->k < b->s->n);
	const entry_t *x = a->s->txs[a->k], *y = b->s->txs[b->k];
	SVM_ASSERT(x == y || x->seq != y->seq); /* arrival numbers are unique: the order is total */
	return x->tip != y->tip ? x->tip > y->tip : x->seq < y->seq;
}

/* Every cursor after its parent in the heap. Walks the heap: debug builds only. */
static bool heap_ok(const cursor_t *h, size_t n)
{
	for (size_t k = 1; k < n; k++)
		if (before(&h[k], &h[(k - 1) / 2])) return false;
	return true;
}

static void heap_down(cursor_t *h, size_t n, size_t i)
{
	SVM_ASSERT(n == 0 || i < n);
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && before(&h[l], &h[m])) m = l;
		if (r < n && before(&h[r], &h[m])) m = r;
		if (m == i) return;
		cursor_t t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static int batch_reserve(svm_mempool_batch_t *b, size_t n)
{
	b->txs = svm_calloc(n ? n : 1, sizeof *b->txs);
	b->lens = svm_calloc(n ? n : 1, sizeof *b->lens);
	b->ids = svm_calloc(n ? n : 1, sizeof *b->ids);
	b->senders = svm_calloc(n ? n : 1, sizeof *b->senders);
	b->nonces = svm_calloc(n ? n : 1, sizeof *b->nonces);
	return b->txs && b->lens && b->ids && b->senders && b->nonces ? 0 : SVM_ENOMEM;
}

int svm_mempool_select(svm_mempool_t *mp, size_t count_max, size_t bytes_max,
		       svm_mempool_batch_t *b)
{
	pthread_mutex_lock(&mp->mu);
	size_t want = count_max < mp->count ? count_max : mp->count;
	cursor_t *heap = svm_calloc(mp->by_sender.count ? mp->by_sender.count : 1, sizeof *heap);
	size_t *offs = svm_calloc(want ? want : 1, sizeof *offs);
	int rc = heap && offs ? batch_reserve(b, want) : SVM_ENOMEM;
	size_t hn = 0, i = 0, total = 0;
	svm_map_slot_t *slot;
	while (rc == 0 && (slot = svm_map_next(&mp->by_sender, &i)) != NULL) {
		sender_t *s = slot->value;
		SVM_ASSERT(sender_ok(s));
		SVM_ASSERT(hn < mp->by_sender.count);
		if (s->txs[0]->nonce == s->next_nonce) heap[hn++] = (cursor_t){s, 0};
	}
	for (size_t k = hn; k-- > 0;) heap_down(heap, hn, k);
	SVM_ASSERT(heap_ok(heap, hn));
	while (rc == 0 && hn > 0 && b->n < want) {
		cursor_t c = heap[0];
		SVM_ASSERT(c.k < c.s->n);
		entry_t *e = c.s->txs[c.k];
		SVM_ASSERT(e->nonce == c.s->next_nonce + c.k); /* a run of consecutive nonces */
		if (total + e->len > bytes_max) break; /* the block is full: keep order, stop */
		if ((rc = svm_buf_append(&b->bytes, e->bytes, e->len)) != 0) break;
		offs[b->n] = total;
		b->lens[b->n] = e->len;
		b->ids[b->n] = e->id;
		b->senders[b->n] = c.s->id;
		b->nonces[b->n] = e->nonce;
		b->n++;
		total += e->len;
		if (c.k + 1 < c.s->n && c.s->txs[c.k + 1]->nonce == e->nonce + 1) {
			heap[0].k++;
		} else {
			heap[0] = heap[--hn];
		}
		heap_down(heap, hn, 0);
		SVM_ASSERT(heap_ok(heap, hn));
	}
	SVM_ASSERT(rc != 0 || (b->n <= want && total <= bytes_max));
	pthread_mutex_unlock(&mp->mu);
	for (size_t k = 0; rc == 0 && k < b->n; k++) b->txs[k] = b->bytes.data + offs[k];
	svm_free(heap);
	svm_free(offs);
	if (rc != 0) svm_mempool_batch_free(b);
	return rc;
}

void svm_mempool_batch_free(svm_mempool_batch_t *b)
{
	svm_free(b->txs);
	svm_free(b->lens);
	svm_free(b->ids);
	svm_free(b->senders);
	svm_free(b->nonces);
	svm_buf_free(&b->bytes);
	memset(b, 0, sizeof *b);
}

/* ------------------------------------------------------------ pruning */

void svm_mempool_update(svm_mempool_t *mp, const svm_mempool_batch_t *b,
			const svm_build_result_t *results, uint64_t head_height)
{
	pthread_mutex_lock(&mp->mu);
	for (size_t i = 0; i < b->n; i++) {
		int st = results[i].status;
		sender_t *s = svm_map_get(&mp->by_sender, b->senders[i].b, sizeof b->senders[i].b);
		if (st == 0 && s != NULL && s->next_nonce < b->nonces[i] + 1) s->next_nonce = b->nonces[i] + 1;
		if (st == SVM_ELIMIT) continue;
		entry_t *e = svm_map_get(&mp->by_id, b->ids[i].b, sizeof b->ids[i].b);
		if (e == NULL) continue; /* replaced meanwhile */
		size_t k = lower_bound(e->sender, e->nonce);
		SVM_ASSERT(k < e->sender->n && e->sender->txs[k] == e); /* found by its nonce */
		remove_at(mp, e->sender, k);
		if (st == 0) mp->stats.included++;
		else mp->stats.pruned++;
	}
	/* Stale nonces (replaced transactions of included nonces) and expired ones: one pass.
	 * Senders left empty are deleted after the walk (the map must not change under it). */
	sender_t **empty = svm_calloc(mp->by_sender.count ? mp->by_sender.count : 1, sizeof *empty);
	size_t n_empty = 0, i = 0;
	svm_map_slot_t *slot;
	while (empty != NULL && (slot = svm_map_next(&mp->by_sender, &i)) != NULL) {
		sender_t *s = slot->value;
		size_t keep = 0;
		for (size_t k = 0; k < s->n; k++) {
			entry_t *e = s->txs[k];
			if (e->nonce >= s->next_nonce && e->expiry_height > head_height) {
				s->txs[keep++] = e;
				continue;
			}
			bool had = svm_map_del(&mp->by_id, e->id.b, sizeof e->id.b);
			SVM_ASSERT(had && mp->count > 0 && mp->bytes >= e->len);
			(void)had;
			mp->count--;
			mp->bytes -= e->len;
			mp->stats.pruned++;
			svm_free(e);
		}
		SVM_ASSERT(keep <= s->n);
		s->n = keep;
		if (keep == 0) empty[n_empty++] = s;
		else SVM_ASSERT(sender_ok(s));
	}
	for (size_t k = 0; k < n_empty; k++) {
		svm_map_del(&mp->by_sender, empty[k]->id.b, sizeof empty[k]->id.b);
		svm_free(empty[k]->txs);
		svm_free(empty[k]);
	}
	svm_free(empty);
	SVM_ASSERT(mp->count == mp->by_id.count);
	pthread_mutex_unlock(&mp->mu);
}

void svm_mempool_stats(svm_mempool_t *mp, svm_mempool_stats_t *out)
{
	pthread_mutex_lock(&mp->mu);
	*out = mp->stats;
	out->count = mp->count;
	out->bytes = mp->bytes;
	out->senders = mp->by_sender.count;
	pthread_mutex_unlock(&mp->mu);
}

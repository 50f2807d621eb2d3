/* Open-addressing hash map (linear probing, tombstones) from byte keys to pointers.
 * The hash mixes the key a 64-bit word at a time with a final avalanche; it is never part of
 * any output. */
#include <stdlib.h>
#include <string.h>

#include "supervm/base.h"

#define TOMB ((uint8_t *)(uintptr_t)1)

static uint32_t hash_bytes(const void *key, size_t n)
{
	const uint8_t *p = key;
	size_t m = n < 64 ? n : 64; /* a longer key's first 64 bytes: ids and addresses lead */
	uint64_t h = 0xcbf29ce484222325ull ^ n;
	size_t i = 0;
	/* a word at a time (a 32-byte id is 4 multiplies, not 32): ids are hashes already, but
	 * addresses such as the precompiles' differ only in their last bytes, so every byte counts */
	for (; i + 8 <= m; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	uint64_t t = 0;
	for (size_t k = 0; i + k < m; k++) t |= (uint64_t)p[i + k] << (8 * k);
	h = (h ^ t) * 0x9e3779b97f4a7c15ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (uint32_t)h;
}

void svm_map_init(svm_map_t *m) { memset(m, 0, sizeof(*m)); }

static bool map_ok(const svm_map_t *m);

void svm_map_free(svm_map_t *m)
{
	SVM_ASSERT(map_ok(m));
	size_t freed = 0;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key && m->slots[i].key != TOMB) {
			svm_free(m->slots[i].key);
			freed++;
		}
	SVM_ASSERT(freed == m->count); /* the count is the live keys: none lost, none leaked */
	svm_free(m->slots);
	memset(m, 0, sizeof(*m));
}

void svm_map_clear(svm_map_t *m)
{
	SVM_ASSERT(map_ok(m));
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key && m->slots[i].key != TOMB) svm_free(m->slots[i].key);
	if (m->cap) memset(m->slots, 0, m->cap * sizeof(*m->slots));
	m->count = m->tomb = 0;
	SVM_ASSERT(map_ok(m));
}

static bool slot_is(const svm_map_slot_t *s, const void *key, size_t n, uint32_t h)
{
	return s->key != TOMB && s->hash == h && s->key_len == n && memcmp(s->key, key, n) == 0;
}

/* The load bound: live keys plus tombstones fill at most 3/4 of a power-of-two table, so every
 * probe run ends at an empty slot. */
static bool map_ok(const svm_map_t *m)
{
	if (m->cap == 0) return m->count == 0 && m->tomb == 0 && m->slots == NULL;
	return (m->cap & (m->cap - 1)) == 0 && (m->count + m->tomb) * 4 <= m->cap * 3;
}

static int grow(svm_map_t *m)
{
	SVM_ASSERT(map_ok(m));
	size_t cap = m->cap ? m->cap * 2 : 16;
	if (m->count * 4 < m->cap) cap = m->cap; /* mostly tombstones: rehash in place */
	SVM_ASSERT(cap >= 16 && (cap & (cap - 1)) == 0 && (m->count + 1) * 4 <= cap * 3);
	svm_map_slot_t *slots = svm_calloc(cap, sizeof(*slots));
	if (slots == NULL) return SVM_ENOMEM;
	size_t moved = 0;
	for (size_t i = 0; i < m->cap; i++) {
		svm_map_slot_t *s = &m->slots[i];
		if (s->key == NULL || s->key == TOMB) continue;
		size_t j = s->hash & (cap - 1);
		while (slots[j].key) j = (j + 1) & (cap - 1);
		slots[j] = *s;
		moved++;
	}
	SVM_ASSERT(moved == m->count); /* every live key moved, no tombstone */
	svm_free(m->slots);
	m->slots = slots;
	m->cap = cap;
	m->tomb = 0;
	SVM_ASSERT(map_ok(m));
	return 0;
}

/* The slot holding key (hash h), or NULL. Probe runs end at an empty slot (the load bound). */
static svm_map_slot_t *find_h(const svm_map_t *m, const void *key, size_t key_len, uint32_t h)
{
	if (m->cap == 0) return NULL;
	size_t i = h & (m->cap - 1);
	for (size_t probes = 0;; probes++) {
		SVM_ASSERT(probes < m->cap);
		svm_map_slot_t *s = &m->slots[i];
		if (s->key == NULL) return NULL;
		if (slot_is(s, key, key_len, h)) return s;
		i = (i + 1) & (m->cap - 1);
	}
}

/* An existing key is found before the table may grow: replacing a value never allocates (so it
 * cannot fail — the executor's undo journal relies on it). */
void **svm_map_put(svm_map_t *m, const void *key, size_t key_len, bool *created)
{
	if (key_len > UINT32_MAX) return NULL;
	SVM_ASSERT(map_ok(m));
	uint32_t h = hash_bytes(key, key_len);
	svm_map_slot_t *found = find_h(m, key, key_len, h);
	if (found) {
		if (created) *created = false;
		return &found->value;
	}
	if ((m->count + m->tomb + 1) * 4 > m->cap * 3 && grow(m)) return NULL;
	size_t i = h & (m->cap - 1);
	svm_map_slot_t *free_slot = NULL;
	for (size_t probes = 0;; probes++) {
		SVM_ASSERT(probes < m->cap);
		svm_map_slot_t *s = &m->slots[i];
		if (s->key == NULL) break;
		if (s->key == TOMB && !free_slot) free_slot = s;
		SVM_ASSERT(s->key == TOMB || !slot_is(s, key, key_len, h)); /* absent: find_h said so */
		i = (i + 1) & (m->cap - 1);
	}
	svm_map_slot_t *s = free_slot ? free_slot : &m->slots[i];
	uint8_t *k = svm_malloc(key_len ? key_len : 1);
	if (k == NULL) return NULL;
	if (key_len) memcpy(k, key, key_len);
	if (s->key == TOMB) m->tomb--;
	s->key = k;
	s->key_len = (uint32_t)key_len;
	s->hash = h;
	s->value = NULL;
	m->count++;
	SVM_ASSERT(map_ok(m));
	if (created) *created = true;
	return &s->value;
}

static svm_map_slot_t *find(const svm_map_t *m, const void *key, size_t key_len)
{
	return find_h(m, key, key_len, hash_bytes(key, key_len));
}

void *svm_map_get(const svm_map_t *m, const void *key, size_t key_len)
{
	svm_map_slot_t *s = find(m, key, key_len);
	return s ? s->value : NULL;
}

bool svm_map_has(const svm_map_t *m, const void *key, size_t key_len)
{
	return find(m, key, key_len) != NULL;
}

bool svm_map_del(svm_map_t *m, const void *key, size_t key_len)
{
	svm_map_slot_t *s = find(m, key, key_len);
	if (s == NULL) return false;
	SVM_ASSERT(m->count > 0);
	svm_free(s->key);
	s->key = TOMB;
	s->value = NULL;
	m->count--;
	m->tomb++;
	SVM_ASSERT(map_ok(m)); /* a tombstone replaces a key: the fill is unchanged */
	return true;
}

svm_map_slot_t *svm_map_next(const svm_map_t *m, size_t *i)
{
	while (*i < m->cap) {
		svm_map_slot_t *s = &m->slots[(*i)++];
		if (s->key && s->key != TOMB) return s;
	}
	return NULL;
}

static int cmp_slots(const void *a, const void *b)
{
	const svm_map_slot_t *x = *(svm_map_slot_t *const *)a, *y = *(svm_map_slot_t *const *)b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);
	if (c) return c;
	return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

int svm_map_sorted(const svm_map_t *m, svm_map_slot_t ***out, size_t *n)
{
	svm_map_slot_t **v = svm_malloc((m->count ? m->count : 1) * sizeof(*v));
	if (v == NULL) return SVM_ENOMEM;
	size_t k = 0, i = 0;
	svm_map_slot_t *s;
	while ((s = svm_map_next(m, &i))) {
		SVM_ASSERT(k < m->count);
		v[k++] = s;
	}
	SVM_ASSERT(k == m->count);
	qsort(v, k, sizeof(*v), cmp_slots);
	for (size_t j = 1; SVM_ASSERT_ON && j < k; j++) /* keys are distinct: strictly ascending */
		SVM_ASSERT(cmp_slots(&v[j - 1], &v[j]) < 0);
	*out = v;
	*n = k;
	return 0;
}

/* Stores and the runtime objects they own: memories, tables, globals, host functions, and
 * the name registry that imports are resolved against. */
#include <stdlib.h>
#include <string.h>

#include "vm/wasm/module.h"

struct wreg {
	svm_map_t map; /* key: u32 module length, module, name -> svm_wasm_extern_t * */
};

int svm_wasm_store_new(svm_wasm_store_t **out, const svm_wasm_limits_t *limits)
{
	*out = NULL;
	svm_wasm_store_t *s = svm_calloc(1, sizeof(*s));
	if (!s) return SVM_ENOMEM;
	if (limits) s->limits = *limits;
	else svm_wasm_limits_default(&s->limits);
	svm_arena_init(&s->arena, 0);
	s->reg = svm_calloc(1, sizeof(*s->reg));
	if (!s->reg) {
		svm_free(s);
		return SVM_ENOMEM;
	}
	svm_map_init(&s->reg->map);
	s->gas_limit = s->gas_left = UINT64_MAX;
	*out = s;
	return 0;
}

void svm_wasm_store_free(svm_wasm_store_t *s)
{
	if (!s) return;
	for (uint32_t i = 0; i < s->nmems; i++) svm_free(s->mems[i]->data);
	for (uint32_t i = 0; i < s->ntables; i++) svm_free(s->tables[i]->elems);
	svm_free(s->mems);
	svm_free(s->tables);
	svm_map_free(&s->reg->map);
	svm_free(s->reg);
	svm_free(s->stack);
	svm_free(s->frames);
	svm_arena_reset(&s->arena);
	svm_free(s);
}

void svm_wasm_gas_set(svm_wasm_store_t *s, uint64_t limit)
{
	s->gas_limit = s->gas_left = limit;
}

uint64_t svm_wasm_gas_used(const svm_wasm_store_t *s)
{
	SVM_ASSERT(s->gas_left <= s->gas_limit); /* a call never adds gas */
	return s->gas_limit - s->gas_left;
}

uint64_t svm_wasm_gas_left(const svm_wasm_store_t *s)
{
	return s->gas_left;
}

/* ------------------------------------------------------------- memories */

static int track(void ***arr, uint32_t *n, uint32_t *cap, void *p)
{
	if (*n == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 16;
		void **q = svm_realloc(*arr, ncap * sizeof(void *));
		if (!q) return SVM_ENOMEM;
		*arr = q;
		*cap = ncap;
	}
	SVM_ASSERT(*n < *cap);
	(*arr)[(*n)++] = p;
	return 0;
}

int svm_wasm_memory_new(svm_wasm_store_t *s, uint32_t min, uint32_t max, svm_wasm_memory_t **out)
{
	*out = NULL;
	if (min > s->limits.memory_pages_max || min > 65536) return SVM_ELIMIT;
	svm_wasm_memory_t *m = svm_arena_alloc(&s->arena, sizeof(*m));
	if (!m) return SVM_ENOMEM;
	uint64_t bytes = (uint64_t)min * WASM_PAGE;
	m->data = svm_calloc(1, bytes ? bytes : 1); /* never NULL, so zero-length copies stay defined */
	if (!m->data) return SVM_ENOMEM;
	if (track((void ***)&s->mems, &s->nmems, &s->mems_cap, m)) {
		svm_free(m->data);
		return SVM_ENOMEM;
	}
	SVM_ASSERT(bytes <= (uint64_t)65536 * WASM_PAGE);
	m->bytes = bytes;
	m->pages = min;
	m->has_max = max != UINT32_MAX;
	m->max = max;
	m->store = s;
	*out = m;
	return 0;
}

int wasm_memory_grow(svm_wasm_memory_t *m, uint32_t delta, uint32_t *old)
{
	uint64_t pages = (uint64_t)m->pages + delta;
	uint64_t cap = m->store->limits.memory_pages_max;
	if (cap > 65536) cap = 65536;
	if (m->has_max && m->max < cap) cap = m->max;
	if (pages > cap) return SVM_ELIMIT;
	SVM_ASSERT(m->bytes == (uint64_t)m->pages * WASM_PAGE && pages <= 65536);
	*old = m->pages;
	if (delta == 0) return 0;
	uint64_t bytes = pages * WASM_PAGE;
	uint8_t *d = svm_realloc(m->data, bytes);
	if (!d) return SVM_ENOMEM;
	memset(d + m->bytes, 0, bytes - m->bytes);
	m->data = d;
	m->bytes = bytes;
	m->pages = (uint32_t)pages;
	SVM_ASSERT(!m->has_max || m->pages <= m->max);
	return 0;
}

int svm_wasm_memory_grow(svm_wasm_memory_t *m, uint32_t delta, uint32_t *old_pages)
{
	uint32_t old;
	int rc = wasm_memory_grow(m, delta, &old);
	if (rc == 0 && old_pages) *old_pages = old;
	return rc;
}

uint8_t *svm_wasm_memory_data(svm_wasm_memory_t *mem)
{
	return mem->data;
}

size_t svm_wasm_memory_size(const svm_wasm_memory_t *mem)
{
	return (size_t)mem->bytes;
}

int svm_wasm_memory_read(const svm_wasm_memory_t *mem, uint64_t off, void *dst, size_t n)
{
	if (off > mem->bytes || n > mem->bytes - off) return SVM_ETRAP;
	if (n) memcpy(dst, mem->data + off, n);
	return 0;
}

int svm_wasm_memory_write(svm_wasm_memory_t *mem, uint64_t off, const void *src, size_t n)
{
	if (off > mem->bytes || n > mem->bytes - off) return SVM_ETRAP;
	if (n) memcpy(mem->data + off, src, n);
	return 0;
}

/* --------------------------------------------------------------- tables */

int svm_wasm_table_new(svm_wasm_store_t *s, svm_wasm_valtype_t elem, uint32_t min, uint32_t max,
		       svm_wasm_table_t **out)
{
	*out = NULL;
	if (elem != SVM_WASM_FUNCREF && elem != SVM_WASM_EXTERNREF) return SVM_EINVAL;
	if (min > s->limits.table_elems_max) return SVM_ELIMIT;
	svm_wasm_table_t *t = svm_arena_alloc(&s->arena, sizeof(*t));
	if (!t) return SVM_ENOMEM;
	t->elems = svm_calloc(min ? min : 1, sizeof(uint64_t));
	if (!t->elems) return SVM_ENOMEM;
	if (track((void ***)&s->tables, &s->ntables, &s->tables_cap, t)) {
		svm_free(t->elems);
		return SVM_ENOMEM;
	}
	SVM_ASSERT(min <= s->limits.table_elems_max);
	t->size = min;
	t->has_max = max != UINT32_MAX;
	t->max = max;
	t->elem = (uint8_t)elem;
	t->store = s;
	*out = t;
	return 0;
}

int wasm_table_grow(svm_wasm_table_t *t, uint32_t delta, uint64_t init, uint32_t *old)
{
	uint64_t size = (uint64_t)t->size + delta;
	uint64_t cap = t->store->limits.table_elems_max;
	if (t->has_max && t->max < cap) cap = t->max;
	if (size > cap) return SVM_ELIMIT;
	SVM_ASSERT(size <= UINT32_MAX && size >= t->size);
	*old = t->size;
	if (delta == 0) return 0;
	uint64_t *e = svm_realloc(t->elems, size * sizeof(uint64_t));
	if (!e) return SVM_ENOMEM;
	for (uint64_t i = t->size; i < size; i++) e[i] = init;
	t->elems = e;
	t->size = (uint32_t)size;
	SVM_ASSERT(!t->has_max || t->size <= t->max);
	return 0;
}

uint32_t svm_wasm_table_size(const svm_wasm_table_t *t)
{
	return t->size;
}

int svm_wasm_table_get(const svm_wasm_table_t *t, uint32_t i, uint64_t *out)
{
	if (i >= t->size) return SVM_ETRAP;
	*out = t->elems[i];
	return 0;
}

int svm_wasm_table_set(svm_wasm_table_t *t, uint32_t i, uint64_t ref)
{
	if (i >= t->size) return SVM_ETRAP;
	t->elems[i] = ref;
	return 0;
}

/* -------------------------------------------------------------- globals */

int svm_wasm_global_new(svm_wasm_store_t *s, svm_wasm_valtype_t t, bool mut, uint64_t value,
			svm_wasm_global_t **out)
{
	svm_wasm_global_t *g = svm_arena_alloc(&s->arena, sizeof(*g));
	*out = g;
	if (!g) return SVM_ENOMEM;
	g->type = (uint8_t)t;
	g->mut = mut;
	g->value = value;
	return 0;
}

svm_wasm_valtype_t svm_wasm_global_type(const svm_wasm_global_t *g)
{
	return (svm_wasm_valtype_t)g->type;
}

uint64_t svm_wasm_global_get(const svm_wasm_global_t *g)
{
	return g->value;
}

int svm_wasm_global_set(svm_wasm_global_t *g, uint64_t value)
{
	if (!g->mut) return SVM_EPERM;
	g->value = value;
	return 0;
}

/* ------------------------------------------------------- host functions */

int svm_wasm_host_func_new(svm_wasm_store_t *s, const svm_wasm_functype_t *type,
			   svm_wasm_host_fn_t fn, void *user, svm_wasm_func_t **out)
{
	*out = NULL;
	if (!fn || type->param_count > SVM_WASM_PARAMS_MAX || type->result_count > SVM_WASM_RESULTS_MAX)
		return SVM_EINVAL;
	svm_wasm_func_t *f = svm_arena_alloc(&s->arena, sizeof(*f));
	svm_wasm_functype_t *t = svm_arena_alloc(&s->arena, sizeof(*t));
	uint8_t *p = svm_arena_dup(&s->arena, type->params, type->param_count);
	uint8_t *r = svm_arena_dup(&s->arena, type->results, type->result_count);
	if (!f || !t || !p || !r) return SVM_ENOMEM;
	*t = (svm_wasm_functype_t){type->param_count, type->result_count, p, r};
	f->type = t;
	f->host = fn;
	f->user = user;
	*out = f;
	return 0;
}

svm_wasm_functype_t svm_wasm_func_type(const svm_wasm_func_t *f)
{
	return *f->type;
}

/* ------------------------------------------------------------- registry */

static uint8_t *reg_key(const char *mod, size_t ml, const char *name, size_t nl, size_t *klen)
{
	*klen = 4 + ml + nl;
	uint8_t *k = svm_malloc(*klen);
	if (!k) return NULL;
	uint32_t l = (uint32_t)ml;
	memcpy(k, &l, 4);
	memcpy(k + 4, mod, ml);
	memcpy(k + 4 + ml, name, nl);
	SVM_ASSERT(*klen >= 4 + ml); /* the name length is what follows the module */
	return k;
}

int svm_wasm_define(svm_wasm_store_t *s, const char *mod, size_t ml, const char *name, size_t nl,
		    const svm_wasm_extern_t *ext)
{
	size_t klen;
	uint8_t *k = reg_key(mod, ml, name, nl, &klen);
	svm_wasm_extern_t *v = svm_arena_dup(&s->arena, ext, sizeof(*ext));
	void **slot = k && v ? svm_map_put(&s->reg->map, k, klen, NULL) : NULL;
	svm_free(k);
	if (!slot) return SVM_ENOMEM;
	*slot = v;
	return 0;
}

const svm_wasm_extern_t *wasm_lookup(svm_wasm_store_t *s, const char *mod, size_t ml,
				     const char *name, size_t nl)
{
	size_t klen;
	uint8_t *k = reg_key(mod, ml, name, nl, &klen);
	if (!k) return NULL;
	const svm_wasm_extern_t *v = svm_map_get(&s->reg->map, k, klen);
	svm_free(k);
	return v;
}

/* Instantiation: resolve and type-check imports, allocate the module's functions, tables,
 * memory and globals, evaluate constant expressions, apply active element and data segments
 * in order (a failing one traps; earlier writes stay, as the spec requires), run the start
 * function. Also export lookup. */
#include <string.h>

#include "vm/wasm/module.h"

#define LINK_ERR(err, ...) svm_error_set(err, SVM_EVALIDATE, __VA_ARGS__)

static bool limits_match(uint64_t have_min, bool have_has_max, uint64_t have_max, const wlimits_t *want)
{
	if (have_min < want->min) return false;
	if (!want->has_max) return true;
	return have_has_max && have_max <= want->max;
}

static int import_one(svm_wasm_instance_t *in, const wimport_t *im, uint32_t *idx, svm_error_t *err)
{
	const svm_wasm_module_t *m = in->module;
	const svm_wasm_extern_t *e = wasm_lookup(in->store, im->module.p, im->module.n, im->name.p, im->name.n);
	if (!e) return svm_error_set(err, SVM_ENOTFOUND, "unknown import %.*s.%.*s", (int)im->module.n,
				     im->module.p, (int)im->name.n, im->name.p);
	if (e->kind != im->kind) return LINK_ERR(err, "incompatible import type");
	SVM_ASSERT(im->kind <= SVM_WASM_EXTERN_GLOBAL);
	switch (im->kind) {
	case SVM_WASM_EXTERN_FUNC:
		if (!wasm_functype_eq(e->u.func->type, &m->types[im->u.type]))
			return LINK_ERR(err, "incompatible import type");
		SVM_ASSERT(idx[0] < m->nfuncs_imported);
		in->funcs[idx[0]++] = e->u.func;
		break;
	case SVM_WASM_EXTERN_TABLE: {
		svm_wasm_table_t *t = e->u.table;
		if (t->elem != im->u.table.elem || !limits_match(t->size, t->has_max, t->max, &im->u.table.lim))
			return LINK_ERR(err, "incompatible import type");
		SVM_ASSERT(idx[1] < m->ntables_imported);
		in->tables[idx[1]++] = t;
		break;
	}
	case SVM_WASM_EXTERN_MEMORY: {
		svm_wasm_memory_t *mm = e->u.memory;
		if (!limits_match(mm->pages, mm->has_max, mm->max, &im->u.mem))
			return LINK_ERR(err, "incompatible import type");
		SVM_ASSERT(m->nmems_imported == 1 && !in->mem); /* one memory at most (decoder) */
		in->mem = mm;
		break;
	}
	default: {
		svm_wasm_global_t *g = e->u.global;
		if (g->type != im->u.global.type || g->mut != im->u.global.mut)
			return LINK_ERR(err, "incompatible import type");
		SVM_ASSERT(idx[2] < m->nglobals_imported);
		in->globals[idx[2]++] = g;
	}
	}
	return 0;
}

static uint64_t eval_const(const svm_wasm_instance_t *in, const wconst_t *c)
{
	switch (c->kind) {
	case CE_CONST: return c->v;
	case CE_GLOBAL: /* an imported immutable global (the decoder's rule), already linked */
		SVM_ASSERT(c->v < in->module->nglobals_imported && in->globals[c->v]);
		return in->globals[c->v]->value;
	case CE_REFFUNC: SVM_ASSERT(c->v < in->module->nfuncs && in->funcs[c->v]); return (uint64_t)(uintptr_t)in->funcs[c->v];
	default: return 0;
	}
}

static int alloc_arrays(svm_wasm_instance_t *in)
{
	const svm_wasm_module_t *m = in->module;
	svm_arena_t *a = &in->store->arena;
	in->funcs = svm_arena_alloc(a, (m->nfuncs + 1) * sizeof(void *));
	in->tables = svm_arena_alloc(a, (m->ntables + 1) * sizeof(void *));
	in->globals = svm_arena_alloc(a, (m->nglobals + 1) * sizeof(void *));
	in->elem_items = svm_arena_alloc(a, (m->nelems + 1) * sizeof(void *));
	in->elem_len = svm_arena_alloc(a, (m->nelems + 1) * sizeof(uint32_t));
	in->data_len = svm_arena_alloc(a, (m->ndatas + 1) * sizeof(uint32_t));
	if (!in->funcs || !in->tables || !in->globals || !in->elem_items || !in->elem_len || !in->data_len)
		return SVM_ENOMEM;
	return 0;
}

static int define_own(svm_wasm_instance_t *in, svm_error_t *err)
{
	const svm_wasm_module_t *m = in->module;
	svm_wasm_store_t *s = in->store;
	for (uint32_t i = m->nfuncs_imported; i < m->nfuncs; i++) {
		svm_wasm_func_t *f = svm_arena_alloc(&s->arena, sizeof(*f));
		if (!f) return svm_error_set(err, SVM_ENOMEM, "out of memory");
		f->type = &m->types[m->func_types[i]];
		f->inst = in;
		f->code = &m->codes[i - m->nfuncs_imported];
		SVM_ASSERT(f->code->ops && f->code->nparams == f->type->param_count); /* translated */
		in->funcs[i] = f;
	}
	for (uint32_t i = m->ntables_imported; i < m->ntables; i++) {
		const wtable_t *t = &m->tables[i];
		int rc = svm_wasm_table_new(s, (svm_wasm_valtype_t)t->elem, t->lim.min,
					    t->lim.has_max ? t->lim.max : UINT32_MAX, &in->tables[i]);
		if (rc) return svm_error_set(err, rc, "table of %u entries: %s", t->lim.min, svm_strerror(rc));
		in->tables[i]->has_max = t->lim.has_max;
	}
	if (m->nmems > m->nmems_imported) {
		SVM_ASSERT(m->nmems == 1 && !in->mem);
		const wlimits_t *l = &m->mems[0];
		int rc = svm_wasm_memory_new(s, l->min, l->has_max ? l->max : UINT32_MAX, &in->mem);
		if (rc) return svm_error_set(err, rc, "memory of %u pages: %s", l->min, svm_strerror(rc));
		in->mem->has_max = l->has_max;
	}
	for (uint32_t i = m->nglobals_imported; i < m->nglobals; i++) {
		const wglobal_t *g = &m->globals[i];
		int rc = svm_wasm_global_new(s, (svm_wasm_valtype_t)g->type.type, g->type.mut,
					     eval_const(in, &g->init), &in->globals[i]);
		if (rc) return svm_error_set(err, rc, "out of memory");
		SVM_ASSERT(in->globals[i]->type == g->init.type); /* the decoder's type check */
	}
	return 0;
}

static int resolve_segments(svm_wasm_instance_t *in, svm_error_t *err)
{
	const svm_wasm_module_t *m = in->module;
	for (uint32_t i = 0; i < m->nelems; i++) {
		const welem_t *e = &m->elems[i];
		uint64_t *items = svm_arena_alloc(&in->store->arena, ((size_t)e->count + 1) * sizeof(uint64_t));
		if (!items) return svm_error_set(err, SVM_ENOMEM, "out of memory");
		for (uint32_t k = 0; k < e->count; k++) items[k] = eval_const(in, &e->items[k]);
		in->elem_items[i] = items;
		in->elem_len[i] = e->mode == SEG_DECLARATIVE ? 0 : e->count;
	}
	for (uint32_t i = 0; i < m->ndatas; i++) in->data_len[i] = m->datas[i].len;
	return 0;
}

static int apply_segments(svm_wasm_instance_t *in, svm_error_t *err)
{
	const svm_wasm_module_t *m = in->module;
	for (uint32_t i = 0; i < m->nelems; i++) {
		const welem_t *e = &m->elems[i];
		if (e->mode != SEG_ACTIVE) continue;
		svm_wasm_table_t *t = in->tables[e->table];
		uint64_t off = (uint32_t)eval_const(in, &e->offset);
		if (off + e->count > t->size) return svm_error_set(err, SVM_ETRAP, "out of bounds table access");
		SVM_ASSERT(t->elem == e->type && in->elem_len[i] == e->count);
		memcpy(t->elems + off, in->elem_items[i], (size_t)e->count * sizeof(uint64_t));
		in->elem_len[i] = 0;
	}
	for (uint32_t i = 0; i < m->ndatas; i++) {
		const wdata_t *d = &m->datas[i];
		if (d->mode != SEG_ACTIVE) continue;
		uint64_t off = (uint32_t)eval_const(in, &d->offset);
		SVM_ASSERT(in->mem && in->data_len[i] == d->len); /* an active segment names memory 0 */
		if (off + d->len > in->mem->bytes) return svm_error_set(err, SVM_ETRAP, "out of bounds memory access");
		if (d->len) memcpy(in->mem->data + off, d->bytes, d->len);
		in->data_len[i] = 0;
	}
	return 0;
}

int svm_wasm_instantiate(svm_wasm_store_t *s, const svm_wasm_module_t *m, svm_wasm_instance_t **out,
			 svm_error_t *err)
{
	*out = NULL;
	if (s->running) return svm_error_set(err, SVM_ESTATE, "store is running a call");
	svm_wasm_instance_t *in = svm_arena_alloc(&s->arena, sizeof(*in));
	if (!in) return svm_error_set(err, SVM_ENOMEM, "out of memory");
	in->store = s;
	in->module = m;
	if (alloc_arrays(in)) return svm_error_set(err, SVM_ENOMEM, "out of memory");
	uint32_t idx[3] = {0, 0, 0};
	for (uint32_t i = 0; i < m->nimports; i++) {
		int rc = import_one(in, &m->imports[i], idx, err);
		if (rc) return rc;
	}
	SVM_ASSERT(idx[0] == m->nfuncs_imported && idx[1] == m->ntables_imported &&
		   idx[2] == m->nglobals_imported && (in->mem != NULL) == (m->nmems_imported == 1));
	int rc = define_own(in, err);
	if (rc == 0) rc = resolve_segments(in, err);
	if (rc == 0) rc = apply_segments(in, err);
	SVM_ASSERT(rc != 0 || m->nmems == 0 || in->mem);
	if (rc == 0 && m->has_start) rc = wasm_invoke(s, in->funcs[m->start], NULL, NULL, err);
	if (rc) return rc;
	in->next = s->instances;
	s->instances = in;
	*out = in;
	return 0;
}

/* ----------------------------------------------------------------- exports */

static void extern_of(const svm_wasm_instance_t *in, const wexport_t *e, svm_wasm_extern_t *out)
{
	out->kind = (svm_wasm_extern_kind_t)e->kind;
	SVM_ASSERT(e->kind <= SVM_WASM_EXTERN_GLOBAL); /* the decoder's bound on index too */
	switch (e->kind) {
	case SVM_WASM_EXTERN_FUNC: out->u.func = in->funcs[e->index]; break;
	case SVM_WASM_EXTERN_TABLE: out->u.table = in->tables[e->index]; break;
	case SVM_WASM_EXTERN_MEMORY:
		SVM_ASSERT(e->index == 0 && in->mem);
		out->u.memory = in->mem;
		break;
	default: out->u.global = in->globals[e->index]; break;
	}
}

int svm_wasm_export(const svm_wasm_instance_t *in, const char *name, size_t len, svm_wasm_extern_t *out)
{
	const svm_wasm_module_t *m = in->module;
	for (uint32_t i = 0; i < m->nexports; i++) {
		const wexport_t *e = &m->exports[i];
		if (e->name.n == len && memcmp(e->name.p, name, len) == 0) {
			extern_of(in, e, out);
			return 0;
		}
	}
	return SVM_ENOTFOUND;
}

int svm_wasm_register(svm_wasm_store_t *s, const char *mod, size_t ml, svm_wasm_instance_t *in)
{
	const svm_wasm_module_t *m = in->module;
	for (uint32_t i = 0; i < m->nexports; i++) {
		svm_wasm_extern_t ext;
		extern_of(in, &m->exports[i], &ext);
		int rc = svm_wasm_define(s, mod, ml, m->exports[i].name.p, m->exports[i].name.n, &ext);
		if (rc) return rc;
	}
	return 0;
}

static void *export_kind(const svm_wasm_instance_t *in, const char *name, svm_wasm_extern_kind_t k)
{
	svm_wasm_extern_t e;
	if (svm_wasm_export(in, name, strlen(name), &e) || e.kind != k) return NULL;
	return e.u.func; /* every member of the union is a pointer */
}

svm_wasm_func_t *svm_wasm_export_func(const svm_wasm_instance_t *in, const char *name)
{
	return export_kind(in, name, SVM_WASM_EXTERN_FUNC);
}

svm_wasm_memory_t *svm_wasm_export_memory(const svm_wasm_instance_t *in, const char *name)
{
	svm_wasm_extern_t e;
	if (svm_wasm_export(in, name, strlen(name), &e) || e.kind != SVM_WASM_EXTERN_MEMORY) return NULL;
	return e.u.memory;
}

svm_wasm_global_t *svm_wasm_export_global(const svm_wasm_instance_t *in, const char *name)
{
	svm_wasm_extern_t e;
	if (svm_wasm_export(in, name, strlen(name), &e) || e.kind != SVM_WASM_EXTERN_GLOBAL) return NULL;
	return e.u.global;
}

svm_wasm_table_t *svm_wasm_export_table(const svm_wasm_instance_t *in, const char *name)
{
	svm_wasm_extern_t e;
	if (svm_wasm_export(in, name, strlen(name), &e) || e.kind != SVM_WASM_EXTERN_TABLE) return NULL;
	return e.u.table;
}

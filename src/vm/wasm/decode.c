/* Decodes the sections of a WebAssembly 2.0 binary module into svm_wasm_module_t and checks
 * everything about them that is not function code: section order and sizes, index spaces,
 * limits, constant expressions, export names, segment modes. Function bodies are validated and
 * translated afterwards by compile.c. */
#include <string.h>

#include "vm/wasm/module.h"
#include "vm/wasm/reader.h"

#define INVALID(r, ...) svm_error_set((r)->err, SVM_EVALIDATE, __VA_ARGS__)
#define LIMIT(r, ...) svm_error_set((r)->err, SVM_ELIMIT, __VA_ARGS__)
#define TRY(e)                                   \
	do {                                     \
		int rc_ = (e);                   \
		if (rc_) return rc_;             \
	} while (0)

typedef struct {
	wr_t r;
	svm_wasm_module_t *m;
	uint32_t nfunc_decl; /* entries in the function section */
	bool has_func_section, has_code_section;
} dec_t;

static void *alloc(dec_t *d, size_t n, size_t size)
{
	if (n == 0) n = 1;
	return svm_arena_alloc(&d->m->arena, n * size);
}

#define NOMEM(d) svm_error_set((d)->r.err, SVM_ENOMEM, "out of memory")

static bool utf8_valid(const uint8_t *s, uint32_t n)
{
	uint32_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		uint32_t len, cp;
		if (c < 0x80) { i++; continue; }
		if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
		else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
		else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
		else return false;
		SVM_ASSERT(len >= 2 && len <= 4);
		if (n - i < len) return false;
		for (uint32_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80) return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
			return false;
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
		SVM_ASSERT(cp >= 0x80 && cp <= 0x10ffff);
		i += len;
	}
	SVM_ASSERT(i == n); /* every sequence ended inside the name */
	return true;
}

static int rd_name(dec_t *d, wname_t *out)
{
	uint32_t n;
	const uint8_t *p;
	TRY(wr_u32(&d->r, &n));
	if ((size_t)(d->r.end - d->r.p) < n) return wr_fail(&d->r, "length out of bounds");
	TRY(wr_bytes(&d->r, n, &p));
	if (!utf8_valid(p, n)) return wr_fail(&d->r, "malformed UTF-8 encoding");
	SVM_ASSERT(p >= d->m->bytes && p + n <= d->m->bytes + d->m->len); /* borrowed from the copy */
	out->p = (const char *)p;
	out->n = n;
	return 0;
}

static bool is_valtype(uint8_t t)
{
	return (t >= 0x7c && t <= 0x7f) || t == 0x70 || t == 0x6f;
}

static int rd_valtype(dec_t *d, uint8_t *out)
{
	TRY(wr_u8(&d->r, out));
	if (*out == 0x7b) return svm_error_set(d->r.err, SVM_EUNSUPPORTED, "v128 (SIMD) unsupported");
	if (!is_valtype(*out)) return wr_fail(&d->r, "malformed value type");
	return 0;
}

static int rd_reftype(dec_t *d, uint8_t *out)
{
	TRY(wr_u8(&d->r, out));
	if (*out != 0x70 && *out != 0x6f) return wr_fail(&d->r, "malformed reference type");
	return 0;
}

/* Reads a vector count and checks that at least count*min_bytes bytes remain, so a huge count
 * cannot make us allocate before the input runs out. */
static int rd_count(dec_t *d, uint32_t min_bytes, uint32_t max, uint32_t *out)
{
	TRY(wr_u32(&d->r, out));
	if ((uint64_t)*out * min_bytes > (uint64_t)(d->r.end - d->r.p))
		return wr_fail(&d->r, "length out of bounds");
	if (*out > max) return LIMIT(&d->r, "vector of %u entries exceeds the limit %u", *out, max);
	SVM_ASSERT(d->r.p <= d->r.end);
	return 0;
}

static int rd_limits(dec_t *d, wlimits_t *l, uint64_t bound, const char *what)
{
	uint8_t flag;
	TRY(wr_u8(&d->r, &flag));
	if (flag > 1) return wr_fail(&d->r, "integer too large");
	TRY(wr_u32(&d->r, &l->min));
	l->has_max = flag == 1;
	l->max = UINT32_MAX;
	if (l->has_max) TRY(wr_u32(&d->r, &l->max));
	if (l->min > bound || (l->has_max && l->max > bound))
		return INVALID(&d->r, "%s size must be at most %llu", what, (unsigned long long)bound);
	if (l->has_max && l->min > l->max)
		return INVALID(&d->r, "size minimum must not be greater than maximum");
	SVM_ASSERT(l->min <= l->max && l->min <= bound); /* absent max is UINT32_MAX */
	return 0;
}

static int rd_tabletype(dec_t *d, wtable_t *t)
{
	TRY(rd_reftype(d, &t->elem));
	return rd_limits(d, &t->lim, UINT32_MAX, "table");
}

static int rd_memtype(dec_t *d, wlimits_t *l)
{
	return rd_limits(d, l, 65536, "memory");
}

static int rd_globaltype(dec_t *d, wglobaltype_t *g)
{
	uint8_t mut;
	TRY(rd_valtype(d, &g->type));
	TRY(wr_u8(&d->r, &mut));
	if (mut > 1) return wr_fail(&d->r, "malformed mutability");
	g->mut = mut;
	return 0;
}

static uint8_t global_type(const svm_wasm_module_t *m, uint32_t i)
{
	return m->globals[i].type.type;
}

/* A constant expression of type `want`: one constant instruction then end. */
static int rd_const(dec_t *d, uint8_t want, wconst_t *c)
{
	svm_wasm_module_t *m = d->m;
	uint8_t op;
	int64_t s;
	TRY(wr_u8(&d->r, &op));
	switch (op) {
	case 0x41: TRY(wr_sleb(&d->r, 32, &s)); c->kind = CE_CONST; c->type = 0x7f; c->v = (uint32_t)s; break;
	case 0x42: TRY(wr_sleb(&d->r, 64, &s)); c->kind = CE_CONST; c->type = 0x7e; c->v = (uint64_t)s; break;
	case 0x43: { uint32_t f; TRY(wr_f32(&d->r, &f)); c->kind = CE_CONST; c->type = 0x7d; c->v = f; break; }
	case 0x44: TRY(wr_f64(&d->r, &c->v)); c->kind = CE_CONST; c->type = 0x7c; break;
	case 0xd0: TRY(rd_reftype(d, &c->type)); c->kind = CE_REFNULL; c->v = 0; break;
	case 0xd2: {
		uint32_t f;
		TRY(wr_u32(&d->r, &f));
		if (f >= m->nfuncs) return INVALID(&d->r, "unknown function %u", f);
		m->func_declared[f] = true;
		c->kind = CE_REFFUNC; c->type = 0x70; c->v = f;
		break;
	}
	case 0x23: {
		uint32_t g;
		TRY(wr_u32(&d->r, &g));
		if (g >= m->nglobals_imported) return INVALID(&d->r, "unknown global %u", g);
		if (m->globals[g].type.mut) return INVALID(&d->r, "constant expression required");
		c->kind = CE_GLOBAL; c->type = global_type(m, g); c->v = g;
		break;
	}
	case 0x0b: return INVALID(&d->r, "type mismatch");
	default: return INVALID(&d->r, "constant expression required");
	}
	TRY(wr_u8(&d->r, &op));
	if (op != 0x0b) {
		if (op == 0x41 || op == 0x42 || op == 0x43 || op == 0x44 || op == 0xd0 || op == 0xd2 || op == 0x23)
			return INVALID(&d->r, "type mismatch");
		return INVALID(&d->r, "constant expression required");
	}
	if (c->type != want) return INVALID(&d->r, "type mismatch");
	SVM_ASSERT(c->kind <= CE_REFNULL);
	SVM_ASSERT(c->kind != CE_GLOBAL || c->v < m->nglobals_imported);
	SVM_ASSERT(c->kind != CE_REFFUNC || (c->v < m->nfuncs && m->func_declared[c->v]));
	return 0;
}

/* ------------------------------------------------------------- sections */

static int sec_type(dec_t *d)
{
	svm_wasm_module_t *m = d->m;
	TRY(rd_count(d, 3, m->cfg.limits.types_max, &m->ntypes));
	m->types = alloc(d, m->ntypes, sizeof(*m->types));
	if (!m->types) return NOMEM(d);
	for (uint32_t i = 0; i < m->ntypes; i++) {
		uint8_t form;
		uint32_t np, nr;
		TRY(wr_u8(&d->r, &form));
		if (form != 0x60) return wr_fail(&d->r, "integer representation too long");
		TRY(rd_count(d, 1, SVM_WASM_PARAMS_MAX, &np));
		uint8_t *t = alloc(d, np + 1, 1);
		if (!t) return NOMEM(d);
		for (uint32_t k = 0; k < np; k++) TRY(rd_valtype(d, &t[k]));
		TRY(rd_count(d, 1, SVM_WASM_RESULTS_MAX, &nr));
		uint8_t *rt = alloc(d, nr + 1, 1);
		if (!rt) return NOMEM(d);
		for (uint32_t k = 0; k < nr; k++) TRY(rd_valtype(d, &rt[k]));
		SVM_ASSERT(np <= SVM_WASM_PARAMS_MAX && nr <= SVM_WASM_RESULTS_MAX);
		m->types[i] = (svm_wasm_functype_t){np, nr, t, rt};
	}
	return 0;
}

/* Imports are read in two passes: count per kind first, so index spaces can be sized. */
static int sec_import(dec_t *d)
{
	svm_wasm_module_t *m = d->m;
	TRY(rd_count(d, 4, m->cfg.limits.imports_max, &m->nimports));
	m->imports = alloc(d, m->nimports, sizeof(*m->imports));
	if (!m->imports) return NOMEM(d);
	for (uint32_t i = 0; i < m->nimports; i++) {
		wimport_t *im = &m->imports[i];
		TRY(rd_name(d, &im->module));
		TRY(rd_name(d, &im->name));
		TRY(wr_u8(&d->r, &im->kind));
		switch (im->kind) {
		case 0:
			TRY(wr_u32(&d->r, &im->u.type));
			if (im->u.type >= m->ntypes) return INVALID(&d->r, "unknown type %u", im->u.type);
			m->nfuncs_imported++;
			break;
		case 1: TRY(rd_tabletype(d, &im->u.table)); m->ntables_imported++; break;
		case 2: TRY(rd_memtype(d, &im->u.mem)); m->nmems_imported++; break;
		case 3: TRY(rd_globaltype(d, &im->u.global)); m->nglobals_imported++; break;
		default: return wr_fail(&d->r, "malformed import kind");
		}
	}
	SVM_ASSERT((uint64_t)m->nfuncs_imported + m->ntables_imported + m->nmems_imported +
			   m->nglobals_imported ==
		   m->nimports);
	return 0;
}

static int sec_function(dec_t *d)
{
	svm_wasm_module_t *m = d->m;
	d->has_func_section = true;
	TRY(rd_count(d, 1, m->cfg.limits.funcs_max, &d->nfunc_decl));
	if ((uint64_t)d->nfunc_decl + m->nfuncs_imported > m->cfg.limits.funcs_max)
		return LIMIT(&d->r, "too many functions");
	m->nfuncs = m->nfuncs_imported + d->nfunc_decl;
	SVM_ASSERT(m->nfuncs >= m->nfuncs_imported && m->nfuncs <= m->cfg.limits.funcs_max);
	uint32_t *ft = alloc(d, m->nfuncs, sizeof(uint32_t));
	bool *decl = alloc(d, m->nfuncs, sizeof(bool));
	if (!ft || !decl) return NOMEM(d);
	memcpy(ft, m->func_types, m->nfuncs_imported * sizeof(uint32_t));
	m->func_types = ft;
	m->func_declared = decl;
	for (uint32_t i = m->nfuncs_imported; i < m->nfuncs; i++) {
		TRY(wr_u32(&d->r, &ft[i]));
		if (ft[i] >= m->ntypes) return INVALID(&d->r, "unknown type %u", ft[i]);
	}
	return 0;
}

static int sec_table(dec_t *d)
{
	svm_wasm_module_t *m = d->m;
	uint32_t n;
	TRY(rd_count(d, 3, m->cfg.limits.tables_max, &n));
	if ((uint64_t)n + m->ntables_imported > m->cfg.limits.tables_max) return LIMIT(&d->r, "too many tables");
	wtable_t *t = alloc(d, n + m->ntables_imported, sizeof(*t));
	if (!t) return NOMEM(d);
	memcpy(t, m->tables, m->ntables_imported * sizeof(*t));
	m->tables = t;
	m->ntables = m->ntables_imported + n;
	for (uint32_t i = m->ntables_imported; i < m->ntables; i++) TRY(rd_tabletype(d, &t[i]));
	SVM_ASSERT(m->ntables <= m->cfg.limits.tables_max);
	return 0;
}

static int sec_memory(dec_t *d)
{
	svm_wasm_module_t *m = d->m;
	uint32_t n;
	TRY(rd_count(d, 2, 100, &n));
	wlimits_t *l = alloc(d, n + m->nmems_imported, sizeof(*l));
	if (!l) return NOMEM(d);
	memcpy(l, m->mems, m->nmems_imported * sizeof(*l));
	m->mems = l;
	m->nmems = m->nmems_imported + n;
	for (uint32_t i = m->nmems_imported; i < m->nmems; i++) TRY(rd_memtype(d, &l[i]));
	if (m->nmems > 1) return INVALID(&d->r, "multiple memories");
	SVM_ASSERT(m->nmems >= m->nmems_imported);
	return 0;
}

static int sec_global(dec_t *d)
{
	svm_wasm_module_t *m = d->m;
	uint32_t n;
	TRY(rd_count(d, 4, m->cfg.limits.globals_max, &n));
	if ((uint64_t)n + m->nglobals_imported > m->cfg.limits.globals_max) return LIMIT(&d->r, "too many globals");
	wglobal_t *g = alloc(d, n + m->nglobals_imported, sizeof(*g));
	if (!g) return NOMEM(d);
	memcpy(g, m->globals, m->nglobals_imported * sizeof(*g));
	m->globals = g;
	m->nglobals = m->nglobals_imported + n;
	for (uint32_t i = m->nglobals_imported; i < m->nglobals; i++) {
		TRY(rd_globaltype(d, &g[i].type));
		TRY(rd_const(d, g[i].type.type, &g[i].init));
		SVM_ASSERT(g[i].init.type == g[i].type.type);
	}
	SVM_ASSERT(m->nglobals <= m->cfg.limits.globals_max);
	return 0;
}

static int sec_export(dec_t *d)
{
	svm_wasm_module_t *m = d->m;
	TRY(rd_count(d, 3, m->cfg.limits.exports_max, &m->nexports));
	m->exports = alloc(d, m->nexports, sizeof(*m->exports));
	if (!m->exports) return NOMEM(d);
	svm_map_t names;
	svm_map_init(&names);
	int rc = 0;
	for (uint32_t i = 0; i < m->nexports && rc == 0; i++) {
		wexport_t *e = &m->exports[i];
		uint32_t bound = 0;
		if ((rc = rd_name(d, &e->name)) || (rc = wr_u8(&d->r, &e->kind)) ||
		    (rc = wr_u32(&d->r, &e->index)))
			break;
		switch (e->kind) {
		case 0: bound = m->nfuncs; break;
		case 1: bound = m->ntables; break;
		case 2: bound = m->nmems; break;
		case 3: bound = m->nglobals; break;
		default: rc = wr_fail(&d->r, "malformed export kind"); continue;
		}
		if (e->index >= bound) { rc = INVALID(&d->r, "unknown export index %u", e->index); break; }
		SVM_ASSERT(e->kind <= 3 && e->index < bound);
		if (e->kind == 0) m->func_declared[e->index] = true;
		bool created = false;
		if (!svm_map_put(&names, e->name.p, e->name.n, &created)) rc = NOMEM(d);
		else if (!created) rc = INVALID(&d->r, "duplicate export name");
	}
	SVM_ASSERT(rc != 0 || names.count == m->nexports); /* one distinct name per export */
	svm_map_free(&names);
	return rc;
}

static int sec_start(dec_t *d)
{
	svm_wasm_module_t *m = d->m;
	TRY(wr_u32(&d->r, &m->start));
	if (m->start >= m->nfuncs) return INVALID(&d->r, "unknown function %u", m->start);
	const svm_wasm_functype_t *t = &m->types[m->func_types[m->start]];
	if (t->param_count || t->result_count) return INVALID(&d->r, "start function");
	SVM_ASSERT(m->func_types[m->start] < m->ntypes);
	m->has_start = true;
	return 0;
}

static int elem_items(dec_t *d, welem_t *e, bool exprs)
{
	svm_wasm_module_t *m = d->m;
	TRY(rd_count(d, 1, m->cfg.limits.table_elems_max, &e->count));
	e->items = alloc(d, e->count, sizeof(wconst_t));
	if (!e->items) return NOMEM(d);
	for (uint32_t k = 0; k < e->count; k++) {
		wconst_t *c = &e->items[k];
		if (exprs) {
			TRY(rd_const(d, e->type, c));
			continue;
		}
		uint32_t f;
		TRY(wr_u32(&d->r, &f));
		if (f >= m->nfuncs) return INVALID(&d->r, "unknown function %u", f);
		m->func_declared[f] = true;
		*c = (wconst_t){CE_REFFUNC, 0x70, f};
	}
	SVM_ASSERT(e->count <= m->cfg.limits.table_elems_max);
	return 0;
}

static int elem_one(dec_t *d, welem_t *e)
{
	svm_wasm_module_t *m = d->m;
	uint32_t flags;
	TRY(wr_u32(&d->r, &flags));
	if (flags > 7) return wr_fail(&d->r, "malformed elements segment kind");
	bool passive_or_decl = flags & 1, explicit_table = flags & 2, exprs = flags & 4;
	e->mode = !passive_or_decl ? SEG_ACTIVE : explicit_table ? SEG_DECLARATIVE : SEG_PASSIVE;
	e->type = 0x70;
	if (e->mode == SEG_ACTIVE) {
		if (explicit_table) TRY(wr_u32(&d->r, &e->table));
		if (e->table >= m->ntables) return INVALID(&d->r, "unknown table %u", e->table);
		TRY(rd_const(d, 0x7f, &e->offset));
	}
	if (e->mode != SEG_ACTIVE || explicit_table) {
		if (exprs) TRY(rd_reftype(d, &e->type));
		else {
			uint8_t kind;
			TRY(wr_u8(&d->r, &kind));
			if (kind != 0) return wr_fail(&d->r, "malformed element kind");
		}
	}
	TRY(elem_items(d, e, exprs));
	if (e->mode == SEG_ACTIVE && m->tables[e->table].elem != e->type) return INVALID(&d->r, "type mismatch");
	SVM_ASSERT(e->mode <= SEG_DECLARATIVE && (e->type == 0x70 || e->type == 0x6f));
	SVM_ASSERT(e->mode != SEG_ACTIVE || (e->table < m->ntables && e->offset.type == 0x7f));
	return 0;
}

static int sec_element(dec_t *d)
{
	svm_wasm_module_t *m = d->m;
	TRY(rd_count(d, 1, m->cfg.limits.segments_max, &m->nelems));
	m->elems = alloc(d, m->nelems, sizeof(*m->elems));
	if (!m->elems) return NOMEM(d);
	for (uint32_t i = 0; i < m->nelems; i++) TRY(elem_one(d, &m->elems[i]));
	return 0;
}

static int sec_datacount(dec_t *d)
{
	d->m->has_datacount = true;
	return wr_u32(&d->r, &d->m->datacount);
}

static int sec_code(dec_t *d)
{
	svm_wasm_module_t *m = d->m;
	uint32_t n;
	d->has_code_section = true;
	TRY(rd_count(d, 1, m->cfg.limits.funcs_max, &n));
	if (n != d->nfunc_decl) return wr_fail(&d->r, "function and code section have inconsistent lengths");
	m->codes = alloc(d, n, sizeof(*m->codes));
	if (!m->codes) return NOMEM(d);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t size;
		const uint8_t *body;
		TRY(wr_u32(&d->r, &size));
		if ((size_t)(d->r.end - d->r.p) < size) return wr_fail(&d->r, "unexpected end of section or function");
		TRY(wr_bytes(&d->r, size, &body));
		SVM_ASSERT(body + size <= d->r.end);
		m->codes[i].body = body;
		m->codes[i].body_len = size;
	}
	SVM_ASSERT(n == m->nfuncs - m->nfuncs_imported);
	return 0;
}

static int sec_data(dec_t *d)
{
	svm_wasm_module_t *m = d->m;
	TRY(rd_count(d, 1, m->cfg.limits.segments_max, &m->ndatas));
	if (m->has_datacount && m->datacount != m->ndatas)
		return wr_fail(&d->r, "data count and data section have inconsistent lengths");
	m->datas = alloc(d, m->ndatas, sizeof(*m->datas));
	if (!m->datas) return NOMEM(d);
	for (uint32_t i = 0; i < m->ndatas; i++) {
		wdata_t *s = &m->datas[i];
		uint32_t flags;
		TRY(wr_u32(&d->r, &flags));
		if (flags > 2) return wr_fail(&d->r, "malformed data segment kind");
		s->mode = flags == 1 ? SEG_PASSIVE : SEG_ACTIVE;
		if (flags == 2) TRY(wr_u32(&d->r, &s->mem));
		if (s->mode == SEG_ACTIVE) {
			if (s->mem >= m->nmems) return INVALID(&d->r, "unknown memory %u", s->mem);
			TRY(rd_const(d, 0x7f, &s->offset));
		}
		TRY(wr_u32(&d->r, &s->len));
		if ((size_t)(d->r.end - d->r.p) < s->len) return wr_fail(&d->r, "unexpected end of section or function");
		TRY(wr_bytes(&d->r, s->len, &s->bytes));
		SVM_ASSERT(s->mode == SEG_PASSIVE || (s->mem < m->nmems && s->offset.type == 0x7f));
	}
	return 0;
}

static int sec_custom(dec_t *d)
{
	wname_t name;
	TRY(rd_name(d, &name));
	d->r.p = d->r.end;
	return 0;
}

/* Index spaces after the import section: imported entries first. */
static int size_imports(dec_t *d)
{
	svm_wasm_module_t *m = d->m;
	m->nfuncs = m->nfuncs_imported;
	m->ntables = m->ntables_imported;
	m->nmems = m->nmems_imported;
	m->nglobals = m->nglobals_imported;
	if (m->nfuncs > m->cfg.limits.funcs_max) return LIMIT(&d->r, "too many functions");
	m->func_types = alloc(d, m->nfuncs, sizeof(uint32_t));
	m->func_declared = alloc(d, m->nfuncs, sizeof(bool));
	m->tables = alloc(d, m->ntables, sizeof(wtable_t));
	m->mems = alloc(d, m->nmems, sizeof(wlimits_t));
	m->globals = alloc(d, m->nglobals, sizeof(wglobal_t));
	if (!m->func_types || !m->func_declared || !m->tables || !m->mems || !m->globals) return NOMEM(d);
	uint32_t f = 0, t = 0, me = 0, g = 0;
	for (uint32_t i = 0; i < m->nimports; i++) {
		wimport_t *im = &m->imports[i];
		switch (im->kind) {
		case 0: m->func_types[f++] = im->u.type; break;
		case 1: m->tables[t++] = im->u.table; break;
		case 2: m->mems[me++] = im->u.mem; break;
		case 3: m->globals[g++].type = im->u.global; break;
		}
	}
	SVM_ASSERT(f == m->nfuncs && t == m->ntables && me == m->nmems && g == m->nglobals);
	if (m->nmems > 1) return INVALID(&d->r, "multiple memories");
	if (m->ntables > m->cfg.limits.tables_max) return LIMIT(&d->r, "too many tables");
	return 0;
}

/* Section ids in the order they must appear (datacount, 12, sits between element and code). */
static int order_of(uint8_t id)
{
	static const int8_t order[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
	SVM_ASSERT(id < sizeof(order));
	return order[id];
}

static int section(dec_t *d, uint8_t id)
{
	switch (id) {
	case 0: return sec_custom(d);
	case 1: return sec_type(d);
	case 2: { int rc = sec_import(d); return rc ? rc : size_imports(d); }
	case 3: return sec_function(d);
	case 4: return sec_table(d);
	case 5: return sec_memory(d);
	case 6: return sec_global(d);
	case 7: return sec_export(d);
	case 8: return sec_start(d);
	case 9: return sec_element(d);
	case 10: return sec_code(d);
	case 11: return sec_data(d);
	case 12: return sec_datacount(d);
	}
	return wr_fail(&d->r, "malformed section id");
}

static int sections(dec_t *d)
{
	int last = 0;
	while (d->r.p < d->r.end) {
		uint8_t id;
		uint32_t size;
		TRY(wr_u8(&d->r, &id));
		if (id > 12) return wr_fail(&d->r, "malformed section id");
		TRY(wr_u32(&d->r, &size));
		if ((size_t)(d->r.end - d->r.p) < size) return wr_fail(&d->r, "length out of bounds");
		if (id != 0) {
			if (order_of(id) <= last) return wr_fail(&d->r, "unexpected content after last section");
			last = order_of(id);
		}
		const uint8_t *end = d->r.end;
		d->r.end = d->r.p + size;
		SVM_ASSERT(d->r.end <= end);
		TRY(section(d, id));
		SVM_ASSERT(d->r.p <= d->r.end); /* a section reads only inside its size */
		if (d->r.p != d->r.end) return wr_fail(&d->r, "section size mismatch");
		d->r.end = end;
		if (id == 1 && last < 2 && d->m->func_types == NULL) {
			/* no import section may follow: size index spaces lazily below */
		}
	}
	return 0;
}

int wasm_decode(svm_wasm_module_t *m, svm_error_t *err)
{
	dec_t d = {.r = {m->bytes, m->bytes + m->len, err}, .m = m};
	static const uint8_t magic[4] = {0, 'a', 's', 'm'};
	static const uint8_t version[4] = {1, 0, 0, 0};
	if (m->len < 4 || memcmp(m->bytes, magic, 4) != 0) return wr_fail(&d.r, "magic header not detected");
	if (m->len < 8 || memcmp(m->bytes + 4, version, 4) != 0) return wr_fail(&d.r, "unknown binary version");
	d.r.p += 8;
	TRY(size_imports(&d)); /* empty index spaces, replaced if an import section comes */
	TRY(sections(&d));
	if (d.has_func_section != d.has_code_section && (d.nfunc_decl != 0))
		return wr_fail(&d.r, "function and code section have inconsistent lengths");
	if (d.has_func_section && !d.has_code_section && d.nfunc_decl != 0)
		return wr_fail(&d.r, "function and code section have inconsistent lengths");
	if (m->has_datacount && m->datacount != m->ndatas)
		return wr_fail(&d.r, "data count and data section have inconsistent lengths");
	SVM_ASSERT(d.r.p == d.r.end && d.r.end == m->bytes + m->len);
	SVM_ASSERT(m->nfuncs == m->nfuncs_imported + d.nfunc_decl);
	SVM_ASSERT(m->nmems <= 1 && m->nmems >= m->nmems_imported);
	if (!m->codes) m->codes = alloc(&d, 1, sizeof(*m->codes));
	return m->codes ? 0 : NOMEM(&d);
}

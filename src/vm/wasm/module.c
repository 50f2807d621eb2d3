/* Module lifecycle and introspection: svm_wasm_module_new runs the decoder, then validates
 * and translates every function body; the module is immutable afterwards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/wasm/module.h"

void svm_wasm_limits_default(svm_wasm_limits_t *l)
{
	*l = (svm_wasm_limits_t){
		.module_bytes_max = SVM_WASM_MODULE_BYTES_MAX_DEFAULT,
		.funcs_max = SVM_WASM_FUNCS_MAX_DEFAULT,
		.types_max = SVM_WASM_TYPES_MAX_DEFAULT,
		.imports_max = SVM_WASM_IMPORTS_MAX_DEFAULT,
		.exports_max = SVM_WASM_EXPORTS_MAX_DEFAULT,
		.globals_max = SVM_WASM_GLOBALS_MAX_DEFAULT,
		.segments_max = SVM_WASM_SEGMENTS_MAX_DEFAULT,
		.tables_max = SVM_WASM_TABLES_MAX_DEFAULT,
		.table_elems_max = SVM_WASM_TABLE_ELEMS_MAX_DEFAULT,
		.memory_pages_max = SVM_WASM_MEMORY_PAGES_MAX_DEFAULT,
		.locals_max = SVM_WASM_LOCALS_MAX_DEFAULT,
		.func_stack_max = SVM_WASM_FUNC_STACK_MAX_DEFAULT,
		.call_depth_max = SVM_WASM_CALL_DEPTH_MAX_DEFAULT,
		.stack_slots_max = SVM_WASM_STACK_SLOTS_MAX_DEFAULT,
		.code_bytes_max = SVM_WASM_CODE_BYTES_MAX_DEFAULT,
	};
}

void svm_wasm_config_default(svm_wasm_config_t *c)
{
	svm_wasm_limits_default(&c->limits);
	c->metering = true;
	c->gas_version = SVM_WASM_GAS_LATEST;
}

bool wasm_functype_eq(const svm_wasm_functype_t *a, const svm_wasm_functype_t *b)
{
	return a->param_count == b->param_count && a->result_count == b->result_count &&
	       (a->param_count == 0 || memcmp(a->params, b->params, a->param_count) == 0) &&
	       (a->result_count == 0 || memcmp(a->results, b->results, a->result_count) == 0);
}

void svm_wasm_module_free(svm_wasm_module_t *m)
{
	if (!m) return;
	svm_arena_reset(&m->arena);
	svm_free(m->bytes);
	svm_free(m);
}

static int setup(svm_wasm_module_t *m, const uint8_t *bytes, size_t len, const svm_wasm_config_t *cfg,
		 svm_error_t *err)
{
	if (cfg) m->cfg = *cfg;
	else svm_wasm_config_default(&m->cfg);
	uint32_t v = m->cfg.gas_version ? m->cfg.gas_version : SVM_WASM_GAS_LATEST;
	m->gas = wasm_gas_schedule(v);
	if (!m->gas) return svm_error_set(err, SVM_EINVAL, "unknown gas schedule version %u", v);
	if (!m->cfg.metering) m->gas = &wasm_gas_zero;
	SVM_ASSERT(m->gas == &wasm_gas_zero || m->gas->version == v);
	if (len > m->cfg.limits.module_bytes_max)
		return svm_error_set(err, SVM_ELIMIT, "module of %zu bytes exceeds the limit %u", len,
				     m->cfg.limits.module_bytes_max);
	svm_arena_init(&m->arena, 0);
	m->bytes = svm_malloc(len ? len : 1);
	if (!m->bytes) return svm_error_set(err, SVM_ENOMEM, "out of memory");
	if (len) memcpy(m->bytes, bytes, len);
	m->len = len;
	SVM_ASSERT(m->len <= m->cfg.limits.module_bytes_max);
	return 0;
}

/* A module these limits can never instantiate is refused now, not at every instantiation: a
 * memory (defined, or imported: only a memory at least that large satisfies the import) whose
 * minimum is past memory_pages_max, a table whose minimum is past table_elems_max. */
static int check_minimums(const svm_wasm_module_t *m, svm_error_t *err)
{
	for (uint32_t i = 0; i < m->nmems; i++)
		if (m->mems[i].min > m->cfg.limits.memory_pages_max)
			return svm_error_set(err, SVM_ELIMIT,
					     "memory %u: its minimum of %u pages exceeds the limit of %u "
					     "pages (64 KiB each): it could never be instantiated",
					     i, m->mems[i].min, m->cfg.limits.memory_pages_max);
	for (uint32_t i = 0; i < m->ntables; i++)
		if (m->tables[i].lim.min > m->cfg.limits.table_elems_max)
			return svm_error_set(err, SVM_ELIMIT,
					     "table %u: its minimum of %u entries exceeds the limit of %u: "
					     "it could never be instantiated",
					     i, m->tables[i].lim.min, m->cfg.limits.table_elems_max);
	return 0;
}

int svm_wasm_module_new(svm_wasm_module_t **out, const uint8_t *bytes, size_t len,
			const svm_wasm_config_t *cfg, svm_error_t *err)
{
	*out = NULL;
	svm_wasm_module_t *m = svm_calloc(1, sizeof(*m));
	if (!m) return svm_error_set(err, SVM_ENOMEM, "out of memory");
	int rc = setup(m, bytes, len, cfg, err);
	if (rc == 0) rc = wasm_decode(m, err);
	if (rc == 0) rc = check_minimums(m, err);
	SVM_ASSERT(rc != 0 || (m->codes && m->nfuncs >= m->nfuncs_imported));
	for (uint32_t i = 0; rc == 0 && i < m->nfuncs - m->nfuncs_imported; i++) {
		rc = wasm_compile_func(m, i, err);
		if (rc && err) {
			char msg[SVM_ERROR_MSG_MAX];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			svm_error_set(err, rc, "function %u: %s", m->nfuncs_imported + i, msg);
		}
	}
	if (rc) {
		svm_wasm_module_free(m);
		return rc;
	}
	for (uint32_t i = 0; SVM_ASSERT_ON && i < m->nfuncs - m->nfuncs_imported; i++)
		SVM_ASSERT(m->codes[i].ops && m->codes[i].ncells > 0); /* every body translated */
	*out = m;
	return 0;
}

uint32_t svm_wasm_module_import_count(const svm_wasm_module_t *m)
{
	return m->nimports;
}

uint32_t svm_wasm_module_export_count(const svm_wasm_module_t *m)
{
	return m->nexports;
}

static svm_wasm_functype_t func_type_of(const svm_wasm_module_t *m, uint32_t func)
{
	SVM_ASSERT(func < m->nfuncs && m->func_types[func] < m->ntypes);
	return m->types[m->func_types[func]];
}

int svm_wasm_module_import(const svm_wasm_module_t *m, uint32_t i, svm_wasm_port_t *out)
{
	if (i >= m->nimports) return SVM_EINVAL;
	const wimport_t *im = &m->imports[i];
	memset(out, 0, sizeof(*out));
	out->module = im->module.p;
	out->module_len = im->module.n;
	out->name = im->name.p;
	out->name_len = im->name.n;
	out->kind = (svm_wasm_extern_kind_t)im->kind;
	if (im->kind == SVM_WASM_EXTERN_FUNC) out->func_type = m->types[im->u.type];
	return 0;
}

int svm_wasm_module_export(const svm_wasm_module_t *m, uint32_t i, svm_wasm_port_t *out)
{
	if (i >= m->nexports) return SVM_EINVAL;
	const wexport_t *e = &m->exports[i];
	memset(out, 0, sizeof(*out));
	out->name = e->name.p;
	out->name_len = e->name.n;
	out->kind = (svm_wasm_extern_kind_t)e->kind;
	if (e->kind == SVM_WASM_EXTERN_FUNC) out->func_type = func_type_of(m, e->index);
	return 0;
}

/* Entering the interpreter from C: svm_wasm_call sets up the value stack, the frame stack
 * with a sentinel frame whose return lands on `exit`, and the gas counter, runs, and reports
 * traps. Also the helpers host functions use (gas charge, trap, caller memory). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/wasm/ops.h"

static const cell_t exit_code[1] = {{.fn = wop_exit}};

static int ensure_stacks(svm_wasm_store_t *s)
{
	if (!s->stack) s->stack = svm_calloc(s->limits.stack_slots_max + 1, sizeof(uint64_t));
	if (!s->frames) s->frames = svm_calloc(s->limits.call_depth_max + 2, sizeof(wframe_t));
	return s->stack && s->frames ? 0 : SVM_ENOMEM;
}

static int run_host(svm_wasm_store_t *s, svm_wasm_func_t *f, uint64_t *slots)
{
	struct exec x = {.store = s, .gas = (int64_t)(s->gas_left > INT64_MAX ? INT64_MAX : s->gas_left)};
	x.frames = x.frame = s->frames;
	x.frames_end = s->frames + s->limits.call_depth_max + 1;
	SVM_ASSERT(!s->x && !f->inst && f->host);
	s->x = &x;
	int rc = f->host(NULL, f->user, slots, slots);
	s->x = NULL;
	return rc;
}

static int run(svm_wasm_store_t *s, struct exec *x, svm_wasm_func_t *f)
{
	const wcode_t *c = f->code;
	uint64_t *fp = s->stack;
	if (c->frame_slots > s->limits.stack_slots_max) {
		x->trap = TRAP_STACK;
		return x->code = SVM_ETRAP;
	}
	SVM_ASSERT(c->nparams + c->nlocals <= c->frame_slots && c->nparams == f->type->param_count);
	for (uint32_t i = 0; i < c->nlocals; i++) fp[c->nparams + i] = 0;
	x->frames = x->frame = s->frames;
	x->frames_end = s->frames + s->limits.call_depth_max + 1;
	x->frame->ip = exit_code;
	x->frame->fp = fp;
	x->frame->inst = f->inst;
	x->inst = f->inst;
	x->stack_end = s->stack + s->limits.stack_slots_max;
	svm_wasm_memory_t *m = f->inst->mem;
	SVM_ASSERT(!m || m->bytes == (uint64_t)m->pages * WASM_PAGE);
	return c->ops->fn(c->ops, fp, m ? m->data : NULL, m ? m->bytes : 0, x->gas, x);
}

int wasm_invoke(svm_wasm_store_t *s, svm_wasm_func_t *f, const uint64_t *args, uint64_t *results,
		svm_error_t *err)
{
	if (s->running) return svm_error_set(err, SVM_ESTATE, "store is running a call");
	if (ensure_stacks(s)) return svm_error_set(err, SVM_ENOMEM, "out of memory");
	const svm_wasm_functype_t *t = f->type;
	SVM_ASSERT(t->param_count <= s->limits.stack_slots_max && t->result_count <= s->limits.stack_slots_max);
	if (t->param_count) memcpy(s->stack, args, t->param_count * sizeof(uint64_t));
	uint64_t above = s->gas_left > INT64_MAX ? s->gas_left - INT64_MAX : 0;
	struct exec x = {.store = s, .gas = (int64_t)(s->gas_left - above)};
	s->running = true;
	s->host_err_set = false;
	int rc;
	if (f->code) {
		s->x = &x;
		rc = run(s, &x, f);
		s->x = NULL;
	} else {
		rc = run_host(s, f, s->stack);
		x.gas = (int64_t)(s->gas_left - above); /* a direct host call charges nothing */
	}
	s->running = false;
	SVM_ASSERT(!s->x && x.gas >= 0 && (uint64_t)x.gas + above <= s->gas_left); /* never refunds */
	s->gas_left = (uint64_t)x.gas + above;
	if (rc == SVM_EGAS) s->gas_left = 0;
	if (rc) {
		const char *msg = s->host_err_set ? s->host_err.msg : x.trap ? x.trap : svm_strerror(rc);
		return svm_error_set(err, rc, "%s", msg);
	}
	if (results && t->result_count) memcpy(results, s->stack, t->result_count * sizeof(uint64_t));
	return 0;
}

int svm_wasm_call(svm_wasm_store_t *s, svm_wasm_func_t *f, const uint64_t *args, size_t nargs,
		  uint64_t *results, size_t nresults, svm_error_t *err)
{
	if (!f) return svm_error_set(err, SVM_EINVAL, "no function");
	if (nargs != f->type->param_count || nresults != f->type->result_count)
		return svm_error_set(err, SVM_EINVAL, "function takes %u args and returns %u results",
				     f->type->param_count, f->type->result_count);
	if (f->inst && f->inst->store != s) return svm_error_set(err, SVM_EINVAL, "function of another store");
	if ((size_t)nargs > s->limits.stack_slots_max || nresults > s->limits.stack_slots_max)
		return svm_error_set(err, SVM_ELIMIT, "too many values");
	return wasm_invoke(s, f, args, results, err);
}

int svm_wasm_call_export(svm_wasm_instance_t *inst, const char *name, const uint64_t *args,
			 size_t nargs, uint64_t *results, size_t nresults, svm_error_t *err)
{
	svm_wasm_func_t *f = svm_wasm_export_func(inst, name);
	if (!f) return svm_error_set(err, SVM_ENOTFOUND, "no exported function %s", name);
	return svm_wasm_call(inst->store, f, args, nargs, results, nresults, err);
}

/* ------------------------------------------------------ host function helpers */

int svm_wasm_gas_charge(svm_wasm_instance_t *inst, uint64_t gas)
{
	if (!inst || !inst->store->x) return SVM_EINVAL;
	struct exec *x = inst->store->x;
	if ((uint64_t)x->gas < gas) {
		x->gas = 0;
		x->trap = TRAP_GAS;
		return SVM_EGAS;
	}
	x->gas -= (int64_t)gas;
	SVM_ASSERT(x->gas >= 0);
	return 0;
}

int svm_wasm_trap(svm_wasm_instance_t *inst, int code, const char *fmt, ...)
{
	if (!inst) return code;
	svm_wasm_store_t *s = inst->store;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->host_err.msg, sizeof(s->host_err.msg), fmt, ap);
	va_end(ap);
	SVM_ASSERT(code < 0); /* a trap carries one of our error codes */
	s->host_err.code = code;
	s->host_err_set = true;
	return code;
}

svm_wasm_memory_t *svm_wasm_caller_memory(svm_wasm_instance_t *inst)
{
	return inst ? inst->mem : NULL;
}

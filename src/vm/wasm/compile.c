/* The function translator: one pass over a function body that validates each instruction
 * (validate.c) and emits register-style code on frame slots (emit.c). See compile.h for the
 * model. Local writes fuse into the instruction that produced the value; i32 compares fuse
 * into the conditional branch that consumes them; constants fold into immediate operands. */
#include <stdlib.h>
#include <string.h>

#include "vm/wasm/compile.h"

#define MALFORMED(c, msg) svm_error_set((c)->err, SVM_EDECODE, "%s", msg)

static const uint8_t T_I32[1] = {SVM_WASM_I32};
static const uint8_t VT[] = {0x7f, 0x7e, 0x7d, 0x7c, 0x70, 0x6f};

static const uint8_t *one_type(uint8_t t)
{
	for (unsigned i = 0; i < sizeof(VT); i++)
		if (VT[i] == t) return &VT[i];
	return NULL;
}

static bool is_num(uint8_t t)
{
	return t == 0x7f || t == 0x7e || t == 0x7d || t == 0x7c || t == T_UNKNOWN;
}
static bool is_ref(uint8_t t)
{
	return t == 0x70 || t == 0x6f || t == T_UNKNOWN;
}

static bool fits_imm(uint8_t type, uint64_t k)
{
	if (type == SVM_WASM_I32) return true;
	return (int64_t)k == (int64_t)(int32_t)k;
}

static uint32_t pc_of(cc_t *c, const cell_t *p)
{
	SVM_ASSERT(c->oom || (p >= c->code && p < c->code + c->pc)); /* an emitted instruction */
	return (uint32_t)(p - c->code);
}

/* Emits an instruction writing the top of the stack after popping nin entries. */
static cell_t *emit_value(cc_t *c, uint32_t ncells, op_fn fn, uint8_t wasm_op, bool imm)
{
	cell_t *p = cc_emit(c, ncells, fn);
	if (!c->oom) cc_produced(c, pc_of(c, p), wasm_op, imm);
	return p;
}

static int block_type(cc_t *c, svm_wasm_functype_t *bt)
{
	int64_t v;
	memset(bt, 0, sizeof(*bt));
	if (c->r.p < c->r.end && *c->r.p == 0x40) {
		c->r.p++;
		return 0;
	}
	if (c->r.p < c->r.end && one_type(*c->r.p)) {
		bt->result_count = 1;
		bt->results = one_type(*c->r.p++);
		return 0;
	}
	CC_TRY(wr_sleb(&c->r, 33, &v));
	if (v < 0) return MALFORMED(c, "malformed block type");
	if ((uint64_t)v >= c->m->ntypes) return cc_invalid(c, "unknown type");
	*bt = c->m->types[v];
	SVM_ASSERT(bt->param_count == 0 || bt->params != NULL);
	SVM_ASSERT(bt->result_count == 0 || bt->results != NULL);
	return 0;
}

/* ------------------------------------------------------------- control */

/* Emits a branch on entry `i` (just popped: index c->vn) taken when it is true (when_true) or
 * false. Fuses with the compare that produced it when that compare was the last instruction.
 * Returns the branch's pc and where its offset lives, for fixups. */
/* The compare that is true exactly when 0x46 + i is false. */
static const uint8_t INVERSE[10] = {0x47, 0x46, 0x4e, 0x4f, 0x4c, 0x4d, 0x4a, 0x4b, 0x48, 0x49};

static int cond_branch(cc_t *c, bool when_true, uint32_t *pc, uint32_t *cell, uint8_t *wide)
{
	_Static_assert(sizeof INVERSE == 0x4f - 0x46 + 1, "one inverse per i32 compare");
	SVM_ASSERT(c->vn < c->vmax); /* the condition was just popped: its entry is still there */
	vent_t *e = &c->vs[c->vn];
	if (c->last_pc >= 0 && !c->oom && e->kind == K_SLOT && c->last_op >= 0x45 && c->last_op <= 0x4f &&
	    c->code[c->last_pc + 1].s.a == cc_home(c, c->vn)) {
		cell_t *p = &c->code[c->last_pc];
		uint8_t op = c->last_op;
		*pc = (uint32_t)c->last_pc;
		c->last_pc = -1;
		if (op == 0x45) {
			uint16_t src = p[1].s.b;
			p[0].fn = when_true ? wop_br_z : wop_br_nz;
			p[1].r.a = src;
			p[1].r.b = 0;
			*cell = *pc + 1;
			*wide = 0;
			return 0;
		}
		SVM_ASSERT(op >= 0x46 && op <= 0x4f);
		SVM_ASSERT(INVERSE[INVERSE[op - 0x46] - 0x46] == op); /* inverting twice is the identity */
		if (!when_true) op = INVERSE[op - 0x46];
		if (!c->last_imm && p[0].fn == wasm_numop[c->last_op]) {
			uint16_t a = p[1].s.b, b = p[1].s.c;
			p[0].fn = wasm_brcmp[op];
			p[1].r.a = a;
			p[1].r.b = b;
			*cell = *pc + 1;
			*wide = 0;
			return 0;
		}
		uint16_t a = p[1].r.b;
		uint32_t k = p[1].r.k;
		cc_emit(c, 1, wop_unreachable); /* becomes the offset cell */
		if (c->oom) return 0;
		SVM_ASSERT(*pc + 3 == c->pc); /* the compare (two cells) was last: this is its third */
		p = &c->code[*pc];
		p[0].fn = wasm_brcmp_imm[op];
		p[1].r.a = a;
		p[1].r.b = 0;
		p[1].r.k = k;
		*cell = *pc + 2;
		*wide = 1;
		return 0;
	}
	uint16_t s;
	c->vn++;
	CC_TRY(cc_slot(c, c->vn - 1, &s));
	c->vn--;
	cell_t *p = cc_emit(c, 2, when_true ? wop_br_nz : wop_br_z);
	p[1].r.a = s;
	*pc = pc_of(c, p);
	*cell = *pc + 1;
	*wide = 0;
	return 0;
}

static int op_block(cc_t *c, uint8_t op)
{
	svm_wasm_functype_t bt;
	CC_TRY(block_type(c, &bt));
	if (op == 0x04) CC_TRY(cc_pop(c, SVM_WASM_I32, NULL));
	CC_TRY(cc_peek_types(c, bt.params, bt.param_count));
	uint32_t have = c->vn - cc_top(c)->height;
	if (have < bt.param_count) { /* unreachable code: supply the missing params */
		c->vn -= have;
		for (uint32_t i = 0; i < bt.param_count; i++) CC_TRY(cc_push(c, bt.params[i]));
	}
	uint32_t else_pc = 0, else_cell = 0;
	uint8_t else_wide = 0;
	bool has_else = false;
	if (cc_live(c)) {
		CC_TRY(cc_materialize_all(c));
		if (op == 0x04) {
			CC_TRY(cond_branch(c, false, &else_pc, &else_cell, &else_wide));
			has_else = true;
		}
	}
	if (op == 0x03 || op == 0x04) {
		CC_TRY(cc_gas_close(c));
		cc_gas_open(c);
	}
	CC_TRY(cc_ctl_push(c, op, &bt));
	ctl_t *f = cc_top(c);
	SVM_ASSERT(!has_else || !f->dead); /* a branch to the else arm was emitted: live code */
	f->loop_pc = c->pc;
	if (has_else) {
		f->else_pc = (int32_t)else_pc;
		f->else_cell = else_cell;
		f->else_wide = else_wide;
	}
	return 0;
}

static int op_else(cc_t *c)
{
	ctl_t *f = cc_top(c);
	if (f->op != 0x04) return cc_invalid(c, "else without if");
	CC_TRY(cc_check_end(c));
	if (cc_live(c)) {
		for (uint32_t i = f->height; i < c->vn; i++) CC_TRY(cc_materialize(c, i));
		CC_TRY(cc_branch(c, f));
	}
	CC_TRY(cc_gas_close(c));
	if (f->else_pc >= 0) cc_patch(c, (uint32_t)f->else_pc, f->else_cell, f->else_wide, c->pc);
	f->else_pc = -1;
	f->op = 0x05;
	SVM_ASSERT(c->vn >= f->height);
	c->vn = f->height;
	f->unreachable = false;
	for (uint32_t i = 0; i < f->bt.param_count; i++) CC_TRY(cc_push(c, f->bt.params[i]));
	SVM_ASSERT(c->vn == f->height + f->bt.param_count); /* the else arm starts from the params */
	cc_gas_open(c);
	return 0;
}

static int op_end(cc_t *c)
{
	ctl_t *f = cc_top(c);
	CC_TRY(cc_check_end(c));
	if (f->op == 0x04) {
		/* an if without else passes its params through */
		const svm_wasm_functype_t *t = &f->bt;
		if (t->param_count != t->result_count ||
		    (t->param_count && memcmp(t->params, t->results, t->param_count) != 0))
			return cc_invalid(c, "type mismatch");
	}
	if (cc_live(c)) {
		if (f->op == 0) {
			while (c->vn - f->height < f->bt.result_count) CC_TRY(cc_push(c, T_UNKNOWN));
			CC_TRY(cc_emit_return(c));
		} else {
			for (uint32_t i = f->height; i < c->vn; i++) CC_TRY(cc_materialize(c, i));
		}
	}
	CC_TRY(cc_gas_close(c));
	SVM_ASSERT(f->else_pc < 0 || f->op == 0x04); /* only an if without else has it pending */
	if (f->else_pc >= 0) cc_patch(c, (uint32_t)f->else_pc, f->else_cell, f->else_wide, c->pc);
	cc_bind(c, f);
	SVM_ASSERT(f->fix == -1 && c->vn >= f->height); /* every branch to its end patched */
	c->vn = f->height;
	svm_wasm_functype_t bt = f->bt;
	uint32_t height = f->height;
	c->cn--;
	if (c->cn == 0) return 0;
	SVM_ASSERT(height >= cc_top(c)->height); /* a block's frame sits inside its parent's */
	for (uint32_t i = 0; i < bt.result_count; i++) CC_TRY(cc_push(c, bt.results[i]));
	SVM_ASSERT(c->vn == height + bt.result_count); /* the block leaves exactly its results */
	cc_gas_open(c);
	return 0;
}

/* Moves the label's values into place and branches. */
static int branch_to(cc_t *c, ctl_t *l)
{
	const uint8_t *t;
	uint32_t n;
	cc_label_types(l, &t, &n);
	if (l == &c->cs[0] && l->op == 0) return cc_emit_return(c);
	SVM_ASSERT(l >= c->cs && l < c->cs + c->cn && n <= c->vn);
	uint16_t base = cc_home(c, l->height);
	CC_TRY(cc_move_top(c, n, base));
	return cc_branch(c, l);
}

static int op_br(cc_t *c)
{
	uint32_t depth;
	ctl_t *l;
	const uint8_t *t;
	uint32_t n;
	CC_TRY(wr_u32(&c->r, &depth));
	CC_TRY(cc_label(c, depth, &l));
	cc_label_types(l, &t, &n);
	CC_TRY(cc_peek_types(c, t, n));
	if (cc_live(c)) CC_TRY(branch_to(c, l));
	cc_set_unreachable(c);
	return 0;
}

/* Whether branching to l needs no copies: its values already sit in its slots. */
static bool in_place(cc_t *c, ctl_t *l, uint32_t n)
{
	if (l == &c->cs[0] && l->op == 0) return false;
	if (l->height + n != c->vn) return false;
	for (uint32_t i = 0; i < n; i++)
		if (c->vs[c->vn - 1 - i].kind != K_SLOT) return false;
	return true;
}

static int op_br_if(cc_t *c)
{
	uint32_t depth, n;
	ctl_t *l;
	const uint8_t *t;
	CC_TRY(wr_u32(&c->r, &depth));
	CC_TRY(cc_pop(c, SVM_WASM_I32, NULL));
	CC_TRY(cc_label(c, depth, &l));
	cc_label_types(l, &t, &n);
	CC_TRY(cc_peek_types(c, t, n));
	ctl_t *f = cc_top(c);
	if (!cc_live(c)) {
		if (c->vn - f->height < n) { /* the values now have the label's types */
			c->vn = f->height;
			for (uint32_t i = 0; i < n; i++) CC_TRY(cc_push(c, t[i]));
		}
		SVM_ASSERT(c->vn >= f->height + n);
		return 0;
	}
	uint32_t pc, cell;
	uint8_t wide;
	/* values move only on the taken path, so they must not be deferred (materializing
	 * inside the conditional code would leave the fallthrough path without them) */
	SVM_ASSERT(c->vn >= f->height + n); /* peek_types found them above the frame */
	for (uint32_t i = c->vn - n; i < c->vn; i++)
		if (c->vs[i].kind != K_SLOT) CC_TRY(cc_materialize(c, i));
	if (in_place(c, l, n)) {
		CC_TRY(cond_branch(c, true, &pc, &cell, &wide));
		return cc_fixup(c, l, pc, cell, wide);
	}
	CC_TRY(cond_branch(c, false, &pc, &cell, &wide));
	CC_TRY(branch_to(c, l));
	cc_patch(c, pc, cell, wide, c->pc);
	c->last_pc = -1;
	return 0;
}

static int op_br_table(cc_t *c)
{
	uint32_t count;
	vent_t idx;
	CC_TRY(wr_u32(&c->r, &count));
	if ((uint64_t)count * 1 > (uint64_t)(c->r.end - c->r.p)) return MALFORMED(c, "unexpected end");
	uint32_t *depths = svm_malloc(((size_t)count + 1) * sizeof(uint32_t));
	if (!depths) return svm_error_set(c->err, SVM_ENOMEM, "out of memory");
	int rc = 0;
	for (uint32_t i = 0; i <= count && rc == 0; i++) rc = wr_u32(&c->r, &depths[i]);
	if (rc == 0) rc = cc_pop(c, SVM_WASM_I32, &idx);
	ctl_t *l;
	const uint8_t *t;
	uint32_t n = 0, arity = 0;
	for (uint32_t i = 0; i <= count && rc == 0; i++) {
		if ((rc = cc_label(c, depths[i], &l))) break;
		cc_label_types(l, &t, &n);
		if (i == 0) arity = n;
		else if (n != arity) rc = cc_invalid(c, "type mismatch");
		if (rc == 0) rc = cc_peek_types(c, t, n);
	}
	if (rc == 0 && cc_live(c)) {
		uint16_t s;
		for (uint32_t i = c->vn - arity; i < c->vn && rc == 0; i++) rc = cc_materialize(c, i);
		c->vn++;
		rc = cc_slot(c, c->vn - 1, &s);
		c->vn--;
		cell_t *p = cc_emit(c, 2 + count + 1, wop_br_table);
		uint32_t pc = pc_of(c, p);
		SVM_ASSERT(c->oom || pc + 2 + count + 1 == c->pc); /* one target cell per depth */
		SVM_ASSERT(c->vn >= arity);
		p[1].r.a = s;
		p[1].r.k = count;
		for (uint32_t i = 0; i <= count && rc == 0; i++) {
			cc_label(c, depths[i], &l);
			if (in_place(c, l, arity)) {
				rc = cc_fixup(c, l, pc, pc + 2 + i, 1);
				continue;
			}
			cc_patch(c, pc, pc + 2 + i, 1, c->pc); /* a stub: move values, then branch */
			rc = branch_to(c, l);
		}
	}
	svm_free(depths);
	if (rc == 0) cc_set_unreachable(c);
	return rc;
}

static int op_return(cc_t *c)
{
	CC_TRY(cc_peek_types(c, c->ft->results, c->ft->result_count));
	if (cc_live(c)) CC_TRY(cc_emit_return(c));
	cc_set_unreachable(c);
	return 0;
}

/* Args are the top param_count entries; they become the callee's frame start. */
static int call_common(cc_t *c, const svm_wasm_functype_t *t, uint16_t *base)
{
	CC_TRY(cc_pop_types(c, t->params, t->param_count));
	/* the arguments were just popped: their entries (the callee's frame start) are still held
	 * (in dead code the pops are polymorphic: nothing was held, and nothing is emitted) */
	SVM_ASSERT(!cc_live(c) || c->vn + t->param_count <= c->vmax);
	if (cc_live(c))
		for (uint32_t i = c->vn; i < c->vn + t->param_count; i++) CC_TRY(cc_materialize(c, i));
	for (uint32_t i = c->vn; SVM_ASSERT_ON && cc_live(c) && i < c->vn + t->param_count; i++)
		SVM_ASSERT(c->vs[i].kind == K_SLOT); /* the callee's frame starts with the arguments */
	*base = cc_home(c, c->vn);
	return 0;
}

static int call_results(cc_t *c, const svm_wasm_functype_t *t)
{
	for (uint32_t i = 0; i < t->result_count; i++) CC_TRY(cc_push(c, t->results[i]));
	return 0;
}

static int op_call(cc_t *c)
{
	uint32_t f;
	uint16_t base;
	CC_TRY(wr_u32(&c->r, &f));
	if (f >= c->m->nfuncs) return cc_invalid(c, "unknown function");
	SVM_ASSERT(c->m->func_types[f] < c->m->ntypes); /* the function section was validated */
	const svm_wasm_functype_t *t = &c->m->types[c->m->func_types[f]];
	CC_TRY(call_common(c, t, &base));
	if (cc_live(c)) {
		cell_t *p = cc_emit(c, 2, wop_call);
		p[1].r.a = base;
		p[1].r.k = f;
	}
	return call_results(c, t);
}

static int op_call_indirect(cc_t *c)
{
	uint32_t ti, tab;
	uint16_t base, s = 0;
	vent_t idx;
	CC_TRY(wr_u32(&c->r, &ti));
	CC_TRY(wr_u32(&c->r, &tab));
	if (tab >= c->m->ntables) return cc_invalid(c, "unknown table");
	if (ti >= c->m->ntypes) return cc_invalid(c, "unknown type");
	if (c->m->tables[tab].elem != SVM_WASM_FUNCREF) return cc_invalid(c, "type mismatch");
	const svm_wasm_functype_t *t = &c->m->types[ti];
	CC_TRY(cc_pop(c, SVM_WASM_I32, &idx));
	if (cc_live(c)) {
		c->vn++;
		CC_TRY(cc_slot(c, c->vn - 1, &s));
		c->vn--;
	}
	CC_TRY(call_common(c, t, &base));
	if (cc_live(c)) {
		cell_t *p = cc_emit(c, 3, wop_call_indirect);
		p[1].r.a = base;
		p[1].r.b = s;
		p[1].r.k = ti;
		p[2].w.lo = (int32_t)tab;
	}
	return call_results(c, t);
}

/* ------------------------------------------------------ locals, globals */

static int op_local(cc_t *c, uint8_t op)
{
	uint32_t x;
	CC_TRY(wr_u32(&c->r, &x));
	if (x >= c->nl) return cc_invalid(c, "unknown local");
	SVM_ASSERT(x < WASM_FRAME_SLOTS_MAX); /* nl is bounded before the body: a 16-bit slot */
	uint8_t t = c->ltypes[x];
	if (op == 0x20) {
		vent_t e = {t, K_LOCAL, (uint16_t)x, 0};
		if (!cc_live(c)) e.kind = K_SLOT;
		return cc_push_ent(c, e);
	}
	vent_t e;
	CC_TRY(cc_pop(c, t, &e));
	if (cc_live(c)) {
		uint32_t i = c->vn;
		uint32_t pc0 = c->pc;
		if (e.kind == K_SLOT && c->last_pc >= 0 && !c->oom &&
		    c->code[c->last_pc + 1].s.a == cc_home(c, i)) {
			CC_TRY(cc_materialize_local_keep_last(c, (uint16_t)x));
			c->code[c->last_pc + 1].s.a = (uint16_t)x; /* fuse the write */
			pc0 = (uint32_t)c->last_pc;
		} else {
			CC_TRY(cc_materialize_local(c, (uint16_t)x));
			CC_TRY(cc_write_ent(c, (uint16_t)x, i));
		}
		c->last_pc = -1;
		/* an i32.add just written to x may take a following load of x (emit_load) */
		if (!c->oom && c->pc >= pc0 + 2 && c->code[c->pc - 1].s.a == x &&
		    (c->code[c->pc - 2].fn == wasm_numop[0x6a] || c->code[c->pc - 2].fn == wasm_numop_imm[0x6a])) {
			c->tee_pc = (int32_t)(c->pc - 2);
			c->tee_local = (uint16_t)x;
		}
	}
	if (op == 0x22) {
		vent_t n = {t, cc_live(c) ? K_LOCAL : K_SLOT, (uint16_t)x, 0};
		return cc_push_ent(c, n);
	}
	return 0;
}

static int op_global(cc_t *c, uint8_t op)
{
	uint32_t g;
	CC_TRY(wr_u32(&c->r, &g));
	if (g >= c->m->nglobals) return cc_invalid(c, "unknown global");
	const wglobaltype_t *gt = &c->m->globals[g].type;
	if (op == 0x23) {
		if (cc_live(c)) {
			cell_t *p = emit_value(c, 2, wop_global_get, op, false);
			p[1].r.a = cc_home(c, c->vn);
			p[1].r.k = g;
		}
		return cc_push(c, gt->type);
	}
	if (!gt->mut) return cc_invalid(c, "global is immutable");
	CC_TRY(cc_pop(c, gt->type, NULL));
	if (cc_live(c)) {
		uint16_t s;
		c->vn++;
		CC_TRY(cc_slot(c, c->vn - 1, &s));
		c->vn--;
		cell_t *p = cc_emit(c, 2, wop_global_set);
		p[1].r.a = s;
		p[1].r.k = g;
	}
	return 0;
}

/* ------------------------------------------------------------- memory */

static const struct {
	uint8_t type, log2;
	op_fn fn;
} MEMOPS[] = {
	[0x28 - 0x28] = {0x7f, 2, wop_ld32},   [0x29 - 0x28] = {0x7e, 3, wop_ld64},
	[0x2a - 0x28] = {0x7d, 2, wop_ld32},   [0x2b - 0x28] = {0x7c, 3, wop_ld64},
	[0x2c - 0x28] = {0x7f, 0, wop_ld8s32}, [0x2d - 0x28] = {0x7f, 0, wop_ld8u},
	[0x2e - 0x28] = {0x7f, 1, wop_ld16s32}, [0x2f - 0x28] = {0x7f, 1, wop_ld16u},
	[0x30 - 0x28] = {0x7e, 0, wop_ld8s64}, [0x31 - 0x28] = {0x7e, 0, wop_ld8u},
	[0x32 - 0x28] = {0x7e, 1, wop_ld16s64}, [0x33 - 0x28] = {0x7e, 1, wop_ld16u},
	[0x34 - 0x28] = {0x7e, 2, wop_ld32s64}, [0x35 - 0x28] = {0x7e, 2, wop_ld32},
	[0x36 - 0x28] = {0x7f, 2, wop_st32},   [0x37 - 0x28] = {0x7e, 3, wop_st64},
	[0x38 - 0x28] = {0x7d, 2, wop_st32},   [0x39 - 0x28] = {0x7c, 3, wop_st64},
	[0x3a - 0x28] = {0x7f, 0, wop_st8},    [0x3b - 0x28] = {0x7f, 1, wop_st16},
	[0x3c - 0x28] = {0x7e, 0, wop_st8},    [0x3d - 0x28] = {0x7e, 1, wop_st16},
	[0x3e - 0x28] = {0x7e, 2, wop_st32},
};
_Static_assert(sizeof MEMOPS / sizeof MEMOPS[0] == 0x3e - 0x28 + 1, "every load and store has its entry");

static const op_fn LOAD_AI[14] = {
	wop_ld32_ai, wop_ld64_ai, wop_ld32_ai, wop_ld64_ai, wop_ld8s32_ai, wop_ld8u_ai, wop_ld16s32_ai,
	wop_ld16u_ai, wop_ld8s64_ai, wop_ld8u_ai, wop_ld16s64_ai, wop_ld16u_ai, wop_ld32s64_ai, wop_ld32_ai,
};
static const op_fn LOAD_K[14] = {
	wop_ld32_k, wop_ld64_k, wop_ld32_k, wop_ld64_k, wop_ld8s32_k, wop_ld8u_k, wop_ld16s32_k,
	wop_ld16u_k, wop_ld8s64_k, wop_ld8u_k, wop_ld16s64_k, wop_ld16u_k, wop_ld32s64_k, wop_ld32_k,
};
static const op_fn LOAD_RRT[14] = {
	wop_ld32_rrt, wop_ld64_rrt, wop_ld32_rrt, wop_ld64_rrt, wop_ld8s32_rrt, wop_ld8u_rrt, wop_ld16s32_rrt,
	wop_ld16u_rrt, wop_ld8s64_rrt, wop_ld8u_rrt, wop_ld16s64_rrt, wop_ld16u_rrt, wop_ld32s64_rrt, wop_ld32_rrt,
};
static const op_fn LOAD_RIT[14] = {
	wop_ld32_rit, wop_ld64_rit, wop_ld32_rit, wop_ld64_rit, wop_ld8s32_rit, wop_ld8u_rit, wop_ld16s32_rit,
	wop_ld16u_rit, wop_ld8s64_rit, wop_ld8u_rit, wop_ld16s64_rit, wop_ld16u_rit, wop_ld32s64_rit, wop_ld32_rit,
};
_Static_assert(sizeof LOAD_AI == sizeof LOAD_K && sizeof LOAD_K == sizeof LOAD_RRT &&
		       sizeof LOAD_RRT == sizeof LOAD_RIT && sizeof LOAD_AI / sizeof LOAD_AI[0] == 0x35 - 0x28 + 1,
	       "every load (0x28..0x35) has each of its forms");
/* Stores by log2 of their width, in the forms plain, _i, _ai, _ai_i, _k, _k_i (see interp.c). */
static const op_fn STORE_FORMS[4][6] = {
	{wop_st8, wop_st8_i, wop_st8_ai, wop_st8_ai_i, wop_st8_k, wop_st8_k_i},
	{wop_st16, wop_st16_i, wop_st16_ai, wop_st16_ai_i, wop_st16_k, wop_st16_k_i},
	{wop_st32, wop_st32_i, wop_st32_ai, wop_st32_ai_i, wop_st32_k, wop_st32_k_i},
	{wop_st64, wop_st64_i, wop_st64_ai, wop_st64_ai_i, wop_st64_k, wop_st64_k_i},
};

/* A constant address plus offset that fits the 32-bit immediate of the _k forms. */
static bool const_addr(const vent_t *e, uint32_t off, uint32_t *ea)
{
	uint64_t a = (uint64_t)(uint32_t)e->k + off;
	if (e->kind != K_CONST || a > UINT32_MAX) return false;
	*ea = (uint32_t)a;
	return true;
}

/* Emits a load of entry c->vn's address (just popped) into its home. */
static int emit_load(cc_t *c, uint8_t op, uint32_t off)
{
	SVM_ASSERT(op >= 0x28 && op <= 0x35 && c->vn < c->vmax); /* a load; its address popped */
	vent_t *e = &c->vs[c->vn];
	SVM_ASSERT(e->type == SVM_WASM_I32 || e->type == T_UNKNOWN);
	uint16_t dst = cc_home(c, c->vn);
	uint32_t ea;
	if (e->kind == K_LOCAL && c->tee_pc >= 0 && c->tee_local == e->local && !c->oom) {
		uint32_t at = (uint32_t)c->tee_pc;
		cell_t add = c->code[at + 1];
		bool imm = c->code[at].fn == wasm_numop_imm[0x6a];
		SVM_ASSERT(imm || c->code[at].fn == wasm_numop[0x6a]); /* tee_pc names an i32.add */
		cc_emit(c, 1, wop_unreachable); /* the third cell */
		if (c->oom) return 0;
		/* the add is the last instruction: its cell follows it (no gas block opened between) */
		SVM_ASSERT(at + 3 == c->pc);
		cell_t *p = &c->code[at];
		p[0].fn = imm ? LOAD_RIT[op - 0x28] : LOAD_RRT[op - 0x28];
		p[1].s.a = dst;
		p[1].s.b = imm ? add.r.b : add.s.b;
		p[1].s.c = imm ? 0 : add.s.c;
		p[1].s.d = e->local;
		p[2].w.lo = (int32_t)off;
		p[2].w.hi = imm ? (int32_t)add.r.k : 0;
		cc_produced(c, at, op, false);
		return 0;
	}
	if (e->kind == K_ADDK) {
		/* a deferred add's base is a local or the entry's own home (add_const) */
		SVM_ASSERT(e->local < c->nl || e->local == cc_home(c, c->vn));
		cell_t *p = emit_value(c, 3, LOAD_AI[op - 0x28], op, false);
		p[1].r.a = dst;
		p[1].r.b = e->local;
		p[1].r.k = (uint32_t)e->k;
		p[2].w.lo = (int32_t)off;
		return 0;
	}
	if (const_addr(e, off, &ea)) {
		cell_t *p = emit_value(c, 2, LOAD_K[op - 0x28], op, false);
		p[1].r.a = dst;
		p[1].r.k = ea;
		return 0;
	}
	uint16_t a;
	c->vn++;
	CC_TRY(cc_slot(c, c->vn - 1, &a));
	c->vn--;
	cell_t *p = emit_value(c, 2, MEMOPS[op - 0x28].fn, op, false);
	p[1].r.a = dst;
	p[1].r.b = a;
	p[1].r.k = off;
	return 0;
}

/* Emits a store of entry c->vn + 1 to the address in entry c->vn (both just popped). The
 * address folds a deferred add of a constant or a constant; the value may be an immediate. */
static int emit_store(cc_t *c, uint8_t op, uint32_t off)
{
	SVM_ASSERT(op >= 0x36 && op <= 0x3e && c->vn + 1 < c->vmax); /* a store; both popped */
	vent_t *ea = &c->vs[c->vn], *ev = &c->vs[c->vn + 1];
	SVM_ASSERT(ea->type == SVM_WASM_I32 || ea->type == T_UNKNOWN);
	SVM_ASSERT(MEMOPS[op - 0x28].log2 <= 3); /* a row of STORE_FORMS */
	const op_fn *forms = STORE_FORMS[MEMOPS[op - 0x28].log2];
	bool imm = ev->kind == K_CONST && (MEMOPS[op - 0x28].log2 < 3 || fits_imm(SVM_WASM_I64, ev->k));
	uint16_t v = 0, a = 0;
	uint32_t k;
	if (!imm) {
		c->vn += 2;
		CC_TRY(cc_slot(c, c->vn - 1, &v));
		c->vn -= 2;
	}
	if (ea->kind == K_ADDK) {
		SVM_ASSERT(ea->local < c->nl || ea->local == cc_home(c, c->vn));
		cell_t *p = cc_emit(c, 3, forms[2 + imm]);
		p[1].r.a = ea->local;
		p[1].r.b = v;
		p[1].r.k = (uint32_t)ea->k;
		p[2].w.lo = (int32_t)off;
		p[2].w.hi = (int32_t)ev->k;
		return 0;
	}
	if (const_addr(ea, off, &k)) {
		cell_t *p = cc_emit(c, 2 + imm, forms[4 + imm]);
		p[1].r.b = v;
		p[1].r.k = k;
		if (imm) p[2].w.lo = (int32_t)ev->k;
		return 0;
	}
	c->vn++;
	CC_TRY(cc_slot(c, c->vn - 1, &a));
	c->vn--;
	cell_t *p = cc_emit(c, 2 + imm, forms[imm]);
	p[1].r.a = a;
	p[1].r.b = v;
	p[1].r.k = off;
	if (imm) p[2].w.lo = (int32_t)ev->k;
	return 0;
}

static int need_memory(cc_t *c)
{
	return c->m->nmems ? 0 : cc_invalid(c, "unknown memory 0");
}

static int op_mem(cc_t *c, uint8_t op)
{
	uint32_t align, off;
	CC_TRY(wr_u32(&c->r, &align));
	CC_TRY(wr_u32(&c->r, &off));
	CC_TRY(need_memory(c));
	uint8_t t = MEMOPS[op - 0x28].type;
	if (align > MEMOPS[op - 0x28].log2) return cc_invalid(c, "alignment must not be larger than natural");
	if (op <= 0x35) {
		CC_TRY(cc_pop(c, SVM_WASM_I32, NULL));
		if (cc_live(c)) CC_TRY(emit_load(c, op, off));
		return cc_push(c, t);
	}
	CC_TRY(cc_pop(c, t, NULL));
	CC_TRY(cc_pop(c, SVM_WASM_I32, NULL));
	if (cc_live(c)) CC_TRY(emit_store(c, op, off));
	return 0;
}

static int zero_byte(cc_t *c)
{
	uint8_t b;
	CC_TRY(wr_u8(&c->r, &b));
	return b == 0 ? 0 : MALFORMED(c, "zero byte expected");
}

static int op_memsize(cc_t *c, uint8_t op)
{
	CC_TRY(zero_byte(c));
	CC_TRY(need_memory(c));
	uint16_t a = 0;
	if (op == 0x40) {
		CC_TRY(cc_pop(c, SVM_WASM_I32, NULL));
		if (cc_live(c)) {
			c->vn++;
			CC_TRY(cc_slot(c, c->vn - 1, &a));
			c->vn--;
		}
	}
	if (cc_live(c)) {
		cell_t *p = emit_value(c, 2, op == 0x40 ? wop_memory_grow : wop_memory_size, op, false);
		p[1].r.a = cc_home(c, c->vn);
		p[1].r.b = a;
	}
	return cc_push(c, SVM_WASM_I32);
}

/* ---------------------------------------------------------- numeric ops */

/* Operand and result types of numeric opcodes 0x45..0xc4: in2 = 0 for unary. */
static void numsig(uint8_t op, uint8_t *in1, uint8_t *in2, uint8_t *out)
{
	static const uint8_t conv[][2] = {
		/* a7..bf: input, output */
		{0x7e, 0x7f}, {0x7d, 0x7f}, {0x7d, 0x7f}, {0x7c, 0x7f}, {0x7c, 0x7f},
		{0x7f, 0x7e}, {0x7f, 0x7e}, {0x7d, 0x7e}, {0x7d, 0x7e}, {0x7c, 0x7e}, {0x7c, 0x7e},
		{0x7f, 0x7d}, {0x7f, 0x7d}, {0x7e, 0x7d}, {0x7e, 0x7d}, {0x7c, 0x7d},
		{0x7f, 0x7c}, {0x7f, 0x7c}, {0x7e, 0x7c}, {0x7e, 0x7c}, {0x7d, 0x7c},
		{0x7d, 0x7f}, {0x7c, 0x7e}, {0x7f, 0x7d}, {0x7e, 0x7c},
	};
	uint8_t a = 0, b = 0, r = 0;
	if (op == 0x45) { a = 0x7f; r = 0x7f; }
	else if (op <= 0x4f) { a = b = 0x7f; r = 0x7f; }
	else if (op == 0x50) { a = 0x7e; r = 0x7f; }
	else if (op <= 0x5a) { a = b = 0x7e; r = 0x7f; }
	else if (op <= 0x60) { a = b = 0x7d; r = 0x7f; }
	else if (op <= 0x66) { a = b = 0x7c; r = 0x7f; }
	else if (op <= 0x69) { a = r = 0x7f; }
	else if (op <= 0x78) { a = b = r = 0x7f; }
	else if (op <= 0x7b) { a = r = 0x7e; }
	else if (op <= 0x8a) { a = b = r = 0x7e; }
	else if (op <= 0x91) { a = r = 0x7d; }
	else if (op <= 0x98) { a = b = r = 0x7d; }
	else if (op <= 0x9f) { a = r = 0x7c; }
	else if (op <= 0xa6) { a = b = r = 0x7c; }
	else if (op <= 0xbf) { a = conv[op - 0xa7][0]; r = conv[op - 0xa7][1]; }
	else if (op <= 0xc1) { a = r = 0x7f; }
	else { a = r = 0x7e; }
	*in1 = a;
	*in2 = b;
	*out = r;
}


/* i32.add or i32.sub of a constant: pushes a deferred K_ADDK entry instead of emitting the
 * add (loads and stores fold it into their address). The base must stay valid while the
 * entry lives: a local (cc_materialize_local covers writes to it) or the slot the entry
 * itself occupies (entry i's home). Sets *pushed when it did. */
static int add_const(cc_t *c, uint8_t op, const vent_t *ea, const vent_t *eb, uint32_t i, bool *pushed)
{
	const vent_t *x;
	uint32_t k;
	if (eb->kind == K_CONST) {
		x = ea;
		k = op == 0x6b ? 0u - (uint32_t)eb->k : (uint32_t)eb->k;
	} else if (op == 0x6a && ea->kind == K_CONST) {
		x = eb;
		k = (uint32_t)ea->k;
	} else {
		return 0;
	}
	vent_t e = {SVM_WASM_I32, K_ADDK, 0, 0};
	if (x->kind == K_LOCAL) {
		e.local = x->local;
	} else if (x->kind == K_SLOT && x == ea) {
		e.local = cc_home(c, i);
	} else if (x->kind == K_ADDK && (x->local < c->nl || x == ea)) {
		e.local = x->local;
		k += (uint32_t)x->k;
	} else {
		return 0;
	}
	e.k = k;
	if (k == 0) e.kind = e.local < c->nl ? K_LOCAL : K_SLOT;
	/* the result lands at entry i: its base is a local or that entry's own home */
	SVM_ASSERT(c->vn == i && (e.local < c->nl || e.local == cc_home(c, i)));
	*pushed = true;
	return cc_push_ent(c, e);
}

/* The addend read in place for a fusion with the last instruction, which wrote one operand of a
 * commutative binary operator at slot i: the other operand must already be where it is read (a
 * local, or the slot below), so that nothing was emitted between the two. */
static bool other_operand(cc_t *c, const cell_t *p, const vent_t *ea, const vent_t *eb, uint32_t i,
			  uint16_t *acc)
{
	if (eb->kind == K_SLOT && p[1].s.a == cc_home(c, i + 1) && (ea->kind == K_LOCAL || ea->kind == K_SLOT)) {
		*acc = ea->kind == K_LOCAL ? ea->local : cc_home(c, i);
		return true;
	}
	if (ea->kind == K_SLOT && p[1].s.a == cc_home(c, i) && eb->kind == K_LOCAL) {
		*acc = eb->local;
		return true;
	}
	return false;
}

/* i32 add/and/or/xor of a value the last instruction shifted or rotated by a constant: one
 * instruction written in place of the shift. */
static bool fuse_shift(cc_t *c, uint8_t op, const vent_t *ea, const vent_t *eb, uint32_t i)
{
	if (c->last_pc < 0 || c->oom || !c->last_imm || c->last_op < 0x74 || c->last_op > 0x78) return false;
	cell_t *p = &c->code[c->last_pc];
	uint16_t acc;
	if (p[0].fn != wasm_numop_imm[c->last_op] || !other_operand(c, p, ea, eb, i, &acc)) return false;
	uint16_t x = p[1].r.b, k = (uint16_t)(p[1].r.k & 31);
	p[0].fn = wasm_shiftop[op == 0x6a ? 0 : op - 0x70][c->last_op - 0x74];
	p[1].s.a = cc_home(c, i);
	p[1].s.b = acc;
	p[1].s.c = x;
	p[1].s.d = k;
	cc_produced(c, (uint32_t)c->last_pc, op, false);
	return true;
}

/* A load as an operand of a fused multiply: plain ([dst, addr, off]) or _ai ([dst, base, imm]
 * [off]) of an i32 kind, read as base + imm + off. */
struct mul_load {
	op_fn mul, madd;
	uint16_t base;
	uint32_t imm, off, ncells;
};
static bool mul_load(const cell_t *p, struct mul_load *out)
{
	static const op_fn LD[5][4] = {{wop_ld32, wop_ld32_ai, wop_ld32_mul2, wop_ld32_madd},
				       {wop_ld8s32, wop_ld8s32_ai, wop_ld8s32_mul2, wop_ld8s32_madd},
				       {wop_ld8u, wop_ld8u_ai, wop_ld8u_mul2, wop_ld8u_madd},
				       {wop_ld16s32, wop_ld16s32_ai, wop_ld16s32_mul2, wop_ld16s32_madd},
				       {wop_ld16u, wop_ld16u_ai, wop_ld16u_mul2, wop_ld16u_madd}};
	for (unsigned k = 0; k < 5; k++) {
		if (p[0].fn == LD[k][0]) {
			*out = (struct mul_load){LD[k][2], LD[k][3], p[1].r.b, 0, p[1].r.k, 2};
			return true;
		}
		if (p[0].fn == LD[k][1]) {
			*out = (struct mul_load){LD[k][2], LD[k][3], p[1].r.b, p[1].r.k, (uint32_t)p[2].w.lo, 3};
			return true;
		}
	}
	return false;
}

/* An add (i32 or i64) of the product the last instruction computed becomes one multiply-add,
 * written in place of the multiply. The other addend must be read from where it already is (a
 * local, or the slot below), so that nothing is emitted between the two. When the instruction
 * before the i32 multiply loaded one of its factors, the load joins too (_madd forms): its
 * result slot is read by the multiply alone, and neither the addend nor the other factor is
 * that slot. */
static bool fuse_madd(cc_t *c, uint8_t op, const vent_t *ea, const vent_t *eb, uint32_t i)
{
	uint8_t mul = op == 0x6a ? 0x6c : 0x7e;
	if (c->last_pc < 0 || c->oom || c->last_op != mul || c->last_imm) return false;
	cell_t *p = &c->code[c->last_pc];
	uint16_t acc;
	if (p[0].fn != wasm_numop[mul] || !other_operand(c, p, ea, eb, i, &acc)) return false;
	struct mul_load l;
	if (op == 0x6a && c->prev_pc >= 0 && mul_load(&c->code[c->prev_pc], &l) &&
	    (uint32_t)c->prev_pc + l.ncells == (uint32_t)c->last_pc) {
		uint16_t ld = c->code[c->prev_pc + 1].r.a, x = p[1].s.b, y = p[1].s.c;
		if (x != y && (ld == x || ld == y) && acc != ld) {
			uint32_t at = (uint32_t)c->prev_pc;
			cell_t n[3] = {{.fn = l.madd}};
			n[1].s.a = cc_home(c, i);
			n[1].s.b = acc;
			n[1].s.c = l.base;
			n[1].s.d = ld == x ? y : x;
			n[2].w.lo = (int32_t)l.imm;
			n[2].w.hi = (int32_t)l.off;
			c->pc = at;
			cell_t *o = cc_emit(c, 3, l.madd); /* within the 4 or 5 cells just freed */
			if (c->oom) return true;
			memcpy(o, n, sizeof(n));
			c->prev_pc = -1;
			cc_produced(c, at, op, false);
			return true;
		}
	}
	p[0].fn = op == 0x6a ? wop_madd32 : wop_madd64;
	p[1].s.d = p[1].s.c;
	p[1].s.c = p[1].s.b;
	p[1].s.b = acc;
	p[1].s.a = cc_home(c, i);
	cc_produced(c, (uint32_t)c->last_pc, op, false);
	return true;
}

/* i32.mul of the two values the last two instructions loaded (same kind, both _ai forms, right
 * after one another): one instruction in place of the three. Neither load reads the other's
 * result (both values are still on the stack), so they may run in either order. */
static bool fuse_mul_loads(cc_t *c, const vent_t *ea, const vent_t *eb, uint32_t i)
{
	if (c->last_pc < 0 || c->prev_pc < 0 || c->oom || ea->kind != K_SLOT || eb->kind != K_SLOT) return false;
	uint32_t at = (uint32_t)c->prev_pc, at2 = (uint32_t)c->last_pc;
	cell_t *p = &c->code[at], *q = &c->code[at2];
	struct mul_load l1, l2;
	if (!mul_load(p, &l1) || !mul_load(q, &l2) || l1.mul != l2.mul || at + l1.ncells != at2 ||
	    c->pc != at2 + l2.ncells || p[1].r.a != cc_home(c, i) || q[1].r.a != cc_home(c, i + 1))
		return false;
	cell_t n[4] = {{.fn = l1.mul}};
	n[1].s.a = cc_home(c, i);
	n[1].s.b = l1.base;
	n[1].s.c = l2.base;
	n[2].w.lo = (int32_t)l1.imm;
	n[2].w.hi = (int32_t)l2.imm;
	n[3].w.lo = (int32_t)l1.off;
	n[3].w.hi = (int32_t)l2.off;
	c->pc = at;
	cell_t *o = cc_emit(c, 4, l1.mul); /* at most the two loads' 6 cells: no reallocation */
	if (c->oom) return true;
	memcpy(o, n, sizeof(n));
	c->prev_pc = -1;
	cc_produced(c, at, 0x6c, false);
	return true;
}

static int op_numeric(cc_t *c, uint8_t op, op_fn fn)
{
	uint8_t a, b, r;
	vent_t eb = {0}, ea;
	numsig(op, &a, &b, &r);
	if (b) CC_TRY(cc_pop(c, b, &eb));
	CC_TRY(cc_pop(c, a, &ea));
	if (!cc_live(c)) return cc_push(c, r);
	if (op >= 0xbc && op <= 0xbf) { /* reinterpret: same bits, new type */
		ea.type = r;
		return cc_push_ent(c, ea);
	}
	uint32_t i = c->vn;
	uint16_t sa, sb;
	if ((op == 0x6a || op == 0x7c) && fuse_madd(c, op, &ea, &eb, i)) return cc_push(c, r);
	if (op == 0x6c && fuse_mul_loads(c, &ea, &eb, i)) return cc_push(c, r);
	if ((op == 0x6a || (op >= 0x71 && op <= 0x73)) && fuse_shift(c, op, &ea, &eb, i)) return cc_push(c, r);
	if (op == 0x6a || op == 0x6b) {
		bool pushed = false;
		CC_TRY(add_const(c, op, &ea, &eb, i, &pushed));
		if (pushed) return 0;
	}
	if (b && eb.kind == K_CONST && wasm_numop_imm[op] && fits_imm(b, eb.k)) {
		c->vn += 1;
		CC_TRY(cc_slot(c, i, &sa));
		c->vn -= 1;
		cell_t *p = emit_value(c, 2, wasm_numop_imm[op], op, true);
		p[1].r.a = cc_home(c, i);
		p[1].r.b = sa;
		p[1].r.k = (uint32_t)eb.k;
		return cc_push(c, r);
	}
	c->vn += b ? 2 : 1;
	CC_TRY(cc_slot(c, i, &sa));
	if (b) CC_TRY(cc_slot(c, i + 1, &sb));
	c->vn -= b ? 2 : 1;
	cell_t *p = emit_value(c, 2, fn, op, false);
	p[1].s.a = cc_home(c, i);
	p[1].s.b = sa;
	if (b) p[1].s.c = sb;
	return cc_push(c, r);
}

static int op_const(cc_t *c, uint8_t op)
{
	vent_t e = {0, K_CONST, 0, 0};
	int64_t s;
	switch (op) {
	case 0x41: CC_TRY(wr_sleb(&c->r, 32, &s)); e.type = 0x7f; e.k = (uint32_t)s; break;
	case 0x42: CC_TRY(wr_sleb(&c->r, 64, &s)); e.type = 0x7e; e.k = (uint64_t)s; break;
	case 0x43: { uint32_t f; CC_TRY(wr_f32(&c->r, &f)); e.type = 0x7d; e.k = f; break; }
	default: CC_TRY(wr_f64(&c->r, &e.k)); e.type = 0x7c; break;
	}
	/* 32-bit constants carry 32 bits: cc_write_const emits them in one cell */
	SVM_ASSERT((e.type != 0x7f && e.type != 0x7d) || e.k <= UINT32_MAX);
	if (!cc_live(c)) e.kind = K_SLOT;
	return cc_push_ent(c, e);
}

/* ------------------------------------------------ parametric, references */

static int op_select(cc_t *c, uint8_t op)
{
	uint8_t t = T_UNKNOWN;
	if (op == 0x1c) {
		uint32_t n;
		CC_TRY(wr_u32(&c->r, &n));
		if (n != 1) return cc_invalid(c, "invalid result arity");
		CC_TRY(wr_u8(&c->r, &t));
		if (!one_type(t)) return MALFORMED(c, "malformed value type");
	}
	vent_t ec, e2, e1;
	CC_TRY(cc_pop(c, SVM_WASM_I32, &ec));
	CC_TRY(cc_pop(c, t, &e2));
	CC_TRY(cc_pop(c, t, &e1));
	if (op == 0x1b) {
		if (!is_num(e1.type) || !is_num(e2.type)) return cc_invalid(c, "type mismatch");
		if (e1.type != T_UNKNOWN && e2.type != T_UNKNOWN && e1.type != e2.type)
			return cc_invalid(c, "type mismatch");
		t = e1.type != T_UNKNOWN ? e1.type : e2.type;
	}
	if (cc_live(c)) {
		uint32_t i = c->vn;
		uint16_t s1, s2, sc;
		c->vn += 3;
		CC_TRY(cc_slot(c, i, &s1));
		CC_TRY(cc_slot(c, i + 1, &s2));
		CC_TRY(cc_slot(c, i + 2, &sc));
		c->vn -= 3;
		cell_t *p = emit_value(c, 2, wop_select, op, false);
		p[1].s.a = cc_home(c, i);
		p[1].s.b = sc;
		p[1].s.c = s1;
		p[1].s.d = s2;
	}
	return cc_push(c, t);
}

static int op_ref(cc_t *c, uint8_t op)
{
	if (op == 0xd0) {
		uint8_t t;
		CC_TRY(wr_u8(&c->r, &t));
		if (t != 0x70 && t != 0x6f) return MALFORMED(c, "malformed reference type");
		vent_t e = {t, cc_live(c) ? K_CONST : K_SLOT, 0, 0};
		return cc_push_ent(c, e);
	}
	if (op == 0xd1) {
		vent_t e;
		CC_TRY(cc_pop(c, T_UNKNOWN, &e));
		if (!is_ref(e.type)) return cc_invalid(c, "type mismatch");
		if (cc_live(c)) {
			uint16_t s;
			c->vn++;
			CC_TRY(cc_slot(c, c->vn - 1, &s));
			c->vn--;
			cell_t *p = emit_value(c, 2, wasm_numop[0x50], 0x50, false);
			p[1].s.a = cc_home(c, c->vn);
			p[1].s.b = s;
		}
		return cc_push(c, SVM_WASM_I32);
	}
	uint32_t f;
	CC_TRY(wr_u32(&c->r, &f));
	if (f >= c->m->nfuncs) return cc_invalid(c, "unknown function");
	if (!c->m->func_declared[f]) return cc_invalid(c, "undeclared function reference");
	if (cc_live(c)) {
		cell_t *p = emit_value(c, 2, wop_ref_func, op, false);
		p[1].r.a = cc_home(c, c->vn);
		p[1].r.k = f;
	}
	return cc_push(c, SVM_WASM_FUNCREF);
}

/* Pops n operands of the given types and returns their slots (n <= 3). */
static int operands(cc_t *c, const uint8_t *types, uint32_t n, uint16_t *slots)
{
	SVM_ASSERT(n >= 1 && n <= 3);
	for (uint32_t i = n; i-- > 0;) CC_TRY(cc_pop(c, types[i], NULL));
	if (!cc_live(c)) return 0;
	uint32_t base = c->vn;
	c->vn += n;
	for (uint32_t i = 0; i < n; i++) CC_TRY(cc_slot(c, base + i, &slots[i]));
	c->vn -= n;
	return 0;
}

static int table_index(cc_t *c, uint32_t *t)
{
	CC_TRY(wr_u32(&c->r, t));
	return *t < c->m->ntables ? 0 : cc_invalid(c, "unknown table");
}

static int op_table_getset(cc_t *c, uint8_t op)
{
	uint32_t t;
	uint16_t s[2] = {0};
	CC_TRY(table_index(c, &t));
	uint8_t et = c->m->tables[t].elem;
	if (op == 0x25) {
		CC_TRY(operands(c, T_I32, 1, s));
		if (cc_live(c)) {
			cell_t *p = emit_value(c, 2, wop_table_get, op, false);
			p[1].r.a = cc_home(c, c->vn);
			p[1].r.b = s[0];
			p[1].r.k = t;
		}
		return cc_push(c, et);
	}
	uint8_t ty[2] = {SVM_WASM_I32, et};
	CC_TRY(operands(c, ty, 2, s));
	if (cc_live(c)) {
		cell_t *p = cc_emit(c, 2, wop_table_set);
		p[1].r.a = s[0];
		p[1].r.b = s[1];
		p[1].r.k = t;
	}
	return 0;
}

/* Emits a 3-cell bulk instruction [fn][s.a,s.b,s.c][lo,hi]. */
static void bulk3(cc_t *c, op_fn fn, const uint16_t *s, int32_t lo, int32_t hi, bool value)
{
	cell_t *p = value ? emit_value(c, 3, fn, 0xfc, false) : cc_emit(c, 3, fn);
	p[1].s.a = value ? cc_home(c, c->vn) : s[0];
	p[1].s.b = value ? s[0] : s[1];
	p[1].s.c = value ? s[1] : s[2];
	p[2].w.lo = lo;
	p[2].w.hi = hi;
}

static int data_index(cc_t *c, uint32_t *d)
{
	CC_TRY(wr_u32(&c->r, d));
	if (!c->m->has_datacount) return MALFORMED(c, "data count section required");
	return *d < c->m->datacount ? 0 : cc_invalid(c, "unknown data segment");
}

static int elem_index(cc_t *c, uint32_t *e)
{
	CC_TRY(wr_u32(&c->r, e));
	return *e < c->m->nelems ? 0 : cc_invalid(c, "unknown elem segment");
}

static int op_fc_mem(cc_t *c, uint32_t sub)
{
	static const uint8_t I3[3] = {0x7f, 0x7f, 0x7f};
	uint16_t s[3] = {0};
	uint32_t d = 0;
	if (sub == 8) {
		CC_TRY(data_index(c, &d));
		CC_TRY(zero_byte(c));
		CC_TRY(need_memory(c));
		CC_TRY(operands(c, I3, 3, s));
		if (cc_live(c)) bulk3(c, wop_memory_init, s, (int32_t)d, 0, false);
		return 0;
	}
	if (sub == 9) {
		CC_TRY(data_index(c, &d));
		if (cc_live(c)) cc_emit(c, 2, wop_data_drop)[1].w.lo = (int32_t)d;
		return 0;
	}
	CC_TRY(zero_byte(c));
	if (sub == 10) CC_TRY(zero_byte(c));
	CC_TRY(need_memory(c));
	CC_TRY(operands(c, I3, 3, s));
	if (cc_live(c)) {
		cell_t *p = cc_emit(c, 2, sub == 10 ? wop_memory_copy : wop_memory_fill);
		p[1].s.a = s[0];
		p[1].s.b = s[1];
		p[1].s.c = s[2];
	}
	return 0;
}

static int op_fc_table(cc_t *c, uint32_t sub)
{
	static const uint8_t I3[3] = {0x7f, 0x7f, 0x7f};
	uint16_t s[3] = {0};
	uint32_t a, b;
	switch (sub) {
	case 12:
		CC_TRY(elem_index(c, &a));
		CC_TRY(table_index(c, &b));
		if (c->m->elems[a].type != c->m->tables[b].elem) return cc_invalid(c, "type mismatch");
		CC_TRY(operands(c, I3, 3, s));
		if (cc_live(c)) bulk3(c, wop_table_init, s, (int32_t)b, (int32_t)a, false);
		return 0;
	case 13:
		CC_TRY(elem_index(c, &a));
		if (cc_live(c)) cc_emit(c, 2, wop_elem_drop)[1].w.lo = (int32_t)a;
		return 0;
	case 14:
		CC_TRY(table_index(c, &a));
		CC_TRY(table_index(c, &b));
		if (c->m->tables[a].elem != c->m->tables[b].elem) return cc_invalid(c, "type mismatch");
		CC_TRY(operands(c, I3, 3, s));
		if (cc_live(c)) bulk3(c, wop_table_copy, s, (int32_t)a, (int32_t)b, false);
		return 0;
	}
	CC_TRY(table_index(c, &a));
	uint8_t et = c->m->tables[a].elem;
	if (sub == 16) {
		if (cc_live(c)) {
			cell_t *p = emit_value(c, 2, wop_table_size, 0xfc, false);
			p[1].r.a = cc_home(c, c->vn);
			p[1].r.k = a;
		}
		return cc_push(c, SVM_WASM_I32);
	}
	if (sub == 15) {
		uint8_t ty[2] = {et, SVM_WASM_I32};
		CC_TRY(operands(c, ty, 2, s));
		if (cc_live(c)) bulk3(c, wop_table_grow, s, (int32_t)a, 0, true);
		return cc_push(c, SVM_WASM_I32);
	}
	uint8_t ty[3] = {SVM_WASM_I32, et, SVM_WASM_I32};
	CC_TRY(operands(c, ty, 3, s));
	if (cc_live(c)) bulk3(c, wop_table_fill, s, (int32_t)a, 0, false);
	return 0;
}

static int op_fc(cc_t *c)
{
	uint32_t sub;
	CC_TRY(wr_u32(&c->r, &sub));
	if (sub < 18) cc_gas_add(c, c->g->op_fc[sub]);
	if (sub <= 7) {
		static const uint8_t sig[8][2] = {{0x7d, 0x7f}, {0x7d, 0x7f}, {0x7c, 0x7f}, {0x7c, 0x7f},
						  {0x7d, 0x7e}, {0x7d, 0x7e}, {0x7c, 0x7e}, {0x7c, 0x7e}};
		vent_t e;
		CC_TRY(cc_pop(c, sig[sub][0], &e));
		if (cc_live(c)) {
			uint16_t s;
			c->vn++;
			CC_TRY(cc_slot(c, c->vn - 1, &s));
			c->vn--;
			cell_t *p = emit_value(c, 2, wasm_satop[sub], 0xfc, false);
			p[1].s.a = cc_home(c, c->vn);
			p[1].s.b = s;
		}
		return cc_push(c, sig[sub][1]);
	}
	if (sub <= 11) return op_fc_mem(c, sub);
	if (sub <= 17) return op_fc_table(c, sub);
	return MALFORMED(c, "illegal opcode");
}

/* ---------------------------------------------------------------- driver */

static int instr(cc_t *c, uint8_t op)
{
	cc_gas_add(c, c->g->op[op]);
	if (op >= 0x45 && op <= 0xc4) return op_numeric(c, op, wasm_numop[op]);
	if (op >= 0x28 && op <= 0x3e) return op_mem(c, op);
	switch (op) {
	case 0x00:
		if (cc_live(c)) cc_emit(c, 1, wop_unreachable);
		cc_set_unreachable(c);
		return 0;
	case 0x01: return 0;
	case 0x02: case 0x03: case 0x04: return op_block(c, op);
	case 0x05: return op_else(c);
	case 0x0b: return op_end(c);
	case 0x0c: return op_br(c);
	case 0x0d: return op_br_if(c);
	case 0x0e: return op_br_table(c);
	case 0x0f: return op_return(c);
	case 0x10: return op_call(c);
	case 0x11: return op_call_indirect(c);
	case 0x1a: return cc_pop(c, T_UNKNOWN, NULL);
	case 0x1b: case 0x1c: return op_select(c, op);
	case 0x20: case 0x21: case 0x22: return op_local(c, op);
	case 0x23: case 0x24: return op_global(c, op);
	case 0x25: case 0x26: return op_table_getset(c, op);
	case 0x3f: case 0x40: return op_memsize(c, op);
	case 0x41: case 0x42: case 0x43: case 0x44: return op_const(c, op);
	case 0xd0: case 0xd1: case 0xd2: return op_ref(c, op);
	case 0xfc: return op_fc(c);
	}
	if (op == 0xfd) return svm_error_set(c->err, SVM_EUNSUPPORTED, "SIMD is not supported");
	return MALFORMED(c, "illegal opcode");
}

static int read_locals(cc_t *c)
{
	uint32_t groups;
	uint64_t total = c->ft->param_count;
	CC_TRY(wr_u32(&c->r, &groups));
	const uint8_t *save = c->r.p;
	for (int pass = 0; pass < 2; pass++) {
		c->r.p = save;
		uint32_t at = c->ft->param_count;
		for (uint32_t i = 0; i < groups; i++) {
			uint32_t n;
			uint8_t t;
			CC_TRY(wr_u32(&c->r, &n));
			CC_TRY(wr_u8(&c->r, &t));
			if (!one_type(t)) return MALFORMED(c, "malformed value type");
			if (pass == 0) {
				total += n;
				if (total > UINT32_MAX) return MALFORMED(c, "too many locals");
				continue;
			}
			SVM_ASSERT((uint64_t)at + n <= total); /* pass 0 counted them */
			memset(c->ltypes + at, t, n);
			at += n;
		}
		SVM_ASSERT(pass == 0 || at == total);
		SVM_ASSERT(pass == 0 || c->nl >= c->ft->param_count); /* nlocals = nl - params */
		if (pass == 0) {
			if (total > c->m->cfg.limits.locals_max)
				return svm_error_set(c->err, SVM_ELIMIT, "%llu locals exceed the limit",
						     (unsigned long long)total);
			c->nl = (uint32_t)total;
			c->ltypes = svm_malloc(total + 1);
			if (!c->ltypes) return svm_error_set(c->err, SVM_ENOMEM, "out of memory");
			memcpy(c->ltypes, c->ft->params, c->ft->param_count);
		}
	}
	return 0;
}

static int body(cc_t *c)
{
	svm_wasm_functype_t fbt = {0, c->ft->result_count, NULL, c->ft->results};
	CC_TRY(cc_ctl_push(c, 0, &fbt));
	cc_gas_open(c);
	cc_gas_add(c, (uint64_t)(c->nl - c->ft->param_count) * c->g->local);
	while (c->cn > 0) {
		uint8_t op;
		if (c->r.p >= c->r.end) return MALFORMED(c, "unexpected end of section or function");
		op = *c->r.p++;
		CC_TRY(instr(c, op));
		if (c->oom) return svm_error_set(c->err, c->oom, "translated code exceeds its limit");
		SVM_ASSERT(c->cn == 0 || c->vn >= cc_top(c)->height); /* stack above the frame */
		SVM_ASSERT(c->vn <= c->vmax && c->pc <= c->cap && c->cn <= c->ccap);
		SVM_ASSERT(c->last_pc < (int32_t)c->pc && c->tee_pc < (int32_t)c->pc);
	}
	if (c->r.p != c->r.end) return MALFORMED(c, "section size mismatch");
	return 0;
}

static int finish(cc_t *c, wcode_t *code)
{
	SVM_ASSERT(c->cn == 0 && c->pc > 0 && !c->gas_pending); /* every block closed, code ends */
	uint64_t slots = (uint64_t)c->nl + c->vmax + 1;
	if (slots < c->ft->result_count) slots = c->ft->result_count;
	if (slots > WASM_FRAME_SLOTS_MAX)
		return svm_error_set(c->err, SVM_ELIMIT, "function frame of %llu slots exceeds %u",
				     (unsigned long long)slots, WASM_FRAME_SLOTS_MAX);
	code->ops = svm_arena_dup(&c->m->arena, c->code, (size_t)c->pc * sizeof(cell_t));
	if (!code->ops) return svm_error_set(c->err, SVM_ENOMEM, "out of memory");
	code->ncells = c->pc;
	code->nparams = c->ft->param_count;
	code->nlocals = c->nl - c->ft->param_count;
	code->frame_slots = (uint32_t)slots;
	SVM_ASSERT(code->frame_slots > c->nl && code->frame_slots >= c->ft->result_count);
	return 0;
}

int wasm_compile_func(svm_wasm_module_t *m, uint32_t i, svm_error_t *err)
{
	wcode_t *code = &m->codes[i];
	cc_t c = {.m = m, .err = err, .last_pc = -1, .prev_pc = -1, .tee_pc = -1, .gas_pc = -1};
	c.r = (wr_t){code->body, code->body + code->body_len, err};
	c.ft = &m->types[m->func_types[m->nfuncs_imported + i]];
	c.g = m->gas;
	c.metering = m->gas != &wasm_gas_zero;
	c.cap_max = m->cfg.limits.code_bytes_max / sizeof(cell_t);
	int rc = read_locals(&c);
	if (rc == 0 && c.nl > WASM_FRAME_SLOTS_MAX)
		rc = svm_error_set(err, SVM_ELIMIT, "too many locals for a frame");
	if (rc == 0) rc = body(&c);
	if (rc == 0) rc = finish(&c, code);
	svm_free(c.ltypes);
	svm_free(c.vs);
	svm_free(c.cs);
	svm_free(c.code);
	svm_free(c.fx);
	return rc;
}

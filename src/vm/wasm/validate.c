/* The operand and control stacks of the WebAssembly validation algorithm (spec appendix,
 * "Validation Algorithm"), with the bottom type for unreachable code. Entries also carry what
 * the translator knows about where each value lives (see compile.h). */
#include <stdlib.h>

#include "vm/wasm/compile.h"

int cc_invalid(cc_t *c, const char *msg)
{
	return svm_error_set(c->err, SVM_EVALIDATE, "%s", msg);
}

static int grow(cc_t *c, void **p, uint32_t *cap, size_t size, uint32_t need, uint32_t max)
{
	if (need <= *cap) return 0;
	if (need > max) return svm_error_set(c->err, SVM_ELIMIT, "operand or control stack exceeds %u", max);
	uint32_t ncap = *cap ? *cap * 2 : 64;
	while (ncap < need) ncap *= 2;
	void *q = svm_realloc(*p, (size_t)ncap * size);
	if (!q) return svm_error_set(c->err, SVM_ENOMEM, "out of memory");
	*p = q;
	*cap = ncap;
	SVM_ASSERT(need <= *cap);
	return 0;
}

int cc_push_ent(cc_t *c, vent_t e)
{
	CC_TRY(grow(c, (void **)&c->vs, &c->vcap, sizeof(vent_t), c->vn + 1,
		    c->m->cfg.limits.func_stack_max));
	SVM_ASSERT(c->vn < c->vcap && c->cn >= 1);
	SVM_ASSERT(e.kind <= K_ADDK && (e.kind != K_LOCAL || e.local < c->nl)); /* a local's slot */
	c->vs[c->vn++] = e;
	if (c->vn > c->vmax) c->vmax = c->vn;
	SVM_ASSERT(c->vmax <= c->m->cfg.limits.func_stack_max);
	return 0;
}

int cc_push(cc_t *c, uint8_t type)
{
	vent_t e = {type, K_SLOT, 0, 0};
	return cc_push_ent(c, e);
}

int cc_pop(cc_t *c, uint8_t want, vent_t *out)
{
	SVM_ASSERT(c->cn >= 1);
	ctl_t *f = &c->cs[c->cn - 1];
	SVM_ASSERT(c->vn >= f->height); /* a frame never pops below its height */
	vent_t e = {T_UNKNOWN, K_SLOT, 0, 0};
	if (c->vn == f->height) {
		if (!f->unreachable) return cc_invalid(c, "type mismatch");
	} else {
		e = c->vs[--c->vn];
	}
	if (want != T_UNKNOWN && e.type != T_UNKNOWN && e.type != want) return cc_invalid(c, "type mismatch");
	if (e.type == T_UNKNOWN) e.type = want;
	SVM_ASSERT(c->vn >= f->height); /* popped within the frame */
	if (out) *out = e;
	return 0;
}

int cc_pop_types(cc_t *c, const uint8_t *t, uint32_t n)
{
	for (uint32_t i = n; i-- > 0;) CC_TRY(cc_pop(c, t[i], NULL));
	return 0;
}

/* Checks that the top of the stack matches t[0..n) without popping (br_if, br_table). In
 * unreachable code missing entries are filled with the expected types. */
int cc_peek_types(cc_t *c, const uint8_t *t, uint32_t n)
{
	SVM_ASSERT(c->cn >= 1);
	ctl_t *f = &c->cs[c->cn - 1];
	SVM_ASSERT(c->vn >= f->height);
	uint32_t avail = c->vn - f->height;
	if (avail < n && !f->unreachable) return cc_invalid(c, "type mismatch");
	for (uint32_t i = 0; i < n; i++) {
		if (i >= avail) break;
		vent_t *e = &c->vs[c->vn - 1 - i];
		uint8_t want = t[n - 1 - i];
		if (e->type != T_UNKNOWN && e->type != want) return cc_invalid(c, "type mismatch");
	}
	return 0;
}

int cc_ctl_push(cc_t *c, uint8_t op, const svm_wasm_functype_t *bt)
{
	CC_TRY(grow(c, (void **)&c->cs, &c->ccap, sizeof(ctl_t), c->cn + 1,
		    c->m->cfg.limits.func_stack_max));
	SVM_ASSERT(c->cn < c->ccap);
	SVM_ASSERT(op == 0 || op == 0x02 || op == 0x03 || op == 0x04);
	/* the block's params are on the stack (op_block supplies them in unreachable code) */
	SVM_ASSERT(c->cn == 0 || c->vn >= c->cs[c->cn - 1].height + bt->param_count);
	ctl_t *f = &c->cs[c->cn++];
	f->op = op;
	f->unreachable = false;
	f->dead = c->cn > 1 && (c->cs[c->cn - 2].unreachable || c->cs[c->cn - 2].dead);
	f->height = c->vn - bt->param_count;
	f->bt = *bt;
	f->fix = -1;
	f->loop_pc = 0;
	f->else_pc = -1;
	return 0;
}

ctl_t *cc_top(cc_t *c)
{
	SVM_ASSERT(c->cn >= 1 && c->cn <= c->ccap);
	return &c->cs[c->cn - 1];
}

int cc_label(cc_t *c, uint32_t depth, ctl_t **out)
{
	if (depth >= c->cn) return cc_invalid(c, "unknown label");
	*out = &c->cs[c->cn - 1 - depth];
	SVM_ASSERT((*out)->op <= 0x05);
	return 0;
}

/* A branch to a loop carries its params; to anything else, its results. */
void cc_label_types(const ctl_t *l, const uint8_t **t, uint32_t *n)
{
	if (l->op == 0x03) {
		*t = l->bt.params;
		*n = l->bt.param_count;
	} else {
		*t = l->bt.results;
		*n = l->bt.result_count;
	}
	SVM_ASSERT(*n == 0 || *t != NULL); /* block_type gave the label its type lists */
}

/* At else/end: the block's results are exactly what is left above its height. */
int cc_check_end(cc_t *c)
{
	ctl_t *f = cc_top(c);
	uint32_t n = f->bt.result_count;
	SVM_ASSERT(c->vn >= f->height);
	if (c->vn - f->height > n) return cc_invalid(c, "type mismatch");
	CC_TRY(cc_peek_types(c, f->bt.results, n));
	if (c->vn - f->height < n && !f->unreachable) return cc_invalid(c, "type mismatch");
	SVM_ASSERT(c->vn - f->height == n || f->unreachable); /* exactly the results, when reachable */
	return 0;
}

void cc_set_unreachable(cc_t *c)
{
	ctl_t *f = cc_top(c);
	SVM_ASSERT(c->vn >= f->height); /* the stack only shrinks to the frame's height */
	c->vn = f->height;
	f->unreachable = true;
}

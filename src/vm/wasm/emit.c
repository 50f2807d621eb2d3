/* Code emission for the translator: the growing cell buffer, forward-branch fixups, moving
 * deferred operand-stack entries (locals, constants) into frame slots, and gas blocks.
 *
 * Gas blocks are defined on the WebAssembly code alone, so translation choices never change
 * gas: a block starts at function entry and after every loop, if, else and end; its cost is
 * the sum of the schedule's prices of its instructions (including the one that ends it). The
 * cost is charged by one `gas` instruction placed where the block starts, emitted lazily
 * before the block's first translated instruction (or at its end if it translated to
 * nothing), and omitted when the block costs 0. */
#include <stdlib.h>
#include <string.h>

#include "vm/wasm/compile.h"

static int reserve(cc_t *c, uint32_t n)
{
	if (c->pc + n <= c->cap) return 0;
	uint64_t ncap = c->cap ? (uint64_t)c->cap * 2 : 256;
	while (ncap < (uint64_t)c->pc + n) ncap *= 2;
	if (ncap > c->cap_max) ncap = c->cap_max;
	if (ncap < (uint64_t)c->pc + n) {
		c->oom = SVM_ELIMIT;
		return SVM_ELIMIT;
	}
	SVM_ASSERT(ncap <= c->cap_max && ncap >= (uint64_t)c->pc + n);
	cell_t *q = svm_realloc(c->code, ncap * sizeof(cell_t));
	if (!q) {
		c->oom = SVM_ENOMEM;
		return SVM_ENOMEM;
	}
	c->code = q;
	c->cap = (uint32_t)ncap;
	SVM_ASSERT(c->cap <= c->cap_max && c->pc + n <= c->cap);
	return 0;
}

static cell_t *raw(cc_t *c, uint32_t n, op_fn fn)
{
	SVM_ASSERT(n >= 1 && fn != NULL); /* an instruction: a handler and its operand cells */
	if (reserve(c, n)) return NULL;
	SVM_ASSERT(c->pc + n <= c->cap);
	cell_t *p = &c->code[c->pc];
	memset(p, 0, n * sizeof(cell_t));
	p[0].fn = fn;
	c->pc += n;
	return p;
}

/* Appends an instruction of ncells cells (zeroed operands). Returns NULL on a size limit or
 * allocation failure (recorded in c->oom; the caller reports it at the end). */
cell_t *cc_emit(cc_t *c, uint32_t ncells, op_fn fn)
{
	/* written, never read: a translation that used it fails. Only the first cells are written
	 * through it (br_table's offsets go through cc_patch, which skips a failed translation). */
	static cell_t scratch[4];
	SVM_ASSERT(c->metering || !c->gas_pending);
	c->prev_pc = c->last_pc;
	if (c->gas_pending) {
		c->gas_pending = false;
		c->gas_pc = (int32_t)c->pc;
		raw(c, 2, wop_gas);
		c->prev_pc = -1;
	}
	c->last_pc = -1;
	c->tee_pc = -1;
	cell_t *p = raw(c, ncells, fn);
	SVM_ASSERT(p != NULL || c->oom != 0);
	return p ? p : scratch; /* writes go nowhere; c->oom fails the translation */
}

/* Records that the instruction at pc wrote the top of the stack (its cell1.s.a). */
void cc_produced(cc_t *c, uint32_t pc, uint8_t wasm_op, bool imm)
{
	SVM_ASSERT(c->oom || pc < c->pc); /* an instruction already emitted */
	/* its first cell is a handler */
	SVM_ASSERT(c->oom || c->code[pc].fn != NULL);
	c->last_pc = (int32_t)pc;
	c->last_op = wasm_op;
	c->last_imm = imm;
}

int cc_write_const(cc_t *c, uint16_t dst, uint8_t type, uint64_t k)
{
	SVM_ASSERT(dst <= c->nl + c->vmax); /* a frame slot */
	/* a 32-bit type's bits fit one cell (op_const stores them zero-extended) */
	SVM_ASSERT((type != SVM_WASM_I32 && type != SVM_WASM_F32) || k <= UINT32_MAX);
	if (k <= UINT32_MAX || type == SVM_WASM_I32 || type == SVM_WASM_F32) {
		cell_t *p = cc_emit(c, 2, wop_const32);
		p[1].r.a = dst;
		p[1].r.k = (uint32_t)k;
	} else {
		cell_t *p = cc_emit(c, 3, wop_const64);
		p[1].r.a = dst;
		p[2].u64 = k;
	}
	return 0;
}

static void copy(cc_t *c, uint16_t dst, uint16_t src)
{
	/* frame slots: locals and the operand stack's homes */
	SVM_ASSERT(dst <= c->nl + c->vmax && src <= c->nl + c->vmax);
	if (dst == src) return;
	cell_t *p = cc_emit(c, 2, wop_copy);
	p[1].s.a = dst;
	p[1].s.b = src;
}

/* Writes entry e's value to slot dst (nothing for K_SLOT: the value is in its home). */
static void write_ent(cc_t *c, uint16_t dst, const vent_t *e)
{
	SVM_ASSERT(e->kind <= K_ADDK); /* K_SLOT: already home, nothing to write */
	SVM_ASSERT(e->kind == K_CONST || e->local <= c->nl + c->vmax);
	SVM_ASSERT(e->kind != K_ADDK || (e->type == SVM_WASM_I32 && e->k <= UINT32_MAX));
	if (e->kind == K_CONST) {
		cc_write_const(c, dst, e->type, e->k);
	} else if (e->kind == K_LOCAL) {
		copy(c, dst, e->local);
	} else if (e->kind == K_ADDK) {
		cell_t *p = cc_emit(c, 2, wasm_numop_imm[0x6a]);
		p[1].r.a = dst;
		p[1].r.b = e->local;
		p[1].r.k = (uint32_t)e->k;
	}
}

/* Whether no entry on the stack still reads local `local` (directly or as a deferred add's
 * base): what must hold before the local is written. Walks the stack: debug builds only. */
static bool no_reader(const cc_t *c, uint16_t local)
{
	for (uint32_t i = 0; i < c->vn; i++)
		if ((c->vs[i].kind == K_LOCAL || c->vs[i].kind == K_ADDK) && c->vs[i].local == local)
			return false;
	return true;
}

/* Entries are addressed by index, popped ones too (an instruction pops its operands, then
 * reads them): any index below the stack's high-water mark is one the array holds. */
int cc_write_ent(cc_t *c, uint16_t dst, uint32_t i)
{
	SVM_ASSERT(i < c->vmax && c->vmax <= c->vcap);
	if (c->vs[i].kind == K_SLOT) copy(c, dst, cc_home(c, i));
	else write_ent(c, dst, &c->vs[i]);
	return 0;
}

/* Moves entry i into its home slot. */
int cc_materialize(cc_t *c, uint32_t i)
{
	SVM_ASSERT(i < c->vmax);
	vent_t *e = &c->vs[i];
	SVM_ASSERT(e->kind <= K_ADDK);
	write_ent(c, cc_home(c, i), e);
	e->kind = K_SLOT;
	return 0;
}

/* The slot holding entry i (a local, its home, or a constant moved to its home). */
int cc_slot(cc_t *c, uint32_t i, uint16_t *out)
{
	SVM_ASSERT(i < c->vmax);
	vent_t *e = &c->vs[i];
	if (e->kind == K_LOCAL) {
		SVM_ASSERT(e->local < c->nl); /* a local's slot, below the operand stack's homes */
		*out = e->local;
		return 0;
	}
	if (e->kind != K_SLOT) CC_TRY(cc_materialize(c, i));
	SVM_ASSERT(e->kind == K_SLOT);
	*out = cc_home(c, i);
	return 0;
}

int cc_materialize_all(cc_t *c)
{
	for (uint32_t i = cc_live(c) ? 0 : c->vn; i < c->vn; i++)
		if (c->vs[i].kind != K_SLOT) CC_TRY(cc_materialize(c, i));
	for (uint32_t i = 0; SVM_ASSERT_ON && cc_live(c) && i < c->vn; i++)
		SVM_ASSERT(c->vs[i].kind == K_SLOT); /* every entry in its home */
	return 0;
}

/* Before local `local` is written, entries still reading it get their own copy. */
int cc_materialize_local(cc_t *c, uint16_t local)
{
	for (uint32_t i = 0; i < c->vn; i++)
		if ((c->vs[i].kind == K_LOCAL || c->vs[i].kind == K_ADDK) && c->vs[i].local == local)
			CC_TRY(cc_materialize(c, i));
	SVM_ASSERT(no_reader(c, local));
	return 0;
}

/* cc_materialize_local when the last instruction (c->last_pc) wrote the top of the stack and
 * is to be retargeted to write `local`: the copies go before it (it is moved after them), so
 * they still read the old value. Safe: the copies write only homes of entries below the top,
 * which the moved instruction neither reads nor writes, and no label lies between them (binding
 * one resets last_pc). */
int cc_materialize_local_keep_last(cc_t *c, uint16_t local)
{
	bool need = false;
	for (uint32_t i = 0; i < c->vn && !need; i++)
		need = (c->vs[i].kind == K_LOCAL || c->vs[i].kind == K_ADDK) && c->vs[i].local == local;
	if (!need) return 0;
	SVM_ASSERT(c->last_pc >= 0 && (uint32_t)c->last_pc < c->pc); /* the caller's contract */
	uint32_t at = (uint32_t)c->last_pc, n = c->pc - at;
	uint8_t op = c->last_op;
	bool imm = c->last_imm;
	cell_t save[4];
	if (n > 4) return cc_materialize_local(c, local); /* resets last_pc: no fusion */
	memcpy(save, &c->code[at], n * sizeof(cell_t));
	c->pc = at;
	CC_TRY(cc_materialize_local(c, local));
	cell_t *p = cc_emit(c, n, save[0].fn);
	if (c->oom) return 0;
	memcpy(p, save, n * sizeof(cell_t));
	cc_produced(c, (uint32_t)(p - c->code), op, imm);
	SVM_ASSERT(no_reader(c, local) && c->last_pc >= 0 && (uint32_t)c->last_pc + n == c->pc);
	return 0;
}

/* Copies the top n entries to slots dst_base.. (a label's or the results' slots). Safe as
 * long as dst_base <= the home of the first entry and no entry reads a local in the target
 * range (the caller ensures it). */
int cc_move_top(cc_t *c, uint32_t n, uint16_t dst_base)
{
	SVM_ASSERT(n <= c->vn || !cc_live(c));
	/* the copies go downward or in place: none overwrites an entry not yet copied */
	SVM_ASSERT(!cc_live(c) || n == 0 || dst_base <= cc_home(c, c->vn - n));
	for (uint32_t k = 0; k < n; k++) CC_TRY(cc_write_ent(c, (uint16_t)(dst_base + k), c->vn - n + k));
	return 0;
}

void cc_patch(cc_t *c, uint32_t pc, uint32_t cell, uint8_t wide, uint32_t target)
{
	if (c->oom) return;
	SVM_ASSERT(pc < c->pc && cell > pc && cell < c->pc && target <= c->pc);
	int32_t rel = (int32_t)target - (int32_t)pc;
	if (wide) c->code[cell].w.lo = rel;
	else c->code[cell].r.k = (uint32_t)rel;
}

/* The branch that also charges its target's gas block (for branches to a loop that starts
 * with `gas`), or fn itself when there is none (br_table). */
static op_fn gas_form(op_fn fn)
{
	if (fn == wop_br) return wop_br_g;
	if (fn == wop_br_nz) return wop_br_nz_g;
	if (fn == wop_br_z) return wop_br_z_g;
	for (int op = 0x46; op <= 0x4f; op++) {
		if (fn == wasm_brcmp[op]) return wasm_brcmp_gas[op];
		if (fn == wasm_brcmp_imm[op]) return wasm_brcmp_imm_gas[op];
	}
	return fn;
}

/* Records that the offset at `cell` (of the instruction at pc) targets label l. Branches to a
 * loop go backward and are patched at once. */
int cc_fixup(cc_t *c, ctl_t *l, uint32_t pc, uint32_t cell, uint8_t wide)
{
	SVM_ASSERT(l->op <= 0x05);
	if (l->op == 0x03) {
		SVM_ASSERT(l->loop_pc <= pc); /* backward */
		cc_patch(c, pc, cell, wide, l->loop_pc);
		if (!c->oom && c->metering && c->code[l->loop_pc].fn == wop_gas)
			c->code[pc].fn = gas_form(c->code[pc].fn);
		return 0;
	}
	if (c->nfx == c->fxcap) {
		uint32_t ncap = c->fxcap ? c->fxcap * 2 : 64;
		fix_t *q = svm_realloc(c->fx, ncap * sizeof(fix_t));
		if (!q) return svm_error_set(c->err, SVM_ENOMEM, "out of memory");
		c->fx = q;
		c->fxcap = ncap;
	}
	SVM_ASSERT(c->nfx < c->fxcap && l->fix < (int32_t)c->nfx); /* lists link to older fixups */
	c->fx[c->nfx] = (fix_t){pc, cell, wide, l->fix};
	l->fix = (int32_t)c->nfx++;
	return 0;
}

/* An unconditional branch to l, its values already in place. */
int cc_branch(cc_t *c, ctl_t *l)
{
	uint32_t pc = c->pc;
	cc_emit(c, 2, wop_br);
	pc = c->pc - 2;
	SVM_ASSERT(c->oom || c->code[pc].fn == wop_br); /* after any gas instruction cc_emit added */
	return cc_fixup(c, l, pc, pc + 1, 1);
}

/* Binds l's end label here: patches every forward branch to it. */
void cc_bind(cc_t *c, ctl_t *l)
{
	SVM_ASSERT(l->op != 0x03 || l->fix < 0); /* a loop's branches were patched at once */
	for (int32_t i = l->fix; i >= 0; i = c->fx[i].next) {
		SVM_ASSERT((uint32_t)i < c->nfx && c->fx[i].next < i); /* the list ends */
		cc_patch(c, c->fx[i].pc, c->fx[i].cell, c->fx[i].wide, c->pc);
	}
	l->fix = -1;
	c->last_pc = -1;
	c->tee_pc = -1;
}

/* ------------------------------------------------------------------ gas */

void cc_gas_add(cc_t *c, uint64_t cost)
{
	SVM_ASSERT(c->blk_cost + cost >= c->blk_cost); /* prices are small; a body is bounded */
	c->blk_cost += cost;
}

void cc_gas_open(cc_t *c)
{
	SVM_ASSERT(!c->gas_pending && c->gas_pc < 0); /* the previous block was closed: its cost written */
	c->blk_cost = 0;
	c->gas_pc = -1;
	c->gas_pending = c->metering;
	c->last_pc = -1;
	c->tee_pc = -1;
}

int cc_gas_close(cc_t *c)
{
	if (!c->metering) return 0;
	if (c->gas_pc >= 0) {
		SVM_ASSERT(c->oom || c->code[c->gas_pc].fn == wop_gas);
		SVM_ASSERT(c->oom || (uint32_t)c->gas_pc + 2 <= c->pc); /* its cost cell was emitted */
		if (!c->oom) c->code[c->gas_pc + 1].u64 = c->blk_cost;
	} else if (c->gas_pending && c->blk_cost > 0 && cc_live(c)) {
		cell_t *p = raw(c, 2, wop_gas);
		if (p) p[1].u64 = c->blk_cost;
	}
	c->gas_pending = false;
	c->gas_pc = -1;
	c->last_pc = -1;
	c->tee_pc = -1;
	return 0;
}

/* Returns from the function with the top result_count entries as results (slots 0..n). */
int cc_emit_return(cc_t *c)
{
	uint32_t n = c->ft->result_count;
	SVM_ASSERT(n <= c->vn || !cc_live(c));
	for (uint32_t k = 0; k < n; k++) {
		vent_t *e = &c->vs[c->vn - n + k];
		if ((e->kind == K_LOCAL || e->kind == K_ADDK) && e->local < n)
			CC_TRY(cc_materialize(c, c->vn - n + k));
	}
	/* no result still reads a local among slots 0..n-1, which the move below overwrites */
	for (uint32_t k = 0; SVM_ASSERT_ON && cc_live(c) && k < n; k++)
		SVM_ASSERT(!((c->vs[c->vn - n + k].kind == K_LOCAL || c->vs[c->vn - n + k].kind == K_ADDK) &&
			     c->vs[c->vn - n + k].local < n));
	if (n == 1) {
		uint16_t s;
		CC_TRY(cc_slot(c, c->vn - 1, &s));
		cell_t *p = cc_emit(c, 2, wop_ret1);
		p[1].r.a = s;
		return 0;
	}
	CC_TRY(cc_move_top(c, n, 0));
	cc_emit(c, 1, wop_ret);
	return 0;
}

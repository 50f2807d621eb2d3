/* State of the one-pass function translator, shared by its three parts: validate.c (the
 * operand and control stacks of the spec's validation algorithm), emit.c (the code buffer,
 * branch fixups, gas blocks and the virtual operand stack's materialization) and compile.c
 * (the walk over opcodes).
 *
 * Translation model: the operand stack at height h lives in frame slot L + h (its "home"),
 * where L = params + locals, so every wasm instruction becomes a register-style instruction
 * on frame slots. local.get and constants are deferred (the entry remembers the local or the
 * constant) and materialized into their home only when something needs them there. */
#ifndef SVM_WASM_COMPILE_H
#define SVM_WASM_COMPILE_H

#include "vm/wasm/module.h"
#include "vm/wasm/ops.h"
#include "vm/wasm/reader.h"

/* Where a stack entry's value is: in its home slot, in a local, a constant, or (K_ADDK) an
 * i32 add of a constant to a base slot (a local or the entry's own home) not yet computed,
 * so that loads and stores can fold it into their address. */
enum { K_SLOT, K_LOCAL, K_CONST, K_ADDK };
_Static_assert(K_SLOT == 0 && K_ADDK == 3, "a zeroed entry is in its home; kinds end at K_ADDK");
#define T_UNKNOWN 0 /* the bottom type of unreachable code */

typedef struct {
	uint8_t type;
	uint8_t kind;
	uint16_t local; /* K_LOCAL: its slot; K_ADDK: the base slot */
	uint64_t k;     /* K_CONST: the bits; K_ADDK: the addend (u32) */
} vent_t;

typedef struct {
	uint8_t op; /* 0 function, 0x02 block, 0x03 loop, 0x04 if, 0x05 else */
	bool unreachable; /* the spec's flag: the stack is polymorphic */
	bool dead;        /* inside unreachable code: nothing is emitted */
	uint32_t height; /* operand stack height below the block's params */
	svm_wasm_functype_t bt;
	int32_t fix;      /* first forward-branch fixup to the end label, or -1 */
	uint32_t loop_pc; /* loop: where the body starts */
	int32_t else_pc;  /* if: the instruction branching to the else arm, or -1 */
	uint32_t else_cell; /* where its offset lives */
	uint8_t else_wide;
} ctl_t;

typedef struct {
	uint32_t pc;   /* instruction start */
	uint32_t cell; /* cell holding the offset */
	uint8_t wide;  /* 1: offset in cell.w.lo, 0: in cell.r.k */
	int32_t next;
} fix_t;

typedef struct {
	svm_wasm_module_t *m;
	wr_t r;
	svm_error_t *err;
	const svm_wasm_functype_t *ft;
	uint8_t *ltypes; /* params then locals */
	uint32_t nl;     /* params + locals = first operand-stack slot */
	vent_t *vs;
	uint32_t vn, vcap, vmax;
	ctl_t *cs;
	uint32_t cn, ccap;
	cell_t *code;
	uint32_t pc, cap, cap_max;
	fix_t *fx;
	uint32_t nfx, fxcap;
	/* metering */
	const wasm_gas_t *g;
	bool metering, gas_pending;
	int32_t gas_pc;
	uint64_t blk_cost;
	/* the last instruction, when it wrote the top of the stack (for local.set and br_if
	 * fusion): its pc and wasm opcode, or -1 */
	int32_t last_pc;
	uint8_t last_op;
	bool last_imm;
	/* the last instruction, when it is an i32.add writing local tee_local (for fusing
	 * `local.tee t; local.get t; load` into the add), or -1 */
	/* the producing instruction directly before last_pc (no label between), or -1 */
	int32_t prev_pc;
	int32_t tee_pc;
	uint16_t tee_local;
	int oom;
} cc_t;

#define CC_TRY(e)                        \
	do {                             \
		int rc_ = (e);           \
		if (rc_) return rc_;     \
	} while (0)

/* validate.c */
int cc_invalid(cc_t *c, const char *msg);
int cc_push(cc_t *c, uint8_t type);
int cc_push_ent(cc_t *c, vent_t e);
int cc_pop(cc_t *c, uint8_t want, vent_t *out);
int cc_pop_types(cc_t *c, const uint8_t *t, uint32_t n);
int cc_peek_types(cc_t *c, const uint8_t *t, uint32_t n);
int cc_ctl_push(cc_t *c, uint8_t op, const svm_wasm_functype_t *bt);
ctl_t *cc_top(cc_t *c);
int cc_label(cc_t *c, uint32_t depth, ctl_t **out);
void cc_label_types(const ctl_t *l, const uint8_t **t, uint32_t *n);
int cc_check_end(cc_t *c);
void cc_set_unreachable(cc_t *c);
static inline bool cc_live(cc_t *c)
{
	SVM_ASSERT(c->cn >= 1); /* inside the function's frame */
	return !c->cs[c->cn - 1].unreachable && !c->cs[c->cn - 1].dead;
}
static inline uint16_t cc_home(cc_t *c, uint32_t i)
{
	return (uint16_t)(c->nl + i);
}

/* emit.c */
cell_t *cc_emit(cc_t *c, uint32_t ncells, op_fn fn);
void cc_produced(cc_t *c, uint32_t pc, uint8_t wasm_op, bool imm);
int cc_slot(cc_t *c, uint32_t i, uint16_t *out);
int cc_materialize(cc_t *c, uint32_t i);
int cc_materialize_all(cc_t *c);
int cc_materialize_local(cc_t *c, uint16_t local);
int cc_materialize_local_keep_last(cc_t *c, uint16_t local);
int cc_write_ent(cc_t *c, uint16_t dst, uint32_t i);
int cc_move_top(cc_t *c, uint32_t n, uint16_t dst_base);
int cc_write_const(cc_t *c, uint16_t dst, uint8_t type, uint64_t k);
int cc_fixup(cc_t *c, ctl_t *l, uint32_t pc, uint32_t cell, uint8_t wide);
int cc_branch(cc_t *c, ctl_t *l);
void cc_bind(cc_t *c, ctl_t *l);
void cc_patch(cc_t *c, uint32_t pc, uint32_t cell, uint8_t wide, uint32_t target);
void cc_gas_add(cc_t *c, uint64_t cost);
void cc_gas_open(cc_t *c);
int cc_gas_close(cc_t *c);
int cc_emit_return(cc_t *c);

#endif

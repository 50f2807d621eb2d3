/* The interpreter: one handler per translated instruction, each ending in a guaranteed tail
 * call to the next (clang musttail), so dispatch is one indirect jump and ip, fp, the memory
 * base and size and the gas counter live in registers across the whole run. Operands address
 * 8-byte frame slots (fp[n]); i32/f32 values use the low 32 bits of a slot.
 *
 * Layouts ([cell0 = handler][cell1]...; r = {a,b:16, k:32}, s = {a,b,c,d:16}, w = {lo,hi:32}):
 *   br [w.lo rel]            br_nz/br_z [r.a cond, r.k rel]     br_table [r.a idx, r.k n][rel]*(n+1)
 *   ret []  ret1 [r.a src]   gas [u64 cost]                     call [r.a base, r.k func]
 *   call_indirect [r.a base, r.b idx, r.k type][w.lo table]      copy [s.a dst, s.b src]
 *   const32 [r.a dst, r.k v] const64 [r.a dst][u64 v]           select [s.a dst, s.b c, s.c x, s.d y]
 *   global_get/set [r.a slot, r.k global]   loads and stores: see LOAD and STORE below
 *   bulk ops [s.a, s.b, s.c][w.lo, w.hi]
 * Branch offsets are in cells, relative to the branching instruction's first cell.
 *
 * Floating point: arithmetic results that are NaN are replaced by the canonical NaN
 * (0x7fc00000 / 0x7ff8000000000000), so results are identical on every CPU; operators the spec
 * defines bitwise (abs, neg, copysign, reinterpret, loads, stores) keep payloads. */
#include <math.h>
#include <string.h>

#include "vm/wasm/ops.h"

#pragma clang fp contract(off)

#define H(name) int wop_##name(OP_PARAMS)
#define DISPATCH() __attribute__((musttail)) return ip->fn(ip, fp, mem, memsz, gas, x)
#define NEXT(n)                 \
	do {                    \
		ip += (n);      \
		DISPATCH();     \
	} while (0)
#define LIKELY(c) __builtin_expect(!!(c), 1)
#define UNLIKELY(c) __builtin_expect(!!(c), 0)
#define RA fp[ip[1].r.a]
#define RB fp[ip[1].r.b]
#define SA fp[ip[1].s.a]
#define SB fp[ip[1].s.b]
#define SC fp[ip[1].s.c]
#define SD fp[ip[1].s.d]
#define TRAP(msg) return trap(x, gas, msg)

typedef uint16_t u16u __attribute__((aligned(1), may_alias));
typedef uint32_t u32u __attribute__((aligned(1), may_alias));
typedef uint64_t u64u __attribute__((aligned(1), may_alias));

__attribute__((noinline, cold)) static int trap(struct exec *x, int64_t gas, const char *msg)
{
	x->gas = gas;
	x->trap = msg;
	x->code = SVM_ETRAP;
	return SVM_ETRAP;
}

/* Trap exits with the handler signature, so hot handlers reach them by a tail jump and
 * need no stack frame of their own. */
#define TRAP_EXIT(name, msg)                                                       \
	__attribute__((noinline, cold)) static int trap_##name(OP_PARAMS)          \
	{                                                                          \
		return trap(x, gas, msg);                                          \
	}
TRAP_EXIT(oob, TRAP_OOB)
TRAP_EXIT(div0, TRAP_DIV0)
TRAP_EXIT(overflow, TRAP_OVERFLOW)
__attribute__((noinline, cold)) static int trap_gas(OP_PARAMS)
{
	x->gas = 0;
	x->trap = TRAP_GAS;
	x->code = SVM_EGAS;
	return SVM_EGAS;
}
#define TRAP_TAIL(name) __attribute__((musttail)) return trap_##name(ip, fp, mem, memsz, gas, x)

__attribute__((noinline, cold)) static int out_of_gas(struct exec *x)
{
	x->gas = 0;
	x->trap = TRAP_GAS;
	x->code = SVM_EGAS;
	return SVM_EGAS;
}

#define CHARGE(n)                                           \
	do {                                                \
		uint64_t c_ = (n);                          \
		if (UNLIKELY(c_ > (uint64_t)gas)) return out_of_gas(x); \
		gas -= (int64_t)c_;                         \
	} while (0)

#define RELOAD_MEM()                                             \
	do {                                                     \
		svm_wasm_memory_t *m_ = x->inst->mem;            \
		SVM_ASSERT(!m_ || m_->bytes == (uint64_t)m_->pages * WASM_PAGE); \
		mem = m_ ? m_->data : NULL;                      \
		memsz = m_ ? m_->bytes : 0;                      \
	} while (0)

static inline float f32_of(uint64_t v)
{
	union { uint32_t u; float f; } c = {(uint32_t)v};
	return c.f;
}
static inline double f64_of(uint64_t v)
{
	union { uint64_t u; double f; } c = {v};
	return c.f;
}
static inline uint64_t bits_f32(float f)
{
	union { float f; uint32_t u; } c = {f};
	return c.u;
}
static inline uint64_t bits_f64(double f)
{
	union { double f; uint64_t u; } c = {f};
	return c.u;
}
/* Canonical-NaN writers for arithmetic results. */
static inline uint64_t cf32(float f)
{
	return f != f ? 0x7fc00000u : bits_f32(f);
}
static inline uint64_t cf64(double f)
{
	return f != f ? 0x7ff8000000000000ull : bits_f64(f);
}

/* ---------------------------------------------------------------- control */

H(exit)
{
	SVM_ASSERT(gas >= 0); /* every charge checks before it subtracts */
	x->gas = gas;
	return 0;
}

H(unreachable) { TRAP(TRAP_UNREACHABLE); }

H(gas)
{
	gas -= ip[1].i64;
	if (UNLIKELY(gas < 0)) TRAP_TAIL(gas);
	NEXT(2);
}

H(br)
{
	ip += ip[1].w.lo;
	DISPATCH();
}

/* Branches to a loop whose first instruction is `gas` (its back edges) have _g forms that
 * charge that block's cost themselves and land after it: one dispatch fewer per iteration.
 * The cost is read from the target's gas cell, so it is the same figure either way. */
#define TAKE_LOOP(rel)                                                  \
	do {                                                            \
		ip += (rel);                                            \
		gas -= ip[1].i64;                                       \
		if (UNLIKELY(gas < 0)) TRAP_TAIL(gas);                  \
		NEXT(2);                                                \
	} while (0)

H(br_g) { TAKE_LOOP(ip[1].w.lo); }

H(br_nz_g)
{
	if ((uint32_t)RA) TAKE_LOOP((int32_t)ip[1].r.k);
	NEXT(2);
}

H(br_z_g)
{
	if (!(uint32_t)RA) TAKE_LOOP((int32_t)ip[1].r.k);
	NEXT(2);
}

H(br_nz)
{
	if ((uint32_t)RA) {
		ip += (int32_t)ip[1].r.k;
		DISPATCH();
	}
	NEXT(2);
}

H(br_z)
{
	if (!(uint32_t)RA) {
		ip += (int32_t)ip[1].r.k;
		DISPATCH();
	}
	NEXT(2);
}

H(br_table)
{
	uint32_t i = (uint32_t)RA, n = ip[1].r.k;
	if (i > n) i = n;
	ip += ip[2 + i].w.lo;
	DISPATCH();
}

H(ret)
{
	SVM_ASSERT(x->frame >= x->frames && x->frame < x->frames_end); /* the sentinel returns last */
	wframe_t *f = x->frame--;
	ip = f->ip;
	fp = f->fp;
	x->inst = f->inst;
	RELOAD_MEM();
	DISPATCH();
}

H(ret1)
{
	SVM_ASSERT(x->frame >= x->frames && x->frame < x->frames_end);
	fp[0] = RA;
	wframe_t *f = x->frame--;
	ip = f->ip;
	fp = f->fp;
	x->inst = f->inst;
	RELOAD_MEM();
	DISPATCH();
}

/* Runs a host function with its args (and results) at nfp; the gas counter is in x->gas. */
__attribute__((noinline)) static int call_host(svm_wasm_func_t *f, uint64_t *nfp, struct exec *x)
{
	const wasm_gas_t *g = x->inst->module->gas;
	if ((uint64_t)x->gas < g->host_call) return out_of_gas(x);
	x->gas -= g->host_call;
	if (x->frame + 1 >= x->frames_end) {
		x->trap = TRAP_STACK;
		return x->code = SVM_ETRAP;
	}
	svm_wasm_instance_t *caller = x->inst;
	wframe_t *frame = ++x->frame;
	x->frame->inst = caller;
	int rc = f->host(caller, f->user, nfp, nfp);
	SVM_ASSERT(x->frame == frame && x->gas >= 0); /* a host function keeps the frame stack */
	x->frame--;
	x->inst = caller;
	if (rc) {
		x->code = rc;
		if (!x->trap) x->trap = "host function failed";
	}
	return rc;
}

/* Enters wasm function f with its frame at nfp, returning to ret_ip. */
#define ENTER(f, nfp, ret_ip)                                                             \
	do {                                                                              \
		if (!(f)->code) {                                                         \
			x->gas = gas;                                                     \
			int rc_ = call_host((f), (nfp), x);                               \
			if (rc_) return rc_;                                              \
			gas = x->gas;                                                     \
			RELOAD_MEM();                                                     \
			ip = (ret_ip);                                                    \
			DISPATCH();                                                       \
		}                                                                         \
		const wcode_t *c_ = (f)->code;                                            \
		SVM_ASSERT(c_->nparams + c_->nlocals <= c_->frame_slots);                 \
		if (UNLIKELY(x->frame + 1 >= x->frames_end ||                             \
			     (nfp) + c_->frame_slots > x->stack_end))                     \
			TRAP(TRAP_STACK);                                                 \
		wframe_t *fr_ = ++x->frame;                                               \
		fr_->ip = (ret_ip);                                                       \
		fr_->fp = fp;                                                             \
		fr_->inst = x->inst;                                                      \
		for (uint32_t i_ = 0; i_ < c_->nlocals; i_++) (nfp)[c_->nparams + i_] = 0; \
		if ((f)->inst != x->inst) {                                               \
			x->inst = (f)->inst;                                              \
			RELOAD_MEM();                                                     \
		}                                                                         \
		ip = c_->ops;                                                             \
		fp = (nfp);                                                               \
		DISPATCH();                                                               \
	} while (0)

H(call)
{
	SVM_ASSERT(ip[1].r.k < x->inst->module->nfuncs); /* validated index */
	svm_wasm_func_t *f = x->inst->funcs[ip[1].r.k];
	uint64_t *nfp = fp + ip[1].r.a;
	ENTER(f, nfp, ip + 2);
}

H(call_indirect)
{
	SVM_ASSERT(ip[2].w.lo >= 0 && (uint32_t)ip[2].w.lo < x->inst->module->ntables);
	SVM_ASSERT(ip[1].r.k < x->inst->module->ntypes);
	svm_wasm_table_t *t = x->inst->tables[ip[2].w.lo];
	uint32_t i = (uint32_t)RB;
	if (UNLIKELY(i >= t->size)) TRAP(TRAP_UNDEFINED);
	svm_wasm_func_t *f = (svm_wasm_func_t *)(uintptr_t)t->elems[i];
	if (UNLIKELY(!f)) TRAP(TRAP_UNINIT);
	const svm_wasm_functype_t *want = &x->inst->module->types[ip[1].r.k];
	if (f->type != want && !wasm_functype_eq(f->type, want)) TRAP(TRAP_SIGNATURE);
	uint64_t *nfp = fp + ip[1].r.a;
	ENTER(f, nfp, ip + 3);
}

/* ------------------------------------------------------- data movement */

H(copy)
{
	SA = SB;
	NEXT(2);
}

H(const32)
{
	RA = ip[1].r.k;
	NEXT(2);
}

H(const64)
{
	RA = ip[2].u64;
	NEXT(3);
}

H(select)
{
	SA = (uint32_t)SB ? SC : SD;
	NEXT(2);
}

H(global_get)
{
	SVM_ASSERT(ip[1].r.k < x->inst->module->nglobals);
	RA = x->inst->globals[ip[1].r.k]->value;
	NEXT(2);
}

H(global_set)
{
	SVM_ASSERT(ip[1].r.k < x->inst->module->nglobals && x->inst->globals[ip[1].r.k]->mut);
	x->inst->globals[ip[1].r.k]->value = RA;
	NEXT(2);
}

H(ref_func)
{
	SVM_ASSERT(ip[1].r.k < x->inst->module->nfuncs);
	RA = (uint64_t)(uintptr_t)x->inst->funcs[ip[1].r.k];
	NEXT(2);
}

/* ----------------------------------------------------------------- memory */

/* Loads come in three address forms:
 *   name     [r.a dst, r.b addr, r.k off]             ea = u32(addr) + off
 *   name_ai  [r.a dst, r.b base, r.k imm][w.lo off]   ea = u32(base + imm) + off (a fused
 *            i32.add of a constant; the add wraps at 2^32, the offset does not)
 *   name_k   [r.a dst, r.k ea]                        a constant address (+ offset) < 2^32
 * and two forms fusing `i32.add; local.tee t; local.get t` before the load (t = the sum):
 *   name_rrt [s.a dst, s.b x, s.c y, s.d t][w.lo off]            t = u32(x + y), ea = t + off
 *   name_rit [s.a dst, s.b x, s.d t][w.lo off, w.hi imm]         t = u32(x + imm), ea = t + off */
#define LOAD(name, n, expr)                                                          \
	H(name)                                                                      \
	{                                                                            \
		uint64_t ea = (uint64_t)(uint32_t)RB + ip[1].r.k;                    \
		if (UNLIKELY(ea + (n) > memsz)) TRAP_TAIL(oob);                      \
		RA = (expr);                                                         \
		NEXT(2);                                                             \
	}                                                                            \
	H(name##_ai)                                                                 \
	{                                                                            \
		uint64_t ea = (uint64_t)(uint32_t)((uint32_t)RB + ip[1].r.k) + (uint32_t)ip[2].w.lo; \
		if (UNLIKELY(ea + (n) > memsz)) TRAP_TAIL(oob);                      \
		RA = (expr);                                                         \
		NEXT(3);                                                             \
	}                                                                            \
	H(name##_k)                                                                  \
	{                                                                            \
		uint64_t ea = ip[1].r.k;                                             \
		if (UNLIKELY(ea + (n) > memsz)) TRAP_TAIL(oob);                      \
		RA = (expr);                                                         \
		NEXT(2);                                                             \
	}                                                                            \
	H(name##_rrt)                                                                \
	{                                                                            \
		uint32_t t = (uint32_t)SB + (uint32_t)SC;                            \
		SD = t;                                                              \
		uint64_t ea = (uint64_t)t + (uint32_t)ip[2].w.lo;                    \
		if (UNLIKELY(ea + (n) > memsz)) TRAP_TAIL(oob);                      \
		SA = (expr);                                                         \
		NEXT(3);                                                             \
	}                                                                            \
	H(name##_rit)                                                                \
	{                                                                            \
		uint32_t t = (uint32_t)SB + (uint32_t)ip[2].w.hi;                    \
		SD = t;                                                              \
		uint64_t ea = (uint64_t)t + (uint32_t)ip[2].w.lo;                    \
		if (UNLIKELY(ea + (n) > memsz)) TRAP_TAIL(oob);                      \
		SA = (expr);                                                         \
		NEXT(3);                                                             \
	}
LOAD(ld32, 4, *(const u32u *)(mem + ea))
LOAD(ld64, 8, *(const u64u *)(mem + ea))
LOAD(ld8s32, 1, (uint32_t)(int32_t)(int8_t)mem[ea])
LOAD(ld8u, 1, mem[ea])
LOAD(ld16s32, 2, (uint32_t)(int32_t)(int16_t)*(const u16u *)(mem + ea))
LOAD(ld16u, 2, *(const u16u *)(mem + ea))
LOAD(ld8s64, 1, (uint64_t)(int64_t)(int8_t)mem[ea])
LOAD(ld16s64, 2, (uint64_t)(int64_t)(int16_t)*(const u16u *)(mem + ea))
LOAD(ld32s64, 4, (uint64_t)(int64_t)(int32_t)*(const u32u *)(mem + ea))

/* i32.mul of two loads of the same kind, both with a fused add of a constant (_ai): the core
 * of integer dot products. [s.a dst, s.b base1, s.c base2][w.lo imm1, w.hi imm2][w.lo off1,
 * w.hi off2]. Either load out of bounds traps (the same trap whichever it is). */
#define MUL_LOADS(name, n, rd)                                                                 \
	H(name##_mul2)                                                                         \
	{                                                                                      \
		uint64_t e1 = (uint64_t)(uint32_t)((uint32_t)SB + (uint32_t)ip[2].w.lo) + (uint32_t)ip[3].w.lo; \
		uint64_t e2 = (uint64_t)(uint32_t)((uint32_t)SC + (uint32_t)ip[2].w.hi) + (uint32_t)ip[3].w.hi; \
		if (UNLIKELY(e1 + (n) > memsz || e2 + (n) > memsz)) TRAP_TAIL(oob);            \
		SA = (uint32_t)((uint32_t)rd(mem + e1) * (uint32_t)rd(mem + e2));               \
		NEXT(4);                                                                       \
	}
#define RD32(p) (*(const u32u *)(p))
#define RD8S(p) ((int32_t)*(const int8_t *)(p))
#define RD8U(p) (*(const uint8_t *)(p))
#define RD16S(p) ((int32_t)*(const int16_t *)(const void *)(p))
#define RD16U(p) (*(const u16u *)(p))
/* Multiply-add with one factor loaded: [s.a dst, s.b acc, s.c base, s.d y][w.lo imm, w.hi off],
 * dst = acc + load(u32(base + imm) + off) * y. */
#define MADD_LOAD(name, n, rd)                                                                 \
	H(name##_madd)                                                                         \
	{                                                                                      \
		uint64_t e = (uint64_t)(uint32_t)((uint32_t)SC + (uint32_t)ip[2].w.lo) + (uint32_t)ip[2].w.hi; \
		if (UNLIKELY(e + (n) > memsz)) TRAP_TAIL(oob);                                 \
		SA = (uint32_t)((uint32_t)SB + (uint32_t)rd(mem + e) * (uint32_t)SD);         \
		NEXT(3);                                                                       \
	}
MUL_LOADS(ld32, 4, RD32)
MADD_LOAD(ld32, 4, RD32)
MADD_LOAD(ld8s32, 1, RD8S)
MADD_LOAD(ld8u, 1, RD8U)
MADD_LOAD(ld16s32, 2, RD16S)
MADD_LOAD(ld16u, 2, RD16U)
MUL_LOADS(ld8s32, 1, RD8S)
MUL_LOADS(ld8u, 1, RD8U)
MUL_LOADS(ld16s32, 2, RD16S)
MUL_LOADS(ld16u, 2, RD16U)

/* Stores: the same three address forms, each with the value in a slot or as an immediate
 * (sign-extended from 32 bits; only st64 sees the extension):
 *   name      [r.a addr, r.b val, r.k off]            name_i    [r.a addr, r.k off][w.lo val]
 *   name_ai   [r.a base, r.b val, r.k imm][w.lo off]  name_ai_i [r.a base, r.k imm][w.lo off, w.hi val]
 *   name_k    [r.b val, r.k ea]                       name_k_i  [r.k ea][w.lo val] */
#define IMM64(v) ((uint64_t)(int64_t)(v))
#define STORE(name, n, stmt)                                                          \
	H(name)                                                                       \
	{                                                                             \
		uint64_t ea = (uint64_t)(uint32_t)RA + ip[1].r.k;                     \
		if (UNLIKELY(ea + (n) > memsz)) TRAP_TAIL(oob);                       \
		uint64_t v = RB;                                                      \
		stmt;                                                                 \
		NEXT(2);                                                              \
	}                                                                             \
	H(name##_i)                                                                   \
	{                                                                             \
		uint64_t ea = (uint64_t)(uint32_t)RA + ip[1].r.k;                     \
		if (UNLIKELY(ea + (n) > memsz)) TRAP_TAIL(oob);                       \
		uint64_t v = IMM64(ip[2].w.lo);                                       \
		stmt;                                                                 \
		NEXT(3);                                                              \
	}                                                                             \
	H(name##_ai)                                                                  \
	{                                                                             \
		uint64_t ea = (uint64_t)(uint32_t)((uint32_t)RA + ip[1].r.k) + (uint32_t)ip[2].w.lo; \
		if (UNLIKELY(ea + (n) > memsz)) TRAP_TAIL(oob);                       \
		uint64_t v = RB;                                                      \
		stmt;                                                                 \
		NEXT(3);                                                              \
	}                                                                             \
	H(name##_ai_i)                                                                \
	{                                                                             \
		uint64_t ea = (uint64_t)(uint32_t)((uint32_t)RA + ip[1].r.k) + (uint32_t)ip[2].w.lo; \
		if (UNLIKELY(ea + (n) > memsz)) TRAP_TAIL(oob);                       \
		uint64_t v = IMM64(ip[2].w.hi);                                       \
		stmt;                                                                 \
		NEXT(3);                                                              \
	}                                                                             \
	H(name##_k)                                                                   \
	{                                                                             \
		uint64_t ea = ip[1].r.k;                                              \
		if (UNLIKELY(ea + (n) > memsz)) TRAP_TAIL(oob);                       \
		uint64_t v = RB;                                                      \
		stmt;                                                                 \
		NEXT(2);                                                              \
	}                                                                             \
	H(name##_k_i)                                                                 \
	{                                                                             \
		uint64_t ea = ip[1].r.k;                                              \
		if (UNLIKELY(ea + (n) > memsz)) TRAP_TAIL(oob);                       \
		uint64_t v = IMM64(ip[2].w.lo);                                       \
		stmt;                                                                 \
		NEXT(3);                                                              \
	}
STORE(st8, 1, mem[ea] = (uint8_t)v)
STORE(st16, 2, *(u16u *)(mem + ea) = (uint16_t)v)
STORE(st32, 4, *(u32u *)(mem + ea) = (uint32_t)v)
STORE(st64, 8, *(u64u *)(mem + ea) = v)

H(memory_size)
{
	SVM_ASSERT(memsz % WASM_PAGE == 0 && memsz / WASM_PAGE <= 65536);
	RA = memsz / WASM_PAGE;
	NEXT(2);
}

H(memory_grow)
{
	uint32_t delta = (uint32_t)RB, old = 0;
	SVM_ASSERT(x->inst->mem && memsz == x->inst->mem->bytes); /* validated: memory 0 exists */
	CHARGE((uint64_t)delta * x->inst->module->gas->mem_page);
	int rc = wasm_memory_grow(x->inst->mem, delta, &old);
	if (rc == SVM_ENOMEM) {
		x->gas = gas;
		x->trap = "out of memory";
		return x->code = SVM_ENOMEM;
	}
	SVM_ASSERT(rc != 0 || x->inst->mem->pages == (uint64_t)old + delta);
	RA = rc ? 0xffffffffu : old;
	RELOAD_MEM();
	NEXT(2);
}

H(memory_fill)
{
	uint64_t d = (uint32_t)SA, n = (uint32_t)SC;
	CHARGE(wasm_gas_bulk(x->inst->module->gas, n));
	if (UNLIKELY(d + n > memsz)) TRAP(TRAP_OOB);
	SVM_ASSERT(mem != NULL || n == 0); /* memory 0 exists (validated), never NULL */
	memset(mem + d, (uint8_t)SB, n);
	NEXT(2);
}

H(memory_copy)
{
	uint64_t d = (uint32_t)SA, s = (uint32_t)SB, n = (uint32_t)SC;
	CHARGE(wasm_gas_bulk(x->inst->module->gas, n));
	if (UNLIKELY(d + n > memsz || s + n > memsz)) TRAP(TRAP_OOB);
	SVM_ASSERT(mem != NULL || n == 0);
	memmove(mem + d, mem + s, n);
	NEXT(2);
}

H(memory_init)
{
	uint32_t seg = (uint32_t)ip[2].w.lo;
	uint64_t d = (uint32_t)SA, s = (uint32_t)SB, n = (uint32_t)SC;
	SVM_ASSERT(seg < x->inst->module->ndatas);
	SVM_ASSERT(x->inst->data_len[seg] == 0 || x->inst->data_len[seg] == x->inst->module->datas[seg].len);
	CHARGE(wasm_gas_bulk(x->inst->module->gas, n));
	if (UNLIKELY(d + n > memsz || s + n > x->inst->data_len[seg])) TRAP(TRAP_OOB);
	memcpy(mem + d, x->inst->module->datas[seg].bytes + s, n);
	NEXT(3);
}

H(data_drop)
{
	SVM_ASSERT(ip[1].w.lo >= 0 && (uint32_t)ip[1].w.lo < x->inst->module->ndatas);
	x->inst->data_len[ip[1].w.lo] = 0;
	NEXT(2);
}

/* ----------------------------------------------------------------- tables */

H(table_get)
{
	SVM_ASSERT(ip[1].r.k < x->inst->module->ntables);
	svm_wasm_table_t *t = x->inst->tables[ip[1].r.k];
	uint32_t i = (uint32_t)RB;
	if (UNLIKELY(i >= t->size)) TRAP(TRAP_TABLE_OOB);
	SVM_ASSERT(t->elems != NULL);
	RA = t->elems[i];
	NEXT(2);
}

H(table_set)
{
	SVM_ASSERT(ip[1].r.k < x->inst->module->ntables);
	svm_wasm_table_t *t = x->inst->tables[ip[1].r.k];
	uint32_t i = (uint32_t)RA;
	if (UNLIKELY(i >= t->size)) TRAP(TRAP_TABLE_OOB);
	t->elems[i] = RB;
	NEXT(2);
}

H(table_size)
{
	SVM_ASSERT(ip[1].r.k < x->inst->module->ntables);
	RA = x->inst->tables[ip[1].r.k]->size;
	NEXT(2);
}

H(table_grow)
{
	svm_wasm_table_t *t = x->inst->tables[ip[2].w.lo];
	uint32_t n = (uint32_t)SC, old = 0;
	CHARGE((uint64_t)n * x->inst->module->gas->table_elem);
	int rc = wasm_table_grow(t, n, SB, &old);
	if (rc == SVM_ENOMEM) {
		x->gas = gas;
		x->trap = "out of memory";
		return x->code = SVM_ENOMEM;
	}
	SVM_ASSERT(rc != 0 || t->size == (uint64_t)old + n);
	SA = rc ? 0xffffffffu : old;
	NEXT(3);
}

H(table_fill)
{
	svm_wasm_table_t *t = x->inst->tables[ip[2].w.lo];
	uint64_t i = (uint32_t)SA, n = (uint32_t)SC, v = SB;
	CHARGE(n * x->inst->module->gas->table_elem);
	if (UNLIKELY(i + n > t->size)) TRAP(TRAP_TABLE_OOB);
	SVM_ASSERT(i + n <= t->size && t->size <= x->store->limits.table_elems_max);
	for (uint64_t k = 0; k < n; k++) t->elems[i + k] = v;
	NEXT(3);
}

H(table_copy)
{
	svm_wasm_table_t *dt = x->inst->tables[ip[2].w.lo], *st = x->inst->tables[ip[2].w.hi];
	uint64_t d = (uint32_t)SA, s = (uint32_t)SB, n = (uint32_t)SC;
	CHARGE(n * x->inst->module->gas->table_elem);
	if (UNLIKELY(d + n > dt->size || s + n > st->size)) TRAP(TRAP_TABLE_OOB);
	SVM_ASSERT(dt->elem == st->elem); /* validated: same reference type */
	memmove(dt->elems + d, st->elems + s, n * sizeof(uint64_t));
	NEXT(3);
}

H(table_init)
{
	svm_wasm_table_t *t = x->inst->tables[ip[2].w.lo];
	uint32_t seg = (uint32_t)ip[2].w.hi;
	uint64_t d = (uint32_t)SA, s = (uint32_t)SB, n = (uint32_t)SC;
	SVM_ASSERT(seg < x->inst->module->nelems && x->inst->elem_len[seg] <= x->inst->module->elems[seg].count);
	CHARGE(n * x->inst->module->gas->table_elem);
	if (UNLIKELY(d + n > t->size || s + n > x->inst->elem_len[seg])) TRAP(TRAP_TABLE_OOB);
	memcpy(t->elems + d, x->inst->elem_items[seg] + s, n * sizeof(uint64_t));
	NEXT(3);
}

H(elem_drop)
{
	SVM_ASSERT(ip[1].w.lo >= 0 && (uint32_t)ip[1].w.lo < x->inst->module->nelems);
	x->inst->elem_len[ip[1].w.lo] = 0;
	NEXT(2);
}

/* ------------------------------------------------------ numeric operators */

#define I32(v) ((uint32_t)(v))
#define S32(v) ((int32_t)(uint32_t)(v))
#define I64(v) ((uint64_t)(v))
#define S64(v) ((int64_t)(v))
#define W32(v) ((uint64_t)(uint32_t)(v))

#define UNOP(op, expr)                  \
	static H(n_##op)                \
	{                               \
		uint64_t a = SB;        \
		SA = (expr);            \
		NEXT(2);                \
	}
#define BINOP(op, expr)                 \
	static H(n_##op)                \
	{                               \
		uint64_t a = SB, b = SC;\
		SA = (expr);            \
		NEXT(2);                \
	}
/* Immediate forms: b is the sign-extended 32-bit immediate. */
#define BINOP_IMM(op, expr)                                     \
	static H(ni_##op)                                       \
	{                                                       \
		uint64_t a = RB, b = (uint64_t)(int64_t)(int32_t)ip[1].r.k; \
		RA = (expr);                                    \
		NEXT(2);                                        \
	}
#define BINOP2(op, expr) BINOP(op, expr) BINOP_IMM(op, expr)
/* Compare fused with a branch taken when true. */
#define BRCMP(op, cond)                                                  \
	static H(bc_##op)                                                \
	{                                                                \
		uint64_t a = RA, b = RB;                                 \
		if (cond) {                                              \
			ip += (int32_t)ip[1].r.k;                        \
			DISPATCH();                                      \
		}                                                        \
		NEXT(2);                                                 \
	}                                                                \
	static H(bci_##op)                                               \
	{                                                                \
		uint64_t a = RA, b = (uint64_t)(int64_t)(int32_t)ip[1].r.k; \
		if (cond) {                                              \
			ip += ip[2].w.lo;                                \
			DISPATCH();                                      \
		}                                                        \
		NEXT(3);                                                 \
	}                                                                \
	static H(bcg_##op)                                               \
	{                                                                \
		uint64_t a = RA, b = RB;                                 \
		if (cond) TAKE_LOOP((int32_t)ip[1].r.k);                 \
		NEXT(2);                                                 \
	}                                                                \
	static H(bcig_##op)                                              \
	{                                                                \
		uint64_t a = RA, b = (uint64_t)(int64_t)(int32_t)ip[1].r.k; \
		if (cond) TAKE_LOOP(ip[2].w.lo);                         \
		NEXT(3);                                                 \
	}
#define CMP32(op, expr) BINOP2(op, expr) BRCMP(op, expr)

/* i32 */
UNOP(45, I32(a) == 0)
CMP32(46, I32(a) == I32(b))
CMP32(47, I32(a) != I32(b))
CMP32(48, S32(a) < S32(b))
CMP32(49, I32(a) < I32(b))
CMP32(4a, S32(a) > S32(b))
CMP32(4b, I32(a) > I32(b))
CMP32(4c, S32(a) <= S32(b))
CMP32(4d, I32(a) <= I32(b))
CMP32(4e, S32(a) >= S32(b))
CMP32(4f, I32(a) >= I32(b))
/* i64 */
UNOP(50, a == 0)
BINOP2(51, a == b)
BINOP2(52, a != b)
BINOP2(53, S64(a) < S64(b))
BINOP2(54, a < b)
BINOP2(55, S64(a) > S64(b))
BINOP2(56, a > b)
BINOP2(57, S64(a) <= S64(b))
BINOP2(58, a <= b)
BINOP2(59, S64(a) >= S64(b))
BINOP2(5a, a >= b)
/* f32 / f64 compares */
BINOP(5b, f32_of(a) == f32_of(b))
BINOP(5c, f32_of(a) != f32_of(b))
BINOP(5d, f32_of(a) < f32_of(b))
BINOP(5e, f32_of(a) > f32_of(b))
BINOP(5f, f32_of(a) <= f32_of(b))
BINOP(60, f32_of(a) >= f32_of(b))
BINOP(61, f64_of(a) == f64_of(b))
BINOP(62, f64_of(a) != f64_of(b))
BINOP(63, f64_of(a) < f64_of(b))
BINOP(64, f64_of(a) > f64_of(b))
BINOP(65, f64_of(a) <= f64_of(b))
BINOP(66, f64_of(a) >= f64_of(b))
/* i32 arithmetic */
UNOP(67, I32(a) ? (uint64_t)__builtin_clz(I32(a)) : 32)
UNOP(68, I32(a) ? (uint64_t)__builtin_ctz(I32(a)) : 32)
UNOP(69, (uint64_t)__builtin_popcount(I32(a)))
BINOP2(6a, W32(I32(a) + I32(b)))
BINOP2(6b, W32(I32(a) - I32(b)))
BINOP2(6c, W32(I32(a) * I32(b)))
BINOP2(71, W32(a & b))
BINOP2(72, W32(a | b))
BINOP2(73, W32(a ^ b))
BINOP2(74, W32(I32(a) << (b & 31)))
BINOP2(75, W32(S32(a) >> (b & 31)))
BINOP2(76, W32(I32(a) >> (b & 31)))
BINOP2(77, W32((I32(a) << (b & 31)) | (I32(a) >> ((32 - (b & 31)) & 31))))
BINOP2(78, W32((I32(a) >> (b & 31)) | (I32(a) << ((32 - (b & 31)) & 31))))

/* Multiply-add, fusing a multiply with the add that consumes it: [s.a dst, s.b acc, s.c x, s.d y]. */
H(madd32)
{
	SA = W32(I32(SB) + I32(SC) * I32(SD));
	NEXT(2);
}
H(madd64)
{
	SA = SB + SC * SD;
	NEXT(2);
}

/* An i32 add/and/or/xor whose operand was just shifted or rotated by a constant:
 * [s.a dst, s.b acc, s.c x, s.d k] computes acc OP (x SHIFT k), k in 0..31. */
#define SHL_(a, k) ((a) << (k))
#define SHRS_(a, k) ((uint32_t)((int32_t)(a) >> (k)))
#define SHRU_(a, k) ((a) >> (k))
#define ROTL_(a, k) (((a) << (k)) | ((a) >> ((32 - (k)) & 31)))
#define ROTR_(a, k) (((a) >> (k)) | ((a) << ((32 - (k)) & 31)))
#define SHOP(o, OP, n, SH)                                         \
	static H(sh_##o##_##n)                                     \
	{                                                          \
		uint32_t v = I32(SC), k = ip[1].s.d;               \
		SVM_ASSERT(k < 32); /* the translator fuses constant shifts only */ \
		SA = W32(I32(SB) OP SH(v, k));                     \
		NEXT(2);                                           \
	}
#define SHOPS(o, OP) SHOP(o, OP, shl, SHL_) SHOP(o, OP, shrs, SHRS_) SHOP(o, OP, shru, SHRU_) \
	SHOP(o, OP, rotl, ROTL_) SHOP(o, OP, rotr, ROTR_)
SHOPS(add, +)
SHOPS(and, &)
SHOPS(or, |)
SHOPS(xor, ^)
#define SHROW(o) {wop_sh_##o##_shl, wop_sh_##o##_shrs, wop_sh_##o##_shru, wop_sh_##o##_rotl, wop_sh_##o##_rotr}
const op_fn wasm_shiftop[4][5] = {SHROW(add), SHROW(and), SHROW(or), SHROW(xor)};

static H(n_6d)
{
	int32_t a = S32(SB), b = S32(SC);
	if (UNLIKELY(b == 0)) TRAP_TAIL(div0);
	if (UNLIKELY(a == INT32_MIN && b == -1)) TRAP_TAIL(overflow);
	SA = W32(a / b);
	NEXT(2);
}
static H(n_6e)
{
	uint32_t a = I32(SB), b = I32(SC);
	if (UNLIKELY(b == 0)) TRAP_TAIL(div0);
	SA = a / b;
	NEXT(2);
}
static H(n_6f)
{
	int32_t a = S32(SB), b = S32(SC);
	if (UNLIKELY(b == 0)) TRAP_TAIL(div0);
	SA = b == -1 ? 0 : W32(a % b);
	NEXT(2);
}
static H(n_70)
{
	uint32_t a = I32(SB), b = I32(SC);
	if (UNLIKELY(b == 0)) TRAP_TAIL(div0);
	SA = a % b;
	NEXT(2);
}

/* i64 arithmetic */
UNOP(79, a ? (uint64_t)__builtin_clzll(a) : 64)
UNOP(7a, a ? (uint64_t)__builtin_ctzll(a) : 64)
UNOP(7b, (uint64_t)__builtin_popcountll(a))
BINOP2(7c, a + b)
BINOP2(7d, a - b)
BINOP2(7e, a * b)
BINOP2(83, a & b)
BINOP2(84, a | b)
BINOP2(85, a ^ b)
BINOP2(86, a << (b & 63))
BINOP2(87, (uint64_t)(S64(a) >> (b & 63)))
BINOP2(88, a >> (b & 63))
BINOP2(89, (a << (b & 63)) | (a >> ((64 - (b & 63)) & 63)))
BINOP2(8a, (a >> (b & 63)) | (a << ((64 - (b & 63)) & 63)))

static H(n_7f)
{
	int64_t a = S64(SB), b = S64(SC);
	if (UNLIKELY(b == 0)) TRAP_TAIL(div0);
	if (UNLIKELY(a == INT64_MIN && b == -1)) TRAP_TAIL(overflow);
	SA = (uint64_t)(a / b);
	NEXT(2);
}
static H(n_80)
{
	uint64_t a = SB, b = SC;
	if (UNLIKELY(b == 0)) TRAP_TAIL(div0);
	SA = a / b;
	NEXT(2);
}
static H(n_81)
{
	int64_t a = S64(SB), b = S64(SC);
	if (UNLIKELY(b == 0)) TRAP_TAIL(div0);
	SA = b == -1 ? 0 : (uint64_t)(a % b);
	NEXT(2);
}
static H(n_82)
{
	uint64_t a = SB, b = SC;
	if (UNLIKELY(b == 0)) TRAP_TAIL(div0);
	SA = a % b;
	NEXT(2);
}

/* f32 */
static inline uint64_t f32_min(uint64_t a, uint64_t b)
{
	float x = f32_of(a), y = f32_of(b);
	if (x != x || y != y) return 0x7fc00000u;
	if (x == y) return I32(a | b); /* -0 wins */
	return x < y ? I32(a) : I32(b);
}
static inline uint64_t f32_max(uint64_t a, uint64_t b)
{
	float x = f32_of(a), y = f32_of(b);
	if (x != x || y != y) return 0x7fc00000u;
	if (x == y) return I32(a & b); /* +0 wins */
	return x > y ? I32(a) : I32(b);
}
static inline uint64_t f64_min(uint64_t a, uint64_t b)
{
	double x = f64_of(a), y = f64_of(b);
	if (x != x || y != y) return 0x7ff8000000000000ull;
	if (x == y) return a | b;
	return x < y ? a : b;
}
static inline uint64_t f64_max(uint64_t a, uint64_t b)
{
	double x = f64_of(a), y = f64_of(b);
	if (x != x || y != y) return 0x7ff8000000000000ull;
	if (x == y) return a & b;
	return x > y ? a : b;
}

UNOP(8b, I32(a) & 0x7fffffffu)
UNOP(8c, I32(a) ^ 0x80000000u)
UNOP(8d, cf32(__builtin_ceilf(f32_of(a))))
UNOP(8e, cf32(__builtin_floorf(f32_of(a))))
UNOP(8f, cf32(__builtin_truncf(f32_of(a))))
UNOP(90, cf32(__builtin_rintf(f32_of(a))))
UNOP(91, cf32(__builtin_sqrtf(f32_of(a))))
BINOP(92, cf32(f32_of(a) + f32_of(b)))
BINOP(93, cf32(f32_of(a) - f32_of(b)))
BINOP(94, cf32(f32_of(a) * f32_of(b)))
BINOP(95, cf32(f32_of(a) / f32_of(b)))
BINOP(96, f32_min(a, b))
BINOP(97, f32_max(a, b))
BINOP(98, (I32(a) & 0x7fffffffu) | (I32(b) & 0x80000000u))
/* f64 */
UNOP(99, a & 0x7fffffffffffffffull)
UNOP(9a, a ^ 0x8000000000000000ull)
UNOP(9b, cf64(__builtin_ceil(f64_of(a))))
UNOP(9c, cf64(__builtin_floor(f64_of(a))))
UNOP(9d, cf64(__builtin_trunc(f64_of(a))))
UNOP(9e, cf64(__builtin_rint(f64_of(a))))
UNOP(9f, cf64(__builtin_sqrt(f64_of(a))))
BINOP(a0, cf64(f64_of(a) + f64_of(b)))
BINOP(a1, cf64(f64_of(a) - f64_of(b)))
BINOP(a2, cf64(f64_of(a) * f64_of(b)))
BINOP(a3, cf64(f64_of(a) / f64_of(b)))
BINOP(a4, f64_min(a, b))
BINOP(a5, f64_max(a, b))
BINOP(a6, (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull))

/* conversions */
UNOP(a7, W32(a))
UNOP(ac, (uint64_t)(int64_t)S32(a))
UNOP(ad, W32(a))
UNOP(b2, bits_f32((float)S32(a)))
UNOP(b3, bits_f32((float)I32(a)))
UNOP(b4, bits_f32((float)S64(a)))
UNOP(b5, bits_f32((float)a))
UNOP(b6, cf32((float)f64_of(a)))
UNOP(b7, bits_f64((double)S32(a)))
UNOP(b8, bits_f64((double)I32(a)))
UNOP(b9, bits_f64((double)S64(a)))
UNOP(ba, bits_f64((double)a))
UNOP(bb, cf64((double)f32_of(a)))
UNOP(bc, W32(a))
UNOP(bd, a)
UNOP(be, W32(a))
UNOP(bf, a)
UNOP(c0, W32((int32_t)(int8_t)a))
UNOP(c1, W32((int32_t)(int16_t)a))
UNOP(c2, (uint64_t)(int64_t)(int8_t)a)
UNOP(c3, (uint64_t)(int64_t)(int16_t)a)
UNOP(c4, (uint64_t)(int64_t)(int32_t)a)

/* Trapping float-to-int truncations: NaN, then the open range of representable results. */
#define TRUNC(op, T, rd, lo_ok, hi_ok, cast)                     \
	static H(n_##op)                                         \
	{                                                        \
		T v = rd(SB);                                    \
		if (UNLIKELY(v != v)) TRAP(TRAP_CONVERT);        \
		if (UNLIKELY(!(lo_ok) || !(hi_ok))) TRAP(TRAP_OVERFLOW); \
		SA = (cast);                                     \
		NEXT(2);                                         \
	}
TRUNC(a8, float, f32_of, v >= -2147483648.0f, v < 2147483648.0f, W32((int32_t)v))
TRUNC(a9, float, f32_of, v > -1.0f, v < 4294967296.0f, W32((uint32_t)v))
TRUNC(aa, double, f64_of, v > -2147483649.0, v < 2147483648.0, W32((int32_t)v))
TRUNC(ab, double, f64_of, v > -1.0, v < 4294967296.0, W32((uint32_t)v))
TRUNC(ae, float, f32_of, v >= -9223372036854775808.0f, v < 9223372036854775808.0f, (uint64_t)(int64_t)v)
TRUNC(af, float, f32_of, v > -1.0f, v < 18446744073709551616.0f, (uint64_t)v)
TRUNC(b0, double, f64_of, v >= -9223372036854775808.0, v < 9223372036854775808.0, (uint64_t)(int64_t)v)
TRUNC(b1, double, f64_of, v > -1.0, v < 18446744073709551616.0, (uint64_t)v)

/* Saturating truncations (0xfc 0..7). */
#define SAT(op, T, rd, lo, hi, minv, maxv, cast)   \
	static H(s_##op)                           \
	{                                          \
		T v = rd(SB);                      \
		uint64_t r;                        \
		if (v != v) r = 0;                 \
		else if (!(v > (lo))) r = (minv);  \
		else if (!(v < (hi))) r = (maxv);  \
		else r = (cast);                   \
		SA = r;                            \
		NEXT(2);                           \
	}
SAT(0, float, f32_of, -2147483904.0f, 2147483648.0f, W32(INT32_MIN), W32(INT32_MAX), W32((int32_t)v))
SAT(1, float, f32_of, -1.0f, 4294967296.0f, 0, 0xffffffffu, W32((uint32_t)v))
SAT(2, double, f64_of, -2147483649.0, 2147483648.0, W32(INT32_MIN), W32(INT32_MAX), W32((int32_t)v))
SAT(3, double, f64_of, -1.0, 4294967296.0, 0, 0xffffffffu, W32((uint32_t)v))
SAT(4, float, f32_of, -9223373136366403584.0f, 9223372036854775808.0f, (uint64_t)INT64_MIN, (uint64_t)INT64_MAX, (uint64_t)(int64_t)v)
SAT(5, float, f32_of, -1.0f, 18446744073709551616.0f, 0, UINT64_MAX, (uint64_t)v)
SAT(6, double, f64_of, -9223372036854777856.0, 9223372036854775808.0, (uint64_t)INT64_MIN, (uint64_t)INT64_MAX, (uint64_t)(int64_t)v)
SAT(7, double, f64_of, -1.0, 18446744073709551616.0, 0, UINT64_MAX, (uint64_t)v)

/* ------------------------------------------------------------------ tables */

#define E(op) [0x##op] = wop_n_##op
const op_fn wasm_numop[256] = {
	E(45), E(46), E(47), E(48), E(49), E(4a), E(4b), E(4c), E(4d), E(4e), E(4f),
	E(50), E(51), E(52), E(53), E(54), E(55), E(56), E(57), E(58), E(59), E(5a),
	E(5b), E(5c), E(5d), E(5e), E(5f), E(60), E(61), E(62), E(63), E(64), E(65), E(66),
	E(67), E(68), E(69), E(6a), E(6b), E(6c), E(6d), E(6e), E(6f), E(70), E(71), E(72),
	E(73), E(74), E(75), E(76), E(77), E(78),
	E(79), E(7a), E(7b), E(7c), E(7d), E(7e), E(7f), E(80), E(81), E(82), E(83), E(84),
	E(85), E(86), E(87), E(88), E(89), E(8a),
	E(8b), E(8c), E(8d), E(8e), E(8f), E(90), E(91), E(92), E(93), E(94), E(95), E(96),
	E(97), E(98), E(99), E(9a), E(9b), E(9c), E(9d), E(9e), E(9f), E(a0), E(a1), E(a2),
	E(a3), E(a4), E(a5), E(a6), E(a7), E(a8), E(a9), E(aa), E(ab), E(ac), E(ad), E(ae),
	E(af), E(b0), E(b1), E(b2), E(b3), E(b4), E(b5), E(b6), E(b7), E(b8), E(b9), E(ba),
	E(bb), E(bc), E(bd), E(be), E(bf), E(c0), E(c1), E(c2), E(c3), E(c4),
};
#undef E

const op_fn wasm_satop[8] = {wop_s_0, wop_s_1, wop_s_2, wop_s_3, wop_s_4, wop_s_5, wop_s_6, wop_s_7};

#define E(op) [0x##op] = wop_ni_##op
const op_fn wasm_numop_imm[256] = {
	E(46), E(47), E(48), E(49), E(4a), E(4b), E(4c), E(4d), E(4e), E(4f),
	E(51), E(52), E(53), E(54), E(55), E(56), E(57), E(58), E(59), E(5a),
	E(6a), E(6b), E(6c), E(71), E(72), E(73), E(74), E(75), E(76), E(77), E(78),
	E(7c), E(7d), E(7e), E(83), E(84), E(85), E(86), E(87), E(88), E(89), E(8a),
};
#undef E

#define E(op) [0x##op] = wop_bc_##op
const op_fn wasm_brcmp[256] = {
	E(46), E(47), E(48), E(49), E(4a), E(4b), E(4c), E(4d), E(4e), E(4f),
};
#undef E
#define E(op) [0x##op] = wop_bci_##op
const op_fn wasm_brcmp_imm[256] = {
	E(46), E(47), E(48), E(49), E(4a), E(4b), E(4c), E(4d), E(4e), E(4f),
};
#undef E
#define E(op) [0x##op] = wop_bcg_##op
const op_fn wasm_brcmp_gas[256] = {
	E(46), E(47), E(48), E(49), E(4a), E(4b), E(4c), E(4d), E(4e), E(4f),
};
#undef E
#define E(op) [0x##op] = wop_bcig_##op
const op_fn wasm_brcmp_imm_gas[256] = {
	E(46), E(47), E(48), E(49), E(4a), E(4b), E(4c), E(4d), E(4e), E(4f),
};
#undef E

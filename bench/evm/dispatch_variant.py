#!/usr/bin/env python3
# The computed-goto variant of the EVM interpreter (make evm-dispatch, docs/evm.md "Interpreter
# design"): rewrites run_frame of src/vm/evm/interp.c so that, compiled with
# -DEVM_DISPATCH_GOTO=1, the fetch, checks and jump are replicated at the end of every
# instruction (GNU C labels as values) and, with 0, it is the same switch as the source.
# Usage: dispatch_variant.py interp.c out_interp.c out_dir/vm/evm/dispatch.inc. It fails (assert)
# when run_frame no longer has the shape it expects, so the comparison cannot silently drift.
import re, sys
src = open(sys.argv[1]).read()
start = src.index('static int run_frame(run_t *r, frame_t *f)')
end = src.index('fail:\n\tf->halt = HALT_ERROR;', start)
body = src[start:end]
# the prologue
old_pro = '''	for (;;) {
		if (f->pc >= f->code_len) {
			f->halt = HALT_OK;
			return 0;
		}
		uint8_t op = code[f->pc];
		const opinfo_t *oi = &ops[op];
		if (!oi->valid) ERR("invalid opcode");
		if (f->sp < oi->in) ERR("stack underflow");
		if (f->sp - oi->in + oi->out > SVM_EVM_STACK_MAX) ERR("stack overflow");
		CHARGE(oi->gas);
		SVM_ASSERT(f->sp >= 0 && f->sp <= SVM_EVM_STACK_MAX && f->pc < f->code_len);
		switch (op) {
'''
assert body.count(old_pro) == 1
new_pro = '''	uint8_t op;
	const opinfo_t *oi;
#if EVM_DISPATCH_GOTO
#include "vm/evm/dispatch.inc"
#endif
	for (;;) {
		FETCH();
		DISPATCH_FIRST();
		switch (op) {
'''
body = body.replace(old_pro, new_pro)
sw = body.index('switch (op) {')
tail_old = '''		}
		f->pc++;
	}
'''
te = body.rindex(tail_old)
inner = body[sw:te]
cases = sorted(set(re.findall(r'case (0x[0-9a-f]{2}):', inner)))
inner = re.sub(r'case (0x[0-9a-f]{2}):', r'OP(\1)', inner)
inner = inner.replace('default:', 'OP_DEFAULT')
inner = re.sub(r'\bbreak;', 'NEXT;', inner)
body = body[:sw] + inner + tail_old + body[te + len(tail_old):]
src = src[:start] + body + src[end:]
# macros after PUSH()
anchor = '#define PUSH() (&st[f->sp++])\n'
macros = anchor + '''
/* Dispatch (docs/evm.md, "Interpreter design"): EVM_DISPATCH_GOTO 0 is one `switch` at the
 * loop's head; 1 is computed goto with the fetch, checks and jump replicated at the end of every
 * instruction (GNU C labels as values; dispatch.inc holds the 256 targets). */
#ifndef EVM_DISPATCH_GOTO
#define EVM_DISPATCH_GOTO 0
#endif
/* The per-instruction prologue: end of code, validity, stack bounds, static gas. */
#define FETCH()                                                                                    \\
	do {                                                                                       \\
		if (f->pc >= f->code_len) {                                                        \\
			f->halt = HALT_OK;                                                         \\
			return 0;                                                                  \\
		}                                                                                  \\
		op = code[f->pc];                                                                  \\
		oi = &ops[op];                                                                     \\
		if (!oi->valid) ERR("invalid opcode");                                             \\
		if (f->sp < oi->in) ERR("stack underflow");                                        \\
		if (f->sp - oi->in + oi->out > SVM_EVM_STACK_MAX) ERR("stack overflow");           \\
		CHARGE(oi->gas);                                                                   \\
		SVM_ASSERT(f->sp >= 0 && f->sp <= SVM_EVM_STACK_MAX && f->pc < f->code_len);       \\
	} while (0)
#if EVM_DISPATCH_GOTO
#define OP(x) case x: L_##x:
#define OP_DEFAULT default: L_default:
#define DISPATCH_FIRST() goto *dispatch[op]
#define NEXT                                                                                       \\
	do {                                                                                       \\
		f->pc++;                                                                           \\
		FETCH();                                                                           \\
		goto *dispatch[op];                                                                \\
	} while (0)
#else
#define OP(x) case x:
#define OP_DEFAULT default:
#define DISPATCH_FIRST() ((void)0)
#define NEXT break
#endif
'''
assert src.count(anchor) == 1
src = src.replace(anchor, macros)
open(sys.argv[2], 'w').write(src)
tbl = ['/* The computed-goto targets of run_frame (interp.c, EVM_DISPATCH_GOTO): one per opcode, the',
       ' * explicit cases\' labels and L_default for the rest. Generated from the cases of run_frame. */',
       'static const void *const dispatch[256] = {']
row = []
for op in range(256):
    t = '0x%02x' % op
    row.append('&&L_%s' % t if t in cases else '&&L_default')
for i in range(0, 256, 4):
    tbl.append('\t' + ', '.join(row[i:i+4]) + ',')
tbl.append('};')
open(sys.argv[3], 'w').write('\n'.join(tbl) + '\n')
print(len(cases), 'cases')

/* The EVM interpreter (Cancun): one `switch` dispatch loop over the current frame, with call
 * frames on an explicit stack (no C recursion: a CALL or CREATE pushes a frame and the loop
 * continues in it; a halting frame hands its result to its parent). Gas follows the Cancun
 * schedule: EIP-150 (all but one 64th), EIP-2929/2930 warm and cold access, EIP-2200/3529
 * SSTORE with refunds, EIP-3860 initcode, EIP-1153 transient storage, EIP-5656 MCOPY,
 * EIP-6780 SELFDESTRUCT. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/evm/internal.h"

enum { HALT_NONE, HALT_OK, HALT_REVERT, HALT_ERROR };

typedef struct {
	msg_t m;
	acct_t *self;
	const uint8_t *code;
	size_t code_len;
	const uint8_t *jd; /* jumpdest bitmap */
	u256 *stack;
	int sp;
	uint8_t *mem;
	size_t mem_len, mem_cap;
	int64_t gas;
	size_t pc;
	uint8_t *ret; /* return data of the last child */
	size_t ret_len;
	uint8_t *out; /* this frame's output */
	size_t out_len;
	snap_t snap;
	uint64_t ret_off, ret_size; /* where the parent wants our output */
	int halt;
	const char *why;
	uint8_t *jd_own; /* initcode analysis */
	size_t jd_cap;
	addr_t created; /* create frames: the new address */
} frame_t;

/* frames[0..hi) have been entered at least once (zeroed then); the rest were never touched,
 * so a transaction that calls no deeper than depth 1 costs no zeroing, page faults or freeing
 * of the ~200 KB of the 1025 frames (measured: calloc + free of the whole array was a third of
 * an ERC-20 transfer's time, and its page faults serialized parallel executors' threads). */
struct evm_vm {
	int depth, hi;
	frame_t frames[SVM_EVM_DEPTH_MAX + 1];
};

static void frame_free(frame_t *f)
{
	svm_free(f->stack);
	svm_free(f->mem);
	svm_free(f->ret);
	svm_free(f->out);
	svm_free(f->jd_own);
}

static void vm_destroy(struct evm_vm *vm)
{
	if (!vm) return;
	SVM_ASSERT(vm->hi >= 0 && vm->hi <= SVM_EVM_DEPTH_MAX + 1);
	for (int i = 0; i < vm->hi; i++) frame_free(&vm->frames[i]);
	svm_free(vm);
}

/* One interpreter kept per thread between transactions (a state takes it when it first runs
 * code and gives it back when freed): its ~200 KB of frames and the 32 KB stacks of the frames
 * it entered are allocated once per thread, not once per transaction. What it keeps is bounded:
 * the frames below VM_KEEP_FRAMES with at most VM_KEEP_MEM_BYTES of memory each; deeper frames
 * and larger buffers are freed when it is given back. A nested state (a cross-VM call running
 * while another state holds the kept interpreter) allocates its own; whichever is given back
 * first is kept. Freed at thread exit (the key's destructor). */
#define VM_KEEP_FRAMES 8
#define VM_KEEP_MEM_BYTES (64u << 10)

static pthread_key_t vm_key;
static pthread_once_t vm_once = PTHREAD_ONCE_INIT;
static _Thread_local struct evm_vm *vm_kept;
static _Thread_local bool vm_key_set;

static void vm_key_destroy(void *arg)
{
	(void)arg; /* the value only marks the thread: the interpreter is vm_kept */
	vm_destroy(vm_kept);
	vm_kept = NULL;
}

static void vm_key_init(void)
{
	if (pthread_key_create(&vm_key, vm_key_destroy)) vm_key = 0;
}

static struct evm_vm *vm_take(void)
{
	struct evm_vm *vm = vm_kept;
	vm_kept = NULL;
	if (!vm) {
		vm = svm_malloc(sizeof *vm); /* frames are zeroed when first entered */
		if (!vm) return NULL;
		vm->hi = 0;
	}
	vm->depth = 0;
	return vm;
}

void evm_vm_free(struct evm_vm *vm)
{
	if (!vm) return;
	SVM_ASSERT(vm->hi >= 0 && vm->hi <= SVM_EVM_DEPTH_MAX + 1);
	if (vm_kept) {
		vm_destroy(vm);
		return;
	}
	for (int i = VM_KEEP_FRAMES; i < vm->hi; i++) frame_free(&vm->frames[i]);
	if (vm->hi > VM_KEEP_FRAMES) vm->hi = VM_KEEP_FRAMES;
	for (int i = 0; i < vm->hi; i++) {
		/* frame_alloc resets the rest when the frame is entered again */
		frame_t *f = &vm->frames[i];
		svm_free(f->ret);
		svm_free(f->out);
		f->ret = f->out = NULL;
		f->ret_len = f->out_len = 0;
		if (f->mem_cap > VM_KEEP_MEM_BYTES) {
			svm_free(f->mem);
			f->mem = NULL;
			f->mem_cap = 0;
		}
		f->mem_len = 0;
	}
	if (!vm_key_set) {
		pthread_once(&vm_once, vm_key_init);
		pthread_setspecific(vm_key, (void *)1); /* its destructor frees vm_kept at thread exit */
		vm_key_set = true;
	}
	vm_kept = vm;
}

/* ---------------------------------------------------------------- helpers */

static uint8_t *analyze(const uint8_t *code, size_t n, uint8_t *bm)
{
	memset(bm, 0, n / 8 + 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t op = code[i];
		if (op == 0x5b) bm[i / 8] |= (uint8_t)(1u << (i % 8));
		else if (op >= 0x60 && op <= 0x7f) i += op - 0x5f;
	}
	return bm;
}

/* PUSHn's immediate, the n ≤ 32 bytes after the opcode read big-endian, as 64-bit limbs straight
 * from the code (x->w[0] holds the last 8 bytes; the first n % 8 bytes are one 8-byte load
 * shifted down). Bytes past the code's end read as zeros, as the EVM defines: near the end
 * (fewer than 8 or than n bytes left) the immediate goes through a zeroed buffer instead. */
static inline void push_imm(u256 *x, const uint8_t *p, unsigned n, size_t avail)
{
	SVM_ASSERT(n >= 1 && n <= 32);
	if (avail < n || avail < 8) {
		uint8_t b[32] = {0};
		memcpy(b, p, avail < n ? avail : n);
		svm_u256_from_be(x, b, n);
		return;
	}
	unsigned full = n / 8, part = n % 8;
	*x = (u256){{0}};
	for (unsigned k = 0; k < full; k++) x->w[k] = svm_get_u64be(p + n - 8 * (k + 1));
	if (part) x->w[full] = svm_get_u64be(p) >> (64 - 8 * part);
}

static inline bool is_jumpdest(const frame_t *f, const u256 *d)
{
	if (!u256_fits64(d) || d->w[0] >= f->code_len) return false;
	size_t i = (size_t)d->w[0];
	bool ok = (f->jd[i / 8] >> (i % 8)) & 1;
	/* the bitmap marks JUMPDEST bytes only: a stale map (code changed, another account's
	 * analysis) would let a jump land on data */
	SVM_ASSERT(!ok || f->code[i] == 0x5b);
	return ok;
}

static inline uint64_t mem_cost(uint64_t words) { return 3 * words + words * words / 512; }

/* Expands memory to cover [off, off+len) if len > 0, charging gas. false: out of gas. */
static bool mem_expand(frame_t *f, const u256 *off, const u256 *len, uint64_t *o, uint64_t *l)
{
	*o = 0;
	*l = 0;
	/* memory grows by whole words, within its allocation; gas is never negative */
	SVM_ASSERT(f->mem_len % 32 == 0 && f->mem_len <= f->mem_cap && f->gas >= 0);
	if (u256_is_zero(len)) return true;
	if (!u256_fits64(off) || !u256_fits64(len)) return false;
	uint64_t end = off->w[0] + len->w[0];
	if (end < off->w[0] || end > SVM_EVM_MEMORY_BYTES_MAX) return false;
	*o = off->w[0];
	*l = len->w[0];
	if (end <= f->mem_len) return true;
	uint64_t words = (end + 31) / 32, cur = f->mem_len / 32;
	/* growth only: the cost difference cannot wrap (mem_cost is increasing) */
	SVM_ASSERT(words > cur && mem_cost(words) > mem_cost(cur));
	uint64_t cost = mem_cost(words) - mem_cost(cur);
	if ((uint64_t)f->gas < cost) return false;
	f->gas -= (int64_t)cost;
	size_t nb = words * 32;
	SVM_ASSERT(nb >= end && nb <= SVM_EVM_MEMORY_BYTES_MAX + 31);
	if (nb > f->mem_cap) {
		size_t nc = f->mem_cap ? f->mem_cap : 1024;
		while (nc < nb) nc *= 2;
		SVM_ASSERT(nc >= nb && nc / 2 < nb + 1024); /* at most one doubling past need */
		uint8_t *m = svm_realloc(f->mem, nc);
		if (!m) return false;
		f->mem = m;
		f->mem_cap = nc;
	}
	memset(f->mem + f->mem_len, 0, nb - f->mem_len);
	f->mem_len = nb;
	SVM_ASSERT(*o + *l <= f->mem_len && f->mem_len <= f->mem_cap && f->gas >= 0);
	return true;
}

static inline void addr_from_u256(addr_t *a, const u256 *v)
{
	uint8_t be[32];
	svm_u256_to_be(v, be);
	memcpy(a->b, be + 12, 20);
}

static inline void u256_from_addr(u256 *v, const addr_t *a) { svm_u256_from_be(v, a->b, 20); }

/* Copies src[off..off+len) (zero-filled past srclen) to dst. */
static void copy_padded(uint8_t *dst, const uint8_t *src, size_t srclen, const u256 *off, uint64_t len)
{
	uint64_t o = u256_fits64(off) ? off->w[0] : UINT64_MAX;
	/* dst is the frame's memory, src the input or code: never the same bytes */
	SVM_ASSERT(len == 0 || !src || (uintptr_t)dst + len <= (uintptr_t)src ||
		   (uintptr_t)src + srclen <= (uintptr_t)dst);
	for (uint64_t i = 0; i < len; i++) {
		uint64_t j = o + i;
		dst[i] = (o <= srclen && j >= o && j < srclen) ? src[j] : 0;
	}
}

static inline uint64_t words(uint64_t len) { return (len + 31) / 32; }

static void create_address(const addr_t *sender, uint64_t nonce, addr_t *out)
{
	svm_buf_t b = {0};
	uint8_t h[32];
	uint8_t tmp[64];
	/* rlp([sender, nonce]) fits in a small stack buffer; build it directly */
	b.data = tmp;
	b.cap = sizeof tmp;
	b.cap_max = sizeof tmp;
	svm_rlp_put_bytes(&b, sender->b, 20);
	svm_rlp_put_uint(&b, nonce);
	svm_rlp_wrap_list(&b, 0);
	/* their results are not checked: the list (header, 21-byte address, nonce of at most 9)
	 * always fits the stack buffer, which is never replaced */
	SVM_ASSERT(b.data == tmp && b.len >= 1 + 21 + 1 && b.len <= 1 + 21 + 9);
	svm_keccak256(b.data, b.len, h);
	memcpy(out->b, h + 12, 20);
}

static void create2_address(const addr_t *sender, const u256 *salt, const uint8_t *code, size_t len,
			    addr_t *out)
{
	uint8_t buf[85], h[32];
	buf[0] = 0xff;
	memcpy(buf + 1, sender->b, 20);
	svm_u256_to_be(salt, buf + 21);
	svm_keccak256(code, len, buf + 53);
	svm_keccak256(buf, sizeof buf, h);
	memcpy(out->b, h + 12, 20);
}

/* -------------------------------------------------------- entering frames */

typedef struct {
	int status; /* 1 success, 0 failure */
	int64_t gas_left;
	uint8_t *out; /* malloc'd, handed over */
	size_t out_len;
	bool reverted;
	addr_t created;
} done_t;

static int frame_alloc(frame_t *f)
{
	if (!f->stack) {
		f->stack = svm_malloc(SVM_EVM_STACK_MAX * sizeof(u256));
		if (!f->stack) return SVM_ENOMEM;
	}
	f->sp = 0;
	f->mem_len = 0;
	f->pc = 0;
	svm_free(f->ret);
	f->ret = NULL;
	f->ret_len = 0;
	svm_free(f->out);
	f->out = NULL;
	f->out_len = 0;
	f->halt = HALT_NONE;
	f->why = "";
	return 0;
}

static int transfer(svm_evm_state_t *s, acct_t *from, acct_t *to, const u256 *v)
{
	u256 fb, tb;
	/* no value moves nothing but the touch (EIP-161); a call's callee keeps its balance
	 * unloaded (acct_t.lazy) */
	if (u256_is_zero(v)) {
		int rc = evm_touch(s, from);
		return rc ? rc : evm_touch(s, to);
	}
	int rc = evm_acct_fill(from);
	if (rc || (rc = evm_acct_fill(to))) return rc;
	bool borrow = u256_sub(&fb, &from->balance, v);
	SVM_ASSERT(!borrow); /* enter checked the balance covers the value */
	rc = evm_set_balance(s, from, &fb);
	if (rc) return rc;
	u256_add(&tb, &to->balance, v);
	return evm_set_balance(s, to, &tb);
}

/* Starts message m at depth d. Returns 1 when a frame was pushed (vm->depth = d), 0 when the
 * message completed at once (*done filled), or SVM_ENOMEM / SVM_ELIMIT. */
static int enter(svm_evm_state_t *s, struct evm_vm *vm, const msg_t *m, int d, done_t *done)
{
	memset(done, 0, sizeof *done);
	done->gas_left = m->gas;
	SVM_ASSERT(d >= 0 && m->gas >= 0 && vm->hi >= 0 && vm->hi <= SVM_EVM_DEPTH_MAX + 1);
	if (d > SVM_EVM_DEPTH_MAX) return 0;
	acct_t *caller = evm_acct(s, &m->caller);
	if (!caller) return SVM_ENOMEM;
	/* (no value is always covered: the caller's balance is then not needed) */
	if (m->transfer && !u256_is_zero(&m->value)) {
		int rc = evm_acct_fill(caller);
		if (rc) return rc;
		if (u256_cmp(&caller->balance, &m->value) < 0) return 0;
	}
	if (m->transfer && s->value_gwei && !u256_is_zero(&m->value)) {
		/* the ledger holds whole 10^-9 SWR: a value with a smaller part fails the call */
		u256 unit = u256_u64(1000000000u), r;
		u256_divmod(NULL, &r, &m->value, &unit);
		if (!u256_is_zero(&r)) return 0;
	}
	bool create = m->kind == 0xf0 || m->kind == 0xf5;
	addr_t to = m->to;
	int rc;
	if (create) {
		if ((rc = evm_acct_fill(caller))) return rc;
		if (caller->nonce == UINT64_MAX) return 0;
		if (m->kind == 0xf0) create_address(&m->caller, caller->nonce, &to);
		else create2_address(&m->caller, &m->salt, m->input, m->input_len, &to);
		if ((rc = evm_set_nonce(s, caller, caller->nonce + 1))) return rc;
	}
	acct_t *self = evm_acct(s, &to);
	if (!self) return SVM_ENOMEM;
	if (create) {
		if ((rc = evm_warm_acct(s, self)) < 0 || (rc = evm_acct_fill(self))) return rc;
		bool has_storage = false;
		size_t i = 0;
		svm_map_slot_t *e;
		while (!has_storage && (e = svm_map_next(&self->storage, &i)))
			has_storage = !u256_is_zero(&((slot_t *)e->value)->cur);
		if (self->nonce != 0 || self->code_len != 0 || has_storage) {
			done->gas_left = 0;
			return 0;
		}
	}
	snap_t snap = evm_snapshot(s);
	bool pre = !create && evm_is_precompile(&m->code_addr);
	bool xvm = !create && s->backend && s->backend->xcall && evm_is_xvm(&m->code_addr);
	if (create) {
		if ((rc = evm_touch(s, self))) return rc;
		if ((rc = evm_journal(s, J_CREATED, self, NULL, NULL, 0))) return rc;
		self->created_tx = true;
		if ((rc = evm_set_nonce(s, self, 1))) return rc;
	} else if (!self->exists && !pre && !xvm && u256_is_zero(&m->value) && m->transfer) {
		done->status = 1; /* a call with no value to nothing: nothing happens */
		return 0;
	}
	/* a cross-VM call's value is moved by the backend, to the callee's identity */
	if (m->transfer && !xvm && (rc = transfer(s, caller, self, &m->value))) return rc;
	if (xvm) {
		/* a call into WebAssembly or a native program (backend.c, docs/evm.md "Cross-VM
		 * calls") */
		int64_t g = m->gas;
		bool rev = false;
		rc = s->backend->xcall(s->backend->ud, s, m, d, &g, &done->out, &done->out_len, &rev);
		if (rc < 0) return rc;
		/* the callee never hands back more gas than it was given */
		SVM_ASSERT(rc <= 1 && g >= 0 && g <= m->gas);
		done->status = rc;
		done->reverted = rev;
		done->gas_left = rc || rev ? g : 0;
		if (!rc) evm_revert(s, snap);
		return 0;
	}
	if (pre) {
		int64_t g = m->gas;
		rc = evm_precompile_run(s, &m->code_addr, m->input, m->input_len, &g, &done->out, &done->out_len);
		if (rc < 0) return rc;
		SVM_ASSERT(rc <= 1 && g >= 0 && g <= m->gas);
		done->status = rc;
		done->gas_left = g;
		if (!rc) evm_revert(s, snap);
		return 0;
	}
	if (!create && s->backend && (m->kind == 0xf1 || m->kind == 0xfa) &&
	    (evm_erc20_is_candidate(&m->code_addr) || evm_erc20_is_registry(&m->code_addr))) {
		/* a ledger token's ERC-20 view or the registry (erc20.c) */
		uint8_t tok[32];
		bool reg = evm_erc20_is_registry(&m->code_addr);
		int k = reg ? 1 : evm_erc20_token_at(s, &m->code_addr, tok);
		if (k < 0) return k;
		if (k == 1) {
			int64_t g = m->gas;
			bool rev = false;
			if (!u256_is_zero(&m->value)) {
				rc = 0; /* not payable */
			} else {
				rc = evm_erc20_run(s, reg ? NULL : tok, reg, &m->caller, m->input, m->input_len,
						   m->is_static, &g, &done->out, &done->out_len, &rev);
				if (rc < 0) return rc;
				SVM_ASSERT(rc <= 1 && g >= 0 && g <= m->gas && !(rc && rev));
			}
			done->status = rc;
			done->gas_left = rc || rev ? g : 0;
			done->reverted = rev;
			if (!rc) evm_revert(s, snap);
			return 0;
		}
	}
	const acct_t *code_acct = create ? NULL : evm_acct(s, &m->code_addr);
	if (!create && !code_acct) return SVM_ENOMEM;
	size_t code_len = create ? m->input_len : code_acct->code_len;
	if (code_len == 0) {
		done->status = 1;
		done->created = to;
		return 0;
	}
	SVM_ASSERT(d >= 0 && d <= SVM_EVM_DEPTH_MAX);
	for (; vm->hi <= d; vm->hi++) memset(&vm->frames[vm->hi], 0, sizeof vm->frames[0]);
	SVM_ASSERT(vm->hi > d && vm->hi <= SVM_EVM_DEPTH_MAX + 1);
	frame_t *f = &vm->frames[d];
	if ((rc = frame_alloc(f))) return rc;
	f->m = *m;
	f->m.to = to;
	f->self = self;
	f->gas = m->gas;
	f->snap = snap;
	f->created = to;
	if (create) {
		f->code = m->input;
		f->code_len = m->input_len;
		f->m.input = NULL;
		f->m.input_len = 0;
		size_t need = f->code_len / 8 + 1;
		if (need > f->jd_cap) {
			uint8_t *j = svm_realloc(f->jd_own, need);
			if (!j) return SVM_ENOMEM;
			f->jd_own = j;
			f->jd_cap = need;
		}
		SVM_ASSERT(f->jd_cap >= need);
		f->jd = analyze(f->code, f->code_len, f->jd_own);
	} else {
		acct_t *ca = (acct_t *)code_acct;
		/* shared code (backend.c's cache) is analyzed once per thread, not per transaction */
		if (!ca->jumpdests && ca->code_ref) ca->jumpdests = ca->code_ref->jumpdests;
		if (!ca->jumpdests) {
			ca->jumpdests = svm_malloc(ca->code_len / 8 + 1);
			if (!ca->jumpdests) return SVM_ENOMEM;
			analyze(ca->code, ca->code_len, ca->jumpdests);
			if (ca->code_ref) ca->code_ref->jumpdests = ca->jumpdests; /* the shared code owns it */
		}
		SVM_ASSERT(!ca->code_ref || (ca->code == ca->code_ref->bytes && ca->jumpdests == ca->code_ref->jumpdests));
		f->code = ca->code;
		f->code_len = ca->code_len;
		f->jd = ca->jumpdests;
	}
	SVM_ASSERT(f->code != NULL && f->code_len > 0 && f->sp == 0 && f->halt == HALT_NONE);
	vm->depth = d;
	return 1;
}

/* Completes frame f: create code deposit, revert on failure. Fills *done. */
static int leave(svm_evm_state_t *s, frame_t *f, done_t *done)
{
	memset(done, 0, sizeof *done);
	bool create = f->m.kind == 0xf0 || f->m.kind == 0xf5;
	int rc;
	/* only a halted frame leaves, with no more gas than it was given */
	SVM_ASSERT(f->halt != HALT_NONE && f->gas >= 0 && f->gas <= f->m.gas);
	if (f->halt == HALT_OK && create) {
		if (f->out_len > SVM_EVM_CODE_BYTES_MAX) {
			f->halt = HALT_ERROR;
			f->why = "code size limit";
		} else if (f->out_len > 0 && f->out[0] == 0xef) {
			f->halt = HALT_ERROR;
			f->why = "code starts with 0xef";
		} else if ((uint64_t)f->gas < 200 * (uint64_t)f->out_len) {
			f->halt = HALT_ERROR;
			f->why = "code deposit out of gas";
		} else {
			f->gas -= 200 * (int64_t)f->out_len;
			if ((rc = evm_set_code(s, f->self, f->out, f->out_len))) return rc;
		}
	}
	done->created = f->created;
	if (f->halt == HALT_OK) {
		done->status = 1;
		done->gas_left = f->gas;
	} else {
		evm_revert(s, f->snap);
		done->reverted = f->halt == HALT_REVERT;
		done->gas_left = done->reverted ? f->gas : 0;
	}
	if (!create || done->reverted) {
		done->out = f->out;
		done->out_len = f->out_len;
		f->out = NULL;
		f->out_len = 0;
	}
	SVM_ASSERT(done->gas_left >= 0 && done->gas_left <= f->m.gas);
	SVM_ASSERT(done->out_len == 0 || done->out != NULL);
	return 0;
}

/* Hands a finished child's result to its parent f (the CALL/CREATE instruction completes). */
static void deliver(frame_t *f, done_t *d)
{
	SVM_ASSERT(f->sp < SVM_EVM_STACK_MAX && d->gas_left >= 0);
	/* the parent is suspended on the CALL or CREATE that started the child */
	SVM_ASSERT(f->halt == HALT_NONE && f->pc < f->code_len && d->status <= 1);
	f->gas += d->gas_left;
	SVM_ASSERT(f->gas <= f->m.gas); /* the child returns at most what the parent gave */
	svm_free(f->ret);
	f->ret = d->out;
	f->ret_len = d->out_len;
	d->out = NULL;
	u256 *top = &f->stack[f->sp++];
	uint8_t op = f->code[f->pc];
	SVM_ASSERT(op == 0xf0 || op == 0xf1 || op == 0xf2 || op == 0xf4 || op == 0xf5 || op == 0xfa);
	if (op == 0xf0 || op == 0xf5) {
		if (d->status) u256_from_addr(top, &d->created);
		else *top = u256_zero();
		if (!d->reverted) {
			svm_free(f->ret);
			f->ret = NULL;
			f->ret_len = 0;
		}
	} else {
		*top = u256_u64((uint64_t)d->status);
		size_t n = f->ret_len < f->ret_size ? f->ret_len : (size_t)f->ret_size;
		/* the call expanded memory over its return area before the child ran */
		SVM_ASSERT(n == 0 || f->ret_off + f->ret_size <= f->mem_len);
		if (n) memcpy(f->mem + f->ret_off, f->ret, n);
	}
	f->pc++;
}

/* ------------------------------------------------------------- the table */

typedef struct {
	uint8_t in, out;
	uint16_t gas;
	bool valid;
} opinfo_t;

static opinfo_t ops[256];

static void set_op(int op, int in, int out, int gas)
{
	ops[op] = (opinfo_t){(uint8_t)in, (uint8_t)out, (uint16_t)gas, true};
}

/* Fills the table once per process (init_ops_once, through pthread_once: the first two
 * transactions may start on two threads at once, and a plain flag was a data race). */
static void init_ops_once(void)
{
	set_op(0x00, 0, 0, 0);
	set_op(0x01, 2, 1, 3);
	set_op(0x02, 2, 1, 5);
	set_op(0x03, 2, 1, 3);
	for (int o = 0x04; o <= 0x07; o++) set_op(o, 2, 1, 5);
	set_op(0x08, 3, 1, 8);
	set_op(0x09, 3, 1, 8);
	set_op(0x0a, 2, 1, 10);
	set_op(0x0b, 2, 1, 5);
	for (int o = 0x10; o <= 0x1d; o++) set_op(o, 2, 1, 3);
	set_op(0x15, 1, 1, 3);
	set_op(0x19, 1, 1, 3);
	set_op(0x20, 2, 1, 30);
	set_op(0x30, 0, 1, 2);
	set_op(0x31, 1, 1, 0);
	set_op(0x32, 0, 1, 2);
	set_op(0x33, 0, 1, 2);
	set_op(0x34, 0, 1, 2);
	set_op(0x35, 1, 1, 3);
	set_op(0x36, 0, 1, 2);
	set_op(0x37, 3, 0, 3);
	set_op(0x38, 0, 1, 2);
	set_op(0x39, 3, 0, 3);
	set_op(0x3a, 0, 1, 2);
	set_op(0x3b, 1, 1, 0);
	set_op(0x3c, 4, 0, 0);
	set_op(0x3d, 0, 1, 2);
	set_op(0x3e, 3, 0, 3);
	set_op(0x3f, 1, 1, 0);
	set_op(0x40, 1, 1, 20);
	for (int o = 0x41; o <= 0x48; o++) set_op(o, 0, 1, 2);
	set_op(0x47, 0, 1, 5);
	set_op(0x49, 1, 1, 3);
	set_op(0x4a, 0, 1, 2);
	set_op(0x50, 1, 0, 2);
	set_op(0x51, 1, 1, 3);
	set_op(0x52, 2, 0, 3);
	set_op(0x53, 2, 0, 3);
	set_op(0x54, 1, 1, 0);
	set_op(0x55, 2, 0, 0);
	set_op(0x56, 1, 0, 8);
	set_op(0x57, 2, 0, 10);
	set_op(0x58, 0, 1, 2);
	set_op(0x59, 0, 1, 2);
	set_op(0x5a, 0, 1, 2);
	set_op(0x5b, 0, 0, 1);
	set_op(0x5c, 1, 1, 100);
	set_op(0x5d, 2, 0, 100);
	set_op(0x5e, 3, 0, 3);
	set_op(0x5f, 0, 1, 2);
	for (int o = 0x60; o <= 0x7f; o++) set_op(o, 0, 1, 3);
	for (int i = 0; i < 16; i++) {
		set_op(0x80 + i, i + 1, i + 2, 3);
		set_op(0x90 + i, i + 2, i + 2, 3);
	}
	for (int i = 0; i <= 4; i++) set_op(0xa0 + i, 2 + i, 0, 375 * (1 + i));
	set_op(0xf0, 3, 1, 32000);
	set_op(0xf1, 7, 1, 0);
	set_op(0xf2, 7, 1, 0);
	set_op(0xf3, 2, 0, 0);
	set_op(0xf4, 6, 1, 0);
	set_op(0xf5, 4, 1, 32000);
	set_op(0xfa, 6, 1, 0);
	set_op(0xfd, 2, 0, 0);
	set_op(0xff, 1, 0, 5000);
	/* no instruction grows the stack by more than one (the overflow check's bound), and
	 * DUPn/SWAPn reach at most 17 deep */
	for (int o = 0; o < 256; o++)
		SVM_ASSERT(!ops[o].valid || (ops[o].out <= ops[o].in + 1 && ops[o].in <= 17));
}

static void init_ops(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int rc = pthread_once(&once, init_ops_once);
	SVM_VERIFY(rc == 0); /* fails only on a bad once control */
}

/* ----------------------------------------------------------- the loop */

#define ERR(msg)                                                                                   \
	do {                                                                                       \
		f->why = (msg);                                                                    \
		goto fail;                                                                         \
	} while (0)
#define CHARGE(c)                                                                                  \
	do {                                                                                       \
		uint64_t c_ = (c);                                                                 \
		if ((uint64_t)f->gas < c_) ERR("out of gas");                                      \
		f->gas -= (int64_t)c_;                                                             \
	} while (0)
#define POP() (&st[--f->sp])
#define TOP() (&st[f->sp - 1])
#define PUSH() (&st[f->sp++])

typedef struct {
	svm_evm_state_t *s;
	struct evm_vm *vm;
	const txctx_t *ctx;
} run_t;

/* Access cost of an address (EIP-2929): 100 warm, 2600 cold (and warms it). */
static int access_cost(run_t *r, acct_t *a, uint64_t *cost)
{
	int rc = evm_warm_acct(r->s, a);
	if (rc < 0) return rc;
	*cost = rc ? 2600 : 100;
	return 0;
}

/* A CALL-family instruction. Returns 1 if a frame was pushed, 0 to continue, <0 fatal,
 * 2 on an exceptional halt of f (why set). */
static int op_call(run_t *r, frame_t *f, uint8_t op)
{
	u256 *st = f->stack;
	SVM_ASSERT(f->sp >= (op == 0xf1 || op == 0xf2 ? 7 : 6)); /* the loop checked ops[op].in */
	u256 gas_req = *POP(), target = *POP(), value = u256_zero();
	if (op == 0xf1 || op == 0xf2) value = *POP();
	u256 ao = *POP(), al = *POP(), ro = *POP(), rl = *POP();
	if (op == 0xf1 && f->m.is_static && !u256_is_zero(&value)) {
		f->why = "value in static call";
		return 2;
	}
	uint64_t a_off, a_len, r_off, r_len;
	if (!mem_expand(f, &ao, &al, &a_off, &a_len) || !mem_expand(f, &ro, &rl, &r_off, &r_len)) {
		f->why = "out of gas";
		return 2;
	}
	addr_t to;
	addr_from_u256(&to, &target);
	acct_t *ta = evm_acct(r->s, &to);
	if (!ta) return SVM_ENOMEM;
	uint64_t cost;
	int rc = access_cost(r, ta, &cost);
	if (rc) return rc;
	bool has_value = !u256_is_zero(&value);
	if (has_value) cost += 9000;
	if (op == 0xf1 && has_value && (!ta->exists || evm_acct_empty(ta))) cost += 25000;
	if ((uint64_t)f->gas < cost) {
		f->why = "out of gas";
		return 2;
	}
	f->gas -= (int64_t)cost;
	int64_t avail = f->gas - f->gas / 64;
	int64_t g = (u256_fits64(&gas_req) && gas_req.w[0] < (uint64_t)avail) ? (int64_t)gas_req.w[0] : avail;
	/* EIP-150: the child gets at most all but one 64th of what is left */
	SVM_ASSERT(g >= 0 && g <= avail && avail <= f->gas);
	f->gas -= g;
	SVM_ASSERT(f->gas >= 0);
	if (has_value) g += 2300;
	msg_t m;
	memset(&m, 0, sizeof m);
	m.kind = op;
	m.gas = g;
	m.input = a_len ? f->mem + a_off : NULL;
	m.input_len = a_len;
	m.code_addr = to;
	m.is_static = f->m.is_static || op == 0xfa;
	switch (op) {
	case 0xf1:
		m.caller = f->m.to;
		m.to = to;
		m.value = value;
		m.transfer = true;
		break;
	case 0xf2:
		m.caller = f->m.to;
		m.to = f->m.to;
		m.value = value;
		m.transfer = true;
		break;
	case 0xf4:
		m.caller = f->m.caller;
		m.to = f->m.to;
		m.value = f->m.value;
		break;
	default:
		m.caller = f->m.to;
		m.to = to;
		m.transfer = true; /* of zero: touches the target like a CALL of 0 */
		break;
	}
	/* CALLCODE "transfers" to itself: its balance check is the caller's, nothing moves */
	f->ret_off = r_off;
	f->ret_size = r_len;
	SVM_ASSERT(a_off + a_len <= f->mem_len || a_len == 0);
	done_t d;
	int depth = r->vm->depth;
	rc = enter(r->s, r->vm, &m, depth + 1, &d);
	if (rc < 0) return rc;
	SVM_ASSERT(rc == 1 ? r->vm->depth == depth + 1 : r->vm->depth == depth && d.gas_left <= m.gas);
	if (rc == 1) return 1;
	deliver(f, &d);
	f->pc--; /* the loop advances past the instruction */
	svm_free(d.out);
	return 0;
}

static int op_create(run_t *r, frame_t *f, uint8_t op)
{
	u256 *st = f->stack;
	SVM_ASSERT(f->sp >= (op == 0xf5 ? 4 : 3));
	u256 value = *POP(), off = *POP(), len = *POP(), salt = u256_zero();
	if (op == 0xf5) salt = *POP();
	if (f->m.is_static) {
		f->why = "create in static call";
		return 2;
	}
	uint64_t o, l;
	if (u256_fits64(&len) && len.w[0] > SVM_EVM_INITCODE_BYTES_MAX) {
		f->why = "initcode too large";
		return 2;
	}
	if (!u256_fits64(&len)) {
		f->why = "initcode too large";
		return 2;
	}
	if (!mem_expand(f, &off, &len, &o, &l)) {
		f->why = "out of gas";
		return 2;
	}
	SVM_ASSERT(l <= SVM_EVM_INITCODE_BYTES_MAX && (l == 0 || o + l <= f->mem_len));
	uint64_t cost = 2 * words(l) + (op == 0xf5 ? 6 * words(l) : 0);
	if ((uint64_t)f->gas < cost) {
		f->why = "out of gas";
		return 2;
	}
	f->gas -= (int64_t)cost;
	int64_t g = f->gas - f->gas / 64;
	f->gas -= g;
	SVM_ASSERT(g >= 0 && f->gas >= 0 && f->gas <= g / 63 + 1);
	msg_t m;
	memset(&m, 0, sizeof m);
	m.kind = op;
	m.gas = g;
	m.caller = f->m.to;
	m.value = value;
	m.transfer = true;
	m.input = l ? f->mem + o : NULL;
	m.input_len = l;
	m.salt = salt;
	done_t d;
	int depth = r->vm->depth;
	int rc = enter(r->s, r->vm, &m, depth + 1, &d);
	if (rc < 0) return rc;
	SVM_ASSERT(rc == 1 ? r->vm->depth == depth + 1 : r->vm->depth == depth && d.gas_left <= m.gas);
	if (rc == 1) return 1;
	deliver(f, &d);
	f->pc--;
	svm_free(d.out);
	return 0;
}

/* out may alias n (the opcode replaces its operand): n is read before out is written. */
static void block_hash(const txctx_t *c, const u256 *n, u256 *out)
{
	uint64_t cur = c->blk->number, want = n->w[0];
	bool in_window = u256_fits64(n) && want < cur && cur - want <= 256 && c->blk->block_hash;
	*out = u256_zero();
	if (!in_window) return;
	uint8_t h[32];
	c->blk->block_hash(c->blk->block_hash_ctx, want, h);
	svm_u256_from_be(out, h, 32);
}

static int op_sstore(run_t *r, frame_t *f, const u256 *key, const u256 *val)
{
	if (f->m.is_static) {
		f->why = "sstore in static call";
		return 2;
	}
	if (f->gas <= 2300) {
		f->why = "out of gas";
		return 2;
	}
	slot_t *sl = evm_slot(f->self, key);
	if (!sl) return SVM_ENOMEM;
	uint64_t cost = 0;
	int rc = evm_warm_slot(r->s, f->self, sl);
	if (rc < 0) return rc;
	if (rc) cost += 2100;
	u256 orig = sl->orig, cur = sl->cur;
	int64_t *refund = &r->s->refund;
	if (u256_eq(&cur, val)) {
		cost += 100;
	} else if (u256_eq(&orig, &cur)) {
		if (u256_is_zero(&orig)) {
			cost += 20000;
		} else {
			cost += 2900;
			if (u256_is_zero(val)) *refund += 4800;
		}
	} else {
		cost += 100;
		if (!u256_is_zero(&orig)) {
			if (u256_is_zero(&cur)) *refund -= 4800;
			else if (u256_is_zero(val)) *refund += 4800;
		}
		if (u256_eq(&orig, val)) *refund += u256_is_zero(&orig) ? 19900 : 2800;
	}
	/* EIP-2929/2200: a warm no-op 100 at least, a cold fresh slot 2100 + 20000 at most */
	SVM_ASSERT(cost >= 100 && cost <= 2100 + 20000);
	if ((uint64_t)f->gas < cost) {
		f->why = "out of gas";
		return 2;
	}
	f->gas -= (int64_t)cost;
	if (!u256_eq(&cur, val) && (rc = evm_set_storage(r->s, f->self, sl, val))) return rc;
	return 0;
}

static int op_selfdestruct(run_t *r, frame_t *f, const u256 *target)
{
	if (f->m.is_static) {
		f->why = "selfdestruct in static call";
		return 2;
	}
	addr_t to;
	addr_from_u256(&to, target);
	acct_t *b = evm_acct(r->s, &to);
	if (!b) return SVM_ENOMEM;
	int rc = evm_warm_acct(r->s, b);
	if (rc < 0) return rc;
	uint64_t cost = rc ? 2600 : 0;
	acct_t *self = f->self;
	if ((rc = evm_acct_fill(self)) || (rc = evm_acct_fill(b))) return rc;
	if (!u256_is_zero(&self->balance) && (!b->exists || evm_acct_empty(b))) cost += 25000;
	SVM_ASSERT(cost <= 2600 + 25000);
	if ((uint64_t)f->gas < cost) {
		f->why = "out of gas";
		return 2;
	}
	f->gas -= (int64_t)cost;
	u256 bal = self->balance, zero = u256_zero();
	if (b != self) {
		u256 nb;
		u256_add(&nb, &b->balance, &bal);
		if ((rc = evm_set_balance(r->s, self, &zero)) || (rc = evm_set_balance(r->s, b, &nb))) return rc;
		SVM_ASSERT(u256_is_zero(&self->balance)); /* the balance moved, not copied */
	} else if ((rc = evm_touch(r->s, b))) {
		return rc;
	}
	if (self->created_tx) {
		if ((rc = evm_set_balance(r->s, self, &zero))) return rc;
		if (!self->destructed) {
			if ((rc = evm_journal(r->s, J_DESTRUCT, self, NULL, NULL, 0))) return rc;
			self->destructed = true;
		}
	}
	return 0;
}

static int op_log(run_t *r, frame_t *f, int n)
{
	u256 *st = f->stack;
	SVM_ASSERT(n >= 0 && n <= 4 && f->sp >= 2 + n); /* topics[4] and the operands */
	u256 off = *POP(), len = *POP();
	uint8_t topics[4][32];
	for (int i = 0; i < n; i++) svm_u256_to_be(POP(), topics[i]);
	if (f->m.is_static) {
		f->why = "log in static call";
		return 2;
	}
	uint64_t o, l;
	if (!mem_expand(f, &off, &len, &o, &l) || (uint64_t)f->gas / 8 < l) {
		f->why = "out of gas";
		return 2;
	}
	f->gas -= (int64_t)(8 * l);
	return evm_log(r->s, &f->m.to, (const uint8_t(*)[32])topics, n, l ? f->mem + o : NULL, l);
}

/* Runs frame f until it halts (0) or pushes a child (1); <0 on a fatal error. */
static int run_frame(run_t *r, frame_t *f)
{
	u256 *st = f->stack;
	const uint8_t *code = f->code;
	const txctx_t *ctx = r->ctx;
	int rc;
	for (;;) {
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
		/* gas never negative nor above what the frame was given (children return at most
		 * what they got) */
		SVM_ASSERT(f->gas >= 0 && f->gas <= f->m.gas);
		switch (op) {
		case 0x00: f->halt = HALT_OK; return 0;
		case 0x01: { u256 *a = POP(), *b = TOP(); u256_add(b, a, b); break; }
		case 0x02: { u256 *a = POP(), *b = TOP(); u256_mul(b, a, b); break; }
		case 0x03: { u256 *a = POP(), *b = TOP(); u256_sub(b, a, b); break; }
		case 0x04: {
			u256 a = *POP(), *b = TOP();
			if (u256_is_zero(b)) break;
			u256_divmod(b, NULL, &a, b);
			break;
		}
		case 0x05: { /* SDIV */
			u256 a = *POP(), *b = TOP();
			if (u256_is_zero(b)) break;
			bool na = u256_neg(&a), nb = u256_neg(b);
			u256 x = a, y = *b;
			if (na) u256_negate(&x, &a);
			if (nb) u256_negate(&y, b);
			u256_divmod(b, NULL, &x, &y);
			if (na != nb) u256_negate(b, b);
			break;
		}
		case 0x06: {
			u256 a = *POP(), *b = TOP();
			if (u256_is_zero(b)) break;
			u256_divmod(NULL, b, &a, b);
			break;
		}
		case 0x07: { /* SMOD: sign of the dividend */
			u256 a = *POP(), *b = TOP();
			if (u256_is_zero(b)) break;
			bool na = u256_neg(&a);
			u256 x = a, y = *b;
			if (na) u256_negate(&x, &a);
			if (u256_neg(b)) u256_negate(&y, b);
			u256_divmod(NULL, b, &x, &y);
			if (na) u256_negate(b, b);
			break;
		}
		case 0x08: {
			u256 a = *POP(), b = *POP(), *n = TOP();
			if (u256_is_zero(n)) break;
			u256_addmod(n, &a, &b, n);
			break;
		}
		case 0x09: {
			u256 a = *POP(), b = *POP(), *n = TOP();
			if (u256_is_zero(n)) break;
			u256_mulmod(n, &a, &b, n);
			break;
		}
		case 0x0a: {
			u256 a = *POP(), *e = TOP();
			CHARGE(50 * (uint64_t)u256_bytes(e));
			u256_exp(e, &a, e);
			break;
		}
		case 0x0b: { /* SIGNEXTEND */
			u256 b = *POP(), *x = TOP();
			if (u256_fits64(&b) && b.w[0] < 31) {
				unsigned bit = (unsigned)b.w[0] * 8 + 7;
				bool neg = (x->w[bit / 64] >> (bit % 64)) & 1;
				for (unsigned i = bit + 1; i < 256; i++) {
					uint64_t m = 1ULL << (i % 64);
					if (neg) x->w[i / 64] |= m;
					else x->w[i / 64] &= ~m;
				}
			}
			break;
		}
		case 0x10: { u256 *a = POP(), *b = TOP(); *b = u256_u64(u256_cmp(a, b) < 0); break; }
		case 0x11: { u256 *a = POP(), *b = TOP(); *b = u256_u64(u256_cmp(a, b) > 0); break; }
		case 0x12: { u256 *a = POP(), *b = TOP(); *b = u256_u64(u256_scmp(a, b) < 0); break; }
		case 0x13: { u256 *a = POP(), *b = TOP(); *b = u256_u64(u256_scmp(a, b) > 0); break; }
		case 0x14: { u256 *a = POP(), *b = TOP(); *b = u256_u64(u256_eq(a, b)); break; }
		case 0x15: { u256 *a = TOP(); *a = u256_u64(u256_is_zero(a)); break; }
		case 0x16: { u256 *a = POP(), *b = TOP(); for (int i = 0; i < 4; i++) b->w[i] &= a->w[i]; break; }
		case 0x17: { u256 *a = POP(), *b = TOP(); for (int i = 0; i < 4; i++) b->w[i] |= a->w[i]; break; }
		case 0x18: { u256 *a = POP(), *b = TOP(); for (int i = 0; i < 4; i++) b->w[i] ^= a->w[i]; break; }
		case 0x19: { u256 *a = TOP(); for (int i = 0; i < 4; i++) a->w[i] = ~a->w[i]; break; }
		case 0x1a: { /* BYTE */
			u256 i = *POP(), *x = TOP();
			uint64_t v = 0;
			if (u256_fits64(&i) && i.w[0] < 32) {
				unsigned k = 31 - (unsigned)i.w[0];
				v = (x->w[k / 8] >> (8 * (k % 8))) & 0xff;
			}
			*x = u256_u64(v);
			break;
		}
		case 0x1b: {
			u256 s = *POP(), *x = TOP();
			u256_shl(x, x, u256_fits64(&s) && s.w[0] < 256 ? (unsigned)s.w[0] : 256);
			break;
		}
		case 0x1c: {
			u256 s = *POP(), *x = TOP();
			u256_shr(x, x, u256_fits64(&s) && s.w[0] < 256 ? (unsigned)s.w[0] : 256);
			break;
		}
		case 0x1d: { /* SAR */
			u256 s = *POP(), *x = TOP();
			bool neg = u256_neg(x);
			unsigned sh = u256_fits64(&s) && s.w[0] < 256 ? (unsigned)s.w[0] : 256;
			if (sh >= 256) {
				for (int i = 0; i < 4; i++) x->w[i] = neg ? UINT64_MAX : 0;
			} else if (neg) {
				u256 nx;
				for (int i = 0; i < 4; i++) nx.w[i] = ~x->w[i];
				u256_shr(&nx, &nx, sh);
				for (int i = 0; i < 4; i++) x->w[i] = ~nx.w[i];
			} else {
				u256_shr(x, x, sh);
			}
			break;
		}
		case 0x20: {
			u256 off = *POP(), *len = TOP();
			uint64_t o, l;
			if (!mem_expand(f, &off, len, &o, &l)) ERR("out of gas");
			CHARGE(6 * words(l));
			SVM_ASSERT(l == 0 || o + l <= f->mem_len);
			uint8_t h[32];
			svm_keccak256(l ? f->mem + o : NULL, l, h);
			svm_u256_from_be(len, h, 32);
			break;
		}
		case 0x30: u256_from_addr(PUSH(), &f->m.to); break;
		case 0x31: case 0x3b: case 0x3f: { /* BALANCE, EXTCODESIZE, EXTCODEHASH */
			u256 *x = TOP();
			addr_t a;
			addr_from_u256(&a, x);
			acct_t *ac = evm_acct(r->s, &a);
			if (!ac) return SVM_ENOMEM;
			uint64_t cost;
			if ((rc = access_cost(r, ac, &cost))) return rc;
			CHARGE(cost);
			if (op == 0x31 && (rc = evm_acct_fill(ac))) return rc;
			if (op == 0x31) *x = ac->balance;
			else if (op == 0x3b) *x = u256_u64(ac->code_len);
			else if (!ac->exists || evm_acct_empty(ac)) *x = u256_zero();
			else svm_u256_from_be(x, evm_code_hash(ac), 32);
			break;
		}
		case 0x32: u256_from_addr(PUSH(), &ctx->origin); break;
		case 0x33: u256_from_addr(PUSH(), &f->m.caller); break;
		case 0x34: *PUSH() = f->m.value; break;
		case 0x35: {
			u256 *x = TOP();
			uint8_t b[32];
			copy_padded(b, f->m.input, f->m.input_len, x, 32);
			svm_u256_from_be(x, b, 32);
			break;
		}
		case 0x36: *PUSH() = u256_u64(f->m.input_len); break;
		case 0x37: case 0x39: case 0x3e: { /* CALLDATACOPY, CODECOPY, RETURNDATACOPY */
			u256 mo = *POP(), so = *POP(), len = *POP();
			if (op == 0x3e) {
				u256 end;
				if (u256_add(&end, &so, &len) || !u256_fits64(&end) || end.w[0] > f->ret_len)
					ERR("return data out of bounds");
			}
			uint64_t o, l;
			if (!mem_expand(f, &mo, &len, &o, &l)) ERR("out of gas");
			CHARGE(3 * words(l));
			if (!l) break;
			SVM_ASSERT(o + l <= f->mem_len);
			/* RETURNDATACOPY's source range was checked against the return data */
			SVM_ASSERT(op != 0x3e || (u256_fits64(&so) && so.w[0] + l <= f->ret_len));
			if (op == 0x37) copy_padded(f->mem + o, f->m.input, f->m.input_len, &so, l);
			else if (op == 0x39) copy_padded(f->mem + o, code, f->code_len, &so, l);
			else memcpy(f->mem + o, f->ret + so.w[0], l);
			break;
		}
		case 0x38: *PUSH() = u256_u64(f->code_len); break;
		case 0x3a: *PUSH() = ctx->gas_price; break;
		case 0x3c: { /* EXTCODECOPY */
			u256 at = *POP(), mo = *POP(), so = *POP(), len = *POP();
			addr_t a;
			addr_from_u256(&a, &at);
			acct_t *ac = evm_acct(r->s, &a);
			if (!ac) return SVM_ENOMEM;
			uint64_t cost, o, l;
			if ((rc = access_cost(r, ac, &cost))) return rc;
			CHARGE(cost);
			if (!mem_expand(f, &mo, &len, &o, &l)) ERR("out of gas");
			CHARGE(3 * words(l));
			SVM_ASSERT(l == 0 || o + l <= f->mem_len);
			if (l) copy_padded(f->mem + o, ac->code, ac->code_len, &so, l);
			break;
		}
		case 0x3d: *PUSH() = u256_u64(f->ret_len); break;
		case 0x40: { u256 *x = TOP(); block_hash(ctx, x, x); break; }
		case 0x41: u256_from_addr(PUSH(), &ctx->blk->coinbase); break;
		case 0x42: *PUSH() = u256_u64(ctx->blk->timestamp); break;
		case 0x43: *PUSH() = u256_u64(ctx->blk->number); break;
		case 0x44: *PUSH() = ctx->blk->prev_randao; break;
		case 0x45: *PUSH() = u256_u64(ctx->blk->gas_limit); break;
		case 0x46: *PUSH() = u256_u64(ctx->blk->chain_id); break;
		case 0x47:
			if ((rc = evm_acct_fill(f->self))) return rc;
			*PUSH() = f->self->balance;
			break;
		case 0x48: *PUSH() = ctx->blk->base_fee; break;
		case 0x49: {
			u256 *x = TOP();
			SVM_ASSERT(ctx->tx->n_blob_hashes == 0 || ctx->tx->blob_hashes != NULL);
			if (u256_fits64(x) && x->w[0] < ctx->tx->n_blob_hashes) *x = ctx->tx->blob_hashes[x->w[0]];
			else *x = u256_zero();
			break;
		}
		case 0x4a: *PUSH() = ctx->blk->blob_base_fee; break;
		case 0x50: f->sp--; break;
		case 0x51: {
			u256 *x = TOP(), len = u256_u64(32);
			uint64_t o, l;
			if (!mem_expand(f, x, &len, &o, &l)) ERR("out of gas");
			SVM_ASSERT(l == 32 && o + 32 <= f->mem_len);
			svm_u256_from_be(x, f->mem + o, 32);
			break;
		}
		case 0x52: case 0x53: {
			u256 off = *POP(), v = *POP(), len = u256_u64(op == 0x52 ? 32 : 1);
			uint64_t o, l;
			if (!mem_expand(f, &off, &len, &o, &l)) ERR("out of gas");
			SVM_ASSERT(l == len.w[0] && o + l <= f->mem_len);
			if (op == 0x52) svm_u256_to_be(&v, f->mem + o);
			else f->mem[o] = (uint8_t)v.w[0];
			break;
		}
		case 0x54: {
			u256 *k = TOP();
			slot_t *sl = evm_slot(f->self, k);
			if (!sl) return SVM_ENOMEM;
			if ((rc = evm_warm_slot(r->s, f->self, sl)) < 0) return rc;
			CHARGE(rc ? 2100 : 100);
			*k = sl->cur;
			break;
		}
		case 0x55: {
			u256 k = *POP(), v = *POP();
			if ((rc = op_sstore(r, f, &k, &v)) == 2) goto fail;
			if (rc < 0) return rc;
			break;
		}
		case 0x56: {
			u256 *d = POP();
			if (!is_jumpdest(f, d)) ERR("bad jump destination");
			f->pc = (size_t)d->w[0];
			continue;
		}
		case 0x57: {
			u256 *d = POP(), *c = POP();
			if (!u256_is_zero(c)) {
				if (!is_jumpdest(f, d)) ERR("bad jump destination");
				f->pc = (size_t)d->w[0];
				continue;
			}
			break;
		}
		case 0x58: *PUSH() = u256_u64(f->pc); break;
		case 0x59: *PUSH() = u256_u64(f->mem_len); break;
		case 0x5a: *PUSH() = u256_u64((uint64_t)f->gas); break;
		case 0x5b: break;
		case 0x5c: { u256 *k = TOP(); evm_tload(r->s, &f->m.to, k, k); break; }
		case 0x5d: {
			u256 k = *POP(), v = *POP();
			if (f->m.is_static) ERR("tstore in static call");
			if ((rc = evm_tstore(r->s, &f->m.to, &k, &v))) return rc;
			break;
		}
		case 0x5e: { /* MCOPY */
			u256 d = *POP(), s = *POP(), len = *POP();
			uint64_t o1, l1, o2, l2;
			if (!mem_expand(f, &s, &len, &o2, &l2) || !mem_expand(f, &d, &len, &o1, &l1)) ERR("out of gas");
			CHARGE(3 * words(l1));
			/* the same length, both ranges inside memory (the second expansion kept the first) */
			SVM_ASSERT(l1 == l2 && (l1 == 0 || (o1 + l1 <= f->mem_len && o2 + l2 <= f->mem_len)));
			if (l1) memmove(f->mem + o1, f->mem + o2, l1);
			break;
		}
		case 0x5f: *PUSH() = u256_zero(); break;
		case 0xa0: case 0xa1: case 0xa2: case 0xa3: case 0xa4:
			if ((rc = op_log(r, f, op - 0xa0)) == 2) goto fail;
			if (rc < 0) return rc;
			break;
		case 0xf0: case 0xf5:
			rc = op_create(r, f, op);
			if (rc == 2) goto fail;
			if (rc != 0) return rc; /* 1: child pushed, pc stays on the instruction */
			break;
		case 0xf1: case 0xf2: case 0xf4: case 0xfa:
			rc = op_call(r, f, op);
			if (rc == 2) goto fail;
			if (rc != 0) return rc;
			break;
		case 0xf3: case 0xfd: {
			u256 off = *POP(), len = *POP();
			uint64_t o, l;
			if (!mem_expand(f, &off, &len, &o, &l)) ERR("out of gas");
			SVM_ASSERT(f->out == NULL && (l == 0 || o + l <= f->mem_len));
			if (l) {
				f->out = svm_malloc(l);
				if (!f->out) return SVM_ENOMEM;
				memcpy(f->out, f->mem + o, l);
			}
			f->out_len = l;
			f->halt = op == 0xf3 ? HALT_OK : HALT_REVERT;
			if (op == 0xfd) f->why = "reverted";
			return 0;
		}
		case 0xff: {
			u256 t = *POP();
			if ((rc = op_selfdestruct(r, f, &t)) == 2) goto fail;
			if (rc < 0) return rc;
			f->halt = HALT_OK;
			return 0;
		}
		default:
			if (op >= 0x60 && op <= 0x7f) {
				unsigned n = op - 0x5f;
				push_imm(PUSH(), code + f->pc + 1, n, f->code_len - f->pc - 1);
				f->pc += n;
			} else if (op >= 0x80 && op <= 0x8f) {
				SVM_ASSERT(f->sp - 1 - (op - 0x80) >= 0 && f->sp < SVM_EVM_STACK_MAX);
				st[f->sp] = st[f->sp - 1 - (op - 0x80)];
				f->sp++;
			} else if (op >= 0x90 && op <= 0x9f) {
				SVM_ASSERT(f->sp - 2 - (op - 0x90) >= 0);
				u256 t = st[f->sp - 1];
				st[f->sp - 1] = st[f->sp - 2 - (op - 0x90)];
				st[f->sp - 2 - (op - 0x90)] = t;
			} else {
				ERR("invalid opcode");
			}
			break;
		}
		SVM_ASSERT(f->sp >= 0 && f->sp <= SVM_EVM_STACK_MAX && f->gas >= 0);
		f->pc++;
	}
fail:
	f->halt = HALT_ERROR;
	f->gas = 0;
	return 0;
}

/* The loop of evm_execute_at: runs frames until the one entered at depth base completes. */
static int run_from(run_t *rr, done_t *dd, int base, int rc, svm_evm_result_t *res)
{
	run_t r = *rr;
	done_t d = *dd;
	if (rc < 0) return rc;
	if (rc == 0 && !d.status && d.reverted) snprintf(res->error, sizeof res->error, "reverted");
	while (rc == 1) {
		/* the running frame is the one entered at base or one of its descendants */
		SVM_ASSERT(r.vm->depth >= base && r.vm->depth < r.vm->hi);
		frame_t *f = &r.vm->frames[r.vm->depth];
		rc = run_frame(&r, f);
		if (rc < 0) return rc;
		if (rc == 1) continue; /* a child was pushed */
		if ((rc = leave(r.s, f, &d))) return rc;
		if (r.vm->depth == base) {
			if (!d.status && f->why) snprintf(res->error, sizeof res->error, "%s", f->why);
			break;
		}
		SVM_ASSERT(r.vm->depth > base);
		r.vm->depth--;
		frame_t *p = &r.vm->frames[r.vm->depth];
		deliver(p, &d);
		svm_free(d.out);
		rc = 1;
	}
	*dd = d;
	return 0;
}

bool evm_is_xvm(const addr_t *a)
{
	static const uint8_t x[20] = SVM_EVM_XVM_ADDRESS_BYTES;
	static const uint8_t n[20] = SVM_EVM_NATIVE_ADDRESS_BYTES;
	return memcmp(a->b, x, 20) == 0 || memcmp(a->b, n, 20) == 0;
}

bool evm_is_native(const addr_t *a)
{
	static const uint8_t n[20] = SVM_EVM_NATIVE_ADDRESS_BYTES;
	return memcmp(a->b, n, 20) == 0;
}

int evm_execute(svm_evm_state_t *s, const txctx_t *ctx, const msg_t *m, svm_evm_result_t *res,
		int64_t *gas_left)
{
	return evm_execute_at(s, ctx, m, 0, res, gas_left);
}

int evm_execute_at(svm_evm_state_t *s, const txctx_t *ctx, const msg_t *m, int base, svm_evm_result_t *res,
		   int64_t *gas_left)
{
	init_ops();
	if (!s->vm && !(s->vm = vm_take())) return SVM_ENOMEM;
	SVM_ASSERT(base >= 0 && base <= SVM_EVM_DEPTH_MAX + 1);
	int depth0 = s->vm->depth; /* the suspended frames' depth, restored when this message ends */
	const txctx_t *ctx0 = s->ctx;
	s->ctx = ctx;
	run_t r = {s, s->vm, ctx};
	done_t d;
	int rc = enter(s, r.vm, m, base, &d);
	if (rc >= 0) rc = run_from(&r, &d, base, rc, res);
	s->vm->depth = depth0;
	s->ctx = ctx0;
	if (rc < 0) return rc;
	SVM_ASSERT(d.status <= 1 && d.gas_left >= 0 && d.gas_left <= m->gas);
	SVM_ASSERT(d.out_len == 0 || d.out != NULL);
	res->status = d.status;
	res->output = d.out;
	res->output_len = d.out_len;
	res->created = (m->kind == 0xf0) && d.status;
	res->created_address = d.created;
	*gas_left = d.gas_left;
	return 0;
}

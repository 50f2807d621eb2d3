/* The canonical WebAssembly stepper: one instruction per step over the raw bytecode of a module
 * the VM has decoded and validated (read through its private module header, never changed),
 * the state hash with a Merkle tree over 64-byte memory leaves (dirty leaves rehashed), one-step
 * proofs and the one-step verifier. docs/bisection.md defines every encoding here. */
#include <string.h>

#include "supervm/trace.h"
#include "vm/wasm/module.h"

enum { L_FUNC = 0, L_BLOCK = 1, L_LOOP = 2, L_IF = 3 };

typedef struct {
	uint8_t kind, arity;
	uint32_t height, start, end; /* start: a loop's branch target; end: the matching end */
} label_t;

#define LEAF SVM_STEP_LEAF_SIZE
#define PAGE 65536u

struct svm_step {
	const svm_wasm_module_t *m;
	const wasm_gas_t *gas;
	svm_hash_t module_hash;
	uint32_t func;          /* defined-function index */
	uint32_t nparams;
	const uint8_t *body;    /* the function body (locals + expression) */
	uint32_t body_len, pc;  /* pc: offset of the next opcode in body */
	uint32_t *match;        /* per body offset of block/loop/if: its end; of an if: else in match2 */
	uint32_t *match2;
	uint32_t *blk_cost;     /* per body offset where a gas block starts: its cost (+1, 0 = none) */
	uint8_t status, nresults;
	uint64_t gas_left, gas_used, steps;
	uint32_t nvals, nlabels, nlocals, nglobals;
	uint64_t vals[SVM_STEP_VALUES_MAX];
	label_t labels[SVM_STEP_LABELS_MAX];
	uint64_t locals[SVM_STEP_LOCALS_MAX];
	uint64_t globals[SVM_STEP_GLOBALS_MAX];
	uint32_t pages;
	/* full memory (a worker) … */
	uint8_t *mem;
	svm_hash_t *tree;  /* heap-ordered: node 1 is the root, leaf i at npad + i */
	uint64_t npad;
	uint32_t depth;
	uint8_t *dirty;
	bool any_dirty;
	/* … or a window of revealed leaves (the verifier) */
	uint64_t win_first;
	uint32_t win_n;
	uint8_t win[2 * LEAF];
	bool win_bad;
	svm_hash_t mem_root;
	bool unsupported;
};

/* ------------------------------------------------------------ LEB128 */

static bool rd_u32(const uint8_t *p, uint32_t len, uint32_t *pos, uint32_t *out)
{
	uint64_t v = 0;
	for (int sh = 0; sh < 35; sh += 7) {
		if (*pos >= len) return false;
		uint8_t b = p[(*pos)++];
		v |= (uint64_t)(b & 0x7f) << sh;
		if (!(b & 0x80)) {
			if (v > UINT32_MAX) return false;
			*out = (uint32_t)v;
			return true;
		}
	}
	return false;
}

static bool rd_s64(const uint8_t *p, uint32_t len, uint32_t *pos, int64_t *out, int bits)
{
	uint64_t v = 0;
	int sh = 0;
	uint8_t b;
	do {
		if (*pos >= len || sh >= 70) return false;
		b = p[(*pos)++];
		if (sh < 64) v |= (uint64_t)(b & 0x7f) << sh;
		sh += 7;
	} while (b & 0x80);
	if (sh < 64 && (b & 0x40)) v |= ~(uint64_t)0 << sh;
	*out = (int64_t)v;
	(void)bits;
	return true;
}

/* ------------------------------------------------------------ code scan */

static bool is_load(uint8_t op) { return op >= 0x28 && op <= 0x35; }
static bool is_store(uint8_t op) { return op >= 0x36 && op <= 0x3e; }
static bool is_supported_mem(uint8_t op)
{
	switch (op) {
	case 0x28: case 0x29: case 0x2c: case 0x2d: case 0x2e: case 0x2f: case 0x35:
	case 0x36: case 0x37: case 0x3a: case 0x3b: case 0x3e: return true;
	default: return false;
	}
}
static bool no_imm(uint8_t op)
{
	return op == 0x00 || op == 0x01 || op == 0x05 || op == 0x0b || op == 0x0f || op == 0x1a ||
	       op == 0x1b || (op >= 0x45 && op <= 0x5a) || (op >= 0x67 && op <= 0x8a) ||
	       op == 0xa7 || op == 0xac || op == 0xad;
}

/* Skips op's immediates at *pos (just past the opcode). false: outside the subset. */
static bool skip_imm(const uint8_t *p, uint32_t len, uint8_t op, uint32_t *pos, uint8_t *arity)
{
	uint32_t u;
	int64_t s;
	if (no_imm(op)) return true;
	switch (op) {
	case 0x02: case 0x03: case 0x04:
		if (*pos >= len) return false;
		u = p[(*pos)++];
		if (u == 0x40) *arity = 0;
		else if (u == 0x7f || u == 0x7e) *arity = 1;
		else return false; /* floats, references and type-index block types: outside */
		return true;
	case 0x0c: case 0x0d: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
		return rd_u32(p, len, pos, &u);
	case 0x3f:
		return *pos < len && p[(*pos)++] == 0;
	case 0x41: return rd_s64(p, len, pos, &s, 32);
	case 0x42: return rd_s64(p, len, pos, &s, 64);
	default:
		if (is_supported_mem(op)) return rd_u32(p, len, pos, &u) && rd_u32(p, len, pos, &u);
		return false;
	}
}

/* Matches every block/loop/if with its end (and else), once per function. */
static int scan(svm_step_t *s, uint32_t expr, svm_error_t *err)
{
	uint32_t stack[SVM_STEP_LABELS_MAX], n = 0, pos = expr, blk = expr;
	uint64_t cost = (uint64_t)s->gas->local * (s->nlocals - s->nparams);
	s->match = svm_calloc(s->body_len, sizeof *s->match);
	s->match2 = svm_calloc(s->body_len, sizeof *s->match2);
	s->blk_cost = svm_calloc(s->body_len + 1, sizeof *s->blk_cost);
	if (!s->match || !s->match2 || !s->blk_cost)
		return svm_error_set(err, SVM_ENOMEM, "step: out of memory");
	while (pos < s->body_len) {
		uint32_t at = pos;
		uint8_t op = s->body[pos++], ar = 0;
		if (!skip_imm(s->body, s->body_len, op, &pos, &ar))
			return svm_error_set(err, SVM_EUNSUPPORTED,
					     "step: opcode 0x%02x at body offset %u is outside the stepper's subset",
					     op, at);
		/* Gas blocks as the translator defines them (vm/wasm/emit.c): one starts at entry and
		 * after every loop, if, else and end, and costs its instructions (dead ones too, and
		 * the one that ends it) — so gas matches the fast interpreter at every point. */
		cost += s->gas->op[op];
		if (op == 0x03 || op == 0x04 || op == 0x05 || op == 0x0b) {
			if (cost >= UINT32_MAX) return svm_error_set(err, SVM_ELIMIT, "step: gas block too costly");
			s->blk_cost[blk] = (uint32_t)cost + 1;
			blk = pos;
			cost = 0;
		}
		if (op == 0x02 || op == 0x03 || op == 0x04) {
			if (n == SVM_STEP_LABELS_MAX)
				return svm_error_set(err, SVM_ELIMIT, "step: blocks nested too deep");
			stack[n++] = at;
		} else if (op == 0x05) {
			if (n == 0) return svm_error_set(err, SVM_EDECODE, "step: else outside if");
			s->match2[stack[n - 1]] = at;
		} else if (op == 0x0b) {
			if (n == 0) {
				if (pos != s->body_len)
					return svm_error_set(err, SVM_EDECODE, "step: code after the end");
				return 0;
			}
			s->match[stack[--n]] = at;
		}
	}
	return svm_error_set(err, SVM_EDECODE, "step: body without end");
}

/* ------------------------------------------------------------ memory tree */

static void leaf_hash(const uint8_t *data, svm_hash_t *out) { svm_merkle_leaf_hash(data, LEAF, out); }

static int tree_init(svm_step_t *s)
{
	uint64_t nleaves = (uint64_t)s->pages * (PAGE / LEAF);
	s->npad = 1;
	s->depth = 0;
	while (s->npad < nleaves) s->npad <<= 1, s->depth++;
	if (s->pages == 0) return 0;
	s->tree = svm_malloc(2 * s->npad * sizeof *s->tree);
	s->dirty = svm_calloc((size_t)(nleaves + 7) / 8, 1);
	if (!s->tree || !s->dirty) return SVM_ENOMEM;
	static const uint8_t zero[LEAF];
	svm_hash_t z;
	leaf_hash(zero, &z);
	for (uint64_t i = 0; i < s->npad; i++)
		if (i < nleaves) leaf_hash(s->mem + i * LEAF, &s->tree[s->npad + i]);
		else s->tree[s->npad + i] = z;
	for (uint64_t i = s->npad - 1; i >= 1; i--)
		svm_merkle_node_hash(&s->tree[2 * i], &s->tree[2 * i + 1], &s->tree[i]);
	s->mem_root = s->tree[1];
	return 0;
}

static void tree_update(svm_step_t *s)
{
	if (!s->any_dirty || !s->tree) return;
	uint64_t nleaves = (uint64_t)s->pages * (PAGE / LEAF);
	/* Rehash the dirty leaves, then each level's distinct parents once (ascending, so equal
	 * parents are adjacent): d dirty leaves cost about 2d + depth hashes, not d * depth. */
	uint64_t *idx = svm_malloc(sizeof *idx * (nleaves < 4096 ? nleaves : 4096));
	uint64_t n = 0, cap = nleaves < 4096 ? nleaves : 4096;
	bool all = idx == NULL;
	for (uint64_t i = 0; i < nleaves && !all; i += 8) {
		if (!s->dirty[i / 8]) continue;
		for (uint64_t j = i; j < i + 8 && j < nleaves; j++)
			if (s->dirty[j / 8] >> (j % 8) & 1) {
				if (n == cap) {
					all = true; /* many dirty leaves: rebuild every level instead */
					break;
				}
				idx[n++] = j;
			}
	}
	if (all) {
		for (uint64_t j = 0; j < nleaves; j++)
			if (s->dirty[j / 8] >> (j % 8) & 1) leaf_hash(s->mem + j * LEAF, &s->tree[s->npad + j]);
		for (uint64_t x = s->npad - 1; x >= 1; x--)
			svm_merkle_node_hash(&s->tree[2 * x], &s->tree[2 * x + 1], &s->tree[x]);
	} else {
		for (uint64_t i = 0; i < n; i++) leaf_hash(s->mem + idx[i] * LEAF, &s->tree[s->npad + idx[i]]);
		for (uint64_t base = s->npad; base > 1; base >>= 1) {
			uint64_t m = 0;
			for (uint64_t i = 0; i < n; i++) {
				uint64_t parent = (base + idx[i]) >> 1;
				if (m && idx[m - 1] == parent - (base >> 1)) continue;
				svm_merkle_node_hash(&s->tree[2 * parent], &s->tree[2 * parent + 1], &s->tree[parent]);
				idx[m++] = parent - (base >> 1);
			}
			n = m;
		}
	}
	svm_free(idx);
	memset(s->dirty, 0, (size_t)(nleaves + 7) / 8);
	s->any_dirty = false;
	s->mem_root = s->tree[1];
}

/* The root over leaves [a, a+cnt) (cnt 1 or 2, adjacent) with their hashes h and the siblings
 * in canonical order (bottom-up; per level: one sibling for a single node, none when the two
 * nodes are siblings, left-then-right otherwise). *used: siblings consumed; false if short. */
static bool multi_root(uint32_t depth, uint64_t a, uint32_t cnt, const svm_hash_t h[2],
		       const svm_hash_t *sib, size_t nsib, size_t *used, svm_hash_t *root)
{
	svm_hash_t x = h[0], y = h[cnt - 1], t;
	uint64_t ia = a, ib = a + cnt - 1;
	size_t u = 0;
	for (uint32_t l = 0; l < depth; l++) {
		if (ia == ib) {
			if (u >= nsib) return false;
			if (ia & 1) svm_merkle_node_hash(&sib[u], &x, &t);
			else svm_merkle_node_hash(&x, &sib[u], &t);
			u++;
			x = t;
		} else if (!(ia & 1)) {
			svm_merkle_node_hash(&x, &y, &t);
			x = t;
			ib = ia;
		} else {
			if (u + 2 > nsib) return false;
			svm_merkle_node_hash(&sib[u], &x, &t);
			x = t;
			svm_merkle_node_hash(&y, &sib[u + 1], &t);
			y = t;
			u += 2;
		}
		ia >>= 1;
		ib >>= 1;
		if (ia == ib) y = x;
	}
	*used = u;
	*root = x;
	return true;
}

/* The siblings multi_root needs, from the full tree. */
static size_t multi_siblings(const svm_step_t *s, uint64_t a, uint32_t cnt, svm_hash_t *out)
{
	uint64_t ia = a, ib = a + cnt - 1;
	size_t u = 0;
	for (uint32_t l = 0; l < s->depth; l++) {
		uint64_t base = s->npad >> l;
		if (ia == ib) {
			out[u++] = s->tree[base + (ia ^ 1)];
		} else if (ia & 1) {
			out[u++] = s->tree[base + ia - 1];
			out[u++] = s->tree[base + ib + 1];
		}
		ia >>= 1;
		ib >>= 1;
	}
	return u;
}

/* ------------------------------------------------------------ memory access */

static bool mem_range(const svm_step_t *s, uint64_t ea, uint32_t n)
{
	return ea + n <= (uint64_t)s->pages * PAGE;
}

static void mem_read(svm_step_t *s, uint64_t ea, uint8_t *dst, uint32_t n)
{
	if (s->mem) {
		memcpy(dst, s->mem + ea, n);
		return;
	}
	uint64_t base = s->win_first * LEAF;
	if (ea < base || ea + n > base + (uint64_t)s->win_n * LEAF) {
		s->win_bad = true;
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, s->win + (ea - base), n);
}

static void mem_write(svm_step_t *s, uint64_t ea, const uint8_t *src, uint32_t n)
{
	if (s->mem) {
		memcpy(s->mem + ea, src, n);
		for (uint64_t l = ea / LEAF; l <= (ea + n - 1) / LEAF; l++) s->dirty[l / 8] |= (uint8_t)(1u << (l % 8));
		s->any_dirty = true;
		return;
	}
	uint64_t base = s->win_first * LEAF;
	if (ea < base || ea + n > base + (uint64_t)s->win_n * LEAF) {
		s->win_bad = true;
		return;
	}
	memcpy(s->win + (ea - base), src, n);
}

/* ------------------------------------------------------------ execution */

static uint32_t width_of(uint8_t op)
{
	switch (op) {
	case 0x28: case 0x36: case 0x35: case 0x3e: return 4;
	case 0x29: case 0x37: return 8;
	case 0x2c: case 0x2d: case 0x3a: return 1;
	default: return 2; /* 0x2e 0x2f 0x3b */
	}
}

static void trap(svm_step_t *s) { s->status = SVM_STEP_TRAPPED; }

/* Values the instruction pops (validation guarantees them on every reachable state; a forged
 * state that lacks them cannot be stepped). */
static uint32_t pops(uint8_t op)
{
	if (op == 0x1b) return 3;
	if (is_store(op) || (op >= 0x46 && op <= 0x4f) || (op >= 0x51 && op <= 0x5a) ||
	    (op >= 0x6a && op <= 0x78) || (op >= 0x7c && op <= 0x8a))
		return 2;
	if (op == 0x04 || op == 0x0d || op == 0x1a || op == 0x21 || op == 0x22 || op == 0x24 ||
	    op == 0x45 || op == 0x50 || (op >= 0x67 && op <= 0x69) || (op >= 0x79 && op <= 0x7b) ||
	    op == 0xa7 || op == 0xac || op == 0xad || is_load(op))
		return 1;
	return 0;
}

#define PUSH(v) (s->vals[s->nvals++] = (v))
#define POP() (s->vals[--s->nvals])

/* Branch to label depth l. */
static void branch(svm_step_t *s, uint32_t l)
{
	if (l >= s->nlabels) {
		s->unsupported = true;
		return;
	}
	uint32_t li = s->nlabels - 1 - l;
	label_t *L = &s->labels[li];
	if (L->arity > s->nvals || L->height > s->nvals - L->arity) {
		s->unsupported = true;
		return;
	}
	if (L->kind == L_LOOP) {
		s->nvals = L->height;
		s->nlabels = li + 1;
		s->pc = L->start;
		return;
	}
	uint64_t keep[2] = {0, 0};
	for (uint32_t i = 0; i < L->arity; i++) keep[i] = s->vals[s->nvals - L->arity + i];
	s->nvals = L->height;
	for (uint32_t i = 0; i < L->arity; i++) PUSH(keep[i]);
	s->nlabels = li;
	s->pc = L->end + 1;
	if (L->kind == L_FUNC) s->status = SVM_STEP_DONE;
}

static uint64_t i32(uint64_t v) { return v & 0xffffffffu; }

static bool exec_i32(svm_step_t *s, uint8_t op)
{
	if (op == 0x45) { s->vals[s->nvals - 1] = i32(s->vals[s->nvals - 1]) == 0; return true; }
	if (op >= 0x67 && op <= 0x69) {
		uint32_t a = (uint32_t)POP();
		PUSH(op == 0x67 ? (a ? (uint64_t)__builtin_clz(a) : 32)
		     : op == 0x68 ? (a ? (uint64_t)__builtin_ctz(a) : 32)
				  : (uint64_t)__builtin_popcount(a));
		return true;
	}
	uint32_t b = (uint32_t)POP(), a = (uint32_t)POP();
	int32_t sa = (int32_t)a, sb = (int32_t)b;
	uint32_t r;
	switch (op) {
	case 0x46: r = a == b; break;
	case 0x47: r = a != b; break;
	case 0x48: r = sa < sb; break;
	case 0x49: r = a < b; break;
	case 0x4a: r = sa > sb; break;
	case 0x4b: r = a > b; break;
	case 0x4c: r = sa <= sb; break;
	case 0x4d: r = a <= b; break;
	case 0x4e: r = sa >= sb; break;
	case 0x4f: r = a >= b; break;
	case 0x6a: r = a + b; break;
	case 0x6b: r = a - b; break;
	case 0x6c: r = a * b; break;
	case 0x6d:
		if (b == 0 || (sa == INT32_MIN && sb == -1)) return trap(s), true;
		r = (uint32_t)(sa / sb);
		break;
	case 0x6e: if (b == 0) return trap(s), true; r = a / b; break;
	case 0x6f:
		if (b == 0) return trap(s), true;
		r = sb == -1 ? 0 : (uint32_t)(sa % sb);
		break;
	case 0x70: if (b == 0) return trap(s), true; r = a % b; break;
	case 0x71: r = a & b; break;
	case 0x72: r = a | b; break;
	case 0x73: r = a ^ b; break;
	case 0x74: r = a << (b & 31); break;
	case 0x75: r = (uint32_t)(sa >> (b & 31)); break;
	case 0x76: r = a >> (b & 31); break;
	case 0x77: r = (a << (b & 31)) | (a >> ((32 - (b & 31)) & 31)); break;
	case 0x78: r = (a >> (b & 31)) | (a << ((32 - (b & 31)) & 31)); break;
	default: return false;
	}
	PUSH(r);
	return true;
}

static bool exec_i64(svm_step_t *s, uint8_t op)
{
	if (op == 0x50) { s->vals[s->nvals - 1] = s->vals[s->nvals - 1] == 0; return true; }
	if (op >= 0x79 && op <= 0x7b) {
		uint64_t a = POP();
		PUSH(op == 0x79 ? (a ? (uint64_t)__builtin_clzll(a) : 64)
		     : op == 0x7a ? (a ? (uint64_t)__builtin_ctzll(a) : 64)
				  : (uint64_t)__builtin_popcountll(a));
		return true;
	}
	uint64_t b = POP(), a = POP(), r;
	int64_t sa = (int64_t)a, sb = (int64_t)b;
	switch (op) {
	case 0x51: r = a == b; break;
	case 0x52: r = a != b; break;
	case 0x53: r = sa < sb; break;
	case 0x54: r = a < b; break;
	case 0x55: r = sa > sb; break;
	case 0x56: r = a > b; break;
	case 0x57: r = sa <= sb; break;
	case 0x58: r = a <= b; break;
	case 0x59: r = sa >= sb; break;
	case 0x5a: r = a >= b; break;
	case 0x7c: r = a + b; break;
	case 0x7d: r = a - b; break;
	case 0x7e: r = a * b; break;
	case 0x7f:
		if (b == 0 || (sa == INT64_MIN && sb == -1)) return trap(s), true;
		r = (uint64_t)(sa / sb);
		break;
	case 0x80: if (b == 0) return trap(s), true; r = a / b; break;
	case 0x81:
		if (b == 0) return trap(s), true;
		r = sb == -1 ? 0 : (uint64_t)(sa % sb);
		break;
	case 0x82: if (b == 0) return trap(s), true; r = a % b; break;
	case 0x83: r = a & b; break;
	case 0x84: r = a | b; break;
	case 0x85: r = a ^ b; break;
	case 0x86: r = a << (b & 63); break;
	case 0x87: r = (uint64_t)(sa >> (b & 63)); break;
	case 0x88: r = a >> (b & 63); break;
	case 0x89: r = (a << (b & 63)) | (a >> ((64 - (b & 63)) & 63)); break;
	case 0x8a: r = (a >> (b & 63)) | (a << ((64 - (b & 63)) & 63)); break;
	default: return false;
	}
	PUSH(r);
	return true;
}

static void exec_mem(svm_step_t *s, uint8_t op, uint32_t offset)
{
	uint32_t w = width_of(op);
	uint8_t buf[8] = {0};
	if (is_load(op)) {
		uint64_t ea = i32(POP()) + (uint64_t)offset;
		if (!mem_range(s, ea, w)) return trap(s);
		mem_read(s, ea, buf, w);
		uint64_t v = svm_get_u64le(buf);
		if (op == 0x2c) v = i32((uint64_t)(int64_t)(int8_t)v);
		if (op == 0x2e) v = i32((uint64_t)(int64_t)(int16_t)v);
		PUSH(v);
		return;
	}
	uint64_t v = POP(), ea = i32(POP()) + (uint64_t)offset;
	if (!mem_range(s, ea, w)) return trap(s);
	svm_put_u64le(buf, v);
	mem_write(s, ea, buf, w);
}

/* The memory leaves the instruction at the current state touches: first and count (0..2). */
static uint32_t touched(const svm_step_t *s, uint64_t *first)
{
	if (s->status != SVM_STEP_RUNNING) return 0;
	uint8_t op = s->body[s->pc];
	if (!is_supported_mem(op)) return 0;
	uint32_t pos = s->pc + 1, align, off;
	if (!rd_u32(s->body, s->body_len, &pos, &align) || !rd_u32(s->body, s->body_len, &pos, &off))
		return 0;
	uint32_t need = is_load(op) ? 1 : 2;
	if (s->nvals < need) return 0;
	uint64_t ea = i32(s->vals[s->nvals - need]) + (uint64_t)off, w = width_of(op);
	if (!mem_range(s, ea, (uint32_t)w)) return 0; /* it traps without reading */
	*first = ea / LEAF;
	return (uint32_t)((ea + w - 1) / LEAF - ea / LEAF + 1);
}

static int exec_one(svm_step_t *s, uint8_t op);

/* Pays a gas block; out of gas is terminal (the interpreter abandons the call). */
static void charge(svm_step_t *s, uint64_t cost)
{
	if (s->gas_left < cost) {
		s->status = SVM_STEP_OUT_OF_GAS;
		return;
	}
	s->gas_left -= cost;
	s->gas_used += cost;
}

int svm_step_one(svm_step_t *s)
{
	if (s->unsupported) return SVM_EUNSUPPORTED;
	if (s->status != SVM_STEP_RUNNING) return 0;
	uint8_t op = s->body[s->pc];
	if (s->nvals < pops(op) || s->nvals + 2 > SVM_STEP_VALUES_MAX || s->nlabels == 0) {
		s->unsupported = true; /* only a forged state gets here */
		return SVM_EUNSUPPORTED;
	}
	s->steps++;
	int rc = exec_one(s, op);
	if (rc != 0) return rc;
	/* Control arrived at a gas block's start — only loop/if/else/end and branches lead there,
	 * sequential flow never does: pay the block. */
	if (s->status == SVM_STEP_RUNNING && s->pc < s->body_len && s->blk_cost[s->pc])
		charge(s, s->blk_cost[s->pc] - 1);
	return 0;
}

static int exec_one(svm_step_t *s, uint8_t op)
{
	uint32_t pos = s->pc + 1, u, off;
	int64_t imm;
	uint8_t ar = 0;
	label_t *L;
	switch (op) {
	case 0x00: trap(s); return 0;
	case 0x01: break;
	case 0x02: case 0x03: case 0x04:
		skip_imm(s->body, s->body_len, op, &pos, &ar);
		if (op == 0x04 && (uint32_t)POP() == 0) {
			uint32_t e = s->match2[s->pc];
			if (!e) {
				s->pc = s->match[s->pc] + 1;
				return 0;
			}
			pos = e + 1;
		}
		if (s->nlabels == SVM_STEP_LABELS_MAX) return trap(s), 0; /* the named nesting limit */
		L = &s->labels[s->nlabels++];
		*L = (label_t){op == 0x02 ? L_BLOCK : op == 0x03 ? L_LOOP : L_IF, ar, s->nvals, pos,
			       s->match[s->pc]};
		break;
	case 0x05: branch(s, 0); return 0; /* the end of a then-branch: leave the if */
	case 0x0b:
		L = &s->labels[--s->nlabels]; /* nlabels > 0 checked above */
		if (L->kind == L_FUNC) s->status = SVM_STEP_DONE;
		break;
	case 0x0c: rd_u32(s->body, s->body_len, &pos, &u); branch(s, u); return 0;
	case 0x0d:
		rd_u32(s->body, s->body_len, &pos, &u);
		if ((uint32_t)POP() != 0) {
			branch(s, u);
			return 0;
		}
		break;
	case 0x0f: branch(s, s->nlabels - 1); return 0;
	case 0x1a: s->nvals--; break;
	case 0x1b: {
		uint32_t c = (uint32_t)POP();
		uint64_t b = POP(), a = POP();
		PUSH(c ? a : b);
		break;
	}
	case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
		rd_u32(s->body, s->body_len, &pos, &u);
		if (u >= (op <= 0x22 ? s->nlocals : s->nglobals)) {
			s->unsupported = true;
			return SVM_EUNSUPPORTED;
		}
		if (op == 0x20) PUSH(s->locals[u]);
		else if (op == 0x21) s->locals[u] = POP();
		else if (op == 0x22) s->locals[u] = s->vals[s->nvals - 1];
		else if (op == 0x23) PUSH(s->globals[u]);
		else s->globals[u] = POP();
		break;
	case 0x3f: pos++; PUSH(s->pages); break;
	case 0x41: rd_s64(s->body, s->body_len, &pos, &imm, 32); PUSH(i32((uint64_t)imm)); break;
	case 0x42: rd_s64(s->body, s->body_len, &pos, &imm, 64); PUSH((uint64_t)imm); break;
	case 0xa7: s->vals[s->nvals - 1] = i32(s->vals[s->nvals - 1]); break;
	case 0xac: s->vals[s->nvals - 1] = (uint64_t)(int64_t)(int32_t)s->vals[s->nvals - 1]; break;
	case 0xad: s->vals[s->nvals - 1] = i32(s->vals[s->nvals - 1]); break;
	default:
		if (is_supported_mem(op)) {
			rd_u32(s->body, s->body_len, &pos, &u);
			rd_u32(s->body, s->body_len, &pos, &off);
			exec_mem(s, op, off);
		} else if ((op >= 0x45 && op <= 0x4f) || (op >= 0x67 && op <= 0x78)) {
			exec_i32(s, op);
		} else if ((op >= 0x50 && op <= 0x5a) || (op >= 0x79 && op <= 0x8a)) {
			exec_i64(s, op);
		} else {
			s->unsupported = true;
			return SVM_EUNSUPPORTED;
		}
	}
	if (s->unsupported) return SVM_EUNSUPPORTED;
	if (s->nvals >= SVM_STEP_VALUES_MAX - 2) trap(s); /* the named stack limit */
	if (s->status == SVM_STEP_RUNNING || op == 0x0b) s->pc = pos;
	return 0;
}

int svm_step_run(svm_step_t *s, uint64_t n)
{
	for (uint64_t i = 0; i < n && s->status == SVM_STEP_RUNNING; i++) {
		int rc = svm_step_one(s);
		if (rc != 0) return rc;
	}
	return 0;
}

int svm_step_status(const svm_step_t *s) { return s->status; }

uint32_t svm_step_leaves(const svm_step_t *s)
{
	uint64_t first;
	return touched(s, &first);
}
uint64_t svm_step_count(const svm_step_t *s) { return s->steps; }
uint64_t svm_step_gas_used(const svm_step_t *s) { return s->gas_used; }

int svm_step_results(const svm_step_t *s, uint64_t *out, size_t n)
{
	if (s->status != SVM_STEP_DONE || n > s->nvals) return SVM_ESTATE;
	for (size_t i = 0; i < n; i++) out[i] = s->vals[s->nvals - n + i];
	return 0;
}

void svm_step_corrupt(svm_step_t *s, uint64_t delta)
{
	if (s->nvals) s->vals[s->nvals - 1] += delta;
	else s->gas_left ^= delta; /* nothing on the stack: corrupt the gas */
}

/* ------------------------------------------------------------ state encoding */

static void put32(svm_buf_t *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	svm_buf_append(b, x, 4);
}
static void put64(svm_buf_t *b, uint64_t v)
{
	uint8_t x[8];
	svm_put_u64le(x, v);
	svm_buf_append(b, x, 8);
}

/* The state's core encoding (everything but the module hash and the memory's contents). */
static int core_put(const svm_step_t *s, svm_buf_t *b)
{
	size_t need = 64 + 8 * (s->nvals + s->nlocals + s->nglobals) + 14 * s->nlabels;
	if (svm_buf_reserve(b, need) != 0) return SVM_ENOMEM;
	svm_buf_push(b, s->status);
	svm_buf_push(b, s->nresults);
	put32(b, s->func);
	put32(b, s->pc);
	put64(b, s->gas_left);
	put64(b, s->gas_used);
	put64(b, s->steps);
	put32(b, s->nvals);
	for (uint32_t i = 0; i < s->nvals; i++) put64(b, s->vals[i]);
	put32(b, s->nlabels);
	for (uint32_t i = 0; i < s->nlabels; i++) {
		const label_t *L = &s->labels[i];
		svm_buf_push(b, L->kind);
		svm_buf_push(b, L->arity);
		put32(b, L->height);
		put32(b, L->start);
		put32(b, L->end);
	}
	put32(b, s->nlocals);
	for (uint32_t i = 0; i < s->nlocals; i++) put64(b, s->locals[i]);
	put32(b, s->nglobals);
	for (uint32_t i = 0; i < s->nglobals; i++) put64(b, s->globals[i]);
	put32(b, s->pages);
	return svm_buf_append(b, s->mem_root.b, 32);
}

static void state_hash(const svm_hash_t *module_hash, const uint8_t *core, size_t n,
		       svm_hash_t *out)
{
	svm_sha256_ctx_t c;
	svm_sha256_init(&c);
	svm_sha256_update(&c, "svm/step/v1", 11);
	svm_sha256_update(&c, module_hash->b, 32);
	svm_sha256_update(&c, core, n);
	svm_sha256_final(&c, out);
}

void svm_step_hash(svm_step_t *s, svm_hash_t *out)
{
	tree_update(s);
	svm_buf_t b = {0};
	if (core_put(s, &b) != 0) {
		memset(out, 0, sizeof *out); /* out of memory: a hash nobody can match */
		svm_buf_free(&b);
		return;
	}
	state_hash(&s->module_hash, b.data, b.len, out);
	svm_buf_free(&b);
}

typedef struct {
	const uint8_t *p;
	size_t len, pos;
	bool bad;
} rd_t;

static uint64_t get(rd_t *r, int n)
{
	if (r->bad || r->len - r->pos < (size_t)n) {
		r->bad = true;
		return 0;
	}
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--) v = v << 8 | r->p[r->pos + i];
	r->pos += n;
	return v;
}

/* ------------------------------------------------------------ construction */

static int bind_function(svm_step_t *s, const svm_wasm_module_t *m, uint32_t fidx, svm_error_t *err)
{
	if (fidx < m->nfuncs_imported || fidx >= m->nfuncs)
		return svm_error_set(err, SVM_EUNSUPPORTED, "step: function %u is not defined here", fidx);
	const wcode_t *c = &m->codes[fidx - m->nfuncs_imported];
	const svm_wasm_functype_t *t = &m->types[m->func_types[fidx]];
	s->m = m;
	s->gas = m->gas;
	s->func = fidx;
	s->body = c->body;
	s->body_len = c->body_len;
	if (t->result_count > 2 || c->nparams + c->nlocals > SVM_STEP_LOCALS_MAX)
		return svm_error_set(err, SVM_EUNSUPPORTED, "step: function shape outside the subset");
	s->nresults = (uint8_t)t->result_count;
	/* the expression starts after the locals declarations */
	uint32_t pos = 0, groups, cnt;
	if (!rd_u32(s->body, s->body_len, &pos, &groups))
		return svm_error_set(err, SVM_EDECODE, "step: bad locals");
	for (uint32_t i = 0; i < groups; i++) {
		if (!rd_u32(s->body, s->body_len, &pos, &cnt) || pos >= s->body_len)
			return svm_error_set(err, SVM_EDECODE, "step: bad locals");
		uint8_t ty = s->body[pos++];
		if (ty != 0x7f && ty != 0x7e && ty != 0x7d && ty != 0x7c) /* float locals hold bits */
			return svm_error_set(err, SVM_EUNSUPPORTED, "step: a local of type 0x%02x", ty);
	}
	for (uint32_t i = 0; i < t->param_count; i++)
		if (t->params[i] != SVM_WASM_I32 && t->params[i] != SVM_WASM_I64)
			return svm_error_set(err, SVM_EUNSUPPORTED, "step: a float or reference parameter");
	s->nlocals = c->nparams + c->nlocals;
	s->nparams = c->nparams;
	int rc = scan(s, pos, err);
	if (rc == 0) s->pc = pos;
	return rc;
}

static void module_hash(const svm_wasm_module_t *m, svm_hash_t *out) { svm_sha256(m->bytes, m->len, out); }

int svm_step_new(svm_step_t **out, const svm_wasm_module_t *m, const char *fn, const uint64_t *args,
		 size_t nargs, uint64_t gas, svm_error_t *err)
{
	*out = NULL;
	if (m->nimports || m->nglobals > SVM_STEP_GLOBALS_MAX || m->nmems > 1)
		return svm_error_set(err, SVM_EUNSUPPORTED, "step: imports, >1 memory or too many globals");
	uint32_t fidx = UINT32_MAX;
	for (uint32_t i = 0; i < m->nexports; i++)
		if (m->exports[i].kind == 0 && strlen(fn) == m->exports[i].name.n &&
		    memcmp(fn, m->exports[i].name.p, m->exports[i].name.n) == 0)
			fidx = m->exports[i].index;
	if (fidx == UINT32_MAX) return svm_error_set(err, SVM_ENOTFOUND, "step: no export %s", fn);
	svm_step_t *s = svm_calloc(1, sizeof *s);
	if (!s) return svm_error_set(err, SVM_ENOMEM, "step: out of memory");
	int rc = bind_function(s, m, fidx, err);
	if (rc != 0) goto fail;
	const svm_wasm_functype_t *t = &m->types[m->func_types[fidx]];
	if (nargs != t->param_count) {
		rc = svm_error_set(err, SVM_EINVAL, "step: %zu arguments for %u parameters", nargs, t->param_count);
		goto fail;
	}
	for (size_t i = 0; i < nargs; i++)
		s->locals[i] = t->params[i] == SVM_WASM_I32 ? i32(args[i]) : args[i];
	module_hash(m, &s->module_hash);
	s->nglobals = m->nglobals;
	for (uint32_t i = 0; i < m->nglobals; i++) {
		if (m->globals[i].init.kind != CE_CONST ||
		    (m->globals[i].type.type != SVM_WASM_I32 && m->globals[i].type.type != SVM_WASM_I64)) {
			rc = svm_error_set(err, SVM_EUNSUPPORTED, "step: global %u outside the subset", i);
			goto fail;
		}
		s->globals[i] = m->globals[i].init.v;
	}
	s->pages = m->nmems ? m->mems[0].min : 0;
	if (s->pages > SVM_STEP_PAGES_MAX) {
		rc = svm_error_set(err, SVM_ELIMIT, "step: %u pages (at most %u)", s->pages,
				   SVM_STEP_PAGES_MAX);
		goto fail;
	}
	if (s->pages && !(s->mem = svm_calloc((size_t)s->pages * PAGE, 1))) {
		rc = svm_error_set(err, SVM_ENOMEM, "step: out of memory");
		goto fail;
	}
	for (uint32_t i = 0; i < m->ndatas; i++) {
		const wdata_t *d = &m->datas[i];
		if (d->mode != SEG_ACTIVE) continue;
		uint64_t at = i32(d->offset.v);
		if (d->offset.kind != CE_CONST || at + d->len > (uint64_t)s->pages * PAGE) {
			rc = svm_error_set(err, SVM_EUNSUPPORTED, "step: data segment %u outside the subset", i);
			goto fail;
		}
		memcpy(s->mem + at, d->bytes, d->len);
	}
	if ((rc = tree_init(s)) != 0) {
		svm_error_set(err, rc, "step: out of memory");
		goto fail;
	}
	s->gas_left = gas;
	charge(s, s->blk_cost[s->pc] ? s->blk_cost[s->pc] - 1 : 0); /* the entry block */
	s->labels[0] = (label_t){L_FUNC, s->nresults, 0, 0, s->body_len - 1};
	s->nlabels = 1;
	*out = s;
	return 0;
fail:
	svm_step_free(s);
	return rc;
}

void svm_step_free(svm_step_t *s)
{
	if (!s) return;
	svm_free(s->mem);
	svm_free(s->tree);
	svm_free(s->dirty);
	svm_free(s->match);
	svm_free(s->match2);
	svm_free(s->blk_cost);
	svm_free(s);
}

int svm_step_clone(const svm_step_t *s, svm_step_t **out)
{
	svm_step_t *c = svm_malloc(sizeof *c);
	if (!c) return SVM_ENOMEM;
	*c = *s;
	c->mem = NULL, c->tree = NULL, c->dirty = NULL, c->match = NULL, c->match2 = NULL;
	c->blk_cost = svm_malloc((s->body_len + 1) * sizeof *c->blk_cost);
	size_t mb = (size_t)s->pages * PAGE, nl = (size_t)s->pages * (PAGE / LEAF);
	c->match = svm_malloc(s->body_len * sizeof *c->match);
	c->match2 = svm_malloc(s->body_len * sizeof *c->match2);
	if (s->pages) {
		c->mem = svm_malloc(mb);
		c->tree = svm_malloc(2 * s->npad * sizeof *c->tree);
		c->dirty = svm_malloc((nl + 7) / 8);
	}
	if (!c->match || !c->match2 || !c->blk_cost || (s->pages && (!c->mem || !c->tree || !c->dirty))) {
		svm_step_free(c);
		return SVM_ENOMEM;
	}
	memcpy(c->match, s->match, s->body_len * sizeof *c->match);
	memcpy(c->match2, s->match2, s->body_len * sizeof *c->match2);
	memcpy(c->blk_cost, s->blk_cost, (s->body_len + 1) * sizeof *c->blk_cost);
	if (s->pages) {
		memcpy(c->mem, s->mem, mb);
		memcpy(c->tree, s->tree, 2 * s->npad * sizeof *c->tree);
		memcpy(c->dirty, s->dirty, (nl + 7) / 8);
	}
	*out = c;
	return 0;
}

/* ------------------------------------------------------------ one-step proofs */

int svm_step_prove(svm_step_t *s, svm_buf_t *out)
{
	tree_update(s);
	int rc = core_put(s, out);
	if (rc != 0) return rc;
	uint64_t first = 0;
	uint32_t cnt = touched(s, &first);
	svm_buf_push(out, (uint8_t)cnt);
	if (!cnt) return 0;
	put64(out, first);
	svm_buf_append(out, s->mem + first * LEAF, (size_t)cnt * LEAF);
	svm_hash_t sib[2 * 64];
	size_t n = multi_siblings(s, first, cnt, sib);
	svm_buf_push(out, (uint8_t)n);
	return svm_buf_append(out, sib, n * sizeof sib[0]);
}

/* Parses the core into v (memory absent); false when malformed or out of bounds. */
static bool core_get(rd_t *r, svm_step_t *v)
{
	v->status = (uint8_t)get(r, 1);
	v->nresults = (uint8_t)get(r, 1);
	v->func = (uint32_t)get(r, 4);
	v->pc = (uint32_t)get(r, 4);
	v->gas_left = get(r, 8);
	v->gas_used = get(r, 8);
	v->steps = get(r, 8);
	v->nvals = (uint32_t)get(r, 4);
	if (r->bad || v->status > SVM_STEP_OUT_OF_GAS || v->nvals > SVM_STEP_VALUES_MAX) return false;
	for (uint32_t i = 0; i < v->nvals; i++) v->vals[i] = get(r, 8);
	v->nlabels = (uint32_t)get(r, 4);
	if (r->bad || v->nlabels > SVM_STEP_LABELS_MAX) return false;
	for (uint32_t i = 0; i < v->nlabels; i++) {
		label_t *L = &v->labels[i];
		L->kind = (uint8_t)get(r, 1);
		L->arity = (uint8_t)get(r, 1);
		L->height = (uint32_t)get(r, 4);
		L->start = (uint32_t)get(r, 4);
		L->end = (uint32_t)get(r, 4);
		if (L->kind > L_IF || L->arity > 2 || L->height > v->nvals + 2u) return false;
	}
	uint32_t nl = (uint32_t)get(r, 4);
	if (r->bad || nl > SVM_STEP_LOCALS_MAX) return false;
	v->nlocals = nl;
	for (uint32_t i = 0; i < nl; i++) v->locals[i] = get(r, 8);
	v->nglobals = (uint32_t)get(r, 4);
	if (r->bad || v->nglobals > SVM_STEP_GLOBALS_MAX) return false;
	for (uint32_t i = 0; i < v->nglobals; i++) v->globals[i] = get(r, 8);
	v->pages = (uint32_t)get(r, 4);
	if (r->bad || v->pages > SVM_STEP_PAGES_MAX || r->len - r->pos < 32) return false;
	memcpy(v->mem_root.b, r->p + r->pos, 32);
	r->pos += 32;
	return true;
}

/* What an instruction needs of the stack and the code must be there: the verifier runs only
 * on states a worker could reach, and rejects the rest instead of trusting them. */
static bool well_formed(const svm_step_t *v)
{
	if (v->status != SVM_STEP_RUNNING) return true;
	if (v->nlabels == 0 || v->pc >= v->body_len) return false;
	if (v->nlocals != v->m->codes[v->func - v->m->nfuncs_imported].nparams +
				  v->m->codes[v->func - v->m->nfuncs_imported].nlocals ||
	    v->nglobals != v->m->nglobals)
		return false;
	/* every label must be one the code can have produced */
	for (uint32_t i = 0; i < v->nlabels; i++) {
		const label_t *L = &v->labels[i];
		if (L->end >= v->body_len || v->body[L->end] != 0x0b || L->start > v->body_len ||
		    L->height > v->nvals)
			return false;
	}
	/* validation guarantees operands; the verifier demands the deepest any instruction reads */
	return v->nvals >= 3 || v->body[v->pc] != 0x1b;
}

int svm_step_verify(const svm_wasm_module_t *m, const svm_hash_t *pre, const uint8_t *proof,
		    size_t proof_len, svm_hash_t *post, svm_error_t *err)
{
	if (proof_len > SVM_STEP_PROOF_MAX)
		return svm_error_set(err, SVM_ELIMIT, "one-step proof: %zu bytes", proof_len);
	svm_step_t *v = svm_calloc(1, sizeof *v);
	if (!v) return svm_error_set(err, SVM_ENOMEM, "one-step proof: out of memory");
	int rc = 0;
	rd_t r = {proof, proof_len, 0, false};
	svm_hash_t h;
	svm_buf_t b = {0};
	if (!core_get(&r, v)) {
		rc = svm_error_set(err, SVM_EDECODE, "one-step proof: malformed state");
		goto out;
	}
	size_t core_len = r.pos;
	module_hash(m, &v->module_hash);
	state_hash(&v->module_hash, proof, core_len, &h);
	if (!svm_hash_eq(&h, pre)) {
		rc = svm_error_set(err, SVM_EPROOF, "one-step proof: the state does not hash to the agreed pre-state");
		goto out;
	}
	svm_step_t tmp = {0};
	tmp.gas = m->gas;
	if ((rc = bind_function(&tmp, m, v->func, err)) != 0) {
		svm_free(tmp.match), svm_free(tmp.match2), svm_free(tmp.blk_cost);
		goto out;
	}
	v->m = m, v->gas = m->gas, v->body = tmp.body, v->body_len = tmp.body_len;
	v->match = tmp.match, v->match2 = tmp.match2, v->blk_cost = tmp.blk_cost;
	v->nparams = tmp.nparams;
	if (!well_formed(v)) {
		rc = svm_error_set(err, SVM_EPROOF, "one-step proof: a state the code cannot reach");
		goto out;
	}
	/* the memory window */
	uint64_t want_first = 0;
	uint32_t want = touched(v, &want_first);
	uint32_t cnt = (uint32_t)get(&r, 1);
	if (r.bad || cnt != want) {
		rc = svm_error_set(err, SVM_EPROOF, "one-step proof: %u memory leaves, the step touches %u", cnt, want);
		goto out;
	}
	svm_hash_t leaves[2], sib[2 * 64], root;
	size_t nsib = 0, used = 0;
	if (cnt) {
		v->win_first = get(&r, 8);
		v->win_n = cnt;
		if (r.bad || v->win_first != want_first || r.len - r.pos < (size_t)cnt * LEAF) {
			rc = svm_error_set(err, SVM_EPROOF, "one-step proof: wrong memory leaves");
			goto out;
		}
		memcpy(v->win, r.p + r.pos, (size_t)cnt * LEAF);
		r.pos += (size_t)cnt * LEAF;
		nsib = (size_t)get(&r, 1);
		if (r.bad || nsib > 2 * 64 || r.len - r.pos < nsib * 32) {
			rc = svm_error_set(err, SVM_EDECODE, "one-step proof: malformed memory path");
			goto out;
		}
		memcpy(sib, r.p + r.pos, nsib * 32);
		r.pos += nsib * 32;
		uint64_t nleaves = (uint64_t)v->pages * (PAGE / LEAF);
		v->npad = 1, v->depth = 0;
		while (v->npad < nleaves) v->npad <<= 1, v->depth++;
		for (uint32_t i = 0; i < cnt; i++) leaf_hash(v->win + i * LEAF, &leaves[i]);
		if (!multi_root(v->depth, v->win_first, cnt, leaves, sib, nsib, &used, &root) ||
		    used != nsib || !svm_hash_eq(&root, &v->mem_root)) {
			rc = svm_error_set(err, SVM_EPROOF, "one-step proof: memory leaves not under the memory root");
			goto out;
		}
	}
	if (r.pos != r.len) {
		rc = svm_error_set(err, SVM_EDECODE, "one-step proof: %zu trailing bytes", r.len - r.pos);
		goto out;
	}
	if ((rc = svm_step_one(v)) != 0 || v->win_bad) {
		rc = svm_error_set(err, rc ? rc : SVM_EPROOF, "one-step proof: the step cannot be executed");
		goto out;
	}
	if (cnt) {
		for (uint32_t i = 0; i < cnt; i++) leaf_hash(v->win + i * LEAF, &leaves[i]);
		multi_root(v->depth, v->win_first, cnt, leaves, sib, nsib, &used, &v->mem_root);
	}
	if ((rc = core_put(v, &b)) != 0) goto out;
	state_hash(&v->module_hash, b.data, b.len, post);
out:
	svm_buf_free(&b);
	svm_free(v->match);
	svm_free(v->match2);
	svm_free(v->blk_cost);
	svm_free(v);
	return rc;
}

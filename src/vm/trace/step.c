/* The canonical WebAssembly stepper: one instruction per step over the raw bytecode of a module
 * the VM has decoded and validated (read through its private module header, never changed),
 * the state hash with a Merkle tree over 64-byte memory leaves (dirty leaves rehashed), one-step
 * proofs and the one-step verifier. docs/bisection.md defines every encoding here. */
#include <string.h>

#include "supervm/ai.h"
#include "supervm/trace.h"
#include "vm/wasm/module.h"

#pragma clang fp contract(off) /* as the interpreter: no fused multiply-add */

enum { L_FUNC = 0, L_BLOCK = 1, L_LOOP = 2, L_IF = 3 };

typedef struct {
	uint8_t kind, arity;
	uint32_t height, start, end; /* start: a loop's branch target; end: the matching end */
} label_t;

#define LEAF SVM_STEP_LEAF_SIZE
#define PAGE 65536u
#define RANGES_MAX 3 /* memory ranges one step touches (i8_matvec: w, x, acc) */
#define HOST_CHUNK 32768u /* bytes of an input/model copy per step: a proof well inside a transaction */

/* The code tables of one defined function (scan()). */
typedef struct {
	uint32_t *match, *match2, *blk_cost;
	uint32_t expr; /* offset of the expression (after the locals declarations) */
	uint32_t nparams, nlocals; /* params + declared locals */
} ftab_t;

/* A caller's frame: where it resumes and where its locals start. */
typedef struct {
	uint32_t func, ret_pc, lbase;
} frame_t;

/* The AI host functions ("env" imports, src/vm/ai/runtime.c), executed as one step each. */
enum { H_NONE = 0, H_INPUT_SIZE, H_INPUT, H_MODEL_SIZE, H_MODEL, H_SET_RETURN, H_ABORT, H_MATVEC };

/* A memory range a step touches: leaves [first, first + count). */
typedef struct {
	uint64_t first;
	uint32_t count;
	bool write;
} range_t;

#define TLEAF_ELEMS (SVM_STEP_LEAF_SIZE / 8) /* table elements per table Merkle leaf */
#define TRANGES_MAX 2 /* table ranges one step touches (table.copy: destination, source) */

/* A table range a step touches: leaves [first, first + count) of table x's tree at depth
 * `depth` (the table's, or for a grow the grown table's). */
typedef struct {
	uint32_t x, first, count, depth;
	bool write;
} trange_t;

struct svm_step {
	const svm_wasm_module_t *m;
	const wasm_gas_t *gas;
	svm_hash_t module_hash;
	ftab_t *ft;             /* per defined function */
	uint8_t *host;          /* per imported function: H_* */
	uint64_t *tables[SVM_STEP_TABLES_MAX]; /* per table: function index + 1 per element, 0 = null
					       * (an externref as given); a worker's, never the
					       * verifier's (it has the revealed windows) */
	uint32_t table_n[SVM_STEP_TABLES_MAX];   /* each table's size */
	svm_hash_t troot[SVM_STEP_TABLES_MAX];  /* each table's Merkle root (8 elements a leaf) */
	bool tdirty[SVM_STEP_TABLES_MAX];       /* a worker's root is stale */
	uint32_t nelems;                        /* element segments; bit i of edropped: segment i */
	uint8_t edropped[SVM_STEP_ELEMS_MAX / 8]; /* is dropped (active, declarative, elem.drop's) */
	uint32_t ntabs;                         /* the module's tables (a count in the state) */
	uint32_t ntwin;                         /* the verifier's revealed table leaves */
	trange_t twin_r[TRANGES_MAX];
	uint64_t *twin[TRANGES_MAX];
	svm_step_env_t env;
	bool has_env;
	uint32_t func;          /* function index (imports first) of the current frame */
	uint32_t nparams;
	const uint8_t *body;    /* the function body (locals + expression) */
	uint32_t body_len, pc;  /* pc: offset of the next opcode in body */
	uint32_t *match;        /* per body offset of block/loop/if: its end; of an if: else in match2 */
	uint32_t *match2;
	uint32_t *blk_cost;     /* per body offset where a gas block starts: its cost (+1, 0 = none) */
	uint8_t status, nresults;
	uint64_t gas_left, gas_used, steps;
	uint32_t nvals, nlabels, nlocals, nglobals;
	uint32_t ndatas;         /* the module's data segments; bit i of dropped: segment i is */
	uint8_t dropped[SVM_STEP_DATAS_MAX / 8]; /* dropped (every active one, and data.drop's) */
	uint32_t lbase, nframes; /* the current frame's first local; callers below it */
	frame_t frames[SVM_STEP_FRAMES_MAX];
	uint64_t vals[SVM_STEP_VALUES_MAX];
	label_t labels[SVM_STEP_LABELS_MAX];
	uint64_t locals[SVM_STEP_LOCALS_MAX];
	uint64_t globals[SVM_STEP_GLOBALS_MAX];
	uint8_t hcall;          /* a host call in progress (micro-steps): H_INPUT, H_MODEL, H_MATVEC or 0 */
	uint32_t hpos, hret;    /* its next unit (a chunk, a row) and where its caller resumes */
	uint32_t hargs[5];
	uint32_t out_len;       /* set_return: the output's length and hash (and bytes, a worker) */
	svm_hash_t out_hash;
	uint8_t *out;
	uint32_t pages;
	/* full memory (a worker) … */
	uint8_t *mem;
	svm_hash_t *tree;  /* heap-ordered: node 1 is the root, leaf i at npad + i */
	uint64_t npad;
	uint32_t depth;
	uint8_t *dirty;
	bool any_dirty;
	/* … or windows of revealed leaves (the verifier) */
	uint32_t nwin;
	range_t win_r[RANGES_MAX];
	uint8_t *win[RANGES_MAX];
	bool win_bad;
	bool verifier; /* memory absent: a grow folds the root over zero subtrees */
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
	case 0x28: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x2e: case 0x2f:
	case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35:
	case 0x36: case 0x37: case 0x38: case 0x39: case 0x3a: case 0x3b: case 0x3c: case 0x3d:
	case 0x3e: return true;
	default: return false;
	}
}
static bool no_imm(uint8_t op)
{
	return op == 0x00 || op == 0x01 || op == 0x05 || op == 0x0b || op == 0x0f || op == 0x1a || op == 0xd1 ||
	       op == 0x1b || (op >= 0x45 && op <= 0xc4); /* every numeric operator, floats included */
}

static bool is_valtype(uint8_t t)
{
	return t == 0x7f || t == 0x7e || t == 0x7d || t == 0x7c || t == 0x70 || t == 0x6f;
}

/* A block type at *pos: empty, one value type, or a type index (multi-value: its parameters and
 * results). *arity is what a branch to the label carries (a loop's parameters, a block's or an
 * if's results), *nparams what the block takes from the stack. */
static bool block_type(const svm_wasm_module_t *m, const uint8_t *p, uint32_t len, uint8_t op,
		       uint32_t *pos, uint8_t *arity, uint8_t *nparams)
{
	if (*pos >= len) return false;
	uint8_t b = p[*pos];
	uint32_t np = 0, nr = 0;
	if (b == 0x40 || is_valtype(b)) {
		(*pos)++;
		nr = b != 0x40;
	} else {
		int64_t x;
		if (!rd_s64(p, len, pos, &x, 33) || x < 0 || (uint64_t)x >= m->ntypes) return false;
		np = m->types[x].param_count;
		nr = m->types[x].result_count;
		if (np > 255 || nr > 255) return false; /* the label's arity is a byte */
	}
	*arity = (uint8_t)(op == 0x03 ? np : nr);
	*nparams = (uint8_t)np;
	return true;
}

/* Skips op's immediates at *pos (just past the opcode). false: outside the subset. */
static bool skip_imm(const svm_wasm_module_t *m, const uint8_t *p, uint32_t len, uint8_t op,
		     uint32_t *pos, uint8_t *arity, uint8_t *nparams)
{
	uint32_t u;
	int64_t s;
	if (no_imm(op)) return true;
	switch (op) {
	case 0x02: case 0x03: case 0x04:
		return block_type(m, p, len, op, pos, arity, nparams);
	case 0x1c: /* select with its one value type */
		return rd_u32(p, len, pos, &u) && u == 1 && *pos < len && is_valtype(p[(*pos)++]);
	case 0xd0: /* ref.null t */
		return *pos < len && (p[*pos] == 0x70 || p[*pos] == 0x6f) && ++*pos;
	case 0xd2: /* ref.func f */
		return rd_u32(p, len, pos, &u) && u < m->nfuncs;
	case 0x25: case 0x26: /* table.get x, table.set x */
		return rd_u32(p, len, pos, &u) && u < m->ntables;
	case 0x0c: case 0x0d: case 0x10: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
		return rd_u32(p, len, pos, &u);
	case 0x11: /* call_indirect type table */
		return rd_u32(p, len, pos, &u) && rd_u32(p, len, pos, &u) && u < m->ntables;
	case 0x3f: case 0x40:
		return *pos < len && p[(*pos)++] == 0;
	case 0x0e: { /* br_table: count, count + 1 depths */
		uint32_t n;
		if (!rd_u32(p, len, pos, &n) || n > len) return false;
		for (uint32_t i = 0; i <= n; i++)
			if (!rd_u32(p, len, pos, &u)) return false;
		return true;
	}
	case 0xfc: /* saturating truncations (0..7), memory.init (8: segment, memory 0), data.drop
		    * (9: segment), memory.copy (10: two memory indices), memory.fill (11: one),
		    * table.init (12: segment, table), elem.drop (13: segment), table.copy (14: two
		    * tables), table.grow, table.size, table.fill (15, 16, 17: a table) */
		if (!rd_u32(p, len, pos, &u) || u > 17) return false;
		if (u <= 7) return true;
		if (u >= 12) {
			uint32_t a = 0, b = 0;
			if (!rd_u32(p, len, pos, &a)) return false;
			if (u == 13) return a < m->nelems;
			if (u == 15 || u == 16 || u == 17) return a < m->ntables;
			return rd_u32(p, len, pos, &b) && b < m->ntables && (u == 12 ? a < m->nelems : a < m->ntables);
		}
		if (u == 8 || u == 9) {
			uint32_t seg;
			if (!rd_u32(p, len, pos, &seg)) return false;
			return u == 9 || (*pos < len && p[(*pos)++] == 0);
		}
		for (uint32_t i = 0; i < (u == 10 ? 2u : 1u); i++)
			if (*pos >= len || p[(*pos)++] != 0) return false;
		return true;
	case 0x41: return rd_s64(p, len, pos, &s, 32);
	case 0x42: return rd_s64(p, len, pos, &s, 64);
	case 0x43: case 0x44: /* f32.const, f64.const: the value's bytes */
		if (len - *pos < (op == 0x43 ? 4u : 8u)) return false;
		*pos += op == 0x43 ? 4 : 8;
		return true;
	default:
		if (is_supported_mem(op)) return rd_u32(p, len, pos, &u) && rd_u32(p, len, pos, &u);
		return false;
	}
}

/* Matches every block/loop/if with its end (and else), once per function, into t. */
static int scan(const svm_wasm_module_t *m, const uint8_t *body, uint32_t body_len, ftab_t *t,
		svm_error_t *err)
{
	const wasm_gas_t *g = m->gas;
	uint32_t stack[SVM_STEP_LABELS_MAX], n = 0, pos = t->expr, blk = t->expr;
	uint64_t cost = (uint64_t)g->local * (t->nlocals - t->nparams);
	t->match = svm_calloc(body_len, sizeof *t->match);
	t->match2 = svm_calloc(body_len, sizeof *t->match2);
	t->blk_cost = svm_calloc(body_len + 1, sizeof *t->blk_cost);
	if (!t->match || !t->match2 || !t->blk_cost)
		return svm_error_set(err, SVM_ENOMEM, "step: out of memory");
	while (pos < body_len) {
		uint32_t at = pos, sub = 0, sp = pos + 1;
		uint8_t op = body[pos++], ar = 0, np = 0;
		if ((op == 0xfc || op == 0xfd) && !rd_u32(body, body_len, &sp, &sub)) sub = UINT32_MAX;
		if (!skip_imm(m, body, body_len, op, &pos, &ar, &np)) {
			if (op == 0xfc || op == 0xfd) /* a prefixed one (0xfd: SIMD) named with its sub-opcode */
				return svm_error_set(err, SVM_EUNSUPPORTED,
						     "step: opcode 0x%02x %u at body offset %u is outside the stepper's subset",
						     op, sub, at);
			return svm_error_set(err, SVM_EUNSUPPORTED,
					     "step: opcode 0x%02x at body offset %u is outside the stepper's subset",
					     op, at);
		}
		/* Gas blocks as the translator defines them (vm/wasm/emit.c): one starts at entry and
		 * after every loop, if, else and end, and costs its instructions (dead ones too, and
		 * the one that ends it) — so gas matches the fast interpreter at every point. A
		 * 0xfc-prefixed instruction costs the prefix's price plus its own (compile.c). */
		cost += g->op[op];
		if (op == 0xfc) cost += g->op_fc[sub];
		if (op == 0x03 || op == 0x04 || op == 0x05 || op == 0x0b) {
			if (cost >= UINT32_MAX) return svm_error_set(err, SVM_ELIMIT, "step: gas block too costly");
			t->blk_cost[blk] = (uint32_t)cost + 1;
			blk = pos;
			cost = 0;
		}
		if (op == 0x02 || op == 0x03 || op == 0x04) {
			if (n == SVM_STEP_LABELS_MAX)
				return svm_error_set(err, SVM_ELIMIT, "step: blocks nested too deep");
			stack[n++] = at;
		} else if (op == 0x05) {
			if (n == 0) return svm_error_set(err, SVM_EDECODE, "step: else outside if");
			t->match2[stack[n - 1]] = at;
		} else if (op == 0x0b) {
			if (n == 0) {
				if (pos != body_len)
					return svm_error_set(err, SVM_EDECODE, "step: code after the end");
				return 0;
			}
			t->match[stack[--n]] = at;
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

/* The root over leaves [a, a+cnt) with their hashes h (clobbered) and the siblings in canonical
 * order: bottom-up, per level the left neighbour of the range (when its first node is a right
 * child) then the right neighbour (when its last node is a left child) — one sibling for a
 * single node, none for two siblings. *used: siblings consumed; false if short. */
static bool range_root(uint32_t depth, uint64_t a, uint32_t cnt, svm_hash_t *h,
		       const svm_hash_t *sib, size_t nsib, size_t *used, svm_hash_t *root)
{
	uint64_t ia = a, ib = a + cnt - 1;
	uint32_t n = cnt;
	size_t u = 0;
	svm_hash_t left, right, t;
	for (uint32_t l = 0; l < depth; l++) {
		uint32_t hl = ia & 1, hr = !(ib & 1);
		if (u + hl + hr > nsib) return false;
		if (hl) left = sib[u++];
		if (hr) right = sib[u++];
		uint32_t total = n + hl + hr, k = 0;
		for (uint32_t i = 0; i < total; i += 2) {
			const svm_hash_t *x = hl && i == 0 ? &left : &h[i - hl];
			const svm_hash_t *y = hr && i + 1 == total - 1 ? &right : &h[i + 1 - hl];
			svm_merkle_node_hash(x, y, &t);
			h[k++] = t;
		}
		ia = (ia - hl) >> 1;
		n = k;
		ib = ia + n - 1;
	}
	*used = u;
	*root = h[0];
	return true;
}

/* The siblings range_root needs, from a full heap-ordered tree of 2^depth leaves. */
static size_t tree_siblings(const svm_hash_t *tree, uint32_t depth, uint64_t a, uint32_t cnt,
			    svm_hash_t *out)
{
	uint64_t ia = a, ib = a + cnt - 1, npad = 1ull << depth;
	size_t u = 0;
	for (uint32_t l = 0; l < depth; l++) {
		uint64_t base = npad >> l;
		if (ia & 1) out[u++] = tree[base + ia - 1];
		if (!(ib & 1)) out[u++] = tree[base + ib + 1];
		ia >>= 1;
		ib >>= 1;
	}
	return u;
}

static size_t range_siblings(const svm_step_t *s, uint64_t a, uint32_t cnt, svm_hash_t *out)
{
	SVM_ASSERT(s->npad == 1ull << s->depth);
	return tree_siblings(s->tree, s->depth, a, cnt, out);
}

/* ------------------------------------------------------------ table trees */

static uint64_t i32(uint64_t v);

/* A table is committed as a Merkle tree like memory's: leaves of 8 elements (u64 little-endian,
 * zero past the table's end), max(1, ceil(n / 8)) of them padded with zero leaves to a power of
 * two. Its depth: */
static uint32_t tdepth(uint64_t n)
{
	uint64_t leaves = n ? (n + TLEAF_ELEMS - 1) / TLEAF_ELEMS : 1, npad = 1;
	uint32_t d = 0;
	while (npad < leaves) npad <<= 1, d++;
	return d;
}

/* Leaf `leaf` of the elements e[0..n). */
static void tleaf(const uint64_t *e, uint64_t n, uint64_t leaf, uint8_t out[LEAF])
{
	for (uint64_t k = 0; k < TLEAF_ELEMS; k++) {
		uint64_t i = leaf * TLEAF_ELEMS + k;
		svm_put_u64le(out + 8 * k, i < n ? e[i] : 0);
	}
}

/* The heap-ordered tree (node 1 the root, leaf i at 2^depth + i) over e[0..n); NULL when out of
 * memory. depth >= tdepth(n). */
static svm_hash_t *ttree(const uint64_t *e, uint64_t n, uint32_t depth)
{
	SVM_ASSERT(depth >= tdepth(n) && depth < 32);
	uint64_t npad = 1ull << depth;
	svm_hash_t *t = svm_malloc(2 * npad * sizeof *t), zero;
	if (!t) return NULL;
	uint8_t buf[LEAF];
	tleaf(e, 0, 0, buf);
	leaf_hash(buf, &zero);
	for (uint64_t i = 0; i < npad; i++) {
		if (i * TLEAF_ELEMS >= n) {
			t[npad + i] = zero;
			continue;
		}
		tleaf(e, n, i, buf);
		leaf_hash(buf, &t[npad + i]);
	}
	for (uint64_t i = npad - 1; i >= 1; i--) svm_merkle_node_hash(&t[2 * i], &t[2 * i + 1], &t[i]);
	return t;
}

static void zero_root(uint32_t depth, svm_hash_t *out);

/* A root of a tree of depth `from` as the root of the same leaves padded to depth `to`: folded
 * with all-zero subtrees, as a grown table's (or memory's) tree is. */
static void tfold(svm_hash_t *r, uint32_t from, uint32_t to)
{
	svm_hash_t z, t;
	for (uint32_t l = from; l < to; l++) {
		zero_root(l, &z);
		svm_merkle_node_hash(r, &z, &t);
		*r = t;
	}
}

/* A worker's table roots, recomputed for the tables changed since the last call. */
static int tables_update(svm_step_t *s)
{
	for (uint32_t x = 0; x < s->ntabs && !s->verifier; x++) {
		if (!s->tdirty[x]) continue;
		svm_hash_t *t = ttree(s->tables[x], s->table_n[x], tdepth(s->table_n[x]));
		if (!t) return SVM_ENOMEM;
		s->troot[x] = t[1];
		s->tdirty[x] = false;
		svm_free(t);
	}
	return 0;
}

static trange_t trange(uint32_t x, uint64_t i, uint64_t n, uint32_t depth, bool write)
{
	uint64_t first = i / TLEAF_ELEMS, last = (i + n - 1) / TLEAF_ELEMS;
	return (trange_t){x, (uint32_t)first, (uint32_t)(last - first + 1), depth, write};
}

/* Elements [i, i + n) of table x: a worker's table, or the verifier's revealed window that holds
 * them (the written one for `write`; NULL, and the proof marked bad, when none does). n > 0. */
static uint64_t *tab_ptr(svm_step_t *s, uint32_t x, uint64_t i, uint64_t n, bool write)
{
	if (!s->verifier) return s->tables[x] + i;
	for (uint32_t k = 0; k < s->ntwin; k++) {
		const trange_t *w = &s->twin_r[k];
		uint64_t base = (uint64_t)w->first * TLEAF_ELEMS;
		if (w->x == x && w->write == write && i >= base && i + n <= base + (uint64_t)w->count * TLEAF_ELEMS)
			return s->twin[k] + (i - base);
	}
	s->win_bad = true;
	return NULL;
}

/* Element i < table_n[x] of table x for a read that cannot fail the proof (call_indirect's
 * target while computing what a step touches): 0 (null) when the verifier lacks it. */
static uint64_t tab_peek(const svm_step_t *s, uint32_t x, uint32_t i)
{
	if (!s->verifier) return s->tables[x][i];
	for (uint32_t k = 0; k < s->ntwin; k++) {
		const trange_t *w = &s->twin_r[k];
		uint64_t base = (uint64_t)w->first * TLEAF_ELEMS;
		if (w->x == x && i >= base && i < base + (uint64_t)w->count * TLEAF_ELEMS) return s->twin[k][i - base];
	}
	return 0;
}

static void tmark(svm_step_t *s, uint32_t x)
{
	if (!s->verifier) s->tdirty[x] = true;
}

static bool elem_dropped(const svm_step_t *s, uint32_t seg)
{
	return s->edropped[seg / 8] >> (seg % 8) & 1;
}

/* The elements table.init can still copy from segment seg: all of a passive one, none once
 * dropped (the VM's elem_len: active and declarative segments are dropped at instantiation). */
static uint64_t elem_live(const svm_step_t *s, uint32_t seg)
{
	return seg < s->nelems && !elem_dropped(s, seg) ? s->m->elems[seg].count : 0;
}

/* Item k of element segment seg as a table holds it (bind_module admits ref.func and ref.null). */
static uint64_t elem_item(const svm_step_t *s, uint32_t seg, uint64_t k)
{
	const wconst_t *c = &s->m->elems[seg].items[k];
	return c->kind == CE_REFFUNC ? (uint64_t)(uint32_t)c->v + 1 : 0;
}

/* A table operation at pc (0xfc 12 init, 14 copy, 15 grow, 17 fill) with its operands, as the VM
 * runs it (interp.c): the per-element price first (out of gas before anything), then the bounds
 * (a trap, also for n = 0 past the end) — a grow past its cap pushes -1 instead — then the
 * elements. */
typedef struct {
	uint32_t sub, x, y, seg; /* y: table.copy's source table; seg: table.init's segment */
	uint64_t d, b, n, price; /* destination (a grow: the old size), source / value, count */
	bool oog, trap, fail, big; /* out of gas; out of bounds; a grow past its cap; past ours */
} tplan_t;

static bool table_plan(const svm_step_t *s, tplan_t *p)
{
	uint32_t pos = s->pc + 1, a = 0, b = 0;
	memset(p, 0, sizeof *p);
	if (s->pc >= s->body_len || s->body[s->pc] != 0xfc || !rd_u32(s->body, s->body_len, &pos, &p->sub) ||
	    p->sub < 12 || p->sub == 13 || p->sub == 16 || p->sub > 17 || !rd_u32(s->body, s->body_len, &pos, &a))
		return false;
	if ((p->sub == 12 || p->sub == 14) && !rd_u32(s->body, s->body_len, &pos, &b)) return false;
	p->x = p->sub == 12 ? b : a;
	p->y = p->sub == 14 ? b : p->x;
	p->seg = p->sub == 12 ? a : 0;
	if (p->x >= s->ntabs || p->y >= s->ntabs || s->nvals < (p->sub == 15 ? 2u : 3u)) return false;
	const uint64_t *v = &s->vals[s->nvals];
	if (p->sub == 15) {
		p->d = s->table_n[p->x];
		p->b = v[-2];
		p->n = i32(v[-1]);
	} else {
		p->d = i32(v[-3]);
		p->b = p->sub == 17 ? v[-2] : i32(v[-2]);
		p->n = i32(v[-1]);
	}
	p->price = p->n * s->gas->table_elem;
	p->oog = s->gas_left < p->price;
	if (p->sub == 15) { /* the VM's wasm_table_grow under the default store limit (the AI runtime's) */
		uint64_t cap = SVM_WASM_TABLE_ELEMS_MAX_DEFAULT, size = p->d + p->n;
		const wtable_t *t = &s->m->tables[p->x];
		if (t->lim.has_max && t->lim.max < cap) cap = t->lim.max;
		p->fail = size > cap;
		p->big = !p->fail && size > SVM_STEP_TABLE_ELEMS_MAX;
		return true;
	}
	p->trap = p->d + p->n > s->table_n[p->x] ||
		  (p->sub == 12 && p->b + p->n > elem_live(s, p->seg)) ||
		  (p->sub == 14 && p->b + p->n > s->table_n[p->y]);
	return true;
}

/* The table ranges the operation writes (first) and reads: none when it does not get to the
 * elements, or grows with null (the new elements are the tree's zero padding already). */
static uint32_t table_ranges(const svm_step_t *s, const tplan_t *p, trange_t *r)
{
	if (p->oog || p->trap || p->fail || p->big || p->n == 0 || (p->sub == 15 && p->b == 0)) return 0;
	r[0] = trange(p->x, p->d, p->n, tdepth(p->sub == 15 ? p->d + p->n : s->table_n[p->x]), true);
	if (p->sub != 14) return 1;
	r[1] = trange(p->y, p->b, p->n, tdepth(s->table_n[p->y]), false);
	return 2;
}

/* The table leaves the instruction at the current state touches (0..2): what its proof carries
 * before the memory ranges. */
static uint32_t ttouched(const svm_step_t *s, trange_t *r)
{
	if (s->status != SVM_STEP_RUNNING || s->hcall || s->pc >= s->body_len) return 0;
	uint8_t op = s->body[s->pc];
	uint32_t pos = s->pc + 1, x = 0, u = 0;
	if (op == 0x11 || op == 0x25 || op == 0x26) {
		if (op == 0x11 && !rd_u32(s->body, s->body_len, &pos, &u)) return 0;
		uint32_t need = op == 0x26 ? 2 : 1;
		if (!rd_u32(s->body, s->body_len, &pos, &x) || x >= s->ntabs || s->nvals < need) return 0;
		uint64_t i = i32(s->vals[s->nvals - need]);
		if (i >= s->table_n[x]) return 0; /* it traps without reading */
		r[0] = trange(x, i, 1, tdepth(s->table_n[x]), op == 0x26);
		return 1;
	}
	tplan_t p;
	return table_plan(s, &p) ? table_ranges(s, &p, r) : 0;
}

/* ------------------------------------------------------------ memory access */

static bool mem_range(const svm_step_t *s, uint64_t ea, uint32_t n)
{
	return ea + n <= (uint64_t)s->pages * PAGE;
}

/* Where [ea, ea + n) lives: the worker's memory, or a revealed window that holds all of it
 * (NULL, and the proof marked bad, when none does). n > 0. */
static uint8_t *mem_ptr(svm_step_t *s, uint64_t ea, uint64_t n)
{
	if (s->mem) return s->mem + ea;
	for (uint32_t i = 0; i < s->nwin; i++) {
		uint64_t base = s->win_r[i].first * LEAF;
		if (ea >= base && ea + n <= base + (uint64_t)s->win_r[i].count * LEAF)
			return s->win[i] + (ea - base);
	}
	s->win_bad = true;
	return NULL;
}

static void mark_dirty(svm_step_t *s, uint64_t ea, uint64_t n)
{
	if (!s->mem || n == 0) return;
	for (uint64_t l = ea / LEAF; l <= (ea + n - 1) / LEAF; l++) s->dirty[l / 8] |= (uint8_t)(1u << (l % 8));
	s->any_dirty = true;
}

static void mem_read(svm_step_t *s, uint64_t ea, uint8_t *dst, uint32_t n)
{
	const uint8_t *p = mem_ptr(s, ea, n);
	if (p) memcpy(dst, p, n);
	else memset(dst, 0, n);
}

static void mem_write(svm_step_t *s, uint64_t ea, const uint8_t *src, uint32_t n)
{
	uint8_t *p = mem_ptr(s, ea, n);
	if (!p) return;
	memcpy(p, src, n);
	mark_dirty(s, ea, n);
}

/* ------------------------------------------------------------ execution */

static uint32_t width_of(uint8_t op)
{
	switch (op) {
	case 0x28: case 0x2a: case 0x36: case 0x38: case 0x34: case 0x35: case 0x3e: return 4;
	case 0x29: case 0x2b: case 0x37: case 0x39: return 8;
	case 0x2c: case 0x2d: case 0x30: case 0x31: case 0x3a: case 0x3c: return 1;
	default: return 2; /* 0x2e 0x2f 0x32 0x33 0x3b 0x3d */
	}
}

static void trap(svm_step_t *s) { s->status = SVM_STEP_TRAPPED; }

/* Out of gas is terminal and, as in the VM, consumes what was left: the gas used at the end of
 * such a run is the whole limit. */
static void out_of_gas(svm_step_t *s)
{
	s->status = SVM_STEP_OUT_OF_GAS;
	s->gas_used += s->gas_left;
	s->gas_left = 0;
}

/* Values the instruction pops (validation guarantees them on every reachable state; a forged
 * state that lacks them cannot be stepped). */
static uint32_t pops(const svm_step_t *s, uint8_t op)
{
	if (op == 0x1b || op == 0x1c) return 3;
	if (is_store(op) || op == 0x26 || (op >= 0x46 && op <= 0x4f) || (op >= 0x51 && op <= 0x5a) ||
	    (op >= 0x6a && op <= 0x78) || (op >= 0x7c && op <= 0x8a))
		return 2;
	if (op == 0xfc) { /* a saturating truncation pops one, data.drop none, the bulk ones three */
		uint32_t pos = s->pc + 1, sub = 0;
		if (!rd_u32(s->body, s->body_len, &pos, &sub)) return 3;
		return sub <= 7 ? 1 : sub == 9 || sub == 13 || sub == 16 ? 0 : sub == 15 ? 2 : 3;
	}
	if ((op >= 0x5b && op <= 0x66) || (op >= 0x92 && op <= 0x98) || (op >= 0xa0 && op <= 0xa6))
		return 2; /* float compares and binary operators */
	if ((op >= 0x8b && op <= 0x91) || (op >= 0x99 && op <= 0x9f) || (op >= 0xa8 && op <= 0xc4))
		return 1; /* float unary operators and conversions */
	if (op == 0x04 || op == 0x0d || op == 0x0e || op == 0x11 || op == 0x1a || op == 0x40 || op == 0x21 || op == 0x22 || op == 0x24 ||
	    op == 0xd1 || op == 0x25 ||
	    op == 0x45 || op == 0x50 || (op >= 0x67 && op <= 0x69) || (op >= 0x79 && op <= 0x7b) ||
	    op == 0xa7 || op == 0xac || op == 0xad || is_load(op))
		return 1;
	return 0;
}

#define PUSH(v) (s->vals[s->nvals++] = (v))
#define POP() (s->vals[--s->nvals])

static void host_exec(svm_step_t *s, uint8_t kind, const uint64_t *args, uint32_t ret_pc);

/* Makes defined function f the current one (its code and tables). */
static void enter(svm_step_t *s, uint32_t f)
{
	const wcode_t *c = &s->m->codes[f - s->m->nfuncs_imported];
	const ftab_t *t = &s->ft[f - s->m->nfuncs_imported];
	s->func = f;
	s->body = c->body;
	s->body_len = c->body_len;
	s->match = t->match;
	s->match2 = t->match2;
	s->blk_cost = t->blk_cost;
	s->nparams = t->nparams;
}

/* The current function returns (its results are in place): to its caller, or the run is done. */
static void func_return(svm_step_t *s)
{
	if (s->nframes == 0) {
		s->status = SVM_STEP_DONE;
		return;
	}
	frame_t f = s->frames[--s->nframes];
	s->nlocals = s->lbase;
	s->lbase = f.lbase;
	enter(s, f.func);
	s->pc = f.ret_pc;
}

/* A call of function f (its arguments on the stack), continuing at ret_pc. */
static void call(svm_step_t *s, uint32_t f, uint32_t ret_pc)
{
	const svm_wasm_functype_t *t = &s->m->types[s->m->func_types[f]];
	if (s->nvals < t->param_count) {
		s->unsupported = true;
		return;
	}
	if (f < s->m->nfuncs_imported) {
		uint64_t args[5] = {0};
		uint8_t kind = s->host ? s->host[f] : H_NONE;
		if (kind == H_NONE || t->param_count > 5) {
			s->unsupported = true;
			return;
		}
		for (uint32_t i = 0; i < t->param_count; i++) args[i] = s->vals[s->nvals - t->param_count + i];
		s->nvals -= t->param_count;
		host_exec(s, kind, args, ret_pc);
		return;
	}
	const ftab_t *ft = &s->ft[f - s->m->nfuncs_imported];
	/* the stepper's own bounds (the interpreter's differ): refused rather than run differently */
	if (s->nframes == SVM_STEP_FRAMES_MAX || s->nlabels == SVM_STEP_LABELS_MAX ||
	    s->nlocals + ft->nlocals > SVM_STEP_LOCALS_MAX) {
		s->unsupported = true;
		return;
	}
	s->frames[s->nframes++] = (frame_t){s->func, ret_pc, s->lbase};
	s->lbase = s->nlocals;
	for (uint32_t i = 0; i < ft->nlocals; i++)
		s->locals[s->lbase + i] = i < t->param_count ? s->vals[s->nvals - t->param_count + i] : 0;
	s->nvals -= t->param_count;
	s->nlocals += ft->nlocals;
	enter(s, f);
	s->labels[s->nlabels++] = (label_t){L_FUNC, (uint8_t)t->result_count, s->nvals, 0, s->body_len - 1};
	s->pc = ft->expr;
}

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
	/* the label's values (a loop's parameters, a block's results) move down to its height */
	memmove(&s->vals[L->height], &s->vals[s->nvals - L->arity], (size_t)L->arity * sizeof s->vals[0]);
	s->nvals = L->height + L->arity;
	if (L->kind == L_LOOP) {
		s->nlabels = li + 1;
		s->pc = L->start;
		return;
	}
	s->nlabels = li;
	s->pc = L->end + 1;
	if (L->kind == L_FUNC) func_return(s);
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

/* ------------------------------------------------------------ floats, as src/vm/wasm/interp.c */

/* Values hold a float's bits (f32 in the low 32, zero-extended). Arithmetic results that are
 * NaN become the canonical NaN (0x7fc00000 / 0x7ff8000000000000) as in the interpreter, so a
 * result is the same on every CPU; abs, neg, copysign, reinterpretations, loads and stores keep
 * payloads. Every expression below is the interpreter's, in the same C types. */
static float f32_of(uint64_t v)
{
	union { uint32_t u; float f; } c = {(uint32_t)v};
	return c.f;
}
static double f64_of(uint64_t v)
{
	union { uint64_t u; double f; } c = {v};
	return c.f;
}
static uint64_t bits_f32(float f)
{
	union { float f; uint32_t u; } c = {f};
	return c.u;
}
static uint64_t bits_f64(double f)
{
	union { double f; uint64_t u; } c = {f};
	return c.u;
}
static uint64_t cf32(float f) { return f != f ? 0x7fc00000u : bits_f32(f); }
static uint64_t cf64(double f) { return f != f ? 0x7ff8000000000000ull : bits_f64(f); }

static uint64_t fminmax32(uint64_t a, uint64_t b, bool max)
{
	float x = f32_of(a), y = f32_of(b);
	if (x != x || y != y) return 0x7fc00000u;
	if (x == y) return (uint32_t)(max ? a & b : a | b); /* min: -0 wins, max: +0 */
	return (uint32_t)((max ? x > y : x < y) ? a : b);
}
static uint64_t fminmax64(uint64_t a, uint64_t b, bool max)
{
	double x = f64_of(a), y = f64_of(b);
	if (x != x || y != y) return 0x7ff8000000000000ull;
	if (x == y) return max ? a & b : a | b;
	return (max ? x > y : x < y) ? a : b;
}

/* The trapping truncations 0xa8..0xb1 (not 0xac, 0xad): NaN or out of range traps. */
static bool trunc_op(uint8_t op, uint64_t a, uint64_t *r)
{
	float f = f32_of(a);
	double d = f64_of(a);
	switch (op) {
	case 0xa8: if (f != f || !(f >= -2147483648.0f) || !(f < 2147483648.0f)) return false; *r = (uint32_t)(int32_t)f; return true;
	case 0xa9: if (f != f || !(f > -1.0f) || !(f < 4294967296.0f)) return false; *r = (uint32_t)f; return true;
	case 0xaa: if (d != d || !(d > -2147483649.0) || !(d < 2147483648.0)) return false; *r = (uint32_t)(int32_t)d; return true;
	case 0xab: if (d != d || !(d > -1.0) || !(d < 4294967296.0)) return false; *r = (uint32_t)d; return true;
	case 0xae: if (f != f || !(f >= -9223372036854775808.0f) || !(f < 9223372036854775808.0f)) return false; *r = (uint64_t)(int64_t)f; return true;
	case 0xaf: if (f != f || !(f > -1.0f) || !(f < 18446744073709551616.0f)) return false; *r = (uint64_t)f; return true;
	case 0xb0: if (d != d || !(d >= -9223372036854775808.0) || !(d < 9223372036854775808.0)) return false; *r = (uint64_t)(int64_t)d; return true;
	default: if (d != d || !(d > -1.0) || !(d < 18446744073709551616.0)) return false; *r = (uint64_t)d; return true; /* 0xb1 */
	}
}

/* The saturating truncations (0xfc 0..7). */
static uint64_t sat_op(uint32_t sub, uint64_t a)
{
	float f = f32_of(a);
	double d = f64_of(a);
	switch (sub) {
	case 0: return f != f ? 0 : !(f > -2147483904.0f) ? (uint32_t)INT32_MIN : !(f < 2147483648.0f) ? (uint32_t)INT32_MAX : (uint32_t)(int32_t)f;
	case 1: return f != f ? 0 : !(f > -1.0f) ? 0 : !(f < 4294967296.0f) ? 0xffffffffu : (uint32_t)f;
	case 2: return d != d ? 0 : !(d > -2147483649.0) ? (uint32_t)INT32_MIN : !(d < 2147483648.0) ? (uint32_t)INT32_MAX : (uint32_t)(int32_t)d;
	case 3: return d != d ? 0 : !(d > -1.0) ? 0 : !(d < 4294967296.0) ? 0xffffffffu : (uint32_t)d;
	case 4: return f != f ? 0 : !(f > -9223373136366403584.0f) ? (uint64_t)INT64_MIN : !(f < 9223372036854775808.0f) ? (uint64_t)INT64_MAX : (uint64_t)(int64_t)f;
	case 5: return f != f ? 0 : !(f > -1.0f) ? 0 : !(f < 18446744073709551616.0f) ? UINT64_MAX : (uint64_t)f;
	case 6: return d != d ? 0 : !(d > -9223372036854777856.0) ? (uint64_t)INT64_MIN : !(d < 9223372036854775808.0) ? (uint64_t)INT64_MAX : (uint64_t)(int64_t)d;
	default: return d != d ? 0 : !(d > -1.0) ? 0 : !(d < 18446744073709551616.0) ? UINT64_MAX : (uint64_t)d;
	}
}

/* Float compares, arithmetic and conversions 0x5b..0x66, 0x8b..0xa6, 0xa8..0xc4 (but 0xac,
 * 0xad); false when op is none of them. */
static bool exec_float(svm_step_t *s, uint8_t op)
{
	if ((op >= 0x5b && op <= 0x66) || (op >= 0x92 && op <= 0x98) || (op >= 0xa0 && op <= 0xa6)) {
		uint64_t b = POP(), a = POP(), r;
		float x = f32_of(a), y = f32_of(b);
		double u = f64_of(a), v = f64_of(b);
		switch (op) {
		case 0x5b: r = x == y; break;
		case 0x5c: r = x != y; break;
		case 0x5d: r = x < y; break;
		case 0x5e: r = x > y; break;
		case 0x5f: r = x <= y; break;
		case 0x60: r = x >= y; break;
		case 0x61: r = u == v; break;
		case 0x62: r = u != v; break;
		case 0x63: r = u < v; break;
		case 0x64: r = u > v; break;
		case 0x65: r = u <= v; break;
		case 0x66: r = u >= v; break;
		case 0x92: r = cf32(x + y); break;
		case 0x93: r = cf32(x - y); break;
		case 0x94: r = cf32(x * y); break;
		case 0x95: r = cf32(x / y); break;
		case 0x96: r = fminmax32(a, b, false); break;
		case 0x97: r = fminmax32(a, b, true); break;
		case 0x98: r = ((uint32_t)a & 0x7fffffffu) | ((uint32_t)b & 0x80000000u); break;
		case 0xa0: r = cf64(u + v); break;
		case 0xa1: r = cf64(u - v); break;
		case 0xa2: r = cf64(u * v); break;
		case 0xa3: r = cf64(u / v); break;
		case 0xa4: r = fminmax64(a, b, false); break;
		case 0xa5: r = fminmax64(a, b, true); break;
		default: r = (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull); break; /* 0xa6 */
		}
		PUSH(r);
		return true;
	}
	if (!((op >= 0x8b && op <= 0x91) || (op >= 0x99 && op <= 0x9f) ||
	      (op >= 0xa8 && op <= 0xc4 && op != 0xac && op != 0xad)))
		return false;
	uint64_t a = s->vals[s->nvals - 1], r;
	float x = f32_of(a);
	double u = f64_of(a);
	switch (op) {
	case 0x8b: r = (uint32_t)a & 0x7fffffffu; break;
	case 0x8c: r = (uint32_t)a ^ 0x80000000u; break;
	case 0x8d: r = cf32(__builtin_ceilf(x)); break;
	case 0x8e: r = cf32(__builtin_floorf(x)); break;
	case 0x8f: r = cf32(__builtin_truncf(x)); break;
	case 0x90: r = cf32(__builtin_rintf(x)); break;
	case 0x91: r = cf32(__builtin_sqrtf(x)); break;
	case 0x99: r = a & 0x7fffffffffffffffull; break;
	case 0x9a: r = a ^ 0x8000000000000000ull; break;
	case 0x9b: r = cf64(__builtin_ceil(u)); break;
	case 0x9c: r = cf64(__builtin_floor(u)); break;
	case 0x9d: r = cf64(__builtin_trunc(u)); break;
	case 0x9e: r = cf64(__builtin_rint(u)); break;
	case 0x9f: r = cf64(__builtin_sqrt(u)); break;
	case 0xa8: case 0xa9: case 0xaa: case 0xab: case 0xae: case 0xaf: case 0xb0: case 0xb1:
		if (!trunc_op(op, a, &r)) {
			trap(s);
			return true;
		}
		break;
	case 0xb2: r = bits_f32((float)(int32_t)(uint32_t)a); break;
	case 0xb3: r = bits_f32((float)(uint32_t)a); break;
	case 0xb4: r = bits_f32((float)(int64_t)a); break;
	case 0xb5: r = bits_f32((float)a); break;
	case 0xb6: r = cf32((float)u); break;
	case 0xb7: r = bits_f64((double)(int32_t)(uint32_t)a); break;
	case 0xb8: r = bits_f64((double)(uint32_t)a); break;
	case 0xb9: r = bits_f64((double)(int64_t)a); break;
	case 0xba: r = bits_f64((double)a); break;
	case 0xbb: r = cf64((double)x); break;
	case 0xbc: case 0xbe: r = (uint32_t)a; break; /* reinterpretations: the bits */
	case 0xbd: case 0xbf: r = a; break;
	case 0xc0: r = (uint32_t)(int32_t)(int8_t)a; break; /* sign extensions */
	case 0xc1: r = (uint32_t)(int32_t)(int16_t)a; break;
	case 0xc2: r = (uint64_t)(int64_t)(int8_t)a; break;
	case 0xc3: r = (uint64_t)(int64_t)(int16_t)a; break;
	default: r = (uint64_t)(int64_t)(int32_t)a; break; /* 0xc4 */
	}
	s->vals[s->nvals - 1] = r;
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
		if (op == 0x30) v = (uint64_t)(int64_t)(int8_t)v;
		if (op == 0x32) v = (uint64_t)(int64_t)(int16_t)v;
		if (op == 0x34) v = (uint64_t)(int64_t)(int32_t)v;
		PUSH(v);
		return;
	}
	uint64_t v = POP(), ea = i32(POP()) + (uint64_t)offset;
	if (!mem_range(s, ea, w)) return trap(s);
	svm_put_u64le(buf, v);
	mem_write(s, ea, buf, w);
}

/* The function a call (0x10) or call_indirect (0x11) at the current pc reaches, or UINT32_MAX
 * when it traps (an index outside the table, a null element, another signature). */
static uint32_t call_target(const svm_step_t *s, uint8_t op)
{
	uint32_t pos = s->pc + 1, u;
	if (!rd_u32(s->body, s->body_len, &pos, &u)) return UINT32_MAX;
	if (op == 0x10) return u < s->m->nfuncs ? u : UINT32_MAX;
	uint32_t x;
	if (s->nvals < 1 || u >= s->m->ntypes || !rd_u32(s->body, s->body_len, &pos, &x) || x >= s->m->ntables)
		return UINT32_MAX;
	uint32_t i = (uint32_t)s->vals[s->nvals - 1];
	uint64_t e = i < s->table_n[x] ? tab_peek(s, x, i) : 0;
	if (e == 0 || e > s->m->nfuncs) return UINT32_MAX;
	uint32_t f = (uint32_t)(e - 1);
	if (!wasm_functype_eq(&s->m->types[s->m->func_types[f]], &s->m->types[u])) return UINT32_MAX;
	return f;
}

static uint64_t mem_bytes(const svm_step_t *s) { return (uint64_t)s->pages * PAGE; }

static range_t range_of(uint64_t ea, uint64_t n, bool write)
{
	return (range_t){ea / LEAF, (uint32_t)((ea + n - 1) / LEAF - ea / LEAF + 1), write};
}

static bool seg_dropped(const svm_step_t *s, uint32_t seg)
{
	return s->dropped[seg / 8] >> (seg % 8) & 1;
}

/* The data segment of the memory.init at pc (its immediate; the module validated it). */
static uint32_t init_seg(const svm_step_t *s)
{
	uint32_t pos = s->pc + 1, sub = 0, seg = 0;
	rd_u32(s->body, s->body_len, &pos, &sub);
	rd_u32(s->body, s->body_len, &pos, &seg);
	return seg;
}

/* The bytes memory.init can still read of segment seg: all of a passive one, none once dropped
 * (the VM's data_len). */
static uint64_t seg_live(const svm_step_t *s, uint32_t seg)
{
	return seg < s->ndatas && !seg_dropped(s, seg) ? s->m->datas[seg].len : 0;
}

/* The operands of memory.copy (sub 10: dst, src, n), memory.fill (11: dst, value, n) or
 * memory.init (8: dst, offset in the segment, n) on top of the stack, and whether the step gets
 * to touch memory: its price paid and in bounds. */
static bool bulk_plan(const svm_step_t *s, uint32_t sub, uint64_t *d, uint64_t *b, uint64_t *n)
{
	*d = i32(s->vals[s->nvals - 3]);
	*b = i32(s->vals[s->nvals - 2]);
	*n = i32(s->vals[s->nvals - 1]);
	if (s->gas_left < wasm_gas_bulk(s->gas, *n)) return false;
	if (*d + *n > mem_bytes(s)) return false;
	if (sub == 8) return *b + *n <= seg_live(s, init_seg(s));
	return sub == 11 || *b + *n <= mem_bytes(s);
}

/* What the host function `kind` does with its arguments, as src/vm/ai/runtime.c does it, after
 * the interpreter's host_call price: 0 when it goes on to its memory access, else the terminal
 * status it reaches first (a trap, or out of gas for its own price). *own: its own price charged
 * before that outcome. The ranges it then reads and writes (at most one written) go to r. */
static int host_plan(const svm_step_t *s, uint8_t kind, const uint64_t *args, range_t *r,
		     uint32_t *nr, uint64_t *own)
{
	uint64_t size = mem_bytes(s), gas = s->gas_left - s->gas->host_call; /* affordable: checked */
	uint32_t a0 = (uint32_t)args[0], a1 = (uint32_t)args[1];
	*nr = 0;
	*own = 0;
	switch (kind) {
	case H_INPUT_SIZE: case H_MODEL_SIZE: return 0;
	case H_INPUT: case H_MODEL: {
		uint64_t n = kind == H_INPUT ? s->env.input_len : s->env.model_len;
		if (gas < n / 8) return SVM_STEP_OUT_OF_GAS;
		*own = n / 8;
		if (a0 + n > size) return SVM_STEP_TRAPPED;
		if (n) r[(*nr)++] = range_of(a0, n, true);
		return 0;
	}
	case H_SET_RETURN:
		if (a1 > SVM_AI_OUTPUT_MAX) return SVM_STEP_TRAPPED;
		if (gas < a1 / 8) return SVM_STEP_OUT_OF_GAS;
		*own = a1 / 8;
		if ((uint64_t)a0 + a1 > size) return SVM_STEP_TRAPPED;
		if (a1) r[(*nr)++] = range_of(a0, a1, false);
		return 0;
	case H_MATVEC: {
		uint32_t w = a0, x = a1, acc = (uint32_t)args[2], rows = (uint32_t)args[3],
			 cols = (uint32_t)args[4];
		if (rows == 0 || cols == 0 || cols > SVM_AI_DIM_MAX) return SVM_STEP_TRAPPED;
		uint64_t price = svm_ai_matvec_gas(rows, cols);
		if (gas < price) return SVM_STEP_OUT_OF_GAS;
		*own = price;
		if ((uint64_t)w + (uint64_t)rows * cols > size || (uint64_t)x + cols > size ||
		    (uint64_t)acc + 4ull * rows > size)
			return SVM_STEP_TRAPPED;
		r[0] = range_of(w, (uint64_t)rows * cols, false);
		r[1] = range_of(x, cols, false);
		r[2] = range_of(acc, 4ull * rows, true);
		*nr = 3;
		return 0;
	}
	}
	return SVM_STEP_TRAPPED; /* abort */
}

/* Micro-steps. The input and model copies and i8_matvec run as several steps: the call's step
 * pays and checks everything the VM does before the work (host_plan) and does the first unit;
 * each following step does the next unit — 32 KiB of a copy, one row of the product — so that
 * every step's proof fits a transaction. The units of a call with arguments a: */
static uint32_t host_units(const svm_step_t *s, uint8_t kind, const uint32_t *a)
{
	if (kind == H_MATVEC) return a[3];
	uint64_t n = kind == H_INPUT ? s->env.input_len : s->env.model_len;
	return (uint32_t)((n + HOST_CHUNK - 1) / HOST_CHUNK);
}

/* The memory unit u touches (the written range last): a chunk of the copy, or a weights row, the
 * input vector and that row's accumulator. */
static uint32_t unit_ranges(const svm_step_t *s, uint8_t kind, const uint32_t *a, uint32_t u, range_t *r)
{
	if (kind == H_MATVEC) {
		uint32_t cols = a[4];
		r[0] = range_of((uint64_t)a[0] + (uint64_t)u * cols, cols, false);
		r[1] = range_of(a[1], cols, false);
		r[2] = range_of((uint64_t)a[2] + 4ull * u, 4, true);
		return 3;
	}
	uint64_t n = kind == H_INPUT ? s->env.input_len : s->env.model_len, off = (uint64_t)u * HOST_CHUNK;
	r[0] = range_of((uint64_t)a[0] + off, n - off < HOST_CHUNK ? n - off : HOST_CHUNK, true);
	return 1;
}

static bool overlap(const range_t *a, const range_t *b);

/* Whether the in-progress call of a state is one its arguments allow (the verifier's check of a
 * forged state: the unit exists and all its memory is inside the memory). */
static bool hcall_ok(const svm_step_t *s)
{
	const uint32_t *a = s->hargs;
	uint64_t size = (uint64_t)s->pages * PAGE;
	if (s->hcall == H_NONE) return s->hpos == 0 && s->hret == 0 && !a[0] && !a[1] && !a[2] && !a[3] && !a[4];
	if (!s->has_env || s->hret >= s->body_len) return false;
	if (s->hcall == H_MATVEC) {
		if (!a[3] || !a[4] || a[4] > SVM_AI_DIM_MAX || s->hpos >= a[3] ||
		    (uint64_t)a[0] + (uint64_t)a[3] * a[4] > size || (uint64_t)a[1] + a[4] > size ||
		    (uint64_t)a[2] + 4ull * a[3] > size)
			return false;
		range_t w = range_of(a[0], (uint64_t)a[3] * a[4], false), x = range_of(a[1], a[4], false),
			acc = range_of(a[2], 4ull * a[3], true);
		return !overlap(&acc, &w) && !overlap(&acc, &x); /* as the call's step refuses */
	}
	if (s->hcall != H_INPUT && s->hcall != H_MODEL) return false;
	uint64_t n = s->hcall == H_INPUT ? s->env.input_len : s->env.model_len;
	return s->hpos < host_units(s, s->hcall, a) && (uint64_t)a[0] + n <= size;
}

/* The next unit of the call in progress; the call ends (its caller resumes) after the last. */
static void host_unit(svm_step_t *s)
{
	const uint32_t *a = s->hargs;
	uint32_t u = s->hpos;
	if (s->hcall == H_MATVEC) {
		uint32_t cols = a[4];
		const int8_t *w = (const int8_t *)mem_ptr(s, (uint64_t)a[0] + (uint64_t)u * cols, cols);
		const int8_t *x = (const int8_t *)mem_ptr(s, a[1], cols);
		uint8_t *acc = mem_ptr(s, (uint64_t)a[2] + 4ull * u, 4);
		if (w && x && acc) { /* exact integer semantics, the VM's row */
			int32_t v;
			memcpy(&v, acc, 4);
			svm_ai_i8_matvec(w, x, &v, 1, cols);
			memcpy(acc, &v, 4);
			mark_dirty(s, (uint64_t)a[2] + 4ull * u, 4);
		}
	} else {
		const uint8_t *src = s->hcall == H_INPUT ? s->env.input : s->env.model;
		uint64_t n = s->hcall == H_INPUT ? s->env.input_len : s->env.model_len, off = (uint64_t)u * HOST_CHUNK;
		uint64_t len = n - off < HOST_CHUNK ? n - off : HOST_CHUNK;
		uint8_t *dst = mem_ptr(s, (uint64_t)a[0] + off, len);
		if (dst) {
			memcpy(dst, src + off, len);
			mark_dirty(s, (uint64_t)a[0] + off, len);
		}
	}
	if (++s->hpos < host_units(s, s->hcall, a)) return;
	s->pc = s->hret;
	s->hcall = H_NONE;
	s->hpos = s->hret = 0;
	memset(s->hargs, 0, sizeof s->hargs);
}

/* The host function a call at the current state reaches (H_NONE for none), with its arguments. */
static uint8_t host_at(const svm_step_t *s, uint64_t *args)
{
	if (s->status != SVM_STEP_RUNNING || s->pc >= s->body_len) return H_NONE;
	uint8_t op = s->body[s->pc];
	if (op != 0x10 && op != 0x11) return H_NONE;
	uint32_t f = call_target(s, op);
	if (f >= s->m->nfuncs_imported || !s->host) return H_NONE;
	const svm_wasm_functype_t *t = &s->m->types[s->m->func_types[f]];
	uint32_t skip = op == 0x11 ? 1 : 0;
	if (s->nvals < t->param_count + skip || t->param_count > 5) return H_NONE;
	memset(args, 0, 5 * sizeof *args);
	for (uint32_t i = 0; i < t->param_count; i++)
		args[i] = s->vals[s->nvals - skip - t->param_count + i];
	return s->host[f];
}

/* The memory ranges the instruction at the current state touches (0..3); what its proof carries. */
static uint32_t touched(const svm_step_t *s, range_t *r)
{
	if (s->status != SVM_STEP_RUNNING || s->pc >= s->body_len) return 0;
	if (s->hcall) return unit_ranges(s, s->hcall, s->hargs, s->hpos, r);
	uint8_t op = s->body[s->pc];
	uint64_t args[5];
	uint8_t kind = host_at(s, args);
	if (kind != H_NONE) {
		uint32_t nr = 0, a[5];
		uint64_t own;
		if (s->gas_left < s->gas->host_call || host_plan(s, kind, args, r, &nr, &own) != 0) return 0;
		if (kind != H_INPUT && kind != H_MODEL && kind != H_MATVEC) return nr;
		for (int i = 0; i < 5; i++) a[i] = (uint32_t)args[i];
		return host_units(s, kind, a) ? unit_ranges(s, kind, a, 0, r) : 0; /* the first unit */
	}
	if (op == 0xfc) {
		uint32_t pos = s->pc + 1, sub;
		uint64_t d, b, n;
		if (!rd_u32(s->body, s->body_len, &pos, &sub) || sub < 8 || sub == 9 || sub > 11 || s->nvals < 3 ||
		    !bulk_plan(s, sub, &d, &b, &n) || n == 0)
			return 0;
		r[0] = range_of(d, n, true);
		if (sub != 10) return 1; /* fill, and init (its source is the module's) */
		r[1] = range_of(b, n, false);
		return 2;
	}
	if (!is_supported_mem(op)) return 0;
	uint32_t pos = s->pc + 1, align, off;
	if (!rd_u32(s->body, s->body_len, &pos, &align) || !rd_u32(s->body, s->body_len, &pos, &off))
		return 0;
	uint32_t need = is_load(op) ? 1 : 2;
	if (s->nvals < need) return 0;
	uint64_t ea = i32(s->vals[s->nvals - need]) + (uint64_t)off, w = width_of(op);
	if (!mem_range(s, ea, (uint32_t)w)) return 0; /* it traps without reading */
	r[0] = range_of(ea, w, is_store(op));
	return 1;
}

static bool overlap(const range_t *a, const range_t *b)
{
	return a->first < b->first + b->count && b->first < a->first + a->count;
}

static void charge(svm_step_t *s, uint64_t cost);

/* One host function call as one step: the interpreter's host_call price, the function's own
 * price, then what it does (src/vm/ai/runtime.c). Arguments already popped into args. */
static void host_exec(svm_step_t *s, uint8_t kind, const uint64_t *args, uint32_t ret_pc)
{
	range_t r[RANGES_MAX];
	uint32_t nr = 0;
	uint64_t own;
	if (s->gas_left < s->gas->host_call) {
		out_of_gas(s);
		return;
	}
	int st = host_plan(s, kind, args, r, &nr, &own);
	if (nr == 3 && (overlap(&r[2], &r[0]) || overlap(&r[2], &r[1]))) {
		s->unsupported = true; /* an accumulator aliasing its operands: refused, never run differently */
		return;
	}
	charge(s, s->gas->host_call);
	if (st == SVM_STEP_OUT_OF_GAS) {
		out_of_gas(s);
		return;
	}
	charge(s, own);
	if (st) {
		s->status = (uint8_t)st;
		return;
	}
	uint32_t a0 = (uint32_t)args[0], a1 = (uint32_t)args[1];
	if (kind == H_INPUT || kind == H_MODEL || kind == H_MATVEC) { /* micro-steps, the first one now */
		for (int i = 0; i < 5; i++) s->hargs[i] = (uint32_t)args[i];
		s->hcall = kind;
		s->hpos = 0;
		s->hret = ret_pc;
		if (host_units(s, kind, s->hargs) == 0) { /* an empty input or model: nothing to copy */
			s->hcall = H_NONE;
			s->hret = 0;
			memset(s->hargs, 0, sizeof s->hargs);
			s->pc = ret_pc;
			return;
		}
		host_unit(s);
		return;
	}
	s->pc = ret_pc;
	switch (kind) {
	case H_INPUT_SIZE: s->vals[s->nvals++] = i32(s->env.input_len); break;
	case H_MODEL_SIZE: s->vals[s->nvals++] = i32(s->env.model_len); break;
	case H_SET_RETURN: {
		const uint8_t *p = a1 ? mem_ptr(s, a0, a1) : NULL;
		if (a1 && !p) break;
		svm_sha256(p ? p : (const uint8_t *)"", a1, &s->out_hash);
		s->out_len = a1;
		if (s->out && a1) memcpy(s->out, p, a1);
		break;
	}
	}
}

/* The root of an all-zero memory subtree of the given depth (64-byte zero leaves). */
static void zero_root(uint32_t depth, svm_hash_t *out)
{
	static const uint8_t zero[LEAF];
	svm_hash_t t;
	leaf_hash(zero, out);
	for (uint32_t l = 0; l < depth; l++) {
		svm_merkle_node_hash(out, out, &t);
		*out = t;
	}
}

/* memory.grow as the VM runs it (interp.c, store.c's wasm_memory_grow) under the store limit of
 * the AI runtime and contracts (SVM_STEP_PAGES_MAX = SVM_AI_MEMORY_PAGES_MAX): the per-page
 * price first (out of gas even for a grow that would fail), then -1 past min(that limit, the
 * memory's declared maximum), else the old size, the new pages zero. The memory root grows by
 * folding the old root with all-zero subtrees (the tree was already padded with zero leaves),
 * so the verifier needs no memory. */
static int grow(svm_step_t *s, uint32_t delta)
{
	uint64_t price = (uint64_t)delta * s->gas->mem_page;
	if (s->gas_left < price) {
		out_of_gas(s);
		return 0;
	}
	charge(s, price);
	uint64_t cap = SVM_STEP_PAGES_MAX, pages = (uint64_t)s->pages + delta;
	const wlimits_t *lim = &s->m->mems[0];
	if (lim->has_max && lim->max < cap) cap = lim->max;
	if (pages > cap) {
		PUSH(0xffffffffu);
		return 0;
	}
	uint32_t old = s->pages;
	PUSH(old);
	if (delta == 0) return 0;
	uint64_t nl_old = (uint64_t)old * (PAGE / LEAF), nl = pages * (PAGE / LEAF), npad = 1;
	uint32_t depth = 0;
	while (npad < nl) npad <<= 1, depth++;
	if (s->verifier) {
		svm_hash_t r = s->mem_root, z, t;
		if (old == 0) zero_root(depth, &r);
		for (uint32_t l = s->depth; old != 0 && l < depth; l++) {
			zero_root(l, &z);
			svm_merkle_node_hash(&r, &z, &t);
			r = t;
		}
		s->mem_root = r;
	} else {
		tree_update(s);
		uint8_t *mem = svm_realloc(s->mem, (size_t)pages * PAGE);
		if (!mem) return SVM_ENOMEM;
		s->mem = mem;
		memset(mem + (size_t)old * PAGE, 0, (size_t)delta * PAGE);
		svm_hash_t *tree = svm_malloc(2 * npad * sizeof *tree), z;
		uint8_t *dirty = svm_calloc((size_t)(nl + 7) / 8, 1);
		if (!tree || !dirty) {
			svm_free(tree);
			svm_free(dirty);
			return SVM_ENOMEM;
		}
		zero_root(0, &z);
		for (uint64_t i = 0; i < npad; i++) tree[npad + i] = i < nl_old ? s->tree[s->npad + i] : z;
		for (uint64_t i = npad - 1; i >= 1; i--)
			svm_merkle_node_hash(&tree[2 * i], &tree[2 * i + 1], &tree[i]);
		svm_free(s->tree);
		svm_free(s->dirty);
		s->tree = tree;
		s->dirty = dirty;
		s->mem_root = tree[1];
	}
	s->pages = (uint32_t)pages;
	s->npad = npad;
	s->depth = depth;
	return 0;
}

/* memory.copy, memory.fill and memory.init as the VM runs them: the price per started 8 bytes,
 * then the bounds (a trap, even for n = 0 past the end; init's source is what is left of its
 * segment: nothing once dropped), then the bytes (copy as memmove, init from the module's
 * segment). An operation over more leaves than one proof range holds is refused, never run. */
static void bulk(svm_step_t *s, uint32_t sub)
{
	uint64_t d, b, n;
	bool touches = bulk_plan(s, sub, &d, &b, &n);
	if (touches && n &&
	    (range_of(d, n, true).count > SVM_STEP_RANGE_LEAVES_MAX ||
	     (sub == 10 && range_of(b, n, false).count > SVM_STEP_RANGE_LEAVES_MAX))) {
		s->unsupported = true;
		return;
	}
	s->nvals -= 3;
	uint64_t price = wasm_gas_bulk(s->gas, n);
	if (s->gas_left < price) {
		out_of_gas(s);
		return;
	}
	charge(s, price);
	if (!touches) return trap(s);
	if (n == 0) return;
	uint8_t *dst = mem_ptr(s, d, n); /* the written range is the proof's first */
	if (sub == 11) {
		if (dst) memset(dst, (uint8_t)b, n);
	} else if (sub == 8) {
		if (dst) memcpy(dst, s->m->datas[init_seg(s)].bytes + b, n);
	} else {
		const uint8_t *src = mem_ptr(s, b, n); /* read before anything is written */
		if (dst && src) memmove(dst, src, n);
	}
	mark_dirty(s, d, n);
}

/* table.init, table.copy, table.grow and table.fill (table_plan): an operation over more leaves
 * than one proof range holds, or a grow past the stepper's table limit, is refused, never run. */
static int table_op(svm_step_t *s)
{
	tplan_t p;
	trange_t r[TRANGES_MAX];
	if (!table_plan(s, &p)) {
		s->unsupported = true; /* only a forged state gets here */
		return 0;
	}
	uint32_t nr = table_ranges(s, &p, r);
	bool wide = false;
	for (uint32_t i = 0; i < nr; i++) wide |= r[i].count > SVM_STEP_RANGE_LEAVES_MAX;
	if (!p.oog && (p.big || wide)) {
		s->unsupported = true;
		return 0;
	}
	s->nvals -= p.sub == 15 ? 2 : 3;
	if (p.oog) {
		out_of_gas(s);
		return 0;
	}
	charge(s, p.price);
	if (p.sub == 15) {
		if (p.fail) {
			PUSH(0xffffffffu);
			return 0;
		}
		PUSH(p.d); /* the old size */
		uint64_t size = p.d + p.n;
		if (!s->verifier) {
			uint64_t *e = svm_realloc(s->tables[p.x], (size_t)(size + 1) * sizeof *e);
			if (!e) return SVM_ENOMEM;
			for (uint64_t i = p.d; i < size; i++) e[i] = p.b;
			s->tables[p.x] = e;
		} else if (nr) {
			uint64_t *e = tab_ptr(s, p.x, p.d, p.n, true);
			for (uint64_t i = 0; e && i < p.n; i++) e[i] = p.b;
		}
		s->table_n[p.x] = (uint32_t)size;
		tmark(s, p.x);
		return 0;
	}
	if (p.trap) {
		trap(s);
		return 0;
	}
	if (p.n == 0) return 0;
	uint64_t *dst = tab_ptr(s, p.x, p.d, p.n, true);
	if (p.sub == 17) {
		for (uint64_t i = 0; dst && i < p.n; i++) dst[i] = p.b;
	} else if (p.sub == 12) {
		for (uint64_t i = 0; dst && i < p.n; i++) dst[i] = elem_item(s, p.seg, p.b + i);
	} else {
		const uint64_t *src = tab_ptr(s, p.y, p.b, p.n, false); /* the pre-state's */
		if (dst && src) memmove(dst, src, (size_t)p.n * sizeof *dst);
	}
	tmark(s, p.x);
	return 0;
}

static int exec_one(svm_step_t *s, uint8_t op);

/* Pays a gas block; out of gas is terminal (the interpreter abandons the call). */
static void charge(svm_step_t *s, uint64_t cost)
{
	if (s->gas_left < cost) {
		out_of_gas(s);
		return;
	}
	s->gas_left -= cost;
	s->gas_used += cost;
}

int svm_step_one(svm_step_t *s)
{
	if (s->unsupported) return SVM_EUNSUPPORTED;
	if (s->status != SVM_STEP_RUNNING) return 0;
	if (s->hcall) { /* the next unit of a host call: paid for by its first step */
		s->steps++;
		host_unit(s);
		return 0;
	}
	uint8_t op = s->body[s->pc];
	if (s->nvals < pops(s, op) || s->nvals + 2 > SVM_STEP_VALUES_MAX || s->nlabels == 0) {
		s->unsupported = true; /* only a forged state gets here */
		return SVM_EUNSUPPORTED;
	}
	s->steps++;
	int rc = exec_one(s, op);
	if (rc != 0) return rc;
	/* Control arrived at a gas block's start — only loop/if/else/end and branches lead there,
	 * sequential flow never does: pay the block. */
	if (s->status == SVM_STEP_RUNNING && !s->hcall && s->pc < s->body_len && s->blk_cost[s->pc])
		charge(s, s->blk_cost[s->pc] - 1); /* (a host call in progress stays at its call) */
	return 0;
}

static int exec_one(svm_step_t *s, uint8_t op)
{
	uint32_t pos = s->pc + 1, u, off;
	int64_t imm;
	uint8_t ar = 0, np = 0;
	label_t *L;
	switch (op) {
	case 0x00: trap(s); return 0;
	case 0x01: break;
	case 0x02: case 0x03: case 0x04:
		skip_imm(s->m, s->body, s->body_len, op, &pos, &ar, &np);
		if (np > s->nvals - (op == 0x04)) { /* validation guarantees the parameters */
			s->unsupported = true;
			return SVM_EUNSUPPORTED;
		}
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
		*L = (label_t){op == 0x02 ? L_BLOCK : op == 0x03 ? L_LOOP : L_IF, ar, s->nvals - np, pos,
			       s->match[s->pc]};
		break;
	case 0x05: branch(s, 0); return 0; /* the end of a then-branch: leave the if */
	case 0x0b:
		L = &s->labels[--s->nlabels]; /* nlabels > 0 checked above */
		if (L->kind == L_FUNC) {
			func_return(s);
			if (s->status == SVM_STEP_RUNNING) return 0; /* back in the caller */
		}
		break;
	case 0x10: case 0x11: {
		if (op == 0x11 && s->verifier) { /* the element it reads must be revealed */
			uint32_t x = 0, i = (uint32_t)s->vals[s->nvals - 1];
			rd_u32(s->body, s->body_len, &pos, &u);
			if (rd_u32(s->body, s->body_len, &pos, &x) && x < s->ntabs && i < s->table_n[x] &&
			    !tab_ptr(s, x, i, 1, false))
				return 0;
			pos = s->pc + 1;
		}
		uint32_t f = call_target(s, op);
		rd_u32(s->body, s->body_len, &pos, &u);
		if (op == 0x11) {
			rd_u32(s->body, s->body_len, &pos, &u);
			s->nvals--; /* the table index */
		}
		if (f == UINT32_MAX) return trap(s), 0;
		call(s, f, pos);
		return s->unsupported ? SVM_EUNSUPPORTED : 0;
	}
	case 0x0c: rd_u32(s->body, s->body_len, &pos, &u); branch(s, u); return 0;
	case 0x0d:
		rd_u32(s->body, s->body_len, &pos, &u);
		if ((uint32_t)POP() != 0) {
			branch(s, u);
			return 0;
		}
		break;
	case 0x0f: { /* to the current function's label: the innermost L_FUNC */
		uint32_t li = s->nlabels - 1;
		while (li > 0 && s->labels[li].kind != L_FUNC) li--;
		branch(s, s->nlabels - 1 - li);
		return 0;
	}
	case 0x1a: s->nvals--; break;
	case 0x1b: case 0x1c: { /* 0x1c: select with its value type (checked by scan()) */
		if (op == 0x1c) skip_imm(s->m, s->body, s->body_len, op, &pos, &ar, &np);
		uint32_t c = (uint32_t)POP();
		uint64_t b = POP(), a = POP();
		PUSH(c ? a : b);
		break;
	}
	case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
		rd_u32(s->body, s->body_len, &pos, &u);
		if (u >= (op <= 0x22 ? s->nlocals - s->lbase : s->nglobals)) {
			s->unsupported = true;
			return SVM_EUNSUPPORTED;
		}
		if (op == 0x20) PUSH(s->locals[s->lbase + u]);
		else if (op == 0x21) s->locals[s->lbase + u] = POP();
		else if (op == 0x22) s->locals[s->lbase + u] = s->vals[s->nvals - 1];
		else if (op == 0x23) PUSH(s->globals[u]);
		else s->globals[u] = POP();
		break;
	case 0x3f: pos++; PUSH(s->pages); break;
	case 0xd0: pos++; PUSH(0); break; /* ref.null: 0 */
	case 0xd1: s->vals[s->nvals - 1] = s->vals[s->nvals - 1] == 0; break;
	case 0xd2: rd_u32(s->body, s->body_len, &pos, &u); PUSH((uint64_t)u + 1); break; /* index + 1 */
	case 0x25: { /* table.get x */
		uint32_t i = (uint32_t)POP();
		rd_u32(s->body, s->body_len, &pos, &u);
		if (u >= s->ntabs) return SVM_EUNSUPPORTED; /* validation rules it out */
		if (i >= s->table_n[u]) return trap(s), 0;
		const uint64_t *e = tab_ptr(s, u, i, 1, false);
		PUSH(e ? *e : 0);
		break;
	}
	case 0x26: { /* table.set x */
		uint64_t v = POP();
		uint32_t i = (uint32_t)POP();
		rd_u32(s->body, s->body_len, &pos, &u);
		if (u >= s->ntabs) return SVM_EUNSUPPORTED;
		if (i >= s->table_n[u]) return trap(s), 0;
		uint64_t *e = tab_ptr(s, u, i, 1, true);
		if (e) *e = v;
		tmark(s, u);
		break;
	}
	case 0x40: {
		pos++;
		int rc = grow(s, (uint32_t)POP());
		if (rc) return rc;
		break;
	}
	case 0x0e: { /* br_table: the index-th depth, the last (default) past the end */
		uint32_t n = 0, d = 0, i = (uint32_t)POP();
		rd_u32(s->body, s->body_len, &pos, &n);
		for (uint32_t k = 0; k <= n; k++) {
			rd_u32(s->body, s->body_len, &pos, &u);
			if (k == (i < n ? i : n)) d = u;
		}
		branch(s, d);
		return s->unsupported ? SVM_EUNSUPPORTED : 0;
	}
	case 0xfc:
		rd_u32(s->body, s->body_len, &pos, &u);
		if (u <= 7) { /* a saturating truncation */
			s->vals[s->nvals - 1] = sat_op(u, s->vals[s->nvals - 1]);
			break;
		}
		if (u == 16) { /* table.size x */
			uint32_t x = 0;
			rd_u32(s->body, s->body_len, &pos, &x);
			if (x >= s->ntabs) return SVM_EUNSUPPORTED;
			PUSH(s->table_n[x]);
			break;
		}
		if (u == 13) { /* elem.drop: table.init of it sees no elements from now on */
			uint32_t seg = 0;
			rd_u32(s->body, s->body_len, &pos, &seg);
			if (seg >= s->nelems) return SVM_EUNSUPPORTED; /* validation rules it out */
			s->edropped[seg / 8] |= (uint8_t)(1u << (seg % 8));
			break;
		}
		if (u >= 12) { /* table.init, copy, grow, fill */
			uint32_t imm = 0;
			rd_u32(s->body, s->body_len, &pos, &imm);
			if (u == 12 || u == 14) rd_u32(s->body, s->body_len, &pos, &imm);
			int rc = table_op(s);
			if (rc) return rc;
			break;
		}
		if (u == 9) { /* data.drop: memory.init of it sees no bytes from now on */
			uint32_t seg = 0;
			rd_u32(s->body, s->body_len, &pos, &seg);
			if (seg >= s->ndatas) return SVM_EUNSUPPORTED; /* validation rules it out */
			s->dropped[seg / 8] |= (uint8_t)(1u << (seg % 8));
			break;
		}
		if (u == 8) {
			uint32_t seg = 0;
			rd_u32(s->body, s->body_len, &pos, &seg);
			pos += 1;
		} else {
			pos += u == 10 ? 2 : 1;
		}
		bulk(s, u);
		break;
	case 0x41: rd_s64(s->body, s->body_len, &pos, &imm, 32); PUSH(i32((uint64_t)imm)); break;
	case 0x42: rd_s64(s->body, s->body_len, &pos, &imm, 64); PUSH((uint64_t)imm); break;
	case 0x43: /* f32.const: its 4 bytes, little-endian */
		PUSH((uint64_t)s->body[pos] | (uint64_t)s->body[pos + 1] << 8 | (uint64_t)s->body[pos + 2] << 16 |
		     (uint64_t)s->body[pos + 3] << 24);
		pos += 4;
		break;
	case 0x44: PUSH(svm_get_u64le(s->body + pos)); pos += 8; break;
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
		} else if (exec_float(s, op)) {
			/* done */
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
	range_t r[RANGES_MAX];
	uint32_t n = touched(s, r), total = 0;
	for (uint32_t i = 0; i < n; i++) total += r[i].count;
	return total;
}
uint64_t svm_step_count(const svm_step_t *s) { return s->steps; }

size_t svm_step_bytes(const svm_step_t *s)
{
	return s->pages ? (size_t)s->pages * PAGE + 2 * s->npad * sizeof *s->tree : 0;
}

uint32_t svm_step_opcode(const svm_step_t *s)
{
	if (s->status != SVM_STEP_RUNNING || s->pc >= s->body_len) return UINT32_MAX;
	uint8_t op = s->body[s->pc];
	uint32_t pos = s->pc + 1, sub;
	if (op != 0xfc) return op;
	return rd_u32(s->body, s->body_len, &pos, &sub) && sub <= 0xff ? 0xfc00u | sub : UINT32_MAX;
}
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
	size_t need = 156 + 8 * (s->nvals + s->nlocals + s->nglobals) + 14 * s->nlabels +
		      12 * s->nframes + (s->ndatas + 7) / 8 + 36 * s->ntabs + (s->nelems + 7) / 8;
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
	put32(b, s->ndatas);
	svm_buf_append(b, s->dropped, (s->ndatas + 7) / 8);
	put32(b, s->ntabs);
	for (uint32_t x = 0; x < s->ntabs; x++) {
		put32(b, s->table_n[x]);
		svm_buf_append(b, s->troot[x].b, 32);
	}
	put32(b, s->nelems);
	svm_buf_append(b, s->edropped, (s->nelems + 7) / 8);
	put32(b, s->lbase);
	put32(b, s->nframes);
	for (uint32_t i = 0; i < s->nframes; i++) {
		put32(b, s->frames[i].func);
		put32(b, s->frames[i].ret_pc);
		put32(b, s->frames[i].lbase);
	}
	svm_buf_push(b, s->hcall);
	put32(b, s->hpos);
	put32(b, s->hret);
	for (int i = 0; i < 5; i++) put32(b, s->hargs[i]);
	put32(b, s->out_len);
	svm_buf_append(b, s->out_hash.b, 32);
	put32(b, s->pages);
	return svm_buf_append(b, s->mem_root.b, 32);
}

static void state_hash(const svm_hash_t *module_hash, const uint8_t *core, size_t n,
		       svm_hash_t *out)
{
	svm_sha256_ctx_t c;
	svm_sha256_init(&c);
	svm_sha256_update(&c, "svm/step/v3", 11);
	svm_sha256_update(&c, module_hash->b, 32);
	svm_sha256_update(&c, core, n);
	svm_sha256_final(&c, out);
}

void svm_step_hash(svm_step_t *s, svm_hash_t *out)
{
	tree_update(s);
	svm_buf_t b = {0};
	if (tables_update(s) != 0 || core_put(s, &b) != 0) {
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

/* The AI host functions the stepper runs ("env" imports; all parameters and results i32). */
static const struct {
	const char *name;
	uint8_t kind, params, results;
} HOSTS[] = {
	{"input_size", H_INPUT_SIZE, 0, 1}, {"input", H_INPUT, 1, 0},
	{"model_size", H_MODEL_SIZE, 0, 1}, {"model", H_MODEL, 1, 0},
	{"set_return", H_SET_RETURN, 2, 0}, {"abort", H_ABORT, 2, 0},
	{"i8_matvec", H_MATVEC, 5, 0},
};

static uint8_t host_kind(const svm_wasm_module_t *m, const wimport_t *im)
{
	if (im->kind != 0 || im->module.n != 3 || memcmp(im->module.p, "env", 3) != 0) return H_NONE;
	const svm_wasm_functype_t *t = &m->types[im->u.type];
	for (size_t i = 0; i < sizeof HOSTS / sizeof HOSTS[0]; i++) {
		if (strlen(HOSTS[i].name) != im->name.n || memcmp(HOSTS[i].name, im->name.p, im->name.n))
			continue;
		if (t->param_count != HOSTS[i].params || t->result_count != HOSTS[i].results) return H_NONE;
		for (uint32_t k = 0; k < t->param_count; k++)
			if (t->params[k] != SVM_WASM_I32) return H_NONE;
		for (uint32_t k = 0; k < t->result_count; k++)
			if (t->results[k] != SVM_WASM_I32) return H_NONE;
		return HOSTS[i].kind;
	}
	return H_NONE;
}

/* Everything the stepper derives from the module alone: the host function of each import, every
 * defined function's code tables, table 0 from the active element segments, the module hash.
 * Shared by a worker's machine and the verifier. SVM_EUNSUPPORTED outside the subset. */
static int bind_module(svm_step_t *s, const svm_wasm_module_t *m, const svm_step_env_t *env,
		       svm_error_t *err)
{
	s->m = m;
	s->gas = m->gas;
	svm_sha256(m->bytes, m->len, &s->module_hash);
	if (m->nglobals > SVM_STEP_GLOBALS_MAX || m->nmems > 1 || m->nmems_imported ||
	    m->ntables > SVM_STEP_TABLES_MAX || m->ntables_imported || m->nglobals_imported)
		return svm_error_set(err, SVM_EUNSUPPORTED,
				     "step: >1 memory, >%u tables, imported memory/table/globals, or too many globals",
				     SVM_STEP_TABLES_MAX);
	if (m->has_start) /* the VM runs it at instantiation; a run from the export alone would differ */
		return svm_error_set(err, SVM_EUNSUPPORTED, "step: a start function");
	if (m->ndatas > SVM_STEP_DATAS_MAX)
		return svm_error_set(err, SVM_ELIMIT, "step: %u data segments (at most %u)", m->ndatas,
				     SVM_STEP_DATAS_MAX);
	if (m->nimports && env == NULL)
		return svm_error_set(err, SVM_EUNSUPPORTED, "step: imports need the AI host environment");
	if (env) s->env = *env, s->has_env = true;
	uint32_t nimp = m->nfuncs_imported, ndef = m->nfuncs - nimp;
	s->host = svm_calloc(nimp + 1, 1);
	s->ft = svm_calloc(ndef + 1, sizeof *s->ft);
	if (!s->host || !s->ft) return svm_error_set(err, SVM_ENOMEM, "step: out of memory");
	for (uint32_t i = 0, f = 0; i < m->nimports; i++) {
		if (m->imports[i].kind != 0) continue;
		if ((s->host[f++] = host_kind(m, &m->imports[i])) == H_NONE)
			return svm_error_set(err, SVM_EUNSUPPORTED, "step: import %.*s.%.*s is not an AI host function",
					     (int)m->imports[i].module.n, m->imports[i].module.p,
					     (int)m->imports[i].name.n, m->imports[i].name.p);
	}
	for (uint32_t i = 0; i < ndef; i++) {
		const wcode_t *c = &m->codes[i];
		const svm_wasm_functype_t *t = &m->types[m->func_types[nimp + i]];
		ftab_t *ft = &s->ft[i];
		if (t->result_count > 255 || c->nparams + c->nlocals > SVM_STEP_LOCALS_MAX)
			return svm_error_set(err, SVM_EUNSUPPORTED, "step: function %u's shape is outside the subset", nimp + i);
		for (uint32_t k = 0; k < t->param_count; k++)
			if (!is_valtype(t->params[k]))
				return svm_error_set(err, SVM_EUNSUPPORTED, "step: a vector parameter");
		uint32_t pos = 0, groups, cnt;
		if (!rd_u32(c->body, c->body_len, &pos, &groups))
			return svm_error_set(err, SVM_EDECODE, "step: bad locals");
		for (uint32_t g = 0; g < groups; g++) {
			if (!rd_u32(c->body, c->body_len, &pos, &cnt) || pos >= c->body_len)
				return svm_error_set(err, SVM_EDECODE, "step: bad locals");
			uint8_t ty = c->body[pos++];
			if (!is_valtype(ty)) /* float locals hold bits, references index + 1 (0: null) */
				return svm_error_set(err, SVM_EUNSUPPORTED, "step: a local of type 0x%02x", ty);
		}
		ft->expr = pos;
		ft->nparams = c->nparams;
		ft->nlocals = c->nparams + c->nlocals;
		int rc = scan(m, c->body, c->body_len, ft, err);
		if (rc) return rc;
	}
	if (m->nelems > SVM_STEP_ELEMS_MAX)
		return svm_error_set(err, SVM_ELIMIT, "step: %u element segments (at most %u)", m->nelems,
				     SVM_STEP_ELEMS_MAX);
	s->ntabs = m->ntables;
	for (uint32_t x = 0; x < m->ntables; x++) {
		if (m->tables[x].lim.min > SVM_STEP_TABLE_ELEMS_MAX)
			return svm_error_set(err, SVM_EUNSUPPORTED, "step: a table of %u elements (at most %u)",
					     m->tables[x].lim.min, SVM_STEP_TABLE_ELEMS_MAX);
		s->table_n[x] = m->tables[x].lim.min;
		s->tables[x] = svm_calloc(s->table_n[x] + 1, sizeof *s->tables[x]);
		if (!s->tables[x]) return svm_error_set(err, SVM_ENOMEM, "step: out of memory");
		s->tdirty[x] = true;
	}
	for (uint32_t i = 0; i < m->nelems; i++) {
		const welem_t *e = &m->elems[i];
		for (uint32_t k = 0; e->mode != SEG_DECLARATIVE && k < e->count; k++)
			if (e->items[k].kind != CE_REFNULL && e->items[k].kind != CE_REFFUNC)
				return svm_error_set(err, SVM_EUNSUPPORTED, "step: element segment %u outside the subset", i);
		if (e->mode != SEG_ACTIVE) continue;
		uint64_t at = e->offset.v & 0xffffffffu;
		if (e->offset.kind != CE_CONST || e->table >= m->ntables || at + e->count > s->table_n[e->table])
			return svm_error_set(err, SVM_EUNSUPPORTED, "step: element segment %u outside the subset", i);
		for (uint32_t k = 0; k < e->count; k++) {
			uint64_t *slot = &s->tables[e->table][at + k];
			if (e->items[k].kind == CE_REFNULL) *slot = 0;
			else if (e->items[k].kind == CE_REFFUNC) *slot = (uint32_t)e->items[k].v + 1ull;
			else return svm_error_set(err, SVM_EUNSUPPORTED, "step: element segment %u outside the subset", i);
		}
	}
	return 0;
}

int svm_step_new(svm_step_t **out, const svm_wasm_module_t *m, const char *fn, const uint64_t *args,
		 size_t nargs, uint64_t gas, svm_error_t *err)
{
	return svm_step_new_env(out, m, fn, args, nargs, gas, NULL, err);
}

int svm_step_new_env(svm_step_t **out, const svm_wasm_module_t *m, const char *fn,
		     const uint64_t *args, size_t nargs, uint64_t gas, const svm_step_env_t *env,
		     svm_error_t *err)
{
	*out = NULL;
	uint32_t fidx = UINT32_MAX;
	for (uint32_t i = 0; i < m->nexports; i++)
		if (m->exports[i].kind == 0 && strlen(fn) == m->exports[i].name.n &&
		    memcmp(fn, m->exports[i].name.p, m->exports[i].name.n) == 0)
			fidx = m->exports[i].index;
	if (fidx == UINT32_MAX) return svm_error_set(err, SVM_ENOTFOUND, "step: no export %s", fn);
	if (fidx < m->nfuncs_imported)
		return svm_error_set(err, SVM_EUNSUPPORTED, "step: export %s is an import", fn);
	svm_step_t *s = svm_calloc(1, sizeof *s);
	if (!s) return svm_error_set(err, SVM_ENOMEM, "step: out of memory");
	int rc = bind_module(s, m, env, err);
	if (rc != 0) goto fail;
	if (env && !(s->out = svm_malloc(SVM_AI_OUTPUT_MAX))) {
		rc = svm_error_set(err, SVM_ENOMEM, "step: out of memory");
		goto fail;
	}
	const svm_wasm_functype_t *t = &m->types[m->func_types[fidx]];
	if (nargs != t->param_count) {
		rc = svm_error_set(err, SVM_EINVAL, "step: %zu arguments for %u parameters", nargs, t->param_count);
		goto fail;
	}
	enter(s, fidx);
	s->nresults = (uint8_t)t->result_count;
	s->nlocals = s->ft[fidx - m->nfuncs_imported].nlocals;
	s->pc = s->ft[fidx - m->nfuncs_imported].expr;
	for (size_t i = 0; i < nargs; i++) /* i32 and f32 arguments: their low 32 bits */
		s->locals[i] = t->params[i] == SVM_WASM_I32 || t->params[i] == SVM_WASM_F32 ? i32(args[i]) : args[i];
	svm_sha256((const uint8_t *)"", 0, &s->out_hash);
	s->nglobals = m->nglobals;
	for (uint32_t i = 0; i < m->nglobals; i++) {
		uint8_t gt = m->globals[i].type.type, k = m->globals[i].init.kind;
		if ((k != CE_CONST && k != CE_REFNULL && k != CE_REFFUNC) || !is_valtype(gt)) {
			rc = svm_error_set(err, SVM_EUNSUPPORTED, "step: global %u outside the subset", i);
			goto fail;
		}
		s->globals[i] = k == CE_REFNULL ? 0 : k == CE_REFFUNC ? m->globals[i].init.v + 1 : m->globals[i].init.v;
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
	s->nelems = m->nelems; /* bounded by bind_module; active and declarative ones dropped */
	for (uint32_t i = 0; i < m->nelems; i++)
		if (m->elems[i].mode != SEG_PASSIVE) s->edropped[i / 8] |= (uint8_t)(1u << (i % 8));
	s->ndatas = m->ndatas; /* bounded by bind_module */
	for (uint32_t i = 0; i < m->ndatas; i++) {
		const wdata_t *d = &m->datas[i];
		if (d->mode != SEG_ACTIVE) continue;
		s->dropped[i / 8] |= (uint8_t)(1u << (i % 8)); /* as the VM drops it after copying */
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

static void unbind(svm_step_t *s)
{
	uint32_t ndef = s->m ? s->m->nfuncs - s->m->nfuncs_imported : 0;
	for (uint32_t i = 0; s->ft && i < ndef; i++) {
		svm_free(s->ft[i].match);
		svm_free(s->ft[i].match2);
		svm_free(s->ft[i].blk_cost);
	}
	svm_free(s->ft);
	svm_free(s->host);
	for (uint32_t x = 0; x < SVM_STEP_TABLES_MAX; x++) svm_free(s->tables[x]), s->tables[x] = NULL;
	s->ft = NULL, s->host = NULL;
}

void svm_step_free(svm_step_t *s)
{
	if (!s) return;
	unbind(s);
	svm_free(s->mem);
	svm_free(s->tree);
	svm_free(s->dirty);
	svm_free(s->out);
	for (uint32_t i = 0; i < RANGES_MAX; i++) svm_free(s->win[i]);
	for (uint32_t i = 0; i < TRANGES_MAX; i++) svm_free(s->twin[i]);
	svm_free(s);
}

int svm_step_clone(const svm_step_t *s, svm_step_t **out)
{
	svm_step_t *c = svm_malloc(sizeof *c);
	if (!c) return SVM_ENOMEM;
	*c = *s;
	c->mem = NULL, c->tree = NULL, c->dirty = NULL, c->out = NULL;
	c->ft = NULL, c->host = NULL;
	memset(c->tables, 0, sizeof c->tables);
	memset(c->win, 0, sizeof c->win);
	memset(c->twin, 0, sizeof c->twin);
	c->ntwin = 0;
	size_t mb = (size_t)s->pages * PAGE, nl = (size_t)s->pages * (PAGE / LEAF);
	int rc = bind_module(c, s->m, s->has_env ? &s->env : NULL, NULL);
	if (rc == 0 && s->out && !(c->out = svm_malloc(SVM_AI_OUTPUT_MAX))) rc = SVM_ENOMEM;
	for (uint32_t x = 0; rc == 0 && x < s->ntabs; x++) { /* the tables as they are now */
		uint64_t *e = svm_realloc(c->tables[x], ((size_t)s->table_n[x] + 1) * sizeof *e);
		if (!e) {
			rc = SVM_ENOMEM;
			break;
		}
		c->tables[x] = e;
		memcpy(e, s->tables[x], (size_t)s->table_n[x] * sizeof *e);
		c->table_n[x] = s->table_n[x];
		c->troot[x] = s->troot[x];
		c->tdirty[x] = s->tdirty[x];
	}
	if (rc == 0 && s->pages) {
		c->mem = svm_malloc(mb);
		c->tree = svm_malloc(2 * s->npad * sizeof *c->tree);
		c->dirty = svm_malloc((nl + 7) / 8);
		if (!c->mem || !c->tree || !c->dirty) rc = SVM_ENOMEM;
	}
	if (rc) {
		svm_step_free(c);
		return rc;
	}
	enter(c, s->func);
	if (s->out) memcpy(c->out, s->out, SVM_AI_OUTPUT_MAX);
	if (s->pages) {
		memcpy(c->mem, s->mem, mb);
		memcpy(c->tree, s->tree, 2 * s->npad * sizeof *c->tree);
		memcpy(c->dirty, s->dirty, (nl + 7) / 8);
	}
	*out = c;
	return 0;
}

int svm_step_output(const svm_step_t *s, const uint8_t **out, size_t *len)
{
	if (s->status != SVM_STEP_DONE || !s->out) return SVM_ESTATE;
	*out = s->out;
	*len = s->out_len;
	return 0;
}

/* ------------------------------------------------------------ one-step proofs */

/* The table part of a proof: u8 count, then per range u8 table ‖ u32 first leaf ‖ u32 count ‖
 * the leaves ‖ u8 s ‖ s siblings, in the table's tree at the range's depth. */
static int prove_tables(svm_step_t *s, svm_buf_t *out)
{
	trange_t tr[TRANGES_MAX];
	uint32_t nt = ttouched(s, tr);
	int rc = svm_buf_push(out, (uint8_t)nt);
	for (uint32_t i = 0; rc == 0 && i < nt; i++) {
		if (tr[i].count > SVM_STEP_RANGE_LEAVES_MAX) return SVM_ELIMIT;
		svm_hash_t *t = ttree(s->tables[tr[i].x], s->table_n[tr[i].x], tr[i].depth), sib[2 * 32];
		if (!t) return SVM_ENOMEM;
		uint8_t leaf[LEAF];
		svm_buf_push(out, (uint8_t)tr[i].x);
		put32(out, tr[i].first);
		put32(out, tr[i].count);
		for (uint32_t k = 0; rc == 0 && k < tr[i].count; k++) {
			tleaf(s->tables[tr[i].x], s->table_n[tr[i].x], (uint64_t)tr[i].first + k, leaf);
			rc = svm_buf_append(out, leaf, LEAF);
		}
		size_t ns = tree_siblings(t, tr[i].depth, tr[i].first, tr[i].count, sib);
		svm_free(t);
		if (rc == 0) rc = svm_buf_push(out, (uint8_t)ns);
		if (rc == 0) rc = svm_buf_append(out, sib, ns * sizeof sib[0]);
	}
	return rc;
}

int svm_step_prove(svm_step_t *s, svm_buf_t *out)
{
	tree_update(s);
	size_t start = out->len;
	int rc = tables_update(s);
	if (rc == 0) rc = core_put(s, out);
	if (rc == 0) rc = prove_tables(s, out);
	if (rc != 0) return rc;
	range_t r[RANGES_MAX];
	uint32_t n = touched(s, r);
	rc = svm_buf_push(out, (uint8_t)n);
	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		if (r[i].count > SVM_STEP_RANGE_LEAVES_MAX) return SVM_ELIMIT;
		put64(out, r[i].first);
		put32(out, r[i].count);
		rc = svm_buf_append(out, s->mem + r[i].first * LEAF, (size_t)r[i].count * LEAF);
		svm_hash_t sib[2 * 64];
		size_t ns = range_siblings(s, r[i].first, r[i].count, sib);
		if (rc == 0) rc = svm_buf_push(out, (uint8_t)ns);
		if (rc == 0) rc = svm_buf_append(out, sib, ns * sizeof sib[0]);
	}
	if (rc == 0 && out->len - start > SVM_STEP_PROOF_MAX) return SVM_ELIMIT;
	return rc;
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
		if (L->kind > L_IF || L->height > v->nvals + 2u) return false;
	}
	uint32_t nl = (uint32_t)get(r, 4);
	if (r->bad || nl > SVM_STEP_LOCALS_MAX) return false;
	v->nlocals = nl;
	for (uint32_t i = 0; i < nl; i++) v->locals[i] = get(r, 8);
	v->nglobals = (uint32_t)get(r, 4);
	if (r->bad || v->nglobals > SVM_STEP_GLOBALS_MAX) return false;
	for (uint32_t i = 0; i < v->nglobals; i++) v->globals[i] = get(r, 8);
	v->ndatas = (uint32_t)get(r, 4);
	if (r->bad || v->ndatas > SVM_STEP_DATAS_MAX) return false;
	for (uint32_t i = 0; i < (v->ndatas + 7) / 8; i++) v->dropped[i] = (uint8_t)get(r, 1);
	/* canonical: no bit past the last segment */
	if (v->ndatas % 8 && v->dropped[v->ndatas / 8] >> (v->ndatas % 8)) return false;
	v->ntabs = (uint32_t)get(r, 4);
	if (r->bad || v->ntabs > SVM_STEP_TABLES_MAX) return false;
	for (uint32_t x = 0; x < v->ntabs; x++) {
		v->table_n[x] = (uint32_t)get(r, 4);
		if (r->bad || v->table_n[x] > SVM_STEP_TABLE_ELEMS_MAX || r->len - r->pos < 32) return false;
		memcpy(v->troot[x].b, r->p + r->pos, 32);
		r->pos += 32;
	}
	v->nelems = (uint32_t)get(r, 4);
	if (r->bad || v->nelems > SVM_STEP_ELEMS_MAX) return false;
	for (uint32_t i = 0; i < (v->nelems + 7) / 8; i++) v->edropped[i] = (uint8_t)get(r, 1);
	if (v->nelems % 8 && v->edropped[v->nelems / 8] >> (v->nelems % 8)) return false;
	v->lbase = (uint32_t)get(r, 4);
	v->nframes = (uint32_t)get(r, 4);
	if (r->bad || v->lbase > v->nlocals || v->nframes > SVM_STEP_FRAMES_MAX) return false;
	for (uint32_t i = 0; i < v->nframes; i++) {
		v->frames[i].func = (uint32_t)get(r, 4);
		v->frames[i].ret_pc = (uint32_t)get(r, 4);
		v->frames[i].lbase = (uint32_t)get(r, 4);
	}
	v->hcall = (uint8_t)get(r, 1);
	v->hpos = (uint32_t)get(r, 4);
	v->hret = (uint32_t)get(r, 4);
	for (int i = 0; i < 5; i++) v->hargs[i] = (uint32_t)get(r, 4);
	v->out_len = (uint32_t)get(r, 4);
	if (r->bad || v->out_len > SVM_AI_OUTPUT_MAX || r->len - r->pos < 32) return false;
	memcpy(v->out_hash.b, r->p + r->pos, 32);
	r->pos += 32;
	v->pages = (uint32_t)get(r, 4);
	if (r->bad || v->pages > SVM_STEP_PAGES_MAX || r->len - r->pos < 32) return false;
	memcpy(v->mem_root.b, r->p + r->pos, 32);
	r->pos += 32;
	return true;
}

static bool defined(const svm_wasm_module_t *m, uint32_t f)
{
	return f >= m->nfuncs_imported && f < m->nfuncs;
}

/* What an instruction needs of the stack and the code must be there: the verifier runs only
 * on states a worker could reach, and rejects the rest instead of trusting them. Frames: each
 * caller's locals span exactly its function's, its return point is inside its code, and the
 * labels split into one function label per frame, each label inside its own frame's code. */
static bool well_formed(const svm_step_t *v)
{
	/* the data segments are the module's, every active one dropped since instantiation */
	if (v->ndatas != v->m->ndatas) return false;
	for (uint32_t i = 0; i < v->ndatas; i++)
		if (v->m->datas[i].mode == SEG_ACTIVE && !seg_dropped(v, i)) return false;
	/* the tables are the module's, each within its limits; every element segment but a passive
	 * one dropped since instantiation */
	if (v->ntabs != v->m->ntables || v->nelems != v->m->nelems) return false;
	for (uint32_t x = 0; x < v->ntabs; x++) {
		const wlimits_t *l = &v->m->tables[x].lim;
		if (v->table_n[x] < l->min || (l->has_max && v->table_n[x] > l->max)) return false;
	}
	for (uint32_t i = 0; i < v->nelems; i++)
		if (v->m->elems[i].mode != SEG_PASSIVE && !elem_dropped(v, i)) return false;
	if (!hcall_ok(v) || (v->hcall && v->status != SVM_STEP_RUNNING)) return false;
	if (v->status != SVM_STEP_RUNNING) return true;
	const svm_wasm_module_t *m = v->m;
	uint32_t nimp = m->nfuncs_imported;
	if (v->nlabels == 0 || v->pc >= v->body_len || v->nglobals != m->nglobals) return false;
	if (v->nlocals - v->lbase != v->ft[v->func - nimp].nlocals) return false;
	for (uint32_t i = 0; i < v->nframes; i++) {
		const frame_t *f = &v->frames[i];
		uint32_t next = i + 1 < v->nframes ? v->frames[i + 1].lbase : v->lbase;
		if (!defined(m, f->func) || (i == 0 && f->lbase != 0) || next < f->lbase ||
		    next - f->lbase != v->ft[f->func - nimp].nlocals ||
		    f->ret_pc >= m->codes[f->func - nimp].body_len)
			return false;
	}
	if (v->nframes == 0 && v->lbase != 0) return false;
	int32_t fr = -1;
	for (uint32_t i = 0; i < v->nlabels; i++) {
		const label_t *L = &v->labels[i];
		if (L->kind == L_FUNC) fr++;
		else if (i == 0) return false;
		if (fr > (int32_t)v->nframes) return false;
		uint32_t f = fr == (int32_t)v->nframes ? v->func : v->frames[fr].func;
		const wcode_t *c = &m->codes[f - nimp];
		if (L->end >= c->body_len || c->body[L->end] != 0x0b || L->start > c->body_len ||
		    L->height > v->nvals)
			return false;
	}
	if (fr != (int32_t)v->nframes) return false;
	/* validation guarantees operands; the verifier demands the deepest any instruction reads */
	return v->nvals >= 3 || (v->body[v->pc] != 0x1b && v->body[v->pc] != 0x1c);
}

/* Hashes n table leaves (u64 elements) into h. */
static void tleaves_hash(const uint64_t *e, uint32_t count, svm_hash_t *h)
{
	uint8_t leaf[LEAF];
	for (uint32_t k = 0; k < count; k++) {
		for (uint32_t j = 0; j < TLEAF_ELEMS; j++) svm_put_u64le(leaf + 8 * j, e[(size_t)k * TLEAF_ELEMS + j]);
		leaf_hash(leaf, &h[k]);
	}
}

/* The verifier's table windows: exactly the ranges the step touches, each under its table's root
 * (folded to the range's depth: a grow's range is in the grown tree), with zero past the
 * table's end. */
static int verify_tables(svm_step_t *v, rd_t *r, svm_hash_t (*sib)[2 * 32], size_t *nsib, svm_error_t *err)
{
	trange_t want[TRANGES_MAX];
	uint32_t nw = ttouched(v, want), cnt = (uint32_t)get(r, 1);
	if (r->bad || cnt != nw)
		return svm_error_set(err, SVM_EPROOF, "one-step proof: %u table ranges, the step touches %u", cnt, nw);
	for (uint32_t i = 0; i < nw; i++) {
		uint32_t x = (uint32_t)get(r, 1), first = (uint32_t)get(r, 4), count = (uint32_t)get(r, 4);
		if (r->bad || x != want[i].x || first != want[i].first || count != want[i].count ||
		    count > SVM_STEP_RANGE_LEAVES_MAX || r->len - r->pos < (size_t)count * LEAF)
			return svm_error_set(err, SVM_EPROOF, "one-step proof: wrong table leaves");
		size_t ne = (size_t)count * TLEAF_ELEMS;
		uint64_t *e = v->twin[i] = svm_malloc(ne * sizeof *e);
		svm_hash_t *h = svm_malloc((size_t)count * sizeof *h), root, want_root = v->troot[x];
		v->twin_r[i] = want[i];
		v->ntwin = i + 1;
		if (!e || !h) {
			svm_free(h);
			return svm_error_set(err, SVM_ENOMEM, "one-step proof: out of memory");
		}
		bool zero_tail = true;
		for (size_t k = 0; k < ne; k++) {
			e[k] = svm_get_u64le(r->p + r->pos + 8 * k);
			zero_tail &= (uint64_t)first * TLEAF_ELEMS + k < v->table_n[x] || e[k] == 0;
		}
		r->pos += ne * 8;
		nsib[i] = (size_t)get(r, 1);
		if (r->bad || nsib[i] > 2 * 32 || r->len - r->pos < nsib[i] * 32) {
			svm_free(h);
			return svm_error_set(err, SVM_EDECODE, "one-step proof: malformed table path");
		}
		memcpy(sib[i], r->p + r->pos, nsib[i] * 32);
		r->pos += nsib[i] * 32;
		tleaves_hash(e, count, h);
		size_t used = 0;
		tfold(&want_root, tdepth(v->table_n[x]), want[i].depth);
		bool ok = range_root(want[i].depth, first, count, h, sib[i], nsib[i], &used, &root) &&
			  used == nsib[i] && svm_hash_eq(&root, &want_root) && zero_tail;
		svm_free(h);
		if (!ok) return svm_error_set(err, SVM_EPROOF, "one-step proof: table leaves not under the table's root");
	}
	return 0;
}

/* The verifier's table roots after the step: a written range's from its new leaves and the same
 * siblings (the step changes nothing else of that table); a table grown without a written range
 * (with null) folds its root to the grown depth. */
static int tables_post(svm_step_t *v, const uint32_t *pre_n, svm_hash_t (*sib)[2 * 32], const size_t *nsib)
{
	bool written[SVM_STEP_TABLES_MAX] = {false};
	for (uint32_t i = 0; i < v->ntwin; i++) {
		const trange_t *w = &v->twin_r[i];
		if (!w->write) continue;
		svm_hash_t *h = svm_malloc((size_t)w->count * sizeof *h);
		size_t used;
		if (!h) return SVM_ENOMEM;
		tleaves_hash(v->twin[i], w->count, h);
		range_root(w->depth, w->first, w->count, h, sib[i], nsib[i], &used, &v->troot[w->x]);
		svm_free(h);
		written[w->x] = true;
	}
	for (uint32_t x = 0; x < v->ntabs; x++)
		if (!written[x] && v->table_n[x] != pre_n[x]) tfold(&v->troot[x], tdepth(pre_n[x]), tdepth(v->table_n[x]));
	return 0;
}

int svm_step_verify(const svm_wasm_module_t *m, const svm_hash_t *pre, const uint8_t *proof,
		    size_t proof_len, svm_hash_t *post, svm_error_t *err)
{
	return svm_step_verify_env(m, NULL, pre, proof, proof_len, post, err);
}

int svm_step_verify_env(const svm_wasm_module_t *m, const svm_step_env_t *env,
			const svm_hash_t *pre, const uint8_t *proof, size_t proof_len,
			svm_hash_t *post, svm_error_t *err)
{
	if (proof_len > SVM_STEP_PROOF_MAX)
		return svm_error_set(err, SVM_ELIMIT, "one-step proof: %zu bytes", proof_len);
	svm_step_t *v = svm_calloc(1, sizeof *v);
	if (!v) return svm_error_set(err, SVM_ENOMEM, "one-step proof: out of memory");
	v->verifier = true;
	int rc = bind_module(v, m, env, err);
	rd_t r = {proof, proof_len, 0, false};
	svm_hash_t h, *leaves = NULL, sib[RANGES_MAX][2 * 64], tsib[TRANGES_MAX][2 * 32];
	size_t nsib[RANGES_MAX] = {0}, tnsib[TRANGES_MAX] = {0};
	svm_buf_t b = {0};
	if (rc) goto out;
	if (!core_get(&r, v)) {
		rc = svm_error_set(err, SVM_EDECODE, "one-step proof: malformed state");
		goto out;
	}
	state_hash(&v->module_hash, proof, r.pos, &h);
	if (!svm_hash_eq(&h, pre)) {
		rc = svm_error_set(err, SVM_EPROOF, "one-step proof: the state does not hash to the agreed pre-state");
		goto out;
	}
	if (!defined(m, v->func)) {
		rc = svm_error_set(err, SVM_EPROOF, "one-step proof: a state the code cannot reach");
		goto out;
	}
	enter(v, v->func);
	if (!well_formed(v)) {
		rc = svm_error_set(err, SVM_EPROOF, "one-step proof: a state the code cannot reach");
		goto out;
	}
	uint32_t pre_n[SVM_STEP_TABLES_MAX];
	memcpy(pre_n, v->table_n, sizeof pre_n);
	if ((rc = verify_tables(v, &r, tsib, tnsib, err)) != 0) goto out;
	uint64_t nleaves = (uint64_t)v->pages * (PAGE / LEAF);
	v->npad = 1, v->depth = 0;
	while (v->npad < nleaves) v->npad <<= 1, v->depth++;
	/* the memory windows: exactly the ranges the step touches, each under the memory root */
	range_t want[RANGES_MAX];
	uint32_t nw = touched(v, want), cnt = (uint32_t)get(&r, 1);
	if (r.bad || cnt != nw) {
		rc = svm_error_set(err, SVM_EPROOF, "one-step proof: %u memory ranges, the step touches %u", cnt, nw);
		goto out;
	}
	int written = -1;
	for (uint32_t i = 0; i < nw; i++) {
		uint64_t first = get(&r, 8);
		uint32_t count = (uint32_t)get(&r, 4);
		if (r.bad || first != want[i].first || count != want[i].count ||
		    r.len - r.pos < (size_t)count * LEAF) {
			rc = svm_error_set(err, SVM_EPROOF, "one-step proof: wrong memory leaves");
			goto out;
		}
		v->win_r[i] = want[i];
		v->win[i] = svm_malloc((size_t)count * LEAF);
		svm_free(leaves);
		leaves = svm_malloc((size_t)count * sizeof *leaves);
		if (!v->win[i] || !leaves) {
			rc = svm_error_set(err, SVM_ENOMEM, "one-step proof: out of memory");
			goto out;
		}
		memcpy(v->win[i], r.p + r.pos, (size_t)count * LEAF);
		r.pos += (size_t)count * LEAF;
		nsib[i] = (size_t)get(&r, 1);
		if (r.bad || nsib[i] > 2 * 64 || r.len - r.pos < nsib[i] * 32) {
			rc = svm_error_set(err, SVM_EDECODE, "one-step proof: malformed memory path");
			goto out;
		}
		memcpy(sib[i], r.p + r.pos, nsib[i] * 32);
		r.pos += nsib[i] * 32;
		for (uint32_t k = 0; k < count; k++) leaf_hash(v->win[i] + (size_t)k * LEAF, &leaves[k]);
		size_t used = 0;
		svm_hash_t root;
		if (!range_root(v->depth, first, count, leaves, sib[i], nsib[i], &used, &root) ||
		    used != nsib[i] || !svm_hash_eq(&root, &v->mem_root)) {
			rc = svm_error_set(err, SVM_EPROOF, "one-step proof: memory leaves not under the memory root");
			goto out;
		}
		if (want[i].write) written = (int)i;
	}
	v->nwin = nw;
	if (r.pos != r.len) {
		rc = svm_error_set(err, SVM_EDECODE, "one-step proof: %zu trailing bytes", r.len - r.pos);
		goto out;
	}
	if ((rc = svm_step_one(v)) != 0 || v->win_bad) {
		rc = svm_error_set(err, rc ? rc : SVM_EPROOF, "one-step proof: the step cannot be executed");
		goto out;
	}
	if (written >= 0) { /* the only range written: its siblings are untouched by the step */
		uint32_t count = v->win_r[written].count;
		size_t used;
		svm_free(leaves);
		if (!(leaves = svm_malloc((size_t)count * sizeof *leaves))) {
			rc = svm_error_set(err, SVM_ENOMEM, "one-step proof: out of memory");
			goto out;
		}
		for (uint32_t k = 0; k < count; k++) leaf_hash(v->win[written] + (size_t)k * LEAF, &leaves[k]);
		range_root(v->depth, v->win_r[written].first, count, leaves, sib[written], nsib[written],
			   &used, &v->mem_root);
	}
	if ((rc = tables_post(v, pre_n, tsib, tnsib)) != 0) {
		rc = svm_error_set(err, rc, "one-step proof: out of memory");
		goto out;
	}
	if ((rc = core_put(v, &b)) != 0) goto out;
	state_hash(&v->module_hash, b.data, b.len, post);
out:
	svm_buf_free(&b);
	svm_free(leaves);
	svm_step_free(v);
	return rc;
}

/* ------------------------------------------------------------ a state's opening */

int svm_step_core(svm_step_t *s, svm_buf_t *out)
{
	tree_update(s);
	int rc = tables_update(s);
	return rc ? rc : core_put(s, out);
}

int svm_step_core_output(const svm_hash_t *module_hash, const uint8_t *core, size_t len,
			 const svm_hash_t *state, uint8_t *status, uint32_t *out_len,
			 svm_hash_t *out_hash)
{
	if (len > SVM_STEP_PROOF_MAX) return SVM_ELIMIT;
	svm_step_t *v = svm_calloc(1, sizeof *v);
	if (!v) return SVM_ENOMEM;
	rd_t r = {core, len, 0, false};
	int rc = core_get(&r, v) && r.pos == len ? 0 : SVM_EDECODE;
	svm_hash_t h;
	if (rc == 0) {
		state_hash(module_hash, core, len, &h);
		if (!svm_hash_eq(&h, state)) rc = SVM_EPROOF;
	}
	if (rc == 0) {
		*status = v->status;
		*out_len = v->out_len;
		*out_hash = v->out_hash;
	}
	svm_free(v);
	return rc;
}

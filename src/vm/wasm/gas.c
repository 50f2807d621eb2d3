/* Gas schedule version 1. Prices are in gas units of roughly one simple instruction each:
 * plain operators 1, multiplies 2, divisions and square roots 4 to 8, memory access 2, calls
 * 10 (indirect 15), host calls 50 more, memory.grow 2048 per 64 KiB page (zeroing), bulk
 * memory 1 per 8 bytes, table bulk operations 1 per element, 1 per declared local. */
#include <pthread.h>
#include <stddef.h>

#include "supervm/base.h"
#include "vm/wasm/gas.h"

_Static_assert(sizeof(((wasm_gas_t *)0)->op) / sizeof(uint16_t) == 256, "one price per single-byte opcode");

const wasm_gas_t wasm_gas_zero = {0};

static wasm_gas_t v1;
static pthread_once_t v1_once = PTHREAD_ONCE_INIT;

static void set_range(uint16_t *t, int lo, int hi, uint16_t c)
{
	SVM_ASSERT(lo >= 0 && lo <= hi && hi <= 0xff); /* op is 256 entries, op_fc fewer */
	for (int i = lo; i <= hi; i++) t[i] = c;
}

static void build_v1(wasm_gas_t *g)
{
	g->version = 1;
	set_range(g->op, 0x00, 0xff, 1);
	g->op[0x00] = 1;                     /* unreachable */
	g->op[0x0c] = 2; g->op[0x0d] = 2;   /* br, br_if */
	g->op[0x0e] = 4;                     /* br_table */
	g->op[0x0f] = 2;                     /* return */
	g->op[0x10] = 10;                    /* call */
	g->op[0x11] = 15;                    /* call_indirect */
	set_range(g->op, 0x28, 0x3e, 2);     /* loads and stores */
	g->op[0x3f] = 2;                     /* memory.size */
	g->op[0x40] = 20;                    /* memory.grow (plus per page) */
	g->op[0x6c] = 2; g->op[0x7e] = 2;   /* i32.mul, i64.mul */
	set_range(g->op, 0x6d, 0x70, 4);     /* i32 div/rem */
	set_range(g->op, 0x7f, 0x82, 6);     /* i64 div/rem */
	set_range(g->op, 0x92, 0x94, 2);     /* f32 add sub mul */
	g->op[0x95] = 4; g->op[0x91] = 6;   /* f32.div, f32.sqrt */
	set_range(g->op, 0xa0, 0xa2, 2);     /* f64 add sub mul */
	g->op[0xa3] = 6; g->op[0x9f] = 8;   /* f64.div, f64.sqrt */
	set_range(g->op, 0xa8, 0xbb, 2);     /* conversions */
	g->op[0x25] = 3; g->op[0x26] = 3;   /* table.get, table.set */
	set_range(g->op_fc, 0, 7, 2);        /* saturating truncations */
	set_range(g->op_fc, 8, 17, 10);      /* bulk memory and table ops (plus per byte/elem) */
	g->local = 1;
	g->host_call = 50;
	g->mem_page = 2048;
	g->bulk_word = 1;
	g->table_elem = 1;
}

static void init_v1(void)
{
	build_v1(&v1);
}

const wasm_gas_t *wasm_gas_schedule(uint32_t version)
{
	if (version != 1) return NULL;
	pthread_once(&v1_once, init_v1);
	SVM_ASSERT(v1.version == 1 && v1.op[0x10] > 0); /* built once, before any reader */
	return &v1;
}

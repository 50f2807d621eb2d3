/* CoreMark-like kernel: per iteration, linked-list work (find, reverse, merge sort), a
 * number-scanning state machine and small int16 matrix algebra, each folded into a running
 * CRC-16 as CoreMark does. Written for this benchmark; it follows CoreMark's mix, not its code. */
#include "kernel.h"

#define LIST_NODES 128u
#define NIL	   0xffffu
#define TEXT_BYTES 384u
#define MAT_DIM	   20u

/* ---- CRC-16 (CoreMark's polynomial 0xA001, bit at a time) ---- */

static uint16_t crc8(uint8_t data, uint16_t crc)
{
	for (int i = 0; i < 8; i++) {
		uint8_t x16 = (uint8_t)((data & 1) ^ (crc & 1));
		data >>= 1;
		crc = x16 ? (uint16_t)((crc ^ 0x4002) >> 1 | 0x8000) : (uint16_t)(crc >> 1);
	}
	return crc;
}

static uint16_t crc16(uint16_t v, uint16_t crc)
{
	return crc8((uint8_t)(v >> 8), crc8((uint8_t)v, crc));
}

static uint16_t crc32v(uint32_t v, uint16_t crc)
{
	return crc16((uint16_t)(v >> 16), crc16((uint16_t)v, crc));
}

/* ---- linked list ---- */

typedef struct {
	uint16_t next;
	int16_t data;
	uint16_t idx;
} node_t;

static node_t nodes[LIST_NODES];

static uint16_t list_init(uint32_t seed)
{
	uint32_t s = seed | 1;
	for (uint16_t i = 0; i < LIST_NODES; i++) {
		nodes[i].next = (uint16_t)(i + 1 < LIST_NODES ? i + 1 : NIL);
		nodes[i].data = (int16_t)(xorshift32(&s) & 0x7fff);
		nodes[i].idx = i;
	}
	return 0;
}

static uint16_t list_reverse(uint16_t head)
{
	uint16_t prev = NIL;
	while (head != NIL) {
		uint16_t next = nodes[head].next;
		nodes[head].next = prev;
		prev = head;
		head = next;
	}
	return prev;
}

static uint16_t list_find(uint16_t head, int16_t data)
{
	while (head != NIL && (nodes[head].data & 0xff) != (data & 0xff))
		head = nodes[head].next;
	return head;
}

static int node_less(uint16_t x, uint16_t y, int by_idx)
{
	return by_idx ? nodes[x].idx <= nodes[y].idx : nodes[x].data <= nodes[y].data;
}

/* Merges the sorted runs at *p (psize nodes) and *q (up to qsize nodes) onto tail. */
static void merge(uint16_t *p, uint16_t *q, uint32_t psize, uint32_t qsize, uint16_t *tail,
		  uint16_t *head, int by_idx)
{
	while (psize > 0 || (qsize > 0 && *q != NIL)) {
		uint16_t e;
		if (psize == 0) {
			e = *q, *q = nodes[*q].next, qsize--;
		} else if (qsize == 0 || *q == NIL || node_less(*p, *q, by_idx)) {
			e = *p, *p = nodes[*p].next, psize--;
		} else {
			e = *q, *q = nodes[*q].next, qsize--;
		}
		if (*tail != NIL)
			nodes[*tail].next = e;
		else
			*head = e;
		*tail = e;
	}
}

/* Bottom-up merge sort of a singly linked list (Simon Tatham's algorithm, as CoreMark uses). */
static uint16_t list_sort(uint16_t list, int by_idx)
{
	for (uint32_t insize = 1;; insize *= 2) {
		uint16_t p = list, head = NIL, tail = NIL;
		uint32_t merges = 0;
		while (p != NIL) {
			merges++;
			uint16_t q = p;
			uint32_t psize = 0;
			while (psize < insize && q != NIL)
				psize++, q = nodes[q].next;
			merge(&p, &q, psize, insize, &tail, &head, by_idx);
			p = q;
		}
		nodes[tail].next = NIL;
		if (merges <= 1)
			return head;
		list = head;
	}
}

static uint16_t list_work(uint16_t *head, uint32_t iter, uint16_t crc)
{
	uint32_t found = 0, missed = 0;
	for (uint32_t i = 0; i < 16; i++) {
		uint16_t at = list_find(*head, (int16_t)(iter * 7 + i * 13));
		if (at == NIL)
			missed++;
		else
			found++, nodes[at].data = (int16_t)(nodes[at].data ^ (int16_t)i);
		*head = list_reverse(*head);
	}
	*head = list_sort(*head, 0);
	for (uint16_t at = *head; at != NIL; at = nodes[at].next)
		crc = crc16((uint16_t)nodes[at].data, crc);
	*head = list_sort(*head, 1);
	return crc16((uint16_t)(found << 8 | missed), crc);
}

/* ---- state machine ---- */

typedef enum { ST_START, ST_INVALID, ST_SIGN, ST_INT, ST_DOT, ST_FLOAT, ST_EXP, ST_SCI } state_t;

static int is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static state_t step(state_t st, uint8_t c)
{
	switch (st) {
	case ST_START:
		if (is_digit(c))
			return ST_INT;
		if (c == '+' || c == '-')
			return ST_SIGN;
		return c == '.' ? ST_DOT : ST_INVALID;
	case ST_SIGN:
		return is_digit(c) ? ST_INT : c == '.' ? ST_DOT : ST_INVALID;
	case ST_INT:
		return is_digit(c) ? ST_INT : c == '.' ? ST_DOT : ST_INVALID;
	case ST_DOT:
		return is_digit(c) ? ST_FLOAT : ST_INVALID;
	case ST_FLOAT:
		return is_digit(c) ? ST_FLOAT : (c == 'e' || c == 'E') ? ST_EXP : ST_INVALID;
	case ST_EXP:
		return (is_digit(c) || c == '-' || c == '+') ? ST_SCI : ST_INVALID;
	case ST_SCI:
		return is_digit(c) ? ST_SCI : ST_INVALID;
	default:
		return ST_INVALID;
	}
}

static void text_init(uint8_t text[TEXT_BYTES], uint32_t seed)
{
	static const char *const tokens[8] = {"5012",	  "1234",     "-874",	  "+122",
					      "35.54400", ".1234500", "-110.700", "5.500e+3"};
	uint32_t s = seed | 1, at = 0;
	while (at + 10 < TEXT_BYTES) {
		for (const char *t = tokens[xorshift32(&s) & 7]; *t; t++)
			text[at++] = (uint8_t)*t;
		text[at++] = ',';
	}
	while (at < TEXT_BYTES)
		text[at++] = ',';
}

/* Scans comma-separated tokens, counting final states; then corrupts every stride-th byte. */
static uint16_t scan_text(uint8_t text[TEXT_BYTES], uint32_t stride, uint16_t crc)
{
	uint32_t final_count[8] = {0}, transitions = 0;
	state_t st = ST_START;
	for (uint32_t i = 0; i < TEXT_BYTES; i++) {
		if (text[i] == ',') {
			final_count[st]++, st = ST_START;
			continue;
		}
		state_t next = step(st, text[i]);
		transitions += next != st;
		st = next;
	}
	for (uint32_t i = 0; i < TEXT_BYTES; i += stride)
		text[i] ^= (uint8_t)stride;
	for (int i = 0; i < 8; i++)
		crc = crc32v(final_count[i], crc);
	return crc32v(transitions, crc);
}

/* ---- matrix ---- */

static int16_t mat_a[MAT_DIM][MAT_DIM], mat_b[MAT_DIM][MAT_DIM];
static int32_t mat_c[MAT_DIM][MAT_DIM];

static void matrix_init(uint32_t seed)
{
	uint32_t s = seed | 1;
	for (uint32_t i = 0; i < MAT_DIM; i++)
		for (uint32_t j = 0; j < MAT_DIM; j++) {
			mat_a[i][j] = (int16_t)(xorshift32(&s) % 200) - 100;
			mat_b[i][j] = (int16_t)(xorshift32(&s) % 200) - 100;
		}
}

static uint16_t matrix_sum(int32_t clip, uint16_t crc)
{
	int32_t acc = 0, prev = 0;
	for (uint32_t i = 0; i < MAT_DIM; i++)
		for (uint32_t j = 0; j < MAT_DIM; j++) {
			int32_t v = mat_c[i][j];
			acc += v;
			if (acc > clip)
				crc = crc16((uint16_t)acc, crc), acc = 0;
			else
				crc = crc16((uint16_t)(v > prev), crc);
			prev = v;
		}
	return crc;
}

static void matrix_mul_const(int16_t k)
{
	for (uint32_t i = 0; i < MAT_DIM; i++)
		for (uint32_t j = 0; j < MAT_DIM; j++)
			mat_c[i][j] = (int32_t)mat_a[i][j] * k;
}

static void matrix_mul_matrix(int bitextract)
{
	for (uint32_t i = 0; i < MAT_DIM; i++)
		for (uint32_t j = 0; j < MAT_DIM; j++) {
			int32_t acc = 0;
			for (uint32_t k = 0; k < MAT_DIM; k++) {
				int32_t p = (int32_t)mat_a[i][k] * mat_b[k][j];
				acc += bitextract ? (p >> 2 & 0xf) * (p >> 5 & 0x7f) : p;
			}
			mat_c[i][j] = acc;
		}
}

static uint16_t matrix_work(uint32_t iter, uint16_t crc)
{
	int16_t k = (int16_t)(iter & 0xf) + 1;
	for (uint32_t i = 0; i < MAT_DIM; i++)
		for (uint32_t j = 0; j < MAT_DIM; j++)
			mat_a[i][j] = (int16_t)(mat_a[i][j] + k);
	matrix_mul_const(k);
	crc = matrix_sum(4000, crc);
	matrix_mul_matrix(0);
	crc = matrix_sum(40000, crc);
	matrix_mul_matrix(1);
	crc = matrix_sum(4000, crc);
	for (uint32_t i = 0; i < MAT_DIM; i++)
		for (uint32_t j = 0; j < MAT_DIM; j++)
			mat_a[i][j] = (int16_t)(mat_a[i][j] - k);
	return crc;
}

uint64_t run(uint32_t n)
{
	static uint8_t text[TEXT_BYTES];
	uint16_t head = list_init(0x5eed);
	text_init(text, 0xc0de);
	matrix_init(0xfeed);
	uint16_t crc = 0;
	uint64_t sum = 0;
	for (uint32_t iter = 0; iter < n; iter++) {
		crc = list_work(&head, iter, crc);
		crc = scan_text(text, 3 + iter % 29, crc);
		crc = matrix_work(iter, crc);
		sum = mix64(sum, crc);
	}
	return sum;
}

KERNEL_BENCH(450)

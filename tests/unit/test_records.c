/* Counter records as commutative deltas (docs/aoem.md, "Commutative deltas"): a record is a
 * shared storage object of exactly n varints (the AI market's provider record), and
 * svm_host_record_add adds signed amounts to its fields — through the optimistic engine's
 * DELTA_RECORD where the view takes one, else read-add-write; both give svm_record_add's bytes.
 * Checked here: the codec (sums, refusals, the bytes svm_host_put would write), the
 * multi-version memory (a run of record deltas resolves to the codec's bytes for the summed
 * additions; a second kind of delta on the key, a field taken below zero, a record that is not
 * there are refused and send the block to the reference), and the host function's flat price
 * and its read-add-write on a view without the delta. The market's claims over shared
 * providers are in test_ai_market. */
#include <criterion/criterion.h>
#include <string.h>

#include "exec/aoem.h"
#include "lib/mvtest.h"

static void setup(void) { cr_assert_eq(svm_crypto_init(), 0); }

/* A record object of fields v[0..n) at version 0, as the market's provider_store writes it. */
static size_t record_bytes(const svm_id_t *id, const uint64_t *v, size_t n, uint16_t type,
			   uint8_t *out, size_t cap)
{
	uint8_t payload[SVM_RECORD_FIELDS_MAX * SVM_VARINT_MAX];
	size_t len = 0;
	for (size_t i = 0; i < n; i++) len += svm_varint_put(payload + len, v[i]);
	svm_object_t o = {.id = *id, .owner_kind = SVM_OWNER_SHARED, .type = type, .payload = payload, .payload_len = len};
	return mvt_object_bytes(&o, out, cap);
}

static void rid(svm_id_t *id) { svm_sha256("a provider record", 17, id); }

Test(records, record_add_sums_fields_and_gives_the_bytes_a_write_would, .init = setup)
{
	svm_id_t id;
	rid(&id);
	uint64_t v[9] = {10000000000ull, 3, 0, 1, 0, 127, 2, 0, 0};
	uint8_t in[256], want[256];
	size_t len = record_bytes(&id, v, 9, SVM_OBJ_STORAGE, in, sizeof in);
	int64_t d[9] = {0, 1, 0, 0, 1, 5, -1, 0, 0};
	svm_buf_t out = {0};
	cr_assert_eq(svm_record_add(&id, in, len, d, 9, 77, &out), 0);
	uint64_t w[9] = {10000000000ull, 4, 0, 1, 1, 132, 1, 0, 0}; /* 127 + 5: a wider varint */
	svm_object_t o;
	size_t wl = record_bytes(&id, w, 9, SVM_OBJ_STORAGE, want, sizeof want);
	cr_assert_eq(svm_object_decode(want, wl, &o, NULL), 0);
	o.version = 77;
	svm_buf_t enc = {0};
	cr_assert_eq(svm_object_encode(&o, &enc), 0);
	cr_assert_eq(out.len, enc.len);
	cr_assert_arr_eq(out.data, enc.data, enc.len, "the bytes of a write at height 77");
	svm_buf_free(&enc);
	svm_buf_free(&out);
	/* a zero addition is a rewrite at the height */
	int64_t z[9] = {0};
	cr_assert_eq(svm_record_add(&id, in, len, z, 9, 0, &out), 0);
	cr_assert_eq(out.len, len);
	cr_assert_arr_eq(out.data, in, len);
	svm_buf_free(&out);
}

Test(records, record_add_refuses_what_is_not_a_record_and_fields_out_of_range, .init = setup)
{
	svm_id_t id;
	rid(&id);
	uint64_t v[3] = {5, UINT64_MAX - 1, 0};
	uint8_t in[256], tok[256];
	size_t len = record_bytes(&id, v, 3, SVM_OBJ_STORAGE, in, sizeof in);
	size_t tlen = record_bytes(&id, v, 3, SVM_OBJ_TOKEN, tok, sizeof tok);
	int64_t ok[3] = {1, 1, 0}, under[3] = {-6, 0, 0}, over[3] = {0, 2, 0}, big[3] = {INT64_MIN, 0, 0};
	svm_buf_t out = {0};
	cr_assert_eq(svm_record_add(&id, in, len, ok, 3, 1, &out), 0);
	svm_buf_free(&out);
	cr_assert_eq(svm_record_add(&id, in, len, under, 3, 1, &out), SVM_EOVERFLOW, "below zero");
	cr_assert_eq(svm_record_add(&id, in, len, over, 3, 1, &out), SVM_EOVERFLOW, "past 2^64 - 1");
	cr_assert_eq(svm_record_add(&id, in, len, big, 3, 1, &out), SVM_EOVERFLOW, "INT64_MIN");
	cr_assert_eq(svm_record_add(&id, in, len, ok, 2, 1, &out), SVM_EIO, "more fields than n");
	int64_t four[4] = {0};
	cr_assert_eq(svm_record_add(&id, in, len, four, 4, 1, &out), SVM_EIO, "fewer fields than n");
	cr_assert_eq(svm_record_add(&id, in, len, ok, 0, 1, &out), SVM_EIO, "no field");
	cr_assert_eq(svm_record_add(&id, tok, tlen, ok, 3, 1, &out), SVM_EIO, "not a storage object");
	cr_assert_eq(svm_record_add(&id, in, len - 1, ok, 3, 1, &out), SVM_EIO, "cut short");
	cr_assert_eq(out.len, 0, "nothing written on a refusal");
	svm_buf_free(&out);
}

Test(records, a_run_of_record_deltas_resolves_to_the_codecs_bytes, .init = setup)
{
	mvb_t m;
	mvb_init(&m, 12);
	svm_id_t id;
	rid(&id);
	uint64_t v[9] = {10, 0, 0, 0, 0, 0, 3, 0, 0};
	uint8_t bytes[256];
	akey_t k;
	mvt_key(&k, &id, bytes, record_bytes(&id, v, 9, SVM_OBJ_STORAGE, bytes, sizeof bytes));
	/* three claims of jobs of one provider, each closing a slot it was paid for */
	int64_t d1[9] = {0, 1, 0, 0, 0, 4, 0, 0, 0}, d2[9] = {0, 1, 0, 0, 1, 9, -1, 0, 0};
	int64_t d3[9] = {0, 1, 0, 0, 0, 2, -1, 0, 0};
	d1[6] = -1;
	mv_entry_t e[3] = {{.tx = 2, .kind = MV_DELTA, .op = DELTA_RECORD, .delta = 9, .fd = d1},
			   {.tx = 4, .kind = MV_DELTA, .op = DELTA_RECORD, .delta = 9, .fd = d2},
			   {.tx = 7, .kind = MV_DELTA, .op = DELTA_RECORD, .delta = 9, .fd = d3}};
	bool created;
	for (int i = 2; i >= 0; i--) cr_assert_eq(exec_mv_write(&k, &e[i], &created), 0); /* any order */
	int64_t sum[9] = {0, 3, 0, 0, 1, 15, -3, 0, 0};
	svm_buf_t want = {0};
	cr_assert_eq(svm_record_add(&k.id, bytes, k.cur.len, sum, 9, 12, &want), 0);
	mv_read_t rd;
	cr_assert_eq(exec_mv_read(&m.b, 0, &k, 8, &rd), 0);
	cr_assert_eq(rd.kind, MVR_RESOLVED);
	cr_assert_eq(rd.v.len, want.len);
	cr_assert_arr_eq(rd.v.bytes, want.data, want.len, "the codec's bytes for the summed additions");
	/* a reader between them sees only the deltas below it */
	svm_buf_t mid = {0};
	int64_t two[9] = {0, 2, 0, 0, 1, 13, -2, 0, 0};
	cr_assert_eq(svm_record_add(&k.id, bytes, k.cur.len, two, 9, 12, &mid), 0);
	cr_assert_eq(exec_mv_read(&m.b, 0, &k, 5, &rd), 0);
	cr_assert_eq(rd.v.len, mid.len);
	cr_assert_arr_eq(rd.v.bytes, mid.data, mid.len);
	cr_assert_eq(atomic_load(&m.b.fallback_all), 0, "one kind of delta: no fallback");
	/* the commit folds them into the committed value */
	cr_assert_eq(exec_mv_flush(&m.b, 0, &k, 100), 0);
	cr_assert_eq(k.cur.len, want.len);
	cr_assert_arr_eq(k.cur.bytes, want.data, want.len);
	/* and lists the key as written, once, in the committing worker's list (the write set's) */
	cr_assert_eq(m.wk.wkeys_len, 1);
	cr_assert_eq(m.wk.wkeys[0].k, &k);
	cr_assert_eq(m.wk.wkeys[0].be, svm_get_u64be(k.id.b));
	cr_assert_eq(exec_key_written(&m.b, 0, &k, false), 0);
	cr_assert_eq(m.wk.wkeys_len, 1, "a key already written is not listed again");
	svm_buf_free(&want);
	svm_buf_free(&mid);
	mvb_free(&m);
}

/* A record delta beside a credit on one key, deltas that take open_jobs below zero, deltas
 * over no record, and deltas of opposite signs in one field (1 - 2 + 1 is 0, but its prefix
 * 1 - 2 is not a u64: the sum applied at once would hide what the reference's one-at-a-time
 * order refuses) never resolve: the block goes to the reference (FALL_DELTA), which gives the
 * program's own answer (SVM_EIO: a corrupt record aborts the block). */
Test(records, record_deltas_that_cannot_resolve_are_refused, .init = setup)
{
	for (int c = 0; c < 4; c++) {
		mvb_t m;
		mvb_init(&m, 3);
		svm_id_t id;
		rid(&id);
		uint64_t v[9] = {10, 0, 0, 0, 0, 0, 1, 0, 0};
		uint8_t bytes[256];
		akey_t k;
		if (c == 2) mvt_key(&k, &id, NULL, 0); /* no record there */
		else mvt_key(&k, &id, bytes, record_bytes(&id, v, 9, SVM_OBJ_STORAGE, bytes, sizeof bytes));
		int64_t d[9] = {0, 1, 0, 0, 0, 0, -1, 0, 0};
		bool created;
		mv_entry_t e1 = {.tx = 1, .kind = MV_DELTA, .op = DELTA_RECORD, .delta = 9, .fd = d};
		mv_entry_t e2 = e1;
		e2.tx = 2;
		bal_ref_t ref = {k.id, k.id};
		if (c == 0) e2 = (mv_entry_t){.tx = 2, .kind = MV_DELTA, .op = DELTA_CREDIT, .delta = 1, .ref = &ref};
		int64_t down[9] = {0, 0, 0, 0, 0, 0, -2, 0, 0}, up[9] = {0, 0, 0, 0, 0, 0, 1, 0, 0};
		if (c == 3) {
			e1.fd = down;
			e2.fd = up;
		}
		cr_assert_eq(exec_mv_write(&k, &e1, &created), 0);
		cr_assert_eq(exec_mv_write(&k, &e2, &created), 0);
		mv_read_t rd;
		cr_assert_eq(exec_mv_read(&m.b, 0, &k, 2, &rd), c >= 2 ? SVM_EIO : 0, "case %d: below", c);
		atomic_store(&m.b.fallback_all, 0);
		cr_assert_eq(exec_mv_read(&m.b, 0, &k, 3, &rd), SVM_EIO, "case %d", c);
		cr_assert_eq(atomic_load(&m.b.fallback_all), FALL_DELTA, "case %d: caught", c);
		exec_mv_flush(&m.b, 0, &k, 3);
		mvb_free(&m);
	}
}

/* A plain view (the reference's kind: no record_add): svm_host_record_add reads, adds and
 * writes, charging the same flat steps whatever the record's size; refusals change nothing. */
typedef struct {
	svm_view_t v;
	uint8_t bytes[256];
	size_t len;
	bool present;
	int puts;
} pv_t;

static int pv_get(svm_view_t *view, const svm_id_t *id, const uint8_t **bytes, size_t *len)
{
	pv_t *p = (pv_t *)view;
	if (!p->present) return SVM_ENOTFOUND;
	*bytes = p->bytes;
	*len = p->len;
	return 0;
}

static int pv_put(svm_view_t *view, const svm_id_t *id, const uint8_t *bytes, size_t len)
{
	pv_t *p = (pv_t *)view;
	cr_assert_leq(len, sizeof p->bytes);
	memcpy(p->bytes, bytes, len);
	p->len = len;
	p->puts++;
	return 0;
}

static const svm_view_ops_t pv_ops = {pv_get, pv_put, NULL, NULL, NULL, NULL, NULL, NULL};

Test(records, host_record_add_charges_flat_steps_and_reads_adds_writes_without_the_delta, .init = setup)
{
	svm_id_t id;
	rid(&id);
	for (int wide = 0; wide <= 1; wide++) {
		pv_t p = {.v = {&pv_ops}, .present = true};
		uint64_t v[9] = {wide ? UINT64_MAX / 2 : 1, wide ? 1ull << 40 : 0, 0, 0, 0, 0, 2, 0, 0};
		p.len = record_bytes(&id, v, 9, SVM_OBJ_STORAGE, p.bytes, sizeof p.bytes);
		svm_tx_t tx = {0};
		svm_txctx_t c = {.view = &p.v, .tx = &tx, .height = 6, .steps_limit = 1000000};
		int64_t d[9] = {0, 1, 0, 0, 0, 3, -1, 0, 0};
		cr_assert_eq(svm_host_record_add(&c, &id, d, 9), 0);
		cr_assert_eq(c.steps, SVM_STEPS_RECORD_ADD, "flat, whatever the widths (%d)", wide);
		cr_assert_eq(p.puts, 1);
		v[1]++;
		v[5] += 3;
		v[6]--;
		uint8_t want[256];
		size_t wl = record_bytes(&id, v, 9, SVM_OBJ_STORAGE, want, sizeof want);
		svm_object_t o;
		cr_assert_eq(svm_object_decode(p.bytes, p.len, &o, NULL), 0);
		cr_assert_eq(o.version, 6);
		o.version = 0;
		svm_buf_t enc = {0};
		cr_assert_eq(svm_object_encode(&o, &enc), 0);
		cr_assert_eq(enc.len, wl);
		cr_assert_arr_eq(enc.data, want, wl);
		svm_buf_free(&enc);
		/* open_jobs is now 1: two more closes would take it below zero */
		int64_t two[9] = {0, 0, 0, 0, 0, 0, -2, 0, 0};
		cr_assert_eq(svm_host_record_add(&c, &id, two, 9), SVM_EIO, "a corrupt record");
		cr_assert_eq(p.puts, 1, "nothing written");
		p.present = false;
		cr_assert_eq(svm_host_record_add(&c, &id, d, 9), SVM_EIO, "no record");
		c.steps = c.steps_limit - 1;
		cr_assert_eq(svm_host_record_add(&c, &id, d, 9), SVM_EGAS, "charged before it runs");
	}
}

/* Attestation collateral as chain state (program 18) and TEE evidence in a VCR, through a real
 * chain whose block times are set inside and outside the pinned vectors' validity windows: the
 * updater installed by governance and by its predecessor (a proposal cannot be replayed), TDX
 * collateral and AMD chains stored only when they verify at the block time and are newer,
 * bit flips refused; then a high-value job whose provider reveals the real SNP report and TDX
 * quote: the evidence verifies against chain state as of the block time, and is refused because
 * its report data does not bind the job — or because the collateral is missing or past its
 * next-update; and the same job with SNP evidence under a test root its genesis pins, built as
 * an enclave would (the report binding the job, signed by the test's VCEK): accepted, level 2
 * met, paid — and likewise with a TDX quote under a test Intel PKI (PCK chain, collateral, CRLs:
 * tests/lib/teetest.c). Data: ../shared/attestation-vectors (SVM_ATTEST_VECTORS). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/chaintest.h"
#include "lib/jobfx.h"
#include "lib/teetest.h"
#include "supervm/ai.h"
#include "supervm/econ.h"
#include "supervm/verify.h"

#define KEYS 4
#define SWR0 100000000000000ull /* 100 000 SWR */
#define AIC0 1000000ull
#define ST(e) svm_receipt_status(e)
#define T_SNP 1735689600ull  /* 2025-01-01T00:00:00Z: the SNP vectors' windows */
#define T_TDX 1751328000ull  /* 2025-07-01T00:00:00Z: dcap-qvl's collateral window */
#define T_LATE 1753056000ull /* 2025-07-21T00:00:00Z: past its next-update (07-19) */

typedef struct {
	JF_EMBED;     /* dir, c, k, nonce; now_ms = now's, every block at it */
	uint64_t now; /* block time, seconds: set by the tests, moved only forward */
	svm_id_t model;
} fx_t;

static const char *vdir(void)
{
	const char *d = getenv("SVM_ATTEST_VECTORS");
	return d ? d : "../shared/attestation-vectors";
}

static uint8_t *vec(const char *rel, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", vdir(), rel);
	uint8_t *p = jf_slurp_opt(path, len);
	if (!p && getenv("CI")) cr_assert_fail("missing %s", path);
	if (!p) cr_skip_test("attestation vectors not found at %s", vdir());
	return p;
}

static int send_ret(fx_t *f, int who, const svm_buf_t *payload, uint8_t *ret32)
{
	f->now_ms = f->now * 1000;
	return jf_send_ret(&f->t, who, payload, ret32);
}

static int send(fx_t *f, int who, svm_buf_t *payload)
{
	f->now_ms = f->now * 1000;
	return jf_send(&f->t, who, payload);
}

static void blocks(fx_t *f, int n)
{
	f->now_ms = f->now * 1000;
	jf_blocks(&f->t, (uint64_t)n);
}

/* Key 0 is the only validator (it passes any proposal alone); key 1 becomes the updater.
 * pins: the genesis's "attest_pins" (NULL: none, the built-in defaults apply). */
static void fx_open_pins(fx_t *f, uint64_t t0, const svm_attest_pins_t *pins)
{
	memset(f, 0, sizeof *f);
	svm_genesis_t g;
	jf_genesis(&f->t, KEYS, SWR0, AIC0, 1000, &g);
	g.timestamp_ms = t0 * 1000;
	g.validators = calloc(1, sizeof *g.validators);
	g.n_validators = 1;
	g.validators[0].id = f->k[0].id;
	memcpy(g.validators[0].pubkey, f->k[0].public_key, 32);
	g.validators[0].stake = 1000000000000ull;
	g.params_set = true;
	svm_params_default(&g.params);
	g.params.gov_voting_blocks = 1;
	g.params.gov_deposit_min = 1;
	if (pins) {
		g.attest_pins_set = true;
		g.attest_pins = *pins;
	}
	jf_open(&f->t, &g);
	svm_genesis_free(&g);
	f->now = t0;
}

static void fx_open(fx_t *f, uint64_t t0) { fx_open_pins(f, t0, NULL); }

static void fx_close(fx_t *f) { jf_close(&f->t); }

/* A governance text proposal carrying `body`, passed by key 0 and executed; its id. */
static void pass_text(fx_t *f, const svm_hash_t *body, svm_id_t *prop)
{
	svm_buf_t p = {0};
	cr_assert_eq(svm_gov_submit_payload(&p, SVM_PROPOSAL_TEXT, 1, body->b, 32), 0);
	svm_gov_proposal_id(&f->k[0].id, f->nonce[0], prop);
	cr_assert_eq(send(f, 0, &p), 0, "submit");
	cr_assert_eq(svm_gov_payload(&p, SVM_GOV_VOTE, prop, &f->k[0].id, SVM_VOTE_YES), 0);
	cr_assert_eq(send(f, 0, &p), 0, "vote");
	blocks(f, 2);
	cr_assert_eq(svm_gov_payload(&p, SVM_GOV_EXECUTE, prop, NULL, 0), 0);
	cr_assert_eq(send(f, 0, &p), 0, "execute");
}

static int set_updater(fx_t *f, int who, int next, const svm_id_t *prop)
{
	svm_buf_t p = {0};
	cr_assert_eq(svm_attest_set_updater_payload(&p, &f->k[next].id, prop), 0);
	return send(f, who, &p);
}

/* Installs key 1 as the updater through governance. */
static void install_updater(fx_t *f)
{
	svm_hash_t h;
	svm_id_t prop;
	svm_attest_updater_hash(&f->k[1].id, 0, &h);
	pass_text(f, &h, &prop);
	cr_assert_eq(set_updater(f, 3, 1, &prop), 0);
}

typedef struct {
	uint8_t *json;
	size_t json_len;
	svm_buf_t store;
	svm_tdx_collateral_t col;
} tdxcol_t;

static void tdx_collateral(tdxcol_t *t)
{
	memset(t, 0, sizeof *t);
	t->json = vec("tdx/dcap-qvl/tdx_quote_collateral.json", &t->json_len);
	svm_error_t err = {0};
	cr_assert_eq(svm_tdx_collateral_from_json(t->json, t->json_len, &t->store, &t->col, &err), 0,
		     "%s", err.msg);
}

static void tdxcol_free(tdxcol_t *t)
{
	free(t->json);
	svm_buf_free(&t->store);
}

static int put_tdx(fx_t *f, int who, const svm_tdx_collateral_t *col)
{
	svm_buf_t p = {0};
	cr_assert_eq(svm_attest_put_tdx_payload(&p, col), 0);
	return send(f, who, &p);
}

static int put_snp(fx_t *f, int who, const char *rel)
{
	size_t n;
	uint8_t *pem = vec(rel, &n);
	svm_buf_t p = {0};
	cr_assert_eq(svm_attest_put_snp_payload(&p, pem, n), 0);
	free(pem);
	return send(f, who, &p);
}

Test(collateral, updater_is_installed_by_governance_or_its_predecessor_and_a_proposal_is_not_replayed)
{
	fx_t f;
	fx_open(&f, T_TDX);
	cr_assert_eq(set_updater(&f, 1, 1, NULL), ST(SVM_EPERM), "nobody is the updater yet");
	svm_hash_t h;
	svm_id_t prop, wrong;
	svm_attest_updater_hash(&f.k[2].id, 0, &h);
	pass_text(&f, &h, &wrong); /* a passed proposal for key 2 does not install key 1 */
	cr_assert_eq(set_updater(&f, 3, 1, &wrong), ST(SVM_EPERM));
	svm_attest_updater_hash(&f.k[1].id, 0, &h);
	pass_text(&f, &h, &prop);
	cr_assert_eq(set_updater(&f, 3, 1, &prop), 0, "installed by the proposal");
	cr_assert_eq(set_updater(&f, 3, 1, &prop), ST(SVM_EPERM), "replay: the epoch moved on");
	cr_assert_eq(set_updater(&f, 2, 2, NULL), ST(SVM_EPERM), "only the updater names its successor");
	cr_assert_eq(set_updater(&f, 1, 3, NULL), 0);
	cr_assert_eq(set_updater(&f, 1, 1, NULL), ST(SVM_EPERM), "key 1 is no longer the updater");
	svm_buf_t p = {0};
	cr_assert_eq(svm_attest_set_updater_payload(&p, &f.k[1].id, NULL), 0);
	cr_assert_eq(svm_buf_push(&p, 0), 0);
	cr_assert_eq(send(&f, 3, &p), ST(SVM_EDECODE), "trailing byte");
	fx_close(&f);
}

Test(collateral, tdx_collateral_is_stored_only_when_it_verifies_at_the_block_time_and_is_newer)
{
	fx_t f;
	tdxcol_t t;
	tdx_collateral(&t);
	fx_open(&f, T_TDX - 30 * 86400); /* 2025-06-01: before the TCB info's issueDate */
	install_updater(&f);
	cr_assert_eq(put_tdx(&f, 2, &t.col), ST(SVM_EPERM), "not the updater");
	int st = put_tdx(&f, 1, &t.col);
	cr_assert_eq(st, ST(SVM_EEXPIRED), "not yet current at the block time (status %d)", st);
	f.now = T_TDX;
	/* one flipped bit in the signed TCB info, in its signature, in the PCK CRL: refused */
	uint8_t *ti = (uint8_t *)t.col.tcb_info.p;
	ti[40] ^= 4;
	cr_assert_eq(put_tdx(&f, 1, &t.col), ST(SVM_ESIG));
	ti[40] ^= 4;
	t.col.tcb_info_sig[5] ^= 1;
	cr_assert_eq(put_tdx(&f, 1, &t.col), ST(SVM_ESIG));
	t.col.tcb_info_sig[5] ^= 1;
	uint8_t *crl = (uint8_t *)t.col.pck_crl_der.p;
	crl[t.col.pck_crl_der.len / 2] ^= 0x10;
	cr_assert_neq(put_tdx(&f, 1, &t.col), 0);
	crl[t.col.pck_crl_der.len / 2] ^= 0x10;
	cr_assert_eq(put_tdx(&f, 1, &t.col), 0, "stored");
	cr_assert_eq(put_tdx(&f, 1, &t.col), ST(SVM_ESTATE), "the same set is not newer");
	f.now = T_LATE;
	cr_assert_eq(put_tdx(&f, 1, &t.col), ST(SVM_EEXPIRED), "past its next-update");
	tdxcol_free(&t);
	fx_close(&f);
}

Test(collateral, amd_chains_are_stored_only_when_they_verify_to_a_pinned_ark_at_the_block_time)
{
	fx_t f;
	fx_open(&f, T_SNP);
	install_updater(&f);
	cr_assert_eq(put_snp(&f, 2, "sev-snp/go-sev-guest/ask_ark_milan.pem"), ST(SVM_EPERM));
	cr_assert_eq(put_snp(&f, 1, "sev-snp/go-sev-guest/ask_ark_milan.pem"), 0);
	cr_assert_eq(put_snp(&f, 1, "sev-snp/virtee-sev/cert_chain_milan"), ST(SVM_ESTATE),
		     "the same chain again is not newer");
	cr_assert_eq(put_snp(&f, 1, "sev-snp/go-sev-guest/ask_ark_genoa.pem"), 0);
	f.now = 2524608000ull; /* 2050: past every AMD certificate */
	cr_assert_eq(put_snp(&f, 1, "sev-snp/go-sev-guest/ask_ark_turin_vcek.pem"), ST(SVM_EEXPIRED));
	fx_close(&f);
}

/* The pinned roots are the genesis's: a chain that pins only Genoa's ARK refuses Milan's chain,
 * and one that pins another Intel root refuses genuine, current TDX collateral; pinning the
 * real root (SHA-256 of dcap-qvl's TrustedRootCA.der) in genesis accepts it. */
Test(collateral, the_pinned_roots_are_the_genesis_attest_pins)
{
	fx_t f;
	tdxcol_t t;
	tdx_collateral(&t);
	const svm_attest_pins_t *def = svm_attest_pins_default();
	svm_attest_pins_t pins = {.n_amd_ark = 1, .n_intel_root = 1};
	pins.amd_ark[0] = def->amd_ark[1]; /* ARK-Genoa */
	memset(pins.intel_root[0].b, 0x5a, 32);
	fx_open_pins(&f, T_TDX, &pins);
	install_updater(&f);
	cr_assert_eq(put_snp(&f, 1, "sev-snp/go-sev-guest/ask_ark_milan.pem"), ST(SVM_EPERM),
		     "Milan's ARK is not pinned by this genesis");
	cr_assert_eq(put_snp(&f, 1, "sev-snp/go-sev-guest/ask_ark_genoa.pem"), 0, "Genoa's is");
	cr_assert_eq(put_tdx(&f, 1, &t.col), ST(SVM_EPERM), "Intel's root is not pinned");
	svm_buf_t b = {0};
	svm_object_t o;
	svm_id_t id;
	svm_attest_pins_id(&id);
	cr_assert_eq(svm_chain_object(f.c, &id, &b), 0, "genesis wrote the pins object");
	cr_assert_eq(svm_object_decode(b.data, b.len, &o, NULL), 0);
	svm_attest_pins_t back;
	cr_assert_eq(svm_attest_pins_decode(o.payload, o.payload_len, &back), 0);
	cr_assert_eq(memcmp(&back, &pins, sizeof pins), 0, "round trip");
	uint8_t *bad = malloc(o.payload_len + 1);
	memcpy(bad, o.payload, o.payload_len);
	bad[o.payload_len] = 0;
	cr_assert_eq(svm_attest_pins_decode(bad, o.payload_len + 1, &back), SVM_EDECODE, "trailing byte");
	bad[0] = SVM_ATTEST_PINS_MAX + 1;
	cr_assert_eq(svm_attest_pins_decode(bad, o.payload_len, &back), SVM_EDECODE, "too many pins");
	free(bad);
	svm_buf_free(&b);
	fx_close(&f);

	size_t rn;
	uint8_t *root = vec("tdx/dcap-qvl/TrustedRootCA.der", &rn);
	memset(&pins, 0, sizeof pins);
	pins.n_intel_root = 1;
	svm_sha256(root, rn, &pins.intel_root[0]);
	free(root);
	fx_open_pins(&f, T_TDX, &pins);
	install_updater(&f);
	cr_assert_eq(put_tdx(&f, 1, &t.col), 0, "the real Intel root pinned in genesis");
	cr_assert_eq(put_snp(&f, 1, "sev-snp/go-sev-guest/ask_ark_genoa.pem"), ST(SVM_EPERM),
		     "no AMD ARK pinned at all");
	tdxcol_free(&t);
	fx_close(&f);
}

Test(collateral, genesis_attest_pins_parse_save_and_reject_bad_input)
{
	const char *head = "{\"chain_id\":1,\"fees\":{\"a\":1,\"b\":0,\"c\":0,\"d\":0},\"attest_pins\":";
	char h1[65], h2[65];
	memset(h1, 'a', 64), h1[64] = 0;
	memset(h2, '0', 64), h2[64] = 0;
	char text[1024];
	snprintf(text, sizeof text, "%s{\"amd_ark\":[\"%s\",\"%s\"],\"intel_root\":[]}}", head, h1, h2);
	svm_genesis_t g;
	svm_error_t err = {0};
	cr_assert_eq(svm_genesis_parse(&g, text, strlen(text), &err), 0, "%s", err.msg);
	cr_assert(g.attest_pins_set);
	cr_assert_eq(g.attest_pins.n_amd_ark, 2);
	cr_assert_eq(g.attest_pins.n_intel_root, 0);
	cr_assert_eq(g.attest_pins.amd_ark[0].b[0], 0xaa);
	char dir[64], path[96];
	ct_tmpdir(dir);
	snprintf(path, sizeof path, "%s/genesis.json", dir);
	cr_assert_eq(svm_genesis_save(&g, path, NULL), 0);
	svm_genesis_t back;
	cr_assert_eq(svm_genesis_load(&back, path, NULL), 0);
	cr_assert(back.attest_pins_set);
	cr_assert_eq(memcmp(&back.attest_pins, &g.attest_pins, sizeof g.attest_pins), 0, "saved and loaded");
	svm_genesis_free(&back);
	svm_genesis_free(&g);
	ct_rmdir(dir);
	snprintf(text, sizeof text, "%s{}}", head);
	cr_assert_eq(svm_genesis_parse(&g, text, strlen(text), NULL), 0);
	cr_assert(g.attest_pins_set, "an empty object pins nothing");
	cr_assert_eq(g.attest_pins.n_amd_ark + g.attest_pins.n_intel_root, 0);
	svm_genesis_free(&g);
	const char *bad[] = {"[]", "{\"amd\":[]}", "{\"amd_ark\":\"x\"}", "{\"amd_ark\":[\"12\"]}",
			     "{\"intel_root\":[1]}",
			     "{\"intel_root\":[\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\"]}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "%s%s}", head, bad[i]);
		memset(&err, 0, sizeof err);
		cr_assert_eq(svm_genesis_parse(&g, text, strlen(text), &err), SVM_EDECODE, "case %zu", i);
		cr_assert(strstr(err.msg, "attest_pins"), "case %zu names the field: %s", i, err.msg);
	}
}

/* ------------------------------------------------------------ a high-value job */

static void register_model(fx_t *f, const uint8_t (*meas)[48], uint32_t n_meas, uint8_t **w,
			   size_t *wlen, uint8_t **code, size_t *clen)
{
	*w = jf_slurp_opt("models/fmnist/fmnist-mlp.svq8", wlen);
	*code = jf_slurp_opt("build/ai/infer.wasm", clen);
	cr_assert(*w && *code, "model or build/ai/infer.wasm missing");
	svm_ai_manifest_t m = {.version = 1, .format = SVM_AI_FORMAT_SVQ8, .input_type = SVM_AI_TYPE_U8, .output_type = SVM_AI_TYPE_LOGITS_I32, .input_len = 784, .output_len = 41, .tee_measurements_len = n_meas};
	memcpy(m.tee_measurements, meas, (size_t)n_meas * 48);
	strcpy(m.name, "fmnist-mlp");
	f->now_ms = f->now * 1000;
	jf_register_model(&f->t, 0, *w, *wlen, *code, *clen, &m);
	svm_ai_model_id(&f->k[0].id, "fmnist-mlp", 1, &f->model);
}

typedef struct {
	svm_id_t job;
	uint8_t out[SVM_AI_OUTPUT_MAX], salt[32], input[784];
	size_t out_len;
	svm_hash_t weights_hash, code_hash;
} hv_t;

/* A high-value job (k = 1) accepted and committed by key 2. */
static void hv_job(fx_t *f, hv_t *h, const uint8_t *w, size_t wlen, const uint8_t *code,
		   size_t clen)
{
	memset(h, 0, sizeof *h);
	for (int i = 0; i < 784; i++) h->input[i] = (uint8_t)(i * 7);
	svm_sha256(w, wlen, &h->weights_hash);
	svm_sha256(code, clen, &h->code_hash);
	svm_buf_t p = {0};
	cr_assert_eq(svm_ai_provider_register_payload(&p, 10000000000ull), 0);
	cr_assert_eq(send(f, 2, &p), 0);
	svm_ai_post_t post = {.model = f->model, .input = h->input, .input_len = 784, .units = 1, .max_price = 1000, .replicas = 1, .sla_blocks = 5, .level = 2, .commit_deadline = svm_chain_height(f->c) + 10};
	svm_sha256(h->input, 784, &post.input_hash);
	cr_assert_eq(svm_ai_post_payload(&p, &post), 0);
	cr_assert_eq(send_ret(f, 0, &p, h->job.b), 0, "post");
	svm_buf_free(&p);
	cr_assert_eq(svm_ai_job_payload(&p, SVM_JOBS_ACCEPT, &h->job), 0);
	cr_assert_eq(send(f, 2, &p), 0, "accept (a 4 SWR bond at high value)");
	uint64_t gas;
	cr_assert_eq(svm_ai_run(code, clen, "infer", w, wlen, h->input, 784, 1ull << 30, h->out,
				&h->out_len, &gas, NULL),
		     0);
	memset(h->salt, 9, 32);
	svm_hash_t cm;
	svm_ai_commitment(&h->job, &f->k[2].id, h->out, h->out_len, h->salt, &cm);
	cr_assert_eq(svm_ai_commit_payload(&p, &h->job, &cm), 0);
	cr_assert_eq(send(f, 2, &p), 0, "commit");
}

static int hv_reveal(fx_t *f, hv_t *h, uint8_t kind, const uint8_t *ev, size_t ev_len,
		     const uint8_t *ev2, size_t ev2_len)
{
	uint8_t *tee = malloc(1 + ev_len + ev2_len);
	tee[0] = kind;
	memcpy(tee + 1, ev, ev_len);
	if (ev2_len) memcpy(tee + 1 + ev_len, ev2, ev2_len);
	size_t tee_len = 1 + ev_len + ev2_len;
	svm_ai_trace_t t = {.present = true, .k = 4096, .steps = 1000000};
	memset(t.root.b, 1, 32);
	svm_ai_vcr_t v = {.job = h->job, .provider = f->k[2].id, .model = f->model, .weights_hash = h->weights_hash, .code_hash = h->code_hash, .seed = svm_get_u64be(h->job.b), .level = 2, .tee = tee, .tee_len = tee_len, .trace = t};
	svm_sha256(h->input, 784, &v.input_hash);
	svm_sha256(h->out, h->out_len, &v.output_hash);
	svm_buf_t msg = {0}, p = {0};
	cr_assert_eq(svm_buf_append(&msg, "svm/ai/vcr", 10), 0);
	cr_assert_eq(svm_ai_vcr_encode(&v, true, &msg), 0);
	uint8_t sig[64];
	svm_ed25519_sign(sig, msg.data, msg.len, f->k[2].secret_key);
	svm_buf_free(&msg);
	cr_assert_eq(svm_ai_reveal_payload(&p, &h->job, h->out, h->out_len, h->salt, 2, tee, tee_len,
					   &t, sig),
		     0);
	free(tee);
	return send(f, 2, &p);
}

Test(collateral, a_real_tdx_quote_verifies_against_chain_state_and_is_refused_for_not_binding_the_job)
{
	fx_t f;
	tdxcol_t t;
	tdx_collateral(&t);
	size_t qlen, qsize;
	uint8_t *q = vec("tdx/dcap-qvl/tdx_quote", &qlen);
	cr_assert_eq(svm_tdx_quote_size(q, qlen, &qsize), 0);
	svm_tdx_quote_t parsed;
	cr_assert_eq(svm_tdx_quote_parse(q, qsize, &parsed, NULL), 0);
	fx_open(&f, T_TDX);
	install_updater(&f);
	uint8_t *w, *code;
	size_t wlen, clen;
	register_model(&f, (const uint8_t(*)[48])parsed.mrtd, 1, &w, &wlen, &code, &clen);
	hv_t h;
	hv_job(&f, &h, w, wlen, code, clen);
	blocks(&f, 1);
	/* no collateral in chain state yet */
	cr_assert_eq(hv_reveal(&f, &h, SVM_AI_TEE_TDX, q, qsize, NULL, 0), ST(SVM_ENOTFOUND));
	cr_assert_eq(put_tdx(&f, 1, &t.col), 0);
	/* a byte of the quote's signed body flipped: the signature fails */
	q[100] ^= 1;
	cr_assert_eq(hv_reveal(&f, &h, SVM_AI_TEE_TDX, q, qsize, NULL, 0), ST(SVM_ESIG));
	q[100] ^= 1;
	/* genuine, current, UpToDate, MRTD allowed — but its report data is not this job's binding */
	cr_assert_eq(hv_reveal(&f, &h, SVM_AI_TEE_TDX, q, qsize, NULL, 0), ST(SVM_EPROOF));
	/* the same evidence once the collateral is past its next-update (block time, not the clock) */
	f.now = T_LATE;
	int st = hv_reveal(&f, &h, SVM_AI_TEE_TDX, q, qsize, NULL, 0);
	cr_assert_eq(st, ST(SVM_EEXPIRED), "status %d", st);
	free(q);
	free(w);
	free(code);
	tdxcol_free(&t);
	fx_close(&f);
}

Test(collateral, a_real_snp_report_verifies_against_the_chain_state_ark_and_is_refused_for_not_binding_the_job)
{
	fx_t f;
	size_t rlen, klen;
	uint8_t *r = vec("sev-snp/go-sev-guest/attestation.bin", &rlen);
	uint8_t *k = vec("sev-snp/go-sev-guest/vcek.testcer", &klen);
	svm_snp_report_t rep;
	cr_assert_eq(svm_snp_report_parse(r, rlen, &rep, NULL), 0);
	fx_open(&f, T_SNP);
	install_updater(&f);
	uint8_t *w, *code;
	size_t wlen, clen;
	register_model(&f, (const uint8_t(*)[48])rep.measurement, 1, &w, &wlen, &code, &clen);
	hv_t h;
	hv_job(&f, &h, w, wlen, code, clen);
	blocks(&f, 1);
	cr_assert_eq(hv_reveal(&f, &h, SVM_AI_TEE_SNP, r, rlen, k, klen), ST(SVM_ENOTFOUND),
		     "no Milan chain in chain state");
	cr_assert_eq(put_snp(&f, 1, "sev-snp/go-sev-guest/ask_ark_milan.pem"), 0);
	r[0x50] ^= 1; /* report data: the signature fails */
	cr_assert_eq(hv_reveal(&f, &h, SVM_AI_TEE_SNP, r, rlen, k, klen), ST(SVM_ESIG));
	r[0x50] ^= 1;
	cr_assert_eq(hv_reveal(&f, &h, SVM_AI_TEE_SNP, r, rlen, k, klen), ST(SVM_EPROOF));
	free(r);
	free(k);
	free(w);
	free(code);
	fx_close(&f);
}

/* ------------------------------------------------------------ pins changed by governance */

/* Submits (and votes yes on) an attestation-pins proposal with this body; its id, or the
 * submission's receipt status when it is refused. */
static int submit_pins(fx_t *f, const uint8_t *body, size_t len, svm_id_t *prop)
{
	svm_buf_t p = {0};
	cr_assert_eq(svm_gov_submit_payload(&p, SVM_PROPOSAL_ATTEST_PINS, 1, body, len), 0);
	svm_gov_proposal_id(&f->k[0].id, f->nonce[0], prop);
	int st = send(f, 0, &p);
	if (st) return st;
	cr_assert_eq(svm_gov_payload(&p, SVM_GOV_VOTE, prop, &f->k[0].id, SVM_VOTE_YES), 0);
	cr_assert_eq(send(f, 0, &p), 0, "vote");
	return 0;
}

static void pins_body(const svm_attest_pins_t *pins, svm_buf_t *out)
{
	out->len = 0;
	cr_assert_eq(svm_attest_pins_encode(pins, out), 0);
}

static int execute(fx_t *f, const svm_id_t *prop)
{
	svm_buf_t p = {0};
	cr_assert_eq(svm_gov_payload(&p, SVM_GOV_EXECUTE, prop, NULL, 0), 0);
	return send(f, 3, &p);
}

/* The pins are chain state that a governance proposal (kind attest_pins) replaces when it is
 * executed: a real Milan SNP report, chained to Milan's ARK, verifies up to its (unbinding)
 * report data under the built-in pins, is refused once a proposal pinning Genoa's ARK and
 * another Intel root is executed — Genoa's chain is then accepted, Milan's refused, Intel's real
 * collateral refused — and verifies again once a second proposal pins Milan's ARK; malformed
 * pin lists are refused at submission. */
Test(collateral, a_governance_proposal_replaces_the_pins_and_evidence_follows_them)
{
	fx_t f;
	size_t rlen, klen;
	uint8_t *r = vec("sev-snp/go-sev-guest/attestation.bin", &rlen);
	uint8_t *k = vec("sev-snp/go-sev-guest/vcek.testcer", &klen);
	svm_snp_report_t rep;
	cr_assert_eq(svm_snp_report_parse(r, rlen, &rep, NULL), 0);
	tdxcol_t t;
	tdx_collateral(&t);
	fx_open(&f, T_SNP); /* no genesis pins: the built-in ones (Milan, Genoa, Turin, Intel) */
	install_updater(&f);
	const svm_attest_pins_t *def = svm_attest_pins_default();
	svm_buf_t body = {0};
	svm_id_t p_genoa, p_milan, bad;
	/* refused at submission: no pin at all, a trailing byte, more pins than allowed */
	svm_attest_pins_t none = {0};
	pins_body(&none, &body);
	cr_assert_eq(submit_pins(&f, body.data, body.len, &bad), ST(SVM_EDECODE), "an empty pin list");
	svm_attest_pins_t genoa = {.n_amd_ark = 1, .n_intel_root = 1};
	genoa.amd_ark[0] = def->amd_ark[1];      /* ARK-Genoa */
	memset(genoa.intel_root[0].b, 0x5a, 32); /* not Intel's root */
	pins_body(&genoa, &body);
	cr_assert_eq(svm_buf_push(&body, 0), 0);
	cr_assert_eq(submit_pins(&f, body.data, body.len, &bad), ST(SVM_EDECODE), "a trailing byte");
	body.data[0] = SVM_ATTEST_PINS_MAX + 1;
	cr_assert_eq(submit_pins(&f, body.data, body.len, &bad), ST(SVM_EDECODE), "too many pins");
	/* two proposals voted now, executed later */
	pins_body(&genoa, &body);
	cr_assert_eq(submit_pins(&f, body.data, body.len, &p_genoa), 0);
	svm_attest_pins_t milan = {.n_amd_ark = 1};
	milan.amd_ark[0] = def->amd_ark[0]; /* ARK-Milan */
	pins_body(&milan, &body);
	cr_assert_eq(submit_pins(&f, body.data, body.len, &p_milan), 0);
	cr_assert_eq(put_snp(&f, 1, "sev-snp/go-sev-guest/ask_ark_milan.pem"), 0);
	uint8_t *w, *code;
	size_t wlen, clen;
	register_model(&f, (const uint8_t(*)[48])rep.measurement, 1, &w, &wlen, &code, &clen);
	hv_t h;
	hv_job(&f, &h, w, wlen, code, clen);
	blocks(&f, 1);
	cr_assert_eq(hv_reveal(&f, &h, SVM_AI_TEE_SNP, r, rlen, k, klen), ST(SVM_EPROOF),
		     "under the built-in pins the evidence verifies (its report data does not bind the job)");
	/* the Genoa proposal executed: from this block on, Milan's ARK is not pinned */
	cr_assert_eq(execute(&f, &p_genoa), 0);
	svm_id_t id;
	svm_buf_t ob = {0};
	svm_object_t o;
	svm_attest_pins_t back;
	svm_attest_pins_id(&id);
	cr_assert_eq(svm_chain_object(f.c, &id, &ob), 0, "the pins object written by the execution");
	cr_assert_eq(svm_object_decode(ob.data, ob.len, &o, NULL), 0);
	cr_assert_eq(svm_attest_pins_decode(o.payload, o.payload_len, &back), 0);
	cr_assert_eq(memcmp(&back, &genoa, sizeof genoa), 0);
	svm_buf_free(&ob);
	cr_assert_eq(hv_reveal(&f, &h, SVM_AI_TEE_SNP, r, rlen, k, klen), ST(SVM_EPERM),
		     "evidence chained to the old pin is refused");
	cr_assert_eq(put_snp(&f, 1, "sev-snp/virtee-sev/cert_chain_milan"), ST(SVM_EPERM), "Milan's chain too");
	cr_assert_eq(put_snp(&f, 1, "sev-snp/go-sev-guest/ask_ark_genoa.pem"), 0, "the new pin accepted");
	cr_assert_eq(execute(&f, &p_genoa), ST(SVM_ESTATE), "executed once");
	/* the Milan proposal executed: the same evidence verifies again */
	cr_assert_eq(execute(&f, &p_milan), 0);
	cr_assert_eq(hv_reveal(&f, &h, SVM_AI_TEE_SNP, r, rlen, k, klen), ST(SVM_EPROOF),
		     "verifies under the re-pinned ARK");
	/* and Intel's real collateral is refused: this chain pins no Intel root any more */
	f.now = T_TDX;
	cr_assert_eq(put_tdx(&f, 1, &t.col), ST(SVM_EPERM));
	svm_buf_free(&body);
	tdxcol_free(&t);
	free(r);
	free(k);
	free(w);
	free(code);
	fx_close(&f);
}

/* ------------------------------------------------------------ the high-value path, hardware aside */

/* The AMD chain of the real one's shape is tests/lib/teetest.c's (tt_snp_make): ARK-Milan
 * (self-signed) → SEV-Milan → a VCEK (P-384, productName Milan-B0, the four TCB SPLs and a
 * 64-byte hwID), every certificate RSA-PSS/SHA-384 — what the AMD secure processor's VCEK and
 * AMD's KDS would give a worker in an SNP guest, with the test's keys in place of AMD's. The
 * genesis pins this ARK, so only the report's producer differs from production. */

/* After an accepted reveal of job h by worker 2: the receipt meets high-value and carries evidence
 * of `kind` (of tee_len bytes when nonzero); the job settles and pays the worker 250 %, less the
 * burn, only after 14 × the challenge window (the high-value window). */
static void hv_paid(fx_t *f, const hv_t *h, uint8_t kind, size_t tee_len)
{
	svm_id_t vid;
	svm_ai_vcr_id(&h->job, &f->k[2].id, &vid);
	svm_buf_t b = {0};
	cr_assert_eq(svm_chain_object(f->c, &vid, &b), 0);
	svm_object_t o;
	svm_ai_vcr_t v;
	cr_assert_eq(svm_object_decode(b.data, b.len, &o, NULL), 0);
	cr_assert_eq(svm_ai_vcr_decode(o.payload, o.payload_len, &v), 0);
	cr_assert_eq(v.level, SVM_VERIFY_HIGH_VALUE, "the receipt meets high-value");
	cr_assert_eq(v.tee[0], kind, "and carries the evidence");
	if (tee_len) cr_assert_eq(v.tee_len, tee_len, "all of it");
	svm_buf_free(&b);
	svm_buf_t p = {0};
	cr_assert_eq(svm_ai_job_payload(&p, SVM_JOBS_SETTLE, &h->job), 0);
	cr_assert_eq(send(f, 2, &p), 0, "settle");
	svm_params_t prm;
	cr_assert_eq(svm_chain_params(f->c, &prm), 0);
	svm_id_t aic;
	svm_token_id("AIC", &aic);
	uint64_t before = 0, after = 0;
	cr_assert_eq(svm_chain_balance(f->c, &aic, &f->k[2].id, &before), 0);
	cr_assert_eq(svm_ai_job_payload(&p, SVM_JOBS_CLAIM, &h->job), 0);
	cr_assert_eq(send(f, 3, &p), ST(SVM_ESTATE), "not before the high-value window");
	blocks(f, (int)(prm.ai_challenge_window_blocks * 14));
	cr_assert_eq(svm_ai_job_payload(&p, SVM_JOBS_CLAIM, &h->job), 0);
	cr_assert_eq(send(f, 3, &p), 0, "claim after 14 × the window");
	cr_assert_eq(svm_chain_balance(f->c, &aic, &f->k[2].id, &after), 0);
	uint64_t gross = 1000 * 250 / 100;
	cr_assert_eq(after - before, gross - gross * prm.ai_burn_bps / 10000, "paid at 250 %%, less the burn");
	svm_buf_free(&p);
}

/* The report data a worker's enclave would put in its report for job h: the binding hash. */
static void hv_binding(const hv_t *h, const svm_hash_t *output_hash, uint8_t rd[64])
{
	svm_vcr_binding_t b = {.job_id = h->job, .model_hash = h->weights_hash, .code_hash = h->code_hash, .seed = svm_get_u64be(h->job.b), .output_hash = *output_hash};
	svm_sha256(h->input, 784, &b.input_hash);
	memset(rd, 0, 64);
	svm_vcr_binding_hash(&b, (svm_hash_t *)rd);
}

/* Everything of a high-value job but the enclave: a chain whose genesis pins a test ARK holds its
 * ASK/ARK chain (put_snp_chain through the updater), the model allows a measurement, the worker
 * reveals an SNP report that binds the job — signed by the test's VCEK where a CPU would sign
 * it — and the reveal accepts it: the receipt meets level 2 (high-value), the job settles and
 * pays the provider 250 % after the 280-block window. The same checks refuse what an enclave
 * could not produce: a flipped bit (ESIG), a report for another output (EPROOF), a debuggable
 * guest and an unknown measurement (EPERM). */
Test(collateral, a_high_value_job_revealed_with_snp_evidence_under_a_pinned_root_meets_level_2_and_is_paid)
{
	tt_snp_t a;
	cr_assert_eq(tt_snp_make(&a, (int64_t)T_SNP), 0);
	svm_attest_pins_t pins = {.n_amd_ark = 1};
	cr_assert_eq(tt_snp_ark_sha256(&a, &pins.amd_ark[0]), 0);
	fx_t f;
	fx_open_pins(&f, T_SNP, &pins);
	install_updater(&f);
	svm_buf_t p = {0};
	cr_assert_eq(svm_attest_put_snp_payload(&p, a.chain_pem.data, a.chain_pem.len), 0);
	cr_assert_eq(send(&f, 1, &p), 0, "the test ARK's chain is stored (pinned at genesis)");
	uint8_t meas[2][48];
	memset(meas[0], 0x5A, 48);
	memset(meas[1], 0x6B, 48);
	uint8_t *w, *code;
	size_t wlen, clen;
	register_model(&f, (const uint8_t(*)[48])meas[0], 1, &w, &wlen, &code, &clen);
	hv_t h;
	hv_job(&f, &h, w, wlen, code, clen);
	blocks(&f, 1);
	svm_hash_t oh, other;
	svm_sha256(h.out, h.out_len, &oh);
	other = oh;
	other.b[0] ^= 1;
	uint8_t rd[64], rep[SVM_SNP_REPORT_SIZE];
	/* what an enclave could not produce is refused */
	hv_binding(&h, &other, rd);
	cr_assert_eq(tt_snp_report(&a, rd, meas[0], 0x30000, rep), 0);
	cr_assert_eq(hv_reveal(&f, &h, SVM_AI_TEE_SNP, rep, sizeof rep, a.vcek_der, a.vcek_der_len),
		     ST(SVM_EPROOF), "a report for another output");
	hv_binding(&h, &oh, rd);
	cr_assert_eq(tt_snp_report(&a, rd, meas[1], 0x30000, rep), 0);
	cr_assert_eq(hv_reveal(&f, &h, SVM_AI_TEE_SNP, rep, sizeof rep, a.vcek_der, a.vcek_der_len),
		     ST(SVM_EPERM), "a measurement the manifest does not allow");
	cr_assert_eq(tt_snp_report(&a, rd, meas[0], 0x30000 | 1ull << 19, rep), 0);
	cr_assert_eq(hv_reveal(&f, &h, SVM_AI_TEE_SNP, rep, sizeof rep, a.vcek_der, a.vcek_der_len),
		     ST(SVM_EPERM), "a debuggable guest");
	cr_assert_eq(tt_snp_report(&a, rd, meas[0], 0x30000, rep), 0);
	rep[0x90] ^= 1;
	cr_assert_eq(hv_reveal(&f, &h, SVM_AI_TEE_SNP, rep, sizeof rep, a.vcek_der, a.vcek_der_len),
		     ST(SVM_ESIG), "a bit of the signed report flipped");
	rep[0x90] ^= 1;
	/* the report an enclave running this job would write */
	cr_assert_eq(hv_reveal(&f, &h, SVM_AI_TEE_SNP, rep, sizeof rep, a.vcek_der, a.vcek_der_len), 0,
		     "accepted: verified under the pinned root, bound to the job, measurement allowed");
	hv_paid(&f, &h, SVM_AI_TEE_SNP, 1 + sizeof rep + a.vcek_der_len);
	svm_buf_free(&p);
	free(w);
	free(code);
	tt_snp_free(&a);
	fx_close(&f);
}

/* ------------------------------------------------------------ TDX's high-value path, hardware aside */

/* A collateral set of the test PKI t: issued an hour before `at`, current for `hours`. */
static void tdx_set(const tt_tdx_t *t, uint64_t at, int hours, uint64_t eval, const char *status,
		    bool revoke_pck, svm_buf_t *store, svm_tdx_collateral_t *col)
{
	tt_tdx_col_opt_t o = {.issued = (int64_t)at - 3600, .next_update = (int64_t)at + hours * 3600ll, .eval = eval, .status = status, .revoke_pck = revoke_pck};
	cr_assert_eq(tt_tdx_collateral(t, &o, store, col), 0);
}

static int tdx_reveal(fx_t *f, hv_t *h, const tt_tdx_t *t, const tt_quote_opt_t *o)
{
	svm_buf_t q = {0};
	cr_assert_eq(tt_tdx_quote(t, o, &q), 0);
	int st = hv_reveal(f, h, SVM_AI_TEE_TDX, q.data, q.len, NULL, 0);
	svm_buf_free(&q);
	return st;
}

/* The same for Intel TDX: a test PKI of the real shape (root CA → PCK platform CA → PCK with the
 * SGX extension: FMSPC, 16 TCB components, PCE SVN; a TCB signing certificate) whose root the
 * genesis pins; collateral sets (TCB info and QE identity signed on their exact bytes, root CA
 * and PCK CRLs) stored through the updater; a DCAP v4 quote whose REPORTDATA binds the job, its
 * QE report binding the attestation key and signed by the PCK key — what a TD and Intel's
 * Quoting Enclave would produce, signed with the test's keys. Refused first, each with nothing
 * changed: a TCB status the rules reject (OutOfDate), a revoked PCK, a flipped bit of the TCB
 * info (put_tdx), of the quote's body and of the PCK certificate's signature, another root, an
 * MRTD the manifest does not allow, a debuggable TD, report data for another output, and the
 * stored set once the block time is past its nextUpdate; then a fresh set, and the quote an
 * enclave running this job would produce is accepted: level 2 met, paid at 250 %. */
Test(collateral, a_high_value_job_revealed_with_a_tdx_quote_under_a_pinned_root_meets_level_2_and_is_paid)
{
	tt_tdx_t t, other;
	cr_assert_eq(tt_tdx_make(&t, (int64_t)T_TDX), 0);
	cr_assert_eq(tt_tdx_make(&other, (int64_t)T_TDX), 0);
	svm_attest_pins_t pins = {.n_intel_root = 1};
	cr_assert_eq(tt_tdx_root_sha256(&t, &pins.intel_root[0]), 0);
	svm_buf_t store = {0}, q = {0};
	svm_tdx_collateral_t col;
	uint8_t mrtd[2][48];
	memset(mrtd[0], 0x4D, 48);
	memset(mrtd[1], 0x6B, 48);
	/* the verifier alone, first: the test quote and collateral verify, UpToDate */
	tdx_set(&t, T_TDX, 24, 1, NULL, false, &store, &col);
	cr_assert_eq(tt_tdx_quote(&t, &(tt_quote_opt_t){.mrtd = mrtd[0]}, &q), 0);
	svm_tdx_result_t res;
	svm_error_t err = {0};
	cr_assert_eq(svm_tdx_verify(q.data, q.len, &col, (int64_t)T_TDX, &pins, SVM_ATTEST_TCB_ACCEPTED,
				    &res, &err),
		     0, "%s", err.msg);
	cr_assert_eq(res.status, SVM_TCB_UP_TO_DATE);
	cr_assert_eq(memcmp(res.fmspc, t.fmspc, 6), 0, "the FMSPC read from the PCK's SGX extension");
	cr_assert_eq(memcmp(res.quote.mrtd, mrtd[0], 48), 0);
	cr_assert_eq(res.collateral_expiry, (int64_t)T_TDX + 24 * 3600, "the sets' nextUpdate");
	svm_tdx_collateral_info_t info;
	cr_assert_eq(svm_tdx_collateral_check(&col, (int64_t)T_TDX, &pins, &info, &err), 0, "%s", err.msg);
	cr_assert_eq(info.tcb_eval, 1);
	/* and the verifier names why the chain refuses the two sets below */
	tdx_set(&t, T_TDX, 24, 1, "OutOfDate", false, &store, &col);
	cr_assert_eq(svm_tdx_verify(q.data, q.len, &col, (int64_t)T_TDX, &pins, SVM_ATTEST_TCB_ACCEPTED,
				    &res, &err),
		     SVM_EPERM);
	cr_assert_eq(res.status, SVM_TCB_OUT_OF_DATE, "%s", err.msg);
	tdx_set(&t, T_TDX, 24, 2, NULL, true, &store, &col);
	cr_assert_eq(svm_tdx_verify(q.data, q.len, &col, (int64_t)T_TDX, &pins, SVM_ATTEST_TCB_ACCEPTED,
				    &res, &err),
		     SVM_EPERM);
	cr_assert(strstr(err.msg, "PCK certificate: revoked"), "%s", err.msg);
	svm_buf_free(&q);

	fx_t f;
	fx_open_pins(&f, T_TDX, &pins);
	install_updater(&f);
	uint8_t *w, *code;
	size_t wlen, clen;
	register_model(&f, (const uint8_t(*)[48])mrtd[0], 1, &w, &wlen, &code, &clen);
	hv_t h;
	hv_job(&f, &h, w, wlen, code, clen);
	blocks(&f, 1);
	svm_hash_t oh, other_out;
	svm_sha256(h.out, h.out_len, &oh);
	other_out = oh;
	other_out.b[0] ^= 1;
	uint8_t rd[64], rd_other[64];
	hv_binding(&h, &oh, rd);
	hv_binding(&h, &other_out, rd_other);
	const tt_quote_opt_t good = {.report_data = rd, .mrtd = mrtd[0]};
	cr_assert_eq(tdx_reveal(&f, &h, &t, &good), ST(SVM_ENOTFOUND), "no collateral for the FMSPC yet");
	/* a TCB status the rules reject: Intel's newer evaluation puts this platform OutOfDate */
	tdx_set(&t, f.now, 24, 1, "OutOfDate", false, &store, &col);
	cr_assert_eq(put_tdx(&f, 1, &col), 0, "stored: status is the quote's, not the set's");
	cr_assert_eq(tdx_reveal(&f, &h, &t, &good), ST(SVM_EPERM), "TCB status OutOfDate");
	/* the PCK revoked in the PCK CRL */
	tdx_set(&t, f.now, 24, 2, NULL, true, &store, &col);
	cr_assert_eq(put_tdx(&f, 1, &col), 0);
	cr_assert_eq(tdx_reveal(&f, &h, &t, &good), ST(SVM_EPERM), "the PCK is revoked");
	/* a current set for two hours; a flipped bit of its TCB info is refused at storage */
	tdx_set(&t, f.now, 2, 3, NULL, false, &store, &col);
	((uint8_t *)col.tcb_info.p)[60] ^= 2;
	cr_assert_eq(put_tdx(&f, 1, &col), ST(SVM_ESIG), "a bit of the TCB info flipped");
	((uint8_t *)col.tcb_info.p)[60] ^= 2;
	((uint8_t *)col.pck_crl_der.p)[col.pck_crl_der.len - 1] ^= 1;
	cr_assert_eq(put_tdx(&f, 1, &col), ST(SVM_ESIG), "a bit of the PCK CRL's signature flipped");
	((uint8_t *)col.pck_crl_der.p)[col.pck_crl_der.len - 1] ^= 1;
	svm_buf_t ostore = {0};
	svm_tdx_collateral_t ocol;
	tdx_set(&other, f.now, 24, 9, NULL, false, &ostore, &ocol);
	cr_assert_eq(put_tdx(&f, 1, &ocol), ST(SVM_EPERM), "collateral under another root");
	svm_buf_free(&ostore);
	cr_assert_eq(put_tdx(&f, 1, &col), 0, "stored");
	/* what an enclave could not produce */
	cr_assert_eq(tt_tdx_quote(&t, &good, &q), 0);
	q.data[SVM_TDX_HEADER_SIZE + 520] ^= 1; /* REPORTDATA, under the quote signature */
	cr_assert_eq(hv_reveal(&f, &h, SVM_AI_TEE_TDX, q.data, q.len, NULL, 0), ST(SVM_ESIG),
		     "a bit of the quote's body flipped");
	svm_buf_free(&q);
	cr_assert_eq(tdx_reveal(&f, &h, &t, &(tt_quote_opt_t){.report_data = rd, .mrtd = mrtd[0], .flip_pck_sig = true}),
		     ST(SVM_ESIG), "a bit of the PCK certificate's signature flipped");
	cr_assert_eq(tdx_reveal(&f, &h, &other, &good), ST(SVM_EPERM), "a PCK chain to another root");
	cr_assert_eq(tdx_reveal(&f, &h, &t, &(tt_quote_opt_t){.report_data = rd, .mrtd = mrtd[1]}),
		     ST(SVM_EPERM), "an MRTD the manifest does not allow");
	cr_assert_eq(tdx_reveal(&f, &h, &t, &(tt_quote_opt_t){.report_data = rd, .mrtd = mrtd[0], .debug = true}),
		     ST(SVM_EPERM), "a debuggable TD");
	cr_assert_eq(tdx_reveal(&f, &h, &t, &(tt_quote_opt_t){.report_data = rd_other, .mrtd = mrtd[0]}),
		     ST(SVM_EPROOF), "a quote for another output");
	/* the block time past the stored set's nextUpdate: the set is as good as absent */
	f.now += 3 * 3600;
	cr_assert_eq(tdx_reveal(&f, &h, &t, &good), ST(SVM_EEXPIRED), "the collateral is past its nextUpdate");
	cr_assert_eq(put_tdx(&f, 1, &col), ST(SVM_EEXPIRED), "and cannot be stored again");
	tdx_set(&t, f.now, 24, 4, NULL, false, &store, &col);
	cr_assert_eq(put_tdx(&f, 1, &col), 0, "the updater posts a fresh set");
	/* the quote a TD running this job would produce */
	cr_assert_eq(tdx_reveal(&f, &h, &t, &good), 0,
		     "accepted: verified under the pinned root, bound to the job, MRTD allowed");
	hv_paid(&f, &h, SVM_AI_TEE_TDX, 0);
	svm_buf_free(&store);
	free(w);
	free(code);
	tt_tdx_free(&t);
	tt_tdx_free(&other);
	fx_close(&f);
}

/* A reveal's declared access cannot name what its evidence is verified against (the AMD chain
 * of the VCEK's product, the TDX collateral of the PCK's FMSPC, the model's manifest): one that
 * carries evidence is sent dynamic, one without it keeps its strict declaration. */
Test(collateral, a_reveal_carrying_tee_evidence_is_declared_dynamic)
{
	svm_id_t job, who;
	memset(job.b, 1, 32);
	memset(who.b, 2, 32);
	uint8_t out[41] = {0}, salt[32] = {0}, sig[64] = {0}, tee[64] = {SVM_AI_TEE_SNP};
	svm_ai_trace_t t = {.present = true, .k = 4096, .steps = 1000};
	svm_id_t w[16], r[4];
	size_t nw, nr;
	bool complete;
	for (int with = 0; with < 2; with++) {
		svm_buf_t p = {0};
		cr_assert_eq(svm_ai_reveal_payload(&p, &job, out, sizeof out, salt, with ? 2 : 1,
						   with ? tee : NULL, with ? sizeof tee : 0, &t, sig),
			     0);
		complete = with; /* the opposite of what is expected */
		cr_assert_eq(svm_ai_access(&who, 0, p.data, p.len, w, 16, &nw, r, 4, &nr, &complete), 0);
		cr_assert_eq(complete, !with, "evidence %d: complete %d", with, complete);
		svm_buf_free(&p);
	}
}

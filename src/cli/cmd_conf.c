/* The confidential wallet (docs/privacy.md): `supervm conf address|view-key|view-import|deposit|
 * list|send|withdraw`. The wallet's keys derive from the Ed25519 key file's seed
 * (svm_conf_wallet_keys); a view-only wallet file holds the view key alone (it lists, never
 * spends). Its cache —
 * the height scanned through, its own outputs with their openings, and the ring outputs it has
 * seen (the decoys) — is KEYFILE.conf.json beside the key file (mode 0600), and can always be
 * rebuilt by scanning again from genesis. Spends are ring spends (method 2): each input hidden
 * in a ring of outputs from the chain, its key image checked against the registry before it
 * is sent. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "supervm/confidential.h"
#include "supervm/crypto.h"

#define CONF_FEE_LIMIT_DEFAULT 100000000
#define CONF_EXPIRY_BLOCKS 1000
#define CONF_WAIT_MS 60000
#define CONF_RING_DEFAULT 11
/* A relayed send the relay refuses as built for a stale nonce (another wallet's spend took the
 * one it quoted) or as busy is rebuilt from a fresh quote and sent again: at most this many
 * attempts in all, a busy refusal waiting CONF_RELAY_BUSY_WAIT_MS × the attempt first. */
#define CONF_RELAY_ATTEMPTS_MAX 4
#define CONF_RELAY_BUSY_WAIT_MS 250
#define CONF_POOL_MAX 4096 /* ring outputs kept as decoys (the newest) */
#define CONF_OWN_MAX 1024  /* own outputs the cache holds */
#define CONF_PATH_MAX 1024
#define CONF_OUTPUT_TOPIC "conf/output"
#define CONF_CACHE_VERSION 3 /* 3: view keys and pool heights; others are rescanned */

typedef struct {
	svm_id_t id;
	uint8_t P[32], Q[32], F[32];
	uint64_t height; /* the block that created it (decoy ages) */
} member_t;

typedef struct {
	member_t m;
	svm_conf_opening_t open;
	uint8_t p[32];
	uint64_t height;
	bool spent;
	bool has_ki;    /* view-only: its key image was imported (conf import-key-images) */
	uint8_t ki[32]; /* that key image */
} own_t;

typedef struct {
	char path[CONF_PATH_MAX + 16];
	svm_keypair_t kp;
	bool view_only; /* opened from a view-only wallet file: no spend key, kp unset */
	uint8_t s[32], vk[SVM_CONF_VIEW_KEY_BYTES], addr[SVM_CONF_ADDRESS_BYTES];
	uint64_t height; /* scanned through */
	member_t *pool;
	size_t n_pool;
	own_t *own;
	size_t n_own;
} wallet_t;

/* ------------------------------------------------------------- cache */

static void hex32(char out[65], const uint8_t b[32]) { svm_hex_encode(out, b, 32); }
static void hex64(char out[129], const uint8_t b[64]) { svm_hex_encode(out, b, 64); }

static int jhex32(json_t *o, const char *k, uint8_t out[32])
{
	const char *s = json_string_value(json_object_get(o, k));
	return s && svm_hex_decode(out, 32, s) == 0 ? 0 : -1;
}

static void wallet_free(wallet_t *w)
{
	svm_keypair_wipe(&w->kp);
	sodium_memzero(w->s, sizeof w->s);
	sodium_memzero(w->vk, sizeof w->vk);
	if (w->own) sodium_memzero(w->own, CONF_OWN_MAX * sizeof *w->own);
	svm_free(w->own);
	svm_free(w->pool);
}

static int member_from_json(json_t *o, member_t *m)
{
	m->height = cli_ju64(json_object_get(o, "height"));
	return jhex32(o, "id", m->id.b) || jhex32(o, "P", m->P) || jhex32(o, "Q", m->Q) ||
			       jhex32(o, "F", m->F) || !json_is_integer(json_object_get(o, "height"))
		       ? -1
		       : 0;
}

static json_t *member_json(const member_t *m)
{
	char id[65], P[65], Q[65], F[65];
	hex32(id, m->id.b), hex32(P, m->P), hex32(Q, m->Q), hex32(F, m->F);
	return json_pack("{s:s, s:s, s:s, s:s, s:I}", "id", id, "P", P, "Q", Q, "F", F, "height",
			 (json_int_t)m->height);
}

static int load_cache(cli_args_t *a, wallet_t *w)
{
	json_error_t je;
	json_t *j = json_load_file(w->path, 0, &je);
	if (!j && access(w->path, F_OK) != 0) return 0; /* no cache yet: scan from genesis */
	if (!j) return cli_fail(a, CLI_EXIT_FAIL, "%s: %s (delete it to rescan)", w->path, je.text);
	if (json_integer_value(json_object_get(j, "version")) != CONF_CACHE_VERSION) {
		json_decref(j); /* an older wallet's cache: scan again from genesis */
		return 0;
	}
	uint8_t A[SVM_CONF_ADDRESS_BYTES];
	const char *as = json_string_value(json_object_get(j, "address"));
	int bad = !as || svm_hex_decode(A, sizeof A, as) != 0 || memcmp(A, w->addr, sizeof A) != 0 ||
		  json_is_true(json_object_get(j, "view_only")) != w->view_only;
	json_t *pool = json_object_get(j, "pool"), *own = json_object_get(j, "outputs");
	if (!bad && (!json_is_array(pool) || !json_is_array(own))) bad = 1;
	w->height = cli_ju64(json_object_get(j, "height"));
	size_t i;
	json_t *v;
	for (i = 0; i < json_array_size(pool); i++) {
		v = json_array_get(pool, i);
		if (bad || w->n_pool == CONF_POOL_MAX) break;
		if (member_from_json(v, &w->pool[w->n_pool++])) bad = 1;
	}
	for (i = 0; i < json_array_size(own); i++) {
		v = json_array_get(own, i);
		if (bad || w->n_own == CONF_OWN_MAX) break;
		own_t *o = &w->own[w->n_own++];
		if (member_from_json(v, &o->m) || jhex32(v, "blind", o->open.blind) ||
		    jhex32(v, "flavor_blind", o->open.flavor_blind) || jhex32(v, "token", o->open.token.b) ||
		    (!w->view_only && jhex32(v, "p", o->p)))
			bad = 1;
		o->open.value = cli_ju64(json_object_get(v, "value"));
		o->height = cli_ju64(json_object_get(v, "height"));
		o->spent = json_is_true(json_object_get(v, "spent"));
		if (w->view_only && json_object_get(v, "key_image")) {
			if (jhex32(v, "key_image", o->ki)) bad = 1;
			o->has_ki = true;
		}
	}
	json_decref(j);
	if (bad)
		return cli_fail(a, CLI_EXIT_FAIL, "%s is not this key's wallet cache (delete it to rescan)",
				w->path);
	return 0;
}

static int save_cache(cli_args_t *a, const wallet_t *w)
{
	char A[129], tmp[CONF_PATH_MAX + 32];
	hex64(A, w->addr);
	json_t *pool = json_array(), *own = json_array();
	for (size_t i = 0; i < w->n_pool; i++) json_array_append_new(pool, member_json(&w->pool[i]));
	for (size_t i = 0; i < w->n_own; i++) {
		const own_t *o = &w->own[i];
		char b[65], fb[65], t[65], p[65];
		hex32(b, o->open.blind), hex32(fb, o->open.flavor_blind), hex32(t, o->open.token.b);
		hex32(p, o->p);
		json_t *e = member_json(&o->m);
		json_object_update_new(e, json_pack("{s:I, s:s, s:s, s:s, s:I, s:b}", "value",
						    (json_int_t)o->open.value, "blind", b, "flavor_blind", fb,
						    "token", t, "height", (json_int_t)o->height, "spent",
						    o->spent));
		if (!w->view_only) json_object_set_new(e, "p", json_string(p));
		if (w->view_only && o->has_ki) {
			char ki[65];
			hex32(ki, o->ki);
			json_object_set_new(e, "key_image", json_string(ki));
		}
		json_array_append_new(own, e);
		sodium_memzero(p, sizeof p);
	}
	json_t *j = json_pack("{s:i, s:s, s:b, s:I, s:o, s:o}", "version", CONF_CACHE_VERSION, "address", A,
			      "view_only", w->view_only, "height", (json_int_t)w->height, "outputs", own,
			      "pool", pool);
	snprintf(tmp, sizeof tmp, "%s.tmp", w->path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int rc = fd < 0 || json_dumpfd(j, fd, JSON_COMPACT) != 0;
	if (fd >= 0) rc |= close(fd) != 0;
	if (!rc) rc = rename(tmp, w->path) != 0;
	json_decref(j);
	return rc ? cli_fail(a, CLI_EXIT_FAIL, "cannot write %s: %s", w->path, strerror(errno)) : 0;
}

/* The view key of a view-only wallet file ({"view_key": 128 hex digits}); 0, 1 when the file is
 * not one, or -1 when it is one but its key is invalid. */
static int read_view_file(const char *path, uint8_t vk[SVM_CONF_VIEW_KEY_BYTES])
{
	json_t *j = json_load_file(path, 0, NULL);
	const char *h = json_string_value(json_object_get(j, "view_key"));
	uint8_t addr[SVM_CONF_ADDRESS_BYTES];
	int rc = !h ? 1
		 : svm_hex_decode(vk, SVM_CONF_VIEW_KEY_BYTES, h) || svm_conf_view_address(addr, vk)
			 ? -1
			 : 0;
	json_decref(j);
	return rc;
}

/* Opens the wallet of a key file (view = false) or of a view-only wallet file (view = true). */
static int wallet_open_as(cli_args_t *a, const char *keyfile, bool view, wallet_t *w)
{
	memset(w, 0, sizeof *w);
	if (svm_crypto_init() != 0) return cli_fail(a, CLI_EXIT_FAIL, "libsodium failed to initialise");
	if (strlen(keyfile) > CONF_PATH_MAX) return cli_fail(a, CLI_EXIT_USAGE, "key file path too long");
	svm_error_t err = {0};
	int vf = read_view_file(keyfile, w->vk);
	if (vf < 0) return cli_fail(a, CLI_EXIT_FAIL, "%s: not a valid view key", keyfile);
	if (vf == 0 && !view)
		return cli_fail(a, CLI_EXIT_FAIL,
				"%s is a view-only wallet: it lists outputs (conf list --view) but "
				"cannot spend or sign (no spend key)",
				keyfile);
	if (view && vf != 0)
		return cli_fail(a, CLI_EXIT_USAGE,
				"--view %s: not a view-only wallet file (make one with 'supervm conf "
				"view-import')",
				keyfile);
	if (view) {
		w->view_only = true;
		if (svm_conf_view_address(w->addr, w->vk)) return CLI_EXIT_FAIL; /* checked above */
	} else {
		if (svm_keyfile_read(keyfile, &w->kp, &err) != 0)
			return cli_fail(a, CLI_EXIT_FAIL, "%s (create a key with 'supervm keys new --out FILE')", err.msg);
		/* the Ed25519 seed: the secret key's first 32 bytes */
		svm_conf_wallet_keys(w->s, w->vk, w->addr, w->kp.secret_key);
	}
	snprintf(w->path, sizeof w->path, "%s.conf.json", keyfile);
	w->pool = svm_calloc(CONF_POOL_MAX, sizeof *w->pool);
	w->own = svm_calloc(CONF_OWN_MAX, sizeof *w->own);
	if (!w->pool || !w->own) return cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	return load_cache(a, w);
}

static int wallet_open(cli_args_t *a, const char *keyfile, wallet_t *w)
{
	return wallet_open_as(a, keyfile, false, w);
}

/* -------------------------------------------------------------- scan */

static void add_pool(wallet_t *w, const member_t *m)
{
	if (w->n_pool == CONF_POOL_MAX) { /* keep the newest */
		memmove(w->pool, w->pool + 1, (CONF_POOL_MAX - 1) * sizeof *w->pool);
		w->n_pool--;
	}
	w->pool[w->n_pool++] = *m;
}

/* One "conf/output" event of a committed transaction: a ring output goes to the pool, and to
 * the wallet's own outputs when its note opens. */
static void take_event(wallet_t *w, const uint8_t *d, size_t n, uint64_t height)
{
	member_t m;
	svm_id_t creator;
	uint64_t nonce;
	uint16_t index;
	const uint8_t *enc;
	size_t enc_len;
	if (n < 32) return;
	memcpy(m.id.b, d, 32);
	m.height = height;
	if (svm_conf_ring_output_decode(d + 32, n - 32, &creator, &nonce, &index, m.P, m.Q, m.F, &enc,
					&enc_len))
		return; /* a method-1 output: not ring-spendable */
	add_pool(w, &m);
	own_t o = {.m = m, .height = height};
	int rc = SVM_EPROOF;
	if (w->n_own < CONF_OWN_MAX && w->view_only) {
		rc = svm_conf_note_view(&o.open, o.p, w->vk, m.P, m.Q, m.F, enc, enc_len);
		memset(o.p, 0, 32); /* x, not a spend secret: not kept */
	} else if (w->n_own < CONF_OWN_MAX) {
		rc = svm_conf_note_open(&o.open, o.p, w->vk, w->s, m.P, m.Q, m.F, enc, enc_len);
	}
	if (rc == 0) w->own[w->n_own++] = o;
	sodium_memzero(&o, sizeof o);
}

static int scan_tx(cli_args_t *a, svm_rpc_client_t *c, wallet_t *w, json_t *tx, uint64_t height)
{
	const char *pl = json_string_value(json_object_get(tx, "payload"));
	const char *hash = json_string_value(json_object_get(tx, "hash"));
	if (!pl || !hash || strncmp(pl, "0x1802", 6) != 0) return 0; /* program 24, method 2 */
	json_t *r = NULL;
	int rc = cli_call(a, c, "svm_getTransactionReceipt", json_pack("[s]", hash), &r);
	if (rc == 0 && json_integer_value(json_object_get(r, "status")) == 0) {
		char topic[2 * sizeof CONF_OUTPUT_TOPIC + 3] = "0x";
		svm_hex_encode(topic + 2, CONF_OUTPUT_TOPIC, strlen(CONF_OUTPUT_TOPIC));
		size_t i;
		json_t *ev;
		json_t *evs = json_object_get(r, "events");
		for (i = 0; i < json_array_size(evs); i++) {
			ev = json_array_get(evs, i);
			const char *t = json_string_value(json_object_get(ev, "topic"));
			const char *d = json_string_value(json_object_get(ev, "data"));
			svm_buf_t b = {0};
			if (t && d && strcmp(t, topic) == 0 && svm_hex_decode_buf(&b, d, 4096) == 0)
				take_event(w, b.data, b.len, height);
			svm_buf_free(&b);
		}
	}
	json_decref(r);
	return rc;
}

static int refresh_spent(cli_args_t *a, svm_rpc_client_t *c, wallet_t *w);

/* Scans every block after the cache's height through the head, then asks the registry which
 * of the wallet's outputs are spent (their key images registered). */
static int wallet_sync(cli_args_t *a, svm_rpc_client_t *c, wallet_t *w)
{
	json_t *root = NULL;
	int rc = cli_call(a, c, "svm_getStateRoot", NULL, &root);
	uint64_t head = rc == 0 ? cli_ju64(json_object_get(root, "height")) : 0;
	json_decref(root);
	for (uint64_t h = w->height + 1; rc == 0 && h <= head; h++) {
		json_t *blk = NULL;
		rc = cli_call(a, c, "svm_getBlockByNumber", json_pack("[I, b]", (json_int_t)h, 1), &blk);
		size_t i;
		json_t *tx;
		json_t *txs = json_object_get(blk, "transactions");
		for (i = 0; rc == 0 && i < json_array_size(txs); i++) {
			tx = json_array_get(txs, i);
			rc = scan_tx(a, c, w, tx, h);
		}
		json_decref(blk);
		if (rc == 0) w->height = h;
		if (rc == 0 && h % 100 == 0) cli_progress(a, "scanned block %llu of %llu", (unsigned long long)h, (unsigned long long)head);
	}
	cli_progress_end(a);
	if (rc == 0) rc = refresh_spent(a, c, w);
	int s = rc == 0 ? save_cache(a, w) : rc;
	return s;
}

/* Asks the registry which outputs are spent. A full wallet makes each key image from its
 * secret; a view-only wallet cannot (it needs the spend key) and uses the key images imported
 * from the full wallet — the others' spends stay unknown. */
static int refresh_spent(cli_args_t *a, svm_rpc_client_t *c, wallet_t *w)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < w->n_own; i++) {
		own_t *o = &w->own[i];
		if (o->spent) continue;
		uint8_t I[32];
		svm_id_t kid;
		char hex[65];
		if (w->view_only && !o->has_ki) continue;
		if (w->view_only) memcpy(I, o->ki, 32);
		else if (svm_zk_clsag_key_image_base(I, SVM_ZK_BASE_BLINDING, o->p)) continue;
		svm_conf_key_image_id(I, &kid);
		json_t *r = NULL;
		svm_error_t err = {0};
		int code = 0;
		int q = svm_rpc_call(c, "svm_aiGetObject", json_pack("[s]", svm_hash_hex(&kid, hex)), &r,
				     &code, &err);
		json_decref(r);
		if (q == 0) o->spent = true; /* the registry holds its key image */
		else if (q == SVM_EIO) rc = cli_fail(a, CLI_EXIT_FAIL, "%s", err.msg);
	}
	return rc;
}

/* -------------------------------------------------------------- util */

static const char *token_name(const svm_id_t *t, char buf[65])
{
	svm_id_t x;
	svm_token_id("SWR", &x);
	if (memcmp(x.b, t->b, 32) == 0) return "SWR";
	svm_token_id("AIC", &x);
	if (memcmp(x.b, t->b, 32) == 0) return "AIC";
	hex32(buf, t->b);
	return buf;
}

static void random_scalar(uint8_t out[32])
{
	uint8_t w[64];
	randombytes_buf(w, sizeof w);
	crypto_core_ristretto255_scalar_reduce(out, w);
}

static void new_opening(svm_conf_opening_t *o, uint64_t v, const svm_id_t *token)
{
	o->value = v;
	o->token = *token;
	random_scalar(o->blind);
	random_scalar(o->flavor_blind);
}

static int parse_token(cli_args_t *a, svm_id_t *t)
{
	const char *s = cli_opt(a, "token");
	if (!s) s = "SWR";
	if (svm_token_parse(t, s) == 0) return 0;
	return cli_fail(a, CLI_EXIT_USAGE, "--token: '%s' is not SWR, AIC or a 64-hex-digit token id", s);
}

static int parse_amount(cli_args_t *a, uint64_t *v)
{
	const char *s = cli_opt(a, "amount");
	if (!s) return cli_fail(a, CLI_EXIT_USAGE, "--amount N is required");
	const char *tok = NULL;
	int rc = cli_amount_parse(a, "--amount", s, &tok, v);
	if (rc == 0 && *v == 0) return cli_fail(a, CLI_EXIT_USAGE, "--amount must be above 0");
	return rc;
}

/* Chain id and the sender's next nonce (the payload's proofs are bound to both). */
static int chain_and_nonce(cli_args_t *a, svm_rpc_client_t *c, const svm_id_t *me, uint64_t *cid,
			   uint64_t *nonce)
{
	json_t *j = NULL, *acct = NULL;
	char hex[65];
	int rc = cli_call(a, c, "svm_chainId", NULL, &j);
	if (rc == 0) *cid = cli_ju64(j);
	if (rc == 0) rc = cli_call(a, c, "svm_getAccount", json_pack("[s]", svm_hash_hex(me, hex)), &acct);
	json_t *pn = json_object_get(acct, "pending_nonce");
	if (rc == 0) *nonce = cli_ju64(pn ? pn : json_object_get(acct, "nonce"));
	json_decref(j);
	json_decref(acct);
	return rc;
}

static int submit(cli_args_t *a, const char *keyfile, const svm_buf_t *payload, uint64_t nonce)
{
	cli_txspec_t spec = {.vm = SVM_VM_NATIVE, .payload = payload->data, .payload_len = payload->len, .strict_native = true, .fee_limit = CONF_FEE_LIMIT_DEFAULT, .nonce = nonce, .have_nonce = true, .expiry_blocks = CONF_EXPIRY_BLOCKS, .timeout_ms = CONF_WAIT_MS};
	const char *v;
	if ((v = cli_opt(a, "fee-limit")) && cli_u64(a, "--fee-limit", v, &spec.fee_limit)) return CLI_EXIT_USAGE;
	if ((v = cli_opt(a, "timeout-ms")) && cli_u64(a, "--timeout-ms", v, &spec.timeout_ms)) return CLI_EXIT_USAGE;
	return cli_submit(a, keyfile, &spec);
}

static int parse_address(cli_args_t *a, const char *s, uint8_t addr[SVM_CONF_ADDRESS_BYTES])
{
	if (s && svm_hex_decode(addr, SVM_CONF_ADDRESS_BYTES, s) == 0 &&
	    svm_zk_point_check(addr) == 0 && svm_zk_point_check(addr + 32) == 0)
		return 0;
	return cli_fail(a, CLI_EXIT_USAGE,
			"--to: '%s' is not a confidential address (128 hex digits: view key and spend "
			"key; 'supervm conf address --key KEYFILE' prints one)",
			s ? s : "");
}

/* ---------------------------------------------------------- commands */

/* --key KEYFILE or --view VIEWFILE: the wallet to read. */
static int open_key_or_view(cli_args_t *a, wallet_t *w)
{
	const char *keyfile = cli_opt(a, "key"), *view = cli_opt(a, "view");
	if (!keyfile == !view) {
		memset(w, 0, sizeof *w);
		return cli_fail(a, CLI_EXIT_USAGE, "one of --key KEYFILE or --view VIEWFILE is required");
	}
	return wallet_open_as(a, keyfile ? keyfile : view, view != NULL, w);
}

int cli_cmd_conf_address(cli_args_t *a)
{
	wallet_t w;
	int rc = open_key_or_view(a, &w);
	if (rc == 0) {
		char A[129];
		hex64(A, w.addr);
		if (a->json) {
			json_t *j = json_pack("{s:s}", "address", A);
			cli_print_json(j);
			json_decref(j);
		} else {
			printf("%s\n", A);
		}
	}
	wallet_free(&w);
	return rc;
}

/* view-key: prints the key file's view key (v ‖ A), which opens every note sent to its address
 * but cannot spend. */
int cli_cmd_conf_view_key(cli_args_t *a)
{
	const char *keyfile = cli_opt(a, "key");
	if (!keyfile) return cli_fail(a, CLI_EXIT_USAGE, "--key KEYFILE is required");
	wallet_t w;
	int rc = wallet_open(a, keyfile, &w);
	if (rc == 0) {
		char vk[129], A[129];
		hex64(vk, w.vk);
		hex64(A, w.addr);
		if (a->json) {
			json_t *j = json_pack("{s:s, s:s}", "view_key", vk, "address", A);
			cli_print_json(j);
			json_decref(j);
		} else {
			printf("%s\n", vk);
		}
		sodium_memzero(vk, sizeof vk);
	}
	wallet_free(&w);
	return rc;
}

/* view-import: writes a view-only wallet file (mode 0600, never overwriting) from a view key. */
int cli_cmd_conf_view_import(cli_args_t *a)
{
	const char *hex = cli_opt(a, "view-key"), *out = cli_opt(a, "out");
	if (!hex || !out) return cli_fail(a, CLI_EXIT_USAGE, "--view-key HEX and --out FILE are required");
	uint8_t vk[SVM_CONF_VIEW_KEY_BYTES], addr[SVM_CONF_ADDRESS_BYTES];
	if (svm_crypto_init() != 0) return cli_fail(a, CLI_EXIT_FAIL, "libsodium failed to initialise");
	if (strlen(hex) != 2 * sizeof vk || svm_hex_decode(vk, sizeof vk, hex) ||
	    svm_conf_view_address(addr, vk))
		return cli_fail(a, CLI_EXIT_USAGE,
				"--view-key: not a view key (128 hex digits, as 'supervm conf view-key' "
				"prints)");
	json_t *j = json_pack("{s:s}", "view_key", hex);
	int fd = open(out, O_WRONLY | O_CREAT | O_EXCL, 0600);
	int rc = fd < 0 || json_dumpfd(j, fd, JSON_INDENT(1)) != 0;
	if (fd >= 0) rc |= close(fd) != 0;
	json_decref(j);
	sodium_memzero(vk, sizeof vk);
	if (rc) return cli_fail(a, CLI_EXIT_FAIL, "cannot create %s: %s", out, strerror(errno));
	char A[129];
	hex64(A, addr);
	if (a->json) {
		json_t *r = json_pack("{s:s, s:s}", "view_wallet", out, "address", A);
		cli_print_json(r);
		json_decref(r);
	} else {
		printf("view-only wallet %s for address %s\n", out, A);
	}
	return 0;
}

int cli_cmd_conf_list(cli_args_t *a)
{
	wallet_t w;
	svm_rpc_client_t *c = NULL;
	int rc = open_key_or_view(a, &w);
	if (rc == 0) rc = cli_client(a, &c);
	if (rc == 0) rc = wallet_sync(a, c, &w);
	if (rc == 0) {
		json_t *outs = json_array(), *bal = json_object(), *recv = json_object();
		size_t unknown = 0;
		char A[129], id[65], tb[65], amt[CLI_AMOUNT_STR_MAX];
		hex64(A, w.addr);
		if (!a->json)
			printf("address %s%s, scanned through block %llu\n", A,
			       w.view_only ? " (view-only)" : "", (unsigned long long)w.height);
		for (size_t i = 0; i < w.n_own; i++) {
			const own_t *o = &w.own[i];
			const char *tn = token_name(&o->open.token, tb);
			bool known = !w.view_only || o->has_ki; /* spent status known */
			hex32(id, o->m.id.b);
			json_array_append_new(outs, json_pack("{s:s, s:I, s:s, s:I, s:o}", "id", id, "value",
							      (json_int_t)o->open.value, "token", tn,
							      "height", (json_int_t)o->height, "spent",
							      known ? json_boolean(o->spent) : json_null()));
			json_t *cur = json_object_get(recv, tn);
			json_object_set_new(recv, tn, json_integer((cur ? json_integer_value(cur) : 0) + (json_int_t)o->open.value));
			if (!known) unknown++;
			if (known && !o->spent) {
				cur = json_object_get(bal, tn);
				json_object_set_new(bal, tn, json_integer((cur ? json_integer_value(cur) : 0) + (json_int_t)o->open.value));
			}
			if (!a->json)
				printf("%s  %s  block %llu%s\n", id, cli_amount_str(o->open.value, tn, amt),
				       (unsigned long long)o->height,
				       o->spent ? "  (spent)" : known ? ""
								      : "  (spend unknown)");
		}
		if (a->json) {
			/* view-only: "received" (every output), "unspent" (of the outputs whose key
			 * images were imported) and how many outputs' spends are unknown */
			json_t *j = json_pack("{s:s, s:b, s:I, s:o}", "address", A, "view_only", w.view_only,
					      "height", (json_int_t)w.height, "outputs", outs);
			if (w.view_only) {
				json_object_set_new(j, "received", recv);
				json_object_set_new(j, "unspent", bal);
				json_object_set_new(j, "spend_unknown", json_integer((json_int_t)unknown));
			} else {
				json_object_set_new(j, "balance", bal);
				json_decref(recv);
			}
			cli_print_json(j);
			json_decref(j);
		} else {
			if (w.view_only)
				for (void *it = json_object_iter(recv); it; it = json_object_iter_next(recv, it))
					printf("received: %s\n",
					       cli_amount_str((uint64_t)json_integer_value(json_object_iter_value(it)),
							      json_object_iter_key(it), amt));
			for (void *it = json_object_iter(bal); it; it = json_object_iter_next(bal, it))
				printf("unspent: %s\n",
				       cli_amount_str((uint64_t)json_integer_value(json_object_iter_value(it)),
						      json_object_iter_key(it), amt));
			if (unknown)
				printf("view-only: %zu outputs' spends are not visible (their key images need "
				       "the spend key: 'conf export-key-images' on the full wallet, then "
				       "'conf import-key-images' here)\n",
				       unknown);
			json_decref(outs);
			json_decref(bal);
			json_decref(recv);
		}
	}
	svm_rpc_client_free(c);
	wallet_free(&w);
	return rc;
}

int cli_cmd_conf_deposit(cli_args_t *a)
{
	const char *keyfile = cli_opt(a, "from");
	if (!keyfile) return cli_fail(a, CLI_EXIT_USAGE, "--from KEYFILE is required");
	svm_id_t token;
	uint64_t amount;
	int rc = parse_token(a, &token);
	if (rc == 0) rc = parse_amount(a, &amount);
	if (rc) return rc;
	wallet_t w;
	svm_rpc_client_t *c = NULL;
	uint8_t to[SVM_CONF_ADDRESS_BYTES];
	rc = wallet_open(a, keyfile, &w);
	if (rc == 0) memcpy(to, w.addr, sizeof to);
	if (rc == 0 && cli_opt(a, "to")) rc = parse_address(a, cli_opt(a, "to"), to);
	if (rc == 0) rc = cli_client(a, &c);
	uint64_t cid = 0, nonce = 0;
	if (rc == 0) rc = chain_and_nonce(a, c, &w.kp.id, &cid, &nonce);
	svm_buf_t p = {0};
	if (rc == 0) {
		svm_conf_opening_t o;
		uint8_t P[1][32], note[SVM_CONF_NOTE_BYTES], rs[32], seed[32];
		randombytes_buf(rs, sizeof rs);
		randombytes_buf(seed, sizeof seed);
		new_opening(&o, amount, &token);
		const uint8_t *enc[1] = {note};
		size_t enc_len[1] = {sizeof note};
		if (svm_conf_note_seal(P[0], note, to, &o, rs) ||
		    svm_conf_ring_build(&p, cid, &w.kp.id, nonce, &token, amount, 0, NULL, 0,
					(const uint8_t(*)[32])P, &o, enc, enc_len, 1, seed))
			rc = cli_fail(a, CLI_EXIT_FAIL, "cannot build the deposit");
		sodium_memzero(&o, sizeof o);
	}
	if (rc == 0) rc = submit(a, keyfile, &p, nonce);
	svm_buf_free(&p);
	svm_rpc_client_free(c);
	wallet_free(&w);
	return rc;
}

static int cmp_member(const void *x, const void *y)
{
	return memcmp(((const member_t *)x)->id.b, ((const member_t *)y)->id.b, 32);
}

/* The ring of input i: the spent output and ring_n - 1 distinct decoys from the pool, chosen
 * by age (svm_conf_decoys) from a seed of the wallet's spend secret, the nonce and i, in id
 * order (which the chain requires, and which places the spent output uniformly). */
typedef struct {
	svm_id_t ids[SVM_CONF_RING_MAX];
	uint8_t P[SVM_CONF_RING_MAX][32], Q[SVM_CONF_RING_MAX][32], F[SVM_CONF_RING_MAX][32];
} ring_t;

static int make_ring(const wallet_t *w, const own_t *o, size_t ring_n, uint64_t nonce, size_t i,
		     ring_t *r, svm_conf_ring_input_t *in)
{
	static uint64_t heights[CONF_POOL_MAX];
	member_t pick[SVM_CONF_RING_MAX];
	size_t idx[SVM_CONF_RING_MAX], real = SIZE_MAX, k = 0;
	for (size_t j = 0; j < w->n_pool; j++) {
		heights[j] = w->pool[j].height;
		if (memcmp(w->pool[j].id.b, o->m.id.b, 32) == 0) real = j;
	}
	uint8_t d[15 + 32 + 16], seed[64];
	memcpy(d, "svm/conf/rings/", 15);
	memcpy(d + 15, w->s, 32);
	svm_put_u64be(d + 47, nonce);
	svm_put_u64be(d + 55, i);
	crypto_hash_sha512(seed, d, sizeof d);
	sodium_memzero(d, sizeof d);
	int rc = svm_conf_decoys(idx, ring_n - 1, heights, w->n_pool, real, w->height, seed);
	sodium_memzero(seed, sizeof seed);
	if (rc) return rc;
	pick[k++] = o->m;
	for (size_t j = 0; j + 1 < ring_n; j++) pick[k++] = w->pool[idx[j]];
	qsort(pick, ring_n, sizeof pick[0], cmp_member);
	memset(in, 0, sizeof *in);
	for (size_t j = 0; j < ring_n; j++) {
		r->ids[j] = pick[j].id;
		memcpy(r->P[j], pick[j].P, 32);
		memcpy(r->Q[j], pick[j].Q, 32);
		memcpy(r->F[j], pick[j].F, 32);
		if (memcmp(pick[j].id.b, o->m.id.b, 32) == 0) in->pi = j;
	}
	in->ring_n = ring_n;
	in->ids = r->ids;
	in->P = (const uint8_t(*)[32])r->P;
	in->Q = (const uint8_t(*)[32])r->Q;
	in->F = (const uint8_t(*)[32])r->F;
	memcpy(in->p, o->p, 32);
	in->open = o->open;
	return 0;
}

/* What a relay (conf relay) said it takes: the payload is built for its identity and nonce and
 * pays it a withdraw of fee in token. */
typedef struct {
	svm_rpc_client_t *c;
	svm_id_t id, token;
	uint64_t nonce, fee, chain_id;
} relay_quote_t;

static int relay_quote(cli_args_t *a, relay_quote_t *q)
{
	json_t *j = NULL;
	svm_error_t err = {0};
	int code = 0;
	if (svm_rpc_call(q->c, "relay_info", NULL, &j, &code, &err))
		return cli_fail(a, CLI_EXIT_FAIL, "relay: %s", err.msg);
	int bad = jhex32(j, "relayer", q->id.b) || jhex32(j, "token", q->token.b) ||
		  !json_is_integer(json_object_get(j, "nonce")) || !json_is_integer(json_object_get(j, "fee"));
	q->nonce = cli_ju64(json_object_get(j, "nonce"));
	q->fee = cli_ju64(json_object_get(j, "fee"));
	q->chain_id = cli_ju64(json_object_get(j, "chain_id"));
	json_decref(j);
	return bad ? cli_fail(a, CLI_EXIT_FAIL, "relay: relay_info answered something else than a relay's quote") : 0;
}

/* Whether a relay's refusal (its JSON-RPC code) is one a fresh quote can cure: built for a
 * nonce another spend took, or the relay busy. */
static bool relay_retryable(int code)
{
	return code == svm_rpc_app_code(SVM_ENONCE) || code == svm_rpc_app_code(SVM_EBUSY);
}

/* Hands the payload to the relay, which checks, simulates, submits and waits for the receipt;
 * prints what it answered. A retryable refusal (relay_retryable) before the last attempt is
 * returned as CONF_RELAY_RETRY with the relay's reason in why (nothing printed). */
#define CONF_RELAY_RETRY (-1)
static int relay_submit_payload(cli_args_t *a, relay_quote_t *q, const svm_buf_t *p, bool last,
				int *code, char *why, size_t why_len)
{
	char *hex = svm_malloc(2 * p->len + 1);
	if (!hex) return cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	svm_hex_encode(hex, p->data, p->len);
	json_t *r = NULL;
	svm_error_t err = {0};
	*code = 0;
	int rc = svm_rpc_call(q->c, "relay_submit", json_pack("[s, I]", hex, (json_int_t)q->nonce), &r, code, &err);
	svm_free(hex);
	if (rc && !last && relay_retryable(*code)) {
		snprintf(why, why_len, "%s", err.msg);
		return CONF_RELAY_RETRY;
	}
	if (rc) return cli_fail(a, CLI_EXIT_FAIL, "the relay refused it: %s", err.msg);
	int st = (int)json_integer_value(json_object_get(r, "status"));
	if (a->json) {
		cli_print_json(r);
	} else {
		char amt[CLI_AMOUNT_STR_MAX], tb[65];
		printf("%s\nstatus: %s (relayed; the relay's fee %s)\n", json_string_value(json_object_get(r, "tx_hash")),
		       json_is_null(json_object_get(r, "status")) ? "pending" : json_string_value(json_object_get(r, "status_name")),
		       cli_amount_str(cli_ju64(json_object_get(r, "relay_fee")), token_name(&q->token, tb), amt));
	}
	rc = json_is_null(json_object_get(r, "status")) ? cli_fail(a, CLI_EXIT_FAIL, "the relay has no receipt yet")
	     : st == 0                                  ? 0
							: CLI_EXIT_FAIL;
	json_decref(r);
	return rc;
}

/* Builds the ring spend of sel[n_in] (opened to at least amount + the relay's fee) for
 * (sender, nonce): to `to` (a send) or the sender's public balance (a withdraw), change back to
 * the wallet, and with a relay quote rq a withdraw of its fee in its token. */
static int build_spend(cli_args_t *a, wallet_t *w, const own_t *const *sel, size_t n_in,
		       uint64_t ring_n, uint64_t cid, const svm_id_t *sender, uint64_t nonce, bool withdraw,
		       const relay_quote_t *rq, const svm_id_t *token, const uint8_t *to, uint64_t amount,
		       uint64_t change, svm_buf_t *p)
{
	int rc = 0;
	static ring_t rings[SVM_CONF_RING_INPUTS_MAX];
	svm_conf_ring_input_t in[SVM_CONF_RING_INPUTS_MAX];
	for (size_t i = 0; i < n_in && rc == 0; i++)
		if (make_ring(w, sel[i], (size_t)ring_n, nonce, i, &rings[i], &in[i]))
			rc = CLI_EXIT_FAIL; /* reported below */
	svm_conf_opening_t op[2];
	uint8_t keys[2][32], notes[2][SVM_CONF_NOTE_BYTES], rs[32], seed[32];
	const uint8_t *enc[2] = {notes[0], notes[1]};
	size_t enc_len[2] = {SVM_CONF_NOTE_BYTES, SVM_CONF_NOTE_BYTES}, n_out = 0;
	if (!withdraw) {
		new_opening(&op[n_out], amount, token);
		randombytes_buf(rs, sizeof rs);
		if (svm_conf_note_seal(keys[n_out], notes[n_out], to, &op[n_out], rs)) rc = CLI_EXIT_FAIL;
		n_out++;
	}
	if (change) {
		new_opening(&op[n_out], change, token);
		randombytes_buf(rs, sizeof rs);
		if (svm_conf_note_seal(keys[n_out], notes[n_out], w->addr, &op[n_out], rs)) rc = CLI_EXIT_FAIL;
		n_out++;
	}
	static const svm_id_t zero;
	randombytes_buf(seed, sizeof seed);
	if (rc == 0 &&
	    svm_conf_ring_build(p, cid, sender, nonce, withdraw || rq ? token : &zero, 0,
				withdraw ? amount : rq ? rq->fee
						       : 0,
				in, n_in, (const uint8_t(*)[32])keys, op,
				enc, enc_len, n_out, seed))
		rc = CLI_EXIT_FAIL;
	if (rc) rc = cli_fail(a, CLI_EXIT_FAIL, "cannot build the ring spend");
	sodium_memzero(in, sizeof in);
	sodium_memzero(op, sizeof op);
	return rc;
}

/* send (to != NULL: amount to that address, change back) or withdraw (amount to the sender's
 * public balance, change back). With --relay URL (send only), the relay is the transaction's
 * sender: the spend pays it its fee from the inputs and it submits it. */
static int spend(cli_args_t *a, bool withdraw)
{
	const char *keyfile = cli_opt(a, "from");
	if (!keyfile) return cli_fail(a, CLI_EXIT_USAGE, "--from KEYFILE is required");
	svm_id_t token;
	uint64_t amount, ring_n = CONF_RING_DEFAULT;
	const char *v;
	int rc = parse_token(a, &token);
	if (rc == 0) rc = parse_amount(a, &amount);
	if (rc == 0 && (v = cli_opt(a, "ring")) && cli_u64(a, "--ring", v, &ring_n)) rc = CLI_EXIT_USAGE;
	if (rc == 0 && (ring_n == 0 || ring_n > SVM_CONF_RING_MAX))
		rc = cli_fail(a, CLI_EXIT_USAGE, "--ring must be 1..%d", SVM_CONF_RING_MAX);
	if (rc) return rc;
	wallet_t w;
	svm_rpc_client_t *c = NULL;
	uint8_t to[SVM_CONF_ADDRESS_BYTES];
	relay_quote_t rq = {0};
	const char *relay = withdraw ? NULL : cli_opt(a, "relay");
	rc = wallet_open(a, keyfile, &w);
	if (rc == 0 && relay) {
		svm_error_t err = {0};
		if (svm_rpc_client_new(&rq.c, relay, 2 * CONF_WAIT_MS, &err))
			rc = cli_fail(a, CLI_EXIT_USAGE, "--relay: %s", err.msg);
		if (rc == 0) rc = relay_quote(a, &rq);
		char tb[65], tb2[65];
		if (rc == 0 && memcmp(rq.token.b, token.b, 32))
			rc = cli_fail(a, CLI_EXIT_USAGE, "the relay takes its fee in %s, the same token as the transfer: use --token %s (not %s)",
				      token_name(&rq.token, tb), token_name(&rq.token, tb), token_name(&token, tb2));
	}
	if (rc == 0 && !withdraw) {
		v = cli_opt(a, "to");
		rc = v ? parse_address(a, v, to) : cli_fail(a, CLI_EXIT_USAGE, "--to ADDRESS is required");
	}
	if (rc == 0) rc = cli_client(a, &c);
	if (rc == 0) rc = wallet_sync(a, c, &w);
	/* inputs: --input ID first (even one the wallet knows is spent: the chain then refuses
	 * it), then the largest unspent outputs of the token, at most SVM_CONF_RING_INPUTS_MAX */
	const own_t *sel[SVM_CONF_RING_INPUTS_MAX];
	size_t n_in = 0;
	unsigned __int128 have = 0;
	bool taken[CONF_OWN_MAX] = {false};
	if (rc == 0 && (v = cli_opt(a, "input"))) {
		svm_hash_t want;
		size_t i = 0;
		rc = cli_hash(a, "--input", v, &want);
		while (rc == 0 && i < w.n_own && memcmp(w.own[i].m.id.b, want.b, 32)) i++;
		if (rc == 0 && i == w.n_own)
			rc = cli_fail(a, CLI_EXIT_FAIL, "--input %s is not one of this wallet's outputs", v);
		else if (rc == 0 && memcmp(w.own[i].open.token.b, token.b, 32))
			rc = cli_fail(a, CLI_EXIT_USAGE, "--input %s holds another token than --token", v);
		if (rc == 0) {
			if (w.own[i].spent)
				fprintf(stderr, "supervm %s: output %s is already spent; sending as --input asks\n",
					a->cmd, v);
			taken[i] = true;
			sel[n_in++] = &w.own[i];
			have += w.own[i].open.value;
		}
	}
	uint64_t need = amount;
	if (rq.c && __builtin_add_overflow(amount, rq.fee, &need))
		rc = cli_fail(a, CLI_EXIT_USAGE, "--amount plus the relay's fee overflows");
	while (rc == 0 && have < need && n_in < SVM_CONF_RING_INPUTS_MAX) {
		size_t best = SIZE_MAX;
		for (size_t i = 0; i < w.n_own; i++) {
			const own_t *o = &w.own[i];
			if (o->spent || taken[i] || memcmp(o->open.token.b, token.b, 32)) continue;
			if (best == SIZE_MAX || o->open.value > w.own[best].open.value) best = i;
		}
		if (best == SIZE_MAX) break;
		taken[best] = true;
		sel[n_in++] = &w.own[best];
		have += w.own[best].open.value;
	}
	char amt[CLI_AMOUNT_STR_MAX], tb[65];
	if (rc == 0 && have < need)
		rc = cli_fail(a, CLI_EXIT_FAIL, "not enough unspent confidential %s: %s in at most %d outputs",
			      token_name(&token, tb), cli_amount_str((uint64_t)have, token_name(&token, tb), amt),
			      SVM_CONF_RING_INPUTS_MAX);
	if (rc == 0 && w.n_pool < ring_n)
		rc = cli_fail(a, CLI_EXIT_FAIL, "only %zu ring outputs on chain for a ring of %llu (use --ring %zu)",
			      w.n_pool, (unsigned long long)ring_n, w.n_pool);
	uint64_t cid = 0, nonce = 0;
	svm_id_t sender = w.kp.id;
	if (rc == 0 && !rq.c) rc = chain_and_nonce(a, c, &w.kp.id, &cid, &nonce);
	if (rc == 0 && rq.c) {
		json_t *j = NULL;
		rc = cli_call(a, c, "svm_chainId", NULL, &j);
		if (rc == 0) cid = cli_ju64(j);
		json_decref(j);
		if (rc == 0 && cid != rq.chain_id)
			rc = cli_fail(a, CLI_EXIT_FAIL, "the relay serves chain %llu, the node is chain %llu",
				      (unsigned long long)rq.chain_id, (unsigned long long)cid);
		sender = rq.id, nonce = rq.nonce;
	}
	svm_buf_t p = {0};
	for (int attempt = 1; rc == 0; attempt++) {
		rc = build_spend(a, &w, sel, n_in, ring_n, cid, &sender, nonce, withdraw, rq.c ? &rq : NULL,
				 &token, to, amount, (uint64_t)(have - need), &p);
		if (rc == 0 && !rq.c) rc = submit(a, keyfile, &p, nonce);
		if (rc || !rq.c) break;
		char why[SVM_ERROR_MSG_MAX];
		int code = 0;
		rc = relay_submit_payload(a, &rq, &p, attempt == CONF_RELAY_ATTEMPTS_MAX, &code, why, sizeof why);
		if (rc != CONF_RELAY_RETRY) break;
		/* refused before the relay signed anything: nothing of it is on chain */
		fprintf(stderr, "supervm %s: the relay refused attempt %d of %d (%s); asking it for a fresh quote\n",
			a->cmd, attempt, CONF_RELAY_ATTEMPTS_MAX, why);
		if (code == svm_rpc_app_code(SVM_EBUSY)) {
			struct timespec ts = {0, (long)attempt * CONF_RELAY_BUSY_WAIT_MS * 1000000L};
			nanosleep(&ts, NULL);
		}
		svm_buf_reset(&p);
		svm_id_t tok0 = rq.token;
		uint64_t fee0 = rq.fee;
		rc = relay_quote(a, &rq);
		if (rc == 0 && (memcmp(tok0.b, rq.token.b, 32) || fee0 != rq.fee || rq.chain_id != cid))
			rc = cli_fail(a, CLI_EXIT_FAIL, "the relay changed its token, fee or chain between quotes; "
							"send again");
		sender = rq.id, nonce = rq.nonce;
	}
	/* a failed receipt: say so when it was a double spend (an input's key image registered) */
	for (size_t i = 0; rc != 0 && p.len && (cli_flag(a, "wait") || rq.c) && i < n_in; i++) {
		own_t *o = (own_t *)sel[i];
		o->spent = false;
		if (wallet_sync(a, c, &w) == 0 && o->spent) {
			char id[65], msg[200];
			hex32(id, o->m.id.b);
			snprintf(msg, sizeof msg,
				 "refused as a double spend: output %s was already spent (its key image is "
				 "registered)",
				 id);
			cli_print_error(a, CLI_EXIT_FAIL, msg);
			break;
		}
	}
	svm_buf_free(&p);
	svm_rpc_client_free(c);
	svm_rpc_client_free(rq.c);
	wallet_free(&w);
	return rc;
}

int cli_cmd_conf_send(cli_args_t *a) { return spend(a, false); }
int cli_cmd_conf_withdraw(cli_args_t *a) { return spend(a, true); }

/* ------------------------------------------------ key images for view-only wallets */

#define CONF_KI_VERSION 1

/* export-key-images: for every output of the (scanned) wallet, its key image with a proof that
 * it is that output's (svm_conf_key_image_export), to FILE (mode 0600, never overwritten). A
 * view-only wallet importing it can tell which outputs are spent. */
int cli_cmd_conf_export_key_images(cli_args_t *a)
{
	const char *keyfile = cli_opt(a, "key"), *out = cli_opt(a, "out");
	if (!keyfile || !out) return cli_fail(a, CLI_EXIT_USAGE, "--key KEYFILE and --out FILE are required");
	wallet_t w;
	svm_rpc_client_t *c = NULL;
	int rc = wallet_open(a, keyfile, &w);
	if (rc == 0) rc = cli_client(a, &c);
	if (rc == 0) rc = wallet_sync(a, c, &w);
	json_t *arr = json_array();
	for (size_t i = 0; rc == 0 && i < w.n_own; i++) {
		const own_t *o = &w.own[i];
		uint8_t pf[SVM_ZK_KEY_IMAGE_PROOF_BYTES], I[32], seed[32];
		char id[65], ki[65], ph[2 * sizeof pf + 1];
		randombytes_buf(seed, sizeof seed);
		if (svm_conf_key_image_export(pf, I, o->p, w.addr, &o->m.id, seed)) {
			rc = cli_fail(a, CLI_EXIT_FAIL, "cannot make the key image of an output (corrupt cache?)");
			break;
		}
		hex32(id, o->m.id.b), hex32(ki, I);
		svm_hex_encode(ph, pf, sizeof pf);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "id", id, "key_image", ki, "proof", ph));
	}
	if (rc == 0) {
		char A[129];
		hex64(A, w.addr);
		json_t *j = json_pack("{s:i, s:s, s:I, s:O}", "version", CONF_KI_VERSION, "address", A, "height",
				      (json_int_t)w.height, "key_images", arr);
		int fd = open(out, O_WRONLY | O_CREAT | O_EXCL, 0600);
		int bad = fd < 0 || json_dumpfd(j, fd, JSON_INDENT(1)) != 0;
		if (fd >= 0) bad |= close(fd) != 0;
		json_decref(j);
		if (bad) {
			rc = cli_fail(a, CLI_EXIT_FAIL, "cannot create %s: %s", out, strerror(errno));
		} else if (a->json) {
			json_t *r = json_pack("{s:s, s:I, s:I}", "file", out, "key_images",
					      (json_int_t)json_array_size(arr), "height", (json_int_t)w.height);
			cli_print_json(r);
			json_decref(r);
		} else {
			printf("%zu key images (outputs through block %llu) written to %s: whoever holds "
			       "them sees which of these outputs are spent\n",
			       json_array_size(arr), (unsigned long long)w.height, out);
		}
	}
	json_decref(arr);
	svm_rpc_client_free(c);
	wallet_free(&w);
	return rc;
}

/* import-key-images: checks every key image of FILE against the view-only wallet's own output
 * (its address, the output's id and one-time key) and, only when all of them check, stores them
 * in the wallet's cache and asks the registry which are spent. */
int cli_cmd_conf_import_key_images(cli_args_t *a)
{
	const char *view = cli_opt(a, "view"), *in = cli_opt(a, "in");
	if (!view || !in) return cli_fail(a, CLI_EXIT_USAGE, "--view VIEWFILE and --in FILE are required");
	json_error_t je;
	json_t *j = json_load_file(in, 0, &je);
	if (!j) return cli_fail(a, CLI_EXIT_FAIL, "%s: %s", in, je.text);
	wallet_t w;
	svm_rpc_client_t *c = NULL;
	int rc = wallet_open_as(a, view, true, &w);
	if (rc == 0) rc = cli_client(a, &c);
	if (rc == 0) rc = wallet_sync(a, c, &w);
	json_t *arr = json_object_get(j, "key_images");
	uint8_t A[SVM_CONF_ADDRESS_BYTES];
	const char *as = json_string_value(json_object_get(j, "address"));
	if (rc == 0 && (json_integer_value(json_object_get(j, "version")) != CONF_KI_VERSION ||
			!json_is_array(arr) || !as))
		rc = cli_fail(a, CLI_EXIT_FAIL, "%s is not a key-image file (make one with 'supervm conf "
						"export-key-images')",
			      in);
	if (rc == 0 && (svm_hex_decode(A, sizeof A, as) || memcmp(A, w.addr, sizeof A)))
		rc = cli_fail(a, CLI_EXIT_FAIL, "%s holds the key images of another address than %s's", in, view);
	if (rc == 0 && json_array_size(arr) > CONF_OWN_MAX)
		rc = cli_fail(a, CLI_EXIT_FAIL, "%s: more than %d key images", in, CONF_OWN_MAX);
	/* check all, then apply: a file with one bad entry changes nothing */
	size_t n = rc == 0 ? json_array_size(arr) : 0, *which = svm_calloc(n ? n : 1, sizeof *which);
	uint8_t(*imgs)[32] = svm_calloc(n ? n : 1, 32);
	if (rc == 0 && (!which || !imgs)) rc = cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	for (size_t k = 0; rc == 0 && k < n; k++) {
		json_t *e = json_array_get(arr, k);
		svm_id_t id;
		uint8_t pf[SVM_ZK_KEY_IMAGE_PROOF_BYTES];
		const char *ph = json_string_value(json_object_get(e, "proof"));
		if (jhex32(e, "id", id.b) || jhex32(e, "key_image", imgs[k]) || !ph ||
		    svm_hex_decode(pf, sizeof pf, ph)) {
			rc = cli_fail(a, CLI_EXIT_FAIL, "%s: entry %zu is malformed (id, key_image: 64 hex digits; "
							"proof: 128)",
				      in, k);
			break;
		}
		size_t i = 0;
		while (i < w.n_own && memcmp(w.own[i].m.id.b, id.b, 32)) i++;
		char idh[65];
		hex32(idh, id.b);
		if (i == w.n_own)
			rc = cli_fail(a, CLI_EXIT_FAIL, "%s: entry %zu names output %s, which is not one of this "
							"wallet's",
				      in, k, idh);
		else if (svm_conf_key_image_check(pf, sizeof pf, imgs[k], w.own[i].m.P, w.addr, &id))
			rc = cli_fail(a, CLI_EXIT_FAIL, "%s: entry %zu: the key image of output %s does not "
							"verify (not that output's)",
				      in, k, idh);
		which[k] = i;
	}
	for (size_t k = 0; rc == 0 && k < n; k++) {
		own_t *o = &w.own[which[k]];
		memcpy(o->ki, imgs[k], 32);
		o->has_ki = true;
		o->spent = false; /* asked again below */
	}
	if (rc == 0) rc = refresh_spent(a, c, &w);
	if (rc == 0) rc = save_cache(a, &w);
	if (rc == 0) {
		size_t spent = 0, unknown = 0;
		for (size_t i = 0; i < w.n_own; i++) {
			spent += w.own[i].spent;
			unknown += !w.own[i].has_ki;
		}
		if (a->json) {
			json_t *r = json_pack("{s:I, s:I, s:I}", "imported", (json_int_t)n, "spent",
					      (json_int_t)spent, "spend_unknown", (json_int_t)unknown);
			cli_print_json(r);
			json_decref(r);
		} else {
			printf("imported %zu key images: %zu outputs spent, %zu with spends unknown\n", n, spent,
			       unknown);
		}
	}
	svm_free(which);
	svm_free(imgs);
	json_decref(j);
	svm_rpc_client_free(c);
	wallet_free(&w);
	return rc;
}

/* ----------------------------------------------------------------- relayer */

/* `conf relay`: a relayer submits other wallets' ring spends as its own transactions, so their
 * senders' public accounts never appear (docs/privacy.md, "Relayer"). A payload it accepts is a
 * ring spend built for the relayer's identity and nonce whose public withdraw — paid by the
 * confidential inputs to the transaction's sender, the relayer — is at least its fee in its
 * token. Before signing it checks that (svm_conf_relay_check), signs, has the node simulate the
 * transaction against the head (the proofs, the key images, the fee it would be charged), and
 * submits only a transaction that succeeds and pays more than it costs.
 *
 * Concurrency: the server runs max_in_flight + CONF_RELAY_SPARE_THREADS threads, each with its
 * own node client (a pool), so relay_info, refusals and other clients' checks are answered
 * while spends wait. Admission (svm_conf_relay_admit): at most max_in_flight submissions at
 * once and per_client from one address, past which a submission is refused at once (SVM_EBUSY)
 * rather than queued. The relayer's transactions must go out in nonce order and the node
 * simulates against the head only, so the signing lane is one at a time: a submission that
 * passed its checks takes the lane (waiting at most timeout_ms for it), then re-reads the nonce,
 * signs, simulates, submits and waits for the receipt, and frees the lane. What runs
 * concurrently is everything else: a slow or malicious client holds one admission slot (or
 * per_client) and, if its spend is valid, the lane for one block. */
#define CONF_RELAY_SPARE_THREADS 2 /* server threads beyond max_in_flight: info and refusals */
#define CONF_RELAY_IN_FLIGHT_CAP (SVM_RPC_THREADS_MAX - CONF_RELAY_SPARE_THREADS)
typedef struct {
	svm_keypair_t kp;
	svm_rpc_client_t *node[SVM_RPC_THREADS_MAX]; /* one per server thread */
	bool node_busy[SVM_RPC_THREADS_MAX];
	unsigned n_node;
	pthread_mutex_t mu; /* node pool and the lane */
	pthread_cond_t lane_free;
	bool lane_busy;
	svm_conf_relay_limits_t limits;
	svm_id_t token;
	uint64_t fee, fee_limit, timeout_ms;
	svm_rpc_server_t *_Atomic srv; /* set once it serves: relay_info reads its connection count */
	unsigned conns_max;
} relay_t;

/* A node client of the pool: there are as many as server threads, so one is always free. */
static svm_rpc_client_t *relay_node_take(relay_t *r)
{
	svm_rpc_client_t *c = NULL;
	pthread_mutex_lock(&r->mu);
	for (unsigned i = 0; i < r->n_node && !c; i++)
		if (!r->node_busy[i]) r->node_busy[i] = true, c = r->node[i];
	pthread_mutex_unlock(&r->mu);
	SVM_VERIFY(c != NULL);
	return c;
}

static void relay_node_give(relay_t *r, svm_rpc_client_t *c)
{
	pthread_mutex_lock(&r->mu);
	for (unsigned i = 0; i < r->n_node; i++)
		if (r->node[i] == c) r->node_busy[i] = false;
	pthread_mutex_unlock(&r->mu);
}

/* Takes the signing lane, waiting at most timeout_ms; false when it stayed busy. */
static bool relay_lane_take(relay_t *r)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(r->timeout_ms / 1000);
	until.tv_nsec += (long)(r->timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
	pthread_mutex_lock(&r->mu);
	int w = 0;
	while (r->lane_busy && w == 0) w = pthread_cond_timedwait(&r->lane_free, &r->mu, &until);
	bool got = !r->lane_busy;
	if (got) r->lane_busy = true;
	pthread_mutex_unlock(&r->mu);
	return got;
}

static void relay_lane_give(relay_t *r)
{
	pthread_mutex_lock(&r->mu);
	SVM_ASSERT(r->lane_busy);
	r->lane_busy = false;
	pthread_cond_broadcast(&r->lane_free);
	pthread_mutex_unlock(&r->mu);
}

#define CONF_RELAY_PAYLOAD_MAX SVM_TX_BYTES_MAX

/* A node call on one of the relayer's clients; on failure e holds the node's code and message. */
static int relay_call(svm_rpc_client_t *node, const char *method, json_t *params, json_t **res, svm_rpc_error_t *e)
{
	svm_error_t err = {0};
	int code = 0;
	*res = NULL;
	if (svm_rpc_call(node, method, params, res, &code, &err) == 0) return 0;
	svm_rpc_fail(e, code ? code : SVM_RPC_INTERNAL_ERROR, "node (%s): %s", method, err.msg);
	return -1;
}

static int relay_nonce(relay_t *r, svm_rpc_client_t *node, uint64_t *nonce, svm_rpc_error_t *e)
{
	char me[65];
	json_t *acct = NULL;
	if (relay_call(node, "svm_getAccount", json_pack("[s]", svm_hash_hex(&r->kp.id, me)), &acct, e)) return -1;
	json_t *pn = json_object_get(acct, "pending_nonce");
	*nonce = cli_ju64(pn ? pn : json_object_get(acct, "nonce"));
	json_decref(acct);
	return 0;
}

/* relay_info: who the relayer is and what it takes — the identity and nonce a payload must be
 * built for, the chain, the token and the least it must be paid — and its bounds: submissions
 * being served now, at most at once, at most per client. */
static json_t *relay_info(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	relay_t *r = ctx;
	json_t *cid = NULL, *res = NULL;
	uint64_t nonce = 0;
	char me[65], tok[65];
	svm_rpc_client_t *node = relay_node_take(r);
	if (relay_nonce(r, node, &nonce, e) == 0 && relay_call(node, "svm_chainId", NULL, &cid, e) == 0) {
		uint64_t refused = 0;
		svm_rpc_server_t *srv = atomic_load(&r->srv); /* NULL until it serves */
		unsigned open = srv ? svm_rpc_server_conns(srv, &refused) : 0;
		res = json_pack("{s:s, s:I, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "relayer",
				svm_hash_hex(&r->kp.id, me), "chain_id", (json_int_t)cli_ju64(cid), "nonce",
				(json_int_t)nonce, "token", svm_hash_hex(&r->token, tok), "fee", (json_int_t)r->fee,
				"in_flight", (json_int_t)svm_conf_relay_inflight(&r->limits, NULL, NULL),
				"max_in_flight", (json_int_t)r->limits.max_inflight, "per_client",
				(json_int_t)r->limits.per_client, "connections", (json_int_t)open,
				"max_connections", (json_int_t)r->conns_max, "connections_refused",
				(json_int_t)refused);
	}
	json_decref(cid);
	relay_node_give(r, node);
	return res;
}

static json_t *relay_submit_admitted(relay_t *r, svm_rpc_client_t *node, json_t *params, svm_rpc_error_t *e);

/* relay_submit [payload hex, nonce]: admission, then checks, signs, simulates, submits, waits for
 * the receipt. */
static json_t *relay_submit(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	relay_t *r = ctx;
	char peer[SVM_CONF_RELAY_PEER_MAX];
	snprintf(peer, sizeof peer, "%s", svm_rpc_peer());
	int adm = svm_conf_relay_admit(&r->limits, peer);
	if (adm == SVM_CONF_RELAY_BUSY) {
		svm_log_info("relay: refused %s: busy", peer);
		return svm_rpc_fail(e, svm_rpc_app_code(SVM_EBUSY), "refused: the relay is serving %u spends, its most at once; try again",
				    r->limits.max_inflight);
	}
	if (adm == SVM_CONF_RELAY_CLIENT_BUSY) {
		svm_log_info("relay: refused %s: per-client limit", peer);
		return svm_rpc_fail(e, svm_rpc_app_code(SVM_EBUSY),
				    "refused: %u spends from your address are being served, the most per client; try again",
				    r->limits.per_client);
	}
	svm_rpc_client_t *node = relay_node_take(r);
	json_t *res = relay_submit_admitted(r, node, params, e);
	relay_node_give(r, node);
	svm_conf_relay_release(&r->limits, peer);
	return res;
}

static json_t *relay_submit_admitted(relay_t *r, svm_rpc_client_t *node, json_t *params, svm_rpc_error_t *e)
{
	const char *ph = json_string_value(svm_rpc_param(params, 0, "payload"));
	json_t *jn = svm_rpc_param(params, 1, "nonce");
	if (!ph || !json_is_integer(jn))
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "params: [payload (hex), nonce (the one relay_info gave)]");
	svm_buf_t p = {0}, tx = {0};
	json_t *res = NULL, *root = NULL, *cid = NULL, *sim = NULL, *sent = NULL;
	char *hex = NULL, idhex[65], tb[65];
	uint64_t pay = 0, nonce = 0;
	bool lane = false;
	if (svm_hex_decode_buf(&p, ph, CONF_RELAY_PAYLOAD_MAX))
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "payload: not hex, or over %u bytes", CONF_RELAY_PAYLOAD_MAX);
	int rc = svm_conf_relay_check(p.data, p.len, &r->token, r->fee, &pay);
	if (rc == SVM_EDECODE) {
		svm_rpc_fail(e, svm_rpc_app_code(rc), "refused: not a confidential payload");
	} else if (rc == SVM_EINVAL) {
		svm_rpc_fail(e, svm_rpc_app_code(rc),
			     "refused: not a ring spend paying the relay a withdraw of token %s", token_name(&r->token, tb));
	} else if (rc) {
		svm_rpc_fail(e, svm_rpc_app_code(SVM_EFUNDS), "refused: it pays the relay %llu, the relay's fee is %llu",
			     (unsigned long long)pay, (unsigned long long)r->fee);
	} else if (!(lane = relay_lane_take(r))) {
		svm_rpc_fail(e, svm_rpc_app_code(SVM_EBUSY), "refused: the relay's earlier spend is still pending; try again");
	} else if (relay_nonce(r, node, &nonce, e) != 0) {
		/* e says why */
	} else if (nonce != (uint64_t)json_integer_value(jn)) {
		svm_rpc_fail(e, svm_rpc_app_code(SVM_ENONCE),
			     "refused: built for nonce %lld, the relay's next is %llu (ask relay_info again)",
			     (long long)json_integer_value(jn), (unsigned long long)nonce);
	} else if (relay_call(node, "svm_chainId", NULL, &cid, e) == 0 &&
		   relay_call(node, "svm_getStateRoot", NULL, &root, e) == 0) {
		cli_txspec_t spec = {.vm = SVM_VM_NATIVE, .payload = p.data, .payload_len = p.len, .strict_native = true, .fee_limit = r->fee_limit};
		svm_hash_t id;
		uint64_t h = cli_ju64(json_object_get(root, "height"));
		if (cli_sign_tx(&r->kp, cli_ju64(cid), nonce, h + CONF_EXPIRY_BLOCKS, &spec, &tx, &id) ||
		    !(hex = svm_malloc(2 * tx.len + 1))) {
			svm_rpc_fail(e, svm_rpc_app_code(SVM_EDECODE), "refused: cannot sign it (bad access lists)");
		} else {
			svm_hex_encode(hex, tx.data, tx.len);
			svm_hash_hex(&id, idhex);
		}
	}
	/* the node runs it against the head: proofs, key images, the fee it would be charged */
	if (hex && relay_call(node, "svm_simulateTransaction", json_pack("[s]", hex), &sim, e) == 0) {
		int st = (int)json_integer_value(json_object_get(sim, "status"));
		uint64_t cost = cli_ju64(json_object_get(sim, "fee_charged"));
		if (st != 0)
			svm_rpc_fail(e, svm_rpc_app_code(-st), "refused: the transaction would fail (%s); not submitted",
				     json_string_value(json_object_get(sim, "status_name")));
		else if (cost > pay)
			svm_rpc_fail(e, svm_rpc_app_code(SVM_EFUNDS),
				     "refused: it would cost the relay %llu in fees and pays %llu", (unsigned long long)cost,
				     (unsigned long long)pay);
		else if (relay_call(node, "svm_sendRawTransaction", json_pack("[s]", hex), &sent, e) == 0) {
			uint64_t t_end = svm_clock_ns() + r->timeout_ms * 1000000ull;
			json_t *rc_j = NULL;
			int polled = 0; /* 0, or -1 when the node failed to answer (e says why) */
			for (;;) {
				polled = relay_call(node, "svm_getTransactionReceipt", json_pack("[s]", idhex), &rc_j, e);
				if (polled || !json_is_null(rc_j) || svm_clock_ns() >= t_end) break;
				json_decref(rc_j);
				rc_j = NULL;
				struct timespec ts = {0, 100 * 1000000L};
				nanosleep(&ts, NULL);
			}
			if (rc_j && !json_is_null(rc_j)) {
				res = json_pack("{s:s, s:I, s:O, s:O, s:I, s:O}", "tx_hash", idhex, "nonce", (json_int_t)nonce,
						"status", json_object_get(rc_j, "status"), "status_name",
						json_object_get(rc_j, "status_name"), "relay_fee", (json_int_t)pay,
						"fee_charged", json_object_get(rc_j, "fee_charged"));
			} else if (polled == 0) {
				res = json_pack("{s:s, s:I, s:n, s:I}", "tx_hash", idhex, "nonce", (json_int_t)nonce, "status",
						"relay_fee", (json_int_t)pay); /* submitted, no receipt yet */
			}
			json_decref(rc_j);
		}
	}
	if (lane) relay_lane_give(r);
	svm_log_info("relay: %s %s", res ? "submitted" : "refused", res ? idhex : e->msg);
	svm_free(hex);
	svm_buf_free(&p);
	svm_buf_free(&tx);
	json_decref(root);
	json_decref(cid);
	json_decref(sim);
	json_decref(sent);
	return res;
}

int cli_cmd_conf_relay(cli_args_t *a)
{
	const char *keyfile = cli_opt(a, "key"), *listen = cli_opt(a, "listen"), *v;
	if (!keyfile || !listen) return cli_fail(a, CLI_EXIT_USAGE, "--key KEYFILE and --listen HOST:PORT are required");
	static relay_t r;
	memset(&r, 0, sizeof r);
	r.fee_limit = CONF_FEE_LIMIT_DEFAULT;
	r.timeout_ms = CONF_WAIT_MS;
	int rc = parse_token(a, &r.token);
	if (rc) return rc;
	uint64_t max_in = SVM_CONF_RELAY_INFLIGHT_MAX, per_client = SVM_CONF_RELAY_PER_CLIENT_MAX;
	uint64_t max_conns = SVM_CONF_RELAY_CONNS_MAX;
	if ((v = cli_opt(a, "max-in-flight")) && cli_u64(a, "--max-in-flight", v, &max_in)) return CLI_EXIT_USAGE;
	if ((v = cli_opt(a, "max-connections")) && cli_u64(a, "--max-connections", v, &max_conns))
		return CLI_EXIT_USAGE;
	if (max_conns < 1 || max_conns > SVM_CONF_RELAY_CONNS_CAP)
		return cli_fail(a, CLI_EXIT_USAGE, "--max-connections must be 1..%d", SVM_CONF_RELAY_CONNS_CAP);
	if ((v = cli_opt(a, "per-client")) && cli_u64(a, "--per-client", v, &per_client)) return CLI_EXIT_USAGE;
	if (max_in < 1 || max_in > CONF_RELAY_IN_FLIGHT_CAP)
		return cli_fail(a, CLI_EXIT_USAGE, "--max-in-flight must be 1..%d", CONF_RELAY_IN_FLIGHT_CAP);
	if (per_client < 1 || per_client > max_in)
		return cli_fail(a, CLI_EXIT_USAGE, "--per-client must be 1..%llu (--max-in-flight)", (unsigned long long)max_in);
	v = cli_opt(a, "fee");
	if (!v) return cli_fail(a, CLI_EXIT_USAGE, "--fee N (what a relayed spend must pay the relay) is required");
	const char *tok = NULL;
	if (cli_amount_parse(a, "--fee", v, &tok, &r.fee)) return CLI_EXIT_USAGE;
	if (r.fee == 0) return cli_fail(a, CLI_EXIT_USAGE, "--fee must be above 0 (the relay pays each transaction's fee)");
	if ((v = cli_opt(a, "fee-limit")) && cli_u64(a, "--fee-limit", v, &r.fee_limit)) return CLI_EXIT_USAGE;
	char host[64];
	const char *colon = strrchr(listen, ':');
	uint64_t port = 0;
	if (!colon || (size_t)(colon - listen) >= sizeof host || colon == listen ||
	    cli_u64(a, "--listen port", colon + 1, &port) || port > 65535)
		return cli_fail(a, CLI_EXIT_USAGE, "--listen: '%s' is not HOST:PORT (e.g. 127.0.0.1:9000)", listen);
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = 0;
	svm_error_t err = {0};
	if (svm_crypto_init() != 0) return cli_fail(a, CLI_EXIT_FAIL, "libsodium failed to initialise");
	if (svm_keyfile_read(keyfile, &r.kp, &err) != 0) return cli_fail(a, CLI_EXIT_FAIL, "%s", err.msg);
	r.n_node = (unsigned)max_in + CONF_RELAY_SPARE_THREADS;
	for (unsigned i = 0; i < r.n_node && rc == 0; i++) rc = cli_client(a, &r.node[i]);
	json_t *probe = NULL;
	if (rc == 0) rc = cli_call(a, r.node[0], "svm_chainId", NULL, &probe); /* the node answers */
	json_decref(probe);
	bool sync_ok = rc == 0 && pthread_mutex_init(&r.mu, NULL) == 0;
	if (sync_ok && pthread_cond_init(&r.lane_free, NULL) != 0) pthread_mutex_destroy(&r.mu), sync_ok = false;
	if (sync_ok && svm_conf_relay_limits_init(&r.limits, (unsigned)max_in, (unsigned)per_client) != 0) {
		pthread_cond_destroy(&r.lane_free);
		pthread_mutex_destroy(&r.mu);
		sync_ok = false;
	}
	if (rc == 0 && !sync_ok) rc = cli_fail(a, CLI_EXIT_FAIL, "cannot set up the relay's locks");
	sigset_t set;
	cli_block_stop_signals(&set);
	svm_rpc_server_t *srv = NULL;
	const svm_rpc_method_t methods[] = {{"relay_info", relay_info, &r}, {"relay_submit", relay_submit, &r}};
	svm_rpc_config_t cfg = {.host = host, .port = (uint16_t)port, .threads = r.n_node, .conns_max = (unsigned)max_conns};
	r.conns_max = (unsigned)max_conns;
	if (rc == 0 && svm_rpc_server_start(&srv, &cfg, methods, 2, &err) != 0)
		rc = cli_fail(a, CLI_EXIT_FAIL, "cannot listen on %s: %s", listen, err.msg);
	if (rc == 0) r.srv = srv;
	if (rc == 0) {
		char me[65], tb[65], amt[CLI_AMOUNT_STR_MAX];
		svm_hash_hex(&r.kp.id, me);
		if (a->json)
			printf("{\"relay\":\"http://%s:%u\",\"relayer\":\"%s\",\"fee\":%llu}\n", host,
			       svm_rpc_server_port(srv), me, (unsigned long long)r.fee);
		else
			printf("supervm %s: relaying ring spends on http://%s:%u as %s for %s each (%llu at once, %llu per client, "
			       "%llu connections)\n",
			       a->cmd, host, svm_rpc_server_port(srv), me, cli_amount_str(r.fee, token_name(&r.token, tb), amt),
			       (unsigned long long)max_in, (unsigned long long)per_client, (unsigned long long)max_conns);
		fflush(stdout);
		int sig = 0;
		sigwait(&set, &sig);
	}
	svm_rpc_server_free(srv); /* in-flight requests finish first */
	r.srv = NULL;
	if (sync_ok) {
		svm_conf_relay_limits_destroy(&r.limits);
		pthread_cond_destroy(&r.lane_free);
		pthread_mutex_destroy(&r.mu);
	}
	for (unsigned i = 0; i < r.n_node; i++) svm_rpc_client_free(r.node[i]);
	svm_keypair_wipe(&r.kp);
	return rc;
}

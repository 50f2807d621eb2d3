/* `supervm transfer` and `supervm faucet`: build, sign and submit a native transfer, and
 * optionally wait for its receipt. The faucet is an ordinary transfer from the devnet's
 * funded key (DIR/keys/faucet.json); there is no special mint path. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "supervm/econ.h"
#include "supervm/vm.h"

#define FEE_LIMIT_DEFAULT 100000
#define EXPIRY_BLOCKS_DEFAULT 1000
#define WAIT_MS_DEFAULT 30000

typedef struct {
	svm_id_t to, token;
	uint64_t amount;
	cli_txspec_t spec; /* the signing options (the caller sets the payload) */
	const char *token_name;
} xfer_opts_t;

int cli_txspec_opts(cli_args_t *a, cli_txspec_t *spec, const char **keyfile)
{
	const char *v;
	if (keyfile != NULL && (*keyfile = cli_opt(a, "from")) == NULL)
		return cli_fail(a, CLI_EXIT_USAGE, "--from KEYFILE is required");
	if ((v = cli_opt(a, "tip")) && cli_u64(a, "--tip", v, &spec->tip)) return CLI_EXIT_USAGE;
	if ((v = cli_opt(a, "fee-limit")) && cli_u64(a, "--fee-limit", v, &spec->fee_limit)) return CLI_EXIT_USAGE;
	if ((v = cli_opt(a, "expiry-blocks")) && cli_u64(a, "--expiry-blocks", v, &spec->expiry_blocks))
		return CLI_EXIT_USAGE;
	if ((v = cli_opt(a, "timeout-ms")) && cli_u64(a, "--timeout-ms", v, &spec->timeout_ms)) return CLI_EXIT_USAGE;
	if ((v = cli_opt(a, "nonce"))) {
		if (cli_u64(a, "--nonce", v, &spec->nonce)) return CLI_EXIT_USAGE;
		spec->have_nonce = true;
	}
	return 0;
}

static int parse_xfer(cli_args_t *a, xfer_opts_t *o)
{
	memset(o, 0, sizeof *o);
	o->spec = (cli_txspec_t){.vm = SVM_VM_NATIVE, .strict_native = true, .fee_limit = FEE_LIMIT_DEFAULT,
				 .expiry_blocks = EXPIRY_BLOCKS_DEFAULT, .timeout_ms = WAIT_MS_DEFAULT};
	const char *v;
	if (cli_opt(a, "to") == NULL || cli_opt(a, "amount") == NULL)
		return cli_fail(a, CLI_EXIT_USAGE, "--to ID and --amount N are required");
	if (cli_hash(a, "--to", cli_opt(a, "to"), &o->to)) return CLI_EXIT_USAGE;
	o->token_name = cli_opt(a, "token");
	if (cli_amount_parse(a, "--amount", cli_opt(a, "amount"), &o->token_name, &o->amount)) return CLI_EXIT_USAGE;
	if (o->token_name == NULL) o->token_name = "SWR";
	v = o->token_name;
	if (svm_token_parse(&o->token, v) != 0)
		return cli_fail(a, CLI_EXIT_USAGE, "--token must be SWR, AIC or 64 hex digits, not '%s'", v);
	return cli_txspec_opts(a, &o->spec, NULL);
}

int cli_sign_tx(const svm_keypair_t *kp, uint64_t chain_id, uint64_t nonce, uint64_t expiry,
		const cli_txspec_t *spec, svm_buf_t *out, svm_hash_t *id)
{
	svm_id_t writes[16], reads[SVM_TX_OBJECTS_MAX]; /* a ring spend reads every member */
	size_t nw = 0, nr = 0;
	int rc = 0;
	if (spec->strict_native)
		rc = svm_native_access(&kp->id, nonce, spec->payload, spec->payload_len, writes, 16, &nw);
	/* the economy's programs also read the parameter object (econ.h) */
	if (rc == 0 && spec->strict_native) rc = svm_native_reads(spec->payload, spec->payload_len, reads, SVM_TX_OBJECTS_MAX, &nr);
	svm_tx_t tx = {.chain_id = chain_id, .sender = kp->id, .nonce = nonce, .expiry_height = expiry,
		       .fee_limit = spec->fee_limit, .tip = spec->tip,
		       .access_mode = spec->strict_native ? SVM_ACCESS_STRICT : SVM_ACCESS_DYNAMIC,
		       .writes = writes, .writes_len = (uint32_t)nw, .reads = reads,
		       .reads_len = (uint32_t)nr, .vm = spec->vm,
		       .payload = spec->payload, .payload_len = spec->payload_len,
		       .scheme = SVM_SCHEME_ED25519, .public_key = kp->public_key,
		       .public_key_len = SVM_ED25519_PUBKEY_SIZE};
	uint8_t sig[SVM_ED25519_SIG_SIZE];
	if (rc == 0) rc = svm_tx_sign(&tx, kp->secret_key, sig, id);
	if (rc == 0) rc = svm_tx_encode(&tx, out);
	return rc;
}

int cli_sign_transfer(const svm_keypair_t *kp, uint64_t chain_id, uint64_t nonce, uint64_t expiry,
		      const svm_id_t *token, const svm_id_t *to, uint64_t amount, uint64_t fee_limit,
		      uint64_t tip, svm_buf_t *out, svm_hash_t *id)
{
	svm_buf_t payload = {0};
	int rc = svm_native_transfer_payload(&payload, token, to, amount);
	cli_txspec_t spec = {.vm = SVM_VM_NATIVE, .payload = payload.data, .payload_len = payload.len,
			     .strict_native = true, .fee_limit = fee_limit, .tip = tip};
	if (rc == 0) rc = cli_sign_tx(kp, chain_id, nonce, expiry, &spec, out, id);
	svm_buf_free(&payload);
	return rc;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Polls for the receipt; prints it. */
static int wait_receipt(cli_args_t *a, svm_rpc_client_t *c, const char *hex_id, uint64_t timeout_ms)
{
	uint64_t t0 = svm_clock_ns(), t_end = t0 + timeout_ms * 1000000ull;
	for (;;) {
		json_t *r = NULL;
		if (cli_call(a, c, "svm_getTransactionReceipt", json_pack("[s]", hex_id), &r)) return CLI_EXIT_FAIL;
		if (!json_is_null(r)) {
			cli_progress_end(a);
			int st = (int)json_integer_value(json_object_get(r, "status"));
			if (a->json) {
				cli_print_json(r);
			} else {
				char fee[CLI_AMOUNT_STR_MAX], tip[CLI_AMOUNT_STR_MAX];
				printf("status: %s\nfee: %s (tip %s)\nblock: %llu\n",
				       json_string_value(json_object_get(r, "status_name")),
				       cli_amount_str(cli_ju64(json_object_get(r, "fee_charged")), "SWR", fee),
				       cli_amount_str(cli_ju64(json_object_get(r, "tip_paid")), "SWR", tip),
				       (unsigned long long)cli_ju64(json_object_get(r, "block_height")));
				const char *ret = json_string_value(json_object_get(r, "return_data"));
				size_t n_ev = json_array_size(json_object_get(r, "events"));
				const char *why = json_string_value(json_object_get(r, "abort_message"));
				if (why) printf("abort message: %s\n", why);
				else if (ret && *ret && strcmp(ret, "0x")) printf("return: %s\n", ret);
				if (n_ev) printf("events: %zu\n", n_ev);
			}
			json_decref(r);
			return st == 0 ? 0 : CLI_EXIT_FAIL;
		}
		json_decref(r);
		if (svm_clock_ns() > t_end) {
			cli_progress_end(a);
			return cli_fail(a, CLI_EXIT_FAIL,
					"no receipt for %s after %llu ms (still pending? check with 'supervm tx %s', or "
					"wait longer with --timeout-ms)",
					hex_id, (unsigned long long)timeout_ms, hex_id);
		}
		cli_progress(a, "waiting for the receipt of %.16s… %.1f s", hex_id,
			     (double)(svm_clock_ns() - t0) / 1e9);
		sleep_ms(100);
	}
}

/* Submits the signed encoding tx (svm_sendRawTransaction). */
static int send_raw(cli_args_t *a, svm_rpc_client_t *c, const svm_buf_t *tx)
{
	char *hex = svm_malloc(2 * tx->len + 1);
	if (hex == NULL) return cli_fail(a, CLI_EXIT_FAIL, "out of memory (%zu-byte transaction)", tx->len);
	svm_hex_encode(hex, tx->data, tx->len);
	json_t *sent = NULL;
	int rc = cli_call(a, c, "svm_sendRawTransaction", json_pack("[s]", hex), &sent);
	json_decref(sent);
	svm_free(hex);
	return rc;
}

int cli_send_and_wait(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp,
		      cli_txspec_t *spec, cli_txspec_prepare_fn prepare, int *status, uint8_t *ret32)
{
	json_t *cid = NULL, *root = NULL, *acct = NULL, *r = NULL;
	char me[65], idhex[65];
	svm_buf_t tx = {0};
	svm_hash_t id;
	int rc = cli_call(a, c, "svm_chainId", NULL, &cid);
	if (rc == 0) rc = cli_call(a, c, "svm_getStateRoot", NULL, &root);
	if (rc == 0) rc = cli_call(a, c, "svm_getAccount", json_pack("[s]", svm_hash_hex(&kp->id, me)), &acct);
	if (rc == 0) {
		json_t *pn = json_object_get(acct, "pending_nonce");
		uint64_t nonce = cli_ju64(pn ? pn : json_object_get(acct, "nonce"));
		if (prepare != NULL) prepare(spec, kp, nonce);
		uint64_t h = cli_ju64(json_object_get(root, "height"));
		if (cli_sign_tx(kp, cli_ju64(cid), nonce, h + spec->expiry_blocks, spec, &tx, &id))
			rc = cli_fail(a, CLI_EXIT_FAIL, "cannot build the transaction");
	}
	if (rc == 0) rc = send_raw(a, c, &tx);
	if (rc == 0) svm_hash_hex(&id, idhex);
	uint64_t t_end = svm_clock_ns() + spec->timeout_ms * 1000000ull;
	while (rc == 0) {
		rc = cli_call(a, c, "svm_getTransactionReceipt", json_pack("[s]", idhex), &r);
		if (rc == 0 && !json_is_null(r)) {
			*status = (int)json_integer_value(json_object_get(r, "status"));
			const char *ret = json_string_value(json_object_get(r, "return_data"));
			if (ret32 && ret && strlen(ret) == 66) svm_hex_decode(ret32, 32, ret + 2);
			break;
		}
		json_decref(r);
		r = NULL;
		if (rc == 0 && svm_clock_ns() > t_end)
			rc = cli_fail(a, CLI_EXIT_FAIL, "no receipt for %s after %llu ms (check with 'supervm tx %s')",
				      idhex, (unsigned long long)spec->timeout_ms, idhex);
		if (rc == 0) sleep_ms(50);
	}
	json_decref(cid);
	json_decref(root);
	json_decref(acct);
	json_decref(r);
	svm_buf_free(&tx);
	return rc;
}

/* Signs tx (nonce and expiry filled here from the node unless --nonce was given) and submits
 * it; prints the id and, with --wait, the receipt. build() appends the payload and may set the
 * access declaration. */
int cli_submit(cli_args_t *a, const char *keyfile, const cli_txspec_t *spec)
{
	if (svm_crypto_init() != 0) return cli_fail(a, CLI_EXIT_FAIL, "libsodium failed to initialise");
	svm_keypair_t kp;
	svm_error_t err = {0};
	if (svm_keyfile_read(keyfile, &kp, &err) != 0)
		return cli_fail(a, CLI_EXIT_FAIL, "%s (create a key with 'supervm keys new --out FILE')", err.msg);
	svm_rpc_client_t *c = NULL;
	json_t *cid = NULL, *root = NULL, *acct = NULL;
	svm_buf_t tx = {0};
	uint64_t nonce = spec->nonce;
	int rc = cli_client(a, &c);
	char idhex[65];
	if (rc == 0) rc = cli_call(a, c, "svm_chainId", NULL, &cid);
	if (rc == 0) rc = cli_call(a, c, "svm_getStateRoot", NULL, &root);
	if (rc == 0 && !spec->have_nonce) {
		char me[65];
		rc = cli_call(a, c, "svm_getAccount", json_pack("[s]", svm_hash_hex(&kp.id, me)), &acct);
		/* pending_nonce counts this sender's transactions still in the mempool, so transfers
		 * sent in a row each get the next nonce (older nodes only report "nonce"). */
		json_t *pn = json_object_get(acct, "pending_nonce");
		if (rc == 0) nonce = cli_ju64(pn ? pn : json_object_get(acct, "nonce"));
	}
	if (rc == 0) {
		uint64_t height = cli_ju64(json_object_get(root, "height"));
		svm_hash_t id;
		if (cli_sign_tx(&kp, cli_ju64(cid), nonce, height + spec->expiry_blocks, spec, &tx, &id) != 0) {
			rc = cli_fail(a, CLI_EXIT_FAIL, "cannot build the transaction");
		} else {
			rc = send_raw(a, c, &tx);
			svm_hash_hex(&id, idhex);
		}
	}
	if (rc == 0) {
		char tokhex[65] = {0};
		if (spec->new_token) {
			svm_id_t tok;
			svm_token_new_id(&kp.id, nonce, &tok);
			svm_hash_hex(&tok, tokhex);
		}
		if (!cli_flag(a, "wait") || !a->json) {
			if (a->json && spec->new_token)
				printf("{\"tx_hash\":\"%s\",\"nonce\":%llu,\"token\":\"%s\"}\n", idhex,
				       (unsigned long long)nonce, tokhex);
			else if (a->json) printf("{\"tx_hash\":\"%s\",\"nonce\":%llu}\n", idhex, (unsigned long long)nonce);
			else printf("%s\n", idhex);
		}
		if (spec->new_token && !a->json) printf("token: %s\n", tokhex);
		if (cli_flag(a, "wait")) rc = wait_receipt(a, c, idhex, spec->timeout_ms);
	}
	json_decref(cid);
	json_decref(root);
	json_decref(acct);
	svm_buf_free(&tx);
	svm_rpc_client_free(c);
	svm_keypair_wipe(&kp);
	return rc;
}

int cli_transfer(cli_args_t *a, const char *keyfile)
{
	xfer_opts_t o;
	if (parse_xfer(a, &o)) return CLI_EXIT_USAGE;
	svm_buf_t payload = {0};
	if (svm_native_transfer_payload(&payload, &o.token, &o.to, o.amount))
		return cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	o.spec.payload = payload.data;
	o.spec.payload_len = payload.len;
	int rc = cli_submit(a, keyfile, &o.spec);
	svm_buf_free(&payload);
	return rc;
}

int cli_cmd_transfer(cli_args_t *a)
{
	const char *from = cli_opt(a, "from");
	if (from == NULL) return cli_fail(a, CLI_EXIT_USAGE, "--from KEYFILE is required");
	return cli_transfer(a, from);
}

/* `faucet --data DIR`: sign here with the devnet's key file (the node need not be a devnet). */
static int faucet_local(cli_args_t *a)
{
	svm_rpc_client_t *c = NULL;
	json_t *st = NULL;
	int rc = cli_client(a, &c);
	if (rc == 0) rc = cli_call(a, c, "svm_status", NULL, &st);
	if (rc == 0 && !json_is_true(json_object_get(st, "devnet")))
		rc = cli_fail(a, CLI_EXIT_FAIL, "the node is not a devnet; the faucet exists only there");
	json_decref(st);
	svm_rpc_client_free(c);
	if (rc != 0) return rc;
	char path[1100];
	snprintf(path, sizeof path, "%s/keys/faucet.json", cli_opt(a, "data"));
	if (access(path, R_OK) != 0)
		return cli_fail(a, CLI_EXIT_FAIL,
				"no faucet key at %s: pass the devnet's data directory with --data DIR, or leave "
				"--data out to ask the node's faucet over RPC",
				path);
	return cli_transfer(a, path);
}

/* The node's faucet (svm_requestFaucet): only its URL is needed. */
int cli_cmd_faucet(cli_args_t *a)
{
	if (cli_opt(a, "data") != NULL) return faucet_local(a);
	xfer_opts_t o;
	if (parse_xfer(a, &o)) return CLI_EXIT_USAGE;
	if (strcmp(o.token_name, "SWR") != 0 && strcmp(o.token_name, "AIC") != 0)
		return cli_fail(a, CLI_EXIT_USAGE, "the faucet gives SWR or AIC, not '%s'", o.token_name);
	svm_rpc_client_t *c = NULL;
	json_t *r = NULL;
	char to[65];
	int rc = cli_client(a, &c);
	if (rc == 0)
		rc = cli_call(a, c, "svm_requestFaucet",
			      json_pack("[s,I,s]", svm_hash_hex(&o.to, to), (json_int_t)o.amount, o.token_name), &r);
	if (rc == 0) {
		const char *id = json_string_value(json_object_get(r, "tx_hash"));
		if (!cli_flag(a, "wait")) {
			if (a->json) cli_print_json(r);
			else printf("%s\n", id ? id : "");
		} else {
			char idhex[65];
			snprintf(idhex, sizeof idhex, "%s", id ? id : "");
			if (!a->json) printf("%s\n", idhex);
			rc = wait_receipt(a, c, idhex, o.spec.timeout_ms);
		}
	}
	json_decref(r);
	svm_rpc_client_free(c);
	return rc;
}

/* `token create`: a user token of the unified ledger, its whole supply to the creator. */
int cli_cmd_token_create(cli_args_t *a)
{
	const char *sym = cli_opt(a, "symbol"), *dec_s = cli_opt(a, "decimals"), *sup = cli_opt(a, "supply");
	uint64_t dec = 0, supply = 0;
	if (sym == NULL || sup == NULL) return cli_fail(a, CLI_EXIT_USAGE, "--symbol S and --supply N are required");
	size_t n = strlen(sym);
	if (n == 0 || n > SVM_TOKEN_SYMBOL_MAX)
		return cli_fail(a, CLI_EXIT_USAGE, "--symbol must be 1 to %d bytes", SVM_TOKEN_SYMBOL_MAX);
	if (dec_s && cli_u64(a, "--decimals", dec_s, &dec)) return CLI_EXIT_USAGE;
	if (dec > 19) return cli_fail(a, CLI_EXIT_USAGE, "--decimals must be 0 to 19 (10^decimals fits a u64)");
	/* the supply in whole tokens with the new decimals ("1000.5"), or base units with a "u" */
	if (n = strlen(sup), n > 1 && sup[n - 1] == 'u') {
		if (cli_units_parse(a, "--supply", sup, n - 1, 0, &supply)) return CLI_EXIT_USAGE;
	} else if (cli_units_parse(a, "--supply", sup, n, (int)dec, &supply)) {
		return CLI_EXIT_USAGE;
	}
	cli_txspec_t spec = {.vm = SVM_VM_NATIVE, .strict_native = true, .fee_limit = FEE_LIMIT_DEFAULT,
			     .expiry_blocks = EXPIRY_BLOCKS_DEFAULT, .timeout_ms = WAIT_MS_DEFAULT, .new_token = true};
	const char *keyfile;
	if (cli_txspec_opts(a, &spec, &keyfile)) return CLI_EXIT_USAGE;
	svm_buf_t payload = {0};
	if (svm_native_create_token_payload(&payload, sym, (uint8_t)dec, supply))
		return cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	spec.payload = payload.data;
	spec.payload_len = payload.len;
	int rc = cli_submit(a, keyfile, &spec);
	svm_buf_free(&payload);
	return rc;
}

/* `address link ID`: SVM_LEDGER_LINK_EVM for identity ID (docs/evm.md, "Linked derived
 * addresses"), signed by --from (anyone may link anyone). */
int cli_cmd_address_link(cli_args_t *a)
{
	svm_id_t id;
	if (cli_hash(a, "ID", a->pos[0], &id)) return CLI_EXIT_USAGE;
	cli_txspec_t spec = {.vm = SVM_VM_NATIVE, .strict_native = true, .fee_limit = FEE_LIMIT_DEFAULT,
			     .expiry_blocks = EXPIRY_BLOCKS_DEFAULT, .timeout_ms = WAIT_MS_DEFAULT};
	const char *keyfile;
	if (cli_txspec_opts(a, &spec, &keyfile)) return CLI_EXIT_USAGE;
	svm_buf_t payload = {0};
	if (svm_native_link_evm_payload(&payload, &id)) return cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	spec.payload = payload.data;
	spec.payload_len = payload.len;
	int rc = cli_submit(a, keyfile, &spec);
	svm_buf_free(&payload);
	return rc;
}

/* `token show TOKEN`: symbol, decimals and supply (svm_getToken). */
int cli_cmd_token_show(cli_args_t *a)
{
	svm_id_t id;
	if (svm_token_parse(&id, a->pos[0]) != 0)
		return cli_fail(a, CLI_EXIT_USAGE, "TOKEN must be SWR, AIC or 64 hex digits, not '%s'", a->pos[0]);
	svm_rpc_client_t *c = NULL;
	json_t *r = NULL;
	int rc = cli_client(a, &c);
	if (rc == 0) rc = cli_call(a, c, "svm_getToken", json_pack("[s]", a->pos[0]), &r);
	if (rc == 0 && a->json) {
		cli_print_json(r);
	} else if (rc == 0) {
		char amt[CLI_AMOUNT_STR_MAX];
		const char *sym = json_string_value(json_object_get(r, "symbol"));
		int dec = (int)json_integer_value(json_object_get(r, "decimals"));
		printf("token:    %s\nsymbol:   %s\ndecimals: %d\nsupply:   %s\n",
		       json_string_value(json_object_get(r, "token")), sym ? sym : "", dec,
		       cli_amount_str_dec(cli_ju64(json_object_get(r, "supply")), dec, sym ? sym : "", amt));
	}
	json_decref(r);
	svm_rpc_client_free(c);
	return rc;
}

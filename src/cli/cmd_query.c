/* Query commands: balance, account, tx, receipt, block, status, proof. Each is one or two RPC
 * calls; receipt and proof also verify the node's Merkle/state proof here, trusting nothing
 * but the root the node reports (compare it with another node's to trust less). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "supervm/state.h"
#include "supervm/vm.h"

static int simple(cli_args_t *a, const char *method, json_t *params, json_t **out)
{
	svm_rpc_client_t *c = NULL;
	int rc = cli_client(a, &c);
	if (rc == 0) rc = cli_call(a, c, method, params, out);
	else json_decref(params);
	svm_rpc_client_free(c);
	return rc;
}

static unsigned long long u(json_t *o, const char *k) { return (unsigned long long)cli_ju64(json_object_get(o, k)); }
static const char *s(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

int cli_cmd_balance(cli_args_t *a)
{
	svm_id_t id, token;
	if (cli_hash(a, "ID", a->pos[0], &id)) return CLI_EXIT_USAGE;
	const char *t = cli_opt(a, "token") ? cli_opt(a, "token") : "SWR";
	if (svm_token_parse(&token, t) != 0)
		return cli_fail(a, CLI_EXIT_USAGE, "--token must be SWR, AIC or 64 hex digits, not '%s'", t);
	json_t *r = NULL;
	if (simple(a, "svm_getBalance", json_pack("[s,s]", a->pos[0], t), &r)) return CLI_EXIT_FAIL;
	char amt[CLI_AMOUNT_STR_MAX];
	json_t *info = NULL;
	/* A user token's decimals and symbol come from the node (svm_getToken). */
	if (!a->json && strcmp(t, "SWR") != 0 && strcmp(t, "AIC") != 0 &&
	    simple(a, "svm_getToken", json_pack("[s]", t), &info)) {
		json_decref(r);
		return CLI_EXIT_FAIL;
	}
	if (a->json) cli_print_json(r);
	else if (info)
		printf("%s\n", cli_amount_str_dec(cli_ju64(json_object_get(r, "amount")),
						   (int)json_integer_value(json_object_get(info, "decimals")), s(info, "symbol"), amt));
	else printf("%s\n", cli_amount_str(cli_ju64(json_object_get(r, "amount")), t, amt));
	json_decref(info);
	json_decref(r);
	return 0;
}

/* `address ID`: the derived EVM address (svm_identity_evm_address, computed here); `address
 * 0xADDRESS`: the identity the node says it stands for (svm_getEvmAddressIdentity). */
int cli_cmd_address(cli_args_t *a)
{
	const char *arg = a->pos[0];
	if (strlen(arg) == 2 + 2 * SVM_EVM_ADDRESS_SIZE && arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X')) {
		uint8_t raw[SVM_EVM_ADDRESS_SIZE];
		if (svm_hex_decode(raw, sizeof raw, arg + 2))
			return cli_fail(a, CLI_EXIT_USAGE, "ADDRESS must be 0x and 40 hex digits, not '%s'", arg);
		json_t *r = NULL;
		if (simple(a, "svm_getEvmAddressIdentity", json_pack("[s]", arg), &r)) return CLI_EXIT_FAIL;
		json_t *linked = json_object_get(r, "linked");
		if (a->json) cli_print_json(r);
		else
			printf("%s  %s\n", s(r, "identity"),
			       json_is_true(linked)				? "linked"
			       : json_is_true(json_object_get(r, "indexed")) ? "indexed (the node's index; not linked)"
									: "the address's own identity");
		json_decref(r);
		return 0;
	}
	svm_id_t id;
	if (cli_hash(a, "ID", arg, &id)) return CLI_EXIT_USAGE;
	uint8_t addr[SVM_EVM_ADDRESS_SIZE];
	char hex[2 * SVM_EVM_ADDRESS_SIZE + 1];
	svm_identity_evm_address(&id, addr);
	svm_hex_encode(hex, addr, sizeof addr);
	if (a->json) {
		json_t *o = json_pack("{s:s, s:s++}", "identity", arg, "address", "0x", hex);
		cli_print_json(o);
		json_decref(o);
	} else {
		printf("0x%s\n", hex);
	}
	return 0;
}

int cli_cmd_account(cli_args_t *a)
{
	svm_id_t id;
	if (cli_hash(a, "ID", a->pos[0], &id)) return CLI_EXIT_USAGE;
	json_t *r = NULL, *all = NULL;
	if (simple(a, "svm_getAccount", json_pack("[s]", a->pos[0]), &r)) return CLI_EXIT_FAIL;
	/* every token it holds (svm_getBalances); quietly none from a node without the method */
	svm_rpc_client_t *c = NULL;
	if (cli_client(a, &c) == 0 &&
	    svm_rpc_call(c, "svm_getBalances", json_pack("[s]", a->pos[0]), &all, NULL, NULL) != 0)
		all = NULL;
	svm_rpc_client_free(c);
	json_t *tokens = json_object_get(all, "balances");
	if (a->json) {
		if (tokens != NULL) json_object_set(r, "tokens", tokens);
		cli_print_json(r);
	} else {
		json_t *b = json_object_get(r, "balances");
		char swr[CLI_AMOUNT_STR_MAX], aic[CLI_AMOUNT_STR_MAX];
		printf("id:    %s\nnonce: %llu\nSWR:   %s\nAIC:   %s\nat height %llu\n", s(r, "id"), u(r, "nonce"),
		       cli_amount_str(u(b, "SWR"), "SWR", swr), cli_amount_str(u(b, "AIC"), "AIC", aic), u(r, "height"));
		if (json_object_get(r, "pending_nonce") && u(r, "pending_nonce") != u(r, "nonce"))
			printf("pending: %llu transactions in the mempool\n", u(r, "pending_nonce") - u(r, "nonce"));
		for (size_t i = 0; i < json_array_size(tokens); i++) { /* the user tokens, in their decimals */
			json_t *t = json_array_get(tokens, i);
			const char *sym = s(t, "symbol");
			if (!strcmp(sym, "SWR") || !strcmp(sym, "AIC")) continue;
			json_t *d = json_object_get(t, "decimals");
			char amt[CLI_AMOUNT_STR_MAX];
			printf("token %s: %s\n", s(t, "token"),
			       cli_amount_str_dec(u(t, "amount"), json_is_integer(d) ? (int)json_integer_value(d) : -1,
						  sym[0] ? sym : s(t, "token"), amt));
		}
		if (all != NULL && !json_is_true(json_object_get(all, "complete")))
			printf("(not every token balance listed: the node's scan stopped at its bound)\n");
	}
	json_decref(all);
	json_decref(r);
	return 0;
}

int cli_cmd_tx(cli_args_t *a)
{
	svm_hash_t id;
	if (cli_hash(a, "HASH", a->pos[0], &id)) return CLI_EXIT_USAGE;
	svm_rpc_client_t *c = NULL;
	json_t *t = NULL, *r = NULL;
	int rc = cli_client(a, &c);
	if (rc == 0) rc = cli_call(a, c, "svm_getTransactionByHash", json_pack("[s]", a->pos[0]), &t);
	if (rc == 0 && json_is_null(t)) rc = cli_fail(a, CLI_EXIT_FAIL, "no transaction %s", a->pos[0]);
	if (rc == 0) rc = cli_call(a, c, "svm_getTransactionReceipt", json_pack("[s]", a->pos[0]), &r);
	if (rc == 0) {
		json_t *act = cli_describe_tx(t); /* what it does, decoded from the payload */
		if (act != NULL) cli_action_add_token(c, act); /* a user token's decimals and symbol */
		if (a->json) {
			json_object_set(t, "receipt", r);
			json_object_set_new(t, "action", act ? act : json_null());
			cli_print_json(t);
		} else {
			char fl[CLI_AMOUNT_STR_MAX], tip[CLI_AMOUNT_STR_MAX], fee[CLI_AMOUNT_STR_MAX];
			printf("hash:      %s\nstatus:    %s\nsender:    %s\nnonce:     %llu\n", s(t, "hash"),
			       s(t, "status"), s(t, "sender"), u(t, "nonce"));
			if (act != NULL) cli_print_action(act);
			else printf("action:    %s payload %s (not decoded)\n", s(t, "vm"), s(t, "payload"));
			printf("fee limit: %s\ntip:       %s\n", cli_amount_str(u(t, "fee_limit"), "SWR", fl),
			       cli_amount_str(u(t, "tip"), "SWR", tip));
			if (!json_is_null(r)) {
				printf("block:     %llu (index %llu)\nresult:    %s\nfee:       %s\nsteps:     %llu\n",
				       u(r, "block_height"), u(r, "index"), s(r, "status_name"),
				       cli_amount_str(u(r, "fee_charged"), "SWR", fee), u(r, "steps"));
				const char *ret = s(r, "return_data");
				if (strcmp(ret, "0x") != 0 && ret[0]) printf("return:    %s\n", ret);
				printf("events:    %zu\n", json_array_size(json_object_get(r, "events")));
			}
			json_decref(act);
		}
	}
	json_decref(t);
	json_decref(r);
	svm_rpc_client_free(c);
	return rc;
}

/* Checks that a quorum certified block `height` and that its header holds root (the receipts
 * root, or the state root when receipts is false). */
static int certified(cli_args_t *a, uint64_t height, const char *root_hex, bool receipts, char *why,
		     size_t why_len)
{
	svm_rpc_client_t *c = NULL;
	svm_buf_t hb = {0};
	svm_header_t h;
	svm_hash_t root;
	int rc = cli_client(a, &c);
	if (rc == 0) rc = cli_verify_certified(a, c, height, &h, &hb, why, why_len);
	if (rc == 0 && (svm_hash_from_hex(&root, root_hex) != 0 ||
			!svm_hash_eq(&root, receipts ? &h.receipts_root : &h.state_root))) {
		rc = SVM_EPROOF;
		snprintf(why, why_len, "the node's %s root is not the certified header's",
			 receipts ? "receipts" : "state");
	}
	svm_buf_free(&hb);
	svm_rpc_client_free(c);
	return rc;
}

/* Checks a receipt's RFC 6962 proof against the receipts root in the same reply. */
static int verify_receipt(json_t *r)
{
	svm_buf_t raw = {0};
	json_t *p = json_object_get(r, "proof");
	svm_merkle_proof_t proof = {.index = u(p, "leaf_index"), .size = u(p, "leaf_count")};
	json_t *path = json_object_get(p, "path");
	svm_hash_t root, leaf;
	int rc = svm_hash_from_hex(&root, s(p, "receipts_root"));
	if (rc == 0) rc = svm_hex_decode_buf(&raw, s(r, "raw"), SVM_TX_BYTES_MAX * 4);
	if (rc == 0 && json_array_size(path) > SVM_MERKLE_PROOF_MAX) rc = SVM_EPROOF;
	for (size_t i = 0; rc == 0 && i < json_array_size(path); i++)
		rc = svm_hash_from_hex(&proof.path[i], json_string_value(json_array_get(path, i)));
	proof.len = (uint32_t)json_array_size(path);
	if (rc == 0) {
		svm_merkle_leaf_hash(raw.data, raw.len, &leaf);
		rc = svm_merkle_verify(&root, &leaf, &proof);
	}
	svm_buf_free(&raw);
	return rc;
}

int cli_cmd_receipt(cli_args_t *a)
{
	svm_hash_t id;
	if (cli_hash(a, "HASH", a->pos[0], &id)) return CLI_EXIT_USAGE;
	json_t *r = NULL;
	if (simple(a, "svm_getTransactionReceipt", json_pack("[s]", a->pos[0]), &r)) return CLI_EXIT_FAIL;
	if (json_is_null(r)) {
		json_decref(r);
		return cli_fail(a, CLI_EXIT_FAIL, "no receipt for %s (unknown or still pending)", a->pos[0]);
	}
	int v = verify_receipt(r);
	char why[160] = "";
	int q = certified(a, u(r, "block_height"), s(json_object_get(r, "proof"), "receipts_root"), true, why,
			  sizeof why);
	if (a->json) {
		json_object_set_new(r, "quorum_verified", json_boolean(q == 0));
		json_object_set_new(r, "quorum", json_string(why));
		json_object_set_new(r, "proof_verified", json_boolean(v == 0));
		cli_print_json(r);
	} else {
		json_t *p = json_object_get(r, "proof");
		printf("tx:            %s\nstatus:        %s\nfee:           %llu (tip %llu)\nsteps:         %llu\n"
		       "block:         %llu %s\nreceipts root: %s\nproof:         leaf %llu of %llu, %zu hashes: %s\n",
		       s(r, "tx_hash"), s(r, "status_name"), u(r, "fee_charged"), u(r, "tip_paid"), u(r, "steps"),
		       u(r, "block_height"), s(r, "block_hash"), s(p, "receipts_root"), u(p, "leaf_index"),
		       u(p, "leaf_count"), json_array_size(json_object_get(p, "path")),
		       v == 0 ? "verified" : "DOES NOT VERIFY");
		const char *abort_msg = json_string_value(json_object_get(r, "abort_message"));
		if (abort_msg) printf("abort message: %s\n", abort_msg);
		printf("quorum:        %s%s\n", q == 0 ? "" : "NOT VERIFIED: ", why);
	}
	json_decref(r);
	return v == 0 && q == 0 ? 0 : CLI_EXIT_FAIL;
}

int cli_cmd_block(cli_args_t *a)
{
	json_t *which;
	if (strcmp(a->pos[0], "latest") == 0) {
		which = json_string("latest");
	} else {
		uint64_t h;
		if (cli_u64(a, "N", a->pos[0], &h)) return CLI_EXIT_USAGE;
		which = json_integer((json_int_t)h);
	}
	json_t *r = NULL;
	if (simple(a, "svm_getBlockByNumber", json_pack("[o,b]", which, cli_flag(a, "full")), &r))
		return CLI_EXIT_FAIL;
	if (json_is_null(r)) {
		json_decref(r);
		return cli_fail(a, CLI_EXIT_FAIL, "no block %s", a->pos[0]);
	}
	if (a->json) {
		cli_print_json(r);
	} else {
		printf("height:        %llu\nhash:          %s\nparent:        %s\ntimestamp_ms:  %llu\n"
		       "proposer:      %s\ntransactions:  %llu\ntx root:       %s\nreceipts root: %s\nstate root:    %s\n",
		       u(r, "height"), s(r, "hash"), s(r, "parent"), u(r, "timestamp_ms"), s(r, "proposer"),
		       u(r, "tx_count"), s(r, "tx_root"), s(r, "receipts_root"), s(r, "state_root"));
		json_t *txs = json_object_get(r, "transactions");
		for (size_t i = 0; i < json_array_size(txs); i++) {
			json_t *t = json_array_get(txs, i);
			printf("  %s\n", json_is_string(t) ? json_string_value(t) : s(t, "hash"));
		}
	}
	json_decref(r);
	return 0;
}

int cli_cmd_status(cli_args_t *a)
{
	json_t *r = NULL;
	if (simple(a, "svm_status", NULL, &r)) return CLI_EXIT_FAIL;
	if (a->json) {
		cli_print_json(r);
	} else {
		json_t *m = json_object_get(r, "mempool");
		printf("chain id:   %llu%s\nheight:     %llu\nblock:      %s\nstate root: %s\nmempool:    %llu txs, %llu bytes\n"
		       "tx/s:       %.1f (recent)\n",
		       u(r, "chain_id"), json_is_true(json_object_get(r, "devnet")) ? " (devnet)" : "", u(r, "height"),
		       s(r, "block_hash"), s(r, "state_root"), u(m, "count"), u(m, "bytes"),
		       json_real_value(json_object_get(r, "tx_per_s")));
		if (json_object_get(r, "faucet")) printf("faucet:     %s\n", s(r, "faucet"));
		json_t *c = json_object_get(r, "consensus");
		if (json_is_object(c)) {
			json_t *q = json_object_get(c, "highest_qc"), *peers = json_object_get(c, "peers");
			printf("round:      %llu (leader %.16s…, %llu validators%s)\nhighest QC: round %llu, block %.16s…\n"
			       "committed:  height %llu\npeers:      %zu connected\n",
			       u(c, "round"), s(c, "leader"), u(c, "validators"),
			       json_is_true(json_object_get(c, "validator")) ? ", this node is one" : "", u(q, "round"),
			       s(q, "block"), u(c, "committed_height"), json_array_size(peers));
			for (size_t i = 0; i < json_array_size(peers); i++) {
				json_t *p = json_array_get(peers, i);
				printf("            %.16s… %s%s\n", s(p, "id"), json_is_true(json_object_get(p, "outbound")) ? "out" : "in",
				       json_is_true(json_object_get(p, "validator")) ? ", validator" : "");
			}
		}
	}
	json_decref(r);
	return 0;
}

int cli_cmd_proof(cli_args_t *a)
{
	svm_id_t obj;
	const char *what = "object";
	if (cli_opt(a, "object")) {
		if (a->n_pos != 0) return cli_fail(a, CLI_EXIT_USAGE, "give ID or --object, not both");
		if (cli_hash(a, "--object", cli_opt(a, "object"), &obj)) return CLI_EXIT_USAGE;
	} else {
		if (a->n_pos != 1) return cli_fail(a, CLI_EXIT_USAGE, "usage: supervm proof ID [--token T]");
		svm_id_t owner, token;
		const char *t = cli_opt(a, "token") ? cli_opt(a, "token") : "SWR";
		if (cli_hash(a, "ID", a->pos[0], &owner)) return CLI_EXIT_USAGE;
		if (svm_token_parse(&token, t) != 0)
			return cli_fail(a, CLI_EXIT_USAGE, "--token must be SWR, AIC or 64 hex digits, not '%s'", t);
		svm_balance_id(&token, &owner, &obj);
		what = "balance object";
	}
	char hex[65];
	json_t *r = NULL;
	if (simple(a, "svm_getProof", json_pack("[s]", svm_hash_hex(&obj, hex)), &r)) return CLI_EXIT_FAIL;
	/* Verify here: the proof bytes against the reported root, for the object's value hash. */
	svm_buf_t proof = {0}, bytes = {0};
	svm_hash_t root, vh;
	bool exists = json_is_true(json_object_get(r, "exists"));
	int v = svm_hash_from_hex(&root, s(r, "state_root"));
	if (v == 0) v = svm_hex_decode_buf(&proof, s(r, "proof"), SVM_STATE_PROOF_BYTES_MAX);
	if (v == 0 && exists) v = svm_hex_decode_buf(&bytes, s(r, "object"), SVM_STATE_OBJECT_BYTES_MAX);
	if (exists) svm_state_value_hash(bytes.data, bytes.len, &vh);
	if (v == 0) v = svm_state_proof_verify(&root, &obj, exists ? &vh : NULL, proof.data, proof.len);
	char why[160] = "";
	int q = certified(a, u(r, "height"), s(r, "state_root"), false, why, sizeof why);
	if (a->json) {
		json_object_set_new(r, "quorum_verified", json_boolean(q == 0));
		json_object_set_new(r, "quorum", json_string(why));
		json_object_set_new(r, "verified", json_boolean(v == 0));
		cli_print_json(r);
	} else {
		printf("%s: %s\n%s at height %llu, state root %s\nproof: %zu bytes, %s\n", what, hex,
		       exists ? "present" : "absent", u(r, "height"), s(r, "state_root"), proof.len,
		       v == 0 ? (exists ? "inclusion verified" : "exclusion verified") : "DOES NOT VERIFY");
		printf("quorum: %s%s\n", q == 0 ? "" : "NOT VERIFIED: ", why);
	}
	svm_buf_free(&proof);
	svm_buf_free(&bytes);
	json_decref(r);
	return v == 0 && q == 0 ? 0 : CLI_EXIT_FAIL;
}

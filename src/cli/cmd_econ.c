/* The economy's commands (docs/economics.md): `supervm params`, `pool …`, `swap`, `validator …`,
 * `validators`, `stake …` and `gov …`. Transactions are signed with --from KEYFILE and submitted
 * like transfers (strict access declared from the payload where it can be; epoch processing and
 * proposal execution run dynamic); queries print the node's JSON. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "supervm/econ.h"

#define ECON_FEE_LIMIT_DEFAULT 1000000
#define ECON_EXPIRY_BLOCKS 1000
#define ECON_WAIT_MS 30000

static int txopts(cli_args_t *a, cli_txspec_t *spec, const char **keyfile, bool strict)
{
	spec->vm = SVM_VM_NATIVE;
	spec->strict_native = strict;
	spec->fee_limit = ECON_FEE_LIMIT_DEFAULT;
	spec->expiry_blocks = ECON_EXPIRY_BLOCKS;
	spec->timeout_ms = ECON_WAIT_MS;
	return cli_txspec_opts(a, spec, keyfile);
}

static int submit(cli_args_t *a, svm_buf_t *payload, bool strict)
{
	cli_txspec_t spec = {0};
	const char *keyfile;
	int rc = txopts(a, &spec, &keyfile, strict);
	if (rc == 0) {
		spec.payload = payload->data;
		spec.payload_len = payload->len;
		rc = cli_submit(a, keyfile, &spec);
	}
	svm_buf_free(payload);
	return rc;
}

/* A u64 option; `need` makes it required, else def. */
static int u64opt(cli_args_t *a, const char *name, bool need, uint64_t def, uint64_t *out)
{
	const char *v = cli_opt(a, name);
	char what[40];
	snprintf(what, sizeof what, "--%s", name);
	if (v == NULL) {
		if (need) return cli_fail(a, CLI_EXIT_USAGE, "--%s N is required", name);
		*out = def;
		return 0;
	}
	return cli_u64(a, what, v, out);
}

/* An amount option of token tok ("SWR", "AIC" or 64 hex): base units, or whole tokens with a
 * decimal point or unit in the token's decimals (cli_amount_parse); `need` makes it required. */
static int amtopt(cli_args_t *a, const char *name, const char *tok, bool need, uint64_t def, uint64_t *out)
{
	const char *v = cli_opt(a, name);
	char what[40];
	snprintf(what, sizeof what, "--%s", name);
	if (v == NULL) {
		if (need) return cli_fail(a, CLI_EXIT_USAGE, "--%s N is required", name);
		*out = def;
		return 0;
	}
	return cli_amount_parse(a, what, v, &tok, out) ? CLI_EXIT_USAGE : 0;
}

static int token(cli_args_t *a, const char *s, svm_id_t *out)
{
	if (svm_token_parse(out, s) == 0) return 0;
	return cli_fail(a, CLI_EXIT_USAGE, "'%s' is not SWR, AIC or a 64-hex-digit token id", s);
}

static int query(cli_args_t *a, const char *method, json_t *params)
{
	svm_rpc_client_t *c = NULL;
	json_t *r = NULL;
	int rc = cli_client(a, &c);
	if (rc == 0) rc = cli_call(a, c, method, params, &r);
	else json_decref(params);
	if (rc == 0) cli_print_json(r);
	json_decref(r);
	svm_rpc_client_free(c);
	return rc;
}

/* ------------------------------------------------------------------ params */

int cli_cmd_params(cli_args_t *a) { return query(a, "svm_getParams", json_array()); }

/* --------------------------------------------------------------------- AMM */

static int pool_tokens(cli_args_t *a, svm_id_t *x, svm_id_t *y, uint64_t *fee)
{
	if (token(a, a->pos[0], x) || token(a, a->pos[1], y)) return CLI_EXIT_USAGE;
	return u64opt(a, "fee", true, 0, fee);
}

/* Liquidity calls name the pool's tokens in ascending order; the CLI takes either order. */
static void ordered(svm_id_t *x, svm_id_t *y, uint64_t *vx, uint64_t *vy)
{
	if (memcmp(x->b, y->b, 32) <= 0) return;
	svm_id_t t = *x;
	*x = *y;
	*y = t;
	uint64_t u = *vx;
	*vx = *vy;
	*vy = u;
}

int cli_cmd_pool_create(cli_args_t *a)
{
	svm_id_t x, y;
	uint64_t fee, ax, ay, min;
	if (pool_tokens(a, &x, &y, &fee) || amtopt(a, "amount-x", a->pos[0], true, 0, &ax) ||
	    amtopt(a, "amount-y", a->pos[1], true, 0, &ay) || u64opt(a, "min-shares", false, 0, &min))
		return CLI_EXIT_USAGE;
	ordered(&x, &y, &ax, &ay);
	svm_buf_t p = {0};
	if (svm_amm_payload(&p, SVM_AMM_CREATE, &x, &y, fee, ax, ay, min)) return cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	return submit(a, &p, true);
}

int cli_cmd_pool_add(cli_args_t *a)
{
	svm_id_t x, y;
	uint64_t fee, ax, ay, min;
	if (pool_tokens(a, &x, &y, &fee) || amtopt(a, "max-x", a->pos[0], true, 0, &ax) ||
	    amtopt(a, "max-y", a->pos[1], true, 0, &ay) ||
	    u64opt(a, "min-shares", false, 0, &min))
		return CLI_EXIT_USAGE;
	ordered(&x, &y, &ax, &ay);
	svm_buf_t p = {0};
	if (svm_amm_payload(&p, SVM_AMM_ADD, &x, &y, fee, ax, ay, min)) return cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	return submit(a, &p, true);
}

int cli_cmd_pool_remove(cli_args_t *a)
{
	svm_id_t x, y;
	uint64_t fee, shares, mx, my;
	if (pool_tokens(a, &x, &y, &fee) || u64opt(a, "shares", true, 0, &shares) ||
	    amtopt(a, "min-x", a->pos[0], false, 0, &mx) || amtopt(a, "min-y", a->pos[1], false, 0, &my))
		return CLI_EXIT_USAGE;
	ordered(&x, &y, &mx, &my);
	svm_buf_t p = {0};
	if (svm_amm_payload(&p, SVM_AMM_REMOVE, &x, &y, fee, shares, mx, my)) return cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	return submit(a, &p, true);
}

int cli_cmd_pool_show(cli_args_t *a)
{
	uint64_t fee;
	if (u64opt(a, "fee", true, 0, &fee)) return CLI_EXIT_USAGE;
	return query(a, "svm_getPool", json_pack("[s, s, I]", a->pos[0], a->pos[1], (json_int_t)fee));
}

int cli_cmd_pool_quote(cli_args_t *a)
{
	uint64_t fee, amount;
	bool exact_out = cli_flag(a, "exact-out");
	if (u64opt(a, "fee", true, 0, &fee) || amtopt(a, "amount", a->pos[exact_out ? 1 : 0], true, 0, &amount))
		return CLI_EXIT_USAGE;
	char amt[24];
	snprintf(amt, sizeof amt, "%llu", (unsigned long long)amount);
	return query(a, "svm_quoteSwap", json_pack("[s, s, I, s, s]", a->pos[0], a->pos[1], (json_int_t)fee, amt,
						  exact_out ? "out" : "in"));
}

int cli_cmd_swap(cli_args_t *a)
{
	svm_id_t in, out;
	uint64_t fee, amount, limit;
	bool exact_out = cli_flag(a, "exact-out");
	if (pool_tokens(a, &in, &out, &fee) || amtopt(a, "amount", a->pos[exact_out ? 1 : 0], true, 0, &amount))
		return CLI_EXIT_USAGE;
	if (exact_out ? amtopt(a, "max-in", a->pos[0], true, 0, &limit) : amtopt(a, "min-out", a->pos[1], false, 0, &limit))
		return CLI_EXIT_USAGE;
	svm_buf_t p = {0};
	if (svm_amm_payload(&p, exact_out ? SVM_AMM_SWAP_OUT : SVM_AMM_SWAP_IN, &in, &out, fee, amount, limit, 0))
		return cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	return submit(a, &p, true);
}

/* ----------------------------------------------------------------- staking */

static int key32(cli_args_t *a, const char *name, uint8_t out[32])
{
	const char *v = cli_opt(a, name);
	if (v == NULL || svm_hex_decode(out, 32, v) != 0)
		return cli_fail(a, CLI_EXIT_USAGE, "--%s must be 64 hex digits (an Ed25519 public key)", name);
	return 0;
}

int cli_cmd_validator_register(cli_args_t *a)
{
	uint8_t ck[32], vk[32];
	uint64_t comm, bond;
	if (key32(a, "consensus-key", ck) || key32(a, "vrf-key", vk) || u64opt(a, "commission", false, 0, &comm) ||
	    amtopt(a, "bond", "SWR", true, 0, &bond))
		return CLI_EXIT_USAGE;
	svm_buf_t p = {0};
	if (svm_stake_register_payload(&p, ck, vk, comm, bond)) return cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	return submit(a, &p, true);
}

static int stake_tx(cli_args_t *a, uint64_t method, const char *amount_opt, bool strict)
{
	svm_id_t op = {{0}}, op2 = {{0}};
	uint64_t amount = 0;
	if (a->n_pos >= 1 && cli_hash(a, "OPERATOR", a->pos[0], &op)) return CLI_EXIT_USAGE;
	if (a->n_pos >= 2 && cli_hash(a, "TO", a->pos[1], &op2)) return CLI_EXIT_USAGE;
	if (amount_opt && (strcmp(amount_opt, "amount") == 0 ? amtopt(a, amount_opt, "SWR", true, 0, &amount)
							      : u64opt(a, amount_opt, true, 0, &amount)))
		return CLI_EXIT_USAGE;
	svm_buf_t p = {0};
	if (svm_stake_payload(&p, method, &op, &op2, amount)) return cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	return submit(a, &p, strict);
}

int cli_cmd_stake_delegate(cli_args_t *a) { return stake_tx(a, SVM_STAKE_DELEGATE, "amount", true); }
int cli_cmd_stake_undelegate(cli_args_t *a) { return stake_tx(a, SVM_STAKE_UNDELEGATE, "shares", true); }
int cli_cmd_stake_claim(cli_args_t *a) { return stake_tx(a, SVM_STAKE_CLAIM, NULL, true); }
int cli_cmd_stake_redelegate(cli_args_t *a) { return stake_tx(a, SVM_STAKE_REDELEGATE, "shares", true); }
int cli_cmd_stake_epoch(cli_args_t *a) { return stake_tx(a, SVM_STAKE_EPOCH, NULL, false); }
int cli_cmd_validator_unjail(cli_args_t *a) { return stake_tx(a, SVM_STAKE_UNJAIL, NULL, true); }

int cli_cmd_stake_show(cli_args_t *a)
{
	return query(a, "svm_getDelegation", json_pack("[s, s]", a->pos[0], a->pos[1]));
}

int cli_cmd_validator_show(cli_args_t *a) { return query(a, "svm_getValidator", json_pack("[s]", a->pos[0])); }
int cli_cmd_validators(cli_args_t *a) { return query(a, "svm_getValidators", json_array()); }

/* `validator evidence OPERATOR --evidence HEX` (the svm_evidence_t encoding: what
 * svm_getEvidence lists as "staking"). */
int cli_cmd_validator_evidence(cli_args_t *a)
{
	svm_id_t op;
	svm_buf_t ev = {0}, p = {0};
	const char *v = cli_opt(a, "evidence");
	if (cli_hash(a, "OPERATOR", a->pos[0], &op)) return CLI_EXIT_USAGE;
	if (v == NULL || svm_hex_decode_buf(&ev, v, 4096) != 0)
		return cli_fail(a, CLI_EXIT_USAGE, "--evidence HEX (the double-sign evidence encoding) is required");
	svm_evidence_t e;
	svm_reader_t r = svm_reader(ev.data, ev.len);
	int rc = svm_evidence_decode(&r, &e) || svm_reader_left(&r)
			 ? cli_fail(a, CLI_EXIT_USAGE, "--evidence does not decode (docs/economics.md has the format)")
			 : 0;
	svm_buf_free(&ev);
	if (rc) return rc;
	if (svm_stake_evidence_payload(&p, &op, &e)) return cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	return submit(a, &p, true);
}

/* `validator report --from KEYFILE`: the slashing transaction for every piece of evidence the
 * node holds (svm_getEvidence) that has the staking form and names a registered operator, one
 * after the other (each waits for its receipt with --wait). Evidence without a staking form (two
 * votes of different heights) or operator is counted as skipped. Exit 0 when every submission
 * succeeded (none at all included); a refusal (the offence punished already: EEXIST; too old:
 * ESTATE) fails that one, is counted, and the rest still go. */
int cli_cmd_validator_report(cli_args_t *a)
{
	svm_rpc_client_t *c = NULL;
	json_t *r = NULL;
	int rc = cli_client(a, &c);
	if (rc == 0) rc = cli_call(a, c, "svm_getEvidence", json_array(), &r);
	svm_rpc_client_free(c);
	if (rc) {
		json_decref(r);
		return rc;
	}
	size_t sent = 0, failed = 0, skipped = 0, i;
	json_t *it;
	json_array_foreach(r, i, it) {
		const char *st = json_string_value(json_object_get(it, "staking"));
		const char *ops = json_string_value(json_object_get(it, "operator"));
		svm_buf_t ev = {0}, opb = {0}, p = {0};
		svm_evidence_t e;
		svm_id_t op;
		svm_reader_t rd;
		bool ok = st != NULL && ops != NULL && svm_hex_decode_buf(&ev, st, 4096) == 0 &&
			  svm_hex_decode_buf(&opb, ops, 32) == 0 && opb.len == 32;
		if (ok) {
			memcpy(op.b, opb.data, 32);
			rd = svm_reader(ev.data, ev.len);
			ok = svm_evidence_decode(&rd, &e) == 0 && svm_reader_left(&rd) == 0 &&
			     svm_stake_evidence_payload(&p, &op, &e) == 0;
		}
		svm_buf_free(&ev);
		svm_buf_free(&opb);
		if (!ok) {
			svm_buf_free(&p);
			skipped++;
			continue;
		}
		if (submit(a, &p, true) == 0) sent++;
		else failed++;
	}
	json_decref(r);
	fprintf(stderr, "validator report: %zu submitted, %zu failed, %zu without a staking form or operator\n",
		sent, failed, skipped);
	return failed ? CLI_EXIT_FAIL : 0;
}

/* -------------------------------------------------------------------- rent */

/* CONTRACT KEY: the storage key as text, or 0x… for its bytes in hex. */
/* CONTRACT: a WebAssembly contract id (64 hex), or an EVM account's 20-byte address (0x + 40
 * hex), whose KEY is then a 32-byte storage slot (0x + 64 hex): the rent program's EVM form. */
static int rent_slot(cli_args_t *a, svm_id_t *contract, svm_buf_t *key)
{
	const char *ct = a->pos[0];
	if (strlen(ct) == 42 && strncmp(ct, "0x", 2) == 0) {
		uint8_t addr[20];
		if (svm_hex_decode(addr, 20, ct) != 0) return cli_fail(a, CLI_EXIT_USAGE, "CONTRACT: bad EVM address");
		svm_rent_evm_contract(addr, contract);
		if (strncmp(a->pos[1], "0x", 2) != 0 || svm_hex_decode_buf(key, a->pos[1], 32) || key->len != 32) {
			svm_buf_free(key);
			return cli_fail(a, CLI_EXIT_USAGE, "an EVM account's KEY is its 32-byte slot (0x + 64 hex)");
		}
		return 0;
	}
	if (cli_hash(a, "CONTRACT", a->pos[0], contract)) return CLI_EXIT_USAGE;
	const char *k = a->pos[1];
	int rc = strncmp(k, "0x", 2) == 0 ? svm_hex_decode_buf(key, k, SVM_CONTRACT_KEY_MAX)
					  : svm_buf_append(key, k, strlen(k));
	if (rc || key->len == 0 || key->len > SVM_CONTRACT_KEY_MAX) {
		svm_buf_free(key);
		return cli_fail(a, CLI_EXIT_USAGE, "KEY must be 1..%d bytes (text, or 0x… hex)", SVM_CONTRACT_KEY_MAX);
	}
	return 0;
}

int cli_cmd_rent_pay(cli_args_t *a)
{
	svm_id_t contract;
	svm_buf_t key = {0}, p = {0};
	uint64_t amount;
	int rc = rent_slot(a, &contract, &key);
	if (rc) return rc;
	rc = u64opt(a, "amount", true, 0, &amount);
	if (rc == 0 && svm_rent_pay_payload(&p, &contract, key.data, key.len, amount)) rc = cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	svm_buf_free(&key);
	return rc ? rc : submit(a, &p, true);
}

int cli_cmd_rent_evict(cli_args_t *a)
{
	svm_id_t contract;
	svm_buf_t key = {0}, p = {0};
	int rc = rent_slot(a, &contract, &key);
	if (rc) return rc;
	if (svm_rent_evict_payload(&p, &contract, key.data, key.len)) rc = cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	svm_buf_free(&key);
	return rc ? rc : submit(a, &p, true);
}

int cli_cmd_rent_restore(cli_args_t *a)
{
	svm_id_t contract;
	svm_buf_t key = {0}, obj = {0}, p = {0};
	uint64_t amount;
	const char *ob = cli_opt(a, "object");
	int rc = rent_slot(a, &contract, &key);
	if (rc) return rc;
	rc = u64opt(a, "amount", true, 0, &amount);
	if (rc == 0 && (ob == NULL || svm_hex_decode_buf(&obj, ob, SVM_RENT_OBJECT_MAX) || obj.len == 0))
		rc = cli_fail(a, CLI_EXIT_USAGE, "--object HEX (the evicted object's bytes, as svm_getProof gave them "
						 "before the eviction) is required");
	if (rc == 0 && svm_rent_restore_payload(&p, &contract, key.data, key.len, obj.data, obj.len, amount))
		rc = cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	svm_buf_free(&key);
	svm_buf_free(&obj);
	return rc ? rc : submit(a, &p, true);
}

int cli_cmd_rent_show(cli_args_t *a)
{
	svm_id_t contract;
	svm_buf_t key = {0};
	int rc = rent_slot(a, &contract, &key);
	if (rc) return rc;
	char *hex = svm_malloc(2 * key.len + 3);
	if (hex == NULL) {
		svm_buf_free(&key);
		return cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	}
	hex[0] = '0', hex[1] = 'x';
	svm_hex_encode(hex + 2, key.data, key.len);
	json_t *params = json_pack("[s, s]", a->pos[0], hex);
	svm_free(hex);
	svm_buf_free(&key);
	return query(a, "svm_getRent", params);
}

/* -------------------------------------------------------------- governance */

/* --set name=value[,name=value…] into a params body. */
static int params_body(cli_args_t *a, svm_buf_t *body)
{
	const char *v = cli_opt(a, "set");
	if (v == NULL) return cli_fail(a, CLI_EXIT_USAGE, "--set NAME=VALUE[,NAME=VALUE…] is required for --kind params");
	char *copy = svm_strdup(v), *save = NULL;
	uint64_t n = 0;
	svm_buf_t items = {0};
	int rc = copy ? 0 : CLI_EXIT_FAIL;
	for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; rc == 0 && tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		uint64_t val;
		if (eq == NULL) {
			rc = cli_fail(a, CLI_EXIT_USAGE, "--set: '%s' is not NAME=VALUE", tok);
			break;
		}
		*eq = 0;
		const svm_params_field_t *f = svm_params_field(tok);
		if (f == NULL) rc = cli_fail(a, CLI_EXIT_USAGE, "--set: no parameter '%s' (supervm params lists them)", tok);
		else if (cli_u64(a, "--set value", eq + 1, &val)) rc = CLI_EXIT_USAGE;
		else if (val < f->lo || val > f->hi)
			rc = cli_fail(a, CLI_EXIT_USAGE, "--set: %s must be in [%llu, %llu]", tok,
				      (unsigned long long)f->lo, (unsigned long long)f->hi);
		else {
			svm_varint_append(&items, (uint64_t)(f - svm_params_fields));
			svm_varint_append(&items, val);
			n++;
		}
	}
	svm_free(copy);
	if (rc == 0 && (n == 0 || n > SVM_GOV_CHANGES_MAX))
		rc = cli_fail(a, CLI_EXIT_USAGE, "--set: 1 to %d changes", SVM_GOV_CHANGES_MAX);
	if (rc == 0) svm_varint_append(body, n), svm_buf_append(body, items.data, items.len);
	svm_buf_free(&items);
	return rc;
}

int cli_cmd_gov_submit(cli_args_t *a)
{
	const char *kind = cli_opt(a, "kind");
	uint64_t deposit, k = 0, x;
	svm_buf_t body = {0}, p = {0};
	svm_id_t id;
	if (amtopt(a, "deposit", "SWR", true, 0, &deposit)) return CLI_EXIT_USAGE;
	int rc = 0;
	if (kind && !strcmp(kind, "params")) {
		k = SVM_PROPOSAL_PARAMS;
		rc = params_body(a, &body);
	} else if (kind && !strcmp(kind, "upgrade")) {
		const char *ver = cli_opt(a, "version");
		k = SVM_PROPOSAL_UPGRADE;
		if (u64opt(a, "height", true, 0, &x)) rc = CLI_EXIT_USAGE;
		else if (ver == NULL || !*ver || strlen(ver) > SVM_UPGRADE_VERSION_MAX)
			rc = cli_fail(a, CLI_EXIT_USAGE, "--version V (1 to %d characters) is required", SVM_UPGRADE_VERSION_MAX);
		else svm_varint_append(&body, x), svm_varint_append(&body, strlen(ver)), svm_buf_append(&body, ver, strlen(ver));
	} else if (kind && !strcmp(kind, "treasury")) {
		k = SVM_PROPOSAL_TREASURY;
		if (cli_opt(a, "to") == NULL || cli_hash(a, "--to", cli_opt(a, "to"), &id) || amtopt(a, "amount", "SWR", true, 0, &x))
			rc = cli_fail(a, CLI_EXIT_USAGE, "--to ID and --amount N are required for --kind treasury");
		else svm_buf_append(&body, id.b, 32), svm_varint_append(&body, x);
	} else if (kind && !strcmp(kind, "text")) {
		k = SVM_PROPOSAL_TEXT;
		const char *t = cli_opt(a, "text");
		if (t == NULL) rc = cli_fail(a, CLI_EXIT_USAGE, "--text STRING is required for --kind text (its SHA-256 is recorded)");
		else {
			svm_slice_t part = {(const uint8_t *)t, strlen(t)};
			svm_sha256_tagged("svm/gov/text", &part, 1, &id);
			svm_buf_append(&body, id.b, 32);
		}
	} else {
		rc = cli_fail(a, CLI_EXIT_USAGE, "--kind must be params, upgrade, treasury or text");
	}
	if (rc == 0 && svm_gov_submit_payload(&p, k, deposit, body.data, body.len)) rc = cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	svm_buf_free(&body);
	if (rc) {
		svm_buf_free(&p);
		return rc;
	}
	return submit(a, &p, true);
}

int cli_cmd_gov_vote(cli_args_t *a)
{
	svm_id_t prop, val;
	const char *o = cli_opt(a, "option"), *v = cli_opt(a, "validator");
	uint64_t opt = o && !strcmp(o, "yes") ? SVM_VOTE_YES : o && !strcmp(o, "no") ? SVM_VOTE_NO
					       : o && !strcmp(o, "abstain") ? SVM_VOTE_ABSTAIN : 99;
	if (cli_hash(a, "PROPOSAL", a->pos[0], &prop)) return CLI_EXIT_USAGE;
	if (v == NULL || cli_hash(a, "--validator", v, &val))
		return cli_fail(a, CLI_EXIT_USAGE, "--validator OPERATOR is required (your own, or the one you delegate to)");
	if (opt == 99) return cli_fail(a, CLI_EXIT_USAGE, "--option must be yes, no or abstain");
	svm_buf_t p = {0};
	if (svm_gov_payload(&p, SVM_GOV_VOTE, &prop, &val, opt)) return cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	return submit(a, &p, true);
}

static int gov_simple(cli_args_t *a, uint64_t method)
{
	svm_id_t prop;
	if (cli_hash(a, "PROPOSAL", a->pos[0], &prop)) return CLI_EXIT_USAGE;
	svm_buf_t p = {0};
	if (svm_gov_payload(&p, method, &prop, NULL, 0)) return cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	return submit(a, &p, false);
}

int cli_cmd_gov_execute(cli_args_t *a) { return gov_simple(a, SVM_GOV_EXECUTE); }
int cli_cmd_gov_close(cli_args_t *a) { return gov_simple(a, SVM_GOV_CLOSE); }
int cli_cmd_gov_show(cli_args_t *a) { return query(a, "svm_getProposal", json_pack("[s]", a->pos[0])); }

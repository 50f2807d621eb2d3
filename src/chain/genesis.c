/* Genesis files: JSON in, a validated svm_genesis_t out (and back). docs/genesis.md has the
 * format. Amounts may be JSON integers or decimal strings (for values past 2^63). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervm/chain.h"

int svm_token_parse(svm_id_t *out, const char *s)
{
	if (strcmp(s, "SWR") == 0 || strcmp(s, "AIC") == 0) {
		svm_token_id(s, out);
		return 0;
	}
	return svm_hash_from_hex(out, s) ? SVM_EINVAL : 0;
}

/* A u64 from a JSON integer ≥ 0 or a string of decimal digits without leading zeros. */
static int parse_u64(const json_t *v, uint64_t *out)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i < 0) return SVM_EDECODE;
		*out = (uint64_t)i;
		return 0;
	}
	if (!json_is_string(v)) return SVM_EDECODE;
	const char *s = json_string_value(v);
	size_t n = strlen(s);
	if (n == 0 || n > 20 || (n > 1 && s[0] == '0')) return SVM_EDECODE;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') return SVM_EDECODE;
		if (!svm_mul_u64(x, 10, &x) || !svm_add_u64(x, (uint64_t)(s[i] - '0'), &x))
			return SVM_EDECODE;
	}
	SVM_ASSERT(n < 20 || x >= 10000000000000000000ull); /* 20 digits that fit are past 10^19 */
	*out = x;
	return 0;
}

static int field_u64(const json_t *obj, const char *key, uint64_t *out, bool required,
		     svm_error_t *err)
{
	const json_t *v = json_object_get(obj, key);
	if (v == NULL) {
		if (!required) return 0;
		return svm_error_set(err, SVM_EDECODE, "genesis: missing \"%s\"", key);
	}
	if (parse_u64(v, out))
		return svm_error_set(err, SVM_EDECODE, "genesis: \"%s\" is not a u64", key);
	return 0;
}

static int parse_balances(svm_genesis_t *g, const json_t *arr, svm_error_t *err)
{
	if (arr == NULL) return 0;
	if (!json_is_array(arr) || json_array_size(arr) > SVM_GENESIS_BALANCES_MAX)
		return svm_error_set(err, SVM_EDECODE, "genesis: \"balances\" must be an array of at most %d",
				     SVM_GENESIS_BALANCES_MAX);
	g->n_balances = json_array_size(arr);
	SVM_ASSERT(g->n_balances <= SVM_GENESIS_BALANCES_MAX);
	g->balances = svm_calloc(g->n_balances ? g->n_balances : 1, sizeof(*g->balances));
	if (g->balances == NULL) return SVM_ENOMEM;
	for (size_t i = 0; i < g->n_balances; i++) {
		const json_t *e = json_array_get(arr, i);
		svm_genesis_balance_t *b = &g->balances[i];
		const char *owner = json_string_value(json_object_get(e, "owner"));
		const char *token = json_string_value(json_object_get(e, "token"));
		if (owner == NULL || svm_hash_from_hex(&b->owner, owner))
			return svm_error_set(err, SVM_EDECODE, "genesis: balances[%zu].owner is not a 64-digit hex id", i);
		if (token == NULL || svm_token_parse(&b->token, token))
			return svm_error_set(err, SVM_EDECODE, "genesis: balances[%zu].token is not SWR, AIC or a hex id", i);
		if (token && strcmp(token, "SWR") && strcmp(token, "AIC"))
			return svm_error_set(err, SVM_EDECODE, "genesis: balances[%zu].token: only SWR and AIC exist at genesis", i);
		if (parse_u64(json_object_get(e, "amount"), &b->amount))
			return svm_error_set(err, SVM_EDECODE, "genesis: balances[%zu].amount is not a u64", i);
		SVM_ASSERT(token != NULL && (strcmp(token, "SWR") == 0 || strcmp(token, "AIC") == 0));
	}
	return 0;
}

static int parse_validators(svm_genesis_t *g, const json_t *arr, svm_error_t *err)
{
	if (arr == NULL) return 0;
	if (!json_is_array(arr) || json_array_size(arr) > SVM_GENESIS_VALIDATORS_MAX)
		return svm_error_set(err, SVM_EDECODE, "genesis: \"validators\" must be an array of at most %d",
				     SVM_GENESIS_VALIDATORS_MAX);
	g->n_validators = json_array_size(arr);
	SVM_ASSERT(g->n_validators <= SVM_GENESIS_VALIDATORS_MAX);
	g->validators = svm_calloc(g->n_validators ? g->n_validators : 1, sizeof(*g->validators));
	if (g->validators == NULL) return SVM_ENOMEM;
	for (size_t i = 0; i < g->n_validators; i++) {
		const json_t *e = json_array_get(arr, i);
		svm_genesis_validator_t *v = &g->validators[i];
		const char *pk = json_string_value(json_object_get(e, "public_key"));
		if (pk == NULL || svm_hex_decode(v->pubkey, sizeof v->pubkey, pk))
			return svm_error_set(err, SVM_EDECODE, "genesis: validators[%zu].public_key is not 64 hex digits", i);
		int drc = svm_identity_derive(SVM_SCHEME_ED25519, v->pubkey, sizeof v->pubkey, &v->id);
		SVM_ASSERT(drc == 0); /* an Ed25519 key of its size: the id is always written */
		if (parse_u64(json_object_get(e, "stake"), &v->stake))
			return svm_error_set(err, SVM_EDECODE, "genesis: validators[%zu].stake is not a u64", i);
	}
	return 0;
}

/* "pools": [{"owner", "x", "y", "fee_bps", "amount_x", "amount_y"}], created after the balances
 * (the owner's genesis balances pay for them). */
static int parse_pools(svm_genesis_t *g, const json_t *arr, svm_error_t *err)
{
	if (arr == NULL) return 0;
	if (!json_is_array(arr) || json_array_size(arr) > SVM_GENESIS_POOLS_MAX)
		return svm_error_set(err, SVM_EDECODE, "genesis: \"pools\" must be an array of at most %d",
				     SVM_GENESIS_POOLS_MAX);
	g->n_pools = json_array_size(arr);
	SVM_ASSERT(g->n_pools <= SVM_GENESIS_POOLS_MAX);
	g->pools = svm_calloc(g->n_pools ? g->n_pools : 1, sizeof(*g->pools));
	if (g->pools == NULL) return SVM_ENOMEM;
	for (size_t i = 0; i < g->n_pools; i++) {
		const json_t *e = json_array_get(arr, i);
		svm_genesis_pool_t *p = &g->pools[i];
		const char *owner = json_string_value(json_object_get(e, "owner"));
		const char *x = json_string_value(json_object_get(e, "x"));
		const char *y = json_string_value(json_object_get(e, "y"));
		if (owner == NULL || svm_hash_from_hex(&p->owner, owner))
			return svm_error_set(err, SVM_EDECODE, "genesis: pools[%zu].owner is not a 64-digit hex id", i);
		if (x == NULL || y == NULL || (strcmp(x, "SWR") && strcmp(x, "AIC")) ||
		    (strcmp(y, "SWR") && strcmp(y, "AIC")) || strcmp(x, y) == 0)
			return svm_error_set(err, SVM_EDECODE, "genesis: pools[%zu]: x and y are SWR and AIC", i);
		svm_token_id(x, &p->x);
		svm_token_id(y, &p->y);
		SVM_ASSERT(!svm_hash_eq(&p->x, &p->y)); /* two distinct tokens, as checked above */
		if (parse_u64(json_object_get(e, "fee_bps"), &p->fee_bps) ||
		    parse_u64(json_object_get(e, "amount_x"), &p->amount_x) ||
		    parse_u64(json_object_get(e, "amount_y"), &p->amount_y))
			return svm_error_set(err, SVM_EDECODE,
					     "genesis: pools[%zu]: fee_bps, amount_x and amount_y are u64s", i);
	}
	return 0;
}

/* "params": any governed parameter by name except the fee coefficients (those are "fees"). */
static int parse_params(svm_genesis_t *g, const json_t *obj, svm_error_t *err)
{
	svm_params_default(&g->params);
	g->params_set = true;
	g->params.fee_a = g->fees.a, g->params.fee_b = g->fees.b;
	g->params.fee_c = g->fees.c, g->params.fee_d = g->fees.d;
	if (obj == NULL) return 0;
	if (!json_is_object(obj)) return svm_error_set(err, SVM_EDECODE, "genesis: \"params\" is not an object");
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		const svm_params_field_t *f = svm_params_field(key);
		if (f == NULL || !strncmp(key, "fee_", 4))
			return svm_error_set(err, SVM_EDECODE, "genesis: params.%s is not a parameter%s", key,
					     f ? " (fees are set in \"fees\")" : "");
		SVM_ASSERT(svm_params_at(&g->params, f) != NULL);
		if (parse_u64(v, svm_params_at(&g->params, f)))
			return svm_error_set(err, SVM_EDECODE, "genesis: params.%s is not a u64", key);
	}
	svm_error_t e = {0};
	if (svm_params_check(&g->params, &e))
		return svm_error_set(err, SVM_EDECODE, "genesis: %s", e.msg);
	return 0;
}

/* "attest_pins": {"amd_ark": [hex SHA-256 of an ARK's DER, …], "intel_root": [hex, …]}: the
 * TEE roots this chain pins (docs/attestation.md); each list at most SVM_ATTEST_PINS_MAX, and an
 * absent list pins nothing of that vendor. */
static int parse_pin_list(const json_t *obj, const char *name, svm_hash_t *out, size_t *n,
			  svm_error_t *err)
{
	const json_t *arr = json_object_get(obj, name);
	*n = 0;
	if (arr == NULL) return 0;
	if (!json_is_array(arr) || json_array_size(arr) > SVM_ATTEST_PINS_MAX)
		return svm_error_set(err, SVM_EDECODE, "genesis: attest_pins.%s must be an array of at most %d",
				     name, SVM_ATTEST_PINS_MAX);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		SVM_ASSERT(i < SVM_ATTEST_PINS_MAX); /* out has room for the list checked above */
		const json_t *v = json_array_get(arr, i);
		if (!json_is_string(v) || svm_hash_from_hex(&out[i], json_string_value(v)))
			return svm_error_set(err, SVM_EDECODE,
					     "genesis: attest_pins.%s[%zu] is not a 64-digit hex SHA-256", name, i);
	}
	*n = json_array_size(arr);
	SVM_ASSERT(*n <= SVM_ATTEST_PINS_MAX);
	return 0;
}

static int parse_pins(svm_genesis_t *g, const json_t *obj, svm_error_t *err)
{
	if (obj == NULL) return 0;
	const char *key;
	const json_t *v;
	if (!json_is_object(obj)) return svm_error_set(err, SVM_EDECODE, "genesis: \"attest_pins\" is not an object");
	json_object_foreach((json_t *)obj, key, v) {
		if (strcmp(key, "amd_ark") && strcmp(key, "intel_root"))
			return svm_error_set(err, SVM_EDECODE, "genesis: attest_pins.%s is not a pin list", key);
	}
	g->attest_pins_set = true;
	int rc = parse_pin_list(obj, "amd_ark", g->attest_pins.amd_ark, &g->attest_pins.n_amd_ark, err);
	return rc ? rc : parse_pin_list(obj, "intel_root", g->attest_pins.intel_root, &g->attest_pins.n_intel_root, err);
}

int svm_genesis_parse(svm_genesis_t *g, const char *text, size_t len, svm_error_t *err)
{
	memset(g, 0, sizeof(*g));
	if (len > SVM_GENESIS_BYTES_MAX)
		return svm_error_set(err, SVM_ELIMIT, "genesis: larger than %u bytes", SVM_GENESIS_BYTES_MAX);
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return svm_error_set(err, SVM_EDECODE, "genesis: line %d: %s", je.line, je.text);
	int rc = 0;
	const json_t *fees = json_object_get(root, "fees");
	if (!json_is_object(root)) rc = svm_error_set(err, SVM_EDECODE, "genesis: not a JSON object");
	if (!rc) rc = field_u64(root, "chain_id", &g->chain_id, true, err);
	if (!rc) rc = field_u64(root, "timestamp_ms", &g->timestamp_ms, false, err);
	if (!rc && !json_is_object(fees)) rc = svm_error_set(err, SVM_EDECODE, "genesis: missing \"fees\" object");
	if (!rc) rc = field_u64(fees, "a", &g->fees.a, true, err);
	if (!rc) rc = field_u64(fees, "b", &g->fees.b, true, err);
	if (!rc) rc = field_u64(fees, "c", &g->fees.c, true, err);
	if (!rc) rc = field_u64(fees, "d", &g->fees.d, true, err);
	if (!rc) {
		const json_t *d = json_object_get(root, "devnet");
		if (d && !json_is_boolean(d)) rc = svm_error_set(err, SVM_EDECODE, "genesis: \"devnet\" is not a boolean");
		g->devnet = d && json_is_true(d);
	}
	if (!rc) rc = parse_params(g, json_object_get(root, "params"), err);
	if (!rc) rc = parse_balances(g, json_object_get(root, "balances"), err);
	if (!rc) rc = parse_validators(g, json_object_get(root, "validators"), err);
	if (!rc) rc = parse_pools(g, json_object_get(root, "pools"), err);
	if (!rc) rc = parse_pins(g, json_object_get(root, "attest_pins"), err);
	SVM_ASSERT(rc != 0 || (g->params_set && g->params.fee_a == g->fees.a && g->params.fee_d == g->fees.d));
	json_decref(root);
	if (rc) svm_genesis_free(g);
	return rc;
}

int svm_genesis_load(svm_genesis_t *g, const char *path, svm_error_t *err)
{
	memset(g, 0, sizeof(*g));
	FILE *f = fopen(path, "rb");
	if (f == NULL) return svm_error_set(err, SVM_EIO, "genesis: cannot open %s: %s", path, strerror(errno));
	svm_buf_t b = {.cap_max = SVM_GENESIS_BYTES_MAX + 1};
	int rc = 0;
	char chunk[65536];
	size_t n;
	while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0) rc = svm_buf_append(&b, chunk, n);
	bool bad = ferror(f);
	fclose(f);
	if (rc == SVM_ELIMIT) rc = svm_error_set(err, rc, "genesis: %s is larger than %u bytes", path, SVM_GENESIS_BYTES_MAX);
	else if (rc == 0 && bad) rc = svm_error_set(err, SVM_EIO, "genesis: cannot read %s", path);
	if (rc == 0) rc = svm_genesis_parse(g, (const char *)b.data, b.len, err);
	svm_buf_free(&b);
	return rc;
}

static json_t *u64_json(uint64_t v)
{
	if (v <= (uint64_t)INT64_MAX) return json_integer((json_int_t)v);
	char s[24];
	int n = snprintf(s, sizeof s, "%llu", (unsigned long long)v);
	SVM_ASSERT(n == 19 || n == 20); /* past 2^63: 19 or 20 digits, never cut */
	return json_string(s);
}

static json_t *genesis_json(const svm_genesis_t *g)
{
	json_t *root = json_object(), *bal = json_array(), *val = json_array(), *fees = json_object();
	char hex[65];
	json_object_set_new(root, "chain_id", u64_json(g->chain_id));
	json_object_set_new(root, "timestamp_ms", u64_json(g->timestamp_ms));
	json_object_set_new(root, "devnet", json_boolean(g->devnet));
	json_object_set_new(fees, "a", u64_json(g->fees.a));
	json_object_set_new(fees, "b", u64_json(g->fees.b));
	json_object_set_new(fees, "c", u64_json(g->fees.c));
	json_object_set_new(fees, "d", u64_json(g->fees.d));
	json_object_set_new(root, "fees", fees);
	if (g->params_set) {
		json_t *params = json_object();
		for (size_t i = 0; i < svm_params_fields_len; i++) {
			const svm_params_field_t *f = &svm_params_fields[i];
			if (strncmp(f->name, "fee_", 4))
				json_object_set_new(params, f->name, u64_json(*svm_params_at((svm_params_t *)&g->params, f)));
		}
		json_object_set_new(root, "params", params);
	}
	svm_id_t swr, aic;
	svm_token_id("SWR", &swr);
	svm_token_id("AIC", &aic);
	for (size_t i = 0; i < g->n_balances; i++) {
		const svm_genesis_balance_t *b = &g->balances[i];
		json_t *e = json_object();
		json_object_set_new(e, "owner", json_string(svm_hash_hex(&b->owner, hex)));
		json_object_set_new(e, "token", json_string(svm_hash_eq(&b->token, &swr) ? "SWR"
							     : svm_hash_eq(&b->token, &aic) ? "AIC"
							     : svm_hash_hex(&b->token, hex)));
		json_object_set_new(e, "amount", u64_json(b->amount));
		json_array_append_new(bal, e);
	}
	for (size_t i = 0; i < g->n_validators; i++) {
		json_t *e = json_object();
		svm_hex_encode(hex, g->validators[i].pubkey, 32);
		json_object_set_new(e, "public_key", json_string(hex));
		json_object_set_new(e, "stake", u64_json(g->validators[i].stake));
		json_array_append_new(val, e);
	}
	json_object_set_new(root, "balances", bal);
	json_object_set_new(root, "validators", val);
	if (g->n_pools) {
		json_t *pools = json_array();
		for (size_t i = 0; i < g->n_pools; i++) {
			const svm_genesis_pool_t *p = &g->pools[i];
			/* the file names pools' tokens SWR or AIC: nothing else may be saved as one */
			SVM_ASSERT((svm_hash_eq(&p->x, &swr) || svm_hash_eq(&p->x, &aic)) &&
				   (svm_hash_eq(&p->y, &swr) || svm_hash_eq(&p->y, &aic)));
			json_t *e = json_object();
			json_object_set_new(e, "owner", json_string(svm_hash_hex(&p->owner, hex)));
			json_object_set_new(e, "x", json_string(svm_hash_eq(&p->x, &swr) ? "SWR" : "AIC"));
			json_object_set_new(e, "y", json_string(svm_hash_eq(&p->y, &swr) ? "SWR" : "AIC"));
			json_object_set_new(e, "fee_bps", u64_json(p->fee_bps));
			json_object_set_new(e, "amount_x", u64_json(p->amount_x));
			json_object_set_new(e, "amount_y", u64_json(p->amount_y));
			json_array_append_new(pools, e);
		}
		json_object_set_new(root, "pools", pools);
	}
	if (g->attest_pins_set) {
		json_t *pins = json_object(), *amd = json_array(), *intel = json_array();
		for (size_t i = 0; i < g->attest_pins.n_amd_ark; i++)
			json_array_append_new(amd, json_string(svm_hash_hex(&g->attest_pins.amd_ark[i], hex)));
		for (size_t i = 0; i < g->attest_pins.n_intel_root; i++)
			json_array_append_new(intel, json_string(svm_hash_hex(&g->attest_pins.intel_root[i], hex)));
		json_object_set_new(pins, "amd_ark", amd);
		json_object_set_new(pins, "intel_root", intel);
		json_object_set_new(root, "attest_pins", pins);
	}
	return root;
}

int svm_genesis_save(const svm_genesis_t *g, const char *path, svm_error_t *err)
{
	json_t *root = genesis_json(g);
	char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	if (text == NULL) return svm_error_set(err, SVM_ENOMEM, "genesis: cannot encode");
	int rc = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0) {
		rc = svm_error_set(err, errno == EEXIST ? SVM_EEXIST : SVM_EIO, "genesis: cannot create %s: %s",
				   path, strerror(errno));
	} else {
		size_t len = strlen(text);
		SVM_ASSERT(len > 0 && text[0] == '{');
		if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd))
			rc = svm_error_set(err, SVM_EIO, "genesis: cannot write %s", path);
		close(fd);
	}
	svm_free(text);
	return rc;
}

void svm_genesis_free(svm_genesis_t *g)
{
	svm_free(g->balances);
	svm_free(g->validators);
	svm_free(g->pools);
	g->balances = NULL;
	g->validators = NULL;
	g->pools = NULL;
	g->n_pools = 0;
	g->n_balances = g->n_validators = 0;
}

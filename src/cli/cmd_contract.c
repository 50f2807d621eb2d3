/* `supervm contract deploy FILE.wasm` and `supervm contract call ID METHOD [ARGS...]`: build a
 * contract transaction (docs/contracts.md), sign it with --from KEYFILE and submit it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "supervm/vm.h"

#define CONTRACT_FEE_LIMIT_DEFAULT 10000000
#define CONTRACT_EXPIRY_BLOCKS 1000
#define CONTRACT_WAIT_MS 30000

/* Common options into spec; --from is required. */
static int parse_common(cli_args_t *a, cli_txspec_t *spec, const char **keyfile)
{
	spec->vm = SVM_VM_WASM;
	spec->fee_limit = CONTRACT_FEE_LIMIT_DEFAULT;
	spec->expiry_blocks = CONTRACT_EXPIRY_BLOCKS;
	spec->timeout_ms = CONTRACT_WAIT_MS;
	return cli_txspec_opts(a, spec, keyfile);
}

static int read_file(cli_args_t *a, const char *path, svm_buf_t *out)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) return cli_fail(a, CLI_EXIT_FAIL, "cannot open %s", path);
	out->cap_max = SVM_OBJECT_PAYLOAD_MAX + 1;
	char chunk[8192];
	size_t n;
	int rc = 0;
	while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0) rc = svm_buf_append(out, chunk, n);
	fclose(f);
	if (rc) return cli_fail(a, CLI_EXIT_FAIL, "%s is larger than %u bytes (the code object limit)",
				path, SVM_OBJECT_PAYLOAD_MAX);
	return 0;
}

int cli_cmd_contract_deploy(cli_args_t *a)
{
	cli_txspec_t spec = {0};
	const char *keyfile;
	if (parse_common(a, &spec, &keyfile)) return CLI_EXIT_USAGE;
	svm_buf_t code = {0}, payload = {0};
	int rc = read_file(a, a->pos[0], &code);
	if (rc == 0 && (code.len < 8 || memcmp(code.data, "\0asm", 4)))
		rc = cli_fail(a, CLI_EXIT_FAIL, "%s is not a WebAssembly module", a->pos[0]);
	if (rc == 0 && svm_contract_deploy_payload(&payload, code.data, code.len))
		rc = cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	if (rc == 0) {
		spec.payload = payload.data;
		spec.payload_len = payload.len;
		rc = cli_submit(a, keyfile, &spec);
	}
	svm_buf_free(&code);
	svm_buf_free(&payload);
	return rc;
}

/* ARGS: each "0x…" is raw bytes, a decimal number is a little-endian u64, 64 hex digits an id;
 * they are concatenated into the call's input. */
static int parse_input(cli_args_t *a, svm_buf_t *in)
{
	for (size_t i = 2; i < a->n_pos; i++) {
		const char *s = a->pos[i];
		uint64_t v;
		svm_hash_t id;
		if (s[0] == '0' && s[1] == 'x') {
			if (svm_hex_decode_buf(in, s, SVM_TX_PAYLOAD_MAX))
				return cli_fail(a, CLI_EXIT_USAGE, "argument %zu: bad hex '%s'", i - 1, s);
		} else if (strlen(s) == 64 && svm_hash_from_hex(&id, s) == 0) {
			if (svm_buf_append(in, id.b, SVM_HASH_SIZE)) return CLI_EXIT_FAIL;
		} else if (cli_u64(a, "argument", s, &v) == 0) {
			uint8_t le[8];
			svm_put_u64le(le, v);
			if (svm_buf_append(in, le, 8)) return CLI_EXIT_FAIL;
		} else {
			return CLI_EXIT_USAGE;
		}
	}
	return 0;
}

int cli_cmd_contract_call(cli_args_t *a)
{
	cli_txspec_t spec = {0};
	const char *keyfile, *v;
	if (parse_common(a, &spec, &keyfile)) return CLI_EXIT_USAGE;
	svm_id_t contract, token = {{0}};
	uint64_t attach = 0;
	if (cli_hash(a, "contract ID", a->pos[0], &contract)) return CLI_EXIT_USAGE;
	if (strlen(a->pos[1]) == 0 || strlen(a->pos[1]) > SVM_CONTRACT_METHOD_MAX)
		return cli_fail(a, CLI_EXIT_USAGE, "METHOD must be 1..%d bytes", SVM_CONTRACT_METHOD_MAX);
	v = cli_opt(a, "token");
	if (cli_opt(a, "attach") && cli_amount_parse(a, "--attach", cli_opt(a, "attach"), &v, &attach))
		return CLI_EXIT_USAGE;
	if (svm_token_parse(&token, v ? v : "SWR"))
		return cli_fail(a, CLI_EXIT_USAGE, "--token must be SWR, AIC or 64 hex digits, not '%s'", v);
	svm_buf_t input = {0}, payload = {0};
	int rc = parse_input(a, &input);
	if (rc == 0 && svm_contract_call_payload(&payload, &contract, a->pos[1], input.data, input.len,
						 attach ? &token : NULL, attach))
		rc = cli_fail(a, CLI_EXIT_FAIL, "cannot build the call");
	if (rc == 0) {
		spec.payload = payload.data;
		spec.payload_len = payload.len;
		rc = cli_submit(a, keyfile, &spec);
	}
	svm_buf_free(&input);
	svm_buf_free(&payload);
	return rc;
}

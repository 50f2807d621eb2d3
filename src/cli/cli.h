/* The `supervm` command: shared pieces of its subcommands — parsed arguments, the RPC client,
 * output in text or --json, and building signed transfers. */
#ifndef SUPERVM_CLI_H
#define SUPERVM_CLI_H

#include <jansson.h>
#include <signal.h>
#include <stdio.h>

#include "supervm/base.h"
#include "supervm/chain.h"
#include "supervm/rpc.h"
#include "supervm/vm.h"

#define CLI_ARGS_MAX 64
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1  /* the command ran and failed (RPC error, not found, bad key file) */
#define CLI_EXIT_USAGE 2 /* the command line is wrong */

/* A command line after the subcommand: --name value / --name=value options, flags, and
 * positional arguments. Global options (--rpc URL, --json) are accepted by every command. */
typedef struct {
	const char *cmd; /* "balance", "keys new", … */
	size_t n_opts;
	struct {
		const char *name; /* without "--" */
		const char *value; /* NULL for a flag */
	} opts[CLI_ARGS_MAX];
	size_t n_pos;
	const char *pos[CLI_ARGS_MAX];
	bool json;
	const char *rpc_url;
	int rpc_code; /* the JSON-RPC error code of the last failed call (0 = none) */
} cli_args_t;

/* A subcommand: its options are "name" (takes a value) or "name!" (a flag). */
typedef struct {
	const char *name;
	const char *summary;
	const char *usage;   /* after "supervm " */
	const char *help;    /* option and argument descriptions */
	const char *const *options; /* NULL-terminated */
	size_t pos_min, pos_max;
	int (*run)(cli_args_t *a);
	int (*run_argv)(int argc, char **argv); /* instead of run: parses its own arguments */
} cli_cmd_t;

/* Option value or NULL. */
const char *cli_opt(const cli_args_t *a, const char *name);
bool cli_flag(const cli_args_t *a, const char *name);
/* Prints "supervm CMD: message" to stderr and returns code (for `return cli_fail(...)`). */
int cli_fail(const cli_args_t *a, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Parses a u64 option/argument (decimal). CLI_EXIT_USAGE with a message when malformed. */
int cli_u64(const cli_args_t *a, const char *what, const char *s, uint64_t *out);
/* An identity/hash argument (64 hex). */
int cli_hash(const cli_args_t *a, const char *what, const char *s, svm_hash_t *out);

/* Opens the client for a->rpc_url (or $SUPERVM_RPC, or http://127.0.0.1:8545). */
int cli_client(cli_args_t *a, svm_rpc_client_t **out);
/* Calls method; on failure prints the error and returns CLI_EXIT_FAIL. params is stolen. */
int cli_call(cli_args_t *a, svm_rpc_client_t *c, const char *method, json_t *params, json_t **result);

/* Prints j as indented JSON on stdout. */
void cli_print_json(json_t *j);
/* The default devnet data directory: $SUPERVM_DATA or $HOME/.supervm/devnet. */
const char *cli_default_data_dir(void);

/* A u64 from a JSON integer or decimal string (as the node encodes amounts). */
uint64_t cli_ju64(json_t *v);

/* Builds, signs and submits a native transfer from key file keyfile; prints the id (and with
 * --wait the receipt). Options read from a: --to, --amount, --token, --tip, --fee-limit,
 * --nonce, --expiry-blocks, --wait, --timeout-ms. */
int cli_transfer(cli_args_t *a, const char *keyfile);

/* What to sign and submit: a payload for a VM, with the fee and timing options. strict_native
 * declares the access of a native payload (svm_native_access); otherwise access is dynamic. */
typedef struct {
	uint8_t vm;
	const uint8_t *payload;
	size_t payload_len;
	bool strict_native;
	uint64_t fee_limit, tip;
	uint64_t nonce;
	bool have_nonce;
	uint64_t expiry_blocks, timeout_ms;
	bool new_token; /* a create-token payload: also print the new token's id (svm_token_new_id) */
} cli_txspec_t;

/* The signing options every transaction command shares: --from KEYFILE into *keyfile (required
 * when keyfile is not NULL), then --tip, --fee-limit, --expiry-blocks, --timeout-ms and --nonce
 * into spec, each when given (spec keeps the caller's defaults otherwise). CLI_EXIT_USAGE with a
 * message when one is missing or malformed. */
int cli_txspec_opts(cli_args_t *a, cli_txspec_t *spec, const char **keyfile);
/* Signs and submits spec from keyfile (nonce from the node unless spec->have_nonce); prints the
 * id, and with --wait polls for the receipt and prints it. */
int cli_submit(cli_args_t *a, const char *keyfile, const cli_txspec_t *spec);
/* Called with the nonce the transaction will carry, before signing (may set strict_native). */
typedef void (*cli_txspec_prepare_fn)(cli_txspec_t *spec, const svm_keypair_t *kp, uint64_t nonce);
/* Signs spec with kp (nonce: the node's pending nonce; expiry: head + spec->expiry_blocks),
 * submits it and waits up to spec->timeout_ms for its receipt, printing nothing but errors:
 * *status the receipt's status, ret32 (if not NULL) its 32-byte return data. */
int cli_send_and_wait(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp,
		      cli_txspec_t *spec, cli_txspec_prepare_fn prepare, int *status, uint8_t *ret32);
/* Appends the signed encoding of spec to out. */
int cli_sign_tx(const svm_keypair_t *kp, uint64_t chain_id, uint64_t nonce, uint64_t expiry,
		const cli_txspec_t *spec, svm_buf_t *out, svm_hash_t *id);

/* Appends a signed native transfer (strict access, declared by svm_native_access) to out. */
int cli_sign_transfer(const svm_keypair_t *kp, uint64_t chain_id, uint64_t nonce, uint64_t expiry,
		      const svm_id_t *token, const svm_id_t *to, uint64_t amount, uint64_t fee_limit,
		      uint64_t tip, svm_buf_t *out, svm_hash_t *id);

/* ------------------------------------------------- ux.c (docs/ecosystem.md) */

#define CLI_VERSION "0.1.0"
#define CLI_TOKEN_DECIMALS 9 /* SWR and AIC: 1 token = 10^9 base units */
#define CLI_AMOUNT_STR_MAX 96

/* The command table (main.c). */
const cli_cmd_t *cli_commands(size_t *n);
/* v base units of token ("SWR", "AIC" or 64 hex; NULL = SWR) for people: "1.000000001 SWR";
 * a user token (decimals unknown here) in base units. Returns buf. */
const char *cli_amount_str(uint64_t v, const char *token, char buf[CLI_AMOUNT_STR_MAX]);
/* The same with a token's own decimals and symbol (svm_getToken); decimals < 0 or > 19 prints
 * base units. */
const char *cli_amount_str_dec(uint64_t v, int decimals, const char *symbol, char buf[CLI_AMOUNT_STR_MAX]);
/* An amount argument: an integer is base units; a number with a decimal point or a unit is whole
 * tokens: "1.5SWR", "2 AIC", "0.25" (of SWR, AIC or *token) in 10^9 units; of a user token
 * (*token 64 hex) its own decimals, read from the node (svm_getToken), and a unit must be its
 * symbol ("2.5GOLD"). An SWR/AIC unit sets *token when it is NULL and must match it otherwise.
 * CLI_EXIT_USAGE with a message when malformed (CLI_EXIT_FAIL when the node cannot say). */
int cli_amount_parse(cli_args_t *a, const char *what, const char *s, const char **token, uint64_t *out);
/* The digits and point p[0..len) as base units of a token with dec decimals (0 ≤ dec ≤ 255). */
int cli_units_parse(cli_args_t *a, const char *what, const char *p, size_t len, int dec, uint64_t *out);
/* A token's decimals and symbol: SWR and AIC here (9), a user token (64 hex) from the node's
 * svm_getToken through c (NULL: a client of its own). 0, or an exit code with the error printed. */
int cli_token_info(cli_args_t *a, svm_rpc_client_t *c, const char *token, int *decimals,
		   char symbol[SVM_TOKEN_SYMBOL_MAX + 1]);
/* Adds "token_symbol" and "token_decimals" to a decoded action (cli_describe_tx) whose token is
 * a user token the node knows, so that cli_print_action shows its amount in its decimals. */
void cli_action_add_token(svm_rpc_client_t *c, json_t *action);
/* An error as text on stderr, or with --json as {"error":{"command","message","exit_code"[,
 * "rpc_code"]}} on stdout (the one shape of every --json failure). a may be NULL. */
void cli_print_error(const cli_args_t *a, int exit_code, const char *msg);
/* A progress line on stderr (rewritten in place on a terminal; plain lines when
 * SUPERVM_PROGRESS is set, none when it is 0 or stderr is not a terminal). */
void cli_progress(const cli_args_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_progress_end(const cli_args_t *a);
/* For a command that serves until stopped: blocks SIGINT and SIGTERM in the calling thread (the
 * threads it starts after inherit the mask) and ignores SIGPIPE; the caller waits for a stop with
 * sigwait(set, &sig). set is filled here. */
void cli_block_stop_signals(sigset_t *set);
int cli_print_version(bool json);
int cli_cmd_completion(cli_args_t *a);
/* indexer.c: follow a node into PostgreSQL. */
int cli_cmd_indexer(cli_args_t *a);
/* What a transaction (as svm_getTransactionByHash returns it) does, decoded from its payload:
 * {"program","method",…} or NULL when the payload is not one this CLI knows. New reference. */
json_t *cli_describe_tx(json_t *tx);
void cli_print_action(json_t *action);

/* Commands (one file each group). */
int cli_cmd_devnet(cli_args_t *a);
int cli_cmd_contract_deploy(cli_args_t *a);
int cli_cmd_contract_call(cli_args_t *a);
int cli_cmd_node(cli_args_t *a);
int cli_cmd_keys_new(cli_args_t *a);
int cli_cmd_keys_show(cli_args_t *a);
int cli_cmd_faucet(cli_args_t *a);
int cli_cmd_transfer(cli_args_t *a);
int cli_cmd_balance(cli_args_t *a);
int cli_cmd_account(cli_args_t *a);
int cli_cmd_address(cli_args_t *a);
int cli_cmd_address_link(cli_args_t *a);
int cli_cmd_tx(cli_args_t *a);
int cli_cmd_receipt(cli_args_t *a);
int cli_cmd_token_create(cli_args_t *a); /* cmd_tx.c */
int cli_cmd_token_show(cli_args_t *a);
int cli_cmd_block(cli_args_t *a);
int cli_cmd_status(cli_args_t *a);
int cli_cmd_testnet(cli_args_t *a);
/* Checks that a quorum of the node's validator set certified block `height` (qc.c): fetches the
 * block's QC and header, checks the header hashes to the QC's block id and the signatures;
 * *h is the header (pointing into hbytes) whose roots the caller checks its proof against.
 * why receives a one-line account (the signers, or what failed). 0 or an SVM_E… code. */
int cli_verify_certified(cli_args_t *a, svm_rpc_client_t *c, uint64_t height, svm_header_t *h,
			 svm_buf_t *hbytes, char *why, size_t why_len);
int cli_cmd_proof(cli_args_t *a);
int cli_cmd_bench_load(cli_args_t *a);
int cli_cmd_attest_verify(cli_args_t *a); /* cmd_attest.c */

/* `worker --tee-test-key DIR` (teekey.c; tests and devnets only): SEV-SNP evidence signed with a
 * test VCEK key that DIR holds (report.bin: the report template, vcek.der, vcek.key), accepted
 * only by a chain whose pins list the test's ARK. load checks the three files agree (a usage
 * error naming the file otherwise); evidence appends u8 kind 1 ‖ the signed report with this
 * REPORT_DATA ‖ the VCEK, what a high-value reveal carries. */
typedef struct cli_tee_test cli_tee_test_t;
int cli_tee_test_load(cli_args_t *a, const char *dir, cli_tee_test_t **out);
int cli_tee_test_evidence(const cli_tee_test_t *t, const uint8_t report_data[64], svm_buf_t *out);
void cli_tee_test_free(cli_tee_test_t *t);
/* Disputes by bisection and attestation collateral (cmd_verify.c, docs/bisection.md). */
int cli_cmd_dispute_claim(cli_args_t *a);
int cli_cmd_dispute_challenge(cli_args_t *a);
int cli_cmd_dispute_play(cli_args_t *a);
int cli_cmd_dispute_timeout(cli_args_t *a);
int cli_cmd_dispute_show(cli_args_t *a);
int cli_cmd_attest_collateral_show(cli_args_t *a);
int cli_cmd_attest_updater(cli_args_t *a);
int cli_cmd_attest_propose_updater(cli_args_t *a);
int cli_cmd_attest_propose_pins(cli_args_t *a);
int cli_cmd_attest_put_snp(cli_args_t *a);
int cli_cmd_attest_put_tdx(cli_args_t *a);
/* AI market (cmd_ai.c, docs/ai-market.md). */
int cli_cmd_model_register(cli_args_t *a);
int cli_cmd_model_show(cli_args_t *a);
int cli_cmd_provider_register(cli_args_t *a);
int cli_cmd_provider_show(cli_args_t *a);
int cli_cmd_provider_unbond(cli_args_t *a);
int cli_cmd_provider_withdraw(cli_args_t *a);
int cli_cmd_job_post(cli_args_t *a);
int cli_cmd_job_status(cli_args_t *a);
int cli_cmd_job_settle(cli_args_t *a);
int cli_cmd_job_challenge(cli_args_t *a);
int cli_cmd_job_claim(cli_args_t *a);
int cli_cmd_job_dispute(cli_args_t *a);
int cli_cmd_worker(cli_args_t *a);
/* The economy (cmd_econ.c). */
int cli_cmd_params(cli_args_t *a);
int cli_cmd_pool_create(cli_args_t *a);
int cli_cmd_pool_add(cli_args_t *a);
int cli_cmd_pool_remove(cli_args_t *a);
int cli_cmd_pool_show(cli_args_t *a);
int cli_cmd_pool_quote(cli_args_t *a);
int cli_cmd_swap(cli_args_t *a);
int cli_cmd_validator_register(cli_args_t *a);
int cli_cmd_validator_show(cli_args_t *a);
int cli_cmd_validator_unjail(cli_args_t *a);
int cli_cmd_validator_evidence(cli_args_t *a);
int cli_cmd_validator_report(cli_args_t *a);
int cli_cmd_rent_pay(cli_args_t *a);
int cli_cmd_rent_evict(cli_args_t *a);
int cli_cmd_rent_restore(cli_args_t *a);
int cli_cmd_rent_show(cli_args_t *a);
int cli_cmd_validators(cli_args_t *a);
int cli_cmd_stake_delegate(cli_args_t *a);
int cli_cmd_stake_undelegate(cli_args_t *a);
int cli_cmd_stake_claim(cli_args_t *a);
int cli_cmd_stake_redelegate(cli_args_t *a);
int cli_cmd_stake_epoch(cli_args_t *a);
int cli_cmd_stake_show(cli_args_t *a);
int cli_cmd_gov_submit(cli_args_t *a);
int cli_cmd_gov_vote(cli_args_t *a);
int cli_cmd_gov_execute(cli_args_t *a);
int cli_cmd_gov_close(cli_args_t *a);
int cli_cmd_gov_show(cli_args_t *a);
/* The confidential wallet (cmd_conf.c, docs/privacy.md). */
int cli_cmd_conf_address(cli_args_t *a);
int cli_cmd_conf_list(cli_args_t *a);
int cli_cmd_conf_view_key(cli_args_t *a);
int cli_cmd_conf_view_import(cli_args_t *a);
int cli_cmd_conf_deposit(cli_args_t *a);
int cli_cmd_conf_send(cli_args_t *a);
int cli_cmd_conf_withdraw(cli_args_t *a);
int cli_cmd_conf_export_key_images(cli_args_t *a);
int cli_cmd_conf_import_key_images(cli_args_t *a);
int cli_cmd_conf_relay(cli_args_t *a);

#endif

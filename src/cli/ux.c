/* What makes `supervm` behave like the command-line tools people know (docs/ecosystem.md):
 * amounts in their token's decimals, --json errors of one shape, progress lines on long
 * commands, --version, bash completion generated from the command table, and `supervm tx`
 * saying what a transaction does by decoding its payload. */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "supervm/ai.h"
#include "supervm/confidential.h"
#include "supervm/econ.h"
#include "supervm/groth16.h"
#include "supervm/verify.h"
#include "supervm/vm.h"

#ifndef SVM_GIT_REV
#define SVM_GIT_REV "unknown"
#endif

/* ------------------------------------------------------------- amounts */

/* Decimals of a token named "SWR"/"AIC" (9); -1 for another (a user token: its decimals live in
 * its token object, read from the node by cli_token_info). */
static int token_decimals(const char *token)
{
	if (token == NULL || strcmp(token, "SWR") == 0 || strcmp(token, "AIC") == 0) return CLI_TOKEN_DECIMALS;
	return -1;
}

int cli_token_info(cli_args_t *a, svm_rpc_client_t *c, const char *token, int *decimals,
		   char symbol[SVM_TOKEN_SYMBOL_MAX + 1])
{
	svm_id_t id, swr, aic;
	if (token == NULL) token = "SWR";
	svm_token_id("SWR", &swr);
	svm_token_id("AIC", &aic);
	if (svm_token_parse(&id, token) != 0)
		return cli_fail(a, CLI_EXIT_USAGE, "'%s' is not SWR, AIC or a 64-hex-digit token id", token);
	if (svm_hash_eq(&id, &swr) || svm_hash_eq(&id, &aic)) {
		*decimals = CLI_TOKEN_DECIMALS;
		snprintf(symbol, SVM_TOKEN_SYMBOL_MAX + 1, "%s", svm_hash_eq(&id, &swr) ? "SWR" : "AIC");
		return 0;
	}
	svm_rpc_client_t *own = NULL;
	json_t *info = NULL;
	int rc = c ? 0 : cli_client(a, &own);
	if (rc == 0) rc = cli_call(a, c ? c : own, "svm_getToken", json_pack("[s]", token), &info);
	json_t *d = json_object_get(info, "decimals");
	const char *sym = json_string_value(json_object_get(info, "symbol"));
	if (rc == 0 && (!json_is_integer(d) || json_integer_value(d) < 0 || json_integer_value(d) > 255 || sym == NULL))
		rc = cli_fail(a, CLI_EXIT_FAIL, "the node's svm_getToken answer for %s has no decimals or symbol", token);
	if (rc == 0) {
		*decimals = (int)json_integer_value(d);
		snprintf(symbol, SVM_TOKEN_SYMBOL_MAX + 1, "%s", sym);
	}
	json_decref(info);
	svm_rpc_client_free(own);
	return rc;
}

const char *cli_amount_str_dec(uint64_t v, int dec, const char *name, char buf[CLI_AMOUNT_STR_MAX])
{
	if (dec < 0 || dec > 19) { /* unknown, or a scale past u64 */
		snprintf(buf, CLI_AMOUNT_STR_MAX, "%llu base units of %.16s…", (unsigned long long)v, name);
		return buf;
	}
	uint64_t scale = 1;
	for (int i = 0; i < dec; i++) scale *= 10;
	uint64_t whole = v / scale, frac = v % scale;
	if (frac == 0) {
		snprintf(buf, CLI_AMOUNT_STR_MAX, "%llu %.16s", (unsigned long long)whole, name);
		return buf;
	}
	char f[24];
	snprintf(f, sizeof f, "%0*llu", dec, (unsigned long long)frac);
	for (size_t n = strlen(f); n > 0 && f[n - 1] == '0'; n--) f[n - 1] = 0; /* trailing zeros */
	snprintf(buf, CLI_AMOUNT_STR_MAX, "%llu.%s %.16s", (unsigned long long)whole, f, name);
	return buf;
}

const char *cli_amount_str(uint64_t v, const char *token, char buf[CLI_AMOUNT_STR_MAX])
{
	const char *name = token ? token : "SWR";
	return cli_amount_str_dec(v, token_decimals(name), name, buf);
}

int cli_units_parse(cli_args_t *a, const char *what, const char *p, size_t len, int dec, uint64_t *out)
{
	SVM_ASSERT(dec >= 0 && dec <= 255);
	uint64_t whole = 0, frac = 0;
	int frac_digits = 0;
	bool dot = false;
	if (len == 0 || p[0] == '.')
		return cli_fail(a, CLI_EXIT_USAGE, "%s '%.*s' must start with a digit", what, (int)len, p);
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '.') {
			if (dot) return cli_fail(a, CLI_EXIT_USAGE, "%s '%.*s' has two decimal points", what, (int)len, p);
			dot = true;
			continue;
		}
		if (p[i] < '0' || p[i] > '9')
			return cli_fail(a, CLI_EXIT_USAGE, "%s '%.*s' is not a number", what, (int)len, p);
		unsigned d = (unsigned)(p[i] - '0');
		if (!dot) {
			if (whole > (UINT64_MAX - d) / 10)
				return cli_fail(a, CLI_EXIT_USAGE, "%s '%.*s' is too large", what, (int)len, p);
			whole = whole * 10 + d;
		} else {
			if (++frac_digits > dec)
				return cli_fail(a, CLI_EXIT_USAGE, "%s '%.*s' has more than %d decimals", what, (int)len, p, dec);
			frac = frac * 10 + d;
		}
	}
	if (dec > 19 && whole > 0) return cli_fail(a, CLI_EXIT_USAGE, "%s '%.*s' is too large", what, (int)len, p);
	uint64_t scale = 1;
	for (int i = 0; i < dec && i < 19; i++) scale *= 10;
	for (int i = frac_digits; i < dec; i++) {
		if (frac > UINT64_MAX / 10) return cli_fail(a, CLI_EXIT_USAGE, "%s '%.*s' is too large", what, (int)len, p);
		frac *= 10;
	}
	if (whole > (UINT64_MAX - frac) / scale)
		return cli_fail(a, CLI_EXIT_USAGE, "%s '%.*s' is too large", what, (int)len, p);
	*out = whole * scale + frac;
	return 0;
}

/* Case-insensitive equality of an ASCII unit and a symbol. */
static bool unit_is(const char *unit, const char *symbol)
{
	size_t i = 0;
	for (; unit[i] && symbol[i]; i++)
		if ((unit[i] | 0x20) != (symbol[i] | 0x20) && unit[i] != symbol[i]) return false;
	return unit[i] == 0 && symbol[i] == 0;
}

int cli_amount_parse(cli_args_t *a, const char *what, const char *s, const char **token, uint64_t *out)
{
	const char *p = s ? s : "";
	size_t n = strlen(p), digits_end = 0;
	while (digits_end < n && ((p[digits_end] >= '0' && p[digits_end] <= '9') || p[digits_end] == '.'))
		digits_end++;
	const char *suffix = p + digits_end;
	while (*suffix == ' ') suffix++;
	bool whole_units = memchr(p, '.', digits_end) != NULL || *suffix != 0;
	int dec = 0;
	char sym[SVM_TOKEN_SYMBOL_MAX + 1] = {0};
	if (*suffix != 0 && (unit_is(suffix, "SWR") || unit_is(suffix, "AIC"))) {
		const char *canon = unit_is(suffix, "SWR") ? "SWR" : "AIC";
		if (*token != NULL && strcmp(*token, canon) != 0)
			return cli_fail(a, CLI_EXIT_USAGE, "%s is in %s but --token is %s", what, canon, *token);
		*token = canon;
	} else if (whole_units && *token != NULL && token_decimals(*token) < 0) {
		/* a user token: its decimals (and symbol, for a unit) from the node */
		int rc = cli_token_info(a, NULL, *token, &dec, sym);
		if (rc != 0) return rc;
		if (*suffix != 0 && !unit_is(suffix, sym))
			return cli_fail(a, CLI_EXIT_USAGE, "%s '%s': the token %.16s… is %s, not %s", what, p, *token, sym,
					suffix);
	} else if (*suffix != 0) {
		return cli_fail(a, CLI_EXIT_USAGE,
				"%s '%s': write base units (an integer) or an amount of SWR or AIC such as 1.5SWR "
				"(or of --token TOKEN_ID with its decimals or symbol: 2.5, 2.5GOLD)",
				what, p);
	}
	if (whole_units && token_decimals(*token) >= 0) dec = token_decimals(*token);
	if (digits_end == 0)
		return cli_fail(a, CLI_EXIT_USAGE,
				"%s must be base units (an integer) or SWR/AIC with decimals (1.5SWR), not '%s'",
				what, p);
	return cli_units_parse(a, what, p, digits_end, dec, out);
}

/* -------------------------------------------------------------- errors */

void cli_print_error(const cli_args_t *a, int exit_code, const char *msg)
{
	if (a == NULL || !a->json) {
		fprintf(stderr, "supervm%s%s: %s\n", a && a->cmd ? " " : "", a && a->cmd ? a->cmd : "", msg);
		return;
	}
	json_t *e = json_pack("{s:s, s:s, s:i}", "command", a->cmd ? a->cmd : "", "message", msg,
			      "exit_code", exit_code);
	if (e != NULL && a->rpc_code != 0) json_object_set_new(e, "rpc_code", json_integer(a->rpc_code));
	json_t *j = json_pack("{s:o}", "error", e);
	char *s = json_dumps(j, JSON_COMPACT);
	if (s != NULL) puts(s);
	svm_free(s);
	json_decref(j);
}

/* ------------------------------------------------------------ progress */

static int progress_mode(void)
{
	static int mode = -1; /* 0 off, 1 terminal (one rewritten line), 2 plain lines */
	if (mode < 0) {
		const char *e = getenv("SUPERVM_PROGRESS");
		if (e && strcmp(e, "0") == 0) mode = 0;
		else if (e && e[0]) mode = 2;
		else mode = isatty(2) ? 1 : 0;
	}
	return mode;
}

void cli_progress(const cli_args_t *a, const char *fmt, ...)
{
	int m = progress_mode();
	if (m == 0) return;
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (m == 1) fprintf(stderr, "\r\033[Ksupervm %s: %s", a->cmd, line);
	else fprintf(stderr, "supervm %s: %s\n", a->cmd, line);
	fflush(stderr);
}

void cli_progress_end(const cli_args_t *a)
{
	if (progress_mode() == 1) fputs("\r\033[K", stderr);
}

/* ------------------------------------------------------------- version */

int cli_print_version(bool json)
{
	if (json) printf("{\"version\":\"%s\",\"git\":\"%s\"}\n", CLI_VERSION, SVM_GIT_REV);
	else printf("supervm %s (%s)\n", CLI_VERSION, SVM_GIT_REV);
	return 0;
}

/* ---------------------------------------------------------- completion */

/* Bash completion from the command table: command words first, then the chosen command's
 * options (and the global ones), then file names. */
int cli_cmd_completion(cli_args_t *a)
{
	if (strcmp(a->pos[0], "bash") != 0)
		return cli_fail(a, CLI_EXIT_USAGE, "only bash is supported: supervm completion bash");
	size_t n;
	const cli_cmd_t *cmds = cli_commands(&n);
	printf("# bash completion for supervm; load it with: source <(supervm completion bash)\n"
	       "_supervm() {\n"
	       "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"\" words=\"\" w i skip=0\n"
	       "  local valopts=\" --rpc");
	for (size_t i = 0; i < n; i++)
		for (const char *const *o = cmds[i].options; *o; o++)
			if ((*o)[strlen(*o) - 1] != '!') printf(" --%s", *o);
	printf(" \"\n"
	       "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
	       "    w=\"${COMP_WORDS[i]}\"\n"
	       "    if ((skip)); then skip=0; continue; fi\n"
	       "    case \"$w\" in\n"
	       "      --*=*) ;;\n"
	       "      --*) [[ \"$valopts \" == *\" $w \"* ]] && skip=1 ;;\n"
	       "      *) words=\"${words:+$words }$w\" ;;\n"
	       "    esac\n"
	       "  done\n"
	       "  local opts=\"--rpc --json --help --version\" cands=\"\"\n"
	       "  case \"$words\" in\n");
	for (size_t i = 0; i < n; i++) {
		printf("    \"%s\"|\"%s \"*) opts=\"$opts", cmds[i].name, cmds[i].name);
		for (const char *const *o = cmds[i].options; *o; o++) {
			size_t m = strlen(*o);
			printf(" --%.*s", (int)(m && (*o)[m - 1] == '!' ? m - 1 : m), *o);
		}
		printf("\" ;;\n");
	}
	printf("    \"\") cands=\"help");
	for (size_t i = 0; i < n; i++) {
		const char *sp = strchr(cmds[i].name, ' ');
		int len = sp ? (int)(sp - cmds[i].name) : (int)strlen(cmds[i].name);
		bool dup = false; /* a group word once */
		for (size_t j = 0; j < i && !dup; j++)
			dup = strncmp(cmds[j].name, cmds[i].name, (size_t)len) == 0 &&
			      (cmds[j].name[len] == 0 || cmds[j].name[len] == ' ');
		if (!dup) printf(" %.*s", len, cmds[i].name);
	}
	printf("\" ;;\n");
	for (size_t i = 0; i < n; i++) { /* a group word alone: its subcommands */
		const char *sp = strchr(cmds[i].name, ' ');
		if (sp == NULL) continue;
		int len = (int)(sp - cmds[i].name);
		bool first = true;
		for (size_t j = 0; j < i && first; j++) first = strncmp(cmds[j].name, cmds[i].name, (size_t)len + 1) != 0;
		if (!first) continue;
		printf("    \"%.*s\") cands=\"", len, cmds[i].name);
		for (size_t j = i; j < n; j++)
			if (strncmp(cmds[j].name, cmds[i].name, (size_t)len + 1) == 0) printf(" %s", cmds[j].name + len + 1);
		printf("\" ;;\n");
	}
	printf("  esac\n"
	       "  if [[ \"$cur\" == -* ]]; then COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	       "  elif [[ -n \"$cands\" ]]; then COMPREPLY=($(compgen -W \"$cands\" -- \"$cur\"))\n"
	       "  else COMPREPLY=($(compgen -f -- \"$cur\")); fi\n"
	       "}\n"
	       "complete -o default -F _supervm supervm\n");
	return 0;
}

/* ------------------------------------------------------ describe a tx */

static const char *token_name(const svm_id_t *t, char hex[65])
{
	svm_id_t swr, aic;
	svm_token_id("SWR", &swr);
	svm_token_id("AIC", &aic);
	if (memcmp(t, &swr, sizeof swr) == 0) return "SWR";
	if (memcmp(t, &aic, sizeof aic) == 0) return "AIC";
	return svm_hash_hex(t, hex);
}

/* The economy's and the AI market's programs (econ.h, ai.h, verify.h, confidential.h): their
 * names, their methods' names, and the arguments people look for (pool tokens and amounts,
 * operators, proposals, jobs). The rest of a payload is left undecoded (r ends at its end). */
static const char *const AMM_M[] = {NULL, "create", "add", "remove", "swap_in", "swap_out"};
static const char *const STAKE_M[] = {NULL, "register", "delegate", "undelegate", "claim", "redelegate", "epoch", "evidence", "unjail"};
static const char *const GOV_M[] = {NULL, "submit", "vote", "execute", "close"};
static const char *const MODELS_M[] = {NULL, "put_chunk", "register", "put_code"};
static const char *const JOBS_M[] = {NULL, "provider_register", "post", "accept", "commit", "reveal", "settle", "challenge", "claim", "unbond", "withdraw"};
static const struct {
	uint64_t id;
	const char *name;
	const char *const *methods;
	size_t n_methods;
} PROGRAMS[] = {
	{SVM_PROGRAM_AMM, "amm", AMM_M, 6},         {SVM_PROGRAM_STAKING, "staking", STAKE_M, 9},
	{SVM_PROGRAM_GOV, "governance", GOV_M, 5},  {SVM_PROGRAM_MODELS, "models", MODELS_M, 4},
	{SVM_PROGRAM_JOBS, "jobs", JOBS_M, 11},     {SVM_PROGRAM_ATTEST, "attestation collateral", NULL, 0},
	{SVM_PROGRAM_DISPUTES, "disputes", NULL, 0}, {SVM_PROGRAM_CONFIDENTIAL, "confidential", NULL, 0},
	{SVM_PROGRAM_GROTH16, "groth16", NULL, 0},
};

static json_t *describe_program(svm_reader_t *r, uint64_t program, uint64_t method)
{
	size_t k = 0;
	while (k < sizeof PROGRAMS / sizeof PROGRAMS[0] && PROGRAMS[k].id != program) k++;
	if (k == sizeof PROGRAMS / sizeof PROGRAMS[0]) return NULL;
	const char *m = method < PROGRAMS[k].n_methods ? PROGRAMS[k].methods[method] : NULL;
	json_t *j = json_pack("{s:s}", "program", PROGRAMS[k].name);
	if (j == NULL) return NULL;
	json_object_set_new(j, "method", m ? json_string(m) : json_integer((json_int_t)method));
	svm_id_t x = {{0}}, y = {{0}};
	uint64_t v[3] = {0};
	char h1[65], h2[65];
	if (program == SVM_PROGRAM_AMM && method >= SVM_AMM_CREATE && method <= SVM_AMM_SWAP_OUT &&
	    svm_reader_copy(r, x.b, 32) == 0 && svm_reader_copy(r, y.b, 32) == 0 && svm_varint_read(r, &v[0]) == 0 &&
	    svm_varint_read(r, &v[1]) == 0 && svm_varint_read(r, &v[2]) == 0) {
		json_object_set_new(j, method >= SVM_AMM_SWAP_IN ? "token_in" : "token_a", json_string(token_name(&x, h1)));
		json_object_set_new(j, method >= SVM_AMM_SWAP_IN ? "token_out" : "token_b", json_string(token_name(&y, h2)));
		json_object_set_new(j, "fee_bps", json_integer((json_int_t)v[0]));
		static const char *const ARGS[6][2] = {{0}, {"amount_a", "amount_b"}, {"max_a", "max_b"},
						       {"shares", "min_a"}, {"amount_in", "min_out"}, {"amount_out", "max_in"}};
		json_object_set_new(j, ARGS[method][0], json_integer((json_int_t)v[1]));
		json_object_set_new(j, ARGS[method][1], json_integer((json_int_t)v[2]));
	} else if (program == SVM_PROGRAM_STAKING && method >= SVM_STAKE_DELEGATE && method <= SVM_STAKE_REDELEGATE &&
		   svm_reader_copy(r, x.b, 32) == 0) {
		json_object_set_new(j, "operator", json_string(svm_hash_hex(&x, h1)));
		if (method == SVM_STAKE_REDELEGATE && svm_reader_copy(r, y.b, 32) == 0)
			json_object_set_new(j, "to_operator", json_string(svm_hash_hex(&y, h2)));
		if (method != SVM_STAKE_CLAIM && svm_varint_read(r, &v[0]) == 0)
			json_object_set_new(j, method == SVM_STAKE_DELEGATE ? "amount" : "shares", json_integer((json_int_t)v[0]));
		if (method == SVM_STAKE_DELEGATE) json_object_set_new(j, "token", json_string("SWR"));
	} else if (program == SVM_PROGRAM_GOV && method == SVM_GOV_SUBMIT && svm_varint_read(r, &v[0]) == 0 &&
		   svm_varint_read(r, &v[1]) == 0) {
		static const char *const KIND[] = {"?", "params", "upgrade", "treasury", "text", "attest_pins"};
		json_object_set_new(j, "kind", json_string(v[0] < 6 ? KIND[v[0]] : "?"));
		json_object_set_new(j, "deposit", json_integer((json_int_t)v[1]));
	} else if (program == SVM_PROGRAM_GOV && method >= SVM_GOV_VOTE && svm_reader_copy(r, x.b, 32) == 0) {
		json_object_set_new(j, "proposal", json_string(svm_hash_hex(&x, h1)));
		if (method == SVM_GOV_VOTE && svm_reader_copy(r, y.b, 32) == 0 && svm_varint_read(r, &v[0]) == 0) {
			static const char *const OPT[] = {"yes", "no", "abstain"};
			json_object_set_new(j, "validator", json_string(svm_hash_hex(&y, h2)));
			json_object_set_new(j, "option", json_string(v[0] < 3 ? OPT[v[0]] : "?"));
		}
	} else if (program == SVM_PROGRAM_JOBS && method >= SVM_JOBS_ACCEPT && method <= SVM_JOBS_CLAIM &&
		   svm_reader_copy(r, x.b, 32) == 0) {
		json_object_set_new(j, "job", json_string(svm_hash_hex(&x, h1)));
	}
	r->pos = r->len; /* the rest is not decoded here */
	return j;
}

static json_t *describe_native(svm_reader_t *r)
{
	uint64_t program, method, amount, len, decimals;
	svm_id_t token, to;
	char th[65], toh[65];
	const uint8_t *sym;
	if (svm_varint_read(r, &program) || svm_varint_read(r, &method)) return NULL;
	if (program != SVM_PROGRAM_LEDGER) return describe_program(r, program, method);
	if (method == SVM_LEDGER_TRANSFER) {
		if (svm_reader_copy(r, token.b, 32) || svm_reader_copy(r, to.b, 32) || svm_varint_read(r, &amount))
			return NULL;
		return json_pack("{s:s, s:s, s:s, s:s, s:I}", "program", "ledger", "method", "transfer", "to",
				 svm_hash_hex(&to, toh), "token", token_name(&token, th), "amount", (json_int_t)amount);
	}
	if (method == SVM_LEDGER_CREATE_TOKEN) {
		if (svm_varint_read(r, &len) || len > 32 || svm_reader_bytes(r, len, &sym) ||
		    svm_varint_read(r, &decimals) || svm_varint_read(r, &amount))
			return NULL;
		return json_pack("{s:s, s:s, s:s%, s:I, s:I}", "program", "ledger", "method", "create_token",
				 "symbol", (const char *)sym, (size_t)len, "decimals", (json_int_t)decimals,
				 "supply", (json_int_t)amount);
	}
	if (method == SVM_LEDGER_BURN) {
		if (svm_reader_copy(r, token.b, 32) || svm_varint_read(r, &amount)) return NULL;
		return json_pack("{s:s, s:s, s:s, s:I}", "program", "ledger", "method", "burn", "token",
				 token_name(&token, th), "amount", (json_int_t)amount);
	}
	return NULL;
}

static json_t *describe_wasm(svm_reader_t *r)
{
	uint8_t op;
	if (svm_reader_u8(r, &op)) return NULL;
	char h[65], th[65];
	if (op == SVM_CONTRACT_OP_DEPLOY) {
		svm_id_t code;
		size_t n = svm_reader_left(r);
		svm_contract_code_id(r->p + r->pos, n, &code);
		r->pos = r->len;
		return json_pack("{s:s, s:s, s:I, s:s}", "program", "wasm", "method", "deploy", "module_bytes",
				 (json_int_t)n, "code_id", svm_hash_hex(&code, h));
	}
	if (op != SVM_CONTRACT_OP_CALL) return NULL;
	svm_id_t contract, token;
	uint64_t mlen, ilen, amount;
	const uint8_t *m, *in;
	if (svm_reader_copy(r, contract.b, 32) || svm_varint_read(r, &mlen) || mlen > SVM_CONTRACT_METHOD_MAX ||
	    svm_reader_bytes(r, mlen, &m) || svm_varint_read(r, &ilen) || ilen > svm_reader_left(r) ||
	    svm_reader_bytes(r, ilen, &in) || svm_reader_copy(r, token.b, 32) || svm_varint_read(r, &amount))
		return NULL;
	char *ihex = svm_malloc(2 * ilen + 3);
	if (ihex == NULL) return NULL;
	ihex[0] = '0', ihex[1] = 'x';
	svm_hex_encode(ihex + 2, in, ilen);
	json_t *j = json_pack("{s:s, s:s, s:s%, s:s, s:I}", "program", "wasm", "contract",
			      svm_hash_hex(&contract, h), "method", (const char *)m, (size_t)mlen, "input", ihex,
			      "amount", (json_int_t)amount);
	if (j != NULL && amount > 0) json_object_set_new(j, "token", json_string(token_name(&token, th)));
	svm_free(ihex);
	return j;
}

json_t *cli_describe_tx(json_t *tx)
{
	const char *vm = json_string_value(json_object_get(tx, "vm"));
	const char *hex = json_string_value(json_object_get(tx, "payload"));
	svm_buf_t p = {0};
	if (vm == NULL || hex == NULL || svm_hex_decode_buf(&p, hex, SVM_TX_BYTES_MAX) != 0) return NULL;
	svm_reader_t r = svm_reader(p.data, p.len);
	json_t *j = strcmp(vm, "native") == 0 ? describe_native(&r) : strcmp(vm, "wasm") == 0 ? describe_wasm(&r) : NULL;
	if (j != NULL && svm_reader_left(&r) != 0) { /* canonical payloads have no trailing bytes */
		json_decref(j);
		j = NULL;
	}
	svm_id_t sender, tok;
	const char *snd = json_string_value(json_object_get(tx, "sender"));
	json_t *m = json_object_get(j, "method");
	if (json_is_string(m) && strcmp(json_string_value(m), "create_token") == 0 && snd != NULL &&
	    svm_hash_from_hex(&sender, snd) == 0) { /* the id the new token gets */
		char th[65];
		svm_token_new_id(&sender, cli_ju64(json_object_get(tx, "nonce")), &tok);
		json_object_set_new(j, "token", json_string(svm_hash_hex(&tok, th)));
	}
	svm_buf_free(&p);
	return j;
}

void cli_action_add_token(svm_rpc_client_t *c, json_t *act)
{
	const char *tok = json_string_value(json_object_get(act, "token"));
	if (tok == NULL || token_decimals(tok) >= 0) return;
	json_t *info = NULL;
	int code = 0;
	svm_error_t err = {0};
	/* quiet: a transfer of a token that does not exist still shows, in base units */
	if (svm_rpc_call(c, "svm_getToken", json_pack("[s]", tok), &info, &code, &err) == 0) {
		json_t *d = json_object_get(info, "decimals"), *sym = json_object_get(info, "symbol");
		if (json_is_integer(d) && json_is_string(sym)) {
			json_object_set(act, "token_symbol", sym);
			json_object_set(act, "token_decimals", d);
		}
	}
	json_decref(info);
}

/* An action's amount in its token: SWR/AIC by name, a user token with the decimals and symbol
 * cli_action_add_token found (else base units). */
static const char *action_amount(json_t *act, uint64_t v, char buf[CLI_AMOUNT_STR_MAX])
{
	json_t *d = json_object_get(act, "token_decimals");
	const char *sym = json_string_value(json_object_get(act, "token_symbol"));
	if (json_is_integer(d) && sym != NULL) return cli_amount_str_dec(v, (int)json_integer_value(d), sym, buf);
	return cli_amount_str(v, json_string_value(json_object_get(act, "token")), buf);
}

/* "amm swap_in 1 SWR for at least 0.3 AIC (fee tier 30 bps)", "governance vote yes on …",
 * or the program, the method and its decoded arguments. */
static void print_program_action(json_t *act, const char *prog)
{
	json_t *mj = json_object_get(act, "method");
	char mbuf[24], a1[CLI_AMOUNT_STR_MAX], a2[CLI_AMOUNT_STR_MAX];
	const char *m = json_is_string(mj) ? json_string_value(mj) : (snprintf(mbuf, sizeof mbuf, "method %lld", (long long)json_integer_value(mj)), mbuf);
	const char *ti = json_string_value(json_object_get(act, "token_in")), *to = json_string_value(json_object_get(act, "token_out"));
	const char *ta = json_string_value(json_object_get(act, "token_a")), *tb = json_string_value(json_object_get(act, "token_b"));
	uint64_t fee = cli_ju64(json_object_get(act, "fee_bps"));
#define AMT(k, t, buf) cli_amount_str(cli_ju64(json_object_get(act, k)), t, buf)
	if (ti && strcmp(m, "swap_in") == 0)
		printf("action:    amm swap %s for at least %s (fee tier %llu bps)\n", AMT("amount_in", ti, a1),
		       AMT("min_out", to, a2), (unsigned long long)fee);
	else if (ti)
		printf("action:    amm swap for exactly %s paying at most %s (fee tier %llu bps)\n", AMT("amount_out", to, a1),
		       AMT("max_in", ti, a2), (unsigned long long)fee);
	else if (ta && strcmp(m, "create") == 0)
		printf("action:    amm create the %s/%s pool (fee tier %llu bps) with %s and %s\n", ta, tb,
		       (unsigned long long)fee, AMT("amount_a", ta, a1), AMT("amount_b", tb, a2));
	else if (ta && strcmp(m, "add") == 0)
		printf("action:    amm add at most %s and %s to the %s/%s pool (fee tier %llu bps)\n", AMT("max_a", ta, a1),
		       AMT("max_b", tb, a2), ta, tb, (unsigned long long)fee);
	else if (ta)
		printf("action:    amm remove %llu shares of the %s/%s pool (fee tier %llu bps)\n",
		       (unsigned long long)cli_ju64(json_object_get(act, "shares")), ta, tb, (unsigned long long)fee);
	else if (json_object_get(act, "option"))
		printf("action:    governance vote %s on proposal %s for validator %s\n",
		       json_string_value(json_object_get(act, "option")), json_string_value(json_object_get(act, "proposal")),
		       json_string_value(json_object_get(act, "validator")));
	else if (json_object_get(act, "deposit"))
		printf("action:    governance submit a %s proposal with a deposit of %s\n",
		       json_string_value(json_object_get(act, "kind")), AMT("deposit", "SWR", a1));
	else {
		printf("action:    %s %s", prog, m);
		const char *keys[] = {"proposal", "operator", "to_operator", "job"};
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			if (json_object_get(act, keys[i])) printf(" %s %s", keys[i], json_string_value(json_object_get(act, keys[i])));
		if (json_object_get(act, "amount")) printf(", %s", AMT("amount", "SWR", a1));
		if (json_object_get(act, "shares")) printf(", %llu shares", (unsigned long long)cli_ju64(json_object_get(act, "shares")));
		printf("\n");
	}
#undef AMT
}

void cli_print_action(json_t *act)
{
	const char *m = json_string_value(json_object_get(act, "method"));
	uint64_t amount = cli_ju64(json_object_get(act, "amount"));
	char amt[CLI_AMOUNT_STR_MAX];
	const char *prog = json_string_value(json_object_get(act, "program"));
	if (strcmp(prog, "ledger") == 0 && strcmp(m, "transfer") == 0) {
		printf("action:    transfer %s to %s\n", action_amount(act, amount, amt),
		       json_string_value(json_object_get(act, "to")));
	} else if (strcmp(prog, "ledger") == 0 && strcmp(m, "burn") == 0) {
		printf("action:    burn %s\n", action_amount(act, amount, amt));
	} else if (strcmp(prog, "ledger") == 0) {
		const char *sym = json_string_value(json_object_get(act, "symbol"));
		uint64_t dec = cli_ju64(json_object_get(act, "decimals"));
		printf("action:    create token %s (%llu decimals, supply %s)\n", sym, (unsigned long long)dec,
		       cli_amount_str_dec(cli_ju64(json_object_get(act, "supply")), dec > 255 ? -1 : (int)dec, sym, amt));
	} else if (strcmp(prog, "wasm") != 0) { /* the economy's and the AI market's programs */
		print_program_action(act, prog);
	} else if (json_object_get(act, "contract") == NULL) { /* a deploy */
		printf("action:    deploy a %llu-byte WebAssembly module (code %s)\n",
		       (unsigned long long)cli_ju64(json_object_get(act, "module_bytes")),
		       json_string_value(json_object_get(act, "code_id")));
	} else {
		printf("action:    call %s on contract %s, input %s", m,
		       json_string_value(json_object_get(act, "contract")),
		       json_string_value(json_object_get(act, "input")));
		if (amount > 0) printf(", attaching %s", action_amount(act, amount, amt));
		printf("\n");
	}
}

void cli_block_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

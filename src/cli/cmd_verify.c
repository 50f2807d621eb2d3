/* Disputes by bisection and attestation collateral from the command line (docs/bisection.md,
 * docs/verification.md): `supervm dispute claim|challenge|play|timeout|show` and
 * `supervm attest collateral show|updater|put-snp|put-tdx`.
 *
 * A party plays from its own copy of the module: `dispute claim` runs it in the canonical
 * stepper, commits to its checkpoints every K steps and bonds SWR; `dispute play` reads the game
 * from the chain (svm_getDispute) and makes this key's moves — the claimant reveals the state
 * hashes at the planned steps (with inclusion proofs under its root while they are
 * checkpoints) and proves the last step, the challenger picks the first point it disagrees
 * with — recomputing every state from the module, so it holds nothing between moves and a
 * restarted player continues where the chain is. A player whose opponent misses a deadline
 * sends the timeout. --corrupt-step N makes this party's machine add 1 to the top of the value
 * stack after step N (for tests: a provider built to cheat). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "party.h"
#include "supervm/ai.h"
#include "supervm/econ.h"
#include "supervm/verify.h"

#define V_FEE_LIMIT 100000000ull
#define V_EXPIRY_BLOCKS 1000
#define V_WAIT_MS 60000
#define V_PLAY_MOVES_MAX 512 /* transactions one `dispute play` sends at most */

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int load_key(cli_args_t *a, svm_keypair_t *kp)
{
	const char *path = cli_opt(a, "from");
	svm_error_t err = {0};
	if (path == NULL) return cli_fail(a, CLI_EXIT_USAGE, "--from KEYFILE is required");
	if (svm_crypto_init() != 0) return cli_fail(a, CLI_EXIT_FAIL, "libsodium failed to initialise");
	if (svm_keyfile_read(path, kp, &err)) return cli_fail(a, CLI_EXIT_FAIL, "%s", err.msg);
	return 0;
}

static int read_all(cli_args_t *a, const char *path, size_t max, svm_buf_t *out)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) return cli_fail(a, CLI_EXIT_FAIL, "cannot open %s", path);
	char chunk[8192];
	size_t n;
	int rc = 0;
	while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		rc = out->len + n > max ? SVM_ELIMIT : svm_buf_append(out, chunk, n);
	fclose(f);
	return rc ? cli_fail(a, CLI_EXIT_FAIL, "%s is larger than %zu bytes", path, max) : 0;
}

/* Reads --module and decodes it with the AI VM's configuration (what the chain uses). */
static int party_module(cli_args_t *a, cli_party_t *p)
{
	const char *path = cli_opt(a, "module"), *cs = cli_opt(a, "corrupt-step");
	if (cs && (cli_u64(a, "--corrupt-step", cs, &p->corrupt_at) || p->corrupt_at == 0))
		return cli_fail(a, CLI_EXIT_USAGE, "--corrupt-step must be a step number ≥ 1");
	if (path == NULL) return cli_fail(a, CLI_EXIT_USAGE, "--module FILE (the .wasm) is required");
	int rc = read_all(a, path, CLI_PARTY_MODULE_MAX, &p->code);
	return rc ? rc : cli_party_decode(a, p, path);
}

/* --args a,b,c (decimal u64s). */
static int parse_args(cli_args_t *a, cli_party_t *p)
{
	const char *s = cli_opt(a, "args");
	p->nargs = 0;
	if (s == NULL || *s == 0) return 0;
	char buf[512];
	if (strlen(s) >= sizeof buf) return cli_fail(a, CLI_EXIT_USAGE, "--args is too long");
	strcpy(buf, s);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (p->nargs == SVM_DISPUTE_ARGS_MAX)
			return cli_fail(a, CLI_EXIT_USAGE, "at most %d --args", SVM_DISPUTE_ARGS_MAX);
		if (cli_u64(a, "--args", t, &p->args[p->nargs++])) return CLI_EXIT_USAGE;
	}
	return 0;
}

/* ------------------------------------------------------------ commands */

int cli_cmd_dispute_show(cli_args_t *a)
{
	svm_id_t id;
	if (cli_hash(a, "CLAIM", a->pos[0], &id)) return CLI_EXIT_USAGE;
	svm_rpc_client_t *c = NULL;
	int rc = cli_client(a, &c);
	json_t *r = NULL;
	if (rc == 0) rc = cli_call(a, c, "svm_getDispute", json_pack("[s]", a->pos[0]), &r);
	if (rc == 0) {
		json_object_del(r, "raw");
		cli_print_json(r);
	}
	json_decref(r);
	svm_rpc_client_free(c);
	return rc;
}

int cli_cmd_dispute_claim(cli_args_t *a)
{
	svm_keypair_t kp;
	if (load_key(a, &kp)) return CLI_EXIT_USAGE;
	cli_party_t p = {0};
	svm_trace_t t = {0};
	const char *ex = cli_opt(a, "export"), *gs = cli_opt(a, "gas"), *ks = cli_opt(a, "k");
	const char *bs = cli_opt(a, "bond");
	uint64_t k = 4096, bond = SVM_DISPUTE_BOND_MIN;
	p.gas = 1ull << 30;
	int rc = 0;
	if (ex == NULL || strlen(ex) == 0 || strlen(ex) > SVM_DISPUTE_ENTRY_MAX)
		rc = cli_fail(a, CLI_EXIT_USAGE, "--export NAME (1..%d bytes) is required",
			      SVM_DISPUTE_ENTRY_MAX);
	if (rc == 0 && gs && cli_u64(a, "--gas", gs, &p.gas)) rc = CLI_EXIT_USAGE;
	if (rc == 0 && ks && (cli_u64(a, "--k", ks, &k) || k == 0))
		rc = cli_fail(a, CLI_EXIT_USAGE, "--k must be ≥ 1");
	const char *tok = "SWR";
	if (rc == 0 && bs && cli_amount_parse(a, "--bond", bs, &tok, &bond)) rc = CLI_EXIT_USAGE;
	if (rc == 0 && strcmp(tok, "SWR") != 0) rc = cli_fail(a, CLI_EXIT_USAGE, "--bond is in SWR");
	if (rc == 0 && bond < SVM_DISPUTE_BOND_MIN)
		rc = cli_fail(a, CLI_EXIT_USAGE, "--bond must be at least 1 SWR");
	if (rc == 0) rc = parse_args(a, &p);
	if (rc == 0) rc = party_module(a, &p);
	if (rc == 0) {
		strcpy(p.entry, ex);
		rc = cli_party_trace(a, &p, k, &t);
	}
	svm_rpc_client_t *c = NULL;
	if (rc == 0) rc = cli_client(a, &c);
	/* the module must be in the model registry's code store: put it there when it is not */
	svm_id_t code_obj;
	svm_ai_code_id(&p.code_hash, &code_obj);
	char hex[65];
	json_t *obj = NULL;
	svm_buf_t pl = {0};
	if (rc == 0 && svm_rpc_call(c, "svm_aiGetObject", json_pack("[s]", svm_hash_hex(&code_obj, hex)),
				    &obj, NULL, NULL) != 0) {
		if (svm_ai_put_code_payload(&pl, p.code.data, p.code.len))
			rc = cli_fail(a, CLI_EXIT_FAIL, "the module is too large for the code store");
		if (rc == 0) rc = cli_party_tx(a, c, &kp, &pl, "put_code", NULL);
	}
	json_decref(obj);
	svm_dispute_claim_t cl = {.code_hash = p.code_hash, .entry = p.entry, .nargs = p.nargs, .gas = p.gas, .k = k, .bond = bond};
	memcpy(cl.args, p.args, sizeof cl.args);
	uint8_t id[32];
	if (rc == 0) {
		cl.root = t.root;
		cl.steps = t.steps;
		cl.final_state = t.hashes[t.n - 1];
		if (svm_merkle_prove(t.hashes, t.n, 0, &cl.init_proof) ||
		    svm_merkle_prove(t.hashes, t.n, t.n - 1, &cl.final_proof) ||
		    svm_dispute_claim_payload(&pl, &cl))
			rc = cli_fail(a, CLI_EXIT_FAIL, "cannot build the claim");
	}
	if (rc == 0) rc = cli_party_tx(a, c, &kp, &pl, "claim", id);
	if (rc == 0) {
		svm_hex_encode(hex, id, 32);
		if (a->json)
			printf("{\"claim\":\"%s\",\"steps\":%llu,\"k\":%llu,\"checkpoints\":%llu,"
			       "\"root\":\"%s\"}\n",
			       hex, (unsigned long long)t.steps, (unsigned long long)k,
			       (unsigned long long)t.n, svm_hash_hex(&t.root, (char[65]){0}));
		else
			printf("%s\n", hex);
	}
	svm_buf_free(&pl);
	svm_free(t.hashes);
	cli_party_free(&p);
	svm_rpc_client_free(c);
	return rc;
}

/* challenge and timeout: one transaction naming the claim (or game). A challenge prints the
 * id of the challenger's game. */
static int simple(cli_args_t *a, uint64_t method, const char *what)
{
	svm_keypair_t kp;
	svm_id_t id;
	if (cli_hash(a, "ID", a->pos[0], &id) || load_key(a, &kp)) return CLI_EXIT_USAGE;
	svm_rpc_client_t *c = NULL;
	svm_buf_t p = {0};
	uint8_t ret[32];
	bool game = method == SVM_DISPUTE_CHALLENGE;
	int rc = cli_client(a, &c);
	if (rc == 0 && svm_dispute_payload(&p, method, &id)) rc = CLI_EXIT_FAIL;
	if (rc == 0) rc = cli_party_tx(a, c, &kp, &p, what, game ? ret : NULL);
	char hex[65];
	if (rc == 0 && game) svm_hex_encode(hex, ret, 32);
	if (rc == 0 && a->json && game) printf("{\"claim\":\"%s\",\"game\":\"%s\"}\n", a->pos[0], hex);
	else if (rc == 0 && game) printf("%s\n", hex);
	else if (rc == 0) {
		if (a->json) printf("{\"claim\":\"%s\",\"%s\":true}\n", a->pos[0], what);
		else printf("%s: done\n", what);
	}
	svm_buf_free(&p);
	svm_rpc_client_free(c);
	return rc;
}

int cli_cmd_dispute_challenge(cli_args_t *a) { return simple(a, SVM_DISPUTE_CHALLENGE, "challenge"); }
int cli_cmd_dispute_timeout(cli_args_t *a) { return simple(a, SVM_DISPUTE_TIMEOUT, "timeout"); }

/* The party of a job's claim: the job's model and input from the node (--module, when given,
 * must be the job's inference module). */
static int job_party(cli_args_t *a, svm_rpc_client_t *c, const svm_dispute_t *d, cli_party_t *p)
{
	svm_ai_job_t *j = svm_malloc(sizeof *j);
	svm_buf_t raw = {0};
	char hex[65];
	json_t *r = NULL;
	int rc = j ? cli_call(a, c, "svm_aiGetObject", json_pack("[s]", svm_hash_hex(&d->job, hex)), &r)
		   : cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	const char *s = rc ? NULL : json_string_value(json_object_get(r, "payload"));
	if (rc == 0 && (s == NULL || strncmp(s, "0x", 2) || svm_hex_decode_buf(&raw, s + 2, SVM_OBJECT_PAYLOAD_MAX) ||
			svm_ai_job_decode(raw.data, raw.len, j)))
		rc = cli_fail(a, CLI_EXIT_FAIL, "the node returned a malformed job %s", hex);
	json_decref(r);
	svm_buf_free(&raw);
	uint64_t corrupt = p->corrupt_at;
	if (rc == 0 && cli_opt(a, "module")) {
		svm_hash_t mine = p->code_hash;
		cli_party_free(p);
		if (!svm_hash_eq(&mine, &j->code_hash))
			rc = cli_fail(a, CLI_EXIT_FAIL, "--module is not the job's inference module (its SHA-256 differs)");
	}
	if (rc == 0) rc = cli_party_from_job(a, c, j, p);
	p->corrupt_at = corrupt;
	svm_free(j);
	return rc;
}

/* What one `dispute play` did. */
typedef struct {
	unsigned moves, timeouts, games;
	uint64_t t_end, poll;
	bool once, no_guard, released;
} play_t;

static const char *move_name(const svm_dispute_t *d)
{
	const svm_bisect_t *g = &d->game;
	return d->state == SVM_DISPUTE_AWAIT_OPEN        ? "open"
	       : g->phase == SVM_BISECT_ONE_STEP         ? "prove"
	       : g->phase == SVM_BISECT_CHALLENGER_MOVES ? "pick"
							 : "reveal";
}

/* One move of kp's side of game d (id), counted; false when it had none to make. */
static int play_move(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp, const cli_party_t *p,
		     const svm_id_t *id, const svm_dispute_t *d, uint64_t head, play_t *pl, bool *acted)
{
	if (pl->moves + pl->timeouts >= V_PLAY_MOVES_MAX)
		return cli_fail(a, CLI_EXIT_FAIL, "more than %d moves", V_PLAY_MOVES_MAX);
	cli_progress(a, "round %u: %s over [%llu, %llu]", d->game.rounds, move_name(d),
		     (unsigned long long)d->game.lo, (unsigned long long)d->game.hi);
	int did = CLI_MOVE_NONE;
	int rc = cli_dispute_move(a, c, kp, p, id, d, head, &did);
	pl->moves += did == CLI_MOVE_MADE;
	pl->timeouts += did == CLI_MOVE_TIMEOUT;
	*acted = did != CLI_MOVE_NONE;
	return rc;
}

/* Waits a poll interval, or fails past the time limit. */
static int play_wait(cli_args_t *a, const play_t *pl, uint64_t tmo)
{
	if (svm_clock_ns() > pl->t_end)
		return cli_fail(a, CLI_EXIT_FAIL, "the game did not end in %llu ms", (unsigned long long)tmo);
	sleep_ms((unsigned)pl->poll);
	return 0;
}

/* Plays one game (or a job's claim) to its end: d is its record, refreshed. */
static int play_game(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp, const cli_party_t *p,
		     const svm_id_t *id, svm_dispute_t *d, uint64_t head, play_t *pl, uint64_t tmo)
{
	int rc = 0;
	while (rc == 0 && d->state != SVM_DISPUTE_CLOSED) {
		bool acted = false;
		rc = play_move(a, c, kp, p, id, d, head, pl, &acted);
		if (rc || pl->once) break;
		if (!acted) rc = play_wait(a, pl, tmo);
		if (rc == 0) rc = cli_dispute_fetch(a, c, id, d, &head);
	}
	return rc;
}

/* The claim's bond back once its window has passed with no game open (program 19's timeout
 * on the claim): already released by someone else is fine. */
static int release(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp, const svm_id_t *id,
		   svm_dispute_t *d, play_t *pl)
{
	svm_buf_t pl_tx = {0};
	if (svm_dispute_payload(&pl_tx, SVM_DISPUTE_TIMEOUT, id)) return CLI_EXIT_FAIL;
	int rc = cli_party_tx(a, c, kp, &pl_tx, "release", NULL);
	int rc2 = cli_dispute_fetch(a, c, id, d, NULL);
	if (rc2) return rc2;
	if (d->state != SVM_DISPUTE_CLOSED) return rc ? rc : cli_fail(a, CLI_EXIT_FAIL, "the claim was not released");
	pl->released = rc == 0;
	return 0;
}

/* The claimant of a claim defends every open game of it, one move of each per pass. Guarding
 * (the default), it stays through the claim's window — challengers may come until it ends, and
 * a game left unanswered is lost — and then takes its bond back; with no_guard it returns once
 * no game is open. d is the claim, refreshed; g the last game looked at. */
static int defend_claim(cli_args_t *a, svm_rpc_client_t *c, const svm_keypair_t *kp, const cli_party_t *p,
			const svm_id_t *id, svm_dispute_t *d, svm_dispute_t *g, play_t *pl, uint64_t head,
			uint64_t tmo)
{
	int rc = 0;
	if (pl->no_guard && d->games_opened == 0)
		return cli_fail(a, CLI_EXIT_FAIL, "the claim is not challenged (dispute challenge first)");
	while (rc == 0 && d->state != SVM_DISPUTE_CLOSED) {
		if (d->games_len == 0 && pl->no_guard) break; /* every game decided */
		if (d->games_len == 0 && !d->refuted && head > svm_dispute_window_end(d, head)) {
			rc = release(a, c, kp, id, d, pl);
			break;
		}
		bool any = false;
		for (uint32_t i = 0; rc == 0 && i < d->games_len; i++) {
			svm_id_t gid;
			bool acted = false;
			svm_dispute_game_id(id, &d->games[i], &gid);
			rc = cli_dispute_fetch(a, c, &gid, g, &head);
			if (rc == 0) rc = play_move(a, c, kp, p, &gid, g, head, pl, &acted);
			any |= acted;
		}
		if (rc || pl->once) break;
		if (!any) rc = play_wait(a, pl, tmo);
		if (rc == 0) rc = cli_dispute_fetch(a, c, id, d, &head);
	}
	pl->games = (unsigned)d->games_opened;
	return rc;
}

static void play_report(cli_args_t *a, const play_t *pl, const cli_party_t *p, bool claimant,
			const svm_dispute_t *d, const svm_dispute_t *g)
{
	uint64_t runs, steps;
	cli_party_work(p, &runs, &steps);
	/* a claim: decided when no game is open; challenger_won once any game was won */
	bool claim = d->kind == SVM_DISPUTE_KIND_CLAIM;
	bool over = claim ? d->games_len == 0 && (pl->no_guard || d->state == SVM_DISPUTE_CLOSED)
			  : d->state == SVM_DISPUTE_CLOSED;
	bool cw = claim ? !d->refuted : g->game.phase == SVM_BISECT_CLAIMANT_WON;
	const char *st = !over ? "playing" : cw ? "claimant_won"
						: "challenger_won";
	bool won = over && cw == claimant;
	if (a->json)
		printf("{\"claim\":\"%s\",\"role\":\"%s\",\"result\":\"%s\",\"won\":%s,\"moves\":%u,"
		       "\"timeouts\":%u,\"games\":%u,\"released\":%s,\"rounds\":%u,\"lo\":%llu,\"hi\":%llu,"
		       "\"runs\":%llu,\"steps_run\":%llu}\n",
		       a->pos[0], claimant ? "claimant" : "challenger", st, won ? "true" : "false", pl->moves,
		       pl->timeouts, claim ? pl->games : 1, pl->released ? "true" : "false", g->game.rounds, (unsigned long long)g->game.lo,
		       (unsigned long long)g->game.hi, (unsigned long long)runs, (unsigned long long)steps);
	else
		printf("%s (%s, %u moves, %u rounds; decided at step %llu)\n", st, claimant ? "claimant" : "challenger",
		       pl->moves, g->game.rounds, (unsigned long long)g->game.hi);
}

/* This party's machine: a job's model and input from the chain, a claim's module from
 * --module (checked against the record's), with the record's export, arguments and gas. */
static int play_party(cli_args_t *a, svm_rpc_client_t *c, const svm_dispute_t *d, cli_party_t *p)
{
	bool job = d->kind == SVM_DISPUTE_KIND_JOB;
	int rc = 0;
	if (!job || cli_opt(a, "module") || cli_opt(a, "corrupt-step")) {
		const char *path = cli_opt(a, "module");
		if (job && path == NULL) {
			const char *cs = cli_opt(a, "corrupt-step");
			if (cli_u64(a, "--corrupt-step", cs, &p->corrupt_at) || p->corrupt_at == 0)
				rc = cli_fail(a, CLI_EXIT_USAGE, "--corrupt-step must be a step number ≥ 1");
		} else {
			rc = party_module(a, p);
		}
	}
	if (rc == 0 && job) return job_party(a, c, d, p);
	if (rc == 0 && !svm_hash_eq(&p->code_hash, &d->code_hash))
		rc = cli_fail(a, CLI_EXIT_FAIL, "--module is not the claim's module (its SHA-256 differs)");
	if (rc) return rc;
	strcpy(p->entry, d->entry);
	p->nargs = d->nargs;
	memcpy(p->args, d->args, sizeof p->args);
	p->gas = d->gas;
	return 0;
}

int cli_cmd_dispute_play(cli_args_t *a)
{
	svm_keypair_t kp;
	svm_id_t id, gid;
	if (cli_hash(a, "ID", a->pos[0], &id) || load_key(a, &kp)) return CLI_EXIT_USAGE;
	const char *ps = cli_opt(a, "poll-ms"), *ts = cli_opt(a, "timeout-ms");
	uint64_t tmo = 600000;
	play_t pl = {.poll = 100, .once = cli_flag(a, "once"), .no_guard = cli_flag(a, "no-guard")};
	if ((ps && cli_u64(a, "--poll-ms", ps, &pl.poll)) || (ts && cli_u64(a, "--timeout-ms", ts, &tmo)))
		return CLI_EXIT_USAGE;
	pl.t_end = svm_clock_ns() + tmo * 1000000ull;
	cli_party_t p = {0};
	svm_dispute_t *d = svm_malloc(sizeof *d), *g = svm_malloc(sizeof *g);
	svm_rpc_client_t *c = NULL;
	int rc = d && g ? cli_client(a, &c) : cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	uint64_t head = 0;
	if (rc == 0) rc = cli_dispute_fetch(a, c, &id, d, &head);
	if (rc == 0) *g = *d; /* what the report shows until a game is looked at */
	if (rc == 0) rc = play_party(a, c, d, &p);
	/* the run's checkpoints kept across moves and games (--no-cache: counted only) */
	if (rc == 0 && cli_party_cache(&p, cli_flag(a, "no-cache"))) rc = cli_fail(a, CLI_EXIT_FAIL, "out of memory");
	bool claimant = rc == 0 && svm_hash_eq(&kp.id, &d->claimant);
	bool claim = rc == 0 && d->kind == SVM_DISPUTE_KIND_CLAIM;
	if (rc == 0 && claim && !claimant) {
		/* a challenger of the claim: its own game */
		svm_dispute_game_id(&id, &kp.id, &gid);
		if (cli_dispute_fetch(a, c, &gid, g, &head))
			rc = cli_fail(a, CLI_EXIT_FAIL, "this key is neither the claimant nor the challenger of a game "
							"of this claim (dispute challenge first)");
	} else if (rc == 0 && !claim) {
		gid = id;
		*g = *d;
		if (!claimant && !svm_hash_eq(&kp.id, &d->challenger))
			rc = cli_fail(a, CLI_EXIT_FAIL, "this key is neither the claimant nor the challenger");
	}
	if (rc == 0 && claim && claimant) rc = defend_claim(a, c, &kp, &p, &id, d, g, &pl, head, tmo);
	else if (rc == 0) rc = play_game(a, c, &kp, &p, &gid, g, head, &pl, tmo);
	/* a challenger's result is its game's; the claimant's of a claim, the claim's */
	if (rc == 0 && !(claim && claimant)) *d = *g;
	cli_progress_end(a);
	if (rc == 0) play_report(a, &pl, &p, claimant, d, g);
	svm_free(d);
	svm_free(g);
	cli_party_free(&p);
	svm_rpc_client_free(c);
	return rc;
}

/* ------------------------------------------------------------ attestation collateral */

int cli_cmd_attest_collateral_show(cli_args_t *a)
{
	const char *f = cli_opt(a, "fmspc");
	svm_rpc_client_t *c = NULL;
	json_t *r = NULL;
	int rc = cli_client(a, &c);
	if (rc == 0) rc = cli_call(a, c, "svm_getAttestCollateral", f ? json_pack("[s]", f) : json_array(), &r);
	if (rc == 0) cli_print_json(r);
	json_decref(r);
	svm_rpc_client_free(c);
	return rc;
}

/* The updater epoch the chain holds (0 before any updater). */
static int updater_epoch(cli_args_t *a, svm_rpc_client_t *c, uint64_t *epoch)
{
	json_t *r = NULL;
	int rc = cli_call(a, c, "svm_getAttestCollateral", json_array(), &r);
	json_t *u = rc ? NULL : json_object_get(r, "updater");
	*epoch = u && json_is_object(u) ? cli_ju64(json_object_get(u, "epoch")) : 0;
	json_decref(r);
	return rc;
}

/* A comma-separated list of 64-hex-digit hashes into out (at most SVM_ATTEST_PINS_MAX). */
static int pin_list(cli_args_t *a, const char *opt, svm_hash_t *out, size_t *n)
{
	const char *v = cli_opt(a, opt + 2);
	*n = 0;
	if (v == NULL) return 0;
	char tok[80];
	for (const char *p = v; *p;) {
		size_t len = strcspn(p, ",");
		if (len >= sizeof tok || *n == SVM_ATTEST_PINS_MAX)
			return cli_fail(a, CLI_EXIT_USAGE, "%s: at most %d hashes of 64 hex digits", opt,
					SVM_ATTEST_PINS_MAX);
		memcpy(tok, p, len);
		tok[len] = 0;
		if (cli_hash(a, opt, tok, &out[(*n)++])) return CLI_EXIT_USAGE;
		p += len;
		if (*p == ',') p++;
	}
	return 0;
}

/* A governance proposal (kind attest_pins) whose execution replaces the chain's pinned roots. */
int cli_cmd_attest_propose_pins(cli_args_t *a)
{
	svm_keypair_t kp;
	svm_attest_pins_t pins;
	const char *ds = cli_opt(a, "deposit");
	uint64_t deposit = 0;
	memset(&pins, 0, sizeof pins);
	if (pin_list(a, "--amd-ark", pins.amd_ark, &pins.n_amd_ark) ||
	    pin_list(a, "--intel-root", pins.intel_root, &pins.n_intel_root))
		return CLI_EXIT_USAGE;
	if (pins.n_amd_ark + pins.n_intel_root == 0)
		return cli_fail(a, CLI_EXIT_USAGE, "--amd-ark or --intel-root: at least one pin");
	if (ds == NULL || cli_u64(a, "--deposit", ds, &deposit))
		return cli_fail(a, CLI_EXIT_USAGE, "--deposit N (SWR base units) is required");
	if (load_key(a, &kp)) return CLI_EXIT_USAGE;
	svm_rpc_client_t *c = NULL;
	svm_buf_t body = {0}, p = {0};
	uint8_t prop[32];
	int rc = cli_client(a, &c);
	if (rc == 0 && (svm_attest_pins_encode(&pins, &body) ||
			svm_gov_submit_payload(&p, SVM_PROPOSAL_ATTEST_PINS, deposit, body.data, body.len)))
		rc = CLI_EXIT_FAIL;
	if (rc == 0) rc = cli_party_tx(a, c, &kp, &p, "gov submit", prop);
	if (rc == 0) {
		char hex[65];
		svm_hex_encode(hex, prop, 32);
		if (a->json) printf("{\"proposal\":\"%s\"}\n", hex);
		else printf("%s\n", hex);
	}
	svm_buf_free(&body);
	svm_buf_free(&p);
	svm_rpc_client_free(c);
	return rc;
}

/* A governance text proposal whose body installs ID as the updater at the current epoch. */
int cli_cmd_attest_propose_updater(cli_args_t *a)
{
	svm_keypair_t kp;
	svm_id_t who;
	const char *ds = cli_opt(a, "deposit");
	uint64_t deposit = 0, epoch = 0;
	if (cli_hash(a, "UPDATER", a->pos[0], &who)) return CLI_EXIT_USAGE;
	if (ds == NULL || cli_u64(a, "--deposit", ds, &deposit))
		return cli_fail(a, CLI_EXIT_USAGE, "--deposit N (SWR base units) is required");
	if (load_key(a, &kp)) return CLI_EXIT_USAGE;
	svm_rpc_client_t *c = NULL;
	svm_buf_t p = {0};
	svm_hash_t body;
	uint8_t prop[32];
	int rc = cli_client(a, &c);
	if (rc == 0) rc = updater_epoch(a, c, &epoch);
	if (rc == 0) {
		svm_attest_updater_hash(&who, epoch, &body);
		if (svm_gov_submit_payload(&p, SVM_PROPOSAL_TEXT, deposit, body.b, 32)) rc = CLI_EXIT_FAIL;
	}
	if (rc == 0) rc = cli_party_tx(a, c, &kp, &p, "gov submit", prop);
	if (rc == 0) {
		char hex[65];
		svm_hex_encode(hex, prop, 32);
		if (a->json) printf("{\"proposal\":\"%s\",\"epoch\":%llu}\n", hex, (unsigned long long)epoch);
		else printf("%s\n", hex);
	}
	svm_buf_free(&p);
	svm_rpc_client_free(c);
	return rc;
}

int cli_cmd_attest_updater(cli_args_t *a)
{
	svm_keypair_t kp;
	svm_id_t who, prop;
	const char *ps = cli_opt(a, "proposal");
	if (cli_hash(a, "UPDATER", a->pos[0], &who) || (ps && cli_hash(a, "--proposal", ps, &prop)) ||
	    load_key(a, &kp))
		return CLI_EXIT_USAGE;
	svm_rpc_client_t *c = NULL;
	svm_buf_t p = {0};
	int rc = cli_client(a, &c);
	if (rc == 0 && svm_attest_set_updater_payload(&p, &who, ps ? &prop : NULL)) rc = CLI_EXIT_FAIL;
	if (rc == 0) rc = cli_party_tx(a, c, &kp, &p, "set_updater", NULL);
	if (rc == 0) {
		if (a->json) printf("{\"updater\":\"%s\"}\n", a->pos[0]);
		else printf("updater: %s\n", a->pos[0]);
	}
	svm_buf_free(&p);
	svm_rpc_client_free(c);
	return rc;
}

/* put-snp PEM | put-tdx JSON: what the chain verifies as of its block time before storing. */
static int put(cli_args_t *a, bool tdx)
{
	svm_keypair_t kp;
	if (load_key(a, &kp)) return CLI_EXIT_USAGE;
	svm_buf_t f = {0}, store = {0}, p = {0};
	int rc = read_all(a, a->pos[0], 2 * SVM_ATTEST_EVIDENCE_MAX, &f);
	svm_tdx_collateral_t col;
	svm_error_t err = {0};
	if (rc == 0 && tdx && svm_tdx_collateral_from_json(f.data, f.len, &store, &col, &err))
		rc = cli_fail(a, CLI_EXIT_FAIL, "%s: %s", a->pos[0], err.msg);
	if (rc == 0 && (tdx ? svm_attest_put_tdx_payload(&p, &col)
			    : svm_attest_put_snp_payload(&p, f.data, f.len)))
		rc = cli_fail(a, CLI_EXIT_FAIL, "%s is too large", a->pos[0]);
	svm_rpc_client_t *c = NULL;
	if (rc == 0) rc = cli_client(a, &c);
	if (rc == 0) rc = cli_party_tx(a, c, &kp, &p, tdx ? "put_tdx" : "put_snp_chain", NULL);
	if (rc == 0) {
		if (a->json) printf("{\"stored\":\"%s\"}\n", tdx ? "tdx" : "snp_chain");
		else printf("stored\n");
	}
	svm_buf_free(&p);
	svm_buf_free(&store);
	svm_buf_free(&f);
	svm_rpc_client_free(c);
	return rc;
}

int cli_cmd_attest_put_snp(cli_args_t *a) { return put(a, false); }
int cli_cmd_attest_put_tdx(cli_args_t *a) { return put(a, true); }

/* `supervm indexer --rpc URL --pg CONNINFO`: follows a node over JSON-RPC and writes its blocks,
 * transactions, receipts, events and balance changes into PostgreSQL (libpq), one database
 * transaction per block together with the indexer's own position, so a kill at any point loses
 * or duplicates nothing and a restart continues from the next block. Committed blocks are final
 * (no reorgs), so rows are only ever appended. A node or a database that goes away is retried,
 * with a progress line, until it returns. Schema and queries in docs/ecosystem.md. */
#include <libpq-fe.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define IDX_POLL_MS 200
#define IDX_RETRY_MS_MAX 2000
#define IDX_PARAMS_MAX 8

static volatile sig_atomic_t idx_stop;
static void on_signal(int sig) { idx_stop = sig; }

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static const char *const schema_sql =
	"CREATE TABLE IF NOT EXISTS indexer_state (id INT PRIMARY KEY CHECK (id = 1), chain_id BIGINT NOT NULL,"
	" height BIGINT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS blocks (height BIGINT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, parent TEXT NOT NULL,"
	" timestamp_ms BIGINT NOT NULL, proposer TEXT NOT NULL, tx_count INT NOT NULL, tx_root TEXT NOT NULL,"
	" receipts_root TEXT NOT NULL, state_root TEXT NOT NULL, size INT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS transactions (hash TEXT PRIMARY KEY, block_height BIGINT NOT NULL REFERENCES blocks,"
	" idx INT NOT NULL, sender TEXT NOT NULL, nonce BIGINT NOT NULL, fee_limit BIGINT NOT NULL, tip BIGINT NOT NULL,"
	" vm TEXT NOT NULL, payload TEXT NOT NULL, UNIQUE (block_height, idx));"
	"CREATE TABLE IF NOT EXISTS receipts (tx_hash TEXT PRIMARY KEY REFERENCES transactions, status INT NOT NULL,"
	" status_name TEXT NOT NULL, fee_charged BIGINT NOT NULL, tip_paid BIGINT NOT NULL, steps BIGINT NOT NULL,"
	" tx_bytes INT NOT NULL, mem_bytes BIGINT NOT NULL, return_data TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS events (tx_hash TEXT NOT NULL REFERENCES transactions, idx INT NOT NULL,"
	" block_height BIGINT NOT NULL, emitter TEXT NOT NULL, topic TEXT NOT NULL, data TEXT NOT NULL,"
	" PRIMARY KEY (tx_hash, idx));"
	"CREATE TABLE IF NOT EXISTS balance_changes (block_height BIGINT NOT NULL, tx_hash TEXT NOT NULL, seq INT NOT NULL,"
	" owner TEXT NOT NULL, token TEXT NOT NULL, delta NUMERIC(21,0) NOT NULL, reason TEXT NOT NULL,"
	" PRIMARY KEY (tx_hash, seq));"
	"CREATE INDEX IF NOT EXISTS transactions_sender ON transactions (sender, nonce);"
	"CREATE INDEX IF NOT EXISTS events_emitter_topic ON events (emitter, topic, block_height);"
	"CREATE INDEX IF NOT EXISTS balance_changes_owner ON balance_changes (owner, token, block_height);";

typedef struct {
	cli_args_t *a;
	const char *conninfo;
	PGconn *pg;
	svm_rpc_client_t *c;
	uint64_t chain_id;
	uint64_t blocks, txs; /* written by this run */
} idx_t;

/* Runs sql with text params; false (and the error in msg) on failure. */
static bool exec_params(idx_t *x, const char *sql, int n, const char *const *vals, char *msg, size_t cap)
{
	PGresult *r = PQexecParams(x->pg, sql, n, NULL, vals, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (!ok) snprintf(msg, cap, "%s", PQerrorMessage(x->pg));
	PQclear(r);
	return ok;
}

static void quiet_notice(void *arg, const char *message) {}

static bool pg_connect(idx_t *x, char *msg, size_t cap)
{
	if (x->pg != NULL && PQstatus(x->pg) == CONNECTION_OK) return true;
	PQfinish(x->pg);
	x->pg = PQconnectdb(x->conninfo);
	if (PQstatus(x->pg) != CONNECTION_OK) {
		snprintf(msg, cap, "%s", PQerrorMessage(x->pg));
		return false;
	}
	PQsetNoticeProcessor(x->pg, quiet_notice, NULL);
	/* PQexec, not PQexecParams: the schema is several statements. */
	PGresult *r = PQexec(x->pg, schema_sql);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok) snprintf(msg, cap, "schema: %s", PQerrorMessage(x->pg));
	PQclear(r);
	if (!ok) { /* not connected until the schema is there: the next attempt starts over */
		PQfinish(x->pg);
		x->pg = NULL;
	}
	return ok;
}

/* The next height to index: one past the stored position (the first run stores from - 1). */
static bool next_height(idx_t *x, uint64_t from, uint64_t *next, char *msg, size_t cap)
{
	PGresult *r = PQexec(x->pg, "SELECT chain_id, height FROM indexer_state WHERE id = 1");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(msg, cap, "%s", PQerrorMessage(x->pg));
		PQclear(r);
		return false;
	}
	bool have = PQntuples(r) == 1;
	uint64_t chain = have ? strtoull(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	*next = have ? strtoull(PQgetvalue(r, 0, 1), NULL, 10) + 1 : from;
	PQclear(r);
	if (have && chain != x->chain_id) {
		snprintf(msg, cap, "the database indexes chain %llu, the node serves chain %llu: use another database",
			 (unsigned long long)chain, (unsigned long long)x->chain_id);
		return false;
	}
	return true;
}

static const char *js(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

static const char *ju(json_t *o, const char *k, char buf[24])
{
	snprintf(buf, 24, "%llu", (unsigned long long)cli_ju64(json_object_get(o, k)));
	return buf;
}

/* A balance change row. */
static bool change(idx_t *x, const char *h, const char *tx, int *seq, const char *owner, const char *token,
		   const char *delta, const char *reason, char *msg, size_t cap)
{
	char s[16];
	snprintf(s, sizeof s, "%d", (*seq)++);
	const char *v[] = {h, tx, s, owner, token, delta, reason};
	return exec_params(x, "INSERT INTO balance_changes VALUES ($1,$2,$3,$4,$5,$6,$7)", 7, v, msg, cap);
}

/* The rows of one transaction: itself, its receipt, its events, its balance changes (fee and tip;
 * ledger transfer events: token ‖ from ‖ to ‖ u64be amount). */
static bool write_tx(idx_t *x, const char *h, size_t i, json_t *t, json_t *r, const char *proposer, char *msg,
		     size_t cap)
{
	char b[8][24], idx[16];
	snprintf(idx, sizeof idx, "%zu", i);
	const char *tv[] = {js(t, "hash"), h, idx, js(t, "sender"), ju(t, "nonce", b[0]), ju(t, "fee_limit", b[1]),
			    ju(t, "tip", b[2]), js(t, "vm"), js(t, "payload")};
	if (!exec_params(x, "INSERT INTO transactions VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)", 9, tv, msg, cap)) return false;
	char st[16];
	snprintf(st, sizeof st, "%lld", (long long)json_integer_value(json_object_get(r, "status")));
	const char *rv[] = {js(t, "hash"), st, js(r, "status_name"), ju(r, "fee_charged", b[3]), ju(r, "tip_paid", b[4]),
			    ju(r, "steps", b[5]), ju(r, "tx_bytes", b[6]), ju(r, "mem_bytes", b[7]), js(r, "return_data")};
	if (!exec_params(x, "INSERT INTO receipts VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)", 9, rv, msg, cap)) return false;
	int seq = 0;
	char swr[65], delta[32];
	svm_id_t swr_id;
	svm_token_id("SWR", &swr_id);
	svm_hash_hex(&swr_id, swr);
	uint64_t fee = cli_ju64(json_object_get(r, "fee_charged")), tip = cli_ju64(json_object_get(r, "tip_paid"));
	snprintf(delta, sizeof delta, "-%llu", (unsigned long long)(fee + tip));
	if (fee + tip > 0 && !change(x, h, js(t, "hash"), &seq, js(t, "sender"), swr, delta, "fee", msg, cap)) return false;
	snprintf(delta, sizeof delta, "%llu", (unsigned long long)tip);
	if (tip > 0 && !change(x, h, js(t, "hash"), &seq, proposer, swr, delta, "tip", msg, cap)) return false;
	json_t *evs = json_object_get(r, "events");
	for (size_t k = 0; k < json_array_size(evs); k++) {
		json_t *e = json_array_get(evs, k);
		char ki[16];
		snprintf(ki, sizeof ki, "%zu", k);
		const char *ev[] = {js(t, "hash"), ki, h, js(e, "emitter"), js(e, "topic"), js(e, "data")};
		if (!exec_params(x, "INSERT INTO events VALUES ($1,$2,$3,$4,$5,$6)", 6, ev, msg, cap)) return false;
		const char *d = js(e, "data");
		/* "transfer" = 0x7472616e73666572; data 0x + 2·104 hex digits */
		if (strcmp(js(e, "topic"), "0x7472616e73666572") != 0 || strlen(d) != 2 + 2 * 104) continue;
		char token[65], from[65], to[65], amt[17];
		snprintf(token, sizeof token, "%.64s", d + 2);
		snprintf(from, sizeof from, "%.64s", d + 66);
		snprintf(to, sizeof to, "%.64s", d + 130);
		snprintf(amt, sizeof amt, "%.16s", d + 194);
		unsigned long long v = strtoull(amt, NULL, 16);
		snprintf(delta, sizeof delta, "-%llu", v);
		if (!change(x, h, js(t, "hash"), &seq, from, token, delta, "transfer", msg, cap)) return false;
		snprintf(delta, sizeof delta, "%llu", v);
		if (!change(x, h, js(t, "hash"), &seq, to, token, delta, "transfer", msg, cap)) return false;
	}
	return true;
}

/* Fetches block h with its transactions and receipts (rpc: false on a transport failure) and
 * writes it in one database transaction with the new position. */
static bool index_block(idx_t *x, uint64_t h, bool *rpc_failed, char *msg, size_t cap)
{
	json_t *b = NULL, *rs = json_array();
	svm_error_t err = {0};
	*rpc_failed = true;
	if (svm_rpc_call(x->c, "svm_getBlockByNumber", json_pack("[I, b]", (json_int_t)h, 1), &b, NULL, &err) != 0 ||
	    json_is_null(b)) {
		snprintf(msg, cap, "node: %s", err.msg[0] ? err.msg : "no such block");
		json_decref(b);
		json_decref(rs);
		return false;
	}
	json_t *txs = json_object_get(b, "transactions");
	for (size_t i = 0; i < json_array_size(txs); i++) {
		json_t *r = NULL;
		if (svm_rpc_call(x->c, "svm_getTransactionReceipt", json_pack("[s]", js(json_array_get(txs, i), "hash")), &r,
				 NULL, &err) != 0 || !json_is_object(r)) {
			snprintf(msg, cap, "node: receipt: %s", err.msg);
			json_decref(r);
			json_decref(b);
			json_decref(rs);
			return false;
		}
		json_array_append_new(rs, r);
	}
	*rpc_failed = false;
	char hb[24], n[8][24];
	snprintf(hb, sizeof hb, "%llu", (unsigned long long)h);
	const char *bv[] = {hb, js(b, "hash"), js(b, "parent"), ju(b, "timestamp_ms", n[0]), js(b, "proposer"),
			    ju(b, "tx_count", n[1]), js(b, "tx_root"), js(b, "receipts_root"), js(b, "state_root"),
			    ju(b, "size", n[2])};
	snprintf(n[3], 24, "%llu", (unsigned long long)x->chain_id);
	const char *sv[] = {n[3], hb};
	bool ok = exec_params(x, "BEGIN", 0, NULL, msg, cap) &&
		  exec_params(x, "INSERT INTO blocks VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)", 10, bv, msg, cap);
	for (size_t i = 0; ok && i < json_array_size(txs); i++)
		ok = write_tx(x, hb, i, json_array_get(txs, i), json_array_get(rs, i), js(b, "proposer"), msg, cap);
	ok = ok && exec_params(x,
			       "INSERT INTO indexer_state VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET height = $2",
			       2, sv, msg, cap) &&
	     exec_params(x, "COMMIT", 0, NULL, msg, cap);
	if (!ok && PQstatus(x->pg) == CONNECTION_OK) PQclear(PQexec(x->pg, "ROLLBACK"));
	if (ok) x->blocks++, x->txs += json_array_size(txs);
	json_decref(b);
	json_decref(rs);
	return ok;
}

static uint64_t node_head(idx_t *x, bool *ok)
{
	json_t *r = NULL;
	*ok = svm_rpc_call(x->c, "svm_getStateRoot", NULL, &r, NULL, NULL) == 0;
	uint64_t h = *ok ? cli_ju64(json_object_get(r, "height")) : 0;
	json_decref(r);
	return h;
}

int cli_cmd_indexer(cli_args_t *a)
{
	idx_t x = {.a = a, .conninfo = cli_opt(a, "pg")};
	uint64_t from = 0, until = UINT64_MAX;
	const char *v;
	if (x.conninfo == NULL)
		return cli_fail(a, CLI_EXIT_USAGE, "--pg CONNINFO is required (e.g. --pg 'host=127.0.0.1 dbname=supervm')");
	if ((v = cli_opt(a, "from")) && cli_u64(a, "--from", v, &from)) return CLI_EXIT_USAGE;
	if ((v = cli_opt(a, "until")) && cli_u64(a, "--until", v, &until)) return CLI_EXIT_USAGE;
	if (cli_client(a, &x.c) != 0) return CLI_EXIT_USAGE;
	json_t *cid = NULL;
	if (cli_call(a, x.c, "svm_chainId", NULL, &cid) != 0) {
		svm_rpc_client_free(x.c);
		return CLI_EXIT_FAIL;
	}
	x.chain_id = cli_ju64(cid);
	json_decref(cid);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	char msg[512] = "";
	uint64_t next = 0, retry_ms = 100;
	bool positioned = false;
	int rc = 0;
	while (!idx_stop && rc == 0) {
		bool ok;
		if (!pg_connect(&x, msg, sizeof msg) || (!positioned && !(positioned = next_height(&x, from, &next, msg, sizeof msg)))) {
			if (strstr(msg, "use another database")) {
				rc = cli_fail(a, CLI_EXIT_FAIL, "%s", msg);
				break;
			}
			cli_progress(a, "database unavailable, retrying: %.200s", msg);
			positioned = false;
			sleep_ms((unsigned)retry_ms);
			retry_ms = retry_ms * 2 > IDX_RETRY_MS_MAX ? IDX_RETRY_MS_MAX : retry_ms * 2;
			continue;
		}
		if (next > until) break;
		uint64_t head = node_head(&x, &ok);
		if (!ok) {
			cli_progress(a, "node unavailable, retrying");
			sleep_ms(IDX_RETRY_MS_MAX);
			continue;
		}
		if (next > head) {
			sleep_ms(IDX_POLL_MS);
			continue;
		}
		bool rpc_failed;
		if (!index_block(&x, next, &rpc_failed, msg, sizeof msg)) {
			cli_progress(a, "%s at height %llu, retrying: %.200s", rpc_failed ? "node" : "database",
				     (unsigned long long)next, msg);
			positioned = false; /* re-read the position: the block may have committed */
			sleep_ms((unsigned)retry_ms);
			retry_ms = retry_ms * 2 > IDX_RETRY_MS_MAX ? IDX_RETRY_MS_MAX : retry_ms * 2;
			continue;
		}
		retry_ms = 100;
		cli_progress(a, "indexed height %llu of %llu (%llu blocks, %llu transactions this run)",
			     (unsigned long long)next, (unsigned long long)head, (unsigned long long)x.blocks,
			     (unsigned long long)x.txs);
		next++;
	}
	cli_progress_end(a);
	if (rc == 0) {
		if (a->json)
			printf("{\"next_height\":%llu,\"blocks\":%llu,\"transactions\":%llu}\n", (unsigned long long)next,
			       (unsigned long long)x.blocks, (unsigned long long)x.txs);
		else
			printf("indexed %llu blocks, %llu transactions; next height %llu\n", (unsigned long long)x.blocks,
			       (unsigned long long)x.txs, (unsigned long long)next);
	}
	PQfinish(x.pg);
	svm_rpc_client_free(x.c);
	return rc;
}

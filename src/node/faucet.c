/* The devnet faucet over JSON-RPC (svm_requestFaucet): the node signs an ordinary native transfer
 * from the devnet's faucet key and admits it to its own mempool, so a remote user needs only the
 * node's URL. Enabled only on a devnet whose faucet key is on the node's disk. Bounded three
 * ways (docs/ecosystem.md): an amount cap per request, and fixed-window request counts per
 * recipient and per client address, kept in two fixed-size tables (a full table refuses new
 * keys until a window expires rather than forgetting a limited one). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "supervm/vm.h"

typedef struct {
	uint8_t key[32]; /* recipient id, or SHA-256 of the client address */
	uint64_t window_start_ns;
	uint32_t count;
	bool used;
} faucet_slot_t;

struct node_faucet {
	pthread_mutex_t mu; /* guards the tables and serializes nonce choice + admission */
	svm_keypair_t kp;
	faucet_slot_t by_recipient[NODE_FAUCET_TABLE_MAX];
	faucet_slot_t by_client[NODE_FAUCET_TABLE_MAX];
	uint64_t granted, refused;
};

int node_faucet_open(svm_node_t *n, svm_error_t *err)
{
	n->faucet_svc = NULL;
	if (!n->cfg.devnet || n->cfg.faucet_key[0] == 0 || svm_hash_is_zero(&n->faucet)) return 0;
	node_faucet_t *f = svm_calloc(1, sizeof *f);
	if (f == NULL) return svm_error_set(err, SVM_ENOMEM, "out of memory");
	int rc = svm_keyfile_read(n->cfg.faucet_key, &f->kp, err);
	if (rc != 0) {
		svm_free(f);
		return rc;
	}
	pthread_mutex_init(&f->mu, NULL);
	n->faucet_svc = f;
	return 0;
}

void node_faucet_free(svm_node_t *n)
{
	node_faucet_t *f = n->faucet_svc;
	if (f == NULL) return;
	svm_keypair_wipe(&f->kp);
	pthread_mutex_destroy(&f->mu);
	svm_free(f);
	n->faucet_svc = NULL;
}

/* The slot of key in table (found, or a free/expired one claimed); NULL when the table is full
 * of live windows. */
static faucet_slot_t *slot_get(faucet_slot_t *table, const uint8_t key[32], uint64_t now)
{
	SVM_ASSERT(table != NULL && key != NULL);
	faucet_slot_t *free_slot = NULL;
	for (size_t i = 0; i < NODE_FAUCET_TABLE_MAX; i++) {
		faucet_slot_t *s = &table[i];
		bool expired = !s->used || now - s->window_start_ns >= NODE_FAUCET_WINDOW_NS;
		if (s->used && memcmp(s->key, key, 32) == 0) {
			if (expired) s->window_start_ns = now, s->count = 0;
			SVM_ASSERT(s->window_start_ns <= now); /* a live window started in the past */
			return s;
		}
		if (expired && free_slot == NULL) free_slot = s;
	}
	if (free_slot != NULL) {
		memcpy(free_slot->key, key, 32);
		free_slot->used = true;
		free_slot->window_start_ns = now;
		free_slot->count = 0;
	}
	return free_slot;
}

static unsigned wait_s(const faucet_slot_t *s, uint64_t now)
{
	/* only a live window refuses: its end is still ahead, so the subtraction cannot wrap */
	SVM_ASSERT(s->used && now - s->window_start_ns < NODE_FAUCET_WINDOW_NS);
	return (unsigned)((s->window_start_ns + NODE_FAUCET_WINDOW_NS - now) / 1000000000ull + 1);
}

/* Checks and counts one request against both limits; fills e when refused. */
static bool admit_rate(node_faucet_t *f, const svm_id_t *to, const char *client, svm_rpc_error_t *e)
{
	uint64_t now = svm_clock_ns();
	svm_hash_t ck;
	svm_sha256(client, strlen(client), &ck);
	faucet_slot_t *r = slot_get(f->by_recipient, to->b, now);
	faucet_slot_t *c = slot_get(f->by_client, ck.b, now);
	if (r == NULL || c == NULL) {
		svm_rpc_fail(e, svm_rpc_app_code(SVM_EBUSY),
			     "the faucet is serving too many recipients or clients; try again in a minute");
		return false;
	}
	if (r->count >= NODE_FAUCET_PER_RECIPIENT_MAX) {
		svm_rpc_fail(e, svm_rpc_app_code(SVM_EBUSY),
			     "this recipient had %u faucet requests in the last %llu s; try again in %u s",
			     r->count, NODE_FAUCET_WINDOW_NS / 1000000000ull, wait_s(r, now));
		return false;
	}
	if (c->count >= NODE_FAUCET_PER_CLIENT_MAX) {
		svm_rpc_fail(e, svm_rpc_app_code(SVM_EBUSY),
			     "client %s made %u faucet requests in the last %llu s; try again in %u s", client,
			     c->count, NODE_FAUCET_WINDOW_NS / 1000000000ull, wait_s(c, now));
		return false;
	}
	SVM_ASSERT(r != c && r->count < NODE_FAUCET_PER_RECIPIENT_MAX && c->count < NODE_FAUCET_PER_CLIENT_MAX);
	r->count++;
	c->count++;
	return true;
}

/* Signs a transfer of amount of token to `to` from the faucet with the given nonce. */
static int sign_transfer(svm_node_t *n, node_faucet_t *f, const svm_id_t *token, const svm_id_t *to,
			 uint64_t amount, uint64_t nonce, svm_buf_t *out, svm_hash_t *id)
{
	svm_buf_t payload = {0};
	svm_id_t writes[8];
	size_t nw = 0;
	int rc = svm_native_transfer_payload(&payload, token, to, amount);
	if (rc == 0) rc = svm_native_access(&f->kp.id, nonce, payload.data, payload.len, writes, 8, &nw);
	SVM_ASSERT(rc != 0 || nw <= 8);
	svm_tx_t tx = {.chain_id = n->chain_id, .sender = f->kp.id, .nonce = nonce,
		       .expiry_height = atomic_load(&n->head_height) + NODE_FAUCET_EXPIRY_BLOCKS,
		       .fee_limit = NODE_FAUCET_FEE_LIMIT, .access_mode = SVM_ACCESS_STRICT,
		       .writes = writes, .writes_len = (uint32_t)nw, .vm = SVM_VM_NATIVE,
		       .payload = payload.data, .payload_len = payload.len, .scheme = SVM_SCHEME_ED25519,
		       .public_key = f->kp.public_key, .public_key_len = SVM_ED25519_PUBKEY_SIZE};
	uint8_t sig[SVM_ED25519_SIG_SIZE];
	if (rc == 0) rc = svm_tx_sign(&tx, f->kp.secret_key, sig, id);
	if (rc == 0) rc = svm_tx_encode(&tx, out);
	svm_buf_free(&payload);
	return rc;
}

static bool param_amount(json_t *params, uint64_t *out, svm_rpc_error_t *e)
{
	json_t *v = svm_rpc_param(params, 1, "amount");
	if (v == NULL || json_is_null(v)) {
		*out = NODE_FAUCET_AMOUNT_DEFAULT;
		return true;
	}
	char *end = NULL;
	if (json_is_integer(v) && json_integer_value(v) > 0) *out = (uint64_t)json_integer_value(v);
	else if (json_is_string(v) && json_string_value(v)[0] >= '1' && json_string_value(v)[0] <= '9')
		*out = strtoull(json_string_value(v), &end, 10);
	else *out = 0;
	if (*out == 0 || (end != NULL && *end != 0)) {
		svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 1 (amount) must be a positive integer of base units");
		return false;
	}
	if (*out > NODE_FAUCET_AMOUNT_MAX) {
		svm_rpc_fail(e, svm_rpc_app_code(SVM_ELIMIT),
			     "amount %llu is over the faucet's cap of %llu base units per request; ask for less",
			     (unsigned long long)*out, (unsigned long long)NODE_FAUCET_AMOUNT_MAX);
		return false;
	}
	return true;
}

json_t *node_faucet_rpc(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	node_faucet_t *f = n->faucet_svc;
	if (f == NULL)
		return svm_rpc_fail(e, svm_rpc_app_code(SVM_EUNSUPPORTED),
				    "this node has no faucet: it runs only on a devnet with its faucet key "
				    "(start one with 'supervm devnet')");
	svm_id_t to, token;
	json_t *v = svm_rpc_param(params, 0, "recipient");
	if (!json_is_string(v) || svm_hash_from_hex(&to, json_string_value(v)) != 0)
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 0 (recipient) must be 64 hex digits");
	uint64_t amount;
	if (!param_amount(params, &amount, e)) return NULL;
	v = svm_rpc_param(params, 2, "token");
	const char *tname = json_is_string(v) ? json_string_value(v) : "SWR";
	if (v != NULL && !json_is_null(v) && !json_is_string(v)) tname = "";
	if (strcmp(tname, "SWR") != 0 && strcmp(tname, "AIC") != 0)
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 2 (token): the faucet gives \"SWR\" or \"AIC\"");
	svm_token_id(tname, &token);

	svm_buf_t tx = {0};
	svm_hash_t id;
	svm_error_t err = {0};
	json_t *res = NULL;
	pthread_mutex_lock(&f->mu);
	if (!admit_rate(f, &to, svm_rpc_peer(), e)) {
		f->refused++;
		goto done;
	}
	uint64_t chain_next = 0, nonce = 0;
	int rc = node_pending_nonce(n, &f->kp.id, &chain_next, &nonce);
	if (rc == 0) rc = sign_transfer(n, f, &token, &to, amount, nonce, &tx, &id);
	if (rc == 0) rc = svm_mempool_add(n->mempool, tx.data, tx.len, atomic_load(&n->head_height), &id, &err);
	if (rc == 0) node_vc_gossip(n, tx.data, tx.len); /* every validator may include it */
	if (rc != 0) {
		if (err.code == 0) svm_error_set(&err, rc, "faucet transfer: %s", svm_strerror(rc));
		svm_rpc_fail_svm(e, &err);
		f->refused++;
		goto done;
	}
	f->granted++;
	SVM_ASSERT(amount > 0 && amount <= NODE_FAUCET_AMOUNT_MAX); /* param_amount's bounds */
	node_subs_pending(n, &id);
	char h[65], t[65];
	res = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "tx_hash", svm_hash_hex(&id, h), "recipient",
			svm_hash_hex(&to, t), "token", tname, "token_id", svm_hash_hex(&token, (char[65]){0}),
			"amount", (json_int_t)amount, "nonce", (json_int_t)nonce);
done:
	pthread_mutex_unlock(&f->mu);
	svm_buf_free(&tx);
	return res;
}

void node_faucet_counts(svm_node_t *n, uint64_t *granted, uint64_t *refused)
{
	node_faucet_t *f = n->faucet_svc;
	*granted = *refused = 0;
	if (f == NULL) return;
	pthread_mutex_lock(&f->mu);
	*granted = f->granted;
	*refused = f->refused;
	pthread_mutex_unlock(&f->mu);
}

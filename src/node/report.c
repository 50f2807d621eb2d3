/* The node reports double-sign evidence to the staking program itself (docs/node.md, "Evidence
 * reporting"; docs/economics.md): each new piece of consensus evidence the node holds — found
 * by its core or received from a peer — that has a staking form is queued once; after each
 * committed block the queue is walked: an offence the chain has already punished (its evidence
 * record exists in the committed state) leaves the queue; one that is due is submitted as an
 * ordinary SVM_STAKE_EVIDENCE transaction signed with the node's validator key, into its own
 * mempool (gossiped from there like any transaction). Bounded everywhere: at most
 * NODE_REPORT_MAX offences queued (a new one past it is dropped with a warning: svm_getEvidence
 * still lists it, for `supervm validator report`), at most NODE_REPORT_TRIES submissions of one,
 * NODE_REPORT_RETRY_BLOCKS apart.
 *
 * Who submits: every honest validator sees the same evidence (it is gossiped), and the chain
 * takes it once (the program's evidence record; a second submission fails with EEXIST and costs
 * its sender the fee). So one validator is designated per offence — the one at index
 * (first 8 bytes of the evidence record id, big-endian) mod n of the current set — and submits
 * at once; every other node waits NODE_REPORT_FALLBACK_BLOCKS and submits only if the offence
 * is still unpunished (the designated validator may be the offender, down, or out of funds). */
#include <stdlib.h>

#include "internal.h"
#include "supervm/econ.h"

typedef struct {
	svm_evidence_t ev; /* the staking form */
	svm_id_t op;       /* the offender's operator (the staking program's key index) */
	svm_id_t record;   /* svm_staking_evidence_id(ev): exists once the chain punished it */
	uint64_t due;      /* the first head height at which it is (re)submitted */
	unsigned tries;
	svm_hash_t tx; /* the last submission */
} report_t;

struct node_report {
	pthread_mutex_t mu;
	report_t q[NODE_REPORT_MAX];
	size_t n;
	uint64_t queued, submitted, punished, dropped; /* counters since start (svm_status) */
};

int node_report_open(node_report_t **out)
{
	node_report_t *r = svm_calloc(1, sizeof *r);
	if (r == NULL) return SVM_ENOMEM;
	pthread_mutex_init(&r->mu, NULL);
	*out = r;
	return 0;
}

void node_report_free(node_report_t *r)
{
	if (r == NULL) return;
	pthread_mutex_destroy(&r->mu);
	svm_free(r);
}

/* The operator whose consensus key is key, from the committed state. */
static int operator_of(svm_node_t *n, const uint8_t key[32], svm_id_t *op)
{
	svm_id_t kid;
	svm_buf_t raw = {0};
	svm_object_t o;
	svm_staking_key_id(key, &kid);
	int rc = svm_chain_object(n->chain, &kid, &raw);
	if (rc == 0 && (svm_object_decode(raw.data, raw.len, &o, NULL) != 0 || o.payload_len != 32)) rc = SVM_EIO;
	if (rc == 0) memcpy(op->b, o.payload, 32);
	svm_buf_free(&raw);
	return rc;
}

static bool punished(svm_node_t *n, const svm_id_t *record)
{
	svm_buf_t raw = {0};
	int rc = svm_chain_object(n->chain, record, &raw);
	svm_buf_free(&raw);
	return rc == 0;
}

uint64_t node_report_designated(const svm_id_t *record, uint32_t n_validators)
{
	SVM_ASSERT(n_validators > 0);
	return svm_get_u64be(record->b) % n_validators;
}

int node_report_add(svm_node_t *n, node_report_t *r, const svm_evidence_t *ev, bool designated)
{
	report_t e = {.ev = *ev};
	svm_staking_evidence_id(ev, &e.record);
	int rc = operator_of(n, ev->key, &e.op);
	if (rc != 0) return rc; /* not a registered validator's key: nothing to slash */
	uint64_t h = atomic_load(&n->head_height);
	e.due = designated ? h : h + NODE_REPORT_FALLBACK_BLOCKS;
	pthread_mutex_lock(&r->mu);
	bool dup = false;
	for (size_t i = 0; i < r->n && !dup; i++) dup = svm_hash_eq(&r->q[i].record, &e.record);
	if (!dup && r->n == NODE_REPORT_MAX) {
		r->dropped++;
		rc = SVM_ELIMIT;
	} else if (!dup) {
		SVM_ASSERT(r->n < NODE_REPORT_MAX);
		r->q[r->n++] = e;
		r->queued++;
	}
	SVM_ASSERT(r->n <= NODE_REPORT_MAX && r->n <= r->queued); /* each queued once */
	pthread_mutex_unlock(&r->mu);
	if (rc == SVM_ELIMIT)
		svm_log_warn("evidence report queue full (%d): this offence is left to `supervm validator report`",
			     NODE_REPORT_MAX);
	return rc;
}

/* Signs and admits the evidence transaction of e from key. */
static int submit(svm_node_t *n, const svm_keypair_t *key, report_t *e, svm_error_t *err)
{
	svm_buf_t payload = {0}, raw = {0};
	svm_id_t writes[16], reads[4];
	size_t nw = 0, nr = 0;
	uint64_t next = 0, nonce = 0;
	int rc = svm_stake_evidence_payload(&payload, &e->op, &e->ev);
	if (rc == 0) rc = node_pending_nonce(n, &key->id, &next, &nonce);
	if (rc == 0) rc = svm_native_access(&key->id, nonce, payload.data, payload.len, writes, 16, &nw);
	if (rc == 0) rc = svm_native_reads(payload.data, payload.len, reads, 4, &nr);
	SVM_ASSERT(rc != 0 || (nw <= 16 && nr <= 4)); /* within the arrays given */
	svm_tx_t tx = {.chain_id = n->chain_id, .sender = key->id, .nonce = nonce, .expiry_height = atomic_load(&n->head_height) + NODE_REPORT_EXPIRY_BLOCKS, .fee_limit = NODE_REPORT_FEE_LIMIT, .access_mode = SVM_ACCESS_STRICT, .writes = writes, .writes_len = (uint32_t)nw, .reads = reads, .reads_len = (uint32_t)nr, .vm = SVM_VM_NATIVE, .payload = payload.data, .payload_len = payload.len, .scheme = SVM_SCHEME_ED25519, .public_key = key->public_key, .public_key_len = SVM_ED25519_PUBKEY_SIZE};
	uint8_t sig[SVM_ED25519_SIG_SIZE];
	if (rc == 0) rc = svm_tx_sign(&tx, key->secret_key, sig, &e->tx);
	if (rc == 0) rc = svm_tx_encode(&tx, &raw);
	if (rc == 0) rc = svm_mempool_add(n->mempool, raw.data, raw.len, atomic_load(&n->head_height), &e->tx, err);
	svm_buf_free(&payload);
	svm_buf_free(&raw);
	return rc;
}

void node_report_step(svm_node_t *n, node_report_t *r, const svm_keypair_t *key)
{
	uint64_t h = atomic_load(&n->head_height);
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->n;) {
		report_t *e = &r->q[i];
		char op[65];
		svm_hash_hex(&e->op, op);
		bool done = false;
		if (punished(n, &e->record)) {
			r->punished++;
			svm_log_info("evidence against validator %.16s: punished on chain", op);
			done = true;
		} else if (e->tries >= NODE_REPORT_TRIES && h >= e->due) {
			r->dropped++;
			svm_log_warn("evidence against validator %.16s: still unpunished after %u submissions; dropped", op,
				     e->tries);
			done = true;
		} else if (h >= e->due) {
			svm_error_t err = {0};
			int rc = submit(n, key, e, &err);
			SVM_ASSERT(e->tries < NODE_REPORT_TRIES); /* the branch above drops it at the bound */
			e->tries++;
			e->due = h + NODE_REPORT_RETRY_BLOCKS;
			if (rc == 0) {
				r->submitted++;
				svm_log_warn("evidence against validator %.16s (height %llu, round %llu): slashing transaction submitted",
					     op, (unsigned long long)e->ev.height, (unsigned long long)e->ev.round);
			} else {
				svm_log_warn("evidence against validator %.16s: submission failed: %s", op,
					     err.msg[0] ? err.msg : svm_strerror(rc));
			}
		}
		if (done) r->q[i] = r->q[--r->n]; /* order does not matter: each is independent */
		else i++;
		SVM_ASSERT(i <= r->n);
	}
	SVM_ASSERT(r->n <= NODE_REPORT_MAX);
	pthread_mutex_unlock(&r->mu);
}

json_t *node_report_json(node_report_t *r)
{
	if (r == NULL) return json_null();
	pthread_mutex_lock(&r->mu);
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I}", "queued", (json_int_t)r->queued, "pending",
			      (json_int_t)r->n, "submitted", (json_int_t)r->submitted, "punished",
			      (json_int_t)r->punished, "dropped", (json_int_t)r->dropped);
	pthread_mutex_unlock(&r->mu);
	return o;
}

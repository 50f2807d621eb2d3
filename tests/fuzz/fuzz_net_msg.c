/* libFuzzer target for the transport's message decoders: any frame plaintext must split and
 * decode without crashing; a body that decodes must re-encode to exactly itself (the
 * encodings are canonical). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervm/net.h"

static void same(const svm_buf_t *b, const uint8_t *p, size_t len, const char *what)
{
	if (b->len != len || memcmp(b->data, p, len) != 0) {
		fprintf(stderr, "%s re-encodes to different bytes\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static svm_net_txs_t txs;
	static svm_net_sync_resp_t resp;
	uint8_t type;
	const uint8_t *body;
	size_t len;
	if (svm_net_msg_split(data, size, &type, &body, &len) != 0) return 0;
	if (len > svm_net_msg_bytes_max(type)) abort();
	svm_buf_t b = {0};
	switch (type) {
	case SVM_NET_MSG_STATUS: {
		svm_net_status_t s;
		if (svm_net_status_decode(body, len, &s) == 0) {
			if (svm_net_status_encode(&s, &b) != 0) abort();
			same(&b, body, len, "status");
		}
		break;
	}
	case SVM_NET_MSG_SYNC_REQ: {
		svm_net_sync_req_t q;
		if (svm_net_sync_req_decode(body, len, &q) == 0) {
			if (q.count == 0 || q.count > SVM_NET_SYNC_BLOCKS_MAX) abort();
			if (svm_net_sync_req_encode(&q, &b) != 0) abort();
			same(&b, body, len, "sync request");
		}
		break;
	}
	case SVM_NET_MSG_TXS:
		if (svm_net_txs_decode(body, len, &txs) == 0) {
			if (svm_net_txs_encode(txs.items, txs.n, &b) != 0) abort();
			same(&b, body, len, "txs");
		}
		break;
	case SVM_NET_MSG_SYNC_RESP:
		if (svm_net_sync_resp_decode(body, len, &resp) == 0) {
			svm_varint_append(&b, resp.n);
			for (size_t i = 0; i < resp.n; i++)
				svm_net_sync_resp_add(&b, resp.blocks[i].p, resp.blocks[i].len, resp.qcs[i].p,
						      resp.qcs[i].len);
			same(&b, body, len, "sync response");
		}
		break;
	default:
		break;
	}
	svm_buf_free(&b);
	return 0;
}

/* libFuzzer target for the receiving side of a session: the input is the byte stream a peer
 * sends after a fixed handshake (deterministic keys), cut into frames by their length headers
 * exactly as the transport does. Any stream must be refused or accepted without crashing or
 * reading out of bounds, and a frame that opens must split into a message within its type's
 * bound. The first input byte, when it is 0xA5, asks the target to seal the rest as one valid
 * frame first, so the fuzzer also reaches the decoders behind a valid tag. */
#include <stdlib.h>
#include <string.h>

#include "supervm/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t plain[SVM_NET_FRAME_BYTES_MAX + SVM_NET_TAG_SIZE];
	svm_crypto_init();
	uint8_t ska[32], skb[32], ha[SVM_NET_HELLO_SIZE], hb[SVM_NET_HELLO_SIZE];
	memset(ska, 1, 32);
	memset(skb, 2, 32);
	svm_net_hs_t a, b;
	svm_net_hs_start_with(&a, 7, ska, ha);
	svm_net_hs_start_with(&b, 7, skb, hb);
	if (svm_net_hs_peer_hello(&a, hb, NULL) != 0 || svm_net_hs_peer_hello(&b, ha, NULL) != 0) abort();
	svm_net_cipher_t tx = {{0}, 0}, rx = {{0}, 0};
	memcpy(tx.key, a.key_send, 32);
	memcpy(rx.key, b.key_recv, 32);
	svm_buf_t stream = {0};
	if (size > 0 && data[0] == 0xA5) {
		svm_net_seal(&tx, data + 1, size - 1, &stream);
	} else {
		svm_buf_append(&stream, data, size);
	}
	size_t pos = 0;
	while (stream.len - pos >= SVM_NET_LEN_SIZE) {
		size_t clen;
		if (svm_net_frame_len(stream.data + pos, &clen) != 0) break;
		if (stream.len - pos - SVM_NET_LEN_SIZE < clen) break;
		const uint8_t *hdr = stream.data + pos;
		if (svm_net_open(&rx, hdr, hdr + SVM_NET_LEN_SIZE, clen, plain) != 0) break;
		pos += SVM_NET_LEN_SIZE + clen;
		uint8_t type;
		const uint8_t *body;
		size_t blen;
		if (svm_net_msg_split(plain, clen - SVM_NET_TAG_SIZE, &type, &body, &blen) == 0 &&
		    blen > svm_net_msg_bytes_max(type))
			abort();
	}
	svm_buf_free(&stream);
	return 0;
}

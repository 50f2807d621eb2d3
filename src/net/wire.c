/* The transport's pure parts: the handshake (X25519 + Ed25519 identity proof), frame sealing
 * (ChaCha20-Poly1305-IETF, counter nonces, the length header as associated data) and the
 * codecs of the transport's own message bodies. No sockets here: tests and fuzz targets call
 * these directly. docs/net.md describes the wire format. */
#include <sodium.h>
#include <string.h>

#include "supervm/net.h"

static const uint8_t hello_magic[8] = {'S', 'V', 'M', 'N', 'E', 'T', 0, 1}; /* name ‖ version 1 */
static const char auth_domain[] = "svm/net/auth/v1";

size_t svm_net_msg_bytes_max(uint8_t type)
{
	switch (type) {
	case SVM_NET_MSG_STATUS: return SVM_NET_STATUS_BYTES_MAX;
	case SVM_NET_MSG_TXS: return SVM_NET_TXS_BYTES_MAX;
	case SVM_NET_MSG_PROPOSAL: return SVM_NET_CONSENSUS_BYTES_MAX;
	case SVM_NET_MSG_VOTE: return 4096;
	case SVM_NET_MSG_TIMEOUT: return 2u * SVM_HEADER_QC_MAX + 4096u;
	case SVM_NET_MSG_SYNC_REQ: return 32;
	case SVM_NET_MSG_SYNC_RESP: return SVM_NET_FRAME_BYTES_MAX - 1;
	case SVM_NET_MSG_EVIDENCE: return SVM_NET_EVIDENCE_BYTES_MAX;
	case SVM_NET_MSG_CONSENSUS: return SVM_NET_CONSENSUS_BYTES_MAX;
	default: return 0;
	}
}

const char *svm_net_msg_name(uint8_t type)
{
	static const char *names[] = {"unknown", "status", "txs", "proposal", "vote", "timeout",
				      "sync-req", "sync-resp", "evidence", "consensus"};
	return type <= SVM_NET_MSG_LAST ? names[type] : names[0];
}

/* ---------------------------------------------------------- handshake */

void svm_net_hs_start_with(svm_net_hs_t *hs, uint64_t chain_id, const uint8_t eph_sk[32],
			   uint8_t hello_out[SVM_NET_HELLO_SIZE])
{
	memset(hs, 0, sizeof *hs);
	hs->chain_id = chain_id;
	memcpy(hs->eph_sk, eph_sk, 32);
	crypto_scalarmult_base(hs->eph_pk, hs->eph_sk);
	memcpy(hello_out, hello_magic, 8);
	svm_put_u64le(hello_out + 8, chain_id);
	memcpy(hello_out + 16, hs->eph_pk, 32);
}

void svm_net_hs_start(svm_net_hs_t *hs, uint64_t chain_id, uint8_t hello_out[SVM_NET_HELLO_SIZE])
{
	uint8_t sk[32];
	randombytes_buf(sk, sizeof sk);
	svm_net_hs_start_with(hs, chain_id, sk, hello_out);
	sodium_memzero(sk, sizeof sk);
}

static void derive(const char *tag, const svm_hash_t *transcript, uint8_t out[32])
{
	svm_slice_t part = {transcript->b, 32};
	svm_hash_t h;
	svm_sha256_tagged(tag, &part, 1, &h);
	memcpy(out, h.b, 32);
	sodium_memzero(&h, sizeof h);
}

int svm_net_hs_peer_hello(svm_net_hs_t *hs, const uint8_t hello[SVM_NET_HELLO_SIZE], svm_error_t *err)
{
	if (memcmp(hello, hello_magic, 8) != 0)
		return svm_error_set(err, SVM_EDECODE, "handshake: not a SuperVM peer or another version");
	uint64_t chain = svm_get_u64le(hello + 8);
	if (chain != hs->chain_id)
		return svm_error_set(err, SVM_ECHAIN, "handshake: peer is on chain %llu, not %llu",
				     (unsigned long long)chain, (unsigned long long)hs->chain_id);
	const uint8_t *peer_pk = hello + 16;
	if (sodium_memcmp(peer_pk, hs->eph_pk, 32) == 0)
		return svm_error_set(err, SVM_ESIG, "handshake: our own ephemeral key reflected");
	uint8_t dh[32];
	if (crypto_scalarmult(dh, hs->eph_sk, peer_pk) != 0)
		return svm_error_set(err, SVM_ESIG, "handshake: degenerate ephemeral key");
	/* The transcript binds the chain, both ephemeral keys (in a canonical order, so both
	 * sides compute the same bytes) and the shared secret. */
	bool we_lo = memcmp(hs->eph_pk, peer_pk, 32) < 0;
	const uint8_t *lo = we_lo ? hs->eph_pk : peer_pk, *hi = we_lo ? peer_pk : hs->eph_pk;
	uint8_t chain_le[8];
	svm_put_u64le(chain_le, hs->chain_id);
	svm_slice_t parts[4] = {{chain_le, 8}, {lo, 32}, {hi, 32}, {dh, 32}};
	svm_hash_t t;
	svm_sha256_tagged("svm/net/transcript/v1", parts, 4, &t);
	sodium_memzero(dh, sizeof dh);
	derive("svm/net/key/lo", &t, we_lo ? hs->key_send : hs->key_recv);
	derive("svm/net/key/hi", &t, we_lo ? hs->key_recv : hs->key_send);
	derive("svm/net/challenge", &t, hs->challenge);
	sodium_memzero(&t, sizeof t);
	return 0;
}

static void auth_message(const svm_net_hs_t *hs, uint8_t msg[sizeof auth_domain - 1 + 32])
{
	memcpy(msg, auth_domain, sizeof auth_domain - 1);
	memcpy(msg + sizeof auth_domain - 1, hs->challenge, 32);
}

void svm_net_hs_auth(const svm_net_hs_t *hs, const svm_keypair_t *kp, uint8_t auth_out[SVM_NET_AUTH_SIZE])
{
	uint8_t msg[sizeof auth_domain - 1 + 32];
	auth_message(hs, msg);
	memcpy(auth_out, kp->public_key, 32);
	svm_ed25519_sign(auth_out + 32, msg, sizeof msg, kp->secret_key);
}

int svm_net_hs_check_auth(const svm_net_hs_t *hs, const uint8_t *auth, size_t len, svm_id_t *peer_id,
			  svm_error_t *err)
{
	if (len != SVM_NET_AUTH_SIZE)
		return svm_error_set(err, SVM_EDECODE, "handshake: authentication is %zu bytes, not %u", len,
				     SVM_NET_AUTH_SIZE);
	uint8_t msg[sizeof auth_domain - 1 + 32];
	auth_message(hs, msg);
	if (svm_ed25519_verify(auth + 32, msg, sizeof msg, auth) != 0)
		return svm_error_set(err, SVM_ESIG, "handshake: the peer's identity signature does not verify");
	return svm_identity_derive(SVM_SCHEME_ED25519, auth, 32, peer_id);
}

void svm_net_hs_wipe(svm_net_hs_t *hs) { sodium_memzero(hs, sizeof *hs); }

/* ----------------------------------------------------------- sealing */

static void nonce_of(uint64_t counter, uint8_t nonce[12])
{
	svm_put_u64le(nonce, counter);
	memset(nonce + 8, 0, 4);
}

int svm_net_seal(svm_net_cipher_t *c, const uint8_t *plain, size_t len, svm_buf_t *out)
{
	if (len > SVM_NET_FRAME_BYTES_MAX) return SVM_ELIMIT;
	if (c->counter == UINT64_MAX) return SVM_ELIMIT; /* never reached: 2^64 frames */
	size_t clen = len + SVM_NET_TAG_SIZE;
	int rc = svm_buf_reserve(out, SVM_NET_LEN_SIZE + clen);
	if (rc != 0) return rc;
	uint8_t *hdr = out->data + out->len;
	hdr[0] = (uint8_t)clen;
	hdr[1] = (uint8_t)(clen >> 8);
	hdr[2] = (uint8_t)(clen >> 16);
	hdr[3] = (uint8_t)(clen >> 24);
	uint8_t nonce[12];
	nonce_of(c->counter, nonce);
	unsigned long long got = 0;
	crypto_aead_chacha20poly1305_ietf_encrypt(hdr + SVM_NET_LEN_SIZE, &got, plain, len, hdr,
						  SVM_NET_LEN_SIZE, NULL, nonce, c->key);
	out->len += SVM_NET_LEN_SIZE + clen;
	c->counter++;
	return 0;
}

int svm_net_frame_len(const uint8_t hdr[SVM_NET_LEN_SIZE], size_t *cipher_len)
{
	uint32_t v = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
		     (uint32_t)hdr[3] << 24;
	if (v < SVM_NET_TAG_SIZE + 1u) return SVM_EDECODE; /* every message has a type byte */
	if (v > SVM_NET_FRAME_BYTES_MAX + SVM_NET_TAG_SIZE) return SVM_ELIMIT;
	*cipher_len = v;
	return 0;
}

int svm_net_open(svm_net_cipher_t *c, const uint8_t hdr[SVM_NET_LEN_SIZE], const uint8_t *ct,
		 size_t clen, uint8_t *plain_out)
{
	if (clen < SVM_NET_TAG_SIZE || c->counter == UINT64_MAX) return SVM_EDECODE;
	uint8_t nonce[12];
	nonce_of(c->counter, nonce);
	unsigned long long got = 0;
	if (crypto_aead_chacha20poly1305_ietf_decrypt(plain_out, &got, NULL, ct, clen, hdr,
						      SVM_NET_LEN_SIZE, nonce, c->key) != 0)
		return SVM_ESIG;
	c->counter++;
	return 0;
}

/* -------------------------------------------------------- message codecs */

int svm_net_msg_split(const uint8_t *p, size_t len, uint8_t *type, const uint8_t **body,
		      size_t *body_len)
{
	if (len == 0) return SVM_EDECODE;
	size_t max = svm_net_msg_bytes_max(p[0]);
	if (max == 0) return SVM_EDECODE;
	if (len - 1 > max) return SVM_ELIMIT;
	*type = p[0];
	*body = p + 1;
	*body_len = len - 1;
	return 0;
}

int svm_net_status_encode(const svm_net_status_t *s, svm_buf_t *out)
{
	int rc = svm_varint_append(out, s->height);
	return rc != 0 ? rc : svm_buf_append(out, s->head.b, 32);
}

int svm_net_status_decode(const uint8_t *p, size_t len, svm_net_status_t *s)
{
	svm_reader_t r = svm_reader(p, len);
	int rc = svm_varint_read(&r, &s->height);
	if (rc == 0) rc = svm_reader_copy(&r, s->head.b, 32);
	if (rc == 0 && svm_reader_left(&r) != 0) rc = SVM_EDECODE;
	return rc;
}

int svm_net_sync_req_encode(const svm_net_sync_req_t *q, svm_buf_t *out)
{
	if (q->count == 0 || q->count > SVM_NET_SYNC_BLOCKS_MAX) return SVM_EINVAL;
	int rc = svm_varint_append(out, q->from_height);
	return rc != 0 ? rc : svm_varint_append(out, q->count);
}

int svm_net_sync_req_decode(const uint8_t *p, size_t len, svm_net_sync_req_t *q)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t count = 0;
	int rc = svm_varint_read(&r, &q->from_height);
	if (rc == 0) rc = svm_varint_read(&r, &count);
	if (rc == 0 && (svm_reader_left(&r) != 0 || count == 0 || count > SVM_NET_SYNC_BLOCKS_MAX))
		rc = SVM_EDECODE;
	if (rc == 0) q->count = (uint32_t)count;
	return rc;
}

/* One length-prefixed item of 1..max bytes (min 0 allowed when empty_ok). */
static int read_item(svm_reader_t *r, size_t max, bool empty_ok, svm_slice_t *out)
{
	uint64_t n = 0;
	int rc = svm_varint_read(r, &n);
	if (rc != 0) return rc;
	if ((n == 0 && !empty_ok) || n > max || n > svm_reader_left(r)) return SVM_EDECODE;
	out->p = r->p + r->pos;
	out->len = (size_t)n;
	r->pos += (size_t)n;
	return 0;
}

int svm_net_txs_decode(const uint8_t *p, size_t len, svm_net_txs_t *out)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t n = 0;
	int rc = svm_varint_read(&r, &n);
	if (rc != 0) return rc;
	if (n == 0 || n > SVM_NET_TXS_MAX) return SVM_EDECODE;
	for (uint64_t i = 0; i < n; i++)
		if ((rc = read_item(&r, SVM_TX_BYTES_MAX, false, &out->items[i])) != 0) return rc;
	if (svm_reader_left(&r) != 0) return SVM_EDECODE;
	out->n = (size_t)n;
	return 0;
}

int svm_net_txs_encode(const svm_slice_t *txs, size_t n, svm_buf_t *out)
{
	if (n == 0 || n > SVM_NET_TXS_MAX) return SVM_EINVAL;
	int rc = svm_varint_append(out, n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = svm_varint_append(out, txs[i].len);
		if (rc == 0) rc = svm_buf_append(out, txs[i].p, txs[i].len);
	}
	return rc;
}

int svm_net_sync_resp_decode(const uint8_t *p, size_t len, svm_net_sync_resp_t *out)
{
	svm_reader_t r = svm_reader(p, len);
	uint64_t n = 0;
	int rc = svm_varint_read(&r, &n);
	if (rc != 0) return rc;
	if (n > SVM_NET_SYNC_BLOCKS_MAX) return SVM_EDECODE;
	for (uint64_t i = 0; i < n; i++) {
		if ((rc = read_item(&r, SVM_BLOCK_BYTES_MAX, false, &out->blocks[i])) != 0) return rc;
		if ((rc = read_item(&r, 2u * SVM_HEADER_QC_MAX, true, &out->qcs[i])) != 0) return rc;
	}
	if (svm_reader_left(&r) != 0) return SVM_EDECODE;
	out->n = (size_t)n;
	return 0;
}

int svm_net_sync_resp_add(svm_buf_t *body, const uint8_t *block, size_t block_len,
			  const uint8_t *qc, size_t qc_len)
{
	int rc = svm_varint_append(body, block_len);
	if (rc == 0) rc = svm_buf_append(body, block, block_len);
	if (rc == 0) rc = svm_varint_append(body, qc_len);
	if (rc == 0 && qc_len > 0) rc = svm_buf_append(body, qc, qc_len);
	return rc;
}

/* SuperVM peer transport: authenticated, encrypted, length-framed TCP between validators and
 * full nodes on libevent (docs/net.md). Each connection starts with a handshake in the style of
 * Tendermint's SecretConnection (ephemeral X25519, then each side signs the transcript-bound
 * challenge with its Ed25519 identity key), then carries frames sealed with
 * ChaCha20-Poly1305-IETF under one key per direction and a counter nonce. A frame's plaintext
 * is one message: a type byte and a body bounded per type.
 *
 * The pure parts (handshake, sealing, message codecs) are separate functions so that unit tests
 * and fuzz targets drive them without sockets. The running transport (svm_net_t) owns one
 * event-loop thread; every public function on it is thread-safe. */
#ifndef SUPERVM_NET_H
#define SUPERVM_NET_H

#include "supervm/base.h"
#include "supervm/core.h"
#include "supervm/crypto.h"

/* ------------------------------------------------------------- limits */

#define SVM_NET_HELLO_SIZE 48          /* magic (8) ‖ chain id u64le (8) ‖ ephemeral X25519 key (32) */
#define SVM_NET_AUTH_SIZE 96           /* Ed25519 public key (32) ‖ signature (64) */
#define SVM_NET_TAG_SIZE 16            /* Poly1305 tag per frame */
#define SVM_NET_LEN_SIZE 4             /* frame header: ciphertext length, u32 little-endian */
#define SVM_NET_FRAME_BYTES_MAX (9u << 20) /* plaintext of one frame (a full block + its QC fits) */
#define SVM_NET_TXS_MAX 4096           /* transactions in one gossip message */
#define SVM_NET_TXS_BYTES_MAX (4u << 20) /* bytes of one gossip message */
#define SVM_NET_CONSENSUS_BYTES_MAX (SVM_BLOCK_BYTES_MAX + 2u * SVM_HEADER_QC_MAX + 65536u)
#define SVM_NET_SYNC_BLOCKS_MAX 64     /* blocks asked for or answered in one sync exchange */
#define SVM_NET_STATUS_BYTES_MAX 64
#define SVM_NET_EVIDENCE_BYTES_MAX (256u << 10)
#define SVM_NET_PEERS_MAX 64           /* connections (in + out, handshaking or not) */
#define SVM_NET_ADDRS_MAX 64           /* configured outbound peers */
#define SVM_NET_BANS_MAX 256           /* identities remembered as banned */

/* Message types (the first plaintext byte of a frame). Unknown types disconnect the sender. */
enum {
	SVM_NET_MSG_STATUS = 1,    /* varint committed height ‖ head hash (32) */
	SVM_NET_MSG_TXS = 2,       /* mempool gossip: varint count ‖ (varint len ‖ signed tx)* */
	SVM_NET_MSG_PROPOSAL = 3,  /* consensus encodings, decoded by the consensus layer */
	SVM_NET_MSG_VOTE = 4,
	SVM_NET_MSG_TIMEOUT = 5,
	SVM_NET_MSG_SYNC_REQ = 6,  /* varint from_height ‖ varint count (1..SVM_NET_SYNC_BLOCKS_MAX) */
	SVM_NET_MSG_SYNC_RESP = 7, /* varint count ‖ (varint len ‖ block ‖ varint len ‖ qc)* */
	SVM_NET_MSG_EVIDENCE = 8,  /* consensus evidence encoding */
	SVM_NET_MSG_CONSENSUS = 9, /* any other consensus message (its own tag inside) */
	SVM_NET_MSG_LAST = 9
};

/* The largest body a message of this type may have; 0 for an unknown type. */
size_t svm_net_msg_bytes_max(uint8_t type);
/* A static name for a message type ("vote", …; "unknown"). */
const char *svm_net_msg_name(uint8_t type);

/* ---------------------------------------------------------- handshake */

/* One side's handshake state. Holds secrets: svm_net_hs_wipe when done. */
typedef struct {
	uint64_t chain_id;
	uint8_t eph_pk[32], eph_sk[32];
	uint8_t challenge[32];
	uint8_t key_send[32], key_recv[32];
} svm_net_hs_t;

/* Draws an ephemeral key pair and writes this side's hello (SVM_NET_HELLO_SIZE bytes). */
void svm_net_hs_start(svm_net_hs_t *hs, uint64_t chain_id, uint8_t hello_out[SVM_NET_HELLO_SIZE]);
/* The same with a given ephemeral secret (tests and fuzzing: deterministic transcripts). */
void svm_net_hs_start_with(svm_net_hs_t *hs, uint64_t chain_id, const uint8_t eph_sk[32],
			   uint8_t hello_out[SVM_NET_HELLO_SIZE]);
/* Takes the peer's hello: checks magic and version, chain id, that the ephemeral key is not
 * ours reflected, and that X25519 gives a non-degenerate secret; then derives the two
 * direction keys and the challenge. SVM_EDECODE / SVM_ECHAIN / SVM_ESIG with a message. */
int svm_net_hs_peer_hello(svm_net_hs_t *hs, const uint8_t hello[SVM_NET_HELLO_SIZE], svm_error_t *err);
/* This side's authentication message: its Ed25519 key and signature of the challenge. */
void svm_net_hs_auth(const svm_net_hs_t *hs, const svm_keypair_t *kp, uint8_t auth_out[SVM_NET_AUTH_SIZE]);
/* Verifies the peer's authentication message; *peer_id is its identity. SVM_ESIG otherwise. */
int svm_net_hs_check_auth(const svm_net_hs_t *hs, const uint8_t *auth, size_t len, svm_id_t *peer_id,
			  svm_error_t *err);
void svm_net_hs_wipe(svm_net_hs_t *hs);

/* ----------------------------------------------------------- sealing */

/* One direction of an established session: key and the next frame's nonce counter. */
typedef struct {
	uint8_t key[32];
	uint64_t counter;
} svm_net_cipher_t;

/* Appends one frame (length header ‖ ciphertext ‖ tag) carrying plain[len] to out and advances
 * the counter. SVM_ELIMIT if len > SVM_NET_FRAME_BYTES_MAX. */
int svm_net_seal(svm_net_cipher_t *c, const uint8_t *plain, size_t len, svm_buf_t *out);
/* The ciphertext length a frame header announces, checked against the bounds (at least a
 * tag, at most SVM_NET_FRAME_BYTES_MAX + tag). SVM_ELIMIT / SVM_EDECODE otherwise. */
int svm_net_frame_len(const uint8_t hdr[SVM_NET_LEN_SIZE], size_t *cipher_len);
/* Opens the frame whose header is hdr and ciphertext c[clen]; plain_out receives clen - 16
 * bytes (the caller's buffer, at least that large). SVM_ESIG if it does not authenticate (a
 * tampered, replayed or reordered frame) — the connection must then be dropped. */
int svm_net_open(svm_net_cipher_t *c, const uint8_t hdr[SVM_NET_LEN_SIZE], const uint8_t *ct,
		 size_t clen, uint8_t *plain_out);

/* -------------------------------------------------------- message codecs */

/* Splits a frame's plaintext into type and body and checks the type's size bound.
 * SVM_EDECODE (empty, unknown type) or SVM_ELIMIT (too large). body points into p. */
int svm_net_msg_split(const uint8_t *p, size_t len, uint8_t *type, const uint8_t **body,
		      size_t *body_len);

typedef struct {
	uint64_t height;
	svm_hash_t head;
} svm_net_status_t;
int svm_net_status_encode(const svm_net_status_t *s, svm_buf_t *out); /* body only */
int svm_net_status_decode(const uint8_t *p, size_t len, svm_net_status_t *s);

typedef struct {
	uint64_t from_height;
	uint32_t count; /* 1..SVM_NET_SYNC_BLOCKS_MAX */
} svm_net_sync_req_t;
int svm_net_sync_req_encode(const svm_net_sync_req_t *r, svm_buf_t *out);
int svm_net_sync_req_decode(const uint8_t *p, size_t len, svm_net_sync_req_t *r);

/* A gossip batch or sync answer, decoded: borrowed slices into the message body. */
typedef struct {
	size_t n;
	svm_slice_t items[SVM_NET_TXS_MAX];
} svm_net_txs_t;
/* Each tx 1..SVM_TX_BYTES_MAX bytes, n ≤ SVM_NET_TXS_MAX, no trailing bytes. */
int svm_net_txs_decode(const uint8_t *p, size_t len, svm_net_txs_t *out);
/* Appends the body of a gossip message with the given transactions. */
int svm_net_txs_encode(const svm_slice_t *txs, size_t n, svm_buf_t *out);

typedef struct {
	size_t n;
	svm_slice_t blocks[SVM_NET_SYNC_BLOCKS_MAX];
	svm_slice_t qcs[SVM_NET_SYNC_BLOCKS_MAX]; /* the QC certifying each block (may be empty) */
} svm_net_sync_resp_t;
/* Blocks 1..SVM_BLOCK_BYTES_MAX bytes, QCs ≤ 2·SVM_HEADER_QC_MAX, n ≤ SVM_NET_SYNC_BLOCKS_MAX. */
int svm_net_sync_resp_decode(const uint8_t *p, size_t len, svm_net_sync_resp_t *out);
int svm_net_sync_resp_add(svm_buf_t *body, const uint8_t *block, size_t block_len,
			  const uint8_t *qc, size_t qc_len); /* after a varint count written first */

/* ---------------------------------------------------------- transport */

typedef struct svm_net svm_net_t;

/* Called on the transport's thread for every well-formed message of an authenticated peer.
 * body is borrowed for the call. Return 0 (accepted or ignored), SVM_EBUSY (dropped for lack
 * of room — not the peer's fault), or any other negative code: the peer misbehaved and is
 * disconnected and banned for ban_ms. */
typedef int (*svm_net_msg_fn)(void *ctx, const svm_id_t *peer, uint8_t type, const uint8_t *body,
			      size_t len);
/* Called on the transport's thread when a peer's session is established (up) or closed. */
typedef void (*svm_net_peer_fn)(void *ctx, const svm_id_t *peer, bool up);

typedef struct {
	uint64_t chain_id;
	const svm_keypair_t *key;  /* this node's identity (copied) */
	const char *listen_host;   /* numeric; NULL = 127.0.0.1 */
	uint16_t listen_port;      /* 0 = any free port */
	bool no_listen;            /* dial only */
	size_t out_bytes_max;      /* per-peer send queue; 0 = 64 MiB */
	uint64_t in_bytes_per_s;   /* per-peer receive rate before reads pause; 0 = 256 MiB/s */
	uint64_t in_msgs_per_s;    /* per-peer messages per second; 0 = 100,000 */
	uint64_t handshake_ms;     /* handshake deadline; 0 = 5,000 */
	uint64_t ban_ms;           /* how long a misbehaving identity is refused; 0 = 30,000 */
	uint64_t backoff_ms_min;   /* reconnect delay, doubling per failure; 0 = 100 */
	uint64_t backoff_ms_max;   /* 0 = 5,000 */
	svm_net_msg_fn on_msg;
	svm_net_peer_fn on_peer;   /* may be NULL */
	/* Called on the transport's thread, with up = false, when a dial of a configured peer of
	 * known identity (svm_net_add_peer with an id) ended before its session opened — refused,
	 * unanswered, or a failed handshake — and no session with that peer is open: it cannot be
	 * reached for now (it is redialled as usual; on_peer says when a session opens). Again at
	 * every failed redial. May be NULL. */
	svm_net_peer_fn on_unreachable;
	void *ctx;
} svm_net_config_t;

/* Starts listening (unless no_listen) and the event-loop thread. *out is the caller's; it is
 * set before the thread starts, so on_msg/on_peer may already read it (NULL on failure).
 * The process must ignore SIGPIPE (the supervm command does): a write to a peer that just
 * closed its socket would otherwise kill it. */
int svm_net_start(svm_net_t **out, const svm_net_config_t *cfg, svm_error_t *err);
/* Stops the thread, closes every connection, frees n. NULL is a no-op. */
void svm_net_stop(svm_net_t *n);
/* The listening port actually bound (0 with no_listen). */
uint16_t svm_net_port(const svm_net_t *n);

/* Adds an outbound peer: dialled now and redialled with backoff whenever it is not connected.
 * id (may be NULL) is the identity it must prove; a mismatch closes the connection.
 * SVM_ELIMIT past SVM_NET_ADDRS_MAX, SVM_EINVAL for a non-numeric host. */
int svm_net_add_peer(svm_net_t *n, const char *host, uint16_t port, const svm_id_t *id);

/* Queues a message (type, body) for one connected peer / every connected peer (except
 * `except`, may be NULL). Gossip (SVM_NET_MSG_TXS) is dropped when a peer's queue is over a
 * quarter full; another message that does not fit disconnects that peer (it is not reading).
 * svm_net_send: SVM_ENOTFOUND when the peer is not connected, SVM_EBUSY when dropped.
 * svm_net_broadcast returns the number of peers it was queued for. */
int svm_net_send(svm_net_t *n, const svm_id_t *peer, uint8_t type, const void *body, size_t len);
int svm_net_broadcast(svm_net_t *n, const svm_id_t *except, uint8_t type, const void *body,
		      size_t len);

/* Closes the session with peer (if connected) from any thread; with ban, its identity is refused
 * for ban_ms — for misbehaviour found after the message was handed over (a consensus message
 * whose signature does not verify). */
void svm_net_drop(svm_net_t *n, const svm_id_t *peer, bool ban);

/* Cuts this node off for ms milliseconds (tests of partitions, from any thread): closes every
 * session, refuses inbound connections and dials nothing until then; afterwards configured
 * peers are redialled as usual. */
void svm_net_isolate(svm_net_t *n, uint64_t ms);

/* Counters for status and tests. */
typedef struct {
	svm_id_t id;
	bool outbound;
	uint64_t msgs_in, msgs_out, bytes_in, bytes_out;
	size_t queued_bytes;
} svm_net_peer_info_t;
typedef struct {
	uint64_t accepted, dialled, handshakes_ok, handshakes_failed;
	uint64_t disconnects_misbehaved, dropped_gossip, throttled, bans;
} svm_net_stats_t;
/* Fills up to max connected peers (sorted by id); returns how many are connected. */
size_t svm_net_peers(svm_net_t *n, svm_net_peer_info_t *out, size_t max);
void svm_net_stats(svm_net_t *n, svm_net_stats_t *out);
/* Whether id is banned now (tests). */
bool svm_net_is_banned(svm_net_t *n, const svm_id_t *id);

#endif

/* e2e-econ's helper: the double-sign evidence a validator's consensus key produces by signing two
 * different vote hashes at one (epoch, height, round) — over exactly what consensus signs
 * (econ.h svm_vote_message, kind 0) — printed as the hex of its svm_evidence_t encoding, what
 * `supervm validator evidence OPERATOR --evidence HEX` takes (and svm_getEvidence lists as
 * "staking"). The "crafted evidence" of issue 10's end-to-end test: a real double vote needs
 * the validator's own misbehaving node, which a one-validator devnet does not have.
 * Usage: forge_evidence KEYFILE CHAIN_ID EPOCH HEIGHT ROUND [bad]  ("bad": a forged signature).
 *
 * e2e-downtime's mode: `forge_evidence gossip P2P_PORT KEYFILE CHAIN_ID EPOCH HEIGHT ROUND VOTER`
 * signs two consensus votes (svm_cons_vote_t, voter index VOTER of the epoch's set) for two
 * different blocks at one round with KEYFILE's key — a validator voting twice — and hands the
 * consensus evidence message to the node at 127.0.0.1:P2P_PORT as a peer would (the transport's
 * handshake under a fresh key: any full node may gossip evidence). The node checks it as its
 * core would, keeps it, passes it on, and reports it to the staking program itself. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "supervm/consensus.h"
#include "supervm/crypto.h"
#include "supervm/econ.h"
#include "supervm/net.h"

/* Two votes of one voter for different blocks at one round, as consensus evidence. */
static int cons_double_vote(const svm_keypair_t *kp, uint64_t chain, uint64_t epoch, uint64_t height,
			    uint64_t round, uint32_t voter, svm_buf_t *out)
{
	svm_buf_t m[2] = {{0}, {0}};
	for (int i = 0; i < 2; i++) {
		svm_cons_vote_t v = {.data = {.round = round, .height = height}, .epoch = epoch, .voter = voter};
		memset(v.data.block_id.b, 0x11 * (i + 1), 32);
		memset(v.data.exec_root.b, 0x5a, 32);
		uint8_t msg[SVM_CONS_SIGNED_BYTES];
		svm_cons_vote_message(chain, epoch, &v.data, msg);
		svm_ed25519_sign(v.sig, msg, sizeof msg, kp->secret_key);
		if (svm_cons_vote_encode(&v, &m[i]) != 0) return 1;
	}
	size_t k = m[0].len < m[1].len ? m[0].len : m[1].len;
	int cmp = memcmp(m[0].data, m[1].data, k);
	int first = cmp > 0 || (cmp == 0 && m[0].len > m[1].len) ? 1 : 0;
	svm_cons_evidence_t e = {.kind = SVM_CONS_EVIDENCE_DOUBLE_VOTE, .epoch = epoch, .round = round, .a = m[first], .b = m[1 - first]};
	int rc = svm_cons_evidence_encode(&e, out);
	svm_buf_free(&m[0]);
	svm_buf_free(&m[1]);
	return rc;
}

/* Connects to 127.0.0.1:port as a peer under a fresh key and sends one evidence message. */
static int gossip(uint16_t port, uint64_t chain, const svm_buf_t *ev)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {10, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		fprintf(stderr, "forge_evidence: cannot connect to port %u\n", port);
		return 1;
	}
	svm_net_hs_t hs;
	uint8_t hello[SVM_NET_HELLO_SIZE], peer[SVM_NET_HELLO_SIZE], auth[SVM_NET_AUTH_SIZE];
	svm_net_hs_start(&hs, chain, hello);
	if (send(fd, hello, sizeof hello, MSG_NOSIGNAL) != sizeof hello ||
	    recv(fd, peer, sizeof peer, MSG_WAITALL) != sizeof peer || svm_net_hs_peer_hello(&hs, peer, NULL) != 0) {
		fprintf(stderr, "forge_evidence: handshake failed\n");
		close(fd);
		return 1;
	}
	svm_net_cipher_t tx = {{0}, 0};
	memcpy(tx.key, hs.key_send, 32);
	svm_keypair_t kp;
	svm_keypair_random(&kp);
	svm_net_hs_auth(&hs, &kp, auth);
	svm_buf_t msg = {0}, f = {0};
	int rc = svm_buf_push(&msg, SVM_NET_MSG_EVIDENCE);
	if (rc == 0) rc = svm_buf_append(&msg, ev->data, ev->len);
	if (rc == 0) rc = svm_net_seal(&tx, auth, sizeof auth, &f);
	if (rc == 0) rc = svm_net_seal(&tx, msg.data, msg.len, &f);
	if (rc == 0 && send(fd, f.data, f.len, MSG_NOSIGNAL) != (ssize_t)f.len) rc = 1;
	struct timespec ts = {0, 500000000L}; /* let the node read it before the session closes */
	nanosleep(&ts, NULL);
	close(fd);
	svm_buf_free(&msg);
	svm_buf_free(&f);
	svm_keypair_wipe(&kp);
	return rc;
}

static int gossip_main(int argc, char **argv)
{
	if (argc < 9) {
		fprintf(stderr, "usage: %s gossip P2P_PORT KEYFILE CHAIN_ID EPOCH HEIGHT ROUND VOTER\n", argv[0]);
		return 2;
	}
	svm_keypair_t kp;
	svm_error_t err = {0};
	if (svm_keyfile_read(argv[3], &kp, &err) != 0) {
		fprintf(stderr, "forge_evidence: %s\n", err.msg);
		return 1;
	}
	uint64_t chain = strtoull(argv[4], NULL, 10);
	svm_buf_t ev = {0};
	int rc = cons_double_vote(&kp, chain, strtoull(argv[5], NULL, 10), strtoull(argv[6], NULL, 10),
				  strtoull(argv[7], NULL, 10), (uint32_t)strtoul(argv[8], NULL, 10), &ev);
	if (rc == 0) rc = gossip((uint16_t)strtoul(argv[2], NULL, 10), chain, &ev);
	svm_buf_free(&ev);
	svm_keypair_wipe(&kp);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: %s KEYFILE CHAIN_ID EPOCH HEIGHT ROUND [bad]\n"
				"       %s gossip P2P_PORT KEYFILE CHAIN_ID EPOCH HEIGHT ROUND VOTER\n",
			argv[0], argv[0]);
		return 2;
	}
	if (svm_crypto_init() != 0) return 1;
	if (strcmp(argv[1], "gossip") == 0) return gossip_main(argc, argv);
	svm_keypair_t kp;
	svm_error_t err = {0};
	if (svm_keyfile_read(argv[1], &kp, &err) != 0) {
		fprintf(stderr, "forge_evidence: %s\n", err.msg);
		return 1;
	}
	uint64_t chain = strtoull(argv[2], NULL, 10);
	svm_evidence_t e = {.epoch = strtoull(argv[3], NULL, 10), .height = strtoull(argv[4], NULL, 10), .round = strtoull(argv[5], NULL, 10), .kind = 0};
	memcpy(e.key, kp.public_key, 32);
	for (int i = 0; i < 2; i++) {
		memset(e.hash[i].b, 0x11 * (i + 1), 32); /* two different blocks' vote digests */
		uint8_t msg[SVM_VOTE_MESSAGE_SIZE];
		svm_vote_message(chain, e.epoch, e.height, e.round, e.kind, &e.hash[i], msg);
		svm_ed25519_sign(e.sig[i], msg, sizeof msg, kp.secret_key);
	}
	if (argc > 6 && strcmp(argv[6], "bad") == 0) e.sig[1][7] ^= 1;
	svm_buf_t b = {0};
	if (svm_evidence_encode(&e, &b) != 0) return 1;
	for (size_t i = 0; i < b.len; i++) printf("%02x", b.data[i]);
	printf("\n");
	svm_buf_free(&b);
	return 0;
}

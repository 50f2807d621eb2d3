/* The Fiat–Shamir transcript: a SHA-512 chain in the manner of Merlin (docs/privacy.md):
 *   init:      S = SHA-512("svm/zk/transcript/v1" ‖ u64le(|label|) ‖ label)
 *   append:    S = SHA-512(S ‖ 0x01 ‖ u64le(|label|) ‖ label ‖ u64le(|msg|) ‖ msg)
 *   challenge: H = SHA-512(S ‖ 0x02 ‖ u64le(|label|) ‖ label); S = SHA-512(S ‖ 0x03 ‖ H);
 *              the challenge is H mod l.
 * Lengths frame every field, so no two different message sequences hash the same way. */
#include <sodium.h>
#include <string.h>

#include "supervm/privacy.h"

static void u64le(uint8_t b[8], uint64_t v)
{
	for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
}

static void update_framed(crypto_hash_sha512_state *st, const uint8_t *m, size_t len)
{
	uint8_t l[8];
	u64le(l, len);
	crypto_hash_sha512_update(st, l, 8);
	if (len) crypto_hash_sha512_update(st, m, len);
}

void svm_zk_transcript_init(svm_zk_transcript_t *t, const char *label)
{
	crypto_hash_sha512_state st;
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, (const uint8_t *)"svm/zk/transcript/v1", 20);
	update_framed(&st, (const uint8_t *)label, strlen(label));
	crypto_hash_sha512_final(&st, t->state);
}

void svm_zk_transcript_append(svm_zk_transcript_t *t, const char *label, const uint8_t *msg,
			      size_t len)
{
	static const uint8_t tag = 0x01;
	crypto_hash_sha512_state st;
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, t->state, 64);
	crypto_hash_sha512_update(&st, &tag, 1);
	update_framed(&st, (const uint8_t *)label, strlen(label));
	update_framed(&st, msg, len);
	crypto_hash_sha512_final(&st, t->state);
}

void svm_zk_transcript_append_u64(svm_zk_transcript_t *t, const char *label, uint64_t v)
{
	uint8_t b[8];
	u64le(b, v);
	svm_zk_transcript_append(t, label, b, 8);
}

void svm_zk_transcript_challenge(svm_zk_transcript_t *t, const char *label, uint8_t out[32])
{
	static const uint8_t tag2 = 0x02, tag3 = 0x03;
	crypto_hash_sha512_state st;
	uint8_t h[64];
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, t->state, 64);
	crypto_hash_sha512_update(&st, &tag2, 1);
	update_framed(&st, (const uint8_t *)label, strlen(label));
	crypto_hash_sha512_final(&st, h);
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, t->state, 64);
	crypto_hash_sha512_update(&st, &tag3, 1);
	crypto_hash_sha512_update(&st, h, 64);
	crypto_hash_sha512_final(&st, t->state);
	crypto_core_ristretto255_scalar_reduce(out, h);
}

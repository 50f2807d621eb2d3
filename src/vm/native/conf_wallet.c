/* The wallet side of ring outputs (confidential.h): a wallet's spend and view keys derived from
 * a seed, and the note that makes an output spendable by its recipient alone — a one-time key
 * from a Diffie–Hellman secret with the recipient's view key, and the output's opening sealed
 * to it (XChaCha20-Poly1305, libsodium). The view key opens notes; only the spend key gives the
 * one-time secret. Not consensus code: the chain never opens a note. */
#include <math.h>
#include <sodium.h>
#include <string.h>

#include "supervm/confidential.h"

static const uint8_t ZERO[32];

/* x·B_blinding (+ A when A is not NULL), through the privacy layer's own arithmetic. */
static int mul_blinding(uint8_t out[32], const uint8_t x[32], const uint8_t *A)
{
	if (svm_zk_commit_scalar(out, ZERO, x)) return SVM_EINVAL;
	if (!A) return 0;
	uint8_t pts[2][32];
	memcpy(pts[0], out, 32);
	memcpy(pts[1], A, 32);
	return svm_zk_point_combine(out, (const uint8_t(*)[32])pts, 2, NULL, 0, NULL);
}

static void tagged_scalar(uint8_t out[32], const char *tag, size_t tag_len, const uint8_t in[32])
{
	uint8_t d[32 + 32];
	SVM_ASSERT(tag_len <= 32);
	memcpy(d, tag, tag_len);
	memcpy(d + tag_len, in, 32);
	svm_zk_scalar_hash(out, d, tag_len + 32);
	sodium_memzero(d, sizeof d);
}

void svm_conf_wallet_keys(uint8_t s[32], uint8_t vk[SVM_CONF_VIEW_KEY_BYTES],
			  uint8_t addr[SVM_CONF_ADDRESS_BYTES], const uint8_t seed[32])
{
	tagged_scalar(s, "svm/conf/wallet", 15, seed);
	tagged_scalar(vk, "svm/conf/view", 13, s);
	/* s and v are canonical scalars: the multiplications cannot fail */
	if (mul_blinding(vk + 32, s, NULL)) memset(vk + 32, 0, 32);
	if (svm_conf_view_address(addr, vk)) memset(addr, 0, SVM_CONF_ADDRESS_BYTES);
}

int svm_conf_view_address(uint8_t addr[SVM_CONF_ADDRESS_BYTES],
			  const uint8_t vk[SVM_CONF_VIEW_KEY_BYTES])
{
	if (svm_zk_scalar_check(vk) || sodium_is_zero(vk, 32) || svm_zk_point_check(vk + 32))
		return SVM_EINVAL;
	if (mul_blinding(addr, vk, NULL)) return SVM_EINVAL;
	memcpy(addr + 32, vk + 32, 32);
	return 0;
}

/* From the shared point S and R: the AEAD key and the one-time key offset x. */
static void note_keys(uint8_t key[32], uint8_t x[32], const uint8_t S[32], const uint8_t R[32])
{
	uint8_t d[13 + 64], h[64];
	memcpy(d, "svm/conf/note", 13);
	memcpy(d + 13, S, 32);
	memcpy(d + 45, R, 32);
	crypto_hash_sha512(h, d, sizeof d);
	memcpy(key, h, 32);
	d[12] = 'x'; /* "svm/conf/notx": the one-time key's domain */
	svm_zk_scalar_hash(x, d, sizeof d);
	sodium_memzero(d, sizeof d);
	sodium_memzero(h, sizeof h);
}

static void pack_opening(uint8_t m[104], const svm_conf_opening_t *o)
{
	for (int i = 0; i < 8; i++) m[i] = (uint8_t)(o->value >> (8 * i));
	memcpy(m + 8, o->blind, 32);
	memcpy(m + 40, o->flavor_blind, 32);
	memcpy(m + 72, o->token.b, 32);
}

int svm_conf_note_seal(uint8_t P[32], uint8_t note[SVM_CONF_NOTE_BYTES],
		       const uint8_t addr[SVM_CONF_ADDRESS_BYTES], const svm_conf_opening_t *open,
		       const uint8_t rseed[32])
{
	uint8_t r[32], S[32], key[32], x[32], m[104], nonce[24] = {0};
	const uint8_t *V = addr, *A = addr + 32;
	int rc = svm_zk_point_check(V) || svm_zk_point_check(A) ? SVM_EINVAL : 0;
	if (!rc && (svm_zk_scalar_check(open->blind) || svm_zk_scalar_check(open->flavor_blind)))
		rc = SVM_EINVAL;
	if (!rc) {
		tagged_scalar(r, "svm/conf/ephem", 14, rseed);
		rc = mul_blinding(note, r, NULL); /* R = r·B_blinding */
	}
	if (!rc) rc = svm_zk_msm(S, (const uint8_t(*)[32])r, (const uint8_t(*)[32])V, 1);
	if (!rc) {
		note_keys(key, x, S, note);
		rc = mul_blinding(P, x, A); /* P = x·B_blinding + A */
	}
	if (!rc) {
		pack_opening(m, open);
		/* the key is used once (R is fresh), so a zero nonce is safe; P is bound as data */
		crypto_aead_xchacha20poly1305_ietf_encrypt(note + 32, NULL, m, sizeof m, P, 32, NULL,
							   nonce, key);
	}
	sodium_memzero(r, sizeof r);
	sodium_memzero(key, sizeof key);
	sodium_memzero(m, sizeof m);
	return rc;
}

int svm_conf_note_view(svm_conf_opening_t *open, uint8_t x[32],
		       const uint8_t vk[SVM_CONF_VIEW_KEY_BYTES], const uint8_t P[32],
		       const uint8_t Q[32], const uint8_t F[32], const uint8_t *note, size_t note_len)
{
	uint8_t S[32], key[32], m[104], nonce[24] = {0}, chk[32];
	if (note_len != SVM_CONF_NOTE_BYTES || svm_zk_point_check(note)) return SVM_EPROOF;
	if (svm_zk_msm(S, (const uint8_t(*)[32])vk, (const uint8_t(*)[32])note, 1)) return SVM_EPROOF;
	note_keys(key, x, S, note);
	int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(m, NULL, NULL, note + 32, note_len - 32, P,
							    32, nonce, key)
			 ? SVM_EPROOF
			 : 0;
	if (!rc) {
		open->value = 0;
		for (int i = 7; i >= 0; i--) open->value = (open->value << 8) | m[i];
		memcpy(open->blind, m + 8, 32);
		memcpy(open->flavor_blind, m + 40, 32);
		memcpy(open->token.b, m + 72, 32);
		/* a sender could seal anything: P must be x·B_blinding + A (so the spend key's owner
		 * holds its secret), and the opening must open Q and F */
		if (mul_blinding(chk, x, vk + 32) || memcmp(chk, P, 32) ||
		    svm_zk_commit(chk, open->value, open->blind) || memcmp(chk, Q, 32) ||
		    svm_zk_commit_flavor(chk, open->token.b, open->flavor_blind) || memcmp(chk, F, 32))
			rc = SVM_EPROOF;
	}
	sodium_memzero(key, sizeof key);
	sodium_memzero(m, sizeof m);
	if (rc) {
		sodium_memzero(x, 32);
		sodium_memzero(open, sizeof *open);
	}
	return rc;
}

int svm_conf_note_open(svm_conf_opening_t *open, uint8_t p[32],
		       const uint8_t vk[SVM_CONF_VIEW_KEY_BYTES], const uint8_t s[32],
		       const uint8_t P[32], const uint8_t Q[32], const uint8_t F[32],
		       const uint8_t *note, size_t note_len)
{
	uint8_t x[32], chk[32];
	int rc = svm_conf_note_view(open, x, vk, P, Q, F, note, note_len);
	if (!rc) {
		svm_zk_scalar_add(p, x, s);
		/* p is P's secret only when s is the spend key of vk's A */
		if (mul_blinding(chk, p, NULL) || memcmp(chk, P, 32)) rc = SVM_EPROOF;
	}
	sodium_memzero(x, sizeof x);
	if (rc) sodium_memzero(p, 32);
	return rc;
}

/* ------------------------------------------------------------ key-image export */

/* What an exported key image is bound to: the wallet's address and the output's id. */
static void kie_msg(uint8_t m[17 + SVM_CONF_ADDRESS_BYTES + 32], const uint8_t addr[SVM_CONF_ADDRESS_BYTES],
		    const svm_id_t *id)
{
	memcpy(m, "svm/conf/keyimage", 17);
	memcpy(m + 17, addr, SVM_CONF_ADDRESS_BYTES);
	memcpy(m + 17 + SVM_CONF_ADDRESS_BYTES, id->b, 32);
}

int svm_conf_key_image_export(uint8_t proof[SVM_ZK_KEY_IMAGE_PROOF_BYTES], uint8_t I[32],
			      const uint8_t p[32], const uint8_t addr[SVM_CONF_ADDRESS_BYTES],
			      const svm_id_t *id, const uint8_t seed[32])
{
	uint8_t m[17 + SVM_CONF_ADDRESS_BYTES + 32];
	kie_msg(m, addr, id);
	return svm_zk_key_image_prove(proof, I, SVM_ZK_BASE_BLINDING, p, m, sizeof m, seed);
}

int svm_conf_key_image_check(const uint8_t *proof, size_t proof_len, const uint8_t I[32],
			     const uint8_t P[32], const uint8_t addr[SVM_CONF_ADDRESS_BYTES],
			     const svm_id_t *id)
{
	uint8_t m[17 + SVM_CONF_ADDRESS_BYTES + 32];
	kie_msg(m, addr, id);
	return svm_zk_key_image_verify(proof, proof_len, I, SVM_ZK_BASE_BLINDING, P, m, sizeof m);
}

/* ------------------------------------------------------------------ decoys */

/* A SHA-512 counter stream of the seed: 64-bit draws. */
typedef struct {
	uint8_t seed[32];
	uint64_t ctr;
	uint8_t buf[64];
	unsigned used;
} stream_t;

static uint64_t draw(stream_t *st)
{
	if (st->used == 0 || st->used >= 64) {
		uint8_t d[16 + 32 + 8];
		memcpy(d, "svm/conf/decoys/", 16);
		memcpy(d + 16, st->seed, 32);
		svm_put_u64be(d + 48, st->ctr++);
		crypto_hash_sha512(st->buf, d, sizeof d);
		st->used = 0;
	}
	uint64_t v = svm_get_u64le(st->buf + st->used);
	st->used += 8;
	return v;
}

static uint64_t below(stream_t *st, uint64_t n) /* uniform in [0, n), n > 0, no modulo bias */
{
	uint64_t lim = UINT64_MAX - UINT64_MAX % n, v;
	do v = draw(st);
	while (v >= lim);
	return v % n;
}

/* The newest index whose height is ≤ h (heights ascending), or SIZE_MAX when none is. */
static size_t newest_at_most(const uint64_t *heights, size_t n, uint64_t h)
{
	size_t lo = 0, hi = n; /* first index with height > h */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (heights[mid] <= h) lo = mid + 1;
		else hi = mid;
	}
	return lo == 0 ? SIZE_MAX : lo - 1;
}

int svm_conf_decoys(size_t *pick, size_t k, const uint64_t *heights, size_t n, size_t real,
		    uint64_t head, const uint8_t seed[32])
{
	size_t avail = n - (real < n ? 1 : 0);
	if (k > avail || k > SVM_CONF_RING_MAX) return SVM_EINVAL;
	for (size_t i = 1; i < n; i++)
		if (heights[i] < heights[i - 1] || heights[i] > head) return SVM_EINVAL;
	if (k == 0) return 0;
	stream_t st = {.ctr = 0, .used = 0};
	memcpy(st.seed, seed, 32);
	double span = log((double)(head - heights[0]) + 1.0); /* log(A + 1), A the oldest age */
	size_t got = 0;
	for (size_t tries = 0; got < k && tries < 64 * k; tries++) {
		size_t i;
		if (tries < 48 * k) {
			/* a log-uniform age a in [0, A]: P(age ≤ a) = log(a + 1) / log(A + 1) */
			double u = (double)(draw(&st) >> 11) / 9007199254740992.0; /* [0, 1) */
			uint64_t age = (uint64_t)floor(exp(u * span)) - 1;
			if (age > head - heights[0]) age = head - heights[0];
			size_t last = newest_at_most(heights, n, head - age);
			if (last == SIZE_MAX) continue;
			size_t first = last; /* the outputs of that height: one at random */
			while (first > 0 && heights[first - 1] == heights[last]) first--;
			i = first + (size_t)below(&st, last - first + 1);
		} else {
			i = (size_t)below(&st, n); /* a long run of collisions: uniform */
		}
		bool dup = i == real;
		for (size_t j = 0; j < got && !dup; j++) dup = pick[j] == i;
		if (!dup) pick[got++] = i;
	}
	/* still short (a tiny pool and unlucky draws): the first unused indices, in order */
	for (size_t i = 0; got < k && i < n; i++) {
		bool dup = i == real;
		for (size_t j = 0; j < got && !dup; j++) dup = pick[j] == i;
		if (!dup) pick[got++] = i;
	}
	sodium_memzero(&st, sizeof st);
	SVM_ASSERT(got == k);
	return 0;
}

/* Ed25519 through libsodium (single verify: the one acceptance rule), the signature-scheme
 * table, the identity derivation and in-memory key pairs. */
#include <sodium.h>
#include <string.h>

#include "supervm/crypto.h"

_Static_assert(crypto_sign_PUBLICKEYBYTES == SVM_ED25519_PUBKEY_SIZE, "pk size");
_Static_assert(crypto_sign_SECRETKEYBYTES == SVM_ED25519_SECRET_SIZE, "sk size");
_Static_assert(crypto_sign_SEEDBYTES == SVM_ED25519_SEED_SIZE, "seed size");
_Static_assert(crypto_sign_BYTES == SVM_ED25519_SIG_SIZE, "sig size");
/* a key pair's arrays are the sizes the libsodium calls write (secret = seed ‖ public key) */
_Static_assert(sizeof(((svm_keypair_t *)0)->public_key) == SVM_ED25519_PUBKEY_SIZE, "kp pk");
_Static_assert(sizeof(((svm_keypair_t *)0)->secret_key) ==
		       SVM_ED25519_SEED_SIZE + SVM_ED25519_PUBKEY_SIZE,
	       "kp sk");

int svm_crypto_init(void)
{
	/* sodium_init is itself thread-safe and idempotent: 0 first time, 1 afterwards. */
	return sodium_init() < 0 ? SVM_EUNSUPPORTED : 0;
}

size_t svm_scheme_pubkey_size(uint8_t scheme)
{
	return scheme == SVM_SCHEME_ED25519 ? SVM_ED25519_PUBKEY_SIZE : 0;
}

size_t svm_scheme_sig_size(uint8_t scheme)
{
	return scheme == SVM_SCHEME_ED25519 ? SVM_ED25519_SIG_SIZE : 0;
}

void svm_ed25519_keypair_seed(uint8_t pk[SVM_ED25519_PUBKEY_SIZE],
			      uint8_t sk[SVM_ED25519_SECRET_SIZE],
			      const uint8_t seed[SVM_ED25519_SEED_SIZE])
{
	crypto_sign_seed_keypair(pk, sk, seed);
}

void svm_ed25519_keypair_random(uint8_t pk[SVM_ED25519_PUBKEY_SIZE],
				uint8_t sk[SVM_ED25519_SECRET_SIZE])
{
	crypto_sign_keypair(pk, sk);
}

void svm_ed25519_sign(uint8_t sig[SVM_ED25519_SIG_SIZE], const void *msg, size_t len,
		      const uint8_t sk[SVM_ED25519_SECRET_SIZE])
{
	int rc = crypto_sign_detached(sig, NULL, msg, len, sk);
	SVM_ASSERT(rc == 0); /* never fails: a failure would leave sig unwritten */
}

int svm_ed25519_verify(const uint8_t sig[SVM_ED25519_SIG_SIZE], const void *msg, size_t len,
		       const uint8_t pk[SVM_ED25519_PUBKEY_SIZE])
{
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? 0 : SVM_ESIG;
}

int svm_identity_derive(uint8_t scheme, const uint8_t *pubkey, size_t len, svm_id_t *out)
{
	size_t want = svm_scheme_pubkey_size(scheme);
	if (want == 0) return SVM_EUNSUPPORTED;
	if (len != want || pubkey == NULL) return SVM_EINVAL;
	svm_slice_t parts[2] = {{&scheme, 1}, {pubkey, len}};
	svm_sha256_tagged("svm/id", parts, 2, out);
	return 0;
}

void svm_keypair_from_seed(svm_keypair_t *kp, const uint8_t seed[SVM_ED25519_SEED_SIZE])
{
	kp->scheme = SVM_SCHEME_ED25519;
	crypto_sign_seed_keypair(kp->public_key, kp->secret_key, seed);
	int rc = svm_identity_derive(kp->scheme, kp->public_key, sizeof kp->public_key, &kp->id);
	SVM_ASSERT(rc == 0); /* the scheme and key size match: the id is always written */
	/* the secret key carries the seed it came from */
	SVM_ASSERT(memcmp(kp->secret_key, seed, SVM_ED25519_SEED_SIZE) == 0);
}

void svm_keypair_random(svm_keypair_t *kp)
{
	uint8_t seed[SVM_ED25519_SEED_SIZE];
	randombytes_buf(seed, sizeof seed);
	svm_keypair_from_seed(kp, seed);
	sodium_memzero(seed, sizeof seed);
}

void svm_keypair_wipe(svm_keypair_t *kp)
{
	sodium_memzero(kp, sizeof *kp);
}

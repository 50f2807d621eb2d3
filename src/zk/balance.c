/* The value-balance proof: each P_k is x_k·B_blinding (a commitment to zero). Transcript:
 * init "svm/zk/balance"; "n" (u64); "ctx"; each "P"; n-1 challenges "w" (w_0 = 1); "R";
 * challenge "e". Proof R ‖ s with R = r·B_blinding, s = r + e·sum w_k x_k; the verifier checks
 * s·B_blinding - e·sum w_k P_k - R = 0 as one multiscalar multiplication. With the weights
 * drawn after every P_k is fixed, a prover who can answer knows every x_k (one rewinding per
 * weight), so each P_k separately opens to zero. */
#include <sodium.h>
#include <string.h>

#include "supervm/base.h"
#include "zk/internal.h"

static void weights(svm_zk_transcript_t *t, uint8_t (*w)[32], const uint8_t (*P)[32], size_t n,
		    const uint8_t *ctx, size_t ctx_len)
{
	svm_zk_transcript_init(t, "svm/zk/balance");
	svm_zk_transcript_append_u64(t, "n", n);
	svm_zk_transcript_append(t, "ctx", ctx, ctx_len);
	for (size_t k = 0; k < n; k++) svm_zk_transcript_append(t, "P", P[k], 32);
	SVM_ASSERT(n >= 1 && n <= SVM_ZK_BALANCE_TERMS_MAX); /* w holds n weights */
	memset(w[0], 0, 32);
	w[0][0] = 1;
	for (size_t k = 1; k < n; k++) svm_zk_transcript_challenge(t, "w", w[k]);
}

int svm_zk_balance_prove(uint8_t proof[SVM_ZK_BALANCE_PROOF_BYTES], const uint8_t (*P)[32],
			 const uint8_t (*x)[32], size_t n, const uint8_t *ctx, size_t ctx_len,
			 const uint8_t seed[32])
{
	if (n == 0 || n > SVM_ZK_BALANCE_TERMS_MAX) return SVM_EINVAL;
	for (size_t k = 0; k < n; k++)
		if (svm_zk_scalar_check(x[k]) || svm_zk_point_check(P[k])) return SVM_EINVAL;
	uint8_t w[SVM_ZK_BALANCE_TERMS_MAX][32], xs[32] = {0}, tmp[32], r[32], e[32];
	svm_zk_transcript_t t;
	weights(&t, w, P, n, ctx, ctx_len);
	for (size_t k = 0; k < n; k++) {
		sc_mul(tmp, w[k], x[k]);
		sc_add(xs, xs, tmp);
	}
	uint8_t rseed[64];
	crypto_hash_sha512_state st;
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, (const uint8_t *)"svm/zk/balance/rng", 18);
	crypto_hash_sha512_update(&st, seed, 32);
	crypto_hash_sha512_update(&st, t.state, 64);
	crypto_hash_sha512_update(&st, xs, 32);
	crypto_hash_sha512_final(&st, rseed);
	sc_from_seed(r, rseed, "r", 0);
	ge_t R;
	ge_scalarmult(&R, r, zk_gen_blinding());
	ge_encode(proof, &R);
	svm_zk_transcript_append(&t, "R", proof, 32);
	svm_zk_transcript_challenge(&t, "e", e);
	sc_mul(tmp, e, xs);
	sc_add(proof + 32, r, tmp);
	sodium_memzero(r, 32);
	sodium_memzero(rseed, sizeof rseed);
	return 0;
}

int svm_zk_balance_verify(const uint8_t proof[SVM_ZK_BALANCE_PROOF_BYTES], const uint8_t (*P)[32],
			  size_t n, const uint8_t *ctx, size_t ctx_len)
{
	if (n == 0 || n > SVM_ZK_BALANCE_TERMS_MAX) return SVM_EINVAL;
	if (svm_zk_scalar_check(proof + 32)) return SVM_EDECODE;
	ge_t pts[SVM_ZK_BALANCE_TERMS_MAX + 2];
	uint8_t sc[SVM_ZK_BALANCE_TERMS_MAX + 2][32], w[SVM_ZK_BALANCE_TERMS_MAX][32], e[32];
	for (size_t k = 0; k < n; k++)
		if (ge_decode(&pts[k], P[k])) return SVM_EDECODE;
	if (ge_decode(&pts[n], proof)) return SVM_EDECODE;
	pts[n + 1] = *zk_gen_blinding();
	SVM_ASSERT(n + 2 <= SVM_ZK_BALANCE_TERMS_MAX + 2);
	svm_zk_transcript_t t;
	weights(&t, w, P, n, ctx, ctx_len);
	svm_zk_transcript_append(&t, "R", proof, 32);
	svm_zk_transcript_challenge(&t, "e", e);
	for (size_t k = 0; k < n; k++) {
		sc_mul(sc[k], e, w[k]);
		sc_neg(sc[k], sc[k]);
	}
	static const uint8_t one[32] = {1};
	sc_neg(sc[n], one);
	memcpy(sc[n + 1], proof + 32, 32);
	ge_t res;
	int rc = zk_msm(&res, (const uint8_t(*)[32])sc, pts, n + 2);
	if (rc) return rc;
	return ge_is_identity(&res) ? 0 : SVM_EPROOF;
}

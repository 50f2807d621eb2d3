/* Internals of the privacy layer (src/zk): arithmetic mod p = 2^255 - 19 in five 51-bit limbs,
 * points of the Edwards curve in extended coordinates carrying ristretto255 elements, the
 * variable-time multiscalar multiplication the verifiers use, and the generator tables.
 * Nothing here is constant time: it runs on public data (verification) or in a wallet. */
#ifndef SUPERVM_ZK_INTERNAL_H
#define SUPERVM_ZK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "supervm/privacy.h"

typedef uint64_t fe_t[5]; /* value = sum limb[i] * 2^(51 i); limbs below 2^54 between operations */

typedef struct {
	fe_t X, Y, Z, T; /* x = X/Z, y = Y/Z, x y = T/Z */
} ge_t;

typedef struct {
	fe_t YpX, YmX, Z2, T2d; /* Y+X, Y-X, 2Z, 2dT: the form an addend is kept in */
} ge_cached_t;

void fe_frombytes(fe_t h, const uint8_t s[32]); /* bit 255 ignored */
void fe_tobytes(uint8_t s[32], const fe_t h);   /* canonical (fully reduced) */
void fe_add(fe_t h, const fe_t f, const fe_t g);
void fe_sub(fe_t h, const fe_t f, const fe_t g);
void fe_mul(fe_t h, const fe_t f, const fe_t g);
void fe_sq(fe_t h, const fe_t f);
void fe_neg(fe_t h, const fe_t f);
void fe_invert(fe_t out, const fe_t z);
int fe_is_negative(const fe_t f);
int fe_is_zero(const fe_t f);

void ge_identity(ge_t *p);
void ge_to_cached(ge_cached_t *c, const ge_t *p);
void ge_add_cached(ge_t *r, const ge_t *p, const ge_cached_t *q);
void ge_sub_cached(ge_t *r, const ge_t *p, const ge_cached_t *q);
void ge_add(ge_t *r, const ge_t *p, const ge_t *q);
void ge_dbl(ge_t *r, const ge_t *p);
void ge_neg(ge_t *r, const ge_t *p);
int ge_is_identity(const ge_t *p);          /* as a ristretto255 element */
int ge_equal(const ge_t *p, const ge_t *q); /* as ristretto255 elements */
/* Decodes a ristretto255 encoding (RFC 9496 4.3.1): 0, or SVM_EDECODE for a non-canonical
 * or invalid one. */
int ge_decode(ge_t *p, const uint8_t s[32]);
void ge_encode(uint8_t s[32], const ge_t *p); /* RFC 9496 4.3.2 */
void ge_base(ge_t *p);                        /* the ristretto255 generator B */
/* Variable-time k·P (a 4-bit signed window), for tests and the wallet's single products. */
void ge_scalarmult(ge_t *r, const uint8_t k[32], const ge_t *p);

/* out = sum scalars[i]·points[i]; scalars are 32-byte little-endian below 2^253 (canonical
 * scalars are). Pippenger's bucket method with signed digits, the window chosen from n.
 * SVM_ENOMEM if its scratch cannot be allocated. */
int zk_msm(ge_t *out, const uint8_t (*scalars)[32], const ge_t *points, size_t n);

/* The generators: B_blinding, and G_i, H_i for i < SVM_ZK_GENS_MAX (built on first use). */
const ge_t *zk_gen_blinding(void);
const ge_t *zk_gens_G(void);
const ge_t *zk_gens_H(void);

/* Scalars mod l through libsodium's ristretto255 scalar functions, named here for brevity. */
void sc_add(uint8_t r[32], const uint8_t a[32], const uint8_t b[32]);
void sc_sub(uint8_t r[32], const uint8_t a[32], const uint8_t b[32]);
void sc_mul(uint8_t r[32], const uint8_t a[32], const uint8_t b[32]);
void sc_neg(uint8_t r[32], const uint8_t a[32]);
int sc_invert(uint8_t r[32], const uint8_t a[32]); /* SVM_EINVAL for 0 */
void sc_from_u64(uint8_t r[32], uint64_t v);
int sc_is_zero(const uint8_t a[32]);
/* A scalar drawn from the prover's seeded generator: SHA-512(seed ‖ label ‖ counter) mod l. */
void sc_from_seed(uint8_t r[32], const uint8_t seed[32], const char *label, uint64_t counter);

#endif

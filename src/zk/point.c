/* Public helpers over encoded points and scalars that programs outside this layer need:
 * sums and differences of commitments with this layer's arithmetic (every input decoded
 * strictly), and scalar addition and negation. */
#include <sodium.h>
#include <string.h>

#include "supervm/base.h"
#include "zk/internal.h"

int svm_zk_point_combine(uint8_t out[32], const uint8_t (*plus)[32], size_t n_plus,
			 const uint8_t (*minus)[32], size_t n_minus, const uint8_t s[32])
{
	ge_t acc, p;
	ge_identity(&acc);
	for (size_t i = 0; i < n_plus; i++) {
		if (ge_decode(&p, plus[i])) return SVM_EDECODE;
		ge_add(&acc, &acc, &p);
	}
	for (size_t i = 0; i < n_minus; i++) {
		if (ge_decode(&p, minus[i])) return SVM_EDECODE;
		ge_neg(&p, &p);
		ge_add(&acc, &acc, &p);
	}
	if (s) {
		if (svm_zk_scalar_check(s)) return SVM_EDECODE;
		ge_t b;
		ge_base(&b);
		ge_scalarmult(&p, s, &b);
		ge_add(&acc, &acc, &p);
	}
	ge_encode(out, &acc);
	SVM_ASSERT(svm_zk_point_check(out) == 0); /* a sum of points is a point */
	return 0;
}

void svm_zk_scalar_add(uint8_t r[32], const uint8_t a[32], const uint8_t b[32]) { sc_add(r, a, b); }

void svm_zk_scalar_negate(uint8_t r[32], const uint8_t a[32]) { sc_neg(r, a); }

void svm_zk_scalar_mul(uint8_t r[32], const uint8_t a[32], const uint8_t b[32]) { sc_mul(r, a, b); }

/* BN254 for EIP-196/197: not yet implemented (the state tests that reach it are counted as
 * skipped with that reason). */
#include "supervm/base.h"
#include "vm/evm/bn254.h"

int svm_bn254_add(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len) { return SVM_EUNSUPPORTED; }
int svm_bn254_mul(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len) { return SVM_EUNSUPPORTED; }
int svm_bn254_pairing(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len) { return SVM_EUNSUPPORTED; }

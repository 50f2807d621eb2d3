/* BN254 (alt_bn128) curve operations for the EIP-196/197 precompiles. Each returns 1 with
 * *out (malloc'd) on success, 0 on invalid input (the precompile fails), SVM_ENOMEM, or
 * SVM_EUNSUPPORTED when not implemented. */
#ifndef SUPERVM_EVM_BN254_H
#define SUPERVM_EVM_BN254_H

#include <stddef.h>
#include <stdint.h>

int svm_bn254_add(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len);
int svm_bn254_mul(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len);
int svm_bn254_pairing(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len);

#endif

/* Private parts of the chain layer shared between its files. */
#ifndef SUPERVM_CHAIN_INTERNAL_H
#define SUPERVM_CHAIN_INTERNAL_H

#include "supervm/chain.h"

svm_store_t *svm_chain_store_(svm_chain_t *c);
svm_state_t *svm_chain_state_(svm_chain_t *c);

#endif

/* Token metadata for clients and metrics: svm_getToken (symbol, decimals, supply of any token
 * of the unified ledger), and the SWR/AIC supply the producer records after each block so that
 * /metrics can count what was burned (docs/ecosystem.md). */
#include <string.h>

#include "internal.h"
#include "supervm/chain.h"
#include "supervm/vm.h"

int node_token_info(svm_node_t *n, const svm_id_t *token, svm_token_info_t *out)
{
	svm_id_t oid;
	svm_token_object_id(token, &oid);
	svm_buf_t buf = {0};
	svm_object_t o;
	int rc = svm_chain_object(n->chain, &oid, &buf);
	if (rc == 0 && svm_object_decode(buf.data, buf.len, &o, NULL)) rc = SVM_EIO;
	if (rc == 0 && o.type != SVM_OBJ_TOKEN) rc = SVM_EIO;
	if (rc == 0 && svm_token_info_decode(o.payload, o.payload_len, out)) rc = SVM_EIO;
	SVM_ASSERT(rc != 0 || strlen(out->symbol) <= SVM_TOKEN_SYMBOL_MAX); /* NUL-terminated in its array */
	svm_buf_free(&buf);
	return rc;
}

void node_token_supply(svm_node_t *n, uint64_t supply[NODE_SUPPLY_TOKENS])
{
	_Static_assert(NODE_SUPPLY_TOKENS == 2, "SWR and AIC, in that order (metrics.c names them)");
	const svm_id_t *tokens[NODE_SUPPLY_TOKENS] = {&n->swr, &n->aic};
	for (size_t i = 0; i < NODE_SUPPLY_TOKENS; i++) {
		svm_token_info_t info;
		supply[i] = node_token_info(n, tokens[i], &info) == 0 ? info.supply : 0;
	}
}

/* svm_getToken [token] → {token, symbol, decimals, supply, height}; -32005 for an unknown token. */
static json_t *m_token(void *ctx, json_t *params, svm_rpc_error_t *e)
{
	svm_node_t *n = ctx;
	json_t *v = svm_rpc_param(params, 0, "token");
	svm_id_t token;
	if (!json_is_string(v) || svm_token_parse(&token, json_string_value(v)) != 0)
		return svm_rpc_fail(e, SVM_RPC_INVALID_PARAMS, "param 0 (token) must be SWR, AIC or 64 hex digits");
	uint64_t height = svm_chain_height(n->chain);
	svm_token_info_t info;
	int rc = node_token_info(n, &token, &info);
	if (rc == SVM_ENOTFOUND) return svm_rpc_fail(e, svm_rpc_app_code(rc), "no token %s", json_string_value(v));
	if (rc) return svm_rpc_fail(e, SVM_RPC_INTERNAL_ERROR, "token: %s", svm_strerror(rc));
	return json_pack("{s:o, s:s, s:i, s:o, s:o}", "token", jhash(&token), "symbol", info.symbol, "decimals",
			 (json_int_t)info.decimals, "supply", ju64(info.supply), "height", ju64(height));
}

size_t svm_node_token_methods(svm_node_t *n, svm_rpc_method_t *m, size_t max)
{
	const svm_rpc_method_t table[] = {{"svm_getToken", m_token, n}};
	size_t k = 0;
	for (; k < sizeof table / sizeof table[0] && k < max; k++) m[k] = table[k];
	SVM_ASSERT(k <= max);
	return k;
}

/* State tree nodes: storage keys, the node and root-record encodings, and the domain-separated
 * leaf and internal-node hashes that both the tree and the proof verifier use. */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init & co: 3x faster than EVP for short inputs */
#include <openssl/sha.h>
#include <string.h>

#include "state/internal.h"

/* Private until crypto's svm_sha256 lands; same shape. */
void state_sha256(const void *data, size_t len, svm_hash_t *out)
{
	SHA256_CTX c;
	SHA256_Init(&c);
	SHA256_Update(&c, data, len);
	SHA256_Final(out->b, &c);
}

void state_leaf_hash(const svm_hash_t *key, const svm_hash_t *value, svm_hash_t *out)
{
	uint8_t buf[1 + 64];
	buf[0] = 0x00;
	memcpy(buf + 1, key->b, 32);
	memcpy(buf + 33, value->b, 32);
	state_sha256(buf, sizeof buf, out);
}

bool state_node_ok(const node_t *n)
{
	unsigned count = 0, leaves = 0;
	for (unsigned i = 0; i < 16; i++) {
		const ref_t *c = &n->child[i];
		if (c->kind > REF_NODE) return false;
		if ((c->kind != REF_EMPTY) != !!(n->bitmap & (1u << i))) return false;
		count += c->kind != REF_EMPTY;
		leaves += c->kind == REF_LEAF;
	}
	/* a lone leaf is lifted into the parent (path compression): a node holding one child
	 * holds an internal node */
	return count >= 2 || (count == 1 && leaves == 0);
}

void state_node_hash(uint16_t bitmap, const svm_hash_t *const *hashes, svm_hash_t *out)
{
	uint8_t buf[3 + 16 * 32];
	size_t n = (size_t)__builtin_popcount(bitmap);
	SVM_ASSERT(n >= 1 && n <= 16);
	buf[0] = 0x01;
	buf[1] = (uint8_t)(bitmap >> 8);
	buf[2] = (uint8_t)bitmap;
	for (size_t i = 0; i < n; i++) memcpy(buf + 3 + 32 * i, hashes[i]->b, 32);
	state_sha256(buf, 3 + 32 * n, out);
}

size_t state_node_key(uint8_t *out, uint64_t version, unsigned depth, const svm_hash_t *path)
{
	SVM_ASSERT(depth < 64); /* a node's depth: nibbles of a 32-byte key, leaves below 64 */
	size_t bytes = (depth + 1) / 2;
	SVM_ASSERT(9 + bytes <= NODE_KEY_MAX);
	svm_put_u64be(out, version);
	out[8] = (uint8_t)depth;
	memcpy(out + 9, path->b, bytes);
	if (depth & 1) out[9 + bytes - 1] &= 0xF0;
	return 9 + bytes;
}

size_t state_root_key(uint8_t *out, uint64_t version)
{
	svm_put_u64be(out, version);
	out[8] = ROOT_DEPTH_TAG;
	_Static_assert(ROOT_DEPTH_TAG > 64, "the root record's tag is no node depth");
	return 9;
}

size_t state_node_encode(const node_t *n, uint8_t *out)
{
	SVM_ASSERT(state_node_ok(n)); /* else it would encode what state_node_decode refuses */
	uint16_t leafmap = 0;
	for (unsigned i = 0; i < 16; i++)
		if (n->child[i].kind == REF_LEAF) leafmap |= (uint16_t)(1u << i);
	SVM_ASSERT((leafmap & ~n->bitmap) == 0); /* leaves are children: the decoder refuses others */
	out[0] = (uint8_t)(n->bitmap >> 8);
	out[1] = (uint8_t)n->bitmap;
	out[2] = (uint8_t)(leafmap >> 8);
	out[3] = (uint8_t)leafmap;
	size_t pos = 4;
	for (unsigned i = 0; i < 16; i++) {
		const ref_t *c = &n->child[i];
		if (c->kind == REF_EMPTY) continue;
		memcpy(out + pos, c->hash.b, 32);
		pos += 32;
		if (c->kind == REF_LEAF) {
			memcpy(out + pos, c->key.b, 32);
			memcpy(out + pos + 32, c->value.b, 32);
			pos += 64;
		}
		svm_put_u64be(out + pos, c->version);
		pos += 8;
	}
	SVM_ASSERT(pos <= NODE_BYTES_MAX && pos >= 4 + 32 + 8); /* at least one child */
	return pos;
}

int state_node_decode(const uint8_t *p, size_t len, node_t *n)
{
	if (len < 4) return SVM_EDECODE;
	n->bitmap = (uint16_t)(p[0] << 8 | p[1]);
	uint16_t leafmap = (uint16_t)(p[2] << 8 | p[3]);
	if ((leafmap & ~n->bitmap) || n->bitmap == 0) return SVM_EDECODE;
	size_t pos = 4;
	for (unsigned i = 0; i < 16; i++) {
		ref_t *c = &n->child[i];
		if (!(n->bitmap & (1u << i))) {
			c->kind = REF_EMPTY;
			continue;
		}
		bool leaf = leafmap & (1u << i);
		size_t need = leaf ? 32 + 64 + 8 : 32 + 8;
		if (len - pos < need) return SVM_EDECODE;
		c->kind = leaf ? REF_LEAF : REF_NODE;
		memcpy(c->hash.b, p + pos, 32);
		pos += 32;
		if (leaf) {
			memcpy(c->key.b, p + pos, 32);
			memcpy(c->value.b, p + pos + 32, 32);
			pos += 64;
		}
		c->version = svm_get_u64be(p + pos);
		pos += 8;
		SVM_ASSERT(pos <= len);
	}
	return pos == len ? 0 : SVM_EDECODE;
}

size_t state_root_encode(const ref_t *r, uint8_t *out)
{
	SVM_ASSERT(r->kind <= REF_NODE);
	_Static_assert(ROOT_BYTES_MAX == 1 + 32 + 32 + 32 + 8, "a leaf root is the longest record");
	out[0] = r->kind;
	memcpy(out + 1, r->hash.b, 32);
	size_t pos = 33;
	if (r->kind == REF_EMPTY) return pos;
	if (r->kind == REF_LEAF) {
		memcpy(out + pos, r->key.b, 32);
		memcpy(out + pos + 32, r->value.b, 32);
		pos += 64;
	}
	svm_put_u64be(out + pos, r->version);
	SVM_ASSERT(pos + 8 <= ROOT_BYTES_MAX);
	return pos + 8;
}

int state_root_decode(const uint8_t *p, size_t len, ref_t *r)
{
	memset(r, 0, sizeof *r);
	if (len < 33 || p[0] > REF_NODE) return SVM_EDECODE;
	r->kind = p[0];
	memcpy(r->hash.b, p + 1, 32);
	size_t need = r->kind == REF_EMPTY ? 33 : r->kind == REF_LEAF ? 33 + 64 + 8 : 33 + 8;
	if (len != need) return SVM_EDECODE;
	if (r->kind == REF_LEAF) {
		memcpy(r->key.b, p + 33, 32);
		memcpy(r->value.b, p + 65, 32);
	}
	if (r->kind != REF_EMPTY) r->version = svm_get_u64be(p + len - 8);
	SVM_ASSERT(r->kind <= REF_NODE && len <= ROOT_BYTES_MAX);
	return 0;
}

int state_root_load(svm_store_txn_t *txn, uint64_t height, ref_t *root)
{
	uint8_t k[NODE_KEY_MAX];
	size_t kl = state_root_key(k, height);
	const uint8_t *v;
	size_t vl;
	int rc = svm_store_get(txn, SVM_TABLE_NODES, k, kl, &v, &vl);
	if (rc) return rc;
	return state_root_decode(v, vl, root) ? SVM_EIO : 0;
}

int state_node_load(svm_store_txn_t *txn, uint64_t version, unsigned depth,
		    const svm_hash_t *path, node_t *n)
{
	uint8_t k[NODE_KEY_MAX];
	size_t kl = state_node_key(k, version, depth, path);
	const uint8_t *v;
	size_t vl;
	int rc = svm_store_get(txn, SVM_TABLE_NODES, k, kl, &v, &vl);
	if (rc == SVM_ENOTFOUND) return SVM_EIO; /* a referenced node is missing: corruption */
	if (rc) return rc;
	/* a stored node that breaks the node invariant is corruption too (the tree relies on it) */
	return state_node_decode(v, vl, n) || !state_node_ok(n) ? SVM_EIO : 0;
}

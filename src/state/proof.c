/* State proofs: the prover (walks one path of the tree at a height), the canonical decoder and
 * the stand-alone verifier, which needs nothing but SHA-256. Format in state.h and state.md. */
#include <string.h>

#include "state/internal.h"

/* Whether a leaf met at `depth` on key's path sits under the path's first depth nibbles. */
static bool leaf_on_path(const ref_t *leaf, const svm_hash_t *key, unsigned depth)
{
	for (unsigned i = 0; i < depth; i++)
		if (nibble_at(&leaf->key, i) != nibble_at(key, i)) return false;
	return true;
}

/* Whether a proof the prover wrote is one the decoder accepts. Debug builds only. */
static bool proof_decodes(const uint8_t *p, size_t len)
{
	svm_state_proof_t d;
	return svm_state_proof_decode(p, len, &d) == 0;
}

int svm_state_prove(svm_state_t *st, svm_store_txn_t *txn, uint64_t height, const svm_hash_t *key,
		    svm_buf_t *proof, bool *present, svm_hash_t *value_hash)
{
	int rc = state_check_height(txn, height);
	if (rc) return rc;
	ref_t ref;
	if ((rc = state_root_load(txn, height, &ref))) return rc;
	size_t start = proof->len;
	uint8_t head[2] = {SVM_STATE_PROOF_FORMAT, 0};
	if ((rc = svm_buf_append(proof, head, 2))) return rc;
	unsigned depth = 0;
	node_t node;
	while (ref.kind == REF_NODE) {
		if (depth >= SVM_STATE_PROOF_LEVELS_MAX) { /* corrupt tree */
			rc = SVM_EIO;
			goto fail;
		}
		if ((rc = state_node_load(txn, ref.version, depth, key, &node))) goto fail;
		SVM_ASSERT(state_node_ok(&node)); /* the loader refuses a node that breaks it */
		unsigned nib = nibble_at(key, depth);
		uint16_t sib = node.bitmap & (uint16_t) ~(1u << nib);
		uint8_t bm[2] = {(uint8_t)(sib >> 8), (uint8_t)sib};
		size_t level_at = proof->len;
		if ((rc = svm_buf_append(proof, bm, 2))) goto fail;
		for (unsigned i = 0; i < 16; i++)
			if ((sib & (1u << i)) && (rc = svm_buf_append(proof, node.child[i].hash.b, 32)))
				goto fail;
		/* one hash per sibling in the bitmap: what the decoder reads back */
		SVM_ASSERT(proof->len == level_at + 2 + 32u * (size_t)__builtin_popcount(sib));
		ref = node.child[nib];
		depth++;
	}
	SVM_ASSERT(depth <= SVM_STATE_PROOF_LEVELS_MAX && depth <= UINT8_MAX); /* the level byte */
	proof->data[start + 1] = (uint8_t)depth;
	bool leaf = ref.kind == REF_LEAF;
	SVM_ASSERT(ref.kind == REF_EMPTY || (leaf && leaf_on_path(&ref, key, depth)));
	if ((rc = svm_buf_push(proof, leaf ? SVM_STATE_PROOF_TERM_LEAF : SVM_STATE_PROOF_TERM_EMPTY)))
		goto fail;
	if (leaf && ((rc = svm_buf_append(proof, ref.key.b, 32)) ||
		     (rc = svm_buf_append(proof, ref.value.b, 32))))
		goto fail;
	SVM_ASSERT(proof_decodes(proof->data + start, proof->len - start));
	bool in = leaf && memcmp(ref.key.b, key->b, 32) == 0;
	if (present) *present = in;
	if (value_hash) {
		if (in) *value_hash = ref.value;
		else memset(value_hash->b, 0, 32);
	}
	return 0;
fail:
	proof->len = start;
	return rc;
}

int svm_state_proof_decode(const uint8_t *proof, size_t len, svm_state_proof_t *out)
{
	svm_reader_t r = svm_reader(proof, len);
	uint8_t format, levels, term;
	if (svm_reader_u8(&r, &format) || format != SVM_STATE_PROOF_FORMAT) return SVM_EDECODE;
	if (svm_reader_u8(&r, &levels) || levels > SVM_STATE_PROOF_LEVELS_MAX) return SVM_EDECODE;
	out->level_count = levels;
	for (unsigned i = 0; i < levels; i++) {
		const uint8_t *bm;
		if (svm_reader_bytes(&r, 2, &bm)) return SVM_EDECODE;
		uint16_t bitmap = (uint16_t)(bm[0] << 8 | bm[1]);
		out->levels[i].bitmap = bitmap;
		size_t n = 32u * (size_t)__builtin_popcount(bitmap);
		if (n == 32u * 16) return SVM_EDECODE; /* the path's own slot cannot be a sibling */
		if (svm_reader_bytes(&r, n, &out->levels[i].siblings)) return SVM_EDECODE;
	}
	if (svm_reader_u8(&r, &term) || term > SVM_STATE_PROOF_TERM_LEAF) return SVM_EDECODE;
	out->terminal = term;
	memset(&out->leaf_key, 0, sizeof out->leaf_key);
	memset(&out->leaf_value_hash, 0, sizeof out->leaf_value_hash);
	if (term == SVM_STATE_PROOF_TERM_LEAF &&
	    (svm_reader_copy(&r, out->leaf_key.b, 32) || svm_reader_copy(&r, out->leaf_value_hash.b, 32)))
		return SVM_EDECODE;
	if (svm_reader_left(&r) != 0) return SVM_EDECODE;
	/* The lowest node on the path has a child besides the path's slot: a lone leaf is lifted
	 * into its parent, and a node is never empty. */
	if (levels > 0 && out->levels[levels - 1].bitmap == 0) return SVM_EDECODE;
	return 0;
}

/* Hash of the internal node at depth `depth` whose path child is `cur` (kind empty or not). */
static void fold(const svm_state_proof_level_t *lv, unsigned nib, const svm_hash_t *cur,
		 bool cur_present, svm_hash_t *out)
{
	const svm_hash_t *hashes[16];
	SVM_ASSERT(nib < 16 && !(lv->bitmap & (1u << nib))); /* the verifier refused it */
	uint16_t full = lv->bitmap | (uint16_t)(cur_present ? 1u << nib : 0);
	unsigned n = 0, s = 0;
	for (unsigned i = 0; i < 16; i++) {
		if (!(full & (1u << i))) continue;
		if (i == nib && cur_present) hashes[n++] = cur;
		else hashes[n++] = (const svm_hash_t *)(lv->siblings + 32u * s++);
	}
	SVM_ASSERT(s == (unsigned)__builtin_popcount(lv->bitmap) && n >= 1); /* every sibling used */
	state_node_hash(full, hashes, out);
}

int svm_state_proof_verify(const svm_hash_t *root, const svm_hash_t *key,
			   const svm_hash_t *value_hash, const uint8_t *proof, size_t len)
{
	svm_state_proof_t p;
	if (svm_state_proof_decode(proof, len, &p)) return SVM_EDECODE;
	bool leaf = p.terminal == SVM_STATE_PROOF_TERM_LEAF;
	bool same_key = leaf && memcmp(p.leaf_key.b, key->b, 32) == 0;
	if (value_hash) { /* inclusion: the leaf is key's, with this value */
		if (!same_key || memcmp(p.leaf_value_hash.b, value_hash->b, 32) != 0)
			return SVM_EPROOF;
	} else if (same_key) {
		return SVM_EPROOF; /* exclusion: the path ends empty or at another key's leaf */
	}
	/* A leaf sits under its own nibble prefix. */
	for (unsigned i = 0; leaf && i < p.level_count; i++)
		if (nibble_at(&p.leaf_key, i) != nibble_at(key, i)) return SVM_EPROOF;
	svm_hash_t cur;
	memset(cur.b, 0, 32);
	if (leaf) state_leaf_hash(&p.leaf_key, &p.leaf_value_hash, &cur);
	bool present = leaf;
	for (unsigned i = p.level_count; i-- > 0;) {
		unsigned nib = nibble_at(key, i);
		const svm_state_proof_level_t *lv = &p.levels[i];
		if (lv->bitmap & (1u << nib)) return SVM_EPROOF;
		if (!present && lv->bitmap == 0) return SVM_EPROOF; /* an empty internal node */
		/* a node whose only child is a leaf would have been compressed away */
		if (lv->bitmap == 0 && i + 1 == p.level_count && leaf) return SVM_EPROOF;
		fold(lv, nib, &cur, present, &cur);
		present = true;
	}
	return memcmp(cur.b, root->b, 32) == 0 ? 0 : SVM_EPROOF;
}

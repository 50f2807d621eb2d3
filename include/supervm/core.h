/* SuperVM core layer: the consensus data types — identity, object, transaction, receipt, block
 * header, block — and their canonical binary encodings (byte layouts in docs/encoding.md).
 *
 * Encodings: every integer is a canonical unsigned LEB128 varint, ids and hashes are 32 raw
 * bytes, byte strings and lists are a varint length/count then the items, and every top-level
 * encoding starts with a one-byte format tag. One value has exactly one encoding: decoders
 * reject unknown tags and enum values, non-minimal varints, trailing bytes, lengths and counts
 * over the named limits below, and id lists that are not strictly ascending.
 *
 * Ownership: structs are plain values the caller owns (they may live on the stack). Byte
 * strings are borrowed pointer+length pairs: after a decode they point into the caller's input
 * buffer, which must outlive the struct; arrays (inputs, reads, writes, events, block txs) are
 * allocated from the caller's arena (never NULL; SVM_ENOMEM when its bound is reached) and live
 * until it is reset. Encoders append to a svm_buf_t (leaving it unchanged on failure) and
 * validate the struct first, so they never produce bytes a decoder rejects.
 * Errors: SVM_EDECODE (malformed, unknown tag/enum/scheme, not canonical), SVM_ELIMIT (a named
 * limit), SVM_ENOMEM (arena or buffer), SVM_EINVAL (an encoder's struct is invalid); decoders
 * fill err (may be NULL) with the offending field and offset.
 * Thread safety: all functions are reentrant; no shared state. */
#ifndef SUPERVM_CORE_H
#define SUPERVM_CORE_H

#include "supervm/base.h"
#include "supervm/crypto.h"

/* --------------------------------------------------------- format tags */

#define SVM_TAG_TX 0x01      /* transaction, version 1 */
#define SVM_TAG_RECEIPT 0x02
#define SVM_TAG_HEADER 0x03
#define SVM_TAG_OBJECT 0x04
#define SVM_TAG_BLOCK 0x05
#define SVM_TAG_ETH_TX 0x06 /* an Ethereum transaction in a block: 0x06 ‖ its network encoding
			       (decoded in the vm layer: svm_tx_decode_any, evm.h) */
#define SVM_TAG_HEADER_LATE 0x07 /* a header with a non-empty late_qc (svm_header_t) */

/* --------------------------------------------------------------- limits */

#define SVM_TX_BYTES_MAX 65536         /* a signed transaction encoding */
#define SVM_TX_OBJECTS_MAX 64          /* entries in each of inputs, reads, writes */
#define SVM_TX_PAYLOAD_MAX 60000       /* transaction payload bytes */
#define SVM_OBJECT_PAYLOAD_MAX 65536   /* object payload bytes */
#define SVM_RECEIPT_EVENTS_MAX 64      /* events per receipt */
#define SVM_EVENT_TOPIC_MAX 64         /* event topic bytes */
#define SVM_EVENT_DATA_MAX 4096        /* event data bytes */
#define SVM_RETURN_DATA_MAX 4096       /* receipt return data bytes */
#define SVM_HEADER_QC_MAX 65536        /* header parent quorum certificate bytes */
#define SVM_HEADER_VRF_MAX 256         /* header VRF proof bytes */
#define SVM_HEADER_LATE_QC_MAX SVM_HEADER_QC_MAX /* header late QC bytes (a QC, as parent_qc) */
#define SVM_BLOCK_TXS_MAX 20000        /* transactions per block */
#define SVM_BLOCK_BYTES_MAX (8u << 20) /* a block encoding (header + transactions) */

/* ------------------------------------------------------------ identity */

/* svm_identity_derive (crypto.h) is the identity derivation: SHA-256("svm/id" ‖ scheme ‖ pk).
 * EVM-style 20-byte address of an identity: the last 20 bytes of SHA-256("svm/evm" ‖ id). */
#define SVM_EVM_ADDRESS_SIZE 20
void svm_identity_evm_address(const svm_id_t *id, uint8_t out[SVM_EVM_ADDRESS_SIZE]);

/* -------------------------------------------------------------- object */

enum {
	SVM_OWNER_ADDRESS = 0,   /* owned by one identity (owner field) */
	SVM_OWNER_SHARED = 1,    /* shared, any transaction may declare it */
	SVM_OWNER_IMMUTABLE = 2, /* frozen; read-only */
};

enum {
	SVM_OBJ_ACCOUNT = 1,
	SVM_OBJ_BALANCE = 2,
	SVM_OBJ_TOKEN = 3,
	SVM_OBJ_CODE = 4,
	SVM_OBJ_STORAGE = 5,
	SVM_OBJ_TYPE_MAX = 5, /* types above this are reserved and rejected */
};

typedef struct {
	svm_id_t id;
	uint64_t version;   /* block height at which it was last written */
	uint8_t owner_kind; /* SVM_OWNER_* */
	svm_id_t owner;     /* meaningful only for SVM_OWNER_ADDRESS; must be zero otherwise */
	uint16_t type;      /* SVM_OBJ_* */
	const uint8_t *payload;
	size_t payload_len; /* ≤ SVM_OBJECT_PAYLOAD_MAX */
} svm_object_t;

/* Appends the object's encoding to out. */
int svm_object_encode(const svm_object_t *o, svm_buf_t *out);
/* Decodes exactly p[len]; o->payload points into p. */
int svm_object_decode(const uint8_t *p, size_t len, svm_object_t *o, svm_error_t *err);

/* --------------------------------------------------------- transaction */

enum {
	SVM_ACCESS_STRICT = 0,  /* the declaration is complete; touching anything else fails */
	SVM_ACCESS_DYNAMIC = 1, /* access discovered at run time (optimistic path) */
};

enum {
	SVM_VM_NATIVE = 0, /* a built-in program */
	SVM_VM_WASM = 1,
	SVM_VM_EVM = 2, /* an Ethereum transaction (SVM_TAG_ETH_TX); never in a native encoding */
};

typedef struct {
	svm_id_t id;
	uint64_t version; /* the version it is consumed at */
} svm_tx_input_t;

typedef struct {
	uint64_t chain_id;
	svm_id_t sender; /* must equal svm_identity_derive(scheme, public_key) */
	uint64_t nonce;
	uint64_t expiry_height; /* the last height at which it may be included */
	uint64_t fee_limit;     /* SWR base units */
	uint64_t tip;           /* SWR base units, paid to the proposer */
	uint8_t access_mode;    /* SVM_ACCESS_* */
	/* Each list strictly ascending by id bytes, ≤ SVM_TX_OBJECTS_MAX entries. */
	const svm_tx_input_t *inputs;
	uint32_t inputs_len;
	const svm_id_t *reads;
	uint32_t reads_len;
	const svm_id_t *writes;
	uint32_t writes_len;
	uint8_t vm; /* SVM_VM_* */
	const uint8_t *payload;
	size_t payload_len; /* ≤ SVM_TX_PAYLOAD_MAX */
	uint8_t scheme;     /* SVM_SCHEME_* */
	const uint8_t *public_key;
	size_t public_key_len; /* svm_scheme_pubkey_size(scheme) */
	const uint8_t *signature;
	size_t signature_len; /* svm_scheme_sig_size(scheme); ignored by the unsigned encoding */
	/* The payload as its VM's decoder left it (an Ethereum envelope: the svm_evm_tx_t that
	 * svm_evm_envelope_decode put in its arena), so execution does not parse it again; NULL:
	 * the VM parses payload. Never encoded: a function of payload, same lifetime. */
	const void *decoded;
} svm_tx_t;

/* The unsigned encoding: every field through the public key (the part the id and signature
 * commit to). The signed encoding: the unsigned encoding followed by the signature. Both
 * append to out; the signed encoding is ≤ SVM_TX_BYTES_MAX or SVM_ELIMIT. */
int svm_tx_encode_unsigned(const svm_tx_t *tx, svm_buf_t *out);
int svm_tx_encode(const svm_tx_t *tx, svm_buf_t *out);

/* Decodes a signed transaction, exactly p[len]. payload, public_key and signature point into p;
 * inputs, reads and writes are allocated from arena (at most 6.5 KiB). If id is not NULL it
 * receives the transaction id (hashed from p, no re-encoding). Does not check the signature. */
int svm_tx_decode(const uint8_t *p, size_t len, svm_arena_t *arena, svm_tx_t *tx, svm_hash_t *id,
		  svm_error_t *err);

/* Transaction id = SHA-256(unsigned encoding). */
int svm_tx_id(const svm_tx_t *tx, svm_hash_t *id);

/* The signed message: "svm/tx" ‖ id (the id already commits to chain id, scheme and key). */
#define SVM_TX_SIGN_TAG "svm/tx"

/* Signs tx with a 64-byte libsodium Ed25519 secret key: computes the id (into *id if not NULL),
 * writes the signature into sig and points tx->signature at it (sig must outlive tx's use).
 * tx->scheme must be SVM_SCHEME_ED25519 and tx->public_key the key's public half (SVM_EINVAL). */
int svm_tx_sign(svm_tx_t *tx, const uint8_t sk[SVM_ED25519_SECRET_SIZE],
		uint8_t sig[SVM_ED25519_SIG_SIZE], svm_hash_t *id);

/* Checks that tx->sender is the identity of (scheme, public_key) and that the signature
 * verifies over the id (libsodium single verify). id may be NULL (then it is computed); if
 * given it must be svm_tx_id(tx). Returns 0, SVM_ESIG, or SVM_EUNSUPPORTED (unknown scheme). */
int svm_tx_verify(const svm_tx_t *tx, const svm_hash_t *id);

/* ------------------------------------------------------------- receipt */

typedef struct {
	svm_id_t emitter;
	const uint8_t *topic;
	size_t topic_len; /* ≤ SVM_EVENT_TOPIC_MAX */
	const uint8_t *data;
	size_t data_len; /* ≤ SVM_EVENT_DATA_MAX */
} svm_event_t;

/* Receipt status: 0 = success, otherwise -code of the SVM_E… error that failed the transaction
 * (1 ..= -SVM_E_LAST; larger values are rejected). */
static inline uint8_t svm_receipt_status(int err) { return (uint8_t)(err < 0 ? -err : 0); }

typedef struct {
	svm_hash_t tx_id;
	uint8_t status;
	uint64_t tx_bytes;  /* resource use: encoded transaction bytes */
	uint64_t steps;     /* resource use: metered execution steps */
	uint64_t mem_bytes; /* resource use: peak memory */
	uint64_t fee_charged; /* the metered fee, burned */
	uint64_t tip_paid;    /* paid to the proposer */
	const svm_event_t *events;
	uint32_t events_len; /* ≤ SVM_RECEIPT_EVENTS_MAX */
	const uint8_t *return_data;
	size_t return_data_len; /* ≤ SVM_RETURN_DATA_MAX */
} svm_receipt_t;

int svm_receipt_encode(const svm_receipt_t *r, svm_buf_t *out);
/* events come from arena; topic, data and return_data point into p. */
int svm_receipt_decode(const uint8_t *p, size_t len, svm_arena_t *arena, svm_receipt_t *r,
		       svm_error_t *err);

/* -------------------------------------------------------- block header */

typedef struct {
	uint64_t chain_id;
	uint64_t height;
	uint64_t round;
	svm_hash_t parent; /* hash of the parent header (zero for genesis) */
	uint64_t timestamp_ms;
	svm_id_t proposer;
	uint32_t tx_count; /* ≤ SVM_BLOCK_TXS_MAX */
	svm_hash_t tx_root;       /* svm_block_tx_root: Merkle root of the signed tx encodings */
	svm_hash_t receipts_root; /* Merkle root of the receipt encodings, in block order */
	svm_hash_t state_root;    /* post-state root */
	const uint8_t *parent_qc; /* reserved, empty for now; ≤ SVM_HEADER_QC_MAX */
	size_t parent_qc_len;
	const uint8_t *vrf_proof; /* reserved, empty for now; ≤ SVM_HEADER_VRF_MAX */
	size_t vrf_proof_len;
	/* Consensus's QC of the grandparent re-aggregated with the votes its proposer received
	 * after the QC in the parent's header formed (docs/consensus.md, "Late votes"); empty when
	 * there is none. ≤ SVM_HEADER_LATE_QC_MAX. The staking program counts downtime from it. */
	const uint8_t *late_qc;
	size_t late_qc_len;
} svm_header_t;

/* Encoding: tag ‖ chain_id ‖ height ‖ round ‖ parent ‖ timestamp_ms ‖ proposer ‖ tx_count ‖
 * tx_root ‖ receipts_root ‖ state_root ‖ len ‖ parent_qc ‖ len ‖ vrf_proof [‖ len ‖ late_qc].
 * The tag is SVM_TAG_HEADER without a late QC (the layout before late QCs, so every such header
 * keeps its bytes and hash) and SVM_TAG_HEADER_LATE with one (then late_qc_len ≥ 1: one
 * encoding per header). */
int svm_header_encode(const svm_header_t *h, svm_buf_t *out);
/* parent_qc, vrf_proof and late_qc point into p. */
int svm_header_decode(const uint8_t *p, size_t len, svm_header_t *h, svm_error_t *err);
/* Block hash = SHA-256 of the header encoding. */
int svm_header_hash(const svm_header_t *h, svm_hash_t *out);

/* --------------------------------------------------------------- block */

/* A block: its header and the signed encodings of its transactions, in order. */
typedef struct {
	svm_header_t header;
	const svm_slice_t *txs;
	uint32_t txs_len; /* must equal header.tx_count */
} svm_block_t;

/* Encoding: SVM_TAG_BLOCK ‖ header encoding (self-delimiting) ‖ count ‖ (len ‖ tx bytes)*. */
int svm_block_encode(const svm_block_t *b, svm_buf_t *out);
/* Frames the block: decodes the header, checks txs_len == header.tx_count and each length
 * (1 ..= SVM_TX_BYTES_MAX) and the total (≤ SVM_BLOCK_BYTES_MAX). Does not decode the
 * transactions themselves. txs (from arena) point into p. If hash is not NULL it receives the
 * block hash (hashed from the header's bytes in p). */
int svm_block_decode(const uint8_t *p, size_t len, svm_arena_t *arena, svm_block_t *b,
		     svm_hash_t *hash, svm_error_t *err);
/* Merkle root (RFC 6962) over the signed transaction encodings, in block order. */
int svm_block_tx_root(const svm_slice_t *txs, size_t n, svm_hash_t *root);

#endif

// The host module `env` of SuperVM contracts (docs/contracts.md), declared for AssemblyScript:
// the same imports, names and signatures as the C SDK (contracts/sdk/supervm.h). Pointers are
// linear-memory addresses; identities, tokens and hashes are 32 bytes.

@external("env", "input_size") export declare function input_size(): i32;
@external("env", "input") export declare function input(dst: usize): void;
@external("env", "set_return") export declare function set_return(ptr: usize, len: u32): void;

// Storage in this contract's namespace: keys 1..64 bytes, values up to 16 KiB; storage_read
// returns the value's length (copying at most cap bytes) or -1 if absent.
@external("env", "storage_read") export declare function storage_read(key: usize, klen: u32, val: usize, cap: u32): i32;
@external("env", "storage_write") export declare function storage_write(key: usize, klen: u32, val: usize, len: u32): void;
@external("env", "storage_remove") export declare function storage_remove(key: usize, klen: u32): void;

@external("env", "caller") export declare function caller(out32: usize): void;
@external("env", "self") export declare function self(out32: usize): void;
@external("env", "block_height") export declare function block_height(): u64;
@external("env", "block_time") export declare function block_time(): u64;

// The unified token ledger; transfer moves from this contract's own balance (or aborts).
@external("env", "balance") export declare function balance(token32: usize, owner32: usize): u64;
@external("env", "transfer") export declare function transfer(token32: usize, to32: usize, amount: u64): void;

@external("env", "emit") export declare function emit(topic: usize, tlen: u32, data: usize, dlen: u32): void;
@external("env", "sha256") export declare function sha256(ptr: usize, len: u32, out32: usize): void;
@external("env", "ed25519_verify") export declare function ed25519_verify(sig64: usize, msg: usize, len: u32, pk32: usize): i32;
// Groth16 on BN254 (docs/privacy.md): 1 verifies, 0 does not, -1 malformed key/input/proof.
@external("env", "groth16_verify") export declare function groth16_verify(vk: usize, vk_len: u32, inputs: usize, n: u32, proof256: usize): i32;
@external("env", "i8_matvec") export declare function i8_matvec(w: usize, x: usize, acc: usize, rows: u32, cols: u32): void;

// Fails the transaction: every write is undone, the fee is paid, and the first 256 bytes of
// the message become the receipt's return data (shown as its abort message).
@external("env", "abort") export declare function abort(msg: usize, len: u32): void;

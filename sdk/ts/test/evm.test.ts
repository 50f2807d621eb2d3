// The SDK and EVM transactions: it neither builds, signs nor decodes Ethereum transactions, and
// says so — an envelope (tag 0x06) handed to decodeTx, a transaction with vm 2 (EVM) handed to
// encodeUnsigned/signTx, or a native encoding carrying vm 2 are refused with an error naming the
// EVM and what to use instead, never decoded as something else.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeTx, DecodeError, encodeUnsigned, fromHex, isEthTx, Keypair, SCHEME_ED25519, signTx, TAG_ETH_TX, Tx, VM_EVM, VM_NATIVE,
} from "../src/index.js";

// An EIP-1559 transfer for chain 7 in its block envelope (tests/fuzz/seeds/fuzz_evm_envelope/e00,
// signed by tests/lib/ethsign.c).
const ETH_ENVELOPE = fromHex(
  "0602f86f070380847735940082c35094ec2001020300000000000000000000000000000085012a05f20084a9059cbbc080a0" +
    "02ecc74791aabc98a17dbab75577cad742addd25c7655e59cce4dceeac61eb96a0450506a4e0e7c7d5524b37ca4e0dcd6a59" +
    "6ca635b38e455574bf0bdd47972fe8",
);

const KEY = Keypair.fromSeed(new Uint8Array(32).fill(7));

function txWith(vm: number): Tx {
  return {
    chainId: 7n, sender: KEY.id, nonce: 0n, expiryHeight: 100n, feeLimit: 100000n, tip: 0n,
    accessMode: "dynamic", inputs: [], reads: [], writes: [], vm, payload: Uint8Array.of(1, 2, 3),
    scheme: SCHEME_ED25519, publicKey: KEY.publicKey,
  };
}

test("an Ethereum envelope is recognised and decodeTx refuses it naming the EVM", () => {
  assert.equal(TAG_ETH_TX, 0x06);
  assert.ok(isEthTx(ETH_ENVELOPE));
  assert.ok(!isEthTx(signTx(txWith(VM_NATIVE), KEY).raw));
  assert.ok(!isEthTx(new Uint8Array(0)));
  assert.throws(() => decodeTx(ETH_ENVELOPE), (e: unknown) => {
    assert.ok(e instanceof DecodeError, "a DecodeError");
    assert.match((e as Error).message, /Ethereum transaction/);
    assert.match((e as Error).message, /eth_sendRawTransaction/);
    return true;
  });
  // even truncated to its tag: still the EVM refusal, not a generic one
  assert.throws(() => decodeTx(Uint8Array.of(TAG_ETH_TX)), /Ethereum transaction/);
});

test("a transaction with vm 2 (EVM) is refused by encodeUnsigned and signTx", () => {
  assert.equal(VM_EVM, 2);
  for (const f of [() => encodeUnsigned(txWith(VM_EVM)), () => signTx(txWith(VM_EVM), KEY)])
    assert.throws(f, (e: unknown) => {
      assert.ok(e instanceof TypeError, "a TypeError");
      assert.match((e as Error).message, /vm 2 \(EVM\)/);
      return true;
    });
  assert.throws(() => encodeUnsigned(txWith(3)), /vm: unknown 3/);
});

test("a native encoding carrying vm 2 is refused by decodeTx naming the EVM", () => {
  const t = txWith(VM_NATIVE);
  const s = signTx(t, KEY);
  // the vm byte sits before the payload field (1-byte length + 3 bytes), the scheme and the key
  const at = s.raw.length - 64 - 32 - 1 - (1 + t.payload.length) - 1;
  assert.equal(s.raw[at], VM_NATIVE);
  const evm = Uint8Array.from(s.raw);
  evm[at] = VM_EVM;
  assert.throws(() => decodeTx(evm), (e: unknown) => {
    assert.ok(e instanceof DecodeError, "a DecodeError");
    assert.match((e as Error).message, /vm 2 \(EVM\)/);
    return true;
  });
  assert.equal(decodeTx(s.raw).tx.vm, VM_NATIVE); // the unpatched one still decodes
});

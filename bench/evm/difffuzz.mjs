// Differential fuzzing, reference side: generates COUNT random programs from SEED (a
// deterministic xorshift, so a failing case replays from its seed and index), runs each in
// @ethereumjs/evm (Cancun) and prints one line per program:
//   index code-hex status execution-gas(before refund) refund return-hex log-count logs-hex
// tests/evm/evm_diff.c runs the same code in SuperVM's EVM and compares every field.
// Usage: node difffuzz.mjs SEED COUNT
import { createEVM } from '@ethereumjs/evm'
import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { Account, Address, bytesToHex, hexToBytes } from '@ethereumjs/util'

const [seedArg, countArg] = process.argv.slice(2)
let s = BigInt(seedArg) || 1n
const M = (1n << 64n) - 1n
const rnd = (n) => {
  s ^= (s << 13n) & M; s ^= s >> 7n; s ^= (s << 17n) & M
  return Number(s % BigInt(n))
}
// opcodes whose result does not depend on the block or transaction environment (no jumps:
// random destinations are almost never JUMPDESTs; the state tests cover jumps)
const OPS = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13,
  0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x20, 0x30, 0x33, 0x34, 0x35, 0x36, 0x37,
  0x38, 0x39, 0x3d, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d,
  0x5e, 0x5f, 0xa0, 0xa1, 0xa2]
function program() {
  const out = []
  for (let i = 0; i < 12; i++) out.push(0x60, rnd(3) === 0 ? rnd(256) : rnd(70)) // operands first
  const n = 1 + rnd(60)
  for (let i = 0; i < n; i++) {
    const k = rnd(10)
    if (k < 4) { // a push of a small or a random value
      const len = rnd(3) === 0 ? 1 + rnd(32) : 1
      out.push(0x5f + len)
      for (let j = 0; j < len; j++) out.push(len === 1 ? rnd(3) === 0 ? rnd(256) : rnd(70) : rnd(256))
    } else if (k < 6) {
      out.push(rnd(2) ? 0x80 + rnd(4) : 0x90 + rnd(4))
    } else {
      out.push(OPS[rnd(OPS.length)])
    }
  }
  out.push(0x59, 0x5f, 0xf3) // MSIZE PUSH0 RETURN: all of memory is the output
  return Uint8Array.from(out)
}

const common = new Common({ chain: Mainnet, hardfork: Hardfork.Cancun })
const c = new Address(hexToBytes('0xcc00000000000000000000000000000000000001'))
const from = new Address(hexToBytes('0xa000000000000000000000000000000000000000'))
const data = hexToBytes('0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0102')
for (let i = 0; i < Number(countArg); i++) {
  const code = program()
  const evm = await createEVM({ common })
  await evm.stateManager.putAccount(c, new Account(1n, 1n))
  await evm.stateManager.putCode(c, code)
  await evm.stateManager.putAccount(from, new Account(0n, 10n ** 18n))
  const r = await evm.runCall({ caller: from, origin: from, to: c, data, gasLimit: 100000n, value: 0n })
  const e = r.execResult
  const ok = e.exceptionError ? 0 : 1
  const logs = (e.logs ?? []).map((l) => bytesToHex(l[0]) + ':' + l[1].map(bytesToHex).join(',') + ':' + bytesToHex(l[2])).join(';')
  console.log(`${i} ${bytesToHex(code)} ${ok} ${e.executionGasUsed} ${e.gasRefund ?? 0n} ${bytesToHex(e.returnValue)} ${(e.logs ?? []).length} ${logs || '-'}`)
}

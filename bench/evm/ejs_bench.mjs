// The same workloads as build/bench/bench_evm, run by @ethereumjs/evm (Cancun) through
// runCall: ERC-20 transfers over distinct senders and recipients, the loop and the hash
// contract of contracts.json. Prints one line per workload: name, runs, ms, Mgas/s.
// Usage: node ejs_bench.mjs CONTRACTS_JSON TRANSFERS LOOP_N HASH_N
import { readFileSync } from 'node:fs'
import { createEVM } from '@ethereumjs/evm'
import { Common, Hardfork, Mainnet } from '@ethereumjs/common'
import { Account, Address, hexToBytes, setLengthLeft, bigIntToBytes } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'

const [file, transfersArg, loopArg, hashArg] = process.argv.slice(2)
const contracts = JSON.parse(readFileSync(file, 'utf8'))
const TRANSFERS = Number(transfersArg), LOOP_N = BigInt(loopArg), HASH_N = BigInt(hashArg)
const ACCOUNTS = 1000

const addr = (tag, i) => {
  const b = new Uint8Array(20)
  b[0] = tag
  b.set(setLengthLeft(bigIntToBytes(BigInt(i)), 4), 16)
  return new Address(b)
}
const word = (v) => setLengthLeft(bigIntToBytes(BigInt(v)), 32)

async function setup(code) {
  const common = new Common({ chain: Mainnet, hardfork: Hardfork.Cancun })
  const evm = await createEVM({ common })
  const c = addr(0xcc, 1)
  await evm.stateManager.putAccount(c, new Account(1n, 0n))
  await evm.stateManager.putCode(c, hexToBytes('0x' + code))
  return { evm, c }
}

async function erc20() {
  const { evm, c } = await setup(contracts.erc20.code)
  for (let i = 0; i < ACCOUNTS; i++) {
    const from = addr(0xa0, i)
    await evm.stateManager.putAccount(from, new Account(0n, 10n ** 18n))
    const slot = keccak_256(new Uint8Array([...word(0).slice(0, 12), ...from.bytes, ...word(0)]))
    await evm.stateManager.putStorage(c, slot, word(1000000))
  }
  const selector = hexToBytes('0xa9059cbb')
  const t0 = process.hrtime.bigint()
  let gas = 0n
  for (let i = 0; i < TRANSFERS; i++) {
    const from = addr(0xa0, i % ACCOUNTS), to = addr(0xb0, i)
    const data = new Uint8Array([...selector, ...word(0).slice(0, 12), ...to.bytes, ...word(1)])
    const r = await evm.runCall({ caller: from, origin: from, to: c, data, gasLimit: 100000n })
    if (r.execResult.exceptionError) throw new Error('transfer failed: ' + r.execResult.exceptionError.error)
    gas += r.execResult.executionGasUsed
  }
  return [TRANSFERS, Number(process.hrtime.bigint() - t0) / 1e6, gas]
}

async function single(code, data) {
  const { evm, c } = await setup(code)
  const from = addr(0xa0, 0)
  await evm.stateManager.putAccount(from, new Account(0n, 10n ** 18n))
  const t0 = process.hrtime.bigint()
  const r = await evm.runCall({ caller: from, origin: from, to: c, data, gasLimit: 1000000000n })
  if (r.execResult.exceptionError) throw new Error('failed: ' + r.execResult.exceptionError.error)
  return [1, Number(process.hrtime.bigint() - t0) / 1e6, r.execResult.executionGasUsed]
}

const rows = [
  ['erc20', await erc20()],
  ['loop', await single(contracts.loop.code, new Uint8Array([0, 0, 0, 0, ...word(LOOP_N)]))],
  ['hash', await single(contracts.hash.code, new Uint8Array([0, 0, 0, 0, ...word(HASH_N), ...word(7)]))],
]
for (const [name, [runs, ms, gas]] of rows)
  console.log(`ethereumjs ${name} ${runs} ${ms.toFixed(1)} ${(Number(gas) / ms / 1000).toFixed(2)}`)

// End to end with Ethereum's own tools, unchanged: ethers.js v6 against a SuperVM devnet, a
// Solidity ERC-20 compiled by solc-js. Usage:
//   node e2e.mjs ids                 prints "address identity" for the test keys (for genesis)
//   node e2e.mjs run URL             runs the checks; prints "e2e-eth: N passed, N failed" last
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import solc from 'solc';
import { ethers } from 'ethers';

// Well-known development keys (the ones local Ethereum dev nodes print), funded at genesis.
const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
];

// An EVM address's SuperVM identity: SHA-256("svm/id" ‖ 0x02 ‖ address).
function identity(addr) {
  const h = createHash('sha256');
  h.update(Buffer.from('svm/id'));
  h.update(Buffer.from([2]));
  h.update(Buffer.from(addr.slice(2), 'hex'));
  return h.digest('hex');
}

if (process.argv[2] === 'ids') {
  for (const k of KEYS) {
    const a = new ethers.Wallet(k).address;
    console.log(a, identity(a));
  }
  process.exit(0);
}

const url = process.argv[3];
let pass = 0, fail = 0;
function check(name, cond, detail = '') {
  if (cond) { pass++; console.log(`  ok   ${name}`); }
  else { fail++; console.log(`  FAIL ${name} ${detail}`); }
}
async function rejects(name, p, re) {
  try { await p; check(name, false, '(no error)'); }
  catch (e) {
    const text = `${e.shortMessage || ''} ${e.reason || ''} ${e.message || ''} ${JSON.stringify(e.info || {})}`;
    check(name, re.test(text), text.slice(0, 300));
  }
}
async function rpc(method, params) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return r.json();
}

function compile() {
  const src = (f) => ({ content: readFileSync(new URL('./' + f, import.meta.url), 'utf8') });
  const input = { language: 'Solidity', sources: { 'Token.sol': src('Token.sol'), 'Amm.sol': src('Amm.sol') },
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: 'cancun',
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } } };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  for (const e of out.errors || []) if (e.severity === 'error') throw new Error(e.formattedMessage);
  const pick = (n, f = 'Token.sol') => ({ abi: out.contracts[f][n].abi, bytecode: '0x' + out.contracts[f][n].evm.bytecode.object });
  return { ...pick('Token'), vault: pick('Vault'), amm: pick('Amm', 'Amm.sol'), bridge: pick('Bridge', 'Amm.sol') };
}

async function main() {
  // cacheTimeout -1: ethers shares identical requests made within 250 ms, so with 100 ms blocks a
  // deploy can commit inside that window and the next send reuses the nonce read before it.
  const provider = new ethers.JsonRpcProvider(url, undefined, { pollingInterval: 100, cacheTimeout: -1 });
  const [w0, w1, w2] = KEYS.map((k) => new ethers.Wallet(k, provider));
  const net = await provider.getNetwork();
  check('eth_chainId through ethers', net.chainId === 1337n, String(net.chainId));
  const b0 = await provider.getBalance(w0.address);
  check('funded balance (SWR × 10^9 wei)', b0 === 1000n * 10n ** 18n, String(b0));
  const svm = await rpc('svm_getBalance', [identity(w0.address), 'SWR']);
  check('the same balance natively (svm_getBalance of the identity)', BigInt(svm.result.amount) * 10n ** 9n === b0,
    JSON.stringify(svm));

  // deploy the ERC-20
  const { abi, bytecode, vault, amm, bridge } = compile();
  check('solc-js compiled Token.sol', bytecode.length > 100);
  const factory = new ethers.ContractFactory(abi, bytecode, w0);
  const supply = 1000000n * 10n ** 18n;
  const token = await factory.deploy('Token', 'TOK', supply);
  const deployTx = token.deploymentTransaction();
  await token.waitForDeployment();
  const addr = await token.getAddress();
  check('deployed at the CREATE address', addr === ethers.getCreateAddress({ from: w0.address, nonce: deployTx.nonce }), addr);
  check('eth_getCode has the runtime', (await provider.getCode(addr)).length > 100);
  check('name/symbol/decimals', (await token.name()) === 'Token' && (await token.symbol()) === 'TOK' && (await token.decimals()) === 18n);
  check('balanceOf(deployer) = supply', (await token.balanceOf(w0.address)) === supply);

  // transfer, its event, eth_getLogs
  const tx = await token.transfer(w1.address, 1234n);
  const rc = await tx.wait();
  check('transfer receipt status 1', rc.status === 1, JSON.stringify(rc));
  const ev = rc.logs.map((l) => token.interface.parseLog(l)).find((x) => x && x.name === 'Transfer');
  check('Transfer event in the receipt', ev && ev.args.from === w0.address && ev.args.to === w1.address && ev.args.value === 1234n);
  check('balanceOf(recipient)', (await token.balanceOf(w1.address)) === 1234n);
  const logs = await token.queryFilter(token.filters.Transfer(w0.address, w1.address), 0, 'latest');
  check('eth_getLogs finds the Transfer by topics', logs.length === 1 && logs[0].transactionHash === tx.hash, JSON.stringify(logs));
  const all = await provider.getLogs({ address: addr, fromBlock: 0, toBlock: 'latest' });
  check('eth_getLogs by address: mint and transfer', all.length === 2, String(all.length));
  const got = await provider.getTransaction(tx.hash);
  check('eth_getTransactionByHash', got && got.from === w0.address && got.blockNumber === rc.blockNumber);
  const blk = await provider.getBlock(rc.blockNumber);
  check('eth_getBlockByNumber lists the transaction', blk && blk.transactions.includes(tx.hash));
  const blk2 = await provider.getBlock(blk.hash);
  check('eth_getBlockByHash', blk2 && blk2.number === blk.number);
  const slot = ethers.solidityPackedKeccak256(['uint256', 'uint256'], [w1.address, 3]); // balanceOf is slot 3 (name, symbol, totalSupply before it)
  check('eth_getStorageAt reads the balance slot', BigInt(await provider.getStorage(addr, slot)) === 1234n);

  // approve / transferFrom
  await (await token.approve(w1.address, 500n)).wait();
  await (await token.connect(w1).transferFrom(w0.address, w2.address, 200n)).wait();
  check('approve + transferFrom', (await token.balanceOf(w2.address)) === 200n && (await token.allowance(w0.address, w1.address)) === 300n);

  // a revert with its reason, before and after sending
  await rejects('revert reason from eth_estimateGas', token.connect(w1).transfer(w2.address, 10n ** 30n), /insufficient balance/);
  const forced = await token.connect(w1).transfer(w2.address, 10n ** 30n, { gasLimit: 100000 });
  await rejects('a reverted transaction mined with status 0', forced.wait(), /CALL_EXCEPTION|reverted|status/i);
  const frc = await provider.getTransactionReceipt(forced.hash);
  check('its receipt: status 0, the nonce used', frc && frc.status === 0 &&
    (await provider.getTransactionCount(w1.address)) === forced.nonce + 1);
  await rejects('eth_call revert reason', token.connect(w1).transferFrom.staticCall(w0.address, w2.address, 10n ** 20n), /allowance exceeded/);

  // plain value transfers move the ledger exactly
  const before = await provider.getBalance(w2.address);
  const vt = await w0.sendTransaction({ to: w2.address, value: 5n * 10n ** 9n });
  const vrc = await vt.wait();
  let after = await provider.getBalance(w2.address);
  for (let i = 0; i < 50 && after !== before + 5n * 10n ** 9n; i++) { // bounded wait for the head's state
    await new Promise((r) => setTimeout(r, 100));
    after = await provider.getBalance(w2.address);
  }
  check('value transfer (5 gwei = 5 base units)', after === before + 5n * 10n ** 9n && vrc.gasUsed === 21000n,
    `${before} -> ${after}, gas ${vrc.gasUsed}`);
  const paid = vrc.gasUsed * vrc.gasPrice;
  const svm0 = await rpc('svm_getTransactionReceipt', [vt.hash.slice(2)]);
  check('fee charged = the receipt\'s fee (a + b·bytes + c·gas)', svm0.result && BigInt(svm0.result.fee_charged) * 10n ** 9n <= paid &&
    svm0.result.steps === 21000, JSON.stringify(svm0.result || svm0));
  await rejects('a value that is not whole 10^9 wei is refused', w0.sendTransaction({ to: w2.address, value: 1n }), /insufficient funds|whole/);

  // historical state: eth_* with a block number read the state right after that block
  const hb = vrc.blockNumber;
  check('eth_getBalance at the block before a transfer', (await provider.getBalance(w2.address, hb - 1)) === before);
  check('eth_getBalance at the transfer\'s block', (await provider.getBalance(w2.address, hb)) === before + 5n * 10n ** 9n);
  check('eth_getTransactionCount at older blocks', (await provider.getTransactionCount(w0.address, hb - 1)) === vt.nonce &&
    (await provider.getTransactionCount(w0.address, hb)) === vt.nonce + 1);
  const dep = await provider.getTransactionReceipt(deployTx.hash);
  check('eth_getCode before the deployment is empty, after it the runtime',
    (await provider.getCode(addr, dep.blockNumber - 1)) === '0x' && (await provider.getCode(addr, dep.blockNumber)).length > 100);
  check('eth_getStorageAt before and after the token transfer', BigInt(await provider.getStorage(addr, slot, rc.blockNumber - 1)) === 0n &&
    BigInt(await provider.getStorage(addr, slot, rc.blockNumber)) === 1234n);
  check('eth_call at older blocks (balanceOf with blockTag)', (await token.balanceOf(w1.address, { blockTag: rc.blockNumber - 1 })) === 0n &&
    (await token.balanceOf(w1.address, { blockTag: rc.blockNumber })) === 1234n);
  const hblk = await provider.getBlock(hb - 1);
  check('an EIP-1898 {blockHash} names the same state', BigInt(await provider.send('eth_getBalance', [w2.address, { blockHash: hblk.hash }])) === before);
  check('"earliest" is the genesis state', (await provider.getCode(addr, 'earliest')) === '0x' &&
    (await provider.getBalance(w0.address, 'earliest')) === b0);
  await rejects('a block above the head: header not found', provider.getBalance(w2.address, (await provider.getBlockNumber()) + 1000), /header not found/);

  // bad input: nonce too low, wrong chain, fee cap below base fee, gas above the block limit
  const n0 = await provider.getTransactionCount(w0.address);
  const fee = await provider.getFeeData();
  const base = { to: w2.address, value: 0n, gasLimit: 21000n, maxFeePerGas: fee.maxFeePerGas, maxPriorityFeePerGas: 0n, chainId: 1337n, type: 2 };
  await rejects('nonce too low', provider.broadcastTransaction(await w0.signTransaction({ ...base, nonce: 0 })), /nonce too low/);
  await rejects('wrong chain id', provider.broadcastTransaction(await w0.signTransaction({ ...base, nonce: n0, chainId: 1n })), /chain id/);
  await rejects('fee cap below base fee', provider.broadcastTransaction(await w0.signTransaction({ ...base, nonce: n0, maxFeePerGas: 1n })), /base fee/);
  await rejects('gas above the block limit', provider.broadcastTransaction(await w0.signTransaction({ ...base, nonce: n0, gasLimit: 40000000n })), /gas limit/);
  await rejects('malformed RLP', rpc('eth_sendRawTransaction', ['0x02c0ffee']).then((r) => { if (r.error) throw new Error(r.error.message); return r; }), /RLP|field|decode|malformed/i);
  check('nothing changed: the nonce is still ' + n0, (await provider.getTransactionCount(w0.address)) === n0);
  const missing = await provider.call({ to: '0x000000000000000000000000000000000000dEaD', data: '0x70a08231' });
  check('eth_call of a missing contract returns 0x (as Ethereum)', missing === '0x');
  const fh = await provider.send('eth_feeHistory', ['0x4', 'latest', [50]]);
  check('eth_feeHistory', fh.baseFeePerGas.length === 5 && fh.reward.length === 4);
  check('web3_clientVersion / net_version', (await provider.send('net_version', [])) === '1337' &&
    /SuperVM/.test(await provider.send('web3_clientVersion', [])));

  // the ledger's tokens as ERC-20s: SWR's view moves the very balances eth_getBalance shows,
  // AIC's the ledger's AIC balances the native side sees
  const erc20 = ['function balanceOf(address) view returns (uint256)', 'function transfer(address,uint256) returns (bool)',
    'function approve(address,uint256) returns (bool)', 'function allowance(address,address) view returns (uint256)',
    'function transferFrom(address,address,uint256) returns (bool)', 'function totalSupply() view returns (uint256)',
    'function decimals() view returns (uint8)', 'function symbol() view returns (string)',
    'event Transfer(address indexed from, address indexed to, uint256 value)'];
  const viewAddr = (sym) => ethers.getAddress('0xec20' + createHash('sha256').update('svm/token' + sym).digest('hex').slice(0, 36));
  const swr = new ethers.Contract(viewAddr('SWR'), erc20, w0);
  const aic = new ethers.Contract(viewAddr('AIC'), erc20, w0);
  check('SWR view: symbol and decimals (9)', (await swr.symbol()) === 'SWR' && (await swr.decimals()) === 9n);
  check('SWR view: balanceOf = eth_getBalance / 10^9', (await swr.balanceOf(w2.address)) * 10n ** 9n === (await provider.getBalance(w2.address)));
  const s0 = await provider.getBalance(w2.address);
  const st = await (await swr.transfer(w2.address, 7n)).wait();
  check('SWR view: transfer moves 7 base units = 7·10^9 wei of the native balance', (await provider.getBalance(w2.address)) === s0 + 7n * 10n ** 9n);
  const sev = st.logs.map((l) => swr.interface.parseLog(l)).find((x) => x && x.name === 'Transfer');
  check('SWR view: Transfer log from the view', sev && st.logs[0].address === viewAddr('SWR') && sev.args.value === 7n);
  const a0 = BigInt((await rpc('svm_getBalance', [identity(w0.address), 'AIC'])).result.amount);
  check('AIC view: balanceOf = the native ledger balance', (await aic.balanceOf(w0.address)) === a0 && a0 > 0n, String(a0));
  await (await aic.transfer(w1.address, 1000n)).wait();
  const a1 = BigInt((await rpc('svm_getBalance', [identity(w1.address), 'AIC'])).result.amount);
  check('AIC view: transfer seen natively (svm_getBalance)', a1 === 1000n, String(a1));
  await rejects('AIC view: revert reason past the balance', aic.connect(w2).transfer(w1.address, 1n), /exceeds balance/);
  // EVM code using the views: a Solidity vault pulls with transferFrom, and a revert undoes the pull
  const vf = new ethers.ContractFactory(vault.abi, vault.bytecode, w0);
  const v = await vf.deploy();
  await v.waitForDeployment();
  const vaddr = await v.getAddress();
  await (await aic.approve(vaddr, 500n)).wait();
  check('AIC view: allowance', (await aic.allowance(w0.address, vaddr)) === 500n);
  await (await v.deposit(aic.target, 300n)).wait();
  check('a contract pulled 300 AIC through the view', (await aic.balanceOf(vaddr)) === 300n && (await v.deposits(aic.target, w0.address)) === 300n &&
    (await aic.allowance(w0.address, vaddr)) === 200n);
  const before2 = await aic.balanceOf(w0.address);
  const bad = await v.depositAndRevert(aic.target, 100n, { gasLimit: 300000 }).catch((e) => e);
  if (bad && bad.wait) await bad.wait().catch(() => null);
  check('a revert after the pull undoes the ledger move', (await aic.balanceOf(w0.address)) === before2 && (await aic.balanceOf(vaddr)) === 300n &&
    (await aic.allowance(w0.address, vaddr)) === 200n);
  await (await v.withdrawAll(aic.target)).wait();
  check('withdraw through the view', (await aic.balanceOf(vaddr)) === 0n && (await aic.balanceOf(w0.address)) === before2 + 300n);

  await ammChecks(w0, w1, abi, bytecode, amm);
  await bridgeChecks(w0, provider, bridge);
}

// An AMM-style Solidity contract: two ERC-20s, a constant-product pool, liquidity, swaps, events.
async function ammChecks(w0, w1, tokAbi, tokCode, amm) {
  const tf = new ethers.ContractFactory(tokAbi, tokCode, w0);
  const ta = await tf.deploy('Apple', 'APL', 10n ** 24n);
  const tb = await tf.deploy('Banana', 'BAN', 10n ** 24n);
  await ta.waitForDeployment();
  await tb.waitForDeployment();
  const pool = await new ethers.ContractFactory(amm.abi, amm.bytecode, w0).deploy(ta.target, tb.target);
  await pool.waitForDeployment();
  await (await ta.approve(pool.target, ethers.MaxUint256)).wait();
  await (await tb.approve(pool.target, ethers.MaxUint256)).wait();
  const A = 1000n * 10n ** 18n, B = 4000n * 10n ** 18n;
  const lrc = await (await pool.addLiquidity(A, B)).wait();
  const add = lrc.logs.map((l) => { try { return pool.interface.parseLog(l); } catch { return null; } }).find((x) => x && x.name === 'AddLiquidity');
  check('AMM: addLiquidity mints sqrt(a·b) shares, with its event', add && add.args.shares === 2000n * 10n ** 18n &&
    (await pool.shares(w0.address)) === 2000n * 10n ** 18n && (await pool.reserveA()) === A && (await pool.reserveB()) === B);
  check('AMM: the pool holds the tokens', (await ta.balanceOf(pool.target)) === A && (await tb.balanceOf(pool.target)) === B);
  const dx = 10n * 10n ** 18n;
  const want = (dx * 997n * B) / (A * 1000n + dx * 997n);
  check('AMM: quote = dx·997·y / (x·1000 + dx·997)', (await pool.quote(dx, true)) === want, String(want));
  const b0 = await tb.balanceOf(w0.address);
  const src = await (await pool.swap(dx, true, want)).wait();
  check('AMM: swap pays the quote', (await tb.balanceOf(w0.address)) === b0 + want);
  const ra = await pool.reserveA(), rb = await pool.reserveB();
  check('AMM: reserves move and x·y does not fall', ra === A + dx && rb === B - want && ra * rb >= A * B);
  const swaps = await pool.queryFilter(pool.filters.Swap(w0.address), 0, 'latest');
  check('AMM: the Swap event through eth_getLogs', swaps.length === 1 && swaps[0].transactionHash === src.hash &&
    swaps[0].args.amountOut === want);
  await rejects('AMM: slippage bound refused with its reason', pool.swap(dx, false, 10n ** 30n), /slippage/);
  // a second provider: shares in proportion, the other way round
  await (await ta.transfer(w1.address, 100n * 10n ** 18n)).wait();
  await (await tb.transfer(w1.address, 100n * 10n ** 18n)).wait();
  const back = await pool.quote(10n ** 18n, false);
  await (await tb.connect(w1).approve(pool.target, ethers.MaxUint256)).wait();
  await (await pool.connect(w1).swap(10n ** 18n, false, back)).wait();
  check('AMM: a second trader swaps B for A', (await ta.balanceOf(w1.address)) === 100n * 10n ** 18n + back);
}

// A WebAssembly contract (contracts/examples/xvm.c, deployed by e2e_eth.sh) and a Solidity one
// calling each other in one transaction; a revert rolls both back.
async function bridgeChecks(w0, provider, bridge) {
  const wasm = process.env.XVM_WASM;
  check('the WebAssembly contract was deployed for the cross-VM checks', /^[0-9a-f]{64}$/.test(wasm || ''), String(wasm));
  if (!wasm) return;
  const W = '0x' + wasm;
  const br = await new ethers.ContractFactory(bridge.abi, bridge.bytecode, w0).deploy();
  await br.waitForDeployment();
  const hex = (s) => ethers.hexlify(ethers.toUtf8Bytes(s));
  await (await br.callWasm(W, 'put', hex('hello'))).wait();
  check('EVM -> WebAssembly: put stored, get returns it',
    ethers.toUtf8String(await br.callWasm.staticCall(W, 'get', hex('v'))) === 'hello');
  check('EVM -> WebAssembly: the return data reaches Solidity',
    ethers.toUtf8String(await br.callWasm.staticCall(W, 'put', hex('x'))) === 'ok');
  const rt = await (await br.roundTrip(W, 5n, false)).wait();
  check('EVM -> WebAssembly -> EVM in one transaction', (await br.hits()) === 5n && rt.status === 1);
  const hit = rt.logs.map((l) => { try { return br.interface.parseLog(l); } catch { return null; } }).find((x) => x && x.name === 'Hit');
  const caller = await br.lastCaller();
  check('the EVM callee saw the WebAssembly contract\'s derived address as msg.sender', hit && hit.args.from === caller &&
    caller === ethers.getAddress('0x' + createHash('sha256').update(Buffer.concat([Buffer.from('svm/evm'), Buffer.from(wasm, 'hex')])).digest('hex').slice(24)));
  const wBefore = await br.callWasm.staticCall(W, 'get', hex('w'));
  await rejects('a revert after the round trip: reason', br.roundTrip.staticCall(W, 7n, true), /rolled back/);
  const bad = await br.roundTrip(W, 7n, true, { gasLimit: 1000000 });
  await rejects('a revert after the round trip is mined with status 0', bad.wait(), /CALL_EXCEPTION|reverted|status/i);
  check('the revert rolled both VMs back', (await br.hits()) === 5n &&
    (await br.callWasm.staticCall(W, 'get', hex('w'))) === wBefore);
  await rejects('a WebAssembly abort propagates as a revert', br.callWasm(W, 'put_abort', hex('zz')), /wasm call failed/);
  check('... and changes nothing', ethers.toUtf8String(await br.callWasm.staticCall(W, 'get', hex('v'))) === 'hello');
  const idx = await rpc('svm_getEvmAddressIdentity', [caller]);
  check('the derived address -> identity index finds the WebAssembly contract', idx.result && idx.result.identity === wasm &&
    idx.result.indexed === true, JSON.stringify(idx));
  const plain = await rpc('svm_getEvmAddressIdentity', [w0.address]);
  check('an Ethereum address -> its identity', plain.result && plain.result.identity === identity(w0.address) &&
    plain.result.indexed === false, JSON.stringify(plain));
  await nativeChecks(provider, br, W, wasm);
}

// LEB128, the native payloads' integers
function varint(n) {
  const out = [];
  let v = BigInt(n);
  while (v >= 0x80n) { out.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
  out.push(Number(v));
  return Buffer.from(out);
}
const swrId = () => createHash('sha256').update('svm/tokenSWR').digest();
// exact: the amount is read from the JSON text (above 2^53 a JavaScript number would round it)
async function svmBalance(id) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'svm_getBalance', params: [id, 'SWR'] }) });
  return BigInt(/"amount":\s*(\d+)/.exec(await r.text())[1]);
}

// EVM -> native program through 0x…ca12 (the ledger's transfer, as the Bridge contract), and
// value carried by an EVM -> WebAssembly call.
async function nativeChecks(provider, br, W, wasm) {
  const addr = await br.getAddress();
  await (await br.runner.sendTransaction({ to: addr, value: ethers.parseEther('3') })).wait();
  const to = createHash('sha256').update('e2e-eth native recipient').digest();
  const transfer = (units) => Buffer.concat([varint(1), varint(1), swrId(), to, varint(units)]);
  const b0 = await provider.getBalance(addr);
  const r = await (await br.callNative(transfer(1000000000n))).wait();
  check('EVM -> native: a ledger transfer from a Solidity contract is mined', r.status === 1);
  check('... credits the Ed25519-style identity on the ledger (svm_getBalance)',
    (await svmBalance(to.toString('hex'))) === 1000000000n);
  check('... and debits the contract (eth_getBalance)', (await provider.getBalance(addr)) === b0 - 10n ** 18n);
  // paid only by a contract, it never signed: the node's index finds it from the balance written
  const toAddr = '0x' + createHash('sha256').update(Buffer.concat([Buffer.from('svm/evm'), to])).digest('hex').slice(24);
  const paid = await rpc('svm_getEvmAddressIdentity', [toAddr]);
  check('... and its derived address is indexed to it (an identity paid only by a contract)',
    paid.result && paid.result.identity === to.toString('hex') && paid.result.indexed === true &&
    paid.result.linked === false, JSON.stringify(paid));
  await rejects('EVM -> native: a program failure is a revert with its reason',
    br.callNative.staticCall(transfer(10n ** 15n)), /native: /);
  await rejects('EVM -> native: a method not callable from the EVM is refused with a reason',
    br.callNative.staticCall(Buffer.concat([varint(1), varint(2), varint(1), Buffer.from('X'), varint(9), varint(1)])),
    /not callable/);
  const w0 = await svmBalance(wasm);
  const v = await (await br.callWasmPaying(W, 'put', ethers.hexlify(ethers.toUtf8Bytes('paid')), { value: ethers.parseEther('0.5') })).wait();
  check('EVM -> WebAssembly with value: mined', v.status === 1);
  check('... the value is the WebAssembly contract\'s SWR (svm_getBalance)', (await svmBalance(wasm)) === w0 + 500000000n);
  check('... passed through the Solidity contract (its balance unchanged)', (await provider.getBalance(addr)) === b0 - 10n ** 18n);
  await linkChecks(provider, br, wasm);
}

// supervm address (the CLI) and a linked Ed25519 identity: its derived address is its account
async function linkChecks(provider, br, wasm) {
  const derived = (id) => '0x' + createHash('sha256').update(Buffer.concat([Buffer.from('svm/evm'), Buffer.from(id, 'hex')])).digest('hex').slice(24);
  const env = process.env;
  check('supervm address ID prints the derived EVM address', env.CLI_WASM_ADDR === derived(wasm), env.CLI_WASM_ADDR);
  check('supervm address 0xADDRESS finds the WebAssembly contract (indexed)',
    /^([0-9a-f]{64})  indexed/.test(env.CLI_WASM_BACK || '') && env.CLI_WASM_BACK.startsWith(wasm), env.CLI_WASM_BACK);
  check('a genesis account is indexed from the start', (env.CLI_FAUCET_BACK || '').startsWith(env.FAUCET + '  indexed'), env.CLI_FAUCET_BACK);
  check('after supervm address link: linked', (env.CLI_FAUCET_LINKED || '').startsWith(env.FAUCET + '  linked'), env.CLI_FAUCET_LINKED);
  const fa = ethers.getAddress(env.FAUCET_ADDR);
  const units = await svmBalance(env.FAUCET);
  const eb = await provider.getBalance(fa);
  check('eth_getBalance of the linked address = the Ed25519 identity\'s SWR balance', eb === units * 10n ** 9n, `${eb} vs ${units}`);
  const bb = await br.balanceAt(fa);
  check('BALANCE in Solidity sees it too', bb === units * 10n ** 9n, String(bb));
  const r = await (await br.runner.sendTransaction({ to: fa, value: 7n * 10n ** 9n })).wait();
  const u2 = await svmBalance(env.FAUCET);
  check('a transfer to the linked address credits the identity', r.status === 1 && u2 === units + 7n, `${r.status} ${u2}`);
}

try { await main(); } catch (e) { fail++; console.log('  FAIL uncaught:', e.stack || e); }
console.log(`e2e-eth: ${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);

// JSON-RPC 2.0 client over HTTP (Node's fetch) for every method of docs/rpc.md, with typed
// results, and helpers that build, sign and send transactions the way the CLI does (nonce from
// the node's pending state, expiry = head + 1000 blocks).
import { fromHex, toHex, U64 } from "./bytes.js";
import { Json, parseJson, stringifyJson } from "./json.js";
import { Keypair } from "./keys.js";
import * as payload from "./payload.js";
import { ReceiptProofJson, receiptProofError } from "./receipt.js";
import { stateProofError } from "./stateproof.js";
import { SignedTx, signTx } from "./tx.js";

/** u64s are numbers when they are safe integers, bigints otherwise (see json.ts). */
export type Int = number | bigint;
export type Hex = string;

export interface TransactionInfo {
  hash: Hex; chain_id: Int; sender: Hex; nonce: Int; expiry_height: Int; fee_limit: Int; tip: Int;
  access_mode: "strict" | "dynamic"; inputs: { id: Hex; version: Int }[]; reads: Hex[]; writes: Hex[];
  /** "evm": an Ethereum transaction (raw starts with 0x06; decodeTx refuses it, see isEthTx). */
  vm: "native" | "wasm" | "evm"; payload: Hex; public_key: Hex; raw: Hex;
  status: "pending" | "committed"; block_height?: Int; index?: number;
}

export interface EventInfo { emitter: Hex; topic: Hex; data: Hex }

export interface Receipt {
  tx_hash: Hex; status: number; status_name: string; tx_bytes: Int; steps: Int; mem_bytes: Int;
  fee_charged: Int; tip_paid: Int; events: EventInfo[]; return_data: Hex; raw: Hex;
  /** An aborted contract's message (status_name "aborted"). */
  abort_message?: string;
  block_height?: Int; block_hash?: Hex; index?: number; proof?: ReceiptProofJson;
}

export interface BlockHeader {
  height: Int; hash: Hex; parent: Hex; chain_id: Int; round: Int; timestamp_ms: Int; proposer: Hex;
  tx_count: number; tx_root: Hex; receipts_root: Hex; state_root: Hex;
}

export interface Block extends BlockHeader { transactions: (Hex | TransactionInfo)[]; size: number }

export interface Balance { owner: Hex; token: Hex; amount: Int; height: Int }
export interface Account { id: Hex; nonce: Int; pending_nonce: Int; balances: { SWR: Int; AIC: Int }; height: Int }
export interface StateRoot { height: Int; state_root: Hex; block_hash: Hex }
export interface Proof { object_id: Hex; height: Int; state_root: Hex; exists: boolean; object?: Hex; proof: Hex; verified_by_node: boolean }
export interface Status {
  chain_id: Int; height: Int; block_hash: Hex; state_root: Hex;
  mempool: { count: number; bytes: number; senders: number; admitted: Int; rejected: Int; evicted: Int; pruned: Int; included: Int };
  tx_per_s: number; blocks_produced: Int; txs_committed: Int; last_build_ms: number; block_ms: number;
  devnet: boolean; proposer: Hex; faucet?: Hex;
}
export interface FeeEstimate {
  fee: Int; fee_limit_suggested: Int; steps: Int; tx_bytes: Int; mem_bytes: Int; status: number;
  params: { a: Int; b: Int; c: Int; d: Int };
}
export interface TokenInfo { token: Hex; symbol: string; decimals: number; supply: Int; height: Int }
export interface FaucetGrant { tx_hash: Hex; recipient: Hex; token: string; token_id: Hex; amount: Int; nonce: Int }

export class RpcError extends Error {
  constructor(message: string, readonly code: number, readonly data?: Json) {
    super(message);
    this.name = "RpcError";
  }
}

export interface SendOptions {
  feeLimit?: U64;
  tip?: U64;
  nonce?: U64;
  expiryBlocks?: number;
}

export interface WaitOptions {
  timeoutMs?: number;
  pollMs?: number;
}

function hexArg(x: Uint8Array | string): string {
  return typeof x === "string" ? x : toHex(x);
}

export class Client {
  private nextId = 1;
  private chain?: Int;

  constructor(readonly url = "http://127.0.0.1:8545") {}

  /** One JSON-RPC call; throws RpcError for an error answer, Error for a transport failure. */
  async call<T>(method: string, params: Json[] | { [k: string]: Json } = []): Promise<T> {
    const id = this.nextId++;
    const res = await fetch(this.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stringifyJson({ jsonrpc: "2.0", id, method, params }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method}: HTTP ${res.status} ${text.slice(0, 200)}`);
    const body = parseJson(text) as { result?: Json; error?: { code: number; message: string; data?: Json } };
    if (body.error) throw new RpcError(`${method}: ${body.error.message}`, body.error.code, body.error.data);
    return body.result as T;
  }

  chainId(): Promise<Int> { return this.call("svm_chainId"); }
  sendRawTransaction(raw: Uint8Array | string): Promise<Hex> {
    return this.call("svm_sendRawTransaction", [typeof raw === "string" ? raw : "0x" + toHex(raw)]);
  }
  getTransactionByHash(hash: Hex): Promise<TransactionInfo | null> { return this.call("svm_getTransactionByHash", [hash]); }
  getTransactionReceipt(hash: Hex): Promise<Receipt | null> { return this.call("svm_getTransactionReceipt", [hash]); }
  getBlockByNumber(n: Int | "latest", full = false): Promise<Block | null> {
    return this.call("svm_getBlockByNumber", [n, full]);
  }
  getStateRoot(): Promise<StateRoot> { return this.call("svm_getStateRoot"); }
  getBalance(owner: Uint8Array | Hex, token = "SWR"): Promise<Balance> {
    return this.call("svm_getBalance", [hexArg(owner), token]);
  }
  getAccount(owner: Uint8Array | Hex): Promise<Account> { return this.call("svm_getAccount", [hexArg(owner)]); }
  getProof(objectId: Uint8Array | Hex): Promise<Proof> { return this.call("svm_getProof", [hexArg(objectId)]); }
  status(): Promise<Status> { return this.call("svm_status"); }
  simulateTransaction(raw: Uint8Array | string): Promise<Receipt> {
    return this.call("svm_simulateTransaction", [typeof raw === "string" ? raw : "0x" + toHex(raw)]);
  }
  estimateFee(raw: Uint8Array | string): Promise<FeeEstimate> {
    return this.call("svm_estimateFee", [typeof raw === "string" ? raw : "0x" + toHex(raw)]);
  }
  requestFaucet(recipient: Uint8Array | Hex, amount?: U64, token = "SWR"): Promise<FaucetGrant> {
    const p: Json[] = [hexArg(recipient)];
    if (amount !== undefined) p.push(BigInt(amount), token);
    return this.call("svm_requestFaucet", p);
  }
  getToken(token: string): Promise<TokenInfo> { return this.call("svm_getToken", [token]); }
  getParams(): Promise<{ height: Int; params: Record<string, Int> }> { return this.call("svm_getParams"); }
  getPool(tokenX: string, tokenY: string, feeBps: number): Promise<Record<string, Json>> {
    return this.call("svm_getPool", [tokenX, tokenY, feeBps]);
  }
  quoteSwap(tokenIn: string, tokenOut: string, feeBps: number, amount: U64, kind: "in" | "out" = "in"): Promise<Record<string, Json>> {
    return this.call("svm_quoteSwap", [tokenIn, tokenOut, feeBps, BigInt(amount), kind]);
  }
  getValidators(): Promise<{ height: Int; validators: Record<string, Json>[]; active_set: { consensus_key: Hex; stake: Int }[] }> {
    return this.call("svm_getValidators");
  }
  getValidator(operator: Hex): Promise<Record<string, Json>> { return this.call("svm_getValidator", [operator]); }
  getDelegation(operator: Hex, delegator: Hex): Promise<Record<string, Json>> { return this.call("svm_getDelegation", [operator, delegator]); }
  getProposal(id: Hex): Promise<Record<string, Json>> { return this.call("svm_getProposal", [id]); }
  aiGetModel(id: Hex): Promise<Record<string, Json>> { return this.call("svm_aiGetModel", [id]); }
  aiGetJob(id: Hex): Promise<Record<string, Json>> { return this.call("svm_aiGetJob", [id]); }
  aiGetProvider(id: Hex): Promise<Record<string, Json>> { return this.call("svm_aiGetProvider", [id]); }
  aiGetVcr(job: Hex, provider: Hex): Promise<Record<string, Json>> { return this.call("svm_aiGetVcr", [job, provider]); }
  aiGetObject(id: Hex): Promise<Record<string, Json>> { return this.call("svm_aiGetObject", [id]); }
  aiJobsSince(height: Int): Promise<{ jobs: Hex[]; next: Int; head: Int }> { return this.call("svm_aiJobsSince", [height]); }

  /** Polls until the receipt exists (default 30 s, every 100 ms). */
  async waitForReceipt(hash: Hex, o: WaitOptions = {}): Promise<Receipt> {
    const end = Date.now() + (o.timeoutMs ?? 30000);
    for (;;) {
      const r = await this.getTransactionReceipt(hash);
      if (r) return r;
      if (Date.now() > end) throw new Error(`no receipt for ${hash} after ${o.timeoutMs ?? 30000} ms`);
      await new Promise((res) => setTimeout(res, o.pollMs ?? 100));
    }
  }

  /** Checks a committed receipt's inclusion proof against its block's header, fetched here. */
  async verifyReceipt(r: Receipt): Promise<string | null> {
    if (r.block_height === undefined) return "not committed";
    const b = await this.getBlockByNumber(r.block_height);
    if (!b) return "block not found";
    return receiptProofError(r, b.receipts_root);
  }

  /** Checks an svm_getProof answer in the client against the state root of the block header at
   * its height, fetched here. Returns the reason it fails, or null. */
  async verifyProof(p: Proof): Promise<string | null> {
    const b = await this.getBlockByNumber(p.height);
    if (!b) return "block not found";
    return stateProofError(p, b.state_root);
  }

  /** Signs action as key with the next nonce (the node's pending_nonce) and an expiry of the
   * head + expiryBlocks (default 1000), as the CLI does; fee limit default 100,000 for native
   * programs and 10,000,000 for contracts (the CLI's). Nothing is sent. */
  async sign(key: Keypair, action: payload.Action, o: SendOptions = {}): Promise<SignedTx> {
    this.chain ??= await this.chainId();
    const [acct, root] = await Promise.all([this.getAccount(key.id), o.nonce === undefined ? this.getStateRoot() : null]);
    const height = root ? BigInt(root.height) : BigInt(acct.height);
    return signTx({
      chainId: this.chain, sender: key.id, nonce: o.nonce ?? acct.pending_nonce,
      expiryHeight: height + BigInt(o.expiryBlocks ?? 1000),
      feeLimit: o.feeLimit ?? (action.vm === 0 ? 100000 : 10000000), tip: o.tip ?? 0,
      accessMode: action.accessMode, inputs: [], reads: action.reads, writes: action.writes,
      vm: action.vm, payload: action.payload, scheme: key.scheme, publicKey: key.publicKey,
    }, key);
  }

  /** Signs and sends; resolves to the signed transaction once admitted. */
  async send(key: Keypair, action: payload.Action, o: SendOptions = {}): Promise<SignedTx> {
    const s = await this.sign(key, action, o);
    const id = await this.sendRawTransaction(s.raw);
    if (id !== s.idHex) throw new Error(`the node named the transaction ${id}, not ${s.idHex}`);
    return s;
  }

  /** Creates a user token; resolves to its id (hex) once committed. */
  async createToken(key: Keypair, symbol: string, decimals: number, supply: U64, o?: SendOptions & WaitOptions): Promise<Hex> {
    const nonce = o?.nonce ?? (await this.getAccount(key.id)).pending_nonce;
    const s = await this.send(key, payload.createToken(key.id, nonce, symbol, decimals, supply), { ...o, nonce });
    const r = await this.waitForReceipt(s.idHex, o);
    if (r.status !== 0) throw new RpcError(`create token failed: ${r.status_name}`, -32000 - r.status);
    return r.return_data.slice(2);
  }

  transfer(key: Keypair, to: Uint8Array | Hex, amount: U64, token: string = "SWR", o?: SendOptions): Promise<SignedTx> {
    const toId = typeof to === "string" ? fromHex(to, 32) : to;
    return this.send(key, payload.transfer(key.id, toId, amount, token), o);
  }

  /** Deploys module and waits: resolves to the contract id (hex) and the receipt. */
  async deploy(key: Keypair, module: Uint8Array, o?: SendOptions & WaitOptions): Promise<{ contract: Hex; receipt: Receipt }> {
    const s = await this.send(key, payload.deploy(module), o);
    const receipt = await this.waitForReceipt(s.idHex, o);
    if (receipt.status !== 0) throw new RpcError(`deploy failed: ${receipt.status_name}`, -32000 - receipt.status);
    return { contract: receipt.return_data.slice(2), receipt };
  }

  /** Calls a contract method and waits for the receipt (failed receipts are returned, not thrown). */
  async callContract(
    key: Keypair, contract: Uint8Array | Hex, method: string, input?: Uint8Array,
    o?: SendOptions & WaitOptions & { amount?: U64; token?: string },
  ): Promise<Receipt> {
    const c = typeof contract === "string" ? fromHex(contract, 32) : contract;
    const s = await this.send(key, payload.call(c, method, input, o?.amount ?? 0, o?.amount ? (o.token ?? "SWR") : new Uint8Array(32)), o);
    return this.waitForReceipt(s.idHex, o);
  }
}

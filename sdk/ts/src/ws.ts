// WebSocket subscriptions (docs/ecosystem.md): svm_subscribe / svm_unsubscribe and any other
// JSON-RPC method over one socket (the `ws` package). Each subscription is an async iterator
// of its notifications, buffered up to a bound; a subscription the node drops ("client too
// slow") or a closed socket ends every iterator with an error.
import WebSocket from "ws";
import { Json, parseJson, stringifyJson } from "./json.js";
import { BlockHeader, EventInfo, Hex, Int, Receipt, RpcError } from "./rpc.js";

export interface EventNotification extends EventInfo {
  block_height: Int; tx_hash: Hex; tx_index: number; event_index: number;
}

export interface SubscriptionKinds {
  newHeads: { params: { from_height?: Int }; item: BlockHeader };
  events: { params: { emitter?: Hex; topic?: Hex; from_height?: Int }; item: EventNotification };
  pendingTransactions: { params: Record<string, never>; item: Hex };
  receipt: { params: { tx_hash: Hex }; item: Receipt };
}

/** Notifications buffered per subscription before the client gives up on it. */
export const SUBSCRIPTION_BUFFER_MAX = 10000;

export class Subscription<T> implements AsyncIterable<T> {
  private queue: T[] = [];
  private waiters: { resolve: (v: IteratorResult<T>) => void; reject: (e: Error) => void }[] = [];
  private failure?: Error;
  private done = false;

  constructor(readonly id: string, private readonly owner: Subscriber) {}

  /** @internal */
  push(item: T): void {
    const w = this.waiters.shift();
    if (w) return w.resolve({ value: item, done: false });
    if (this.queue.length >= SUBSCRIPTION_BUFFER_MAX) return this.fail(new Error(`subscription ${this.id}: over ${SUBSCRIPTION_BUFFER_MAX} unread notifications`));
    this.queue.push(item);
  }

  /** @internal */
  fail(e: Error): void {
    if (this.done || this.failure) return;
    this.failure = e;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  /** @internal */
  finish(): void {
    this.done = true;
    for (const w of this.waiters.splice(0)) w.resolve({ value: undefined, done: true });
  }

  /** The next notification; rejects after timeoutMs (default 30 s) or when the subscription fails. */
  next(timeoutMs = 30000): Promise<IteratorResult<T>> {
    const item = this.queue.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.failure) return Promise.reject(this.failure);
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      const w = {
        resolve: (v: IteratorResult<T>) => { clearTimeout(t); resolve(v); },
        reject: (e: Error) => { clearTimeout(t); reject(e); },
      };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`subscription ${this.id}: nothing within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Takes the next n notifications. */
  async take(n: number, timeoutMs = 30000): Promise<T[]> {
    const out: T[] = [];
    while (out.length < n) {
      const r = await this.next(timeoutMs);
      if (r.done) break;
      out.push(r.value);
    }
    return out;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next() };
  }

  async unsubscribe(): Promise<boolean> {
    const ok = await this.owner.call<boolean>("svm_unsubscribe", [this.id]);
    this.finish();
    return ok;
  }
}

export class Subscriber {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
  private subs = new Map<string, Subscription<unknown>>();
  private closed?: Error;
  private early: { id: string; result: Json }[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => this.onMessage(isBinary ? "" : data.toString()));
    ws.on("close", (code, reason) => this.shutdown(new Error(`WebSocket closed (${code}${reason.length ? ": " + reason : ""})`)));
    ws.on("error", (e) => this.shutdown(e));
  }

  /** Opens ws://HOST:PORT (the node's --ws address). */
  static connect(url: string, timeoutMs = 10000): Promise<Subscriber> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { handshakeTimeout: timeoutMs, maxPayload: 16 << 20 });
      ws.once("open", () => resolve(new Subscriber(ws)));
      ws.once("error", reject);
    });
  }

  private onMessage(text: string): void {
    let m: { id?: number; result?: Json; error?: { code: number; message: string; data?: Json }; method?: string; params?: { subscription: string; result?: Json } };
    try {
      m = parseJson(text) as typeof m;
    } catch {
      return this.shutdown(new Error("the node sent a message that is not JSON"));
    }
    if (typeof m.id === "number") {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new RpcError(m.error.message, m.error.code, m.error.data));
      else p.resolve(m.result ?? null);
      return;
    }
    if (m.method === "svm_subscriptionError") {
      // The node drops the whole connection (a slow client): every subscription ends.
      const why = (m.params as { error?: { message?: string } } | undefined)?.error?.message ?? "dropped by the node";
      return this.shutdown(new Error(`subscriptions dropped: ${why}`));
    }
    if (m.method !== "svm_subscription" || !m.params) return;
    const sub = this.subs.get(m.params.subscription);
    if (sub) return sub.push(m.params.result);
    // A notification may overtake the answer to its svm_subscribe: keep it (bounded) until then.
    if (this.early.length < SUBSCRIPTION_BUFFER_MAX) this.early.push({ id: m.params.subscription, result: m.params.result ?? null });
  }

  private shutdown(e: Error): void {
    if (this.closed) return;
    this.closed = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    for (const s of this.subs.values()) s.fail(e);
  }

  /** Any JSON-RPC method over the socket. */
  call<T>(method: string, params: Json[] | { [k: string]: Json } = []): Promise<T> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (v) => resolve(v as T), reject });
      this.ws.send(stringifyJson({ jsonrpc: "2.0", id, method, params }));
    });
  }

  async subscribe<K extends keyof SubscriptionKinds>(
    kind: K, params: SubscriptionKinds[K]["params"] = {} as SubscriptionKinds[K]["params"],
  ): Promise<Subscription<SubscriptionKinds[K]["item"]>> {
    const args: Json[] = Object.keys(params).length ? [kind, params as { [k: string]: Json }] : [kind];
    const id = await this.call<string>("svm_subscribe", args);
    const s = new Subscription<SubscriptionKinds[K]["item"]>(id, this);
    this.subs.set(id, s as Subscription<unknown>);
    const mine = this.early.filter((e) => e.id === id);
    this.early = this.early.filter((e) => e.id !== id);
    for (const e of mine) s.push(e.result as SubscriptionKinds[K]["item"]);
    return s;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once("close", () => resolve());
      this.ws.close(1000);
    });
  }
}

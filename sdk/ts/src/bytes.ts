// Byte helpers shared by the encoders: hex, canonical LEB128 varints over u64, concatenation.
// u64 values are taken as number or bigint and checked to be integers in [0, 2^64).

export type U64 = number | bigint;

export const U64_MAX = (1n << 64n) - 1n;

/** The value as a bigint; throws RangeError unless it is an integer in [0, 2^64). */
export function u64(v: U64, what = "value"): bigint {
  if (typeof v === "number" && !Number.isSafeInteger(v))
    throw new RangeError(`${what}: ${v} is not a safe integer (pass a bigint)`);
  const b = BigInt(v);
  if (b < 0n || b > U64_MAX) throw new RangeError(`${what}: ${b} is outside u64`);
  return b;
}

export function toHex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

/** Decodes hex with an optional 0x prefix; throws on odd length or a non-hex digit. */
export function fromHex(s: string, expectLen?: number): Uint8Array {
  const h = s.startsWith("0x") || s.startsWith("0X") ? s.slice(2) : s;
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new TypeError(`not hex: '${s.slice(0, 20)}'`);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  if (expectLen !== undefined && out.length !== expectLen)
    throw new TypeError(`expected ${expectLen} bytes of hex, got ${out.length}`);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** memcmp order, as the C code sorts ids. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Canonical unsigned LEB128 (minimal, at most 10 bytes). */
export function varint(v: U64): Uint8Array {
  let x = u64(v);
  const out: number[] = [];
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) byte |= 0x80;
    out.push(byte);
  } while (x !== 0n);
  return Uint8Array.from(out);
}

/** Little-endian u64, as contracts take their integer inputs. */
export function u64le(v: U64): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, u64(v), true);
  return out;
}

/** Reads canonical encodings; every read throws DecodeError on truncation or a non-canonical value. */
export class DecodeError extends Error {}

export class Reader {
  private off = 0;
  constructor(private readonly buf: Uint8Array) {}

  get offset(): number {
    return this.off;
  }
  get remaining(): number {
    return this.buf.length - this.off;
  }
  u8(what: string): number {
    if (this.off >= this.buf.length) throw new DecodeError(`${what}: truncated at ${this.off}`);
    return this.buf[this.off++];
  }
  bytes(n: number, what: string): Uint8Array {
    if (n > this.remaining) throw new DecodeError(`${what}: truncated at ${this.off}`);
    const out = this.buf.slice(this.off, this.off + n);
    this.off += n;
    return out;
  }
  varint(what: string): bigint {
    let v = 0n;
    const start = this.off;
    for (let i = 0; i < 10; i++) {
      const b = this.u8(what);
      if (i === 9 && b > 1) throw new DecodeError(`${what}: varint over 64 bits at ${start}`);
      v |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) throw new DecodeError(`${what}: non-minimal varint at ${start}`);
        return v;
      }
    }
    throw new DecodeError(`${what}: varint too long at ${start}`);
  }
  /** A varint that must be ≤ max (lengths and counts). */
  len(max: number, what: string): number {
    const v = this.varint(what);
    if (v > BigInt(max)) throw new DecodeError(`${what}: ${v} over the limit ${max}`);
    return Number(v);
  }
  end(what: string): void {
    if (this.off !== this.buf.length) throw new DecodeError(`${what}: ${this.remaining} trailing bytes`);
  }
}

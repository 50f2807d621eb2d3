// Ed25519 keys (RFC 8032, from @noble/curves) and the CLI's JSON key files
// ({"scheme":"ed25519","id","public_key","secret_seed"}, as `supervm keys new` writes them).
import { ed25519 } from "@noble/curves/ed25519.js";
import { fromHex, toHex } from "./bytes.js";
import { identity, SCHEME_ED25519 } from "./ids.js";

export interface KeyFile {
  scheme: "ed25519";
  id: string;
  public_key: string;
  secret_seed: string;
}

export class Keypair {
  readonly scheme = SCHEME_ED25519;
  readonly publicKey: Uint8Array;
  readonly id: Uint8Array;

  private constructor(private readonly seed: Uint8Array) {
    this.publicKey = ed25519.getPublicKey(seed);
    this.id = identity(this.publicKey);
  }

  /** A new key from 32 random bytes (crypto.getRandomValues). */
  static generate(): Keypair {
    return new Keypair(ed25519.utils.randomSecretKey());
  }

  static fromSeed(seed: Uint8Array): Keypair {
    if (seed.length !== 32) throw new TypeError("an Ed25519 seed is 32 bytes");
    return new Keypair(Uint8Array.from(seed));
  }

  /** Parses a key file's JSON and checks its public key and id against the seed. */
  static fromKeyFile(text: string | KeyFile): Keypair {
    const k = (typeof text === "string" ? JSON.parse(text) : text) as KeyFile;
    if (k.scheme !== "ed25519") throw new TypeError(`key file: unknown scheme '${k.scheme}'`);
    const kp = Keypair.fromSeed(fromHex(k.secret_seed, 32));
    if (toHex(kp.publicKey) !== k.public_key.toLowerCase() || toHex(kp.id) !== k.id.toLowerCase())
      throw new TypeError("key file: public_key or id does not match secret_seed");
    return kp;
  }

  toKeyFile(): KeyFile {
    return { scheme: "ed25519", id: this.idHex, public_key: toHex(this.publicKey), secret_seed: toHex(this.seed) };
  }

  get idHex(): string {
    return toHex(this.id);
  }

  sign(message: Uint8Array): Uint8Array {
    return ed25519.sign(message, this.seed);
  }
}

/** Strict RFC 8032 verification (zip215 off), the rule closest to libsodium's. */
export function verifyEd25519(sig: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(sig, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

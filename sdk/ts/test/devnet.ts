// Starts the real `supervm devnet` for a test: free loopback ports, a temporary data directory,
// waits until it answers, and stops it (SIGTERM, then SIGKILL after 10 s) when asked.
import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "../src/index.js";

export const REPO = resolve(import.meta.dirname, "../../../..");
export const SUPERVM = process.env.SUPERVM_BIN ?? join(REPO, "build/supervm");

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

export interface Devnet {
  url: string;
  wsUrl: string;
  dir: string;
  client: Client;
  log: () => string;
  stop: () => Promise<void>;
}

export async function startDevnet(blockMs = 100): Promise<Devnet> {
  const dir = mkdtempSync(join(tmpdir(), "svm-sdk-"));
  const [port, wsPort] = [await freePort(), await freePort()];
  let out = "";
  const proc: ChildProcess = spawn(SUPERVM, ["devnet", "--data", dir, "--listen", `127.0.0.1:${port}`,
    "--ws", `127.0.0.1:${wsPort}`, "--block-ms", String(blockMs), "--log", "warn"], { stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const client = new Client(url);
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 10000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + 30000;
  for (;;) {
    try {
      const s = await client.status();
      if (Number(s.height) >= 1) break;
    } catch {
      /* not up yet */
    }
    if (proc.exitCode !== null || Date.now() > end) {
      await stop();
      throw new Error(`devnet did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, wsUrl: `ws://127.0.0.1:${wsPort}`, dir, client, log: () => out, stop };
}

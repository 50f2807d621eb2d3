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

// n distinct loopback ports that were free a moment ago: all n are held at once, then released.
// Asked for one at a time they can repeat (the kernel may hand a port just closed out again),
// and a devnet given the same port for RPC and WebSocket does not start.
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((res, rej) => {
      const s = createServer();
      s.once("error", rej);
      s.listen(0, "127.0.0.1", () => res(s));
    })),
  );
  const ports = servers.map((s) => {
    const a = s.address();
    return typeof a === "object" && a ? a.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
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
  const [port, wsPort] = await freePorts(2);
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

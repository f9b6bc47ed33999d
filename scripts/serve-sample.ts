/** Starts the BUILT `serve` on a throwaway copy of the sample store (for the dashboard's bench and screenshots). */
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export type SampleServer = { url: string; store: string; stop(): void };

export function serveSampleCopy(): Promise<SampleServer> {
  const root = mkdtempSync(join(tmpdir(), "session-events-sample-"));
  const store = join(root, "openclaw-state");
  cpSync(join(ROOT, "examples", "openclaw-state"), store, { recursive: true });
  mkdirSync(join(root, "cache"));
  const child = spawn(process.execPath, [join(ROOT, "dist", "src", "cli", "main.js"), "serve", "--listen", "127.0.0.1:0", "--store", store], {
    env: { ...process.env, SESSION_EVENTS_CACHE_DIR: join(root, "cache"), SESSION_EVENTS_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const stop = () => {
    child.kill("SIGTERM");
    child.once("exit", () => rmSync(root, { recursive: true, force: true }));
  };
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\S+)/.exec(out);
      if (match) resolve({ url: match[1]!, store, stop });
    });
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

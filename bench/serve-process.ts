/** The BUILT `session-events serve` as a child process, for the HTTP benchmark: start, wait, memory, stop. */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

export const MAIN_JS = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));

export type ServeProcess = {
  url: string;
  child: ChildProcess;
  /** The server's RSS now and its peak so far (VmRSS, VmHWM), MB; undefined where /proc is not there. */
  memory(): { rssMb: number; peakMb: number } | undefined;
  stop(): Promise<void>;
};

/** Starts `serve --listen 127.0.0.1:0` with these arguments; resolves once it printed its line. */
export function startServe(args: string[], env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const child = spawn(process.execPath, [MAIN_JS, "serve", "--listen", "127.0.0.1:0", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 60 s: ${stderr}`)), 60_000);
    void exited.then(() => reject(new Error(`serve exited with ${child.exitCode} before listening: ${stderr}`)));
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
      const match = /^listening on (http:\/\/\S+)\n/.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        url: match[1]!,
        child,
        memory: () => procMemory(child.pid!),
        stop: async () => {
          if (child.exitCode === null) child.kill("SIGTERM");
          await exited;
        },
      });
    });
  });
}

function procMemory(pid: number): { rssMb: number; peakMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
  } catch {
    return undefined;
  }
}

/** Samples the server's RSS while `work` runs; resolves to the work's result and the highest sample (MB). */
export async function withRssSampling<T>(server: ServeProcess, work: () => Promise<T>): Promise<{ result: T; maxRssMb?: number }> {
  let max: number | undefined;
  let running = true;
  const sampler = (async () => {
    while (running) {
      const rss = server.memory()?.rssMb;
      if (rss !== undefined) max = Math.max(max ?? 0, rss);
      await sleep(200);
    }
  })();
  try {
    return { result: await work(), maxRssMb: max };
  } finally {
    running = false;
    await sampler;
  }
}

/** Waits until /healthz says the background indexer has caught up; resolves to how long that took (ms). */
export async function waitForCatchUp(url: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const health = (await (await fetch(`${url}/healthz`)).json()) as { index?: { state?: string } };
    if (health.index?.state === "current") return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`the background indexer had not caught up after ${(timeoutMs / 1000).toFixed(0)} s: ${JSON.stringify(health.index)}`);
    await sleep(500);
  }
}

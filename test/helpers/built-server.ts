/** Shared code for tests that run the BUILT CLI / MCP server (dist/src/cli/main.js) as real child processes. */
import { execFile, execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll } from "vitest";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const MAIN_JS = join(PROJECT_ROOT, "dist", "src", "cli", "main.js");
export const SAMPLE_STORE = join(PROJECT_ROOT, "examples", "openclaw-state");
/** The dashboard's built page (npm run build writes dist/web from web/). */
export const WEB_INDEX = join(PROJECT_ROOT, "dist", "web", "index.html");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function isStale(): boolean {
  try {
    return (
      statSync(MAIN_JS).mtimeMs < newestMtime(join(PROJECT_ROOT, "src")) ||
      statSync(WEB_INDEX).mtimeMs < Math.max(newestMtime(join(PROJECT_ROOT, "web")), newestMtime(join(PROJECT_ROOT, "src", "contract")))
    );
  } catch {
    return true;
  }
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Runs `npm run build` when dist is missing or older than src. Test files run in parallel forks, so the
 * build is serialized with a lock directory; whoever gets the lock second re-checks and skips the build.
 */
export function ensureBuilt(): void {
  if (!isStale()) return;
  const lock = join(tmpdir(), `session-events-build-${Buffer.from(PROJECT_ROOT).toString("base64url").slice(-40)}.lock`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true }); // stale lock
      } catch {
        // it went away meanwhile
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lock}`);
      sleep(200);
    }
  }
  try {
    if (isStale()) execFileSync("npm", ["run", "build"], { cwd: PROJECT_ROOT, stdio: "pipe", timeout: 120_000 });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A throwaway copy of examples/openclaw-state plus a cache dir (for the cursor key), removed by cleanup(). */
export type Sandbox = { root: string; store: string; cacheDir: string; cleanup(): void };

export function sampleStoreCopy(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), "session-events-e2e-"));
  const store = join(root, "openclaw-state");
  const cacheDir = join(root, "cache");
  cpSync(SAMPLE_STORE, store, { recursive: true });
  mkdirSync(cacheDir);
  return { root, store, cacheDir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * For a test file driving the built CLI: the build checked and a copy of the sample store made before
 * its tests (removed after them), with a clean environment whose cache dir is the copy's. The fields
 * are set once the file's tests start.
 */
export function useSampleStoreCopy(): { box: Sandbox; env: Record<string, string> } {
  const sample = {} as { box: Sandbox; env: Record<string, string> };
  beforeAll(() => {
    ensureBuilt();
    sample.box = sampleStoreCopy();
    sample.env = cleanEnv({ SESSION_EVENTS_CACHE_DIR: sample.box.cacheDir });
  }, 180_000);
  afterAll(() => sample.box?.cleanup());
  return sample;
}

/**
 * The parent's environment without any SESSION_EVENTS_* / OPENCLAW_* settings, nor what sets the
 * CLI's width and colour (COLUMNS, FORCE_COLOR, NO_COLOR: piped output is then 100 columns, plain), plus `extra`.
 */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith("SESSION_EVENTS_") || key.startsWith("OPENCLAW_") || TERMINAL_SETTINGS.has(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

const TERMINAL_SETTINGS = new Set(["COLUMNS", "FORCE_COLOR", "NO_COLOR"]);

export type RunResult = { code: number; stdout: string; stderr: string };

/** Runs a command to completion (never rejects on a non-zero exit; does on timeout). */
export function run(command: string, args: string[], env: Record<string, string>, timeout = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: PROJECT_ROOT, env, timeout, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error as { killed?: boolean }).killed) {
        reject(new Error(`${command} ${args.join(" ")} timed out\n${stderr}`));
        return;
      }
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the built CLI: `node dist/src/cli/main.js ...args`. */
export function runCli(args: string[], env: Record<string, string>, timeout?: number): Promise<RunResult> {
  return run(process.execPath, [MAIN_JS, ...args], env, timeout);
}

export type Connected = { client: Client; transport: StdioClientTransport; stderr: () => string; close(): Promise<void> };

/** Starts the built server over stdio with `args` and connects the SDK's real Client to it. */
export async function connectServer(args: string[], env: Record<string, string>): Promise<Connected> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [MAIN_JS, ...args], env, cwd: PROJECT_ROOT, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: "session-events-e2e", version: "1.0.0" });
  await client.connect(transport);
  return {
    client,
    transport,
    stderr: () => stderr,
    close: async () => {
      await client.close().catch(() => undefined);
    },
  };
}

/**
 * What every NATS test sets up: the built CLI, a real nats-server (or a 3-node cluster), a temp state dir
 * and cache dir, and the bridge run as the user runs it; all taken down after the file's tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll } from "vitest";
import { closeAllNats } from "../../src/sources/jetstream/connect.js";
import { cleanEnv, ensureBuilt, MAIN_JS, PROJECT_ROOT, runCli, type RunResult } from "./built-server.js";
import { NatsCluster, NatsServer } from "./nats-server.js";
import { removeCacheDir, tempCacheDir } from "./temp-cache.js";
import { TempStateDir } from "./temp-store.js";

export type Bridge = { child: ChildProcess; said(): string; stop(): Promise<void> };

export class NatsBed {
  nats!: NatsServer | NatsCluster;
  store!: TempStateDir;
  cacheDir!: string;

  get url(): string {
    return this.nats.url;
  }

  get env(): Record<string, string> {
    return cleanEnv({ SESSION_EVENTS_CACHE_DIR: this.cacheDir });
  }

  /** `session-events publish --once` over the bed's store (or `--store` among `args`). */
  publishOnce(args: string[], timeout = 60_000): Promise<RunResult> {
    return runCli(["publish", ...this.storeArgs(args), "--nats", this.url, "--once", ...args], this.env, timeout);
  }

  /** A following bridge (`publish` without --once), its stderr kept. */
  async startBridge(args: string[]): Promise<Bridge> {
    const child = spawn(process.execPath, [MAIN_JS, "publish", ...this.storeArgs(args), "--nats", this.url, ...args], { cwd: PROJECT_ROOT, env: this.env, stdio: ["ignore", "ignore", "pipe"] });
    let said = "";
    child.stderr!.on("data", (chunk) => (said += String(chunk)));
    while (!said.includes("connecting") && child.exitCode === null) await sleep(20);
    return {
      child,
      said: () => said,
      stop: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
      },
    };
  }

  private storeArgs(args: string[]): string[] {
    return args.includes("--store") ? [] : ["--store", this.store.root];
  }
}

/** Registers the file's beforeAll/afterAll; the bed's fields are set once beforeAll ran. */
export function natsBed(name: string, options: { cluster?: boolean; before?: (bed: NatsBed) => Promise<void> | void } = {}): NatsBed {
  const bed = new NatsBed();
  beforeAll(async () => {
    ensureBuilt();
    bed.nats = options.cluster ? await NatsCluster.start() : await NatsServer.start();
    bed.store = new TempStateDir(`${name}-`);
    bed.cacheDir = tempCacheDir(`${name}-cache`);
    await options.before?.(bed);
  }, 180_000);
  afterAll(async () => {
    await closeAllNats();
    await bed.nats?.stop();
    bed.store?.remove();
    if (bed.cacheDir) removeCacheDir(bed.cacheDir);
  });
  return bed;
}

/** Polls `check` until it holds or `ms` pass. */
export async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await sleep(200);
  }
  return false;
}

/**
 * NATS restarted under a running bridge and a running reader: the bridge says so, reconnects, loses
 * nothing, and the reader answers again from the same server once it is back.
 */
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { querySessionsEvents } from "../src/engine/run-query.js";
import { closeAllNats } from "../src/sources/jetstream/connect.js";
import { cleanEnv, ensureBuilt, MAIN_JS, PROJECT_ROOT } from "./helpers/built-server.js";
import { contextFor } from "./helpers/context.js";
import { NatsServer } from "./helpers/nats-server.js";
import { readWholeStream } from "./helpers/nats-stream.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";
import { TempStateDir } from "./helpers/temp-store.js";

const SESSION = "22222222-0000-4000-8000-000000000001";
let nats: NatsServer;
let store: TempStateDir;
let cacheDir: string;

beforeAll(async () => {
  ensureBuilt();
  nats = await NatsServer.start();
  store = new TempStateDir("nats-restart-");
  cacheDir = tempCacheDir("nats-restart-cache");
  store.registry("main", { "agent:main:main": { sessionId: SESSION, updatedAt: Date.now(), sessionFile: `${SESSION}.jsonl` } });
  store.transcript("main", `${SESSION}.jsonl`, lines(0, 500));
}, 180_000);

afterAll(async () => {
  await closeAllNats();
  await nats?.stop();
  store?.remove();
  removeCacheDir(cacheDir);
});

let clock = Date.parse("2026-12-02T00:00:00Z");
function lines(from: number, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const ts = (clock += 5);
    return { type: "message", id: `m${from + i}`, parentId: null, timestamp: new Date(ts).toISOString(), message: { role: "user", content: `n ${from + i}`, timestamp: ts } };
  });
}

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await sleep(200);
  }
  return false;
}

describe("a NATS restart", () => {
  it("is survived by the bridge and by a reader: nothing lost, nothing twice", async () => {
    const bridge = spawn(process.execPath, [MAIN_JS, "publish", "--store", store.root, "--nats", nats.url, "--gateway", "gw-r"], {
      cwd: PROJECT_ROOT,
      env: cleanEnv({ SESSION_EVENTS_CACHE_DIR: cacheDir }),
      stdio: ["ignore", "ignore", "pipe"],
    });
    let said = "";
    bridge.stderr!.on("data", (chunk) => (said += String(chunk)));
    try {
      const reader = contextFor(nats.url);
      const count = async () => (await querySessionsEvents(reader, { groupBy: ["type"] })).groups?.[0]?.count ?? 0;
      expect(await until(async () => (await count()) === 500, 20_000)).toBe(true);

      await nats.down();
      store.append("main", `${SESSION}.jsonl`, lines(500, 300)); // written while NATS is away
      await sleep(1500);
      await nats.up();
      store.append("main", `${SESSION}.jsonl`, lines(800, 200));

      expect(await until(async () => (await count()) === 1000, 30_000), said).toBe(true);
      expect(said).toMatch(/disconnected from NATS/);
      expect(said).toMatch(/reconnected to NATS/);
      const ids = (await readWholeStream(nats.url)).map((m) => m.data.id);
      expect(ids.length).toBe(1000);
      expect(new Set(ids).size).toBe(1000);
    } finally {
      bridge.kill("SIGKILL");
    }
  }, 90_000);
});

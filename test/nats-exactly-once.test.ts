/**
 * Exactly once: the bridge is killed with SIGKILL at seeded random moments while a writer appends to the
 * transcripts, and restarted; in the end the stream holds every event of the store once, no more.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect, nanos } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { querySessionsEvents } from "../src/engine/run-query.js";
import { cleanEnv, ensureBuilt, MAIN_JS, PROJECT_ROOT, runCli } from "./helpers/built-server.js";
import { contextFor } from "./helpers/context.js";
import { NatsServer } from "./helpers/nats-server.js";
import { readWholeStream } from "./helpers/nats-stream.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";
import { TempStateDir } from "./helpers/temp-store.js";

const INITIAL = 10_000;
const SESSIONS = ["11111111-0000-4000-8000-000000000001", "11111111-0000-4000-8000-000000000002"];
let nats: NatsServer;
let store: TempStateDir;
let cacheDir: string;

beforeAll(async () => {
  ensureBuilt();
  nats = await NatsServer.start();
  store = new TempStateDir("nats-once-");
  cacheDir = tempCacheDir("nats-once-cache");
  store.registry("main", Object.fromEntries(SESSIONS.map((id, i) => [`agent:main:chat${i}`, { sessionId: id, updatedAt: Date.now(), sessionFile: `${id}.jsonl` }])));
  for (const id of SESSIONS) store.transcript("main", `${id}.jsonl`, lines(id, 0, INITIAL));
  // a duplicate window of 100 ms (the least it takes), shorter than a restart: JetStream's msgID dedupe cannot hide a second publish, the checkpoints must
  const nc = await connect({ servers: `127.0.0.1:${nats.port}` });
  await (await jetstreamManager(nc)).streams.add({ name: "openclaw-events", subjects: ["openclaw.events.>"], storage: StorageType.File, duplicate_window: nanos(100) });
  await nc.close();
}, 180_000);

afterAll(async () => {
  await nats?.stop();
  store?.remove();
  removeCacheDir(cacheDir);
});

let clock = Date.parse("2026-12-01T00:00:00Z");
function lines(sessionId: string, from: number, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const ts = (clock += 7);
    const n = from + i;
    return { type: "message", id: `${sessionId.slice(-4)}-${n}`, parentId: null, timestamp: new Date(ts).toISOString(), message: { role: n % 2 ? "assistant" : "user", content: `line ${n}`, timestamp: ts } };
  });
}

/** mulberry32: the kills land at the same moments on every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("the bridge under kill -9", () => {
  it("leaves every event in the stream exactly once, however often it is killed", async () => {
    const env = cleanEnv({ SESSION_EVENTS_CACHE_DIR: cacheDir });
    const args = [MAIN_JS, "publish", "--store", store.root, "--nats", nats.url, "--gateway", "gw-kill"];
    const random = seeded(27);
    const written = new Map(SESSIONS.map((id) => [id, INITIAL]));
    let writing = true;
    const writer = (async () => {
      while (writing) {
        for (const id of SESSIONS) {
          const n = written.get(id)!;
          store.append("main", `${id}.jsonl`, lines(id, n, 60));
          written.set(id, n + 60);
        }
        await sleep(50);
      }
    })();
    let bridge: ChildProcess | undefined;
    let recovered = 0;
    for (let kill = 0; kill < 5; kill++) {
      bridge = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
      let said = "";
      bridge.stderr!.on("data", (chunk) => (said += String(chunk)));
      // killed once it is at work (connected), at a random moment after
      while (!said.includes("connecting") && bridge.exitCode === null) await sleep(20);
      await sleep(300 + random() * 1200);
      bridge.kill("SIGKILL");
      await new Promise((resolve) => bridge!.once("exit", resolve));
      recovered += Number(/(\d+) event\(s\) found in the stream past the last checkpoint/.exec(said)?.[1] ?? 0);
    }
    writing = false;
    await writer;
    const last = await runCli(["publish", "--store", store.root, "--nats", nats.url, "--gateway", "gw-kill", "--once"], env, 60_000);
    expect(last.code, last.stderr).toBe(0);

    const messages = await readWholeStream(nats.url);
    const ids = messages.map((m) => m.data.id as string);
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
    expect(messages.every((m) => m.msgId === m.data.id)).toBe(true);

    const ctx = contextFor(store.root);
    const expected: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await querySessionsEvents(ctx, { limit: 500, cursor });
      expected.push(...page.events.map((e) => e.id));
      cursor = page.hasMore ? page.nextCursor : undefined;
    } while (cursor);
    expect(expected.length).toBe(SESSIONS.reduce((sum, id) => sum + written.get(id)!, 0));
    expect(new Set(ids)).toEqual(new Set(expected));
    expect(ids.length).toBe(expected.length);
    // some kills fell between the stream's ack and the checkpoint (else this test could not fail)
    expect(recovered).toBeGreaterThan(0);
  }, 120_000);
});

/**
 * A tail query on a long session reads the stream from the bridge's last mark in that session, not from
 * its first message (nor from sequence 1); a window, and a page after a cursor, from the mark before them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { querySessionEvents } from "../src/engine/run-query.js";
import { closeAllNats } from "../src/sources/jetstream/connect.js";
import { newReadStats } from "../src/sources/session.js";
import { cleanEnv, ensureBuilt, runCli } from "./helpers/built-server.js";
import { contextFor } from "./helpers/context.js";
import { NatsServer } from "./helpers/nats-server.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";
import { TempStateDir } from "./helpers/temp-store.js";

const SESSION = "55555555-0000-4000-8000-000000000001";
const EVENTS = 6500;
let nats: NatsServer;
let store: TempStateDir;
let cacheDir: string;

beforeAll(async () => {
  ensureBuilt();
  nats = await NatsServer.start();
  store = new TempStateDir("nats-tail-");
  cacheDir = tempCacheDir("nats-tail");
  store.registry("main", { "agent:main:main": { sessionId: SESSION, updatedAt: Date.parse("2026-12-04T00:00:00Z"), sessionFile: `${SESSION}.jsonl` } });
  const t0 = Date.parse("2026-12-04T00:00:00Z");
  store.transcript(
    "main",
    `${SESSION}.jsonl`,
    Array.from({ length: EVENTS }, (_, i) => ({ type: "message", id: `m${i}`, parentId: null, timestamp: new Date(t0 + i * 1000).toISOString(), message: { role: "user", content: `n ${i}` } })),
  );
  const result = await runCli(["publish", "--store", store.root, "--nats", nats.url, "--gateway", "gw-t", "--once"], cleanEnv({ SESSION_EVENTS_CACHE_DIR: cacheDir }), 60_000);
  expect(result.code, result.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await closeAllNats();
  await nats?.stop();
  store?.remove();
  removeCacheDir(cacheDir);
});

describe("a tail query on the stream", () => {
  it("reads the last stretch only, and answers as the files do", async () => {
    const stream = { ...contextFor(nats.url), workDone: newReadStats() };
    const files = contextFor(store.root);
    const tail = await querySessionEvents(stream, { sessionKey: "agent:main:main", order: "desc", limit: 5 });
    expect(tail.events.map((e) => e.seq)).toEqual([6500, 6499, 6498, 6497, 6496]);
    expect(tail.events.map((e) => e.payload)).toEqual((await querySessionEvents(files, { sessionKey: "agent:main:main", order: "desc", limit: 5 })).events.map((e) => e.payload));
    expect(stream.workDone.linesRead).toBeLessThanOrEqual(1000);

    // the next page of an ascending walk starts at the mark before its cursor
    const windowed = { ...contextFor(nats.url), workDone: newReadStats() };
    const first = await querySessionEvents(windowed, { sessionKey: "agent:main:main", since: "2026-12-04T01:40:00Z", limit: 3 });
    expect(first.events.map((e) => e.seq)).toEqual([6001, 6002, 6003]);
    // a window's first page starts at the mark before its start
    expect(windowed.workDone.linesRead).toBeLessThanOrEqual(1000);
    const fresh = { ...contextFor(nats.url), workDone: newReadStats() };
    const next = await querySessionEvents(fresh, { sessionKey: "agent:main:main", since: "2026-12-04T01:40:00Z", limit: 3, cursor: first.nextCursor });
    expect(next.events[0]!.seq).toBe(first.events[2]!.seq + 1);
    expect(fresh.workDone.linesRead).toBeLessThan(EVENTS - 4000);
  });
});

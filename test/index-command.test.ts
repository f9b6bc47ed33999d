/**
 * `session-events index` (cli/commands/index-command.ts, engine/warm-indexes.ts): indexes every
 * transcript into the cache dir, so the next process's first query seeks instead of reading a
 * transcript from its start; a second run reads nothing; the store is not touched.
 */
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { querySessionEvents } from "../src/engine/run-query.js";
import { searchSessions } from "../src/engine/search/search-sessions.js";
import { newReadStats } from "../src/sources/session.js";
import { cleanEnv, ensureBuilt, runCli } from "./helpers/built-server.js";
import { storeWithCaches, type AppOnCache } from "./helpers/cache-dirs.js";
import { conversation } from "./helpers/pi-lines.js";

const T0 = Date.parse("2026-05-01T08:00:00Z");
const TURNS = 20_000; // ~3 MB: many index intervals
const caches = storeWithCaches();

beforeAll(() => ensureBuilt(), 180_000);

/** Every file under the store with its size and modification time. */
function snapshot(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: "utf8" })
    .map((name) => {
      const info = statSync(join(root, name));
      return `${name} ${info.size} ${info.mtimeMs}`;
    })
    .sort();
}

/** The last minute of the long session, as a new process asks it; with what the query read. */
async function lastMinute(app: AppOnCache) {
  const ctx = { ...app, workDone: newReadStats() };
  const page = await querySessionEvents(ctx, { sessionKey: "agent:main:long", since: new Date(T0 + 2 * TURNS * 1000 - 60_000).toISOString(), limit: 50 });
  return { seqs: page.events.map((e) => e.seq), read: ctx.workDone };
}

describe("session-events index", () => {
  it("leaves indexes that spare the next process a read from the start, reads nothing the second time, and writes nothing into the store", async () => {
    const { store } = caches;
    store.registry("main", { "agent:main:long": { sessionId: "long", updatedAt: T0 }, "agent:main:short": { sessionId: "short", updatedAt: T0 } });
    const long = store.transcript("main", "long.jsonl", conversation("long", T0, TURNS));
    store.transcript("main", "short.jsonl", conversation("short", T0, 3));
    const size = statSync(long).size;
    const before = snapshot(store.root);

    const unindexed = await lastMinute(caches.app());
    expect(unindexed.read.bytesRead).toBeGreaterThan(size * 0.9); // no index: seq needs the whole transcript read

    const warmed = caches.app();
    const env = cleanEnv({ SESSION_EVENTS_CACHE_DIR: warmed.cacheDir });
    const first = await runCli(["index", "--store", store.root, "--json"], env);
    expect(first).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(first.stdout)).toMatchObject({ sessions: 2, read: 2, cacheDir: warmed.cacheDir });
    expect(JSON.parse(first.stdout).bytesRead).toBeGreaterThan(size);

    const next = await lastMinute(caches.app(warmed.cacheDir)); // a new process on the cache dir `index` filled
    expect(next.seqs).toEqual(unindexed.seqs);
    expect(next.seqs.length).toBeGreaterThan(0);
    expect(next.read.bytesRead).toBeLessThan(size / 10);

    const again = await runCli(["index", "--store", store.root], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^2 session\(s\) in .*: 0 read \(0\.0 MiB\), the rest already indexed/);
    expect(snapshot(store.root)).toEqual(before);
  });

  it("reads again only what changed since; a store that is not there is an error that names it", async () => {
    const { store } = caches;
    store.registry("main", { "agent:main:a": { sessionId: "a", updatedAt: T0 }, "agent:main:b": { sessionId: "b", updatedAt: T0 } });
    store.transcript("main", "a.jsonl", conversation("a", T0, 50));
    store.transcript("main", "b.jsonl", conversation("b", T0, 50));
    const cacheDir = caches.app().cacheDir;
    const env = cleanEnv({ SESSION_EVENTS_CACHE_DIR: cacheDir });
    expect(JSON.parse((await runCli(["index", "--store", store.root, "--json"], env)).stdout)).toMatchObject({ sessions: 2, read: 2, textIndexed: { sessions: 2, rebuilt: 2 } });
    store.append("main", "b.jsonl", conversation("b", T0 + 200_000, 2).slice(1));
    expect(JSON.parse((await runCli(["index", "--store", store.root, "--json"], env)).stdout)).toMatchObject({ sessions: 2, read: 1, textIndexed: { sessions: 1, rebuilt: 0, events: 4 } });
    // the next process's search is answered by the full-text index `index` left: no transcript is read
    const work = newReadStats();
    const found = await searchSessions({ ...caches.app(cacheDir), workDone: work }, { query: "nowhere-to-be-found" });
    expect(found.sessions).toEqual([]);
    expect(work.bytesRead).toBe(0);

    const missing = await runCli(["index", "--store", join(store.root, "nowhere")], env);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/nowhere/);
  });

  it("says so when the cache dir cannot be written, rather than report indexes it could not keep", async () => {
    const { store } = caches;
    store.registry("main", { "agent:main:a": { sessionId: "a", updatedAt: T0 } });
    store.transcript("main", "a.jsonl", conversation("a", T0, 50));
    const blocked = join(caches.app().cacheDir, "a-file");
    writeFileSync(blocked, "not a dir");
    const result = await runCli(["index", "--store", store.root], cleanEnv({ SESSION_EVENTS_CACHE_DIR: blocked }));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`cannot keep indexes: cache dir ${blocked} cannot be used (ENOTDIR)`);
  });
});

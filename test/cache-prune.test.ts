/**
 * The cache dir forgets sources that are gone (sources/cache-prune.ts): indexes, rollups and registry
 * copies of transcripts and stores removed since, once a day; what is still in use stays and answers.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAppContext } from "../src/app/context.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { openCacheDir } from "../src/sources/cache-dir.js";
import { unsealedText } from "../src/sources/cache-mac.js";
import { PRUNE_CHECK_EVERY_MS, PRUNE_EVERY_MS, pruneCache } from "../src/sources/cache-prune.js";
import { readFirstLine } from "../src/sources/cache-file.js";
import { flushIndexes, ROLLUPS_VERSION } from "../src/sources/index/index-store.js";
import { conversation } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";

const T0 = Date.parse("2026-04-01T08:00:00Z");
let kept: TempStateDir;
let gone: TempStateDir;
let cache: string;

beforeEach(() => {
  kept = new TempStateDir();
  gone = new TempStateDir();
  cache = tempCacheDir("prune-cache");
});
afterEach(() => {
  for (const dir of [kept.root, gone.root]) rmSync(dir, { recursive: true, force: true });
  removeCacheDir(cache);
});

const opened = (dir: string) => openCacheDir(dir).cache!;

const context = (store: TempStateDir) =>
  createAppContext({ store: store.root, clearance: "confidential" }, { SESSION_EVENTS_CACHE_DIR: cache, SESSION_EVENTS_CURSOR_SECRET: "prune-secret-0123456" });

/** What each cache file is for: index ids and registry paths from their headers, rollup ids from their lines. */
function cached(): { indexes: string[]; registries: string[]; listings: string[]; rollups: string[] } {
  const headers = (dir: string) =>
    readdirSync(join(cache, dir))
      .filter((name) => name.endsWith(".json"))
      .map((name) => JSON.parse(unsealedText(readFirstLine(join(cache, dir, name)))) as Record<string, string>);
  const rollupFile = readdirSync(join(cache, "index")).find((name) => name === `rollups-v${ROLLUPS_VERSION}.jsonl`);
  const rollupLines = rollupFile ? readFileSync(join(cache, "index", rollupFile), "utf8").split("\n").filter(Boolean) : [];
  return {
    indexes: headers("index").map((h) => h.id!).sort(),
    registries: headers("registries").filter((h) => h.listing === undefined).map((h) => h.registry!).sort(),
    // an agent's listing is kept beside its registry's copy, and goes with it
    listings: headers("registries").filter((h) => h.listing !== undefined).map((h) => h.registry!).sort(),
    rollups: rollupLines.map(unsealedText).map((line) => (JSON.parse(line.slice(0, line.indexOf("\t"))) as string[])[0]!).sort(),
  };
}

async function walk(store: TempStateDir, sessionKey: string): Promise<string[]> {
  const ctx = context(store);
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await querySessionEvents(ctx, { sessionKey, limit: 500, cursor });
    ids.push(...page.events.map((e) => e.id));
    cursor = page.hasMore ? page.nextCursor : undefined;
  } while (cursor);
  return ids;
}

describe("pruning the cache dir", () => {
  it("drops the indexes, rollups and registry copies of sources that are gone, once a day, and keeps the rest answering", async () => {
    // transcripts of a few hundred KB: longer than an index interval, so their indexes are written to disk
    kept.registry("main", { "agent:main:a": { sessionId: "a", updatedAt: T0 }, "agent:main:b": { sessionId: "b", updatedAt: T0 } });
    const a = kept.transcript("main", "a.jsonl", conversation("a", T0, 400));
    const b = kept.transcript("main", "b.jsonl", conversation("b", T0, 400));
    gone.registry("main", { "agent:main:c": { sessionId: "c", updatedAt: T0 } });
    const c = gone.transcript("main", "c.jsonl", conversation("c", T0, 400));
    const before = await walk(kept, "agent:main:a");
    await walk(kept, "agent:main:b");
    await walk(gone, "agent:main:c");
    for (const store of [kept, gone]) await querySessionsEvents(context(store), { groupBy: ["type"] }); // rollups
    flushIndexes();
    const registryOf = (store: TempStateDir) => join(store.sessionsDir("main"), "sessions.json");
    const registries = [registryOf(kept), registryOf(gone)].sort();
    const all = { indexes: [`file:${a}`, `file:${b}`, `file:${c}`].sort(), registries, listings: registries };
    expect(cached()).toEqual({ ...all, rollups: all.indexes });

    // b is reset (the gateway renames the transcript away), and the other store is deleted
    renameSync(b, `${b}.reset.${T0}`);
    gone.remove();
    const tomorrow = Date.now() + PRUNE_EVERY_MS + 1;
    const tmp = (name: string, minutesOld: number) => {
      writeFileSync(join(cache, "index", name), "half");
      const at = (tomorrow - minutesOld * 60_000) / 1000;
      utimesSync(join(cache, "index", name), at, at);
    };
    tmp("x.json.2.tmp", 10); // may still be being written
    tmp("y.json.1.tmp", 120); // left by a process that died
    writeFileSync(join(cache, "index", "rollups-v4.jsonl"), `${JSON.stringify([`file:${a}`, "1:2:3"])}\t{}\n`); // an older format's

    expect(pruneCache(opened(cache))).toBe(0); // the contexts above looked through it moments ago
    expect(cached()).toEqual({ ...all, rollups: all.indexes });
    const removed = pruneCache(opened(cache), tomorrow);
    expect(removed).toBe(8); // 2 indexes, 2 rollups, 1 registry copy and its agent's listing, 1 stale temporary file, the older rollups file
    expect(cached()).toEqual({ indexes: [`file:${a}`], registries: [registryOf(kept)], listings: [registryOf(kept)], rollups: [`file:${a}`] });
    expect(existsSync(join(cache, "index", "x.json.2.tmp"))).toBe(true);
    expect(existsSync(join(cache, "index", "y.json.1.tmp"))).toBe(false);
    expect(existsSync(join(cache, "index", "rollups-v4.jsonl"))).toBe(false);

    expect(await walk(kept, "agent:main:a")).toEqual(before);
    tmp("z.json.3.tmp", 120);
    expect(pruneCache(opened(cache), tomorrow + 3600_000)).toBe(0); // looked through an hour ago
    expect(pruneCache(opened(cache), tomorrow + PRUNE_EVERY_MS + 1)).toBe(2); // a day later: both temporary files are stale
  });

  it("prunes in a process that runs for days too, and writes nothing it pruned back", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const entry = (id: string) => ({ sessionId: id, updatedAt: T0 });
      kept.registry("main", { "agent:main:a": entry("a"), "agent:main:b": entry("b") });
      const a = kept.transcript("main", "a.jsonl", conversation("a", T0, 400));
      const b = kept.transcript("main", "b.jsonl", conversation("b", T0, 400));
      const server = context(kept); // one context for the whole test, as a running MCP server keeps
      const count = async () => (await querySessionsEvents(server, { groupBy: ["type"] })).groups?.reduce((sum, g) => sum + g.count, 0);
      const both = await count();
      flushIndexes();
      expect(cached()).toMatchObject({ indexes: [`file:${a}`, `file:${b}`], rollups: [`file:${a}`, `file:${b}`] });

      renameSync(b, `${b}.reset.${T0}`); // b is reset
      await count();
      expect(cached()).toMatchObject({ indexes: [`file:${a}`, `file:${b}`] }); // not a day yet

      vi.setSystemTime(Date.now() + PRUNE_EVERY_MS + PRUNE_CHECK_EVERY_MS);
      const onlyA = await count();
      expect(onlyA).toBeLessThan(both!);
      expect(cached()).toMatchObject({ indexes: [`file:${a}`], rollups: [`file:${a}`] });

      // a new session is counted: the server writes its index and rollup, and not b's again
      kept.registry("main", { "agent:main:a": entry("a"), "agent:main:c": entry("c") });
      const c = kept.transcript("main", "c.jsonl", conversation("c", T0, 400));
      vi.setSystemTime(Date.now() + 60_000); // (the clock stands still otherwise: the listing would be reused)
      expect(await count()).toBeGreaterThan(onlyA!);
      flushIndexes();
      expect(cached()).toMatchObject({ indexes: [`file:${a}`, `file:${c}`], rollups: [`file:${a}`, `file:${c}`] });
    } finally {
      vi.useRealTimers();
    }
  });

  it("counts a cache dir made within the day as looked through when it was made (no stamp yet)", () => {
    const dir = join(cache, "made-now");
    mkdirSync(join(dir, "index"), { recursive: true });
    writeFileSync(join(dir, "index", "stale.json.1.tmp"), "half");
    const old = (Date.now() - 2 * 3600_000) / 1000;
    utimesSync(join(dir, "index", "stale.json.1.tmp"), old, old);
    const made = statSync(dir).birthtimeMs;
    if (made === 0) return; // a file system without birth times: the dir is looked through at once, as before
    expect(pruneCache(opened(dir), made + 3600_000)).toBe(0);
    expect(statSync(join(dir, "pruned")).mtimeMs).toBeCloseTo(made, -1); // stamped as of the dir's making: the next process takes the stamp
    expect(existsSync(join(dir, "index", "stale.json.1.tmp"))).toBe(true);
    expect(pruneCache(opened(dir), made + PRUNE_EVERY_MS + 1)).toBe(1); // a day after its making, as for a stamp
  });
});

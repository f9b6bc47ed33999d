import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAppContext } from "../src/app/context.js";
import { querySessionsEvents } from "../src/engine/run-query.js";
import { OpenClawFileSource } from "../src/sources/openclaw/file-source.js";
import { RegistryFileReader } from "../src/sources/openclaw/registry-file.js";
import type { SessionInfo } from "../src/sources/session.js";
import { conversation, userLine } from "./helpers/pi-lines.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";
import { TempStateDir } from "./helpers/temp-store.js";

/**
 * The listing an agent leaves in the cache dir (agent-listing.ts): a new process that finds it lists
 * exactly what a process without it lists, whatever changed in the store between the two.
 */

const T0 = Date.parse("2026-03-10T09:00:00Z");
const HOUR = 3600_000;

/** Everything a listing and a query can ask of a session, as plain data. */
function describeSession(s: SessionInfo) {
  return {
    key: s.key,
    storeKey: s.storeKey,
    agent: s.agent,
    sessionId: s.sessionId,
    generation: s.generation,
    parentKey: s.parentKey,
    aliases: s.aliases,
    updatedAt: s.updatedAt,
    status: s.status,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    runtimeMs: s.runtimeMs,
    label: s.label,
    displayName: s.displayName,
    channel: s.channel,
    model: s.model,
    registered: s.registered,
    location: s.location,
    watchDir: s.watchDir,
    missing: s.missingTranscript?.(),
    activity: s.activity(),
  };
}

describe("an agent's listing kept in the cache dir", () => {
  let store: TempStateDir;
  let cache: string;
  let registry: Record<string, Record<string, unknown>>;

  const list = async (cacheDir?: string) => (await new OpenClawFileSource(store.root, cacheDir ? { registryCopies: cacheDir } : {}).list());
  /** What a new process finds with the cache dir the last one left, and what one without any finds: they must agree. */
  const restartedAndCold = async () => {
    const restarted = await list(cache);
    const cold = await list();
    return { restarted: restarted.sessions.map(describeSession), cold: cold.sessions.map(describeSession), warnings: [restarted.warnings, cold.warnings] };
  };
  const writeRegistry = () => store.registry("main", registry);
  /** Past the clock's grain: a listing is only kept under a stamp that a later change must move. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

  beforeEach(async () => {
    store = new TempStateDir();
    cache = tempCacheDir("session-events-listing");
    registry = {
      "agent:main:main": { sessionId: "m", updatedAt: T0 + HOUR, label: "main chat", channel: "telegram", model: "gpt" },
      "agent:main:subagent:s1": { sessionId: "s1", updatedAt: T0, spawnedBy: "agent:main:main", status: "done", endedAt: T0 + 60_000, runtimeMs: 5 },
      "agent:main:cron:job": { sessionId: "r1", updatedAt: T0 },
      "agent:main:cron:job:run:r1": { sessionId: "r1", updatedAt: T0, status: "done" },
      "agent:main:gone": { sessionId: "nothere", updatedAt: T0 },
      "agent:main:nested": { sessionId: "n", sessionFile: "sub/n.jsonl", updatedAt: T0 },
      "agent:main:broken": { label: "no id" },
    };
    writeRegistry();
    store.transcript("main", "m.jsonl", conversation("m", T0, 2));
    store.transcript("main", "s1.jsonl", conversation("s1", T0, 1));
    store.transcript("main", "r1.jsonl", conversation("r1", T0, 1));
    mkdirSync(join(store.sessionsDir("main"), "sub"));
    store.transcript("main", "sub/n.jsonl", conversation("n", T0, 1));
    store.transcript("main", "loose.jsonl", conversation("loose", T0, 1));
    store.transcript("main", "old.jsonl.reset.2026-03-09T08-00-00.000Z", conversation("old", T0 - 24 * HOUR, 1));
    await settle();
    await list(cache); // the first process, which leaves the listing
  });
  afterEach(() => {
    vi.restoreAllMocks();
    store.remove();
    removeCacheDir(cache);
  });

  it("is left beside the registry's copy, and a new process lists from it without reading the registry", async () => {
    // (a source given a folder uses it as a cache dir of its own: the copies are right in it)
    const files = readdirSync(cache).filter((name) => name.endsWith(".json"));
    const headers = files.map((name) => readFileSync(join(cache, name), "utf8").split("\n")[0]!);
    expect(headers.filter((h) => h.includes('"listing":'))).toHaveLength(1);
    const reads = vi.spyOn(RegistryFileReader.prototype, "read");
    const { restarted, cold, warnings } = await restartedAndCold();
    expect(reads).toHaveBeenCalledTimes(1); // the cold one's
    expect(restarted).toEqual(cold);
    expect(warnings[0]).toEqual(warnings[1]);
    expect(warnings[0]).toEqual([expect.stringContaining('"agent:main:broken" has no usable sessionId')]);
    // every kind of row came through: aliases, a missing transcript, a nested one, one not listed, an archive
    expect(restarted.map((s) => s.key)).toEqual([
      "agent:main:main",
      "agent:main:subagent:s1",
      "agent:main:cron:job:run:r1",
      "agent:main:gone",
      "agent:main:nested",
      "agent:main:unregistered:loose",
      "agent:main:unregistered:old",
    ]);
    expect(restarted[2]!.aliases).toEqual([{ key: "agent:main:cron:job", storeKey: "agent:main:cron:job" }]);
    expect(restarted[3]!.missing).toBe("nothere.jsonl");
    expect(restarted[6]!.generation).toBe("earlier");
  });

  it("is not used when it does not verify (forged, or damaged), and the registry is read instead", async () => {
    const file = readdirSync(cache)
      .map((name) => join(cache, name))
      .find((path) => path.endsWith(".json") && readFileSync(path, "utf8").split("\n")[0]!.includes('"listing":'))!;
    // a neighbour makes the subagent the caller's child, and adds a session
    const forged = readFileSync(file, "utf8").replace('"agent:main:subagent:s1"', '"agent:main:planted"').replace('"spawnedBy":"agent:main:main"', '"spawnedBy":"agent:main:x"');
    expect(forged).not.toBe(readFileSync(file, "utf8"));
    writeFileSync(file, forged);
    const reads = vi.spyOn(RegistryFileReader.prototype, "read");
    const { restarted, cold } = await restartedAndCold();
    expect(reads).toHaveBeenCalledTimes(2);
    expect(restarted).toEqual(cold);
    expect(restarted.map((s) => s.key)).not.toContain("agent:main:planted");
    writeFileSync(file, readFileSync(file, "utf8").slice(0, 100)); // (written anew above; now cut short)
    expect((await restartedAndCold()).restarted).toEqual(cold);
  });

  it("gives the same sessions as a cold listing after a session is added", async () => {
    registry["agent:main:new"] = { sessionId: "new", updatedAt: T0 + 2 * HOUR };
    writeRegistry();
    store.transcript("main", "new.jsonl", conversation("new", T0 + 2 * HOUR, 1));
    const { restarted, cold } = await restartedAndCold();
    expect(restarted).toEqual(cold);
    expect(restarted.map((s) => s.key)).toContain("agent:main:new");
  });

  it("gives the same sessions as a cold listing after a session is removed", async () => {
    delete registry["agent:main:subagent:s1"];
    writeRegistry();
    rmSync(join(store.sessionsDir("main"), "s1.jsonl"));
    const { restarted, cold } = await restartedAndCold();
    expect(restarted).toEqual(cold);
    expect(restarted.map((s) => s.key)).not.toContain("agent:main:subagent:s1");
  });

  it("gives the same sessions as a cold listing after a transcript is renamed (a reset), the registry untouched", async () => {
    renameSync(join(store.sessionsDir("main"), "s1.jsonl"), join(store.sessionsDir("main"), "s1.jsonl.reset.2026-03-10T10-00-00.000Z"));
    const { restarted, cold } = await restartedAndCold();
    expect(restarted).toEqual(cold);
    expect(restarted.find((s) => s.key === "agent:main:subagent:s1")!.missing).toBe("s1.jsonl");
  });

  it("gives the same sessions as a cold listing after a transcript comes to a missing entry, the registry untouched", async () => {
    store.transcript("main", "nothere.jsonl", conversation("nothere", T0, 1));
    const { restarted, cold } = await restartedAndCold();
    expect(restarted).toEqual(cold);
    expect(restarted.find((s) => s.key === "agent:main:gone")!.missing).toBeUndefined();
  });

  it("gives the same sessions as a cold listing after the registry is edited in place, its size and times put back", async () => {
    const path = join(store.sessionsDir("main"), "sessions.json");
    const before = statSync(path);
    writeFileSync(path, readFileSync(path, "utf8").replace('"main chat"', '"MAIN CHAT"'));
    utimesSync(path, before.atime, before.mtime);
    const { restarted, cold } = await restartedAndCold();
    expect(restarted).toEqual(cold);
    expect(restarted[0]!.label).toBe("MAIN CHAT");
  });

  it("gives the same activity as a cold listing after a transcript is appended to (nothing else changes)", async () => {
    const path = join(store.sessionsDir("main"), "s1.jsonl");
    store.append("main", "s1.jsonl", [userLine(T0 + 5 * HOUR, "later")]);
    utimesSync(path, (T0 + 5 * HOUR) / 1000, (T0 + 5 * HOUR) / 1000);
    const reads = vi.spyOn(RegistryFileReader.prototype, "read");
    const { restarted, cold } = await restartedAndCold();
    expect(reads).toHaveBeenCalledTimes(1); // the listing was still good: only the cold one read the registry
    expect(restarted).toEqual(cold);
    expect(restarted.find((s) => s.key === "agent:main:subagent:s1")!.activity).toBeGreaterThanOrEqual(T0 + 5 * HOUR);
  });

  it("answers a query in a new process as a process without it does, after a transcript was appended to between them", async () => {
    const since = T0 + 4 * HOUR;
    const context = (cacheDir: string) =>
      createAppContext({ store: store.root, clearance: "confidential" }, { SESSION_EVENTS_CURSOR_SECRET: "test-secret-0123456789", SESSION_EVENTS_CACHE_DIR: cacheDir });
    const answer = async (cacheDir: string) => {
      const page = await querySessionsEvents(context(cacheDir), { sessionKey: "*", since, limit: 50 });
      return page.events.map((e) => [e.session, e.seq, e.type]);
    };
    expect(await answer(cache)).toEqual([]); // (the cache dir now has what a query's process leaves)
    store.append("main", "s1.jsonl", [userLine(since + 1000, "late news")]);
    store.append("main", "m.jsonl", [userLine(since + 2000, "and more")]);
    const fresh = tempCacheDir("session-events-listing-cold");
    try {
      const cold = await answer(fresh);
      expect(cold.map(([session]) => session)).toEqual(["agent:main:subagent:s1", "agent:main:main"]);
      expect(await answer(cache)).toEqual(cold);
    } finally {
      removeCacheDir(fresh);
    }
  });
});

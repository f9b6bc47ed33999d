import fc from "fast-check";
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IndexStore } from "../src/sources/index/index-store.js";
import { OpenClawFileSource } from "../src/sources/openclaw/file-source.js";
import { ENTRY_FIELDS, sessionFromEntry, slimEntry } from "../src/sources/openclaw/registry-entry.js";
import { RegistryFileReader } from "../src/sources/openclaw/registry-file.js";
import { transcriptPathOf } from "../src/sources/openclaw/transcript-files.js";
import type { SessionInfo } from "../src/sources/session.js";
import { conversation } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";

/** Registry copies (registry-file.ts): slim entries, kept in the cache dir for the next process. */

const T0 = Date.parse("2026-03-10T09:00:00Z");
/** What a real entry carries besides the fields sessions are made from (OpenClaw issue #57534: ~43 KB each). */
const FAT = { skillsSnapshot: { prompt: "<skill>".repeat(2000), skills: [{ name: "a" }], version: 3 }, origin: { provider: "telegram" }, inputTokens: 5 };

/** Everything a listing and a query can ask of a session, as plain data. */
function describeSession(session: SessionInfo) {
  const { key, storeKey, agent, sessionId, parentKey, updatedAt, status, startedAt, endedAt, runtimeMs, label, displayName, channel, model, registered } = session;
  return { key, storeKey, agent, sessionId, parentKey, updatedAt, status, startedAt, endedAt, runtimeMs, label, displayName, channel, model, registered, activity: session.activity?.() };
}

function sessionOf(entry: Record<string, unknown>): SessionInfo {
  return sessionFromEntry({
    agent: "main",
    storeKey: "agent:main:x",
    sessionId: "s",
    entry,
    source: "openclaw-files",
    location: "/nowhere/s.jsonl",
    open: () => {
      throw new Error("not read");
    },
    indexes: new IndexStore(undefined),
  });
}

describe("slimEntry", () => {
  const anyValue = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom("2026-03-10T09:00:00Z", "1773133200000", "done", "agent:main:parent", "s.jsonl", "../x.jsonl", "C:\\s\\a.jsonl"),
    fc.double(),
    fc.integer({ min: 0, max: 2e12 }),
    fc.boolean(),
    fc.constant(null),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
    fc.array(fc.integer(), { maxLength: 2 }),
  );
  const entries = fc.tuple(
    fc.dictionary(fc.constantFrom(...ENTRY_FIELDS), anyValue),
    fc.dictionary(fc.string({ maxLength: 12 }), anyValue, { maxKeys: 4 }),
  ).map(([known, extra]) => ({ ...extra, ...known }));

  it("keeps what sessions are made of: a session and its transcript path are the same from the slim entry", () => {
    fc.assert(
      fc.property(entries, (entry) => {
        const slim = slimEntry(entry);
        expect(describeSession(sessionOf(slim))).toEqual(describeSession(sessionOf(entry)));
        expect(transcriptPathOf("/store/agents/main/sessions", slim)).toBe(transcriptPathOf("/store/agents/main/sessions", entry));
      }),
      { numRuns: 500 },
    );
  });

  it("drops everything else", () => {
    const slim = slimEntry({ sessionId: "a", updatedAt: T0, label: { nested: true }, ...FAT });
    expect(slim).toEqual({ sessionId: "a", updatedAt: T0 });
  });
});

describe("RegistryFileReader with a cache dir", () => {
  let store: TempStateDir;
  let cache: string;
  let path: string;
  const registry = { "agent:main:a": { sessionId: "a", updatedAt: T0, label: "first", ...FAT }, "agent:main:b": { sessionId: "b", updatedAt: T0 + 1, ...FAT } };
  const slim = [
    ["agent:main:a", { sessionId: "a", updatedAt: T0, label: "first" }],
    ["agent:main:b", { sessionId: "b", updatedAt: T0 + 1 }],
  ];
  beforeEach(() => {
    store = new TempStateDir();
    cache = tempCacheDir("session-events-copies");
    path = join(store.sessionsDir("main"), "sessions.json");
    store.registry("main", registry);
  });
  afterEach(() => {
    store.remove();
    removeCacheDir(cache);
  });

  it("leaves a slim copy in the cache dir (not in the store) that the next process reads instead of the registry", async () => {
    const storeFiles = readdirSync(store.sessionsDir("main"));
    const first = await new RegistryFileReader(cache).read(path);
    expect(first!.from).toBe("registry");
    expect([...first!.entries]).toEqual(slim);
    expect(readdirSync(store.sessionsDir("main"))).toEqual(storeFiles);
    const copies = readdirSync(cache).filter((name) => name.endsWith(".json"));
    expect(copies).toHaveLength(1);
    expect(statSync(join(cache, copies[0]!)).size).toBeLessThan(statSync(path).size / 10);

    const next = await new RegistryFileReader(cache).read(path);
    expect(next!.from).toBe("cache");
    expect([...next!.entries]).toEqual(slim);
    expect(next!.stale).toBeUndefined();
  });

  it("reads a registry that changed since its copy was left, even in place with its size and times put back", async () => {
    await new RegistryFileReader(cache).read(path);
    store.registry("main", { ...registry, "agent:main:c": { sessionId: "c", updatedAt: T0 + 2 } });
    const grown = await new RegistryFileReader(cache).read(path);
    expect(grown!.from).toBe("registry");
    expect([...grown!.entries.keys()]).toEqual(["agent:main:a", "agent:main:b", "agent:main:c"]);

    // same inode, same size, same mtime (whole seconds, which utimes sets exactly): only the change time tells
    utimesSync(path, T0 / 1000, T0 / 1000);
    expect((await new RegistryFileReader(cache).read(path))!.from).toBe("registry");
    const before = statSync(path);
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeFileSync(path, readFileSync(path, "utf8").replace('"label": "first"', '"label": "FIRST"'));
    utimesSync(path, T0 / 1000, T0 / 1000);
    const after = statSync(path);
    expect([after.ino, after.size, after.mtimeMs]).toEqual([before.ino, before.size, before.mtimeMs]);
    const edited = await new RegistryFileReader(cache).read(path);
    expect(edited!.from).toBe("registry");
    expect(edited!.entries.get("agent:main:a")!.label).toBe("FIRST");
  });

  it("gives a new process the copy as the last good one when the registry is caught half-written", async () => {
    await new RegistryFileReader(cache).read(path);
    writeFileSync(path, '{"agent:main:a":{"sessionId":"a","upd');
    const half = await new RegistryFileReader(cache).read(path);
    expect(half!.from).toBe("cache");
    expect(half!.stale).toMatch(/JSON/);
    expect([...half!.entries]).toEqual(slim);
    await expect(new RegistryFileReader().read(path)).rejects.toThrow(`cannot read session registry ${path}`);
  });

  it("ignores a copy it cannot use (damaged, or of another registry) and reads the registry", async () => {
    await new RegistryFileReader(cache).read(path);
    const copies = () => readdirSync(cache).filter((f) => f.endsWith(".json")).map((f) => join(cache, f)); // (the dir also keeps its key)
    const copy = copies()[0]!;
    writeFileSync(copy, readFileSync(copy, "utf8").slice(0, 60));
    const damaged = await new RegistryFileReader(cache).read(path);
    expect(damaged!.from).toBe("registry");
    expect([...damaged!.entries]).toEqual(slim);

    const other = join(store.sessionsDir("work"), "sessions.json");
    writeFileSync(other, JSON.stringify({ "agent:work:w": { sessionId: "w", updatedAt: T0 } }));
    await new RegistryFileReader(cache).read(other);
    const otherCopy = copies().find((f) => f !== copy)!;
    writeFileSync(copy, readFileSync(otherCopy)); // a copy of the work registry where main's belongs
    writeFileSync(path, '{"agent:main:a":{"sessionId":"a","upd');
    await expect(new RegistryFileReader(cache).read(path)).rejects.toThrow(`cannot read session registry ${path}`);
  });

  it("lists the same sessions from the copy as from the registry", async () => {
    store.transcript("main", "a.jsonl", conversation("a", T0, 2));
    const fromRegistry = await new OpenClawFileSource(store.root, { registryCopies: cache }).list();
    const fromCopy = await new OpenClawFileSource(store.root, { registryCopies: cache }).list();
    expect(fromCopy.sessions.map(describeSession)).toEqual(fromRegistry.sessions.map(describeSession));
    expect(fromCopy.sessions.map((s) => s.key)).toEqual(["agent:main:a", "agent:main:b"]);
  });
});

import { rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenClawFileSource } from "../src/sources/openclaw/file-source.js";
import { RegistryFileReader } from "../src/sources/openclaw/registry-file.js";
import { resolveStateDir } from "../src/sources/openclaw/state-dir.js";
import { conversation } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

/** registry-file.ts (sessions.json reads, cache, last-good fallback) and state-dir.ts (STORES.md §1). */

const T0 = Date.parse("2026-03-10T09:00:00Z");

describe("resolveStateDir", () => {
  const HOME = "/home/u";
  const existing = (...paths: string[]) => {
    const set = new Set(paths);
    return (path: string) => set.has(path);
  };
  const resolveWith = (env: NodeJS.ProcessEnv, ...paths: string[]) => resolveStateDir({ env, home: HOME, exists: existing(...paths) });

  it("takes OPENCLAW_STATE_DIR first, then CLAWDBOT_STATE_DIR, whatever exists", () => {
    const all = ["/home/u/.openclaw", "/home/u/.clawdbot"];
    expect(resolveWith({ OPENCLAW_STATE_DIR: "/srv/a", CLAWDBOT_STATE_DIR: "/srv/b" }, ...all)).toBe("/srv/a");
    expect(resolveWith({ CLAWDBOT_STATE_DIR: "/srv/b" }, ...all)).toBe("/srv/b");
    expect(resolveWith({ OPENCLAW_STATE_DIR: "  ", CLAWDBOT_STATE_DIR: "/srv/b" }, ...all)).toBe("/srv/b");
    expect(resolveWith({ OPENCLAW_STATE_DIR: "" }, ...all)).toBe("/home/u/.openclaw");
  });

  it("expands ~ in a state-dir variable and resolves a relative one", () => {
    expect(resolveWith({ OPENCLAW_STATE_DIR: "~/state" })).toBe("/home/u/state");
    expect(resolveWith({ OPENCLAW_STATE_DIR: "~" })).toBe("/home/u");
    expect(resolveWith({ CLAWDBOT_STATE_DIR: "rel/dir" })).toBe(resolve("rel/dir"));
  });

  it("prefers ~/.openclaw when it exists, even if legacy dirs exist too", () => {
    expect(resolveWith({}, "/home/u/.openclaw", "/home/u/.clawdbot", "/home/u/.moltbot")).toBe("/home/u/.openclaw");
  });

  it("else takes the first existing legacy dir in the order .clawdbot, .moldbot, .moltbot", () => {
    expect(resolveWith({}, "/home/u/.clawdbot", "/home/u/.moldbot", "/home/u/.moltbot")).toBe("/home/u/.clawdbot");
    expect(resolveWith({}, "/home/u/.moldbot", "/home/u/.moltbot")).toBe("/home/u/.moldbot");
    expect(resolveWith({}, "/home/u/.moltbot")).toBe("/home/u/.moltbot");
  });

  it("else falls back to ~/.openclaw", () => {
    expect(resolveWith({})).toBe("/home/u/.openclaw");
    expect(resolveWith({}, "/home/u/.somethingelse")).toBe("/home/u/.openclaw");
  });

  it("uses OPENCLAW_HOME in place of ~ everywhere", () => {
    const env = { OPENCLAW_HOME: "/srv/oc" };
    expect(resolveWith(env)).toBe("/srv/oc/.openclaw");
    expect(resolveWith(env, "/home/u/.openclaw", "/srv/oc/.moltbot")).toBe("/srv/oc/.moltbot");
    expect(resolveWith(env, "/home/u/.openclaw", "/srv/oc/.openclaw", "/srv/oc/.clawdbot")).toBe("/srv/oc/.openclaw");
    expect(resolveWith({ ...env, OPENCLAW_STATE_DIR: "~/state" })).toBe("/srv/oc/state");
    expect(resolveWith({ OPENCLAW_HOME: "~/alt" })).toBe("/home/u/alt/.openclaw");
    expect(resolveWith({ OPENCLAW_HOME: "relhome" })).toBe(join(process.cwd(), "relhome", ".openclaw"));
  });

  it("checks the real file system by default", () => {
    const store = new TempStateDir();
    try {
      expect(resolveStateDir({ env: {}, home: store.root })).toBe(join(store.root, ".openclaw"));
      store.file(".moldbot/agents/.keep", "");
      expect(resolveStateDir({ env: {}, home: store.root })).toBe(join(store.root, ".moldbot"));
      store.file(".openclaw/agents/.keep", "");
      expect(resolveStateDir({ env: {}, home: store.root })).toBe(join(store.root, ".openclaw"));
    } finally {
      store.remove();
    }
  });
});

describe("RegistryFileReader", () => {
  let store: TempStateDir;
  let path: string;
  beforeEach(() => {
    store = new TempStateDir();
    path = join(store.sessionsDir("main"), "sessions.json");
  });
  afterEach(() => store.remove());

  it("returns the entries keyed as stored, dropping entries that are not objects", async () => {
    store.registry("main", { main: { sessionId: "a", updatedAt: T0 }, "agent:main:x": { sessionId: "b", updatedAt: T0 }, bad: "nope" as never, alsoBad: null as never });
    const read = await new RegistryFileReader().read(path);
    expect(read!.stale).toBeUndefined();
    expect([...read!.entries]).toEqual([
      ["main", { sessionId: "a", updatedAt: T0 }],
      ["agent:main:x", { sessionId: "b", updatedAt: T0 }],
    ]);
  });

  it("accepts a registry with a BOM", async () => {
    writeFileSync(path, "\ufeff" + JSON.stringify({ main: { sessionId: "a", updatedAt: T0 } }));
    const read = await new RegistryFileReader().read(path);
    expect([...read!.entries.keys()]).toEqual(["main"]);
  });

  it("returns undefined for a missing registry", async () => {
    expect(await new RegistryFileReader().read(join(store.root, "nowhere", "sessions.json"))).toBeUndefined();
  });

  it("serves an unchanged registry from its cache and re-reads a changed one", async () => {
    store.registry("main", { main: { sessionId: "a", updatedAt: T0 } });
    const reader = new RegistryFileReader();
    const first = await reader.read(path);
    const second = await reader.read(path);
    expect(second!.entries).toBe(first!.entries);
    store.registry("main", { main: { sessionId: "a", updatedAt: T0 }, other: { sessionId: "b", updatedAt: T0 + 1 } });
    const third = await reader.read(path);
    expect(third!.entries).not.toBe(first!.entries);
    expect([...third!.entries.keys()]).toEqual(["main", "other"]);
    expect(third!.stale).toBeUndefined();
  });

  it("falls back to the last good copy when the registry is caught half-written, and says so", async () => {
    store.registry("main", { main: { sessionId: "a", updatedAt: T0 }, other: { sessionId: "b", updatedAt: T0 } });
    const reader = new RegistryFileReader();
    const good = await reader.read(path);
    writeFileSync(path, '{"main":{"sessionId":"a","updatedAt":1773133200000},"oth');
    const half = await reader.read(path);
    expect(half!.entries).toBe(good!.entries);
    expect(half!.stale).toEqual(expect.any(String));
    expect(half!.stale!.length).toBeGreaterThan(0);
    store.registry("main", { main: { sessionId: "a2", updatedAt: T0 + 5 } });
    const fixed = await reader.read(path);
    expect(fixed!.stale).toBeUndefined();
    expect(fixed!.entries.get("main")).toEqual({ sessionId: "a2", updatedAt: T0 + 5 });
  });

  it("throws a clear error for a first-ever invalid registry, and for one that is not a JSON object", async () => {
    writeFileSync(path, '{"main":{"sessionId":');
    await expect(new RegistryFileReader().read(path)).rejects.toThrow(`cannot read session registry ${path}`);
    writeFileSync(path, "[1,2,3]");
    await expect(new RegistryFileReader().read(path)).rejects.toThrow(/not a JSON object/);
  });
});

describe("OpenClawFileSource registry problems", () => {
  let store: TempStateDir;
  beforeEach(() => {
    store = new TempStateDir();
  });
  afterEach(() => store.remove());

  it("turns a first-ever invalid registry into a warning and still lists the other agents", async () => {
    store.sessionsDir("broken");
    writeFileSync(join(store.sessionsDir("broken"), "sessions.json"), "{ not json");
    store.registry("main", { "agent:main:main": { sessionId: "m", updatedAt: T0 } });
    store.transcript("main", "m.jsonl", conversation("m", T0, 1));
    const listing = await new OpenClawFileSource(store.root).list();
    expect(listing.sessions.map((s) => s.key)).toEqual(["agent:main:main"]);
    expect(listing.warnings).toHaveLength(1);
    expect(listing.warnings[0]).toMatch(/^agent broken: cannot read session registry .*sessions\.json/);
  });

  it("keeps listing from the last good registry when it is caught half-written, with a warning", async () => {
    store.registry("main", { "agent:main:main": { sessionId: "m", updatedAt: T0 }, "agent:main:x": { sessionId: "x", updatedAt: T0 } });
    const source = new OpenClawFileSource(store.root);
    const before = await source.list();
    expect(before.warnings).toEqual([]);
    writeFileSync(join(store.sessionsDir("main"), "sessions.json"), '{"agent:main:main":{"sessionId":"m"');
    const during = await source.list();
    expect(during.sessions.map((s) => s.key)).toEqual(["agent:main:main", "agent:main:x"]);
    expect(during.warnings).toHaveLength(1);
    expect(during.warnings[0]).toMatch(/^agent main: using the last good copy of .*sessions\.json/);
  });

  it("warns about an entry with no usable sessionId and lists the rest", async () => {
    store.registry("main", { "agent:main:ok": { sessionId: "ok", updatedAt: T0 }, "agent:main:bad": { updatedAt: T0 } });
    const listing = await new OpenClawFileSource(store.root).list();
    expect(listing.sessions.map((s) => s.key)).toEqual(["agent:main:ok"]);
    expect(listing.warnings).toEqual(['agent main: registry entry "agent:main:bad" has no usable sessionId']);
  });

  it("lists nothing and warns nothing for a state dir without agents", async () => {
    rmSync(join(store.root, "agents"), { recursive: true, force: true });
    expect(await new OpenClawFileSource(store.root).list()).toEqual({ sessions: [], warnings: [] });
  });
});

/**
 * The cache dir under a hostile neighbour (issue 30, finding 3): a cache dir (or key file) another user
 * owns or may write is refused, nothing in it is followed through a symlink, files are made exclusively,
 * and what is read back must carry our MAC. Real files, real symlinks, real owners (tests run as root
 * here; where they do not, the tests that need chown are skipped).
 */
import { chmodSync, chownSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAppContext } from "../src/app/context.js";
import { CursorCodec } from "../src/engine/cursor.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { cacheFileName } from "../src/sources/cache-file.js";
import { flushIndexes, ROLLUPS_VERSION } from "../src/sources/index/index-store.js";
import { RegistryFileReader } from "../src/sources/openclaw/registry-file.js";
import { conversation } from "./helpers/pi-lines.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-04-01T08:00:00Z");
const KEY = "agent:main:a";
const OTHER_UID = 65534;
const asRoot = process.getuid?.() === 0;

let store: TempStateDir;
let cache: string;
let elsewhere: string;

beforeEach(() => {
  store = new TempStateDir();
  store.registry("main", { [KEY]: { sessionId: "a", updatedAt: T0, label: "honest" } });
  store.transcript("main", "a.jsonl", conversation("a", T0, 400));
  cache = tempCacheDir("hostile-cache");
  elsewhere = tempCacheDir("hostile-elsewhere");
});
afterEach(() => {
  vi.restoreAllMocks();
  removeCacheDir(cache);
  removeCacheDir(elsewhere);
  store.remove();
});

const app = (env: Record<string, string> = {}) =>
  createAppContext({ store: store.root, clearance: "confidential" }, { SESSION_EVENTS_CACHE_DIR: cache, ...env });

async function countAll(ctx: ReturnType<typeof app>): Promise<number> {
  const page = await querySessionsEvents(ctx, { groupBy: ["type"] });
  return page.groups!.reduce((sum, group) => sum + group.count, 0);
}

/** Everything under a dir, as relative paths (to see what was written there). */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

/** A line of a cache file changed as an attacker without the key would: the JSON edited, any MAC before it kept. */
function forge(line: string, edit: (json: Record<string, unknown>) => unknown): string {
  const start = line.indexOf("{");
  return `${line.slice(0, start)}${JSON.stringify(edit(JSON.parse(line.slice(start)) as Record<string, unknown>))}`;
}

describe("a cache dir another user could write", () => {
  it("never truncates what a symlink named `pruned` points at", () => {
    const victim = join(elsewhere, "openclaw.json");
    writeFileSync(victim, '{"precious":true}');
    const twoDaysAgo = (Date.now() - 2 * 86_400_000) / 1000;
    utimesSync(victim, twoDaysAgo, twoDaysAgo); // (so a stamp read through the link says a prune is due)
    symlinkSync(victim, join(cache, "pruned"));
    app();
    expect(readFileSync(victim, "utf8")).toBe('{"precious":true}');
  });

  it("refuses a symlinked `registries` folder, and writes nothing where it points", async () => {
    symlinkSync(elsewhere, join(cache, "registries"));
    const warn = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const ctx = app();
    expect(ctx.cache.cache).toBeUndefined();
    expect(warn.mock.calls.join(" ")).toMatch(/registries is a symlink.*running without a cache/);
    expect((await querySessionEvents(ctx, { sessionKey: KEY, limit: 5 })).events).toHaveLength(5); // queries go on
    flushIndexes();
    expect(tree(elsewhere)).toEqual([]);
  });

  it("refuses a cache dir open to other users", async () => {
    chmodSync(cache, 0o777);
    const warn = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const ctx = app();
    expect(ctx.cache.cache).toBeUndefined();
    expect(warn.mock.calls.join(" ")).toMatch(/mode 777, open to other users/);
    await countAll(ctx);
    flushIndexes();
    expect(tree(cache)).toEqual([]);
  });

  it.runIf(asRoot)("refuses a cache dir another user owns", async () => {
    chownSync(cache, OTHER_UID, OTHER_UID);
    const warn = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const ctx = app();
    expect(ctx.cache.cache).toBeUndefined();
    expect(warn.mock.calls.join(" ")).toMatch(new RegExp(`belongs to uid ${OTHER_UID}`));
    await countAll(ctx);
    flushIndexes();
    expect(tree(cache)).toEqual([]);
  });

  it.runIf(asRoot)("refuses a key file another user planted, and signs no cursor with it", () => {
    const planted = "a-key-the-neighbour-knows-0123456789abcdef";
    writeFileSync(join(cache, "cursor.key"), planted, { mode: 0o600 });
    chownSync(join(cache, "cursor.key"), OTHER_UID, OTHER_UID);
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const ctx = app();
    expect(ctx.cache.cache).toBeUndefined();
    const state = { after: undefined, since: undefined, until: undefined };
    expect(ctx.cursors.encode("fp", state)).not.toBe(new CursorCodec(planted).encode("fp", state));
    expect(readFileSync(join(cache, "cursor.key"), "utf8")).toBe(planted); // left alone, not replaced
  });

  it("refuses a key file that is a symlink", () => {
    writeFileSync(join(elsewhere, "key"), "a-key-the-neighbour-knows-0123456789abcdef");
    symlinkSync(join(elsewhere, "key"), join(cache, "cursor.key"));
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    expect(app().cache.cache).toBeUndefined();
  });

  it("makes an empty or short key file anew (never signs with sha256 of nothing)", () => {
    for (const short of ["", "short"]) {
      writeFileSync(join(cache, "cursor.key"), short, { mode: 0o600 });
      const ctx = app();
      const key = readFileSync(join(cache, "cursor.key"), "utf8");
      expect(key.length).toBeGreaterThanOrEqual(32);
      const state = { after: undefined, since: undefined, until: undefined };
      expect(ctx.cursors.encode("fp", state)).not.toBe(new CursorCodec(short).encode("fp", state));
      expect(ctx.cursors.encode("fp", state)).toBe(new CursorCodec(key).encode("fp", state));
    }
  });

  it("keeps a cursor secret the operator set, whatever the key file", () => {
    writeFileSync(join(cache, "cursor.key"), "", { mode: 0o600 });
    const ctx = app({ SESSION_EVENTS_CURSOR_SECRET: "operator-secret-0123456789" });
    const state = { after: undefined, since: undefined, until: undefined };
    expect(ctx.cursors.encode("fp", state)).toBe(new CursorCodec("operator-secret-0123456789").encode("fp", state));
  });
});

describe("what the cache dir holds is authenticated", () => {
  it("ignores a forged registry copy (it could widen a tree or self caller's scope)", async () => {
    const registry = join(store.sessionsDir("main"), "sessions.json");
    await new RegistryFileReader(cache).read(registry);
    const copy = join(cache, cacheFileName(registry));
    writeFileSync(copy, readFileSync(copy, "utf8").replace('"honest"', '"forged"'));
    const read = await new RegistryFileReader(cache).read(registry);
    expect(read!.from).toBe("registry");
    expect(JSON.stringify([...read!.entries])).toContain('"honest"');
  });

  it("ignores a forged index (it could hide a session's events)", async () => {
    const path = store.transcript("main", "a.jsonl", conversation("a", T0, 3000));
    const messages = async () => (await querySessionEvents(app(), { sessionKey: KEY, types: ["message"], limit: 500 })).events.length;
    await countAll(app()); // indexes the whole transcript
    const truth = await messages();
    flushIndexes();
    const file = join(cache, "index", cacheFileName(`file:${path}`));
    const text = readFileSync(file, "utf8");
    const newline = text.indexOf("\n");
    // every closed interval said to hold no event of any type: a reader by type would pass them over
    const hide = (json: Record<string, unknown>) => {
      const intervals = json.intervals as Array<Record<string, unknown>>;
      return { ...json, intervals: intervals.map((interval, i) => (i < intervals.length - 1 ? { ...interval, counts: {} } : interval)) };
    };
    writeFileSync(file, `${forge(text.slice(0, newline), hide)}${text.slice(newline)}`);
    expect(truth).toBeGreaterThan(100);
    expect(await messages()).toBe(truth);
  });

  it("ignores forged rollups (whole-transcript counts)", async () => {
    const truth = await countAll(app());
    flushIndexes();
    const file = join(cache, "index", `rollups-v${ROLLUPS_VERSION}.jsonl`);
    const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    const forged = lines.map((line) => {
      const tab = line.indexOf("\t");
      return `${line.slice(0, tab)}\t${JSON.stringify({ ...(JSON.parse(line.slice(tab + 1)) as object), stats: {} })}`;
    });
    writeFileSync(file, `${forged.join("\n")}\n`);
    expect(await countAll(app())).toBe(truth);
  });

  it("writes a cache file beside a planted symlink, never through it", async () => {
    const registry = join(store.sessionsDir("main"), "sessions.json");
    const copy = join(cache, cacheFileName(registry));
    const victim = join(elsewhere, "victim");
    writeFileSync(victim, "untouched");
    symlinkSync(victim, `${copy}.${process.pid}.tmp`); // the temporary name a writer used to pick
    symlinkSync(victim, copy);
    await new RegistryFileReader(cache).read(registry);
    expect(readFileSync(victim, "utf8")).toBe("untouched");
  });
});

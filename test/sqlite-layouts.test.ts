import { cpSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SessionsEventsInput } from "../src/contract/query-input.js";
import { querySessionsEvents } from "../src/engine/run-query.js";
import { openStore } from "../src/sources/open-store.js";
import { contextFor } from "./helpers/context.js";
import { agentDatabasePathIn } from "./helpers/fixture-sessions.js";
import {
  DM_EARLIER,
  HAVE_REAL,
  MAIN_CURRENT,
  MAIN_EARLIER,
  REAL_STORES,
  SKIP_REAL,
  writeAuthOnlyDatabase,
  writeNucboxDatabase,
} from "./helpers/sqlite-variants.js";
import { TempStateDir } from "./helpers/temp-store.js";

if (!HAVE_REAL) console.warn(SKIP_REAL);

let store: TempStateDir;
beforeEach(() => {
  store = new TempStateDir();
});
afterEach(() => store.remove());

type Seen = { type: string; timestamp: number; payload: unknown };

/** Every event of a store, by session id (ids, keys and sources may differ between stores; these may not). */
async function eventsBySession(root: string, input: SessionsEventsInput = {}): Promise<Map<string, Seen[]>> {
  const ctx = contextFor(root, { clearance: "confidential" });
  const by = new Map<string, Seen[]>();
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await querySessionsEvents(ctx, { ...input, limit: 500, cursor });
    for (const e of page.events) {
      const list = by.get(e.sessionId) ?? [];
      list.push({ type: e.type, timestamp: e.timestamp, payload: e.payload });
      by.set(e.sessionId, list);
    }
    if (!page.hasMore) break;
    cursor = page.nextCursor;
  }
  return by;
}

const nucbox = join(REAL_STORES, "nucbox");

describe.skipIf(!HAVE_REAL)("the SQLite layouts of real installs answer as their files do (realdata)", () => {
  it("a-auth-only: an agent database with no session tables leaves the agent to its files", async () => {
    cpSync(join(REAL_STORES, "kenhsm"), store.root, { recursive: true });
    writeAuthOnlyDatabase(agentDatabasePathIn(store, "main"));
    const { sessions, warnings } = await openStore(store.root).list();
    expect(warnings).toEqual([]);
    expect(sessions.map((s) => [s.key, s.source]).sort()).toEqual(
      (await openStore(join(REAL_STORES, "kenhsm")).list()).sessions.map((s) => [s.key, s.source]).sort(),
    );
    expect(sessions.filter((s) => s.generation === "current").map((s) => s.key).sort()).toEqual(["agent:main:main", "agent:main:telegram:direct:1000000002"]);
    expect(await eventsBySession(store.root, { generations: "all" })).toEqual(await eventsBySession(join(REAL_STORES, "kenhsm"), { generations: "all" }));
  });

  for (const variant of ["old", "plain", "compressed", "cold"] as const) {
    it(`${variant}: the same events as the files, archives only under generations "all"`, async () => {
      const { compressedRows } = writeNucboxDatabase(store, variant);
      if (variant === "compressed") expect(compressedRows).toBeGreaterThanOrEqual(3);
      const { sessions, warnings } = await openStore(store.root).list();
      expect(warnings).toEqual([]);
      expect(new Set(sessions.map((s) => s.source))).toEqual(new Set(["openclaw-sqlite"]));

      const files = await eventsBySession(nucbox, { generations: "all" });
      const db = await eventsBySession(store.root, { generations: "all" });
      const expected = [...files.keys()].filter((id) => db.has(id) || variant === "cold" || id !== MAIN_EARLIER);
      for (const id of expected) {
        if (variant !== "cold" && id === MAIN_EARLIER) continue; // only "cold" keeps 2e8e3f6f (as a reset archive)
        if (id === "7760a1b7-82b9-4f67-bd74-af93195f4086") continue; // a deleted file archive no variant holds
        expect(db.get(id), id).toEqual(files.get(id));
      }
      const current = await eventsBySession(store.root);
      expect(current.has(DM_EARLIER)).toBe(false);
      expect(current.has(MAIN_EARLIER)).toBe(false);
      expect(db.has(DM_EARLIER)).toBe(true);
      expect(current.get(MAIN_CURRENT)).toEqual(files.get(MAIN_CURRENT));
      if (variant === "cold") expect(db.get(MAIN_EARLIER)).toEqual(files.get(MAIN_EARLIER));

      // the 5 KB final reply of 5e9096eb (stored compressed in "compressed" and "cold"), cut to the page's share
      const dm = current.get("5e9096eb-a13b-48ae-990d-ca9d6f231b05")!;
      const texts = dm.map((e) => JSON.stringify(e.payload).length);
      expect(Math.max(...texts)).toBeGreaterThan(2000);
      expect(dm).toEqual(files.get("5e9096eb-a13b-48ae-990d-ca9d6f231b05"));
    });
  }

  it("cold: the listing keys the reset archive to its key, and reads no file beside the database", async () => {
    writeNucboxDatabase(store, "cold");
    const { sessions } = await openStore(store.root).list();
    const archive = sessions.find((s) => s.sessionId === MAIN_EARLIER)!;
    expect(archive).toMatchObject({ key: "agent:main:main", generation: "earlier", updatedAt: 1777046954281 });
    expect(sessions.find((s) => s.sessionId === MAIN_CURRENT)).toMatchObject({ key: "agent:main:main", generation: "current" });
    expect(existsSync(join(store.root, "agents", "main", "sessions"))).toBe(false);
  });
});

import { statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SessionsEventsInput } from "../src/contract/query-input.js";
import { CursorCodec } from "../src/engine/cursor.js";
import { createRedactor } from "../src/engine/redact.js";
import { querySessionsEvents, type QueryContext } from "../src/engine/run-query.js";
import { IndexStore } from "../src/sources/index/index-store.js";
import { openStore } from "../src/sources/open-store.js";
import { newReadStats, type ReadStats } from "../src/sources/session.js";
import { conversation } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";

const T0 = Date.parse("2026-05-05T05:00:00Z");
let store: TempStateDir;
let cache: string;

beforeEach(() => {
  store = new TempStateDir();
  cache = tempCacheDir("budget-cache");
});
afterEach(() => {
  store.remove();
  removeCacheDir(cache);
});

function context(scanBudgetBytes: number | undefined): QueryContext & { workDone: ReadStats } {
  const opened = openStore(store.root, { indexes: new IndexStore(cache) });
  return {
    listSessions: async () => (await opened.list()).sessions,
    principal: { scope: "all", clearance: "confidential" },
    policy: { rules: [], redactor: createRedactor(), pageBytes: 48 * 1024, maxFieldChars: 2000, scanBudgetBytes },
    cursors: new CursorCodec("budget-secret"),
    now: () => T0 + 100 * 86_400_000,
    workDone: newReadStats(),
  };
}

async function walkAll(ctx: ReturnType<typeof context>, input: SessionsEventsInput) {
  const ids: string[] = [];
  const pages: Array<{ stoppedBy: string; bytes: number; notes: string[] }> = [];
  let cursor: string | undefined;
  for (let i = 0; i < 500; i++) {
    const before = ctx.workDone.bytesRead;
    const page = await querySessionsEvents(ctx, { ...input, cursor });
    ids.push(...page.events.map((e) => e.id));
    pages.push({ stoppedBy: page.stoppedBy, bytes: ctx.workDone.bytesRead - before, notes: page.notes });
    if (!page.hasMore) return { ids, pages };
    cursor = page.nextCursor;
  }
  throw new Error("walk did not end");
}

describe("the scan budget", () => {
  it("stops a page at the next unread session, says so, and a walk still yields every event exactly once in order", async () => {
    const entries: Record<string, Record<string, unknown>> = {};
    for (let i = 0; i < 12; i++) {
      // sessions that follow each other in time, some overlapping
      store.transcript("main", `s${i}.jsonl`, conversation(`s${i}`, T0 + i * 20_000, 15));
      entries[`agent:main:s${i}`] = { sessionId: `s${i}`, updatedAt: T0 + i * 20_000 + 40_000 };
    }
    store.registry("main", entries);
    const largest = Math.max(...Array.from({ length: 12 }, (_, i) => statSync(join(store.sessionsDir("main"), `s${i}.jsonl`)).size));
    const budget = 1500;
    const limited = await walkAll(context(budget), { limit: 500 });
    const free = await walkAll(context(undefined), { limit: 500 });
    expect(free.pages.every((p) => p.stoppedBy !== "scanBudget")).toBe(true);
    expect(limited.ids).toEqual(free.ids);
    expect(new Set(limited.ids).size).toBe(limited.ids.length);
    const stopped = limited.pages.filter((p) => p.stoppedBy === "scanBudget");
    expect(stopped.length).toBeGreaterThan(3);
    expect(stopped[0]!.notes.join(" ")).toMatch(/read as much as one call may/);
    // a session once started is read to the page's end, and sessions that may hold the very next event are
    // read too (or nothing would move): a call reads a few sessions, never the store
    const total = Array.from({ length: 12 }, (_, i) => statSync(join(store.sessionsDir("main"), `s${i}.jsonl`)).size).reduce((a, b) => a + b);
    for (const page of limited.pages) expect(page.bytes).toBeLessThanOrEqual(Math.max(budget + 3 * largest, total * 0.5));
  });

  it("makes progress even when every unread session could start right after the cursor", async () => {
    const entries: Record<string, Record<string, unknown>> = {};
    for (let i = 0; i < 6; i++) {
      store.transcript("main", `t${i}.jsonl`, conversation(`t${i}`, T0, 5)); // all start at the same instant
      entries[`agent:main:t${i}`] = { sessionId: `t${i}`, updatedAt: T0 + 20_000 };
    }
    store.registry("main", entries);
    const limited = await walkAll(context(1), { limit: 500 });
    const free = await walkAll(context(undefined), { limit: 500 });
    expect(limited.ids).toEqual(free.ids);
  });
});

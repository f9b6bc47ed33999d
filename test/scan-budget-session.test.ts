/**
 * The scan budget bounds every read, within one session too (issue 30 #12): a 4 GiB sparse ClawJS
 * conversation was read whole by every call. Work is measured in bytes read, not time.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CursorCodec } from "../src/engine/cursor.js";
import { createRedactor } from "../src/engine/redact.js";
import { querySessionsEvents, type QueryContext } from "../src/engine/run-query.js";
import { searchSessions } from "../src/engine/search/search-sessions.js";
import { IndexStore } from "../src/sources/index/index-store.js";
import { openStore } from "../src/sources/open-store.js";
import { newReadStats, type ReadStats } from "../src/sources/session.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";

const T0 = Date.parse("2026-08-04T09:00:00Z");
const MB = 1024 * 1024;
let root: string;
let conversations: string;
let cache: string;

const line = (s: number, text: string, role = "user") =>
  `${JSON.stringify({ type: "message", id: `m${s}`, timestamp: new Date(T0 + s * 1000).toISOString(), message: { role, content: text } })}\n`;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "budget-session-"));
  conversations = join(root, ".clawjs", "conversations");
  mkdirSync(conversations, { recursive: true });
  cache = tempCacheDir("budget-session-cache");
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  removeCacheDir(cache);
});

function context(scanBudgetBytes: number | undefined): QueryContext & { workDone: ReadStats } {
  const opened = openStore(`clawjs:${root}`, { indexes: new IndexStore(cache) });
  return {
    listSessions: async () => (await opened.list()).sessions,
    principal: { scope: "all", clearance: "confidential" },
    policy: { rules: [], redactor: createRedactor(), pageBytes: 48 * 1024, maxFieldChars: 2000, scanBudgetBytes },
    cursors: new CursorCodec("budget-session-secret"),
    now: () => T0 + 86_400_000,
    workDone: newReadStats(),
  };
}

describe("the scan budget within one session", () => {
  it("ends a call inside a 4 GiB sparse conversation with its cursor and the note, having read about the budget", async () => {
    const path = join(conversations, "sparse.jsonl");
    writeFileSync(path, [line(0, "before the hole"), line(1, "just before")].join(""));
    truncateSync(path, 4 * 1024 * MB); // a hole of zeros: no disk used, and no newline in it
    const budget = 8 * MB;
    const ctx = context(budget);
    const first = await querySessionsEvents(ctx, { limit: 500 });
    expect(first.events.map((e) => e.payload.text)).toEqual(["before the hole", "just before"]);
    expect(first.stoppedBy).toBe("scanBudget");
    expect(first.hasMore).toBe(true);
    expect(first.notes.join(" ")).toMatch(/read as much as one call may/);
    expect(ctx.workDone.bytesRead).toBeLessThan(budget + 2 * MB);
    // the next call gets nothing it had, and is bounded the same way
    const before = ctx.workDone.bytesRead;
    const next = await querySessionsEvents(ctx, { limit: 500, cursor: first.nextCursor });
    expect(next.events).toEqual([]);
    expect(next.stoppedBy).toBe("scanBudget");
    expect(ctx.workDone.bytesRead - before).toBeLessThan(budget + 2 * MB);
  }, 60_000);

  it("a walk over one long conversation under a small budget stops inside it, and yields every event exactly once, in order", async () => {
    const path = join(conversations, "long.jsonl");
    // one line in 50 is a tool result: a page of them reads far more than its budget
    appendFileSync(path, Array.from({ length: 4000 }, (_, s) => line(s, `line ${s} ${"y".repeat(700)}`, s % 50 === 7 ? "tool" : "user")).join(""));
    const walk = async (ctx: ReturnType<typeof context>, types = ["tool_result" as const]) => {
      const texts: string[] = [];
      const reads: number[] = [];
      const stops: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 1000; i++) {
        const before = ctx.workDone.bytesRead;
        const page = await querySessionsEvents(ctx, { limit: 500, cursor, types, fields: ["payload"] });
        texts.push(...page.events.map((e) => String(e.payload.text).split(" ").slice(0, 2).join(" ")));
        reads.push(ctx.workDone.bytesRead - before);
        stops.push(page.stoppedBy);
        if (!page.hasMore) return { texts, reads, stops };
        cursor = page.nextCursor;
      }
      throw new Error("the walk did not end");
    };
    const budget = 256 * 1024;
    const limited = await walk(context(budget));
    const free = await walk(context(undefined));
    expect(limited.texts).toEqual(free.texts);
    expect(limited.texts).toHaveLength(80);
    expect(limited.stops).toContain("scanBudget");
    // each call reads about its budget, plus the read chunk it was in (256 KiB at most) and a line
    for (const bytes of limited.reads) expect(bytes).toBeLessThanOrEqual(budget + 256 * 1024 + 1024);
  }, 60_000);

  it("sessions_search stops inside one long conversation at the budget, and says how far it searched", async () => {
    const path = join(conversations, "long.jsonl");
    appendFileSync(path, Array.from({ length: 4000 }, (_, s) => line(s, `budget line ${s} ${"y".repeat(700)}`)).join(""));
    const budget = 256 * 1024;
    const ctx = context(budget);
    const result = await searchSessions(ctx, { query: "budget" });
    expect(ctx.workDone.bytesRead).toBeLessThanOrEqual(budget + 256 * 1024 + 1024);
    expect(result.sessions).toHaveLength(1);
    expect(result.sessions[0]!.hits).toBeGreaterThan(0);
    expect(result.sessions[0]!.hits).toBeLessThan(4000);
    expect(result.notes.join(" ")).toMatch(/agent:clawjs:long was searched only in part \(its events up to 2026-08-04T09:\d\d:\d\d.000Z\)/);
    // without a budget, the whole conversation
    expect((await searchSessions(context(undefined), { query: "budget" })).sessions[0]!.hits).toBe(4000);
  }, 60_000);
});

import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { unsealedText } from "../src/sources/cache-mac.js";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SessionEvent } from "../src/contract/event.js";
import type { GroupKey } from "../src/contract/groups.js";
import { SessionsEventsInputSchema, type SessionsEventsInput } from "../src/contract/query-input.js";
import { CursorCodec } from "../src/engine/cursor.js";
import { createRedactor } from "../src/engine/redact.js";
import { querySessionEvents, querySessionsEvents, type QueryContext } from "../src/engine/run-query.js";
import { IndexStore } from "../src/sources/index/index-store.js";
import { openStore } from "../src/sources/open-store.js";
import { newReadStats, type ReadStats } from "../src/sources/session.js";
import { assistantLine, header, modelChangeLine, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";

const T0 = Date.parse("2026-03-10T22:00:00Z");
let store: TempStateDir;
let cache: string;

beforeEach(() => {
  store = new TempStateDir();
  cache = tempCacheDir("group-cache");
  const tools = ["exec", "read", "web_fetch"];
  for (const [n, id] of ["a", "b", "c"].entries()) {
    const lines: Array<Record<string, unknown> | string> = [header(id, T0 + n * 1000)];
    for (let i = 0; i < 400; i++) {
      const t = T0 + n * 1000 + i * 37_000; // crosses several hours and a day boundary
      if (i === 200) lines.push(modelChangeLine(t, "openai", "gpt-5.1"));
      const tool = tools[(i + n) % 3]!;
      lines.push(userLine(t + 1, `q${i}`));
      lines.push(assistantLine(t + 2, [text(`a${i}`), toolCall(`c${i}`, tool, { i })], { model: i >= 200 ? "gpt-5.1" : "claude-sonnet-4-5", provider: i >= 200 ? "openai" : "anthropic", stopReason: i % 50 === 7 ? "error" : "toolUse", errorMessage: "boom", usage: { input: 100 + i, output: 10, totalTokens: 110 + i, cost: { total: 0.001 } } }));
      lines.push(toolResultLine(t + 2 + 100 * (1 + (i % 9)), `c${i}`, tool, `r${i}`, i % 13 === 0));
      if (i % 60 === 30) lines.push(`{"a line cut off ${i}`); // skipped, in every kind of stretch
    }
    store.transcript("main", `${id}.jsonl`, lines);
  }
  store.registry("main", {
    "agent:main:a": { sessionId: "a", updatedAt: T0 + 400 * 37_000 },
    "agent:main:b": { sessionId: "b", updatedAt: T0 + 400 * 37_000, spawnedBy: "agent:main:a" },
    "agent:main:c": { sessionId: "c", updatedAt: T0 + 400 * 37_000 },
  });
});
afterEach(() => {
  store.remove();
  removeCacheDir(cache);
});

function context(
  intervalBytes: number,
  clearance: "public" | "internal" | "confidential" = "confidential",
  caller?: string,
  memoryBudget?: number,
): QueryContext & { workDone: ReadStats } {
  const opened = openStore(store.root, { indexes: new IndexStore(cache, intervalBytes, memoryBudget) });
  return {
    listSessions: async () => (await opened.list()).sessions,
    principal: caller ? { caller, scope: "tree", clearance } : { scope: "all", clearance },
    policy: { rules: [{ tool: "web_*" }], redactor: createRedactor(), pageBytes: 48 * 1024, maxFieldChars: 2000 },
    cursors: new CursorCodec("group-test-secret"),
    now: () => T0 + 1000 * 3_600_000,
    workDone: newReadStats(),
  };
}

/** Every visible matching event and the skipped lines among them, by walking pages: the reference the counts must agree with. */
async function allEvents(ctx: QueryContext, input: SessionsEventsInput): Promise<{ events: SessionEvent[]; skippedLines: number }> {
  const events: SessionEvent[] = [];
  let skippedLines = 0;
  let cursor: string | undefined;
  for (;;) {
    const page = await querySessionsEvents(ctx, { ...input, limit: 500, cursor });
    events.push(...page.events);
    skippedLines += page.skippedLines;
    if (!page.hasMore) return { events, skippedLines };
    cursor = page.nextCursor;
  }
}

function expectedGroups(events: SessionEvent[], by: GroupKey[]) {
  const groups = new Map<string, { key: Record<string, string | null>; count: number; first: number; last: number; errors: number }>();
  for (const e of events) {
    const key: Record<string, string | null> = {};
    for (const dim of by) {
      if (dim === "type") key.type = e.type;
      if (dim === "tool") key.tool = typeof e.payload.toolName === "string" ? e.payload.toolName : null;
      if (dim === "session") key.session = e.session;
      if (dim === "agent") key.agent = e.agent;
      if (dim === "hour") key.hour = new Date(Math.floor(e.timestamp / 3_600_000) * 3_600_000).toISOString();
      if (dim === "day") key.day = new Date(e.timestamp).toISOString().slice(0, 10);
    }
    const id = JSON.stringify(key);
    const g = groups.get(id) ?? { key, count: 0, first: Infinity, last: -Infinity, errors: 0 };
    g.count++;
    g.first = Math.min(g.first, e.timestamp);
    g.last = Math.max(g.last, e.timestamp);
    if (e.type === "error" || e.type === "tool_error") g.errors++;
    groups.set(id, g);
  }
  return [...groups.values()].sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));
}

const comparable = (groups: Array<{ key: Record<string, string | null>; count: number; firstTimestamp: number; lastTimestamp: number; errors: number }>) =>
  groups.map((g) => ({ key: g.key, count: g.count, first: g.firstTimestamp, last: g.lastTimestamp, errors: g.errors })).sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));

const cases: Array<[GroupKey[], Omit<SessionsEventsInput, "groupBy">]> = [
  [["tool"], { types: ["tool_error"] }],
  [["tool"], { types: ["tool_result", "tool_error"] }],
  [["type"], {}],
  [["session", "type"], { since: T0 + 3 * 3_600_000, until: T0 + 2.5 * 86_400_000 }],
  [["day"], {}],
  [["hour", "tool"], { types: ["tool_call"], since: T0 + 4_000_000 }],
  [["agent"], { types: ["conversation.message_in"] }],
];

describe("groupBy", () => {
  it("counts exactly what the pages list, read cold, from summaries when warm, and with tiny intervals", async () => {
    for (const [by, filters] of cases) {
      const walked = await allEvents(context(1 << 30), filters);
      const expected = expectedGroups(walked.events, by);
      expect(expected.length, JSON.stringify(by)).toBeGreaterThan(0);
      expect(walked.skippedLines).toBeGreaterThan(0);
      for (const intervalBytes of [2048, 1 << 30]) {
        rmSync(cache, { recursive: true, force: true });
        // cold (every line read), warm (summaries and rollups), and warm after a walk that indexed only
        // the start of each transcript: the skipped lines of the window are counted the same every way
        for (const run of ["cold", "warm", "partly indexed"]) {
          if (run === "partly indexed") {
            rmSync(cache, { recursive: true, force: true });
            await querySessionsEvents(context(intervalBytes), { limit: 100 });
          }
          const page = await querySessionsEvents(context(intervalBytes), { ...filters, groupBy: by, limit: 500 });
          const label = `${run} ${intervalBytes} ${JSON.stringify([by, filters])}`;
          expect(comparable(page.groups!), label).toEqual(expected.map((g) => ({ key: g.key, count: g.count, first: g.first, last: g.last, errors: g.errors })));
          expect(page.skippedLines, label).toBe(walked.skippedLines);
          expect(page.events).toEqual([]);
        }
      }
    }
  });

  it("reads (almost) nothing once the index has summaries", async () => {
    const ctx = context(4096);
    await querySessionsEvents(ctx, { groupBy: ["tool"], types: ["tool_error"] });
    const before = ctx.workDone.bytesRead;
    await querySessionsEvents(ctx, { groupBy: ["tool"], types: ["tool_error"] });
    const warm = ctx.workDone.bytesRead - before;
    expect(warm).toBeLessThan(before / 10);
  });

  it("with no memory to spare, leaves summaries on disk and reads them back, counting the same without reading the transcripts again", async () => {
    const input: SessionsEventsInput = { groupBy: ["tool"], types: ["tool_result", "tool_error"], since: T0 + 3_600_000 };
    const ctx = context(2048, "confidential", undefined, 1);
    const first = comparable((await querySessionsEvents(ctx, input)).groups!);
    const read = ctx.workDone.bytesRead;
    expect(comparable((await querySessionsEvents(ctx, input)).groups!)).toEqual(first);
    expect(ctx.workDone.bytesRead - read).toBeLessThan(read / 5);
    expect(first).toEqual(comparable((await querySessionsEvents(context(1 << 30, "confidential", undefined), input)).groups!));
  });

  it("counts a window from the summaries a previous process left on disk, and reads instead once another write replaced them", async () => {
    const input: SessionsEventsInput = { groupBy: ["session", "type"], since: T0 + 3 * 3_600_000, until: T0 + 2.5 * 86_400_000 };
    const cold = context(4096);
    const expected = comparable((await querySessionsEvents(cold, input)).groups!);
    const restarted = context(4096); // a new process: indexes come from the cache dir, their summaries read only now
    expect(comparable((await querySessionsEvents(restarted, input)).groups!)).toEqual(expected);
    expect(restarted.workDone.bytesRead).toBeLessThan(cold.workDone.bytesRead / 5);
    // each file's summaries now belong to another extent of the transcript (as a write by another process would leave them)
    const dir = cache;
    const files = readdirSync(dir).filter((name) => name.endsWith(".json"));
    expect(files.length).toBe(3);
    for (const name of files) {
      const text = readFileSync(join(dir, name), "utf8");
      const newline = text.indexOf("\n");
      const sealed = text.slice(newline + 1);
      const groups = JSON.parse(unsealedText(sealed)) as { end: number };
      // (its MAC, kept, no longer matches either: it is ignored as much for that)
      writeFileSync(join(dir, name), `${text.slice(0, newline)}\n${sealed.slice(0, 65)}${JSON.stringify({ ...groups, end: groups.end + 1 })}`);
    }
    const replaced = context(4096);
    expect(comparable((await querySessionsEvents(replaced, input)).groups!)).toEqual(expected);
    expect(replaced.workDone.bytesRead).toBeGreaterThan(cold.workDone.bytesRead / 5);
  });

  it("sums tokens and cost of assistant messages and gives tool durations", async () => {
    const page = await querySessionsEvents(context(4096), { sessionKey: "agent:main:a", groupBy: ["model"], types: ["message", "tool_result", "tool_error"] });
    const byModel = Object.fromEntries(page.groups!.map((g) => [g.key.model, g]));
    expect(byModel["claude-sonnet-4-5"]!.tokens).toEqual({ input: Array.from({ length: 200 }, (_, i) => 100 + i).reduce((a, b) => a + b), output: 2000, total: Array.from({ length: 200 }, (_, i) => 110 + i).reduce((a, b) => a + b) });
    expect(byModel["claude-sonnet-4-5"]!.costUsd).toBeCloseTo(0.2, 6);
    const d = byModel["gpt-5.1"]!.durationMs!;
    expect(d.samples).toBe(200);
    // results come 100..900 ms after their call, evenly: the median is 500 ms, p95 900 ms (a bucket's middle: within ~2.2%)
    expect(Math.abs(d.p50 / 500 - 1)).toBeLessThanOrEqual(0.023);
    expect(Math.abs(d.p95 / 900 - 1)).toBeLessThanOrEqual(0.023);
  });

  it("does not count what the caller may not see, and counts it as hidden instead", async () => {
    const pub = await querySessionsEvents(context(4096, "public"), { groupBy: ["type"] });
    expect(pub.groups!.map((g) => g.key.type).sort()).toEqual(["error", "message", "model_switch", "session_start"]);
    expect(pub.hiddenByVisibility).toBe(3 * 400 * 2);
    const internal = await querySessionsEvents(context(4096, "internal"), { groupBy: ["tool"], types: ["tool_call"] });
    expect(internal.groups!.map((g) => g.key.tool).sort()).toEqual(["exec", "read"]); // web_* is confidential by rule
    const tree = await querySessionsEvents(context(4096, "internal", "agent:main:b"), { groupBy: ["session"] });
    expect(tree.groups!.map((g) => g.key.session)).toEqual(["agent:main:b"]);
  });

  it("takes one or two keys, no cursor, and lists at most `limit` groups, saying so", async () => {
    expect(SessionsEventsInputSchema.safeParse({ groupBy: ["type", "tool", "day"] }).success).toBe(false);
    expect(SessionsEventsInputSchema.safeParse({ groupBy: [] }).success).toBe(false);
    expect(SessionsEventsInputSchema.safeParse({ groupBy: ["colour"] }).success).toBe(false);
    await expect(querySessionsEvents(context(4096), { groupBy: ["type"], cursor: "x.y" })).rejects.toThrow(/leave out cursor/);
    const few = await querySessionsEvents(context(4096), { groupBy: ["hour"], limit: 3 });
    expect(few.groups).toHaveLength(3);
    expect(few.stoppedBy).toBe("limit");
    expect(few.notes.join(" ")).toMatch(/groups; the 3 largest are shown/);
    const one = await querySessionEvents(context(4096), { sessionKey: "agent:main:c", groupBy: ["type"] });
    expect(one.groups!.reduce((n, g) => n + g.count, 0)).toBe(1 + 400 * 4 + 1 + Math.floor(400 / 50) + (400 % 50 > 7 ? 1 : 0));
  });
});

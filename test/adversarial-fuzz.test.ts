/**
 * Hostile input, fuzzed with fast-check (seeded: FUZZ_SEED replays a run). Tool arguments of every
 * tool, in-process and over the built MCP server: never a crash or a hang, bad arguments get a clear
 * error, good ones a valid page. Transcript lines: garbage of every kind between intact lines changes
 * none of their events and is counted in skippedLines; wrong types in every field and prototype keys
 * throw nothing and pollute nothing; 100k-deep nesting and 50 MB lines are survived.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionEvent } from "../src/contract/event.js";
import { PageSchema, type Page } from "../src/contract/page.js";
import { SessionEventsInputSchema, SessionsEventsInputSchema } from "../src/contract/query-input.js";
import { SessionStateInputSchema, SessionStateSchema } from "../src/contract/session-state.js";
import { QueryError } from "../src/engine/errors.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { querySessionState } from "../src/engine/session-state/run-state.js";
import { cleanEnv, connectServer, ensureBuilt, type Connected } from "./helpers/built-server.js";
import { contextFor } from "./helpers/context.js";
import { FUZZ_SEED, garbageLine, toolArguments, wrongValue } from "./helpers/fuzz-arbitraries.js";
import { assistantLine, compactionLine, customLine, header, modelChangeLine, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-10-01T12:00:00Z");
const NOW = T0 + 3_600_000;
type Tool = "session_events" | "sessions_events" | "session_state";
const TOOLS: Tool[] = ["session_events", "sessions_events", "session_state"];
const INPUT = { session_events: SessionEventsInputSchema, sessions_events: SessionsEventsInputSchema, session_state: SessionStateInputSchema };
const OUTPUT = { session_events: PageSchema, sessions_events: PageSchema, session_state: SessionStateSchema };
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

/** Intact lines, each giving events; the user lines carry markers that must come out exactly once. */
const marker = (i: number) => `INTACT-${i}-e1f0`;
function intactLines(id: string): Array<Record<string, unknown>> {
  const s = (n: number) => T0 + n * 1000;
  return [
    header(id, s(0)),
    userLine(s(1), marker(1)),
    assistantLine(s(2), [{ type: "thinking", thinking: "hmm" }, text("calling"), toolCall("c1", "exec", { cmd: "ls", n: 1 })]),
    toolResultLine(s(3), "c1", "exec", "a.txt"),
    userLine(s(4), marker(4)),
    modelChangeLine(s(5), "openai", "gpt-5.1"),
    assistantLine(s(6), [text("on a new model")], { provider: "openai", model: "gpt-5.1" }),
    compactionLine(s(7), "so far", 123),
    userLine(s(8), marker(8)),
    customLine(s(9), "note", { x: 1 }),
    { type: "label", id: "lb", parentId: null, timestamp: new Date(s(10)).toISOString(), label: "L", targetId: "x" },
    assistantLine(s(11), [toolCall("c2", "sessions_spawn", { task: "t" })]),
    toolResultLine(s(12), "c2", "sessions_spawn", JSON.stringify({ status: "accepted", childSessionKey: "agent:main:subagent:k" })),
    userLine(s(13), marker(13)),
  ];
}
const MARKERS = [1, 4, 8, 13].map(marker);
/** Built once: pi-lines numbers entries with a global counter, and every store must hold the same lines. */
const INTACT = intactLines("id-main").map((l) => JSON.stringify(l));

function storeWith(lines: Array<string | Buffer>, id = "id-main", registryExtra: Record<string, unknown> = {}): TempStateDir {
  const store = new TempStateDir("adv-fuzz-");
  store.registry("main", { "agent:main:main": { sessionId: id, updatedAt: T0, ...registryExtra } });
  const bytes = Buffer.concat(lines.flatMap((l) => [typeof l === "string" ? Buffer.from(l) : l, Buffer.from("\n")]));
  writeFileSync(join(store.sessionsDir("main"), `${id}.jsonl`), bytes);
  return store;
}

/** Every event of the store in order, by following cursors (small pages, so skipped lines cross pages). */
async function walk(root: string, clearance: "public" | "internal" = "internal") {
  const ctx = contextFor(root, { caller: "agent:main:main", clearance, now: NOW });
  const events: SessionEvent[] = [];
  let skippedLines = 0;
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = PageSchema.parse(await querySessionsEvents(ctx, { limit: 7, ...(cursor ? { cursor } : {}) })) as Page;
    events.push(...page.events);
    skippedLines += page.skippedLines;
    if (!page.hasMore) return { events, skippedLines, ctx };
    cursor = page.nextCursor;
  }
  throw new Error("the walk did not end");
}

/** Runs one call in-process as the MCP tool would: schema first, then the query. */
async function callInProcess(ctx: ReturnType<typeof contextFor>, tool: Tool, args: unknown): Promise<"schema" | "query-error" | "ok"> {
  const parsed = INPUT[tool].safeParse(args);
  if (!parsed.success) {
    expect(parsed.error.issues.length).toBeGreaterThan(0);
    return "schema";
  }
  const started = Date.now();
  try {
    const out =
      tool === "session_state"
        ? await querySessionState(ctx, parsed.data as never)
        : tool === "session_events"
          ? await querySessionEvents(ctx, parsed.data as never)
          : await querySessionsEvents(ctx, parsed.data as never);
    OUTPUT[tool].parse(out);
    return "ok";
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    expect(error.message.length).toBeGreaterThan(15);
    expect(error.message).not.toMatch(/\[object Object\]|\n\s+at |undefined is not|Cannot read/);
    return "query-error";
  } finally {
    expect(Date.now() - started).toBeLessThan(5000);
  }
}

let store: TempStateDir;
let cursors: string[];
beforeAll(async () => {
  store = storeWith(INTACT);
  const ctx = contextFor(store.root, { caller: "agent:main:main", now: NOW });
  cursors = [(await querySessionsEvents(ctx, { limit: 2 })).nextCursor, (await querySessionEvents(ctx, { limit: 2 })).nextCursor];
});
afterAll(() => store?.remove());

describe("tool arguments", () => {
  for (const tool of TOOLS) {
    it(`${tool} in-process: any arguments get a valid answer or a clear error, never a crash or a hang`, async () => {
      const outcomes = { schema: 0, "query-error": 0, ok: 0 };
      const ctx = contextFor(store.root, { caller: "agent:main:main", now: NOW });
      await fc.assert(
        fc.asyncProperty(toolArguments(cursors)[tool], async (args) => {
          outcomes[await callInProcess(ctx, tool, args)]++;
        }),
        { seed: FUZZ_SEED, numRuns: 300 },
      );
      // the generator reaches the engine, not only the schema
      expect(outcomes.ok, JSON.stringify(outcomes)).toBeGreaterThan(50);
      expect(outcomes.schema, JSON.stringify(outcomes)).toBeGreaterThan(50);
      expect(outcomes["query-error"], JSON.stringify(outcomes)).toBeGreaterThan(5);
    });
  }

  describe("over the built MCP server", () => {
    let server: Connected;
    beforeAll(async () => {
      ensureBuilt();
      server = await connectServer(["--store", store.root, "--caller", "agent:main:main"], cleanEnv({
        SESSION_EVENTS_CACHE_DIR: `${store.root}-cache`,
        SESSION_EVENTS_CURSOR_SECRET: "test-secret-0123456789", // the in-process cursors are valid here too
      }));
    }, 180_000);
    afterAll(async () => {
      await server?.close();
      rmSync(`${store.root}-cache`, { recursive: true, force: true });
    });

    it("every tool: isError with a clear message or a valid result, and the server keeps serving", async () => {
      const outcomes = { error: 0, ok: 0 };
      for (const tool of TOOLS) {
        await fc.assert(
          fc.asyncProperty(toolArguments(cursors)[tool], async (args) => {
            const result = (await server.client.callTool({ name: tool, arguments: args }, undefined, { timeout: 10_000 })) as CallToolResult;
            const textOut = (result.content[0] as { text: string } | undefined)?.text ?? "";
            if (result.isError) {
              outcomes.error++;
              expect(textOut.length).toBeGreaterThan(15);
              expect(textOut).not.toMatch(/failed on the server side|\[object Object\]|\n\s+at /);
              return;
            }
            outcomes.ok++;
            OUTPUT[tool].parse(result.structuredContent);
            expect(JSON.parse(textOut)).toEqual(result.structuredContent);
          }),
          { seed: FUZZ_SEED, numRuns: 50 },
        );
      }
      expect(outcomes.ok, JSON.stringify(outcomes)).toBeGreaterThan(30);
      expect(outcomes.error, JSON.stringify(outcomes)).toBeGreaterThan(30);
      const after = (await server.client.callTool({ name: "sessions_events", arguments: {} })) as CallToolResult;
      expect((after.structuredContent as Page).events.length).toBeGreaterThan(10);
      expect(server.stderr()).not.toMatch(/failed:/);
    }, 60_000);
  });
});

describe("transcript lines", () => {
  it("garbage between intact lines changes none of their events and is counted in skippedLines", async () => {
    const clean = await walk(store.root);
    expect(clean.skippedLines).toBe(0);
    expect(clean.events.filter((e) => e.type === "message" && MARKERS.includes(e.payload.text as string))).toHaveLength(4);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: INTACT.length }), garbageLine(INTACT)), { minLength: 1, maxLength: 12 }), async (garbage) => {
        const lines: Array<string | Buffer> = [...INTACT];
        for (const [at, line] of [...garbage].sort((a, b) => b[0] - a[0])) lines.splice(at, 0, line);
        const dirty = storeWith(lines);
        try {
          const seen = await walk(dirty.root);
          expect(seen.events).toEqual(clean.events);
          expect(seen.skippedLines).toBe(garbage.length);
          const state = await querySessionState(seen.ctx, { lastMessages: 50 });
          expect({ ...state, skippedLines: 0 }).toEqual({ ...(await querySessionState(clean.ctx, { lastMessages: 50 })), skippedLines: 0 });
        } finally {
          dirty.remove();
        }
      }),
      { seed: FUZZ_SEED, numRuns: 60 },
    );
  }, 60_000);

  it("wrong types in any field and prototype keys throw nothing, pollute nothing, and leave the other lines' events", async () => {
    const mutable = INTACT.map((_, i) => i).filter((i) => !MARKERS.some((m) => INTACT[i]!.includes(m)));
    const mutation = fc.record({
      line: fc.constantFrom(...mutable),
      path: fc.array(fc.oneof(fc.constantFrom("type", "message", "role", "content", "timestamp", "arguments", "0", "1", "usage", "provider", "model", "isError", "toolCallId", "summary", "customType", "__proto__", "constructor", "prototype"), fc.string({ maxLength: 8 })), { minLength: 1, maxLength: 4 }),
      value: wrongValue,
      hugeNumbers: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 6 }), async (mutations) => {
        const objects = INTACT.map((l) => JSON.parse(l) as Record<string, unknown>);
        for (const m of mutations) setPath(objects[m.line]!, m.path, m.value);
        const lines = objects.map((o, i) => {
          const json = JSON.stringify(o);
          return mutations.some((m) => m.line === i && m.hugeNumbers) ? json.replace(/(?<=[:[,])-?\d+(?:\.\d+)?(?=[,}\]])/g, "1e400") : json;
        });
        const hostile = storeWith(lines);
        try {
          for (const clearance of ["public", "internal"] as const) {
            const seen = await walk(hostile.root, clearance);
            for (const m of MARKERS) expect(seen.events.filter((e) => e.type === "message" && e.payload.text === m), m).toHaveLength(1);
            expect(seen.skippedLines).toBeLessThanOrEqual(new Set(mutations.map((m) => m.line)).size);
            await querySessionsEvents(seen.ctx, { order: "desc", groupBy: ["tool", "model"] }).then((p) => PageSchema.parse(p));
            SessionStateSchema.parse(await querySessionState(seen.ctx, { lastMessages: 50, atSeq: mutations[0]!.line }));
            for (const e of seen.events.slice(0, 5)) PageSchema.parse(await querySessionEvents(seen.ctx, { eventId: e.id }));
          }
        } finally {
          hostile.remove();
        }
        expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { seed: FUZZ_SEED, numRuns: 40 },
    );
  }, 60_000);

  it("hostile registry entries (wrong types, prototype keys, non-object roots) list and query without throwing", async () => {
    const entry = fc.dictionary(
      fc.constantFrom("sessionId", "sessionFile", "spawnedBy", "parentSessionKey", "status", "endedAt", "updatedAt", "startedAt", "runtimeMs", "label", "lastActivityAt", "__proto__", "constructor"),
      fc.oneof(wrongValue, fc.constantFrom("id-main", "done", "agent:main:main", T0)),
    );
    const registry = fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom("agent:main:main", "main", "__proto__", "constructor", "", "agent:main:*"), fc.string({ maxLength: 20 })), fc.oneof(entry, wrongValue), { maxKeys: 6 }), wrongValue);
    await fc.assert(
      fc.asyncProperty(registry, async (value) => {
        const hostile = storeWith(INTACT);
        try {
          writeFileSync(join(hostile.sessionsDir("main"), "sessions.json"), JSON.stringify(value));
          const ctx = contextFor(hostile.root, { now: NOW });
          const page = PageSchema.parse(await querySessionsEvents(ctx, { limit: 500 }));
          // registered or not, the transcript is read (a registry that is not an object drops the agent, with a warning)
          const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
          for (const m of MARKERS) isObject ? expect(JSON.stringify(page.events)).toContain(m) : expect(page.events).toEqual([]);
          for (const tool of TOOLS) await callInProcess(ctx, tool, { sessionKey: "agent:main:main" });
        } finally {
          hostile.remove();
        }
      }),
      { seed: FUZZ_SEED, numRuns: 40 },
    );
  }, 60_000);

  it("100k levels of nesting, as garbage and inside real events, cost nothing and break nothing", async () => {
    const n = 100_000;
    const deep = (open: string, close: string, inner = "1") => `${open.repeat(n)}${inner}${close.repeat(n)}`;
    const lines = [
      ...INTACT.slice(0, 4),
      "[".repeat(n),
      deep("[", "]"),
      deep('{"a":', "}"),
      JSON.stringify(assistantLine(T0 + 3500, [toolCall("deep", "exec", { x: "PLACEHOLDER" })])).replace('"PLACEHOLDER"', deep("[", "]")),
      JSON.stringify(userLine(T0 + 3600, "PLACEHOLDER")).replace('"PLACEHOLDER"', deep('{"type":"text","text":', "}", '"inner"')),
      ...INTACT.slice(4),
    ];
    const hostile = storeWith(lines);
    try {
      const started = Date.now();
      const seen = await walk(hostile.root);
      expect(seen.skippedLines).toBe(3);
      const call = seen.events.find((e) => e.type === "tool_call" && e.payload.toolCallId === "deep")!;
      expect(JSON.stringify(call.payload.args)).toContain("…[nested too deep]");
      expect(call.truncated).toBe(true);
      for (const m of MARKERS) expect(seen.events.some((e) => e.payload.text === m)).toBe(true);
      PageSchema.parse(await querySessionEvents(seen.ctx, { eventId: call.id }));
      SessionStateSchema.parse(await querySessionState(seen.ctx, { lastMessages: 50 }));
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      hostile.remove();
    }
  });

  it("50 MB lines: a valid one is read and cut, a garbage one skipped, and the lines around them come out", async () => {
    const big = 50 * 1024 * 1024;
    const hostile = storeWith([
      ...INTACT.slice(0, 4),
      JSON.stringify(userLine(T0 + 3500, "PLACEHOLDER")).replace("PLACEHOLDER", `HUGE-START ${"y".repeat(big)}`),
      Buffer.alloc(big, 0x7b), // "{{{{…": 50 MB that never parses
      ...INTACT.slice(4),
    ]);
    try {
      const seen = await walk(hostile.root);
      expect(seen.skippedLines).toBe(1);
      const huge = seen.events.find((e) => String(e.payload.text).startsWith("HUGE-START"))!;
      expect(huge.truncated).toBe(true);
      // read cut (never held whole), yet the page counts what is missing exactly
      expect(String(huge.payload.text).endsWith(`…[truncated: ${"HUGE-START ".length + big - 2000} more chars]`)).toBe(true);
      expect(JSON.stringify(huge).length).toBeLessThan(3000);
      for (const m of MARKERS) expect(seen.events.some((e) => e.payload.text === m)).toBe(true);
      // one event by id is the payload uncut, so it comes in parts that each fit a page
      const started = Date.now();
      const part = await querySessionEvents(seen.ctx, { eventId: huge.id });
      expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThan(49_152);
      expect(part.events[0]!.payload.nextOffset).toBeGreaterThan(0);
      expect(part.events[0]!.payload.totalChars).toBeGreaterThan(big); // the whole text, not the cut one
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      hostile.remove();
    }
  }, 180_000); // (two 50 MB lines: ~50 s on a quiet machine, more on a busy one)

  it("invalid UTF-8 inside a JSON string becomes U+FFFD; the line and its neighbours still come out", async () => {
    const [before, after] = JSON.stringify(userLine(T0 + 3500, "BAD(MIDDLE)")).split("MIDDLE") as [string, string];
    const line = Buffer.concat([Buffer.from(before), Buffer.from([0xc3, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from(after)]);
    const hostile = storeWith([...INTACT.slice(0, 4), line, ...INTACT.slice(4)]);
    try {
      const seen = await walk(hostile.root);
      expect(seen.skippedLines).toBe(0);
      const bad = seen.events.find((e) => String(e.payload.text).startsWith("BAD"))!;
      expect(bad.payload.text).toMatch(/^BAD\(\ufffd+\)$/);
      for (const m of MARKERS) expect(seen.events.some((e) => e.payload.text === m)).toBe(true);
    } finally {
      hostile.remove();
    }
  });
});

/** Sets `value` at `path` inside `target`, creating objects on the way (own properties, even "__proto__"). */
function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const [i, key] of path.entries()) {
    if (i === path.length - 1) {
      const copy = value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown); // never share a generated value
      Object.defineProperty(node, key, { value: copy, enumerable: true, writable: true, configurable: true });
      return;
    }
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    const child = typeof next === "object" && next !== null ? (next as Record<string, unknown>) : {};
    Object.defineProperty(node, key, { value: child, enumerable: true, writable: true, configurable: true });
    node = child;
  }
}

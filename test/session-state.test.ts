/**
 * session_state: the state of one session at a point is the fold of its log up to that point. Real files,
 * the real query path; the expected states are built from events read another way (session_events pages).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../src/app/context.js";
import type { SessionEvent } from "../src/contract/event.js";
import { SessionStateInputSchema, type SessionState } from "../src/contract/session-state.js";
import { querySessionEvents } from "../src/engine/run-query.js";
import { projectState, type ProjectedState } from "../src/engine/session-state/project.js";
import { querySessionState, shapePolicyFor, stateEventFrom, summaryShaper } from "../src/engine/session-state/run-state.js";
import { newReadStats, type SourceEvent } from "../src/sources/session.js";
import { cleanEnv, connectServer, ensureBuilt, runCli, SAMPLE_STORE, sampleStoreCopy } from "./helpers/built-server.js";
import { contextFor } from "./helpers/context.js";
import { assistantLine, chainParents, compactionLine, customLine, entry, header, modelChangeLine, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

const T0 = Date.parse("2026-05-04T10:00:00Z");
const T = (s: number) => T0 + s * 1000;
const MAIN = "agent:main:main";
const ALPHA = "agent:main:subagent:alpha"; // spawned by main: in its tree
const BETA = "agent:main:subagent:beta"; // in the registry, but not in main's tree
const GAMMA = "agent:main:subagent:gamma"; // not in the registry at all
const GITHUB_TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
const SUMMARY_KEY = "sk-ant-api03-Zx9Qv7Lm2Pk4Rt6Yu8IoPa1Sd3Fg5Hj7";
const THINKING = "plan: run the deploy";
const spawned = (id: string, child: string) => JSON.stringify({ status: "accepted", runId: `run-${id}`, childSessionKey: child });
const line = (type: string, ts: number, fields: Record<string, unknown>) => entry(type, ts, fields);

/** model snapshot, thinking levels, tool calls/results/errors, three spawns, a model change, an error stop, labels, a name, two compactions. */
function richSession() {
  let retry = { id: "" };
  let status = { id: "" };
  return [
    header("s-main", T(0)),
    customLine(T(1), "model-snapshot", { provider: "anthropic", modelId: "claude-sonnet-4-5" }),
    line("thinking_level_change", T(1), { thinkingLevel: "low" }),
    userLine(T(2), "deploy the app please"),
    assistantLine(T(3), [{ type: "thinking", thinking: THINKING }, text("deploying"), toolCall("c1", "exec", { cmd: `deploy --token ${GITHUB_TOKEN}` })], {
      stopReason: "toolUse",
      usage: { input: 100, output: 20, totalTokens: 120, cost: { total: 0.01 } },
    }),
    toolResultLine(T(5), "c1", "exec", "deploy timed out", true),
    assistantLine(T(6), [toolCall("c2", "sessions_spawn", { task: "write notes", label: "notes" })], { stopReason: "toolUse" }),
    toolResultLine(T(7), "c2", "sessions_spawn", spawned("a", ALPHA)),
    assistantLine(T(7), [toolCall("c3", "sessions_spawn", { task: "audit", label: "audit" })], { stopReason: "toolUse" }),
    toolResultLine(T(8), "c3", "sessions_spawn", spawned("b", BETA)),
    assistantLine(T(9), [toolCall("c4", "sessions_spawn", { task: "ghost" })], { stopReason: "toolUse" }),
    toolResultLine(T(9), "c4", "sessions_spawn", spawned("c", GAMMA)),
    modelChangeLine(T(10), "openai", "gpt-5.1"),
    (retry = userLine(T(11), "try again")),
    assistantLine(T(12), [text("")], { provider: "openai", model: "gpt-5.1", stopReason: "error", errorMessage: "rate limited", usage: { input: 50, output: 0 } }),
    line("label", T(13), { targetId: retry.id, label: "retry" }),
    line("session_info", T(14), { name: "Deploy day" }),
    line("thinking_level_change", T(15), { thinkingLevel: "high" }),
    compactionLine(T(16), `Deploy failed twice; key ${SUMMARY_KEY}. ${"context ".repeat(300)}`, 5000, retry.id),
    assistantLine(T(17), [text("back on claude")]),
    (status = userLine(T(18), "status?")),
    assistantLine(T(19), [toolCall("c5", "read", { path: "status.md" })], { stopReason: "toolUse" }),
    toolResultLine(T(20), "c5", "read", "all green"),
    compactionLine(T(21), "second summary", 800, "ffffffff"),
    assistantLine(T(22), [text("all done")]),
    line("label", T(23), { targetId: status.id, label: "status" }),
    line("label", T(24), { targetId: retry.id, label: null }),
  ];
}

let store: TempStateDir;
let internal: AppContext;
let events: SessionEvent[]; // the session's events as session_events pages show them to an internal caller

beforeAll(async () => {
  store = new TempStateDir();
  store.registry("main", {
    [MAIN]: { sessionId: "s-main", updatedAt: T(24), status: "done", endedAt: T(30), runtimeMs: 30000 },
    [ALPHA]: { sessionId: "s-alpha", updatedAt: T(12), spawnedBy: MAIN, status: "done", endedAt: T(12) },
    [BETA]: { sessionId: "s-beta", updatedAt: T(9), status: "killed", endedAt: T(9) },
  });
  store.transcript("main", "s-main.jsonl", chainParents(richSession()));
  store.transcript("main", "s-alpha.jsonl", [header("s-alpha", T(7)), userLine(T(7), "write notes")]);
  store.transcript("main", "s-beta.jsonl", [header("s-beta", T(8)), userLine(T(8), "audit")]);
  writeFileSync(join(store.root, "exec-confidential.json"), JSON.stringify({ confidential: [{ tool: "exec" }] }));
  internal = contextFor(store.root, { caller: MAIN, now: T(100) });
  events = await pageEvents(internal);
  expect(events.length).toBeGreaterThan(30);
});
afterAll(() => store.remove());

async function pageEvents(ctx: AppContext): Promise<SessionEvent[]> {
  const page = await querySessionEvents(ctx, { sessionKey: MAIN, limit: 500 });
  expect(page.hasMore).toBe(false);
  return page.events;
}

/** Each event's source extras (entry id, compaction summary, model in effect), read straight from the store. */
async function sourceExtras(ctx: AppContext): Promise<Map<string, SourceEvent>> {
  const session = (await ctx.listSessions()).find((s) => s.key === MAIN)!;
  const byId = new Map<string, SourceEvent>();
  for await (const event of session.events({ stats: newReadStats() })) byId.set(event.id, event);
  return byId;
}

/** The expected state: the projection folded over the page events with seq <= k. */
async function foldPrefix(ctx: AppContext, pageList: SessionEvent[], k: number, lastMessages = 50): Promise<ProjectedState> {
  const extras = await sourceExtras(ctx);
  const shapeSummary = summaryShaper(shapePolicyFor(ctx));
  const prefix = pageList.filter((e) => e.seq <= k);
  return projectState(prefix.map((e) => stateEventFrom(e, extras.get(e.id)!, e.seq, shapeSummary)), lastMessages);
}

/** state == fold, field by field; the registry's child statuses and the reader's own notes come on top of the fold. */
function expectStateIsFold(state: SessionState, fold: ProjectedState): void {
  const { session: _s, agent: _a, sessionId, point: _p, atEnd: _e, hiddenByVisibility: _h, skippedLines: _k, spawned: sp, notes, ...rest } = state;
  const { sessionId: foldSid, spawned: foldSpawned, notes: foldNotes, ...foldRest } = fold;
  expect(rest).toEqual(foldRest);
  expect(sp.count).toBe(foldSpawned.count);
  expect(sp.children.map(({ status: _st, endedAt: _en, ...child }) => child)).toEqual(foldSpawned.children);
  expect(notes.slice(0, foldNotes.length)).toEqual(foldNotes);
  if (foldSid !== null) expect(sessionId).toBe(foldSid);
}

/** An independent, unbounded model of the totals and the context, straight from the event list. */
function naive(list: SessionEvent[], extras: Map<string, SourceEvent>) {
  const count = (type: string, key: (e: SessionEvent) => string) =>
    list.filter((e) => e.type === type).reduce<Record<string, number>>((acc, e) => ({ ...acc, [key(e)]: (acc[key(e)] ?? 0) + 1 }), {});
  const messages = list.filter((e) => e.type === "message");
  let context = messages;
  for (const compaction of list.filter((e) => e.type === "compaction")) {
    const kept = list.find((e) => e.seq < compaction.seq && extras.get(e.id)?.detail?.entryId === compaction.payload.firstKeptEntryId);
    if (kept) context = context.filter((m) => m.seq >= kept.seq);
  }
  return {
    messages: count("message", (e) => String(e.payload.role)),
    toolCalls: count("tool_call", (e) => String(e.payload.toolName)),
    toolErrors: count("tool_error", (e) => String(e.payload.toolName)),
    errors: list.filter((e) => e.type === "error").length,
    context: context.map((m) => m.id),
  };
}

describe("session_state is the projection of the log's prefix", () => {
  it("for every k, session_state(atSeq=k) equals folding the first k events of session_events (and an unbounded model agrees)", async () => {
    const extras = await sourceExtras(internal);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    for (let k = 0; k <= events.length + 1; k++) {
      const state = await querySessionState(internal, { sessionKey: MAIN, atSeq: k, lastMessages: 50 });
      expectStateIsFold(state, await foldPrefix(internal, events, k));
      const model = naive(events.slice(0, k), extras);
      expect(state.totals).toMatchObject({ messages: model.messages, toolCalls: model.toolCalls, toolErrors: model.toolErrors, errors: model.errors });
      expect(state.lastMessages.map((m) => m.id)).toEqual(model.context);
      expect(state.messagesInContext).toBe(model.context.length);
      expect(state).toMatchObject({ seq: Math.min(k, events.length), eventsProjected: Math.min(k, events.length), hiddenByVisibility: 0, atEnd: k >= events.length });
    }
  });

  it("the same holds for a public caller, over the events it can see", async () => {
    const pub = contextFor(store.root, { caller: MAIN, clearance: "public" });
    const visible = await pageEvents(pub);
    for (let k = 0; k <= events.length; k++) {
      const state = await querySessionState(pub, { sessionKey: MAIN, atSeq: k, lastMessages: 50 });
      expectStateIsFold(state, await foldPrefix(pub, visible, k));
      expect(state.hiddenByVisibility + state.eventsProjected).toBe(k);
    }
  });

  it("the full state: model, thinking, labels, name, totals, compactions, error, children, end", async () => {
    const state = await querySessionState(internal, {});
    const compactionSeq = events.find((e) => e.type === "compaction")!.seq;
    expect(state).toMatchObject({
      session: MAIN,
      sessionId: "s-main",
      agent: "main",
      point: { atSeq: null, at: null },
      seq: events.length,
      atEnd: true,
      model: { provider: "anthropic", model: "claude-sonnet-4-5" },
      thinkingLevel: "high",
      name: "Deploy day",
      label: null,
      ended: null, // a chat session: its registry status is its latest run's, not an end (EVENTS.md)
      totals: { toolCalls: { exec: 1, sessions_spawn: 3, read: 1 }, toolErrors: { exec: 1 }, errors: 1, tokens: { input: 150 + 6 * 10, output: 20 + 6 * 5, total: 120 + 50 + 6 * 15 } },
      compactions: { count: 2, last: { summary: "second summary", firstKeptEntryId: "ffffffff", tokensBefore: 800 } },
      lastError: { message: "rate limited" },
      spawned: { count: 3 },
    });
    expect(state.labels).toEqual([{ targetId: expect.any(String), label: "status" }]);
    const first = (await querySessionState(internal, { atSeq: compactionSeq })).compactions.last!;
    expect(first.summary).toContain("[REDACTED:anthropic_key]");
    expect(first.summary).not.toContain(SUMMARY_KEY);
    expect(first.summary).toMatch(/…\[truncated: \d+ more chars\]$/);
    expect(first).toMatchObject({ truncated: true, redacted: true, tokensBefore: 5000 });
    // before any reply, the model is known from the snapshot (the model in effect), without a provider
    expect((await querySessionState(internal, { atSeq: 2 })).model).toEqual({ provider: null, model: "claude-sonnet-4-5" });
    const switched = events.find((e) => e.type === "model_switch")!.seq;
    expect((await querySessionState(internal, { atSeq: switched })).model).toEqual({ provider: "openai", model: "gpt-5.1" });
  });
});

describe("points in time", () => {
  it("at (timestamp <= at) agrees with atSeq at the last event stamped at or before it", async () => {
    for (const t of [T(0) - 1, ...new Set(events.map((e) => e.timestamp)), T(0) + 500, T(9) + 1]) {
      const k = events.filter((e) => e.timestamp <= t).length;
      const byTime = await querySessionState(internal, { at: t, lastMessages: 50 });
      const bySeq = await querySessionState(internal, { atSeq: k, lastMessages: 50 });
      const strip = ({ point: _p, notes: _n, atEnd: _e, spawned: { count, children }, ...rest }: SessionState) => ({
        ...rest,
        spawned: { count, children: children.map(({ status: _s, endedAt: _d, ...c }) => c) },
      });
      expect(strip(byTime)).toEqual(strip(bySeq));
      expect(byTime.point).toEqual({ atSeq: null, at: new Date(t).toISOString() });
      expect(byTime.notes).toContain(`at: the state after every event stamped at or before ${new Date(t).toISOString()}.`);
    }
    const iso = await querySessionState(internal, { at: new Date(T(8)).toISOString() });
    const duration = await querySessionState(internal, { at: `${100 - 8}s` }); // now is T(100)
    expect(duration.seq).toBe(iso.seq);
    expect((await querySessionState(internal, { at: String(T(8)) })).seq).toBe(iso.seq);
  });

  it("a compaction drops the messages before its first kept entry; one whose entry is unknown drops nothing and says so", async () => {
    const [first, second] = events.filter((e) => e.type === "compaction");
    const retry = events.find((e) => e.type === "message" && e.payload.text === "try again")!;
    const before = await querySessionState(internal, { atSeq: first!.seq - 1, lastMessages: 50 });
    const after = await querySessionState(internal, { atSeq: first!.seq, lastMessages: 50 });
    expect(before.lastMessages.some((m) => m.seq < retry.seq)).toBe(true);
    expect(after.lastMessages[0]!.id).toBe(retry.id);
    expect(after.messagesInContext).toBe(before.messagesInContext - before.lastMessages.filter((m) => m.seq < retry.seq).length);
    expect(after.lastMessages.every((m) => m.seq >= retry.seq)).toBe(true);
    const unresolved = await querySessionState(internal, { atSeq: second!.seq, lastMessages: 50 });
    expect(unresolved.messagesInContext).toBe((await querySessionState(internal, { atSeq: second!.seq - 1 })).messagesInContext);
    expect(unresolved.notes.join(" ")).toContain('"ffffffff"');
    // lastMessages takes the newest of the context, oldest first
    const two = await querySessionState(internal, { lastMessages: 2 });
    expect(two.lastMessages.map((m) => m.id)).toEqual(events.filter((e) => e.type === "message").slice(-2).map((e) => e.id));
    expect(two.lastMessages.map((m) => m.text)).toEqual(["", "all done"]); // the read call's reply has no text
    expect((await querySessionState(internal, { lastMessages: 0 })).lastMessages).toEqual([]);
  });

  it("memory stays bounded on a long log: 50 messages kept, the count exact, cuts behind the ring resolved", async () => {
    const long = new TempStateDir();
    try {
      const lines: Array<Record<string, unknown>> = [header("s-long", T(0))];
      const users: Array<Record<string, unknown>> = [];
      for (let i = 0; i < 400; i++) {
        const user = userLine(T(1 + 2 * i), `q${i}`);
        users.push(user);
        lines.push(user, assistantLine(T(2 + 2 * i), [text(`a${i}`)]));
      }
      lines.push(compactionLine(T(900), "old", 1, users[10]!.id as string), compactionLine(T(901), "newer", 1, users[300]!.id as string));
      long.registry("main", { [MAIN]: { sessionId: "s-long", updatedAt: T(901) } });
      long.transcript("main", "s-long.jsonl", chainParents(lines));
      const ctx = contextFor(long.root, { caller: MAIN });
      const afterOld = await querySessionState(ctx, { atSeq: 802, lastMessages: 50 });
      expect(afterOld.messagesInContext).toBe(800 - 20);
      expect(afterOld.lastMessages.map((m) => m.text)).toEqual(Array.from({ length: 25 }, (_, i) => [`q${375 + i}`, `a${375 + i}`]).flat());
      const afterNewer = await querySessionState(ctx, { lastMessages: 50 });
      expect(afterNewer.messagesInContext).toBe(200);
      expect(afterNewer.notes).toEqual([]);
    } finally {
      long.remove();
    }
  });
});

describe("generations", () => {
  it('"all" replays the key\'s transcripts oldest first: the fold of session_events order, a fresh context per transcript', async () => {
    const ctx = contextFor(SAMPLE_STORE);
    const OPS = "agent:ops:main";
    const page = await querySessionEvents(ctx, { sessionKey: OPS, generations: "all", limit: 500 });
    expect(new Set(page.events.map((e) => e.sessionId)).size).toBe(2);
    const sessions = (await ctx.listSessions()).filter((s) => s.key === OPS);
    const extras = new Map<string, SourceEvent>();
    for (const session of sessions) for await (const e of session.events({ stats: newReadStats() })) extras.set(e.id, e);
    const shapeSummary = summaryShaper(shapePolicyFor(ctx));
    for (let k = 0; k <= page.events.length; k++) {
      const state = await querySessionState(ctx, { sessionKey: OPS, generations: "all", atSeq: k, lastMessages: 50 });
      const fold = projectState(page.events.slice(0, k).map((e, i) => stateEventFrom(e, extras.get(e.id)!, i + 1, shapeSummary)), 50);
      expectStateIsFold(state, fold);
    }
    const [first] = page.events;
    const endOfFirst = page.events.findIndex((e) => e.sessionId !== first!.sessionId);
    const ended = await querySessionState(ctx, { sessionKey: OPS, generations: "all", atSeq: endOfFirst });
    // (a chat key: a window's status is its latest run's, no end)
    expect(ended).toMatchObject({ sessionId: first!.sessionId, ended: null });
    expect(ended.messagesInContext).toBeGreaterThan(0);
    const fresh = await querySessionState(ctx, { sessionKey: OPS, generations: "all", atSeq: endOfFirst + 1 });
    expect(fresh).toMatchObject({ ended: null, messagesInContext: 0, lastMessages: [], totals: ended.totals });
    expect(fresh.sessionId).not.toBe(first!.sessionId);
    // without "all", the key is its current transcript only
    const current = await querySessionState(ctx, { sessionKey: OPS });
    expect(current.seq).toBe(page.events.length - endOfFirst);
    expect(current.sessionId).toBe(fresh.sessionId);
  });
});

describe("visibility and scope", () => {
  it("a public caller's state has no tool totals, thinking or settings, and counts nothing hidden", async () => {
    const pub = await querySessionState(contextFor(store.root, { caller: MAIN, clearance: "public" }), { lastMessages: 50 });
    const full = await querySessionState(internal, { lastMessages: 50 });
    const hidden = events.filter((e) => e.visibility !== "public").length;
    expect(pub).toMatchObject({ hiddenByVisibility: hidden, eventsProjected: events.length - hidden, thinkingLevel: null, name: null, label: null, labels: [] });
    expect(pub.totals).toEqual({ ...full.totals, toolCalls: {}, toolErrors: {} });
    expect(JSON.stringify(pub)).not.toContain(THINKING);
    expect(full.lastMessages.some((m) => m.thinking === THINKING)).toBe(false); // cut off by the first compaction
    expect((await querySessionState(internal, { atSeq: 6 })).lastMessages.some((m) => m.thinking === THINKING)).toBe(true);
    expect(JSON.stringify(await querySessionState(contextFor(store.root, { caller: MAIN, clearance: "public" }), { atSeq: 6 }))).not.toContain(THINKING);
    expect(pub.notes.join(" ")).toContain(`${hidden} event(s) up to the point are above your clearance`);
  });

  it("stays within the page byte budget: thinking first, then the oldest messages go, and notes say so", async () => {
    const long = "word ".repeat(400);
    const big = new TempStateDir();
    try {
      const lines: Array<Record<string, unknown>> = [header("s-big", T(0))];
      for (let i = 0; i < 30; i++) lines.push(userLine(T(1 + i), `${i} ${long}`));
      lines.push(assistantLine(T(40), [{ type: "thinking", thinking: long }, text("ok")]));
      big.registry("main", { [MAIN]: { sessionId: "s-big", updatedAt: T(40) } });
      big.transcript("main", "s-big.jsonl", chainParents(lines));
      big.file("small.json", JSON.stringify({ pageBytes: 8192 }));
      const state = await querySessionState(contextFor(big.root, { caller: MAIN, config: join(big.root, "small.json") }), { lastMessages: 50 });
      expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThanOrEqual(8192);
      expect(state.messagesInContext).toBe(31);
      expect(state.lastMessages.length).toBeGreaterThan(0);
      expect(state.lastMessages.length).toBeLessThan(31);
      expect(state.lastMessages.at(-1)).toMatchObject({ role: "assistant", text: "ok" });
      expect(state.lastMessages.every((m) => m.thinking === undefined)).toBe(true);
      expect(state.notes.join(" ")).toMatch(/Thinking text was left out.*older message\(s\) were left out/);
    } finally {
      big.remove();
    }
  });

  it("confidential rules hide what they match from the totals", async () => {
    const ctx = contextFor(store.root, { caller: MAIN, config: join(store.root, "exec-confidential.json") });
    const state = await querySessionState(ctx, {});
    expect(state.totals.toolCalls).toEqual({ sessions_spawn: 3, read: 1 });
    expect(state.totals.toolErrors).toEqual({});
    expect(state.hiddenByVisibility).toBe(2);
    expect(JSON.stringify(state)).not.toContain(GITHUB_TOKEN);
  });

  it("children: status from the registry for visible ones (as of the point), never for invisible or unknown ones", async () => {
    const statuses = (s: SessionState) => Object.fromEntries(s.spawned.children.map((c) => [c.childSessionKey, [c.status, c.endedAt ?? null]]));
    const now = await querySessionState(internal, {});
    expect(statuses(now)).toEqual({ [ALPHA]: ["done", new Date(T(12)).toISOString()], [BETA]: ["unknown", null], [GAMMA]: ["unknown", null] });
    expect(JSON.stringify(now)).not.toContain("killed");
    const spawnAlpha = events.find((e) => e.type === "spawn")!.seq;
    expect(statuses(await querySessionState(internal, { atSeq: spawnAlpha }))).toEqual({ [ALPHA]: ["running", null] });
    expect(statuses(await querySessionState(internal, { at: T(12) }))[ALPHA]).toEqual(["done", new Date(T(12)).toISOString()]);
    const operator = await querySessionState(contextFor(store.root), { sessionKey: MAIN });
    expect(statuses(operator)[BETA]).toEqual(["killed", new Date(T(9)).toISOString()]);
    const self = await querySessionState(contextFor(store.root, { caller: MAIN, scope: "self" }), {});
    expect(statuses(self)[ALPHA]).toEqual(["unknown", null]);
  });

  it("a session outside scope answers exactly like session_events does", async () => {
    const child = contextFor(store.root, { caller: ALPHA, scope: "self" });
    for (const ref of [MAIN, "s-main", "agent:main:nope", "s-nope"]) {
      const events = await querySessionEvents(child, { sessionKey: ref }).catch((e: Error) => e.message);
      const state = await querySessionState(child, { sessionKey: ref }).catch((e: Error) => e.message);
      expect(state).toBe(events);
      expect(state).toBe(`No session ${JSON.stringify(ref)} visible to you. Use sessions_events with a pattern (for example "agent:main:*") to see which sessions you can read.`);
    }
    expect((await querySessionState(child, { sessionKey: "current" })).session).toBe(ALPHA);
  });
});

describe("bad input", () => {
  it("is rejected with a message that says what to change", async () => {
    await expect(querySessionState(internal, { atSeq: 3, at: "1h" })).rejects.toThrow(/Give atSeq or at, not both/);
    await expect(querySessionState(internal, { at: "yesterday" })).rejects.toThrow(/^at: "yesterday" is not a time\. Use ISO-8601/);
    await expect(querySessionState(internal, { sessionKey: "agent:main:*" })).rejects.toThrow(/is a pattern/);
    await expect(querySessionState(contextFor(store.root), {})).rejects.toThrow(/runs as operator/);
    for (const bad of [{ atSeq: -1 }, { atSeq: 1.5 }, { lastMessages: 51 }, { lastMessages: -1 }, { bogus: 1 }, { at: true }, { generations: "some" }, { sessionKey: "" }]) {
      expect(SessionStateInputSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(SessionStateInputSchema.safeParse({ sessionKey: MAIN, atSeq: 0, lastMessages: 50, generations: "all" }).success).toBe(true);
  });
});

describe("end to end: the built server over stdio and the CLI", () => {
  it("session_state on the sample store, and `session-events state` printing the same state", async () => {
    ensureBuilt();
    const box = sampleStoreCopy();
    const env = cleanEnv({ SESSION_EVENTS_CACHE_DIR: box.cacheDir });
    const server = await connectServer(["--store", box.store, "--caller", MAIN], env);
    try {
      const tool = (await server.client.listTools()).tools.find((t) => t.name === "session_state")!;
      expect(tool.annotations).toMatchObject({ readOnlyHint: true, openWorldHint: false });
      const result = (await server.client.callTool({ name: "session_state", arguments: { atSeq: 12, lastMessages: 3 } })) as CallToolResult;
      expect(result.isError).not.toBe(true);
      const state = result.structuredContent as SessionState;
      expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual(state);
      expect(new AjvJsonSchemaValidator().getValidator(tool.outputSchema as never)(state).valid).toBe(true);
      expect(state).toMatchObject({
        session: MAIN,
        seq: 12,
        atEnd: false,
        thinkingLevel: "medium",
        totals: { messages: { user: 2, assistant: 3 }, toolCalls: { web_search: 1, sessions_spawn: 1 } },
        spawned: { count: 1, children: [{ status: "done" }] },
        messagesInContext: 5,
      });
      expect(state.lastMessages.map((m) => m.seq)).toEqual([7, 11, 12]);
      const both = (await server.client.callTool({ name: "session_state", arguments: { atSeq: 1, at: "1h" } })) as CallToolResult;
      expect(both.isError).toBe(true);
      expect((both.content[0] as { text: string }).text).toMatch(/Give atSeq or at, not both/);

      const json = await runCli(["state", "--store", box.store, "--caller", MAIN, "--at-seq", "12", "--last-messages", "3", "--json"], env);
      expect(json.code, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual(state);
      const readable = await runCli(["state", "--store", box.store, "--session", MAIN, "--at-seq", "23"], env);
      expect(readable.code, readable.stderr).toBe(0);
      expect(readable.stdout).toContain(`${MAIN} (3f1e2c4a-8b7d-4c1e-9a2f-5d6e7f8a9b01) at atSeq 23: after seq 23`);
      expect(readable.stdout).toContain("4 message(s) in context");
      const bad = await runCli(["state", "--store", box.store, "--session", MAIN, "--at-seq", "x"], env);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("--at-seq takes a whole number");
    } finally {
      await server.close();
      box.cleanup();
    }
  }, 120_000);
});

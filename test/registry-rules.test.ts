/**
 * Registry-level rules (EVENTS.md, issue 23), on files and SQLite alike: `session_end` only for runs that
 * end; one transcript reported once however many registry keys name it; a registry entry whose
 * transcript is missing answers with no events and a note. Over the real excerpts where they are, and
 * over fixtures of the same shapes.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Page } from "../src/contract/page.js";
import { sessionsInScope } from "../src/engine/principal.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { querySessionState } from "../src/engine/session-state/run-state.js";
import type { AppOptions } from "../src/app/context.js";
import { contextFor } from "./helpers/context.js";
import { writeFilesAgent, writeSqliteAgent, type AgentFixture } from "./helpers/fixture-sessions.js";
import { conversation } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";

const REAL = join(process.cwd(), "..", "shared", "realdata", "stores");
const hasReal = existsSync(REAL);
if (!hasReal) console.warn(`registry-rules: ${REAL} is absent; the tests over real excerpts are skipped.`);

const KINDS = ["files", "sqlite"] as const;
type Kind = (typeof KINDS)[number];

const stores: TempStateDir[] = [];
afterAll(() => stores.forEach((s) => s.remove()));

/** A state dir holding these agents, as files or as agent databases. */
function storeWith(kind: Kind, agents: Record<string, AgentFixture>): string {
  const store = new TempStateDir("session-events-registry-");
  stores.push(store);
  for (const [agent, fixture] of Object.entries(agents)) {
    if (kind === "files") writeFilesAgent(store, agent, fixture);
    else writeSqliteAgent(store, agent, fixture);
  }
  return store.root;
}

/** A real excerpt's agent as a fixture: its registry and the transcripts it holds (`<id>.jsonl` only). */
function realAgent(caseName: string, agent: string): AgentFixture {
  const dir = join(REAL, caseName, "agents", agent, "sessions");
  const registry = JSON.parse(readFileSync(join(dir, "sessions.json"), "utf8")) as AgentFixture["registry"];
  const transcripts: AgentFixture["transcripts"] = {};
  for (const name of readdirSync(dir).filter((n) => /^[0-9a-f-]{36}\.jsonl$/.test(n))) {
    transcripts[name.slice(0, -".jsonl".length)] = readFileSync(join(dir, name), "utf8").split("\n").filter((l) => l.trim() !== "");
  }
  return { registry, transcripts };
}

/** The real excerpt where it is (files), or the same lines in an agent database. */
function realStore(kind: Kind, caseName: string): string {
  if (kind === "files") return join(REAL, caseName);
  const agents = readdirSync(join(REAL, caseName, "agents"));
  return storeWith(kind, Object.fromEntries(agents.map((a) => [a, realAgent(caseName, a)])));
}

async function allEvents(root: string, input: Parameters<typeof querySessionsEvents>[1] = {}, options: Omit<AppOptions, "store"> = {}) {
  const ctx = contextFor(root, { clearance: "confidential", ...options });
  const pages: Page[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await querySessionsEvents(ctx, { limit: 500, ...input, cursor });
    pages.push(page);
    if (!page.hasMore) break;
    cursor = page.nextCursor;
  }
  return { events: pages.flatMap((p) => p.events), notes: pages[0]!.notes };
}

const endsOf = (events: Page["events"]) => events.filter((e) => e.type === "session_end");

describe.skipIf(!hasReal).each(KINDS)("real excerpts (%s)", (kind) => {
  it("run-end: spawned and cron runs end with their status at endedAt; a chat session and a cron job's own key do not", async () => {
    const root = realStore(kind, "run-end");
    const { events } = await allEvents(root);
    const ends = new Map(endsOf(events).map((e) => [e.session, e]));
    expect([...ends.keys()].sort()).toEqual([
      "agent:analyst:subagent:19647620-32c2-425b-8c2d-f4bfdf2c6bac",
      "agent:analyst:subagent:3693e136-b9c5-4ca8-ad53-f78c269e06ba",
      "agent:coach:cron:c9a6a5f6-ba9e-481f-a38d-4e70fd2cd39f:run:9c2dd11d-9411-427e-b95f-f4fdf87c5cdf",
    ]);
    expect(ends.get("agent:analyst:subagent:3693e136-b9c5-4ca8-ad53-f78c269e06ba")!.payload).toMatchObject({ status: "timeout", runtimeMs: 89361 });
    const cronRun = ends.get("agent:coach:cron:c9a6a5f6-ba9e-481f-a38d-4e70fd2cd39f:run:9c2dd11d-9411-427e-b95f-f4fdf87c5cdf")!;
    expect(cronRun).toMatchObject({ timestamp: 1776513689800, payload: { status: "done", runtimeMs: 89784 } });
    // each end is its session's last event
    for (const end of ends.values()) expect(events.filter((e) => e.session === end.session).at(-1)).toBe(end);
    // agent:coach:main is "done" and the cron job key "running": neither ends
    expect(events.some((e) => e.session === "agent:coach:main")).toBe(true);
  });

  it("nucbox: chat sessions marked done get no session_end; the slash key's missing transcript is a note", async () => {
    const root = realStore(kind, "nucbox");
    const { events, notes } = await allEvents(root);
    expect(events.some((e) => e.session === "agent:main:main")).toBe(true);
    expect(events.some((e) => e.session === "agent:main:telegram:direct:1000000001")).toBe(true);
    expect(endsOf(events)).toEqual([]);
    expect(notes.filter((n) => n.includes("missing"))).toEqual([
      expect.stringMatching(/^agent:main:telegram:slash:1000000001: transcript .*4857801c-7de6-4f20-863b-d7fdd0590d8c.* is missing/),
    ]);
    const ctx = contextFor(root, { clearance: "confidential" });
    const one = await querySessionEvents(ctx, { sessionKey: "agent:main:telegram:slash:1000000001" });
    expect(one.events).toEqual([]);
    expect(one.notes.join("\n")).toMatch(/agent:main:telegram:slash:1000000001: transcript .* is missing/);
  });

  it("kenhsm: both registry entries lack transcripts: no events, no error, a note each (session_state too)", async () => {
    const root = realStore(kind, "kenhsm");
    const { events, notes } = await allEvents(root);
    expect(events).toEqual([]);
    const missing = notes.filter((n) => n.includes("is missing"));
    expect(missing).toHaveLength(2);
    expect(missing.some((n) => /^agent:main:main: transcript .*03a3748e-ac09-438b-91eb-22b440e36b8b.* is missing/.test(n))).toBe(true);
    expect(missing.some((n) => /^agent:main:telegram:direct:1000000002: transcript .*76d1c596-0a5c-4b01-b8fe-46504ece581c.* is missing/.test(n))).toBe(true);
    const ctx = contextFor(root, { clearance: "confidential" });
    const state = await querySessionState(ctx, { sessionKey: "agent:main:telegram:direct:1000000002" });
    expect(state).toMatchObject({ session: "agent:main:telegram:direct:1000000002", eventsProjected: 0, ended: null });
    expect(state.notes.join("\n")).toMatch(/agent:main:telegram:direct:1000000002: transcript .*76d1c596.* is missing/);
  });

  it("cron-shared: a job key and its run key name one transcript: reported once, under the run key, by either key", async () => {
    const root = realStore(kind, "cron-shared");
    const { events } = await allEvents(root);
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const bySession = new Map<string, Set<string>>();
    for (const e of events) (bySession.get(e.sessionId) ?? bySession.set(e.sessionId, new Set()).get(e.sessionId)!).add(e.session);
    expect(Object.fromEntries([...bySession].map(([id, keys]) => [id, [...keys]]))).toEqual({
      "b32c98df-ad21-4a8e-83ab-a898610a12cf": ["agent:coach:cron:ac174a8d-4d81-4a88-acb3-571153d19449:run:b32c98df-ad21-4a8e-83ab-a898610a12cf"],
      "9c2dd11d-9411-427e-b95f-f4fdf87c5cdf": ["agent:coach:cron:c9a6a5f6-ba9e-481f-a38d-4e70fd2cd39f:run:9c2dd11d-9411-427e-b95f-f4fdf87c5cdf"],
      "c3bec303-09f2-415c-a401-34c6fc861bfc": ["agent:coach:feishu:group:oc_00000000000000000000000000000001"],
    });
    const ctx = contextFor(root, { clearance: "confidential" });
    const byJob = await querySessionEvents(ctx, { sessionKey: "agent:coach:cron:ac174a8d-4d81-4a88-acb3-571153d19449", limit: 500 });
    const byRun = await querySessionEvents(ctx, { sessionKey: "agent:coach:cron:ac174a8d-4d81-4a88-acb3-571153d19449:run:b32c98df-ad21-4a8e-83ab-a898610a12cf", limit: 500 });
    expect(byJob.events.length).toBeGreaterThan(0);
    expect(byJob.events).toEqual(byRun.events);
    const sessions = sessionsInScope(await ctx.listSessions(), ctx.principal);
    expect(sessions.map((s) => s.sessionId).sort()).toEqual([
      "9c2dd11d-9411-427e-b95f-f4fdf87c5cdf",
      "b32c98df-ad21-4a8e-83ab-a898610a12cf",
      "c3bec303-09f2-415c-a401-34c6fc861bfc",
    ]);
  });
});

const T0 = Date.parse("2026-05-01T10:00:00Z");
const ended = (sessionId: string, extra: Record<string, unknown> = {}) => ({
  sessionId,
  updatedAt: T0 + 60_000,
  status: "done",
  startedAt: T0,
  endedAt: T0 + 30_000,
  runtimeMs: 30_000,
  ...extra,
});

describe.each(KINDS)("session_end only for runs (%s)", (kind) => {
  it("ends spawned, subagent, cron-run and explicit runs; never main, a DM, a group or a cron job's key", async () => {
    const runs = {
      "agent:main:subagent:a1": ended("s-sub"),
      "agent:main:telegram:dm:42": ended("s-spawned-dm", { spawnedBy: "agent:main:main" }),
      "agent:main:discord:group:g": ended("s-child", { parentSessionKey: "agent:main:main" }),
      "agent:main:cron:job1:run:s-cron-run": ended("s-cron-run"),
      "agent:main:explicit:model-run-1": ended("s-explicit", { status: "failed" }),
    };
    const chats = {
      "agent:main:main": ended("s-main"),
      "agent:main:telegram:dm:7": ended("s-dm"),
      "agent:main:discord:group:h": ended("s-group", { status: "killed" }),
      "agent:main:cron:job2": ended("s-cron-job", { status: "timeout" }),
    };
    const registry = { ...runs, ...chats };
    const transcripts = Object.fromEntries(Object.values(registry).map((e) => [e.sessionId, conversation(e.sessionId, T0, 2)]));
    const { events } = await allEvents(storeWith(kind, { main: { registry, transcripts } }));
    expect(endsOf(events).map((e) => e.session).sort()).toEqual(Object.keys(runs).sort());
    for (const end of endsOf(events)) expect(end.timestamp).toBe(T0 + 30_000);
    // the listing still tells every entry's status
    const ctx = contextFor(storeWith(kind, { main: { registry, transcripts } }), { clearance: "confidential" });
    const listed = await ctx.listSessions();
    expect(listed.find((s) => s.key === "agent:main:main")).toMatchObject({ status: "done", endedAt: T0 + 30_000 });
  });
});

describe.each(KINDS)("one transcript, one set of events (%s)", (kind) => {
  const JOB = "agent:main:cron:job";
  const RUN = "agent:main:cron:job:run:s-shared";
  const CHILD = "agent:main:subagent:c1";
  const fixture = (): AgentFixture => ({
    registry: {
      "agent:main:main": { sessionId: "s-main", updatedAt: T0 },
      // the job key is (oddly) spawned from main; the run key has no parent
      [JOB]: { sessionId: "s-shared", updatedAt: T0 + 5_000, spawnedBy: "agent:main:main" },
      [RUN]: { sessionId: "s-shared", updatedAt: T0 + 1_000 },
      // spawned by the run key: in main's tree only if the run key were
      [CHILD]: { sessionId: "s-child", updatedAt: T0, spawnedBy: RUN },
      // two chat keys on one transcript, no run key: the most recently updated reports it
      "agent:main:dm:a": { sessionId: "s-dm", updatedAt: T0 + 1_000 },
      "agent:main:dm:b": { sessionId: "s-dm", updatedAt: T0 + 9_000 },
    },
    transcripts: {
      "s-main": conversation("s-main", T0, 1),
      "s-shared": conversation("s-shared", T0, 2),
      "s-child": conversation("s-child", T0, 1),
      "s-dm": conversation("s-dm", T0, 1),
    },
  });

  it("lists each transcript once and answers a query naming any of its keys, or its id, with the same events", async () => {
    const root = storeWith(kind, { main: fixture() });
    const { events } = await allEvents(root);
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const keysOf = (sessionId: string) => [...new Set(events.filter((e) => e.sessionId === sessionId).map((e) => e.session))];
    expect(keysOf("s-shared")).toEqual([RUN]);
    expect(keysOf("s-dm")).toEqual(["agent:main:dm:b"]);
    expect(events.filter((e) => e.sessionId === "s-shared")).toHaveLength(5);

    const ctx = contextFor(root, { clearance: "confidential" });
    const byRun = await querySessionEvents(ctx, { sessionKey: RUN });
    for (const ref of [JOB, JOB.toUpperCase(), "s-shared"]) expect((await querySessionEvents(ctx, { sessionKey: ref })).events).toEqual(byRun.events);
    expect((await querySessionEvents(ctx, { sessionKey: "agent:main:dm:a" })).events.map((e) => e.session)).toEqual(Array(3).fill("agent:main:dm:b"));
    // a pattern matching only the alias selects the session; one matching both keys, once
    expect((await querySessionsEvents(ctx, { sessionKey: JOB })).events).toEqual(byRun.events);
    expect((await querySessionsEvents(ctx, { sessionKey: "agent:main:cron:*" })).events).toEqual(byRun.events);
    const listed = sessionsInScope(await ctx.listSessions(), ctx.principal);
    expect(listed.map((s) => s.sessionId).sort()).toEqual(["s-child", "s-dm", "s-main", "s-shared"]);
    expect(listed.find((s) => s.sessionId === "s-shared")!.aliases?.map((a) => a.key)).toEqual([JOB]);
  });

  it("scope follows each key's own parent: an alias shows its transcript, never what hangs off the other key", async () => {
    const root = storeWith(kind, { main: fixture() });
    const visibleTo = async (caller: string, scope: string) => {
      const ctx = contextFor(root, { caller, scope, clearance: "confidential" });
      return [...new Set((await querySessionsEvents(ctx, { limit: 500 })).events.map((e) => e.sessionId))].sort();
    };
    // main's tree holds the job key (spawned from main), so the shared transcript (still reported under
    // the run key); not the run key's child
    expect(await visibleTo("agent:main:main", "tree")).toEqual(["s-main", "s-shared"]);
    const viaAlias = await querySessionsEvents(contextFor(root, { caller: "agent:main:main", scope: "tree" }), { sessionKey: JOB });
    expect(new Set(viaAlias.events.map((e) => e.session))).toEqual(new Set([RUN]));
    // the run key's tree holds its child; the job key's does not
    expect(await visibleTo(RUN, "tree")).toEqual(["s-child", "s-shared"]);
    expect(await visibleTo(JOB, "tree")).toEqual(["s-shared"]);
    expect(await visibleTo(JOB, "self")).toEqual(["s-shared"]);
    expect(await visibleTo(CHILD, "self")).toEqual(["s-child"]);
    // and one key answers like any other for a caller that may not see the transcript
    const outsider = contextFor(root, { caller: CHILD, scope: "tree", clearance: "confidential" });
    await expect(querySessionEvents(outsider, { sessionKey: JOB })).rejects.toThrow(/No session/);
    await expect(querySessionEvents(outsider, { sessionKey: RUN })).rejects.toThrow(/No session/);
  });
});

describe.each(KINDS)("a registry entry whose transcript is missing (%s)", (kind) => {
  const fixture = (): AgentFixture => ({
    registry: {
      "agent:main:main": { sessionId: "s-main", updatedAt: T0 },
      "agent:main:subagent:gone": { sessionId: "s-gone", updatedAt: T0, spawnedBy: "agent:main:main", status: "done", endedAt: T0 + 1_000 },
      "agent:main:other": { sessionId: "s-other-gone", updatedAt: T0 },
    },
    transcripts: { "s-main": conversation("s-main", T0, 1) },
  });

  it("answers with no events and a note, only for sessions the caller may see and the query selected", async () => {
    const root = storeWith(kind, { main: fixture() });
    const tree = contextFor(root, { caller: "agent:main:main", scope: "tree", clearance: "confidential" });
    const page = await querySessionsEvents(tree, {});
    expect(page.events.every((e) => e.sessionId === "s-main")).toBe(true);
    expect(page.notes.filter((n) => n.includes("missing"))).toEqual([expect.stringMatching(/^agent:main:subagent:gone: transcript .*s-gone.* is missing/)]);
    const one = await querySessionEvents(tree, { sessionKey: "agent:main:subagent:gone" });
    expect(one.events).toEqual([]); // not even the registry's session_end
    expect(one.notes.some((n) => /^agent:main:subagent:gone: transcript .* is missing/.test(n))).toBe(true);
    const mainOnly = await querySessionEvents(tree, { sessionKey: "agent:main:main" });
    expect(mainOnly.notes.some((n) => n.includes("missing"))).toBe(false);
    const state = await querySessionState(tree, { sessionKey: "agent:main:subagent:gone" });
    expect(state).toMatchObject({ eventsProjected: 0, sessionId: "s-gone" });
    expect(state.notes.some((n) => /^agent:main:subagent:gone: transcript .* is missing/.test(n))).toBe(true);
    const operator = contextFor(root, { clearance: "confidential" });
    const all = await querySessionsEvents(operator, {});
    expect(all.notes.filter((n) => n.includes("missing"))).toHaveLength(2);
  });

  it("names a few sessions and counts the rest, so that notes stay small", async () => {
    const registry: AgentFixture["registry"] = {};
    for (let i = 0; i < 40; i++) registry[`agent:main:dm:${i}`] = { sessionId: `s-gone-${i}`, updatedAt: T0 };
    const root = storeWith(kind, { main: { registry, transcripts: {} } });
    const page = await querySessionsEvents(contextFor(root, { clearance: "confidential" }), {});
    const missing = page.notes.filter((n) => n.includes("transcript"));
    expect(missing).toHaveLength(6);
    expect(missing.at(-1)).toMatch(/^35 more/);
  });
});

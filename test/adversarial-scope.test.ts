/**
 * Scope escape, attempted every way we could think of. The strongest form of "a session outside your
 * scope answers exactly like one that does not exist": each attempt runs against world A (every session)
 * and world B (only the sessions the caller may see), and the two answers (page or error, cursor
 * included) must be identical, byte for byte. Then cursors: minted elsewhere, or tampered with.
 */
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionEventsInput, SessionsEventsInput } from "../src/contract/query-input.js";
import type { SessionStateInput } from "../src/contract/session-state.js";
import { CursorCodec } from "../src/engine/cursor.js";
import { QueryError } from "../src/engine/errors.js";
import { querySessionEvents, querySessionsEvents } from "../src/engine/run-query.js";
import { querySessionState } from "../src/engine/session-state/run-state.js";
import { cleanEnv, connectServer, ensureBuilt, type Connected } from "./helpers/built-server.js";
import { contextFor } from "./helpers/context.js";
import { assistantLine, header, text, toolCall, toolResultLine, userLine } from "./helpers/pi-lines.js";
import { TempStateDir } from "./helpers/temp-store.js";
import { removeCacheDir, tempCacheDir } from "./helpers/temp-cache.js";

const T0 = Date.parse("2026-07-01T10:00:00Z");
const NOW = T0 + 3_600_000;
const RESTART = "Call again without cursor to start over (a cursor only works with the same tool, arguments and caller that produced it).";

type Spec = { agent: string; storeKey: string; id: string; entry?: Record<string, unknown> };
/** main spawned child, child spawned grand; other and its kid are unrelated; a session is literally named "current". */
const WORLD: Spec[] = [
  { agent: "main", storeKey: "agent:main:main", id: "id-main" },
  { agent: "main", storeKey: "agent:main:subagent:child", id: "id-child", entry: { spawnedBy: "agent:main:main" } },
  { agent: "main", storeKey: "agent:main:subagent:grand", id: "id-grand", entry: { parentSessionKey: "agent:main:subagent:child" } },
  { agent: "main", storeKey: "agent:main:other", id: "id-other" },
  { agent: "main", storeKey: "agent:main:other-kid", id: "id-other-kid", entry: { spawnedBy: "agent:main:other" } },
  { agent: "main", storeKey: "current", id: "id-current" },
  { agent: "main", storeKey: "agent:main:x", id: "id-x", entry: { spawnedBy: "agent:work:main" } },
  { agent: "work", storeKey: "agent:work:main", id: "id-work" },
  { agent: "work", storeKey: "agent:work:y", id: "id-work-y", entry: { spawnedBy: "agent:work:main", status: "done", endedAt: T0 + 9000 } },
];
const marker = (id: string) => `MARK-${id}-7c1f`;
const flip = (text: string, i: number) => text.slice(0, i) + (text[i] === "A" ? "B" : "A") + text.slice(i + 1);

function writeWorld(specs: Spec[]): TempStateDir {
  const store = new TempStateDir("adv-scope-");
  for (const agent of new Set(specs.map((s) => s.agent))) {
    const mine = specs.filter((s) => s.agent === agent);
    store.registry(agent, Object.fromEntries(mine.map((s) => [s.storeKey, { sessionId: s.id, updatedAt: T0 + 9000, ...s.entry }])));
    for (const s of mine) {
      store.transcript(agent, `${s.id}.jsonl`, [
        header(s.id, T0),
        // fixed entry ids, so both worlds hold byte-identical transcripts
        { ...userLine(T0 + 1000, `hello ${marker(s.id)}`), id: `${s.id}-1` },
        { ...assistantLine(T0 + 2000, [text(`reply ${marker(s.id)}`), toolCall(`c-${s.id}`, "read", { path: marker(s.id) })]), id: `${s.id}-2` },
        { ...toolResultLine(T0 + 3000, `c-${s.id}`, "read", `contents ${marker(s.id)}`), id: `${s.id}-3` },
        "{broken line",
      ]);
    }
  }
  return store;
}

type Who = { name: string; caller?: string; scope?: "self" | "tree" | "agent" | "all"; sees: string[] };
const PRINCIPALS: Who[] = [
  { name: "self child", caller: "agent:main:subagent:child", scope: "self", sees: ["id-child"] },
  { name: "tree main", caller: "agent:main:main", scope: "tree", sees: ["id-main", "id-child", "id-grand"] },
  { name: "tree child", caller: "agent:main:subagent:child", scope: "tree", sees: ["id-child", "id-grand"] },
  { name: "agent work", caller: "agent:work:main", scope: "agent", sees: ["id-work", "id-work-y"] },
  { name: "caller named current", caller: "current", scope: "self", sees: ["id-current"] },
  { name: "bare legacy caller", caller: "other", scope: "tree", sees: ["id-other", "id-other-kid"] },
];

type Attempt = ["one", SessionEventsInput] | ["many", SessionsEventsInput] | ["state", SessionStateInput];
const INVISIBLE_KEYS = [
  "agent:main:other", "AGENT:MAIN:OTHER", "Agent:Main:Other", "agent:main:OTHER", "other", "OTHER",
  "agent:main:other ", " agent:main:other", "agent:main:other\t", "agent:main:other\n", "agent:main:other\u0000",
  "agent:main:oth\u0435r", "\u0430gent:main:other", "agent:main:other\u200b", "agent\uff1amain\uff1aother", "agent:ma\u0130n:main",
  "agent:main:other-\u212Aid", "agent:main:other/", "agent:main:other:", "agent::main:other", "agent:main:main", "main",
  "agent:main:subagent:grand", "agent:main:x", "agent:work:main", "agent:work:y", "work:main",
  "id-other", "ID-OTHER", "id-other ", "id-other.jsonl", "../id-other", "sessions/id-other.jsonl", "id-main", "id-work", "id-x",
  "current", "CURRENT", "Current", " current", "current ", "agent:main:current", "id-current", "\"current\"",
  "agent:main:does-not-exist", "agent:main:subagent:child", "id-child",
];
const PATTERNS: Array<string | string[]> = [
  "*", "**", "***", "*:*:*", "agent:*", "agent:*:*", "AGENT:*", "*main*", "*other*", "*OTHER*", "agent:main:*", "agent:work:*",
  "*id-other*", "id-*", "id-other", "id-main", ".*", "%", "_", "?", "agent:main:oth?r", "agent:main:[o]ther", "agent:main:other\\",
  "agent:main:other*", "*\u212Aid", "agent:main:oth\u0435r", "*:current", "current", "CURRENT",
  ["agent:main:main", "agent:main:other", "current"], ["*", "current"], ["id-other", "agent:main:subagent:child"],
  ["agent:main:subagent:child", "agent:main:subagent:grand", "agent:work:y"], Array.from({ length: 20 }, (_, i) => `agent:main:other${"*".repeat(i % 3)}`),
];
const ATTEMPTS: Attempt[] = [
  ["one", {}],
  ...INVISIBLE_KEYS.map((sessionKey): Attempt => ["one", { sessionKey }]),
  ...["*", "**", "agent:*", "*:*:*", "agent:main:*"].map((sessionKey): Attempt => ["one", { sessionKey }]),
  ["one", { sessionKey: "id-other", generations: "all" }],
  ["one", { sessionKey: "agent:main:other", types: ["message"], since: T0, order: "desc" }],
  ["many", {}],
  ...PATTERNS.map((sessionKey): Attempt => ["many", { sessionKey }]),
  ...["main", "*", "work", "MAIN", "ma*", "*o*", "wor\u212A"].map((agentId): Attempt => ["many", { agentId }]),
  ...[
    "agent:main:other", "AGENT:MAIN:OTHER", "id-other", "other", "agent:main:main", "main", "current", "CURRENT", "agent:main:subagent:child",
    "agent:main:nonexistent", "agent:work:main", "id-work", "agent:main:x", "agent:main:current", "*", "agent:*", "id-main",
  ].flatMap((spawnedBy): Attempt[] => [["many", { spawnedBy }], ["many", { spawnedBy, descendants: true }]]),
  ["many", { descendants: true }],
  ["many", { descendants: false }],
  ["many", { sessionKey: "agent:main:other", spawnedBy: "current" }],
  ["many", { agentId: "work", spawnedBy: "current", descendants: true }],
  ["many", { sessionKey: "*", types: ["tool_call", "tool_result"], generations: "all" }],
  ["many", { sessionKey: ["agent:main:other", "id-other-kid"], order: "desc", limit: 1 }],
  // one event by id: an invisible session's event ids, and ids shaped to confuse the parser
  ...["id-other:2", "id-other:1", "id-work:3", "id-main:2", "id-child:2", "id-x:2", "ID-OTHER:2", "id-other:02", "id-other:2.0", "id-other:", ":2",
    "id-other::2", "id-other:2:2", "id-other:-1", "id-other:1e0", "*:2", "id-*:2", "../id-other:2", "id-other :2"]
    .map((eventId): Attempt => ["one", { eventId }]),
  ["one", { eventId: "id-other:2", offset: 5 }],
  ["one", { sessionKey: "agent:main:other", eventId: "id-other:2" }],
  // counting, payload fields and field length across what the caller may not see
  ...(["type", "tool", "session", "agent", "model", "hour"] as const).map((dim): Attempt => ["many", { sessionKey: "*", groupBy: [dim] }]),
  ["many", { sessionKey: ["agent:main:other", "id-work"], groupBy: ["session", "type"] }],
  ["one", { sessionKey: "agent:main:other", groupBy: ["type"] }],
  ["many", { sessionKey: "*", fields: ["text", "args", "childSessionKey"], maxFieldChars: 16 }],
  // the state of one session
  ...["current", "agent:main:other", "AGENT:MAIN:OTHER", "id-other", "other", "agent:main:oth\u0435r", "agent:work:y", "id-main", "*", "agent:*", "id-current", " current"]
    .map((sessionKey): Attempt => ["state", { sessionKey }]),
  ["state", {}],
  ["state", { sessionKey: "agent:main:other", atSeq: 2 }],
  ["state", { sessionKey: "id-other", at: T0 + 1500, lastMessages: 50 }],
  ["state", { sessionKey: "agent:main:other", generations: "all" }],
];

/** The whole answer, as data: a page (cursor included) or the error message. Anything but a QueryError fails. */
async function answer(ctx: ReturnType<typeof contextFor>, [tool, input]: Attempt): Promise<unknown> {
  try {
    if (tool === "state") return await querySessionState(ctx, input);
    return tool === "one" ? await querySessionEvents(ctx, input) : await querySessionsEvents(ctx, input);
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    return { error: error.message };
  }
}

let worldA: TempStateDir;
const worldsB = new Map<string, TempStateDir>();
const ctxFor = (store: TempStateDir, who: Who) => contextFor(store.root, { caller: who.caller, scope: who.scope, now: NOW });

beforeAll(() => {
  worldA = writeWorld(WORLD);
  for (const who of PRINCIPALS) worldsB.set(who.name, writeWorld(WORLD.filter((s) => who.sees.includes(s.id))));
});
afterAll(() => {
  worldA?.remove();
  for (const store of worldsB.values()) store.remove();
});

describe("scope escape: invisible answers exactly like nonexistent", () => {
  it("the worlds are what the attempts assume (an operator sees all nine sessions; each caller exactly its own)", async () => {
    const operator = contextFor(worldA.root, { now: NOW });
    const page = await querySessionsEvents(operator, { limit: 500 });
    expect(new Set(page.events.map((e) => e.sessionId))).toEqual(new Set(WORLD.map((s) => s.id)));
    for (const who of PRINCIPALS) {
      const mine = await querySessionsEvents(ctxFor(worldA, who), { limit: 500 });
      expect(new Set(mine.events.map((e) => e.sessionId)), who.name).toEqual(new Set(who.sees));
    }
  });

  for (const who of PRINCIPALS) {
    it(`${who.name}: ${ATTEMPTS.length} attempts answer identically with and without the sessions it may not see`, async () => {
      const a = ctxFor(worldA, who);
      const b = ctxFor(worldsB.get(who.name)!, who);
      const hiddenMarkers = WORLD.filter((s) => !who.sees.includes(s.id)).map((s) => marker(s.id));
      for (const attempt of ATTEMPTS) {
        const [inA, inB] = [await answer(a, attempt), await answer(b, attempt)];
        const label = `${who.name} ${JSON.stringify(attempt)}`;
        expect(inA, label).toEqual(inB);
        const json = JSON.stringify(inA);
        for (const m of hiddenMarkers) expect(json, label).not.toContain(m);
      }
    });
  }

  it("the answers are the ones expected: the not-visible message, the pattern message, own events only", async () => {
    const self = ctxFor(worldA, PRINCIPALS[0]!);
    const notVisible = (key: string) =>
      `No session ${JSON.stringify(key)} visible to you. Use sessions_events with a pattern (for example "agent:main:*") to see which sessions you can read.`;
    for (const key of ["agent:main:other", "AGENT:MAIN:OTHER", "agent:main:other ", "id-other", "agent:main:oth\u0435r", "agent:main:other-\u212Aid"]) {
      expect(await answer(self, ["one", { sessionKey: key }])).toEqual({ error: notVisible(key) });
    }
    expect(await answer(self, ["many", { spawnedBy: "agent:main:other" }])).toEqual({ error: notVisible("agent:main:other") });
    expect(await answer(self, ["one", { sessionKey: "*" }])).toEqual({
      error: 'session_events reads one session, but sessionKey "*" is a pattern. Use sessions_events for patterns.',
    });
    expect(await answer(self, ["many", { descendants: true }])).toEqual({
      error: 'descendants only applies together with spawnedBy (e.g. spawnedBy: "current", descendants: true).',
    });
    for (const pattern of ["*", "**", "*:*:*", ["agent:main:main", "agent:main:other", "current"]]) {
      const page = await querySessionsEvents(self, { sessionKey: pattern, limit: 500 });
      expect(new Set(page.events.map((e) => e.session))).toEqual(new Set(["agent:main:subagent:child"]));
      expect(page.sessionsMatched).toBe(1);
    }
    // a Kelvin sign lower-cases to "k": it may only ever reach what is visible anyway
    const kelvin = await querySessionsEvents(ctxFor(worldA, PRINCIPALS[5]!), { sessionKey: "*\u212Aid" });
    expect(new Set(kelvin.events.map((e) => e.session))).toEqual(new Set(["agent:main:other-kid"]));
  });

  it('"current" is always the caller: a session named current is not it, and an operator has none', async () => {
    const main = ctxFor(worldA, PRINCIPALS[1]!);
    const current = await querySessionEvents(main, { sessionKey: "current", limit: 500 });
    expect(new Set(current.events.map((e) => e.sessionId))).toEqual(new Set(["id-main"]));
    expect(await answer(main, ["one", { sessionKey: "agent:main:current" }])).toEqual({ error: expect.stringMatching(/^No session "agent:main:current" visible/) });
    const named = ctxFor(worldA, PRINCIPALS[4]!);
    expect(new Set((await querySessionEvents(named, { limit: 500 })).events.map((e) => e.sessionId))).toEqual(new Set(["id-current"]));
    const operator = contextFor(worldA.root, { now: NOW });
    for (const attempt of [["one", {}], ["one", { sessionKey: "current" }], ["many", { spawnedBy: "current" }], ["many", { sessionKey: ["*", "current"] }]] as Attempt[]) {
      expect(await answer(operator, attempt)).toEqual({ error: expect.stringMatching(/"current" means your own session, but this server has no caller session/) });
    }
  });

  // (was a finding: the family tree was followed through sessions outside scope, so an invisible session
  // changed a visible answer; here agent:work:y descends from agent:work:main only via agent:main:x)
  it("descendants through a session outside scope answer as if that session did not exist", async () => {
    const chain: Spec[] = [
      { agent: "work", storeKey: "agent:work:main", id: "id-work" },
      { agent: "main", storeKey: "agent:main:x", id: "id-x", entry: { spawnedBy: "agent:work:main" } },
      { agent: "work", storeKey: "agent:work:y", id: "id-work-y", entry: { spawnedBy: "agent:main:x" } },
    ];
    const a = writeWorld(chain);
    const b = writeWorld(chain.filter((s) => s.agent === "work"));
    try {
      const who: Who = { name: "agent work", caller: "agent:work:main", scope: "agent", sees: [] };
      const attempt: Attempt = ["many", { spawnedBy: "current", descendants: true }];
      expect(await answer(ctxFor(a, who), attempt)).toEqual(await answer(ctxFor(b, who), attempt));
    } finally {
      a.remove();
      b.remove();
    }
  });
});

describe("cursors: minted elsewhere or tampered with", () => {
  const self = () => ctxFor(worldA, PRINCIPALS[0]!);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

  /** Attempts that make no assumption about the cursor's format beyond its being text. */
  async function tamperedCursors(): Promise<Array<[string, string]>> {
    const ctx = self();
    const input = { sessionKey: "*", limit: 1 };
    const first = await querySessionsEvents(ctx, input);
    const second = await querySessionsEvents(ctx, { ...input, cursor: first.nextCursor });
    const c = first.nextCursor;
    const c2 = second.nextCursor;
    const mid = c.length >> 1;
    const otherKey = { ...ctx, cursors: new CursorCodec("another-secret-9876543210") };
    const foreign = (await querySessionsEvents(otherKey, input)).nextCursor;
    const tree = (await querySessionsEvents(ctxFor(worldA, PRINCIPALS[1]!), input)).nextCursor;
    const operator = (await querySessionsEvents(contextFor(worldA.root, { now: NOW }), input)).nextCursor;
    const oneTool = (await querySessionEvents(ctx, { limit: 1 })).nextCursor;
    const forged = { v: 1, f: "x", after: { ts: 0, key: "agent:main:other", sid: "id-other", seq: 0 } };
    const prefix = c.slice(0, c.lastIndexOf(".") + 1); // whatever comes before the last dot, if anything
    return [
      ["first character flipped", flip(c, 0)],
      ["a character after the prefix flipped", flip(c, prefix.length + 1)],
      ["middle character flipped", flip(c, mid)],
      ["last character flipped", flip(c, c.length - 1)],
      ["last character cut off", c.slice(0, -1)],
      ["a character added", `${c}A`],
      ["halves of two cursors spliced", c.slice(0, mid) + c2.slice(mid)],
      ["spliced the other way", c2.slice(0, mid) + c.slice(mid)],
      ["the next page's cursor with this one's tail", c2.slice(0, -8) + c.slice(-8)],
      ["signed with another key", foreign],
      ["a forged plain state pointing into an invisible session", `${prefix}${encode(forged)}`],
      ["a forged plain state in the old signed form", `${encode(forged)}.${c.slice(-43)}`],
      ["minted by a tree caller", tree],
      ["minted by the operator", operator],
      ["minted by the other tool", oneTool],
      ["empty", ""],
      ["a dot", "."],
      ["two dots", ".."],
      ["the prefix alone", prefix || "c1."],
      ["not a cursor at all", "abc"],
      ["doubled", `${c}.${c}`],
      ["padded", `${c}=`],
      ["leading space", ` ${c}`],
      ["trailing newline", `${c}\n`],
      ["upper-cased", c.toUpperCase()],
      ["reversed", [...c].reverse().join("")],
      ["plain JSON", JSON.stringify(forged)],
      ["the word null", "null"],
      ["long garbage", "A".repeat(2000)],
      ["as hex", Buffer.from(c).toString("hex")],
    ];
  }

  it("every tampered or foreign cursor is refused with the start-over message, and no events come back", async () => {
    const ctx = self();
    const attempts = await tamperedCursors();
    expect(attempts.length).toBeGreaterThanOrEqual(30);
    for (const [what, cursor] of attempts) {
      const result = await answer(ctx, ["many", { sessionKey: "*", limit: 1, cursor }]);
      expect(result, what).toEqual({ error: expect.stringContaining(RESTART) });
      expect(JSON.stringify(result), what).not.toMatch(/MARK-/);
    }
    // and the untouched cursor does work (so the refusals above are about the tampering)
    const first = await querySessionsEvents(ctx, { sessionKey: "*", limit: 1 });
    const next = await querySessionsEvents(ctx, { sessionKey: "*", limit: 1, cursor: first.nextCursor });
    expect(next.events).toHaveLength(1);
    expect(next.events[0]!.seq).toBe(first.events[0]!.seq + 1);
  });

  it("names what went wrong: altered or foreign key, another query or caller, or not a cursor at all", async () => {
    const ctx = self();
    const attempts = new Map(await tamperedCursors());
    const messageOf = async (what: string) => ((await answer(ctx, ["many", { sessionKey: "*", limit: 1, cursor: attempts.get(what)! }])) as { error: string }).error;
    expect(await messageOf("middle character flipped")).toBe(`cursor is invalid or expired (it was altered, or issued with another key). ${RESTART}`);
    expect(await messageOf("signed with another key")).toBe(`cursor is invalid or expired (it was altered, or issued with another key). ${RESTART}`);
    expect(await messageOf("minted by the operator")).toBe(`cursor belongs to a different query or caller. ${RESTART}`);
    expect(await messageOf("not a cursor at all")).toBe(`cursor is not one this server issued. ${RESTART}`);
  });

  it("a cursor of the caller's own other query resumes that query alone, and is refused beside arguments that differ", async () => {
    const ctx = self();
    const walks: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
      ["types", { types: ["message"] }, { types: ["tool_call"] }],
      ["since", { since: T0 }, { since: T0 + 1 }],
      ["order", { order: "desc" }, { order: "asc" }],
      ["sessionKey", { sessionKey: "**" }, { sessionKey: "*:*" }],
      ["generations", { generations: "all" }, { generations: "current" }],
    ];
    for (const [argument, walk, other] of walks) {
      const input = { limit: 1, ...walk } as SessionsEventsInput;
      const first = await querySessionsEvents(ctx, input);
      const alone = await querySessionsEvents(ctx, { limit: 1, cursor: first.nextCursor });
      expect(alone, argument).toEqual(await querySessionsEvents(ctx, { ...input, cursor: first.nextCursor }));
      const { error } = (await answer(ctx, ["many", { limit: 1, ...other, cursor: first.nextCursor } as SessionsEventsInput])) as { error: string };
      expect(error, argument).toMatch(new RegExp(`^cursor belongs to a different query: ${argument} is `));
      expect(error, argument).toContain(RESTART);
    }
  });

  it("a cursor of a page that spans invisible sessions gives another caller nothing", async () => {
    const operator = contextFor(worldA.root, { now: NOW });
    const page = await querySessionsEvents(operator, { sessionKey: "*", limit: 3 });
    expect(page.hasMore).toBe(true);
    for (const who of PRINCIPALS) {
      const result = await answer(ctxFor(worldA, who), ["many", { sessionKey: "*", limit: 3, cursor: page.nextCursor }]);
      expect(result, who.name).toEqual({ error: `cursor belongs to a different query or caller. ${RESTART}` });
    }
  });

  // (was a finding: the cursor was readable base64url JSON and, on the last page, moved past hidden
  // events, so it told a public caller when the newest event above its clearance happened)
  it("a cursor does not reveal when a hidden event happened", async () => {
    const store = new TempStateDir("adv-scope-hidden-");
    try {
      const hiddenAt = T0 + 4321;
      store.registry("main", { "agent:main:main": { sessionId: "h", updatedAt: T0 } });
      store.transcript("main", "h.jsonl", [
        header("h", T0),
        assistantLine(T0 + 1000, [text("running ls"), toolCall("c", "exec", { cmd: "ls" })]),
        toolResultLine(hiddenAt, "c", "exec", "a.txt"),
      ]);
      const ctx = contextFor(store.root, { caller: "agent:main:main", clearance: "public", now: NOW });
      const page = await querySessionEvents(ctx, {});
      expect(page.events.map((e) => e.timestamp)).toEqual([T0, T0 + 1000]);
      expect(page.hiddenByVisibility).toBe(2);
      // whatever the format: no part of the cursor, read as base64url or as text, shows the hidden event's time
      for (const part of [page.nextCursor, ...page.nextCursor.split(".")]) {
        expect(Buffer.from(part, "base64url").toString("latin1")).not.toContain(String(hiddenAt));
        expect(part).not.toContain(String(hiddenAt));
      }
    } finally {
      store.remove();
    }
  });
});

describe("over MCP stdio (built server)", () => {
  let server: Connected;
  let cache: string;
  const call = async (name: string, args: Record<string, unknown>) => (await server.client.callTool({ name, arguments: args })) as CallToolResult;
  const textOf = (r: CallToolResult) => (r.content[0] as { text: string }).text;

  beforeAll(async () => {
    ensureBuilt();
    cache = tempCacheDir("adv-scope-cache");
    server = await connectServer(["--store", worldA.root, "--caller", "agent:main:subagent:child", "--scope", "self"], cleanEnv({
      SESSION_EVENTS_CACHE_DIR: cache,
      SESSION_EVENTS_CURSOR_SECRET: "mcp-secret-0123456789",
    }));
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    removeCacheDir(cache);
  });

  it("an invisible key, id or spawnedBy gets the very isError text a nonexistent one gets", async () => {
    const nonexistent = await call("session_events", { sessionKey: "agent:main:nope" });
    expect(nonexistent.isError).toBe(true);
    for (const key of ["agent:main:other", "AGENT:MAIN:MAIN", "id-other", "agent:work:y", "agent:main:oth\u0435r"]) {
      const result = await call("session_events", { sessionKey: key });
      expect(result.isError, key).toBe(true);
      expect(textOf(result)).toBe(textOf(nonexistent).replace('"agent:main:nope"', JSON.stringify(key)));
      const spawned = await call("sessions_events", { spawnedBy: key, descendants: true });
      expect(textOf(spawned)).toBe(textOf(nonexistent).replace('"agent:main:nope"', JSON.stringify(key)));
    }
    const all = await call("sessions_events", { sessionKey: ["*", "agent:main:other", "id-main"], limit: 500 });
    expect(all.isError).not.toBe(true);
    const page = all.structuredContent as { events: Array<{ session: string }> };
    expect(new Set(page.events.map((e) => e.session))).toEqual(new Set(["agent:main:subagent:child"]));
    expect(JSON.stringify(all)).not.toMatch(/MARK-id-(?!child)/);
  });

  it("tampered cursors come back as isError with the start-over message; the server keeps serving", async () => {
    const first = await call("sessions_events", { limit: 1 });
    const cursor = (first.structuredContent as { nextCursor: string }).nextCursor;
    for (const bad of [flip(cursor, cursor.length >> 1), cursor.slice(0, -1), `${cursor}x`, "", [...cursor].reverse().join(""), `${cursor}.x`]) {
      const result = await call("sessions_events", { limit: 1, cursor: bad });
      expect(result.isError, bad).toBe(true);
      expect(textOf(result)).toContain(RESTART);
      expect(textOf(result)).not.toContain("MARK-");
    }
    const other = await call("sessions_events", { limit: 1, types: ["message"], cursor });
    expect(textOf(other)).toBe(
      `cursor belongs to a different query: types is ["message"] in this call but not given in the walk the cursor came from. Leave types out (a cursor alone resumes its walk). ${RESTART}`,
    );
    const next = await call("sessions_events", { limit: 1, cursor });
    expect(next.isError).not.toBe(true);
  });
});

/**
 * End to end over a real stdio pipe: the BUILT server as a child process, driven by the SDK's own Client and
 * StdioClientTransport, reading a copy of examples/openclaw-state.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "../src/contract/page.js";
import { cleanEnv, connectServer, ensureBuilt, PROJECT_ROOT, sampleStoreCopy, type Connected, type Sandbox } from "./helpers/built-server.js";

const MAIN = "agent:main:main";
const SUB1 = "agent:main:subagent:5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f";
const SUB2 = "agent:main:subagent:9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
const SECRETS = ["sk-proj-Xq7bR2mN9vT4wL8sK3jH6gF1dS5aP0oI", "hunter2-staging", "hvs.CAESIJ9x2kq8Zr7mN1pL4vB6tY0wQ3eR5uI", "abcd1234efgh5678"];
const IMAGE_DATA = "iVBORw0KGgo";
const THINKING_TEXT = "Two tasks: weather lookup";
/** The agents the brief describes (the sample may grow other agents; exact counts are taken over these). */
const MAIN_AND_WORK = ["agent:main:*", "agent:work:*"];
const INTERNAL_TYPES = ["tool_call", "tool_result", "tool_error", "state_change", "custom"];
/** The event types of agent:main:main, in order (28 events). */
const MAIN_TYPES = [
  "session_start", "state_change", "message", "message", "tool_call", "tool_result", "message", "tool_call", "tool_result",
  "spawn", "message", "message", "message", "model_switch", "message", "message", "tool_call", "tool_error", "message",
  "error", "model_switch", "message", "compaction", "state_change", "state_change", "custom", "message", "message",
];

let box: Sandbox;
let env: Record<string, string>;
const servers: Connected[] = [];

/** Starts the built server on the copy; `command` ("mcp") goes first, as commander wants subcommands. */
async function start(args: string[], extraEnv: Record<string, string> = {}, command: string[] = []): Promise<Connected> {
  const server = await connectServer([...command, "--store", box.store, ...args], { ...env, ...extraEnv });
  servers.push(server);
  return server;
}

const call = (s: Connected, name: string, args: Record<string, unknown>) =>
  s.client.callTool({ name, arguments: args }) as Promise<CallToolResult>;

/** A successful result: structuredContent, and the same JSON as its only text content. */
function pageOf(result: CallToolResult): Page {
  expect(result.isError, JSON.stringify(result.content)).not.toBe(true);
  expect(result.content).toHaveLength(1);
  const [content] = result.content;
  expect(content?.type).toBe("text");
  expect(JSON.parse((content as { text: string }).text)).toEqual(result.structuredContent);
  return result.structuredContent as Page;
}

function errorText(result: CallToolResult): string {
  expect(result.isError).toBe(true);
  expect(result.structuredContent).toBeUndefined();
  expect(result.content).toHaveLength(1);
  return (result.content[0] as { type: string; text: string }).text;
}

async function walk(s: Connected, name: string, args: Record<string, unknown>): Promise<{ pages: Page[]; raw: string }> {
  const pages: Page[] = [];
  let raw = "";
  let cursor: string | undefined;
  for (let i = 0; i < 200; i++) {
    const result = await call(s, name, { ...args, ...(cursor ? { cursor } : {}) });
    raw += JSON.stringify(result);
    const page = pageOf(result);
    pages.push(page);
    if (!page.hasMore) return { pages, raw };
    cursor = page.nextCursor;
  }
  throw new Error("walk did not end");
}

let main: Connected;

beforeAll(async () => {
  ensureBuilt();
  box = sampleStoreCopy();
  env = cleanEnv({ SESSION_EVENTS_CACHE_DIR: box.cacheDir });
  main = await start(["--caller", MAIN]); // no command: the default `mcp`
}, 180_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  box?.cleanup();
});

describe("tools/list", () => {
  it("lists exactly the four tools, with schemas, titles and read-only annotations", async () => {
    const { tools } = await main.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["session_events", "session_state", "sessions_events", "sessions_search"]);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t])) as Record<string, Tool>;
    expect(byName.session_events!.title).toBe("Events of one session");
    expect(byName.sessions_events!.title).toBe("Events across sessions");
    expect(byName.session_state!.title).toBe("State of one session at a point");
    for (const tool of tools) {
      // the two event tools page; session_state answers with one state; sessions_search with ranked sessions
      const [described, outputFields] =
        tool.name === "session_state"
          ? [/atSeq/, ["seq", "totals", "lastMessages"]]
          : tool.name === "sessions_search"
            ? [/snippets/, ["sessions", "notes"]]
            : [/nextCursor/, ["events", "nextCursor", "hasMore"]];
      expect(tool.description).toMatch(described);
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.inputSchema.additionalProperties).toBe(false);
      expect(tool.outputSchema?.type).toBe("object");
      expect(Object.keys(tool.outputSchema?.properties ?? {})).toEqual(expect.arrayContaining(outputFields));
      expect(tool.annotations).toMatchObject({ readOnlyHint: true, openWorldHint: false });
      // the served tool is what the checked-in schema file describes
      const file = JSON.parse(readFileSync(join(PROJECT_ROOT, "tool-schemas", `${tool.name}.json`), "utf8"));
      expect({ name: tool.name, title: tool.title, description: tool.description, inputSchema: tool.inputSchema, outputSchema: tool.outputSchema, annotations: tool.annotations }, "tool-schemas/ is stale: run `npm run schemas`").toEqual(file);
    }
    expect(Object.keys(byName.session_events!.inputSchema.properties ?? {}).sort()).toEqual(
      ["cursor", "eventId", "fields", "generations", "groupBy", "limit", "maxFieldChars", "offset", "order", "sessionKey", "since", "text", "types", "until", "waitMs"],
    );
    expect(Object.keys(byName.session_state!.inputSchema.properties ?? {}).sort()).toEqual(["at", "atSeq", "generations", "lastMessages", "sessionKey"]);
    expect(Object.keys(byName.sessions_events!.inputSchema.properties ?? {}).sort()).toEqual(
      ["agentId", "cursor", "descendants", "fields", "generations", "groupBy", "limit", "maxFieldChars", "order", "sessionKey", "since", "spawnedBy", "text", "types", "until", "waitMs"],
    );
    expect(Object.keys(byName.sessions_search!.inputSchema.properties ?? {}).sort()).toEqual(["agentId", "limit", "query", "sessionKey", "since", "types", "until"]);
  });
});

describe("session_events", () => {
  it("returns the caller's own session as structuredContent equal to the text, valid against the output schema", async () => {
    const { tools } = await main.client.listTools();
    const outputSchema = tools.find((t) => t.name === "session_events")!.outputSchema!;
    const validate = new AjvJsonSchemaValidator().getValidator(outputSchema as never);
    const page = pageOf(await call(main, "session_events", {}));
    expect(validate(page).valid).toBe(true);
    expect(validate({ ...page, hasMore: "no" }).valid).toBe(false); // the validator can fail
    expect(page.events.map((e) => e.type)).toEqual(MAIN_TYPES);
    expect(page.events.map((e) => e.seq)).toEqual(MAIN_TYPES.map((_, i) => i + 1));
    expect(new Set(page.events.map((e) => e.session))).toEqual(new Set([MAIN]));
    expect(page).toMatchObject({ hasMore: false, stoppedBy: "end", limit: 50, order: "asc", sessionsMatched: 1, redactedEvents: 1, hiddenByVisibility: 0 });
    expect(page.events[9]!.payload).toEqual({
      childSessionKey: SUB1, runId: "run_8f2a", task: "Summarize the Q3 report in reports/q3.pdf", label: "q3-summary", agentId: "main", model: "anthropic/claude-haiku-4-5",
    });
  });

  it("sessions_events spawnedBy current + descendants returns the two sub-agents' events only", async () => {
    const page = pageOf(await call(main, "sessions_events", { spawnedBy: "current", descendants: true, limit: 500 }));
    expect(page.sessionsMatched).toBe(2);
    expect(page.events.filter((e) => e.session === SUB1)).toHaveLength(11);
    expect(page.events.filter((e) => e.session === SUB2)).toHaveLength(7);
    expect(page.events).toHaveLength(18);
    expect(page.events.filter((e) => e.type === "session_end").map((e) => [e.session, e.payload.status])).toEqual([
      [SUB2, "failed"],
      [SUB1, "done"],
    ]);
    const byId = pageOf(await call(main, "session_events", { sessionKey: "3f1e2c4a-8b7d-4c1e-9a2f-5d6e7f8a9b01", types: ["spawn"] }));
    expect(byId.events.map((e) => [e.session, e.seq])).toEqual([[MAIN, 10]]);
    const children = pageOf(await call(main, "sessions_events", { spawnedBy: "current", types: ["spawn", "complete"] }));
    expect(children.events.map((e) => [e.session, e.type])).toEqual([
      [SUB1, "spawn"],
      [SUB1, "session_end"],
    ]);
  });
});

describe("paging over stdio", () => {
  it("follows nextCursor through one session and across sessions, every event exactly once, in order", async () => {
    const all = pageOf(await call(main, "session_events", { limit: 500 }));
    const { pages } = await walk(main, "session_events", { limit: 5 });
    expect(pages.map((p) => p.events.length)).toEqual([5, 5, 5, 5, 5, 3]);
    const ids = pages.flatMap((p) => p.events.map((e) => e.id));
    expect(ids).toEqual(all.events.map((e) => e.id));
    expect(new Set(ids).size).toBe(28);

    const many = pageOf(await call(main, "sessions_events", { sessionKey: "agent:main:*", limit: 500 }));
    expect(many.events).toHaveLength(46); // main 28 + its two sub-agents 11 + 7 (scope tree)
    const walked = await walk(main, "sessions_events", { sessionKey: "agent:main:*", limit: 7 });
    expect(walked.pages).toHaveLength(7);
    expect(walked.pages.flatMap((p) => p.events.map((e) => e.id))).toEqual(many.events.map((e) => e.id));
    const last = walked.pages.at(-1)!;
    const after = pageOf(await call(main, "sessions_events", { sessionKey: "agent:main:*", limit: 7, cursor: last.nextCursor }));
    expect(after.events).toEqual([]);
    expect(after.hasMore).toBe(false);
  });

  it("resumes from the last page's cursor with only what was appended since (separate copy)", async () => {
    const other = sampleStoreCopy();
    try {
      const s = await connectServer(["--store", other.store, "--caller", MAIN], cleanEnv({ SESSION_EVENTS_CACHE_DIR: other.cacheDir }));
      servers.push(s);
      const first = pageOf(await call(s, "session_events", { limit: 500 }));
      expect(first.events).toHaveLength(28);
      const line = { type: "message", id: "z0000001", parentId: "a0000022", timestamp: "2026-11-18T09:40:00.000Z", message: { role: "user", content: "appended over stdio", timestamp: 1794994800000 } };
      appendFileSync(join(other.store, "agents/main/sessions/3f1e2c4a-8b7d-4c1e-9a2f-5d6e7f8a9b01.jsonl"), `${JSON.stringify(line)}\n`);
      const next = pageOf(await call(s, "session_events", { limit: 500, cursor: first.nextCursor }));
      expect(next.events.map((e) => [e.seq, e.type, e.payload.text])).toEqual([[29, "message", "appended over stdio"]]);
      await s.close();
    } finally {
      other.cleanup();
    }
  });
});

describe("errors are isError results and the server keeps serving", () => {
  it("answers bad calls with actionable text, then still answers good ones", async () => {
    expect(errorText(await call(main, "session_events", { sessionKey: "agent:main:nope" }))).toBe(
      'No session "agent:main:nope" visible to you. Use sessions_events with a pattern (for example "agent:main:*") to see which sessions you can read.',
    );
    const since = errorText(await call(main, "session_events", { since: "yesterday-ish" }));
    expect(since).toMatch(/^since: "yesterday-ish" is not a time\./);
    expect(since).toMatch(/ISO-8601.*epoch milliseconds.*duration/);
    expect(errorText(await call(main, "session_events", { sessionKey: MAIN, bogus: 1 }))).toMatch(/Unrecognized key: "bogus"/);
    expect(errorText(await call(main, "sessions_events", { colour: "red" }))).toMatch(/Unrecognized key: "colour"/);
    const types = errorText(await call(main, "session_events", { types: ["tool_calls"] }));
    expect(types).toMatch(/types\[0\]/);
    expect(types).toContain('"tool_calls" is not an event type. Use one of: session_start, message, tool_call,');
    expect(types).toContain("lifecycle.error");
    expect(errorText(await call(main, "session_events", { limit: "ten" }))).toMatch(/limit/);

    const page = pageOf(await call(main, "session_events", { limit: 2 }));
    const sealed = Buffer.from(page.nextCursor.slice(3), "base64url");
    sealed[sealed.length >> 1]! ^= 0x40;
    expect(errorText(await call(main, "session_events", { limit: 2, cursor: `c1.${sealed.toString("base64url")}` }))).toMatch(/Call again without cursor/);
    expect(errorText(await call(main, "session_events", { limit: 2, cursor: "garbage" }))).toMatch(/without cursor/);
    expect(errorText(await call(main, "session_events", { limit: 2, types: ["message"], cursor: page.nextCursor }))).toMatch(
      /different query or caller.*without cursor/,
    );

    const clamped = pageOf(await call(main, "session_events", { limit: 100000 }));
    expect(clamped.limit).toBe(500);
    expect(clamped.limitClamped).toBe(true);
    expect(clamped.notes.join(" ")).toMatch(/clamped/);
    expect(clamped.events).toHaveLength(28);

    // still alive and answering
    const pid = main.transport.pid!;
    expect(() => process.kill(pid, 0)).not.toThrow();
    const again = pageOf(await call(main, "session_events", { limit: 3 }));
    expect(again.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(main.stderr()).not.toMatch(/failed:/);
  });

  it("under --scope self, an existing but invisible session answers exactly like a nonexistent one", async () => {
    const self = await start(["--caller", MAIN, "--scope", "self"]);
    const hidden = errorText(await call(self, "session_events", { sessionKey: SUB1 }));
    const missing = errorText(await call(self, "session_events", { sessionKey: "agent:main:subagent:00000000-0000-4000-8000-000000000000" }));
    expect(hidden.replace(SUB1, "<key>")).toBe(missing.replace("agent:main:subagent:00000000-0000-4000-8000-000000000000", "<key>"));
    expect(hidden).toMatch(/^No session ".*" visible to you\./);
    // by session id too, and the same session under the default scope (tree) is readable
    const byId = errorText(await call(self, "session_events", { sessionKey: "7c2d9e10-4f3a-4b8c-a1d2-e3f405162738" }));
    expect(byId).toBe(missing.replace("agent:main:subagent:00000000-0000-4000-8000-000000000000", "7c2d9e10-4f3a-4b8c-a1d2-e3f405162738"));
    expect(pageOf(await call(main, "session_events", { sessionKey: SUB1 })).events).toHaveLength(11);
    const own = pageOf(await call(self, "sessions_events", { sessionKey: "agent:main:*", limit: 500 }));
    expect(new Set(own.events.map((e) => e.session))).toEqual(new Set([MAIN]));
    expect(own.sessionsMatched).toBe(1);
    const spawned = pageOf(await call(self, "sessions_events", { spawnedBy: "current", descendants: true }));
    expect(spawned.events).toEqual([]);
  });
});

describe("clearance and redaction", () => {
  it("with --clearance public, no internal event and no thinking text appear anywhere", async () => {
    const pub = await start(["--clearance", "public"]); // operator: scope all
    const known = await walk(pub, "sessions_events", { sessionKey: MAIN_AND_WORK, limit: 10 });
    expect(known.pages.flatMap((p) => p.events)).toHaveLength(68 - 24); // (68: the cron job key gives no session_end)
    expect(known.pages.reduce((n, p) => n + p.hiddenByVisibility, 0)).toBe(24);
    const { pages, raw } = await walk(pub, "sessions_events", { limit: 10 }); // every session in the store
    const events = pages.flatMap((p) => p.events);
    expect(events.length).toBeGreaterThanOrEqual(45);
    for (const e of events) {
      expect(INTERNAL_TYPES).not.toContain(e.type);
      expect(e.visibility).toBe("public");
      expect(e.payload).not.toHaveProperty("thinking");
    }
    expect(raw).not.toContain(THINKING_TEXT);
    expect(raw).not.toContain("thinking"); // neither the key, nor thinkingLevel state changes
    // the assistant message that carried thinking is still there, without it
    const withThinking = events.find((e) => e.id === "3f1e2c4a-8b7d-4c1e-9a2f-5d6e7f8a9b01:4");
    expect(withThinking?.payload.text).toBe("Checking the weather first.");
    // at the default clearance the same message does carry it (so the check above can fail)
    const internal = pageOf(await call(main, "session_events", { limit: 4 }));
    expect(internal.events[3]!.payload.thinking).toBe("Two tasks: weather lookup, then delegate the report summary to a sub-agent.");
  });

  it("never returns credentials or image data at the default clearance, and says what was redacted", async () => {
    const operator = await start([]);
    let raw = "";
    raw += (await walk(operator, "sessions_events", { limit: 9 })).raw; // every session in the store
    const all = await walk(operator, "sessions_events", { sessionKey: MAIN_AND_WORK, limit: 9 });
    raw += all.raw;
    for (const key of [MAIN, SUB1, SUB2, "agent:main:cron:daily-digest", "agent:main:telegram:dm:821071206", "agent:work:main", "agent:work:discord:group:dev"]) {
      raw += JSON.stringify(await call(operator, "session_events", { sessionKey: key, limit: 500 }));
    }
    raw += JSON.stringify(await call(main, "session_events", { types: ["tool_call"], order: "desc" }));
    for (const secret of [...SECRETS, IMAGE_DATA]) expect(raw).not.toContain(secret);
    expect(operator.stderr() + main.stderr()).not.toContain(SECRETS[0]);
    const events = all.pages.flatMap((p) => p.events);
    expect(events).toHaveLength(68); // (the cron job key's "done" gives no session_end: not a run)
    const exec = events.find((e) => e.session === MAIN && e.seq === 17)!;
    expect(exec.redacted).toBe(true);
    expect(exec.payload.args).toEqual({
      command: "OPENAI_API_KEY=[REDACTED:openai_key] ./deploy.sh staging",
      env: { DATABASE_URL: "postgres://deploy:[REDACTED:url_password]@db.internal:5432/app" },
    });
    expect(events.filter((e) => e.redacted).length).toBe(3);
    expect(events.find((e) => e.session === MAIN && e.seq === 12)!.payload.text).toBe("Here's the chart I mentioned.");
  });

  it("at --clearance confidential the credentials are shown unredacted (so the check above is meaningful)", async () => {
    const conf = await start(["--caller", MAIN, "--clearance", "confidential"]);
    const page = pageOf(await call(conf, "session_events", { types: ["tool_call"] }));
    const text = JSON.stringify(page);
    expect(text).toContain(SECRETS[0]);
    expect(text).toContain(SECRETS[1]);
    expect(text).not.toContain(IMAGE_DATA);
    expect(page.redactedEvents).toBe(0);
  });
});

describe("principal from the environment", () => {
  it("SESSION_EVENTS_CALLER / _SCOPE / _CLEARANCE work like --caller / --scope / --clearance", async () => {
    const fromEnv = await start([], { SESSION_EVENTS_CALLER: MAIN, SESSION_EVENTS_SCOPE: "self", SESSION_EVENTS_CLEARANCE: "public" }, ["mcp"]);
    const fromFlags = await start(["--caller", MAIN, "--scope", "self", "--clearance", "public"], {}, ["mcp"]);
    for (const [name, args] of [
      ["session_events", { limit: 500 }],
      ["sessions_events", { limit: 500 }],
      ["session_events", { sessionKey: SUB1 }],
    ] as const) {
      const a = await call(fromEnv, name, args);
      const b = await call(fromFlags, name, args);
      expect(a).toEqual(b);
    }
    const own = pageOf(await call(fromEnv, "session_events", { limit: 500 }));
    expect(own.events.map((e) => e.type)).toEqual(MAIN_TYPES.filter((t) => !INTERNAL_TYPES.includes(t)));
    expect(own.hiddenByVisibility).toBe(10);
    const wide = pageOf(await call(fromEnv, "sessions_events", { limit: 500 }));
    expect(wide.sessionsMatched).toBe(1);
    expect(errorText(await call(fromEnv, "session_events", { sessionKey: SUB1 }))).toMatch(/^No session/);
    // flags win over the environment
    const flagWins = await start(["--scope", "tree"], { SESSION_EVENTS_CALLER: MAIN, SESSION_EVENTS_SCOPE: "self" });
    expect(pageOf(await call(flagWins, "session_events", { sessionKey: SUB1 })).events).toHaveLength(11);
  });
});
